use crate::AppState;
use actix_web::{HttpResponse, web};
use serde_json::json;

/// `GET /healthz`: 200 once a snapshot is serving (the server binds only after).
pub async fn healthz(state: web::Data<AppState>) -> HttpResponse {
    let snap = state.live.get();
    HttpResponse::Ok().json(json!({"status": "ok", "snapshot_version": snap.version}))
}
