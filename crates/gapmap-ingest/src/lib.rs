//! Ingest: read a file in any supported format, validate every feature
//! against its layer's schema, transform to WGS84, and hand valid records to a
//! sink (the store's write transaction, or nothing for `gapmap check`).
//!
//! 1. [`detect_format`] picks the reader from the flag, the extension or the
//!    first bytes;
//! 2. the reader streams [`RawFeature`]s in the file's own CRS;
//! 3. [`validate::Validator`] checks coordinates, geometry and properties,
//!    repairs what `--repair` allows, and reports every problem;
//! 4. valid [`Record`]s go to the sink; any error makes the caller discard
//!    everything (nothing is written).

mod convert;
pub mod csv;
mod delimited;
mod error;
mod feature;
mod format;
pub mod geocode;
pub mod geojson;
pub mod gpkg;
pub mod mapping;
pub mod opendata;
mod options;
pub mod plan;
pub mod positions;
pub mod problem;
mod raw;
mod read;
pub mod registers;
pub mod run;
pub mod shp;
pub mod sources;
pub mod text;
pub mod update;
pub mod validate;

pub use gapmap_store::Mode;

pub use error::IngestError;
pub use feature::{Emit, FileStats, Input, ReadContext};
pub use format::{Format, detect_format, display_name};
pub use options::{DefaultProvenance, Options};
pub use raw::RawFeature;
pub use read::{read_file, read_file_beside, read_to_vec};
