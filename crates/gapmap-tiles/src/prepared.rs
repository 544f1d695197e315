//! Every tileset of one snapshot, and the tiles cut from them.

use crate::mvt::{LayerBuilder, encode_tile};
use crate::tileset::Tileset;
use gapmap_engine::snapshot::Snapshot;
use gapmap_publish::collections::Collection;
use std::sync::{Arc, OnceLock};

/// All tilesets of one snapshot.
#[derive(Debug)]
pub struct Prepared {
    pub version: String,
    pub attribution_version: String,
    tilesets: Vec<OnceLock<Tileset>>,
    snap: Arc<Snapshot>,
}

impl Prepared {
    pub fn new(snap: Arc<Snapshot>) -> Prepared {
        Prepared {
            version: snap.version.clone(),
            attribution_version: snap.built_at.to_rfc3339(),
            tilesets: Collection::ALL.iter().map(|_| OnceLock::new()).collect(),
            snap,
        }
    }

    /// The tileset of a collection, built on first use.
    pub fn tileset(&self, c: Collection) -> &Tileset {
        let i = Collection::ALL.iter().position(|x| *x == c).unwrap_or(0);
        self.tilesets[i].get_or_init(|| Tileset::build(&self.snap, c))
    }

    pub fn snapshot(&self) -> &Snapshot {
        &self.snap
    }

    /// One tile with one layer per given collection; `None` when empty.
    pub fn tile(&self, collections: &[Collection], z: u8, x: u32, y: u32) -> Option<Vec<u8>> {
        let mut layers = Vec::new();
        for c in collections {
            let mut l = LayerBuilder::new(c.id());
            self.tileset(*c).fill_layer(&mut l, z, x, y);
            layers.push(l);
        }
        if layers.iter().all(LayerBuilder::is_empty) {
            None
        } else {
            Some(encode_tile(&layers))
        }
    }
}
