//! The export file formats.

/// An export file format.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Format {
    GeoJson,
    Csv,
    Gpkg,
}

impl Format {
    pub const ALL: [Format; 3] = [Format::GeoJson, Format::Csv, Format::Gpkg];

    /// From a file extension (`geojson`, `csv`, `gpkg`).
    pub fn parse(ext: &str) -> Option<Format> {
        match ext {
            "geojson" => Some(Format::GeoJson),
            "csv" => Some(Format::Csv),
            "gpkg" => Some(Format::Gpkg),
            _ => None,
        }
    }

    pub fn extension(self) -> &'static str {
        match self {
            Format::GeoJson => "geojson",
            Format::Csv => "csv",
            Format::Gpkg => "gpkg",
        }
    }

    pub fn content_type(self) -> &'static str {
        match self {
            Format::GeoJson => "application/geo+json",
            Format::Csv => "text/csv; charset=utf-8",
            Format::Gpkg => "application/geopackage+sqlite3",
        }
    }
}
