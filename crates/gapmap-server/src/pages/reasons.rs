//! The planner's reasons in plain words: each answer of the plan API
//! carries `reasons` (a stable `code`, its parameters and an English
//! sentence for API clients); the pages word them from the code and
//! parameters through the catalogues (`planner.reason.<code>`), in the
//! page's language and number format.

use super::i18n::{Lang, tf};
use super::words;
use serde_json::Value;

/// A whole-number parameter in the page's format ("—" when absent).
fn int(lang: Lang, r: &Value, key: &str) -> String {
    r[key]
        .as_f64()
        .map(|n| words::int(lang, n.max(0.0).round() as u64))
        .unwrap_or_else(|| "—".to_owned())
}

fn dist(lang: Lang, r: &Value, key: &str) -> String {
    r[key]
        .as_f64()
        .map(|m| words::distance(lang, m))
        .unwrap_or_else(|| "—".to_owned())
}

fn speed(lang: Lang, r: &Value, key: &str) -> String {
    r[key]
        .as_f64()
        .map(|v| words::mbps(lang, v))
        .unwrap_or_else(|| "—".to_owned())
}

/// One reason in words; an unknown code falls back to the API's sentence.
pub fn word(lang: Lang, r: &Value) -> String {
    let code = r["code"].as_str().unwrap_or("");
    let key = format!("planner.reason.{code}");
    let text = |args: &[(&str, &str)]| tf(lang, &key, args);
    match code {
        "newly_served" => text(&[
            ("residents", &int(lang, r, "residents")),
            ("near", &dist(lang, r, "near_m")),
        ]),
        "digitally_underserved" | "extra_capacity" => text(&[
            ("residents", &int(lang, r, "residents")),
            ("n", &int(lang, r, "access_points")),
        ]),
        // The siting answer counts residents in a zone; the upgrade lists
        // name the zone the building is in.
        "priority_zone" => match r["zone_name"].as_str() {
            Some(zone) => tf(
                lang,
                "planner.reason.priority_zone_named",
                &[("zone", zone)],
            ),
            None => text(&[("residents", &int(lang, r, "residents"))]),
        },
        "router_old" => text(&[
            ("year", &r["router_year"].to_string()),
            ("age", &int(lang, r, "age_years")),
        ]),
        "dependents" => text(&[
            ("residents", &int(lang, r, "residents")),
            ("underserved", &int(lang, r, "digitally_underserved")),
            ("near", &dist(lang, r, "near_m")),
        ]),
        "backhaul_slow" | "connection_good" | "connection_poor" => text(&[
            ("down", &speed(lang, r, "down_mbps")),
            ("served", &speed(lang, r, "served_down_mbps")),
        ]),
        "reaches_underserved" => text(&[
            ("residents", &int(lang, r, "residents")),
            ("newly", &int(lang, r, "newly_reached")),
            ("reach", &dist(lang, r, "reach_m")),
        ]),
        "no_new_reach"
        | "router_unknown"
        | "backhaul_unknown"
        | "no_records"
        | "connection_unverified"
        | "no_venue" => text(&[]),
        _ => r["text"].as_str().unwrap_or("").to_owned(),
    }
}

/// Every reason of an answer row, in words.
pub fn words_of(lang: Lang, reasons: &Value) -> Vec<String> {
    reasons
        .as_array()
        .into_iter()
        .flatten()
        .map(|r| word(lang, r))
        .filter(|s| !s.is_empty())
        .collect()
}

#[cfg(test)]
mod tests {
    use super::*;
    use serde_json::json;

    /// Every code the planner gives, with the parameters it gives.
    fn samples() -> Vec<Value> {
        vec![
            json!({"code": "newly_served", "residents": 1234, "near_m": 1500.0}),
            json!({"code": "digitally_underserved", "residents": 12}),
            json!({"code": "priority_zone", "residents": 7}),
            json!({"code": "priority_zone", "zone_id": "z", "zone_name": "Vilces pagasts"}),
            json!({"code": "extra_capacity", "access_points": 3}),
            json!({"code": "no_new_reach"}),
            json!({"code": "router_old", "router_year": 2011, "age_years": 15}),
            json!({"code": "dependents", "residents": 494, "digitally_underserved": 40, "near_m": 1500.0}),
            json!({"code": "backhaul_slow", "down_mbps": 30.0, "up_mbps": 5.0, "served_down_mbps": 100.0}),
            json!({"code": "router_unknown"}),
            json!({"code": "backhaul_unknown"}),
            json!({"code": "no_records"}),
            json!({"code": "reaches_underserved", "residents": 88, "newly_reached": 80, "reach_m": 5000.0}),
            json!({"code": "connection_good", "down_mbps": 300.0, "served_down_mbps": 100.0}),
            json!({"code": "connection_unverified", "served_down_mbps": 100.0}),
            json!({"code": "connection_poor", "venues": 2, "served_down_mbps": 100.0}),
            json!({"code": "no_venue"}),
        ]
    }

    #[test]
    fn every_code_is_worded_in_both_languages_with_its_numbers() {
        for lang in [Lang::Lv, Lang::En] {
            for r in samples() {
                let s = word(lang, &r);
                assert!(!s.is_empty(), "{lang:?} {r}");
                assert!(!s.contains('{'), "unfilled placeholder: {s}");
                assert_ne!(s, "—");
            }
        }
        let lv = word(Lang::Lv, &samples()[0]);
        assert!(
            lv.contains("1\u{a0}234") && lv.contains("1,5\u{a0}km"),
            "{lv}"
        );
        let en = word(Lang::En, &samples()[6]);
        assert!(en.contains("2011") && en.contains("15"), "{en}");
        let zone = word(Lang::Lv, &samples()[3]);
        assert!(zone.contains("Vilces pagasts"), "{zone}");
    }

    #[test]
    fn an_unknown_code_keeps_the_api_sentence() {
        let r = json!({"code": "something_new", "text": "as the API says"});
        assert_eq!(word(Lang::Lv, &r), "as the API says");
    }
}
