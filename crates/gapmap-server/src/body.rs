//! Request bodies, as problems when they cannot be read: the one place
//! that says what a bad body is called.
//!
//! | what | problem |
//! |---|---|
//! | not valid JSON, not a form | 400 `bad-request` |
//! | valid JSON of the wrong shape (a missing, unknown or mistyped field) | 400 `invalid-body`, naming the field |
//! | a body of another media type | 415 `unsupported-media-type` |
//! | over `[server] max_body_bytes` | 413 `payload-too-large` |
//! | not all there within the body timeouts ([`crate::connections`]) | 408 `request-timeout` |
//!
//! The write routes read their bodies with [`json`] and [`form`] only once
//! the caller is known, so an anonymous write is a 401 whatever it sends.

use crate::problem::{Kind, Problem};
use actix_web::error::{JsonPayloadError, PayloadError, UrlencodedError};
use actix_web::{HttpRequest, web};
use serde::de::DeserializeOwned;
use serde_json::json;

/// The problem of a payload that could not be read.
pub fn payload_problem(e: &PayloadError) -> Problem {
    match e {
        PayloadError::Io(io) if io.kind() == std::io::ErrorKind::TimedOut => Problem::new(
            Kind::RequestTimeout,
            format!("the request body did not arrive in time ({io})"),
        ),
        PayloadError::Overflow => {
            Problem::new(Kind::PayloadTooLarge, "the body is over the size limit")
        }
        other => Problem::new(
            Kind::BadRequest,
            format!("the request body cannot be read: {other}"),
        ),
    }
}

/// The problem of a JSON body (the `web::Json` extractor's errors too).
pub fn json_problem(e: &JsonPayloadError) -> Problem {
    match e {
        JsonPayloadError::Overflow { .. } | JsonPayloadError::OverflowKnownLength { .. } => {
            Problem::new(Kind::PayloadTooLarge, e.to_string())
        }
        JsonPayloadError::ContentType => unsupported("application/json"),
        JsonPayloadError::Deserialize(d) => deserialize_problem(d),
        JsonPayloadError::Payload(p) => payload_problem(p),
        other => Problem::new(Kind::BadRequest, other.to_string()),
    }
}

/// The problem of a form body (the `web::Form` extractor's errors too).
pub fn form_problem(e: &UrlencodedError) -> Problem {
    match e {
        UrlencodedError::Overflow { .. } => Problem::new(Kind::PayloadTooLarge, e.to_string()),
        UrlencodedError::ContentType => unsupported("application/x-www-form-urlencoded"),
        UrlencodedError::Payload(p) => payload_problem(p),
        other => Problem::new(
            Kind::BadRequest,
            format!("the form cannot be read: {other}"),
        ),
    }
}

fn unsupported(wanted: &str) -> Problem {
    Problem::new(
        Kind::UnsupportedMediaType,
        format!("send the body as {wanted} (with that Content-Type)"),
    )
}

/// Not JSON at all (400 `bad-request`), or JSON of the wrong shape (400
/// `invalid-body` naming the field serde names).
fn deserialize_problem(e: &serde_json::Error) -> Problem {
    use serde_json::error::Category;
    if e.classify() != Category::Data {
        return Problem::new(
            Kind::BadRequest,
            format!("the request body is not valid JSON: {e}"),
        );
    }
    let text = e.to_string();
    let field = ["unknown field `", "missing field `"]
        .iter()
        .find_map(|p| text.split_once(p))
        .and_then(|(_, rest)| rest.split_once('`'))
        .map_or("body", |(f, _)| f);
    Problem::invalid_body(
        format!("the body does not have the documented shape: {text}"),
        vec![json!({"field": field, "message": text})],
    )
}

fn is_json(req: &HttpRequest) -> bool {
    let ct = req
        .headers()
        .get("content-type")
        .and_then(|v| v.to_str().ok())
        .unwrap_or("");
    let essence = ct
        .split(';')
        .next()
        .unwrap_or("")
        .trim()
        .to_ascii_lowercase();
    essence == "application/json"
        || (essence.starts_with("application/") && essence.ends_with("+json"))
}

fn is_form(req: &HttpRequest) -> bool {
    req.headers()
        .get("content-type")
        .and_then(|v| v.to_str().ok())
        .and_then(|v| v.split(';').next())
        .is_some_and(|v| {
            v.trim()
                .eq_ignore_ascii_case("application/x-www-form-urlencoded")
        })
}

/// The body's bytes, at most `[server] max_body_bytes`.
async fn bytes(req: &HttpRequest, payload: web::Payload) -> Result<web::Bytes, Problem> {
    let max = req
        .app_data::<web::Data<crate::AppState>>()
        .map_or(1 << 20, |s| s.config.max_body_bytes);
    match payload.to_bytes_limited(max).await {
        Ok(Ok(b)) => Ok(b),
        Ok(Err(e)) => Err(problem_of_error(&e)),
        Err(_) => Err(Problem::new(
            Kind::PayloadTooLarge,
            format!("the body is over {max} bytes"),
        )),
    }
}

/// A payload error as actix hands it over (`actix_web::Error`).
fn problem_of_error(e: &actix_web::Error) -> Problem {
    match e.as_error::<PayloadError>() {
        Some(p) => payload_problem(p),
        None => Problem::new(
            Kind::BadRequest,
            format!("the request body cannot be read: {e}"),
        ),
    }
}

/// Read a JSON body of type `T` (call after authentication).
pub async fn json<T: DeserializeOwned>(
    req: &HttpRequest,
    payload: web::Payload,
) -> Result<T, Problem> {
    if !is_json(req) {
        return Err(unsupported("application/json"));
    }
    let b = bytes(req, payload).await?;
    serde_json::from_slice(&b).map_err(|e| deserialize_problem(&e))
}

/// Read a form body as its (name, value) pairs (call after the session is
/// known).
pub async fn form(
    req: &HttpRequest,
    payload: web::Payload,
) -> Result<Vec<(String, String)>, Problem> {
    if !is_form(req) {
        return Err(unsupported("application/x-www-form-urlencoded"));
    }
    let b = bytes(req, payload).await?;
    serde_urlencoded::from_bytes(&b)
        .map_err(|e| Problem::new(Kind::BadRequest, format!("the form cannot be read: {e}")))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn shape_errors_name_their_field_and_syntax_errors_are_bad_requests() {
        #[derive(Debug, serde::Deserialize)]
        #[serde(deny_unknown_fields)]
        #[allow(dead_code)]
        struct B {
            kind: String,
        }
        let e = serde_json::from_str::<B>(r#"{"kind": "x", "evil": 1}"#).unwrap_err();
        let p = deserialize_problem(&e);
        assert_eq!(
            (p.kind, p.errors[0]["field"].as_str()),
            (Kind::InvalidBody, Some("evil"))
        );
        let e = serde_json::from_str::<B>("{}").unwrap_err();
        assert_eq!(deserialize_problem(&e).errors[0]["field"], "kind");
        let e = serde_json::from_str::<B>("{not json").unwrap_err();
        assert_eq!(deserialize_problem(&e).kind, Kind::BadRequest);
        assert_eq!(
            Kind::InvalidBody.title(),
            "The request body has invalid fields"
        );
    }
}
