//! Buildings: the active sites at one point (a parish office and its KAC
//! point, a library in a culture house) share a router and a line, so
//! upgrades and mobile-class venues are decided per building.
//!
//! A building's equipment is that of its member with equipment records or
//! fields (the first by id when several have them). Its **dependents** are
//! the residents for whom it is the nearest building, within `near_m`
//! (straight line): the people who would walk in.

use gapmap_engine::analysis::Analysis;
use gapmap_engine::analysis::site_grid::SiteGrid;
use gapmap_engine::snapshot::Snapshot;
use gapmap_model::{Provenance, SiteKind, SiteStatus};
use geo::Contains;
use geo_types::Point;
use std::collections::BTreeMap;

/// One building.
#[derive(Debug, Clone, PartialEq)]
pub struct Building {
    /// Snapshot site indices, holder first, then by id.
    pub members: Vec<u32>,
    /// Working-CRS position.
    pub xy: Point<f64>,
    pub parish_id: Option<String>,
    pub router_year: Option<i32>,
    pub backhaul_down_mbps: Option<f64>,
    pub backhaul_up_mbps: Option<f64>,
    pub equipment: Option<Provenance>,
    /// Residents for whom this is the nearest building, within `near_m`.
    pub dependents: u64,
    /// Of those, digitally under-served.
    pub dependents_underserved: u64,
    /// Ids and names of the priority zones it lies in.
    pub zones: Vec<(String, String)>,
}

impl Building {
    /// The site that stands for the building (its equipment holder).
    pub fn site(&self) -> u32 {
        self.members[0]
    }
}

/// The buildings of the active sites, in order of their holder's id, with
/// dependents under `analysis` (its `near_m`).
pub fn buildings(snap: &Snapshot, analysis: &Analysis) -> Vec<Building> {
    let mut by_point: BTreeMap<(i64, i64), Vec<u32>> = BTreeMap::new();
    for (i, s) in snap.sites.iter().enumerate() {
        if s.status != SiteStatus::Active {
            continue;
        }
        let key = (
            (s.location.x() * 1e7).round() as i64,
            (s.location.y() * 1e7).round() as i64,
        );
        by_point.entry(key).or_default().push(i as u32);
    }
    let mut out: Vec<Building> = by_point
        .into_values()
        .map(|mut members| {
            // The equipment holder first; else a building's own site before
            // a KAC desk, a Wi-Fi point or a mobile-class stop in it.
            members.sort_by_key(|&i| {
                let s = &snap.sites[i as usize];
                let guest = matches!(
                    s.kind,
                    SiteKind::Kac | SiteKind::Wifi | SiteKind::MobileClassStop
                );
                (s.equipment_provenance.is_none(), guest, s.id.clone())
            });
            let holder = &snap.sites[members[0] as usize];
            let xy = snap.sites_xy[members[0] as usize];
            let zones = snap
                .zones_xy
                .iter()
                .zip(snap.zones.iter())
                .filter(|(z, _)| z.contains(&xy))
                .map(|(_, z)| (z.id.clone(), z.name.clone()))
                .collect();
            Building {
                parish_id: members
                    .iter()
                    .find_map(|&i| snap.sites[i as usize].parish_id.clone()),
                router_year: holder.router_year,
                backhaul_down_mbps: holder.backhaul_down_mbps,
                backhaul_up_mbps: holder.backhaul_up_mbps,
                equipment: holder.equipment_provenance.clone(),
                members,
                xy,
                dependents: 0,
                dependents_underserved: 0,
                zones,
            }
        })
        .collect();
    out.sort_by(|a, b| {
        snap.sites[a.site() as usize]
            .id
            .cmp(&snap.sites[b.site() as usize].id)
    });
    let grid = SiteGrid::new(
        &out.iter()
            .enumerate()
            .map(|(k, b)| (k as u32, [b.xy.x(), b.xy.y()]))
            .collect::<Vec<_>>(),
    );
    let near = analysis.thresholds.near_m + gapmap_engine::analysis::pip::BOUNDARY_EPS_M;
    for (i, (d, p)) in snap.demand.iter().zip(snap.demand_xy.iter()).enumerate() {
        if let Some((k, dist)) = grid.nearest(p.x(), p.y())
            && dist <= near
        {
            let b = &mut out[k as usize];
            b.dependents += u64::from(d.residents);
            if analysis.classes[i].digitally_underserved {
                b.dependents_underserved += u64::from(d.residents);
            }
        }
    }
    out
}
