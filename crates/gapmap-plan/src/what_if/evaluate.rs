//! The gap figures after the changes, computed incrementally (see the
//! module documentation of `what_if`).

use super::change::Change;
use super::edits::edits;
use crate::PlanError;
use gapmap_engine::analysis::aggregate::{self, Recount};
use gapmap_engine::analysis::incremental::SiteChange;
use gapmap_engine::analysis::site_grid::SiteGrid;
use gapmap_engine::analysis::{
    Analysis, Classes, NearestKind, PublicAccess, SiteSets, classify, pip,
};
use gapmap_engine::snapshot::Snapshot;
use std::collections::HashMap;

/// What the what-if needs of one snapshot, built once per snapshot.
#[derive(Debug)]
pub struct Index {
    pub version: String,
    /// Points by their nearest free-Wi-Fi site (compressed rows over site index).
    by_wifi_start: Vec<u32>,
    by_wifi: Vec<u32>,
    /// The demand points (point index, working-CRS position).
    grid: SiteGrid,
    /// Site id → index.
    pub(super) by_id: HashMap<String, usize>,
    /// The free-Wi-Fi sites (site index, working-CRS position).
    wifi: Vec<(u32, [f64; 2])>,
}

impl Index {
    pub fn new(snap: &Snapshot) -> Index {
        let n = snap.sites.len();
        let mut start = vec![0u32; n + 1];
        for f in snap.facts.iter() {
            if let Some(w) = f.nearest(NearestKind::Wifi) {
                start[w.site as usize + 1] += 1;
            }
        }
        for k in 0..n {
            start[k + 1] += start[k];
        }
        let mut fill = start.clone();
        let mut by_wifi = vec![0u32; start[n] as usize];
        for (i, f) in snap.facts.iter().enumerate() {
            if let Some(w) = f.nearest(NearestKind::Wifi) {
                by_wifi[fill[w.site as usize] as usize] = i as u32;
                fill[w.site as usize] += 1;
            }
        }
        Index {
            version: snap.version.clone(),
            by_wifi_start: start,
            by_wifi,
            grid: SiteGrid::new(
                &snap
                    .demand_xy
                    .iter()
                    .enumerate()
                    .map(|(i, p)| (i as u32, [p.x(), p.y()]))
                    .collect::<Vec<_>>(),
            ),
            by_id: snap
                .sites
                .iter()
                .enumerate()
                .map(|(i, s)| (s.id.clone(), i))
                .collect(),
            wifi: snap
                .sites
                .iter()
                .zip(snap.sites_xy.iter())
                .enumerate()
                .filter(|(_, (s, _))| NearestKind::Wifi.includes(s))
                .map(|(i, (_, p))| (i as u32, [p.x(), p.y()]))
                .collect(),
        }
    }

    fn nearest_to(&self, site: u32) -> &[u32] {
        let s = site as usize;
        match (self.by_wifi_start.get(s), self.by_wifi_start.get(s + 1)) {
            (Some(&a), Some(&b)) => &self.by_wifi[a as usize..b as usize],
            _ => &[],
        }
    }
}

/// The figures after the changes.
#[derive(Debug, Clone)]
pub struct Outcome {
    pub changes: Vec<Change>,
    pub recount: Recount,
    /// Points whose classes changed.
    pub changed_points: usize,
    /// Points looked at.
    pub examined_points: usize,
    pub residents_newly_near: u64,
    pub residents_no_longer_near: u64,
    /// Sites in the hypothetical set that differ from the snapshot's.
    pub sites_changed: usize,
}

/// The gap figures after `changes` (see the module documentation), against
/// `analysis` (the snapshot's facts under some thresholds).
pub fn evaluate(
    snap: &Snapshot,
    analysis: &Analysis,
    index: &Index,
    changes: Vec<Change>,
) -> Result<Outcome, PlanError> {
    let clock = std::time::Instant::now();
    let e = edits(snap, |id| index.by_id.get(id).copied(), &changes)?;
    let t_apply = clock.elapsed();
    let change = SiteChange::edited(
        (&snap.sites, &snap.sites_xy),
        &e.edited,
        &e.added,
        &e.removed,
    );
    let t_change = clock.elapsed();
    let sets = SiteSets::of_kind(NearestKind::Wifi, &index.wifi_after(&change));
    let t_sets = clock.elapsed();
    let affected = index.affected(&change, analysis.thresholds.near_m);
    let t_affected = clock.elapsed();
    let moved = reclassify(snap, analysis, &change, &sets, &affected);
    let recount = aggregate::recount(
        aggregate::Inputs {
            demand: &snap.demand,
            facts: &snap.facts,
            groups: &snap.groups,
            coverage: snap.prepared.attrs(),
            parishes: &snap.parishes,
            zones: &snap.zones,
            previous: aggregate::Previous::default(),
        },
        analysis,
        &moved.changed,
    );
    tracing::debug!(apply = ?t_apply, change = ?t_change, sets = ?t_sets, affected = ?t_affected, total = ?clock.elapsed(), "what-if phases");
    let sites_changed = change.fresh(NearestKind::Any).len().max(changes.len());
    Ok(Outcome {
        changes,
        recount,
        changed_points: moved.changed.len(),
        examined_points: affected.len(),
        residents_newly_near: moved.newly_near,
        residents_no_longer_near: moved.no_longer_near,
        sites_changed,
    })
}

impl Index {
    /// The free-Wi-Fi sites after the change (the kept ones and the fresh
    /// ones), by their index after it: only the free-Wi-Fi distance is
    /// updated, so only they are needed.
    fn wifi_after(&self, change: &SiteChange) -> Vec<(u32, [f64; 2])> {
        let mut wifi: Vec<(u32, [f64; 2])> = self
            .wifi
            .iter()
            .filter_map(|&(i, p)| change.kept(i).map(|j| (j, p)))
            .chain(change.fresh(NearestKind::Wifi).iter().copied())
            .collect();
        wifi.sort_unstable_by_key(|w| w.0);
        wifi
    }

    /// The points whose free-Wi-Fi distance can change class: those whose
    /// nearest free Wi-Fi is gone, and those within `near_m` of a fresh
    /// free-Wi-Fi site; sorted and distinct.
    fn affected(&self, change: &SiteChange, near_m: f64) -> Vec<u32> {
        let mut affected: Vec<u32> = Vec::new();
        for &(i, _) in &self.wifi {
            if change.is_gone(i) {
                affected.extend_from_slice(self.nearest_to(i));
            }
        }
        let reach = near_m + pip::BOUNDARY_EPS_M;
        for (_, p) in change.fresh(NearestKind::Wifi) {
            self.grid.within(p[0], p[1], reach, &mut affected);
        }
        affected.sort_unstable();
        affected.dedup();
        affected
    }
}

/// The points whose classes changed, and the residents who came near free
/// Wi-Fi or are no longer near it.
struct Moved {
    changed: Vec<(usize, Classes)>,
    newly_near: u64,
    no_longer_near: u64,
}

/// The affected points' free-Wi-Fi facts updated and classified again.
fn reclassify(
    snap: &Snapshot,
    analysis: &Analysis,
    change: &SiteChange,
    sets: &SiteSets,
    affected: &[u32],
) -> Moved {
    let attrs = snap.prepared.attrs();
    let mut changed: Vec<(usize, Classes)> = Vec::new();
    let (mut newly_near, mut no_longer) = (0u64, 0u64);
    for &i in affected {
        let i = i as usize;
        let f = change.update(
            &snap.facts[i],
            &snap.demand_xy[i],
            sets,
            &[NearestKind::Wifi],
        );
        let c = classify(&f, attrs, &analysis.thresholds);
        let old = analysis.classes[i];
        if c != old {
            let r = u64::from(snap.demand[i].residents);
            match (old.public_access, c.public_access) {
                (PublicAccess::Far, PublicAccess::Near) => newly_near += r,
                (PublicAccess::Near, PublicAccess::Far) => no_longer += r,
                _ => {}
            }
            changed.push((i, c));
        }
    }
    Moved {
        changed,
        newly_near,
        no_longer_near: no_longer,
    }
}
