//! Where the new public access points go: the plan's 35 by 2029, less those
//! the records say are installed.
//!
//! 1. **What is left**: the access points installed in a plan year
//!    (`access_point` equipment with `installed_on`) count toward that
//!    year's quota (the target split over the years: 9, 9, 9, 8); the plan
//!    covers what remains ([`years::remaining`]), or `count` / `per_year`
//!    as given.
//! 2. **The instance** ([`crate::instance`]) over the candidate buildings
//!    ([`crate::candidates`]): eligibility by geometry; residents not yet
//!    near free Wi-Fi, weighted.
//! 3. **The MCLP** over the eligible buildings for `min(count, eligible)`
//!    ([`crate::mclp::solve`]: exact where the instance allows it).
//! 4. **The points** ([`points`]): the chosen buildings in greedy order,
//!    each only where it adds residents; then outdoor units toward villages
//!    in the slots left, each only where it extends reach.
//! 5. **Years** ([`years::assign`]): the points in rank order fill the
//!    years' slots, earliest first.
//! 6. **What is missing** ([`areas`]): for the access points no known
//!    building can usefully take, the under-served areas that need a
//!    candidate building, with the municipal buildings nearest them; and
//!    each eligible building left out, with why.
//!
//! The answer ([`answer`]) publishes every count of residents by the
//! audience's [`gapmap_model::disclosure::Disclosure`].

pub mod answer;
pub mod areas;
pub mod points;
#[cfg(test)]
pub(crate) mod tests;
pub mod types;
pub mod years;

pub use types::{
    Area, NotChosen, NotChosenWhy, Overrides, Params, Placement, Siting, Status, Unit, YearRow,
};

use crate::candidates::{candidate_buildings, municipal_buildings};
use crate::instance::{self, Instance};
use crate::mclp::{self, Method};
use crate::{PlanError, Target, even_batches};
use chrono::Datelike;
use gapmap_engine::analysis::Analysis;
use gapmap_engine::snapshot::Snapshot;

/// Defaults from the plan: its target and years, the records' installed
/// access points, and what is left of each year's quota.
pub fn default_params(snap: &Snapshot) -> Params {
    let t = Target::of(&snap.plan, "new-access-points");
    let target = t.max.max(t.min).round() as usize;
    let quotas = even_batches(target, t.years());
    let year_list: Vec<i32> = t.years().collect();
    let installed = years::installed(snap, &year_list);
    let per_year = years::remaining(&quotas, &installed, snap.inventory_date.year());
    Params {
        instance: instance::Params {
            near_m: snap.analysis.thresholds.near_m,
            ..instance::Params::default()
        },
        count: per_year.iter().map(|y| y.1).sum(),
        max_access_points_per_site: 3,
        outdoor_range_m: 300.0,
        per_year,
        method: Method::Auto,
        time_limit_s: 20.0,
        target,
        quotas,
        installed,
    }
}

/// `total` split in proportion to `weights` (not all 0) by largest
/// remainders, ties to the earlier year: 10 by 1,1,1,1 is 3,3,2,2.
pub fn shares(total: usize, weights: &[usize]) -> Vec<usize> {
    let sum: u128 = weights.iter().map(|&w| w as u128).sum::<u128>().max(1);
    let exact: Vec<(usize, u128)> = weights
        .iter()
        .map(|&w| {
            let n = total as u128 * w as u128;
            ((n / sum) as usize, n % sum)
        })
        .collect();
    let mut out: Vec<usize> = exact.iter().map(|e| e.0).collect();
    let mut order: Vec<usize> = (0..out.len()).collect();
    order.sort_by(|&a, &b| exact[b].1.cmp(&exact[a].1).then(a.cmp(&b)));
    let left = total - out.iter().sum::<usize>();
    for &k in order.iter().take(left) {
        out[k] += 1;
    }
    out
}

/// The parameters: the plan's defaults with `o` applied, reach `near_m`
/// (the analysis's); checked by [`plan`]. A `count` alone is split in
/// proportion to what is left of the years' quotas (or evenly over the
/// years from this one, when nothing is left).
pub fn params(snap: &Snapshot, near_m: f64, o: &Overrides) -> Result<Params, PlanError> {
    let mut p = default_params(snap);
    let years: Vec<i32> = p.quotas.iter().map(|q| q.0).collect();
    let left: Vec<usize> = p.per_year.iter().map(|y| y.1).collect();
    if let Some(n) = o.count {
        let weights: Vec<usize> = if left.iter().any(|&v| v > 0) {
            left.clone()
        } else {
            let now = snap.inventory_date.year();
            years.iter().map(|&y| usize::from(y >= now)).collect()
        };
        let batches = if weights.iter().any(|&w| w > 0) {
            shares(n, &weights)
        } else {
            shares(n, &vec![1; years.len()])
        };
        p.count = n;
        p.per_year = years.iter().copied().zip(batches).collect();
    }
    if let Some(v) = &o.per_year {
        p.per_year = per_year(&years, v, o.count)?;
        p.count = p.per_year.iter().map(|y| y.1).sum();
    }
    p.instance.near_m = near_m;
    p.instance.parish_id = o.parish_id.clone();
    let i = &mut p.instance;
    i.wifi_exclusion_m = o.wifi_exclusion_m.unwrap_or(i.wifi_exclusion_m);
    i.weight_underserved = o.weight_underserved.unwrap_or(i.weight_underserved);
    i.weight_priority_zone = o.weight_priority_zone.unwrap_or(i.weight_priority_zone);
    p.max_access_points_per_site = o
        .max_access_points_per_site
        .unwrap_or(p.max_access_points_per_site);
    p.outdoor_range_m = o.outdoor_range_m.unwrap_or(p.outdoor_range_m);
    p.method = o.method.unwrap_or(p.method);
    p.time_limit_s = o.time_limit_s.unwrap_or(p.time_limit_s);
    Ok(p)
}

/// `per_year` as given (one number per plan year, not all 0): the batches
/// themselves, or with a count, each year's share of it.
fn per_year(
    years: &[i32],
    v: &[usize],
    count: Option<usize>,
) -> Result<Vec<(i32, usize)>, PlanError> {
    let n = years.len();
    if v.len() != n {
        return Err(PlanError::parameter(
            "per_year",
            format!(
                "give one number per plan year ({n}: {}–{}), not {}",
                years.first().copied().unwrap_or(0),
                years.last().copied().unwrap_or(0),
                v.len()
            ),
        ));
    }
    if v.iter().sum::<usize>() == 0 {
        return Err(PlanError::parameter(
            "per_year",
            "the yearly numbers are all 0; give at least one access point",
        ));
    }
    let batches = match count {
        None => v.to_vec(),
        Some(c) => shares(c, v),
    };
    Ok(years.iter().copied().zip(batches).collect())
}

/// Check the request, naming the parameter at fault.
pub fn check(p: &Params, snap: &Snapshot) -> Result<(), PlanError> {
    if p.count > 10_000 {
        return Err(PlanError::parameter(
            "count",
            format!(
                "`count` must be a whole number from 1 to 10000, not {}",
                p.count
            ),
        ));
    }
    let i = &p.instance;
    if !(i.near_m.is_finite() && i.near_m > 0.0 && i.near_m <= 100_000.0) {
        return Err(PlanError::parameter(
            "near_m",
            format!(
                "`near_m` must be a distance in metres above 0 and at most 100000, not {}",
                i.near_m
            ),
        ));
    }
    if !(i.wifi_exclusion_m.is_finite() && (0.0..=10_000.0).contains(&i.wifi_exclusion_m)) {
        return Err(PlanError::parameter(
            "wifi_exclusion_m",
            "`wifi_exclusion_m` must be from 0 to 10000 metres",
        ));
    }
    for (name, w) in [
        ("weight_underserved", i.weight_underserved),
        ("weight_priority_zone", i.weight_priority_zone),
    ] {
        if !(w.is_finite() && (1.0..=100.0).contains(&w)) {
            let parameter = if name == "weight_underserved" {
                "weight_underserved"
            } else {
                "weight_priority_zone"
            };
            return Err(PlanError::parameter(
                parameter,
                format!("`{name}` must be a factor from 1 to 100, not {w}"),
            ));
        }
    }
    check_rest(p, snap)
}

/// The rest of [`check`]: the parish, the per-building limit, the outdoor
/// range, the batches and the time limit.
fn check_rest(p: &Params, snap: &Snapshot) -> Result<(), PlanError> {
    if let Some(pid) = &p.instance.parish_id
        && !snap.parishes.iter().any(|(id, _)| id == pid)
    {
        return Err(PlanError::parameter(
            "parish_id",
            format!("no parish `{pid}`; see /api/v1/gaps/parishes for the ids"),
        ));
    }
    if p.max_access_points_per_site == 0 || p.max_access_points_per_site > 20 {
        return Err(PlanError::parameter(
            "max_access_points_per_site",
            "`max_access_points_per_site` must be from 1 to 20",
        ));
    }
    if !(p.outdoor_range_m.is_finite() && (0.0..=5_000.0).contains(&p.outdoor_range_m)) {
        return Err(PlanError::parameter(
            "outdoor_range_m",
            "`outdoor_range_m` must be from 0 to 5000 metres",
        ));
    }
    let sum: usize = p.per_year.iter().map(|y| y.1).sum();
    if sum != p.count {
        return Err(PlanError::parameter(
            "per_year",
            format!(
                "the yearly batches add up to {sum}, not to the count {}",
                p.count
            ),
        ));
    }
    if !(p.time_limit_s.is_finite() && p.time_limit_s > 0.0 && p.time_limit_s <= 600.0) {
        return Err(PlanError::parameter(
            "time_limit_s",
            "`time_limit_s` must be above 0 and at most 600 seconds",
        ));
    }
    Ok(())
}

/// Plan the access points (see the module documentation).
pub fn plan(
    snap: &Snapshot,
    analysis: &Analysis,
    zones: &[bool],
    p: &Params,
    progress: &mut dyn FnMut(&str),
) -> Result<Siting, PlanError> {
    check(p, snap)?;
    progress("instance");
    let inst = instance::build(
        snap,
        analysis,
        zones,
        &p.instance,
        candidate_buildings(snap),
    );
    let mut out = Siting {
        params: p.clone(),
        status: Status::Ok,
        placements: Vec::new(),
        not_chosen: Vec::new(),
        areas: Vec::new(),
        municipal: Vec::new(),
        solved: None,
        instance: Instance::default(),
    };
    if p.count == 0 {
        out.status = Status::Done;
    } else if inst.uncovered_residents == 0 {
        out.status = Status::NothingToCover;
    } else {
        let chosen = if inst.eligible.is_empty() {
            Vec::new()
        } else {
            let p_build = p.count.min(inst.eligible.len());
            let solved = mclp::solve(&inst.coverage, p_build, p.method, p.time_limit_s, progress)
                .map_err(PlanError::Solver)?;
            let chosen = solved.chosen.clone();
            out.solved = Some(solved);
            chosen
        };
        progress("points");
        let (mut placements, covered) = points::place(snap, &inst, &chosen, p);
        years::assign(&mut placements, &p.per_year);
        out.not_chosen = not_chosen(&inst, &placements, &covered);
        out.placements = placements;
        if out.placements.len() < p.count {
            progress("areas");
            out.status = Status::Shortfall;
            out.municipal = municipal_buildings(snap);
            out.areas = areas::needing(
                snap,
                &inst.far,
                &covered,
                p.instance.near_m,
                p.count - out.placements.len(),
                &out.municipal,
            );
        }
    }
    out.instance = inst;
    Ok(out)
}

/// The eligible buildings without a new point, and why: everyone they
/// reach is reached by the plan's points, or the count is used up.
fn not_chosen(inst: &Instance, placed: &[Placement], covered: &[bool]) -> Vec<NotChosen> {
    let mut reach: Vec<(u64, u64)> = vec![(0, 0); inst.eligible.len()];
    for &(row, k) in &inst.points {
        let f = &inst.far[k as usize];
        for &c in inst.coverage.cands_of(row as usize) {
            let r = &mut reach[c as usize];
            r.0 += f.residents;
            if !covered[k as usize] {
                r.1 += f.residents;
            }
        }
    }
    inst.eligible
        .iter()
        .enumerate()
        .filter(|(_, c)| !placed.iter().any(|p| p.cand == **c))
        .map(|(k, &cand)| NotChosen {
            cand,
            why: if reach[k].1 == 0 {
                NotChosenWhy::ReachTaken
            } else {
                NotChosenWhy::BeyondCount
            },
            in_reach: reach[k].0,
            left: reach[k].1,
        })
        .collect()
}
