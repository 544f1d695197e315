//! The PostGIS store: the GeoPackage store's layers mapped table for table
//! onto PostgreSQL (`geometry(…, 4326)` columns with GiST indexes, the same
//! column names and types), so QGIS and `ogr2ogr` open them directly; the
//! same revision counter, content hashes (ETags) and ingest log; and every
//! ingest, update and edit one transaction with its audit rows
//! ([`writer::PgWriter`]). A commit that changes data notifies
//! [`CHANNEL`] with the new revision, so every server sharing the store
//! hears of it (LISTEN/NOTIFY).
//!
//! Reads for a snapshot happen in one REPEATABLE READ transaction: the
//! layers a snapshot is built from are all of one revision.

pub mod migrate;
mod read;
pub mod testdb;
pub(crate) mod values;
pub mod writer;

use crate::pgpool::{self, Conn};
use crate::{FeatureStore, StoreError};
use gapmap_model::{Layer, Record};
use std::collections::BTreeMap;
use std::sync::Mutex;

pub use writer::{CHANNEL, PgWriter};

/// A PostGIS store (one database; any number of gapmap processes).
pub struct PgStore {
    url: String,
    /// The connection of this store's reads, inside one REPEATABLE READ
    /// transaction from the first read until [`PgStore::refresh`].
    reader: Mutex<Option<Conn>>,
}

impl std::fmt::Debug for PgStore {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("PgStore")
            .field("store", &crate::location::redact(&self.url))
            .finish()
    }
}

impl PgStore {
    /// Open a store for writing: connect and apply pending migrations (in
    /// one transaction; see [`migrate`]).
    ///
    /// The check runs once per database in this process: a server opens
    /// the store for every edit, and the schema this gapmap migrated to
    /// stays.
    pub fn open(url: &str) -> Result<PgStore, StoreError> {
        static MIGRATED: std::sync::OnceLock<Mutex<std::collections::HashSet<String>>> =
            std::sync::OnceLock::new();
        let migrated = MIGRATED.get_or_init(Default::default);
        if !migrated
            .lock()
            .unwrap_or_else(|p| p.into_inner())
            .contains(url)
        {
            let mut conn = pgpool::connect(url)?;
            migrate::migrate(&mut conn, migrate::MIGRATIONS).map_err(|e| migrate_error(url, e))?;
            migrated
                .lock()
                .unwrap_or_else(|p| p.into_inner())
                .insert(url.to_owned());
        }
        Ok(PgStore::unmigrated(url))
    }

    /// Open a store for reading (servers, exports): no DDL; a store that is
    /// not migrated is an error that says what to do.
    pub fn open_read_only(url: &str) -> Result<PgStore, StoreError> {
        let mut conn = pgpool::connect(url)?;
        if !migrate::is_current(&mut conn).map_err(|e| StoreError::postgres(url, e))? {
            return Err(StoreError::Corrupt {
                path: crate::location::redact(url).into(),
                message: "this database holds no gapmap store of this version yet: fill it with `gapmap ingest --store URL …` or `gapmap store copy FILE.gpkg URL`".into(),
            });
        }
        Ok(PgStore::unmigrated(url))
    }

    fn unmigrated(url: &str) -> PgStore {
        PgStore {
            url: url.to_owned(),
            reader: Mutex::new(None),
        }
    }

    pub fn url(&self) -> &str {
        &self.url
    }

    pub(crate) fn err(&self, e: postgres::Error) -> StoreError {
        StoreError::postgres(&self.url, e)
    }

    /// End the read transaction: the next read sees the store as it is then.
    pub fn refresh(&self) {
        let mut reader = self.reader.lock().unwrap_or_else(|p| p.into_inner());
        if let Some(mut c) = reader.take() {
            let _ = c.batch_execute("ROLLBACK");
        }
    }

    /// Run `f` on the read connection, inside its transaction.
    pub(crate) fn with_reader<T>(
        &self,
        f: impl FnOnce(&mut postgres::Client) -> Result<T, StoreError>,
    ) -> Result<T, StoreError> {
        let mut reader = self.reader.lock().unwrap_or_else(|p| p.into_inner());
        if reader.is_none() {
            let mut c = pgpool::connect(&self.url)?;
            c.batch_execute("BEGIN ISOLATION LEVEL REPEATABLE READ READ ONLY")
                .map_err(|e| self.err(e))?;
            *reader = Some(c);
        }
        let Some(c) = reader.as_mut() else {
            unreachable!("set above")
        };
        let out = f(c);
        if out.as_ref().is_err_and(|e| e.is_unreachable()) {
            // A connection that broke is not handed back to the pool.
            *reader = None;
        }
        out
    }

    /// Start a write transaction (one ingest, one edit); see [`PgWriter`].
    pub fn writer(&mut self) -> Result<PgWriter, StoreError> {
        self.refresh();
        PgWriter::begin(&self.url)
    }

    /// A meta value (`revision`, `store_id`, `layer_rev:…`).
    pub fn meta(&self, key: &str) -> Result<Option<String>, StoreError> {
        self.with_reader(|c| read::meta(c, key).map_err(|e| self.err(e)))
    }

    /// The store's revision (one more per committed change).
    pub fn revision(&self) -> Result<i64, StoreError> {
        Ok(self
            .meta("revision")?
            .and_then(|v| v.parse().ok())
            .unwrap_or(0))
    }

    /// The ingest log, newest first.
    pub fn ingest_log(&self, limit: usize) -> Result<Vec<crate::gpkg::IngestLogEntry>, StoreError> {
        self.with_reader(|c| read::ingest_log(c, limit).map_err(|e| self.err(e)))
    }

    /// Whether people changed this store beyond ingests (accounts, edits).
    pub fn has_local_changes(&self) -> Result<bool, StoreError> {
        self.with_reader(|c| read::has_local_changes(c).map_err(|e| self.err(e)))
    }

    /// The runs of `gapmap update`, newest first (all sources, or one).
    pub fn source_updates(
        &self,
        source: Option<&str>,
        limit: usize,
    ) -> Result<Vec<crate::side_tables::SourceUpdate>, StoreError> {
        self.with_reader(|c| crate::side_tables::source_updates(c, source, limit))
    }

    /// Record a failed run of `gapmap update` in a transaction of its own.
    pub fn record_failed_update(
        &self,
        u: &crate::side_tables::SourceUpdate,
    ) -> Result<(), StoreError> {
        let mut c = crate::pgpool::connect(&self.url)?;
        crate::side_tables::insert_source_update(&mut *c, u)
    }

    /// The `(id, hash)` pairs of a layer ordered by id: what
    /// `gapmap store copy` checksums.
    pub fn feature_hashes(&self, layer: Layer) -> Result<Vec<(String, String)>, StoreError> {
        self.with_reader(|c| read::feature_hashes(c, layer).map_err(|e| self.err(e)))
    }
}

impl Drop for PgStore {
    fn drop(&mut self) {
        self.refresh();
    }
}

impl FeatureStore for PgStore {
    fn for_each_record(
        &self,
        layer: Layer,
        visit: &mut dyn FnMut(Record) -> bool,
    ) -> Result<(), StoreError> {
        self.with_reader(|c| read::records(c, &self.url, layer, read::Rows::All, visit))
    }

    fn version(&self) -> Result<String, StoreError> {
        self.with_reader(|c| {
            let store_id = read::meta(c, "store_id").map_err(|e| self.err(e))?;
            let revision = read::meta(c, "revision").map_err(|e| self.err(e))?;
            Ok(format!(
                "{}-r{}",
                store_id.unwrap_or_default(),
                revision.unwrap_or_default()
            ))
        })
    }

    fn layer_revisions(&self) -> Result<BTreeMap<Layer, u64>, StoreError> {
        self.with_reader(|c| {
            let mut out = BTreeMap::new();
            for layer in Layer::ALL {
                let v = read::meta(c, &format!("layer_rev:{}", layer.name()))
                    .map_err(|e| self.err(e))?;
                out.insert(layer, v.and_then(|v| v.parse().ok()).unwrap_or(0));
            }
            Ok(out)
        })
    }
}

fn migrate_error(url: &str, e: migrate::MigrateError) -> StoreError {
    let store = crate::location::redact(url);
    match e {
        migrate::MigrateError::Postgres(e) => StoreError::postgres(url, e),
        migrate::MigrateError::Step { ref source, .. } if crate::error::pg_unreachable(source) => {
            StoreError::Unreachable {
                store,
                message: e.to_string(),
            }
        }
        other => StoreError::Corrupt {
            path: store.into(),
            message: other.to_string(),
        },
    }
}
