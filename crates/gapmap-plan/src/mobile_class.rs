//! The mobile digital class: for each plan year (2026–2029), one stop per
//! parish, a route from the municipality's office and back, and a date for
//! every stop.
//!
//! 1. **Venues**: active indoor public buildings in the parish ([`buildings`]
//!    whose sites are not stand-alone Wi-Fi points or KAC desks alone). The
//!    pilot named the venue's own internet as the main risk, so a venue whose
//!    line is known to be below the `served` threshold is not used; one whose
//!    line is unknown is used but flagged `connection_unverified` (a coverage
//!    polygon is not that line).
//! 2. **Choice**: the venue reaching the most digitally under-served residents
//!    of the parish within `reach_m` (default 5 km) not reached by the
//!    parish's stops of earlier years (so the class moves round the parish);
//!    ties: a verified connection, then more under-served residents in reach,
//!    then the site id. A parish with no usable venue is listed with no stop
//!    and the reason.
//! 3. **Route**: from the municipality's office (`start`, default the
//!    municipal office outside the parishes — Pasta iela 37, Jelgava — else
//!    the first municipal office) through the year's stops and back
//!    ([`route::tour`], straight lines).
//! 4. **Dates**: one stop per working day in route order from the start of
//!    the season (default 04-01/05-31), skipping weekends and Latvian public
//!    holidays ([`calendar`]); a season too short for the stops is an error
//!    naming `season`.

use super::buildings::{Building, buildings};
use super::calendar::{self, Event, Season};
use super::{PlanError, Target, reason, route};
use chrono::{Datelike, NaiveDate, NaiveTime, TimeZone, Utc};
use chrono_tz::Europe::Riga;
use gapmap_engine::analysis::Analysis;
use gapmap_engine::snapshot::Snapshot;
use gapmap_model::{Layer, SiteKind};
use serde_json::{Value, json};
use std::collections::BTreeMap;

/// The request.
#[derive(Debug, Clone, PartialEq)]
pub struct Params {
    pub season: Season,
    /// Residents within this distance (metres) of a venue count as reached.
    pub reach_m: f64,
    /// The site the route starts and ends at (default: see the module doc).
    pub start: Option<String>,
    /// Only this parish's stops in the answer (the route is the whole year's).
    pub parish_id: Option<String>,
    /// Local start time (Europe/Riga) and length of a session.
    pub start_time: NaiveTime,
    pub minutes: u32,
}

impl Default for Params {
    fn default() -> Self {
        Params {
            season: Season::default(),
            reach_m: 5000.0,
            start: None,
            parish_id: None,
            start_time: NaiveTime::from_hms_opt(10, 0, 0).unwrap_or_default(),
            minutes: 180,
        }
    }
}

/// The connection of a venue.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Connection {
    /// Its line is at or above the served threshold.
    Good,
    /// Its line is unknown.
    Unverified,
}

/// One stop.
#[derive(Debug, Clone, PartialEq)]
pub struct Stop {
    pub year: i32,
    /// 1-based position on the year's route.
    pub order: usize,
    pub date: NaiveDate,
    pub parish_id: String,
    /// Index into the buildings.
    pub building: usize,
    pub connection: Connection,
    /// Digitally under-served residents of the parish within reach.
    pub underserved_in_reach: u64,
    /// Of those, not reached by an earlier year's stop.
    pub newly_reached: u64,
    /// Straight-line metres from the previous stop (or the office).
    pub leg_m: f64,
}

/// One year.
#[derive(Debug, Clone, PartialEq)]
pub struct YearPlan {
    pub year: i32,
    pub stops: Vec<Stop>,
    /// Parishes with no usable venue, with the reason.
    pub unserved: Vec<(String, Value)>,
    /// Metres of the whole round trip.
    pub route_m: f64,
    pub return_leg_m: f64,
}

/// The answer.
#[derive(Debug, Clone)]
pub struct MobileClass {
    pub params: Params,
    pub start: u32,
    pub buildings: Vec<Building>,
    pub years: Vec<YearPlan>,
    pub served_down_mbps: f64,
}

fn is_venue_kind(k: SiteKind) -> bool {
    !matches!(k, SiteKind::Wifi | SiteKind::Kac)
}

/// The office the route starts at.
fn start_site(snap: &Snapshot, start: Option<&str>) -> Result<u32, PlanError> {
    if let Some(id) = start {
        return snap
            .sites
            .iter()
            .position(|s| s.id == id)
            .map(|i| i as u32)
            .ok_or_else(|| PlanError::parameter("start", format!("no site `{id}`")));
    }
    let offices = || {
        snap.sites.iter().enumerate().filter(|(_, s)| {
            s.kind == SiteKind::MunicipalOffice && s.status == gapmap_model::SiteStatus::Active
        })
    };
    offices()
        .find(|(_, s)| s.outside_municipality || s.parish_id.is_none())
        .or_else(|| offices().next())
        .map(|(i, _)| i as u32)
        .ok_or_else(|| {
            PlanError::parameter(
                "start",
                "there is no municipal office to start from; give `start` (a site id)",
            )
        })
}

/// Check the request, naming the parameter at fault.
fn check(snap: &Snapshot, p: &Params) -> Result<(), PlanError> {
    if !(p.reach_m.is_finite() && p.reach_m > 0.0 && p.reach_m <= 100_000.0) {
        return Err(PlanError::parameter(
            "reach_m",
            "`reach_m` must be a distance in metres above 0 and at most 100000",
        ));
    }
    if p.minutes == 0 || p.minutes > 24 * 60 {
        return Err(PlanError::parameter(
            "minutes",
            "`minutes` must be from 1 to 1440",
        ));
    }
    if let Some(pid) = &p.parish_id
        && !snap.parishes.iter().any(|(id, _)| id == pid)
    {
        return Err(PlanError::parameter(
            "parish_id",
            format!("no parish `{pid}`; see /api/v1/gaps/parishes for the ids"),
        ));
    }
    Ok(())
}

/// Plan the mobile class (see the module documentation).
pub fn plan(snap: &Snapshot, analysis: &Analysis, p: &Params) -> Result<MobileClass, PlanError> {
    check(snap, p)?;
    let start = start_site(snap, p.start.as_deref())?;
    let served = analysis.thresholds.served_down_mbps;
    let bs = buildings(snap, analysis);
    let target = Target::of(&snap.plan, "mobile-class");
    let (venues, poor) = venues(snap, &bs, served);
    let places = Places {
        snap,
        bs: &bs,
        under: underserved_people(snap, analysis),
        venues,
        poor,
        reach2: p.reach_m * p.reach_m,
        served,
    };
    let mut reached: BTreeMap<&str, Vec<bool>> = BTreeMap::new();
    let mut years = Vec::new();
    for year in target.years() {
        let (picks, unserved) = places.choose(&mut reached);
        years.push(places.schedule(year, picks, unserved, start, p)?);
    }
    Ok(MobileClass {
        params: p.clone(),
        start,
        buildings: bs,
        years,
        served_down_mbps: served,
    })
}

/// A parish's digitally under-served residents: (index, position, residents).
type People = Vec<(usize, [f64; 2], u64)>;

/// Each parish's digitally under-served residents.
fn underserved_people<'a>(snap: &'a Snapshot, analysis: &Analysis) -> BTreeMap<&'a str, People> {
    let mut under: BTreeMap<&str, People> = BTreeMap::new();
    for (i, d) in snap.demand.iter().enumerate() {
        if analysis.classes[i].digitally_underserved
            && let Some(pid) = d.parish_id.as_deref()
        {
            let xy = snap.demand_xy[i];
            under
                .entry(pid)
                .or_default()
                .push((i, [xy.x(), xy.y()], u64::from(d.residents)));
        }
    }
    under
}

/// Usable venues per parish: (building, its connection).
type Venues<'a> = BTreeMap<&'a str, Vec<(usize, Connection)>>;

/// Venues per parish: the indoor public buildings with a usable line (and
/// its connection), and those whose line is known to be below `served`.
fn venues<'a>(
    snap: &Snapshot,
    bs: &'a [Building],
    served: f64,
) -> (Venues<'a>, BTreeMap<&'a str, Vec<usize>>) {
    let mut venues: Venues = BTreeMap::new();
    let mut poor: BTreeMap<&str, Vec<usize>> = BTreeMap::new();
    for (k, b) in bs.iter().enumerate() {
        let indoor = b.members.iter().any(|&i| {
            let s = &snap.sites[i as usize];
            is_venue_kind(s.kind) && !s.outside_municipality
        });
        let Some(pid) = b.parish_id.as_deref() else {
            continue;
        };
        if !indoor {
            continue;
        }
        match b.backhaul_down_mbps {
            Some(d) if d >= served => venues.entry(pid).or_default().push((k, Connection::Good)),
            Some(_) => poor.entry(pid).or_default().push(k),
            None => venues
                .entry(pid)
                .or_default()
                .push((k, Connection::Unverified)),
        }
    }
    (venues, poor)
}

/// A parish's stop of one year: (parish, building, connection, under-served
/// in reach, of those newly reached).
type Pick = (String, usize, Connection, u64, u64);

/// What the stops are chosen from: the buildings, each parish's
/// under-served residents and venues, and the reach (squared).
struct Places<'a> {
    snap: &'a Snapshot,
    bs: &'a [Building],
    under: BTreeMap<&'a str, People>,
    venues: Venues<'a>,
    poor: BTreeMap<&'a str, Vec<usize>>,
    reach2: f64,
    served: f64,
}

impl<'a> Places<'a> {
    /// One year's stop in each parish, in parish order, and the parishes
    /// with no usable venue with the reason; the residents the stops reach
    /// are marked in `reached`.
    fn choose(
        &self,
        reached: &mut BTreeMap<&'a str, Vec<bool>>,
    ) -> (Vec<Pick>, Vec<(String, Value)>) {
        let mut picks: Vec<Pick> = Vec::new();
        let mut unserved = Vec::new();
        for (pid, _) in &self.snap.parishes {
            let people = self
                .under
                .get(pid.as_str())
                .map(Vec::as_slice)
                .unwrap_or(&[]);
            let seen = reached
                .entry(pid.as_str())
                .or_insert_with(|| vec![false; people.len()]);
            let Some(vs) = self.venues.get(pid.as_str()) else {
                unserved.push((pid.clone(), self.no_venue(pid)));
                continue;
            };
            let Some((k, c, all, new)) = self.best_venue(vs, people, seen) else {
                continue;
            };
            let b = self.bs[k].xy;
            for ((_, q, _), s) in people.iter().zip(seen.iter_mut()) {
                if (q[0] - b.x()).powi(2) + (q[1] - b.y()).powi(2) <= self.reach2 {
                    *s = true;
                }
            }
            picks.push((pid.clone(), k, c, all, new));
        }
        (picks, unserved)
    }

    /// Why a parish has no usable venue.
    fn no_venue(&self, pid: &str) -> Value {
        let served = self.served;
        match self.poor.get(pid) {
            Some(list) => reason(
                "connection_poor",
                json!({"venues": list.len(), "served_down_mbps": served}),
                format!(
                    "every indoor public building in the parish has a line below {served} Mbit/s"
                ),
            ),
            None => reason(
                "no_venue",
                json!({}),
                "no indoor public building in the parish".to_owned(),
            ),
        }
    }

    /// The venue reaching the most residents not yet reached (ties: a good
    /// connection, more in reach, the lower site id), with its connection,
    /// residents in reach and newly reached.
    fn best_venue(
        &self,
        vs: &[(usize, Connection)],
        people: &[(usize, [f64; 2], u64)],
        seen: &[bool],
    ) -> Option<(usize, Connection, u64, u64)> {
        let in_reach = |k: usize| -> (u64, u64) {
            let b = self.bs[k].xy;
            people
                .iter()
                .zip(seen.iter())
                .fold((0, 0), |(all, new), ((_, q, r), s)| {
                    if (q[0] - b.x()).powi(2) + (q[1] - b.y()).powi(2) <= self.reach2 {
                        (all + r, if *s { new } else { new + r })
                    } else {
                        (all, new)
                    }
                })
        };
        let site_id = |k: usize| &self.snap.sites[self.bs[k].site() as usize].id;
        vs.iter()
            .map(|&(k, c)| {
                let (all, new) = in_reach(k);
                (k, c, all, new)
            })
            .max_by(|a, b| {
                a.3.cmp(&b.3)
                    .then((a.1 == Connection::Good).cmp(&(b.1 == Connection::Good)))
                    .then(a.2.cmp(&b.2))
                    .then(site_id(b.0).cmp(site_id(a.0)))
            })
    }

    /// The year's route from the office (`start`) through the picks and
    /// back, and a working day of the season for each stop in route order.
    fn schedule(
        &self,
        year: i32,
        picks: Vec<Pick>,
        unserved: Vec<(String, Value)>,
        start: u32,
        p: &Params,
    ) -> Result<YearPlan, PlanError> {
        let bs = self.bs;
        let office = self.snap.sites_xy[start as usize];
        let mut points = vec![[office.x(), office.y()]];
        points.extend(picks.iter().map(|x| [bs[x.1].xy.x(), bs[x.1].xy.y()]));
        let order = route::tour(&points);
        let days = calendar::working_days(year, p.season);
        if days.len() < picks.len() {
            return Err(PlanError::conflict(
                "season",
                format!(
                    "the season {} of {year} has {} working days for {} stops",
                    p.season,
                    days.len(),
                    picks.len()
                ),
            ));
        }
        let mut stops = Vec::new();
        for (n, w) in order.windows(2).enumerate() {
            let (prev, here) = (w[0], w[1]);
            let (pid, k, c, all, new) = picks[here - 1].clone();
            stops.push(Stop {
                year,
                order: n + 1,
                date: days[n],
                parish_id: pid,
                building: k,
                connection: c,
                underserved_in_reach: all,
                newly_reached: new,
                leg_m: route::dist(points[prev], points[here]),
            });
        }
        let return_leg_m = order
            .last()
            .map_or(0.0, |&l| route::dist(points[l], points[0]));
        Ok(YearPlan {
            year,
            stops,
            unserved,
            route_m: route::length(&points, &order),
            return_leg_m,
        })
    }
}

impl MobileClass {
    fn wanted(&self, s: &Stop) -> bool {
        self.params
            .parish_id
            .as_deref()
            .is_none_or(|p| p == s.parish_id)
    }

    fn times(&self, d: NaiveDate) -> (chrono::DateTime<Utc>, chrono::DateTime<Utc>) {
        let local = d.and_time(self.params.start_time);
        let start = Riga
            .from_local_datetime(&local)
            .earliest()
            .map(|t| t.with_timezone(&Utc))
            .unwrap_or_else(|| Utc.from_utc_datetime(&local));
        (
            start,
            start + chrono::Duration::minutes(i64::from(self.params.minutes)),
        )
    }

    fn stop_json(&self, snap: &Snapshot, s: &Stop) -> Value {
        let b = &self.buildings[s.building];
        let site = &snap.sites[b.site() as usize];
        let parish = snap
            .parishes
            .iter()
            .find(|(id, _)| *id == s.parish_id)
            .map(|p| p.1.clone());
        let mut flags = Vec::new();
        let mut reasons = vec![reason(
            "reaches_underserved",
            json!({"residents": s.underserved_in_reach, "newly_reached": s.newly_reached, "reach_m": self.params.reach_m}),
            format!(
                "{} digitally under-served residents of the parish live within {} m ({} not reached by an earlier year's stop)",
                s.underserved_in_reach, self.params.reach_m, s.newly_reached
            ),
        )];
        match s.connection {
            Connection::Good => reasons.push(reason(
                "connection_good",
                json!({"down_mbps": b.backhaul_down_mbps, "served_down_mbps": self.served_down_mbps}),
                format!("its own line gives {} Mbit/s down", b.backhaul_down_mbps.unwrap_or(0.0)),
            )),
            Connection::Unverified => {
                flags.push("connection_unverified");
                reasons.push(reason(
                    "connection_unverified",
                    json!({"served_down_mbps": self.served_down_mbps}),
                    "the venue's own line is not on record: check it before the visit (the pilot's main risk)".to_owned(),
                ));
            }
        }
        let (start, end) = self.times(s.date);
        json!({
            "year": s.year, "order": s.order, "date": s.date.to_string(),
            "start": start.to_rfc3339(), "end": end.to_rfc3339(),
            "parish_id": s.parish_id, "parish_name": parish,
            "site_id": site.id, "name": site.name, "kind": site.kind.as_str(), "address": site.address,
            "lon": site.location.x(), "lat": site.location.y(),
            "connection": match s.connection { Connection::Good => "good", Connection::Unverified => "unverified" },
            "backhaul_down_mbps": b.backhaul_down_mbps,
            "flags": flags, "reasons": reasons,
            "underserved_in_reach": s.underserved_in_reach, "newly_reached": s.newly_reached,
            "leg_km": (s.leg_m / 100.0).round() / 10.0,
            "source": site.provenance.source.as_str(),
            "equipment_source": b.equipment.as_ref().map(|p| p.source.as_str()),
        })
    }

    pub fn to_json(&self, snap: &Snapshot) -> Value {
        let office = &snap.sites[self.start as usize];
        let years: Vec<Value> = self
            .years
            .iter()
            .map(|y| {
                let stops: Vec<Value> = y.stops.iter().filter(|s| self.wanted(s)).map(|s| self.stop_json(snap, s)).collect();
                let unserved: Vec<Value> = y
                    .unserved
                    .iter()
                    .filter(|(p, _)| self.params.parish_id.as_deref().is_none_or(|w| w == p))
                    .map(|(p, r)| json!({"parish_id": p, "reason": r}))
                    .collect();
                let season_end = calendar::working_days(y.year, self.params.season).last().copied();
                let status = match season_end {
                    Some(end) if end < snap.inventory_date => "past",
                    _ if y.year > snap.inventory_date.year() => "future",
                    _ => "current",
                };
                json!({"year": y.year, "status": status, "route_km": (y.route_m / 100.0).round() / 10.0, "return_leg_km": (y.return_leg_m / 100.0).round() / 10.0,
                       "stops": stops, "parishes_without_stop": unserved})
            })
            .collect();
        let mut by_parish: BTreeMap<&str, Vec<Value>> = BTreeMap::new();
        for y in &self.years {
            for s in y.stops.iter().filter(|s| self.wanted(s)) {
                let site = &snap.sites[self.buildings[s.building].site() as usize];
                by_parish.entry(s.parish_id.as_str()).or_default().push(json!({
                    "year": s.year, "date": s.date.to_string(), "site_id": site.id, "name": site.name, "address": site.address,
                }));
            }
        }
        let p = &self.params;
        json!({
            "start": {"site_id": office.id, "name": office.name, "address": office.address},
            "years": years,
            "by_parish": by_parish,
            "parameters": {"season": p.season.to_string(), "reach_m": p.reach_m, "start": office.id, "parish_id": p.parish_id,
                           "start_time": p.start_time.format("%H:%M").to_string(), "minutes": p.minutes,
                           "working_days": "Monday to Friday, not a Latvian public holiday",
                           "route": "nearest neighbour, then 2-opt and Or-opt, over straight-line distances (not roads)"},
            "provenance": super::provenance(snap, &[Layer::Sites, Layer::Equipment, Layer::Demand, Layer::Coverage]),
            "snapshot_version": snap.version,
        })
    }

    /// One row per stop: the members of its JSON named by the columns.
    pub fn to_csv(&self, snap: &Snapshot) -> String {
        let rows = self.years.iter().flat_map(|y| {
            y.stops.iter().filter(|st| self.wanted(st)).map(|st| {
                let v = self.stop_json(snap, st);
                CSV_COLUMNS.map(|k| csv_text(&v[k]))
            })
        });
        super::csv(&CSV_COLUMNS, rows)
    }

    /// The stops as an iCalendar feed.
    pub fn to_ics(&self, snap: &Snapshot) -> String {
        let mut events = Vec::new();
        for y in &self.years {
            for st in y.stops.iter().filter(|st| self.wanted(st)) {
                let b = &self.buildings[st.building];
                let site = &snap.sites[b.site() as usize];
                let (start, end) = self.times(st.date);
                let mut description = format!(
                    "Mobilā digitālā klase / Mobile digital class, {} ({}). {} digitāli mazāk nodrošināti iedzīvotāji {} m rādiusā.",
                    st.year, st.parish_id, st.underserved_in_reach, self.params.reach_m
                );
                if st.connection == Connection::Unverified {
                    description.push_str(" Pārbaudīt interneta pieslēgumu / check the venue's connection (connection_unverified).");
                }
                if site.provenance.source != gapmap_model::Source::Official {
                    description.push_str(&format!(
                        " Vietas dati: {} / place data: {}.",
                        site.provenance.source, site.provenance.source
                    ));
                }
                events.push(Event {
                    uid: format!("mobile-class-{}-{}@gapmap", st.year, st.parish_id),
                    stamp: snap.built_at,
                    start,
                    end,
                    summary: format!("Mobilā digitālā klase: {}", site.name),
                    location: Some(site.address.clone().unwrap_or_else(|| site.name.clone())),
                    description: Some(description),
                    geo: Some((site.location.y(), site.location.x())),
                });
            }
        }
        let name = match &self.params.parish_id {
            Some(p) => format!("Mobilā digitālā klase — {p}"),
            None => "Mobilā digitālā klase — Jelgavas novads".to_owned(),
        };
        calendar::ics(&name, &events)
    }
}

/// The columns of [`MobileClass::to_csv`]: members of a stop's JSON.
const CSV_COLUMNS: [&str; 16] = [
    "year",
    "order",
    "date",
    "start",
    "end",
    "parish_id",
    "site_id",
    "name",
    "address",
    "lon",
    "lat",
    "connection",
    "flags",
    "underserved_in_reach",
    "newly_reached",
    "leg_km",
];

/// A JSON member as a CSV field: text as it is, null empty, a list of texts
/// joined by `;`, anything else as JSON.
fn csv_text(v: &Value) -> String {
    match v {
        Value::String(t) => t.clone(),
        Value::Null => String::new(),
        Value::Array(a) => a
            .iter()
            .filter_map(Value::as_str)
            .collect::<Vec<_>>()
            .join(";"),
        other => other.to_string(),
    }
}
