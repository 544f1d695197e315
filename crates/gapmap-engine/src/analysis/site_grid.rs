//! Nearest-site search on a uniform grid: the sites of one kind bucketed
//! into cells of about one site each; a query scans rings of cells around
//! the point's cell until no unvisited cell can hold a closer site.
//!
//! For the millions of point queries of a full analysis this is several
//! times faster than a branch-and-bound R-tree search (no heap, contiguous
//! memory). Ties are broken by the lower site index, so the answer does not
//! depend on the order cells are visited in.

/// Sites of one kind in grid cells (compressed rows: the sites of cell `c`
/// are `sites[start[c]..start[c + 1]]`).
#[derive(Debug, Clone, Default)]
pub struct SiteGrid {
    x0: f64,
    y0: f64,
    size: f64,
    nx: usize,
    ny: usize,
    start: Vec<u32>,
    sites: Vec<([f64; 2], u32)>,
}

impl SiteGrid {
    /// A grid of `(site index, position)` pairs (working CRS).
    pub fn new(points: &[(u32, [f64; 2])]) -> SiteGrid {
        if points.is_empty() {
            return SiteGrid::default();
        }
        let mut ext = [
            f64::INFINITY,
            f64::INFINITY,
            f64::NEG_INFINITY,
            f64::NEG_INFINITY,
        ];
        for (_, p) in points {
            ext = [
                ext[0].min(p[0]),
                ext[1].min(p[1]),
                ext[2].max(p[0]),
                ext[3].max(p[1]),
            ];
        }
        let (w, h) = (ext[2] - ext[0], ext[3] - ext[1]);
        let n = points.len() as f64;
        let size = (w * h / n).sqrt().max(w.max(h) / n).max(1.0);
        let nx = (w / size) as usize + 1;
        let ny = (h / size) as usize + 1;
        let cell = |p: &[f64; 2]| {
            let cx = (((p[0] - ext[0]) / size) as usize).min(nx - 1);
            let cy = (((p[1] - ext[1]) / size) as usize).min(ny - 1);
            cy * nx + cx
        };
        let mut start = vec![0u32; nx * ny + 1];
        for (_, p) in points {
            start[cell(p) + 1] += 1;
        }
        for c in 0..nx * ny {
            start[c + 1] += start[c];
        }
        let mut fill = start.clone();
        let mut sites = vec![([0.0; 2], 0); points.len()];
        for (i, p) in points {
            let c = cell(p);
            sites[fill[c] as usize] = (*p, *i);
            fill[c] += 1;
        }
        SiteGrid {
            x0: ext[0],
            y0: ext[1],
            size,
            nx,
            ny,
            start,
            sites,
        }
    }

    /// The nearest site to (x, y) and its distance; `None` when empty.
    pub fn nearest(&self, x: f64, y: f64) -> Option<(u32, f64)> {
        if self.sites.is_empty() {
            return None;
        }
        let (nx, ny) = (self.nx as i64, self.ny as i64);
        let (cx, cy) = (self.col(x), self.row(y));
        let mut best: Option<(f64, u32)> = None;
        for k in 0i64.. {
            for dy in -k..=k {
                if dy.abs() == k {
                    for dx in -k..=k {
                        self.visit(cx + dx, cy + dy, x, y, &mut best);
                    }
                } else {
                    self.visit(cx - k, cy + dy, x, y, &mut best);
                    self.visit(cx + k, cy + dy, x, y, &mut best);
                }
            }
            if cx - k <= 0 && cy - k <= 0 && cx + k >= nx - 1 && cy + k >= ny - 1 {
                break;
            }
            if let Some((bd, _)) = best {
                // Every cell outside the block of rings 0..=k is at least
                // this far from the point (zero when the point is outside it).
                let bx0 = self.x0 + (cx - k) as f64 * self.size;
                let bx1 = self.x0 + (cx + k + 1) as f64 * self.size;
                let by0 = self.y0 + (cy - k) as f64 * self.size;
                let by1 = self.y0 + (cy + k + 1) as f64 * self.size;
                let bound = (x - bx0).min(bx1 - x).min(y - by0).min(by1 - y);
                if bound > bd {
                    break;
                }
            }
        }
        best.map(|(d, i)| (i, d))
    }

    /// Every site that is the nearest, or tied for nearest, to some point of
    /// the box `b` (`[min x, min y, max x, max y]`), appended to `out`.
    /// Returns false, leaving `out` unspecified, when there are more than
    /// `max` (for a box large against the spacing of the sites, asking per
    /// point is cheaper).
    ///
    /// Why it is enough: if the centre's nearest site is d₀ away and the box
    /// reaches h from its centre, every point of the box has a site within
    /// d₀ + h, so its nearest site lies within d₀ + h of the box.
    pub fn candidates(&self, b: [f64; 4], max: usize, out: &mut Vec<([f64; 2], u32)>) -> bool {
        let (cx, cy) = ((b[0] + b[2]) / 2.0, (b[1] + b[3]) / 2.0);
        let Some((_, d0)) = self.nearest(cx, cy) else {
            return true;
        };
        let h = 0.5 * (b[2] - b[0]).hypot(b[3] - b[1]);
        // Widened a little against rounding in the distances compared.
        let r = (d0 + h) * (1.0 + 1e-9) + 1e-6;
        let limit = out.len().saturating_add(max);
        for gy in self.row(b[1] - r)..=self.row(b[3] + r) {
            let c = gy as usize * self.nx;
            let (c0, c1) = (
                c + self.col(b[0] - r) as usize,
                c + self.col(b[2] + r) as usize,
            );
            let sites = &self.sites[self.start[c0] as usize..self.start[c1 + 1] as usize];
            for &(p, i) in sites {
                let dx = (b[0] - p[0]).max(p[0] - b[2]).max(0.0);
                let dy = (b[1] - p[1]).max(p[1] - b[3]).max(0.0);
                if (dx * dx + dy * dy).sqrt() <= r {
                    if out.len() == limit {
                        return false;
                    }
                    out.push((p, i));
                }
            }
        }
        true
    }

    /// Every site within `r` of (x, y) (distance ≤ r), appended to `out` as
    /// site indices, in no particular order.
    pub fn within(&self, x: f64, y: f64, r: f64, out: &mut Vec<u32>) {
        if self.sites.is_empty() {
            return;
        }
        for gy in self.row(y - r)..=self.row(y + r) {
            let c = gy as usize * self.nx;
            let (c0, c1) = (c + self.col(x - r) as usize, c + self.col(x + r) as usize);
            for &(p, i) in &self.sites[self.start[c0] as usize..self.start[c1 + 1] as usize] {
                if dist(&p, x, y) <= r {
                    out.push(i);
                }
            }
        }
    }

    /// The column and the row of a coordinate, clamped to the grid (so
    /// truncation towards zero is as good as the floor).
    fn col(&self, x: f64) -> i64 {
        (((x - self.x0) / self.size) as i64).clamp(0, self.nx as i64 - 1)
    }
    fn row(&self, y: f64) -> i64 {
        (((y - self.y0) / self.size) as i64).clamp(0, self.ny as i64 - 1)
    }

    /// Offer the sites of cell (gx, gy), if it is in the grid, to `best`.
    fn visit(&self, gx: i64, gy: i64, x: f64, y: f64, best: &mut Option<(f64, u32)>) {
        if gx < 0 || gy < 0 || gx >= self.nx as i64 || gy >= self.ny as i64 {
            return;
        }
        let c = gy as usize * self.nx + gx as usize;
        for &(p, i) in &self.sites[self.start[c] as usize..self.start[c + 1] as usize] {
            let d = dist(&p, x, y);
            if best.is_none_or(|(bd, bi)| d < bd || (d == bd && i < bi)) {
                *best = Some((d, i));
            }
        }
    }
}

/// The nearest of some candidate sites to (x, y), ties to the lower index;
/// the same answer as [`SiteGrid::nearest`] when the candidates come from
/// [`SiteGrid::candidates`] for a box holding the point.
pub fn nearest_of(candidates: &[([f64; 2], u32)], x: f64, y: f64) -> Option<(u32, f64)> {
    let mut best: Option<(f64, u32)> = None;
    for &(p, i) in candidates {
        let d = dist(&p, x, y);
        if best.is_none_or(|(bd, bi)| d < bd || (d == bd && i < bi)) {
            best = Some((d, i));
        }
    }
    best.map(|(d, i)| (i, d))
}

pub(crate) fn dist(p: &[f64; 2], x: f64, y: f64) -> f64 {
    ((p[0] - x).powi(2) + (p[1] - y).powi(2)).sqrt()
}

#[cfg(test)]
mod tests {
    use super::*;
    use rand::{Rng, SeedableRng};

    /// Every site tried.
    fn brute(points: &[(u32, [f64; 2])], x: f64, y: f64) -> Option<(u32, f64)> {
        let all: Vec<([f64; 2], u32)> = points.iter().map(|&(i, p)| (p, i)).collect();
        nearest_of(&all, x, y)
    }

    #[test]
    fn equals_brute_force() {
        let mut rng = rand_chacha::ChaCha8Rng::seed_from_u64(5);
        for n in [0usize, 1, 2, 7, 300] {
            // Clustered sites, duplicates included, queries inside and far outside.
            let mut points: Vec<(u32, [f64; 2])> = (0..n as u32)
                .map(|i| {
                    let c = (i % 5) as f64 * 7_000.0;
                    (
                        i,
                        [c + rng.gen_range(0.0..900.0), rng.gen_range(0.0..30_000.0)],
                    )
                })
                .collect();
            if n > 2 {
                points.push((n as u32, points[1].1));
            }
            let grid = SiteGrid::new(&points);
            for _ in 0..5_000 {
                let (x, y) = (
                    rng.gen_range(-60_000.0..90_000.0),
                    rng.gen_range(-60_000.0..90_000.0),
                );
                assert_eq!(grid.nearest(x, y), brute(&points, x, y), "n={n} ({x}, {y})");
            }
        }
    }

    #[test]
    fn candidates_of_a_box_hold_every_nearest() {
        let mut rng = rand_chacha::ChaCha8Rng::seed_from_u64(6);
        let mut points: Vec<(u32, [f64; 2])> = (0..400u32)
            .map(|i| {
                (
                    i,
                    [rng.gen_range(0.0..50_000.0), rng.gen_range(0.0..20_000.0)],
                )
            })
            .collect();
        // Exact ties: a duplicate and sites symmetric about a box centre.
        points.push((400, points[7].1));
        points.push((401, [1_000.0, 1_500.0]));
        points.push((402, [1_000.0, 500.0]));
        let grid = SiteGrid::new(&points);
        let mut cands = Vec::new();
        for (k, size) in [(0, 10.0), (1, 600.0), (2, 3_000.0), (3, 40_000.0)] {
            for _ in 0..300 {
                let (x0, y0) = (
                    rng.gen_range(-20_000.0..60_000.0),
                    rng.gen_range(-20_000.0..30_000.0),
                );
                let b = if k == 0 {
                    [995.0, 995.0, 1_005.0, 1_005.0]
                } else {
                    [x0, y0, x0 + size, y0 + size]
                };
                cands.clear();
                if !grid.candidates(b, usize::MAX, &mut cands) {
                    panic!("no limit was set");
                }
                for _ in 0..50 {
                    let (x, y) = (rng.gen_range(b[0]..=b[2]), rng.gen_range(b[1]..=b[3]));
                    assert_eq!(
                        nearest_of(&cands, x, y),
                        brute(&points, x, y),
                        "{b:?} ({x}, {y})"
                    );
                }
            }
        }
        cands.clear();
        assert!(!grid.candidates([0.0, 0.0, 50_000.0, 20_000.0], 5, &mut cands));
        assert!(SiteGrid::new(&[]).candidates([0.0; 4], 5, &mut cands));
    }

    #[test]
    fn within_equals_brute_force() {
        let mut rng = rand_chacha::ChaCha8Rng::seed_from_u64(8);
        let points: Vec<(u32, [f64; 2])> = (0..500u32)
            .map(|i| {
                (
                    i,
                    [rng.gen_range(0.0..30_000.0), rng.gen_range(0.0..10_000.0)],
                )
            })
            .collect();
        let grid = SiteGrid::new(&points);
        let mut got = Vec::new();
        for _ in 0..300 {
            let (x, y, r) = (
                rng.gen_range(-5_000.0..35_000.0),
                rng.gen_range(-5_000.0..15_000.0),
                rng.gen_range(0.0..4_000.0),
            );
            got.clear();
            grid.within(x, y, r, &mut got);
            got.sort_unstable();
            let want: Vec<u32> = points
                .iter()
                .filter(|(_, p)| dist(p, x, y) <= r)
                .map(|(i, _)| *i)
                .collect();
            assert_eq!(got, want, "({x}, {y}) r {r}");
        }
        got.clear();
        SiteGrid::new(&[]).within(0.0, 0.0, 10.0, &mut got);
        assert!(got.is_empty());
    }

    #[test]
    fn collinear_sites() {
        let points: Vec<(u32, [f64; 2])> = (0..50).map(|i| (i, [i as f64 * 100.0, 5.0])).collect();
        let grid = SiteGrid::new(&points);
        assert_eq!(grid.nearest(1234.0, 800.0), brute(&points, 1234.0, 800.0));
        assert_eq!(grid.nearest(-1e6, 5.0), Some((0, 1e6)));
    }
}
