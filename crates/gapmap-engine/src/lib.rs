//! gapmap-engine: the store becomes one immutable snapshot that every read
//! is served from — typed layers in the working CRS with their indexes
//! ([`snapshot`]), the gap analysis over every demand point ([`analysis`])
//! and the search index of places and addresses ([`gazetteer`]).

pub mod analysis;
pub mod gazetteer;
pub mod snapshot;
