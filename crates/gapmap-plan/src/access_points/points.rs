//! The new access points in rank order, each adding residents:
//!
//! 1. **Buildings**: the buildings the MCLP chose, in greedy order (the
//!    one adding the most weight first, then the most of what is left, …);
//!    a building that adds nobody in that order gets no point.
//! 2. **Outdoor units**: in the slots left, a building with a point may
//!    take outdoor units, each aimed at a village (settlement) whose centre
//!    lies within `near_m + outdoor_range_m`: its Wi-Fi place is the point
//!    `outdoor_range_m` from the building toward the village's centre (the
//!    centre itself when nearer), which reaches residents within `near_m`
//!    of it like any free-Wi-Fi place. A unit is placed only where it adds
//!    residents not yet within reach (greedy, the largest gain first), at
//!    most `max_access_points_per_site` points in one building, and not
//!    within `wifi_exclusion_m` of free Wi-Fi. Never to fill a quota.

use super::types::{Params, Placement, Unit};
use crate::instance::{FarPoint, Instance, RowPeople};
use gapmap_engine::analysis::site_grid::SiteGrid;
use gapmap_engine::analysis::{NearestKind, pip::BOUNDARY_EPS_M};
use gapmap_engine::snapshot::Snapshot;
use gapmap_geo::crs::{Transformer, WGS84};
use geo_types::Point;
use std::cmp::Ordering;
use std::collections::{BTreeMap, BinaryHeap};

/// Who a place reaches: the far points within `near_m` of it.
#[derive(Debug)]
pub struct Reach {
    grid: SiteGrid,
    radius: f64,
}

impl Reach {
    pub fn new(snap: &Snapshot, far: &[FarPoint], near_m: f64) -> Reach {
        let pts: Vec<(u32, [f64; 2])> = far
            .iter()
            .enumerate()
            .map(|(k, f)| {
                let p = snap.demand_xy[f.point as usize];
                (k as u32, [p.x(), p.y()])
            })
            .collect();
        Reach {
            grid: SiteGrid::new(&pts),
            radius: near_m + BOUNDARY_EPS_M,
        }
    }

    /// The far points (indices) within reach of a working-CRS point, ascending.
    pub fn of(&self, xy: Point<f64>) -> Vec<u32> {
        let mut out = Vec::new();
        self.grid.within(xy.x(), xy.y(), self.radius, &mut out);
        out.sort_unstable();
        out
    }
}

/// A gain in the heap: larger first, ties to the lower option.
#[derive(PartialEq)]
struct Gain(f64, usize);
impl Eq for Gain {}
impl PartialOrd for Gain {
    fn partial_cmp(&self, o: &Self) -> Option<Ordering> {
        Some(self.cmp(o))
    }
}
impl Ord for Gain {
    fn cmp(&self, o: &Self) -> Ordering {
        self.0.total_cmp(&o.0).then(o.1.cmp(&self.1))
    }
}

/// Greedy over `options` (lists of far points) from `covered`: up to
/// `limit` options, each the one adding the most weight (ties: the lower
/// option), only those `allow` accepts (it is told each pick), only while
/// the gain is positive. Gains only fall as points are covered, so stale
/// gains in the heap are upper bounds (lazy evaluation).
pub(super) fn greedy(
    far: &[FarPoint],
    options: &[Vec<u32>],
    covered: &mut [bool],
    limit: usize,
    mut allow: impl FnMut(usize, bool) -> bool,
) -> Vec<(usize, f64, Vec<u32>)> {
    let gain = |k: usize, covered: &[bool]| -> f64 {
        options[k]
            .iter()
            .filter(|&&i| !covered[i as usize])
            .map(|&i| far[i as usize].weight)
            .sum()
    };
    let mut heap: BinaryHeap<Gain> = (0..options.len())
        .map(|k| Gain(gain(k, covered), k))
        .collect();
    let mut out = Vec::new();
    while out.len() < limit {
        let Some(Gain(_, k)) = heap.pop() else { break };
        if !allow(k, false) {
            continue;
        }
        let g = gain(k, covered);
        if heap.peek().is_some_and(|top| Gain(g, k) < *top) {
            heap.push(Gain(g, k));
            continue;
        }
        if g <= 0.0 {
            break;
        }
        allow(k, true);
        let newly: Vec<u32> = options[k]
            .iter()
            .copied()
            .filter(|&i| !covered[i as usize])
            .collect();
        for &i in &newly {
            covered[i as usize] = true;
        }
        out.push((k, g, newly));
    }
    out
}

/// The new access points (see the module documentation): the chosen
/// building columns `chosen` first, then outdoor units in the slots left;
/// ranked, without years. Also the far points they cover.
pub fn place(
    snap: &Snapshot,
    inst: &Instance,
    chosen: &[u32],
    p: &Params,
) -> (Vec<Placement>, Vec<bool>) {
    let reach = Reach::new(snap, &inst.far, p.instance.near_m);
    let mut covered = vec![false; inst.far.len()];
    let own: Vec<Vec<u32>> = chosen
        .iter()
        .map(|&k| reach.of(inst.cands[inst.eligible[k as usize] as usize].xy))
        .collect();
    let firsts = greedy(&inst.far, &own, &mut covered, p.count, |_, _| true);
    let mut out: Vec<Placement> = firsts
        .iter()
        .map(|(k, g, newly)| {
            let cand = inst.eligible[chosen[*k] as usize];
            placement(snap, inst, cand, Unit::Building, *g, newly)
        })
        .collect();
    let slots = p.count.saturating_sub(out.len());
    if slots > 0 && p.max_access_points_per_site > 1 {
        let units = outdoor_units(snap, inst, &reach, &out, p);
        let mut per_building: BTreeMap<u32, u32> = out.iter().map(|pl| (pl.cand, 1)).collect();
        let lists: Vec<Vec<u32>> = units.iter().map(|u| u.2.clone()).collect();
        let max = p.max_access_points_per_site;
        let picks = greedy(&inst.far, &lists, &mut covered, slots, |k, take| {
            let n = per_building.entry(units[k].0).or_insert(1);
            if take {
                *n += 1;
            }
            *n < max || take
        });
        for (k, g, newly) in picks {
            let (cand, unit, _) = &units[k];
            out.push(placement(snap, inst, *cand, unit.clone(), g, &newly));
        }
    }
    let mut cumulative = 0;
    for (r, pl) in out.iter_mut().enumerate() {
        pl.rank = r + 1;
        cumulative += pl.people.residents;
        pl.cumulative_residents_newly_served = cumulative;
    }
    (out, covered)
}

/// One new point: what it newly covers, by parish.
fn placement(
    snap: &Snapshot,
    inst: &Instance,
    cand: u32,
    unit: Unit,
    weight_gain: f64,
    newly: &[u32],
) -> Placement {
    let mut people = RowPeople::default();
    let mut by_parish: BTreeMap<String, u64> = BTreeMap::new();
    for &i in newly {
        let f = &inst.far[i as usize];
        let q = f.people();
        people.residents += q.residents;
        people.digitally_underserved += q.digitally_underserved;
        people.in_priority_zone += q.in_priority_zone;
        let parish = snap.demand[f.point as usize]
            .parish_id
            .clone()
            .unwrap_or_default();
        *by_parish.entry(parish).or_default() += f.residents;
    }
    Placement {
        rank: 0,
        cand,
        unit,
        year: 0,
        weight_gain,
        people,
        cumulative_residents_newly_served: 0,
        newly_served_by_parish: by_parish,
    }
}

/// The outdoor units the placed buildings may take: (candidate, unit, far
/// points it reaches) for every village within `near_m + outdoor_range_m`
/// of a building with a point, whose spot is not near free Wi-Fi.
fn outdoor_units(
    snap: &Snapshot,
    inst: &Instance,
    reach: &Reach,
    placed: &[Placement],
    p: &Params,
) -> Vec<(u32, Unit, Vec<u32>)> {
    let villages: Vec<(u32, [f64; 2])> = snap
        .settlements_xy
        .iter()
        .enumerate()
        .map(|(k, q)| (k as u32, [q.x(), q.y()]))
        .collect();
    let grid = SiteGrid::new(&villages);
    let to_ll = Transformer::new(snap.working_crs, WGS84).ok();
    let range = p.outdoor_range_m;
    let mut out = Vec::new();
    for pl in placed {
        let b = inst.cands[pl.cand as usize].xy;
        let mut near = Vec::new();
        grid.within(b.x(), b.y(), p.instance.near_m + range, &mut near);
        near.sort_unstable();
        for v in near {
            let c = snap.settlements_xy[v as usize];
            let d = ((c.x() - b.x()).powi(2) + (c.y() - b.y()).powi(2)).sqrt();
            if d <= 1.0 {
                continue;
            }
            let t = range.min(d) / d;
            let spot = Point::new(b.x() + (c.x() - b.x()) * t, b.y() + (c.y() - b.y()) * t);
            if snap
                .site_sets
                .nearest(NearestKind::Wifi, spot.x(), spot.y())
                .is_some_and(|n| n.distance_m <= p.instance.wifi_exclusion_m + BOUNDARY_EPS_M)
            {
                continue;
            }
            let spot_ll = to_ll
                .as_ref()
                .and_then(|t| t.convert(spot.x(), spot.y()).ok())
                .map_or(spot, |(x, y)| Point::new(x, y));
            let unit = Unit::Outdoor {
                toward: v,
                spot,
                spot_ll,
                range_m: range.min(d),
            };
            out.push((pl.cand, unit, reach.of(spot)));
        }
    }
    out
}
