//! RFC 9457 problem details. Every error the server returns is one of these,
//! with a stable `type` URI (served at `/problems/{slug}`), a title for
//! people, and a detail that names the parameter or resource.

use actix_web::http::StatusCode;
use actix_web::{HttpResponse, ResponseError};
use serde::Serialize;
use std::fmt;

/// The kinds of problem, each with its status, slug and title.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Kind {
    InvalidParameter,
    UnknownParameter,
    NotFound,
    MethodNotAllowed,
    PayloadTooLarge,
    Unauthorized,
    Disabled,
    Internal,
    Unavailable,
    NotAcceptable,
    UriTooLong,
    HeadersTooLarge,
    BadRequest,
    RangeNotSatisfiable,
    CrossOrigin,
    Forbidden,
    InvalidBody,
    Conflict,
    PreconditionFailed,
    PreconditionRequired,
    TooManyRequests,
    RequestTimeout,
    UnsupportedMediaType,
}

impl Kind {
    pub const ALL: [Kind; 23] = [
        Kind::InvalidParameter,
        Kind::UnknownParameter,
        Kind::NotFound,
        Kind::MethodNotAllowed,
        Kind::PayloadTooLarge,
        Kind::Unauthorized,
        Kind::Disabled,
        Kind::Internal,
        Kind::Unavailable,
        Kind::NotAcceptable,
        Kind::UriTooLong,
        Kind::HeadersTooLarge,
        Kind::BadRequest,
        Kind::RangeNotSatisfiable,
        Kind::CrossOrigin,
        Kind::Forbidden,
        Kind::InvalidBody,
        Kind::Conflict,
        Kind::PreconditionFailed,
        Kind::PreconditionRequired,
        Kind::TooManyRequests,
        Kind::RequestTimeout,
        Kind::UnsupportedMediaType,
    ];

    pub fn status(self) -> StatusCode {
        match self {
            Kind::InvalidParameter | Kind::UnknownParameter => StatusCode::BAD_REQUEST,
            Kind::NotFound | Kind::Disabled => StatusCode::NOT_FOUND,
            Kind::MethodNotAllowed => StatusCode::METHOD_NOT_ALLOWED,
            Kind::PayloadTooLarge => StatusCode::PAYLOAD_TOO_LARGE,
            Kind::Unauthorized => StatusCode::UNAUTHORIZED,
            Kind::Internal => StatusCode::INTERNAL_SERVER_ERROR,
            Kind::Unavailable => StatusCode::SERVICE_UNAVAILABLE,
            Kind::NotAcceptable => StatusCode::NOT_ACCEPTABLE,
            Kind::UriTooLong => StatusCode::URI_TOO_LONG,
            Kind::HeadersTooLarge => StatusCode::REQUEST_HEADER_FIELDS_TOO_LARGE,
            Kind::BadRequest => StatusCode::BAD_REQUEST,
            Kind::RangeNotSatisfiable => StatusCode::RANGE_NOT_SATISFIABLE,
            Kind::CrossOrigin => StatusCode::FORBIDDEN,
            Kind::Forbidden => StatusCode::FORBIDDEN,
            Kind::InvalidBody => StatusCode::BAD_REQUEST,
            Kind::Conflict => StatusCode::CONFLICT,
            Kind::PreconditionFailed => StatusCode::PRECONDITION_FAILED,
            Kind::PreconditionRequired => StatusCode::PRECONDITION_REQUIRED,
            Kind::TooManyRequests => StatusCode::TOO_MANY_REQUESTS,
            Kind::RequestTimeout => StatusCode::REQUEST_TIMEOUT,
            Kind::UnsupportedMediaType => StatusCode::UNSUPPORTED_MEDIA_TYPE,
        }
    }

    pub fn slug(self) -> &'static str {
        match self {
            Kind::InvalidParameter => "invalid-parameter",
            Kind::UnknownParameter => "unknown-parameter",
            Kind::NotFound => "not-found",
            Kind::MethodNotAllowed => "method-not-allowed",
            Kind::PayloadTooLarge => "payload-too-large",
            Kind::Unauthorized => "unauthorized",
            Kind::Disabled => "disabled",
            Kind::Internal => "internal-error",
            Kind::Unavailable => "unavailable",
            Kind::NotAcceptable => "not-acceptable",
            Kind::UriTooLong => "uri-too-long",
            Kind::HeadersTooLarge => "headers-too-large",
            Kind::BadRequest => "bad-request",
            Kind::RangeNotSatisfiable => "range-not-satisfiable",
            Kind::CrossOrigin => "cross-origin",
            Kind::Forbidden => "forbidden",
            Kind::InvalidBody => "invalid-body",
            Kind::Conflict => "conflict",
            Kind::PreconditionFailed => "precondition-failed",
            Kind::PreconditionRequired => "precondition-required",
            Kind::TooManyRequests => "too-many-requests",
            Kind::RequestTimeout => "request-timeout",
            Kind::UnsupportedMediaType => "unsupported-media-type",
        }
    }

    pub fn title(self) -> &'static str {
        match self {
            Kind::InvalidParameter => "A query parameter has an invalid value",
            Kind::UnknownParameter => {
                "The request has a query parameter this endpoint does not accept"
            }
            Kind::NotFound => "There is nothing at this address",
            Kind::MethodNotAllowed => "This address does not accept this HTTP method",
            Kind::PayloadTooLarge => "The request body is too large",
            Kind::Unauthorized => "A valid token is needed",
            Kind::Disabled => "This function is switched off in the server's configuration",
            Kind::Internal => "The server failed; the error is logged",
            Kind::Unavailable => "The service cannot answer now; try again shortly",
            Kind::NotAcceptable => "None of the media types the request accepts can be served here",
            Kind::UriTooLong => "The request address is too long",
            Kind::HeadersTooLarge => "The request headers are too large",
            Kind::BadRequest => "The request cannot be read",
            Kind::RangeNotSatisfiable => "The requested byte range is outside the file",
            Kind::CrossOrigin => "This address accepts requests from this site only",
            Kind::Forbidden => "This is not allowed",
            Kind::InvalidBody => "The request body has invalid fields",
            Kind::Conflict => {
                "The request is well-formed but conflicts with the data or with itself"
            }
            Kind::PreconditionFailed => "The resource changed since you read it",
            Kind::PreconditionRequired => {
                "The request must say which version it changes (If-Match)"
            }
            Kind::TooManyRequests => "Too many requests; wait a little",
            Kind::RequestTimeout => "The request did not arrive in time",
            Kind::UnsupportedMediaType => "The request body is not of a media type accepted here",
        }
    }

    /// The stable `type` URI (relative to the server: `/problems/{slug}`).
    pub fn type_uri(self) -> String {
        format!("/problems/{}", self.slug())
    }

    pub fn from_slug(slug: &str) -> Option<Kind> {
        Kind::ALL.into_iter().find(|k| k.slug() == slug)
    }
}

/// A problem to return.
#[derive(Debug, Clone)]
pub struct Problem {
    pub kind: Kind,
    pub detail: String,
    /// Extra members, e.g. `parameter`.
    pub parameter: Option<String>,
    /// Headers the status requires: `Allow` on a 405, `Content-Range` on a 416.
    pub headers: Vec<(&'static str, String)>,
    /// Each bad field of a body (`invalid-body`): `{field, message, hint}`.
    pub errors: Vec<serde_json::Value>,
}

/// The longest `detail` or `parameter` sent back (bytes): a long bad value
/// is cut, so a 60 KB query parameter is not echoed whole.
pub const MAX_ECHO: usize = 300;

/// `s` cut to at most `max` bytes at a character boundary, saying how long
/// it was.
pub fn truncate(s: &str, max: usize) -> std::borrow::Cow<'_, str> {
    if s.len() <= max {
        return s.into();
    }
    let mut end = max;
    while !s.is_char_boundary(end) {
        end -= 1;
    }
    format!("{}… ({} bytes in all)", &s[..end], s.len()).into()
}

impl Problem {
    pub fn new(kind: Kind, detail: impl Into<String>) -> Problem {
        Problem {
            kind,
            detail: detail.into(),
            parameter: None,
            headers: Vec::new(),
            errors: Vec::new(),
        }
    }
    /// A 400 naming each bad field of the body.
    pub fn invalid_body(detail: impl Into<String>, errors: Vec<serde_json::Value>) -> Problem {
        Problem {
            errors,
            ..Problem::new(Kind::InvalidBody, detail)
        }
    }
    pub fn invalid(parameter: &str, detail: impl Into<String>) -> Problem {
        Problem {
            kind: Kind::InvalidParameter,
            detail: detail.into(),
            parameter: Some(parameter.to_owned()),
            headers: Vec::new(),
            errors: Vec::new(),
        }
    }
    /// A 405 with the `Allow` header HTTP requires.
    pub fn method_not_allowed(method: &str, path: &str, allow: &str) -> Problem {
        Problem::new(
            Kind::MethodNotAllowed,
            format!("{method} is not allowed on {path}; allowed: {allow}"),
        )
        .with_header("Allow", allow)
    }
    pub fn with_header(mut self, name: &'static str, value: impl Into<String>) -> Problem {
        self.headers.push((name, value.into()));
        self
    }
    pub fn not_found(detail: impl Into<String>) -> Problem {
        Problem::new(Kind::NotFound, detail)
    }
    /// A failure: 500, logged. A store that stayed busy past its bound
    /// (every layer's error carries [`gapmap_store::BUSY`] in its words) is
    /// a 503 with `Retry-After` instead: nothing was written, and trying
    /// again shortly will work. So is a PostGIS store that cannot be
    /// reached ([`gapmap_store::UNREACHABLE`]): the server is read-only
    /// until it answers again.
    pub fn internal(detail: impl fmt::Display) -> Problem {
        let text = detail.to_string();
        if text.contains(gapmap_store::BUSY) {
            tracing::warn!(error = %text, "store busy");
            return Problem::new(
                Kind::Unavailable,
                "the store is busy with other changes; nothing was saved, try again in a few seconds",
            )
            .with_header("Retry-After", "5");
        }
        if text.contains(gapmap_store::UNREACHABLE) {
            tracing::warn!(error = %text, "store unreachable");
            return Problem::new(
                Kind::Unavailable,
                "the data store cannot be reached just now, so changes cannot be saved; the map and search keep working. Nothing was saved: try again in a little while",
            )
            .with_header("Retry-After", "10");
        }
        tracing::error!(error = %text, "internal error");
        Problem::new(Kind::Internal, "the error has been logged")
    }
}

/// A store error met inside a read or write of the side tables
/// ([`gapmap_store::sql::Db`]): as [`Problem::internal`] (busy: 503).
impl From<gapmap_store::StoreError> for Problem {
    fn from(e: gapmap_store::StoreError) -> Problem {
        Problem::internal(e)
    }
}

#[derive(Serialize)]
struct Body<'a> {
    #[serde(rename = "type")]
    type_: String,
    title: &'a str,
    status: u16,
    detail: &'a str,
    #[serde(skip_serializing_if = "Option::is_none")]
    parameter: Option<&'a str>,
    #[serde(skip_serializing_if = "<[_]>::is_empty")]
    errors: &'a [serde_json::Value],
}

impl fmt::Display for Problem {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "{}: {}", self.kind.title(), self.detail)
    }
}

impl ResponseError for Problem {
    fn status_code(&self) -> StatusCode {
        self.kind.status()
    }
    fn error_response(&self) -> HttpResponse {
        let parameter = self.parameter.as_deref().map(|p| truncate(p, 100));
        let body = Body {
            type_: self.kind.type_uri(),
            title: self.kind.title(),
            status: self.kind.status().as_u16(),
            detail: &truncate(&self.detail, MAX_ECHO),
            parameter: parameter.as_deref(),
            errors: &self.errors,
        };
        let mut r = HttpResponse::build(self.kind.status());
        r.content_type("application/problem+json");
        if matches!(self.kind, Kind::RequestTimeout | Kind::PayloadTooLarge) {
            // The rest of the body may still be coming: end the connection.
            r.force_close();
        }
        for (name, value) in &self.headers {
            r.insert_header((*name, value.as_str()));
        }
        r.body(serde_json::to_string(&body).unwrap_or_default())
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn long_values_are_cut_at_a_character_boundary() {
        assert_eq!(truncate("short", 10), "short");
        let long = "ā".repeat(1000);
        let t = truncate(&long, 301);
        assert!(t.starts_with(&"ā".repeat(150)), "{t}");
        assert!(t.ends_with("… (2000 bytes in all)"), "{t}");
        assert!(t.len() < 330);
    }

    #[test]
    fn every_kind_has_its_own_slug() {
        for k in Kind::ALL {
            assert_eq!(Kind::from_slug(k.slug()), Some(k));
        }
    }

    #[test]
    fn a_405_names_the_allowed_methods() {
        let r = Problem::method_not_allowed("PUT", "/api/v1/layers", "GET, HEAD, OPTIONS")
            .error_response();
        assert_eq!(r.status(), StatusCode::METHOD_NOT_ALLOWED);
        assert_eq!(
            r.headers().get("allow").and_then(|v| v.to_str().ok()),
            Some("GET, HEAD, OPTIONS")
        );
    }
}
