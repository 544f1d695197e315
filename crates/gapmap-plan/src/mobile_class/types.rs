//! The request and the answer of the mobile class (the data; the steps are
//! in the sibling modules).

use crate::buildings::Building;
use crate::calendar::Season;
use chrono::{NaiveDate, NaiveTime};
use serde_json::Value;
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

/// How a venue gets online, best first.
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord)]
pub enum Connection {
    /// Its own line is at or above the served threshold (or /plan/upgrades
    /// recommends upgrading it in an earlier year).
    GoodLine,
    /// No good line, but good mobile coverage at the venue: the class
    /// brings a mobile router.
    MobileRouter,
    /// Its line is not on record, and mobile coverage there is not good.
    Unverified,
    /// Its line is known to be slow and mobile coverage is not good: the
    /// best there is in the parish.
    Poor,
}

impl Connection {
    pub fn as_str(self) -> &'static str {
        match self {
            Connection::GoodLine => "good_line",
            Connection::MobileRouter => "mobile_router",
            Connection::Unverified => "unverified",
            Connection::Poor => "poor",
        }
    }

    /// Venues a class can rely on (a good line, or a mobile router) come
    /// before the rest.
    pub fn group(self) -> u8 {
        match self {
            Connection::GoodLine | Connection::MobileRouter => 0,
            Connection::Unverified => 1,
            Connection::Poor => 2,
        }
    }
}

/// Whether a stop happened.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum StopStatus {
    /// A visit on record, on or before the snapshot's date.
    Done,
    /// A visit on record after the snapshot's date.
    Booked,
    /// Planned here, on a working day after the snapshot's date.
    Planned,
    /// No visit on record and no working day left in the year.
    NotDone,
}

impl StopStatus {
    pub fn as_str(self) -> &'static str {
        match self {
            StopStatus::Done => "done",
            StopStatus::Booked => "booked",
            StopStatus::Planned => "planned",
            StopStatus::NotDone => "not_done",
        }
    }
}

/// Who a stop is for.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Audience {
    /// Digitally under-served residents within reach not reached before.
    New,
    /// Everyone under-served within reach was reached before: a return.
    Return,
    /// No digitally under-served resident lives within reach.
    Anyone,
}

impl Audience {
    pub fn as_str(self) -> &'static str {
        match self {
            Audience::New => "new_people",
            Audience::Return => "return_visit",
            Audience::Anyone => "anyone",
        }
    }
}

/// The mobile coverage at a venue: best down speed and its provider.
#[derive(Debug, Clone, PartialEq)]
pub struct Mobile {
    pub down_mbps: f64,
    pub provider: String,
}

/// One stop.
#[derive(Debug, Clone, PartialEq)]
pub struct Stop {
    pub year: i32,
    /// 1-based: route order of the planned stops, date order of the rest.
    pub order: usize,
    pub date: Option<NaiveDate>,
    pub status: StopStatus,
    pub parish_id: String,
    /// The site (index): the building's for a planned stop, the visit's
    /// for a recorded one.
    pub site: u32,
    /// Index into the buildings, when the site is in one.
    pub building: Option<usize>,
    pub connection: Connection,
    pub mobile: Option<Mobile>,
    /// Digitally under-served residents of the parish within reach.
    pub underserved_in_reach: u64,
    /// Of those, not reached by an earlier stop.
    pub newly_reached: u64,
    pub audience: Audience,
    /// The year of the earliest stop that reached them (for a return).
    pub reached_in: Option<i32>,
    /// The visit on record (index into the snapshot's visits).
    pub visit: Option<u32>,
    /// Straight-line metres from the previous stop (or the office).
    pub leg_m: f64,
}

/// The line the parish should upgrade first, when its stop has no good
/// line: the building, its speed, and the year and rank /plan/upgrades
/// gives it (none: not in the lists within the plan's ranges).
#[derive(Debug, Clone, PartialEq)]
pub struct LineToUpgrade {
    pub building: usize,
    pub down_mbps: Option<f64>,
    pub upgrade: Option<(i32, usize)>,
}

/// One year.
#[derive(Debug, Clone, PartialEq)]
pub struct YearPlan {
    pub year: i32,
    /// `past`, `current` or `future` against the snapshot's date.
    pub status: &'static str,
    pub stops: Vec<Stop>,
    /// Parishes with no indoor public building at all, with the reason.
    pub without_venue: Vec<(String, Value)>,
    /// Per parish whose stop has no good line: the line to upgrade first.
    pub lines: BTreeMap<String, LineToUpgrade>,
    /// Metres of the round trip through the planned stops.
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
    pub mobile_good_mbps: f64,
    /// The snapshot's date: before it, the records; after it, the plan.
    pub today: NaiveDate,
}

impl MobileClass {
    /// Whether a stop is in the answer (the parish asked for, or all).
    pub fn wanted(&self, s: &Stop) -> bool {
        self.params
            .parish_id
            .as_deref()
            .is_none_or(|p| p == s.parish_id)
    }

    /// A parish's next class on or after the snapshot's date: planned or
    /// booked, the earliest.
    pub fn next_for(&self, parish_id: &str) -> Option<&Stop> {
        self.years
            .iter()
            .flat_map(|y| y.stops.iter())
            .filter(|s| s.parish_id == parish_id)
            .filter(|s| matches!(s.status, StopStatus::Planned | StopStatus::Booked))
            .filter(|s| s.date.is_some_and(|d| d >= self.today))
            .min_by_key(|s| s.date)
    }
}
