//! `gapmap store copy FROM TO`.

use crate::cli::StoreCommand;
use crate::error::{CliError, other};
use gapmap_store::Store;
use gapmap_store::copy::{CopyError, copy};

pub(crate) fn run(c: StoreCommand) -> Result<(), CliError> {
    let StoreCommand::Copy { from, to, json } = c;
    let source = crate::load::existing_store(Some(from))?;
    let src = Store::open_read_only(&source).map_err(other)?;
    let mut dst = Store::open(&to).map_err(other)?;
    let report = copy(&src, &mut dst).map_err(|e| match e {
        CopyError::TargetNotEmpty(_)
        | CopyError::TargetHasSideState(..)
        | CopyError::Same { .. } => CliError::Usage(e.to_string()),
        CopyError::Store(e) => other(e),
    })?;
    if json {
        out!("{}", serde_json::to_string_pretty(&report).map_err(other)?);
    } else {
        out!(
            "copied {} → {} (revision {})",
            report.from,
            report.to,
            report.revision
        );
        out!("{:<16} {:>9} {:>9}  checksum", "layer", "source", "target");
        for (table, n) in &report.side_tables {
            out!("{:<16} {:>9} rows", table.trim_start_matches("gapmap_"), n);
        }
        for l in &report.layers {
            out!(
                "{:<16} {:>9} {:>9}  {}",
                l.layer,
                l.source_count,
                l.target_count,
                if l.matches() {
                    &l.target_checksum[..16]
                } else {
                    "DIFFERS"
                }
            );
        }
    }
    if !report.verified() {
        return Err(CliError::Other(format!(
            "the copy in {} does not match {}: the layers marked DIFFERS hold other features; nothing else was changed in the source",
            report.to, report.from
        )));
    }
    Ok(())
}
