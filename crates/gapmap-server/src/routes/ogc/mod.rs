//! OGC API – Features (Part 1 Core, GeoJSON, HTML, OpenAPI 3.0; Part 2 CRS
//! by Reference) under `/ogc`, over the published collections of
//! `gapmap_publish::collections`. Every resource answers `f=json|html` and
//! content negotiation (`Accept`); HTML pages are plain, `lang="lv"`, with
//! no scripts or external assets.

pub mod collections;
pub mod html;
pub mod items;
pub mod landing;
mod protocol;
pub mod schemas;

use crate::get;
use actix_web::web;

/// The base of absolute links (`crate::links`).
pub use crate::links::base;
pub use protocol::{
    CRS_LIST, CRS84, Crs, CrsParam, FParam, Format, GEOJSON, HTML, JSON, OAS, find_collection,
    format, html_response, json_response, link, queryables,
};

/// Register the `/ogc` routes.
pub fn configure(cfg: &mut web::ServiceConfig) {
    cfg.service(get("/ogc", landing::landing))
        .service(get("/ogc/", landing::landing))
        .service(get("/ogc/conformance", landing::conformance))
        .service(get("/ogc/style.css", html::stylesheet))
        .service(get("/ogc/collections", collections::collections))
        .service(get(
            "/ogc/collections/{collection_id}",
            collections::collection,
        ))
        .service(get(
            "/ogc/collections/{collection_id}/queryables",
            schemas::queryables,
        ))
        .service(get(
            "/ogc/collections/{collection_id}/schema",
            schemas::schema,
        ))
        .service(get(
            "/ogc/collections/{collection_id}/feature-schema",
            schemas::feature_schema,
        ))
        .service(get("/ogc/collections/{collection_id}/items", items::items))
        .service(get(
            "/ogc/collections/{collection_id}/items/{feature_id}",
            items::item,
        ));
}
