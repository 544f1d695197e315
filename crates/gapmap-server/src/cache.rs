//! Validators for every read answer held in memory (API JSON, OGC JSON and
//! HTML, TileJSON, styles, and any route added later): a strong `ETag`
//! made of the serving snapshot's version and a hash of the exact bytes,
//! `Cache-Control: public, max-age=0, must-revalidate` (clients revalidate,
//! and a change of the store changes the tag), and `304 Not Modified` when
//! `If-None-Match` names it.
//!
//! Routes that set their own `ETag` (tiles, downloads) or `Cache-Control`
//! keep them (`no-store` or `private` answers get no tag); streamed
//! bodies, errors and non-GET answers are left alone.

use crate::AppState;
use actix_web::body::{BoxBody, MessageBody};
use actix_web::dev::{ServiceRequest, ServiceResponse};
use actix_web::http::header::{self, HeaderMap, HeaderValue};
use actix_web::http::{Method, StatusCode};
use actix_web::middleware::Next;
use actix_web::{HttpResponse, web};
use std::hash::Hasher;

pub const CACHE_CONTROL: &str = "public, max-age=0, must-revalidate";

/// Bodies larger than this (bytes) are not hashed.
const MAX_HASHED: usize = 16 << 20;

/// Whether `If-None-Match` in `headers` names `etag` (weak comparison).
pub fn not_modified(headers: &HeaderMap, etag: &str) -> bool {
    let bare = |t: &str| t.trim().trim_start_matches("W/").to_owned();
    headers
        .get_all(header::IF_NONE_MATCH)
        .filter_map(|v| v.to_str().ok())
        .flat_map(|v| v.split(','))
        .any(|t| t.trim() == "*" || bare(t) == bare(etag))
}

/// A 304 answer carrying the validators of the full answer.
pub fn not_modified_response(etag: &str, vary: Option<HeaderValue>) -> HttpResponse {
    let mut r = HttpResponse::NotModified();
    r.insert_header((header::ETAG, etag))
        .insert_header((header::CACHE_CONTROL, CACHE_CONTROL));
    if let Some(v) = vary {
        r.insert_header((header::VARY, v));
    }
    r.finish()
}

/// A strong `ETag` of content that does not depend on the snapshot (the
/// web front end's fingerprinted files): a hash of the bytes alone, so a
/// reload of the store does not change it.
pub fn content_etag(bytes: &[u8]) -> String {
    format!("\"s-{:016x}\"", fnv64(bytes))
}

fn fnv64(bytes: &[u8]) -> u64 {
    // FNV-1a: fast, stable across builds (unlike std's SipHash keys).
    let mut h = Fnv(0xcbf2_9ce4_8422_2325);
    h.write(bytes);
    h.finish()
}

struct Fnv(u64);
impl Hasher for Fnv {
    fn write(&mut self, bytes: &[u8]) {
        for b in bytes {
            self.0 ^= u64::from(*b);
            self.0 = self.0.wrapping_mul(0x0100_0000_01b3);
        }
    }
    fn finish(&self) -> u64 {
        self.0
    }
}

/// The middleware.
pub async fn middleware(
    req: ServiceRequest,
    next: Next<impl MessageBody + 'static>,
) -> Result<ServiceResponse<BoxBody>, actix_web::Error> {
    let read = matches!(*req.method(), Method::GET | Method::HEAD);
    let version = req
        .app_data::<web::Data<AppState>>()
        .map(|s| s.live.get().version.clone());
    let res = next.call(req).await?.map_into_boxed_body();
    let h = res.headers();
    let eligible = read
        && res.status() == StatusCode::OK
        && !h.contains_key(header::ETAG)
        && !h.contains_key(header::SET_COOKIE)
        && !h.get(header::CACHE_CONTROL).is_some_and(|v| {
            let v = v.to_str().unwrap_or("no-store");
            v.contains("no-store") || v.contains("private")
        })
        && !h.contains_key(header::CONTENT_RANGE)
        && matches!(res.response().body().size(), actix_web::body::BodySize::Sized(n) if n as usize <= MAX_HASHED);
    if !eligible {
        return Ok(res);
    }
    let (http, response) = res.into_parts();
    let (mut response, body) = response.into_parts();
    let bytes = match body.try_into_bytes() {
        Ok(b) => b,
        Err(body) => {
            return Ok(ServiceResponse::new(http, response.set_body(body)));
        }
    };
    let mut hasher = Fnv(fnv64(&bytes));
    for name in [header::CONTENT_TYPE, HeaderName::from_static("content-crs")] {
        if let Some(v) = response.headers().get(&name) {
            hasher.write(v.as_bytes());
        }
    }
    let etag = format!(
        "\"{}-{:016x}\"",
        version.as_deref().unwrap_or("0"),
        hasher.finish()
    );
    if not_modified(http.headers(), &etag) {
        let vary = response.headers().get(header::VARY).cloned();
        return Ok(ServiceResponse::new(
            http,
            not_modified_response(&etag, vary),
        ));
    }
    if let Ok(v) = HeaderValue::from_str(&etag) {
        response.headers_mut().insert(header::ETAG, v);
    }
    if !response.headers().contains_key(header::CACHE_CONTROL) {
        response.headers_mut().insert(
            header::CACHE_CONTROL,
            HeaderValue::from_static(CACHE_CONTROL),
        );
    }
    Ok(ServiceResponse::new(
        http,
        response.set_body(BoxBody::new(bytes)),
    ))
}

use actix_web::http::header::HeaderName;

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn if_none_match_lists_and_weak_tags() {
        let mut h = HeaderMap::new();
        h.insert(
            header::IF_NONE_MATCH,
            HeaderValue::from_static("\"a\", W/\"v1-00ff\""),
        );
        assert!(not_modified(&h, "\"v1-00ff\""));
        assert!(!not_modified(&h, "\"v2-00ff\""));
        h.insert(header::IF_NONE_MATCH, HeaderValue::from_static("*"));
        assert!(not_modified(&h, "\"x\""));
        assert_eq!(fnv64(b""), 0xcbf2_9ce4_8422_2325);
    }
}
