//! The changes as edits of the snapshot's sites: the sites they change,
//! add and remove, positions in the working CRS.

use super::change::Change;
use crate::PlanError;
use gapmap_engine::snapshot::Snapshot;
use gapmap_geo::crs::{Transformer, WGS84};
use gapmap_model::{Site, SiteKind, SiteStatus, Source};
use geo_types::Point;
use std::collections::HashMap;

/// The changes as edits of the snapshot's sites (working-CRS positions).
#[derive(Debug, Default)]
pub(super) struct Edits {
    /// Changed sites: (index, the site after, its position after); each index once.
    pub(super) edited: Vec<(usize, Site, Point<f64>)>,
    /// New sites, in order.
    pub(super) added: Vec<(Site, Point<f64>)>,
    /// Removed sites' indices, sorted and distinct.
    pub(super) removed: Vec<usize>,
}

impl Edits {
    /// The edited copy of site `i` (copied from the snapshot the first time).
    fn edited_site(&mut self, snap: &Snapshot, i: usize) -> &mut (usize, Site, Point<f64>) {
        let k = match self.edited.iter().position(|e| e.0 == i) {
            Some(k) => k,
            None => {
                self.edited
                    .push((i, snap.sites[i].clone(), snap.sites_xy[i]));
                self.edited.len() - 1
            }
        };
        &mut self.edited[k]
    }
}

/// The changes as edits, copying only the sites they change; `site`: a
/// site id's index (the changes name known sites: [`super::parse_changes`]).
pub(super) fn edits(
    snap: &Snapshot,
    site: impl Fn(&str) -> Option<usize>,
    changes: &[Change],
) -> Result<Edits, PlanError> {
    let t = Transformer::for_analysis(WGS84, snap.working_crs)
        .map_err(|e| PlanError::Solver(format!("projection: {e}")))?;
    let project = |p: Point<f64>| -> Result<Point<f64>, PlanError> {
        t.convert(p.x(), p.y())
            .map(|(x, y)| Point::new(x, y))
            .map_err(|e| {
                PlanError::parameter(
                    "features",
                    format!("cannot project ({}, {}): {e}", p.x(), p.y()),
                )
            })
    };
    let known = |id: &str| {
        site(id).ok_or_else(|| PlanError::parameter("features", format!("no site `{id}`")))
    };
    let mut out = Edits::default();
    for c in changes {
        match c {
            Change::Add {
                id,
                name,
                kind,
                free_wifi,
                location,
            } => {
                let s = new_site(snap, id, name, *kind, *free_wifi, *location)?;
                let p = project(*location)?;
                out.added.push((s, p));
            }
            Change::Modify {
                site_id,
                location,
                free_wifi,
                status,
            } => {
                let i = known(site_id)?;
                let (_, s, xy) = out.edited_site(snap, i);
                if let Some(p) = location {
                    s.location = *p;
                    *xy = project(*p)?;
                }
                if let Some(w) = free_wifi {
                    s.free_wifi = Some(*w);
                }
                if let Some(st) = status {
                    s.status = *st;
                }
            }
            Change::Remove { site_id } => out.removed.push(known(site_id)?),
        }
    }
    out.removed.sort_unstable();
    out.removed.dedup();
    Ok(out)
}

/// A hypothetical site (WGS84 `location`), modelled on the snapshot's first
/// site with everything not given cleared.
fn new_site(
    snap: &Snapshot,
    id: &str,
    name: &str,
    kind: SiteKind,
    free_wifi: bool,
    location: Point<f64>,
) -> Result<Site, PlanError> {
    let mut s = snap.sites.first().cloned().ok_or_else(|| {
        PlanError::parameter(
            "features",
            "the snapshot has no sites to model a new one on",
        )
    })?;
    s.id = id.to_owned();
    s.name = name.to_owned();
    s.kind = kind;
    s.free_wifi = Some(free_wifi);
    s.status = SiteStatus::Active;
    s.location = location;
    s.address = None;
    s.parish_id = None;
    s.public_computers = None;
    s.services = Vec::new();
    s.candidate = false;
    s.outside_municipality = false;
    s.provenance.source = Source::Simulated;
    s.provenance.source_ref = "what-if (hypothetical, not stored)".into();
    s.equipment_provenance = None;
    Ok(s)
}

/// Apply changes to the snapshot's sites: the hypothetical sites and their
/// working-CRS positions (the snapshot's, changed ones replaced, new ones
/// appended, removed ones taken out).
pub fn apply(
    snap: &Snapshot,
    changes: &[Change],
) -> Result<(Vec<Site>, Vec<Point<f64>>), PlanError> {
    let by_id: HashMap<&str, usize> = snap
        .sites
        .iter()
        .enumerate()
        .map(|(i, s)| (s.id.as_str(), i))
        .collect();
    let e = edits(snap, |id| by_id.get(id).copied(), changes)?;
    let mut sites: Vec<Site> = snap.sites.as_ref().clone();
    let mut xy: Vec<Point<f64>> = snap.sites_xy.as_ref().clone();
    for (i, s, p) in e.edited {
        sites[i] = s;
        xy[i] = p;
    }
    for (s, p) in e.added {
        sites.push(s);
        xy.push(p);
    }
    let mut k = 0;
    sites.retain(|_| {
        k += 1;
        e.removed.binary_search(&(k - 1)).is_err()
    });
    let mut k = 0;
    xy.retain(|_| {
        k += 1;
        e.removed.binary_search(&(k - 1)).is_err()
    });
    Ok((sites, xy))
}
