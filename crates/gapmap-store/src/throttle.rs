//! Throttles kept in the store, not in one server's memory, so that every
//! server of a store counts the same (ARCHITECTURE.md, "Scale past one
//! machine": stateless servers, throttles in the store):
//!
//! - token buckets per key ([`Bucket`]): resident reports per client
//!   address, sign-in failures per address, `/admin/reload` per client;
//! - failed sign-ins per (account, address) pair, for a delay that grows
//!   with each failure of that pair and ends with a success.
//!
//! Keys are kept as salted SHA-256 digests (a client address is personal
//! data, and a name typed at sign-in may be anything; the salt is the
//! store's own, made once), and rows that say nothing
//! any more — a bucket full again, failures older than a day — are pruned
//! ([`Throttle::prune`]). [`Throttle`] is the boundary a second backend
//! (PostGIS) implements; [`SqliteThrottle`] is the GeoPackage store's. Times
//! are Unix seconds, given by the caller.

use crate::StoreError;
use rusqlite::{OptionalExtension, Transaction, params};
use sha2::{Digest, Sha256};
use std::path::{Path, PathBuf};
use std::sync::OnceLock;

/// A token bucket: `burst` at once, refilled at `per_second`.
#[derive(Debug, Clone, Copy, PartialEq)]
pub struct Bucket {
    /// Its name in the store (and in logs).
    pub name: &'static str,
    pub burst: f64,
    pub per_second: f64,
}

/// How long failed sign-ins of one pair are remembered.
pub const FAILURE_MEMORY_S: f64 = 24.0 * 3600.0;

/// The throttles' state, as the layers above see it.
pub trait Throttle: Send + Sync + std::fmt::Debug {
    /// Take one token from each `(bucket, key)`, all or none: `Ok(Ok(()))`,
    /// or `Ok(Err(seconds))` until every one of them has a token again.
    fn take(&self, takes: &[(&Bucket, &str)], now: f64) -> Result<Result<(), f64>, StoreError>;
    /// Seconds until `key` has a token in `bucket` (0: it has one now),
    /// taking nothing.
    fn wait(&self, bucket: &Bucket, key: &str, now: f64) -> Result<f64, StoreError>;
    /// The failed sign-ins of a pair and the time of the last (0, 0.0 when none).
    fn failures(&self, account: &str, client: &str, now: f64) -> Result<(u32, f64), StoreError>;
    /// Count one more failed sign-in of a pair; returns the pair's count.
    fn failed(&self, account: &str, client: &str, now: f64) -> Result<u32, StoreError>;
    /// A successful sign-in: the pair's failures are forgotten.
    fn succeeded(&self, account: &str, client: &str) -> Result<(), StoreError>;
    /// Forget what no longer limits anyone; returns the rows removed.
    fn prune(&self, now: f64) -> Result<usize, StoreError>;
}

/// The throttles of the GeoPackage store at a path.
#[derive(Debug)]
pub struct SqliteThrottle {
    path: PathBuf,
    salt: OnceLock<String>,
}

impl SqliteThrottle {
    pub fn new(path: &Path) -> SqliteThrottle {
        SqliteThrottle {
            path: path.to_owned(),
            salt: OnceLock::new(),
        }
    }

    fn err(&self) -> impl Fn(rusqlite::Error) -> StoreError + '_ {
        |e| StoreError::sqlite(&self.path, e)
    }

    /// The store's salt for key digests, made on first use.
    fn salt(&self, tx: &Transaction) -> Result<String, StoreError> {
        if let Some(s) = self.salt.get() {
            return Ok(s.clone());
        }
        tx.execute(
            "INSERT OR IGNORE INTO gapmap_meta (key, value) VALUES ('throttle_salt', lower(hex(randomblob(16))))",
            [],
        )
        .map_err(self.err())?;
        let s: String = tx
            .query_row(
                "SELECT value FROM gapmap_meta WHERE key = 'throttle_salt'",
                [],
                |r| r.get(0),
            )
            .map_err(self.err())?;
        Ok(self.salt.get_or_init(|| s).clone())
    }

    fn digest(salt: &str, scope: &str, key: &str) -> String {
        let mut h = Sha256::new();
        for part in [salt, "\0", scope, "\0", key] {
            h.update(part.as_bytes());
        }
        h.finalize().iter().map(|b| format!("{b:02x}")).collect()
    }

    /// The tokens of a bucket's key now, refilled since it was last taken.
    fn tokens(&self, tx: &Transaction, b: &Bucket, key: &str, now: f64) -> Result<f64, StoreError> {
        let row: Option<(f64, f64)> = tx
            .query_row(
                "SELECT tokens, at FROM gapmap_throttle WHERE bucket = ?1 AND key = ?2",
                params![b.name, key],
                |r| Ok((r.get(0)?, r.get(1)?)),
            )
            .optional()
            .map_err(self.err())?;
        Ok(row.map_or(b.burst, |(tokens, at)| {
            (tokens + (now - at).max(0.0) * b.per_second).min(b.burst)
        }))
    }
}

/// Seconds until `tokens` reach one at the bucket's rate.
fn wait_for(b: &Bucket, tokens: f64) -> f64 {
    if tokens >= 1.0 {
        0.0
    } else {
        (1.0 - tokens) / b.per_second
    }
}

impl Throttle for SqliteThrottle {
    fn take(&self, takes: &[(&Bucket, &str)], now: f64) -> Result<Result<(), f64>, StoreError> {
        crate::write::immediate(&self.path, |tx| {
            let salt = self.salt(tx)?;
            let mut next = Vec::with_capacity(takes.len());
            let mut wait: f64 = 0.0;
            for (b, key) in takes {
                let key = Self::digest(&salt, b.name, key);
                let tokens = self.tokens(tx, b, &key, now)?;
                wait = wait.max(wait_for(b, tokens));
                next.push((b, key, tokens - 1.0));
            }
            if wait > 0.0 {
                return Ok(Err(wait));
            }
            for (b, key, tokens) in next {
                tx.execute(
                    "INSERT OR REPLACE INTO gapmap_throttle (bucket, key, tokens, at, burst, per_second) VALUES (?1, ?2, ?3, ?4, ?5, ?6)",
                    params![b.name, key, tokens, now, b.burst, b.per_second],
                )
                .map_err(self.err())?;
            }
            Ok(Ok(()))
        })
    }

    fn wait(&self, bucket: &Bucket, key: &str, now: f64) -> Result<f64, StoreError> {
        crate::write::immediate(&self.path, |tx| {
            let key = Self::digest(&self.salt(tx)?, bucket.name, key);
            Ok(wait_for(bucket, self.tokens(tx, bucket, &key, now)?))
        })
    }

    fn failures(&self, account: &str, client: &str, now: f64) -> Result<(u32, f64), StoreError> {
        crate::write::immediate(&self.path, |tx| {
            let salt = self.salt(tx)?;
            let row: Option<(u32, f64)> = tx
                .query_row(
                    "SELECT failures, last_at FROM gapmap_signin_failures WHERE account = ?1 AND client = ?2",
                    params![
                        Self::digest(&salt, "signin-account", account),
                        Self::digest(&salt, "signin-pair", client)
                    ],
                    |r| Ok((r.get(0)?, r.get(1)?)),
                )
                .optional()
                .map_err(self.err())?;
            Ok(row
                .filter(|(_, at)| now - at < FAILURE_MEMORY_S)
                .unwrap_or((0, 0.0)))
        })
    }

    fn failed(&self, account: &str, client: &str, now: f64) -> Result<u32, StoreError> {
        crate::write::immediate(&self.path, |tx| {
            let salt = self.salt(tx)?;
            let account = Self::digest(&salt, "signin-account", account);
            let client = Self::digest(&salt, "signin-pair", client);
            tx.execute(
                "INSERT INTO gapmap_signin_failures (account, client, failures, last_at) VALUES (?1, ?2, 1, ?3)
                 ON CONFLICT (account, client) DO UPDATE SET
                   failures = CASE WHEN ?3 - last_at < ?4 THEN failures + 1 ELSE 1 END, last_at = ?3",
                params![account, client, now, FAILURE_MEMORY_S],
            )
            .map_err(self.err())?;
            tx.query_row(
                "SELECT failures FROM gapmap_signin_failures WHERE account = ?1 AND client = ?2",
                params![account, client],
                |r| r.get(0),
            )
            .map_err(self.err())
        })
    }

    fn succeeded(&self, account: &str, client: &str) -> Result<(), StoreError> {
        crate::write::immediate(&self.path, |tx| {
            let salt = self.salt(tx)?;
            let account = Self::digest(&salt, "signin-account", account);
            let client = Self::digest(&salt, "signin-pair", client);
            tx.execute(
                "DELETE FROM gapmap_signin_failures WHERE account = ?1 AND client = ?2",
                params![account, client],
            )
            .map_err(self.err())?;
            Ok(())
        })
    }

    fn prune(&self, now: f64) -> Result<usize, StoreError> {
        crate::write::immediate(&self.path, |tx| {
            let full = tx
                .execute(
                    "DELETE FROM gapmap_throttle WHERE tokens + (?1 - at) * per_second >= burst",
                    [now],
                )
                .map_err(self.err())?;
            let old = tx
                .execute(
                    "DELETE FROM gapmap_signin_failures WHERE ?1 - last_at >= ?2",
                    params![now, FAILURE_MEMORY_S],
                )
                .map_err(self.err())?;
            Ok(full + old)
        })
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::gpkg::GpkgStore;

    const B: Bucket = Bucket {
        name: "test",
        burst: 3.0,
        per_second: 0.5,
    };
    const DAY: Bucket = Bucket {
        name: "day",
        burst: 4.0,
        per_second: 4.0 / 86_400.0,
    };

    fn throttle() -> (tempfile::TempDir, SqliteThrottle) {
        let dir = tempfile::tempdir().unwrap();
        let path = dir.path().join("s.gpkg");
        drop(GpkgStore::open(&path).unwrap());
        let t = SqliteThrottle::new(&path);
        (dir, t)
    }

    #[test]
    fn buckets_burst_refill_and_take_all_or_none() {
        let (_d, t) = throttle();
        for _ in 0..3 {
            assert_eq!(t.take(&[(&B, "10.0.0.1")], 100.0).unwrap(), Ok(()));
        }
        let wait = t.take(&[(&B, "10.0.0.1")], 100.0).unwrap().unwrap_err();
        assert!((wait - 2.0).abs() < 1e-9, "{wait}");
        assert_eq!(t.wait(&B, "10.0.0.1", 101.0).unwrap(), 1.0);
        assert_eq!(t.take(&[(&B, "10.0.0.2")], 100.0).unwrap(), Ok(()));
        assert_eq!(t.take(&[(&B, "10.0.0.1")], 102.0).unwrap(), Ok(()));
        // Two buckets: the second empty, the first not taken from either.
        for i in 0..4 {
            let at = 200.0 + 10.0 * f64::from(i);
            assert_eq!(t.take(&[(&B, "a"), (&DAY, "a")], at).unwrap(), Ok(()));
        }
        assert!(t.take(&[(&B, "b"), (&DAY, "a")], 300.0).unwrap().is_err());
        assert_eq!(t.wait(&B, "b", 300.0).unwrap(), 0.0, "nothing taken from b");
    }

    #[test]
    fn keys_are_stored_as_digests_and_full_buckets_are_pruned() {
        let (_d, t) = throttle();
        t.take(&[(&B, "192.0.2.7")], 0.0).unwrap().unwrap();
        t.failed("ilze", "192.0.2.7", 0.0).unwrap();
        let bytes = std::fs::read(&t.path).unwrap();
        assert!(
            !bytes.windows(9).any(|w| w == b"192.0.2.7"),
            "no client address in the file"
        );
        assert_eq!(t.prune(1.0).unwrap(), 0, "still counting");
        assert_eq!(t.prune(FAILURE_MEMORY_S + 10.0).unwrap(), 2);
    }

    #[test]
    fn failures_count_per_pair_and_end_with_a_success() {
        let (_d, t) = throttle();
        assert_eq!(t.failed("ilze", "10.0.0.1", 10.0).unwrap(), 1);
        assert_eq!(t.failed("ilze", "10.0.0.1", 11.0).unwrap(), 2);
        assert_eq!(
            t.failed("ilze", "10.0.0.9", 11.0).unwrap(),
            1,
            "another address"
        );
        assert_eq!(t.failures("ilze", "10.0.0.1", 12.0).unwrap(), (2, 11.0));
        assert_eq!(
            t.failures("ilze", "10.0.0.1", 11.0 + FAILURE_MEMORY_S)
                .unwrap(),
            (0, 0.0),
            "forgotten after a day"
        );
        t.succeeded("ilze", "10.0.0.1").unwrap();
        assert_eq!(t.failures("ilze", "10.0.0.1", 12.0).unwrap(), (0, 0.0));
        assert_eq!(t.failures("ilze", "10.0.0.9", 12.0).unwrap(), (1, 11.0));
    }
}
