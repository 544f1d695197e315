//! The pages people read: the resident finder at `/`, the map (`/map`),
//! the planning view (`/plan`), the printable parish leaflets
//! (`/leaflets`, `/leaflets/{parish_id}`) and the accessibility statement
//! (`/accessibility`). Every page is complete HTML rendered here from the
//! snapshot (templates in `templates/`, words from the catalogues in
//! `web/i18n/`); the scripts of `web/` only enhance them. `?lang=en` gives
//! English on any page.
//!
//! Conventions for new pages (see `web/README.md`): a handler parses its
//! query with [`PageQuery`], builds a context and calls [`render`]; the
//! template extends `base.html` and takes every word from `t(…)`.

pub mod assets;
pub mod changes;
pub mod data;
pub mod edit;
pub mod finder;
pub mod form;
pub mod i18n;
pub mod leaflet;
pub mod map;
pub mod plan;
pub mod planner;
pub mod reasons;
mod render;
pub mod report;
pub mod sites;
pub mod words;

pub use render::{
    PAGE_CACHE, PageQuery, base_context, error_page, href, html_response, render, status_page,
};

use crate::AppState;
use crate::problem::Problem;
use actix_web::{HttpRequest, HttpResponse, web};
use serde_json::Map;

/// `GET /accessibility`: the accessibility statement (Cabinet Regulation
/// No. 445).
pub async fn accessibility(
    req: HttpRequest,
    state: web::Data<AppState>,
) -> Result<HttpResponse, Problem> {
    let q = PageQuery::parse(&req);
    let ctx = base_context(&state, &q, "/accessibility", "accessibility");
    render(&req, "accessibility.html", ctx, Map::new())
}

/// Register the page routes.
pub fn configure(cfg: &mut web::ServiceConfig) {
    use crate::get;
    use crate::headers::write_resource;
    cfg.service(get("/", finder::page))
        .service(get("/map", map::page))
        .service(get("/plan", plan::page))
        .service(get("/plan/parishes.csv", plan::csv))
        .service(get("/plan/access-points", planner::access_points::page))
        .service(get("/plan/what-if", planner::what_if::page))
        .service(get("/plan/upgrades", planner::upgrades::page))
        .service(get("/plan/mobile-class", planner::mobile_class::page))
        .service(get("/plan/progress", planner::progress::page))
        .service(get("/leaflets", leaflet::index))
        .service(get("/leaflets/{parish_id}", leaflet::page))
        .service(get("/accessibility", accessibility))
        .service(get("/changes", changes::page))
        .service(get("/privacy", report::privacy))
        .service(get("/report/status", report::status))
        // Forms that post back: same-origin resources (no CORS; a foreign
        // Origin is refused by the handlers' checks).
        .service(
            write_resource("/report", "GET, HEAD, POST")
                .route(web::get().to(report::page))
                .route(web::head().to(report::page))
                .route(web::post().to(report::submit)),
        )
        .service(
            write_resource("/sign-in", "GET, HEAD, POST")
                .route(web::get().to(edit::sign_in_form))
                .route(web::head().to(edit::sign_in_form))
                .route(web::post().to(edit::sign_in)),
        )
        .service(write_resource("/sign-out", "POST").route(web::post().to(edit::sign_out)))
        .service(
            write_resource("/edit", "GET, HEAD")
                .route(web::get().to(edit::home))
                .route(web::head().to(edit::home)),
        )
        .service(
            write_resource("/edit/reports", "GET, HEAD")
                .route(web::get().to(edit::queue))
                .route(web::head().to(edit::queue)),
        )
        .service(
            write_resource("/edit/reports/{reference}", "POST").route(web::post().to(edit::decide)),
        )
        .service(get("/edit/buildings", data::buildings))
        .service(get("/edit/data", data::data))
        .service(write_resource("/edit/data/upload", "POST").route(web::post().to(data::upload)))
        // The previewed sheet comes back whole in the form (beyond actix's
        // 16 KiB form default; the server's body limit still applies).
        .service(
            write_resource("/edit/data/apply", "POST")
                .app_data(web::FormConfig::default().limit(data::SHEET_FORM_LIMIT))
                .route(web::post().to(data::apply)),
        )
        .service(get("/edit/data/{file}", data::download))
        .service(
            write_resource("/edit/{layer}/{id}", "GET, HEAD, POST")
                .route(web::get().to(edit::feature))
                .route(web::head().to(edit::feature))
                .route(web::post().to(edit::save)),
        )
        .service(get("/static/{path:.*}", assets::static_file));
}
