//! `GET /leaflets` and `GET /leaflets/{parish_id}`: the printable parish
//! leaflet a librarian hands a senior — one A4 page, large print, legible
//! in black and white: the places to get online in the parish with
//! address, weekday hours, phone and the help offered, a locator map drawn
//! here as SVG from our own data (no tiles), a QR code to the live page
//! (`[server] public_url`), the data's date and, where it is simulated or
//! approximate, a sentence saying so.

use super::i18n::{Lang, t};
use super::{PageQuery, base_context, error_page, href, render, sites, words};
use crate::AppState;
use crate::problem::Problem;
use actix_web::http::StatusCode;
use actix_web::{HttpRequest, HttpResponse, web};
use chrono::{Datelike, Duration, NaiveDate};
use gapmap_engine::analysis::open_now::{hours_on, hours_text};
use gapmap_engine::snapshot::Snapshot;
use gapmap_model::{Area, AreaKind, Site, Source};
use geo::{BoundingRect, InteriorPoint};
use geo_types::{MultiPolygon, Point};
use serde_json::{Map, Value, json};
use std::fmt::Write;

/// At most this many places fit on the page in large print (16 pt); the
/// rest are "more at …" the live page.
const MAX_PLACES: usize = 3;

/// A marker's radius on the locator map (SVG units), and how far apart
/// markers that would overlap are moved.
const MARKER_R: f64 = 28.0;

/// The locator map's size in SVG units.
const MAP_W: f64 = 600.0;
const MAP_H: f64 = 420.0;

/// A projection of a WGS84 box onto the map: equirectangular with the
/// longitude scaled by cos(latitude), fitted with a margin.
struct Frame {
    x0: f64,
    y1: f64,
    k: f64,
    kx: f64,
    ox: f64,
    oy: f64,
}

impl Frame {
    fn fit(b: [f64; 4]) -> Frame {
        let kx = ((b[1] + b[3]) / 2.0).to_radians().cos();
        let (w, h) = ((b[2] - b[0]) * kx, b[3] - b[1]);
        let m = 24.0;
        let k = ((MAP_W - 2.0 * m) / w.max(1e-9)).min((MAP_H - 2.0 * m) / h.max(1e-9));
        Frame {
            x0: b[0],
            y1: b[3],
            k,
            kx,
            ox: (MAP_W - w * k) / 2.0,
            oy: (MAP_H - h * k) / 2.0,
        }
    }

    fn xy(&self, lon: f64, lat: f64) -> (f64, f64) {
        (
            self.ox + (lon - self.x0) * self.kx * self.k,
            self.oy + (self.y1 - lat) * self.k,
        )
    }

    /// SVG path data of a multipolygon (rings closed, evenodd holes).
    fn path(&self, mp: &MultiPolygon<f64>) -> String {
        let mut d = String::new();
        for p in &mp.0 {
            for ring in std::iter::once(p.exterior()).chain(p.interiors()) {
                let mut last: Option<(i64, i64)> = None;
                for (i, c) in ring.0.iter().enumerate() {
                    let (x, y) = self.xy(c.x, c.y);
                    // Drop points that land on the same tenth of a unit.
                    let key = ((x * 10.0) as i64, (y * 10.0) as i64);
                    if last == Some(key) {
                        continue;
                    }
                    last = Some(key);
                    let _ = write!(d, "{}{x:.1} {y:.1}", if i == 0 { "M" } else { "L" });
                }
                d.push('Z');
            }
        }
        d
    }
}

/// The QR code of a URL as SVG path data over a `size`×`size` grid
/// (including the 4-module quiet zone).
pub fn qr_path(url: &str) -> Option<(String, usize)> {
    let code = qrcode::QrCode::with_error_correction_level(url, qrcode::EcLevel::M).ok()?;
    let w = code.width();
    let colors = code.to_colors();
    let mut d = String::new();
    for y in 0..w {
        for x in 0..w {
            if colors[y * w + x] == qrcode::Color::Dark {
                let _ = write!(d, "M{} {}h1v1h-1z", x + 4, y + 4);
            }
        }
    }
    Some((d, w + 8))
}

const DAY_KEYS: [&str; 7] = [
    "day_short.mon",
    "day_short.tue",
    "day_short.wed",
    "day_short.thu",
    "day_short.fri",
    "day_short.sat",
    "day_short.sun",
];

/// A week's hours grouped by equal days: "P–Pk 9:00–17:00; S 10:00–14:00;
/// Sv slēgts", from the week starting on the Monday on or before `from`.
/// `None` when the hours are not known.
pub fn week_hours(lang: Lang, expr: &str, from: NaiveDate) -> Option<String> {
    let monday = from - Duration::days(i64::from(from.weekday().num_days_from_monday()));
    let days: Vec<Option<Vec<String>>> = (0..7)
        .map(|i| hours_on(expr, monday + Duration::days(i)).map(|h| hours_text(&h)))
        .collect();
    if days.iter().all(Option::is_none) {
        return None;
    }
    let text = |d: &Option<Vec<String>>| match d {
        None => t(lang, "status.unknown_short").to_owned(),
        Some(v) if v.is_empty() => t(lang, "status.closed_short").to_owned(),
        Some(v) => words::hours(v),
    };
    let mut parts = Vec::new();
    let mut i = 0;
    while i < 7 {
        let mut j = i;
        while j + 1 < 7 && days[j + 1] == days[i] {
            j += 1;
        }
        let span = if i == j {
            t(lang, DAY_KEYS[i]).to_owned()
        } else {
            format!("{}–{}", t(lang, DAY_KEYS[i]), t(lang, DAY_KEYS[j]))
        };
        parts.push(format!("{span} {}", text(&days[i])));
        i = j + 1;
    }
    Some(parts.join("; "))
}

/// The places of a parish for its leaflet: its own public access places,
/// nearest the parish's middle first; if none, the nearest elsewhere; and
/// how many there were before the page's limit.
fn leaflet_places<'a>(
    snap: &'a Snapshot,
    parish: &str,
    middle: Point<f64>,
) -> (Vec<&'a Site>, usize) {
    let d = |s: &Site| {
        let kx = middle.y().to_radians().cos();
        ((s.location.x() - middle.x()) * kx).powi(2) + (s.location.y() - middle.y()).powi(2)
    };
    let mut own: Vec<&Site> = snap
        .sites
        .iter()
        .filter(|s| sites::is_public_access(s) && s.parish_id.as_deref() == Some(parish))
        .collect();
    if own.is_empty() {
        own = snap
            .sites
            .iter()
            .filter(|s| sites::is_public_access(s))
            .collect();
    }
    own.sort_by(|a, b| d(a).total_cmp(&d(b)));
    let total = own.len();
    own.truncate(MAX_PLACES);
    (own, total)
}

/// `GET /leaflets`: the list of parish leaflets.
pub async fn index(req: HttpRequest, state: web::Data<AppState>) -> Result<HttpResponse, Problem> {
    let q = PageQuery::parse(&req);
    let lang = q.lang();
    let snap = state.live.get();
    let list: Vec<Value> = snap
        .parishes
        .iter()
        .map(|(id, name)| json!({"name": name, "href": href(lang, &format!("/leaflets/{}", crate::links::encode(id)))}))
        .collect();
    let mut page = Map::new();
    page.insert("parishes".into(), json!(list));
    render(
        &req,
        "leaflets.html",
        base_context(&state, &q, "/leaflets", "leaflets"),
        page,
    )
}

/// `GET /leaflets/{parish_id}`: one parish's leaflet.
pub async fn page(
    req: HttpRequest,
    path: web::Path<String>,
    state: web::Data<AppState>,
) -> Result<HttpResponse, Problem> {
    let q = PageQuery::parse(&req);
    let lang = q.lang();
    let id = path.into_inner();
    let snap = state.live.get();
    let Some(area) = snap
        .areas
        .iter()
        .find(|a| a.kind == AreaKind::Parish && a.id == id)
    else {
        let msg = super::i18n::tf(lang, "leaflet.no_parish", &[("id", &id)]);
        return error_page(&req, &state, StatusCode::NOT_FOUND, msg);
    };
    let middle = area
        .geometry
        .interior_point()
        .unwrap_or(Point::new(0.0, 0.0));
    let (mut places, total) = leaflet_places(&snap, &id, middle);
    let today = gapmap_engine::analysis::open_now::riga_local(chrono::Utc::now()).date();
    // The next mobile class goes under the places, in their column: its
    // lines come off the places' room.
    let class = next_class(lang, &state, &snap, &id).await;
    let class_lines = class.as_str().map_or(0.0, |c| {
        (c.chars().count() as f64 / LINE_CHARS).ceil() + 0.5
    });
    places.truncate(places_that_fit(
        lang,
        &places,
        today,
        municipality_name(&snap),
        COLUMN_LINES - class_lines,
    ));
    let leaflet = Leaflet {
        area,
        middle,
        places,
        total,
        today,
    };
    let live_url = live_url(&req, &state, lang, &id);
    let mut page = context(lang, &snap, &leaflet, live_url);
    page.insert("next_class".into(), class);
    render(
        &req,
        "leaflet.html",
        base_context(&state, &q, &format!("/leaflets/{}", area.id), "leaflet"),
        page,
    )
}

/// The parish's next mobile-class date and place in words (the planner's
/// calendar: a planned or booked class on or after today), or null.
async fn next_class(
    lang: Lang,
    state: &web::Data<AppState>,
    snap: &std::sync::Arc<Snapshot>,
    parish: &str,
) -> Value {
    let (st, sn, pid) = (
        state.clone(),
        std::sync::Arc::clone(snap),
        parish.to_owned(),
    );
    let found = web::block(move || {
        let m = st.plan.mobile_class(&sn).ok()?;
        let s = m.next_for(&pid)?;
        let site = &sn.sites[s.site as usize];
        let place = match &site.address {
            Some(a) => format!(
                "{}, {}",
                site.name,
                short_address(a, municipality_name(&sn))
            ),
            None => site.name.clone(),
        };
        Some((s.date?, place))
    })
    .await
    .ok()
    .flatten();
    match found {
        Some((date, place)) => json!(super::i18n::tf(
            lang,
            "leaflet.next_class",
            &[
                ("day", &words::day_with_year(lang, date)),
                ("place", &place)
            ]
        )),
        None => Value::Null,
    }
}

/// What one parish's leaflet shows.
struct Leaflet<'a> {
    /// The parish.
    area: &'a Area,
    /// A point inside the parish (WGS84), the places' centre.
    middle: Point<f64>,
    /// Its places, nearest the middle first.
    places: Vec<&'a Site>,
    /// How many places it has in all (more than `places` when some did not fit).
    total: usize,
    /// The day it is printed (Riga time).
    today: NaiveDate,
}

/// The leaflet's values: the parish, its places, the locator map, the QR
/// code of the live page and what the data are.
fn context(lang: Lang, snap: &Snapshot, leaflet: &Leaflet, live_url: String) -> Map<String, Value> {
    let (area, places, today) = (leaflet.area, &leaflet.places, leaflet.today);
    let (qr, qr_size) = qr_path(&live_url).unwrap_or_default();
    let any = |src: Source| {
        area.provenance.source == src || places.iter().any(|s| s.provenance.source == src)
    };
    let mut page = Map::new();
    page.insert("parish".into(), json!({"id": area.id, "name": area.name}));
    page.insert(
        "places".into(),
        json!(cards(lang, places, today, municipality_name(snap))),
    );
    page.insert("map".into(), locator_map(snap, leaflet));
    page.insert("qr".into(), json!({"d": qr, "size": qr_size}));
    page.insert(
        "printed_url".into(),
        json!(url_lines(&printed_url(&live_url))),
    );
    page.insert("live_url".into(), json!(live_url));
    let more = leaflet.total.saturating_sub(places.len()) as u64;
    if more > 0 {
        page.insert(
            "more".into(),
            json!(super::i18n::tn(lang, "leaflet.more", more)),
        );
    }
    page.insert("leaflet_simulated".into(), json!(any(Source::Simulated)));
    page.insert(
        "leaflet_approximate".into(),
        json!(any(Source::Approximate)),
    );
    page.insert("printed".into(), json!(words::day(lang, today)));
    page
}

/// The locator map: the parish, the neighbours its frame touches and a
/// numbered marker per place, as SVG path data and positions.
fn locator_map(snap: &Snapshot, leaflet: &Leaflet) -> Value {
    let (area, places) = (leaflet.area, &leaflet.places);
    let b = frame_box(area, leaflet.middle, places);
    let frame = Frame::fit(b);
    let neighbours: Vec<String> = snap
        .areas
        .iter()
        .filter(|a| a.kind == AreaKind::Parish && a.id != area.id)
        .filter(|a| {
            a.geometry.bounding_rect().is_some_and(|r| {
                r.max().x >= b[0] && r.min().x <= b[2] && r.max().y >= b[1] && r.min().y <= b[3]
            })
        })
        .map(|a| frame.path(&a.geometry))
        .collect();
    let points: Vec<(f64, f64)> = places
        .iter()
        .map(|s| frame.xy(s.location.x(), s.location.y()))
        .collect();
    let markers: Vec<Value> = spread_markers(&points)
        .into_iter()
        .enumerate()
        .map(|(i, ((x, y), (px, py)))| {
            json!({"n": i + 1, "x": format!("{x:.1}"), "y": format!("{y:.1}"),
                   "px": format!("{px:.1}"), "py": format!("{py:.1}"), "moved": (x, y) != (px, py)})
        })
        .collect();
    json!({
        "w": MAP_W, "h": MAP_H,
        "parish": frame.path(&area.geometry),
        "neighbours": neighbours,
        "markers": markers,
    })
}

/// Where each marker is drawn, with the point it stands for: a marker that
/// would cover an earlier one moves aside (right, then left, then below, …)
/// until it is clear, and a line joins it to its point, so every number
/// stays visible.
fn spread_markers(points: &[(f64, f64)]) -> Vec<((f64, f64), (f64, f64))> {
    let step = 2.0 * MARKER_R + 4.0;
    let tries = [
        (0.0, 0.0),
        (1.0, 0.0),
        (-1.0, 0.0),
        (0.0, 1.0),
        (0.0, -1.0),
        (1.0, 1.0),
        (-1.0, 1.0),
        (1.0, -1.0),
        (-1.0, -1.0),
        (2.0, 0.0),
        (-2.0, 0.0),
    ];
    let mut placed: Vec<(f64, f64)> = Vec::new();
    let mut out = Vec::new();
    for &(px, py) in points {
        let clear = |x: f64, y: f64, placed: &[(f64, f64)]| {
            placed
                .iter()
                .all(|&(qx, qy)| (qx - x).hypot(qy - y) >= step - 0.5)
                && (MARKER_R..=MAP_W - MARKER_R).contains(&x)
                && (MARKER_R..=MAP_H - MARKER_R).contains(&y)
        };
        let at = tries
            .iter()
            .map(|(dx, dy)| (px + dx * step, py + dy * step))
            .find(|&(x, y)| clear(x, y, &placed))
            .unwrap_or((px, py));
        placed.push(at);
        out.push((at, (px, py)));
    }
    out
}

/// The live page's address as printed: without the scheme, decoded
/// (`karte.example.lv/?place=parish:vilces-pagasts`), so a person can type it.
fn printed_url(url: &str) -> String {
    let rest = url.split_once("://").map_or(url, |(_, r)| r);
    let bytes = rest.as_bytes();
    let mut out = Vec::with_capacity(bytes.len());
    let mut i = 0;
    while i < bytes.len() {
        let hex = |b: u8| (b as char).to_digit(16);
        if bytes[i] == b'%'
            && i + 2 < bytes.len()
            && let (Some(h), Some(l)) = (hex(bytes[i + 1]), hex(bytes[i + 2]))
        {
            out.push((h * 16 + l) as u8);
            i += 3;
        } else {
            out.push(bytes[i]);
            i += 1;
        }
    }
    String::from_utf8(out).unwrap_or_else(|_| rest.to_owned())
}

/// The printed address in parts where a line may break (before `?`, after
/// `:` and `&`), so a narrow column reads `karte.example.lv/` ·
/// `?place=parish:` · `vilces-pagasts` rather than breaking inside a word.
fn url_lines(url: &str) -> Vec<String> {
    let mut parts = vec![String::new()];
    for c in url.chars() {
        if c == '?' && !parts.last().is_some_and(String::is_empty) {
            parts.push(String::new());
        }
        if let Some(p) = parts.last_mut() {
            p.push(c);
        }
        if c == ':' || c == '&' {
            parts.push(String::new());
        }
    }
    parts.retain(|p| !p.is_empty());
    parts
}

/// The map's frame, `[min lon, min lat, max lon, max lat]`: the parish
/// (its middle when it has no box), grown to include its places.
fn frame_box(area: &Area, middle: Point<f64>, places: &[&Site]) -> [f64; 4] {
    let mut b = area
        .geometry
        .bounding_rect()
        .map(|r| [r.min().x, r.min().y, r.max().x, r.max().y])
        .unwrap_or([middle.x(), middle.y(), middle.x(), middle.y()]);
    for s in places {
        b = [
            b[0].min(s.location.x()),
            b[1].min(s.location.y()),
            b[2].max(s.location.x()),
            b[3].max(s.location.y()),
        ];
    }
    b
}

/// How many lines of 16 pt text the places' column holds on the page, and
/// how many characters one of its lines holds (about 100 mm at 16 pt).
const COLUMN_LINES: f64 = 31.0;
const LINE_CHARS: f64 = 30.0;

/// How many of the places (in order, at least one) fit the page in large
/// print: each card's lines estimated from its text, so that a parish with
/// long hours or names prints fewer places and "more" online rather than
/// smaller type.
fn places_that_fit(
    lang: Lang,
    places: &[&Site],
    today: NaiveDate,
    municipality: &str,
    room: f64,
) -> usize {
    let lines = |text: &str, chars: f64| (text.chars().count() as f64 / chars).ceil().max(1.0);
    let mut used = 0.0;
    for (i, s) in places.iter().enumerate() {
        let hours = s
            .opening_hours
            .as_deref()
            .and_then(|e| week_hours(lang, e, today))
            .unwrap_or_default();
        // The name in 19 pt: fewer characters a line, taller lines.
        let mut card = lines(&s.name, LINE_CHARS * 0.8) * 1.3 + 0.6;
        card += lines(&sites::what(lang, s), LINE_CHARS);
        card += s
            .address
            .as_deref()
            .map_or(0.0, |a| lines(&short_address(a, municipality), LINE_CHARS));
        card += lines(&format!("{} {hours}", t(lang, "leaflet.hours")), LINE_CHARS);
        if s.is_free_wifi() && s.wifi_hours.is_some() {
            card += 2.0;
        }
        card += f64::from(u8::from(s.phone.is_some()));
        let help = sites::services(lang, s).join(", ");
        if !help.is_empty() {
            card += lines(&format!("{} {help}", t(lang, "place.help")), LINE_CHARS);
        }
        used += card;
        if used > room && i > 0 {
            return i;
        }
    }
    places.len()
}

/// An address as the leaflet prints it: without the municipality, which
/// every place on it shares ("Platone, Platones pagasts").
fn short_address(a: &str, municipality: &str) -> String {
    match a.strip_suffix(municipality) {
        Some(rest) if !municipality.is_empty() => rest.trim_end_matches([',', ' ']).to_owned(),
        _ => a.to_owned(),
    }
}

/// The municipality's name (the area of that kind), if the data has one.
fn municipality_name(snap: &Snapshot) -> &str {
    snap.areas
        .iter()
        .find(|a| a.kind == AreaKind::Municipality)
        .map_or("", |a| a.name.as_str())
}

/// One card per place: what it is, where, its hours this week, its phone
/// and the help offered.
fn cards(lang: Lang, places: &[&Site], today: NaiveDate, municipality: &str) -> Vec<Value> {
    places
        .iter()
        .enumerate()
        .map(|(i, s)| {
            json!({
                "n": i + 1,
                "name": s.name,
                "what": sites::what(lang, s),
                "address": s.address.as_deref().map(|a| short_address(a, municipality)),
                "hours": s.opening_hours.as_deref().and_then(|e| week_hours(lang, e, today)),
                "wifi_hours": s.is_free_wifi().then(|| s.wifi_hours.as_deref().and_then(|e| week_hours(lang, e, today))).flatten(),
                "phone": s.phone,
                "services": sites::services(lang, s),
                "approx_location": s.provenance.source != Source::Official,
            })
        })
        .collect()
}

/// The parish's live page (the finder at the parish) at the public
/// address, which the QR code encodes.
fn live_url(req: &HttpRequest, state: &AppState, lang: Lang, id: &str) -> String {
    let base = state.config.public_base(super::plan::bound_addr(req));
    format!(
        "{base}{}",
        href(
            lang,
            &format!(
                "/?{}",
                serde_urlencoded::to_string([("place", format!("parish:{id}"))])
                    .unwrap_or_default()
            )
        )
    )
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn week_hours_group_equal_days() {
        let d = NaiveDate::from_ymd_opt(2026, 1, 14).expect("date");
        assert_eq!(
            week_hours(Lang::Lv, "Mo-Fr 09:00-17:00; Sa 10:00-14:00", d).as_deref(),
            Some("P–Pk 9:00–17:00; S 10:00–14:00; Sv slēgts")
        );
        assert_eq!(
            week_hours(Lang::En, "Mo,We 09:00-12:00", d).as_deref(),
            Some("Mon 9:00–12:00; Tue closed; Wed 9:00–12:00; Thu–Sun closed")
        );
        assert_eq!(week_hours(Lang::Lv, "garbage", d), None);
    }

    #[test]
    fn markers_at_one_point_move_apart_and_addresses_print_decoded() {
        let m = spread_markers(&[(300.0, 200.0), (300.0, 200.0), (301.0, 201.0)]);
        for (i, a) in m.iter().enumerate() {
            for b in &m[i + 1..] {
                let d = (a.0.0 - b.0.0).hypot(a.0.1 - b.0.1);
                assert!(d >= 2.0 * MARKER_R, "{m:?}");
            }
        }
        assert_eq!(m[0].0, (300.0, 200.0), "the first stays on its point");
        assert_eq!(m[1].1, (300.0, 200.0), "a moved marker keeps its point");
        assert_eq!(
            printed_url("https://karte.example.lv/?place=parish%3Avilces-pagasts"),
            "karte.example.lv/?place=parish:vilces-pagasts"
        );
        assert_eq!(printed_url("http://x/%C4%81%2"), "x/ā%2");
        assert_eq!(
            url_lines("karte.example.lv/?place=parish:vilces-pagasts"),
            ["karte.example.lv/", "?place=parish:", "vilces-pagasts"]
        );
        assert_eq!(
            short_address("Āne, Cenu pagasts, Jelgavas novads", "Jelgavas novads"),
            "Āne, Cenu pagasts"
        );
        assert_eq!(short_address("Āne", ""), "Āne");
    }

    #[test]
    fn qr_codes_read_as_squares() {
        let (d, size) =
            qr_path("https://karte.example.lv/?place=parish:vilces-pagasts").expect("qr");
        assert!(size >= 29 + 8, "{size}");
        assert!(d.starts_with('M') && d.ends_with('z'));
    }

    #[test]
    fn frame_keeps_the_shape_inside_the_map() {
        let f = Frame::fit([23.5, 56.4, 24.0, 56.8]);
        for (lon, lat) in [(23.5, 56.4), (24.0, 56.8), (23.75, 56.6)] {
            let (x, y) = f.xy(lon, lat);
            assert!(
                (0.0..=MAP_W).contains(&x) && (0.0..=MAP_H).contains(&y),
                "{x} {y}"
            );
        }
        let (x0, _) = f.xy(23.5, 56.6);
        let (x1, _) = f.xy(24.0, 56.6);
        let (_, y0) = f.xy(23.5, 56.4);
        let (_, y1) = f.xy(23.5, 56.8);
        // 0.5° of longitude at 56.6°N is about 0.55 of 0.4° of latitude... in km: 30.7 vs 44.5.
        let ratio = (x1 - x0) / (y0 - y1);
        assert!((ratio - 30.7 / 44.5).abs() < 0.02, "{ratio}");
    }
}
