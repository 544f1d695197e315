//! `gapmap check` and `gapmap ingest`: files validated (and written).

use crate::cli::{CheckArgs, FormatArg, InputArgs, LayerArg, SourceArg};
use crate::error::{CliError, other};
use gapmap_geo::geometry::SanityBox;
use gapmap_ingest::mapping::FieldMapping;
use gapmap_ingest::problem::Location;
use gapmap_ingest::run::{Outcome, check_files, ingest_files};
use gapmap_ingest::{DefaultProvenance, Format, Input, Mode, Options, detect_format};
use gapmap_model::{Layer, Source};
use gapmap_store::Store;
use indicatif::{ProgressBar, ProgressStyle};
use std::sync::Arc;
use std::sync::atomic::{AtomicU64, Ordering};
use std::time::Duration;

fn layer_of(l: LayerArg) -> Layer {
    match l {
        LayerArg::Sites => Layer::Sites,
        LayerArg::Areas => Layer::Areas,
        LayerArg::Coverage => Layer::Coverage,
        LayerArg::Demand => Layer::Demand,
        LayerArg::PriorityZones => Layer::PriorityZones,
        LayerArg::Plan => Layer::Plan,
        LayerArg::Settlements => Layer::Settlements,
        LayerArg::Equipment => Layer::Equipment,
        LayerArg::Visits => Layer::Visits,
        LayerArg::Buildings => Layer::Buildings,
    }
}

fn format_of(f: FormatArg) -> Format {
    match f {
        FormatArg::Geojson => Format::GeoJson,
        FormatArg::Csv => Format::Csv,
        FormatArg::Gpkg => Format::Gpkg,
        FormatArg::Shp => Format::Shp,
        FormatArg::VzdAddress => Format::VzdAddress,
        FormatArg::CsbGrid => Format::CsbGrid,
        FormatArg::Plan => Format::PlanJson,
        FormatArg::CultureCentres => Format::CultureCentres,
        FormatArg::Libraries => Format::Libraries,
        FormatArg::Schools => Format::Schools,
    }
}

fn options(a: &InputArgs) -> Result<(Options, Vec<Input>), CliError> {
    let crs = a
        .crs
        .as_deref()
        .map(gapmap_geo::crs::parse_crs)
        .transpose()
        .map_err(|e| CliError::Usage(format!("--crs: {e}")))?;
    if let Some(code) = crs {
        gapmap_geo::crs::Transformer::new(code, gapmap_geo::crs::WGS84)
            .map_err(|e| CliError::Usage(format!("--crs: {e}")))?;
    }
    let as_of = a
        .as_of
        .as_deref()
        .map(|s| {
            chrono::NaiveDate::parse_from_str(s, "%Y-%m-%d")
                .map_err(|_| CliError::Usage(format!("--as-of: `{s}` is not a date YYYY-MM-DD")))
        })
        .transpose()?;
    let sanity = match a.sanity_box.as_deref() {
        None => SanityBox::BALTIC,
        Some("world") => SanityBox::WORLD,
        Some(s) => {
            SanityBox::parse(s).map_err(|e| CliError::Usage(format!("--sanity-box: {e}")))?
        }
    };
    let source = a.source.map(|s| match s {
        SourceArg::Official => Source::Official,
        SourceArg::Approximate => Source::Approximate,
        SourceArg::Simulated => Source::Simulated,
    });
    let opts = Options {
        layer: a.layer.map(layer_of),
        format: a.format.map(format_of),
        crs,
        provenance: DefaultProvenance {
            source,
            source_ref: a.source_ref.clone(),
            as_of,
        },
        repair: a.repair,
        mapping: FieldMapping::parse(&a.rename, &a.set, &a.where_).map_err(CliError::Usage)?,
        audit: gapmap_store::audit::Context::default(),
        sanity,
        progress: None,
        known_sites: None,
        known_buildings: None,
        positions: None,
    };
    let mut inputs = Vec::new();
    for f in &a.files {
        if !f.is_file() {
            return Err(CliError::Usage(format!("{}: no such file", f.display())));
        }
        inputs.push(Input {
            path: f.clone(),
            format: detect_format(f, opts.format)?,
        });
    }
    Ok((opts, inputs))
}

/// A progress display on stderr (hidden when stderr is not a terminal).
struct Progress {
    bar: ProgressBar,
    counter: Arc<AtomicU64>,
    stop: Arc<std::sync::atomic::AtomicBool>,
    thread: Option<std::thread::JoinHandle<()>>,
}

impl Progress {
    fn start(what: &str) -> Progress {
        let bar = ProgressBar::new_spinner();
        bar.set_style(
            ProgressStyle::with_template("{spinner} {msg} {pos} features ({per_sec}, {elapsed})")
                .unwrap_or_else(|_| ProgressStyle::default_spinner()),
        );
        bar.set_message(what.to_owned());
        let counter = Arc::new(AtomicU64::new(0));
        let stop = Arc::new(std::sync::atomic::AtomicBool::new(false));
        let (b, c, s) = (bar.clone(), Arc::clone(&counter), Arc::clone(&stop));
        let thread = std::thread::spawn(move || {
            while !s.load(Ordering::Relaxed) {
                b.set_position(c.load(Ordering::Relaxed));
                b.tick();
                std::thread::sleep(Duration::from_millis(100));
            }
        });
        Progress {
            bar,
            counter,
            stop,
            thread: Some(thread),
        }
    }
}

impl Drop for Progress {
    fn drop(&mut self) {
        self.stop.store(true, Ordering::Relaxed);
        if let Some(t) = self.thread.take() {
            let _ = t.join();
        }
        self.bar.finish_and_clear();
    }
}

/// Report an outcome (as JSON with `json`, else as lines on stderr); an
/// invalid outcome is the command's error.
fn report(outcome: &Outcome, json: bool, verb: &str) -> Result<(), CliError> {
    if json {
        report_json(outcome);
    } else {
        report_text(outcome, verb);
    }
    verdict(outcome, verb)
}

/// The outcome as one JSON document: validity, files and every problem.
fn report_json(outcome: &Outcome) {
    let problems: Vec<_> = outcome
        .problems
        .iter()
        .map(|p| {
            let mut v = serde_json::json!({"severity": format!("{:?}", p.severity).to_lowercase(), "file": p.file, "field": p.field, "message": p.message, "hint": p.hint, "text": p.to_string()});
            location_json(&p.location, &mut v);
            v
        })
        .collect();
    crate::output::out!(
        "{}",
        serde_json::json!({"valid": outcome.is_valid(), "committed": outcome.committed, "files": outcome.files, "problems": problems, "errors": outcome.problems.errors()})
    );
}

/// The outcome as lines: each problem, then what came of each file.
fn report_text(outcome: &Outcome, verb: &str) {
    for p in outcome.problems.iter() {
        crate::output::say!("{p}");
    }
    if outcome.problems.dropped() > 0 {
        crate::output::say!(
            "… and {} more problems not shown",
            outcome.problems.dropped()
        );
    }
    for f in &outcome.files {
        let c = &f.counts;
        if verb == "ingest" && outcome.committed {
            crate::output::say!(
                "{}: {} features into layer {} ({} added, {} changed, {} unchanged, {} removed)",
                f.file,
                f.valid,
                f.layer,
                c.added,
                c.changed,
                c.unchanged,
                c.removed
            );
        } else {
            crate::output::say!(
                "{}: {} of {} features valid (layer {})",
                f.file,
                f.valid,
                f.read,
                f.layer
            );
        }
        if f.filtered > 0 {
            eprintln!(
                "{}: {} of {} features left out by --where",
                f.file, f.filtered, f.read
            );
        }
    }
}

/// The command's error when the outcome has errors: how many errors and
/// warnings (and, for an ingest, that nothing was written).
fn verdict(outcome: &Outcome, verb: &str) -> Result<(), CliError> {
    let p = &outcome.problems;
    if p.has_errors() {
        let plural = |n: usize, w: &str| {
            if n == 1 {
                format!("1 {w}")
            } else {
                format!("{n} {w}s")
            }
        };
        let warn = if p.warnings() > 0 {
            format!(", {}", plural(p.warnings(), "warning"))
        } else {
            String::new()
        };
        let tail = if verb == "ingest" {
            "; nothing was written"
        } else {
            ""
        };
        return Err(CliError::Invalid(format!(
            "{}{warn}{tail}",
            plural(p.errors(), "error")
        )));
    }
    Ok(())
}

/// Structured location members: `line`, `column`, `feature`, `pointer`, `table`, `row`.
fn location_json(l: &Location, v: &mut serde_json::Value) {
    let extra = match l {
        Location::File => serde_json::json!({}),
        Location::Line(n) => serde_json::json!({"line": n}),
        Location::LineColumn(n, c) => serde_json::json!({"line": n, "column": c}),
        Location::Feature { index, pointer } => {
            serde_json::json!({"feature": index, "pointer": pointer})
        }
        Location::Row { table, row } => serde_json::json!({"table": table, "row": row}),
    };
    if let (Some(obj), serde_json::Value::Object(e)) = (v.as_object_mut(), extra) {
        obj.extend(e);
    }
}

pub(crate) fn check(a: CheckArgs) -> Result<(), CliError> {
    let (mut opts, inputs) = options(&a.input)?;
    if let Some(store) = &a.store {
        // Equipment and visits are checked against the store's sites.
        // Equipment and visits are checked against the store's sites,
        // building references against its buildings, positions against
        // its parishes.
        let s = Store::open_read_only(store).map_err(other)?;
        let ids = |layer: Layer| -> Result<std::collections::HashSet<String>, CliError> {
            let mut ids = std::collections::HashSet::new();
            gapmap_store::FeatureStore::for_each_record(&s, layer, &mut |r| {
                ids.insert(r.id);
                true
            })
            .map_err(other)?;
            Ok(ids)
        };
        opts.known_sites = Some(Arc::new(ids(Layer::Sites)?));
        opts.known_buildings = Some(Arc::new(ids(Layer::Buildings)?));
        let areas = gapmap_store::FeatureStore::read_layer(&s, Layer::Areas).map_err(other)?;
        opts.positions = gapmap_ingest::positions::Positions::from_areas(&areas).map(Arc::new);
    }
    let a = a.input;
    let progress = Progress::start("checking");
    opts.progress = Some(Arc::clone(&progress.counter));
    let outcome = check_files(&inputs, &opts)?;
    drop(progress);
    report(&outcome, a.json, "check")
}

pub(crate) fn ingest(
    store: &gapmap_store::Location,
    a: InputArgs,
    mode: Mode,
    reason: Option<String>,
) -> Result<(), CliError> {
    let (mut opts, inputs) = options(&a)?;
    opts.audit = gapmap_store::audit::Context {
        actor: crate::user::cli_actor(),
        reason: reason.unwrap_or_default(),
        report_ref: None,
    };
    let mut s = Store::open(store).map_err(other)?;
    let progress = Progress::start("ingesting");
    opts.progress = Some(Arc::clone(&progress.counter));
    let outcome = ingest_files(&mut s, &inputs, &opts, mode)?;
    drop(progress);
    report(&outcome, a.json, "ingest")
}
