//! `GET /api/v1/search?q=&limit=`: the gazetteer (parishes, villages, sites
//! and register addresses), best match first.

use super::wgs84_feature as feature;
use crate::AppState;
use crate::problem::Problem;
use crate::query::Query;
use actix_web::{HttpRequest, HttpResponse, web};
use gapmap_engine::gazetteer::{Gazetteer, Hit, HitKind, MAX_QUERY_CHARS};
use geo_types::Geometry;
use serde_json::{Map, Value, json};

/// The properties of a hit: `name`, `type`, `parish_id`, `exact`; a place
/// also has its `id` (an address is identified by its text alone).
pub fn hit_properties(g: &Gazetteer, h: &Hit<'_>) -> Map<String, Value> {
    let mut p = Map::new();
    p.insert("name".into(), json!(h.name));
    p.insert("type".into(), json!(h.kind.as_str()));
    p.insert("parish_id".into(), json!(g.parish_id(h.parish)));
    if h.kind != HitKind::Address {
        p.insert("id".into(), json!(h.id));
    }
    p.insert("exact".into(), json!(h.exact));
    p
}

/// The hits as GeoJSON features (WGS84 points).
pub fn hit_features(g: &Gazetteer, hits: &[Hit<'_>]) -> Vec<Value> {
    hits.iter()
        .map(|h| {
            let id = match h.id {
                Some(id) => format!("{}:{id}", h.kind.as_str()),
                None => format!("address:{}", h.name),
            };
            feature(&id, hit_properties(g, h), &Geometry::Point(h.location))
        })
        .collect()
}

#[utoipa::path(get, path = "/api/v1/search", tag = "residents", params(crate::params::SearchQuery),
    responses((status = 200, description = "A GeoJSON FeatureCollection of places, best match first: each with `name`, `type` (parish, settlement, site or address), `parish_id`, `exact` (the query is the whole name, or another name of the place) and, except addresses, `id`; the feature id is `type:id` (an address: `address:text`). Diacritics and case are ignored, words may be cut short and one typo per word is forgiven. `did_you_mean` lists close place names when nothing matched.", content_type = "application/geo+json"),
        (status = 400, description = "A parameter is unknown or invalid (q is required)", content_type = "application/problem+json")))]
pub async fn search(req: HttpRequest, state: web::Data<AppState>) -> Result<HttpResponse, Problem> {
    let q = Query::parse(&req, &["q", "limit"])?;
    // Blank means only ASCII white space: the same rule as the documented
    // pattern of `q`, so a client can tell in advance what is refused.
    let blank = |s: &str| s.chars().all(|c| " \t\n\r\x0c\x0b".contains(c));
    let text = q.str("q").filter(|s| !blank(s)).ok_or_else(|| {
        Problem::invalid("q", "`q` (the name or address to look for) is required")
    })?;
    if text.chars().count() > MAX_QUERY_CHARS {
        return Err(Problem::invalid(
            "q",
            format!("`q` is at most {MAX_QUERY_CHARS} characters"),
        ));
    }
    let limit = q.usize_in("limit", 10, 1, 50)?;
    let snap = state.live.get();
    let g = snap.gazetteer();
    let hits = g.search(text, limit);
    let did_you_mean = if hits.is_empty() {
        hit_features(&g, &g.did_you_mean(text, 3))
    } else {
        Vec::new()
    };
    Ok(HttpResponse::Ok()
        .content_type("application/geo+json")
        .json(json!({
            "type": "FeatureCollection",
            "query": text,
            "numberReturned": hits.len(),
            "features": hit_features(&g, &hits),
            "did_you_mean": did_you_mean,
            "snapshot_version": snap.version,
        })))
}
