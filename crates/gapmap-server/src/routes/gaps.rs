//! The gap API: `/api/v1/gaps/{summary,parishes,grid,clusters}`. Every
//! threshold can be overridden in the query string; the default thresholds'
//! results are precomputed in the snapshot, others are computed from the
//! snapshot's per-point facts (one pass) and cached per snapshot version.

use crate::AppState;
use crate::problem::Problem;
use crate::query::Query;
use actix_web::{HttpRequest, HttpResponse, web};
use gapmap_engine::analysis::Analysis;
use gapmap_engine::snapshot::Snapshot;
use gapmap_model::thresholds::Thresholds;
use gapmap_publish::collections::{
    Collection, Feature as PFeature, GridContent, features_disclosed, grid_features_disclosed,
};
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
/// `gapmap_engine::analysis::fixed_class`), as the OpenAPI document says.
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

/// `version=` (a revision `rN` or an RFC 3339 instant): the figures
/// recorded for that revision, with the default thresholds only.
async fn as_of_version(
    req: &HttpRequest,
    state: &web::Data<AppState>,
) -> Result<Option<gapmap_inventory::changes::Figures>, Problem> {
    let q = Query::parse(req, &allowed(&["version"]))?;
    let Some(v) = q.str("version") else {
        return Ok(None);
    };
    let version = gapmap_inventory::changes::Version::parse(v).ok_or_else(|| {
        Problem::invalid(
            "version",
            format!("`version` must be a revision such as r12 or an RFC 3339 instant, not `{v}`"),
        )
    })?;
    if THRESHOLD_PARAMS.iter().any(|p| q.str(p).is_some()) {
        return Err(Problem::invalid(
            "version",
            "an earlier version is available with the default thresholds only",
        ));
    }
    let s = state.clone();
    let found = web::block(move || {
        s.db.read(|c| {
            let rev = gapmap_inventory::changes::resolve(c, &version)?;
            Ok::<_, Problem>((rev, gapmap_inventory::changes::figures(c, rev)?))
        })
    })
    .await
    .map_err(Problem::internal)??;
    match found {
        (_, Some(f)) => Ok(Some(f)),
        (rev, None) => Err(Problem::not_found(format!(
            "the figures of revision r{rev} were not recorded (no server was running when it was committed)"
        ))),
    }
}

/// `GET /api/v1/gaps/summary`: municipality totals by class.
#[utoipa::path(get, path = "/api/v1/gaps/summary", tag = "gaps", params(crate::params::ThresholdQuery),
    responses((status = 200, description = "Residents by fixed class, mobile class and public access; digitally under-served residents"), (status = 400, description = "A parameter is unknown or invalid", content_type = "application/problem+json")))]
pub async fn summary(
    req: HttpRequest,
    state: web::Data<AppState>,
) -> Result<HttpResponse, Problem> {
    if let Some(f) = as_of_version(&req, &state).await? {
        return Ok(HttpResponse::Ok().json(
            json!({"revision": f.revision, "computed_at": f.at, "summary": f.summary,
            "note": "the figures as recorded for that revision (default thresholds)"}),
        ));
    }
    let (snap, a, _) = prepare(&req, &state, &["version"])?;
    let d = crate::audience::disclosure(&req, &state).await?;
    let mut body = gapmap_inventory::changes::summary_json(&a, &d);
    body.insert("snapshot_version".into(), json!(snap.version));
    body.insert("note".into(), json!(STRAIGHT_LINE));
    Ok(crate::audience::mark(
        HttpResponse::Ok().json(Value::Object(body)),
        &d,
    ))
}

/// `GET /api/v1/gaps/parishes`: the same per parish.
#[utoipa::path(get, path = "/api/v1/gaps/parishes", tag = "gaps", params(crate::params::ThresholdQuery),
    responses((status = 200, description = "Per parish: residents by class, with disclosure control"), (status = 400, description = "A parameter is unknown or invalid", content_type = "application/problem+json")))]
pub async fn parishes(
    req: HttpRequest,
    state: web::Data<AppState>,
) -> Result<HttpResponse, Problem> {
    if let Some(f) = as_of_version(&req, &state).await? {
        return Ok(
            HttpResponse::Ok().json(json!({"revision": f.revision, "computed_at": f.at,
            "thresholds": f.summary.get("thresholds"), "parishes": f.parishes})),
        );
    }
    let (snap, a, _) = prepare(&req, &state, &["version"])?;
    let d = crate::audience::disclosure(&req, &state).await?;
    let mut items = gapmap_inventory::changes::parishes_json(&a, &d);
    // The official territorial code, so statistics tables join.
    for item in &mut items {
        let atvk = item["id"]
            .as_str()
            .and_then(|id| snap.atvk_of(id))
            .map(str::to_owned);
        item["atvk"] = json!(atvk);
    }
    Ok(crate::audience::mark(
        HttpResponse::Ok().json(
            json!({"snapshot_version": snap.version, "thresholds": a.thresholds,
                                       "disclosure": d.describe(), "parishes": items}),
        ),
        &d,
    ))
}

/// `GET /api/v1/gaps/grid`: EU 1 km cells with residents, as GeoJSON.
#[utoipa::path(get, path = "/api/v1/gaps/grid", tag = "gaps", params(crate::params::ThresholdQuery, ("underserved" = Option<bool>, Query, description = "Only cells with digitally under-served residents")),
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
    let d = crate::audience::disclosure(&req, &state).await?;
    let features: Vec<Value> = grid_features_disclosed(&snap, &a, content, &d)
        .iter()
        .map(PFeature::to_geojson)
        .collect();
    Ok(crate::audience::mark(geojson_response(&snap, features), &d))
}

/// `GET /api/v1/gaps/clusters`: connected under-served cells, ranked.
#[utoipa::path(get, path = "/api/v1/gaps/clusters", tag = "gaps", params(crate::params::ThresholdQuery),
    responses((status = 200, description = "Gap clusters ranked by digitally under-served residents, with priority-zone flags", content_type = "application/geo+json"), (status = 400, description = "A parameter is unknown or invalid", content_type = "application/problem+json")))]
pub async fn clusters(
    req: HttpRequest,
    state: web::Data<AppState>,
) -> Result<HttpResponse, Problem> {
    let (snap, a, _) = prepare(&req, &state, &[])?;
    let d = crate::audience::disclosure(&req, &state).await?;
    let features: Vec<Value> = features_disclosed(&snap, &a, Collection::GapClusters, &d)
        .iter()
        .map(PFeature::to_geojson)
        .collect();
    Ok(crate::audience::mark(geojson_response(&snap, features), &d))
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
