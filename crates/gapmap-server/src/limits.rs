//! Request limits, answered as problem+json before any handler runs:
//!
//! | limit | answer |
//! |---|---|
//! | request target over [`MAX_URI_BYTES`] | 414 `uri-too-long` |
//! | over [`MAX_HEADERS`] headers, one over [`MAX_HEADER_BYTES`], or all over [`MAX_HEAD_BYTES`] | 431 `headers-too-large` |
//! | `Content-Length` over `[server] max_body_bytes` | 413 `payload-too-large` |
//!
//! These are below what actix-http's parser refuses by itself (a target
//! over 65,534 bytes, more than 96 headers, a head over 128 KiB, bytes that
//! are not HTTP): those connections get actix-http's bare status and are
//! closed before gapmap sees a request. actix-http logs each of them at
//! ERROR (`stream error: …`); the CLI's log drops those lines
//! ([`is_refusal`]), [`RefusalCounter`] counts them, and [`report_refusals`] writes one WARN line a minute with their
//! count instead, so no one can fill the log at ERROR level.

use crate::AppState;
use crate::problem::{Kind, Problem};
use actix_web::body::MessageBody;
use actix_web::dev::{ServiceRequest, ServiceResponse};
use actix_web::middleware::Next;
use actix_web::web;
use std::sync::atomic::{AtomicU64, Ordering};
use std::time::Duration;

/// The longest request target (path and query) served, in bytes.
pub const MAX_URI_BYTES: usize = 8 * 1024;
/// The most header fields in one request.
pub const MAX_HEADERS: usize = 64;
/// The longest header field (name and value), in bytes.
pub const MAX_HEADER_BYTES: usize = 8 * 1024;
/// All header fields together, in bytes.
pub const MAX_HEAD_BYTES: usize = 32 * 1024;

/// The middleware.
pub async fn middleware(
    req: ServiceRequest,
    next: Next<impl MessageBody + 'static>,
) -> Result<ServiceResponse<actix_web::body::BoxBody>, actix_web::Error> {
    if let Some(p) = check(&req) {
        return Ok(req.error_response(p));
    }
    next.call(req)
        .await
        .map(ServiceResponse::map_into_boxed_body)
}

fn check(req: &ServiceRequest) -> Option<Problem> {
    let target = req.uri().path_and_query().map_or(0, |p| p.as_str().len());
    if target > MAX_URI_BYTES {
        return Some(Problem::new(
            Kind::UriTooLong,
            format!("the request target is {target} bytes; the limit is {MAX_URI_BYTES}"),
        ));
    }
    let headers = req.headers();
    let mut total = 0;
    for (name, value) in headers {
        let n = name.as_str().len() + value.len();
        if n > MAX_HEADER_BYTES {
            return Some(Problem::new(
                Kind::HeadersTooLarge,
                format!(
                    "header `{}` is {n} bytes; the limit is {MAX_HEADER_BYTES}",
                    name.as_str()
                ),
            ));
        }
        total += n;
    }
    if headers.len() > MAX_HEADERS || total > MAX_HEAD_BYTES {
        return Some(Problem::new(
            Kind::HeadersTooLarge,
            format!(
                "{} header fields of {total} bytes; the limits are {MAX_HEADERS} fields and {MAX_HEAD_BYTES} bytes",
                headers.len()
            ),
        ));
    }
    let max = req
        .app_data::<web::Data<AppState>>()
        .map_or(usize::MAX, |s| s.config.max_body_bytes);
    let len = headers
        .get("content-length")
        .and_then(|v| v.to_str().ok())
        .and_then(|v| v.parse::<usize>().ok());
    if let Some(l) = len.filter(|l| *l > max) {
        return Some(Problem::new(
            Kind::PayloadTooLarge,
            format!("the body is {l} bytes; the limit is {max}"),
        ));
    }
    None
}

static REFUSED: AtomicU64 = AtomicU64::new(0);

/// Whether a log event is actix-http's ERROR line for a connection it
/// refused or dropped (`stream error: …` and the like).
pub fn is_refusal(meta: &tracing::Metadata<'_>) -> bool {
    meta.target().starts_with("actix_http::h1")
        && *meta.level() == tracing::Level::ERROR
        && meta.is_event()
}

/// A tracing layer that counts [`is_refusal`] events; the log writer drops
/// them (`filter_fn(|m| !is_refusal(m))`).
#[derive(Debug, Clone, Copy, Default)]
pub struct RefusalCounter;

impl<S: tracing::Subscriber> tracing_subscriber::Layer<S> for RefusalCounter {
    fn on_event(&self, event: &tracing::Event<'_>, _: tracing_subscriber::layer::Context<'_, S>) {
        if is_refusal(event.metadata()) {
            REFUSED.fetch_add(1, Ordering::Relaxed);
        }
    }
}

/// Requests refused by the HTTP parser so far.
pub fn refused_count() -> u64 {
    REFUSED.load(Ordering::Relaxed)
}

/// Once a minute, one WARN line with the number of connections actix-http
/// refused in that minute (none when there were none).
pub fn report_refusals(every: Duration) {
    let spawned = std::thread::Builder::new()
        .name("gapmap-refusals".into())
        .spawn(move || {
            let mut last = 0;
            loop {
                std::thread::sleep(every);
                let now = refused_count();
                if now > last {
                    tracing::warn!(
                        refused = now - last,
                        "requests refused by the HTTP parser (malformed or oversized heads) since the last report"
                    );
                }
                last = now;
            }
        });
    if let Err(e) = spawned {
        tracing::warn!(error = %e, "cannot start the refusal reporter");
    }
}
