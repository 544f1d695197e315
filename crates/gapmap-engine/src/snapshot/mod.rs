//! The snapshot: an immutable, in-memory view of the store that every read is
//! served from. Built once per store revision:
//!
//! 1. read every layer through [`FeatureStore`] and type it;
//! 2. resolve demand (register addresses × population grid, parishes by
//!    point-in-polygon) with [`demand::resolve_demand`];
//! 3. project geometry once to the working CRS (LKS-92, EPSG:3059 by default;
//!    [`Transformer::for_analysis`](gapmap_geo::crs::Transformer::for_analysis));
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
//! The steps live in `load` (1–2), `project` (3) and `derive` (4–6);
//! `parts` holds what they pass between them.
//!
//! [`Live`] holds the current snapshot and swaps in a new one atomically, so
//! readers never wait for a writer and a failed rebuild keeps the old one.

pub mod demand;
mod derive;
mod error;
mod load;
mod parts;
mod project;

pub use error::SnapshotError;
pub use parts::LayerStats;

use crate::analysis::aggregate::Groups;
use crate::analysis::{Analysis, Facts, PreparedCoverage, SiteSets, aggregate};
use crate::gazetteer::{AddressIndex, AddressPoint, Gazetteer};
use arc_swap::ArcSwap;
use gapmap_geo::crs::LKS92;
use gapmap_model::thresholds::Thresholds;
use gapmap_model::{
    Area, Building, CoverageArea, DemandPoint, Equipment, Layer, PriorityZone, Record, Settlement,
    Site, Visit,
};
use gapmap_store::FeatureStore;
use geo_types::{MultiPolygon, Point};
use parts::{
    Kept, KeptCoverage, KeptDemand, KeptFacts, KeptSettlements, KeptSites, Layers, Shared,
};
use std::collections::BTreeMap;
use std::sync::{Arc, OnceLock};

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
    /// The addresses on a grid, built on first use ([`Snapshot::nearest_address`]).
    address_grid: OnceLock<Arc<crate::gazetteer::AddressGrid>>,
    pub zones: Arc<Vec<PriorityZone>>,
    pub zones_xy: Arc<Vec<MultiPolygon<f64>>>,
    /// Towns, villages and named places (for search), each with its parish
    /// (from the record, else by point-in-polygon).
    pub settlements: Arc<Vec<Settlement>>,
    pub settlements_xy: Arc<Vec<Point<f64>>>,
    /// The municipality's buildings (layer `buildings`: every status), in
    /// id order; `buildings_xy[i]` is `buildings[i]`'s point in the working
    /// CRS. The access-point planner's candidates and the mobile class's
    /// venues are the active ones ([`Snapshot::active_buildings`]).
    pub buildings: Arc<Vec<Building>>,
    pub buildings_xy: Arc<Vec<Point<f64>>>,
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

/// Milliseconds per build phase, each from the end of the one before.
struct Phases {
    clock: std::time::Instant,
    timings: Vec<(&'static str, f64)>,
}

impl Phases {
    /// Start timing the first phase.
    fn start() -> Phases {
        Phases {
            clock: std::time::Instant::now(),
            timings: Vec::new(),
        }
    }

    /// End the phase `name`.
    fn lap(&mut self, name: &'static str) {
        self.timings.push((
            name,
            self.clock.elapsed().as_secs_f64() * 1000.0
                - self.timings.iter().map(|t| t.1).sum::<f64>(),
        ));
    }
}

/// What a build read besides the layers, and its timings.
struct Head {
    version: String,
    working_crs: u16,
    layer_revisions: BTreeMap<Layer, u64>,
    inventory_date: chrono::NaiveDate,
    timings: Vec<(&'static str, f64)>,
}

/// What a build derived from its layers (steps 4 to 6).
struct Derived {
    stats: BTreeMap<Layer, LayerStats>,
    parishes: Vec<(String, String)>,
    prepared: Arc<PreparedCoverage>,
    site_sets: SiteSets,
    facts: Arc<Vec<Facts>>,
    groups: Arc<Groups>,
    analysis: Analysis,
    facts_mode: &'static str,
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
        Snapshot::build_with(store, working_crs, thresholds, prev, false)
    }

    /// [`Snapshot::build_from`] for a server: ready to answer searches when
    /// it returns. A new address index is built on a thread of its own as
    /// soon as the addresses are read, beside the analysis, and the
    /// gazetteer is complete before the snapshot is handed over.
    pub fn build_serving(
        store: &dyn FeatureStore,
        working_crs: u16,
        thresholds: &Thresholds,
        prev: Option<&Snapshot>,
    ) -> Result<Snapshot, SnapshotError> {
        let s = Snapshot::build_with(store, working_crs, thresholds, prev, true)?;
        s.gazetteer();
        Ok(s)
    }

    // Long: the build's steps in order (read, project, index, prepare,
    // facts, aggregate), each one call; the list is the documentation.
    fn build_with(
        store: &dyn FeatureStore,
        working_crs: u16,
        thresholds: &Thresholds,
        prev: Option<&Snapshot>,
        serving: bool,
    ) -> Result<Snapshot, SnapshotError> {
        let mut phases = Phases::start();
        let version = store.version()?;
        let layer_revisions = store.layer_revisions()?;
        let inventory_date = load::inventory_date();
        // Share what is unchanged since `prev`; read the rest (steps 1–2).
        let kept = prev.map_or_else(Kept::default, |p| {
            p.kept(working_crs, &layer_revisions, inventory_date)
        });
        let loaded = load::layers(store, &kept, inventory_date)?;
        phases.lap("load");
        // Project the layers read (step 3); count every layer (step 6).
        let t = project::transformer(working_crs)?;
        let layers = project::layers(loaded, &kept, &t)?;
        if serving {
            index_addresses_beside(&layers.addresses, &layers.address_index);
        }
        let stats = derive::count(&layers, &kept);
        phases.lap("project");
        // Index the sites and prepare the coverage (step 4).
        let parishes = derive::parish_names(&layers.areas);
        let site_sets = SiteSets::new(&layers.sites, &layers.sites_xy);
        phases.lap("index");
        let prepared = derive::prepared(kept.coverage.as_ref(), &layers.coverage, &t)?;
        phases.lap("prepare");
        // The facts, the groups and the analysis (step 5).
        let (facts, facts_mode) = derive::facts(&kept, &layers, &prepared, &site_sets);
        let groups = derive::groups(kept.demand.as_ref(), &layers.demand, &facts, &parishes);
        phases.lap("facts");
        let analysis = aggregate::analyse(
            aggregate::Inputs {
                demand: &layers.demand,
                facts: &facts,
                groups: &groups,
                coverage: prepared.attrs(),
                parishes: &parishes,
                zones: &layers.zones,
                previous: prev.map_or_else(Default::default, |p| aggregate::Previous {
                    clusters: &p.analysis.clusters,
                    zones_unchanged: Arc::ptr_eq(&p.zones, &layers.zones),
                }),
            },
            thresholds,
        );
        phases.lap("aggregate");
        let head = Head {
            version,
            working_crs,
            layer_revisions,
            inventory_date,
            timings: phases.timings,
        };
        let derived = Derived {
            stats,
            parishes,
            prepared,
            site_sets,
            facts,
            groups,
            analysis,
            facts_mode,
        };
        Ok(Snapshot::assemble(head, layers, derived))
    }

    /// What of this snapshot a build of `layer_revisions` in `working_crs`
    /// at `inventory_date` can share: the parts derived from layers whose
    /// revision is unchanged (the sites also need the same equipment and
    /// inventory date).
    fn kept(
        &self,
        working_crs: u16,
        layer_revisions: &BTreeMap<Layer, u64>,
        inventory_date: chrono::NaiveDate,
    ) -> Kept<'_> {
        let unchanged = |layers: &[Layer]| {
            self.working_crs == working_crs
                && layers
                    .iter()
                    .all(|l| self.layer_revisions.get(l) == layer_revisions.get(l))
        };
        let sites = || Shared {
            items: &self.sites,
            xy: &self.sites_xy,
        };
        Kept {
            equipment: unchanged(&[Layer::Equipment]).then_some(&self.equipment),
            visits: unchanged(&[Layer::Visits]).then_some(&self.visits),
            plan: unchanged(&[Layer::Plan]).then_some(&self.plan),
            sites: (unchanged(&[Layer::Sites, Layer::Equipment])
                && self.inventory_date == inventory_date)
                .then(|| KeptSites {
                    sites: sites(),
                    stats: &self.stats[&Layer::Sites],
                    orphans: self.inventory_orphans,
                }),
            areas: unchanged(&[Layer::Areas]).then_some(Shared {
                items: &self.areas,
                xy: &self.areas_xy,
            }),
            coverage: unchanged(&[Layer::Coverage]).then_some(KeptCoverage {
                coverage: &self.coverage,
                prepared: &self.prepared,
            }),
            zones: unchanged(&[Layer::PriorityZones]).then_some(Shared {
                items: &self.zones,
                xy: &self.zones_xy,
            }),
            buildings: unchanged(&[Layer::Buildings]).then_some(Shared {
                items: &self.buildings,
                xy: &self.buildings_xy,
            }),
            settlements: unchanged(&[Layer::Settlements, Layer::Areas]).then(|| KeptSettlements {
                settlements: Shared {
                    items: &self.settlements,
                    xy: &self.settlements_xy,
                },
                stats: &self.stats[&Layer::Settlements],
            }),
            demand: unchanged(&[Layer::Demand, Layer::Areas]).then(|| KeptDemand {
                demand: Shared {
                    items: &self.demand,
                    xy: &self.demand_xy,
                },
                addresses: &self.addresses,
                address_index: &self.address_index,
                stats: &self.stats[&Layer::Demand],
                groups: &self.groups,
            }),
            facts: unchanged(&[Layer::Coverage, Layer::Demand, Layer::Areas]).then(|| KeptFacts {
                facts: &self.facts,
                sites: sites(),
            }),
        }
    }

    /// The snapshot of these layers and what was derived from them.
    fn assemble(head: Head, layers: Layers, derived: Derived) -> Snapshot {
        Snapshot {
            layer_revisions: head.layer_revisions,
            parishes: derived.parishes,
            prepared: derived.prepared,
            site_sets: derived.site_sets,
            facts: derived.facts,
            groups: derived.groups,
            analysis: derived.analysis,
            facts_mode: derived.facts_mode,
            timings: head.timings,
            version: head.version,
            built_at: chrono::Utc::now(),
            working_crs: head.working_crs,
            sites: layers.sites,
            sites_xy: layers.sites_xy,
            areas: layers.areas,
            areas_xy: layers.areas_xy,
            coverage: layers.coverage,
            demand: layers.demand,
            demand_xy: layers.demand_xy,
            addresses: layers.addresses,
            address_index: layers.address_index,
            gazetteer: OnceLock::new(),
            address_grid: OnceLock::new(),
            zones: layers.zones,
            zones_xy: layers.zones_xy,
            settlements: layers.settlements,
            settlements_xy: layers.settlements_xy,
            buildings: layers.buildings,
            buildings_xy: layers.buildings_xy,
            plan: layers.plan,
            equipment: layers.equipment,
            visits: layers.visits,
            inventory_date: head.inventory_date,
            inventory_orphans: layers.inventory_orphans,
            stats: derived.stats,
        }
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

    /// The buildings in use (status `active`) with their working-CRS
    /// points (metres, [`Snapshot::working_crs`]), in id order: the
    /// candidate set of the access-point planner and the venues of the
    /// mobile class. Whether one may take an access point is decided by
    /// geometry (its distance to free Wi-Fi), not by a flag.
    ///
    /// ```ignore
    /// for (b, xy) in snap.active_buildings() {
    ///     println!("{} {} at ({:.0}, {:.0})", b.id, b.kind, xy.x(), xy.y());
    /// }
    /// ```
    pub fn active_buildings(&self) -> impl Iterator<Item = (&Building, Point<f64>)> + '_ {
        self.buildings
            .iter()
            .zip(self.buildings_xy.iter())
            .filter(|(b, _)| b.is_active())
            .map(|(b, xy)| (b, *xy))
    }

    /// The register address nearest to WGS84 `(lon, lat)` within `max_m`
    /// metres (planar, working CRS), with its distance; `None` without a
    /// register or when none is that close. The grid is built on first use.
    pub fn nearest_address(&self, lon: f64, lat: f64, max_m: f64) -> Option<(&AddressPoint, f64)> {
        let t =
            gapmap_geo::crs::Transformer::for_analysis(gapmap_geo::crs::WGS84, self.working_crs)
                .ok()?;
        let grid = self
            .address_grid
            .get_or_init(|| Arc::new(crate::gazetteer::AddressGrid::build(&self.addresses, &t)));
        let (x, y) = t.convert(lon, lat).ok()?;
        let (i, d) = grid.nearest(x, y, max_m)?;
        Some((&self.addresses[i], d))
    }

    /// A parish's name from its id; `None` for an id that is no parish.
    pub fn parish_name(&self, parish_id: &str) -> Option<&str> {
        self.parishes
            .iter()
            .find(|(p, _)| p == parish_id)
            .map(|(_, n)| n.as_str())
    }

    /// The official territorial code (`atvk`, e.g. `LV0030510`) of a parish.
    pub fn atvk_of(&self, parish_id: &str) -> Option<&str> {
        self.areas
            .iter()
            .find(|a| a.id == parish_id)
            .and_then(|a| a.atvk.as_deref())
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

/// Build the token index of `addresses` into `cell` on a thread of its
/// own, unless it is built (or shared) already; whoever reads the cell
/// meanwhile waits for it (`OnceLock`).
fn index_addresses_beside(
    addresses: &Arc<Vec<AddressPoint>>,
    cell: &Arc<OnceLock<Arc<AddressIndex>>>,
) {
    if cell.get().is_some() {
        return;
    }
    let (addresses, cell) = (Arc::clone(addresses), Arc::clone(cell));
    let spawned = std::thread::Builder::new()
        .name("gapmap-address-index".into())
        .spawn(move || {
            cell.get_or_init(|| Arc::new(AddressIndex::build(addresses)));
        });
    if let Err(e) = spawned {
        tracing::warn!(error = %e, "cannot index the addresses beside the analysis; the gazetteer will");
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
    use gapmap_store::Store;
    use std::path::{Path, PathBuf};

    fn jelgava(name: &str) -> PathBuf {
        Path::new(env!("CARGO_MANIFEST_DIR"))
            .join("../../geodata/jelgava")
            .join(name)
    }

    fn ingest(store: &mut Store, path: &Path, layer: Layer, mode: Mode) {
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

    /// The sites file with every third site moved 700 m east (naming no
    /// parish), every
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
                    // Moved, it may have crossed into the next parish: it
                    // names none (the position rule of ingest).
                    f["properties"]["parish_id"] = serde_json::Value::Null;
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
        new["properties"]["parish_id"] = serde_json::Value::Null;
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
        let mut store = Store::open(&path).unwrap();
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
