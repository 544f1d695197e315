//! Steps 1 and 2 of a build: read the layers that changed through
//! [`FeatureStore`] and type them (demand resolved against the parishes),
//! and share the ones [`Kept`] from the previous snapshot.

use super::demand;
use super::error::SnapshotError;
use super::parts::{Kept, LayerStats, stats_of};
use crate::gazetteer::AddressPoint;
use gapmap_model::{
    Area, Building, CoverageArea, DemandPoint, Equipment, Layer, PriorityZone, Record, Settlement,
    Site, Visit, inventory,
};
use gapmap_store::FeatureStore;
use std::sync::Arc;

/// Demand read anew and resolved.
pub(super) struct ReadDemand {
    pub(super) points: Vec<DemandPoint>,
    /// The count of the points as read (before resolving).
    pub(super) sources: LayerStats,
    pub(super) addresses: Vec<AddressPoint>,
}

/// The layers after reading: shared or read anew (`Some` only when read;
/// [`Kept`] has the others).
pub(super) struct Loaded {
    pub(super) equipment: Arc<Vec<Equipment>>,
    pub(super) visits: Arc<Vec<Visit>>,
    pub(super) plan: Arc<Vec<Record>>,
    pub(super) areas: Arc<Vec<Area>>,
    pub(super) coverage: Arc<Vec<CoverageArea>>,
    pub(super) sites: Option<Vec<Site>>,
    /// Equipment records and visits naming no site (kept or counted anew).
    pub(super) inventory_orphans: usize,
    pub(super) zones: Option<Vec<PriorityZone>>,
    pub(super) settlements: Option<Vec<Settlement>>,
    pub(super) buildings: Option<Vec<Building>>,
    pub(super) demand: Option<ReadDemand>,
}

/// The date the sites' equipment fields are derived at: today in
/// Europe/Riga.
pub(super) fn inventory_date() -> chrono::NaiveDate {
    chrono::Utc::now()
        .with_timezone(&chrono_tz::Europe::Riga)
        .date_naive()
}

/// Read every layer not kept, in a fixed order (the first failure stops the
/// build).
pub(super) fn layers(
    store: &dyn FeatureStore,
    kept: &Kept,
    inventory_date: chrono::NaiveDate,
) -> Result<Loaded, SnapshotError> {
    let equipment = kept_or(kept.equipment, || {
        read_typed(store, Layer::Equipment, Equipment::from_record)
    })?;
    let visits = kept_or(kept.visits, || {
        read_typed(store, Layer::Visits, Visit::from_record)
    })?;
    let (sites, inventory_orphans) = match &kept.sites {
        Some(k) => (None, k.orphans),
        None => {
            let (sites, orphans) = sites(store, &equipment, &visits, inventory_date)?;
            (Some(sites), orphans)
        }
    };
    let areas = kept_or(kept.areas.as_ref().map(|k| k.items), || {
        read_typed(store, Layer::Areas, Area::from_record)
    })?;
    let coverage = kept_or(kept.coverage.as_ref().map(|k| k.coverage), || {
        Ok(store.read_coverage()?)
    })?;
    let zones = kept
        .zones
        .is_none()
        .then(|| read_typed(store, Layer::PriorityZones, PriorityZone::from_record))
        .transpose()?;
    let settlements = kept
        .settlements
        .is_none()
        .then(|| read_typed(store, Layer::Settlements, Settlement::from_record))
        .transpose()?;
    let buildings = kept
        .buildings
        .is_none()
        .then(|| read_typed(store, Layer::Buildings, Building::from_record))
        .transpose()?;
    let plan = kept_or(kept.plan, || Ok(store.read_layer(Layer::Plan)?))?;
    let demand = kept
        .demand
        .is_none()
        .then(|| read_demand(store, &areas))
        .transpose()?;
    Ok(Loaded {
        equipment,
        visits,
        plan,
        areas,
        coverage,
        sites,
        inventory_orphans,
        zones,
        settlements,
        buildings,
        demand,
    })
}

/// The kept copy of a layer, else the layer read anew.
fn kept_or<T>(
    kept: Option<&Arc<T>>,
    read: impl FnOnce() -> Result<T, SnapshotError>,
) -> Result<Arc<T>, SnapshotError> {
    match kept {
        Some(k) => Ok(Arc::clone(k)),
        None => Ok(Arc::new(read()?)),
    }
}

/// Read a layer record by record into its typed form (see
/// [`gapmap_store::read_typed`]).
fn read_typed<T>(
    store: &dyn FeatureStore,
    layer: Layer,
    f: impl Fn(&Record) -> Result<T, String>,
) -> Result<Vec<T>, SnapshotError> {
    Ok(gapmap_store::read_typed(store, layer, f)?)
}

/// Read the sites with their equipment fields derived at `inventory_date`,
/// and count (and log) the equipment records and visits naming no site.
fn sites(
    store: &dyn FeatureStore,
    equipment: &[Equipment],
    visits: &[Visit],
    inventory_date: chrono::NaiveDate,
) -> Result<(Vec<Site>, usize), SnapshotError> {
    let mut sites = read_typed(store, Layer::Sites, Site::from_record)?;
    let orphans = inventory::apply(&mut sites, equipment, inventory_date);
    let known: std::collections::HashSet<&str> = sites.iter().map(|s| s.id.as_str()).collect();
    let lost_visits = visits
        .iter()
        .filter(|v| !known.contains(v.site_id.as_str()));
    let inventory_orphans = orphans.len() + lost_visits.clone().count();
    if inventory_orphans > 0 {
        let first = orphans
            .first()
            .map(|e| (&e.id, &e.site_id))
            .or_else(|| lost_visits.clone().next().map(|v| (&v.id, &v.site_id)));
        tracing::warn!(records = inventory_orphans, first = ?first, "equipment or visits name sites that no longer exist; they are left out");
    }
    Ok((sites, inventory_orphans))
}

/// Read the demand and resolve it against the parishes of `areas`
/// ([`demand::resolve_demand`]).
fn read_demand(store: &dyn FeatureStore, areas: &[Area]) -> Result<ReadDemand, SnapshotError> {
    let raw = store.read_demand()?;
    let parishes = demand::parish_polygons(areas);
    let sources = stats_of(raw.iter().map(|d| d.source));
    let (points, addresses) = demand::resolve_demand(raw, &parishes);
    Ok(ReadDemand {
        points,
        sources,
        addresses,
    })
}
