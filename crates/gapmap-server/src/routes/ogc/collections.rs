//! `/ogc/collections` and `/ogc/collections/{collection_id}`.

use super::html::{a, esc, page, table};
use super::{
    CRS_LIST, CRS84, Format, GEOJSON, HTML, JSON, base, find_collection, format, html_response,
    json_response, link, queryables,
};
use crate::AppState;
use crate::problem::Problem;
use crate::query::Query;
use actix_web::{HttpRequest, HttpResponse, web};
use gapmap_engine::snapshot::Snapshot;
use gapmap_publish::collections::Collection;
use serde_json::{Value, json};
use std::sync::Arc;

const CC_BY: &str = "https://creativecommons.org/licenses/by/4.0/";

fn description(c: Collection) -> String {
    let (lv, en) = c.titles();
    let extra = match c {
        Collection::DemandGrid => {
            " Residents are aggregated to EU 1 km cells; cells with 1–4 residents give only residents_min/residents_max."
        }
        Collection::GapGrid => " 1 km cells where any resident is digitally under-served.",
        _ => "",
    };
    format!(
        "{lv} ({en}).{extra} Every feature carries source, source_ref, as_of and licence. Filterable properties: {}. datetime filters on as_of (the date of the facts).",
        queryables(c).join(", ")
    )
}

/// The JSON description of one collection.
pub fn collection_json(
    b: &str,
    snap: &Arc<Snapshot>,
    c: Collection,
    state: &AppState,
    self_rel: bool,
) -> Value {
    let published = state.published(snap, c);
    let rect = published
        .extent()
        .map(|r| [r.min().x, r.min().y, r.max().x, r.max().y]);
    let id = c.id();
    let (lv, en) = c.titles();
    let me = format!("{b}/ogc/collections/{id}");
    let mut extent =
        json!({"spatial": {"bbox": [rect.unwrap_or([-180.0, -90.0, 180.0, 90.0])], "crs": CRS84}});
    if let Some((t0, t1)) = &published.as_of_range {
        extent["temporal"] = json!({"interval": [[format!("{t0}T00:00:00Z"), format!("{t1}T23:59:59Z")]],
            "trs": "http://www.opengis.net/def/uom/ISO-8601/0/Gregorian"});
    }
    let mut doc = json!({
        "id": id,
        "title": lv,
        "description": description(c),
        "title_en": en,
        "attribution": c.attribution(),
        "itemType": "feature",
        "extent": extent,
        "crs": CRS_LIST.map(|(u, _)| u),
        "storageCrs": CRS84,
        "queryables": queryables(c),
        "links": [
            link(&format!("{me}?f=json"), if self_rel { "self" } else { "alternate" }, JSON, &format!("{en} (JSON)")),
            link(&format!("{me}?f=html"), "alternate", HTML, &format!("{lv} (HTML)")),
            link(&format!("{me}/items?f=json"), "items", GEOJSON, &format!("{en}: features (GeoJSON)")),
            link(&format!("{me}/items?f=html"), "items", HTML, &format!("{lv}: objekti (HTML)")),
            link(CC_BY, "license", HTML, &format!("CC BY 4.0 — {}", c.attribution())),
        ],
    });
    if let Some(links) = doc["links"].as_array_mut() {
        links.extend(super::schemas::links(&me, en));
    }
    doc
}

/// `GET /ogc/collections`.
#[utoipa::path(get, path = "/ogc/collections", tag = "ogc",
    params(("f" = inline(Option<super::FParam>), Query, description = "json or html; without it, Accept decides (406 when it accepts neither)")),
    responses((status = 200, description = "The feature collections", content(("application/json"), ("text/html"))),
        (status = 400, description = "A parameter is unknown or invalid", content_type = "application/problem+json"),
        (status = 406, description = "The request accepts neither JSON nor HTML (see `f`)", content_type = "application/problem+json")))]
pub async fn collections(
    req: HttpRequest,
    state: web::Data<AppState>,
) -> Result<HttpResponse, Problem> {
    let q = Query::parse(&req, &["f"])?;
    let fmt = format(&req, q.str("f"))?;
    let snap = state.live.get();
    if fmt == Format::Html {
        let rows: Vec<Vec<String>> = Collection::ALL
            .iter()
            .map(|c| {
                let (lv, en) = c.titles();
                vec![
                    a(&format!("/ogc/collections/{}?f=html", c.id()), c.id()),
                    esc(&format!("{lv} ({en})")),
                    esc(c.attribution()),
                ]
            })
            .collect();
        let body = table(
            "Datu kopas (collections)",
            &[
                "Identifikators (id)",
                "Nosaukums (title)",
                "Atsauce (attribution)",
            ],
            &rows,
        );
        return Ok(html_response(page(
            "Datu kopas",
            &[
                ("/ogc?f=html", "gapmap OGC API"),
                ("/ogc/collections?f=html", "Datu kopas"),
            ],
            "/ogc/collections?f=json",
            &body,
        )));
    }
    let b = base(&req);
    let cols: Vec<Value> = Collection::ALL
        .iter()
        .map(|c| collection_json(&b, &snap, *c, &state, false))
        .collect();
    Ok(json_response(
        JSON,
        &json!({
            "links": [
                link(&format!("{b}/ogc/collections?f=json"), "self", JSON, "This document"),
                link(&format!("{b}/ogc/collections?f=html"), "alternate", HTML, "This document as HTML"),
            ],
            "collections": cols,
        }),
    ))
}

/// `GET /ogc/collections/{collection_id}`.
#[utoipa::path(get, path = "/ogc/collections/{collection_id}", tag = "ogc",
    params(("collection_id" = String, Path, description = "sites, settlements, municipality, parishes, coverage, priority_zones, demand_grid, gap_grid or gap_clusters", example = "sites"),
        ("f" = inline(Option<super::FParam>), Query, description = "json or html; without it, Accept decides (406 when it accepts neither)")),
    responses((status = 200, description = "One feature collection", content(("application/json"), ("text/html"))),
        (status = 400, description = "A parameter is unknown or invalid", content_type = "application/problem+json"),
        (status = 406, description = "The request accepts neither JSON nor HTML (see `f`)", content_type = "application/problem+json"),
        (status = 404, description = "No such collection", content_type = "application/problem+json")))]
pub async fn collection(
    req: HttpRequest,
    path: web::Path<String>,
    state: web::Data<AppState>,
) -> Result<HttpResponse, Problem> {
    let q = Query::parse(&req, &["f"])?;
    let fmt = format(&req, q.str("f"))?;
    let c = find_collection(&path)?;
    let snap = state.live.get();
    let b = base(&req);
    let doc = collection_json(&b, &snap, c, &state, true);
    if fmt == Format::Html {
        let (lv, _) = c.titles();
        let bbox = doc["extent"]["spatial"]["bbox"][0].to_string();
        let rows = vec![
            vec![esc("id"), esc(c.id())],
            vec![esc("apraksts (description)"), esc(&description(c))],
            vec![esc("atsauce (attribution)"), esc(c.attribution())],
            vec![
                esc("licence"),
                esc("CC BY 4.0 (creativecommons.org/licenses/by/4.0)"),
            ],
            vec![esc("bbox (CRS84)"), esc(&bbox)],
            vec![esc("crs"), esc(&CRS_LIST.map(|(u, _)| u).join(", "))],
            vec![esc("filtri (queryables)"), esc(&queryables(c).join(", "))],
            vec![
                esc("shēmas (schemas)"),
                format!(
                    "{} · {}",
                    a(
                        &format!("/ogc/collections/{}/schema?f=html", c.id()),
                        "schema"
                    ),
                    a(
                        &format!("/ogc/collections/{}/queryables?f=html", c.id()),
                        "queryables"
                    )
                ),
            ],
            vec![
                esc("objekti (items)"),
                format!(
                    "{} · {}",
                    a(&format!("/ogc/collections/{}/items?f=html", c.id()), "HTML"),
                    a(
                        &format!("/ogc/collections/{}/items?f=json", c.id()),
                        "GeoJSON"
                    )
                ),
            ],
        ];
        let body = table(lv, &["Īpašība (property)", "Vērtība (value)"], &rows);
        let me = format!("/ogc/collections/{}", c.id());
        return Ok(html_response(page(
            lv,
            &[
                ("/ogc?f=html", "gapmap OGC API"),
                ("/ogc/collections?f=html", "Datu kopas"),
                (&format!("{me}?f=html"), lv),
            ],
            &format!("{me}?f=json"),
            &body,
        )));
    }
    Ok(json_response(JSON, &doc))
}
