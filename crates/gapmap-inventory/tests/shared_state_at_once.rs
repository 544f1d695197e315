//! Shared state under load: 32 threads at once sign in and out (the
//! sign-in guard's throttle, sessions with their CSRF secrets) and post
//! resident reports (the report budget, the report and its audit row),
//! against each store — a GeoPackage, and PostgreSQL when `GAPMAP_TEST_PG`
//! names a cluster (with `CI=true` it must). No row may be lost, no count
//! may miss an update, and no error but the documented busy store may
//! come back.

#![allow(
    clippy::unwrap_used,
    reason = "a test's helpers: a failure panics with the store's message"
)]

use gapmap_inventory::accounts::{Accounts, Role, guard};
use gapmap_inventory::reports::{BUDGET, NewReport, Reports};
use gapmap_store::sql::Db;
use gapmap_store::throttle::{Bucket, StoreThrottle, Throttle};
use std::sync::Arc;
use std::time::Instant;

const THREADS: usize = 32;
const ROUNDS: usize = 5;
const USERS: usize = 4;
const PASSWORD: &str = "a long password 1";

/// One bucket every thread takes from: with no refill to speak of, what
/// is left says whether any take was lost.
const SHARED: Bucket = Bucket {
    name: "shared-test",
    burst: 1000.0,
    per_second: 1e-9,
};

#[derive(Debug, Default)]
struct Tally {
    reports: Vec<String>,
    sessions: usize,
    takes: usize,
    busy: usize,
}

fn round(
    a: &Accounts,
    r: &Reports,
    t: &StoreThrottle,
    i: usize,
    k: usize,
) -> Result<Tally, String> {
    let mut tally = Tally::default();
    let user = format!("user{}", i % USERS);
    let client = format!("10.1.{i}.{k}");
    let now = 1_000_000.0 + k as f64;
    let busy = |e: &dyn std::fmt::Display| e.to_string().contains(gapmap_store::BUSY);
    match guard::sign_in(a, t, &user, PASSWORD, &client, now) {
        Ok(p) => {
            let s = a.start_session(&p).map_err(|e| format!("session: {e}"))?;
            let (who, csrf) = a.session(&s.id).map_err(|e| format!("read session: {e}"))?;
            if who.username != user || csrf != s.csrf {
                return Err(format!(
                    "session of {user} read back as {} / {csrf}",
                    who.username
                ));
            }
            a.end_session(&s.id).map_err(|e| format!("sign out: {e}"))?;
            tally.sessions += 1;
        }
        Err(e) if busy(&e) => tally.busy += 1,
        Err(e) => return Err(format!("sign in {user}: {e}")),
    }
    match t.take(
        &[
            (&SHARED, "all"),
            (&BUDGET[0], &client),
            (&BUDGET[1], &client),
        ],
        now,
    ) {
        Ok(Ok(())) => {}
        Ok(Err(wait)) => {
            return Err(format!(
                "thread {i}: the budget refused after {k} reports ({wait} s)"
            ));
        }
        Err(e) if e.is_busy() => {
            tally.busy += 1;
            return Ok(tally);
        }
        Err(e) => return Err(format!("take: {e}")),
    }
    tally.takes += 1;
    t.failed("shared-account", "shared-client", now)
        .map_err(|e| format!("failed(): {e}"))?;
    let report = NewReport {
        kind: "no_mobile_signal".into(),
        lon: Some(23.55),
        lat: Some(56.42),
        text: format!("thread {i} round {k}"),
        contact: Some(format!("t{i}r{k}@example.lv")),
        ..NewReport::default()
    };
    match r.submit(&report, Some("vilces-pagasts"), Some("1kmN3870E5160")) {
        Ok(reference) => tally.reports.push(reference),
        Err(e) if busy(&e) => tally.busy += 1,
        Err(e) => return Err(format!("report: {e}")),
    }
    Ok(tally)
}

fn count(db: &Db, sql: &str) -> i64 {
    db.read(|s| s.value::<Option<i64>>(sql, &[]))
        .unwrap()
        .flatten()
        .unwrap_or(0)
}

fn at_once(db: &Db, backend: &str) {
    let a = Arc::new(Accounts::new(db.clone()));
    for u in 0..USERS {
        a.add_user(&format!("user{u}"), Role::Editor, PASSWORD)
            .unwrap();
    }
    let r = Arc::new(Reports::new(db.clone()));
    let t = Arc::new(StoreThrottle::new(db.clone()));
    let started = Instant::now();
    let threads: Vec<_> = (0..THREADS)
        .map(|i| {
            let (a, r, t) = (Arc::clone(&a), Arc::clone(&r), Arc::clone(&t));
            std::thread::spawn(move || {
                let mut all = Tally::default();
                for k in 0..ROUNDS {
                    let one = round(&a, &r, &t, i, k)?;
                    all.reports.extend(one.reports);
                    all.sessions += one.sessions;
                    all.takes += one.takes;
                    all.busy += one.busy;
                }
                Ok::<_, String>(all)
            })
        })
        .collect();
    let mut total = Tally::default();
    let mut errors = Vec::new();
    for th in threads {
        match th.join().expect("a thread panicked") {
            Ok(one) => {
                total.reports.extend(one.reports);
                total.sessions += one.sessions;
                total.takes += one.takes;
                total.busy += one.busy;
            }
            Err(e) => errors.push(e),
        }
    }
    let took = started.elapsed();
    assert!(errors.is_empty(), "{backend}: {errors:?}");
    eprintln!(
        "{backend}: {THREADS} threads × {ROUNDS} rounds in {:.2} s: {} sessions, {} reports, {} busy",
        took.as_secs_f64(),
        total.sessions,
        total.reports.len(),
        total.busy
    );
    // Every report that was answered with a reference is stored, once,
    // with its contact and its audit row.
    let mut refs = total.reports.clone();
    refs.sort();
    refs.dedup();
    assert_eq!(
        refs.len(),
        total.reports.len(),
        "{backend}: a reference given twice"
    );
    let n = total.reports.len() as i64;
    assert_eq!(
        count(db, "SELECT count(*) FROM gapmap_reports"),
        n,
        "{backend}"
    );
    assert_eq!(
        count(db, "SELECT count(*) FROM gapmap_report_contacts"),
        n,
        "{backend}"
    );
    assert_eq!(
        count(
            db,
            "SELECT count(*) FROM gapmap_audit WHERE action = 'report'"
        ),
        n,
        "{backend}"
    );
    assert_eq!(
        count(db, "SELECT count(*) FROM gapmap_sessions"),
        0,
        "{backend}: all signed out"
    );
    // No lost update: every take and every failure counted.
    let takes = total.takes;
    let left: f64 = db
        .read(|s| {
            s.value::<f64>(
                "SELECT tokens FROM gapmap_throttle WHERE bucket = 'shared-test'",
                &[],
            )
        })
        .unwrap()
        .unwrap();
    assert!(
        (left - (SHARED.burst - takes as f64)).abs() < 1e-3,
        "{backend}: {left} tokens left after {takes} takes"
    );
    let failures = count(db, "SELECT max(failures) FROM gapmap_signin_failures");
    assert_eq!(failures, takes as i64, "{backend}: failures counted");
    assert_eq!(
        total.busy, 0,
        "{backend}: nothing waited past the bound at this load"
    );
}

#[test]
fn thirty_two_clients_sign_in_out_and_report_at_once() {
    for s in gapmap_store::sql::testing::stores() {
        at_once(&s.db, s.backend);
    }
}
