//! `GET /api/v1/plan/progress`: the plan against the dated records.

use super::{analysis, chosen, format, params, problem};
use crate::AppState;
use crate::problem::Problem;
use crate::query::Query;
use actix_web::{HttpRequest, HttpResponse, web};
use gapmap_plan::progress;
use utoipa::IntoParams;

/// Query of `GET /api/v1/plan/progress` (with the gap thresholds).
#[allow(
    dead_code,
    reason = "documents the query; parsing is strict and manual (crate::query)"
)]
#[derive(Debug, IntoParams)]
#[into_params(parameter_in = Query)]
pub struct ProgressQuery {
    /// json (default) or csv (one row per year and parish, then the year's total).
    #[param(inline)]
    f: Option<crate::params::ListFormat>,
}

/// `GET /api/v1/plan/progress`.
#[utoipa::path(get, path = "/api/v1/plan/progress", tag = "plan", params(ProgressQuery, crate::params::ThresholdQuery),
    responses(
        (status = 200, description = "Per plan year and parish: access points added against the path to the target, routers and lines upgraded against the yearly ranges, mobile-class visits and participants, residents digitally under-served on 1 January against now; JSON or CSV (f=csv)", content(("application/json"), ("text/csv"))),
        (status = 400, description = "A parameter is unknown or nonsense (the problem names it)", content_type = "application/problem+json")))]
pub async fn progress(
    req: HttpRequest,
    state: web::Data<AppState>,
) -> Result<HttpResponse, Problem> {
    let q = Query::parse(&req, &params(&["f"]))?;
    let f = format(&q, &["json", "csv"])?;
    let snap = state.live.get();
    let a = analysis(&q, &state, &snap)?;
    let st = state.clone();
    let d = crate::audience::disclosure(&req, &state).await?;
    let body = web::block(move || {
        let index = st.plan.index(&snap);
        progress::progress(&snap, chosen(&snap, &a), &index).map(|p| match f {
            "csv" => p.to_csv(&snap, &d),
            _ => p.to_json(&snap, &d).to_string(),
        })
    })
    .await
    .map_err(Problem::internal)?
    .map_err(problem)?;
    let resp = match f {
        "csv" => super::text(body, "text/csv; charset=utf-8", "plan-progress.csv"),
        _ => HttpResponse::Ok()
            .content_type("application/json")
            .body(body),
    };
    Ok(crate::audience::mark(resp, &d))
}
