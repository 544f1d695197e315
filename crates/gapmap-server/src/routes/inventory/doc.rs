//! What the inventory's `#[utoipa::path]` annotations cannot say, added to
//! the OpenAPI document as JSON: the security schemes (an API token or a
//! session cookie with its CSRF header), the request bodies of the writes
//! as JSON Schemas that accept what the handlers accept (the cross-field
//! rules as `anyOf`/`not`; the layers' fields from the model's schema), and
//! the version parameters of `/api/v1/changes`.

use gapmap_geo::geometry::SanityBox;
use gapmap_inventory::accounts::password::MIN_LENGTH;
use gapmap_inventory::reports::{KINDS, MAX_CONTACT, MAX_PLACE, MAX_TEXT};
use gapmap_model::Layer;
use gapmap_model::schema::{FieldType, GeometryKind, LayerSchema, Presence};
use serde_json::{Map, Value, json};

/// A string with a character other than white space (as Rust's `trim`
/// counts it: Unicode White_Space, written out so that every regex dialect
/// reads the same set).
pub const NONBLANK: &str =
    r"[^\t\n\v\f\r \x85\xa0\u1680\u2000-\u200a\u2028\u2029\u202f\u205f\u3000]";

/// The longest `reason` of an edit (characters).
pub const MAX_REASON: usize = 500;

/// The longest name of an API token (characters).
pub const MAX_TOKEN_NAME: usize = 80;

fn reason() -> Value {
    json!({"type": "string", "minLength": 1, "maxLength": MAX_REASON, "pattern": NONBLANK,
           "description": "Why (kept in the audit log, not in the feature)"})
}

fn report_ref() -> Value {
    json!({"type": ["string", "null"],
           "description": "The resident report this change answers (a reference such as JN-7K4Q9X; it must exist, and is marked fixed)"})
}

fn field_schema(ty: FieldType) -> Value {
    match ty {
        FieldType::Text | FieldType::OpeningHours => json!({"type": "string"}),
        FieldType::Count => json!({"type": "integer", "minimum": 0}),
        FieldType::Year => json!({"type": "integer", "minimum": 1990, "maximum": 2100}),
        FieldType::NonNegative => json!({"type": "number", "minimum": 0}),
        FieldType::Bool => json!({"type": "boolean"}),
        FieldType::Date => json!({"type": "string", "format": "date"}),
        FieldType::TextList => json!({"type": "array", "items": {"type": "string"}}),
        FieldType::Enum(values) => json!({"type": "string", "enum": values}),
        FieldType::Atvk => json!({"type": "string", "pattern": "^(LV)?[0-9]{7}$"}),
    }
}

fn geometry(kind: GeometryKind) -> Value {
    let b = SanityBox::BALTIC;
    match kind {
        GeometryKind::Point => json!({"type": "object", "required": ["type", "coordinates"],
            "properties": {"type": {"type": "string", "enum": ["Point"]},
                           "coordinates": {"type": "array", "minItems": 2, "maxItems": 2,
                                           "prefixItems": [{"type": "number", "minimum": b.min_lon, "maximum": b.max_lon},
                                                           {"type": "number", "minimum": b.min_lat, "maximum": b.max_lat}],
                                           "items": {"type": "number"}}},
            "description": "A WGS84 point (lon, lat)"}),
        _ => json!({"type": ["object", "null"]}),
    }
}

/// A new feature of `layer`: a GeoJSON Feature with the layer's fields.
fn new_feature(layer: Layer) -> Value {
    let schema = LayerSchema::of(layer);
    let mut props = Map::new();
    let mut required = Vec::new();
    for f in schema.all_fields() {
        let mut s = field_schema(f.ty);
        if f.presence == Presence::Required {
            required.push(f.name);
        } else if let Some(t) = s.get("type").and_then(Value::as_str).map(str::to_owned) {
            s["type"] = json!([t, "null"]);
        }
        props.insert(f.name.into(), s);
    }
    let mut top = vec!["type", "properties", "reason"];
    if schema.geometry == GeometryKind::Point {
        top.push("geometry");
    }
    json!({"type": "object", "title": format!("New {layer}"), "required": top,
    "properties": {
        "type": {"type": "string", "enum": ["Feature"]},
        "id": {"type": ["string", "null"], "description": "The feature's id (derived when absent)"},
        "geometry": geometry(schema.geometry),
        "properties": {"type": "object", "required": required, "properties": props,
                       "additionalProperties": false},
        "reason": reason(),
        "report": report_ref(),
    }})
}

/// A resident's report: its kind, where (a site, a point in the box or a
/// place in words),
/// an optional text (required for `other`) and contact.
fn report_body() -> Value {
    let b = SanityBox::BALTIC;
    let nonblank = json!({"type": "string", "pattern": NONBLANK});
    json!({"type": "object", "required": ["kind"], "additionalProperties": false,
        "properties": {
            "kind": {"type": "string", "enum": KINDS},
            "site_id": {"type": ["string", "null"]},
            "lon": {"type": ["number", "null"]},
            "lat": {"type": ["number", "null"]},
            "text": {"type": "string", "maxLength": MAX_TEXT},
            "contact": {"type": ["string", "null"], "maxLength": MAX_CONTACT,
                        "description": "How to reach you (kept for a limited time, shown to admins only)"},
            "place": {"type": ["string", "null"], "maxLength": MAX_PLACE,
                      "description": "Where, in your own words: a homestead, an address, a village or \"pie veikala Vilcē\"; matched to the gazetteer when it can be, kept as text when it cannot"},
            "website": {"type": ["string", "null"], "maxLength": 0,
                        "description": "Leave out or empty (the report form's trap for robots); a filled one is refused."}},
        "allOf": [
            {"anyOf": [
                {"required": ["place"], "properties": {"place": {"type": "string", "pattern": NONBLANK, "maxLength": MAX_PLACE},
                    "lon": {"type": ["null"]}, "lat": {"type": ["null"]}}},
                {"required": ["site_id"], "properties": {"site_id": nonblank,
                    "lon": {"type": ["null"]}, "lat": {"type": ["null"]}}},
                {"required": ["lon", "lat"], "properties": {
                    "lon": {"type": "number", "minimum": b.min_lon, "maximum": b.max_lon},
                    "lat": {"type": "number", "minimum": b.min_lat, "maximum": b.max_lat}}}]},
            {"anyOf": [
                {"properties": {"kind": {"not": {"enum": ["other"]}}}},
                {"required": ["text"], "properties": {"text": nonblank}}]}]})
}

/// The request bodies, by path and method.
fn bodies() -> Vec<(&'static str, &'static str, &'static str, Value)> {
    let nonblank = json!({"type": "string", "pattern": NONBLANK});
    vec![
        (
            "/api/v1/session",
            "post",
            "A user name and password",
            json!({"type": "object", "required": ["username", "password"], "additionalProperties": false,
                "properties": {"username": {"type": "string"}, "password": {"type": "string", "format": "password"}}}),
        ),
        (
            "/api/v1/tokens",
            "post",
            "What the token is for, and its role (at most the account's; default the account's)",
            json!({"type": "object", "required": ["name"], "additionalProperties": false,
                "properties": {"name": {"type": "string", "minLength": 1, "maxLength": MAX_TOKEN_NAME, "pattern": NONBLANK},
                               "role": {"type": ["string", "null"], "enum": ["editor", "admin", null]}}}),
        ),
        (
            "/api/v1/users",
            "post",
            "The new account",
            json!({"type": "object", "required": ["username", "role", "password"], "additionalProperties": false,
                "properties": {"username": {"type": "string", "pattern": "^[a-z0-9._-]{2,40}$"},
                               "role": {"type": "string", "enum": ["editor", "admin"]},
                               "password": {"type": "string", "format": "password", "minLength": MIN_LENGTH, "pattern": NONBLANK}}}),
        ),
        (
            "/api/v1/sites",
            "post",
            "A GeoJSON Feature of a site and a `reason`; its properties are checked as an ingest checks them (kinds, parishes, opening hours, dates)",
            new_feature(Layer::Sites),
        ),
        (
            "/api/v1/{layer}",
            "post",
            "A GeoJSON Feature of an equipment or visit record or a building (as the layer of the path) and a `reason`; checked as an ingest checks them",
            json!({"anyOf": [new_feature(Layer::Equipment), new_feature(Layer::Visits), new_feature(Layer::Buildings)]}),
        ),
        (
            "/api/v1/{layer}/{id}",
            "patch",
            "A JSON Merge Patch (RFC 7386) of the GeoJSON Feature (null removes a property) and a `reason`; the result is checked as an ingest checks a feature",
            json!({"type": "object", "required": ["reason"],
                "properties": {"type": {"type": "string", "enum": ["Feature"]},
                               "geometry": {"type": ["object", "null"]},
                               "properties": {"type": ["object", "null"]},
                               "reason": reason(), "report": report_ref()}}),
        ),
        (
            "/api/v1/{layer}/{id}",
            "delete",
            "Why",
            json!({"type": "object", "required": ["reason"],
                "properties": {"reason": reason(), "report": report_ref()}}),
        ),
        (
            "/api/v1/reports",
            "post",
            "What is wrong, and where: a `site_id`, or `lon` and `lat` (WGS84, in Latvia or near it). `website` is left empty (a field people never see).",
            report_body(),
        ),
        (
            "/api/v1/reports/{reference}/decision",
            "post",
            "accept, reject (with a reason) or fixed",
            json!({"type": "object", "required": ["decision"], "additionalProperties": false,
                "properties": {"decision": {"type": "string", "enum": ["accept", "reject", "fixed"]},
                               "reason": {"type": "string"}},
                "anyOf": [
                    {"properties": {"decision": {"enum": ["accept", "fixed"]}}},
                    {"required": ["reason"], "properties": {"reason": nonblank}}]}),
        ),
    ]
}

/// A version of `/api/v1/changes`: `rN` or an RFC 3339 instant.
pub fn version_schema() -> Value {
    json!({"anyOf": [{"type": "string", "pattern": "^r[0-9]{1,18}$"},
                     {"type": "string", "format": "date-time"}]})
}

/// Add the security schemes, the request bodies and the version parameters.
pub fn complete(doc: &mut Value) {
    doc["components"]["securitySchemes"] = json!({
        "bearer": {"type": "http", "scheme": "bearer",
                   "description": "An API token (`Authorization: Bearer gmt_…`), from `gapmap user token` or POST /api/v1/tokens"},
        "session": {"type": "apiKey", "in": "cookie", "name": crate::auth::SESSION_COOKIE,
                    "description": "The session cookie POST /api/v1/session sets"},
        "csrf": {"type": "apiKey", "in": "header", "name": "X-CSRF-Token",
                 "description": "The session's CSRF token (the `csrf` of POST /api/v1/session), needed with the cookie for every change"},
    });
    for (path, method, description, schema) in bodies() {
        if let Some(op) = doc["paths"][path].get_mut(method) {
            op["requestBody"] = json!({"description": description, "required": true,
                "content": {"application/json": {"schema": schema}}});
        }
    }
    if let Some(params) = doc["paths"]["/api/v1/changes"]["get"]["parameters"].as_array_mut() {
        for p in params {
            if matches!(p["name"].as_str(), Some("from" | "to")) {
                p["schema"] = version_schema();
            }
        }
    }
}
