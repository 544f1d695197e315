//! The access-point siting instance of a snapshot: which candidate
//! buildings may take a new access point, which residents are not yet near
//! free Wi-Fi, how much each counts, and who would be within reach of whom.
//! Eligibility is decided by geometry, and every building left out says why.
//!
//! 1. **Candidates**: the candidate buildings ([`crate::candidates`]) inside
//!    the municipality's parishes (and the parish, when one is asked for),
//!    by their point in the parish polygons. A candidate within
//!    `wifi_exclusion_m` (default 100 m) of an active free-Wi-Fi site is not
//!    eligible: free Wi-Fi already covers the spot (the WiFi4EU rule). One
//!    with no resident not yet near free Wi-Fi within `near_m` is not
//!    eligible either: a point there would reach nobody new.
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

use super::candidates::{CandidateBuilding, Parishes};
use super::mclp::Coverage;
use gapmap_engine::analysis::site_grid::SiteGrid;
use gapmap_engine::analysis::{Analysis, NearestKind, PublicAccess, pip::BOUNDARY_EPS_M};
use gapmap_engine::snapshot::Snapshot;
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

/// Why a candidate building is not eligible.
#[derive(Debug, Clone, PartialEq)]
pub enum Exclusion {
    /// Its point lies in none of the municipality's parishes.
    OutsideMunicipality,
    /// The active free-Wi-Fi site (index) within `wifi_exclusion_m`, and
    /// its distance.
    NearFreeWifi { wifi_site: u32, distance_m: f64 },
    /// No resident not yet near free Wi-Fi lives within `near_m` of it.
    NoNewReach,
}

impl Exclusion {
    pub fn code(&self) -> &'static str {
        match self {
            Exclusion::OutsideMunicipality => "outside_municipality",
            Exclusion::NearFreeWifi { .. } => "near_free_wifi",
            Exclusion::NoNewReach => "no_new_reach",
        }
    }
}

/// A candidate not eligible, and why.
#[derive(Debug, Clone, PartialEq)]
pub struct Excluded {
    /// Index into the instance's candidates.
    pub cand: u32,
    pub why: Exclusion,
}

/// Residents of one merged row (or any set of points).
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq)]
pub struct RowPeople {
    pub residents: u64,
    pub digitally_underserved: u64,
    pub in_priority_zone: u64,
}

/// A resident's point not yet near free Wi-Fi, in scope.
#[derive(Debug, Clone, Copy, PartialEq)]
pub struct FarPoint {
    /// Index into the snapshot's demand.
    pub point: u32,
    pub weight: f64,
    pub residents: u64,
    pub underserved: bool,
    pub in_zone: bool,
}

impl FarPoint {
    pub fn people(&self) -> RowPeople {
        RowPeople {
            residents: self.residents,
            digitally_underserved: if self.underserved { self.residents } else { 0 },
            in_priority_zone: if self.in_zone { self.residents } else { 0 },
        }
    }
}

/// The instance: the candidates in scope, the eligible ones (the MCLP's
/// columns) and the rows.
#[derive(Debug, Clone, Default)]
pub struct Instance {
    /// The candidate buildings in scope (the parish's, or all).
    pub cands: Vec<CandidateBuilding>,
    /// Eligible candidates (indices into `cands`): column `k` of the
    /// coverage is `cands[eligible[k]]`.
    pub eligible: Vec<u32>,
    pub excluded: Vec<Excluded>,
    pub coverage: Coverage,
    pub people: Vec<RowPeople>,
    /// Residents in scope (the parish, or all).
    pub scope_residents: u64,
    /// Of those, residents not near free Wi-Fi.
    pub uncovered_residents: u64,
    /// Of those, residents within reach of an eligible candidate.
    pub reachable_residents: u64,
    /// The points of those not near free Wi-Fi, in demand order.
    pub far: Vec<FarPoint>,
    /// Demand points per row, as (row, index into `far`).
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
    pub fn in_parish(&self, p: Option<&str>) -> bool {
        self.parish_id.as_deref().is_none_or(|want| p == Some(want))
    }

    /// A point's weight.
    fn weight(&self, residents: u64, under: bool, zone: bool) -> f64 {
        let mut w = residents as f64;
        if under {
            w *= self.weight_underserved;
        }
        if zone {
            w *= self.weight_priority_zone;
        }
        w
    }
}

/// Build the instance of a snapshot under an analysis (its thresholds say
/// who is near free Wi-Fi; `params.near_m` should be the same `near_m`)
/// over the candidate buildings `cands`.
pub fn build(
    snap: &Snapshot,
    analysis: &Analysis,
    zones: &[bool],
    params: &Params,
    cands: Vec<CandidateBuilding>,
) -> Instance {
    let cands: Vec<CandidateBuilding> = cands
        .into_iter()
        .filter(|c| params.parish_id.is_none() || params.in_parish(c.parish_id.as_deref()))
        .collect();
    let (open, mut excluded) = not_near_wifi(snap, &cands, params);
    let (scope_residents, far) = far_points(snap, analysis, zones, params);
    let uncovered_residents = far.iter().map(|f| f.residents).sum();
    // The covering candidates (positions in `open`) of every far point.
    let placed: Vec<(u32, [f64; 2])> = open
        .iter()
        .enumerate()
        .map(|(k, &c)| {
            let p = cands[c as usize].xy;
            (k as u32, [p.x(), p.y()])
        })
        .collect();
    let radius = params.near_m + BOUNDARY_EPS_M;
    let grid = SiteGrid::new(&placed);
    let lists: Vec<Vec<u32>> = far
        .par_iter()
        .map(|f| {
            let p = snap.demand_xy[f.point as usize];
            let mut near = Vec::new();
            grid.within(p.x(), p.y(), radius, &mut near);
            near.sort_unstable();
            near
        })
        .collect();
    // Candidates that reach someone are the eligible ones (columns).
    let mut reaches = vec![false; open.len()];
    for &k in lists.iter().flatten() {
        reaches[k as usize] = true;
    }
    let mut column = vec![u32::MAX; open.len()];
    let mut eligible = Vec::new();
    for (k, &c) in open.iter().enumerate() {
        if reaches[k] {
            column[k] = eligible.len() as u32;
            eligible.push(c);
        } else {
            excluded.push(Excluded {
                cand: c,
                why: Exclusion::NoNewReach,
            });
        }
    }
    excluded.sort_by_key(|e| e.cand);
    let lists = lists
        .into_iter()
        .map(|l| l.into_iter().map(|k| column[k as usize]).collect())
        .collect();
    let rows = Rows::merged(&far, lists);
    let reachable_residents = rows.people.iter().map(|p| p.residents).sum();
    Instance {
        coverage: Coverage::new(eligible.len(), &rows.rows),
        cands,
        eligible,
        excluded,
        people: rows.people,
        scope_residents,
        uncovered_residents,
        reachable_residents,
        far,
        points: rows.points,
    }
}

/// The candidates (indices) inside the municipality and not within
/// `wifi_exclusion_m` of active free Wi-Fi, and those excluded for either.
fn not_near_wifi(
    snap: &Snapshot,
    cands: &[CandidateBuilding],
    params: &Params,
) -> (Vec<u32>, Vec<Excluded>) {
    let has_parishes = Parishes::of(snap).any();
    let mut open = Vec::new();
    let mut excluded = Vec::new();
    for (i, c) in cands.iter().enumerate() {
        let cand = i as u32;
        if has_parishes && c.parish_id.is_none() {
            excluded.push(Excluded {
                cand,
                why: Exclusion::OutsideMunicipality,
            });
            continue;
        }
        match snap
            .site_sets
            .nearest(NearestKind::Wifi, c.xy.x(), c.xy.y())
        {
            Some(n) if n.distance_m <= params.wifi_exclusion_m + BOUNDARY_EPS_M => {
                excluded.push(Excluded {
                    cand,
                    why: Exclusion::NearFreeWifi {
                        wifi_site: n.site,
                        distance_m: n.distance_m,
                    },
                });
            }
            _ => open.push(cand),
        }
    }
    (open, excluded)
}

/// The residents in scope, and the points of those not near free Wi-Fi
/// with their weights.
fn far_points(
    snap: &Snapshot,
    analysis: &Analysis,
    zones: &[bool],
    params: &Params,
) -> (u64, Vec<FarPoint>) {
    let mut scope = 0u64;
    let mut far = Vec::new();
    for (i, d) in snap.demand.iter().enumerate() {
        if d.residents == 0 || !params.in_parish(d.parish_id.as_deref()) {
            continue;
        }
        let residents = u64::from(d.residents);
        scope += residents;
        let c = &analysis.classes[i];
        if c.public_access != PublicAccess::Far {
            continue;
        }
        let zone = zones.get(i).copied().unwrap_or(false);
        far.push(FarPoint {
            point: i as u32,
            weight: params.weight(residents, c.digitally_underserved, zone),
            residents,
            underserved: c.digitally_underserved,
            in_zone: zone,
        });
    }
    (scope, far)
}

/// The far points merged into rows by their covering candidates.
struct Rows {
    /// (weight, covering candidates) per row.
    rows: Vec<(f64, Vec<u32>)>,
    people: Vec<RowPeople>,
    /// (row, index into `far`) per point within reach.
    points: Vec<(u32, u32)>,
}

impl Rows {
    /// The far points within reach of a candidate (`lists`: their
    /// covering columns), merged into rows in first-seen order, each with
    /// its weight and residents.
    fn merged(far: &[FarPoint], lists: Vec<Vec<u32>>) -> Rows {
        let mut rows: Vec<(f64, Vec<u32>)> = Vec::new();
        let mut people: Vec<RowPeople> = Vec::new();
        let mut index: HashMap<Vec<u32>, u32> = HashMap::new();
        let mut points = Vec::new();
        for (k, (f, list)) in far.iter().zip(lists).enumerate() {
            if list.is_empty() {
                continue;
            }
            let row = *index.entry(list).or_insert_with_key(|list| {
                rows.push((0.0, list.clone()));
                people.push(RowPeople::default());
                (rows.len() - 1) as u32
            });
            let r = row as usize;
            rows[r].0 += f.weight;
            let p = f.people();
            people[r].residents += p.residents;
            people[r].digitally_underserved += p.digitally_underserved;
            people[r].in_priority_zone += p.in_priority_zone;
            points.push((row, k as u32));
        }
        Rows {
            rows,
            people,
            points,
        }
    }
}
