//! `GET /plan/mobile-class`: one stop per parish per year, in route
//! order, with the dates; links to the calendar feed and CSV.

use super::{answer_links, items, num, off_thread, page_map, parish_name};
use crate::AppState;
use crate::pages::i18n::{Lang, t};
use crate::pages::{PageQuery, base_context, render, words};
use crate::problem::Problem;
use actix_web::{HttpRequest, HttpResponse, web};
use gapmap_engine::snapshot::Snapshot;
use gapmap_plan::mobile_class;
use serde_json::{Map, Value, json};

/// `GET /plan/mobile-class`: one stop per parish per year, in route
/// order, with the dates; links to the calendar feed and CSV.
pub async fn page(req: HttpRequest, state: web::Data<AppState>) -> Result<HttpResponse, Problem> {
    let q = PageQuery::parse(&req);
    let lang = q.lang();
    let snap = state.live.get();
    let p = mobile_class::Params::default();
    let v = off_thread(&state, &snap, move |_, s| {
        mobile_class::plan(s, &s.analysis, &p).map(|m| m.to_json(s))
    })
    .await?;
    let page = context(lang, &snap, &v);
    let ctx = base_context(&state, &q, "/plan/mobile-class", "plan-mobile-class");
    render(&req, "plan_mobile_class.html", ctx, page)
}

/// The page's values from the answer `v`.
fn context(lang: Lang, snap: &Snapshot, v: &Value) -> Map<String, Value> {
    let years: Vec<Value> = items(&v["years"]).map(|y| year(lang, snap, y)).collect();
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
    answer_links(&mut page, v, "/api/v1/plan/mobile-class", &["ics", "csv"]);
    page
}

/// One year of the route: its stops and the parishes it leaves out.
fn year(lang: Lang, snap: &Snapshot, y: &Value) -> Value {
    let stops: Vec<Value> = items(&y["stops"]).map(|s| stop(lang, snap, s)).collect();
    let without: Vec<String> = items(&y["parishes_without_stop"])
        .map(|u| parish_name(snap, u["parish_id"].as_str()))
        .collect();
    json!({
        "year": y["year"],
        "status": t(lang, &format!("planner.mc.status.{}", y["status"].as_str().unwrap_or("future"))),
        "route_km": y["route_km"].as_f64().map(|k| words::distance(lang, k * 1000.0)),
        "stops": stops,
        "without": without,
    })
}

/// One stop of the route, its date in the page's words.
fn stop(lang: Lang, snap: &Snapshot, s: &Value) -> Value {
    let date = s["date"].as_str().unwrap_or("");
    let day = chrono::NaiveDate::parse_from_str(date, "%Y-%m-%d")
        .map(|d| words::day(lang, d))
        .unwrap_or_else(|_| date.to_owned());
    json!({
        "order": s["order"],
        "date": date,
        "day": day,
        "parish": parish_name(snap, s["parish_id"].as_str()),
        "name": s["name"],
        "address": s["address"],
        "verified": s["connection"] == "good",
        "underserved": num(lang, &s["underserved_in_reach"]),
        "simulated": s["source"] == "simulated" || s["equipment_source"] == "simulated",
    })
}
