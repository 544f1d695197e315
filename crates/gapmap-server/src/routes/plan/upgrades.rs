//! `GET /api/v1/plan/upgrades`: routers and lines to upgrade each year.

use super::{analysis, chosen, format, params, problem};
use crate::AppState;
use crate::problem::Problem;
use crate::query::Query;
use actix_web::{HttpRequest, HttpResponse, web};
use gapmap_plan::upgrades;
use utoipa::IntoParams;

/// Query of `GET /api/v1/plan/upgrades` (with the gap thresholds: `served_down_mbps` is the line to reach, `near_m` who depends on a building).
#[allow(
    dead_code,
    reason = "documents the query; parsing is strict and manual (crate::query)"
)]
#[derive(Debug, IntoParams)]
#[into_params(parameter_in = Query)]
pub struct UpgradesQuery {
    /// Routers younger than this many years are not listed, 0–50 (default 5).
    #[param(minimum = 0, maximum = 50)]
    router_min_age_years: Option<u32>,
    /// json (default) or csv.
    #[param(inline)]
    f: Option<crate::params::ListFormat>,
}

/// `GET /api/v1/plan/upgrades`.
#[utoipa::path(get, path = "/api/v1/plan/upgrades", tag = "plan", params(UpgradesQuery, crate::params::ThresholdQuery),
    responses(
        (status = 200, description = "Per year, routers and backhaul lines done (by the records) and recommended within the plan's ranges, ranked by a documented score with reasons (codes, parameters and English text); buildings to survey listed apart; or CSV (f=csv)", content(("application/json"), ("text/csv"))),
        (status = 400, description = "A parameter is unknown or nonsense (the problem names it)", content_type = "application/problem+json")))]
pub async fn upgrades(
    req: HttpRequest,
    state: web::Data<AppState>,
) -> Result<HttpResponse, Problem> {
    let q = Query::parse(&req, &params(&["router_min_age_years", "f"]))?;
    let f = format(&q, &["json", "csv"])?;
    let p = upgrades::Params {
        router_min_age_years: q.usize_in("router_min_age_years", 5, 0, 50)? as i32,
    };
    let snap = state.live.get();
    let a = analysis(&q, &state, &snap)?;
    let d = crate::audience::disclosure(&req, &state).await?;
    let u = web::block(move || {
        upgrades::plan(&snap, chosen(&snap, &a), &p)
            .map(|u| (u.to_json(&snap, &d), u.to_csv(&snap, &d)))
    })
    .await
    .map_err(Problem::internal)?
    .map_err(problem)?;
    let resp = match f {
        "csv" => super::text(u.1, "text/csv; charset=utf-8", "upgrades.csv"),
        _ => super::json(&u.0, "application/json"),
    };
    Ok(crate::audience::mark(resp, &d))
}
