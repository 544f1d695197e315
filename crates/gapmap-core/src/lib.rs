//! gapmap-core: the domain of gapmap, with no HTTP.
//!
//! The data flow is the folder layout:
//! 1. [`ingest`] parses and validates files (GeoJSON, CSV, GeoPackage, zipped
//!    Shapefile, the VZD address register and the CSB population grid),
//!    reprojecting them to WGS84;
//! 2. [`store`] keeps them durably in one GeoPackage file;
//! 3. [`snapshot`] loads the store into an immutable in-memory view with
//!    working-CRS geometry and R-trees, which every read is served from;
//! 4. [`synth`] generates deterministic synthetic data for tests and benchmarks
//!    ([`synth_inventory`]: a simulated equipment inventory and visits);
//! 5. [`plan`] turns the gaps into the IT department's plan: where new access
//!    points go, upgrades, the mobile class, what-if and progress.

pub mod analysis;
pub mod config;
pub mod crs;
pub mod export;
pub mod gazetteer;
pub mod geometry;
pub mod grid;
pub mod ingest;
pub mod model;
pub mod plan;
pub mod publish;
pub mod snapshot;
pub mod store;
pub mod synth;
pub mod synth_inventory;
pub mod synth_vzd;
pub mod text;

pub use model::{Layer, Provenance, Source};
