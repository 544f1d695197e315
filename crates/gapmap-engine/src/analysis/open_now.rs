//! "Open now": an OSM `opening_hours` value evaluated at an instant in
//! Europe/Riga local time, with Latvia's public holidays for `PH` rules
//! (gapmap's calendar from the law, [`super::holidays`]). On a holiday or a
//! moved working day, hours that say nothing of holidays may not hold:
//! [`hours_may_differ`] tells the pages and the API to say so.

use super::holidays::{self, DayKind};
use chrono::{DateTime, Duration, NaiveDate, NaiveDateTime, NaiveTime, Utc};
use chrono_tz::Europe::Riga;
use opening_hours::{Context, ContextHolidays, OpeningHours, RuleKind};

/// Whether a date is a Latvian public holiday — the same calendar as `PH`
/// in [`open_at`] (the only holiday list in gapmap; the mobile-class
/// calendar skips these days).
pub fn is_public_holiday(date: NaiveDate) -> bool {
    holidays::is_public_holiday(date)
}

/// The Latvian public holidays of a year, in date order.
pub fn public_holidays(year: i32) -> Vec<NaiveDate> {
    let mut v: Vec<NaiveDate> = holidays::holidays_of(year)
        .into_iter()
        .map(|(d, _)| d)
        .collect();
    v.dedup();
    v
}

fn parse(expr: &str) -> Option<OpeningHours> {
    let oh: OpeningHours = expr.parse().ok()?;
    let ph = ContextHolidays::new(holidays::ph_calendar(), Default::default());
    Some(oh.with_context(Context::default().with_holidays(ph)))
}

/// Whether hours may not hold on a (Riga local) day: `Some(kind)` on a
/// public holiday when the hours have no `PH` rule (the data does not say
/// what happens on holidays), and on a moved day off or moved working
/// Saturday (no rule can say); `None` on other days, when the hours
/// already say what happens on holidays, or when they are `24/7` (every
/// day, holidays too).
///
/// ```
/// # use gapmap_engine::analysis::open_now::hours_may_differ;
/// # use chrono::NaiveDate;
/// let christmas = NaiveDate::from_ymd_opt(2026, 12, 25).unwrap();
/// assert!(hours_may_differ("Mo-Fr 09:00-17:00", christmas).is_some());
/// assert!(hours_may_differ("Mo-Fr 09:00-17:00; PH off", christmas).is_none());
/// assert!(hours_may_differ("24/7", christmas).is_none());
/// ```
pub fn hours_may_differ(expr: &str, day: NaiveDate) -> Option<DayKind> {
    match holidays::day_kind(day) {
        DayKind::Ordinary => None,
        _ if expr.trim() == "24/7" => None,
        DayKind::Holiday(_) if has_holiday_rule(expr) => None,
        kind => Some(kind),
    }
}

/// Whether an `opening_hours` value says something about public holidays.
fn has_holiday_rule(expr: &str) -> bool {
    expr.split(|c: char| !c.is_ascii_alphanumeric())
        .any(|w| w == "PH")
}

/// Local time in Riga of an instant.
pub fn riga_local(at: DateTime<Utc>) -> NaiveDateTime {
    at.with_timezone(&Riga).naive_local()
}

/// Whether a place is open at an instant: `Some(true|false)`, or `None` when
/// its hours are unknown or the rule says "unknown".
pub fn open_at(expr: &str, at: DateTime<Utc>) -> Option<bool> {
    let oh = parse(expr)?;
    match oh.state(riga_local(at)).0 {
        RuleKind::Open => Some(true),
        RuleKind::Closed => Some(false),
        RuleKind::Unknown => None,
    }
}

/// The open intervals of a (Riga local) day as `(from, to)` wall-clock
/// times, in order; `to` of an interval that runs past midnight is `24:00`
/// (`None` in the second slot). `Some(vec![])`: closed all day. `None`: the
/// hours do not parse, or the day's state is unknown.
pub fn hours_on(expr: &str, day: NaiveDate) -> Option<Vec<(NaiveTime, Option<NaiveTime>)>> {
    let oh = parse(expr)?;
    let start = day.and_hms_opt(0, 0, 0)?;
    let end = start + Duration::days(1);
    let mut out = Vec::new();
    let mut unknown = false;
    for r in oh.iter_range(start, end) {
        match r.kind {
            RuleKind::Open => out.push((
                r.range.start.time(),
                (r.range.end < end).then(|| r.range.end.time()),
            )),
            RuleKind::Unknown => unknown = true,
            RuleKind::Closed => {}
        }
    }
    if out.is_empty() && unknown {
        return None;
    }
    Some(out)
}

/// `hours_on` as text: `["09:00-17:00", "18:00-24:00"]`.
pub fn hours_text(hours: &[(NaiveTime, Option<NaiveTime>)]) -> Vec<String> {
    hours
        .iter()
        .map(|(a, b)| {
            format!(
                "{}-{}",
                a.format("%H:%M"),
                b.map_or_else(|| "24:00".to_owned(), |b| b.format("%H:%M").to_string())
            )
        })
        .collect()
}

/// The next Riga local time, after `at` and within a week, at which a closed
/// place opens; `None` if it does not (or the hours are unknown).
pub fn next_opening(expr: &str, at: DateTime<Utc>) -> Option<NaiveDateTime> {
    let oh = parse(expr)?;
    let from = riga_local(at);
    oh.iter_range(from, from + Duration::days(8))
        .find(|r| r.kind == RuleKind::Open && r.range.start > from)
        .map(|r| r.range.start)
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
    fn hours_of_a_day() {
        let d = |y, m, day| NaiveDate::from_ymd_opt(y, m, day).expect("a date");
        let text = |e: &str, day| hours_on(e, day).map(|h| hours_text(&h));
        // Wednesday, Saturday, Sunday, and Proclamation Day (a Wednesday).
        assert_eq!(
            text(HOURS, d(2026, 1, 14)),
            Some(vec!["09:00-17:00".to_owned()])
        );
        assert_eq!(
            text(HOURS, d(2026, 1, 17)),
            Some(vec!["10:00-14:00".to_owned()])
        );
        assert_eq!(text(HOURS, d(2026, 1, 18)), Some(vec![]));
        assert_eq!(text(HOURS, d(2026, 11, 18)), Some(vec![]));
        assert_eq!(
            text("Mo-Fr 09:00-12:00,13:00-18:00", d(2026, 1, 14)),
            Some(vec!["09:00-12:00".to_owned(), "13:00-18:00".to_owned()])
        );
        assert_eq!(
            text("24/7", d(2026, 1, 14)),
            Some(vec!["00:00-24:00".to_owned()])
        );
        assert_eq!(text("Mo-Fr 09:00-17:00 unknown", d(2026, 1, 14)), None);
        assert_eq!(text("nonsense", d(2026, 1, 14)), None);
    }

    #[test]
    fn next_opening_after_a_closed_moment() {
        // Friday 16 January 2026, 18:00 in Riga (16:00 UTC): opens Saturday 10:00.
        let at = utc(2026, 1, 16, 16, 0);
        assert_eq!(
            next_opening(HOURS, at).map(|t| t.to_string()),
            Some("2026-01-17 10:00:00".to_owned())
        );
        assert_eq!(next_opening("off", at), None);
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
