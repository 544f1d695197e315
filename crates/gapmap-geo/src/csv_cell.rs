//! CSV cells as every CSV gapmap writes them: RFC 4180 quoting, records
//! joined by commas, and no cell a spreadsheet would run as a formula. The
//! one place a CSV cell is written (exports, the audit log, the planner's
//! tables, `gapmap gaps`, the command line) and read back ([`unescape`]).
//!
//! Formula injection (OWASP "CSV Injection"): a spreadsheet reads a cell
//! that begins with `=`, `+`, `-` or `@` (or a tab or carriage return, which
//! some strip first) as a formula. Such a cell is written with a leading
//! apostrophe and in quotes (`'=HYPERLINK(…)` shows as text), unless the
//! whole cell is a plain decimal number (`-12.5`, `+3`, `1e-5`): numbers
//! stay numbers.

/// The first characters that make a spreadsheet read a cell as a formula.
pub const FORMULA_START: [char; 6] = ['=', '+', '-', '@', '\t', '\r'];

/// Whether `s` is a plain decimal number: an optional sign, digits with an
/// optional fraction, an optional exponent (what Rust writes for an `f64`
/// or an integer; not `inf`, `NaN` or `1,5`).
///
/// ```
/// use gapmap_geo::csv_cell::is_number;
/// assert!(is_number("-12.5") && is_number("+3") && is_number("1e-5") && is_number("0"));
/// assert!(!is_number("-") && !is_number("-1+1") && !is_number("-inf") && !is_number("1."));
/// ```
pub fn is_number(s: &str) -> bool {
    let b = s.as_bytes();
    let mut i = usize::from(matches!(b.first(), Some(b'-' | b'+')));
    let digits = |i: &mut usize| {
        let start = *i;
        while b.get(*i).is_some_and(u8::is_ascii_digit) {
            *i += 1;
        }
        *i > start
    };
    if !digits(&mut i) {
        return false;
    }
    if b.get(i) == Some(&b'.') {
        i += 1;
        if !digits(&mut i) {
            return false;
        }
    }
    if matches!(b.get(i), Some(b'e' | b'E')) {
        i += 1;
        if matches!(b.get(i), Some(b'-' | b'+')) {
            i += 1;
        }
        if !digits(&mut i) {
            return false;
        }
    }
    i == b.len()
}

/// Whether a spreadsheet could run `s` as a formula: it begins (after any
/// spaces) with one of [`FORMULA_START`] and is not a plain number.
pub fn is_formula_like(s: &str) -> bool {
    s.trim_start_matches(' ').starts_with(FORMULA_START) && !is_number(s)
}

/// Whether [`field`] puts an apostrophe first: a formula-like value, or
/// one that already starts with apostrophes before a formula-like rest (so
/// that [`unescape`] gives back exactly what was written).
fn needs_apostrophe(s: &str) -> bool {
    is_formula_like(s) || s.strip_prefix('\'').is_some_and(needs_apostrophe)
}

/// One CSV field: neutralised when a spreadsheet could run it as a formula
/// (see the module documentation), quoted when it holds a separator, quote,
/// line break or leading/trailing space (RFC 4180 quoting).
pub fn field(buf: &mut String, s: &str) {
    let neutralise = needs_apostrophe(s);
    let quote = neutralise
        || s.contains([',', '"', '\r', '\n', ';'])
        || s.starts_with(' ')
        || s.ends_with(' ');
    if quote {
        buf.push('"');
        if neutralise {
            buf.push('\'');
        }
        buf.push_str(&s.replace('"', "\"\""));
        buf.push('"');
    } else {
        buf.push_str(s);
    }
}

/// One CSV record: the fields as [`field`] writes them, joined by commas,
/// ended by a newline.
pub fn record<S: AsRef<str>>(buf: &mut String, fields: &[S]) {
    for (i, f) in fields.iter().enumerate() {
        if i > 0 {
            buf.push(',');
        }
        field(buf, f.as_ref());
    }
    buf.push('\n');
}

/// A cell as read back (after the CSV reader removed its quotes): the
/// apostrophe [`field`] put before a formula-like value is taken off again,
/// so a file gapmap wrote (or a spreadsheet saved) reads as it was.
///
/// ```
/// use gapmap_geo::csv_cell::unescape;
/// assert_eq!(unescape("'=1+2"), "=1+2");
/// assert_eq!(unescape("'-x"), "-x");
/// assert_eq!(unescape("'quoted'"), "'quoted'");
/// ```
pub fn unescape(s: &str) -> &str {
    match s.strip_prefix('\'') {
        Some(rest) if needs_apostrophe(rest) => rest,
        _ => s,
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn written(s: &str) -> String {
        let mut out = String::new();
        field(&mut out, s);
        out
    }

    #[test]
    fn fields_are_quoted_only_when_they_must_be() {
        assert_eq!(written("sim-parish-001"), "sim-parish-001");
        assert_eq!(written("a,b"), "\"a,b\"");
        assert_eq!(written("say \"hi\""), "\"say \"\"hi\"\"\"");
        assert_eq!(written("two\nlines"), "\"two\nlines\"");
        assert_eq!(written(""), "");
        assert_eq!(written(" padded"), "\" padded\"");
    }

    #[test]
    fn formula_like_cells_are_neutralised_and_numbers_stay_numbers() {
        for (cell, want) in [
            (
                "=HYPERLINK(\"http://x\")",
                "\"'=HYPERLINK(\"\"http://x\"\")\"",
            ),
            ("+371 2612 3456", "\"'+371 2612 3456\""),
            ("-2+3", "\"'-2+3\""),
            ("@SUM(A1)", "\"'@SUM(A1)\""),
            ("\tcmd", "\"'\tcmd\""),
            ("\r=1", "\"'\r=1\""),
            ("  =1", "\"'  =1\""),
            ("-inf", "\"'-inf\""),
            ("-", "\"'-\""),
            ("-12.5", "-12.5"),
            ("+3", "+3"),
            ("1e-5", "1e-5"),
            ("-0", "-0"),
            ("a=b", "a=b"),
            ("e-mail", "e-mail"),
        ] {
            assert_eq!(written(cell), want, "{cell:?}");
        }
    }

    #[test]
    fn what_is_written_reads_back_the_same() {
        for cell in ["=1+2", "-x", "@a", "'=kept", "plain", "-12.5", "'", "\t"] {
            let w = written(cell);
            let unquoted = w
                .strip_prefix('"')
                .and_then(|s| s.strip_suffix('"'))
                .map_or(w.clone(), |s| s.replace("\"\"", "\""));
            assert_eq!(unescape(&unquoted), cell, "{cell:?} written as {w:?}");
        }
    }
}
