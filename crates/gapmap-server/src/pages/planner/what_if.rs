//! `GET /plan/what-if?place=` or `?lon=&lat=`: a hypothetical free Wi-Fi
//! access point, and the change in the gap figures (the computation of
//! `POST /api/v1/plan/what-if`; nothing is stored).

use super::{change_of, count_of, map_values, page_map};
use crate::AppState;
use crate::pages::i18n::{Lang, t};
use crate::pages::{PageQuery, base_context, form, render, words};
use crate::problem::Problem;
use crate::routes::plan::{limit, problem};
use actix_web::{HttpRequest, HttpResponse, web};
use gapmap_engine::snapshot::Snapshot;
use gapmap_model::disclosure::Disclosure;
use gapmap_plan::what_if;
use serde_json::{Map, Value, json};

/// The figures of the what-if answer shown on the page (summary key,
/// message key).
const WHAT_IF_FIGURES: [(&str, &str); 4] = [
    ("digitally_underserved", "planner.whatif.fig.underserved"),
    ("underserved_cells", "planner.whatif.fig.cells"),
    ("clusters", "planner.whatif.fig.clusters"),
    ("residents", "planner.whatif.fig.residents"),
];

/// A point of the form: longitude, latitude (WGS 84 degrees) and its label.
type Point = (f64, f64, String);

/// What the form asked and what came of it.
struct Asked {
    /// The place typed, trimmed.
    place: String,
    /// Where the hypothetical access point stands, when the form says.
    point: Option<Point>,
    /// The form's errors.
    errors: Vec<Value>,
    /// The answer as the page's rows (null without one).
    result: Value,
}

/// `GET /plan/what-if?place=` or `?lon=&lat=`: a hypothetical free Wi-Fi
/// access point, and the change in the gap figures (the computation of
/// `POST /api/v1/plan/what-if`; nothing is stored).
pub async fn page(req: HttpRequest, state: web::Data<AppState>) -> Result<HttpResponse, Problem> {
    let q = PageQuery::parse(&req);
    let lang = q.lang();
    let snap = state.live.get();
    let place = q.get("place").unwrap_or("").trim().to_owned();
    let mut errors = Vec::new();
    let point = locate(lang, &snap, &q, &place).unwrap_or_else(|e| {
        errors.push(e);
        None
    });
    let mut result = Value::Null;
    let d = crate::audience::disclosure(&req, &state).await?;
    if let Some((x, y, _)) = &point {
        limit(&req, &state)?;
        match evaluate(&state, &snap, *x, *y, &d)? {
            Some(v) => result = what_if_view(lang, &v),
            None => errors.push(form::error(
                "lon",
                t(lang, "planner.whatif.error.outside").to_owned(),
            )),
        }
    }
    let asked = Asked {
        place,
        point,
        errors,
        result,
    };
    let page = context(lang, &snap, &state, &q, asked, &d);
    let ctx = base_context(&state, &q, "/plan/what-if", "plan-what-if");
    render(&req, "plan_what_if.html", ctx, page)
}

/// Where the form puts the point: the coordinates typed (a decimal comma
/// allowed), else the first place found by that name; `None` when the
/// form says neither, a form error when what it says is no point.
fn locate(lang: Lang, snap: &Snapshot, q: &PageQuery, place: &str) -> Result<Option<Point>, Value> {
    let lon_s = q.get("lon").unwrap_or("").trim().replace(',', ".");
    let lat_s = q.get("lat").unwrap_or("").trim().replace(',', ".");
    if !lon_s.is_empty() || !lat_s.is_empty() {
        match (lon_s.parse::<f64>(), lat_s.parse::<f64>()) {
            (Ok(x), Ok(y)) if x.is_finite() && y.is_finite() => {
                Ok(Some((x, y, format!("{y:.5}, {x:.5}"))))
            }
            _ => Err(form::error(
                "lon",
                t(lang, "planner.whatif.error.coords").to_owned(),
            )),
        }
    } else if !place.is_empty() {
        let g = snap.gazetteer();
        match g.search(place, 1).into_iter().next() {
            Some(h) => Ok(Some((h.location.x(), h.location.y(), h.name.to_owned()))),
            None => Err(form::error(
                "place",
                t(lang, "planner.whatif.error.place_unknown").to_owned(),
            )),
        }
    } else {
        Ok(None)
    }
}

/// The what-if answer (the API's JSON) for a free Wi-Fi access point at
/// (`x`, `y`) with the snapshot's thresholds; `None` when the point is
/// refused (the page says it is outside).
fn evaluate(
    state: &AppState,
    snap: &Snapshot,
    x: f64,
    y: f64,
    d: &Disclosure,
) -> Result<Option<Value>, Problem> {
    let doc = json!({"type": "FeatureCollection", "features": [
        {"type": "Feature", "geometry": {"type": "Point", "coordinates": [x, y]}, "properties": {}}
    ]});
    match what_if::parse_changes(&doc, snap) {
        Ok(changes) => {
            let index = state.plan.index(snap);
            let a = &snap.analysis;
            let outcome = what_if::evaluate(snap, a, &index, changes).map_err(problem)?;
            Ok(Some(outcome.to_json(snap, a, d)))
        }
        Err(_) => Ok(None),
    }
}

/// The page's values: the form as asked, the answer, a blank answer (every
/// parish, no figures) and the municipality's totals.
fn context(
    lang: Lang,
    snap: &Snapshot,
    state: &AppState,
    q: &PageQuery,
    asked: Asked,
    d: &Disclosure,
) -> Map<String, Value> {
    let mut page = page_map(lang, "plan-what-if");
    let errors = asked.errors;
    let invalid = |f: &str| errors.iter().any(|e| e["field"] == f);
    page.insert(
        "invalid".into(),
        json!({"place": invalid("place"), "lon": invalid("lon")}),
    );
    page.insert("errors".into(), json!(errors));
    page.insert(
        "values".into(),
        json!({"place": asked.place, "lon": q.get("lon").unwrap_or(""), "lat": q.get("lat").unwrap_or("")}),
    );
    page.insert(
        "point".into(),
        json!(asked.point.as_ref().map(|(x, y, label)| json!({
            "lon": format!("{x:.5}"), "lat": format!("{y:.5}"), "label": label,
        }))),
    );
    page.insert("result".into(), asked.result);
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
            "underserved": words::count(lang, d, a.total.digitally_underserved),
            "clusters": words::int(lang, a.clusters.len() as u64),
        }),
    );
    map_values(&mut page, state);
    page
}

/// A what-if answer (the API's JSON) as the page's rows.
fn what_if_view(lang: Lang, v: &Value) -> Value {
    let s = &v["summary"];
    let figures: Vec<Value> = WHAT_IF_FIGURES
        .iter()
        .map(|(k, label)| {
            json!({
                "key": k,
                "label": t(lang, label),
                "before": count_of(lang, &s["before"], k),
                "after": count_of(lang, &s["after"], k),
                "change": change_of(lang, &s["change"][k]),
            })
        })
        .collect();
    let parishes: Vec<Value> = super::items(&v["parishes"])
        .map(|p| {
            let d = &p["change"]["digitally_underserved"];
            let changed = d.as_i64().is_some_and(|n| n != 0)
                || p["before"]["digitally_underserved"] != p["after"]["digitally_underserved"];
            json!({
                "id": p["id"],
                "name": p["name"],
                "before": count_of(lang, &p["before"], "digitally_underserved"),
                "after": count_of(lang, &p["after"], "digitally_underserved"),
                "change": if p["before"].is_object() { change_of(lang, d) } else { "0".to_owned() },
                "changed": changed,
            })
        })
        .collect();
    json!({
        "newly_near": count_of(lang, v, "residents_newly_near_free_wifi"),
        "underserved_change": change_of(lang, &v["digitally_underserved_change"]),
        "figures": figures,
        "parishes": parishes,
        "changed_parishes": parishes.iter().filter(|p| p["changed"] == true).count(),
    })
}
