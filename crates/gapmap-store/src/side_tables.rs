//! The store's tables beside the layers: accounts, sessions and API tokens,
//! the append-only audit log, resident reports (their contacts kept apart),
//! the gap figures of each revision and the throttles' state
//! ([`crate::throttle`]). In a GeoPackage they are plain SQLite tables, not
//! GeoPackage contents: GIS clients and every export see only the layers;
//! in the PostGIS store the same tables ([`ensure`]). Every write to them
//! goes through [`crate::sql::Db`].

use crate::StoreError;
use crate::sql::val::vals;
use crate::sql::{Dialect, Sql};
use rusqlite::{Connection, OpenFlags};
use std::path::Path;

/// A short connection to the side tables of the store at `path` (which
/// must exist): read-write, waiting at most [`crate::write::BUSY_BOUND`]
/// for a lock, foreign keys on, deleted content overwritten. Accounts and
/// reports each open one per call, so the edit writer, the command line and
/// sign-ins never share a lock longer than a statement; their writes go
/// through [`crate::write::immediate`].
pub fn connect(path: &Path) -> Result<Connection, StoreError> {
    let e = |source| StoreError::sqlite(path, source);
    let c = Connection::open_with_flags(path, OpenFlags::SQLITE_OPEN_READ_WRITE).map_err(e)?;
    configure(&c, crate::error::BUSY_BOUND).map_err(e)?;
    Ok(c)
}

/// The pragmas of every connection that writes: a bounded busy wait,
/// deleted content overwritten (`secure_delete`), foreign keys enforced.
pub(crate) fn configure(conn: &Connection, wait: std::time::Duration) -> rusqlite::Result<()> {
    conn.busy_timeout(wait)?;
    conn.execute_batch("PRAGMA secure_delete = ON; PRAGMA foreign_keys = ON;")
}

/// Create whatever of the side tables a store lacks: every open of a
/// GeoPackage for writing calls this (so stores of an earlier gapmap gain
/// them), and the PostGIS store's migrations call it inside their
/// transaction. Idempotent; the same tables and columns in both dialects
/// (PostgreSQL: `BIGINT`, `DOUBLE PRECISION`, `TEXT`, identity keys).
pub fn ensure(s: &mut dyn Sql) -> Result<(), StoreError> {
    match s.dialect() {
        Dialect::Sqlite => {
            create_tables(s)?;
            ensure_report_place(s)
        }
        Dialect::Postgres => crate::side_tables_pg::create_tables(s),
    }
}

/// A report's place as the resident typed it (`place_text`) and the
/// gazetteer's best match for it (`place_match`), added to stores made
/// before reports took any place.
fn ensure_report_place(s: &mut dyn Sql) -> Result<(), StoreError> {
    let columns: Vec<String> = s
        .rows("SELECT name FROM pragma_table_info('gapmap_reports')", &[])?
        .iter()
        .map(|r| r.get(0))
        .collect::<Result<_, _>>()?;
    for column in ["place_text", "place_match"] {
        if !columns.iter().any(|c| c == column) {
            s.batch(&format!(
                "ALTER TABLE gapmap_reports ADD COLUMN {column} TEXT"
            ))?;
        }
    }
    Ok(())
}

fn create_tables(s: &mut dyn Sql) -> Result<(), StoreError> {
    s.batch(
        "CREATE TABLE IF NOT EXISTS gapmap_users (
            id INTEGER PRIMARY KEY AUTOINCREMENT,
            username TEXT NOT NULL UNIQUE,
            role TEXT NOT NULL CHECK (role IN ('editor', 'admin')),
            password_hash TEXT NOT NULL,
            disabled INTEGER NOT NULL DEFAULT 0,
            created_at TEXT NOT NULL,
            updated_at TEXT NOT NULL);
         CREATE TABLE IF NOT EXISTS gapmap_tokens (
            id INTEGER PRIMARY KEY AUTOINCREMENT,
            user_id INTEGER NOT NULL REFERENCES gapmap_users(id),
            name TEXT NOT NULL,
            role TEXT NOT NULL CHECK (role IN ('editor', 'admin')),
            token_hash TEXT NOT NULL UNIQUE,
            created_at TEXT NOT NULL,
            revoked_at TEXT,
            last_used_at TEXT);
         CREATE TABLE IF NOT EXISTS gapmap_sessions (
            id_hash TEXT PRIMARY KEY NOT NULL,
            user_id INTEGER NOT NULL REFERENCES gapmap_users(id),
            csrf TEXT NOT NULL,
            created_at TEXT NOT NULL,
            expires_at TEXT NOT NULL) WITHOUT ROWID;
         CREATE TABLE IF NOT EXISTS gapmap_audit (
            id INTEGER PRIMARY KEY AUTOINCREMENT,
            at TEXT NOT NULL,
            revision INTEGER NOT NULL,
            actor TEXT NOT NULL,
            action TEXT NOT NULL,
            layer TEXT,
            feature_id TEXT,
            parish_id TEXT,
            changes TEXT NOT NULL,
            reason TEXT NOT NULL,
            report_ref TEXT,
            ingest_id INTEGER);
         CREATE INDEX IF NOT EXISTS gapmap_audit_feature ON gapmap_audit (layer, feature_id);
         CREATE INDEX IF NOT EXISTS gapmap_audit_revision ON gapmap_audit (revision);
         CREATE TRIGGER IF NOT EXISTS gapmap_audit_no_update BEFORE UPDATE ON gapmap_audit
            BEGIN SELECT RAISE(ABORT, 'the audit log is append-only'); END;
         CREATE TRIGGER IF NOT EXISTS gapmap_audit_no_delete BEFORE DELETE ON gapmap_audit
            BEGIN SELECT RAISE(ABORT, 'the audit log is append-only'); END;
         CREATE TABLE IF NOT EXISTS gapmap_reports (
            reference TEXT PRIMARY KEY NOT NULL,
            kind TEXT NOT NULL,
            site_id TEXT,
            lon REAL,
            lat REAL,
            cell_id TEXT,
            parish_id TEXT,
            text TEXT NOT NULL,
            status TEXT NOT NULL CHECK (status IN ('received', 'accepted', 'rejected', 'fixed')),
            created_at TEXT NOT NULL,
            updated_at TEXT NOT NULL,
            decided_by TEXT,
            decision_reason TEXT) WITHOUT ROWID;
         CREATE TABLE IF NOT EXISTS gapmap_report_contacts (
            reference TEXT PRIMARY KEY NOT NULL REFERENCES gapmap_reports(reference),
            contact TEXT NOT NULL,
            created_at TEXT NOT NULL) WITHOUT ROWID;
         CREATE TABLE IF NOT EXISTS gapmap_revision_stats (
            revision INTEGER PRIMARY KEY NOT NULL,
            at TEXT NOT NULL,
            summary TEXT NOT NULL,
            parishes TEXT NOT NULL);",
    )?;
    ensure_throttles(s)?;
    ensure_source_updates(s)
}

/// The throttles' tables ([`crate::throttle`]).
fn ensure_throttles(s: &mut dyn Sql) -> Result<(), StoreError> {
    s.batch(
        "CREATE TABLE IF NOT EXISTS gapmap_throttle (
            bucket TEXT NOT NULL,
            key TEXT NOT NULL,
            tokens REAL NOT NULL,
            at REAL NOT NULL,
            burst REAL NOT NULL,
            per_second REAL NOT NULL,
            PRIMARY KEY (bucket, key)) WITHOUT ROWID;
         CREATE TABLE IF NOT EXISTS gapmap_signin_failures (
            account TEXT NOT NULL,
            client TEXT NOT NULL,
            failures INTEGER NOT NULL,
            last_at REAL NOT NULL,
            PRIMARY KEY (account, client)) WITHOUT ROWID;",
    )
}

/// The log of `gapmap update` runs ([`SourceUpdate`]).
fn ensure_source_updates(s: &mut dyn Sql) -> Result<(), StoreError> {
    s.batch(
        "CREATE TABLE IF NOT EXISTS gapmap_source_updates (
            id INTEGER PRIMARY KEY AUTOINCREMENT,
            at TEXT NOT NULL,
            source TEXT NOT NULL,
            outcome TEXT NOT NULL,
            location TEXT NOT NULL,
            etag TEXT,
            last_modified TEXT,
            sha256 TEXT,
            bytes INTEGER,
            version TEXT,
            as_of TEXT,
            licence TEXT,
            changes TEXT NOT NULL,
            message TEXT);
         CREATE INDEX IF NOT EXISTS gapmap_source_updates_source ON gapmap_source_updates (source, id);",
    )
}

/// One run of `gapmap update` for one source: where the file came from,
/// what it was (ETag, Last-Modified, SHA-256, size), the version and as-of
/// date put on its features, and what it changed per layer.
#[derive(Debug, Clone, Default, PartialEq, serde::Serialize)]
pub struct SourceUpdate {
    /// When the run ended (RFC 3339, UTC); set by the store when empty.
    pub at: String,
    pub source: String,
    /// `applied` (the store changed), `unchanged` (same content),
    /// `not_modified` (the server answered 304) or `failed`.
    pub outcome: String,
    /// The URL or file read.
    pub location: String,
    pub etag: Option<String>,
    pub last_modified: Option<String>,
    pub sha256: Option<String>,
    pub bytes: Option<u64>,
    pub version: Option<String>,
    pub as_of: Option<String>,
    pub licence: Option<String>,
    /// Per layer: `{"buildings": {"added": 3, "changed": 1, "retired": 0, "unchanged": 20}}`.
    pub changes: serde_json::Value,
    /// Why it failed, or a note.
    pub message: Option<String>,
}

/// Append a run of `gapmap update` (inside the caller's transaction).
pub fn insert_source_update(s: &mut dyn Sql, u: &SourceUpdate) -> Result<(), StoreError> {
    let at = if u.at.is_empty() {
        crate::sql::now_secs()
    } else {
        u.at.clone()
    };
    s.exec(
        "INSERT INTO gapmap_source_updates (at, source, outcome, location, etag, last_modified, sha256, bytes, version, as_of, licence, changes, message) VALUES (?1, ?2, ?3, ?4, ?5, ?6, ?7, ?8, ?9, ?10, ?11, ?12, ?13)",
        &vals![
            at,
            &u.source,
            &u.outcome,
            &u.location,
            u.etag.as_deref(),
            u.last_modified.as_deref(),
            u.sha256.as_deref(),
            u.bytes.map(|b| b as i64),
            u.version.as_deref(),
            u.as_of.as_deref(),
            u.licence.as_deref(),
            u.changes.to_string(),
            u.message.as_deref(),
        ],
    )?;
    Ok(())
}

/// The runs of `gapmap update`, newest first (of one source when given);
/// none for a GeoPackage older than the table.
pub fn source_updates(
    s: &mut dyn Sql,
    source: Option<&str>,
    limit: usize,
) -> Result<Vec<SourceUpdate>, StoreError> {
    let exists = match s.dialect() {
        Dialect::Sqlite => s.value::<bool>(
            "SELECT count(*) > 0 FROM sqlite_master WHERE name = 'gapmap_source_updates'",
            &[],
        )?,
        Dialect::Postgres => s.value::<bool>(
            "SELECT to_regclass('gapmap_source_updates') IS NOT NULL",
            &[],
        )?,
    };
    if exists != Some(true) {
        return Ok(Vec::new());
    }
    let rows = s.rows(
        "SELECT at, source, outcome, location, etag, last_modified, sha256, bytes, version, as_of, licence, changes, message FROM gapmap_source_updates WHERE source = ?1 OR ?1 IS NULL ORDER BY id DESC LIMIT ?2",
        &vals![source, limit.min(i64::MAX as usize) as i64],
    )?;
    rows.iter()
        .map(|r| {
            let changes: String = r.get(11)?;
            Ok(SourceUpdate {
                at: r.get(0)?,
                source: r.get(1)?,
                outcome: r.get(2)?,
                location: r.get(3)?,
                etag: r.get(4)?,
                last_modified: r.get(5)?,
                sha256: r.get(6)?,
                bytes: r.get(7)?,
                version: r.get(8)?,
                as_of: r.get(9)?,
                licence: r.get(10)?,
                changes: serde_json::from_str(&changes).unwrap_or(serde_json::Value::Null),
                message: r.get(12)?,
            })
        })
        .collect()
}
