//! `gapmap synth`: synthetic data at a scale, or the embedded dataset's
//! simulated layers.

use crate::cli::{Scale, SynthArgs};
use crate::error::CliError;
use gapmap_ingest::Options;
use gapmap_model::Layer;
use gapmap_synth::landscape;
use std::path::Path;

pub(crate) fn synth_cmd(a: SynthArgs) -> Result<(), CliError> {
    std::fs::create_dir_all(&a.out)
        .map_err(|e| CliError::Other(format!("{}: {e}", a.out.display())))?;
    let mut params = landscape::Params {
        seed: a.seed,
        as_of: a.as_of.clone(),
        ..landscape::Params::default()
    };
    let regions = match a.scale {
        Scale::Jelgava => {
            params.coverage_polygons = 160;
            params.source_ref = "gapmap synth --scale jelgava (simulated from the parish populations in areas.geojson)".into();
            jelgava_regions(&a.geodata)?
        }
        Scale::Parish => grid_regions(23.60, 56.45, 0.12, 0.07, 1, 1, 2_000),
        Scale::Municipality => grid_regions(23.30, 56.35, 0.11, 0.07, 4, 4, 33_348),
        Scale::Latvia => {
            params.coverage_polygons = 20_000;
            params.sites = 5_000;
            params.ring_vertices = 220;
            params.village_persons_per_point = 1.3;
            params.homestead_persons_per_point = 0.8;
            grid_regions(21.3, 55.8, 0.6, 0.19, 11, 11, 1_880_000)
        }
    };
    let out = landscape::generate(&regions, &params);
    let write = |name: &str, text: String| -> Result<(), CliError> {
        let p = a.out.join(name);
        std::fs::write(&p, text).map_err(|e| CliError::Other(format!("{}: {e}", p.display())))?;
        crate::output::say!("wrote {}", p.display());
        Ok(())
    };
    write("demand.csv", landscape::demand_csv(&out.demand, &params))?;
    write(
        "coverage.geojson",
        landscape::feature_collection(&out.coverage),
    )?;
    if a.geojson {
        write(
            "demand.geojson",
            landscape::feature_collection(&landscape::demand_features(&out.demand, &params)),
        )?;
    }
    if !out.sites.is_empty() {
        write("sites.geojson", landscape::feature_collection(&out.sites))?;
    }
    if a.addresses {
        write(
            "addresses.csv",
            gapmap_synth::vzd::register_csv(&out.demand, a.seed),
        )?;
    }
    if matches!(a.scale, Scale::Jelgava) {
        let (equipment, visits) = jelgava_inventory(&a.geodata, &params)?;
        write("equipment.csv", equipment)?;
        write("visits.csv", visits)?;
    } else {
        write(
            "areas.geojson",
            landscape::feature_collection(&landscape::region_features(&regions, &params)),
        )?;
    }
    let residents: u64 = out.demand.iter().map(|d| u64::from(d.residents)).sum();
    crate::output::say!(
        "{} demand points, {residents} residents, {} coverage polygons, {} sites (all simulated)",
        out.demand.len(),
        out.coverage.len(),
        out.sites.len()
    );
    Ok(())
}

/// A grid of rectangular synthetic parishes with a total population; the
/// south-western cell is the most populous (a town).
fn grid_regions(
    lon0: f64,
    lat0: f64,
    dlon: f64,
    dlat: f64,
    nx: usize,
    ny: usize,
    total: u64,
) -> Vec<landscape::Region> {
    let n = nx * ny;
    let weights: Vec<f64> = (0..n)
        .map(|i| {
            if i == 0 {
                6.0
            } else {
                1.0 + (i % 7) as f64 * 0.3
            }
        })
        .collect();
    let pops = landscape::split_exact(total, &weights);
    (0..n)
        .map(|i| {
            let (ix, iy) = (i % nx, i / nx);
            let (x0, y0) = (lon0 + ix as f64 * dlon, lat0 + iy as f64 * dlat);
            let poly = geo_types::Polygon::new(
                geo_types::LineString::from(vec![
                    (x0, y0),
                    (x0 + dlon, y0),
                    (x0 + dlon, y0 + dlat),
                    (x0, y0 + dlat),
                    (x0, y0),
                ]),
                vec![],
            );
            landscape::Region {
                id: Some(format!("sim-parish-{i:03}")),
                polygon: geo_types::MultiPolygon(vec![poly]),
                population: pops[i],
                centres: vec![geo_types::Point::new(x0 + dlon / 2.0, y0 + dlat / 2.0)],
            }
        })
        .collect()
}

/// The simulated inventory of the embedded dataset's sites: equipment.csv
/// and visits.csv (see gapmap_synth::inventory).
fn jelgava_inventory(
    geodata: &Path,
    params: &landscape::Params,
) -> Result<(String, String), CliError> {
    use gapmap_synth::inventory as inv;
    let mut problems = gapmap_ingest::problem::Problems::default();
    let opts = Options {
        layer: Some(Layer::Sites),
        ..Options::default()
    };
    let (_, records) =
        gapmap_ingest::read_to_vec(&geodata.join("sites.geojson"), &opts, &mut problems)?;
    if problems.has_errors() {
        let text: Vec<String> = problems.iter().map(ToString::to_string).collect();
        return Err(CliError::Invalid(text.join("\n")));
    }
    let sites = records
        .iter()
        .map(gapmap_model::Site::from_record)
        .collect::<Result<Vec<_>, _>>()
        .map_err(CliError::Invalid)?;
    let p = inv::Params {
        seed: params.seed,
        as_of: params.as_of.clone(),
        source_ref: "gapmap synth --scale jelgava (simulated inventory keyed on sites.geojson; not the municipality's records)".into(),
    };
    Ok((
        inv::equipment_csv(&inv::equipment(&sites, &p), &p),
        inv::visits_csv(&inv::visits(&sites, &p), &p),
    ))
}

/// The parishes of the embedded dataset, with their sites as settlement centres.
fn jelgava_regions(geodata: &Path) -> Result<Vec<landscape::Region>, CliError> {
    let mut problems = gapmap_ingest::problem::Problems::default();
    let opts = Options {
        layer: Some(Layer::Areas),
        ..Options::default()
    };
    let (_, areas) =
        gapmap_ingest::read_to_vec(&geodata.join("areas.geojson"), &opts, &mut problems)?;
    let opts = Options {
        layer: Some(Layer::Sites),
        ..Options::default()
    };
    let (_, sites) =
        gapmap_ingest::read_to_vec(&geodata.join("sites.geojson"), &opts, &mut problems)?;
    if problems.has_errors() {
        let text: Vec<String> = problems.iter().map(ToString::to_string).collect();
        return Err(CliError::Invalid(text.join("\n")));
    }
    let mut regions = Vec::new();
    for a in areas.iter().filter(|a| a.str("kind") == Some("parish")) {
        let centres = sites
            .iter()
            .filter(|s| s.str("parish_id") == Some(a.id.as_str()))
            .filter_map(|s| s.point().ok())
            .fold(Vec::<geo_types::Point<f64>>::new(), |mut acc, p| {
                if !acc
                    .iter()
                    .any(|q| (q.x() - p.x()).abs() < 1e-4 && (q.y() - p.y()).abs() < 1e-4)
                {
                    acc.push(p);
                }
                acc
            });
        regions.push(landscape::Region {
            id: Some(a.id.clone()),
            polygon: a.multi_polygon().map_err(CliError::Other)?,
            population: a
                .props
                .get("population")
                .and_then(serde_json::Value::as_u64)
                .unwrap_or(0),
            centres,
        });
    }
    regions.sort_by(|a, b| a.id.cmp(&b.id));
    Ok(regions)
}
