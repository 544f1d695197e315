//! gapmap-store: the durable truth. The store trait the snapshot reads
//! through ([`FeatureStore`]), the GeoPackage 1.3 store that implements it
//! ([`gpkg::GpkgStore`], with its writer and migrations), the tables beside
//! the layers ([`side_tables`]), the append-only audit log ([`audit`]) and
//! the throttles' state ([`throttle`]), all written once against the SQL
//! layer both backends implement ([`sql`]). Every write follows one
//! discipline ([`write`]; [`sql::Db`] for both backends). A PostGIS store is an addition beside [`gpkg`], not a
//! rewrite (ARCHITECTURE.md, "Scale past one machine").

pub mod any;
pub mod audit;
pub mod copy;
mod copy_side;
mod error;
mod feature_store;
pub mod gpkg;
mod layer_write;
pub mod location;
mod mode;
pub mod pg;
pub mod pgpool;
pub mod side_tables;
mod side_tables_pg;
pub mod sql;
mod sql_functions;
pub mod throttle;
mod typed;
mod wkb;
pub mod write;

pub use any::{Store, StoreWriter};
pub use error::{BUSY, StoreError, UNREACHABLE};
pub use feature_store::{Counts, FeatureStore, read_typed};
pub use layer_write::LayerWrite;
pub use location::Location;
pub use mode::Mode;
