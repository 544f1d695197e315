//! `GET /plan/progress`: the plan against the records, per year and parish.

use super::{answer_links, count_of, items, num, off_thread, page_map, parish_name};
use crate::AppState;
use crate::pages::i18n::{Lang, t};
use crate::pages::{PageQuery, base_context, render, words};
use crate::problem::Problem;
use actix_web::{HttpRequest, HttpResponse, web};
use gapmap_engine::snapshot::Snapshot;
use gapmap_plan::progress;
use serde_json::{Map, Value, json};

/// `GET /plan/progress`: the plan against the records, per year and parish.
pub async fn page(req: HttpRequest, state: web::Data<AppState>) -> Result<HttpResponse, Problem> {
    let q = PageQuery::parse(&req);
    let lang = q.lang();
    let snap = state.live.get();
    let d = crate::audience::disclosure(&req, &state).await?;
    let v = off_thread(&state, &snap, move |st, s| {
        let index = st.plan.index(s);
        progress::progress(s, &s.analysis, &index).map(|p| p.to_json(s, &d))
    })
    .await?;
    let mut page = context(lang, &snap, &v);
    page.insert("rounded".into(), json!(!d.is_exact()));
    let ctx = base_context(&state, &q, "/plan/progress", "plan-progress");
    render(&req, "plan_progress.html", ctx, page)
}

/// The page's values from the answer `v`.
fn context(lang: Lang, snap: &Snapshot, v: &Value) -> Map<String, Value> {
    let years: Vec<Value> = items(&v["years"]).map(|y| year(lang, snap, y)).collect();
    let mut page = page_map(lang, "plan-progress");
    page.insert("years".into(), json!(years));
    page.insert(
        "now".into(),
        json!(count_of(lang, &v["now"], "digitally_underserved")),
    );
    page.insert(
        "as_of_records".into(),
        json!(v["as_of"].as_str().and_then(|d| words::date_long(lang, d))),
    );
    answer_links(&mut page, v, "/api/v1/plan/progress", &["csv"]);
    page
}

/// One year: access points, upgrades and the mobile class against the
/// plan, and each parish.
fn year(lang: Lang, snap: &Snapshot, y: &Value) -> Value {
    let a = &y["access_points"];
    let parishes: Vec<Value> = items(&y["parishes"])
        .map(|p| parish(lang, snap, p))
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
        "routers": range(lang, &y["routers"]),
        "backhaul": range(lang, &y["backhaul"]),
        "visits": num(lang, &mc["visits"]),
        "parishes_visited": num(lang, &mc["parishes_visited"]),
        "parishes_target": num(lang, &mc["parishes_target"]),
        "participants": num(lang, &mc["participants"]),
        "at_start": count_of(lang, y, "digitally_underserved_at_start"),
        "parishes": parishes,
    })
}

/// One parish's year.
fn parish(lang: Lang, snap: &Snapshot, p: &Value) -> Value {
    json!({
        "name": p["name"].as_str().map_or_else(|| parish_name(snap, p["parish_id"].as_str()), str::to_owned),
        "access_points": num(lang, &p["access_points_added"]),
        "routers": num(lang, &p["routers_upgraded"]),
        "backhaul": num(lang, &p["backhaul_upgraded"]),
        "visits": num(lang, &p["visits"]),
        "participants": num(lang, &p["participants"]),
        "at_start": count_of(lang, p, "digitally_underserved_at_start"),
        "now": count_of(lang, p, "digitally_underserved_now"),
    })
}

/// An upgrade count against the plan's range for the year.
fn range(lang: Lang, r: &Value) -> Value {
    json!({
        "done": num(lang, &r["done"]),
        "min": num(lang, &r["min"]),
        "max": num(lang, &r["max"]),
        "in_plan": r["in_plan_years"],
        "met": r["met"],
    })
}
