//! The snapshot: an immutable, in-memory view of the store that every read is
//! served from. Built once per store revision:
//!
//! 1. read every layer through [`FeatureStore`] and type it;
//! 2. resolve demand (register addresses × population grid, parishes by
//!    point-in-polygon) with [`demand::resolve_demand`];
//! 3. project geometry once to the working CRS (LKS-92, EPSG:3059 by default);
//! 4. build one R-tree per layer;
//! 5. count features and their provenance mix.
//!
//! [`Live`] holds the current snapshot and swaps in a new one atomically, so
//! readers never wait for a writer and a failed rebuild keeps the old one.

pub mod demand;

use crate::analysis::facts::{self, PreparedCoverage};
use crate::analysis::{Analysis, Facts, SiteSets, aggregate};
use crate::config::Thresholds;
use crate::crs::{LKS92, Transformer};
use crate::model::{
    Area, AreaKind, CoverageArea, DemandPoint, Layer, PriorityZone, Record, Site, Source,
};
use crate::store::{FeatureStore, StoreError};
use arc_swap::ArcSwap;
use geo::BoundingRect;
use geo_types::{Geometry, MultiPolygon, Point};
use rayon::prelude::*;
use rstar::RTree;
use rstar::primitives::{GeomWithData, Rectangle};
use serde::Serialize;
use std::collections::BTreeMap;
use std::sync::Arc;

#[derive(Debug, thiserror::Error)]
pub enum SnapshotError {
    #[error(transparent)]
    Store(#[from] StoreError),
    #[error("{layer} `{id}`: {message}")]
    Feature {
        layer: Layer,
        id: String,
        message: String,
    },
    #[error("cannot project to EPSG:{crs}: {message}")]
    Projection { crs: u16, message: String },
}

/// A point in the working CRS with the index of its feature.
pub type IndexedPoint = GeomWithData<[f64; 2], usize>;
/// A bounding box in the working CRS with the index of its feature.
pub type IndexedBox = GeomWithData<Rectangle<[f64; 2]>, usize>;

/// Count and provenance mix of one layer.
#[derive(Debug, Clone, Default, Serialize, PartialEq, Eq)]
pub struct LayerStats {
    pub count: u64,
    pub by_source: BTreeMap<Source, u64>,
}

/// Everything gapmap serves, for one store revision.
#[derive(Debug)]
pub struct Snapshot {
    /// Changes with every store revision; caches and ETags key on it.
    pub version: String,
    pub built_at: chrono::DateTime<chrono::Utc>,
    /// The EPSG code of the `*_xy` geometries (metres).
    pub working_crs: u16,
    pub sites: Vec<Site>,
    pub sites_xy: Vec<Point<f64>>,
    pub sites_index: RTree<IndexedPoint>,
    pub areas: Vec<Area>,
    pub areas_xy: Vec<MultiPolygon<f64>>,
    pub coverage: Vec<CoverageArea>,
    pub coverage_xy: Vec<MultiPolygon<f64>>,
    pub coverage_index: RTree<IndexedBox>,
    pub demand: Vec<DemandPoint>,
    pub demand_xy: Vec<Point<f64>>,
    pub demand_index: RTree<IndexedPoint>,
    pub zones: Vec<PriorityZone>,
    pub zones_xy: Vec<MultiPolygon<f64>>,
    pub plan: Vec<Record>,
    pub stats: BTreeMap<Layer, LayerStats>,
    /// Per-layer store revisions this snapshot was built from.
    pub layer_revisions: BTreeMap<Layer, u64>,
    /// (id, name) of every parish, in id order.
    pub parishes: Vec<(String, String)>,
    /// Coverage prepared for point-in-polygon tests (shared between
    /// snapshots while the coverage layer is unchanged).
    pub prepared: Arc<PreparedCoverage>,
    pub site_sets: SiteSets,
    /// Threshold-independent facts per demand point.
    pub facts: Vec<Facts>,
    /// Classes and aggregates under the configured thresholds.
    pub analysis: Analysis,
    /// How the facts were computed: "full" or "incremental".
    pub facts_mode: &'static str,
    /// Milliseconds per build phase: load, project, index, facts, aggregate.
    pub timings: Vec<(&'static str, f64)>,
}

fn typed<T>(
    records: &[Record],
    f: impl Fn(&Record) -> Result<T, String>,
) -> Result<Vec<T>, SnapshotError> {
    records
        .iter()
        .map(|r| {
            f(r).map_err(|message| SnapshotError::Feature {
                layer: r.layer,
                id: r.id.clone(),
                message,
            })
        })
        .collect()
}

/// Project the points of features to the working CRS (in parallel).
fn project_points<T: Sync>(
    t: &Transformer,
    items: &[T],
    point: impl Fn(&T) -> Point<f64> + Sync,
) -> Result<Vec<Point<f64>>, SnapshotError> {
    items
        .par_iter()
        .map(|item| {
            let p = point(item);
            t.convert(p.x(), p.y())
                .map(|(x, y)| Point::new(x, y))
                .map_err(|e| SnapshotError::Projection {
                    crs: t.to_code(),
                    message: e.to_string(),
                })
        })
        .collect()
}

/// Project the polygons of features to the working CRS (in parallel).
fn project_polygons<T: Sync>(
    t: &Transformer,
    items: &[T],
    polygons: impl Fn(&T) -> &MultiPolygon<f64> + Sync,
) -> Result<Vec<MultiPolygon<f64>>, SnapshotError> {
    items
        .par_iter()
        .map(|item| {
            let mut g = Geometry::MultiPolygon(polygons(item).clone());
            t.transform_geometry(&mut g)
                .map_err(|e| SnapshotError::Projection {
                    crs: t.to_code(),
                    message: e.to_string(),
                })?;
            match g {
                Geometry::MultiPolygon(m) => Ok(m),
                _ => Ok(MultiPolygon(vec![])),
            }
        })
        .collect()
}

fn point_index(xy: &[Point<f64>]) -> RTree<IndexedPoint> {
    RTree::bulk_load(
        xy.iter()
            .enumerate()
            .map(|(i, p)| GeomWithData::new([p.x(), p.y()], i))
            .collect(),
    )
}

fn box_index(xy: &[MultiPolygon<f64>]) -> RTree<IndexedBox> {
    RTree::bulk_load(
        xy.iter()
            .enumerate()
            .filter_map(|(i, mp)| {
                mp.bounding_rect().map(|r| {
                    GeomWithData::new(
                        Rectangle::from_corners([r.min().x, r.min().y], [r.max().x, r.max().y]),
                        i,
                    )
                })
            })
            .collect(),
    )
}

fn stats_of<'a>(sources: impl Iterator<Item = Source> + 'a) -> LayerStats {
    let mut s = LayerStats::default();
    for src in sources {
        s.count += 1;
        *s.by_source.entry(src).or_default() += 1;
    }
    s
}

impl Snapshot {
    /// Build a snapshot from a store, with geometry projected to `working_crs`.
    pub fn build(
        store: &dyn FeatureStore,
        working_crs: u16,
        thresholds: &Thresholds,
    ) -> Result<Snapshot, SnapshotError> {
        Snapshot::build_from(store, working_crs, thresholds, None)
    }

    /// Build a snapshot, reusing `prev`'s coverage work when only sites (or
    /// layers the analysis does not read) changed: the incremental path.
    pub fn build_from(
        store: &dyn FeatureStore,
        working_crs: u16,
        thresholds: &Thresholds,
        prev: Option<&Snapshot>,
    ) -> Result<Snapshot, SnapshotError> {
        let clock = std::time::Instant::now();
        let mut timings: Vec<(&'static str, f64)> = Vec::new();
        let mut lap = |name: &'static str| {
            timings.push((
                name,
                clock.elapsed().as_secs_f64() * 1000.0 - timings.iter().map(|t| t.1).sum::<f64>(),
            ));
        };
        let version = store.version()?;
        let layer_revisions = store.layer_revisions()?;
        let sites = typed(&store.read_layer(Layer::Sites)?, Site::from_record)?;
        let areas = typed(&store.read_layer(Layer::Areas)?, Area::from_record)?;
        let coverage = typed(
            &store.read_layer(Layer::Coverage)?,
            CoverageArea::from_record,
        )?;
        let demand_raw = typed(&store.read_layer(Layer::Demand)?, DemandPoint::from_record)?;
        let zones = typed(
            &store.read_layer(Layer::PriorityZones)?,
            PriorityZone::from_record,
        )?;
        let plan = store.read_layer(Layer::Plan)?;
        let parishes: Vec<(String, MultiPolygon<f64>)> = areas
            .iter()
            .filter(|a| a.kind == AreaKind::Parish)
            .map(|a| (a.id.clone(), a.geometry.clone()))
            .collect();
        let demand_sources = stats_of(demand_raw.iter().map(|d| d.source));
        let demand = demand::resolve_demand(demand_raw, &parishes);

        lap("load");
        let t = Transformer::new(crate::crs::WGS84, working_crs).map_err(|e| {
            SnapshotError::Projection {
                crs: working_crs,
                message: e.to_string(),
            }
        })?;
        let sites_xy = project_points(&t, &sites, |s| s.location)?;
        let demand_xy = project_points(&t, &demand, |d| d.location)?;
        let areas_xy = project_polygons(&t, &areas, |a| &a.geometry)?;
        let coverage_xy = project_polygons(&t, &coverage, |c| &c.geometry)?;
        let zones_xy = project_polygons(&t, &zones, |z| &z.geometry)?;

        let mut stats = BTreeMap::new();
        stats.insert(
            Layer::Sites,
            stats_of(sites.iter().map(|s| s.provenance.source)),
        );
        stats.insert(
            Layer::Areas,
            stats_of(areas.iter().map(|a| a.provenance.source)),
        );
        stats.insert(
            Layer::Coverage,
            stats_of(coverage.iter().map(|c| c.provenance.source)),
        );
        stats.insert(Layer::Demand, demand_sources);
        stats.insert(
            Layer::PriorityZones,
            stats_of(zones.iter().map(|z| z.provenance.source)),
        );
        let plan_stats = stats_of(
            plan.iter()
                .filter_map(|r| r.provenance().ok().map(|p| p.source)),
        );
        stats.insert(Layer::Plan, plan_stats);

        lap("project");
        let parish_list: Vec<(String, String)> = areas
            .iter()
            .filter(|a| a.kind == AreaKind::Parish)
            .map(|a| (a.id.clone(), a.name.clone()))
            .collect();
        let site_sets = SiteSets::new(&sites, &sites_xy);
        let coverage_index = box_index(&coverage_xy);
        let sites_index = point_index(&sites_xy);
        let demand_index = point_index(&demand_xy);
        lap("index");
        let same = |l: Layer, p: &Snapshot| {
            p.layer_revisions.get(&l) == layer_revisions.get(&l) && p.working_crs == working_crs
        };
        let reusable = prev.filter(|p| {
            same(Layer::Coverage, p) && same(Layer::Demand, p) && same(Layer::Areas, p)
        });
        let (prepared, facts, facts_mode) = match reusable {
            Some(p) => {
                let facts = crate::analysis::incremental::update_nearest(
                    &p.facts,
                    &demand_xy,
                    (&p.sites, &p.sites_xy),
                    (&sites, &sites_xy),
                    &site_sets,
                );
                (Arc::clone(&p.prepared), facts, "incremental")
            }
            None => {
                let prepared = Arc::new(PreparedCoverage::new(&coverage, &coverage_xy));
                let ll: Vec<Point<f64>> = demand.iter().map(|d| d.location).collect();
                let facts = facts::compute(&ll, &demand_xy, &coverage, &prepared, &site_sets);
                (prepared, facts, "full")
            }
        };
        lap("facts");
        let analysis = aggregate::analyse(
            aggregate::Inputs {
                demand: &demand,
                facts: &facts,
                coverage: &coverage,
                parishes: &parish_list,
                zones: &zones,
            },
            thresholds,
        );
        lap("aggregate");

        Ok(Snapshot {
            layer_revisions,
            parishes: parish_list,
            prepared,
            site_sets,
            facts,
            analysis,
            facts_mode,
            timings,
            version,
            built_at: chrono::Utc::now(),
            working_crs,
            sites_index,
            sites,
            sites_xy,
            areas,
            areas_xy,
            coverage_index,
            coverage,
            coverage_xy,
            demand_index,
            demand,
            demand_xy,
            zones,
            zones_xy,
            plan,
            stats,
        })
    }

    /// Total residents over all demand points.
    pub fn residents(&self) -> u64 {
        self.demand.iter().map(|d| u64::from(d.residents)).sum()
    }

    /// Classes and aggregates under other thresholds (one pass over the facts).
    pub fn analyse_with(&self, thresholds: &Thresholds) -> Analysis {
        aggregate::analyse(
            aggregate::Inputs {
                demand: &self.demand,
                facts: &self.facts,
                coverage: &self.coverage,
                parishes: &self.parishes,
                zones: &self.zones,
            },
            thresholds,
        )
    }
}

/// The snapshot currently served, swapped atomically.
#[derive(Debug)]
pub struct Live {
    current: ArcSwap<Snapshot>,
}

impl Live {
    pub fn new(snapshot: Snapshot) -> Live {
        Live {
            current: ArcSwap::from_pointee(snapshot),
        }
    }
    /// The current snapshot; holding it never blocks a swap.
    pub fn get(&self) -> Arc<Snapshot> {
        self.current.load_full()
    }
    /// Replace the snapshot (readers holding the old one keep it).
    pub fn swap(&self, snapshot: Snapshot) {
        self.current.store(Arc::new(snapshot));
    }
}

/// The default working CRS.
pub const DEFAULT_WORKING_CRS: u16 = LKS92;
