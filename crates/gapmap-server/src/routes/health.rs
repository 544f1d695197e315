use crate::AppState;
use crate::problem::Problem;
use crate::query::Query;
use actix_web::{HttpRequest, HttpResponse, web};
use serde_json::json;

/// `GET /healthz`: 200 once a snapshot is serving and ready: the server
/// binds only after the snapshot is built and its gazetteer (with the
/// address index) complete, and tiles are cut per request, so search and
/// tiles answer as soon as this does.
#[utoipa::path(get, path = "/healthz", tag = "meta", responses((status = 200, description = "A snapshot is serving, and search and tiles can answer")))]
pub async fn healthz(
    req: HttpRequest,
    state: web::Data<AppState>,
) -> Result<HttpResponse, Problem> {
    Query::parse(&req, &[])?;
    let snap = state.live.get();
    Ok(HttpResponse::Ok().json(json!({"status": "ok", "snapshot_version": snap.version})))
}
