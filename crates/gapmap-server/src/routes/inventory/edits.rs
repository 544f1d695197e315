//! Edits of the inventory: `POST /api/v1/{layer}`, `GET|PATCH|DELETE
//! /api/v1/{layer}/{id}` for sites (and the dated equipment and visit
//! records). Every write needs an editor, a top-level `reason` (kept in the
//! audit, not in the feature) and, for a stored feature, `If-Match` with its
//! ETag. The handlers parse and delegate to [`gapmap_inventory::edit`]; after a
//! committed change the snapshot is rebuilt (incrementally where only sites
//! changed) and swapped in before the answer, so the map and the gap
//! figures show it at once.

use super::account::no_store;
use crate::AppState;
use crate::auth;
use crate::problem::{Kind, Problem};
use crate::query::Query;
use actix_web::{HttpRequest, HttpResponse, web};
use gapmap_inventory::accounts::Role;
use gapmap_inventory::edit::{self, EditError, Op, Outcome};
use gapmap_model::Layer;
use gapmap_store::Store;
use gapmap_store::audit::Context;
use serde_json::{Value, json};

/// The layers editable through the API.
pub const EDITABLE: &[Layer] = &[
    Layer::Sites,
    Layer::Equipment,
    Layer::Visits,
    Layer::Buildings,
];

fn layer(name: &str) -> Result<Layer, Problem> {
    EDITABLE
        .iter()
        .copied()
        .find(|l| l.name() == name)
        .ok_or_else(|| Problem::not_found(format!("no editable layer `{name}`")))
}

/// `reason` and `report` taken off a write body; the rest is the feature
/// or patch.
fn take_reason(body: &mut Value) -> Result<(String, Option<String>), Problem> {
    let obj = body.as_object_mut().ok_or_else(|| {
        Problem::invalid_body(
            "the body must be a JSON object",
            vec![json!({"field": "body", "message": "not an object"})],
        )
    })?;
    let reason = match obj.remove("reason") {
        Some(Value::String(s))
            if !s.trim().is_empty()
                && s.chars().count() <= 500
                && let Some(m) = gapmap_model::values::text_problem("reason", &s) =>
        {
            return Err(Problem::invalid_body(
                format!("`reason`: {m}"),
                vec![json!({"field": "reason", "message": m})],
            ));
        }
        Some(Value::String(s)) if !s.trim().is_empty() && s.chars().count() <= 500 => {
            s.trim().to_owned()
        }
        Some(Value::String(s)) if !s.trim().is_empty() => {
            return Err(Problem::invalid_body(
                "`reason` is too long",
                vec![json!({"field": "reason", "message": "at most 500 characters"})],
            ));
        }
        _ => {
            return Err(Problem::invalid_body(
                "every change needs a short `reason` (kept in the audit log)",
                vec![json!({"field": "reason", "message": "required: a short text saying why"})],
            ));
        }
    };
    let report = match obj.remove("report") {
        None | Some(Value::Null) => None,
        Some(Value::String(r)) => Some(gapmap_inventory::reports::normalise_reference(&r)),
        Some(_) => {
            return Err(Problem::invalid_body(
                "`report` must be a report reference",
                vec![json!({"field": "report", "message": "a reference such as JN-7K4Q9X"})],
            ));
        }
    };
    Ok((reason, report))
}

fn if_match(req: &HttpRequest) -> Option<String> {
    req.headers()
        .get("if-match")
        .and_then(|v| v.to_str().ok())
        .map(str::to_owned)
}

pub fn problem(e: EditError) -> Problem {
    match e {
        EditError::NotFound(what) => Problem::not_found(format!("no {what}")),
        EditError::Exists(what) => Problem::new(
            Kind::Conflict,
            format!("{what} exists already; change it with PATCH"),
        ),
        EditError::PreconditionRequired => Problem::new(Kind::PreconditionRequired, e.to_string()),
        EditError::PreconditionFailed { current } => Problem::new(
            Kind::PreconditionFailed,
            format!(
                "the feature changed since you read it; read it again (ETag now {current}) and repeat your change"
            ),
        ),
        EditError::Invalid(fields) => Problem::invalid_body(
            fields
                .iter()
                .map(|f| format!("`{}`: {}", f.field, f.message))
                .collect::<Vec<_>>()
                .join("; "),
            fields.iter().map(|f| json!(f)).collect(),
        ),
        EditError::BadBody(m) => {
            Problem::invalid_body(m.clone(), vec![json!({"field": "body", "message": m})])
        }
        EditError::Store(e) => Problem::internal(e),
    }
}

/// The editor making the request, then its body (authentication before
/// the body: an anonymous write is a 401 whatever it sends) without its
/// `reason` and `report`.
async fn editor_body(
    req: &HttpRequest,
    state: &web::Data<AppState>,
    payload: web::Payload,
) -> Result<(auth::SignedIn, Value, String, Option<String>), Problem> {
    let who = auth::require(req, state, Role::Editor, None).await?;
    let mut body: Value = crate::body::json(req, payload).await?;
    let (reason, report) = take_reason(&mut body)?;
    Ok((who, body, reason, report))
}

/// One edit by a signed-in editor (the API and the edit pages): linked to
/// its report (which it marks fixed), committed with its audit row, and
/// the new snapshot swapped in; answers the outcome and the new version.
pub async fn commit(
    state: &web::Data<AppState>,
    who: &auth::SignedIn,
    layer: Layer,
    op: Op,
    m: Option<String>,
    reason: String,
    report: Option<String>,
) -> Result<(Outcome, String), Problem> {
    if let Some(r) = &report {
        let s = state.clone();
        let r2 = r.clone();
        let known = web::block(move || s.reports.get(&r2))
            .await
            .map_err(Problem::internal)?
            .map_err(Problem::internal)?;
        if known.is_none() {
            return Err(Problem::invalid_body(
                format!("no report {r}"),
                vec![json!({"field": "report", "message": "no such report"})],
            ));
        }
    }
    let ctx = Context {
        actor: who.principal.username.clone(),
        reason,
        report_ref: report.clone(),
    };
    let s = state.clone();
    let outcome = web::block(move || {
        let mut store = Store::open(&s.store).map_err(EditError::Store)?;
        edit::apply(&mut store, layer, op, m.as_deref(), &ctx)
    })
    .await
    .map_err(Problem::internal)?
    .map_err(problem)?;
    if outcome.changed
        && let Some(r) = report
    {
        let s = state.clone();
        let ctx = Context {
            actor: who.principal.username.clone(),
            reason: format!("fixed by an edit of {} `{}`", layer, outcome.id),
            report_ref: None,
        };
        web::block(move || {
            s.reports
                .decide(&r, gapmap_inventory::reports::Decision::Fixed, &ctx)
        })
        .await
        .map_err(Problem::internal)?
        .map_err(Problem::internal)?;
    }
    let s = state.clone();
    let version = web::block(move || s.reloader.reload_now())
        .await
        .map_err(Problem::internal)?
        .map_err(Problem::internal)?;
    Ok((outcome, version))
}

fn answer(mut r: actix_web::HttpResponseBuilder, o: &Outcome, version: &str) -> HttpResponse {
    if let Some(tag) = &o.etag {
        r.insert_header(("ETag", tag.as_str()));
    }
    no_store(r).json(json!({"feature": o.feature, "revision": o.revision, "changed": o.changed, "snapshot_version": version}))
}

#[utoipa::path(post, path = "/api/v1/{layer}", tag = "inventory", security(("bearer" = []), ("session" = [], "csrf" = [])), params(("layer" = String, Path, description = "equipment, visits or buildings", pattern = "^(equipment|visits|buildings)$")), responses(
        (status = 201, description = "Created: the feature, the store revision, `changed` and the snapshot version now serving; Location and ETag name it", content_type = "application/json"),
        (status = 400, description = "The body is not JSON of the documented shape, or a field is invalid (the problem names every field; the ingest's rules: kinds, parishes, opening hours, dates, coordinates)", content_type = "application/problem+json"),
        (status = 401, description = "Nobody is signed in, or the API token is unknown or revoked", content_type = "application/problem+json"),
        (status = 403, description = "A request from another site's page, a session's change without its X-CSRF-Token, or too small a role", content_type = "application/problem+json"),
        (status = 404, description = "No editable layer of this name", content_type = "application/problem+json"),
        (status = 409, description = "A feature with this id exists already; change it with PATCH", content_type = "application/problem+json"),
        (status = 413, description = "The body is too large", content_type = "application/problem+json"),
        (status = 408, description = "The body did not arrive in time (10 s between pieces, 30 s in all); the connection is closed", content_type = "application/problem+json"),
        (status = 415, description = "The body is not JSON (send Content-Type: application/json)", content_type = "application/problem+json")))]
/// `POST /api/v1/{layer}`: a GeoJSON Feature and a `reason`.
pub async fn create(
    req: HttpRequest,
    state: web::Data<AppState>,
    path: web::Path<String>,
    body: web::Payload,
) -> Result<HttpResponse, Problem> {
    create_in(req, state, layer(&path)?, body).await
}

#[utoipa::path(post, path = "/api/v1/sites", tag = "inventory", security(("bearer" = []), ("session" = [], "csrf" = [])), responses(
        (status = 201, description = "Created: the feature, the store revision, `changed` and the snapshot version now serving; Location and ETag name it", content_type = "application/json"),
        (status = 400, description = "The body is not JSON of the documented shape, or a field is invalid (the problem names every field; the ingest's rules: kinds, parishes, opening hours, dates, coordinates)", content_type = "application/problem+json"),
        (status = 401, description = "Nobody is signed in, or the API token is unknown or revoked", content_type = "application/problem+json"),
        (status = 403, description = "A request from another site's page, a session's change without its X-CSRF-Token, or too small a role", content_type = "application/problem+json"),
        (status = 409, description = "A site with this id exists already; change it with PATCH", content_type = "application/problem+json"),
        (status = 413, description = "The body is too large", content_type = "application/problem+json"),
        (status = 408, description = "The body did not arrive in time (10 s between pieces, 30 s in all); the connection is closed", content_type = "application/problem+json"),
        (status = 415, description = "The body is not JSON (send Content-Type: application/json)", content_type = "application/problem+json")))]
/// `POST /api/v1/sites` (the list resource also answers public reads).
pub async fn create_site(
    req: HttpRequest,
    state: web::Data<AppState>,
    body: web::Payload,
) -> Result<HttpResponse, Problem> {
    create_in(req, state, Layer::Sites, body).await
}

async fn create_in(
    req: HttpRequest,
    state: web::Data<AppState>,
    layer: Layer,
    payload: web::Payload,
) -> Result<HttpResponse, Problem> {
    let (who, body, reason, report) = editor_body(&req, &state, payload).await?;
    let (o, version) = commit(&state, &who, layer, Op::Create(body), None, reason, report).await?;
    let mut r = HttpResponse::Created();
    r.insert_header((
        "Location",
        format!("/api/v1/{}/{}", layer.name(), crate::links::encode(&o.id)),
    ));
    Ok(answer(r, &o, &version))
}

#[utoipa::path(get, path = "/api/v1/{layer}/{id}", tag = "inventory", params(("layer" = String, Path, description = "sites, equipment, visits or buildings", pattern = "^(sites|equipment|visits|buildings)$", example = "sites"), ("id" = String, Path, description = "The feature's id", example = "library-vilce")), responses(
        (status = 200, description = "The stored feature (every field of its layer) with its ETag, for If-Match", content_type = "application/geo+json"),
        (status = 400, description = "A query parameter was given (there are none)", content_type = "application/problem+json"),
        (status = 404, description = "No such layer or feature", content_type = "application/problem+json")))]
/// `GET /api/v1/{layer}/{id}`: the stored feature with its ETag.
pub async fn get_one(
    req: HttpRequest,
    state: web::Data<AppState>,
    path: web::Path<(String, String)>,
) -> Result<HttpResponse, Problem> {
    Query::parse(&req, &[])?;
    let (name, id) = path.into_inner();
    let layer = layer(&name)?;
    let s = state.clone();
    let id2 = id.clone();
    let found = web::block(move || {
        let mut store = Store::open(&s.store)?;
        edit::current(&mut store, layer, &id2)
    })
    .await
    .map_err(Problem::internal)?
    .map_err(Problem::internal)?;
    let (feature, etag) = found.ok_or_else(|| Problem::not_found(format!("no {layer} `{id}`")))?;
    Ok(HttpResponse::Ok()
        .insert_header(("ETag", etag))
        .insert_header(("Cache-Control", "no-cache"))
        .content_type("application/geo+json")
        .json(feature))
}

#[utoipa::path(patch, path = "/api/v1/{layer}/{id}", tag = "inventory", security(("bearer" = []), ("session" = [], "csrf" = [])), params(("layer" = String, Path, description = "sites, equipment, visits or buildings", pattern = "^(sites|equipment|visits|buildings)$"), ("id" = String, Path, description = "The feature's id"), ("If-Match" = String, Header, description = "The ETag of the feature as you read it (GET); a stale one is refused with 412")), responses(
        (status = 200, description = "Changed: the feature as it is now, the store revision, `changed` (false when the change changed nothing) and the snapshot version now serving; ETag is the new one", content_type = "application/json"),
        (status = 400, description = "The body is not JSON of the documented shape, or a field is invalid (the problem names every field; the ingest's rules: kinds, parishes, opening hours, dates, coordinates)", content_type = "application/problem+json"),
        (status = 401, description = "Nobody is signed in, or the API token is unknown or revoked", content_type = "application/problem+json"),
        (status = 403, description = "A request from another site's page, a session's change without its X-CSRF-Token, or too small a role", content_type = "application/problem+json"),
        (status = 404, description = "No such layer or feature", content_type = "application/problem+json"),
        (status = 412, description = "The feature changed since it was read (If-Match is stale): read it again", content_type = "application/problem+json"),
        (status = 413, description = "The body is too large", content_type = "application/problem+json"),
        (status = 408, description = "The body did not arrive in time (10 s between pieces, 30 s in all); the connection is closed", content_type = "application/problem+json"),
        (status = 415, description = "The body is not JSON (send Content-Type: application/json)", content_type = "application/problem+json"),
        (status = 428, description = "If-Match is missing", content_type = "application/problem+json")))]
/// `PATCH /api/v1/{layer}/{id}`: a JSON Merge Patch of the Feature and a `reason`.
pub async fn patch(
    req: HttpRequest,
    state: web::Data<AppState>,
    path: web::Path<(String, String)>,
    body: web::Payload,
) -> Result<HttpResponse, Problem> {
    change_one(req, state, path, body, |id, patch| Op::Patch { id, patch }).await
}

#[utoipa::path(delete, path = "/api/v1/{layer}/{id}", tag = "inventory", security(("bearer" = []), ("session" = [], "csrf" = [])), params(("layer" = String, Path, description = "sites, equipment, visits or buildings", pattern = "^(sites|equipment|visits|buildings)$"), ("id" = String, Path, description = "The feature's id"), ("If-Match" = String, Header, description = "The ETag of the feature as you read it (GET); a stale one is refused with 412")), responses(
        (status = 200, description = "Retired (a site) or dated retired_on (equipment): the feature as it is now; a visit is withdrawn (feature null, no ETag), the store revision, `changed` (false when the change changed nothing) and the snapshot version now serving; ETag is the new one", content_type = "application/json"),
        (status = 400, description = "The body is not JSON of the documented shape, or a field is invalid (the problem names every field; the ingest's rules: kinds, parishes, opening hours, dates, coordinates)", content_type = "application/problem+json"),
        (status = 401, description = "Nobody is signed in, or the API token is unknown or revoked", content_type = "application/problem+json"),
        (status = 403, description = "A request from another site's page, a session's change without its X-CSRF-Token, or too small a role", content_type = "application/problem+json"),
        (status = 404, description = "No such layer or feature", content_type = "application/problem+json"),
        (status = 412, description = "The feature changed since it was read (If-Match is stale): read it again", content_type = "application/problem+json"),
        (status = 413, description = "The body is too large", content_type = "application/problem+json"),
        (status = 408, description = "The body did not arrive in time (10 s between pieces, 30 s in all); the connection is closed", content_type = "application/problem+json"),
        (status = 415, description = "The body is not JSON (send Content-Type: application/json)", content_type = "application/problem+json"),
        (status = 428, description = "If-Match is missing", content_type = "application/problem+json")))]
/// `DELETE /api/v1/{layer}/{id}` with `{"reason": …}`: a site becomes
/// `retired` and equipment gets its `retired_on` (both kept, with their
/// history); a visit is withdrawn (the audit keeps what it was).
pub async fn retire(
    req: HttpRequest,
    state: web::Data<AppState>,
    path: web::Path<(String, String)>,
    body: web::Payload,
) -> Result<HttpResponse, Problem> {
    change_one(req, state, path, body, |id, _| Op::Retire { id }).await
}

/// A change to the stored feature of the path (`PATCH`, `DELETE`): `op`
/// made from its id and the body without `reason` and `report`.
async fn change_one(
    req: HttpRequest,
    state: web::Data<AppState>,
    path: web::Path<(String, String)>,
    payload: web::Payload,
    op: fn(String, Value) -> Op,
) -> Result<HttpResponse, Problem> {
    let (name, id) = path.into_inner();
    let layer = layer(&name)?;
    let (who, body, reason, report) = editor_body(&req, &state, payload).await?;
    let m = if_match(&req);
    let (o, version) = commit(&state, &who, layer, op(id, body), m, reason, report).await?;
    Ok(answer(HttpResponse::Ok(), &o, &version))
}
