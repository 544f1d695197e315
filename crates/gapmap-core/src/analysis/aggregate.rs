//! Residents per parish, per EU 1 km grid cell and per gap cluster, with the
//! provenance mix of their inputs and disclosure control: a cell or cluster
//! (or parish) with 1–4 residents publishes a range, never an exact count.

use super::{Classes, Facts, FixedClass, MobileClass, PublicAccess, classify};
use crate::config::Thresholds;
use crate::crs::{LAEA, Transformer, WGS84};
use crate::model::{CoverageArea, DemandPoint, PriorityZone, Source};
use geo::Intersects;
use geo_types::{Geometry, MultiPolygon, Polygon};
use rayon::prelude::*;
use serde::Serialize;
use serde_json::{Map, Value, json};
use std::collections::{BTreeMap, BTreeSet, HashMap, VecDeque};

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
    fn add(&mut self, d: &DemandPoint, f: &Facts, c: &Classes, coverage: &[CoverageArea]) {
        let r = u64::from(d.residents);
        self.residents += r;
        self.points += 1;
        self.fixed[c.fixed_class as usize] += r;
        self.mobile[c.mobile_class as usize] += r;
        self.access[c.public_access as usize] += r;
        if c.digitally_underserved {
            self.digitally_underserved += r;
        }
        self.providers[usize::from(f.fixed_providers).min(2)] += r;
        self.demand_sources[source_index(d.source)] += 1;
        for i in [f.best_fixed, f.best_mobile].into_iter().flatten() {
            self.coverage_sources[source_index(coverage[i as usize].provenance.source)] += 1;
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

/// What aggregation needs from the snapshot.
#[derive(Debug, Clone, Copy)]
pub struct Inputs<'a> {
    pub demand: &'a [DemandPoint],
    pub facts: &'a [Facts],
    pub coverage: &'a [CoverageArea],
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
    let mut total = Tally::default();
    let parish_index: HashMap<&str, usize> = inp
        .parishes
        .iter()
        .enumerate()
        .map(|(i, (id, _))| (id.as_str(), i))
        .collect();
    let mut parish = vec![Tally::default(); inp.parishes.len()];
    let mut cell_index: HashMap<(i64, i64), usize> = HashMap::new();
    let mut cells: Vec<((i64, i64), Tally)> = Vec::new();
    for ((d, f), c) in inp.demand.iter().zip(inp.facts).zip(&classes) {
        total.add(d, f, c, inp.coverage);
        if let Some(&i) = d.parish_id.as_deref().and_then(|p| parish_index.get(p)) {
            parish[i].add(d, f, c, inp.coverage);
        }
        let i = *cell_index.entry(f.cell).or_insert_with(|| {
            cells.push((f.cell, Tally::default()));
            cells.len() - 1
        });
        cells[i].1.add(d, f, c, inp.coverage);
    }
    cells.sort_unstable_by_key(|(cell, _)| *cell);
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
    let squares: Vec<Polygon<f64>> = cells
        .iter()
        .map(|&(n, e)| crate::grid::cell_polygon_3035(n, e))
        .collect();
    let dissolved = if squares.len() == 1 {
        MultiPolygon(squares)
    } else {
        geo::unary_union(squares.iter())
    };
    let mut g = Geometry::MultiPolygon(dissolved);
    if let Some(t) = to_ll {
        let _ = t.transform_geometry(&mut g);
    }
    match g {
        Geometry::MultiPolygon(m) => m,
        _ => MultiPolygon(vec![]),
    }
}

fn clusters(
    cells: &[((i64, i64), Tally)],
    zones: &[PriorityZone],
    previous: Previous,
) -> Vec<Cluster> {
    let under: BTreeMap<(i64, i64), &Tally> = cells
        .iter()
        .filter(|(_, t)| t.digitally_underserved > 0)
        .map(|(cell, t)| (*cell, t))
        .collect();
    let mut seen: BTreeSet<(i64, i64)> = BTreeSet::new();
    let mut groups: Vec<Vec<(i64, i64)>> = Vec::new();
    for &start in under.keys() {
        if !seen.insert(start) {
            continue;
        }
        let mut cells = vec![];
        let mut queue = VecDeque::from([start]);
        while let Some(c) = queue.pop_front() {
            cells.push(c);
            for n in [
                (c.0 + 1, c.1),
                (c.0 - 1, c.1),
                (c.0, c.1 + 1),
                (c.0, c.1 - 1),
            ] {
                if under.contains_key(&n) && seen.insert(n) {
                    queue.push_back(n);
                }
            }
        }
        cells.sort_unstable();
        groups.push(cells);
    }
    let known: HashMap<&[(i64, i64)], &Cluster> = previous
        .clusters
        .iter()
        .map(|c| (c.cells.as_slice(), c))
        .collect();
    let to_ll = Transformer::new(LAEA, WGS84).ok();
    let build = |cells: Vec<(i64, i64)>| {
        let mut agg = Tally::default();
        for c in &cells {
            agg.merge(under[c]);
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
