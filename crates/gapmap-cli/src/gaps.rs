//! `gapmap gaps`: the gap analysis of a store, written as files.

use crate::cli::{GapsArgs, GapsFormat, ThresholdArgs};
use crate::commands::CliError;
use gapmap_core::analysis::{Analysis, NearestKind, check_thresholds};
use gapmap_core::config::Thresholds;
use gapmap_core::publish;
use gapmap_core::snapshot::Snapshot;
use indicatif::{ProgressBar, ProgressStyle};
use serde_json::{Value, json};
use std::fmt::Write as _;
use std::io::Write as _;
use std::path::Path;

pub fn thresholds(a: &ThresholdArgs) -> Result<Thresholds, CliError> {
    let mut t = Thresholds::default();
    for (v, slot) in [
        (a.gigabit_down_mbps, &mut t.gigabit_down_mbps),
        (a.gigabit_up_mbps, &mut t.gigabit_up_mbps),
        (a.served_down_mbps, &mut t.served_down_mbps),
        (a.underserved_down_mbps, &mut t.underserved_down_mbps),
        (a.mobile_low_mbps, &mut t.mobile_low_mbps),
        (a.mobile_high_mbps, &mut t.mobile_high_mbps),
        (a.near_m, &mut t.near_m),
    ] {
        if let Some(v) = v {
            *slot = v;
        }
    }
    check_thresholds(&t).map_err(CliError::Usage)?;
    Ok(t)
}

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
    let snap = crate::commands::load_snapshot(a.store, &t)?;
    bar.inc(1);
    let a_out = &a.out;
    std::fs::create_dir_all(a_out).map_err(io(a_out))?;
    let analysis = &snap.analysis;
    bar.set_message("points");
    write_points(&snap, analysis, a_out, a.format)?;
    bar.inc(1);
    bar.set_message("parishes");
    write_parishes(analysis, &a_out.join("parishes.csv"))?;
    bar.inc(1);
    bar.set_message("grid");
    write_grid(&snap, analysis, &a_out.join("grid.geojson"))?;
    bar.inc(1);
    bar.set_message("clusters");
    write_clusters(&snap, analysis, &a_out.join("clusters.geojson"))?;
    bar.inc(1);
    let mut summary = analysis.total.to_json(t.disclosure_min_residents);
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
        println!(
            "{}",
            json!({"points": snap.demand.len(), "coverage": snap.coverage.len(), "sites": snap.sites.len(), "timings_ms": timings})
        );
    }
    eprintln!(
        "{} demand points, {} residents, {} digitally under-served; wrote {}",
        snap.demand.len(),
        analysis.total.residents,
        analysis.total.digitally_underserved,
        a_out.display()
    );
    Ok(())
}

fn dist(snap: &Snapshot, i: usize, k: NearestKind) -> String {
    snap.facts[i]
        .nearest(k)
        .map(|n| format!("{:.3}", n.distance_m))
        .unwrap_or_default()
}

fn write_points(
    snap: &Snapshot,
    a: &Analysis,
    dir: &Path,
    format: GapsFormat,
) -> Result<(), CliError> {
    let service = |i: Option<u32>| i.map(|i| &snap.coverage[i as usize]);
    match format {
        GapsFormat::Csv => {
            let p = dir.join("points.csv");
            let f = std::fs::File::create(&p).map_err(io(&p))?;
            let mut w = std::io::BufWriter::new(f);
            writeln!(w, "id,lon,lat,residents,parish_id,cell_id,fixed_class,mobile_class,public_access,digitally_underserved,fixed_providers,best_fixed_id,best_fixed_technology,best_fixed_down_mbps,best_fixed_up_mbps,best_mobile_id,best_mobile_down_mbps,wifi_m,library_m,kac_m,any_m,source").map_err(io(&p))?;
            for (i, (d, c)) in snap.demand.iter().zip(&a.classes).enumerate() {
                let f = &snap.facts[i];
                let bf = service(f.best_fixed());
                let bm = service(f.best_mobile());
                let mut line = String::new();
                let _ = write!(
                    line,
                    "{},{},{},{},{},{},{},{},{},{},{},{},{},{},{},{},{},{},{},{},{},{}",
                    d.id,
                    d.location.x(),
                    d.location.y(),
                    d.residents,
                    d.parish_id.as_deref().unwrap_or(""),
                    gapmap_core::grid::cell_id(f.cell().0, f.cell().1),
                    c.fixed_class.as_str(),
                    c.mobile_class.as_str(),
                    c.public_access.as_str(),
                    c.digitally_underserved,
                    f.fixed_providers(),
                    bf.map(|s| s.id.as_str()).unwrap_or(""),
                    bf.map(|s| s.technology.as_str()).unwrap_or(""),
                    bf.map(|s| s.max_down_mbps.to_string()).unwrap_or_default(),
                    bf.map(|s| s.max_up_mbps.to_string()).unwrap_or_default(),
                    bm.map(|s| s.id.as_str()).unwrap_or(""),
                    bm.map(|s| s.max_down_mbps.to_string()).unwrap_or_default(),
                    dist(snap, i, NearestKind::Wifi),
                    dist(snap, i, NearestKind::Library),
                    dist(snap, i, NearestKind::Kac),
                    dist(snap, i, NearestKind::Any),
                    d.source,
                );
                writeln!(w, "{line}").map_err(io(&p))?;
            }
            w.flush().map_err(io(&p))
        }
        GapsFormat::Geojson => {
            let p = dir.join("points.geojson");
            let f = std::fs::File::create(&p).map_err(io(&p))?;
            let mut w = std::io::BufWriter::new(f);
            writeln!(w, "{{\"type\":\"FeatureCollection\",\"features\":[").map_err(io(&p))?;
            for (i, (d, c)) in snap.demand.iter().zip(&a.classes).enumerate() {
                let f = &snap.facts[i];
                let props = json!({
                    "id": d.id, "residents": d.residents, "parish_id": d.parish_id, "cell_id": gapmap_core::grid::cell_id(f.cell().0, f.cell().1),
                    "fixed_class": c.fixed_class.as_str(), "mobile_class": c.mobile_class.as_str(),
                    "public_access": c.public_access.as_str(), "digitally_underserved": c.digitally_underserved,
                    "fixed_providers": f.fixed_providers(),
                    "best_fixed_id": service(f.best_fixed()).map(|s| s.id.clone()),
                    "best_mobile_id": service(f.best_mobile()).map(|s| s.id.clone()),
                    "wifi_m": f.nearest(NearestKind::Wifi).map(|n| n.distance_m), "library_m": f.nearest(NearestKind::Library).map(|n| n.distance_m),
                    "kac_m": f.nearest(NearestKind::Kac).map(|n| n.distance_m), "any_m": f.nearest(NearestKind::Any).map(|n| n.distance_m),
                    "source": d.source,
                });
                let feat = json!({"type": "Feature", "id": d.id, "properties": props, "geometry": {"type": "Point", "coordinates": [d.location.x(), d.location.y()]}});
                writeln!(w, "{}{}", if i > 0 { "," } else { "" }, feat).map_err(io(&p))?;
            }
            writeln!(w, "]}}").map_err(io(&p))?;
            w.flush().map_err(io(&p))
        }
    }
}

fn write_parishes(a: &Analysis, p: &Path) -> Result<(), CliError> {
    let min = a.thresholds.disclosure_min_residents;
    let mut s = String::from(
        "id,name,residents,residents_min,residents_max,gigabit,served,underserved,unserved,mobile_none,mobile_lt2,mobile_2to30,mobile_ge30,near,far,digitally_underserved\n",
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
        let _ = writeln!(
            s,
            "{},\"{}\",{},{},{},{},{},{},{},{},{},{},{},{},{},{}",
            pa.id,
            pa.name.replace('"', "\"\""),
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
    let features = publish::grid_features(snap, a, publish::GridContent::AllClasses);
    std::fs::write(p, publish::feature_collection(&features).to_string()).map_err(io(p))
}

fn write_clusters(snap: &Snapshot, a: &Analysis, p: &Path) -> Result<(), CliError> {
    let features = publish::features_with(snap, a, publish::Collection::GapClusters);
    std::fs::write(p, publish::feature_collection(&features).to_string()).map_err(io(p))
}
