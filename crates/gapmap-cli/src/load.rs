//! A store opened read-only and its snapshot, for the commands that read.

use crate::dataset;
use crate::error::{CliError, other};
use gapmap_store::gpkg::GpkgStore;
use std::path::PathBuf;

/// The snapshot of a store (default: the embedded dataset's store, built if
/// needed) under these thresholds; for the commands that read a store.
pub fn load_snapshot(
    store: Option<PathBuf>,
    thresholds: &gapmap_model::thresholds::Thresholds,
) -> Result<gapmap_engine::snapshot::Snapshot, CliError> {
    let path = match store {
        Some(s) => s,
        None => {
            let s = dataset::default_store();
            dataset::ensure_default_store(&s).map_err(other)?;
            s
        }
    };
    if !path.exists() {
        return Err(CliError::Usage(format!(
            "{}: no such store",
            path.display()
        )));
    }
    let s = GpkgStore::open_read_only(&path).map_err(other)?;
    gapmap_engine::snapshot::Snapshot::build(
        &s,
        gapmap_engine::snapshot::DEFAULT_WORKING_CRS,
        thresholds,
    )
    .map_err(other)
}
