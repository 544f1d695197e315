//! Steps 4 to 6 of a build, over the projected layers: index the sites and
//! prepare the coverage, compute the facts of every demand point and the
//! groups it counts in, and count the layers. Whatever depends only on kept
//! layers is shared, not recomputed.

use super::error::{SnapshotError, projection_error};
use super::parts::{Kept, KeptCoverage, KeptDemand, LayerStats, Layers, stats_of};
use crate::analysis::aggregate::Groups;
use crate::analysis::{Facts, PreparedCoverage, SiteSets, facts, incremental};
use gapmap_geo::crs::Transformer;
use gapmap_model::{Area, AreaKind, CoverageArea, DemandPoint, Layer};
use std::collections::BTreeMap;
use std::sync::Arc;

/// (id, name) of every parish, in the areas' order.
pub(super) fn parish_names(areas: &[Area]) -> Vec<(String, String)> {
    areas
        .iter()
        .filter(|a| a.kind == AreaKind::Parish)
        .map(|a| (a.id.clone(), a.name.clone()))
        .collect()
}

/// The coverage projected, prepared and rasterised, or the kept one.
pub(super) fn prepared(
    kept: Option<&KeptCoverage>,
    coverage: &[CoverageArea],
    t: &Transformer,
) -> Result<Arc<PreparedCoverage>, SnapshotError> {
    Ok(match kept {
        Some(k) => Arc::clone(k.prepared),
        None => {
            Arc::new(PreparedCoverage::new(coverage, t).map_err(projection_error(t.to_code()))?)
        }
    })
}

/// The facts of every demand point, and how they were got: "reused" (no
/// layer they depend on changed), "incremental" (only the sites changed:
/// the nearest sites updated) or "full".
pub(super) fn facts(
    kept: &Kept,
    layers: &Layers,
    prepared: &PreparedCoverage,
    site_sets: &SiteSets,
) -> (Arc<Vec<Facts>>, &'static str) {
    match &kept.facts {
        Some(k) if kept.sites.is_some() => (Arc::clone(k.facts), "reused"),
        Some(k) => {
            let facts = incremental::update_nearest(
                k.facts,
                &layers.demand_xy,
                (k.sites.items, k.sites.xy),
                (&layers.sites, &layers.sites_xy),
                site_sets,
            );
            (Arc::new(facts), "incremental")
        }
        None => {
            let facts = facts::compute(&layers.demand, &layers.demand_xy, prepared, site_sets);
            (Arc::new(facts), "full")
        }
    }
}

/// The parish and 1 km cell each demand point counts in, or the kept ones.
pub(super) fn groups(
    kept: Option<&KeptDemand>,
    demand: &[DemandPoint],
    facts: &[Facts],
    parishes: &[(String, String)],
) -> Arc<Groups> {
    match kept {
        Some(k) => Arc::clone(k.groups),
        None => Arc::new(Groups::new(demand, facts, parishes)),
    }
}

/// Count every layer and its provenance mix; kept sites, demand and
/// settlements keep their count (demand is counted as read, before
/// resolving).
pub(super) fn count(layers: &Layers, kept: &Kept) -> BTreeMap<Layer, LayerStats> {
    let sites = match &kept.sites {
        Some(k) => k.stats.clone(),
        None => stats_of(layers.sites.iter().map(|s| s.provenance.source)),
    };
    let demand = match (&layers.demand_read, &kept.demand) {
        (Some(read), _) => read.clone(),
        (None, Some(k)) => k.stats.clone(),
        (None, None) => unreachable!("demand is either read or reused"),
    };
    let settlements = match &kept.settlements {
        Some(k) => k.stats.clone(),
        None => stats_of(layers.settlements.iter().map(|s| s.provenance.source)),
    };
    let plan = layers
        .plan
        .iter()
        .filter_map(|r| r.provenance().ok().map(|p| p.source));
    BTreeMap::from([
        (Layer::Sites, sites),
        (
            Layer::Areas,
            stats_of(layers.areas.iter().map(|a| a.provenance.source)),
        ),
        (
            Layer::Coverage,
            stats_of(layers.coverage.iter().map(|c| c.provenance.source)),
        ),
        (Layer::Demand, demand),
        (Layer::Settlements, settlements),
        (
            Layer::PriorityZones,
            stats_of(layers.zones.iter().map(|z| z.provenance.source)),
        ),
        (Layer::Plan, stats_of(plan)),
        (
            Layer::Equipment,
            stats_of(layers.equipment.iter().map(|e| e.provenance.source)),
        ),
        (
            Layer::Visits,
            stats_of(layers.visits.iter().map(|v| v.provenance.source)),
        ),
        (
            Layer::Buildings,
            stats_of(layers.buildings.iter().map(|b| b.provenance.source)),
        ),
    ])
}
