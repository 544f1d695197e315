//! `GET /`: the resident finder. A GET form (`?q=`) searches the
//! gazetteer; one clear match (or `?place=kind:id`, or `?lon=&lat=` from
//! "use my location") shows the nearest places to get online with today's
//! hours, and what home internet providers report there, in plain words.
//!
//! States: start, choices (several matches), no results (with "did you
//! mean"), results for a place.

use super::i18n::{Lang, t, tf, tn};
use super::{PageQuery, base_context, href, render, sites, words};
use crate::AppState;
use crate::problem::Problem;
use crate::routes::nearest::{Times, nearest_sites};
use actix_web::{HttpRequest, HttpResponse, web};
use chrono::{DateTime, Utc};
use gapmap_engine::analysis::holidays::DayKind;
use gapmap_engine::analysis::open_now::riga_local;
use gapmap_engine::analysis::{NearestKind, fixed_class};
use gapmap_engine::gazetteer::{Gazetteer, Hit, HitKind};
use gapmap_engine::snapshot::Snapshot;
use gapmap_geo::crs::{Transformer, WGS84};
use gapmap_model::{CoordinateQuality, ServiceKind, Site, Source, Wheelchair, ZoneKind};
use geo::Intersects;
use geo_types::Point;
use serde_json::{Map, Value, json};

/// How many places a result lists.
const LIST: usize = 6;
/// Of each kind (free Wi-Fi, library, KAC), at least this many nearest.
const PER_KIND: usize = 3;

/// What the results are for.
struct Target {
    kind: Option<HitKind>,
    name: String,
    parish: Option<String>,
    location: Point<f64>,
}

fn target_of(g: &Gazetteer, h: &Hit<'_>) -> Target {
    Target {
        kind: Some(h.kind),
        name: h.name.to_owned(),
        parish: g.parish_id(h.parish).map(str::to_owned),
        location: h.location,
    }
}

/// `?place=kind:id` (or `address:text`) to a target.
fn resolve_place(g: &Gazetteer, place: &str) -> Option<Target> {
    let (kind, id) = place.split_once(':')?;
    let kind = HitKind::parse(kind)?;
    if kind == HitKind::Address {
        return g.address(id).map(|h| target_of(g, &h));
    }
    let p = g.place(kind, id)?;
    Some(Target {
        kind: Some(kind),
        name: p.name.clone(),
        parish: g.parish_id(p.parish).map(str::to_owned),
        location: p.location,
    })
}

fn place_param(h: &Hit<'_>) -> String {
    match h.id {
        Some(id) => format!("{}:{id}", h.kind.as_str()),
        None => format!("address:{}", h.name),
    }
}

/// A hit as a link for the choices list.
fn hit_json(lang: Lang, g: &Gazetteer, snap: &Snapshot, h: &Hit<'_>) -> Value {
    let parish = g.parish_id(h.parish).and_then(|id| snap.parish_name(id));
    let place = place_param(h);
    // "Glūdas pagasts", not "Glūdas pagasts pagasts": the kind is left out
    // when the name already says it.
    let kind = t(lang, &format!("hit.{}", h.kind.as_str()));
    let kind = (!says_kind(h.name, kind)).then_some(kind);
    let link = href(
        lang,
        &format!(
            "/?{}",
            serde_urlencoded::to_string([("place", place.as_str())]).unwrap_or_default()
        ),
    );
    json!({
        "name": h.name,
        "type": kind,
        "parish": parish,
        "href": link,
    })
}

/// Whether a name already ends with its kind's word ("Glūdas pagasts" and
/// "pagasts"), diacritics and case aside.
fn says_kind(name: &str, kind: &str) -> bool {
    let (name, kind) = (gapmap_geo::text::fold(name), gapmap_geo::text::fold(kind));
    !kind.is_empty() && (name == kind || name.ends_with(&format!(" {kind}")))
}

/// Hits as the lines of a list, without a line repeated: two hits that
/// would read the same (name, kind and parish) show once.
fn hit_lines(lang: Lang, g: &Gazetteer, snap: &Snapshot, hits: &[Hit<'_>]) -> Vec<Value> {
    let mut out: Vec<Value> = Vec::new();
    for h in hits {
        let v = hit_json(lang, g, snap, h);
        let same = |o: &Value| {
            o["name"] == v["name"] && o["type"] == v["type"] && o["parish"] == v["parish"]
        };
        if !out.iter().any(same) {
            out.push(v);
        }
    }
    out
}

fn status_json(
    lang: Lang,
    open: Option<bool>,
    today: &Option<Vec<String>>,
    next: Option<String>,
    may_differ: Option<DayKind>,
) -> Value {
    let (state, text) = match (may_differ, open) {
        (Some(kind), _) => (
            "holiday",
            tf(lang, "status.may_differ", &[("day", &day_name(lang, kind))]),
        ),
        (None, Some(true)) => ("open", t(lang, "status.open").to_owned()),
        (None, Some(false)) => (
            "closed",
            match next {
                Some(n) => tf(lang, "status.closed_opens", &[("opens", &n)]),
                None => t(lang, "status.closed").to_owned(),
            },
        ),
        (None, None) => ("unknown", t(lang, "status.unknown").to_owned()),
    };
    let hours = match today {
        None => None,
        Some(v) if v.is_empty() => Some(t(lang, "status.closed_today").to_owned()),
        Some(v) => Some(words::hours(v)),
    };
    // On a holiday the weekday's hours are only what usually holds.
    let hours = match (may_differ, hours) {
        (Some(_), Some(h)) => Some(tf(lang, "status.usually", &[("hours", &h)])),
        (_, h) => h,
    };
    json!({"state": state, "text": text, "hours": hours})
}

/// A holiday or moved working day in words ("Ziemassvētki").
pub fn day_name(lang: Lang, kind: DayKind) -> String {
    match kind {
        DayKind::Holiday(h) => t(lang, &format!("holiday.{}", h.key())).to_owned(),
        DayKind::MovedDayOff => t(lang, "holiday.moved_day_off").to_owned(),
        DayKind::MovedWorkingDay => t(lang, "holiday.moved_working_day").to_owned(),
        DayKind::Ordinary => String::new(),
    }
}

/// One place of the results, in words.
fn site_card(lang: Lang, site: &Site, distance_m: Option<f64>, at: DateTime<Utc>) -> Value {
    let times = Times::of(site, at);
    let now = riga_local(at);
    let next = times.opens_next.map(|n| words::opens(lang, now, n));
    let wheelchair = match site.wheelchair {
        Wheelchair::Yes => "wheelchair.yes",
        Wheelchair::Limited => "wheelchair.limited",
        Wheelchair::No => "wheelchair.no",
        Wheelchair::Unknown => "wheelchair.unknown",
    };
    let approx_location = matches!(
        site.coordinate_quality,
        Some(CoordinateQuality::Settlement | CoordinateQuality::Estimated)
    );
    let wifi = site.is_free_wifi().then(|| {
        status_json(
            lang,
            times.wifi_open_now,
            &times.wifi_hours_today,
            None,
            times.wifi_may_differ,
        )
    });
    json!({
        "id": site.id,
        "name": site.name,
        "what": sites::what(lang, site),
        "distance": distance_m.map(|d| words::distance(lang, d)),
        "address": site.address,
        "status": status_json(lang, times.open_now, &times.hours_today, next, times.may_differ),
        "wifi": wifi,
        "wifi_own_hours": site.wifi_hours.is_some(),
        "phone": site.phone,
        "tel": site.phone.as_deref().map(words::tel_uri),
        "wheelchair": t(lang, wheelchair),
        "services": sites::services(lang, site),
        "how_to_connect": sites::how_to_connect(lang, site),
        "approx_location": approx_location,
        "source": site.provenance.source.as_str(),
        "planned": site.status != gapmap_model::SiteStatus::Active,
        "map_href": href(lang, &format!("/map?lon={:.5}&lat={:.5}&z=14", site.location.x(), site.location.y())),
        "report_href": href(lang, &format!("/report?site={}", crate::links::encode(&site.id))),
    })
}

/// The places to list for a target: for a parish, its own places (nearest
/// its middle first); else the nearest of each kind, merged, nearest first.
fn places_for(snap: &Snapshot, target: &Target, x: f64, y: f64) -> Vec<(usize, f64)> {
    let dist = |i: usize| {
        let p = snap.sites_xy[i];
        ((p.x() - x).powi(2) + (p.y() - y).powi(2)).sqrt()
    };
    if target.kind == Some(HitKind::Parish) {
        let mut own: Vec<(usize, f64)> = snap
            .sites
            .iter()
            .enumerate()
            .filter(|(_, s)| sites::is_public_access(s) && s.parish_id == target.parish)
            .map(|(i, _)| (i, dist(i)))
            .collect();
        own.sort_by(|a, b| a.1.total_cmp(&b.1));
        if !own.is_empty() {
            return own;
        }
    }
    let mut all: Vec<(usize, f64)> = Vec::new();
    for kind in [NearestKind::Wifi, NearestKind::Library, NearestKind::Kac] {
        for (i, d) in nearest_sites(snap, kind, x, y, PER_KIND) {
            if !all.iter().any(|(j, _)| *j == i) {
                all.push((i, d));
            }
        }
    }
    all.sort_by(|a, b| a.1.total_cmp(&b.1));
    all.truncate(LIST);
    all
}

fn tech_key(t: gapmap_model::Technology) -> String {
    format!("tech.{}", t.as_str())
}

/// What providers report at a point, in words.
fn home_internet(lang: Lang, snap: &Snapshot, x: f64, y: f64, state: &AppState) -> Value {
    let at = snap.prepared.at(x, y);
    let fixed = at.best_fixed.map(|i| &snap.coverage[i as usize]);
    let mobile = at.best_mobile.map(|i| &snap.coverage[i as usize]);
    let line = |c: &gapmap_model::CoverageArea| {
        tf(
            lang,
            "home.up_to",
            &[
                ("speed", &words::mbps(lang, c.max_down_mbps)),
                ("how", t(lang, &tech_key(c.technology))),
                ("provider", &c.provider),
            ],
        )
    };
    let class = fixed_class(
        fixed.map(|c| (c.max_down_mbps, c.max_up_mbps)),
        &state.thresholds,
    );
    let simulated = snap
        .prepared
        .covering(x, y)
        .any(|i| snap.coverage[i].provenance.source == Source::Simulated);
    let sentence = match fixed {
        Some(c) => tf(
            lang,
            "home.sentence",
            &[
                ("speed", &words::mbps(lang, c.max_down_mbps)),
                ("how", t(lang, &tech_key(c.technology))),
                ("class", t(lang, &format!("class_short.{}", class.as_str()))),
            ],
        ),
        None => t(lang, "home.sentence_none").to_owned(),
    };
    json!({
        "sentence": sentence,
        "fixed": fixed.map(line),
        "mobile": mobile.map(|c| tf(lang, "home.mobile_up_to", &[("speed", &words::mbps(lang, c.max_down_mbps)), ("provider", &c.provider)])),
        "class": t(lang, &format!("class.{}", class.as_str())),
        "simulated": simulated,
        "other_fixed": snap.prepared.covering(x, y).filter(|&i| snap.coverage[i].service == ServiceKind::Fixed).count().saturating_sub(1),
    })
}

/// A parish in numbers, in words.
fn parish_summary(lang: Lang, snap: &Snapshot, parish: &str) -> Option<Value> {
    let p = snap.analysis.parishes.iter().find(|p| p.id == parish)?;
    let a = &p.aggregate;
    let good = a.by_fixed_class.get("served").copied().unwrap_or(0)
        + a.by_fixed_class.get("gigabit").copied().unwrap_or(0);
    // The finder is public: counts as the public rule publishes them.
    let d = gapmap_model::disclosure::Disclosure::public(
        snap.analysis.thresholds.disclosure_min_residents,
    );
    Some(json!({
        "residents": words::count(lang, &d, a.residents),
        "fast_share": words::percent(lang, good, a.residents),
        "underserved": words::count(lang, &d, a.digitally_underserved),
        "simulated": a.demand_sources.contains_key(&Source::Simulated) || a.coverage_sources.contains_key(&Source::Simulated),
    }))
}

/// Whether the target lies in (or, for a parish, touches) a border zone.
fn in_border_zone(snap: &Snapshot, target: &Target) -> bool {
    let parish_geom = (target.kind == Some(HitKind::Parish))
        .then(|| {
            snap.areas
                .iter()
                .find(|a| Some(&a.id) == target.parish.as_ref())
                .map(|a| &a.geometry)
        })
        .flatten();
    snap.zones
        .iter()
        .filter(|z| z.zone_kind == ZoneKind::Border)
        .any(|z| match parish_geom {
            Some(g) => z.geometry.intersects(g),
            None => z.geometry.intersects(&target.location),
        })
}

fn results(
    lang: Lang,
    state: &AppState,
    snap: &Snapshot,
    target: &Target,
    at: DateTime<Utc>,
) -> Result<Value, Problem> {
    let t84 = Transformer::for_analysis(WGS84, snap.working_crs).map_err(Problem::internal)?;
    let (x, y) = t84
        .convert(target.location.x(), target.location.y())
        .map_err(Problem::internal)?;
    let is_parish = target.kind == Some(HitKind::Parish);
    // From a parish's middle, a distance means nothing to anyone.
    let list: Vec<Value> = places_for(snap, target, x, y)
        .into_iter()
        .map(|(i, d)| site_card(lang, &snap.sites[i], (!is_parish).then_some(d), at))
        .collect();
    let parish_name = target.parish.as_deref().and_then(|id| snap.parish_name(id));
    let (lon, lat) = (target.location.x(), target.location.y());
    Ok(json!({
        "name": target.name,
        "is_parish": is_parish,
        "parish_name": parish_name,
        "parish_id": target.parish,
        "type": target.kind.map(|k| t(lang, &format!("hit.{}", k.as_str()))),
        "places": list,
        "count_text": tn(lang, "results.count", list_len(&list)),
        "more_text": tn(lang, "results.more", list_len(&list).saturating_sub(3)),
        "home": (!is_parish).then(|| home_internet(lang, snap, x, y, state)),
        "parish_summary": target.parish.as_deref().filter(|_| is_parish).and_then(|p| parish_summary(lang, snap, p)),
        "border": in_border_zone(snap, target),
        "today": words::day(lang, riga_local(at).date()),
        "map_href": href(lang, &if is_parish {
            format!("/map?parish={}", target.parish.as_deref().unwrap_or(""))
        } else {
            format!("/map?lon={lon:.5}&lat={lat:.5}&z=13")
        }),
        "leaflet_href": target.parish.as_ref().map(|p| href(lang, &format!("/leaflets/{}", crate::links::encode(p)))),
    }))
}

fn list_len(v: &[Value]) -> u64 {
    v.len() as u64
}

/// How near (metres) a register address must be to name "your location".
const NEAREST_ADDRESS_M: f64 = 300.0;

/// "Use my location": the point, named by the nearest register address
/// within [`NEAREST_ADDRESS_M`] (and in its parish), else "your location".
fn your_location(lang: Lang, snap: &Snapshot, g: &Gazetteer, lon: f64, lat: f64) -> Target {
    let near = snap.nearest_address(lon, lat, NEAREST_ADDRESS_M);
    Target {
        kind: None,
        name: match near {
            Some((a, d)) => words_near_address(lang, &a.text, d),
            None => t(lang, "results.your_location").to_owned(),
        },
        parish: near.and_then(|(a, _)| g.parish_id(a.parish).map(str::to_owned)),
        location: Point::new(lon, lat),
    }
}

/// "Jūsu atrašanās vieta: pie adreses …, ~40 m".
fn words_near_address(lang: Lang, address: &str, d: f64) -> String {
    let metres = ((d / 10.0).round() * 10.0).max(10.0) as u64;
    tf(
        lang,
        "results.your_location_near",
        &[("address", address), ("metres", &metres.to_string())],
    )
}

/// `GET /?q=&place=&lon=&lat=&at=&lang=`
pub async fn page(req: HttpRequest, state: web::Data<AppState>) -> Result<HttpResponse, Problem> {
    let q = PageQuery::parse(&req);
    let lang = q.lang();
    let snap = state.live.get();
    let g = snap.gazetteer();
    let at = q
        .get("at")
        .and_then(|s| DateTime::parse_from_rfc3339(s).ok())
        .map_or_else(Utc::now, |d| d.with_timezone(&Utc));
    let text = q.get("q").map(str::trim).filter(|s| !s.is_empty());
    let mut page = Map::new();
    page.insert("q".into(), json!(text.unwrap_or("")));
    let mut target = q.get("place").and_then(|p| resolve_place(&g, p));
    if q.get("place").is_some() && target.is_none() {
        page.insert("place_gone".into(), json!(true));
    }
    if target.is_none()
        && let (Some(lon), Some(lat)) = (
            q.get("lon").and_then(|v| v.parse::<f64>().ok()),
            q.get("lat").and_then(|v| v.parse::<f64>().ok()),
        )
        && (-180.0..=180.0).contains(&lon)
        && (-90.0..=90.0).contains(&lat)
    {
        target = Some(your_location(lang, &snap, &g, lon, lat));
    }
    let mut state_name = "start";
    if target.is_none()
        && let Some(text) = text
    {
        let hits = g.search(text, 12);
        if hits.is_empty() {
            state_name = "none";
            let dym = hit_lines(lang, &g, &snap, &g.did_you_mean(text, 3));
            page.insert("did_you_mean".into(), json!(dym));
        } else if hits[0].exact
            && hits
                .get(1)
                .is_none_or(|h| !h.exact || (hits[0].own_name && !h.own_name))
        {
            target = Some(target_of(&g, &hits[0]));
            let others = hit_lines(lang, &g, &snap, &hits[1..hits.len().min(6)]);
            page.insert("others".into(), json!(others));
        } else {
            state_name = "choices";
            let list = hit_lines(lang, &g, &snap, &hits);
            page.insert(
                "choices_count".into(),
                json!(tn(lang, "choices.count", list.len() as u64)),
            );
            page.insert("choices".into(), json!(list));
        }
    }
    if let Some(target) = &target {
        state_name = "results";
        page.insert("results".into(), results(lang, &state, &snap, target, at)?);
    }
    page.insert("state".into(), json!(state_name));
    let ctx = base_context(&state, &q, "/", "finder");
    render(&req, "finder.html", ctx, page)
}
