//! One collection of one snapshot ready to tile. Nothing is prepared for
//! the whole layer: a tile finds the items that may reach it (an R-tree of
//! item boxes, or for the 1 km grids the cell rows under the tile), builds
//! only their features, and clips, simplifies and encodes them. A polygon
//! simplified for a zoom is kept in the [`Simplified`] cache, so a large
//! polygon that reaches many tiles is simplified once per zoom.

use crate::geom::{clip_ring, round_ring, signed_area2, simplify_ring};
use crate::mercator::{
    BUFFER, EXTENT, lonlat_to_world, tile_window, world_to_lonlat, world_to_tile_px,
};
use crate::mvt::{LayerBuilder, MvtValue, TileGeom};
use crate::simplified::{Poly, Simplified};
use gapmap_engine::snapshot::Snapshot;
use gapmap_geo::crs::{LAEA, Transformer, WGS84};
use gapmap_publish::collections::{Collection, Feature};
use gapmap_publish::items;
use gapmap_publish::schema::Schema;
use geo_types::Geometry;
use rstar::{AABB, RTree, primitives::GeomWithData, primitives::Rectangle};
use std::sync::{Arc, OnceLock};

/// Simplification tolerance in tile units (1/4096 of a tile).
pub const TOLERANCE_PX: f64 = 1.0;

/// Properties never put in a tile: the snapshot's version changes with
/// every edit and is in the TileJSON and the ETag; left in, it would make
/// every tile of a layer new after any edit.
const NOT_IN_TILES: [&str; 1] = ["snapshot_version"];

#[derive(Debug)]
enum WorldGeom {
    Points(Vec<(f64, f64)>),
    Polygons(Vec<Poly>),
}

/// A feature in world coordinates.
#[derive(Debug)]
struct PFeature {
    item: usize,
    num_id: u64,
    props: Vec<(String, MvtValue)>,
    geom: WorldGeom,
    bbox: [f64; 4],
}

/// How a tileset finds the items that may reach a tile.
#[derive(Debug)]
enum Index {
    /// An R-tree of the items' boxes in world coordinates (padded a hair:
    /// the exact box is tested after the feature is built).
    Boxes(RTree<GeomWithData<Rectangle<[f64; 2]>, usize>>),
    /// The grid is sorted by cell: the cells under a tile are a few row
    /// ranges, found by binary search.
    Grid,
}

/// TileJSON's facts of a tileset: the bounds `[west, south, east, north]`
/// in degrees, if any feature, and the number of features.
#[derive(Debug, Clone, Copy)]
pub struct Summary {
    pub bounds: Option<[f64; 4]>,
    pub count: usize,
}

/// One tileset of one snapshot.
#[derive(Debug)]
pub struct Tileset {
    pub collection: Collection,
    snap: Arc<Snapshot>,
    index: OnceLock<Index>,
    summary: OnceLock<Summary>,
}

/// Stable numeric MVT id for a string id (FNV-1a, kept under 2^53 so
/// JavaScript clients read it exactly). The string is always in `id` too.
pub fn numeric_id(id: &str) -> u64 {
    let mut h: u64 = 0xcbf2_9ce4_8422_2325;
    for b in id.bytes() {
        h ^= u64::from(b);
        h = h.wrapping_mul(0x0100_0000_01b3);
    }
    h & ((1u64 << 53) - 1)
}

fn ring_world(r: &geo_types::LineString<f64>) -> Vec<(f64, f64)> {
    r.0.iter().map(|c| lonlat_to_world(c.x, c.y)).collect()
}

fn bbox_of(points: impl Iterator<Item = (f64, f64)>) -> [f64; 4] {
    let mut b = [
        f64::INFINITY,
        f64::INFINITY,
        f64::NEG_INFINITY,
        f64::NEG_INFINITY,
    ];
    for (x, y) in points {
        b[0] = b[0].min(x);
        b[1] = b[1].min(y);
        b[2] = b[2].max(x);
        b[3] = b[3].max(y);
    }
    b
}

fn is_grid(c: Collection) -> bool {
    matches!(c, Collection::DemandGrid | Collection::GapGrid)
}

impl Tileset {
    /// A collection of a snapshot, ready to tile (nothing is built yet).
    pub fn new(snap: Arc<Snapshot>, c: Collection) -> Tileset {
        Tileset {
            collection: c,
            snap,
            index: OnceLock::new(),
            summary: OnceLock::new(),
        }
    }

    fn index(&self) -> &Index {
        self.index.get_or_init(|| {
            if is_grid(self.collection) {
                return Index::Grid;
            }
            let boxes = items::item_boxes(&self.snap, self.collection);
            let entries = boxes
                .iter()
                .enumerate()
                .filter_map(|(i, b)| {
                    let b = (*b)?;
                    let (x0, y1) = lonlat_to_world(b.min().x, b.min().y);
                    let (x1, y0) = lonlat_to_world(b.max().x, b.max().y);
                    let e = 1e-9;
                    Some(GeomWithData::new(
                        Rectangle::from_corners([x0 - e, y0 - e], [x1 + e, y1 + e]),
                        i,
                    ))
                })
                .collect();
            Index::Boxes(RTree::bulk_load(entries))
        })
    }

    /// Bounds and feature count (for TileJSON; computed on first use).
    pub fn summary(&self) -> Summary {
        *self.summary.get_or_init(|| {
            let boxes = items::item_boxes(&self.snap, self.collection);
            let count = boxes.iter().flatten().count();
            let world = boxes.iter().flatten().map(|b| {
                let (x0, y1) = lonlat_to_world(b.min().x, b.min().y);
                let (x1, y0) = lonlat_to_world(b.max().x, b.max().y);
                [x0, y0, x1, y1]
            });
            let b = bbox_of(world.flat_map(|b| [(b[0], b[1]), (b[2], b[3])]));
            let bounds = (count > 0).then(|| {
                let (w, n) = world_to_lonlat(b[0], b[1]);
                let (e, s) = world_to_lonlat(b[2], b[3]);
                [w, s, e, n]
            });
            Summary { bounds, count }
        })
    }

    pub fn len(&self) -> usize {
        self.summary().count
    }

    pub fn is_empty(&self) -> bool {
        self.len() == 0
    }

    /// Property name → TileJSON type (String, Number, Boolean), from the
    /// collection's schema: every property a feature of the layer may carry.
    pub fn fields(&self) -> Vec<(String, &'static str)> {
        let s = Schema::declared(self.collection.id());
        s.properties
            .iter()
            .filter(|p| !NOT_IN_TILES.contains(&p.name.as_str()))
            .map(|p| (p.name.clone(), p.ty.tile_type()))
            .collect()
    }

    /// The items of this tileset that may reach the world window `w`,
    /// ascending, each giving a feature.
    fn candidates(&self, w: [f64; 4]) -> Vec<usize> {
        let mut hits: Vec<usize> = match self.index() {
            Index::Boxes(tree) => tree
                .locate_in_envelope_intersecting(&AABB::from_corners([w[0], w[1]], [w[2], w[3]]))
                .map(|g| g.data)
                .collect(),
            Index::Grid => grid_cells_under(&self.snap, w),
        };
        hits.sort_unstable();
        hits.retain(|&i| items::has_item(&self.snap, self.collection, i));
        hits
    }

    /// Add the features of tile z/x/y to a layer; the number added.
    pub fn fill_layer(
        &self,
        layer: &mut LayerBuilder,
        (z, x, y): (u8, u32, u32),
        simplified: &Simplified,
    ) -> usize {
        let w = tile_window(z, x, y, BUFFER);
        let hits = self.candidates(w);
        if hits.is_empty() {
            return 0;
        }
        let features = items::features_of(&self.snap, self.collection, &hits);
        let (lo, hi) = (-BUFFER, f64::from(EXTENT) + BUFFER);
        let mut added = 0;
        for (item, f) in hits.into_iter().zip(features) {
            let Some(p) = PFeature::of(item, &f) else {
                continue;
            };
            let b = p.bbox;
            if b[2] < w[0] || b[0] > w[2] || b[3] < w[1] || b[1] > w[3] {
                continue;
            }
            let geom = match &p.geom {
                WorldGeom::Points(pts) => points_in_tile(pts, (z, x, y), lo, hi),
                WorldGeom::Polygons(polys) => {
                    let s = simplified
                        .get_or_make((self.collection, p.item, z), || simplify_all(polys, z));
                    let out = polygons_in_tile(&s, (z, x, y), lo, hi);
                    if out.is_empty() {
                        p.unit_square((z, x, y))
                    } else {
                        Some(TileGeom::Polygons(out))
                    }
                }
            };
            let Some(geom) = geom else {
                continue;
            };
            let props: Vec<(&str, MvtValue)> = p
                .props
                .iter()
                .map(|(k, v)| (k.as_str(), v.clone()))
                .collect();
            layer.add(p.num_id, &props, &geom);
            added += 1;
        }
        added
    }
}

/// The polygons simplified for zoom `z` (tolerance: [`TOLERANCE_PX`]).
fn simplify_all(polys: &[Poly], z: u8) -> Vec<Poly> {
    let tol = TOLERANCE_PX / f64::from(EXTENT) / f64::from(1u32 << z);
    polys
        .iter()
        .map(|p| p.iter().map(|r| simplify_ring(r, tol)).collect::<Poly>())
        .collect()
}

/// The indices of the grid cells whose square may reach the world window
/// `w`: the cells of the window's box in EPSG:3035 (its edges sampled, with
/// a margin of two cells), row by row; every cell when the window is too
/// large to bound that way (z < 5).
fn grid_cells_under(snap: &Snapshot, w: [f64; 4]) -> Vec<usize> {
    let grid = &snap.analysis.grid;
    let (west, north) = world_to_lonlat(w[0], w[1]);
    let (east, south) = world_to_lonlat(w[2], w[3]);
    let Some([x0, y0, x1, y1]) = laea_box(west, south, east, north) else {
        return (0..grid.len()).collect();
    };
    let cell = |v: f64| (v / 1000.0).floor() as i64;
    let (n0, n1, e0, e1) = (cell(y0) - 2, cell(y1) + 2, cell(x0) - 2, cell(x1) + 2);
    let mut out = Vec::new();
    for n in n0..=n1 {
        let start = grid.partition_point(|c| c.cell < (n, e0));
        out.extend(
            grid[start..]
                .iter()
                .take_while(|c| c.cell.0 == n && c.cell.1 <= e1)
                .enumerate()
                .map(|(k, _)| start + k),
        );
    }
    out
}

/// The box in EPSG:3035 metres of a lon/lat box, from 33 points along each
/// edge; `None` for a box wider than 30° either way (low zooms).
fn laea_box(west: f64, south: f64, east: f64, north: f64) -> Option<[f64; 4]> {
    if east - west > 30.0 || north - south > 30.0 {
        return None;
    }
    let t = Transformer::for_analysis(WGS84, LAEA).ok()?;
    let mut b = [
        f64::INFINITY,
        f64::INFINITY,
        f64::NEG_INFINITY,
        f64::NEG_INFINITY,
    ];
    for k in 0..=32 {
        let f = f64::from(k) / 32.0;
        let (lon, lat) = (west + (east - west) * f, south + (north - south) * f);
        for (px, py) in [(lon, south), (lon, north), (west, lat), (east, lat)] {
            let (x, y) = t.convert(px, py).ok()?;
            b = [b[0].min(x), b[1].min(y), b[2].max(x), b[3].max(y)];
        }
    }
    Some(b)
}

impl WorldGeom {
    /// Points and polygons in world coordinates (other geometry is not
    /// tiled).
    fn of(g: &Geometry<f64>) -> Option<WorldGeom> {
        Some(match g {
            Geometry::Point(p) => WorldGeom::Points(vec![lonlat_to_world(p.x(), p.y())]),
            Geometry::MultiPoint(mp) => {
                WorldGeom::Points(mp.0.iter().map(|p| lonlat_to_world(p.x(), p.y())).collect())
            }
            Geometry::Polygon(p) => WorldGeom::Polygons(vec![poly_world(p)]),
            Geometry::MultiPolygon(mp) => {
                WorldGeom::Polygons(mp.0.iter().map(poly_world).collect())
            }
            _ => return None,
        })
    }

    /// The box of the points, or of the polygons' exteriors (infinite when
    /// empty).
    fn bbox(&self) -> [f64; 4] {
        match self {
            WorldGeom::Points(p) => bbox_of(p.iter().copied()),
            WorldGeom::Polygons(ps) => {
                bbox_of(ps.iter().filter_map(|p| p.first()).flatten().copied())
            }
        }
    }
}

/// The tile properties of a feature: its id, then every property with an
/// MVT value (no null; not [`NOT_IN_TILES`]).
fn tile_properties(f: &Feature) -> Vec<(String, MvtValue)> {
    let mut props: Vec<(String, MvtValue)> = vec![("id".into(), MvtValue::String(f.id.clone()))];
    for (k, v) in &f.properties {
        if k == "id" || NOT_IN_TILES.contains(&k.as_str()) {
            continue;
        }
        if let Some(mv) = MvtValue::from_json(v) {
            props.push((k.clone(), mv));
        }
    }
    props
}

/// The points within `lo..=hi` tile units of tile z/x/y, rounded (`None`
/// when none is).
fn points_in_tile(
    pts: &[(f64, f64)],
    (z, x, y): (u8, u32, u32),
    lo: f64,
    hi: f64,
) -> Option<TileGeom> {
    let p: Vec<(i64, i64)> = pts
        .iter()
        .map(|&(wx, wy)| world_to_tile_px(wx, wy, z, x, y))
        .filter(|&(px, py)| px >= lo && px <= hi && py >= lo && py <= hi)
        .map(|(px, py)| (px.round() as i64, py.round() as i64))
        .collect();
    (!p.is_empty()).then_some(TileGeom::Points(p))
}

impl PFeature {
    /// A published feature in world coordinates (`None`: geometry that is
    /// not tiled, or empty).
    fn of(item: usize, f: &Feature) -> Option<PFeature> {
        let geom = WorldGeom::of(&f.geometry)?;
        let bbox = geom.bbox();
        if !bbox[0].is_finite() {
            return None;
        }
        Some(PFeature {
            item,
            num_id: numeric_id(&f.id),
            props: tile_properties(f),
            geom,
            bbox,
        })
    }

    /// Never drop a polygon that reaches into tile z/x/y only because it is
    /// smaller than a tile unit there: one unit square at its centre, when
    /// that is in the tile.
    fn unit_square(&self, (z, x, y): (u8, u32, u32)) -> Option<TileGeom> {
        let f = self;
        let (cx, cy) = world_to_tile_px(
            (f.bbox[0] + f.bbox[2]) / 2.0,
            (f.bbox[1] + f.bbox[3]) / 2.0,
            z,
            x,
            y,
        );
        let (bx0, by0) = world_to_tile_px(f.bbox[0], f.bbox[1], z, x, y);
        let (bx1, by1) = world_to_tile_px(f.bbox[2], f.bbox[3], z, x, y);
        let tiny = (bx1 - bx0) < 2.0 || (by1 - by0) < 2.0;
        if tiny && cx >= 0.0 && cx < f64::from(EXTENT) && cy >= 0.0 && cy < f64::from(EXTENT) {
            let (px, py) = (cx.floor() as i64, cy.floor() as i64);
            Some(TileGeom::Polygons(vec![vec![vec![
                (px, py),
                (px + 1, py),
                (px + 1, py + 1),
                (px, py + 1),
            ]]]))
        } else {
            None
        }
    }
}

fn poly_world(p: &geo_types::Polygon<f64>) -> Poly {
    let mut rings = vec![ring_world(p.exterior())];
    rings.extend(p.interiors().iter().map(ring_world));
    rings
}

/// Clip, round and orient the polygons for one tile.
fn polygons_in_tile(
    polys: &[Poly],
    (z, x, y): (u8, u32, u32),
    lo: f64,
    hi: f64,
) -> Vec<Vec<Vec<(i64, i64)>>> {
    let mut out = Vec::new();
    for p in polys {
        let mut rings = Vec::new();
        for (ri, r) in p.iter().enumerate() {
            let px: Vec<(f64, f64)> = r
                .iter()
                .map(|&(wx, wy)| world_to_tile_px(wx, wy, z, x, y))
                .collect();
            let b = bbox_of(px.iter().copied());
            if b[2] < lo || b[0] > hi || b[3] < lo || b[1] > hi {
                if ri == 0 {
                    break;
                }
                continue;
            }
            let clipped = if b[0] >= lo && b[2] <= hi && b[1] >= lo && b[3] <= hi {
                px
            } else {
                clip_ring(&px, lo, hi)
            };
            let mut ring = round_ring(&clipped);
            if ring.len() < 3 {
                if ri == 0 {
                    break;
                }
                continue;
            }
            let a = signed_area2(&ring);
            if a == 0 {
                if ri == 0 {
                    break;
                }
                continue;
            }
            // exterior positive (clockwise on screen), holes negative
            if (ri == 0) != (a > 0) {
                ring.reverse();
            }
            rings.push(ring);
        }
        if !rings.is_empty() {
            out.push(rings);
        }
    }
    out
}
