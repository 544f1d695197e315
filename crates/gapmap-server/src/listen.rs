//! Hearing of committed changes in a PostGIS store shared by several
//! servers: LISTEN on [`gapmap_store::pg::CHANNEL`] over a connection of
//! this thread's own, a reload for each notification, and the revision
//! checked every poll interval as well, for notifications lost while the
//! connection was down. When the connection breaks the store is marked
//! unreachable ([`gapmap_store::pgpool::mark_down`]): the server keeps
//! serving its last snapshot, `/healthz` says "degraded" and writes get
//! 503 with `Retry-After`; the thread reconnects with growing back-off
//! (0.25 s doubling to 8 s), catches up with one reload, and marks the
//! store reachable again.

use crate::reload::Reloader;
use gapmap_store::pgpool;
use postgres::fallible_iterator::FallibleIterator;
use std::sync::Arc;
use std::time::Duration;

/// An error with its causes (the `postgres` error's own text is terse).
fn describe(e: &postgres::Error) -> String {
    let mut out = e.to_string();
    let mut cause = std::error::Error::source(e);
    while let Some(c) = cause {
        out.push_str(": ");
        out.push_str(&c.to_string());
        cause = c.source();
    }
    out
}

const FIRST_BACKOFF: Duration = Duration::from_millis(250);
const MAX_BACKOFF: Duration = Duration::from_secs(8);

/// Start the listener thread.
pub fn spawn(reloader: Arc<Reloader>, url: String, every: Duration) {
    let started = std::thread::Builder::new()
        .name("gapmap-store-listen".into())
        .spawn(move || run(&reloader, &url, every));
    if let Err(e) = started {
        tracing::error!(error = %e, "cannot start the store listener");
    }
}

fn run(reloader: &Reloader, url: &str, every: Duration) {
    let mut backoff = FIRST_BACKOFF;
    loop {
        match listen(reloader, url, every) {
            Ok(()) => return,
            Err(e) => {
                if pgpool::down(url).is_none() {
                    tracing::warn!(error = %e, "the store cannot be reached; serving the last snapshot, read-only");
                }
                pgpool::mark_down(url, &e);
                std::thread::sleep(backoff);
                backoff = (backoff * 2).min(MAX_BACKOFF);
            }
        }
        if pgpool::down(url).is_none() {
            backoff = FIRST_BACKOFF;
        }
    }
}

/// One connection's life: LISTEN, catch up, then reload on every
/// notification and on every revision change seen by the periodic check.
/// Returns the reason when the connection fails.
fn listen(reloader: &Reloader, url: &str, every: Duration) -> Result<(), String> {
    let mut client = postgres::Client::connect(url, postgres::NoTls).map_err(|e| describe(&e))?;
    client
        .batch_execute(&format!("LISTEN {}", gapmap_store::pg::CHANNEL))
        .map_err(|e| describe(&e))?;
    if pgpool::down(url).is_some() {
        tracing::info!("the store answers again; catching up");
    }
    pgpool::mark_up(url);
    let mut seen = revision(&mut client)?;
    catch_up(reloader);
    loop {
        let heard = {
            let mut n = client.notifications();
            let first = n
                .timeout_iter(every.max(Duration::from_millis(50)))
                .next()
                .map_err(|e| describe(&e))?;
            // Drain what else arrived: one reload covers them all.
            while let Ok(Some(_)) = n.iter().next() {}
            first.is_some()
        };
        let now = revision(&mut client)?;
        if heard || now != seen {
            seen = now;
            catch_up(reloader);
        }
    }
}

fn revision(client: &mut postgres::Client) -> Result<String, String> {
    client
        .query_opt("SELECT value FROM gapmap_meta WHERE key = 'revision'", &[])
        .map(|r| r.map(|r| r.get(0)).unwrap_or_default())
        .map_err(|e| describe(&e))
}

fn catch_up(reloader: &Reloader) {
    if let Err(e) = reloader.reload_now() {
        tracing::error!(error = %e, "snapshot rebuild failed; the old snapshot keeps serving");
    }
}
