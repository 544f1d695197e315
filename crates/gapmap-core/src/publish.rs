//! The published collections (OGC API ids, tileset names, export names —
//! ARCHITECTURE.md, "Interfaces"): `sites`, `municipality`, `parishes`,
//! `coverage`, `priority_zones`, `demand_grid`, `gap_grid`, `gap_clusters`.
//! One place builds their features from a snapshot, so the feature service,
//! the tiles and the exports publish the same ids and properties.
//!
//! Demand is never published point by point: `demand_grid` aggregates it to
//! EU 1 km cells, and cells under the disclosure threshold publish a range.

use crate::analysis::Analysis;
use crate::crs::{LAEA, Transformer, WGS84};
use crate::model::AreaKind;
use crate::snapshot::Snapshot;
use geo::BoundingRect;
use geo_types::{Geometry, Rect};
use serde_json::{Map, Value, json};

/// A published collection.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, PartialOrd, Ord)]
pub enum Collection {
    Sites,
    Municipality,
    Parishes,
    Coverage,
    PriorityZones,
    DemandGrid,
    GapGrid,
    GapClusters,
}

impl Collection {
    pub const ALL: [Collection; 8] = [
        Collection::Sites,
        Collection::Municipality,
        Collection::Parishes,
        Collection::Coverage,
        Collection::PriorityZones,
        Collection::DemandGrid,
        Collection::GapGrid,
        Collection::GapClusters,
    ];

    pub fn id(self) -> &'static str {
        match self {
            Collection::Sites => "sites",
            Collection::Municipality => "municipality",
            Collection::Parishes => "parishes",
            Collection::Coverage => "coverage",
            Collection::PriorityZones => "priority_zones",
            Collection::DemandGrid => "demand_grid",
            Collection::GapGrid => "gap_grid",
            Collection::GapClusters => "gap_clusters",
        }
    }

    pub fn parse(id: &str) -> Option<Collection> {
        Collection::ALL.into_iter().find(|c| c.id() == id)
    }

    /// Latvian title (the default language) and English title.
    pub fn titles(self) -> (&'static str, &'static str) {
        match self {
            Collection::Sites => ("Publiskās piekļuves vietas", "Public access places"),
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
        }
    }

    pub fn geometry_type(self) -> &'static str {
        match self {
            Collection::Sites => "Point",
            _ => "MultiPolygon",
        }
    }

    /// Licence and attribution text for the collection.
    pub fn attribution(self) -> &'static str {
        match self {
            Collection::Municipality | Collection::Parishes => {
                "Outline: Natural Earth (public domain); parishes approximate (gapmap); see source_ref per feature"
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
    /// The feature as a GeoJSON object (RFC 7946).
    pub fn to_geojson(&self) -> Value {
        json!({"type": "Feature", "id": self.id, "geometry": geojson::Geometry::from(&self.geometry), "properties": self.properties})
    }

    pub fn bbox(&self) -> Option<Rect<f64>> {
        self.geometry.bounding_rect()
    }
}

const GAPMAP_LICENCE: &str = "CC BY 4.0 (gapmap analysis)";

/// The features of a collection under the snapshot's default analysis.
pub fn features(snap: &Snapshot, c: Collection) -> Vec<Feature> {
    features_with(snap, &snap.analysis, c)
}

/// The features of a collection for a given analysis (thresholds).
pub fn features_with(snap: &Snapshot, a: &Analysis, c: Collection) -> Vec<Feature> {
    let min = a.thresholds.disclosure_min_residents;
    match c {
        Collection::Sites => snap
            .sites
            .iter()
            .map(|s| Feature {
                id: s.id.clone(),
                properties: s.properties(),
                geometry: Geometry::Point(s.location),
            })
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
                .map(|a| Feature {
                    id: a.id.clone(),
                    properties: a.properties(),
                    geometry: Geometry::MultiPolygon(a.geometry.clone()),
                })
                .collect()
        }
        Collection::Coverage => snap
            .coverage
            .iter()
            .map(|c| Feature {
                id: c.id.clone(),
                properties: c.properties(),
                geometry: Geometry::MultiPolygon(c.geometry.clone()),
            })
            .collect(),
        Collection::PriorityZones => snap
            .zones
            .iter()
            .map(|z| Feature {
                id: z.id.clone(),
                properties: z.properties(),
                geometry: Geometry::MultiPolygon(z.geometry.clone()),
            })
            .collect(),
        Collection::DemandGrid => grid_features(snap, a, GridContent::Residents),
        Collection::GapGrid => grid_features(snap, a, GridContent::Underserved),
        Collection::GapClusters => a
            .clusters
            .iter()
            .map(|cl| {
                let mut p = cl.aggregate.to_json(min);
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
                            .map(|&(n, e)| crate::grid::cell_id(n, e))
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
            })
            .collect(),
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

/// EU 1 km grid cells as features (WGS84 squares), with disclosure control.
pub fn grid_features(snap: &Snapshot, a: &Analysis, content: GridContent) -> Vec<Feature> {
    let min = a.thresholds.disclosure_min_residents;
    let t = Transformer::new(LAEA, WGS84).ok();
    a.grid
        .iter()
        .filter(|cell| content != GridContent::Underserved || cell.underserved())
        .map(|cell| {
            let mut g = Geometry::Polygon(crate::grid::cell_polygon_3035(cell.cell.0, cell.cell.1));
            if let Some(t) = &t {
                let _ = t.transform_geometry(&mut g);
            }
            let aggregate = cell.aggregate();
            let agg = aggregate.to_json(min);
            let mut p = Map::new();
            p.insert("id".into(), json!(cell.id()));
            p.insert("cell_id".into(), json!(cell.id()));
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

/// A FeatureCollection of features (WGS84 GeoJSON).
pub fn feature_collection(features: &[Feature]) -> Value {
    json!({"type": "FeatureCollection", "features": features.iter().map(Feature::to_geojson).collect::<Vec<_>>()})
}

/// Provenance, licence and snapshot stamp of an aggregate feature.
fn stamp(p: &mut Map<String, Value>, snap: &Snapshot, a: &crate::analysis::Aggregate) {
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
fn derived_source(a: &crate::analysis::Aggregate) -> &'static str {
    use crate::model::Source;
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
