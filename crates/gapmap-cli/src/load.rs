//! Which store a command means, and a store opened read-only with its
//! snapshot, for the commands that read.

use crate::dataset;
use crate::error::{CliError, other};
use gapmap_store::{Location, Store};

/// `--store` / `GAPMAP_STORE`: a `postgresql://` URL is a PostGIS store,
/// anything else a GeoPackage file.
pub fn parse_store(s: &str) -> Result<Location, String> {
    if s.trim().is_empty() {
        return Err("the store is empty: give a GeoPackage file or a postgresql:// URL".into());
    }
    Ok(Location::parse(s))
}

/// The store a command writes: `--store`, else the default one (the
/// embedded dataset's, built if needed).
pub fn store_or_default(store: Option<Location>) -> Result<Location, CliError> {
    match store {
        Some(s) => Ok(s),
        None => {
            let s = dataset::default_store();
            dataset::ensure_default_store(&s).map_err(other)?;
            Ok(Location::Gpkg(s))
        }
    }
}

/// The store a command reads: as [`store_or_default`], and a GeoPackage
/// file must exist (reading never creates one).
pub fn existing_store(store: Option<Location>) -> Result<Location, CliError> {
    let at = store_or_default(store)?;
    if let Some(p) = at.gpkg()
        && !p.exists()
    {
        return Err(CliError::Usage(format!("{}: no such store", p.display())));
    }
    Ok(at)
}

/// The snapshot of a store (default: the embedded dataset's store, built if
/// needed) under these thresholds; for the commands that read a store.
pub fn load_snapshot(
    store: Option<Location>,
    thresholds: &gapmap_model::thresholds::Thresholds,
) -> Result<gapmap_engine::snapshot::Snapshot, CliError> {
    let at = existing_store(store)?;
    let s = Store::open_read_only(&at).map_err(other)?;
    gapmap_engine::snapshot::Snapshot::build(
        &s,
        gapmap_engine::snapshot::DEFAULT_WORKING_CRS,
        thresholds,
    )
    .map_err(other)
}
