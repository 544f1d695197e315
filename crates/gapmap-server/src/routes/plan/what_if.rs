//! `POST /api/v1/plan/what-if`: the change in every gap figure from up to
//! 100 hypothetical sites or site changes; nothing is stored. No sign-in;
//! rate-limited per client ([`super::limit`]).

use super::{analysis, chosen, limit, params, problem};
use crate::AppState;
use crate::problem::Problem;
use crate::query::Query;
use actix_web::{HttpRequest, HttpResponse, web};
use gapmap_plan::what_if;

/// `POST /api/v1/plan/what-if` with a GeoJSON FeatureCollection.
#[utoipa::path(post, path = "/api/v1/plan/what-if", tag = "plan", params(crate::params::ThresholdQuery),
    request_body(content = Object, description = "A GeoJSON FeatureCollection of 1–100 features (the served document gives its schema, with the site ids): a Point without properties.site_id adds a site (kind default wifi, free_wifi default true); properties.site_id changes that site (a Point moves it; free_wifi, status; remove: true removes it)", content_type = "application/geo+json"),
    responses(
        (status = 200, description = "Every figure of /gaps/summary and /gaps/parishes before, after and their change; residents newly near free Wi-Fi; clusters shrunk, split, gone or new; nothing is stored. Counts of 1–4 residents are published as a range and others rounded to 5 unless signed in, so two answers never differ by one homestead's residents", content_type = "application/json"),
        (status = 400, description = "The body or a parameter is nonsense (the problem names the feature and member)", content_type = "application/problem+json"),
        (status = 409, description = "Features clash: a site changed twice, or a new site's id taken by a site or another feature (the problem names the feature)", content_type = "application/problem+json"),
        (status = 413, description = "The body is too large", content_type = "application/problem+json"),
        (status = 408, description = "The body did not arrive in time (10 s between pieces, 30 s in all); the connection is closed", content_type = "application/problem+json"),
        (status = 415, description = "The body is not JSON (send Content-Type: application/json)", content_type = "application/problem+json"),
        (status = 429, description = "Too many what-if requests from this client: wait Retry-After seconds", content_type = "application/problem+json")))]
pub async fn what_if(
    req: HttpRequest,
    body: web::Bytes,
    state: web::Data<AppState>,
) -> Result<HttpResponse, Problem> {
    let q = Query::parse(&req, &params(&[]))?;
    limit(&req, &state)?;
    let doc: serde_json::Value = serde_json::from_slice(&body)
        .map_err(|e| Problem::invalid("body", format!("the body is not JSON: {e}")))?;
    let snap = state.live.get();
    let a = analysis(&q, &state, &snap)?;
    let changes = what_if::parse_changes(&doc, &snap).map_err(problem)?;
    let index = state.plan.index(&snap);
    let started = std::time::Instant::now();
    let a = chosen(&snap, &a);
    let d = crate::audience::disclosure(&req, &state).await?;
    let outcome = what_if::evaluate(&snap, a, &index, changes).map_err(problem)?;
    let mut v = outcome.to_json(&snap, a, &d);
    v["elapsed_ms"] = serde_json::json!(started.elapsed().as_secs_f64() * 1000.0);
    Ok(crate::audience::mark(
        HttpResponse::Ok()
            .content_type("application/json")
            .body(v.to_string()),
        &d,
    ))
}
