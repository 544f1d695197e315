//! The served document in the OpenAPI 3.0 form that `/ogc/api` serves
//! (OGC API – Features asks for 3.0).

use serde_json::{Map, Value, json};

/// The served document (its 3.1 form, as [`super::served`] gives it with
/// `oas30`) rewritten as OpenAPI 3.0.3.
pub(super) fn openapi_30(mut doc: Value) -> Value {
    downgrade(&mut doc);
    doc["openapi"] = json!("3.0.3");
    doc
}

/// Rewrite the OpenAPI 3.1 constructs utoipa emits into their 3.0 forms:
/// `type: [T, "null"]` → `type: T, nullable: true`, `const` → `enum`,
/// `examples` arrays in schemas → `example`; drop `$schema`.
fn downgrade(v: &mut Value) {
    match v {
        Value::Object(m) => {
            nullable_type(m);
            exclusive_bounds(m);
            if let Some(c) = m.remove("const") {
                m.insert("enum".into(), json!([c]));
            }
            m.remove("$schema");
            // 3.0 has no tuples: a point's `[lon, lat]` stays an array of
            // two numbers (its items' bounds are said in the description).
            m.remove("prefixItems");
            first_example(m);
            nullable_alternatives(m);
            m.values_mut().for_each(downgrade);
        }
        Value::Array(a) => a.iter_mut().for_each(downgrade),
        _ => {}
    }
}

/// `type: [T, "null"]` → `type: T, nullable: true` (several types: no
/// `type`; only null: `enum: [null]`).
fn nullable_type(m: &mut Map<String, Value>) {
    if let Some(Value::Array(types)) = m.get("type").cloned() {
        let non_null: Vec<Value> = types
            .iter()
            .filter(|t| t.as_str() != Some("null"))
            .cloned()
            .collect();
        if non_null.len() < types.len() {
            m.insert("nullable".into(), json!(true));
        }
        match non_null.as_slice() {
            // Only null: `nullable` with null as its one value.
            [] => {
                m.remove("type");
                m.insert("enum".into(), json!([null]));
            }
            [one] => {
                m.insert("type".into(), one.clone());
            }
            _ => {
                m.remove("type");
            }
        }
    }
}

/// 3.1's numeric exclusive bounds are 3.0's booleans.
fn exclusive_bounds(m: &mut Map<String, Value>) {
    for (bound, exclusive) in [
        ("minimum", "exclusiveMinimum"),
        ("maximum", "exclusiveMaximum"),
    ] {
        if let Some(n) = m.get(exclusive).filter(|v| v.is_number()).cloned() {
            m.insert(bound.into(), n);
            m.insert(exclusive.into(), json!(true));
        }
    }
}

/// A schema's `examples` array → its first as `example`.
fn first_example(m: &mut Map<String, Value>) {
    if let Some(Value::Array(ex)) = m.get("examples").cloned()
        && m.contains_key("type")
    {
        m.remove("examples");
        if let Some(first) = ex.into_iter().next() {
            m.insert("example".into(), first);
        }
    }
}

/// `{"oneOf": [{"type": "null"}, X]}` → X nullable (likewise `anyOf`; a
/// `$ref` X as `allOf: [X]`; several left stay alternatives).
fn nullable_alternatives(m: &mut Map<String, Value>) {
    for key in ["oneOf", "anyOf"] {
        if let Some(Value::Array(alts)) = m.get(key).cloned() {
            let rest: Vec<Value> = alts
                .iter()
                .filter(|s| s.get("type").and_then(Value::as_str) != Some("null"))
                .cloned()
                .collect();
            if rest.len() < alts.len() {
                m.insert("nullable".into(), json!(true));
                if rest.len() == 1 && rest[0].get("$ref").is_none() {
                    m.remove(key);
                    if let Value::Object(inner) = &rest[0] {
                        for (k, v) in inner {
                            m.insert(k.clone(), v.clone());
                        }
                    }
                } else if rest.len() == 1 {
                    m.remove(key);
                    m.insert("allOf".into(), json!(rest));
                } else {
                    m.insert(key.into(), json!(rest));
                }
            }
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn downgrade_rewrites_the_31_constructs() {
        let mut v = json!({
            "$schema": "https://json-schema.org/draft/2020-12/schema",
            "type": ["integer", "null"],
            "exclusiveMinimum": 0,
            "examples": [3, 4],
            "properties": {
                "k": {"const": "x"},
                "n": {"type": "null"},
                "a": {"oneOf": [{"type": "null"}, {"type": "string", "minLength": 1}]},
                "r": {"anyOf": [{"type": "null"}, {"$ref": "#/components/schemas/R"}]},
                "p": {"type": "array", "prefixItems": [{"type": "number"}]},
            },
        });
        downgrade(&mut v);
        assert_eq!(
            v,
            json!({
                "type": "integer",
                "nullable": true,
                "exclusiveMinimum": true,
                "minimum": 0,
                "example": 3,
                "properties": {
                    "k": {"enum": ["x"]},
                    "n": {"type": "null"},
                    "a": {"nullable": true, "type": "string", "minLength": 1},
                    "r": {"nullable": true, "allOf": [{"$ref": "#/components/schemas/R"}]},
                    "p": {"type": "array"},
                },
            })
        );
    }
}
