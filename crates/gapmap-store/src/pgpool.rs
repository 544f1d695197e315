//! One connection pool per PostgreSQL URL in this process (every part of
//! the server that talks to the store — snapshot reads, writes, accounts,
//! throttles — shares it, as the GeoPackage store's writers share one
//! [`crate::write::Gate`] per file).

use crate::StoreError;
use r2d2_postgres::PostgresConnectionManager;
use r2d2_postgres::postgres::NoTls;
use std::collections::HashMap;
use std::sync::{Mutex, OnceLock};
use std::time::Duration;

pub type Pool = r2d2::Pool<PostgresConnectionManager<NoTls>>;
pub type Conn = r2d2::PooledConnection<PostgresConnectionManager<NoTls>>;

/// How long a request waits for a connection before the store counts as
/// unreachable (the server then answers from its last snapshot).
pub const CONNECT_BOUND: Duration = Duration::from_secs(5);

/// Connections per pool: `GAPMAP_PG_POOL`, default 16.
fn pool_size() -> u32 {
    std::env::var("GAPMAP_PG_POOL")
        .ok()
        .and_then(|v| v.parse().ok())
        .filter(|&n| n > 0)
        .unwrap_or(16)
}

/// The pool of `url` (made on first use; connections open lazily, so a
/// database that is down does not stop the pool from being made).
pub fn pool(url: &str) -> Result<Pool, StoreError> {
    static POOLS: OnceLock<Mutex<HashMap<String, Pool>>> = OnceLock::new();
    let mut pools = POOLS
        .get_or_init(Default::default)
        .lock()
        .unwrap_or_else(|p| p.into_inner());
    if let Some(p) = pools.get(url) {
        return Ok(p.clone());
    }
    let config: r2d2_postgres::postgres::Config =
        url.parse().map_err(|e| StoreError::postgres(url, e))?;
    let manager = PostgresConnectionManager::new(config, NoTls);
    let pool = r2d2::Pool::builder()
        .max_size(pool_size())
        .min_idle(Some(0))
        .connection_timeout(CONNECT_BOUND)
        .build_unchecked(manager);
    pools.insert(url.to_owned(), pool.clone());
    Ok(pool)
}

/// Since when, and why, a store is known to be unreachable.
#[derive(Debug, Clone)]
pub struct Down {
    pub since: std::time::SystemTime,
    pub message: String,
}

fn down_map() -> std::sync::MutexGuard<'static, HashMap<String, Down>> {
    static DOWN: OnceLock<Mutex<HashMap<String, Down>>> = OnceLock::new();
    DOWN.get_or_init(Default::default)
        .lock()
        .unwrap_or_else(|p| p.into_inner())
}

/// Record that the store at `url` cannot be reached (the server's listener
/// does, when its connection breaks): until [`mark_up`], [`connect`] fails
/// at once, so a write answers 503 without waiting for a timeout.
pub fn mark_down(url: &str, message: &str) {
    down_map().entry(url.to_owned()).or_insert_with(|| Down {
        since: std::time::SystemTime::now(),
        message: message.to_owned(),
    });
}

/// Record that the store at `url` answers again.
pub fn mark_up(url: &str) {
    down_map().remove(url);
}

/// Whether (since when, why) the store at `url` is known to be unreachable.
pub fn down(url: &str) -> Option<Down> {
    down_map().get(url).cloned()
}

/// A connection from the pool of `url`.
pub fn connect(url: &str) -> Result<Conn, StoreError> {
    let unreachable = |message: String| StoreError::Unreachable {
        store: crate::location::redact(url),
        message,
    };
    if let Some(d) = down(url) {
        return Err(unreachable(d.message));
    }
    pool(url)?.get().map_err(|e| unreachable(e.to_string()))
}
