//! The commands behind the CLI, one module each; this runs the one asked for.

use crate::cli::{Cli, Command};
use crate::error::CliError;
use crate::{check, export, gaps, plan, serve, synth, update, user};
use gapmap_ingest::Mode;

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
        Command::Serve(a) => serve::serve(a),
        Command::Check(a) => check::check(a),
        Command::Ingest(a) => {
            let mode: Mode = a.mode.parse().map_err(CliError::Usage)?;
            check::ingest(&a.store, a.input, mode, a.reason)
        }
        Command::User(c) => user::run(c),
        Command::Gaps(a) => gaps::run(a),
        Command::Synth(a) => synth::synth_cmd(a),
        Command::Export(a) => export::run(a),
        Command::Plan(a) => plan::run(a),
        Command::Sources(a) => update::sources_cmd(a),
        Command::Update(a) => update::update_cmd(a),
        Command::Geocode(a) => update::geocode_cmd(a),
        Command::Store(c) => crate::store_cmd::run(c),
    }
}
