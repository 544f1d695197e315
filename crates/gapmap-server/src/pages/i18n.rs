//! Message catalogues: every user-facing string of the pages and scripts,
//! in Latvian (the default) and English, from `web/i18n/{lv,en}.json`
//! (embedded at build time). Keys are dotted (`finder.title`); values may
//! hold `{name}` placeholders; plural forms are keys ending in `.zero`,
//! `.one` and `.other` chosen by [`plural`]. Keys under `js.` (and the
//! planner's `planner.js.`) are also handed to the page's scripts.

use serde_json::{Map, Value};
use std::collections::HashMap;
use std::sync::OnceLock;

/// A language of the pages.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub enum Lang {
    Lv,
    En,
}

impl Lang {
    pub fn code(self) -> &'static str {
        match self {
            Lang::Lv => "lv",
            Lang::En => "en",
        }
    }

    /// `?lang=en` selects English; anything else (or nothing) Latvian.
    pub fn from_param(p: Option<&str>) -> Lang {
        match p {
            Some("en") => Lang::En,
            _ => Lang::Lv,
        }
    }

    pub fn other(self) -> Lang {
        match self {
            Lang::Lv => Lang::En,
            Lang::En => Lang::Lv,
        }
    }
}

const LV: &str = include_str!("../../../../web/i18n/lv.json");
const EN: &str = include_str!("../../../../web/i18n/en.json");

/// The parsed catalogues (a catalogue that does not parse is a build
/// defect the unit tests catch; at run time it reads as empty).
fn catalogue(lang: Lang) -> &'static HashMap<String, String> {
    static C: OnceLock<[HashMap<String, String>; 2]> = OnceLock::new();
    let both = C.get_or_init(|| {
        let read = |text: &str| -> HashMap<String, String> {
            serde_json::from_str::<Map<String, Value>>(text)
                .map(|m| {
                    m.into_iter()
                        .filter_map(|(k, v)| v.as_str().map(|s| (k, s.to_owned())))
                        .collect()
                })
                .unwrap_or_default()
        };
        [read(LV), read(EN)]
    });
    match lang {
        Lang::Lv => &both[0],
        Lang::En => &both[1],
    }
}

/// The message for a key; a missing key shows as the key itself (the unit
/// tests check that every key used exists in both languages).
/// Whether the catalogue has a message for `key` (no warning when not).
pub fn has(lang: Lang, key: &str) -> bool {
    catalogue(lang).contains_key(key)
}

pub fn t(lang: Lang, key: &str) -> &'static str {
    catalogue(lang)
        .get(key)
        .map(String::as_str)
        .unwrap_or_else(|| {
            tracing::warn!(key, lang = lang.code(), "missing message");
            ""
        })
}

/// The message with `{name}` placeholders filled.
pub fn tf(lang: Lang, key: &str, args: &[(&str, &str)]) -> String {
    let mut s = t(lang, key).to_owned();
    for (k, v) in args {
        s = s.replace(&format!("{{{k}}}"), v);
    }
    s
}

/// The CLDR plural category of a whole number: Latvian has `zero` (ends in
/// 0, or 11–19), `one` (ends in 1 but not 11) and `other`; English `one`
/// (1) and `other` (the catalogue's `.zero` is then used for 0 too, when
/// present, as plain wording: "No places").
pub fn plural(lang: Lang, n: u64) -> &'static str {
    match lang {
        Lang::Lv => {
            if n.is_multiple_of(10) || (11..=19).contains(&(n % 100)) {
                "zero"
            } else if n % 10 == 1 {
                "one"
            } else {
                "other"
            }
        }
        Lang::En => match n {
            0 => "zero",
            1 => "one",
            _ => "other",
        },
    }
}

/// A counted message: `key.zero|one|other` with `{n}` filled.
pub fn tn(lang: Lang, key: &str, n: u64) -> String {
    let form = format!("{key}.{}", plural(lang, n));
    let form = if catalogue(lang).contains_key(&form) {
        form
    } else {
        format!("{key}.other")
    };
    tf(lang, &form, &[("n", &n.to_string())])
}

/// The `js.` messages of a language, for the page's scripts.
pub fn script_messages(lang: Lang) -> Map<String, Value> {
    let mut keys: Vec<&String> = catalogue(lang)
        .keys()
        .filter(|k| k.starts_with("js.") || k.starts_with("planner.js."))
        .collect();
    keys.sort();
    keys.into_iter()
        .map(|k| (k.clone(), Value::String(catalogue(lang)[k].clone())))
        .collect()
}

/// Every key of a language (for the tests).
pub fn keys(lang: Lang) -> Vec<&'static str> {
    catalogue(lang).keys().map(String::as_str).collect()
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn catalogues_parse_and_have_the_same_keys() {
        let lv: std::collections::BTreeSet<_> = keys(Lang::Lv).into_iter().collect();
        let en: std::collections::BTreeSet<_> = keys(Lang::En).into_iter().collect();
        assert!(lv.len() > 100, "lv.json parses ({} keys)", lv.len());
        assert_eq!(
            lv.symmetric_difference(&en).collect::<Vec<_>>(),
            Vec::<&&str>::new()
        );
        for k in &lv {
            assert!(!t(Lang::Lv, k).is_empty(), "{k} is empty in lv");
            assert!(!t(Lang::En, k).is_empty(), "{k} is empty in en");
        }
    }

    #[test]
    fn latvian_and_english_plurals() {
        for (n, lv, en) in [
            (0, "zero", "zero"),
            (1, "one", "one"),
            (2, "other", "other"),
            (10, "zero", "other"),
            (11, "zero", "other"),
            (19, "zero", "other"),
            (21, "one", "other"),
            (101, "one", "other"),
            (111, "zero", "other"),
            (22, "other", "other"),
        ] {
            assert_eq!(plural(Lang::Lv, n), lv, "lv {n}");
            assert_eq!(plural(Lang::En, n), en, "en {n}");
        }
    }
}
