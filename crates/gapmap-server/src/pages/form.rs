//! Posted HTML forms: their fields read leniently (the first value of each
//! name), and their errors shown the GOV.UK way — a summary at the top that
//! links to each field, and the message again beside the field.

use super::i18n::{Lang, t};
use crate::problem::Problem;
use serde_json::{Value, json};

/// The fields of a posted `application/x-www-form-urlencoded` body.
#[derive(Debug, Default, Clone)]
pub struct Posted {
    pairs: Vec<(String, String)>,
}

impl Posted {
    pub fn new(pairs: Vec<(String, String)>) -> Posted {
        Posted { pairs }
    }

    /// The first value of a field, trimmed.
    pub fn get(&self, name: &str) -> Option<&str> {
        self.pairs
            .iter()
            .find(|(k, _)| k == name)
            .map(|(_, v)| v.trim())
    }

    /// The first value as sent (a password keeps its spaces).
    pub fn raw(&self, name: &str) -> &str {
        self.pairs
            .iter()
            .find(|(k, _)| k == name)
            .map_or("", |(_, v)| v.as_str())
    }

    /// The first value, `""` when absent.
    pub fn text(&self, name: &str) -> &str {
        self.get(name).unwrap_or("")
    }

    /// Every field as a JSON object (to fill a form again after an error).
    pub fn values(&self) -> Value {
        let mut m = serde_json::Map::new();
        for (k, v) in &self.pairs {
            m.entry(k.clone()).or_insert_with(|| json!(v));
        }
        Value::Object(m)
    }
}

/// One error of a form: the field's id (the summary links to `#id`) and a
/// message in the page's language.
pub fn error(id: &str, message: String) -> Value {
    json!({"field": id, "message": message})
}

/// The errors of an `invalid-body` problem as form errors: each field's
/// message from the catalogue (`{prefix}.{field}`) where it has one, the
/// problem's own words otherwise.
pub fn errors_of(lang: Lang, prefix: &str, p: &Problem) -> Vec<Value> {
    if p.errors.is_empty() {
        return vec![error("", p.detail.clone())];
    }
    p.errors
        .iter()
        .map(|e| {
            let field = e["field"].as_str().unwrap_or("");
            let own = t(lang, &format!("{prefix}.{field}"));
            let message = if own.is_empty() {
                e["message"].as_str().unwrap_or("").to_owned()
            } else {
                own.to_owned()
            };
            error(field, message)
        })
        .collect()
}
