//! The coverage-gap engine (ARCHITECTURE.md, "Gaps").
//!
//! 1. [`facts`]: for every demand point, the threshold-independent facts —
//!    the best fixed and mobile service covering it, the number of
//!    terrestrial fixed providers, the straight-line distance to the nearest
//!    free Wi-Fi, library, KAC point and public access place, and its 1 km
//!    grid cell. Computed once per snapshot (in parallel, deterministic),
//!    with the points grouped by the cells of the coverage grid: per cell,
//!    [`coverage`] plans which few polygons still need an exact test (the
//!    polygons are rasterised by [`cover_grid`] and tested on the banded
//!    edges of [`pip`]), and [`site_grid`] lists the only sites that can be
//!    nearest to a point of the cell.
//! 2. [`classify`]: the classes under given thresholds — O(1) per point, so
//!    a request with its own thresholds costs one pass over the facts.
//! 3. [`aggregate`]: residents per parish, per 1 km cell and per gap cluster,
//!    with provenance mixes and disclosure control; cluster outlines are
//!    traced on the cell lattice by [`outline`].
//! 4. [`incremental`]: a site added, moved or removed updates only the
//!    distances it can change; always equal to a full recompute.
//!
//! Beside them, [`open_now`] and [`holidays`]: opening hours at an instant
//! with Latvia's public holidays and moved working days.
//!
//! All distances are planar metres in the working CRS (EPSG:3059 by default).

pub mod aggregate;
pub mod classes;
pub mod cover_grid;
pub mod coverage;
pub mod facts;
pub mod holidays;
pub mod incremental;
pub mod open_now;
pub mod outline;
pub mod pip;
pub mod site_grid;

pub use aggregate::{Aggregate, Analysis, CellAggregate, Cluster, ParishAggregate};
pub use classes::{
    Classes, FixedClass, MobileClass, PublicAccess, check_thresholds, classify, fixed_class,
    mobile_class,
};
pub use coverage::counts_as_fixed_provider;
pub use coverage::{Attr, PointCoverage, PreparedCoverage};
pub use facts::{Facts, Nearest, NearestKind, SiteSets};
