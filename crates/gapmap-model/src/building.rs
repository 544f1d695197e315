//! The municipality's buildings (layer `buildings`): where a new access
//! point can go and where the mobile class can meet. Sites (a library, a
//! client service desk) and equipment may name the building they are in
//! (`building_id`).

use super::features::{CoordinateQuality, Record, SiteStatus, Wheelchair};
use super::provenance::Provenance;
use geo_types::Point;
use serde::{Deserialize, Serialize};
use serde_json::{Map, Value};

string_enum!(
    /// What a building is used for.
    BuildingKind {
        School = "school",
        CultureHouse = "culture_house",
        ParishOffice = "parish_office",
        Library = "library",
        SocialCentre = "social_centre",
        SportsHall = "sports_hall",
        Other = "other",
    }
);

/// One building (WGS84 point).
#[derive(Debug, Clone, PartialEq)]
pub struct Building {
    pub id: String,
    pub kind: BuildingKind,
    pub name: String,
    pub address: Option<String>,
    pub parish_id: Option<String>,
    /// Owned or used by the municipality; `None` when no source says.
    pub municipal: Option<bool>,
    /// Free public Wi-Fi in or at the building; `None` when unknown.
    pub free_wifi: Option<bool>,
    pub phone: Option<String>,
    pub wheelchair: Wheelchair,
    /// The building's id in its register (ISIL code, registration number).
    pub register_id: Option<String>,
    pub status: SiteStatus,
    pub coordinate_quality: Option<CoordinateQuality>,
    pub outside_municipality: bool,
    pub outside_municipality_reason: Option<String>,
    pub location: Point<f64>,
    pub provenance: Provenance,
}

impl Building {
    pub fn from_record(r: &Record) -> Result<Building, String> {
        Ok(Building {
            id: r.id.clone(),
            kind: r.parse_enum("kind")?,
            name: r.string("name").unwrap_or_default(),
            address: r.string("address"),
            parish_id: r.string("parish_id"),
            municipal: r.bool("municipal"),
            free_wifi: r.bool("free_wifi"),
            phone: r.string("phone"),
            wheelchair: r.parse_enum("wheelchair")?,
            register_id: r.string("register_id"),
            status: r.parse_enum("status")?,
            coordinate_quality: r.optional_enum("coordinate_quality")?,
            outside_municipality: r.bool("outside_municipality").unwrap_or(false),
            outside_municipality_reason: r.string("outside_municipality_reason"),
            location: r.point()?,
            provenance: r.provenance()?,
        })
    }

    /// In use (not planned or retired).
    pub fn is_active(&self) -> bool {
        self.status == SiteStatus::Active
    }

    /// The published properties (ARCHITECTURE.md, "Properties"), in order.
    pub fn properties(&self) -> Map<String, Value> {
        let mut m = Map::new();
        m.insert("id".into(), self.id.clone().into());
        m.insert("kind".into(), self.kind.as_str().into());
        m.insert("name".into(), self.name.clone().into());
        m.insert("address".into(), opt(self.address.clone()));
        m.insert("parish_id".into(), opt(self.parish_id.clone()));
        m.insert("municipal".into(), opt(self.municipal));
        m.insert("free_wifi".into(), opt(self.free_wifi));
        m.insert("phone".into(), opt(self.phone.clone()));
        m.insert("wheelchair".into(), self.wheelchair.as_str().into());
        m.insert("register_id".into(), opt(self.register_id.clone()));
        m.insert("status".into(), self.status.as_str().into());
        m.insert(
            "coordinate_quality".into(),
            opt(self.coordinate_quality.map(CoordinateQuality::as_str)),
        );
        m.insert(
            "outside_municipality".into(),
            self.outside_municipality.into(),
        );
        m.insert(
            "outside_municipality_reason".into(),
            opt(self.outside_municipality_reason.clone()),
        );
        super::features::provenance_props(&mut m, &self.provenance);
        m
    }
}

fn opt<T: Into<Value>>(v: Option<T>) -> Value {
    v.map(Into::into).unwrap_or(Value::Null)
}
