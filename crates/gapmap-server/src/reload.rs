//! Noticing store changes and swapping in a new snapshot off the request path.

use crate::routes;
use gapmap_engine::snapshot::{Live, Snapshot, SnapshotError};
use gapmap_model::thresholds::Thresholds;
use gapmap_store::{Location, Store};
use std::path::PathBuf;
use std::sync::{Arc, Mutex};
use std::time::{Duration, Instant};

/// Rebuilds the snapshot from the store, one rebuild at a time.
#[derive(Debug)]
pub struct Reloader {
    store: Location,
    working_crs: u16,
    thresholds: Thresholds,
    live: Arc<Live>,
    lock: Mutex<()>,
}

#[derive(Debug, thiserror::Error)]
pub enum ReloadError {
    #[error(transparent)]
    Store(#[from] gapmap_store::StoreError),
    #[error(transparent)]
    Snapshot(#[from] SnapshotError),
}

impl Reloader {
    pub fn new(
        store: Location,
        working_crs: u16,
        thresholds: Thresholds,
        live: Arc<Live>,
    ) -> Reloader {
        Reloader {
            store,
            working_crs,
            thresholds,
            live,
            lock: Mutex::new(()),
        }
    }

    /// Build a snapshot of the store as it is now; swap it in if its version
    /// differs. Returns the version serving afterwards.
    pub fn reload_now(&self) -> Result<String, ReloadError> {
        let _guard = self.lock.lock().unwrap_or_else(|p| p.into_inner());
        let store = Store::open_read_only(&self.store)?;
        let version = gapmap_store::FeatureStore::version(&store)?;
        if version == self.live.get().version {
            return Ok(version);
        }
        let started = Instant::now();
        let prev = self.live.get();
        // Searchable before it serves (a new address index is built now).
        let snapshot =
            Snapshot::build_serving(&store, self.working_crs, &self.thresholds, Some(&prev))?;
        drop(prev);
        tracing::info!(version = %snapshot.version, ms = started.elapsed().as_millis() as u64, demand = snapshot.demand.len(), facts = snapshot.facts_mode, phases_ms = %snapshot.timings_text(), "new snapshot serving");
        self.live.swap(snapshot);
        self.record_figures(&self.live.get());
        Ok(version)
    }

    /// Keep the gap figures of the snapshot's revision in the store, for
    /// `version=` on the gap routes and "what changed" (once per revision;
    /// a store the server may not write keeps none, and says so in the log).
    pub fn record_figures(&self, snap: &Snapshot) {
        let revision = routes::inventory::history::current_revision(&snap.version);
        // One write of the store's discipline (gapmap_store::sql::Db).
        let done = gapmap_store::sql::Db::of(&self.store)
            .write(|s| gapmap_inventory::changes::record(s, revision, &snap.analysis));
        if let Err(e) = done {
            tracing::warn!(error = %e, revision, "cannot record the revision's gap figures");
        }
    }

    /// The store this reloader reads.
    pub fn store(&self) -> &Location {
        &self.store
    }

    /// Watch the store for committed changes and reload on each, until the
    /// process ends: a GeoPackage by polling `PRAGMA data_version` every
    /// `every`; PostGIS by LISTEN/NOTIFY, with the revision checked every
    /// `every` as well (see [`crate::listen`]).
    pub fn spawn_watcher(self: &Arc<Self>, every: Duration) {
        match &self.store {
            Location::Gpkg(path) => self.spawn_file_watcher(path.clone(), every),
            Location::Postgres(url) => {
                let me = Arc::clone(self);
                let reload = move || {
                    if let Err(e) = me.reload_now() {
                        tracing::error!(error = %e, "snapshot rebuild failed; the old snapshot keeps serving");
                    }
                };
                crate::listen::spawn(Arc::new(reload), url.clone(), every)
            }
        }
    }

    /// Poll `PRAGMA data_version` on a connection of its own and reload on
    /// change.
    fn spawn_file_watcher(self: &Arc<Self>, path: PathBuf, every: Duration) {
        let me = Arc::clone(self);
        std::thread::Builder::new()
            .name("gapmap-store-watch".into())
            .spawn(move || {
                let mut conn = None;
                let mut last = None;
                loop {
                    std::thread::sleep(every);
                    if conn.is_none() {
                        conn = gapmap_store::gpkg::GpkgStore::open_read_only(&path).ok();
                    }
                    let Some(c) = &conn else { continue };
                    match c.data_version() {
                        // The first observation also checks: an ingest may
                        // have committed between the snapshot build and now.
                        Ok(v) if last != Some(v) => {
                            if let Err(e) = me.reload_now() {
                                tracing::error!(error = %e, "snapshot rebuild failed; the old snapshot keeps serving");
                            }
                            last = Some(v);
                        }
                        Ok(_) => {}
                        Err(e) => {
                            tracing::warn!(error = %e, "cannot poll the store");
                            conn = None;
                        }
                    }
                }
            })
            .map(|_| ())
            .unwrap_or_else(|e| tracing::error!(error = %e, "cannot start the store watcher"));
    }
}
