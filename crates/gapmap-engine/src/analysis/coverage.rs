//! The coverage layer prepared for point queries: "what is the best fixed
//! and mobile service here, and how many fixed providers cover this place?"
//!
//! Preparation (once per coverage revision, in parallel per polygon):
//! every polygon is projected straight into the rings its banded edges
//! index ([`pip`]) and rasterised into the [`cover_grid`]; only compact
//! attributes (speeds, provider, service) are kept beside them.
//!
//! A query never looks at more polygons than it must. For the cell a point
//! falls in, a [`CellPlan`] sorts the cell's entries once: the best fixed
//! and mobile service among the polygons wholly covering the cell, the
//! providers they bring, and — best first — only those boundary polygons
//! that could still change the answer. A point then runs exact
//! point-in-polygon tests on that short list, and stops as soon as nothing
//! left in it can matter. The whole analysis groups its points by cell, so a
//! plan serves every point of its cell.
//!
//! "Best" is the highest down speed, ties to the higher up speed, then to
//! the lower polygon index (the coverage layer's order) — the same answer as
//! testing every covering polygon in order.
//!
//! [`pip`]: super::pip
//! [`cover_grid`]: super::cover_grid

use super::cover_grid::CoverGrid;
use super::pip::{Prepared, Rings};
use gapmap_geo::crs::{CrsError, Transformer};
use gapmap_model::{CoverageArea, ServiceKind, Source, Technology};
use rayon::prelude::*;
use std::cmp::Ordering;

/// What the analysis needs of one coverage polygon, besides its shape.
#[derive(Debug, Clone, Copy, PartialEq)]
pub struct Attr {
    pub down: f64,
    pub up: f64,
    /// Index of the provider's name among the layer's distinct names (sorted).
    pub provider: u16,
    pub service: ServiceKind,
    /// Counts towards the number of fixed providers (terrestrial fixed).
    pub counts_provider: bool,
    pub source: Source,
}

/// The coverage facts of one point.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq)]
pub struct PointCoverage {
    /// Index of the best fixed service covering the point.
    pub best_fixed: Option<u32>,
    pub best_mobile: Option<u32>,
    /// Distinct providers of terrestrial fixed services covering the point.
    pub fixed_providers: u16,
}

/// Coverage prepared for point tests.
#[derive(Debug, Clone)]
pub struct PreparedCoverage {
    polygons: Vec<Prepared>,
    attrs: Vec<Attr>,
    grid: CoverGrid,
}

impl PreparedCoverage {
    /// Project every polygon with `to_working` and prepare it.
    pub fn new(
        coverage: &[CoverageArea],
        to_working: &Transformer,
    ) -> Result<PreparedCoverage, CrsError> {
        let polygons: Vec<Prepared> = coverage
            .par_iter()
            .map(|c| {
                let rings = Rings::map(&c.geometry, |x, y| to_working.convert(x, y))?;
                Ok(Prepared::from_rings(rings))
            })
            .collect::<Result<_, CrsError>>()?;
        let grid = CoverGrid::new(&polygons);
        let mut names: Vec<&str> = coverage.iter().map(|c| c.provider.as_str()).collect();
        names.sort_unstable();
        names.dedup();
        let attrs = coverage
            .iter()
            .map(|c| Attr {
                down: c.max_down_mbps,
                up: c.max_up_mbps,
                provider: names.binary_search(&c.provider.as_str()).unwrap_or(0) as u16,
                service: c.service,
                counts_provider: c.service == ServiceKind::Fixed
                    && counts_as_fixed_provider(c.technology),
                source: c.provenance.source,
            })
            .collect();
        Ok(PreparedCoverage {
            polygons,
            attrs,
            grid,
        })
    }

    /// The attributes of every polygon, in layer order.
    pub fn attrs(&self) -> &[Attr] {
        &self.attrs
    }

    /// The indices of the coverage polygons covering (x, y), ascending.
    pub fn covering(&self, x: f64, y: f64) -> impl Iterator<Item = usize> + '_ {
        self.grid
            .cell_entries(x, y)
            .iter()
            .filter(move |&&e| e & 1 == 0 || self.polygons[(e >> 1) as usize].covers(x, y))
            .map(|&e| (e >> 1) as usize)
    }

    /// The coverage facts of one point (working CRS).
    pub fn at(&self, x: f64, y: f64) -> PointCoverage {
        match self.grid.cell_of(x, y) {
            Some(cell) => {
                let mut plan = CellPlan::default();
                plan.fill(self, cell);
                plan.eval(self, x, y)
            }
            None => PointCoverage::default(),
        }
    }

    /// The grid cell of a point, for grouping points by cell; `None` where
    /// no polygon reaches.
    pub fn cell_of(&self, x: f64, y: f64) -> Option<u32> {
        self.grid.cell_of(x, y)
    }

    /// The square of a cell (see [`PreparedCoverage::cell_of`]).
    pub fn cell_box(&self, cell: u32) -> [f64; 4] {
        self.grid.cell_box(cell)
    }

    /// Polygon `a` ranks before `b`: higher down, then higher up, then lower index.
    fn ranks_before(&self, a: u32, b: u32) -> bool {
        self.rank(a, b) == Ordering::Less
    }

    fn rank(&self, a: u32, b: u32) -> Ordering {
        let (x, y) = (&self.attrs[a as usize], &self.attrs[b as usize]);
        y.down
            .total_cmp(&x.down)
            .then(y.up.total_cmp(&x.up))
            .then(a.cmp(&b))
    }
}

/// A set of provider ids: a bit set for the first 128, a list beyond.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
struct Providers {
    bits: u128,
    more: Vec<u16>,
}

impl Providers {
    fn contains(&self, id: u16) -> bool {
        if id < 128 {
            self.bits & (1u128 << id) != 0
        } else {
            self.more.contains(&id)
        }
    }
    fn insert(&mut self, id: u16) {
        if id < 128 {
            self.bits |= 1u128 << id;
        } else if !self.more.contains(&id) {
            self.more.push(id);
        }
    }
    fn len(&self) -> usize {
        self.bits.count_ones() as usize + self.more.len()
    }
    fn clear(&mut self) {
        self.bits = 0;
        self.more.clear();
    }
}

/// What the points of one grid cell need to test (see the module docs).
/// Reused from cell to cell: [`CellPlan::fill`] keeps the allocations.
#[derive(Debug, Clone, Default)]
pub struct CellPlan {
    /// Best fixed / mobile service among polygons covering the whole cell.
    fixed_inside: Option<u32>,
    mobile_inside: Option<u32>,
    /// Fixed providers of polygons covering the whole cell.
    providers: Providers,
    /// Boundary fixed polygons ranking before `fixed_inside`, best first.
    fixed_better: Vec<u32>,
    /// Other boundary polygons of fixed providers not yet in `providers`.
    fixed_providers: Vec<u32>,
    /// Boundary mobile polygons ranking before `mobile_inside`, best first.
    mobile_better: Vec<u32>,
}

impl CellPlan {
    /// Plan for the points of `cell`.
    pub fn fill(&mut self, cov: &PreparedCoverage, cell: u32) {
        let entries = cov.grid.entries(cell);
        self.fixed_inside = None;
        self.mobile_inside = None;
        self.providers.clear();
        self.fixed_better.clear();
        self.fixed_providers.clear();
        self.mobile_better.clear();
        for &e in entries.iter().filter(|&&e| e & 1 == 0) {
            let i = e >> 1;
            let a = &cov.attrs[i as usize];
            let slot = match a.service {
                ServiceKind::Fixed => {
                    if a.counts_provider {
                        self.providers.insert(a.provider);
                    }
                    &mut self.fixed_inside
                }
                ServiceKind::Mobile => &mut self.mobile_inside,
            };
            if slot.is_none_or(|b| cov.ranks_before(i, b)) {
                *slot = Some(i);
            }
        }
        for &e in entries.iter().filter(|&&e| e & 1 == 1) {
            let i = e >> 1;
            let a = &cov.attrs[i as usize];
            match a.service {
                ServiceKind::Fixed => {
                    if self.fixed_inside.is_none_or(|b| cov.ranks_before(i, b)) {
                        self.fixed_better.push(i);
                    } else if a.counts_provider && !self.providers.contains(a.provider) {
                        self.fixed_providers.push(i);
                    }
                }
                ServiceKind::Mobile => {
                    if self.mobile_inside.is_none_or(|b| cov.ranks_before(i, b)) {
                        self.mobile_better.push(i);
                    }
                }
            }
        }
        self.fixed_better.sort_unstable_by(|&a, &b| cov.rank(a, b));
        self.mobile_better.sort_unstable_by(|&a, &b| cov.rank(a, b));
    }

    /// The coverage facts of a point of the planned cell.
    pub fn eval(&self, cov: &PreparedCoverage, x: f64, y: f64) -> PointCoverage {
        let covers = |i: u32| cov.polygons[i as usize].covers(x, y);
        let mut providers = self.providers.clone();
        let mut best_fixed = None;
        for &i in &self.fixed_better {
            let a = &cov.attrs[i as usize];
            let new_provider = a.counts_provider && !providers.contains(a.provider);
            if (best_fixed.is_none() || new_provider) && covers(i) {
                best_fixed.get_or_insert(i);
                if a.counts_provider {
                    providers.insert(a.provider);
                }
            }
        }
        for &i in &self.fixed_providers {
            let p = cov.attrs[i as usize].provider;
            if !providers.contains(p) && covers(i) {
                providers.insert(p);
            }
        }
        PointCoverage {
            best_fixed: best_fixed.or(self.fixed_inside),
            best_mobile: self
                .mobile_better
                .iter()
                .copied()
                .find(|&i| covers(i))
                .or(self.mobile_inside),
            fixed_providers: providers.len() as u16,
        }
    }
}

/// Whether a technology counts towards the number of fixed providers
/// (terrestrial networks; satellite covers everyone and says nothing about
/// NGA white/grey/black areas).
pub fn counts_as_fixed_provider(t: Technology) -> bool {
    t != Technology::Satellite
}

#[cfg(test)]
mod tests {
    use super::*;
    use gapmap_geo::crs::{LKS92, WGS84};
    use gapmap_model::{Provenance, Technology};
    use geo::Intersects;
    use geo_types::{Coord, LineString, MultiPolygon, Polygon};
    use rand::{Rng, SeedableRng};

    /// Testing every polygon in layer order, as the definition reads.
    fn by_definition(cov: &[CoverageArea], mps: &[MultiPolygon<f64>], p: Coord) -> PointCoverage {
        let (mut fixed, mut mobile): (Option<usize>, Option<usize>) = (None, None);
        let mut providers: Vec<&str> = vec![];
        for (i, c) in cov.iter().enumerate() {
            if !mps[i].intersects(&p) {
                continue;
            }
            let slot = match c.service {
                ServiceKind::Fixed => {
                    if counts_as_fixed_provider(c.technology) && !providers.contains(&&*c.provider)
                    {
                        providers.push(&c.provider);
                    }
                    &mut fixed
                }
                ServiceKind::Mobile => &mut mobile,
            };
            let better = |b: usize| {
                (c.max_down_mbps, c.max_up_mbps) > (cov[b].max_down_mbps, cov[b].max_up_mbps)
            };
            if slot.is_none_or(better) {
                *slot = Some(i);
            }
        }
        PointCoverage {
            best_fixed: fixed.map(|i| i as u32),
            best_mobile: mobile.map(|i| i as u32),
            fixed_providers: providers.len() as u16,
        }
    }

    /// Overlapping blobs with holes, speeds drawn from a few values (ties
    /// galore), five providers, every technology; points near edges too.
    #[test]
    fn plans_agree_with_the_definition() {
        let mut rng = rand_chacha::ChaCha8Rng::seed_from_u64(42);
        let to_ll = Transformer::new(LKS92, WGS84).unwrap();
        let techs = [
            Technology::Ftth,
            Technology::Vdsl,
            Technology::Fwa,
            Technology::Satellite,
            Technology::Lte,
            Technology::Nr5g,
        ];
        let mut cov = Vec::new();
        let mut mps_xy = Vec::new();
        for i in 0..150 {
            let (cx, cy) = (
                rng.gen_range(480_000.0..520_000.0),
                rng.gen_range(300_000.0..340_000.0),
            );
            let r = rng.gen_range(500.0..9_000.0);
            let n = rng.gen_range(4..60);
            let ring = |rng: &mut rand_chacha::ChaCha8Rng, cx: f64, cy: f64, r: f64| {
                let mut pts: Vec<Coord> = (0..n)
                    .map(|k| {
                        let a = k as f64 / n as f64 * std::f64::consts::TAU;
                        let rr = r * rng.gen_range(0.7..1.0);
                        Coord {
                            x: cx + rr * a.cos(),
                            y: cy + rr * a.sin(),
                        }
                    })
                    .collect();
                pts.push(pts[0]);
                LineString(pts)
            };
            let outer = ring(&mut rng, cx, cy, r);
            let holes = if rng.gen_bool(0.3) {
                vec![ring(&mut rng, cx, cy, r * 0.3)]
            } else {
                vec![]
            };
            let xy = MultiPolygon(vec![Polygon::new(outer, holes)]);
            let mut ll = xy.clone();
            geo::MapCoordsInPlace::map_coords_in_place(&mut ll, |c| {
                let (x, y) = to_ll.convert(c.x, c.y).unwrap();
                Coord { x, y }
            });
            let technology = techs[i % techs.len()];
            let service = if matches!(technology, Technology::Lte | Technology::Nr5g) {
                ServiceKind::Mobile
            } else {
                ServiceKind::Fixed
            };
            cov.push(CoverageArea {
                id: format!("c{i}"),
                provider: format!("P{}", rng.gen_range(0..5)),
                technology,
                service,
                max_down_mbps: [10.0, 30.0, 100.0, 1000.0][rng.gen_range(0..4)],
                max_up_mbps: [5.0, 150.0][rng.gen_range(0..2)],
                geometry: ll,
                provenance: Provenance {
                    source: Source::Simulated,
                    source_ref: "t".into(),
                    as_of: chrono::NaiveDate::MIN,
                    licence: None,
                },
            });
            // The analysis sees the polygon after the WGS84 round trip.
            let mut back = cov[i].geometry.clone();
            let to_xy = Transformer::for_analysis(WGS84, LKS92).unwrap();
            geo::MapCoordsInPlace::map_coords_in_place(&mut back, |c| {
                let (x, y) = to_xy.convert(c.x, c.y).unwrap();
                Coord { x, y }
            });
            mps_xy.push(back);
        }
        let prepared =
            PreparedCoverage::new(&cov, &Transformer::for_analysis(WGS84, LKS92).unwrap()).unwrap();
        let mut points: Vec<Coord> = (0..30_000)
            .map(|_| Coord {
                x: rng.gen_range(470_000.0..530_000.0),
                y: rng.gen_range(290_000.0..350_000.0),
            })
            .collect();
        // Vertices themselves: on the boundary.
        points.extend(
            mps_xy
                .iter()
                .flat_map(|m| m.0[0].exterior().0[..3].to_vec()),
        );
        let mut plan = CellPlan::default();
        for p in points {
            let expected = by_definition(&cov, &mps_xy, p);
            assert_eq!(prepared.at(p.x, p.y), expected, "{p:?}");
            if let Some(cell) = prepared.cell_of(p.x, p.y) {
                plan.fill(&prepared, cell);
                assert_eq!(plan.eval(&prepared, p.x, p.y), expected, "{p:?}");
            }
        }
    }
}
