//! The layers of the store, by name.

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
    /// The municipality's buildings: the planner's candidates and the
    /// mobile class's venues (points).
    Buildings,
}

impl Layer {
    pub const ALL: [Layer; 10] = [
        Layer::Sites,
        Layer::Areas,
        Layer::Coverage,
        Layer::Demand,
        Layer::PriorityZones,
        Layer::Plan,
        Layer::Settlements,
        Layer::Equipment,
        Layer::Visits,
        Layer::Buildings,
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
            Layer::Buildings => "buildings",
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
