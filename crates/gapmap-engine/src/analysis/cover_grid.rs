//! A uniform grid over the coverage layer that answers "which polygons cover
//! this point?" mostly without point-in-polygon tests.
//!
//! Every polygon is rasterised once into the grid: a cell an edge passes
//! through (or comes within a margin of) is a *boundary* cell of that
//! polygon, and needs the exact test of [`Prepared::covers`]; any other cell
//! in the polygon's bounding box lies wholly inside or wholly outside it,
//! decided by the same crossing count as [`Prepared::covers`] for the cell's
//! centre, made once per row of cells (a scanline).
//!
//! A point query is then a cell lookup and a walk over that cell's entries:
//! "inside" entries are covered outright, "boundary" entries are tested.
//! Entries are stored in polygon order, so callers see candidates in the
//! same order as the coverage layer (ties resolve to the lower index).

use super::pip::{BOUNDARY_EPS_M, Prepared};
use rayon::prelude::*;

/// Margin (metres) by which edges are widened when marking boundary cells:
/// well above [`BOUNDARY_EPS_M`] and float noise, so marking is conservative.
const MARGIN_M: f64 = 0.01;
/// Upper bound on the number of cells (memory: 4 bytes per cell plus entries).
const MAX_CELLS: f64 = 8_000_000.0;

/// The cell size and extent of a grid.
#[derive(Debug, Clone, Copy)]
struct Frame {
    x0: f64,
    y0: f64,
    size: f64,
    /// 1 / size: cells are found by multiplying (a point a rounding error
    /// away from a cell's edge may land in either cell; the margin covers it).
    inv: f64,
    nx: usize,
    ny: usize,
}

impl Frame {
    // Column and row of a coordinate, clamped to the grid (after `max(0)`,
    // truncation is the floor).
    fn col(&self, x: f64) -> usize {
        (((x - self.x0) * self.inv).max(0.0) as usize).min(self.nx - 1)
    }
    fn row(&self, y: f64) -> usize {
        (((y - self.y0) * self.inv).max(0.0) as usize).min(self.ny - 1)
    }
}

/// Polygons of one layer bucketed into grid cells (compressed rows: the
/// entries of cell `c` are `entries[start[c]..start[c + 1]]`, each
/// `polygon << 1 | boundary`).
#[derive(Debug, Clone)]
pub struct CoverGrid {
    frame: Option<Frame>,
    start: Vec<u32>,
    entries: Vec<u32>,
}

impl CoverGrid {
    /// Rasterise the prepared polygons (working CRS).
    pub fn new(prepared: &[Prepared]) -> CoverGrid {
        let boxes: Vec<Option<[f64; 4]>> = prepared.iter().map(Prepared::bbox).collect();
        let Some(frame) = frame_for(&boxes) else {
            return CoverGrid {
                frame: None,
                start: vec![0],
                entries: vec![],
            };
        };
        let per_polygon: Vec<Vec<u32>> = prepared
            .par_iter()
            .zip(boxes.par_iter())
            .map(|(p, b)| match b {
                Some(b) => rasterise(&frame, p, *b),
                None => Vec::new(),
            })
            .collect();
        // Into compressed rows, in parallel over bands of grid rows: each
        // polygon's list is in cell order, so a band's part of it is one
        // slice, found by binary search.
        let cells = frame.nx * frame.ny;
        let bands = (rayon::current_num_threads() * 4).clamp(1, frame.ny);
        let band_cells: Vec<std::ops::Range<usize>> = (0..bands)
            .map(|b| (frame.ny * b / bands) * frame.nx..(frame.ny * (b + 1) / bands) * frame.nx)
            .collect();
        fn part<'a>(list: &'a [u32], r: &std::ops::Range<usize>) -> &'a [u32] {
            let lo = list.partition_point(|&e| ((e >> 1) as usize) < r.start);
            let hi = list.partition_point(|&e| ((e >> 1) as usize) < r.end);
            &list[lo..hi]
        }
        let counts: Vec<Vec<u32>> = band_cells
            .par_iter()
            .map(|r| {
                let mut n = vec![0u32; r.len()];
                for list in &per_polygon {
                    for &e in part(list, r) {
                        n[(e >> 1) as usize - r.start] += 1;
                    }
                }
                n
            })
            .collect();
        let mut start = Vec::with_capacity(cells + 1);
        start.push(0u32);
        for n in counts.iter().flatten() {
            start.push(start[start.len() - 1] + n);
        }
        let mut entries = vec![0u32; start[cells] as usize];
        let mut slices: Vec<(&std::ops::Range<usize>, &mut [u32])> = Vec::with_capacity(bands);
        let mut rest = entries.as_mut_slice();
        for r in &band_cells {
            let (mine, more) = rest.split_at_mut((start[r.end] - start[r.start]) as usize);
            slices.push((r, mine));
            rest = more;
        }
        slices.into_par_iter().for_each(|(r, out)| {
            let base = start[r.start];
            let mut fill: Vec<u32> = start[r.start..r.end].iter().map(|s| s - base).collect();
            for (i, list) in per_polygon.iter().enumerate() {
                for &e in part(list, r) {
                    let c = (e >> 1) as usize - r.start;
                    out[fill[c] as usize] = (i as u32) << 1 | (e & 1);
                    fill[c] += 1;
                }
            }
        });
        CoverGrid {
            frame: Some(frame),
            start,
            entries,
        }
    }

    /// The entries of the cell holding (x, y): `polygon << 1 | boundary`, in
    /// polygon order; empty outside the grid.
    pub fn cell_entries(&self, x: f64, y: f64) -> &[u32] {
        match self.cell_of(x, y) {
            Some(c) => self.entries(c),
            None => &[],
        }
    }

    /// The cell holding (x, y); `None` outside the grid (no polygon there).
    #[inline]
    pub fn cell_of(&self, x: f64, y: f64) -> Option<u32> {
        let f = self.frame.as_ref()?;
        let (gx, gy) = ((x - f.x0) * f.inv, (y - f.y0) * f.inv);
        if !(gx >= 0.0 && gy >= 0.0 && gx < f.nx as f64 && gy < f.ny as f64) {
            return None;
        }
        Some((gy as usize * f.nx + gx as usize) as u32)
    }

    /// The entries of cell `c` (see [`CoverGrid::cell_entries`]).
    pub fn entries(&self, c: u32) -> &[u32] {
        let c = c as usize;
        &self.entries[self.start[c] as usize..self.start[c + 1] as usize]
    }

    /// The square of cell `c`: `[min x, min y, max x, max y]`.
    pub fn cell_box(&self, c: u32) -> [f64; 4] {
        let Some(f) = &self.frame else {
            return [0.0; 4];
        };
        let (gx, gy) = ((c as usize % f.nx) as f64, (c as usize / f.nx) as f64);
        let (x0, y0) = (f.x0 + gx * f.size, f.y0 + gy * f.size);
        [x0, y0, x0 + f.size, y0 + f.size]
    }
}

/// The grid frame: the union of the boxes widened by the margin, with cells
/// about an eighth of the median polygon's extent.
fn frame_for(boxes: &[Option<[f64; 4]>]) -> Option<Frame> {
    let mut ext = [
        f64::INFINITY,
        f64::INFINITY,
        f64::NEG_INFINITY,
        f64::NEG_INFINITY,
    ];
    let mut sizes = Vec::with_capacity(boxes.len());
    for b in boxes.iter().flatten() {
        ext = [
            ext[0].min(b[0]),
            ext[1].min(b[1]),
            ext[2].max(b[2]),
            ext[3].max(b[3]),
        ];
        sizes.push((b[2] - b[0]).max(b[3] - b[1]));
    }
    if sizes.is_empty() || !ext.iter().all(|v| v.is_finite()) {
        return None;
    }
    let (x0, y0) = (ext[0] - 2.0 * MARGIN_M, ext[1] - 2.0 * MARGIN_M);
    let (w, h) = (
        ext[2] - ext[0] + 4.0 * MARGIN_M,
        ext[3] - ext[1] + 4.0 * MARGIN_M,
    );
    sizes.sort_unstable_by(f64::total_cmp);
    let median = sizes[sizes.len() / 2];
    let size = (median / 8.0)
        .clamp(25.0, 10_000.0)
        .max((w * h / MAX_CELLS).sqrt());
    Some(Frame {
        x0,
        y0,
        size,
        inv: 1.0 / size,
        nx: ((w / size).ceil() as usize).max(1),
        ny: ((h / size).ceil() as usize).max(1),
    })
}

/// The cells of one polygon's box that it touches: `cell << 1 | boundary`.
fn rasterise(f: &Frame, p: &Prepared, b: [f64; 4]) -> Vec<u32> {
    let m = MARGIN_M.max(BOUNDARY_EPS_M);
    let (c0, c1) = (f.col(b[0] - m), f.col(b[2] + m));
    let (r0, r1) = (f.row(b[1] - m), f.row(b[3] + m));
    let w = c1 - c0 + 1;
    let mut boundary = vec![false; w * (r1 - r0 + 1)];
    // Where the centre line of each row crosses an edge: (row, x).
    let mut crossings: Vec<(usize, f64)> = Vec::new();
    let centre_y = |r: usize| f.y0 + (r as f64 + 0.5) * f.size;
    let rings = p.rings();
    for ring in rings.start.windows(2) {
        let ring = &rings.xy[ring[0] as usize..ring[1] as usize];
        for e in ring.windows(2) {
            let ([x1, y1], [x2, y2]) = (e[0], e[1]);
            let (ylo, yhi) = (y1.min(y2), y1.max(y2));
            // Clamped to the box: only a hole outside its exterior (invalid
            // input) could reach beyond it.
            let (ra, rb) = (f.row(ylo - m).max(r0), f.row(yhi + m).min(r1));
            for r in ra..=rb {
                // The part of the edge within this row (widened by m); an
                // edge within one row is all in it.
                let (xa, xb) = if ra == rb || y1 == y2 {
                    (x1.min(x2), x1.max(x2))
                } else {
                    let ry0 = f.y0 + r as f64 * f.size - m;
                    let ry1 = f.y0 + (r + 1) as f64 * f.size + m;
                    let (a, bb) = (ylo.max(ry0), yhi.min(ry1));
                    if a > bb {
                        (x1.min(x2), x1.max(x2))
                    } else {
                        let at = |y: f64| x1 + (y - y1) * (x2 - x1) / (y2 - y1);
                        let (u, v) = (at(a), at(bb));
                        (u.min(v), u.max(v))
                    }
                };
                let row = (r - r0) * w;
                // Clamped: interpolation may stray an ulp outside the box.
                for c in f.col(xa - m).max(c0)..=f.col(xb + m).min(c1) {
                    boundary[row + c - c0] = true;
                }
                let y = centre_y(r);
                if (y1 > y) != (y2 > y) {
                    crossings.push((r, x1 + (y - y1) * (x2 - x1) / (y2 - y1)));
                }
            }
        }
    }
    // A cell no edge comes near is inside when an odd number of crossings
    // of its row's centre line lie to the right of its centre: the very
    // count `Prepared::covers` makes for that centre (same edges, same
    // arithmetic), done once per row instead of once per cell.
    crossings.sort_unstable_by(|a, b| a.0.cmp(&b.0).then(a.1.total_cmp(&b.1)));
    let mut out = Vec::new();
    let mut next = 0;
    for r in r0..=r1 {
        let first = next;
        while next < crossings.len() && crossings[next].0 == r {
            next += 1;
        }
        let row = &crossings[first..next];
        // Crossings at or left of the current centre.
        let mut left = 0;
        for c in c0..=c1 {
            let cell = (r * f.nx + c) as u32;
            if boundary[(r - r0) * w + c - c0] {
                out.push(cell << 1 | 1);
                continue;
            }
            let x = f.x0 + (c as f64 + 0.5) * f.size;
            while left < row.len() && row[left].1 <= x {
                left += 1;
            }
            if (row.len() - left) % 2 == 1 {
                out.push(cell << 1);
            }
        }
    }
    out
}

#[cfg(test)]
mod tests {
    use super::*;
    use geo::Intersects;
    use geo_types::{Coord, MultiPolygon, polygon};
    use rand::{Rng, SeedableRng};

    fn covering(grid: &CoverGrid, prepared: &[Prepared], x: f64, y: f64) -> Vec<usize> {
        grid.cell_entries(x, y)
            .iter()
            .filter(|&&e| e & 1 == 0 || prepared[(e >> 1) as usize].covers(x, y))
            .map(|&e| (e >> 1) as usize)
            .collect()
    }

    #[test]
    fn agrees_with_exact_tests_on_random_points() {
        let mut rng = rand_chacha::ChaCha8Rng::seed_from_u64(11);
        // Random star-shaped polygons, some with a hole, some overlapping.
        let polygons: Vec<MultiPolygon<f64>> = (0..60)
            .map(|_| {
                let (cx, cy) = (rng.gen_range(0.0..20_000.0), rng.gen_range(0.0..20_000.0));
                let r = rng.gen_range(300.0..4_000.0);
                let n = rng.gen_range(3..80);
                let ring: Vec<Coord> = (0..=n)
                    .map(|k| {
                        let a = (k % n) as f64 / n as f64 * std::f64::consts::TAU;
                        let rr = r * rng.gen_range(0.5..1.0);
                        Coord {
                            x: cx + rr * a.cos(),
                            y: cy + rr * a.sin(),
                        }
                    })
                    .collect();
                let hole = geo_types::LineString::from(vec![
                    (cx - r * 0.1, cy - r * 0.1),
                    (cx + r * 0.1, cy - r * 0.1),
                    (cx + r * 0.1, cy + r * 0.1),
                    (cx - r * 0.1, cy + r * 0.1),
                    (cx - r * 0.1, cy - r * 0.1),
                ]);
                let interiors = if rng.gen_bool(0.5) {
                    vec![hole]
                } else {
                    vec![]
                };
                MultiPolygon(vec![geo_types::Polygon::new(ring.into(), interiors)])
            })
            .collect();
        let prepared: Vec<Prepared> = polygons.iter().map(Prepared::new).collect();
        let grid = CoverGrid::new(&prepared);
        for _ in 0..50_000 {
            let (x, y) = (
                rng.gen_range(-500.0..20_500.0),
                rng.gen_range(-500.0..20_500.0),
            );
            let expected: Vec<usize> = polygons
                .iter()
                .enumerate()
                .filter(|(_, mp)| mp.intersects(&Coord { x, y }))
                .map(|(i, _)| i)
                .collect();
            assert_eq!(covering(&grid, &prepared, x, y), expected, "({x}, {y})");
        }
    }

    #[test]
    fn vertices_and_edges_are_covered() {
        let mp = MultiPolygon(vec![polygon![
            (x: 0.0, y: 0.0), (x: 1000.0, y: 0.0), (x: 1000.0, y: 1000.0), (x: 0.0, y: 1000.0)
        ]]);
        let prepared = vec![Prepared::new(&mp)];
        let grid = CoverGrid::new(&prepared);
        for (x, y) in [
            (0.0, 0.0),
            (1000.0, 1000.0),
            (500.0, 0.0),
            (1000.0, 500.0),
            (500.0, 500.0),
        ] {
            assert_eq!(covering(&grid, &prepared, x, y), vec![0], "({x}, {y})");
        }
        assert!(covering(&grid, &prepared, 1000.01, 500.0).is_empty());
        assert!(CoverGrid::new(&[]).cell_entries(0.0, 0.0).is_empty());
    }
}
