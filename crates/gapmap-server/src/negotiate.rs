//! Content negotiation by `Accept` (RFC 9110 §12.5.1): media ranges with
//! q-values; the most specific range that matches an offer gives its
//! quality, `q=0` means "not acceptable", and no `Accept` header accepts
//! anything (as does one with no readable media range).

use actix_web::HttpRequest;
use actix_web::http::header;

/// One media range of an `Accept` header.
#[derive(Debug, Clone, PartialEq)]
struct Range<'a> {
    ty: &'a str,
    sub: &'a str,
    /// Parameters other than q (e.g. `version=3.0`), as written.
    params: usize,
    q: f32,
}

fn parse(accept: &str) -> Vec<Range<'_>> {
    accept
        .split(',')
        .filter_map(|item| {
            let mut parts = item.split(';');
            let (ty, sub) = parts.next()?.trim().split_once('/')?;
            let (ty, sub) = (ty.trim(), sub.trim());
            if ty.is_empty() || sub.is_empty() {
                return None;
            }
            let mut q = 1.0f32;
            let mut params = 0;
            for p in parts {
                match p.trim().split_once('=') {
                    Some((k, v)) if k.trim().eq_ignore_ascii_case("q") => {
                        q = v
                            .trim()
                            .parse::<f32>()
                            .ok()
                            .filter(|q| (0.0..=1.0).contains(q))?;
                    }
                    _ => params += 1,
                }
            }
            Some(Range { ty, sub, params, q })
        })
        .collect()
}

/// The quality `accept` gives the media type `offer` (`type/subtype`).
///
/// ```
/// use gapmap_server::negotiate::quality;
/// assert_eq!(quality(Some("text/html;q=0, */*"), "text/html"), 0.0);
/// assert_eq!(quality(Some("text/*;q=0.5, */*;q=0.1"), "text/html"), 0.5);
/// assert_eq!(quality(None, "application/json"), 1.0);
/// ```
pub fn quality(accept: Option<&str>, offer: &str) -> f32 {
    let Some(accept) = accept.filter(|a| !a.trim().is_empty()) else {
        return 1.0;
    };
    let ranges = parse(accept);
    if ranges.is_empty() {
        // Nothing readable: as if there were no Accept header.
        return 1.0;
    }
    let (ot, os) = offer.split_once('/').unwrap_or((offer, ""));
    let mut best: Option<(u8, usize, f32)> = None;
    for r in ranges {
        let specificity = match (r.ty, r.sub) {
            ("*", "*") => 0,
            (t, "*") if t.eq_ignore_ascii_case(ot) => 1,
            (t, s) if t.eq_ignore_ascii_case(ot) && s.eq_ignore_ascii_case(os) => 2,
            _ => continue,
        };
        if best.is_none_or(|(s, p, _)| (specificity, r.params) > (s, p)) {
            best = Some((specificity, r.params, r.q));
        }
    }
    best.map_or(0.0, |(_, _, q)| q)
}

/// The best of `offers` (earlier wins a tie), or `None` when the request
/// accepts none of them.
pub fn choose<'a>(accept: Option<&str>, offers: &[&'a str]) -> Option<&'a str> {
    let mut best: Option<(&str, f32)> = None;
    for o in offers {
        let q = quality(accept, o);
        if q > 0.0 && best.is_none_or(|(_, b)| q > b) {
            best = Some((o, q));
        }
    }
    best.map(|(o, _)| o)
}

pub(crate) fn accepts_gzip(req: &HttpRequest) -> bool {
    req.headers()
        .get_all(header::ACCEPT_ENCODING)
        .filter_map(|v| v.to_str().ok())
        .flat_map(|v| v.split(','))
        .any(|t| {
            let mut parts = t.trim().split(';');
            let name = parts.next().unwrap_or("").trim();
            let q0 = parts.any(|p| {
                p.trim()
                    .strip_prefix("q=")
                    .and_then(|q| q.parse::<f64>().ok())
                    == Some(0.0)
            });
            (name.eq_ignore_ascii_case("gzip") || name == "*") && !q0
        })
}

#[cfg(test)]
mod tests {
    use super::*;

    const OFFERS: [&str; 3] = ["application/json", "application/geo+json", "text/html"];

    #[test]
    fn choices_for_common_accept_headers() {
        let browser = "text/html,application/xhtml+xml,application/xml;q=0.9,*/*;q=0.8";
        let cases: &[(Option<&str>, Option<&str>)] = &[
            (None, Some("application/json")),
            (Some(""), Some("application/json")),
            (Some("*/*"), Some("application/json")),
            (Some(browser), Some("text/html")),
            (Some("text/html;q=0"), None),
            (Some("text/html;q=0, */*;q=0.1"), Some("application/json")),
            (Some("application/geo+json"), Some("application/geo+json")),
            (Some("application/json;q=0.5, text/html"), Some("text/html")),
            (Some("image/png"), None),
            (Some("text/*"), Some("text/html")),
            (Some("garbage"), Some("application/json")),
            (Some("text/html;q=2"), Some("application/json")),
        ];
        for (accept, want) in cases {
            assert_eq!(choose(*accept, &OFFERS), *want, "{accept:?}");
        }
    }
}
