//! Strict query strings: every endpoint names the parameters it accepts;
//! anything else is a 400 problem naming the parameter.

use crate::problem::{Kind, Problem};
use actix_web::HttpRequest;
use std::collections::BTreeMap;

/// The parsed query string of a request, checked against allowed names.
#[derive(Debug, Default)]
pub struct Query {
    values: BTreeMap<String, String>,
}

impl Query {
    /// Parse and reject unknown or repeated parameters.
    pub fn parse(req: &HttpRequest, allowed: &[&str]) -> Result<Query, Problem> {
        Query::from_query_str(req.query_string(), allowed)
    }

    /// [`Query::parse`] of a raw query string (without the `?`).
    pub fn from_query_str(query: &str, allowed: &[&str]) -> Result<Query, Problem> {
        let pairs: Vec<(String, String)> = serde_urlencoded::from_str(query).map_err(|e| {
            Problem::new(
                Kind::InvalidParameter,
                format!("the query string cannot be read: {e}"),
            )
        })?;
        let mut values = BTreeMap::new();
        for (k, v) in pairs {
            if !allowed.contains(&k.as_str()) {
                let mut p = Problem::new(
                    Kind::UnknownParameter,
                    format!(
                        "unknown query parameter `{k}`; this endpoint accepts: {}",
                        if allowed.is_empty() {
                            "none".to_owned()
                        } else {
                            allowed.join(", ")
                        }
                    ),
                );
                p.parameter = Some(k);
                return Err(p);
            }
            if values.insert(k.clone(), v).is_some() {
                return Err(Problem::invalid(
                    &k,
                    format!("`{k}` is given more than once"),
                ));
            }
        }
        Ok(Query { values })
    }

    pub fn str(&self, name: &str) -> Option<&str> {
        self.values.get(name).map(String::as_str)
    }

    /// An unsigned integer parameter within `[min, max]`, or the default.
    pub fn usize_in(
        &self,
        name: &str,
        default: usize,
        min: usize,
        max: usize,
    ) -> Result<usize, Problem> {
        match self.str(name) {
            None => Ok(default),
            Some(s) => match s.parse::<usize>() {
                Ok(n) if (min..=max).contains(&n) => Ok(n),
                _ => Err(Problem::invalid(
                    name,
                    format!("`{name}` must be a whole number from {min} to {max}, not `{s}`"),
                )),
            },
        }
    }

    pub fn f64(&self, name: &str) -> Result<Option<f64>, Problem> {
        match self.str(name) {
            None => Ok(None),
            Some(s) => s
                .parse::<f64>()
                .ok()
                .filter(|v| v.is_finite())
                .map(Some)
                .ok_or_else(|| {
                    Problem::invalid(name, format!("`{name}` must be a number, not `{s}`"))
                }),
        }
    }

    /// `bbox=minlon,minlat,maxlon,maxlat` in WGS84: four [`plain_number`]s.
    /// A box whose minimum is above its maximum is accepted and contains
    /// nothing.
    pub fn bbox(&self, name: &str) -> Result<Option<[f64; 4]>, Problem> {
        let Some(s) = self.str(name) else {
            return Ok(None);
        };
        match numbers(s).as_deref() {
            Some([a, b, c, d]) => Ok(Some([*a, *b, *c, *d])),
            _ => Err(Problem::invalid(
                name,
                format!("`{name}` must be four numbers minlon,minlat,maxlon,maxlat, not `{s}`"),
            )),
        }
    }
}

/// A plain decimal number as the OpenAPI patterns allow it: an optional
/// `-`, digits, optionally `.` and digits; no sign `+`, exponent, spaces,
/// `inf` or `NaN`.
///
/// ```
/// use gapmap_server::query::plain_number;
/// assert_eq!(plain_number("-23.5"), Some(-23.5));
/// assert_eq!(plain_number("1e5"), None);
/// assert_eq!(plain_number(" 1"), None);
/// ```
pub fn plain_number(s: &str) -> Option<f64> {
    let digits = s.strip_prefix('-').unwrap_or(s);
    let (int, frac) = match digits.split_once('.') {
        Some((i, f)) => (i, Some(f)),
        None => (digits, None),
    };
    let all = |t: &str| !t.is_empty() && t.bytes().all(|b| b.is_ascii_digit());
    if !all(int) || frac.is_some_and(|f| !all(f)) {
        return None;
    }
    s.parse::<f64>().ok().filter(|v| v.is_finite())
}

/// Comma-separated [`plain_number`]s, or `None` if any is not one.
pub fn numbers(s: &str) -> Option<Vec<f64>> {
    s.split(',').map(plain_number).collect()
}
