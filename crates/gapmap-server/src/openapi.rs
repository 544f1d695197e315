//! The OpenAPI 3 document of `/api/v1`, `/ogc`, the tiles, the style and
//! the exports, generated from the handlers' `#[utoipa::path]` annotations
//! and the query structs below, served at `/api/v1/openapi.json` (and as
//! OpenAPI 3.0 at `/ogc/api`).

use gapmap_engine::snapshot::Snapshot;
use gapmap_geo::geometry::SanityBox;
use gapmap_model::schema::SITE_KINDS;
use gapmap_plan::Target;
use gapmap_plan::what_if;
use serde_json::{Value, json};
use utoipa::{IntoParams, OpenApi, ToSchema};

/// Binary content: a vector tile, a PMTiles archive.
#[allow(dead_code, reason = "documents a response body")]
#[derive(Debug, ToSchema)]
#[schema(value_type = String, format = Binary)]
pub struct Binary(Vec<u8>);

/// A site kind (`gapmap_model::schema::SITE_KINDS`).
#[derive(Debug, ToSchema, serde::Serialize)]
#[serde(rename_all = "snake_case")]
pub enum SiteKind {
    Wifi,
    Library,
    Kac,
    School,
    CultureHouse,
    SocialCentre,
    ActivityCentre,
    YouthCentre,
    MunicipalOffice,
    MobileClassStop,
}

/// What `/api/v1/nearest` looks for.
#[derive(Debug, ToSchema, serde::Serialize)]
#[serde(rename_all = "snake_case")]
pub enum NearestKind {
    Wifi,
    Library,
    Kac,
    Any,
}

/// The output formats of the planner's lists (`f`).
#[derive(Debug, ToSchema, serde::Serialize)]
#[serde(rename_all = "lowercase")]
pub enum ListFormat {
    Json,
    Csv,
}

/// The output formats of the mobile-class plan (`f`).
#[derive(Debug, ToSchema, serde::Serialize)]
#[serde(rename_all = "lowercase")]
pub enum CalendarFormat {
    Json,
    Csv,
    Ics,
}

/// The access-point solver (`method`).
#[derive(Debug, ToSchema, serde::Serialize)]
#[serde(rename_all = "lowercase")]
pub enum PlanMethod {
    Auto,
    Exact,
    Heuristic,
}

/// Query of `GET /api/v1/sites`.
#[allow(
    dead_code,
    reason = "documents the query; parsing is strict and manual (crate::query)"
)]
#[derive(Debug, IntoParams)]
#[into_params(parameter_in = Query)]
pub struct SitesQuery {
    /// Site kind.
    #[param(inline)]
    kind: Option<SiteKind>,
    /// minlon,minlat,maxlon,maxlat (WGS84 degrees); a box with a minimum above its maximum selects nothing.
    #[param(pattern = r"^-?[0-9]{1,300}(\.[0-9]+)?(,-?[0-9]{1,300}(\.[0-9]+)?){3}$")]
    bbox: Option<String>,
    /// 1–10000, default 100.
    #[param(minimum = 1, maximum = 10000)]
    limit: Option<u32>,
    /// Default 0.
    #[param(minimum = 0)]
    offset: Option<i64>,
}

/// Threshold overrides accepted by the gap endpoints (Mbit/s, metres), each
/// ≥ 0. They need not be ordered: classes are tested from the top (gigabit,
/// then served, then underserved, else unserved; mobile: below
/// mobile_low_mbps is lt2, below mobile_high_mbps 2to30, else ge30), so a
/// point takes the first class whose rule it meets.
#[allow(
    dead_code,
    reason = "documents the query; parsing is strict and manual (crate::query)"
)]
#[derive(Debug, IntoParams)]
#[into_params(parameter_in = Query)]
pub struct ThresholdQuery {
    /// Gigabit: at least this down speed (default 1000).
    #[param(minimum = 0)]
    gigabit_down_mbps: Option<f64>,
    /// Gigabit: and at least this up speed (default 150).
    #[param(minimum = 0)]
    gigabit_up_mbps: Option<f64>,
    /// Served: at least this down speed (default 100).
    #[param(minimum = 0)]
    served_down_mbps: Option<f64>,
    /// Underserved: at least this down speed; below it is unserved (default 30).
    #[param(minimum = 0)]
    underserved_down_mbps: Option<f64>,
    /// Mobile below this is `lt2` (default 2).
    #[param(minimum = 0)]
    mobile_low_mbps: Option<f64>,
    /// Mobile at least this is `ge30` (default 30).
    #[param(minimum = 0)]
    mobile_high_mbps: Option<f64>,
    /// Free Wi-Fi within this straight-line distance in metres is `near` (default 1500).
    #[param(minimum = 0)]
    near_m: Option<f64>,
}

/// Query of `GET /api/v1/nearest`.
#[allow(
    dead_code,
    reason = "documents the query; parsing is strict and manual (crate::query)"
)]
#[derive(Debug, IntoParams)]
#[into_params(parameter_in = Query)]
pub struct NearestQuery {
    /// Longitude, WGS84 degrees, within the Baltic states (20–29).
    #[param(minimum = 20, maximum = 29)]
    lon: f64,
    /// Latitude, WGS84 degrees, within the Baltic states (53–60.5).
    #[param(minimum = 53, maximum = 60.5)]
    lat: f64,
    /// wifi (active sites with free Wi-Fi), library, kac or any (default).
    #[param(inline)]
    kind: Option<NearestKind>,
    /// 1–100, default 5.
    #[param(minimum = 1, maximum = 100)]
    limit: Option<u32>,
    /// RFC 3339 instant for "open now" (default: now); evaluated in Europe/Riga time with Latvian public holidays.
    #[param(value_type = Option<String>, format = DateTime)]
    at: Option<String>,
}

/// Query of `GET /api/v1/search`.
#[allow(
    dead_code,
    reason = "documents the query; parsing is strict and manual (crate::query)"
)]
#[derive(Debug, IntoParams)]
#[into_params(parameter_in = Query)]
pub struct SearchQuery {
    /// A parish, village, site name, street address or homestead name (up to 200 characters, not only spaces), e.g. `Gluda`.
    #[param(
        example = "Gluda",
        min_length = 1,
        max_length = 200,
        pattern = r"[^ \t\n\r\f\v]"
    )]
    q: String,
    /// 1–50, default 10.
    #[param(minimum = 1, maximum = 50)]
    limit: Option<u32>,
}

/// Query of `GET /api/v1/coverage`.
#[allow(
    dead_code,
    reason = "documents the query; parsing is strict and manual (crate::query)"
)]
#[derive(Debug, IntoParams)]
#[into_params(parameter_in = Query)]
pub struct PointQuery {
    /// Longitude, WGS84 degrees, within the Baltic states (20–29).
    #[param(minimum = 20, maximum = 29)]
    lon: f64,
    /// Latitude, WGS84 degrees, within the Baltic states (53–60.5).
    #[param(minimum = 53, maximum = 60.5)]
    lat: f64,
}

/// A report's status (`gapmap_inventory::reports::STATUSES`).
#[derive(Debug, ToSchema, serde::Serialize)]
#[serde(rename_all = "snake_case")]
pub enum ReportStatus {
    Received,
    Accepted,
    Rejected,
    Fixed,
}

/// The audit log's formats.
#[derive(Debug, ToSchema, serde::Serialize)]
#[serde(rename_all = "snake_case")]
pub enum AuditFormat {
    Json,
    Csv,
}

/// Query of `GET /api/v1/audit`.
#[allow(
    dead_code,
    reason = "documents the query; parsing is strict and manual (crate::query)"
)]
#[derive(Debug, IntoParams)]
#[into_params(parameter_in = Query)]
pub struct AuditQuery {
    /// Only rows of this feature id.
    feature_id: Option<String>,
    /// Only rows of this layer (sites, equipment, visits, …).
    layer: Option<String>,
    /// Only rows of this user name (`ingest` for file ingests).
    actor: Option<String>,
    /// Only rows about this parish.
    parish_id: Option<String>,
    /// Rows at or after this RFC 3339 instant.
    #[param(value_type = Option<String>, format = DateTime)]
    from: Option<String>,
    /// Rows at or before this RFC 3339 instant.
    #[param(value_type = Option<String>, format = DateTime)]
    to: Option<String>,
    /// 1–100000, default 1000 (newest first).
    #[param(minimum = 1, maximum = 100000)]
    limit: Option<u32>,
    /// json (default) or csv.
    #[param(inline)]
    f: Option<AuditFormat>,
}

/// Query of `GET /api/v1/changes`.
#[allow(
    dead_code,
    reason = "documents the query; parsing is strict and manual (crate::query)"
)]
#[derive(Debug, IntoParams)]
#[into_params(parameter_in = Query)]
pub struct ChangesQuery {
    /// Changes after this version: a store revision `rN` or an RFC 3339 instant (the last revision at or before it); at most the current revision.
    #[param(example = "r1")]
    from: String,
    /// Up to this version (default: the current); at most the current revision.
    to: Option<String>,
    /// Only this parish (a parish id of `/api/v1/gaps/parishes`).
    parish_id: Option<String>,
}

/// Query of `GET /api/v1/reports`.
#[allow(
    dead_code,
    reason = "documents the query; parsing is strict and manual (crate::query)"
)]
#[derive(Debug, IntoParams)]
#[into_params(parameter_in = Query)]
pub struct QueueQuery {
    /// Only reports with this status (default: all).
    #[param(inline)]
    status: Option<ReportStatus>,
}

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
        crate::routes::ogc::landing::api,
        crate::routes::ogc::collections::collections,
        crate::routes::ogc::collections::collection,
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

/// `per_year`: `years` whole numbers without leading zeros, comma-separated,
/// not all 0; each of at most as many digits as keeps their sum within the
/// 10000 access points a plan may place.
fn per_year_pattern(years: usize) -> String {
    let years = years.max(1);
    let mut digits = 1;
    while years * (10usize.pow(digits + 1) - 1) <= 10_000 {
        digits += 1;
    }
    let any = format!("(0|[1-9][0-9]{{0,{}}})", digits - 1);
    let nonzero = format!("[1-9][0-9]{{0,{}}}", digits - 1);
    let alternatives: Vec<String> = (0..years)
        .map(|k| {
            format!(
                "{}{nonzero}{}",
                "0,".repeat(k),
                format!(",{any}").repeat(years - 1 - k)
            )
        })
        .collect();
    format!("^({})$", alternatives.join("|"))
}

/// Two-digit days `lo..=hi` as a regular expression.
fn days(lo: u32, hi: u32) -> String {
    let mut parts = Vec::new();
    for tens in lo / 10..=hi / 10 {
        let (a, b) = (lo.max(tens * 10) % 10, hi.min(tens * 10 + 9) % 10);
        parts.push(if a == b {
            format!("{tens}{a}")
        } else {
            format!("{tens}[{a}-{b}]")
        });
    }
    format!("({})", parts.join("|"))
}

/// `MM-DD/MM-DD`: month-days of a leap year (02-29 is one), the end not
/// before the start.
fn season_pattern() -> String {
    const LAST: [u32; 12] = [31, 29, 31, 30, 31, 30, 31, 31, 30, 31, 30, 31];
    let mut months = Vec::new();
    for m in 1..=12u32 {
        let last = LAST[m as usize - 1];
        let same: Vec<String> = (1..=last)
            .map(|d| format!("{d:02}/{m:02}-{}", days(d, last)))
            .collect();
        let mut alternatives = vec![format!("{m:02}-({})", same.join("|"))];
        if m < 12 {
            let later: Vec<String> = (m + 1..=12)
                .map(|n| format!("{n:02}-{}", days(1, LAST[n as usize - 1])))
                .collect();
            alternatives.push(format!("{m:02}-{}/({})", days(1, last), later.join("|")));
        }
        months.push(alternatives.join("|"));
    }
    format!("^({})$", months.join("|"))
}

/// The body of `POST /api/v1/plan/what-if`: a FeatureCollection of 1 to
/// [`what_if::MAX_CHANGES`] features, each a new site (a Point; `kind`,
/// `free_wifi`, `id`, `name`) or a change to one of `sites` (`site_id`; a
/// Point moves it; `free_wifi`, `status`, `remove`). In OpenAPI 3.0
/// (`oas30`), which cannot say a Point's longitude comes first, only the
/// changes without a geometry.
fn what_if_body(sites: &[&str], oas30: bool) -> Value {
    let point = json!({
        "type": "object",
        "required": ["type", "coordinates"],
        "properties": {
            "type": {"type": "string", "enum": ["Point"]},
            "coordinates": {
                "type": "array",
                "minItems": 2,
                "prefixItems": [
                    {"type": "number", "minimum": SanityBox::BALTIC.min_lon, "maximum": SanityBox::BALTIC.max_lon},
                    {"type": "number", "minimum": SanityBox::BALTIC.min_lat, "maximum": SanityBox::BALTIC.max_lat}
                ],
                "description": "longitude, latitude (WGS84 degrees, within the Baltic states)"
            }
        }
    });
    let flag = json!({"type": ["boolean", "null"]});
    let text = json!({"type": ["string", "null"], "pattern": "\\S"});
    let new_site = json!({
        "type": "object",
        "description": "A new site at its Point",
        "required": ["geometry"],
        "properties": {
            "geometry": point,
            "properties": {
                "type": ["object", "null"],
                "additionalProperties": false,
                "properties": {
                    "site_id": {"type": "null"},
                    "kind": {"type": ["string", "null"], "enum": SITE_KINDS.iter().map(|k| json!(k)).chain([Value::Null]).collect::<Vec<_>>(), "description": "default wifi"},
                    "free_wifi": {"type": ["boolean", "null"], "description": "default true"},
                    "id": {"type": ["string", "null"], "pattern": "\\S", "description": "default what-if-N (N the feature's place from 1); not an existing site's id nor another feature's"},
                    "name": text,
                }
            }
        }
    });
    let change = json!({
        "type": "object",
        "description": "A change to an existing site: a Point moves it",
        "required": ["properties"],
        "properties": {
            "geometry": {"anyOf": [{"type": "null"}, point]},
            "properties": {
                "type": "object",
                "additionalProperties": false,
                "required": ["site_id"],
                "properties": {
                    "site_id": {"type": "string", "enum": sites, "description": "each site at most once"},
                    "free_wifi": flag,
                    "status": {"type": ["string", "null"], "enum": ["active", "planned", null]},
                    "remove": flag,
                }
            }
        }
    });
    let items = if oas30 {
        let mut c = change;
        c["properties"]["geometry"] = json!({
            "enum": [null],
            "nullable": true,
            "description": "OpenAPI 3.0 cannot describe a GeoJSON Point (a tuple); /api/v1/openapi.json (3.1) gives new sites and moves"
        });
        c
    } else {
        json!({"anyOf": [new_site, change]})
    };
    json!({
        "type": "object",
        "required": ["type", "features"],
        "properties": {
            "type": {"type": "string", "enum": ["FeatureCollection"]},
            "features": {
                "type": "array",
                "minItems": 1,
                "maxItems": what_if::MAX_CHANGES,
                "items": items
            }
        }
    })
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

#[cfg(test)]
mod tests {
    use super::*;

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
