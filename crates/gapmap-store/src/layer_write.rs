//! The state of one layer being written, the same for both stores.

use crate::{Counts, Mode};
use gapmap_model::Layer;
use std::collections::HashSet;

/// The state of one layer being written.
#[derive(Debug)]
pub struct LayerWrite {
    pub(crate) layer: Layer,
    pub(crate) mode: Mode,
    pub(crate) seen: HashSet<String>,
    pub(crate) was_empty: bool,
    /// (GeoPackage) The R-tree insert trigger is dropped until the layer ends.
    pub(crate) bulk: bool,
    pub(crate) insert_sql: String,
    pub(crate) update_sql: String,
    pub counts: Counts,
}
