use crate::AppState;
use crate::problem::Problem;
use crate::query::Query;
use actix_web::{HttpRequest, HttpResponse, web};
use serde_json::json;

/// `GET /healthz`: 200 once a snapshot is serving (the server binds only after).
#[utoipa::path(get, path = "/healthz", tag = "meta", responses((status = 200, description = "A snapshot is serving")))]
pub async fn healthz(
    req: HttpRequest,
    state: web::Data<AppState>,
) -> Result<HttpResponse, Problem> {
    Query::parse(&req, &[])?;
    let snap = state.live.get();
    Ok(HttpResponse::Ok().json(json!({"status": "ok", "snapshot_version": snap.version})))
}
