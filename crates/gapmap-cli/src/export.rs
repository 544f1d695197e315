//! `gapmap export`: one published collection as GeoJSON, CSV or GeoPackage,
//! the same bytes `GET /export/{layer}.{format}` serves for the same store;
//! or (`--format pmtiles`) the PMTiles v3 archive of every tileset, z0–z14,
//! built by the same code as `GET /export/tiles.pmtiles`.

use crate::error::CliError;
use clap::{Args, ValueEnum};
use gapmap_geo::crs::WGS84;
use gapmap_publish::collections::Collection;
use gapmap_publish::export::{self, Format, Prepared};
use indicatif::{ProgressBar, ProgressStyle};
use std::io::Write as _;
use std::path::{Path, PathBuf};
use std::sync::Arc;
use std::sync::atomic::{AtomicBool, Ordering};

#[derive(Debug, Clone, Copy, ValueEnum)]
pub enum ExportFormat {
    Geojson,
    Csv,
    Gpkg,
    /// PMTiles v3 of all tilesets, z0–z14 (no --layer, no --crs).
    Pmtiles,
}

#[derive(Debug, Args)]
pub struct ExportArgs {
    /// The store: a GeoPackage file or a postgresql:// URL [default: the embedded dataset's default store].
    #[arg(long, env = "GAPMAP_STORE", value_parser = crate::load::parse_store)]
    pub store: Option<gapmap_store::Location>,
    /// The collection: sites, settlements, buildings, municipality, parishes, coverage, priority_zones, demand_grid, gap_grid or gap_clusters (required, except for pmtiles, which holds them all).
    #[arg(long)]
    pub layer: Option<String>,
    /// File format.
    #[arg(long, value_enum)]
    pub format: ExportFormat,
    /// CRS of the coordinates: EPSG:4326 (default, longitude/latitude) or EPSG:3059 (LKS-92 easting/northing).
    #[arg(long)]
    pub crs: Option<String>,
    /// The file to write (replaced if it exists), or `-` for stdout.
    #[arg(long)]
    pub out: PathBuf,
}

/// Run `gapmap export`.
pub fn run(a: ExportArgs) -> Result<(), CliError> {
    let format = match a.format {
        ExportFormat::Geojson => Format::GeoJson,
        ExportFormat::Csv => Format::Csv,
        ExportFormat::Gpkg => Format::Gpkg,
        ExportFormat::Pmtiles => return run_pmtiles(a),
    };
    let collection = collection_of(a.layer.as_deref())?;
    let crs = match a.crs.as_deref() {
        None => WGS84,
        Some(s) => {
            export::parse_export_crs(s).map_err(|e| CliError::Usage(format!("--crs: {e}")))?
        }
    };
    let snap =
        crate::load::load_snapshot(a.store, &gapmap_model::thresholds::Thresholds::default())?;
    let prepared =
        export::prepare(&snap, collection, crs).map_err(|e| CliError::Other(e.to_string()))?;
    let bar = ProgressBar::new(prepared.meta.count as u64);
    bar.set_style(
        ProgressStyle::with_template("{bar:30} {pos}/{len} features ({per_sec}, {eta})")
            .unwrap_or_else(|_| ProgressStyle::default_bar()),
    );
    if to_stdout(&a.out) {
        return write_stdout(&prepared, format);
    }
    let n = write_file(&prepared, format, &a.out, &bar)?;
    crate::output::say!(
        "{}: {n} features of {} ({}, EPSG:{crs}, snapshot {})",
        a.out.display(),
        collection.id(),
        format.extension(),
        prepared.meta.snapshot_version
    );
    Ok(())
}

/// The collection `--layer` names (required for these formats).
fn collection_of(layer: Option<&str>) -> Result<Collection, CliError> {
    let layer = layer.ok_or_else(|| {
        CliError::Usage(format!(
            "--layer is required for --format geojson, csv and gpkg; use one of: {}",
            Collection::ALL.map(|c| c.id()).join(", ")
        ))
    })?;
    Collection::parse(layer).ok_or_else(|| {
        CliError::Usage(format!(
            "--layer: no collection `{layer}`; use one of: {}",
            Collection::ALL.map(|c| c.id()).join(", ")
        ))
    })
}

/// `--out -`: the export written to stdout.
fn write_stdout(prepared: &Prepared, format: Format) -> Result<(), CliError> {
    let mut w = std::io::BufWriter::with_capacity(1 << 16, std::io::stdout().lock());
    let written = export::write(prepared, format, &mut w, &mut |_| {})
        .and_then(|_| w.flush().map_err(export::ExportError::Io));
    // A reader that closed stdout early (`| head -c 10`) took what it
    // wanted: end quietly with success, as a pipe stage should.
    match written {
        Err(export::ExportError::Io(e)) if crate::output::is_broken_pipe(&e) => Ok(()),
        Err(e) => Err(CliError::Other(format!("stdout: {e}"))),
        Ok(()) => Ok(()),
    }
}

/// The export written to a partial file beside `out` and renamed into
/// place (removed on failure or a signal), the bar showing progress; the
/// number of features written.
fn write_file(
    prepared: &Prepared,
    format: Format,
    out: &Path,
    bar: &ProgressBar,
) -> Result<u64, CliError> {
    let io = |e: std::io::Error| CliError::Other(format!("{}: {e}", out.display()));
    let partial = partial_path(out);
    let cancel = cancel_on_signal();
    let file = std::fs::File::create(&partial).map_err(io)?;
    let mut w = Cancellable {
        inner: std::io::BufWriter::with_capacity(1 << 16, file),
        cancel: Arc::clone(&cancel),
    };
    let result = export::write(prepared, format, &mut w, &mut |n| {
        if n % 1024 == 0 {
            bar.set_position(n);
        }
    });
    let result = result
        .map_err(|e| CliError::Other(e.to_string()))
        .and_then(|n| w.flush().map(|()| n).map_err(io));
    drop(w);
    bar.finish_and_clear();
    match result {
        Ok(n) => {
            std::fs::rename(&partial, out).map_err(io)?;
            Ok(n)
        }
        Err(e) => {
            let _ = std::fs::remove_file(&partial);
            Err(e)
        }
    }
}

/// A flag set by SIGTERM or SIGINT (a second signal ends the process at
/// once, with status 1).
fn cancel_on_signal() -> Arc<AtomicBool> {
    let flag = Arc::new(AtomicBool::new(false));
    for sig in [signal_hook::consts::SIGTERM, signal_hook::consts::SIGINT] {
        let _ = signal_hook::flag::register_conditional_shutdown(sig, 1, Arc::clone(&flag));
        let _ = signal_hook::flag::register(sig, Arc::clone(&flag));
    }
    flag
}

/// A writer that fails once the cancel flag is set, so the export stops
/// and its partial file is removed.
struct Cancellable<W> {
    inner: W,
    cancel: Arc<AtomicBool>,
}

impl<W: std::io::Write> std::io::Write for Cancellable<W> {
    fn write(&mut self, buf: &[u8]) -> std::io::Result<usize> {
        if self.cancel.load(Ordering::Relaxed) {
            // Not ErrorKind::Interrupted: write_all retries those.
            return Err(std::io::Error::other(
                "stopped by a signal; the partial file was removed",
            ));
        }
        self.inner.write(buf)
    }
    fn flush(&mut self) -> std::io::Result<()> {
        self.inner.flush()
    }
}

/// `--out -`: the file goes to stdout.
fn to_stdout(out: &Path) -> bool {
    out.as_os_str() == "-"
}

/// Where a file is written before it is renamed into place, so a failed or
/// killed export never leaves a truncated file under the requested name.
fn partial_path(out: &Path) -> PathBuf {
    out.with_file_name(format!(
        ".{}.partial",
        out.file_name()
            .map(|n| n.to_string_lossy().into_owned())
            .unwrap_or_else(|| "export".into())
    ))
}

/// `--format pmtiles`: the archive `GET /export/tiles.pmtiles` serves for
/// the same store (the same gapmap-tiles code: every tileset, z0–z14).
fn run_pmtiles(a: ExportArgs) -> Result<(), CliError> {
    if let Some(layer) = &a.layer {
        return Err(CliError::Usage(format!(
            "--layer {layer}: a PMTiles export holds every tileset; leave out --layer"
        )));
    }
    if let Some(crs) = &a.crs {
        return Err(CliError::Usage(format!(
            "--crs {crs}: PMTiles are always in Web Mercator tiles (EPSG:3857); leave out --crs"
        )));
    }
    let snap = Arc::new(crate::load::load_snapshot(
        a.store,
        &gapmap_model::thresholds::Thresholds::default(),
    )?);
    let cancel = cancel_on_signal();
    let bar = ProgressBar::new_spinner();
    bar.set_message("building tiles z0–z14 of every tileset");
    bar.enable_steady_tick(std::time::Duration::from_millis(200));
    let bytes =
        gapmap_tiles::pmtiles_out::write_archive(&gapmap_tiles::Prepared::new(Arc::clone(&snap)))
            .map_err(|e| CliError::Other(format!("cannot build the PMTiles archive: {e}")));
    bar.finish_and_clear();
    let bytes = bytes?;
    if cancel.load(Ordering::Relaxed) {
        return Err(CliError::Other(
            "stopped by a signal; nothing was written".into(),
        ));
    }
    if to_stdout(&a.out) {
        let mut o = std::io::stdout().lock();
        return match o.write_all(&bytes).and_then(|()| o.flush()) {
            Err(e) if !crate::output::is_broken_pipe(&e) => {
                Err(CliError::Other(format!("stdout: {e}")))
            }
            _ => Ok(()),
        };
    }
    let io = |e: std::io::Error| CliError::Other(format!("{}: {e}", a.out.display()));
    let partial = partial_path(&a.out);
    let written = std::fs::write(&partial, &bytes).and_then(|()| std::fs::rename(&partial, &a.out));
    if let Err(e) = written {
        let _ = std::fs::remove_file(&partial);
        return Err(io(e));
    }
    crate::output::say!(
        "{}: PMTiles v3 of {} tilesets, z0–z14, {} bytes (snapshot {})",
        a.out.display(),
        Collection::ALL.len(),
        bytes.len(),
        snap.version
    );
    Ok(())
}

#[cfg(test)]
mod tests {
    use clap::CommandFactory;

    /// `gapmap help export` names every published collection.
    #[test]
    fn help_names_every_collection() {
        let cli = crate::cli::Cli::command();
        let export = cli.find_subcommand("export").expect("an export command");
        let layer = export
            .get_arguments()
            .find(|a| a.get_id() == "layer")
            .expect("--layer");
        let help = layer.get_help().map(|h| h.to_string()).unwrap_or_default();
        for c in gapmap_publish::collections::Collection::ALL {
            assert!(
                help.contains(c.id()),
                "`gapmap help export` omits {}: {help}",
                c.id()
            );
        }
    }
}
