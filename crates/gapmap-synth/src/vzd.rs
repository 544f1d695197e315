//! A synthetic VZD address register (the AW_EKA buildings file, current
//! dialect: `,`-separated, `"`-quoted, UTF-8 with BOM) with one existing
//! building address per generated demand point: street addresses in the
//! places where points crowd together, homestead names ("mājas") elsewhere,
//! each with its LKS-92 KOORD_X (northing) / KOORD_Y (easting) and the
//! decimal degrees they agree with. Deterministic for a seed; names are
//! built from common Latvian words, so many repeat, as they do in the
//! register. For the gazetteer benchmark (`gapmap synth --addresses`).

use crate::landscape::SynthDemand;
use gapmap_geo::crs::{LKS92, Transformer, WGS84};
use rand::{Rng, SeedableRng};
use rand_chacha::ChaCha8Rng;
use std::fmt::Write;

const HEADER: &str = "\"KODS\",\"TIPS_CD\",\"STATUSS\",\"APSTIPR\",\"APST_PAK\",\"VKUR_CD\",\"VKUR_TIPS\",\"NOSAUKUMS\",\"SORT_NOS\",\"ATRIB\",\"PNOD_CD\",\"DAT_SAK\",\"DAT_MOD\",\"DAT_BEIG\",\"FOR_BUILD\",\"PLAN_ADR\",\"STD\",\"KOORD_X\",\"KOORD_Y\",\"DD_N\",\"DD_E\"";

const BASES: [&str; 48] = [
    "Ozoli",
    "Liepas",
    "Bērzi",
    "Priedes",
    "Egles",
    "Ābeles",
    "Kalni",
    "Lejas",
    "Pļavas",
    "Dārziņi",
    "Rūķīši",
    "Zemgaļi",
    "Avoti",
    "Strautiņi",
    "Lazdas",
    "Vītoli",
    "Kļavas",
    "Oši",
    "Gobas",
    "Irbes",
    "Dzērves",
    "Stārķi",
    "Cielavas",
    "Zīles",
    "Vālodzes",
    "Ievas",
    "Sili",
    "Meži",
    "Purvi",
    "Krasti",
    "Upmaļi",
    "Ezermaļi",
    "Druvas",
    "Tīrumi",
    "Ceriņi",
    "Rozes",
    "Magones",
    "Rudzi",
    "Auzas",
    "Mieži",
    "Ziedi",
    "Saulītes",
    "Rasas",
    "Vēji",
    "Zvaigznes",
    "Mēnesis",
    "Dzirnavas",
    "Krogs",
];
const PREFIXES: [&str; 12] = [
    "", "", "", "", "Jaun", "Vec", "Lejas ", "Kalna ", "Mazie ", "Lielie ", "Augš", "Lejas",
];
const STREETS: [&str; 30] = [
    "Rīgas",
    "Skolas",
    "Dzirnavu",
    "Parka",
    "Dārza",
    "Liepu",
    "Bērzu",
    "Ozolu",
    "Meža",
    "Upes",
    "Ezera",
    "Stacijas",
    "Baznīcas",
    "Pils",
    "Saules",
    "Lauku",
    "Ābeļu",
    "Jelgavas",
    "Zemgales",
    "Brīvības",
    "Tirgus",
    "Pasta",
    "Kalna",
    "Sporta",
    "Jaunā",
    "Vecā",
    "Lielā",
    "Mazā",
    "Smilšu",
    "Ziedu",
];

/// A 4-digit postcode and a town-like name per region of points (by id prefix).
fn region_of(id: &str) -> &str {
    id.rsplit_once('-').map_or(id, |(a, _)| a)
}

/// The register as CSV text (see the module documentation). Points with no
/// LKS-92 position (outside the projection's domain) are left out.
pub fn register_csv(points: &[SynthDemand], seed: u64) -> String {
    let mut rng = ChaCha8Rng::seed_from_u64(seed ^ 0x5a5a_0f0f);
    let t = Transformer::new(WGS84, LKS92).ok();
    let mut s = String::with_capacity(points.len() * 190);
    s.push('\u{feff}');
    s.push_str(HEADER);
    s.push('\n');
    let mut street_no: std::collections::HashMap<(String, usize), u32> = Default::default();
    for (i, p) in points.iter().enumerate() {
        let Some((x, y)) = t.as_ref().and_then(|t| t.convert(p.lon, p.lat).ok()) else {
            continue;
        };
        let region = region_of(&p.id);
        let town = town_name(region);
        let parish = format!("{town}s pag.");
        let postcode = 3000 + (fnv(region) % 900) as u32;
        // Points with more residents are village houses: street addresses.
        let (name, sort, std) = if p.residents >= 6 || rng.gen_bool(0.3) {
            let street = rng.gen_range(0..STREETS.len());
            let n = street_no.entry((region.to_owned(), street)).or_insert(0);
            *n += 1;
            let name = n.to_string();
            let std = format!(
                "{} iela {n}, {town}, {parish}, Sintētiskais nov., LV-{postcode}",
                STREETS[street]
            );
            (name, format!("{n:04}"), std)
        } else {
            let prefix = PREFIXES[rng.gen_range(0..PREFIXES.len())];
            let base = BASES[rng.gen_range(0..BASES.len())];
            let base = if prefix.ends_with(' ') || prefix.is_empty() {
                base.to_owned()
            } else {
                base.to_lowercase()
            };
            let mut name = format!("{prefix}{base}");
            if rng.gen_bool(0.15) {
                let _ = write!(name, " {}", rng.gen_range(1..10));
            }
            let std = format!("\"{name}\", {parish}, Sintētiskais nov., LV-{postcode}");
            (name.clone(), name, std)
        };
        let kods = 900_000_000 + i as u64;
        let _ = writeln!(
            s,
            "\"{kods}\",\"108\",\"EKS\",\"Y\",\"252\",\"{}\",\"105\",\"{}\",\"{}\",\"LV-{postcode}\",\"{}\",\"2001.01.25\",\"2003.01.10\",\"\",\"N\",\"N\",\"{}\",\"{y:.3}\",\"{x:.3}\",\"{:.6}\",\"{:.6}\"",
            800_000_000 + fnv(region) % 99_999_999,
            q(&name),
            q(&sort),
            700_000_000 + fnv(&town) % 99_999_999,
            q(&std),
            p.lat,
            p.lon,
        );
    }
    s
}

fn q(s: &str) -> String {
    s.replace('"', "\"\"")
}

fn fnv(s: &str) -> u64 {
    s.bytes().fold(0xcbf2_9ce4_8422_2325u64, |h, b| {
        (h ^ u64::from(b)).wrapping_mul(0x0100_0000_01b3)
    })
}

/// A Latvian-looking place name for a region id (deterministic).
fn town_name(region: &str) -> String {
    const A: [&str; 12] = [
        "Ozol", "Lie", "Bērz", "Kaln", "Priež", "Vilc", "Zaļ", "Glūd", "Sesav", "Platon", "Svēt",
        "Elej",
    ];
    const B: [&str; 6] = ["niek", "av", "ciem", "muiž", "krast", "lauk"];
    let h = fnv(region);
    format!("{}{}a", A[(h % 12) as usize], B[((h / 12) % 6) as usize])
}

#[cfg(test)]
mod tests {
    use super::*;
    use gapmap_ingest::problem::Problems;
    use gapmap_ingest::{DefaultProvenance, Format, Options, read_to_vec};
    use gapmap_model::Source;

    fn points() -> Vec<SynthDemand> {
        (0..200)
            .map(|i| SynthDemand {
                id: format!("sim-p{}-{i:07}", i % 3),
                lon: 23.5 + f64::from(i) * 0.001,
                lat: 56.5 + f64::from(i % 17) * 0.002,
                residents: (i % 9) as u32,
                parish_id: None,
            })
            .collect()
    }

    #[test]
    fn deterministic_and_read_back_by_the_vzd_reader() {
        let a = register_csv(&points(), 7);
        assert_eq!(a, register_csv(&points(), 7));
        assert_ne!(a, register_csv(&points(), 8));
        let dir = tempfile::tempdir().expect("tempdir");
        let path = dir.path().join("aw_eka.csv");
        std::fs::write(&path, &a).expect("write");
        let opts = Options {
            format: Some(Format::VzdAddress),
            provenance: DefaultProvenance {
                source: Some(Source::Simulated),
                source_ref: Some("gapmap synth --addresses".into()),
                as_of: chrono::NaiveDate::from_ymd_opt(2026, 11, 25),
            },
            ..Options::default()
        };
        let mut problems = Problems::default();
        let (_, records) = read_to_vec(&path, &opts, &mut problems).expect("readable");
        assert!(problems.into_vec().is_empty(), "every row valid");
        assert_eq!(records.len(), 200);
        let texts: Vec<&str> = records.iter().filter_map(|r| r.str("address")).collect();
        assert_eq!(texts.len(), 200);
        assert!(texts.iter().any(|t| t.contains(" iela ")));
        assert!(texts.iter().any(|t| t.starts_with('"')));
    }
}
