//! Deterministic synthetic data at any scale, for tests and benchmarks, and
//! for the simulated layers of the embedded dataset. Everything it makes is
//! labelled `simulated` and uses made-up provider names.
//!
//! One ChaCha stream per run, consumed in a fixed order: the output depends
//! only on the inputs and the seed, never on threads or timing.
//!
//! Shapes (in LKS-92 metres, then written as WGS84):
//! 1. settlements: given centres (parish centres, sites) or random ones, with
//!    sizes from a heavy-tailed distribution;
//! 2. demand: village points clustered round settlements plus dispersed
//!    homesteads (viensētas), residents split exactly to a target total;
//! 3. coverage: fibre round villages, VDSL/FWA wider, LTE/5G discs from masts
//!    with holes (forest) and weaker service near the southern border, and a
//!    satellite layer everywhere; irregular rings of hundreds of vertices.

use gapmap_geo::crs::{LKS92, Transformer, WGS84};
use geo::{BoundingRect, Contains};
use geo_types::{Coord, LineString, MultiPolygon, Point, Polygon};
use rand::{Rng, SeedableRng};
use rand_chacha::ChaCha8Rng;
use serde_json::{Value, json};
use std::f64::consts::TAU;

/// A region to fill: polygons (WGS84) with a population target each.
#[derive(Debug, Clone)]
pub struct Region {
    pub id: Option<String>,
    pub polygon: MultiPolygon<f64>,
    pub population: u64,
    /// Known settlement centres (WGS84), largest first if known.
    pub centres: Vec<Point<f64>>,
}

/// How much to make.
#[derive(Debug, Clone)]
pub struct Params {
    pub seed: u64,
    /// Coverage polygons to make (about).
    pub coverage_polygons: usize,
    /// Sites to make (0 for none).
    pub sites: usize,
    /// Vertices of a coverage ring (about).
    pub ring_vertices: usize,
    pub as_of: String,
    pub source_ref: String,
    /// Residents per village point and per homestead point (on average).
    pub village_persons_per_point: f64,
    pub homestead_persons_per_point: f64,
}

impl Default for Params {
    fn default() -> Self {
        Params {
            seed: 42,
            coverage_polygons: 60,
            sites: 0,
            ring_vertices: 180,
            as_of: "2026-11-25".into(),
            source_ref: "gapmap synth (deterministic generator)".into(),
            village_persons_per_point: 8.0,
            homestead_persons_per_point: 3.0,
        }
    }
}

/// A generated demand point.
#[derive(Debug, Clone, PartialEq)]
pub struct SynthDemand {
    pub id: String,
    pub lon: f64,
    pub lat: f64,
    pub residents: u32,
    pub parish_id: Option<String>,
}

/// The generated layers, as GeoJSON-ready values.
#[derive(Debug, Clone)]
pub struct Output {
    pub demand: Vec<SynthDemand>,
    pub coverage: Vec<Value>,
    pub sites: Vec<Value>,
}

fn round7(v: f64) -> f64 {
    (v * 1e7).round() / 1e7
}

struct Gen {
    rng: ChaCha8Rng,
    to_xy: Transformer,
    to_ll: Transformer,
}

impl Gen {
    fn xy(&self, p: Point<f64>) -> Coord<f64> {
        let (x, y) = self.to_xy.convert(p.x(), p.y()).unwrap_or((0.0, 0.0));
        Coord { x, y }
    }
    fn ll(&self, c: Coord<f64>) -> (f64, f64) {
        let (lon, lat) = self.to_ll.convert(c.x, c.y).unwrap_or((0.0, 0.0));
        (round7(lon), round7(lat))
    }
    fn normal(&mut self) -> f64 {
        // Box–Muller; deterministic given the stream.
        let u1: f64 = self.rng.r#gen::<f64>().max(1e-12);
        let u2: f64 = self.rng.r#gen();
        (-2.0 * u1.ln()).sqrt() * (TAU * u2).cos()
    }
    /// An irregular ring round `c` of mean radius `r` metres.
    fn blob(&mut self, c: Coord<f64>, r: f64, vertices: usize) -> LineString<f64> {
        let n = vertices.max(8);
        let (a1, a2, p1, p2) = (
            self.rng.gen_range(0.05..0.2),
            self.rng.gen_range(0.02..0.1),
            self.rng.gen_range(0.0..TAU),
            self.rng.gen_range(0.0..TAU),
        );
        let k1 = self.rng.gen_range(2..5) as f64;
        let k2 = self.rng.gen_range(5..11) as f64;
        let mut pts: Vec<Coord<f64>> = (0..n)
            .map(|i| {
                let t = TAU * i as f64 / n as f64;
                let rr = r * (1.0 + a1 * (k1 * t + p1).sin() + a2 * (k2 * t + p2).sin());
                Coord {
                    x: c.x + rr * t.cos(),
                    y: c.y + rr * t.sin(),
                }
            })
            .collect();
        pts.push(pts[0]);
        LineString(pts)
    }
}

fn to_ll_polygon(g: &Gen, p: &Polygon<f64>) -> Vec<Vec<[f64; 2]>> {
    std::iter::once(p.exterior())
        .chain(p.interiors())
        .map(|ring| {
            ring.0
                .iter()
                .map(|c| {
                    let (lon, lat) = g.ll(*c);
                    [lon, lat]
                })
                .collect()
        })
        .collect()
}

/// Split `total` into `weights.len()` integers ≥ 0 proportional to the
/// weights, summing exactly to `total` (largest remainder, ties by index).
pub fn split_exact(total: u64, weights: &[f64]) -> Vec<u64> {
    let sum: f64 = weights.iter().sum();
    if weights.is_empty() || sum <= 0.0 {
        return vec![0; weights.len()];
    }
    let raw: Vec<f64> = weights.iter().map(|w| total as f64 * w / sum).collect();
    let mut out: Vec<u64> = raw.iter().map(|r| r.floor() as u64).collect();
    let mut left = total - out.iter().sum::<u64>();
    let mut order: Vec<usize> = (0..raw.len()).collect();
    order.sort_by(|&a, &b| {
        (raw[b] - raw[b].floor())
            .total_cmp(&(raw[a] - raw[a].floor()))
            .then(a.cmp(&b))
    });
    for i in order.into_iter().cycle() {
        if left == 0 {
            break;
        }
        out[i] += 1;
        left -= 1;
    }
    out
}

/// Generate demand and coverage for regions (and optionally sites).
pub fn generate(regions: &[Region], params: &Params) -> Output {
    let mut g = Gen {
        rng: ChaCha8Rng::seed_from_u64(params.seed),
        to_xy: Transformer::new(WGS84, LKS92).expect("LKS-92 is built in"),
        to_ll: Transformer::new(LKS92, WGS84).expect("LKS-92 is built in"),
    };
    let mut demand = Vec::new();
    let mut settlements: Vec<(Coord<f64>, f64)> = Vec::new(); // centre, size weight
    let mut counter = 0u64;
    for region in regions {
        let poly_xy = project_mp(&g, &region.polygon);
        let Some(bbox) = poly_xy.bounding_rect() else {
            continue;
        };
        let area = (&poly_xy, bbox);
        let (centres, sizes) = settlement_centres(&mut g, region, area);
        let points = demand_points(
            &mut g,
            region,
            area,
            (&centres, &sizes),
            params,
            &mut settlements,
        );
        let weights: Vec<f64> = points.iter().map(|p| p.1).collect();
        let residents = split_exact(region.population, &weights);
        for ((p, _), r) in points.iter().zip(residents) {
            if r == 0 {
                continue;
            }
            counter += 1;
            let (lon, lat) = g.ll(*p);
            let id = match &region.id {
                Some(pid) => format!("sim-{pid}-{counter:07}"),
                None => format!("sim-{counter:07}"),
            };
            demand.push(SynthDemand {
                id,
                lon,
                lat,
                residents: r as u32,
                parish_id: region.id.clone(),
            });
        }
    }
    let coverage = make_coverage(&mut g, regions, &settlements, params);
    let sites = make_sites(&mut g, &settlements, params);
    Output {
        demand,
        coverage,
        sites,
    }
}

/// A region in LKS-92 and its bounding box.
type Area<'a> = (&'a MultiPolygon<f64>, geo_types::Rect<f64>);

/// A region's settlements: the given centres inside it first, then random
/// ones; with their size weights.
fn settlement_centres(
    g: &mut Gen,
    region: &Region,
    (poly_xy, bbox): Area,
) -> (Vec<Coord<f64>>, Vec<f64>) {
    let mut centres: Vec<Coord<f64>> = region
        .centres
        .iter()
        .map(|p| g.xy(*p))
        .filter(|c| poly_xy.contains(c))
        .collect();
    let extra = (region.population / 900).clamp(2, 400) as usize;
    for _ in 0..extra {
        if let Some(c) = sample_inside(g, poly_xy, bbox) {
            centres.push(c);
        }
    }
    let sizes: Vec<f64> = (0..centres.len())
        .map(|i| {
            if i < region.centres.len() {
                4.0
            } else {
                1.0 / (1.0 + g.rng.r#gen::<f64>() * 6.0)
            }
        })
        .collect();
    (centres, sizes)
}

/// A region's demand points with their weights: about 60 % of its people
/// in villages round the settlements (which go to `settlements`), 40 % in
/// dispersed homesteads.
fn demand_points(
    g: &mut Gen,
    region: &Region,
    (poly_xy, bbox): Area,
    (centres, sizes): (&[Coord<f64>], &[f64]),
    params: &Params,
    settlements: &mut Vec<(Coord<f64>, f64)>,
) -> Vec<(Coord<f64>, f64)> {
    let village_pop = region.population * 6 / 10;
    let homestead_pop = region.population - village_pop;
    let per_village = split_exact(village_pop, sizes);
    let mut points: Vec<(Coord<f64>, f64)> = Vec::new();
    for (c, (pop, size)) in centres.iter().zip(per_village.iter().zip(sizes)) {
        settlements.push((*c, *size));
        let n = ((*pop as f64) / params.village_persons_per_point).ceil() as usize;
        let spread = 250.0 + 500.0 * size.sqrt();
        for _ in 0..n {
            let p = Coord {
                x: c.x + g.normal() * spread,
                y: c.y + g.normal() * spread,
            };
            let w = 1.0 + g.rng.gen_range(0.0..20.0f64).powf(1.2);
            if poly_xy.contains(&p) {
                points.push((p, w));
            }
        }
    }
    let homesteads = ((homestead_pop as f64 / params.homestead_persons_per_point) as usize).max(1);
    for _ in 0..homesteads {
        if let Some(p) = sample_inside(g, poly_xy, bbox) {
            let w = g.rng.gen_range(1.0..5.0);
            points.push((p, w));
        }
    }
    if points.is_empty()
        && let Some(c) = centres.first()
    {
        points.push((*c, 1.0));
    }
    points
}

fn project_mp(g: &Gen, mp: &MultiPolygon<f64>) -> MultiPolygon<f64> {
    let mut geom = geo_types::Geometry::MultiPolygon(mp.clone());
    let _ = g.to_xy.transform_geometry(&mut geom);
    match geom {
        geo_types::Geometry::MultiPolygon(m) => m,
        _ => MultiPolygon(vec![]),
    }
}

fn sample_inside(
    g: &mut Gen,
    poly: &MultiPolygon<f64>,
    bbox: geo_types::Rect<f64>,
) -> Option<Coord<f64>> {
    for _ in 0..200 {
        let c = Coord {
            x: g.rng.gen_range(bbox.min().x..=bbox.max().x),
            y: g.rng.gen_range(bbox.min().y..=bbox.max().y),
        };
        if poly.contains(&c) {
            return Some(c);
        }
    }
    None
}

const PROVIDERS: [&str; 3] = [
    "Simulēts operators A",
    "Simulēts operators B",
    "Simulēts operators C",
];

/// A coverage offer: technology and speeds (Mbit/s).
struct Offer {
    tech: &'static str,
    down: f64,
    up: f64,
}

/// A simulated coverage polygon of a provider's offer.
fn coverage_feature(
    g: &Gen,
    provider: &str,
    offer: &Offer,
    poly: &Polygon<f64>,
    i: usize,
    p: &Params,
) -> Value {
    let Offer { tech, down, up } = *offer;
    let service = if matches!(tech, "lte" | "nr5g") {
        "mobile"
    } else {
        "fixed"
    };
    json!({
        "type": "Feature",
        "id": format!("sim-cov-{i:06}"),
        "properties": {
            "provider": provider, "technology": tech, "service": service,
            "max_down_mbps": down, "max_up_mbps": up,
            "source": "simulated", "source_ref": p.source_ref, "as_of": p.as_of,
            "licence": "CC0 (simulated by gapmap)",
            "source_note": "simulated coverage: not reported by any operator",
        },
        "geometry": { "type": "Polygon", "coordinates": to_ll_polygon(g, poly) },
    })
}

fn make_coverage(
    g: &mut Gen,
    regions: &[Region],
    settlements: &[(Coord<f64>, f64)],
    params: &Params,
) -> Vec<Value> {
    let mut out = Vec::new();
    if settlements.is_empty() {
        return out;
    }
    // The southern edge (the Lithuanian border for Jelgavas novads) gets weaker mobile service.
    let south = settlements
        .iter()
        .map(|s| s.0.y)
        .fold(f64::INFINITY, f64::min);
    let n = params.coverage_polygons.max(4);
    let mut i = 0usize;
    // One satellite polygon per region: everywhere, slow.
    let satellite = Offer {
        tech: "satellite",
        down: 25.0,
        up: 3.0,
    };
    for region in regions {
        for poly in &project_mp(g, &region.polygon).0 {
            if i >= n {
                break;
            }
            i += 1;
            out.push(coverage_feature(
                g,
                "Simulēts satelītoperators",
                &satellite,
                poly,
                i,
                params,
            ));
        }
    }
    let v = params.ring_vertices;
    while i < n {
        let (c, size) = settlements[g.rng.gen_range(0..settlements.len())];
        let provider = PROVIDERS[g.rng.gen_range(0..PROVIDERS.len())];
        let roll: f64 = g.rng.r#gen();
        let near_border = (c.y - south) < 12_000.0;
        i += 1;
        let (offer, poly) = if roll < 0.35 {
            fibre(g, c, size, v)
        } else if roll < 0.55 {
            vdsl(g, c, v)
        } else if roll < 0.70 {
            fixed_wireless(g, c, v)
        } else {
            mobile(g, c, v, near_border)
        };
        out.push(coverage_feature(g, provider, &offer, &poly, i, params));
    }
    out
}

/// Fibre round a settlement of weight `size`.
fn fibre(g: &mut Gen, c: Coord<f64>, size: f64, v: usize) -> (Offer, Polygon<f64>) {
    let r = 400.0 + 900.0 * size.sqrt() * g.rng.gen_range(0.5..1.2);
    let down = if g.rng.gen_bool(0.6) { 1000.0 } else { 300.0 };
    let poly = Polygon::new(g.blob(c, r, v), vec![]);
    let up = if down >= 1000.0 { 500.0 } else { 100.0 };
    (
        Offer {
            tech: "ftth",
            down,
            up,
        },
        poly,
    )
}

/// VDSL, wider round a settlement.
fn vdsl(g: &mut Gen, c: Coord<f64>, v: usize) -> (Offer, Polygon<f64>) {
    let r = 1500.0 + 2000.0 * g.rng.r#gen::<f64>();
    let down = [40.0, 60.0, 100.0][g.rng.gen_range(0..3)];
    let poly = Polygon::new(g.blob(c, r, v), vec![]);
    (
        Offer {
            tech: "vdsl",
            down,
            up: down / 5.0,
        },
        poly,
    )
}

/// Fixed wireless, off a settlement.
fn fixed_wireless(g: &mut Gen, c: Coord<f64>, v: usize) -> (Offer, Polygon<f64>) {
    let r = 3000.0 + 3000.0 * g.rng.r#gen::<f64>();
    let off = Coord {
        x: c.x + g.normal() * 3000.0,
        y: c.y + g.normal() * 3000.0,
    };
    let poly = Polygon::new(g.blob(off, r, v), vec![]);
    (
        Offer {
            tech: "fwa",
            down: 50.0,
            up: 10.0,
        },
        poly,
    )
}

/// LTE or 5G from a mast somewhere near, with a forest hole (weaker near
/// the border).
fn mobile(g: &mut Gen, c: Coord<f64>, v: usize, near_border: bool) -> (Offer, Polygon<f64>) {
    let mast = Coord {
        x: c.x + g.normal() * 5000.0,
        y: c.y + g.normal() * 5000.0,
    };
    let r = 6000.0 + 6000.0 * g.rng.r#gen::<f64>();
    // Inside the exterior: the ring's radius never drops below 0.7 r.
    let (a, d) = (g.rng.gen_range(0.0..TAU), r * 0.4 * g.rng.r#gen::<f64>());
    let hole_c = Coord {
        x: mast.x + d * a.cos(),
        y: mast.y + d * a.sin(),
    };
    let hole = g.blob(hole_c, r * 0.12, v / 3);
    let nr = !near_border && g.rng.gen_bool(0.25);
    let (tech, down, up) = match (nr, near_border) {
        (true, _) => ("nr5g", 300.0, 50.0),
        (false, true) => ("lte", [1.5, 10.0, 20.0][g.rng.gen_range(0..3)], 2.0),
        (false, false) => ("lte", [20.0, 40.0, 80.0][g.rng.gen_range(0..3)], 10.0),
    };
    let poly = Polygon::new(g.blob(mast, r, v), vec![hole]);
    (Offer { tech, down, up }, poly)
}

fn make_sites(g: &mut Gen, settlements: &[(Coord<f64>, f64)], params: &Params) -> Vec<Value> {
    let kinds = [
        "library",
        "kac",
        "wifi",
        "school",
        "culture_house",
        "municipal_office",
    ];
    (0..params.sites)
        .filter_map(|i| {
            let (c, _) = *settlements.get(g.rng.gen_range(0..settlements.len().max(1)))?;
            let p = Coord { x: c.x + g.normal() * 400.0, y: c.y + g.normal() * 400.0 };
            let (lon, lat) = g.ll(p);
            let kind = kinds[g.rng.gen_range(0..kinds.len())];
            let free_wifi = kind == "wifi" || (kind == "library" && g.rng.gen_bool(0.9));
            Some(json!({
                "type": "Feature",
                "id": format!("sim-site-{i:05}"),
                "properties": {
                    "kind": kind, "name": format!("Simulēta vieta {}", i + 1), "free_wifi": free_wifi,
                    "opening_hours": "Mo-Fr 09:00-17:00; PH off",
                    "source": "simulated", "source_ref": params.source_ref, "as_of": params.as_of,
                    "licence": "CC0 (simulated by gapmap)",
                },
                "geometry": { "type": "Point", "coordinates": [lon, lat] },
            }))
        })
        .collect()
}

/// Demand points as CSV (`id,lon,lat,residents,parish_id,origin,source,source_ref,as_of,licence`).
pub fn demand_csv(demand: &[SynthDemand], params: &Params) -> String {
    let mut s =
        String::from("id,lon,lat,residents,parish_id,origin,source,source_ref,as_of,licence\n");
    for d in demand {
        s.push_str(&format!(
            "{},{},{},{},{},point,simulated,{},{},CC0 (simulated by gapmap)\n",
            d.id,
            d.lon,
            d.lat,
            d.residents,
            d.parish_id.as_deref().unwrap_or(""),
            csv_quote(&params.source_ref),
            params.as_of
        ));
    }
    s
}

/// One CSV cell as every gapmap CSV writes it ([`gapmap_geo::csv_cell`]).
fn csv_quote(s: &str) -> String {
    let mut out = String::new();
    gapmap_geo::csv_cell::field(&mut out, s);
    out
}

/// Write a FeatureCollection of features, one per line (deterministic bytes).
pub fn feature_collection(features: &[Value]) -> String {
    let mut s = String::from("{\"type\":\"FeatureCollection\",\"features\":[\n");
    for (i, f) in features.iter().enumerate() {
        if i > 0 {
            s.push_str(",\n");
        }
        s.push_str(&f.to_string());
    }
    s.push_str("\n]}\n");
    s
}

/// Demand points as a GeoJSON FeatureCollection (for benchmarks against GDAL).
pub fn demand_features(demand: &[SynthDemand], params: &Params) -> Vec<Value> {
    demand
        .iter()
        .map(|d| {
            json!({"type": "Feature", "id": d.id, "properties": {
                "residents": d.residents, "parish_id": d.parish_id, "origin": "point",
                "source": "simulated", "source_ref": params.source_ref, "as_of": params.as_of,
                "licence": "CC0 (simulated by gapmap)"},
                "geometry": {"type": "Point", "coordinates": [d.lon, d.lat]}})
        })
        .collect()
}

/// The regions as parish areas (for synthetic scales), labelled simulated.
pub fn region_features(regions: &[Region], params: &Params) -> Vec<Value> {
    regions
        .iter()
        .enumerate()
        .map(|(i, r)| {
            let id = r.id.clone().unwrap_or_else(|| format!("sim-parish-{i:03}"));
            json!({"type": "Feature", "id": id, "properties": {
                "kind": "parish", "name": format!("Simulēts pagasts {}", i + 1), "population": r.population,
                "population_date": params.as_of, "source": "simulated", "source_ref": params.source_ref,
                "as_of": params.as_of, "licence": "CC0 (simulated by gapmap)"},
                "geometry": geojson::Geometry::from(&r.polygon)})
        })
        .collect()
}

#[cfg(test)]
mod tests {
    use super::*;
    use geo_types::polygon;

    fn square() -> Region {
        Region {
            id: Some("test-pagasts".into()),
            polygon: MultiPolygon(vec![
                polygon![(x: 23.5, y: 56.5), (x: 23.7, y: 56.5), (x: 23.7, y: 56.6), (x: 23.5, y: 56.6)],
            ]),
            population: 2345,
            centres: vec![Point::new(23.6, 56.55)],
        }
    }

    #[test]
    fn residents_sum_exactly_and_runs_repeat() {
        let p = Params::default();
        let a = generate(&[square()], &p);
        let total: u64 = a.demand.iter().map(|d| u64::from(d.residents)).sum();
        assert_eq!(total, 2345);
        let b = generate(&[square()], &p);
        assert_eq!(a.demand, b.demand);
        assert_eq!(
            feature_collection(&a.coverage),
            feature_collection(&b.coverage)
        );
        assert!(a.coverage.len() >= 4);
    }

    #[test]
    fn split_exact_sums_and_breaks_ties_by_index() {
        assert_eq!(split_exact(10, &[1.0, 1.0, 1.0]), vec![4, 3, 3]);
        assert_eq!(split_exact(0, &[1.0, 2.0]), vec![0, 0]);
        assert_eq!(split_exact(7, &[]), Vec::<u64>::new());
    }
}
