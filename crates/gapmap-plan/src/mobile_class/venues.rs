//! The venues of each parish and how each gets online; the choice of one
//! stop per parish and year; the line to upgrade first.
//!
//! - **Venues**: the indoor public buildings of the parish ([`Building`]s
//!   whose sites are not stand-alone Wi-Fi points or KAC desks alone).
//! - **Connection** ([`Connection`], best first): a good fixed line (at or
//!   above `served_down_mbps`, or upgraded by /plan/upgrades in an earlier
//!   year); else good mobile coverage at the venue (at or above
//!   `mobile_high_mbps`: the class brings a mobile router); else a line not
//!   on record; else a slow line — the best the parish has.
//! - **Choice**: among the venues of the best group (a good line or a
//!   mobile router; else unverified; else slow), the one reaching the most
//!   digitally under-served residents of the parish within `reach_m` not
//!   reached by an earlier stop; on a tie (typically when every venue's
//!   people were reached), a good line before a mobile router, then the
//!   venue used longest ago (so the class moves round the parish's venues
//!   of that kind), then more in reach, then the site id.
//! - **Line to upgrade first**, for a parish whose stop has no good line:
//!   the parish's line /plan/upgrades recommends first (earliest year,
//!   then rank); else the stop's own line.

use super::types::{Audience, Connection, LineToUpgrade, Mobile};
use crate::buildings::Building;
use crate::reason;
use crate::upgrades::Upgrades;
use gapmap_engine::analysis::Analysis;
use gapmap_engine::snapshot::Snapshot;
use gapmap_model::SiteKind;
use serde_json::{Value, json};
use std::collections::BTreeMap;

/// A parish's digitally under-served residents: (position, residents).
pub type People = Vec<([f64; 2], u64)>;

/// One venue: its building, its line, the mobile coverage there.
#[derive(Debug, Clone)]
pub struct Venue {
    pub building: usize,
    pub line: Option<f64>,
    pub mobile: Option<Mobile>,
}

/// A parish's stop of one year, chosen.
#[derive(Debug, Clone)]
pub struct Pick {
    pub building: usize,
    pub connection: Connection,
    pub mobile: Option<Mobile>,
    pub in_reach: u64,
    pub newly: u64,
}

/// What the stops are chosen from.
#[derive(Debug)]
pub struct Venues<'a> {
    pub snap: &'a Snapshot,
    pub bs: &'a [Building],
    /// Venues per parish.
    pub by_parish: BTreeMap<String, Vec<Venue>>,
    /// Each parish's digitally under-served residents.
    pub under: BTreeMap<String, People>,
    pub reach2: f64,
    pub served: f64,
    pub mobile_good: f64,
    /// Building → (year, rank) of its line's upgrade in /plan/upgrades.
    pub upgrades: BTreeMap<usize, (i32, usize)>,
}

fn is_venue_kind(k: SiteKind) -> bool {
    !matches!(k, SiteKind::Wifi | SiteKind::Kac)
}

impl<'a> Venues<'a> {
    /// The venues of every parish, the under-served residents, and the
    /// line upgrades of `up` (over the same buildings `bs`).
    pub fn new(
        snap: &'a Snapshot,
        analysis: &Analysis,
        bs: &'a [Building],
        up: &Upgrades,
        reach_m: f64,
    ) -> Venues<'a> {
        let t = &analysis.thresholds;
        let mut by_parish: BTreeMap<String, Vec<Venue>> = BTreeMap::new();
        for (k, b) in bs.iter().enumerate() {
            let indoor = b.members.iter().any(|&i| {
                let s = &snap.sites[i as usize];
                is_venue_kind(s.kind) && !s.outside_municipality
            });
            let Some(pid) = b.parish_id.clone() else {
                continue;
            };
            if indoor {
                by_parish.entry(pid).or_default().push(Venue {
                    building: k,
                    line: b.backhaul_down_mbps,
                    mobile: mobile_at(snap, b),
                });
            }
        }
        let mut upgrades = BTreeMap::new();
        for y in &up.backhaul.1 {
            for r in &y.recommended {
                upgrades.entry(r.building).or_insert((y.year, r.rank));
            }
        }
        Venues {
            snap,
            bs,
            by_parish,
            under: underserved_people(snap, analysis),
            reach2: reach_m * reach_m,
            served: t.served_down_mbps,
            mobile_good: t.mobile_high_mbps,
            upgrades,
        }
    }

    /// How a venue gets online in `year` (its line counts as good from the
    /// year after /plan/upgrades upgrades it).
    pub fn connection(&self, v: &Venue, year: i32) -> Connection {
        let upgraded = self.upgrades.get(&v.building).is_some_and(|u| u.0 < year);
        match v.line {
            Some(d) if d >= self.served => Connection::GoodLine,
            _ if upgraded => Connection::GoodLine,
            _ if v
                .mobile
                .as_ref()
                .is_some_and(|m| m.down_mbps >= self.mobile_good) =>
            {
                Connection::MobileRouter
            }
            None => Connection::Unverified,
            Some(_) => Connection::Poor,
        }
    }

    /// The under-served residents of a parish within reach of a point, of
    /// those the ones not `seen` yet (`seen`: the year each was first
    /// reached), and the latest year one of the others was first reached.
    pub fn in_reach(
        &self,
        parish: &str,
        at: [f64; 2],
        seen: &[Option<i32>],
    ) -> (u64, u64, Option<i32>) {
        let people = self.under.get(parish).map(Vec::as_slice).unwrap_or(&[]);
        let mut out = (0, 0, None);
        for (k, (q, r)) in people.iter().enumerate() {
            if (q[0] - at[0]).powi(2) + (q[1] - at[1]).powi(2) <= self.reach2 {
                out.0 += r;
                match seen.get(k).copied().flatten() {
                    None => out.1 += r,
                    Some(y) => out.2 = out.2.max(Some(y)),
                }
            }
        }
        out
    }

    /// Mark the parish's residents within reach of `at` as reached in
    /// `year` (those not reached before).
    pub fn mark(&self, parish: &str, at: [f64; 2], year: i32, seen: &mut Vec<Option<i32>>) {
        let people = self.under.get(parish).map(Vec::as_slice).unwrap_or(&[]);
        seen.resize(people.len(), None);
        for ((q, _), s) in people.iter().zip(seen.iter_mut()) {
            if s.is_none() && (q[0] - at[0]).powi(2) + (q[1] - at[1]).powi(2) <= self.reach2 {
                *s = Some(year);
            }
        }
    }

    /// The parish's stop for `year` (see the module documentation);
    /// `last_used`: building → the last year a stop was there.
    pub fn choose(
        &self,
        parish: &str,
        year: i32,
        seen: &[Option<i32>],
        last_used: &BTreeMap<usize, i32>,
    ) -> Option<Pick> {
        let vs = self.by_parish.get(parish)?;
        let site_id = |k: usize| &self.snap.sites[self.bs[k].site() as usize].id;
        vs.iter()
            .map(|v| {
                let c = self.connection(v, year);
                let (all, new, _) = self.in_reach(parish, xy(&self.bs[v.building]), seen);
                (v, c, all, new)
            })
            .min_by(|a, b| {
                (a.1.group().cmp(&b.1.group()))
                    .then(b.3.cmp(&a.3))
                    .then(a.1.cmp(&b.1))
                    .then(
                        last_used
                            .get(&a.0.building)
                            .cmp(&last_used.get(&b.0.building)),
                    )
                    .then(b.2.cmp(&a.2))
                    .then(site_id(a.0.building).cmp(site_id(b.0.building)))
            })
            .map(|(v, c, all, new)| Pick {
                building: v.building,
                connection: c,
                mobile: v.mobile.clone(),
                in_reach: all,
                newly: new,
            })
    }

    /// A building as a venue (a recorded visit's, which need not be one of
    /// the parish's venues).
    pub fn venue_of(&self, building: usize) -> Venue {
        Venue {
            building,
            line: self.bs[building].backhaul_down_mbps,
            mobile: mobile_at(self.snap, &self.bs[building]),
        }
    }

    /// The line a parish should upgrade first, for a stop without a good
    /// line at `building` (see the module documentation).
    pub fn line_to_upgrade(&self, parish: &str, building: usize) -> LineToUpgrade {
        let first = self
            .by_parish
            .get(parish)
            .into_iter()
            .flatten()
            .filter_map(|v| self.upgrades.get(&v.building).map(|u| (*u, v.building)))
            .min();
        match first {
            Some((u, k)) => LineToUpgrade {
                building: k,
                down_mbps: self.bs[k].backhaul_down_mbps,
                upgrade: Some(u),
            },
            None => LineToUpgrade {
                building,
                down_mbps: self.bs[building].backhaul_down_mbps,
                upgrade: None,
            },
        }
    }

    /// Why a parish has no stop: no indoor public building at all.
    pub fn no_venue(&self) -> Value {
        reason(
            "no_venue",
            json!({}),
            "no indoor public building in the parish".to_owned(),
        )
    }
}

/// Who a stop is for, from the under-served residents it reaches.
pub fn audience(in_reach: u64, newly: u64) -> Audience {
    match (in_reach, newly) {
        (0, _) => Audience::Anyone,
        (_, 0) => Audience::Return,
        _ => Audience::New,
    }
}

/// A building's working-CRS position.
pub fn xy(b: &Building) -> [f64; 2] {
    [b.xy.x(), b.xy.y()]
}

/// The best mobile service providers report at a building.
fn mobile_at(snap: &Snapshot, b: &Building) -> Option<Mobile> {
    let at = snap.prepared.at(b.xy.x(), b.xy.y());
    let c = &snap.coverage[at.best_mobile? as usize];
    Some(Mobile {
        down_mbps: c.max_down_mbps,
        provider: c.provider.clone(),
    })
}

/// Each parish's digitally under-served residents.
fn underserved_people(snap: &Snapshot, analysis: &Analysis) -> BTreeMap<String, People> {
    let mut under: BTreeMap<String, People> = BTreeMap::new();
    for (i, d) in snap.demand.iter().enumerate() {
        if analysis.classes[i].digitally_underserved
            && let Some(pid) = d.parish_id.as_deref()
        {
            let p = snap.demand_xy[i];
            under
                .entry(pid.to_owned())
                .or_default()
                .push(([p.x(), p.y()], u64::from(d.residents)));
        }
    }
    under
}
