//! The read side of a store, as the snapshot builder sees it: the trait a
//! second backend implements.

use crate::StoreError;
use gapmap_model::{CoverageArea, DemandPoint, Layer, Record};

/// A change counted by an ingest.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq, serde::Serialize)]
pub struct Counts {
    pub added: u64,
    pub changed: u64,
    pub unchanged: u64,
    pub removed: u64,
}

/// The read side of a store, as the snapshot builder sees it.
pub trait FeatureStore {
    /// Hand every record of a layer, ordered by id, to `visit` without
    /// holding them all; `visit` returns false to stop early.
    fn for_each_record(
        &self,
        layer: Layer,
        visit: &mut dyn FnMut(Record) -> bool,
    ) -> Result<(), StoreError>;
    /// Every record of a layer, ordered by id.
    fn read_layer(&self, layer: Layer) -> Result<Vec<Record>, StoreError> {
        let mut out = Vec::new();
        self.for_each_record(layer, &mut |r| {
            out.push(r);
            true
        })?;
        Ok(out)
    }
    /// Every demand point, typed, ordered by id: the snapshot's read of the
    /// biggest layer. The first record that does not type stops the read
    /// with its layer, id and reason ([`StoreError::Invalid`]). A backend
    /// may read its columns directly, with exactly these results (the
    /// GeoPackage store does).
    fn read_demand(&self) -> Result<Vec<DemandPoint>, StoreError> {
        read_typed(self, Layer::Demand, DemandPoint::from_record)
    }
    /// Every coverage area, typed, ordered by id (as [`FeatureStore::read_demand`]).
    fn read_coverage(&self) -> Result<Vec<CoverageArea>, StoreError> {
        read_typed(self, Layer::Coverage, CoverageArea::from_record)
    }
    /// A string that changes whenever the stored data changes; caches key on it.
    fn version(&self) -> Result<String, StoreError>;
    /// A counter per layer that changes whenever that layer changes.
    fn layer_revisions(&self) -> Result<std::collections::BTreeMap<Layer, u64>, StoreError>;
}

/// Read a layer record by record into its typed form (the untyped records
/// are never all in memory at once); the first record that does not type
/// stops the read with its layer, id and reason.
pub fn read_typed<S: FeatureStore + ?Sized, T>(
    store: &S,
    layer: Layer,
    f: impl Fn(&Record) -> Result<T, String>,
) -> Result<Vec<T>, StoreError> {
    let mut out = Vec::new();
    let mut failed = None;
    store.for_each_record(layer, &mut |r| match f(&r) {
        Ok(t) => {
            out.push(t);
            true
        }
        Err(message) => {
            failed = Some(StoreError::Invalid {
                layer: r.layer,
                id: r.id,
                message,
            });
            false
        }
    })?;
    match failed {
        Some(e) => Err(e),
        None => Ok(out),
    }
}
