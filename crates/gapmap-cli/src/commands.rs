//! The commands behind the CLI: thin wrappers over gapmap-core and gapmap-server.

use crate::cli::{
    CheckArgs, Cli, Command, FormatArg, InputArgs, LayerArg, Scale, ServeArgs, SourceArg, SynthArgs,
};
use crate::dataset;
use gapmap_geo::geometry::SanityBox;
use gapmap_ingest::mapping::FieldMapping;
use gapmap_ingest::problem::{Location, Severity};
use gapmap_ingest::run::{Outcome, check_files, ingest_files};
use gapmap_ingest::{DefaultProvenance, Format, IngestError, Input, Mode, Options, detect_format};
use gapmap_model::{Layer, Source};
use gapmap_store::gpkg::GpkgStore;
use gapmap_synth::landscape;
use indicatif::{ProgressBar, ProgressStyle};
use std::path::{Path, PathBuf};
use std::sync::Arc;
use std::sync::atomic::{AtomicU64, Ordering};
use std::time::Duration;

#[derive(Debug, thiserror::Error)]
pub enum CliError {
    #[error("{0}")]
    Usage(String),
    #[error("{0}")]
    Invalid(String),
    #[error("{0}")]
    Other(String),
}

impl CliError {
    pub fn exit_code(&self) -> u8 {
        match self {
            CliError::Usage(_) => 64,
            CliError::Invalid(_) => 2,
            CliError::Other(_) => 1,
        }
    }
}

impl From<IngestError> for CliError {
    fn from(e: IngestError) -> Self {
        match e {
            IngestError::Usage(m) => CliError::Usage(m),
            other => CliError::Other(other.to_string()),
        }
    }
}

fn other(e: impl std::fmt::Display) -> CliError {
    CliError::Other(e.to_string())
}

/// The snapshot of a store (default: the embedded dataset's store, built if
/// needed) under these thresholds; for the commands that read a store.
pub fn load_snapshot(
    store: Option<PathBuf>,
    thresholds: &gapmap_model::thresholds::Thresholds,
) -> Result<gapmap_engine::snapshot::Snapshot, CliError> {
    let path = match store {
        Some(s) => s,
        None => {
            let s = dataset::default_store();
            dataset::ensure_default_store(&s).map_err(other)?;
            s
        }
    };
    if !path.exists() {
        return Err(CliError::Usage(format!(
            "{}: no such store",
            path.display()
        )));
    }
    let s = GpkgStore::open_read_only(&path).map_err(other)?;
    gapmap_engine::snapshot::Snapshot::build(
        &s,
        gapmap_engine::snapshot::DEFAULT_WORKING_CRS,
        thresholds,
    )
    .map_err(other)
}

pub fn init_logging(verbose: u8) {
    let default = match verbose {
        0 => "info,gapmap::access=warn",
        1 => "info",
        _ => "debug",
    };
    use tracing_subscriber::Layer as _;
    use tracing_subscriber::layer::SubscriberExt as _;
    use tracing_subscriber::util::SubscriberInitExt as _;
    let filter = tracing_subscriber::EnvFilter::try_from_default_env()
        .unwrap_or_else(|_| tracing_subscriber::EnvFilter::new(default));
    // actix-http's ERROR line for each connection it refuses is counted and
    // reported once a minute instead (gapmap_server::limits).
    let log = tracing_subscriber::fmt::layer()
        .with_writer(std::io::stderr)
        .with_filter(tracing_subscriber::filter::filter_fn(|m| {
            !gapmap_server::limits::is_refusal(m)
        }));
    let _ = tracing_subscriber::registry()
        .with(filter)
        .with(log)
        .with(gapmap_server::limits::RefusalCounter)
        .try_init();
}

pub fn run(cli: Cli) -> Result<(), CliError> {
    match cli.command {
        Command::Serve(a) => serve(a),
        Command::Check(a) => check(a),
        Command::Ingest(a) => {
            let mode: Mode = a.mode.parse().map_err(CliError::Usage)?;
            ingest(&a.store, a.input, mode, a.reason)
        }
        Command::User(c) => crate::user::run(c),
        Command::Gaps(a) => crate::gaps::run(a),
        Command::Synth(a) => synth_cmd(a),
        Command::Export(a) => crate::export::run(a),
        Command::Plan(a) => crate::plan::run(a),
    }
}

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

fn report(outcome: &Outcome, json: bool, verb: &str) -> Result<(), CliError> {
    if json {
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
    } else {
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
    let _ = Severity::Error;
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

fn check(a: CheckArgs) -> Result<(), CliError> {
    let (mut opts, inputs) = options(&a.input)?;
    if let Some(store) = &a.store {
        // Equipment and visits are checked against the store's sites.
        let s = GpkgStore::open_read_only(store).map_err(other)?;
        let mut ids = std::collections::HashSet::new();
        gapmap_store::FeatureStore::for_each_record(&s, Layer::Sites, &mut |r| {
            ids.insert(r.id);
            true
        })
        .map_err(other)?;
        opts.known_sites = Some(Arc::new(ids));
    }
    let a = a.input;
    let progress = Progress::start("checking");
    opts.progress = Some(Arc::clone(&progress.counter));
    let outcome = check_files(&inputs, &opts)?;
    drop(progress);
    report(&outcome, a.json, "check")
}

fn ingest(store: &Path, a: InputArgs, mode: Mode, reason: Option<String>) -> Result<(), CliError> {
    let (mut opts, inputs) = options(&a)?;
    opts.audit = gapmap_store::audit::Context {
        actor: crate::user::cli_actor(),
        reason: reason.unwrap_or_default(),
        report_ref: None,
    };
    let mut s = GpkgStore::open(store).map_err(other)?;
    let progress = Progress::start("ingesting");
    opts.progress = Some(Arc::clone(&progress.counter));
    let outcome = ingest_files(&mut s, &inputs, &opts, mode)?;
    drop(progress);
    report(&outcome, a.json, "ingest")
}

fn serve(a: ServeArgs) -> Result<(), CliError> {
    let file = match &a.config {
        Some(p) => {
            gapmap_server::ConfigFile::load(p).map_err(|e| CliError::Usage(e.to_string()))?
        }
        None => gapmap_server::ConfigFile::default(),
    };
    let mut config = file.server;
    if let Some(h) = a.host {
        config.host = h;
    }
    if let Some(p) = a.port {
        config.port = p;
    }
    if let Some(t) = a.admin_token {
        config.admin_token = Some(t);
    }
    if let Some(ms) = a.reload_poll_ms {
        config.reload_poll_ms = ms;
    }
    if let Some(u) = a.public_url {
        config.public_url = Some(u);
    }
    config.validate().map_err(CliError::Usage)?;
    if let Some(s) = a.store {
        config.store = Some(s);
    }
    let store: PathBuf = match &config.store {
        Some(s) => {
            if !s.exists() {
                return Err(CliError::Usage(format!(
                    "{}: no such store; create it with `gapmap ingest --store {} FILE…`",
                    s.display(),
                    s.display()
                )));
            }
            s.clone()
        }
        None => {
            let s = dataset::default_store();
            if dataset::ensure_default_store(&s).map_err(other)? {
                tracing::info!(store = %s.display(), "built the default store from the embedded Jelgavas novads dataset");
            }
            s
        }
    };
    let system = actix_web::rt::System::new();
    system.block_on(async move {
        let (server, addr, _state) =
            gapmap_server::start(config, file.thresholds, store.clone()).map_err(other)?;
        crate::output::out!("gapmap: serving {} on http://{addr}", store.display());
        use std::io::Write as _;
        let _ = std::io::stdout().flush();
        server.await.map_err(other)
    })
}

fn synth_cmd(a: SynthArgs) -> Result<(), CliError> {
    std::fs::create_dir_all(&a.out)
        .map_err(|e| CliError::Other(format!("{}: {e}", a.out.display())))?;
    let mut params = landscape::Params {
        seed: a.seed,
        as_of: a.as_of.clone(),
        ..landscape::Params::default()
    };
    let regions = match a.scale {
        Scale::Jelgava => {
            params.coverage_polygons = 160;
            params.source_ref = "gapmap synth --scale jelgava (simulated from the parish populations in areas.geojson)".into();
            jelgava_regions(&a.geodata)?
        }
        Scale::Parish => grid_regions(23.60, 56.45, 0.12, 0.07, 1, 1, 2_000),
        Scale::Municipality => grid_regions(23.30, 56.35, 0.11, 0.07, 4, 4, 33_348),
        Scale::Latvia => {
            params.coverage_polygons = 20_000;
            params.sites = 5_000;
            params.ring_vertices = 220;
            params.village_persons_per_point = 1.3;
            params.homestead_persons_per_point = 0.8;
            grid_regions(21.3, 55.8, 0.6, 0.19, 11, 11, 1_880_000)
        }
    };
    let out = landscape::generate(&regions, &params);
    let write = |name: &str, text: String| -> Result<(), CliError> {
        let p = a.out.join(name);
        std::fs::write(&p, text).map_err(|e| CliError::Other(format!("{}: {e}", p.display())))?;
        crate::output::say!("wrote {}", p.display());
        Ok(())
    };
    write("demand.csv", landscape::demand_csv(&out.demand, &params))?;
    write(
        "coverage.geojson",
        landscape::feature_collection(&out.coverage),
    )?;
    if a.geojson {
        write(
            "demand.geojson",
            landscape::feature_collection(&landscape::demand_features(&out.demand, &params)),
        )?;
    }
    if !out.sites.is_empty() {
        write("sites.geojson", landscape::feature_collection(&out.sites))?;
    }
    if a.addresses {
        write(
            "addresses.csv",
            gapmap_synth::vzd::register_csv(&out.demand, a.seed),
        )?;
    }
    if matches!(a.scale, Scale::Jelgava) {
        let (equipment, visits) = jelgava_inventory(&a.geodata, &params)?;
        write("equipment.csv", equipment)?;
        write("visits.csv", visits)?;
    } else {
        write(
            "areas.geojson",
            landscape::feature_collection(&landscape::region_features(&regions, &params)),
        )?;
    }
    let residents: u64 = out.demand.iter().map(|d| u64::from(d.residents)).sum();
    crate::output::say!(
        "{} demand points, {residents} residents, {} coverage polygons, {} sites (all simulated)",
        out.demand.len(),
        out.coverage.len(),
        out.sites.len()
    );
    Ok(())
}

/// A grid of rectangular synthetic parishes with a total population; the
/// south-western cell is the most populous (a town).
fn grid_regions(
    lon0: f64,
    lat0: f64,
    dlon: f64,
    dlat: f64,
    nx: usize,
    ny: usize,
    total: u64,
) -> Vec<landscape::Region> {
    let n = nx * ny;
    let weights: Vec<f64> = (0..n)
        .map(|i| {
            if i == 0 {
                6.0
            } else {
                1.0 + (i % 7) as f64 * 0.3
            }
        })
        .collect();
    let pops = landscape::split_exact(total, &weights);
    (0..n)
        .map(|i| {
            let (ix, iy) = (i % nx, i / nx);
            let (x0, y0) = (lon0 + ix as f64 * dlon, lat0 + iy as f64 * dlat);
            let poly = geo_types::Polygon::new(
                geo_types::LineString::from(vec![
                    (x0, y0),
                    (x0 + dlon, y0),
                    (x0 + dlon, y0 + dlat),
                    (x0, y0 + dlat),
                    (x0, y0),
                ]),
                vec![],
            );
            landscape::Region {
                id: Some(format!("sim-parish-{i:03}")),
                polygon: geo_types::MultiPolygon(vec![poly]),
                population: pops[i],
                centres: vec![geo_types::Point::new(x0 + dlon / 2.0, y0 + dlat / 2.0)],
            }
        })
        .collect()
}

/// The simulated inventory of the embedded dataset's sites: equipment.csv
/// and visits.csv (see gapmap_synth::inventory).
fn jelgava_inventory(
    geodata: &Path,
    params: &landscape::Params,
) -> Result<(String, String), CliError> {
    use gapmap_synth::inventory as inv;
    let mut problems = gapmap_ingest::problem::Problems::default();
    let opts = Options {
        layer: Some(Layer::Sites),
        ..Options::default()
    };
    let (_, records) =
        gapmap_ingest::read_to_vec(&geodata.join("sites.geojson"), &opts, &mut problems)?;
    if problems.has_errors() {
        let text: Vec<String> = problems.iter().map(ToString::to_string).collect();
        return Err(CliError::Invalid(text.join("\n")));
    }
    let sites = records
        .iter()
        .map(gapmap_model::Site::from_record)
        .collect::<Result<Vec<_>, _>>()
        .map_err(CliError::Invalid)?;
    let p = inv::Params {
        seed: params.seed,
        as_of: params.as_of.clone(),
        source_ref: "gapmap synth --scale jelgava (simulated inventory keyed on sites.geojson; not the municipality's records)".into(),
    };
    Ok((
        inv::equipment_csv(&inv::equipment(&sites, &p), &p),
        inv::visits_csv(&inv::visits(&sites, &p), &p),
    ))
}

/// The parishes of the embedded dataset, with their sites as settlement centres.
fn jelgava_regions(geodata: &Path) -> Result<Vec<landscape::Region>, CliError> {
    let mut problems = gapmap_ingest::problem::Problems::default();
    let opts = Options {
        layer: Some(Layer::Areas),
        ..Options::default()
    };
    let (_, areas) =
        gapmap_ingest::read_to_vec(&geodata.join("areas.geojson"), &opts, &mut problems)?;
    let opts = Options {
        layer: Some(Layer::Sites),
        ..Options::default()
    };
    let (_, sites) =
        gapmap_ingest::read_to_vec(&geodata.join("sites.geojson"), &opts, &mut problems)?;
    if problems.has_errors() {
        let text: Vec<String> = problems.iter().map(ToString::to_string).collect();
        return Err(CliError::Invalid(text.join("\n")));
    }
    let mut regions = Vec::new();
    for a in areas.iter().filter(|a| a.str("kind") == Some("parish")) {
        let centres = sites
            .iter()
            .filter(|s| s.str("parish_id") == Some(a.id.as_str()))
            .filter_map(|s| s.point().ok())
            .fold(Vec::<geo_types::Point<f64>>::new(), |mut acc, p| {
                if !acc
                    .iter()
                    .any(|q| (q.x() - p.x()).abs() < 1e-4 && (q.y() - p.y()).abs() < 1e-4)
                {
                    acc.push(p);
                }
                acc
            });
        regions.push(landscape::Region {
            id: Some(a.id.clone()),
            polygon: a.multi_polygon().map_err(CliError::Other)?,
            population: a
                .props
                .get("population")
                .and_then(serde_json::Value::as_u64)
                .unwrap_or(0),
            centres,
        });
    }
    regions.sort_by(|a, b| a.id.cmp(&b.id));
    Ok(regions)
}
