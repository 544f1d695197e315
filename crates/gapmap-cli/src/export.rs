//! `gapmap export`: one published collection as GeoJSON, CSV or GeoPackage,
//! the same bytes `GET /export/{layer}.{format}` serves for the same store.

use crate::commands::CliError;
use clap::{Args, ValueEnum};
use gapmap_core::crs::WGS84;
use gapmap_core::export::{self, Format};
use gapmap_core::publish::Collection;
use indicatif::{ProgressBar, ProgressStyle};
use std::io::Write as _;
use std::path::PathBuf;

#[derive(Debug, Clone, Copy, ValueEnum)]
pub enum ExportFormat {
    Geojson,
    Csv,
    Gpkg,
}

#[derive(Debug, Args)]
pub struct ExportArgs {
    /// The GeoPackage store [default: the embedded dataset's default store].
    #[arg(long, env = "GAPMAP_STORE")]
    pub store: Option<PathBuf>,
    /// The collection: sites, municipality, parishes, coverage, priority_zones, demand_grid, gap_grid or gap_clusters.
    #[arg(long)]
    pub layer: String,
    /// File format.
    #[arg(long, value_enum)]
    pub format: ExportFormat,
    /// CRS of the coordinates: EPSG:4326 (default, longitude/latitude) or EPSG:3059 (LKS-92 easting/northing).
    #[arg(long)]
    pub crs: Option<String>,
    /// The file to write (replaced if it exists).
    #[arg(long)]
    pub out: PathBuf,
}

pub fn run(a: ExportArgs) -> Result<(), CliError> {
    let collection = Collection::parse(&a.layer).ok_or_else(|| {
        CliError::Usage(format!(
            "--layer: no collection `{}`; use one of: {}",
            a.layer,
            Collection::ALL.map(|c| c.id()).join(", ")
        ))
    })?;
    let format = match a.format {
        ExportFormat::Geojson => Format::GeoJson,
        ExportFormat::Csv => Format::Csv,
        ExportFormat::Gpkg => Format::Gpkg,
    };
    let crs = match a.crs.as_deref() {
        None => WGS84,
        Some(s) => {
            export::parse_export_crs(s).map_err(|e| CliError::Usage(format!("--crs: {e}")))?
        }
    };
    let snap =
        crate::commands::load_snapshot(a.store, &gapmap_core::config::Thresholds::default())?;
    let prepared =
        export::prepare(&snap, collection, crs).map_err(|e| CliError::Other(e.to_string()))?;
    let bar = ProgressBar::new(prepared.meta.count as u64);
    bar.set_style(
        ProgressStyle::with_template("{bar:30} {pos}/{len} features ({per_sec}, {eta})")
            .unwrap_or_else(|_| ProgressStyle::default_bar()),
    );
    let io = |e: std::io::Error| CliError::Other(format!("{}: {e}", a.out.display()));
    let partial = a.out.with_file_name(format!(
        ".{}.partial",
        a.out
            .file_name()
            .map(|n| n.to_string_lossy().into_owned())
            .unwrap_or_else(|| "export".into())
    ));
    let file = std::fs::File::create(&partial).map_err(io)?;
    let mut w = std::io::BufWriter::with_capacity(1 << 16, file);
    let result = export::write(&prepared, format, &mut w, &mut |n| {
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
            std::fs::rename(&partial, &a.out).map_err(io)?;
            eprintln!(
                "{}: {n} features of {} ({}, EPSG:{crs}, snapshot {})",
                a.out.display(),
                collection.id(),
                format.extension(),
                prepared.meta.snapshot_version
            );
            Ok(())
        }
        Err(e) => {
            let _ = std::fs::remove_file(&partial);
            Err(e)
        }
    }
}
