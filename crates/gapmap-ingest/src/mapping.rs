//! Field mapping and filtering for files whose fields are not gapmap's
//! (`--rename TO=FROM`, `--set FIELD=VALUE`, `--where FIELD=VALUE`), applied
//! to every feature as it is read, before validation, for every format.
//!
//! 1. `--where` keeps the features whose every named field equals its value
//!    (AND); the comparison is on the text of the value (`30530` equals the
//!    number 30530), case-sensitive, surrounding spaces ignored.
//! 2. `--rename` moves a field's value under gapmap's name (`name=L1_name`);
//!    `id` may be a target.
//! 3. `--set` gives every kept feature a constant value (`kind=parish`),
//!    checked once against the layer's field type.
//!
//! A `FROM` or `--where` field is the file's field of that name, or, when it
//! has none, the one that differs only in ASCII case (the Shapefile reader
//! lower-cases `.dbf` names; `L1_name` still finds them). A field that no
//! feature of the file has is an error naming the option and listing the
//! fields the file does have.
//!
//! ```
//! use gapmap_ingest::mapping::FieldMapping;
//! let m = FieldMapping::parse(&["name=L1_name".into()], &["kind=parish".into()], &[]).unwrap();
//! assert_eq!(m.renamed_from("name"), Some("L1_name"));
//! assert!(FieldMapping::parse(&["name".into()], &[], &[]).is_err());
//! ```

use crate::raw::RawFeature;
use gapmap_model::Layer;
use gapmap_model::schema::LayerSchema;
use serde_json::Value;
use std::collections::BTreeSet;

/// The mapping options of one `gapmap check` or `gapmap ingest`.
#[derive(Debug, Clone, Default, PartialEq)]
pub struct FieldMapping {
    /// (to, from) pairs, in the order given.
    renames: Vec<(String, String)>,
    /// (field, value as given) pairs.
    sets: Vec<(String, String)>,
    /// (field, value) conditions, all of which must hold.
    wheres: Vec<(String, String)>,
}

/// One option, for messages: `--rename name=L1_name`.
fn option(flag: &str, a: &str, b: &str) -> String {
    format!("--{flag} {a}={b}")
}

fn split<'a>(flag: &str, what: &str, s: &'a str) -> Result<(&'a str, &'a str), String> {
    match s.split_once('=') {
        Some((a, b)) if !a.trim().is_empty() && !b.trim().is_empty() => Ok((a.trim(), b.trim())),
        _ => Err(format!("--{flag} `{s}`: expected {what}")),
    }
}

impl FieldMapping {
    /// Parse the options' `A=B` texts (usage errors name the option).
    pub fn parse(
        renames: &[String],
        sets: &[String],
        wheres: &[String],
    ) -> Result<FieldMapping, String> {
        let mut m = FieldMapping::default();
        for r in renames {
            let (to, from) = split("rename", "TO=FROM, e.g. name=L1_name", r)?;
            if m.renames.iter().any(|(t, _)| t == to) {
                return Err(format!("--rename {r}: `{to}` is renamed to twice"));
            }
            m.renames.push((to.to_owned(), from.to_owned()));
        }
        for s in sets {
            // A value may be empty-looking text but not missing.
            let (field, value) = split("set", "FIELD=VALUE, e.g. kind=parish", s)?;
            if m.renames.iter().any(|(t, _)| t == field) {
                return Err(format!(
                    "--set {s}: `{field}` is also the target of a --rename"
                ));
            }
            m.sets.push((field.to_owned(), value.to_owned()));
        }
        for w in wheres {
            let (field, value) = split("where", "FIELD=VALUE, e.g. L0_code=LV0030000", w)?;
            m.wheres.push((field.to_owned(), value.to_owned()));
        }
        Ok(m)
    }

    pub fn is_empty(&self) -> bool {
        self.renames.is_empty() && self.sets.is_empty() && self.wheres.is_empty()
    }

    /// The file field a gapmap field is read from by a `--rename`.
    pub fn renamed_from(&self, to: &str) -> Option<&str> {
        self.renames
            .iter()
            .find(|(t, _)| t == to)
            .map(|(_, f)| f.as_str())
    }

    /// The property names and `kind` a feature will have after the mapping,
    /// for inferring its layer before the layer (and so the types) is known.
    pub fn preview(&self, raw: &RawFeature) -> (Vec<String>, Option<String>) {
        let mut keys: Vec<String> = raw
            .props
            .keys()
            .filter(|k| !self.renames.iter().any(|(_, f)| f.eq_ignore_ascii_case(k)))
            .cloned()
            .collect();
        let mut kind = raw.props.get("kind").and_then(text_of);
        for (to, from) in &self.renames {
            if let Some(v) = key_of(raw, from).and_then(|k| raw.props.get(k)) {
                keys.push(to.clone());
                if to == "kind" {
                    kind = text_of(v);
                }
            }
        }
        for (field, value) in &self.sets {
            keys.push(field.clone());
            if field == "kind" {
                kind = Some(value.clone());
            }
        }
        (keys, kind)
    }

    /// The `--rename` option that fills a gapmap field, for messages.
    pub fn rename_option(&self, to: &str) -> Option<String> {
        self.renamed_from(to).map(|f| option("rename", to, f))
    }

    /// Check the targets against the layer and type the `--set` values.
    pub fn for_layer(&self, layer: Layer) -> Result<LayerMapping, String> {
        let schema = LayerSchema::of(layer);
        let fields = || {
            let mut names: Vec<&str> = vec!["id"];
            names.extend(schema.all_fields().map(|f| f.name));
            names.join(", ")
        };
        for (to, from) in &self.renames {
            if to != "id" && schema.field(to).is_none() {
                return Err(format!(
                    "{}: `{to}` is not a field of layer {layer} (its fields: {})",
                    option("rename", to, from),
                    fields()
                ));
            }
        }
        let mut sets = Vec::new();
        for (name, text) in &self.sets {
            let value = if name == "id" {
                Value::String(text.clone())
            } else {
                let field = schema.field(name).ok_or_else(|| {
                    format!(
                        "{}: `{name}` is not a field of layer {layer} (its fields: {})",
                        option("set", name, text),
                        fields()
                    )
                })?;
                crate::convert::convert(field, &Value::String(text.clone()), true).map_err(
                    |(msg, hint)| {
                        format!(
                            "{}: {msg}{}",
                            option("set", name, text),
                            hint.map(|h| format!(" ({h})")).unwrap_or_default()
                        )
                    },
                )?
            };
            sets.push((name.clone(), value));
        }
        Ok(LayerMapping {
            renames: self.renames.clone(),
            sets,
            wheres: self.wheres.clone(),
            seen: BTreeSet::new(),
            fields_seen: BTreeSet::new(),
        })
    }
}

/// A mapping checked against one layer, applied to the features of one file.
#[derive(Debug, Clone)]
pub struct LayerMapping {
    renames: Vec<(String, String)>,
    sets: Vec<(String, Value)>,
    wheres: Vec<(String, String)>,
    /// The mapped-from fields some feature of the file had.
    seen: BTreeSet<String>,
    /// Every field name of the file (for the message when one is missing).
    fields_seen: BTreeSet<String>,
}

/// The key of the feature's field `name`: itself, else the one key that
/// equals it ignoring ASCII case.
fn key_of<'r>(raw: &'r RawFeature, name: &str) -> Option<&'r str> {
    if let Some((k, _)) = raw.props.get_key_value(name) {
        return Some(k.as_str());
    }
    let mut found = raw.props.keys().filter(|k| k.eq_ignore_ascii_case(name));
    match (found.next(), found.next()) {
        (Some(k), None) => Some(k.as_str()),
        _ => None,
    }
}

/// The text a `--where` value is compared with.
fn text_of(v: &Value) -> Option<String> {
    match v {
        Value::Null => None,
        Value::String(s) => Some(s.trim().to_owned()),
        other => Some(other.to_string()),
    }
}

impl LayerMapping {
    /// Apply the mapping to one feature: `false` when `--where` drops it.
    pub fn apply(&mut self, raw: &mut RawFeature) -> bool {
        if self.fields_seen.len() < 200 {
            self.fields_seen.extend(raw.props.keys().cloned());
            if raw.id.is_some() {
                self.fields_seen.insert("id".into());
            }
        }
        let value_of = |raw: &RawFeature, field: &str| -> Option<Value> {
            if field == "id" {
                return raw.id.clone().map(Value::String);
            }
            raw.props.get(key_of(raw, field)?).cloned()
        };
        for (_, from) in &self.renames {
            if value_of(raw, from).is_some() {
                self.seen.insert(from.clone());
            }
        }
        let mut keep = true;
        for (field, want) in &self.wheres {
            let got = value_of(raw, field);
            if got.is_some() {
                self.seen.insert(field.clone());
            }
            if got.as_ref().and_then(text_of).as_deref() != Some(want.as_str()) {
                keep = false;
            }
        }
        if !keep {
            return false;
        }
        // Values are read before any is moved: one field may feed two names.
        let moved: Vec<(&String, Option<Value>)> = self
            .renames
            .iter()
            .map(|(to, from)| (to, value_of(raw, from)))
            .collect();
        for (_, from) in &self.renames {
            if from == "id" {
                raw.id = None;
            } else if let Some(k) = key_of(raw, from).map(str::to_owned) {
                raw.props.remove(&k);
            }
        }
        for (to, v) in moved {
            let Some(v) = v else { continue };
            if to == "id" {
                raw.id = text_of(&v).filter(|s| !s.is_empty());
            } else {
                raw.props.insert(to.clone(), v);
            }
        }
        for (field, v) in &self.sets {
            if field == "id" {
                raw.id = v.as_str().map(str::to_owned);
            } else {
                raw.props.insert(field.clone(), v.clone());
            }
        }
        true
    }

    /// After the whole file: the options whose field no feature had.
    pub fn missing_fields(&self, file: &str) -> Option<String> {
        let missing: Vec<String> = self
            .wheres
            .iter()
            .map(|(f, v)| (f, option("where", f, v)))
            .chain(
                self.renames
                    .iter()
                    .map(|(t, f)| (f, option("rename", t, f))),
            )
            .filter(|(f, _)| !self.seen.contains(*f))
            .map(|(f, opt)| format!("{opt}: no feature of the file has a field `{f}`"))
            .collect();
        if missing.is_empty() {
            return None;
        }
        let fields: Vec<&str> = self.fields_seen.iter().map(String::as_str).collect();
        Some(format!(
            "{file}: {}; the file's fields are: {}",
            missing.join("; "),
            if fields.is_empty() {
                "none".to_owned()
            } else {
                fields.join(", ")
            }
        ))
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::problem::Location;
    use serde_json::{Map, json};

    fn raw(props: Value) -> RawFeature {
        let props: Map<String, Value> = serde_json::from_value(props).unwrap();
        RawFeature {
            location: Location::Line(2),
            props_pointer: None,
            geometry_pointer: None,
            id: None,
            geometry: None,
            props,
            text_values: true,
        }
    }

    #[test]
    fn parse_rejects_malformed_options_naming_them() {
        for (r, s, w, needle) in [
            (vec!["name"], vec![], vec![], "--rename `name`"),
            (vec!["=L1_name"], vec![], vec![], "--rename `=L1_name`"),
            (vec![], vec!["kind="], vec![], "--set `kind=`"),
            (vec![], vec![], vec!["L0_code"], "--where `L0_code`"),
            (vec!["name=a", "name=b"], vec![], vec![], "renamed to twice"),
            (
                vec!["kind=a"],
                vec!["kind=parish"],
                vec![],
                "also the target",
            ),
        ] {
            let owned = |v: Vec<&str>| v.into_iter().map(String::from).collect::<Vec<_>>();
            let e = FieldMapping::parse(&owned(r), &owned(s), &owned(w)).unwrap_err();
            assert!(e.contains(needle), "{e}");
        }
    }

    #[test]
    fn targets_and_set_values_are_checked_against_the_layer() {
        let m = FieldMapping::parse(&["nosaukums=L1_name".into()], &[], &[]).unwrap();
        let e = m.for_layer(Layer::Areas).unwrap_err();
        assert!(
            e.contains("--rename nosaukums=L1_name") && e.contains("not a field of layer areas"),
            "{e}"
        );
        let m = FieldMapping::parse(&[], &["population=many".into()], &[]).unwrap();
        let e = m.for_layer(Layer::Areas).unwrap_err();
        assert!(
            e.starts_with("--set population=many: expected a whole number"),
            "{e}"
        );
        let m = FieldMapping::parse(&[], &["kind=pagasts".into()], &[]).unwrap();
        let e = m.for_layer(Layer::Areas).unwrap_err();
        assert!(
            e.contains("--set kind=pagasts: unknown kind `pagasts`"),
            "{e}"
        );
        let m = FieldMapping::parse(&[], &["population=1500".into()], &[]).unwrap();
        assert!(m.for_layer(Layer::Areas).is_ok());
    }

    #[test]
    fn where_filters_and_rename_and_set_map() {
        let m = FieldMapping::parse(
            &["name=L1_name".into(), "id=code".into()],
            &["kind=parish".into(), "population=12".into()],
            &["L0_code=LV0030000".into(), "L1_type=7".into()],
        )
        .unwrap();
        let mut lm = m.for_layer(Layer::Areas).unwrap();
        let mut a = raw(
            json!({"L1_name": "Vilces pagasts", "L0_code": "LV0030000", "L1_type": 7, "code": "v"}),
        );
        assert!(lm.apply(&mut a));
        assert_eq!(a.props["name"], json!("Vilces pagasts"));
        assert!(!a.props.contains_key("L1_name"));
        assert_eq!(a.props["kind"], json!("parish"));
        assert_eq!(a.props["population"], json!(12));
        assert_eq!(a.id.as_deref(), Some("v"));
        let mut b =
            raw(json!({"L1_name": "Rīga", "L0_code": "LV0001000", "L1_type": "7", "code": "r"}));
        assert!(!lm.apply(&mut b));
        assert!(lm.missing_fields("f.shp").is_none());
    }

    #[test]
    fn a_field_no_feature_has_is_named_with_the_files_fields() {
        let m = FieldMapping::parse(
            &["name=L2_name".into(), "atvk=L1_CODE".into()],
            &[],
            &["L0=x".into()],
        )
        .unwrap();
        let mut lm = m.for_layer(Layer::Areas).unwrap();
        let mut a =
            raw(json!({"l1_name": "Vilces pagasts", "l1_code": "LV0030530", "L0_code": "x"}));
        lm.apply(&mut a);
        let e = lm.missing_fields("csp.zip").unwrap();
        assert!(
            e.starts_with("csp.zip: --where L0=x: no feature of the file has a field `L0`"),
            "{e}"
        );
        assert!(
            e.contains("--rename name=L2_name: no feature of the file has a field `L2_name`"),
            "{e}"
        );
        assert!(
            !e.contains("L1_CODE"),
            "a field differing only in case is found: {e}"
        );
        assert!(
            e.ends_with("the file's fields are: L0_code, l1_code, l1_name"),
            "{e}"
        );
    }
}
