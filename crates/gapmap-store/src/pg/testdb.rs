//! Fresh PostgreSQL databases for tests: `GAPMAP_TEST_PG` names a cluster
//! (`postgresql://user@host:port/db`, e.g. from `scripts/pgcluster.sh`);
//! each call creates a new database with PostGIS through it, so tests run
//! in parallel without seeing each other. Unset, the tests that need one
//! fail under `CI=true` and are skipped (with the reason printed) otherwise.

use std::sync::atomic::{AtomicU32, Ordering};

/// The URL of a new, empty database with PostGIS, or `None` (skip) when no
/// cluster is configured outside CI. Panics with the reason when the
/// cluster cannot be used, or is missing under `CI=true`.
pub fn fresh(label: &str) -> Option<String> {
    let Ok(base) = std::env::var("GAPMAP_TEST_PG") else {
        if std::env::var("CI").is_ok_and(|v| v == "true") {
            panic!(
                "GAPMAP_TEST_PG is not set under CI=true: the PostGIS store's tests need a cluster (make test starts one with scripts/pgcluster.sh)"
            );
        }
        eprintln!(
            "skipped {label}: GAPMAP_TEST_PG is not set (scripts/pgcluster.sh start DIR prints a URL for it)"
        );
        return None;
    };
    static N: AtomicU32 = AtomicU32::new(0);
    let name = format!(
        "t_{}_{}_{}",
        label
            .chars()
            .filter(|c| c.is_ascii_alphanumeric())
            .take(24)
            .collect::<String>()
            .to_ascii_lowercase(),
        std::process::id(),
        N.fetch_add(1, Ordering::Relaxed)
    );
    let mut admin = postgres::Client::connect(&base, postgres::NoTls)
        .unwrap_or_else(|e| panic!("GAPMAP_TEST_PG={base}: cannot connect: {e}"));
    admin
        .batch_execute(&format!("CREATE DATABASE \"{name}\""))
        .unwrap_or_else(|e| panic!("cannot create the test database {name}: {e}"));
    let url = match base.rsplit_once('/') {
        Some((server, _)) => format!("{server}/{name}"),
        None => panic!("GAPMAP_TEST_PG={base} names no database"),
    };
    postgres::Client::connect(&url, postgres::NoTls)
        .and_then(|mut c| c.batch_execute("CREATE EXTENSION postgis"))
        .unwrap_or_else(|e| panic!("{name}: cannot enable PostGIS: {e}"));
    Some(url)
}
