//! Route handlers: each parses its query and delegates to the snapshot.

pub mod admin;
pub mod export;
pub mod gaps;
pub mod health;
pub mod inventory;
pub mod layers;
pub mod nearest;
pub mod ogc;
pub mod plan;
pub mod problems;
pub mod search;
pub mod sites;
pub mod tiles;

use serde_json::{Map, Value, json};

/// A GeoJSON Feature of the JSON API from an id, properties and a WGS84
/// geometry, published as every GeoJSON answer is: rings by the
/// right-hand rule, coordinates rounded to 1e-7° (see
/// `gapmap_publish::geometry`).
pub fn wgs84_feature(
    id: &str,
    properties: Map<String, Value>,
    geometry: &geo_types::Geometry<f64>,
) -> Value {
    let g = gapmap_publish::geometry::published(geometry, gapmap_geo::crs::WGS84);
    feature(id, properties, &g)
}

/// A GeoJSON Feature from an id, properties and a geometry already in its
/// published form (CRS, orientation, precision, axis order).
pub fn feature(
    id: &str,
    properties: Map<String, Value>,
    geometry: &geo_types::Geometry<f64>,
) -> Value {
    json!({
        "type": "Feature",
        "id": id,
        "geometry": geojson::Geometry::from(geometry),
        "properties": properties,
    })
}
