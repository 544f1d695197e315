//! The mobile class as answered: JSON (each year's stops with who each is
//! for, how the venue gets online and the line to upgrade first), CSV and
//! an iCalendar feed of the planned future stops and the recorded past
//! ones, each labelled. Counts of residents are published by the
//! audience's [`Disclosure`].

use super::types::{Audience, Connection, LineToUpgrade, MobileClass, Stop, StopStatus};
use crate::calendar::{self, Event};
use crate::reason;
use chrono::{NaiveDate, TimeZone, Utc};
use chrono_tz::Europe::Riga;
use gapmap_engine::snapshot::Snapshot;
use gapmap_model::Layer;
use gapmap_model::disclosure::Disclosure;
use serde_json::{Map, Value, json};
use std::collections::BTreeMap;

impl MobileClass {
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

    /// Who a stop is for, as a reason.
    fn audience_reason(&self, s: &Stop, d: &Disclosure) -> Value {
        let reach = self.params.reach_m;
        let mut m = Map::new();
        d.put(&mut m, "residents", s.underserved_in_reach);
        d.put(&mut m, "newly_reached", s.newly_reached);
        m.insert("reach_m".into(), json!(reach));
        m.insert("reached_in".into(), json!(s.reached_in));
        let (all, new) = (d.text(s.underserved_in_reach), d.text(s.newly_reached));
        let (code, text) = match s.audience {
            Audience::New => (
                "for_new_people",
                format!(
                    "for the {new} digitally under-served residents within {reach} m not reached by an earlier stop ({all} within reach in all)"
                ),
            ),
            Audience::Return => (
                "return_visit",
                format!(
                    "a return visit: the {all} digitally under-served residents within {reach} m were reached by an earlier stop{}",
                    s.reached_in
                        .map(|y| format!(" (last in {y})"))
                        .unwrap_or_default()
                ),
            ),
            Audience::Anyone => (
                "for_anyone",
                format!(
                    "no digitally under-served resident lives within {reach} m: the class is open to anyone nearby"
                ),
            ),
        };
        reason(code, Value::Object(m), text)
    }

    /// How the venue gets online, as a reason (and its flag).
    fn connection_reason(&self, s: &Stop) -> (Value, Option<&'static str>) {
        let line = s
            .building
            .and_then(|k| self.buildings[k].backhaul_down_mbps);
        let served = self.served_down_mbps;
        match s.connection {
            Connection::GoodLine => match line {
                Some(d) if d >= served => (
                    reason(
                        "connection_good",
                        json!({"down_mbps": d, "served_down_mbps": served}),
                        format!("its own line gives {d} Mbit/s down"),
                    ),
                    None,
                ),
                _ => (
                    reason(
                        "connection_upgraded",
                        json!({"down_mbps": line, "served_down_mbps": served}),
                        format!(
                            "its line is upgraded to at least {served} Mbit/s before this year (/plan/upgrades)"
                        ),
                    ),
                    None,
                ),
            },
            Connection::MobileRouter => {
                let (down, provider) = s
                    .mobile
                    .as_ref()
                    .map_or((0.0, String::new()), |m| (m.down_mbps, m.provider.clone()));
                (
                    reason(
                        "mobile_router",
                        json!({"mobile_down_mbps": down, "provider": provider, "down_mbps": line, "served_down_mbps": served}),
                        format!(
                            "no line of {served} Mbit/s here, but {provider} reports {down} Mbit/s mobile service at the venue: the class brings a mobile router"
                        ),
                    ),
                    Some("mobile_router"),
                )
            }
            Connection::Unverified => (
                reason(
                    "connection_unverified",
                    json!({"served_down_mbps": served}),
                    "the venue's own line is not on record and mobile coverage there is not good: check it before the visit (the pilot's main risk)".to_owned(),
                ),
                Some("connection_unverified"),
            ),
            Connection::Poor => (
                reason(
                    "connection_poor",
                    json!({"down_mbps": line, "served_down_mbps": served}),
                    format!(
                        "the best venue the parish has: its line gives {} Mbit/s, below {served}, and mobile coverage there is not good",
                        line.unwrap_or(0.0)
                    ),
                ),
                Some("connection_poor"),
            ),
        }
    }

    /// The line a parish should upgrade first, as JSON and a reason.
    fn line_json(&self, snap: &Snapshot, l: &LineToUpgrade) -> (Value, Value) {
        let site = &snap.sites[self.buildings[l.building].site() as usize];
        let (year, rank) = l.upgrade.map_or((None, None), |(y, r)| (Some(y), Some(r)));
        let v = json!({"site_id": site.id, "name": site.name, "down_mbps": l.down_mbps, "upgrade_year": year, "rank": rank});
        let speed = l
            .down_mbps
            .map_or("speed not on record".to_owned(), |d| format!("{d} Mbit/s"));
        let text = match l.upgrade {
            Some((y, r)) => format!(
                "the line to upgrade first in the parish: {} ({speed}), recommended in /plan/upgrades for {y} (rank {r})",
                site.name
            ),
            None if l.down_mbps.is_none() => format!(
                "the line to upgrade first in the parish: {} — its speed is not on record: survey it first (/plan/upgrades lists it to survey)",
                site.name
            ),
            None => format!(
                "the line to upgrade first in the parish: {} ({speed}); not in /plan/upgrades within the plan's yearly ranges",
                site.name
            ),
        };
        let r = reason("line_to_upgrade", v.clone(), text);
        (v, r)
    }

    /// A stop's reasons (the visit on record, who it is for, how the venue
    /// gets online, the line to upgrade first), its flag, and the line.
    fn stop_reasons(
        &self,
        snap: &Snapshot,
        s: &Stop,
        d: &Disclosure,
    ) -> (Vec<Value>, Option<&'static str>, Option<Value>) {
        let visit = s.visit.map(|v| &snap.visits[v as usize]);
        let mut reasons = Vec::new();
        if let Some(v) = visit {
            let params = json!({"visit_id": v.id, "date": v.date.to_string(), "participants": v.participants});
            reasons.push(match (s.status, v.participants) {
                (StopStatus::Booked, _) => reason(
                    "visit_booked",
                    params,
                    format!("a visit on record for {}, not yet held", v.date),
                ),
                (_, Some(n)) => reason(
                    "visit_recorded",
                    params,
                    format!("a visit on record on {} ({n} participants)", v.date),
                ),
                (_, None) => reason(
                    "visit_recorded",
                    params,
                    format!("a visit on record on {}", v.date),
                ),
            });
        }
        if s.status == StopStatus::NotDone {
            reasons.push(reason(
                "not_done",
                json!({"year": s.year}),
                format!("no visit on record in {} and no working day left", s.year),
            ));
        }
        reasons.push(self.audience_reason(s, d));
        let (conn, flag) = self.connection_reason(s);
        reasons.push(conn);
        let year = self.years.iter().find(|y| y.year == s.year);
        let line = year
            .and_then(|y| y.lines.get(&s.parish_id))
            .filter(|_| s.connection != Connection::GoodLine)
            .map(|l| self.line_json(snap, l));
        if let Some((_, r)) = &line {
            reasons.push(r.clone());
        }
        (reasons, flag, line.map(|l| l.0))
    }

    /// One stop as JSON.
    fn stop_json(&self, snap: &Snapshot, s: &Stop, d: &Disclosure) -> Value {
        let site = &snap.sites[s.site as usize];
        let b = s.building.map(|k| &self.buildings[k]);
        let parish = snap
            .parishes
            .iter()
            .find(|(id, _)| *id == s.parish_id)
            .map(|p| p.1.clone());
        let visit = s.visit.map(|v| &snap.visits[v as usize]);
        let (reasons, flag, line) = self.stop_reasons(snap, s, d);
        let times = s.date.map(|day| self.times(day));
        let mut m = Map::new();
        for (k, v) in [
            ("year", json!(s.year)),
            ("order", json!(s.order)),
            ("date", json!(s.date.map(|x| x.to_string()))),
            ("start", json!(times.map(|t| t.0.to_rfc3339()))),
            ("end", json!(times.map(|t| t.1.to_rfc3339()))),
            ("status", json!(s.status.as_str())),
            ("parish_id", json!(s.parish_id)),
            ("parish_name", json!(parish)),
            ("site_id", json!(site.id)),
            ("name", json!(site.name)),
            ("kind", json!(site.kind.as_str())),
            ("address", json!(site.address)),
            ("lon", json!(site.location.x())),
            ("lat", json!(site.location.y())),
            ("connection", json!(s.connection.as_str())),
            (
                "backhaul_down_mbps",
                json!(b.and_then(|b| b.backhaul_down_mbps)),
            ),
            (
                "mobile_down_mbps",
                json!(s.mobile.as_ref().map(|m| m.down_mbps)),
            ),
            ("flags", json!(flag.into_iter().collect::<Vec<_>>())),
            ("for", json!(s.audience.as_str())),
            ("participants", json!(visit.and_then(|v| v.participants))),
            ("visit_id", json!(visit.map(|v| v.id.clone()))),
            ("line_to_upgrade", line.unwrap_or(Value::Null)),
            ("leg_km", json!((s.leg_m / 100.0).round() / 10.0)),
            ("source", json!(site.provenance.source.as_str())),
            (
                "equipment_source",
                json!(
                    b.and_then(|b| b.equipment.as_ref())
                        .map(|p| p.source.as_str())
                ),
            ),
            ("reasons", Value::Array(reasons)),
        ] {
            m.insert(k.into(), v);
        }
        d.put(&mut m, "underserved_in_reach", s.underserved_in_reach);
        d.put(&mut m, "newly_reached", s.newly_reached);
        Value::Object(m)
    }

    /// One year as JSON.
    fn year_json(&self, snap: &Snapshot, y: &super::YearPlan, d: &Disclosure) -> Value {
        let stops: Vec<&Stop> = y.stops.iter().filter(|s| self.wanted(s)).collect();
        let count = |st: StopStatus| stops.iter().filter(|s| s.status == st).count();
        let mut with_class: Vec<&str> = stops
            .iter()
            .filter(|s| s.status != StopStatus::NotDone)
            .map(|s| s.parish_id.as_str())
            .collect();
        with_class.sort_unstable();
        with_class.dedup();
        let without: Vec<Value> = y
            .without_venue
            .iter()
            .filter(|(p, _)| self.params.parish_id.as_deref().is_none_or(|w| w == p))
            .map(|(p, r)| json!({"parish_id": p, "reason": r}))
            .collect();
        json!({
            "year": y.year, "status": y.status,
            "route_km": (y.route_m / 100.0).round() / 10.0, "return_leg_km": (y.return_leg_m / 100.0).round() / 10.0,
            "done": count(StopStatus::Done), "booked": count(StopStatus::Booked),
            "planned": count(StopStatus::Planned), "not_done": count(StopStatus::NotDone),
            "parishes_with_class": with_class.len(),
            "stops": stops.iter().map(|s| self.stop_json(snap, s, d)).collect::<Vec<_>>(),
            "parishes_without_stop": without,
        })
    }

    /// The answer, counts of residents published by `d`.
    pub fn to_json(&self, snap: &Snapshot, d: &Disclosure) -> Value {
        let office = &snap.sites[self.start as usize];
        let years: Vec<Value> = self
            .years
            .iter()
            .map(|y| self.year_json(snap, y, d))
            .collect();
        let mut by_parish: BTreeMap<&str, Vec<Value>> = BTreeMap::new();
        for s in self
            .years
            .iter()
            .flat_map(|y| &y.stops)
            .filter(|s| self.wanted(s))
        {
            let site = &snap.sites[s.site as usize];
            by_parish.entry(s.parish_id.as_str()).or_default().push(json!({
                "year": s.year, "date": s.date.map(|x| x.to_string()), "status": s.status.as_str(),
                "site_id": site.id, "name": site.name, "address": site.address,
            }));
        }
        let next: BTreeMap<&str, Value> = snap
            .parishes
            .iter()
            .filter(|(id, _)| self.params.parish_id.as_deref().is_none_or(|w| w == id))
            .filter_map(|(id, _)| {
                let s = self.next_for(id)?;
                let site = &snap.sites[s.site as usize];
                Some((id.as_str(), json!({"date": s.date.map(|x| x.to_string()), "status": s.status.as_str(), "site_id": site.id, "name": site.name, "address": site.address})))
            })
            .collect();
        let p = &self.params;
        json!({
            "start": {"site_id": office.id, "name": office.name, "address": office.address},
            "as_of": self.today.to_string(),
            "years": years,
            "by_parish": by_parish,
            "next": next,
            "parameters": {"season": p.season.to_string(), "reach_m": p.reach_m, "start": office.id, "parish_id": p.parish_id,
                           "start_time": p.start_time.format("%H:%M").to_string(), "minutes": p.minutes,
                           "served_down_mbps": self.served_down_mbps, "mobile_good_mbps": self.mobile_good_mbps,
                           "working_days": "Monday to Friday, not a Latvian public holiday",
                           "route": "nearest neighbour, then 2-opt and Or-opt, over straight-line distances (not roads)"},
            "disclosure": d.describe(),
            "provenance": crate::provenance(snap, &[Layer::Sites, Layer::Equipment, Layer::Visits, Layer::Demand, Layer::Coverage]),
            "snapshot_version": snap.version,
        })
    }

    /// One row per stop: the members of its JSON named by the columns.
    pub fn to_csv(&self, snap: &Snapshot, d: &Disclosure) -> String {
        let rows = self.years.iter().flat_map(|y| {
            y.stops.iter().filter(|st| self.wanted(st)).map(|st| {
                let v = self.stop_json(snap, st, d);
                CSV_COLUMNS.map(|k| match k {
                    "underserved_in_reach" => d.text(st.underserved_in_reach),
                    "newly_reached" => d.text(st.newly_reached),
                    "line_to_upgrade" => csv_text(&v[k]["name"]),
                    _ => csv_text(&v[k]),
                })
            })
        });
        crate::csv(&CSV_COLUMNS, rows)
    }

    /// The planned future stops and the recorded ones as an iCalendar
    /// feed, each labelled (`STATUS`, `CATEGORIES` and the summary).
    pub fn to_ics(&self, snap: &Snapshot, d: &Disclosure) -> String {
        let mut events = Vec::new();
        for st in self
            .years
            .iter()
            .flat_map(|y| &y.stops)
            .filter(|st| self.wanted(st))
        {
            let Some(date) = st.date else { continue };
            if st.status == StopStatus::NotDone {
                continue;
            }
            events.push(self.event(snap, st, date, d));
        }
        let name = match &self.params.parish_id {
            Some(p) => format!("Mobilā digitālā klase — {p}"),
            None => "Mobilā digitālā klase — Jelgavas novads".to_owned(),
        };
        calendar::ics(&name, &events)
    }

    fn event(&self, snap: &Snapshot, st: &Stop, date: NaiveDate, d: &Disclosure) -> Event {
        let site = &snap.sites[st.site as usize];
        let (start, end) = self.times(date);
        let recorded = st.visit.is_some();
        let (label, label_en) = match st.status {
            StopStatus::Done => ("notika", "held"),
            StopStatus::Booked => ("pieteikta", "booked"),
            _ => ("plānota", "planned"),
        };
        let mut description = format!(
            "Mobilā digitālā klase / Mobile digital class, {} ({}): {label} / {label_en}. {} digitāli mazāk nodrošināti iedzīvotāji {} m rādiusā.",
            st.year,
            st.parish_id,
            d.text(st.underserved_in_reach),
            self.params.reach_m
        );
        if let Some(n) = st.visit.and_then(|v| snap.visits[v as usize].participants) {
            description.push_str(&format!(" Dalībnieki / participants: {n}."));
        }
        if st.connection != Connection::GoodLine && !recorded {
            description.push_str(&format!(
                " Internets / connection: {}.",
                st.connection.as_str()
            ));
        }
        if site.provenance.source != gapmap_model::Source::Official {
            description.push_str(&format!(
                " Vietas dati: {} / place data: {}.",
                site.provenance.source, site.provenance.source
            ));
        }
        Event {
            uid: match st.visit {
                Some(v) => format!("mobile-class-visit-{}@gapmap", snap.visits[v as usize].id),
                None => format!("mobile-class-{}-{}@gapmap", st.year, st.parish_id),
            },
            stamp: snap.built_at,
            start,
            end,
            summary: format!("Mobilā digitālā klase ({label}): {}", site.name),
            location: Some(site.address.clone().unwrap_or_else(|| site.name.clone())),
            description: Some(description),
            geo: Some((site.location.y(), site.location.x())),
            status: Some(if recorded { "CONFIRMED" } else { "TENTATIVE" }),
            categories: Some(if recorded { "recorded" } else { "planned" }.to_owned()),
        }
    }
}

/// The columns of [`MobileClass::to_csv`]: members of a stop's JSON.
const CSV_COLUMNS: [&str; 20] = [
    "year",
    "order",
    "date",
    "status",
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
    "for",
    "underserved_in_reach",
    "newly_reached",
    "participants",
    "line_to_upgrade",
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
