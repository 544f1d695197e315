//! `GET /changes?parish=&days=&from=` — "Kas mainījies": what changed in a parish (or the
//! whole municipality) over a period, in words: places added, closed and
//! changed, and how the parish's figures moved. Who made a change is not
//! shown (the audit log, for editors, has it); nor why (staff write the
//! reasons freely).

use super::i18n::{Lang, t};
use super::{PageQuery, base_context, href, render, words};
use crate::AppState;
use crate::problem::Problem;
use crate::routes::inventory::history::current_revision;
use actix_web::{HttpRequest, HttpResponse, web};
use chrono::{DateTime, Duration, Utc};
use gapmap_engine::snapshot::Snapshot;
use gapmap_inventory::changes::{self, Changes, FeatureChange, Version};
use serde_json::{Map, Value, json};

/// The periods a resident can pick, in days (0: since the beginning).
const PERIODS: [u32; 4] = [7, 30, 365, 0];
const DEFAULT_PERIOD: u32 = 30;

/// A feature's name for people: a place's name; for equipment or a visit,
/// the place it belongs to.
fn feature_name(lang: Lang, snap: &Snapshot, c: &FeatureChange) -> String {
    let site_name = |id: &str| {
        snap.sites
            .iter()
            .find(|s| s.id == id)
            .map(|s| s.name.clone())
    };
    let after = |f: &str| {
        c.fields
            .get(f)
            .and_then(|v| v[1].as_str().or(v[0].as_str()))
    };
    match c.layer.as_str() {
        "sites" => site_name(&c.id)
            .or_else(|| after("name").map(str::to_owned))
            .unwrap_or_else(|| c.id.clone()),
        layer => {
            let what = t(lang, &format!("changes.layer.{layer}"));
            match after("site_id").map(str::to_owned).or_else(|| {
                snap.equipment
                    .iter()
                    .find(|e| e.id == c.id)
                    .map(|e| e.site_id.clone())
            }) {
                Some(site) => format!("{what}: {}", site_name(&site).unwrap_or(site)),
                None => what.to_owned(),
            }
        }
    }
}

/// The fields a change touched, by their labels.
fn field_words(lang: Lang, c: &FeatureChange) -> String {
    c.fields
        .keys()
        .map(|f| match t(lang, &format!("field.{f}")) {
            "" => f.replace('_', " "),
            w => w.to_owned(),
        })
        .collect::<Vec<_>>()
        .join(", ")
}

/// The changed features as the page lists them: a place by its name and,
/// `with_fields`, the fields it touched; equipment and mobile-class visits
/// grouped by their place and said in words ("Vilces bibliotēka: 2 piekļuves
/// punkti, 1 maršrutētājs"), not one bare line each.
fn items(lang: Lang, snap: &Snapshot, list: &[FeatureChange], with_fields: bool) -> Vec<Value> {
    let mut out: Vec<Value> = Vec::new();
    let mut groups: Vec<PlaceGroup> = Vec::new();
    for c in list {
        if c.layer == "sites" {
            out.push(json!({
                "name": feature_name(lang, snap, c),
                "fields": if with_fields { field_words(lang, c) } else { String::new() },
            }));
            continue;
        }
        let place = place_of(lang, snap, c);
        let i = match groups.iter().position(|g| g.place == place) {
            Some(i) => i,
            None => {
                groups.push(PlaceGroup {
                    place,
                    counts: Vec::new(),
                    fields: Vec::new(),
                });
                groups.len() - 1
            }
        };
        let fields = if with_fields {
            field_words(lang, c)
        } else {
            String::new()
        };
        groups[i].add(what_of(snap, c), &fields);
    }
    // A place added with its equipment reads as one line.
    for g in groups {
        let line = g.said(lang);
        match out
            .iter_mut()
            .find(|o| o["name"] == line["name"] && o["fields"] == "")
        {
            Some(o) => o["fields"] = line["fields"].clone(),
            None => out.push(line),
        }
    }
    out
}

/// The equipment and visit changes of one place: how many of each kind,
/// and the fields they touched, in the order first seen.
struct PlaceGroup {
    place: String,
    counts: Vec<(&'static str, u64)>,
    fields: Vec<String>,
}

impl PlaceGroup {
    fn add(&mut self, what: &'static str, fields: &str) {
        match self.counts.iter_mut().find(|(w, _)| *w == what) {
            Some((_, n)) => *n += 1,
            None => self.counts.push((what, 1)),
        }
        for f in fields.split(", ").filter(|f| !f.is_empty()) {
            if !self.fields.iter().any(|x| x == f) {
                self.fields.push(f.to_owned());
            }
        }
    }

    /// "2 bezvadu piekļuves punkti, 1 maršrutētājs (uzstādīts)".
    fn said(self, lang: Lang) -> Value {
        let said: Vec<String> = self
            .counts
            .iter()
            .map(|(w, n)| super::i18n::tn(lang, &format!("changes.what.{w}"), *n))
            .collect();
        let mut text = said.join(", ");
        if !self.fields.is_empty() {
            text = format!("{text} ({})", self.fields.join(", "));
        }
        json!({"name": self.place, "fields": text})
    }
}

/// The place an equipment record or visit belongs to, by name.
fn place_of(lang: Lang, snap: &Snapshot, c: &FeatureChange) -> String {
    let site = c
        .fields
        .get("site_id")
        .and_then(|v| v[1].as_str().or(v[0].as_str()))
        .map(str::to_owned)
        .or_else(|| match c.layer.as_str() {
            "visits" => snap
                .visits
                .iter()
                .find(|v| v.id == c.id)
                .map(|v| v.site_id.clone()),
            _ => snap
                .equipment
                .iter()
                .find(|e| e.id == c.id)
                .map(|e| e.site_id.clone()),
        });
    match site {
        Some(id) => snap
            .sites
            .iter()
            .find(|s| s.id == id)
            .map_or(id, |s| s.name.clone()),
        None => t(lang, "changes.unknown_place").to_owned(),
    }
}

/// What an equipment record or visit is: `access_point`, `router`,
/// `backhaul`, `equipment` (type unknown) or `visit`.
fn what_of(snap: &Snapshot, c: &FeatureChange) -> &'static str {
    if c.layer == "visits" {
        return "visit";
    }
    let ty = c
        .fields
        .get("type")
        .and_then(|v| v[1].as_str().or(v[0].as_str()))
        .map(str::to_owned)
        .or_else(|| {
            snap.equipment
                .iter()
                .find(|e| e.id == c.id)
                .map(|e| e.kind.as_str().to_owned())
        });
    match ty.as_deref() {
        Some("access_point") => "access_point",
        Some("router") => "router",
        Some("backhaul") => "backhaul",
        _ => "equipment",
    }
}

/// A figure's move in words: "212 fewer (was 1,020, now 808)".
fn moved(lang: Lang, key: &str, v: &[Value; 3]) -> Option<Value> {
    let (from, to, d) = (v[0].as_i64()?, v[1].as_i64()?, v[2].as_i64()?);
    let how = match d.signum() {
        0 => t(lang, "changes.same").to_owned(),
        1 => t(lang, "changes.more").replace("{n}", &words::int(lang, d as u64)),
        _ => t(lang, "changes.fewer").replace("{n}", &words::int(lang, d.unsigned_abs())),
    };
    Some(json!({
        "label": t(lang, &format!("changes.figure.{key}")),
        "how": how,
        "was": words::int(lang, from.max(0) as u64),
        "now": words::int(lang, to.max(0) as u64),
    }))
}

/// `GET /changes?parish=&days=&from=`
pub async fn page(req: HttpRequest, state: web::Data<AppState>) -> Result<HttpResponse, Problem> {
    let q = PageQuery::parse(&req);
    let lang = q.lang();
    let snap = state.live.get();
    let parish = q
        .get("parish")
        .filter(|p| snap.parishes.iter().any(|(id, _)| id == p))
        .map(str::to_owned);
    let days = q
        .get("days")
        .and_then(|d| d.parse::<u32>().ok())
        .filter(|d| PERIODS.contains(d))
        .unwrap_or(DEFAULT_PERIOD);
    // `?from=` (a revision or an instant, as the API takes) wins over the
    // period: links such as "since version r12" from the audit log.
    let from_version = q.get("from").and_then(Version::parse);
    let since = (days > 0).then(|| Utc::now() - Duration::days(i64::from(days)));
    let asked = Asked {
        parish,
        days,
        since,
    };
    let ch = read_changes(&state, &snap, &asked, from_version).await?;
    let ctx = base_context(&state, &q, "/changes", "changes");
    let page = context(lang, &snap, &asked, &ch);
    render(&req, "changes.html", ctx, page)
}

/// What the page was asked for.
struct Asked {
    /// The parish (a known id), or `None` for the whole municipality.
    parish: Option<String>,
    /// The period picked, in days (0: since the beginning).
    days: u32,
    /// The period's start, when it has one.
    since: Option<DateTime<Utc>>,
}

/// The changes from `from_version` (else the period's start, else the
/// beginning) to the snapshot's revision, read off the worker thread.
async fn read_changes(
    state: &web::Data<AppState>,
    snap: &Snapshot,
    asked: &Asked,
    from_version: Option<Version>,
) -> Result<Changes, Problem> {
    let current = current_revision(&snap.version);
    let s = state.clone();
    let p2 = asked.parish.clone();
    let since = asked.since;
    web::block(move || {
        s.db.read(|c| {
            let from = match (from_version, since) {
                (Some(v), _) => changes::resolve(c, &v)?.min(current),
                (None, Some(at)) => changes::resolve(c, &Version::At(at))?,
                (None, None) => 0,
            };
            Ok::<_, Problem>(changes::between(c, from, current, p2.as_deref())?)
        })
    })
    .await
    .map_err(Problem::internal)?
}

/// The page's values: the form (parish and period), the features added,
/// retired and changed, and how the parishes' figures moved.
fn context(lang: Lang, snap: &Snapshot, asked: &Asked, ch: &Changes) -> Map<String, Value> {
    let parish = &asked.parish;
    let mut page = Map::new();
    let parish_name = parish.as_deref().and_then(|p| snap.parish_name(p));
    page.insert("parish_name".into(), json!(parish_name));
    page.insert(
        "parishes".into(),
        json!(snap
            .parishes
            .iter()
            .map(|(id, name)| json!({"id": id, "name": name, "selected": Some(id) == parish.as_ref()}))
            .collect::<Vec<_>>()),
    );
    page.insert(
        "periods".into(),
        json!(PERIODS
            .iter()
            .map(|d| json!({"days": d, "label": t(lang, &format!("changes.period.{d}")), "selected": *d == asked.days}))
            .collect::<Vec<_>>()),
    );
    page.insert(
        "since".into(),
        json!(
            asked
                .since
                .and_then(|s| words::date_long(lang, &s.date_naive().to_string()))
        ),
    );
    page.insert("added".into(), json!(items(lang, snap, &ch.added, false)));
    page.insert(
        "retired".into(),
        json!(items(lang, snap, &ch.retired, false)),
    );
    let mut modified = items(lang, snap, &ch.modified, true);
    modified.extend(items(lang, snap, &ch.removed, false));
    page.insert("modified".into(), json!(modified));
    page.insert("ingests".into(), json!(ch.ingests.len()));
    page.insert("figures_known".into(), json!(ch.figures_known));
    page.insert("figures".into(), json!(figures(lang, ch, parish.as_ref())));
    page.insert("action".into(), json!("/changes"));
    page.insert("plan_href".into(), json!(href(lang, "/plan")));
    page
}

/// How each parish's figures moved (only `parish` when one is picked;
/// parishes whose figures are unknown are left out).
fn figures(lang: Lang, ch: &Changes, parish: Option<&String>) -> Vec<Value> {
    ch.parishes
        .iter()
        .filter(|m| parish.is_none() || Some(&m.id) == parish)
        .filter_map(|m| {
            let rows: Vec<Value> = [
                ("digitally_underserved", &m.digitally_underserved),
                ("near_free_wifi", &m.near_free_wifi),
            ]
            .into_iter()
            .filter_map(|(k, v)| moved(lang, k, v))
            .collect();
            (!rows.is_empty()).then(|| json!({"name": m.name, "rows": rows}))
        })
        .collect()
}
