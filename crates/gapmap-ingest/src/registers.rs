//! Register readers: the VZD State Address Register buildings file (AW_EKA)
//! and the CSB/Eurostat 1 km population grid. Both give `demand` points with
//! text values; registers carry no provenance (the user passes `--source`,
//! `--source-ref` and `--as-of`).
//!
//! **VZD AW_EKA** comes in two dialects, told apart by the header line:
//! the old `AW_EKA.CSV` (`;`-separated, `#` quotes) and the current
//! `aw_eka.csv` (`,`-separated, `"` quotes); both UTF-8 with a BOM, 21
//! columns `KODS, TIPS_CD, STATUSS, …, STD, KOORD_X, KOORD_Y, DD_N, DD_E`.
//! Only existing buildings are kept (`TIPS_CD = 108`, `STATUSS = EKS`,
//! `FOR_BUILD = N`). `KOORD_X` is the LKS-92 (EPSG:3059) **northing** and
//! `KOORD_Y` the **easting**, in metres (Latvian survey convention); `DD_N` /
//! `DD_E` are WGS84 latitude / longitude in degrees and must agree with them
//! within [`DD_TOLERANCE_M`].
//!
//! **Population grid**: one row per 1 km cell, keyed by `GRD_ID` (or
//! `GRD_NEWID`) in either INSPIRE id form, residents from the first of
//! `TOT_P`, `T`, `TOT_P_2021`, `OBS_VALUE_T`, `OBS_VALUE`, `population`,
//! `residents`, or the latest `TOT_P_<year>`. The point is the cell centre in
//! ETRS89-LAEA (EPSG:3035).

use super::delimited::{self, Quotes, RowRules};
use super::problem::{At, Location, Severity};
use super::{Emit, IngestError, RawFeature, ReadContext};
use gapmap_geo::crs::{CrsError, LAEA, LKS92, Transformer, WGS84};
use gapmap_geo::grid;
use geo_types::{Coord, Geometry, Point};
use serde_json::{Map, Value};
use std::path::Path;

/// How far (metres) the `DD_N`/`DD_E` columns may lie from the point given by
/// `KOORD_X`/`KOORD_Y` before the row is reported.
pub const DD_TOLERANCE_M: f64 = 50.0;

/// Mean Earth radius (metres) for the `DD_*` distance check.
const EARTH_RADIUS_M: f64 = 6_371_008.8;

/// How the register readers report a row they cannot use (it is not counted
/// as a feature read); fields are trimmed.
const ROWS: RowRules = RowRules {
    malformed_hint: "check the quotes of this row",
    width_hint: "every row needs one value per column",
    utf8_hint: "registers are published as UTF-8; convert a Windows-1257 copy to UTF-8",
    count_rejected: false,
    trim: true,
};

/// The header row as trimmed, upper-case names; `None` (with a problem
/// reported) when it cannot be read or is empty.
fn read_headers<R: std::io::Read>(
    rdr: &mut csv::Reader<R>,
    ctx: &mut ReadContext,
    example: &str,
) -> Option<Vec<String>> {
    delimited::read_headers(
        rdr,
        ctx,
        str::to_ascii_uppercase,
        format!("the first row names the columns: {example}"),
    )
}

fn col(headers: &[String], name: &str) -> Option<usize> {
    headers.iter().position(|h| h == name)
}

fn warn(
    ctx: &mut ReadContext,
    location: Location,
    field: Option<&str>,
    message: String,
    hint: Option<String>,
) {
    let p = ctx
        .at(location)
        .problem(Severity::Warning, field, message, hint);
    ctx.problems.push(p);
}

/// A list of line numbers for a message: the first few, then "…".
fn lines_list(lines: &[u64], total: u64) -> String {
    let mut s = lines
        .iter()
        .map(u64::to_string)
        .collect::<Vec<_>>()
        .join(", ");
    if total > lines.len() as u64 {
        s.push_str(", …");
    }
    s
}

/// Great-circle distance in metres between two WGS84 (lon, lat) points.
fn distance_m(a: (f64, f64), b: (f64, f64)) -> f64 {
    let (lon1, lat1) = (a.0.to_radians(), a.1.to_radians());
    let (lon2, lat2) = (b.0.to_radians(), b.1.to_radians());
    let h = ((lat2 - lat1) / 2.0).sin().powi(2)
        + lat1.cos() * lat2.cos() * ((lon2 - lon1) / 2.0).sin().powi(2);
    2.0 * EARTH_RADIUS_M * h.sqrt().min(1.0).asin()
}

fn parse_f64(s: &str) -> Option<f64> {
    s.trim()
        .replace(',', ".")
        .parse::<f64>()
        .ok()
        .filter(|v| v.is_finite())
}

/// Rows of AW_EKA left out, by reason, for the one summary warning.
#[derive(Debug, Default)]
struct Skipped {
    not_building_type: u64,
    not_existing: u64,
    land_for_building: u64,
    no_coordinates: u64,
    no_coordinates_lines: Vec<u64>,
}

impl Skipped {
    /// The summary warnings: rows that are not existing buildings, and
    /// buildings without coordinates.
    fn report(&self, ctx: &mut ReadContext) {
        let left_out = self.not_building_type + self.not_existing + self.land_for_building;
        if left_out > 0 {
            warn(
                ctx,
                Location::File,
                None,
                format!(
                    "left out {left_out} rows that are not existing buildings: {} with TIPS_CD other than 108, {} with STATUSS other than EKS (DEL, ERR), {} with FOR_BUILD = Y (land for building)",
                    self.not_building_type, self.not_existing, self.land_for_building
                ),
                None,
            );
        }
        if self.no_coordinates > 0 {
            warn(
                ctx,
                Location::File,
                Some("KOORD_X, KOORD_Y"),
                format!(
                    "left out {} existing buildings without coordinates (lines {})",
                    self.no_coordinates,
                    lines_list(&self.no_coordinates_lines, self.no_coordinates)
                ),
                None,
            );
        }
    }
}

/// The AW_EKA columns every row needs.
const VZD_REQUIRED: [&str; 6] = [
    "KODS",
    "TIPS_CD",
    "STATUSS",
    "FOR_BUILD",
    "KOORD_X",
    "KOORD_Y",
];

/// Where the AW_EKA columns that are read stand in a row.
#[derive(Debug)]
struct VzdColumns {
    kods: usize,
    tips: usize,
    stat: usize,
    build: usize,
    x: usize,
    y: usize,
    std: Option<usize>,
    name: Option<usize>,
    /// `DD_N` and `DD_E`, when the file has both.
    dd: Option<(usize, usize)>,
}

impl VzdColumns {
    /// Find the columns; `None` (with one problem per missing column) when
    /// a required one is missing.
    fn find(headers: &[String], ctx: &mut ReadContext) -> Option<VzdColumns> {
        let missing: Vec<&str> = VZD_REQUIRED
            .iter()
            .copied()
            .filter(|c| col(headers, c).is_none())
            .collect();
        if !missing.is_empty() {
            for m in &missing {
                ctx.problems.push(ctx.at(Location::Line(1)).error(
                    Some(m),
                    format!("column {m} is missing from the header"),
                    Some("this reader takes the VZD AW_EKA buildings file (columns KODS, TIPS_CD, STATUSS, …, FOR_BUILD, …, KOORD_X, KOORD_Y, DD_N, DD_E)".into()),
                ));
            }
            return None;
        }
        let idx = |c: &str| col(headers, c).unwrap_or(usize::MAX);
        Some(VzdColumns {
            kods: idx("KODS"),
            tips: idx("TIPS_CD"),
            stat: idx("STATUSS"),
            build: idx("FOR_BUILD"),
            x: idx("KOORD_X"),
            y: idx("KOORD_Y"),
            std: col(headers, "STD"),
            name: col(headers, "NOSAUKUMS"),
            dd: col(headers, "DD_N").zip(col(headers, "DD_E")),
        })
    }
}

/// What turns AW_EKA rows into features: the columns, and the transforms
/// from the file's CRS to WGS84 (for the `DD_*` check) and to the grid's.
#[derive(Debug)]
struct Vzd {
    cols: VzdColumns,
    /// With an unusual `--crs` there may be none: `DD_*` is not compared.
    to_wgs84: Result<Transformer, CrsError>,
    to_laea: Transformer,
}

impl Vzd {
    /// Take the CRS (LKS-92 unless `--crs`) and make the transforms; `None`
    /// (with a problem reported) when there is none to the grid's CRS.
    fn new(cols: VzdColumns, ctx: &mut ReadContext) -> Option<Vzd> {
        if !ctx.crs_given {
            ctx.crs = LKS92;
        }
        let to_wgs84 = Transformer::new(ctx.crs, WGS84);
        let to_laea = match Transformer::new(ctx.crs, LAEA) {
            Ok(t) => t,
            Err(e) => {
                ctx.problems.push(ctx.at(Location::File).error(
                    Some("KOORD_X"),
                    e.to_string(),
                    Some("KOORD_X/KOORD_Y are LKS-92 metres (EPSG:3059); leave out --crs".into()),
                ));
                return None;
            }
        };
        Some(Vzd {
            cols,
            to_wgs84,
            to_laea,
        })
    }

    /// Whether a row is an existing building; the others are counted in
    /// `skipped` by reason.
    fn is_existing_building(&self, fields: &[String], skipped: &mut Skipped) -> bool {
        if fields[self.cols.tips] != "108" {
            skipped.not_building_type += 1;
            return false;
        }
        if !fields[self.cols.stat].eq_ignore_ascii_case("EKS") {
            skipped.not_existing += 1;
            return false;
        }
        if !fields[self.cols.build].eq_ignore_ascii_case("N") {
            skipped.land_for_building += 1;
            return false;
        }
        true
    }

    /// The `demand` point of one row; `None` when the row is not an
    /// existing building or has no coordinates (counted in `skipped`), or
    /// has a problem (reported).
    fn feature(
        &self,
        line: u64,
        fields: &[String],
        skipped: &mut Skipped,
        ctx: &mut ReadContext,
    ) -> Option<RawFeature> {
        if !self.is_existing_building(fields, skipped) {
            return None;
        }
        let at = ctx.at(Location::Line(line));
        let kods = fields[self.cols.kods].as_str();
        if kods.is_empty() {
            ctx.problems.push(at.error(
                Some("KODS"),
                "the address code is empty",
                Some("every address has its 9-digit KODS".into()),
            ));
            return None;
        }
        let (xs, ys) = (fields[self.cols.x].as_str(), fields[self.cols.y].as_str());
        if xs.is_empty() && ys.is_empty() {
            skipped.no_coordinates += 1;
            if skipped.no_coordinates_lines.len() < 10 {
                skipped.no_coordinates_lines.push(line);
            }
            return None;
        }
        // KOORD_X is the northing, KOORD_Y the easting.
        let (northing, easting) = match delimited::coordinate_pair(
            ("KOORD_X", xs),
            ("KOORD_Y", ys),
            parse_f64,
        ) {
            Ok(p) => p,
            Err((c, msg)) => {
                ctx.problems.push(at.error(Some(c), msg, Some("LKS-92 metres, e.g. KOORD_X 278461.70 (northing), KOORD_Y 482831.26 (easting)".into())));
                return None;
            }
        };
        if let Some(dd) = self.cols.dd
            && let Err(p) = self.check_dd(fields, dd, (northing, easting), &at)
        {
            ctx.problems.push(*p);
            return None;
        }
        let cell_id = match self.to_laea.convert(easting, northing) {
            Ok((x, y)) => grid::cell_id_of(x, y),
            Err(e) => {
                ctx.problems.push(at.error(
                    Some("KOORD_X"),
                    format!("cannot place ({northing}, {easting}) on the 1 km grid: {e}"),
                    None,
                ));
                return None;
            }
        };
        let props = self.props(fields, cell_id);
        let point = Geometry::Point(Point(Coord {
            x: easting,
            y: northing,
        }));
        Some(RawFeature::row(
            Location::Line(line),
            Some(format!("vzd-{kods}")),
            Some(point),
            props,
        ))
    }

    /// The properties of a building: no residents (the grid gives them),
    /// its origin, address (`STD`, else `NOSAUKUMS`) and 1 km cell.
    fn props(&self, fields: &[String], cell_id: String) -> Map<String, Value> {
        let address = self
            .cols
            .std
            .map(|i| fields[i].as_str())
            .filter(|s| !s.is_empty())
            .or_else(|| self.cols.name.map(|i| fields[i].as_str()));
        let mut props = Map::new();
        props.insert("residents".into(), Value::String("0".into()));
        props.insert("origin".into(), Value::String("address_register".into()));
        if let Some(a) = address.filter(|s| !s.is_empty()) {
            props.insert("address".into(), Value::String(a.to_owned()));
        }
        props.insert("cell_id".into(), Value::String(cell_id));
        props
    }

    /// Check a row's `DD_N`/`DD_E` (columns `dd`) against its
    /// (northing, easting): empty, or within [`DD_TOLERANCE_M`] of it, or
    /// not comparable (no transform to WGS84); else the problem.
    fn check_dd(
        &self,
        fields: &[String],
        (i_n, i_e): (usize, usize),
        (northing, easting): (f64, f64),
        at: &At,
    ) -> Result<(), Box<super::problem::Problem>> {
        let (ns, es) = (fields[i_n].as_str(), fields[i_e].as_str());
        if ns.is_empty() && es.is_empty() {
            return Ok(());
        }
        let (lat, lon) = delimited::coordinate_pair(("DD_N", ns), ("DD_E", es), parse_f64)
            .map_err(|(c, msg)| {
                Box::new(at.error(
                    Some(c),
                    msg,
                    Some("decimal degrees, e.g. DD_N 56.65, DD_E 23.72".into()),
                ))
            })?;
        // With an unusual --crs there may be no transform: nothing to compare.
        let Ok(t) = &self.to_wgs84 else {
            return Ok(());
        };
        match t.convert(easting, northing) {
            Ok((plon, plat)) => {
                let d = distance_m((plon, plat), (lon, lat));
                if d > DD_TOLERANCE_M {
                    return Err(Box::new(at.error(
                        Some("DD_N, DD_E"),
                        format!(
                            "DD_N/DD_E ({lat}, {lon}) lie {d:.0} m from KOORD_X/KOORD_Y ({northing}, {easting}), which is ({plat:.6}, {plon:.6}); they must agree within {DD_TOLERANCE_M} m"
                        ),
                        Some("KOORD_X is the LKS-92 northing and KOORD_Y the easting; check the row for swapped or mistyped coordinates".into()),
                    )));
                }
                Ok(())
            }
            Err(e) => Err(Box::new(at.error(
                Some("KOORD_X"),
                format!("cannot transform ({northing}, {easting}): {e}"),
                None,
            ))),
        }
    }
}

/// Read the VZD address register buildings file (AW_EKA), either dialect.
/// Emits one `demand` point per existing building: id `vzd-{KODS}`, point
/// (`KOORD_Y` easting, `KOORD_X` northing) in EPSG:3059 (unless `--crs`),
/// `residents` 0 (the population grid supplies them), `origin`
/// `address_register`, `address` (`STD`, else `NOSAUKUMS`) and the 1 km
/// `cell_id` of the point.
pub fn read_vzd(path: &Path, ctx: &mut ReadContext, emit: &mut Emit) -> Result<(), IngestError> {
    let mut rdr = delimited::open(path, ctx, Quotes::Sniffed)?;
    let Some(headers) = read_headers(
        &mut rdr,
        ctx,
        "KODS,TIPS_CD,STATUSS,…,KOORD_X,KOORD_Y,DD_N,DD_E",
    ) else {
        return Ok(());
    };
    let Some(cols) = VzdColumns::find(&headers, ctx) else {
        return Ok(());
    };
    let Some(vzd) = Vzd::new(cols, ctx) else {
        return Ok(());
    };
    let mut skipped = Skipped::default();
    delimited::for_each_row(&mut rdr, &headers, &ROWS, ctx, |line, fields, ctx| {
        if let Some(raw) = vzd.feature(line, &fields, &mut skipped, ctx) {
            emit(raw, ctx);
        }
    });
    skipped.report(ctx);
    Ok(())
}

/// Columns that may give a cell's residents, in order of preference.
const POPULATION_COLUMNS: &[&str] = &[
    "TOT_P",
    "T",
    "TOT_P_2021",
    "OBS_VALUE_T",
    "OBS_VALUE",
    "POPULATION",
    "RESIDENTS",
];

/// Pick the residents column: the first of [`POPULATION_COLUMNS`], else the
/// latest `TOT_P_<year>`.
fn population_column(headers: &[String]) -> Option<usize> {
    if let Some(i) = POPULATION_COLUMNS.iter().find_map(|c| col(headers, c)) {
        return Some(i);
    }
    headers
        .iter()
        .enumerate()
        .filter_map(|(i, h)| {
            h.strip_prefix("TOT_P_")
                .and_then(|y| y.parse::<u16>().ok())
                .map(|y| (y, i))
        })
        .max()
        .map(|(_, i)| i)
}

/// Where the population grid's columns stand in a row, and their names.
#[derive(Debug)]
struct GridColumns {
    id: usize,
    pop: usize,
    /// `<pop>_CI`, the confidentiality flag, if any.
    flag: Option<usize>,
    id_name: String,
    pop_name: String,
}

/// What the grid reader counts for its summary warnings.
#[derive(Debug, Default)]
struct GridTally {
    confidential: u64,
    confidential_lines: Vec<u64>,
    flagged: u64,
    rounded: u64,
    fives: u64,
    small_not_five: u64,
}

impl GridColumns {
    /// Find the cell id and population columns; `None` (with a problem
    /// reported) when either is missing.
    fn find(headers: &[String], ctx: &mut ReadContext) -> Option<GridColumns> {
        let Some(id) = col(headers, "GRD_ID").or_else(|| col(headers, "GRD_NEWID")) else {
            ctx.problems.push(ctx.at(Location::Line(1)).error(
                Some("GRD_ID"),
                "no cell id column (GRD_ID or GRD_NEWID)",
                Some(
                    "the grid file needs a GRD_ID column with INSPIRE ids such as 1kmN3807E5157"
                        .into(),
                ),
            ));
            return None;
        };
        let Some(pop) = population_column(headers) else {
            ctx.problems.push(ctx.at(Location::Line(1)).error(
                Some("TOT_P"),
                format!(
                    "no population column (one of {}, or TOT_P_<year>); the columns are {}",
                    POPULATION_COLUMNS.join(", "),
                    headers.join(", ")
                ),
                None,
            ));
            return None;
        };
        let pop_name = headers[pop].clone();
        Some(GridColumns {
            id,
            pop,
            flag: col(headers, &format!("{pop_name}_CI")),
            id_name: headers[id].clone(),
            pop_name,
        })
    }

    /// The `demand` point of one cell; `None` when the cell has a problem
    /// (reported), or no residents, or they are confidential (counted).
    fn feature(
        &self,
        line: u64,
        fields: &[String],
        tally: &mut GridTally,
        ctx: &mut ReadContext,
    ) -> Option<RawFeature> {
        let at = ctx.at(Location::Line(line));
        let id_text = fields[self.id].as_str();
        let Some((n, e)) = grid::parse_cell_id(id_text) else {
            let msg = if id_text.is_empty() {
                "the cell id is empty".to_owned()
            } else {
                format!("`{id_text}` is not a 1 km INSPIRE cell id")
            };
            ctx.problems.push(at.error(Some(&self.id_name), msg, Some("1kmN3807E5157 or CRS3035RES1000mN3807000E5157000 (other resolutions are not supported)".into())));
            return None;
        };
        let value = fields[self.pop].as_str();
        let number = parse_f64(value);
        let residents = match number {
            None if value.is_empty() => None,
            Some(v) if v == -9999.0 || v < 0.0 => None,
            Some(v) => Some(v),
            None => {
                ctx.problems.push(at.error(
                    Some(&self.pop_name),
                    format!("`{value}` is not a number"),
                    Some("a count of residents, or -9999 / empty when confidential".into()),
                ));
                return None;
            }
        };
        let Some(v) = residents else {
            tally.confidential += 1;
            if tally.confidential_lines.len() < 10 {
                tally.confidential_lines.push(line);
            }
            return None;
        };
        if self.flag.is_some_and(|i| fields[i] == "-9999") {
            tally.flagged += 1;
        }
        let count = v.round();
        if count != v {
            tally.rounded += 1;
        }
        if count == 0.0 {
            return None;
        }
        if count == 5.0 {
            tally.fives += 1;
        } else if count <= 10.0 {
            tally.small_not_five += 1;
        }
        let cell_id = grid::cell_id(n, e);
        let centre = grid::cell_centre_3035(n, e);
        let mut props = Map::new();
        props.insert("residents".into(), Value::String(format!("{count:.0}")));
        props.insert("origin".into(), Value::String("population_grid".into()));
        props.insert("cell_id".into(), Value::String(cell_id.clone()));
        Some(RawFeature::row(
            Location::Line(line),
            Some(format!("grid-{cell_id}")),
            Some(Geometry::Point(centre)),
            props,
        ))
    }
}

impl GridTally {
    /// The summary warnings on the population column `pop_col`:
    /// confidential and flagged cells, rounded counts, CSP's fives.
    fn report(&self, pop_col: &str, ctx: &mut ReadContext) {
        if self.confidential > 0 {
            warn(
                ctx,
                Location::File,
                Some(pop_col),
                format!(
                    "left out {} cells whose {pop_col} is confidential or missing (-9999, negative or empty; lines {})",
                    self.confidential,
                    lines_list(&self.confidential_lines, self.confidential)
                ),
                Some("their residents are not counted; a newer or less detailed release may publish them".into()),
            );
        }
        if self.flagged > 0 {
            warn(
                ctx,
                Location::File,
                Some(&format!("{pop_col}_CI")),
                format!(
                    "{} cells are flagged confidential ({pop_col}_CI = -9999); their published counts are used as they are",
                    self.flagged
                ),
                None,
            );
        }
        if self.rounded > 0 {
            warn(
                ctx,
                Location::File,
                Some(pop_col),
                format!(
                    "{} counts were not whole numbers and were rounded to the nearest resident",
                    self.rounded
                ),
                None,
            );
        }
        if self.fives > 0 && self.small_not_five == 0 {
            warn(
                ctx,
                Location::File,
                Some(pop_col),
                format!(
                    "{} cells hold exactly 5 residents and none hold 1–4 or 6–10: this looks like CSP's rule that 1–10 residents are published as 5",
                    self.fives
                ),
                Some("treat those cells as 1–10 residents; their total is uncertain".into()),
            );
        }
    }
}

/// Read a 1 km population grid (GEOSTAT 2011, Census 2021, GISCO or CSP
/// style). Emits one `demand` point per populated cell at the cell centre in
/// EPSG:3035 (unless `--crs`): id `grid-{cell_id}`, `residents`, `origin`
/// `population_grid`, `cell_id` in the `1kmN…E…` form. Confidential or empty
/// counts (`-9999`, blank) are skipped with one warning; cells with no
/// residents are skipped silently.
pub fn read_csb_grid(
    path: &Path,
    ctx: &mut ReadContext,
    emit: &mut Emit,
) -> Result<(), IngestError> {
    let mut rdr = delimited::open(path, ctx, Quotes::Double)?;
    let Some(headers) = read_headers(&mut rdr, ctx, "GRD_ID,TOT_P") else {
        return Ok(());
    };
    let Some(cols) = GridColumns::find(&headers, ctx) else {
        return Ok(());
    };
    if !ctx.crs_given {
        ctx.crs = LAEA;
    }
    let mut tally = GridTally::default();
    delimited::for_each_row(&mut rdr, &headers, &ROWS, ctx, |line, fields, ctx| {
        if let Some(raw) = cols.feature(line, &fields, &mut tally, ctx) {
            emit(raw, ctx);
        }
    });
    tally.report(&cols.pop_name, ctx);
    Ok(())
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::problem::{Problem, Problems};
    use crate::{DefaultProvenance, Format, IngestError, Options, read_to_vec};
    use chrono::NaiveDate;
    use gapmap_model::{Layer, Record, Source};
    use std::path::PathBuf;

    fn fixture(name: &str) -> PathBuf {
        Path::new(env!("CARGO_MANIFEST_DIR"))
            .join("../../tests/fixtures/registers")
            .join(name)
    }

    fn opts(format: Option<Format>) -> Options {
        Options {
            layer: None,
            format,
            provenance: DefaultProvenance {
                source: Some(Source::Official),
                source_ref: Some("https://data.gov.lv/ (synthetic test fixture)".into()),
                as_of: NaiveDate::from_ymd_opt(2026, 9, 30),
            },
            ..Options::default()
        }
    }

    fn read(
        path: &Path,
        format: Option<Format>,
    ) -> Result<(Layer, Vec<Record>, Vec<Problem>), IngestError> {
        let mut problems = Problems::default();
        let (layer, records) = read_to_vec(path, &opts(format), &mut problems)?;
        Ok((layer, records, problems.into_vec()))
    }

    fn by_id<'a>(records: &'a [Record], id: &str) -> &'a Record {
        records
            .iter()
            .find(|r| r.id == id)
            .unwrap_or_else(|| panic!("no record {id}"))
    }

    /// The problems of one severity.
    fn of_severity(problems: &[Problem], severity: Severity) -> Vec<&Problem> {
        problems.iter().filter(|p| p.severity == severity).collect()
    }

    fn lon_lat(r: &Record) -> (f64, f64) {
        let p = r.point().unwrap_or_else(|e| panic!("{e}"));
        (p.x(), p.y())
    }

    #[test]
    fn vzd_old_dialect() -> Result<(), IngestError> {
        let path = fixture("aw_eka_old.csv");
        // Recognised from the header line without --format.
        let (layer, records, problems) = read(&path, None)?;
        assert_eq!(layer, Layer::Demand);
        let ids: Vec<&str> = records.iter().map(|r| r.id.as_str()).collect();
        assert_eq!(ids, ["vzd-990000013", "vzd-990000021", "vzd-990000039"]);
        let a = by_id(&records, "vzd-990000013");
        assert_eq!(a.str("origin"), Some("address_register"));
        assert_eq!(a.props.get("residents"), Some(&Value::from(0)));
        assert_eq!(
            a.str("address"),
            Some("Ābeļu iela 3, Ozolnieki, Ozolnieku pag., Jelgavas nov., LV-3018")
        );
        assert_eq!(a.str("cell_id"), Some("1kmN3812E5160"));
        assert_eq!(a.str("source"), Some("official"));
        assert_eq!(a.str("as_of"), Some("2026-09-30"));
        // KOORD_Y easting / KOORD_X northing back to the row's own DD_E / DD_N.
        let (lon, lat) = lon_lat(a);
        assert!(
            (lon - 23.79012).abs() < 1e-6 && (lat - 56.68921).abs() < 1e-6,
            "{lon} {lat}"
        );
        assert_eq!(
            by_id(&records, "vzd-990000039").str("address"),
            Some("\"Ķiršu mājas\", Vircavas pag., Jelgavas nov., LV-3020")
        );
        assert_eq!(
            by_id(&records, "vzd-990000039").str("cell_id"),
            Some("1kmN3794E5160")
        );

        let errors = of_severity(&problems, Severity::Error);
        assert_eq!(errors.len(), 1, "{problems:#?}");
        assert_eq!(errors[0].location, Location::Line(5));
        assert_eq!(errors[0].field.as_deref(), Some("DD_N, DD_E"));
        assert!(errors[0].file.ends_with("aw_eka_old.csv"));
        assert!(
            errors[0].message.contains("1112 m")
                || errors[0].message.contains(" m from KOORD_X/KOORD_Y"),
            "{}",
            errors[0].message
        );
        let warnings = of_severity(&problems, Severity::Warning);
        assert_eq!(warnings.len(), 1, "{warnings:#?}");
        assert_eq!(warnings[0].location, Location::File);
        assert!(
            warnings[0].message.starts_with("left out 2 rows"),
            "{}",
            warnings[0].message
        );
        assert!(
            warnings[0]
                .message
                .contains("1 with STATUSS other than EKS")
        );
        assert!(warnings[0].message.contains("1 with FOR_BUILD = Y"));
        Ok(())
    }

    #[test]
    fn vzd_new_dialect() -> Result<(), IngestError> {
        let (layer, records, problems) =
            read(&fixture("aw_eka_new.csv"), Some(Format::VzdAddress))?;
        assert_eq!(layer, Layer::Demand);
        let ids: Vec<&str> = records.iter().map(|r| r.id.as_str()).collect();
        assert_eq!(ids, ["vzd-990000071", "vzd-990000089", "vzd-990000097"]);
        assert_eq!(
            by_id(&records, "vzd-990000071").str("cell_id"),
            Some("1kmN3782E5160")
        );
        assert_eq!(
            by_id(&records, "vzd-990000071").str("address"),
            Some("\"Zemgaļi\", Elejas pag., Jelgavas nov., LV-3023")
        );
        // No STD: the name.
        assert_eq!(
            by_id(&records, "vzd-990000097").str("address"),
            Some("Vircavas skola")
        );
        let (lon, lat) = lon_lat(by_id(&records, "vzd-990000071"));
        assert!((lon - 23.6941).abs() < 1e-6 && (lat - 56.4239).abs() < 1e-6);
        let errors = of_severity(&problems, Severity::Error);
        assert_eq!(errors.len(), 1, "{problems:#?}");
        assert_eq!(
            (errors[0].location.clone(), errors[0].field.as_deref()),
            (Location::Line(5), Some("DD_N, DD_E"))
        );
        assert_eq!(
            problems
                .iter()
                .filter(|p| p.severity == Severity::Warning)
                .count(),
            1
        );
        Ok(())
    }

    #[test]
    fn vzd_swapped_axes_are_caught_by_dd() -> Result<(), Box<dyn std::error::Error>> {
        let dir = tempfile::tempdir()?;
        let path = dir.path().join("swapped.csv");
        std::fs::write(
            &path,
            "\u{feff}KODS,TIPS_CD,STATUSS,FOR_BUILD,STD,KOORD_X,KOORD_Y,DD_N,DD_E\n\
             990000135,108,EKS,N,Test,487144.155,282810.772,56.689210,23.790120\n\
             990000143,108,EKS,N,Test 2,,,,\n\
             990000151,108,EKS,N,Test 3,282810.772,abc,56.689210,23.790120\n",
        )?;
        let (_, records, problems) = read(&path, Some(Format::VzdAddress))?;
        assert!(records.is_empty());
        let errors: Vec<(Location, Option<&str>)> = problems
            .iter()
            .filter(|p| p.severity == Severity::Error)
            .map(|p| (p.location.clone(), p.field.as_deref()))
            .collect();
        assert_eq!(
            errors,
            [
                (Location::Line(2), Some("DD_N, DD_E")),
                (Location::Line(4), Some("KOORD_Y"))
            ],
            "{problems:#?}"
        );
        assert!(
            problems
                .iter()
                .any(|p| p.message.contains("without coordinates (lines 3)")),
            "{problems:#?}"
        );
        Ok(())
    }

    #[test]
    fn vzd_missing_columns() -> Result<(), Box<dyn std::error::Error>> {
        let dir = tempfile::tempdir()?;
        let path = dir.path().join("aw_iela.csv");
        std::fs::write(&path, "KODS;TIPS_CD;STATUSS;KOORD_X\n1;107;EKS;1\n")?;
        let (_, records, problems) = read(&path, Some(Format::VzdAddress))?;
        assert!(records.is_empty());
        let fields: Vec<&str> = problems
            .iter()
            .filter(|p| p.severity == Severity::Error)
            .filter_map(|p| p.field.as_deref())
            .collect();
        assert_eq!(fields, ["FOR_BUILD", "KOORD_Y"]);
        assert!(
            problems
                .iter()
                .filter(|p| p.severity == Severity::Error)
                .all(|p| p.location == Location::Line(1))
        );
        Ok(())
    }

    #[test]
    fn geostat_grid() -> Result<(), IngestError> {
        let (layer, records, problems) = read(&fixture("grid_geostat.csv"), None)?;
        assert_eq!(layer, Layer::Demand);
        let ids: Vec<&str> = records.iter().map(|r| r.id.as_str()).collect();
        assert_eq!(
            ids,
            [
                "grid-1kmN3812E5160",
                "grid-1kmN3794E5160",
                "grid-1kmN3807E5157"
            ]
        );
        let j = by_id(&records, "grid-1kmN3807E5157");
        assert_eq!(j.props.get("residents"), Some(&Value::from(230)));
        assert_eq!(j.str("origin"), Some("population_grid"));
        assert_eq!(j.str("cell_id"), Some("1kmN3807E5157"));
        // The centre (E 5157500, N 3807500) back in WGS84 lies in the cell.
        let (lon, lat) = lon_lat(j);
        let t = Transformer::new(WGS84, LAEA).unwrap_or_else(|e| panic!("{e}"));
        let (x, y) = t.convert(lon, lat).unwrap_or_else(|e| panic!("{e}"));
        assert!(
            (x - 5_157_500.0).abs() < 1e-3 && (y - 3_807_500.0).abs() < 1e-3,
            "{x} {y}"
        );
        assert!(
            problems.iter().all(|p| p.severity == Severity::Warning),
            "{problems:#?}"
        );
        assert_eq!(problems.len(), 1, "{problems:#?}");
        assert_eq!(problems[0].field.as_deref(), Some("TOT_P"));
        assert!(
            problems[0].message.starts_with("left out 2 cells"),
            "{}",
            problems[0].message
        );
        assert!(
            problems[0].message.contains("lines 5, 7"),
            "{}",
            problems[0].message
        );
        Ok(())
    }

    #[test]
    fn census_2021_grid() -> Result<(), IngestError> {
        let (_, records, problems) = read(&fixture("grid_census2021.csv"), Some(Format::CsbGrid))?;
        let got: Vec<(&str, Option<&Value>)> = records
            .iter()
            .map(|r| (r.id.as_str(), r.props.get("residents")))
            .collect();
        assert_eq!(
            got,
            [
                ("grid-1kmN3812E5160", Some(&Value::from(9))),
                ("grid-1kmN3782E5160", Some(&Value::from(3)))
            ]
        );
        let errors = of_severity(&problems, Severity::Error);
        assert_eq!(errors.len(), 1, "{problems:#?}");
        assert_eq!(
            (errors[0].location.clone(), errors[0].field.as_deref()),
            (Location::Line(5), Some("GRD_ID"))
        );
        assert!(
            problems.iter().any(|p| p.field.as_deref() == Some("T_CI")
                && p.message.starts_with("1 cells are flagged"))
        );
        assert!(
            problems
                .iter()
                .any(|p| p.field.as_deref() == Some("T")
                    && p.message.starts_with("left out 1 cells"))
        );
        Ok(())
    }

    #[test]
    fn csp_fives_and_fractions() -> Result<(), Box<dyn std::error::Error>> {
        let dir = tempfile::tempdir()?;
        let path = dir.path().join("csp.csv");
        std::fs::write(
            &path,
            "grd_id;population\n1kmN3812E5160;5\n1kmN3794E5160;5\n1kmN3807E5157;231.6\n1kmN3807E5158;x\n",
        )?;
        let (_, records, problems) = read(&path, Some(Format::CsbGrid))?;
        assert_eq!(records.len(), 3);
        assert_eq!(
            by_id(&records, "grid-1kmN3807E5157").props.get("residents"),
            Some(&Value::from(232))
        );
        assert!(
            problems
                .iter()
                .any(|p| p.message.contains("1–10 residents are published as 5")),
            "{problems:#?}"
        );
        assert!(problems.iter().any(|p| p.message.contains("rounded")));
        let e = of_severity(&problems, Severity::Error);
        assert_eq!(
            (e.len(), e[0].location.clone(), e[0].field.as_deref()),
            (1, Location::Line(5), Some("POPULATION"))
        );
        Ok(())
    }

    #[test]
    fn grid_without_population_column() -> Result<(), Box<dyn std::error::Error>> {
        let dir = tempfile::tempdir()?;
        let path = dir.path().join("g.csv");
        std::fs::write(&path, "GRD_ID,CNTR_CODE\n1kmN3812E5160,LV\n")?;
        let (layer, records, problems) = read(&path, None)?;
        assert_eq!(layer, Layer::Demand);
        assert!(records.is_empty());
        assert!(problems.iter().any(|p| p.severity == Severity::Error
            && p.location == Location::Line(1)
            && p.field.as_deref() == Some("TOT_P")));
        Ok(())
    }
}
