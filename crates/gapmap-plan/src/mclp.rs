//! The maximal covering location problem (MCLP): choose `p` of `n`
//! candidates so that the total weight of the demand rows covered by at
//! least one chosen candidate is largest.
//!
//! ```text
//! max  Σ_r w_r y_r
//! s.t. y_r ≤ Σ_{j ∈ N(r)} x_j   for every row r
//!      Σ_j x_j ≤ p,  x_j ∈ {0, 1},  0 ≤ y_r ≤ 1
//! ```
//!
//! Three solvers share one [`Coverage`] (rows and candidates in compressed
//! form, both ways):
//! 1. [`greedy`]: add the candidate with the largest uncovered weight, `p`
//!    times (lazy evaluation; ties to the lower index);
//! 2. [`local_search`]: swap a chosen candidate for an unchosen one while
//!    that covers more (best swap per incoming candidate, until none helps);
//! 3. [`lagrangian_bound`]: an upper bound on the optimum — the Lagrangian
//!    dual of the coverage constraints, whose best value equals the LP
//!    relaxation's optimum (the subproblem has the integrality property);
//!    subgradient steps approach it from above, so every value is a valid
//!    bound;
//! 4. [`exact`]: the integer program through `good_lp` with the pure-Rust
//!    `microlp` branch and bound, warm-started from the heuristic.
//!
//! [`solve`] runs 1–3, stops when the heuristic meets the bound (proven
//! optimal), and otherwise runs 4 on instances small enough for it.

use good_lp::{
    Expression, ProblemVariables, Solution, SolverModel, Variable, WithInitialSolution,
    WithTimeLimit, constraint, variable,
};
use std::cmp::Ordering;
use std::collections::BinaryHeap;

/// Demand rows (weights) and which candidates cover each, both ways.
#[derive(Debug, Clone, Default)]
pub struct Coverage {
    pub n_cands: usize,
    pub weight: Vec<f64>,
    row_start: Vec<usize>,
    row_cands: Vec<u32>,
    cand_start: Vec<usize>,
    cand_rows: Vec<u32>,
}

impl Coverage {
    /// Rows as (weight ≥ 0, covering candidate indices < `n_cands`).
    pub fn new(n_cands: usize, rows: &[(f64, Vec<u32>)]) -> Coverage {
        let mut row_start = Vec::with_capacity(rows.len() + 1);
        let mut row_cands = Vec::new();
        let mut count = vec![0usize; n_cands + 1];
        row_start.push(0);
        for (_, cands) in rows {
            for &j in cands {
                row_cands.push(j);
                count[j as usize + 1] += 1;
            }
            row_start.push(row_cands.len());
        }
        for j in 0..n_cands {
            count[j + 1] += count[j];
        }
        let cand_start = count.clone();
        let mut cand_rows = vec![0u32; row_cands.len()];
        for (r, (_, cands)) in rows.iter().enumerate() {
            for &j in cands {
                cand_rows[count[j as usize]] = r as u32;
                count[j as usize] += 1;
            }
        }
        Coverage {
            n_cands,
            weight: rows.iter().map(|r| r.0).collect(),
            row_start,
            row_cands,
            cand_start,
            cand_rows,
        }
    }

    pub fn rows(&self) -> usize {
        self.weight.len()
    }

    /// Candidates covering row `r`.
    pub fn cands_of(&self, r: usize) -> &[u32] {
        &self.row_cands[self.row_start[r]..self.row_start[r + 1]]
    }

    /// Rows covered by candidate `j`.
    pub fn rows_of(&self, j: usize) -> &[u32] {
        &self.cand_rows[self.cand_start[j]..self.cand_start[j + 1]]
    }

    /// Row–candidate pairs.
    pub fn nonzeros(&self) -> usize {
        self.row_cands.len()
    }

    /// Weight covered by a set of candidates.
    pub fn objective(&self, chosen: &[u32]) -> f64 {
        let mut covered = vec![false; self.rows()];
        for &j in chosen {
            for &r in self.rows_of(j as usize) {
                covered[r as usize] = true;
            }
        }
        covered
            .iter()
            .zip(&self.weight)
            .filter(|(c, _)| **c)
            .map(|(_, w)| w)
            .sum()
    }

    /// The chosen candidates in the order a greedy pass over them takes
    /// them (largest marginal weight first, ties to the lower index), each
    /// with its marginal weight and the rows it newly covers.
    pub fn marginal_order(&self, chosen: &[u32]) -> Vec<(u32, f64, Vec<u32>)> {
        let mut left: Vec<u32> = chosen.to_vec();
        left.sort_unstable();
        let mut covered = vec![false; self.rows()];
        let mut out = Vec::with_capacity(left.len());
        while !left.is_empty() {
            let gain = |j: u32| -> f64 {
                self.rows_of(j as usize)
                    .iter()
                    .filter(|&&r| !covered[r as usize])
                    .map(|&r| self.weight[r as usize])
                    .sum()
            };
            let (k, g) = left.iter().enumerate().map(|(k, &j)| (k, gain(j))).fold(
                (0, f64::NEG_INFINITY),
                |best, x| if x.1 > best.1 { x } else { best },
            );
            let j = left.remove(k);
            let rows: Vec<u32> = self
                .rows_of(j as usize)
                .iter()
                .copied()
                .filter(|&r| !covered[r as usize])
                .collect();
            for &r in &rows {
                covered[r as usize] = true;
            }
            out.push((j, g, rows));
        }
        out
    }
}

/// A float ordered for a max-heap, ties broken by the lower index.
#[derive(Debug, Clone, Copy, PartialEq)]
struct Entry(f64, u32);
impl Eq for Entry {}
impl PartialOrd for Entry {
    fn partial_cmp(&self, o: &Self) -> Option<Ordering> {
        Some(self.cmp(o))
    }
}
impl Ord for Entry {
    fn cmp(&self, o: &Self) -> Ordering {
        self.0.total_cmp(&o.0).then(o.1.cmp(&self.1))
    }
}

/// Greedy: `p` candidates (fewer only when there are fewer), each time the
/// one covering the most uncovered weight (lazy re-evaluation: a gain can
/// only fall as others are chosen).
pub fn greedy(c: &Coverage, p: usize) -> Vec<u32> {
    let mut covered = vec![false; c.rows()];
    let gain = |j: u32, covered: &[bool]| -> f64 {
        c.rows_of(j as usize)
            .iter()
            .filter(|&&r| !covered[r as usize])
            .map(|&r| c.weight[r as usize])
            .sum()
    };
    let mut heap: BinaryHeap<Entry> = (0..c.n_cands as u32)
        .map(|j| Entry(gain(j, &covered), j))
        .collect();
    let mut chosen = Vec::with_capacity(p);
    while chosen.len() < p {
        let Some(Entry(stored, j)) = heap.pop() else {
            break;
        };
        let now = gain(j, &covered);
        if now < stored && heap.peek().is_some_and(|top| Entry(now, j) < *top) {
            heap.push(Entry(now, j));
            continue;
        }
        for &r in c.rows_of(j as usize) {
            covered[r as usize] = true;
        }
        chosen.push(j);
    }
    chosen
}

/// Swap local search from `start`: for each unchosen candidate in turn,
/// the best chosen one to give up for it; a swap is made when it covers
/// more (by more than a relative 1e-12). Repeats until a full pass makes no
/// swap, or `max_passes`. `progress` is told the passes done.
pub fn local_search(
    c: &Coverage,
    start: &[u32],
    max_passes: usize,
    progress: &mut dyn FnMut(usize),
) -> Vec<u32> {
    let n = c.n_cands;
    let mut s = Swaps::new(c, start);
    let total: f64 = c.weight.iter().sum();
    let eps = 1e-12 * total.max(1.0);
    for pass in 0..max_passes {
        progress(pass);
        let mut swapped = false;
        for j_in in 0..n {
            if s.chosen[j_in] {
                continue;
            }
            let Some((delta, j_out)) = s.best_swap(j_in) else {
                continue;
            };
            if delta > eps {
                s.swap(j_out, j_in);
                swapped = true;
            }
        }
        if !swapped {
            break;
        }
    }
    (0..n as u32).filter(|&j| s.chosen[j as usize]).collect()
}

/// The state of the swap local search.
struct Swaps<'a> {
    c: &'a Coverage,
    /// Whether each candidate is chosen.
    chosen: Vec<bool>,
    /// How many chosen candidates cover each row.
    count: Vec<u32>,
    /// The chosen candidates.
    sel: Vec<usize>,
    /// Per chosen candidate, the weight only it covers.
    loss: Vec<f64>,
    /// Scratch: per chosen candidate, the weight only it covers that the
    /// incoming one covers too (zero between uses).
    extra: Vec<f64>,
    /// Scratch: the candidates with a non-zero `extra`.
    touched: Vec<u32>,
}

impl<'a> Swaps<'a> {
    /// The state with `start` chosen.
    fn new(c: &'a Coverage, start: &[u32]) -> Swaps<'a> {
        let n = c.n_cands;
        let mut chosen = vec![false; n];
        for &j in start {
            chosen[j as usize] = true;
        }
        let mut count = vec![0u32; c.rows()];
        for &j in start {
            for &r in c.rows_of(j as usize) {
                count[r as usize] += 1;
            }
        }
        let sel: Vec<usize> = (0..n).filter(|&j| chosen[j]).collect();
        let mut s = Swaps {
            c,
            chosen,
            count,
            sel,
            loss: vec![0.0; n],
            extra: vec![0.0; n],
            touched: Vec::new(),
        };
        s.update_losses();
        s
    }

    /// The first chosen candidate covering row `r`.
    fn owner(&self, r: usize) -> u32 {
        self.c
            .cands_of(r)
            .iter()
            .copied()
            .find(|&j| self.chosen[j as usize])
            .unwrap_or(0)
    }

    /// Every chosen candidate's loss, from the counts.
    fn update_losses(&mut self) {
        let c = self.c;
        for &j in &self.sel {
            self.loss[j] = c
                .rows_of(j)
                .iter()
                .filter(|&&r| self.count[r as usize] == 1)
                .map(|&r| c.weight[r as usize])
                .sum();
        }
    }

    /// The best chosen candidate to give up for `j_in`, with the change in
    /// covered weight (the first of equals).
    fn best_swap(&mut self, j_in: usize) -> Option<(f64, usize)> {
        let c = self.c;
        let mut gain0 = 0.0;
        for &r in c.rows_of(j_in) {
            let r = r as usize;
            match self.count[r] {
                0 => gain0 += c.weight[r],
                1 => {
                    let o = self.owner(r) as usize;
                    if self.extra[o] == 0.0 {
                        self.touched.push(o as u32);
                    }
                    self.extra[o] += c.weight[r];
                }
                _ => {}
            }
        }
        let mut best: Option<(f64, usize)> = None;
        for &j in &self.sel {
            let d = gain0 + self.extra[j] - self.loss[j];
            if best.is_none_or(|(bd, _)| d > bd) {
                best = Some((d, j));
            }
        }
        for &o in &self.touched {
            self.extra[o as usize] = 0.0;
        }
        self.touched.clear();
        best
    }

    /// Give up `j_out` for `j_in`.
    fn swap(&mut self, j_out: usize, j_in: usize) {
        let c = self.c;
        self.chosen[j_out] = false;
        self.chosen[j_in] = true;
        if let Some(slot) = self.sel.iter_mut().find(|j| **j == j_out) {
            *slot = j_in;
        }
        for &r in c.rows_of(j_out) {
            self.count[r as usize] -= 1;
        }
        for &r in c.rows_of(j_in) {
            self.count[r as usize] += 1;
        }
        self.update_losses();
    }
}

/// The sum of the `p` largest values.
fn top_p_sum(values: &[f64], p: usize, scratch: &mut Vec<f64>) -> (f64, f64) {
    scratch.clear();
    scratch.extend_from_slice(values);
    if p == 0 || scratch.is_empty() {
        return (0.0, f64::INFINITY);
    }
    let p = p.min(scratch.len());
    let (_, kth, _) = scratch.select_nth_unstable_by(p - 1, |a, b| b.total_cmp(a));
    let kth = *kth;
    (scratch[..p].iter().sum(), kth)
}

/// An upper bound on the MCLP optimum for at most `p` candidates, from the
/// Lagrangian dual of the coverage constraints (subgradient, at most
/// `iterations` steps; stops early once within a relative `tol` of
/// `lower`, a known objective). For every multipliers λ ∈ [0, w],
/// `L(λ) = Σ_r max(0, w_r − λ_r) + (sum of the p largest Σ_{r∈rows(j)} λ_r)`
/// is ≥ the optimum; the smallest value found is returned.
pub fn lagrangian_bound(c: &Coverage, p: usize, lower: f64, iterations: usize, tol: f64) -> f64 {
    let rows = c.rows();
    if rows == 0 || p == 0 {
        return 0.0;
    }
    let mut lambda: Vec<f64> = c.weight.clone();
    let mut v = vec![0.0; c.n_cands];
    let mut scratch = Vec::with_capacity(c.n_cands);
    let mut best = f64::INFINITY;
    let mut theta = 2.0;
    let mut since_better = 0;
    let mut g = vec![0.0f64; rows];
    for _ in 0..iterations {
        for (j, vj) in v.iter_mut().enumerate() {
            *vj = c.rows_of(j).iter().map(|&r| lambda[r as usize]).sum();
        }
        let (top, kth) = top_p_sum(&v, p, &mut scratch);
        let rest: f64 = c
            .weight
            .iter()
            .zip(&lambda)
            .map(|(w, l)| (w - l).max(0.0))
            .sum();
        let value = rest + top;
        if best.is_infinite() || value < best - 1e-12 * best.abs() {
            best = value;
            since_better = 0;
        } else {
            since_better += 1;
            if since_better >= 15 {
                theta /= 2.0;
                since_better = 0;
            }
        }
        if best - lower <= tol * best.abs().max(1.0) || theta < 1e-5 {
            break;
        }
        // Subgradient: (Σ_{j∈N(r)} x_j) − y_r, with x the top p (ties at the
        // p-th value: the lower indices) and y_r = [w_r > λ_r].
        let mut taken = 0;
        let mut x = vec![false; c.n_cands];
        for (j, &vj) in v.iter().enumerate() {
            if vj > kth {
                x[j] = true;
                taken += 1;
            }
        }
        for (j, &vj) in v.iter().enumerate() {
            if taken < p.min(c.n_cands) && vj == kth && !x[j] {
                x[j] = true;
                taken += 1;
            }
        }
        let mut norm = 0.0;
        for (r, gr) in g.iter_mut().enumerate() {
            let xs = c.cands_of(r).iter().filter(|&&j| x[j as usize]).count() as f64;
            let y = if c.weight[r] > lambda[r] { 1.0 } else { 0.0 };
            *gr = xs - y;
            norm += *gr * *gr;
        }
        if norm == 0.0 {
            break; // the relaxed solution is feasible and optimal for it
        }
        let step = theta * (value - lower).max(1e-9 * value.abs().max(1.0)) / norm;
        for ((l, gr), w) in lambda.iter_mut().zip(&g).zip(&c.weight) {
            *l = (*l - step * gr).clamp(0.0, *w);
        }
    }
    best
}

/// The bound tightened by the granularity of the weights: when every weight
/// is a multiple of 1/d for a small d, so is every objective value.
pub fn round_bound(c: &Coverage, bound: f64) -> f64 {
    for d in [1.0, 2.0, 4.0, 10.0, 100.0] {
        if c.weight
            .iter()
            .all(|w| ((w * d).round() - w * d).abs() < 1e-9)
        {
            return ((bound * d) + 1e-7).floor() / d;
        }
    }
    bound
}

/// The exact optimum by branch and bound (`good_lp` over `microlp`),
/// warm-started from `start`, within `time_limit_s`. Returns the chosen
/// candidates and whether optimality was proven (false: the time ran out;
/// the best solution found is returned).
pub fn exact(
    c: &Coverage,
    p: usize,
    start: &[u32],
    time_limit_s: f64,
) -> Result<(Vec<u32>, bool), String> {
    let mut vars = ProblemVariables::new();
    let x: Vec<Variable> = (0..c.n_cands)
        .map(|_| vars.add(variable().binary()))
        .collect();
    let y: Vec<Variable> = (0..c.rows())
        .map(|_| vars.add(variable().min(0).max(1)))
        .collect();
    let objective: Expression = y.iter().zip(&c.weight).map(|(v, w)| *w * *v).sum();
    let mut model = vars
        .maximise(objective)
        .using(good_lp::solvers::microlp::microlp)
        .with_time_limit(time_limit_s);
    for (r, yr) in y.iter().enumerate() {
        let cover: Expression = c.cands_of(r).iter().map(|&j| x[j as usize]).sum();
        model = model.with(constraint!(*yr <= cover));
    }
    let all: Expression = x.iter().copied().sum();
    model = model.with(constraint!(all <= p as f64));
    let mut chosen = vec![false; c.n_cands];
    for &j in start {
        chosen[j as usize] = true;
    }
    let mut covered = vec![false; c.rows()];
    for &j in start {
        for &r in c.rows_of(j as usize) {
            covered[r as usize] = true;
        }
    }
    let warm: Vec<(Variable, f64)> = x
        .iter()
        .zip(&chosen)
        .map(|(v, &on)| (*v, if on { 1.0 } else { 0.0 }))
        .chain(
            y.iter()
                .zip(&covered)
                .map(|(v, &on)| (*v, if on { 1.0 } else { 0.0 })),
        )
        .collect();
    let model = model.with_initial_solution(warm);
    let solution = model.solve().map_err(|e| e.to_string())?;
    let proven = matches!(solution.status(), good_lp::SolutionStatus::Optimal);
    let picked = (0..c.n_cands as u32)
        .filter(|&j| solution.value(x[j as usize]) > 0.5)
        .collect();
    Ok((picked, proven))
}

/// How to solve.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Method {
    /// Heuristic and bound; the integer program when they do not meet and
    /// the instance is small enough.
    Auto,
    /// Always the integer program (within the time limit).
    Exact,
    /// Greedy and local search only, with the bound.
    Heuristic,
}

/// An answer and how good it is known to be.
#[derive(Debug, Clone, PartialEq)]
pub struct Solved {
    /// The chosen candidates, ascending.
    pub chosen: Vec<u32>,
    pub objective: f64,
    /// An upper bound on the optimum (the objective itself when proven).
    pub bound: f64,
    pub proven_optimal: bool,
    /// What produced the answer, e.g. "greedy + local search; Lagrangian bound".
    pub solver: String,
    /// The greedy start's objective, before local search.
    pub greedy_objective: f64,
}

impl Solved {
    /// (bound − objective) / bound, 0 when both are 0.
    pub fn gap(&self) -> f64 {
        if self.bound <= 0.0 {
            0.0
        } else {
            ((self.bound - self.objective) / self.bound).max(0.0)
        }
    }
}

/// Instances up to this many row–candidate pairs and candidates go to the
/// integer program in [`Method::Auto`] when the heuristic is not proven.
pub const EXACT_MAX_NONZEROS: usize = 200_000;
pub const EXACT_MAX_CANDIDATES: usize = 2_000;

/// Solve for at most `p` candidates (see the module documentation).
pub fn solve(
    c: &Coverage,
    p: usize,
    method: Method,
    time_limit_s: f64,
    progress: &mut dyn FnMut(&str),
) -> Result<Solved, String> {
    progress("greedy");
    let start = greedy(c, p);
    let greedy_objective = c.objective(&start);
    progress("local search");
    let mut chosen = local_search(c, &start, 50, &mut |_| {});
    chosen.sort_unstable();
    let mut objective = c.objective(&chosen);
    progress("bound");
    let raw = lagrangian_bound(c, p, objective, 400, 1e-9);
    let mut bound = round_bound(c, raw).max(objective);
    let meets = |obj: f64, b: f64| b.is_finite() && b - obj <= 1e-9 * b.abs().max(1.0);
    let mut proven = meets(objective, bound);
    let mut solver = "greedy + local search; Lagrangian bound".to_owned();
    let small = c.nonzeros() <= EXACT_MAX_NONZEROS && c.n_cands <= EXACT_MAX_CANDIDATES;
    let run_exact = match method {
        Method::Exact => true,
        Method::Auto => !proven && small,
        Method::Heuristic => false,
    };
    if proven {
        solver.push_str(" (they meet: proven optimal)");
    }
    if run_exact {
        progress("branch and bound");
        let (picked, done) = exact(c, p, &chosen, time_limit_s)?;
        let value = c.objective(&picked);
        if value >= objective - 1e-9 * objective.abs().max(1.0) {
            chosen = picked;
            objective = value;
        }
        solver = format!(
            "microlp {} branch and bound (good_lp), warm-started from greedy + local search",
            MICROLP_VERSION
        );
        if done {
            proven = true;
            bound = objective;
        } else {
            solver.push_str(" (time limit reached: not proven optimal)");
            proven = meets(objective, bound);
        }
    }
    if proven {
        bound = objective;
    }
    Ok(Solved {
        chosen,
        objective,
        bound,
        proven_optimal: proven,
        solver,
        greedy_objective,
    })
}

/// The microlp version the integer program runs on (Cargo.lock).
pub const MICROLP_VERSION: &str = "0.7";

#[cfg(test)]
mod tests {
    use super::*;
    use rand::{Rng, SeedableRng};

    /// Every subset of exactly min(p, n) candidates.
    fn brute(c: &Coverage, p: usize) -> f64 {
        let n = c.n_cands;
        let mut best: f64 = 0.0;
        for mask in 0u32..(1 << n) {
            if mask.count_ones() as usize != p.min(n) {
                continue;
            }
            let chosen: Vec<u32> = (0..n as u32).filter(|j| mask & (1 << j) != 0).collect();
            best = best.max(c.objective(&chosen));
        }
        best
    }

    fn random(seed: u64, n: usize, rows: usize) -> Coverage {
        let mut rng = rand_chacha::ChaCha8Rng::seed_from_u64(seed);
        let rows: Vec<(f64, Vec<u32>)> = (0..rows)
            .map(|_| {
                let k = rng.gen_range(1..=3);
                let mut cands: Vec<u32> = (0..k).map(|_| rng.gen_range(0..n as u32)).collect();
                cands.sort_unstable();
                cands.dedup();
                (f64::from(rng.gen_range(1..20u32)), cands)
            })
            .collect();
        Coverage::new(n, &rows)
    }

    #[test]
    fn solvers_against_brute_force() {
        for seed in 0..25 {
            let c = random(seed, 12, 40);
            for p in [1, 2, 4, 6] {
                let want = brute(&c, p);
                let s = solve(&c, p, Method::Auto, 10.0, &mut |_| {}).expect("solves");
                assert!(
                    (s.objective - want).abs() < 1e-9,
                    "seed {seed} p {p}: {} vs {want}",
                    s.objective
                );
                assert!(s.bound + 1e-9 >= want, "bound below the optimum");
                let e = solve(&c, p, Method::Exact, 10.0, &mut |_| {}).expect("solves");
                assert!(
                    e.proven_optimal && (e.objective - want).abs() < 1e-9,
                    "exact seed {seed} p {p}"
                );
                let h = solve(&c, p, Method::Heuristic, 10.0, &mut |_| {}).expect("solves");
                assert!(h.objective <= want + 1e-9 && h.bound + 1e-9 >= want);
                assert!(h.objective >= 0.9 * want, "heuristic seed {seed} p {p}");
            }
        }
    }

    #[test]
    fn exact_alone_on_seed_1() {
        let c = random(1, 12, 40);
        let want = brute(&c, 6);
        let start = greedy(&c, 6);
        let (picked, proven) = exact(&c, 6, &start, 10.0).expect("solves");
        let (cold, _) = exact(&c, 6, &[], 10.0).expect("solves");
        assert!(proven);
        assert_eq!(
            (c.objective(&picked), c.objective(&cold)),
            (want, want),
            "warm {picked:?} cold {cold:?}"
        );
    }

    #[test]
    fn greedy_is_beaten_where_it_should_be() {
        // The classic trap: one big candidate overlapping two disjoint ones.
        let c = Coverage::new(
            3,
            &[
                (6.0, vec![0, 1]),
                (6.0, vec![0, 2]),
                (5.0, vec![1]),
                (5.0, vec![2]),
                (1.0, vec![0]),
            ],
        );
        assert_eq!(greedy(&c, 2)[0], 0, "greedy takes the big one first");
        let s = solve(&c, 2, Method::Auto, 5.0, &mut |_| {}).expect("solves");
        assert_eq!(s.chosen, vec![1, 2]);
        assert_eq!(s.objective, 22.0);
        assert!(s.proven_optimal);
    }

    #[test]
    fn marginal_order_and_ties() {
        // Two identical candidates: the lower index first; the second gains nothing.
        let c = Coverage::new(3, &[(3.0, vec![0, 1]), (2.0, vec![2])]);
        let order = c.marginal_order(&[2, 1, 0]);
        assert_eq!(
            order.iter().map(|o| (o.0, o.1)).collect::<Vec<_>>(),
            [(0, 3.0), (2, 2.0), (1, 0.0)]
        );
        assert_eq!(greedy(&c, 2), vec![0, 2]);
    }

    #[test]
    fn bound_is_valid_and_tight_on_easy_cases() {
        for seed in 0..10 {
            let c = random(100 + seed, 10, 30);
            for p in [1, 3, 5] {
                let opt = brute(&c, p);
                let b = lagrangian_bound(&c, p, 0.0, 500, 0.0);
                assert!(
                    b + 1e-9 >= opt,
                    "seed {seed} p {p}: bound {b} < optimum {opt}"
                );
            }
        }
        // Disjoint candidates: the bound is the optimum.
        let c = Coverage::new(3, &[(5.0, vec![0]), (3.0, vec![1]), (1.0, vec![2])]);
        assert!((lagrangian_bound(&c, 2, 8.0, 100, 1e-9) - 8.0).abs() < 1e-6);
    }
}
