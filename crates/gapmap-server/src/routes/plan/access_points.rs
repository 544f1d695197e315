//! `GET /api/v1/plan/access-points`: where the new public access points go.

use super::{PlanState, analysis, chosen, format, params, problem};
use crate::AppState;
use crate::problem::Problem;
use crate::query::Query;
use actix_web::{HttpRequest, HttpResponse, web};
use gapmap_engine::analysis::Analysis;
use gapmap_engine::snapshot::Snapshot;
use gapmap_model::disclosure::Disclosure;
use gapmap_plan::access_points::{self, Overrides};
use gapmap_plan::mclp::Method;
use std::sync::Arc;
use utoipa::IntoParams;

/// Query of `GET /api/v1/plan/access-points` (with the gap thresholds; `near_m` is the reach).
#[allow(
    dead_code,
    reason = "documents the query; parsing is strict and manual (crate::query)"
)]
#[derive(Debug, IntoParams)]
#[into_params(parameter_in = Query)]
pub struct AccessPointsQuery {
    /// New access points to place, 1–10000 (default: the plan's target, 35, less the access points the equipment records say are installed in its years; or the sum of `per_year`).
    #[param(minimum = 1, maximum = 10000)]
    count: Option<u32>,
    /// Only this parish's candidates and residents, e.g. vilces-pagasts (the ids of /api/v1/gaps/parishes; the served document lists them).
    #[param(min_length = 1)]
    parish_id: Option<String>,
    /// A candidate this close to active free Wi-Fi is not eligible (metres, 0–10000, default 100).
    #[param(minimum = 0, maximum = 10000)]
    wifi_exclusion_m: Option<f64>,
    /// Weight factor of digitally under-served residents, 1–100 (default 2).
    #[param(minimum = 1, maximum = 100)]
    weight_underserved: Option<f64>,
    /// Weight factor of residents in a priority zone, 1–100 (default 1.5).
    #[param(minimum = 1, maximum = 100)]
    weight_priority_zone: Option<f64>,
    /// At most this many access points per building, 1–20 (default 3): its own, then outdoor units toward villages only where they extend reach.
    #[param(minimum = 1, maximum = 20)]
    max_access_points_per_site: Option<u32>,
    /// How far an outdoor unit's Wi-Fi reaches from its building toward a village, metres, 0–5000 (default 300).
    #[param(minimum = 0, maximum = 5000)]
    outdoor_range_m: Option<f64>,
    /// How the new access points are spread over the plan years: one whole number per plan year, comma-separated, e.g. 3,9,9,8, not all 0 (the served document gives the pattern for the plan's years). Alone it gives the count (their sum); with `count` it is each year's share of the count (largest remainders, earlier years first). Default: what is left of each year's quota (9,9,9,8) once the installed access points count, a past year's remainder moved to this year; a `count` alone is split in proportion to that.
    #[param(min_length = 1)]
    per_year: Option<String>,
    /// The solver: auto (default), exact or heuristic.
    #[param(inline)]
    method: Option<crate::params::PlanMethod>,
    /// json (GeoJSON, default) or csv.
    #[param(inline)]
    f: Option<crate::params::ListFormat>,
}

const OWN: &[&str] = &[
    "count",
    "parish_id",
    "wifi_exclusion_m",
    "weight_underserved",
    "weight_priority_zone",
    "max_access_points_per_site",
    "outdoor_range_m",
    "per_year",
    "method",
    "f",
];

fn overrides(q: &Query) -> Result<Overrides, Problem> {
    let per_year = match q.str("per_year") {
        None => None,
        // Whole numbers without sign, spaces or leading zeros, as the
        // document's pattern says.
        Some(s) => Some(
            s.split(',')
                .map(|v| match v.as_bytes() {
                    [b'0'] => Ok(0),
                    [b'1'..=b'9', rest @ ..] if rest.iter().all(u8::is_ascii_digit) => {
                        v.parse::<usize>().map_err(|_| ())
                    }
                    _ => Err(()),
                })
                .collect::<Result<Vec<_>, _>>()
                .map_err(|_| Problem::invalid("per_year", format!("`per_year` must be whole numbers separated by commas, e.g. 9,9,9,8, not `{s}`")))?,
        ),
    };
    let method = match q.str("method") {
        None | Some("auto") => Method::Auto,
        Some("exact") => Method::Exact,
        Some("heuristic") => Method::Heuristic,
        Some(m) => {
            return Err(Problem::invalid(
                "method",
                format!("`method` must be auto, exact or heuristic, not `{m}`"),
            ));
        }
    };
    Ok(Overrides {
        count: q
            .str("count")
            .map(|_| q.usize_in("count", 35, 1, 10_000))
            .transpose()?,
        per_year,
        parish_id: q.str("parish_id").map(str::to_owned),
        wifi_exclusion_m: q.f64("wifi_exclusion_m")?,
        weight_underserved: q.f64("weight_underserved")?,
        weight_priority_zone: q.f64("weight_priority_zone")?,
        max_access_points_per_site: q
            .str("max_access_points_per_site")
            .map(|_| {
                q.usize_in("max_access_points_per_site", 3, 1, 20)
                    .map(|v| v as u32)
            })
            .transpose()?,
        outdoor_range_m: q.f64("outdoor_range_m")?,
        method: Some(method),
        // The server gives the integer program at most 10 s.
        time_limit_s: Some(10.0),
    })
}

/// The siting answer (`{"geojson": …, "csv": …}`) for these overrides,
/// its counts published by `d`, cached per snapshot under `key` (the query
/// string) and the audience: the API and the page `/plan/access-points`
/// share it, so they show the same answer.
pub fn answer(
    plan: &PlanState,
    snap: &Snapshot,
    a: &Analysis,
    o: &Overrides,
    key: &str,
    d: &Disclosure,
) -> Result<Arc<serde_json::Value>, Problem> {
    let key = format!("{}|{key}", d.audience.as_str());
    plan.answer(snap, &key, || {
        let p = access_points::params(snap, a.thresholds.near_m, o).map_err(problem)?;
        let zones = plan.zones(snap);
        let s = access_points::plan(snap, a, &zones, &p, &mut |_| {}).map_err(problem)?;
        Ok(serde_json::json!({"geojson": s.to_geojson(snap, d), "csv": s.to_csv(snap, d)}))
    })
}

/// The overrides of a request without parameters (the plan's defaults,
/// as the API uses them): its answer is cached under [`DEFAULT_KEY`].
pub fn default_overrides() -> Overrides {
    Overrides {
        method: Some(Method::Auto),
        time_limit_s: Some(10.0),
        ..Overrides::default()
    }
}

/// The cache key of the answer without parameters.
pub const DEFAULT_KEY: &str = "access-points|";

/// The plan's own siting (its count, weights and years; the snapshot's
/// thresholds) as the API's GeoJSON: the same answer, and the same cache
/// entry, as `GET /api/v1/plan/access-points` with no parameters. For the
/// planning page; call it off the worker thread (`web::block`).
pub fn default_answer(
    state: &AppState,
    snap: &Arc<Snapshot>,
    d: &Disclosure,
) -> Result<serde_json::Value, Problem> {
    let a = answer(
        &state.plan,
        snap,
        &snap.analysis,
        &default_overrides(),
        DEFAULT_KEY,
        d,
    )?;
    Ok(a["geojson"].clone())
}

/// `GET /api/v1/plan/access-points`.
#[utoipa::path(get, path = "/api/v1/plan/access-points", tag = "plan", params(AccessPointsQuery, crate::params::ThresholdQuery),
    responses(
        (status = 200, description = "A GeoJSON FeatureCollection of the new access points in rank order, one feature per point with its one year (rank, year, unit building|outdoor, building_id, residents_newly_served, cumulative_residents_newly_served, parish_id, reasons), each adding residents; with status (ok, shortfall, nothing_to_cover, done), headline, target, installed, count, worth_placing, need_buildings, by_year (quota, installed, planned), excluded_candidates and not_chosen with their reasons, areas_needing_buildings, objective, bound, optimality_gap, proven_optimal, solver and provenance; counts of 1–4 residents as a range and others rounded to 5 unless signed in; or CSV (f=csv)", content(("application/geo+json"), ("text/csv"))),
        (status = 400, description = "A parameter is unknown or nonsense (the problem names it)", content_type = "application/problem+json")))]
pub async fn access_points(
    req: HttpRequest,
    state: web::Data<AppState>,
) -> Result<HttpResponse, Problem> {
    let q = Query::parse(&req, &params(OWN))?;
    let f = format(&q, &["json", "csv"])?;
    let o = overrides(&q)?;
    let snap = state.live.get();
    let a = analysis(&q, &state, &snap)?;
    let st: web::Data<AppState> = state.clone();
    let key = format!("access-points|{}", req.query_string());
    let d = crate::audience::disclosure(&req, &state).await?;
    let answer = web::block(move || answer(&st.plan, &snap, chosen(&snap, &a), &o, &key, &d))
        .await
        .map_err(Problem::internal)??;
    let resp = match f {
        "csv" => super::text(
            answer["csv"].as_str().unwrap_or_default().to_owned(),
            "text/csv; charset=utf-8",
            "access-points.csv",
        ),
        _ => super::json(&answer["geojson"], "application/geo+json"),
    };
    Ok(crate::audience::mark(resp, &d))
}
