//! What-if: the change in every gap figure (`/gaps/summary`,
//! `/gaps/parishes`, the clusters) if some sites were added, changed or
//! removed — never written anywhere.
//!
//! Computed incrementally, with the snapshot's own incremental update
//! ([`SiteChange`], as a sites-only edit of the store is):
//!
//! 1. the hypothetical sites: the snapshot's, with the changes applied;
//! 2. the points whose free-Wi-Fi distance can change class: those whose
//!    nearest free Wi-Fi is a removed or changed site ([`Index`]: points by
//!    nearest free-Wi-Fi site), and those within `near_m` of an added or
//!    changed free-Wi-Fi site ([`Index`]: a grid of the points);
//! 3. their free-Wi-Fi facts updated by [`SiteChange::update`] and
//!    classified; the points whose classes change are recounted
//!    ([`aggregate::recount`]) — totals, parishes, cells, clusters.
//!
//! Only the free-Wi-Fi distance enters the gap figures (a resident is near
//! or far; fixed and mobile classes come from coverage), so the other
//! nearest distances are not updated. The result equals a full recompute
//! of the figures (tested against building the snapshot again).
//!
//! The modules, in the order a request goes through them: `change` (what a
//! change is), `parse` (a GeoJSON body as changes), `edits` (changes as
//! edits of the sites), `evaluate` (the figures after them) and `report`
//! (the answer).
//!
//! [`SiteChange`]: gapmap_engine::analysis::incremental::SiteChange
//! [`SiteChange::update`]: gapmap_engine::analysis::incremental::SiteChange::update
//! [`aggregate::recount`]: gapmap_engine::analysis::aggregate::recount

mod change;
mod edits;
mod evaluate;
mod parse;
mod report;

pub use change::{Change, MAX_CHANGES};
pub use edits::apply;
pub use evaluate::{Index, Outcome, evaluate};
pub use parse::parse_changes;
pub use report::{difference, summary_figures, underserved_by_parish};

#[cfg(test)]
mod tests {
    use super::edits::edits;
    use super::report::{cluster_changes, cluster_report, fate, new_clusters};
    use super::*;
    use crate::testdata::jelgava_snapshot;
    use gapmap_engine::analysis::aggregate::{self, Cluster, Recount};
    use gapmap_engine::analysis::facts;
    use gapmap_engine::analysis::incremental::SiteChange;
    use gapmap_engine::analysis::{Analysis, SiteSets};
    use gapmap_engine::snapshot::DEFAULT_WORKING_CRS;
    use gapmap_engine::snapshot::Snapshot;
    use gapmap_geo::crs::WGS84;
    use gapmap_ingest::{Input, Mode, Options, detect_format, run::ingest_files};
    use gapmap_model::Layer;
    use gapmap_model::thresholds::Thresholds;
    use gapmap_model::{SiteKind, SiteStatus};
    use gapmap_store::Store;
    use geo_types::Point;
    use rand::{Rng, SeedableRng};
    use serde_json::{Value, json};
    use std::collections::{HashMap, HashSet};
    use std::path::Path;

    /// The figures from scratch: every fact computed again for the
    /// hypothetical sites, then classified and aggregated.
    fn full(snap: &Snapshot, changes: &[Change], t: &Thresholds) -> Analysis {
        let (sites, xy) = apply(snap, changes).expect("apply");
        let sets = SiteSets::new(&sites, &xy);
        let f = facts::compute(&snap.demand, &snap.demand_xy, &snap.prepared, &sets);
        aggregate::analyse(
            aggregate::Inputs {
                demand: &snap.demand,
                facts: &f,
                groups: &snap.groups,
                coverage: snap.prepared.attrs(),
                parishes: &snap.parishes,
                zones: &snap.zones,
                previous: aggregate::Previous::default(),
            },
            t,
        )
    }

    /// The ids of the sites with free Wi-Fi (or without).
    fn site_ids(snap: &Snapshot, free_wifi: bool) -> Vec<String> {
        snap.sites
            .iter()
            .filter(|s| s.is_free_wifi() == free_wifi)
            .map(|s| s.id.clone())
            .collect()
    }

    #[test]
    fn what_if_equals_a_full_recompute() {
        let dir = tempfile::tempdir().expect("tempdir");
        let snap = jelgava_snapshot(dir.path());
        let index = Index::new(&snap);
        let mut rng = rand_chacha::ChaCha8Rng::seed_from_u64(13);
        let wifi = site_ids(&snap, true);
        let others = site_ids(&snap, false);
        let mut moved_some_cluster = false;
        for round in 0..25 {
            let t = if round % 5 == 4 {
                Thresholds {
                    near_m: 3000.0,
                    ..Thresholds::default()
                }
            } else {
                Thresholds::default()
            };
            let analysis = if t == snap.analysis.thresholds {
                snap.analysis.clone()
            } else {
                snap.analyse_with(&t)
            };
            let mut changes = Vec::new();
            for k in 0..rng.gen_range(1..8) {
                match rng.gen_range(0..4) {
                    0 | 1 => changes.push(Change::Add {
                        id: format!("t-{round}-{k}"),
                        name: String::new(),
                        kind: SiteKind::Wifi,
                        free_wifi: true,
                        location: Point::new(
                            rng.gen_range(23.3..24.1),
                            rng.gen_range(56.36..56.85),
                        ),
                    }),
                    2 => {
                        let id = &wifi[rng.gen_range(0..wifi.len())];
                        if !changes.iter().any(|c| matches!(c, Change::Remove { site_id } | Change::Modify { site_id, .. } if site_id == id)) {
                            changes.push(Change::Remove { site_id: id.clone() });
                        }
                    }
                    _ => {
                        let id = &others[rng.gen_range(0..others.len())];
                        if !changes.iter().any(|c| matches!(c, Change::Remove { site_id } | Change::Modify { site_id, .. } if site_id == id)) {
                            changes.push(Change::Modify { site_id: id.clone(), location: None, free_wifi: Some(true), status: None });
                        }
                    }
                }
            }
            let o = check(&snap, &analysis, &index, &changes, &t, round);
            moved_some_cluster |= o
                .recount
                .clusters
                .iter()
                .map(|c| &c.cells)
                .ne(analysis.clusters.iter().map(|c| &c.cells));
        }
        assert!(moved_some_cluster, "some round should change the clusters");
    }

    /// The what-if of `changes` checked against a full recompute: totals,
    /// parishes, clusters (cells, counts, ranking), under-served cells, and
    /// the cluster changes against [`cluster_changes_everywhere`].
    fn check(
        snap: &Snapshot,
        analysis: &Analysis,
        index: &Index,
        changes: &[Change],
        t: &Thresholds,
        round: usize,
    ) -> Outcome {
        let o = evaluate(snap, analysis, index, changes.to_vec()).expect("what-if");
        let (sites, xy) = apply(snap, changes).expect("apply");
        let e = edits(snap, |id| index.by_id.get(id).copied(), changes).expect("edits");
        assert_eq!(
            SiteChange::edited(
                (&snap.sites, &snap.sites_xy),
                &e.edited,
                &e.added,
                &e.removed
            ),
            SiteChange::new((&snap.sites, &snap.sites_xy), (&sites, &xy)),
            "round {round}: site change"
        );
        let want = full(snap, changes, t);
        assert_eq!(o.recount.total, want.total, "round {round}: total");
        for (a, b) in o.recount.parishes.iter().zip(&want.parishes) {
            assert_eq!(
                (&a.id, &a.aggregate),
                (&b.id, &b.aggregate),
                "round {round}: parish"
            );
        }
        let cells: Vec<&Vec<(i64, i64)>> = o.recount.clusters.iter().map(|c| &c.cells).collect();
        let want_cells: Vec<&Vec<(i64, i64)>> = want.clusters.iter().map(|c| &c.cells).collect();
        assert_eq!(cells, want_cells, "round {round}: clusters");
        for (a, b) in o.recount.clusters.iter().zip(&want.clusters) {
            assert_eq!(
                (a.digitally_underserved, a.residents),
                (b.aggregate.digitally_underserved, b.aggregate.residents),
                "round {round}: cluster counts"
            );
        }
        assert_eq!(
            o.recount.underserved_cells,
            want.grid.iter().filter(|c| c.underserved()).count(),
            "round {round}: under-served cells"
        );
        assert_eq!(
            o.recount.changed_cells,
            want.grid
                .iter()
                .zip(&analysis.grid)
                .filter(|(a, b)| a.aggregate().digitally_underserved
                    != b.aggregate().digitally_underserved)
                .map(|(a, _)| a.cell)
                .collect::<Vec<_>>(),
            "round {round}: changed cells"
        );
        assert_eq!(
            cluster_changes(analysis, &o.recount),
            cluster_changes_everywhere(analysis, &o.recount),
            "round {round}: cluster changes"
        );
        o
    }

    /// [`cluster_changes`] by visiting every cluster before and after.
    fn cluster_changes_everywhere(analysis: &Analysis, r: &Recount) -> Value {
        let after = &r.clusters;
        let changed_cells: HashSet<(i64, i64)> = r.changed_cells.iter().copied().collect();
        let touched_new: Vec<usize> = (0..after.len())
            .filter(|&k| after[k].cells.iter().any(|c| changed_cells.contains(c)))
            .collect();
        assert_eq!(touched_new, r.touched_clusters, "touched clusters");
        let mut new_of_cell: HashMap<(i64, i64), usize> = HashMap::new();
        for (k, cluster) in after.iter().enumerate() {
            for &c in &cluster.cells {
                new_of_cell.insert(c, k);
            }
        }
        let mut rows = Vec::new();
        for old in &analysis.clusters {
            let into = clusters_holding(old, &new_of_cell);
            // Changed: a changed cell, or its cells and counts are not one
            // cluster's after.
            let same = matches!(into.as_slice(), [k] if after[*k].cells == old.cells
                && after[*k].digitally_underserved == old.aggregate.digitally_underserved);
            if same && !old.cells.iter().any(|c| changed_cells.contains(c)) {
                continue;
            }
            rows.push(fate(old, after, &into));
        }
        let was_under = |c: &(i64, i64)| {
            analysis
                .grid
                .binary_search_by(|x| x.cell.cmp(c))
                .is_ok_and(|k| analysis.grid[k].underserved())
        };
        rows.extend(new_clusters(after, &touched_new, was_under));
        cluster_report(analysis, after, rows)
    }

    /// The clusters after (`of_cell`: cell → cluster after) that hold some
    /// of `old`'s cells, ascending.
    fn clusters_holding(old: &Cluster, of_cell: &HashMap<(i64, i64), usize>) -> Vec<usize> {
        let mut into: Vec<usize> = old
            .cells
            .iter()
            .filter_map(|c| of_cell.get(c).copied())
            .collect();
        into.sort_unstable();
        into.dedup();
        into
    }

    /// Sites added in the middle of clusters (splits: a cell with two
    /// under-served neighbours of its cluster stops being under-served) and
    /// free Wi-Fi taken away (removed, switched off, planned, moved), each
    /// checked against a full recompute.
    #[test]
    fn what_if_splits_clusters() {
        let dir = tempfile::tempdir().expect("tempdir");
        let snap = jelgava_snapshot(dir.path());
        let index = Index::new(&snap);
        let mut rng = rand_chacha::ChaCha8Rng::seed_from_u64(29);
        let to_ll = gapmap_geo::crs::Transformer::new(gapmap_geo::crs::LAEA, WGS84).expect("LAEA");
        let wifi = site_ids(&snap, true);
        let mut splits = 0;
        let mut reported_splits = 0;
        for round in 0..16 {
            // A Wi-Fi reach of 750 m from a cell's centre covers the whole
            // cell (its corners are 707 m away) and little of its neighbours.
            let t = Thresholds {
                near_m: if round % 2 == 0 { 750.0 } else { 1500.0 },
                ..Thresholds::default()
            };
            let analysis = if t == snap.analysis.thresholds {
                snap.analysis.clone()
            } else {
                snap.analyse_with(&t)
            };
            let mut changes = Vec::new();
            if round % 4 < 2 {
                // Splits: Wi-Fi at the centre of middle cells of big clusters.
                let middle = middle_cells(&analysis);
                assert!(!middle.is_empty(), "round {round}: no middle cells");
                for k in 0..rng.gen_range(1..4) {
                    let (n, e) = middle[rng.gen_range(0..middle.len())];
                    let (lon, lat) = to_ll
                        .convert(e as f64 * 1000.0 + 500.0, n as f64 * 1000.0 + 500.0)
                        .expect("to WGS84");
                    changes.push(Change::Add {
                        id: format!("t-{round}-{k}"),
                        name: String::new(),
                        kind: SiteKind::Wifi,
                        free_wifi: true,
                        location: Point::new(lon, lat),
                    });
                }
            } else {
                // Merges: take free Wi-Fi away (removed, switched off, planned).
                let mut ids = wifi.clone();
                for k in 0..rng
                    .gen_range(3..=ids.len().clamp(3, MAX_CHANGES))
                    .min(ids.len())
                {
                    let site_id = ids.swap_remove(rng.gen_range(0..ids.len()));
                    changes.push(match k % 4 {
                        0 => Change::Remove { site_id },
                        3 => Change::Modify {
                            site_id,
                            location: Some(Point::new(
                                rng.gen_range(23.3..24.1),
                                rng.gen_range(56.36..56.85),
                            )),
                            free_wifi: None,
                            status: None,
                        },
                        1 => Change::Modify {
                            site_id,
                            location: None,
                            free_wifi: Some(false),
                            status: None,
                        },
                        _ => Change::Modify {
                            site_id,
                            location: None,
                            free_wifi: None,
                            status: Some(SiteStatus::Planned),
                        },
                    });
                }
            }
            let o = check(&snap, &analysis, &index, &changes, &t, round);
            splits += splits_and_merges(&analysis, &o.recount).0;
            // A split is reported as one (not as "gone" when its parts hold
            // no changed cell).
            let rows = cluster_changes(&analysis, &o.recount);
            reported_splits += rows["changed"]
                .as_array()
                .into_iter()
                .flatten()
                .filter(|r| r["status"] == "split")
                .count();
        }
        assert_eq!(reported_splits, splits, "every split is reported as one");
        // (Jelgava's few free-Wi-Fi sites stand between no two clusters:
        // `what_if_merges_clusters_split_by_sites` makes the merges.)
        assert!(splits > 0, "some round should split a cluster");
    }

    /// Clusters split (cells of one cluster before in several after) and
    /// merged (cells of several clusters before in one after).
    fn splits_and_merges(analysis: &Analysis, r: &Recount) -> (usize, usize) {
        let after_of: HashMap<(i64, i64), usize> = r
            .clusters
            .iter()
            .enumerate()
            .flat_map(|(k, c)| c.cells.iter().map(move |&x| (x, k)))
            .collect();
        let mut splits = 0;
        for old in &analysis.clusters {
            let into = clusters_holding(old, &after_of);
            splits += usize::from(into.len() > 1);
        }
        let mut merges = 0;
        for c in &r.clusters {
            let mut from: Vec<usize> = c
                .cells
                .iter()
                .filter_map(|&x| analysis.cell_index(x).and_then(|k| analysis.cluster_of(k)))
                .collect();
            from.sort_unstable();
            from.dedup();
            merges += usize::from(from.len() > 1);
        }
        (splits, merges)
    }

    /// The cells of big clusters with at least two neighbours in their cluster.
    fn middle_cells(analysis: &Analysis) -> Vec<(i64, i64)> {
        analysis
            .clusters
            .iter()
            .filter(|c| c.cells.len() >= 3)
            .flat_map(|c| {
                c.cells.iter().copied().filter(|&(n, e)| {
                    [(n + 1, e), (n - 1, e), (n, e + 1), (n, e - 1)]
                        .iter()
                        .filter(|x| c.cells.binary_search(x).is_ok())
                        .count()
                        >= 2
                })
            })
            .collect()
    }

    /// Merges: a store with free-Wi-Fi sites in the middle of clusters
    /// (which split them), and the what-if of removing those sites again.
    #[test]
    fn what_if_merges_clusters_split_by_sites() {
        let dir = tempfile::tempdir().expect("tempdir");
        let snap = jelgava_snapshot(dir.path());
        let t = Thresholds {
            near_m: 750.0,
            ..Thresholds::default()
        };
        let to_ll = gapmap_geo::crs::Transformer::new(gapmap_geo::crs::LAEA, WGS84).expect("LAEA");
        let middle = middle_cells(&snap.analyse_with(&t));
        let path =
            Path::new(env!("CARGO_MANIFEST_DIR")).join("../../geodata/jelgava/sites.geojson");
        let mut doc: Value =
            serde_json::from_str(&std::fs::read_to_string(&path).expect("sites")).expect("json");
        let features = doc["features"].as_array_mut().expect("features");
        let template = features
            .iter()
            .find(|f| f["properties"]["free_wifi"] == true)
            .expect("a free-Wi-Fi site")
            .clone();
        let mut ids = Vec::new();
        for (k, &(n, e)) in middle
            .iter()
            .step_by(middle.len().div_ceil(12).max(1))
            .enumerate()
        {
            let (lon, lat) = to_ll
                .convert(e as f64 * 1000.0 + 500.0, n as f64 * 1000.0 + 500.0)
                .expect("to WGS84");
            // The point names the parish it lies in (ingest's position
            // rule); a cell centre outside every parish is left out.
            let Some(parish) = snap.areas.iter().find(|a| {
                a.kind == gapmap_model::AreaKind::Parish
                    && geo::Contains::contains(&a.geometry, &geo_types::Point::new(lon, lat))
            }) else {
                continue;
            };
            let mut f = template.clone();
            let id = format!("splitter-{k}");
            f["properties"]["id"] = json!(id);
            f["properties"]["parish_id"] = json!(parish.id);
            f["properties"]["building_id"] = Value::Null;
            f["geometry"]["coordinates"] = json!([lon, lat]);
            features.push(f);
            ids.push(id);
        }
        let sites = dir.path().join("sites.geojson");
        std::fs::write(&sites, doc.to_string()).expect("write");
        let mut store = Store::open(&dir.path().join("s.gpkg")).expect("store");
        let input = Input {
            format: detect_format(&sites, None).expect("format"),
            path: sites,
        };
        let opts = Options {
            layer: Some(Layer::Sites),
            ..Options::default()
        };
        let o = ingest_files(&mut store, &[input], &opts, Mode::Replace).expect("ingest");
        assert!(o.committed, "{:?}", o.problems);
        let split =
            Snapshot::build(&store, DEFAULT_WORKING_CRS, &Thresholds::default()).expect("snapshot");
        let analysis = split.analyse_with(&t);
        let index = Index::new(&split);
        let (mut merges, mut round) = (0, 0);
        for chunk in [&ids[..1], &ids[..ids.len() / 2], &ids[..]] {
            let changes: Vec<Change> = chunk
                .iter()
                .map(|id| Change::Remove {
                    site_id: id.clone(),
                })
                .collect();
            let o = check(&split, &analysis, &index, &changes, &t, round);
            merges += splits_and_merges(&analysis, &o.recount).1;
            round += 1;
        }
        assert!(merges > 0, "removing the sites should merge clusters");
    }

    /// A free-Wi-Fi point on a homestead of 1–4 residents far from free
    /// Wi-Fi, with a 5 m reach: the public sees a range, a planner the count.
    /// Two requests differing by that one point, and three overlapping
    /// ones, differ by multiples of 5 — never by the homestead's residents.
    #[test]
    fn differencing_cannot_recover_a_homestead() {
        use gapmap_model::disclosure::Disclosure;
        let snap = crate::testdata::embedded();
        let t = Thresholds {
            near_m: 5.0,
            ..Thresholds::default()
        };
        let analysis = snap.analyse_with(&t);
        let index = Index::new(snap);
        let far: Vec<usize> = (0..snap.demand.len())
            .filter(|&i| {
                analysis.classes[i].public_access == gapmap_engine::analysis::PublicAccess::Far
            })
            .collect();
        let small: Vec<usize> = far
            .iter()
            .copied()
            .filter(|&i| (1..5).contains(&snap.demand[i].residents))
            .collect();
        let big: Vec<usize> = far
            .iter()
            .copied()
            .filter(|&i| snap.demand[i].residents >= 5)
            .take(3)
            .collect();
        assert!(small.len() >= 2 && big.len() == 3);
        let on = |i: usize, k: usize| Change::Add {
            id: format!("h-{k}"),
            name: String::new(),
            kind: SiteKind::Wifi,
            free_wifi: true,
            location: snap.demand[i].location,
        };
        let (public, exact) = (Disclosure::public(5), Disclosure::exact());
        let answer = |changes: Vec<Change>, d: &Disclosure| {
            let o = evaluate(snap, &analysis, &index, changes).expect("what-if");
            o.to_json(snap, &analysis, d)
        };
        // The tiny reach on one homestead.
        let h = small[0];
        let one = answer(vec![on(h, 0)], &public);
        assert!(one["residents_newly_near_free_wifi"].is_null(), "{one}");
        assert_eq!(one["residents_newly_near_free_wifi_min"], 1);
        assert_eq!(one["residents_newly_near_free_wifi_max"], 4);
        let signed_in = answer(vec![on(h, 0)], &exact);
        assert_eq!(
            signed_in["residents_newly_near_free_wifi"],
            snap.demand[h].residents
        );
        // Two requests that differ by the homestead.
        let a: Vec<Change> = big.iter().enumerate().map(|(k, &i)| on(i, k)).collect();
        let mut b = a.clone();
        b.push(on(h, 9));
        let (na, nb) = (answer(a.clone(), &public), answer(b, &public));
        let diff = nb["residents_newly_near_free_wifi"]
            .as_i64()
            .expect("a count")
            - na["residents_newly_near_free_wifi"]
                .as_i64()
                .expect("a count");
        assert_eq!(diff % 5, 0, "{diff}");
        // Overlapping requests: {A, H}, {B, H}, {A, B, H} — inclusion and
        // exclusion would give H's residents if the counts were exact.
        let two = small[1];
        let (x, y) = (on(big[0], 0), on(two, 1));
        let n = |c: Vec<Change>| -> i64 {
            let v = answer(c, &public);
            v["residents_newly_near_free_wifi"].as_i64().unwrap_or(0)
        };
        let ih = on(h, 2);
        let derived =
            n(vec![x.clone(), ih.clone()]) + n(vec![y.clone(), ih.clone()]) - n(vec![x, y, ih]);
        assert_eq!(derived % 5, 0, "{derived}");
        assert_ne!(derived, i64::from(snap.demand[h].residents));
        // The parish figures carry no small count either.
        crate::access_points::tests::assert_protected(&answer(vec![on(h, 0)], &public));
    }

    #[test]
    fn nonsense_names_the_feature() {
        let dir = tempfile::tempdir().expect("tempdir");
        let snap = jelgava_snapshot(dir.path());
        for (body, want) in [
            (json!({"type": "Feature"}), "FeatureCollection"),
            (
                json!({"type": "FeatureCollection", "features": []}),
                "1 to 100",
            ),
            (
                json!({"type": "FeatureCollection", "features": [{"type": "Feature", "properties": {}}]}),
                "features[0].geometry",
            ),
            (
                json!({"type": "FeatureCollection", "features": [{"type": "Feature", "geometry": {"type": "Point", "coordinates": [2.35, 48.85]}}]}),
                "features[0].geometry.coordinates",
            ),
            (
                json!({"type": "FeatureCollection", "features": [{"type": "Feature", "properties": {"site_id": "nope"}}]}),
                "no site `nope`",
            ),
            (
                json!({"type": "FeatureCollection", "features": [{"type": "Feature", "geometry": {"type": "Point", "coordinates": [23.7, 56.6]}, "properties": {"colour": "red"}}]}),
                "properties.colour",
            ),
        ] {
            let e = parse_changes(&body, &snap).expect_err("nonsense");
            assert!(e.to_string().contains(want), "{e} should name {want}");
        }
        let many: Vec<Value> = (0..101)
            .map(|_| json!({"type": "Feature", "geometry": {"type": "Point", "coordinates": [23.7, 56.6]}}))
            .collect();
        assert!(
            parse_changes(
                &json!({"type": "FeatureCollection", "features": many}),
                &snap
            )
            .is_err()
        );
    }
}
