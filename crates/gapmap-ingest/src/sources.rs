//! The open sources gapmap knows (`gapmap sources`, `gapmap update`): who
//! publishes each, where, under which licence and credit, in which format,
//! which layer it feeds and how its fields map onto gapmap's.
//!
//! Addresses and column layouts are those the public record gives
//! (`../shared/realdata/open-data/sources.csv`: each names the public file
//! it was read from). Where no download address of a resource could be
//! confirmed (the CSP boundaries, the library and school registers, the
//! population grid), `url` is `None` and `gapmap update` asks for
//! `--url NAME=URL` or `--from-dir`.

use crate::Format;
use crate::mapping::FieldMapping;
use gapmap_model::{Layer, Source};
use gapmap_store::Mode;

/// One open source.
#[derive(Debug, Clone, Copy)]
pub struct OpenSource {
    /// The name on the command line.
    pub name: &'static str,
    pub title: &'static str,
    pub publisher: &'static str,
    /// The dataset's page: every feature's `source_ref`.
    pub page: &'static str,
    /// The download address, when one is known.
    pub url: Option<&'static str>,
    /// The file's name as published (what `--from-dir` looks for).
    pub file: &'static str,
    pub format: Format,
    /// The content types a download may have (besides
    /// `application/octet-stream`, which any may have).
    pub media_types: &'static [&'static str],
    pub licence: &'static str,
    /// The credit line the licence asks for.
    pub credit: &'static str,
    /// What its features are: official, or approximate (generalised).
    pub source: Source,
    pub layer: Layer,
    pub mode: Mode,
    /// gapmap field ← the source's column (or the rule), for the listing.
    pub fields: &'static [(&'static str, &'static str)],
    /// The features a new version replaces: those whose column equals the
    /// value (`{page}` stands for the page); the ones it no longer gives are
    /// retired (a status) or removed. `None`: nothing is retired.
    pub scope: Option<(&'static str, &'static str)>,
    /// The largest download accepted (bytes).
    pub max_bytes: u64,
    /// What else to know.
    pub note: &'static str,
}

const MB: u64 = 1 << 20;
const CC_BY: &str = "CC BY 4.0";
const VZD_CREDIT: &str = "Izmantoti Valsts adrešu reģistra informācijas sistēmas dati (VZD, CC BY 4.0, https://creativecommons.org/licenses/by/4.0/); gapmap keeps the existing buildings and their points";
const KM_CREDIT: &str = "Kultūras ministrija, kulturasdati.lv (data.gov.lv); gapmap keeps the buildings in the municipality";
const CSV: &[&str] = &["text/csv", "text/plain", "application/csv"];

/// Every source gapmap knows, in the order `gapmap update` applies them
/// (boundaries first: the registers are clipped to the municipality and
/// their buildings placed in parishes).
pub const SOURCES: &[OpenSource] = &[
    OpenSource {
        name: "csp-boundaries",
        title: "Territorial units, generalised boundaries (parishes with ATVK codes)",
        publisher: "Centrālā statistikas pārvalde (CSP), from VZD data",
        page: "https://data.gov.lv/dati/lv/dataset/robezas",
        url: None,
        file: "csp_territorial_units_lv_1.2m_2022-07-01.zip",
        format: Format::Shp,
        media_types: &["application/zip", "application/x-zip-compressed"],
        licence: "open data (data.gov.lv); VZD data with no reuse restrictions",
        credit: "CSP, from VZD data",
        source: Source::Approximate,
        layer: Layer::Areas,
        mode: Mode::Merge,
        fields: &[
            ("id", "slug of L1_name (vilces-pagasts)"),
            ("name", "L1_name"),
            ("atvk", "L1_code (LV0030510)"),
            ("kind", "parish"),
            ("(filter)", "L0_code = the municipality's code (LV0030000)"),
            ("municipality", "the union of its parishes"),
        ],
        scope: None,
        max_bytes: 64 * MB,
        note: "generalised 1:1.2M, so `approximate`; merge keeps populations and other fields the file lacks. The resource address changes with each release: give --url csp-boundaries=URL",
    },
    OpenSource {
        name: "vzd-address",
        title: "State Address Register, buildings and address points (aw_eka.csv)",
        publisher: "Valsts zemes dienests (VZD)",
        page: "https://data.gov.lv/dati/dataset/6b06a7e8-dedf-4705-a47b-2a7c51177473",
        url: Some(
            "https://data.gov.lv/dati/dataset/6b06a7e8-dedf-4705-a47b-2a7c51177473/resource/a510737a-18ce-400f-ad4b-04fce5228272/download/aw_eka.csv",
        ),
        file: "aw_eka.csv",
        format: Format::VzdAddress,
        media_types: CSV,
        licence: CC_BY,
        credit: VZD_CREDIT,
        source: Source::Official,
        layer: Layer::Demand,
        mode: Mode::Upsert,
        fields: &[
            ("id", "vzd-KODS"),
            ("address", "STD (else NOSAUKUMS)"),
            (
                "geometry",
                "KOORD_Y easting, KOORD_X northing (LKS-92), checked against DD_N/DD_E",
            ),
            ("origin", "address_register"),
            ("cell_id", "the EU 1 km cell of the point"),
            ("(filter)", "TIPS_CD = 108, STATUSS = EKS, FOR_BUILD = N"),
        ],
        scope: Some(("origin", "address_register")),
        max_bytes: 1024 * MB,
        note: "updated daily, about 140 MB for Latvia (reported); residents come from the population grid. Sites and buildings with an address are placed at it (gapmap geocode)",
    },
    OpenSource {
        name: "culture-centres",
        title: "Culture-centre statistics (Kultūras centru statistika)",
        publisher: "Kultūras ministrija (kulturasdati.lv)",
        page: "https://data.gov.lv/dati/lv/dataset/kulturas-centru-statistika",
        url: Some(
            "https://data.gov.lv/dati/lv/datastore/dump/f08a670c-dfab-44db-9ac7-fc3303182af3?bom=True",
        ),
        file: "kulturas-centru-statistika.csv",
        format: Format::CultureCentres,
        media_types: CSV,
        licence: "open data (data.gov.lv); check the licence on the dataset page",
        credit: KM_CREDIT,
        source: Source::Official,
        layer: Layer::Buildings,
        mode: Mode::Merge,
        fields: &[
            ("id", "culture-ISIL kods (else culture-slug of the name)"),
            ("kind", "culture_house"),
            ("name", "Objekta nosaukums"),
            ("address", "Adrese"),
            ("register_id", "ISIL kods"),
            ("geometry", "LAT/LON (else LKS-92 X/Y)"),
            ("free_wifi", "Bezmaksas Wi-Fi (Jā/Nē)"),
            ("municipal", "Juridiskais statuss names the municipality"),
            ("parish_id", "the parish the point lies in"),
        ],
        scope: Some(("source_ref", "{page}")),
        max_bytes: 64 * MB,
        note: "the CKAN datastore dump of the resource (CSV with BOM); merge keeps what the IT department added (phone, municipal, …)",
    },
    OpenSource {
        name: "libraries",
        title: "Library statistics (Bibliotēku statistika)",
        publisher: "Kultūras ministrija (kulturasdati.lv)",
        page: "https://data.gov.lv/dati/lv/dataset/bibliotku-statistika",
        url: None,
        file: "bibliotku-statistika.csv",
        format: Format::Libraries,
        media_types: CSV,
        licence: "open data (data.gov.lv); check the licence on the dataset page",
        credit: KM_CREDIT,
        source: Source::Official,
        layer: Layer::Buildings,
        mode: Mode::Merge,
        fields: &[
            ("id", "library-ISIL kods (else library-slug of the name)"),
            ("kind", "library"),
            (
                "name",
                "Objekta nosaukums / Bibliotēkas nosaukums / Nosaukums",
            ),
            ("address", "Adrese"),
            ("register_id", "ISIL kods"),
            ("geometry", "LAT/LON (else LKS-92 X/Y)"),
            ("free_wifi", "Bezmaksas Wi-Fi, when the file has it"),
            ("parish_id", "the parish the point lies in"),
        ],
        scope: Some(("source_ref", "{page}")),
        max_bytes: 64 * MB,
        note: "layout assumed as the culture-centre export of the same publisher (not confirmed by a reachable file); a file without name or coordinate columns is refused with its columns. Give --url libraries=URL (the resource's CSV)",
    },
    OpenSource {
        name: "schools",
        title: "Education institutions register, schools (VIIS)",
        publisher: "Izglītības un zinātnes ministrija (VIIS)",
        page: "https://data.gov.lv/dati/lv/dataset/izgltbas-iestdes",
        url: None,
        file: "izglitibas-iestades.csv",
        format: Format::Schools,
        media_types: CSV,
        licence: "open data (data.gov.lv); check the licence on the dataset page",
        credit: "Izglītības un zinātnes ministrija, Valsts izglītības informācijas sistēma (data.gov.lv)",
        source: Source::Official,
        layer: Layer::Buildings,
        mode: Mode::Merge,
        fields: &[
            (
                "id",
                "school-Reģistrācijas numurs (else school-slug of the name)",
            ),
            ("kind", "school"),
            ("name", "Iestādes nosaukums / Nosaukums"),
            ("address", "Īstenošanas vietas adrese / Adrese"),
            ("register_id", "Reģistrācijas numurs"),
            (
                "geometry",
                "LAT/LON (else LKS-92 X/Y); rows without are left out, counted",
            ),
            ("municipal", "Dibinātājs names the municipality"),
            ("parish_id", "the parish the point lies in"),
        ],
        scope: Some(("source_ref", "{page}")),
        max_bytes: 64 * MB,
        note: "column layout not confirmed by a reachable file; give --url schools=URL (the resource's CSV)",
    },
    OpenSource {
        name: "csb-grid",
        title: "Population on the 1 km grid",
        publisher: "Centrālā statistikas pārvalde (CSP) / Eurostat GEOSTAT",
        page: "https://data.gov.lv/dati/lv/dataset/iedzivotaji",
        url: None,
        file: "grid.csv",
        format: Format::CsbGrid,
        media_types: CSV,
        licence: "open data (data.gov.lv / Eurostat); check the licence on the dataset page",
        credit: "CSP; © EuroGeographics for the administrative boundaries (GEOSTAT)",
        source: Source::Official,
        layer: Layer::Demand,
        mode: Mode::Upsert,
        fields: &[
            ("id", "grid-GRD_ID"),
            ("residents", "TOT_P (or T, TOT_P_2021, OBS_VALUE_T, …)"),
            ("cell_id", "GRD_ID (either INSPIRE form)"),
            ("geometry", "the cell centre (EPSG:3035)"),
            ("origin", "population_grid"),
        ],
        scope: Some(("origin", "population_grid")),
        max_bytes: 256 * MB,
        note: "its residents are spread over the register's addresses in each cell; give --url csb-grid=URL",
    },
];

/// The source of a name.
pub fn by_name(name: &str) -> Option<&'static OpenSource> {
    SOURCES.iter().find(|s| s.name == name)
}

/// Every source name, comma-separated, for messages.
pub fn names() -> String {
    SOURCES
        .iter()
        .map(|s| s.name)
        .collect::<Vec<_>>()
        .join(", ")
}

impl OpenSource {
    /// The scope with `{page}` filled in.
    pub fn scope(&self) -> Option<(&'static str, String)> {
        self.scope
            .map(|(col, v)| (col, v.replace("{page}", self.page)))
    }

    /// The field mapping of an update: the source's own (`--where`,
    /// `--rename`, `--set` for the boundaries) and its provenance on every
    /// feature (`source`, `source_ref`, `as_of`, `licence`, `credit`,
    /// `source_version`).
    pub fn mapping(
        &self,
        municipality_code: &str,
        as_of: chrono::NaiveDate,
        version: &str,
    ) -> Result<FieldMapping, String> {
        let mut renames = Vec::new();
        let mut sets = Vec::new();
        let mut wheres = Vec::new();
        if self.format == Format::Shp {
            wheres.push(format!("L0_code={municipality_code}"));
            renames.push("name=L1_name".to_owned());
            renames.push("atvk=L1_code".to_owned());
            sets.push("kind=parish".to_owned());
        }
        sets.push(format!("source={}", self.source.as_str()));
        sets.push(format!("source_ref={}", self.page));
        sets.push(format!("as_of={as_of}"));
        sets.push(format!("licence={}", self.licence));
        sets.push(format!("credit={}", self.credit));
        sets.push(format!("source_version={version}"));
        FieldMapping::parse(&renames, &sets, &wheres)
    }

    /// Whether a response's content type (without parameters) fits.
    pub fn accepts(&self, content_type: Option<&str>) -> bool {
        let Some(ct) = content_type else {
            return true;
        };
        let ct = ct
            .split(';')
            .next()
            .unwrap_or_default()
            .trim()
            .to_ascii_lowercase();
        ct == "application/octet-stream"
            || ct == "binary/octet-stream"
            || self.media_types.contains(&ct.as_str())
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn every_source_is_found_by_name_and_maps_its_provenance() {
        for s in SOURCES {
            assert_eq!(by_name(s.name).map(|x| x.name), Some(s.name));
            let d = chrono::NaiveDate::from_ymd_opt(2026, 12, 1).unwrap();
            let m = s.mapping("LV0030000", d, "sha256:abc").unwrap();
            assert!(!m.is_empty());
        }
        assert_eq!(
            names(),
            "csp-boundaries, vzd-address, culture-centres, libraries, schools, csb-grid"
        );
        let ours: Vec<&str> = SOURCES.iter().map(|s| s.name).collect();
        assert_eq!(
            ours,
            gapmap_model::schema::OPEN_SOURCES,
            "the model names the same sources"
        );
    }

    #[test]
    fn content_types() {
        let s = by_name("culture-centres").unwrap();
        assert!(s.accepts(Some("text/csv; charset=utf-8")));
        assert!(s.accepts(Some("application/octet-stream")));
        assert!(s.accepts(None));
        assert!(!s.accepts(Some("text/html; charset=utf-8")));
        assert!(!by_name("csp-boundaries").unwrap().accepts(Some("text/csv")));
    }
}
