//! [`Db`]: the side tables of one store, read and written through [`Sql`]
//! with the write discipline of its backend.

use super::api::Sql;
use super::pg::Pg;
use crate::{Location, StoreError};
use postgres::IsolationLevel;
use std::path::Path;

/// The handle accounts, reports, throttles, the audit log and the
/// revisions' figures hold: where the store lives, and how to read and
/// write it.
///
/// - **GeoPackage**: reads on a short read-only connection; writes follow
///   [`crate::write::immediate`] exactly (this process's turn at the gate,
///   one IMMEDIATE transaction, every wait bounded by
///   [`crate::write::BUSY_BOUND`], past it [`StoreError::Busy`]).
/// - **PostgreSQL**: a connection from the URL's pool
///   ([`crate::pgpool`]). Reads run in one read-only REPEATABLE READ
///   transaction (a consistent view across their queries). Writes run in
///   one READ COMMITTED transaction whose lock waits are bounded by
///   [`crate::write::BUSY_BOUND`] (`lock_timeout`, then
///   [`StoreError::Busy`]); single statements are atomic (`ON CONFLICT`
///   upserts lock their row), and a read that a later write depends on
///   first takes [`Sql::lock`] on what it reads — a token bucket's key, a
///   report's reference — so no update is lost and nothing is retried.
///   A connection that fails is [`StoreError::Unreachable`].
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Db {
    location: Location,
}

impl Db {
    pub fn of(location: &Location) -> Db {
        Db {
            location: location.clone(),
        }
    }

    /// The GeoPackage store at `path`.
    pub fn gpkg(path: &Path) -> Db {
        Db::of(&Location::Gpkg(path.to_owned()))
    }

    pub fn location(&self) -> &Location {
        &self.location
    }

    /// Run `f` on a consistent read-only view of the store.
    pub fn read<T, E>(&self, f: impl FnOnce(&mut dyn Sql) -> Result<T, E>) -> Result<T, E>
    where
        E: From<StoreError>,
    {
        match &self.location {
            Location::Gpkg(path) => {
                let mut c = read_only(path)?;
                f(&mut c)
            }
            Location::Postgres(url) => {
                let store = self.location.display_name();
                let e = |source| StoreError::postgres(url, source);
                let mut conn = crate::pgpool::connect(url)?;
                let mut tx = conn
                    .build_transaction()
                    .isolation_level(IsolationLevel::RepeatableRead)
                    .read_only(true)
                    .start()
                    .map_err(e)?;
                let out = f(&mut Pg {
                    client: &mut tx,
                    store: &store,
                })?;
                tx.commit().map_err(e)?;
                Ok(out)
            }
        }
    }

    /// Run `f` as one write: committed when it succeeds, rolled back when
    /// it fails (see [`Db`] for each backend's discipline).
    pub fn write<T, E>(&self, f: impl FnOnce(&mut dyn Sql) -> Result<T, E>) -> Result<T, E>
    where
        E: From<StoreError>,
    {
        match &self.location {
            Location::Gpkg(path) => crate::write::immediate(path, |tx| {
                let mut c: &rusqlite::Connection = tx;
                f(&mut c)
            }),
            Location::Postgres(url) => {
                let store = self.location.display_name();
                let e = |source| StoreError::postgres(url, source);
                let mut conn = crate::pgpool::connect(url)?;
                let mut tx = conn
                    .build_transaction()
                    .isolation_level(IsolationLevel::ReadCommitted)
                    .start()
                    .map_err(e)?;
                tx.batch_execute(&format!(
                    "SET LOCAL lock_timeout = '{}ms'",
                    crate::write::BUSY_BOUND.as_millis()
                ))
                .map_err(e)?;
                let out = f(&mut Pg {
                    client: &mut tx,
                    store: &store,
                })?;
                tx.commit().map_err(e)?;
                Ok(out)
            }
        }
    }
}

/// A read-only connection to the GeoPackage at `path`, waiting at most
/// 30 s for a writer (whose own wait is bounded by
/// [`crate::write::BUSY_BOUND`]).
fn read_only(path: &Path) -> Result<rusqlite::Connection, StoreError> {
    let e = |source| StoreError::sqlite(path, source);
    let c = rusqlite::Connection::open_with_flags(path, rusqlite::OpenFlags::SQLITE_OPEN_READ_ONLY)
        .map_err(e)?;
    c.busy_timeout(std::time::Duration::from_secs(30))
        .map_err(e)?;
    Ok(c)
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::sql::val::vals;

    #[test]
    fn values_and_placeholders_mean_the_same_in_both_stores() {
        for t in super::super::testing::stores() {
            let got = t
                .db
                .write(|s| {
                    // An integer into a REAL column, a bool into an integer
                    // one, NULLs, text with a `?1` inside a literal.
                    s.exec(
                        "INSERT INTO gapmap_throttle (bucket, key, tokens, at, burst, per_second) VALUES (?1, '?2', ?2, ?3, ?4, 0.5)",
                        &vals!["b", 3i64, 1.5, true],
                    )?;
                    s.rows(
                        "SELECT key, tokens, at, burst, NULL, count(*) OVER () FROM gapmap_throttle WHERE bucket = ?1",
                        &vals!["b"],
                    )
                })
                .unwrap();
            let r = &got[0];
            assert_eq!(r.get::<String>(0).unwrap(), "?2", "{}", t.backend);
            assert_eq!(r.get::<f64>(1).unwrap(), 3.0);
            assert_eq!(r.get::<f64>(2).unwrap(), 1.5);
            assert_eq!(r.get::<f64>(3).unwrap(), 1.0);
            assert_eq!(r.get::<Option<i64>>(4).unwrap(), None);
            assert_eq!(r.get::<i64>(5).unwrap(), 1);
        }
    }

    #[test]
    fn a_failed_write_leaves_nothing() {
        for t in super::super::testing::stores() {
            let e = t
                .db
                .write(|s| {
                    s.exec(
                        "INSERT INTO gapmap_revision_stats (revision, at, summary, parishes) VALUES (1, 'x', '{}', '[]')",
                        &[],
                    )?;
                    // The same key again: the whole write fails.
                    s.exec(
                        "INSERT INTO gapmap_revision_stats (revision, at, summary, parishes) VALUES (1, 'y', '{}', '[]')",
                        &[],
                    )
                })
                .unwrap_err();
            assert!(!e.is_busy(), "{}: {e}", t.backend);
            let n: Option<i64> =
                t.db.read(|s| s.value("SELECT count(*) FROM gapmap_revision_stats", &[]))
                    .unwrap();
            assert_eq!(n, Some(0), "{}: rolled back", t.backend);
        }
    }

    #[test]
    fn a_postgres_store_that_is_down_is_unreachable() {
        // Nothing listens on port 1.
        let db = Db::of(&Location::Postgres(
            "postgresql://gapmap:secret@127.0.0.1:1/gapmap".into(),
        ));
        let e = db.read(|s| s.rows("SELECT 1", &[])).unwrap_err();
        assert!(e.is_unreachable(), "{e}");
        assert!(!e.to_string().contains("secret"), "{e}");
    }
}
