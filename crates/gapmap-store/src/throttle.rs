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
//! ([`Throttle::prune`]). [`Throttle`] is the boundary the server holds;
//! [`StoreThrottle`] keeps the state in either store through [`Db`]. Times
//! are Unix seconds, given by the caller.

use crate::StoreError;
use crate::sql::val::vals;
use crate::sql::{Db, Sql};
use rand::RngCore;
use sha2::{Digest, Sha256};
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

/// The throttles of a store (GeoPackage or PostGIS: one SQL, [`Db`]).
#[derive(Debug)]
pub struct StoreThrottle {
    db: Db,
    salt: OnceLock<String>,
}

impl StoreThrottle {
    pub fn new(db: Db) -> StoreThrottle {
        StoreThrottle {
            db,
            salt: OnceLock::new(),
        }
    }

    /// The store's salt for key digests, made on first use.
    fn salt(&self, s: &mut dyn Sql) -> Result<String, StoreError> {
        if let Some(salt) = self.salt.get() {
            return Ok(salt.clone());
        }
        let mut bytes = [0u8; 16];
        rand::rngs::OsRng.fill_bytes(&mut bytes);
        let fresh: String = bytes.iter().map(|b| format!("{b:02x}")).collect();
        s.exec(
            "INSERT INTO gapmap_meta (key, value) VALUES ('throttle_salt', ?1) ON CONFLICT (key) DO NOTHING",
            &vals![fresh],
        )?;
        let stored: String = s
            .value(
                "SELECT value FROM gapmap_meta WHERE key = 'throttle_salt'",
                &[],
            )?
            .ok_or_else(|| StoreError::Column {
                index: 0,
                message: "gapmap_meta has no throttle_salt".into(),
            })?;
        Ok(self.salt.get_or_init(|| stored).clone())
    }

    fn digest(salt: &str, scope: &str, key: &str) -> String {
        let mut h = Sha256::new();
        for part in [salt, "\0", scope, "\0", key] {
            h.update(part.as_bytes());
        }
        h.finalize().iter().map(|b| format!("{b:02x}")).collect()
    }

    /// The tokens of a bucket's key now, refilled since it was last taken.
    fn tokens(s: &mut dyn Sql, b: &Bucket, key: &str, now: f64) -> Result<f64, StoreError> {
        let row = s.row(
            "SELECT tokens, at FROM gapmap_throttle WHERE bucket = ?1 AND key = ?2",
            &vals![b.name, key],
        )?;
        Ok(match row {
            Some(r) => {
                let (tokens, at): (f64, f64) = (r.get(0)?, r.get(1)?);
                (tokens + (now - at).max(0.0) * b.per_second).min(b.burst)
            }
            None => b.burst,
        })
    }

    /// The digests of a sign-in pair.
    fn pair(salt: &str, account: &str, client: &str) -> (String, String) {
        (
            Self::digest(salt, "signin-account", account),
            Self::digest(salt, "signin-pair", client),
        )
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

impl Throttle for StoreThrottle {
    fn take(&self, takes: &[(&Bucket, &str)], now: f64) -> Result<Result<(), f64>, StoreError> {
        self.db.write(|s| {
            let salt = self.salt(s)?;
            let mut keys: Vec<(&Bucket, String)> = takes
                .iter()
                .map(|(b, key)| (*b, Self::digest(&salt, b.name, key)))
                .collect();
            // Read and write each key under its lock, taken in one order
            // by every server (no deadlock).
            keys.sort_by(|a, b| (a.0.name, &a.1).cmp(&(b.0.name, &b.1)));
            let mut next = Vec::with_capacity(keys.len());
            let mut wait: f64 = 0.0;
            for (b, key) in keys {
                s.lock(&format!("throttle:{}:{key}", b.name))?;
                let tokens = Self::tokens(s, b, &key, now)?;
                wait = wait.max(wait_for(b, tokens));
                next.push((b, key, tokens - 1.0));
            }
            if wait > 0.0 {
                return Ok(Err(wait));
            }
            for (b, key, tokens) in next {
                s.exec(
                    "INSERT INTO gapmap_throttle (bucket, key, tokens, at, burst, per_second) VALUES (?1, ?2, ?3, ?4, ?5, ?6)
                     ON CONFLICT (bucket, key) DO UPDATE SET tokens = excluded.tokens, at = excluded.at,
                       burst = excluded.burst, per_second = excluded.per_second",
                    &vals![b.name, key, tokens, now, b.burst, b.per_second],
                )?;
            }
            Ok(Ok(()))
        })
    }

    fn wait(&self, bucket: &Bucket, key: &str, now: f64) -> Result<f64, StoreError> {
        self.db.write(|s| {
            let key = Self::digest(&self.salt(s)?, bucket.name, key);
            Ok(wait_for(bucket, Self::tokens(s, bucket, &key, now)?))
        })
    }

    fn failures(&self, account: &str, client: &str, now: f64) -> Result<(u32, f64), StoreError> {
        self.db.write(|s| {
            let (account, client) = Self::pair(&self.salt(s)?, account, client);
            let row = s.row(
                "SELECT failures, last_at FROM gapmap_signin_failures WHERE account = ?1 AND client = ?2",
                &vals![account, client],
            )?;
            let row = match row {
                Some(r) => Some((r.get::<u32>(0)?, r.get::<f64>(1)?)),
                None => None,
            };
            Ok(row
                .filter(|(_, at)| now - at < FAILURE_MEMORY_S)
                .unwrap_or((0, 0.0)))
        })
    }

    fn failed(&self, account: &str, client: &str, now: f64) -> Result<u32, StoreError> {
        self.db.write(|s| {
            let (account, client) = Self::pair(&self.salt(s)?, account, client);
            // One statement: the upsert locks the pair's row.
            s.exec(
                "INSERT INTO gapmap_signin_failures (account, client, failures, last_at) VALUES (?1, ?2, 1, ?3)
                 ON CONFLICT (account, client) DO UPDATE SET
                   failures = CASE WHEN ?3 - gapmap_signin_failures.last_at < ?4
                                   THEN gapmap_signin_failures.failures + 1 ELSE 1 END,
                   last_at = ?3",
                &vals![&account, &client, now, FAILURE_MEMORY_S],
            )?;
            s.value(
                "SELECT failures FROM gapmap_signin_failures WHERE account = ?1 AND client = ?2",
                &vals![account, client],
            )?
            .ok_or_else(|| StoreError::Column {
                index: 0,
                message: "the failure just counted is missing".into(),
            })
        })
    }

    fn succeeded(&self, account: &str, client: &str) -> Result<(), StoreError> {
        self.db.write(|s| {
            let (account, client) = Self::pair(&self.salt(s)?, account, client);
            s.exec(
                "DELETE FROM gapmap_signin_failures WHERE account = ?1 AND client = ?2",
                &vals![account, client],
            )?;
            Ok(())
        })
    }

    fn prune(&self, now: f64) -> Result<usize, StoreError> {
        self.db.write(|s| {
            let full = s.exec(
                "DELETE FROM gapmap_throttle WHERE tokens + (?1 - at) * per_second >= burst",
                &vals![now],
            )?;
            let old = s.exec(
                "DELETE FROM gapmap_signin_failures WHERE ?1 - last_at >= ?2",
                &vals![now, FAILURE_MEMORY_S],
            )?;
            Ok((full + old) as usize)
        })
    }
}

#[cfg(test)]
mod tests {
    use super::*;

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

    /// A throttle over each test store.
    fn throttles() -> Vec<(crate::sql::testing::TestStore, StoreThrottle)> {
        crate::sql::testing::stores()
            .into_iter()
            .map(|t| {
                let th = StoreThrottle::new(t.db.clone());
                (t, th)
            })
            .collect()
    }

    #[test]
    fn buckets_burst_refill_and_take_all_or_none() {
        for (_s, t) in throttles() {
            buckets_burst_refill_and_take_all_or_none_in(&t);
        }
    }

    fn buckets_burst_refill_and_take_all_or_none_in(t: &StoreThrottle) {
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
        for (store, t) in throttles() {
            t.take(&[(&B, "192.0.2.7")], 0.0).unwrap().unwrap();
            t.failed("ilze", "192.0.2.7", 0.0).unwrap();
            if let Some(path) = store.db.location().gpkg() {
                let bytes = std::fs::read(path).unwrap();
                assert!(
                    !bytes.windows(9).any(|w| w == b"192.0.2.7"),
                    "no client address in the file"
                );
            }
            let kept: Vec<String> = store
                .db
                .read(|s| {
                    s.rows(
                        "SELECT key FROM gapmap_throttle UNION ALL SELECT account || client FROM gapmap_signin_failures",
                        &[],
                    )?
                    .iter()
                    .map(|r| r.get(0))
                    .collect::<Result<_, StoreError>>()
                })
                .unwrap();
            assert_eq!(kept.len(), 2, "{}", store.backend);
            assert!(
                kept.iter()
                    .all(|k| !k.contains("192.0.2.7") && !k.contains("ilze"))
            );
            pruned(&t);
        }
    }

    fn pruned(t: &StoreThrottle) {
        assert_eq!(t.prune(1.0).unwrap(), 0, "still counting");
        assert_eq!(t.prune(FAILURE_MEMORY_S + 10.0).unwrap(), 2);
    }

    #[test]
    fn failures_count_per_pair_and_end_with_a_success() {
        for (_s, t) in throttles() {
            failures_in(&t);
        }
    }

    fn failures_in(t: &StoreThrottle) {
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
