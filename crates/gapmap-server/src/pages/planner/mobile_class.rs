//! `GET /plan/mobile-class`: a class in every parish every year — the
//! visits on record (held, booked; not held), the planned stops in route
//! order with their dates, who each is for, how the venue gets online and,
//! where it has no good line, the line to upgrade first; links to the
//! calendar feed and CSV.

use super::{answer_links, count_of, items, off_thread, page_map, parish_name};
use crate::AppState;
use crate::pages::i18n::{Lang, t, tf};
use crate::pages::{PageQuery, base_context, reasons, render, words};
use crate::problem::Problem;
use actix_web::{HttpRequest, HttpResponse, web};
use gapmap_engine::snapshot::Snapshot;
use gapmap_plan::mobile_class;
use serde_json::{Map, Value, json};

/// `GET /plan/mobile-class` (see the module documentation).
pub async fn page(req: HttpRequest, state: web::Data<AppState>) -> Result<HttpResponse, Problem> {
    let q = PageQuery::parse(&req);
    let lang = q.lang();
    let snap = state.live.get();
    let p = mobile_class::Params::default();
    let d = crate::audience::disclosure(&req, &state).await?;
    let v = off_thread(&state, &snap, move |_, s| {
        mobile_class::plan(s, &s.analysis, &p).map(|m| m.to_json(s, &d))
    })
    .await?;
    let mut page = context(lang, &snap, &v);
    page.insert("rounded".into(), json!(!d.is_exact()));
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

/// One year: its stops, the lines to upgrade first, the parishes without
/// any venue.
fn year(lang: Lang, snap: &Snapshot, y: &Value) -> Value {
    let stops: Vec<Value> = items(&y["stops"]).map(|s| stop(lang, snap, s)).collect();
    let without: Vec<String> = items(&y["parishes_without_stop"])
        .map(|u| parish_name(snap, u["parish_id"].as_str()))
        .collect();
    let lines: Vec<String> = items(&y["stops"])
        .filter(|s| s["line_to_upgrade"].is_object())
        .map(|s| {
            let l = &s["line_to_upgrade"];
            let when = l["upgrade_year"]
                .as_i64()
                .map_or_else(|| "—".to_owned(), |y| y.to_string());
            format!(
                "{}: {} ({})",
                parish_name(snap, s["parish_id"].as_str()),
                l["name"].as_str().unwrap_or(""),
                when
            )
        })
        .collect();
    json!({
        "year": y["year"],
        "status": t(lang, &format!("planner.mc.status.{}", y["status"].as_str().unwrap_or("future"))),
        "route_km": y["route_km"].as_f64().filter(|k| *k > 0.0).map(|k| words::distance(lang, k * 1000.0)),
        "planned_n": y["planned"],
        "stops": stops,
        "without": without,
        "lines": if lines.is_empty() { Value::Null } else { json!(tf(lang, "planner.mc.lines", &[("lines", &lines.join("; "))])) },
    })
}

/// One stop, its date and status in the page's words.
fn stop(lang: Lang, snap: &Snapshot, s: &Value) -> Value {
    let date = s["date"].as_str().unwrap_or("");
    let day = chrono::NaiveDate::parse_from_str(date, "%Y-%m-%d")
        .map(|d| words::day(lang, d))
        .unwrap_or_else(|_| "—".to_owned());
    let status = s["status"].as_str().unwrap_or("planned");
    let connection = s["connection"].as_str().unwrap_or("unverified");
    let for_whom = items(&s["reasons"])
        .find(|r| {
            matches!(
                r["code"].as_str(),
                Some("for_new_people" | "return_visit" | "for_anyone")
            )
        })
        .map(|r| reasons::word(lang, r))
        .unwrap_or_default();
    let why: Vec<String> = items(&s["reasons"])
        .filter(|r| {
            !matches!(
                r["code"].as_str(),
                Some("for_new_people" | "return_visit" | "for_anyone")
            )
        })
        .map(|r| reasons::word(lang, r))
        .collect();
    json!({
        "order": s["order"],
        "date": date,
        "day": day,
        "status_code": status,
        "status": t(lang, &format!("planner.mc.st.{status}")),
        "parish": parish_name(snap, s["parish_id"].as_str()),
        "name": s["name"],
        "address": s["address"],
        "connection_code": connection,
        "connection": t(lang, &format!("planner.mc.conn.{connection}")),
        "for_whom": for_whom,
        "why": why,
        "underserved": count_of(lang, s, "underserved_in_reach"),
        "participants": s["participants"].as_u64().map(|n| words::int(lang, n)),
        "simulated": s["source"] == "simulated" || s["equipment_source"] == "simulated",
    })
}
