//! Every error as its client should see it, decided by content negotiation
//! on `Accept` (RFC 9110 §12.5.1) after the handler answered:
//!
//! - a browser (which prefers `text/html` to `application/problem+json`,
//!   as a page load does) gets the HTML page of the status in the page's
//!   language — Latvian unless `?lang=en` — with the way back to the finder
//!   ([`crate::pages::status_page`]);
//! - every other client keeps the RFC 9457 problem+json body; an error
//!   that reached here as plain text (actix's own, for a path it could not
//!   read) becomes a problem of its status.
//!
//! The headers a status needs (`Allow`, `Retry-After`, `WWW-Authenticate`)
//! stay. A page that answers an error with its own HTML (a form shown
//! again with what to fix) is left as it is.

use crate::AppState;
use crate::problem::{Kind, Problem};
use actix_web::body::{BoxBody, MessageBody};
use actix_web::dev::{ServiceRequest, ServiceResponse};
use actix_web::http::{StatusCode, header};
use actix_web::middleware::Next;
use actix_web::{HttpRequest, HttpResponse, web};

/// The headers an error answer keeps when its body is replaced.
const KEPT: [header::HeaderName; 4] = [
    header::ALLOW,
    header::RETRY_AFTER,
    header::WWW_AUTHENTICATE,
    header::CONNECTION,
];

/// Whether the request would rather have an HTML page than problem+json.
pub fn prefers_html(req: &HttpRequest) -> bool {
    let accept = req
        .headers()
        .get(header::ACCEPT)
        .and_then(|v| v.to_str().ok());
    accept.is_some()
        && crate::negotiate::choose(
            accept,
            &["application/problem+json", "application/json", "text/html"],
        ) == Some("text/html")
}

/// The middleware (see the module documentation).
pub async fn middleware(
    req: ServiceRequest,
    next: Next<impl MessageBody + 'static>,
) -> Result<ServiceResponse<BoxBody>, actix_web::Error> {
    let html = prefers_html(req.request());
    let res = next.call(req).await?.map_into_boxed_body();
    let status = res.status();
    if !(status.is_client_error() || status.is_server_error()) {
        return Ok(res);
    }
    let media = res
        .headers()
        .get(header::CONTENT_TYPE)
        .and_then(|v| v.to_str().ok())
        .unwrap_or("")
        .to_owned();
    let is_problem = media.starts_with("application/problem+json");
    if media.starts_with("text/html") || (is_problem && !html) {
        return Ok(res);
    }
    let (req, res) = res.into_parts();
    let kept: Vec<_> = KEPT
        .iter()
        .filter_map(|h| res.headers().get(h).map(|v| (h.clone(), v.clone())))
        .collect();
    let replaced = if html {
        page(&req, status, &kept)
    } else {
        let text = actix_web::body::to_bytes_limited(res.into_body(), 4096)
            .await
            .ok()
            .and_then(Result::ok)
            .map(|b| String::from_utf8_lossy(&b).trim().to_owned())
            .unwrap_or_default();
        as_problem(status, &text)
    };
    let mut replaced = replaced;
    for (name, value) in kept {
        replaced.headers_mut().insert(name, value);
    }
    Ok(ServiceResponse::new(req, replaced))
}

/// The HTML page of `status` (a problem+json body if the page itself fails).
fn page(
    req: &HttpRequest,
    status: StatusCode,
    kept: &[(header::HeaderName, header::HeaderValue)],
) -> HttpResponse {
    let retry_after = kept
        .iter()
        .find(|(n, _)| n == header::RETRY_AFTER)
        .and_then(|(_, v)| v.to_str().ok()?.parse().ok());
    let Some(state) = req.app_data::<web::Data<AppState>>() else {
        return as_problem(status, "");
    };
    match crate::pages::status_page(req, state, status, retry_after) {
        Ok(r) => r,
        Err(p) => actix_web::ResponseError::error_response(&p),
    }
}

/// A problem+json answer of `status` with `detail` (what actix said).
fn as_problem(status: StatusCode, detail: &str) -> HttpResponse {
    let kind = match status {
        StatusCode::BAD_REQUEST => Kind::BadRequest,
        StatusCode::FORBIDDEN => Kind::Forbidden,
        _ => Kind::ALL
            .into_iter()
            .find(|k| k.status() == status)
            .unwrap_or(if status.is_server_error() {
                Kind::Internal
            } else {
                Kind::BadRequest
            }),
    };
    let detail = if detail.is_empty() {
        status.canonical_reason().unwrap_or("error").to_owned()
    } else {
        detail.to_owned()
    };
    let mut r = actix_web::ResponseError::error_response(&Problem::new(kind, detail));
    *r.status_mut() = status;
    r
}

#[cfg(test)]
mod tests {
    use super::*;
    use actix_web::test::TestRequest;

    #[test]
    fn browsers_get_pages_and_api_clients_problems() {
        let browser = "text/html,application/xhtml+xml,application/xml;q=0.9,*/*;q=0.8";
        for (accept, want) in [
            (Some(browser), true),
            (Some("*/*"), false),
            (Some("application/json"), false),
            (Some("application/problem+json, text/html;q=0.9"), false),
            (None, false),
        ] {
            let mut r = TestRequest::default();
            if let Some(a) = accept {
                r = r.insert_header((header::ACCEPT, a));
            }
            assert_eq!(prefers_html(&r.to_http_request()), want, "{accept:?}");
        }
    }

    #[test]
    fn plain_text_errors_become_problems_of_their_status() {
        let r = as_problem(StatusCode::BAD_REQUEST, "Query deserialize error");
        assert_eq!(r.status(), StatusCode::BAD_REQUEST);
        assert_eq!(
            r.headers().get(header::CONTENT_TYPE).unwrap(),
            "application/problem+json"
        );
        assert_eq!(
            as_problem(StatusCode::IM_A_TEAPOT, "").status(),
            StatusCode::IM_A_TEAPOT
        );
    }
}
