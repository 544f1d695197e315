//! The residents' side of reports: `GET|POST /report` (a form that works
//! without JavaScript: what is wrong, where — one of the places, or the
//! place in the resident's own words (any text: a homestead, an address,
//! "pie veikala Vilcē"; matched to the gazetteer when it can be, kept as
//! text when it cannot), with an optional point from the map (`?lon=&lat=`)
//! or "use my location" — a short text and an optional contact),
//! `GET /report/status` (where a report stands, by its reference) and
//! `GET /privacy` (what happens to a contact, in plain words).

use super::form::{self, Posted};
use super::i18n::{Lang, t};
use super::{PageQuery, base_context, href, render, sites};
use crate::AppState;
use crate::problem::{Kind, Problem};
use crate::routes::inventory::reports::{self as api, ReportBody};
use actix_web::http::header;
use actix_web::{HttpRequest, HttpResponse, web};
use gapmap_inventory::reports::{KINDS, normalise_reference};
use serde_json::{Map, Value, json};

/// The places a report can name, in the order of the list: by parish,
/// then by name.
fn place_choices(state: &AppState, lang: Lang, chosen: &str) -> Vec<Value> {
    let snap = state.live.get();
    let parish_name = |id: &Option<String>| {
        id.as_ref()
            .and_then(|id| snap.areas.iter().find(|a| &a.id == id))
            .map(|a| a.name.clone())
            .unwrap_or_default()
    };
    let mut out: Vec<(String, String, String)> = snap
        .sites
        .iter()
        .filter(|s| sites::is_public_access(s))
        .map(|s| (parish_name(&s.parish_id), s.name.clone(), s.id.clone()))
        .collect();
    out.sort();
    out.into_iter()
        .map(|(parish, name, id)| {
            let label = if parish.is_empty() {
                name
            } else {
                format!("{name} ({parish})")
            };
            json!({"id": id, "label": label, "selected": id == chosen})
        })
        .chain(std::iter::once(json!({"id": "", "label": t(lang, "report.place_elsewhere"), "selected": chosen.is_empty()})))
        .collect()
}

fn kinds(lang: Lang, chosen: &str) -> Vec<Value> {
    KINDS
        .iter()
        .map(|k| json!({"id": k, "label": t(lang, &format!("report.kind.{k}")), "checked": *k == chosen}))
        .collect()
}

/// The form, empty, prefilled (`?site=`) or again with its errors.
fn form_page(
    req: &HttpRequest,
    state: &AppState,
    q: &PageQuery,
    values: Value,
    errors: Vec<Value>,
) -> Result<HttpResponse, Problem> {
    let lang = q.lang();
    let ctx = base_context(state, q, "/report", "report");
    let site = values["site_id"].as_str().unwrap_or("");
    let kind = values["kind"].as_str().unwrap_or("");
    let failed = !errors.is_empty();
    let mut page = Map::new();
    page.insert("places".into(), json!(place_choices(state, lang, site)));
    page.insert("kinds".into(), json!(kinds(lang, kind)));
    page.insert("values".into(), values);
    page.insert("errors".into(), json!(errors));
    page.insert("action".into(), json!(href(lang, "/report")));
    page.insert("privacy_href".into(), json!(href(lang, "/privacy")));
    page.insert("status_href".into(), json!(href(lang, "/report/status")));
    page.insert(
        "retention_days".into(),
        json!(state.config.report_contact_days),
    );
    let mut r = render(req, "report.html", ctx, page)?;
    if failed {
        *r.status_mut() = actix_web::http::StatusCode::BAD_REQUEST;
    }
    Ok(r)
}

/// `GET /report`: the form (`?site=` picks the place).
pub async fn page(req: HttpRequest, state: web::Data<AppState>) -> Result<HttpResponse, Problem> {
    let q = PageQuery::parse(&req);
    let point = |k| {
        q.get(k)
            .and_then(|v| v.parse::<f64>().ok())
            .filter(|v| v.is_finite())
    };
    let mut values =
        json!({"site_id": q.get("site").unwrap_or(""), "kind": q.get("kind").unwrap_or("")});
    if let (Some(lon), Some(lat)) = (point("lon"), point("lat")) {
        values["lon"] = json!(format!("{lon:.5}"));
        values["lat"] = json!(format!("{lat:.5}"));
    }
    form_page(&req, &state, &q, values, Vec::new())
}

/// A point the form carries (from "use my location" or the map), if both
/// halves parse.
fn posted_point(f: &Posted) -> (Option<f64>, Option<f64>) {
    let lon = f.text("lon").parse::<f64>().ok().filter(|v| v.is_finite());
    let lat = f.text("lat").parse::<f64>().ok().filter(|v| v.is_finite());
    match (lon, lat) {
        (Some(lon), Some(lat)) => (Some(lon), Some(lat)),
        _ => (None, None),
    }
}

/// `POST /report`: file the report; on success straight to its status
/// page (303), otherwise the form again with what to fix.
pub async fn submit(
    req: HttpRequest,
    state: web::Data<AppState>,
    body: web::Form<Vec<(String, String)>>,
) -> Result<HttpResponse, Problem> {
    let q = PageQuery::parse(&req);
    let lang = q.lang();
    let f = Posted::new(body.into_inner());
    let mut errors = Vec::new();
    let site_id = f.text("site_id").to_owned();
    let place = f.text("place");
    let (lon, lat) = posted_point(&f);
    // Any place in words is taken (matched later when it can be); only a
    // form that says nowhere at all is sent back.
    if site_id.is_empty() && place.trim().is_empty() && lon.is_none() {
        errors.push(form::error(
            "place",
            t(lang, "report.error.where").to_owned(),
        ));
    }
    if f.text("kind").is_empty() {
        errors.push(form::error(
            "kind-wifi_not_working",
            t(lang, "report.error.kind").to_owned(),
        ));
    }
    if !errors.is_empty() {
        return form_page(&req, &state, &q, f.values(), errors);
    }
    let body = ReportBody {
        kind: f.text("kind").to_owned(),
        site_id: Some(site_id).filter(|s| !s.is_empty()),
        lon,
        lat,
        text: f.text("text").to_owned(),
        contact: f.get("contact").map(str::to_owned),
        place: Some(place.to_owned()).filter(|p| !p.trim().is_empty()),
        website: f.get("website").map(str::to_owned),
    };
    match api::file(&req, &state, body).await {
        Ok(reference) => {
            let q = serde_urlencoded::to_string([("ref", reference.as_str()), ("new", "1")])
                .unwrap_or_default();
            Ok(HttpResponse::SeeOther()
                .insert_header((header::LOCATION, href(lang, &format!("/report/status?{q}"))))
                .finish())
        }
        Err(p) if p.kind == Kind::InvalidBody => {
            let errors = form::errors_of(lang, "report.error", &p);
            form_page(&req, &state, &q, f.values(), errors)
        }
        Err(p) if matches!(p.kind, Kind::TooManyRequests | Kind::Unavailable) => {
            // Nothing was stored: the form again, with what was typed.
            let key = if p.kind == Kind::Unavailable {
                "report.error.busy"
            } else {
                "report.error.too_many"
            };
            let errors = vec![form::error("", t(lang, key).to_owned())];
            let mut r = form_page(&req, &state, &q, f.values(), errors)?;
            *r.status_mut() = p.kind.status();
            if let Some((_, v)) = p.headers.iter().find(|(n, _)| *n == "Retry-After")
                && let Ok(v) = header::HeaderValue::from_str(v)
            {
                r.headers_mut().insert(header::RETRY_AFTER, v);
            }
            Ok(r)
        }
        Err(p) => Err(p),
    }
}

/// `GET /report/status?ref=`: a lookup form, and the report's status in
/// words when a reference is given.
pub async fn status(req: HttpRequest, state: web::Data<AppState>) -> Result<HttpResponse, Problem> {
    let q = PageQuery::parse(&req);
    let lang = q.lang();
    let ctx = base_context(&state, &q, "/report/status", "report-status");
    let mut page = Map::new();
    let given = q.get("ref").unwrap_or("").trim().to_owned();
    page.insert("reference".into(), json!(given));
    page.insert("new".into(), json!(q.get("new") == Some("1")));
    page.insert("action".into(), json!("/report/status"));
    page.insert("report_href".into(), json!(href(lang, "/report")));
    if !given.is_empty() {
        let reference = normalise_reference(&given);
        let s = state.clone();
        let r2 = reference.clone();
        let found = web::block(move || s.reports.public_status(&r2))
            .await
            .map_err(Problem::internal)?
            .map_err(Problem::internal)?;
        match found {
            Some(st) => {
                page.insert(
                    "report".into(),
                    json!({
                        "reference": st.reference,
                        "kind": t(lang, &format!("report.kind.{}", st.kind)),
                        "status": st.status,
                        "status_text": t(lang, &format!("report.status.{}", st.status)),
                        "received": super::words::date_long(lang, st.created_at.get(..10).unwrap_or("")),
                        "updated": super::words::date_long(lang, st.updated_at.get(..10).unwrap_or("")),
                    }),
                );
            }
            None => {
                page.insert("not_found".into(), json!(true));
            }
        }
    }
    render(&req, "report_status.html", ctx, page)
}

/// `GET /privacy`: the privacy notice for reports.
pub async fn privacy(
    req: HttpRequest,
    state: web::Data<AppState>,
) -> Result<HttpResponse, Problem> {
    let q = PageQuery::parse(&req);
    let ctx = base_context(&state, &q, "/privacy", "privacy");
    let mut page = Map::new();
    page.insert(
        "retention_days".into(),
        json!(state.config.report_contact_days),
    );
    page.insert("report_href".into(), json!(href(q.lang(), "/report")));
    render(&req, "privacy.html", ctx, page)
}
