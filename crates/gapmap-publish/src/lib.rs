//! gapmap-publish: what leaves gapmap. The published collections built from
//! a snapshot — one place for their ids and properties, shared by the
//! feature service, the tiles and the exports ([`collections`]) — and the
//! export files: GeoJSON, CSV with WKT, GeoPackage ([`export`]).

pub mod collections;
pub mod export;
