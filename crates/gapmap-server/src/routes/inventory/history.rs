//! `GET /api/v1/audit` (editors and admins) and `GET /api/v1/changes`
//! (everyone: what changed between two versions, without who changed it).

use super::account::no_store;
use crate::AppState;
use crate::auth;
use crate::problem::Problem;
use crate::query::Query;
use actix_web::{HttpRequest, HttpResponse, web};
use gapmap_inventory::accounts::Role;
use gapmap_inventory::changes::{self, Version};
use gapmap_store::audit::{self, Filter};
use serde_json::json;

fn instant(q: &Query, name: &str) -> Result<Option<chrono::DateTime<chrono::Utc>>, Problem> {
    q.str(name)
        .map(|s| {
            chrono::DateTime::parse_from_rfc3339(s)
                .map(|d| d.with_timezone(&chrono::Utc))
                .map_err(|_| {
                    Problem::invalid(
                        name,
                        format!(
                            "`{name}` must be an RFC 3339 instant such as 2026-03-01T00:00:00+02:00"
                        ),
                    )
                })
        })
        .transpose()
}

#[utoipa::path(get, path = "/api/v1/audit", tag = "inventory", security(("bearer" = []), ("session" = [])), params(crate::params::AuditQuery), responses(
        (status = 200, description = "Audit rows, newest first: who changed what, when, why, each field before and after", content((serde_json::Value = "application/json"), (String = "text/csv"))),
        (status = 400, description = "A parameter is unknown or invalid", content_type = "application/problem+json"),
        (status = 401, description = "Nobody is signed in, or the API token is unknown or revoked", content_type = "application/problem+json"),
        (status = 403, description = "A request from another site's page, a session's change without its X-CSRF-Token, or too small a role", content_type = "application/problem+json")))]
/// `GET /api/v1/audit?feature_id=&layer=&actor=&parish_id=&from=&to=&limit=&f=json|csv`.
pub async fn audit_log(
    req: HttpRequest,
    state: web::Data<AppState>,
) -> Result<HttpResponse, Problem> {
    let q = Query::parse(
        &req,
        &[
            "feature_id",
            "layer",
            "actor",
            "parish_id",
            "from",
            "to",
            "limit",
            "f",
        ],
    )?;
    auth::require(&req, &state, Role::Editor, None).await?;
    let f = Filter {
        feature_id: q.str("feature_id").map(str::to_owned),
        layer: q.str("layer").map(str::to_owned),
        actor: q.str("actor").map(str::to_owned),
        parish_id: q.str("parish_id").map(str::to_owned),
        from: instant(&q, "from")?,
        to: instant(&q, "to")?,
        limit: Some(q.usize_in("limit", 1000, 1, 100_000)?),
        ..Filter::default()
    };
    let csv = match q.str("f").unwrap_or("json") {
        "json" => false,
        "csv" => true,
        other => {
            return Err(Problem::invalid(
                "f",
                format!("`f` must be json or csv, not `{other}`"),
            ));
        }
    };
    let s = state.clone();
    let rows = web::block(move || s.db.read(|c| Ok::<_, Problem>(audit::read(c, &f)?)))
        .await
        .map_err(Problem::internal)??;
    if csv {
        return Ok(no_store(HttpResponse::Ok())
            .content_type("text/csv; charset=utf-8")
            .insert_header((
                "Content-Disposition",
                "attachment; filename=\"gapmap-audit.csv\"",
            ))
            .body(audit::to_csv(&rows)));
    }
    Ok(no_store(HttpResponse::Ok()).json(json!({"entries": rows, "count": rows.len()})))
}

#[utoipa::path(get, path = "/api/v1/changes", tag = "inventory", params(crate::params::ChangesQuery), responses(
        (status = 200, description = "Features added, retired, modified and removed between the versions, and how each parish's gap figures moved (who changed them is not shown)", content_type = "application/json"),
        (status = 400, description = "A parameter is unknown or invalid, a revision is newer than the current one, or the parish is unknown", content_type = "application/problem+json")))]
/// `GET /api/v1/changes?from=&to=&parish_id=`: features added, retired,
/// modified and removed after `from` up to `to` (each a revision `rN` or an
/// RFC 3339 instant; `from` defaults to 30 days ago, `to` to now), and how the gap figures of each
/// parish moved. Who made a change is not shown here (the audit log, for
/// editors, has it).
pub async fn changes(
    req: HttpRequest,
    state: web::Data<AppState>,
) -> Result<HttpResponse, Problem> {
    let q = Query::parse(&req, &["from", "to", "parish_id"])?;
    let version = |name: &str| -> Result<Option<Version>, Problem> {
        q.str(name)
            .map(|s| strict_version(s).ok_or_else(|| Problem::invalid(name, format!("`{name}` must be a revision such as r12 or an RFC 3339 instant, not `{s}`"))))
            .transpose()
    };
    // Without `from`: the last 30 days, as the "what changed" page's default.
    let from = version("from")?
        .unwrap_or_else(|| Version::At(chrono::Utc::now() - chrono::Duration::days(30)));
    let to = version("to")?;
    let parish = q.str("parish_id").map(str::to_owned);
    if let Some(p) = &parish
        && !state.live.get().parishes.iter().any(|(id, _)| id == p)
    {
        return Err(Problem::invalid("parish_id", format!("no parish `{p}`")));
    }
    let current = current_revision(&state.live.get().version);
    let s = state.clone();
    let body = web::block(move || {
        s.db.read(|c| {
            let from = changes::resolve(c, &from)?;
            let to = match to {
                Some(v) => changes::resolve(c, &v)?,
                None => current,
            };
            for (name, rev) in [("from", from), ("to", to)] {
                if rev > current {
                    return Err(Problem::invalid(
                        name,
                        format!("`{name}`: revision r{rev} is newer than the current r{current}"),
                    ));
                }
            }
            let mut ch = changes::between(c, from, to, parish.as_deref())?;
            for r in &mut ch.ingests {
                r.actor = String::new();
            }
            Ok::<_, Problem>(ch)
        })
    })
    .await
    .map_err(Problem::internal)??;
    let mut v = serde_json::to_value(&body).map_err(Problem::internal)?;
    if let Some(ingests) = v.get_mut("ingests").and_then(|i| i.as_array_mut()) {
        for i in ingests {
            if let Some(o) = i.as_object_mut() {
                o.remove("actor");
            }
        }
    }
    Ok(HttpResponse::Ok().json(v))
}

/// A version as the API documents it: `r` and 1–18 digits, or an RFC 3339
/// instant (no spaces, no other spellings).
fn strict_version(s: &str) -> Option<Version> {
    if let Some(n) = s.strip_prefix('r') {
        return (!n.is_empty() && n.len() <= 18 && n.bytes().all(|b| b.is_ascii_digit()))
            .then(|| Version::parse(s))
            .flatten();
    }
    if s.trim() != s || s.starts_with(['R', '+']) || s.bytes().all(|b| b.is_ascii_digit()) {
        return None;
    }
    Version::parse(s)
}

/// The revision of a snapshot version `storeid-rN`.
pub fn current_revision(version: &str) -> i64 {
    version
        .rsplit_once("-r")
        .and_then(|(_, n)| n.parse().ok())
        .unwrap_or(0)
}
