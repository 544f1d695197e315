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
    TooManyRequests,
}

impl Kind {
    pub const ALL: [Kind; 10] = [
        Kind::InvalidParameter,
        Kind::UnknownParameter,
        Kind::NotFound,
        Kind::MethodNotAllowed,
        Kind::PayloadTooLarge,
        Kind::Unauthorized,
        Kind::Disabled,
        Kind::Internal,
        Kind::Unavailable,
        Kind::TooManyRequests,
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
            Kind::TooManyRequests => StatusCode::TOO_MANY_REQUESTS,
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
            Kind::TooManyRequests => "too-many-requests",
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
            Kind::Unavailable => "The service is not ready",
            Kind::TooManyRequests => "Too many requests from this client; wait and retry",
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
}

impl Problem {
    pub fn new(kind: Kind, detail: impl Into<String>) -> Problem {
        Problem {
            kind,
            detail: detail.into(),
            parameter: None,
        }
    }
    pub fn invalid(parameter: &str, detail: impl Into<String>) -> Problem {
        Problem {
            kind: Kind::InvalidParameter,
            detail: detail.into(),
            parameter: Some(parameter.to_owned()),
        }
    }
    pub fn not_found(detail: impl Into<String>) -> Problem {
        Problem::new(Kind::NotFound, detail)
    }
    pub fn internal(detail: impl fmt::Display) -> Problem {
        tracing::error!(error = %detail, "internal error");
        Problem::new(Kind::Internal, "the error has been logged")
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
        let body = Body {
            type_: self.kind.type_uri(),
            title: self.kind.title(),
            status: self.kind.status().as_u16(),
            detail: &self.detail,
            parameter: self.parameter.as_deref(),
        };
        HttpResponse::build(self.kind.status())
            .content_type("application/problem+json")
            .body(serde_json::to_string(&body).unwrap_or_default())
    }
}
