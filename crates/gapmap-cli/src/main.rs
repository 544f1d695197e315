//! `gapmap`: the command line. Parses arguments, runs a command, and maps the
//! result to an exit status:
//!
//! | status | meaning |
//! |---|---|
//! | 0 | success |
//! | 1 | any other failure (I/O, store, server) |
//! | 2 | invalid input: nothing was written |
//! | 64 | usage error (unknown flag, missing file, ambiguous layer) |

#[macro_use]
mod output;
mod check;
mod cli;
mod commands;
mod dataset;
mod error;
mod export;
mod fetch;
mod gaps;
mod geocode_file;
mod load;
mod plan;
mod serve;
mod store_cmd;
mod synth;
mod thresholds;
mod update;
mod user;

use std::process::ExitCode;

/// The allocator of every command (see Cargo.toml: flat memory under a
/// long serve without environment variables).
#[global_allocator]
static ALLOCATOR: mimalloc::MiMalloc = mimalloc::MiMalloc;

fn main() -> ExitCode {
    let args = match cli::parse() {
        Ok(a) => a,
        Err(code) => return code,
    };
    commands::init_logging(args.verbose);
    match commands::run(args) {
        Ok(()) => ExitCode::SUCCESS,
        Err(e) => {
            output::say!("gapmap: {e}");
            ExitCode::from(e.exit_code())
        }
    }
}
