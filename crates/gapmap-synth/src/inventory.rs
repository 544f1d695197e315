//! A simulated inventory for a sites layer: equipment records (routers,
//! backhaul lines, public access points) and mobile-class visits, labelled
//! `simulated`, for the embedded dataset, which has no real inventory
//! (`gapmap synth --scale jelgava` writes `equipment.csv` and `visits.csv`).
//!
//! Keyed on the sites, not on hand-written ids: every building (sites at
//! the same point: a parish office and its KAC point, a library sharing a
//! culture house) draws from a random stream seeded by the seed and the id
//! of the site that holds its equipment, and every parish's visits from the
//! seed and the parish id. A new site or parish changes only its own
//! records; the same inputs give byte-identical files.
//!
//! What it makes (all of it made up; dates up to October 2026):
//! 1. about one building in eight has no records ("unknown": to survey);
//! 2. a router per building, installed 2011–2025 (one in ten with no known
//!    date), sometimes with the router it replaced; about a third of those
//!    from 2016 or before replaced during 2026;
//! 3. a backhaul line per building (10–1000 Mbit/s down, one in twelve with
//!    unknown speeds), some slow ones upgraded to 300/100 during 2026;
//! 4. one or two public access points at every free-Wi-Fi site, sometimes
//!    a third added in 2026;
//! 5. visits: a stand-in for the 2025 pilot (three sessions at each
//!    `mobile_class_stop` site, April–May 2025, 3–11 participants: the real
//!    dates were not published) and a 2026 visit in about 60 % of parishes,
//!    on working days (no weekends, no Latvian public holidays).

use chrono::{Datelike, NaiveDate, Weekday};
use gapmap_engine::analysis::open_now::is_public_holiday;
use gapmap_geo::csv_cell::record;
use gapmap_model::{Site, SiteKind};
use rand::{Rng, SeedableRng};
use rand_chacha::ChaCha8Rng;
use sha2::{Digest, Sha256};
use std::collections::BTreeMap;

/// Labels written on every record.
#[derive(Debug, Clone)]
pub struct Params {
    pub seed: u64,
    pub as_of: String,
    pub source_ref: String,
}

pub const LICENCE: &str = "CC0 (simulated by gapmap)";

/// One equipment row.
#[derive(Debug, Clone, PartialEq)]
pub struct EquipmentRow {
    pub id: String,
    pub site_id: String,
    pub kind: &'static str,
    pub installed_on: Option<NaiveDate>,
    pub retired_on: Option<NaiveDate>,
    pub down_mbps: Option<f64>,
    pub up_mbps: Option<f64>,
    pub note: &'static str,
}

/// One visit row.
#[derive(Debug, Clone, PartialEq)]
pub struct VisitRow {
    pub id: String,
    pub site_id: String,
    pub date: NaiveDate,
    pub participants: u32,
    pub note: &'static str,
}

/// A random stream for one key (a site or parish id).
fn stream(seed: u64, key: &str) -> ChaCha8Rng {
    let h = Sha256::digest(format!("{seed}/{key}").as_bytes());
    let mut b = [0u8; 8];
    b.copy_from_slice(&h[..8]);
    ChaCha8Rng::seed_from_u64(u64::from_le_bytes(b))
}

fn ymd(y: i32, m: u32, d: u32) -> NaiveDate {
    NaiveDate::from_ymd_opt(y, m, d).unwrap_or(NaiveDate::MIN)
}

fn day_in(r: &mut ChaCha8Rng, year: i32, months: std::ops::RangeInclusive<u32>) -> NaiveDate {
    ymd(year, r.gen_range(months), r.gen_range(1..=28))
}

/// A working day (Monday–Friday, not a public holiday) on or after `d`.
pub fn working_day_from(mut d: NaiveDate) -> NaiveDate {
    while matches!(d.weekday(), Weekday::Sat | Weekday::Sun) || is_public_holiday(d) {
        d = d.succ_opt().unwrap_or(d);
    }
    d
}

/// The order in which the sites of one building hold its equipment.
fn holder_rank(s: &Site) -> (bool, u8, &str) {
    let kind = match s.kind {
        SiteKind::MunicipalOffice => 0,
        SiteKind::Library => 1,
        SiteKind::School => 2,
        SiteKind::CultureHouse => 3,
        SiteKind::SocialCentre => 4,
        SiteKind::ActivityCentre => 5,
        SiteKind::YouthCentre => 6,
        SiteKind::Kac => 7,
        SiteKind::Wifi => 8,
        SiteKind::MobileClassStop => 9,
    };
    (s.free_wifi != Some(true), kind, s.id.as_str())
}

/// Buildings: the sites at one point (to 1e-7°), each with the site that
/// holds its equipment first; in order of that site's id.
fn buildings(sites: &[Site]) -> Vec<Vec<&Site>> {
    let mut by_point: BTreeMap<(i64, i64), Vec<&Site>> = BTreeMap::new();
    for s in sites {
        let key = (
            (s.location.x() * 1e7).round() as i64,
            (s.location.y() * 1e7).round() as i64,
        );
        by_point.entry(key).or_default().push(s);
    }
    let mut out: Vec<Vec<&Site>> = by_point
        .into_values()
        .map(|mut b| {
            b.sort_by(|a, c| holder_rank(a).cmp(&holder_rank(c)));
            b
        })
        .collect();
    out.sort_by(|a, b| a[0].id.cmp(&b[0].id));
    out
}

/// The simulated equipment of every building, in building order.
pub fn equipment(sites: &[Site], p: &Params) -> Vec<EquipmentRow> {
    let mut out = Vec::new();
    for b in buildings(sites) {
        let holder = b[0];
        let r = &mut stream(p.seed, &format!("equipment/{}", holder.id));
        if r.gen_bool(0.12) {
            continue; // unknown: nothing on record
        }
        let mut rows = Rows {
            site_id: &holder.id,
            rows: Vec::new(),
        };
        router(r, &mut rows);
        if r.gen_bool(0.9) {
            line(r, &mut rows);
        }
        // Public access points where the site has free Wi-Fi.
        if holder.free_wifi == Some(true) {
            access_points(r, &mut rows);
        }
        for (k, mut row) in rows.rows.into_iter().enumerate() {
            row.id = format!("sim-eq-{}-{}", holder.id, k + 1);
            out.push(row);
        }
    }
    out
}

/// The equipment rows of one building, held by the site `site_id` (their
/// ids are given when all are made).
struct Rows<'a> {
    site_id: &'a str,
    rows: Vec<EquipmentRow>,
}

impl Rows<'_> {
    /// Add a row.
    fn push(
        &mut self,
        kind: &'static str,
        installed_on: Option<NaiveDate>,
        retired_on: Option<NaiveDate>,
        speeds: Option<(f64, f64)>,
        note: &'static str,
    ) {
        self.rows.push(EquipmentRow {
            id: String::new(),
            site_id: self.site_id.to_owned(),
            kind,
            installed_on,
            retired_on,
            down_mbps: speeds.map(|s| s.0),
            up_mbps: speeds.map(|s| s.1),
            note,
        })
    }
}

/// The router, perhaps with the one it replaced, perhaps replaced in 2026.
fn router(r: &mut ChaCha8Rng, rows: &mut Rows) {
    let year = r.gen_range(2011..=2025);
    let installed = day_in(r, year, 1..=12);
    let date_known = !r.gen_bool(0.1);
    if year >= 2016 && r.gen_bool(0.5) {
        let back = r.gen_range(3..=6);
        let before = day_in(r, year - back, 1..=12);
        rows.push("router", Some(before), Some(installed), None, "replaced");
    }
    if year <= 2016 && r.gen_bool(0.35) {
        let new = working_day_from(day_in(r, 2026, 3..=10));
        rows.push(
            "router",
            date_known.then_some(installed),
            Some(new),
            None,
            "replaced in 2026",
        );
        rows.push("router", Some(new), None, None, "");
    } else {
        rows.push("router", date_known.then_some(installed), None, None, "");
    }
}

/// The line (backhaul), perhaps upgraded in 2026.
fn line(r: &mut ChaCha8Rng, rows: &mut Rows) {
    const DOWN: [(f64, f64, u32); 7] = [
        (10.0, 2.0, 1),
        (20.0, 4.0, 2),
        (30.0, 6.0, 3),
        (50.0, 10.0, 3),
        (100.0, 20.0, 3),
        (300.0, 100.0, 2),
        (1000.0, 500.0, 1),
    ];
    let total: u32 = DOWN.iter().map(|d| d.2).sum();
    let mut pick = r.gen_range(0..total);
    let (down, up, _) = *DOWN
        .iter()
        .find(|d| {
            let hit = pick < d.2;
            pick = pick.saturating_sub(d.2);
            hit
        })
        .unwrap_or(&DOWN[0]);
    let since_year = r.gen_range(2012..=2024);
    let since = day_in(r, since_year, 1..=12);
    let speeds = (!r.gen_bool(0.08)).then_some((down, up));
    if down < 100.0 && speeds.is_some() && r.gen_bool(0.3) {
        let new = working_day_from(day_in(r, 2026, 2..=10));
        rows.push(
            "backhaul",
            Some(since),
            Some(new),
            speeds,
            "upgraded in 2026",
        );
        rows.push("backhaul", Some(new), None, Some((300.0, 100.0)), "");
    } else {
        rows.push("backhaul", Some(since), None, speeds, "");
    }
}

/// One or two public access points, perhaps one more added in 2026.
fn access_points(r: &mut ChaCha8Rng, rows: &mut Rows) {
    for _ in 0..r.gen_range(1..=2) {
        let y = r.gen_range(2016..=2024);
        rows.push("access_point", Some(day_in(r, y, 1..=12)), None, None, "");
    }
    if r.gen_bool(0.3) {
        let new = working_day_from(day_in(r, 2026, 3..=10));
        rows.push("access_point", Some(new), None, None, "added in 2026");
    }
}

/// The kinds of building a mobile class can be held in.
pub fn is_indoor_venue(kind: SiteKind) -> bool {
    !matches!(kind, SiteKind::Wifi | SiteKind::Kac)
}

/// The simulated visits: the 2025 pilot stand-in and some 2026 visits.
pub fn visits(sites: &[Site], p: &Params) -> Vec<VisitRow> {
    let mut out = Vec::new();
    let active = |s: &&Site| s.status == gapmap_model::SiteStatus::Active;
    let mut stops: Vec<&Site> = sites
        .iter()
        .filter(active)
        .filter(|s| s.kind == SiteKind::MobileClassStop)
        .collect();
    stops.sort_by(|a, b| a.id.cmp(&b.id));
    for s in stops {
        let r = &mut stream(p.seed, &format!("pilot/{}", s.id));
        let mut used = Vec::new();
        for k in 0..3 {
            let mut d = working_day_from(day_in(r, 2025, 4..=5));
            while used.contains(&d) {
                d = working_day_from(d.succ_opt().unwrap_or(d));
            }
            used.push(d);
            out.push(VisitRow {
                id: format!("sim-visit-2025-{}-{}", s.id, k + 1),
                site_id: s.id.clone(),
                date: d,
                participants: r.gen_range(3..=11),
                note: "stand-in for the 2025 pilot (DigiClass): real dates not published",
            });
        }
    }
    let mut parishes: BTreeMap<&str, Vec<&Site>> = BTreeMap::new();
    for s in sites
        .iter()
        .filter(active)
        .filter(|s| is_indoor_venue(s.kind) && !s.outside_municipality)
    {
        if let Some(pid) = s.parish_id.as_deref() {
            parishes.entry(pid).or_default().push(s);
        }
    }
    for (pid, mut venues) in parishes {
        venues.sort_by(|a, b| a.id.cmp(&b.id));
        let r = &mut stream(p.seed, &format!("visits/{pid}"));
        if !r.gen_bool(0.6) {
            continue;
        }
        let s = venues[r.gen_range(0..venues.len())];
        let d = working_day_from(day_in(r, 2026, 4..=10));
        out.push(VisitRow {
            id: format!("sim-visit-2026-{pid}"),
            site_id: s.id.clone(),
            date: d,
            participants: r.gen_range(4..=18),
            note: "",
        });
    }
    out
}

fn date_text(d: Option<NaiveDate>) -> String {
    d.map(|d| d.to_string()).unwrap_or_default()
}

fn num_text(v: Option<f64>) -> String {
    v.map(|v| format!("{v}")).unwrap_or_default()
}

fn provenance_fields(p: &Params) -> [String; 4] {
    [
        "simulated".into(),
        p.source_ref.clone(),
        p.as_of.clone(),
        LICENCE.into(),
    ]
}

/// `equipment.csv`: the IT department's format (README, "Inventory").
pub fn equipment_csv(rows: &[EquipmentRow], p: &Params) -> String {
    let mut s = String::from(
        "id,site_id,type,installed_on,retired_on,down_mbps,up_mbps,note,source,source_ref,as_of,licence\n",
    );
    for r in rows {
        let mut fields = vec![
            r.id.clone(),
            r.site_id.clone(),
            r.kind.to_owned(),
            date_text(r.installed_on),
            date_text(r.retired_on),
            num_text(r.down_mbps),
            num_text(r.up_mbps),
            r.note.to_owned(),
        ];
        fields.extend(provenance_fields(p));
        record(&mut s, &fields);
    }
    s
}

/// `visits.csv`.
pub fn visits_csv(rows: &[VisitRow], p: &Params) -> String {
    let mut s = String::from("id,site_id,date,participants,note,source,source_ref,as_of,licence\n");
    for r in rows {
        let mut fields = vec![
            r.id.clone(),
            r.site_id.clone(),
            r.date.to_string(),
            r.participants.to_string(),
            r.note.to_owned(),
        ];
        fields.extend(provenance_fields(p));
        record(&mut s, &fields);
    }
    s
}

#[cfg(test)]
mod tests {
    use super::*;
    use gapmap_model::{Provenance, SiteStatus, Source, Wheelchair};
    use geo_types::Point;

    fn site(id: &str, kind: SiteKind, x: f64, wifi: bool, parish: &str) -> Site {
        Site {
            id: id.into(),
            kind,
            name: id.into(),
            address: None,
            parish_id: Some(parish.into()),
            free_wifi: Some(wifi),
            access_points: None,
            router_year: None,
            backhaul_down_mbps: None,
            backhaul_up_mbps: None,
            public_computers: None,
            opening_hours: None,
            wifi_hours: None,
            phone: None,
            wheelchair: Wheelchair::Unknown,
            services: vec![],
            how_to_connect: None,
            status: SiteStatus::Active,
            planned_year: None,
            candidate: true,
            outside_municipality: false,
            outside_municipality_reason: None,
            coordinate_quality: None,
            building_id: None,
            location: Point::new(x, 56.5),
            provenance: Provenance {
                source: Source::Approximate,
                source_ref: "t".into(),
                as_of: ymd(2026, 1, 1),
                licence: None,
            },
            equipment_provenance: None,
        }
    }

    fn params() -> Params {
        Params {
            seed: 42,
            as_of: "2026-11-25".into(),
            source_ref: "test".into(),
        }
    }

    #[test]
    fn keyed_on_sites_and_working_days_only() {
        let sites: Vec<Site> = (0..40)
            .map(|i| {
                let kind = [
                    SiteKind::MunicipalOffice,
                    SiteKind::Library,
                    SiteKind::School,
                ][i % 3];
                site(
                    &format!("s{i:02}"),
                    kind,
                    23.0 + i as f64 * 0.01,
                    i % 3 == 1,
                    &format!("p{}", i % 5),
                )
            })
            .collect();
        let eq = equipment(&sites, &params());
        let vi = visits(&sites, &params());
        // Adding a site elsewhere leaves every other site's records as they were.
        let mut more = sites.clone();
        more.push(site("zz-new", SiteKind::School, 25.0, false, "p9"));
        let eq2 = equipment(&more, &params());
        let old: Vec<&EquipmentRow> = eq2.iter().filter(|r| r.site_id != "zz-new").collect();
        assert_eq!(old, eq.iter().collect::<Vec<_>>());
        assert_eq!(visits(&more, &params())[..vi.len()], vi[..]);
        // Dates: no weekends or holidays for 2026 events; retired after installed.
        for r in &eq {
            if let (Some(a), Some(b)) = (r.installed_on, r.retired_on) {
                assert!(b > a, "{r:?}");
            }
        }
        for v in &vi {
            assert!(
                !matches!(v.date.weekday(), Weekday::Sat | Weekday::Sun),
                "{v:?}"
            );
            assert!(!is_public_holiday(v.date), "{v:?}");
        }
        // Every free-Wi-Fi site that has records has an access point active now.
        let now = ymd(2026, 11, 25);
        for s in sites.iter().filter(|s| s.free_wifi == Some(true)) {
            let aps: Vec<_> = eq
                .iter()
                .filter(|r| r.site_id == s.id && r.kind == "access_point")
                .collect();
            let any = eq.iter().any(|r| r.site_id == s.id);
            assert!(
                !any || aps.iter().any(|r| r.installed_on.is_some_and(|d| d <= now)),
                "{}",
                s.id
            );
        }
        assert!(eq.len() > 60 && vi.len() > 1, "{} {}", eq.len(), vi.len());
    }

    #[test]
    fn shared_buildings_have_one_holder() {
        let sites = vec![
            site("kac-a", SiteKind::Kac, 23.1, false, "p"),
            site("office-a", SiteKind::MunicipalOffice, 23.1, false, "p"),
            site("culture-b", SiteKind::CultureHouse, 23.2, false, "p"),
            site("library-b", SiteKind::Library, 23.2, true, "p"),
        ];
        let b = buildings(&sites);
        assert_eq!(
            b.iter().map(|b| b[0].id.as_str()).collect::<Vec<_>>(),
            ["library-b", "office-a"]
        );
    }
}
