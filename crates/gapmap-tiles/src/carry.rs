//! Which cached tiles of a tileset still hold for a new snapshot: after an
//! edit only the tiles the change reaches are cut again.
//!
//! A tile of a tileset is a function of the features that reach it, and a
//! feature of its source item (tile features carry no snapshot version).
//! So a tileset whose items are the very same (a layer the edit did not
//! touch: shared between the snapshots) keeps every tile; the sites and the
//! 1 km grids are compared item by item, and only the tiles that reach a
//! changed item (where it was or where it is) are dropped; anything else
//! that changed drops the tileset's tiles.

use crate::mercator::lonlat_to_world;
use gapmap_engine::analysis::aggregate::CellAggregate;
use gapmap_engine::snapshot::Snapshot;
use gapmap_geo::crs::{LAEA, Transformer, WGS84};
use gapmap_model::Site;
use gapmap_publish::collections::Collection;
use geo::BoundingRect;
use geo_types::Geometry;
use std::collections::HashMap;
use std::sync::Arc;

/// More changed items than this and every tile of the tileset goes.
const MAX_CHANGES: usize = 10_000;

/// What of a tileset's cached tiles holds for the new snapshot.
#[derive(Debug, Clone, PartialEq)]
pub(crate) enum Carry {
    /// Every tile.
    All,
    /// Every tile but those reaching these world boxes `[x0, y0, x1, y1]`.
    Except(Vec<[f64; 4]>),
    /// None.
    Nothing,
}

/// What of collection `c`'s tiles for `old` holds for `new`.
pub(crate) fn carry(old: &Snapshot, new: &Snapshot, c: Collection) -> Carry {
    let same_day = old.built_at.date_naive() == new.built_at.date_naive();
    match c {
        Collection::Sites => sites(&old.sites, &new.sites),
        Collection::Settlements => same(Arc::ptr_eq(&old.settlements, &new.settlements)),
        Collection::Buildings => same(Arc::ptr_eq(&old.buildings, &new.buildings)),
        Collection::Municipality | Collection::Parishes => {
            same(Arc::ptr_eq(&old.areas, &new.areas))
        }
        Collection::Coverage => same(Arc::ptr_eq(&old.coverage, &new.coverage)),
        Collection::PriorityZones => same(Arc::ptr_eq(&old.zones, &new.zones)),
        // Their features are dated by the snapshot's day.
        Collection::DemandGrid | Collection::GapGrid if same_day => {
            grid(&old.analysis.grid, &new.analysis.grid)
        }
        Collection::GapClusters if same_day => {
            let (a, b) = (&old.analysis.clusters, &new.analysis.clusters);
            same(
                a.len() == b.len()
                    && a.iter().zip(b).all(|(x, y)| {
                        (x.rank, &x.cells, &x.aggregate, &x.geometry, &x.zones)
                            == (y.rank, &y.cells, &y.aggregate, &y.geometry, &y.zones)
                    }),
            )
        }
        _ => Carry::Nothing,
    }
}

fn same(unchanged: bool) -> Carry {
    if unchanged {
        Carry::All
    } else {
        Carry::Nothing
    }
}

/// The sites that were added, removed, moved or changed.
fn sites(old: &Arc<Vec<Site>>, new: &Arc<Vec<Site>>) -> Carry {
    if Arc::ptr_eq(old, new) {
        return Carry::All;
    }
    let before: HashMap<&str, &Site> = old.iter().map(|s| (s.id.as_str(), s)).collect();
    let after: HashMap<&str, &Site> = new.iter().map(|s| (s.id.as_str(), s)).collect();
    let mut boxes = Vec::new();
    let mut mark = |s: &Site| {
        let (x, y) = lonlat_to_world(s.location.x(), s.location.y());
        boxes.push([x, y, x, y]);
    };
    for s in old.iter() {
        if after.get(s.id.as_str()) != Some(&s) {
            mark(s);
        }
    }
    for s in new.iter() {
        if before.get(s.id.as_str()) != Some(&s) {
            mark(s);
        }
    }
    except(boxes)
}

/// The 1 km cells that appeared, went, or whose counts changed (both lists
/// are sorted by cell).
fn grid(old: &[CellAggregate], new: &[CellAggregate]) -> Carry {
    if old == new {
        return Carry::All;
    }
    let (mut i, mut j) = (0, 0);
    let mut changed = Vec::new();
    while i < old.len() || j < new.len() {
        match (old.get(i), new.get(j)) {
            (Some(a), Some(b)) if a.cell == b.cell => {
                if a != b {
                    changed.push(a.cell);
                }
                i += 1;
                j += 1;
            }
            (Some(a), Some(b)) if a.cell < b.cell => {
                changed.push(a.cell);
                i += 1;
            }
            (Some(_), Some(b)) => {
                changed.push(b.cell);
                j += 1;
            }
            (Some(a), None) => {
                changed.push(a.cell);
                i += 1;
            }
            (None, Some(b)) => {
                changed.push(b.cell);
                j += 1;
            }
            (None, None) => break,
        }
        if changed.len() > MAX_CHANGES {
            return Carry::Nothing;
        }
    }
    let Ok(t) = Transformer::new(LAEA, WGS84) else {
        return Carry::Nothing;
    };
    let boxes = changed
        .iter()
        .filter_map(|&(n, e)| {
            let mut g = Geometry::Polygon(gapmap_geo::grid::cell_polygon_3035(n, e));
            t.transform_geometry(&mut g).ok()?;
            let r = g.bounding_rect()?;
            let (x0, y1) = lonlat_to_world(r.min().x, r.min().y);
            let (x1, y0) = lonlat_to_world(r.max().x, r.max().y);
            Some([x0, y0, x1, y1])
        })
        .collect();
    except(boxes)
}

fn except(boxes: Vec<[f64; 4]>) -> Carry {
    match boxes.len() {
        0 => Carry::All,
        n if n > MAX_CHANGES => Carry::Nothing,
        _ => Carry::Except(boxes),
    }
}

impl Carry {
    /// Whether the tile with world window `w` (buffer included) holds.
    pub(crate) fn keeps(&self, w: [f64; 4]) -> bool {
        match self {
            Carry::All => true,
            Carry::Nothing => false,
            Carry::Except(boxes) => !boxes
                .iter()
                .any(|b| b[0] <= w[2] && w[0] <= b[2] && b[1] <= w[3] && w[1] <= b[3]),
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::mercator::{BUFFER, lonlat_to_tile, tile_window};

    /// After a change at one place, the tiles that reach it go (at every
    /// zoom, buffer included) and the others stay.
    #[test]
    fn only_the_tiles_reaching_a_change_go() {
        let (lon, lat) = (23.7, 56.65);
        let (x, y) = lonlat_to_world(lon, lat);
        let c = except(vec![[x, y, x, y]]);
        for z in [0u8, 6, 8, 12, 14] {
            let (tx, ty) = lonlat_to_tile(lon, lat, z);
            assert!(
                !c.keeps(tile_window(z, tx, ty, BUFFER)),
                "z{z} tile of the change is kept"
            );
        }
        let (tx, ty) = lonlat_to_tile(lon, lat, 10);
        assert!(
            c.keeps(tile_window(10, tx + 3, ty, BUFFER)),
            "a tile far off is dropped"
        );
        assert_eq!(except(Vec::new()), Carry::All);
        assert_eq!(except(vec![[0.0; 4]; MAX_CHANGES + 1]), Carry::Nothing);
        assert!(Carry::All.keeps([0.0, 0.0, 1.0, 1.0]));
        assert!(!Carry::Nothing.keeps([0.0, 0.0, 1.0, 1.0]));
    }
}
