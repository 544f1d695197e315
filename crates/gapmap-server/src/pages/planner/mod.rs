//! The planner's pages under `/plan/…`, for the municipality's IT
//! department: where the new access points go (`/plan/access-points`),
//! what a hypothetical access point would change (`/plan/what-if`), the
//! router and line upgrade lists (`/plan/upgrades`), the mobile class's
//! route and calendar (`/plan/mobile-class`) and the plan against the
//! records (`/plan/progress`). Each page calls the same core function as
//! its API route (`routes::plan`), so the figures are the API's; tables
//! are the answer, the maps only enhance them.
//!
//! One module per page builds its context; this one holds what they
//! share: the sub-navigation and the figures in the page's words.

pub mod access_points;
pub mod mobile_class;
pub mod progress;
pub mod upgrades;
pub mod what_if;

use super::href;
use super::i18n::{Lang, t};
use super::words;
use crate::AppState;
use crate::problem::Problem;
use crate::routes::plan::problem;
use actix_web::web;
use gapmap_engine::snapshot::Snapshot;
use gapmap_plan::PlanError;
use serde_json::{Map, Value, json};
use std::sync::Arc;

/// The sub-navigation of the planning pages: (page, path, message key).
const SECTIONS: [(&str, &str, &str); 6] = [
    ("plan", "/plan", "planner.nav.overview"),
    (
        "plan-access-points",
        "/plan/access-points",
        "planner.nav.access_points",
    ),
    ("plan-what-if", "/plan/what-if", "planner.nav.what_if"),
    ("plan-upgrades", "/plan/upgrades", "planner.nav.upgrades"),
    (
        "plan-mobile-class",
        "/plan/mobile-class",
        "planner.nav.mobile_class",
    ),
    ("plan-progress", "/plan/progress", "planner.nav.progress"),
];

/// The sub-navigation's links for a page (`current` marks it).
pub fn subnav(lang: Lang, current: &str) -> Value {
    json!(
        SECTIONS
            .iter()
            .map(|(page, path, key)| json!({
                "href": href(lang, path),
                "label": t(lang, key),
                "current": *page == current,
            }))
            .collect::<Vec<_>>()
    )
}

/// A parish's name from its id (the id when unknown, `—` when none).
fn parish_name(snap: &Snapshot, id: Option<&str>) -> String {
    match id {
        None | Some("") => "—".to_owned(),
        Some(id) => snap.parish_name(id).unwrap_or(id).to_owned(),
    }
}

/// A JSON number as a whole number in the page's words.
fn num(lang: Lang, v: &Value) -> String {
    match v.as_u64() {
        Some(n) => words::int(lang, n),
        None => match v.as_f64() {
            Some(f) if f.fract() == 0.0 && f >= 0.0 => words::int(lang, f as u64),
            Some(f) => format!("{f}"),
            None => "—".to_owned(),
        },
    }
}

/// A count of residents as the answer publishes it, in the page's words:
/// `obj[key]` a number ("1 234"), or a range (`key_min`–`key_max`: "1–4"),
/// or "—" when the answer has neither.
pub fn count_of(lang: Lang, obj: &Value, key: &str) -> String {
    match (
        &obj[key],
        obj[format!("{key}_min")].as_u64(),
        obj[format!("{key}_max")].as_u64(),
    ) {
        (Value::Null, Some(lo), Some(hi)) => format!("{lo}–{hi}"),
        (v, _, _) => num(lang, v),
    }
}

/// A change as the answer publishes it: signed, or "—" when it has none
/// (a count on either side published only as a range).
fn change_of(lang: Lang, v: &Value) -> String {
    match v.as_i64() {
        Some(n) => signed(lang, n),
        None => "—".to_owned(),
    }
}

/// A signed change: "+1 234", "−12" (a true minus sign), "0".
fn signed(lang: Lang, v: i64) -> String {
    let n = words::int(lang, v.unsigned_abs());
    match v.signum() {
        1 => format!("+{n}"),
        -1 => format!("\u{2212}{n}"),
        _ => n,
    }
}

/// Whether an answer's provenance names simulated layers.
fn simulated_in(v: &Value) -> bool {
    v["provenance"]["simulated_layers"]
        .as_array()
        .is_some_and(|a| !a.is_empty())
}

/// The values every planning page has: the sub-navigation.
fn page_map(lang: Lang, current: &str) -> Map<String, Value> {
    let mut page = Map::new();
    page.insert("subnav".into(), subnav(lang, current));
    page
}

/// The items of a JSON array (none when it is not one).
fn items(v: &Value) -> impl Iterator<Item = &Value> {
    v.as_array().into_iter().flatten()
}

/// The answer's provenance flag and links: `answer_simulated`, then
/// `{f}_href` for each download format `f` of the API at `api`, then
/// `json_href`.
fn answer_links(page: &mut Map<String, Value>, v: &Value, api: &str, formats: &[&str]) {
    page.insert("answer_simulated".into(), json!(simulated_in(v)));
    for f in formats {
        page.insert(format!("{f}_href"), json!(format!("{api}?f={f}")));
    }
    page.insert("json_href".into(), json!(api));
}

/// The values a page with a map needs: the style, the basemap and the
/// municipality's view.
fn map_values(page: &mut Map<String, Value>, state: &AppState) {
    page.insert("style_url".into(), json!("/styles/gapmap.json"));
    page.insert("basemap_url".into(), json!(state.config.basemap_style_url));
    page.insert("view".into(), json!(super::map::municipality_view(state)));
}

/// A planner computation over the snapshot, run off the worker thread,
/// its error as a problem.
async fn off_thread<F>(
    state: &web::Data<AppState>,
    snap: &Arc<Snapshot>,
    work: F,
) -> Result<Value, Problem>
where
    F: FnOnce(&AppState, &Snapshot) -> Result<Value, PlanError> + Send + 'static,
{
    let (st, s2) = (state.clone(), Arc::clone(snap));
    web::block(move || work(&st, &s2))
        .await
        .map_err(Problem::internal)?
        .map_err(problem)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn changes_carry_their_sign() {
        assert_eq!(signed(Lang::En, 1234), "+1,234");
        assert_eq!(signed(Lang::Lv, -12), "\u{2212}12");
        assert_eq!(signed(Lang::En, 0), "0");
    }

    #[test]
    fn the_subnav_marks_the_current_page() {
        let v = subnav(Lang::En, "plan-upgrades");
        let cur: Vec<&Value> = v
            .as_array()
            .unwrap()
            .iter()
            .filter(|s| s["current"] == true)
            .collect();
        assert_eq!(cur.len(), 1);
        assert_eq!(cur[0]["href"], "/plan/upgrades?lang=en");
    }
}
