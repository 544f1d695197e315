//! `gapmap gaps`: the gap analysis of a store, written as files.

use crate::cli::{GapsArgs, GapsFormat};
use crate::error::CliError;
use crate::thresholds::thresholds;
use gapmap_engine::analysis::{Analysis, NearestKind};
use gapmap_engine::snapshot::Snapshot;
use gapmap_geo::csv_cell;
use gapmap_model::CoverageArea;
use gapmap_publish::collections;
use indicatif::{ProgressBar, ProgressStyle};
use rayon::prelude::*;
use serde_json::{Value, json};
use std::fmt::Write as _;
use std::io::Write;
use std::path::Path;

fn io(path: &Path) -> impl Fn(std::io::Error) -> CliError + '_ {
    move |e| CliError::Other(format!("{}: {e}", path.display()))
}

pub fn run(a: GapsArgs) -> Result<(), CliError> {
    let t = thresholds(&a.thresholds)?;
    let bar = ProgressBar::new(6);
    bar.set_style(
        ProgressStyle::with_template("{bar:30} {pos}/{len} {msg}")
            .unwrap_or_else(|_| ProgressStyle::default_bar()),
    );
    bar.set_message("loading and analysing");
    let snap = crate::load::load_snapshot(a.store, &t)?;
    bar.inc(1);
    let a_out = &a.out;
    std::fs::create_dir_all(a_out).map_err(io(a_out))?;
    let analysis = &snap.analysis;
    bar.set_message("points");
    write_points(&snap, analysis, a_out, a.format, &bar)?;
    bar.inc(1);
    bar.set_message("parishes");
    write_parishes(&snap, analysis, &a_out.join("parishes.csv"))?;
    bar.inc(1);
    bar.set_message("grid");
    write_grid(&snap, analysis, &a_out.join("grid.geojson"))?;
    bar.inc(1);
    bar.set_message("clusters");
    write_clusters(&snap, analysis, &a_out.join("clusters.geojson"))?;
    bar.inc(1);
    let mut summary = analysis
        .total
        .to_json(&gapmap_model::disclosure::Disclosure::exact());
    summary.insert("thresholds".into(), json!(t));
    summary.insert("snapshot_version".into(), json!(snap.version));
    summary.insert(
        "note".into(),
        json!("distances are straight-line (planar EPSG:3059 metres)"),
    );
    let p = a_out.join("summary.json");
    std::fs::write(
        &p,
        serde_json::to_string_pretty(&Value::Object(summary)).unwrap_or_default(),
    )
    .map_err(io(&p))?;
    bar.finish_and_clear();
    let timings: serde_json::Map<String, Value> = snap
        .timings
        .iter()
        .map(|(k, v)| ((*k).to_owned(), json!(v)))
        .collect();
    if a.timings {
        crate::output::out!(
            "{}",
            json!({"points": snap.demand.len(), "coverage": snap.coverage.len(), "sites": snap.sites.len(), "timings_ms": timings})
        );
    }
    crate::output::say!(
        "{} demand points, {} residents, {} digitally under-served; wrote {}",
        snap.demand.len(),
        analysis.total.residents,
        analysis.total.digitally_underserved,
        a_out.display()
    );
    Ok(())
}

/// Points are formatted in parallel, this many to a chunk, and written in
/// order a batch of chunks at a time (memory stays bounded).
const CHUNK: usize = 16_384;
const BATCH: usize = 32;

/// Format the points in parallel chunks and write them in order, ticking
/// the progress bar per batch.
fn write_chunked(
    w: &mut impl std::io::Write,
    n: usize,
    bar: &ProgressBar,
    format: impl Fn(std::ops::Range<usize>, &mut String) + Sync,
) -> std::io::Result<()> {
    let chunks: Vec<std::ops::Range<usize>> = (0..n.div_ceil(CHUNK))
        .map(|c| c * CHUNK..((c + 1) * CHUNK).min(n))
        .collect();
    for batch in chunks.chunks(BATCH) {
        let parts: Vec<String> = batch
            .par_iter()
            .map(|r| {
                let mut out = String::with_capacity(r.len() * 200);
                format(r.clone(), &mut out);
                out
            })
            .collect();
        for part in &parts {
            w.write_all(part.as_bytes())?;
        }
        if let Some(last) = batch.last() {
            bar.set_message(format!("points {}/{n}", last.end));
        }
    }
    Ok(())
}

/// Write the demand points with their classes and distances as
/// `points.csv` or `points.geojson` in `dir`.
fn write_points(
    snap: &Snapshot,
    a: &Analysis,
    dir: &Path,
    format: GapsFormat,
    bar: &ProgressBar,
) -> Result<(), CliError> {
    let n = snap.demand.len();
    match format {
        GapsFormat::Csv => {
            let p = dir.join("points.csv");
            let f = std::fs::File::create(&p).map_err(io(&p))?;
            let mut w = std::io::BufWriter::new(f);
            writeln!(w, "id,lon,lat,residents,parish_id,cell_id,fixed_class,mobile_class,public_access,digitally_underserved,fixed_providers,best_fixed_id,best_fixed_technology,best_fixed_down_mbps,best_fixed_up_mbps,best_mobile_id,best_mobile_down_mbps,wifi_m,library_m,kac_m,any_m,source").map_err(io(&p))?;
            write_chunked(&mut w, n, bar, |range, out| {
                for i in range {
                    csv_point(out, snap, a, i);
                }
            })
            .map_err(io(&p))?;
            w.flush().map_err(io(&p))
        }
        GapsFormat::Geojson => {
            let p = dir.join("points.geojson");
            let f = std::fs::File::create(&p).map_err(io(&p))?;
            let mut w = std::io::BufWriter::new(f);
            writeln!(w, "{{\"type\":\"FeatureCollection\",\"features\":[").map_err(io(&p))?;
            write_chunked(&mut w, n, bar, |range, out| {
                for i in range {
                    geojson_point(out, snap, a, i);
                }
            })
            .map_err(io(&p))?;
            writeln!(w, "]}}").map_err(io(&p))?;
            w.flush().map_err(io(&p))
        }
    }
}

/// The coverage area of a service index.
fn service(snap: &Snapshot, i: Option<u32>) -> Option<&CoverageArea> {
    i.map(|i| &snap.coverage[i as usize])
}

/// Demand point `i` as a line of `points.csv`.
fn csv_point(out: &mut String, snap: &Snapshot, a: &Analysis, i: usize) {
    let (d, c, f) = (&snap.demand[i], &a.classes[i], &snap.facts[i]);
    let (bf, bm) = (
        service(snap, f.best_fixed()),
        service(snap, f.best_mobile()),
    );
    csv_cell::field(out, &d.id);
    let _ = write!(
        out,
        ",{},{},{},",
        d.location.x(),
        d.location.y(),
        d.residents
    );
    csv_cell::field(out, d.parish_id.as_deref().unwrap_or(""));
    let (cn, ce) = f.cell();
    let _ = write!(
        out,
        ",{},{},{},{},{},{},",
        gapmap_geo::grid::cell_id(cn, ce),
        c.fixed_class.as_str(),
        c.mobile_class.as_str(),
        c.public_access.as_str(),
        c.digitally_underserved,
        f.fixed_providers()
    );
    match bf {
        Some(s) => {
            csv_cell::field(out, &s.id);
            let _ = write!(
                out,
                ",{},{},{},",
                s.technology.as_str(),
                s.max_down_mbps,
                s.max_up_mbps
            );
        }
        None => out.push_str(",,,,"),
    }
    match bm {
        Some(s) => {
            csv_cell::field(out, &s.id);
            let _ = write!(out, ",{}", s.max_down_mbps);
        }
        None => out.push(','),
    }
    for k in NearestKind::ALL {
        out.push(',');
        if let Some(n) = f.nearest(k) {
            let _ = write!(out, "{:.3}", n.distance_m);
        }
    }
    let _ = writeln!(out, ",{}", d.source);
}

/// Demand point `i` as a line of `points.geojson` (a comma before all but
/// the first).
fn geojson_point(out: &mut String, snap: &Snapshot, a: &Analysis, i: usize) {
    let (d, c, f) = (&snap.demand[i], &a.classes[i], &snap.facts[i]);
    let distance = |k| f.nearest(k).map(|n| n.distance_m);
    let props = json!({
        "id": d.id, "residents": d.residents, "parish_id": d.parish_id, "cell_id": gapmap_geo::grid::cell_id(f.cell().0, f.cell().1),
        "fixed_class": c.fixed_class.as_str(), "mobile_class": c.mobile_class.as_str(),
        "public_access": c.public_access.as_str(), "digitally_underserved": c.digitally_underserved,
        "fixed_providers": f.fixed_providers(),
        "best_fixed_id": service(snap, f.best_fixed()).map(|s| s.id.clone()),
        "best_mobile_id": service(snap, f.best_mobile()).map(|s| s.id.clone()),
        "wifi_m": distance(NearestKind::Wifi), "library_m": distance(NearestKind::Library),
        "kac_m": distance(NearestKind::Kac), "any_m": distance(NearestKind::Any),
        "source": d.source,
    });
    let feat = json!({"type": "Feature", "id": d.id, "properties": props, "geometry": {"type": "Point", "coordinates": [d.location.x(), d.location.y()]}});
    let _ = writeln!(out, "{}{}", if i > 0 { "," } else { "" }, feat);
}

fn write_parishes(snap: &Snapshot, a: &Analysis, p: &Path) -> Result<(), CliError> {
    let min = a.thresholds.disclosure_min_residents;
    let mut s = String::from(
        "id,atvk,name,residents,residents_min,residents_max,gigabit,served,underserved,unserved,mobile_none,mobile_lt2,mobile_2to30,mobile_ge30,near,far,digitally_underserved\n",
    );
    for pa in &a.parishes {
        let g = &pa.aggregate;
        let small = g.residents > 0 && g.residents < u64::from(min);
        let c = |m: &std::collections::BTreeMap<&str, u64>, k: &str| {
            if small {
                String::new()
            } else {
                m.get(k).copied().unwrap_or(0).to_string()
            }
        };
        // The id and the name as every CSV cell is written (quoted, and
        // neutralised when a spreadsheet could run it: csv_cell).
        let (mut id, mut name) = (String::new(), String::new());
        csv_cell::field(&mut id, &pa.id);
        csv_cell::field(&mut name, &pa.name);
        let _ = writeln!(
            s,
            "{},{},{},{},{},{},{},{},{},{},{},{},{},{},{},{},{}",
            id,
            snap.atvk_of(&pa.id).unwrap_or_default(),
            name,
            if small {
                String::new()
            } else {
                g.residents.to_string()
            },
            if small { "1".into() } else { String::new() },
            if small {
                (min - 1).to_string()
            } else {
                String::new()
            },
            c(&g.by_fixed_class, "gigabit"),
            c(&g.by_fixed_class, "served"),
            c(&g.by_fixed_class, "underserved"),
            c(&g.by_fixed_class, "unserved"),
            c(&g.by_mobile_class, "none"),
            c(&g.by_mobile_class, "lt2"),
            c(&g.by_mobile_class, "2to30"),
            c(&g.by_mobile_class, "ge30"),
            c(&g.by_public_access, "near"),
            c(&g.by_public_access, "far"),
            if small {
                String::new()
            } else {
                g.digitally_underserved.to_string()
            },
        );
    }
    std::fs::write(p, s).map_err(io(p))
}

fn write_grid(snap: &Snapshot, a: &Analysis, p: &Path) -> Result<(), CliError> {
    let features = collections::grid_features(snap, a, collections::GridContent::AllClasses);
    write_collection(&features, p)
}

fn write_clusters(snap: &Snapshot, a: &Analysis, p: &Path) -> Result<(), CliError> {
    let features = collections::features_with(snap, a, collections::Collection::GapClusters);
    write_collection(&features, p)
}

/// A feature as `gapmap gaps` has always written it: full-precision
/// coordinates, rings as the analysis made them (its files stay byte for
/// byte what they were; the published form is `Feature::to_geojson`).
fn gaps_geojson(f: &collections::Feature) -> Value {
    json!({"type": "Feature", "id": f.id, "geometry": geojson::Geometry::from(&f.geometry), "properties": f.properties})
}

/// A FeatureCollection written feature by feature, without the whole text
/// in memory.
fn write_collection(features: &[collections::Feature], p: &Path) -> Result<(), CliError> {
    let f = std::fs::File::create(p).map_err(io(p))?;
    let mut w = std::io::BufWriter::new(f);
    w.write_all(br#"{"type":"FeatureCollection","features":["#)
        .map_err(io(p))?;
    for (i, feature) in features.iter().enumerate() {
        if i > 0 {
            w.write_all(b",").map_err(io(p))?;
        }
        serde_json::to_writer(&mut w, &gaps_geojson(feature)).map_err(|e| io(p)(e.into()))?;
    }
    w.write_all(b"]}").map_err(io(p))?;
    w.flush().map_err(io(p))
}
