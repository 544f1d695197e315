//! The place search's typo tolerance, tuned on the real place names of the
//! embedded dataset (geodata/jelgava: the 16 parishes, 67 villages and
//! hamlets, the public places) with the short typos people make on a phone:
//! a letter missed, doubled, swapped or next to the right key, a diacritic
//! left out, an ending cut short. Each must find its place first, by the
//! search or by "Vai domājāt …?"; and short nonsense must not be answered
//! with unrelated places.

use gapmap_engine::gazetteer::{AddressIndex, Gazetteer, HitKind, Place, parish_alt_names};
use geo_types::Point;
use serde_json::Value;
use std::sync::Arc;

fn features(file: &str) -> Vec<Value> {
    let path = format!(
        "{}/../../geodata/jelgava/{file}",
        env!("CARGO_MANIFEST_DIR")
    );
    let text = std::fs::read_to_string(&path).unwrap_or_else(|e| panic!("{path}: {e}"));
    let v: Value = serde_json::from_str(&text).expect("GeoJSON");
    v["features"].as_array().expect("features").clone()
}

fn text(v: &Value, k: &str) -> String {
    v["properties"][k].as_str().unwrap_or_default().to_owned()
}

/// The gazetteer of the embedded dataset's names (locations do not matter here).
fn real_gazetteer() -> Gazetteer {
    let at = Point::new(23.7, 56.6);
    let mut places = Vec::new();
    for f in features("areas.geojson") {
        if text(&f, "kind") == "parish" {
            let name = text(&f, "name");
            places.push(Place {
                kind: HitKind::Parish,
                id: text(&f, "id"),
                alt_names: parish_alt_names(&name),
                name,
                parish: 0,
                location: at,
                population: f["properties"]["population"].as_u64().unwrap_or(0),
            });
        }
    }
    for f in features("settlements.geojson") {
        let alt = f["properties"]["name_alt"]
            .as_array()
            .map(|a| {
                a.iter()
                    .filter_map(|x| x.as_str().map(str::to_owned))
                    .collect()
            })
            .unwrap_or_default();
        places.push(Place {
            kind: HitKind::Settlement,
            id: text(&f, "id"),
            name: text(&f, "name"),
            alt_names: alt,
            parish: 0,
            location: at,
            population: f["properties"]["population"].as_u64().unwrap_or(0),
        });
    }
    for f in features("sites.geojson") {
        places.push(Place {
            kind: HitKind::Site,
            id: text(&f, "id"),
            name: text(&f, "name"),
            alt_names: Vec::new(),
            parish: 0,
            location: at,
            population: 0,
        });
    }
    Gazetteer::new(vec!["x".into()], places, Arc::new(AddressIndex::default()))
}

/// (what a person typed, the place meant: its name).
const TYPOS: &[(&str, &str)] = &[
    ("Vilse", "Vilce"),
    ("Vilcw", "Vilce"),
    ("Vlice", "Vilce"),
    ("Elja", "Eleja"),
    ("Eleia", "Eleja"),
    ("Kalnciem", "Kalnciems"),
    ("Kalncims", "Kalnciems"),
    ("Lielvircva", "Lielvircava"),
    ("Ozolniki", "Ozolnieki"),
    ("Ozolnieku pagsts", "Ozolnieku pagasts"),
    ("Sesva", "Sesava"),
    ("Sesavs", "Sesava"),
    ("Zalenieki", "Zaļenieki"),
    ("Zalenneki", "Zaļenieki"),
    ("Platne", "Platone"),
    ("Svetee", "Svēte"),
    ("Valgnde", "Valgunde"),
    ("Livberze", "Līvbērze"),
    ("Livbērzr", "Līvbērze"),
    ("Tetle", "Tetele"),
    ("Garzoa", "Garoza"),
    ("Emburg", "Emburga"),
    ("Jaunpeterniki", "Jaunpēternieki"),
    ("Stalgene", "Staļģene"),
    ("Tireli", "Tīreļi"),
    ("Oglaie", "Oglaine"),
    ("Mazlaki", "Mazlauki"),
    ("Sidrbe", "Sidrabe"),
    ("Dorupr", "Dorupe"),
    ("Nakotne", "Nākotne"),
    ("Bandeniki", "Bandenieki"),
    ("Glida", "Glūda"),
    ("Gludas pagasts", "Glūdas pagasts"),
    ("Cenu pagast", "Cenu pagasts"),
    ("Salgles pagasts", "Salgales pagasts"),
    ("Vircavs", "Vircava"),
    ("Mūrmuža", "Mūrmuiža"),
];

/// Short nonsense and unrelated words: no place to suggest.
const NOTHING: &[&str] = &["Vēi", "Qwxzzq", "xyz", "Ābc", "kk", "zzzzz"];

/// The first place for a text: the search's best hit, else the first "did
/// you mean" (as the finder shows them).
fn first(g: &Gazetteer, q: &str) -> Option<String> {
    let hits = g.search(q, 5);
    let h = match hits.first() {
        Some(h) => h.clone(),
        None => g.did_you_mean(q, 3).into_iter().next()?,
    };
    Some(h.name.to_owned())
}

#[test]
fn short_typos_of_real_names_find_their_place() {
    let g = real_gazetteer();
    let missed: Vec<String> = TYPOS
        .iter()
        .filter_map(|(typed, meant)| {
            let got = first(&g, typed);
            (got.as_deref() != Some(meant)).then(|| format!("{typed} → {got:?}, meant {meant}"))
        })
        .collect();
    assert!(
        missed.is_empty(),
        "{} of {}:\n{}",
        missed.len(),
        TYPOS.len(),
        missed.join("\n")
    );
}

#[test]
fn short_nonsense_suggests_nothing() {
    let g = real_gazetteer();
    for q in NOTHING {
        assert!(
            g.search(q, 5).is_empty(),
            "{q}: {:?}",
            g.search(q, 5).iter().map(|h| h.name).collect::<Vec<_>>()
        );
        let dym: Vec<&str> = g.did_you_mean(q, 3).iter().map(|h| h.name).collect();
        assert!(dym.is_empty(), "{q} suggests {dym:?}");
    }
}
