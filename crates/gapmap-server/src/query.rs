//! Strict query strings: every endpoint names the parameters it accepts;
//! anything else is a 400 problem naming the parameter.

use crate::problem::{Kind, Problem};
use actix_web::HttpRequest;
use std::collections::BTreeMap;

/// The parsed query string of a request, checked against allowed names.
#[derive(Debug, Default)]
pub struct Query {
    values: BTreeMap<String, String>,
}

impl Query {
    /// Parse and reject unknown or repeated parameters.
    pub fn parse(req: &HttpRequest, allowed: &[&str]) -> Result<Query, Problem> {
        Query::from_query_str(req.query_string(), allowed)
    }

    /// [`Query::parse`] of a raw query string (without the `?`).
    pub fn from_query_str(query: &str, allowed: &[&str]) -> Result<Query, Problem> {
        let pairs: Vec<(String, String)> = serde_urlencoded::from_str(query).map_err(|e| {
            Problem::new(
                Kind::InvalidParameter,
                format!("the query string cannot be read: {e}"),
            )
        })?;
        let mut values = BTreeMap::new();
        for (k, v) in pairs {
            if !allowed.contains(&k.as_str()) {
                let mut p = Problem::new(
                    Kind::UnknownParameter,
                    format!(
                        "unknown query parameter `{k}`; this endpoint accepts: {}",
                        if allowed.is_empty() {
                            "none".to_owned()
                        } else {
                            allowed.join(", ")
                        }
                    ),
                );
                p.parameter = Some(k);
                return Err(p);
            }
            if values.insert(k.clone(), v).is_some() {
                return Err(Problem::invalid(
                    &k,
                    format!("`{k}` is given more than once"),
                ));
            }
        }
        Ok(Query { values })
    }

    pub fn str(&self, name: &str) -> Option<&str> {
        self.values.get(name).map(String::as_str)
    }

    /// An unsigned integer parameter within `[min, max]`, or the default.
    pub fn usize_in(
        &self,
        name: &str,
        default: usize,
        min: usize,
        max: usize,
    ) -> Result<usize, Problem> {
        match self.str(name) {
            None => Ok(default),
            Some(s) => match s.parse::<usize>() {
                Ok(n) if (min..=max).contains(&n) => Ok(n),
                _ => Err(Problem::invalid(
                    name,
                    format!("`{name}` must be a whole number from {min} to {max}, not `{s}`"),
                )),
            },
        }
    }

    pub fn f64(&self, name: &str) -> Result<Option<f64>, Problem> {
        match self.str(name) {
            None => Ok(None),
            Some(s) => s
                .parse::<f64>()
                .ok()
                .filter(|v| v.is_finite())
                .map(Some)
                .ok_or_else(|| {
                    Problem::invalid(name, format!("`{name}` must be a number, not `{s}`"))
                }),
        }
    }

    /// `bbox=minlon,minlat,maxlon,maxlat` in WGS84: four [`plain_number`]s.
    /// A box whose minimum is above its maximum is accepted and contains
    /// nothing.
    pub fn bbox(&self, name: &str) -> Result<Option<[f64; 4]>, Problem> {
        let Some(s) = self.str(name) else {
            return Ok(None);
        };
        match numbers(s).as_deref() {
            Some([a, b, c, d]) => Ok(Some([*a, *b, *c, *d])),
            _ => Err(Problem::invalid(
                name,
                format!("`{name}` must be four numbers minlon,minlat,maxlon,maxlat, not `{s}`"),
            )),
        }
    }
}

/// A plain decimal number as the OpenAPI patterns allow it: an optional
/// `-`, digits, optionally `.` and digits; no sign `+`, exponent, spaces,
/// `inf` or `NaN`.
///
/// ```
/// use gapmap_server::query::plain_number;
/// assert_eq!(plain_number("-23.5"), Some(-23.5));
/// assert_eq!(plain_number("1e5"), None);
/// assert_eq!(plain_number(" 1"), None);
/// ```
pub fn plain_number(s: &str) -> Option<f64> {
    let digits = s.strip_prefix('-').unwrap_or(s);
    let (int, frac) = match digits.split_once('.') {
        Some((i, f)) => (i, Some(f)),
        None => (digits, None),
    };
    let all = |t: &str| !t.is_empty() && t.bytes().all(|b| b.is_ascii_digit());
    if !all(int) || frac.is_some_and(|f| !all(f)) {
        return None;
    }
    s.parse::<f64>().ok().filter(|v| v.is_finite())
}

/// Comma-separated [`plain_number`]s, or `None` if any is not one.
pub fn numbers(s: &str) -> Option<Vec<f64>> {
    s.split(',').map(plain_number).collect()
}

/// Every query-string and header parser of the server, fed one input: the
/// first line is a query string, each further line a header value. For the
/// fuzzer (`gapmap-fuzz`); any result but a panic is fine.
#[doc(hidden)]
pub fn fuzz_parsers(input: &str) {
    let mut lines = input.lines();
    let qs = lines.next().unwrap_or("");
    let all: Vec<&str> = [
        "f",
        "bbox",
        "bbox-crs",
        "crs",
        "limit",
        "offset",
        "datetime",
        "kind",
        "lon",
        "lat",
        "at",
        "underserved",
    ]
    .into_iter()
    .chain(crate::routes::gaps::THRESHOLD_PARAMS.iter().copied())
    .collect();
    if let Ok(q) = Query::from_query_str(qs, &all) {
        let _ = q.bbox("bbox");
        let _ = q.f64("lon");
        let _ = q.usize_in("limit", 5, 1, 100);
        let _ = crate::routes::gaps::thresholds(&q, &Default::default());
        let _ = crate::routes::ogc::items::ItemsQuery::from_query(
            &q,
            gapmap_publish::collections::Collection::Sites,
        );
    }
    let _ = Query::from_query_str(qs, &[]);
    for value in lines {
        let _ = crate::ranges::parse(value, 1000);
        let _ = crate::negotiate::choose(Some(value), &["application/json", "text/html"]);
        let _ = crate::routes::ogc::Crs::parse("crs", value);
        let _ = crate::routes::ogc::items::parse_datetime(value);
        let mut h = actix_web::http::header::HeaderMap::new();
        if let Ok(v) = actix_web::http::header::HeaderValue::from_str(value) {
            h.insert(actix_web::http::header::IF_NONE_MATCH, v);
            let _ = crate::cache::not_modified(&h, "\"v-1\"");
        }
    }
}
