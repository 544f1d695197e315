//! The VZD register in memory, indexed for matching: every address is taken
//! apart once ([`gapmap_geo::address::parse`]) when the register is loaded,
//! its places (postcode, village or town, parish, municipality) interned as
//! numbers, and its house (the homestead name, or street, number and corpus)
//! made a key. The postings of a house are also kept per postcode, per
//! place and per parish (with the addresses that name none of that kind
//! under "absent"), so a query reads only the addresses of its house that
//! can agree with the most selective place it gives: O(1) expected per
//! query, however often a name repeats across the country.
//!
//! Matching ([`Register::locate`]):
//!
//! 1. the candidates are the register's addresses with the same house (a
//!    query without a corpus number finds every corpus of the house, as
//!    candidates only), narrowed by one place the query gives (those of
//!    that place, and those naming no place of that kind);
//! 2. every place the query and a candidate both give must agree, and of
//!    those that do, the ones agreeing on the most places are kept; the
//!    feature's own parish counts as given when its address names none;
//! 3. one candidate left (or several at one point), with at least one place
//!    agreeing: **matched**; several points: **ambiguous**, with the
//!    candidates; one left but no place to confirm it, or a corpus guessed:
//!    **ambiguous**; none: **unmatched**.

use gapmap_geo::address::{self, Address};
use serde::Serialize;
use std::collections::HashMap;
use std::hash::{BuildHasherDefault, Hasher};

/// A fast hash for the index's keys (numbers and folded names from the
/// store; nothing an attacker chooses): FxHash's multiply-rotate per word,
/// and a folded 128-bit multiply at the end so that every bit of the key
/// reaches the low bits the table indexes by (the posting keys differ
/// mostly in their high bits).
#[derive(Debug, Default, Clone, Copy)]
struct Fx(u64);

impl Fx {
    const K: u64 = 0xf135_7aea_2e62_a9c5;
    fn add(&mut self, word: u64) {
        self.0 = (self.0.rotate_left(5) ^ word).wrapping_mul(Self::K);
    }
}

impl Hasher for Fx {
    fn write(&mut self, bytes: &[u8]) {
        let mut chunks = bytes.chunks_exact(8);
        for c in &mut chunks {
            self.add(u64::from_le_bytes(c.try_into().unwrap_or_default()));
        }
        let mut last = [0u8; 8];
        let rest = chunks.remainder();
        last[..rest.len()].copy_from_slice(rest);
        self.add(u64::from_le_bytes(last) ^ ((bytes.len() as u64) << 56));
    }
    fn write_u64(&mut self, n: u64) {
        self.add(n);
    }
    fn finish(&self) -> u64 {
        let m = u128::from(self.0) * u128::from(Self::K);
        (m as u64) ^ ((m >> 64) as u64)
    }
}

type FxMap<K, V> = HashMap<K, V, BuildHasherDefault<Fx>>;

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

/// The kinds of place an address gives, in [`Places`] order.
const KINDS: usize = 4;
/// The kinds the postings are also kept by (postcode, place, parish; a
/// municipality narrows nothing).
const INDEXED: [usize; 3] = [0, 1, 2];
/// A place of that kind not given.
const ABSENT: u32 = (1 << 29) - 1;
/// A place the query gives that no address of the register names.
const UNKNOWN: u32 = (1 << 29) - 2;

/// The places of an address as interned numbers: postcode, village or
/// town, parish, municipality; [`ABSENT`] when not given.
type Places = [u32; KINDS];

/// Folded place names (and house keys) as numbers.
#[derive(Debug, Default)]
struct Names(FxMap<Box<str>, u32>);

impl Names {
    fn intern(&mut self, s: &str) -> u32 {
        if let Some(&n) = self.0.get(s) {
            return n;
        }
        // Numbers stay below the sentinels: a register would need half a
        // billion distinct names to reach them, far past any memory.
        let n = self.0.len() as u32;
        self.0.insert(s.into(), n);
        n
    }

    fn get(&self, s: &str) -> u32 {
        self.0.get(s).copied().unwrap_or(UNKNOWN)
    }
}

/// The places of a parsed address, by the interned names.
fn places(a: &Address, mut name: impl FnMut(&str) -> u32) -> Places {
    let mut p = [ABSENT; KINDS];
    for (slot, v) in p
        .iter_mut()
        .zip([&a.postcode, &a.place, &a.parish, &a.municipality])
    {
        if let Some(v) = v {
            *slot = name(v);
        }
    }
    p
}

/// A posting list key: house (32 bits), kind of place (3 bits: 0 to 3, or
/// [`KINDS`] for every address of the house) and the place's number (29
/// bits, below [`UNKNOWN`]).
fn key(house: u32, kind: usize, place: u32) -> u64 {
    (u64::from(house) << 32) | ((kind as u64) << 29) | u64::from(place)
}

/// The register's addresses, indexed by house and place.
#[derive(Debug, Default)]
pub struct Register {
    entries: Vec<Entry>,
    /// The places of each entry.
    places: Vec<Places>,
    /// Place names (folded) → numbers.
    names: Names,
    /// House keys → numbers: `s:…`/`n:…` as written, `c` + the key without
    /// the corpus for the houses that have one.
    houses: Names,
    /// Posting list key → a span of `postings`.
    spans: FxMap<u64, (u32, u32)>,
    postings: Vec<u32>,
}

impl Register {
    /// Index entries (any order; ids need not be unique).
    pub fn new(entries: Vec<Entry>) -> Register {
        let mut r = Register::default();
        // (posting list key, entry), sorted into the lists.
        let mut pairs: Vec<(u64, u32)> = Vec::with_capacity(entries.len() * 4);
        r.places.reserve(entries.len());
        for (i, e) in entries.iter().enumerate() {
            let a = address::parse(&e.text);
            let p = places(&a, |s| r.names.intern(s));
            r.places.push(p);
            let Some(h) = a.house else { continue };
            let exact = r.houses.intern(&h.key());
            let any_corpus = h
                .key_without_corpus()
                .map(|k| r.houses.intern(&format!("c{k}")));
            for house in std::iter::once(exact).chain(any_corpus) {
                pairs.push((key(house, KINDS, 0), i as u32));
                pairs.extend(INDEXED.map(|kind| (key(house, kind, p[kind]), i as u32)));
            }
        }
        pairs.sort_unstable();
        r.postings = pairs.iter().map(|p| p.1).collect();
        r.spans.reserve(pairs.len() / 2);
        let mut start = 0;
        for run in pairs.chunk_by(|a, b| a.0 == b.0) {
            r.spans.insert(run[0].0, (start, run.len() as u32));
            start += run.len() as u32;
        }
        r.entries = entries;
        r
    }

    /// The register in a store: every `demand` point of origin
    /// `address_register` with an address.
    pub fn from_store(
        store: &dyn gapmap_store::FeatureStore,
    ) -> Result<Register, gapmap_store::StoreError> {
        let mut entries = Vec::new();
        store.for_each_record(gapmap_model::Layer::Demand, &mut |r| {
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

    /// The entries of a posting list (none when there is no such list).
    fn list(&self, house: u32, kind: usize, place: u32) -> &[u32] {
        match self.spans.get(&key(house, kind, place)) {
            Some(&(start, len)) => &self.postings[start as usize..(start + len) as usize],
            None => &[],
        }
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
        let exact = self.houses.get(&house.key());
        let any_corpus = self.houses.get(&format!("c{}", house.key()));
        let (h, corpus_guessed) = if !self.list(exact, KINDS, 0).is_empty() {
            (exact, false)
        } else if !self.list(any_corpus, KINDS, 0).is_empty() {
            (any_corpus, true)
        } else {
            return Located::Unmatched {
                reason: "no address of the register has this house".into(),
            };
        };
        let qp = places(&q, |s| self.names.get(s));
        // The candidates agreeing on the most places (a town's address,
        // which names no parish, does not fit a query naming a parish as
        // well as a village address of that parish does).
        let mut fits: Vec<(u32, u32)> = Vec::new();
        for part in self.candidates(h, &qp) {
            for &i in part {
                if let Some(agree) = agreement(&qp, &self.places[i as usize]) {
                    fits.push((i, agree));
                }
            }
        }
        let best = fits.iter().map(|f| f.1).max().unwrap_or(0);
        let fits = fits
            .into_iter()
            .filter(|f| f.1 == best)
            .map(|f| f.0)
            .collect();
        let houses = self.list(h, KINDS, 0).len();
        self.verdict(fits, best > 0, corpus_guessed, houses)
    }

    /// [`Register::locate`] of many addresses (address, the feature's
    /// parish), in order, on every core: the register is read-only.
    pub fn locate_all(&self, queries: &[(&str, Option<&str>)]) -> Vec<Located> {
        let threads = std::thread::available_parallelism().map_or(1, |n| n.get());
        let chunk = queries.len().div_ceil(threads).max(1);
        std::thread::scope(|scope| {
            let parts: Vec<_> = queries
                .chunks(chunk)
                .map(|part| {
                    scope.spawn(move || {
                        part.iter()
                            .map(|(text, parish)| self.locate(text, *parish))
                            .collect::<Vec<_>>()
                    })
                })
                .collect();
            parts
                .into_iter()
                .flat_map(|h| h.join().unwrap_or_else(|p| std::panic::resume_unwind(p)))
                .collect()
        })
    }

    /// The addresses of house `h` that may agree with the query's places:
    /// of the indexed kinds the query gives, the one with the fewest (those
    /// naming its place and those naming none of that kind); every address
    /// of the house when it gives none. The parts are disjoint.
    fn candidates(&self, h: u32, q: &Places) -> [&[u32]; 2] {
        let mut best: [&[u32]; 2] = [self.list(h, KINDS, 0), &[]];
        for kind in INDEXED.into_iter().filter(|&k| q[k] != ABSENT) {
            let parts = [self.list(h, kind, q[kind]), self.list(h, kind, ABSENT)];
            if parts[0].len() + parts[1].len() < best[0].len() + best[1].len() {
                best = parts;
            }
        }
        best
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
/// `None` when one they both give differs (a place of the query that the
/// register never names, [`UNKNOWN`], differs from every place a candidate
/// gives).
fn agreement(q: &Places, c: &Places) -> Option<u32> {
    let mut n = 0;
    for (a, b) in q.iter().zip(c) {
        if *a != ABSENT && *b != ABSENT {
            if a != b {
                return None;
            }
            n += 1;
        }
    }
    Some(n)
}

#[cfg(test)]
mod tests {
    use super::*;

    fn e(id: &str, text: &str, lon: f64, lat: f64) -> Entry {
        Entry {
            id: id.into(),
            text: text.into(),
            lon,
            lat,
        }
    }

    fn reg() -> Register {
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
        // A place that disagrees, or one the register never names.
        assert_eq!(status(&r, "Stadiona iela 10, Jelgava", None).0, "unmatched");
        assert_eq!(status(&r, "Meža iela 1, Ozolnieki", None).0, "unmatched");
        assert_eq!(status(&r, "\"Eži\", Nekurienes pag.", None).0, "unmatched");
    }

    /// A name common across the country: 300 parishes have an "Ozoli",
    /// and one of them two, at different points.
    fn national() -> Register {
        let mut entries: Vec<Entry> = (0..300)
            .map(|i| {
                e(
                    &format!("vzd-{i}"),
                    &format!(
                        "\"Ozoli\", Parish{i}as pag., Novads{}as nov., LV-{}",
                        i / 20,
                        3000 + i
                    ),
                    21.0 + f64::from(i) * 0.01,
                    56.0,
                )
            })
            .collect();
        entries.push(e(
            "vzd-300",
            "\"Ozoli\", Parish7as pag., Novads0as nov., LV-3007",
            21.5,
            56.5,
        ));
        // A town's street address (no parish) and a village's of one name.
        entries.push(e("vzd-301", "Skolas iela 1, Parish5a, LV-3005", 22.0, 57.0));
        entries.push(e(
            "vzd-302",
            "Skolas iela 1, Ciems, Parish5as pag., Novads0as nov., LV-3005",
            22.1,
            57.0,
        ));
        Register::new(entries)
    }

    #[test]
    fn many_at_once_give_what_one_at_a_time_gives() {
        let r = national();
        let texts: Vec<String> = (0..1000)
            .map(|i| format!("\"Ozoli\", Parish{}as pag.", i % 310))
            .collect();
        let queries: Vec<(&str, Option<&str>)> = texts.iter().map(|t| (t.as_str(), None)).collect();
        let one_by_one: Vec<Located> = queries.iter().map(|(t, p)| r.locate(t, *p)).collect();
        assert_eq!(r.locate_all(&queries), one_by_one);
        assert!(r.locate_all(&[]).is_empty());
    }

    #[test]
    fn a_query_naming_its_parish_is_not_ambiguous_with_another_parish() {
        let r = national();
        for q in [
            "\"Ozoli\", Parish42as pag., Novads2as nov., LV-3042",
            "ozoli, parish42as pagasts",
            "\"Ozoli\", LV-3042",
        ] {
            assert_eq!(status(&r, q, None), ("matched".into(), vec![42]), "{q}");
        }
        // The feature's own parish narrows a bare name just as well.
        assert_eq!(
            status(&r, "\"Ozoli\"", Some("Parish299as pagasts")),
            ("matched".into(), vec![299])
        );
        // The village address of the parish fits better than the town's.
        assert_eq!(
            status(&r, "Skolas iela 1, Parish5as pag.", None),
            ("matched".into(), vec![302])
        );
    }

    #[test]
    fn a_truly_ambiguous_query_is_reported_with_its_candidates() {
        let r = national();
        // Two at different points in one parish.
        let (s, c) = status(&r, "\"Ozoli\", Parish7as pag., Novads0as nov.", None);
        assert_eq!(s, "ambiguous");
        let mut c = c;
        c.sort();
        assert_eq!(c, vec![7, 300]);
        // No place at all: every "Ozoli" of the country is a candidate.
        let (s, c) = status(&r, "\"Ozoli\"", None);
        assert_eq!((s.as_str(), c.len()), ("ambiguous", 301));
        // A municipality narrows, but 20 parishes of it have one.
        let (s, c) = status(&r, "\"Ozoli\", Novads3as nov.", None);
        assert_eq!((s.as_str(), c.len()), ("ambiguous", 20));
    }
}
