//! A feature as a reader hands it on: in the file's own CRS, not yet validated.

use crate::problem::Location;
use geo_types::Geometry;
use serde_json::{Map, Value};

/// A feature as read, before validation: geometry in the file's CRS.
#[derive(Debug, Clone)]
pub struct RawFeature {
    pub location: Location,
    /// JSON pointer to the properties object (GeoJSON), if any.
    pub props_pointer: Option<String>,
    /// JSON pointer to the geometry (GeoJSON), if any.
    pub geometry_pointer: Option<String>,
    pub id: Option<String>,
    pub geometry: Option<Geometry<f64>>,
    pub props: Map<String, Value>,
    /// Whether property values are untyped text (CSV, DBF) to be parsed.
    pub text_values: bool,
}
