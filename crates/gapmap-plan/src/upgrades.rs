//! Router and backhaul upgrades per year, within the plan's ranges (new
//! routers for 5–10 institutions a year 2026–2029; faster internet at 3–10
//! a year 2026–2028), ranked by a documented score, each row with its
//! reasons; buildings whose equipment is unknown are listed apart, to
//! survey — never guessed.
//!
//! # Scores (0–100, per [`buildings`] building)
//!
//! - **router** = 50 × min(age, 15) / 15 + 30 × dependents / most
//!   dependents + 20 × [in a priority zone], where age = the list's year −
//!   `router_year`; only routers at least `router_min_age_years` (default 5)
//!   old are listed;
//! - **backhaul** = 50 × (1 − down / served) + 30 × dependents / most
//!   dependents + 20 × [in a priority zone], where `served` is the gap
//!   engine's `served_down_mbps` (100); only lines below it are listed.
//!
//! Dependents are the residents for whom the building is the nearest one
//! within `near_m` ([`buildings`]); in the score they count to the nearest
//! 5, and fewer than 5 as 0 (as the public sees them: a score computed
//! from an exact count would give that count away), "most dependents"
//! being the largest such figure of any building. The score is rounded to
//! 0.1. Ties: the older router or slower line, then the site id.
//!
//! # Years
//!
//! Each year lists what the records say was **done** that year (a router or
//! line installed then) and **recommended** rows up to the range's maximum
//! less what was done; the first rows up to its minimum are marked
//! `within_minimum`. A building recommended one year counts as upgraded in
//! the years after it (its router is new, its line at the served speed).

use super::buildings::{Building, buildings};
use super::{PlanError, Target, reason};
use chrono::Datelike;
use gapmap_engine::analysis::Analysis;
use gapmap_engine::snapshot::Snapshot;
use gapmap_model::disclosure::{Disclosure, Published};
use gapmap_model::{EquipmentType, Layer};
use serde_json::{Value, json};
use std::collections::{BTreeMap, BTreeSet};

/// The request.
#[derive(Debug, Clone, PartialEq)]
pub struct Params {
    pub router_min_age_years: i32,
}

impl Default for Params {
    fn default() -> Self {
        Params {
            router_min_age_years: 5,
        }
    }
}

/// Which list.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Kind {
    Router,
    Backhaul,
}

impl Kind {
    fn as_str(self) -> &'static str {
        match self {
            Kind::Router => "router",
            Kind::Backhaul => "backhaul",
        }
    }
}

/// One recommended row.
#[derive(Debug, Clone, PartialEq)]
pub struct Row {
    pub rank: usize,
    /// Index into the buildings.
    pub building: usize,
    pub score: f64,
    pub within_minimum: bool,
    pub reasons: Vec<Value>,
}

/// One year of one list.
#[derive(Debug, Clone, PartialEq)]
pub struct Year {
    pub year: i32,
    /// Buildings with a router (or line) installed that year, by the records.
    pub done: Vec<usize>,
    pub recommended: Vec<Row>,
}

/// The answer.
#[derive(Debug, Clone)]
pub struct Upgrades {
    pub params: Params,
    pub buildings: Vec<Building>,
    pub routers: (Target, Vec<Year>),
    pub backhaul: (Target, Vec<Year>),
    /// (building, reasons) of buildings whose router or line is unknown.
    pub to_survey: Vec<(usize, Vec<Value>)>,
    pub served_down_mbps: f64,
    pub near_m: f64,
    /// The largest dependents figure of a building, as the score counts it.
    pub most_dependents: u64,
}

fn zone_reason(b: &Building) -> Option<Value> {
    let (id, name) = b.zones.first()?;
    Some(reason(
        "priority_zone",
        json!({"zone_id": id, "zone_name": name}),
        format!("it is in a priority zone ({name})"),
    ))
}

/// The dependents of a building as a reason, counts published by `d`.
fn dependents_reason(b: &Building, near_m: f64, d: &Disclosure) -> Value {
    let mut m = serde_json::Map::new();
    d.put(&mut m, "residents", b.dependents);
    d.put(&mut m, "digitally_underserved", b.dependents_underserved);
    m.insert("near_m".into(), json!(near_m));
    reason(
        "dependents",
        Value::Object(m),
        format!(
            "{} residents live within {near_m} m with this as their nearest municipal building ({} of them without good home internet)",
            d.text(b.dependents),
            d.text(b.dependents_underserved)
        ),
    )
}

/// A row's reasons as answered: its list's reason, the dependents (by
/// `d`), then the rest.
fn with_dependents(stored: &[Value], b: &Building, near_m: f64, d: &Disclosure) -> Vec<Value> {
    let mut out: Vec<Value> = stored.iter().take(1).cloned().collect();
    out.push(dependents_reason(b, near_m, d));
    out.extend(stored.iter().skip(1).cloned());
    out
}

/// Buildings with an `kind` record installed in `year` (by the records).
fn done_in(snap: &Snapshot, buildings: &[Building], kind: EquipmentType, year: i32) -> Vec<usize> {
    let sites: BTreeSet<&str> = snap
        .equipment
        .iter()
        .filter(|e| e.kind == kind && e.installed_on.is_some_and(|d| d.year() == year))
        .map(|e| e.site_id.as_str())
        .collect();
    buildings
        .iter()
        .enumerate()
        .filter(|(_, b)| {
            b.members
                .iter()
                .any(|&i| sites.contains(snap.sites[i as usize].id.as_str()))
        })
        .map(|(k, _)| k)
        .collect()
}

/// The lists (see the module documentation).
pub fn plan(snap: &Snapshot, analysis: &Analysis, p: &Params) -> Result<Upgrades, PlanError> {
    if !(0..=50).contains(&p.router_min_age_years) {
        return Err(PlanError::parameter(
            "router_min_age_years",
            "`router_min_age_years` must be from 0 to 50",
        ));
    }
    let bs = buildings(snap, analysis);
    let min = analysis.thresholds.disclosure_min_residents;
    let most = bs
        .iter()
        .map(|b| score_dependents(b.dependents, min))
        .max()
        .unwrap_or(0)
        .max(1);
    let scoring = Scoring {
        snap,
        bs: &bs,
        most: most as f64,
        served: analysis.thresholds.served_down_mbps,
        near_m: analysis.thresholds.near_m,
        min,
    };
    let rt = Target::of(&snap.plan, "router-upgrades");
    let router_years = scoring.router_years(&rt, p.router_min_age_years);
    let bt = Target::of(&snap.plan, "faster-backhaul");
    let backhaul_years = scoring.backhaul_years(&bt);
    let to_survey = scoring.to_survey();
    let (served, near_m) = (scoring.served, scoring.near_m);
    let most_dependents = scoring.most as u64;
    Ok(Upgrades {
        params: p.clone(),
        buildings: bs,
        routers: (rt, router_years),
        backhaul: (bt, backhaul_years),
        to_survey,
        served_down_mbps: served,
        near_m,
        most_dependents,
    })
}

/// What the scores need: the buildings, the most dependents of one, and
/// the gap engine's thresholds.
struct Scoring<'a> {
    snap: &'a Snapshot,
    bs: &'a [Building],
    most: f64,
    served: f64,
    near_m: f64,
    min: u32,
}

/// Dependents as the score counts them: to the nearest 5 (the public
/// rule's rounding), fewer than 5 as 0.
pub fn score_dependents(n: u64, min: u32) -> u64 {
    match Disclosure::public(min).count(n) {
        Published::Value(v) => v,
        Published::Range(..) => 0,
    }
}

impl Scoring<'_> {
    /// The dependents' part of a score (30 × dependents / most dependents,
    /// both as [`score_dependents`] counts them).
    fn dep(&self, b: &Building) -> f64 {
        30.0 * score_dependents(b.dependents, self.min) as f64 / self.most
    }

    /// The priority zone's part of a score (20 when in one).
    fn zone(&self, b: &Building) -> f64 {
        if b.zones.is_empty() { 0.0 } else { 20.0 }
    }

    /// The router list: per year, the routers at least `min_age` years old
    /// by score (older, then site id, on ties); a recommended one is new the
    /// years after.
    fn router_years(&self, t: &Target, min_age: i32) -> Vec<Year> {
        let mut router_year: Vec<Option<i32>> = self.bs.iter().map(|b| b.router_year).collect();
        let mut years = Vec::new();
        for year in t.years() {
            let done = done_in(self.snap, self.bs, EquipmentType::Router, year);
            let mut rows: Vec<(f64, i32, usize)> = self
                .bs
                .iter()
                .enumerate()
                .filter(|(k, _)| !done.contains(k))
                .filter_map(|(k, b)| {
                    let age = year - router_year[k]?;
                    (age >= min_age).then(|| {
                        (
                            50.0 * f64::from(age.min(15)) / 15.0 + self.dep(b) + self.zone(b),
                            age,
                            k,
                        )
                    })
                })
                .collect();
            rows.sort_by(|a, b| b.0.total_cmp(&a.0).then(b.1.cmp(&a.1)).then(a.2.cmp(&b.2)));
            let recommended = self.recommend(rows, t, done.len(), |&age, k| {
                let ry = router_year[k].unwrap_or(year);
                reason(
                    "router_old",
                    json!({"router_year": ry, "age_years": age}),
                    format!("its router was installed in {ry}: {age} years old in {year}"),
                )
            });
            for r in &recommended {
                router_year[r.building] = Some(year);
            }
            years.push(Year {
                year,
                done,
                recommended,
            });
        }
        years
    }

    /// The backhaul list: per year, the lines below the served speed by
    /// score (slower, then site id, on ties); a recommended one is at the
    /// served speed the years after.
    fn backhaul_years(&self, t: &Target) -> Vec<Year> {
        let served = self.served;
        let mut down: Vec<Option<f64>> = self.bs.iter().map(|b| b.backhaul_down_mbps).collect();
        let mut years = Vec::new();
        for year in t.years() {
            let done = done_in(self.snap, self.bs, EquipmentType::Backhaul, year);
            let mut rows: Vec<(f64, f64, usize)> = self
                .bs
                .iter()
                .enumerate()
                .filter(|(k, _)| !done.contains(k))
                .filter_map(|(k, b)| {
                    let d = down[k]?;
                    (d < served)
                        .then(|| (50.0 * (1.0 - d / served) + self.dep(b) + self.zone(b), d, k))
                })
                .collect();
            rows.sort_by(|a, b| {
                b.0.total_cmp(&a.0)
                    .then(a.1.total_cmp(&b.1))
                    .then(a.2.cmp(&b.2))
            });
            let recommended = self.recommend(rows, t, done.len(), |&d, k| {
                reason(
                    "backhaul_slow",
                    json!({"down_mbps": d, "up_mbps": self.bs[k].backhaul_up_mbps, "served_down_mbps": served}),
                    format!("its line gives {d} Mbit/s down, below the {served} Mbit/s of a served connection"),
                )
            });
            for r in &recommended {
                down[r.building] = Some(served);
            }
            years.push(Year {
                year,
                done,
                recommended,
            });
        }
        years
    }

    /// A year's recommended rows: the first of `ranked` (score, tie-break,
    /// building; best first) up to the target's maximum less what was done,
    /// ranked from 1, those up to its minimum marked; each with its list's
    /// reason (`first`) and the priority zone (the dependents are added
    /// when answered, by the audience's rule).
    fn recommend<T>(
        &self,
        ranked: Vec<(f64, T, usize)>,
        t: &Target,
        done: usize,
        first: impl Fn(&T, usize) -> Value,
    ) -> Vec<Row> {
        let room = (t.max as usize).saturating_sub(done);
        let minimum = (t.min as usize).saturating_sub(done);
        ranked
            .into_iter()
            .take(room)
            .enumerate()
            .map(|(i, (score, key, k))| {
                let b = &self.bs[k];
                let mut reasons = vec![first(&key, k)];
                reasons.extend(zone_reason(b));
                Row {
                    rank: i + 1,
                    building: k,
                    score: (score * 10.0).round() / 10.0,
                    within_minimum: i < minimum,
                    reasons,
                }
            })
            .collect()
    }

    /// To survey: unknown router or line, most dependents first (as the
    /// score counts them; the dependents' reason is added when answered).
    fn to_survey(&self) -> Vec<(usize, Vec<Value>)> {
        let mut to_survey: Vec<(usize, Vec<Value>)> = self
            .bs
            .iter()
            .enumerate()
            .filter_map(|(k, b)| {
                let r = unknowns(b);
                (!r.is_empty()).then_some((k, r))
            })
            .collect();
        let dep = |k: usize| score_dependents(self.bs[k].dependents, self.min);
        to_survey.sort_by(|a, b| dep(b.0).cmp(&dep(a.0)).then(a.0.cmp(&b.0)));
        to_survey
    }
}

/// What is not on record about a building's equipment, as reasons.
fn unknowns(b: &Building) -> Vec<Value> {
    let mut r = Vec::new();
    if b.equipment.is_none() {
        r.push(reason(
            "no_records",
            json!({}),
            "no equipment on record".to_owned(),
        ));
    } else {
        if b.router_year.is_none() {
            r.push(reason(
                "router_unknown",
                json!({}),
                "the router's install year is not on record".to_owned(),
            ));
        }
        if b.backhaul_down_mbps.is_none() {
            r.push(reason(
                "backhaul_unknown",
                json!({}),
                "the line's speed is not on record".to_owned(),
            ));
        }
    }
    r
}

impl Upgrades {
    fn building_json(
        &self,
        snap: &Snapshot,
        k: usize,
        d: &Disclosure,
    ) -> serde_json::Map<String, Value> {
        let b = &self.buildings[k];
        let s = &snap.sites[b.site() as usize];
        let mut m = serde_json::Map::new();
        m.insert("site_id".into(), json!(s.id));
        m.insert("name".into(), json!(s.name));
        m.insert("kind".into(), json!(s.kind.as_str()));
        m.insert("parish_id".into(), json!(b.parish_id));
        m.insert(
            "also_here".into(),
            json!(
                b.members[1..]
                    .iter()
                    .map(|&i| snap.sites[i as usize].id.clone())
                    .collect::<Vec<_>>()
            ),
        );
        m.insert("lon".into(), json!(s.location.x()));
        m.insert("lat".into(), json!(s.location.y()));
        m.insert("router_year".into(), json!(b.router_year));
        m.insert("backhaul_down_mbps".into(), json!(b.backhaul_down_mbps));
        m.insert("backhaul_up_mbps".into(), json!(b.backhaul_up_mbps));
        d.put(&mut m, "dependents", b.dependents);
        d.put(&mut m, "dependents_underserved", b.dependents_underserved);
        m.insert(
            "priority_zones".into(),
            json!(b.zones.iter().map(|z| z.0.clone()).collect::<Vec<_>>()),
        );
        m.insert("source".into(), json!(s.provenance.source.as_str()));
        m.insert(
            "equipment_source".into(),
            json!(b.equipment.as_ref().map(|p| p.source.as_str())),
        );
        m
    }

    fn list_json(&self, snap: &Snapshot, kind: Kind, d: &Disclosure) -> Value {
        let (t, years) = match kind {
            Kind::Router => &self.routers,
            Kind::Backhaul => &self.backhaul,
        };
        let years: Vec<Value> = years
            .iter()
            .map(|y| {
                let rows: Vec<Value> = y
                    .recommended
                    .iter()
                    .map(|r| {
                        let mut m = self.building_json(snap, r.building, d);
                        let b = &self.buildings[r.building];
                        m.insert("rank".into(), json!(r.rank));
                        m.insert("score".into(), json!(r.score));
                        m.insert("within_minimum".into(), json!(r.within_minimum));
                        m.insert("reasons".into(), json!(with_dependents(&r.reasons, b, self.near_m, d)));
                        Value::Object(m)
                    })
                    .collect();
                let done: Vec<Value> = y.done.iter().map(|&k| Value::Object(self.building_json(snap, k, d))).collect();
                json!({"year": y.year, "min": t.min, "max": t.max, "done": done, "recommended": rows})
            })
            .collect();
        json!({"target": {"id": t.id, "min": t.min, "max": t.max, "from_year": t.from_year, "to_year": t.to_year}, "years": years})
    }

    /// The answer, counts of residents published by `d`.
    pub fn to_json(&self, snap: &Snapshot, d: &Disclosure) -> Value {
        let survey: Vec<Value> = self
            .to_survey
            .iter()
            .map(|(k, r)| {
                let mut m = self.building_json(snap, *k, d);
                let mut reasons = r.clone();
                reasons.push(dependents_reason(&self.buildings[*k], self.near_m, d));
                m.insert("reasons".into(), json!(reasons));
                Value::Object(m)
            })
            .collect();
        json!({
            "routers": self.list_json(snap, Kind::Router, d),
            "backhaul": self.list_json(snap, Kind::Backhaul, d),
            "to_survey": survey,
            "score": {
                "router": "50 × min(age, 15) / 15 + 30 × dependents / most dependents + 20 × in a priority zone, rounded to 0.1; age = the year − router_year; routers at least router_min_age_years old",
                "backhaul": "50 × (1 − down / served_down_mbps) + 30 × dependents / most dependents + 20 × in a priority zone, rounded to 0.1; lines below served_down_mbps",
                "dependents": "residents for whom the building is the nearest municipal building within near_m; in the score to the nearest 5 (fewer than 5 count as 0)",
                "most_dependents": self.most_dependents,
            },
            "parameters": {"router_min_age_years": self.params.router_min_age_years, "served_down_mbps": self.served_down_mbps, "near_m": self.near_m},
            "buildings": self.buildings.len(),
            "provenance": super::provenance(snap, &[Layer::Sites, Layer::Equipment, Layer::Demand, Layer::Coverage]),
            "snapshot_version": snap.version,
        })
    }

    /// One row per listed building: list,year,status,rank,… (`status`:
    /// recommended, done or to_survey).
    pub fn to_csv(&self, snap: &Snapshot, d: &Disclosure) -> String {
        let rows = self
            .csv_rows()
            .into_iter()
            .map(|r| self.csv_fields(snap, &r, d));
        super::csv(&CSV_COLUMNS, rows)
    }

    /// The listed buildings in CSV order: per list and year the done ones,
    /// then the recommended; then those to survey.
    fn csv_rows(&self) -> Vec<CsvRow<'_>> {
        let mut rows = Vec::new();
        for (kind, (_, years)) in [
            (Kind::Router, &self.routers),
            (Kind::Backhaul, &self.backhaul),
        ] {
            for y in years {
                for &k in &y.done {
                    rows.push(CsvRow {
                        list: kind.as_str(),
                        year: y.year.to_string(),
                        status: "done",
                        rank: String::new(),
                        building: k,
                        score: String::new(),
                        within: String::new(),
                        reasons: &[],
                    });
                }
                for r in &y.recommended {
                    rows.push(CsvRow {
                        list: kind.as_str(),
                        year: y.year.to_string(),
                        status: "recommended",
                        rank: r.rank.to_string(),
                        building: r.building,
                        score: r.score.to_string(),
                        within: r.within_minimum.to_string(),
                        reasons: &r.reasons,
                    });
                }
            }
        }
        for (k, reasons) in &self.to_survey {
            rows.push(CsvRow {
                list: "survey",
                year: String::new(),
                status: "to_survey",
                rank: String::new(),
                building: *k,
                score: String::new(),
                within: String::new(),
                reasons,
            });
        }
        rows
    }

    /// One CSV row's fields, in [`CSV_COLUMNS`] order.
    fn csv_fields(&self, snap: &Snapshot, r: &CsvRow, d: &Disclosure) -> [String; 15] {
        let b = &self.buildings[r.building];
        let site = &snap.sites[b.site() as usize];
        let reasons = match r.status {
            "recommended" => with_dependents(r.reasons, b, self.near_m, d),
            "to_survey" => {
                let mut v = r.reasons.to_vec();
                v.push(dependents_reason(b, self.near_m, d));
                v
            }
            _ => r.reasons.to_vec(),
        };
        let text: Vec<&str> = reasons.iter().filter_map(|r| r["text"].as_str()).collect();
        [
            r.list.to_owned(),
            r.year.clone(),
            r.status.to_owned(),
            r.rank.clone(),
            site.id.clone(),
            site.name.clone(),
            b.parish_id.clone().unwrap_or_default(),
            r.score.clone(),
            r.within.clone(),
            b.router_year.map(|y| y.to_string()).unwrap_or_default(),
            b.backhaul_down_mbps
                .map(|d| d.to_string())
                .unwrap_or_default(),
            d.text(b.dependents),
            d.text(b.dependents_underserved),
            b.equipment
                .as_ref()
                .map(|p| p.source.as_str().to_owned())
                .unwrap_or_default(),
            text.join(" | "),
        ]
    }
}

/// The columns of [`Upgrades::to_csv`].
const CSV_COLUMNS: [&str; 15] = [
    "list",
    "year",
    "status",
    "rank",
    "site_id",
    "name",
    "parish_id",
    "score",
    "within_minimum",
    "router_year",
    "backhaul_down_mbps",
    "dependents",
    "dependents_underserved",
    "equipment_source",
    "reasons",
];

/// One row of [`Upgrades::to_csv`] before the building's own fields
/// (empty strings where the status has none).
struct CsvRow<'a> {
    list: &'a str,
    year: String,
    status: &'a str,
    rank: String,
    building: usize,
    score: String,
    within: String,
    reasons: &'a [Value],
}

/// The buildings listed per year (for tests and the progress view).
pub fn recommended_sites(u: &Upgrades, snap: &Snapshot, kind: Kind) -> BTreeMap<i32, Vec<String>> {
    let years = match kind {
        Kind::Router => &u.routers.1,
        Kind::Backhaul => &u.backhaul.1,
    };
    years
        .iter()
        .map(|y| {
            (
                y.year,
                y.recommended
                    .iter()
                    .map(|r| {
                        snap.sites[u.buildings[r.building].site() as usize]
                            .id
                            .clone()
                    })
                    .collect(),
            )
        })
        .collect()
}
