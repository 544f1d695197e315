//! Readers of the building registers on the national open-data portal
//! (data.gov.lv): the Ministry of Culture's culture-centre and library
//! statistics (kulturasdati.lv) and the education register's schools. Each
//! gives `buildings` features.
//!
//! The portal serves each as a CKAN datastore dump: CSV, `,`-separated,
//! `"`-quoted, UTF-8 with a BOM, Latvian column names, first column `_id`.
//! The culture-centre layout is the one public code reads
//! (`_id,Objekta nosaukums,ISIL kods,Adrese,LAT,LON,LKS-92 X,LKS-92 Y,
//! Vadītājs/ direktors,Juridiskais statuss,Dibināšanas gads,Sākums,Misija,
//! Darbība,Bezmaksas Wi-Fi,…`; OSMLatvija/Osmalyzer,
//! `CulturalCenterAnalysisData.cs`). The library and school exports could
//! not be read from here: their readers take the same layout with the other
//! names their columns may have ([`Layout`]), and a file without a name or
//! coordinate column is refused with the columns it has.
//!
//! A column is found by its name folded (no case, no diacritics, no
//! punctuation): `Bezmaksas Wi-Fi` is also `bezmaksas wifi`. Rows are:
//!
//! 1. placed by `LAT`/`LON` (WGS84), else by `LKS-92 X`/`LKS-92 Y` (LKS-92,
//!    X the northing as in the survey convention; swapped when that is what
//!    puts the point in Latvia);
//! 2. left out, counted in one warning, when they lie outside the
//!    municipality the store holds (the registers cover all of Latvia);
//! 3. given the id `{prefix}-{register id}` (ISIL code, registration
//!    number), else `{prefix}-{slug of the name}`; a repeated id is an error;
//! 4. given `kind` (the register's), `name`, `address`, `register_id`,
//!    `free_wifi` (`Jā`/`Ir`/`yes`… true, `Nē`/`Nav`/`no`… false) and
//!    `municipal` (true when the legal status names the municipality,
//!    `pašvaldība`).

use super::delimited::{self, Quotes, RowRules};
use super::problem::{Location, Severity};
use super::{Emit, IngestError, RawFeature, ReadContext};
use gapmap_geo::crs::{LKS92, Transformer, WGS84};
use gapmap_geo::text::{fold, slug};
use geo_types::{Geometry, Point};
use serde_json::{Map, Value};
use std::path::Path;

/// Where one register keeps what gapmap reads: the candidate names of each
/// column, folded, in order of preference.
#[derive(Debug)]
pub struct Layout {
    /// The building `kind` every row gets.
    pub kind: &'static str,
    /// The id prefix (`culture-LV-KC-…`).
    pub prefix: &'static str,
    pub name: &'static [&'static str],
    pub address: &'static [&'static str],
    pub register_id: &'static [&'static str],
    pub lat: &'static [&'static str],
    pub lon: &'static [&'static str],
    pub lks_x: &'static [&'static str],
    pub lks_y: &'static [&'static str],
    pub free_wifi: &'static [&'static str],
    pub legal_status: &'static [&'static str],
}

const LAT: &[&str] = &["lat", "latitude", "platums"];
const LON: &[&str] = &["lon", "lng", "longitude", "garums"];
const LKS_X: &[&str] = &["lks 92 x", "lks92 x", "x koordinata", "koord x"];
const LKS_Y: &[&str] = &["lks 92 y", "lks92 y", "y koordinata", "koord y"];
const WIFI: &[&str] = &["bezmaksas wi fi", "bezmaksas wifi", "wi fi", "wifi"];
const LEGAL: &[&str] = &["juridiskais statuss", "dibinatajs", "pakotiba"];

/// The Ministry of Culture's culture-centre statistics.
pub const CULTURE_CENTRES: Layout = Layout {
    kind: "culture_house",
    prefix: "culture",
    name: &["objekta nosaukums", "nosaukums"],
    address: &["adrese", "faktiska adrese"],
    register_id: &["isil kods", "isil"],
    lat: LAT,
    lon: LON,
    lks_x: LKS_X,
    lks_y: LKS_Y,
    free_wifi: WIFI,
    legal_status: LEGAL,
};

/// The Ministry of Culture's library statistics.
pub const LIBRARIES: Layout = Layout {
    kind: "library",
    prefix: "library",
    name: &["objekta nosaukums", "bibliotekas nosaukums", "nosaukums"],
    address: &["adrese", "faktiska adrese"],
    register_id: &["isil kods", "isil"],
    lat: LAT,
    lon: LON,
    lks_x: LKS_X,
    lks_y: LKS_Y,
    free_wifi: WIFI,
    legal_status: LEGAL,
};

/// The education register's schools (VIIS).
pub const SCHOOLS: Layout = Layout {
    kind: "school",
    prefix: "school",
    name: &[
        "iestades nosaukums",
        "izglitibas iestades nosaukums",
        "objekta nosaukums",
        "nosaukums",
    ],
    address: &["istenosanas vietas adrese", "adrese", "juridiska adrese"],
    register_id: &["registracijas numurs", "reg nr", "iestades kods", "kods"],
    lat: LAT,
    lon: LON,
    lks_x: LKS_X,
    lks_y: LKS_Y,
    free_wifi: WIFI,
    legal_status: &["dibinatajs", "juridiskais statuss", "pakotiba"],
};

/// How the register readers report a row they cannot use.
const ROWS: RowRules = RowRules {
    malformed_hint: "check the quotes of this row",
    width_hint: "every row needs one value per column",
    utf8_hint: "the portal serves UTF-8; convert a Windows-1257 copy to UTF-8",
    count_rejected: true,
    trim: true,
};

/// Where the columns stand in a row.
#[derive(Debug)]
struct Columns {
    name: usize,
    address: Option<usize>,
    register_id: Option<usize>,
    lat_lon: Option<(usize, usize)>,
    lks: Option<(usize, usize)>,
    free_wifi: Option<usize>,
    legal_status: Option<usize>,
}

/// The first column whose folded name is one of `names`.
fn find(headers: &[String], names: &[&str]) -> Option<usize> {
    names
        .iter()
        .find_map(|n| headers.iter().position(|h| h == n))
}

impl Columns {
    /// Find the columns of `layout`; `None` (with an error listing the
    /// file's columns) when there is no name or no coordinate pair.
    fn find(
        headers: &[String],
        raw: &[String],
        layout: &Layout,
        ctx: &mut ReadContext,
    ) -> Option<Columns> {
        let name = find(headers, layout.name);
        let lat_lon = find(headers, layout.lat).zip(find(headers, layout.lon));
        let lks = find(headers, layout.lks_x).zip(find(headers, layout.lks_y));
        let mut missing = Vec::new();
        if name.is_none() {
            missing.push(format!("a name column ({})", layout.name.join(" / ")));
        }
        if lat_lon.is_none() && lks.is_none() {
            missing.push("coordinates (LAT and LON, or LKS-92 X and LKS-92 Y)".to_owned());
        }
        if !missing.is_empty() {
            ctx.problems.push(ctx.at(Location::Line(1)).error(
                None,
                format!("the header lacks {}", missing.join(" and ")),
                Some(format!("the file's columns are: {}", raw.join(", "))),
            ));
            return None;
        }
        Some(Columns {
            name: name?,
            address: find(headers, layout.address),
            register_id: find(headers, layout.register_id),
            lat_lon,
            lks,
            free_wifi: find(headers, layout.free_wifi),
            legal_status: find(headers, layout.legal_status),
        })
    }
}

/// A yes/no cell as the registers write it; `None` when empty or unknown.
pub fn yes_no(s: &str) -> Option<bool> {
    match fold(s).as_str() {
        "ja" | "ir" | "yes" | "true" | "1" | "y" | "ir pieejams" | "pieejams" => Some(true),
        "ne" | "nav" | "no" | "false" | "0" | "n" | "nav pieejams" => Some(false),
        _ => None,
    }
}

fn number(s: &str) -> Option<f64> {
    s.trim()
        .replace(',', ".")
        .parse::<f64>()
        .ok()
        .filter(|v| v.is_finite())
}

/// Whether WGS84 `(lon, lat)` is roughly in Latvia.
fn in_latvia(lon: f64, lat: f64) -> bool {
    (20.8..=28.3).contains(&lon) && (55.6..=58.1).contains(&lat)
}

/// What a reader counts besides features, for its summary warnings.
#[derive(Debug, Default)]
struct Tally {
    outside: u64,
    no_position: Vec<u64>,
    unknown_wifi: Vec<(u64, String)>,
}

/// Reads the rows of one register.
struct Reader<'l> {
    layout: &'l Layout,
    cols: Columns,
    lks_to_wgs84: Option<Transformer>,
    seen: std::collections::HashMap<String, u64>,
    tally: Tally,
}

impl Reader<'_> {
    /// WGS84 (lon, lat) of a row: `LAT`/`LON`, else the LKS-92 pair.
    fn position(&self, f: &[String]) -> Option<(f64, f64)> {
        if let Some((la, lo)) = self.cols.lat_lon
            && let (Some(lat), Some(lon)) = (number(&f[la]), number(&f[lo]))
            && in_latvia(lon, lat)
        {
            return Some((lon, lat));
        }
        let (xi, yi) = self.cols.lks?;
        let (x, y) = (number(&f[xi])?, number(&f[yi])?);
        let t = self.lks_to_wgs84.as_ref()?;
        // X is the northing (survey convention); try the other way too.
        [(y, x), (x, y)]
            .into_iter()
            .filter_map(|(e, n)| t.convert(e, n).ok())
            .find(|&(lon, lat)| in_latvia(lon, lat))
    }

    /// The feature of one row, or `None` (counted or reported).
    fn feature(&mut self, line: u64, f: &[String], ctx: &mut ReadContext) -> Option<RawFeature> {
        let name = f[self.cols.name].clone();
        if name.is_empty() {
            ctx.problems.push(ctx.at(Location::Line(line)).error(
                Some(self.layout.name[0]),
                "the name is empty",
                None,
            ));
            ctx.rejected += 1;
            return None;
        }
        let Some((lon, lat)) = self.position(f) else {
            self.tally.no_position.push(line);
            return None;
        };
        if let Some(p) = &ctx.opts.positions
            && p.distance_to_municipality(lon, lat)
                .is_some_and(|d| d > crate::positions::TOLERANCE_M)
        {
            self.tally.outside += 1;
            return None;
        }
        let cell = |i: Option<usize>| i.map(|i| f[i].as_str()).filter(|s| !s.is_empty());
        let register_id = cell(self.cols.register_id);
        let id = format!(
            "{}-{}",
            self.layout.prefix,
            slug(register_id.unwrap_or(&name))
        );
        if let Some(first) = self.seen.insert(id.clone(), line) {
            ctx.problems.push(ctx.at(Location::Line(line)).error(
                Some("id"),
                format!("`{id}` is given twice (first on line {first})"),
                Some("each building once; give the rows their register ids".into()),
            ));
            ctx.rejected += 1;
            return None;
        }
        let mut props = Map::new();
        let mut put = |k: &str, v: &str| {
            props.insert(k.into(), Value::String(v.to_owned()));
        };
        put("kind", self.layout.kind);
        put("name", &name);
        if let Some(a) = cell(self.cols.address) {
            put("address", a);
        }
        if let Some(r) = register_id {
            put("register_id", r);
        }
        if let Some(w) = cell(self.cols.free_wifi) {
            match yes_no(w) {
                Some(b) => put("free_wifi", if b { "true" } else { "false" }),
                None => self.tally.unknown_wifi.push((line, w.to_owned())),
            }
        }
        if cell(self.cols.legal_status).is_some_and(|s| fold(s).contains("pasvaldib")) {
            put("municipal", "true");
        }
        let point = Geometry::Point(Point::new(lon, lat));
        Some(RawFeature::row(
            Location::Line(line),
            Some(id),
            Some(point),
            props,
        ))
    }

    /// The summary warnings: rows outside the municipality, rows without a
    /// position, Wi-Fi values not understood.
    fn report(&self, ctx: &mut ReadContext) {
        let mut warn = |field: Option<&str>, message: String, hint: Option<String>| {
            let p = ctx
                .at(Location::File)
                .problem(Severity::Warning, field, message, hint);
            ctx.problems.push(p);
        };
        if self.tally.outside > 0 {
            warn(
                None,
                format!(
                    "left out {} rows that lie outside the municipality",
                    self.tally.outside
                ),
                None,
            );
        }
        if !self.tally.no_position.is_empty() {
            let lines: Vec<String> = self
                .tally
                .no_position
                .iter()
                .take(10)
                .map(u64::to_string)
                .collect();
            warn(
                Some("LAT, LON"),
                format!(
                    "left out {} rows without coordinates in Latvia (lines {}{})",
                    self.tally.no_position.len(),
                    lines.join(", "),
                    if self.tally.no_position.len() > 10 { ", …" } else { "" }
                ),
                Some("add such buildings to the IT department's own list (the buildings layer) with their position".into()),
            );
        }
        if let Some((line, v)) = self.tally.unknown_wifi.first() {
            warn(
                Some(self.layout.free_wifi[0]),
                format!(
                    "{} Wi-Fi values not understood, left unknown (first: `{v}` on line {line})",
                    self.tally.unknown_wifi.len()
                ),
                Some("yes: Jā, Ir; no: Nē, Nav".into()),
            );
        }
    }
}

/// Read one register file laid out as `layout` (see the module
/// documentation); features are WGS84 `buildings` points.
pub fn read(
    path: &Path,
    layout: &Layout,
    ctx: &mut ReadContext,
    emit: &mut Emit,
) -> Result<(), IngestError> {
    let mut rdr = delimited::open(path, ctx, Quotes::Double)?;
    let Some(raw) = delimited::read_headers(
        &mut rdr,
        ctx,
        str::to_owned,
        format!("the first row names the columns: {}, …", layout.name[0]),
    ) else {
        return Ok(());
    };
    let headers: Vec<String> = raw.iter().map(|h| fold(h)).collect();
    let Some(cols) = Columns::find(&headers, &raw, layout, ctx) else {
        return Ok(());
    };
    if !ctx.crs_given {
        ctx.crs = WGS84;
    }
    let mut reader = Reader {
        layout,
        cols,
        lks_to_wgs84: Transformer::new(LKS92, WGS84).ok(),
        seen: Default::default(),
        tally: Tally::default(),
    };
    delimited::for_each_row(&mut rdr, &raw, &ROWS, ctx, |line, fields, ctx| {
        if let Some(f) = reader.feature(line, &fields, ctx) {
            emit(f, ctx);
        }
    });
    reader.report(ctx);
    Ok(())
}

#[cfg(test)]
mod tests {
    use crate::problem::Problems;
    use crate::{Format, Options, read_to_vec};

    const HEADER: &str = "\u{feff}_id,Objekta nosaukums,ISIL kods,Adrese,LAT,LON,LKS-92 X,LKS-92 Y,Vadītājs/ direktors,Juridiskais statuss,Dibināšanas gads,Sākums,Misija,Darbība,Bezmaksas Wi-Fi\n";

    fn read(rows: &str) -> (Vec<gapmap_model::Record>, Problems) {
        let dir = tempfile::tempdir().unwrap();
        let path = dir.path().join("kc.csv");
        std::fs::write(&path, format!("{HEADER}{rows}")).unwrap();
        let opts = Options {
            format: Some(Format::CultureCentres),
            provenance: crate::DefaultProvenance {
                source: Some(gapmap_model::Source::Official),
                source_ref: Some("https://data.gov.lv/".into()),
                as_of: chrono::NaiveDate::from_ymd_opt(2026, 12, 1),
            },
            ..Options::default()
        };
        let mut problems = Problems::default();
        let (_, records) = read_to_vec(&path, &opts, &mut problems).unwrap();
        (records, problems)
    }

    #[test]
    fn a_culture_house_row_becomes_a_building() {
        let (r, p) = read(
            "1,Ānes kultūras nams,LV-KC-0001,\"Skolas iela 2, Āne, Cenu pag., Jelgavas nov., LV-3042\",56.6011,23.7322,,,,Pašvaldības iestāde,1965,,,,Jā\n",
        );
        assert!(!p.has_errors(), "{:?}", p.iter().collect::<Vec<_>>());
        assert_eq!(r.len(), 1);
        assert_eq!(r[0].id, "culture-lv-kc-0001");
        assert_eq!(r[0].str("kind"), Some("culture_house"));
        assert_eq!(r[0].bool("free_wifi"), Some(true));
        assert_eq!(r[0].bool("municipal"), Some(true));
        assert_eq!(r[0].str("register_id"), Some("LV-KC-0001"));
    }

    #[test]
    fn lks_coordinates_place_a_row_without_lat_lon() {
        // LKS-92 northing 285620, easting 481030 (X is the northing): north
        // of Jelgava; the same with the columns swapped.
        for row in [
            "2,Nams,,,,,285620,481030,,,,,,,Nē\n",
            "2,Nams,,,,,481030,285620,,,,,,,Nē\n",
        ] {
            let (r, _) = read(row);
            let p = r[0].point().unwrap();
            assert!(
                (p.x() - 23.6901).abs() < 1e-3 && (p.y() - 56.7142).abs() < 1e-3,
                "{p:?}"
            );
        }
        let (r, _) = read("2,Nams,,,,,285620,481030,,,,,,,Nē\n");
        assert_eq!(r[0].bool("free_wifi"), Some(false));
    }

    #[test]
    fn a_file_without_coordinates_is_refused_with_its_columns() {
        let dir = tempfile::tempdir().unwrap();
        let path = dir.path().join("kc.csv");
        std::fs::write(&path, "_id,Objekta nosaukums,Adrese\n1,A,B\n").unwrap();
        let opts = Options {
            format: Some(Format::CultureCentres),
            ..Options::default()
        };
        let mut problems = Problems::default();
        read_to_vec(&path, &opts, &mut problems).unwrap();
        let e = problems.iter().next().unwrap();
        assert!(e.message.contains("coordinates"), "{e}");
        assert!(
            e.hint
                .as_deref()
                .unwrap()
                .contains("_id, Objekta nosaukums, Adrese")
        );
    }

    #[test]
    fn repeated_ids_and_unknown_wifi_values_are_reported() {
        let (r, p) = read("1,A,LV-1,,56.6,23.7,,,,,,,,,Varbūt\n2,B,LV-1,,56.6,23.7,,,,,,,,,\n");
        assert_eq!(r.len(), 1);
        let msgs: Vec<String> = p.iter().map(|p| p.to_string()).collect();
        assert!(
            msgs.iter()
                .any(|m| m.contains(":3") && m.contains("given twice")),
            "{msgs:?}"
        );
        assert!(
            msgs.iter().any(|m| m.contains("`Varbūt` on line 2")),
            "{msgs:?}"
        );
    }
}
