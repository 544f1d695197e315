//! gapmap-publish: what leaves gapmap. The published collections built from
//! a snapshot — one place for their ids and properties, shared by the
//! feature service, the tiles and the exports ([`collections`]) — and the
//! export files: GeoJSON, CSV with WKT, GeoPackage ([`export`]). Every
//! collection's properties are described once ([`schema`]); every GeoJSON
//! geometry leaves by the right-hand rule, rounded per CRS ([`geometry`]).

pub mod collections;
pub mod export;
pub mod geometry;
pub mod items;
pub mod schema;
