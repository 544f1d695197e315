//! Signing in and out (`/api/v1/session`) and API tokens (`/api/v1/tokens`).

use crate::AppState;
use crate::auth::{self, SignedIn};
use crate::problem::{Kind, Problem};
use crate::ratelimit;
use actix_web::{HttpRequest, HttpResponse, web};
use gapmap_inventory::accounts::{AuthError, Role, guard};
use serde::Deserialize;
use serde_json::json;

#[derive(Debug, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct SignIn {
    pub username: String,
    pub password: String,
}

#[utoipa::path(post, path = "/api/v1/session", tag = "accounts", responses(
        (status = 200, description = "Signed in: the session cookie (gapmap_session) is set; the body has the user name, role, the session's `csrf` token and when it expires", content_type = "application/json"),
        (status = 400, description = "The body is not JSON of the documented shape, or not both strings", content_type = "application/problem+json"),
        (status = 401, description = "The user name or the password is wrong (the same answer for both)", content_type = "application/problem+json"),
        (status = 403, description = "A request from another site's page", content_type = "application/problem+json"),
        (status = 413, description = "The body is too large", content_type = "application/problem+json"),
        (status = 408, description = "The body did not arrive in time (10 s between pieces, 30 s in all); the connection is closed", content_type = "application/problem+json"),
        (status = 415, description = "The body is not JSON (send Content-Type: application/json)", content_type = "application/problem+json"),
        (status = 429, description = "Several wrong passwords for this user name from this address (the wait grows with each; other addresses are not slowed), or many from this address: wait Retry-After seconds", content_type = "application/problem+json")))]
/// Sign in with a user name and password: the session cookie and the CSRF
/// token for the session's changes. Wrong passwords slow down the account
/// and address pair they come from, and an address that sends many; no
/// account is ever locked. A wrong name and a wrong password get the same
/// answer.
pub async fn sign_in(
    req: HttpRequest,
    state: web::Data<AppState>,
    body: web::Json<SignIn>,
) -> Result<HttpResponse, Problem> {
    let SignIn { username, password } = body.into_inner();
    let (principal, session) = sign_in_with(&req, &state, username, password)
        .await?
        .map_err(refusal)?;
    Ok(no_store(HttpResponse::Ok())
        .cookie(auth::session_cookie(
            &session.id,
            auth::is_secure(&req),
            gapmap_inventory::accounts::SESSION_HOURS_S,
        ))
        .json(
            json!({"username": principal.username, "role": principal.role, "csrf": session.csrf,
                     "expires_at": session.expires_at.to_rfc3339()}),
        ))
}

/// A refused sign-in as a problem: 401 for a wrong name or password,
/// 429 with `Retry-After` while wrong passwords are slowed.
pub fn refusal(e: AuthError) -> Problem {
    match e {
        AuthError::BadCredentials => {
            Problem::new(Kind::Unauthorized, "the user name or the password is wrong")
        }
        AuthError::Wait { seconds, .. } => ratelimit::too_many(seconds as f64, &e.to_string()),
        other => Problem::internal(other),
    }
}

/// The sign-in steps shared by the API and the sign-in page: the session,
/// or why not ([`AuthError::BadCredentials`], [`AuthError::Wait`]; a
/// failure is a problem).
pub async fn sign_in_with(
    req: &HttpRequest,
    state: &web::Data<AppState>,
    username: String,
    password: String,
) -> Result<
    Result<
        (
            gapmap_inventory::accounts::Principal,
            gapmap_inventory::accounts::Session,
        ),
        AuthError,
    >,
    Problem,
> {
    let client = ratelimit::client_text(req, &state.config.trusted_proxies);
    let s = state.clone();
    let result = web::block(move || {
        let p = guard::sign_in(
            &s.accounts,
            s.throttle.as_ref(),
            &username,
            &password,
            &client,
            ratelimit::unix_now(),
        )?;
        let session = s.accounts.start_session(&p)?;
        Ok::<_, AuthError>((p, session))
    })
    .await
    .map_err(Problem::internal)?;
    match result {
        Ok(ok) => Ok(Ok(ok)),
        Err(e @ (AuthError::BadCredentials | AuthError::Wait { .. })) => Ok(Err(e)),
        Err(e) => Err(Problem::internal(e)),
    }
}

#[utoipa::path(get, path = "/api/v1/session", tag = "accounts", security(("bearer" = []), ("session" = [])), responses(
        (status = 200, description = "Who is signed in: user name, role, how (session or token) and, for a session, its CSRF token", content_type = "application/json"),
        (status = 401, description = "Nobody is signed in, or the API token is unknown or revoked", content_type = "application/problem+json"),
        (status = 403, description = "A request from another site's page, a session's change without its X-CSRF-Token, or too small a role", content_type = "application/problem+json")))]
/// Who is signed in (401 when nobody).
pub async fn whoami(req: HttpRequest, state: web::Data<AppState>) -> Result<HttpResponse, Problem> {
    let who = auth::require(&req, &state, Role::Editor, None).await?;
    Ok(no_store(HttpResponse::Ok()).json(
        json!({"username": who.principal.username, "role": who.principal.role,
        "via": who.principal.via, "csrf": who.csrf}),
    ))
}

#[utoipa::path(delete, path = "/api/v1/session", tag = "accounts", security(("bearer" = []), ("session" = [], "csrf" = [])), responses(
        (status = 204, description = "Signed out: the session ended and its cookie is removed (with an API token: nothing to end)"),
        (status = 401, description = "Nobody is signed in, or the API token is unknown or revoked", content_type = "application/problem+json"),
        (status = 403, description = "A request from another site's page, a session's change without its X-CSRF-Token, or too small a role", content_type = "application/problem+json")))]
/// Sign out: the session ends, the cookie is removed.
pub async fn sign_out(
    req: HttpRequest,
    state: web::Data<AppState>,
) -> Result<HttpResponse, Problem> {
    auth::require(&req, &state, Role::Editor, None).await?;
    end_session(&req, &state).await?;
    Ok(no_store(HttpResponse::NoContent())
        .cookie(auth::clear_cookie(auth::is_secure(&req)))
        .finish())
}

/// End the request's page session, if it has one (the API and the page).
pub async fn end_session(req: &HttpRequest, state: &web::Data<AppState>) -> Result<(), Problem> {
    if let Some(c) = req.cookie(auth::SESSION_COOKIE) {
        let id = c.value().to_owned();
        let s = state.clone();
        web::block(move || s.accounts.end_session(&id))
            .await
            .map_err(Problem::internal)?
            .map_err(Problem::internal)?;
    }
    Ok(())
}

#[derive(Debug, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct NewToken {
    /// What the token is for.
    pub name: String,
    /// At most the account's role (default: the account's).
    pub role: Option<Role>,
}

#[utoipa::path(post, path = "/api/v1/tokens", tag = "accounts", security(("bearer" = []), ("session" = [], "csrf" = [])), responses(
        (status = 201, description = "The new token: its secret `token` (shown only now), id, name, role", content_type = "application/json"),
        (status = 400, description = "The body is not JSON of the documented shape, or a field is invalid (the problem names it; a role above the account's)", content_type = "application/problem+json"),
        (status = 401, description = "Nobody is signed in, or the API token is unknown or revoked", content_type = "application/problem+json"),
        (status = 403, description = "A request from another site's page, a session's change without its X-CSRF-Token, or too small a role", content_type = "application/problem+json"),
        (status = 413, description = "The body is too large", content_type = "application/problem+json"),
        (status = 408, description = "The body did not arrive in time (10 s between pieces, 30 s in all); the connection is closed", content_type = "application/problem+json"),
        (status = 415, description = "The body is not JSON (send Content-Type: application/json)", content_type = "application/problem+json")))]
/// Create an API token: its secret is in this answer only.
pub async fn create_token(
    req: HttpRequest,
    state: web::Data<AppState>,
    body: web::Payload,
) -> Result<HttpResponse, Problem> {
    let who = auth::require(&req, &state, Role::Editor, None).await?;
    let NewToken { name, role } = crate::body::json(&req, body).await?;
    let role = role.unwrap_or(who.principal.role);
    let s = state.clone();
    let user = who.principal.username.clone();
    let (token, secret) = web::block(move || s.accounts.create_token(&user, &name, role))
        .await
        .map_err(Problem::internal)?
        .map_err(|e| match e {
            AuthError::Invalid(m) => {
                let field = if m.starts_with("a token needs a name") {
                    "name"
                } else {
                    "role"
                };
                Problem::invalid_body(m.clone(), vec![json!({"field": field, "message": m})])
            }
            other => Problem::internal(other),
        })?;
    Ok(no_store(HttpResponse::Created()).json(json!({"token": secret, "id": token.id, "name": token.name,
        "role": token.role, "created_at": token.created_at,
        "note": "the token is shown only now; keep it secret, revoke it with DELETE /api/v1/tokens/{id}"})))
}

#[utoipa::path(get, path = "/api/v1/tokens", tag = "accounts", security(("bearer" = []), ("session" = [])), responses(
        (status = 200, description = "The caller's tokens (an admin's: everyone's), never their secrets", content_type = "application/json"),
        (status = 401, description = "Nobody is signed in, or the API token is unknown or revoked", content_type = "application/problem+json"),
        (status = 403, description = "A request from another site's page, a session's change without its X-CSRF-Token, or too small a role", content_type = "application/problem+json")))]
/// The caller's tokens (an admin's: everyone's), never their secrets.
pub async fn list_tokens(
    req: HttpRequest,
    state: web::Data<AppState>,
) -> Result<HttpResponse, Problem> {
    let who = auth::require(&req, &state, Role::Editor, None).await?;
    let s = state.clone();
    let only = owner_filter(&who);
    let tokens = web::block(move || s.accounts.tokens(only.as_deref()))
        .await
        .map_err(Problem::internal)?
        .map_err(Problem::internal)?;
    Ok(no_store(HttpResponse::Ok()).json(json!({"tokens": tokens})))
}

#[utoipa::path(delete, path = "/api/v1/tokens/{id}", tag = "accounts", security(("bearer" = []), ("session" = [], "csrf" = [])), params(("id" = i64, Path, description = "The token's id")), responses(
        (status = 204, description = "The token is revoked"),
        (status = 400, description = "The id is not a number", content_type = "application/problem+json"),
        (status = 401, description = "Nobody is signed in, or the API token is unknown or revoked", content_type = "application/problem+json"),
        (status = 403, description = "A request from another site's page, a session's change without its X-CSRF-Token, or too small a role", content_type = "application/problem+json"),
        (status = 404, description = "No such active token of the caller (an admin: of anyone)", content_type = "application/problem+json")))]
/// Revoke one of the caller's tokens (an admin: anyone's).
pub async fn revoke_token(
    req: HttpRequest,
    state: web::Data<AppState>,
    path: web::Path<String>,
) -> Result<HttpResponse, Problem> {
    let who = auth::require(&req, &state, Role::Editor, None).await?;
    let id: i64 = path
        .parse()
        .map_err(|_| Problem::invalid("id", "a token id is a number"))?;
    let s = state.clone();
    let only = owner_filter(&who);
    let done = web::block(move || s.accounts.revoke_token(id, only.as_deref()))
        .await
        .map_err(Problem::internal)?
        .map_err(Problem::internal)?;
    if !done {
        return Err(Problem::not_found(format!("no active token {id} of yours")));
    }
    Ok(no_store(HttpResponse::NoContent()).finish())
}

fn owner_filter(who: &SignedIn) -> Option<String> {
    (who.principal.role != Role::Admin).then(|| who.principal.username.clone())
}

/// Answers about accounts are never cached.
pub fn no_store(mut r: actix_web::HttpResponseBuilder) -> actix_web::HttpResponseBuilder {
    r.insert_header(("Cache-Control", "private, no-store"));
    r
}

#[utoipa::path(get, path = "/api/v1/users", tag = "accounts", security(("bearer" = []), ("session" = [])), responses(
        (status = 200, description = "The accounts (admins only), never their password hashes", content_type = "application/json"),
        (status = 401, description = "Nobody is signed in, or the API token is unknown or revoked", content_type = "application/problem+json"),
        (status = 403, description = "A request from another site's page, a session's change without its X-CSRF-Token, or too small a role", content_type = "application/problem+json")))]
/// `GET /api/v1/users` (admins): the accounts, never their hashes.
pub async fn list_users(
    req: HttpRequest,
    state: web::Data<AppState>,
) -> Result<HttpResponse, Problem> {
    auth::require(&req, &state, Role::Admin, None).await?;
    let s = state.clone();
    let users = web::block(move || s.accounts.users())
        .await
        .map_err(Problem::internal)?
        .map_err(Problem::internal)?;
    Ok(no_store(HttpResponse::Ok()).json(json!({"users": users})))
}

#[derive(Debug, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct NewUser {
    pub username: String,
    pub role: Role,
    pub password: String,
}

#[utoipa::path(post, path = "/api/v1/users", tag = "accounts", security(("bearer" = []), ("session" = [], "csrf" = [])), responses(
        (status = 201, description = "The new account (admins only)", content_type = "application/json"),
        (status = 400, description = "The body is not JSON of the documented shape, or a field is invalid (the problem names it)", content_type = "application/problem+json"),
        (status = 401, description = "Nobody is signed in, or the API token is unknown or revoked", content_type = "application/problem+json"),
        (status = 403, description = "A request from another site's page, a session's change without its X-CSRF-Token, or too small a role", content_type = "application/problem+json"),
        (status = 409, description = "The user name is taken", content_type = "application/problem+json"),
        (status = 413, description = "The body is too large", content_type = "application/problem+json"),
        (status = 408, description = "The body did not arrive in time (10 s between pieces, 30 s in all); the connection is closed", content_type = "application/problem+json"),
        (status = 415, description = "The body is not JSON (send Content-Type: application/json)", content_type = "application/problem+json")))]
/// `POST /api/v1/users` (admins): add an account.
pub async fn add_user(
    req: HttpRequest,
    state: web::Data<AppState>,
    body: web::Payload,
) -> Result<HttpResponse, Problem> {
    auth::require(&req, &state, Role::Admin, None).await?;
    let NewUser {
        username,
        role,
        password,
    } = crate::body::json(&req, body).await?;
    let s = state.clone();
    let user = web::block(move || s.accounts.add_user(&username, role, &password))
        .await
        .map_err(Problem::internal)?
        .map_err(|e| match e {
            AuthError::Invalid(m) if m.contains("exists") => Problem::new(Kind::Conflict, m),
            AuthError::Invalid(m) => {
                let field = if m.contains("password") {
                    "password"
                } else {
                    "username"
                };
                Problem::invalid_body(m.clone(), vec![json!({"field": field, "message": m})])
            }
            other => Problem::internal(other),
        })?;
    Ok(no_store(HttpResponse::Created()).json(user))
}
