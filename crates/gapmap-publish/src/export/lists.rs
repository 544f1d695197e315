//! The nested coordinate lists WKT and GeoJSON both write: a line is a list
//! of coordinates, a polygon a list of rings, a multi-geometry a list of its
//! parts; each list between brackets, its items separated.

use geo_types::{Coord, LineString, Polygon};

/// The punctuation of a format's lists and how it writes one coordinate.
pub(super) struct Lists {
    pub(super) open: char,
    pub(super) separator: &'static str,
    pub(super) close: char,
    pub(super) coord: fn(&mut String, Coord<f64>, u16),
}

impl Lists {
    /// Items between brackets, separated.
    pub(super) fn list<T>(
        &self,
        buf: &mut String,
        items: impl IntoIterator<Item = T>,
        mut item: impl FnMut(&mut String, T),
    ) {
        buf.push(self.open);
        for (i, it) in items.into_iter().enumerate() {
            if i > 0 {
                buf.push_str(self.separator);
            }
            item(buf, it);
        }
        buf.push(self.close);
    }

    /// A line string or ring: the list of its coordinates.
    pub(super) fn line(&self, buf: &mut String, l: &LineString<f64>, crs: u16) {
        self.list(buf, &l.0, |buf, c| (self.coord)(buf, *c, crs));
    }

    /// A polygon: the list of its rings, the exterior first.
    pub(super) fn polygon(&self, buf: &mut String, p: &Polygon<f64>, crs: u16) {
        let rings = std::iter::once(p.exterior()).chain(p.interiors());
        self.list(buf, rings, |buf, r| self.line(buf, r, crs));
    }
}

#[cfg(test)]
mod tests {
    use crate::export::{csv::wkt, geojson::geometry};
    use geo_types::{
        Geometry, GeometryCollection, LineString, MultiPoint, MultiPolygon, Point, Polygon,
    };

    /// Both formats' text of a geometry (WGS84).
    fn texts(g: &Geometry<f64>) -> (String, String) {
        let (mut w, mut j) = (String::new(), String::new());
        wkt(&mut w, g, 4326);
        geometry(&mut j, g, 4326);
        (w, j)
    }

    #[test]
    fn nested_lists_in_wkt_and_geojson() {
        let ring = |o: f64| LineString::from(vec![(o, o), (o + 1.5, o), (o, o + 1.25), (o, o)]);
        let holed = Polygon::new(ring(0.0), vec![ring(0.25)]);
        let multi =
            Geometry::MultiPolygon(MultiPolygon(vec![holed, Polygon::new(ring(10.0), vec![])]));
        assert_eq!(
            texts(&multi),
            (
                "MULTIPOLYGON (((0 0, 1.5 0, 0 1.25, 0 0), (0.25 0.25, 1.75 0.25, 0.25 1.5, 0.25 0.25)), ((10 10, 11.5 10, 10 11.25, 10 10)))".to_owned(),
                r#"{"type":"MultiPolygon","coordinates":[[[[0,0],[1.5,0],[0,1.25],[0,0]],[[0.25,0.25],[1.75,0.25],[0.25,1.5],[0.25,0.25]]],[[[10,10],[11.5,10],[10,11.25],[10,10]]]]}"#.to_owned()
            )
        );
        let points =
            Geometry::MultiPoint(MultiPoint(vec![Point::new(1.0, 2.0), Point::new(3.0, 4.0)]));
        let collection = Geometry::GeometryCollection(GeometryCollection(vec![
            points,
            Geometry::LineString(LineString(vec![])),
        ]));
        assert_eq!(
            texts(&collection),
            (
                "GEOMETRYCOLLECTION (MULTIPOINT ((1 2), (3 4)), LINESTRING ())".to_owned(),
                r#"{"type":"GeometryCollection","geometries":[{"type":"MultiPoint","coordinates":[[1,2],[3,4]]},{"type":"LineString","coordinates":[]}]}"#.to_owned()
            )
        );
    }
}
