//! Residents per parish, per EU 1 km grid cell and per gap cluster, with the
//! provenance mix of their inputs and disclosure control: a cell or cluster
//! (or parish) with 1–4 residents publishes a range, never an exact count.

use super::{Classes, Facts, FixedClass, MobileClass, classify};
use crate::config::Thresholds;
use crate::crs::{LAEA, Transformer, WGS84};
use crate::model::{CoverageArea, DemandPoint, PriorityZone, Source};
use geo::Intersects;
use geo_types::{Geometry, MultiPolygon, Polygon};
use serde::Serialize;
use serde_json::{Map, Value, json};
use std::collections::{BTreeMap, BTreeSet, VecDeque};

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
    fn empty() -> Aggregate {
        let mut a = Aggregate::default();
        for c in FixedClass::ALL {
            a.by_fixed_class.insert(c.as_str(), 0);
        }
        for c in MobileClass::ALL {
            a.by_mobile_class.insert(c.as_str(), 0);
        }
        a.by_public_access.insert("near", 0);
        a.by_public_access.insert("far", 0);
        for k in ["none", "one", "several"] {
            a.by_fixed_providers.insert(k, 0);
        }
        a
    }

    fn add(&mut self, d: &DemandPoint, f: &Facts, c: &Classes, coverage: &[CoverageArea]) {
        let r = u64::from(d.residents);
        self.residents += r;
        self.points += 1;
        *self
            .by_fixed_class
            .entry(c.fixed_class.as_str())
            .or_default() += r;
        *self
            .by_mobile_class
            .entry(c.mobile_class.as_str())
            .or_default() += r;
        *self
            .by_public_access
            .entry(c.public_access.as_str())
            .or_default() += r;
        if c.digitally_underserved {
            self.digitally_underserved += r;
        }
        let p = match f.fixed_providers {
            0 => "none",
            1 => "one",
            _ => "several",
        };
        *self.by_fixed_providers.entry(p).or_default() += r;
        *self.demand_sources.entry(d.source).or_default() += 1;
        for i in [f.best_fixed, f.best_mobile].into_iter().flatten() {
            *self
                .coverage_sources
                .entry(coverage[i as usize].provenance.source)
                .or_default() += 1;
        }
    }

    /// JSON with disclosure control: under `min` residents (and more than
    /// none) only `residents_min`/`residents_max` are published.
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
    pub aggregate: Aggregate,
}

impl CellAggregate {
    pub fn id(&self) -> String {
        crate::grid::cell_id(self.cell.0, self.cell.1)
    }
    /// A cell is under-served when any of its residents is digitally under-served.
    pub fn underserved(&self) -> bool {
        self.aggregate.digitally_underserved > 0
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
                .map(|c| (c.cell, &c.aggregate))
                .eq(o.grid.iter().map(|c| (c.cell, &c.aggregate)))
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
}

/// Classify every point and aggregate.
pub fn analyse(inp: Inputs, t: &Thresholds) -> Analysis {
    let classes: Vec<Classes> = inp
        .facts
        .iter()
        .map(|f| classify(f, inp.coverage, t))
        .collect();
    let mut total = Aggregate::empty();
    let mut parish: BTreeMap<&str, Aggregate> = inp
        .parishes
        .iter()
        .map(|(id, _)| (id.as_str(), Aggregate::empty()))
        .collect();
    let mut cells: BTreeMap<(i64, i64), Aggregate> = BTreeMap::new();
    for ((d, f), c) in inp.demand.iter().zip(inp.facts).zip(&classes) {
        total.add(d, f, c, inp.coverage);
        let key = d.parish_id.as_deref().unwrap_or("");
        if let Some(a) = parish.get_mut(key) {
            a.add(d, f, c, inp.coverage);
        }
        cells
            .entry(f.cell)
            .or_insert_with(Aggregate::empty)
            .add(d, f, c, inp.coverage);
    }
    let parishes = inp
        .parishes
        .iter()
        .map(|(id, name)| ParishAggregate {
            id: id.clone(),
            name: name.clone(),
            aggregate: parish.remove(id.as_str()).unwrap_or_else(Aggregate::empty),
        })
        .collect();
    let grid: Vec<CellAggregate> = cells
        .into_iter()
        .map(|(cell, aggregate)| CellAggregate { cell, aggregate })
        .collect();
    let clusters = clusters(&grid, inp.zones);
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
/// dissolve each group and rank by digitally under-served residents.
fn clusters(grid: &[CellAggregate], zones: &[PriorityZone]) -> Vec<Cluster> {
    let under: BTreeMap<(i64, i64), &CellAggregate> = grid
        .iter()
        .filter(|c| c.underserved())
        .map(|c| (c.cell, c))
        .collect();
    let mut seen: BTreeSet<(i64, i64)> = BTreeSet::new();
    let mut out = Vec::new();
    let to_ll = Transformer::new(LAEA, WGS84).ok();
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
        let mut agg = Aggregate::empty();
        for c in &cells {
            merge(&mut agg, &under[c].aggregate);
        }
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
        if let Some(t) = &to_ll {
            let _ = t.transform_geometry(&mut g);
        }
        let geometry = match g {
            Geometry::MultiPolygon(m) => m,
            _ => MultiPolygon(vec![]),
        };
        let zones_hit = zones
            .iter()
            .filter(|z| z.geometry.intersects(&geometry))
            .map(|z| z.id.clone())
            .collect();
        out.push(Cluster {
            rank: 0,
            cells,
            aggregate: agg,
            geometry,
            zones: zones_hit,
        });
    }
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

fn merge(into: &mut Aggregate, a: &Aggregate) {
    into.residents += a.residents;
    into.points += a.points;
    into.digitally_underserved += a.digitally_underserved;
    for (k, v) in &a.by_fixed_class {
        *into.by_fixed_class.entry(k).or_default() += v;
    }
    for (k, v) in &a.by_mobile_class {
        *into.by_mobile_class.entry(k).or_default() += v;
    }
    for (k, v) in &a.by_public_access {
        *into.by_public_access.entry(k).or_default() += v;
    }
    for (k, v) in &a.by_fixed_providers {
        *into.by_fixed_providers.entry(k).or_default() += v;
    }
    for (k, v) in &a.demand_sources {
        *into.demand_sources.entry(*k).or_default() += v;
    }
    for (k, v) in &a.coverage_sources {
        *into.coverage_sources.entry(*k).or_default() += v;
    }
}
