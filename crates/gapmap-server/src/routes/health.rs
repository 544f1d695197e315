use crate::AppState;
use crate::problem::Problem;
use crate::query::Query;
use actix_web::{HttpRequest, HttpResponse, web};
use serde_json::json;

/// `GET /healthz`: 200 once a snapshot is serving and ready: the server
/// binds only after the snapshot is built and its gazetteer (with the
/// address index) complete, and tiles are cut per request, so search and
/// tiles answer as soon as this does. `status` is `degraded` (still 200:
/// reads are answered, so a load balancer keeps the server) while a PostGIS
/// store cannot be reached: `read_only` is then true and writes get 503.
#[utoipa::path(get, path = "/healthz", tag = "meta", responses((status = 200, description = "A snapshot is serving, and search and tiles can answer; `status` is `degraded` and `read_only` true while the shared store cannot be reached")))]
pub async fn healthz(
    req: HttpRequest,
    state: web::Data<AppState>,
) -> Result<HttpResponse, Problem> {
    Query::parse(&req, &[])?;
    let snap = state.live.get();
    let (kind, down) = match &state.store {
        gapmap_store::Location::Gpkg(_) => ("geopackage", None),
        gapmap_store::Location::Postgres(url) => ("postgis", gapmap_store::pgpool::down(url)),
    };
    let store = match &down {
        Some(d) => json!({
            "kind": kind,
            "reachable": false,
            "since": chrono::DateTime::<chrono::Utc>::from(d.since).to_rfc3339_opts(chrono::SecondsFormat::Secs, true),
        }),
        None => json!({"kind": kind, "reachable": true}),
    };
    Ok(HttpResponse::Ok().json(json!({
        "status": if down.is_some() { "degraded" } else { "ok" },
        "read_only": down.is_some(),
        "snapshot_version": snap.version,
        "store": store,
    })))
}
