//! TileJSON 3.0 of one tileset.

use crate::mercator::MAX_ZOOM;
use crate::prepared::Prepared;
use gapmap_publish::collections::Collection;
use serde_json::{Map, Value};

/// TileJSON 3.0.0 for a tileset; `base` is the server's absolute origin.
pub fn tilejson(p: &Prepared, c: Collection, base: &str) -> Value {
    let ts = p.tileset(c);
    let (lv, en) = c.titles();
    let summary = ts.summary();
    let bounds = summary
        .bounds
        .unwrap_or([-180.0, -85.051_128_78, 180.0, 85.051_128_78]);
    let center = [(bounds[0] + bounds[2]) / 2.0, (bounds[1] + bounds[3]) / 2.0];
    let mut fields = Map::new();
    for (k, t) in ts.fields() {
        fields.insert(k, Value::String(t.into()));
    }
    serde_json::json!({
        "tilejson": "3.0.0",
        "name": format!("{lv} / {en}"),
        "description": format!("gapmap: {lv} (lv) / {en} (en). Snapshot {}. Every feature is in every tile it reaches (no feature or size limit); polygons smaller than one tile unit at a zoom are kept as a one-unit square.", p.version),
        "version": "1.0.0",
        "attribution": c.attribution(),
        "scheme": "xyz",
        "tiles": [format!("{base}/tiles/{}/{{z}}/{{x}}/{{y}}.mvt", c.id())],
        "minzoom": 0,
        "maxzoom": MAX_ZOOM,
        "bounds": bounds,
        "center": [center[0], center[1], 10],
        "vector_layers": [{
            "id": c.id(),
            "description": format!("{lv} / {en}"),
            "minzoom": 0,
            "maxzoom": MAX_ZOOM,
            "fields": fields,
        }],
        "snapshot_version": p.version,
        "feature_count": summary.count,
        "dropped_features": 0,
        "feature_limit": Value::Null,
    })
}
