//! Who is asking, for the write routes: an API token (`Authorization:
//! Bearer gmt_…`, for scripts) or a page session (the `gapmap_session`
//! cookie: HttpOnly, SameSite=Strict, Secure when the site is served over
//! TLS). A request on a session that changes something must also carry the
//! session's CSRF token (`X-CSRF-Token`, or the `csrf` field of a form).
//! Sessions and tokens are checked through the
//! [`gapmap_inventory::accounts::Authenticator`] boundary.

use crate::AppState;
use crate::problem::{Kind, Problem};
use actix_web::cookie::{Cookie, SameSite};
use actix_web::http::Method;
use actix_web::{HttpRequest, web};
use gapmap_inventory::accounts::{AuthError, Authenticator, Principal, Role, secret};

pub const SESSION_COOKIE: &str = "gapmap_session";
pub const CSRF_HEADER: &str = "x-csrf-token";

/// A signed-in request: who, and (for a session) its CSRF token.
#[derive(Debug, Clone)]
pub struct SignedIn {
    pub principal: Principal,
    pub csrf: Option<String>,
}

fn unauthorized(detail: &str) -> Problem {
    Problem::new(Kind::Unauthorized, detail)
        .with_header("WWW-Authenticate", "Bearer realm=\"gapmap\"")
}

/// The bearer token of a request, if it sends one.
fn bearer(req: &HttpRequest) -> Option<&str> {
    req.headers()
        .get("authorization")?
        .to_str()
        .ok()?
        .strip_prefix("Bearer ")
        .map(str::trim)
}

/// Who makes the request (none: the public). A bad token is an error; a
/// stale session cookie is just no session.
pub async fn signed_in(
    req: &HttpRequest,
    state: &web::Data<AppState>,
) -> Result<Option<SignedIn>, Problem> {
    if let Some(token) = bearer(req) {
        let token = token.to_owned();
        let s = state.clone();
        let p = web::block(move || s.accounts.token(&token))
            .await
            .map_err(Problem::internal)?;
        return match p {
            Ok(principal) => Ok(Some(SignedIn {
                principal,
                csrf: None,
            })),
            Err(AuthError::BadToken) => Err(unauthorized("the API token is unknown or revoked")),
            Err(e) => Err(Problem::internal(e)),
        };
    }
    let Some(cookie) = req.cookie(SESSION_COOKIE) else {
        return Ok(None);
    };
    let id = cookie.value().to_owned();
    let s = state.clone();
    match web::block(move || s.accounts.session(&id))
        .await
        .map_err(Problem::internal)?
    {
        Ok((principal, csrf)) => Ok(Some(SignedIn {
            principal,
            csrf: Some(csrf),
        })),
        Err(AuthError::NoSession) => Ok(None),
        Err(e) => Err(Problem::internal(e)),
    }
}

/// The principal of a request that needs `role`: 401 without a sign-in,
/// 403 with too small a role, 403 for a session's change without its CSRF
/// token (from the `X-CSRF-Token` header, or `form_csrf` of a form).
pub async fn require(
    req: &HttpRequest,
    state: &web::Data<AppState>,
    role: Role,
    form_csrf: Option<&str>,
) -> Result<SignedIn, Problem> {
    let changes = !matches!(*req.method(), Method::GET | Method::HEAD | Method::OPTIONS);
    // Writes come from this site's pages or from scripts (no Origin), never
    // from another site's pages.
    if changes
        && let Some(origin) = req.headers().get("origin").and_then(|o| o.to_str().ok())
        && !crate::links::is_own_origin(req, origin)
    {
        return Err(Problem::new(
            Kind::CrossOrigin,
            format!("{} accepts changes from this site only", req.path()),
        ));
    }
    let who = signed_in(req, state)
        .await?
        .ok_or_else(|| unauthorized("sign in, or send an API token (Authorization: Bearer …)"))?;
    if changes && let Some(expected) = &who.csrf {
        let given = req
            .headers()
            .get(CSRF_HEADER)
            .and_then(|v| v.to_str().ok())
            .or(form_csrf)
            .unwrap_or("");
        if !secret::same(given, expected) {
            return Err(Problem::new(
                Kind::Forbidden,
                "the request has no valid CSRF token (X-CSRF-Token header or csrf form field)",
            ));
        }
    }
    if !who.principal.role.allows(role) {
        return Err(Problem::new(
            Kind::Forbidden,
            format!(
                "this needs the {role} role; {} is {}",
                who.principal.username, who.principal.role
            ),
        ));
    }
    Ok(who)
}

/// The principal of a form post that needs `role`, and the form: the
/// session is checked before the body is read (no session: 401, whatever
/// was sent), then the form's CSRF token with [`require`].
pub async fn require_form(
    req: &HttpRequest,
    state: &web::Data<AppState>,
    role: Role,
    payload: web::Payload,
) -> Result<(SignedIn, crate::pages::form::Posted), Problem> {
    if signed_in(req, state).await?.is_none() {
        return Err(unauthorized("sign in first"));
    }
    let f = crate::pages::form::Posted::new(crate::body::form(req, payload).await?);
    let who = require(req, state, role, f.get("csrf")).await?;
    Ok((who, f))
}

/// Whether the request came over TLS — to this server directly, or through
/// a trusted proxy that says so (`X-Forwarded-Proto: https`,
/// `Forwarded: proto=https`) — or the site's public base is https: cookies
/// then carry `Secure`.
pub fn is_secure(req: &HttpRequest) -> bool {
    req.app_config().secure()
        || crate::links::forwarded_https(req)
        || crate::links::base(req).starts_with("https://")
}

/// The session cookie.
pub fn session_cookie(id: &str, secure: bool, max_age_s: i64) -> Cookie<'static> {
    Cookie::build(SESSION_COOKIE, id.to_owned())
        .path("/")
        .http_only(true)
        .same_site(SameSite::Strict)
        .secure(secure)
        .max_age(actix_web::cookie::time::Duration::seconds(max_age_s))
        .finish()
}

/// A cookie that removes the session cookie.
pub fn clear_cookie(secure: bool) -> Cookie<'static> {
    let mut c = session_cookie("", secure, 0);
    c.make_removal();
    c
}
