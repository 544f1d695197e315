//! PMTiles v3 archive of every tileset, z0–z14, one layer per tileset.

use crate::mercator::{MAX_ZOOM, lonlat_to_tile};
use crate::prepared::Prepared;
use gapmap_publish::collections::Collection;
use pmtiles::{PmTilesWriter, TileCoord, TileType};
use std::io::Cursor;

/// Write the archive into memory. Tiles are gzipped (PMTiles `tile_compression` = gzip).
pub fn write_archive(p: &Prepared) -> Result<Vec<u8>, String> {
    let mut bounds: Option<[f64; 4]> = None;
    for c in Collection::ALL {
        if let Some(b) = p.tileset(c).summary().bounds {
            bounds = Some(match bounds {
                None => b,
                Some(a) => [
                    a[0].min(b[0]),
                    a[1].min(b[1]),
                    a[2].max(b[2]),
                    a[3].max(b[3]),
                ],
            });
        }
    }
    let b = bounds.unwrap_or([0.0, 0.0, 0.0, 0.0]);
    let meta = metadata(p, b);
    let mut out = Cursor::new(Vec::new());
    let mut w = PmTilesWriter::new(TileType::Mvt)
        .min_zoom(0)
        .max_zoom(MAX_ZOOM)
        .bounds(b[0], b[1], b[2], b[3])
        .center((b[0] + b[2]) / 2.0, (b[1] + b[3]) / 2.0)
        .center_zoom(10)
        .metadata(meta.to_string())
        .create(&mut out)
        .map_err(|e| e.to_string())?;
    if bounds.is_some() {
        for z in 0..=MAX_ZOOM {
            let (x0, y0) = lonlat_to_tile(b[0], b[3], z);
            let (x1, y1) = lonlat_to_tile(b[2], b[1], z);
            // tile ids must increase: the Hilbert order within a zoom
            let mut coords = Vec::new();
            for x in x0..=x1 {
                for y in y0..=y1 {
                    let c = TileCoord::new(z, x, y).map_err(|e| e.to_string())?;
                    coords.push((pmtiles::TileId::from(c).value(), c));
                }
            }
            coords.sort_by_key(|c| c.0);
            for (_, c) in coords {
                if let Some(t) = p.tile(&Collection::ALL, c.z(), c.x(), c.y()) {
                    w.add_tile(c, &t).map_err(|e| e.to_string())?;
                }
            }
        }
    }
    w.finalize().map_err(|e| e.to_string())?;
    Ok(out.into_inner())
}

/// The archive metadata: TileJSON-like, with attribution and the snapshot version.
pub fn metadata(p: &Prepared, b: [f64; 4]) -> serde_json::Value {
    let layers: Vec<_> = Collection::ALL
        .iter()
        .map(|c| {
            let ts = p.tileset(*c);
            let fields: serde_json::Map<_, _> =
                ts.fields().into_iter().map(|(k, t)| (k, serde_json::Value::String(t.into()))).collect();
            serde_json::json!({"id": c.id(), "description": c.titles().1, "minzoom": 0, "maxzoom": MAX_ZOOM, "fields": fields})
        })
        .collect();
    let attribution: Vec<&str> = Collection::ALL
        .iter()
        .map(|c| c.attribution())
        .collect::<std::collections::BTreeSet<_>>()
        .into_iter()
        .collect();
    serde_json::json!({
        "name": "gapmap",
        "description": "gapmap: Jelgavas novada digitālās plaisas / digital divide tiles, all published collections",
        "attribution": attribution.join("; "),
        "version": "1.0.0",
        "snapshot_version": p.version,
        "built_at": p.attribution_version,
        "bounds": b,
        "minzoom": 0,
        "maxzoom": MAX_ZOOM,
        "vector_layers": layers,
    })
}
