//! One ingest: several files, one transaction. Every file is read and
//! validated in full; if any has an error, the transaction is dropped and the
//! store is exactly as before.

use super::problem::{self, Problems, Severity};
use super::{FileStats, IngestError, Input, Mode, Options, read_file, read_file_beside};
use gapmap_model::{Layer, Record};
use gapmap_store::Counts;
use gapmap_store::audit;
use gapmap_store::{LayerWrite, Store, StoreWriter};
use serde_json::{Map, Value};
use std::collections::HashSet;
use std::sync::Arc;

/// What happened to one file.
#[derive(Debug, Clone, serde::Serialize)]
pub struct FileOutcome {
    pub file: String,
    pub format: String,
    pub layer: String,
    pub read: u64,
    pub valid: u64,
    /// Features `--where` left out.
    pub filtered: u64,
    pub counts: Counts,
}

/// The result of an ingest or a check.
#[derive(Debug)]
pub struct Outcome {
    pub files: Vec<FileOutcome>,
    pub problems: Problems,
    /// Whether the store was changed (false for a check or a rejected ingest).
    pub committed: bool,
}

impl Outcome {
    pub fn is_valid(&self) -> bool {
        !self.problems.has_errors()
    }
}

fn outcome(input: &Input, layer: Layer, stats: FileStats, counts: Counts) -> FileOutcome {
    FileOutcome {
        file: super::display_name(&input.path),
        format: input.format.name().into(),
        layer: layer.name().into(),
        read: stats.read,
        valid: stats.valid,
        filtered: stats.filtered,
        counts,
    }
}

/// Validate files without a store (`gapmap check`). Equipment and visits
/// are checked against the sites of `opts.known_sites` (a store's) and of
/// the sites files before them.
pub fn check_files(inputs: &[Input], opts: &Options) -> Result<Outcome, IngestError> {
    let mut problems = Problems::default();
    let mut files = Vec::new();
    let mut known: Option<HashSet<String>> = opts.known_sites.as_deref().cloned();
    for input in inputs {
        let file_opts = Options {
            known_sites: known.clone().map(Arc::new),
            ..opts.clone()
        };
        let mut sites = Vec::new();
        let (layer, stats) = read_file(input, &file_opts, &mut problems, &mut |r| {
            if r.layer == Layer::Sites {
                sites.push(r.id);
            }
            Ok(())
        })?;
        if !sites.is_empty() {
            known.get_or_insert_with(HashSet::new).extend(sites);
        }
        files.push(outcome(input, layer, stats, Counts::default()));
    }
    Ok(Outcome {
        files,
        problems,
        committed: false,
    })
}

/// Ingest files into the store in one transaction.
pub fn ingest_files(
    store: &mut Store,
    inputs: &[Input],
    opts: &Options,
    mode: Mode,
) -> Result<Outcome, IngestError> {
    let mut problems = Problems::default();
    let mut files = Vec::new();
    let mut writer = store.writer()?;
    for input in inputs {
        // Keep validating the remaining files to report every problem.
        files.push(ingest_file(
            &mut writer,
            input,
            opts,
            mode,
            &mut problems,
            &mut |_| {},
        )?);
    }
    if problems.has_errors() {
        drop(writer); // rolls back
        return Ok(Outcome {
            files,
            problems,
            committed: false,
        });
    }
    let changed = files
        .iter()
        .any(|f| f.counts.added + f.counts.changed + f.counts.removed > 0);
    writer.commit(changed)?;
    Ok(Outcome {
        files,
        problems,
        committed: true,
    })
}

/// Read one file into the transaction (only validate it once any file has
/// an error) and end its layer write; what happened to it. `each` sees
/// (and may complete) every valid record before it is written.
pub(crate) fn ingest_file(
    writer: &mut StoreWriter,
    input: &Input,
    opts: &Options,
    mode: Mode,
    problems: &mut Problems,
    each: &mut dyn FnMut(&mut Record),
) -> Result<FileOutcome, IngestError> {
    // Equipment and visits name sites: those in the store, as this
    // transaction has left it so far.
    let file_opts = Options {
        layer: opts.layer.or_else(|| default_layer(input)),
        known_sites: Some(Arc::new(writer.ids(Layer::Sites)?)),
        // With no buildings at all, references are not checked (a warning
        // says so): sites files of stores without the layer still load.
        known_buildings: Some(writer.ids(Layer::Buildings)?)
            .filter(|ids| !ids.is_empty())
            .map(Arc::new),
        positions: match &opts.positions {
            Some(p) => Some(Arc::clone(p)),
            None => positions_of(writer)?,
        },
        ..opts.clone()
    };
    let mut lw = None;
    // After an error nothing will be committed: validate only.
    let skip_writes = problems.has_errors();
    let mut area_kinds = AreaKinds::default();
    // Reading and validating on one core, writing on the other.
    let (layer, stats) = read_file_beside(input, &file_opts, problems, &mut |mut record| {
        each(&mut record);
        area_kinds.count(&record);
        if skip_writes {
            return Ok(());
        }
        let lw = match &mut lw {
            Some(lw) => lw,
            None => lw.insert(writer.begin_layer(record.layer, mode)?),
        };
        put_record(writer, lw, &record, &opts.audit)
    })?;
    let failed = problems.has_errors();
    if let Some(lw) = &mut lw
        && !failed
        && area_kinds.parishes > 0
        && area_kinds.municipalities == 0
    {
        let file = super::display_name(&input.path);
        if let Some(m) = municipality_of_parishes(writer, &file, problems)? {
            writer.put(lw, &m)?;
        }
    }
    let counts = match lw {
        Some(lw) if !failed => end_layer(writer, lw, input, layer, opts, mode)?,
        _ => Counts::default(),
    };
    Ok(outcome(input, layer, stats, counts))
}

/// Write one record, with its audit row where the layer is audited per
/// feature.
pub(crate) fn put_record(
    writer: &mut StoreWriter,
    lw: &mut LayerWrite,
    record: &Record,
    audit: &audit::Context,
) -> Result<(), IngestError> {
    if !audited_per_feature(record.layer) {
        writer.put(lw, record)?;
        return Ok(());
    }
    // The inventory's small layers: each changed feature gets its own
    // audit row, as an edit through the API would.
    let before = writer.stored(record.layer, &record.id)?;
    writer.put(lw, record)?;
    let after = writer.stored(record.layer, &record.id)?;
    audit_feature(writer, audit, before.as_ref(), after.as_ref())?;
    Ok(())
}

/// End the layer write of one file, with the file's audit row when it
/// changed anything; its counts.
fn end_layer(
    writer: &mut StoreWriter,
    lw: LayerWrite,
    input: &Input,
    layer: Layer,
    opts: &Options,
    mode: Mode,
) -> Result<Counts, IngestError> {
    let file = super::display_name(&input.path);
    let counts = writer.end_layer(lw, &file, input.format.name())?;
    if counts.added + counts.changed + counts.removed > 0 {
        let mut ctx = opts.audit.clone();
        if ctx.reason.is_empty() {
            ctx.reason = format!("ingest of {file} ({} mode)", mode.name());
        }
        let ingest_id = writer.last_ingest_id()?;
        writer.audit(&audit::Entry {
            ctx: &ctx,
            action: audit::Action::Ingest,
            layer: Some(layer.name()),
            feature_id: None,
            parish_id: None,
            changes: serde_json::json!({"file": file, "format": input.format.name(), "mode": mode.name(), "counts": counts}),
            ingest_id,
        })?;
    }
    Ok(counts)
}

/// The layers whose every changed feature gets an audit row on ingest (the
/// inventory's small layers; demand and coverage get one row per file).
fn audited_per_feature(layer: Layer) -> bool {
    matches!(
        layer,
        Layer::Sites | Layer::Settlements | Layer::Equipment | Layer::Visits | Layer::Buildings
    )
}

/// Append the audit row of one ingested feature, if it changed.
fn audit_feature(
    writer: &mut StoreWriter,
    ctx: &audit::Context,
    before: Option<&Record>,
    after: Option<&Record>,
) -> Result<(), IngestError> {
    let Some(after) = after else { return Ok(()) };
    if before.is_some_and(|b| {
        b.props == after.props && b.geometry == after.geometry && b.extra == after.extra
    }) {
        return Ok(());
    }
    let geometry = |r: &Record| {
        r.geometry
            .as_ref()
            .map(|g| serde_json::json!(geojson::Geometry::from(g)))
    };
    let (bg, ag) = (before.and_then(geometry), geometry(after));
    let changes = audit::diff(
        before.map(|b| (&b.props, bg.as_ref())),
        Some((&after.props, ag.as_ref())),
    );
    let action = match before {
        None => audit::Action::Create,
        Some(b) if after.str("status") == Some("retired") && b.str("status") != Some("retired") => {
            audit::Action::Retire
        }
        Some(_) => audit::Action::Update,
    };
    let mut ctx = ctx.clone();
    if ctx.reason.is_empty() {
        ctx.reason = "ingest".into();
    }
    let parish = writer.parish_of(after);
    writer.audit(&audit::Entry {
        ctx: &ctx,
        action,
        layer: Some(after.layer.name()),
        feature_id: Some(&after.id),
        parish_id: parish.as_deref(),
        changes,
        ingest_id: None,
    })?;
    Ok(())
}

/// How many parishes and municipalities a file of the areas layer gives.
#[derive(Debug, Default)]
struct AreaKinds {
    parishes: usize,
    municipalities: usize,
}

impl AreaKinds {
    fn count(&mut self, r: &Record) {
        if r.layer != Layer::Areas {
            return;
        }
        match r.str("kind") {
            Some("parish") => self.parishes += 1,
            Some("municipality") => self.municipalities += 1,
            _ => {}
        }
    }
}

/// When a file gives parishes and no municipality, the municipality is
/// their union (every parish of the layer, as this ingest leaves it): the
/// stored municipality keeps its id, name and population and takes the new
/// outline; with none stored, one is made, named after the field all the
/// parishes share (e.g. `L0_name`), and a warning says so.
fn municipality_of_parishes(
    writer: &mut StoreWriter,
    file: &str,
    problems: &mut Problems,
) -> Result<Option<Record>, IngestError> {
    let areas = writer.read_layer(Layer::Areas)?;
    let parishes: Vec<&Record> = areas
        .iter()
        .filter(|r| r.str("kind") == Some("parish"))
        .collect();
    let polygons: Vec<geo_types::Polygon<f64>> = parishes
        .iter()
        .filter_map(|r| r.multi_polygon().ok())
        .flat_map(|mp| mp.0)
        .collect();
    let Some(first) = parishes.first() else {
        return Ok(None);
    };
    let outline = geo::unary_union(&polygons);
    let at = problem::At {
        file,
        location: problem::Location::File,
    };
    let note = format!(
        "outline: the union of the {} parishes of the layer",
        parishes.len()
    );
    let stored = areas.iter().find(|r| r.str("kind") == Some("municipality"));
    let mut m = match stored {
        Some(stored) => stored.clone(),
        None => match new_municipality(&parishes, &at, problems) {
            Some(m) => m,
            None => return Ok(None),
        },
    };
    m.props
        .insert("kind".into(), Value::String("municipality".into()));
    for key in ["source", "source_ref", "as_of", "licence"] {
        m.props.insert(
            key.into(),
            first.props.get(key).cloned().unwrap_or(Value::Null),
        );
    }
    m.props.insert("source_note".into(), Value::String(note));
    m.geometry = Some(geo_types::Geometry::MultiPolygon(outline));
    Ok(Some(m))
}

/// A municipality made from its parishes (none is stored): named after the
/// field they all share, with their summed population and the first's
/// fields empty; a warning says so. `None` (with a warning) when no field
/// names it.
fn new_municipality(
    parishes: &[&Record],
    at: &problem::At,
    problems: &mut Problems,
) -> Option<Record> {
    let first = parishes.first()?;
    let Some((key, name)) = shared_name(parishes) else {
        problems.push(at.problem(
            Severity::Warning,
            Some("kind"),
            "the file gives parishes and no municipality, and no field names one: the municipality is not made from them",
            Some("add the municipality as a feature of kind municipality".into()),
        ));
        return None;
    };
    problems.push(at.problem(
        Severity::Warning,
        Some("kind"),
        format!(
            "the file gives parishes and no municipality: added municipality `{}` named \"{name}\" (from field `{key}`) as the union of its {} parishes",
            gapmap_geo::text::slug(&name),
            parishes.len()
        ),
        Some("give the municipality as a feature of kind municipality to name it yourself".into()),
    ));
    let mut props = first.props.clone();
    for v in props.values_mut() {
        *v = Value::Null;
    }
    let population: Option<u64> = parishes
        .iter()
        .map(|p| p.props.get("population").and_then(Value::as_u64))
        .sum();
    props.insert("name".into(), Value::String(name.clone()));
    props.insert(
        "population".into(),
        population.map_or(Value::Null, Value::from),
    );
    Some(Record {
        layer: Layer::Areas,
        id: gapmap_geo::text::slug(&name),
        geometry: None,
        props,
        extra: Map::new(),
        absent: Vec::new(),
    })
}

/// The text field (by key, in `extra`) every parish has with one same value
/// whose key names a name, the first such key in alphabetical order:
/// `L0_name` → "Jelgavas novads" (before `NUTS3_name` → "Zemgale").
fn shared_name(parishes: &[&Record]) -> Option<(String, String)> {
    let first = parishes.first()?;
    let mut keys: Vec<&String> = first
        .extra
        .keys()
        .filter(|k| k.to_ascii_lowercase().contains("name"))
        .collect();
    keys.sort_by_key(|k| k.to_ascii_lowercase());
    keys.into_iter().find_map(|k| {
        let v = first.extra.get(k)?.as_str()?.trim();
        let shared = !v.is_empty()
            && parishes
                .iter()
                .all(|p| p.extra.get(k).and_then(Value::as_str).map(str::trim) == Some(v));
        shared.then(|| (k.clone(), v.to_owned()))
    })
}

/// The position rule over the parishes and municipality of the store as
/// this transaction has left it so far (`None`: it has none).
pub fn positions_of(
    writer: &mut StoreWriter,
) -> Result<Option<Arc<crate::positions::Positions>>, IngestError> {
    let areas = writer.read_layer(Layer::Areas)?;
    Ok(crate::positions::Positions::from_areas(&areas).map(Arc::new))
}

/// Registers always go to the demand layer; other files say (or are inferred).
fn default_layer(input: &Input) -> Option<Layer> {
    match input.format {
        super::Format::VzdAddress | super::Format::CsbGrid => Some(Layer::Demand),
        super::Format::PlanJson => Some(Layer::Plan),
        super::Format::CultureCentres | super::Format::Libraries | super::Format::Schools => {
            Some(Layer::Buildings)
        }
        _ => None,
    }
}
