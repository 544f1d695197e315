//! A store of each backend for tests (feature `testing`): a GeoPackage in
//! a temporary directory always, and a fresh PostgreSQL database when
//! `GAPMAP_TEST_PG` names a cluster (`scripts/pgcluster.sh start DIR`
//! prints its URL). Without it the PostgreSQL half is skipped with a
//! printed reason — or, with `CI=true`, fails.

use super::api::Sql;
use super::db::Db;
use crate::{Location, StoreError};
use std::sync::atomic::{AtomicU64, Ordering};

/// One test store; a PostgreSQL database is dropped with it.
#[derive(Debug)]
pub struct TestStore {
    pub db: Db,
    /// `sqlite` or `postgres`, for assertion messages.
    pub backend: &'static str,
    _dir: Option<tempfile::TempDir>,
    /// The cluster URL and the database made on it.
    made: Option<(String, String)>,
}

/// The GeoPackage store and, when a cluster is given, the PostgreSQL one.
///
/// # Panics
/// When `CI=true` and `GAPMAP_TEST_PG` is unset (the suite must run
/// against both stores there), or when the cluster cannot be used.
pub fn stores() -> Vec<TestStore> {
    let mut out = vec![sqlite()];
    out.extend(postgres());
    out
}

/// A new GeoPackage store with its side tables.
pub fn sqlite() -> TestStore {
    let dir = tempfile::tempdir().expect("a temporary directory");
    let path = dir.path().join("s.gpkg");
    drop(crate::gpkg::GpkgStore::open(&path).expect("a new GeoPackage store"));
    TestStore {
        db: Db::gpkg(&path),
        backend: "sqlite",
        _dir: Some(dir),
        made: None,
    }
}

/// A new PostgreSQL database with the side tables, on the cluster of
/// `GAPMAP_TEST_PG`; `None` (said on stderr) when it is unset outside CI.
pub fn postgres() -> Option<TestStore> {
    let Some(cluster) = std::env::var("GAPMAP_TEST_PG")
        .ok()
        .filter(|v| !v.is_empty())
    else {
        assert!(
            std::env::var("CI").as_deref() != Ok("true"),
            "GAPMAP_TEST_PG is not set: with CI=true the PostgreSQL half of the store tests must run \
             (scripts/pgcluster.sh start DIR prints the URL to export)"
        );
        eprintln!("GAPMAP_TEST_PG is not set: the PostgreSQL half of this test is skipped");
        return None;
    };
    static N: AtomicU64 = AtomicU64::new(0);
    let nanos = std::time::SystemTime::now()
        .duration_since(std::time::UNIX_EPOCH)
        .map_or(0, |d| d.subsec_nanos());
    let name = format!(
        "gapmap_t_{}_{}_{nanos}",
        std::process::id(),
        N.fetch_add(1, Ordering::Relaxed)
    );
    admin(&cluster, &format!("CREATE DATABASE {name}"))
        .unwrap_or_else(|e| panic!("GAPMAP_TEST_PG={cluster}: cannot create a database: {e}"));
    let url = with_database(&cluster, &name);
    let db = Db::of(&Location::Postgres(url));
    db.write(|s| {
        ensure_meta(s)?;
        crate::side_tables::ensure(s)
    })
    .unwrap_or_else(|e| panic!("{name}: cannot create the side tables: {e}"));
    Some(TestStore {
        db,
        backend: "postgres",
        _dir: None,
        made: Some((cluster, name)),
    })
}

/// `gapmap_meta` as the PostGIS store's migrations make it (the side
/// tables read the store's `revision` and keep the throttles' salt there).
fn ensure_meta(s: &mut dyn Sql) -> Result<(), StoreError> {
    s.batch(
        "CREATE TABLE IF NOT EXISTS gapmap_meta (key TEXT PRIMARY KEY NOT NULL, value TEXT NOT NULL);
         INSERT INTO gapmap_meta (key, value) VALUES ('revision', '0') ON CONFLICT (key) DO NOTHING;",
    )
}

/// `url` with its database replaced by `name`.
fn with_database(url: &str, name: &str) -> String {
    let base = url.split('?').next().unwrap_or(url);
    let query = url.strip_prefix(base).unwrap_or("");
    let head = base.rsplit_once('/').map_or(base, |(h, _)| h);
    format!("{head}/{name}{query}")
}

fn admin(cluster: &str, sql: &str) -> Result<(), postgres::Error> {
    let mut c = postgres::Client::connect(cluster, postgres::NoTls)?;
    c.batch_execute(sql)
}

impl Drop for TestStore {
    fn drop(&mut self) {
        if let Some((cluster, name)) = &self.made {
            // FORCE: the pool of its URL may still hold idle connections.
            let _ = admin(
                cluster,
                &format!("DROP DATABASE IF EXISTS {name} WITH (FORCE)"),
            );
        }
    }
}
