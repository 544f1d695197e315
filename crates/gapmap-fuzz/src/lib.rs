//! Fuzz entry points: each [`Target`] feeds raw bytes to one of gapmap's
//! input parsers through the same public function the CLI or the server
//! calls. Any outcome but a panic (or a hang) is a pass: a parser must turn
//! every input into records or problems.
//!
//! The coverage-guided fuzzers under `fuzz/` (cargo-fuzz, libFuzzer) call
//! [`run`]; `tests/replay.rs` feeds every file of the kept corpus
//! (`fuzz/corpus/<target>/`) and of `fuzz/regressions/<target>/` to it on
//! stable Rust as part of `make test`.

use gapmap_ingest::problem::Problems;
use gapmap_ingest::{Format, Options, read_to_vec};
use std::io::Write;
use std::path::PathBuf;

/// One parser under test.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Target {
    Geojson,
    Csv,
    /// A zipped ESRI Shapefile.
    Shp,
    Gpkg,
    /// The VZD address register (AW_EKA) text export.
    Vzd,
    /// The CSB / GEOSTAT 1 km population grid.
    Csb,
    /// The action-plan JSON document.
    Plan,
    /// Query strings and request headers the server parses.
    Query,
    /// The TOML configuration file.
    Config,
}

impl Target {
    pub const ALL: [Target; 9] = [
        Target::Geojson,
        Target::Csv,
        Target::Shp,
        Target::Gpkg,
        Target::Vzd,
        Target::Csb,
        Target::Plan,
        Target::Query,
        Target::Config,
    ];

    /// The name of its corpus folder and cargo-fuzz target.
    pub fn name(self) -> &'static str {
        match self {
            Target::Geojson => "geojson",
            Target::Csv => "csv",
            Target::Shp => "shp",
            Target::Gpkg => "gpkg",
            Target::Vzd => "vzd",
            Target::Csb => "csb",
            Target::Plan => "plan",
            Target::Query => "query",
            Target::Config => "config",
        }
    }

    fn file(self) -> Option<(Format, &'static str)> {
        Some(match self {
            Target::Geojson => (Format::GeoJson, "geojson"),
            Target::Csv => (Format::Csv, "csv"),
            Target::Shp => (Format::Shp, "zip"),
            Target::Gpkg => (Format::Gpkg, "gpkg"),
            Target::Vzd => (Format::VzdAddress, "csv"),
            Target::Csb => (Format::CsbGrid, "csv"),
            Target::Plan => (Format::PlanJson, "json"),
            Target::Query | Target::Config => return None,
        })
    }
}

/// Feed `data` to the target's parser.
pub fn run(target: Target, data: &[u8]) {
    match target.file() {
        Some((format, ext)) => read_file(format, ext, data),
        None if target == Target::Config => config(data),
        None => query(data),
    }
}

/// The file readers take paths: write the bytes to a scratch file of this
/// process (in /dev/shm where there is one) and read it as the CLI does.
fn read_file(format: Format, ext: &str, data: &[u8]) {
    let path = scratch(ext);
    let written = std::fs::File::create(&path).and_then(|mut f| f.write_all(data));
    if written.is_err() {
        return;
    }
    // Every other input also exercises the repairs and layer inference.
    let odd = data.len() % 2 == 1;
    let opts = Options {
        format: Some(format),
        repair: odd,
        ..Options::default()
    };
    let mut problems = Problems::default();
    let _ = read_to_vec(&path, &opts, &mut problems);
    for p in problems.iter() {
        let _ = p.to_string();
    }
    if format == Format::Gpkg {
        // A corrupt store must be an error, not a panic.
        if let Ok(s) = gapmap_store::gpkg::GpkgStore::open_read_only(&path) {
            let _ = gapmap_store::FeatureStore::version(&s);
        }
    }
}

fn scratch(ext: &str) -> PathBuf {
    let dir = ["/dev/shm", "/tmp"]
        .iter()
        .map(PathBuf::from)
        .find(|d| d.is_dir())
        .unwrap_or_else(std::env::temp_dir);
    let name = format!(
        "gapmap-fuzz-{}-{:?}.{ext}",
        std::process::id(),
        std::thread::current().id()
    );
    dir.join(name.replace(['(', ')'], ""))
}

fn config(data: &[u8]) {
    let Ok(text) = std::str::from_utf8(data) else {
        return;
    };
    if let Ok(c) = gapmap_server::config::ConfigFile::from_toml(text) {
        let _ = c.server.validate();
        let _ = c.server.public_base(([127, 0, 0, 1], 8080).into());
    }
}

fn query(data: &[u8]) {
    gapmap_server::fuzz::fuzz_parsers(&String::from_utf8_lossy(data));
}
