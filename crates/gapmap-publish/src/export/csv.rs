//! CSV export: UTF-8 with a byte-order mark (so Excel reads Latvian names
//! right), CRLF line ends, a header row, a `wkt` geometry column, one column
//! per property (lists joined with ";") and the provenance columns `source`,
//! `source_ref`, `as_of`, `licence` and `snapshot_version` on every row.

use super::lists::Lists;
use super::{ExportError, Prepared, normalise, num, project, transformer};
use gapmap_geo::csv_cell::field;
use geo_types::{Coord, Geometry, LineString};
use serde_json::Value;
use std::io::Write;

/// The provenance columns, last in every row.
pub const PROVENANCE: [&str; 5] = [
    "source",
    "source_ref",
    "as_of",
    "licence",
    "snapshot_version",
];

/// The column names of a prepared export, in order.
pub fn columns(p: &Prepared) -> Vec<String> {
    let mut cols: Vec<String> = vec!["wkt".into(), "id".into()];
    for f in p.features.iter() {
        for k in f.properties.keys() {
            if k != "id" && !PROVENANCE.contains(&k.as_str()) && !cols.iter().any(|c| c == k) {
                cols.push(k.clone());
            }
        }
    }
    cols.extend(PROVENANCE.iter().map(|s| (*s).to_owned()));
    cols
}

pub fn write(
    p: &Prepared,
    out: &mut dyn Write,
    progress: &mut dyn FnMut(u64),
) -> Result<u64, ExportError> {
    let m = &p.meta;
    let t = transformer(m.crs)?;
    let cols = columns(p);
    let mut buf = String::with_capacity(4096);
    buf.push('\u{feff}');
    for (i, c) in cols.iter().enumerate() {
        if i > 0 {
            buf.push(',');
        }
        field(&mut buf, c);
    }
    buf.push_str("\r\n");
    out.write_all(buf.as_bytes())?;
    let mut n = 0u64;
    let mut cell = String::new();
    for f in p.features.iter() {
        let g = normalise(project(t.as_ref(), f)?);
        buf.clear();
        for (i, c) in cols.iter().enumerate() {
            if i > 0 {
                buf.push(',');
            }
            cell.clear();
            match c.as_str() {
                "wkt" => wkt(&mut cell, &g, m.crs),
                "id" => cell.push_str(&f.id),
                "snapshot_version" => match f.properties.get(c) {
                    Some(v) if !v.is_null() => text(&mut cell, v),
                    _ => cell.push_str(&m.snapshot_version),
                },
                _ => {
                    if let Some(v) = f.properties.get(c) {
                        text(&mut cell, v);
                    }
                }
            }
            field(&mut buf, &cell);
        }
        buf.push_str("\r\n");
        out.write_all(buf.as_bytes())?;
        n += 1;
        progress(n);
    }
    out.flush()?;
    Ok(n)
}

/// A property value as CSV text: lists joined with ";", null empty.
pub fn text(buf: &mut String, v: &Value) {
    match v {
        Value::Null => {}
        Value::String(s) => buf.push_str(s),
        Value::Bool(b) => buf.push_str(if *b { "true" } else { "false" }),
        Value::Number(n) => buf.push_str(&n.to_string()),
        Value::Array(items) => {
            for (i, it) in items.iter().enumerate() {
                if i > 0 {
                    buf.push(';');
                }
                text(buf, it);
            }
        }
        Value::Object(_) => buf.push_str(&v.to_string()),
    }
}

fn coord(buf: &mut String, c: Coord<f64>, crs: u16) {
    num(buf, c.x, crs);
    buf.push(' ');
    num(buf, c.y, crs);
}

/// WKT's lists: `(x y, x y)`.
const WKT: Lists = Lists {
    open: '(',
    separator: ", ",
    close: ')',
    coord,
};

/// WKT of a geometry with rounded coordinates (x y: longitude latitude or
/// easting northing).
pub fn wkt(buf: &mut String, g: &Geometry<f64>, crs: u16) {
    match g {
        Geometry::Point(p) => {
            buf.push_str("POINT (");
            coord(buf, p.0, crs);
            buf.push(')');
        }
        Geometry::MultiPoint(m) => {
            buf.push_str("MULTIPOINT ");
            WKT.list(buf, &m.0, |buf, p| {
                buf.push('(');
                coord(buf, p.0, crs);
                buf.push(')');
            });
        }
        Geometry::LineString(l) => {
            buf.push_str("LINESTRING ");
            WKT.line(buf, l, crs);
        }
        Geometry::MultiLineString(m) => {
            buf.push_str("MULTILINESTRING ");
            WKT.list(buf, &m.0, |buf, l| WKT.line(buf, l, crs));
        }
        Geometry::Polygon(p) => {
            buf.push_str("POLYGON ");
            WKT.polygon(buf, p, crs);
        }
        Geometry::MultiPolygon(m) => {
            if m.0.is_empty() {
                buf.push_str("MULTIPOLYGON EMPTY");
                return;
            }
            buf.push_str("MULTIPOLYGON ");
            WKT.list(buf, &m.0, |buf, p| WKT.polygon(buf, p, crs));
        }
        Geometry::GeometryCollection(gc) => {
            buf.push_str("GEOMETRYCOLLECTION ");
            WKT.list(buf, &gc.0, |buf, g| wkt(buf, g, crs));
        }
        Geometry::Line(l) => wkt(
            buf,
            &Geometry::LineString(LineString(vec![l.start, l.end])),
            crs,
        ),
        Geometry::Rect(r) => wkt(buf, &Geometry::Polygon(r.to_polygon()), crs),
        Geometry::Triangle(t) => wkt(buf, &Geometry::Polygon(t.to_polygon()), crs),
    }
}
