use super::wgs84_feature as feature;
use crate::AppState;
use crate::problem::Problem;
use crate::query::Query;
use actix_web::{HttpRequest, HttpResponse, web};
use gapmap_model::schema::SITE_KINDS;
use geo_types::Geometry;
use serde_json::json;

/// `GET /api/v1/sites?kind=&bbox=&limit=&offset=`: sites as GeoJSON, by id.
#[utoipa::path(get, path = "/api/v1/sites", tag = "data", params(crate::params::SitesQuery),
    responses((status = 200, description = "Sites as a GeoJSON FeatureCollection with numberMatched/numberReturned", content_type = "application/geo+json"), (status = 400, description = "A parameter is unknown or invalid", content_type = "application/problem+json")))]
pub async fn sites(req: HttpRequest, state: web::Data<AppState>) -> Result<HttpResponse, Problem> {
    let q = Query::parse(&req, &["kind", "bbox", "limit", "offset"])?;
    let kind = q.str("kind");
    if let Some(k) = kind
        && !SITE_KINDS.contains(&k)
    {
        return Err(Problem::invalid(
            "kind",
            format!("unknown kind `{k}`; one of {}", SITE_KINDS.join(", ")),
        ));
    }
    let bbox = q.bbox("bbox")?;
    let limit = q.usize_in("limit", 100, 1, 10_000)?;
    let offset = q.usize_in("offset", 0, 0, i64::MAX as usize)?;
    let snap = state.live.get();
    let matched: Vec<_> = snap
        .sites
        .iter()
        .filter(|s| kind.is_none_or(|k| s.kind.as_str() == k))
        .filter(|s| {
            bbox.is_none_or(|[a, b, c, d]| {
                let (x, y) = (s.location.x(), s.location.y());
                x >= a && x <= c && y >= b && y <= d
            })
        })
        .collect();
    let features: Vec<_> = matched
        .iter()
        .skip(offset)
        .take(limit)
        .map(|s| feature(&s.id, s.properties(), &Geometry::Point(s.location)))
        .collect();
    Ok(HttpResponse::Ok()
        .content_type("application/geo+json")
        .json(json!({
            "type": "FeatureCollection",
            "numberMatched": matched.len(),
            "numberReturned": features.len(),
            "snapshot_version": snap.version,
            "features": features,
        })))
}
