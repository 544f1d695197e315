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

mod api;
mod db;
pub mod pg;
pub mod sqlite;
#[cfg(any(test, feature = "testing"))]
pub mod testing;
pub(crate) mod val;

pub use api::{Dialect, Sql, now_millis, now_secs};
pub use db::Db;
pub use val::{FromVal, Row, Val};
