//! The published collections one source item at a time, for readers that
//! need only some features (a tile needs the few that reach it).
//!
//! A collection's features are made from one vector of the snapshot, its
//! *items*: the sites, the settlements, the buildings, the areas (municipality and
//! parishes), the coverage areas, the priority zones, the cells of the
//! analysis grid (`demand_grid`, `gap_grid`) or the gap clusters. Item `i`
//! gives at most one feature, and [`features_of`] gives exactly the
//! features [`collections::features_with`] gives for the default analysis,
//! properties as published there (without the `null` keys `features` adds),
//! for the items asked for, in their order.

use crate::collections::{
    Collection, Feature, GridContent, area_feature, cluster_feature, grid_cells_features,
    point_feature,
};
use gapmap_engine::snapshot::Snapshot;
use gapmap_model::AreaKind;
use gapmap_model::disclosure::Disclosure;
use geo::BoundingRect;
use geo_types::Rect;
use rayon::prelude::*;

/// The number of items `c` is made from.
pub fn item_count(snap: &Snapshot, c: Collection) -> usize {
    match c {
        Collection::Sites => snap.sites.len(),
        Collection::Settlements => snap.settlements.len(),
        Collection::Buildings => snap.buildings.len(),
        Collection::Municipality | Collection::Parishes => snap.areas.len(),
        Collection::Coverage => snap.coverage.len(),
        Collection::PriorityZones => snap.zones.len(),
        Collection::DemandGrid | Collection::GapGrid => snap.analysis.grid.len(),
        Collection::GapClusters => snap.analysis.clusters.len(),
    }
}

/// Whether item `i` gives a feature of `c`.
pub fn has_item(snap: &Snapshot, c: Collection, i: usize) -> bool {
    match c {
        Collection::Municipality => snap.areas[i].kind == AreaKind::Municipality,
        Collection::Parishes => snap.areas[i].kind == AreaKind::Parish,
        Collection::GapGrid => snap.analysis.grid[i].underserved(),
        _ => i < item_count(snap, c),
    }
}

/// The WGS84 bounding box of every item of `c` that gives a feature
/// (`None` for the others), without building the features; for the grid
/// collections, the box of the cell's square as published.
pub fn item_boxes(snap: &Snapshot, c: Collection) -> Vec<Option<Rect<f64>>> {
    let point = |p: geo_types::Point<f64>| Some(Rect::new(p.0, p.0));
    match c {
        Collection::Sites => snap.sites.iter().map(|s| point(s.location)).collect(),
        Collection::Settlements => snap.settlements.iter().map(|s| point(s.location)).collect(),
        Collection::Buildings => snap.buildings.iter().map(|b| point(b.location)).collect(),
        Collection::Municipality | Collection::Parishes => (0..snap.areas.len())
            .map(|i| {
                has_item(snap, c, i)
                    .then(|| snap.areas[i].geometry.bounding_rect())
                    .flatten()
            })
            .collect(),
        Collection::Coverage => snap
            .coverage
            .par_iter()
            .map(|a| a.geometry.bounding_rect())
            .collect(),
        Collection::PriorityZones => snap
            .zones
            .iter()
            .map(|z| z.geometry.bounding_rect())
            .collect(),
        Collection::GapClusters => snap
            .analysis
            .clusters
            .iter()
            .map(|cl| cl.geometry.bounding_rect())
            .collect(),
        Collection::DemandGrid | Collection::GapGrid => {
            let all: Vec<usize> = (0..snap.analysis.grid.len()).collect();
            let mut out = vec![None; all.len()];
            // Only the squares are read here: no count is published.
            let exact = Disclosure::exact();
            let cells = grid_cells_features(
                snap,
                GridContent::Residents,
                all.par_iter().map(|&i| &snap.analysis.grid[i]),
                &exact,
            );
            for (i, f) in cells.iter().enumerate() {
                if has_item(snap, c, i) {
                    out[i] = f.geometry.bounding_rect();
                }
            }
            out
        }
    }
}

/// The features of items `items` (each an index below [`item_count`]) that
/// give one, in the order of `items`.
pub fn features_of(snap: &Snapshot, c: Collection, items: &[usize]) -> Vec<Feature> {
    let a = &snap.analysis;
    let d = Disclosure::public(a.thresholds.disclosure_min_residents);
    let mine = items.iter().copied().filter(|&i| has_item(snap, c, i));
    match c {
        Collection::Sites => mine
            .map(|i| {
                let s = &snap.sites[i];
                point_feature(&s.id, s.properties(), s.location)
            })
            .collect(),
        Collection::Settlements => mine
            .map(|i| {
                let s = &snap.settlements[i];
                point_feature(&s.id, s.properties(), s.location)
            })
            .collect(),
        Collection::Buildings => mine
            .map(|i| {
                let b = &snap.buildings[i];
                point_feature(&b.id, b.properties(), b.location)
            })
            .collect(),
        Collection::Municipality | Collection::Parishes => mine
            .map(|i| {
                let x = &snap.areas[i];
                area_feature(&x.id, x.properties(), &x.geometry)
            })
            .collect(),
        Collection::Coverage => mine
            .map(|i| {
                let x = &snap.coverage[i];
                area_feature(&x.id, x.properties(), &x.geometry)
            })
            .collect(),
        Collection::PriorityZones => mine
            .map(|i| {
                let x = &snap.zones[i];
                area_feature(&x.id, x.properties(), &x.geometry)
            })
            .collect(),
        Collection::DemandGrid | Collection::GapGrid => {
            let content = if c == Collection::GapGrid {
                GridContent::Underserved
            } else {
                GridContent::Residents
            };
            let cells: Vec<usize> = mine.collect();
            grid_cells_features(snap, content, cells.par_iter().map(|&i| &a.grid[i]), &d)
        }
        Collection::GapClusters => mine
            .map(|i| cluster_feature(snap, &a.clusters[i], &d))
            .collect(),
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
    use std::path::Path;

    /// Item by item, in any selection, the features are those of the
    /// whole collection.
    #[test]
    fn items_give_the_collections_features() {
        let dir = tempfile::tempdir().unwrap();
        let mut store = Store::open(&dir.path().join("s.gpkg")).unwrap();
        let jelgava = Path::new(env!("CARGO_MANIFEST_DIR")).join("../../geodata/jelgava");
        for (file, layer) in [
            ("areas.geojson", Layer::Areas),
            ("priority_zones.geojson", Layer::PriorityZones),
            ("sites.geojson", Layer::Sites),
            ("coverage.geojson", Layer::Coverage),
            ("demand.csv", Layer::Demand),
        ] {
            let path = jelgava.join(file);
            let input = Input {
                format: detect_format(&path, None).unwrap(),
                path,
            };
            let opts = Options {
                layer: Some(layer),
                ..Options::default()
            };
            assert!(
                ingest_files(&mut store, &[input], &opts, Mode::Replace)
                    .unwrap()
                    .committed
            );
        }
        let snap = Snapshot::build(&store, DEFAULT_WORKING_CRS, &Thresholds::default()).unwrap();
        for c in Collection::ALL {
            let whole = crate::collections::features_with(&snap, &snap.analysis, c);
            let all: Vec<usize> = (0..item_count(&snap, c)).collect();
            let one_by_one: Vec<Feature> = all
                .iter()
                .flat_map(|&i| features_of(&snap, c, &[i]))
                .collect();
            let text = |f: &[Feature]| {
                serde_json::to_string(&f.iter().map(Feature::to_geojson).collect::<Vec<_>>())
                    .unwrap()
            };
            assert_eq!(text(&one_by_one), text(&whole), "{c:?}");
            let boxes = item_boxes(&snap, c);
            let with_box: Vec<Option<Rect<f64>>> =
                boxes.iter().copied().filter(Option::is_some).collect();
            assert_eq!(with_box.len(), whole.len(), "{c:?}");
            for (b, f) in with_box.iter().zip(&whole) {
                assert_eq!(*b, f.bbox(), "{c:?} {}", f.id);
            }
        }
    }
}
