//! The steps every delimited-text reader shares (CSV, the VZD address
//! register, the CSB population grid): open past the BOM with the separator
//! sniffed, read the header row, read each row as UTF-8 fields, parse a
//! coordinate pair. Problems name the file, the line and the field.

use crate::error::IngestError;
use crate::feature::ReadContext;
use crate::problem::Location;
use crate::text::CrlfToLf;
use std::io::{BufRead, BufReader, Read};
use std::path::Path;

/// The text of a delimited file: past its BOM, CRLF turned into LF.
pub(crate) type TextReader = CrlfToLf<BufReader<std::fs::File>>;

/// Which quote character a file uses.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(crate) enum Quotes {
    /// Always `"`.
    Double,
    /// `#` when the header line starts with one (the old VZD dialect), else `"`.
    Sniffed,
}

/// A CSV reader over the file at `path`: opened past its BOM, with CRLF
/// turned into LF, the separator sniffed from the header line and the quote
/// as `quotes` says; rows may differ in width (reported by [`for_each_row`]).
pub(crate) fn open(
    path: &Path,
    ctx: &ReadContext,
    quotes: Quotes,
) -> Result<csv::Reader<TextReader>, IngestError> {
    let file = std::fs::File::open(path).map_err(|e| ctx.io_error(e))?;
    let mut reader = BufReader::with_capacity(1 << 20, file);
    crate::geojson::skip_bom(&mut reader).map_err(|e| ctx.io_error(e))?;
    let head = reader.fill_buf().map_err(|e| ctx.io_error(e))?;
    let first = head.split(|b| *b == b'\n').next().unwrap_or(head);
    let delimiter = sniff_delimiter(head);
    let quote = match (quotes, first.iter().find(|b| !b.is_ascii_whitespace())) {
        (Quotes::Sniffed, Some(b'#')) => b'#',
        _ => b'"',
    };
    Ok(csv::ReaderBuilder::new()
        .delimiter(delimiter)
        .quote(quote)
        .flexible(true)
        .has_headers(true)
        .from_reader(CrlfToLf::new(reader)))
}

/// The separator of a CSV file: whichever of `,` `;` tab is most frequent
/// in the header line.
pub(crate) fn sniff_delimiter(head: &[u8]) -> u8 {
    let first = head.split(|b| *b == b'\n').next().unwrap_or(head);
    [b',', b';', b'\t']
        .into_iter()
        .max_by_key(|d| first.iter().filter(|b| *b == d).count())
        .unwrap_or(b',')
}

/// The header row as trimmed names put through `normalise`; `None` (with a
/// problem reported, `empty_hint` its hint when the row is empty) when it
/// cannot be read or is empty.
pub(crate) fn read_headers<R: Read>(
    rdr: &mut csv::Reader<R>,
    ctx: &mut ReadContext,
    normalise: fn(&str) -> String,
    empty_hint: String,
) -> Option<Vec<String>> {
    let headers: Vec<String> = match rdr.byte_headers() {
        Ok(h) => h
            .iter()
            .map(|f| normalise(String::from_utf8_lossy(f).trim()))
            .collect(),
        Err(e) => {
            ctx.problems.push(ctx.at(Location::Line(1)).error(
                None,
                format!("cannot read the header row: {e}"),
                None,
            ));
            return None;
        }
    };
    if headers.iter().all(String::is_empty) {
        ctx.problems.push(ctx.at(Location::File).error(
            None,
            "the file is empty (no header row)",
            Some(empty_hint),
        ));
        return None;
    }
    Some(headers)
}

/// How a reader words the problems of a row it cannot use, and what it does
/// with the fields of the rows it can.
#[derive(Debug)]
pub(crate) struct RowRules {
    /// The hint for a row the csv crate cannot parse.
    pub malformed_hint: &'static str,
    /// The hint for a row with more or fewer fields than the header.
    pub width_hint: &'static str,
    /// The hint for a field that is not UTF-8.
    pub utf8_hint: &'static str,
    /// Whether a row reported as bad counts in `ctx.rejected` (as a feature
    /// read and rejected).
    pub count_rejected: bool,
    /// Whether each field is trimmed.
    pub trim: bool,
}

/// What [`next_row`] read: a row's line and UTF-8 fields; a row to skip
/// (blank, or reported as malformed, of the wrong width or not UTF-8); or
/// the end of the file.
enum Row {
    Fields(u64, Vec<String>),
    Skip,
    End,
}

/// Hand every usable row after the header to `f` with its line and fields;
/// report the others as `rules` says.
pub(crate) fn for_each_row<R: Read>(
    rdr: &mut csv::Reader<R>,
    headers: &[String],
    rules: &RowRules,
    ctx: &mut ReadContext,
    mut f: impl FnMut(u64, Vec<String>, &mut ReadContext),
) {
    let mut record = csv::ByteRecord::new();
    loop {
        match next_row(rdr, &mut record, headers, rules, ctx) {
            Row::End => break,
            Row::Skip => continue,
            Row::Fields(line, fields) => f(line, fields, ctx),
        }
    }
}

/// Read the next row into `record` and judge it (see [`Row`]).
fn next_row<R: Read>(
    rdr: &mut csv::Reader<R>,
    record: &mut csv::ByteRecord,
    headers: &[String],
    rules: &RowRules,
    ctx: &mut ReadContext,
) -> Row {
    let line = rdr.position().line();
    match rdr.read_byte_record(record) {
        Ok(false) => return Row::End,
        Ok(true) => {}
        Err(e) => {
            let line = e.position().map(|p| p.line()).unwrap_or(line);
            ctx.problems.push(ctx.at(Location::Line(line)).error(
                None,
                format!("malformed CSV: {e}"),
                Some(rules.malformed_hint.into()),
            ));
            return rules.reject(ctx);
        }
    }
    let line = record.position().map(|p| p.line()).unwrap_or(line);
    if record.len() != headers.len() {
        if record.len() == 1
            && record
                .get(0)
                .is_some_and(|f| f.iter().all(u8::is_ascii_whitespace))
        {
            return Row::Skip; // a blank line
        }
        ctx.problems.push(ctx.at(Location::Line(line)).error(
            None,
            format!(
                "{} fields, but the header has {}",
                record.len(),
                headers.len()
            ),
            Some(rules.width_hint.into()),
        ));
        return rules.reject(ctx);
    }
    let mut fields = Vec::with_capacity(record.len());
    for (i, f) in record.iter().enumerate() {
        match std::str::from_utf8(f) {
            // A cell gapmap (or a spreadsheet) wrote with an apostrophe
            // before a formula-like value reads as the value.
            Ok(s) if rules.trim => fields.push(gapmap_geo::csv_cell::unescape(s.trim()).to_owned()),
            Ok(s) => fields.push(gapmap_geo::csv_cell::unescape(s).to_owned()),
            Err(_) => {
                ctx.problems.push(ctx.at(Location::Line(line)).error(
                    Some(&headers[i]),
                    "the text is not UTF-8",
                    Some(rules.utf8_hint.into()),
                ));
                return rules.reject(ctx);
            }
        }
    }
    Row::Fields(line, fields)
}

impl RowRules {
    /// Skip a row reported as bad, counting it when the rules say so.
    fn reject(&self, ctx: &mut ReadContext) -> Row {
        if self.count_rejected {
            ctx.rejected += 1;
        }
        Row::Skip
    }
}

/// Two coordinates, each a (column, value) parsed with `parse`; else the
/// column of the first that is not a number, with what is wrong with it.
pub(crate) fn coordinate_pair<'c>(
    a: (&'c str, &str),
    b: (&'c str, &str),
    parse: fn(&str) -> Option<f64>,
) -> Result<(f64, f64), (&'c str, String)> {
    match (parse(a.1), parse(b.1)) {
        (Some(x), Some(y)) => Ok((x, y)),
        (x, _) => {
            let (column, value) = if x.is_none() { a } else { b };
            let msg = if value.trim().is_empty() {
                "the coordinate is missing".to_owned()
            } else {
                format!("`{value}` is not a number")
            };
            Err((column, msg))
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn number(s: &str) -> Option<f64> {
        s.trim().parse().ok()
    }

    #[test]
    fn a_coordinate_pair_names_the_first_column_at_fault() {
        assert_eq!(
            coordinate_pair(("lon", "23.7"), ("lat", " 56.6 "), number),
            Ok((23.7, 56.6))
        );
        assert_eq!(
            coordinate_pair(("lon", " "), ("lat", "x"), number),
            Err(("lon", "the coordinate is missing".to_owned()))
        );
        assert_eq!(
            coordinate_pair(("lon", "23.7"), ("lat", "56,6"), number),
            Err(("lat", "`56,6` is not a number".to_owned()))
        );
    }

    #[test]
    fn the_separator_is_the_most_frequent_in_the_header_line() {
        assert_eq!(sniff_delimiter(b"a;b;c,d\n1,2,3,4,5,6"), b';');
        assert_eq!(sniff_delimiter(b"a\tb\tc"), b'\t');
    }
}
