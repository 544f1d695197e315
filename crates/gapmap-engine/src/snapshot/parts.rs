//! The parts a snapshot build passes between its steps: what it shares of
//! the previous snapshot ([`Kept`]) and the layers it ends up with
//! ([`Layers`]), with the count of a layer ([`LayerStats`]).

use crate::analysis::aggregate::Groups;
use crate::analysis::{Facts, PreparedCoverage};
use crate::gazetteer::{AddressIndex, AddressPoint};
use gapmap_model::{
    Area, Building, CoverageArea, DemandPoint, Equipment, PriorityZone, Record, Settlement, Site,
    Source, Visit,
};
use geo_types::{MultiPolygon, Point};
use serde::Serialize;
use std::collections::BTreeMap;
use std::sync::{Arc, OnceLock};

/// Count and provenance mix of one layer.
#[derive(Debug, Clone, Default, Serialize, PartialEq, Eq)]
pub struct LayerStats {
    pub count: u64,
    pub by_source: BTreeMap<Source, u64>,
}

/// Count features by their source.
pub(super) fn stats_of<'a>(sources: impl Iterator<Item = Source> + 'a) -> LayerStats {
    let mut s = LayerStats::default();
    for src in sources {
        s.count += 1;
        *s.by_source.entry(src).or_default() += 1;
    }
    s
}

/// Features of the previous snapshot and their geometry in the working CRS.
pub(super) struct Shared<'a, T, G> {
    pub(super) items: &'a Arc<Vec<T>>,
    pub(super) xy: &'a Arc<Vec<G>>,
}

impl<T, G> Shared<'_, T, G> {
    /// The features and geometry, shared.
    pub(super) fn share(&self) -> (Arc<Vec<T>>, Arc<Vec<G>>) {
        (Arc::clone(self.items), Arc::clone(self.xy))
    }
}

/// Kept sites: with their equipment at the same inventory date.
pub(super) struct KeptSites<'a> {
    pub(super) sites: Shared<'a, Site, Point<f64>>,
    pub(super) stats: &'a LayerStats,
    /// Equipment records and visits naming none of these sites.
    pub(super) orphans: usize,
}

/// Kept settlements, their parishes assigned.
pub(super) struct KeptSettlements<'a> {
    pub(super) settlements: Shared<'a, Settlement, Point<f64>>,
    pub(super) stats: &'a LayerStats,
}

/// Kept coverage and its prepared form.
pub(super) struct KeptCoverage<'a> {
    pub(super) coverage: &'a Arc<Vec<CoverageArea>>,
    pub(super) prepared: &'a Arc<PreparedCoverage>,
}

/// Kept demand (demand and areas unchanged) and what was derived from it.
pub(super) struct KeptDemand<'a> {
    pub(super) demand: Shared<'a, DemandPoint, Point<f64>>,
    pub(super) addresses: &'a Arc<Vec<AddressPoint>>,
    pub(super) address_index: &'a Arc<OnceLock<Arc<AddressIndex>>>,
    /// The demand's count as read (before resolving).
    pub(super) stats: &'a LayerStats,
    pub(super) groups: &'a Arc<Groups>,
}

/// Kept facts (coverage, demand and areas unchanged) and the sites they
/// were computed for.
pub(super) struct KeptFacts<'a> {
    pub(super) facts: &'a Arc<Vec<Facts>>,
    pub(super) sites: Shared<'a, Site, Point<f64>>,
}

/// What a build shares of the previous snapshot: each part is `Some` when
/// the layers it was derived from are unchanged (and the working CRS too).
#[derive(Default)]
pub(super) struct Kept<'a> {
    pub(super) equipment: Option<&'a Arc<Vec<Equipment>>>,
    pub(super) visits: Option<&'a Arc<Vec<Visit>>>,
    pub(super) plan: Option<&'a Arc<Vec<Record>>>,
    pub(super) sites: Option<KeptSites<'a>>,
    pub(super) areas: Option<Shared<'a, Area, MultiPolygon<f64>>>,
    pub(super) coverage: Option<KeptCoverage<'a>>,
    pub(super) zones: Option<Shared<'a, PriorityZone, MultiPolygon<f64>>>,
    /// Settlements (settlements and areas unchanged).
    pub(super) settlements: Option<KeptSettlements<'a>>,
    pub(super) buildings: Option<Shared<'a, Building, Point<f64>>>,
    pub(super) demand: Option<KeptDemand<'a>>,
    pub(super) facts: Option<KeptFacts<'a>>,
}

/// Every layer of the new snapshot, typed and projected (read anew or
/// shared).
pub(super) struct Layers {
    pub(super) sites: Arc<Vec<Site>>,
    pub(super) sites_xy: Arc<Vec<Point<f64>>>,
    pub(super) areas: Arc<Vec<Area>>,
    pub(super) areas_xy: Arc<Vec<MultiPolygon<f64>>>,
    pub(super) coverage: Arc<Vec<CoverageArea>>,
    pub(super) demand: Arc<Vec<DemandPoint>>,
    pub(super) demand_xy: Arc<Vec<Point<f64>>>,
    pub(super) addresses: Arc<Vec<AddressPoint>>,
    pub(super) address_index: Arc<OnceLock<Arc<AddressIndex>>>,
    pub(super) zones: Arc<Vec<PriorityZone>>,
    pub(super) zones_xy: Arc<Vec<MultiPolygon<f64>>>,
    pub(super) settlements: Arc<Vec<Settlement>>,
    pub(super) settlements_xy: Arc<Vec<Point<f64>>>,
    pub(super) buildings: Arc<Vec<Building>>,
    pub(super) buildings_xy: Arc<Vec<Point<f64>>>,
    pub(super) plan: Arc<Vec<Record>>,
    pub(super) equipment: Arc<Vec<Equipment>>,
    pub(super) visits: Arc<Vec<Visit>>,
    pub(super) inventory_orphans: usize,
    /// The count of demand read anew (before resolving); `None` when kept.
    pub(super) demand_read: Option<LayerStats>,
}
