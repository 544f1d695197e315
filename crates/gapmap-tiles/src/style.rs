//! The MapLibre style v8 `gapmap`: every tileset, colour-blind-safe colours
//! (Okabe–Ito), simulated data marked with a dashed outline. No text layers
//! and no `glyphs`/`sprite`: the server ships no glyph PBFs, and a style must
//! never point at an external host.

use gapmap_core::publish::Collection;
use serde_json::{Value, json};

/// The style names served.
pub const STYLES: [&str; 1] = ["gapmap"];

/// The `gapmap` style; sources are the TileJSON documents under `base`.
pub fn style(base: &str, version: &str) -> Value {
    let mut sources = serde_json::Map::new();
    for c in Collection::ALL {
        sources.insert(
            c.id().into(),
            json!({"type": "vector", "url": format!("{base}/tiles/{}.json", c.id()), "attribution": c.attribution()}),
        );
    }
    let simulated = json!(["==", ["get", "source"], "simulated"]);
    let fill = |id: &str, src: &str, color: &str, opacity: f64| {
        json!({"id": id, "type": "fill", "source": src, "source-layer": src,
               "paint": {"fill-color": color, "fill-opacity": opacity}})
    };
    let line = |id: &str, src: &str, color: &str, width: f64| {
        json!({"id": id, "type": "line", "source": src, "source-layer": src,
               "paint": {"line-color": color, "line-width": width}})
    };
    let dashed = |id: &str, src: &str, color: &str| {
        json!({"id": id, "type": "line", "source": src, "source-layer": src, "filter": simulated,
               "paint": {"line-color": color, "line-width": 1.5, "line-dasharray": [2, 2]}})
    };
    let layers = vec![
        json!({"id": "background", "type": "background", "paint": {"background-color": "#f7f7f2"}}),
        fill("municipality-fill", "municipality", "#ffffff", 0.6),
        fill("demand_grid-fill", "demand_grid", "#999999", 0.15),
        fill("coverage-fill", "coverage", "#56B4E9", 0.25),
        dashed("coverage-simulated", "coverage", "#0072B2"),
        fill("gap_grid-fill", "gap_grid", "#E69F00", 0.55),
        dashed("gap_grid-simulated", "gap_grid", "#7a5200"),
        fill("gap_clusters-fill", "gap_clusters", "#D55E00", 0.35),
        line("gap_clusters-line", "gap_clusters", "#D55E00", 2.0),
        line("priority_zones-line", "priority_zones", "#CC79A7", 2.0),
        line("parishes-line", "parishes", "#555555", 0.8),
        line("municipality-line", "municipality", "#222222", 2.0),
        json!({"id": "sites-circle", "type": "circle", "source": "sites", "source-layer": "sites",
               "paint": {"circle-radius": ["interpolate", ["linear"], ["zoom"], 8, 2.5, 14, 6],
                         "circle-color": "#009E73", "circle-stroke-color": "#ffffff", "circle-stroke-width": 1}}),
        json!({"id": "sites-simulated", "type": "circle", "source": "sites", "source-layer": "sites", "filter": simulated,
               "paint": {"circle-radius": ["interpolate", ["linear"], ["zoom"], 8, 4, 14, 9],
                         "circle-color": "rgba(0,0,0,0)", "circle-stroke-color": "#000000", "circle-stroke-width": 1}}),
    ];
    json!({
        "version": 8,
        "name": "gapmap",
        "metadata": {"gapmap:snapshot_version": version, "gapmap:legend": "Dashed outlines mark simulated data (source = simulated)."},
        "center": [23.7, 56.65],
        "zoom": 9,
        "sources": sources,
        "layers": layers,
    })
}
