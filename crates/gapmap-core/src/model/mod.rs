//! The domain model: layers, their typed features and provenance.
//!
//! Every layer is described once by a [`schema::LayerSchema`] (its fields and
//! their types), which drives validation, the GeoPackage columns and every
//! export; the typed structs here are what the snapshot and analyses use.

mod features;
pub use features::{Record, parse_date};
pub mod inventory;
mod provenance;
pub mod schema;

pub use features::{
    Area, AreaKind, CoordinateQuality, CoverageArea, DemandOrigin, DemandPoint, PriorityZone,
    ServiceKind, Settlement, SettlementKind, Site, SiteKind, SiteStatus, Technology, Wheelchair,
    ZoneKind,
};
pub use inventory::{Equipment, EquipmentType, Visit};
pub use provenance::{Provenance, Source};

use std::fmt;
use std::str::FromStr;

/// The layers of the store. Each has one table in the GeoPackage.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, PartialOrd, Ord)]
pub enum Layer {
    Sites,
    Areas,
    Coverage,
    Demand,
    PriorityZones,
    Plan,
    Settlements,
    /// Dated equipment records per site (no geometry).
    Equipment,
    /// Mobile-class visits per site (no geometry).
    Visits,
}

impl Layer {
    pub const ALL: [Layer; 9] = [
        Layer::Sites,
        Layer::Areas,
        Layer::Coverage,
        Layer::Demand,
        Layer::PriorityZones,
        Layer::Plan,
        Layer::Settlements,
        Layer::Equipment,
        Layer::Visits,
    ];

    /// The name used on the command line and as the GeoPackage table name.
    pub fn name(self) -> &'static str {
        match self {
            Layer::Sites => "sites",
            Layer::Areas => "areas",
            Layer::Coverage => "coverage",
            Layer::Demand => "demand",
            Layer::PriorityZones => "priority_zones",
            Layer::Plan => "plan",
            Layer::Settlements => "settlements",
            Layer::Equipment => "equipment",
            Layer::Visits => "visits",
        }
    }
}

impl Layer {
    /// Every layer name, comma-separated, for messages.
    pub fn names() -> String {
        Layer::ALL.map(Layer::name).join(", ")
    }
}

impl fmt::Display for Layer {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(self.name())
    }
}

impl FromStr for Layer {
    type Err = String;
    fn from_str(s: &str) -> Result<Self, Self::Err> {
        Layer::ALL
            .into_iter()
            .find(|l| l.name() == s)
            .ok_or_else(|| format!("unknown layer `{s}` (one of {})", Layer::names()))
    }
}
