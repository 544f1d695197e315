use crate::AppState;
use crate::problem::{Kind, Problem};
use crate::query::Query;
use actix_web::{HttpRequest, HttpResponse, web};
use serde_json::json;

/// Reload requests per client address: 5 at once, then one every 10 s.
pub const RELOADS: gapmap_store::throttle::Bucket = gapmap_store::throttle::Bucket {
    name: "admin-reload",
    burst: 5.0,
    per_second: 0.1,
};

#[utoipa::path(post, path = "/admin/reload", tag = "meta",
    responses((status = 200, description = "The snapshot version now serving"), (status = 401, description = "Missing or wrong token", content_type = "application/problem+json"), (status = 404, description = "Admin reload is not configured", content_type = "application/problem+json"), (status = 429, description = "Too many reload requests from this address (5 at once, then one every 10 s): wait Retry-After seconds", content_type = "application/problem+json")))]
/// `POST /admin/reload` with `Authorization: Bearer <admin_token>`: rebuild
/// the snapshot from the store now and swap it in.
pub async fn reload(req: HttpRequest, state: web::Data<AppState>) -> Result<HttpResponse, Problem> {
    Query::parse(&req, &[])?;
    let Some(expected) = state.config.admin_token.as_deref() else {
        return Err(Problem::new(
            Kind::Disabled,
            "admin reload is off: set admin_token in the config or GAPMAP_ADMIN_TOKEN",
        ));
    };
    // Every call counts, right or wrong: guessing the token and rebuilding
    // the snapshot over and over are both slowed.
    let client = crate::ratelimit::client_text(&req, &state.config.trusted_proxies);
    let s = state.clone();
    let budget = web::block(move || {
        s.throttle
            .take(&[(&RELOADS, &client)], crate::ratelimit::unix_now())
    })
    .await
    .map_err(Problem::internal)?
    .map_err(Problem::internal)?;
    if let Err(wait) = budget {
        return Err(crate::ratelimit::too_many(
            wait,
            "too many reload requests from your address",
        ));
    }
    let given = req
        .headers()
        .get("authorization")
        .and_then(|h| h.to_str().ok())
        .and_then(|h| h.strip_prefix("Bearer "));
    if !given.is_some_and(|g| constant_time_eq(g.as_bytes(), expected.as_bytes())) {
        return Err(Problem::new(
            Kind::Unauthorized,
            "send Authorization: Bearer <admin_token>",
        )
        .with_header("WWW-Authenticate", "Bearer realm=\"gapmap\""));
    }
    let reloader = state.reloader.clone();
    let version = web::block(move || reloader.reload_now())
        .await
        .map_err(Problem::internal)?
        .map_err(Problem::internal)?;
    Ok(HttpResponse::Ok().json(json!({"snapshot_version": version})))
}

fn constant_time_eq(a: &[u8], b: &[u8]) -> bool {
    a.len() == b.len() && a.iter().zip(b).fold(0u8, |acc, (x, y)| acc | (x ^ y)) == 0
}
