//! One collection of one snapshot ready to tile: features in world
//! coordinates with an R-tree of their boxes; a tile is clipped, simplified
//! for its zoom and encoded on request.

use crate::geom::{clip_ring, round_ring, signed_area2, simplify_ring};
use crate::mercator::{BUFFER, EXTENT, MAX_ZOOM, lonlat_to_world, tile_window, world_to_tile_px};
use crate::mvt::{LayerBuilder, MvtValue, TileGeom};
use gapmap_engine::snapshot::Snapshot;
use gapmap_publish::collections::{self, Collection};
use geo_types::Geometry;
use rstar::{AABB, RTree, primitives::GeomWithData};
use std::sync::OnceLock;

/// Simplification tolerance in tile units (1/4096 of a tile).
pub const TOLERANCE_PX: f64 = 1.0;

type Poly = Vec<Vec<(f64, f64)>>;

#[derive(Debug)]
enum WorldGeom {
    Points(Vec<(f64, f64)>),
    Polygons(Vec<Poly>),
}

#[derive(Debug)]
struct PFeature {
    id: String,
    num_id: u64,
    props: Vec<(String, MvtValue)>,
    geom: WorldGeom,
    bbox: [f64; 4],
}

/// One tileset of one snapshot.
#[derive(Debug)]
pub struct Tileset {
    pub collection: Collection,
    features: Vec<PFeature>,
    tree: RTree<GeomWithData<rstar::primitives::Rectangle<[f64; 2]>, usize>>,
    /// Simplified polygon geometry per zoom (index = z), built on first use.
    simplified: Vec<OnceLock<Vec<Option<Vec<Poly>>>>>,
    /// `[west, south, east, north]` in degrees, if any feature.
    pub bounds: Option<[f64; 4]>,
    /// Property name → TileJSON field type.
    pub fields: Vec<(String, &'static str)>,
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

impl Tileset {
    /// Prepare a collection of a snapshot.
    pub fn build(snap: &Snapshot, c: Collection) -> Tileset {
        let mut fields: Vec<(String, &'static str)> = Vec::new();
        let mut features = Vec::new();
        for f in collections::features(snap, c) {
            let Some(geom) = WorldGeom::of(&f.geometry) else {
                continue;
            };
            let bbox = geom.bbox();
            if !bbox[0].is_finite() {
                continue;
            }
            let props = tile_properties(&f, &mut fields);
            features.push(PFeature {
                num_id: numeric_id(&f.id),
                id: f.id,
                props,
                geom,
                bbox,
            });
        }
        if !features.is_empty() {
            fields.insert(0, ("id".into(), "String"));
        }
        let tree = RTree::bulk_load(
            features
                .iter()
                .enumerate()
                .map(|(i, f)| {
                    GeomWithData::new(
                        rstar::primitives::Rectangle::from_corners(
                            [f.bbox[0], f.bbox[1]],
                            [f.bbox[2], f.bbox[3]],
                        ),
                        i,
                    )
                })
                .collect(),
        );
        Tileset {
            collection: c,
            bounds: bounds_of(&features),
            features,
            tree,
            simplified: (0..=MAX_ZOOM).map(|_| OnceLock::new()).collect(),
            fields,
        }
    }

    pub fn len(&self) -> usize {
        self.features.len()
    }

    pub fn is_empty(&self) -> bool {
        self.features.is_empty()
    }

    /// All feature ids (for tests and exports).
    pub fn ids(&self) -> impl Iterator<Item = &str> {
        self.features.iter().map(|f| f.id.as_str())
    }

    fn simplified(&self, z: u8) -> &Vec<Option<Vec<Poly>>> {
        self.simplified[usize::from(z)].get_or_init(|| {
            // tolerance in world units at this zoom
            let tol = TOLERANCE_PX / f64::from(EXTENT) / f64::from(1u32 << z);
            self.features
                .iter()
                .map(|f| match &f.geom {
                    WorldGeom::Points(_) => None,
                    WorldGeom::Polygons(ps) => Some(
                        ps.iter()
                            .map(|p| p.iter().map(|r| simplify_ring(r, tol)).collect::<Poly>())
                            .collect(),
                    ),
                })
                .collect()
        })
    }

    /// Add the features of tile z/x/y to a layer. Returns the number added.
    pub fn fill_layer(&self, layer: &mut LayerBuilder, z: u8, x: u32, y: u32) -> usize {
        let w = tile_window(z, x, y, BUFFER);
        let env = AABB::from_corners([w[0], w[1]], [w[2], w[3]]);
        let mut hits: Vec<usize> = self
            .tree
            .locate_in_envelope_intersecting(&env)
            .map(|g| g.data)
            .collect();
        if hits.is_empty() {
            return 0;
        }
        hits.sort_unstable();
        let simplified = if self.features[hits[0]].is_polygonal() {
            Some(self.simplified(z))
        } else {
            None
        };
        let (lo, hi) = (-BUFFER, f64::from(EXTENT) + BUFFER);
        let mut added = 0;
        for i in hits {
            let f = &self.features[i];
            let geom = match &f.geom {
                WorldGeom::Points(pts) => points_in_tile(pts, z, x, y, lo, hi),
                WorldGeom::Polygons(_) => {
                    let Some(Some(polys)) = simplified.map(|s| &s[i]) else {
                        continue;
                    };
                    let out = polygons_in_tile(polys, z, x, y, lo, hi);
                    if out.is_empty() {
                        f.unit_square(z, x, y)
                    } else {
                        Some(TileGeom::Polygons(out))
                    }
                }
            };
            let Some(geom) = geom else {
                continue;
            };
            let props: Vec<(&str, MvtValue)> = f
                .props
                .iter()
                .map(|(k, v)| (k.as_str(), v.clone()))
                .collect();
            layer.add(f.num_id, &props, &geom);
            added += 1;
        }
        added
    }
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
/// MVT value; each new property's TileJSON type goes to `fields`.
fn tile_properties(
    f: &collections::Feature,
    fields: &mut Vec<(String, &'static str)>,
) -> Vec<(String, MvtValue)> {
    let mut props: Vec<(String, MvtValue)> = vec![("id".into(), MvtValue::String(f.id.clone()))];
    for (k, v) in &f.properties {
        if k == "id" {
            continue;
        }
        if let Some(mv) = MvtValue::from_json(v) {
            let ty = match mv {
                MvtValue::String(_) => "String",
                MvtValue::Bool(_) => "Boolean",
                _ => "Number",
            };
            if !fields.iter().any(|(n, _)| n == k) {
                fields.push((k.clone(), ty));
            }
            props.push((k.clone(), mv));
        }
    }
    props
}

/// `[west, south, east, north]` in degrees of every feature, if any.
fn bounds_of(features: &[PFeature]) -> Option<[f64; 4]> {
    if features.is_empty() {
        None
    } else {
        let b = bbox_of(
            features
                .iter()
                .flat_map(|f| [(f.bbox[0], f.bbox[1]), (f.bbox[2], f.bbox[3])]),
        );
        let (w, n) = crate::mercator::world_to_lonlat(b[0], b[1]);
        let (e, s) = crate::mercator::world_to_lonlat(b[2], b[3]);
        Some([w, s, e, n])
    }
}

/// The points within `lo..=hi` tile units of tile z/x/y, rounded (`None`
/// when none is).
fn points_in_tile(pts: &[(f64, f64)], z: u8, x: u32, y: u32, lo: f64, hi: f64) -> Option<TileGeom> {
    let p: Vec<(i64, i64)> = pts
        .iter()
        .map(|&(wx, wy)| world_to_tile_px(wx, wy, z, x, y))
        .filter(|&(px, py)| px >= lo && px <= hi && py >= lo && py <= hi)
        .map(|(px, py)| (px.round() as i64, py.round() as i64))
        .collect();
    (!p.is_empty()).then_some(TileGeom::Points(p))
}

impl PFeature {
    fn is_polygonal(&self) -> bool {
        matches!(self.geom, WorldGeom::Polygons(_))
    }

    /// Never drop a polygon that reaches into tile z/x/y only because it is
    /// smaller than a tile unit there: one unit square at its centre, when
    /// that is in the tile.
    fn unit_square(&self, z: u8, x: u32, y: u32) -> Option<TileGeom> {
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
    z: u8,
    x: u32,
    y: u32,
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
