//! One SQL layer for both stores: the side tables (accounts, sessions,
//! tokens, throttles, reports, the source-update log, the revisions' gap
//! figures, the audit log) are written once against [`Sql`], which the
//! GeoPackage store (SQLite, [`sqlite`]) and the PostGIS store
//! (PostgreSQL, [`pg`]) both implement; [`Db`] is the handle the layers
//! above hold, one write discipline per backend.
//!
//! SQL is written once, with `?1 ?2 …` placeholders, in the dialect both
//! servers speak: `ON CONFLICT … DO NOTHING` rather than `INSERT OR
//! IGNORE`, `RETURNING` rather than `last_insert_rowid()`, timestamps
//! computed in Rust ([`now_secs`], [`now_millis`]) rather than
//! `strftime('now')`. Where the dialects cannot meet (DDL), code branches
//! on [`Sql::dialect`]. An optional filter reads `(col = ?1 OR ?1 IS NULL)`,
//! the typed use first: PostgreSQL infers a parameter's type where it
//! first meets it, and cannot from `?1 IS NULL`.

mod db;
pub mod pg;
pub mod sqlite;
#[cfg(any(test, feature = "testing"))]
pub mod testing;

pub use db::Db;

use crate::StoreError;

/// A value bound to a placeholder or read from a column.
#[derive(Debug, Clone, PartialEq)]
pub enum Val {
    Null,
    Int(i64),
    Real(f64),
    Text(String),
    Blob(Vec<u8>),
}

impl Val {
    /// What kind of value this is, for error messages.
    pub fn kind(&self) -> &'static str {
        match self {
            Val::Null => "null",
            Val::Int(_) => "integer",
            Val::Real(_) => "real",
            Val::Text(_) => "text",
            Val::Blob(_) => "blob",
        }
    }
}

impl From<i64> for Val {
    fn from(v: i64) -> Val {
        Val::Int(v)
    }
}
impl From<i32> for Val {
    fn from(v: i32) -> Val {
        Val::Int(i64::from(v))
    }
}
impl From<u32> for Val {
    fn from(v: u32) -> Val {
        Val::Int(i64::from(v))
    }
}
impl From<bool> for Val {
    fn from(v: bool) -> Val {
        Val::Int(i64::from(v))
    }
}
impl From<f64> for Val {
    fn from(v: f64) -> Val {
        Val::Real(v)
    }
}
impl From<&str> for Val {
    fn from(v: &str) -> Val {
        Val::Text(v.to_owned())
    }
}
impl From<String> for Val {
    fn from(v: String) -> Val {
        Val::Text(v)
    }
}
impl From<&String> for Val {
    fn from(v: &String) -> Val {
        Val::Text(v.clone())
    }
}
impl From<Vec<u8>> for Val {
    fn from(v: Vec<u8>) -> Val {
        Val::Blob(v)
    }
}
impl<T: Into<Val>> From<Option<T>> for Val {
    fn from(v: Option<T>) -> Val {
        v.map_or(Val::Null, Into::into)
    }
}

/// The values of a statement's placeholders: `vals![a, b, c]` for
/// `?1 ?2 ?3`.
#[macro_export]
macro_rules! vals {
    ($($v:expr),* $(,)?) => { [$($crate::sql::Val::from($v)),*] };
}

/// A value read from a column, typed.
pub trait FromVal: Sized {
    fn from_val(v: Val) -> Result<Self, String>;
}

impl FromVal for Val {
    fn from_val(v: Val) -> Result<Self, String> {
        Ok(v)
    }
}
impl FromVal for i64 {
    fn from_val(v: Val) -> Result<Self, String> {
        match v {
            Val::Int(i) => Ok(i),
            other => Err(format!("expected an integer, found {}", other.kind())),
        }
    }
}
impl FromVal for u32 {
    fn from_val(v: Val) -> Result<Self, String> {
        let i = i64::from_val(v)?;
        u32::try_from(i).map_err(|_| format!("{i} is out of range"))
    }
}
impl FromVal for u64 {
    fn from_val(v: Val) -> Result<Self, String> {
        let i = i64::from_val(v)?;
        u64::try_from(i).map_err(|_| format!("{i} is out of range"))
    }
}
impl FromVal for bool {
    fn from_val(v: Val) -> Result<Self, String> {
        Ok(i64::from_val(v)? != 0)
    }
}
impl FromVal for f64 {
    fn from_val(v: Val) -> Result<Self, String> {
        match v {
            Val::Real(r) => Ok(r),
            // SQLite keeps a whole REAL as an integer when it can.
            Val::Int(i) => Ok(i as f64),
            other => Err(format!("expected a number, found {}", other.kind())),
        }
    }
}
impl FromVal for String {
    fn from_val(v: Val) -> Result<Self, String> {
        match v {
            Val::Text(s) => Ok(s),
            other => Err(format!("expected text, found {}", other.kind())),
        }
    }
}
impl FromVal for Vec<u8> {
    fn from_val(v: Val) -> Result<Self, String> {
        match v {
            Val::Blob(b) => Ok(b),
            other => Err(format!("expected a blob, found {}", other.kind())),
        }
    }
}
impl<T: FromVal> FromVal for Option<T> {
    fn from_val(v: Val) -> Result<Self, String> {
        match v {
            Val::Null => Ok(None),
            v => T::from_val(v).map(Some),
        }
    }
}

/// One row of a result, its columns in the order of the `SELECT`.
#[derive(Debug, Clone, PartialEq, Default)]
pub struct Row(pub Vec<Val>);

impl Row {
    /// Column `i` (from 0) as `T`: an error names the column and what it held.
    pub fn get<T: FromVal>(&self, i: usize) -> Result<T, StoreError> {
        let v = self.0.get(i).cloned().ok_or_else(|| StoreError::Column {
            index: i,
            message: format!("the row has {} columns", self.0.len()),
        })?;
        T::from_val(v).map_err(|message| StoreError::Column { index: i, message })
    }
}

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
