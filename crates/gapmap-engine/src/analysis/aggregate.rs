//! Residents per parish, per EU 1 km grid cell and per gap cluster, with the
//! provenance mix of their inputs and disclosure control: a cell or cluster
//! (or parish) with 1–4 residents publishes a range, never an exact count.

use super::{Attr, Classes, Facts, FixedClass, MobileClass, PublicAccess, classify};
use gapmap_geo::crs::{LAEA, Transformer, WGS84};
use gapmap_model::disclosure::{Disclosure, Published};
use gapmap_model::thresholds::Thresholds;
use gapmap_model::{DemandPoint, PriorityZone, Source};
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
    /// The counts as published to one audience ([`Disclosure`]): for the
    /// public, an aggregate of 1–4 residents gives only that range; in a
    /// larger one every count of residents is published by the rule (a
    /// count of 1–4 in a breakdown is `null`, other counts are rounded).
    /// Point counts and provenance are not counts of residents.
    pub fn to_json(&self, d: &Disclosure) -> Map<String, Value> {
        let mut m = Map::new();
        let small = matches!(d.count(self.residents), Published::Range(..));
        if small {
            d.put(&mut m, "residents", self.residents);
            m.insert(
                "disclosure".into(),
                json!(format!(
                    "fewer than {} residents: only a range is published",
                    d.min
                )),
            );
        } else {
            let map = |b: &BTreeMap<&'static str, u64>| -> Map<String, Value> {
                b.iter()
                    .map(|(k, v)| ((*k).to_owned(), d.json(*v)))
                    .collect()
            };
            d.put(&mut m, "residents", self.residents);
            m.insert("points".into(), json!(self.points));
            m.insert(
                "by_fixed_class".into(),
                Value::Object(map(&self.by_fixed_class)),
            );
            m.insert(
                "by_mobile_class".into(),
                Value::Object(map(&self.by_mobile_class)),
            );
            m.insert(
                "by_public_access".into(),
                Value::Object(map(&self.by_public_access)),
            );
            d.put(&mut m, "digitally_underserved", self.digitally_underserved);
            m.insert(
                "by_fixed_providers".into(),
                Value::Object(map(&self.by_fixed_providers)),
            );
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

#[derive(Debug, Clone, PartialEq)]
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
        gapmap_geo::grid::cell_id(self.cell.0, self.cell.1)
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
    /// The cluster of every cell of `grid` (an index into `clusters`;
    /// `u32::MAX`: the cell is not under-served), for the what-if's recount.
    cluster_of: Vec<u32>,
}

impl Analysis {
    /// The index into `grid` of a cell.
    pub fn cell_index(&self, cell: (i64, i64)) -> Option<usize> {
        self.grid.binary_search_by(|c| c.cell.cmp(&cell)).ok()
    }

    /// The cluster (an index into `clusters`) of the grid cell `grid[k]`,
    /// if it is under-served.
    pub fn cluster_of(&self, k: usize) -> Option<usize> {
        self.cluster_of
            .get(k)
            .filter(|&&c| c != u32::MAX)
            .map(|&c| c as usize)
    }

    /// The number of under-served cells (each is in exactly one cluster).
    pub fn underserved_cells(&self) -> usize {
        self.clusters.iter().map(|c| c.cells.len()).sum()
    }
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
    let classes = classify_all(&inp, t);
    let (total, parish, cell_counts) = count_all(&inp, &classes);
    let g = inp.groups;
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
    let mut cluster_of = vec![u32::MAX; grid.len()];
    for (i, c) in clusters.iter().enumerate() {
        for cell in &c.cells {
            if let Ok(k) = g.cells.binary_search(cell) {
                cluster_of[k] = i as u32;
            }
        }
    }
    let total = total.aggregate();
    Analysis {
        thresholds: t.clone(),
        classes,
        total,
        parishes,
        grid,
        clusters,
        cluster_of,
    }
}

/// The classes of every point under `t`.
fn classify_all(inp: &Inputs, t: &Thresholds) -> Vec<Classes> {
    let class = |f: &Facts| classify(f, inp.coverage, t);
    // Below this many points, handing work to the thread pool costs more
    // than it saves (the one-site rebuild of a municipality is one such).
    if inp.facts.len() < PARALLEL_MIN {
        inp.facts.iter().map(class).collect()
    } else {
        inp.facts.par_iter().map(class).collect()
    }
}

/// The counts in total, per parish and per cell of [`Groups`].
type Counts = (Tally, Vec<Tally>, Vec<Tally>);

/// Count every point with its classes: in total, in its parish and in its
/// cell.
fn count_all(inp: &Inputs, classes: &[Classes]) -> Counts {
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
    let merge = |mut a: Counts, b: Counts| {
        a.0.merge(&b.0);
        a.1.iter_mut().zip(&b.1).for_each(|(x, y)| x.merge(y));
        a.2.iter_mut().zip(&b.2).for_each(|(x, y)| x.merge(y));
        a
    };
    let n = inp.facts.len();
    (0..parts)
        .into_par_iter()
        .map(|p| count((p * per_part).min(n)..((p + 1) * per_part).min(n)))
        .reduce_with(merge)
        .unwrap_or_else(|| count(0..0))
}

/// The dissolved outline of 1 km cells, in WGS84.
fn outline(cells: &[(i64, i64)], to_ll: Option<&Transformer>) -> MultiPolygon<f64> {
    let mut g = Geometry::MultiPolygon(super::outline::dissolve(cells, gapmap_geo::grid::CELL_M));
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

/// Group under-served cells joined across shared edges (4-neighbours),
/// dissolve each group and rank by digitally under-served residents. The
/// outline of a group whose cells equal one of `previous` is reused.
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
/// with its new ones. Clusters are regrouped only where a cell's
/// under-served status flips (no outlines): see [`recount`].
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
    /// The clusters (indices into `clusters`, ascending) that hold a cell
    /// of `changed_cells`.
    pub touched_clusters: Vec<usize>,
    /// The clusters (indices into `clusters`, ascending) rebuilt or
    /// recounted from clusters of the analysis that changed, or made of
    /// newly under-served cells: a superset of `touched_clusters` (a part
    /// split off a cluster need not hold a changed cell). Every other
    /// cluster is one of the analysis's, unchanged.
    pub rebuilt_clusters: Vec<usize>,
    /// The analysis's clusters (indices into [`Analysis::clusters`],
    /// ascending) that changed: they lost or gained cells (a newly
    /// under-served neighbour joins them) or their counts changed.
    pub changed_base_clusters: Vec<usize>,
}

/// The clusters' ranking: digitally under-served residents (descending),
/// residents (descending), then cells (ascending). Clusters are disjoint, so
/// no two are equal: the order is total.
fn rank_order(a: &ClusterCells, b: &ClusterCells) -> std::cmp::Ordering {
    b.digitally_underserved
        .cmp(&a.digitally_underserved)
        .then(b.residents.cmp(&a.residents))
        .then_with(|| a.cells.cmp(&b.cells))
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

/// The four cells sharing an edge with a cell.
fn neighbours(c: (i64, i64)) -> [(i64, i64); 4] {
    [
        (c.0 + 1, c.1),
        (c.0 - 1, c.1),
        (c.0, c.1 + 1),
        (c.0, c.1 - 1),
    ]
}

/// Parts of clusters and new cells joined into one cluster: its cells (as
/// sorted runs), counts, and whether it holds a changed cell.
#[derive(Default)]
struct Group {
    cells: Vec<(i64, i64)>,
    residents: u64,
    du: u64,
    touched: bool,
}

impl Group {
    fn add(&mut self, cells: &[(i64, i64)], residents: u64, du: u64, touched: bool) {
        self.cells.extend_from_slice(cells);
        self.residents += residents;
        self.du += du;
        self.touched |= touched;
    }
}

/// Union-find over `0..n` (path halving).
struct UnionFind(Vec<usize>);

impl UnionFind {
    fn new(n: usize) -> UnionFind {
        UnionFind((0..n).collect())
    }
    fn find(&mut self, mut i: usize) -> usize {
        while self.0[i] != i {
            self.0[i] = self.0[self.0[i]];
            i = self.0[i];
        }
        i
    }
    fn union(&mut self, a: usize, b: usize) {
        let (a, b) = (self.find(a), self.find(b));
        if a != b {
            self.0[a.max(b)] = a.min(b);
        }
    }
}

/// A base cluster less some of its cells (`off`), cut into its connected
/// parts: `pieces` listed (sorted cells), and when `rest`, one more part
/// made of every other cell of the cluster.
///
/// A cluster can hold most of a country's under-served cells, so its parts
/// are found by searching from the cells next to the lost ones, one search
/// per cell, in turn one cell at a time, searches that meet joined, until
/// at most one group of searches is still growing: that one is the rest,
/// never listed. The cost is about the size of the small parts (and of the
/// ways round the lost cells), not of the cluster.
struct Parts {
    pieces: Vec<Vec<(i64, i64)>>,
    rest: bool,
    /// The piece of every listed cell.
    piece_of: HashMap<(i64, i64), usize>,
}

impl Parts {
    fn of(base: &Analysis, c: usize, off: &[(i64, i64)]) -> Parts {
        let whole = Parts {
            pieces: Vec::new(),
            rest: true,
            piece_of: HashMap::new(),
        };
        if off.is_empty() {
            return whole;
        }
        let inside = |x: &(i64, i64)| {
            off.binary_search(x).is_err()
                && base.cell_index(*x).and_then(|k| base.cluster_of(k)) == Some(c)
        };
        let mut seeds: Vec<(i64, i64)> = off
            .iter()
            .flat_map(|&x| neighbours(x))
            .filter(inside)
            .collect();
        seeds.sort_unstable();
        seeds.dedup();
        let mut queues: Vec<VecDeque<(i64, i64)>> =
            seeds.iter().map(|&x| VecDeque::from([x])).collect();
        let mut visited: HashMap<(i64, i64), usize> =
            seeds.iter().enumerate().map(|(i, &x)| (x, i)).collect();
        let mut uf = UnionFind::new(seeds.len());
        let growing = |uf: &mut UnionFind, queues: &[VecDeque<(i64, i64)>]| {
            let mut roots: Vec<usize> = (0..queues.len())
                .filter(|&i| !queues[i].is_empty())
                .map(|i| uf.find(i))
                .collect();
            roots.sort_unstable();
            roots.dedup();
            roots
        };
        let mut live = growing(&mut uf, &queues);
        while live.len() > 1 {
            for (i, queue) in queues.iter_mut().enumerate() {
                let Some(x) = queue.pop_front() else {
                    continue;
                };
                for n in neighbours(x) {
                    if !inside(&n) {
                        continue;
                    }
                    match visited.get(&n) {
                        Some(&j) => uf.union(i, j),
                        None => {
                            visited.insert(n, i);
                            queue.push_back(n);
                        }
                    }
                }
            }
            live = growing(&mut uf, &queues);
        }
        let rest_root = live.first().copied();
        let mut by_root: BTreeMap<usize, Vec<(i64, i64)>> = BTreeMap::new();
        for (&x, &i) in &visited {
            let r = uf.find(i);
            if Some(r) != rest_root {
                by_root.entry(r).or_default().push(x);
            }
        }
        let mut parts = Parts {
            pieces: Vec::with_capacity(by_root.len()),
            rest: rest_root.is_some(),
            piece_of: HashMap::new(),
        };
        for mut cells in by_root.into_values() {
            cells.sort_unstable();
            for &x in &cells {
                parts.piece_of.insert(x, parts.pieces.len());
            }
            parts.pieces.push(cells);
        }
        parts
    }

    /// The part (index: the pieces, then the rest) of a cell of the cluster
    /// under-served after.
    fn node_of(&self, cell: &(i64, i64)) -> usize {
        self.piece_of
            .get(cell)
            .copied()
            .unwrap_or(self.pieces.len())
    }
}

/// See [`Recount`]. `changed`: (point index, its new classes); the facts
/// behind the other counts (coverage, providers) are `inp.facts`.
///
/// Clusters are worked out from `base.clusters` without visiting the whole
/// grid: a cell whose digitally under-served count changes but stays above
/// zero only changes its cluster's counts; a cell that stops being
/// under-served may split its cluster, and one that becomes under-served
/// may join the clusters next to it. A cluster that loses cells is cut into
/// its parts by searching only around the lost cells ([`Parts`]: one part
/// may be most of the country); the parts and the newly under-served cells
/// are joined where they touch. Every other cluster keeps its cells and
/// counts, and its place in the (total) ranking order relative to the
/// others, so the ranking is a merge of the kept clusters, in their old
/// order, with the few new or recounted ones. The national store has one
/// cluster of about 68,000 cells: regrouping it with [`components`] took
/// most of a what-if's time.
pub fn recount(inp: Inputs, base: &Analysis, changed: &[(usize, Classes)]) -> Recount {
    let clock = std::time::Instant::now();
    let deltas = Deltas::of(&inp, base, changed);
    let parishes = deltas.parishes(base);
    let t_parishes = clock.elapsed();
    let change = CellChange::new(base, &deltas.cells);
    let mut nodes = Nodes::join(&change);
    let moved = change.moved(change.groups(&mut nodes));
    let t_moved = clock.elapsed();
    let ranked = change.merge(moved);
    tracing::debug!(parishes = ?t_parishes, regrouped = ?t_moved, total = ?clock.elapsed(), involved = change.involved.len(), parts = nodes.count - change.on.len(), clusters = ranked.clusters.len(), "recount phases");
    let mut changed_base_clusters: Vec<usize> = change
        .involved
        .iter()
        .chain(&change.recounted)
        .copied()
        .collect();
    changed_base_clusters.sort_unstable();
    let changed_cells: Vec<(i64, i64)> = {
        let mut v: Vec<(i64, i64)> = change
            .changed_k
            .iter()
            .map(|e| base.grid[e.0].cell)
            .collect();
        v.sort_unstable();
        v
    };
    let gone: usize = change.off.values().map(Vec::len).sum();
    let came = change.on.len();
    Recount {
        total: adjust(&base.total, &deltas.minus, &deltas.plus),
        parishes,
        underserved_cells: base.underserved_cells() + came - gone,
        clusters: ranked.clusters,
        changed_cells,
        touched_clusters: ranked.touched,
        rebuilt_clusters: ranked.rebuilt,
        changed_base_clusters,
    }
}

/// The changed points' counts under their old classes (`.0`) and their new
/// ones (`.1`): in total, per parish and per cell (grid index).
struct Deltas {
    minus: Tally,
    plus: Tally,
    parishes: HashMap<usize, (Tally, Tally)>,
    cells: HashMap<usize, (Tally, Tally)>,
}

impl Deltas {
    /// Count every changed point out with its old classes and in with its new.
    fn of(inp: &Inputs, base: &Analysis, changed: &[(usize, Classes)]) -> Deltas {
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
        Deltas {
            minus,
            plus,
            parishes: parish_delta,
            cells: cell_delta,
        }
    }

    /// The parishes of `base` with the changes counted.
    fn parishes(&self, base: &Analysis) -> Vec<ParishAggregate> {
        base.parishes
            .iter()
            .enumerate()
            .map(|(k, p)| ParishAggregate {
                id: p.id.clone(),
                name: p.name.clone(),
                aggregate: match self.parishes.get(&k) {
                    Some((m, pl)) => adjust(&p.aggregate, m, pl),
                    None => p.aggregate.clone(),
                },
            })
            .collect()
    }
}

/// How the changed points change the under-served cells and, through them,
/// the clusters of `base`.
struct CellChange<'a> {
    base: &'a Analysis,
    /// Cells (grid indices) whose digitally under-served residents change:
    /// (index, under-served before, after), sorted. Residents of a cell
    /// never change.
    changed_k: Vec<(usize, u64, u64)>,
    /// Base clusters that lose cells, with the cells (sorted).
    off: BTreeMap<usize, Vec<(i64, i64)>>,
    /// Base clusters that only change counts (sorted; none involved).
    recounted: Vec<usize>,
    /// The newly under-served cells, sorted.
    on: Vec<(i64, i64)>,
    /// Clusters that lose cells or touch a newly under-served cell
    /// (sorted): each is cut into parts (its cells under-served after,
    /// connected within it); the parts and the new cells are then joined
    /// where they touch.
    involved: Vec<usize>,
}

impl<'a> CellChange<'a> {
    /// The cells whose under-served count changes, and the clusters and
    /// cells that changes.
    fn new(base: &'a Analysis, cell_delta: &HashMap<usize, (Tally, Tally)>) -> CellChange<'a> {
        let mut changed_k: Vec<(usize, u64, u64)> = cell_delta
            .iter()
            .filter(|(_, (m, p))| m.digitally_underserved != p.digitally_underserved)
            .map(|(&k, (m, p))| {
                let before = base.grid[k].counts.digitally_underserved;
                (
                    k,
                    before,
                    before + p.digitally_underserved - m.digitally_underserved,
                )
            })
            .collect();
        changed_k.sort_unstable();
        // Base clusters that lose cells (with the cells), that only change
        // counts, and the newly under-served cells.
        let mut off: BTreeMap<usize, Vec<(i64, i64)>> = BTreeMap::new();
        let mut recounted: Vec<usize> = Vec::new();
        let mut on: Vec<(i64, i64)> = Vec::new();
        for &(k, before, after) in &changed_k {
            match (before > 0, after > 0) {
                (true, true) => recounted.extend(base.cluster_of(k)),
                (true, false) => {
                    if let Some(c) = base.cluster_of(k) {
                        off.entry(c).or_default().push(base.grid[k].cell);
                    }
                }
                (false, true) => on.push(base.grid[k].cell),
                (false, false) => {}
            }
        }
        on.sort_unstable();
        for v in off.values_mut() {
            v.sort_unstable();
        }
        let mut change = CellChange {
            base,
            changed_k,
            off,
            recounted,
            on,
            involved: Vec::new(),
        };
        let mut involved: Vec<usize> = change.off.keys().copied().collect();
        for &c in &change.on {
            involved.extend(
                neighbours(c)
                    .into_iter()
                    .filter_map(|n| change.cluster_after(n)),
            );
        }
        involved.sort_unstable();
        involved.dedup();
        change.recounted.sort_unstable();
        change.recounted.dedup();
        change
            .recounted
            .retain(|c| involved.binary_search(c).is_err());
        change.involved = involved;
        change
    }

    /// Digitally under-served residents of cell `k` (grid index) after.
    fn du_after(&self, k: usize) -> u64 {
        match self.changed_k.binary_search_by(|e| e.0.cmp(&k)) {
            Ok(j) => self.changed_k[j].2,
            Err(_) => self.base.grid[k].counts.digitally_underserved,
        }
    }

    /// (residents, digitally under-served) of a cell after the change.
    fn counts(&self, cell: (i64, i64)) -> (u64, u64) {
        match self.base.cell_index(cell) {
            Some(k) => (self.base.grid[k].counts.residents, self.du_after(k)),
            None => (0, 0),
        }
    }

    /// Whether the cell's under-served count changes.
    fn is_changed(&self, cell: &(i64, i64)) -> bool {
        self.base
            .cell_index(*cell)
            .is_some_and(|k| self.changed_k.binary_search_by(|e| e.0.cmp(&k)).is_ok())
    }

    /// Whether the cell leaves cluster `c`.
    fn is_off(&self, c: usize, cell: &(i64, i64)) -> bool {
        self.off
            .get(&c)
            .is_some_and(|v| v.binary_search(cell).is_ok())
    }

    /// The base cluster of a cell under-served before and after.
    fn cluster_after(&self, cell: (i64, i64)) -> Option<usize> {
        self.base
            .cell_index(cell)
            .and_then(|k| self.base.cluster_of(k))
            .filter(|&c| !self.is_off(c, &cell))
    }

    /// The cells (as sorted runs) and counts of every group of joined nodes.
    fn groups(&self, nodes: &mut Nodes) -> BTreeMap<usize, Group> {
        let mut groups: BTreeMap<usize, Group> = BTreeMap::new();
        for (i, &c) in self.on.iter().enumerate() {
            let (res, du) = self.counts(c);
            let g = groups.entry(nodes.uf.find(i)).or_default();
            g.add(&[c], res, du, true);
        }
        for (at, p) in nodes.parts.iter().enumerate() {
            for (j, piece) in p.pieces.iter().enumerate() {
                let (res, du) = piece
                    .iter()
                    .map(|&x| self.counts(x))
                    .fold((0, 0), |a, b| (a.0 + b.0, a.1 + b.1));
                let touched = piece.iter().any(|x| self.is_changed(x));
                let g = groups
                    .entry(nodes.uf.find(nodes.first[at] + j))
                    .or_default();
                g.add(piece, res, du, touched);
            }
            if p.rest {
                let (cells, residents, du, touched) = self.rest(self.involved[at], p);
                let g = groups
                    .entry(nodes.uf.find(nodes.first[at] + p.pieces.len()))
                    .or_default();
                g.add(&cells, residents, du, touched);
            }
        }
        groups
    }

    /// The rest of cluster `c` (the cluster less its lost cells and its
    /// listed parts): its cells, residents, digitally under-served
    /// residents, and whether it holds a changed cell.
    fn rest(&self, c: usize, p: &Parts) -> (Vec<(i64, i64)>, u64, u64, bool) {
        let base = self.base;
        let old = &base.clusters[c];
        let changed_here: Vec<&(usize, u64, u64)> = self
            .changed_k
            .iter()
            .filter(|e| base.cluster_of(e.0) == Some(c))
            .collect();
        let mut excluded: Vec<(i64, i64)> = self.off.get(&c).cloned().unwrap_or_default();
        excluded.extend(p.pieces.iter().flatten().copied());
        excluded.sort_unstable();
        let mut ex = excluded.iter().peekable();
        let cells: Vec<(i64, i64)> = old
            .cells
            .iter()
            .copied()
            .filter(|x| {
                while ex.next_if(|e| *e < x).is_some() {}
                ex.peek() != Some(&x)
            })
            .collect();
        let excluded_res: u64 = excluded.iter().map(|&x| self.counts(x).0).sum();
        let pieces_du: u64 = p.pieces.iter().flatten().map(|&x| self.counts(x).1).sum();
        let du = old.aggregate.digitally_underserved
            + changed_here.iter().map(|e| e.2).sum::<u64>()
            - changed_here.iter().map(|e| e.1).sum::<u64>()
            - pieces_du;
        let touched = changed_here.iter().any(|e| {
            let cell = base.grid[e.0].cell;
            e.2 > 0
                && !p
                    .pieces
                    .iter()
                    .any(|piece| piece.binary_search(&cell).is_ok())
        });
        (cells, old.aggregate.residents - excluded_res, du, touched)
    }

    /// Clusters that are new or recounted, each with whether it holds a
    /// changed cell, in ranking order.
    fn moved(&self, groups: BTreeMap<usize, Group>) -> Vec<(ClusterCells, bool)> {
        let base = self.base;
        let mut moved: Vec<(ClusterCells, bool)> = groups
            .into_values()
            .map(
                |Group {
                     mut cells,
                     residents,
                     du,
                     touched,
                 }| {
                    // Sorted runs: the stable sort merges them.
                    cells.sort();
                    (
                        ClusterCells {
                            cells,
                            residents,
                            digitally_underserved: du,
                        },
                        touched,
                    )
                },
            )
            .collect();
        for &c in &self.recounted {
            let old = &base.clusters[c];
            let here = self
                .changed_k
                .iter()
                .filter(|e| base.cluster_of(e.0) == Some(c));
            let du = old.aggregate.digitally_underserved + here.clone().map(|e| e.2).sum::<u64>()
                - here.map(|e| e.1).sum::<u64>();
            moved.push((
                ClusterCells {
                    cells: old.cells.clone(),
                    residents: old.aggregate.residents,
                    digitally_underserved: du,
                },
                true,
            ));
        }
        moved.sort_by(|a, b| rank_order(&a.0, &b.0));
        moved
    }

    /// Merge the kept clusters (already in ranking order) with the moved
    /// ones.
    fn merge(&self, moved: Vec<(ClusterCells, bool)>) -> Ranked {
        let base = self.base;
        let kept = base.clusters.iter().enumerate().filter(|(i, _)| {
            self.involved.binary_search(i).is_err() && self.recounted.binary_search(i).is_err()
        });
        let mut kept = kept
            .map(|(_, c)| ClusterCells {
                cells: c.cells.clone(),
                residents: c.aggregate.residents,
                digitally_underserved: c.aggregate.digitally_underserved,
            })
            .peekable();
        let mut moved = moved.into_iter().peekable();
        let mut clusters = Vec::with_capacity(base.clusters.len() + moved.len());
        let mut touched_clusters = Vec::new();
        let mut rebuilt_clusters = Vec::new();
        loop {
            let take_moved = match (kept.peek(), moved.peek()) {
                (Some(k), Some(m)) => rank_order(&m.0, k).is_lt(),
                (None, Some(_)) => true,
                (_, None) => false,
            };
            if take_moved {
                let Some((c, touched)) = moved.next() else {
                    break;
                };
                if touched {
                    touched_clusters.push(clusters.len());
                }
                rebuilt_clusters.push(clusters.len());
                clusters.push(c);
            } else {
                match kept.next() {
                    Some(c) => clusters.push(c),
                    None => break,
                }
            }
        }
        Ranked {
            clusters,
            touched: touched_clusters,
            rebuilt: rebuilt_clusters,
        }
    }
}

/// The clusters after a recount, and which of them are new or recounted.
struct Ranked {
    clusters: Vec<ClusterCells>,
    /// See [`Recount::touched_clusters`].
    touched: Vec<usize>,
    /// See [`Recount::rebuilt_clusters`].
    rebuilt: Vec<usize>,
}

/// The nodes a recount regroups: the new cells (`0..on.len()`), then every
/// involved cluster's parts (from `first[at]`: its pieces, then its rest),
/// joined where they touch.
struct Nodes {
    parts: Vec<Parts>,
    first: Vec<usize>,
    count: usize,
    uf: UnionFind,
}

impl Nodes {
    /// Cut the involved clusters into parts and join the new cells to each
    /// other and to the parts they touch.
    fn join(change: &CellChange) -> Nodes {
        let parts: Vec<Parts> = change
            .involved
            .iter()
            .map(|&c| {
                Parts::of(
                    change.base,
                    c,
                    change.off.get(&c).map_or(&[][..], Vec::as_slice),
                )
            })
            .collect();
        let mut first = Vec::with_capacity(parts.len());
        let mut nodes = change.on.len();
        for p in &parts {
            first.push(nodes);
            nodes += p.pieces.len() + usize::from(p.rest);
        }
        let mut uf = UnionFind::new(nodes);
        for (i, &c) in change.on.iter().enumerate() {
            for n in neighbours(c) {
                if let Ok(j) = change.on.binary_search(&n) {
                    uf.union(i, j);
                } else if let Some(cl) = change.cluster_after(n) {
                    let at = change.involved.binary_search(&cl).expect("involved");
                    uf.union(i, first[at] + parts[at].node_of(&n));
                }
            }
        }
        Nodes {
            parts,
            first,
            count: nodes,
            uf,
        }
    }
}
