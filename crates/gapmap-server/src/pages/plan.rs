//! `GET /plan`: the planning view for the IT department and the ministry —
//! the parish table (sortable by every column through its header links, so
//! it works without scripts; also `GET /plan/parishes.csv`), charts drawn as
//! SVG with the same numbers in the table, the ranked gap clusters with a
//! link to each on the map, and the links a GIS user needs (exports, OGC
//! API – Features, the QGIS snippet). The planner's pages live under
//! `/plan/…` and reuse this layout.

use super::i18n::{Lang, t};
use super::{PageQuery, base_context, href, render, words};
use crate::AppState;
use crate::problem::Problem;
use actix_web::http::header;
use actix_web::{HttpRequest, HttpResponse, web};
use gapmap_engine::analysis::Analysis;
use gapmap_engine::analysis::aggregate::ParishAggregate;
use gapmap_engine::snapshot::Snapshot;
use gapmap_model::ZoneKind;
use gapmap_model::disclosure::{Disclosure, Published};
use gapmap_publish::collections::Collection;
use geo::Relate;
use serde_json::{Map, Value, json};
use std::sync::Mutex;

/// The table's columns: (key, CSV header, value of a row).
pub const COLUMNS: [&str; 14] = [
    "name",
    "residents",
    "gigabit",
    "served",
    "underserved",
    "unserved",
    "mobile_none",
    "mobile_lt2",
    "mobile_2to30",
    "mobile_ge30",
    "digitally_underserved",
    "border_zone",
    "priority_parish",
    "priority_area",
];

/// One parish row: name, then the numeric columns (flags as 0/1), counts
/// as published to the reader; `small` marks a count published only as the
/// range 1–4 (its value is then 0).
#[derive(Debug, Clone)]
struct Row {
    id: String,
    name: String,
    values: [u64; 13],
    small: [bool; 13],
}

/// Per parish id: whether it shares ground with a border zone, a priority
/// parish and a priority area.
type ZoneFlags = Vec<(String, [bool; 3])>;

/// Which kinds of priority zone share ground with each parish (their
/// interiors meet; touching along a boundary does not count), per snapshot.
fn zone_flags(snap: &Snapshot) -> ZoneFlags {
    static CACHE: Mutex<Option<(String, ZoneFlags)>> = Mutex::new(None);
    let mut c = CACHE.lock().unwrap_or_else(|p| p.into_inner());
    if let Some((v, flags)) = c.as_ref()
        && *v == snap.version
    {
        return flags.clone();
    }
    let flags: ZoneFlags = snap
        .areas
        .iter()
        .filter(|a| a.kind == gapmap_model::AreaKind::Parish)
        .map(|a| {
            let mut f = [false; 3];
            for z in snap.zones.iter() {
                let slot = match z.zone_kind {
                    ZoneKind::Border => 0,
                    ZoneKind::Parish => 1,
                    ZoneKind::Area => 2,
                };
                if f[slot] {
                    continue;
                }
                f[slot] = if z.zone_kind == ZoneKind::Parish {
                    z.id == a.id || z.name == a.name
                } else {
                    let m = z.geometry.relate(&a.geometry);
                    m.is_intersects() && !m.is_touches()
                };
            }
            (a.id.clone(), f)
        })
        .collect();
    *c = Some((snap.version.clone(), flags.clone()));
    flags
}

fn rows(snap: &Snapshot, parishes: &[ParishAggregate], d: &Disclosure) -> Vec<Row> {
    let flags = zone_flags(snap);
    parishes
        .iter()
        .map(|p| {
            let a = &p.aggregate;
            let fc = |k: &str| a.by_fixed_class.get(k).copied().unwrap_or(0);
            let mc = |k: &str| a.by_mobile_class.get(k).copied().unwrap_or(0);
            let f = flags
                .iter()
                .find(|(id, _)| *id == p.id)
                .map(|(_, f)| *f)
                .unwrap_or_default();
            let exact = [
                a.residents,
                fc("gigabit"),
                fc("served"),
                fc("underserved"),
                fc("unserved"),
                mc("none"),
                mc("lt2"),
                mc("2to30"),
                mc("ge30"),
                a.digitally_underserved,
                u64::from(f[0]),
                u64::from(f[1]),
                u64::from(f[2]),
            ];
            let mut values = exact;
            let mut small = [false; 13];
            for k in 0..10 {
                match d.count(exact[k]) {
                    Published::Value(v) => values[k] = v,
                    Published::Range(..) => (values[k], small[k]) = (0, true),
                }
            }
            Row {
                id: p.id.clone(),
                name: p.name.clone(),
                values,
                small,
            }
        })
        .collect()
}

/// Sort rows by a column key (`name` or a numeric column), ascending or not.
fn sort_rows(rows: &mut [Row], key: &str, ascending: bool) {
    let col = COLUMNS.iter().position(|c| *c == key).unwrap_or(0);
    rows.sort_by(|a, b| {
        let o = if col == 0 {
            a.name.cmp(&b.name)
        } else {
            a.values[col - 1]
                .cmp(&b.values[col - 1])
                .then_with(|| a.name.cmp(&b.name))
        };
        if ascending { o } else { o.reverse() }
    });
}

/// The fixed-class shares of a row as bar segments (x and width in % of
/// the bar), for the SVG chart.
fn bar(row: &Row) -> Vec<Value> {
    let total = row.values[0].max(1) as f64;
    let mut x = 0.0;
    ["gigabit", "served", "underserved", "unserved"]
        .iter()
        .enumerate()
        .map(|(i, class)| {
            let w = row.values[1 + i] as f64 / total * 100.0;
            let seg = json!({"class": class, "x": format!("{x:.2}"), "w": format!("{w:.2}")});
            x += w;
            seg
        })
        .collect()
}

/// `GET /plan?sort=&dir=`
pub async fn page(req: HttpRequest, state: web::Data<AppState>) -> Result<HttpResponse, Problem> {
    let q = PageQuery::parse(&req);
    let lang = q.lang();
    let snap = state.live.get();
    let a = &snap.analysis;
    let sort = q
        .get("sort")
        .filter(|s| COLUMNS.contains(s))
        .unwrap_or("name");
    let ascending = q.get("dir") != Some("desc");
    let d = crate::audience::disclosure(&req, &state).await?;
    let mut rs = rows(&snap, &a.parishes, &d);
    sort_rows(&mut rs, sort, ascending);
    let base = state.config.public_base(bound_addr(&req));
    let planned = planned_access_points(&state, &snap, lang, &d).await;
    let mut page = Map::new();
    page.insert("planned".into(), planned);
    page.insert("subnav".into(), super::planner::subnav(lang, "plan"));
    page.insert("headers".into(), json!(headers(lang, sort, ascending)));
    page.insert("rows".into(), json!(table(lang, &rs)));
    page.insert("clusters".into(), json!(clusters(lang, &snap, &d)));
    page.insert("clusters_total".into(), json!(a.clusters.len()));
    page.insert("exports".into(), json!(exports(lang)));
    page.insert("base".into(), json!(base));
    page.insert("csv_href".into(), json!(href(lang, "/plan/parishes.csv")));
    page.insert("summary".into(), summary(lang, a, &d));
    let ctx = base_context(&state, &q, "/plan", "plan");
    render(&req, "plan.html", ctx, page)
}

/// The table's column headers, each a link that sorts by it (the sorted
/// one's link turns the order round).
fn headers(lang: Lang, sort: &str, ascending: bool) -> Vec<Value> {
    COLUMNS
        .iter()
        .map(|c| {
            let current = *c == sort;
            let next_dir = if current && ascending { "desc" } else { "asc" };
            json!({
                "key": c,
                "label": t(lang, &format!("plan.col.{c}")),
                "sort": if current { if ascending { "ascending" } else { "descending" } } else { "none" },
                "href": href(lang, &format!("/plan?sort={c}&dir={next_dir}#parishes")),
            })
        })
        .collect()
}

/// The parish table's rows in the page's words, with their bars and links.
fn table(lang: Lang, rs: &[Row]) -> Vec<Value> {
    rs.iter()
        .map(|r| {
            let cells: Vec<String> = r.values[..10]
                .iter()
                .zip(&r.small)
                .map(|(v, small)| if *small { "1–4".to_owned() } else { words::int(lang, *v) })
                .chain(r.values[10..].iter().map(|v| {
                    t(lang, if *v == 1 { "plan.yes" } else { "plan.no" }).to_owned()
                }))
                .collect();
            json!({
                "id": r.id,
                "name": r.name,
                "cells": cells,
                "bar": bar(r),
                "underserved_share": words::percent(lang, r.values[9], r.values[0]),
                "underserved_w": format!("{:.2}", r.values[9] as f64 / r.values[0].max(1) as f64 * 100.0),
                "map_href": href(lang, &format!("/map?parish={}", crate::links::encode(&r.id))),
                "leaflet_href": href(lang, &format!("/leaflets/{}", crate::links::encode(&r.id))),
            })
        })
        .collect()
}

/// The first 50 gap clusters by rank, counts as published to the reader
/// (`d`: small counts as a range, the rest rounded for the public).
fn clusters(lang: Lang, snap: &Snapshot, d: &Disclosure) -> Vec<Value> {
    let a = &snap.analysis;
    a.clusters
        .iter()
        .map(|c| {
            let kinds: Vec<&str> = c
                .zones
                .iter()
                .filter_map(|z| snap.zones.iter().find(|x| &x.id == z))
                .map(|z| z.name.as_str())
                .collect();
            json!({
                "rank": c.rank,
                "residents": words::count(lang, d, c.aggregate.residents),
                "underserved": words::count(lang, d, c.aggregate.digitally_underserved),
                "cells": c.cells.len(),
                "zones": kinds.join(", "),
                "map_href": href(lang, &format!("/map?cluster=cluster-{}", c.rank)),
            })
        })
        .take(50)
        .collect()
}

/// Every published collection with its download links.
fn exports(lang: Lang) -> Vec<Value> {
    Collection::ALL
        .iter()
        .map(|c| {
            let (lv, en) = c.titles();
            let formats: Vec<Value> = [
                ("geojson", "GeoJSON"),
                ("csv", "CSV"),
                ("gpkg", "GeoPackage"),
            ]
            .iter()
            .map(|(f, name)| json!({"name": name, "href": format!("/export/{}.{f}", c.id())}))
            .collect();
            json!({
                "id": c.id(),
                "title": if lang == Lang::Lv { lv } else { en },
                "formats": formats,
            })
        })
        .collect()
}

/// The headline figures of the analysis and its thresholds.
fn summary(lang: Lang, a: &Analysis, d: &Disclosure) -> Value {
    let total = &a.total;
    json!({
        "residents": words::count(lang, d, total.residents),
        "underserved": words::count(lang, d, total.digitally_underserved),
        "share": words::percent(lang, total.digitally_underserved, total.residents),
        "near_m": words::int(lang, a.thresholds.near_m.round() as u64),
        "served_mbps": words::int(lang, a.thresholds.served_down_mbps.round() as u64),
    })
}

/// The planner's siting of new public access points (the plan's own
/// count, weights and years; the same answer as `GET
/// /api/v1/plan/access-points`) as the page shows it: a summary and the
/// buildings in rank order. `null` when the planner cannot answer — the
/// rest of the page does not depend on it.
async fn planned_access_points(
    state: &web::Data<AppState>,
    snap: &std::sync::Arc<Snapshot>,
    lang: Lang,
    d: &Disclosure,
) -> Value {
    let (st, sn, d2) = (state.clone(), std::sync::Arc::clone(snap), *d);
    let answer =
        web::block(move || crate::routes::plan::access_points::default_answer(&st, &sn, &d2)).await;
    let g = match answer {
        Ok(Ok(g)) => g,
        Ok(Err(e)) => {
            tracing::warn!(error = ?e, "the planning page shows no access-point plan");
            return Value::Null;
        }
        Err(e) => {
            tracing::warn!(error = %e, "the planning page shows no access-point plan");
            return Value::Null;
        }
    };
    let parish = |id: &str| {
        snap.areas
            .iter()
            .find(|a| a.id == id)
            .map_or_else(|| id.to_owned(), |a| a.name.clone())
    };
    let rows: Vec<Value> = g["features"]
        .as_array()
        .map(Vec::as_slice)
        .unwrap_or_default()
        .iter()
        .map(|f| {
            let p = &f["properties"];
            let parish_id = p["parish_id"].as_str().unwrap_or_default();
            let unit = p["toward_name"]
                .as_str()
                .map(|v| super::i18n::tf(lang, "planner.ap.outdoor", &[("place", v)]));
            json!({
                "rank": p["rank"],
                "name": p["name"],
                "unit": unit,
                "parish": parish(parish_id),
                "year": p["year"],
                "served": super::planner::count_of(lang, p, "residents_newly_served"),
                "map_href": href(lang, &format!("/map?parish={}", crate::links::encode(parish_id))),
            })
        })
        .collect();
    let headline = super::planner::access_points::headline(lang, &g);
    json!({
        "rows": rows,
        "headline": headline,
        "proven_optimal": g["proven_optimal"].as_bool().unwrap_or(false),
        "geojson_href": "/api/v1/plan/access-points",
        "csv_href": "/api/v1/plan/access-points?f=csv",
        "page_href": href(lang, "/plan/access-points"),
    })
}

/// The address this request came in on (for the default public URL).
pub fn bound_addr(req: &HttpRequest) -> std::net::SocketAddr {
    req.app_config().local_addr()
}

/// `GET /plan/parishes.csv`: the parish table as CSV (RFC 4180, UTF-8,
/// column names as in the API; flags `true|false`; counts as the reader may
/// see them: for the public, 1–4 as "1–4" and the rest rounded to 5).
pub async fn csv(req: HttpRequest, state: web::Data<AppState>) -> Result<HttpResponse, Problem> {
    let q = PageQuery::parse(&req);
    let snap = state.live.get();
    let d = crate::audience::disclosure(&req, &state).await?;
    let mut rs = rows(&snap, &snap.analysis.parishes, &d);
    sort_rows(
        &mut rs,
        q.get("sort").unwrap_or("name"),
        q.get("dir") != Some("desc"),
    );
    let mut out = String::from("parish_id,atvk,");
    out.push_str(&COLUMNS.join(","));
    out.push_str("\r\n");
    for r in &rs {
        out.push_str(&r.id);
        out.push(',');
        out.push_str(snap.atvk_of(&r.id).unwrap_or_default());
        out.push(',');
        gapmap_geo::csv_cell::field(&mut out, &r.name);
        for (i, v) in r.values.iter().enumerate() {
            out.push(',');
            if i >= 10 {
                out.push_str(if *v == 1 { "true" } else { "false" });
            } else if r.small[i] {
                out.push_str("1–4");
            } else {
                out.push_str(&v.to_string());
            }
        }
        out.push_str("\r\n");
    }
    Ok(HttpResponse::Ok()
        .content_type("text/csv; charset=utf-8")
        .insert_header((header::CACHE_CONTROL, super::PAGE_CACHE))
        .insert_header((
            header::CONTENT_DISPOSITION,
            "attachment; filename=\"gapmap-parishes.csv\"",
        ))
        .body(out))
}

#[cfg(test)]
mod tests {
    use super::*;

    fn row(name: &str, residents: u64) -> Row {
        let mut values = [0; 13];
        values[0] = residents;
        Row {
            id: name.to_lowercase(),
            name: name.into(),
            values,
            small: [false; 13],
        }
    }

    #[test]
    fn sorts_by_any_column_both_ways() {
        let mut rs = vec![row("Vilces", 1499), row("Elejas", 2039), row("Cenu", 4339)];
        sort_rows(&mut rs, "residents", false);
        assert_eq!(
            rs.iter().map(|r| r.name.as_str()).collect::<Vec<_>>(),
            ["Cenu", "Elejas", "Vilces"]
        );
        sort_rows(&mut rs, "name", true);
        assert_eq!(rs[0].name, "Cenu");
        sort_rows(&mut rs, "name", false);
        assert_eq!(rs[0].name, "Vilces");
        sort_rows(&mut rs, "no-such-column", true);
        assert_eq!(rs[0].name, "Cenu");
    }
}
