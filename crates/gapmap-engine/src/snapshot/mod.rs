//! The snapshot: an immutable, in-memory view of the store that every read is
//! served from. Built once per store revision:
//!
//! 1. read every layer through [`FeatureStore`] and type it;
//! 2. resolve demand (register addresses × population grid, parishes by
//!    point-in-polygon) with [`demand::resolve_demand`];
//! 3. project geometry once to the working CRS (LKS-92, EPSG:3059 by default;
//!    [`Transformer::for_analysis`]);
//! 4. index the sites for nearest-site search, and prepare the coverage
//!    ([`PreparedCoverage`]: projected, banded, rasterised);
//! 5. compute the facts of every demand point, the groups it counts in and
//!    the analysis under the configured thresholds (see [`crate::analysis`]);
//! 6. count features and their provenance mix.
//!
//! The sites' equipment fields are derived from the `equipment` records
//! active on the snapshot's inventory date (today in Europe/Riga; see
//! [`gapmap_model::inventory`]) as the sites are read.
//!
//! Layers whose store revision did not change are shared with the previous
//! snapshot, with everything derived from them alone.
//!
//! [`Live`] holds the current snapshot and swaps in a new one atomically, so
//! readers never wait for a writer and a failed rebuild keeps the old one.

pub mod demand;

use crate::analysis::aggregate::Groups;
use crate::analysis::{Analysis, Facts, PreparedCoverage, SiteSets, aggregate, facts};
use crate::gazetteer::{AddressIndex, AddressPoint, Gazetteer};
use arc_swap::ArcSwap;
use gapmap_geo::crs::{CrsError, LKS92, Transformer};
use gapmap_model::thresholds::Thresholds;
use gapmap_model::{
    Area, AreaKind, CoverageArea, DemandPoint, Equipment, Layer, PriorityZone, Record, Settlement,
    Site, Source, Visit, inventory,
};
use gapmap_store::{FeatureStore, StoreError};
use geo_types::{Geometry, MultiPolygon, Point};
use rayon::prelude::*;
use serde::Serialize;
use std::collections::BTreeMap;
use std::sync::{Arc, OnceLock};

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
    pub sites: Arc<Vec<Site>>,
    pub sites_xy: Arc<Vec<Point<f64>>>,
    pub areas: Arc<Vec<Area>>,
    pub areas_xy: Arc<Vec<MultiPolygon<f64>>>,
    pub coverage: Arc<Vec<CoverageArea>>,
    pub demand: Arc<Vec<DemandPoint>>,
    pub demand_xy: Arc<Vec<Point<f64>>>,
    /// Every address of an ingested VZD register (kept as demand or not),
    /// for the gazetteer.
    pub addresses: Arc<Vec<AddressPoint>>,
    /// The token index of `addresses`, built on first search and shared with
    /// later snapshots while demand and areas are unchanged.
    address_index: Arc<OnceLock<Arc<AddressIndex>>>,
    /// The gazetteer, built on first search ([`Snapshot::gazetteer`]).
    gazetteer: OnceLock<Arc<Gazetteer>>,
    pub zones: Arc<Vec<PriorityZone>>,
    pub zones_xy: Arc<Vec<MultiPolygon<f64>>>,
    /// Towns, villages and named places (for search), each with its parish
    /// (from the record, else by point-in-polygon).
    pub settlements: Arc<Vec<Settlement>>,
    pub settlements_xy: Arc<Vec<Point<f64>>>,
    pub plan: Arc<Vec<Record>>,
    /// Equipment records, ordered by id.
    pub equipment: Arc<Vec<Equipment>>,
    /// Mobile-class visits, ordered by id.
    pub visits: Arc<Vec<Visit>>,
    /// The date the sites' equipment fields are derived at (Europe/Riga).
    pub inventory_date: chrono::NaiveDate,
    /// Equipment records and visits whose `site_id` names no site of this
    /// snapshot (left over from a sites change; logged, never applied).
    pub inventory_orphans: usize,
    pub stats: BTreeMap<Layer, LayerStats>,
    /// Per-layer store revisions this snapshot was built from.
    pub layer_revisions: BTreeMap<Layer, u64>,
    /// (id, name) of every parish, in id order.
    pub parishes: Vec<(String, String)>,
    /// Coverage in the working CRS, prepared for point-in-polygon tests
    /// (shared between snapshots while the coverage layer is unchanged).
    pub prepared: Arc<PreparedCoverage>,
    pub site_sets: SiteSets,
    /// Threshold-independent facts per demand point.
    pub facts: Arc<Vec<Facts>>,
    /// The parish and 1 km cell each demand point counts in.
    pub groups: Arc<Groups>,
    /// Classes and aggregates under the configured thresholds.
    pub analysis: Analysis,
    /// How the facts were computed: "full", "incremental" (only sites
    /// changed) or "reused" (no layer they depend on changed).
    pub facts_mode: &'static str,
    /// Milliseconds per build phase: load, project, index, prepare (the
    /// coverage: projected, prepared and rasterised), facts, aggregate.
    pub timings: Vec<(&'static str, f64)>,
}

/// Read a layer record by record into its typed form (the untyped records
/// are never all in memory at once); the first record that does not type
/// stops the read with its layer, id and reason.
fn read_typed<T>(
    store: &dyn FeatureStore,
    layer: Layer,
    f: impl Fn(&Record) -> Result<T, String>,
) -> Result<Vec<T>, SnapshotError> {
    let mut out = Vec::new();
    let mut failed = None;
    store.for_each_record(layer, &mut |r| match f(&r) {
        Ok(t) => {
            out.push(t);
            true
        }
        Err(message) => {
            failed = Some(SnapshotError::Feature {
                layer: r.layer,
                id: r.id,
                message,
            });
            false
        }
    })?;
    match failed {
        Some(e) => Err(e),
        None => Ok(out),
    }
}

/// A projection to `crs` failed.
fn projection_error(crs: u16) -> impl Fn(CrsError) -> SnapshotError {
    move |e| SnapshotError::Projection {
        crs,
        message: e.to_string(),
    }
}

/// Project the points of features to the working CRS (in parallel).
fn project_points<T: Sync>(
    t: &Transformer,
    items: &[T],
    point: impl Fn(&T) -> Point<f64> + Sync,
) -> Result<Vec<Point<f64>>, SnapshotError> {
    let one = |item: &T| {
        let p = point(item);
        t.convert(p.x(), p.y())
            .map(|(x, y)| Point::new(x, y))
            .map_err(projection_error(t.to_code()))
    };
    // A few hundred points project faster than the thread pool wakes up
    // (the sites of a one-site edit are the common case).
    if items.len() < 4096 {
        items.iter().map(one).collect()
    } else {
        items.par_iter().map(one).collect()
    }
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
                .map_err(projection_error(t.to_code()))?;
            match g {
                Geometry::MultiPolygon(m) => Ok(m),
                _ => Ok(MultiPolygon(vec![])),
            }
        })
        .collect()
}

/// Give settlements without a `parish_id` the parish they lie in.
fn assign_parishes(settlements: &mut [Settlement], areas: &[Area]) {
    if settlements.iter().all(|s| s.parish_id.is_some()) {
        return;
    }
    let parishes: Vec<(String, MultiPolygon<f64>)> = areas
        .iter()
        .filter(|a| a.kind == AreaKind::Parish)
        .map(|a| (a.id.clone(), a.geometry.clone()))
        .collect();
    let index = demand::ParishIndex::new(&parishes);
    for s in settlements.iter_mut().filter(|s| s.parish_id.is_none()) {
        s.parish_id = index
            .locate(s.location.x(), s.location.y())
            .map(str::to_owned);
    }
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
        // A previous snapshot whose copy of these layers is still current:
        // its typed, projected and indexed data is shared, not rebuilt.
        let unchanged = |layers: &[Layer]| {
            prev.filter(|p| {
                p.working_crs == working_crs
                    && layers
                        .iter()
                        .all(|l| p.layer_revisions.get(l) == layer_revisions.get(l))
            })
        };
        let inventory_date = chrono::Utc::now()
            .with_timezone(&chrono_tz::Europe::Riga)
            .date_naive();
        // Sites carry equipment fields derived from the equipment layer at
        // the inventory date: both must be unchanged to share them.
        let reuse_sites = unchanged(&[Layer::Sites, Layer::Equipment])
            .filter(|p| p.inventory_date == inventory_date);
        let equipment = match unchanged(&[Layer::Equipment]) {
            Some(p) => Arc::clone(&p.equipment),
            None => Arc::new(read_typed(store, Layer::Equipment, Equipment::from_record)?),
        };
        let visits = match unchanged(&[Layer::Visits]) {
            Some(p) => Arc::clone(&p.visits),
            None => Arc::new(read_typed(store, Layer::Visits, Visit::from_record)?),
        };
        let reuse_areas = unchanged(&[Layer::Areas]);
        let reuse_coverage = unchanged(&[Layer::Coverage]);
        let reuse_demand = unchanged(&[Layer::Demand, Layer::Areas]);
        let reuse_zones = unchanged(&[Layer::PriorityZones]);
        let mut inventory_orphans = reuse_sites.map_or(0, |p| p.inventory_orphans);
        let sites_new = reuse_sites
            .is_none()
            .then(|| -> Result<Vec<Site>, SnapshotError> {
                let mut sites = read_typed(store, Layer::Sites, Site::from_record)?;
                let orphans = inventory::apply(&mut sites, &equipment, inventory_date);
                let known: std::collections::HashSet<&str> =
                    sites.iter().map(|s| s.id.as_str()).collect();
                let lost_visits = visits.iter().filter(|v| !known.contains(v.site_id.as_str()));
                inventory_orphans = orphans.len() + lost_visits.clone().count();
                if inventory_orphans > 0 {
                    let first = orphans
                        .first()
                        .map(|e| (&e.id, &e.site_id))
                        .or_else(|| lost_visits.clone().next().map(|v| (&v.id, &v.site_id)));
                    tracing::warn!(records = inventory_orphans, first = ?first, "equipment or visits name sites that no longer exist; they are left out");
                }
                Ok(sites)
            })
            .transpose()?;
        let areas_new = reuse_areas
            .is_none()
            .then(|| read_typed(store, Layer::Areas, Area::from_record))
            .transpose()?;
        let coverage_new = reuse_coverage
            .is_none()
            .then(|| read_typed(store, Layer::Coverage, CoverageArea::from_record))
            .transpose()?;
        let zones_new = reuse_zones
            .is_none()
            .then(|| read_typed(store, Layer::PriorityZones, PriorityZone::from_record))
            .transpose()?;
        let settlements_new = unchanged(&[Layer::Settlements, Layer::Areas])
            .is_none()
            .then(|| read_typed(store, Layer::Settlements, Settlement::from_record))
            .transpose()?;
        let plan = match unchanged(&[Layer::Plan]) {
            Some(p) => Arc::clone(&p.plan),
            None => Arc::new(store.read_layer(Layer::Plan)?),
        };
        let areas: Arc<Vec<Area>> = match (areas_new, reuse_areas) {
            (Some(a), _) => Arc::new(a),
            (None, Some(p)) => Arc::clone(&p.areas),
            (None, None) => unreachable!("areas are either read or reused"),
        };
        let demand_new = match reuse_demand {
            Some(_) => None,
            None => {
                let raw = read_typed(store, Layer::Demand, DemandPoint::from_record)?;
                let parishes: Vec<(String, MultiPolygon<f64>)> = areas
                    .iter()
                    .filter(|a| a.kind == AreaKind::Parish)
                    .map(|a| (a.id.clone(), a.geometry.clone()))
                    .collect();
                let sources = stats_of(raw.iter().map(|d| d.source));
                let (resolved, addresses) = demand::resolve_demand(raw, &parishes);
                Some((resolved, sources, addresses))
            }
        };

        lap("load");
        let t = Transformer::for_analysis(gapmap_geo::crs::WGS84, working_crs)
            .map_err(projection_error(working_crs))?;
        let mut stats = BTreeMap::new();
        let (sites, sites_xy) = match (sites_new, reuse_sites) {
            (Some(s), _) => {
                let xy = project_points(&t, &s, |s| s.location)?;
                stats.insert(
                    Layer::Sites,
                    stats_of(s.iter().map(|s| s.provenance.source)),
                );
                (Arc::new(s), Arc::new(xy))
            }
            (None, Some(p)) => {
                stats.insert(Layer::Sites, p.stats[&Layer::Sites].clone());
                (Arc::clone(&p.sites), Arc::clone(&p.sites_xy))
            }
            (None, None) => unreachable!("sites are either read or reused"),
        };
        let areas_xy = match reuse_areas {
            Some(p) => Arc::clone(&p.areas_xy),
            None => Arc::new(project_polygons(&t, &areas, |a| &a.geometry)?),
        };
        stats.insert(
            Layer::Areas,
            stats_of(areas.iter().map(|a| a.provenance.source)),
        );
        // Coverage is projected as it is prepared (the prepare phase).
        let coverage = match (coverage_new, reuse_coverage) {
            (Some(c), _) => Arc::new(c),
            (None, Some(p)) => Arc::clone(&p.coverage),
            (None, None) => unreachable!("coverage is either read or reused"),
        };
        stats.insert(
            Layer::Coverage,
            stats_of(coverage.iter().map(|c| c.provenance.source)),
        );
        let (demand, demand_xy, addresses, address_index) = match (demand_new, reuse_demand) {
            (Some((d, sources, addresses)), _) => {
                let xy = project_points(&t, &d, |d| d.location)?;
                stats.insert(Layer::Demand, sources);
                (
                    Arc::new(d),
                    Arc::new(xy),
                    Arc::new(addresses),
                    Arc::default(),
                )
            }
            (None, Some(p)) => {
                stats.insert(Layer::Demand, p.stats[&Layer::Demand].clone());
                (
                    Arc::clone(&p.demand),
                    Arc::clone(&p.demand_xy),
                    Arc::clone(&p.addresses),
                    Arc::clone(&p.address_index),
                )
            }
            (None, None) => unreachable!("demand is either read or reused"),
        };
        let (settlements, settlements_xy) = match settlements_new {
            Some(mut s) => {
                assign_parishes(&mut s, &areas);
                let xy = project_points(&t, &s, |s| s.location)?;
                stats.insert(
                    Layer::Settlements,
                    stats_of(s.iter().map(|s| s.provenance.source)),
                );
                (Arc::new(s), Arc::new(xy))
            }
            None => {
                let p = unchanged(&[Layer::Settlements, Layer::Areas])
                    .expect("settlements are either read or reused");
                stats.insert(Layer::Settlements, p.stats[&Layer::Settlements].clone());
                (Arc::clone(&p.settlements), Arc::clone(&p.settlements_xy))
            }
        };
        let (zones, zones_xy) = match (zones_new, reuse_zones) {
            (Some(z), _) => {
                let xy = project_polygons(&t, &z, |z| &z.geometry)?;
                (Arc::new(z), Arc::new(xy))
            }
            (None, Some(p)) => (Arc::clone(&p.zones), Arc::clone(&p.zones_xy)),
            (None, None) => unreachable!("zones are either read or reused"),
        };
        stats.insert(
            Layer::PriorityZones,
            stats_of(zones.iter().map(|z| z.provenance.source)),
        );
        let plan_stats = stats_of(
            plan.iter()
                .filter_map(|r| r.provenance().ok().map(|p| p.source)),
        );
        stats.insert(Layer::Plan, plan_stats);
        stats.insert(
            Layer::Equipment,
            stats_of(equipment.iter().map(|e| e.provenance.source)),
        );
        stats.insert(
            Layer::Visits,
            stats_of(visits.iter().map(|v| v.provenance.source)),
        );

        lap("project");
        let parish_list: Vec<(String, String)> = areas
            .iter()
            .filter(|a| a.kind == AreaKind::Parish)
            .map(|a| (a.id.clone(), a.name.clone()))
            .collect();
        let site_sets = SiteSets::new(&sites, &sites_xy);
        lap("index");
        let prepared = match reuse_coverage {
            Some(p) => Arc::clone(&p.prepared),
            None => Arc::new(
                PreparedCoverage::new(&coverage, &t).map_err(projection_error(working_crs))?,
            ),
        };
        lap("prepare");
        let (facts, facts_mode) = match unchanged(&[Layer::Coverage, Layer::Demand, Layer::Areas]) {
            Some(p) if reuse_sites.is_some() => (Arc::clone(&p.facts), "reused"),
            Some(p) => {
                let facts = crate::analysis::incremental::update_nearest(
                    &p.facts,
                    &demand_xy,
                    (&p.sites, &p.sites_xy),
                    (&sites, &sites_xy),
                    &site_sets,
                );
                (Arc::new(facts), "incremental")
            }
            None => {
                let facts = facts::compute(&demand, &demand_xy, &prepared, &site_sets);
                (Arc::new(facts), "full")
            }
        };
        let groups = match unchanged(&[Layer::Demand, Layer::Areas]) {
            Some(p) => Arc::clone(&p.groups),
            None => Arc::new(Groups::new(&demand, &facts, &parish_list)),
        };
        lap("facts");
        let analysis = aggregate::analyse(
            aggregate::Inputs {
                demand: &demand,
                facts: &facts,
                groups: &groups,
                coverage: prepared.attrs(),
                parishes: &parish_list,
                zones: &zones,
                previous: prev.map_or_else(Default::default, |p| aggregate::Previous {
                    clusters: &p.analysis.clusters,
                    zones_unchanged: Arc::ptr_eq(&p.zones, &zones),
                }),
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
            groups,
            analysis,
            facts_mode,
            timings,
            version,
            built_at: chrono::Utc::now(),
            working_crs,
            sites,
            sites_xy,
            areas,
            areas_xy,
            coverage,
            demand,
            demand_xy,
            addresses,
            address_index,
            gazetteer: OnceLock::new(),
            zones,
            zones_xy,
            settlements,
            settlements_xy,
            plan,
            equipment,
            visits,
            inventory_date,
            inventory_orphans,
            stats,
        })
    }

    /// The build phases and their milliseconds, e.g. `load=1.20 project=0.05 …`.
    pub fn timings_text(&self) -> String {
        self.timings
            .iter()
            .map(|(name, ms)| format!("{name}={ms:.2}"))
            .collect::<Vec<_>>()
            .join(" ")
    }

    /// The gazetteer of this snapshot (built on first use, then shared).
    pub fn gazetteer(&self) -> Arc<Gazetteer> {
        Arc::clone(self.gazetteer.get_or_init(|| {
            Arc::new(Gazetteer::of_layers(
                self.parishes.iter().map(|(id, _)| id.clone()).collect(),
                &self.areas,
                &self.settlements,
                &self.sites,
                self.address_index(),
            ))
        }))
    }

    /// The token index of the register's addresses (built on first use;
    /// shared with the snapshots that share the addresses).
    pub fn address_index(&self) -> Arc<AddressIndex> {
        Arc::clone(
            self.address_index
                .get_or_init(|| Arc::new(AddressIndex::build(Arc::clone(&self.addresses)))),
        )
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
                groups: &self.groups,
                coverage: self.prepared.attrs(),
                parishes: &self.parishes,
                zones: &self.zones,
                previous: aggregate::Previous {
                    clusters: &self.analysis.clusters,
                    zones_unchanged: true,
                },
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

#[cfg(test)]
mod tests {
    use super::*;
    use crate::analysis::NearestKind;
    use gapmap_ingest::{Input, Mode, Options, detect_format, run::ingest_files};
    use gapmap_store::gpkg::GpkgStore;
    use std::path::{Path, PathBuf};

    fn jelgava(name: &str) -> PathBuf {
        Path::new(env!("CARGO_MANIFEST_DIR"))
            .join("../../geodata/jelgava")
            .join(name)
    }

    fn ingest(store: &mut GpkgStore, path: &Path, layer: Layer, mode: Mode) {
        let input = Input {
            path: path.to_path_buf(),
            format: detect_format(path, None).unwrap(),
        };
        let opts = Options {
            layer: Some(layer),
            ..Options::default()
        };
        let o = ingest_files(store, &[input], &opts, mode).unwrap();
        assert!(o.committed, "{path:?}: {:?}", o.problems);
    }

    /// The sites file with every third site moved 700 m east, every
    /// seventh removed and one new free Wi-Fi point.
    fn edited_sites(dir: &Path) -> PathBuf {
        let text = std::fs::read_to_string(jelgava("sites.geojson")).unwrap();
        let mut fc: serde_json::Value = serde_json::from_str(&text).unwrap();
        let features = fc["features"].as_array_mut().unwrap();
        let mut kept: Vec<serde_json::Value> = features
            .drain(..)
            .enumerate()
            .filter(|(i, _)| i % 7 != 3)
            .map(|(i, mut f)| {
                if i % 3 == 0 {
                    let lon = f["geometry"]["coordinates"][0].as_f64().unwrap();
                    f["geometry"]["coordinates"][0] = serde_json::json!(lon + 0.0115);
                }
                f
            })
            .collect();
        let mut new = kept[0].clone();
        new["properties"]["id"] = serde_json::json!("test-new-wifi");
        new["properties"]["kind"] = serde_json::json!("wifi");
        new["properties"]["free_wifi"] = serde_json::json!(true);
        new["properties"]["status"] = serde_json::json!("active");
        new["geometry"]["coordinates"] = serde_json::json!([23.9, 56.55]);
        kept.push(new);
        *features = kept;
        let path = dir.join("sites.geojson");
        std::fs::write(&path, fc.to_string()).unwrap();
        path
    }

    #[test]
    fn rebuild_after_site_edits_equals_a_full_build() {
        let dir = tempfile::tempdir().unwrap();
        let path = dir.path().join("s.gpkg");
        let mut store = GpkgStore::open(&path).unwrap();
        for (file, layer) in [
            ("areas.geojson", Layer::Areas),
            ("priority_zones.geojson", Layer::PriorityZones),
            ("sites.geojson", Layer::Sites),
            ("coverage.geojson", Layer::Coverage),
            ("demand.csv", Layer::Demand),
            ("plan.json", Layer::Plan),
        ] {
            ingest(&mut store, &jelgava(file), layer, Mode::Replace);
        }
        let t = Thresholds::default();
        let first = Snapshot::build(&store, DEFAULT_WORKING_CRS, &t).unwrap();
        assert_eq!(first.facts_mode, "full");

        ingest(
            &mut store,
            &edited_sites(dir.path()),
            Layer::Sites,
            Mode::Replace,
        );
        let next = Snapshot::build_from(&store, DEFAULT_WORKING_CRS, &t, Some(&first)).unwrap();
        let full = Snapshot::build(&store, DEFAULT_WORKING_CRS, &t).unwrap();
        assert_eq!(next.facts_mode, "incremental");
        assert!(
            Arc::ptr_eq(&next.demand, &first.demand),
            "demand shared, not re-read"
        );
        assert!(Arc::ptr_eq(&next.prepared, &first.prepared));
        assert_eq!(next.sites.len(), full.sites.len());
        let distances = |s: &Snapshot| -> Vec<[Option<f64>; 4]> {
            s.facts
                .iter()
                .map(|f| NearestKind::ALL.map(|k| f.nearest(k).map(|n| n.distance_m)))
                .collect()
        };
        assert_eq!(distances(&next), distances(&full));
        assert!(
            next.analysis == full.analysis,
            "analysis differs from a full build"
        );
        assert_ne!(
            first.analysis.total.by_public_access, next.analysis.total.by_public_access,
            "the edits should change who is near free Wi-Fi"
        );
        for (a, b) in next.analysis.clusters.iter().zip(&full.analysis.clusters) {
            assert_eq!(
                (&a.cells, &a.geometry, &a.zones),
                (&b.cells, &b.geometry, &b.zones)
            );
        }
        assert_eq!(next.stats, full.stats);

        // A plan-only change keeps the facts themselves.
        let plan = dir.path().join("plan.json");
        let text = std::fs::read_to_string(jelgava("plan.json")).unwrap();
        let edited = text.replacen("\"as_of\": \"2026-11-25\"", "\"as_of\": \"2026-11-26\"", 1);
        assert_ne!(edited, text);
        std::fs::write(&plan, edited).unwrap();
        ingest(&mut store, &plan, Layer::Plan, Mode::Replace);
        let again = Snapshot::build_from(&store, DEFAULT_WORKING_CRS, &t, Some(&next)).unwrap();
        assert_eq!(again.facts_mode, "reused");
        assert_ne!(again.layer_revisions, next.layer_revisions);
        assert!(again.analysis == full.analysis);
    }
}
