//! Fast point-in-polygon for many points against one multipolygon: edges are
//! bucketed into horizontal bands, so a test looks at the few edges of one
//! band instead of all of them (rings of hundreds of vertices become ~10
//! edge checks).
//!
//! Semantics (ARCHITECTURE.md, "Interfaces"): a polygon **covers** its
//! boundary — exterior and hole rings — but not the inside of its holes.
//! Points within [`BOUNDARY_EPS_M`] of an edge count as on the boundary, so
//! a point placed on an edge survives the round trip through WGS84 storage.

use geo_types::MultiPolygon;

/// Distance (metres, working CRS) within which a point is on an edge.
pub const BOUNDARY_EPS_M: f64 = 1e-6;

/// The rings of a multipolygon (exteriors and holes) as one vertex list:
/// ring `r` is `xy[start[r]..start[r + 1]]`.
#[derive(Debug, Clone, Default)]
pub struct Rings {
    pub xy: Vec<[f64; 2]>,
    pub start: Vec<u32>,
    /// Whether ring `r` is an exterior ring.
    pub exterior: Vec<bool>,
}

impl Rings {
    /// The rings of `mp`, each coordinate mapped through `f` (a projection);
    /// the first error stops.
    pub fn map<E>(
        mp: &MultiPolygon<f64>,
        mut f: impl FnMut(f64, f64) -> Result<(f64, f64), E>,
    ) -> Result<Rings, E> {
        let n: usize = mp
            .0
            .iter()
            .map(|p| p.exterior().0.len() + p.interiors().iter().map(|r| r.0.len()).sum::<usize>())
            .sum();
        let mut out = Rings {
            xy: Vec::with_capacity(n),
            start: vec![0],
            exterior: Vec::new(),
        };
        for p in &mp.0 {
            for (k, ring) in std::iter::once(p.exterior())
                .chain(p.interiors())
                .enumerate()
            {
                for c in &ring.0 {
                    let (x, y) = f(c.x, c.y)?;
                    out.xy.push([x, y]);
                }
                out.start.push(out.xy.len() as u32);
                out.exterior.push(k == 0);
            }
        }
        Ok(out)
    }

    /// The rings of `mp` as they are.
    pub fn of(mp: &MultiPolygon<f64>) -> Rings {
        Rings::map(mp, |x, y| Ok::<_, ()>((x, y))).unwrap_or_default()
    }

    /// The bounding box `[min x, min y, max x, max y]` of the exterior
    /// rings (as geo's `bounding_rect`); `None` when there are none.
    pub fn bbox(&self) -> Option<[f64; 4]> {
        let mut b: Option<[f64; 4]> = None;
        for (r, w) in self.start.windows(2).enumerate() {
            if !self.exterior[r] {
                continue;
            }
            for p in &self.xy[w[0] as usize..w[1] as usize] {
                let v = b.get_or_insert([p[0], p[1], p[0], p[1]]);
                *v = [
                    v[0].min(p[0]),
                    v[1].min(p[1]),
                    v[2].max(p[0]),
                    v[3].max(p[1]),
                ];
            }
        }
        b
    }
}

/// A multipolygon prepared for repeated `covers` tests: its rings, and its
/// edges bucketed by horizontal band (each band lists the edges reaching
/// into it by the index of their first vertex, so no edge is copied).
#[derive(Debug, Clone)]
pub struct Prepared {
    rings: Rings,
    min: [f64; 2],
    max: [f64; 2],
    /// 1 / the height of a band.
    inv_band_h: f64,
    /// The edges of band `b` are `band_edges[band_start[b]..band_start[b + 1]]`;
    /// edge `k` runs from `rings.xy[k]` to `rings.xy[k + 1]`.
    band_start: Vec<u32>,
    band_edges: Vec<u32>,
}

impl Prepared {
    pub fn new(mp: &MultiPolygon<f64>) -> Prepared {
        Prepared::from_rings(Rings::of(mp))
    }

    pub fn from_rings(rings: Rings) -> Prepared {
        let Some([x0, y0, x1, y1]) = rings.bbox() else {
            return Prepared {
                rings,
                min: [f64::INFINITY; 2],
                max: [f64::NEG_INFINITY; 2],
                inv_band_h: 1.0,
                band_start: vec![0],
                band_edges: vec![],
            };
        };
        let xy = &rings.xy;
        // Every edge of non-zero length, by the index of its first vertex.
        let mut edges: Vec<u32> = Vec::with_capacity(xy.len());
        for w in rings.start.windows(2) {
            for k in w[0]..w[1].saturating_sub(1) {
                if xy[k as usize] != xy[k as usize + 1] {
                    edges.push(k);
                }
            }
        }
        let n = (edges.len() / 4).clamp(1, 512);
        let inv_band_h = 1.0 / ((y1 - y0) / n as f64).max(1e-9);
        let band_range = |k: u32| {
            let (a, b) = (xy[k as usize][1], xy[k as usize + 1][1]);
            let lo = a.min(b) - BOUNDARY_EPS_M;
            let hi = a.max(b) + BOUNDARY_EPS_M;
            let b0 = (((lo - y0) * inv_band_h).max(0.0) as usize).min(n - 1);
            let b1 = (((hi - y0) * inv_band_h).max(0.0) as usize).min(n - 1);
            b0..=b1
        };
        let mut band_start = vec![0u32; n + 1];
        for &k in &edges {
            for b in band_range(k) {
                band_start[b + 1] += 1;
            }
        }
        for b in 0..n {
            band_start[b + 1] += band_start[b];
        }
        let mut fill = band_start.clone();
        let mut band_edges = vec![0u32; band_start[n] as usize];
        for &k in &edges {
            for b in band_range(k) {
                band_edges[fill[b] as usize] = k;
                fill[b] += 1;
            }
        }
        Prepared {
            min: [x0, y0],
            max: [x1, y1],
            inv_band_h,
            band_start,
            band_edges,
            rings,
        }
    }

    /// The rings, in the coordinates they were prepared in.
    pub fn rings(&self) -> &Rings {
        &self.rings
    }

    /// The bounding box `[min x, min y, max x, max y]` of the exterior
    /// rings; `None` when empty.
    pub fn bbox(&self) -> Option<[f64; 4]> {
        (self.min[0] <= self.max[0]).then_some([self.min[0], self.min[1], self.max[0], self.max[1]])
    }

    /// Whether the multipolygon covers the point (boundary included, holes excluded).
    pub fn covers(&self, x: f64, y: f64) -> bool {
        let eps = BOUNDARY_EPS_M;
        if x < self.min[0] - eps
            || x > self.max[0] + eps
            || y < self.min[1] - eps
            || y > self.max[1] + eps
        {
            return false;
        }
        let n = self.band_start.len() - 1;
        if n == 0 {
            return false;
        }
        // Not below the box (checked above): truncation is the floor.
        let b = (((y - self.min[1]) * self.inv_band_h).max(0.0) as usize).min(n - 1);
        let band = &self.band_edges[self.band_start[b] as usize..self.band_start[b + 1] as usize];
        let xy = &self.rings.xy;
        let mut inside = false;
        for &k in band {
            let ([x1, y1], [x2, y2]) = (xy[k as usize], xy[k as usize + 1]);
            if on_segment(x, y, x1, y1, x2, y2) {
                return true;
            }
            if (y1 > y) != (y2 > y) {
                let xi = x1 + (y - y1) * (x2 - x1) / (y2 - y1);
                if x < xi {
                    inside = !inside;
                }
            }
        }
        inside
    }
}

fn on_segment(x: f64, y: f64, x1: f64, y1: f64, x2: f64, y2: f64) -> bool {
    let eps = BOUNDARY_EPS_M;
    if x < x1.min(x2) - eps || x > x1.max(x2) + eps || y < y1.min(y2) - eps || y > y1.max(y2) + eps
    {
        return false;
    }
    let (dx, dy) = (x2 - x1, y2 - y1);
    let len2 = dx * dx + dy * dy;
    let t = (((x - x1) * dx + (y - y1) * dy) / len2).clamp(0.0, 1.0);
    let (px, py) = (x1 + t * dx - x, y1 + t * dy - y);
    px * px + py * py <= eps * eps
}

#[cfg(test)]
mod tests {
    use super::*;
    use geo::Intersects;
    use geo_types::{Coord, MultiPolygon, polygon};
    use rand::{Rng, SeedableRng};

    fn square_with_hole() -> MultiPolygon<f64> {
        MultiPolygon(vec![polygon!(
            exterior: [(x: 0.0, y: 0.0), (x: 100.0, y: 0.0), (x: 100.0, y: 100.0), (x: 0.0, y: 100.0)],
            interiors: [[(x: 40.0, y: 40.0), (x: 60.0, y: 40.0), (x: 60.0, y: 60.0), (x: 40.0, y: 60.0)]],
        )])
    }

    #[test]
    fn boundary_covered_hole_not() {
        let p = Prepared::new(&square_with_hole());
        assert!(p.covers(0.0, 50.0), "exterior boundary");
        assert!(p.covers(100.0, 100.0), "corner");
        assert!(p.covers(40.0, 50.0), "hole boundary");
        assert!(!p.covers(50.0, 50.0), "inside the hole");
        assert!(p.covers(20.0, 20.0));
        assert!(!p.covers(100.000_01, 50.0), "outside by 1 cm");
    }

    #[test]
    fn agrees_with_geo_on_random_points() {
        let mp = square_with_hole();
        let p = Prepared::new(&mp);
        let mut rng = rand_chacha::ChaCha8Rng::seed_from_u64(7);
        for _ in 0..20_000 {
            let c = Coord {
                x: rng.gen_range(-10.0..110.0),
                y: rng.gen_range(-10.0..110.0),
            };
            assert_eq!(p.covers(c.x, c.y), mp.intersects(&c), "{c:?}");
        }
    }
}
