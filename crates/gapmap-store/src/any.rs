//! A store wherever it lives ([`crate::Location`]): the GeoPackage file or
//! the PostGIS database, behind one type the rest of gapmap holds, and one
//! writer type for both.

use crate::gpkg::{GpkgStore, IngestLogEntry, Writer};
use crate::pg::{PgStore, PgWriter};
use crate::{Counts, FeatureStore, LayerWrite, Location, Mode, StoreError};
use gapmap_model::{CoverageArea, DemandPoint, Layer, Record};
use std::collections::{BTreeMap, HashSet};

/// An open store.
#[derive(Debug)]
pub enum Store {
    Gpkg(GpkgStore),
    /// Boxed: its pooled read connection makes it the larger variant.
    Pg(Box<PgStore>),
}

impl Store {
    /// Open a store for writing (created or migrated as needed).
    pub fn open(at: impl Into<Location>) -> Result<Store, StoreError> {
        Ok(match &at.into() {
            Location::Gpkg(p) => Store::Gpkg(GpkgStore::open(p)?),
            Location::Postgres(url) => Store::Pg(Box::new(PgStore::open(url)?)),
        })
    }

    /// Open an existing store for reading.
    pub fn open_read_only(at: impl Into<Location>) -> Result<Store, StoreError> {
        Ok(match &at.into() {
            Location::Gpkg(p) => Store::Gpkg(GpkgStore::open_read_only(p)?),
            Location::Postgres(url) => Store::Pg(Box::new(PgStore::open_read_only(url)?)),
        })
    }

    pub fn location(&self) -> Location {
        match self {
            Store::Gpkg(s) => Location::Gpkg(s.path().to_owned()),
            Store::Pg(s) => Location::Postgres(s.url().to_owned()),
        }
    }

    /// The GeoPackage store, when this is one.
    pub fn as_gpkg(&self) -> Option<&GpkgStore> {
        match self {
            Store::Gpkg(s) => Some(s),
            Store::Pg(_) => None,
        }
    }

    /// Start one write transaction (an ingest, an update, an edit).
    pub fn writer(&mut self) -> Result<StoreWriter<'_>, StoreError> {
        Ok(match self {
            Store::Gpkg(s) => StoreWriter::Gpkg(s.writer()?),
            Store::Pg(s) => StoreWriter::Pg(Box::new(s.writer()?)),
        })
    }

    pub fn meta(&self, key: &str) -> Result<Option<String>, StoreError> {
        match self {
            Store::Gpkg(s) => s.meta(key),
            Store::Pg(s) => s.meta(key),
        }
    }

    pub fn ingest_log(&self, limit: usize) -> Result<Vec<IngestLogEntry>, StoreError> {
        match self {
            Store::Gpkg(s) => s.ingest_log(limit),
            Store::Pg(s) => s.ingest_log(limit),
        }
    }

    pub fn has_local_changes(&self) -> Result<bool, StoreError> {
        match self {
            Store::Gpkg(s) => s.has_local_changes(),
            Store::Pg(s) => s.has_local_changes(),
        }
    }

    /// The `(id, content hash)` pairs of a layer (what copies are checked by).
    pub fn feature_hashes(&self, layer: Layer) -> Result<Vec<(String, String)>, StoreError> {
        match self {
            Store::Gpkg(s) => s.feature_hashes(layer),
            Store::Pg(s) => s.feature_hashes(layer),
        }
    }

    /// The runs of `gapmap update`, newest first (all sources, or one).
    pub fn source_updates(
        &self,
        source: Option<&str>,
        limit: usize,
    ) -> Result<Vec<crate::side_tables::SourceUpdate>, StoreError> {
        match self {
            Store::Gpkg(s) => s.source_updates(source, limit),
            Store::Pg(s) => s.source_updates(source, limit),
        }
    }

    /// Record a failed run of `gapmap update` (its own transaction).
    pub fn record_failed_update(
        &self,
        u: &crate::side_tables::SourceUpdate,
    ) -> Result<(), StoreError> {
        match self {
            Store::Gpkg(s) => crate::write::record_failed_update(s.path(), u),
            Store::Pg(s) => s.record_failed_update(u),
        }
    }

    /// The store's revision (one more per committed change).
    pub fn revision(&self) -> Result<i64, StoreError> {
        Ok(self
            .meta("revision")?
            .and_then(|v| v.parse().ok())
            .unwrap_or(0))
    }
}

impl FeatureStore for Store {
    fn for_each_record(
        &self,
        layer: Layer,
        visit: &mut dyn FnMut(Record) -> bool,
    ) -> Result<(), StoreError> {
        match self {
            Store::Gpkg(s) => s.for_each_record(layer, visit),
            Store::Pg(s) => s.for_each_record(layer, visit),
        }
    }
    fn read_demand(&self) -> Result<Vec<DemandPoint>, StoreError> {
        match self {
            Store::Gpkg(s) => s.read_demand(),
            Store::Pg(s) => s.read_demand(),
        }
    }
    fn read_coverage(&self) -> Result<Vec<CoverageArea>, StoreError> {
        match self {
            Store::Gpkg(s) => s.read_coverage(),
            Store::Pg(s) => s.read_coverage(),
        }
    }
    fn version(&self) -> Result<String, StoreError> {
        match self {
            Store::Gpkg(s) => s.version(),
            Store::Pg(s) => s.version(),
        }
    }
    fn layer_revisions(&self) -> Result<BTreeMap<Layer, u64>, StoreError> {
        match self {
            Store::Gpkg(s) => s.layer_revisions(),
            Store::Pg(s) => s.layer_revisions(),
        }
    }
}

/// An open write transaction on either store. Dropped without
/// [`StoreWriter::commit`], it rolls back.
#[derive(Debug)]
pub enum StoreWriter<'a> {
    Gpkg(Writer<'a>),
    /// Boxed, as [`Store::Pg`].
    Pg(Box<PgWriter>),
}

/// Call the same method on whichever writer this is.
macro_rules! either {
    ($self:ident, $w:ident => $e:expr) => {
        match $self {
            StoreWriter::Gpkg($w) => $e,
            StoreWriter::Pg($w) => $e,
        }
    };
}

impl StoreWriter<'_> {
    pub fn begin_layer(&mut self, layer: Layer, mode: Mode) -> Result<LayerWrite, StoreError> {
        either!(self, w => w.begin_layer(layer, mode))
    }
    /// Insert or update one record (unchanged records are not rewritten).
    pub fn put(&mut self, lw: &mut LayerWrite, record: &Record) -> Result<(), StoreError> {
        either!(self, w => w.put(lw, record))
    }
    /// Finish a layer: in replace mode remove ids not seen; log the ingest.
    pub fn end_layer(
        &mut self,
        lw: LayerWrite,
        file: &str,
        format: &str,
    ) -> Result<Counts, StoreError> {
        either!(self, w => w.end_layer(lw, file, format))
    }
    /// Commit (bumping the revision when `changed`).
    pub fn commit(self, changed: bool) -> Result<(), StoreError> {
        either!(self, w => w.commit(changed))
    }
    pub fn read_layer(&mut self, layer: Layer) -> Result<Vec<Record>, StoreError> {
        either!(self, w => w.read_layer(layer))
    }
    pub fn stored(&mut self, layer: Layer, id: &str) -> Result<Option<Record>, StoreError> {
        either!(self, w => w.stored(layer, id))
    }
    pub fn feature_hash(&mut self, layer: Layer, id: &str) -> Result<Option<String>, StoreError> {
        either!(self, w => w.feature_hash(layer, id))
    }
    pub fn revision(&mut self) -> Result<i64, StoreError> {
        either!(self, w => w.revision())
    }
    pub fn delete(&mut self, lw: &mut LayerWrite, id: &str) -> Result<bool, StoreError> {
        either!(self, w => w.delete(lw, id))
    }
    pub fn last_ingest_id(&mut self) -> Result<Option<i64>, StoreError> {
        either!(self, w => w.last_ingest_id())
    }
    pub fn parish_of(&mut self, r: &Record) -> Option<String> {
        either!(self, w => w.parish_of(r))
    }
    pub fn audit(&mut self, entry: &crate::audit::Entry) -> Result<(), StoreError> {
        either!(self, w => w.audit(entry))
    }
    pub fn ids(&mut self, layer: Layer) -> Result<HashSet<String>, StoreError> {
        either!(self, w => w.ids(layer))
    }
    pub fn ids_where(
        &mut self,
        layer: Layer,
        column: &str,
        value: &str,
    ) -> Result<HashSet<String>, StoreError> {
        either!(self, w => w.ids_where(layer, column, value))
    }
    pub fn record_source_update(
        &mut self,
        u: &crate::side_tables::SourceUpdate,
    ) -> Result<(), StoreError> {
        either!(self, w => w.record_source_update(u))
    }
    /// This transaction as the SQL layer's [`crate::sql::Sql`].
    pub fn sql(&mut self) -> &mut dyn crate::sql::Sql {
        either!(self, w => w.sql())
    }
    pub fn set_meta(&mut self, key: &str, value: &str) -> Result<(), StoreError> {
        either!(self, w => w.set_meta(key, value))
    }
}
