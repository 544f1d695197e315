//! Typed reads of the two big layers, `demand` and `coverage`, straight
//! from the GeoPackage columns: no JSON record per row, no property map,
//! points decoded from their 29-byte blobs directly.
//!
//! The same validation as the generic path ([`crate::FeatureStore::read_demand`]'s
//! default: every record typed by `DemandPoint::from_record`): a row is
//! read on the fast path only when every column holds the canonical value
//! the store writes (text where text is due, a known enum value, a valid
//! date, a plain 2D point); any other row — a store edited by hand, written
//! by an older gapmap, damaged — is read again through the generic record
//! and typed by the model's own `from_record`, so it is accepted, repaired
//! or refused exactly as before, with the same message.

use crate::StoreError;
use gapmap_model::{
    CoverageArea, DemandOrigin, DemandPoint, Layer, Provenance, Record, ServiceKind, Source,
    Technology, parse_date,
};
use geo_types::{Geometry, MultiPolygon, Point};
use rusqlite::Connection;
use rusqlite::types::ValueRef;
use std::collections::HashSet;
use std::path::Path;

/// The generic record of the row with this `fid` (the fallback).
pub(crate) type Fallback<'a> = &'a dyn Fn(i64) -> Result<Option<Record>, StoreError>;

/// The columns a table has (an older store may lack some).
pub(crate) fn table_columns(conn: &Connection, table: &str) -> rusqlite::Result<HashSet<String>> {
    let mut st = conn.prepare("SELECT name FROM pragma_table_info(?1)")?;
    let names = st.query_map([table], |r| r.get::<_, String>(0))?;
    names.collect()
}

/// `SELECT fid, id, <columns…> FROM <layer>` in the table's own order (a
/// plain scan: no index lookup per row), each column named when the table
/// has it and `NULL` when it does not; `None` when the layer has no table.
fn select(
    conn: &Connection,
    path: &Path,
    layer: Layer,
    columns: &[&str],
) -> Result<Option<String>, StoreError> {
    let have = table_columns(conn, layer.name()).map_err(|e| StoreError::sqlite(path, e))?;
    if have.is_empty() {
        return Ok(None);
    }
    let cols: Vec<String> = columns
        .iter()
        .map(|c| {
            if have.contains(*c) {
                format!("\"{c}\"")
            } else {
                "NULL".to_owned()
            }
        })
        .collect();
    Ok(Some(format!(
        "SELECT fid, id, {} FROM \"{}\" ORDER BY fid",
        cols.join(", "),
        layer.name()
    )))
}

/// How a typed row is read: canonically (`fast`, `None` when the row is
/// not canonical) or from its generic record; and its id.
struct Reader<F, R, I> {
    fast: F,
    from_record: R,
    id: I,
}

/// Read every row of `layer` with `r.fast`; a row it does not read is read
/// through `fallback` and typed by `r.from_record`. Ordered by id, as the
/// generic reader orders them: rows come in table order, which is id order
/// when the layer was written in id order (then nothing is sorted), else
/// they are sorted.
fn read_rows<T: Send, F, R, I>(
    conn: &Connection,
    path: &Path,
    layer: Layer,
    columns: &[&str],
    r: Reader<F, R, I>,
    fallback: Fallback,
) -> Result<Vec<T>, StoreError>
where
    F: Fn(&rusqlite::Row) -> Option<T>,
    R: Fn(&Record) -> Result<T, String>,
    I: Fn(&T) -> &str + Sync,
{
    let Reader {
        fast,
        from_record,
        id,
    } = r;
    let mut out = read_table(conn, path, layer, columns, &fast, &from_record, fallback)?;
    if !out.is_sorted_by(|a, b| id(a) <= id(b)) {
        // Ids are unique (a UNIQUE column): the order is total.
        out.sort_unstable_by(|a, b| id(a).cmp(id(b)));
    }
    Ok(out)
}

/// [`read_rows`] in table order.
fn read_table<T>(
    conn: &Connection,
    path: &Path,
    layer: Layer,
    columns: &[&str],
    fast: &dyn Fn(&rusqlite::Row) -> Option<T>,
    from_record: &dyn Fn(&Record) -> Result<T, String>,
    fallback: Fallback,
) -> Result<Vec<T>, StoreError> {
    let Some(sql) = select(conn, path, layer, columns)? else {
        return Ok(Vec::new());
    };
    let err = |e| StoreError::sqlite(path, e);
    let mut st = conn.prepare(&sql).map_err(err)?;
    let mut rows = st.query([]).map_err(err)?;
    let mut out = Vec::new();
    while let Some(row) = rows.next().map_err(err)? {
        if let Some(t) = fast(row) {
            out.push(t);
            continue;
        }
        let fid: i64 = row.get(0).map_err(err)?;
        // The generic reader reports an id that is not text, or a damaged
        // geometry, as it always has.
        let Some(record) = fallback(fid)? else {
            continue;
        };
        match from_record(&record) {
            Ok(t) => out.push(t),
            Err(message) => {
                return Err(StoreError::Invalid {
                    layer,
                    id: record.id,
                    message,
                });
            }
        }
    }
    Ok(out)
}

/// The columns of demand the fast path reads, after `fid, id`.
const DEMAND: [&str; 9] = [
    "residents",
    "parish_id",
    "cell_id",
    "address",
    "origin",
    "source",
    "source_ref",
    "as_of",
    "geom",
];

/// Every demand point, ordered by id.
pub(crate) fn demand(
    conn: &Connection,
    path: &Path,
    fallback: Fallback,
) -> Result<Vec<DemandPoint>, StoreError> {
    let r = Reader {
        fast: demand_row,
        from_record: DemandPoint::from_record,
        id: demand_id,
    };
    read_rows(conn, path, Layer::Demand, &DEMAND, r, fallback)
}

fn demand_id(d: &DemandPoint) -> &str {
    &d.id
}

fn coverage_id(c: &CoverageArea) -> &str {
    &c.id
}

/// A demand row read canonically (columns as in [`DEMAND`], from 2).
fn demand_row(row: &rusqlite::Row) -> Option<DemandPoint> {
    let v = |i: usize| row.get_ref(i).ok();
    let residents = match v(2)? {
        ValueRef::Null => 0,
        ValueRef::Integer(i) => u32::try_from(i).unwrap_or(0),
        _ => return None,
    };
    let origin = match v(6)? {
        ValueRef::Null => DemandOrigin::Point,
        other => DemandOrigin::parse(text(other)?)?,
    };
    let (source, _) = provenance_checked(v(7)?, v(8)?, v(9)?)?;
    Some(DemandPoint {
        id: text(v(1)?)?.to_owned(),
        residents,
        parish_id: opt_text(v(3)?)?.map(str::to_owned),
        cell_id: opt_text(v(4)?)?.map(str::to_owned),
        origin,
        address: opt_text(v(5)?)?
            .filter(|a| !a.trim().is_empty())
            .map(Box::from),
        location: point(v(10)?)?,
        source,
    })
}

/// The columns of coverage the fast path reads, after `fid, id`.
const COVERAGE: [&str; 10] = [
    "provider",
    "technology",
    "service",
    "max_down_mbps",
    "max_up_mbps",
    "source",
    "source_ref",
    "as_of",
    "licence",
    "geom",
];

/// Every coverage area, ordered by id.
pub(crate) fn coverage(
    conn: &Connection,
    path: &Path,
    fallback: Fallback,
) -> Result<Vec<CoverageArea>, StoreError> {
    let r = Reader {
        fast: coverage_row,
        from_record: CoverageArea::from_record,
        id: coverage_id,
    };
    read_rows(conn, path, Layer::Coverage, &COVERAGE, r, fallback)
}

/// A coverage row read canonically (columns as in [`COVERAGE`], from 2).
fn coverage_row(row: &rusqlite::Row) -> Option<CoverageArea> {
    let v = |i: usize| row.get_ref(i).ok();
    let technology = Technology::parse(text(v(3)?)?)?;
    let service = match v(4)? {
        ValueRef::Null => technology.default_service(),
        other => ServiceKind::parse(text(other)?)?,
    };
    let geometry = match v(11)? {
        ValueRef::Blob(b) => match crate::wkb::decode_geometry(b).ok()? {
            Geometry::MultiPolygon(mp) => mp,
            Geometry::Polygon(p) => MultiPolygon(vec![p]),
            _ => return None,
        },
        _ => return None,
    };
    let (source, as_of) = provenance_checked(v(7)?, v(8)?, v(9)?)?;
    Some(CoverageArea {
        id: text(v(1)?)?.to_owned(),
        provider: opt_text(v(2)?)?.unwrap_or_default().to_owned(),
        technology,
        service,
        max_down_mbps: speed(v(5)?)?,
        max_up_mbps: speed(v(6)?)?,
        geometry,
        provenance: Provenance {
            source,
            source_ref: text_lossy(v(8)?)?,
            as_of,
            licence: opt_text(v(10)?)?.map(str::to_owned),
        },
    })
}

/// Text that is valid UTF-8 (anything else goes the generic way, which
/// repairs it).
fn text(v: ValueRef<'_>) -> Option<&str> {
    match v {
        ValueRef::Text(t) => std::str::from_utf8(t).ok(),
        _ => None,
    }
}

/// `Some(None)` for NULL, `Some(Some(text))` for valid text, `None` else.
fn opt_text(v: ValueRef<'_>) -> Option<Option<&str>> {
    match v {
        ValueRef::Null => Some(None),
        other => text(other).map(Some),
    }
}

/// Any text, repaired as the generic reader repairs it.
fn text_lossy(v: ValueRef) -> Option<String> {
    match v {
        ValueRef::Text(t) => Some(String::from_utf8_lossy(t).into_owned()),
        _ => None,
    }
}

/// A speed column (Mbit/s) as `CoverageArea::from_record` reads it: NULL
/// or a non-finite number is 0.
fn speed(v: ValueRef) -> Option<f64> {
    match v {
        ValueRef::Null => Some(0.0),
        ValueRef::Real(f) => Some(if f.is_finite() { f } else { 0.0 }),
        ValueRef::Integer(i) => Some(i as f64),
        _ => None,
    }
}

/// The provenance `Record::provenance` requires: a known `source`, a
/// `source_ref`, a valid `as_of` date.
fn provenance_checked(
    source: ValueRef,
    source_ref: ValueRef,
    as_of: ValueRef,
) -> Option<(Source, chrono::NaiveDate)> {
    let source = text(source)?.parse::<Source>().ok()?;
    if !matches!(source_ref, ValueRef::Text(_)) {
        return None;
    }
    Some((source, parse_date(text(as_of)?)?))
}

/// A point blob as the store writes it: the GeoPackage header without an
/// envelope (8 bytes) and a little-endian 2D WKB point with finite
/// coordinates; `None` for any other blob.
fn point(v: ValueRef) -> Option<Point<f64>> {
    let ValueRef::Blob(b) = v else {
        return None;
    };
    // "GP", version 0, flags: no envelope, not empty, standard binary.
    let canonical = b.len() == 29
        && &b[..3] == b"GP\0"
        && b[3] & 0b0011_1110 == 0
        && b[8] == 1
        && b[9..13] == 1u32.to_le_bytes();
    if !canonical {
        return None;
    }
    let f = |at: usize| b[at..at + 8].try_into().ok().map(f64::from_le_bytes);
    let (x, y) = (f(13)?, f(21)?);
    (x.is_finite() && y.is_finite()).then(|| Point::new(x, y))
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::gpkg::GpkgStore;
    use crate::{FeatureStore, Mode};
    use geo_types::polygon;
    use serde_json::{Map, Value, json};

    /// A demand record as ingest makes it.
    fn demand(id: &str, origin: &str, x: f64) -> Record {
        let props: Map<String, Value> = serde_json::from_value(json!({
            "residents": 3, "parish_id": "p-1", "cell_id": "1kmN3800E5100",
            "address": if origin == "address_register" { json!("Upes iela 1, Vilce") } else { Value::Null },
            "origin": origin, "source": "simulated", "source_ref": "test", "as_of": "2026-01-01",
            "licence": "CC0", "source_note": null,
        }))
        .unwrap();
        Record {
            layer: Layer::Demand,
            id: id.into(),
            geometry: Some(Geometry::Point(Point::new(23.5 + x, 56.6))),
            props,
            extra: Map::new(),
            absent: Vec::new(),
        }
    }

    /// A store of demand rows written out of id order, then changed by
    /// `sql` (a hand edit).
    fn store_with(dir: &Path, name: &str, sql: &str) -> GpkgStore {
        let path = dir.join(format!("{name}.gpkg"));
        let mut store = GpkgStore::open(&path).unwrap();
        let mut w = store.writer().unwrap();
        let mut lw = w.begin_layer(Layer::Demand, Mode::Upsert).unwrap();
        for (i, id) in ["d-3", "d-1", "d-2", "d-5", "d-4"].iter().enumerate() {
            let origin = if i % 2 == 0 {
                "point"
            } else {
                "address_register"
            };
            w.put(&mut lw, &demand(id, origin, i as f64 * 0.01))
                .unwrap();
        }
        w.end_layer(lw, "test", "geojson").unwrap();
        w.commit(true).unwrap();
        drop(store);
        let c = Connection::open(&path).unwrap();
        crate::sql_functions::register(&c).unwrap();
        c.execute_batch(sql).unwrap();
        drop(c);
        GpkgStore::open_read_only(&path).unwrap()
    }

    /// The typed read gives exactly what typing every generic record gives:
    /// the same points in the same order, or the same error.
    #[test]
    fn typed_demand_reads_as_the_generic_records_do() {
        let dir = tempfile::tempdir().unwrap();
        let point = |x: f64, y: f64| {
            hex(&crate::wkb::encode_geometry(&Geometry::Point(Point::new(x, y))).unwrap())
        };
        let polygon = hex(&crate::wkb::encode_geometry(&Geometry::Polygon(polygon![
            (x: 23.0, y: 56.0), (x: 23.1, y: 56.0), (x: 23.1, y: 56.1)
        ]))
        .unwrap());
        let big_endian = "47500000000010e6000000000140378000000000004048400000000000";
        let cases = [
            ("canonical", String::new()),
            ("residents", "UPDATE demand SET residents = NULL WHERE id = 'd-1'; UPDATE demand SET residents = -4 WHERE id = 'd-2'; UPDATE demand SET residents = 9999999999 WHERE id = 'd-3'; UPDATE demand SET residents = 3.5 WHERE id = 'd-4'; UPDATE demand SET residents = '7' WHERE id = 'd-5';".into()),
            ("texts", "UPDATE demand SET parish_id = 5, cell_id = NULL WHERE id = 'd-1'; UPDATE demand SET address = '   ' WHERE id = 'd-2'; UPDATE demand SET address = CAST(X'C328' AS TEXT) WHERE id = 'd-4'; UPDATE demand SET source_ref = CAST(X'FF61' AS TEXT) WHERE id = 'd-5';".into()),
            ("origin null", "UPDATE demand SET origin = NULL WHERE id = 'd-2';".into()),
            ("origin unknown", "UPDATE demand SET origin = 'house' WHERE id = 'd-2';".into()),
            ("source null", "UPDATE demand SET source = NULL WHERE id = 'd-3';".into()),
            ("source unknown", "UPDATE demand SET source = 'rumour' WHERE id = 'd-3';".into()),
            ("source_ref null", "UPDATE demand SET source_ref = NULL WHERE id = 'd-4';".into()),
            ("source_ref number", "UPDATE demand SET source_ref = 12 WHERE id = 'd-4';".into()),
            ("as_of", "UPDATE demand SET as_of = '2026-13-01' WHERE id = 'd-5';".into()),
            ("geom null", "UPDATE demand SET geom = NULL WHERE id = 'd-1';".into()),
            ("geom polygon", format!("UPDATE demand SET geom = X'{polygon}' WHERE id = 'd-1';")),
            ("geom damaged", "UPDATE demand SET geom = X'4750000100' WHERE id = 'd-1';".into()),
            ("geom nan", format!("UPDATE demand SET geom = X'{}' WHERE id = 'd-2';", point(f64::NAN, 56.0))),
            ("geom big endian", format!("UPDATE demand SET geom = X'{big_endian}' WHERE id = 'd-2';")),
            ("id number", "UPDATE demand SET id = 17 WHERE id = 'd-2';".into()),
        ];
        for (name, sql) in cases {
            let store = store_with(dir.path(), &name.replace(' ', "-"), &sql);
            let typed = store.read_demand().map_err(|e| e.to_string());
            let generic = crate::read_typed(&store, Layer::Demand, DemandPoint::from_record)
                .map_err(|e| e.to_string());
            // As text: a NaN coordinate is not equal to itself.
            assert_eq!(format!("{typed:?}"), format!("{generic:?}"), "{name}");
            if name == "canonical" {
                let ids: Vec<String> = typed.unwrap().into_iter().map(|d| d.id).collect();
                assert_eq!(ids, ["d-1", "d-2", "d-3", "d-4", "d-5"]);
            }
        }
    }

    /// Coverage likewise.
    #[test]
    fn typed_coverage_reads_as_the_generic_records_do() {
        let dir = tempfile::tempdir().unwrap();
        let cases = [
            "",
            "UPDATE coverage SET service = NULL, provider = NULL, licence = NULL WHERE id = 'c-1';",
            "UPDATE coverage SET max_down_mbps = 100, max_up_mbps = NULL WHERE id = 'c-2';",
            "UPDATE coverage SET max_down_mbps = '100' WHERE id = 'c-2';",
            "UPDATE coverage SET technology = 'smoke' WHERE id = 'c-1';",
            "UPDATE coverage SET service = 'both' WHERE id = 'c-1';",
            "UPDATE coverage SET licence = 4 WHERE id = 'c-1';",
            "UPDATE coverage SET geom = X'4750000100' WHERE id = 'c-2';",
        ];
        for (i, sql) in cases.iter().enumerate() {
            let path = dir.path().join(format!("c{i}.gpkg"));
            let mut store = GpkgStore::open(&path).unwrap();
            let mut w = store.writer().unwrap();
            let mut lw = w.begin_layer(Layer::Coverage, Mode::Upsert).unwrap();
            for (id, x) in [("c-2", 0.0), ("c-1", 1.0)] {
                let props: Map<String, Value> = serde_json::from_value(json!({
                    "provider": "Tet", "technology": "ftth", "service": "fixed",
                    "max_down_mbps": 1000.0, "max_up_mbps": 500.5, "source": "simulated",
                    "source_ref": "test", "as_of": "2026-01-01", "licence": "CC0", "source_note": null,
                }))
                .unwrap();
                let square = polygon![
                    (x: 23.0 + x, y: 56.0), (x: 23.1 + x, y: 56.0), (x: 23.1 + x, y: 56.1), (x: 23.0 + x, y: 56.1)
                ];
                let r = Record {
                    layer: Layer::Coverage,
                    id: id.into(),
                    geometry: Some(Geometry::MultiPolygon(MultiPolygon(vec![square]))),
                    props,
                    extra: Map::new(),
                    absent: Vec::new(),
                };
                w.put(&mut lw, &r).unwrap();
            }
            w.end_layer(lw, "test", "geojson").unwrap();
            w.commit(true).unwrap();
            drop(store);
            let c = Connection::open(&path).unwrap();
            crate::sql_functions::register(&c).unwrap();
            c.execute_batch(sql).unwrap();
            drop(c);
            let store = GpkgStore::open_read_only(&path).unwrap();
            let typed = store.read_coverage().map_err(|e| e.to_string());
            let generic = crate::read_typed(&store, Layer::Coverage, CoverageArea::from_record)
                .map_err(|e| e.to_string());
            assert_eq!(typed, generic, "{sql}");
        }
    }

    fn hex(b: &[u8]) -> String {
        b.iter().map(|x| format!("{x:02x}")).collect()
    }

    #[test]
    fn canonical_point_blobs_decode_as_geozero_does() {
        for (x, y) in [(23.5, 56.6), (-0.0, 1e-300), (180.0, -90.0)] {
            let blob = crate::wkb::encode_geometry(&Geometry::Point(Point::new(x, y))).unwrap();
            assert_eq!(blob.len(), 29);
            let Geometry::Point(want) = crate::wkb::decode_geometry(&blob).unwrap() else {
                panic!("not a point");
            };
            let got = point(ValueRef::Blob(&blob)).unwrap();
            assert_eq!(
                (got.x().to_bits(), got.y().to_bits()),
                (want.x().to_bits(), want.y().to_bits())
            );
        }
        let nan = crate::wkb::encode_geometry(&Geometry::Point(Point::new(f64::NAN, 1.0))).unwrap();
        assert!(
            point(ValueRef::Blob(&nan)).is_none(),
            "left to the generic path"
        );
        assert!(point(ValueRef::Blob(b"GP")).is_none());
        assert!(point(ValueRef::Null).is_none());
    }
}
