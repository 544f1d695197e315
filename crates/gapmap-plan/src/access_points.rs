//! Where the new public access points go: the plan's 35 by 2029.
//!
//! 1. Build the [`instance`] (eligible buildings, residents not yet near free
//!    Wi-Fi, weights) and solve the MCLP for `min(count, eligible)`
//!    buildings ([`mclp::solve`]: exact where the instance allows it).
//! 2. Rank the chosen buildings by marginal gain (the first covers the most
//!    weight, the next the most of what is left, …): each building's
//!    `residents_newly_served` is what it adds in that order.
//! 3. **Access points, not buildings**: each chosen building takes one
//!    access point. When `count` exceeds the eligible buildings, the extra
//!    points go, one at a time, to the building with the most residents
//!    newly served per access point it already has (capacity where many
//!    people gather), at most `max_access_points_per_site` per building;
//!    a building whose own point cannot reach a spot does not help there,
//!    so an extra point never adds reach in this model — it adds capacity.
//!    The answer says how many points had no building of their own
//!    (`shortfall`): the IT department needs to name more candidates.
//! 4. Yearly batches: the access points in rank order (every building's
//!    first point, then the extra points) fill the years' quotas in turn —
//!    by default the count split evenly over the plan's years (35 over
//!    2026–2029: 9, 9, 9, 8), or `per_year` as given (with a count, each
//!    year's share of it: [`shares`]).

use super::instance::{self, Instance};
use super::mclp::{self, Method, Solved};
use super::{PlanError, Target, even_batches, reason};
use gapmap_engine::analysis::Analysis;
use gapmap_engine::snapshot::Snapshot;
use gapmap_model::Layer;
use serde_json::{Map, Value, json};
use std::collections::BTreeMap;

/// The request.
#[derive(Debug, Clone, PartialEq)]
pub struct Params {
    pub instance: instance::Params,
    /// Access points to place (default: the plan's target).
    pub count: usize,
    pub max_access_points_per_site: u32,
    /// Access points per year, in year order (sums to `count`).
    pub per_year: Vec<(i32, usize)>,
    pub method: Method,
    /// Seconds the integer program may take before the best found is used.
    pub time_limit_s: f64,
}

/// Defaults from the plan: its target and years.
pub fn default_params(snap: &Snapshot) -> Params {
    let t = Target::of(&snap.plan, "new-access-points");
    let count = t.max.max(t.min).round() as usize;
    Params {
        instance: instance::Params {
            near_m: snap.analysis.thresholds.near_m,
            ..instance::Params::default()
        },
        count,
        max_access_points_per_site: 3,
        per_year: even_batches(count, t.years()),
        method: Method::Auto,
        time_limit_s: 20.0,
    }
}

/// Changes to the defaults, as a request or the command line gives them.
#[derive(Debug, Clone, Default, PartialEq)]
pub struct Overrides {
    pub count: Option<usize>,
    /// Access points per plan year, from its first year.
    pub per_year: Option<Vec<usize>>,
    pub parish_id: Option<String>,
    pub wifi_exclusion_m: Option<f64>,
    pub weight_underserved: Option<f64>,
    pub weight_priority_zone: Option<f64>,
    pub max_access_points_per_site: Option<u32>,
    pub method: Option<Method>,
    pub time_limit_s: Option<f64>,
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
/// (the analysis's); checked by [`plan`].
pub fn params(snap: &Snapshot, near_m: f64, o: &Overrides) -> Result<Params, PlanError> {
    let mut p = default_params(snap);
    let years = Target::of(&snap.plan, "new-access-points").years();
    if let Some(n) = o.count {
        p.count = n;
        p.per_year = even_batches(n, years.clone());
    }
    if let Some(v) = &o.per_year {
        let n = years.clone().count();
        if v.len() != n {
            return Err(PlanError::parameter(
                "per_year",
                format!(
                    "give one number per plan year ({n}: {}–{}), not {}",
                    years.start(),
                    years.end(),
                    v.len()
                ),
            ));
        }
        let sum: usize = v.iter().sum();
        if sum == 0 {
            return Err(PlanError::parameter(
                "per_year",
                "the yearly numbers are all 0; give at least one access point",
            ));
        }
        // Alone, the numbers are the batches and their sum the count; with
        // a count, each year's share of it.
        let batches = match o.count {
            None => v.clone(),
            Some(n) => shares(n, v),
        };
        p.count = batches.iter().sum();
        p.per_year = years.zip(batches).collect();
    }
    p.instance.near_m = near_m;
    p.instance.parish_id = o.parish_id.clone();
    if let Some(v) = o.wifi_exclusion_m {
        p.instance.wifi_exclusion_m = v;
    }
    if let Some(v) = o.weight_underserved {
        p.instance.weight_underserved = v;
    }
    if let Some(v) = o.weight_priority_zone {
        p.instance.weight_priority_zone = v;
    }
    if let Some(v) = o.max_access_points_per_site {
        p.max_access_points_per_site = v;
    }
    if let Some(v) = o.method {
        p.method = v;
    }
    if let Some(v) = o.time_limit_s {
        p.time_limit_s = v;
    }
    Ok(p)
}

/// How the answer came out.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Status {
    Ok,
    /// Fewer eligible buildings than access points.
    Shortfall,
    /// Nobody in scope is far from free Wi-Fi, or no eligible building reaches anyone who is.
    NothingToCover,
}

impl Status {
    pub fn as_str(self) -> &'static str {
        match self {
            Status::Ok => "ok",
            Status::Shortfall => "shortfall",
            Status::NothingToCover => "nothing_to_cover",
        }
    }
}

/// One chosen building.
#[derive(Debug, Clone, PartialEq)]
pub struct Placement {
    pub rank: usize,
    /// Index into the snapshot's sites.
    pub site: u32,
    /// The year of its first access point.
    pub year: i32,
    pub access_points: u32,
    pub access_points_by_year: BTreeMap<i32, u32>,
    /// Weight it adds in rank order (the objective's share).
    pub weight_gain: f64,
    pub residents_newly_served: u64,
    pub cumulative_residents_newly_served: u64,
    pub digitally_underserved_newly_served: u64,
    pub priority_zone_newly_served: u64,
    /// Residents newly served by the parish they live in.
    pub newly_served_by_parish: BTreeMap<String, u64>,
}

/// The answer.
#[derive(Debug, Clone)]
pub struct Siting {
    pub params: Params,
    pub status: Status,
    pub placements: Vec<Placement>,
    pub eligible_candidates: usize,
    /// Access points without an eligible building of their own.
    pub shortfall: usize,
    /// Access points placed nowhere (every building full).
    pub unplaced: usize,
    pub solved: Option<Solved>,
    pub instance: Instance,
}

/// Check the request, naming the parameter at fault.
pub fn check(p: &Params, snap: &Snapshot) -> Result<(), PlanError> {
    if p.count == 0 || p.count > 10_000 {
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
            return Err(PlanError::parameter(
                if name == "weight_underserved" {
                    "weight_underserved"
                } else {
                    "weight_priority_zone"
                },
                format!("`{name}` must be a factor from 1 to 100, not {w}"),
            ));
        }
    }
    if let Some(pid) = &i.parish_id
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
    let inst = instance::build(snap, analysis, zones, &p.instance);
    let eligible = inst.candidates.len();
    let mut out = Siting {
        params: p.clone(),
        status: Status::Ok,
        placements: Vec::new(),
        eligible_candidates: eligible,
        shortfall: p.count.saturating_sub(eligible),
        unplaced: 0,
        solved: None,
        instance: Instance::default(),
    };
    if inst.uncovered_residents == 0 || (eligible > 0 && inst.reachable_residents == 0) {
        out.status = Status::NothingToCover;
        out.instance = inst;
        return Ok(out);
    }
    if eligible == 0 {
        out.status = Status::Shortfall;
        out.unplaced = p.count;
        out.instance = inst;
        return Ok(out);
    }
    let buildings = p.count.min(eligible);
    let solved = mclp::solve(
        &inst.coverage,
        buildings,
        p.method,
        p.time_limit_s,
        progress,
    )
    .map_err(PlanError::Solver)?;
    let chosen = filled_up(&solved.chosen, buildings, eligible);
    let mut placements = ranked(snap, &inst, &chosen);
    let (sequence, unplaced) = add_extra_points(&mut placements, p);
    out.unplaced = unplaced;
    assign_years(&mut placements, &sequence, &p.per_year);
    out.status = if out.shortfall > 0 {
        Status::Shortfall
    } else {
        Status::Ok
    };
    out.placements = placements;
    out.solved = Some(solved);
    out.instance = inst;
    Ok(out)
}

/// The solver's choice filled up to `buildings` with unchosen candidates
/// (they add no reach; the lower index first) — the solvers may stop short
/// when nothing is left.
fn filled_up(solved: &[u32], buildings: usize, eligible: usize) -> Vec<u32> {
    let mut chosen = solved.to_vec();
    for k in 0..eligible as u32 {
        if chosen.len() >= buildings {
            break;
        }
        if !chosen.contains(&k) {
            chosen.push(k);
        }
    }
    chosen
}

/// The chosen buildings as placements in marginal-gain order, one access
/// point each, with the residents each newly serves (and by parish).
fn ranked(snap: &Snapshot, inst: &Instance, chosen: &[u32]) -> Vec<Placement> {
    let order = inst.coverage.marginal_order(chosen);
    let parish_of = |point: u32| {
        snap.demand[point as usize]
            .parish_id
            .clone()
            .unwrap_or_default()
    };
    let mut points_of_row: Vec<Vec<u32>> = vec![Vec::new(); inst.coverage.rows()];
    for &(row, point) in &inst.points {
        points_of_row[row as usize].push(point);
    }
    let mut cumulative = 0;
    order
        .iter()
        .enumerate()
        .map(|(k, (cand, gain, rows))| {
            let mut people = instance::RowPeople::default();
            let mut by_parish: BTreeMap<String, u64> = BTreeMap::new();
            for &r in rows {
                let pr = inst.people[r as usize];
                people.residents += pr.residents;
                people.digitally_underserved += pr.digitally_underserved;
                people.in_priority_zone += pr.in_priority_zone;
                for &pt in &points_of_row[r as usize] {
                    *by_parish.entry(parish_of(pt)).or_default() +=
                        u64::from(snap.demand[pt as usize].residents);
                }
            }
            cumulative += people.residents;
            Placement {
                rank: k + 1,
                site: inst.candidates[*cand as usize],
                year: 0,
                access_points: 1,
                access_points_by_year: BTreeMap::new(),
                weight_gain: *gain,
                residents_newly_served: people.residents,
                cumulative_residents_newly_served: cumulative,
                digitally_underserved_newly_served: people.digitally_underserved,
                priority_zone_newly_served: people.in_priority_zone,
                newly_served_by_parish: by_parish,
            }
        })
        .collect()
}

/// Extra access points, capacity where many people gather: the order the
/// points are placed in (every building's first, then the extra ones, as
/// placement indices) and how many could not be placed.
fn add_extra_points(placements: &mut [Placement], p: &Params) -> (Vec<usize>, usize) {
    let mut sequence: Vec<usize> = (0..placements.len()).collect();
    let mut extra = p.count - placements.len();
    while extra > 0 {
        let next = placements
            .iter()
            .enumerate()
            .filter(|(_, pl)| pl.access_points < p.max_access_points_per_site)
            .max_by(|(ia, a), (ib, b)| {
                let ra = a.residents_newly_served as f64 / f64::from(a.access_points);
                let rb = b.residents_newly_served as f64 / f64::from(b.access_points);
                ra.total_cmp(&rb).then(ib.cmp(ia))
            })
            .map(|(i, _)| i);
        let Some(i) = next else {
            break;
        };
        placements[i].access_points += 1;
        sequence.push(i);
        extra -= 1;
    }
    (sequence, extra)
}

/// Years along the sequence: the access points fill the years' quotas in
/// turn (past the last quota, the last year).
fn assign_years(placements: &mut [Placement], sequence: &[usize], per_year: &[(i32, usize)]) {
    let mut slots = per_year
        .iter()
        .flat_map(|&(y, n)| std::iter::repeat_n(y, n));
    for &i in sequence {
        let year = slots
            .next()
            .unwrap_or_else(|| per_year.last().map_or(0, |y| y.0));
        let pl = &mut placements[i];
        if pl.access_points_by_year.is_empty() {
            pl.year = year;
        }
        *pl.access_points_by_year.entry(year).or_default() += 1;
    }
}

impl Siting {
    /// Residents newly served, by year of the building's first access point.
    pub fn by_year(&self) -> BTreeMap<i32, (u32, u64)> {
        let mut m: BTreeMap<i32, (u32, u64)> =
            self.params.per_year.iter().map(|y| (y.0, (0, 0))).collect();
        for pl in &self.placements {
            for (y, n) in &pl.access_points_by_year {
                m.entry(*y).or_default().0 += n;
            }
            m.entry(pl.year).or_default().1 += pl.residents_newly_served;
        }
        m
    }

    /// Residents newly served by (year, the parish they live in).
    pub fn by_year_and_parish(&self) -> BTreeMap<(i32, String), u64> {
        let mut m = BTreeMap::new();
        for pl in &self.placements {
            for (parish, n) in &pl.newly_served_by_parish {
                *m.entry((pl.year, parish.clone())).or_default() += n;
            }
        }
        m
    }

    fn message(&self) -> String {
        match self.status {
            Status::NothingToCover if self.instance.uncovered_residents == 0 => {
                "every resident in scope is already within reach of free Wi-Fi: nothing to cover"
                    .into()
            }
            Status::NothingToCover => format!(
                "no eligible building reaches any of the {} residents not yet near free Wi-Fi: nothing to cover from these candidates",
                self.instance.uncovered_residents
            ),
            Status::Shortfall => format!(
                "only {} eligible candidate buildings for {} access points: {} points share buildings — name more candidate buildings (sites with candidate = true)",
                self.eligible_candidates, self.params.count, self.shortfall
            ),
            Status::Ok => format!(
                "{} access points in {} buildings bring {} residents within {} m of free Wi-Fi",
                self.params.count - self.unplaced,
                self.placements.len(),
                self.placements
                    .last()
                    .map_or(0, |p| p.cumulative_residents_newly_served),
                self.params.instance.near_m
            ),
        }
    }

    /// The properties of one placement's feature.
    pub fn placement_properties(&self, snap: &Snapshot, pl: &Placement) -> Map<String, Value> {
        let s = &snap.sites[pl.site as usize];
        let by_year: Map<String, Value> = pl
            .access_points_by_year
            .iter()
            .map(|(y, n)| (y.to_string(), json!(n)))
            .collect();
        let by_parish: Map<String, Value> = pl
            .newly_served_by_parish
            .iter()
            .map(|(k, v)| (k.clone(), json!(v)))
            .collect();
        [
            ("id", json!(format!("ap-{}", s.id))),
            ("rank", json!(pl.rank)),
            ("year", json!(pl.year)),
            ("site_id", json!(s.id)),
            ("name", json!(s.name)),
            ("kind", json!(s.kind.as_str())),
            ("parish_id", json!(s.parish_id)),
            ("access_points", json!(pl.access_points)),
            ("access_points_by_year", Value::Object(by_year)),
            ("residents_newly_served", json!(pl.residents_newly_served)),
            (
                "cumulative_residents_newly_served",
                json!(pl.cumulative_residents_newly_served),
            ),
            (
                "digitally_underserved_newly_served",
                json!(pl.digitally_underserved_newly_served),
            ),
            (
                "priority_zone_newly_served",
                json!(pl.priority_zone_newly_served),
            ),
            ("weighted_gain", json!(pl.weight_gain)),
            ("newly_served_by_parish", Value::Object(by_parish)),
            ("reasons", Value::Array(self.placement_reasons(pl))),
            ("source", json!(s.provenance.source.as_str())),
            ("source_ref", json!(s.provenance.source_ref)),
            ("as_of", json!(s.provenance.as_of.to_string())),
            ("licence", json!(s.provenance.licence)),
        ]
        .into_iter()
        .map(|(k, v)| (k.to_owned(), v))
        .collect()
    }

    /// Why a placement is where it is: the residents it newly serves, then
    /// each count of note (under-served, priority zone, extra capacity).
    fn placement_reasons(&self, pl: &Placement) -> Vec<Value> {
        let near = self.params.instance.near_m;
        let mut reasons = vec![reason(
            "newly_served",
            json!({"residents": pl.residents_newly_served, "near_m": near}),
            format!(
                "{} residents not yet near free Wi-Fi live within {near} m",
                pl.residents_newly_served
            ),
        )];
        // (code, parameter, count, listed above, the text after the count)
        let counts = [
            (
                "digitally_underserved",
                "residents",
                pl.digitally_underserved_newly_served,
                0,
                "of them have no good home internet (digitally under-served)",
            ),
            (
                "priority_zone",
                "residents",
                pl.priority_zone_newly_served,
                0,
                "of them live in a priority zone",
            ),
            (
                "extra_capacity",
                "access_points",
                u64::from(pl.access_points),
                1,
                "access points here: capacity where many people gather",
            ),
        ];
        for (code, parameter, n, above, text) in counts {
            if n > above {
                reasons.push(reason(code, json!({parameter: n}), format!("{n} {text}")));
            }
        }
        if pl.residents_newly_served == 0 {
            reasons.push(reason(
                "no_new_reach",
                json!({}),
                "adds a public access point but brings no one new within reach".to_owned(),
            ));
        }
        reasons
    }

    /// The answer as a GeoJSON FeatureCollection (features in rank order).
    pub fn to_geojson(&self, snap: &Snapshot) -> Value {
        let features: Vec<Value> = self
            .placements
            .iter()
            .map(|pl| {
                let s = &snap.sites[pl.site as usize];
                json!({
                    "type": "Feature",
                    "id": format!("ap-{}", s.id),
                    "geometry": {"type": "Point", "coordinates": [s.location.x(), s.location.y()]},
                    "properties": self.placement_properties(snap, pl),
                })
            })
            .collect();
        let solved = self.solved.as_ref();
        let inst = &self.instance;
        let by_year: Vec<Value> = self
            .by_year()
            .iter()
            .map(|(y, (aps, res))| json!({"year": y, "access_points": aps, "residents_newly_served": res}))
            .collect();
        let by_year_parish: Vec<Value> = self
            .by_year_and_parish()
            .iter()
            .map(|((y, p), n)| json!({"year": y, "parish_id": p, "residents_newly_served": n}))
            .collect();
        let excluded: Vec<Value> = inst
            .excluded
            .iter()
            .map(|e| {
                let s = &snap.sites[e.site as usize];
                let w = &snap.sites[e.wifi_site as usize];
                json!({"site_id": s.id, "name": s.name, "reason": reason(
                    "near_free_wifi",
                    json!({"wifi_site_id": w.id, "distance_m": (e.distance_m * 10.0).round() / 10.0, "wifi_exclusion_m": self.params.instance.wifi_exclusion_m}),
                    format!("free Wi-Fi at {} is {:.0} m away: the spot is already covered", w.name, e.distance_m),
                )})
            })
            .collect();
        let p = &self.params;
        json!({
            "type": "FeatureCollection",
            "status": self.status.as_str(),
            "message": self.message(),
            "count": p.count,
            "access_points_placed": p.count - self.unplaced,
            "buildings": self.placements.len(),
            "eligible_candidates": self.eligible_candidates,
            "shortfall": self.shortfall,
            "unplaced": self.unplaced,
            "objective": solved.map(|s| s.objective),
            "bound": solved.map(|s| s.bound),
            "optimality_gap": solved.map(|s| s.gap()),
            "proven_optimal": solved.map(|s| s.proven_optimal),
            "solver": solved.map(|s| s.solver.clone()),
            "residents_newly_served": self.placements.last().map_or(0, |p| p.cumulative_residents_newly_served),
            "scope_residents": inst.scope_residents,
            "uncovered_residents": inst.uncovered_residents,
            "reachable_residents": inst.reachable_residents,
            "by_year": by_year,
            "by_year_and_parish": by_year_parish,
            "excluded_candidates": excluded,
            "parameters": {
                "count": p.count,
                "near_m": p.instance.near_m,
                "parish_id": p.instance.parish_id,
                "wifi_exclusion_m": p.instance.wifi_exclusion_m,
                "weight_underserved": p.instance.weight_underserved,
                "weight_priority_zone": p.instance.weight_priority_zone,
                "max_access_points_per_site": p.max_access_points_per_site,
                "per_year": p.per_year.iter().map(|(y, n)| json!({"year": y, "access_points": n})).collect::<Vec<_>>(),
                "method": match p.method { Method::Auto => "auto", Method::Exact => "exact", Method::Heuristic => "heuristic" },
                "weights": "a resident counts 1, times weight_underserved when digitally under-served, times weight_priority_zone in a priority zone",
            },
            "provenance": super::provenance(snap, &[Layer::Sites, Layer::Demand, Layer::Coverage, Layer::PriorityZones, Layer::Equipment]),
            "snapshot_version": snap.version,
            "numberReturned": features.len(),
            "features": features,
        })
    }

    /// The placements as CSV (one row per building, rank order).
    pub fn to_csv(&self, snap: &Snapshot) -> String {
        let rows = self.placements.iter().map(|pl| {
            let site = &snap.sites[pl.site as usize];
            [
                pl.rank.to_string(),
                pl.year.to_string(),
                site.id.clone(),
                site.name.clone(),
                site.kind.as_str().to_owned(),
                site.parish_id.clone().unwrap_or_default(),
                format!("{}", site.location.x()),
                format!("{}", site.location.y()),
                pl.access_points.to_string(),
                pl.residents_newly_served.to_string(),
                pl.cumulative_residents_newly_served.to_string(),
                pl.digitally_underserved_newly_served.to_string(),
                pl.priority_zone_newly_served.to_string(),
                site.provenance.source.as_str().to_owned(),
                site.equipment_provenance
                    .as_ref()
                    .map(|p| p.source.as_str().to_owned())
                    .unwrap_or_default(),
            ]
        });
        super::csv(&CSV_COLUMNS, rows)
    }
}

/// The columns of [`Siting::to_csv`].
const CSV_COLUMNS: [&str; 15] = [
    "rank",
    "year",
    "site_id",
    "name",
    "kind",
    "parish_id",
    "lon",
    "lat",
    "access_points",
    "residents_newly_served",
    "cumulative_residents_newly_served",
    "digitally_underserved_newly_served",
    "priority_zone_newly_served",
    "source",
    "equipment_source",
];

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn shares_split_by_largest_remainders() {
        assert_eq!(shares(10, &[1, 1, 1, 1]), [3, 3, 2, 2]);
        assert_eq!(shares(35, &[9, 9, 9, 8]), [9, 9, 9, 8]);
        assert_eq!(shares(1, &[9, 9, 9, 8]), [1, 0, 0, 0]);
        assert_eq!(shares(7, &[0, 1, 0, 0]), [0, 7, 0, 0]);
    }
}
