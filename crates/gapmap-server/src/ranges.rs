//! Byte ranges for downloads (RFC 9110 §14): `Accept-Ranges: bytes`, one
//! range per request (`206 Partial Content` with `Content-Range`), `416`
//! with `Content-Range: bytes */len` when the range starts past the end, and
//! `If-Range` with the representation's strong `ETag`. A request for several
//! ranges, a malformed `Range` or a failed `If-Range` gets the whole file
//! (200), as RFC 9110 allows.

use crate::problem::{Kind, Problem};
use actix_web::http::header;
use actix_web::{HttpRequest, HttpResponse, HttpResponseBuilder};

/// What a request wants of a representation.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Want {
    /// The whole representation.
    Full,
    /// Bytes `first..=last`.
    Part(u64, u64),
    /// A range that starts at or past the end.
    Unsatisfiable,
}

/// Parse a `Range` header for a representation of `len` bytes. `None`:
/// ignore it (not bytes, several ranges, malformed).
pub fn parse(header: &str, len: u64) -> Option<Want> {
    let spec = header.trim().strip_prefix("bytes=")?.trim();
    if spec.contains(',') {
        return None;
    }
    let (a, b) = spec.split_once('-')?;
    let (a, b) = (a.trim(), b.trim());
    let digits = |s: &str| !s.is_empty() && s.bytes().all(|c| c.is_ascii_digit());
    if a.is_empty() {
        // A suffix: the last `b` bytes.
        if !digits(b) {
            return None;
        }
        let n = b.parse::<u64>().unwrap_or(u64::MAX);
        if n == 0 || len == 0 {
            return Some(Want::Unsatisfiable);
        }
        return Some(Want::Part(len.saturating_sub(n), len - 1));
    }
    if !digits(a) || !(b.is_empty() || digits(b)) {
        return None;
    }
    let first = a.parse::<u64>().ok()?;
    let last = if b.is_empty() {
        u64::MAX
    } else {
        b.parse::<u64>().unwrap_or(u64::MAX)
    };
    if last < first {
        return None;
    }
    if first >= len {
        return Some(Want::Unsatisfiable);
    }
    Some(Want::Part(first, last.min(len - 1)))
}

/// What `req` wants of a representation of `len` bytes whose strong ETag
/// is `etag` (quoted).
pub fn wanted(req: &HttpRequest, etag: &str, len: u64) -> Want {
    if !matches!(req.method().as_str(), "GET" | "HEAD") {
        return Want::Full;
    }
    let Some(range) = req
        .headers()
        .get(header::RANGE)
        .and_then(|v| v.to_str().ok())
    else {
        return Want::Full;
    };
    if let Some(cond) = req.headers().get(header::IF_RANGE) {
        // Only a strong ETag match keeps the range (no Last-Modified here).
        if cond.to_str().ok().map(str::trim) != Some(etag) || etag.starts_with("W/") {
            return Want::Full;
        }
    }
    parse(range, len).unwrap_or(Want::Full)
}

/// Start the answer for a representation of `len` bytes: sets
/// `Accept-Ranges`, `ETag` and, for a part, the 206 status and
/// `Content-Range`. Returns the byte span to send (`first..end`), or the 416
/// problem.
pub fn start(
    req: &HttpRequest,
    etag: &str,
    len: u64,
    r: &mut HttpResponseBuilder,
) -> Result<(u64, u64), Problem> {
    r.insert_header((header::ACCEPT_RANGES, "bytes"))
        .insert_header((header::ETAG, etag));
    match wanted(req, etag, len) {
        Want::Full => Ok((0, len)),
        Want::Part(first, last) => {
            r.status(actix_web::http::StatusCode::PARTIAL_CONTENT)
                .insert_header((header::CONTENT_RANGE, format!("bytes {first}-{last}/{len}")));
            Ok((first, last + 1))
        }
        Want::Unsatisfiable => Err(Problem::new(
            Kind::RangeNotSatisfiable,
            format!("the file is {len} bytes; the range asked for starts past its end"),
        )
        .with_header("Content-Range", format!("bytes */{len}"))
        .with_header("Accept-Ranges", "bytes")),
    }
}

/// The whole answer for a representation held in memory.
pub fn bytes(
    req: &HttpRequest,
    etag: &str,
    body: &actix_web::web::Bytes,
    mut r: HttpResponseBuilder,
) -> Result<HttpResponse, Problem> {
    let (a, b) = start(req, etag, body.len() as u64, &mut r)?;
    Ok(r.body(body.slice(a as usize..b as usize)))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn ranges_as_rfc_9110_reads_them() {
        use Want::*;
        let cases: &[(&str, u64, Option<Want>)] = &[
            ("bytes=0-99", 1000, Some(Part(0, 99))),
            ("bytes=900-", 1000, Some(Part(900, 999))),
            ("bytes=900-5000", 1000, Some(Part(900, 999))),
            ("bytes=-100", 1000, Some(Part(900, 999))),
            ("bytes=-5000", 1000, Some(Part(0, 999))),
            ("bytes=999-999", 1000, Some(Part(999, 999))),
            ("bytes=1000-", 1000, Some(Unsatisfiable)),
            ("bytes=-0", 1000, Some(Unsatisfiable)),
            ("bytes=0-", 0, Some(Unsatisfiable)),
            ("bytes=5-1", 1000, None),
            ("bytes=0-1,5-9", 1000, None),
            ("items=0-1", 1000, None),
            ("bytes=+1-2", 1000, None),
            ("bytes=a-", 1000, None),
            ("bytes=99999999999999999999999-", 1000, None),
            ("bytes=0-99999999999999999999999", 1000, Some(Part(0, 999))),
        ];
        for (h, len, want) in cases {
            assert_eq!(parse(h, *len), *want, "{h}");
        }
    }
}
