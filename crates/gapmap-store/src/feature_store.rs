//! The read side of a store, as the snapshot builder sees it: the trait a
//! second backend implements.

use crate::StoreError;
use gapmap_model::{Layer, Record};

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
    /// A string that changes whenever the stored data changes; caches key on it.
    fn version(&self) -> Result<String, StoreError>;
    /// A counter per layer that changes whenever that layer changes.
    fn layer_revisions(&self) -> Result<std::collections::BTreeMap<Layer, u64>, StoreError>;
}
