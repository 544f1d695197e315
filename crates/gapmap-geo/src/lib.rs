//! gapmap-geo: the primitives every stage stands on — coordinate reference
//! systems and the closed-form projections ([`crs`]), geometry checks
//! ([`geometry`]), the EU statistical 1 km grid ([`grid`]), text folding for
//! ids and search ([`text`]) and CSV cells ([`csv_cell`]). Knows nothing of
//! gapmap's layers.

pub mod address;
pub mod crs;
pub mod csv_cell;
pub mod geometry;
pub mod grid;
pub mod text;
