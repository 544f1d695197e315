//! A collection ready to export: its metadata, its features, and the
//! coordinate handling every format shares (projection, rounding).

use super::format::Format;
use crate::collections::{self, Collection, Feature};
use gapmap_engine::snapshot::Snapshot;
use gapmap_geo::crs::{LKS92, Transformer, WGS84};
use geo_types::Geometry;
use std::collections::BTreeSet;
use std::fmt::Write as _;
use std::sync::Arc;

#[derive(Debug, thiserror::Error)]
pub enum ExportError {
    #[error("unsupported export CRS `{0}`: use EPSG:4326 (or CRS84, the default) or EPSG:3059")]
    Crs(String),
    #[error("cannot transform `{id}`: {reason}")]
    Transform { id: String, reason: String },
    #[error("cannot write the export: {0}")]
    Io(#[from] std::io::Error),
    #[error("cannot build the GeoPackage: {0}")]
    Sqlite(#[from] rusqlite::Error),
    #[error("cannot encode the geometry of `{id}`: {reason}")]
    Geometry { id: String, reason: String },
}

/// Parse the `crs` of an export: EPSG:4326 / CRS84 (default) or EPSG:3059,
/// in the `EPSG:n`, URN or OGC URI forms. Returns the EPSG code.
pub fn parse_export_crs(text: &str) -> Result<u16, ExportError> {
    match gapmap_geo::crs::parse_crs(text) {
        Ok(c) if c == WGS84 || c == LKS92 => Ok(c),
        _ => Err(ExportError::Crs(text.to_owned())),
    }
}

/// The description of one export: what goes into every format's metadata.
#[derive(Debug, Clone)]
pub struct Meta {
    pub collection: Collection,
    pub title: String,
    pub title_en: String,
    pub attribution: String,
    /// The distinct `licence` values of the features, sorted, joined by "; ".
    pub licence: String,
    pub snapshot_version: String,
    /// The date the snapshot was built (UTC), YYYY-MM-DD.
    pub as_of: String,
    /// EPSG code of the coordinates: 4326 or 3059.
    pub crs: u16,
    pub count: usize,
}

impl Meta {
    /// `URN` of the CRS, as the legacy GeoJSON `crs` member names it.
    pub fn crs_urn(&self) -> String {
        if self.crs == WGS84 {
            "urn:ogc:def:crs:OGC:1.3:CRS84".into()
        } else {
            format!("urn:ogc:def:crs:EPSG::{}", self.crs)
        }
    }

    /// A file name such as `sites-2026-11-25.gpkg` (or `sites-2026-11-25-epsg3059.csv`).
    pub fn file_name(&self, format: Format) -> String {
        let crs = if self.crs == WGS84 {
            String::new()
        } else {
            format!("-epsg{}", self.crs)
        };
        format!(
            "{}-{}{}.{}",
            self.collection.id(),
            self.as_of,
            crs,
            format.extension()
        )
    }
}

/// A collection ready to export: its metadata and its features (WGS84).
#[derive(Debug)]
pub struct Prepared {
    pub meta: Meta,
    /// Shared with the server's per-snapshot publication cache.
    pub features: Arc<Vec<Feature>>,
}

/// Collect a collection's features and metadata from a snapshot.
pub fn prepare(snap: &Snapshot, collection: Collection, crs: u16) -> Result<Prepared, ExportError> {
    prepare_features(
        snap,
        collection,
        crs,
        Arc::new(collections::features(snap, collection)),
    )
}

/// Like [`prepare`], with the collection's features already published
/// (`features` must be `collections::features(snap, collection)`, e.g. from a
/// [`collections::PublishCache`]).
pub fn prepare_features(
    snap: &Snapshot,
    collection: Collection,
    crs: u16,
    features: Arc<Vec<Feature>>,
) -> Result<Prepared, ExportError> {
    if crs != WGS84 && crs != LKS92 {
        return Err(ExportError::Crs(format!("EPSG:{crs}")));
    }
    let licences: BTreeSet<&str> = features
        .iter()
        .filter_map(|f| f.properties.get("licence").and_then(|v| v.as_str()))
        .collect();
    let (title, title_en) = collection.titles();
    let meta = Meta {
        collection,
        title: title.to_owned(),
        title_en: title_en.to_owned(),
        attribution: collection.attribution().to_owned(),
        licence: licences.into_iter().collect::<Vec<_>>().join("; "),
        snapshot_version: snap.version.clone(),
        as_of: snap.built_at.date_naive().to_string(),
        crs,
        count: features.len(),
    };
    Ok(Prepared { meta, features })
}

/// The geometry of a feature in the export CRS, its rings by the
/// right-hand rule ([`crate::geometry::oriented`]; every format writes
/// them so).
pub(crate) fn project(t: Option<&Transformer>, f: &Feature) -> Result<Geometry<f64>, ExportError> {
    let mut g = f.geometry.clone();
    if let Some(t) = t {
        t.transform_geometry(&mut g)
            .map_err(|e| ExportError::Transform {
                id: f.id.clone(),
                reason: e.to_string(),
            })?;
    }
    Ok(crate::geometry::oriented(&g))
}

pub(crate) fn transformer(crs: u16) -> Result<Option<Transformer>, ExportError> {
    if crs == WGS84 {
        return Ok(None);
    }
    Transformer::new(WGS84, crs)
        .map(Some)
        .map_err(|e| ExportError::Crs(e.to_string()))
}

/// A coordinate rounded to the export precision: 1e-7 degrees or 1 mm,
/// without trailing zeros (`-0` is written `0`).
pub(crate) fn num(buf: &mut String, v: f64, crs: u16) {
    let decimals = if crs == WGS84 { 7 } else { 3 };
    let start = buf.len();
    let _ = write!(buf, "{v:.decimals$}");
    if buf[start..].contains('.') {
        while buf.ends_with('0') {
            buf.pop();
        }
        if buf.ends_with('.') {
            buf.pop();
        }
    }
    if &buf[start..] == "-0" {
        buf.truncate(start);
        buf.push('0');
    }
}

/// Polygons become one-part multipolygons where the collection publishes
/// multipolygons, so every row of a layer has one geometry type.
pub(crate) fn normalise(g: Geometry<f64>) -> Geometry<f64> {
    match g {
        Geometry::Polygon(p) => Geometry::MultiPolygon(geo_types::MultiPolygon(vec![p])),
        other => other,
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn rounds_coordinates() {
        let mut s = String::new();
        num(&mut s, 23.123456789, WGS84);
        s.push(' ');
        num(&mut s, 500000.0, LKS92);
        s.push(' ');
        num(&mut s, -0.00000001, WGS84);
        s.push(' ');
        num(&mut s, 206079.58712, LKS92);
        assert_eq!(s, "23.1234568 500000 0 206079.587");
    }

    #[test]
    fn export_crs() {
        assert_eq!(parse_export_crs("EPSG:3059").unwrap(), 3059);
        assert_eq!(
            parse_export_crs("http://www.opengis.net/def/crs/EPSG/0/3059").unwrap(),
            3059
        );
        assert_eq!(
            parse_export_crs("http://www.opengis.net/def/crs/OGC/1.3/CRS84").unwrap(),
            4326
        );
        assert!(parse_export_crs("EPSG:3857").is_err());
        assert!(parse_export_crs("nonsense").is_err());
    }
}
