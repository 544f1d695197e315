//! The boundary both backends implement: [`Sql`], and the [`Dialect`] for
//! the few statements that cannot be shared.

use super::val::{FromVal, Row, Val};
use crate::StoreError;

/// The two dialects, for the few places that cannot share SQL (DDL).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Dialect {
    Sqlite,
    Postgres,
}

/// A connection or transaction of either store: statements with `?N`
/// placeholders, values as [`Val`]. Object safe: the code above takes
/// `&mut dyn Sql`.
pub trait Sql {
    /// Run one statement; the rows it changed.
    fn exec(&mut self, sql: &str, params: &[Val]) -> Result<u64, StoreError>;
    /// Run one query; its rows.
    fn rows(&mut self, sql: &str, params: &[Val]) -> Result<Vec<Row>, StoreError>;
    /// Run several statements without parameters (DDL).
    fn batch(&mut self, sql: &str) -> Result<(), StoreError>;
    fn dialect(&self) -> Dialect;
    /// Hold `key` until this transaction ends, so that a read and the write
    /// that depends on it (a token bucket, a report's decision) are not
    /// interleaved with another server's. SQLite's IMMEDIATE transaction
    /// holds the whole store already; PostgreSQL takes a transaction-level
    /// advisory lock, waiting at most the write's bound.
    fn lock(&mut self, key: &str) -> Result<(), StoreError>;
}

impl dyn Sql + '_ {
    /// The first row of a query, if any.
    pub fn row(&mut self, sql: &str, params: &[Val]) -> Result<Option<Row>, StoreError> {
        Ok(self.rows(sql, params)?.into_iter().next())
    }

    /// The first column of the first row (`None`: no row).
    pub fn value<T: FromVal>(
        &mut self,
        sql: &str,
        params: &[Val],
    ) -> Result<Option<T>, StoreError> {
        self.row(sql, params)?.map(|r| r.get(0)).transpose()
    }
}

/// Now as the side tables keep it: RFC 3339, UTC, to the second
/// (`2026-03-01T10:00:00Z`), what SQLite's `strftime('%Y-%m-%dT%H:%M:%SZ')` gave.
pub fn now_secs() -> String {
    chrono::Utc::now().to_rfc3339_opts(chrono::SecondsFormat::Secs, true)
}

/// Now to the millisecond (`2026-03-01T10:00:00.123Z`), what the audit log
/// keeps (SQLite's `strftime('%Y-%m-%dT%H:%M:%fZ')`).
pub fn now_millis() -> String {
    chrono::Utc::now().to_rfc3339_opts(chrono::SecondsFormat::Millis, true)
}
