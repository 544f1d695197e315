//! The store's tables beside the layers: accounts, sessions and API tokens,
//! the append-only audit log, resident reports (their contacts kept apart)
//! and the gap figures of each revision. They are plain SQLite tables, not
//! GeoPackage contents: GIS clients and every export see only the layers.

use crate::StoreError;
use rusqlite::{Connection, OpenFlags, Transaction};
use std::path::Path;

/// A short connection to the side tables of the store at `path` (which
/// must exist): read-write, waiting up to 30 s for a lock, foreign keys on.
/// Accounts and reports each open one per call, so the edit writer, the
/// command line and sign-ins never share a lock longer than a statement.
pub fn connect(path: &Path) -> Result<Connection, StoreError> {
    let e = |source| StoreError::sqlite(path, source);
    let c = Connection::open_with_flags(path, OpenFlags::SQLITE_OPEN_READ_WRITE).map_err(e)?;
    c.busy_timeout(std::time::Duration::from_secs(30))
        .map_err(e)?;
    c.execute_batch("PRAGMA foreign_keys = ON").map_err(e)?;
    Ok(c)
}

/// Create whatever of the side tables a store lacks (every open for writing
/// calls this, so stores of an earlier gapmap gain them).
pub(crate) fn ensure(tx: &Transaction) -> rusqlite::Result<()> {
    create_tables(tx)?;
    ensure_report_place(tx)
}

/// A report's place as the resident typed it (`place_text`) and the
/// gazetteer's best match for it (`place_match`), added to stores made
/// before reports took any place.
fn ensure_report_place(tx: &Transaction) -> rusqlite::Result<()> {
    let mut st = tx.prepare("SELECT name FROM pragma_table_info('gapmap_reports')")?;
    let columns: Vec<String> = st.query_map([], |r| r.get(0))?.collect::<Result<_, _>>()?;
    for column in ["place_text", "place_match"] {
        if !columns.iter().any(|c| c == column) {
            tx.execute_batch(&format!(
                "ALTER TABLE gapmap_reports ADD COLUMN {column} TEXT"
            ))?;
        }
    }
    Ok(())
}

fn create_tables(tx: &Transaction) -> rusqlite::Result<()> {
    tx.execute_batch(
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
    )
}
