//! The mobile digital class: for each plan year (2026–2029), a class in
//! every parish, a route from the municipality's office and back, and a
//! date for every stop — the records where they exist, the plan after.
//!
//! 1. **What happened**: the visits on record (`visits` layer) are each
//!    year's stops in their parish (`done` on or before the snapshot's
//!    date, `booked` after it), with the venue and date recorded.
//! 2. **The plan**: a parish without a visit on record in a year gets a
//!    stop chosen by [`venues`] — the best-connected venue (a good line,
//!    else a mobile router where mobile coverage is good, else a line not
//!    on record, else the best slow line), reaching the most digitally
//!    under-served residents within `reach_m` (5 km) not reached by an
//!    earlier stop, rotating when they all were; a parish whose stop has
//!    no good line names the line to upgrade first (as /plan/upgrades
//!    ranks it). In a past year, a parish without a visit is `not_done`.
//! 3. **Route**: from the municipality's office (`start`, default the
//!    municipal office outside the parishes — Pasta iela 37, Jelgava — else
//!    the first municipal office) through the year's planned stops and back
//!    ([`route::tour`], straight lines).
//! 4. **Dates**: one planned stop per working day in route order
//!    ([`calendar::days_left`]): in a future year from the start of the
//!    `season` (default 04-01/05-31), skipping weekends and Latvian public
//!    holidays; in this year the days left after the snapshot's date (the
//!    season's, then to the end of the year). A future season too short for
//!    the stops is an error naming `season`.

pub mod answer;
#[cfg(test)]
mod tests;
pub mod types;
pub mod venues;

pub use types::{
    Audience, Connection, LineToUpgrade, MobileClass, Params, Stop, StopStatus, YearPlan,
};

use crate::buildings::{Building, buildings};
use crate::{PlanError, Target, calendar, route, upgrades};
use chrono::Datelike;
use gapmap_engine::analysis::Analysis;
use gapmap_engine::snapshot::Snapshot;
use gapmap_model::SiteKind;
use std::collections::BTreeMap;
use venues::{Pick, Venues, audience, xy};

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

/// The visits on record: (year, parish) → (visit, site, building), by date.
type Recorded = BTreeMap<(i32, String), Vec<(u32, u32, Option<usize>)>>;

fn recorded(snap: &Snapshot, bs: &[Building]) -> Recorded {
    let site_of: BTreeMap<&str, u32> = snap
        .sites
        .iter()
        .enumerate()
        .map(|(i, s)| (s.id.as_str(), i as u32))
        .collect();
    let mut building_of: BTreeMap<u32, usize> = BTreeMap::new();
    for (k, b) in bs.iter().enumerate() {
        for &m in &b.members {
            building_of.insert(m, k);
        }
    }
    let mut out: Recorded = BTreeMap::new();
    for (v, visit) in snap.visits.iter().enumerate() {
        let Some(&site) = site_of.get(visit.site_id.as_str()) else {
            continue;
        };
        let b = building_of.get(&site).copied();
        let parish = b
            .and_then(|k| bs[k].parish_id.clone())
            .or_else(|| snap.sites[site as usize].parish_id.clone());
        if let Some(parish) = parish {
            out.entry((visit.date.year(), parish))
                .or_default()
                .push((v as u32, site, b));
        }
    }
    for list in out.values_mut() {
        list.sort_by_key(|(v, _, _)| (snap.visits[*v as usize].date, *v));
    }
    out
}

/// What the years carry forward: who was reached (per parish, the year
/// each under-served resident was first reached) and when each building
/// last had a stop.
#[derive(Debug, Default)]
struct Carried {
    seen: BTreeMap<String, Vec<Option<i32>>>,
    last_used: BTreeMap<usize, i32>,
}

/// Plan the mobile class (see the module documentation).
pub fn plan(snap: &Snapshot, analysis: &Analysis, p: &Params) -> Result<MobileClass, PlanError> {
    check(snap, p)?;
    let start = start_site(snap, p.start.as_deref())?;
    let bs = buildings(snap, analysis);
    let up = upgrades::plan(snap, analysis, &upgrades::Params::default())?;
    let venues = Venues::new(snap, analysis, &bs, &up, p.reach_m);
    let target = Target::of(&snap.plan, "mobile-class");
    let rec = recorded(snap, &bs);
    let today = snap.inventory_date;
    let mut carried = Carried::default();
    // The visits before the plan (the pilot) reached people too.
    for ((year, parish), list) in rec.range(..(target.from_year, String::new())) {
        for &(_, site, b) in list {
            let at = b.map_or_else(|| site_xy(snap, site), |k| xy(&bs[k]));
            let seen = carried.seen.entry(parish.clone()).or_default();
            venues.mark(parish, at, *year, seen);
        }
    }
    let mut years = Vec::new();
    for year in target.years() {
        years.push(plan_year(
            snap,
            &venues,
            &rec,
            &mut carried,
            year,
            start,
            p,
        )?);
    }
    Ok(MobileClass {
        params: p.clone(),
        start,
        buildings: bs,
        years,
        served_down_mbps: analysis.thresholds.served_down_mbps,
        mobile_good_mbps: analysis.thresholds.mobile_high_mbps,
        today,
    })
}

/// A site's working-CRS position.
fn site_xy(snap: &Snapshot, site: u32) -> [f64; 2] {
    let q = snap.sites_xy[site as usize];
    [q.x(), q.y()]
}

/// One year: the visits on record, a stop chosen for every other parish,
/// the planned stops routed and dated, then who they reached.
fn plan_year(
    snap: &Snapshot,
    venues: &Venues,
    rec: &Recorded,
    carried: &mut Carried,
    year: i32,
    start: u32,
    p: &Params,
) -> Result<YearPlan, PlanError> {
    let today = snap.inventory_date;
    let mut stops: Vec<Stop> = Vec::new();
    let mut picks: Vec<(String, Pick)> = Vec::new();
    let mut without_venue = Vec::new();
    for (pid, _) in &snap.parishes {
        let seen = carried.seen.entry(pid.clone()).or_default();
        if let Some(list) = rec.get(&(year, pid.clone())) {
            stops.extend(recorded_stops(snap, venues, list, pid, year, seen));
            continue;
        }
        match venues.choose(pid, year, seen, &carried.last_used) {
            Some(pick) => picks.push((pid.clone(), pick)),
            None => without_venue.push((pid.clone(), venues.no_venue())),
        }
    }
    let (planned, route_m, return_leg_m) = schedule(snap, venues, picks, year, start, p, carried)?;
    stops.extend(planned);
    stops.sort_by_key(|s| (s.date.is_none(), s.date, s.parish_id.clone()));
    for (k, s) in stops.iter_mut().enumerate() {
        s.order = k + 1;
    }
    let mut lines = BTreeMap::new();
    for s in &stops {
        carried_mark(venues, carried, s);
        if s.connection != Connection::GoodLine
            && let Some(b) = s.building
        {
            lines.insert(s.parish_id.clone(), venues.line_to_upgrade(&s.parish_id, b));
        }
    }
    let status = match year.cmp(&today.year()) {
        std::cmp::Ordering::Less => "past",
        std::cmp::Ordering::Equal => "current",
        std::cmp::Ordering::Greater => "future",
    };
    Ok(YearPlan {
        year,
        status,
        stops,
        without_venue,
        lines,
        route_m,
        return_leg_m,
    })
}

/// After a stop that happened or is to happen: its people are reached and
/// its building was used this year.
fn carried_mark(venues: &Venues, carried: &mut Carried, s: &Stop) {
    if s.status == StopStatus::NotDone {
        return;
    }
    let at = s
        .building
        .map_or_else(|| site_xy(venues.snap, s.site), |k| xy(&venues.bs[k]));
    let seen = carried.seen.entry(s.parish_id.clone()).or_default();
    venues.mark(&s.parish_id, at, s.year, seen);
    if let Some(b) = s.building {
        carried.last_used.insert(b, s.year);
    }
}

/// A parish's visits on record in a year as stops (who they reached is
/// marked after the year).
fn recorded_stops(
    snap: &Snapshot,
    venues: &Venues,
    list: &[(u32, u32, Option<usize>)],
    pid: &str,
    year: i32,
    seen: &[Option<i32>],
) -> Vec<Stop> {
    list.iter()
        .map(|&(v, site, b)| {
            let visit = &snap.visits[v as usize];
            let at = b.map_or_else(|| site_xy(snap, site), |k| xy(&venues.bs[k]));
            let (all, new, reached_in) = venues.in_reach(pid, at, seen);
            let venue = b.map(|k| venues.venue_of(k));
            Stop {
                year,
                order: 0,
                date: Some(visit.date),
                status: if visit.date <= snap.inventory_date {
                    StopStatus::Done
                } else {
                    StopStatus::Booked
                },
                parish_id: pid.to_owned(),
                site,
                building: b,
                connection: venue
                    .as_ref()
                    .map_or(Connection::Unverified, |v| venues.connection(v, year)),
                mobile: venue.and_then(|v| v.mobile),
                underserved_in_reach: all,
                newly_reached: new,
                audience: audience(all, new),
                reached_in,
                visit: Some(v),
                leg_m: 0.0,
            }
        })
        .collect()
}

/// The planned stops of a year: routed from the office and back, one per
/// working day left in route order; those without a day (this year's,
/// when the year runs out) are `not_done`, as every stop of a past year.
/// Also the route's length and its return leg.
fn schedule(
    snap: &Snapshot,
    venues: &Venues,
    picks: Vec<(String, Pick)>,
    year: i32,
    start: u32,
    p: &Params,
    carried: &Carried,
) -> Result<(Vec<Stop>, f64, f64), PlanError> {
    let today = snap.inventory_date;
    let days = calendar::days_left(year, p.season, today);
    if year > today.year() && days.len() < picks.len() {
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
    let mut points = vec![site_xy(snap, start)];
    points.extend(picks.iter().map(|(_, pk)| xy(&venues.bs[pk.building])));
    let order = if days.is_empty() {
        (0..points.len()).collect()
    } else {
        route::tour(&points)
    };
    let mut out = Vec::new();
    for (n, w) in order.windows(2).enumerate() {
        let (prev, here) = (w[0], w[1]);
        let (pid, pick) = &picks[here - 1];
        let reached_in = carried
            .seen
            .get(pid)
            .and_then(|seen| venues.in_reach(pid, xy(&venues.bs[pick.building]), seen).2);
        let date = days.get(n).copied();
        out.push(Stop {
            year,
            order: 0,
            date,
            status: if date.is_some() {
                StopStatus::Planned
            } else {
                StopStatus::NotDone
            },
            parish_id: pid.clone(),
            site: venues.bs[pick.building].site(),
            building: Some(pick.building),
            connection: pick.connection,
            mobile: pick.mobile.clone(),
            underserved_in_reach: pick.in_reach,
            newly_reached: pick.newly,
            audience: audience(pick.in_reach, pick.newly),
            reached_in,
            visit: None,
            leg_m: if date.is_some() {
                route::dist(points[prev], points[here])
            } else {
                0.0
            },
        });
    }
    let routed = !days.is_empty();
    let route_m = if routed {
        route::length(&points, &order)
    } else {
        0.0
    };
    let return_leg_m = match order.last() {
        Some(&l) if routed && l != 0 => route::dist(points[l], points[0]),
        _ => 0.0,
    };
    Ok((out, route_m, return_leg_m))
}
