//! The mobile class on the embedded dataset, seen from fixed dates: a
//! class in every parish every plan year, the records for the past, the
//! venue's connection and the line to upgrade as /plan/upgrades has it,
//! and a calendar without planned past dates.

use super::*;
use crate::testdata::jelgava_snapshot;
use chrono::NaiveDate;
use gapmap_model::disclosure::Disclosure;
use std::collections::BTreeSet;

fn day(y: i32, m: u32, d: u32) -> NaiveDate {
    NaiveDate::from_ymd_opt(y, m, d).expect("date")
}

/// The embedded dataset seen on `today`, and its mobile class.
fn seen_on(today: NaiveDate) -> (Snapshot, MobileClass) {
    let dir = tempfile::tempdir().expect("tempdir");
    let mut snap = jelgava_snapshot(dir.path());
    snap.inventory_date = today;
    let m = plan(&snap, &snap.analysis, &Params::default()).expect("mobile class");
    (snap, m)
}

/// The parishes with a class (held, booked or planned) in a year.
fn with_class(y: &YearPlan) -> BTreeSet<&str> {
    y.stops
        .iter()
        .filter(|s| s.status != StopStatus::NotDone)
        .map(|s| s.parish_id.as_str())
        .collect()
}

#[test]
fn every_parish_has_a_class_every_plan_year() {
    let (snap, m) = seen_on(day(2026, 12, 7));
    let all: BTreeSet<&str> = snap.parishes.iter().map(|p| p.0.as_str()).collect();
    assert_eq!(all.len(), 16);
    assert_eq!(
        m.years.iter().map(|y| y.year).collect::<Vec<_>>(),
        [2026, 2027, 2028, 2029]
    );
    for y in &m.years {
        assert_eq!(with_class(y), all, "{}", y.year);
        for s in &y.stops {
            if s.status == StopStatus::Planned {
                let d = s.date.expect("a planned stop has a date");
                assert!(d > m.today && calendar::is_working_day(d), "{d}");
            }
        }
    }
    // 2026: thirteen visits on record, three classes planned in December.
    let y = &m.years[0];
    let count = |st| y.stops.iter().filter(|s| s.status == st).count();
    assert_eq!(
        (count(StopStatus::Done), count(StopStatus::Planned)),
        (13, 3)
    );
    for s in y.stops.iter().filter(|s| s.status == StopStatus::Planned) {
        assert_eq!(s.date.map(|d| d.year()), Some(2026));
    }
}

#[test]
fn past_dates_are_the_records() {
    let (snap, m) = seen_on(day(2027, 6, 15));
    // Every visit of a plan year is a stop, held, at its site and date.
    let mut seen = 0;
    for (k, v) in snap.visits.iter().enumerate() {
        if !(2026..=2029).contains(&v.date.year()) {
            continue;
        }
        let y = m
            .years
            .iter()
            .find(|y| y.year == v.date.year())
            .expect("year");
        let s = y
            .stops
            .iter()
            .find(|s| s.visit == Some(k as u32))
            .expect("the visit is a stop");
        assert_eq!(s.status, StopStatus::Done);
        assert_eq!(s.date, Some(v.date));
        assert_eq!(snap.sites[s.site as usize].id, v.site_id);
        seen += 1;
    }
    assert_eq!(seen, 13);
    // No planned stop before today; 2026's missing classes were not held,
    // 2027's season passed without records: planned after today.
    for y in &m.years {
        for s in &y.stops {
            if s.date.is_some_and(|d| d <= m.today) {
                assert_eq!(s.status, StopStatus::Done, "{:?}", s.date);
            }
        }
    }
    let not_done = m.years[0]
        .stops
        .iter()
        .filter(|s| s.status == StopStatus::NotDone)
        .count();
    assert_eq!(not_done, 3);
    assert_eq!(with_class(&m.years[1]).len(), 16);
    let ics = m.to_ics(&snap, &Disclosure::exact());
    assert_eq!(
        ics.matches("BEGIN:VEVENT").count(),
        13 + 16 * 3,
        "the recorded past and the planned future"
    );
    assert_eq!(ics.matches("CATEGORIES:recorded").count(), 13);
}

#[test]
fn connections_and_lines_agree_with_the_upgrades() {
    let (snap, m) = seen_on(day(2026, 12, 7));
    let up = upgrades::plan(&snap, &snap.analysis, &upgrades::Params::default()).expect("up");
    let served = snap.analysis.thresholds.served_down_mbps;
    let mut lines = 0;
    for y in &m.years {
        for s in y.stops.iter().filter(|s| s.status == StopStatus::Planned) {
            let b = &m.buildings[s.building.expect("a building")];
            let upgraded = up.backhaul.1.iter().any(|uy| {
                uy.year < y.year
                    && uy
                        .recommended
                        .iter()
                        .any(|r| r.building == s.building.unwrap_or(usize::MAX))
            });
            let good = b.backhaul_down_mbps.is_some_and(|d| d >= served) || upgraded;
            assert_eq!(
                s.connection == Connection::GoodLine,
                good,
                "{}",
                s.parish_id
            );
            if s.connection == Connection::MobileRouter {
                assert!(s.mobile.as_ref().is_some_and(|x| x.down_mbps >= 30.0));
            }
            if s.connection == Connection::GoodLine {
                continue;
            }
            let l = &y.lines[&s.parish_id];
            lines += 1;
            if let Some((year, rank)) = l.upgrade {
                let row = up
                    .backhaul
                    .1
                    .iter()
                    .find(|uy| uy.year == year)
                    .and_then(|uy| uy.recommended.iter().find(|r| r.building == l.building));
                assert_eq!(
                    row.map(|r| r.rank),
                    Some(rank),
                    "the upgrades' own year and rank"
                );
                assert_eq!(
                    m.buildings[l.building].parish_id.as_deref(),
                    Some(s.parish_id.as_str())
                );
            }
        }
    }
    assert!(lines > 0, "some parish has no good line at its venue");
}

#[test]
fn venues_rotate_when_their_people_were_reached() {
    let (_, m) = seen_on(day(2026, 12, 7));
    // With a 5 km reach one venue reaches most of a parish, so from 2027
    // most stops are return visits: they move to the venue used longest
    // ago among those as well connected.
    let mut moved = 0;
    for w in m.years.windows(2) {
        for s in w[1]
            .stops
            .iter()
            .filter(|s| s.status == StopStatus::Planned)
        {
            let before = w[0].stops.iter().find(|p| p.parish_id == s.parish_id);
            if before.is_some_and(|p| p.building != s.building) {
                moved += 1;
            }
        }
    }
    assert!(
        moved >= 16,
        "the class moves round the parishes' venues: {moved}"
    );
}
