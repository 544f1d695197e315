//! Polygons simplified for a zoom, kept for the tiles that come after: a
//! large polygon (a parish, a coverage area, a gap cluster) reaches many
//! tiles of a zoom, and each of them cuts it from the same simplified
//! rings. Bounded by the number of coordinates held (16 bytes each); past
//! the budget the least recently used half goes.

use gapmap_publish::collections::Collection;
use std::collections::HashMap;
use std::sync::{Arc, Mutex};

/// Polygon rings in world coordinates, exterior first.
pub(crate) type Poly = Vec<Vec<(f64, f64)>>;

/// A polygon's key: its collection, its item (see
/// `gapmap_publish::items`) and the zoom.
pub(crate) type Key = (Collection, usize, u8);

/// Polygons with fewer coordinates than this are simplified on every use
/// (cheaper than the lock and the map).
const KEEP_FROM: usize = 64;

/// The simplified polygons of one snapshot's tilesets.
#[derive(Debug)]
pub struct Simplified {
    inner: Mutex<Inner>,
    /// Coordinates held at most.
    budget: usize,
}

#[derive(Debug, Default)]
struct Inner {
    map: HashMap<Key, (Arc<Vec<Poly>>, usize, u64)>,
    held: usize,
    tick: u64,
}

fn coords(polys: &[Poly]) -> usize {
    polys.iter().flatten().map(Vec::len).sum()
}

impl Simplified {
    /// A cache holding at most `bytes` of coordinates.
    pub fn new(bytes: usize) -> Simplified {
        Simplified {
            inner: Mutex::new(Inner::default()),
            budget: bytes / 16,
        }
    }

    /// The simplified polygons of `key`, made by `make` unless kept.
    pub(crate) fn get_or_make(&self, key: Key, make: impl FnOnce() -> Vec<Poly>) -> Arc<Vec<Poly>> {
        {
            let mut g = self.inner.lock().unwrap_or_else(|p| p.into_inner());
            g.tick += 1;
            let t = g.tick;
            if let Some(e) = g.map.get_mut(&key) {
                e.2 = t;
                return Arc::clone(&e.0);
            }
        }
        let made = Arc::new(make());
        let n = coords(&made);
        if n >= KEEP_FROM && n <= self.budget {
            let mut g = self.inner.lock().unwrap_or_else(|p| p.into_inner());
            if g.held + n > self.budget {
                g.evict_half();
            }
            g.tick += 1;
            let t = g.tick;
            g.held += n;
            if let Some(old) = g.map.insert(key, (Arc::clone(&made), n, t)) {
                g.held -= old.1;
            }
        }
        made
    }

    /// Forget the polygons of these collections (their layers changed).
    pub fn forget(&self, collections: &[Collection]) {
        let mut g = self.inner.lock().unwrap_or_else(|p| p.into_inner());
        g.map.retain(|k, _| !collections.contains(&k.0));
        g.held = g.map.values().map(|e| e.1).sum();
    }

    /// Coordinates held (for tests and the log).
    pub fn held(&self) -> usize {
        self.inner.lock().unwrap_or_else(|p| p.into_inner()).held
    }
}

impl Inner {
    /// Drop the least recently used half.
    fn evict_half(&mut self) {
        let mut ticks: Vec<u64> = self.map.values().map(|e| e.2).collect();
        ticks.sort_unstable();
        let cut = ticks.get(ticks.len() / 2).copied().unwrap_or(0);
        self.map.retain(|_, e| e.2 > cut);
        self.held = self.map.values().map(|e| e.1).sum();
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn square(n: usize) -> Vec<Poly> {
        vec![vec![(0..n).map(|i| (i as f64, 0.0)).collect()]]
    }

    /// Kept polygons are made once; the budget holds; a changed layer's
    /// polygons go; small ones are never kept.
    #[test]
    fn keeps_within_its_budget() {
        let s = Simplified::new(16 * 1000);
        let mut made = 0;
        for round in 0..2 {
            for item in 0..3 {
                s.get_or_make((Collection::Coverage, item, 8), || {
                    made += 1;
                    square(200)
                });
            }
            assert_eq!(made, 3, "round {round}");
        }
        assert_eq!(s.held(), 600);
        for item in 3..20 {
            s.get_or_make((Collection::Parishes, item, 8), || square(200));
            assert!(s.held() <= 1000);
        }
        s.forget(&[Collection::Parishes]);
        assert!(s.held() <= 600);
        s.get_or_make((Collection::Sites, 0, 8), || square(10));
        s.forget(&[Collection::Coverage]);
        assert_eq!(s.held(), 0);
    }
}
