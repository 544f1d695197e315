//! `GET /plan/upgrades`: the router and backhaul upgrade lists per year,
//! and the buildings to survey first.

use super::{answer_links, count_of, items, num, off_thread, page_map, parish_name};
use crate::AppState;
use crate::pages::i18n::{Lang, t};
use crate::pages::{PageQuery, base_context, reasons, render, words};
use crate::problem::Problem;
use actix_web::{HttpRequest, HttpResponse, web};
use gapmap_engine::snapshot::Snapshot;
use gapmap_plan::upgrades;
use serde_json::{Map, Value, json};

/// `GET /plan/upgrades`: the router and backhaul upgrade lists per year,
/// and the buildings to survey first.
pub async fn page(req: HttpRequest, state: web::Data<AppState>) -> Result<HttpResponse, Problem> {
    let q = PageQuery::parse(&req);
    let lang = q.lang();
    let snap = state.live.get();
    let p = upgrades::Params {
        router_min_age_years: 5,
    };
    let d = crate::audience::disclosure(&req, &state).await?;
    let v = off_thread(&state, &snap, move |_, s| {
        upgrades::plan(s, &s.analysis, &p).map(|u| u.to_json(s, &d))
    })
    .await?;
    let mut page = context(lang, &snap, &v);
    page.insert("rounded".into(), json!(!d.is_exact()));
    let ctx = base_context(&state, &q, "/plan/upgrades", "plan-upgrades");
    render(&req, "plan_upgrades.html", ctx, page)
}

/// The page's values from the answer `v`.
fn context(lang: Lang, snap: &Snapshot, v: &Value) -> Map<String, Value> {
    let mut page = page_map(lang, "plan-upgrades");
    page.insert(
        "routers".into(),
        json!(upgrade_years(lang, snap, &v["routers"])),
    );
    page.insert(
        "backhaul".into(),
        json!(upgrade_years(lang, snap, &v["backhaul"])),
    );
    page.insert("survey".into(), json!(survey(lang, snap, v)));
    page.insert(
        "params".into(),
        json!({
            "router_min_age_years": v["parameters"]["router_min_age_years"],
            "served_mbps": num(lang, &v["parameters"]["served_down_mbps"]),
            "served": v["parameters"]["served_down_mbps"].as_f64().map(|m| words::mbps(lang, m)),
            "most": num(lang, &v["score"]["most_dependents"]),
            "near_m": num(lang, &v["parameters"]["near_m"]),
        }),
    );
    answer_links(&mut page, v, "/api/v1/plan/upgrades", &["csv"]);
    page
}

/// The buildings to survey first.
fn survey(lang: Lang, snap: &Snapshot, v: &Value) -> Vec<Value> {
    items(&v["to_survey"])
        .map(|b| {
            json!({
                "name": b["name"],
                "parish": parish_name(snap, b["parish_id"].as_str()),
                "router_year": b["router_year"],
                "down": b["backhaul_down_mbps"].as_f64().map(|d| words::mbps(lang, d)),
                "dependents": count_of(lang, b, "dependents"),
                "why": reasons::words_of(lang, &b["reasons"]),
            })
        })
        .collect()
}

/// One upgrade list (routers or lines) as the page's years.
fn upgrade_years(lang: Lang, snap: &Snapshot, list: &Value) -> Vec<Value> {
    items(&list["years"])
        .map(|y| {
            let done: Vec<Value> = items(&y["done"])
                .map(|b| upgrade_row(lang, snap, b, "planner.up.done"))
                .collect();
            let recommended: Vec<Value> = items(&y["recommended"])
                .map(|b| upgrade_row(lang, snap, b, "planner.up.recommended"))
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

/// One building of an upgrade list; `status` is its message key.
fn upgrade_row(lang: Lang, snap: &Snapshot, b: &Value, status: &str) -> Value {
    json!({
        "rank": b["rank"],
        "name": b["name"],
        "site_id": b["site_id"],
        "parish": parish_name(snap, b["parish_id"].as_str()),
        "router_year": b["router_year"],
        "down": b["backhaul_down_mbps"].as_f64().map(|d| words::mbps(lang, d)),
        "dependents": count_of(lang, b, "dependents"),
        "dependents_underserved": count_of(lang, b, "dependents_underserved"),
        "score": b["score"].as_f64().map(|s| {
            let v = format!("{s:.1}");
            if lang == Lang::Lv { v.replace('.', ",") } else { v }
        }),
        "status": t(lang, status),
        "why": reasons::words_of(lang, &b["reasons"]),
        "simulated": b["equipment_source"] == "simulated",
    })
}
