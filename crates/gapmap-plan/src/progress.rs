//! Plan against actual, per parish and year (2026–2029), replayed from the
//! dated equipment and visit records:
//!
//! - **access points added**: `access_point` records installed that year,
//!   against the target path to 35 (the yearly batches of
//!   [`super::even_batches`], cumulated);
//! - **routers** and **lines upgraded**: sites with a `router` (or
//!   `backhaul`) record installed that year, against the yearly range;
//! - **mobile-class visits**: visits that year, parishes visited and
//!   participants, against every parish and the minimum participants;
//! - **digitally under-served residents at the start of the year** (1
//!   January) against now: the sites' free Wi-Fi as the records had it on
//!   that day ([`gapmap_model::inventory::apply`]), the figures by the
//!   what-if ([`super::what_if`]). Years not yet begun have none.
//!
//! Sites count in the parish of their `parish_id`.

use super::what_if::{self, Change};
use super::{Target, even_batches};
use chrono::{Datelike, NaiveDate};
use gapmap_engine::analysis::Analysis;
use gapmap_engine::snapshot::Snapshot;
use gapmap_model::disclosure::Disclosure;
use gapmap_model::{EquipmentType, Layer, inventory};
use serde_json::{Value, json};
use std::collections::{BTreeMap, BTreeSet, HashMap};

/// One parish's (or the total's) counts for a year.
#[derive(Debug, Clone, Default, PartialEq)]
pub struct Counts {
    pub access_points_added: u64,
    pub routers_upgraded: u64,
    pub backhaul_upgraded: u64,
    pub visits: u64,
    pub participants: u64,
    pub digitally_underserved_at_start: Option<u64>,
}

/// One year.
#[derive(Debug, Clone, PartialEq)]
pub struct Year {
    pub year: i32,
    /// `past`, `current` or `future` against the snapshot's date.
    pub status: &'static str,
    pub total: Counts,
    pub parishes_visited: u64,
    pub parishes: BTreeMap<String, Counts>,
}

/// The answer.
#[derive(Debug, Clone)]
pub struct Progress {
    pub years: Vec<Year>,
    pub now_total: u64,
    pub now_parishes: BTreeMap<String, u64>,
    pub access_points: (Target, Vec<(i32, usize)>),
    pub routers: Target,
    pub backhaul: Target,
    pub visits: Target,
    pub participants_min: Option<u64>,
}

/// The progress of the plan (see the module documentation).
pub fn progress(
    snap: &Snapshot,
    analysis: &Analysis,
    index: &what_if::Index,
) -> Result<Progress, super::PlanError> {
    let ap = Target::of(&snap.plan, "new-access-points");
    let batches = even_batches(ap.max.max(ap.min).round() as usize, ap.years());
    let rt = Target::of(&snap.plan, "router-upgrades");
    let bt = Target::of(&snap.plan, "faster-backhaul");
    let vt = Target::of(&snap.plan, "mobile-class");
    let participants_min = snap
        .plan
        .iter()
        .find(|r| r.id == "mobile-class")
        .and_then(|r| r.props.get("participants_min_per_year"))
        .and_then(Value::as_u64);
    let parish_of: HashMap<&str, &str> = snap
        .sites
        .iter()
        .filter_map(|s| Some((s.id.as_str(), s.parish_id.as_deref()?)))
        .collect();
    let first = ap
        .from_year
        .min(rt.from_year)
        .min(bt.from_year)
        .min(vt.from_year);
    let last = ap.to_year.max(rt.to_year).max(bt.to_year).max(vt.to_year);
    let today = snap.inventory_date;
    let mut years = Vec::new();
    for year in first..=last {
        let mut tally = Tally::new(snap);
        tally.equipment(snap, &parish_of, year);
        let parishes_visited = tally.visits(snap, &parish_of, year);
        let start = NaiveDate::from_ymd_opt(year, 1, 1).unwrap_or(today);
        if start <= today {
            tally.underserved_at_start(snap, analysis, index, start)?;
        }
        let status = match year.cmp(&today.year()) {
            std::cmp::Ordering::Less => "past",
            std::cmp::Ordering::Equal => "current",
            std::cmp::Ordering::Greater => "future",
        };
        years.push(Year {
            year,
            status,
            total: tally.total,
            parishes_visited,
            parishes: tally.parishes,
        });
    }
    Ok(Progress {
        years,
        now_total: analysis.total.digitally_underserved,
        now_parishes: analysis
            .parishes
            .iter()
            .map(|p| (p.id.clone(), p.aggregate.digitally_underserved))
            .collect(),
        access_points: (ap, batches),
        routers: rt,
        backhaul: bt,
        visits: vt,
        participants_min,
    })
}

/// One year's counts as they are made: the total and each parish's.
struct Tally {
    total: Counts,
    parishes: BTreeMap<String, Counts>,
}

impl Tally {
    /// Nothing counted yet, every parish of the snapshot listed.
    fn new(snap: &Snapshot) -> Tally {
        Tally {
            total: Counts::default(),
            parishes: snap
                .parishes
                .iter()
                .map(|(id, _)| (id.clone(), Counts::default()))
                .collect(),
        }
    }

    /// The equipment installed in `year`: access points added, and the
    /// sites whose router (or line) was upgraded, each once.
    fn equipment(&mut self, snap: &Snapshot, parish_of: &HashMap<&str, &str>, year: i32) {
        let mut upgraded: [BTreeSet<&str>; 2] = Default::default();
        for e in snap
            .equipment
            .iter()
            .filter(|e| e.installed_on.is_some_and(|d| d.year() == year))
        {
            let parish = parish_of.get(e.site_id.as_str()).copied();
            let slot = match e.kind {
                EquipmentType::AccessPoint => {
                    self.total.access_points_added += 1;
                    if let Some(c) = parish.and_then(|p| self.parishes.get_mut(p)) {
                        c.access_points_added += 1;
                    }
                    continue;
                }
                EquipmentType::Router => 0,
                EquipmentType::Backhaul => 1,
            };
            if upgraded[slot].insert(e.site_id.as_str()) {
                let bump = |c: &mut Counts| match slot {
                    0 => c.routers_upgraded += 1,
                    _ => c.backhaul_upgraded += 1,
                };
                bump(&mut self.total);
                if let Some(c) = parish.and_then(|p| self.parishes.get_mut(p)) {
                    bump(c);
                }
            }
        }
    }

    /// The mobile-class visits of `year` and their participants; returns
    /// how many parishes were visited.
    fn visits(&mut self, snap: &Snapshot, parish_of: &HashMap<&str, &str>, year: i32) -> u64 {
        let mut visited: BTreeSet<&str> = BTreeSet::new();
        for v in snap.visits.iter().filter(|v| v.date.year() == year) {
            let n = u64::from(v.participants.unwrap_or(0));
            self.total.visits += 1;
            self.total.participants += n;
            if let Some(p) = parish_of.get(v.site_id.as_str()).copied() {
                visited.insert(p);
                if let Some(c) = self.parishes.get_mut(p) {
                    c.visits += 1;
                    c.participants += n;
                }
            }
        }
        visited.len() as u64
    }

    /// Digitally under-served on `start` (1 January), replayed from the
    /// records: the sites' free Wi-Fi as it was then, by the what-if.
    fn underserved_at_start(
        &mut self,
        snap: &Snapshot,
        analysis: &Analysis,
        index: &what_if::Index,
        start: NaiveDate,
    ) -> Result<(), super::PlanError> {
        let mut then = snap.sites.as_ref().clone();
        inventory::apply(&mut then, &snap.equipment, start);
        let changes: Vec<Change> = then
            .iter()
            .zip(snap.sites.iter())
            .filter(|(a, b)| a.free_wifi != b.free_wifi)
            .map(|(a, _)| Change::Modify {
                site_id: a.id.clone(),
                location: None,
                free_wifi: Some(a.free_wifi == Some(true)),
                status: None,
            })
            .collect();
        let (t, by_parish) = if changes.is_empty() {
            (
                analysis.total.digitally_underserved,
                analysis
                    .parishes
                    .iter()
                    .map(|p| (p.id.clone(), p.aggregate.digitally_underserved))
                    .collect(),
            )
        } else {
            let o = what_if::evaluate(snap, analysis, index, changes)?;
            (
                o.recount.total.digitally_underserved,
                what_if::underserved_by_parish(&o.recount),
            )
        };
        self.total.digitally_underserved_at_start = Some(t);
        for (id, c) in self.parishes.iter_mut() {
            c.digitally_underserved_at_start = by_parish.get(id).copied();
        }
        Ok(())
    }
}

/// Parish id → name.
fn parish_names(snap: &Snapshot) -> HashMap<&str, &str> {
    snap.parishes
        .iter()
        .map(|(a, b)| (a.as_str(), b.as_str()))
        .collect()
}

fn in_range(t: &Target, year: i32) -> bool {
    t.years().contains(&year)
}

impl Progress {
    /// The answer, counts of residents published by `d`.
    pub fn to_json(&self, snap: &Snapshot, d: &Disclosure) -> Value {
        // A count that may be missing: null, or as `d` publishes it (a
        // range with `_min`/`_max` beside it).
        let put = |mut v: Value, key: &str, n: Option<u64>| {
            if let (Value::Object(m), Some(n)) = (&mut v, n) {
                d.put(m, key, n);
            }
            v
        };
        let names = parish_names(snap);
        let mut planned_cum = 0usize;
        let mut added_cum = 0u64;
        let years: Vec<Value> = self
            .years
            .iter()
            .map(|y| {
                let planned = self.access_points.1.iter().find(|b| b.0 == y.year).map_or(0, |b| b.1);
                planned_cum += planned;
                added_cum += y.total.access_points_added;
                let t = &y.total;
                let parishes: Vec<Value> = y
                    .parishes
                    .iter()
                    .map(|(id, c)| {
                        let v = json!({
                            "parish_id": id, "name": names.get(id.as_str()),
                            "access_points_added": c.access_points_added, "routers_upgraded": c.routers_upgraded,
                            "backhaul_upgraded": c.backhaul_upgraded, "visits": c.visits, "participants": c.participants,
                            "visited": c.visits > 0,
                            "digitally_underserved_at_start": null, "digitally_underserved_now": null,
                        });
                        let v = put(v, "digitally_underserved_at_start", c.digitally_underserved_at_start);
                        put(v, "digitally_underserved_now", self.now_parishes.get(id).copied())
                    })
                    .collect();
                let range = |target: &Target, n: u64| {
                    json!({"done": n, "min": target.min, "max": target.max, "in_plan_years": in_range(target, y.year),
                           "met": !in_range(target, y.year) || n as f64 >= target.min})
                };
                let v = json!({
                    "year": y.year, "status": y.status,
                    "access_points": {"added": t.access_points_added, "planned": planned, "added_cumulative": added_cum,
                                      "planned_cumulative": planned_cum, "target_total": self.access_points.0.max,
                                      "on_track": added_cum as usize >= planned_cum},
                    "routers": range(&self.routers, t.routers_upgraded),
                    "backhaul": range(&self.backhaul, t.backhaul_upgraded),
                    "mobile_class": {"visits": t.visits, "parishes_visited": y.parishes_visited, "parishes_target": self.visits.min,
                                     "participants": t.participants, "participants_min": self.participants_min},
                    "digitally_underserved_at_start": null,
                    "parishes": parishes,
                });
                put(v, "digitally_underserved_at_start", t.digitally_underserved_at_start)
            })
            .collect();
        json!({
            "as_of": snap.inventory_date.to_string(),
            "years": years,
            "now": put(json!({"digitally_underserved": null,
                    "parishes": self.now_parishes.iter().map(|(k, v)| (k.clone(), d.json(*v))).collect::<serde_json::Map<String, Value>>()}),
                    "digitally_underserved", Some(self.now_total)),
            "disclosure": d.describe(),
            "records_without_site": snap.inventory_orphans,
            "rules": {
                "access_points": "access_point records installed in the year, against the plan's target split evenly over its years (cumulative)",
                "routers": "sites with a router record installed in the year",
                "backhaul": "sites with a backhaul record installed in the year",
                "digitally_underserved_at_start": "residents digitally under-served on 1 January, with free Wi-Fi as the equipment records had it that day",
            },
            "provenance": super::provenance(snap, &[Layer::Equipment, Layer::Visits, Layer::Sites, Layer::Demand, Layer::Coverage, Layer::Plan]),
            "snapshot_version": snap.version,
        })
    }

    /// One row per year and parish, then the year's total (parish_id
    /// empty); counts of residents published by `d`.
    pub fn to_csv(&self, snap: &Snapshot, d: &Disclosure) -> String {
        let names = parish_names(snap);
        let opt = |v: Option<u64>| v.map(|v| d.text(v)).unwrap_or_default();
        let total_name = snap
            .areas
            .iter()
            .find(|a| a.kind == gapmap_model::AreaKind::Municipality)
            .map_or("total", |a| a.name.as_str());
        let rows = self.years.iter().flat_map(|y| {
            y.parishes
                .iter()
                .map(|(id, c)| {
                    (
                        id.as_str(),
                        names.get(id.as_str()).copied().unwrap_or(""),
                        c,
                        self.now_parishes.get(id).copied(),
                    )
                })
                .chain(std::iter::once((
                    "",
                    total_name,
                    &y.total,
                    Some(self.now_total),
                )))
                .map(move |(id, name, c, now)| {
                    [
                        y.year.to_string(),
                        y.status.to_owned(),
                        id.to_owned(),
                        name.to_owned(),
                        c.access_points_added.to_string(),
                        c.routers_upgraded.to_string(),
                        c.backhaul_upgraded.to_string(),
                        c.visits.to_string(),
                        c.participants.to_string(),
                        opt(c.digitally_underserved_at_start),
                        opt(now),
                    ]
                })
        });
        super::csv(&CSV_COLUMNS, rows)
    }
}

/// The columns of [`Progress::to_csv`].
const CSV_COLUMNS: [&str; 11] = [
    "year",
    "status",
    "parish_id",
    "parish_name",
    "access_points_added",
    "routers_upgraded",
    "backhaul_upgraded",
    "visits",
    "participants",
    "digitally_underserved_at_start",
    "digitally_underserved_now",
];
