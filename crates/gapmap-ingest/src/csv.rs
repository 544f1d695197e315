//! CSV reader: a header row, then one feature per record. Geometry from
//! `lon`/`lat` (or `x`/`y` with `--crs`), or a WKT column (`wkt`, `geometry`).
//! Separator `,`, `;` or tab, detected from the header; UTF-8 with or without
//! BOM; CRLF; quoted fields may hold newlines (lines are counted right).

use super::problem::Location;
use super::{Emit, IngestError, RawFeature, ReadContext};
use geo_types::{Coord, Geometry, Point};
use geozero::ToGeo;
use serde_json::{Map, Value};
use std::io::{BufRead, BufReader};
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

pub fn read(path: &Path, ctx: &mut ReadContext, emit: &mut Emit) -> Result<(), IngestError> {
    let file = std::fs::File::open(path).map_err(|e| ctx.io_error(e))?;
    let mut reader = BufReader::with_capacity(1 << 20, file);
    super::geojson::skip_bom(&mut reader).map_err(|e| ctx.io_error(e))?;
    let delimiter = sniff_delimiter(reader.fill_buf().map_err(|e| ctx.io_error(e))?);
    read_records(super::text::CrlfToLf::new(reader), delimiter, ctx, emit)
}

/// The separator of a CSV file: whichever of `,` `;` tab is most frequent
/// in the header line.
pub(crate) fn sniff_delimiter(head: &[u8]) -> u8 {
    let first = head.split(|b| *b == b'\n').next().unwrap_or(head);
    [b',', b';', b'\t']
        .into_iter()
        .max_by_key(|d| first.iter().filter(|b| *b == d).count())
        .unwrap_or(b',')
}

fn find(headers: &[String], names: &[&str]) -> Option<usize> {
    names
        .iter()
        .find_map(|n| headers.iter().position(|h| h == n))
}

fn read_records<R: std::io::Read>(
    reader: R,
    delimiter: u8,
    ctx: &mut ReadContext,
    emit: &mut Emit,
) -> Result<(), IngestError> {
    let mut rdr = csv::ReaderBuilder::new()
        .delimiter(delimiter)
        .flexible(true)
        .has_headers(true)
        .from_reader(reader);
    let headers: Vec<String> = match rdr.byte_headers() {
        Ok(h) => h
            .iter()
            .map(|f| String::from_utf8_lossy(f).trim().to_lowercase())
            .collect(),
        Err(e) => {
            ctx.problems.push(ctx.at(Location::Line(1)).error(
                None,
                format!("cannot read the header row: {e}"),
                None,
            ));
            return Ok(());
        }
    };
    if headers.iter().all(String::is_empty) {
        ctx.problems.push(ctx.at(Location::File).error(
            None,
            "the file is empty (no header row)",
            Some("the first row names the columns, e.g. id,name,lon,lat".into()),
        ));
        return Ok(());
    }
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
        return Ok(());
    }
    let geom_cols: Vec<usize> = match geom {
        GeomColumns::LonLat(a, b) | GeomColumns::Xy(a, b) => vec![a, b],
        GeomColumns::Wkt(a) => vec![a],
        GeomColumns::None => vec![],
    };
    let mut record = csv::ByteRecord::new();
    loop {
        let line = rdr.position().line();
        match rdr.read_byte_record(&mut record) {
            Ok(false) => break,
            Ok(true) => {}
            Err(e) => {
                let line = e.position().map(|p| p.line()).unwrap_or(line);
                ctx.problems.push(ctx.at(Location::Line(line)).error(None, format!("malformed CSV: {e}"), Some("check quotes: a field with the separator or a newline must be in double quotes".into())));
                ctx.rejected += 1;
                continue;
            }
        }
        let line = record.position().map(|p| p.line()).unwrap_or(line);
        let at = ctx.at(Location::Line(line));
        if record.len() != headers.len() {
            if record.len() == 1
                && record
                    .get(0)
                    .is_some_and(|f| f.iter().all(u8::is_ascii_whitespace))
            {
                continue; // a blank line
            }
            ctx.problems.push(at.error(None, format!("{} fields, but the header has {}", record.len(), headers.len()), Some("every row needs one value per column (quote values that contain the separator)".into())));
            ctx.rejected += 1;
            continue;
        }
        let mut fields: Vec<String> = Vec::with_capacity(record.len());
        let mut bad_utf8 = None;
        for (i, f) in record.iter().enumerate() {
            match std::str::from_utf8(f) {
                Ok(s) => fields.push(s.to_owned()),
                Err(_) => {
                    bad_utf8.get_or_insert(i);
                    fields.push(String::from_utf8_lossy(f).into_owned());
                }
            }
        }
        if let Some(i) = bad_utf8 {
            ctx.problems.push(at.error(
                Some(&headers[i]),
                "the text is not UTF-8",
                Some(
                    "save the file as UTF-8 (Latvian Windows-1257 files must be converted)".into(),
                ),
            ));
            ctx.rejected += 1;
            continue;
        }
        let geometry = match geom {
            GeomColumns::LonLat(x, y) | GeomColumns::Xy(x, y) => {
                let px = parse_number(&fields[x]);
                let py = parse_number(&fields[y]);
                match (px, py) {
                    (Some(px), Some(py)) => Some(Geometry::Point(Point(Coord { x: px, y: py }))),
                    (a, _) => {
                        let (col, val) = if a.is_none() {
                            (&headers[x], &fields[x])
                        } else {
                            (&headers[y], &fields[y])
                        };
                        let msg = if val.trim().is_empty() {
                            "the coordinate is missing".to_owned()
                        } else {
                            format!("`{val}` is not a number")
                        };
                        ctx.problems.push(at.error(
                            Some(col),
                            msg,
                            Some(
                                "coordinates are decimal numbers with a point, e.g. 23.7134".into(),
                            ),
                        ));
                        ctx.rejected += 1;
                        continue;
                    }
                }
            }
            GeomColumns::Wkt(w) if fields[w].trim().is_empty() => None,
            GeomColumns::Wkt(w) => match geozero::wkt::Wkt(fields[w].trim()).to_geo() {
                Ok(g) => Some(g),
                Err(e) => {
                    ctx.problems.push(at.error(
                        Some(&headers[w]),
                        format!("not valid WKT: {}", wkt_reason(&e.to_string())),
                        Some("e.g. POINT (23.71 56.65)".into()),
                    ));
                    ctx.rejected += 1;
                    continue;
                }
            },
            GeomColumns::None => None,
        };
        let mut props = Map::new();
        let mut id = None;
        for (i, (h, v)) in headers.iter().zip(fields).enumerate() {
            if geom_cols.contains(&i) || h.is_empty() {
                continue;
            }
            if h == "id" {
                id = Some(v.trim().to_owned()).filter(|s| !s.is_empty());
                continue;
            }
            props.insert(h.clone(), Value::String(v));
        }
        let raw = RawFeature {
            location: Location::Line(line),
            props_pointer: None,
            geometry_pointer: None,
            id,
            geometry,
            props,
            text_values: true,
        };
        emit(raw, ctx);
    }
    Ok(())
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
