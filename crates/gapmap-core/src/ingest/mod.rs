//! Ingest: read a file in any supported format, validate every feature
//! against its layer's schema, transform to WGS84, and hand valid records to a
//! sink (the store's write transaction, or nothing for `gapmap check`).
//!
//! 1. [`detect_format`] picks the reader from the flag, the extension or the
//!    first bytes;
//! 2. the reader streams [`RawFeature`]s in the file's own CRS;
//! 3. [`validate::Validator`] checks coordinates, geometry and properties,
//!    repairs what `--repair` allows, and reports every problem;
//! 4. valid [`Record`]s go to the sink; any error makes the caller discard
//!    everything (nothing is written).

pub mod csv;
pub mod geojson;
pub mod gpkg;
pub mod mapping;
pub mod plan;
pub mod problem;
pub mod registers;
pub mod run;
pub mod shp;
pub mod text;
pub mod validate;

use crate::geometry::SanityBox;
use crate::model::{Layer, Record, Source};
use chrono::NaiveDate;
use geo_types::Geometry;
use problem::{Location, Problems};
use serde_json::{Map, Value};
use std::fmt;
use std::path::{Path, PathBuf};
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
            other => {
                return Err(format!(
                    "unknown format `{other}` (one of geojson, csv, gpkg, shp, vzd-address, csb-grid, plan)"
                ));
            }
        })
    }
}

/// Provenance given on the command line for features that carry none.
#[derive(Debug, Clone, Default)]
pub struct DefaultProvenance {
    pub source: Option<Source>,
    pub source_ref: Option<String>,
    pub as_of: Option<NaiveDate>,
}

/// What to do with what the store already holds in the layer.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default)]
pub enum Mode {
    /// Add new ids, update changed ones, keep the rest.
    #[default]
    Upsert,
    /// The file becomes the whole layer: ids not in it are removed.
    Replace,
    /// As upsert, but a field a feature does not give (missing or blank)
    /// keeps its stored value: boundaries loaded over areas keep their
    /// populations.
    Merge,
}

impl Mode {
    pub fn name(self) -> &'static str {
        match self {
            Mode::Upsert => "upsert",
            Mode::Replace => "replace",
            Mode::Merge => "merge",
        }
    }
}

impl FromStr for Mode {
    type Err = String;
    fn from_str(s: &str) -> Result<Self, Self::Err> {
        match s {
            "upsert" => Ok(Mode::Upsert),
            "replace" => Ok(Mode::Replace),
            "merge" => Ok(Mode::Merge),
            other => Err(format!("unknown mode `{other}` (upsert, replace or merge)")),
        }
    }
}

/// Options of `gapmap check` and `gapmap ingest`.
#[derive(Debug, Clone)]
pub struct Options {
    pub layer: Option<Layer>,
    pub format: Option<Format>,
    /// The CRS of coordinates when the file does not say (EPSG code).
    pub crs: Option<u16>,
    pub provenance: DefaultProvenance,
    pub repair: bool,
    /// `--rename`, `--set` and `--where`, applied before validation.
    pub mapping: mapping::FieldMapping,
    pub sanity: SanityBox,
    /// Counts features read, for a progress display.
    pub progress: Option<std::sync::Arc<std::sync::atomic::AtomicU64>>,
    /// The ids of the sites that equipment and visits may refer to (`None`:
    /// not known, so not checked — said in a warning).
    pub known_sites: Option<std::sync::Arc<std::collections::HashSet<String>>>,
}

impl Default for Options {
    fn default() -> Self {
        Options {
            layer: None,
            format: None,
            crs: None,
            provenance: DefaultProvenance::default(),
            repair: false,
            mapping: mapping::FieldMapping::default(),
            sanity: SanityBox::BALTIC,
            progress: None,
            known_sites: None,
        }
    }
}

/// A failure that stops reading a file (as opposed to a [`problem::Problem`]
/// in its content, which is collected).
#[derive(Debug, thiserror::Error)]
pub enum IngestError {
    #[error("{path}: {source}")]
    Io {
        path: String,
        source: std::io::Error,
    },
    /// The command was used wrongly (exit status 64).
    #[error("{0}")]
    Usage(String),
    #[error(transparent)]
    Store(#[from] crate::store::StoreError),
}

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

/// Counts for one file.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq)]
pub struct FileStats {
    pub read: u64,
    pub valid: u64,
    /// Features `--where` left out.
    pub filtered: u64,
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

/// One input file of an ingest.
#[derive(Debug, Clone)]
pub struct Input {
    pub path: PathBuf,
    pub format: Format,
}

/// The records of one file, for callers that want them in memory (tests, the
/// embedded dataset); large files should use [`read_file`] with a sink.
pub fn read_to_vec(
    path: &Path,
    opts: &Options,
    problems: &mut Problems,
) -> Result<(Layer, Vec<Record>), IngestError> {
    let format = detect_format(path, opts.format)?;
    let mut out = Vec::new();
    let layer = read_file(
        &Input {
            path: path.to_owned(),
            format,
        },
        opts,
        problems,
        &mut |r| {
            out.push(r);
            Ok(())
        },
    )?;
    Ok((layer.0, out))
}

/// Read, validate and emit every valid record of a file. Returns the layer and
/// counts; problems go to `problems`. The sink may fail (a store error), which
/// stops the read.
pub fn read_file(
    input: &Input,
    opts: &Options,
    problems: &mut Problems,
    sink: &mut dyn FnMut(Record) -> Result<(), IngestError>,
) -> Result<(Layer, FileStats), IngestError> {
    let file = display_name(&input.path);
    let mut validator: Option<(validate::Validator, mapping::LayerMapping)> = None;
    let mut stats = FileStats::default();
    let mut sink_error: Option<IngestError> = None;
    let mut emit = |mut raw: RawFeature, ctx: &mut ReadContext| {
        if sink_error.is_some() {
            return;
        }
        stats.read += 1;
        if let Some(p) = &opts.progress {
            p.fetch_add(1, std::sync::atomic::Ordering::Relaxed);
        }
        let (v, m) = match &mut validator {
            Some(v) => v,
            None => match opts
                .layer
                .or_else(|| {
                    matches!(input.format, Format::VzdAddress | Format::CsbGrid)
                        .then_some(Layer::Demand)
                })
                .or_else(|| infer_layer(&raw, &opts.mapping))
            {
                Some(layer) => match opts.mapping.for_layer(layer) {
                    Ok(m) => validator.insert((validate::Validator::new(layer, &file, opts), m)),
                    Err(e) => {
                        sink_error = Some(IngestError::Usage(format!("{file}: {e}")));
                        return;
                    }
                },
                None => {
                    sink_error = Some(IngestError::Usage(format!(
                        "{file}: cannot tell the layer from the properties of the first feature; pass --layer ({})",
                        Layer::names()
                    )));
                    return;
                }
            },
        };
        if !m.apply(&mut raw) {
            stats.filtered += 1;
            return;
        }
        if let Some(record) = v.accept(raw, ctx.crs, ctx.problems) {
            stats.valid += 1;
            if let Err(e) = sink(record) {
                sink_error = Some(e);
            }
        }
    };
    let errors_before = problems.errors();
    let mut ctx = ReadContext {
        rejected: 0,
        file: &file,
        crs: opts.crs.unwrap_or(crate::crs::WGS84),
        crs_given: opts.crs.is_some(),
        problems,
        opts,
    };
    match input.format {
        Format::GeoJson => geojson::read(&input.path, &mut ctx, &mut emit)?,
        Format::Csv => csv::read(&input.path, &mut ctx, &mut emit)?,
        Format::Gpkg => gpkg::read(&input.path, &mut ctx, &mut emit)?,
        Format::Shp => shp::read(&input.path, &mut ctx, &mut emit)?,
        Format::VzdAddress => registers::read_vzd(&input.path, &mut ctx, &mut emit)?,
        Format::CsbGrid => registers::read_csb_grid(&input.path, &mut ctx, &mut emit)?,
        Format::PlanJson => plan::read(&input.path, &mut ctx, &mut emit)?,
    }
    if let Some(e) = sink_error {
        return Err(e);
    }
    if let Some(e) = validator
        .as_ref()
        .and_then(|(_, m)| m.missing_fields(&file))
    {
        return Err(IngestError::Usage(e));
    }
    let layer = match (&validator, input.format) {
        (Some((v, _)), _) => v.layer(),
        (None, Format::PlanJson) => Layer::Plan,
        (None, Format::VzdAddress | Format::CsbGrid) => opts.layer.unwrap_or(Layer::Demand),
        (None, _) => opts.layer.unwrap_or(Layer::Sites),
    };
    stats.read += ctx.rejected;
    if stats.read == 0 && ctx.problems.errors() == errors_before {
        ctx.problems.push(
            problem::At {
                file: &file,
                location: Location::File,
            }
            .problem(
                problem::Severity::Warning,
                None,
                "the file holds no features",
                None,
            ),
        );
    }
    Ok((layer, stats))
}

fn infer_layer(raw: &RawFeature, mapping: &mapping::FieldMapping) -> Option<Layer> {
    let (keys, kind) = mapping.preview(raw);
    let keys: Vec<&str> = keys.iter().map(String::as_str).collect();
    let kind = kind.map(|k| k.to_lowercase());
    crate::model::schema::infer_layer(&keys, kind.as_deref())
}

/// What a reader needs while reading one file.
pub struct ReadContext<'a> {
    pub file: &'a str,
    /// The CRS of the coordinates being read (the reader may change it from
    /// the file's own metadata, unless `crs_given`).
    pub crs: u16,
    /// `--crs` was given: it wins over what the file says.
    pub crs_given: bool,
    pub problems: &'a mut Problems,
    pub opts: &'a Options,
    /// Features the reader itself rejected (they never reached the validator).
    pub rejected: u64,
}

impl fmt::Debug for ReadContext<'_> {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("ReadContext")
            .field("file", &self.file)
            .field("crs", &self.crs)
            .finish()
    }
}

impl ReadContext<'_> {
    pub fn at(&self, location: Location) -> problem::At<'_> {
        problem::At {
            file: self.file,
            location,
        }
    }
    pub fn io_error(&self, source: std::io::Error) -> IngestError {
        IngestError::Io {
            path: self.file.to_owned(),
            source,
        }
    }
}

/// The signature every reader's emit callback has.
pub type Emit<'e> = dyn FnMut(RawFeature, &mut ReadContext) + 'e;

/// A short rendering of a JSON value for messages.
pub(crate) fn validate_short(v: &Value) -> String {
    let s = v.to_string();
    if s.chars().count() > 40 {
        format!("{}…", s.chars().take(40).collect::<String>())
    } else {
        s
    }
}
