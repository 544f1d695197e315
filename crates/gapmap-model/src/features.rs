//! Typed features, read from validated [`Record`]s.

use super::Layer;
use super::provenance::{Provenance, Source};
use chrono::NaiveDate;
use geo_types::{Geometry, MultiPolygon, Point};
use serde::{Deserialize, Serialize};
use serde_json::{Map, Value};

/// A validated feature of any layer: a stable id, WGS84 geometry (none for
/// the plan) and the schema's fields as normalised JSON values (absent
/// optional fields are `null`). Properties the schema does not know are kept
/// in `extra`, never dropped.
#[derive(Debug, Clone, PartialEq)]
pub struct Record {
    pub layer: Layer,
    pub id: String,
    pub geometry: Option<Geometry<f64>>,
    pub props: Map<String, Value>,
    pub extra: Map<String, Value>,
    /// The schema fields the input did not give (filled with their default
    /// or null): what `--mode merge` takes from the stored feature instead.
    /// Empty for records read from the store.
    pub absent: Vec<&'static str>,
}

impl Record {
    pub fn str(&self, key: &str) -> Option<&str> {
        self.props.get(key).and_then(Value::as_str)
    }
    pub fn string(&self, key: &str) -> Option<String> {
        self.str(key).map(str::to_owned)
    }
    pub fn f64(&self, key: &str) -> Option<f64> {
        self.props.get(key).and_then(Value::as_f64)
    }
    pub fn u32(&self, key: &str) -> Option<u32> {
        self.props
            .get(key)
            .and_then(Value::as_u64)
            .and_then(|v| u32::try_from(v).ok())
    }
    pub fn i32(&self, key: &str) -> Option<i32> {
        self.props
            .get(key)
            .and_then(Value::as_i64)
            .and_then(|v| i32::try_from(v).ok())
    }
    pub fn bool(&self, key: &str) -> Option<bool> {
        self.props.get(key).and_then(Value::as_bool)
    }
    pub fn date(&self, key: &str) -> Option<NaiveDate> {
        self.str(key).and_then(parse_date)
    }
    pub fn list(&self, key: &str) -> Vec<String> {
        match self.props.get(key) {
            Some(Value::Array(items)) => items
                .iter()
                .filter_map(|v| v.as_str().map(str::to_owned))
                .collect(),
            _ => Vec::new(),
        }
    }

    /// The provenance of a validated record (validation guarantees the fields).
    pub fn provenance(&self) -> Result<Provenance, String> {
        let (source, source_ref, as_of) = self.provenance_parts()?;
        Ok(Provenance {
            source,
            source_ref: source_ref.to_owned(),
            as_of,
            licence: self.string("licence"),
        })
    }

    /// The source of a validated record, checked as [`Record::provenance`]
    /// checks it, without copying the rest.
    pub fn source(&self) -> Result<Source, String> {
        Ok(self.provenance_parts()?.0)
    }

    /// The required provenance fields, checked, `source_ref` borrowed.
    fn provenance_parts(&self) -> Result<(Source, &str, NaiveDate), String> {
        Ok((
            self.str("source").unwrap_or_default().parse()?,
            self.str("source_ref").ok_or("missing source_ref")?,
            self.date("as_of").ok_or("missing or invalid as_of")?,
        ))
    }

    pub fn point(&self) -> Result<Point<f64>, String> {
        match &self.geometry {
            Some(Geometry::Point(p)) => Ok(*p),
            _ => Err(format!(
                "{} `{}` has no point geometry",
                self.layer, self.id
            )),
        }
    }

    pub fn multi_polygon(&self) -> Result<MultiPolygon<f64>, String> {
        match &self.geometry {
            Some(Geometry::MultiPolygon(mp)) => Ok(mp.clone()),
            Some(Geometry::Polygon(p)) => Ok(MultiPolygon(vec![p.clone()])),
            _ => Err(format!(
                "{} `{}` has no polygon geometry",
                self.layer, self.id
            )),
        }
    }

    /// An enum field that may be absent (`None`).
    pub(crate) fn optional_enum<T: for<'de> Deserialize<'de>>(
        &self,
        key: &str,
    ) -> Result<Option<T>, String> {
        match self.props.get(key) {
            Some(Value::Null) | None => Ok(None),
            Some(_) => self.parse_enum(key).map(Some),
        }
    }

    pub(crate) fn parse_enum<T: for<'de> Deserialize<'de>>(&self, key: &str) -> Result<T, String> {
        let value = self.props.get(key).cloned().unwrap_or(Value::Null);
        serde_json::from_value(value)
            .map_err(|e| format!("{} `{}`: field `{key}`: {e}", self.layer, self.id))
    }
}

macro_rules! string_enum {
    ($(#[$m:meta])* $name:ident { $($variant:ident = $text:literal),+ $(,)? }) => {
        $(#[$m])*
        #[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, PartialOrd, Ord, Serialize, Deserialize)]
        pub enum $name { $(#[serde(rename = $text)] $variant),+ }
        impl $name {
            pub fn as_str(self) -> &'static str { match self { $($name::$variant => $text),+ } }
            /// The value a text names exactly (what the store holds), if any.
            pub fn parse(s: &str) -> Option<$name> { match s { $($text => Some($name::$variant),)+ _ => None } }
        }
        impl std::fmt::Display for $name {
            fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result { f.write_str(self.as_str()) }
        }
    };
}

string_enum!(
    /// What a site is; `wifi` is a stand-alone public access point.
    SiteKind {
        Wifi = "wifi",
        Library = "library",
        Kac = "kac",
        School = "school",
        CultureHouse = "culture_house",
        SocialCentre = "social_centre",
        ActivityCentre = "activity_centre",
        YouthCentre = "youth_centre",
        MunicipalOffice = "municipal_office",
        MobileClassStop = "mobile_class_stop",
    }
);
string_enum!(Wheelchair { Yes = "yes", Limited = "limited", No = "no", Unknown = "unknown" });
string_enum!(SiteStatus { Active = "active", Planned = "planned", Retired = "retired" });
string_enum!(
    /// How exactly a site's point is known.
    CoordinateQuality {
        Building = "building",
        Street = "street",
        Settlement = "settlement",
        Estimated = "estimated",
    }
);
string_enum!(AreaKind { Municipality = "municipality", Parish = "parish" });
string_enum!(
    /// Access technology of a coverage area.
    Technology {
        Ftth = "ftth",
        Vdsl = "vdsl",
        Cable = "cable",
        Fwa = "fwa",
        Lte = "lte",
        Nr5g = "nr5g",
        Satellite = "satellite",
    }
);
string_enum!(ServiceKind { Fixed = "fixed", Mobile = "mobile" });
string_enum!(ZoneKind { Border = "border", Parish = "parish", Area = "area" });
string_enum!(
    /// A town, an official village (ciems) or a smaller named place.
    SettlementKind { Town = "town", Ciems = "ciems", Hamlet = "hamlet" }
);

impl Technology {
    /// The service a technology provides when a file does not say.
    pub fn default_service(self) -> ServiceKind {
        match self {
            Technology::Lte | Technology::Nr5g => ServiceKind::Mobile,
            _ => ServiceKind::Fixed,
        }
    }
}

/// A place where people can get online or get help (WGS84 point).
#[derive(Debug, Clone, PartialEq)]
pub struct Site {
    pub id: String,
    pub kind: SiteKind,
    pub name: String,
    pub address: Option<String>,
    pub parish_id: Option<String>,
    pub free_wifi: Option<bool>,
    pub access_points: Option<u32>,
    pub router_year: Option<i32>,
    pub backhaul_down_mbps: Option<f64>,
    pub backhaul_up_mbps: Option<f64>,
    pub public_computers: Option<u32>,
    pub opening_hours: Option<String>,
    /// When the free Wi-Fi can be used (OSM `opening_hours` syntax); `None`
    /// means "as the opening hours" when the site has free Wi-Fi.
    pub wifi_hours: Option<String>,
    pub phone: Option<String>,
    pub wheelchair: Wheelchair,
    pub services: Vec<String>,
    pub how_to_connect: Option<String>,
    pub status: SiteStatus,
    pub planned_year: Option<i32>,
    pub candidate: bool,
    pub outside_municipality: bool,
    /// Why a site outside the municipality is shown.
    pub outside_municipality_reason: Option<String>,
    /// How exactly `location` is known; `None` when the source does not say.
    pub coordinate_quality: Option<CoordinateQuality>,
    /// The building (layer `buildings`) the site is in.
    pub building_id: Option<String>,
    pub location: Point<f64>,
    pub provenance: Provenance,
    /// Where the equipment fields (`access_points`, `router_year`,
    /// `backhaul_*`) come from: the equipment records they were derived from
    /// (see [`super::inventory`]), the site's own provenance when its file
    /// gave them, or `None` when they are unknown.
    pub equipment_provenance: Option<Provenance>,
}

impl Site {
    pub fn from_record(r: &Record) -> Result<Site, String> {
        Ok(Site {
            id: r.id.clone(),
            kind: r.parse_enum("kind")?,
            name: r.string("name").unwrap_or_default(),
            address: r.string("address"),
            parish_id: r.string("parish_id"),
            free_wifi: r.bool("free_wifi"),
            access_points: r.u32("access_points"),
            router_year: r.i32("router_year"),
            backhaul_down_mbps: r.f64("backhaul_down_mbps"),
            backhaul_up_mbps: r.f64("backhaul_up_mbps"),
            public_computers: r.u32("public_computers"),
            opening_hours: r.string("opening_hours"),
            wifi_hours: r.string("wifi_hours"),
            phone: r.string("phone"),
            wheelchair: r.parse_enum("wheelchair")?,
            services: r.list("services"),
            how_to_connect: r.string("how_to_connect"),
            status: r.parse_enum("status")?,
            planned_year: r.i32("planned_year"),
            candidate: r.bool("candidate").unwrap_or(false),
            outside_municipality: r.bool("outside_municipality").unwrap_or(false),
            outside_municipality_reason: r.string("outside_municipality_reason"),
            coordinate_quality: r.optional_enum("coordinate_quality")?,
            building_id: r.string("building_id"),
            location: r.point()?,
            provenance: r.provenance()?,
            equipment_provenance: None,
        })
    }

    /// An active site offering free public Wi-Fi.
    pub fn is_free_wifi(&self) -> bool {
        self.status == SiteStatus::Active && self.free_wifi == Some(true)
    }
}

/// A provider's reported coverage for one technology (WGS84 polygons).
#[derive(Debug, Clone, PartialEq)]
pub struct CoverageArea {
    pub id: String,
    pub provider: String,
    pub technology: Technology,
    pub service: ServiceKind,
    pub max_down_mbps: f64,
    pub max_up_mbps: f64,
    pub geometry: MultiPolygon<f64>,
    pub provenance: Provenance,
}

impl CoverageArea {
    pub fn from_record(r: &Record) -> Result<CoverageArea, String> {
        let technology: Technology = r.parse_enum("technology")?;
        let service = match r.props.get("service") {
            Some(Value::Null) | None => technology.default_service(),
            Some(_) => r.parse_enum("service")?,
        };
        Ok(CoverageArea {
            id: r.id.clone(),
            provider: r.string("provider").unwrap_or_default(),
            technology,
            service,
            max_down_mbps: r.f64("max_down_mbps").unwrap_or(0.0),
            max_up_mbps: r.f64("max_up_mbps").unwrap_or(0.0),
            geometry: r.multi_polygon()?,
            provenance: r.provenance()?,
        })
    }
}

string_enum!(
    /// Where a demand point comes from: `point` (a point with its own
    /// residents), `address_register` (a VZD address; residents come from
    /// the grid) or `population_grid` (a grid-cell centre).
    DemandOrigin {
        Point = "point",
        AddressRegister = "address_register",
        PopulationGrid = "population_grid",
    }
);

/// Where people live: an address point or grid-cell centre with residents.
///
/// A national demand layer holds about a million of these, so the struct is
/// kept small: `origin` is a one-byte enum and `address` a boxed string
/// (16 bytes, no heap allocation when absent).
#[derive(Debug, Clone, PartialEq)]
pub struct DemandPoint {
    pub id: String,
    pub residents: u32,
    pub parish_id: Option<String>,
    pub cell_id: Option<String>,
    pub origin: DemandOrigin,
    /// The register's address text (VZD `STD`, else the house or homestead
    /// name), for the gazetteer. Resolving demand moves it into the
    /// snapshot's address list (the engine's `snapshot::demand::AddressPoint`).
    pub address: Option<Box<str>>,
    pub location: Point<f64>,
    pub source: Source,
}

impl DemandPoint {
    pub fn from_record(r: &Record) -> Result<DemandPoint, String> {
        Ok(DemandPoint {
            id: r.id.clone(),
            residents: r.u32("residents").unwrap_or(0),
            parish_id: r.string("parish_id"),
            cell_id: r.string("cell_id"),
            origin: match r.props.get("origin") {
                Some(Value::Null) | None => DemandOrigin::Point,
                Some(_) => r.parse_enum("origin")?,
            },
            address: r
                .str("address")
                .filter(|a| !a.trim().is_empty())
                .map(Box::from),
            location: r.point()?,
            source: r.source()?,
        })
    }
}

/// The municipality or one of its parishes.
#[derive(Debug, Clone, PartialEq)]
pub struct Area {
    pub id: String,
    pub kind: AreaKind,
    pub name: String,
    pub atvk: Option<String>,
    pub population: Option<u64>,
    pub population_date: Option<NaiveDate>,
    pub geometry: MultiPolygon<f64>,
    pub provenance: Provenance,
}

impl Area {
    pub fn from_record(r: &Record) -> Result<Area, String> {
        Ok(Area {
            id: r.id.clone(),
            kind: r.parse_enum("kind")?,
            name: r.string("name").unwrap_or_default(),
            atvk: r.string("atvk"),
            population: r.props.get("population").and_then(Value::as_u64),
            population_date: r.date("population_date"),
            geometry: r.multi_polygon()?,
            provenance: r.provenance()?,
        })
    }
}

/// A territory the municipality flags for priority.
#[derive(Debug, Clone, PartialEq)]
pub struct PriorityZone {
    pub id: String,
    pub name: String,
    pub zone_kind: ZoneKind,
    pub geometry: MultiPolygon<f64>,
    pub provenance: Provenance,
}

impl PriorityZone {
    pub fn from_record(r: &Record) -> Result<PriorityZone, String> {
        Ok(PriorityZone {
            id: r.id.clone(),
            name: r.string("name").unwrap_or_default(),
            zone_kind: r.parse_enum("zone_kind")?,
            geometry: r.multi_polygon()?,
            provenance: r.provenance()?,
        })
    }
}

/// A named place people live in and search for (WGS84 point).
#[derive(Debug, Clone, PartialEq)]
pub struct Settlement {
    pub id: String,
    pub name: String,
    /// Other spellings and names.
    pub name_alt: Vec<String>,
    pub kind: SettlementKind,
    pub parish_id: Option<String>,
    pub population: Option<u64>,
    pub population_date: Option<NaiveDate>,
    pub location: Point<f64>,
    pub provenance: Provenance,
}

impl Settlement {
    pub fn from_record(r: &Record) -> Result<Settlement, String> {
        Ok(Settlement {
            id: r.id.clone(),
            name: r.string("name").unwrap_or_default(),
            name_alt: r.list("name_alt"),
            kind: r.parse_enum("kind")?,
            parish_id: r.string("parish_id"),
            population: r.props.get("population").and_then(Value::as_u64),
            population_date: r.date("population_date"),
            location: r.point()?,
            provenance: r.provenance()?,
        })
    }

    /// The published properties (ARCHITECTURE.md, "Properties"), in order.
    pub fn properties(&self) -> Map<String, Value> {
        let mut m = Map::new();
        m.insert("id".into(), self.id.clone().into());
        m.insert("name".into(), self.name.clone().into());
        // `;`-joined, like the other published lists: GIS formats (and
        // GDAL's GeoPackage writer) have no list type.
        m.insert("name_alt".into(), self.name_alt.join(";").into());
        m.insert("kind".into(), self.kind.as_str().into());
        m.insert("parish_id".into(), opt(self.parish_id.clone()));
        m.insert("population".into(), opt(self.population));
        m.insert(
            "population_date".into(),
            opt(self.population_date.map(|d| d.to_string())),
        );
        provenance_props(&mut m, &self.provenance);
        m
    }
}

fn opt<T: Into<Value>>(v: Option<T>) -> Value {
    v.map(Into::into).unwrap_or(Value::Null)
}

pub(crate) fn provenance_props(m: &mut Map<String, Value>, p: &Provenance) {
    m.insert("source".into(), p.source.as_str().into());
    m.insert("source_ref".into(), p.source_ref.clone().into());
    m.insert("as_of".into(), p.as_of.to_string().into());
    m.insert("licence".into(), opt(p.licence.clone()));
}

impl Site {
    /// The published properties (ARCHITECTURE.md, "Properties"), in order.
    pub fn properties(&self) -> Map<String, Value> {
        let mut m = Map::new();
        m.insert("id".into(), self.id.clone().into());
        m.insert("kind".into(), self.kind.as_str().into());
        m.insert("name".into(), self.name.clone().into());
        m.insert("address".into(), opt(self.address.clone()));
        m.insert("parish_id".into(), opt(self.parish_id.clone()));
        m.insert("free_wifi".into(), opt(self.free_wifi));
        m.insert("access_points".into(), opt(self.access_points));
        m.insert("router_year".into(), opt(self.router_year));
        m.insert("backhaul_down_mbps".into(), opt(self.backhaul_down_mbps));
        m.insert("backhaul_up_mbps".into(), opt(self.backhaul_up_mbps));
        m.insert("public_computers".into(), opt(self.public_computers));
        m.insert("opening_hours".into(), opt(self.opening_hours.clone()));
        m.insert("wifi_hours".into(), opt(self.wifi_hours.clone()));
        m.insert("phone".into(), opt(self.phone.clone()));
        m.insert("wheelchair".into(), self.wheelchair.as_str().into());
        m.insert("services".into(), self.services.clone().into());
        m.insert("how_to_connect".into(), opt(self.how_to_connect.clone()));
        m.insert("status".into(), self.status.as_str().into());
        m.insert("planned_year".into(), opt(self.planned_year));
        m.insert("candidate".into(), self.candidate.into());
        m.insert(
            "outside_municipality".into(),
            self.outside_municipality.into(),
        );
        m.insert(
            "outside_municipality_reason".into(),
            opt(self.outside_municipality_reason.clone()),
        );
        m.insert(
            "coordinate_quality".into(),
            opt(self.coordinate_quality.map(CoordinateQuality::as_str)),
        );
        m.insert("building_id".into(), opt(self.building_id.clone()));
        provenance_props(&mut m, &self.provenance);
        let ep = self.equipment_provenance.as_ref();
        m.insert(
            "equipment_source".into(),
            opt(ep.map(|p| p.source.as_str())),
        );
        m.insert(
            "equipment_source_ref".into(),
            opt(ep.map(|p| p.source_ref.clone())),
        );
        m.insert(
            "equipment_as_of".into(),
            opt(ep.map(|p| p.as_of.to_string())),
        );
        m
    }
}

impl Area {
    pub fn properties(&self) -> Map<String, Value> {
        let mut m = Map::new();
        m.insert("id".into(), self.id.clone().into());
        m.insert("kind".into(), self.kind.as_str().into());
        m.insert("name".into(), self.name.clone().into());
        m.insert("atvk".into(), opt(self.atvk.clone()));
        m.insert("population".into(), opt(self.population));
        m.insert(
            "population_date".into(),
            opt(self.population_date.map(|d| d.to_string())),
        );
        provenance_props(&mut m, &self.provenance);
        m
    }
}

impl CoverageArea {
    pub fn properties(&self) -> Map<String, Value> {
        let mut m = Map::new();
        m.insert("id".into(), self.id.clone().into());
        m.insert("provider".into(), self.provider.clone().into());
        m.insert("technology".into(), self.technology.as_str().into());
        m.insert("service".into(), self.service.as_str().into());
        m.insert("max_down_mbps".into(), self.max_down_mbps.into());
        m.insert("max_up_mbps".into(), self.max_up_mbps.into());
        provenance_props(&mut m, &self.provenance);
        m
    }
}

impl PriorityZone {
    pub fn properties(&self) -> Map<String, Value> {
        let mut m = Map::new();
        m.insert("id".into(), self.id.clone().into());
        m.insert("name".into(), self.name.clone().into());
        m.insert("zone_kind".into(), self.zone_kind.as_str().into());
        provenance_props(&mut m, &self.provenance);
        m
    }
}

/// A `YYYY-MM-DD` date. The canonical ten-character form (what the store
/// holds, a million times over in a national demand layer) is read
/// directly; anything else goes through chrono's `%Y-%m-%d` parser, which
/// decides alone.
pub fn parse_date(s: &str) -> Option<NaiveDate> {
    let b = s.as_bytes();
    let digits = |r: std::ops::Range<usize>| {
        b[r].iter().try_fold(0u32, |n, &c| {
            c.is_ascii_digit().then(|| n * 10 + u32::from(c - b'0'))
        })
    };
    if b.len() == 10
        && b[4] == b'-'
        && b[7] == b'-'
        && let (Some(y), Some(m), Some(d)) = (digits(0..4), digits(5..7), digits(8..10))
    {
        return NaiveDate::from_ymd_opt(y as i32, m, d);
    }
    NaiveDate::parse_from_str(s, "%Y-%m-%d").ok()
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn dates_read_as_chrono_reads_them() {
        let mut cases: Vec<String> = [
            "2026-11-30",
            "2024-02-29",
            "2025-02-29",
            "2026-13-01",
            "2026-00-10",
            "0000-01-01",
            "9999-12-31",
            "2026-1-5",
            "2026-01-5",
            "26-01-01",
            "2026/01/01",
            "2026-01-01T00",
            " 2026-01-01",
            "2026-01-0a",
            "",
            "+2026-01-01",
            "2026-02-30",
        ]
        .iter()
        .map(|s| s.to_string())
        .collect();
        for y in [1970, 2000, 2100] {
            for m in 0..=13 {
                for d in 0..=32 {
                    cases.push(format!("{y:04}-{m:02}-{d:02}"));
                }
            }
        }
        for s in &cases {
            assert_eq!(
                parse_date(s),
                NaiveDate::parse_from_str(s, "%Y-%m-%d").ok(),
                "{s:?}"
            );
        }
    }
}
