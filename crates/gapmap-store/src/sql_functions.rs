//! The SQL functions the GeoPackage R-tree triggers call (`ST_MinX`, …,
//! `ST_IsEmpty`), registered on every connection that writes.

use rusqlite::Connection;
use rusqlite::functions::FunctionFlags;

/// The envelope of a GeoPackage geometry blob: from its header when present,
/// else from the WKB point it holds. `None` for empty or unreadable blobs.
pub fn envelope(blob: &[u8]) -> Option<[f64; 4]> {
    if blob.len() < 8 || &blob[0..2] != b"GP" {
        return None;
    }
    let flags = blob[3];
    let little = flags & 1 == 1;
    let empty = flags & 0b1_0000 != 0;
    if empty {
        return None;
    }
    let env_kind = (flags >> 1) & 0b111;
    let f = |at: usize| -> Option<f64> {
        let b: [u8; 8] = blob.get(at..at + 8)?.try_into().ok()?;
        Some(if little {
            f64::from_le_bytes(b)
        } else {
            f64::from_be_bytes(b)
        })
    };
    if env_kind >= 1 {
        // minx, maxx, miny, maxy
        return Some([f(8)?, f(16)?, f(24)?, f(32)?]);
    }
    // No envelope: a point. WKB after the 8-byte header.
    let wkb = &blob[8..];
    if wkb.len() < 21 {
        return None;
    }
    let le = wkb[0] == 1;
    let g = |at: usize| -> Option<f64> {
        let b: [u8; 8] = wkb.get(at..at + 8)?.try_into().ok()?;
        Some(if le {
            f64::from_le_bytes(b)
        } else {
            f64::from_be_bytes(b)
        })
    };
    let (x, y) = (g(5)?, g(13)?);
    if x.is_nan() || y.is_nan() {
        return None;
    }
    Some([x, x, y, y])
}

/// The geometry blob argument, borrowed (no copy per trigger call).
fn blob_of<'a>(ctx: &'a rusqlite::functions::Context<'_>) -> Option<&'a [u8]> {
    match ctx.get_raw(0) {
        rusqlite::types::ValueRef::Blob(b) => Some(b),
        _ => None,
    }
}

pub fn register(conn: &Connection) -> rusqlite::Result<()> {
    let flags = FunctionFlags::SQLITE_UTF8 | FunctionFlags::SQLITE_DETERMINISTIC;
    for (name, idx) in [
        ("ST_MinX", 0usize),
        ("ST_MaxX", 1),
        ("ST_MinY", 2),
        ("ST_MaxY", 3),
    ] {
        conn.create_scalar_function(name, 1, flags, move |ctx| {
            Ok(blob_of(ctx).and_then(envelope).map(|e| e[idx]))
        })?;
    }
    conn.create_scalar_function("ST_IsEmpty", 1, flags, |ctx| {
        Ok(blob_of(ctx).and_then(envelope).is_none())
    })?;
    Ok(())
}
