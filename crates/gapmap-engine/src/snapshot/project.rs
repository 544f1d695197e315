//! Step 3 of a build: project the geometry read anew once to the working
//! CRS ([`Transformer::for_analysis`]), and share the kept projections.

use super::demand;
use super::error::{SnapshotError, projection_error};
use super::load::{Loaded, ReadDemand};
use super::parts::{Kept, KeptDemand, LayerStats, Layers, Shared};
use crate::gazetteer::{AddressIndex, AddressPoint};
use gapmap_geo::crs::Transformer;
use gapmap_model::{Area, DemandPoint, Settlement};
use geo_types::{Geometry, MultiPolygon, Point};
use rayon::prelude::*;
use std::sync::{Arc, OnceLock};

/// The transformation from WGS84 to the working CRS.
pub(super) fn transformer(working_crs: u16) -> Result<Transformer, SnapshotError> {
    Transformer::for_analysis(gapmap_geo::crs::WGS84, working_crs)
        .map_err(projection_error(working_crs))
}

/// Every layer with its geometry in the working CRS: projected when read
/// anew, shared when kept (the sites, areas, demand, settlements and zones,
/// in that order; coverage is projected as it is prepared).
pub(super) fn layers(
    loaded: Loaded,
    kept: &Kept,
    t: &Transformer,
) -> Result<Layers, SnapshotError> {
    let (sites, sites_xy) = projected(loaded.sites, kept.sites.as_ref().map(|k| &k.sites), |s| {
        project_points(t, s, |s| s.location)
    })?;
    let areas_xy = match &kept.areas {
        Some(k) => Arc::clone(k.xy),
        None => Arc::new(project_polygons(t, &loaded.areas, |a| &a.geometry)?),
    };
    let demand = demand_of(t, loaded.demand, kept.demand.as_ref())?;
    let settlements = loaded.settlements.map(|mut s| {
        assign_parishes(&mut s, &loaded.areas);
        s
    });
    let kept_settlements = kept.settlements.as_ref().map(|k| &k.settlements);
    let (settlements, settlements_xy) = projected(settlements, kept_settlements, |s| {
        project_points(t, s, |s| s.location)
    })?;
    let (zones, zones_xy) = projected(loaded.zones, kept.zones.as_ref(), |z| {
        project_polygons(t, z, |z| &z.geometry)
    })?;
    let (buildings, buildings_xy) = projected(loaded.buildings, kept.buildings.as_ref(), |b| {
        project_points(t, b, |b| b.location)
    })?;
    Ok(Layers {
        sites,
        sites_xy,
        areas: loaded.areas,
        areas_xy,
        coverage: loaded.coverage,
        demand: demand.points,
        demand_xy: demand.xy,
        addresses: demand.addresses,
        address_index: demand.address_index,
        zones,
        zones_xy,
        settlements,
        settlements_xy,
        buildings,
        buildings_xy,
        plan: loaded.plan,
        equipment: loaded.equipment,
        visits: loaded.visits,
        inventory_orphans: loaded.inventory_orphans,
        demand_read: demand.sources,
    })
}

/// Features and their geometry in the working CRS.
type Projected<T, G> = (Arc<Vec<T>>, Arc<Vec<G>>);

/// Project features read anew, or share the kept ones.
fn projected<T, G>(
    read: Option<Vec<T>>,
    kept: Option<&Shared<'_, T, G>>,
    project: impl FnOnce(&[T]) -> Result<Vec<G>, SnapshotError>,
) -> Result<Projected<T, G>, SnapshotError> {
    match (read, kept) {
        (Some(items), _) => {
            let xy = project(&items)?;
            Ok((Arc::new(items), Arc::new(xy)))
        }
        (None, Some(k)) => Ok(k.share()),
        (None, None) => unreachable!("a layer is either read or reused"),
    }
}

/// Demand in the working CRS, with the addresses and their index.
struct Demand {
    points: Arc<Vec<DemandPoint>>,
    xy: Arc<Vec<Point<f64>>>,
    addresses: Arc<Vec<AddressPoint>>,
    address_index: Arc<OnceLock<Arc<AddressIndex>>>,
    /// The count as read, when read anew.
    sources: Option<LayerStats>,
}

/// Project demand read anew (its address index still to build), or share
/// the kept demand with its addresses and their index.
fn demand_of(
    t: &Transformer,
    read: Option<ReadDemand>,
    kept: Option<&KeptDemand>,
) -> Result<Demand, SnapshotError> {
    Ok(match (read, kept) {
        (Some(d), _) => {
            let xy = project_points(t, &d.points, |d| d.location)?;
            Demand {
                points: Arc::new(d.points),
                xy: Arc::new(xy),
                addresses: Arc::new(d.addresses),
                address_index: Arc::default(),
                sources: Some(d.sources),
            }
        }
        (None, Some(k)) => {
            let (points, xy) = k.demand.share();
            Demand {
                points,
                xy,
                addresses: Arc::clone(k.addresses),
                address_index: Arc::clone(k.address_index),
                sources: None,
            }
        }
        (None, None) => unreachable!("demand is either read or reused"),
    })
}

/// Project the points of features to the working CRS (in parallel).
fn project_points<T: Sync>(
    t: &Transformer,
    items: &[T],
    point: impl Fn(&T) -> Point<f64> + Sync,
) -> Result<Vec<Point<f64>>, SnapshotError> {
    let one = |item: &T| {
        let p = point(item);
        t.convert(p.x(), p.y())
            .map(|(x, y)| Point::new(x, y))
            .map_err(projection_error(t.to_code()))
    };
    // A few hundred points project faster than the thread pool wakes up
    // (the sites of a one-site edit are the common case).
    if items.len() < 4096 {
        items.iter().map(one).collect()
    } else {
        items.par_iter().map(one).collect()
    }
}

/// Project the polygons of features to the working CRS (in parallel).
fn project_polygons<T: Sync>(
    t: &Transformer,
    items: &[T],
    polygons: impl Fn(&T) -> &MultiPolygon<f64> + Sync,
) -> Result<Vec<MultiPolygon<f64>>, SnapshotError> {
    items
        .par_iter()
        .map(|item| {
            let mut g = Geometry::MultiPolygon(polygons(item).clone());
            t.transform_geometry(&mut g)
                .map_err(projection_error(t.to_code()))?;
            match g {
                Geometry::MultiPolygon(m) => Ok(m),
                _ => Ok(MultiPolygon(vec![])),
            }
        })
        .collect()
}

/// Give settlements without a `parish_id` the parish they lie in.
fn assign_parishes(settlements: &mut [Settlement], areas: &[Area]) {
    if settlements.iter().all(|s| s.parish_id.is_some()) {
        return;
    }
    let parishes = demand::parish_polygons(areas);
    let index = demand::ParishIndex::new(&parishes);
    for s in settlements.iter_mut().filter(|s| s.parish_id.is_none()) {
        s.parish_id = index
            .locate(s.location.x(), s.location.y())
            .map(str::to_owned);
    }
}
