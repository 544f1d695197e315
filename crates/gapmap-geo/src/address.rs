//! Latvian address text, taken apart for matching: the house (a homestead
//! name in quotes, or a street, a house number and a `k-N` corpus number),
//! the village or town, the parish (`pag.`/`pagasts`), the municipality
//! (`nov.`/`novads`) and the postcode, each [`fold`]ed (no case, no
//! diacritics). The VZD register writes its full address (`STD`) this way:
//! `Stadiona iela 10, Ozolnieki, Ozolnieku pag., Jelgavas nov., LV-3018`,
//! `"Eži", Garoza, Salgales pag., Jelgavas nov., LV-3045`.
//!
//! ```
//! use gapmap_geo::address::{parse, House};
//! let a = parse("Stadiona iela 10 k-1, Ozolnieki, Ozolnieku pag., Jelgavas nov., LV-3018");
//! assert_eq!(a.house, Some(House::Street { street: "stadiona".into(), number: "10".into(), corpus: Some("1".into()) }));
//! assert_eq!(a.place.as_deref(), Some("ozolnieki"));
//! assert_eq!(a.parish.as_deref(), Some("ozolnieku"));
//! assert_eq!(a.municipality.as_deref(), Some("jelgavas"));
//! assert_eq!(a.postcode.as_deref(), Some("3018"));
//! let h = parse("„Eži”, Garoza, Salgales pagasts");
//! assert_eq!(h.house, Some(House::Name("ezi".into())));
//! assert_eq!(h.parish.as_deref(), Some("salgales"));
//! ```

use crate::text::fold;

/// The house part of an address.
#[derive(Debug, Clone, PartialEq, Eq, Hash)]
pub enum House {
    /// A homestead or building name (the text in quotes), folded.
    Name(String),
    /// A street (folded, its type word such as `iela` left out), the house
    /// number (`10`, `10a`) and the corpus (`k-1` → `1`).
    Street {
        street: String,
        number: String,
        corpus: Option<String>,
    },
}

impl House {
    /// The key the register is indexed by: the name, or the street, number
    /// and corpus.
    pub fn key(&self) -> String {
        match self {
            House::Name(n) => format!("n:{n}"),
            House::Street {
                street,
                number,
                corpus,
            } => format!("s:{street}|{number}|{}", corpus.as_deref().unwrap_or("")),
        }
    }

    /// The key without the corpus number (`None` for a name or a house
    /// without one): a query without a corpus finds every corpus.
    pub fn key_without_corpus(&self) -> Option<String> {
        match self {
            House::Street {
                street,
                number,
                corpus: Some(_),
            } => Some(format!("s:{street}|{number}|")),
            _ => None,
        }
    }
}

/// An address taken apart; every part folded, `None` when not given.
#[derive(Debug, Clone, PartialEq, Eq, Default)]
pub struct Address {
    pub house: Option<House>,
    /// The village (ciems) or town.
    pub place: Option<String>,
    /// The parish, without `pagasts` (`ozolnieku`).
    pub parish: Option<String>,
    /// The municipality, without `novads` (`jelgavas`).
    pub municipality: Option<String>,
    /// The four digits of `LV-3018`.
    pub postcode: Option<String>,
}

/// Street type words left out of a street's key (folded): `Upes 10` and
/// `Upes iela 10` are one house.
const STREET_TYPES: &[&str] = &[
    "iela",
    "iel",
    "ie",
    "gatve",
    "gatv",
    "cels",
    "soseja",
    "sos",
    "prospekts",
    "pr",
    "bulvaris",
    "bulv",
    "laukums",
    "aleja",
    "al",
    "linija",
    "krastmala",
    "dambis",
];

/// Quote characters people and registers use, all read as `"`.
fn is_quote(c: char) -> bool {
    matches!(c, '"' | '„' | '”' | '“' | '«' | '»' | '\'' | '‘' | '’')
}

/// Split on commas that are not inside quotes.
fn parts(text: &str) -> Vec<String> {
    let mut out = Vec::new();
    let mut cur = String::new();
    let mut quoted = false;
    for c in text.chars() {
        if is_quote(c) {
            quoted = !quoted;
            cur.push('"');
        } else if c == ',' && !quoted {
            out.push(std::mem::take(&mut cur));
        } else {
            cur.push(c);
        }
    }
    out.push(cur);
    out.into_iter()
        .map(|p| p.trim().to_owned())
        .filter(|p| !p.is_empty())
        .collect()
}

/// A postcode part (`LV-3018`, `LV 3018`, `3018`), as its four digits.
fn postcode(folded: &str) -> Option<String> {
    let digits = folded.strip_prefix("lv").unwrap_or(folded).trim();
    (digits.len() == 4 && digits.bytes().all(|b| b.is_ascii_digit())).then(|| digits.to_owned())
}

/// The stem of a part ending in one of `suffixes` (`ozolnieku pag` →
/// `ozolnieku`).
fn stem<'a>(folded: &'a str, suffixes: &[&str]) -> Option<&'a str> {
    suffixes.iter().find_map(|s| {
        folded
            .strip_suffix(s)
            .and_then(|r| r.strip_suffix(' '))
            .filter(|r| !r.is_empty())
    })
}

/// The house of the first part: the name in quotes; else a street with a
/// number (the last word starting with a digit, then `k N` for a corpus);
/// else the whole part as a name.
fn house(part: &str) -> Option<House> {
    if let (Some(a), Some(b)) = (part.find('"'), part.rfind('"'))
        && b > a
    {
        let name = fold(&part[a + 1..b]);
        return (!name.is_empty()).then_some(House::Name(name));
    }
    let folded = fold(part);
    let tokens: Vec<&str> = folded.split(' ').filter(|t| !t.is_empty()).collect();
    let Some(n) = tokens
        .iter()
        .rposition(|t| t.starts_with(|c: char| c.is_ascii_digit()))
    else {
        return (!folded.is_empty()).then_some(House::Name(folded));
    };
    // `10 k 1`: the number is the one before the corpus marker.
    let (n, corpus) = if n >= 2 && tokens[n - 1] == "k" {
        (n - 2, Some(tokens[n].to_owned()))
    } else {
        (n, None)
    };
    if n == 0 || !tokens[n].starts_with(|c: char| c.is_ascii_digit()) {
        return (!folded.is_empty()).then_some(House::Name(folded));
    }
    let mut street: Vec<&str> = tokens[..n].to_vec();
    while street.len() > 1 && street.last().is_some_and(|t| STREET_TYPES.contains(t)) {
        street.pop();
    }
    Some(House::Street {
        street: street.join(" "),
        number: tokens[n].to_owned(),
        corpus,
    })
}

/// Take an address apart (see the module documentation). Parts after the
/// first are read as a postcode, a parish (`… pag.`/`… pagasts`), a
/// municipality (`… nov.`/`… novads`) or, otherwise, the village or town.
pub fn parse(text: &str) -> Address {
    let parts = parts(text);
    let mut a = Address::default();
    let mut rest = parts.iter();
    if let Some(first) = rest.next() {
        a.house = house(first);
    }
    for p in rest {
        let f = fold(p);
        if f.is_empty() {
            continue;
        }
        if let Some(code) = postcode(&f) {
            a.postcode = Some(code);
        } else if let Some(s) = stem(&f, &["pagasts", "pag"]) {
            a.parish = Some(s.to_owned());
        } else if let Some(s) = stem(&f, &["novads", "nov"]) {
            a.municipality = Some(s.to_owned());
        } else if a.place.is_none() {
            a.place = Some(f);
        }
    }
    a
}

/// The parish stem of a parish name (`Salgales pagasts` → `salgales`).
pub fn parish_stem(name: &str) -> String {
    let f = fold(name);
    stem(&f, &["pagasts", "pag"]).unwrap_or(&f).to_owned()
}

#[cfg(test)]
mod tests {
    use super::*;

    fn street(s: &str, n: &str, k: Option<&str>) -> Option<House> {
        Some(House::Street {
            street: s.into(),
            number: n.into(),
            corpus: k.map(Into::into),
        })
    }

    #[test]
    fn houses_in_the_forms_people_write() {
        for (text, want) in [
            ("Stadiona iela 10", street("stadiona", "10", None)),
            ("STADIONA IELA 10", street("stadiona", "10", None)),
            ("Stadiona 10", street("stadiona", "10", None)),
            ("Stadiona iela 10 k-2", street("stadiona", "10", Some("2"))),
            ("Stadiona iela 10 k. 2", street("stadiona", "10", Some("2"))),
            ("Rīgas iela 5a", street("rigas", "5a", None)),
            ("Lielā iela 11", street("liela", "11", None)),
            ("1. maija iela 3", street("1 maija", "3", None)),
            ("\"Eži\"", Some(House::Name("ezi".into()))),
            ("„Ķiršu mājas”", Some(House::Name("kirsu majas".into()))),
            ("'Ozoli 3'", Some(House::Name("ozoli 3".into()))),
            ("Eži", Some(House::Name("ezi".into()))),
        ] {
            assert_eq!(parse(text).house, want, "{text}");
        }
    }

    #[test]
    fn the_places_after_the_house() {
        let a = parse("\"Eži\", Salgales pag., Jelgavas novads, LV 3045");
        assert_eq!(a.place, None);
        assert_eq!(a.parish.as_deref(), Some("salgales"));
        assert_eq!(a.municipality.as_deref(), Some("jelgavas"));
        assert_eq!(a.postcode.as_deref(), Some("3045"));
        let b = parse("Pasta iela 37, Jelgava, LV-3001");
        assert_eq!(b.place.as_deref(), Some("jelgava"));
        assert_eq!(b.parish, None);
        // A comma inside the quotes belongs to the name.
        assert_eq!(
            parse("\"Lejas, Kalni\", Vilces pag.").house,
            Some(House::Name("lejas kalni".into()))
        );
        assert_eq!(parish_stem("Glūdas pagasts"), "gludas");
    }

    #[test]
    fn keys() {
        let k = parse("Stadiona iela 10 k-1").house.unwrap();
        assert_eq!(k.key(), "s:stadiona|10|1");
        assert_eq!(k.key_without_corpus().as_deref(), Some("s:stadiona|10|"));
        assert_eq!(parse("Stadiona 10").house.unwrap().key(), "s:stadiona|10|");
    }
}
