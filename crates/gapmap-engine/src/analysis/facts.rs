//! Threshold-independent facts per demand point.

use super::coverage::{CellPlan, PointCoverage, PreparedCoverage};
use super::site_grid::{self, SiteGrid};
use gapmap_geo::crs::{LAEA, Transformer, WGS84};
use gapmap_model::{DemandPoint, Site, SiteKind, SiteStatus};
use geo_types::Point;
use rayon::prelude::*;
use rstar::RTree;
use rstar::primitives::GeomWithData;
use serde::Serialize;

/// The kinds of place a nearest distance is measured to.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize)]
#[serde(rename_all = "lowercase")]
pub enum NearestKind {
    /// An active site with free public Wi-Fi.
    Wifi = 0,
    Library = 1,
    Kac = 2,
    /// Any active public access place: free Wi-Fi, library, KAC, or a site
    /// offering public computers or help with e-services.
    Any = 3,
}

impl NearestKind {
    pub const ALL: [NearestKind; 4] = [
        NearestKind::Wifi,
        NearestKind::Library,
        NearestKind::Kac,
        NearestKind::Any,
    ];

    pub fn as_str(self) -> &'static str {
        match self {
            NearestKind::Wifi => "wifi",
            NearestKind::Library => "library",
            NearestKind::Kac => "kac",
            NearestKind::Any => "any",
        }
    }

    pub fn parse(s: &str) -> Option<NearestKind> {
        NearestKind::ALL.into_iter().find(|k| k.as_str() == s)
    }

    /// Whether a site counts for this kind.
    pub fn includes(self, s: &Site) -> bool {
        if s.status != SiteStatus::Active {
            return false;
        }
        match self {
            NearestKind::Wifi => s.free_wifi == Some(true),
            NearestKind::Library => s.kind == SiteKind::Library,
            NearestKind::Kac => s.kind == SiteKind::Kac,
            NearestKind::Any => {
                s.free_wifi == Some(true)
                    || matches!(s.kind, SiteKind::Library | SiteKind::Kac | SiteKind::Wifi)
                    || s.public_computers.is_some_and(|n| n > 0)
                    || s.services.iter().any(|x| {
                        matches!(
                            x.as_str(),
                            "free_wifi" | "public_computers" | "eservice_help"
                        )
                    })
            }
        }
    }
}

/// The nearest site of a kind: its index in the snapshot's sites and the
/// straight-line distance in metres (working CRS).
#[derive(Debug, Clone, Copy, PartialEq, Serialize)]
pub struct Nearest {
    pub site: u32,
    pub distance_m: f64,
}

/// Threshold-independent facts of one demand point, packed (72 bytes: a
/// national analysis holds a million of them, written once and read by
/// every aggregation).
#[derive(Debug, Clone, Copy, PartialEq)]
pub struct Facts {
    /// Coverage-layer index of the best fixed and the best mobile service
    /// ([`NONE`]: none).
    best: [u32; 2],
    /// Nearest site per [`NearestKind`] (site index, [`NONE`]: none) and its
    /// distance in metres.
    nearest_site: [u32; 4],
    nearest_m: [f64; 4],
    /// The EU 1 km grid cell (northing km, easting km in EPSG:3035).
    cell: [i32; 2],
    fixed_providers: u16,
}

/// No service, no site.
const NONE: u32 = u32::MAX;

impl Default for Facts {
    fn default() -> Facts {
        Facts {
            best: [NONE; 2],
            nearest_site: [NONE; 4],
            nearest_m: [0.0; 4],
            cell: [0; 2],
            fixed_providers: 0,
        }
    }
}

impl Facts {
    pub fn new(coverage: PointCoverage, nearest: [Option<Nearest>; 4], cell: (i64, i64)) -> Facts {
        let mut f = Facts {
            best: [
                coverage.best_fixed.unwrap_or(NONE),
                coverage.best_mobile.unwrap_or(NONE),
            ],
            fixed_providers: coverage.fixed_providers,
            ..Facts::default()
        };
        for k in NearestKind::ALL {
            f.set_nearest(k, nearest[k as usize]);
        }
        f.set_cell(cell);
        f
    }

    /// Index into the coverage layer of the best fixed service (highest
    /// down, ties: higher up, then lower index).
    pub fn best_fixed(&self) -> Option<u32> {
        (self.best[0] != NONE).then_some(self.best[0])
    }

    pub fn best_mobile(&self) -> Option<u32> {
        (self.best[1] != NONE).then_some(self.best[1])
    }

    /// Distinct providers of terrestrial fixed services covering the point.
    pub fn fixed_providers(&self) -> u16 {
        self.fixed_providers
    }

    /// The nearest site of a kind.
    pub fn nearest(&self, kind: NearestKind) -> Option<Nearest> {
        let k = kind as usize;
        (self.nearest_site[k] != NONE).then(|| Nearest {
            site: self.nearest_site[k],
            distance_m: self.nearest_m[k],
        })
    }

    pub fn set_nearest(&mut self, kind: NearestKind, n: Option<Nearest>) {
        let k = kind as usize;
        (self.nearest_site[k], self.nearest_m[k]) = match n {
            Some(n) => (n.site, n.distance_m),
            None => (NONE, 0.0),
        };
    }

    /// The EU 1 km grid cell (northing km, easting km in EPSG:3035).
    pub fn cell(&self) -> (i64, i64) {
        (i64::from(self.cell[0]), i64::from(self.cell[1]))
    }

    fn set_cell(&mut self, (n, e): (i64, i64)) {
        let km = |v: i64| v.clamp(i64::from(i32::MIN), i64::from(i32::MAX)) as i32;
        self.cell = [km(n), km(e)];
    }
}

pub type SiteTree = RTree<GeomWithData<[f64; 2], u32>>;

/// The sites that count for each [`NearestKind`]: an R-tree for k-nearest
/// listings and a grid for the single nearest of every demand point.
#[derive(Debug, Clone)]
pub struct SiteSets {
    pub trees: [SiteTree; 4],
    grids: [SiteGrid; 4],
}

impl SiteSets {
    pub fn new(sites: &[Site], sites_xy: &[Point<f64>]) -> SiteSets {
        let members = |k: NearestKind| -> Vec<(u32, [f64; 2])> {
            sites
                .iter()
                .zip(sites_xy)
                .enumerate()
                .filter(|(_, (s, _))| k.includes(s))
                .map(|(i, (_, p))| (i as u32, [p.x(), p.y()]))
                .collect()
        };
        let sets = NearestKind::ALL.map(members);
        SiteSets {
            trees: sets.each_ref().map(|m| {
                RTree::bulk_load(m.iter().map(|&(i, p)| GeomWithData::new(p, i)).collect())
            }),
            grids: sets.each_ref().map(|m| SiteGrid::new(m)),
        }
    }

    /// The sets with only the sites of one kind, `(site index, position)`
    /// (the other kinds are empty): enough for [`SiteSets::nearest`] of that kind.
    pub fn of_kind(kind: NearestKind, members: &[(u32, [f64; 2])]) -> SiteSets {
        let mut sets = SiteSets {
            trees: std::array::from_fn(|_| RTree::new()),
            grids: std::array::from_fn(|_| SiteGrid::default()),
        };
        sets.trees[kind as usize] = RTree::bulk_load(
            members
                .iter()
                .map(|&(i, p)| GeomWithData::new(p, i))
                .collect(),
        );
        sets.grids[kind as usize] = SiteGrid::new(members);
        sets
    }

    /// The nearest site of a kind (ties: the lower site index).
    pub fn nearest(&self, kind: NearestKind, x: f64, y: f64) -> Option<Nearest> {
        self.grids[kind as usize]
            .nearest(x, y)
            .map(|(site, distance_m)| Nearest { site, distance_m })
    }
}

/// Points are handed to a task in runs of whole cells of at least this many.
const CHUNK_POINTS: usize = 8_192;
/// Beyond this many candidate sites for a cell, its points search the grid.
const MAX_CANDIDATES: usize = 48;

/// A demand point on its way through [`compute`]: its coverage-grid cell
/// (`u32::MAX`: outside the grid), its index and working-CRS position.
#[derive(Debug, Clone, Copy)]
struct Queued {
    cell: u32,
    point: u32,
    x: f64,
    y: f64,
}

/// Compute the facts of every demand point, in parallel; the result does not
/// depend on the number of threads.
///
/// Points are sorted by the coverage grid's cells: each cell's coverage
/// plan ([`CellPlan`]) and candidate nearest sites ([`SiteGrid::candidates`])
/// are worked out once for all its points.
pub fn compute(
    demand: &[DemandPoint],
    demand_xy: &[Point<f64>],
    prepared: &PreparedCoverage,
    sites: &SiteSets,
) -> Vec<Facts> {
    let n = demand_xy.len();
    let queue = queue_by_cell(demand_xy, prepared);
    let bounds = chunk_bounds(&queue);
    let mut sorted = vec![Facts::default(); n];
    let mut parts: Vec<(&[Queued], &mut [Facts])> = Vec::with_capacity(bounds.len());
    let (mut rest_q, mut rest_f) = (queue.as_slice(), sorted.as_mut_slice());
    for w in bounds.windows(2) {
        let (q, rq) = rest_q.split_at(w[1] - w[0]);
        let (f, rf) = rest_f.split_at_mut(w[1] - w[0]);
        parts.push((q, f));
        (rest_q, rest_f) = (rq, rf);
    }
    parts
        .into_par_iter()
        .for_each(|(queued, out)| compute_run(queued, out, prepared, sites));
    // Back to the points' order, with the EU grid cell of each.
    let mut at = vec![0u32; n];
    for (k, q) in queue.iter().enumerate() {
        at[q.point as usize] = k as u32;
    }
    drop(queue);
    let laea = Transformer::for_analysis(WGS84, LAEA).ok();
    at.par_iter()
        .zip(demand)
        .map(|(&k, d)| {
            let mut f = sorted[k as usize];
            f.set_cell(
                laea.as_ref()
                    .and_then(|t| t.convert(d.location.x(), d.location.y()).ok())
                    .map(|(e, n)| gapmap_geo::grid::cell_of(e, n))
                    .unwrap_or((0, 0)),
            );
            f
        })
        .collect()
}

/// The demand points sorted by their coverage-grid cell, then index.
fn queue_by_cell(demand_xy: &[Point<f64>], prepared: &PreparedCoverage) -> Vec<Queued> {
    let mut queue: Vec<Queued> = demand_xy
        .par_iter()
        .enumerate()
        .map(|(i, p)| Queued {
            cell: prepared.cell_of(p.x(), p.y()).unwrap_or(u32::MAX),
            point: i as u32,
            x: p.x(),
            y: p.y(),
        })
        .collect();
    queue.par_sort_unstable_by_key(|q| (q.cell, q.point));
    queue
}

/// Where the sorted queue is cut into runs of whole cells of at least
/// [`CHUNK_POINTS`] (points outside the grid need no plan: any cut), from
/// 0 to its length.
fn chunk_bounds(queue: &[Queued]) -> Vec<usize> {
    let n = queue.len();
    let mut bounds = vec![0usize];
    for k in 1..n {
        let (c, before) = (queue[k].cell, queue[k - 1].cell);
        if (c != before || c == u32::MAX) && k - bounds[bounds.len() - 1] >= CHUNK_POINTS {
            bounds.push(k);
        }
    }
    bounds.push(n);
    bounds
}

/// The facts of one run of queued points (each cell's coverage plan and
/// candidate sites worked out once), in queue order; their EU cell is set
/// later.
fn compute_run(
    queued: &[Queued],
    out: &mut [Facts],
    prepared: &PreparedCoverage,
    sites: &SiteSets,
) {
    let mut plan = CellPlan::default();
    let mut cands: [Vec<([f64; 2], u32)>; 4] = Default::default();
    let mut use_cands = [false; 4];
    let mut planned = None;
    for (q, slot) in queued.iter().zip(out) {
        let inside = q.cell != u32::MAX;
        if inside && planned != Some(q.cell) {
            planned = Some(q.cell);
            plan.fill(prepared, q.cell);
            let b = prepared.cell_box(q.cell);
            for k in NearestKind::ALL {
                let v = &mut cands[k as usize];
                v.clear();
                use_cands[k as usize] = sites.grids[k as usize].candidates(b, MAX_CANDIDATES, v);
            }
        }
        let coverage = if inside {
            plan.eval(prepared, q.x, q.y)
        } else {
            PointCoverage::default()
        };
        let nearest = NearestKind::ALL.map(|k| {
            let found = if inside && use_cands[k as usize] {
                site_grid::nearest_of(&cands[k as usize], q.x, q.y)
            } else {
                sites.grids[k as usize].nearest(q.x, q.y)
            };
            found.map(|(site, distance_m)| Nearest { site, distance_m })
        });
        *slot = Facts::new(coverage, nearest, (0, 0));
    }
}
