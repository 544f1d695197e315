//! A round trip through some points (the mobile class's stops from the
//! municipality's office and back) by a travelling-salesman heuristic over
//! straight-line distances in the working CRS — road distance is out of
//! scope.
//!
//! 1. nearest neighbour from the start;
//! 2. 2-opt: reverse a stretch of the tour while that shortens it;
//! 3. Or-opt: move a run of one to three stops elsewhere (either direction)
//!    while that shortens it;
//!
//! 2 and 3 repeat until neither helps. Deterministic: ties go to the lower
//! index, moves are tried in a fixed order.

/// Straight-line distance in metres.
pub fn dist(a: [f64; 2], b: [f64; 2]) -> f64 {
    (a[0] - b[0]).hypot(a[1] - b[1])
}

/// The length of the closed tour `order` (indices into `points`).
pub fn length(points: &[[f64; 2]], order: &[usize]) -> f64 {
    if order.len() < 2 {
        return 0.0;
    }
    order
        .iter()
        .zip(order.iter().cycle().skip(1))
        .map(|(&a, &b)| dist(points[a], points[b]))
        .sum()
}

const EPS: f64 = 1e-9;

/// A short closed tour through every point, starting (and ending) at
/// point 0: the visiting order, beginning with 0.
pub fn tour(points: &[[f64; 2]]) -> Vec<usize> {
    let n = points.len();
    if n <= 3 {
        return (0..n).collect();
    }
    let mut order = nearest_neighbour(points);
    loop {
        let reversed = two_opt(points, &mut order);
        let moved = or_opt(points, &mut order);
        if !reversed && !moved {
            break;
        }
    }
    // Start at 0 (Or-opt keeps 0 first: it never moves index 0 and only
    // inserts after a kept stop).
    if let Some(pos) = order.iter().position(|&x| x == 0) {
        order.rotate_left(pos);
    }
    order
}

/// 1. Nearest neighbour: from point 0, always the nearest point not yet
///    visited (ties to the lower index).
fn nearest_neighbour(points: &[[f64; 2]]) -> Vec<usize> {
    let mut order = vec![0usize];
    let mut left: Vec<usize> = (1..points.len()).collect();
    while !left.is_empty() {
        let last = points[*order.last().unwrap_or(&0)];
        let (k, _) = left
            .iter()
            .enumerate()
            .map(|(k, &j)| (k, dist(last, points[j])))
            .fold((0, f64::INFINITY), |b, x| if x.1 < b.1 { x } else { b });
        order.push(left.remove(k));
    }
    order
}

/// 2. One pass of 2-opt on the cycle with 0 fixed in front: reverse
///    `order[i..=j]` wherever that shortens it. Whether it did.
fn two_opt(points: &[[f64; 2]], order: &mut [usize]) -> bool {
    let n = order.len();
    let d = |a: usize, b: usize| dist(points[a], points[b]);
    let mut improved = false;
    for i in 1..n - 1 {
        for j in i + 1..n {
            let (a, b) = (order[i - 1], order[i]);
            let (c, e) = (order[j], order[(j + 1) % n]);
            if d(a, c) + d(b, e) < d(a, b) + d(c, e) - EPS {
                order[i..=j].reverse();
                improved = true;
            }
        }
    }
    improved
}

/// 3. Or-opt: the first move of `order[i..i+len]` (len 1 to 3, either
///    direction) between two other neighbours that shortens the tour.
///    Whether it made one.
fn or_opt(points: &[[f64; 2]], order: &mut Vec<usize>) -> bool {
    let n = order.len();
    let d = |a: usize, b: usize| dist(points[a], points[b]);
    for len in 1..=3usize {
        for i in 1..n {
            if i + len > n {
                break;
            }
            let prev = order[i - 1];
            let next = order[(i + len) % n];
            let (first, last) = (order[i], order[i + len - 1]);
            let removed = d(prev, first) + d(last, next) - d(prev, next);
            let rest: Vec<usize> = order[..i]
                .iter()
                .chain(&order[i + len..])
                .copied()
                .collect();
            for k in 0..rest.len() {
                let (p, q) = (rest[k], rest[(k + 1) % rest.len()]);
                if p == prev {
                    continue; // where it was
                }
                let forward = d(p, first) + d(last, q) - d(p, q);
                let backward = d(p, last) + d(first, q) - d(p, q);
                let (add, reversed) = if backward < forward {
                    (backward, true)
                } else {
                    (forward, false)
                };
                if add < removed - EPS {
                    let mut seg: Vec<usize> = order[i..i + len].to_vec();
                    if reversed {
                        seg.reverse();
                    }
                    let mut next_order: Vec<usize> = rest[..=k].to_vec();
                    next_order.extend(seg);
                    next_order.extend_from_slice(&rest[k + 1..]);
                    *order = next_order;
                    return true;
                }
            }
        }
    }
    false
}

#[cfg(test)]
mod tests {
    use super::*;
    use rand::{Rng, SeedableRng};

    fn permutations(items: &mut Vec<usize>, k: usize, f: &mut dyn FnMut(&[usize])) {
        if k == items.len() {
            f(items);
            return;
        }
        for i in k..items.len() {
            items.swap(k, i);
            permutations(items, k + 1, f);
            items.swap(k, i);
        }
    }

    fn brute(points: &[[f64; 2]]) -> f64 {
        let mut rest: Vec<usize> = (1..points.len()).collect();
        let mut best = f64::INFINITY;
        permutations(&mut rest, 0, &mut |p| {
            let mut order = vec![0];
            order.extend_from_slice(p);
            best = best.min(length(points, &order));
        });
        best
    }

    #[test]
    fn within_five_percent_of_brute_force() {
        let mut rng = rand_chacha::ChaCha8Rng::seed_from_u64(17);
        let mut worst: f64 = 1.0;
        for case in 0..60 {
            let n = 4 + case % 6; // 4..=9 points
            let points: Vec<[f64; 2]> = (0..n)
                .map(|_| [rng.gen_range(0.0..40_000.0), rng.gen_range(0.0..30_000.0)])
                .collect();
            let order = tour(&points);
            let mut sorted = order.clone();
            sorted.sort_unstable();
            assert_eq!(sorted, (0..n).collect::<Vec<_>>(), "a permutation");
            assert_eq!(order[0], 0, "starts at the office");
            let ratio = length(&points, &order) / brute(&points);
            worst = worst.max(ratio);
            assert!(ratio <= 1.05, "case {case}: {ratio}");
        }
        assert!(worst < 1.05);
    }

    #[test]
    fn small_and_degenerate() {
        assert_eq!(tour(&[]), Vec::<usize>::new());
        assert_eq!(tour(&[[0.0, 0.0]]), vec![0]);
        // Points on a line: out and back.
        let pts: Vec<[f64; 2]> = [0.0, 3.0, 1.0, 2.0].iter().map(|&x| [x, 0.0]).collect();
        assert_eq!(length(&pts, &tour(&pts)), 6.0);
        // Duplicates do not loop forever.
        let pts = vec![[0.0, 0.0], [1.0, 1.0], [1.0, 1.0], [2.0, 0.0], [1.0, 1.0]];
        assert_eq!(tour(&pts).len(), 5);
    }
}
