//! Latvia's public holidays and moved working days: the one calendar of
//! gapmap ("open now", `PH` rules, the mobile-class working days).
//!
//! # Sources
//! - **Public holidays** (*svētku dienas*): the law *Par svētku, atceres un
//!   atzīmējamām dienām* (On Holidays, Remembrance Days and Celebration
//!   Days, 1990, as amended; likumi.lv id 57825), section 1: 1 January; Good
//!   Friday, Easter Sunday and Monday; 1 May; 4 May; Mother's Day (the second
//!   Sunday of May); Pentecost; 23 and 24 June; the closing day of the
//!   General Latvian Song and Dance Festival; 18 November; 24, 25, 26 and
//!   31 December. When 4 May, the festival's closing day or 18 November
//!   falls on a Saturday or Sunday, the next working day is a holiday too
//!   (section 1, second paragraph).
//! - **The festival's closing days** are dated: [`FESTIVAL_CLOSING_DAYS`]
//!   (2018 and 2023; the 2028 festival's date is not fixed yet).
//! - **Moved working days** (*pārceltās darba dienas*): the Cabinet's yearly
//!   orders under the Labour Law (*Darba likums*, section 133, fourth
//!   paragraph) move a working day that falls between a holiday and a
//!   weekend to a Saturday, for state institutions; municipalities are
//!   asked to follow. Dated in [`MOVED_WORKING_DAYS`] with each order.
//!
//! The `opening-hours` crate's own calendar (Nager.Date) was checked against
//! this one (`agrees_with_the_opening_hours_crate` below): it lists the
//! transferred Monday but not the weekend day itself, and neither the
//! festival's closing days nor the moved working days — so gapmap computes
//! its own from the law and hands it to the crate for `PH`.

use chrono::{Datelike, Duration, NaiveDate, Weekday};
use std::sync::{Arc, OnceLock};

/// A public holiday's name (a catalogue key: `holiday.<key>`).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Holiday {
    NewYear,
    GoodFriday,
    Easter,
    EasterMonday,
    LabourDay,
    Independence,
    MothersDay,
    Pentecost,
    Ligo,
    Jani,
    SongFestival,
    Proclamation,
    ChristmasEve,
    Christmas,
    SecondChristmas,
    NewYearsEve,
    /// The next working day after 4 May, the festival's closing day or
    /// 18 November on a weekend.
    Transferred,
}

impl Holiday {
    /// The catalogue key (`holiday.<key>`).
    pub fn key(self) -> &'static str {
        match self {
            Holiday::NewYear => "new_year",
            Holiday::GoodFriday => "good_friday",
            Holiday::Easter => "easter",
            Holiday::EasterMonday => "easter_monday",
            Holiday::LabourDay => "labour_day",
            Holiday::Independence => "independence",
            Holiday::MothersDay => "mothers_day",
            Holiday::Pentecost => "pentecost",
            Holiday::Ligo => "ligo",
            Holiday::Jani => "jani",
            Holiday::SongFestival => "song_festival",
            Holiday::Proclamation => "proclamation",
            Holiday::ChristmasEve => "christmas_eve",
            Holiday::Christmas => "christmas",
            Holiday::SecondChristmas => "second_christmas",
            Holiday::NewYearsEve => "new_years_eve",
            Holiday::Transferred => "transferred",
        }
    }
}

/// What kind of day a date is for opening hours.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum DayKind {
    /// A public holiday.
    Holiday(Holiday),
    /// A working day moved to a Saturday: a day off in state institutions
    /// (municipalities are asked to follow).
    MovedDayOff,
    /// The Saturday a working day was moved to: a working day there.
    MovedWorkingDay,
    Ordinary,
}

/// The closing days of the General Latvian Song and Dance Festival (the
/// festival's last day; a weekend day moves the holiday to the Monday).
pub const FESTIVAL_CLOSING_DAYS: &[Ymd] = &[(2018, 7, 8), (2023, 7, 9)];

/// A date as (year, month, day).
pub type Ymd = (i32, u32, u32);

/// Moved working days: (the day off, the Saturday worked instead, the order).
pub const MOVED_WORKING_DAYS: &[(Ymd, Ymd, &str)] = &[
    (
        (2023, 5, 5),
        (2023, 5, 20),
        "MK rīkojums \"Par darba dienas pārcelšanu 2023. gadā\"",
    ),
    (
        (2026, 1, 2),
        (2026, 1, 17),
        "MK rīkojums \"Par darba dienu pārcelšanu 2026. gadā\" (10.06.2025)",
    ),
    (
        (2026, 6, 22),
        (2026, 6, 27),
        "MK rīkojums \"Par darba dienu pārcelšanu 2026. gadā\" (10.06.2025)",
    ),
];

fn ymd((y, m, d): Ymd) -> NaiveDate {
    NaiveDate::from_ymd_opt(y, m, d).unwrap_or_default()
}

/// Western Easter Sunday of a year (the anonymous Gregorian algorithm).
///
/// ```
/// # use gapmap_engine::analysis::holidays::easter;
/// assert_eq!(easter(2026).to_string(), "2026-04-05");
/// assert_eq!(easter(2027).to_string(), "2027-03-28");
/// ```
pub fn easter(year: i32) -> NaiveDate {
    let a = year % 19;
    let b = year / 100;
    let c = year % 100;
    let d = b / 4;
    let e = b % 4;
    let f = (b + 8) / 25;
    let g = (b - f + 1) / 3;
    let h = (19 * a + b - d - g + 15) % 30;
    let i = c / 4;
    let k = c % 4;
    let l = (32 + 2 * e + 2 * i - h - k) % 7;
    let m = (a + 11 * h + 22 * l) / 451;
    let month = (h + l - 7 * m + 114) / 31;
    let day = (h + l - 7 * m + 114) % 31 + 1;
    NaiveDate::from_ymd_opt(year, month as u32, day as u32).unwrap_or_default()
}

fn is_weekend(d: NaiveDate) -> bool {
    matches!(d.weekday(), Weekday::Sat | Weekday::Sun)
}

/// The Monday after a weekend date.
fn next_monday(d: NaiveDate) -> NaiveDate {
    let mut n = d + Duration::days(1);
    while is_weekend(n) {
        n += Duration::days(1);
    }
    n
}

/// Every public holiday of a year with its name, in date order.
pub fn holidays_of(year: i32) -> Vec<(NaiveDate, Holiday)> {
    let d = |m, day| ymd((year, m, day));
    let easter = easter(year);
    let may = d(5, 1);
    let first_sunday =
        may + Duration::days(i64::from((7 - may.weekday().num_days_from_sunday()) % 7));
    let mut out = vec![
        (d(1, 1), Holiday::NewYear),
        (easter - Duration::days(2), Holiday::GoodFriday),
        (easter, Holiday::Easter),
        (easter + Duration::days(1), Holiday::EasterMonday),
        (d(5, 1), Holiday::LabourDay),
        (d(5, 4), Holiday::Independence),
        (first_sunday + Duration::days(7), Holiday::MothersDay),
        (easter + Duration::days(49), Holiday::Pentecost),
        (d(6, 23), Holiday::Ligo),
        (d(6, 24), Holiday::Jani),
        (d(11, 18), Holiday::Proclamation),
        (d(12, 24), Holiday::ChristmasEve),
        (d(12, 25), Holiday::Christmas),
        (d(12, 26), Holiday::SecondChristmas),
        (d(12, 31), Holiday::NewYearsEve),
    ];
    out.extend(
        FESTIVAL_CLOSING_DAYS
            .iter()
            .filter(|f| f.0 == year)
            .map(|&f| (ymd(f), Holiday::SongFestival)),
    );
    let transferred: Vec<(NaiveDate, Holiday)> = out
        .iter()
        .filter(|(day, h)| {
            matches!(
                h,
                Holiday::Independence | Holiday::Proclamation | Holiday::SongFestival
            ) && is_weekend(*day)
        })
        .map(|(day, _)| (next_monday(*day), Holiday::Transferred))
        .collect();
    out.extend(transferred);
    out.sort_by_key(|(day, _)| *day);
    out
}

/// The public holiday on a date, if any.
pub fn holiday(date: NaiveDate) -> Option<Holiday> {
    holidays_of(date.year())
        .into_iter()
        .find(|(d, _)| *d == date)
        .map(|(_, h)| h)
}

/// What kind of day a date is (holiday, moved day off or working day, ordinary).
///
/// ```
/// # use gapmap_engine::analysis::holidays::{day_kind, DayKind, Holiday};
/// # use chrono::NaiveDate;
/// let d = |m, day| NaiveDate::from_ymd_opt(2026, m, day).unwrap();
/// assert_eq!(day_kind(d(12, 25)), DayKind::Holiday(Holiday::Christmas));
/// assert_eq!(day_kind(d(6, 22)), DayKind::MovedDayOff);
/// assert_eq!(day_kind(d(12, 8)), DayKind::Ordinary);
/// ```
pub fn day_kind(date: NaiveDate) -> DayKind {
    if let Some(h) = holiday(date) {
        return DayKind::Holiday(h);
    }
    for (off, worked, _) in MOVED_WORKING_DAYS {
        if ymd(*off) == date {
            return DayKind::MovedDayOff;
        }
        if ymd(*worked) == date {
            return DayKind::MovedWorkingDay;
        }
    }
    DayKind::Ordinary
}

/// Whether a date is a Latvian public holiday.
pub fn is_public_holiday(date: NaiveDate) -> bool {
    holiday(date).is_some()
}

/// Whether a date is a working day: Monday to Friday and not a public
/// holiday nor a moved day off, or the Saturday a working day was moved to.
pub fn is_working_day(date: NaiveDate) -> bool {
    match day_kind(date) {
        DayKind::Holiday(_) | DayKind::MovedDayOff => false,
        DayKind::MovedWorkingDay => true,
        DayKind::Ordinary => !is_weekend(date),
    }
}

/// The public holidays of 2000–2100 as the `opening-hours` crate's `PH`
/// calendar (built once).
pub fn ph_calendar() -> Arc<compact_calendar::CompactCalendar> {
    static CAL: OnceLock<Arc<compact_calendar::CompactCalendar>> = OnceLock::new();
    CAL.get_or_init(|| {
        let mut c = compact_calendar::CompactCalendar::default();
        for year in 2000..=2100 {
            for (d, _) in holidays_of(year) {
                c.insert(d);
            }
        }
        Arc::new(c)
    })
    .clone()
}

#[cfg(test)]
mod tests {
    use super::*;
    use opening_hours::localization::Country;

    fn d(y: i32, m: u32, day: u32) -> NaiveDate {
        NaiveDate::from_ymd_opt(y, m, day).expect("a date")
    }

    #[test]
    fn the_named_days() {
        for (date, want) in [
            (d(2026, 12, 24), DayKind::Holiday(Holiday::ChristmasEve)),
            (d(2026, 12, 25), DayKind::Holiday(Holiday::Christmas)),
            (d(2026, 12, 26), DayKind::Holiday(Holiday::SecondChristmas)),
            (d(2026, 6, 23), DayKind::Holiday(Holiday::Ligo)),
            (d(2026, 6, 24), DayKind::Holiday(Holiday::Jani)),
            (d(2026, 11, 18), DayKind::Holiday(Holiday::Proclamation)),
            (d(2026, 4, 3), DayKind::Holiday(Holiday::GoodFriday)),
            (d(2026, 4, 6), DayKind::Holiday(Holiday::EasterMonday)),
            (d(2026, 5, 10), DayKind::Holiday(Holiday::MothersDay)),
            (d(2026, 5, 24), DayKind::Holiday(Holiday::Pentecost)),
            // An ordinary Tuesday.
            (d(2026, 12, 8), DayKind::Ordinary),
            (d(2026, 11, 17), DayKind::Ordinary),
            // 2028: 18 November is a Saturday, Monday 20 is off; 2029: a Sunday.
            (d(2028, 11, 20), DayKind::Holiday(Holiday::Transferred)),
            (d(2029, 11, 19), DayKind::Holiday(Holiday::Transferred)),
            // 4 May 2025 was a Sunday: Monday 5 May was off.
            (d(2025, 5, 5), DayKind::Holiday(Holiday::Transferred)),
            // The 2023 festival closed on Sunday 9 July: Monday 10 July was off.
            (d(2023, 7, 10), DayKind::Holiday(Holiday::Transferred)),
            // The Cabinet's moves of 2026.
            (d(2026, 1, 2), DayKind::MovedDayOff),
            (d(2026, 1, 17), DayKind::MovedWorkingDay),
            (d(2026, 6, 22), DayKind::MovedDayOff),
            (d(2026, 6, 27), DayKind::MovedWorkingDay),
        ] {
            assert_eq!(day_kind(date), want, "{date}");
        }
        assert!(!is_working_day(d(2026, 6, 22)));
        assert!(is_working_day(d(2026, 6, 27)));
        assert!(is_working_day(d(2026, 12, 8)));
        assert!(!is_working_day(d(2026, 12, 12)), "a Saturday");
    }

    #[test]
    fn easter_dates() {
        for (y, m, day) in [
            (2024, 3, 31),
            (2025, 4, 20),
            (2026, 4, 5),
            (2028, 4, 16),
            (2029, 4, 1),
        ] {
            assert_eq!(easter(y), d(y, m, day));
        }
    }

    /// The crate's Nager.Date calendar, an independent list: every day it
    /// has is ours; ours has besides only the weekend 4 May / 18 November
    /// (whose Monday both have).
    #[test]
    fn agrees_with_the_opening_hours_crate() {
        let nager = Country::LV.holidays();
        for year in 2024..=2030 {
            let ours: Vec<NaiveDate> = holidays_of(year).into_iter().map(|(d, _)| d).collect();
            let theirs: Vec<NaiveDate> = nager
                .get_public()
                .iter()
                .filter(|d| d.year() == year)
                .collect();
            for t in &theirs {
                assert!(ours.contains(t), "{year}: Nager has {t}, we do not");
            }
            for o in &ours {
                if !theirs.contains(o) {
                    assert!(
                        is_weekend(*o)
                            && matches!(
                                holiday(*o),
                                Some(Holiday::Independence | Holiday::Proclamation)
                            ),
                        "{year}: we have {o} ({:?}), Nager does not",
                        holiday(*o)
                    );
                }
            }
        }
    }

    #[test]
    fn the_ph_calendar_holds_the_transfers() {
        let c = ph_calendar();
        assert!(c.contains(d(2026, 12, 25)));
        assert!(c.contains(d(2028, 11, 20)));
        assert!(!c.contains(d(2026, 12, 8)));
    }
}
