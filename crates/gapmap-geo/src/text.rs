//! Text folding shared by ids and search: what a name looks like without
//! diacritics, case or punctuation.

/// Lower-case ASCII without diacritics, other scripts transliterated, runs
/// of anything but letters and digits collapsed to one space, trimmed.
///
/// ```
/// use gapmap_geo::text::fold;
/// assert_eq!(fold("Glūdas pag."), "gludas pag");
/// assert_eq!(fold("  Zaļenieku   pagasts "), "zalenieku pagasts");
/// assert_eq!(fold("Елгава"), "elgava");
/// ```
pub fn fold(s: &str) -> String {
    let ascii = deunicode::deunicode(s).to_ascii_lowercase();
    let mut out = String::with_capacity(ascii.len());
    for part in ascii.split(|c: char| !c.is_ascii_alphanumeric()) {
        if part.is_empty() {
            continue;
        }
        if !out.is_empty() {
            out.push(' ');
        }
        out.push_str(part);
    }
    out
}

/// A stable id from a name: [`fold`]ed, words joined by `-`.
///
/// ```
/// use gapmap_geo::text::slug;
/// assert_eq!(slug("Vilces pagasts"), "vilces-pagasts");
/// assert_eq!(slug("Jelgavas novads"), "jelgavas-novads");
/// assert_eq!(slug("DSPC \"Zīle\""), "dspc-zile");
/// ```
pub fn slug(s: &str) -> String {
    fold(s).replace(' ', "-")
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn latvian_letters_fold_to_their_base_letter() {
        for (a, b) in [
            ("āčēģīķļņšūž", "acegiklnsuz"),
            ("ĀČĒĢĪĶĻŅŠŪŽ", "acegiklnsuz"),
            ("Ķīve", "kive"),
            ("Staļģene", "stalgene"),
            ("Šiaulių", "siauliu"),
        ] {
            assert_eq!(fold(a), b);
        }
        assert_eq!(slug(""), "");
        assert_eq!(slug("--"), "");
    }
}
