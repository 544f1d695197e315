//! Numbers, distances, dates and hours in the words people use
//! (WEB.md, "Plain Latvian"): "1,2 km", "pirmdien, 12. maijā", "9:00–17:00",
//! "33 348". The scripts have the same rules in `web/src/words.ts`.

use super::i18n::{Lang, t, tf};
use chrono::{Datelike, NaiveDate, NaiveDateTime, Weekday};

/// A whole number with the language's thousands separator
/// (lv `33 348` with a no-break space, en `33,348`).
pub fn int(lang: Lang, n: u64) -> String {
    let digits = n.to_string();
    let sep = match lang {
        Lang::Lv => '\u{a0}',
        Lang::En => ',',
    };
    let mut out = String::new();
    for (i, c) in digits.chars().enumerate() {
        if i > 0 && (digits.len() - i).is_multiple_of(3) {
            out.push(sep);
        }
        out.push(c);
    }
    out
}

/// A decimal with one digit and the language's decimal mark.
fn dec1(lang: Lang, v: f64) -> String {
    let s = format!("{v:.1}");
    match lang {
        Lang::Lv => s.replace('.', ","),
        Lang::En => s,
    }
}

/// A count of residents as published to a page's reader (`d`): "1 234",
/// or "1–4" for a small count the public sees only as a range.
pub fn count(lang: Lang, d: &gapmap_model::disclosure::Disclosure, n: u64) -> String {
    match d.count(n) {
        gapmap_model::disclosure::Published::Value(v) => int(lang, v),
        gapmap_model::disclosure::Published::Range(lo, hi) => format!("{lo}–{hi}"),
    }
}

/// A straight-line distance in metres as people say it: under 1 km to the
/// nearest 10 m ("350 m"), under 10 km with one decimal ("1,2 km"), else
/// whole kilometres ("12 km").
pub fn distance(lang: Lang, m: f64) -> String {
    if m < 950.0 {
        format!("{}\u{a0}m", ((m / 10.0).round() * 10.0).max(10.0) as u64)
    } else if m < 9950.0 {
        format!("{}\u{a0}km", dec1(lang, m / 1000.0))
    } else {
        format!("{}\u{a0}km", int(lang, (m / 1000.0).round() as u64))
    }
}

/// A speed in Mbit/s ("100 Mbit/s", "2,5 Mbit/s").
pub fn mbps(lang: Lang, v: f64) -> String {
    if v >= 10.0 || v.fract() == 0.0 {
        format!("{}\u{a0}Mbit/s", int(lang, v.round() as u64))
    } else {
        format!("{}\u{a0}Mbit/s", dec1(lang, v))
    }
}

/// A share as a whole percent ("12 %" lv, "12%" en).
pub fn percent(lang: Lang, part: u64, whole: u64) -> String {
    let p = if whole == 0 {
        0
    } else {
        ((part as f64 / whole as f64) * 100.0).round() as u64
    };
    match lang {
        Lang::Lv => format!("{p}\u{a0}%"),
        Lang::En => format!("{p}%"),
    }
}

const MONTHS_LV: [&str; 12] = [
    "janvārī",
    "februārī",
    "martā",
    "aprīlī",
    "maijā",
    "jūnijā",
    "jūlijā",
    "augustā",
    "septembrī",
    "oktobrī",
    "novembrī",
    "decembrī",
];
const MONTHS_EN: [&str; 12] = [
    "January",
    "February",
    "March",
    "April",
    "May",
    "June",
    "July",
    "August",
    "September",
    "October",
    "November",
    "December",
];

/// A `YYYY-MM-DD` date in full ("2026. gada 25. novembrī", "25 November 2026").
pub fn date_long(lang: Lang, ymd: &str) -> Option<String> {
    let d = NaiveDate::parse_from_str(ymd, "%Y-%m-%d").ok()?;
    let m = d.month0() as usize;
    Some(match lang {
        Lang::Lv => format!("{}. gada {}. {}", d.year(), d.day(), MONTHS_LV[m]),
        Lang::En => format!("{} {} {}", d.day(), MONTHS_EN[m], d.year()),
    })
}

fn weekday_key(w: Weekday) -> &'static str {
    match w {
        Weekday::Mon => "day.mon",
        Weekday::Tue => "day.tue",
        Weekday::Wed => "day.wed",
        Weekday::Thu => "day.thu",
        Weekday::Fri => "day.fri",
        Weekday::Sat => "day.sat",
        Weekday::Sun => "day.sun",
    }
}

/// A day as WEB.md writes it: "pirmdien, 12. maijā", "Monday 12 May".
pub fn day(lang: Lang, d: NaiveDate) -> String {
    let m = d.month0() as usize;
    let w = t(lang, weekday_key(d.weekday()));
    match lang {
        Lang::Lv => format!("{w}, {}. {}", d.day(), MONTHS_LV[m]),
        Lang::En => format!("{w} {} {}", d.day(), MONTHS_EN[m]),
    }
}

/// A day with its year, for dates months ahead (a leaflet's next class):
/// "ceturtdien, 2027. gada 1. aprīlī", "Thursday 1 April 2027".
pub fn day_with_year(lang: Lang, d: NaiveDate) -> String {
    let w = t(lang, weekday_key(d.weekday()));
    let full = date_long(lang, &d.to_string()).unwrap_or_default();
    match lang {
        Lang::Lv => format!("{w}, {full}"),
        Lang::En => format!("{w} {full}"),
    }
}

/// A wall-clock time as "9:00".
pub fn clock(h: u32, m: u32) -> String {
    format!("{h}:{m:02}")
}

/// Intervals such as `["09:00-12:00", "13:00-17:00"]` as
/// "9:00–12:00, 13:00–17:00".
pub fn hours(intervals: &[String]) -> String {
    intervals
        .iter()
        .map(|i| {
            i.split('-')
                .map(|hm| {
                    let (h, m) = hm.split_once(':').unwrap_or((hm, "00"));
                    clock(h.parse().unwrap_or(0), m.parse().unwrap_or(0))
                })
                .collect::<Vec<_>>()
                .join("–")
        })
        .collect::<Vec<_>>()
        .join(", ")
}

/// When a closed place opens, relative to now (both Riga local time):
/// "šodien 13:00", "rīt 9:00", "pirmdien 9:00".
pub fn opens(lang: Lang, now: NaiveDateTime, next: NaiveDateTime) -> String {
    use chrono::Timelike;
    let time = clock(next.hour(), next.minute());
    let days = (next.date() - now.date()).num_days();
    let when = match days {
        0 => t(lang, "time.today").to_owned(),
        1 => t(lang, "time.tomorrow").to_owned(),
        _ => t(lang, weekday_key(next.weekday())).to_owned(),
    };
    tf(lang, "time.opens", &[("when", &when), ("time", &time)])
}

/// A phone number as a `tel:` URI (digits and a leading +).
pub fn tel_uri(phone: &str) -> String {
    let mut s = String::from("tel:");
    for (i, c) in phone.chars().enumerate() {
        if c.is_ascii_digit() || (c == '+' && i == 0) {
            s.push(c);
        }
    }
    s
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn distances_as_people_say_them() {
        for (m, lv, en) in [
            (3.0, "10 m", "10 m"),
            (347.0, "350 m", "350 m"),
            (949.0, "950 m", "950 m"),
            (951.0, "1,0 km", "1.0 km"),
            (1234.0, "1,2 km", "1.2 km"),
            (9949.0, "9,9 km", "9.9 km"),
            (12_400.0, "12 km", "12 km"),
            (1_234_000.0, "1 234 km", "1,234 km"),
        ] {
            assert_eq!(distance(Lang::Lv, m).replace('\u{a0}', " "), lv, "{m}");
            assert_eq!(distance(Lang::En, m).replace('\u{a0}', " "), en, "{m}");
        }
    }

    #[test]
    fn numbers_speeds_and_shares() {
        assert_eq!(int(Lang::Lv, 33348).replace('\u{a0}', " "), "33 348");
        assert_eq!(int(Lang::En, 1_000_000), "1,000,000");
        assert_eq!(int(Lang::En, 999), "999");
        assert_eq!(mbps(Lang::Lv, 100.0).replace('\u{a0}', " "), "100 Mbit/s");
        assert_eq!(mbps(Lang::Lv, 2.5).replace('\u{a0}', " "), "2,5 Mbit/s");
        assert_eq!(percent(Lang::En, 1, 3), "33%");
        assert_eq!(percent(Lang::Lv, 0, 0).replace('\u{a0}', " "), "0 %");
    }

    #[test]
    fn dates_and_hours() {
        assert_eq!(
            date_long(Lang::Lv, "2026-11-25").as_deref(),
            Some("2026. gada 25. novembrī")
        );
        assert_eq!(
            date_long(Lang::En, "2026-05-04").as_deref(),
            Some("4 May 2026")
        );
        assert_eq!(date_long(Lang::En, "nope"), None);
        let d = NaiveDate::from_ymd_opt(2026, 5, 11).expect("date");
        assert_eq!(day(Lang::Lv, d), "pirmdien, 11. maijā");
        assert_eq!(day(Lang::En, d), "Monday 11 May");
        assert_eq!(
            hours(&["09:00-12:00".into(), "13:30-24:00".into()]),
            "9:00–12:00, 13:30–24:00"
        );
        let now = d.and_hms_opt(18, 0, 0).expect("time");
        let tomorrow = NaiveDate::from_ymd_opt(2026, 5, 12)
            .and_then(|d| d.and_hms_opt(9, 0, 0))
            .expect("time");
        assert_eq!(opens(Lang::Lv, now, tomorrow), "atver rīt 9:00");
        assert_eq!(opens(Lang::En, now, tomorrow), "opens tomorrow at 9:00");
        assert_eq!(tel_uri("+371 630 22238"), "tel:+37163022238");
    }
}
