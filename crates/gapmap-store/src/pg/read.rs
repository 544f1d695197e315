//! Reading the PostGIS store: records of a layer (streamed), meta values,
//! the ingest log.

use super::values::{from_row, from_wkb, select_expr};
use crate::{Counts, StoreError};
use gapmap_model::schema::{GeometryKind, LayerSchema};
use gapmap_model::{Layer, Record};
use postgres::Client;
use postgres::fallible_iterator::FallibleIterator;
use serde_json::{Map, Value};

/// Which rows of a layer [`records`] reads.
#[derive(Debug, Clone, Copy)]
pub(crate) enum Rows<'a> {
    /// Every row, ordered by id.
    All,
    /// The row with this id.
    Id(&'a str),
}

/// Hand the records of a layer (all, ordered by id, or one) to `visit`
/// as rows arrive; `visit` returns false to stop.
pub(crate) fn records(
    c: &mut Client,
    url: &str,
    layer: Layer,
    rows: Rows,
    visit: &mut dyn FnMut(Record) -> bool,
) -> Result<(), StoreError> {
    let schema = LayerSchema::of(layer);
    let has_geom = schema.geometry != GeometryKind::None;
    let fields: Vec<_> = schema.all_fields().collect();
    let cols: Vec<String> = fields.iter().map(|f| select_expr(f.name, f.ty)).collect();
    let sql = format!(
        "SELECT id, {}, extra{} FROM \"{}\" {} ORDER BY id COLLATE \"C\"",
        cols.join(", "),
        if has_geom { ", ST_AsBinary(geom)" } else { "" },
        layer.name(),
        match rows {
            Rows::All => "",
            Rows::Id(_) => "WHERE id = $1",
        }
    );
    let err = |e| StoreError::postgres(url, e);
    let params: Vec<&str> = match rows {
        Rows::All => vec![],
        Rows::Id(id) => vec![id],
    };
    let mut it = c.query_raw(sql.as_str(), params).map_err(err)?;
    while let Some(row) = it.next().map_err(err)? {
        let id: String = row.try_get(0).map_err(err)?;
        let mut props = Map::with_capacity(fields.len());
        for (i, f) in fields.iter().enumerate() {
            props.insert(f.name.to_owned(), from_row(f.ty, &row, i + 1).map_err(err)?);
        }
        let extra = row
            .try_get::<_, Option<String>>(fields.len() + 1)
            .map_err(err)?
            .and_then(|t| serde_json::from_str::<Map<String, Value>>(&t).ok())
            .unwrap_or_default();
        let geometry = if has_geom {
            match row
                .try_get::<_, Option<Vec<u8>>>(fields.len() + 2)
                .map_err(err)?
            {
                Some(b) => Some(from_wkb(&b).map_err(|m| StoreError::Invalid {
                    layer,
                    id: id.clone(),
                    message: format!("bad geometry: {m}"),
                })?),
                None => None,
            }
        } else {
            None
        };
        let record = Record {
            layer,
            id,
            geometry,
            props,
            extra,
            absent: Vec::new(),
        };
        if !visit(record) {
            break;
        }
    }
    Ok(())
}

pub(crate) fn meta(c: &mut Client, key: &str) -> Result<Option<String>, postgres::Error> {
    Ok(
        c.query_opt("SELECT value FROM gapmap_meta WHERE key = $1", &[&key])?
            .map(|r| r.get(0)),
    )
}

pub(crate) fn ingest_log(
    c: &mut Client,
    limit: usize,
) -> Result<Vec<crate::gpkg::IngestLogEntry>, postgres::Error> {
    let rows = c.query(
        "SELECT id, at, file, format, layer, mode, added, changed, unchanged, removed FROM gapmap_ingest_log ORDER BY id DESC LIMIT $1",
        &[&(limit as i64)],
    )?;
    Ok(rows
        .iter()
        .map(|r| crate::gpkg::IngestLogEntry {
            id: r.get(0),
            at: r.get(1),
            file: r.get(2),
            format: r.get(3),
            layer: r.get(4),
            mode: r.get(5),
            counts: Counts {
                added: r.get::<_, i64>(6) as u64,
                changed: r.get::<_, i64>(7) as u64,
                unchanged: r.get::<_, i64>(8) as u64,
                removed: r.get::<_, i64>(9) as u64,
            },
        })
        .collect())
}

pub(crate) fn has_local_changes(c: &mut Client) -> Result<bool, postgres::Error> {
    let has_users: bool = c
        .query_one("SELECT to_regclass('gapmap_users') IS NOT NULL", &[])?
        .get(0);
    let users = has_users
        && c.query_one("SELECT EXISTS (SELECT 1 FROM gapmap_users)", &[])?
            .get::<_, bool>(0);
    Ok(users
        || c.query_one(
            "SELECT EXISTS (SELECT 1 FROM gapmap_audit WHERE action != 'ingest')",
            &[],
        )?
        .get::<_, bool>(0))
}

pub(crate) fn feature_hashes(
    c: &mut Client,
    layer: Layer,
) -> Result<Vec<(String, String)>, postgres::Error> {
    Ok(c.query(
        "SELECT id, hash FROM gapmap_feature_state WHERE layer = $1 ORDER BY id COLLATE \"C\"",
        &[&layer.name()],
    )?
    .iter()
    .map(|r| (r.get(0), r.get(1)))
    .collect())
}
