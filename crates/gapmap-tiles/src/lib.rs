//! gapmap tiling: Web Mercator tile maths, clipping with a buffer and
//! per-zoom simplification, MVT 2.1 encoding with correct winding, TileJSON,
//! the MapLibre style, and the PMTiles v3 archive of all tilesets. A tile is
//! cut on request from the features that reach it (nothing is prepared per
//! layer), and kept in a cache bounded by memory that survives an edit
//! except where the edit reaches ([`service`]).
//!
//! Features are never dropped: every feature whose geometry reaches a tile
//! (plus its 64-unit buffer) is in it; a polygon smaller than one tile unit
//! is kept as a one-unit square; every feature carries its string id in the
//! `id` property and a stable numeric MVT id derived from it.

mod carry;
pub mod geom;
pub mod mercator;
pub mod mvt;
pub mod pmtiles_out;
mod prepared;
pub mod service;
mod simplified;
pub mod style;
mod tilejson;
mod tileset;

pub use prepared::Prepared;
pub use service::{CachedTile, TileService, gzip};
pub use simplified::Simplified;
pub use tilejson::tilejson;
pub use tileset::{Summary, Tileset, numeric_id};
