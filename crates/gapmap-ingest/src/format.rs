//! The input formats, and which one a file is.

use crate::error::IngestError;
use std::fmt;
use std::path::Path;
use std::str::FromStr;

/// The file formats gapmap reads.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Format {
    GeoJson,
    Csv,
    Gpkg,
    /// A zipped ESRI Shapefile (or a bare .shp with its .dbf beside it).
    Shp,
    /// The VZD State Address Register text export (AW_EKA buildings file).
    VzdAddress,
    /// The CSB/Eurostat 1 km population grid keyed by INSPIRE cell ids.
    CsbGrid,
    /// gapmap's action-plan JSON document.
    PlanJson,
    /// The Ministry of Culture's culture-centre statistics (data.gov.lv).
    CultureCentres,
    /// The Ministry of Culture's library statistics (data.gov.lv).
    Libraries,
    /// The education register's schools (data.gov.lv).
    Schools,
}

impl Format {
    pub fn name(self) -> &'static str {
        match self {
            Format::GeoJson => "geojson",
            Format::Csv => "csv",
            Format::Gpkg => "gpkg",
            Format::Shp => "shp",
            Format::VzdAddress => "vzd-address",
            Format::CsbGrid => "csb-grid",
            Format::PlanJson => "plan",
            Format::CultureCentres => "culture-centres",
            Format::Libraries => "libraries",
            Format::Schools => "schools",
        }
    }
}

impl fmt::Display for Format {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(self.name())
    }
}

impl FromStr for Format {
    type Err = String;
    fn from_str(s: &str) -> Result<Self, Self::Err> {
        Ok(match s {
            "geojson" | "json" => Format::GeoJson,
            "csv" => Format::Csv,
            "gpkg" => Format::Gpkg,
            "shp" => Format::Shp,
            "vzd-address" => Format::VzdAddress,
            "csb-grid" => Format::CsbGrid,
            "plan" => Format::PlanJson,
            "culture-centres" => Format::CultureCentres,
            "libraries" => Format::Libraries,
            "schools" => Format::Schools,
            other => {
                return Err(format!(
                    "unknown format `{other}` (one of geojson, csv, gpkg, shp, vzd-address, csb-grid, plan, culture-centres, libraries, schools)"
                ));
            }
        })
    }
}

/// The name shown for a file in problems: the path as given.
pub fn display_name(path: &Path) -> String {
    path.display().to_string()
}

/// Pick the format of a file: the flag, else registers and plan recognised by
/// their first bytes, else the extension.
pub fn detect_format(path: &Path, forced: Option<Format>) -> Result<Format, IngestError> {
    if let Some(f) = forced {
        return Ok(f);
    }
    let ext = path
        .extension()
        .map(|e| e.to_string_lossy().to_ascii_lowercase())
        .unwrap_or_default();
    let head = read_head(path, 4096).unwrap_or_default();
    let head_text = String::from_utf8_lossy(&head);
    let first_line = head_text
        .trim_start_matches('\u{feff}')
        .lines()
        .next()
        .unwrap_or("")
        .to_ascii_uppercase();
    if first_line.contains("KOORD_X") && first_line.contains("KODS") {
        return Ok(Format::VzdAddress);
    }
    if first_line.contains("GRD_ID") || first_line.contains("GRD_NEWID") {
        return Ok(Format::CsbGrid);
    }
    match ext.as_str() {
        "geojson" => Ok(Format::GeoJson),
        "json" if head_text.contains("\"targets\"") => Ok(Format::PlanJson),
        "json" => Ok(Format::GeoJson),
        "csv" | "txt" | "tsv" => Ok(Format::Csv),
        "gpkg" => Ok(Format::Gpkg),
        "zip" | "shp" => Ok(Format::Shp),
        _ => Err(IngestError::Usage(format!(
            "{}: cannot tell the format from the name; pass --format (geojson, csv, gpkg, shp, vzd-address, csb-grid, plan)",
            path.display()
        ))),
    }
}

fn read_head(path: &Path, n: usize) -> std::io::Result<Vec<u8>> {
    use std::io::Read;
    let mut buf = vec![0u8; n];
    let mut f = std::fs::File::open(path)?;
    let mut got = 0;
    while got < n {
        let k = f.read(&mut buf[got..])?;
        if k == 0 {
            break;
        }
        got += k;
    }
    buf.truncate(got);
    Ok(buf)
}
