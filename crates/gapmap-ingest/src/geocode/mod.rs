//! Places at their addresses (`gapmap geocode`, and after every `gapmap
//! update`): each site and building with an address is matched against the
//! VZD address register in the store (the `demand` points of origin
//! `address_register`, their text the register's `STD`) and, when exactly
//! one address matches, moved to its point with `coordinate_quality:
//! building`. Nothing ambiguous is moved.
//!
//! Matching ([`Register::locate`]), over addresses taken apart by
//! [`gapmap_geo::address`]:
//!
//! 1. the candidates are the register's addresses with the same house (the
//!    homestead name, or street, number and corpus; a query without a
//!    corpus number finds every corpus of the house, as candidates only);
//! 2. every place the query and a candidate both give (postcode, village or
//!    town, parish, municipality) must agree, and of those that do, the
//!    ones agreeing on the most places are kept; the feature's own parish
//!    counts as given when its address names none;
//! 3. one candidate left, with at least one place agreeing: **matched**;
//!    several (at different points): **ambiguous**, with the candidates;
//!    one left but no place to confirm it, or a corpus guessed:
//!    **ambiguous**; none: **unmatched**.
//!
//! A matched point must still pass the position rule
//! ([`crate::positions`]): an address in another parish than the feature
//! names is reported as a conflict, not moved.

use crate::positions::{Positions, Verdict};
use gapmap_geo::address::{self, Address};
use gapmap_model::{Layer, Record};
use gapmap_store::FeatureStore;
use geo_types::{Geometry, Point};
use serde::Serialize;
use std::collections::HashMap;

/// One address of the register.
#[derive(Debug, Clone)]
pub struct Entry {
    /// The register's id of the point (`vzd-…`).
    pub id: Box<str>,
    /// The full address text (`STD`).
    pub text: Box<str>,
    /// WGS84 (lon, lat).
    pub lon: f64,
    pub lat: f64,
}

/// The register's addresses, indexed by house.
#[derive(Debug, Default)]
pub struct Register {
    entries: Vec<Entry>,
    /// House key → entries.
    by_house: HashMap<Box<str>, Vec<u32>>,
    /// Street and number without a corpus → entries with a corpus.
    by_house_any_corpus: HashMap<Box<str>, Vec<u32>>,
}

/// The result of matching one address.
#[derive(Debug, Clone, PartialEq, Serialize)]
#[serde(tag = "status", rename_all = "snake_case")]
pub enum Located {
    Matched {
        entry: u32,
    },
    Ambiguous {
        candidates: Vec<u32>,
        reason: String,
    },
    Unmatched {
        reason: String,
    },
}

impl Register {
    /// Index entries (any order; ids need not be unique).
    pub fn new(entries: Vec<Entry>) -> Register {
        let mut by_house: HashMap<Box<str>, Vec<u32>> = HashMap::new();
        let mut by_house_any_corpus: HashMap<Box<str>, Vec<u32>> = HashMap::new();
        for (i, e) in entries.iter().enumerate() {
            let Some(h) = address::parse(&e.text).house else {
                continue;
            };
            by_house.entry(h.key().into()).or_default().push(i as u32);
            if let Some(k) = h.key_without_corpus() {
                by_house_any_corpus
                    .entry(k.into())
                    .or_default()
                    .push(i as u32);
            }
        }
        Register {
            entries,
            by_house,
            by_house_any_corpus,
        }
    }

    /// The register in a store: every `demand` point of origin
    /// `address_register` with an address.
    pub fn from_store(store: &dyn FeatureStore) -> Result<Register, gapmap_store::StoreError> {
        let mut entries = Vec::new();
        store.for_each_record(Layer::Demand, &mut |r| {
            if r.str("origin") == Some("address_register")
                && let (Some(text), Ok(p)) = (r.str("address"), r.point())
            {
                entries.push(Entry {
                    id: r.id.as_str().into(),
                    text: text.into(),
                    lon: p.x(),
                    lat: p.y(),
                });
            }
            true
        })?;
        Ok(Register::new(entries))
    }

    pub fn len(&self) -> usize {
        self.entries.len()
    }

    pub fn is_empty(&self) -> bool {
        self.entries.is_empty()
    }

    pub fn entry(&self, i: u32) -> &Entry {
        &self.entries[i as usize]
    }

    /// Match an address; `parish` is the parish name the feature names (a
    /// place when the address names no parish). See the module docs.
    pub fn locate(&self, text: &str, parish: Option<&str>) -> Located {
        let mut q = address::parse(text);
        if q.parish.is_none() {
            q.parish = parish.map(address::parish_stem);
        }
        let Some(house) = &q.house else {
            return Located::Unmatched {
                reason: "no house name or street and number".into(),
            };
        };
        let exact = self.by_house.get(house.key().as_str());
        let (candidates, corpus_guessed) = match exact {
            Some(c) => (c.as_slice(), false),
            None => match self.by_house_any_corpus.get(house.key().as_str()) {
                Some(c) => (c.as_slice(), true),
                None => {
                    return Located::Unmatched {
                        reason: "no address of the register has this house".into(),
                    };
                }
            },
        };
        // The candidates agreeing on the most places (a town's address,
        // which names no parish, does not fit a query naming a parish as
        // well as a village address of that parish does).
        let mut fits: Vec<(u32, u32)> = Vec::new();
        for &i in candidates {
            let c = address::parse(&self.entries[i as usize].text);
            if let Some(agree) = agreement(&q, &c) {
                fits.push((i, agree));
            }
        }
        let best = fits.iter().map(|f| f.1).max().unwrap_or(0);
        let fits = fits
            .into_iter()
            .filter(|f| f.1 == best)
            .map(|f| f.0)
            .collect();
        self.verdict(fits, best > 0, corpus_guessed, candidates.len())
    }

    /// The verdict on the candidates that fit.
    fn verdict(
        &self,
        mut fits: Vec<u32>,
        confirmed: bool,
        corpus_guessed: bool,
        houses: usize,
    ) -> Located {
        // The same point twice (an address and its building) is one place.
        fits.sort_by(|a, b| {
            let (ea, eb) = (self.entry(*a), self.entry(*b));
            (ea.lon, ea.lat, &ea.id)
                .partial_cmp(&(eb.lon, eb.lat, &eb.id))
                .unwrap_or(std::cmp::Ordering::Equal)
        });
        fits.dedup_by(|a, b| {
            let (ea, eb) = (self.entry(*a), self.entry(*b));
            (ea.lon - eb.lon).abs() < 1e-7 && (ea.lat - eb.lat).abs() < 1e-7
        });
        match fits.as_slice() {
            [] => Located::Unmatched {
                reason: format!(
                    "{houses} address(es) of the register have this house, none in the place given"
                ),
            },
            [one] if confirmed && !corpus_guessed => Located::Matched { entry: *one },
            [_] if corpus_guessed => Located::Ambiguous {
                candidates: fits,
                reason: "the register has this house only with a corpus number (k-N)".into(),
            },
            [_] => Located::Ambiguous {
                candidates: fits,
                reason: "the address names no village, parish or postcode to confirm it".into(),
            },
            _ => Located::Ambiguous {
                reason: format!("{} addresses of the register fit", fits.len()),
                candidates: fits,
            },
        }
    }
}

/// How many places the query and a candidate both give and agree on;
/// `None` when one they both give differs.
fn agreement(q: &Address, c: &Address) -> Option<u32> {
    let mut n = 0;
    for (a, b) in [
        (&q.postcode, &c.postcode),
        (&q.place, &c.place),
        (&q.parish, &c.parish),
        (&q.municipality, &c.municipality),
    ] {
        if let (Some(a), Some(b)) = (a, b) {
            if a != b {
                return None;
            }
            n += 1;
        }
    }
    // A village named as the query's place may be the candidate's parish
    // ("Garoza" vs no village): no evidence either way, already skipped.
    Some(n)
}

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

#[cfg(test)]
mod tests {
    use super::*;

    fn reg() -> Register {
        let e = |id: &str, text: &str, lon: f64, lat: f64| Entry {
            id: id.into(),
            text: text.into(),
            lon,
            lat,
        };
        Register::new(vec![
            e(
                "vzd-1",
                "Stadiona iela 10, Ozolnieki, Ozolnieku pag., Jelgavas nov., LV-3018",
                23.79,
                56.69,
            ),
            e("vzd-2", "Stadiona iela 10, Tukums, LV-3101", 23.15, 56.97),
            e(
                "vzd-3",
                "\"Eži\", Garoza, Salgales pag., Jelgavas nov., LV-3045",
                24.0,
                56.6,
            ),
            e(
                "vzd-4",
                "\"Eži\", Vilces pag., Jelgavas nov., LV-3026",
                23.5,
                56.4,
            ),
            e(
                "vzd-5",
                "Skolas iela 4 k-1, Kalnciems, Kalnciema pag., Jelgavas nov., LV-3016",
                23.61,
                56.80,
            ),
            e(
                "vzd-6",
                "Skolas iela 4 k-2, Kalnciems, Kalnciema pag., Jelgavas nov., LV-3016",
                23.62,
                56.80,
            ),
            e(
                "vzd-7",
                "\"Ozoli\", Sesavas pag., Jelgavas nov., LV-3050",
                23.8,
                56.40,
            ),
            e(
                "vzd-8",
                "\"Ozoli\", Sesavas pag., Jelgavas nov., LV-3050",
                23.9,
                56.41,
            ),
        ])
    }

    fn status(r: &Register, text: &str, parish: Option<&str>) -> (String, Vec<u32>) {
        match r.locate(text, parish) {
            Located::Matched { entry } => ("matched".into(), vec![entry]),
            Located::Ambiguous { candidates, .. } => ("ambiguous".into(), candidates),
            Located::Unmatched { .. } => ("unmatched".into(), vec![]),
        }
    }

    #[test]
    fn the_forms_of_one_address_find_it() {
        let r = reg();
        for q in [
            "Stadiona iela 10, Ozolnieki, Ozolnieku pag., Jelgavas nov., LV-3018",
            "stadiona iela 10, ozolnieki",
            "Stadiona 10, Ozolnieku pagasts",
            "STADIONA IELA 10, LV-3018",
        ] {
            assert_eq!(status(&r, q, None), ("matched".into(), vec![0]), "{q}");
        }
        assert_eq!(
            status(&r, "„Eži”, Garoza, Salgales pagasts", None).1,
            vec![2]
        );
        assert_eq!(status(&r, "Ezi, Salgales pag.", None).1, vec![2]);
        // The feature's own parish confirms a bare homestead name.
        assert_eq!(status(&r, "\"Eži\"", Some("Vilces pagasts")).1, vec![3]);
    }

    #[test]
    fn nothing_ambiguous_is_matched() {
        let r = reg();
        assert_eq!(status(&r, "Stadiona iela 10", None).0, "ambiguous");
        assert_eq!(status(&r, "\"Eži\"", None).0, "ambiguous");
        // No corpus given: both corpora are candidates.
        assert_eq!(
            status(&r, "Skolas iela 4, Kalnciems", None),
            ("ambiguous".into(), vec![4, 5])
        );
        assert_eq!(
            status(&r, "Skolas iela 4 k-2, Kalnciems", None),
            ("matched".into(), vec![5])
        );
        // Two homesteads of one name in one parish.
        assert_eq!(status(&r, "\"Ozoli\", Sesavas pag.", None).0, "ambiguous");
        // A place that disagrees.
        assert_eq!(status(&r, "Stadiona iela 10, Jelgava", None).0, "unmatched");
        assert_eq!(status(&r, "Meža iela 1, Ozolnieki", None).0, "unmatched");
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
    store: &mut gapmap_store::gpkg::GpkgStore,
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
