//! GeoJSON FeatureCollection export (RFC 7946 for WGS84), streamed feature by
//! feature. Foreign members: `name`, `metadata` (collection, titles,
//! attribution, licence, snapshot version, as-of date, CRS) and, for
//! EPSG:3059 only, the legacy `crs` member (a non-RFC convenience that GDAL
//! also writes; RFC 7946 GeoJSON is always WGS84 longitude/latitude).

use super::lists::Lists;
use super::{ExportError, Prepared, normalise, num, project, transformer};
use gapmap_geo::crs::WGS84;
use geo_types::{Coord, Geometry, LineString};
use serde_json::json;
use std::io::Write;

pub fn write(
    p: &Prepared,
    out: &mut dyn Write,
    progress: &mut dyn FnMut(u64),
) -> Result<u64, ExportError> {
    let m = &p.meta;
    let t = transformer(m.crs)?;
    let metadata = json!({
        "collection": m.collection.id(),
        "title": m.title,
        "title_en": m.title_en,
        "attribution": m.attribution,
        "licence": m.licence,
        "snapshot_version": m.snapshot_version,
        "as_of": m.as_of,
        "crs": format!("EPSG:{}", m.crs),
        "count": m.count,
    });
    let mut head = format!(
        "{{\"type\":\"FeatureCollection\",\"name\":{},\"metadata\":{}",
        json!(m.collection.id()),
        metadata
    );
    if m.crs != WGS84 {
        head.push_str(&format!(
            ",\"crs\":{{\"type\":\"name\",\"properties\":{{\"name\":\"{}\"}}}}",
            m.crs_urn()
        ));
    }
    head.push_str(",\"features\":[\n");
    out.write_all(head.as_bytes())?;
    let mut buf = String::with_capacity(4096);
    let mut n = 0u64;
    for f in p.features.iter() {
        let g = normalise(project(t.as_ref(), f)?);
        buf.clear();
        if n > 0 {
            buf.push_str(",\n");
        }
        buf.push_str("{\"type\":\"Feature\",\"id\":");
        buf.push_str(&json!(f.id).to_string());
        buf.push_str(",\"geometry\":");
        geometry(&mut buf, &g, m.crs);
        buf.push_str(",\"properties\":");
        buf.push_str(&serde_json::to_string(&f.properties).unwrap_or_else(|_| "{}".into()));
        buf.push('}');
        out.write_all(buf.as_bytes())?;
        n += 1;
        progress(n);
    }
    out.write_all(b"\n]}\n")?;
    out.flush()?;
    Ok(n)
}

fn coord(buf: &mut String, c: Coord<f64>, crs: u16) {
    buf.push('[');
    num(buf, c.x, crs);
    buf.push(',');
    num(buf, c.y, crs);
    buf.push(']');
}

/// GeoJSON's lists: `[[x,y],[x,y]]`.
const JSON: Lists = Lists {
    open: '[',
    separator: ",",
    close: ']',
    coord,
};

/// A GeoJSON geometry object with rounded coordinates.
pub fn geometry(buf: &mut String, g: &Geometry<f64>, crs: u16) {
    let kind = match g {
        Geometry::Point(_) => "Point",
        Geometry::MultiPoint(_) => "MultiPoint",
        Geometry::LineString(_) => "LineString",
        Geometry::MultiLineString(_) => "MultiLineString",
        Geometry::Polygon(_) => "Polygon",
        Geometry::MultiPolygon(_) => "MultiPolygon",
        Geometry::GeometryCollection(gc) => {
            buf.push_str("{\"type\":\"GeometryCollection\",\"geometries\":");
            JSON.list(buf, &gc.0, |buf, g| geometry(buf, g, crs));
            buf.push('}');
            return;
        }
        Geometry::Line(l) => {
            let ls = LineString(vec![l.start, l.end]);
            return geometry(buf, &Geometry::LineString(ls), crs);
        }
        Geometry::Rect(r) => return geometry(buf, &Geometry::Polygon(r.to_polygon()), crs),
        Geometry::Triangle(t) => return geometry(buf, &Geometry::Polygon(t.to_polygon()), crs),
    };
    buf.push_str("{\"type\":\"");
    buf.push_str(kind);
    buf.push_str("\",\"coordinates\":");
    match g {
        Geometry::Point(p) => coord(buf, p.0, crs),
        Geometry::MultiPoint(m) => JSON.list(buf, &m.0, |buf, p| coord(buf, p.0, crs)),
        Geometry::LineString(l) => JSON.line(buf, l, crs),
        Geometry::MultiLineString(m) => JSON.list(buf, &m.0, |buf, l| JSON.line(buf, l, crs)),
        Geometry::Polygon(p) => JSON.polygon(buf, p, crs),
        Geometry::MultiPolygon(m) => JSON.list(buf, &m.0, |buf, p| JSON.polygon(buf, p, crs)),
        _ => buf.push_str("[]"),
    }
    buf.push('}');
}
