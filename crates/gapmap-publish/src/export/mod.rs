//! Exports of the published collections (`/export/{layer}.{geojson,csv,gpkg}`
//! and `gapmap export`): GeoJSON, CSV with WKT, and GeoPackage 1.3.
//!
//! Every writer streams: features go one by one to any [`std::io::Write`]
//! (the GeoPackage is built in a temporary file, then copied to the writer).
//! Each export carries the collection's title, attribution and licences, the
//! snapshot version and an as-of date; every feature carries its provenance
//! (`source`, `source_ref`, `as_of`, `licence`).
//!
//! CRS: WGS84 longitude/latitude by default (coordinates rounded to 1e-7°),
//! or LKS-92 / Latvia TM (EPSG:3059, rounded to 1 mm). Exported files use the
//! GIS axis order of their format — (longitude, latitude) and (easting,
//! northing) — as GDAL writes them; a GeoPackage declares `srs_id` 3059.
//! A GeoJSON in EPSG:3059 is a non-RFC 7946 convenience with the legacy
//! `crs` member (as GDAL's `ogr2ogr -f GeoJSON -t_srs EPSG:3059` writes).

pub mod csv;
mod format;
pub mod geojson;
pub mod gpkg;
mod lists;
mod prepared;

pub use format::Format;
pub use prepared::{ExportError, Meta, Prepared, parse_export_crs, prepare, prepare_features};
pub(crate) use prepared::{normalise, num, project, transformer};

use std::io::Write;

/// Write a prepared collection in a format; `progress` is called with the
/// number of features written so far. Returns the number of features.
pub fn write(
    prepared: &Prepared,
    format: Format,
    out: &mut dyn Write,
    progress: &mut dyn FnMut(u64),
) -> Result<u64, ExportError> {
    match format {
        Format::GeoJson => geojson::write(prepared, out, progress),
        Format::Csv => csv::write(prepared, out, progress),
        Format::Gpkg => gpkg::write(prepared, out, progress),
    }
}
