//! GeoPackage geometry blobs: the standard GeoPackage binary header and
//! WKB (ISO and EWKB dimensions), encoded and decoded through geozero,
//! with a bounds check before any count is trusted.

use geo::BoundingRect;
use geo_types::Geometry;
use geozero::{CoordDimensions, ToGeo, ToWkb};

/// GeoPackage WKB with an envelope for non-points (points carry none, as GDAL writes them).
pub fn encode_geometry(g: &Geometry<f64>) -> Result<Vec<u8>, String> {
    encode_geometry_in(g, 4326)
}

/// [`encode_geometry`] with another `srs_id` (the exports write EPSG:3059 too).
pub fn encode_geometry_in(g: &Geometry<f64>, srs_id: i32) -> Result<Vec<u8>, String> {
    let envelope = match g {
        Geometry::Point(_) => Vec::new(),
        other => other
            .bounding_rect()
            .map(|r| vec![r.min().x, r.max().x, r.min().y, r.max().y])
            .unwrap_or_default(),
    };
    g.to_gpkg_wkb(CoordDimensions::xy(), Some(srs_id), envelope)
        .map_err(|e| e.to_string())
}

pub fn decode_geometry(blob: &[u8]) -> Result<Geometry<f64>, String> {
    wkb_fits(blob)?;
    geozero::wkb::GpkgWkb(blob)
        .to_geo()
        .map_err(|e| e.to_string())
}

/// Check that every count in a GeoPackage geometry blob fits the bytes
/// that follow it, before geozero reserves memory by those counts (a blob
/// claiming 4 billion points made it ask for 62 GB and abort; found by the
/// gpkg fuzzer, fuzz/regressions/gpkg/huge_point_count.gpkg).
fn wkb_fits(blob: &[u8]) -> Result<(), String> {
    let bad = |what: &str| Err(format!("the geometry blob is damaged: {what}"));
    if blob.len() < 8 || &blob[..2] != b"GP" {
        return bad("no GeoPackage header");
    }
    let envelope = match (blob[3] >> 1) & 0b111 {
        0 => 0,
        1 => 32,
        2 | 3 => 48,
        4 => 64,
        _ => return bad("unknown envelope"),
    };
    let mut at = 8 + envelope;
    wkb_walk(blob, &mut at, 0).or_else(|e| bad(&e))
}

/// Walk one WKB geometry at `at`, moving past it.
fn wkb_walk(b: &[u8], at: &mut usize, depth: u32) -> Result<(), String> {
    if depth > 32 {
        return Err("nested too deeply".into());
    }
    let byte = |i: usize| b.get(i).copied().ok_or_else(|| "ends early".to_owned());
    let little = byte(*at)? == 1;
    let u32_at = |i: usize| -> Result<u32, String> {
        let w: [u8; 4] = b
            .get(i..i + 4)
            .and_then(|s| s.try_into().ok())
            .ok_or_else(|| "ends early".to_owned())?;
        Ok(if little {
            u32::from_le_bytes(w)
        } else {
            u32::from_be_bytes(w)
        })
    };
    let raw = u32_at(*at + 1)?;
    *at += 5;
    // ISO (1000s for Z/M) and EWKB (high flag bits) dimensions.
    let base = (raw & 0x0fff_ffff) % 1000;
    let dims = 2
        + usize::from((raw & 0x8000_0000) != 0 || matches!((raw & 0x0fff_ffff) / 1000, 1 | 3))
        + usize::from((raw & 0x4000_0000) != 0 || matches!((raw & 0x0fff_ffff) / 1000, 2 | 3));
    let point = 8 * dims;
    let count = |at: &mut usize, each: usize| -> Result<usize, String> {
        let n = u32_at(*at)? as usize;
        *at += 4;
        if n.saturating_mul(each) > b.len().saturating_sub(*at) {
            return Err(format!("{n} items cannot fit in {} bytes", b.len()));
        }
        Ok(n)
    };
    match base {
        1 => *at += point,
        2 => *at += count(at, point)? * point,
        3 => {
            for _ in 0..count(at, 4)? {
                *at += count(at, point)? * point;
            }
        }
        4..=7 => {
            for _ in 0..count(at, 5)? {
                wkb_walk(b, at, depth + 1)?;
            }
        }
        other => return Err(format!("geometry type {other} is not read")),
    }
    if *at > b.len() {
        return Err("ends early".into());
    }
    Ok(())
}
