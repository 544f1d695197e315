//! The access-point siting instance of a snapshot: which buildings may take
//! a new access point, which residents are not yet near free Wi-Fi, how much
//! each counts, and who would be within reach of whom.
//!
//! 1. **Candidates**: active sites marked `candidate` (schools, culture
//!    houses, parish offices, libraries, social centres — and any site the IT
//!    department marks), inside the municipality (and the parish, when one
//!    is asked for). A candidate within `wifi_exclusion_m` (default 100 m) of
//!    an active free-Wi-Fi site is not eligible: free Wi-Fi already covers the
//!    spot (the WiFi4EU rule).
//! 2. **Demand**: residents of demand points (in the parish, when asked) not
//!    yet near free Wi-Fi under the thresholds (existing free Wi-Fi sites are
//!    fixed: their residents are already served).
//! 3. **Weights**: a resident counts 1, times `weight_underserved` when
//!    digitally under-served (fixed class below `served` — everyone here is
//!    already far from free Wi-Fi), times `weight_priority_zone` when living in
//!    a priority zone (the Lithuanian border zone, Vilces pagasts, the
//!    Mūrmuiža area). Defaults 2 and 1.5.
//! 4. **Reach**: a candidate covers a point within `near_m` metres (straight
//!    line, working CRS; the same 1 µm tolerance as the gap classes).
//!    Points with the same set of covering candidates are merged into one row.

use super::mclp::Coverage;
use gapmap_engine::analysis::site_grid::SiteGrid;
use gapmap_engine::analysis::{Analysis, NearestKind, pip::BOUNDARY_EPS_M};
use gapmap_engine::snapshot::Snapshot;
use gapmap_model::SiteStatus;
use geo::{BoundingRect, Contains};
use rayon::prelude::*;
use std::collections::HashMap;

/// What goes into an instance.
#[derive(Debug, Clone, PartialEq)]
pub struct Params {
    /// Reach of an access point in metres (the gap engine's `near_m`).
    pub near_m: f64,
    /// Only this parish's candidates and residents.
    pub parish_id: Option<String>,
    /// A candidate this close (metres) to active free Wi-Fi is not eligible.
    pub wifi_exclusion_m: f64,
    /// Weight factor of digitally under-served residents.
    pub weight_underserved: f64,
    /// Weight factor of residents in a priority zone.
    pub weight_priority_zone: f64,
}

impl Default for Params {
    fn default() -> Self {
        Params {
            near_m: 1500.0,
            parish_id: None,
            wifi_exclusion_m: 100.0,
            weight_underserved: 2.0,
            weight_priority_zone: 1.5,
        }
    }
}

/// A candidate not eligible, and why.
#[derive(Debug, Clone, PartialEq)]
pub struct Excluded {
    /// Index into the snapshot's sites.
    pub site: u32,
    /// The active free-Wi-Fi site within `wifi_exclusion_m`, and its distance.
    pub wifi_site: u32,
    pub distance_m: f64,
}

/// Residents of one merged row.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq)]
pub struct RowPeople {
    pub residents: u64,
    pub digitally_underserved: u64,
    pub in_priority_zone: u64,
}

/// The instance: eligible candidates (snapshot site indices) and rows.
#[derive(Debug, Clone, Default)]
pub struct Instance {
    pub candidates: Vec<u32>,
    pub excluded: Vec<Excluded>,
    pub coverage: Coverage,
    pub people: Vec<RowPeople>,
    /// Residents in scope (the parish, or all).
    pub scope_residents: u64,
    /// Of those, residents not near free Wi-Fi.
    pub uncovered_residents: u64,
    /// Of those, residents within reach of an eligible candidate.
    pub reachable_residents: u64,
    /// Demand points per row: the parish of each point counts its residents
    /// (for answers by parish), as (row, point index).
    pub points: Vec<(u32, u32)>,
}

/// Whether each demand point lies in a priority zone (working CRS).
pub fn in_priority_zone(snap: &Snapshot) -> Vec<bool> {
    let boxes: Vec<_> = snap.zones_xy.iter().map(|z| z.bounding_rect()).collect();
    snap.demand_xy
        .par_iter()
        .map(|p| {
            snap.zones_xy.iter().zip(&boxes).any(|(z, b)| {
                b.is_some_and(|b| {
                    p.x() >= b.min().x
                        && p.x() <= b.max().x
                        && p.y() >= b.min().y
                        && p.y() <= b.max().y
                }) && z.contains(p)
            })
        })
        .collect()
}

impl Params {
    /// Whether a parish is in scope (any, when no parish is asked for).
    fn in_parish(&self, p: Option<&str>) -> bool {
        self.parish_id.as_deref().is_none_or(|want| p == Some(want))
    }
}

/// Build the instance of a snapshot under an analysis (its thresholds say
/// who is near free Wi-Fi; `params.near_m` should be the same `near_m`).
pub fn build(snap: &Snapshot, analysis: &Analysis, zones: &[bool], params: &Params) -> Instance {
    let (candidates, excluded) = candidates(snap, params);
    let placed: Vec<(u32, [f64; 2])> = candidates
        .iter()
        .enumerate()
        .map(|(k, &i)| {
            let p = snap.sites_xy[i as usize];
            (k as u32, [p.x(), p.y()])
        })
        .collect();
    let radius = params.near_m + BOUNDARY_EPS_M;
    let grid = SiteGrid::new(&placed);
    let scope: Vec<usize> = (0..snap.demand.len())
        .filter(|&i| {
            snap.demand[i].residents > 0 && params.in_parish(snap.demand[i].parish_id.as_deref())
        })
        .collect();
    let scope_residents: u64 = scope
        .iter()
        .map(|&i| u64::from(snap.demand[i].residents))
        .sum();
    let far: Vec<usize> = scope
        .into_iter()
        .filter(|&i| {
            analysis.classes[i].public_access == gapmap_engine::analysis::PublicAccess::Far
        })
        .collect();
    let uncovered_residents: u64 = far
        .iter()
        .map(|&i| u64::from(snap.demand[i].residents))
        .sum();
    // The covering candidates of every far point (in parallel, in order).
    let lists: Vec<Vec<u32>> = far
        .par_iter()
        .map(|&i| {
            let p = snap.demand_xy[i];
            let mut near = Vec::new();
            grid.within(p.x(), p.y(), radius, &mut near);
            near.sort_unstable();
            near
        })
        .collect();
    let rows = Rows::merged(snap, analysis, zones, params, &far, lists);
    let reachable_residents = rows.people.iter().map(|p| p.residents).sum();
    Instance {
        coverage: Coverage::new(candidates.len(), &rows.rows),
        candidates,
        excluded,
        people: rows.people,
        scope_residents,
        uncovered_residents,
        reachable_residents,
        points: rows.points,
    }
}

/// The eligible candidates (site indices) and those excluded for free
/// Wi-Fi nearby.
fn candidates(snap: &Snapshot, params: &Params) -> (Vec<u32>, Vec<Excluded>) {
    let mut candidates = Vec::new();
    let mut excluded = Vec::new();
    for (i, (s, xy)) in snap.sites.iter().zip(snap.sites_xy.iter()).enumerate() {
        if !s.candidate || s.status != SiteStatus::Active || s.outside_municipality {
            continue;
        }
        if !params.in_parish(s.parish_id.as_deref()) {
            continue;
        }
        match snap.site_sets.nearest(NearestKind::Wifi, xy.x(), xy.y()) {
            Some(n) if n.distance_m <= params.wifi_exclusion_m + BOUNDARY_EPS_M => {
                excluded.push(Excluded {
                    site: i as u32,
                    wifi_site: n.site,
                    distance_m: n.distance_m,
                });
            }
            _ => candidates.push(i as u32),
        }
    }
    (candidates, excluded)
}

/// The far points merged into rows by their covering candidates.
struct Rows {
    /// (weight, covering candidates) per row.
    rows: Vec<(f64, Vec<u32>)>,
    people: Vec<RowPeople>,
    /// (row, point index) per point within reach.
    points: Vec<(u32, u32)>,
}

impl Rows {
    /// The far points (`far`, with their covering candidates `lists`)
    /// within reach of a candidate, merged into rows in first-seen order,
    /// each with its weight and residents.
    fn merged(
        snap: &Snapshot,
        analysis: &Analysis,
        zones: &[bool],
        params: &Params,
        far: &[usize],
        lists: Vec<Vec<u32>>,
    ) -> Rows {
        let mut rows: Vec<(f64, Vec<u32>)> = Vec::new();
        let mut people: Vec<RowPeople> = Vec::new();
        let mut index: HashMap<Vec<u32>, u32> = HashMap::new();
        let mut points = Vec::new();
        for (&i, list) in far.iter().zip(lists) {
            if list.is_empty() {
                continue;
            }
            let d = &snap.demand[i];
            let residents = u64::from(d.residents);
            let under = analysis.classes[i].digitally_underserved;
            let zone = zones.get(i).copied().unwrap_or(false);
            let mut w = residents as f64;
            if under {
                w *= params.weight_underserved;
            }
            if zone {
                w *= params.weight_priority_zone;
            }
            let row = *index.entry(list).or_insert_with_key(|list| {
                rows.push((0.0, list.clone()));
                people.push(RowPeople::default());
                (rows.len() - 1) as u32
            });
            let r = row as usize;
            rows[r].0 += w;
            people[r].residents += residents;
            if under {
                people[r].digitally_underserved += residents;
            }
            if zone {
                people[r].in_priority_zone += residents;
            }
            points.push((row, i as u32));
        }
        Rows {
            rows,
            people,
            points,
        }
    }
}
