//! Tiles from a snapshot: features of each published collection projected
//! once to world coordinates, an R-tree of their boxes, per-zoom
//! simplification cached lazily, and an LRU of encoded tiles keyed by
//! (snapshot version, tileset, z, x, y) — a new snapshot never serves an
//! old tile.

use crate::prepared::Prepared;
use bytes::Bytes;
use gapmap_engine::snapshot::Snapshot;
use gapmap_publish::collections::Collection;
use std::collections::HashMap;
use std::sync::{Arc, Mutex};

/// An encoded tile: plain and gzipped bytes, or empty. `Bytes`, so a
/// response shares the cached buffer instead of copying it.
#[derive(Debug)]
pub struct CachedTile {
    pub raw: Option<Bytes>,
    pub gzip: Option<Bytes>,
}

type Key = (String, Collection, u8, u32, u32);

/// Per-version preparation plus an LRU tile cache.
#[derive(Debug)]
pub struct TileService {
    prepared: Mutex<Option<Arc<Prepared>>>,
    cache: Mutex<Lru>,
    cache_enabled: bool,
    pmtiles: Mutex<Option<(String, Arc<Vec<u8>>)>>,
    pmtiles_build: Mutex<()>,
}

#[derive(Debug, Default)]
struct Lru {
    map: HashMap<Key, (Arc<CachedTile>, u64)>,
    tick: u64,
    cap: usize,
}

impl Lru {
    fn get(&mut self, k: &Key) -> Option<Arc<CachedTile>> {
        self.tick += 1;
        let t = self.tick;
        self.map.get_mut(k).map(|e| {
            e.1 = t;
            Arc::clone(&e.0)
        })
    }
    fn put(&mut self, k: Key, v: Arc<CachedTile>) {
        self.tick += 1;
        if self.map.len() >= self.cap {
            // evict the older half (amortised O(1) per insert)
            let mut ticks: Vec<u64> = self.map.values().map(|e| e.1).collect();
            ticks.sort_unstable();
            let cut = ticks[ticks.len() / 2];
            self.map.retain(|_, e| e.1 > cut);
        }
        self.map.insert(k, (v, self.tick));
    }
}

impl TileService {
    /// `cache_enabled` false: every tile is built on request (benchmarks).
    pub fn new(cache_enabled: bool, capacity: usize) -> TileService {
        TileService {
            prepared: Mutex::new(None),
            cache: Mutex::new(Lru {
                cap: capacity.max(2),
                ..Lru::default()
            }),
            cache_enabled,
            pmtiles: Mutex::new(None),
            pmtiles_build: Mutex::new(()),
        }
    }

    /// From the environment: `GAPMAP_TILE_CACHE=0` disables the tile cache,
    /// `GAPMAP_TILE_CACHE_SIZE` sets its capacity (default 20 000 tiles).
    pub fn from_env() -> TileService {
        let enabled = std::env::var("GAPMAP_TILE_CACHE")
            .map(|v| v != "0" && v != "false")
            .unwrap_or(true);
        let cap = std::env::var("GAPMAP_TILE_CACHE_SIZE")
            .ok()
            .and_then(|v| v.parse().ok())
            .unwrap_or(20_000);
        TileService::new(enabled, cap)
    }

    /// The preparation for this snapshot (built when the version changes).
    pub fn prepared(&self, snap: &Arc<Snapshot>) -> Arc<Prepared> {
        let mut g = self.prepared.lock().unwrap_or_else(|p| p.into_inner());
        if let Some(p) = g.as_ref()
            && p.version == snap.version
        {
            return Arc::clone(p);
        }
        let p = Arc::new(Prepared::new(Arc::clone(snap)));
        *g = Some(Arc::clone(&p));
        // drop tiles of older versions
        let mut c = self.cache.lock().unwrap_or_else(|p| p.into_inner());
        c.map.retain(|k, _| k.0 == snap.version);
        p
    }

    /// One tileset's tile, cached per version.
    pub fn tile(
        &self,
        snap: &Arc<Snapshot>,
        c: Collection,
        z: u8,
        x: u32,
        y: u32,
    ) -> Arc<CachedTile> {
        if let Some(t) = self.cached(snap, c, z, x, y) {
            return t;
        }
        let key: Key = (snap.version.clone(), c, z, x, y);
        let p = self.prepared(snap);
        let raw = p.tile(&[c], z, x, y);
        let gzip = raw.as_deref().map(|r| Bytes::from(gzip(r)));
        let t = Arc::new(CachedTile {
            raw: raw.map(Bytes::from),
            gzip,
        });
        if self.cache_enabled {
            self.cache
                .lock()
                .unwrap_or_else(|p| p.into_inner())
                .put(key, Arc::clone(&t));
        }
        t
    }

    /// The tile if it is in the cache (cheap: callers try this before
    /// handing the build to a worker thread).
    pub fn cached(
        &self,
        snap: &Snapshot,
        c: Collection,
        z: u8,
        x: u32,
        y: u32,
    ) -> Option<Arc<CachedTile>> {
        if !self.cache_enabled {
            return None;
        }
        let key: Key = (snap.version.clone(), c, z, x, y);
        self.cache
            .lock()
            .unwrap_or_else(|p| p.into_inner())
            .get(&key)
    }

    /// The PMTiles archive of all tilesets, built once per version.
    pub fn pmtiles(&self, snap: &Arc<Snapshot>) -> Result<Arc<Vec<u8>>, String> {
        let _one = self.pmtiles_build.lock().unwrap_or_else(|p| p.into_inner());
        if let Some((v, b)) = self
            .pmtiles
            .lock()
            .unwrap_or_else(|p| p.into_inner())
            .as_ref()
            && *v == snap.version
        {
            return Ok(Arc::clone(b));
        }
        let p = self.prepared(snap);
        let bytes = Arc::new(crate::pmtiles_out::write_archive(&p)?);
        *self.pmtiles.lock().unwrap_or_else(|p| p.into_inner()) =
            Some((snap.version.clone(), Arc::clone(&bytes)));
        Ok(bytes)
    }
}

/// gzip bytes (level 6).
pub fn gzip(data: &[u8]) -> Vec<u8> {
    use std::io::Write;
    let mut e = flate2::write::GzEncoder::new(Vec::new(), flate2::Compression::default());
    let _ = e.write_all(data);
    e.finish().unwrap_or_default()
}
