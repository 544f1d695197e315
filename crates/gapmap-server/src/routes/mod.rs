//! Route handlers: each parses its query and delegates to the snapshot.

pub mod admin;
pub mod export;
pub mod gaps;
pub mod health;
pub mod layers;
pub mod nearest;
pub mod ogc;
pub mod plan;
pub mod problems;
pub mod search;
pub mod sites;
pub mod tiles;

use serde_json::{Map, Value, json};

/// A GeoJSON Feature from an id, properties and a geo geometry (WGS84).
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
