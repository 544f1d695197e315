//! `/ogc/collections/{collection_id}/items` and `…/items/{feature_id}`.

use super::html::{a, esc, page as page_html, properties, table, value_text};
use super::{
    Crs, Format, GEOJSON, HTML, JSON, base, find_collection, format, html_response, link,
    queryables,
};
use crate::AppState;
use crate::problem::Problem;
use crate::query::Query;
use crate::routes::feature;
use actix_web::{HttpRequest, HttpResponse, web};
use chrono::NaiveDate;
use gapmap_engine::snapshot::Snapshot;
use gapmap_geo::crs::{Transformer, map_coords_dyn};
use gapmap_publish::collections::{Collection, Feature, Published};
use geo::Intersects;
use geo_types::{Coord, Geometry, Rect};
use serde_json::{Map, Value, json};

/// The largest page: larger `limit`s are served as this (OGC API – Features
/// Part 1, /req/core/fc-limit-response-1), and `numberReturned` says so.
const MAX_LIMIT: usize = 10_000;
const DEFAULT_LIMIT: usize = 10;
/// The largest `offset` (the OpenAPI document's int64 maximum).
const MAX_OFFSET: usize = i64::MAX as usize;
/// The parameters every collection's items accept besides its property
/// filters ([`queryables`]).
const PARAMS: [&str; 7] = [
    "f", "bbox", "bbox-crs", "crs", "limit", "offset", "datetime",
];

/// Moves published (lon, lat) geometries into a requested CRS and axis order.
struct Projector {
    crs: Crs,
    t: Option<Transformer>,
}

impl Projector {
    fn new(crs: Crs) -> Result<Projector, Problem> {
        let t = if crs.code == gapmap_geo::crs::WGS84 {
            None
        } else {
            Some(Transformer::new(gapmap_geo::crs::WGS84, crs.code).map_err(Problem::internal)?)
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

    /// Into the CRS as published: rings by the right-hand rule and
    /// coordinates rounded to the CRS's precision (in x, y = east, north),
    /// then in its authority's axis order.
    fn publish(&self, g: &mut Geometry<f64>) -> Result<(), Problem> {
        self.xy(g)?;
        *g = gapmap_publish::geometry::published(g, self.crs.code);
        if self.crs.swap {
            map_coords_dyn(g, &|c| Coord { x: c.y, y: c.x });
        }
        Ok(())
    }
}

/// A `bbox` in `crs`'s axis order, as (x, y) boxes to test: one, or two
/// for a CRS84/EPSG:4326 box whose west edge is east of its east edge (it
/// spans the antimeridian, OGC API – Features Part 1 §7.15.3). Any other
/// box with a lower corner above its upper corner selects nothing.
#[derive(Debug, Clone, PartialEq)]
pub struct BboxFilter(Vec<Rect<f64>>);

fn parse_bbox(s: &str, crs: Crs) -> Result<BboxFilter, Problem> {
    let v = match crate::query::numbers(s).as_deref() {
        Some([a, b, c, d]) => [*a, *b, *c, *d],
        Some([a, b, _, d, e, _]) => [*a, *b, *d, *e],
        _ => {
            return Err(Problem::invalid(
                "bbox",
                format!(
                    "`bbox` must be 4 (or 6) plain numbers, lower corner then upper corner in the axis order of bbox-crs ({}), not `{s}`",
                    crs.uri
                ),
            ));
        }
    };
    // Authority axis order → (x, y).
    let [x0, y0, x1, y1] = if crs.swap {
        [v[1], v[0], v[3], v[2]]
    } else {
        v
    };
    let rect = |a: f64, b: f64| Rect::new(Coord { x: a, y: y0 }, Coord { x: b, y: y1 });
    let boxes = if y0 > y1 {
        vec![]
    } else if x0 <= x1 {
        vec![rect(x0, x1)]
    } else if crs.code == gapmap_geo::crs::WGS84 {
        vec![rect(x0, 180.0), rect(-180.0, x1)]
    } else {
        vec![]
    };
    Ok(BboxFilter(boxes))
}

/// `datetime`: an instant or an interval (`start/end`, `..` or empty for
/// open), compared by date with each feature's `as_of`.
pub fn parse_datetime(s: &str) -> Result<(Option<NaiveDate>, Option<NaiveDate>), Problem> {
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
            // An interval that ends before it starts is kept: it selects
            // nothing (as the OpenAPI document says).
            Ok((one(a).map_err(|_| bad())?, one(b).map_err(|_| bad())?))
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

/// `GET /ogc/collections/{collection_id}/items`. The OpenAPI document also
/// writes this path out per collection, each with its own property filters
/// ([`per_collection_paths`]).
#[utoipa::path(get, path = "/ogc/collections/{collection_id}/items", tag = "ogc",
    params(("collection_id" = String, Path, description = "sites, settlements, municipality, parishes, coverage, priority_zones, demand_grid, gap_grid or gap_clusters", example = "sites"),
        ("f" = inline(Option<super::FParam>), Query, description = "json (GeoJSON) or html; without it, Accept decides (406 when it accepts neither)"),
        ("bbox" = Option<String>, Query, description = "minx,miny,maxx,maxy (or 6 numbers, heights ignored) in the axis order of bbox-crs (default CRS84 lon,lat), plain decimals. A CRS84/EPSG:4326 box whose west edge is east of its east edge spans the antimeridian; any other box with a lower corner above its upper corner selects nothing", pattern = r"^-?[0-9]{1,300}(\.[0-9]+)?(,-?[0-9]{1,300}(\.[0-9]+)?){3}((,-?[0-9]{1,300}(\.[0-9]+)?){2})?$"),
        ("bbox-crs" = inline(Option<super::CrsParam>), Query, description = "CRS of bbox: CRS84 (default), EPSG:4326 (lat,lon), EPSG:3059 (northing,easting) or EPSG:3857"),
        ("crs" = inline(Option<super::CrsParam>), Query, description = "CRS of the response geometries (same list); Content-Crs names it"),
        ("limit" = Option<u64>, Query, description = "Page size, a whole number ≥ 1, default 10. Values over 10000 are served as 10000 (OGC API – Features Part 1 asks servers to clamp, not refuse); numberReturned tells", minimum = 1),
        ("offset" = Option<i64>, Query, description = "Features to skip, default 0", minimum = 0),
        ("datetime" = Option<String>, Query, description = "A date or RFC 3339 date-time, or an interval start/end (`..` or nothing for an open end), matched by date against each feature's as_of, the date of its facts. An interval that ends before it starts selects nothing", pattern = r"^((19|20)[0-9]{2}-(0[1-9]|1[0-2])-(0[1-9]|1[0-9]|2[0-8])(T([01][0-9]|2[0-3]):[0-5][0-9]:[0-5][0-9](\.[0-9]{1,9})?(Z|[+-](0[0-9]|1[0-3]):[0-5][0-9]))?|((19|20)[0-9]{2}-(0[1-9]|1[0-2])-(0[1-9]|1[0-9]|2[0-8])(T([01][0-9]|2[0-3]):[0-5][0-9]:[0-5][0-9](\.[0-9]{1,9})?(Z|[+-](0[0-9]|1[0-3]):[0-5][0-9]))?|\.\.)?/((19|20)[0-9]{2}-(0[1-9]|1[0-2])-(0[1-9]|1[0-9]|2[0-8])(T([01][0-9]|2[0-3]):[0-5][0-9]:[0-5][0-9](\.[0-9]{1,9})?(Z|[+-](0[0-9]|1[0-3]):[0-5][0-9]))?|\.\.)?)$"),
        ("source" = Option<String>, Query, description = "property filter (every collection): official, approximate or simulated")),
    responses((status = 200, description = "A page of features as GeoJSON with numberMatched, numberReturned, timeStamp (when the snapshot was built) and next/prev links", content(("application/geo+json"), ("text/html"))),
        (status = 400, description = "A parameter is unknown or invalid", content_type = "application/problem+json"),
        (status = 406, description = "The request accepts neither JSON nor HTML (see `f`)", content_type = "application/problem+json"),
        (status = 404, description = "No such collection", content_type = "application/problem+json")))]
pub async fn items(
    req: HttpRequest,
    path: web::Path<String>,
    state: web::Data<AppState>,
) -> Result<HttpResponse, Problem> {
    let c = find_collection(&path)?;
    let q = ItemsQuery::parse(&req, c)?;
    let snap = state.live.get();
    let published = state.published(&snap, c);
    let page = Page::select(&published, &q)?;
    let (ty, body) = match q.format {
        Format::Html => ("text/html; charset=utf-8", html_page(&req, c, &q, &page)),
        Format::Json => (
            GEOJSON,
            geojson_page(&req, c, &q, &page, &snap, &published)?,
        ),
    };
    Ok(HttpResponse::Ok()
        .content_type(ty)
        .insert_header(("Content-Crs", content_crs(q.crs)))
        .insert_header((actix_web::http::header::VARY, "Accept"))
        .body(body))
}

/// The validated query of `…/items`.
#[derive(Debug, Clone)]
pub struct ItemsQuery {
    pub format: Format,
    pub crs: Crs,
    pub bbox_crs: Crs,
    pub bbox: Option<BboxFilter>,
    /// 1 to [`MAX_LIMIT`].
    pub limit: usize,
    pub offset: usize,
    /// Inclusive dates; `None` ends are open.
    pub when: Option<(Option<NaiveDate>, Option<NaiveDate>)>,
    /// Property filters: (queryable, value), exact match.
    pub filters: Vec<(&'static str, String)>,
}

impl ItemsQuery {
    /// Parse the request's query for collection `c`: its own filters only.
    pub fn parse(req: &HttpRequest, c: Collection) -> Result<ItemsQuery, Problem> {
        let allowed: Vec<&str> = PARAMS.iter().chain(queryables(c)).copied().collect();
        let q = Query::parse(req, &allowed)?;
        let mut iq = ItemsQuery::from_query(&q, c)?;
        iq.format = format(req, q.str("f"))?;
        Ok(iq)
    }

    /// Everything but content negotiation (JSON unless `f=html`).
    pub fn from_query(q: &Query, c: Collection) -> Result<ItemsQuery, Problem> {
        let crs_of = |name: &str| {
            q.str(name)
                .map(|s| Crs::parse(name, s))
                .transpose()
                .map(|c| c.unwrap_or(Crs::CRS84))
        };
        let (crs, bbox_crs) = (crs_of("crs")?, crs_of("bbox-crs")?);
        let format = match q.str("f") {
            Some("html" | "text/html") => Format::Html,
            _ => Format::Json,
        };
        Ok(ItemsQuery {
            format,
            crs,
            bbox_crs,
            bbox: q.str("bbox").map(|s| parse_bbox(s, bbox_crs)).transpose()?,
            limit: limit(q.str("limit"))?,
            offset: q.usize_in("offset", 0, 0, MAX_OFFSET)?,
            when: q.str("datetime").map(parse_datetime).transpose()?,
            filters: queryables(c)
                .iter()
                .filter_map(|k| q.str(k).map(|v| (*k, v.to_owned())))
                .collect(),
        })
    }
}

/// `limit`: a whole number from 1 to the int64 maximum; over
/// [`MAX_LIMIT`] gives [`MAX_LIMIT`].
fn limit(s: Option<&str>) -> Result<usize, Problem> {
    let Some(s) = s else {
        return Ok(DEFAULT_LIMIT);
    };
    let digits = !s.is_empty() && s.bytes().all(|b| b.is_ascii_digit());
    if !digits || s.bytes().all(|b| b == b'0') {
        return Err(Problem::invalid(
            "limit",
            format!(
                "`limit` must be a whole number from 1 (values over {MAX_LIMIT} give {MAX_LIMIT}), not `{s}`"
            ),
        ));
    }
    // Up to the int64 maximum the OpenAPI document declares.
    match s.parse::<i64>() {
        Ok(n) => Ok((n as u64).min(MAX_LIMIT as u64) as usize),
        Err(_) => Err(Problem::invalid(
            "limit",
            format!("`limit` must be at most {}, not `{s}`", i64::MAX),
        )),
    }
}

/// One page of the features that match.
struct Page<'a> {
    matched: usize,
    /// (index in the publication, feature) of the page.
    on_page: Vec<(usize, &'a Feature)>,
    offset: usize,
    limit: usize,
}

impl<'a> Page<'a> {
    fn select(published: &'a Published, q: &ItemsQuery) -> Result<Page<'a>, Problem> {
        let bbox_proj = Projector::new(q.bbox_crs)?;
        // Boxes of the features in bbox-crs (x, y): a feature whose box
        // misses the bbox cannot intersect it; only the others are tested.
        let boxes = q
            .bbox
            .as_ref()
            .map(|_| published.bboxes_in(q.bbox_crs.code));
        let matched: Vec<(usize, &Feature)> = published
            .features
            .iter()
            .enumerate()
            .filter(|(_, f)| {
                q.filters
                    .iter()
                    .all(|(k, v)| matches(f.properties.get(*k), v))
            })
            .filter(|(_, f)| q.when.is_none_or(|w| in_interval(f, w)))
            .filter(|(i, f)| {
                q.bbox.as_ref().is_none_or(|bb| {
                    bb.0.iter().any(|r| {
                        if let Some(Some(b)) = boxes.as_ref().map(|b| b[*i])
                            && !b.intersects(r)
                        {
                            return false;
                        }
                        bbox_proj.intersects(&f.geometry, r)
                    })
                })
            })
            .collect();
        let on_page = matched
            .iter()
            .skip(q.offset)
            .take(q.limit)
            .copied()
            .collect();
        Ok(Page {
            matched: matched.len(),
            on_page,
            offset: q.offset,
            limit: q.limit,
        })
    }

    fn has_next(&self) -> bool {
        self.offset + self.on_page.len() < self.matched
    }

    fn prev_offset(&self) -> usize {
        self.offset.saturating_sub(self.limit)
    }
}

/// Whether a feature's `as_of` date lies in the interval.
fn in_interval(f: &Feature, (from, to): (Option<NaiveDate>, Option<NaiveDate>)) -> bool {
    let d = f
        .properties
        .get("as_of")
        .and_then(Value::as_str)
        .and_then(|s| NaiveDate::parse_from_str(s.get(..10).unwrap_or(s), "%Y-%m-%d").ok());
    d.is_some_and(|d| from.is_none_or(|x| d >= x) && to.is_none_or(|y| d <= y))
}

/// The page as HTML: a table of the features and links to the others.
fn html_page(req: &HttpRequest, c: Collection, q: &ItemsQuery, page: &Page<'_>) -> String {
    let path_s = format!("/ogc/collections/{}/items", c.id());
    let n = page.on_page.len();
    let mut keys: Vec<&str> = Vec::new();
    for (_, f) in &page.on_page {
        for k in f.properties.keys() {
            if k != "id" && !keys.contains(&k.as_str()) {
                keys.push(k);
            }
        }
    }
    let mut headers = vec!["id"];
    headers.extend(keys.iter().copied());
    let rows: Vec<Vec<String>> = page
        .on_page
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
        page.matched,
        n,
        q.offset + 1,
        page.matched,
        n
    );
    body.push_str(&table(&format!("{lv}: objekti"), &headers, &rows));
    body.push_str("<nav aria-label=\"Lapas (pages)\"><ul>\n");
    let mut nav = |offset: usize, text: &str| {
        let h = href(
            &path_s,
            req,
            &[("f", "html".into()), ("offset", offset.to_string())],
        );
        body.push_str(&format!("<li>{}</li>\n", a(&h, text)));
    };
    if q.offset > 0 {
        nav(page.prev_offset(), "Iepriekšējā lapa (previous page)");
    }
    if page.has_next() {
        nav(q.offset + n, "Nākamā lapa (next page)");
    }
    body.push_str("</ul></nav>\n");
    let coll = format!("/ogc/collections/{}", c.id());
    page_html(
        &format!("{lv}: objekti"),
        &[
            ("/ogc?f=html", "gapmap OGC API"),
            ("/ogc/collections?f=html", "Datu kopas"),
            (&format!("{coll}?f=html"), lv),
        ],
        &href(&path_s, req, &[("f", "json".into())]),
        &body,
    )
}

/// The page as GeoJSON with OGC links, numberMatched and numberReturned.
fn geojson_page(
    req: &HttpRequest,
    c: Collection,
    q: &ItemsQuery,
    page: &Page<'_>,
    snap: &Snapshot,
    published: &Published,
) -> Result<String, Problem> {
    let n = page.on_page.len();
    let mut body = json!({
        "type": "FeatureCollection",
        "numberMatched": page.matched,
        "numberReturned": n,
        // The answer is a function of the snapshot: it is as of the
        // snapshot's build (which keeps its ETag stable between changes).
        "timeStamp": snap.built_at.to_rfc3339_opts(chrono::SecondsFormat::Secs, true),
        "snapshot_version": snap.version,
        "links": page_links(req, c, q, page),
    });
    let proj = Projector::new(q.crs)?;
    if proj.is_native() {
        return Ok(spliced(&body, page, published));
    }
    let mut features = Vec::with_capacity(n);
    for &(_, f) in &page.on_page {
        let mut g = f.geometry.clone();
        proj.publish(&mut g)?;
        features.push(feature(&f.id, f.properties.clone(), &g));
    }
    body["features"] = Value::Array(features);
    Ok(serde_json::to_string(&body).unwrap_or_default())
}

/// The page's OGC links: itself, as HTML, its collection, and the next and
/// previous pages where there are some.
fn page_links(req: &HttpRequest, c: Collection, q: &ItemsQuery, page: &Page<'_>) -> Vec<Value> {
    let n = page.on_page.len();
    let b = base(req);
    let full = format!("{b}/ogc/collections/{}/items", c.id());
    let json_at = |offset: Option<usize>| {
        let mut set = vec![("f", "json".to_owned())];
        set.extend(offset.map(|o| ("offset", o.to_string())));
        href(&full, req, &set)
    };
    let mut links = vec![
        link(&json_at(None), "self", GEOJSON, "This page (GeoJSON)"),
        link(
            &href(&full, req, &[("f", "html".into())]),
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
    if page.has_next() {
        links.push(link(
            &json_at(Some(q.offset + n)),
            "next",
            GEOJSON,
            "Next page",
        ));
    }
    if q.offset > 0 {
        links.push(link(
            &json_at(Some(page.prev_offset())),
            "prev",
            GEOJSON,
            "Previous page",
        ));
    }
    links
}

/// `body` with the page's features in native coordinates: their GeoJSON
/// text, serialised once per snapshot, spliced in as the last member (the
/// same bytes as serialising the whole).
fn spliced(body: &Value, page: &Page<'_>, published: &Published) -> String {
    let texts = published.geojson_texts();
    let mut text = serde_json::to_string(body).unwrap_or_default();
    text.pop(); // the closing `}`
    text.reserve(
        page.on_page
            .iter()
            .map(|&(i, _)| texts[i].len() + 1)
            .sum::<usize>()
            + 16,
    );
    text.push_str(",\"features\":[");
    for (k, &(i, _)) in page.on_page.iter().enumerate() {
        if k > 0 {
            text.push(',');
        }
        text.push_str(&texts[i]);
    }
    text.push_str("]}");
    text
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
        ("f" = inline(Option<super::FParam>), Query, description = "json (GeoJSON) or html; without it, Accept decides"),
        ("crs" = inline(Option<super::CrsParam>), Query, description = "CRS of the geometry: CRS84 (default), EPSG:4326, EPSG:3059 or EPSG:3857 as OGC URIs")),
    responses((status = 200, description = "One feature", content(("application/geo+json"), ("text/html"))),
        (status = 400, description = "A parameter is unknown or invalid", content_type = "application/problem+json"),
        (status = 406, description = "The request accepts neither JSON nor HTML (see `f`)", content_type = "application/problem+json"),
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
        let html = page_html(
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

/// Add to the OpenAPI document one items path per collection, each listing
/// the property filters ([`queryables`]) that collection accepts. The
/// generic `/ogc/collections/{collection_id}/items` stays, with the
/// parameters every collection takes (`source` is the one filter all have);
/// a concrete path is matched before the template.
pub fn per_collection_paths(doc: &mut utoipa::openapi::OpenApi) {
    use utoipa::openapi::path::{ParameterBuilder, ParameterIn};
    use utoipa::openapi::{ObjectBuilder, RefOr, Required, Type};
    let generic = "/ogc/collections/{collection_id}/items";
    let Some(template) = doc.paths.paths.get(generic).cloned() else {
        return;
    };
    for c in Collection::ALL {
        let mut item = template.clone();
        if let Some(op) = item.get.as_mut() {
            op.operation_id = Some(format!("items_{}", c.id()));
            op.summary = Some(format!("The features of {}", c.id()));
            let params = op.parameters.get_or_insert_with(Vec::new);
            params.retain(
                |p| !matches!(p, RefOr::T(p) if p.name == "collection_id" || p.name == "source"),
            );
            for q in queryables(c) {
                params.push(RefOr::T(
                    ParameterBuilder::new()
                        .name(*q)
                        .parameter_in(ParameterIn::Query)
                        .required(Required::False)
                        .description(Some(format!(
                            "property filter: features whose `{q}` equals this value (numbers and booleans compare by value)"
                        )))
                        .schema(Some(ObjectBuilder::new().schema_type(Type::String)))
                        .build(),
                ));
            }
        }
        doc.paths
            .paths
            .insert(format!("/ogc/collections/{}/items", c.id()), item);
    }
}
