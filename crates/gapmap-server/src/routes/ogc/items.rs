//! `/ogc/collections/{collection_id}/items` and `…/items/{feature_id}`.

use super::collections::queryables;
use super::html::{a, esc, page, properties, table, value_text};
use super::{Crs, Format, GEOJSON, HTML, JSON, base, find_collection, format, html_response, link};
use crate::AppState;
use crate::problem::Problem;
use crate::query::Query;
use crate::routes::feature;
use actix_web::{HttpRequest, HttpResponse, web};
use chrono::NaiveDate;
use gapmap_core::crs::{Transformer, map_coords_dyn};
use gapmap_core::publish::Feature;
use geo::Intersects;
use geo_types::{Coord, Geometry, Rect};
use serde_json::{Map, Value, json};

const MAX_LIMIT: usize = 10_000;
const DEFAULT_LIMIT: usize = 10;

/// Moves published (lon, lat) geometries into a requested CRS and axis order.
struct Projector {
    crs: Crs,
    t: Option<Transformer>,
}

impl Projector {
    fn new(crs: Crs) -> Result<Projector, Problem> {
        let t = if crs.code == gapmap_core::crs::WGS84 {
            None
        } else {
            Some(Transformer::new(gapmap_core::crs::WGS84, crs.code).map_err(Problem::internal)?)
        };
        Ok(Projector { crs, t })
    }

    /// Into the CRS with x, y as gapmap holds them (easting/lon first).
    fn xy(&self, g: &mut Geometry<f64>) -> Result<(), Problem> {
        if let Some(t) = &self.t {
            t.transform_geometry(g)
                .map_err(|e| Problem::invalid("crs", format!("cannot transform: {e}")))?;
        }
        Ok(())
    }

    /// CRS84: published geometries need no change.
    fn is_native(&self) -> bool {
        self.t.is_none() && !self.crs.swap
    }

    /// Whether a published geometry, in this CRS (x, y), intersects `r`;
    /// false when it cannot be transformed.
    fn intersects(&self, g: &Geometry<f64>, r: &Rect<f64>) -> bool {
        if self.t.is_none() {
            return g.intersects(r);
        }
        let mut g = g.clone();
        self.xy(&mut g).is_ok() && g.intersects(r)
    }

    /// Into the CRS in its authority's axis order.
    fn publish(&self, g: &mut Geometry<f64>) -> Result<(), Problem> {
        self.xy(g)?;
        if self.crs.swap {
            map_coords_dyn(g, &|c| Coord { x: c.y, y: c.x });
        }
        Ok(())
    }
}

fn parse_bbox(s: &str, crs: Crs) -> Result<Rect<f64>, Problem> {
    let v: Vec<f64> = s
        .split(',')
        .map(|p| p.trim().parse::<f64>())
        .collect::<Result<_, _>>()
        .unwrap_or_default();
    let v = match v.as_slice() {
        [a, b, c, d] => [*a, *b, *c, *d],
        [a, b, _, d, e, _] => [*a, *b, *d, *e],
        _ => [f64::NAN; 4],
    };
    // Authority axis order → (x, y).
    let v = if crs.swap {
        [v[1], v[0], v[3], v[2]]
    } else {
        v
    };
    if v.iter().any(|x| !x.is_finite()) || v[0] > v[2] || v[1] > v[3] {
        return Err(Problem::invalid(
            "bbox",
            format!(
                "`bbox` must be 4 (or 6) numbers, lower corner then upper corner in the axis order of bbox-crs ({}), not `{s}`",
                crs.uri
            ),
        ));
    }
    Ok(Rect::new(
        Coord { x: v[0], y: v[1] },
        Coord { x: v[2], y: v[3] },
    ))
}

/// `datetime`: an instant or an interval (`start/end`, `..` or empty for
/// open), compared by date with each feature's `as_of`.
fn parse_datetime(s: &str) -> Result<(Option<NaiveDate>, Option<NaiveDate>), Problem> {
    let one = |t: &str| -> Result<Option<NaiveDate>, ()> {
        let t = t.trim();
        if t.is_empty() || t == ".." {
            return Ok(None);
        }
        if let Ok(d) = NaiveDate::parse_from_str(t, "%Y-%m-%d") {
            return Ok(Some(d));
        }
        chrono::DateTime::parse_from_rfc3339(t)
            .map(|d| Some(d.naive_utc().date()))
            .map_err(|_| ())
    };
    let bad = || {
        Problem::invalid(
            "datetime",
            format!(
                "`datetime` must be an RFC 3339 date or date-time, or an interval start/end with `..` for open ends, not `{s}`"
            ),
        )
    };
    match s.split_once('/') {
        None => {
            let d = one(s).map_err(|_| bad())?.ok_or_else(bad)?;
            Ok((Some(d), Some(d)))
        }
        Some((a, b)) => {
            let (a, b) = (one(a).map_err(|_| bad())?, one(b).map_err(|_| bad())?);
            if let (Some(x), Some(y)) = (a, b)
                && x > y
            {
                return Err(bad());
            }
            Ok((a, b))
        }
    }
}

fn matches(v: Option<&Value>, want: &str) -> bool {
    match v {
        Some(Value::String(s)) => s == want,
        Some(Value::Bool(b)) => want == if *b { "true" } else { "false" },
        Some(Value::Number(n)) => want.parse::<f64>().ok() == n.as_f64(),
        Some(Value::Array(a)) => a.iter().any(|x| matches(Some(x), want)),
        _ => false,
    }
}

/// The request's own query pairs with some replaced.
fn href(path: &str, req: &HttpRequest, set: &[(&str, String)]) -> String {
    let mut pairs: Vec<(String, String)> =
        serde_urlencoded::from_str(req.query_string()).unwrap_or_default();
    pairs.retain(|(k, _)| !set.iter().any(|(s, _)| s == k));
    pairs.extend(set.iter().map(|(k, v)| ((*k).to_owned(), v.clone())));
    format!(
        "{path}?{}",
        serde_urlencoded::to_string(&pairs).unwrap_or_default()
    )
}

fn content_crs(crs: Crs) -> String {
    format!("<{}>", crs.uri)
}

/// `GET /ogc/collections/{collection_id}/items`.
#[utoipa::path(get, path = "/ogc/collections/{collection_id}/items", tag = "ogc",
    params(("collection_id" = String, Path, description = "sites, municipality, parishes, coverage, priority_zones, demand_grid, gap_grid or gap_clusters", example = "sites"),
        ("f" = Option<String>, Query, description = "json (GeoJSON) or html"),
        ("bbox" = Option<String>, Query, description = "minx,miny,maxx,maxy in the axis order of bbox-crs (default CRS84 lon,lat); 6 numbers accepted, heights ignored"),
        ("bbox-crs" = Option<String>, Query, description = "CRS of bbox: CRS84 (default), EPSG:4326 (lat,lon), EPSG:3059 (northing,easting) or EPSG:3857, as OGC URIs"),
        ("crs" = Option<String>, Query, description = "CRS of the response geometries (same list); Content-Crs names it"),
        ("limit" = Option<u32>, Query, description = "1–10000 (larger values are clamped), default 10", minimum = 1, maximum = 10000),
        ("offset" = Option<u32>, Query, description = "default 0"),
        ("datetime" = Option<String>, Query, description = "instant or interval (`..` open); matched against each feature's as_of date, the date of its facts"),
        ("kind" = Option<String>, Query, description = "property filter (sites, municipality, parishes); each collection's filterable properties are listed in its `queryables`"),
        ("parish_id" = Option<String>, Query, description = "property filter (sites)"),
        ("status" = Option<String>, Query, description = "property filter (sites: active or planned)"),
        ("free_wifi" = Option<String>, Query, description = "property filter (sites: true or false)"),
        ("wheelchair" = Option<String>, Query, description = "property filter (sites)"),
        ("candidate" = Option<String>, Query, description = "property filter (sites: true or false)"),
        ("name" = Option<String>, Query, description = "property filter (municipality, parishes, priority_zones)"),
        ("atvk" = Option<String>, Query, description = "property filter (municipality, parishes)"),
        ("provider" = Option<String>, Query, description = "property filter (coverage)"),
        ("technology" = Option<String>, Query, description = "property filter (coverage)"),
        ("service" = Option<String>, Query, description = "property filter (coverage: fixed or mobile)"),
        ("zone_kind" = Option<String>, Query, description = "property filter (priority_zones)"),
        ("cell_id" = Option<String>, Query, description = "property filter (demand_grid, gap_grid)"),
        ("underserved" = Option<String>, Query, description = "property filter (gap_grid)"),
        ("rank" = Option<String>, Query, description = "property filter (gap_clusters)"),
        ("in_border_zone" = Option<String>, Query, description = "property filter (gap_clusters)"),
        ("in_priority_parish" = Option<String>, Query, description = "property filter (gap_clusters)"),
        ("in_priority_area" = Option<String>, Query, description = "property filter (gap_clusters)"),
        ("source" = Option<String>, Query, description = "property filter (every collection): official, approximate or simulated")),
    responses((status = 200, description = "A page of features as GeoJSON with numberMatched, numberReturned, timeStamp and next/prev links", content_type = "application/geo+json"),
        (status = 400, description = "A parameter is unknown or invalid", content_type = "application/problem+json"),
        (status = 404, description = "No such collection", content_type = "application/problem+json")))]
pub async fn items(
    req: HttpRequest,
    path: web::Path<String>,
    state: web::Data<AppState>,
) -> Result<HttpResponse, Problem> {
    let c = find_collection(&path)?;
    let mut allowed = vec![
        "f", "bbox", "bbox-crs", "crs", "limit", "offset", "datetime",
    ];
    allowed.extend_from_slice(queryables(c));
    let q = Query::parse(&req, &allowed)?;
    let fmt = format(&req, q.str("f"))?;
    let crs = q
        .str("crs")
        .map(|s| Crs::parse("crs", s))
        .transpose()?
        .unwrap_or(Crs::CRS84);
    let bbox_crs = q
        .str("bbox-crs")
        .map(|s| Crs::parse("bbox-crs", s))
        .transpose()?
        .unwrap_or(Crs::CRS84);
    let bbox = q.str("bbox").map(|s| parse_bbox(s, bbox_crs)).transpose()?;
    let limit = match q.str("limit") {
        None => DEFAULT_LIMIT,
        Some(s) => match s.parse::<u64>() {
            Ok(n) if n >= 1 => (n.min(MAX_LIMIT as u64)) as usize,
            _ => {
                return Err(Problem::invalid(
                    "limit",
                    format!(
                        "`limit` must be a whole number from 1 (values over {MAX_LIMIT} give {MAX_LIMIT}), not `{s}`"
                    ),
                ));
            }
        },
    };
    let offset = q.usize_in("offset", 0, 0, usize::MAX)?;
    let when = q.str("datetime").map(parse_datetime).transpose()?;
    let filters: Vec<(&str, &str)> = queryables(c)
        .iter()
        .filter_map(|k| q.str(k).map(|v| (*k, v)))
        .collect();

    let snap = state.live.get();
    let bbox_proj = Projector::new(bbox_crs)?;
    let published = state.published(&snap, c);
    // Boxes of the features in bbox-crs (x, y): a feature whose box misses
    // the bbox cannot intersect it, so only the others are tested exactly.
    let boxes = bbox.map(|_| published.bboxes_in(bbox_crs.code));
    let matched: Vec<(usize, &Feature)> = published
        .features
        .iter()
        .enumerate()
        .filter(|(_, f)| {
            filters
                .iter()
                .all(|(k, v)| matches(f.properties.get(*k), v))
        })
        .filter(|(_, f)| {
            when.is_none_or(|(from, to)| {
                let d = f
                    .properties
                    .get("as_of")
                    .and_then(Value::as_str)
                    .and_then(|s| {
                        NaiveDate::parse_from_str(s.get(..10).unwrap_or(s), "%Y-%m-%d").ok()
                    });
                d.is_some_and(|d| from.is_none_or(|x| d >= x) && to.is_none_or(|y| d <= y))
            })
        })
        .filter(|(i, f)| {
            bbox.is_none_or(|r| {
                if let Some(Some(b)) = boxes.as_ref().map(|b| b[*i])
                    && !b.intersects(&r)
                {
                    return false;
                }
                bbox_proj.intersects(&f.geometry, &r)
            })
        })
        .collect();
    let proj = Projector::new(crs)?;
    let mut page_feats = Vec::new();
    let on_page: Vec<(usize, &Feature)> =
        matched.iter().skip(offset).take(limit).copied().collect();
    // In CRS84 the published geometries are the answer as they are.
    let native = proj.is_native();
    if !native {
        for &(_, f) in &on_page {
            let mut g = f.geometry.clone();
            proj.publish(&mut g)?;
            page_feats.push((f, g));
        }
    }
    let n = on_page.len();
    let path_s = format!("/ogc/collections/{}/items", c.id());
    let has_next = offset + n < matched.len();
    let prev_offset = offset.saturating_sub(limit);

    if fmt == Format::Html {
        let mut keys: Vec<&str> = Vec::new();
        for (_, f) in &on_page {
            for k in f.properties.keys() {
                if k != "id" && !keys.contains(&k.as_str()) {
                    keys.push(k);
                }
            }
        }
        let mut headers = vec!["id"];
        headers.extend(keys.iter().copied());
        let rows: Vec<Vec<String>> = on_page
            .iter()
            .map(|(_, f)| {
                let mut r = vec![a(&format!("{path_s}/{}?f=html", urlencode(&f.id)), &f.id)];
                r.extend(
                    keys.iter()
                        .map(|k| esc(&f.properties.get(*k).map(value_text).unwrap_or_default())),
                );
                r
            })
            .collect();
        let (lv, _) = c.titles();
        let mut body = format!(
            "<p>Atrasti {} objekti, parādīti {} no {}. (Matched {}, returned {}.)</p>\n",
            matched.len(),
            n,
            offset + 1,
            matched.len(),
            n
        );
        body.push_str(&table(&format!("{lv}: objekti"), &headers, &rows));
        body.push_str("<nav aria-label=\"Lapas (pages)\"><ul>\n");
        if offset > 0 {
            body.push_str(&format!(
                "<li>{}</li>\n",
                a(
                    &href(
                        &path_s,
                        &req,
                        &[("f", "html".into()), ("offset", prev_offset.to_string())]
                    ),
                    "Iepriekšējā lapa (previous page)"
                )
            ));
        }
        if has_next {
            body.push_str(&format!(
                "<li>{}</li>\n",
                a(
                    &href(
                        &path_s,
                        &req,
                        &[("f", "html".into()), ("offset", (offset + n).to_string())]
                    ),
                    "Nākamā lapa (next page)"
                )
            ));
        }
        body.push_str("</ul></nav>\n");
        let coll = format!("/ogc/collections/{}", c.id());
        let html = page(
            &format!("{lv}: objekti"),
            &[
                ("/ogc?f=html", "gapmap OGC API"),
                ("/ogc/collections?f=html", "Datu kopas"),
                (&format!("{coll}?f=html"), lv),
            ],
            &href(&path_s, &req, &[("f", "json".into())]),
            &body,
        );
        return Ok(HttpResponse::Ok()
            .content_type("text/html; charset=utf-8")
            .insert_header(("Content-Crs", content_crs(crs)))
            .body(html));
    }

    let b = base(&req);
    let full = format!("{b}{path_s}");
    let mut links = vec![
        link(
            &href(&full, &req, &[("f", "json".into())]),
            "self",
            GEOJSON,
            "This page (GeoJSON)",
        ),
        link(
            &href(&full, &req, &[("f", "html".into())]),
            "alternate",
            HTML,
            "This page as HTML",
        ),
        link(
            &format!("{b}/ogc/collections/{}?f=json", c.id()),
            "collection",
            JSON,
            "The collection",
        ),
    ];
    if has_next {
        links.push(link(
            &href(
                &full,
                &req,
                &[("f", "json".into()), ("offset", (offset + n).to_string())],
            ),
            "next",
            GEOJSON,
            "Next page",
        ));
    }
    if offset > 0 {
        links.push(link(
            &href(
                &full,
                &req,
                &[("f", "json".into()), ("offset", prev_offset.to_string())],
            ),
            "prev",
            GEOJSON,
            "Previous page",
        ));
    }
    let mut body = json!({
        "type": "FeatureCollection",
        "numberMatched": matched.len(),
        "numberReturned": n,
        "timeStamp": chrono::Utc::now().to_rfc3339_opts(chrono::SecondsFormat::Secs, true),
        "snapshot_version": snap.version,
        "links": links,
    });
    let text = if native {
        // The features' GeoJSON text, serialised once per snapshot, spliced
        // in as the last member: the same bytes as serialising the whole.
        let texts = published.geojson_texts();
        let mut text = serde_json::to_string(&body).unwrap_or_default();
        text.pop(); // the closing `}`
        text.reserve(
            on_page
                .iter()
                .map(|&(i, _)| texts[i].len() + 1)
                .sum::<usize>()
                + 16,
        );
        text.push_str(",\"features\":[");
        for (k, &(i, _)) in on_page.iter().enumerate() {
            if k > 0 {
                text.push(',');
            }
            text.push_str(&texts[i]);
        }
        text.push_str("]}");
        text
    } else {
        let features: Vec<Value> = page_feats
            .iter()
            .map(|(f, g)| feature(&f.id, f.properties.clone(), g))
            .collect();
        body["features"] = Value::Array(features);
        serde_json::to_string(&body).unwrap_or_default()
    };
    Ok(HttpResponse::Ok()
        .content_type(GEOJSON)
        .insert_header(("Content-Crs", content_crs(crs)))
        .body(text))
}

fn urlencode(s: &str) -> String {
    serde_urlencoded::to_string([("x", s)])
        .unwrap_or_default()
        .split_off(2)
}

/// `GET /ogc/collections/{collection_id}/items/{feature_id}`.
#[utoipa::path(get, path = "/ogc/collections/{collection_id}/items/{feature_id}", tag = "ogc",
    params(("collection_id" = String, Path, description = "A collection id", example = "sites"),
        ("feature_id" = String, Path, description = "The feature's id", example = "activity-centre-zemgale"),
        ("f" = Option<String>, Query, description = "json (GeoJSON) or html"),
        ("crs" = Option<String>, Query, description = "CRS of the geometry: CRS84 (default), EPSG:4326, EPSG:3059 or EPSG:3857 as OGC URIs")),
    responses((status = 200, description = "One feature", content_type = "application/geo+json"),
        (status = 400, description = "A parameter is unknown or invalid", content_type = "application/problem+json"),
        (status = 404, description = "No such collection or feature", content_type = "application/problem+json")))]
pub async fn item(
    req: HttpRequest,
    path: web::Path<(String, String)>,
    state: web::Data<AppState>,
) -> Result<HttpResponse, Problem> {
    let (cid, fid) = path.into_inner();
    let c = find_collection(&cid)?;
    let q = Query::parse(&req, &["f", "crs"])?;
    let fmt = format(&req, q.str("f"))?;
    let crs = q
        .str("crs")
        .map(|s| Crs::parse("crs", s))
        .transpose()?
        .unwrap_or(Crs::CRS84);
    let snap = state.live.get();
    let published = state.published(&snap, c);
    let f = published.get(&fid).ok_or_else(|| {
        Problem::not_found(format!("no feature `{fid}` in collection `{}`", c.id()))
    })?;
    let mut g = f.geometry.clone();
    Projector::new(crs)?.publish(&mut g)?;
    let me = format!("/ogc/collections/{}/items/{}", c.id(), urlencode(&f.id));
    let coll = format!("/ogc/collections/{}", c.id());
    if fmt == Format::Html {
        let (lv, _) = c.titles();
        let mut props: Map<String, Value> = f.properties.clone();
        props.insert("geometry (type)".into(), json!(c.geometry_type()));
        let body = properties(&format!("{lv}: {}", f.id), &props);
        let html = page(
            &f.id,
            &[
                ("/ogc?f=html", "gapmap OGC API"),
                ("/ogc/collections?f=html", "Datu kopas"),
                (&format!("{coll}?f=html"), lv),
                (&format!("{coll}/items?f=html"), "objekti"),
            ],
            &format!("{me}?f=json"),
            &body,
        );
        return Ok(html_response(html));
    }
    let b = base(&req);
    let mut v = feature(&f.id, f.properties.clone(), &g);
    v["links"] = json!([
        link(&format!("{b}{me}?f=json"), "self", GEOJSON, "This feature"),
        link(
            &format!("{b}{me}?f=html"),
            "alternate",
            HTML,
            "This feature as HTML"
        ),
        link(
            &format!("{b}{coll}?f=json"),
            "collection",
            JSON,
            "The collection"
        ),
    ]);
    Ok(HttpResponse::Ok()
        .content_type(GEOJSON)
        .insert_header(("Content-Crs", content_crs(crs)))
        .body(serde_json::to_string(&v).unwrap_or_default()))
}
