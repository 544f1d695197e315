//! Resident reports: `POST /api/v1/reports` (anyone; rate-limited, size-
//! limited, a honeypot field), `GET /api/v1/reports/{reference}` (its
//! status), and for editors the review queue (`GET /api/v1/reports`), a
//! decision (`POST /api/v1/reports/{reference}/decision`) and the planners'
//! layer of "no signal" reports per 1 km cell (`GET /api/v1/reports/cells`).
//! Contacts are shown to admins only.

use super::account::no_store;
use crate::AppState;
use crate::auth;
use crate::problem::{Kind, Problem};
use crate::query::Query;
use crate::ratelimit;
use actix_web::{HttpRequest, HttpResponse, web};
use gapmap_geo::crs::{LAEA, Transformer, WGS84};
use gapmap_inventory::accounts::Role;
use gapmap_inventory::reports::{Decision, NewReport};
use gapmap_store::audit::Context;
use serde::Deserialize;
use serde_json::{Value, json};

#[derive(Debug, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct ReportBody {
    pub kind: String,
    pub site_id: Option<String>,
    pub lon: Option<f64>,
    pub lat: Option<f64>,
    #[serde(default)]
    pub text: String,
    pub contact: Option<String>,
    /// Where, in the resident's words (a homestead, an address, a village,
    /// "pie veikala Vilcē"): matched to the gazetteer when it can be, kept
    /// as text when it cannot.
    #[serde(default)]
    pub place: Option<String>,
    /// The report form's honeypot: a field people never see and bots fill
    /// in. The form answers a filled one as if stored (and stores nothing);
    /// the API refuses it, so it never names a report that does not exist.
    #[serde(default)]
    pub website: Option<String>,
}

/// Where a report is: its parish and 1 km cell, from the site or the point.
fn locate(state: &AppState, r: &NewReport) -> Result<(Option<String>, Option<String>), Problem> {
    let snap = state.live.get();
    let point = match (&r.site_id, r.lon, r.lat) {
        (Some(id), _, _) => {
            let s = snap.sites.iter().find(|s| &s.id == id).ok_or_else(|| {
                Problem::invalid_body(
                    format!("no site `{id}`"),
                    vec![json!({"field": "site_id", "message": "no such place"})],
                )
            })?;
            let parish = s.parish_id.clone();
            return Ok((parish, cell_of((s.location.x(), s.location.y()))));
        }
        (None, Some(lon), Some(lat)) => (lon, lat),
        _ => return Ok((None, None)),
    };
    let parish = snap
        .areas
        .iter()
        .filter(|a| a.kind == gapmap_model::AreaKind::Parish)
        .find(|a| geo::Contains::contains(&a.geometry, &geo_types::Point::new(point.0, point.1)))
        .map(|a| a.id.clone());
    Ok((parish, cell_of(point)))
}

/// The gazetteer's match for a report's place in words: its label for the
/// reviewers ("Vilce (ciems, Vilces pagasts)") and, when the report has no
/// point or place of its own, the match's point (so its parish and cell are
/// known). A place the gazetteer does not know stays text.
fn match_place(state: &AppState, r: &mut NewReport) {
    let Some(text) = r.place.as_deref() else {
        return;
    };
    let snap = state.live.get();
    let g = snap.gazetteer();
    let Some(hit) = g.match_text(text) else {
        return;
    };
    let parish = g
        .parish_id(hit.parish)
        .and_then(|id| snap.parish_name(id))
        .filter(|p| *p != hit.name);
    r.place_match = Some(match parish {
        Some(p) => format!("{} ({}, {p})", hit.name, hit.kind.as_str()),
        None => format!("{} ({})", hit.name, hit.kind.as_str()),
    });
    if r.site_id.is_none() && r.lon.is_none() && r.lat.is_none() {
        (r.lon, r.lat) = (Some(hit.location.x()), Some(hit.location.y()));
    }
}

/// The EU 1 km cell (INSPIRE id) of a WGS84 point.
fn cell_of((lon, lat): (f64, f64)) -> Option<String> {
    let t = Transformer::new(WGS84, LAEA).ok()?;
    let (x, y) = t.convert(lon, lat).ok()?;
    Some(gapmap_geo::grid::cell_id_of(x, y))
}

/// The outline of a 1 km cell in WGS84.
fn cell_outline(cell: &str) -> Option<geo_types::Geometry<f64>> {
    let (n, e) = gapmap_geo::grid::parse_cell_id(cell)?;
    let mut g = geo_types::Geometry::Polygon(gapmap_geo::grid::cell_polygon_3035(n, e));
    Transformer::new(LAEA, WGS84)
        .ok()?
        .transform_geometry(&mut g)
        .ok()?;
    Some(g)
}

#[utoipa::path(post, path = "/api/v1/reports", tag = "residents", responses(
        (status = 201, description = "Received: the report's public reference and where to follow it", content_type = "application/json"),
        (status = 400, description = "The body is not JSON of the documented shape, or a field is invalid (the problem names it; an unknown site_id)", content_type = "application/problem+json"),
        (status = 403, description = "A request from another site's page", content_type = "application/problem+json"),
        (status = 413, description = "The body is too large", content_type = "application/problem+json"),
        (status = 408, description = "The body did not arrive in time (10 s between pieces, 30 s in all); the connection is closed", content_type = "application/problem+json"),
        (status = 415, description = "The body is not JSON (send Content-Type: application/json)", content_type = "application/problem+json"),
        (status = 429, description = "The address's report budget is used (20 at once, then one every 30 s, 80 a day): wait Retry-After seconds", content_type = "application/problem+json"),
        (status = 503, description = "The store stayed busy with other changes; nothing was stored: try again after Retry-After seconds", content_type = "application/problem+json")))]
/// `POST /api/v1/reports`: 201 with the report's public reference.
pub async fn submit(
    req: HttpRequest,
    state: web::Data<AppState>,
    body: web::Json<ReportBody>,
) -> Result<HttpResponse, Problem> {
    let body = body.into_inner();
    if body.website.as_deref().is_some_and(|w| !w.is_empty()) {
        return Err(Problem::invalid_body(
            "`website` must be empty",
            vec![json!({"field": "website", "message": "must be empty"})],
        ));
    }
    let reference = file(&req, &state, body).await?;
    let status_url = format!("/api/v1/reports/{}", crate::links::encode(&reference));
    Ok(no_store(HttpResponse::Created())
        .insert_header(("Location", status_url.as_str()))
        .json(json!({"reference": reference, "status": "received",
                     "status_url": status_url})))
}

/// File a resident's report (the API and the public form): rate-limited
/// per client, checked, located; answers its reference. A filled honeypot
/// is answered like anyone and stored nowhere.
pub async fn file(
    req: &HttpRequest,
    state: &web::Data<AppState>,
    b: ReportBody,
) -> Result<String, Problem> {
    let mut new = NewReport {
        kind: b.kind,
        site_id: b.site_id.filter(|s| !s.trim().is_empty()),
        lon: b.lon,
        lat: b.lat,
        text: b.text,
        contact: b.contact.filter(|c| !c.trim().is_empty()),
        place: b.place.filter(|p| !p.trim().is_empty()),
        place_match: None,
    };
    match_place(state, &mut new);
    let problems = new.check();
    if !problems.is_empty() {
        return Err(Problem::invalid_body(
            problems
                .iter()
                .map(|p| format!("`{}`: {}", p.field, p.message))
                .collect::<Vec<_>>()
                .join("; "),
            problems.iter().map(|p| json!(p)).collect(),
        ));
    }
    if b.website.is_some_and(|w| !w.trim().is_empty()) {
        return Ok("JN-000000".to_owned());
    }
    let (parish, cell) = locate(state, &new)?;
    let client = ratelimit::client_text(req, &state.config.trusted_proxies);
    let s = state.clone();
    web::block(move || {
        // The budget of the client's address (see `reports::BUDGET`),
        // taken only for a report that is stored.
        let [burst, day] = &gapmap_inventory::reports::BUDGET;
        let budget = s
            .throttle
            .take(&[(burst, &client), (day, &client)], ratelimit::unix_now())?;
        if let Err(wait) = budget {
            return Ok::<_, gapmap_inventory::reports::ReportError>(Err(wait));
        }
        s.reports
            .submit(&new, parish.as_deref(), cell.as_deref())
            .map(Ok)
    })
    .await
    .map_err(Problem::internal)?
    .map_err(Problem::internal)?
    .map_err(|wait| {
        ratelimit::too_many(
            wait,
            "many reports were just sent from your address (a shared line counts as one address)",
        )
    })
}

#[utoipa::path(get, path = "/api/v1/reports/{reference}", tag = "residents", params(("reference" = String, Path, description = "A report's reference such as JN-7K4Q9X", example = "JN-7K4Q9X")), responses(
        (status = 200, description = "Where the report stands (never its text or contact)", content_type = "application/json"),
        (status = 400, description = "A query parameter was given (there are none)", content_type = "application/problem+json"),
        (status = 403, description = "A request from another site's page", content_type = "application/problem+json"),
        (status = 404, description = "No such report", content_type = "application/problem+json")))]
/// `GET /api/v1/reports/{reference}`: where a report stands.
pub async fn status(
    req: HttpRequest,
    state: web::Data<AppState>,
    path: web::Path<String>,
) -> Result<HttpResponse, Problem> {
    Query::parse(&req, &[])?;
    let reference = path.into_inner();
    let s = state.clone();
    let r2 = reference.clone();
    let st = web::block(move || s.reports.public_status(&r2))
        .await
        .map_err(Problem::internal)?
        .map_err(Problem::internal)?
        .ok_or_else(|| Problem::not_found(format!("no report {reference}")))?;
    Ok(no_store(HttpResponse::Ok()).json(st))
}

#[utoipa::path(get, path = "/api/v1/reports", tag = "inventory", security(("bearer" = []), ("session" = [])), params(crate::params::QueueQuery), responses(
        (status = 200, description = "The review queue; contacts for admins only", content_type = "application/json"),
        (status = 400, description = "A parameter is unknown or invalid", content_type = "application/problem+json"),
        (status = 401, description = "Nobody is signed in, or the API token is unknown or revoked", content_type = "application/problem+json"),
        (status = 403, description = "A request from another site's page, a session's change without its X-CSRF-Token, or too small a role", content_type = "application/problem+json")))]
/// `GET /api/v1/reports?status=`: the review queue (editors); contacts for admins.
pub async fn queue(req: HttpRequest, state: web::Data<AppState>) -> Result<HttpResponse, Problem> {
    let q = Query::parse(&req, &["status"])?;
    let who = auth::require(&req, &state, Role::Editor, None).await?;
    let status = q.str("status").map(str::to_owned);
    if let Some(s) = &status
        && !gapmap_inventory::reports::STATUSES.contains(&s.as_str())
    {
        return Err(Problem::invalid(
            "status",
            format!(
                "`status` must be one of {}",
                gapmap_inventory::reports::STATUSES.join(", ")
            ),
        ));
    }
    let admin = who.principal.role == Role::Admin;
    let s = state.clone();
    let items = web::block(move || {
        let list = s.reports.list(status.as_deref())?;
        let mut out = Vec::with_capacity(list.len());
        for r in list {
            let mut v = json!(r);
            if admin && r.has_contact {
                v["contact"] = json!(s.reports.contact(&r.reference)?);
            }
            out.push(v);
        }
        Ok::<_, gapmap_inventory::reports::ReportError>(out)
    })
    .await
    .map_err(Problem::internal)?
    .map_err(Problem::internal)?;
    Ok(no_store(HttpResponse::Ok()).json(json!({"reports": items})))
}

#[derive(Debug, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct DecisionBody {
    /// accept, reject or fixed.
    pub decision: String,
    #[serde(default)]
    pub reason: String,
}

#[utoipa::path(post, path = "/api/v1/reports/{reference}/decision", tag = "inventory", security(("bearer" = []), ("session" = [], "csrf" = [])), params(("reference" = String, Path, description = "A report's reference such as JN-7K4Q9X", example = "JN-7K4Q9X")), responses(
        (status = 200, description = "The report with its new status", content_type = "application/json"),
        (status = 400, description = "The body is not JSON of the documented shape, or a field is invalid (the problem names it; a decision the report's status does not allow)", content_type = "application/problem+json"),
        (status = 401, description = "Nobody is signed in, or the API token is unknown or revoked", content_type = "application/problem+json"),
        (status = 403, description = "A request from another site's page, a session's change without its X-CSRF-Token, or too small a role", content_type = "application/problem+json"),
        (status = 404, description = "No such report", content_type = "application/problem+json"),
        (status = 413, description = "The body is too large", content_type = "application/problem+json"),
        (status = 408, description = "The body did not arrive in time (10 s between pieces, 30 s in all); the connection is closed", content_type = "application/problem+json"),
        (status = 415, description = "The body is not JSON (send Content-Type: application/json)", content_type = "application/problem+json")))]
/// `POST /api/v1/reports/{reference}/decision`: accept, reject (with a reason) or mark fixed.
pub async fn decide(
    req: HttpRequest,
    state: web::Data<AppState>,
    path: web::Path<String>,
    body: web::Payload,
) -> Result<HttpResponse, Problem> {
    let who = auth::require(&req, &state, Role::Editor, None).await?;
    let body: DecisionBody = crate::body::json(&req, body).await?;
    let d = match body.decision.as_str() {
        "accept" => Decision::Accept,
        "reject" => Decision::Reject,
        "fixed" => Decision::Fixed,
        other => {
            return Err(Problem::invalid_body(
                format!("unknown decision `{other}`"),
                vec![json!({"field": "decision", "message": "accept, reject or fixed"})],
            ));
        }
    };
    if d == Decision::Reject && body.reason.trim().is_empty() {
        return Err(Problem::invalid_body(
            "rejecting a report needs a reason",
            vec![json!({"field": "reason", "message": "required when rejecting"})],
        ));
    }
    let r = decide_as(
        &state,
        &who.principal.username,
        &path.into_inner(),
        d,
        body.reason.trim(),
    )
    .await?;
    Ok(no_store(HttpResponse::Ok()).json(r))
}

/// Record an editor's decision on a report (the API and the review page).
pub async fn decide_as(
    state: &web::Data<AppState>,
    actor: &str,
    reference: &str,
    d: Decision,
    reason: &str,
) -> Result<gapmap_inventory::reports::Report, Problem> {
    let ctx = Context {
        actor: actor.to_owned(),
        reason: reason.to_owned(),
        report_ref: None,
    };
    let reference = reference.to_owned();
    let s = state.clone();
    web::block(move || s.reports.decide(&reference, d, &ctx))
        .await
        .map_err(Problem::internal)?
        .map_err(|e| match e {
            gapmap_inventory::reports::ReportError::NotFound(r) => {
                Problem::not_found(format!("no report {r}"))
            }
            gapmap_inventory::reports::ReportError::Invalid(m) => {
                Problem::new(Kind::InvalidBody, m)
            }
            other => Problem::internal(other),
        })
}

#[utoipa::path(get, path = "/api/v1/reports/cells", tag = "inventory", security(("bearer" = []), ("session" = [])), responses(
        (status = 200, description = "No mobile signal and no home internet reports counted per EU 1 km cell (GeoJSON polygons; never one by one)", content_type = "application/geo+json"),
        (status = 400, description = "A parameter is unknown or invalid", content_type = "application/problem+json"),
        (status = 401, description = "Nobody is signed in, or the API token is unknown or revoked", content_type = "application/problem+json"),
        (status = 403, description = "A request from another site's page, a session's change without its X-CSRF-Token, or too small a role", content_type = "application/problem+json")))]
/// `GET /api/v1/reports/cells`: "no mobile signal" and "no home internet"
/// reports counted per EU 1 km cell, as GeoJSON (editors only; never one by one).
pub async fn cells(req: HttpRequest, state: web::Data<AppState>) -> Result<HttpResponse, Problem> {
    Query::parse(&req, &[])?;
    auth::require(&req, &state, Role::Editor, None).await?;
    let s = state.clone();
    let rows = web::block(move || s.reports.signal_cells())
        .await
        .map_err(Problem::internal)?
        .map_err(Problem::internal)?;
    let mut by_cell: std::collections::BTreeMap<String, serde_json::Map<String, Value>> =
        Default::default();
    for (cell, kind, n) in rows {
        by_cell.entry(cell).or_default().insert(kind, json!(n));
    }
    let features: Vec<Value> = by_cell
        .into_iter()
        .filter_map(|(cell, counts)| {
            let geom = cell_outline(&cell)?;
            Some(json!({"type": "Feature", "id": cell, "geometry": geojson::Geometry::from(&geom),
                        "properties": {"cell_id": cell, "no_mobile_signal": counts.get("no_mobile_signal").cloned().unwrap_or(json!(0)),
                                       "no_home_internet": counts.get("no_home_internet").cloned().unwrap_or(json!(0))}}))
        })
        .collect();
    Ok(no_store(HttpResponse::Ok())
        .content_type("application/geo+json")
        .json(json!({"type": "FeatureCollection", "features": features})))
}
