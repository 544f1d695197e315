//! Geometry as it leaves gapmap in GeoJSON (exports, OGC API items, the
//! JSON API): polygon rings by the right-hand rule of RFC 7946 §3.1.6 —
//! exteriors counterclockwise, holes clockwise, as seen with x to the east
//! and y to the north — and coordinates rounded to what the CRS measures
//! sensibly: 1e-7 degrees (about 1 cm) in EPSG:4326/CRS84, 1 mm in a
//! projected CRS (EPSG:3059, EPSG:3857).
//!
//! Orientation is decided in (east, north) order; an answer in an
//! authority axis order that swaps the axes (EPSG:4326 as lat, lon;
//! EPSG:3059 as northing, easting) is oriented first and swapped after.

use gapmap_geo::crs::WGS84;
use geo::MapCoords;
use geo::orient::{Direction, Orient};
use geo_types::{Coord, Geometry, MultiPolygon, Polygon};

/// Decimal places of the coordinates of `crs`: 7 for degrees, 3 for metres.
pub fn decimals(crs: u16) -> i32 {
    if crs == WGS84 { 7 } else { 3 }
}

/// The geometry with its polygon rings by the right-hand rule.
pub fn oriented(g: &Geometry<f64>) -> Geometry<f64> {
    match g {
        Geometry::Polygon(p) => Geometry::Polygon(orient(p)),
        Geometry::MultiPolygon(m) => {
            Geometry::MultiPolygon(MultiPolygon(m.0.iter().map(orient).collect()))
        }
        Geometry::GeometryCollection(gc) => {
            Geometry::GeometryCollection(gc.0.iter().map(oriented).collect::<Vec<_>>().into())
        }
        other => other.clone(),
    }
}

fn orient(p: &Polygon<f64>) -> Polygon<f64> {
    p.orient(Direction::Default)
}

/// The geometry with every coordinate rounded to [`decimals`] of `crs`.
pub fn rounded(g: &Geometry<f64>, crs: u16) -> Geometry<f64> {
    let k = 10f64.powi(decimals(crs));
    g.map_coords(|c| Coord {
        x: (c.x * k).round() / k,
        y: (c.y * k).round() / k,
    })
}

/// [`oriented`], then [`rounded`]: the geometry as published in `crs`
/// (x east, y north).
pub fn published(g: &Geometry<f64>, crs: u16) -> Geometry<f64> {
    rounded(&oriented(g), crs)
}

#[cfg(test)]
mod tests {
    use super::*;
    use geo::{Area, Winding};
    use geo_types::{LineString, polygon};

    /// A square with a hole, both rings wound the same way (clockwise), as
    /// the coverage layer stored them.
    fn clockwise_with_hole() -> Polygon<f64> {
        let outer = LineString::from(vec![
            (0.0, 0.0),
            (0.0, 4.0),
            (4.0, 4.0),
            (4.0, 0.0),
            (0.0, 0.0),
        ]);
        let hole = LineString::from(vec![
            (1.0, 1.0),
            (1.0, 2.0),
            (2.0, 2.0),
            (2.0, 1.0),
            (1.0, 1.0),
        ]);
        Polygon::new(outer, vec![hole])
    }

    #[test]
    fn rings_follow_the_right_hand_rule() {
        let g = oriented(&Geometry::MultiPolygon(MultiPolygon(vec![
            clockwise_with_hole(),
        ])));
        let Geometry::MultiPolygon(m) = g else {
            panic!("not a multipolygon")
        };
        assert!(m.0[0].exterior().is_ccw());
        assert!(m.0[0].interiors()[0].is_cw());
        assert_eq!(m.0[0].unsigned_area(), 15.0);
        let already = polygon![(x: 0.0, y: 0.0), (x: 1.0, y: 0.0), (x: 1.0, y: 1.0)];
        assert_eq!(
            oriented(&Geometry::Polygon(already.clone())),
            Geometry::Polygon(already)
        );
    }

    #[test]
    fn rounds_to_the_precision_of_the_crs() {
        let p = Geometry::Point(geo_types::Point::new(23.123_456_789, 56.000_000_04));
        assert_eq!(
            rounded(&p, WGS84),
            Geometry::Point(geo_types::Point::new(23.123_456_8, 56.0))
        );
        let m = Geometry::Point(geo_types::Point::new(506_079.587_123_456, 311_234.000_4));
        assert_eq!(
            rounded(&m, 3059),
            Geometry::Point(geo_types::Point::new(506_079.587, 311_234.0))
        );
    }
}
