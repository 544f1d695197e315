//! The outline of a set of grid cells: the squares dissolved into polygons,
//! by walking their boundary on the lattice instead of a general polygon
//! union (a cluster of 60,000 cells outlines in milliseconds).
//!
//! Every side a cell shares with no other cell of the set is a boundary edge,
//! directed so the set lies on its left; the edges join into closed rings —
//! counter-clockwise shells, clockwise holes (the orientation RFC 7946
//! asks for). Where two cells of the set touch only at a corner, the walk
//! turns left, so they become two rings touching at a point (a valid
//! multipolygon). Vertices where the outline runs straight on are dropped.

use geo_types::{Coord, LineString, MultiPolygon, Polygon};
use std::collections::HashSet;

/// A closed ring of lattice points (the first not repeated at the end).
type Ring = Vec<(i64, i64)>;

/// Unit steps, counter-clockwise: east, north, west, south.
const STEPS: [(i64, i64); 4] = [(1, 0), (0, 1), (-1, 0), (0, -1)];

/// Membership of cells `(row, col)`: a bitmap over their box when it is not
/// much larger than the set, a hash set otherwise.
enum Members {
    Dense(Bitmap),
    Sparse(HashSet<(i64, i64)>),
}

/// One flag per cell of the box of rows `r0..r0 + rows`, columns
/// `c0..c0 + cols`, row by row.
struct Bitmap {
    r0: i64,
    c0: i64,
    cols: i64,
    rows: i64,
    bits: Vec<bool>,
}

impl Bitmap {
    /// Whether the cell is in the box and set.
    fn contains(&self, r: i64, c: i64) -> bool {
        let (dr, dc) = (r - self.r0, c - self.c0);
        dr >= 0
            && dc >= 0
            && dr < self.rows
            && dc < self.cols
            && self.bits[(dr * self.cols + dc) as usize]
    }
}

impl Members {
    fn new(cells: &[(i64, i64)]) -> Members {
        let (mut r0, mut c0, mut r1, mut c1) = (i64::MAX, i64::MAX, i64::MIN, i64::MIN);
        for &(r, c) in cells {
            (r0, c0, r1, c1) = (r0.min(r), c0.min(c), r1.max(r), c1.max(c));
        }
        let (rows, cols) = (r1 - r0 + 1, c1 - c0 + 1);
        if rows.saturating_mul(cols) <= (cells.len() as i64).saturating_mul(16).max(1 << 16) {
            let mut bits = vec![false; (rows * cols) as usize];
            for &(r, c) in cells {
                bits[((r - r0) * cols + (c - c0)) as usize] = true;
            }
            Members::Dense(Bitmap {
                r0,
                c0,
                cols,
                rows,
                bits,
            })
        } else {
            Members::Sparse(cells.iter().copied().collect())
        }
    }

    fn contains(&self, r: i64, c: i64) -> bool {
        match self {
            Members::Dense(bitmap) => bitmap.contains(r, c),
            Members::Sparse(set) => set.contains(&(r, c)),
        }
    }
}

/// A boundary edge: its start vertex (x, y) and direction (into [`STEPS`]).
type Edge = ((i64, i64), u8);

/// The dissolved outline of cells given as `(row, col)` — the square of a
/// cell spans x = col..col + 1, y = row..row + 1 — scaled by `size`.
/// Shells are ordered by their lowest, then leftmost vertex; each ring starts
/// there.
pub fn dissolve(cells: &[(i64, i64)], size: f64) -> MultiPolygon<f64> {
    if cells.is_empty() {
        return MultiPolygon(vec![]);
    }
    let edges = boundary_edges(cells);
    let rings = walk_rings(&edges);
    let polygons = assign_holes(rings);
    let line = |ring: &[(i64, i64)]| {
        let mut pts: Vec<Coord<f64>> = ring
            .iter()
            .map(|&(x, y)| Coord {
                x: x as f64 * size,
                y: y as f64 * size,
            })
            .collect();
        pts.push(pts[0]);
        LineString(pts)
    };
    MultiPolygon(
        polygons
            .iter()
            .map(|(shell, holes)| {
                Polygon::new(line(shell), holes.iter().map(|h| line(h)).collect())
            })
            .collect(),
    )
}

/// Every side a cell shares with no other cell, directed with the set on
/// its left, sorted by start vertex (y, then x) and direction.
fn boundary_edges(cells: &[(i64, i64)]) -> Vec<Edge> {
    let members = Members::new(cells);
    let mut edges: Vec<Edge> = Vec::new();
    for &(r, c) in cells {
        let (x, y) = (c, r);
        if !members.contains(r - 1, c) {
            edges.push(((x, y), 0));
        }
        if !members.contains(r, c + 1) {
            edges.push(((x + 1, y), 1));
        }
        if !members.contains(r + 1, c) {
            edges.push(((x + 1, y + 1), 2));
        }
        if !members.contains(r, c - 1) {
            edges.push(((x, y + 1), 3));
        }
    }
    edges.sort_unstable_by_key(|&((x, y), d)| (y, x, d));
    edges
}

/// Join the sorted boundary edges into simple closed rings of corners.
fn walk_rings(edges: &[Edge]) -> Vec<Ring> {
    let key = |e: &Edge| (e.0.1, e.0.0);
    // The edge that follows each edge: the one leaving its end vertex — at a
    // corner where two cells touch diagonally there are two, and the left
    // turn is taken.
    let next: Vec<usize> = edges
        .iter()
        .map(|&((x, y), d)| {
            let (dx, dy) = STEPS[d as usize];
            let v = (y + dy, x + dx);
            let at = edges.partition_point(|e| key(e) < v);
            let left = (d + 1) % 4;
            match edges.get(at + 1) {
                Some(e2) if key(e2) == v && e2.1 == left => at + 1,
                _ => at,
            }
        })
        .collect();
    let mut used = vec![false; edges.len()];
    let mut rings: Vec<Ring> = Vec::new();
    for first in 0..edges.len() {
        if used[first] {
            continue;
        }
        // The corners of the cycle through `first`.
        let mut ring = Vec::new();
        let mut e = first;
        while !used[e] {
            used[e] = true;
            let n = next[e];
            if edges[n].1 != edges[e].1 {
                ring.push(edges[n].0);
            }
            e = n;
        }
        rings.extend(split_at_repeats(ring));
    }
    rings
}

/// Twice the signed area of a ring (positive: counter-clockwise).
fn twice_area(ring: &[(i64, i64)]) -> i64 {
    (0..ring.len())
        .map(|i| {
            let (a, b) = (ring[i], ring[(i + 1) % ring.len()]);
            a.0 * b.1 - b.0 * a.1
        })
        .sum()
}

/// The shells (counter-clockwise rings), each with the holes (clockwise
/// rings) it holds: the smallest shell containing the hole.
fn assign_holes(rings: Vec<Ring>) -> Vec<(Ring, Vec<Ring>)> {
    let (shells, holes): (Vec<_>, Vec<_>) = rings.into_iter().partition(|r| twice_area(r) > 0);
    let mut polygons: Vec<(Ring, Vec<Ring>)> = shells.into_iter().map(|s| (s, vec![])).collect();
    for hole in holes {
        // A point of the hole: the centre of the empty cell right of its
        // first edge (a hole runs clockwise, so its inside is on the right).
        // With a single shell (a connected set, such as a cluster) there is
        // nothing to test.
        let owner = if polygons.len() == 1 {
            Some(0)
        } else {
            let (a, b) = (hole[0], hole[1 % hole.len()]);
            let (dx, dy) = ((b.0 - a.0).signum() as f64, (b.1 - a.1).signum() as f64);
            let (px, py) = (a.0 as f64 + 0.5 * (dx + dy), a.1 as f64 + 0.5 * (dy - dx));
            polygons
                .iter()
                .enumerate()
                .filter(|(_, (s, _))| ring_contains(s, px, py))
                .min_by_key(|(_, (s, _))| twice_area(s))
                .map(|(i, _)| i)
        };
        if let Some(i) = owner {
            polygons[i].1.push(hole);
        }
    }
    polygons
}

/// A ring that passes a corner twice (the walk hugged two cells of the set
/// that touch there diagonally, while the empty cells between them are
/// joined elsewhere — a pocket) split there into simple rings: the pocket
/// comes out clockwise, a hole touching its shell at one point. Each ring
/// starts at its lowest, leftmost corner.
fn split_at_repeats(ring: Vec<(i64, i64)>) -> Vec<Vec<(i64, i64)>> {
    let mut out = Vec::new();
    let mut stack: Vec<(i64, i64)> = Vec::with_capacity(ring.len());
    let mut at: std::collections::HashMap<(i64, i64), usize> = Default::default();
    for v in ring {
        match at.get(&v) {
            Some(&i) => {
                let piece: Vec<(i64, i64)> = stack.drain(i..).collect();
                for p in &piece[1..] {
                    at.remove(p);
                }
                stack.push(v);
                out.push(piece);
            }
            None => {
                at.insert(v, stack.len());
                stack.push(v);
            }
        }
    }
    out.push(stack);
    for r in &mut out {
        let lowest = (0..r.len()).min_by_key(|&i| (r[i].1, r[i].0)).unwrap_or(0);
        r.rotate_left(lowest);
    }
    out
}

/// Whether a ring of lattice points contains (x, y) (never on the ring).
fn ring_contains(ring: &[(i64, i64)], x: f64, y: f64) -> bool {
    let mut inside = false;
    for i in 0..ring.len() {
        let (a, b) = (ring[i], ring[(i + 1) % ring.len()]);
        let (ay, by) = (a.1 as f64, b.1 as f64);
        if (ay > y) != (by > y) {
            let xi = a.0 as f64 + (y - ay) * (b.0 - a.0) as f64 / (by - ay);
            if x < xi {
                inside = !inside;
            }
        }
    }
    inside
}

#[cfg(test)]
mod tests {
    use super::*;
    use geo::{Area, BooleanOps, Validation};
    use rand::{Rng, SeedableRng};

    fn squares(cells: &[(i64, i64)]) -> MultiPolygon<f64> {
        geo::unary_union(
            cells
                .iter()
                .map(|&(r, c)| {
                    Polygon::new(
                        LineString::from(vec![
                            (c as f64, r as f64),
                            (c as f64 + 1.0, r as f64),
                            (c as f64 + 1.0, r as f64 + 1.0),
                            (c as f64, r as f64 + 1.0),
                            (c as f64, r as f64),
                        ]),
                        vec![],
                    )
                })
                .collect::<Vec<_>>()
                .iter(),
        )
    }

    #[test]
    fn equals_the_union_of_the_squares() {
        let mut rng = rand_chacha::ChaCha8Rng::seed_from_u64(9);
        for case in 0..300 {
            let (h, w) = (rng.gen_range(1..14), rng.gen_range(1..14));
            let p = rng.gen_range(0.2..0.9);
            let mut cells: Vec<(i64, i64)> = (0..h)
                .flat_map(|r| (0..w).map(move |c| (r, c)))
                .filter(|_| rng.gen_bool(p))
                .collect();
            if case % 7 == 0 {
                cells.push((100, 100)); // far away: the hash-set path
            }
            let got = dissolve(&cells, 1.0);
            let want = squares(&cells);
            assert!(
                got.is_valid(),
                "case {case}: {cells:?} gives an invalid {got:?}"
            );
            assert_eq!(got.unsigned_area(), cells.len() as f64, "case {case}");
            assert!(
                got.xor(&want).unsigned_area() < 1e-9,
                "case {case}: {cells:?}"
            );
            let area = |ring: &LineString<f64>| Polygon::new(ring.clone(), vec![]).signed_area();
            for poly in &got.0 {
                assert!(area(poly.exterior()) > 0.0, "shells run counter-clockwise");
                for hole in poly.interiors() {
                    assert!(area(hole) < 0.0, "holes run clockwise");
                }
            }
        }
    }

    #[test]
    fn corners_holes_and_islands() {
        // Two cells touching at a corner: two squares.
        let got = dissolve(&[(0, 0), (1, 1)], 1000.0);
        assert_eq!(got.0.len(), 2);
        assert_eq!(got.0[0].exterior().0.len(), 5);
        // A ring of 8 cells around an empty one, with an island further out
        // in a hole of a bigger ring: holes go to the right shells.
        let mut cells: Vec<(i64, i64)> = (0..3).flat_map(|r| (0..3).map(move |c| (r, c))).collect();
        cells.retain(|&c| c != (1, 1));
        let got = dissolve(&cells, 1.0);
        assert_eq!(got.0.len(), 1);
        assert_eq!(got.0[0].interiors().len(), 1);
        assert_eq!(
            got.0[0].exterior().0,
            vec![(0.0, 0.0), (3.0, 0.0), (3.0, 3.0), (0.0, 3.0), (0.0, 0.0)]
                .into_iter()
                .map(Coord::from)
                .collect::<Vec<_>>()
        );
        let mut nested: Vec<(i64, i64)> = (0..7)
            .flat_map(|r| (0..7).map(move |c| (r, c)))
            .filter(|&(r, c)| r == 0 || c == 0 || r == 6 || c == 6)
            .collect();
        nested.extend(cells.iter().map(|&(r, c)| (r + 2, c + 2)));
        let got = dissolve(&nested, 1.0);
        assert!(got.is_valid());
        assert_eq!(got.0.len(), 2);
        assert!(got.0.iter().all(|p| p.interiors().len() == 1));
        assert!(dissolve(&[], 1.0).0.is_empty());
    }
}
