//! CSV reader: a header row, then one feature per record. Geometry from
//! `lon`/`lat` (or `x`/`y` with `--crs`), or a WKT column (`wkt`, `geometry`).
//! Separator `,`, `;` or tab, detected from the header; UTF-8 with or without
//! BOM; CRLF; quoted fields may hold newlines (lines are counted right).

use super::delimited::{self, Quotes, RowRules};
use super::problem::{At, Location, Problem};
use super::{Emit, IngestError, RawFeature, ReadContext};
use geo_types::{Coord, Geometry, Point};
use geozero::ToGeo;
use serde_json::{Map, Value};
use std::path::Path;

const LON: &[&str] = &["lon", "lng", "long", "longitude", "lon_wgs84", "dd_e"];
const LAT: &[&str] = &["lat", "latitude", "lat_wgs84", "dd_n"];
const X: &[&str] = &["x", "easting", "e"];
const Y: &[&str] = &["y", "northing", "n"];
const WKT: &[&str] = &["wkt", "geometry", "geom", "the_geom"];

/// How a CSV file gives its geometry.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum GeomColumns {
    LonLat(usize, usize),
    Xy(usize, usize),
    Wkt(usize),
    None,
}

/// How the CSV reader reports a row it cannot use: every such row counts as
/// a feature read and rejected.
const ROWS: RowRules = RowRules {
    malformed_hint: "check quotes: a field with the separator or a newline must be in double quotes",
    width_hint: "every row needs one value per column (quote values that contain the separator)",
    utf8_hint: "save the file as UTF-8 (Latvian Windows-1257 files must be converted)",
    count_rejected: true,
    trim: false,
};

pub fn read(path: &Path, ctx: &mut ReadContext, emit: &mut Emit) -> Result<(), IngestError> {
    let mut rdr = delimited::open(path, ctx, Quotes::Double)?;
    let Some(headers) = delimited::read_headers(
        &mut rdr,
        ctx,
        str::to_lowercase,
        "the first row names the columns, e.g. id,name,lon,lat".into(),
    ) else {
        return Ok(());
    };
    let Some(columns) = Columns::find(headers, ctx) else {
        return Ok(());
    };
    delimited::for_each_row(
        &mut rdr,
        &columns.headers,
        &ROWS,
        ctx,
        |line, fields, ctx| {
            if let Some(raw) = columns.feature(line, fields, ctx) {
                emit(raw, ctx);
            }
        },
    );
    Ok(())
}

fn find(headers: &[String], names: &[&str]) -> Option<usize> {
    names
        .iter()
        .find_map(|n| headers.iter().position(|h| h == n))
}

/// The columns of a CSV file: their names, and which give the geometry.
#[derive(Debug)]
struct Columns {
    headers: Vec<String>,
    geom: GeomColumns,
    /// The columns `geom` names (not properties).
    geom_cols: Vec<usize>,
}

impl Columns {
    /// Find the geometry columns; `None` (with a problem reported) when
    /// they are x/y and no CRS was given.
    fn find(headers: Vec<String>, ctx: &mut ReadContext) -> Option<Columns> {
        let geom = match (
            find(&headers, LON),
            find(&headers, LAT),
            find(&headers, X),
            find(&headers, Y),
            find(&headers, WKT),
        ) {
            (Some(x), Some(y), ..) => GeomColumns::LonLat(x, y),
            (_, _, Some(x), Some(y), _) => GeomColumns::Xy(x, y),
            (.., Some(w)) => GeomColumns::Wkt(w),
            _ => GeomColumns::None,
        };
        if let GeomColumns::Xy(..) = geom
            && !ctx.crs_given
        {
            ctx.problems.push(ctx.at(Location::Line(1)).error(
                Some("x"),
                "columns x/y need a CRS",
                Some("pass --crs, e.g. --crs EPSG:3059 for LKS-92 metres (x = easting)".into()),
            ));
            return None;
        }
        let geom_cols: Vec<usize> = match geom {
            GeomColumns::LonLat(a, b) | GeomColumns::Xy(a, b) => vec![a, b],
            GeomColumns::Wkt(a) => vec![a],
            GeomColumns::None => vec![],
        };
        Some(Columns {
            headers,
            geom,
            geom_cols,
        })
    }

    /// The feature of one record; `None` (with a problem reported and the row
    /// counted as rejected) when its geometry cannot be read.
    fn feature(&self, line: u64, fields: Vec<String>, ctx: &mut ReadContext) -> Option<RawFeature> {
        let at = ctx.at(Location::Line(line));
        let geometry = match self.geometry(&fields, &at) {
            Ok(g) => g,
            Err(p) => {
                ctx.problems.push(*p);
                ctx.rejected += 1;
                return None;
            }
        };
        let mut props = Map::new();
        let mut id = None;
        for (i, (h, v)) in self.headers.iter().zip(fields).enumerate() {
            if self.geom_cols.contains(&i) || h.is_empty() {
                continue;
            }
            if h == "id" {
                id = Some(v.trim().to_owned()).filter(|s| !s.is_empty());
                continue;
            }
            props.insert(h.clone(), Value::String(v));
        }
        Some(RawFeature::row(Location::Line(line), id, geometry, props))
    }

    /// The geometry of one record from its coordinate or WKT columns, or the
    /// problem with them.
    fn geometry(&self, fields: &[String], at: &At) -> Result<Option<Geometry<f64>>, Box<Problem>> {
        let headers = &self.headers;
        match self.geom {
            GeomColumns::LonLat(x, y) | GeomColumns::Xy(x, y) => delimited::coordinate_pair(
                (&headers[x], &fields[x]),
                (&headers[y], &fields[y]),
                parse_number,
            )
            .map(|(x, y)| Some(Geometry::Point(Point(Coord { x, y }))))
            .map_err(|(col, msg)| {
                Box::new(at.error(
                    Some(col),
                    msg,
                    Some("coordinates are decimal numbers with a point, e.g. 23.7134".into()),
                ))
            }),
            GeomColumns::Wkt(w) if fields[w].trim().is_empty() => Ok(None),
            GeomColumns::Wkt(w) => match geozero::wkt::Wkt(fields[w].trim()).to_geo() {
                Ok(g) => Ok(Some(g)),
                Err(e) => Err(Box::new(at.error(
                    Some(&headers[w]),
                    format!("not valid WKT: {}", wkt_reason(&e.to_string())),
                    Some("e.g. POINT (23.71 56.65)".into()),
                ))),
            },
            GeomColumns::None => Ok(None),
        }
    }
}

/// The reason inside geozero's "processing geometry `…`" wording, lower-cased.
fn wkt_reason(msg: &str) -> String {
    let inner = msg.split('`').nth(1).unwrap_or(msg);
    let mut c = inner.chars();
    match c.next() {
        Some(f) => f.to_lowercase().chain(c).collect(),
        None => msg.to_owned(),
    }
}

/// A decimal number; `NaN` and `inf` parse (and are rejected by validation).
fn parse_number(s: &str) -> Option<f64> {
    let t = s.trim();
    if t.is_empty() {
        return None;
    }
    t.parse::<f64>().ok()
}
