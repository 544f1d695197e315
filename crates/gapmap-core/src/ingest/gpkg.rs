//! GeoPackage reader: the feature table named like the layer (or the only
//! one), its CRS from `gpkg_spatial_ref_sys`, every column as a property.

use super::problem::Location;
use super::{Emit, IngestError, RawFeature, ReadContext};
use crate::store::gpkg::decode_geometry;
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
    let names: Vec<String> = st.column_names().map(|s| s.to_lowercase()).collect();
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
