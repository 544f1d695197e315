//! The siting on the embedded dataset: every point adds residents (checked
//! against the what-if, an independent path through the gap engine), one
//! year per point summing to the yearly table, the installed points in
//! their year, eligibility by geometry, words that state the figures, and
//! no small count in the public answer.

use super::*;
use crate::instance::Exclusion;
use crate::testdata::{embedded, jelgava_snapshot};
use crate::what_if::{Change, Index, evaluate};
use gapmap_model::SiteKind;
use gapmap_model::disclosure::Disclosure;
use gapmap_model::thresholds::Thresholds;
use geo_types::Point;
use serde_json::Value;

fn siting_with(snap: &Snapshot, a: &Analysis, o: &Overrides) -> Siting {
    let p = params(snap, a.thresholds.near_m, o).expect("params");
    let zones = instance::in_priority_zone(snap);
    plan(snap, a, &zones, &p, &mut |_| {}).expect("siting")
}

fn siting(o: &Overrides) -> Siting {
    let snap = embedded();
    siting_with(snap, &snap.analysis, o)
}

/// Where a point's free Wi-Fi is (WGS84).
fn wifi_at(s: &Siting, pl: &Placement) -> Point<f64> {
    match &pl.unit {
        Unit::Building => s.instance.cands[pl.cand as usize].location,
        Unit::Outdoor { spot_ll, .. } => *spot_ll,
    }
}

#[test]
fn shares_split_by_largest_remainders() {
    assert_eq!(shares(10, &[1, 1, 1, 1]), [3, 3, 2, 2]);
    assert_eq!(shares(35, &[9, 9, 9, 8]), [9, 9, 9, 8]);
    assert_eq!(shares(1, &[9, 9, 9, 8]), [1, 0, 0, 0]);
    assert_eq!(shares(7, &[0, 1, 0, 0]), [0, 7, 0, 0]);
}

#[test]
fn every_recommended_point_adds_residents() {
    let snap = embedded();
    let s = siting(&Overrides::default());
    assert!(!s.placements.is_empty());
    let index = Index::new(snap);
    let mut changes = Vec::new();
    for pl in &s.placements {
        assert!(pl.people.residents > 0, "rank {} adds no one", pl.rank);
        assert!(pl.weight_gain > 0.0);
        // The same points really added, one more each time: the gap engine
        // counts exactly the residents the plan says each one brings.
        changes.push(Change::Add {
            id: format!("test-ap-{}", pl.rank),
            name: String::new(),
            kind: SiteKind::Wifi,
            free_wifi: true,
            location: wifi_at(&s, pl),
        });
        let o = evaluate(snap, &snap.analysis, &index, changes.clone()).expect("what-if");
        assert_eq!(
            o.residents_newly_near, pl.cumulative_residents_newly_served,
            "rank {}",
            pl.rank
        );
    }
    // Each building's own point comes before its outdoor units.
    for pl in s.placements.iter().filter(|p| p.unit != Unit::Building) {
        assert!(
            s.placements
                .iter()
                .any(|q| q.cand == pl.cand && q.unit == Unit::Building && q.rank < pl.rank)
        );
    }
}

#[test]
fn per_point_years_sum_to_the_yearly_table() {
    let s = siting(&Overrides::default());
    let years = s.years();
    assert_eq!(
        years.iter().map(|y| y.year).collect::<Vec<_>>(),
        [2026, 2027, 2028, 2029]
    );
    for y in &years {
        let mine: Vec<&Placement> = s.placements.iter().filter(|p| p.year == y.year).collect();
        assert_eq!(mine.len(), y.planned, "{}", y.year);
        assert_eq!(
            mine.iter().map(|p| p.people.residents).sum::<u64>(),
            y.residents_newly_served,
            "{}",
            y.year
        );
        assert!(y.planned <= y.to_place, "{}: the year's slots", y.year);
    }
    assert_eq!(
        years.iter().map(|y| y.planned).sum::<usize>(),
        s.placements.len()
    );
    // Ranks fill the years in order: a later rank never has an earlier year,
    // and a year is full before the next one starts.
    for w in s.placements.windows(2) {
        assert!(w[0].year <= w[1].year);
    }
    for w in years.windows(2) {
        if w[1].planned > 0 {
            assert_eq!(w[0].planned, w[0].to_place, "{} is full first", w[0].year);
        }
    }
    // The answer's JSON says the same.
    let g = s.to_geojson(embedded(), &Disclosure::exact());
    for y in g["by_year"].as_array().expect("by_year") {
        let n = g["features"]
            .as_array()
            .expect("features")
            .iter()
            .filter(|f| f["properties"]["year"] == y["year"])
            .count();
        assert_eq!(y["planned"], n);
    }
}

#[test]
fn installed_points_count_toward_their_year() {
    let dir = tempfile::tempdir().expect("tempdir");
    let mut snap = jelgava_snapshot(dir.path());
    snap.inventory_date = chrono::NaiveDate::from_ymd_opt(2026, 12, 7).expect("date");
    let p = default_params(&snap);
    // The embedded records: six access points installed in 2026.
    assert_eq!(p.installed, [(2026, 6), (2027, 0), (2028, 0), (2029, 0)]);
    assert_eq!(p.per_year, [(2026, 3), (2027, 9), (2028, 9), (2029, 8)]);
    assert_eq!((p.target, p.count), (35, 29));
    // A year later, what 2026 left undone moves to 2027.
    snap.inventory_date = chrono::NaiveDate::from_ymd_opt(2027, 3, 1).expect("date");
    let p = default_params(&snap);
    assert_eq!(p.per_year, [(2026, 0), (2027, 12), (2028, 9), (2029, 8)]);
}

#[test]
fn eligibility_is_decided_by_geometry() {
    let snap = embedded();
    let s = siting(&Overrides::default());
    let near = s.params.instance.near_m;
    let far_within = |xy: Point<f64>| {
        s.instance.far.iter().any(|f| {
            let q = snap.demand_xy[f.point as usize];
            ((q.x() - xy.x()).powi(2) + (q.y() - xy.y()).powi(2)).sqrt() <= near
        })
    };
    for e in &s.instance.excluded {
        let b = &s.instance.cands[e.cand as usize];
        match &e.why {
            Exclusion::NearFreeWifi {
                wifi_site,
                distance_m,
            } => {
                let w = snap.sites_xy[*wifi_site as usize];
                let d = ((w.x() - b.xy.x()).powi(2) + (w.y() - b.xy.y()).powi(2)).sqrt();
                assert!(
                    (d - distance_m).abs() < 1e-6 && d <= 100.0 + 1e-6,
                    "{}",
                    b.id
                );
            }
            Exclusion::NoNewReach => assert!(!far_within(b.xy), "{}", b.id),
            Exclusion::OutsideMunicipality => assert!(b.parish_id.is_none()),
        }
    }
    for &c in &s.instance.eligible {
        assert!(far_within(s.instance.cands[c as usize].xy));
    }
    assert_eq!(
        s.instance.eligible.len() + s.instance.excluded.len(),
        s.instance.cands.len()
    );
}

/// Every whole number written in a text.
fn numbers(text: &str) -> Vec<u64> {
    text.replace(',', "")
        .split(|c: char| !c.is_ascii_digit())
        .filter(|w| !w.is_empty())
        .filter_map(|w| w.parse().ok())
        .collect()
}

/// The headline's text states exactly its figures: every number in it is
/// one of them, and the ones named are there.
fn assert_words_match(s: &Siting, must: &[&str]) {
    let h = s.headline(&Disclosure::exact());
    let text = h["text"].as_str().expect("text");
    let figures: Vec<u64> = [
        "residents",
        "target",
        "installed",
        "count",
        "worth_placing",
        "need_buildings",
        "buildings",
        "areas",
        "without_area",
        "near_m",
    ]
    .iter()
    .filter_map(|k| h[*k].as_f64().map(|v| v as u64))
    .collect();
    for n in numbers(text) {
        assert!(
            figures.contains(&n),
            "{n} in `{text}` is none of {figures:?}"
        );
    }
    for k in must {
        let v = h[*k].as_f64().expect(k) as u64;
        assert!(
            numbers(text).contains(&v),
            "`{text}` should state {k} = {v}"
        );
    }
    assert_eq!(h["worth_placing"], s.placements.len());
    assert_eq!(h["residents"], s.residents_newly_served());
}

#[test]
fn each_headline_states_its_figures() {
    let snap = embedded();
    let s = siting(&Overrides::default());
    assert_eq!(s.status, Status::Shortfall);
    assert_words_match(
        &s,
        &[
            "worth_placing",
            "count",
            "need_buildings",
            "residents",
            "areas",
        ],
    );
    assert_eq!(s.need_buildings(), s.params.count - s.placements.len());
    assert_eq!(
        s.areas.len(),
        s.need_buildings(),
        "an area per point without a building"
    );
    let three = siting(&Overrides {
        count: Some(3),
        ..Overrides::default()
    });
    assert_eq!(three.status, Status::Ok);
    assert_words_match(
        &three,
        &[
            "worth_placing",
            "buildings",
            "residents",
            "installed",
            "target",
        ],
    );
    // One parish with fewer buildings than points asked.
    let eleja = siting(&Overrides {
        count: Some(3),
        parish_id: Some("elejas-pagasts".into()),
        ..Overrides::default()
    });
    assert_words_match(&eleja, &["worth_placing", "count", "need_buildings"]);
    // A reach so small that no spot brings anyone new: no area is claimed.
    let tiny = snap.analyse_with(&Thresholds {
        near_m: 5.0,
        ..Thresholds::default()
    });
    let tiny = siting_with(snap, &tiny, &Overrides::default());
    assert_eq!(tiny.status, Status::Shortfall);
    assert!(tiny.areas.len() < tiny.need_buildings());
    assert_words_match(&tiny, &["worth_placing", "count", "need_buildings"]);
    let said = tiny.headline(&Disclosure::exact())["text"].to_string();
    assert!(
        !said.contains("areas are listed") || !tiny.areas.is_empty(),
        "{said}"
    );
    // Everyone near free Wi-Fi.
    let all = snap.analyse_with(&Thresholds {
        near_m: 100_000.0,
        ..Thresholds::default()
    });
    let none = siting_with(snap, &all, &Overrides::default());
    assert_eq!(none.status, Status::NothingToCover);
    assert!(none.placements.is_empty());
    let g = none.to_geojson(snap, &Disclosure::exact());
    assert_eq!(g["access_points_placed"], 0);
    assert_eq!(g["features"].as_array().map(Vec::len), Some(0));
    assert_words_match(&none, &[]);
    // Nothing left to place.
    let mut p = params(snap, snap.analysis.thresholds.near_m, &Overrides::default()).expect("p");
    p.count = 0;
    p.per_year = p.per_year.iter().map(|y| (y.0, 0)).collect();
    let zones = instance::in_priority_zone(snap);
    let done = plan(snap, &snap.analysis, &zones, &p, &mut |_| {}).expect("done");
    assert_eq!(done.status, Status::Done);
    assert_words_match(&done, &["target", "installed"]);
}

/// Every count of residents in a JSON answer: (path, value).
fn counts(v: &Value, path: &str, out: &mut Vec<(String, Value)>) {
    const COUNTS: [&str; 12] = [
        "residents",
        "underserved",
        "served",
        "reached",
        "uncovered",
        "reachable",
        "dependents",
        "objective",
        "bound",
        "gain",
        "in_reach",
        "left",
    ];
    match v {
        Value::Object(m) => {
            for (k, x) in m {
                if matches!(
                    k.as_str(),
                    "parameters" | "provenance" | "disclosure" | "thresholds"
                ) || k.contains("mbps")
                    || k.contains("cells")
                    || k.contains("points")
                    || k.ends_with("_m")
                {
                    continue;
                }
                let p = format!("{path}.{k}");
                if COUNTS.iter().any(|c| k.contains(c))
                    && !k.ends_with("_min")
                    && !k.ends_with("_max")
                    && (x.is_number() || x.is_null())
                {
                    out.push((p.clone(), x.clone()));
                }
                counts(x, &p, out);
            }
        }
        Value::Array(a) => {
            for (i, x) in a.iter().enumerate() {
                counts(x, &format!("{path}[{i}]"), out);
            }
        }
        _ => {}
    }
}

/// No count of 1–4 and every other count a multiple of 5.
pub(crate) fn assert_protected(v: &Value) {
    let mut found = Vec::new();
    counts(v, "", &mut found);
    assert!(!found.is_empty());
    for (path, x) in found {
        if let Some(n) = x.as_f64() {
            assert!(
                n == 0.0 || (n >= 5.0 && (n / 5.0).fract() == 0.0),
                "{path} = {n} is not published by the rule"
            );
        }
    }
}

#[test]
fn a_tiny_reach_gives_no_small_count_to_the_public() {
    let snap = embedded();
    let mut some_small = false;
    for near_m in [5.0, 60.0, 150.0, 300.0, 1500.0] {
        let a = snap.analyse_with(&Thresholds {
            near_m,
            ..Thresholds::default()
        });
        let s = siting_with(snap, &a, &Overrides::default());
        let public = Disclosure::public(5);
        assert_protected(&s.to_geojson(snap, &public));
        // Signed in: the exact figures.
        let exact = s.to_geojson(snap, &Disclosure::exact());
        assert_eq!(exact["residents_newly_served"], s.residents_newly_served());
        let mut all = Vec::new();
        counts(&exact, "", &mut all);
        some_small |= all
            .iter()
            .any(|(_, x)| x.as_f64().is_some_and(|n| n > 0.0 && n < 5.0));
        let csv = s.to_csv(snap, &public);
        assert!(!csv.is_empty());
    }
    assert!(some_small, "a short reach should meet some small count");
}
