//! The planner's pages under `/plan/…`, for the municipality's IT
//! department: where the new access points go (`/plan/access-points`),
//! what a hypothetical access point would change (`/plan/what-if`), the
//! router and line upgrade lists (`/plan/upgrades`), the mobile class's
//! route and calendar (`/plan/mobile-class`) and the plan against the
//! records (`/plan/progress`). Each page calls the same core function as
//! its API route (`routes::plan`), so the figures are the API's; tables
//! are the answer, the maps only enhance them.

use super::i18n::{Lang, t};
use super::{PageQuery, base_context, form, href, reasons, render, words};
use crate::AppState;
use crate::problem::Problem;
use crate::routes::plan::{access_points as ap_route, problem};
use actix_web::{HttpRequest, HttpResponse, web};
use gapmap_engine::snapshot::Snapshot;
use gapmap_plan::{mobile_class, progress, upgrades, what_if};
use serde_json::{Map, Value, json};

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
        Some(id) => snap
            .parishes
            .iter()
            .find(|(p, _)| p == id)
            .map_or_else(|| id.to_owned(), |p| p.1.clone()),
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

/// `GET /plan/access-points`: the siting answer as a ranked table, the
/// residents newly within reach by year and parish, and a map.
pub async fn access_points(
    req: HttpRequest,
    state: web::Data<AppState>,
) -> Result<HttpResponse, Problem> {
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
    let g = &answer["geojson"];
    let feats = g["features"].as_array().cloned().unwrap_or_default();
    let rows: Vec<Value> = feats
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
                "parish": parish_name(&snap, p["parish_id"].as_str()),
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
        .collect();
    let points: Vec<Value> = feats
        .iter()
        .map(|f| {
            json!([
                f["geometry"]["coordinates"][0],
                f["geometry"]["coordinates"][1],
                f["properties"]["rank"],
                f["properties"]["name"],
            ])
        })
        .collect();
    let by_year: Vec<Value> = g["by_year"]
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
        .unwrap_or_default();
    let years: Vec<i64> = g["by_year"]
        .as_array()
        .map(|ys| ys.iter().filter_map(|y| y["year"].as_i64()).collect())
        .unwrap_or_default();
    // Residents newly within reach: rows parishes, columns years.
    let mut parishes: Vec<(String, String, Vec<u64>)> = Vec::new();
    for e in g["by_year_and_parish"].as_array().into_iter().flatten() {
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
                    parish_name(&snap, Some(&pid)),
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
    let by_parish: Vec<Value> = parishes
        .iter()
        .map(|(id, name, counts)| {
            json!({
                "id": id,
                "name": name,
                "cells": counts.iter().map(|n| words::int(lang, *n)).collect::<Vec<_>>(),
                "total": words::int(lang, counts.iter().sum()),
            })
        })
        .collect();
    let mut page = page_map(lang, "plan-access-points");
    page.insert("rows".into(), json!(rows));
    page.insert("points".into(), json!(json!(points).to_string()));
    page.insert("by_year".into(), json!(by_year));
    page.insert("years".into(), json!(years));
    page.insert("by_parish".into(), json!(by_parish));
    page.insert(
        "headline".into(),
        json!({
            "placed": num(lang, &g["access_points_placed"]),
            "count": num(lang, &g["count"]),
            "buildings": num(lang, &g["buildings"]),
            "residents": num(lang, &g["residents_newly_served"]),
            "uncovered": num(lang, &g["uncovered_residents"]),
            "near_m": num(lang, &g["parameters"]["near_m"]),
            "status": g["status"],
        }),
    );
    page.insert("answer_simulated".into(), json!(simulated_in(g)));
    page.insert("csv_href".into(), json!("/api/v1/plan/access-points?f=csv"));
    page.insert("json_href".into(), json!("/api/v1/plan/access-points"));
    page.insert("style_url".into(), json!("/styles/gapmap.json"));
    page.insert("basemap_url".into(), json!(state.config.basemap_style_url));
    page.insert("view".into(), json!(super::map::municipality_view(&state)));
    let ctx = base_context(&state, &q, "/plan/access-points", "plan-access-points");
    render(&req, "plan_access_points.html", ctx, page)
}

/// The figures of the what-if answer shown on the page (summary key,
/// message key).
const WHAT_IF_FIGURES: [(&str, &str); 4] = [
    ("digitally_underserved", "planner.whatif.fig.underserved"),
    ("underserved_cells", "planner.whatif.fig.cells"),
    ("clusters", "planner.whatif.fig.clusters"),
    ("residents", "planner.whatif.fig.residents"),
];

/// A what-if answer (the API's JSON) as the page's rows.
fn what_if_view(lang: Lang, v: &Value) -> Value {
    let s = &v["summary"];
    let figures: Vec<Value> = WHAT_IF_FIGURES
        .iter()
        .map(|(k, label)| {
            json!({
                "key": k,
                "label": t(lang, label),
                "before": num(lang, &s["before"][k]),
                "after": num(lang, &s["after"][k]),
                "change": signed(lang, s["change"][k].as_i64().unwrap_or(0)),
            })
        })
        .collect();
    let parishes: Vec<Value> = v["parishes"]
        .as_array()
        .into_iter()
        .flatten()
        .map(|p| {
            let d = p["change"]["digitally_underserved"].as_i64().unwrap_or(0);
            json!({
                "id": p["id"],
                "name": p["name"],
                "before": num(lang, &p["before"]["digitally_underserved"]),
                "after": num(lang, &p["after"]["digitally_underserved"]),
                "change": signed(lang, d),
                "changed": d != 0,
            })
        })
        .collect();
    json!({
        "newly_near": num(lang, &v["residents_newly_near_free_wifi"]),
        "underserved_change": signed(lang, v["digitally_underserved_change"].as_i64().unwrap_or(0)),
        "figures": figures,
        "parishes": parishes,
        "changed_parishes": parishes.iter().filter(|p| p["changed"] == true).count(),
    })
}

/// `GET /plan/what-if?place=` or `?lon=&lat=`: a hypothetical free Wi-Fi
/// access point, and the change in the gap figures (the computation of
/// `POST /api/v1/plan/what-if`; nothing is stored).
pub async fn what_if(
    req: HttpRequest,
    state: web::Data<AppState>,
) -> Result<HttpResponse, Problem> {
    let q = PageQuery::parse(&req);
    let lang = q.lang();
    let snap = state.live.get();
    let place = q.get("place").unwrap_or("").trim().to_owned();
    let lon_s = q.get("lon").unwrap_or("").trim().replace(',', ".");
    let lat_s = q.get("lat").unwrap_or("").trim().replace(',', ".");
    let mut errors = Vec::new();
    let mut point: Option<(f64, f64, String)> = None;
    if !lon_s.is_empty() || !lat_s.is_empty() {
        match (lon_s.parse::<f64>(), lat_s.parse::<f64>()) {
            (Ok(x), Ok(y)) if x.is_finite() && y.is_finite() => {
                point = Some((x, y, format!("{y:.5}, {x:.5}")));
            }
            _ => errors.push(form::error(
                "lon",
                t(lang, "planner.whatif.error.coords").to_owned(),
            )),
        }
    } else if !place.is_empty() {
        let g = snap.gazetteer();
        match g.search(&place, 1).into_iter().next() {
            Some(h) => {
                point = Some((h.location.x(), h.location.y(), h.name.to_owned()));
            }
            None => errors.push(form::error(
                "place",
                t(lang, "planner.whatif.error.place_unknown").to_owned(),
            )),
        }
    }
    let mut result = Value::Null;
    if let Some((x, y, _)) = &point {
        if let Some(client) = crate::ratelimit::client(&req, &state.config.trusted_proxies)
            && let Err(wait) = state
                .plan
                .limiter
                .take(&client.to_string(), std::time::Instant::now())
        {
            return Err(crate::ratelimit::too_many(wait, "what-if requests"));
        }
        let doc = json!({"type": "FeatureCollection", "features": [
            {"type": "Feature", "geometry": {"type": "Point", "coordinates": [x, y]}, "properties": {}}
        ]});
        match what_if::parse_changes(&doc, &snap) {
            Ok(changes) => {
                let index = state.plan.index(&snap);
                let a = &snap.analysis;
                let outcome = what_if::evaluate(&snap, a, &index, changes).map_err(problem)?;
                result = what_if_view(lang, &outcome.to_json(&snap, a));
            }
            Err(_) => errors.push(form::error(
                "lon",
                t(lang, "planner.whatif.error.outside").to_owned(),
            )),
        }
    }
    let mut page = page_map(lang, "plan-what-if");
    let invalid = |f: &str| errors.iter().any(|e| e["field"] == f);
    page.insert(
        "invalid".into(),
        json!({"place": invalid("place"), "lon": invalid("lon")}),
    );
    page.insert("errors".into(), json!(errors));
    page.insert(
        "values".into(),
        json!({"place": place, "lon": q.get("lon").unwrap_or(""), "lat": q.get("lat").unwrap_or("")}),
    );
    page.insert(
        "point".into(),
        json!(point.as_ref().map(|(x, y, label)| json!({
            "lon": format!("{x:.5}"), "lat": format!("{y:.5}"), "label": label,
        }))),
    );
    page.insert("result".into(), result);
    let a = &snap.analysis;
    let blank = json!({"parishes": a.parishes.iter().map(|p| json!({"id": p.id, "name": p.name})).collect::<Vec<_>>()});
    page.insert("blank".into(), what_if_view(lang, &blank));
    page.insert(
        "near_m".into(),
        json!(words::int(lang, a.thresholds.near_m.round() as u64)),
    );
    page.insert(
        "totals".into(),
        json!({
            "underserved": words::int(lang, a.total.digitally_underserved),
            "clusters": words::int(lang, a.clusters.len() as u64),
        }),
    );
    page.insert("style_url".into(), json!("/styles/gapmap.json"));
    page.insert("basemap_url".into(), json!(state.config.basemap_style_url));
    page.insert("view".into(), json!(super::map::municipality_view(&state)));
    let ctx = base_context(&state, &q, "/plan/what-if", "plan-what-if");
    render(&req, "plan_what_if.html", ctx, page)
}

/// One upgrade list (routers or lines) as the page's years.
fn upgrade_years(lang: Lang, snap: &Snapshot, list: &Value) -> Vec<Value> {
    list["years"]
        .as_array()
        .into_iter()
        .flatten()
        .map(|y| {
            let row = |b: &Value, status: &str| {
                json!({
                    "rank": b["rank"],
                    "name": b["name"],
                    "site_id": b["site_id"],
                    "parish": parish_name(snap, b["parish_id"].as_str()),
                    "router_year": b["router_year"],
                    "down": b["backhaul_down_mbps"].as_f64().map(|d| words::mbps(lang, d)),
                    "dependents": num(lang, &b["dependents"]),
                    "dependents_underserved": num(lang, &b["dependents_underserved"]),
                    "score": b["score"].as_f64().map(|s| {
                        let v = format!("{s:.1}");
                        if lang == Lang::Lv { v.replace('.', ",") } else { v }
                    }),
                    "status": t(lang, status),
                    "why": reasons::words_of(lang, &b["reasons"]),
                    "simulated": b["equipment_source"] == "simulated",
                })
            };
            let done: Vec<Value> = y["done"]
                .as_array()
                .into_iter()
                .flatten()
                .map(|b| row(b, "planner.up.done"))
                .collect();
            let recommended: Vec<Value> = y["recommended"]
                .as_array()
                .into_iter()
                .flatten()
                .map(|b| row(b, "planner.up.recommended"))
                .collect();
            json!({
                "year": y["year"],
                "min": num(lang, &y["min"]),
                "max": num(lang, &y["max"]),
                "done_n": done.len(),
                "recommended_n": recommended.len(),
                "rows": done.into_iter().chain(recommended).collect::<Vec<_>>(),
            })
        })
        .collect()
}

/// `GET /plan/upgrades`: the router and backhaul upgrade lists per year,
/// and the buildings to survey first.
pub async fn upgrades(
    req: HttpRequest,
    state: web::Data<AppState>,
) -> Result<HttpResponse, Problem> {
    let q = PageQuery::parse(&req);
    let lang = q.lang();
    let snap = state.live.get();
    let s2 = snap.clone();
    let p = upgrades::Params {
        router_min_age_years: 5,
    };
    let v = web::block(move || upgrades::plan(&s2, &s2.analysis, &p).map(|u| u.to_json(&s2)))
        .await
        .map_err(Problem::internal)?
        .map_err(problem)?;
    let survey: Vec<Value> = v["to_survey"]
        .as_array()
        .into_iter()
        .flatten()
        .map(|b| {
            json!({
                "name": b["name"],
                "parish": parish_name(&snap, b["parish_id"].as_str()),
                "router_year": b["router_year"],
                "down": b["backhaul_down_mbps"].as_f64().map(|d| words::mbps(lang, d)),
                "dependents": num(lang, &b["dependents"]),
                "why": reasons::words_of(lang, &b["reasons"]),
            })
        })
        .collect();
    let mut page = page_map(lang, "plan-upgrades");
    page.insert(
        "routers".into(),
        json!(upgrade_years(lang, &snap, &v["routers"])),
    );
    page.insert(
        "backhaul".into(),
        json!(upgrade_years(lang, &snap, &v["backhaul"])),
    );
    page.insert("survey".into(), json!(survey));
    page.insert(
        "params".into(),
        json!({
            "router_min_age_years": v["parameters"]["router_min_age_years"],
            "served_mbps": num(lang, &v["parameters"]["served_down_mbps"]),
            "near_m": num(lang, &v["parameters"]["near_m"]),
        }),
    );
    page.insert("answer_simulated".into(), json!(simulated_in(&v)));
    page.insert("csv_href".into(), json!("/api/v1/plan/upgrades?f=csv"));
    page.insert("json_href".into(), json!("/api/v1/plan/upgrades"));
    let ctx = base_context(&state, &q, "/plan/upgrades", "plan-upgrades");
    render(&req, "plan_upgrades.html", ctx, page)
}

/// `GET /plan/mobile-class`: one stop per parish per year, in route
/// order, with the dates; links to the calendar feed and CSV.
pub async fn mobile_class(
    req: HttpRequest,
    state: web::Data<AppState>,
) -> Result<HttpResponse, Problem> {
    let q = PageQuery::parse(&req);
    let lang = q.lang();
    let snap = state.live.get();
    let s2 = snap.clone();
    let p = mobile_class::Params::default();
    let v = web::block(move || mobile_class::plan(&s2, &s2.analysis, &p).map(|m| m.to_json(&s2)))
        .await
        .map_err(Problem::internal)?
        .map_err(problem)?;
    let years: Vec<Value> = v["years"]
        .as_array()
        .into_iter()
        .flatten()
        .map(|y| {
            let stops: Vec<Value> = y["stops"]
                .as_array()
                .into_iter()
                .flatten()
                .map(|s| {
                    let date = s["date"].as_str().unwrap_or("");
                    let day = chrono::NaiveDate::parse_from_str(date, "%Y-%m-%d")
                        .map(|d| words::day(lang, d))
                        .unwrap_or_else(|_| date.to_owned());
                    json!({
                        "order": s["order"],
                        "date": date,
                        "day": day,
                        "parish": parish_name(&snap, s["parish_id"].as_str()),
                        "name": s["name"],
                        "address": s["address"],
                        "verified": s["connection"] == "good",
                        "underserved": num(lang, &s["underserved_in_reach"]),
                        "simulated": s["source"] == "simulated" || s["equipment_source"] == "simulated",
                    })
                })
                .collect();
            let without: Vec<String> = y["parishes_without_stop"]
                .as_array()
                .into_iter()
                .flatten()
                .map(|u| parish_name(&snap, u["parish_id"].as_str()))
                .collect();
            json!({
                "year": y["year"],
                "status": t(lang, &format!("planner.mc.status.{}", y["status"].as_str().unwrap_or("future"))),
                "route_km": y["route_km"].as_f64().map(|k| words::distance(lang, k * 1000.0)),
                "stops": stops,
                "without": without,
            })
        })
        .collect();
    let mut page = page_map(lang, "plan-mobile-class");
    page.insert("years".into(), json!(years));
    page.insert("start".into(), v["start"].clone());
    page.insert(
        "params".into(),
        json!({
            "time": v["parameters"]["start_time"],
            "minutes": v["parameters"]["minutes"],
            "reach_km": v["parameters"]["reach_m"].as_f64().map(|m| words::distance(lang, m)),
        }),
    );
    page.insert("answer_simulated".into(), json!(simulated_in(&v)));
    page.insert("ics_href".into(), json!("/api/v1/plan/mobile-class?f=ics"));
    page.insert("csv_href".into(), json!("/api/v1/plan/mobile-class?f=csv"));
    page.insert("json_href".into(), json!("/api/v1/plan/mobile-class"));
    let ctx = base_context(&state, &q, "/plan/mobile-class", "plan-mobile-class");
    render(&req, "plan_mobile_class.html", ctx, page)
}

/// `GET /plan/progress`: the plan against the records, per year and parish.
pub async fn progress(
    req: HttpRequest,
    state: web::Data<AppState>,
) -> Result<HttpResponse, Problem> {
    let q = PageQuery::parse(&req);
    let lang = q.lang();
    let snap = state.live.get();
    let st = state.clone();
    let s2 = snap.clone();
    let v = web::block(move || {
        let index = st.plan.index(&s2);
        progress::progress(&s2, &s2.analysis, &index).map(|p| p.to_json(&s2))
    })
    .await
    .map_err(Problem::internal)?
    .map_err(problem)?;
    let opt = |v: &Value| {
        if v.is_null() {
            "—".to_owned()
        } else {
            num(lang, v)
        }
    };
    let range = |r: &Value| {
        json!({
            "done": num(lang, &r["done"]),
            "min": num(lang, &r["min"]),
            "max": num(lang, &r["max"]),
            "in_plan": r["in_plan_years"],
            "met": r["met"],
        })
    };
    let years: Vec<Value> = v["years"]
        .as_array()
        .into_iter()
        .flatten()
        .map(|y| {
            let a = &y["access_points"];
            let parishes: Vec<Value> = y["parishes"]
                .as_array()
                .into_iter()
                .flatten()
                .map(|p| {
                    json!({
                        "name": p["name"].as_str().map_or_else(|| parish_name(&snap, p["parish_id"].as_str()), str::to_owned),
                        "access_points": num(lang, &p["access_points_added"]),
                        "routers": num(lang, &p["routers_upgraded"]),
                        "backhaul": num(lang, &p["backhaul_upgraded"]),
                        "visits": num(lang, &p["visits"]),
                        "participants": num(lang, &p["participants"]),
                        "at_start": opt(&p["digitally_underserved_at_start"]),
                        "now": opt(&p["digitally_underserved_now"]),
                    })
                })
                .collect();
            let mc = &y["mobile_class"];
            json!({
                "year": y["year"],
                "status": t(lang, &format!("planner.pr.status.{}", y["status"].as_str().unwrap_or("future"))),
                "future": y["status"] == "future",
                "ap": {
                    "added": num(lang, &a["added"]),
                    "planned": num(lang, &a["planned"]),
                    "added_cum": num(lang, &a["added_cumulative"]),
                    "planned_cum": num(lang, &a["planned_cumulative"]),
                    "target": num(lang, &a["target_total"]),
                    "on_track": a["on_track"],
                },
                "routers": range(&y["routers"]),
                "backhaul": range(&y["backhaul"]),
                "visits": num(lang, &mc["visits"]),
                "parishes_visited": num(lang, &mc["parishes_visited"]),
                "parishes_target": num(lang, &mc["parishes_target"]),
                "participants": num(lang, &mc["participants"]),
                "at_start": opt(&y["digitally_underserved_at_start"]),
                "parishes": parishes,
            })
        })
        .collect();
    let mut page = page_map(lang, "plan-progress");
    page.insert("years".into(), json!(years));
    page.insert(
        "now".into(),
        json!(num(lang, &v["now"]["digitally_underserved"])),
    );
    page.insert(
        "as_of_records".into(),
        json!(v["as_of"].as_str().and_then(|d| words::date_long(lang, d))),
    );
    page.insert("answer_simulated".into(), json!(simulated_in(&v)));
    page.insert("csv_href".into(), json!("/api/v1/plan/progress?f=csv"));
    page.insert("json_href".into(), json!("/api/v1/plan/progress"));
    let ctx = base_context(&state, &q, "/plan/progress", "plan-progress");
    render(&req, "plan_progress.html", ctx, page)
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
