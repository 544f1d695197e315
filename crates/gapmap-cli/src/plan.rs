//! `gapmap plan`: the IT department's planner from the command line — the
//! same answers as `/api/v1/plan/…`, as GeoJSON, JSON, CSV or iCalendar.

use crate::error::CliError;
use crate::thresholds::ThresholdArgs;
use clap::{Args, Subcommand, ValueEnum};
use gapmap_engine::snapshot::Snapshot;
use gapmap_model::disclosure::Disclosure;
use gapmap_plan::PlanError;
use gapmap_plan::access_points;
use gapmap_plan::mclp::Method;
use indicatif::{ProgressBar, ProgressStyle};
use std::path::PathBuf;
use std::time::Duration;

#[derive(Debug, Args)]
pub struct PlanArgs {
    #[command(subcommand)]
    pub what: PlanCommand,
}

#[derive(Debug, Subcommand)]
pub enum PlanCommand {
    /// Where the new public access points go (ranked, in yearly batches).
    AccessPoints(AccessPointsArgs),
    /// Routers and backhaul lines to upgrade each year, and buildings to survey.
    Upgrades(UpgradesArgs),
    /// The mobile class: one stop per parish per year, route and dates.
    MobileClass(MobileClassArgs),
    /// The plan against the dated equipment and visit records.
    Progress(ProgressArgs),
}

#[derive(Debug, Clone, Copy, ValueEnum)]
pub enum TableFormat {
    Json,
    Csv,
}

#[derive(Debug, Clone, Copy, ValueEnum)]
pub enum CalendarFormat {
    Json,
    Csv,
    /// iCalendar (RFC 5545).
    Ics,
}

#[derive(Debug, Args)]
pub struct UpgradesArgs {
    #[command(flatten)]
    pub common: Common,
    /// Routers younger than this many years are not listed [default: 5].
    #[arg(long, default_value_t = 5)]
    pub router_min_age_years: i32,
    #[arg(long, value_enum, default_value = "json")]
    pub format: TableFormat,
}

#[derive(Debug, Args)]
pub struct MobileClassArgs {
    #[command(flatten)]
    pub common: Common,
    /// The season of each year, MM-DD/MM-DD; one stop per working day from its start.
    #[arg(long, default_value = "04-01/05-31")]
    pub season: String,
    /// Residents within this distance (metres) of a venue count as reached.
    #[arg(long, default_value_t = 5000.0)]
    pub reach_m: f64,
    /// The site id the route starts and ends at [default: the municipality's office].
    #[arg(long)]
    pub start: Option<String>,
    /// Only this parish's stops (for leaflets).
    #[arg(long)]
    pub parish_id: Option<String>,
    #[arg(long, value_enum, default_value = "json")]
    pub format: CalendarFormat,
}

#[derive(Debug, Args)]
pub struct ProgressArgs {
    #[command(flatten)]
    pub common: Common,
    #[arg(long, value_enum, default_value = "json")]
    pub format: TableFormat,
}

/// What every plan command reads and writes.
#[derive(Debug, Args)]
pub struct Common {
    /// The store: a GeoPackage file or a postgresql:// URL [default: the embedded dataset's default store].
    #[arg(long, env = "GAPMAP_STORE", value_parser = crate::load::parse_store)]
    pub store: Option<gapmap_store::Location>,
    /// The file to write (default: standard output).
    #[arg(long)]
    pub out: Option<PathBuf>,
    #[command(flatten)]
    pub thresholds: ThresholdArgs,
}

#[derive(Debug, Clone, Copy, ValueEnum)]
pub enum MethodArg {
    /// Heuristic and bound; the integer program when they do not meet and the instance is small enough.
    Auto,
    /// Always the integer program (within --time-limit-s).
    Exact,
    /// Greedy and local search only, with the bound.
    Heuristic,
}

#[derive(Debug, Clone, Copy, ValueEnum)]
pub enum SitingFormat {
    Geojson,
    Csv,
}

#[derive(Debug, Args)]
pub struct AccessPointsArgs {
    #[command(flatten)]
    pub common: Common,
    /// New access points to place [default: the plan's target, 35, less those the equipment records say are installed in its years].
    #[arg(long)]
    pub count: Option<usize>,
    /// Only this parish's candidates and residents (a parish id such as vilces-pagasts).
    #[arg(long)]
    pub parish_id: Option<String>,
    /// A candidate this close (metres) to active free Wi-Fi is not eligible [default: 100].
    #[arg(long)]
    pub wifi_exclusion_m: Option<f64>,
    /// Weight factor of digitally under-served residents [default: 2].
    #[arg(long)]
    pub weight_underserved: Option<f64>,
    /// Weight factor of residents in a priority zone [default: 1.5].
    #[arg(long)]
    pub weight_priority_zone: Option<f64>,
    /// At most this many access points per building: its own, then outdoor units where they extend reach [default: 3].
    #[arg(long)]
    pub max_access_points_per_site: Option<u32>,
    /// How far (metres) an outdoor unit's Wi-Fi reaches from its building toward a village [default: 300].
    #[arg(long)]
    pub outdoor_range_m: Option<f64>,
    /// New access points per year from the plan's first year, e.g. 3,9,9,8; with --count, each year's share of it [default: what is left of each year's quota (9,9,9,8) once the installed ones count].
    #[arg(long, value_delimiter = ',')]
    pub per_year: Option<Vec<usize>>,
    #[arg(long, value_enum, default_value = "auto")]
    pub method: MethodArg,
    /// Seconds the integer program may run [default: 20].
    #[arg(long)]
    pub time_limit_s: Option<f64>,
    #[arg(long, value_enum, default_value = "geojson")]
    pub format: SitingFormat,
}

pub fn run(a: PlanArgs) -> Result<(), CliError> {
    match a.what {
        PlanCommand::AccessPoints(a) => access_points(a),
        PlanCommand::Upgrades(a) => upgrades(a),
        PlanCommand::MobileClass(a) => mobile_class(a),
        PlanCommand::Progress(a) => progress(a),
    }
}

/// A spinner on stderr naming the phase (hidden when stderr is not a terminal).
fn spinner() -> ProgressBar {
    let bar = ProgressBar::new_spinner();
    bar.set_style(
        ProgressStyle::with_template("{spinner} {msg} ({elapsed})")
            .unwrap_or_else(|_| ProgressStyle::default_spinner()),
    );
    bar.enable_steady_tick(Duration::from_millis(120));
    bar
}

fn load(c: &Common, bar: &ProgressBar) -> Result<Snapshot, CliError> {
    let t = crate::thresholds::thresholds(&c.thresholds)?;
    bar.set_message("loading the store and analysing the gaps");
    crate::load::load_snapshot(c.store.clone(), &t)
}

fn plan_error(e: PlanError) -> CliError {
    match e {
        PlanError::Parameter { parameter, message }
        | PlanError::Conflict { parameter, message } => {
            CliError::Usage(format!("--{}: {message}", parameter.replace('_', "-")))
        }
        other => CliError::Other(other.to_string()),
    }
}

fn write(out: &Option<PathBuf>, text: &str) -> Result<(), CliError> {
    match out {
        Some(p) => {
            let tmp = p.with_extension("partial");
            std::fs::write(&tmp, text)
                .and_then(|()| std::fs::rename(&tmp, p))
                .map_err(|e| CliError::Other(format!("{}: {e}", p.display())))
        }
        None => {
            use std::io::Write as _;
            std::io::stdout()
                .write_all(text.as_bytes())
                .map_err(|e| CliError::Other(format!("stdout: {e}")))
        }
    }
}

fn access_points(a: AccessPointsArgs) -> Result<(), CliError> {
    let bar = spinner();
    let snap = load(&a.common, &bar)?;
    let o = access_points::Overrides {
        count: a.count,
        per_year: a.per_year.clone(),
        parish_id: a.parish_id.clone(),
        wifi_exclusion_m: a.wifi_exclusion_m,
        weight_underserved: a.weight_underserved,
        weight_priority_zone: a.weight_priority_zone,
        max_access_points_per_site: a.max_access_points_per_site,
        outdoor_range_m: a.outdoor_range_m,
        method: Some(match a.method {
            MethodArg::Auto => Method::Auto,
            MethodArg::Exact => Method::Exact,
            MethodArg::Heuristic => Method::Heuristic,
        }),
        time_limit_s: a.time_limit_s,
    };
    let p =
        access_points::params(&snap, snap.analysis.thresholds.near_m, &o).map_err(plan_error)?;
    bar.set_message("priority zones");
    let zones = gapmap_plan::instance::in_priority_zone(&snap);
    let started = std::time::Instant::now();
    let mut phases: Vec<(String, std::time::Instant)> = Vec::new();
    let siting = access_points::plan(&snap, &snap.analysis, &zones, &p, &mut |phase| {
        bar.set_message(phase.to_owned());
        phases.push((phase.to_owned(), std::time::Instant::now()));
    })
    .map_err(plan_error)?;
    let ended = std::time::Instant::now();
    let timings: serde_json::Map<String, serde_json::Value> = phases
        .iter()
        .enumerate()
        .map(|(k, (name, at))| {
            let until = phases.get(k + 1).map_or(ended, |n| n.1);
            (
                name.clone(),
                serde_json::json!(until.duration_since(*at).as_secs_f64() * 1000.0),
            )
        })
        .collect();
    bar.finish_and_clear();
    let text = match a.format {
        SitingFormat::Geojson => {
            let mut v = siting.to_geojson(&snap, &Disclosure::exact());
            v["elapsed_ms"] =
                serde_json::json!(ended.duration_since(started).as_secs_f64() * 1000.0);
            v["timings_ms"] = serde_json::Value::Object(timings);
            json_text(&v)
        }
        SitingFormat::Csv => siting.to_csv(&snap, &Disclosure::exact()),
    };
    write(&a.common.out, &text)?;
    if let Some(s) = &siting.solved {
        eprintln!(
            "{}: objective {:.1}, bound {:.1} (gap {:.3} %), {}; {} ms",
            siting.status.as_str(),
            s.objective,
            s.bound,
            s.gap() * 100.0,
            s.solver,
            started.elapsed().as_millis()
        );
    } else {
        eprintln!("{}", siting.status.as_str());
    }
    Ok(())
}

fn json_text(v: &serde_json::Value) -> String {
    let mut s = v.to_string();
    s.push('\n');
    s
}

fn upgrades(a: UpgradesArgs) -> Result<(), CliError> {
    let bar = spinner();
    let snap = load(&a.common, &bar)?;
    bar.set_message("scoring");
    let p = gapmap_plan::upgrades::Params {
        router_min_age_years: a.router_min_age_years,
    };
    let u = gapmap_plan::upgrades::plan(&snap, &snap.analysis, &p).map_err(plan_error)?;
    bar.finish_and_clear();
    let text = match a.format {
        TableFormat::Json => json_text(&u.to_json(&snap, &Disclosure::exact())),
        TableFormat::Csv => u.to_csv(&snap, &Disclosure::exact()),
    };
    write(&a.common.out, &text)
}

fn mobile_class(a: MobileClassArgs) -> Result<(), CliError> {
    let bar = spinner();
    let snap = load(&a.common, &bar)?;
    bar.set_message("stops, route and dates");
    let p = gapmap_plan::mobile_class::Params {
        season: a
            .season
            .parse()
            .map_err(|m| CliError::Usage(format!("--season: {m}")))?,
        reach_m: a.reach_m,
        start: a.start.clone(),
        parish_id: a.parish_id.clone(),
        ..Default::default()
    };
    let m = gapmap_plan::mobile_class::plan(&snap, &snap.analysis, &p).map_err(plan_error)?;
    bar.finish_and_clear();
    let text = match a.format {
        CalendarFormat::Json => json_text(&m.to_json(&snap, &Disclosure::exact())),
        CalendarFormat::Csv => m.to_csv(&snap, &Disclosure::exact()),
        CalendarFormat::Ics => m.to_ics(&snap, &Disclosure::exact()),
    };
    write(&a.common.out, &text)
}

fn progress(a: ProgressArgs) -> Result<(), CliError> {
    let bar = spinner();
    let snap = load(&a.common, &bar)?;
    bar.set_message("replaying the records");
    let index = gapmap_plan::what_if::Index::new(&snap);
    let p = gapmap_plan::progress::progress(&snap, &snap.analysis, &index).map_err(plan_error)?;
    bar.finish_and_clear();
    let text = match a.format {
        TableFormat::Json => json_text(&p.to_json(&snap, &Disclosure::exact())),
        TableFormat::Csv => p.to_csv(&snap, &Disclosure::exact()),
    };
    write(&a.common.out, &text)
}
