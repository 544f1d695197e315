//! The published collections (OGC API ids, tileset names, export names —
//! ARCHITECTURE.md, "Interfaces"): `sites`, `settlements`, `municipality`, `parishes`,
//! `coverage`, `priority_zones`, `demand_grid`, `gap_grid`, `gap_clusters`,
//! `buildings`.
//! One place builds their features from a snapshot, so the feature service,
//! the tiles and the exports publish the same ids and properties.
//!
//! Demand is never published point by point: `demand_grid` aggregates it to
//! EU 1 km cells, and cells under the disclosure threshold publish a range.

use crate::schema::Schema;
use gapmap_engine::analysis::Analysis;
use gapmap_engine::analysis::aggregate::{CellAggregate, Cluster};
use gapmap_engine::snapshot::Snapshot;
use gapmap_geo::crs::{LAEA, Transformer, WGS84};
use gapmap_model::AreaKind;
use gapmap_model::disclosure::Disclosure;
use geo::BoundingRect;
use geo_types::{Geometry, MultiPolygon, Point, Rect};
use rayon::prelude::*;
use serde_json::{Map, Value, json};
use std::collections::HashMap;
use std::sync::{Arc, Mutex, OnceLock, Weak};

/// A published collection.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, PartialOrd, Ord)]
pub enum Collection {
    Sites,
    Settlements,
    Municipality,
    Parishes,
    Coverage,
    PriorityZones,
    DemandGrid,
    GapGrid,
    GapClusters,
    /// The municipality's buildings (the planner's candidates).
    Buildings,
}

impl Collection {
    pub const ALL: [Collection; 10] = [
        Collection::Sites,
        Collection::Settlements,
        Collection::Municipality,
        Collection::Parishes,
        Collection::Coverage,
        Collection::PriorityZones,
        Collection::DemandGrid,
        Collection::GapGrid,
        Collection::GapClusters,
        Collection::Buildings,
    ];

    pub fn id(self) -> &'static str {
        match self {
            Collection::Sites => "sites",
            Collection::Settlements => "settlements",
            Collection::Municipality => "municipality",
            Collection::Parishes => "parishes",
            Collection::Coverage => "coverage",
            Collection::PriorityZones => "priority_zones",
            Collection::DemandGrid => "demand_grid",
            Collection::GapGrid => "gap_grid",
            Collection::GapClusters => "gap_clusters",
            Collection::Buildings => "buildings",
        }
    }

    /// The position of the collection in [`Collection::ALL`].
    pub fn index(self) -> usize {
        self as usize
    }

    pub fn parse(id: &str) -> Option<Collection> {
        Collection::ALL.into_iter().find(|c| c.id() == id)
    }

    /// Latvian title (the default language) and English title.
    pub fn titles(self) -> (&'static str, &'static str) {
        match self {
            Collection::Sites => ("Publiskās piekļuves vietas", "Public access places"),
            Collection::Settlements => ("Apdzīvotās vietas", "Towns, villages and places"),
            Collection::Municipality => ("Jelgavas novads", "Jelgavas novads (municipality)"),
            Collection::Parishes => ("Pagasti", "Parishes"),
            Collection::Coverage => (
                "Pārklājums (pakalpojumu sniedzēju dati)",
                "Coverage reported by providers",
            ),
            Collection::PriorityZones => ("Prioritārās teritorijas", "Priority zones"),
            Collection::DemandGrid => ("Iedzīvotāji 1 km režģī", "Residents on the 1 km grid"),
            Collection::GapGrid => (
                "Digitālās plaisas 1 km režģī",
                "Coverage gaps on the 1 km grid",
            ),
            Collection::GapClusters => ("Digitālās plaisas kopas", "Gap clusters"),
            Collection::Buildings => ("Pašvaldības ēkas", "Municipal buildings"),
        }
    }

    pub fn geometry_type(self) -> &'static str {
        match self {
            Collection::Sites | Collection::Settlements | Collection::Buildings => "Point",
            _ => "MultiPolygon",
        }
    }

    /// Licence and attribution text for the collection.
    pub fn attribution(self) -> &'static str {
        match self {
            Collection::Municipality | Collection::Parishes => {
                "Parish boundaries: CSP, from VZD data (generalised 1:1.2M; approximate); see source_ref per feature"
            }
            Collection::Settlements => {
                "Places: Who's On First (CC BY), with GeoNames (CC BY) and Quattroshapes (CC BY); see source_ref per feature"
            }
            Collection::Coverage => {
                "Coverage: simulated by gapmap unless source says otherwise (not operator data)"
            }
            Collection::DemandGrid | Collection::GapGrid | Collection::GapClusters => {
                "gapmap analysis; EU 1 km statistical grid (EPSG:3035); demand simulated unless source says otherwise"
            }
            _ => "gapmap contributors; facts from the cited source_ref of each feature",
        }
    }
}

/// One published feature: a stable id, properties (with provenance and
/// licence) and a WGS84 geometry.
#[derive(Debug, Clone)]
pub struct Feature {
    pub id: String,
    pub properties: Map<String, Value>,
    pub geometry: Geometry<f64>,
}

impl Feature {
    /// The feature as a GeoJSON object (RFC 7946): rings by the right-hand
    /// rule, coordinates rounded to 1e-7° ([`crate::geometry::published`]).
    pub fn to_geojson(&self) -> Value {
        let g = crate::geometry::published(&self.geometry, gapmap_geo::crs::WGS84);
        json!({"type": "Feature", "id": self.id, "geometry": geojson::Geometry::from(&g), "properties": self.properties})
    }

    pub fn bbox(&self) -> Option<Rect<f64>> {
        self.geometry.bounding_rect()
    }
}

const GAPMAP_LICENCE: &str = "CC BY 4.0 (gapmap analysis)";

/// The features of a collection under the snapshot's default analysis,
/// each with every property of the collection's schema (`null` when
/// unknown; [`crate::schema`]).
pub fn features(snap: &Snapshot, c: Collection) -> Vec<Feature> {
    let mut features = features_with(snap, &snap.analysis, c);
    let schema = Schema::of_features(c.id(), features.iter().map(|f| &f.properties));
    for f in &mut features {
        schema.normalise(&mut f.properties);
    }
    features
}

/// The features of a collection for a given analysis (thresholds), as the
/// public sees them (exports, tiles, the feature service).
pub fn features_with(snap: &Snapshot, a: &Analysis, c: Collection) -> Vec<Feature> {
    let d = Disclosure::public(a.thresholds.disclosure_min_residents);
    features_disclosed(snap, a, c, &d)
}

/// The features of a collection for a given analysis, their counts of
/// residents published by `d` (small-count protection; exact for staff).
pub fn features_disclosed(
    snap: &Snapshot,
    a: &Analysis,
    c: Collection,
    d: &Disclosure,
) -> Vec<Feature> {
    match c {
        Collection::Sites => snap
            .sites
            .iter()
            .map(|s| point_feature(&s.id, s.properties(), s.location))
            .collect(),
        Collection::Settlements => snap
            .settlements
            .iter()
            .map(|s| point_feature(&s.id, s.properties(), s.location))
            .collect(),
        Collection::Buildings => snap
            .buildings
            .iter()
            .map(|b| point_feature(&b.id, b.properties(), b.location))
            .collect(),
        Collection::Municipality | Collection::Parishes => {
            let kind = if c == Collection::Municipality {
                AreaKind::Municipality
            } else {
                AreaKind::Parish
            };
            snap.areas
                .iter()
                .filter(|a| a.kind == kind)
                .map(|a| area_feature(&a.id, a.properties(), &a.geometry))
                .collect()
        }
        Collection::Coverage => snap
            .coverage
            .iter()
            .map(|c| area_feature(&c.id, c.properties(), &c.geometry))
            .collect(),
        Collection::PriorityZones => snap
            .zones
            .iter()
            .map(|z| area_feature(&z.id, z.properties(), &z.geometry))
            .collect(),
        Collection::DemandGrid => grid_features_disclosed(snap, a, GridContent::Residents, d),
        Collection::GapGrid => grid_features_disclosed(snap, a, GridContent::Underserved, d),
        Collection::GapClusters => a
            .clusters
            .iter()
            .map(|cl| cluster_feature(snap, cl, d))
            .collect(),
    }
}

/// A feature at a point.
pub(crate) fn point_feature(id: &str, properties: Map<String, Value>, at: Point<f64>) -> Feature {
    Feature {
        id: id.to_owned(),
        properties,
        geometry: Geometry::Point(at),
    }
}

/// A feature covering an area.
pub(crate) fn area_feature(
    id: &str,
    properties: Map<String, Value>,
    area: &MultiPolygon<f64>,
) -> Feature {
    Feature {
        id: id.to_owned(),
        properties,
        geometry: Geometry::MultiPolygon(area.clone()),
    }
}

/// A gap cluster: its counts (published by `d`), rank, cells and the
/// priority zones it lies in.
pub(crate) fn cluster_feature(snap: &Snapshot, cl: &Cluster, d: &Disclosure) -> Feature {
    let mut p = cl.aggregate.to_json(d);
    let id = format!("cluster-{}", cl.rank);
    p.insert("id".into(), json!(id));
    p.insert("rank".into(), json!(cl.rank));
    p.insert("cells".into(), json!(cl.cells.len()));
    // `;`-joined, like priority_zones: GIS formats have no list type.
    p.insert(
        "cell_ids".into(),
        json!(
            cl.cells
                .iter()
                .map(|&(n, e)| gapmap_geo::grid::cell_id(n, e))
                .collect::<Vec<_>>()
                .join(";")
        ),
    );
    let kinds: Vec<&str> = cl
        .zones
        .iter()
        .filter_map(|z| {
            snap.zones
                .iter()
                .find(|x| &x.id == z)
                .map(|x| x.zone_kind.as_str())
        })
        .collect();
    p.insert("priority_zones".into(), json!(cl.zones.join(";")));
    p.insert("in_border_zone".into(), json!(kinds.contains(&"border")));
    p.insert(
        "in_priority_parish".into(),
        json!(kinds.contains(&"parish")),
    );
    p.insert("in_priority_area".into(), json!(kinds.contains(&"area")));
    stamp(&mut p, snap, &cl.aggregate);
    Feature {
        id,
        properties: p,
        geometry: Geometry::MultiPolygon(cl.geometry.clone()),
    }
}

/// One bounding box per feature (`None`: no geometry, or not transformable).
pub type Boxes = Arc<Vec<Option<Rect<f64>>>>;

/// The features of one collection under the snapshot's default analysis,
/// with the WGS84 bounding box of each: computed once per snapshot and
/// shared by every request that reads the collection (see [`PublishCache`]).
#[derive(Debug)]
pub struct Published {
    pub collection: Collection,
    /// The version of the snapshot the features were built from.
    pub snapshot_version: String,
    /// Exactly what [`features`] returns for the snapshot and collection.
    pub features: Arc<Vec<Feature>>,
    /// Their properties, in order ([`Schema::of_features`]).
    pub schema: Schema,
    /// `bboxes[i]` is `features[i].bbox()`.
    pub bboxes: Boxes,
    /// The earliest and latest `as_of` of the features that carry a valid
    /// `YYYY-MM-DD` one.
    pub as_of_range: Option<(String, String)>,
    /// Feature id → position in `features` (the first, should ids repeat).
    by_id: HashMap<String, usize>,
    /// `features[i].to_geojson()` as JSON text, serialised on first use.
    geojson: OnceLock<Vec<String>>,
    /// The boxes in other CRSs (EPSG code → boxes), computed on first use.
    projected: Mutex<HashMap<u16, Boxes>>,
}

impl Published {
    /// Build the publication of a collection (no caching).
    pub fn build(snap: &Snapshot, c: Collection) -> Published {
        let features = features(snap, c);
        let bboxes = Arc::new(features.iter().map(Feature::bbox).collect());
        let mut by_id = HashMap::with_capacity(features.len());
        for (i, f) in features.iter().enumerate() {
            by_id.entry(f.id.clone()).or_insert(i);
        }
        let mut as_of_range: Option<(&str, &str)> = None;
        for d in features
            .iter()
            .filter_map(|f| f.properties.get("as_of").and_then(Value::as_str))
            .filter(|d| chrono::NaiveDate::parse_from_str(d, "%Y-%m-%d").is_ok())
        {
            let r = as_of_range.get_or_insert((d, d));
            r.0 = r.0.min(d);
            r.1 = r.1.max(d);
        }
        let as_of_range = as_of_range.map(|(a, b)| (a.to_owned(), b.to_owned()));
        Published {
            schema: Schema::of_features(c.id(), features.iter().map(|f| &f.properties)),
            collection: c,
            snapshot_version: snap.version.clone(),
            as_of_range,
            features: Arc::new(features),
            bboxes,
            by_id,
            projected: Mutex::new(HashMap::new()),
            geojson: OnceLock::new(),
        }
    }

    /// Each feature as GeoJSON text (`serde_json::to_string` of
    /// [`Feature::to_geojson`], WGS84 lon/lat), serialised once.
    pub fn geojson_texts(&self) -> &[String] {
        self.geojson.get_or_init(|| {
            self.features
                .iter()
                .map(|f| f.to_geojson().to_string())
                .collect()
        })
    }

    /// The bounding box of each feature's geometry transformed from WGS84
    /// to `crs` (x, y = easting/longitude first), computed on first use
    /// for each CRS: `None` where the geometry is empty or cannot be
    /// transformed (or the CRS is unknown). The same transformation as
    /// [`Transformer::transform_geometry`] on the feature, so a geometry
    /// whose box misses a region misses the region.
    pub fn bboxes_in(&self, crs: u16) -> Boxes {
        if crs == WGS84 {
            return Arc::clone(&self.bboxes);
        }
        if let Some(b) = self
            .projected
            .lock()
            .unwrap_or_else(|p| p.into_inner())
            .get(&crs)
        {
            return Arc::clone(b);
        }
        let t = Transformer::new(WGS84, crs).ok();
        let boxes: Vec<Option<Rect<f64>>> = self
            .features
            .iter()
            .map(|f| {
                let t = t.as_ref()?;
                let mut g = f.geometry.clone();
                t.transform_geometry(&mut g).ok()?;
                g.bounding_rect()
            })
            .collect();
        let boxes = Arc::new(boxes);
        Arc::clone(
            self.projected
                .lock()
                .unwrap_or_else(|p| p.into_inner())
                .entry(crs)
                .or_insert(boxes),
        )
    }

    /// The feature with this id.
    pub fn get(&self, id: &str) -> Option<&Feature> {
        self.by_id.get(id).map(|&i| &self.features[i])
    }

    pub fn len(&self) -> usize {
        self.features.len()
    }

    pub fn is_empty(&self) -> bool {
        self.features.is_empty()
    }

    /// The bounding box of all features, if any has one.
    pub fn extent(&self) -> Option<Rect<f64>> {
        self.bboxes.iter().flatten().copied().reduce(|a, b| {
            Rect::new(
                geo_types::coord! {x: a.min().x.min(b.min().x), y: a.min().y.min(b.min().y)},
                geo_types::coord! {x: a.max().x.max(b.max().x), y: a.max().y.max(b.max().y)},
            )
        })
    }
}

/// The publications of one snapshot, one slot per collection.
#[derive(Debug)]
struct CacheEntry {
    version: String,
    /// Identifies the snapshot (and tells when it is gone) without keeping
    /// its data alive.
    snap: Weak<Snapshot>,
    slots: [OnceLock<Arc<Published>>; Collection::ALL.len()],
}

/// How many snapshots' publications are kept at most (the serving one, and
/// one that requests still in flight may hold across a reload).
const CACHE_SNAPSHOTS: usize = 2;

/// Per-snapshot cache of the published collections under the default
/// analysis: each collection is built on first use, once, and served to
/// every later request for the same snapshot. An entry is keyed by the
/// snapshot's version *and* identity, so a reloaded snapshot never sees a
/// previous snapshot's features; entries of dropped snapshots are removed.
/// Publications for other thresholds are not cached here (there is no way
/// to ask for them): use [`features_with`].
#[derive(Debug, Default)]
pub struct PublishCache {
    entries: Mutex<Vec<Arc<CacheEntry>>>,
}

impl PublishCache {
    pub fn new() -> PublishCache {
        PublishCache::default()
    }

    /// The publication of a collection of this snapshot (built on first use).
    pub fn get(&self, snap: &Arc<Snapshot>, c: Collection) -> Arc<Published> {
        let entry = {
            let mut entries = self.entries.lock().unwrap_or_else(|p| p.into_inner());
            entries.retain(|e| e.snap.strong_count() > 0);
            let found = entries
                .iter()
                .find(|e| {
                    e.version == snap.version && std::ptr::eq(e.snap.as_ptr(), Arc::as_ptr(snap))
                })
                .cloned();
            match found {
                Some(e) => e,
                None => {
                    let e = Arc::new(CacheEntry {
                        version: snap.version.clone(),
                        snap: Arc::downgrade(snap),
                        slots: std::array::from_fn(|_| OnceLock::new()),
                    });
                    entries.push(Arc::clone(&e));
                    if entries.len() > CACHE_SNAPSHOTS {
                        entries.remove(0);
                    }
                    e
                }
            }
        };
        // Built outside the lock: other collections and snapshots do not
        // wait; concurrent requests for this one wait for the one build.
        Arc::clone(entry.slots[c.index()].get_or_init(|| Arc::new(Published::build(snap, c))))
    }

    /// How many snapshots have publications cached (for tests).
    pub fn snapshots(&self) -> usize {
        let mut entries = self.entries.lock().unwrap_or_else(|p| p.into_inner());
        entries.retain(|e| e.snap.strong_count() > 0);
        entries.len()
    }
}

/// Which cells a grid publication holds, and how much of each.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum GridContent {
    /// Every cell with residents: counts only (`demand_grid`).
    Residents,
    /// Every cell with the full class breakdown (`/api/v1/gaps/grid`).
    AllClasses,
    /// Cells with digitally under-served residents, full breakdown (`gap_grid`).
    Underserved,
}

/// EU 1 km grid cells as features (WGS84 squares), as the public sees them.
pub fn grid_features(snap: &Snapshot, a: &Analysis, content: GridContent) -> Vec<Feature> {
    let d = Disclosure::public(a.thresholds.disclosure_min_residents);
    grid_features_disclosed(snap, a, content, &d)
}

/// EU 1 km grid cells as features (WGS84 squares), their counts published
/// by `d`.
pub fn grid_features_disclosed(
    snap: &Snapshot,
    a: &Analysis,
    content: GridContent,
    d: &Disclosure,
) -> Vec<Feature> {
    grid_cells_features(snap, content, a.grid.par_iter(), d)
}

/// [`grid_features_disclosed`] of some of the grid's cells, in their order
/// (the tiles build only a tile's cells).
pub(crate) fn grid_cells_features<'a>(
    snap: &Snapshot,
    content: GridContent,
    cells: impl ParallelIterator<Item = &'a CellAggregate>,
    d: &Disclosure,
) -> Vec<Feature> {
    let t = Transformer::new(LAEA, WGS84).ok();
    cells
        .filter(|cell| content != GridContent::Underserved || cell.underserved())
        .map(|cell| {
            let mut g = Geometry::Polygon(gapmap_geo::grid::cell_polygon_3035(
                cell.cell.0,
                cell.cell.1,
            ));
            if let Some(t) = &t {
                let _ = t.transform_geometry(&mut g);
            }
            let aggregate = cell.aggregate();
            let agg = aggregate.to_json(d);
            let mut p = Map::new();
            p.insert("id".into(), json!(cell.id()));
            p.insert("cell_id".into(), json!(cell.id()));
            p.insert("fixed_class".into(), json!(main_fixed_class(&aggregate)));
            if content == GridContent::Residents {
                for k in ["residents", "residents_min", "residents_max", "points"] {
                    if let Some(v) = agg.get(k) {
                        p.insert(k.into(), v.clone());
                    }
                }
            } else {
                p.extend(agg);
                p.insert("underserved".into(), json!(cell.underserved()));
            }
            stamp(&mut p, snap, &aggregate);
            Feature {
                id: cell.id(),
                properties: p,
                geometry: to_multi(g),
            }
        })
        .collect()
}

/// The fixed class most of an aggregate's residents have (a tie goes to the
/// slower class), for maps that colour cells by one class; `None` with no
/// residents.
pub fn main_fixed_class(a: &gapmap_engine::analysis::Aggregate) -> Option<&'static str> {
    ["unserved", "underserved", "served", "gigabit"]
        .into_iter()
        .map(|c| (c, a.by_fixed_class.get(c).copied().unwrap_or(0)))
        .filter(|(_, n)| *n > 0)
        .fold(None, |best: Option<(&str, u64)>, (c, n)| match best {
            Some((_, m)) if m >= n => best,
            _ => Some((c, n)),
        })
        .map(|(c, _)| c)
}

/// A FeatureCollection of features (WGS84 GeoJSON).
pub fn feature_collection(features: &[Feature]) -> Value {
    json!({"type": "FeatureCollection", "features": features.iter().map(Feature::to_geojson).collect::<Vec<_>>()})
}

/// Provenance, licence and snapshot stamp of an aggregate feature.
fn stamp(p: &mut Map<String, Value>, snap: &Snapshot, a: &gapmap_engine::analysis::Aggregate) {
    p.insert("source".into(), json!(derived_source(a)));
    p.insert(
        "source_ref".into(),
        json!("gapmap analysis of the demand and coverage layers"),
    );
    p.insert(
        "as_of".into(),
        json!(snap.built_at.date_naive().to_string()),
    );
    p.insert("licence".into(), json!(GAPMAP_LICENCE));
    p.insert("snapshot_version".into(), json!(snap.version));
}

/// An aggregate is as good as its weakest input: simulated if any input
/// was simulated, else approximate if any was, else official.
fn derived_source(a: &gapmap_engine::analysis::Aggregate) -> &'static str {
    use gapmap_model::Source;
    let any = |s: Source| a.demand_sources.contains_key(&s) || a.coverage_sources.contains_key(&s);
    if any(Source::Simulated) {
        "simulated"
    } else if any(Source::Approximate) {
        "approximate"
    } else {
        "official"
    }
}

fn to_multi(g: Geometry<f64>) -> Geometry<f64> {
    match g {
        Geometry::Polygon(p) => Geometry::MultiPolygon(geo_types::MultiPolygon(vec![p])),
        other => other,
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use gapmap_engine::snapshot::DEFAULT_WORKING_CRS;
    use gapmap_ingest::{Input, Mode, Options, detect_format, run::ingest_files};
    use gapmap_model::Layer;
    use gapmap_model::thresholds::Thresholds;
    use gapmap_store::Store;
    use std::path::{Path, PathBuf};

    fn jelgava(name: &str) -> PathBuf {
        Path::new(env!("CARGO_MANIFEST_DIR"))
            .join("../../geodata/jelgava")
            .join(name)
    }

    fn ingest(store: &mut Store, path: &Path, layer: Layer) {
        let input = Input {
            path: path.to_path_buf(),
            format: detect_format(path, None).unwrap(),
        };
        let opts = Options {
            layer: Some(layer),
            ..Options::default()
        };
        let o = ingest_files(store, &[input], &opts, Mode::Upsert).unwrap();
        assert!(o.committed, "{path:?}: {:?}", o.problems);
    }

    fn snapshot(store: &Store) -> Arc<Snapshot> {
        Arc::new(Snapshot::build(store, DEFAULT_WORKING_CRS, &Thresholds::default()).unwrap())
    }

    fn geojson_of(features: &[Feature]) -> String {
        feature_collection(features).to_string()
    }

    #[test]
    fn collection_index_is_its_position() {
        for (i, c) in Collection::ALL.into_iter().enumerate() {
            assert_eq!(c.index(), i, "{c:?}");
        }
    }

    #[test]
    fn cache_builds_once_per_snapshot_and_never_serves_an_older_one() {
        let dir = tempfile::tempdir().unwrap();
        let mut store = Store::open(&dir.path().join("s.gpkg")).unwrap();
        ingest(&mut store, &jelgava("areas.geojson"), Layer::Areas);
        ingest(&mut store, &jelgava("sites.geojson"), Layer::Sites);
        let cache = PublishCache::new();

        let first = snapshot(&store);
        let a = cache.get(&first, Collection::Sites);
        let b = cache.get(&first, Collection::Sites);
        assert!(Arc::ptr_eq(&a, &b), "built once");
        assert_eq!(a.snapshot_version, first.version);
        // Exactly the uncached publication, with the boxes of its features.
        let direct = features(&first, Collection::Sites);
        assert_eq!(geojson_of(&a.features), geojson_of(&direct));
        assert_eq!(
            *a.bboxes,
            direct.iter().map(Feature::bbox).collect::<Vec<_>>()
        );
        let t = Transformer::new(WGS84, gapmap_geo::crs::LKS92).unwrap();
        let lks: Vec<Option<Rect<f64>>> = direct
            .iter()
            .map(|f| {
                let mut g = f.geometry.clone();
                t.transform_geometry(&mut g).unwrap();
                g.bounding_rect()
            })
            .collect();
        assert_eq!(*a.bboxes_in(gapmap_geo::crs::LKS92), lks);
        assert!(Arc::ptr_eq(
            &a.bboxes_in(gapmap_geo::crs::LKS92),
            &a.bboxes_in(gapmap_geo::crs::LKS92)
        ));
        let some = &direct[direct.len() / 2];
        assert_eq!(a.get(&some.id).map(|f| &f.id), Some(&some.id));
        assert!(a.get("no-such-feature").is_none());
        assert_eq!(
            format!("[{}]", a.geojson_texts().join(",")),
            serde_json::to_string(&direct.iter().map(Feature::to_geojson).collect::<Vec<_>>())
                .unwrap()
        );
        let (t0, t1) = a.as_of_range.clone().unwrap();
        assert!(t0 <= t1 && t0.len() == 10, "{t0} {t1}");
        let parishes = cache.get(&first, Collection::Parishes);
        assert_eq!(
            geojson_of(&parishes.features),
            geojson_of(&features(&first, Collection::Parishes))
        );
        let ext = parishes.extent().unwrap();
        assert!(ext.min().x < 23.5 && ext.max().x > 24.0, "{ext:?}");

        // A new store revision: a new snapshot gets its own features.
        let f = dir.path().join("new.geojson");
        std::fs::write(
            &f,
            json!({"type": "FeatureCollection", "features": [{"type": "Feature", "id": "wifi-cache-test",
                "geometry": {"type": "Point", "coordinates": [23.72, 56.55]},
                "properties": {"kind": "wifi", "name": "Testa punkts", "free_wifi": true,
                    "source": "simulated", "source_ref": "test", "as_of": "2026-11-25"}}]})
            .to_string(),
        )
        .unwrap();
        ingest(&mut store, &f, Layer::Sites);
        let second = snapshot(&store);
        assert_ne!(second.version, first.version);
        let c = cache.get(&second, Collection::Sites);
        assert!(c.get("wifi-cache-test").is_some());
        assert_eq!(c.len(), a.len() + 1);
        assert!(
            a.get("wifi-cache-test").is_none(),
            "the old one is unchanged"
        );

        // The same version built again is another snapshot: not shared.
        let again = snapshot(&store);
        assert_eq!(again.version, second.version);
        let d = cache.get(&again, Collection::Sites);
        assert!(!Arc::ptr_eq(&c, &d));
        assert_eq!(geojson_of(&c.features), geojson_of(&d.features));

        // Dropped snapshots leave the cache.
        assert!(cache.snapshots() <= CACHE_SNAPSHOTS);
        drop((first, second));
        assert_eq!(cache.snapshots(), 1);
        assert!(Arc::ptr_eq(&cache.get(&again, Collection::Sites), &d));
    }
}
