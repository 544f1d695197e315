//! CSV cells as every CSV gapmap writes them: RFC 4180 quoting, records
//! joined by commas. The one place a CSV cell is written.

/// One CSV field, quoted when it holds a separator, quote, line break or
/// leading/trailing space (RFC 4180 quoting).
pub fn field(buf: &mut String, s: &str) {
    let quote = s.contains([',', '"', '\r', '\n', ';']) || s.starts_with(' ') || s.ends_with(' ');
    if quote {
        buf.push('"');
        buf.push_str(&s.replace('"', "\"\""));
        buf.push('"');
    } else {
        buf.push_str(s);
    }
}

/// One CSV record: the fields quoted where they must be, joined by commas,
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

#[cfg(test)]
mod tests {
    use super::field;

    #[test]
    fn fields_are_quoted_only_when_they_must_be() {
        let quoted = |s: &str| {
            let mut out = String::new();
            field(&mut out, s);
            out
        };
        assert_eq!(quoted("sim-parish-001"), "sim-parish-001");
        assert_eq!(quoted("a,b"), "\"a,b\"");
        assert_eq!(quoted("say \"hi\""), "\"say \"\"hi\"\"\"");
        assert_eq!(quoted("two\nlines"), "\"two\nlines\"");
        assert_eq!(quoted(""), "");
        assert_eq!(quoted(" padded"), "\" padded\"");
    }
}
