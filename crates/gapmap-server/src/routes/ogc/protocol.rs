//! What every OGC API resource shares: the `f` and `crs` parameters, the
//! media types, links, and the JSON and HTML responses.

use crate::problem::Problem;
use actix_web::{HttpRequest, HttpResponse};
use gapmap_publish::collections::Collection;

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
            // 0 stands for CRS84 in CRS_LIST; no text names EPSG:0.
            gapmap_geo::crs::parse_crs(t).ok().filter(|c| *c != 0)
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

/// `f`: the representation (OpenAPI schema of the parameter).
#[derive(Debug, Clone, Copy, utoipa::ToSchema, serde::Serialize)]
#[serde(rename_all = "lowercase")]
pub enum FParam {
    Json,
    Html,
}

/// `crs` / `bbox-crs`: the CRSs offered, as OGC URIs (OpenAPI schema; the
/// server also reads `EPSG:n` and URNs).
#[derive(Debug, Clone, Copy, utoipa::ToSchema, serde::Serialize)]
pub enum CrsParam {
    #[serde(rename = "http://www.opengis.net/def/crs/OGC/1.3/CRS84")]
    Crs84,
    #[serde(rename = "http://www.opengis.net/def/crs/EPSG/0/4326")]
    Epsg4326,
    #[serde(rename = "http://www.opengis.net/def/crs/EPSG/0/3059")]
    Epsg3059,
    #[serde(rename = "http://www.opengis.net/def/crs/EPSG/0/3857")]
    Epsg3857,
}

/// The representation asked for.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Format {
    Json,
    Html,
}

/// `f=json|html` wins; otherwise `Accept` decides by q-value (JSON on a
/// tie or with no `Accept`); a request that accepts neither is a 406.
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
    let accept = req.headers().get("accept").and_then(|v| v.to_str().ok());
    match crate::negotiate::choose(accept, &[JSON, GEOJSON, OAS, HTML]) {
        Some(HTML) => Ok(Format::Html),
        Some(_) => Ok(Format::Json),
        None => Err(Problem::new(
            crate::problem::Kind::NotAcceptable,
            "this resource is served as JSON (application/json, application/geo+json) or HTML (text/html); use `f=json` or `f=html`, or accept one of them",
        )),
    }
}

/// A link object.
pub fn link(href: &str, rel: &str, ty: &str, title: &str) -> serde_json::Value {
    serde_json::json!({"href": href, "rel": rel, "type": ty, "title": title})
}

pub const GEOJSON: &str = "application/geo+json";

pub const JSON: &str = "application/json";

pub const HTML: &str = "text/html";

pub const OAS: &str = "application/vnd.oai.openapi+json";

/// The simple properties each collection can be filtered on
/// (`?name=value`, exact match; numbers and booleans compare by value).
pub fn queryables(c: Collection) -> &'static [&'static str] {
    match c {
        Collection::Sites => &[
            "kind",
            "parish_id",
            "status",
            "free_wifi",
            "wheelchair",
            "candidate",
            "source",
        ],
        Collection::Settlements => &["kind", "name", "parish_id", "source"],
        Collection::Municipality | Collection::Parishes => &["kind", "name", "atvk", "source"],
        Collection::Coverage => &["provider", "technology", "service", "source"],
        Collection::PriorityZones => &["zone_kind", "name", "source"],
        Collection::DemandGrid => &["cell_id", "source"],
        Collection::GapGrid => &["cell_id", "underserved", "source"],
        Collection::Buildings => &[
            "kind",
            "parish_id",
            "status",
            "municipal",
            "free_wifi",
            "coordinate_quality",
            "source",
        ],
        Collection::GapClusters => &[
            "rank",
            "in_border_zone",
            "in_priority_parish",
            "in_priority_area",
            "source",
        ],
    }
}

/// The collection named in a path, or a 404 problem.
pub fn find_collection(id: &str) -> Result<Collection, Problem> {
    Collection::parse(id).ok_or_else(|| {
        Problem::not_found(format!(
            "no collection `{id}`; see /ogc/collections ({})",
            Collection::ALL.map(|c| c.id()).join(", ")
        ))
    })
}

/// A JSON response of the given media type (negotiated: `Vary: Accept`).
pub fn json_response(ty: &str, body: &serde_json::Value) -> HttpResponse {
    HttpResponse::Ok()
        .content_type(ty)
        .insert_header((actix_web::http::header::VARY, "Accept"))
        .body(serde_json::to_string(body).unwrap_or_default())
}

/// An HTML response (negotiated: `Vary: Accept`).
pub fn html_response(body: String) -> HttpResponse {
    HttpResponse::Ok()
        .content_type("text/html; charset=utf-8")
        .insert_header((actix_web::http::header::VARY, "Accept"))
        .body(body)
}
