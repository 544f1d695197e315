//! Where candidate buildings are missing: for the access points no known
//! building can usefully take, the under-served areas that need one.
//!
//! The residents still far from free Wi-Fi after the plan's points (in
//! scope) are grouped by their EU 1 km cell; a free-Wi-Fi place at a
//! cell's centre would reach those within `near_m` of it. Greedily, the
//! cell whose centre adds the most weight (ties: the lower cell), then the
//! most of what is left, … — one area per access point without a building,
//! each adding residents. Each area names its parish (by geometry), the
//! nearest village, and the nearest municipal buildings (candidates or
//! not): the ones the IT department could name as candidates.

use super::points::{Reach, greedy};
use super::types::Area;
use crate::candidates::{CandidateBuilding, Parishes};
use crate::instance::{FarPoint, RowPeople};
use gapmap_engine::analysis::site_grid::SiteGrid;
use gapmap_engine::snapshot::Snapshot;
use gapmap_geo::crs::{LAEA, Transformer, WGS84};
use geo_types::Point;
use std::collections::BTreeMap;

/// How many municipal buildings an area names.
const NEAREST_BUILDINGS: usize = 3;

/// Up to `n` areas for the far points not `covered` (see the module
/// documentation).
pub fn needing(
    snap: &Snapshot,
    far: &[FarPoint],
    covered: &[bool],
    near_m: f64,
    n: usize,
    municipal: &[CandidateBuilding],
) -> Vec<Area> {
    if n == 0 {
        return Vec::new();
    }
    let left: Vec<FarPoint> = far
        .iter()
        .zip(covered)
        .filter(|(_, c)| !**c)
        .map(|(f, _)| *f)
        .collect();
    let centres = cell_centres(snap, &left);
    let reach = Reach::new(snap, &left, near_m);
    let lists: Vec<Vec<u32>> = centres.iter().map(|c| reach.of(c.1)).collect();
    let mut taken = vec![false; left.len()];
    let picks = greedy(&left, &lists, &mut taken, n, |_, _| true);
    let parishes = Parishes::of(snap);
    let villages = SiteGrid::new(
        &snap
            .settlements_xy
            .iter()
            .enumerate()
            .map(|(k, q)| (k as u32, [q.x(), q.y()]))
            .collect::<Vec<_>>(),
    );
    picks
        .into_iter()
        .enumerate()
        .map(|(r, (k, _, newly))| {
            let mut people = RowPeople::default();
            for i in newly {
                let q = left[i as usize].people();
                people.residents += q.residents;
                people.digitally_underserved += q.digitally_underserved;
                people.in_priority_zone += q.in_priority_zone;
            }
            let (cell, xy, location) = centres[k];
            Area {
                rank: r + 1,
                cell,
                xy,
                location,
                parish_id: parishes.holding(xy, None),
                people,
                place: villages.nearest(xy.x(), xy.y()),
                nearest: nearest_buildings(municipal, xy),
            }
        })
        .collect()
}

/// A 1 km cell (north, east) with its centre in the working CRS and WGS84.
type CellCentre = ((i64, i64), Point<f64>, Point<f64>);

/// The cells of the points, each with its centre (working CRS, WGS84), in
/// cell order.
fn cell_centres(snap: &Snapshot, left: &[FarPoint]) -> Vec<CellCentre> {
    let cells: BTreeMap<(i64, i64), ()> = left
        .iter()
        .map(|f| (snap.facts[f.point as usize].cell(), ()))
        .collect();
    let to_work = Transformer::new(LAEA, snap.working_crs).ok();
    let to_ll = Transformer::new(LAEA, WGS84).ok();
    cells
        .into_keys()
        .filter_map(|(n, e)| {
            let c = gapmap_geo::grid::cell_centre_3035(n, e);
            let w = to_work.as_ref()?.convert(c.x(), c.y()).ok()?;
            let l = to_ll.as_ref()?.convert(c.x(), c.y()).ok()?;
            Some(((n, e), Point::new(w.0, w.1), Point::new(l.0, l.1)))
        })
        .collect()
}

/// The nearest municipal buildings (indices) and their distances.
fn nearest_buildings(municipal: &[CandidateBuilding], xy: Point<f64>) -> Vec<(u32, f64)> {
    let mut d: Vec<(u32, f64)> = municipal
        .iter()
        .enumerate()
        .map(|(k, b)| {
            let m = ((b.xy.x() - xy.x()).powi(2) + (b.xy.y() - xy.y()).powi(2)).sqrt();
            (k as u32, m)
        })
        .collect();
    d.sort_by(|a, b| a.1.total_cmp(&b.1).then(a.0.cmp(&b.0)));
    d.truncate(NEAREST_BUILDINGS);
    d
}
