use crate::AppState;
use crate::problem::Problem;
use crate::query::Query;
use actix_web::{HttpRequest, HttpResponse, web};
use serde_json::json;

/// `GET /api/v1/layers`: count and provenance mix per layer, snapshot version.
#[utoipa::path(get, path = "/api/v1/layers", tag = "data", responses((status = 200, description = "Count and provenance mix (official, approximate, simulated) per layer"), (status = 400, description = "A parameter is unknown or invalid", content_type = "application/problem+json")))]
pub async fn layers(req: HttpRequest, state: web::Data<AppState>) -> Result<HttpResponse, Problem> {
    Query::parse(&req, &[])?;
    let snap = state.live.get();
    let layers: Vec<_> = snap
        .stats
        .iter()
        .map(
            |(layer, s)| json!({"layer": layer.name(), "count": s.count, "by_source": s.by_source}),
        )
        .collect();
    Ok(HttpResponse::Ok().json(json!({
        "snapshot_version": snap.version,
        "built_at": snap.built_at.to_rfc3339(),
        "working_crs": format!("EPSG:{}", snap.working_crs),
        // Rounded as every anonymous count of residents is (gapmap_model::disclosure).
        "residents": gapmap_model::disclosure::Disclosure::public(state.thresholds.disclosure_min_residents).json(snap.residents()),
        "demand_points": snap.demand.len(),
        "layers": layers,
    })))
}
