//! `GET /plan/access-points`: the siting answer as a ranked table, the
//! residents newly within reach by year and parish, and a map.

use super::{answer_links, items, map_values, num, page_map, parish_name};
use crate::AppState;
use crate::pages::i18n::{Lang, t};
use crate::pages::{PageQuery, base_context, href, reasons, render, words};
use crate::problem::Problem;
use crate::routes::plan::access_points as ap_route;
use actix_web::{HttpRequest, HttpResponse, web};
use gapmap_engine::snapshot::Snapshot;
use serde_json::{Map, Value, json};

/// `GET /plan/access-points`: the siting answer as a ranked table, the
/// residents newly within reach by year and parish, and a map.
pub async fn page(req: HttpRequest, state: web::Data<AppState>) -> Result<HttpResponse, Problem> {
    let q = PageQuery::parse(&req);
    let lang = q.lang();
    let snap = state.live.get();
    let st = state.clone();
    let s2 = snap.clone();
    let answer = web::block(move || {
        ap_route::answer(
            &st.plan,
            &s2,
            &s2.analysis,
            &ap_route::default_overrides(),
            ap_route::DEFAULT_KEY,
        )
    })
    .await
    .map_err(Problem::internal)??;
    let page = context(lang, &snap, &state, &answer["geojson"]);
    let ctx = base_context(&state, &q, "/plan/access-points", "plan-access-points");
    render(&req, "plan_access_points.html", ctx, page)
}

/// The page's values from the answer's GeoJSON `g`.
fn context(lang: Lang, snap: &Snapshot, state: &AppState, g: &Value) -> Map<String, Value> {
    let feats = g["features"].as_array().cloned().unwrap_or_default();
    let years = years(g);
    let mut page = page_map(lang, "plan-access-points");
    page.insert("rows".into(), json!(rows(lang, snap, &feats)));
    page.insert("points".into(), json!(json!(points(&feats)).to_string()));
    page.insert("by_year".into(), json!(by_year(lang, g)));
    page.insert("years".into(), json!(years));
    page.insert("by_parish".into(), json!(by_parish(lang, snap, g, &years)));
    page.insert("headline".into(), headline(lang, g));
    answer_links(&mut page, g, "/api/v1/plan/access-points", &["csv"]);
    map_values(&mut page, state);
    page
}

/// The ranked table: one row per new access point.
fn rows(lang: Lang, snap: &Snapshot, feats: &[Value]) -> Vec<Value> {
    feats
        .iter()
        .map(|f| {
            let p = &f["properties"];
            let lon = f["geometry"]["coordinates"][0].as_f64().unwrap_or(0.0);
            let lat = f["geometry"]["coordinates"][1].as_f64().unwrap_or(0.0);
            json!({
                "rank": p["rank"],
                "name": p["name"],
                "site_id": p["site_id"],
                "kind": t(lang, &format!("kind.{}", p["kind"].as_str().unwrap_or("other"))),
                "parish": parish_name(snap, p["parish_id"].as_str()),
                "access_points": num(lang, &p["access_points"]),
                "residents": num(lang, &p["residents_newly_served"]),
                "cumulative": num(lang, &p["cumulative_residents_newly_served"]),
                "underserved": num(lang, &p["digitally_underserved_newly_served"]),
                "why": reasons::words_of(lang, &p["reasons"]),
                "year": p["year"],
                "simulated": p["source"] == "simulated",
                "map_href": href(lang, &format!("/map?lon={lon:.5}&lat={lat:.5}&z=14")),
            })
        })
        .collect()
}

/// The map's points: `[lon, lat, rank, name]` each.
fn points(feats: &[Value]) -> Vec<Value> {
    feats
        .iter()
        .map(|f| {
            json!([
                f["geometry"]["coordinates"][0],
                f["geometry"]["coordinates"][1],
                f["properties"]["rank"],
                f["properties"]["name"],
            ])
        })
        .collect()
}

/// Access points and residents newly within reach, per year.
fn by_year(lang: Lang, g: &Value) -> Vec<Value> {
    g["by_year"]
        .as_array()
        .map(|ys| {
            ys.iter()
                .map(|y| {
                    json!({
                        "year": y["year"],
                        "access_points": num(lang, &y["access_points"]),
                        "residents": num(lang, &y["residents_newly_served"]),
                    })
                })
                .collect()
        })
        .unwrap_or_default()
}

/// The plan's years, in the answer's order.
fn years(g: &Value) -> Vec<i64> {
    g["by_year"]
        .as_array()
        .map(|ys| ys.iter().filter_map(|y| y["year"].as_i64()).collect())
        .unwrap_or_default()
}

/// Residents newly within reach: rows parishes (by name), columns years,
/// and each parish's total.
fn by_parish(lang: Lang, snap: &Snapshot, g: &Value, years: &[i64]) -> Vec<Value> {
    parish_counts(snap, g, years)
        .iter()
        .map(|(id, name, counts)| {
            json!({
                "id": id,
                "name": name,
                "cells": counts.iter().map(|n| words::int(lang, *n)).collect::<Vec<_>>(),
                "total": words::int(lang, counts.iter().sum()),
            })
        })
        .collect()
}

/// Residents newly within reach per parish (id, name) and year, sorted by
/// the parish's name.
fn parish_counts(snap: &Snapshot, g: &Value, years: &[i64]) -> Vec<(String, String, Vec<u64>)> {
    let mut parishes: Vec<(String, String, Vec<u64>)> = Vec::new();
    for e in items(&g["by_year_and_parish"]) {
        let pid = e["parish_id"].as_str().unwrap_or("").to_owned();
        let k = years
            .iter()
            .position(|y| Some(*y) == e["year"].as_i64())
            .unwrap_or(0);
        let slot = match parishes.iter().position(|p| p.0 == pid) {
            Some(i) => i,
            None => {
                parishes.push((
                    pid.clone(),
                    parish_name(snap, Some(&pid)),
                    vec![0; years.len()],
                ));
                parishes.len() - 1
            }
        };
        if let Some(c) = parishes[slot].2.get_mut(k) {
            *c += e["residents_newly_served"].as_u64().unwrap_or(0);
        }
    }
    parishes.sort_by(|a, b| a.1.cmp(&b.1));
    parishes
}

/// The headline figures of the answer.
fn headline(lang: Lang, g: &Value) -> Value {
    json!({
        "placed": num(lang, &g["access_points_placed"]),
        "count": num(lang, &g["count"]),
        "buildings": num(lang, &g["buildings"]),
        "residents": num(lang, &g["residents_newly_served"]),
        "uncovered": num(lang, &g["uncovered_residents"]),
        "near_m": num(lang, &g["parameters"]["near_m"]),
        "status": g["status"],
    })
}
