//! Web Mercator (EPSG:3857) tile maths. "World" coordinates are the unit
//! square: x from 0 (180° W) to 1 (180° E), y from 0 (north edge,
//! ≈ 85.05° N) down to 1 (south edge), the same orientation as tile space.

use std::f64::consts::PI;

/// Tile extent in MVT units.
pub const EXTENT: u32 = 4096;
/// Clip buffer around each tile, in MVT units.
pub const BUFFER: f64 = 64.0;
/// Highest zoom served and exported.
pub const MAX_ZOOM: u8 = 14;
/// Latitude limit of Web Mercator.
pub const MAX_LAT: f64 = 85.051_128_779_806_59;

/// Longitude/latitude (degrees, WGS84) to world coordinates.
pub fn lonlat_to_world(lon: f64, lat: f64) -> (f64, f64) {
    let lat = lat.clamp(-MAX_LAT, MAX_LAT).to_radians();
    let x = (lon + 180.0) / 360.0;
    let y = (1.0 - (lat.tan() + 1.0 / lat.cos()).ln() / PI) / 2.0;
    (x, y)
}

/// World coordinates to longitude/latitude.
pub fn world_to_lonlat(x: f64, y: f64) -> (f64, f64) {
    let lon = x * 360.0 - 180.0;
    let n = PI * (1.0 - 2.0 * y);
    let lat = n.sinh().atan().to_degrees();
    (lon, lat)
}

/// Whether z/x/y addresses a tile we serve.
pub fn valid_tile(z: u32, x: u64, y: u64) -> bool {
    z <= u32::from(MAX_ZOOM) && x < (1u64 << z) && y < (1u64 << z)
}

/// Bounds of a tile as `[west, south, east, north]` in degrees.
pub fn tile_bounds_lonlat(z: u8, x: u32, y: u32) -> [f64; 4] {
    let n = f64::from(1u32 << z);
    let (w, north) = world_to_lonlat(f64::from(x) / n, f64::from(y) / n);
    let (e, s) = world_to_lonlat(f64::from(x + 1) / n, f64::from(y + 1) / n);
    [w, s, e, north]
}

/// The tile containing a lon/lat at zoom z.
pub fn lonlat_to_tile(lon: f64, lat: f64, z: u8) -> (u32, u32) {
    let (wx, wy) = lonlat_to_world(lon, lat);
    let n = f64::from(1u32 << z);
    let max = (1u32 << z) - 1;
    let x = ((wx * n).floor().max(0.0) as u32).min(max);
    let y = ((wy * n).floor().max(0.0) as u32).min(max);
    (x, y)
}

/// World coordinates to (fractional) pixel coordinates of tile z/x/y.
#[inline]
pub fn world_to_tile_px(wx: f64, wy: f64, z: u8, x: u32, y: u32) -> (f64, f64) {
    let n = f64::from(1u32 << z);
    let e = f64::from(EXTENT);
    ((wx * n - f64::from(x)) * e, (wy * n - f64::from(y)) * e)
}

/// The world-coordinate window of a tile plus the buffer: `[minx, miny, maxx, maxy]`.
pub fn tile_window(z: u8, x: u32, y: u32, buffer_px: f64) -> [f64; 4] {
    let n = f64::from(1u32 << z);
    let b = buffer_px / f64::from(EXTENT) / n;
    [
        f64::from(x) / n - b,
        f64::from(y) / n - b,
        f64::from(x + 1) / n + b,
        f64::from(y + 1) / n + b,
    ]
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn round_trip_and_tiles() {
        let (x, y) = lonlat_to_world(23.7, 56.65);
        let (lon, lat) = world_to_lonlat(x, y);
        assert!((lon - 23.7).abs() < 1e-9 && (lat - 56.65).abs() < 1e-9);
        assert_eq!(lonlat_to_world(0.0, 0.0), (0.5, 0.5));
        // Jelgava at z14 (checked against the slippy-map formula).
        let (tx, ty) = lonlat_to_tile(23.7136, 56.6511, 14);
        assert_eq!((tx, ty), (9271, 5048));
        let b = tile_bounds_lonlat(14, tx, ty);
        assert!(b[0] <= 23.7136 && 23.7136 <= b[2] && b[1] <= 56.6511 && 56.6511 <= b[3]);
        assert!(valid_tile(14, 16383, 0) && !valid_tile(14, 16384, 0) && !valid_tile(15, 0, 0));
        let (px, py) = world_to_tile_px(0.5, 0.5, 1, 0, 0);
        assert_eq!((px, py), (4096.0, 4096.0));
    }
}
