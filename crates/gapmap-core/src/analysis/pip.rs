//! Fast point-in-polygon for many points against one multipolygon: edges are
//! bucketed into horizontal bands, so a test looks at the few edges of one
//! band instead of all of them (rings of hundreds of vertices become ~10
//! edge checks).
//!
//! Semantics (ARCHITECTURE.md, "Interfaces"): a polygon **covers** its
//! boundary — exterior and hole rings — but not the inside of its holes.
//! Points within [`BOUNDARY_EPS_M`] of an edge count as on the boundary, so
//! a point placed on an edge survives the round trip through WGS84 storage.

use geo::BoundingRect;
use geo_types::MultiPolygon;

/// Distance (metres, working CRS) within which a point is on an edge.
pub const BOUNDARY_EPS_M: f64 = 1e-6;

/// A multipolygon prepared for repeated `covers` tests.
#[derive(Debug, Clone)]
pub struct Prepared {
    min: [f64; 2],
    max: [f64; 2],
    band_h: f64,
    /// The edges of band `b` are `edges[band_start[b]..band_start[b + 1]]`
    /// (one allocation per polygon, contiguous per band).
    band_start: Vec<u32>,
    edges: Vec<[f64; 4]>,
}

impl Prepared {
    pub fn new(mp: &MultiPolygon<f64>) -> Prepared {
        let Some(r) = mp.bounding_rect() else {
            return Prepared {
                min: [f64::INFINITY; 2],
                max: [f64::NEG_INFINITY; 2],
                band_h: 1.0,
                band_start: vec![0],
                edges: vec![],
            };
        };
        let mut edges = Vec::new();
        for p in &mp.0 {
            for ring in std::iter::once(p.exterior()).chain(p.interiors()) {
                for l in ring.lines() {
                    if l.start != l.end {
                        edges.push([l.start.x, l.start.y, l.end.x, l.end.y]);
                    }
                }
            }
        }
        let n = (edges.len() / 4).clamp(1, 512);
        let (y0, y1) = (r.min().y, r.max().y);
        let band_h = ((y1 - y0) / n as f64).max(1e-9);
        let band_range = |e: &[f64; 4]| {
            let lo = e[1].min(e[3]) - BOUNDARY_EPS_M;
            let hi = e[1].max(e[3]) + BOUNDARY_EPS_M;
            let b0 = (((lo - y0) / band_h).floor().max(0.0) as usize).min(n - 1);
            let b1 = (((hi - y0) / band_h).floor().max(0.0) as usize).min(n - 1);
            b0..=b1
        };
        let mut band_start = vec![0u32; n + 1];
        for e in &edges {
            for b in band_range(e) {
                band_start[b + 1] += 1;
            }
        }
        for b in 0..n {
            band_start[b + 1] += band_start[b];
        }
        let mut fill = band_start.clone();
        let mut banded = vec![[0.0; 4]; band_start[n] as usize];
        for e in &edges {
            for b in band_range(e) {
                banded[fill[b] as usize] = *e;
                fill[b] += 1;
            }
        }
        Prepared {
            min: [r.min().x, r.min().y],
            max: [r.max().x, r.max().y],
            band_h,
            band_start,
            edges: banded,
        }
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
        let b = (((y - self.min[1]) / self.band_h).floor().max(0.0) as usize).min(n - 1);
        let band = &self.edges[self.band_start[b] as usize..self.band_start[b + 1] as usize];
        let mut inside = false;
        for &[x1, y1, x2, y2] in band {
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
