//! Geometry in tile space: Douglas–Peucker simplification, Sutherland–Hodgman
//! clipping of rings to the buffered tile, rounding and MVT winding.

/// A ring or line in (fractional) coordinates.
pub type Ring = Vec<(f64, f64)>;

/// Douglas–Peucker on an open or closed path; keeps the first and last point.
pub fn simplify(points: &[(f64, f64)], tolerance: f64) -> Ring {
    if points.len() < 3 || tolerance <= 0.0 {
        return points.to_vec();
    }
    let mut keep = vec![false; points.len()];
    keep[0] = true;
    keep[points.len() - 1] = true;
    let t2 = tolerance * tolerance;
    let mut stack = vec![(0usize, points.len() - 1)];
    while let Some((a, b)) = stack.pop() {
        if b <= a + 1 {
            continue;
        }
        let (mut best, mut best_d) = (0, -1.0);
        for (i, p) in points.iter().enumerate().take(b).skip(a + 1) {
            let d = seg_dist2(*p, points[a], points[b]);
            if d > best_d {
                best_d = d;
                best = i;
            }
        }
        if best_d > t2 {
            keep[best] = true;
            stack.push((a, best));
            stack.push((best, b));
        }
    }
    points
        .iter()
        .zip(keep)
        .filter(|(_, k)| *k)
        .map(|(p, _)| *p)
        .collect()
}

fn seg_dist2(p: (f64, f64), a: (f64, f64), b: (f64, f64)) -> f64 {
    let (dx, dy) = (b.0 - a.0, b.1 - a.1);
    let len2 = dx * dx + dy * dy;
    let t = if len2 == 0.0 {
        0.0
    } else {
        (((p.0 - a.0) * dx + (p.1 - a.1) * dy) / len2).clamp(0.0, 1.0)
    };
    let (qx, qy) = (a.0 + t * dx - p.0, a.1 + t * dy - p.1);
    qx * qx + qy * qy
}

/// Simplify a closed ring (first == last or implicitly closed). Rings are
/// split at their farthest point from the start so both halves keep shape.
pub fn simplify_ring(ring: &[(f64, f64)], tolerance: f64) -> Ring {
    let mut r: Ring = ring.to_vec();
    if r.len() > 1 && r.first() == r.last() {
        r.pop();
    }
    if r.len() < 4 {
        return r;
    }
    let far = (1..r.len())
        .max_by(|&i, &j| {
            let d = |k: usize| (r[k].0 - r[0].0).powi(2) + (r[k].1 - r[0].1).powi(2);
            d(i).total_cmp(&d(j))
        })
        .unwrap_or(1);
    let mut a = simplify(&r[..=far], tolerance);
    let mut tail: Ring = r[far..].to_vec();
    tail.push(r[0]);
    let b = simplify(&tail, tolerance);
    a.pop();
    a.extend_from_slice(&b[..b.len() - 1]);
    a
}

/// Clip an (implicitly closed) ring to the box `[min, max]²` (Sutherland–Hodgman).
pub fn clip_ring(ring: &[(f64, f64)], min: f64, max: f64) -> Ring {
    let mut out: Ring = ring.to_vec();
    // edges: x >= min, x <= max, y >= min, y <= max
    for edge in 0..4 {
        if out.is_empty() {
            break;
        }
        let inside = |p: (f64, f64)| match edge {
            0 => p.0 >= min,
            1 => p.0 <= max,
            2 => p.1 >= min,
            _ => p.1 <= max,
        };
        let cross = |a: (f64, f64), b: (f64, f64)| -> (f64, f64) {
            let (v, ax, bx) = match edge {
                0 | 1 => (if edge == 0 { min } else { max }, a.0, b.0),
                _ => (if edge == 2 { min } else { max }, a.1, b.1),
            };
            let t = (v - ax) / (bx - ax);
            if edge < 2 {
                (v, a.1 + t * (b.1 - a.1))
            } else {
                (a.0 + t * (b.0 - a.0), v)
            }
        };
        let input = std::mem::take(&mut out);
        let mut prev = input[input.len() - 1];
        for &cur in &input {
            match (inside(cur), inside(prev)) {
                (true, true) => out.push(cur),
                (true, false) => {
                    out.push(cross(prev, cur));
                    out.push(cur);
                }
                (false, true) => out.push(cross(prev, cur)),
                (false, false) => {}
            }
            prev = cur;
        }
    }
    out
}

/// Round to integer tile units and drop repeated points (including a
/// closing point equal to the first).
pub fn round_ring(ring: &[(f64, f64)]) -> Vec<(i64, i64)> {
    let mut out: Vec<(i64, i64)> = Vec::with_capacity(ring.len());
    for &(x, y) in ring {
        let p = (x.round() as i64, y.round() as i64);
        if out.last() != Some(&p) {
            out.push(p);
        }
    }
    while out.len() > 1 && out.first() == out.last() {
        out.pop();
    }
    out
}

/// Twice the signed area by the surveyor's formula in tile coordinates
/// (y down): positive = clockwise on screen = an MVT exterior ring.
pub fn signed_area2(ring: &[(i64, i64)]) -> i64 {
    let n = ring.len();
    let mut s = 0i64;
    for i in 0..n {
        let (a, b) = (ring[i], ring[(i + 1) % n]);
        s += a.0 * b.1 - b.0 * a.1;
    }
    s
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn dp_keeps_corners() {
        let line = vec![(0.0, 0.0), (1.0, 0.1), (2.0, 0.0), (3.0, 5.0), (4.0, 6.0)];
        let s = simplify(&line, 0.5);
        assert_eq!(s.first(), Some(&(0.0, 0.0)));
        assert_eq!(s.last(), Some(&(4.0, 6.0)));
        assert!(!s.contains(&(1.0, 0.1)));
        assert!(s.contains(&(2.0, 0.0)));
    }

    #[test]
    fn clip_square() {
        let ring = vec![(-10.0, -10.0), (20.0, -10.0), (20.0, 20.0), (-10.0, 20.0)];
        let c = clip_ring(&ring, 0.0, 10.0);
        let r = round_ring(&c);
        assert_eq!(r.len(), 4);
        assert_eq!(signed_area2(&r).abs(), 200);
        assert!(clip_ring(&[(20.0, 20.0), (30.0, 20.0), (30.0, 30.0)], 0.0, 10.0).is_empty());
    }

    #[test]
    fn winding() {
        // clockwise on screen (y down): (0,0) → (10,0) → (10,10) → (0,10)
        assert!(signed_area2(&[(0, 0), (10, 0), (10, 10), (0, 10)]) > 0);
    }

    #[test]
    fn ring_simplify_keeps_square() {
        let mut ring = vec![];
        for i in 0..=100 {
            ring.push((f64::from(i), 0.0));
        }
        ring.extend([(100.0, 100.0), (0.0, 100.0), (0.0, 0.0)]);
        let s = simplify_ring(&ring, 1.0);
        assert_eq!(s.len(), 4, "{s:?}");
    }
}
