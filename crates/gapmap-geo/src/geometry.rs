//! Geometry checks and repairs used by validation: coordinate sanity, the
//! Baltic sanity box, ring closure, self-intersections with their location,
//! and repair with geo's `MakeValid`.

use geo::line_intersection::{LineIntersection, line_intersection};
use geo::{MakeValid, Validation};
use geo_types::{Coord, Line, LineString, MultiPolygon};
use rstar::{AABB, RTree, RTreeObject};

/// A lon/lat box; coordinates outside it are suspicious.
#[derive(Debug, Clone, Copy, PartialEq)]
pub struct SanityBox {
    pub min_lon: f64,
    pub min_lat: f64,
    pub max_lon: f64,
    pub max_lat: f64,
}

impl SanityBox {
    /// Around Estonia, Latvia and Lithuania with a margin.
    pub const BALTIC: SanityBox = SanityBox {
        min_lon: 20.0,
        min_lat: 53.0,
        max_lon: 29.0,
        max_lat: 60.5,
    };
    /// The whole world: no sanity check beyond valid ranges.
    pub const WORLD: SanityBox = SanityBox {
        min_lon: -180.0,
        min_lat: -90.0,
        max_lon: 180.0,
        max_lat: 90.0,
    };

    pub fn contains(&self, lon: f64, lat: f64) -> bool {
        lon >= self.min_lon && lon <= self.max_lon && lat >= self.min_lat && lat <= self.max_lat
    }

    /// Parse `min_lon,min_lat,max_lon,max_lat`.
    pub fn parse(text: &str) -> Result<SanityBox, String> {
        let v: Vec<f64> = text
            .split(',')
            .map(|p| p.trim().parse::<f64>())
            .collect::<Result<_, _>>()
            .map_err(|_| format!("`{text}` is not four numbers min_lon,min_lat,max_lon,max_lat"))?;
        match v.as_slice() {
            [a, b, c, d] if a < c && b < d => Ok(SanityBox {
                min_lon: *a,
                min_lat: *b,
                max_lon: *c,
                max_lat: *d,
            }),
            _ => Err(format!(
                "`{text}` is not a box min_lon,min_lat,max_lon,max_lat"
            )),
        }
    }
}

/// What is wrong with one WGS84 coordinate, if anything.
#[derive(Debug, Clone, PartialEq)]
pub enum CoordProblem {
    NotFinite,
    OutOfRange,
    /// Outside the sanity box, but inside it with x and y swapped.
    Swapped,
    OutsideBox,
}

pub fn check_coord(c: Coord<f64>, sanity: &SanityBox) -> Option<CoordProblem> {
    if !c.x.is_finite() || !c.y.is_finite() {
        return Some(CoordProblem::NotFinite);
    }
    let in_range = c.x.abs() <= 180.0 && c.y.abs() <= 90.0;
    if in_range && sanity.contains(c.x, c.y) {
        return None;
    }
    if sanity.contains(c.y, c.x) {
        return Some(CoordProblem::Swapped);
    }
    if !in_range {
        return Some(CoordProblem::OutOfRange);
    }
    Some(CoordProblem::OutsideBox)
}

struct Seg {
    line: Line<f64>,
    ring: usize,
    index: usize,
    ring_len: usize,
}

impl RTreeObject for Seg {
    type Envelope = AABB<[f64; 2]>;
    fn envelope(&self) -> Self::Envelope {
        AABB::from_corners(
            [
                self.line.start.x.min(self.line.end.x),
                self.line.start.y.min(self.line.end.y),
            ],
            [
                self.line.start.x.max(self.line.end.x),
                self.line.start.y.max(self.line.end.y),
            ],
        )
    }
}

fn adjacent(a: &Seg, b: &Seg) -> bool {
    a.ring == b.ring
        && (a.index.abs_diff(b.index) <= 1
            || (a.index == 0 && b.index + 1 == a.ring_len)
            || (b.index == 0 && a.index + 1 == b.ring_len))
}

/// The first place where rings cross themselves or each other, found with an
/// R-tree of segments (O(n log n) for rings of many thousands of vertices).
/// Touching at a single shared vertex between different rings is allowed.
pub fn find_self_intersection(rings: &[&LineString<f64>]) -> Option<Coord<f64>> {
    let mut segs = Vec::new();
    for (ring, ls) in rings.iter().enumerate() {
        let n = ls.0.len().saturating_sub(1);
        for (index, line) in ls.lines().enumerate() {
            if line.start != line.end {
                segs.push(Seg {
                    line,
                    ring,
                    index,
                    ring_len: n,
                });
            }
        }
    }
    let tree = RTree::bulk_load(segs);
    let mut best: Option<(usize, usize, Coord<f64>)> = None;
    for a in tree.iter() {
        for b in tree.locate_in_envelope_intersecting(&a.envelope()) {
            if (b.ring, b.index) <= (a.ring, a.index) || adjacent(a, b) {
                continue;
            }
            let hit = match line_intersection(a.line, b.line) {
                Some(LineIntersection::SinglePoint {
                    intersection,
                    is_proper,
                }) => (is_proper || a.ring == b.ring).then_some(intersection),
                Some(LineIntersection::Collinear { intersection }) => Some(intersection.start),
                None => None,
            };
            if let Some(at) = hit {
                let key = (a.ring.min(b.ring), a.index.min(b.index));
                if best.is_none_or(|(r, i, _)| key < (r, i)) {
                    best = Some((key.0, key.1, at));
                }
            }
        }
    }
    best.map(|(_, _, at)| at)
}

/// An invalid polygon geometry: what is wrong and, where known, where.
#[derive(Debug, Clone, PartialEq)]
pub struct PolygonProblem {
    pub message: String,
    pub at: Option<Coord<f64>>,
}

/// OGC validity of a multipolygon, with the place of a self-intersection.
pub fn polygon_problems(mp: &MultiPolygon<f64>) -> Vec<PolygonProblem> {
    let errors = mp.validation_errors();
    if errors.is_empty() {
        return Vec::new();
    }
    let rings: Vec<&LineString<f64>> =
        mp.0.iter()
            .flat_map(|p| std::iter::once(p.exterior()).chain(p.interiors()))
            .collect();
    let at = find_self_intersection(&rings);
    let mut seen = std::collections::BTreeSet::new();
    errors
        .iter()
        .map(|e| e.to_string())
        .filter(|m| seen.insert(m.clone()))
        .take(5)
        .map(|message| PolygonProblem { message, at })
        .collect()
}

/// Repair an invalid multipolygon (self-intersections, overlapping parts,
/// rings crossing) into a valid one covering the same area.
pub fn repair_polygons(mp: &MultiPolygon<f64>) -> Result<MultiPolygon<f64>, String> {
    mp.make_valid().map_err(|e| e.to_string())
}

#[cfg(test)]
mod tests {
    use super::*;
    use geo_types::{MultiPolygon, polygon};

    #[test]
    fn bowtie_is_found_at_its_crossing() {
        let bowtie =
            polygon![(x: 0.0, y: 0.0), (x: 2.0, y: 2.0), (x: 2.0, y: 0.0), (x: 0.0, y: 2.0)];
        let problems = polygon_problems(&MultiPolygon(vec![bowtie.clone()]));
        assert_eq!(problems.len(), 1);
        assert!(
            problems[0].message.contains("self-intersection"),
            "{problems:?}"
        );
        assert_eq!(problems[0].at, Some(Coord { x: 1.0, y: 1.0 }));
        let fixed = repair_polygons(&MultiPolygon(vec![bowtie])).unwrap();
        assert!(fixed.is_valid());
        assert_eq!(fixed.0.len(), 2);
    }

    #[test]
    fn valid_square_has_no_problem() {
        let sq = polygon![(x: 0.0, y: 0.0), (x: 1.0, y: 0.0), (x: 1.0, y: 1.0), (x: 0.0, y: 1.0)];
        assert!(polygon_problems(&MultiPolygon(vec![sq])).is_empty());
    }

    #[test]
    fn swapped_coordinates_are_recognised() {
        let b = SanityBox::BALTIC;
        assert_eq!(check_coord(Coord { x: 23.7, y: 56.6 }, &b), None);
        assert_eq!(
            check_coord(Coord { x: 56.6, y: 23.7 }, &b),
            Some(CoordProblem::Swapped)
        );
        assert_eq!(
            check_coord(Coord { x: 2.35, y: 48.85 }, &b),
            Some(CoordProblem::OutsideBox)
        );
        assert_eq!(
            check_coord(
                Coord {
                    x: 523_000.0,
                    y: 6_280_000.0
                },
                &b
            ),
            Some(CoordProblem::OutOfRange)
        );
        assert_eq!(
            check_coord(
                Coord {
                    x: f64::NAN,
                    y: 1.0
                },
                &b
            ),
            Some(CoordProblem::NotFinite)
        );
    }
}
