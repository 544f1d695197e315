use crate::AppState;
use crate::problem::{Kind, Problem};
use crate::query::Query;
use actix_web::{HttpRequest, HttpResponse, web};
use serde_json::json;

#[utoipa::path(post, path = "/admin/reload", tag = "meta",
    responses((status = 200, description = "The snapshot version now serving"), (status = 401, description = "Missing or wrong token", content_type = "application/problem+json"), (status = 404, description = "Admin reload is not configured", content_type = "application/problem+json")))]
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
    let given = req
        .headers()
        .get("authorization")
        .and_then(|h| h.to_str().ok())
        .and_then(|h| h.strip_prefix("Bearer "));
    if !given.is_some_and(|g| constant_time_eq(g.as_bytes(), expected.as_bytes())) {
        return Err(Problem::new(
            Kind::Unauthorized,
            "send Authorization: Bearer <admin_token>",
        ));
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
