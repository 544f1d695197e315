//! Places at their addresses (`gapmap geocode`, and after every `gapmap
//! update`): each site and building with an address is matched against the
//! VZD address register in the store (the `demand` points of origin
//! `address_register`, their text the register's `STD`) and, when exactly
//! one address matches, moved to its point with `coordinate_quality:
//! building`. Nothing ambiguous is moved.
//!
//! Matching is [`Register::locate`] (module `register`): the house
//! narrowed by the places the address (or the feature's parish) gives;
//! one address left, confirmed by a place: matched; several: ambiguous,
//! with the candidates; none: unmatched.
//!
//! A matched point must still pass the position rule
//! ([`crate::positions`]): an address in another parish than the feature
//! names is reported as a conflict, not moved.

mod register;

pub use register::{Entry, Located, Register};

use crate::positions::{Positions, Verdict};
use gapmap_model::{Layer, Record};
use geo_types::{Geometry, Point};
use serde::Serialize;
use std::collections::HashMap;

/// What `gapmap geocode` did with one feature.
#[derive(Debug, Clone, Serialize)]
pub struct Placement {
    pub layer: &'static str,
    pub id: String,
    pub address: String,
    /// `matched` (moved or already there), `ambiguous`, `unmatched` or
    /// `conflict` (matched, but the point breaks the position rule).
    pub status: &'static str,
    /// The register's address and point, when matched.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub register_address: Option<String>,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub register_id: Option<String>,
    /// Metres moved (matched features).
    #[serde(skip_serializing_if = "Option::is_none")]
    pub moved_m: Option<f64>,
    /// The register's candidates (ambiguous features).
    #[serde(skip_serializing_if = "Vec::is_empty")]
    pub candidates: Vec<String>,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub reason: Option<String>,
    /// The feature as it is to be written (matched features that move).
    #[serde(skip)]
    pub record: Option<Record>,
}

/// Distance in metres between two WGS84 points (haversine).
fn metres(a: (f64, f64), b: (f64, f64)) -> f64 {
    let (lon1, lat1) = (a.0.to_radians(), a.1.to_radians());
    let (lon2, lat2) = (b.0.to_radians(), b.1.to_radians());
    let h = ((lat2 - lat1) / 2.0).sin().powi(2)
        + lat1.cos() * lat2.cos() * ((lon2 - lon1) / 2.0).sin().powi(2);
    2.0 * 6_371_008.8 * h.sqrt().min(1.0).asin()
}

/// Decide the placement of every site and building with an address.
/// `parish_names` maps parish ids to names (for the parish hint).
pub fn place(
    register: &Register,
    features: &[Record],
    parish_names: &HashMap<String, String>,
    positions: Option<&Positions>,
    register_as_of: Option<&str>,
) -> Vec<Placement> {
    features
        .iter()
        .filter(|r| r.str("status") != Some("retired"))
        .filter_map(|r| {
            let text = r.str("address").filter(|a| !a.trim().is_empty())?;
            let parish = r.str("parish_id").and_then(|p| parish_names.get(p));
            Some(place_one(
                register,
                r,
                text,
                parish.map(String::as_str),
                positions,
                register_as_of,
            ))
        })
        .collect()
}

fn place_one(
    register: &Register,
    r: &Record,
    text: &str,
    parish: Option<&str>,
    positions: Option<&Positions>,
    register_as_of: Option<&str>,
) -> Placement {
    let mut p = Placement {
        layer: r.layer.name(),
        id: r.id.clone(),
        address: text.to_owned(),
        status: "unmatched",
        register_address: None,
        register_id: None,
        moved_m: None,
        candidates: Vec::new(),
        reason: None,
        record: None,
    };
    match register.locate(text, parish) {
        Located::Unmatched { reason } => p.reason = Some(reason),
        Located::Ambiguous { candidates, reason } => {
            p.status = "ambiguous";
            p.reason = Some(reason);
            p.candidates = candidates
                .iter()
                .map(|&i| register.entry(i).text.to_string())
                .collect();
        }
        Located::Matched { entry } => {
            matched(&mut p, r, register.entry(entry), positions, register_as_of)
        }
    }
    p
}

/// A matched feature: a conflict when the address point breaks the
/// position rule, else the feature moved there (`record`, when it moves).
fn matched(
    p: &mut Placement,
    r: &Record,
    e: &Entry,
    positions: Option<&Positions>,
    register_as_of: Option<&str>,
) {
    p.register_address = Some(e.text.to_string());
    p.register_id = Some(e.id.to_string());
    let conflict = positions.and_then(|pos| {
        pos.check(
            e.lon,
            e.lat,
            r.str("parish_id"),
            r.bool("outside_municipality").unwrap_or(false),
            r.str("outside_municipality_reason"),
        )
        .into_iter()
        .find_map(|v| match v {
            Verdict::Error { message, .. } => Some(message),
            Verdict::Warning { .. } => None,
        })
    });
    if let Some(message) = conflict {
        p.status = "conflict";
        p.reason = Some(format!(
            "the address point breaks the position rule: {message}"
        ));
        return;
    }
    p.status = "matched";
    let old = r.point().map(|q| (q.x(), q.y())).unwrap_or((e.lon, e.lat));
    p.moved_m = Some((metres(old, (e.lon, e.lat)) * 10.0).round() / 10.0);
    let mut moved = r.clone();
    moved.geometry = Some(Geometry::Point(Point::new(e.lon, e.lat)));
    moved
        .props
        .insert("coordinate_quality".into(), "building".into());
    moved.extra.insert(
        "coordinate_ref".into(),
        format!(
            "VZD adrešu reģistrs {}{}",
            e.id.trim_start_matches("vzd-"),
            register_as_of
                .map(|d| format!(" ({d})"))
                .unwrap_or_default()
        )
        .into(),
    );
    if moved.geometry != r.geometry || moved.props != r.props || moved.extra != r.extra {
        p.record = Some(moved);
    }
}

/// Counts of a geocoding run, by status.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq, Serialize)]
pub struct Tally {
    pub matched: u64,
    /// Of the matched, moved now (the others were already there).
    pub moved: u64,
    pub ambiguous: u64,
    pub unmatched: u64,
    pub conflict: u64,
}

impl Tally {
    pub fn of(placements: &[Placement]) -> Tally {
        let mut t = Tally::default();
        for p in placements {
            match p.status {
                "matched" => {
                    t.matched += 1;
                    t.moved += u64::from(p.record.is_some());
                }
                "ambiguous" => t.ambiguous += 1,
                "conflict" => t.conflict += 1,
                _ => t.unmatched += 1,
            }
        }
        t
    }
}

/// What `gapmap geocode` did to a store.
#[derive(Debug)]
pub struct Outcome {
    /// Addresses in the register.
    pub register: usize,
    pub placements: Vec<Placement>,
    pub tally: Tally,
    /// Whether the store changed (false for a dry run or nothing to move).
    pub committed: bool,
}

/// Place every site and building with an address at its register address
/// point, in one audited transaction (rolled back for a dry run). With no
/// register in the store, nothing is placed.
pub fn geocode_store(
    store: &mut gapmap_store::Store,
    dry_run: bool,
    ctx: &gapmap_store::audit::Context,
) -> Result<Outcome, crate::IngestError> {
    let register = Register::from_store(&*store)?;
    let register_as_of = store
        .source_updates(Some("vzd-address"), 1)?
        .into_iter()
        .find_map(|u| u.as_of);
    let mut w = store.writer()?;
    if register.is_empty() {
        return Ok(Outcome {
            register: 0,
            placements: Vec::new(),
            tally: Tally::default(),
            committed: false,
        });
    }
    let areas = w.read_layer(Layer::Areas)?;
    let positions = Positions::from_areas(&areas);
    let parish_names: HashMap<String, String> = areas
        .iter()
        .filter(|a| a.str("kind") == Some("parish"))
        .map(|a| (a.id.clone(), a.string("name").unwrap_or_default()))
        .collect();
    let mut placements = Vec::new();
    let mut moved = 0;
    for layer in [Layer::Sites, Layer::Buildings] {
        let features = w.read_layer(layer)?;
        let ps = place(
            &register,
            &features,
            &parish_names,
            positions.as_ref(),
            register_as_of.as_deref(),
        );
        let to_write: Vec<&Record> = ps.iter().filter_map(|p| p.record.as_ref()).collect();
        if !to_write.is_empty() {
            let mut lw = w.begin_layer(layer, gapmap_store::Mode::Upsert)?;
            for r in to_write {
                crate::run::put_record(&mut w, &mut lw, r, ctx)?;
                moved += 1;
            }
            w.end_layer(lw, "address register", "geocode")?;
        }
        placements.extend(ps);
    }
    let tally = Tally::of(&placements);
    let committed = !dry_run && moved > 0;
    if committed {
        w.commit(true)?;
    }
    Ok(Outcome {
        register: register.len(),
        placements,
        tally,
        committed,
    })
}
