//! `gapmap store copy FROM TO`: a store moved between GeoPackage and
//! PostGIS (either direction, or file to file) — its layers and the tables
//! beside them ([`crate::copy_side`]) — in one transaction on an empty
//! target, verified afterwards by counts and per-layer checksums of the
//! features' content hashes read back from both stores.

use crate::{FeatureStore, Mode, Store, StoreError};
use gapmap_model::Layer;
use sha2::{Digest, Sha256};

/// What one layer's copy found.
#[derive(Debug, Clone, PartialEq, Eq, serde::Serialize)]
pub struct LayerCheck {
    pub layer: &'static str,
    pub source_count: u64,
    pub target_count: u64,
    /// SHA-256 of the sorted `id<TAB>content hash` lines.
    pub source_checksum: String,
    pub target_checksum: String,
}

impl LayerCheck {
    pub fn matches(&self) -> bool {
        self.source_count == self.target_count && self.source_checksum == self.target_checksum
    }
}

/// The outcome of a copy.
#[derive(Debug, Clone, serde::Serialize)]
pub struct CopyReport {
    pub from: String,
    pub to: String,
    pub revision: i64,
    pub layers: Vec<LayerCheck>,
    /// Rows copied per side table (accounts, audit log, reports, logs).
    pub side_tables: Vec<(&'static str, usize)>,
}

impl CopyReport {
    pub fn verified(&self) -> bool {
        self.layers.iter().all(LayerCheck::matches)
    }
}

/// Why a copy did not happen.
#[derive(Debug, thiserror::Error)]
pub enum CopyError {
    #[error("{0} already holds features; copy into an empty store")]
    TargetNotEmpty(String),
    #[error(
        "{0} already holds {1}; a copy never mixes two stores' accounts, audit logs or reports: copy into an empty store"
    )]
    TargetHasSideState(String, &'static str),
    #[error("{from} and {to} are the same store")]
    Same { from: String, to: String },
    #[error(transparent)]
    Store(#[from] StoreError),
}

/// Copy every layer and side table of `from` into the empty store `to` (one
/// transaction), keep the source's store id and revision (the same data,
/// so the same versions and ETags), then verify both by counts and
/// checksums.
pub fn copy(from: &Store, to: &mut Store) -> Result<CopyReport, CopyError> {
    let (from_at, to_at) = (from.location(), to.location());
    if from_at == to_at {
        return Err(CopyError::Same {
            from: from_at.to_string(),
            to: to_at.to_string(),
        });
    }
    if !is_empty(to)? {
        return Err(CopyError::TargetNotEmpty(to_at.to_string()));
    }
    let revision = from.revision()?;
    let store_id = from.meta("store_id")?.unwrap_or_default();
    let layer_revs = from.layer_revisions()?;
    let side = read_side(from)?;
    let mut w = to.writer()?;
    // The side tables first: their ids are kept, and the ingest log rows
    // this copy writes must come after the copied ones.
    if let Some(t) = crate::copy_side::any_in(w.sql())? {
        return Err(CopyError::TargetHasSideState(to_at.to_string(), t));
    }
    crate::copy_side::write(w.sql(), &side)?;
    for layer in Layer::ALL {
        let mut lw = w.begin_layer(layer, Mode::Replace)?;
        let mut failed = None;
        from.for_each_record(layer, &mut |r| match w.put(&mut lw, &r) {
            Ok(()) => true,
            Err(e) => {
                failed = Some(e);
                false
            }
        })?;
        if let Some(e) = failed {
            return Err(e.into());
        }
        w.end_layer(lw, &format!("store copy from {from_at}"), "store")?;
    }
    w.set_meta("store_id", &store_id)?;
    w.set_meta("revision", &revision.to_string())?;
    for (layer, rev) in layer_revs {
        w.set_meta(&format!("layer_rev:{}", layer.name()), &rev.to_string())?;
    }
    w.commit(false)?;
    if let Store::Pg(s) = to {
        s.refresh();
    }
    let layers = Layer::ALL
        .iter()
        .map(|&l| check(from, to, l))
        .collect::<Result<Vec<_>, _>>()?;
    Ok(CopyReport {
        from: from_at.to_string(),
        to: to_at.to_string(),
        revision,
        layers,
        side_tables: side.counts(),
    })
}

/// The source's side tables, read in one go.
fn read_side(from: &Store) -> Result<crate::copy_side::SideRows, StoreError> {
    crate::sql::Db::of(&from.location()).read(|s| crate::copy_side::read(s))
}

fn is_empty(s: &Store) -> Result<bool, StoreError> {
    for layer in Layer::ALL {
        let mut any = false;
        s.for_each_record(layer, &mut |_| {
            any = true;
            false
        })?;
        if any {
            return Ok(false);
        }
    }
    Ok(true)
}

fn check(from: &Store, to: &Store, layer: Layer) -> Result<LayerCheck, StoreError> {
    let (a, b) = (from.feature_hashes(layer)?, to.feature_hashes(layer)?);
    Ok(LayerCheck {
        layer: layer.name(),
        source_count: a.len() as u64,
        target_count: b.len() as u64,
        source_checksum: checksum(&a),
        target_checksum: checksum(&b),
    })
}

/// SHA-256 of `id\thash\n` lines in byte order of id.
pub fn checksum(pairs: &[(String, String)]) -> String {
    let mut sorted: Vec<&(String, String)> = pairs.iter().collect();
    sorted.sort_by(|x, y| x.0.as_bytes().cmp(y.0.as_bytes()));
    let mut h = Sha256::new();
    for (id, hash) in sorted {
        h.update(id.as_bytes());
        h.update(b"\t");
        h.update(hash.as_bytes());
        h.update(b"\n");
    }
    h.finalize().iter().map(|b| format!("{b:02x}")).collect()
}
