//! Dates for the mobile class and its iCalendar feed.
//!
//! **Working days**: Monday to Friday, not a Latvian public holiday (the one
//! holiday list of gapmap, [`gapmap_engine::analysis::open_now::is_public_holiday`]).
//! A season is a range of month-days (`04-01/05-31`: 1 April to 31 May).
//!
//! **iCalendar** (RFC 5545) is written here rather than with the
//! `icalendar` crate: 0.17.17 was tried — right CRLF line ends, escaping,
//! UID and DTSTAMP — but its folding leaves the last continuation line of
//! a long property 76 octets long (§3.1: at most 75) and it brings uuid,
//! getrandom, nom and iso8601 (a 64 s clean build here) for what is
//! sixty lines: content lines end in CRLF, are folded at 75 octets on
//! UTF-8 character boundaries (continuations start with one space), text
//! values escape `\` `;` `,` and newlines; every event has UID, DTSTAMP,
//! DTSTART and DTEND in UTC.

use chrono::{DateTime, Datelike, NaiveDate, Utc, Weekday};
use gapmap_engine::analysis::open_now::is_public_holiday;

/// A season within a year: first and last month-day, inclusive.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Season {
    pub start: (u32, u32),
    pub end: (u32, u32),
}

impl Default for Season {
    /// April and May, as the 2025 pilot.
    fn default() -> Self {
        Season {
            start: (4, 1),
            end: (5, 31),
        }
    }
}

impl std::fmt::Display for Season {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        write!(
            f,
            "{:02}-{:02}/{:02}-{:02}",
            self.start.0, self.start.1, self.end.0, self.end.1
        )
    }
}

impl std::str::FromStr for Season {
    type Err = String;
    /// `MM-DD/MM-DD`, e.g. `04-01/05-31`.
    fn from_str(s: &str) -> Result<Season, String> {
        let md = |t: &str| -> Option<(u32, u32)> {
            let (m, d) = t.trim().split_once('-')?;
            let (m, d) = (m.parse().ok()?, d.parse().ok()?);
            // 2024 is a leap year: 02-29 is a valid month-day.
            NaiveDate::from_ymd_opt(2024, m, d).map(|_| (m, d))
        };
        let bad = || format!("`{s}` is not a season MM-DD/MM-DD such as 04-01/05-31");
        let (a, b) = s.split_once('/').ok_or_else(bad)?;
        let (start, end) = (md(a).ok_or_else(bad)?, md(b).ok_or_else(bad)?);
        if end < start {
            return Err(format!("the season `{s}` ends before it starts"));
        }
        Ok(Season { start, end })
    }
}

/// Monday to Friday and not a Latvian public holiday.
pub fn is_working_day(d: NaiveDate) -> bool {
    !matches!(d.weekday(), Weekday::Sat | Weekday::Sun) && !is_public_holiday(d)
}

/// The working days of a season in a year, in order.
pub fn working_days(year: i32, season: Season) -> Vec<NaiveDate> {
    let day = |(m, d): (u32, u32)| {
        NaiveDate::from_ymd_opt(year, m, d).or_else(|| NaiveDate::from_ymd_opt(year, m, d - 1))
    };
    let (Some(mut d), Some(last)) = (day(season.start), day(season.end)) else {
        return Vec::new();
    };
    let mut out = Vec::new();
    while d <= last {
        if is_working_day(d) {
            out.push(d);
        }
        match d.succ_opt() {
            Some(n) => d = n,
            None => break,
        }
    }
    out
}

/// The working days from `from` to `to`, inclusive, in order.
pub fn working_days_between(from: NaiveDate, to: NaiveDate) -> Vec<NaiveDate> {
    from.iter_days()
        .take_while(|d| *d <= to)
        .filter(|d| is_working_day(*d))
        .collect()
}

/// The days a year's remaining stops can take, in order, seen from
/// `today`: none in a past year; the season's working days in a future
/// one; in this year, the season's working days after today, then (for
/// stops the season has no room for, or when it is over) the working days
/// after the season and today, to the end of the year.
pub fn days_left(year: i32, season: Season, today: NaiveDate) -> Vec<NaiveDate> {
    use std::cmp::Ordering;
    let in_season = working_days(year, season);
    match year.cmp(&today.year()) {
        Ordering::Less => Vec::new(),
        Ordering::Greater => in_season,
        Ordering::Equal => {
            let last = in_season.last().copied().unwrap_or(today).max(today);
            let mut out: Vec<NaiveDate> = in_season.into_iter().filter(|d| *d > today).collect();
            if let (Some(from), Some(end)) =
                (last.succ_opt(), NaiveDate::from_ymd_opt(year, 12, 31))
            {
                out.extend(working_days_between(from, end));
            }
            out
        }
    }
}

/// One event of a feed (times in UTC).
#[derive(Debug, Clone, PartialEq)]
pub struct Event {
    /// Globally unique and stable across rebuilds, e.g. `2027-vilces-pagasts@gapmap`.
    pub uid: String,
    pub stamp: DateTime<Utc>,
    pub start: DateTime<Utc>,
    pub end: DateTime<Utc>,
    pub summary: String,
    pub location: Option<String>,
    pub description: Option<String>,
    /// (latitude, longitude).
    pub geo: Option<(f64, f64)>,
    /// `STATUS` (§3.8.1.11): `CONFIRMED` for a visit on record,
    /// `TENTATIVE` for a planned one.
    pub status: Option<&'static str>,
    /// `CATEGORIES` (§3.8.1.2), e.g. `planned` or `recorded`.
    pub categories: Option<String>,
}

/// A TEXT value escaped (RFC 5545 §3.3.11).
pub fn escape(s: &str) -> String {
    let mut out = String::with_capacity(s.len());
    for c in s.chars() {
        match c {
            '\\' => out.push_str("\\\\"),
            ';' => out.push_str("\\;"),
            ',' => out.push_str("\\,"),
            '\n' => out.push_str("\\n"),
            '\r' => {}
            c => out.push(c),
        }
    }
    out
}

/// One content line, folded at 75 octets on character boundaries, ending
/// in CRLF (RFC 5545 §3.1).
pub fn push_line(out: &mut String, line: &str) {
    let mut room = 75;
    let mut used = 0;
    for c in line.chars() {
        let n = c.len_utf8();
        if used + n > room {
            out.push_str("\r\n ");
            room = 74; // the leading space takes one octet
            used = 0;
        }
        out.push(c);
        used += n;
    }
    out.push_str("\r\n");
}

fn utc(t: DateTime<Utc>) -> String {
    t.format("%Y%m%dT%H%M%SZ").to_string()
}

/// A calendar of events (VCALENDAR with one VEVENT each).
pub fn ics(name: &str, events: &[Event]) -> String {
    let mut s = String::new();
    for l in [
        "BEGIN:VCALENDAR",
        "VERSION:2.0",
        "PRODID:-//gapmap//mobile class plan//LV",
        "CALSCALE:GREGORIAN",
        "METHOD:PUBLISH",
    ] {
        push_line(&mut s, l);
    }
    push_line(&mut s, &format!("X-WR-CALNAME:{}", escape(name)));
    push_line(&mut s, "X-WR-TIMEZONE:Europe/Riga");
    for e in events {
        push_line(&mut s, "BEGIN:VEVENT");
        push_line(&mut s, &format!("UID:{}", e.uid));
        push_line(&mut s, &format!("DTSTAMP:{}", utc(e.stamp)));
        push_line(&mut s, &format!("DTSTART:{}", utc(e.start)));
        push_line(&mut s, &format!("DTEND:{}", utc(e.end)));
        push_line(&mut s, &format!("SUMMARY:{}", escape(&e.summary)));
        if let Some(l) = &e.location {
            push_line(&mut s, &format!("LOCATION:{}", escape(l)));
        }
        if let Some((lat, lon)) = e.geo {
            push_line(&mut s, &format!("GEO:{lat:.6};{lon:.6}"));
        }
        if let Some(d) = &e.description {
            push_line(&mut s, &format!("DESCRIPTION:{}", escape(d)));
        }
        if let Some(st) = e.status {
            push_line(&mut s, &format!("STATUS:{st}"));
        }
        if let Some(c) = &e.categories {
            push_line(&mut s, &format!("CATEGORIES:{}", escape(c)));
        }
        push_line(&mut s, "END:VEVENT");
    }
    push_line(&mut s, "END:VCALENDAR");
    s
}

#[cfg(test)]
mod tests {
    use super::*;
    use chrono::TimeZone;

    fn d(y: i32, m: u32, day: u32) -> NaiveDate {
        NaiveDate::from_ymd_opt(y, m, day).expect("valid date")
    }

    #[test]
    fn working_days_skip_weekends_and_holidays() {
        // April–May 2026: Good Friday 3 April, Easter Monday 6 April, 1 May
        // (Friday), 4 May (Monday, Restoration of Independence) are off.
        let days = working_days(2026, Season::default());
        for off in [
            d(2026, 4, 3),
            d(2026, 4, 6),
            d(2026, 5, 1),
            d(2026, 5, 4),
            d(2026, 4, 4),
        ] {
            assert!(!days.contains(&off), "{off}");
        }
        assert_eq!(days[0], d(2026, 4, 1));
        assert_eq!(
            days.len(),
            61 - 18 - 4,
            "61 days, 18 weekend days, 4 holidays on weekdays"
        );
        for year in 2026..=2029 {
            assert!(working_days(year, Season::default()).len() >= 16);
        }
    }

    #[test]
    fn seasons_parse() {
        assert_eq!(
            "09-01/10-31".parse::<Season>(),
            Ok(Season {
                start: (9, 1),
                end: (10, 31)
            })
        );
        assert!("10-31/09-01".parse::<Season>().is_err());
        assert!("13-01/14-01".parse::<Season>().is_err());
        assert!("april".parse::<Season>().is_err());
        // 29 February in a year without it ends on the 28th.
        let s: Season = "02-20/02-29".parse().expect("leap day");
        assert_eq!(working_days(2027, s).last(), Some(&d(2027, 2, 26)));
    }

    #[test]
    fn ics_lines_are_crlf_folded_and_escaped() {
        let t = |h| {
            Utc.with_ymd_and_hms(2027, 4, 1, h, 0, 0)
                .single()
                .expect("valid")
        };
        let e = Event {
            uid: "2027-vilces-pagasts@gapmap".into(),
            stamp: t(0),
            start: t(7),
            end: t(10),
            summary: "Mobilā digitālā klase: Vilces tautas nams, Vilce; ar garu nosaukumu, kurā ir ķ ļ ņ š ž un vēl, un vēl, un vēl".into(),
            location: Some("Vilce, Vilces pagasts".into()),
            description: Some("line one\nline two".into()),
            geo: Some((56.42, 23.54)),
            status: Some("TENTATIVE"),
            categories: Some("planned".into()),
        };
        let text = ics("Mobilā klase 2027", &[e]);
        assert!(text.ends_with("END:VCALENDAR\r\n"));
        assert!(!text.replace("\r\n", "").contains('\n'), "no bare LF");
        for line in text.split("\r\n") {
            assert!(line.len() <= 75, "{} octets: {line}", line.len());
        }
        let unfolded = text.replace("\r\n ", "");
        assert!(
            unfolded
                .contains("SUMMARY:Mobilā digitālā klase: Vilces tautas nams\\, Vilce\\; ar garu")
        );
        assert!(unfolded.contains("DESCRIPTION:line one\\nline two\r\n"));
        assert!(unfolded.contains("DTSTART:20270401T070000Z\r\n"));
        assert!(unfolded.contains("UID:2027-vilces-pagasts@gapmap\r\n"));
        assert!(unfolded.contains("DTSTAMP:20270401T000000Z\r\n"));
        assert!(unfolded.contains("STATUS:TENTATIVE\r\nCATEGORIES:planned\r\n"));
        // Multi-byte characters are never split.
        let mut s = String::new();
        push_line(&mut s, &"ā".repeat(100));
        for l in s.split("\r\n") {
            assert!(l.len() <= 75 && std::str::from_utf8(l.as_bytes()).is_ok());
        }
    }
}
