//! Every tileset of one snapshot, and the tiles cut from them.

use crate::mvt::{LayerBuilder, encode_tile};
use crate::simplified::Simplified;
use crate::tileset::Tileset;
use gapmap_engine::snapshot::Snapshot;
use gapmap_publish::collections::Collection;
use std::sync::Arc;

/// The simplified polygons a [`Prepared`] of its own keeps (the PMTiles
/// export of `gapmap export`, tests): 256 MB.
const OWN_SIMPLIFIED_BYTES: usize = 256 << 20;

/// All tilesets of one snapshot.
#[derive(Debug)]
pub struct Prepared {
    pub version: String,
    pub attribution_version: String,
    tilesets: Vec<Tileset>,
    snap: Arc<Snapshot>,
    simplified: Arc<Simplified>,
}

impl Prepared {
    /// The tilesets of a snapshot, with a cache of simplified polygons of
    /// their own.
    pub fn new(snap: Arc<Snapshot>) -> Prepared {
        Prepared::with_cache(snap, Arc::new(Simplified::new(OWN_SIMPLIFIED_BYTES)))
    }

    /// The tilesets of a snapshot, keeping simplified polygons in `cache`.
    pub fn with_cache(snap: Arc<Snapshot>, simplified: Arc<Simplified>) -> Prepared {
        Prepared {
            version: snap.version.clone(),
            attribution_version: snap.built_at.to_rfc3339(),
            tilesets: Collection::ALL
                .iter()
                .map(|c| Tileset::new(Arc::clone(&snap), *c))
                .collect(),
            snap,
            simplified,
        }
    }

    /// The tileset of a collection.
    pub fn tileset(&self, c: Collection) -> &Tileset {
        &self.tilesets[c.index()]
    }

    pub fn snapshot(&self) -> &Snapshot {
        &self.snap
    }

    /// The snapshot, shared.
    pub fn snapshot_arc(&self) -> &Arc<Snapshot> {
        &self.snap
    }

    /// One tile with one layer per given collection; `None` when empty.
    pub fn tile(&self, collections: &[Collection], z: u8, x: u32, y: u32) -> Option<Vec<u8>> {
        let mut layers = Vec::new();
        for c in collections {
            let mut l = LayerBuilder::new(c.id());
            self.tileset(*c)
                .fill_layer(&mut l, (z, x, y), &self.simplified);
            layers.push(l);
        }
        if layers.iter().all(LayerBuilder::is_empty) {
            None
        } else {
            Some(encode_tile(&layers))
        }
    }
}
