//! A synthetic VZD address register (the AW_EKA buildings file, current
//! dialect: `,`-separated, `"`-quoted, UTF-8 with BOM) with one existing
//! building address per generated demand point: street addresses in the
//! places where points crowd together, homestead names ("mājas") elsewhere,
//! each with its LKS-92 KOORD_X (northing) / KOORD_Y (easting) and the
//! decimal degrees they agree with. Deterministic for a seed; names are
//! built from common Latvian words, so they repeat across the country as
//! they do in the register, but, as the addressing rules require, never
//! within one parish: every address is unique, and every region (parish)
//! has a name of its own. For the gazetteer and update benchmarks
//! (`gapmap synth --addresses`).

use crate::landscape::SynthDemand;
use gapmap_geo::crs::{LKS92, Transformer, WGS84};
use rand::{Rng, SeedableRng};
use rand_chacha::ChaCha8Rng;
use std::collections::{HashMap, HashSet};
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
    let mut street_no: HashMap<(String, usize), u32> = Default::default();
    let mut towns = Towns::default();
    let mut homesteads: HashSet<(String, String)> = HashSet::new();
    for (i, p) in points.iter().enumerate() {
        let Some((x, y)) = t.as_ref().and_then(|t| t.convert(p.lon, p.lat).ok()) else {
            continue;
        };
        let region = region_of(&p.id);
        let town = towns.name(region);
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
            let name = homestead_name(&mut rng, |n| {
                homesteads.insert((region.to_owned(), n.to_owned()))
            });
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

/// A homestead name that `free` accepts (it records it as taken): drawn
/// from the words up to 20 times, then the last draw with the first number
/// that makes it free (`Ozoli 12`), as new homesteads are named in a parish
/// that has the common names already.
fn homestead_name(rng: &mut ChaCha8Rng, mut free: impl FnMut(&str) -> bool) -> String {
    let mut name = String::new();
    for _ in 0..20 {
        let prefix = PREFIXES[rng.gen_range(0..PREFIXES.len())];
        let base = BASES[rng.gen_range(0..BASES.len())];
        let base = if prefix.ends_with(' ') || prefix.is_empty() {
            base.to_owned()
        } else {
            base.to_lowercase()
        };
        name = format!("{prefix}{base}");
        if rng.gen_bool(0.15) {
            let _ = write!(name, " {}", rng.gen_range(1..10));
        }
        if free(&name) {
            return name;
        }
    }
    (10..)
        .map(|k| format!("{name} {k}"))
        .find(|n| free(n))
        .unwrap_or(name)
}

fn q(s: &str) -> String {
    s.replace('"', "\"\"")
}

fn fnv(s: &str) -> u64 {
    s.bytes().fold(0xcbf2_9ce4_8422_2325u64, |h, b| {
        (h ^ u64::from(b)).wrapping_mul(0x0100_0000_01b3)
    })
}

/// The town (and parish) names of the regions: Latvian-looking, each
/// region its own (a parish name does not repeat within a municipality),
/// deterministic for the order the regions come in.
#[derive(Default)]
struct Towns {
    of: HashMap<String, String>,
    taken: HashSet<String>,
}

impl Towns {
    fn name(&mut self, region: &str) -> String {
        if let Some(n) = self.of.get(region) {
            return n.clone();
        }
        let n = (0..TOWN_NAMES as u64)
            .map(|k| town_name((fnv(region) + k) % TOWN_NAMES as u64))
            .find(|n| !self.taken.contains(n))
            // More regions than names: the region's number makes it unique.
            .unwrap_or_else(|| format!("{}{}", town_name(fnv(region)), self.of.len()));
        self.taken.insert(n.clone());
        self.of.insert(region.to_owned(), n.clone());
        n
    }
}

const TOWN_A: [&str; 24] = [
    "Ozol", "Lie", "Bērz", "Kaln", "Priež", "Vilc", "Zaļ", "Glūd", "Sesav", "Platon", "Svēt",
    "Elej", "Vārk", "Dzērb", "Ruj", "Lub", "Krust", "Saul", "Mež", "Līv", "Rauc", "Valg", "Skrīv",
    "Aizk",
];
const TOWN_B: [&str; 6] = ["niek", "av", "ciem", "muiž", "krast", "lauk"];
const TOWN_P: [&str; 5] = ["", "Jaun", "Vec", "Augš", "Lej"];
const TOWN_NAMES: usize = TOWN_A.len() * TOWN_B.len() * TOWN_P.len();

/// The `n`-th town name (modulo [`TOWN_NAMES`]).
fn town_name(n: u64) -> String {
    let n = n as usize % TOWN_NAMES;
    let (a, b, p) = (
        TOWN_A[n % TOWN_A.len()],
        TOWN_B[(n / TOWN_A.len()) % TOWN_B.len()],
        TOWN_P[n / (TOWN_A.len() * TOWN_B.len())],
    );
    let a = if p.is_empty() {
        a.to_owned()
    } else {
        a.to_lowercase()
    };
    format!("{p}{a}{b}a")
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

    /// The STD column of every row.
    fn stds(csv: &str) -> Vec<String> {
        let mut r = ::csv::Reader::from_reader(csv.trim_start_matches('\u{feff}').as_bytes());
        r.records()
            .map(|row| row.expect("a row")[16].to_owned())
            .collect()
    }

    #[test]
    fn every_address_is_unique_and_names_repeat_across_parishes() {
        // 4 regions of 3000 homesteads each: more than the words give.
        let points: Vec<SynthDemand> = (0..12_000)
            .map(|i| SynthDemand {
                id: format!("sim-p{}-{i:07}", i % 4),
                lon: 23.5 + f64::from(i % 1000) * 0.0005,
                lat: 56.5 + f64::from(i / 1000) * 0.002,
                residents: 1,
                parish_id: None,
            })
            .collect();
        let stds = stds(&register_csv(&points, 7));
        assert_eq!(stds.len(), 12_000);
        let unique: HashSet<&String> = stds.iter().collect();
        assert_eq!(unique.len(), stds.len(), "an address repeats");
        // The parish names differ; the homestead names repeat across them.
        // `…, Parish pag., Sintētiskais nov., LV-3xxx`
        let parish = |s: &str| s.rsplit(", ").nth(2).map(str::to_owned);
        let parishes: HashSet<Option<String>> = stds.iter().map(|s| parish(s)).collect();
        assert_eq!(parishes.len(), 4);
        let mut per_name: HashMap<&str, usize> = HashMap::new();
        for s in stds.iter().filter(|s| s.starts_with('"')) {
            *per_name
                .entry(s.split(", ").next().expect("name"))
                .or_default() += 1;
        }
        assert!(per_name.values().filter(|&&n| n == 4).count() > 100);
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
