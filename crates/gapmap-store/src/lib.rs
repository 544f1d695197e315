//! gapmap-store: the durable truth. The store trait the snapshot reads
//! through ([`FeatureStore`]), the GeoPackage 1.3 store that implements it
//! ([`gpkg::GpkgStore`], with its writer and migrations), the tables beside
//! the layers ([`side_tables`]) and the append-only audit log ([`audit`]). A PostGIS store is
//! an addition beside [`gpkg`], not a rewrite (ARCHITECTURE.md, "Scale past
//! one machine").

pub mod audit;
mod error;
mod feature_store;
pub mod gpkg;
mod mode;
pub mod side_tables;
mod sql_functions;
mod typed;
mod wkb;

pub use error::StoreError;
pub use feature_store::{Counts, FeatureStore, read_typed};
pub use mode::Mode;
