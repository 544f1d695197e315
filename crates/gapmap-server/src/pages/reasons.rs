//! The planner's reasons in plain words: each answer of the plan API
//! carries `reasons` (a stable `code`, its parameters and an English
//! sentence for API clients); the pages word them from the code and
//! parameters through the catalogues (`planner.reason.<code>`), in the
//! page's language and number format. A count the answer publishes only as
//! a range (`null` with `_min`/`_max`) reads "1–4".

use super::i18n::{Lang, tf};
use super::words;
use serde_json::Value;

/// A count parameter in the page's format: the number, the published
/// range ("1–4"), or "—" when absent.
fn int(lang: Lang, r: &Value, key: &str) -> String {
    match (
        r[key].as_f64(),
        r[format!("{key}_min")].as_u64(),
        r[format!("{key}_max")].as_u64(),
    ) {
        (Some(n), _, _) => words::int(lang, n.max(0.0).round() as u64),
        (None, Some(lo), Some(hi)) => format!("{lo}–{hi}"),
        _ => "—".to_owned(),
    }
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

fn text_of<'a>(r: &'a Value, key: &str) -> &'a str {
    r[key].as_str().unwrap_or("—")
}

/// One reason in words; an unknown code falls back to the API's sentence.
pub fn word(lang: Lang, r: &Value) -> String {
    let code = r["code"].as_str().unwrap_or("");
    let key = format!("planner.reason.{code}");
    let text = |args: &[(&str, &str)]| tf(lang, &key, args);
    match code {
        "newly_served" | "no_new_reach" | "reach_taken" => text(&[
            ("residents", &int(lang, r, "residents")),
            ("near", &dist(lang, r, "near_m")),
        ]),
        "digitally_underserved" | "beyond_count" => text(&[
            ("residents", &int(lang, r, "residents")),
            ("left", &int(lang, r, "left")),
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
        "outdoor_unit" => text(&[
            ("place", text_of(r, "toward_name")),
            ("range", &dist(lang, r, "range_m")),
        ]),
        "near_free_wifi" => text(&[
            ("wifi", text_of(r, "wifi_name")),
            ("distance", &dist(lang, r, "distance_m")),
            ("limit", &dist(lang, r, "wifi_exclusion_m")),
        ]),
        "router_old" => text(&[
            ("year", &r["router_year"].to_string()),
            ("age", &int(lang, r, "age_years")),
        ]),
        "dependents" => text(&[
            ("residents", &int(lang, r, "residents")),
            ("underserved", &int(lang, r, "digitally_underserved")),
            ("near", &dist(lang, r, "near_m")),
        ]),
        _ => mobile_class_word(lang, r, code),
    }
}

/// The reasons of the upgrade lists' lines and of the mobile class.
fn mobile_class_word(lang: Lang, r: &Value, code: &str) -> String {
    let key = format!("planner.reason.{code}");
    let text = |args: &[(&str, &str)]| tf(lang, &key, args);
    match code {
        "backhaul_slow" | "connection_good" | "connection_poor" | "connection_upgraded" => text(&[
            ("down", &speed(lang, r, "down_mbps")),
            ("served", &speed(lang, r, "served_down_mbps")),
        ]),
        "mobile_router" => text(&[
            ("served", &speed(lang, r, "served_down_mbps")),
            ("mobile", &speed(lang, r, "mobile_down_mbps")),
            ("provider", text_of(r, "provider")),
        ]),
        "for_new_people" | "return_visit" | "for_anyone" => text(&[
            ("residents", &int(lang, r, "residents")),
            ("newly", &int(lang, r, "newly_reached")),
            ("reach", &dist(lang, r, "reach_m")),
        ]),
        "line_to_upgrade" => {
            let variant = match (r["upgrade_year"].as_i64(), r["down_mbps"].is_null()) {
                (Some(_), _) => key.clone(),
                (None, true) => format!("{key}_survey"),
                (None, false) => format!("{key}_outside"),
            };
            tf(
                lang,
                &variant,
                &[
                    ("name", text_of(r, "name")),
                    ("down", &speed(lang, r, "down_mbps")),
                    ("year", &r["upgrade_year"].to_string()),
                ],
            )
        }
        "visit_recorded" | "visit_booked" => {
            let date = r["date"].as_str().unwrap_or("");
            let day = chrono::NaiveDate::parse_from_str(date, "%Y-%m-%d")
                .map(|d| words::day(lang, d))
                .unwrap_or_else(|_| date.to_owned());
            let participants = int(lang, r, "participants");
            text(&[("date", &day), ("participants", &participants)])
        }
        "not_done" => text(&[("year", &r["year"].to_string())]),
        "router_unknown"
        | "backhaul_unknown"
        | "no_records"
        | "connection_unverified"
        | "no_venue"
        | "outside_municipality" => text(&[]),
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
            json!({"code": "outdoor_unit", "toward_id": "v", "toward_name": "Klīvmuiža", "range_m": 300.0}),
            json!({"code": "near_free_wifi", "wifi_site_id": "w", "wifi_name": "Bibliotēka", "distance_m": 42.0, "wifi_exclusion_m": 100.0}),
            json!({"code": "no_new_reach", "near_m": 1500.0}),
            json!({"code": "outside_municipality"}),
            json!({"code": "reach_taken", "residents": 879, "left": 0, "near_m": 1500.0}),
            json!({"code": "beyond_count", "residents": 900, "left": 35, "near_m": 1500.0}),
            json!({"code": "router_old", "router_year": 2011, "age_years": 15}),
            json!({"code": "dependents", "residents": 494, "digitally_underserved": 40, "near_m": 1500.0}),
            json!({"code": "backhaul_slow", "down_mbps": 30.0, "up_mbps": 5.0, "served_down_mbps": 100.0}),
            json!({"code": "router_unknown"}),
            json!({"code": "backhaul_unknown"}),
            json!({"code": "no_records"}),
            json!({"code": "for_new_people", "residents": 88, "newly_reached": 80, "reach_m": 5000.0}),
            json!({"code": "return_visit", "residents": 88, "newly_reached": 0, "reach_m": 5000.0, "reached_in": 2026}),
            json!({"code": "for_anyone", "residents": 0, "newly_reached": 0, "reach_m": 5000.0}),
            json!({"code": "connection_good", "down_mbps": 300.0, "served_down_mbps": 100.0}),
            json!({"code": "connection_upgraded", "down_mbps": 30.0, "served_down_mbps": 100.0}),
            json!({"code": "mobile_router", "mobile_down_mbps": 80.0, "provider": "Tele2", "down_mbps": 20.0, "served_down_mbps": 100.0}),
            json!({"code": "connection_unverified", "served_down_mbps": 100.0}),
            json!({"code": "connection_poor", "down_mbps": 20.0, "served_down_mbps": 100.0}),
            json!({"code": "line_to_upgrade", "site_id": "s", "name": "Pārvalde", "down_mbps": 20.0, "upgrade_year": 2027, "rank": 2}),
            json!({"code": "line_to_upgrade", "site_id": "s", "name": "Pārvalde", "down_mbps": null, "upgrade_year": null, "rank": null}),
            json!({"code": "line_to_upgrade", "site_id": "s", "name": "Pārvalde", "down_mbps": 20.0, "upgrade_year": null, "rank": null}),
            json!({"code": "visit_recorded", "visit_id": "v1", "date": "2026-06-22", "participants": 18}),
            json!({"code": "visit_booked", "visit_id": "v2", "date": "2027-04-02", "participants": null}),
            json!({"code": "not_done", "year": 2025}),
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
        let en = word(Lang::En, &samples()[10]);
        assert!(en.contains("2011") && en.contains("15"), "{en}");
        let zone = word(Lang::Lv, &samples()[3]);
        assert!(zone.contains("Vilces pagasts"), "{zone}");
        let line = word(Lang::Lv, &samples()[24]);
        assert!(line.contains("2027") && line.contains("Pārvalde"), "{line}");
    }

    #[test]
    fn a_published_range_reads_as_the_range() {
        let r = json!({"code": "newly_served", "residents": null, "residents_min": 1, "residents_max": 4, "near_m": 5.0});
        let lv = word(Lang::Lv, &r);
        assert!(lv.ends_with("1–4"), "{lv}");
        assert!(!lv.contains('—'), "{lv}");
    }

    #[test]
    fn an_unknown_code_keeps_the_api_sentence() {
        let r = json!({"code": "something_new", "text": "as the API says"});
        assert_eq!(word(Lang::Lv, &r), "as the API says");
    }
}
