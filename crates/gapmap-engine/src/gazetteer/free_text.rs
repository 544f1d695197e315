//! A place as a resident writes it in a form — "Ķiršu mājas", "Bandenieki,
//! Vilces pagasts", "pie veikala Vilcē" — matched to the gazetteer when it
//! can be: the whole text first, then each comma-separated part, then each
//! word of four letters or more, the first that is exactly a name (of a
//! place, another name of one, or a register address). Nothing is guessed
//! from a near miss: a text that names nothing the gazetteer knows stays
//! text.

use super::{Gazetteer, Hit};

/// The parts of a text to try, most specific first: the whole, the
/// comma-separated parts, the words (≥ 4 letters, longest first).
fn candidates(text: &str) -> Vec<String> {
    let mut out = vec![text.trim().to_owned()];
    let parts: Vec<&str> = text.split([',', ';']).map(str::trim).collect();
    if parts.len() > 1 {
        out.extend(
            parts
                .iter()
                .filter(|p| !p.is_empty())
                .map(|p| (*p).to_owned()),
        );
    }
    let mut words: Vec<&str> = text
        .split(|c: char| !c.is_alphanumeric() && c != '-')
        .filter(|w| w.chars().count() >= 4)
        .collect();
    words.sort_by_key(|w| std::cmp::Reverse(w.chars().count()));
    out.extend(words.into_iter().map(str::to_owned));
    out.dedup();
    out
}

impl Gazetteer {
    /// The place a free text names, if the gazetteer knows it exactly (see
    /// the module documentation); `None` keeps the text as it is.
    pub fn match_text(&self, text: &str) -> Option<Hit<'_>> {
        candidates(text)
            .iter()
            .filter(|c| !c.is_empty())
            .find_map(|c| self.search(c, 1).into_iter().next().filter(|h| h.exact))
    }
}

#[cfg(test)]
mod tests {
    use super::super::{AddressIndex, Gazetteer, HitKind, Place};
    use geo_types::Point;
    use std::sync::Arc;

    fn gazetteer() -> Gazetteer {
        let place = |kind, id: &str, name: &str, alt: &[&str]| Place {
            kind,
            id: id.into(),
            name: name.into(),
            alt_names: alt.iter().map(|s| (*s).to_owned()).collect(),
            parish: 0,
            location: Point::new(23.55, 56.42),
            population: 100,
        };
        Gazetteer::new(
            vec!["vilces-pagasts".into()],
            vec![
                place(
                    HitKind::Parish,
                    "vilces-pagasts",
                    "Vilces pagasts",
                    &["Vilces", "Vilce"],
                ),
                place(HitKind::Settlement, "vilce", "Vilce", &[]),
                place(HitKind::Settlement, "eleja", "Eleja", &[]),
            ],
            Arc::new(AddressIndex::default()),
        )
    }

    #[test]
    fn what_residents_write() {
        let g = gazetteer();
        let id = |t: &str| g.match_text(t).and_then(|h| h.id);
        assert_eq!(id("Vilce"), Some("vilce"));
        assert_eq!(
            id("pie veikala Vilcē"),
            Some("vilce"),
            "the locative folds to the name"
        );
        assert_eq!(id("Bandenieki, Vilces pagasts"), Some("vilces-pagasts"));
        assert_eq!(id("Elejā, pie skolas"), Some("eleja"));
        // Unknown homesteads and near misses stay text.
        assert_eq!(id("Ķiršu mājas"), None);
        assert_eq!(id("Vilcs"), None, "a typo is not taken as a place");
        assert_eq!(id(""), None);
    }
}
