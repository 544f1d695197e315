//! The gap API: `/api/v1/gaps/{summary,parishes,grid,clusters}`. Every
//! threshold can be overridden in the query string; the default thresholds'
//! results are precomputed in the snapshot, others are computed from the
//! snapshot's per-point facts (one pass) and cached per snapshot version.

use crate::AppState;
use crate::problem::Problem;
use crate::query::Query;
use actix_web::{HttpRequest, HttpResponse, web};
use gapmap_core::analysis::Analysis;
use gapmap_core::config::Thresholds;
use gapmap_core::publish::{
    Collection, Feature as PFeature, GridContent, features_with, grid_features,
};
use gapmap_core::snapshot::Snapshot;
use serde_json::{Value, json};
use std::sync::Arc;

/// The threshold parameters every gap endpoint accepts.
pub const THRESHOLD_PARAMS: &[&str] = &[
    "gigabit_down_mbps",
    "gigabit_up_mbps",
    "served_down_mbps",
    "underserved_down_mbps",
    "mobile_low_mbps",
    "mobile_high_mbps",
    "near_m",
];

pub const STRAIGHT_LINE: &str =
    "distances are straight-line (planar EPSG:3059 metres), not travel distances";

fn allowed(extra: &[&'static str]) -> Vec<&'static str> {
    THRESHOLD_PARAMS.iter().chain(extra).copied().collect()
}

/// Thresholds from the query string over the configured ones. Each must be
/// a number ≥ 0; they need not be ordered (the classes are tested from the
/// top, so any set of values classifies every point; see
/// `gapmap_core::analysis::fixed_class`), as the OpenAPI document says.
pub fn thresholds(q: &Query, base: &Thresholds) -> Result<Thresholds, Problem> {
    let mut t = base.clone();
    for (name, slot) in [
        ("gigabit_down_mbps", &mut t.gigabit_down_mbps),
        ("gigabit_up_mbps", &mut t.gigabit_up_mbps),
        ("served_down_mbps", &mut t.served_down_mbps),
        ("underserved_down_mbps", &mut t.underserved_down_mbps),
        ("mobile_low_mbps", &mut t.mobile_low_mbps),
        ("mobile_high_mbps", &mut t.mobile_high_mbps),
        ("near_m", &mut t.near_m),
    ] {
        if let Some(v) = q.f64(name)? {
            if v < 0.0 {
                return Err(Problem::invalid(name, format!("`{name}` must be ≥ 0")));
            }
            *slot = v;
        }
    }
    Ok(t)
}

/// The analysis for these thresholds: the snapshot's own, or a cached one.
pub fn analysis_for(state: &AppState, snap: &Arc<Snapshot>, t: &Thresholds) -> Arc<Analysis> {
    if *t == snap.analysis.thresholds {
        return Arc::new(snap.analysis.clone());
    }
    let mut cache = state
        .analysis_cache
        .lock()
        .unwrap_or_else(|p| p.into_inner());
    if let Some((_, _, a)) = cache
        .iter()
        .find(|(v, th, _)| *v == snap.version && th == t)
    {
        return Arc::clone(a);
    }
    let a = Arc::new(snap.analyse_with(t));
    cache.retain(|(v, _, _)| *v == snap.version);
    if cache.len() >= 16 {
        cache.remove(0);
    }
    cache.push((snap.version.clone(), t.clone(), Arc::clone(&a)));
    a
}

fn prepare(
    req: &HttpRequest,
    state: &AppState,
    extra: &[&'static str],
) -> Result<(Arc<Snapshot>, Arc<Analysis>, Query), Problem> {
    let q = Query::parse(req, &allowed(extra))?;
    let t = thresholds(&q, &state.thresholds)?;
    let snap = state.live.get();
    let a = if t == snap.analysis.thresholds {
        Arc::new(snap.analysis.clone())
    } else {
        analysis_for(state, &snap, &t)
    };
    Ok((snap, a, q))
}

/// `GET /api/v1/gaps/summary`: municipality totals by class.
#[utoipa::path(get, path = "/api/v1/gaps/summary", tag = "gaps", params(crate::openapi::ThresholdQuery),
    responses((status = 200, description = "Residents by fixed class, mobile class and public access; digitally under-served residents"), (status = 400, description = "A parameter is unknown or invalid", content_type = "application/problem+json")))]
pub async fn summary(
    req: HttpRequest,
    state: web::Data<AppState>,
) -> Result<HttpResponse, Problem> {
    let (snap, a, _) = prepare(&req, &state, &[])?;
    let mut body = a.total.to_json(a.thresholds.disclosure_min_residents);
    body.insert("thresholds".into(), json!(a.thresholds));
    body.insert("parishes".into(), json!(a.parishes.len()));
    body.insert("grid_cells".into(), json!(a.grid.len()));
    body.insert(
        "underserved_cells".into(),
        json!(a.grid.iter().filter(|c| c.underserved()).count()),
    );
    body.insert("clusters".into(), json!(a.clusters.len()));
    body.insert("snapshot_version".into(), json!(snap.version));
    body.insert("note".into(), json!(STRAIGHT_LINE));
    Ok(HttpResponse::Ok().json(Value::Object(body)))
}

/// `GET /api/v1/gaps/parishes`: the same per parish.
#[utoipa::path(get, path = "/api/v1/gaps/parishes", tag = "gaps", params(crate::openapi::ThresholdQuery),
    responses((status = 200, description = "Per parish: residents by class, with disclosure control"), (status = 400, description = "A parameter is unknown or invalid", content_type = "application/problem+json")))]
pub async fn parishes(
    req: HttpRequest,
    state: web::Data<AppState>,
) -> Result<HttpResponse, Problem> {
    let (snap, a, _) = prepare(&req, &state, &[])?;
    let min = a.thresholds.disclosure_min_residents;
    let items: Vec<Value> = a
        .parishes
        .iter()
        .map(|p| {
            let mut m = p.aggregate.to_json(min);
            m.insert("id".into(), json!(p.id));
            m.insert("name".into(), json!(p.name));
            Value::Object(m)
        })
        .collect();
    Ok(HttpResponse::Ok().json(
        json!({"snapshot_version": snap.version, "thresholds": a.thresholds, "parishes": items}),
    ))
}

/// `GET /api/v1/gaps/grid`: EU 1 km cells with residents, as GeoJSON.
#[utoipa::path(get, path = "/api/v1/gaps/grid", tag = "gaps", params(crate::openapi::ThresholdQuery, ("underserved" = Option<bool>, Query, description = "Only cells with digitally under-served residents")),
    responses((status = 200, description = "EU 1 km grid cells (INSPIRE ids) as GeoJSON; cells under 5 residents publish a range", content_type = "application/geo+json"), (status = 400, description = "A parameter is unknown or invalid", content_type = "application/problem+json")))]
pub async fn grid(req: HttpRequest, state: web::Data<AppState>) -> Result<HttpResponse, Problem> {
    let (snap, a, q) = prepare(&req, &state, &["underserved"])?;
    let only = match q.str("underserved") {
        None => false,
        Some("true") => true,
        Some("false") => false,
        Some(other) => {
            return Err(Problem::invalid(
                "underserved",
                format!("`underserved` must be true or false, not `{other}`"),
            ));
        }
    };
    let content = if only {
        GridContent::Underserved
    } else {
        GridContent::AllClasses
    };
    let features: Vec<Value> = grid_features(&snap, &a, content)
        .iter()
        .map(PFeature::to_geojson)
        .collect();
    Ok(geojson_response(&snap, features))
}

/// `GET /api/v1/gaps/clusters`: connected under-served cells, ranked.
#[utoipa::path(get, path = "/api/v1/gaps/clusters", tag = "gaps", params(crate::openapi::ThresholdQuery),
    responses((status = 200, description = "Gap clusters ranked by digitally under-served residents, with priority-zone flags", content_type = "application/geo+json"), (status = 400, description = "A parameter is unknown or invalid", content_type = "application/problem+json")))]
pub async fn clusters(
    req: HttpRequest,
    state: web::Data<AppState>,
) -> Result<HttpResponse, Problem> {
    let (snap, a, _) = prepare(&req, &state, &[])?;
    let features: Vec<Value> = features_with(&snap, &a, Collection::GapClusters)
        .iter()
        .map(PFeature::to_geojson)
        .collect();
    Ok(geojson_response(&snap, features))
}

fn geojson_response(snap: &Snapshot, features: Vec<Value>) -> HttpResponse {
    HttpResponse::Ok()
        .content_type("application/geo+json")
        .json(json!({
            "type": "FeatureCollection",
            "snapshot_version": snap.version,
            "numberReturned": features.len(),
            "features": features,
        }))
}
