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
mod gaps;
mod load;
mod plan;
mod serve;
mod synth;
mod thresholds;
mod user;

use std::process::ExitCode;

/// mimalloc for every allocation (see Cargo.toml: resident memory of a
/// national snapshot).
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
