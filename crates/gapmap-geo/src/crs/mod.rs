//! Coordinate reference systems, by EPSG code, with proj4rs; for the
//! analysis, the two transformations it runs millions of times (WGS84 to
//! LKS-92 and to ETRS89-LAEA) take the closed-form path of [`fast`]
//! ([`Transformer::for_analysis`]).
//!
//! Geometry inside gapmap is always (x, y) = (longitude, latitude) in degrees
//! for geographic CRSs and (easting, northing) in metres for projected ones;
//! authority axis order (EPSG:4326 is lat, lon; EPSG:3059 is northing,
//! easting) is applied only where coordinates are published.

use geo::MapCoordsInPlace;
use geo_types::{Coord, Geometry};
use proj4rs::Proj;
use proj4rs::transform::{Transform, TransformClosure};

pub mod fast;

/// WGS84 longitude/latitude, the storage CRS.
pub const WGS84: u16 = 4326;
/// LKS-92 / Latvia TM, the default working CRS for metric work.
pub const LKS92: u16 = 3059;
/// ETRS89 / LAEA Europe, the EU statistical grid's CRS.
pub const LAEA: u16 = 3035;
/// WGS84 / Pseudo-Mercator, the tile CRS.
pub const WEB_MERCATOR: u16 = 3857;

#[derive(Debug, thiserror::Error)]
pub enum CrsError {
    #[error("unknown or unsupported CRS EPSG:{0}")]
    Unknown(u16),
    #[error("cannot parse CRS `{0}` (expected EPSG:n, a URN or OGC CRS URI)")]
    Unparsable(String),
    #[error("coordinate ({x}, {y}) cannot be transformed: {reason}")]
    Transform { x: f64, y: f64, reason: String },
}

/// Parse `EPSG:3059`, `epsg:3059`, `3059`, `urn:ogc:def:crs:EPSG::3059`,
/// `http://www.opengis.net/def/crs/EPSG/0/3059` or the CRS84 forms (→ 4326).
pub fn parse_crs(text: &str) -> Result<u16, CrsError> {
    let t = text.trim();
    let lower = t.to_ascii_lowercase();
    if lower.ends_with("crs84") || lower.ends_with("crs:84") || lower == "wgs84" {
        return Ok(WGS84);
    }
    let code = lower
        .rsplit([':', '/'])
        .next()
        .filter(|_| lower.contains("epsg") || lower.chars().all(|c| c.is_ascii_digit()))
        .and_then(|c| c.parse::<u16>().ok());
    code.ok_or_else(|| CrsError::Unparsable(t.to_owned()))
}

fn is_geographic(code: u16) -> bool {
    // The geographic 2D CRSs gapmap meets: WGS84, ETRS89, LKS-92 geographic.
    matches!(code, 4326 | 4258 | 4661 | 4269)
}

fn proj_for(code: u16) -> Result<Proj, CrsError> {
    let def = crs_definitions::from_code(code).ok_or(CrsError::Unknown(code))?;
    Proj::from_proj_string(def.proj4).map_err(|_| CrsError::Unknown(code))
}

/// A reusable transformation between two EPSG CRSs.
#[derive(Debug)]
pub struct Transformer {
    from: u16,
    to: u16,
    src: Option<Proj>,
    dst: Option<Proj>,
    fast: Option<Fast>,
}

/// A closed-form forward projection from WGS84, used inside its domain.
#[derive(Debug, Clone, Copy)]
enum Fast {
    Tm(fast::TransverseMercator),
    Laea(fast::LambertAzimuthal),
}

impl Fast {
    fn for_pair(from: u16, to: u16) -> Option<Fast> {
        match (from, to) {
            (WGS84, LKS92) => Some(Fast::Tm(fast::TransverseMercator::lks92())),
            (WGS84, LAEA) => Some(Fast::Laea(fast::LambertAzimuthal::etrs89_laea())),
            _ => None,
        }
    }

    #[inline]
    fn forward(&self, lon: f64, lat: f64) -> Option<(f64, f64)> {
        match self {
            Fast::Tm(t) => t.forward(lon, lat),
            Fast::Laea(l) => l.forward(lon, lat),
        }
    }
}

struct Xy(f64, f64);
impl Transform for Xy {
    fn transform_coordinates<F: TransformClosure>(
        &mut self,
        f: &mut F,
    ) -> proj4rs::errors::Result<()> {
        let (x, y, _) = f(self.0, self.1, 0.0)?;
        self.0 = x;
        self.1 = y;
        Ok(())
    }
}

const R_MERC: f64 = 6_378_137.0;

impl Transformer {
    /// A transformation through proj4rs, which repeats PROJ's arithmetic:
    /// what gapmap publishes (feature services, exports, bbox filters)
    /// matches what PROJ-based clients compute, to the last bit as a rule.
    pub fn new(from: u16, to: u16) -> Result<Transformer, CrsError> {
        let needs_proj = |c: u16| {
            c != WEB_MERCATOR
                && !(c == WGS84 && (from == to || from == WEB_MERCATOR || to == WEB_MERCATOR))
        };
        let src = if from == to || !needs_proj(from) {
            None
        } else {
            Some(proj_for(from)?)
        };
        let dst = if from == to || !needs_proj(to) {
            None
        } else {
            Some(proj_for(to)?)
        };
        Ok(Transformer {
            from,
            to,
            src,
            dst,
            fast: None,
        })
    }

    /// The same transformation for the analysis of millions of points:
    /// WGS84 to LKS-92 and to ETRS89-LAEA take the closed-form path of
    /// [`fast`] (within 0.02 µm of PROJ, three times faster); other pairs,
    /// and points outside that path's domain, go through proj4rs.
    pub fn for_analysis(from: u16, to: u16) -> Result<Transformer, CrsError> {
        let mut t = Transformer::new(from, to)?;
        t.fast = Fast::for_pair(from, to);
        Ok(t)
    }

    pub fn from_code(&self) -> u16 {
        self.from
    }
    pub fn to_code(&self) -> u16 {
        self.to
    }

    /// Transform one coordinate (degrees for geographic CRSs, metres otherwise).
    pub fn convert(&self, x: f64, y: f64) -> Result<(f64, f64), CrsError> {
        if self.from == self.to {
            return Ok((x, y));
        }
        if let Some(r) = self.fast.and_then(|f| f.forward(x, y)) {
            return Ok(r);
        }
        let (lon, lat) = match self.from {
            WEB_MERCATOR => mercator_to_lonlat(x, y),
            _ => (x, y),
        };
        let (x, y) = match (self.from, self.to) {
            (WEB_MERCATOR, WGS84) => return Ok((lon, lat)),
            (WGS84, WEB_MERCATOR) => return Ok(lonlat_to_mercator(x, y)),
            _ => (lon, lat),
        };
        let src = match &self.src {
            Some(p) => p,
            None => &proj_for(WGS84)?, // from Web Mercator via WGS84
        };
        let mut pt = if is_geographic(self.from) || self.from == WEB_MERCATOR {
            Xy(x.to_radians(), y.to_radians())
        } else {
            Xy(x, y)
        };
        let to_code = if self.to == WEB_MERCATOR {
            WGS84
        } else {
            self.to
        };
        let dst_owned;
        let dst = match &self.dst {
            Some(p) => p,
            None => {
                dst_owned = proj_for(to_code)?;
                &dst_owned
            }
        };
        proj4rs::transform::transform(src, dst, &mut pt).map_err(|e| CrsError::Transform {
            x,
            y,
            reason: e.to_string(),
        })?;
        let (ox, oy) = if is_geographic(to_code) {
            (pt.0.to_degrees(), pt.1.to_degrees())
        } else {
            (pt.0, pt.1)
        };
        if !ox.is_finite() || !oy.is_finite() {
            return Err(CrsError::Transform {
                x,
                y,
                reason: "result is not finite".into(),
            });
        }
        if self.to == WEB_MERCATOR {
            return Ok(lonlat_to_mercator(ox, oy));
        }
        Ok((ox, oy))
    }

    /// Transform every coordinate of a geometry in place.
    pub fn transform_geometry(&self, geometry: &mut Geometry<f64>) -> Result<(), CrsError> {
        if self.from == self.to {
            return Ok(());
        }
        let failed = std::cell::RefCell::new(None);
        map_coords_dyn(geometry, &|c: Coord<f64>| match self.convert(c.x, c.y) {
            Ok((x, y)) => Coord { x, y },
            Err(e) => {
                failed.borrow_mut().get_or_insert(e);
                c
            }
        });
        match failed.into_inner() {
            Some(e) => Err(e),
            None => Ok(()),
        }
    }
}

/// Map every coordinate of a geometry in place through a dynamic function
/// (geo's generic version recurses without bound on GeometryCollection).
pub fn map_coords_dyn(g: &mut Geometry<f64>, f: &dyn Fn(Coord<f64>) -> Coord<f64>) {
    match g {
        Geometry::GeometryCollection(gc) => gc.0.iter_mut().for_each(|g| map_coords_dyn(g, f)),
        Geometry::Point(p) => p.map_coords_in_place(f),
        Geometry::Line(l) => l.map_coords_in_place(f),
        Geometry::LineString(l) => l.map_coords_in_place(f),
        Geometry::Polygon(p) => p.map_coords_in_place(f),
        Geometry::MultiPoint(m) => m.map_coords_in_place(f),
        Geometry::MultiLineString(m) => m.map_coords_in_place(f),
        Geometry::MultiPolygon(m) => m.map_coords_in_place(f),
        Geometry::Rect(r) => r.map_coords_in_place(f),
        Geometry::Triangle(t) => t.map_coords_in_place(f),
    }
}

/// Spherical Web Mercator (EPSG:3857) forward, metres.
pub fn lonlat_to_mercator(lon: f64, lat: f64) -> (f64, f64) {
    let lat = lat.clamp(-85.051_128_78, 85.051_128_78);
    let x = R_MERC * lon.to_radians();
    let y = R_MERC
        * (std::f64::consts::FRAC_PI_4 + lat.to_radians() / 2.0)
            .tan()
            .ln();
    (x, y)
}

/// Spherical Web Mercator (EPSG:3857) inverse, degrees.
pub fn mercator_to_lonlat(x: f64, y: f64) -> (f64, f64) {
    let lon = (x / R_MERC).to_degrees();
    let lat = (2.0 * (y / R_MERC).exp().atan() - std::f64::consts::FRAC_PI_2).to_degrees();
    (lon, lat)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn parses_crs_forms() {
        for (text, code) in [
            ("EPSG:3059", 3059),
            ("epsg:4326", 4326),
            ("3035", 3035),
            ("urn:ogc:def:crs:EPSG::3059", 3059),
            ("http://www.opengis.net/def/crs/EPSG/0/3857", 3857),
            ("http://www.opengis.net/def/crs/OGC/1.3/CRS84", 4326),
            ("urn:ogc:def:crs:OGC:1.3:CRS84", 4326),
        ] {
            assert_eq!(parse_crs(text).unwrap(), code, "{text}");
        }
        assert!(parse_crs("LKS92").is_err());
    }

    /// 24°E 56°N in LKS-92; PROJ 9.1 `cs2cs EPSG:4326 EPSG:3059` gives
    /// northing 206079.5871, easting 500000.0000.
    #[test]
    fn wgs84_to_lks92_and_back() {
        let t = Transformer::new(WGS84, LKS92).unwrap();
        let (e, n) = t.convert(24.0, 56.0).unwrap();
        // The central meridian of Latvia TM is 24°E: easting = 500000 m exactly.
        assert!((e - 500_000.0).abs() < 1e-3, "{e}");
        assert!((n - 206_079.587_1).abs() < 1e-3, "{n}");
        let back = Transformer::new(LKS92, WGS84).unwrap();
        let (lon, lat) = back.convert(e, n).unwrap();
        assert!((lon - 24.0).abs() < 1e-9 && (lat - 56.0).abs() < 1e-9);
    }

    #[test]
    fn web_mercator_round_trip() {
        let (x, y) = lonlat_to_mercator(23.7, 56.65);
        let (lon, lat) = mercator_to_lonlat(x, y);
        assert!((lon - 23.7).abs() < 1e-12 && (lat - 56.65).abs() < 1e-12);
        let t = Transformer::new(LKS92, WEB_MERCATOR).unwrap();
        let (mx, _) = t.convert(500_000.0, 206_079.587_1).unwrap();
        assert!((mx - lonlat_to_mercator(24.0, 56.0).0).abs() < 0.01);
    }
}
