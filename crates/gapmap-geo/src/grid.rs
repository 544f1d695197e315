//! The EU 1 km statistical grid (INSPIRE / GEOSTAT), in ETRS89-LAEA
//! (EPSG:3035, metres, x = easting, y = northing).
//!
//! A cell is named by the **lower-left (south-west) corner** of its square:
//! the legacy form `1kmN3807E5157` gives northing and easting in km; the
//! current INSPIRE form `CRS3035RES1000mN3807000E5157000` gives them in
//! metres. gapmap writes the legacy form (`cell_id` of demand points) and
//! reads both. Only 1 km cells are supported: a 100 m or 10 km id is not a
//! cell of this grid and parses to `None`.

use geo_types::{Coord, LineString, Point, Polygon};

/// The cell size in metres.
pub const CELL_M: f64 = 1000.0;

/// The id (`1kmN{n}E{e}`) of the 1 km cell holding an EPSG:3035 point, with
/// `x3035` the easting and `y3035` the northing in metres. A point on a cell
/// edge belongs to the cell north / east of it (floor).
pub fn cell_id_of(x3035: f64, y3035: f64) -> String {
    let (n, e) = cell_of(x3035, y3035);
    cell_id(n, e)
}

/// The (northing km, easting km) of the lower-left corner of the cell holding
/// an EPSG:3035 point (easting `x3035`, northing `y3035`, metres).
pub fn cell_of(x3035: f64, y3035: f64) -> (i64, i64) {
    (floor_i64(y3035 / CELL_M), floor_i64(x3035 / CELL_M))
}

/// ⌊v⌋ as an integer (saturating; NaN gives 0), without a call to libm's
/// `floor` (the baseline x86-64 target has no rounding instruction).
fn floor_i64(v: f64) -> i64 {
    let t = v as i64;
    if (t as f64) > v {
        t.saturating_sub(1)
    } else {
        t
    }
}

/// The legacy id of a cell given by its lower-left corner in km.
pub fn cell_id(n_km: i64, e_km: i64) -> String {
    format!("1kmN{n_km}E{e_km}")
}

/// Parse a 1 km cell id in either form (`1kmN3807E5157` or
/// `CRS3035RES1000mN3807000E5157000`; case-insensitive, surrounding blanks
/// ignored) into the (northing km, easting km) of its lower-left corner.
/// Other resolutions, corners not on the 1 km lattice and anything else give
/// `None`.
pub fn parse_cell_id(id: &str) -> Option<(i64, i64)> {
    let s = id.trim();
    if let Some(rest) = strip_prefix_ci(s, "CRS3035RES") {
        let rest = strip_prefix_ci(rest, "1000M")?;
        let (n, e) = split_ne(rest)?;
        if n % 1000 != 0 || e % 1000 != 0 {
            return None;
        }
        return Some((n / 1000, e / 1000));
    }
    let rest = strip_prefix_ci(s, "1KM")?;
    split_ne(rest)
}

/// `s` without the ASCII prefix `p`, compared without case (no copy: a
/// national demand layer parses a million of these).
fn strip_prefix_ci<'a>(s: &'a str, p: &str) -> Option<&'a str> {
    let b = s.as_bytes();
    // The matched bytes are ASCII, so `p.len()` is a character boundary.
    (b.len() >= p.len() && b[..p.len()].eq_ignore_ascii_case(p.as_bytes())).then(|| &s[p.len()..])
}

/// `N{digits}E{digits}` (either case) → (n, e).
fn split_ne(s: &str) -> Option<(i64, i64)> {
    let rest = strip_prefix_ci(s, "N")?;
    let (n, e) = rest.split_once(['E', 'e'])?;
    let digits = |t: &str| !t.is_empty() && t.len() <= 12 && t.bytes().all(|b| b.is_ascii_digit());
    if !digits(n) || !digits(e) {
        return None;
    }
    Some((n.parse().ok()?, e.parse().ok()?))
}

/// Normalise a cell id in either form to the legacy `1kmN…E…` form.
pub fn normalise_cell_id(id: &str) -> Option<String> {
    parse_cell_id(id).map(|(n, e)| cell_id(n, e))
}

/// The square of a cell in EPSG:3035 metres (x = easting, y = northing),
/// counter-clockwise from the lower-left corner, closed.
pub fn cell_polygon_3035(n_km: i64, e_km: i64) -> Polygon<f64> {
    let (x0, y0) = (e_km as f64 * CELL_M, n_km as f64 * CELL_M);
    let (x1, y1) = (x0 + CELL_M, y0 + CELL_M);
    Polygon::new(
        LineString(vec![
            Coord { x: x0, y: y0 },
            Coord { x: x1, y: y0 },
            Coord { x: x1, y: y1 },
            Coord { x: x0, y: y1 },
            Coord { x: x0, y: y0 },
        ]),
        vec![],
    )
}

/// The centre of a cell in EPSG:3035 metres (x = easting, y = northing).
pub fn cell_centre_3035(n_km: i64, e_km: i64) -> Point<f64> {
    Point::new(
        e_km as f64 * CELL_M + CELL_M / 2.0,
        n_km as f64 * CELL_M + CELL_M / 2.0,
    )
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::crs::{LAEA, Transformer, WGS84};

    /// Jelgava (56.65 N, 23.72 E). `echo "56.65 23.72" | cs2cs EPSG:4326
    /// EPSG:3035` (PROJ 9) gives northing 3807782.31, easting 5157383.67.
    #[test]
    fn jelgava_is_in_its_cell() {
        let t = Transformer::new(WGS84, LAEA).expect("transformer");
        let (x, y) = t.convert(23.72, 56.65).expect("convert");
        assert!((x - 5_157_383.67).abs() < 0.05, "easting {x}");
        assert!((y - 3_807_782.31).abs() < 0.05, "northing {y}");
        assert_eq!(cell_id_of(x, y), "1kmN3807E5157");
        assert_eq!(cell_of(x, y), (3807, 5157));
        assert_eq!(cell_of(-0.5, -1000.0), (-1, -1));
        assert_eq!(cell_of(-1000.5, 999.9), (0, -2));
        assert_eq!(cell_of(f64::NAN, 1e300), (i64::MAX, 0));
    }

    #[test]
    fn parses_both_forms() {
        assert_eq!(parse_cell_id("1kmN3870E5160"), Some((3870, 5160)));
        assert_eq!(parse_cell_id(" 1KMN3870E5160 "), Some((3870, 5160)));
        assert_eq!(
            parse_cell_id("CRS3035RES1000mN3870000E5160000"),
            Some((3870, 5160))
        );
        assert_eq!(
            normalise_cell_id("CRS3035RES1000mN3807000E5157000").as_deref(),
            Some("1kmN3807E5157")
        );
    }

    #[test]
    fn rejects_other_resolutions_and_junk() {
        for bad in [
            "100mN38070E51570",
            "CRS3035RES100mN3807000E5157000",
            "CRS3035RES1000mN3807500E5157000",
            "10kmN380E515",
            "1kmN3807",
            "1kmNE5157",
            "1kmN38x7E5157",
            "1kmN-3807E5157",
            "",
            "grid",
        ] {
            assert_eq!(parse_cell_id(bad), None, "{bad}");
        }
    }

    #[test]
    fn cell_geometry() {
        let c = cell_centre_3035(3807, 5157);
        assert_eq!((c.x(), c.y()), (5_157_500.0, 3_807_500.0));
        let p = cell_polygon_3035(3807, 5157);
        let xs: Vec<(f64, f64)> = p.exterior().0.iter().map(|c| (c.x, c.y)).collect();
        assert_eq!(xs[0], (5_157_000.0, 3_807_000.0));
        assert_eq!(xs[2], (5_158_000.0, 3_808_000.0));
        assert_eq!(xs.len(), 5);
        assert_eq!(xs[0], xs[4]);
        // The centre lies in its own cell; an edge point goes north-east.
        assert_eq!(cell_id_of(c.x(), c.y()), "1kmN3807E5157");
        assert_eq!(cell_id_of(5_158_000.0, 3_807_000.0), "1kmN3807E5158");
    }
}
