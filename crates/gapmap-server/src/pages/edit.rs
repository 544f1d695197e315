//! The IT department's pages: signing in and out (`/sign-in`,
//! `/sign-out`), the inventory (`/edit`), one form per place, equipment
//! record or mobile-class visit (`/edit/{layer}/new`, `/edit/{layer}/{id}`)
//! and the review queue of residents' reports (`/edit/reports`).
//!
//! Plain HTML forms posted to the server (no script needed): each carries
//! the session's CSRF token, an edit also the ETag it was read at, so a
//! stale form gets "someone changed this place meanwhile" instead of
//! overwriting. The fields come from the layer's schema; every edit goes
//! through the same path as the API (`routes::inventory::edits::commit`):
//! validated as ingest validates, one transaction with its audit row, the
//! new snapshot swapped in before the answer.

use super::form::{self, Posted};
use super::i18n::{Lang, t};
use super::{PageQuery, base_context, href, render};
use crate::AppState;
use crate::auth::{self, SignedIn};
use crate::problem::{Kind, Problem};
use crate::routes::inventory::{account, edits, reports as report_api};
use actix_web::http::{StatusCode, header};
use actix_web::{HttpRequest, HttpResponse, web};
use gapmap_engine::snapshot::Snapshot;
use gapmap_inventory::accounts::{AuthError, Role, WaitScope};
use gapmap_inventory::edit::{self as core_edit, Op};
use gapmap_inventory::reports::{Decision, Report};
use gapmap_model::Layer;
use gapmap_model::schema::{Field, FieldType, LayerSchema};
use gapmap_store::Store;
use serde_json::{Map, Value, json};

/// Fields the form does not offer: derived by the server or kept by
/// ingest alone.
const HIDDEN_FIELDS: &[&str] = &["coordinate_quality", "outside_municipality", "candidate"];

pub(super) fn see_other(to: &str) -> HttpResponse {
    HttpResponse::SeeOther()
        .insert_header((header::LOCATION, to.to_owned()))
        .insert_header((header::CACHE_CONTROL, "no-store"))
        .finish()
}

/// The signed-in editor of a page, or the way to the sign-in page.
pub(super) async fn editor(
    req: &HttpRequest,
    state: &web::Data<AppState>,
) -> Result<Result<SignedIn, HttpResponse>, Problem> {
    let lang = PageQuery::parse(req).lang();
    match auth::signed_in(req, state).await? {
        Some(who) if who.principal.role.allows(Role::Editor) => Ok(Ok(who)),
        _ => {
            let next = req.uri().path_and_query().map_or("/edit", |p| p.as_str());
            let q = serde_urlencoded::to_string([("next", next)]).unwrap_or_default();
            Ok(Err(see_other(&href(lang, &format!("/sign-in?{q}")))))
        }
    }
}

/// The context of an editor's page: who is signed in and the token every
/// form posts back.
pub(super) fn editor_context(
    state: &AppState,
    q: &PageQuery,
    path: &str,
    page: &str,
    who: &SignedIn,
) -> Map<String, Value> {
    let mut ctx = base_context(state, q, path, page);
    ctx.insert(
        "who".into(),
        json!({"username": who.principal.username, "role": who.principal.role.to_string()}),
    );
    ctx.insert("csrf".into(), json!(who.csrf.clone().unwrap_or_default()));
    let lang = q.lang();
    ctx.insert(
        "edit_links".into(),
        json!({
            "home": href(lang, "/edit"),
            "reports": href(lang, "/edit/reports"),
            "new_site": href(lang, "/edit/sites/new"),
            "buildings": href(lang, "/edit/buildings"),
            "data": href(lang, "/edit/data"),
            "changes": href(lang, "/changes"),
            "audit_csv": "/api/v1/audit?f=csv",
            "sign_out": href(lang, "/sign-out"),
        }),
    );
    ctx
}

// ---------------------------------------------------------------- sign-in

fn sign_in_page(
    req: &HttpRequest,
    state: &AppState,
    q: &PageQuery,
    username: &str,
    error: Option<String>,
) -> Result<HttpResponse, Problem> {
    let ctx = base_context(state, q, "/sign-in", "sign-in");
    let mut page = Map::new();
    page.insert("username".into(), json!(username));
    page.insert("next".into(), json!(safe_next(q.get("next"))));
    let failed = error.is_some();
    page.insert(
        "errors".into(),
        json!(
            error
                .map(|m| vec![form::error("username", m)])
                .unwrap_or_default()
        ),
    );
    page.insert("action".into(), json!(href(q.lang(), "/sign-in")));
    let mut r = render(req, "sign_in.html", ctx, page)?;
    if failed {
        *r.status_mut() = StatusCode::UNAUTHORIZED;
    }
    Ok(r)
}

/// Only a path of this site is followed after signing in: `next` is
/// resolved as a browser resolves a link (tabs and line breaks dropped,
/// `\` read as `/`, dot segments removed) against this site, and kept —
/// as its path and query, percent-encoded — only when it stays on this
/// site; anything else goes to the editor's start page.
pub fn safe_next(next: Option<&str>) -> String {
    let fallback = || "/edit".to_owned();
    let Some(n) = next.filter(|n| n.starts_with('/')) else {
        return fallback();
    };
    let Ok(base) = url::Url::parse("http://gapmap.invalid/") else {
        return fallback();
    };
    match base.join(n) {
        Ok(u) if u.origin() == base.origin() => match u.query() {
            Some(q) => format!("{}?{q}", u.path()),
            None => u.path().to_owned(),
        },
        _ => fallback(),
    }
}

/// `GET /sign-in`
pub async fn sign_in_form(
    req: HttpRequest,
    state: web::Data<AppState>,
) -> Result<HttpResponse, Problem> {
    let q = PageQuery::parse(&req);
    sign_in_page(&req, &state, &q, "", None)
}

/// `POST /sign-in`: the session cookie, then on to `next`.
pub async fn sign_in(
    req: HttpRequest,
    state: web::Data<AppState>,
    body: web::Form<Vec<(String, String)>>,
) -> Result<HttpResponse, Problem> {
    let q = PageQuery::parse(&req);
    let lang = q.lang();
    let f = Posted::new(body.into_inner());
    let username = f.text("username").to_owned();
    let password = f.raw("password").to_owned();
    match account::sign_in_with(&req, &state, username.clone(), password).await? {
        Ok((_, session)) => {
            let next = safe_next(f.get("next"));
            Ok(HttpResponse::SeeOther()
                .cookie(auth::session_cookie(
                    &session.id,
                    auth::is_secure(&req),
                    gapmap_inventory::accounts::SESSION_HOURS_S,
                ))
                .insert_header((header::LOCATION, href(lang, &next)))
                .insert_header((header::CACHE_CONTROL, "no-store"))
                .finish())
        }
        Err(AuthError::Wait { scope, seconds }) => {
            let key = match scope {
                WaitScope::Pair => "signin.error.wait_pair",
                WaitScope::Address => "signin.error.wait_address",
            };
            let m = t(lang, key).replace("{seconds}", &seconds.to_string());
            let mut r = sign_in_page(&req, &state, &q, &username, Some(m))?;
            *r.status_mut() = StatusCode::TOO_MANY_REQUESTS;
            r.headers_mut().insert(
                header::RETRY_AFTER,
                header::HeaderValue::from(seconds.max(1)),
            );
            Ok(r)
        }
        Err(_) => sign_in_page(
            &req,
            &state,
            &q,
            &username,
            Some(t(lang, "signin.error.wrong").to_owned()),
        ),
    }
}

/// `POST /sign-out`
pub async fn sign_out(
    req: HttpRequest,
    state: web::Data<AppState>,
    body: web::Payload,
) -> Result<HttpResponse, Problem> {
    auth::require_form(&req, &state, Role::Editor, body).await?;
    account::end_session(&req, &state).await?;
    let lang = PageQuery::parse(&req).lang();
    Ok(HttpResponse::SeeOther()
        .cookie(auth::clear_cookie(auth::is_secure(&req)))
        .insert_header((header::LOCATION, href(lang, "/")))
        .finish())
}

// ---------------------------------------------------------------- the list

/// `GET /edit?q=`: every place, by parish, with its equipment count; a
/// filter by name.
pub async fn home(req: HttpRequest, state: web::Data<AppState>) -> Result<HttpResponse, Problem> {
    let who = match editor(&req, &state).await? {
        Ok(w) => w,
        Err(go) => return Ok(go),
    };
    let q = PageQuery::parse(&req);
    let lang = q.lang();
    let snap = state.live.get();
    let filter = q
        .get("q")
        .map(|s| gapmap_geo::text::fold(s.trim()))
        .unwrap_or_default();
    let parish_name = |id: &Option<String>| {
        id.as_deref()
            .and_then(|id| snap.parish_name(id))
            .unwrap_or_default()
            .to_owned()
    };
    let mut rows: Vec<(String, String, Value)> = snap
        .sites
        .iter()
        .filter(|s| filter.is_empty() || gapmap_geo::text::fold(&s.name).contains(&filter))
        .map(|s| {
            let equipment = snap.equipment.iter().filter(|e| e.site_id == s.id).count();
            let parish = parish_name(&s.parish_id);
            (
                parish.clone(),
                s.name.clone(),
                json!({
                    "name": s.name,
                    "parish": parish,
                    "kind": t(lang, &format!("kind.{}", s.kind.as_str())),
                    "status": t(lang, &format!("field.status.{}", s.status.as_str())),
                    "equipment": equipment,
                    "href": href(lang, &format!("/edit/sites/{}", crate::links::encode(&s.id))),
                    "source": s.provenance.source.as_str(),
                }),
            )
        })
        .collect();
    rows.sort_by(|a, b| (&a.0, &a.1).cmp(&(&b.0, &b.1)));
    let s = state.clone();
    let waiting = web::block(move || s.reports.list(Some("received")))
        .await
        .map_err(Problem::internal)?
        .map_err(Problem::internal)?
        .len();
    let ctx = editor_context(&state, &q, "/edit", "edit", &who);
    let mut page = Map::new();
    page.insert(
        "sites".into(),
        json!(rows.into_iter().map(|r| r.2).collect::<Vec<_>>()),
    );
    page.insert("q".into(), json!(q.get("q").unwrap_or("")));
    page.insert("waiting".into(), json!(waiting));
    render(&req, "edit_list.html", ctx, page)
}

// ---------------------------------------------------------------- one feature

fn editable(name: &str) -> Option<Layer> {
    edits::EDITABLE.iter().copied().find(|l| l.name() == name)
}

fn field_label(lang: Lang, name: &str) -> String {
    match t(lang, &format!("field.{name}")) {
        "" => name.replace('_', " "),
        w => w.to_owned(),
    }
}

/// A stored value as the text of a form field.
fn as_text(v: &Value) -> String {
    match v {
        Value::Null => String::new(),
        Value::String(s) => s.clone(),
        Value::Array(a) => a
            .iter()
            .map(|x| x.as_str().map_or_else(|| x.to_string(), str::to_owned))
            .collect::<Vec<_>>()
            .join("; "),
        other => other.to_string(),
    }
}

/// The form's fields for a layer, filled from `values` (field → text).
fn fields(lang: Lang, layer: Layer, values: &Map<String, Value>, errors: &[Value]) -> Vec<Value> {
    LayerSchema::of(layer)
        .all_fields()
        .filter(|f| !HIDDEN_FIELDS.contains(&f.name))
        .map(|f| {
            let value = values.get(f.name).map(as_text).unwrap_or_default();
            let error = errors
                .iter()
                .find(|e| e["field"] == f.name)
                .and_then(|e| e["message"].as_str())
                .map(str::to_owned);
            let (control, options) = match f.ty {
                FieldType::Enum(vals) => (
                    "select",
                    vals.iter()
                        .map(|v| json!({"value": v, "label": option_label(lang, f.name, v), "selected": *v == value}))
                        .collect::<Vec<_>>(),
                ),
                FieldType::Bool => (
                    "select",
                    [("", "field.bool.unknown"), ("true", "field.bool.yes"), ("false", "field.bool.no")]
                        .iter()
                        .map(|(v, k)| json!({"value": v, "label": t(lang, k), "selected": *v == value}))
                        .collect(),
                ),
                FieldType::Count | FieldType::Year | FieldType::NonNegative => ("number", Vec::new()),
                FieldType::Date => ("date", Vec::new()),
                _ => ("text", Vec::new()),
            };
            let hint = t(lang, &format!("field.hint.{}", f.name));
            json!({
                "name": f.name,
                "label": field_label(lang, f.name),
                "hint": hint,
                "required": matches!(f.presence, gapmap_model::schema::Presence::Required),
                "control": control,
                "options": options,
                "value": value,
                "error": error,
                "step": if matches!(f.ty, FieldType::NonNegative) { "any" } else { "1" },
            })
        })
        .collect()
}

fn option_label(lang: Lang, field: &str, value: &str) -> String {
    let key = match field {
        "kind" => format!("kind.{value}"),
        _ => format!("field.{field}.{value}"),
    };
    match t(lang, &key) {
        "" => value.replace('_', " "),
        w => w.to_owned(),
    }
}

/// A form field's text as the JSON value its type needs (`null` when
/// empty; a number that does not parse is kept as text so validation
/// names the field).
fn typed(f: &Field, text: &str) -> Value {
    let text = text.trim();
    if text.is_empty() {
        return Value::Null;
    }
    match f.ty {
        FieldType::Count | FieldType::Year => text
            .parse::<i64>()
            .map_or_else(|_| json!(text), |n| json!(n)),
        FieldType::NonNegative => text
            .replace(',', ".")
            .parse::<f64>()
            .map_or_else(|_| json!(text), |n| json!(n)),
        FieldType::Bool => match text {
            "true" => json!(true),
            "false" => json!(false),
            other => json!(other),
        },
        FieldType::TextList => json!(
            text.split(';')
                .map(str::trim)
                .filter(|s| !s.is_empty())
                .collect::<Vec<_>>()
        ),
        _ => json!(text),
    }
}

/// The properties a posted form gives (every offered field; an empty one
/// removes the value).
fn posted_properties(layer: Layer, f: &Posted) -> Map<String, Value> {
    LayerSchema::of(layer)
        .all_fields()
        .filter(|fl| !HIDDEN_FIELDS.contains(&fl.name))
        .map(|fl| (fl.name.to_owned(), typed(fl, f.text(fl.name))))
        .collect()
}

/// A posted point (sites): `lon` and `lat`, or none when both are empty.
fn posted_point(lang: Lang, f: &Posted, errors: &mut Vec<Value>) -> Option<Value> {
    let (lon, lat) = (
        f.text("lon").replace(',', "."),
        f.text("lat").replace(',', "."),
    );
    if lon.is_empty() && lat.is_empty() {
        return None;
    }
    match (lon.parse::<f64>(), lat.parse::<f64>()) {
        (Ok(x), Ok(y)) => Some(json!({"type": "Point", "coordinates": [x, y]})),
        _ => {
            errors.push(form::error("lon", t(lang, "edit.error.point").to_owned()));
            None
        }
    }
}

struct FormState<'a> {
    layer: Layer,
    id: Option<&'a str>,
    values: Map<String, Value>,
    lon_lat: (String, String),
    etag: String,
    report: String,
    reason: String,
    errors: Vec<Value>,
    saved: bool,
}

fn form_page(
    req: &HttpRequest,
    state: &AppState,
    who: &SignedIn,
    s: FormState<'_>,
) -> Result<HttpResponse, Problem> {
    let q = PageQuery::parse(req);
    let lang = q.lang();
    let path = match s.id {
        Some(id) => format!("/edit/{}/{}", s.layer.name(), crate::links::encode(id)),
        None => format!("/edit/{}/new", s.layer.name()),
    };
    let mut ctx = editor_context(state, &q, &path, "edit-form", who);
    let failed = !s.errors.is_empty();
    let title = match (s.id, s.values.get("name").and_then(|v| v.as_str())) {
        (Some(_), Some(name)) => name.to_owned(),
        (Some(id), None) => id.to_owned(),
        (None, _) => t(lang, &format!("edit.new.{}", s.layer.name())).to_owned(),
    };
    let mut page = Map::new();
    page.insert("title".into(), json!(title));
    page.insert("layer".into(), json!(s.layer.name()));
    page.insert("is_new".into(), json!(s.id.is_none()));
    page.insert(
        "fields".into(),
        json!(fields(lang, s.layer, &s.values, &s.errors)),
    );
    page.insert(
        "has_point".into(),
        json!(matches!(s.layer, Layer::Sites | Layer::Buildings)),
    );
    page.insert("lon".into(), json!(s.lon_lat.0));
    page.insert("lat".into(), json!(s.lon_lat.1));
    page.insert("etag".into(), json!(s.etag));
    page.insert("report".into(), json!(s.report));
    page.insert("reason".into(), json!(s.reason));
    page.insert(
        "reason_error".into(),
        json!(
            s.errors
                .iter()
                .find(|e| e["field"] == "reason")
                .and_then(|e| e["message"].as_str())
        ),
    );
    page.insert("errors".into(), json!(s.errors));
    page.insert("saved".into(), json!(s.saved));
    page.insert("action".into(), json!(href(lang, &path)));
    if let Some(id) = s.id
        && s.layer == Layer::Sites
    {
        let snap = state.live.get();
        let equipment: Vec<Value> = snap
            .equipment
            .iter()
            .filter(|e| e.site_id == id)
            .map(|e| {
                json!({"id": e.id, "label": option_label(lang, "type", e.kind.as_str()),
                             "href": href(lang, &format!("/edit/equipment/{}", crate::links::encode(&e.id)))})
            })
            .collect();
        page.insert("equipment".into(), json!(equipment));
        page.insert(
            "new_equipment".into(),
            json!(href(lang, &format!("/edit/equipment/new?site_id={id}"))),
        );
        page.insert(
            "new_visit".into(),
            json!(href(lang, &format!("/edit/visits/new?site_id={id}"))),
        );
    }
    ctx.extend(page);
    let mut r = render(req, "edit_form.html", ctx, Map::new())?;
    if failed {
        *r.status_mut() = StatusCode::BAD_REQUEST;
    }
    Ok(r)
}

fn not_found(req: &HttpRequest, state: &AppState) -> Result<HttpResponse, Problem> {
    let lang = PageQuery::parse(req).lang();
    super::error_page(
        req,
        state,
        StatusCode::NOT_FOUND,
        t(lang, "edit.not_found").to_owned(),
    )
}

/// `GET /edit/{layer}/{id}` (`id` = `new`: an empty form; `?site_id=`
/// prefills the place of new equipment or a visit; `?report=` links the
/// edit to an accepted report).
pub async fn feature(
    req: HttpRequest,
    state: web::Data<AppState>,
    path: web::Path<(String, String)>,
) -> Result<HttpResponse, Problem> {
    let who = match editor(&req, &state).await? {
        Ok(w) => w,
        Err(go) => return Ok(go),
    };
    let (layer_name, id) = path.into_inner();
    let Some(layer) = editable(&layer_name) else {
        return not_found(&req, &state);
    };
    let q = PageQuery::parse(&req);
    let report = q.get("report").unwrap_or("").to_owned();
    if id == "new" {
        let mut values = Map::new();
        values.insert("source".into(), json!("official"));
        values.insert(
            "as_of".into(),
            json!(chrono::Utc::now().date_naive().to_string()),
        );
        if let Some(site) = q.get("site_id") {
            values.insert("site_id".into(), json!(site));
        }
        return form_page(
            &req,
            &state,
            &who,
            FormState {
                layer,
                id: None,
                values,
                lon_lat: Default::default(),
                etag: String::new(),
                report,
                reason: String::new(),
                errors: Vec::new(),
                saved: false,
            },
        );
    }
    let s = state.clone();
    let id2 = id.clone();
    let found = web::block(move || {
        let mut store = Store::open(&s.store)?;
        core_edit::current(&mut store, layer, &id2)
    })
    .await
    .map_err(Problem::internal)?
    .map_err(Problem::internal)?;
    let Some((feature, etag)) = found else {
        return not_found(&req, &state);
    };
    let values = feature["properties"]
        .as_object()
        .cloned()
        .unwrap_or_default();
    let lon_lat = feature["geometry"]["coordinates"]
        .as_array()
        .map(|c| (as_text(&c[0]), as_text(&c[1])))
        .unwrap_or_default();
    form_page(
        &req,
        &state,
        &who,
        FormState {
            layer,
            id: Some(&id),
            values,
            lon_lat,
            etag,
            report,
            reason: String::new(),
            errors: Vec::new(),
            saved: q.get("saved") == Some("1"),
        },
    )
}

/// `POST /edit/{layer}/{id}`: save the form (`action=save`) or retire the
/// feature (`action=retire`); `id` = `new` creates one.
pub async fn save(
    req: HttpRequest,
    state: web::Data<AppState>,
    path: web::Path<(String, String)>,
    body: web::Payload,
) -> Result<HttpResponse, Problem> {
    let (layer_name, id) = path.into_inner();
    let Some(layer) = editable(&layer_name) else {
        return not_found(&req, &state);
    };
    let (who, f) = auth::require_form(&req, &state, Role::Editor, body).await?;
    let lang = PageQuery::parse(&req).lang();
    let mut errors = Vec::new();
    let reason = f.text("reason").to_owned();
    if reason.is_empty() {
        errors.push(form::error(
            "reason",
            t(lang, "edit.error.reason").to_owned(),
        ));
    }
    let props = posted_properties(layer, &f);
    let point = if matches!(layer, Layer::Sites | Layer::Buildings) {
        posted_point(lang, &f, &mut errors)
    } else {
        None
    };
    let is_new = id == "new";
    let again = |errors: Vec<Value>| FormState {
        layer,
        id: (!is_new).then_some(id.as_str()),
        values: f.values().as_object().cloned().unwrap_or_default(),
        lon_lat: (f.text("lon").to_owned(), f.text("lat").to_owned()),
        etag: f.text("etag").to_owned(),
        report: f.text("report").to_owned(),
        reason: reason.clone(),
        errors,
        saved: false,
    };
    if !errors.is_empty() {
        return form_page(&req, &state, &who, again(errors));
    }
    let op = posted_op(&id, &f, props, point);
    let etag = Some(f.text("etag").to_owned()).filter(|e| !e.is_empty());
    let report = Some(f.text("report").to_owned()).filter(|r| !r.is_empty());
    match edits::commit(&state, &who, layer, op, etag, reason.clone(), report).await {
        Ok((outcome, _)) => {
            let to = if outcome.etag.is_some() {
                format!(
                    "/edit/{}/{}?saved=1",
                    layer.name(),
                    crate::links::encode(&outcome.id)
                )
            } else {
                "/edit".to_owned()
            };
            Ok(see_other(&href(lang, &to)))
        }
        Err(p) => form_page(&req, &state, &who, again(refused(lang, p)?)),
    }
}

/// The edit a posted form asks for: a new feature (`id` = `new`, with the
/// form's `id` when given), the feature retired (`action=retire`), or its
/// properties and point patched.
fn posted_op(id: &str, f: &Posted, props: Map<String, Value>, point: Option<Value>) -> Op {
    if id == "new" {
        let new_id = f.text("id");
        let mut feature = json!({"type": "Feature", "properties": props, "geometry": point});
        if !new_id.is_empty() {
            feature["id"] = json!(new_id);
        }
        Op::Create(feature)
    } else if f.get("action") == Some("retire") {
        Op::Retire { id: id.to_owned() }
    } else {
        let mut patch = json!({"properties": props});
        if let Some(p) = point {
            patch["geometry"] = p;
        }
        Op::Patch {
            id: id.to_owned(),
            patch,
        }
    }
}

/// A refused edit as the form's errors (invalid fields, a stale form, an
/// id taken); any other problem stays the answer.
fn refused(lang: Lang, p: Problem) -> Result<Vec<Value>, Problem> {
    Ok(match p.kind {
        Kind::InvalidBody => form::errors_of(lang, "edit.error", &p),
        Kind::PreconditionFailed => {
            vec![form::error("", t(lang, "edit.error.stale").to_owned())]
        }
        Kind::Conflict => vec![form::error("id", t(lang, "edit.error.exists").to_owned())],
        _ => return Err(p),
    })
}

// ---------------------------------------------------------------- reports

/// `GET /edit/reports?status=`: the review queue (received first).
pub async fn queue(req: HttpRequest, state: web::Data<AppState>) -> Result<HttpResponse, Problem> {
    let who = match editor(&req, &state).await? {
        Ok(w) => w,
        Err(go) => return Ok(go),
    };
    let q = PageQuery::parse(&req);
    let lang = q.lang();
    let status = q
        .get("status")
        .filter(|s| gapmap_inventory::reports::STATUSES.contains(s))
        .unwrap_or("received")
        .to_owned();
    let admin = who.principal.role == Role::Admin;
    let list = read_queue(&state, &status, admin).await?;
    let snap = state.live.get();
    let items: Vec<Value> = list
        .into_iter()
        .map(|(r, contact)| queue_item(lang, &snap, r, contact))
        .collect();
    let ctx = editor_context(&state, &q, "/edit/reports", "edit-reports", &who);
    let mut page = Map::new();
    page.insert("reports".into(), json!(items));
    page.insert(
        "statuses".into(),
        json!(gapmap_inventory::reports::STATUSES
            .iter()
            .map(|s| json!({"id": s, "label": t(lang, &format!("report.status.{s}")), "current": *s == status,
                             "href": href(lang, &format!("/edit/reports?status={s}"))}))
            .collect::<Vec<_>>()),
    );
    page.insert("status".into(), json!(status));
    page.insert("admin".into(), json!(admin));
    page.insert(
        "error".into(),
        json!(
            q.get("error")
                .map(|e| t(lang, &format!("review.error.{e}")))
        ),
    );
    render(&req, "review.html", ctx, page)
}

/// The reports with this status, each with its contact when an `admin`
/// reads the queue (read off the worker thread).
async fn read_queue(
    state: &web::Data<AppState>,
    status: &str,
    admin: bool,
) -> Result<Vec<(Report, Option<String>)>, Problem> {
    let s = state.clone();
    let st = status.to_owned();
    web::block(move || {
        let list = s.reports.list(Some(&st))?;
        let mut out = Vec::with_capacity(list.len());
        for r in list {
            let contact = if admin && r.has_contact {
                s.reports.contact(&r.reference)?
            } else {
                None
            };
            out.push((r, contact));
        }
        Ok::<_, gapmap_inventory::reports::ReportError>(out)
    })
    .await
    .map_err(Problem::internal)?
    .map_err(Problem::internal)
}

/// One report of the queue as the page shows it.
fn queue_item(lang: Lang, snap: &Snapshot, r: Report, contact: Option<String>) -> Value {
    let site = r
        .site_id
        .as_ref()
        .and_then(|id| snap.sites.iter().find(|s| &s.id == id));
    let parish = r.parish_id.as_deref().and_then(|p| snap.parish_name(p));
    json!({
        "reference": r.reference,
        "kind": t(lang, &format!("report.kind.{}", r.kind)),
        "site": site.map(|s| s.name.clone()),
        "parish": parish,
        "point": r.lon.zip(r.lat).map(|(x, y)| format!("{y:.5}, {x:.5}")),
        "place": r.place,
        "place_match": r.place_match,
        "text": r.text,
        "received": super::words::date_long(lang, r.created_at.get(..10).unwrap_or("")),
        "contact": contact,
        "has_contact": r.has_contact,
        "status": t(lang, &format!("report.status.{}", r.status)),
        "action": href(lang, &format!("/edit/reports/{}", crate::links::encode(&r.reference))),
    })
}

/// `POST /edit/reports/{reference}`: accept (then on to a prefilled edit of
/// the place it names), reject (a reason is required) or mark fixed.
pub async fn decide(
    req: HttpRequest,
    state: web::Data<AppState>,
    path: web::Path<String>,
    body: web::Payload,
) -> Result<HttpResponse, Problem> {
    let (who, f) = auth::require_form(&req, &state, Role::Editor, body).await?;
    let lang = PageQuery::parse(&req).lang();
    let reference = path.into_inner();
    let reason = f.text("reason");
    let d = match f.get("decision") {
        Some("accept") => Decision::Accept,
        Some("reject") if reason.is_empty() => {
            return Ok(see_other(&href(lang, "/edit/reports?error=reason")));
        }
        Some("reject") => Decision::Reject,
        Some("fixed") => Decision::Fixed,
        _ => return Ok(see_other(&href(lang, "/edit/reports?error=decision"))),
    };
    let r =
        match report_api::decide_as(&state, &who.principal.username, &reference, d, reason).await {
            Ok(r) => r,
            Err(p) if p.kind == Kind::NotFound => return not_found(&req, &state),
            Err(p) if p.kind == Kind::InvalidBody => {
                return Ok(see_other(&href(lang, "/edit/reports?error=decision")));
            }
            Err(p) => return Err(p),
        };
    let to = match (d, &r.site_id) {
        (Decision::Accept, Some(site)) => format!(
            "/edit/sites/{}?report={}",
            crate::links::encode(site),
            crate::links::encode(&r.reference)
        ),
        _ => "/edit/reports".to_owned(),
    };
    Ok(see_other(&href(lang, &to)))
}

#[cfg(test)]
mod tests {
    use super::safe_next;

    #[test]
    fn only_paths_of_this_site_are_followed_after_signing_in() {
        for (next, want) in [
            ("/edit/sites/library-vilce", "/edit/sites/library-vilce"),
            ("/edit?q=Vilce", "/edit?q=Vilce"),
            ("/a/../edit", "/edit"),
            ("/\t/evil.example", "/edit"),
            ("//evil.example", "/edit"),
            ("/\\evil.example", "/edit"),
            ("/\n/evil.example/x", "/edit"),
            ("https://evil.example/", "/edit"),
            ("javascript:alert(1)", "/edit"),
            ("/edit\r\nSet-Cookie: x=1", "/editSet-Cookie:%20x=1"),
            ("/ceļš", "/ce%C4%BC%C5%A1"),
        ] {
            assert_eq!(safe_next(Some(next)), want, "{next:?}");
        }
        assert_eq!(safe_next(None), "/edit");
    }
}
