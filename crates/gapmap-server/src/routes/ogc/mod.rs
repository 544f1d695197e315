//! OGC API – Features (Part 1 Core, GeoJSON, HTML, OpenAPI 3.0; Part 2 CRS
//! by Reference) under `/ogc`, over the published collections of
//! `gapmap_core::publish`. Every resource answers `f=json|html` and
//! content negotiation (`Accept`); HTML pages are plain, `lang="lv"`, with
//! no scripts or external assets.

pub mod collections;
pub mod html;
pub mod items;
pub mod landing;

use crate::get;
use crate::problem::Problem;
use actix_web::{HttpRequest, HttpResponse, web};
use gapmap_core::publish::Collection;

/// CRS84, the default and storage CRS (lon, lat).
pub const CRS84: &str = "http://www.opengis.net/def/crs/OGC/1.3/CRS84";

/// The CRSs every collection offers, as (URI, EPSG code or 0 for CRS84).
pub const CRS_LIST: [(&str, u16); 4] = [
    (CRS84, 0),
    ("http://www.opengis.net/def/crs/EPSG/0/4326", 4326),
    ("http://www.opengis.net/def/crs/EPSG/0/3059", 3059),
    ("http://www.opengis.net/def/crs/EPSG/0/3857", 3857),
];

/// A requested CRS: its URI, EPSG code (4326 for CRS84 too) and whether
/// its authority axis order swaps our (x, y).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Crs {
    pub uri: &'static str,
    pub code: u16,
    pub swap: bool,
}

impl Crs {
    pub const CRS84: Crs = Crs {
        uri: CRS84,
        code: 4326,
        swap: false,
    };

    /// Parse a `crs`/`bbox-crs` value: an OGC URI, a URN, `EPSG:n` or a safe
    /// CURIE `[EPSG:n]`; only the offered CRSs are accepted.
    pub fn parse(param: &str, text: &str) -> Result<Crs, Problem> {
        let t = text.trim().trim_start_matches('[').trim_end_matches(']');
        let lower = t.to_ascii_lowercase();
        let code = if lower.ends_with("crs84") || lower.ends_with("crs:84") {
            Some(0)
        } else {
            gapmap_core::crs::parse_crs(t).ok()
        };
        match CRS_LIST.iter().find(|(_, c)| Some(*c) == code) {
            Some((uri, c)) => Ok(Crs {
                uri,
                code: if *c == 0 { 4326 } else { *c },
                swap: matches!(c, 4326 | 3059),
            }),
            None => Err(Problem::invalid(
                param,
                format!(
                    "`{param}` must be one of {}, not `{text}`",
                    CRS_LIST.map(|(u, _)| u).join(", ")
                ),
            )),
        }
    }
}

/// The representation asked for.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Format {
    Json,
    Html,
}

/// `f=json|html` wins; otherwise `Accept` decides (HTML only when it comes
/// before any JSON type); JSON is the default.
pub fn format(req: &HttpRequest, f: Option<&str>) -> Result<Format, Problem> {
    match f {
        Some("json" | "geojson" | "application/json" | "application/geo+json") => {
            return Ok(Format::Json);
        }
        Some("html" | "text/html") => return Ok(Format::Html),
        Some(other) => {
            return Err(Problem::invalid(
                "f",
                format!("`f` must be json or html, not `{other}`"),
            ));
        }
        None => {}
    }
    let accept = req
        .headers()
        .get("accept")
        .and_then(|v| v.to_str().ok())
        .unwrap_or("");
    let html = accept.find("text/html");
    let json = accept.find("json");
    Ok(match (html, json) {
        (Some(h), Some(j)) if h < j => Format::Html,
        (Some(_), None) => Format::Html,
        _ => Format::Json,
    })
}

/// The absolute base of this server as the client sees it.
pub fn base(req: &HttpRequest) -> String {
    let info = req.connection_info();
    format!("{}://{}", info.scheme(), info.host())
}

/// A link object.
pub fn link(href: &str, rel: &str, ty: &str, title: &str) -> serde_json::Value {
    serde_json::json!({"href": href, "rel": rel, "type": ty, "title": title})
}

pub const GEOJSON: &str = "application/geo+json";
pub const JSON: &str = "application/json";
pub const HTML: &str = "text/html";

/// The collection named in a path, or a 404 problem.
pub fn find_collection(id: &str) -> Result<Collection, Problem> {
    Collection::parse(id).ok_or_else(|| {
        Problem::not_found(format!(
            "no collection `{id}`; see /ogc/collections ({})",
            Collection::ALL.map(|c| c.id()).join(", ")
        ))
    })
}

/// A JSON response of the given media type.
pub fn json_response(ty: &str, body: &serde_json::Value) -> HttpResponse {
    HttpResponse::Ok()
        .content_type(ty)
        .body(serde_json::to_string(body).unwrap_or_default())
}

/// An HTML response.
pub fn html_response(body: String) -> HttpResponse {
    HttpResponse::Ok()
        .content_type("text/html; charset=utf-8")
        .body(body)
}

/// Register the `/ogc` routes.
pub fn configure(cfg: &mut web::ServiceConfig) {
    cfg.service(get("/ogc", landing::landing))
        .service(get("/ogc/", landing::landing))
        .service(get("/ogc/conformance", landing::conformance))
        .service(get("/ogc/api", landing::api))
        .service(get("/ogc/collections", collections::collections))
        .service(get(
            "/ogc/collections/{collection_id}",
            collections::collection,
        ))
        .service(get("/ogc/collections/{collection_id}/items", items::items))
        .service(get(
            "/ogc/collections/{collection_id}/items/{feature_id}",
            items::item,
        ));
}
