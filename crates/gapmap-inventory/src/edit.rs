//! Small edits of single features — a router installed, an access point
//! added, hours changed, a place out of service — through the same
//! validation as ingest, each one transaction with its audit row.
//!
//! 1. the stored feature is read inside an immediate write transaction and
//!    its content hash compared with the caller's `If-Match` (optimistic
//!    concurrency: of two editors of one ETag, exactly one wins);
//! 2. the change — a new feature, a JSON Merge Patch (RFC 7386) of the
//!    GeoJSON Feature, or a retirement — gives the new feature;
//! 3. it is validated as an ingested feature would be (every problem named
//!    by field), properties the layer does not know are refused unless the
//!    stored feature already had them;
//! 4. it is written, an audit row with each field before and after is
//!    appended, and the transaction commits (a new store revision).

use gapmap_geo::crs::WGS84;
use gapmap_ingest::problem::{Location, Problems, Severity};
use gapmap_ingest::validate::Validator;
use gapmap_ingest::{Mode, Options, RawFeature};
use gapmap_model::schema::LayerSchema;
use gapmap_model::{Layer, Record};
use gapmap_store::StoreError;
use gapmap_store::audit::{self, Action, Context};
use gapmap_store::{Store, StoreWriter};
use serde::Serialize;
use serde_json::{Map, Value, json};

/// What to do to a feature.
#[derive(Debug, Clone, PartialEq)]
pub enum Op {
    /// Add a feature (a GeoJSON Feature; `id` given or derived).
    Create(Value),
    /// Change a feature by a JSON Merge Patch of its GeoJSON Feature.
    Patch { id: String, patch: Value },
    /// Take a feature out of service: a site becomes `retired`, equipment
    /// gets its `retired_on`; a visit (a record of an event) is withdrawn.
    Retire { id: String },
}

/// A problem with one field of the body.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct FieldProblem {
    pub field: String,
    pub message: String,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub hint: Option<String>,
}

#[derive(Debug, thiserror::Error)]
pub enum EditError {
    #[error("no {0}")]
    NotFound(String),
    #[error("{0} exists already")]
    Exists(String),
    #[error(
        "If-Match with the feature's ETag is required (`*` is not enough): read the feature, then send its ETag"
    )]
    PreconditionRequired,
    #[error("the feature changed since it was read (its ETag is now {current})")]
    PreconditionFailed { current: String },
    #[error("the body is not a valid feature")]
    Invalid(Vec<FieldProblem>),
    #[error("{0}")]
    BadBody(String),
    #[error(transparent)]
    Store(#[from] StoreError),
}

/// The result of a committed edit.
#[derive(Debug, Clone, PartialEq)]
pub struct Outcome {
    pub id: String,
    /// The feature's new ETag (`None` once withdrawn).
    pub etag: Option<String>,
    /// The store revision the edit made (unchanged when nothing changed).
    pub revision: i64,
    pub changed: bool,
    /// The feature as it is now (`Null` once withdrawn).
    pub feature: Value,
}

/// A content hash as an HTTP entity tag.
pub fn etag(hash: &str) -> String {
    format!("\"{hash}\"")
}

/// A stored record as the GeoJSON Feature the API shows: every field of the
/// layer (null when unset), then the properties the schema does not know.
pub fn feature_of(r: &Record) -> Value {
    let schema = LayerSchema::of(r.layer);
    let mut props = Map::new();
    for f in schema.all_fields() {
        props.insert(
            f.name.into(),
            r.props.get(f.name).cloned().unwrap_or(Value::Null),
        );
    }
    for (k, v) in &r.extra {
        props.entry(k.clone()).or_insert_with(|| v.clone());
    }
    json!({
        "type": "Feature",
        "id": r.id,
        "geometry": r.geometry.as_ref().map(geojson::Geometry::from),
        "properties": props,
    })
}

/// The current feature and its ETag.
pub fn current(
    store: &mut Store,
    layer: Layer,
    id: &str,
) -> Result<Option<(Value, String)>, StoreError> {
    let mut w = store.writer()?;
    let Some(hash) = w.feature_hash(layer, id)? else {
        return Ok(None);
    };
    let r = w.stored(layer, id)?;
    Ok(r.map(|r| (feature_of(&r), etag(&hash))))
}

/// JSON Merge Patch (RFC 7386): objects merge key by key, `null` removes.
pub fn merge_patch(target: &mut Value, patch: &Value) {
    let Value::Object(p) = patch else {
        *target = patch.clone();
        return;
    };
    if !target.is_object() {
        *target = Value::Object(Map::new());
    }
    if let Value::Object(t) = target {
        for (k, v) in p {
            if v.is_null() {
                t.remove(k);
            } else {
                merge_patch(t.entry(k.clone()).or_insert(Value::Null), v);
            }
        }
    }
}

/// Apply one edit. `if_match` is required for changes of stored features.
pub fn apply(
    store: &mut Store,
    layer: Layer,
    op: Op,
    if_match: Option<&str>,
    ctx: &Context,
) -> Result<Outcome, EditError> {
    let edit = Edit { layer, ctx };
    let mut w = store.writer()?;
    let (id, before, body) = match op {
        Op::Create(feature) => {
            let id = feature_id(&feature);
            if let Some(id) = &id
                && w.feature_hash(layer, id)?.is_some()
            {
                return Err(EditError::Exists(format!("{layer} `{id}`")));
            }
            (id, None, feature)
        }
        Op::Patch { id, patch } => {
            let stored = stored_checked(&mut w, layer, &id, if_match)?;
            let mut f = feature_of(&stored);
            check_patch(&patch, &stored)?;
            merge_patch(&mut f, &patch);
            (Some(id), Some(stored), f)
        }
        Op::Retire { id } => {
            let stored = stored_checked(&mut w, layer, &id, if_match)?;
            let Some(patch) = retirement(layer, &stored) else {
                return edit.withdraw(w, id, &stored);
            };
            let mut f = feature_of(&stored);
            merge_patch(&mut f, &patch);
            (Some(id), Some(stored), f)
        }
    };
    let record = validate(layer, id.as_deref(), body, &rules_of(&mut w)?)?;
    edit.write(w, before.as_ref(), record)
}

/// One edit's layer and who makes it.
struct Edit<'a> {
    layer: Layer,
    ctx: &'a Context,
}

impl Edit<'_> {
    /// Withdraw the stored feature `id` (the audit row keeps what it was)
    /// and commit.
    fn withdraw(
        &self,
        mut w: StoreWriter,
        id: String,
        stored: &Record,
    ) -> Result<Outcome, EditError> {
        let mut lw = w.begin_layer(self.layer, Mode::Upsert)?;
        w.delete(&mut lw, &id)?;
        w.end_layer(lw, "api", "edit")?;
        let changes = audit::diff(Some((&stored.props, None)), None);
        self.audit(&mut w, &id, stored, Action::Delete, changes)?;
        let revision = w.revision()? + 1;
        w.commit(true)?;
        Ok(Outcome {
            id,
            etag: None,
            revision,
            changed: true,
            feature: Value::Null,
        })
    }

    /// Write the validated `record` (which was `before`), with its audit
    /// row, and commit when it changed anything; an edit that changes
    /// nothing is dropped whole (its ingest-log row too).
    fn write(
        &self,
        mut w: StoreWriter,
        before: Option<&Record>,
        record: Record,
    ) -> Result<Outcome, EditError> {
        let id = record.id.clone();
        let mut lw = w.begin_layer(self.layer, Mode::Upsert)?;
        w.put(&mut lw, &record)?;
        let counts = w.end_layer(lw, "api", "edit")?;
        let changed = counts.added + counts.changed > 0;
        let changes = changes(before, &record);
        let action = action(before, &record);
        let mut revision = w.revision()?;
        if changed {
            self.audit(&mut w, &id, &record, action, changes)?;
            revision += 1;
        }
        let hash = w.feature_hash(self.layer, &id)?;
        let stored = w.stored(self.layer, &id)?;
        if changed {
            w.commit(true)?;
        }
        Ok(Outcome {
            id,
            etag: hash.map(|h| etag(&h)),
            revision,
            changed,
            feature: stored.as_ref().map_or(Value::Null, feature_of),
        })
    }

    /// Append the audit row of the edit of feature `id`, in the parish of
    /// `r`.
    fn audit(
        &self,
        w: &mut StoreWriter,
        id: &str,
        r: &Record,
        action: Action,
        changes: Value,
    ) -> Result<(), StoreError> {
        let parish = w.parish_of(r);
        w.audit(&audit::Entry {
            ctx: self.ctx,
            action,
            layer: Some(self.layer.name()),
            feature_id: Some(id),
            parish_id: parish.as_deref(),
            changes,
            ingest_id: None,
        })
    }
}

/// Each field before and after the edit, the geometry as GeoJSON.
fn changes(before: Option<&Record>, record: &Record) -> Value {
    let geometry = |r: &Record| {
        r.geometry
            .as_ref()
            .map(|g| json!(geojson::Geometry::from(g)))
    };
    let (bg, ag) = (before.and_then(geometry), geometry(record));
    audit::diff(
        before.map(|b| (&b.props, bg.as_ref())),
        Some((&record.props, ag.as_ref())),
    )
}

/// What the edit did: created the feature, retired it (a site's status
/// became `retired`, or a `retired_on` was set) or updated it.
fn action(before: Option<&Record>, record: &Record) -> Action {
    match (before, record.str("status")) {
        (None, _) => Action::Create,
        (Some(b), Some("retired")) if b.str("status") != Some("retired") => Action::Retire,
        _ if record.str("retired_on").is_some()
            && before.and_then(|b| b.str("retired_on")).is_none() =>
        {
            Action::Retire
        }
        _ => Action::Update,
    }
}

fn feature_id(f: &Value) -> Option<String> {
    match f
        .get("id")
        .or_else(|| f.get("properties").and_then(|p| p.get("id")))
    {
        Some(Value::String(s)) if !s.trim().is_empty() => Some(s.trim().to_owned()),
        Some(Value::Number(n)) => Some(n.to_string()),
        _ => None,
    }
}

/// The stored record, after the `If-Match` check.
fn stored_checked(
    w: &mut StoreWriter,
    layer: Layer,
    id: &str,
    if_match: Option<&str>,
) -> Result<Record, EditError> {
    let hash = w
        .feature_hash(layer, id)?
        .ok_or_else(|| EditError::NotFound(format!("{layer} `{id}`")))?;
    let current = etag(&hash);
    match if_match.map(str::trim) {
        // `*` ("whatever it is now") would be a blind overwrite: a change
        // names the version it was made against.
        None | Some("*") => return Err(EditError::PreconditionRequired),
        Some(given)
            if given
                .split(',')
                .any(|t| t.trim().trim_start_matches("W/") == current) => {}
        Some(_) => return Err(EditError::PreconditionFailed { current }),
    }
    w.stored(layer, id)?
        .ok_or_else(|| EditError::NotFound(format!("{layer} `{id}`")))
}

/// What retiring a feature of a layer patches; `None`: it is withdrawn.
/// Equipment keeps its record with `retired_on` today (Europe/Riga), or its
/// own later date; a visit that did not happen is withdrawn.
fn retirement(layer: Layer, stored: &Record) -> Option<Value> {
    match layer {
        Layer::Sites | Layer::Buildings => Some(json!({"properties": {"status": "retired"}})),
        Layer::Equipment => {
            let today = chrono::Utc::now()
                .with_timezone(&chrono_tz::Europe::Riga)
                .date_naive()
                .to_string();
            let on = stored.string("retired_on").unwrap_or(today);
            Some(json!({"properties": {"retired_on": on}}))
        }
        _ => None,
    }
}

/// A patch may not add properties the layer does not know (a typo would
/// otherwise be kept silently); those the stored feature had may stay.
fn check_patch(patch: &Value, stored: &Record) -> Result<(), EditError> {
    if !patch.is_object() {
        return Err(EditError::BadBody(
            "a JSON Merge Patch must be an object".into(),
        ));
    }
    let schema = LayerSchema::of(stored.layer);
    let Some(props) = patch.get("properties") else {
        return Ok(());
    };
    let Some(props) = props.as_object() else {
        return Err(EditError::BadBody("`properties` must be an object".into()));
    };
    let unknown: Vec<FieldProblem> = props
        .keys()
        .filter(|k| {
            k.as_str() != "id" && schema.field(k).is_none() && !stored.extra.contains_key(*k)
        })
        .map(|k| FieldProblem {
            field: k.clone(),
            message: format!("`{k}` is not a field of layer {}", stored.layer),
            hint: Some(format!(
                "the fields are: {}",
                schema
                    .all_fields()
                    .map(|f| f.name)
                    .collect::<Vec<_>>()
                    .join(", ")
            )),
        })
        .collect();
    if unknown.is_empty() {
        Ok(())
    } else {
        Err(EditError::Invalid(unknown))
    }
}

/// The store's rules for an edit, as ingest applies them: the sites
/// equipment and visits may name, the buildings sites and equipment may
/// name, the parishes and municipality a place must lie in.
pub(crate) fn rules_of(w: &mut StoreWriter) -> Result<Options, EditError> {
    Ok(Options {
        known_sites: Some(std::sync::Arc::new(w.ids(Layer::Sites)?)),
        known_buildings: Some(std::sync::Arc::new(w.ids(Layer::Buildings)?)),
        positions: gapmap_ingest::run::positions_of(w).map_err(|e| match e {
            gapmap_ingest::IngestError::Store(s) => EditError::Store(s),
            other => EditError::BadBody(other.to_string()),
        })?,
        ..Options::default()
    })
}

/// Validate a GeoJSON Feature body as ingest validates a feature.
fn validate(
    layer: Layer,
    id: Option<&str>,
    body: Value,
    rules: &Options,
) -> Result<Record, EditError> {
    let Value::Object(mut f) = body else {
        return Err(EditError::BadBody(
            "the body must be a GeoJSON Feature object".into(),
        ));
    };
    let geometry = match f.remove("geometry") {
        None | Some(Value::Null) => None,
        Some(g) => Some(
            serde_json::from_value::<geojson::Geometry>(g)
                .map_err(|e| field_error("geometry", format!("not a GeoJSON geometry: {e}")))
                .and_then(|g| {
                    geo_types::Geometry::<f64>::try_from(g)
                        .map_err(|e| field_error("geometry", e.to_string()))
                })?,
        ),
    };
    let props = match f.remove("properties") {
        Some(Value::Object(p)) => p,
        None | Some(Value::Null) => Map::new(),
        Some(_) => return Err(EditError::BadBody("`properties` must be an object".into())),
    };
    let mut props = props;
    props.remove("id");
    let raw = RawFeature {
        location: Location::Feature {
            index: 0,
            pointer: String::new(),
        },
        props_pointer: Some("/properties".into()),
        geometry_pointer: Some("/geometry".into()),
        id: id.map(str::to_owned),
        geometry,
        props,
        text_values: false,
    };
    let mut problems = Problems::default();
    let mut v = Validator::new(layer, "request body", rules);
    let record = v.accept(raw, WGS84, &mut problems);
    let errors: Vec<FieldProblem> = problems
        .iter()
        .filter(|p| p.severity == Severity::Error)
        .map(|p| FieldProblem {
            field: p.field.clone().unwrap_or_else(|| "body".into()),
            message: p.message.clone(),
            hint: p.hint.clone(),
        })
        .collect();
    match record {
        Some(r) if errors.is_empty() => Ok(r),
        _ => Err(EditError::Invalid(errors)),
    }
}

fn field_error(field: &str, message: String) -> EditError {
    EditError::Invalid(vec![FieldProblem {
        field: field.into(),
        message,
        hint: None,
    }])
}

#[cfg(test)]
mod tests {
    use super::*;

    fn ctx() -> Context {
        Context {
            actor: "ilze".into(),
            reason: "test".into(),
            report_ref: None,
        }
    }

    fn site(id: &str) -> Value {
        json!({"type": "Feature", "id": id, "geometry": {"type": "Point", "coordinates": [23.5458, 56.4219]},
               "properties": {"kind": "library", "name": "Vilces bibliotēka", "parish_id": "vilces-pagasts",
                              "source": "official", "source_ref": "https://example.lv/", "as_of": "2026-12-01"}})
    }

    /// Add a feature.
    fn create(s: &mut Store, layer: Layer, f: Value, c: &Context) -> Result<Outcome, EditError> {
        apply(s, layer, Op::Create(f), None, c)
    }

    /// Patch the test's site `lib-vilce`.
    fn patch_site(
        s: &mut Store,
        patch: Value,
        if_match: Option<&str>,
        c: &Context,
    ) -> Result<Outcome, EditError> {
        let id = "lib-vilce".into();
        apply(s, Layer::Sites, Op::Patch { id, patch }, if_match, c)
    }

    fn store() -> (tempfile::TempDir, Store) {
        let dir = tempfile::tempdir().unwrap();
        let s = Store::open(dir.path().join("s.gpkg")).unwrap();
        (dir, s)
    }

    #[test]
    fn merge_patch_follows_rfc_7386() {
        // The examples of RFC 7386, Appendix A.
        for (target, patch, result) in [
            (json!({"a": "b"}), json!({"a": "c"}), json!({"a": "c"})),
            (
                json!({"a": "b"}),
                json!({"b": "c"}),
                json!({"a": "b", "b": "c"}),
            ),
            (json!({"a": "b"}), json!({"a": null}), json!({})),
            (
                json!({"a": "b", "b": "c"}),
                json!({"a": null}),
                json!({"b": "c"}),
            ),
            (json!({"a": ["b"]}), json!({"a": "c"}), json!({"a": "c"})),
            (json!({"a": "c"}), json!({"a": ["b"]}), json!({"a": ["b"]})),
            (
                json!({"a": {"b": "c"}}),
                json!({"a": {"b": "d", "c": null}}),
                json!({"a": {"b": "d"}}),
            ),
            (
                json!({"a": [{"b": "c"}]}),
                json!({"a": [1]}),
                json!({"a": [1]}),
            ),
            (json!(["a", "b"]), json!(["c", "d"]), json!(["c", "d"])),
            (json!({"a": "b"}), json!(["c"]), json!(["c"])),
            (json!({"a": "foo"}), json!(null), json!(null)),
            (json!({"a": "foo"}), json!("bar"), json!("bar")),
            (
                json!({"e": null}),
                json!({"a": 1}),
                json!({"e": null, "a": 1}),
            ),
            (
                json!([1, 2]),
                json!({"a": "b", "c": null}),
                json!({"a": "b"}),
            ),
            (
                json!({}),
                json!({"a": {"bb": {"ccc": null}}}),
                json!({"a": {"bb": {}}}),
            ),
        ] {
            let mut t = target.clone();
            merge_patch(&mut t, &patch);
            assert_eq!(t, result, "{target} + {patch}");
        }
    }

    #[test]
    fn create_patch_retire_with_etags_and_audit() {
        let (_d, mut s) = store();
        let c = ctx();
        let o = create(&mut s, Layer::Sites, site("lib-vilce"), &c).unwrap();
        assert!(o.changed && o.revision == 1);
        let tag = o.etag.clone().unwrap();
        assert!(matches!(
            create(&mut s, Layer::Sites, site("lib-vilce"), &c),
            Err(EditError::Exists(_))
        ));
        let patch = json!({"properties": {"opening_hours": "Tu 09:00-19:00"}});
        assert!(matches!(
            patch_site(&mut s, patch.clone(), None, &c),
            Err(EditError::PreconditionRequired)
        ));
        assert!(matches!(
            patch_site(&mut s, patch.clone(), Some("\"stale\""), &c),
            Err(EditError::PreconditionFailed { .. })
        ));
        let o2 = patch_site(&mut s, patch.clone(), Some(&tag), &c).unwrap();
        assert!(o2.changed && o2.revision == 2 && o2.etag.as_deref() != Some(tag.as_str()));
        assert_eq!(o2.feature["properties"]["opening_hours"], "Tu 09:00-19:00");
        // The old ETag is now stale: a second editor of it loses.
        assert!(matches!(
            patch_site(
                &mut s,
                json!({"properties": {"phone": "1"}}),
                Some(&tag),
                &c
            ),
            Err(EditError::PreconditionFailed { .. })
        ));
        let bad = patch_site(
            &mut s,
            json!({"properties": {"opening_hours": "whenever", "wheelchair": "maybe"}}),
            o2.etag.as_deref(),
            &c,
        );
        match bad {
            Err(EditError::Invalid(p)) => {
                let fields: Vec<&str> = p.iter().map(|x| x.field.as_str()).collect();
                assert_eq!(fields, ["opening_hours", "wheelchair"], "{p:?}");
            }
            other => panic!("{other:?}"),
        }
        assert!(matches!(
            patch_site(&mut s, json!({"properties": {"opening_hour": "x"}}), o2.etag.as_deref(), &c),
            Err(EditError::Invalid(p)) if p[0].field == "opening_hour"
        ));
        let o3 = apply(
            &mut s,
            Layer::Sites,
            Op::Retire {
                id: "lib-vilce".into(),
            },
            o2.etag.as_deref(),
            &c,
        )
        .unwrap();
        assert_eq!(o3.feature["properties"]["status"], "retired");
        let mut conn =
            rusqlite::Connection::open(s.as_gpkg().expect("a GeoPackage store").path()).unwrap();
        let rows =
            gapmap_store::audit::read(&mut conn, &gapmap_store::audit::Filter::default()).unwrap();
        let actions: Vec<&str> = rows.iter().map(|r| r.action.as_str()).collect();
        assert_eq!(actions, ["create", "update", "retire"]);
        assert_eq!(
            rows[1].changes,
            json!({"opening_hours": [null, "Tu 09:00-19:00"]})
        );
        assert_eq!(
            rows.iter().map(|r| r.revision).collect::<Vec<_>>(),
            [1, 2, 3]
        );
        assert!(
            rows.iter()
                .all(|r| r.parish_id.as_deref() == Some("vilces-pagasts"))
        );
        // A rejected edit wrote nothing.
        assert_eq!(s.meta("revision").unwrap().as_deref(), Some("3"));
    }

    #[test]
    fn a_retired_visit_is_withdrawn_and_the_changes_say_so() {
        let (_d, mut s) = store();
        let c = ctx();
        create(&mut s, Layer::Sites, site("lib-vilce"), &c).unwrap();
        let visit = json!({"type": "Feature", "id": "visit-1", "geometry": null,
            "properties": {"site_id": "lib-vilce", "date": "2026-05-02", "participants": 7,
                           "source": "official", "source_ref": "https://example.lv/", "as_of": "2026-12-01"}});
        let o = create(&mut s, Layer::Visits, visit, &c).unwrap();
        assert!(o.changed && o.revision == 2, "{o:?}");
        let tag = o.etag.clone().unwrap();
        let retire = |id: &str| Op::Retire { id: id.into() };
        let gone = apply(&mut s, Layer::Visits, retire("visit-1"), Some(&tag), &c).unwrap();
        assert_eq!(
            (gone.etag, gone.revision, gone.changed, gone.feature),
            (None, 3, true, Value::Null)
        );
        assert!(matches!(
            apply(&mut s, Layer::Visits, retire("visit-1"), Some(&tag), &c),
            Err(EditError::NotFound(_))
        ));
        let mut conn =
            rusqlite::Connection::open(s.as_gpkg().expect("a GeoPackage store").path()).unwrap();
        let rows =
            gapmap_store::audit::read(&mut conn, &gapmap_store::audit::Filter::default()).unwrap();
        let actions: Vec<&str> = rows.iter().map(|r| r.action.as_str()).collect();
        assert_eq!(actions, ["create", "create", "delete"]);
        assert_eq!(rows[2].changes["participants"], json!([7, null]));
        // Created and withdrawn in between: not listed; the site was added.
        let ch = crate::changes::between(&mut conn, 0, 3, None).unwrap();
        let ids = |v: &[crate::changes::FeatureChange]| {
            v.iter().map(|c| c.id.clone()).collect::<Vec<_>>()
        };
        assert_eq!(ids(&ch.added), ["lib-vilce"]);
        assert!(ch.retired.is_empty() && ch.modified.is_empty() && ch.removed.is_empty());
        assert_eq!(ch.added[0].revisions, [1]);
        // After the visit's creation, its withdrawal is a removal.
        let ch = crate::changes::between(&mut conn, 3, 2, None).unwrap();
        assert_eq!(ids(&ch.removed), ["visit-1"]);
        assert!(!ch.figures_known);
    }
}
