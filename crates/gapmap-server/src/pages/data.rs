//! The IT department's data pages: `/edit/buildings` (the municipality's
//! buildings, each to its form), and `/edit/data` — when each open source
//! was last updated and what it changed, and the spreadsheet round trip
//! (`/edit/data/{sites|buildings}.csv` to download, an upload that shows
//! every change field by field, then one audited transaction).
//!
//! Handlers parse and delegate: the sheet is [`gapmap_inventory::sheet`],
//! the update log the store's side table.

use super::edit::{editor, editor_context, see_other};
use super::i18n::{Lang, t};
use super::{PageQuery, href, render};
use crate::AppState;
use crate::auth;
use crate::problem::Problem;
use actix_multipart::Multipart;
use actix_web::http::StatusCode;
use actix_web::{HttpRequest, HttpResponse, web};
use futures_util::StreamExt as _;
use gapmap_inventory::accounts::Role;
use gapmap_inventory::sheet;
use gapmap_model::Layer;
use gapmap_store::Store;
use serde_json::{Map, Value, json};

/// `GET /edit/buildings`: every building, by parish.
pub async fn buildings(
    req: HttpRequest,
    state: web::Data<AppState>,
) -> Result<HttpResponse, Problem> {
    let who = match editor(&req, &state).await? {
        Ok(w) => w,
        Err(go) => return Ok(go),
    };
    let q = PageQuery::parse(&req);
    let lang = q.lang();
    let snap = state.live.get();
    let parish = |id: &Option<String>| {
        id.as_deref()
            .and_then(|id| snap.parish_name(id))
            .unwrap_or_default()
            .to_owned()
    };
    let mut rows: Vec<(String, String, Value)> = snap
        .buildings
        .iter()
        .map(|b| {
            let p = parish(&b.parish_id);
            let quality = b
                .coordinate_quality
                .map(|c| c.as_str())
                .unwrap_or("unknown");
            (
                p.clone(),
                b.name.clone(),
                json!({
                    "name": b.name, "parish": p,
                    "kind": t(lang, &format!("kind.{}", b.kind.as_str())),
                    "status": t(lang, &format!("field.status.{}", b.status.as_str())),
                    "quality": t(lang, &format!("field.coordinate_quality.{quality}")),
                    "href": href(lang, &format!("/edit/buildings/{}", b.id)),
                }),
            )
        })
        .collect();
    rows.sort_by(|a, b| (&a.0, &a.1).cmp(&(&b.0, &b.1)));
    let ctx = editor_context(&state, &q, "/edit/buildings", "edit-buildings", &who);
    let mut page = Map::new();
    page.insert(
        "buildings".into(),
        json!(rows.into_iter().map(|r| r.2).collect::<Vec<_>>()),
    );
    page.insert(
        "new_building".into(),
        json!(href(lang, "/edit/buildings/new")),
    );
    render(&req, "edit_buildings.html", ctx, page)
}

/// The last run of each source, newest first per source, in words.
fn source_rows(lang: Lang, store: &gapmap_store::Location) -> Result<Vec<Value>, Problem> {
    let s = Store::open_read_only(store).map_err(Problem::internal)?;
    let runs = s.source_updates(None, 500).map_err(Problem::internal)?;
    let mut out = Vec::new();
    for name in gapmap_model::schema::OPEN_SOURCES {
        let mine: Vec<_> = runs.iter().filter(|u| u.source == *name).collect();
        let last = mine.first();
        let last_good = mine
            .iter()
            .find(|u| u.outcome == "applied" || u.outcome == "unchanged");
        out.push(json!({
            "name": name, "title": t(lang, &format!("data.source.{name}")),
            "location": last.map(|u| u.location.clone()),
            "licence": last_good.and_then(|u| u.licence.clone()),
            "at": last.map(|u| u.at.replace('T', " ").trim_end_matches('Z').to_owned()),
            "outcome": last.map(|u| t(lang, &format!("data.outcome.{}", u.outcome))),
            "failed": last.is_some_and(|u| u.outcome == "failed"),
            "message": last.and_then(|u| u.message.clone()),
            "version": last_good.and_then(|u| u.version.clone()),
            "as_of": last_good.and_then(|u| u.as_of.clone()),
            "changes": last.map(|u| changes_text(lang, &u.changes)).unwrap_or_default(),
        }));
    }
    Ok(out)
}

/// `{"buildings": {"added": 3, …}}` as words per layer.
fn changes_text(lang: Lang, changes: &Value) -> Vec<String> {
    let Some(m) = changes.as_object() else {
        return Vec::new();
    };
    m.iter()
        .map(|(layer, c)| {
            let n = |k: &str| c.get(k).and_then(Value::as_u64).unwrap_or(0).to_string();
            super::i18n::tf(
                lang,
                "data.changes",
                &[
                    ("layer", t(lang, &format!("data.layer.{layer}"))),
                    ("added", &n("added")),
                    ("changed", &n("changed")),
                    ("retired", &n("retired")),
                    ("unchanged", &n("unchanged")),
                ],
            )
        })
        .collect()
}

/// `GET /edit/data`: the open sources and the spreadsheet round trip.
pub async fn data(req: HttpRequest, state: web::Data<AppState>) -> Result<HttpResponse, Problem> {
    let who = match editor(&req, &state).await? {
        Ok(w) => w,
        Err(go) => return Ok(go),
    };
    let q = PageQuery::parse(&req);
    let lang = q.lang();
    let store = state.store.clone();
    let sources = web::block(move || source_rows(lang, &store))
        .await
        .map_err(Problem::internal)??;
    let ctx = editor_context(&state, &q, "/edit/data", "edit-data", &who);
    let mut page = Map::new();
    page.insert("sources".into(), json!(sources));
    page.insert("upload".into(), json!(href(lang, "/edit/data/upload")));
    render(&req, "edit_data.html", ctx, page)
}

/// The largest confirmed sheet (the form carrying the previewed CSV back).
pub const SHEET_FORM_LIMIT: usize = 4 << 20;

/// A 400 problem about the posted form.
fn bad(m: impl Into<String>) -> Problem {
    Problem::invalid_body(m, Vec::new())
}

/// The layer of a sheet's name (`sites`, `buildings`).
fn sheet_layer(name: &str) -> Option<Layer> {
    [Layer::Sites, Layer::Buildings]
        .into_iter()
        .find(|l| l.name() == name)
}

/// `GET /edit/data/{sites|buildings}.csv`: the sheet to edit.
pub async fn download(
    req: HttpRequest,
    state: web::Data<AppState>,
    path: web::Path<String>,
) -> Result<HttpResponse, Problem> {
    auth::require(&req, &state, Role::Editor, None).await?;
    let name = path.into_inner();
    let layer = name
        .strip_suffix(".csv")
        .and_then(sheet_layer)
        .ok_or_else(|| Problem::not_found(format!("no sheet `{name}`")))?;
    let store = state.store.clone();
    let text = web::block(
        move || -> Result<Option<String>, gapmap_store::StoreError> {
            let s = Store::open_read_only(&store)?;
            let records = gapmap_store::FeatureStore::read_layer(&s, layer)?;
            Ok(sheet::download(layer, &records))
        },
    )
    .await
    .map_err(Problem::internal)?
    .map_err(Problem::internal)?
    .unwrap_or_default();
    Ok(HttpResponse::Ok()
        .content_type("text/csv; charset=utf-8")
        .insert_header((
            "Content-Disposition",
            format!("attachment; filename=\"{}\"", name),
        ))
        .insert_header(("Cache-Control", "no-store"))
        .body(text))
}

/// The fields of a posted multipart form (text parts only), at most
/// `limit` bytes in all.
async fn multipart_fields(mut mp: Multipart, limit: usize) -> Result<Map<String, Value>, Problem> {
    let mut out = Map::new();
    let mut total = 0usize;
    while let Some(field) = mp.next().await {
        let mut field = field.map_err(|e| bad(format!("the upload is malformed: {e}")))?;
        let name = field.name().unwrap_or_default().to_owned();
        let mut bytes = Vec::new();
        while let Some(chunk) = field.next().await {
            let chunk = chunk.map_err(|e| bad(format!("the upload broke off: {e}")))?;
            total += chunk.len();
            if total > limit {
                return Err(bad(format!("the upload is larger than {limit} bytes")));
            }
            bytes.extend_from_slice(&chunk);
        }
        out.insert(
            name,
            Value::String(String::from_utf8_lossy(&bytes).into_owned()),
        );
    }
    Ok(out)
}

/// `POST /edit/data/upload` (multipart: `csrf`, `layer`, `file`): the
/// preview of every change, or every bad cell by row and column.
pub async fn upload(
    req: HttpRequest,
    state: web::Data<AppState>,
    mp: Multipart,
) -> Result<HttpResponse, Problem> {
    let f = multipart_fields(mp, state.config.max_body_bytes).await?;
    let text = |k: &str| {
        f.get(k)
            .and_then(Value::as_str)
            .unwrap_or_default()
            .to_owned()
    };
    let who = auth::require(&req, &state, Role::Editor, Some(&text("csrf"))).await?;
    let layer =
        sheet_layer(&text("layer")).ok_or_else(|| bad("`layer` must be sites or buildings"))?;
    let csv = text("file");
    let store = state.store.clone();
    let csv2 = csv.clone();
    let plan = web::block(move || {
        let mut s = Store::open(&store)?;
        sheet::plan(&mut s, layer, &csv2)
    })
    .await
    .map_err(Problem::internal)?
    .map_err(crate::routes::inventory::edits::problem)?;
    preview(&req, &state, &who, layer, &csv, &plan, None)
}

/// The preview page (also after a refused apply).
fn preview(
    req: &HttpRequest,
    state: &AppState,
    who: &auth::SignedIn,
    layer: Layer,
    csv: &str,
    plan: &sheet::Plan,
    error: Option<String>,
) -> Result<HttpResponse, Problem> {
    let q = PageQuery::parse(req);
    let lang = q.lang();
    let ctx = editor_context(state, &q, "/edit/data", "edit-data", who);
    let mut page = Map::new();
    let changes: Vec<Value> = plan
        .changes
        .iter()
        .map(|c| {
            json!({
        "row": c.row, "id": c.id, "field": t(lang, &format!("field.{}", c.field)),
        "before": c.before, "after": c.after})
        })
        .collect();
    page.insert("layer".into(), json!(layer.name()));
    page.insert("changes".into(), json!(changes));
    page.insert("features".into(), json!(plan.features()));
    page.insert("rows".into(), json!(plan.rows));
    page.insert("problems".into(), json!(plan.problems));
    page.insert("revision".into(), json!(plan.revision));
    page.insert("csv".into(), json!(csv));
    page.insert("error".into(), json!(error));
    page.insert("apply".into(), json!(href(lang, "/edit/data/apply")));
    let mut r = render(req, "edit_sheet.html", ctx, page)?;
    if !plan.problems.is_empty() || error.is_some() {
        *r.status_mut() = StatusCode::UNPROCESSABLE_ENTITY;
    }
    Ok(r)
}

/// `POST /edit/data/apply` (`csrf`, `layer`, `csv`, `revision`, `reason`):
/// the previewed changes in one audited transaction, then the new snapshot.
pub async fn apply(
    req: HttpRequest,
    state: web::Data<AppState>,
    body: web::Form<Vec<(String, String)>>,
) -> Result<HttpResponse, Problem> {
    let f = super::form::Posted::new(body.into_inner());
    let who = auth::require(&req, &state, Role::Editor, f.get("csrf")).await?;
    let lang = PageQuery::parse(&req).lang();
    let layer =
        sheet_layer(f.text("layer")).ok_or_else(|| bad("`layer` must be sites or buildings"))?;
    let revision: i64 = f
        .text("revision")
        .parse()
        .map_err(|_| bad("`revision` must be a number"))?;
    let csv = f.raw("csv").to_owned();
    let reason = match f.text("reason") {
        "" => t(lang, "data.sheet_reason_default").to_owned(),
        r => r.to_owned(),
    };
    let ctx = gapmap_store::audit::Context {
        actor: who.principal.username.clone(),
        reason,
        report_ref: None,
    };
    let (store, csv2) = (state.store.clone(), csv.clone());
    let result = web::block(move || {
        let mut s = Store::open(&store)?;
        sheet::apply(&mut s, layer, &csv2, revision, &ctx)
    })
    .await
    .map_err(Problem::internal)?;
    match result {
        Ok((_, Some(_))) => {
            let s = state.clone();
            web::block(move || s.reloader.reload_now())
                .await
                .map_err(Problem::internal)?
                .map_err(Problem::internal)?;
            Ok(see_other(&href(lang, "/edit/data?saved=1")))
        }
        Ok((plan, None)) => preview(&req, &state, &who, layer, &csv, &plan, None),
        Err(gapmap_inventory::edit::EditError::PreconditionFailed { .. }) => {
            let store = state.store.clone();
            let csv2 = csv.clone();
            let plan = web::block(move || {
                let mut s = Store::open(&store)?;
                sheet::plan(&mut s, layer, &csv2)
            })
            .await
            .map_err(Problem::internal)?
            .map_err(crate::routes::inventory::edits::problem)?;
            preview(
                &req,
                &state,
                &who,
                layer,
                &csv,
                &plan,
                Some(t(lang, "data.sheet_stale").to_owned()),
            )
        }
        Err(e) => Err(crate::routes::inventory::edits::problem(e)),
    }
}
