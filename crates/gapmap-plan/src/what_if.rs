//! What-if: the change in every gap figure (`/gaps/summary`,
//! `/gaps/parishes`, the clusters) if some sites were added, changed or
//! removed — never written anywhere.
//!
//! Computed incrementally, with the snapshot's own incremental update
//! ([`SiteChange`], as a sites-only edit of the store is):
//!
//! 1. the hypothetical sites: the snapshot's, with the changes applied;
//! 2. the points whose free-Wi-Fi distance can change class: those whose
//!    nearest free Wi-Fi is a removed or changed site ([`Index`]: points by
//!    nearest free-Wi-Fi site), and those within `near_m` of an added or
//!    changed free-Wi-Fi site ([`Index`]: a grid of the points);
//! 3. their free-Wi-Fi facts updated by [`SiteChange::update`] and
//!    classified; the points whose classes change are recounted
//!    ([`aggregate::recount`]) — totals, parishes, cells, clusters.
//!
//! Only the free-Wi-Fi distance enters the gap figures (a resident is near
//! or far; fixed and mobile classes come from coverage), so the other
//! nearest distances are not updated. The result equals a full recompute
//! of the figures (tested against building the snapshot again).

use super::PlanError;
use gapmap_engine::analysis::aggregate::{self, Cluster, ClusterCells, Recount};
use gapmap_engine::analysis::incremental::SiteChange;
use gapmap_engine::analysis::site_grid::SiteGrid;
use gapmap_engine::analysis::{Aggregate, Analysis, Classes, NearestKind, SiteSets, classify, pip};
use gapmap_engine::snapshot::Snapshot;
use gapmap_geo::crs::{Transformer, WGS84};
use gapmap_geo::geometry::{SanityBox, check_coord};
use gapmap_model::{Site, SiteKind, SiteStatus, Source};
use geo_types::{Coord, Point};
use serde_json::{Map, Value, json};
use std::collections::{BTreeMap, HashMap, HashSet};

/// At most this many changes per request.
pub const MAX_CHANGES: usize = 100;

/// One hypothetical change.
#[derive(Debug, Clone, PartialEq)]
pub enum Change {
    /// A new site (WGS84 position).
    Add {
        id: String,
        name: String,
        kind: SiteKind,
        free_wifi: bool,
        location: Point<f64>,
    },
    /// An existing site changed: moved, free Wi-Fi switched, status changed.
    Modify {
        site_id: String,
        location: Option<Point<f64>>,
        free_wifi: Option<bool>,
        status: Option<SiteStatus>,
    },
    /// An existing site gone.
    Remove { site_id: String },
}

fn bad(index: usize, member: &str, message: impl Into<String>) -> PlanError {
    PlanError::Parameter {
        parameter: "features",
        message: format!("features[{index}]{member}: {}", message.into()),
    }
}

/// Features that clash with the sites or with each other (one site named
/// twice, an id taken): a conflict, which no schema of one feature can rule
/// out.
fn clash(index: usize, member: &str, message: impl Into<String>) -> PlanError {
    PlanError::Conflict {
        parameter: "features",
        message: format!("features[{index}]{member}: {}", message.into()),
    }
}

fn point_of(index: usize, f: &Value) -> Result<Option<Point<f64>>, PlanError> {
    match f.get("geometry") {
        None | Some(Value::Null) => Ok(None),
        Some(g) => {
            if g.get("type").and_then(Value::as_str) != Some("Point") {
                return Err(bad(
                    index,
                    ".geometry",
                    "must be a GeoJSON Point (longitude, latitude)",
                ));
            }
            let c = g.get("coordinates").and_then(Value::as_array);
            let xy = c.and_then(|c| Some((c.first()?.as_f64()?, c.get(1)?.as_f64()?)));
            let Some((x, y)) = xy else {
                return Err(bad(
                    index,
                    ".geometry.coordinates",
                    "must be two numbers [longitude, latitude]",
                ));
            };
            if let Some(p) = check_coord(Coord { x, y }, &SanityBox::BALTIC) {
                return Err(bad(
                    index,
                    ".geometry.coordinates",
                    format!("({x}, {y}) is not a position in the Baltic states ({p:?})"),
                ));
            }
            Ok(Some(Point::new(x, y)))
        }
    }
}

/// Read the changes from a GeoJSON FeatureCollection: a feature with
/// `properties.site_id` changes that site (its Point moves it; `free_wifi`,
/// `status` change it; `"remove": true` removes it); one without adds a site
/// at its Point (`kind` default `wifi`, `free_wifi` default true, optional
/// `id` and `name`). Every problem names the feature and member.
pub fn parse_changes(doc: &Value, snap: &Snapshot) -> Result<Vec<Change>, PlanError> {
    if doc.get("type").and_then(Value::as_str) != Some("FeatureCollection") {
        return Err(PlanError::parameter(
            "features",
            "the body must be a GeoJSON FeatureCollection",
        ));
    }
    let Some(features) = doc.get("features").and_then(Value::as_array) else {
        return Err(PlanError::parameter(
            "features",
            "the FeatureCollection needs a `features` array",
        ));
    };
    if features.is_empty() || features.len() > MAX_CHANGES {
        return Err(PlanError::parameter(
            "features",
            format!("give 1 to {MAX_CHANGES} features, not {}", features.len()),
        ));
    }
    let known: HashSet<&str> = snap.sites.iter().map(|s| s.id.as_str()).collect();
    let mut seen: HashSet<String> = HashSet::new();
    let mut out = Vec::with_capacity(features.len());
    for (i, f) in features.iter().enumerate() {
        let empty = Map::new();
        let props = match f.get("properties") {
            Some(Value::Object(m)) => m,
            None | Some(Value::Null) => &empty,
            Some(_) => return Err(bad(i, ".properties", "must be an object")),
        };
        let location = point_of(i, f)?;
        let boolean = |k: &str| -> Result<Option<bool>, PlanError> {
            match props.get(k) {
                None | Some(Value::Null) => Ok(None),
                Some(Value::Bool(b)) => Ok(Some(*b)),
                Some(_) => Err(bad(i, &format!(".properties.{k}"), "must be true or false")),
            }
        };
        let text = |k: &str| -> Result<Option<String>, PlanError> {
            match props.get(k) {
                None | Some(Value::Null) => Ok(None),
                Some(Value::String(s)) if !s.trim().is_empty() => Ok(Some(s.trim().to_owned())),
                Some(_) => Err(bad(
                    i,
                    &format!(".properties.{k}"),
                    "must be a non-empty string",
                )),
            }
        };
        for k in props.keys() {
            if ![
                "site_id",
                "id",
                "name",
                "kind",
                "free_wifi",
                "status",
                "remove",
            ]
            .contains(&k.as_str())
            {
                return Err(bad(
                    i,
                    &format!(".properties.{k}"),
                    "unknown member (site_id, id, name, kind, free_wifi, status, remove)",
                ));
            }
        }
        let change = match text("site_id")? {
            Some(site_id) => {
                if !known.contains(site_id.as_str()) {
                    return Err(bad(
                        i,
                        ".properties.site_id",
                        format!("no site `{site_id}`"),
                    ));
                }
                if !seen.insert(site_id.clone()) {
                    return Err(clash(
                        i,
                        ".properties.site_id",
                        format!("`{site_id}` is changed twice"),
                    ));
                }
                if boolean("remove")? == Some(true) {
                    Change::Remove { site_id }
                } else {
                    let status = match text("status")?.as_deref() {
                        None => None,
                        Some("active") => Some(SiteStatus::Active),
                        Some("planned") => Some(SiteStatus::Planned),
                        Some(other) => {
                            return Err(bad(
                                i,
                                ".properties.status",
                                format!("`{other}` is not active or planned"),
                            ));
                        }
                    };
                    Change::Modify {
                        site_id,
                        location,
                        free_wifi: boolean("free_wifi")?,
                        status,
                    }
                }
            }
            None => {
                let Some(location) = location else {
                    return Err(bad(
                        i,
                        ".geometry",
                        "a new site needs a Point (or give properties.site_id to change a site)",
                    ));
                };
                let kind = match text("kind")? {
                    None => SiteKind::Wifi,
                    Some(k) => serde_json::from_value(json!(k)).map_err(|_| {
                        bad(i, ".properties.kind", format!("`{k}` is not a site kind"))
                    })?,
                };
                let id = text("id")?.unwrap_or_else(|| format!("what-if-{}", i + 1));
                if known.contains(id.as_str()) || !seen.insert(id.clone()) {
                    return Err(clash(
                        i,
                        ".properties.id",
                        format!("`{id}` is already a site id"),
                    ));
                }
                Change::Add {
                    name: text("name")?.unwrap_or_else(|| format!("Hypothetical site {}", i + 1)),
                    id,
                    kind,
                    free_wifi: boolean("free_wifi")?.unwrap_or(true),
                    location,
                }
            }
        };
        out.push(change);
    }
    Ok(out)
}

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
    by_id: HashMap<String, usize>,
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

/// The changes as edits of the snapshot's sites (working-CRS positions).
#[derive(Debug, Default)]
struct Edits {
    /// Changed sites: (index, the site after, its position after); each index once.
    edited: Vec<(usize, Site, Point<f64>)>,
    /// New sites, in order.
    added: Vec<(Site, Point<f64>)>,
    /// Removed sites' indices, sorted and distinct.
    removed: Vec<usize>,
}

/// The changes as edits, copying only the sites they change; `site`: a
/// site id's index (the changes name known sites: [`parse_changes`]).
fn edits(
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
                let mut s = snap.sites.first().cloned().ok_or_else(|| {
                    PlanError::parameter(
                        "features",
                        "the snapshot has no sites to model a new one on",
                    )
                })?;
                s.id = id.clone();
                s.name = name.clone();
                s.kind = *kind;
                s.free_wifi = Some(*free_wifi);
                s.status = SiteStatus::Active;
                s.location = *location;
                s.address = None;
                s.parish_id = None;
                s.public_computers = None;
                s.services = Vec::new();
                s.candidate = false;
                s.outside_municipality = false;
                s.provenance.source = Source::Simulated;
                s.provenance.source_ref = "what-if (hypothetical, not stored)".into();
                s.equipment_provenance = None;
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
                let k = match out.edited.iter().position(|e| e.0 == i) {
                    Some(k) => k,
                    None => {
                        out.edited
                            .push((i, snap.sites[i].clone(), snap.sites_xy[i]));
                        out.edited.len() - 1
                    }
                };
                let (_, s, xy) = &mut out.edited[k];
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
    // Only the free-Wi-Fi distance is updated: only the free-Wi-Fi sites
    // after the changes are needed (the kept ones and the fresh ones).
    let mut wifi: Vec<(u32, [f64; 2])> = index
        .wifi
        .iter()
        .filter_map(|&(i, p)| change.kept(i).map(|j| (j, p)))
        .chain(change.fresh(NearestKind::Wifi).iter().copied())
        .collect();
    wifi.sort_unstable_by_key(|w| w.0);
    let sets = SiteSets::of_kind(NearestKind::Wifi, &wifi);
    let t_sets = clock.elapsed();
    let mut affected: Vec<u32> = Vec::new();
    for &(i, _) in &index.wifi {
        if change.is_gone(i) {
            affected.extend_from_slice(index.nearest_to(i));
        }
    }
    let reach = analysis.thresholds.near_m + pip::BOUNDARY_EPS_M;
    for (_, p) in change.fresh(NearestKind::Wifi) {
        index.grid.within(p[0], p[1], reach, &mut affected);
    }
    affected.sort_unstable();
    affected.dedup();
    let t_affected = clock.elapsed();
    let attrs = snap.prepared.attrs();
    let mut changed: Vec<(usize, Classes)> = Vec::new();
    let (mut newly_near, mut no_longer) = (0u64, 0u64);
    for &i in &affected {
        let i = i as usize;
        let f = change.update(
            &snap.facts[i],
            &snap.demand_xy[i],
            &sets,
            &[NearestKind::Wifi],
        );
        let c = classify(&f, attrs, &analysis.thresholds);
        let old = analysis.classes[i];
        if c != old {
            let r = u64::from(snap.demand[i].residents);
            match (old.public_access, c.public_access) {
                (
                    gapmap_engine::analysis::PublicAccess::Far,
                    gapmap_engine::analysis::PublicAccess::Near,
                ) => newly_near += r,
                (
                    gapmap_engine::analysis::PublicAccess::Near,
                    gapmap_engine::analysis::PublicAccess::Far,
                ) => no_longer += r,
                _ => {}
            }
            changed.push((i, c));
        }
    }
    let recount = aggregate::recount(
        aggregate::Inputs {
            demand: &snap.demand,
            facts: &snap.facts,
            groups: &snap.groups,
            coverage: attrs,
            parishes: &snap.parishes,
            zones: &snap.zones,
            previous: aggregate::Previous::default(),
        },
        analysis,
        &changed,
    );
    tracing::debug!(apply = ?t_apply, change = ?t_change, sets = ?t_sets, affected = ?t_affected, total = ?clock.elapsed(), "what-if phases");
    let sites_changed = change.fresh(NearestKind::Any).len().max(changes.len());
    Ok(Outcome {
        changes,
        recount,
        changed_points: changed.len(),
        examined_points: affected.len(),
        residents_newly_near: newly_near,
        residents_no_longer_near: no_longer,
        sites_changed,
    })
}

/// The figures of `/gaps/summary` for an aggregate and cluster counts.
pub fn summary_figures(
    total: &Aggregate,
    min: u32,
    grid_cells: usize,
    underserved_cells: usize,
    clusters: usize,
    parishes: usize,
) -> Value {
    let mut m = total.to_json(min);
    m.remove("provenance");
    m.insert("parishes".into(), json!(parishes));
    m.insert("grid_cells".into(), json!(grid_cells));
    m.insert("underserved_cells".into(), json!(underserved_cells));
    m.insert("clusters".into(), json!(clusters));
    Value::Object(m)
}

/// after − before for every number (objects recursively; other values skipped).
pub fn difference(before: &Value, after: &Value) -> Value {
    match (before, after) {
        (Value::Object(a), Value::Object(b)) => {
            let mut m = Map::new();
            for (k, vb) in b {
                if let Some(va) = a.get(k) {
                    let d = difference(va, vb);
                    if !d.is_null() {
                        m.insert(k.clone(), d);
                    }
                }
            }
            Value::Object(m)
        }
        (Value::Number(a), Value::Number(b)) => match (a.as_i64(), b.as_i64()) {
            (Some(x), Some(y)) => json!(y - x),
            _ => json!(b.as_f64().unwrap_or(0.0) - a.as_f64().unwrap_or(0.0)),
        },
        _ => Value::Null,
    }
}

/// What became of a cluster before (`old`): the clusters after that hold
/// its cells (`into`, indices into `after`), summed, and a status word.
fn fate(old: &Cluster, after: &[ClusterCells], into: &[usize]) -> Value {
    let du_after: u64 = into.iter().map(|&k| after[k].digitally_underserved).sum();
    let cells_after: usize = into.iter().map(|&k| after[k].cells.len()).sum();
    let du_before = old.aggregate.digitally_underserved;
    let status = match into.len() {
        0 => "gone",
        1 if cells_after > old.cells.len() => "grown",
        1 if cells_after < old.cells.len() => "shrunk",
        1 if du_after < du_before => "fewer_underserved",
        1 if du_after > du_before => "more_underserved",
        1 => "unchanged",
        _ => "split",
    };
    json!({
        "rank_before": old.rank,
        "status": status,
        "cells_before": old.cells.len(),
        "cells_after": cells_after,
        "digitally_underserved_before": du_before,
        "digitally_underserved_after": du_after,
        "ranks_after": into.iter().map(|k| k + 1).collect::<Vec<_>>(),
    })
}

/// How each cluster of the analysis fared: the clusters before that changed
/// (in rank order; `r.changed_base_clusters`) and what their cells became
/// (`r.rebuilt_clusters`), then the clusters after made only of cells that
/// were not under-served before. Unchanged clusters are not visited.
fn cluster_changes(analysis: &Analysis, r: &Recount) -> Value {
    let after = &r.clusters;
    // Whether two sorted cell lists share a cell (the shorter looked up in
    // the longer: a cluster may hold most of the country's cells).
    let share = |a: &[(i64, i64)], b: &[(i64, i64)]| {
        let (short, long) = if a.len() <= b.len() { (a, b) } else { (b, a) };
        short.iter().any(|x| long.binary_search(x).is_ok())
    };
    let mut rows = Vec::new();
    for old in r
        .changed_base_clusters
        .iter()
        .map(|&i| &analysis.clusters[i])
    {
        // What became of its cells: the rebuilt clusters that hold some
        // (parts split off it may hold no changed cell).
        let into: Vec<usize> = r
            .rebuilt_clusters
            .iter()
            .copied()
            .filter(|&k| share(&old.cells, &after[k].cells))
            .collect();
        rows.push(fate(old, after, &into));
    }
    // Clusters made only of cells that were not under-served before.
    let was_under = |c: &(i64, i64)| {
        analysis
            .cell_index(*c)
            .is_some_and(|k| analysis.grid[k].underserved())
    };
    for &k in &r.rebuilt_clusters {
        if !after[k].cells.iter().any(was_under) {
            rows.push(json!({
                "rank_before": null, "status": "new", "cells_before": 0, "cells_after": after[k].cells.len(),
                "digitally_underserved_before": 0, "digitally_underserved_after": after[k].digitally_underserved,
                "ranks_after": [k + 1],
            }));
        }
    }
    json!({"before": analysis.clusters.len(), "after": after.len(), "changed": rows})
}

impl Outcome {
    /// The answer: figures before, after and their difference.
    pub fn to_json(&self, snap: &Snapshot, analysis: &Analysis) -> Value {
        let min = analysis.thresholds.disclosure_min_residents;
        let underserved_before = analysis.underserved_cells();
        let before = summary_figures(
            &analysis.total,
            min,
            analysis.grid.len(),
            underserved_before,
            analysis.clusters.len(),
            analysis.parishes.len(),
        );
        let r = &self.recount;
        let after = summary_figures(
            &r.total,
            min,
            analysis.grid.len(),
            r.underserved_cells,
            r.clusters.len(),
            r.parishes.len(),
        );
        let parishes: Vec<Value> = analysis
            .parishes
            .iter()
            .zip(&r.parishes)
            .map(|(b, a)| {
                let (jb, ja) = (Value::Object(b.aggregate.to_json(min)), Value::Object(a.aggregate.to_json(min)));
                let strip = |mut v: Value| {
                    if let Value::Object(m) = &mut v {
                        m.remove("provenance");
                    }
                    v
                };
                let (jb, ja) = (strip(jb), strip(ja));
                json!({"id": b.id, "name": b.name, "change": difference(&jb, &ja), "before": jb, "after": ja})
            })
            .collect();
        let changes: Vec<Value> = self
            .changes
            .iter()
            .map(|c| match c {
                Change::Add { id, kind, free_wifi, location, .. } => json!({"action": "add", "site_id": id, "kind": kind.as_str(), "free_wifi": free_wifi, "lon": location.x(), "lat": location.y()}),
                Change::Modify { site_id, location, free_wifi, status } => json!({"action": "modify", "site_id": site_id, "moved_to": location.map(|p| [p.x(), p.y()]), "free_wifi": free_wifi, "status": status.map(|s| s.as_str())}),
                Change::Remove { site_id } => json!({"action": "remove", "site_id": site_id}),
            })
            .collect();
        json!({
            "committed": false,
            "changes": changes,
            "residents_newly_near_free_wifi": self.residents_newly_near,
            "residents_no_longer_near_free_wifi": self.residents_no_longer_near,
            "digitally_underserved_change": difference(&json!(analysis.total.digitally_underserved), &json!(r.total.digitally_underserved)),
            "summary": {"change": difference(&before, &after), "before": before, "after": after},
            "parishes": parishes,
            "clusters": cluster_changes(analysis, r),
            "points_examined": self.examined_points,
            "points_changed": self.changed_points,
            "thresholds": analysis.thresholds,
            "snapshot_version": snap.version,
            "note": "hypothetical: nothing is stored; distances are straight-line (planar EPSG:3059 metres)",
        })
    }
}

/// Parishes' digitally under-served residents after an outcome (id → count).
pub fn underserved_by_parish(r: &Recount) -> BTreeMap<String, u64> {
    r.parishes
        .iter()
        .map(|p| (p.id.clone(), p.aggregate.digitally_underserved))
        .collect()
}

#[cfg(test)]
mod tests {
    use super::*;
    use gapmap_engine::analysis::facts;
    use gapmap_engine::snapshot::DEFAULT_WORKING_CRS;
    use gapmap_ingest::{Input, Mode, Options, detect_format, run::ingest_files};
    use gapmap_model::Layer;
    use gapmap_model::thresholds::Thresholds;
    use gapmap_store::gpkg::GpkgStore;
    use rand::{Rng, SeedableRng};
    use std::path::Path;

    pub(crate) fn jelgava_snapshot(dir: &Path) -> Snapshot {
        let mut store = GpkgStore::open(&dir.join("s.gpkg")).expect("store");
        for (file, layer) in [
            ("areas.geojson", Layer::Areas),
            ("priority_zones.geojson", Layer::PriorityZones),
            ("sites.geojson", Layer::Sites),
            ("coverage.geojson", Layer::Coverage),
            ("demand.csv", Layer::Demand),
            ("plan.json", Layer::Plan),
            ("equipment.csv", Layer::Equipment),
            ("visits.csv", Layer::Visits),
        ] {
            let path = Path::new(env!("CARGO_MANIFEST_DIR"))
                .join("../../geodata/jelgava")
                .join(file);
            let input = Input {
                format: detect_format(&path, None).expect("format"),
                path,
            };
            let opts = Options {
                layer: Some(layer),
                ..Options::default()
            };
            let o = ingest_files(&mut store, &[input], &opts, Mode::Replace).expect("ingest");
            assert!(o.committed, "{file}: {:?}", o.problems);
        }
        Snapshot::build(&store, DEFAULT_WORKING_CRS, &Thresholds::default()).expect("snapshot")
    }

    /// The figures from scratch: every fact computed again for the
    /// hypothetical sites, then classified and aggregated.
    fn full(snap: &Snapshot, changes: &[Change], t: &Thresholds) -> Analysis {
        let (sites, xy) = apply(snap, changes).expect("apply");
        let sets = SiteSets::new(&sites, &xy);
        let f = facts::compute(&snap.demand, &snap.demand_xy, &snap.prepared, &sets);
        aggregate::analyse(
            aggregate::Inputs {
                demand: &snap.demand,
                facts: &f,
                groups: &snap.groups,
                coverage: snap.prepared.attrs(),
                parishes: &snap.parishes,
                zones: &snap.zones,
                previous: aggregate::Previous::default(),
            },
            t,
        )
    }

    #[test]
    fn what_if_equals_a_full_recompute() {
        let dir = tempfile::tempdir().expect("tempdir");
        let snap = jelgava_snapshot(dir.path());
        let index = Index::new(&snap);
        let mut rng = rand_chacha::ChaCha8Rng::seed_from_u64(13);
        let wifi: Vec<String> = snap
            .sites
            .iter()
            .filter(|s| s.is_free_wifi())
            .map(|s| s.id.clone())
            .collect();
        let others: Vec<String> = snap
            .sites
            .iter()
            .filter(|s| !s.is_free_wifi())
            .map(|s| s.id.clone())
            .collect();
        let mut moved_some_cluster = false;
        for round in 0..25 {
            let t = if round % 5 == 4 {
                Thresholds {
                    near_m: 3000.0,
                    ..Thresholds::default()
                }
            } else {
                Thresholds::default()
            };
            let analysis = if t == snap.analysis.thresholds {
                snap.analysis.clone()
            } else {
                snap.analyse_with(&t)
            };
            let mut changes = Vec::new();
            for k in 0..rng.gen_range(1..8) {
                match rng.gen_range(0..4) {
                    0 | 1 => changes.push(Change::Add {
                        id: format!("t-{round}-{k}"),
                        name: String::new(),
                        kind: SiteKind::Wifi,
                        free_wifi: true,
                        location: Point::new(
                            rng.gen_range(23.3..24.1),
                            rng.gen_range(56.36..56.85),
                        ),
                    }),
                    2 => {
                        let id = &wifi[rng.gen_range(0..wifi.len())];
                        if !changes.iter().any(|c| matches!(c, Change::Remove { site_id } | Change::Modify { site_id, .. } if site_id == id)) {
                            changes.push(Change::Remove { site_id: id.clone() });
                        }
                    }
                    _ => {
                        let id = &others[rng.gen_range(0..others.len())];
                        if !changes.iter().any(|c| matches!(c, Change::Remove { site_id } | Change::Modify { site_id, .. } if site_id == id)) {
                            changes.push(Change::Modify { site_id: id.clone(), location: None, free_wifi: Some(true), status: None });
                        }
                    }
                }
            }
            let o = check(&snap, &analysis, &index, &changes, &t, round);
            moved_some_cluster |= o
                .recount
                .clusters
                .iter()
                .map(|c| &c.cells)
                .ne(analysis.clusters.iter().map(|c| &c.cells));
        }
        assert!(moved_some_cluster, "some round should change the clusters");
    }

    /// The what-if of `changes` checked against a full recompute: totals,
    /// parishes, clusters (cells, counts, ranking), under-served cells, and
    /// the cluster changes against [`cluster_changes_everywhere`].
    fn check(
        snap: &Snapshot,
        analysis: &Analysis,
        index: &Index,
        changes: &[Change],
        t: &Thresholds,
        round: usize,
    ) -> Outcome {
        let o = evaluate(snap, analysis, index, changes.to_vec()).expect("what-if");
        let (sites, xy) = apply(snap, changes).expect("apply");
        let e = edits(snap, |id| index.by_id.get(id).copied(), changes).expect("edits");
        assert_eq!(
            SiteChange::edited(
                (&snap.sites, &snap.sites_xy),
                &e.edited,
                &e.added,
                &e.removed
            ),
            SiteChange::new((&snap.sites, &snap.sites_xy), (&sites, &xy)),
            "round {round}: site change"
        );
        let want = full(snap, changes, t);
        assert_eq!(o.recount.total, want.total, "round {round}: total");
        for (a, b) in o.recount.parishes.iter().zip(&want.parishes) {
            assert_eq!(
                (&a.id, &a.aggregate),
                (&b.id, &b.aggregate),
                "round {round}: parish"
            );
        }
        let cells: Vec<&Vec<(i64, i64)>> = o.recount.clusters.iter().map(|c| &c.cells).collect();
        let want_cells: Vec<&Vec<(i64, i64)>> = want.clusters.iter().map(|c| &c.cells).collect();
        assert_eq!(cells, want_cells, "round {round}: clusters");
        for (a, b) in o.recount.clusters.iter().zip(&want.clusters) {
            assert_eq!(
                (a.digitally_underserved, a.residents),
                (b.aggregate.digitally_underserved, b.aggregate.residents),
                "round {round}: cluster counts"
            );
        }
        assert_eq!(
            o.recount.underserved_cells,
            want.grid.iter().filter(|c| c.underserved()).count(),
            "round {round}: under-served cells"
        );
        assert_eq!(
            o.recount.changed_cells,
            want.grid
                .iter()
                .zip(&analysis.grid)
                .filter(|(a, b)| a.aggregate().digitally_underserved
                    != b.aggregate().digitally_underserved)
                .map(|(a, _)| a.cell)
                .collect::<Vec<_>>(),
            "round {round}: changed cells"
        );
        assert_eq!(
            cluster_changes(analysis, &o.recount),
            cluster_changes_everywhere(analysis, &o.recount),
            "round {round}: cluster changes"
        );
        o
    }

    /// [`cluster_changes`] by visiting every cluster before and after.
    fn cluster_changes_everywhere(analysis: &Analysis, r: &Recount) -> Value {
        let after = &r.clusters;
        let changed_cells: HashSet<(i64, i64)> = r.changed_cells.iter().copied().collect();
        let touched_new: Vec<usize> = (0..after.len())
            .filter(|&k| after[k].cells.iter().any(|c| changed_cells.contains(c)))
            .collect();
        assert_eq!(touched_new, r.touched_clusters, "touched clusters");
        let mut new_of_cell: HashMap<(i64, i64), usize> = HashMap::new();
        for (k, cluster) in after.iter().enumerate() {
            for &c in &cluster.cells {
                new_of_cell.insert(c, k);
            }
        }
        let mut rows = Vec::new();
        for old in &analysis.clusters {
            let mut into: Vec<usize> = old
                .cells
                .iter()
                .filter_map(|c| new_of_cell.get(c).copied())
                .collect();
            into.sort_unstable();
            into.dedup();
            // Changed: a changed cell, or its cells and counts are not one
            // cluster's after.
            let same = matches!(into.as_slice(), [k] if after[*k].cells == old.cells
                && after[*k].digitally_underserved == old.aggregate.digitally_underserved);
            if same && !old.cells.iter().any(|c| changed_cells.contains(c)) {
                continue;
            }
            rows.push(fate(old, after, &into));
        }
        let was_under = |c: &(i64, i64)| {
            analysis
                .grid
                .binary_search_by(|x| x.cell.cmp(c))
                .is_ok_and(|k| analysis.grid[k].underserved())
        };
        for &k in &touched_new {
            if !after[k].cells.iter().any(was_under) {
                rows.push(json!({
                    "rank_before": null, "status": "new", "cells_before": 0, "cells_after": after[k].cells.len(),
                    "digitally_underserved_before": 0, "digitally_underserved_after": after[k].digitally_underserved,
                    "ranks_after": [k + 1],
                }));
            }
        }
        json!({"before": analysis.clusters.len(), "after": after.len(), "changed": rows})
    }

    /// Sites added in the middle of clusters (splits: a cell with two
    /// under-served neighbours of its cluster stops being under-served) and
    /// free Wi-Fi taken away (removed, switched off, planned, moved), each
    /// checked against a full recompute.
    #[test]
    fn what_if_splits_clusters() {
        let dir = tempfile::tempdir().expect("tempdir");
        let snap = jelgava_snapshot(dir.path());
        let index = Index::new(&snap);
        let mut rng = rand_chacha::ChaCha8Rng::seed_from_u64(29);
        let to_ll = gapmap_geo::crs::Transformer::new(gapmap_geo::crs::LAEA, WGS84).expect("LAEA");
        let wifi: Vec<String> = snap
            .sites
            .iter()
            .filter(|s| s.is_free_wifi())
            .map(|s| s.id.clone())
            .collect();
        let mut splits = 0;
        let mut reported_splits = 0;
        for round in 0..16 {
            // A Wi-Fi reach of 750 m from a cell's centre covers the whole
            // cell (its corners are 707 m away) and little of its neighbours.
            let t = Thresholds {
                near_m: if round % 2 == 0 { 750.0 } else { 1500.0 },
                ..Thresholds::default()
            };
            let analysis = if t == snap.analysis.thresholds {
                snap.analysis.clone()
            } else {
                snap.analyse_with(&t)
            };
            let mut changes = Vec::new();
            if round % 4 < 2 {
                // Splits: Wi-Fi at the centre of middle cells of big clusters.
                let middle = middle_cells(&analysis);
                assert!(!middle.is_empty(), "round {round}: no middle cells");
                for k in 0..rng.gen_range(1..4) {
                    let (n, e) = middle[rng.gen_range(0..middle.len())];
                    let (lon, lat) = to_ll
                        .convert(e as f64 * 1000.0 + 500.0, n as f64 * 1000.0 + 500.0)
                        .expect("to WGS84");
                    changes.push(Change::Add {
                        id: format!("t-{round}-{k}"),
                        name: String::new(),
                        kind: SiteKind::Wifi,
                        free_wifi: true,
                        location: Point::new(lon, lat),
                    });
                }
            } else {
                // Merges: take free Wi-Fi away (removed, switched off, planned).
                let mut ids = wifi.clone();
                for k in 0..rng
                    .gen_range(3..=ids.len().clamp(3, MAX_CHANGES))
                    .min(ids.len())
                {
                    let site_id = ids.swap_remove(rng.gen_range(0..ids.len()));
                    changes.push(match k % 4 {
                        0 => Change::Remove { site_id },
                        3 => Change::Modify {
                            site_id,
                            location: Some(Point::new(
                                rng.gen_range(23.3..24.1),
                                rng.gen_range(56.36..56.85),
                            )),
                            free_wifi: None,
                            status: None,
                        },
                        1 => Change::Modify {
                            site_id,
                            location: None,
                            free_wifi: Some(false),
                            status: None,
                        },
                        _ => Change::Modify {
                            site_id,
                            location: None,
                            free_wifi: None,
                            status: Some(SiteStatus::Planned),
                        },
                    });
                }
            }
            let o = check(&snap, &analysis, &index, &changes, &t, round);
            splits += splits_and_merges(&analysis, &o.recount).0;
            // A split is reported as one (not as "gone" when its parts hold
            // no changed cell).
            let rows = cluster_changes(&analysis, &o.recount);
            reported_splits += rows["changed"]
                .as_array()
                .into_iter()
                .flatten()
                .filter(|r| r["status"] == "split")
                .count();
        }
        assert_eq!(reported_splits, splits, "every split is reported as one");
        // (Jelgava's few free-Wi-Fi sites stand between no two clusters:
        // `what_if_merges_clusters_split_by_sites` makes the merges.)
        assert!(splits > 0, "some round should split a cluster");
    }

    /// Clusters split (cells of one cluster before in several after) and
    /// merged (cells of several clusters before in one after).
    fn splits_and_merges(analysis: &Analysis, r: &Recount) -> (usize, usize) {
        let after_of: HashMap<(i64, i64), usize> = r
            .clusters
            .iter()
            .enumerate()
            .flat_map(|(k, c)| c.cells.iter().map(move |&x| (x, k)))
            .collect();
        let mut splits = 0;
        for old in &analysis.clusters {
            let mut into: Vec<usize> = old
                .cells
                .iter()
                .filter_map(|c| after_of.get(c).copied())
                .collect();
            into.sort_unstable();
            into.dedup();
            splits += usize::from(into.len() > 1);
        }
        let mut merges = 0;
        for c in &r.clusters {
            let mut from: Vec<usize> = c
                .cells
                .iter()
                .filter_map(|&x| analysis.cell_index(x).and_then(|k| analysis.cluster_of(k)))
                .collect();
            from.sort_unstable();
            from.dedup();
            merges += usize::from(from.len() > 1);
        }
        (splits, merges)
    }

    /// The cells of big clusters with at least two neighbours in their cluster.
    fn middle_cells(analysis: &Analysis) -> Vec<(i64, i64)> {
        analysis
            .clusters
            .iter()
            .filter(|c| c.cells.len() >= 3)
            .flat_map(|c| {
                c.cells.iter().copied().filter(|&(n, e)| {
                    [(n + 1, e), (n - 1, e), (n, e + 1), (n, e - 1)]
                        .iter()
                        .filter(|x| c.cells.binary_search(x).is_ok())
                        .count()
                        >= 2
                })
            })
            .collect()
    }

    /// Merges: a store with free-Wi-Fi sites in the middle of clusters
    /// (which split them), and the what-if of removing those sites again.
    #[test]
    fn what_if_merges_clusters_split_by_sites() {
        let dir = tempfile::tempdir().expect("tempdir");
        let snap = jelgava_snapshot(dir.path());
        let t = Thresholds {
            near_m: 750.0,
            ..Thresholds::default()
        };
        let to_ll = gapmap_geo::crs::Transformer::new(gapmap_geo::crs::LAEA, WGS84).expect("LAEA");
        let middle = middle_cells(&snap.analyse_with(&t));
        let path =
            Path::new(env!("CARGO_MANIFEST_DIR")).join("../../geodata/jelgava/sites.geojson");
        let mut doc: Value =
            serde_json::from_str(&std::fs::read_to_string(&path).expect("sites")).expect("json");
        let features = doc["features"].as_array_mut().expect("features");
        let template = features
            .iter()
            .find(|f| f["properties"]["free_wifi"] == true)
            .expect("a free-Wi-Fi site")
            .clone();
        let mut ids = Vec::new();
        for (k, &(n, e)) in middle
            .iter()
            .step_by(middle.len().div_ceil(12).max(1))
            .enumerate()
        {
            let (lon, lat) = to_ll
                .convert(e as f64 * 1000.0 + 500.0, n as f64 * 1000.0 + 500.0)
                .expect("to WGS84");
            let mut f = template.clone();
            let id = format!("splitter-{k}");
            f["properties"]["id"] = json!(id);
            f["geometry"]["coordinates"] = json!([lon, lat]);
            features.push(f);
            ids.push(id);
        }
        let sites = dir.path().join("sites.geojson");
        std::fs::write(&sites, doc.to_string()).expect("write");
        let mut store = GpkgStore::open(&dir.path().join("s.gpkg")).expect("store");
        let input = Input {
            format: detect_format(&sites, None).expect("format"),
            path: sites,
        };
        let opts = Options {
            layer: Some(Layer::Sites),
            ..Options::default()
        };
        let o = ingest_files(&mut store, &[input], &opts, Mode::Replace).expect("ingest");
        assert!(o.committed, "{:?}", o.problems);
        let split =
            Snapshot::build(&store, DEFAULT_WORKING_CRS, &Thresholds::default()).expect("snapshot");
        let analysis = split.analyse_with(&t);
        let index = Index::new(&split);
        let (mut merges, mut round) = (0, 0);
        for chunk in [&ids[..1], &ids[..ids.len() / 2], &ids[..]] {
            let changes: Vec<Change> = chunk
                .iter()
                .map(|id| Change::Remove {
                    site_id: id.clone(),
                })
                .collect();
            let o = check(&split, &analysis, &index, &changes, &t, round);
            merges += splits_and_merges(&analysis, &o.recount).1;
            round += 1;
        }
        assert!(merges > 0, "removing the sites should merge clusters");
    }

    #[test]
    fn nonsense_names_the_feature() {
        let dir = tempfile::tempdir().expect("tempdir");
        let snap = jelgava_snapshot(dir.path());
        for (body, want) in [
            (json!({"type": "Feature"}), "FeatureCollection"),
            (
                json!({"type": "FeatureCollection", "features": []}),
                "1 to 100",
            ),
            (
                json!({"type": "FeatureCollection", "features": [{"type": "Feature", "properties": {}}]}),
                "features[0].geometry",
            ),
            (
                json!({"type": "FeatureCollection", "features": [{"type": "Feature", "geometry": {"type": "Point", "coordinates": [2.35, 48.85]}}]}),
                "features[0].geometry.coordinates",
            ),
            (
                json!({"type": "FeatureCollection", "features": [{"type": "Feature", "properties": {"site_id": "nope"}}]}),
                "no site `nope`",
            ),
            (
                json!({"type": "FeatureCollection", "features": [{"type": "Feature", "geometry": {"type": "Point", "coordinates": [23.7, 56.6]}, "properties": {"colour": "red"}}]}),
                "properties.colour",
            ),
        ] {
            let e = parse_changes(&body, &snap).expect_err("nonsense");
            assert!(e.to_string().contains(want), "{e} should name {want}");
        }
        let many: Vec<Value> = (0..101)
            .map(|_| json!({"type": "Feature", "geometry": {"type": "Point", "coordinates": [23.7, 56.6]}}))
            .collect();
        assert!(
            parse_changes(
                &json!({"type": "FeatureCollection", "features": many}),
                &snap
            )
            .is_err()
        );
    }
}
