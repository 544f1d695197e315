//! Threshold-independent facts per demand point.

use super::counts_as_fixed_provider;
use super::cover_grid::CoverGrid;
use super::pip::Prepared;
use super::site_grid::SiteGrid;
use crate::crs::{LAEA, Transformer, WGS84};
use crate::model::{CoverageArea, ServiceKind, Site, SiteKind, SiteStatus};
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

/// Threshold-independent facts of one demand point.
#[derive(Debug, Clone, Copy, PartialEq)]
pub struct Facts {
    /// Index into the coverage layer of the best fixed service (highest down,
    /// ties: higher up, then lower index).
    pub best_fixed: Option<u32>,
    pub best_mobile: Option<u32>,
    /// Distinct providers of terrestrial fixed services covering the point.
    pub fixed_providers: u16,
    /// Nearest site per [`NearestKind`] (indexed by `kind as usize`).
    pub nearest: [Option<Nearest>; 4],
    /// The EU 1 km grid cell (northing km, easting km in EPSG:3035).
    pub cell: (i64, i64),
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

    /// The nearest site of a kind (ties: the lower site index).
    pub fn nearest(&self, kind: NearestKind, x: f64, y: f64) -> Option<Nearest> {
        self.grids[kind as usize]
            .nearest(x, y)
            .map(|(site, distance_m)| Nearest { site, distance_m })
    }
}

pub(crate) fn dist(p: &[f64; 2], x: f64, y: f64) -> f64 {
    ((p[0] - x).powi(2) + (p[1] - y).powi(2)).sqrt()
}

/// Coverage prepared for point tests, with a provider id per polygon.
#[derive(Debug, Clone)]
pub struct PreparedCoverage {
    pub polygons: Vec<Prepared>,
    pub provider_ids: Vec<u16>,
    grid: CoverGrid,
}

impl PreparedCoverage {
    pub fn new(
        coverage: &[CoverageArea],
        coverage_xy: &[geo_types::MultiPolygon<f64>],
    ) -> PreparedCoverage {
        let polygons: Vec<Prepared> = coverage_xy.par_iter().map(Prepared::new).collect();
        let grid = CoverGrid::new(coverage_xy, &polygons);
        let mut names: Vec<&str> = coverage.iter().map(|c| c.provider.as_str()).collect();
        names.sort_unstable();
        names.dedup();
        let provider_ids = coverage
            .iter()
            .map(|c| names.binary_search(&c.provider.as_str()).unwrap_or(0) as u16)
            .collect();
        PreparedCoverage {
            polygons,
            provider_ids,
            grid,
        }
    }

    /// The indices of the coverage polygons covering (x, y), ascending.
    pub fn covering(&self, x: f64, y: f64) -> impl Iterator<Item = usize> + '_ {
        self.grid
            .cell_entries(x, y)
            .iter()
            .filter(move |&&e| e & 1 == 0 || self.polygons[(e >> 1) as usize].covers(x, y))
            .map(|&e| (e >> 1) as usize)
    }
}

fn better(a: &CoverageArea, b: &CoverageArea) -> bool {
    (a.max_down_mbps, a.max_up_mbps) > (b.max_down_mbps, b.max_up_mbps)
}

/// The coverage facts of one point (x, y in the working CRS).
pub fn coverage_at(
    x: f64,
    y: f64,
    coverage: &[CoverageArea],
    prepared: &PreparedCoverage,
) -> (Option<u32>, Option<u32>, u16) {
    let mut best_fixed: Option<usize> = None;
    let mut best_mobile: Option<usize> = None;
    // Providers seen: a bit set for the first 128 provider ids, a list beyond.
    let mut seen_bits: u128 = 0;
    let mut seen_more: Vec<u16> = Vec::new();
    for i in prepared.covering(x, y) {
        let c = &coverage[i];
        let slot = match c.service {
            ServiceKind::Fixed => {
                if counts_as_fixed_provider(c.technology) {
                    let id = prepared.provider_ids[i];
                    if id < 128 {
                        seen_bits |= 1u128 << id;
                    } else if !seen_more.contains(&id) {
                        seen_more.push(id);
                    }
                }
                &mut best_fixed
            }
            ServiceKind::Mobile => &mut best_mobile,
        };
        if slot.is_none_or(|b| better(c, &coverage[b])) {
            *slot = Some(i);
        }
    }
    let providers = seen_bits.count_ones() as usize + seen_more.len();
    (
        best_fixed.map(|i| i as u32),
        best_mobile.map(|i| i as u32),
        providers as u16,
    )
}

/// Compute the facts of every demand point, in parallel; the result does not
/// depend on the number of threads.
pub fn compute(
    demand_ll: &[Point<f64>],
    demand_xy: &[Point<f64>],
    coverage: &[CoverageArea],
    prepared: &PreparedCoverage,
    sites: &SiteSets,
) -> Vec<Facts> {
    let laea = Transformer::new(WGS84, LAEA).ok();
    demand_xy
        .par_iter()
        .zip(demand_ll.par_iter())
        .map(|(p, ll)| {
            let (x, y) = (p.x(), p.y());
            let (best_fixed, best_mobile, fixed_providers) = coverage_at(x, y, coverage, prepared);
            let nearest = NearestKind::ALL.map(|k| sites.nearest(k, x, y));
            let cell = laea
                .as_ref()
                .and_then(|t| t.convert(ll.x(), ll.y()).ok())
                .map(|(e, n)| crate::grid::cell_of(e, n))
                .unwrap_or((0, 0));
            Facts {
                best_fixed,
                best_mobile,
                fixed_providers,
                nearest,
                cell,
            }
        })
        .collect()
}
