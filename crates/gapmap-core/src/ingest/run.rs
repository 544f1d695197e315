//! One ingest: several files, one transaction. Every file is read and
//! validated in full; if any has an error, the transaction is dropped and the
//! store is exactly as before.

use super::problem::Problems;
use super::{FileStats, IngestError, Input, Mode, Options, read_file};
use crate::model::Layer;
use crate::store::Counts;
use crate::store::gpkg::GpkgStore;
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
    store: &mut GpkgStore,
    inputs: &[Input],
    opts: &Options,
    mode: Mode,
) -> Result<Outcome, IngestError> {
    let mut problems = Problems::default();
    let mut files = Vec::new();
    let mut writer = store.writer()?;
    for input in inputs {
        // Equipment and visits name sites: those in the store, as this
        // transaction has left it so far.
        let file_opts = Options {
            layer: opts.layer.or_else(|| default_layer(input)),
            known_sites: Some(Arc::new(writer.ids(Layer::Sites)?)),
            ..opts.clone()
        };
        let mut lw = None;
        // After an error nothing will be committed: validate only.
        let skip_writes = problems.has_errors();
        let (layer, stats) = read_file(input, &file_opts, &mut problems, &mut |record| {
            if skip_writes {
                return Ok(());
            }
            let lw = match &mut lw {
                Some(lw) => lw,
                None => lw.insert(writer.begin_layer(record.layer, mode)?),
            };
            writer.put(lw, &record)?;
            Ok(())
        })?;
        let failed = problems.has_errors();
        let counts = match lw {
            Some(lw) if !failed => {
                writer.end_layer(lw, &super::display_name(&input.path), input.format.name())?
            }
            _ => Counts::default(),
        };
        // Keep validating the remaining files to report every problem.
        files.push(outcome(input, layer, stats, counts));
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

/// Registers always go to the demand layer; other files say (or are inferred).
fn default_layer(input: &Input) -> Option<Layer> {
    match input.format {
        super::Format::VzdAddress | super::Format::CsbGrid => Some(Layer::Demand),
        super::Format::PlanJson => Some(Layer::Plan),
        _ => None,
    }
}
