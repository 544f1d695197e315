//! gapmap-model: what gapmap's data is — the layers, their schemas, the
//! typed features and their provenance, and the analysis thresholds. No I/O:
//! every crate above reads and writes these types. What an id and a text
//! may be, for every way in, is [`values`].
//!
//! Every layer is described once by a [`schema::LayerSchema`] (its fields and
//! their types), which drives validation, the GeoPackage columns and every
//! export; the typed structs are what the snapshot and analyses use.

pub mod disclosure;
#[macro_use]
mod features;
mod building;
pub mod inventory;
mod layer;
mod provenance;
pub mod schema;
pub mod thresholds;
pub mod values;

pub use building::{Building, BuildingKind};
pub use features::{
    Area, AreaKind, CoordinateQuality, CoverageArea, DemandOrigin, DemandPoint, PriorityZone,
    Record, ServiceKind, Settlement, SettlementKind, Site, SiteKind, SiteStatus, Technology,
    Wheelchair, ZoneKind, parse_date,
};
pub use inventory::{Equipment, EquipmentType, Visit};
pub use layer::Layer;
pub use provenance::{Provenance, Source};
