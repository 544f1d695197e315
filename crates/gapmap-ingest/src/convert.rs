//! A property value converted to its field's type, with a message and a hint
//! when it cannot be (numbers with a decimal comma, dates, opening hours, …).

use chrono::NaiveDate;
use gapmap_model::schema::{Field, FieldType};
use serde_json::{Number, Value};

pub(crate) type Conv = Result<Value, (String, Option<String>)>;

fn mistyped(field: &Field, v: &Value) -> (String, Option<String>) {
    let found = match v {
        Value::Null => "null",
        Value::Bool(_) => "a boolean",
        Value::Number(_) => "a number",
        Value::String(_) => "a string",
        Value::Array(_) => "a list",
        Value::Object(_) => "an object",
    };
    (
        format!(
            "expected {}, found {found} {}",
            field.ty.describe(),
            short(v)
        ),
        None,
    )
}

/// A short rendering of a JSON value for messages.
pub(crate) fn short(v: &Value) -> String {
    let s = v.to_string();
    if s.chars().count() > 40 {
        format!("{}…", s.chars().take(40).collect::<String>())
    } else {
        s
    }
}

/// A text value within its field's length, without control or
/// bidirectional characters ([`gapmap_model::values::text_problem`]).
fn checked_text(field: &Field, s: &str) -> Result<String, (String, Option<String>)> {
    match gapmap_model::values::text_problem(field.name, s) {
        None => Ok(s.to_owned()),
        Some(m) => Err((
            m,
            Some("shorten it, or remove the invisible character (copy the text through a plain-text editor)".into()),
        )),
    }
}

/// Convert and check one value. Text from CSV/DBF is parsed to the field type;
/// JSON values must already have the right type.
pub(crate) fn convert(field: &Field, v: &Value, text: bool) -> Conv {
    let s = v.as_str().map(str::trim);
    match field.ty {
        FieldType::Text => match v {
            Value::String(s) => checked_text(field, s.trim()).map(Value::String),
            Value::Number(n) if text => Ok(Value::String(n.to_string())),
            _ => Err(mistyped(field, v)),
        },
        FieldType::Count | FieldType::Year => whole_number(field, v, s, text),
        FieldType::NonNegative => non_negative(field, v, s, text),
        FieldType::Bool => match (v, s.map(str::to_lowercase).as_deref()) {
            (Value::Bool(b), _) => Ok(Value::Bool(*b)),
            (_, Some("true" | "yes" | "1" | "jā" | "ja" | "y")) if text => Ok(Value::Bool(true)),
            (_, Some("false" | "no" | "0" | "nē" | "ne" | "n")) if text => Ok(Value::Bool(false)),
            _ => Err(mistyped(field, v)),
        },
        FieldType::Date => {
            let Some(s) = s else {
                return Err(mistyped(field, v));
            };
            NaiveDate::parse_from_str(s, "%Y-%m-%d")
                .map(|d| Value::String(d.to_string()))
                .map_err(|_| {
                    (
                        format!("`{s}` is not a date"),
                        Some("write dates as YYYY-MM-DD, e.g. 2025-01-01".into()),
                    )
                })
        }
        FieldType::TextList => match v {
            Value::Array(items) if items.iter().all(Value::is_string) => items
                .iter()
                .map(|i| checked_text(field, i.as_str().unwrap_or("")).map(Value::String))
                .collect::<Result<_, _>>()
                .map(Value::Array),
            Value::String(s) if text => s
                .split(';')
                .map(str::trim)
                .filter(|p| !p.is_empty())
                .map(|p| checked_text(field, p).map(Value::String))
                .collect::<Result<_, _>>()
                .map(Value::Array),
            _ => Err(mistyped(field, v)),
        },
        FieldType::Enum(values) => one_of(field, values, v, s),
        FieldType::Atvk => atvk(field, v, text),
        FieldType::OpeningHours => opening_hours(field, v, s),
    }
}

/// A whole number ≥ 0 (a count, or a year between 1990 and 2100); `s` is
/// the trimmed text of `v`, parsed when `text`.
fn whole_number(field: &Field, v: &Value, s: Option<&str>, text: bool) -> Conv {
    let n = match (v, s) {
        (Value::Number(n), _) => n.as_i64().or_else(|| {
            n.as_f64()
                .filter(|f| f.fract() == 0.0 && f.abs() < 9e15)
                .map(|f| f as i64)
        }),
        (_, Some(s)) if text => s.parse::<i64>().ok().or_else(|| {
            s.parse::<f64>()
                .ok()
                .filter(|f| f.fract() == 0.0 && f.abs() < 9e15)
                .map(|f| f as i64)
        }),
        _ => None,
    };
    let Some(n) = n else {
        return Err(mistyped(field, v));
    };
    if field.ty == FieldType::Year && !(1990..=2100).contains(&n) {
        return Err((
            format!("year {n} is out of range"),
            Some("a year between 1990 and 2100".into()),
        ));
    }
    if n < 0 {
        return Err((
            format!("{n} is negative"),
            Some(format!("expected {}", field.ty.describe())),
        ));
    }
    Ok(Value::Number(Number::from(n)))
}

/// A finite real number ≥ 0; text may use a decimal comma.
fn non_negative(field: &Field, v: &Value, s: Option<&str>, text: bool) -> Conv {
    let n = match (v, s) {
        (Value::Number(n), _) => n.as_f64(),
        (_, Some(s)) if text => s.replace(',', ".").parse::<f64>().ok(),
        _ => None,
    };
    let Some(n) = n else {
        return Err(mistyped(field, v));
    };
    if !n.is_finite() {
        return Err((format!("{n} is not a finite number"), None));
    }
    if n < 0.0 {
        let hint = if field.name.ends_with("_mbps") {
            "speeds are Mbit/s and cannot be negative"
        } else {
            "expected a number ≥ 0"
        };
        return Err((format!("{n} is negative"), Some(hint.into())));
    }
    Ok(Number::from_f64(n)
        .map(Value::Number)
        .unwrap_or(Value::Null))
}

/// One of `values`, exactly; the hint names a value that differs only in
/// case, else lists them.
fn one_of(field: &Field, values: &[&str], v: &Value, s: Option<&str>) -> Conv {
    let Some(s) = s else {
        return Err(mistyped(field, v));
    };
    if values.contains(&s) {
        return Ok(Value::String(s.to_owned()));
    }
    let lower = s.to_lowercase();
    let hint = match values.iter().find(|x| **x == lower) {
        Some(close) => format!("did you mean `{close}`? values are lower case"),
        None => format!("one of {}", values.join(", ")),
    };
    Err((format!("unknown {} `{s}`", field.name), Some(hint)))
}

/// An ATVK code as the statistics office writes it: `LV` and the 7 digits
/// (the CSP boundary file's `L1_code`, e.g. `LV0030510`), so tables join on
/// it; 7 digits alone are given their `LV`.
fn atvk(field: &Field, v: &Value, text: bool) -> Conv {
    let text = match v {
        Value::String(s) => s.trim().to_owned(),
        Value::Number(n) if text => n.to_string(),
        _ => return Err(mistyped(field, v)),
    };
    let code = text
        .strip_prefix("LV")
        .or_else(|| text.strip_prefix("lv"))
        .unwrap_or(&text);
    if code.len() == 7 && code.bytes().all(|b| b.is_ascii_digit()) {
        Ok(Value::String(format!("LV{code}")))
    } else {
        Err((
            format!("`{text}` is not an ATVK code"),
            Some(field.ty.describe()),
        ))
    }
}

/// An OSM `opening_hours` value; the message says where its syntax fails.
fn opening_hours(field: &Field, v: &Value, s: Option<&str>) -> Conv {
    let Some(s) = s else {
        return Err(mistyped(field, v));
    };
    checked_text(field, s)?;
    match s.parse::<opening_hours::OpeningHours>() {
        Ok(_) => Ok(Value::String(s.to_owned())),
        Err(e) => Err((
            format!(
                "`{s}` is not valid opening_hours syntax{}",
                parser_position(&e.to_string())
            ),
            Some("use OSM syntax, e.g. \"Mo-Fr 09:00-17:00; Sa 10:00-14:00; PH off\"".into()),
        )),
    }
}

/// " (at character N)" from a pest parser message (` --> 1:N`), or nothing.
fn parser_position(msg: &str) -> String {
    msg.lines()
        .find_map(|l| l.trim().strip_prefix("--> "))
        .and_then(|pos| pos.split(':').nth(1))
        .map(|col| format!(" (at character {col})"))
        .unwrap_or_default()
}
