//! Search words: text folded as every id is ([`gapmap_geo::text::fold`]: lower
//! case, no diacritics, punctuation as spaces), the usual Latvian
//! abbreviations spelled out, and a bounded edit distance for typos. The
//! front end folds Latin text the same way (`web/src/text.ts`; both run
//! `web/test/fold-cases.json`).

pub use gapmap_geo::text::fold;

/// Abbreviations as the VZD register and people write them, spelled out.
fn expand(token: &str) -> &str {
    match token {
        "pag" => "pagasts",
        "nov" => "novads",
        "pagasta" | "pagastā" => "pagasts",
        _ => token,
    }
}

/// The search tokens of a text: [`fold`]ed, split on spaces, abbreviations
/// expanded.
pub fn tokens(text: &str) -> Vec<String> {
    fold(text)
        .split(' ')
        .filter(|t| !t.is_empty())
        .map(|t| expand(t).to_owned())
        .collect()
}

/// The optimal-string-alignment distance (Levenshtein with adjacent
/// transpositions) between two folded strings, or `None` when it exceeds
/// `max`. Counts characters, not bytes.
pub fn distance_within(a: &str, b: &str, max: usize) -> Option<usize> {
    // Folded text is mostly ASCII: compare bytes then, without copying.
    if a.is_ascii() && b.is_ascii() {
        return osa_within(a.as_bytes(), b.as_bytes(), max);
    }
    let a: Vec<char> = a.chars().collect();
    let b: Vec<char> = b.chars().collect();
    osa_within(&a, &b, max)
}

fn osa_within<T: PartialEq>(a: &[T], b: &[T], max: usize) -> Option<usize> {
    if a.len().abs_diff(b.len()) > max {
        return None;
    }
    let w = b.len() + 1;
    let mut d = vec![0usize; (a.len() + 1) * w];
    for (j, cell) in d.iter_mut().enumerate().take(w) {
        *cell = j;
    }
    for i in 1..=a.len() {
        d[i * w] = i;
        let mut row_min = d[i * w];
        for j in 1..=b.len() {
            let cost = usize::from(a[i - 1] != b[j - 1]);
            let mut v = (d[(i - 1) * w + j] + 1)
                .min(d[i * w + j - 1] + 1)
                .min(d[(i - 1) * w + j - 1] + cost);
            if i > 1 && j > 1 && a[i - 1] == b[j - 2] && a[i - 2] == b[j - 1] {
                v = v.min(d[(i - 2) * w + j - 2] + 1);
            }
            d[i * w + j] = v;
            row_min = row_min.min(v);
        }
        if row_min > max {
            return None;
        }
    }
    let v = d[a.len() * w + b.len()];
    (v <= max).then_some(v)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn folds_latvian_and_punctuation() {
        for (input, want) in [
            ("Glūdas pagasts", "gludas pagasts"),
            ("GLŪDAS PAG.", "gludas pag"),
            ("„Ķiršu mājas”, Vircavas pag.", "kirsu majas vircavas pag"),
            (
                "\"Zemgaļi\", Elejas pag., Jelgavas nov., LV-3023",
                "zemgali elejas pag jelgavas nov lv 3023",
            ),
            ("Ābeļu iela 5 k-1", "abelu iela 5 k 1"),
            ("  Čiekuri  ", "ciekuri"),
            ("ŽŅĢĶĻŠČĒĪŪĀ", "zngklsceiua"),
            ("Straße Œuvre", "strasse oeuvre"),
            ("", ""),
            ("—", ""),
            ("Елгава", "elgava"),
        ] {
            assert_eq!(fold(input), want, "{input:?}");
        }
    }

    /// The front end folds the same way (web/src/text.ts runs the same cases).
    #[test]
    fn folds_as_the_front_end_does() {
        let cases: Vec<(String, String)> =
            serde_json::from_str(include_str!("../../../../web/test/fold-cases.json"))
                .expect("web/test/fold-cases.json");
        assert!(cases.len() >= 10);
        for (input, want) in cases {
            assert_eq!(fold(&input), want, "{input:?}");
        }
    }

    #[test]
    fn tokens_expand_abbreviations() {
        assert_eq!(tokens("Glūdas pag."), ["gludas", "pagasts"]);
        assert_eq!(tokens("Jelgavas nov."), ["jelgavas", "novads"]);
        assert_eq!(tokens("Glūdas pagastā"), ["gludas", "pagasts"]);
    }

    #[test]
    fn bounded_distance() {
        for (a, b, max, want) in [
            ("gluda", "gluda", 1, Some(0)),
            ("gluda", "gloda", 1, Some(1)),
            ("gluda", "lguda", 1, Some(1)),
            ("gluda", "glda", 1, Some(1)),
            ("gluda", "gludas", 1, Some(1)),
            ("gluda", "gl", 1, None),
            ("kalnciems", "kalnciema", 1, Some(1)),
            ("vilce", "sesava", 2, None),
            ("abc", "cba", 2, Some(2)),
        ] {
            assert_eq!(distance_within(a, b, max), want, "{a} {b}");
        }
    }
}
