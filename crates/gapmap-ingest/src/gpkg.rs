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
    let conn = match Connection::open_with_flags(path, OpenFlags::SQLITE_OPEN_READ_ONLY) {
        Ok(c) => c,
        Err(e) => {
            ctx.problems.push(ctx.at(Location::File).error(
                None,
                format!("cannot open as GeoPackage: {e}"),
                None,
            ));
            return Ok(());
        }
    };
    let tables: Vec<(String, String, i64)> = match conn
        .prepare(
            "SELECT table_name, column_name, srs_id FROM gpkg_geometry_columns ORDER BY table_name",
        )
        .and_then(|mut st| {
            st.query_map([], |r| Ok((r.get(0)?, r.get(1)?, r.get(2)?)))?
                .collect()
        }) {
        Ok(t) => t,
        Err(e) => {
            ctx.problems.push(ctx.at(Location::File).error(
                None,
                format!("not a GeoPackage (no gpkg_geometry_columns): {e}"),
                Some("is this a GeoPackage 1.x file?".into()),
            ));
            return Ok(());
        }
    };
    let wanted = ctx.opts.layer.map(|l| l.name().to_owned());
    let chosen = match (&wanted, tables.len()) {
        (Some(w), _) if tables.iter().any(|t| &t.0 == w) => tables.iter().find(|t| &t.0 == w),
        (_, 1) => tables.first(),
        _ => None,
    };
    let Some((table, geom_col, srs_id)) = chosen.cloned() else {
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
    if !ctx.crs_given {
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
                return Ok(());
            }
        }
    }
    let sql = format!("SELECT * FROM \"{}\"", table.replace('"', "\"\""));
    let mut st = conn
        .prepare(&sql)
        .map_err(|e| IngestError::Usage(format!("{}: {e}", ctx.file)))?;
    // The names from `pragma_table_info`, not rusqlite's `column_name(s)`,
    // which panic on a name that is not UTF-8 (found by the gpkg fuzzer:
    // fuzz/regressions/gpkg/column_name_not_utf8.gpkg).
    let names = match column_names(&conn, &table) {
        Ok(n) if n.len() == st.column_count() => n,
        Ok(n) => {
            ctx.problems.push(ctx.at(Location::File).error(
                None,
                format!(
                    "table {table}: {} columns listed, {} read",
                    n.len(),
                    st.column_count()
                ),
                None,
            ));
            return Ok(());
        }
        Err(message) => {
            ctx.problems.push(ctx.at(Location::File).error(
                None,
                format!("table {table}: {message}"),
                Some("column names must be UTF-8 text".into()),
            ));
            return Ok(());
        }
    };
    let geom_idx = names.iter().position(|n| *n == geom_col.to_lowercase());
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
                        table: table.clone(),
                        row: n + 1,
                    })
                    .error(None, format!("cannot read: {e}"), None),
                );
                break;
            }
        };
        n += 1;
        let location = Location::Row {
            table: table.clone(),
            row: n,
        };
        let mut props = Map::new();
        let mut id = None;
        let mut geometry = None;
        let mut bad = false;
        for (i, name) in names.iter().enumerate() {
            let Ok(v) = row.get_ref(i) else { continue };
            if Some(i) == geom_idx {
                if let ValueRef::Blob(b) = v {
                    match decode_geometry(b) {
                        Ok(g) => geometry = Some(g),
                        Err(e) => {
                            ctx.problems.push(ctx.at(location.clone()).error(
                                Some(&geom_col),
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
            let value = match v {
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
                ValueRef::Blob(_) => continue,
            };
            if name == "id" {
                id = value.as_str().map(str::to_owned);
                continue;
            }
            props.insert(name.clone(), value);
        }
        if bad {
            continue;
        }
        emit(
            RawFeature {
                location,
                props_pointer: None,
                geometry_pointer: None,
                id,
                geometry,
                props,
                text_values: true,
            },
            ctx,
        );
    }
    Ok(())
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

    /// Found by the gpkg fuzzer: a GeoPackage whose feature table has a
    /// column name that is not UTF-8 made rusqlite's `column_names()` panic.
    #[test]
    fn a_column_name_that_is_not_utf8_is_a_problem_not_a_panic() {
        let bytes = include_bytes!("../../../fuzz/regressions/gpkg/column_name_not_utf8.gpkg");
        let dir = tempfile::tempdir().expect("temp dir");
        let path = dir.path().join("bad.gpkg");
        std::fs::write(&path, bytes).expect("write");
        let opts = Options {
            format: Some(Format::Gpkg),
            ..Options::default()
        };
        let mut problems = Problems::default();
        let _ = read_to_vec(&path, &opts, &mut problems);
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
        let bytes = include_bytes!("../../../fuzz/regressions/gpkg/huge_point_count.gpkg");
        let dir = tempfile::tempdir().expect("temp dir");
        let path = dir.path().join("bad.gpkg");
        std::fs::write(&path, bytes).expect("write");
        let opts = Options {
            format: Some(Format::Gpkg),
            ..Options::default()
        };
        let mut problems = Problems::default();
        let _ = read_to_vec(&path, &opts, &mut problems);
        assert!(
            problems.iter().any(|p| p.to_string().contains("damaged")),
            "{:?}",
            problems.iter().map(ToString::to_string).collect::<Vec<_>>()
        );
    }
}
