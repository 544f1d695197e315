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

impl RawFeature {
    /// A feature of a table-like file (CSV, DBF, GeoPackage, a register):
    /// no JSON pointers, values as text to be parsed.
    pub(crate) fn row(
        location: Location,
        id: Option<String>,
        geometry: Option<Geometry<f64>>,
        props: Map<String, Value>,
    ) -> RawFeature {
        RawFeature {
            location,
            props_pointer: None,
            geometry_pointer: None,
            id,
            geometry,
            props,
            text_values: true,
        }
    }
}
