//! `GET /map`: the map, on demand. The page is complete without scripts
//! (the layer list, the legend and the list of places in the first view
//! are HTML); `web/src/map.ts` loads MapLibre GL JS (bundled, served from
//! here) and keeps the list in step with the view. With `[web] tiles_url`
//! its style reads the vector tiles from that PMTiles archive
//! (`/styles/gapmap.json?tiles=archive`) instead of from `/tiles/…`.
//!
//! Query: `lon`, `lat`, `z` (a view), `parish` (a parish's extent),
//! `cluster` (a gap cluster's extent, from the planning view).

use super::i18n::{Lang, t};
use super::{PageQuery, base_context, href, render};
use crate::AppState;
use crate::problem::Problem;
use actix_web::{HttpRequest, HttpResponse, web};
use gapmap_model::SiteKind;
use gapmap_publish::collections::Collection;
use geo::BoundingRect;
use serde_json::{Map, Value, json};

/// A point inside each parish with its name, for the style's labels.
pub fn parish_label_points(snap: &gapmap_engine::snapshot::Snapshot) -> Vec<(String, f64, f64)> {
    use geo::InteriorPoint;
    snap.areas
        .iter()
        .filter(|a| a.kind == gapmap_model::AreaKind::Parish)
        .filter_map(|a| {
            let p = a.geometry.interior_point()?;
            Some((a.name.clone(), p.x(), p.y()))
        })
        .collect()
}

/// What the map shows when it opens: places, names and the areas where
/// internet is weak (the gap clusters); the rest are switches.
pub const OPENING_LAYERS: &[&str] = &["places", "labels", "clusters"];

/// The sentence under the map saying what it shows ("Kartē: vietas,
/// nosaukumi un teritorijas ar vāju internetu."); `web/src/map.ts` says the
/// same from the switches.
fn shown_sentence(lang: Lang, groups: &[&str]) -> String {
    let words: Vec<String> = groups
        .iter()
        .map(|g| t(lang, &format!("map.shown.{g}")).to_owned())
        .collect();
    let list = match words.split_last() {
        None => return t(lang, "map.shown_nothing").to_owned(),
        Some((last, [])) => last.clone(),
        Some((last, rest)) => format!("{} {} {last}", rest.join(", "), t(lang, "map.shown_and")),
    };
    super::i18n::tf(lang, "map.shown", &[("list", &list)])
}

/// The active places for the map's symbols.
pub fn place_points(
    snap: &gapmap_engine::snapshot::Snapshot,
) -> Vec<gapmap_tiles::style::PlacePoint> {
    snap.sites
        .iter()
        .filter(|s| s.status == gapmap_model::SiteStatus::Active)
        .map(|s| gapmap_tiles::style::PlacePoint {
            id: s.id.clone(),
            name: s.name.clone(),
            kind: s.kind.as_str().to_owned(),
            free_wifi: s.is_free_wifi(),
            lon: s.location.x(),
            lat: s.location.y(),
        })
        .collect()
}

/// The whole municipality (WGS84 west, south, east, north), if no view is asked.
fn municipality_bounds(state: &AppState) -> Option<[f64; 4]> {
    let snap = state.live.get();
    let r = snap
        .areas
        .iter()
        .filter_map(|a| a.geometry.bounding_rect())
        .reduce(|a, b| {
            geo_types::Rect::new(
                geo_types::coord! {x: a.min().x.min(b.min().x), y: a.min().y.min(b.min().y)},
                geo_types::coord! {x: a.max().x.max(b.max().x), y: a.max().y.max(b.max().y)},
            )
        })?;
    Some([r.min().x, r.min().y, r.max().x, r.max().y])
}

/// The whole municipality as a map view, `"w,s,e,n"` (the planning pages' maps).
pub fn municipality_view(state: &AppState) -> Option<String> {
    municipality_bounds(state).map(|b| b.map(|v| format!("{v:.5}")).join(","))
}

/// The map's first view: `[w, s, e, n]`.
fn first_view(state: &AppState, q: &PageQuery) -> Option<[f64; 4]> {
    let snap = state.live.get();
    if let (Some(lon), Some(lat)) = (
        q.get("lon").and_then(|v| v.parse::<f64>().ok()),
        q.get("lat").and_then(|v| v.parse::<f64>().ok()),
    ) && lon.is_finite()
        && lat.is_finite()
    {
        let z = q
            .get("z")
            .and_then(|v| v.parse::<f64>().ok())
            .unwrap_or(13.0)
            .clamp(6.0, 18.0);
        // Half the width of a 1000 px wide view at this zoom, in degrees.
        let half = 360.0 / 2f64.powf(z) * 1000.0 / 512.0 / 2.0;
        let half_lat = half * lat.to_radians().cos();
        return Some([lon - half, lat - half_lat, lon + half, lat + half_lat]);
    }
    if let Some(p) = q.get("parish")
        && let Some(r) = snap
            .areas
            .iter()
            .find(|a| a.id == p)
            .and_then(|a| a.geometry.bounding_rect())
    {
        return Some([r.min().x, r.min().y, r.max().x, r.max().y]);
    }
    if let Some(c) = q.get("cluster") {
        let published = state.published(&snap, Collection::GapClusters);
        if let Some(r) = published.get(c).and_then(|f| f.bbox()) {
            return Some([r.min().x, r.min().y, r.max().x, r.max().y]);
        }
    }
    municipality_bounds(state)
}

/// The public access places within a view, for the list beside the map.
fn places_in(state: &AppState, lang: Lang, b: [f64; 4]) -> Vec<Value> {
    let snap = state.live.get();
    let mut v: Vec<&gapmap_model::Site> = snap
        .sites
        .iter()
        .filter(|s| {
            let (x, y) = (s.location.x(), s.location.y());
            x >= b[0] && x <= b[2] && y >= b[1] && y <= b[3]
        })
        .filter(|s| s.is_free_wifi() || matches!(s.kind, SiteKind::Library | SiteKind::Kac))
        .collect();
    v.sort_by(|a, b| a.name.cmp(&b.name));
    v.into_iter()
        .map(|s| {
            json!({
                "id": s.id,
                "name": s.name,
                "what": t(lang, &format!("kind.{}", s.kind.as_str())),
                "href": href(lang, &format!("/?{}", serde_urlencoded::to_string([("place", format!("site:{}", s.id))]).unwrap_or_default())),
            })
        })
        .collect()
}

/// `GET /map`
pub async fn page(req: HttpRequest, state: web::Data<AppState>) -> Result<HttpResponse, Problem> {
    let q = PageQuery::parse(&req);
    let lang = q.lang();
    let view = first_view(&state, &q);
    let mut page = Map::new();
    page.insert(
        "view".into(),
        json!(view.map(|b| b.map(|v| format!("{v:.5}")).join(","))),
    );
    page.insert(
        "places".into(),
        json!(view.map(|b| places_in(&state, lang, b)).unwrap_or_default()),
    );
    page.insert("shown".into(), json!(OPENING_LAYERS));
    page.insert(
        "shown_sentence".into(),
        json!(shown_sentence(lang, OPENING_LAYERS)),
    );
    page.insert("report_href".into(), json!(href(lang, "/report")));
    // With `[web] tiles_url`, the public map reads its tiles from the
    // PMTiles archive on static hosting (the planners' maps stay live).
    let style_url = if state.config.web.tiles_url.is_some() {
        "/styles/gapmap.json?tiles=archive"
    } else {
        "/styles/gapmap.json"
    };
    page.insert("style_url".into(), json!(style_url));
    page.insert("basemap_url".into(), json!(state.config.basemap_style_url));
    let ctx = base_context(&state, &q, "/map", "map");
    render(&req, "map.html", ctx, page)
}
