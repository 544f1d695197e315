//! The OpenAPI 3 document of `/api/v1`, `/ogc`, the tiles, the style and
//! the exports, generated from the handlers' `#[utoipa::path]` annotations
//! and the query structs below, served at `/api/v1/openapi.json` (and as
//! OpenAPI 3.0 at `/ogc/api`).

use gapmap_engine::snapshot::Snapshot;
use gapmap_plan::Target;
use serde_json::{Value, json};
use utoipa::OpenApi;

mod oas30;
mod planner_values;

use crate::problem::Problem;
use crate::query::Query;
use crate::routes::ogc::html::{a, esc, page, table};
use crate::routes::ogc::{Format, OAS, format, html_response, json_response};
use actix_web::{HttpRequest, HttpResponse};
use oas30::openapi_30;
use planner_values::{per_year_pattern, season_pattern, what_if_body};

#[derive(Debug, OpenApi)]
#[openapi(
    info(
        title = "gapmap API",
        description = "The digital access map of Jelgavas novads: public access places, coverage gaps over where people live, and the action plan. Every error is RFC 9457 application/problem+json. Distances are straight-line planar metres in LKS-92 (EPSG:3059).",
        license(name = "EUPL-1.2")
    ),
    paths(
        crate::routes::health::healthz,
        crate::routes::layers::layers,
        crate::routes::sites::sites,
        crate::routes::gaps::summary,
        crate::routes::gaps::parishes,
        crate::routes::gaps::grid,
        crate::routes::gaps::clusters,
        crate::routes::nearest::nearest,
        crate::routes::nearest::coverage,
        crate::routes::plan::access_points::access_points,
        crate::routes::plan::upgrades::upgrades,
        crate::routes::plan::mobile_class::mobile_class,
        crate::routes::plan::progress::progress,
        crate::routes::plan::what_if::what_if,
        crate::routes::search::search,
        crate::routes::admin::reload,
        crate::routes::export::export,
        crate::routes::tiles::tile,
        crate::routes::tiles::tilejson,
        crate::routes::tiles::style,
        crate::routes::tiles::pmtiles,
        openapi_json,
        crate::routes::ogc::landing::landing,
        crate::routes::ogc::landing::conformance,
        api,
        crate::routes::ogc::collections::collections,
        crate::routes::ogc::collections::collection,
        crate::routes::ogc::schemas::queryables,
        crate::routes::ogc::schemas::schema,
        crate::routes::ogc::schemas::feature_schema,
        crate::routes::ogc::items::items,
        crate::routes::ogc::items::item,
        crate::routes::inventory::account::sign_in,
        crate::routes::inventory::account::whoami,
        crate::routes::inventory::account::sign_out,
        crate::routes::inventory::account::list_tokens,
        crate::routes::inventory::account::create_token,
        crate::routes::inventory::account::revoke_token,
        crate::routes::inventory::account::list_users,
        crate::routes::inventory::account::add_user,
        crate::routes::inventory::edits::create_site,
        crate::routes::inventory::edits::create,
        crate::routes::inventory::edits::get_one,
        crate::routes::inventory::edits::patch,
        crate::routes::inventory::edits::retire,
        crate::routes::inventory::history::audit_log,
        crate::routes::inventory::history::changes,
        crate::routes::inventory::reports::submit,
        crate::routes::inventory::reports::status,
        crate::routes::inventory::reports::queue,
        crate::routes::inventory::reports::decide,
        crate::routes::inventory::reports::cells,
    )
)]
pub struct ApiDoc;

/// The document: the annotations, with each OGC collection's items path
/// written out with its own property filters (OGC API – Features Part 1
/// recommends per-collection paths).
pub fn document() -> utoipa::openapi::OpenApi {
    let mut doc = ApiDoc::openapi();
    crate::routes::ogc::items::per_collection_paths(&mut doc);
    doc
}

/// The document as JSON, with what the annotations cannot say: the
/// security schemes and the request bodies of the inventory's writes (JSON
/// Schemas with `anyOf`/`not`, the layers' fields from the model schema).
pub fn document_json() -> serde_json::Value {
    let mut doc = serde_json::to_value(document()).unwrap_or_default();
    crate::routes::inventory::doc::complete(&mut doc);
    doc
}

/// The document as served: [`document`] with what depends on the data
/// filled in from `snap`, so that it says exactly which values the planner
/// accepts: the parish and site ids, the shape of `per_year` for the plan's
/// years, the seasons that do not end before they start, and the what-if
/// body. `oas30`: for the OpenAPI 3.0 form, which has no tuples (so no
/// GeoJSON Point) and no `null` type: there the what-if body is the changes
/// without a geometry.
pub fn served(snap: &Snapshot, oas30: bool) -> Value {
    let mut doc = document_json();
    let parishes: Vec<&str> = snap.parishes.iter().map(|(id, _)| id.as_str()).collect();
    let sites: Vec<&str> = snap.sites.iter().map(|s| s.id.as_str()).collect();
    let years = Target::of(&snap.plan, "new-access-points").years().count();
    let Some(paths) = doc["paths"].as_object_mut() else {
        return doc;
    };
    for (path, ops) in paths.iter_mut() {
        let Some(route) = path.strip_prefix("/api/v1/plan/") else {
            continue;
        };
        for op in ops.as_object_mut().into_iter().flat_map(|m| m.values_mut()) {
            for p in op["parameters"].as_array_mut().into_iter().flatten() {
                let schema = match p["name"].as_str().unwrap_or_default() {
                    "parish_id" => json!({"type": "string", "enum": parishes}),
                    "start" => json!({"type": "string", "enum": sites}),
                    "per_year" => json!({"type": "string", "pattern": per_year_pattern(years)}),
                    "season" => json!({"type": "string", "pattern": season_pattern()}),
                    "near_m" if route == "access-points" => {
                        json!({"type": "number", "format": "double", "exclusiveMinimum": 0, "maximum": 100_000})
                    }
                    _ => continue,
                };
                p["schema"] = schema;
            }
            if route == "what-if"
                && let Some(content) = op["requestBody"]["content"].as_object_mut()
            {
                for media in content.values_mut() {
                    media["schema"] = what_if_body(&sites, oas30);
                }
            }
        }
    }
    doc
}

/// `GET /api/v1/openapi.json`.
#[utoipa::path(get, path = "/api/v1/openapi.json", tag = "meta",
    responses((status = 200, description = "This OpenAPI 3 document", content_type = "application/json")))]
pub async fn openapi_json(
    req: actix_web::HttpRequest,
    state: actix_web::web::Data<crate::AppState>,
) -> Result<actix_web::HttpResponse, crate::problem::Problem> {
    crate::query::Query::parse(&req, &[])?;
    Ok(actix_web::HttpResponse::Ok().json(served(&state.live.get(), false)))
}

/// `GET /ogc/api`: the OpenAPI 3.0 document of the whole service.
#[utoipa::path(get, path = "/ogc/api", tag = "ogc",
    params(("f" = inline(Option<crate::routes::ogc::FParam>), Query, description = "json or html; without it, Accept decides (406 when it accepts neither)")),
    responses((status = 200, description = "This OpenAPI 3.0 document", content(("application/vnd.oai.openapi+json;version=3.0"), ("text/html"))),
        (status = 400, description = "A parameter is unknown or invalid", content_type = "application/problem+json"),
        (status = 406, description = "The request accepts neither JSON nor HTML (see `f`)", content_type = "application/problem+json")))]
pub async fn api(
    req: HttpRequest,
    state: actix_web::web::Data<crate::AppState>,
) -> Result<HttpResponse, Problem> {
    let q = Query::parse(&req, &["f"])?;
    let doc = openapi_30(served(&state.live.get(), true));
    if format(&req, q.str("f"))? == Format::Html {
        let mut rows = Vec::new();
        if let Some(paths) = doc["paths"].as_object() {
            for (path, ops) in paths {
                for (method, op) in ops.as_object().into_iter().flatten() {
                    let summary = op["summary"]
                        .as_str()
                        .or(op["description"].as_str())
                        .unwrap_or("");
                    rows.push(vec![
                        esc(&format!("{} {path}", method.to_uppercase())),
                        esc(summary),
                    ]);
                }
            }
        }
        let body = format!(
            "<p>{}</p>\n{}",
            a("/ogc/api?f=json", "OpenAPI 3.0 JSON"),
            table(
                "Ceļi (paths)",
                &["Ceļš (path)", "Apraksts (description)"],
                &rows
            )
        );
        return Ok(html_response(page(
            "API definīcija",
            &[
                ("/ogc?f=html", "gapmap OGC API"),
                ("/ogc/api?f=html", "API"),
            ],
            "/ogc/api?f=json",
            &body,
        )));
    }
    Ok(json_response(OAS, &doc))
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::params::{ReportStatus, SiteKind};
    use planner_values::days;

    #[test]
    fn site_kind_schema_lists_the_model_kinds() {
        let v =
            serde_json::to_value(<SiteKind as utoipa::PartialSchema>::schema()).unwrap_or_default();
        let listed: Vec<&str> = v["enum"]
            .as_array()
            .map(|a| a.iter().filter_map(|x| x.as_str()).collect())
            .unwrap_or_default();
        assert_eq!(listed, gapmap_model::schema::SITE_KINDS);
    }

    #[test]
    fn report_status_schema_lists_the_statuses() {
        let v = serde_json::to_value(<ReportStatus as utoipa::PartialSchema>::schema())
            .unwrap_or_default();
        let listed: Vec<&str> = v["enum"]
            .as_array()
            .map(|a| a.iter().filter_map(|x| x.as_str()).collect())
            .unwrap_or_default();
        assert_eq!(listed, gapmap_inventory::reports::STATUSES);
    }

    #[test]
    fn inventory_writes_have_bodies_and_security() {
        let doc = document_json();
        for (path, method) in [
            ("/api/v1/session", "post"),
            ("/api/v1/tokens", "post"),
            ("/api/v1/users", "post"),
            ("/api/v1/sites", "post"),
            ("/api/v1/{layer}", "post"),
            ("/api/v1/{layer}/{id}", "patch"),
            ("/api/v1/{layer}/{id}", "delete"),
            ("/api/v1/reports", "post"),
            ("/api/v1/reports/{reference}/decision", "post"),
        ] {
            let op = &doc["paths"][path][method];
            assert!(
                op["requestBody"]["content"]["application/json"]["schema"].is_object(),
                "{method} {path}"
            );
        }
        assert!(doc["components"]["securitySchemes"]["bearer"].is_object());
        let patch = &doc["paths"]["/api/v1/{layer}/{id}"]["patch"];
        assert_eq!(patch["security"].as_array().map(Vec::len), Some(2));
    }

    #[test]
    fn day_ranges_and_per_year_patterns() {
        assert_eq!(days(1, 31), "(0[1-9]|1[0-9]|2[0-9]|3[0-1])");
        assert_eq!(days(17, 30), "(1[7-9]|2[0-9]|30)");
        // Numbers of at most 999 keep the sum of 2 or 4 years within 10000; not all 0.
        assert_eq!(
            per_year_pattern(2),
            "^([1-9][0-9]{0,2},(0|[1-9][0-9]{0,2})|0,[1-9][0-9]{0,2})$"
        );
        assert!(per_year_pattern(4).contains("0,0,0,[1-9][0-9]{0,2})$"));
    }
}
