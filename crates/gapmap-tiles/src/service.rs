//! Tiles served from the live snapshot: each tile cut on request from the
//! features that reach it ([`crate::Tileset`]), and kept in a cache bounded
//! by memory.
//!
//! The cache (`GAPMAP_TILE_CACHE_MB`, default 96 MB) holds encoded tiles
//! (three quarters) and the polygons simplified for a zoom that tiles are
//! cut from (a quarter; see [`Simplified`]); past its budget the least
//! recently used half goes. `GAPMAP_TILE_CACHE_SIZE` caps the number of
//! tiles too (default 20 000); `GAPMAP_TILE_CACHE=0` cuts every tile anew
//! (benchmarks).
//!
//! When a new snapshot serves, the cached tiles its changes do not reach
//! stay ([`crate::carry`]): after a one-site edit only the tiles around
//! that site (and around the 1 km cells whose counts it changed) are cut
//! again; the coverage, parishes and every other untouched layer keep
//! theirs. A tile is never served for a snapshot it was not right for.

use crate::carry::{Carry, carry};
use crate::mercator::{BUFFER, tile_window};
use crate::prepared::Prepared;
use crate::simplified::Simplified;
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

impl CachedTile {
    /// Memory held, roughly (bytes and bookkeeping).
    fn size(&self) -> usize {
        128 + self.raw.as_ref().map_or(0, Bytes::len) + self.gzip.as_ref().map_or(0, Bytes::len)
    }
}

type Key = (Collection, u8, u32, u32);

/// The default memory budget in MB.
pub const DEFAULT_CACHE_MB: usize = 96;

/// Per-snapshot preparation plus a bounded tile cache.
#[derive(Debug)]
pub struct TileService {
    state: Mutex<State>,
    cache_enabled: bool,
    simplified: Arc<Simplified>,
    pmtiles: Mutex<Option<(String, Arc<Vec<u8>>)>>,
    pmtiles_build: Mutex<()>,
}

/// The snapshot the cached tiles are right for, and the tiles.
#[derive(Debug, Default)]
struct State {
    current: Option<Arc<Prepared>>,
    lru: Lru,
}

#[derive(Debug, Default)]
struct Lru {
    map: HashMap<Key, (Arc<CachedTile>, u64)>,
    tick: u64,
    bytes: usize,
    max_bytes: usize,
    max_tiles: usize,
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
        let size = v.size();
        if self.map.len() >= self.max_tiles || self.bytes + size > self.max_bytes {
            self.evict_half();
        }
        self.bytes += size;
        if let Some(old) = self.map.insert(k, (v, self.tick)) {
            self.bytes -= old.0.size();
        }
    }

    /// Drop the least recently used half (amortised O(1) per insert).
    fn evict_half(&mut self) {
        let mut ticks: Vec<u64> = self.map.values().map(|e| e.1).collect();
        ticks.sort_unstable();
        let cut = ticks.get(ticks.len() / 2).copied().unwrap_or(0);
        self.map.retain(|_, e| e.1 > cut);
        self.recount();
    }

    fn recount(&mut self) {
        self.bytes = self.map.values().map(|e| e.0.size()).sum();
    }
}

impl TileService {
    /// `cache_enabled` false: every tile is cut on request (benchmarks);
    /// at most `max_tiles` tiles and `cache_mb` MB (tiles and simplified
    /// polygons together).
    pub fn new(cache_enabled: bool, max_tiles: usize, cache_mb: usize) -> TileService {
        let bytes = cache_mb.max(1) << 20;
        TileService {
            state: Mutex::new(State {
                current: None,
                lru: Lru {
                    max_tiles: max_tiles.max(2),
                    max_bytes: bytes / 4 * 3,
                    ..Lru::default()
                },
            }),
            cache_enabled,
            simplified: Arc::new(Simplified::new(bytes / 4)),
            pmtiles: Mutex::new(None),
            pmtiles_build: Mutex::new(()),
        }
    }

    /// From the environment: `GAPMAP_TILE_CACHE=0` disables the tile cache,
    /// `GAPMAP_TILE_CACHE_MB` is its memory (default [`DEFAULT_CACHE_MB`]),
    /// `GAPMAP_TILE_CACHE_SIZE` its number of tiles (default 20 000).
    pub fn from_env() -> TileService {
        let enabled = std::env::var("GAPMAP_TILE_CACHE")
            .map(|v| v != "0" && v != "false")
            .unwrap_or(true);
        let number = |name: &str, default: usize| {
            std::env::var(name)
                .ok()
                .and_then(|v| v.parse().ok())
                .unwrap_or(default)
        };
        TileService::new(
            enabled,
            number("GAPMAP_TILE_CACHE_SIZE", 20_000),
            number("GAPMAP_TILE_CACHE_MB", DEFAULT_CACHE_MB),
        )
    }

    /// The preparation for this snapshot. A newer snapshot than the one
    /// the cache holds tiles for takes its place: the tiles its changes
    /// reach go, the others stay. An older one (a request still holding the
    /// snapshot before a reload) gets a preparation of its own, uncached.
    pub fn prepared(&self, snap: &Arc<Snapshot>) -> Arc<Prepared> {
        let mut g = self.state.lock().unwrap_or_else(|p| p.into_inner());
        if let Some(p) = g.current.as_ref() {
            if p.version == snap.version && Arc::ptr_eq(p.snapshot_arc(), snap) {
                return Arc::clone(p);
            }
            if snap.built_at < p.snapshot().built_at {
                return Arc::new(Prepared::with_cache(
                    Arc::clone(snap),
                    Arc::new(Simplified::new(0)),
                ));
            }
        }
        let next = Arc::new(Prepared::with_cache(
            Arc::clone(snap),
            Arc::clone(&self.simplified),
        ));
        let old = g.current.replace(Arc::clone(&next));
        match old {
            Some(old) => self.carry_over(&mut g.lru, old.snapshot(), snap),
            None => g.lru.map.clear(),
        }
        g.lru.recount();
        next
    }

    /// Keep the cached tiles and simplified polygons of `old` that hold
    /// for `new`.
    fn carry_over(&self, lru: &mut Lru, old: &Snapshot, new: &Snapshot) {
        let carries: Vec<Carry> = Collection::ALL
            .iter()
            .map(|c| carry(old, new, *c))
            .collect();
        lru.map
            .retain(|&(c, z, x, y), _| carries[c.index()].keeps(tile_window(z, x, y, BUFFER)));
        let changed: Vec<Collection> = Collection::ALL
            .into_iter()
            .filter(|c| carries[c.index()] != Carry::All)
            .collect();
        self.simplified.forget(&changed);
        tracing::debug!(kept = lru.map.len(), changed = ?changed, "tile cache carried over to a new snapshot");
    }

    /// One tileset's tile, cached while it holds.
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
        let p = self.prepared(snap);
        // The first request for a new snapshot carries the cache over: the
        // tile may be one that stayed.
        if let Some(t) = self.cached(snap, c, z, x, y) {
            return t;
        }
        let raw = p.tile(&[c], z, x, y);
        let gzip = raw.as_deref().map(|r| Bytes::from(gzip(r)));
        let t = Arc::new(CachedTile {
            raw: raw.map(Bytes::from),
            gzip,
        });
        if self.cache_enabled {
            let mut g = self.state.lock().unwrap_or_else(|p| p.into_inner());
            // Only while the tile is right for the cache's snapshot.
            if g.current.as_ref().is_some_and(|cur| Arc::ptr_eq(cur, &p)) {
                g.lru.put((c, z, x, y), Arc::clone(&t));
            }
        }
        t
    }

    /// The tile if it is in the cache for this very snapshot (cheap:
    /// callers try this before handing the cut to a worker thread).
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
        let mut g = self.state.lock().unwrap_or_else(|p| p.into_inner());
        let current = g.current.as_ref()?;
        if !std::ptr::eq(current.snapshot(), snap) {
            return None;
        }
        g.lru.get(&(c, z, x, y))
    }

    /// Tiles cached and their bytes (for tests and the log).
    pub fn cache_use(&self) -> (usize, usize) {
        let g = self.state.lock().unwrap_or_else(|p| p.into_inner());
        (g.lru.map.len(), g.lru.bytes)
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
