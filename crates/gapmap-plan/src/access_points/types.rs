//! The request and the answer of the siting (the data; the steps are in
//! the sibling modules).

use crate::candidates::CandidateBuilding;
use crate::instance::{self, Instance, RowPeople};
use crate::mclp::{Method, Solved};
use geo_types::Point;
use std::collections::BTreeMap;

/// The request.
#[derive(Debug, Clone, PartialEq)]
pub struct Params {
    pub instance: instance::Params,
    /// New access points to place (default: the plan's target less those
    /// already installed in its years).
    pub count: usize,
    /// At most this many access points per building: its own, then outdoor
    /// units, each only where it extends reach.
    pub max_access_points_per_site: u32,
    /// How far from its building an outdoor unit's Wi-Fi reaches, toward a
    /// village (metres).
    pub outdoor_range_m: f64,
    /// New access points per year, in year order (sums to `count`).
    pub per_year: Vec<(i32, usize)>,
    pub method: Method,
    /// Seconds the integer program may take before the best found is used.
    pub time_limit_s: f64,
    /// The plan's target (access points by its last year).
    pub target: usize,
    /// The plan's yearly quotas (its target split over its years).
    pub quotas: Vec<(i32, usize)>,
    /// Access points installed per plan year by the equipment records (on
    /// or before the snapshot's date): they count toward the target.
    pub installed: Vec<(i32, usize)>,
}

/// Changes to the defaults, as a request or the command line gives them.
#[derive(Debug, Clone, Default, PartialEq)]
pub struct Overrides {
    pub count: Option<usize>,
    /// Access points per plan year, from its first year.
    pub per_year: Option<Vec<usize>>,
    pub parish_id: Option<String>,
    pub wifi_exclusion_m: Option<f64>,
    pub weight_underserved: Option<f64>,
    pub weight_priority_zone: Option<f64>,
    pub max_access_points_per_site: Option<u32>,
    pub outdoor_range_m: Option<f64>,
    pub method: Option<Method>,
    pub time_limit_s: Option<f64>,
}

/// How the answer came out.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Status {
    /// Every access point asked for adds residents.
    Ok,
    /// Fewer access points add residents than were asked for: the rest
    /// need candidate buildings (the areas are listed).
    Shortfall,
    /// Nobody in scope is far from free Wi-Fi.
    NothingToCover,
    /// The plan's access points are all installed: none left to place.
    Done,
}

impl Status {
    pub fn as_str(self) -> &'static str {
        match self {
            Status::Ok => "ok",
            Status::Shortfall => "shortfall",
            Status::NothingToCover => "nothing_to_cover",
            Status::Done => "done",
        }
    }
}

/// What kind of access point.
#[derive(Debug, Clone, PartialEq)]
pub enum Unit {
    /// In (or on) the building: a free-Wi-Fi place where the building is.
    Building,
    /// An outdoor unit on the building aimed at a village: its Wi-Fi
    /// place is `spot`, `range_m` toward the village's centre.
    Outdoor {
        /// Index into the snapshot's settlements.
        toward: u32,
        /// Working CRS.
        spot: Point<f64>,
        /// WGS84.
        spot_ll: Point<f64>,
        /// Metres from the building to the spot.
        range_m: f64,
    },
}

impl Unit {
    pub fn as_str(&self) -> &'static str {
        match self {
            Unit::Building => "building",
            Unit::Outdoor { .. } => "outdoor",
        }
    }
}

/// One new access point.
#[derive(Debug, Clone, PartialEq)]
pub struct Placement {
    pub rank: usize,
    /// Index into the instance's candidates.
    pub cand: u32,
    pub unit: Unit,
    /// The year it is planned for.
    pub year: i32,
    /// Weight it adds in rank order (the objective's share).
    pub weight_gain: f64,
    /// Residents it newly brings within reach, in rank order.
    pub people: RowPeople,
    pub cumulative_residents_newly_served: u64,
    /// Residents newly served by the parish they live in.
    pub newly_served_by_parish: BTreeMap<String, u64>,
}

/// Why an eligible candidate building was not chosen.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum NotChosenWhy {
    /// Everyone it would reach is reached by the plan's access points.
    ReachTaken,
    /// It would add residents, but the count is used up by better places.
    BeyondCount,
}

/// An eligible candidate building without a new access point.
#[derive(Debug, Clone, PartialEq)]
pub struct NotChosen {
    /// Index into the instance's candidates.
    pub cand: u32,
    pub why: NotChosenWhy,
    /// Residents not yet near free Wi-Fi within reach of it.
    pub in_reach: u64,
    /// Of those, not reached by the plan's access points.
    pub left: u64,
}

/// An under-served area that needs a candidate building: a 1 km cell whose
/// centre would bring the most residents left far from free Wi-Fi within
/// reach.
#[derive(Debug, Clone, PartialEq)]
pub struct Area {
    pub rank: usize,
    /// The EU 1 km cell (northing km, easting km).
    pub cell: (i64, i64),
    /// The cell's centre, working CRS and WGS84.
    pub xy: Point<f64>,
    pub location: Point<f64>,
    pub parish_id: Option<String>,
    /// Residents a free-Wi-Fi place at the centre would newly reach.
    pub people: RowPeople,
    /// The nearest settlement (index) and its distance (m).
    pub place: Option<(u32, f64)>,
    /// The nearest municipal buildings (indices into the siting's
    /// `municipal`) and their distances (m), nearest first.
    pub nearest: Vec<(u32, f64)>,
}

/// One plan year of the answer.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct YearRow {
    pub year: i32,
    /// The plan's quota for the year.
    pub quota: usize,
    /// Installed that year by the records.
    pub installed: usize,
    /// New access points asked for the year.
    pub to_place: usize,
    /// New access points recommended for the year.
    pub planned: usize,
    pub residents_newly_served: u64,
}

/// The answer.
#[derive(Debug, Clone)]
pub struct Siting {
    pub params: Params,
    pub status: Status,
    pub placements: Vec<Placement>,
    pub not_chosen: Vec<NotChosen>,
    pub areas: Vec<Area>,
    /// The municipal buildings the areas name.
    pub municipal: Vec<CandidateBuilding>,
    pub solved: Option<Solved>,
    pub instance: Instance,
}

impl Siting {
    /// New access points worth placing: each adds residents.
    pub fn worth_placing(&self) -> usize {
        self.placements.len()
    }

    /// Access points asked for that no known building can usefully take.
    pub fn need_buildings(&self) -> usize {
        self.params.count.saturating_sub(self.placements.len())
    }

    /// Buildings with at least one new access point.
    pub fn buildings(&self) -> usize {
        let mut b: Vec<u32> = self.placements.iter().map(|p| p.cand).collect();
        b.sort_unstable();
        b.dedup();
        b.len()
    }

    /// Residents newly within reach of free Wi-Fi by all the new points.
    pub fn residents_newly_served(&self) -> u64 {
        self.placements.iter().map(|p| p.people.residents).sum()
    }

    /// New access points planned in one building.
    pub fn points_in(&self, cand: u32) -> usize {
        self.placements.iter().filter(|p| p.cand == cand).count()
    }

    /// The plan years: quota, installed, asked, planned and residents.
    pub fn years(&self) -> Vec<YearRow> {
        let p = &self.params;
        p.quotas
            .iter()
            .map(|&(year, quota)| {
                let of = |v: &[(i32, usize)]| v.iter().find(|x| x.0 == year).map_or(0, |x| x.1);
                let mine = self.placements.iter().filter(|pl| pl.year == year);
                YearRow {
                    year,
                    quota,
                    installed: of(&p.installed),
                    to_place: of(&p.per_year),
                    planned: mine.clone().count(),
                    residents_newly_served: mine.map(|pl| pl.people.residents).sum(),
                }
            })
            .collect()
    }

    /// Residents newly served by (year, the parish they live in).
    pub fn by_year_and_parish(&self) -> BTreeMap<(i32, String), u64> {
        let mut m = BTreeMap::new();
        for pl in &self.placements {
            for (parish, n) in &pl.newly_served_by_parish {
                *m.entry((pl.year, parish.clone())).or_default() += n;
            }
        }
        m
    }
}
