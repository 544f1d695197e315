//! Why a snapshot could not be built.

use gapmap_geo::crs::CrsError;
use gapmap_model::Layer;
use gapmap_store::StoreError;

#[derive(Debug, thiserror::Error)]
pub enum SnapshotError {
    #[error(transparent)]
    Store(#[from] StoreError),
    #[error("{layer} `{id}`: {message}")]
    Feature {
        layer: Layer,
        id: String,
        message: String,
    },
    #[error("cannot project to EPSG:{crs}: {message}")]
    Projection { crs: u16, message: String },
}

/// A projection to `crs` failed.
pub(super) fn projection_error(crs: u16) -> impl Fn(CrsError) -> SnapshotError {
    move |e| SnapshotError::Projection {
        crs,
        message: e.to_string(),
    }
}
