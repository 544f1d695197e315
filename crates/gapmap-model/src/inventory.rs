//! The IT department's inventory: dated equipment records and mobile-class
//! visits (layers `equipment` and `visits`, no geometry), and how the flat
//! site fields are derived from them.
//!
//! # Deriving the flat site fields
//!
//! The snapshot derives `access_points`, `router_year`,
//! `backhaul_down_mbps` and `backhaul_up_mbps` of every site from the
//! records **active at the inventory date** D (the snapshot's date,
//! Europe/Riga). A record is active at D when it was installed on or before D
//! (an unknown install date counts as installed) and not retired on or before
//! D. For a site with at least one record (of any type and date):
//!
//! 1. `access_points` = the number of active `access_point` records (0 when
//!    none); an `access_point` is a *public* wireless access point, so a site
//!    with access-point records has `free_wifi` = whether one is active (a
//!    site without any keeps its own `free_wifi`) — the 35 new access points
//!    change the map, and the gaps, as their records go in;
//! 2. `router_year` = the install year of the active `router` installed last
//!    (routers with unknown dates are skipped; none known: unknown);
//! 3. `backhaul_down_mbps`/`backhaul_up_mbps` = the speeds of the active
//!    `backhaul` line with the highest down speed (ties: higher up);
//! 4. the equipment provenance (`equipment_source`, `equipment_source_ref`,
//!    `equipment_as_of`) is that of the least official record behind the
//!    fields (simulated before approximate before official; the active
//!    records, or all when none is active).
//!
//! A site without records keeps the flat fields its own file gave, and its
//! equipment provenance is its own when any of them is set. So a real place
//! never looks official because of simulated equipment: the site's own
//! `source` says where the place comes from, `equipment_source` where its
//! equipment figures come from.

use super::Site;
use super::features::Record;
use super::provenance::{Provenance, Source};
use chrono::{Datelike, NaiveDate};
use serde::{Deserialize, Serialize};
use std::collections::HashMap;

/// What a piece of equipment is.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, PartialOrd, Ord, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum EquipmentType {
    /// A public wireless access point.
    AccessPoint,
    /// The router of the institution's network.
    Router,
    /// The building's internet line.
    Backhaul,
}

impl EquipmentType {
    pub const ALL: [EquipmentType; 3] = [
        EquipmentType::AccessPoint,
        EquipmentType::Router,
        EquipmentType::Backhaul,
    ];

    pub fn as_str(self) -> &'static str {
        match self {
            EquipmentType::AccessPoint => "access_point",
            EquipmentType::Router => "router",
            EquipmentType::Backhaul => "backhaul",
        }
    }

    pub fn parse(s: &str) -> Option<EquipmentType> {
        EquipmentType::ALL.into_iter().find(|t| t.as_str() == s)
    }
}

/// One piece of equipment at a site, with the dates it was in service.
#[derive(Debug, Clone, PartialEq)]
pub struct Equipment {
    pub id: String,
    pub site_id: String,
    pub kind: EquipmentType,
    pub installed_on: Option<NaiveDate>,
    pub retired_on: Option<NaiveDate>,
    /// Mbit/s (a backhaul line's speeds).
    pub down_mbps: Option<f64>,
    pub up_mbps: Option<f64>,
    /// The building (layer `buildings`) the equipment serves, when given.
    pub building_id: Option<String>,
    pub provenance: Provenance,
}

impl Equipment {
    pub fn from_record(r: &Record) -> Result<Equipment, String> {
        let kind = r
            .str("type")
            .and_then(EquipmentType::parse)
            .ok_or_else(|| format!("equipment `{}`: unknown type", r.id))?;
        Ok(Equipment {
            id: r.id.clone(),
            site_id: r.string("site_id").unwrap_or_default(),
            kind,
            installed_on: r.date("installed_on"),
            retired_on: r.date("retired_on"),
            down_mbps: r.f64("down_mbps"),
            up_mbps: r.f64("up_mbps"),
            building_id: r.string("building_id"),
            provenance: r.provenance()?,
        })
    }

    /// In service on `date`: installed on or before it (or on an unknown
    /// date) and not retired on or before it.
    pub fn active_on(&self, date: NaiveDate) -> bool {
        self.installed_on.is_none_or(|d| d <= date) && self.retired_on.is_none_or(|d| d > date)
    }
}

/// One mobile-class visit: a session held at a site on a day.
#[derive(Debug, Clone, PartialEq)]
pub struct Visit {
    pub id: String,
    pub site_id: String,
    pub date: NaiveDate,
    pub participants: Option<u32>,
    pub provenance: Provenance,
}

impl Visit {
    pub fn from_record(r: &Record) -> Result<Visit, String> {
        Ok(Visit {
            id: r.id.clone(),
            site_id: r.string("site_id").unwrap_or_default(),
            date: r
                .date("date")
                .ok_or_else(|| format!("visits `{}`: missing date", r.id))?,
            participants: r.u32("participants"),
            provenance: r.provenance()?,
        })
    }
}

/// The rank of a source for "least official": simulated first.
fn officialness(s: Source) -> u8 {
    match s {
        Source::Simulated => 0,
        Source::Approximate => 1,
        Source::Official => 2,
    }
}

/// The provenance of the least official of some records (ties: the latest
/// `as_of`, then the first given).
fn least_official<'a>(records: impl Iterator<Item = &'a Equipment>) -> Option<Provenance> {
    records
        .map(|e| &e.provenance)
        .reduce(|a, b| {
            let ka = (officialness(a.source), std::cmp::Reverse(a.as_of));
            let kb = (officialness(b.source), std::cmp::Reverse(b.as_of));
            if kb < ka { b } else { a }
        })
        .cloned()
}

/// The flat equipment fields of one site, derived from its records at a date.
#[derive(Debug, Clone, Default, PartialEq)]
pub struct Derived {
    pub access_points: u32,
    pub router_year: Option<i32>,
    pub backhaul: Option<(Option<f64>, Option<f64>)>,
    pub provenance: Option<Provenance>,
}

/// Derive one site's fields from its records (all of them the site's).
pub fn derive(records: &[&Equipment], date: NaiveDate) -> Derived {
    let active: Vec<&Equipment> = records
        .iter()
        .copied()
        .filter(|e| e.active_on(date))
        .collect();
    let of = |k: EquipmentType| active.iter().copied().filter(move |e| e.kind == k);
    let router_year = of(EquipmentType::Router)
        .filter_map(|e| e.installed_on)
        .max()
        .map(|d| d.year());
    let backhaul = of(EquipmentType::Backhaul)
        .max_by(|a, b| {
            let key = |e: &Equipment| (e.down_mbps.unwrap_or(-1.0), e.up_mbps.unwrap_or(-1.0));
            key(a)
                .partial_cmp(&key(b))
                .unwrap_or(std::cmp::Ordering::Equal)
        })
        .map(|e| (e.down_mbps, e.up_mbps));
    let provenance = if active.is_empty() {
        least_official(records.iter().copied())
    } else {
        least_official(active.iter().copied())
    };
    Derived {
        access_points: of(EquipmentType::AccessPoint).count() as u32,
        router_year,
        backhaul,
        provenance,
    }
}

/// Set the flat equipment fields and the equipment provenance of every site
/// from the records active on `date` (see the module documentation). Returns
/// the records whose `site_id` names no site (they change nothing).
pub fn apply<'a>(
    sites: &mut [Site],
    equipment: &'a [Equipment],
    date: NaiveDate,
) -> Vec<&'a Equipment> {
    let index: HashMap<&str, usize> = sites
        .iter()
        .enumerate()
        .map(|(i, s)| (s.id.as_str(), i))
        .collect();
    let mut per_site: Vec<Vec<&Equipment>> = vec![Vec::new(); sites.len()];
    let mut orphans = Vec::new();
    for e in equipment {
        match index.get(e.site_id.as_str()) {
            Some(&i) => per_site[i].push(e),
            None => orphans.push(e),
        }
    }
    for (site, records) in sites.iter_mut().zip(&per_site) {
        if records.is_empty() {
            let has_own = site.access_points.is_some()
                || site.router_year.is_some()
                || site.backhaul_down_mbps.is_some()
                || site.backhaul_up_mbps.is_some();
            site.equipment_provenance = has_own.then(|| site.provenance.clone());
            continue;
        }
        let d = derive(records, date);
        if records.iter().any(|e| e.kind == EquipmentType::AccessPoint) {
            site.free_wifi = Some(d.access_points > 0);
        }
        site.access_points = Some(d.access_points);
        site.router_year = d.router_year;
        (site.backhaul_down_mbps, site.backhaul_up_mbps) = d.backhaul.unwrap_or((None, None));
        site.equipment_provenance = d.provenance;
    }
    orphans
}

#[cfg(test)]
mod tests {
    use super::*;

    fn date(s: &str) -> NaiveDate {
        NaiveDate::parse_from_str(s, "%Y-%m-%d").expect("test date")
    }

    fn rec(
        kind: EquipmentType,
        from: Option<&str>,
        to: Option<&str>,
        down: Option<f64>,
        source: Source,
    ) -> Equipment {
        Equipment {
            id: format!("e-{kind:?}-{from:?}-{down:?}"),
            site_id: "s".into(),
            kind,
            installed_on: from.map(date),
            retired_on: to.map(date),
            down_mbps: down,
            up_mbps: down.map(|d| d / 10.0),
            building_id: None,
            provenance: Provenance {
                source,
                source_ref: format!("{source}"),
                as_of: date("2026-01-01"),
                licence: None,
            },
        }
    }

    use EquipmentType::{AccessPoint as Ap, Backhaul as Bh, Router as Rt};
    use Source::{Official as O, Simulated as S};

    #[test]
    fn active_records_at_the_date() {
        // (installed, retired, on, active)
        for (from, to, on, want) in [
            (Some("2020-05-01"), None, "2020-05-01", true),
            (Some("2020-05-01"), None, "2020-04-30", false),
            (None, None, "1999-01-01", true),
            (Some("2020-05-01"), Some("2024-01-01"), "2023-12-31", true),
            (Some("2020-05-01"), Some("2024-01-01"), "2024-01-01", false),
            (None, Some("2024-01-01"), "2025-01-01", false),
        ] {
            let e = rec(Rt, from, to, None, O);
            assert_eq!(e.active_on(date(on)), want, "{from:?}..{to:?} on {on}");
        }
    }

    #[test]
    fn derived_fields_follow_the_rules() {
        let on = date("2026-06-01");
        // (records, access_points, router_year, backhaul down, source)
        type Case = (
            Vec<Equipment>,
            u32,
            Option<i32>,
            Option<f64>,
            Option<Source>,
        );
        let cases: Vec<Case> = vec![
            // Two access points, one retired; the newest router; the faster line.
            (
                vec![
                    rec(Ap, Some("2021-01-01"), None, None, O),
                    rec(Ap, Some("2019-01-01"), Some("2025-01-01"), None, O),
                    rec(Ap, Some("2026-03-01"), None, None, O),
                    rec(Rt, Some("2014-01-01"), Some("2022-01-01"), None, O),
                    rec(Rt, Some("2022-01-01"), None, None, O),
                    rec(Bh, Some("2018-01-01"), None, Some(30.0), O),
                    rec(Bh, Some("2025-01-01"), None, Some(300.0), O),
                ],
                2,
                Some(2022),
                Some(300.0),
                Some(O),
            ),
            // Installed after the date: not yet there; all retired: zero.
            (
                vec![
                    rec(Ap, Some("2027-01-01"), None, None, S),
                    rec(Rt, Some("2010-01-01"), Some("2020-01-01"), None, O),
                ],
                0,
                None,
                None,
                Some(S),
            ),
            // An unknown install date counts as installed but gives no year.
            (vec![rec(Rt, None, None, None, O)], 0, None, None, Some(O)),
            // One simulated record among official ones: the fields are simulated.
            (
                vec![
                    rec(Rt, Some("2020-01-01"), None, None, O),
                    rec(Bh, Some("2020-01-01"), None, Some(50.0), S),
                ],
                0,
                Some(2020),
                Some(50.0),
                Some(S),
            ),
        ];
        for (i, (records, aps, year, down, source)) in cases.iter().enumerate() {
            let refs: Vec<&Equipment> = records.iter().collect();
            let d = derive(&refs, on);
            assert_eq!(d.access_points, *aps, "case {i}");
            assert_eq!(d.router_year, *year, "case {i}");
            assert_eq!(d.backhaul.and_then(|b| b.0), *down, "case {i}");
            assert_eq!(d.provenance.map(|p| p.source), *source, "case {i}");
        }
    }
}
