//! The answer of a what-if: the gap figures before, after and their
//! difference, per parish, and what became of each cluster.

use super::change::Change;
use super::evaluate::Outcome;
use gapmap_engine::analysis::aggregate::{Cluster, ClusterCells, Recount};
use gapmap_engine::analysis::{Aggregate, Analysis};
use gapmap_engine::snapshot::Snapshot;
use gapmap_model::disclosure::Disclosure;
use serde_json::{Map, Value, json};
use std::collections::BTreeMap;

/// The figures of `/gaps/summary` for an aggregate and cluster counts,
/// residents published by `d`.
pub fn summary_figures(
    total: &Aggregate,
    d: &Disclosure,
    grid_cells: usize,
    underserved_cells: usize,
    clusters: usize,
    parishes: usize,
) -> Value {
    let mut m = total.to_json(d);
    m.remove("provenance");
    m.insert("parishes".into(), json!(parishes));
    m.insert("grid_cells".into(), json!(grid_cells));
    m.insert("underserved_cells".into(), json!(underserved_cells));
    m.insert("clusters".into(), json!(clusters));
    Value::Object(m)
}

/// after − before for every number (objects recursively; other values skipped).
pub fn difference(before: &Value, after: &Value) -> Value {
    match (before, after) {
        (Value::Object(a), Value::Object(b)) => {
            let mut m = Map::new();
            for (k, vb) in b {
                if let Some(va) = a.get(k) {
                    let d = difference(va, vb);
                    if !d.is_null() {
                        m.insert(k.clone(), d);
                    }
                }
            }
            Value::Object(m)
        }
        (Value::Number(a), Value::Number(b)) => match (a.as_i64(), b.as_i64()) {
            (Some(x), Some(y)) => json!(y - x),
            _ => json!(b.as_f64().unwrap_or(0.0) - a.as_f64().unwrap_or(0.0)),
        },
        _ => Value::Null,
    }
}

/// What became of a cluster before (`old`): the clusters after that hold
/// its cells (`into`, indices into `after`), summed, and a status word.
/// (The residents are published later, by [`publish_clusters`].)
pub(super) fn fate(old: &Cluster, after: &[ClusterCells], into: &[usize]) -> Value {
    let du_after: u64 = into.iter().map(|&k| after[k].digitally_underserved).sum();
    let cells_after: usize = into.iter().map(|&k| after[k].cells.len()).sum();
    let du_before = old.aggregate.digitally_underserved;
    let status = match into.len() {
        0 => "gone",
        1 if cells_after > old.cells.len() => "grown",
        1 if cells_after < old.cells.len() => "shrunk",
        1 if du_after < du_before => "fewer_underserved",
        1 if du_after > du_before => "more_underserved",
        1 => "unchanged",
        _ => "split",
    };
    json!({
        "rank_before": old.rank,
        "status": status,
        "cells_before": old.cells.len(),
        "cells_after": cells_after,
        "digitally_underserved_before": du_before,
        "digitally_underserved_after": du_after,
        "ranks_after": into.iter().map(|k| k + 1).collect::<Vec<_>>(),
    })
}

/// How each cluster of the analysis fared: the clusters before that changed
/// (in rank order; `r.changed_base_clusters`) and what their cells became
/// (`r.rebuilt_clusters`), then the clusters after made only of cells that
/// were not under-served before. Unchanged clusters are not visited.
pub(super) fn cluster_changes(analysis: &Analysis, r: &Recount) -> Value {
    let after = &r.clusters;
    // Whether two sorted cell lists share a cell (the shorter looked up in
    // the longer: a cluster may hold most of the country's cells).
    let share = |a: &[(i64, i64)], b: &[(i64, i64)]| {
        let (short, long) = if a.len() <= b.len() { (a, b) } else { (b, a) };
        short.iter().any(|x| long.binary_search(x).is_ok())
    };
    let mut rows = Vec::new();
    for old in r
        .changed_base_clusters
        .iter()
        .map(|&i| &analysis.clusters[i])
    {
        // What became of its cells: the rebuilt clusters that hold some
        // (parts split off it may hold no changed cell).
        let into: Vec<usize> = r
            .rebuilt_clusters
            .iter()
            .copied()
            .filter(|&k| share(&old.cells, &after[k].cells))
            .collect();
        rows.push(fate(old, after, &into));
    }
    // Clusters made only of cells that were not under-served before.
    let was_under = |c: &(i64, i64)| {
        analysis
            .cell_index(*c)
            .is_some_and(|k| analysis.grid[k].underserved())
    };
    rows.extend(new_clusters(after, &r.rebuilt_clusters, was_under));
    cluster_report(analysis, after, rows)
}

/// The rows of the clusters after among `ks` made only of cells that were
/// not under-served before (`was_under`).
pub(super) fn new_clusters(
    after: &[ClusterCells],
    ks: &[usize],
    was_under: impl Fn(&(i64, i64)) -> bool,
) -> Vec<Value> {
    ks.iter()
        .filter(|&&k| !after[k].cells.iter().any(&was_under))
        .map(|&k| {
            json!({
                "rank_before": null, "status": "new", "cells_before": 0, "cells_after": after[k].cells.len(),
                "digitally_underserved_before": 0, "digitally_underserved_after": after[k].digitally_underserved,
                "ranks_after": [k + 1],
            })
        })
        .collect()
}

/// The cluster changes as answered: how many clusters before and after, and
/// the rows of those that changed.
pub(super) fn cluster_report(
    analysis: &Analysis,
    after: &[ClusterCells],
    rows: Vec<Value>,
) -> Value {
    json!({"before": analysis.clusters.len(), "after": after.len(), "changed": rows})
}

/// The clusters' counts of digitally under-served residents published by
/// `d` (a range's bounds beside it).
fn publish_clusters(mut v: Value, d: &Disclosure) -> Value {
    for row in v["changed"].as_array_mut().into_iter().flatten() {
        if let Value::Object(m) = row {
            for k in [
                "digitally_underserved_before",
                "digitally_underserved_after",
            ] {
                if let Some(n) = m.get(k).and_then(Value::as_u64) {
                    d.put(m, k, n);
                }
            }
        }
    }
    v
}

impl Outcome {
    /// The answer: figures before, after and their difference, every count
    /// of residents published by `d` (the change is the difference of the
    /// published figures).
    pub fn to_json(&self, snap: &Snapshot, analysis: &Analysis, d: &Disclosure) -> Value {
        let underserved_before = analysis.underserved_cells();
        let before = summary_figures(
            &analysis.total,
            d,
            analysis.grid.len(),
            underserved_before,
            analysis.clusters.len(),
            analysis.parishes.len(),
        );
        let r = &self.recount;
        let after = summary_figures(
            &r.total,
            d,
            analysis.grid.len(),
            r.underserved_cells,
            r.clusters.len(),
            r.parishes.len(),
        );
        let parishes: Vec<Value> = analysis
            .parishes
            .iter()
            .zip(&r.parishes)
            .map(|(b, a)| {
                let (jb, ja) = (Value::Object(b.aggregate.to_json(d)), Value::Object(a.aggregate.to_json(d)));
                let strip = |mut v: Value| {
                    if let Value::Object(m) = &mut v {
                        m.remove("provenance");
                    }
                    v
                };
                let (jb, ja) = (strip(jb), strip(ja));
                json!({"id": b.id, "name": b.name, "change": difference(&jb, &ja), "before": jb, "after": ja})
            })
            .collect();
        let changes: Vec<Value> = self
            .changes
            .iter()
            .map(|c| match c {
                Change::Add { id, kind, free_wifi, location, .. } => json!({"action": "add", "site_id": id, "kind": kind.as_str(), "free_wifi": free_wifi, "lon": location.x(), "lat": location.y()}),
                Change::Modify { site_id, location, free_wifi, status } => json!({"action": "modify", "site_id": site_id, "moved_to": location.map(|p| [p.x(), p.y()]), "free_wifi": free_wifi, "status": status.map(|s| s.as_str())}),
                Change::Remove { site_id } => json!({"action": "remove", "site_id": site_id}),
            })
            .collect();
        let mut v = json!({
            "committed": false,
            "changes": changes,
            "digitally_underserved_change": difference(&d.json(analysis.total.digitally_underserved), &d.json(r.total.digitally_underserved)),
            "summary": {"change": difference(&before, &after), "before": before, "after": after},
            "parishes": parishes,
            "clusters": publish_clusters(cluster_changes(analysis, r), d),
            "points_examined": self.examined_points,
            "points_changed": self.changed_points,
            "thresholds": analysis.thresholds,
            "snapshot_version": snap.version,
            "note": "hypothetical: nothing is stored; distances are straight-line (planar EPSG:3059 metres)",
            "disclosure": d.describe(),
        });
        if let Value::Object(m) = &mut v {
            d.put(
                m,
                "residents_newly_near_free_wifi",
                self.residents_newly_near,
            );
            d.put(
                m,
                "residents_no_longer_near_free_wifi",
                self.residents_no_longer_near,
            );
        }
        v
    }
}

/// Parishes' digitally under-served residents after an outcome (id → count).
pub fn underserved_by_parish(r: &Recount) -> BTreeMap<String, u64> {
    r.parishes
        .iter()
        .map(|p| (p.id.clone(), p.aggregate.digitally_underserved))
        .collect()
}
