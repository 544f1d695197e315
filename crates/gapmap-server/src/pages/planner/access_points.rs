//! `GET /plan/access-points`: the siting answer — the headline in words
//! that state its figures, the years (quota, installed, recommended,
//! without a building), the residents newly within reach by year and
//! parish, the new access points in rank order (each with its one year),
//! where candidate buildings are missing, the buildings left out and why,
//! and a map.

use super::{answer_links, count_of, items, map_values, num, page_map, parish_name};
use crate::AppState;
use crate::pages::i18n::{Lang, t, tf};
use crate::pages::{PageQuery, base_context, href, reasons, render, words};
use crate::problem::Problem;
use crate::routes::plan::access_points as ap_route;
use actix_web::{HttpRequest, HttpResponse, web};
use gapmap_engine::snapshot::Snapshot;
use gapmap_model::disclosure::Disclosure;
use serde_json::{Map, Value, json};

/// `GET /plan/access-points`: the siting answer (see the module
/// documentation).
pub async fn page(req: HttpRequest, state: web::Data<AppState>) -> Result<HttpResponse, Problem> {
    let q = PageQuery::parse(&req);
    let lang = q.lang();
    let snap = state.live.get();
    let st = state.clone();
    let s2 = snap.clone();
    let d = crate::audience::disclosure(&req, &state).await?;
    let answer = web::block(move || {
        ap_route::answer(
            &st.plan,
            &s2,
            &s2.analysis,
            &ap_route::default_overrides(),
            ap_route::DEFAULT_KEY,
            &d,
        )
    })
    .await
    .map_err(Problem::internal)??;
    let page = context(lang, &snap, &state, &answer["geojson"], &d);
    let ctx = base_context(&state, &q, "/plan/access-points", "plan-access-points");
    render(&req, "plan_access_points.html", ctx, page)
}

/// The page's values from the answer's GeoJSON `g`.
fn context(
    lang: Lang,
    snap: &Snapshot,
    state: &AppState,
    g: &Value,
    d: &Disclosure,
) -> Map<String, Value> {
    let feats = g["features"].as_array().cloned().unwrap_or_default();
    let years = years(g);
    let mut page = page_map(lang, "plan-access-points");
    page.insert("rows".into(), json!(rows(lang, snap, &feats)));
    page.insert(
        "points".into(),
        json!(json!(points(lang, &feats)).to_string()),
    );
    page.insert("by_year".into(), json!(by_year(lang, g)));
    page.insert("years".into(), json!(years));
    page.insert("by_parish".into(), json!(by_parish(lang, snap, g, &years)));
    page.insert("headline".into(), headline(lang, g));
    page.insert("areas".into(), json!(areas(lang, snap, g)));
    page.insert("left_out".into(), json!(left_out(lang, snap, g)));
    page.insert("rounded".into(), json!(!d.is_exact()));
    answer_links(&mut page, g, "/api/v1/plan/access-points", &["csv"]);
    map_values(&mut page, state);
    page
}

/// The ranked table: one row per new access point, with its year.
fn rows(lang: Lang, snap: &Snapshot, feats: &[Value]) -> Vec<Value> {
    feats
        .iter()
        .map(|f| {
            let p = &f["properties"];
            let lon = f["geometry"]["coordinates"][0].as_f64().unwrap_or(0.0);
            let lat = f["geometry"]["coordinates"][1].as_f64().unwrap_or(0.0);
            let unit = p["toward_name"]
                .as_str()
                .map(|v| tf(lang, "planner.ap.outdoor", &[("place", v)]));
            json!({
                "rank": p["rank"],
                "name": p["name"],
                "site_id": p["site_id"],
                "id": p["id"],
                "unit": unit,
                "kind": t(lang, &format!("kind.{}", p["kind"].as_str().unwrap_or("other"))),
                "parish": parish_name(snap, p["parish_id"].as_str()),
                "in_building": num(lang, &p["building_access_points"]),
                "residents": count_of(lang, p, "residents_newly_served"),
                "underserved": count_of(lang, p, "digitally_underserved_newly_served"),
                "why": reasons::words_of(lang, &p["reasons"]),
                "year": p["year"],
                "simulated": p["source"] == "simulated",
                "map_href": href(lang, &format!("/map?lon={lon:.5}&lat={lat:.5}&z=14")),
            })
        })
        .collect()
}

/// The map's points: `[lon, lat, rank, name, popup text]` each.
fn points(lang: Lang, feats: &[Value]) -> Vec<Value> {
    feats
        .iter()
        .map(|f| {
            let p = &f["properties"];
            let popup = tf(
                lang,
                "planner.ap.popup",
                &[
                    ("rank", &p["rank"].to_string()),
                    ("name", p["name"].as_str().unwrap_or("")),
                    ("year", &p["year"].to_string()),
                ],
            );
            json!([
                f["geometry"]["coordinates"][0],
                f["geometry"]["coordinates"][1],
                p["rank"],
                p["name"],
                popup,
            ])
        })
        .collect()
}

/// The plan years: quota, installed, recommended, without a building and
/// the residents newly within reach.
fn by_year(lang: Lang, g: &Value) -> Vec<Value> {
    items(&g["by_year"])
        .map(|y| {
            json!({
                "year": y["year"],
                "quota": num(lang, &y["quota"]),
                "installed": num(lang, &y["installed"]),
                "planned": num(lang, &y["planned"]),
                "without": num(lang, &y["without_building"]),
                "residents": count_of(lang, y, "residents_newly_served"),
            })
        })
        .collect()
}

/// The plan's years, in the answer's order.
fn years(g: &Value) -> Vec<i64> {
    items(&g["by_year"])
        .filter_map(|y| y["year"].as_i64())
        .collect()
}

/// Residents newly within reach: rows parishes (by name), columns years,
/// and each parish's total, every figure as the answer publishes it.
fn by_parish(lang: Lang, snap: &Snapshot, g: &Value, years: &[i64]) -> Vec<Value> {
    let mut parishes: Vec<(String, String, Vec<Option<&Value>>)> = Vec::new();
    for e in items(&g["by_year_and_parish"]) {
        let pid = e["parish_id"].as_str().unwrap_or("").to_owned();
        let Some(k) = years.iter().position(|y| Some(*y) == e["year"].as_i64()) else {
            continue;
        };
        let slot = match parishes.iter().position(|p| p.0 == pid) {
            Some(i) => i,
            None => {
                let name = parish_name(snap, Some(&pid));
                parishes.push((pid.clone(), name, vec![None; years.len()]));
                parishes.len() - 1
            }
        };
        parishes[slot].2[k] = Some(e);
    }
    parishes.sort_by(|a, b| a.1.cmp(&b.1));
    parishes
        .iter()
        .map(|(id, name, cells)| {
            let shown: Vec<String> = cells
                .iter()
                .map(|c| {
                    c.map_or_else(
                        || "0".to_owned(),
                        |e| count_of(lang, e, "residents_newly_served"),
                    )
                })
                .collect();
            let total = items(&g["by_parish"])
                .find(|p| p["parish_id"].as_str() == Some(id.as_str()))
                .map_or_else(
                    || "0".to_owned(),
                    |p| count_of(lang, p, "residents_newly_served"),
                );
            json!({"id": id, "name": name, "cells": shown, "total": total})
        })
        .collect()
}

/// The headline figures of the answer and its sentence (also for the
/// planning overview, `/plan`).
pub fn headline(lang: Lang, g: &Value) -> Value {
    let h = &g["headline"];
    let status = g["status"].as_str().unwrap_or("ok");
    let near = g["parameters"]["near_m"]
        .as_f64()
        .map(|m| words::distance(lang, m))
        .unwrap_or_default();
    let (areas, rest) = (
        h["areas"].as_u64().unwrap_or(0),
        h["without_area"].as_u64().unwrap_or(0),
    );
    // A shortfall lists one area per point without a building, or fewer when
    // no further spot would reach anyone new: the sentence says which.
    let key = match status {
        "shortfall" if areas == 0 && rest > 0 => {
            "planner.ap.headline.shortfall_no_areas".to_owned()
        }
        "shortfall" if rest > 0 => "planner.ap.headline.shortfall_fewer_areas".to_owned(),
        s => format!("planner.ap.headline.{s}"),
    };
    let text = tf(
        lang,
        &key,
        &[
            ("worth", &num(lang, &h["worth_placing"])),
            ("count", &num(lang, &h["count"])),
            ("need", &num(lang, &h["need_buildings"])),
            ("target", &num(lang, &h["target"])),
            ("residents", &count_of(lang, h, "residents")),
            ("areas", &num(lang, &h["areas"])),
            ("rest", &num(lang, &h["without_area"])),
            ("near", &near),
        ],
    );
    json!({
        "text": text,
        "target": num(lang, &g["target"]),
        "installed": num(lang, &g["installed"]),
        "count": num(lang, &g["count"]),
        "worth": num(lang, &g["worth_placing"]),
        "need": num(lang, &g["need_buildings"]),
        "buildings": num(lang, &g["buildings"]),
        "residents": count_of(lang, g, "residents_newly_served"),
        "uncovered": count_of(lang, g, "uncovered_residents"),
        "near_m": num(lang, &g["parameters"]["near_m"]),
        "status": status,
    })
}

/// The under-served areas that need a candidate building.
fn areas(lang: Lang, snap: &Snapshot, g: &Value) -> Vec<Value> {
    items(&g["areas_needing_buildings"])
        .map(|a| {
            let parish = parish_name(snap, a["parish_id"].as_str());
            let place = a["near_place"]["name"].as_str().unwrap_or("—");
            let nearest: Vec<String> = items(&a["nearest_municipal_buildings"])
                .map(|b| {
                    let mut s = format!(
                        "{} ({})",
                        b["name"].as_str().unwrap_or(""),
                        words::distance(lang, b["distance_m"].as_f64().unwrap_or(0.0))
                    );
                    if b["candidate"] == true {
                        s.push_str(&format!(", {}", t(lang, "planner.ap.candidate_mark")));
                    }
                    s
                })
                .collect();
            json!({
                "rank": a["rank"],
                "cell_id": a["cell_id"],
                "name": tf(lang, "planner.ap.area_name", &[("place", place), ("parish", &parish)]),
                "residents": count_of(lang, a, "residents"),
                "underserved": count_of(lang, a, "digitally_underserved"),
                "nearest": nearest,
                "map_href": href(lang, &format!("/map?lon={:.5}&lat={:.5}&z=13", a["lon"].as_f64().unwrap_or(0.0), a["lat"].as_f64().unwrap_or(0.0))),
            })
        })
        .collect()
}

/// The candidate buildings without a new point: excluded (by geometry)
/// and not chosen, each with its reason in words.
fn left_out(lang: Lang, snap: &Snapshot, g: &Value) -> Vec<Value> {
    items(&g["excluded_candidates"])
        .chain(items(&g["not_chosen"]))
        .map(|b| {
            json!({
                "name": b["name"],
                "building_id": b["building_id"],
                "parish": parish_name(snap, b["parish_id"].as_str()),
                "code": b["reason"]["code"],
                "why": reasons::word(lang, &b["reason"]),
            })
        })
        .collect()
}
