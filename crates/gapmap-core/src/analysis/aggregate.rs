//! Residents per parish, per EU 1 km grid cell and per gap cluster, with the
//! provenance mix of their inputs and disclosure control: a cell or cluster
//! (or parish) with 1–4 residents publishes a range, never an exact count.

use super::{Attr, Classes, Facts, FixedClass, MobileClass, PublicAccess, classify};
use crate::config::Thresholds;
use crate::crs::{LAEA, Transformer, WGS84};
use crate::model::{DemandPoint, PriorityZone, Source};
use geo::Intersects;
use geo_types::{Geometry, MultiPolygon};
use rayon::prelude::*;
use serde::Serialize;
use serde_json::{Map, Value, json};
use std::collections::{BTreeMap, HashMap, VecDeque};

/// Counts over a set of demand points (residents, not points, unless named).
#[derive(Debug, Clone, Default, PartialEq, Serialize)]
pub struct Aggregate {
    pub residents: u64,
    pub points: u64,
    pub by_fixed_class: BTreeMap<&'static str, u64>,
    pub by_mobile_class: BTreeMap<&'static str, u64>,
    pub by_public_access: BTreeMap<&'static str, u64>,
    pub digitally_underserved: u64,
    /// Residents with no terrestrial fixed provider, one, or several
    /// (EU NGA "white", "grey", "black" when the providers are NGA).
    pub by_fixed_providers: BTreeMap<&'static str, u64>,
    /// Demand points by source.
    pub demand_sources: BTreeMap<Source, u64>,
    /// Points whose best fixed or mobile service comes from a source.
    pub coverage_sources: BTreeMap<Source, u64>,
}

impl Aggregate {
    pub fn to_json(&self, min: u32) -> Map<String, Value> {
        let mut m = Map::new();
        let small = self.residents > 0 && self.residents < u64::from(min);
        if small {
            m.insert("residents".into(), Value::Null);
            m.insert("residents_min".into(), json!(1));
            m.insert("residents_max".into(), json!(min.saturating_sub(1)));
            m.insert(
                "disclosure".into(),
                json!(format!(
                    "fewer than {min} residents: only a range is published"
                )),
            );
        } else {
            m.insert("residents".into(), json!(self.residents));
            m.insert("points".into(), json!(self.points));
            m.insert("by_fixed_class".into(), json!(self.by_fixed_class));
            m.insert("by_mobile_class".into(), json!(self.by_mobile_class));
            m.insert("by_public_access".into(), json!(self.by_public_access));
            m.insert(
                "digitally_underserved".into(),
                json!(self.digitally_underserved),
            );
            m.insert("by_fixed_providers".into(), json!(self.by_fixed_providers));
        }
        m.insert(
            "provenance".into(),
            json!({"demand": self.demand_sources, "coverage": self.coverage_sources}),
        );
        m
    }
}

const PARALLEL_MIN: usize = 50_000;
const SOURCES: [Source; 3] = [Source::Official, Source::Approximate, Source::Simulated];
const PROVIDER_KEYS: [&str; 3] = ["none", "one", "several"];

fn source_index(s: Source) -> usize {
    match s {
        Source::Official => 0,
        Source::Approximate => 1,
        Source::Simulated => 2,
    }
}

/// The counts of one aggregate while points are added: plain arrays indexed
/// by class, turned into an [`Aggregate`] (maps keyed by class name) once.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq)]
struct Tally {
    residents: u64,
    points: u64,
    fixed: [u64; 4],
    mobile: [u64; 4],
    access: [u64; 2],
    digitally_underserved: u64,
    providers: [u64; 3],
    demand_sources: [u64; 3],
    coverage_sources: [u64; 3],
}

impl Tally {
    fn add(&mut self, d: &DemandPoint, f: &Facts, c: &Classes, coverage: &[Attr]) {
        let r = u64::from(d.residents);
        self.residents += r;
        self.points += 1;
        self.fixed[c.fixed_class as usize] += r;
        self.mobile[c.mobile_class as usize] += r;
        self.access[c.public_access as usize] += r;
        if c.digitally_underserved {
            self.digitally_underserved += r;
        }
        self.providers[usize::from(f.fixed_providers()).min(2)] += r;
        self.demand_sources[source_index(d.source)] += 1;
        for i in [f.best_fixed(), f.best_mobile()].into_iter().flatten() {
            self.coverage_sources[source_index(coverage[i as usize].source)] += 1;
        }
    }

    fn merge(&mut self, o: &Tally) {
        let sum = |a: &mut [u64], b: &[u64]| a.iter_mut().zip(b).for_each(|(x, y)| *x += y);
        self.residents += o.residents;
        self.points += o.points;
        sum(&mut self.fixed, &o.fixed);
        sum(&mut self.mobile, &o.mobile);
        sum(&mut self.access, &o.access);
        self.digitally_underserved += o.digitally_underserved;
        sum(&mut self.providers, &o.providers);
        sum(&mut self.demand_sources, &o.demand_sources);
        sum(&mut self.coverage_sources, &o.coverage_sources);
    }

    fn aggregate(&self) -> Aggregate {
        let present = |counts: &[u64; 3]| -> BTreeMap<Source, u64> {
            SOURCES
                .iter()
                .zip(counts)
                .filter(|(_, n)| **n > 0)
                .map(|(s, n)| (*s, *n))
                .collect()
        };
        Aggregate {
            residents: self.residents,
            points: self.points,
            by_fixed_class: FixedClass::ALL
                .iter()
                .map(|c| (c.as_str(), self.fixed[*c as usize]))
                .collect(),
            by_mobile_class: MobileClass::ALL
                .iter()
                .map(|c| (c.as_str(), self.mobile[*c as usize]))
                .collect(),
            by_public_access: [PublicAccess::Near, PublicAccess::Far]
                .iter()
                .map(|a| (a.as_str(), self.access[*a as usize]))
                .collect(),
            digitally_underserved: self.digitally_underserved,
            by_fixed_providers: PROVIDER_KEYS.into_iter().zip(self.providers).collect(),
            demand_sources: present(&self.demand_sources),
            coverage_sources: present(&self.coverage_sources),
        }
    }
}

#[derive(Debug, Clone, Serialize)]
pub struct ParishAggregate {
    pub id: String,
    pub name: String,
    pub aggregate: Aggregate,
}

#[derive(Debug, Clone)]
pub struct CellAggregate {
    /// (northing km, easting km) of the lower-left corner, EPSG:3035.
    pub cell: (i64, i64),
    counts: Tally,
}

impl CellAggregate {
    /// The cell's aggregate (built on demand: a grid has thousands of cells
    /// and most reads publish only some of them).
    pub fn aggregate(&self) -> Aggregate {
        self.counts.aggregate()
    }
    pub fn id(&self) -> String {
        crate::grid::cell_id(self.cell.0, self.cell.1)
    }
    /// A cell is under-served when any of its residents is digitally under-served.
    pub fn underserved(&self) -> bool {
        self.counts.digitally_underserved > 0
    }
}

/// Connected under-served cells (across shared edges), dissolved.
#[derive(Debug, Clone)]
pub struct Cluster {
    pub rank: usize,
    pub cells: Vec<(i64, i64)>,
    /// Residents of the cluster's cells, and how many are digitally under-served.
    pub aggregate: Aggregate,
    /// The dissolved outline, WGS84.
    pub geometry: MultiPolygon<f64>,
    /// Ids of the priority zones it touches.
    pub zones: Vec<String>,
}

/// Classes and aggregates of one snapshot under one set of thresholds.
#[derive(Debug, Clone)]
pub struct Analysis {
    pub thresholds: Thresholds,
    pub classes: Vec<Classes>,
    pub total: Aggregate,
    pub parishes: Vec<ParishAggregate>,
    pub grid: Vec<CellAggregate>,
    pub clusters: Vec<Cluster>,
}

impl PartialEq for Analysis {
    fn eq(&self, o: &Self) -> bool {
        self.thresholds == o.thresholds
            && self.classes == o.classes
            && self.total == o.total
            && self
                .parishes
                .iter()
                .map(|p| (&p.id, &p.aggregate))
                .eq(o.parishes.iter().map(|p| (&p.id, &p.aggregate)))
            && self
                .grid
                .iter()
                .map(|c| (c.cell, &c.counts))
                .eq(o.grid.iter().map(|c| (c.cell, &c.counts)))
            && self
                .clusters
                .iter()
                .map(|c| (&c.cells, &c.zones))
                .eq(o.clusters.iter().map(|c| (&c.cells, &c.zones)))
    }
}

/// The parish and the 1 km cell every demand point counts in, as dense
/// indices: worked out once per snapshot, so an aggregation (one per
/// request with its own thresholds) never hashes a name or a cell.
#[derive(Debug, Clone, Default)]
pub struct Groups {
    /// Index into the parish list; `u16::MAX` for none.
    parish: Vec<u16>,
    /// Index into `cells`.
    cell: Vec<u32>,
    /// The distinct cells, sorted.
    cells: Vec<(i64, i64)>,
}

/// Grid extents up to this many cells are numbered through a lookup table.
const DENSE_CELLS_MAX: i64 = 1 << 24;

impl Groups {
    pub fn new(demand: &[DemandPoint], facts: &[Facts], parishes: &[(String, String)]) -> Groups {
        let index: HashMap<&str, u16> = parishes
            .iter()
            .enumerate()
            .map(|(i, (id, _))| (id.as_str(), i as u16))
            .collect();
        let lookup = |p: Option<&str>| p.and_then(|p| index.get(p).copied()).unwrap_or(u16::MAX);
        // Points come parish by parish: compare with the last name before hashing.
        let parish = demand
            .par_chunks(4096)
            .flat_map_iter(|chunk| {
                let mut last: Option<(Option<&str>, u16)> = None;
                chunk.iter().map(move |d| {
                    let p = d.parish_id.as_deref();
                    match last {
                        Some((name, i)) if name == p => i,
                        _ => {
                            let i = lookup(p);
                            last = Some((p, i));
                            i
                        }
                    }
                })
            })
            .collect();
        let (cell, cells) = number_cells(facts);
        Groups {
            parish,
            cell,
            cells,
        }
    }
}

/// Dense, sorted numbers for the cells of the facts.
fn number_cells(facts: &[Facts]) -> (Vec<u32>, Vec<(i64, i64)>) {
    let Some(first) = facts.first() else {
        return (vec![], vec![]);
    };
    let (mut lo, mut hi) = (first.cell(), first.cell());
    for f in facts {
        let c = f.cell();
        lo = (lo.0.min(c.0), lo.1.min(c.1));
        hi = (hi.0.max(c.0), hi.1.max(c.1));
    }
    let (rows, cols) = (hi.0 - lo.0 + 1, hi.1 - lo.1 + 1);
    if rows.saturating_mul(cols) <= DENSE_CELLS_MAX {
        // Row-major by northing, then easting: numbering the used slots in
        // order gives the sorted cells.
        let slot = |c: (i64, i64)| ((c.0 - lo.0) * cols + (c.1 - lo.1)) as usize;
        let mut number = vec![u32::MAX; (rows * cols) as usize];
        for f in facts {
            number[slot(f.cell())] = 0;
        }
        let mut cells = Vec::new();
        for (k, n) in number.iter_mut().enumerate() {
            if *n == 0 {
                *n = cells.len() as u32;
                let k = k as i64;
                cells.push((lo.0 + k / cols, lo.1 + k % cols));
            }
        }
        let cell = facts.par_iter().map(|f| number[slot(f.cell())]).collect();
        (cell, cells)
    } else {
        let mut cells: Vec<(i64, i64)> = facts.iter().map(Facts::cell).collect();
        cells.par_sort_unstable();
        cells.dedup();
        let cell = facts
            .par_iter()
            .map(|f| cells.binary_search(&f.cell()).unwrap_or(0) as u32)
            .collect();
        (cell, cells)
    }
}

/// What aggregation needs from the snapshot.
#[derive(Debug, Clone, Copy)]
pub struct Inputs<'a> {
    pub demand: &'a [DemandPoint],
    pub facts: &'a [Facts],
    /// Where each point counts ([`Groups::new`] of these demand points and facts).
    pub groups: &'a Groups,
    /// The coverage layer's attributes ([`super::PreparedCoverage::attrs`]).
    pub coverage: &'a [Attr],
    /// (id, name) of every parish, in order.
    pub parishes: &'a [(String, String)],
    pub zones: &'a [PriorityZone],
    /// An earlier analysis whose cluster outlines may be reused.
    pub previous: Previous<'a>,
}

/// The clusters of an earlier analysis: a cluster with exactly the same cells
/// keeps its outline, and its zone flags too when the zones are unchanged.
#[derive(Debug, Clone, Copy, Default)]
pub struct Previous<'a> {
    pub clusters: &'a [Cluster],
    pub zones_unchanged: bool,
}

/// Classify every point and aggregate.
pub fn analyse(inp: Inputs, t: &Thresholds) -> Analysis {
    let class = |f: &Facts| classify(f, inp.coverage, t);
    // Below this many points, handing work to the thread pool costs more
    // than it saves (the one-site rebuild of a municipality is one such).
    let classes: Vec<Classes> = if inp.facts.len() < PARALLEL_MIN {
        inp.facts.iter().map(class).collect()
    } else {
        inp.facts.par_iter().map(class).collect()
    };
    // Counted in a few parts side by side, then summed (integers: the same
    // totals whatever the split).
    let parts = if inp.facts.len() < PARALLEL_MIN {
        1
    } else {
        rayon::current_num_threads().max(1)
    };
    let per_part = inp.facts.len().div_ceil(parts).max(1);
    let g = inp.groups;
    let count = |range: std::ops::Range<usize>| {
        let mut total = Tally::default();
        let mut parish = vec![Tally::default(); inp.parishes.len()];
        let mut cells = vec![Tally::default(); g.cells.len()];
        for i in range {
            let (d, f, c) = (&inp.demand[i], &inp.facts[i], &classes[i]);
            total.add(d, f, c, inp.coverage);
            if let Some(t) = parish.get_mut(usize::from(g.parish[i])) {
                t.add(d, f, c, inp.coverage);
            }
            cells[g.cell[i] as usize].add(d, f, c, inp.coverage);
        }
        (total, parish, cells)
    };
    let merge = |mut a: (Tally, Vec<Tally>, Vec<Tally>), b: (Tally, Vec<Tally>, Vec<Tally>)| {
        a.0.merge(&b.0);
        a.1.iter_mut().zip(&b.1).for_each(|(x, y)| x.merge(y));
        a.2.iter_mut().zip(&b.2).for_each(|(x, y)| x.merge(y));
        a
    };
    let n = inp.facts.len();
    let (total, parish, cell_counts) = (0..parts)
        .into_par_iter()
        .map(|p| count((p * per_part).min(n)..((p + 1) * per_part).min(n)))
        .reduce_with(merge)
        .unwrap_or_else(|| count(0..0));
    let cells: Vec<((i64, i64), Tally)> = g.cells.iter().copied().zip(cell_counts).collect();
    let parishes = inp
        .parishes
        .iter()
        .zip(&parish)
        .map(|((id, name), t)| ParishAggregate {
            id: id.clone(),
            name: name.clone(),
            aggregate: t.aggregate(),
        })
        .collect();
    let grid: Vec<CellAggregate> = cells
        .iter()
        .map(|(cell, t)| CellAggregate {
            cell: *cell,
            counts: *t,
        })
        .collect();
    let clusters = clusters(&cells, inp.zones, inp.previous);
    let total = total.aggregate();
    Analysis {
        thresholds: t.clone(),
        classes,
        total,
        parishes,
        grid,
        clusters,
    }
}

/// Group under-served cells joined across shared edges (4-neighbours),
/// dissolve each group and rank by digitally under-served residents. The
/// outline of a group whose cells equal one of `previous` is reused.
/// The dissolved outline of 1 km cells, in WGS84.
fn outline(cells: &[(i64, i64)], to_ll: Option<&Transformer>) -> MultiPolygon<f64> {
    let mut g = Geometry::MultiPolygon(super::outline::dissolve(cells, crate::grid::CELL_M));
    if let Some(t) = to_ll {
        let _ = t.transform_geometry(&mut g);
    }
    match g {
        Geometry::MultiPolygon(m) => m,
        _ => MultiPolygon(vec![]),
    }
}

/// Groups of cells joined across shared edges (4-neighbours): `cells`
/// sorted, each group sorted, groups in order of their first cell.
pub fn components(cells: &[(i64, i64)]) -> Vec<Vec<(i64, i64)>> {
    let index = |c: (i64, i64)| cells.binary_search(&c).ok();
    let mut seen = vec![false; cells.len()];
    let mut groups: Vec<Vec<(i64, i64)>> = Vec::new();
    for start in 0..cells.len() {
        if seen[start] {
            continue;
        }
        seen[start] = true;
        let mut group = vec![];
        let mut queue = VecDeque::from([start]);
        while let Some(i) = queue.pop_front() {
            let c = cells[i];
            group.push(c);
            for n in [
                (c.0 + 1, c.1),
                (c.0 - 1, c.1),
                (c.0, c.1 + 1),
                (c.0, c.1 - 1),
            ] {
                if let Some(j) = index(n).filter(|&j| !seen[j]) {
                    seen[j] = true;
                    queue.push_back(j);
                }
            }
        }
        group.sort_unstable();
        groups.push(group);
    }
    groups
}

fn clusters(
    cells: &[((i64, i64), Tally)],
    zones: &[PriorityZone],
    previous: Previous,
) -> Vec<Cluster> {
    // The under-served cells, sorted (as `cells` is): a cell's neighbours
    // are found by binary search.
    let under: Vec<((i64, i64), &Tally)> = cells
        .iter()
        .filter(|(_, t)| t.digitally_underserved > 0)
        .map(|(cell, t)| (*cell, t))
        .collect();
    let index = |c: (i64, i64)| under.binary_search_by(|u| u.0.cmp(&c)).ok();
    let groups = components(&under.iter().map(|u| u.0).collect::<Vec<_>>());
    let known: HashMap<&[(i64, i64)], &Cluster> = previous
        .clusters
        .iter()
        .map(|c| (c.cells.as_slice(), c))
        .collect();
    let to_ll = Transformer::new(LAEA, WGS84).ok();
    let build = |cells: Vec<(i64, i64)>| {
        let mut agg = Tally::default();
        for &c in &cells {
            if let Some(i) = index(c) {
                agg.merge(under[i].1);
            }
        }
        let before = known.get(cells.as_slice());
        let geometry = match before {
            Some(c) => c.geometry.clone(),
            None => outline(&cells, to_ll.as_ref()),
        };
        let zones_hit = match before {
            Some(c) if previous.zones_unchanged => c.zones.clone(),
            _ => zones
                .iter()
                .filter(|z| z.geometry.intersects(&geometry))
                .map(|z| z.id.clone())
                .collect(),
        };
        Cluster {
            rank: 0,
            cells,
            aggregate: agg.aggregate(),
            geometry,
            zones: zones_hit,
        }
    };
    let fresh = groups
        .iter()
        .filter(|g| !known.contains_key(g.as_slice()))
        .count();
    let mut out: Vec<Cluster> = if fresh < 4 {
        groups.into_iter().map(build).collect()
    } else {
        groups.into_par_iter().map(build).collect()
    };
    out.sort_by(|a, b| {
        b.aggregate
            .digitally_underserved
            .cmp(&a.aggregate.digitally_underserved)
            .then(b.aggregate.residents.cmp(&a.aggregate.residents))
            .then(a.cells.cmp(&b.cells))
    });
    for (i, c) in out.iter_mut().enumerate() {
        c.rank = i + 1;
    }
    out
}

/// A cluster as cells and counts (no outline).
#[derive(Debug, Clone, PartialEq)]
pub struct ClusterCells {
    pub cells: Vec<(i64, i64)>,
    pub residents: u64,
    pub digitally_underserved: u64,
}

/// Totals, parishes and clusters after some points changed class — the
/// planner's what-if: each changed point is taken out of its parish, cell
/// and the total with its old classes (`base.classes`) and counted again
/// with its new ones; clusters are regrouped from the cells (no outlines).
/// Equal to [`analyse`] of the changed classes (tested in the planner).
#[derive(Debug, Clone)]
pub struct Recount {
    pub total: Aggregate,
    pub parishes: Vec<ParishAggregate>,
    pub underserved_cells: usize,
    /// Ranked as [`Analysis::clusters`] is.
    pub clusters: Vec<ClusterCells>,
    /// Cells whose digitally under-served residents changed, sorted.
    pub changed_cells: Vec<(i64, i64)>,
}

/// `base` plus `plus` minus `minus`, map by map (both counted over the same points).
fn adjust(base: &Aggregate, minus: &Tally, plus: &Tally) -> Aggregate {
    let (m, p) = (minus.aggregate(), plus.aggregate());
    let map = |b: &BTreeMap<&'static str, u64>,
               m: &BTreeMap<&'static str, u64>,
               p: &BTreeMap<&'static str, u64>| {
        b.iter()
            .map(|(k, v)| {
                (
                    *k,
                    v + p.get(k).copied().unwrap_or(0) - m.get(k).copied().unwrap_or(0),
                )
            })
            .collect()
    };
    Aggregate {
        residents: base.residents,
        points: base.points,
        by_fixed_class: map(&base.by_fixed_class, &m.by_fixed_class, &p.by_fixed_class),
        by_mobile_class: map(
            &base.by_mobile_class,
            &m.by_mobile_class,
            &p.by_mobile_class,
        ),
        by_public_access: map(
            &base.by_public_access,
            &m.by_public_access,
            &p.by_public_access,
        ),
        digitally_underserved: base.digitally_underserved + p.digitally_underserved
            - m.digitally_underserved,
        by_fixed_providers: map(
            &base.by_fixed_providers,
            &m.by_fixed_providers,
            &p.by_fixed_providers,
        ),
        demand_sources: base.demand_sources.clone(),
        coverage_sources: base.coverage_sources.clone(),
    }
}

/// See [`Recount`]. `changed`: (point index, its new classes); the facts
/// behind the other counts (coverage, providers) are `inp.facts`.
pub fn recount(inp: Inputs, base: &Analysis, changed: &[(usize, Classes)]) -> Recount {
    let g = inp.groups;
    let (mut minus, mut plus) = (Tally::default(), Tally::default());
    let mut parish_delta: HashMap<usize, (Tally, Tally)> = HashMap::new();
    let mut cell_delta: HashMap<usize, (Tally, Tally)> = HashMap::new();
    for &(i, ref new) in changed {
        let (d, f, old) = (&inp.demand[i], &inp.facts[i], &base.classes[i]);
        minus.add(d, f, old, inp.coverage);
        plus.add(d, f, new, inp.coverage);
        if usize::from(g.parish[i]) < inp.parishes.len() {
            let e = parish_delta.entry(usize::from(g.parish[i])).or_default();
            e.0.add(d, f, old, inp.coverage);
            e.1.add(d, f, new, inp.coverage);
        }
        let e = cell_delta.entry(g.cell[i] as usize).or_default();
        e.0.add(d, f, old, inp.coverage);
        e.1.add(d, f, new, inp.coverage);
    }
    let parishes = base
        .parishes
        .iter()
        .enumerate()
        .map(|(k, p)| ParishAggregate {
            id: p.id.clone(),
            name: p.name.clone(),
            aggregate: match parish_delta.get(&k) {
                Some((m, pl)) => adjust(&p.aggregate, m, pl),
                None => p.aggregate.clone(),
            },
        })
        .collect();
    // Cells: (residents, digitally under-served) after the change.
    let counts = |k: usize| -> (u64, u64) {
        let c = &base.grid[k].counts;
        match cell_delta.get(&k) {
            Some((m, p)) => (
                c.residents,
                c.digitally_underserved + p.digitally_underserved - m.digitally_underserved,
            ),
            None => (c.residents, c.digitally_underserved),
        }
    };
    let under: Vec<(i64, i64)> = (0..base.grid.len())
        .filter(|&k| counts(k).1 > 0)
        .map(|k| base.grid[k].cell)
        .collect();
    let at = |c: (i64, i64)| base.grid.binary_search_by(|x| x.cell.cmp(&c)).ok();
    let mut clusters: Vec<ClusterCells> = components(&under)
        .into_iter()
        .map(|cells| {
            let (residents, du) = cells
                .iter()
                .filter_map(|&c| at(c))
                .map(counts)
                .fold((0, 0), |a, b| (a.0 + b.0, a.1 + b.1));
            ClusterCells {
                cells,
                residents,
                digitally_underserved: du,
            }
        })
        .collect();
    clusters.sort_by(|a, b| {
        b.digitally_underserved
            .cmp(&a.digitally_underserved)
            .then(b.residents.cmp(&a.residents))
            .then(a.cells.cmp(&b.cells))
    });
    let mut changed_cells: Vec<(i64, i64)> = cell_delta
        .iter()
        .filter(|(_, (m, p))| m.digitally_underserved != p.digitally_underserved)
        .map(|(&k, _)| base.grid[k].cell)
        .collect();
    changed_cells.sort_unstable();
    Recount {
        total: adjust(&base.total, &minus, &plus),
        parishes,
        underserved_cells: under.len(),
        clusters,
        changed_cells,
    }
}
