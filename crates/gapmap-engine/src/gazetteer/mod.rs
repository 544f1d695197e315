//! The gazetteer: names → places, for the resident finder and
//! `GET /api/v1/search`. Built once per snapshot from
//!
//! 1. the parishes (their names, the names without "pagasts" and the
//!    nominative those imply: "Glūdas pagasts" is also found as "Glūdas" and
//!    "Glūda");
//! 2. the villages (the `settlements` layer, when it is there);
//! 3. the sites (public access places) by name;
//! 4. every address and homestead ("mājas") of an ingested VZD address
//!    register (its own index, shared between snapshots while the demand
//!    and area layers are unchanged).
//!
//! A query is folded ([`fold`]: no case, no diacritics, abbreviations
//! spelled out) and every query token must match a token of the name
//! exactly, as the beginning of a word, or one typo away. Ranking, best
//! first: the exact name, an exact other name (alias) or address, every token exact,
//! a place's own name before another place's other name, then fewer prefix
//! and typo matches, fewer words left over, parishes before villages before
//! sites before addresses, more residents, shorter names (tuned on real
//! names with short typos: `tests/typos.rs`).

pub mod fold;
pub mod free_text;
pub mod index;

use fold::{distance_within, fold, tokens};
use gapmap_model::{Area, AreaKind, Settlement, Site, SiteStatus};
use geo_types::Point;
use index::{Match, QueryToken, TokenIndex};
use std::cmp::Reverse;
use std::sync::Arc;

/// What a hit is (`type` in the API).
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Hash)]
pub enum HitKind {
    Parish,
    Settlement,
    Site,
    Address,
}

impl HitKind {
    pub fn as_str(self) -> &'static str {
        match self {
            HitKind::Parish => "parish",
            HitKind::Settlement => "settlement",
            HitKind::Site => "site",
            HitKind::Address => "address",
        }
    }

    pub fn parse(s: &str) -> Option<HitKind> {
        [
            HitKind::Parish,
            HitKind::Settlement,
            HitKind::Site,
            HitKind::Address,
        ]
        .into_iter()
        .find(|k| k.as_str() == s)
    }
}

/// A named place to index (not an address).
#[derive(Debug, Clone, PartialEq)]
pub struct Place {
    pub kind: HitKind,
    pub id: String,
    pub name: String,
    /// Other names it is found by (ranked below the name itself).
    pub alt_names: Vec<String>,
    /// Index into [`Gazetteer::parish_ids`]; [`AddressPoint::NO_PARISH`] if none.
    pub parish: u16,
    /// WGS84 (lon, lat).
    pub location: Point<f64>,
    /// Residents, to rank places of equal match (more first).
    pub population: u64,
}

/// An address of the register, for the gazetteer: its text, WGS84 location
/// and parish (an index into the parishes the snapshot resolved demand
/// against).
#[derive(Debug, Clone, PartialEq)]
pub struct AddressPoint {
    pub text: Box<str>,
    pub location: Point<f64>,
    /// Index of the containing parish, [`AddressPoint::NO_PARISH`] if none.
    pub parish: u16,
}

impl AddressPoint {
    pub const NO_PARISH: u16 = u16::MAX;
}

/// The addresses of the register with their token index.
#[derive(Debug, Default)]
pub struct AddressIndex {
    points: Arc<Vec<AddressPoint>>,
    index: TokenIndex,
}

impl AddressIndex {
    /// Index every address text (one document per address).
    pub fn build(points: Arc<Vec<AddressPoint>>) -> AddressIndex {
        let index = TokenIndex::build_par(points.len(), |i| tokens(&points[i].text));
        AddressIndex { points, index }
    }

    pub fn len(&self) -> usize {
        self.points.len()
    }

    pub fn is_empty(&self) -> bool {
        self.points.is_empty()
    }
}

/// The name part of an address: the text before the first comma, without
/// quotes (`"Ķiršu mājas", Vircavas pag., …` → `Ķiršu mājas`).
pub fn address_name(text: &str) -> &str {
    text.split(',')
        .next()
        .unwrap_or(text)
        .trim()
        .trim_matches(|c| matches!(c, '"' | '„' | '”' | '“' | '\''))
}

/// One search result.
#[derive(Debug, Clone, PartialEq)]
pub struct Hit<'a> {
    pub kind: HitKind,
    /// The place's id (`None` for an address: its text identifies it).
    pub id: Option<&'a str>,
    /// The name, or the whole text of an address.
    pub name: &'a str,
    /// Index into [`Gazetteer::parish_ids`] ([`AddressPoint::NO_PARISH`] if none).
    pub parish: u16,
    /// WGS84 (lon, lat).
    pub location: Point<f64>,
    /// The query is this hit's name or one of its other names (folded),
    /// not only part of one.
    pub exact: bool,
    /// The query is this hit's own name (not another name of it).
    pub own_name: bool,
}

/// Rank key of a hit (lower is better); see the module documentation.
type Rank = (u8, u32, u32, HitKind, Reverse<u64>, usize);

/// Postings an address query may read for one prefix (bounds the work of a
/// one- or two-letter query on a national register).
pub const ADDRESS_PREFIX_BUDGET: usize = 8_000;

/// The longest query read (characters); the rest is ignored.
pub const MAX_QUERY_CHARS: usize = 200;

/// How many query words count.
pub const MAX_QUERY_TOKENS: usize = 8;

#[derive(Debug, Default)]
pub struct Gazetteer {
    /// Parish ids; `Place::parish` and `AddressPoint::parish` index this.
    pub parish_ids: Vec<String>,
    places: Vec<Place>,
    /// Each document of `index` is a name of a place: (place, is an alias,
    /// the name folded).
    docs: Vec<(u32, bool, String)>,
    index: TokenIndex,
    addresses: Arc<AddressIndex>,
}

/// The nominative a Latvian parish name's genitive implies, as people say
/// the village: "Glūdas" → "Glūda", "Valgundes" → "Valgunde",
/// "Ozolnieku" → "Ozolnieki", "Kalnciema" → "Kalnciems". A guess, used only
/// as another name to search by.
fn nominative(genitive: &str) -> Option<String> {
    for (from, to) in [("as", "a"), ("es", "e"), ("u", "i"), ("a", "s")] {
        if let Some(stem) = genitive.strip_suffix(from) {
            return Some(format!("{stem}{to}"));
        }
    }
    None
}

/// The other names of a parish: its genitive alone and that nominative.
pub fn parish_alt_names(name: &str) -> Vec<String> {
    let Some(genitive) = name.strip_suffix(" pagasts") else {
        return Vec::new();
    };
    let mut v = vec![genitive.to_owned()];
    v.extend(nominative(genitive));
    v
}

impl Gazetteer {
    /// The gazetteer of a snapshot's layers: its parishes (`parish_ids` in
    /// the snapshot's order), villages (the settlements layer: towns, ciemi
    /// and named places) and active sites, with the (shared) address index.
    pub fn of_layers(
        parish_ids: Vec<String>,
        areas: &[Area],
        settlements: &[Settlement],
        sites: &[Site],
        addresses: Arc<AddressIndex>,
    ) -> Gazetteer {
        use geo::InteriorPoint;
        let parish_of = |id: Option<&str>| {
            id.and_then(|id| parish_ids.iter().position(|p| p == id))
                .and_then(|i| u16::try_from(i).ok())
                .unwrap_or(AddressPoint::NO_PARISH)
        };
        let mut places = Vec::new();
        for a in areas.iter().filter(|a| a.kind == AreaKind::Parish) {
            let Some(location) = a.geometry.interior_point() else {
                continue;
            };
            places.push(Place {
                kind: HitKind::Parish,
                id: a.id.clone(),
                name: a.name.clone(),
                alt_names: parish_alt_names(&a.name),
                parish: parish_of(Some(&a.id)),
                location,
                population: a.population.unwrap_or(0),
            });
        }
        for s in settlements {
            places.push(Place {
                kind: HitKind::Settlement,
                id: s.id.clone(),
                name: s.name.clone(),
                alt_names: s.name_alt.clone(),
                parish: parish_of(s.parish_id.as_deref()),
                location: s.location,
                population: s.population.unwrap_or(0),
            });
        }
        for s in sites.iter().filter(|s| s.status == SiteStatus::Active) {
            places.push(Place {
                kind: HitKind::Site,
                id: s.id.clone(),
                name: s.name.clone(),
                alt_names: Vec::new(),
                parish: parish_of(s.parish_id.as_deref()),
                location: s.location,
                population: 0,
            });
        }
        Gazetteer::new(parish_ids, places, addresses)
    }

    /// Build from places and the (shared) address index.
    pub fn new(parish_ids: Vec<String>, places: Vec<Place>, addresses: Arc<AddressIndex>) -> Self {
        let mut docs = Vec::new();
        for (i, p) in places.iter().enumerate() {
            docs.push((i as u32, false, fold(&p.name)));
            for a in &p.alt_names {
                docs.push((i as u32, true, fold(a)));
            }
        }
        let index = TokenIndex::build(docs.iter().map(|(_, _, f)| {
            f.split(' ')
                .filter(|t| !t.is_empty())
                .map(str::to_owned)
                .collect::<Vec<_>>()
        }));
        // Folded names are stored with abbreviations unexpanded; compare
        // queries with them through the same tokens.
        let docs = docs
            .into_iter()
            .map(|(p, alias, f)| (p, alias, tokens(&f).join(" ")))
            .collect();
        Gazetteer {
            parish_ids,
            places,
            docs,
            index,
            addresses,
        }
    }

    pub fn places(&self) -> &[Place] {
        &self.places
    }

    pub fn address_count(&self) -> usize {
        self.addresses.len()
    }

    /// The place of a kind with an id.
    pub fn place(&self, kind: HitKind, id: &str) -> Option<&Place> {
        self.places.iter().find(|p| p.kind == kind && p.id == id)
    }

    /// The parish id of an index, if any.
    pub fn parish_id(&self, parish: u16) -> Option<&str> {
        self.parish_ids.get(usize::from(parish)).map(String::as_str)
    }

    fn query_tokens(q: &str) -> Vec<QueryToken> {
        let q: String = q.chars().take(MAX_QUERY_CHARS).collect();
        tokens(&q)
            .into_iter()
            .take(MAX_QUERY_TOKENS)
            .map(|text| QueryToken { text, prefix: true })
            .collect()
    }

    fn place_hit<'a>(&'a self, p: &'a Place, exact: bool) -> Hit<'a> {
        Hit {
            kind: p.kind,
            id: Some(&p.id),
            name: &p.name,
            parish: p.parish,
            location: p.location,
            exact,
            own_name: false,
        }
    }

    /// The best `limit` hits for a query, best first.
    pub fn search(&self, q: &str, limit: usize) -> Vec<Hit<'_>> {
        let query = Self::query_tokens(q);
        if query.is_empty() || limit == 0 {
            return Vec::new();
        }
        let folded = query
            .iter()
            .map(|t| t.text.as_str())
            .collect::<Vec<_>>()
            .join(" ");
        let mut ranked = self.place_hits(&query, &folded);
        ranked.extend(self.address_hits(&query, &folded, limit));
        ranked.sort_by(|a, b| a.0.cmp(&b.0).then_with(|| a.1.name.cmp(b.1.name)));
        ranked.truncate(limit);
        ranked.into_iter().map(|(_, h)| h).collect()
    }

    /// The places matching a query (`folded`: its tokens joined), ranked by
    /// the best document (name or alias) of each, in place order.
    fn place_hits(&self, query: &[QueryToken], folded: &str) -> Vec<(Rank, Hit<'_>)> {
        let mut ranked: Vec<(Rank, Hit<'_>)> = Vec::new();
        let mut best: Vec<Option<(Rank, u8)>> = vec![None; self.places.len()];
        for m in self.index.search(query, usize::MAX) {
            let (p, alias, name) = &self.docs[m.doc as usize];
            let place = &self.places[*p as usize];
            // A typo of a place's own name ranks before the same typo of
            // another place's other name ("Vilse": the village Vilce, then
            // the parish whose other name is Vilce).
            let tier = match (name == folded, alias) {
                (true, false) => 0,
                (true, true) => 1,
                _ if m.all_exact => 2,
                (_, false) => 3,
                (_, true) => 4,
            };
            let rank = rank(tier, &m, place.kind, place.population, place.name.len());
            let slot = &mut best[*p as usize];
            if slot.as_ref().is_none_or(|(r, _)| rank < *r) {
                *slot = Some((rank, tier));
            }
        }
        for (i, b) in best.into_iter().enumerate() {
            if let Some((r, tier)) = b {
                let mut h = self.place_hit(&self.places[i], tier <= 1);
                h.own_name = tier == 0;
                ranked.push((r, h));
            }
        }
        ranked
    }

    /// The addresses matching a query, ranked: a first cut without folding
    /// any text, then the exact names among the best few (enough for
    /// `limit` hits).
    fn address_hits(
        &self,
        query: &[QueryToken],
        folded: &str,
        limit: usize,
    ) -> Vec<(Rank, Hit<'_>)> {
        let a = &self.addresses;
        let mut found = a.index.search(query, ADDRESS_PREFIX_BUDGET);
        let keep = (limit * 8).max(64);
        // The first cut reads only the matches (no address text: a million
        // addresses do not fit in the cache); ties go to the register order.
        let first_cut = |m: &Match| {
            (
                if m.all_exact { 2u8 } else { 3 },
                m.quality,
                m.unmatched,
                m.doc,
            )
        };
        if found.len() > keep {
            found.select_nth_unstable_by_key(keep, first_cut);
            found.truncate(keep);
        }
        let mut ranked = Vec::with_capacity(found.len());
        for m in found {
            let ap = &a.points[m.doc as usize];
            let exact = m.all_exact
                && (tokens(address_name(&ap.text)).join(" ") == folded
                    || tokens(&ap.text).join(" ") == folded);
            let mut r = rank(
                if m.all_exact { 2 } else { 3 },
                &m,
                HitKind::Address,
                0,
                ap.text.len(),
            );
            if exact {
                // As a place's other name: a homestead called like a parish
                // or village ranks after it.
                r.0 = 1;
            }
            ranked.push((
                r,
                Hit {
                    kind: HitKind::Address,
                    id: None,
                    name: &ap.text,
                    parish: ap.parish,
                    location: ap.location,
                    exact,
                    own_name: exact,
                },
            ));
        }
        ranked
    }

    /// Places whose name is close to the query although no search hit
    /// matched every word ("Vai domājāt …?"): up to `n`, closest first.
    pub fn did_you_mean(&self, q: &str, n: usize) -> Vec<Hit<'_>> {
        let query = Self::query_tokens(q);
        if query.is_empty() {
            return Vec::new();
        }
        let mut scored: Vec<(usize, Rank, u32)> = Vec::new();
        for (p, _, name) in &self.docs {
            let place = &self.places[*p as usize];
            // Each query word against the closest word of the name.
            let mut total = 0usize;
            let mut any = false;
            for qt in &query {
                let qlen = qt.text.chars().count();
                // Three letters or fewer are too few to guess from: only
                // the beginning of a word, exactly ("Vēi" is no place).
                let max = if qlen < index::FUZZY_MIN_CHARS {
                    0
                } else {
                    (qlen / 3).clamp(1, 3)
                };
                let best = name
                    .split(' ')
                    .filter_map(|w| {
                        distance_within(&qt.text, w, max).or_else(|| {
                            let cut = w.char_indices().nth(qlen).map_or(w.len(), |(i, _)| i);
                            (qlen >= index::FUZZY_MIN_CHARS)
                                .then(|| distance_within(&qt.text, &w[..cut], max.min(1)))
                                .flatten()
                        })
                    })
                    .min();
                match best {
                    Some(d) => {
                        total += d;
                        any = true;
                    }
                    None => total += 10,
                }
            }
            if any {
                let m = Match {
                    doc: 0,
                    quality: 0,
                    all_exact: false,
                    unmatched: 0,
                };
                let r = rank(3, &m, place.kind, place.population, place.name.len());
                scored.push((total, r, *p));
            }
        }
        scored.sort();
        let mut seen = Vec::new();
        let mut out = Vec::new();
        for (_, _, p) in scored {
            if seen.contains(&p) {
                continue;
            }
            seen.push(p);
            out.push(self.place_hit(&self.places[p as usize], false));
            if out.len() == n {
                break;
            }
        }
        out
    }

    /// The address whose folded text is exactly this text's, if any.
    pub fn address(&self, text: &str) -> Option<Hit<'_>> {
        let want = tokens(text).join(" ");
        let query: Vec<QueryToken> = tokens(text)
            .into_iter()
            .take(64)
            .map(|text| QueryToken {
                text,
                prefix: false,
            })
            .collect();
        let a = &self.addresses;
        a.index
            .search(&query, 0)
            .into_iter()
            .filter(|m| m.all_exact && m.unmatched == 0)
            .map(|m| &a.points[m.doc as usize])
            .find(|ap| tokens(&ap.text).join(" ") == want)
            .map(|ap| Hit {
                kind: HitKind::Address,
                id: None,
                name: &ap.text,
                parish: ap.parish,
                location: ap.location,
                exact: true,
                own_name: true,
            })
    }
}

fn rank(tier: u8, m: &Match, kind: HitKind, population: u64, len: usize) -> Rank {
    (tier, m.quality, m.unmatched, kind, Reverse(population), len)
}

#[cfg(test)]
mod tests {
    use super::*;

    fn place(kind: HitKind, id: &str, name: &str, population: u64) -> Place {
        Place {
            kind,
            id: id.into(),
            name: name.into(),
            alt_names: if kind == HitKind::Parish {
                parish_alt_names(name)
            } else {
                Vec::new()
            },
            parish: 0,
            location: Point::new(23.7, 56.6),
            population,
        }
    }

    fn gazetteer() -> Gazetteer {
        let addresses = Arc::new(AddressIndex::build(Arc::new(
            [
                "\"Ķiršu mājas\", Vircavas pag., Jelgavas nov., LV-3020",
                "Ābeļu iela 3, Ozolnieki, Ozolnieku pag., Jelgavas nov., LV-3018",
                "\"Glūdas\", Glūdas pag., Jelgavas nov., LV-3040",
            ]
            .iter()
            .map(|t| AddressPoint {
                text: (*t).into(),
                location: Point::new(23.7, 56.6),
                parish: 0,
            })
            .collect(),
        )));
        Gazetteer::new(
            vec!["gludas-pagasts".into()],
            vec![
                place(HitKind::Parish, "gludas-pagasts", "Glūdas pagasts", 2724),
                place(
                    HitKind::Parish,
                    "kalnciema-pagasts",
                    "Kalnciema pagasts",
                    2047,
                ),
                place(
                    HitKind::Parish,
                    "ozolnieku-pagasts",
                    "Ozolnieku pagasts",
                    4203,
                ),
                place(HitKind::Settlement, "gluda", "Glūda", 300),
                place(HitKind::Settlement, "kalnciems", "Kalnciems", 1400),
                place(HitKind::Site, "gludas-biblioteka", "Glūdas bibliotēka", 0),
            ],
            addresses,
        )
    }

    fn names(hits: &[Hit<'_>]) -> Vec<(&'static str, String, bool)> {
        hits.iter()
            .map(|h| (h.kind.as_str(), h.name.to_owned(), h.exact))
            .collect()
    }

    #[test]
    fn parish_alt_names_guess_the_nominative() {
        assert_eq!(parish_alt_names("Glūdas pagasts"), ["Glūdas", "Glūda"]);
        assert_eq!(
            parish_alt_names("Ozolnieku pagasts"),
            ["Ozolnieku", "Ozolnieki"]
        );
        assert_eq!(
            parish_alt_names("Kalnciema pagasts"),
            ["Kalnciema", "Kalnciems"]
        );
        assert_eq!(parish_alt_names("Jelgavas novads"), Vec::<String>::new());
    }

    #[test]
    fn every_spelling_finds_gluda_and_the_exact_name_ranks_first() {
        let g = gazetteer();
        for q in ["Gluda", "glūda", "GLŪDA", "Glida", "Glūdas pag."] {
            let hits = g.search(q, 10);
            assert!(
                hits.iter().any(|h| h.id == Some("gludas-pagasts")),
                "{q}: {:?}",
                names(&hits)
            );
        }
        let hits = g.search("gluda", 3);
        assert_eq!(hits[0].id, Some("gluda"), "{:?}", names(&hits));
        assert!(hits[0].exact);
        assert_eq!(hits[1].id, Some("gludas-pagasts"));
        let hits = g.search("Glūdas pag.", 3);
        assert_eq!(hits[0].id, Some("gludas-pagasts"), "{:?}", names(&hits));
        assert!(hits[0].exact);
        let hits = g.search("gludas pagasts", 3);
        assert_eq!(hits[0].id, Some("gludas-pagasts"));
        // A word cut short finds the village and the parish.
        let hits = g.search("kalnciem", 2);
        let mut ids: Vec<_> = hits.iter().filter_map(|h| h.id).collect();
        ids.sort();
        assert_eq!(ids, ["kalnciema-pagasts", "kalnciems"]);
        // The exact village name first, then the parish whose other name it is.
        let hits = g.search("Kalnciems", 2);
        assert_eq!(hits[0].id, Some("kalnciems"));
        assert_eq!(hits[1].id, Some("kalnciema-pagasts"));
    }

    #[test]
    fn homesteads_and_streets_from_the_register() {
        let g = gazetteer();
        let hits = g.search("kirsu majas", 5);
        assert_eq!(hits.len(), 1);
        assert_eq!(hits[0].kind, HitKind::Address);
        assert!(hits[0].exact, "the homestead's name is the query");
        assert!(hits[0].name.starts_with("\"Ķiršu mājas\""));
        let hits = g.search("abelu iela 3", 5);
        assert_eq!(names(&hits)[0].0, "address");
        // A homestead named like the parish ranks after the parish.
        let hits = g.search("Glūdas", 5);
        assert_eq!(hits[0].id, Some("gludas-pagasts"), "{:?}", names(&hits));
        assert!(
            g.address("„Ķiršu mājas”, Vircavas pag., Jelgavas nov., LV-3020")
                .is_some()
        );
        assert!(g.address("Ķiršu mājas").is_none());
    }

    #[test]
    fn did_you_mean_offers_close_names() {
        let g = gazetteer();
        assert!(g.search("Glxxdas pagastt", 5).is_empty());
        let dym = g.did_you_mean("Glxxdas pagastt", 3);
        assert_eq!(dym.first().and_then(|h| h.id), Some("gludas-pagasts"));
        assert!(g.did_you_mean("", 3).is_empty());
    }
}

/// The register's addresses on a 250 m grid in the working CRS, for "the
/// nearest address" to a point (the finder's "use my location").
#[derive(Debug, Default)]
pub struct AddressGrid {
    cells: std::collections::HashMap<(i32, i32), Vec<u32>>,
    /// Each address's point in the working CRS.
    xy: Vec<(f64, f64)>,
}

/// The side of an [`AddressGrid`] cell, metres.
const ADDRESS_CELL_M: f64 = 250.0;

impl AddressGrid {
    /// Index the addresses (WGS84) through `to_xy` (WGS84 → working CRS);
    /// an address that does not project is left out.
    pub fn build(addresses: &[AddressPoint], to_xy: &gapmap_geo::crs::Transformer) -> AddressGrid {
        let mut g = AddressGrid::default();
        for (i, a) in addresses.iter().enumerate() {
            let (x, y) = to_xy
                .convert(a.location.x(), a.location.y())
                .unwrap_or((f64::NAN, f64::NAN));
            g.xy.push((x, y));
            if x.is_finite() && y.is_finite() {
                g.cells.entry(Self::cell(x, y)).or_default().push(i as u32);
            }
        }
        g
    }

    fn cell(x: f64, y: f64) -> (i32, i32) {
        (
            (x / ADDRESS_CELL_M).floor() as i32,
            (y / ADDRESS_CELL_M).floor() as i32,
        )
    }

    /// The index of the address nearest to working-CRS `(x, y)` within
    /// `max_m` metres, and its distance.
    ///
    /// ```
    /// use gapmap_engine::gazetteer::{AddressGrid, AddressPoint};
    /// use gapmap_geo::crs::{Transformer, WGS84, LKS92};
    /// let a = |lon, lat| AddressPoint { text: "x".into(), location: geo_types::Point::new(lon, lat), parish: 0 };
    /// let t = Transformer::new(WGS84, LKS92).unwrap();
    /// let g = AddressGrid::build(&[a(23.70, 56.60), a(23.71, 56.60)], &t);
    /// let (x, y) = t.convert(23.709, 56.60).unwrap();
    /// let (i, d) = g.nearest(x, y, 500.0).unwrap();
    /// assert_eq!(i, 1);
    /// assert!((d - 61.4).abs() < 1.0, "{d}");
    /// ```
    pub fn nearest(&self, x: f64, y: f64, max_m: f64) -> Option<(usize, f64)> {
        let (cx, cy) = Self::cell(x, y);
        let rings = (max_m / ADDRESS_CELL_M).ceil() as i32 + 1;
        let mut best: Option<(usize, f64)> = None;
        for r in 0..=rings {
            // Every point of ring r is at least (r - 1) cells away.
            if best.is_some_and(|(_, d)| d < f64::from(r - 1) * ADDRESS_CELL_M) {
                break;
            }
            for dx in -r..=r {
                for dy in -r..=r {
                    if dx.abs() != r && dy.abs() != r {
                        continue;
                    }
                    for &i in self.cells.get(&(cx + dx, cy + dy)).into_iter().flatten() {
                        let (px, py) = self.xy[i as usize];
                        let d = ((px - x).powi(2) + (py - y).powi(2)).sqrt();
                        if d <= max_m && best.is_none_or(|(_, b)| d < b) {
                            best = Some((i as usize, d));
                        }
                    }
                }
            }
        }
        best
    }
}
