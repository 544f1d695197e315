//! The parts of the served document that depend on the data: the parish and
//! site ids, the plan years, the seasons and the what-if body.

use gapmap_geo::geometry::SanityBox;
use gapmap_model::schema::SITE_KINDS;
use gapmap_plan::what_if;
use serde_json::{Value, json};

/// `per_year`: `years` whole numbers without leading zeros, comma-separated,
/// not all 0; each of at most as many digits as keeps their sum within the
/// 10000 access points a plan may place.
pub(super) fn per_year_pattern(years: usize) -> String {
    let years = years.max(1);
    let mut digits = 1;
    while years * (10usize.pow(digits + 1) - 1) <= 10_000 {
        digits += 1;
    }
    let any = format!("(0|[1-9][0-9]{{0,{}}})", digits - 1);
    let nonzero = format!("[1-9][0-9]{{0,{}}}", digits - 1);
    let alternatives: Vec<String> = (0..years)
        .map(|k| {
            format!(
                "{}{nonzero}{}",
                "0,".repeat(k),
                format!(",{any}").repeat(years - 1 - k)
            )
        })
        .collect();
    format!("^({})$", alternatives.join("|"))
}

/// Two-digit days `lo..=hi` as a regular expression.
pub(super) fn days(lo: u32, hi: u32) -> String {
    let mut parts = Vec::new();
    for tens in lo / 10..=hi / 10 {
        let (a, b) = (lo.max(tens * 10) % 10, hi.min(tens * 10 + 9) % 10);
        parts.push(if a == b {
            format!("{tens}{a}")
        } else {
            format!("{tens}[{a}-{b}]")
        });
    }
    format!("({})", parts.join("|"))
}

/// `MM-DD/MM-DD`: month-days of a leap year (02-29 is one), the end not
/// before the start.
pub(super) fn season_pattern() -> String {
    const LAST: [u32; 12] = [31, 29, 31, 30, 31, 30, 31, 31, 30, 31, 30, 31];
    let mut months = Vec::new();
    for m in 1..=12u32 {
        let last = LAST[m as usize - 1];
        let same: Vec<String> = (1..=last)
            .map(|d| format!("{d:02}/{m:02}-{}", days(d, last)))
            .collect();
        let mut alternatives = vec![format!("{m:02}-({})", same.join("|"))];
        if m < 12 {
            let later: Vec<String> = (m + 1..=12)
                .map(|n| format!("{n:02}-{}", days(1, LAST[n as usize - 1])))
                .collect();
            alternatives.push(format!("{m:02}-{}/({})", days(1, last), later.join("|")));
        }
        months.push(alternatives.join("|"));
    }
    format!("^({})$", months.join("|"))
}

/// The body of `POST /api/v1/plan/what-if`: a FeatureCollection of 1 to
/// [`what_if::MAX_CHANGES`] features, each a new site (a Point; `kind`,
/// `free_wifi`, `id`, `name`) or a change to one of `sites` (`site_id`; a
/// Point moves it; `free_wifi`, `status`, `remove`). In OpenAPI 3.0
/// (`oas30`), which cannot say a Point's longitude comes first, only the
/// changes without a geometry.
pub(super) fn what_if_body(sites: &[&str], oas30: bool) -> Value {
    let point = point_schema();
    let new_site = new_site_schema(&point);
    let change = change_schema(sites, &point);
    let items = if oas30 {
        let mut c = change;
        c["properties"]["geometry"] = json!({
            "enum": [null],
            "nullable": true,
            "description": "OpenAPI 3.0 cannot describe a GeoJSON Point (a tuple); /api/v1/openapi.json (3.1) gives new sites and moves"
        });
        c
    } else {
        json!({"anyOf": [new_site, change]})
    };
    json!({
        "type": "object",
        "required": ["type", "features"],
        "properties": {
            "type": {"type": "string", "enum": ["FeatureCollection"]},
            "features": {
                "type": "array",
                "minItems": 1,
                "maxItems": what_if::MAX_CHANGES,
                "items": items
            }
        }
    })
}

/// A GeoJSON Point within the Baltic states (longitude first).
fn point_schema() -> Value {
    json!({
        "type": "object",
        "required": ["type", "coordinates"],
        "properties": {
            "type": {"type": "string", "enum": ["Point"]},
            "coordinates": {
                "type": "array",
                "minItems": 2,
                "prefixItems": [
                    {"type": "number", "minimum": SanityBox::BALTIC.min_lon, "maximum": SanityBox::BALTIC.max_lon},
                    {"type": "number", "minimum": SanityBox::BALTIC.min_lat, "maximum": SanityBox::BALTIC.max_lat}
                ],
                "description": "longitude, latitude (WGS84 degrees, within the Baltic states)"
            }
        }
    })
}

/// A what-if feature that adds a site at its Point.
fn new_site_schema(point: &Value) -> Value {
    let text = json!({"type": ["string", "null"], "pattern": "\\S"});
    json!({
        "type": "object",
        "description": "A new site at its Point",
        "required": ["geometry"],
        "properties": {
            "geometry": point,
            "properties": {
                "type": ["object", "null"],
                "additionalProperties": false,
                "properties": {
                    "site_id": {"type": "null"},
                    "kind": {"type": ["string", "null"], "enum": SITE_KINDS.iter().map(|k| json!(k)).chain([Value::Null]).collect::<Vec<_>>(), "description": "default wifi"},
                    "free_wifi": {"type": ["boolean", "null"], "description": "default true"},
                    "id": {"type": ["string", "null"], "pattern": "\\S", "description": "default what-if-N (N the feature's place from 1); not an existing site's id nor another feature's"},
                    "name": text,
                }
            }
        }
    })
}

/// A what-if feature that changes one of `sites` (a Point moves it).
fn change_schema(sites: &[&str], point: &Value) -> Value {
    let flag = json!({"type": ["boolean", "null"]});
    json!({
        "type": "object",
        "description": "A change to an existing site: a Point moves it",
        "required": ["properties"],
        "properties": {
            "geometry": {"anyOf": [{"type": "null"}, point]},
            "properties": {
                "type": "object",
                "additionalProperties": false,
                "required": ["site_id"],
                "properties": {
                    "site_id": {"type": "string", "enum": sites, "description": "each site at most once"},
                    "free_wifi": flag,
                    "status": {"type": ["string", "null"], "enum": ["active", "planned", null]},
                    "remove": flag,
                }
            }
        }
    })
}
