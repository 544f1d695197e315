//! "Open now": an OSM `opening_hours` value evaluated at an instant in
//! Europe/Riga local time, with Latvia's public holidays for `PH` rules
//! (the opening-hours crate's calendar from Nager.Date, which includes the
//! transfers of 4 May and 18 November to the next Monday).

use chrono::{DateTime, NaiveDate, Utc};
use chrono_tz::Europe::Riga;
use opening_hours::localization::Country;
use opening_hours::{Context, OpeningHours, RuleKind};

/// Whether a date is a Latvian public holiday — the same calendar as `PH`
/// in [`open_at`] (the only holiday list in gapmap; the mobile-class
/// calendar skips these days).
pub fn is_public_holiday(date: NaiveDate) -> bool {
    Country::LV.holidays().get_public().contains(date)
}

/// The Latvian public holidays of a year, in date order.
pub fn public_holidays(year: i32) -> Vec<NaiveDate> {
    Country::LV
        .holidays()
        .get_public()
        .iter()
        .filter(|d| chrono::Datelike::year(d) == year)
        .collect()
}

/// Whether a place is open at an instant: `Some(true|false)`, or `None` when
/// its hours are unknown or the rule says "unknown".
pub fn open_at(expr: &str, at: DateTime<Utc>) -> Option<bool> {
    let oh: OpeningHours = expr.parse().ok()?;
    let oh = oh.with_context(Context::default().with_holidays(Country::LV.holidays()));
    let local = at.with_timezone(&Riga).naive_local();
    match oh.state(local).0 {
        RuleKind::Open => Some(true),
        RuleKind::Closed => Some(false),
        RuleKind::Unknown => None,
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use chrono::TimeZone;

    fn utc(y: i32, mo: u32, d: u32, h: u32, mi: u32) -> DateTime<Utc> {
        Utc.with_ymd_and_hms(y, mo, d, h, mi, 0)
            .single()
            .expect("valid instant")
    }

    const HOURS: &str = "Mo-Fr 09:00-17:00; Sa 10:00-14:00; PH off";

    #[test]
    fn winter_and_summer_time() {
        // Winter (EET, UTC+2): 07:30 UTC is 09:30 in Riga, open; 06:30 UTC is 08:30, closed.
        assert_eq!(open_at(HOURS, utc(2026, 1, 14, 7, 30)), Some(true));
        assert_eq!(open_at(HOURS, utc(2026, 1, 14, 6, 30)), Some(false));
        // Summer (EEST, UTC+3): 06:30 UTC is 09:30, open; 14:30 UTC is 17:30, closed.
        assert_eq!(open_at(HOURS, utc(2026, 7, 15, 6, 30)), Some(true));
        assert_eq!(open_at(HOURS, utc(2026, 7, 15, 14, 30)), Some(false));
    }

    #[test]
    fn across_both_daylight_saving_changes() {
        // 2026-03-29 03:00 EET → 04:00 EEST (a Sunday): Monday 30 March 06:30 UTC = 09:30 EEST.
        assert_eq!(open_at(HOURS, utc(2026, 3, 30, 6, 30)), Some(true));
        // Friday 27 March (still EET): 06:30 UTC = 08:30 EET, closed.
        assert_eq!(open_at(HOURS, utc(2026, 3, 27, 6, 30)), Some(false));
        // 2026-10-25 04:00 EEST → 03:00 EET (a Sunday): Monday 26 Oct 14:30 UTC = 16:30 EET, open.
        assert_eq!(open_at(HOURS, utc(2026, 10, 26, 14, 30)), Some(true));
        // Friday 23 Oct (EEST): 14:30 UTC = 17:30, closed.
        assert_eq!(open_at(HOURS, utc(2026, 10, 23, 14, 30)), Some(false));
    }

    #[test]
    fn public_holidays_close_ph_off_places() {
        // 18 November 2026 (Wednesday), Proclamation Day: closed all day.
        assert_eq!(open_at(HOURS, utc(2026, 11, 18, 9, 0)), Some(false));
        // The day before is an ordinary Tuesday.
        assert_eq!(open_at(HOURS, utc(2026, 11, 17, 9, 0)), Some(true));
        // 4 May 2025 fell on a Sunday: Monday 5 May 2025 was the day off.
        assert_eq!(open_at(HOURS, utc(2025, 5, 5, 9, 0)), Some(false));
        // Good Friday 2026 (3 April).
        assert_eq!(open_at(HOURS, utc(2026, 4, 3, 9, 0)), Some(false));
    }

    #[test]
    fn holidays_cover_the_plan_years() {
        let d = |y, m, day| NaiveDate::from_ymd_opt(y, m, day).expect("valid date");
        for year in 2026..=2029 {
            let all = public_holidays(year);
            // New Year, Labour Day, Midsummer Eve and Day, Christmas Eve: fixed dates.
            for (m, day) in [(1, 1), (5, 1), (6, 23), (6, 24), (12, 24)] {
                assert!(is_public_holiday(d(year, m, day)), "{year}-{m}-{day}");
                assert!(all.contains(&d(year, m, day)));
            }
            assert!(all.len() >= 14, "{year}: {all:?}");
        }
        assert!(!is_public_holiday(d(2026, 11, 17)));
        assert!(is_public_holiday(d(2026, 4, 3)), "Good Friday 2026");
    }

    #[test]
    fn unknown_and_invalid_hours() {
        assert_eq!(open_at("not hours", utc(2026, 1, 14, 9, 0)), None);
        assert_eq!(
            open_at("Mo-Fr 09:00-17:00 unknown", utc(2026, 1, 14, 9, 0)),
            None
        );
    }
}
