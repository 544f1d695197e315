//! `GET /api/v1/nearest` and `GET /api/v1/coverage`: what a resident at a
//! point can reach and get.

use super::gaps::{STRAIGHT_LINE, THRESHOLD_PARAMS, thresholds};
use super::wgs84_feature as feature;
use crate::AppState;
use crate::problem::Problem;
use crate::query::Query;
use actix_web::{HttpRequest, HttpResponse, web};
use gapmap_engine::analysis::holidays::DayKind;
use gapmap_engine::analysis::open_now::{
    hours_may_differ, hours_on, hours_text, next_opening, open_at, riga_local,
};
use gapmap_engine::analysis::{NearestKind, fixed_class, mobile_class};
use gapmap_engine::snapshot::Snapshot;
use gapmap_geo::crs::{Transformer, WGS84};
use gapmap_model::{ServiceKind, Site};
use geo_types::Geometry;
use serde_json::{Value, json};

/// Longitude and latitude (WGS84) from the query, projected to the working CRS.
fn point(q: &Query, snap: &Snapshot) -> Result<(f64, f64, f64, f64), Problem> {
    let lon = q
        .f64("lon")?
        .ok_or_else(|| Problem::invalid("lon", "`lon` (longitude, WGS84 degrees) is required"))?;
    let lat = q
        .f64("lat")?
        .ok_or_else(|| Problem::invalid("lat", "`lat` (latitude, WGS84 degrees) is required"))?;
    // The area the service answers for (the data's sanity box, where the
    // metric working CRS holds); the OpenAPI document declares the same.
    let b = gapmap_geo::geometry::SanityBox::BALTIC;
    if !(b.min_lon..=b.max_lon).contains(&lon) {
        return Err(Problem::invalid(
            "lon",
            format!(
                "`lon` must be within {}–{} (the Baltic states), not {lon}",
                b.min_lon, b.max_lon
            ),
        ));
    }
    if !(b.min_lat..=b.max_lat).contains(&lat) {
        return Err(Problem::invalid(
            "lat",
            format!(
                "`lat` must be within {}–{} (the Baltic states), not {lat}",
                b.min_lat, b.max_lat
            ),
        ));
    }
    // As the snapshot projected its demand points and sites.
    let t = Transformer::for_analysis(WGS84, snap.working_crs).map_err(Problem::internal)?;
    let (x, y) = t
        .convert(lon, lat)
        .map_err(|e| Problem::invalid("lon", e.to_string()))?;
    Ok((lon, lat, x, y))
}

/// What a site's hours say at an instant (Europe/Riga): open now, the
/// day's open intervals (`["09:00-17:00"]`; empty: closed all day; `None`:
/// not known), and when it opens next if closed; the same for its free
/// Wi-Fi (its `wifi_hours`, else its opening hours). On a public holiday
/// (or a moved working day) whose hours the data does not give, "open now"
/// is not known (`None`) and `may_differ` says why; `hours_today` are then
/// the usual hours of that weekday.
#[derive(Debug, Clone, PartialEq)]
pub struct Times {
    pub open_now: Option<bool>,
    pub hours_today: Option<Vec<String>>,
    pub opens_next: Option<chrono::NaiveDateTime>,
    pub wifi_open_now: Option<bool>,
    pub wifi_hours_today: Option<Vec<String>>,
    pub may_differ: Option<DayKind>,
    pub wifi_may_differ: Option<DayKind>,
}

impl Times {
    pub fn of(site: &Site, at: chrono::DateTime<chrono::Utc>) -> Times {
        let today = riga_local(at).date();
        let day = |e: &str| hours_on(e, today).map(|h| hours_text(&h));
        let oh = site.opening_hours.as_deref();
        let wifi = site
            .is_free_wifi()
            .then(|| site.wifi_hours.as_deref().or(oh))
            .flatten();
        let may_differ = oh.and_then(|e| hours_may_differ(e, today));
        let wifi_may_differ = wifi.and_then(|e| hours_may_differ(e, today));
        let open_now = oh
            .filter(|_| may_differ.is_none())
            .and_then(|e| open_at(e, at));
        Times {
            open_now,
            hours_today: oh.and_then(day),
            opens_next: (open_now == Some(false))
                .then(|| oh.and_then(|e| next_opening(e, at)))
                .flatten(),
            wifi_open_now: wifi
                .filter(|_| wifi_may_differ.is_none())
                .and_then(|e| open_at(e, at)),
            wifi_hours_today: wifi.and_then(day),
            may_differ,
            wifi_may_differ,
        }
    }
}

/// The kind of a (Riga local) day in the API: `ordinary`, `moved_day_off`,
/// `moved_working_day`, or the holiday's key (`christmas`, `jani`, …).
pub fn day_kind_name(day: chrono::NaiveDate) -> &'static str {
    match gapmap_engine::analysis::holidays::day_kind(day) {
        DayKind::Holiday(h) => h.key(),
        DayKind::MovedDayOff => "moved_day_off",
        DayKind::MovedWorkingDay => "moved_working_day",
        DayKind::Ordinary => "ordinary",
    }
}

/// The nearest sites of a kind to a working-CRS point: (site index,
/// straight-line metres), nearest first.
pub fn nearest_sites(
    snap: &Snapshot,
    kind: NearestKind,
    x: f64,
    y: f64,
    limit: usize,
) -> Vec<(usize, f64)> {
    snap.site_sets.trees[kind as usize]
        .nearest_neighbor_iter(&[x, y])
        .take(limit)
        .map(|g| {
            let d = ((g.geom()[0] - x).powi(2) + (g.geom()[1] - y).powi(2)).sqrt();
            (g.data as usize, d)
        })
        .collect()
}

#[utoipa::path(get, path = "/api/v1/nearest", tag = "residents", params(crate::params::NearestQuery),
    responses((status = 200, description = "Nearest places first, each with straight-line distance_m; open_now (true, false or null: hours not known, or a public holiday or moved working day whose hours the data does not give — then hours_may_differ is true); day_kind (ordinary, moved_day_off, moved_working_day or the holiday: christmas, jani, proclamation, …); hours_today, the open intervals of the day of `at` in Europe/Riga time such as [\"09:00-17:00\"] ([] closed all day, null not known); and for free Wi-Fi wifi_open_now and wifi_hours_today from wifi_hours (else the opening hours)", content_type = "application/geo+json"), (status = 400, description = "A parameter is unknown or invalid", content_type = "application/problem+json")))]
/// `GET /api/v1/nearest?lon=&lat=&kind=&limit=&at=`: nearest public access
/// places, nearest first, with straight-line distance and "open now".
pub async fn nearest(
    req: HttpRequest,
    state: web::Data<AppState>,
) -> Result<HttpResponse, Problem> {
    let q = Query::parse(&req, &["lon", "lat", "kind", "limit", "at"])?;
    let snap = state.live.get();
    let (_, _, x, y) = point(&q, &snap)?;
    let kind_s = q.str("kind").unwrap_or("any");
    let kind = NearestKind::parse(kind_s).ok_or_else(|| {
        Problem::invalid(
            "kind",
            format!("`kind` must be wifi, library, kac or any, not `{kind_s}`"),
        )
    })?;
    let limit = q.usize_in("limit", 5, 1, 100)?;
    let at = match q.str("at") {
        None => chrono::Utc::now(),
        Some(s) => chrono::DateTime::parse_from_rfc3339(s)
            .map_err(|_| Problem::invalid("at", format!("`at` must be an RFC 3339 instant such as 2026-11-25T10:00:00+02:00, not `{s}`")))?
            .with_timezone(&chrono::Utc),
    };
    let today = riga_local(at).date();
    let features: Vec<Value> = nearest_sites(&snap, kind, x, y, limit)
        .into_iter()
        .map(|(i, d)| {
            let s = &snap.sites[i];
            let t = Times::of(s, at);
            let mut props = s.properties();
            props.insert("distance_m".into(), json!((d * 10.0).round() / 10.0));
            props.insert("open_now".into(), json!(t.open_now));
            props.insert("hours_today".into(), json!(t.hours_today));
            props.insert("wifi_open_now".into(), json!(t.wifi_open_now));
            props.insert("wifi_hours_today".into(), json!(t.wifi_hours_today));
            props.insert("hours_may_differ".into(), json!(t.may_differ.is_some()));
            props.insert("day_kind".into(), json!(day_kind_name(today)));
            feature(&s.id, props, &Geometry::Point(s.location))
        })
        .collect();
    Ok(HttpResponse::Ok()
        .content_type("application/geo+json")
        .json(json!({
            "type": "FeatureCollection",
            "kind": kind.as_str(),
            "at": at.to_rfc3339(),
            "time_zone": "Europe/Riga",
            "note": STRAIGHT_LINE,
            "snapshot_version": snap.version,
            "features": features,
        })))
}

/// `GET /api/v1/coverage?lon=&lat=`: the services providers report at a point.
#[utoipa::path(get, path = "/api/v1/coverage", tag = "residents", params(crate::params::PointQuery, crate::params::ThresholdQuery),
    responses((status = 200, description = "Fixed and mobile services providers report at the point, best first, with provenance"), (status = 400, description = "A parameter is unknown or invalid", content_type = "application/problem+json")))]
pub async fn coverage(
    req: HttpRequest,
    state: web::Data<AppState>,
) -> Result<HttpResponse, Problem> {
    let allowed: Vec<&str> = ["lon", "lat"]
        .iter()
        .chain(THRESHOLD_PARAMS)
        .copied()
        .collect();
    let q = Query::parse(&req, &allowed)?;
    let t = thresholds(&q, &state.thresholds)?;
    let snap = state.live.get();
    let (lon, lat, x, y) = point(&q, &snap)?;
    let at = snap.prepared.at(x, y);
    let (best_fixed, best_mobile, providers) = (at.best_fixed, at.best_mobile, at.fixed_providers);
    let mut services: Vec<(usize, &gapmap_model::CoverageArea)> = snap
        .prepared
        .covering(x, y)
        .map(|i| (i, &snap.coverage[i]))
        .collect();
    services.sort_by(|a, b| {
        (b.1.max_down_mbps, b.1.max_up_mbps)
            .partial_cmp(&(a.1.max_down_mbps, a.1.max_up_mbps))
            .unwrap_or(std::cmp::Ordering::Equal)
            .then(a.0.cmp(&b.0))
    });
    let svc = |c: &gapmap_model::CoverageArea| {
        json!({"id": c.id, "provider": c.provider, "technology": c.technology.as_str(), "max_down_mbps": c.max_down_mbps,
               "max_up_mbps": c.max_up_mbps, "source": c.provenance.source, "source_ref": c.provenance.source_ref,
               "as_of": c.provenance.as_of.to_string()})
    };
    let list = |kind: ServiceKind| {
        services
            .iter()
            .filter(|(_, c)| c.service == kind)
            .map(|(_, c)| svc(c))
            .collect::<Vec<_>>()
    };
    let best = |i: Option<u32>| {
        i.map(|i| svc(&snap.coverage[i as usize]))
            .unwrap_or(Value::Null)
    };
    let fixed = best_fixed.map(|i| {
        (
            snap.coverage[i as usize].max_down_mbps,
            snap.coverage[i as usize].max_up_mbps,
        )
    });
    let mobile = best_mobile.map(|i| snap.coverage[i as usize].max_down_mbps);
    let simulated = services
        .iter()
        .any(|(_, c)| c.provenance.source == gapmap_model::Source::Simulated);
    Ok(HttpResponse::Ok().json(json!({
        "lon": lon, "lat": lat,
        "fixed": {"best": best(best_fixed), "services": list(ServiceKind::Fixed), "providers": providers},
        "mobile": {"best": best(best_mobile), "services": list(ServiceKind::Mobile)},
        "fixed_class": fixed_class(fixed, &t).as_str(),
        "mobile_class": mobile_class(mobile, &t).as_str(),
        "thresholds": t,
        "note": "what providers report for this place, not a promise of service",
        "contains_simulated": simulated,
        "snapshot_version": snap.version,
    })))
}
