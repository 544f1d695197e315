//! Apply one version of an open source to the store (`gapmap update`): the
//! file, already on disk (downloaded or from `--from-dir`), goes through the
//! normal ingest path in **one transaction**:
//!
//! 1. read and validated as `gapmap ingest` would, with the source's field
//!    mapping and its provenance (source, page, as-of date, licence,
//!    credit, version) set on every feature; buildings are clipped to the
//!    municipality and given the parish their point lies in;
//! 2. the features of the source's scope that this version no longer gives
//!    are retired (`status: retired` where the layer has one) or removed;
//! 3. the run is recorded (side table `gapmap_source_updates`: location,
//!    ETag, Last-Modified, SHA-256, size, version, as-of, licence and the
//!    changes per layer) and the transaction commits — or, for a dry run or
//!    any error, is rolled back, so nothing is ever half-applied.

use crate::problem::{Location, Problems, Severity};
use crate::run::{FileOutcome, ingest_file, positions_of, put_record};
use crate::sources::OpenSource;
use crate::{IngestError, Input, Options};
use chrono::NaiveDate;
use gapmap_model::schema::LayerSchema;
use gapmap_model::{Layer, Record};
use gapmap_store::audit;
use gapmap_store::side_tables::SourceUpdate;
use gapmap_store::{Store, StoreWriter};
use serde::Serialize;
use serde_json::{Value, json};
use std::collections::{BTreeMap, HashSet};
use std::path::PathBuf;

/// The file of one version of a source, and what is known of it.
#[derive(Debug, Clone)]
pub struct Version {
    /// Where it came from: the URL, or the path under `--from-dir`.
    pub location: String,
    /// The file on disk.
    pub path: PathBuf,
    pub sha256: String,
    pub bytes: u64,
    pub etag: Option<String>,
    pub last_modified: Option<String>,
    /// The date put on every feature (`as_of`).
    pub as_of: NaiveDate,
    /// The version put on every feature (`source_version`): the ETag, else
    /// `sha256:` and the first 16 hex digits of the hash.
    pub version: String,
}

/// How an update runs.
#[derive(Debug, Clone)]
pub struct UpdateOptions {
    /// Roll back instead of committing: report what would change.
    pub dry_run: bool,
    /// The municipality's territorial code in the boundary file
    /// (`L0_code`, Jelgavas novads: `LV0030000`).
    pub municipality_code: String,
    /// Who runs it, for the audit log.
    pub actor: String,
}

impl Default for UpdateOptions {
    fn default() -> Self {
        UpdateOptions {
            dry_run: false,
            municipality_code: "LV0030000".into(),
            actor: "gapmap update".into(),
        }
    }
}

/// What a version changed in one layer.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq, Serialize)]
pub struct Changes {
    pub added: u64,
    pub changed: u64,
    /// No longer given by the source: retired or removed.
    pub retired: u64,
    pub unchanged: u64,
}

impl Changes {
    pub fn any(&self) -> bool {
        self.added + self.changed + self.retired > 0
    }
}

/// The result of applying one version of a source.
#[derive(Debug)]
pub struct Applied {
    pub source: &'static str,
    pub changes: BTreeMap<Layer, Changes>,
    pub problems: Problems,
    /// Whether the store changed (false for a dry run or a rejected file).
    pub committed: bool,
    pub file: Option<FileOutcome>,
}

impl Applied {
    pub fn is_valid(&self) -> bool {
        !self.problems.has_errors()
    }

    /// The changes as JSON, per layer name.
    pub fn changes_json(&self) -> Value {
        Value::Object(
            self.changes
                .iter()
                .map(|(l, c)| (l.name().to_owned(), json!(c)))
                .collect(),
        )
    }
}

/// Apply `version` of `source` to `store` (see the module documentation).
pub fn apply(
    store: &mut Store,
    source: &'static OpenSource,
    version: &Version,
    opts: &UpdateOptions,
) -> Result<Applied, IngestError> {
    let mut w = store.writer()?;
    let mut problems = Problems::default();
    let ingest_opts = options(&mut w, source, version, opts)?;
    let (file, seen) = read_version(&mut w, source, version, &ingest_opts, &mut problems)?;
    if problems.has_errors() || file.valid == 0 {
        if !problems.has_errors() {
            problems.push(nothing_given(source, version));
        }
        drop(w); // rolls back: nothing is half-applied
        return Ok(Applied {
            source: source.name,
            changes: BTreeMap::new(),
            problems,
            committed: false,
            file: Some(file),
        });
    }
    let mut changes = Changes {
        added: file.counts.added,
        changed: file.counts.changed,
        retired: file.counts.removed,
        unchanged: file.counts.unchanged,
    };
    if let Some((column, value)) = source.scope() {
        changes.retired += retire_unseen(&mut w, source, &ingest_opts, column, &value, &seen)?;
    }
    let applied = Applied {
        source: source.name,
        changes: BTreeMap::from([(source.layer, changes)]),
        problems,
        committed: !opts.dry_run,
        file: Some(file),
    };
    w.record_source_update(&record_of(source, version, &applied))?;
    if opts.dry_run {
        drop(w); // rolls back: a dry run writes nothing
    } else {
        w.commit(changes.any())?;
    }
    Ok(applied)
}

/// The ingest options of a source's file: its layer, format, field
/// mapping and provenance, the position rule of the store (buildings need a
/// municipality to be kept in), the audit reason.
fn options(
    w: &mut StoreWriter,
    source: &OpenSource,
    version: &Version,
    opts: &UpdateOptions,
) -> Result<Options, IngestError> {
    let positions = positions_of(w)?;
    if source.layer == Layer::Buildings && positions.is_none() {
        return Err(IngestError::Usage(format!(
            "{}: the store holds no municipality to keep the register's buildings in; update csp-boundaries first (or ingest the areas)",
            source.name
        )));
    }
    let mapping = source
        .mapping(&opts.municipality_code, version.as_of, &version.version)
        .map_err(IngestError::Usage)?;
    Ok(Options {
        layer: Some(source.layer),
        format: Some(source.format),
        mapping,
        positions,
        audit: audit::Context {
            actor: opts.actor.clone(),
            reason: format!("update {} ({})", source.name, version.version),
            report_ref: None,
        },
        ..Options::default()
    })
}

/// Read, validate and write the file into the transaction: each building
/// gets the parish its point lies in; the ids given are collected.
fn read_version(
    w: &mut StoreWriter,
    source: &OpenSource,
    version: &Version,
    opts: &Options,
    problems: &mut Problems,
) -> Result<(FileOutcome, HashSet<String>), IngestError> {
    let input = Input {
        path: version.path.clone(),
        format: source.format,
    };
    let positions = opts.positions.clone();
    let mut seen: HashSet<String> = HashSet::new();
    let file = ingest_file(w, &input, opts, source.mode, problems, &mut |r| {
        if let (Some(p), Ok(pt)) = (&positions, r.point())
            && r.layer == Layer::Buildings
            && r.str("parish_id").is_none()
            && let Some(parish) = p.parish_at(pt.x(), pt.y())
        {
            r.props
                .insert("parish_id".into(), Value::String(parish.to_owned()));
        }
        seen.insert(r.id.clone());
    })?;
    Ok((file, seen))
}

/// The error of a file that gives no feature (an empty or foreign export):
/// applying it would retire everything the source gave before.
fn nothing_given(source: &OpenSource, version: &Version) -> crate::problem::Problem {
    crate::problem::At {
        file: &version.location,
        location: Location::File,
    }
    .error(
        None,
        format!("{}: the file gives no features; nothing is applied (the store keeps the previous version)", source.name),
        Some("check that the file is the source's export for this municipality".into()),
    )
}

/// The record of a run in the update log.
fn record_of(source: &OpenSource, version: &Version, applied: &Applied) -> SourceUpdate {
    SourceUpdate {
        at: String::new(),
        source: source.name.into(),
        outcome: if applied.changes.values().any(Changes::any) {
            "applied".into()
        } else {
            "unchanged".into()
        },
        location: version.location.clone(),
        etag: version.etag.clone(),
        last_modified: version.last_modified.clone(),
        sha256: Some(version.sha256.clone()),
        bytes: Some(version.bytes),
        version: Some(version.version.clone()),
        as_of: Some(version.as_of.to_string()),
        licence: Some(source.licence.into()),
        changes: applied.changes_json(),
        message: None,
    }
}

/// Retire (a layer with `status`) or remove the features of the scope
/// `column = value` that this version did not give; how many.
fn retire_unseen(
    w: &mut StoreWriter,
    source: &OpenSource,
    opts: &Options,
    column: &str,
    value: &str,
    seen: &HashSet<String>,
) -> Result<u64, IngestError> {
    let layer = source.layer;
    let mut gone: Vec<String> = w
        .ids_where(layer, column, value)?
        .into_iter()
        .filter(|id| !seen.contains(id))
        .collect();
    if gone.is_empty() {
        return Ok(0);
    }
    gone.sort();
    let has_status = LayerSchema::of(layer).field("status").is_some();
    let mut lw = w.begin_layer(layer, gapmap_store::Mode::Upsert)?;
    let mut n = 0;
    for id in &gone {
        if has_status {
            let Some(mut r): Option<Record> = w.stored(layer, id)? else {
                continue;
            };
            if r.str("status") == Some("retired") {
                continue;
            }
            r.props
                .insert("status".into(), Value::String("retired".into()));
            put_record(w, &mut lw, &r, &opts.audit)?;
            n += 1;
        } else if w.delete(&mut lw, id)? {
            n += 1;
        }
    }
    w.end_layer(lw, &format!("{} (no longer given)", source.name), "update")?;
    Ok(n)
}

/// Record a failed run (its own transaction was rolled back, or it never
/// began): the store says when each source was last tried and why it
/// failed.
pub fn record_failure(
    store: &Store,
    source: &OpenSource,
    location: &str,
    message: &str,
) -> Result<(), IngestError> {
    store.record_failed_update(&SourceUpdate {
        source: source.name.into(),
        outcome: "failed".into(),
        location: location.into(),
        licence: Some(source.licence.into()),
        changes: json!({}),
        message: Some(message.into()),
        ..SourceUpdate::default()
    })?;
    Ok(())
}

/// Problems of an update worth showing people (errors and warnings).
pub fn notable(problems: &Problems) -> impl Iterator<Item = &crate::problem::Problem> {
    problems
        .iter()
        .filter(|p| matches!(p.severity, Severity::Error | Severity::Warning))
}
