//! A store of each backend for tests (feature `testing`): a GeoPackage in
//! a temporary directory always, and a fresh PostgreSQL database when
//! `GAPMAP_TEST_PG` names a cluster (`scripts/pgcluster.sh start DIR`
//! prints its URL). Without it the PostgreSQL half is skipped with a
//! printed reason — or, with `CI=true`, fails.

use super::db::Db;
use crate::Location;

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
    // Skips, or fails under CI=true, when no cluster is given.
    let url = crate::pg::testdb::fresh("side")?;
    let cluster = std::env::var("GAPMAP_TEST_PG").ok()?;
    let name = url.rsplit_once('/').map_or("", |(_, n)| n).to_owned();
    // The store's own migrations: the side tables as a server meets them.
    let mut c = postgres::Client::connect(&url, postgres::NoTls)
        .unwrap_or_else(|e| panic!("{name}: cannot connect: {e}"));
    crate::pg::migrate::migrate(&mut c, crate::pg::migrate::MIGRATIONS)
        .unwrap_or_else(|e| panic!("{name}: cannot migrate: {e}"));
    Some(TestStore {
        db: Db::of(&Location::Postgres(url)),
        backend: "postgres",
        _dir: None,
        made: Some((cluster, name)),
    })
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
