//! The application: every route and the middleware around them.

use crate::headers::read_resource as get;
use crate::problem::Problem;
use crate::state::AppState;
use crate::{headers, openapi, pages, problem, routes};
use actix_web::body::MessageBody;
use actix_web::dev::{ServiceRequest, ServiceResponse};
use actix_web::{HttpResponse, web};
use std::time::Instant;

pub(crate) async fn not_found() -> Result<HttpResponse, Problem> {
    Err(Problem::not_found(
        "no resource at this path; see /api/v1/layers",
    ))
}

/// Configure every route on an actix `App`.
pub fn configure(cfg: &mut web::ServiceConfig, state: web::Data<AppState>) {
    let max = state.config.max_body_bytes;
    cfg.app_data(state.clone())
        .app_data(web::PayloadConfig::new(max))
        .app_data(
            web::JsonConfig::default()
                .limit(max)
                .error_handler(|e, _| crate::body::json_problem(&e).into()),
        )
        .app_data(
            web::FormConfig::default()
                .limit(max.min(64 * 1024))
                .error_handler(|e, _| crate::body::form_problem(&e).into()),
        )
        .service(get("/healthz", routes::health::healthz))
        .service(get("/api/v1/layers", routes::layers::layers))
        .service(get("/api/v1/openapi.json", openapi::openapi_json))
        .service(get("/ogc/api", openapi::api))
        .service(
            headers::read_resource_also("/api/v1/sites", routes::sites::sites, "POST")
                .route(web::post().to(routes::inventory::edits::create_site)),
        )
        .service(get("/api/v1/gaps/summary", routes::gaps::summary))
        .service(get("/api/v1/gaps/parishes", routes::gaps::parishes))
        .service(get("/api/v1/gaps/grid", routes::gaps::grid))
        .service(get("/api/v1/gaps/clusters", routes::gaps::clusters))
        .service(get("/api/v1/nearest", routes::nearest::nearest))
        .service(get("/api/v1/coverage", routes::nearest::coverage))
        .service(get(
            "/api/v1/plan/access-points",
            routes::plan::access_points::access_points,
        ))
        .service(get(
            "/api/v1/plan/upgrades",
            routes::plan::upgrades::upgrades,
        ))
        .service(get(
            "/api/v1/plan/mobile-class",
            routes::plan::mobile_class::mobile_class,
        ))
        .service(get(
            "/api/v1/plan/progress",
            routes::plan::progress::progress,
        ))
        .service(
            // Read-only, but a POST: kept to this site's own planning pages.
            headers::write_resource("/api/v1/plan/what-if", "POST")
                .route(web::post().to(routes::plan::what_if::what_if)),
        )
        .service(get("/api/v1/search", routes::search::search))
        .service(get("/tiles/{tileset}/{z}/{x}/{y}.mvt", routes::tiles::tile))
        .service(get("/tiles/{tileset}.json", routes::tiles::tilejson))
        .service(get("/styles/{name}.json", routes::tiles::style))
        .service(get("/export/tiles.pmtiles", routes::tiles::pmtiles))
        .configure(routes::ogc::configure)
        .configure(routes::inventory::configure)
        .configure(pages::configure)
        .service(get("/problems/{slug}", routes::problems::problem_type))
        .service(get(
            "/export/{layer}.{format:geojson|csv|gpkg}",
            routes::export::export,
        ))
        .service(
            headers::write_resource("/admin/reload", "POST")
                .route(web::post().to(routes::admin::reload)),
        );
}

/// Access log through tracing: method, path, status, milliseconds.
pub(crate) async fn access_log(
    req: ServiceRequest,
    next: actix_web::middleware::Next<impl MessageBody + 'static>,
) -> Result<ServiceResponse<impl MessageBody>, actix_web::Error> {
    let started = Instant::now();
    let method = req.method().clone();
    let path = problem::truncate(req.path(), 200).into_owned();
    let res = next.call(req).await?;
    tracing::info!(target: "gapmap::access", %method, %path, status = res.status().as_u16(), ms = started.elapsed().as_secs_f64() * 1000.0, "request");
    Ok(res)
}
