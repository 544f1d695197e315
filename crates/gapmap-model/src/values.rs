//! What an id and a text value may be, for every way in (files, the edit
//! API, resident reports): an id is short and safe in a path and a link; a
//! text is bounded in length and holds no control characters (but the line
//! breaks and tabs of multi-line fields) and no bidirectional controls,
//! which can make a name read differently from what it is ("Trojan
//! Source").

/// The longest id, in characters.
pub const ID_MAX: usize = 128;

/// Why `id` is not an id, or `None`: 1–[`ID_MAX`] characters, ASCII
/// letters and digits, `.`, `_`, `:` and `-`, beginning with a letter or
/// digit (so never `..`, `/`, `%`, a space or markup).
///
/// ```
/// use gapmap_model::values::id_problem;
/// assert_eq!(id_problem("library-vilce"), None);
/// assert_eq!(id_problem("1kmN3870E5160"), None);
/// assert!(id_problem("../etc").is_some() && id_problem("<b>").is_some() && id_problem("").is_some());
/// ```
pub fn id_problem(id: &str) -> Option<String> {
    let n = id.chars().count();
    if n == 0 || n > ID_MAX {
        return Some(format!("an id has 1–{ID_MAX} characters; this one has {n}"));
    }
    let first_ok = id.starts_with(|c: char| c.is_ascii_alphanumeric());
    let bad = id
        .chars()
        .find(|c| !(c.is_ascii_alphanumeric() || matches!(c, '.' | '_' | ':' | '-')));
    match (first_ok, bad) {
        (_, Some(c)) => Some(format!(
            "an id may hold only letters a–z, digits, `.`, `_`, `:` and `-`, not {}",
            describe(c)
        )),
        (false, None) => Some("an id begins with a letter or a digit".into()),
        (true, None) => None,
    }
}

/// Fields whose text may run over several lines (line breaks and tabs
/// allowed).
pub const MULTI_LINE: &[&str] = &["note", "source_note", "how_to_connect", "text", "reason"];

/// The longest text of a field, in characters.
///
/// ```
/// use gapmap_model::values::max_chars;
/// assert_eq!(max_chars("name"), 200);
/// assert_eq!(max_chars("note"), 4000);
/// ```
pub fn max_chars(field: &str) -> usize {
    match field {
        "name" | "provider" | "model" | "centre" | "metric" => 200,
        "phone" => 50,
        "address" => 300,
        f if MULTI_LINE.contains(&f) => 4000,
        _ => 1000,
    }
}

/// Whether `c` is a bidirectional formatting control (U+061C, U+200E,
/// U+200F, U+202A–U+202E, U+2066–U+2069).
pub fn is_bidi_control(c: char) -> bool {
    matches!(c, '\u{061C}' | '\u{200E}' | '\u{200F}' | '\u{202A}'..='\u{202E}' | '\u{2066}'..='\u{2069}')
}

fn describe(c: char) -> String {
    if c.is_control() || is_bidi_control(c) || c.is_whitespace() {
        format!("U+{:04X}", u32::from(c))
    } else {
        format!("`{c}`")
    }
}

/// Why the text `s` of `field` is refused, or `None`: longer than
/// [`max_chars`], a control character (line breaks and tabs only in
/// [`MULTI_LINE`] fields), or a bidirectional control.
///
/// ```
/// use gapmap_model::values::text_problem;
/// assert_eq!(text_problem("name", "Vilces bibliotēka"), None);
/// assert!(text_problem("name", "evil\u{202E}gnp.exe").unwrap().contains("U+202E"));
/// assert!(text_problem("name", "two\nlines").is_some());
/// assert_eq!(text_problem("note", "two\nlines"), None);
/// assert!(text_problem("name", &"x".repeat(20_000)).unwrap().contains("20000"));
/// ```
pub fn text_problem(field: &str, s: &str) -> Option<String> {
    let n = s.chars().count();
    let max = max_chars(field);
    if n > max {
        return Some(format!("the text is {n} characters; at most {max}"));
    }
    let lines = MULTI_LINE.contains(&field);
    let bad = s.chars().find(|&c| {
        is_bidi_control(c) || (c.is_control() && !(lines && matches!(c, '\n' | '\r' | '\t')))
    })?;
    Some(if is_bidi_control(bad) {
        format!(
            "the text holds a bidirectional control character ({}), which can make it read differently from what it is",
            describe(bad)
        )
    } else {
        format!("the text holds a control character ({})", describe(bad))
    })
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn ids_of_every_kind_in_use_pass_and_unsafe_ones_do_not() {
        for ok in [
            "sites-0a1b2c3d4e5f6a7b",
            "vilces-pagasts",
            "1kmN3870E5160",
            "EPSG:3059",
            "a.b_c",
        ] {
            assert_eq!(id_problem(ok), None, "{ok}");
        }
        for bad in [
            "..",
            "-x",
            "a b",
            "a/b",
            "%2e",
            "ā",
            "a\u{202E}b",
            &"x".repeat(129),
        ] {
            assert!(id_problem(bad).is_some(), "{bad}");
        }
        assert!(id_problem("a b").unwrap().contains("U+0020"));
    }

    #[test]
    fn control_characters_are_named() {
        assert!(text_problem("name", "a\u{7}b").unwrap().contains("U+0007"));
        assert!(text_problem("note", "a\u{0}b").is_some());
        assert!(text_problem("address", "Rīgas iela 1\u{2066}").is_some());
    }
}
