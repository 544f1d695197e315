//! Resolving demand: the population grid's residents spread over the VZD
//! register's building addresses, and a parish for every point.
//!
//! Rules, per 1 km cell (`cell_id`, the EU grid in EPSG:3035; a point without
//! one is placed by its WGS84 location):
//! - a cell with `population_grid` points and `address_register` points: the
//!   grid's residents are split over the addresses (equal whole shares; the
//!   remainder goes one each to the addresses in id order, so the sum is
//!   exact and the result deterministic) and the grid points are dropped;
//! - a cell with grid points and no address: the grid points stay (at the
//!   cell centre, where the reader put them);
//! - addresses in a cell with no grid point, or whose share is 0, have no
//!   residents and are dropped;
//! - `point` points (CSV or simulated demand) in a cell with a grid point are
//!   dropped (the registers replace them); elsewhere they stay.
//!
//! Then every point without a `parish_id` gets the parish containing it
//! (a point on a shared boundary goes to the first parish by id).
//!
//! Every register address, kept or dropped, also goes to the address list
//! the gazetteer searches ([`AddressPoint`]): its text moves out of the
//! demand point, so it is held once.

use crate::gazetteer::AddressPoint;
use gapmap_geo::crs::{LAEA, Transformer, WGS84};
use gapmap_geo::grid;
use gapmap_model::{Area, AreaKind, DemandOrigin, DemandPoint};
use geo_types::{Coord, MultiPolygon};
use rayon::prelude::*;
use rstar::primitives::{GeomWithData, Line};
use rstar::{AABB, RTree};
use std::collections::HashMap;

/// `origin` of a VZD register address.
pub const ADDRESS_REGISTER: DemandOrigin = DemandOrigin::AddressRegister;
/// `origin` of a population-grid cell centre.
pub const POPULATION_GRID: DemandOrigin = DemandOrigin::PopulationGrid;

/// Resolve demand points (WGS84) against each other and against the parishes
/// (`(parish id, WGS84 multipolygon)`): see the module documentation. Runs in
/// O(n log n) for n points (hash maps by cell; an R-tree of parish edges for
/// point-in-polygon). The points kept keep their input order; the addresses
/// are in input order too.
pub fn resolve_demand(
    mut points: Vec<DemandPoint>,
    parishes: &[(String, MultiPolygon<f64>)],
) -> (Vec<DemandPoint>, Vec<AddressPoint>) {
    let cells = effective_cells(&points);
    let index = (!parishes.is_empty()).then(|| ParishIndex::new(parishes));
    let (addresses, located) = take_addresses(&mut points, parishes, index.as_ref());
    let mut by_cell = CellIndex::new(&points, &cells);
    let share = by_cell.shares(&points);
    let (mut out, tried_out) = keep(points, &by_cell, &share, &located, parishes);
    if let Some(index) = &index {
        for (p, _) in out
            .iter_mut()
            .zip(&tried_out)
            .filter(|(p, tried)| p.parish_id.is_none() && !**tried)
        {
            p.parish_id = index
                .locate(p.location.x(), p.location.y())
                .map(str::to_owned);
        }
    }
    (out, addresses)
}

/// In `located`: a point not located by [`take_addresses`].
const UNTRIED: u16 = AddressPoint::NO_PARISH - 1;

/// Move every addressed point's text to the address list, with its parish:
/// given, or located once (and reused for the points that are kept). The
/// second list is the parish rank of each point located here, `NO_PARISH`
/// when outside every parish, `UNTRIED` when not located here (empty when
/// none was).
fn take_addresses(
    points: &mut [DemandPoint],
    parishes: &[(String, MultiPolygon<f64>)],
    index: Option<&ParishIndex>,
) -> (Vec<AddressPoint>, Vec<u16>) {
    let rank_of: HashMap<&str, u16> = parishes
        .iter()
        .enumerate()
        .filter_map(|(i, (id, _))| Some((id.as_str(), u16::try_from(i).ok()?)))
        .collect();
    let located = locate_addresses(points, index, &rank_of);
    let mut addresses = Vec::new();
    for (i, p) in points.iter_mut().enumerate() {
        let Some(text) = p.address.take() else {
            continue;
        };
        let parish = match &p.parish_id {
            Some(id) => rank_of.get(id.as_str()).copied(),
            None => located
                .get(i)
                .copied()
                .filter(|&r| r != UNTRIED && r != AddressPoint::NO_PARISH),
        };
        addresses.push(AddressPoint {
            text,
            location: p.location,
            parish: parish.unwrap_or(AddressPoint::NO_PARISH),
        });
    }
    (addresses, located)
}

/// The parish rank of every addressed point without a `parish_id`,
/// located in parallel (`NO_PARISH` outside every parish); `UNTRIED` for
/// the other points; empty when none was located.
fn locate_addresses(
    points: &[DemandPoint],
    index: Option<&ParishIndex>,
    rank_of: &HashMap<&str, u16>,
) -> Vec<u16> {
    let Some(ix) = index else {
        return Vec::new();
    };
    let wanted = |p: &DemandPoint| p.address.is_some() && p.parish_id.is_none();
    if !points.iter().any(wanted) {
        return Vec::new();
    }
    points
        .par_iter()
        .map(|p| {
            if !wanted(p) {
                return UNTRIED;
            }
            ix.locate(p.location.x(), p.location.y())
                .and_then(|id| rank_of.get(id).copied())
                .unwrap_or(AddressPoint::NO_PARISH)
        })
        .collect()
}

/// Residents of the grid, and the addresses, of one cell.
#[derive(Default)]
struct Cell {
    grid_residents: u64,
    has_grid: bool,
    addresses: Vec<usize>,
}

/// A 1 km cell: (northing km, easting km) of its lower-left corner.
type CellKey = (i64, i64);

/// The cell of every point and what each cell holds.
struct CellIndex<'a> {
    of_point: &'a [Option<CellKey>],
    cells: HashMap<CellKey, Cell>,
}

impl<'a> CellIndex<'a> {
    /// Sum the grid's residents and list the addresses of each cell.
    fn new(points: &[DemandPoint], of_point: &'a [Option<CellKey>]) -> CellIndex<'a> {
        let mut cells: HashMap<CellKey, Cell> = HashMap::new();
        for (i, p) in points.iter().enumerate() {
            let Some(c) = of_point[i] else {
                continue;
            };
            match p.origin {
                POPULATION_GRID => {
                    let cell = cells.entry(c).or_default();
                    cell.has_grid = true;
                    cell.grid_residents += u64::from(p.residents);
                }
                ADDRESS_REGISTER => cells.entry(c).or_default().addresses.push(i),
                _ => {}
            }
        }
        CellIndex { of_point, cells }
    }

    /// The residents each kept address receives (its cell's addresses
    /// sorted by id).
    fn shares(&mut self, points: &[DemandPoint]) -> HashMap<usize, u32> {
        let mut share: HashMap<usize, u32> = HashMap::new();
        for cell in self.cells.values_mut() {
            if !cell.has_grid || cell.addresses.is_empty() {
                continue;
            }
            cell.addresses
                .sort_by(|a, b| points[*a].id.cmp(&points[*b].id));
            let k = cell.addresses.len() as u64;
            let (base, rem) = (cell.grid_residents / k, cell.grid_residents % k);
            for (j, &i) in cell.addresses.iter().enumerate() {
                let n = base + u64::from((j as u64) < rem);
                share.insert(i, u32::try_from(n).unwrap_or(u32::MAX));
            }
        }
        share
    }

    /// The cell of point `i`, if it has one.
    fn of(&self, i: usize) -> Option<&Cell> {
        self.of_point[i].and_then(|c| self.cells.get(&c))
    }
}

/// The points kept by the module's rules (addresses with their `share` of
/// residents), each given the parish it was `located` in; with whether it
/// was located (`tried`).
fn keep(
    points: Vec<DemandPoint>,
    cells: &CellIndex,
    share: &HashMap<usize, u32>,
    located: &[u16],
    parishes: &[(String, MultiPolygon<f64>)],
) -> (Vec<DemandPoint>, Vec<bool>) {
    let mut out = Vec::with_capacity(points.len());
    let mut tried_out = Vec::with_capacity(points.len());
    for (i, mut p) in points.into_iter().enumerate() {
        let mut tried = false;
        if p.parish_id.is_none()
            && let Some(&rank) = located.get(i)
            && rank != UNTRIED
        {
            tried = true;
            p.parish_id = parishes.get(usize::from(rank)).map(|(id, _)| id.clone());
        }
        let keep = match p.origin {
            POPULATION_GRID => cells.of(i).is_none_or(|c| c.addresses.is_empty()),
            ADDRESS_REGISTER => match share.get(&i) {
                Some(&n) if n > 0 => {
                    p.residents = n;
                    true
                }
                _ => false,
            },
            _ => !cells.of(i).is_some_and(|c| c.has_grid),
        };
        if keep {
            out.push(p);
            tried_out.push(tried);
        }
    }
    (out, tried_out)
}

/// The parishes of `areas`, `(id, WGS84 multipolygon)`, as
/// [`resolve_demand`] and [`ParishIndex`] take them.
pub(super) fn parish_polygons(areas: &[Area]) -> Vec<(String, MultiPolygon<f64>)> {
    areas
        .iter()
        .filter(|a| a.kind == AreaKind::Parish)
        .map(|a| (a.id.clone(), a.geometry.clone()))
        .collect()
}

/// The 1 km cell of every point: its `cell_id` (either INSPIRE form; two
/// ids of one cell are the same key), else the cell of its location.
fn effective_cells(points: &[DemandPoint]) -> Vec<Option<CellKey>> {
    let mut to_laea: Option<Option<Transformer>> = None;
    points
        .iter()
        .map(|p| {
            if let Some(c) = p.cell_id.as_deref().and_then(grid::parse_cell_id) {
                return Some(c);
            }
            let t = to_laea
                .get_or_insert_with(|| Transformer::new(WGS84, LAEA).ok())
                .as_ref()?;
            let (x, y) = t.convert(p.location.x(), p.location.y()).ok()?;
            Some(grid::cell_of(x, y))
        })
        .collect()
}

/// Point-in-polygon over many parishes: an R-tree of every ring edge, queried
/// with a ray from the point to the east (even-odd rule), so a query costs
/// the edges near the ray rather than every vertex of the candidates.
pub(crate) struct ParishIndex<'a> {
    /// Parish ids; the tree stores an index into this.
    ids: Vec<&'a str>,
    /// Rank of each parish in id order (boundary ties go to the lowest).
    rank: Vec<usize>,
    edges: RTree<GeomWithData<Line<[f64; 2]>, usize>>,
    max_x: f64,
}

impl<'a> ParishIndex<'a> {
    pub(crate) fn new(parishes: &'a [(String, MultiPolygon<f64>)]) -> ParishIndex<'a> {
        let ids: Vec<&str> = parishes.iter().map(|(id, _)| id.as_str()).collect();
        let mut order: Vec<usize> = (0..ids.len()).collect();
        order.sort_by(|a, b| ids[*a].cmp(ids[*b]).then(a.cmp(b)));
        let mut rank = vec![0; ids.len()];
        for (r, &i) in order.iter().enumerate() {
            rank[i] = r;
        }
        let mut edges = Vec::new();
        let mut max_x = f64::NEG_INFINITY;
        for (i, (_, mp)) in parishes.iter().enumerate() {
            for poly in &mp.0 {
                for ring in std::iter::once(poly.exterior()).chain(poly.interiors()) {
                    for w in ring.0.windows(2) {
                        let (a, b) = (w[0], w[1]);
                        if a == b {
                            continue;
                        }
                        max_x = max_x.max(a.x).max(b.x);
                        edges.push(GeomWithData::new(Line::new([a.x, a.y], [b.x, b.y]), i));
                    }
                    // An unclosed ring is closed implicitly.
                    if let (Some(&first), Some(&last)) = (ring.0.first(), ring.0.last())
                        && first != last
                    {
                        edges.push(GeomWithData::new(
                            Line::new([last.x, last.y], [first.x, first.y]),
                            i,
                        ));
                    }
                }
            }
        }
        ParishIndex {
            ids,
            rank,
            edges: RTree::bulk_load(edges),
            max_x,
        }
    }

    /// The id of the parish containing (x, y) (WGS84 lon, lat); a point on
    /// a boundary counts as inside; among several, the first by id.
    pub(crate) fn locate(&self, x: f64, y: f64) -> Option<&'a str> {
        if !x.is_finite() || !y.is_finite() || x > self.max_x {
            return None;
        }
        let ray = AABB::from_corners([x, y], [self.max_x, y]);
        // (parish, crossings odd, on boundary)
        let mut hits: Vec<(usize, bool, bool)> = Vec::new();
        for e in self.edges.locate_in_envelope_intersecting(&ray) {
            let (a, b) = (
                Coord {
                    x: e.geom().from[0],
                    y: e.geom().from[1],
                },
                Coord {
                    x: e.geom().to[0],
                    y: e.geom().to[1],
                },
            );
            let slot = match hits.iter().position(|h| h.0 == e.data) {
                Some(s) => s,
                None => {
                    hits.push((e.data, false, false));
                    hits.len() - 1
                }
            };
            if on_segment(a, b, x, y) {
                hits[slot].2 = true;
            } else if (a.y > y) != (b.y > y) {
                let cross_x = a.x + (y - a.y) * (b.x - a.x) / (b.y - a.y);
                if cross_x > x {
                    hits[slot].1 = !hits[slot].1;
                }
            }
        }
        hits.iter()
            .filter(|h| h.1 || h.2)
            .min_by_key(|h| self.rank[h.0])
            .map(|h| self.ids[h.0])
    }
}

/// Whether (x, y) lies on the segment a–b (exactly, up to rounding).
fn on_segment(a: Coord<f64>, b: Coord<f64>, x: f64, y: f64) -> bool {
    let cross = (b.x - a.x) * (y - a.y) - (b.y - a.y) * (x - a.x);
    let scale = (b.x - a.x).abs().max((b.y - a.y).abs()).max(1e-300);
    cross.abs() <= 1e-12 * scale
        && x >= a.x.min(b.x)
        && x <= a.x.max(b.x)
        && y >= a.y.min(b.y)
        && y <= a.y.max(b.y)
}

#[cfg(test)]
mod tests {
    use super::*;
    use gapmap_model::Source;
    use geo::{Contains, Intersects};
    use geo_types::Point;
    use geo_types::{LineString, Polygon};

    /// A point in WGS84 inside the 1 km cell (n, e): its cell centre.
    fn centre(n: i64, e: i64) -> Point<f64> {
        let t = Transformer::new(LAEA, WGS84).unwrap_or_else(|e| panic!("{e}"));
        let c = grid::cell_centre_3035(n, e);
        let (lon, lat) = t.convert(c.x(), c.y()).unwrap_or_else(|e| panic!("{e}"));
        Point::new(lon, lat)
    }

    fn dp(
        id: &str,
        origin: DemandOrigin,
        residents: u32,
        cell: Option<&str>,
        at: Point<f64>,
    ) -> DemandPoint {
        DemandPoint {
            id: id.into(),
            residents,
            parish_id: None,
            cell_id: cell.map(str::to_owned),
            origin,
            address: None,
            location: at,
            source: Source::Official,
        }
    }

    fn square(x0: f64, y0: f64, x1: f64, y1: f64) -> Polygon<f64> {
        Polygon::new(
            LineString::from(vec![(x0, y0), (x1, y0), (x1, y1), (x0, y1), (x0, y0)]),
            vec![],
        )
    }

    fn residents_of(out: &[DemandPoint]) -> Vec<(&str, u32)> {
        out.iter().map(|p| (p.id.as_str(), p.residents)).collect()
    }

    #[test]
    fn spreads_grid_residents_exactly_with_remainder_in_id_order() {
        let c = "1kmN3812E5160";
        let at = centre(3812, 5160);
        let points = vec![
            dp("vzd-3", ADDRESS_REGISTER, 0, Some(c), at),
            dp("grid-1kmN3812E5160", POPULATION_GRID, 11, Some(c), at),
            dp("vzd-1", ADDRESS_REGISTER, 0, Some(c), at),
            dp("vzd-2", ADDRESS_REGISTER, 0, Some(c), at),
            dp("vzd-4", ADDRESS_REGISTER, 0, Some(c), at),
        ];
        let (out, _) = resolve_demand(points, &[]);
        // 11 over 4: 2 each, the remainder 3 to vzd-1, vzd-2, vzd-3.
        assert_eq!(
            residents_of(&out),
            [("vzd-3", 3), ("vzd-1", 3), ("vzd-2", 3), ("vzd-4", 2)]
        );
        assert_eq!(out.iter().map(|p| p.residents).sum::<u32>(), 11);
    }

    #[test]
    fn fewer_residents_than_addresses_drops_the_empty_ones() {
        let c = "CRS3035RES1000mN3812000E5160000"; // either id form
        let at = centre(3812, 5160);
        let points = vec![
            dp("g", POPULATION_GRID, 2, Some("1kmN3812E5160"), at),
            dp("vzd-b", ADDRESS_REGISTER, 0, Some(c), at),
            dp("vzd-a", ADDRESS_REGISTER, 0, Some(c), at),
            dp("vzd-c", ADDRESS_REGISTER, 0, Some(c), at),
        ];
        let (out, _) = resolve_demand(points, &[]);
        assert_eq!(residents_of(&out), [("vzd-b", 1), ("vzd-a", 1)]);
    }

    #[test]
    fn cell_without_address_keeps_its_grid_point_and_lonely_addresses_go() {
        let points = vec![
            dp(
                "grid-1kmN3807E5157",
                POPULATION_GRID,
                230,
                Some("1kmN3807E5157"),
                centre(3807, 5157),
            ),
            dp(
                "vzd-9",
                ADDRESS_REGISTER,
                0,
                Some("1kmN3782E5160"),
                centre(3782, 5160),
            ),
            dp(
                "vzd-10",
                ADDRESS_REGISTER,
                0,
                None,
                Point::new(f64::NAN, f64::NAN),
            ),
        ];
        let (out, _) = resolve_demand(points, &[]);
        assert_eq!(residents_of(&out), [("grid-1kmN3807E5157", 230)]);
    }

    #[test]
    fn simulated_points_are_replaced_only_where_the_grid_is() {
        let points = vec![
            dp(
                "grid-a",
                POPULATION_GRID,
                5,
                Some("1kmN3812E5160"),
                centre(3812, 5160),
            ),
            // No cell_id: placed by its location, inside the grid's cell.
            dp("sim-1", DemandOrigin::Point, 4, None, centre(3812, 5160)),
            dp(
                "sim-2",
                DemandOrigin::Point,
                7,
                Some("1kmN3794E5160"),
                centre(3794, 5160),
            ),
            dp("sim-3", DemandOrigin::Point, 1, None, centre(3700, 5100)),
        ];
        let (out, _) = resolve_demand(points, &[]);
        assert_eq!(
            residents_of(&out),
            [("grid-a", 5), ("sim-2", 7), ("sim-3", 1)]
        );
    }

    #[test]
    fn parishes_by_point_in_polygon_with_holes_and_boundaries() {
        let with_hole = Polygon::new(
            LineString::from(vec![
                (0.0, 0.0),
                (10.0, 0.0),
                (10.0, 10.0),
                (0.0, 10.0),
                (0.0, 0.0),
            ]),
            vec![LineString::from(vec![
                (4.0, 4.0),
                (6.0, 4.0),
                (6.0, 6.0),
                (4.0, 6.0),
                (4.0, 4.0),
            ])],
        );
        let parishes = vec![
            ("zeta-pagasts".to_owned(), MultiPolygon(vec![with_hole])),
            (
                "alfa-pagasts".to_owned(),
                MultiPolygon(vec![square(10.0, 0.0, 20.0, 10.0)]),
            ),
            (
                "hole-pagasts".to_owned(),
                MultiPolygon(vec![
                    square(4.0, 4.0, 6.0, 6.0),
                    square(30.0, 30.0, 31.0, 31.0),
                ]),
            ),
        ];
        let at = |x: f64, y: f64| {
            let mut p = dp(
                "p",
                DemandOrigin::Point,
                1,
                Some("1kmN1E1"),
                Point::new(x, y),
            );
            p.id = format!("{x},{y}");
            p
        };
        let mut pts = vec![
            at(1.0, 1.0),
            at(15.0, 5.0),
            at(5.0, 5.0),
            at(10.0, 5.0),
            at(30.5, 30.5),
            at(50.0, 5.0),
            at(4.0, 5.0),
            at(10.0, 0.0),
        ];
        let mut given = at(1.0, 2.0);
        given.parish_id = Some("kept".into());
        pts.push(given);
        let (out, _) = resolve_demand(pts, &parishes);
        let got: Vec<(&str, Option<&str>)> = out
            .iter()
            .map(|p| (p.id.as_str(), p.parish_id.as_deref()))
            .collect();
        assert_eq!(
            got,
            [
                ("1,1", Some("zeta-pagasts")),
                ("15,5", Some("alfa-pagasts")),
                ("5,5", Some("hole-pagasts")),
                // On the shared edge: the first by id.
                ("10,5", Some("alfa-pagasts")),
                ("30.5,30.5", Some("hole-pagasts")),
                ("50,5", None),
                // On the hole's edge: both the holed parish and the hole.
                ("4,5", Some("hole-pagasts")),
                ("10,0", Some("alfa-pagasts")),
                ("1,2", Some("kept")),
            ]
        );
    }

    #[test]
    fn every_register_address_is_listed_once_with_its_parish() {
        let parishes = vec![
            (
                "a-pagasts".to_owned(),
                MultiPolygon(vec![square(0.0, 0.0, 10.0, 10.0)]),
            ),
            (
                "b-pagasts".to_owned(),
                MultiPolygon(vec![square(10.0, 0.0, 20.0, 10.0)]),
            ),
        ];
        let with = |mut p: DemandPoint, text: &str| {
            p.address = Some(text.into());
            p
        };
        let kept = with(
            dp(
                "vzd-1",
                ADDRESS_REGISTER,
                0,
                Some("1kmN1E1"),
                Point::new(5.0, 5.0),
            ),
            "\"Ķiršu mājas\", A pag.",
        );
        let grid = dp(
            "g",
            POPULATION_GRID,
            3,
            Some("1kmN1E1"),
            Point::new(5.0, 5.0),
        );
        // No grid in its cell: dropped from demand, still an address.
        let dropped = with(
            dp(
                "vzd-2",
                ADDRESS_REGISTER,
                0,
                Some("1kmN2E2"),
                Point::new(15.0, 5.0),
            ),
            "Upes iela 1",
        );
        let mut given = with(
            dp(
                "vzd-3",
                ADDRESS_REGISTER,
                0,
                Some("1kmN2E2"),
                Point::new(15.0, 5.0),
            ),
            "Given",
        );
        given.parish_id = Some("a-pagasts".into());
        let outside = with(
            dp(
                "vzd-4",
                ADDRESS_REGISTER,
                0,
                Some("1kmN2E2"),
                Point::new(50.0, 5.0),
            ),
            "Outside",
        );
        let (out, addresses) = resolve_demand(vec![kept, grid, dropped, given, outside], &parishes);
        assert_eq!(residents_of(&out), [("vzd-1", 3)]);
        assert_eq!(out[0].parish_id.as_deref(), Some("a-pagasts"));
        assert!(out[0].address.is_none(), "the text moved to the list");
        let got: Vec<(&str, u16)> = addresses.iter().map(|a| (&*a.text, a.parish)).collect();
        assert_eq!(
            got,
            [
                ("\"Ķiršu mājas\", A pag.", 0),
                ("Upes iela 1", 1),
                ("Given", 0),
                ("Outside", AddressPoint::NO_PARISH)
            ]
        );
    }

    /// The edge index agrees with geo's Contains/Intersects on a jagged
    /// polygon at many points.
    #[test]
    fn edge_index_agrees_with_geo() {
        let ring: Vec<(f64, f64)> = (0..=60)
            .map(|i| {
                let a = f64::from(i) / 60.0 * std::f64::consts::TAU;
                let r = if i % 2 == 0 { 10.0 } else { 6.0 };
                (r * a.cos(), r * a.sin())
            })
            .collect();
        let star = Polygon::new(LineString::from(ring), vec![]);
        let parishes = vec![("star".to_owned(), MultiPolygon(vec![star.clone()]))];
        let index = ParishIndex::new(&parishes);
        for i in 0..80 {
            for j in 0..80 {
                let (x, y) = (-11.0 + f64::from(i) * 0.277, -11.0 + f64::from(j) * 0.281);
                let p = Point::new(x, y);
                let want = star.contains(&p) || star.intersects(&p);
                assert_eq!(index.locate(x, y).is_some(), want, "({x}, {y})");
            }
        }
    }
}
