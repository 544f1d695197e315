//! GeoPackage reader: the feature table named like the layer (or the only
//! one), its CRS from `gpkg_spatial_ref_sys`, every column as a property.

use super::problem::Location;
use super::{Emit, IngestError, RawFeature, ReadContext};
use gapmap_store::gpkg::decode_geometry;
use rusqlite::types::ValueRef;
use rusqlite::{Connection, OpenFlags};
use serde_json::{Map, Value};
use std::path::Path;

pub fn read(path: &Path, ctx: &mut ReadContext, emit: &mut Emit) -> Result<(), IngestError> {
    let Some(conn) = open(path, ctx) else {
        return Ok(());
    };
    let Some(tables) = feature_tables(&conn, ctx) else {
        return Ok(());
    };
    let (table, geom_col, srs_id) = choose_table(&tables, ctx)?;
    if !ctx.crs_given && !take_crs(&conn, &table, srs_id, ctx) {
        return Ok(());
    }
    let sql = format!("SELECT * FROM \"{}\"", table.replace('"', "\"\""));
    let mut st = conn
        .prepare(&sql)
        .map_err(|e| IngestError::Usage(format!("{}: {e}", ctx.file)))?;
    let Some(names) = checked_column_names(&conn, &table, st.column_count(), ctx) else {
        return Ok(());
    };
    let geom_idx = names.iter().position(|n| *n == geom_col.to_lowercase());
    let columns = Columns {
        table,
        names,
        geom_idx,
        geom_col,
    };
    let mut rows = st
        .query([])
        .map_err(|e| IngestError::Usage(format!("{}: {e}", ctx.file)))?;
    let mut n = 0u64;
    loop {
        let row = match rows.next() {
            Ok(Some(r)) => r,
            Ok(None) => break,
            Err(e) => {
                ctx.problems.push(
                    ctx.at(Location::Row {
                        table: columns.table.clone(),
                        row: n + 1,
                    })
                    .error(None, format!("cannot read: {e}"), None),
                );
                break;
            }
        };
        n += 1;
        if let Some(raw) = columns.feature(row, n, ctx) {
            emit(raw, ctx);
        }
    }
    Ok(())
}

/// The file opened read-only; `None` (with a problem reported) when SQLite
/// cannot open it.
fn open(path: &Path, ctx: &mut ReadContext) -> Option<Connection> {
    match Connection::open_with_flags(path, OpenFlags::SQLITE_OPEN_READ_ONLY) {
        Ok(c) => Some(c),
        Err(e) => {
            ctx.problems.push(ctx.at(Location::File).error(
                None,
                format!("cannot open as GeoPackage: {e}"),
                None,
            ));
            None
        }
    }
}

/// The feature tables: (table, geometry column, srs_id), by table name;
/// `None` (with a problem reported) when the file is not a GeoPackage.
fn feature_tables(conn: &Connection, ctx: &mut ReadContext) -> Option<Vec<(String, String, i64)>> {
    match conn
        .prepare(
            "SELECT table_name, column_name, srs_id FROM gpkg_geometry_columns ORDER BY table_name",
        )
        .and_then(|mut st| {
            st.query_map([], |r| Ok((r.get(0)?, r.get(1)?, r.get(2)?)))?
                .collect()
        }) {
        Ok(t) => Some(t),
        Err(e) => {
            ctx.problems.push(ctx.at(Location::File).error(
                None,
                format!("not a GeoPackage (no gpkg_geometry_columns): {e}"),
                Some("is this a GeoPackage 1.x file?".into()),
            ));
            None
        }
    }
}

/// The table named like the layer, else the only one; a usage error naming
/// them when neither.
fn choose_table(
    tables: &[(String, String, i64)],
    ctx: &ReadContext,
) -> Result<(String, String, i64), IngestError> {
    let wanted = ctx.opts.layer.map(|l| l.name().to_owned());
    let chosen = match (&wanted, tables.len()) {
        (Some(w), _) if tables.iter().any(|t| &t.0 == w) => tables.iter().find(|t| &t.0 == w),
        (_, 1) => tables.first(),
        _ => None,
    };
    let Some(chosen) = chosen.cloned() else {
        let names: Vec<&str> = tables.iter().map(|t| t.0.as_str()).collect();
        return Err(IngestError::Usage(format!(
            "{}: holds feature tables {}; pass --layer naming one of them",
            ctx.file,
            if names.is_empty() {
                "(none)".to_owned()
            } else {
                names.join(", ")
            }
        )));
    };
    Ok(chosen)
}

/// Take the CRS of `srs_id` from `gpkg_spatial_ref_sys`; false (with a
/// problem reported) when it is not an EPSG code.
fn take_crs(conn: &Connection, table: &str, srs_id: i64, ctx: &mut ReadContext) -> bool {
    let code: Option<i64> = conn
        .query_row(
            "SELECT organization_coordsys_id FROM gpkg_spatial_ref_sys WHERE srs_id = ?1 AND upper(organization) = 'EPSG'",
            [srs_id],
            |r| r.get(0),
        )
        .ok();
    match code.and_then(|c| u16::try_from(c).ok()) {
        Some(c) => ctx.crs = c,
        None if srs_id == 4326 => ctx.crs = 4326,
        None => {
            ctx.problems.push(ctx.at(Location::File).error(
                None,
                format!("table {table} uses srs_id {srs_id}, which is not an EPSG code"),
                Some("pass --crs EPSG:n".into()),
            ));
            return false;
        }
    }
    true
}

/// The column names of `table`, as many as the query reads; `None` (with a
/// problem reported) when they cannot be read or do not match.
fn checked_column_names(
    conn: &Connection,
    table: &str,
    count: usize,
    ctx: &mut ReadContext,
) -> Option<Vec<String>> {
    // The names from `pragma_table_info`, not rusqlite's `column_name(s)`,
    // which panic on a name that is not UTF-8 (found by the gpkg fuzzer:
    // fuzz/regressions/gpkg/column_name_not_utf8.gpkg).
    match column_names(conn, table) {
        Ok(n) if n.len() == count => Some(n),
        Ok(n) => {
            ctx.problems.push(ctx.at(Location::File).error(
                None,
                format!("table {table}: {} columns listed, {} read", n.len(), count),
                None,
            ));
            None
        }
        Err(message) => {
            ctx.problems.push(ctx.at(Location::File).error(
                None,
                format!("table {table}: {message}"),
                Some("column names must be UTF-8 text".into()),
            ));
            None
        }
    }
}

/// The columns of the feature table being read.
#[derive(Debug)]
struct Columns {
    table: String,
    /// Lower-cased, in order.
    names: Vec<String>,
    /// Where the geometry column is, if it is among `names`.
    geom_idx: Option<usize>,
    /// The geometry column as `gpkg_geometry_columns` names it.
    geom_col: String,
}

impl Columns {
    /// The feature of row `n` (1-based); `None` (with a problem reported)
    /// when its geometry cannot be read. `fid`, `extra` and blobs other than
    /// the geometry are left out; `id` is the id; text holding a JSON array
    /// is a list.
    fn feature(&self, row: &rusqlite::Row, n: u64, ctx: &mut ReadContext) -> Option<RawFeature> {
        let location = Location::Row {
            table: self.table.clone(),
            row: n,
        };
        let mut props = Map::new();
        let mut id = None;
        let mut geometry = None;
        let mut bad = false;
        for (i, name) in self.names.iter().enumerate() {
            let Ok(v) = row.get_ref(i) else { continue };
            if Some(i) == self.geom_idx {
                if let ValueRef::Blob(b) = v {
                    match decode_geometry(b) {
                        Ok(g) => geometry = Some(g),
                        Err(e) => {
                            ctx.problems.push(ctx.at(location.clone()).error(
                                Some(&self.geom_col),
                                format!("unreadable geometry: {e}"),
                                None,
                            ));
                            bad = true;
                        }
                    }
                }
                continue;
            }
            if name == "fid" || name == "extra" {
                continue;
            }
            let Some(value) = property_value(v) else {
                continue;
            };
            if name == "id" {
                id = value.as_str().map(str::to_owned);
                continue;
            }
            props.insert(name.clone(), value);
        }
        if bad {
            return None;
        }
        Some(RawFeature::row(location, id, geometry, props))
    }
}

/// A column's value as a property: numbers as text, text holding a JSON
/// array as that list; `None` for a blob.
fn property_value(v: ValueRef) -> Option<Value> {
    Some(match v {
        ValueRef::Null => Value::Null,
        ValueRef::Integer(i) => Value::String(i.to_string()),
        ValueRef::Real(f) => Value::String(f.to_string()),
        ValueRef::Text(t) => {
            let s = String::from_utf8_lossy(t).into_owned();
            match serde_json::from_str::<Value>(&s) {
                Ok(arr @ Value::Array(_)) => arr,
                _ => Value::String(s),
            }
        }
        ValueRef::Blob(_) => return None,
    })
}

/// The lower-cased column names of `table`, in order; an error names the
/// first one that is not UTF-8.
fn column_names(conn: &Connection, table: &str) -> Result<Vec<String>, String> {
    let mut st = conn
        .prepare("SELECT name FROM pragma_table_info(?1)")
        .map_err(|e| e.to_string())?;
    let mut rows = st.query([table]).map_err(|e| e.to_string())?;
    let mut names = Vec::new();
    while let Some(row) = rows.next().map_err(|e| e.to_string())? {
        let raw = row.get_ref(0).map_err(|e| e.to_string())?;
        let text = match raw {
            ValueRef::Text(b) => std::str::from_utf8(b).map_err(|_| {
                format!(
                    "column {} has a name that cannot be read (not UTF-8)",
                    names.len() + 1
                )
            })?,
            _ => return Err(format!("column {} has no name", names.len() + 1)),
        };
        names.push(text.to_lowercase());
    }
    Ok(names)
}

#[cfg(test)]
mod tests {
    use crate::problem::Problems;
    use crate::{Format, Options, read_to_vec};

    /// The problems of reading `bytes` as a GeoPackage.
    fn read_regression(bytes: &[u8]) -> Problems {
        let dir = tempfile::tempdir().expect("temp dir");
        let path = dir.path().join("bad.gpkg");
        std::fs::write(&path, bytes).expect("write");
        let opts = Options {
            format: Some(Format::Gpkg),
            ..Options::default()
        };
        let mut problems = Problems::default();
        let _ = read_to_vec(&path, &opts, &mut problems);
        problems
    }

    /// Found by the gpkg fuzzer: a GeoPackage whose feature table has a
    /// column name that is not UTF-8 made rusqlite's `column_names()` panic.
    #[test]
    fn a_column_name_that_is_not_utf8_is_a_problem_not_a_panic() {
        let problems = read_regression(include_bytes!(
            "../../../fuzz/regressions/gpkg/column_name_not_utf8.gpkg"
        ));
        assert!(problems.has_errors());
        assert!(
            problems
                .iter()
                .any(|p| p.to_string().contains("cannot be read")),
            "{:?}",
            problems.iter().map(ToString::to_string).collect::<Vec<_>>()
        );
    }

    /// Found by the gpkg fuzzer: a geometry blob whose line string claims
    /// about four billion points made geozero reserve 62 GB and abort.
    #[test]
    fn a_geometry_that_claims_more_points_than_it_holds_is_an_error_not_an_abort() {
        let problems = read_regression(include_bytes!(
            "../../../fuzz/regressions/gpkg/huge_point_count.gpkg"
        ));
        assert!(
            problems.iter().any(|p| p.to_string().contains("damaged")),
            "{:?}",
            problems.iter().map(ToString::to_string).collect::<Vec<_>>()
        );
    }
}
