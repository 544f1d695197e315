//! The write discipline every write to a store follows — ingests, edits,
//! resident reports, accounts, sessions, tokens, the audit log, throttles,
//! the command line:
//!
//! 1. the writers of one process queue at the store's [`Gate`], first come
//!    first served, so they never poll SQLite's lock against each other
//!    (SQLite's busy handler sleeps in growing steps and is not fair: under
//!    thirty writers one can wait far longer than the others);
//! 2. each write is one IMMEDIATE transaction ([`immediate`],
//!    [`crate::gpkg::GpkgStore::writer`]): it takes the write lock before
//!    it reads, so two writers never both read and then both try to write —
//!    the deferred transaction's "database is locked" at once, which SQLite
//!    answers without waiting because waiting could deadlock;
//! 3. waiting — at the gate, and for another process's lock (an ingest from
//!    the command line) — is bounded by [`BUSY_BOUND`] in all; past it the
//!    write fails as [`StoreError::Busy`] having written nothing (HTTP: 503
//!    with `Retry-After`, the form keeps what was typed);
//! 4. every connection that writes overwrites what it deletes
//!    (`PRAGMA secure_delete`), so a deleted report contact is not left in
//!    the file's free pages.
//!
//! The journal stays SQLite's rollback journal, not WAL: the store is one
//! GeoPackage file that QGIS opens and people copy, and a WAL store is not
//! whole without its `-wal` file beside it (see the README, "Writes").

use crate::StoreError;
use rusqlite::{Connection, Transaction, TransactionBehavior};
use std::collections::{HashMap, VecDeque};
use std::path::{Path, PathBuf};
use std::sync::{Arc, Condvar, Mutex, OnceLock};
use std::time::{Duration, Instant};

pub use crate::error::BUSY_BOUND;

#[derive(Debug, Default)]
struct GateState {
    held: bool,
    queue: VecDeque<u64>,
    next: u64,
}

/// The writers of one store in this process, served in the order they came.
#[derive(Debug, Default)]
pub struct Gate {
    state: Mutex<GateState>,
    turn: Condvar,
}

/// A turn at the gate: the holder may write; dropped, the next one may.
#[derive(Debug)]
pub struct Turn {
    gate: Arc<Gate>,
    /// When the turn began (the rest of the bound is SQLite's to wait).
    pub since: Instant,
    /// What was left of [`BUSY_BOUND`] when the turn began.
    pub left: Duration,
}

impl Drop for Turn {
    fn drop(&mut self) {
        let mut s = self.gate.state.lock().unwrap_or_else(|p| p.into_inner());
        s.held = false;
        drop(s);
        self.gate.turn.notify_all();
    }
}

impl Gate {
    /// The gate of the store at `path` (one per file in this process).
    pub fn of(path: &Path) -> Arc<Gate> {
        static GATES: OnceLock<Mutex<HashMap<PathBuf, Arc<Gate>>>> = OnceLock::new();
        let key = std::fs::canonicalize(path).unwrap_or_else(|_| path.to_owned());
        let mut gates = GATES
            .get_or_init(Default::default)
            .lock()
            .unwrap_or_else(|p| p.into_inner());
        Arc::clone(gates.entry(key).or_default())
    }

    /// Wait for this writer's turn, at most `bound`; `None` when it did
    /// not come (the writer leaves the queue).
    pub fn enter(self: &Arc<Self>, bound: Duration) -> Option<Turn> {
        let started = Instant::now();
        let mut s = self.state.lock().unwrap_or_else(|p| p.into_inner());
        let me = s.next;
        s.next += 1;
        s.queue.push_back(me);
        loop {
            if !s.held && s.queue.front() == Some(&me) {
                s.queue.pop_front();
                s.held = true;
                let waited = started.elapsed();
                return Some(Turn {
                    gate: Arc::clone(self),
                    since: Instant::now(),
                    left: bound.saturating_sub(waited),
                });
            }
            let left = bound.saturating_sub(started.elapsed());
            if left.is_zero() {
                s.queue.retain(|t| *t != me);
                drop(s);
                // The writer after this one may be first now.
                self.turn.notify_all();
                return None;
            }
            s = self
                .turn
                .wait_timeout(s, left)
                .unwrap_or_else(|p| p.into_inner())
                .0;
        }
    }
}

/// This process's turn to write to the store at `path`, within
/// [`BUSY_BOUND`].
pub fn turn(path: &Path) -> Result<Turn, StoreError> {
    Gate::of(path)
        .enter(BUSY_BOUND)
        .ok_or_else(|| StoreError::Busy {
            path: path.to_owned(),
            waited_s: BUSY_BOUND.as_secs(),
        })
}

/// Begin an IMMEDIATE transaction on `conn` during `turn`: SQLite waits for
/// another process's lock only as long as the turn has left of the bound.
pub fn begin<'c>(
    path: &Path,
    conn: &'c mut Connection,
    turn: &Turn,
) -> Result<Transaction<'c>, StoreError> {
    let e = |source| StoreError::sqlite(path, source);
    let left = turn.left.max(Duration::from_millis(100));
    crate::side_tables::configure(conn, left).map_err(e)?;
    conn.transaction_with_behavior(TransactionBehavior::Immediate)
        .map_err(e)
}

/// Run `f` as one write to the side tables of the store at `path`: its own
/// connection, this process's turn, one IMMEDIATE transaction, committed
/// when `f` succeeds and rolled back when it fails.
pub fn immediate<T, E>(path: &Path, f: impl FnOnce(&Transaction) -> Result<T, E>) -> Result<T, E>
where
    E: From<StoreError>,
{
    let e = |source| StoreError::sqlite(path, source);
    let mut conn = crate::side_tables::connect(path)?;
    let turn = turn(path)?;
    let tx = begin(path, &mut conn, &turn)?;
    let out = f(&tx)?;
    tx.commit().map_err(e)?;
    drop(turn);
    Ok(out)
}

/// Append a run of `gapmap update` in its own short transaction (a failed
/// run, whose own transaction was rolled back).
pub fn record_failed_update(
    path: &Path,
    u: &crate::side_tables::SourceUpdate,
) -> Result<(), StoreError> {
    // One write of the store's discipline (its turn, IMMEDIATE, bounded).
    immediate(path, |tx| {
        let mut c: &Connection = tx;
        crate::side_tables::ensure(&mut c)?;
        crate::side_tables::insert_source_update(&mut c, u)
    })
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::gpkg::GpkgStore;

    #[test]
    fn writers_take_turns_in_order_and_a_late_one_gives_up_in_time() {
        let gate = Arc::new(Gate::default());
        let first = gate.enter(Duration::from_secs(1)).expect("a free gate");
        let g2 = Arc::clone(&gate);
        let waiter = std::thread::spawn(move || g2.enter(Duration::from_millis(50)).is_none());
        assert!(waiter.join().unwrap(), "gave up after its bound");
        let g3 = Arc::clone(&gate);
        let next = std::thread::spawn(move || g3.enter(Duration::from_secs(5)).is_some());
        std::thread::sleep(Duration::from_millis(50));
        drop(first);
        assert!(next.join().unwrap(), "the next writer's turn came");
    }

    #[test]
    fn thirty_writers_at_once_all_commit() {
        let dir = tempfile::tempdir().unwrap();
        let path = dir.path().join("s.gpkg");
        drop(GpkgStore::open(&path).unwrap());
        let threads: Vec<_> = (0..30)
            .map(|i| {
                let path = path.clone();
                std::thread::spawn(move || {
                    let e = |source| StoreError::sqlite(&path, source);
                    immediate(&path, |tx| {
                        // Read, then write: a deferred transaction here is
                        // what answered "database is locked".
                        let n: i64 = tx
                            .query_row("SELECT count(*) FROM gapmap_reports", [], |r| r.get(0))
                            .map_err(e)?;
                        tx.execute(
                            "INSERT INTO gapmap_reports (reference, kind, text, status, created_at, updated_at)
                             VALUES (?1, 'other', ?2, 'received', 'now', 'now')",
                            rusqlite::params![format!("JN-{i:06}"), n.to_string()],
                        )
                        .map_err(e)?;
                        Ok::<_, StoreError>(())
                    })
                    .map_err(|e| e.to_string())
                })
            })
            .collect();
        for t in threads {
            t.join().unwrap().unwrap();
        }
        let c = Connection::open(&path).unwrap();
        let n: i64 = c
            .query_row("SELECT count(*) FROM gapmap_reports", [], |r| r.get(0))
            .unwrap();
        assert_eq!(n, 30);
    }
}
