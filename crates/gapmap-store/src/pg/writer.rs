//! One write transaction on the PostGIS store: an ingest, an update, an
//! edit — its layer rows, content hashes, ingest-log and audit rows, the
//! revision, and the notification that announces it, all committed
//! together or not at all.
//!
//! Writers queue on one transaction-scoped advisory lock, whichever server
//! they run on: the PostgreSQL form of the GeoPackage store's single writer
//! (an edit's ETag check and its write can never interleave with another
//! writer's). Waiting is bounded by [`crate::write::BUSY_BOUND`]
//! (`lock_timeout`); past it the write fails as busy, having written nothing.

use super::read::{self, Rows};
use super::values::{Param, placeholder, to_param, to_wkb};
use crate::gpkg::{PausePoints, content_hash, encode_geometry, merge};
use crate::pgpool::{self, Conn};
use crate::{Counts, LayerWrite, Mode, StoreError};
use gapmap_model::schema::{GeometryKind, LayerSchema};
use gapmap_model::{Layer, Record};
use postgres::Statement;
use postgres::types::ToSql;
use std::collections::{HashMap, HashSet};

/// The channel a committed change is announced on (payload: the revision).
pub const CHANNEL: &str = "gapmap_changes";

/// The advisory lock key every writer of a store takes.
const WRITE_LOCK: i64 = 7_407_761_002;

/// An open write transaction. Dropped without [`PgWriter::commit`], it
/// rolls back.
pub struct PgWriter {
    conn: Conn,
    url: String,
    open: bool,
    statements: HashMap<String, Statement>,
    pause: PausePoints,
    written: u64,
}

impl std::fmt::Debug for PgWriter {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("PgWriter")
            .field("store", &crate::location::redact(&self.url))
            .field("written", &self.written)
            .finish()
    }
}

impl Drop for PgWriter {
    fn drop(&mut self) {
        if self.open {
            let _ = self.conn.batch_execute("ROLLBACK");
        }
    }
}

impl PgWriter {
    pub(crate) fn begin(url: &str) -> Result<PgWriter, StoreError> {
        let mut conn = pgpool::connect(url)?;
        conn.batch_execute(&format!(
            "BEGIN ISOLATION LEVEL READ COMMITTED; SET LOCAL lock_timeout = '{}s'; SELECT pg_advisory_xact_lock({WRITE_LOCK})",
            crate::write::BUSY_BOUND.as_secs()
        ))
        .map_err(|e| StoreError::postgres(url, e))?;
        Ok(PgWriter {
            conn,
            url: url.to_owned(),
            open: true,
            statements: HashMap::new(),
            pause: PausePoints::from_env(),
            written: 0,
        })
    }

    fn err(&self, e: postgres::Error) -> StoreError {
        StoreError::postgres(&self.url, e)
    }

    /// A prepared statement, kept for the transaction (every record of an
    /// ingest runs the same few).
    fn statement(&mut self, sql: &str) -> Result<Statement, StoreError> {
        if let Some(st) = self.statements.get(sql) {
            return Ok(st.clone());
        }
        let st = self
            .conn
            .prepare(sql)
            .map_err(|e| StoreError::postgres(&self.url, e))?;
        self.statements.insert(sql.to_owned(), st.clone());
        Ok(st)
    }

    fn exec(&mut self, sql: &str, params: &[&(dyn ToSql + Sync)]) -> Result<u64, StoreError> {
        let st = self.statement(sql)?;
        self.conn
            .execute(&st, params)
            .map_err(|e| StoreError::postgres(&self.url, e))
    }

    pub fn begin_layer(&mut self, layer: Layer, mode: Mode) -> Result<LayerWrite, StoreError> {
        let t = layer.name();
        let empty: bool = self
            .conn
            .query_one(&format!("SELECT NOT EXISTS (SELECT 1 FROM \"{t}\")"), &[])
            .map_err(|e| self.err(e))?
            .get(0);
        let schema = LayerSchema::of(layer);
        let mut names: Vec<String> = Vec::new();
        let mut values: Vec<String> = Vec::new();
        if schema.geometry != GeometryKind::None {
            names.push("geom".into());
            values.push("ST_GeomFromWKB($1::bytea, 4326)".into());
        }
        names.push("id".into());
        values.push(format!("${}", values.len() + 1));
        for f in schema.all_fields() {
            names.push(format!("\"{}\"", f.name));
            values.push(placeholder(f.ty, values.len() + 1));
        }
        names.push("extra".into());
        values.push(format!("${}", values.len() + 1));
        let insert_sql = format!(
            "INSERT INTO \"{t}\" ({}) VALUES ({})",
            names.join(", "),
            values.join(", ")
        );
        let sets: Vec<String> = names
            .iter()
            .zip(&values)
            .map(|(n, v)| format!("{n} = {v}"))
            .collect();
        let update_sql = format!(
            "UPDATE \"{t}\" SET {} WHERE id = ${}",
            sets.join(", "),
            names.len() + 1
        );
        Ok(LayerWrite {
            layer,
            mode,
            seen: HashSet::new(),
            was_empty: empty,
            bulk: false,
            insert_sql,
            update_sql,
            counts: Counts::default(),
        })
    }

    /// Insert or update one record; unchanged records are not rewritten. In
    /// merge mode the fields the record lacks come from the stored record.
    pub fn put(&mut self, lw: &mut LayerWrite, record: &Record) -> Result<(), StoreError> {
        debug_assert_eq!(record.layer, lw.layer);
        if lw.mode == Mode::Merge
            && !lw.was_empty
            && !record.absent.is_empty()
            && let Some(stored) = self.stored(lw.layer, &record.id)?
        {
            return self.put_record(lw, &merge(record, stored));
        }
        self.put_record(lw, record)
    }

    fn put_record(&mut self, lw: &mut LayerWrite, record: &Record) -> Result<(), StoreError> {
        let store = || crate::location::redact(&self.url);
        // The hash is of the GeoPackage encoding, so a feature has the same
        // ETag in both stores and `store copy` can compare them.
        let gpkg_geom = record
            .geometry
            .as_ref()
            .map(encode_geometry)
            .transpose()
            .map_err(|m| StoreError::Corrupt {
                path: store().into(),
                message: format!("{}: {m}", record.id),
            })?;
        let hash = content_hash(record, gpkg_geom.as_deref());
        if lw.mode == Mode::Replace {
            lw.seen.insert(record.id.clone());
        }
        let t = lw.layer.name();
        let old = if lw.was_empty {
            None
        } else {
            self.feature_hash(lw.layer, &record.id)?
        };
        if old.as_deref() == Some(hash.as_str()) {
            lw.counts.unchanged += 1;
            return Ok(());
        }
        let new = old.is_none();
        let mut values = self.row_params(lw.layer, record)?;
        if !new {
            values.push(Box::new(record.id.clone()));
        }
        let sql = if new {
            lw.insert_sql.clone()
        } else {
            lw.update_sql.clone()
        };
        let refs: Vec<&(dyn ToSql + Sync)> = values
            .iter()
            .map(|b| b.as_ref() as &(dyn ToSql + Sync))
            .collect();
        self.exec(&sql, &refs)?;
        self.exec(
            "INSERT INTO gapmap_feature_state (layer, id, hash) VALUES ($1, $2, $3) ON CONFLICT (layer, id) DO UPDATE SET hash = EXCLUDED.hash",
            &[&t, &record.id, &hash],
        )?;
        if new {
            lw.counts.added += 1
        } else {
            lw.counts.changed += 1
        }
        self.written += 1;
        if self.pause.0.is_some() {
            self.pause.check(&format!("record:{}", self.written));
        }
        Ok(())
    }

    /// A record's parameters in the order of its layer's INSERT.
    fn row_params(&self, layer: Layer, record: &Record) -> Result<Vec<Param>, StoreError> {
        let schema = LayerSchema::of(layer);
        let invalid = |message: String| StoreError::Invalid {
            layer,
            id: record.id.clone(),
            message,
        };
        let mut out: Vec<Param> = Vec::with_capacity(schema.fields.len() + 8);
        if schema.geometry != GeometryKind::None {
            let wkb = record
                .geometry
                .as_ref()
                .map(to_wkb)
                .transpose()
                .map_err(invalid)?;
            out.push(Box::new(wkb));
        }
        out.push(Box::new(record.id.clone()));
        for f in schema.all_fields() {
            let v = record.props.get(f.name).unwrap_or(&serde_json::Value::Null);
            out.push(to_param(f.ty, v).map_err(|m| invalid(format!("{}: {m}", f.name)))?);
        }
        out.push(Box::new(if record.extra.is_empty() {
            None
        } else {
            Some(serde_json::Value::Object(record.extra.clone()).to_string())
        }));
        Ok(out)
    }

    fn remove(&mut self, t: &str, id: &str) -> Result<u64, StoreError> {
        let n = self.exec(&format!("DELETE FROM \"{t}\" WHERE id = $1"), &[&id])?;
        self.exec(
            "DELETE FROM gapmap_feature_state WHERE layer = $1 AND id = $2",
            &[&t, &id],
        )?;
        Ok(n)
    }

    /// Finish a layer: in replace mode remove ids not seen; log the ingest.
    pub fn end_layer(
        &mut self,
        mut lw: LayerWrite,
        file: &str,
        format: &str,
    ) -> Result<Counts, StoreError> {
        let t = lw.layer.name();
        if lw.mode == Mode::Replace && !lw.was_empty {
            let gone: Vec<String> = self
                .ids(lw.layer)?
                .into_iter()
                .filter(|id| !lw.seen.contains(id))
                .collect();
            for id in gone {
                self.remove(t, &id)?;
                lw.counts.removed += 1;
            }
            self.pause.check("after-delete");
        }
        self.pause.check("before-log");
        let c = lw.counts;
        let n = |v: u64| v as i64;
        self.exec(
            "INSERT INTO gapmap_ingest_log (at, file, format, layer, mode, added, changed, unchanged, removed) VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9)",
            &[&super::values::now(), &file, &format, &t, &lw.mode.name(), &n(c.added), &n(c.changed), &n(c.unchanged), &n(c.removed)],
        )?;
        if c.added + c.changed + c.removed > 0 {
            self.exec(
                "INSERT INTO gapmap_meta (key, value) VALUES ($1, '1') ON CONFLICT (key) DO UPDATE SET value = (gapmap_meta.value::bigint + 1)::text",
                &[&format!("layer_rev:{t}")],
            )?;
        }
        Ok(c)
    }

    /// Commit: bump the revision and announce it on [`CHANNEL`]
    /// (delivered to listeners only when the commit succeeds).
    pub fn commit(mut self, changed: bool) -> Result<(), StoreError> {
        if changed {
            let rev: String = self
                .conn
                .query_one(
                    "UPDATE gapmap_meta SET value = (value::bigint + 1)::text WHERE key = 'revision' RETURNING value",
                    &[],
                )
                .map_err(|e| self.err(e))?
                .get(0);
            self.exec("SELECT pg_notify($1, $2)", &[&CHANNEL, &rev])?;
        }
        self.pause.check("before-commit");
        self.open = false;
        self.conn.batch_execute("COMMIT").map_err(|e| self.err(e))
    }

    /// Every record of a layer as this transaction sees it, ordered by id.
    pub fn read_layer(&mut self, layer: Layer) -> Result<Vec<Record>, StoreError> {
        let mut out = Vec::new();
        read::records(&mut self.conn, &self.url, layer, Rows::All, &mut |r| {
            out.push(r);
            true
        })?;
        Ok(out)
    }

    /// The stored record of a layer with this id, as this transaction sees it.
    pub fn stored(&mut self, layer: Layer, id: &str) -> Result<Option<Record>, StoreError> {
        let mut out = None;
        read::records(&mut self.conn, &self.url, layer, Rows::Id(id), &mut |r| {
            out = Some(r);
            false
        })?;
        Ok(out)
    }

    /// The content hash of a stored feature (its ETag).
    pub fn feature_hash(&mut self, layer: Layer, id: &str) -> Result<Option<String>, StoreError> {
        let st =
            self.statement("SELECT hash FROM gapmap_feature_state WHERE layer = $1 AND id = $2")?;
        Ok(self
            .conn
            .query_opt(&st, &[&layer.name(), &id])
            .map_err(|e| StoreError::postgres(&self.url, e))?
            .map(|r| r.get(0)))
    }

    /// The store revision as this transaction sees it.
    pub fn revision(&mut self) -> Result<i64, StoreError> {
        Ok(read::meta(&mut self.conn, "revision")
            .map_err(|e| StoreError::postgres(&self.url, e))?
            .and_then(|v| v.parse().ok())
            .unwrap_or(0))
    }

    /// Remove one feature (an edit that withdraws it; counted as removed).
    pub fn delete(&mut self, lw: &mut LayerWrite, id: &str) -> Result<bool, StoreError> {
        let n = self.remove(lw.layer.name(), id)?;
        lw.counts.removed += n;
        Ok(n > 0)
    }

    /// The id of the newest ingest-log row (the file just ended).
    pub fn last_ingest_id(&mut self) -> Result<Option<i64>, StoreError> {
        Ok(self
            .conn
            .query_one("SELECT max(id) FROM gapmap_ingest_log", &[])
            .map_err(|e| self.err(e))?
            .get(0))
    }

    /// The parish a record belongs to, for the audit (as the GeoPackage
    /// writer's `parish_of`).
    pub fn parish_of(&mut self, r: &Record) -> Option<String> {
        if let Some(p) = r.string("parish_id") {
            return Some(p);
        }
        let site = r.str("site_id")?;
        self.stored(Layer::Sites, site)
            .ok()
            .flatten()
            .and_then(|s| s.string("parish_id"))
    }

    /// Append an audit row inside this transaction, at the revision the
    /// commit will make (the same row the GeoPackage writer appends).
    pub fn audit(&mut self, e: &crate::audit::Entry) -> Result<(), StoreError> {
        let revision = self.revision()? + 1;
        crate::audit::append(&mut *self.conn, revision, e)
    }

    /// The ids of a layer as this transaction sees them.
    pub fn ids(&mut self, layer: Layer) -> Result<HashSet<String>, StoreError> {
        Ok(self
            .conn
            .query(&format!("SELECT id FROM \"{}\"", layer.name()), &[])
            .map_err(|e| self.err(e))?
            .iter()
            .map(|r| r.get(0))
            .collect())
    }

    /// The ids of a layer whose text column `column` equals `value`.
    pub fn ids_where(
        &mut self,
        layer: Layer,
        column: &str,
        value: &str,
    ) -> Result<HashSet<String>, StoreError> {
        if LayerSchema::of(layer).field(column).is_none() {
            return Ok(HashSet::new());
        }
        Ok(self
            .conn
            .query(
                &format!(
                    "SELECT id FROM \"{}\" WHERE \"{column}\"::text = $1",
                    layer.name()
                ),
                &[&value],
            )
            .map_err(|e| self.err(e))?
            .iter()
            .map(|r| r.get(0))
            .collect())
    }

    /// Record one run of `gapmap update` for a source inside this transaction.
    pub fn record_source_update(
        &mut self,
        u: &crate::side_tables::SourceUpdate,
    ) -> Result<(), StoreError> {
        crate::side_tables::insert_source_update(&mut *self.conn, u)
    }

    /// This transaction as the SQL layer's [`crate::sql::Sql`].
    pub fn sql(&mut self) -> &mut dyn crate::sql::Sql {
        &mut *self.conn
    }

    /// Set a meta value inside this transaction.
    pub fn set_meta(&mut self, key: &str, value: &str) -> Result<(), StoreError> {
        self.exec(
            "INSERT INTO gapmap_meta (key, value) VALUES ($1, $2) ON CONFLICT (key) DO UPDATE SET value = EXCLUDED.value",
            &[&key, &value],
        )?;
        Ok(())
    }

    /// The transaction's connection (the side tables of [`crate::side_tables`]
    /// write through it, inside the same transaction).
    pub fn client(&mut self) -> &mut postgres::Client {
        &mut self.conn
    }
}
