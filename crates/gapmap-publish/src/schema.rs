//! The property schema of every published collection: each property's
//! name, type and meaning, in publication order. It drives
//!
//! - the keys of every published feature: each carries every property of
//!   its collection, `null` when unknown ([`normalise`]), so a client that
//!   builds its table from the first page (GDAL and QGIS do) loses no
//!   column;
//! - the OGC API documents: Part 5 schemas (`/schema`), Part 3 queryables
//!   (`/queryables`) and the GeoJSON feature schema GDAL reads through the
//!   `describedBy` link ([`Document`]);
//! - the column types of the GeoPackage export and the TileJSON fields.
//!
//! A property a feature carries that is not declared here (a new one, not
//! yet described) is still published on every feature, with its type taken
//! from the first value seen ([`Schema::of_features`]).
//!
//! Collections are named by their id here (`sites`, …; see
//! `collections::Collection`), so this module stands below the one that
//! builds the features.

use gapmap_model::Source;
use gapmap_model::schema::{
    AREA_KINDS, BUILDING_KINDS, COORDINATE_QUALITY, SERVICES, SETTLEMENT_KINDS, SITE_KINDS,
    SITE_STATUS, TECHNOLOGIES, WHEELCHAIR, ZONE_KINDS,
};
use serde_json::{Map, Value, json};

/// The JSON type of a property's values (besides `null`, which every
/// property may take: the value is unknown, or withheld).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum PropType {
    String,
    /// A `YYYY-MM-DD` date, as a string.
    Date,
    Integer,
    Number,
    Boolean,
    /// A list of strings.
    Strings,
    /// A JSON object (counts by class, provenance mix).
    Object,
}

impl PropType {
    /// The JSON Schema `type`.
    pub fn json_type(self) -> &'static str {
        match self {
            PropType::String | PropType::Date => "string",
            PropType::Integer => "integer",
            PropType::Number => "number",
            PropType::Boolean => "boolean",
            PropType::Strings => "array",
            PropType::Object => "object",
        }
    }

    /// The TileJSON field type (objects and lists are strings in a tile).
    pub fn tile_type(self) -> &'static str {
        match self {
            PropType::Integer | PropType::Number => "Number",
            PropType::Boolean => "Boolean",
            _ => "String",
        }
    }

    /// The type of a value, `None` for `null`.
    pub fn of(v: &Value) -> Option<PropType> {
        Some(match v {
            Value::Null => return None,
            Value::Bool(_) => PropType::Boolean,
            Value::Number(n) if n.is_i64() || n.is_u64() => PropType::Integer,
            Value::Number(_) => PropType::Number,
            Value::String(_) => PropType::String,
            Value::Array(_) => PropType::Strings,
            Value::Object(_) => PropType::Object,
        })
    }
}

/// One published property.
#[derive(Debug, Clone, PartialEq)]
pub struct Property {
    pub name: String,
    pub ty: PropType,
    pub description: &'static str,
    /// The closed set of values, for an enumeration.
    pub values: Option<&'static [&'static str]>,
}

/// A declared property: name, type, description, closed values.
type Decl = (
    &'static str,
    PropType,
    &'static str,
    Option<&'static [&'static str]>,
);

use PropType::{Boolean, Date, Integer, Number, Object, String as Text, Strings};

const ID: Decl = ("id", Text, "Stable identifier of the feature", None);
const PROVENANCE: [Decl; 4] = [
    (
        "source",
        Text,
        "Where the facts come from: official, approximate or simulated",
        Some(Source::NAMES),
    ),
    (
        "source_ref",
        Text,
        "The document, register or generator the facts come from",
        None,
    ),
    ("as_of", Date, "The date of the facts", None),
    ("licence", Text, "Licence of the facts", None),
];
const STAMP: Decl = (
    "snapshot_version",
    Text,
    "The store revision the analysis was computed from",
    None,
);

// Properties sites and buildings share.
const NAME: Decl = ("name", Text, "Name", None);
const ADDRESS: Decl = ("address", Text, "Street address", None);
const PARISH: Decl = ("parish_id", Text, "The parish (its id in `parishes`)", None);
const FREE_WIFI: Decl = ("free_wifi", Boolean, "Free public Wi-Fi is offered", None);
const PHONE: Decl = ("phone", Text, "Phone number", None);
const WHEELCHAIR_ACCESS: Decl = ("wheelchair", Text, "Wheelchair access", Some(WHEELCHAIR));
const STATUS: Decl = (
    "status",
    Text,
    "In service, planned or retired",
    Some(SITE_STATUS),
);
const OUTSIDE: Decl = (
    "outside_municipality",
    Boolean,
    "Lies outside the municipality (with a reason)",
    None,
);
const OUTSIDE_REASON: Decl = (
    "outside_municipality_reason",
    Text,
    "Why a place outside the municipality is shown",
    None,
);
const COORDINATES: Decl = (
    "coordinate_quality",
    Text,
    "How exactly the point is known",
    Some(COORDINATE_QUALITY),
);

const SITE: [Decl; 24] = [
    ID,
    ("kind", Text, "What the place is", Some(SITE_KINDS)),
    NAME,
    ADDRESS,
    PARISH,
    FREE_WIFI,
    (
        "access_points",
        Integer,
        "Public wireless access points in service",
        None,
    ),
    (
        "router_year",
        Integer,
        "Install year of the newest router",
        None,
    ),
    (
        "backhaul_down_mbps",
        Number,
        "The building's line, download (Mbit/s)",
        None,
    ),
    (
        "backhaul_up_mbps",
        Number,
        "The building's line, upload (Mbit/s)",
        None,
    ),
    (
        "public_computers",
        Integer,
        "Computers for the public",
        None,
    ),
    (
        "opening_hours",
        Text,
        "Opening hours (OSM opening_hours syntax)",
        None,
    ),
    (
        "wifi_hours",
        Text,
        "When the free Wi-Fi can be used (OSM opening_hours syntax)",
        None,
    ),
    PHONE,
    WHEELCHAIR_ACCESS,
    ("services", Strings, "Help and services offered", None),
    ("how_to_connect", Text, "How to connect to the Wi-Fi", None),
    STATUS,
    (
        "planned_year",
        Integer,
        "The year a planned place opens",
        None,
    ),
    (
        "candidate",
        Boolean,
        "May host a new public access point",
        None,
    ),
    OUTSIDE,
    OUTSIDE_REASON,
    COORDINATES,
    (
        "building_id",
        Text,
        "The building it is in (its id in `buildings`)",
        None,
    ),
];
const BUILDING: [Decl; 14] = [
    ID,
    ("kind", Text, "What the building is", Some(BUILDING_KINDS)),
    NAME,
    ADDRESS,
    PARISH,
    (
        "municipal",
        Boolean,
        "The municipality owns or runs it",
        None,
    ),
    FREE_WIFI,
    PHONE,
    WHEELCHAIR_ACCESS,
    (
        "register_id",
        Text,
        "Its id in the register it came from (ISIL, registration number)",
        None,
    ),
    STATUS,
    COORDINATES,
    OUTSIDE,
    OUTSIDE_REASON,
];
const EQUIPMENT_PROVENANCE: [Decl; 3] = [
    (
        "equipment_source",
        Text,
        "Where the equipment figures come from: official, approximate or simulated",
        Some(Source::NAMES),
    ),
    (
        "equipment_source_ref",
        Text,
        "The records behind the equipment figures",
        None,
    ),
    (
        "equipment_as_of",
        Date,
        "The date of the equipment records",
        None,
    ),
];
const SETTLEMENT: [Decl; 7] = [
    ID,
    ("name", Text, "Name", None),
    ("name_alt", Text, "Other names, `;`-separated", None),
    (
        "kind",
        Text,
        "Town, village (ciems) or hamlet",
        Some(SETTLEMENT_KINDS),
    ),
    ("parish_id", Text, "The parish (its id in `parishes`)", None),
    ("population", Integer, "Residents", None),
    (
        "population_date",
        Date,
        "The date of the population figure",
        None,
    ),
];
const AREA: [Decl; 6] = [
    ID,
    ("kind", Text, "Municipality or parish", Some(AREA_KINDS)),
    ("name", Text, "Name", None),
    ("atvk", Text, "ATVK territorial code", None),
    ("population", Integer, "Residents", None),
    (
        "population_date",
        Date,
        "The date of the population figure",
        None,
    ),
];
const COVERAGE: [Decl; 6] = [
    ID,
    ("provider", Text, "Provider", None),
    ("technology", Text, "Access technology", Some(TECHNOLOGIES)),
    ("service", Text, "Fixed or mobile", Some(SERVICES)),
    (
        "max_down_mbps",
        Number,
        "Highest download speed offered (Mbit/s)",
        None,
    ),
    (
        "max_up_mbps",
        Number,
        "Highest upload speed offered (Mbit/s)",
        None,
    ),
];
const ZONE: [Decl; 3] = [
    ID,
    ("name", Text, "Name", None),
    (
        "zone_kind",
        Text,
        "Border zone, parish or area",
        Some(ZONE_KINDS),
    ),
];
const FIXED_CLASSES: &[&str] = &["gigabit", "served", "underserved", "unserved"];
/// Counts of an aggregate, in the order `Aggregate::to_json` writes them.
const COUNTS: [Decl; 11] = [
    (
        "residents",
        Integer,
        "Residents (null when fewer than the disclosure threshold: see residents_min/residents_max)",
        None,
    ),
    (
        "residents_min",
        Integer,
        "Fewest residents, when only a range is published",
        None,
    ),
    (
        "residents_max",
        Integer,
        "Most residents, when only a range is published",
        None,
    ),
    ("disclosure", Text, "Why only a range is published", None),
    ("points", Integer, "Demand points counted", None),
    (
        "by_fixed_class",
        Object,
        "Residents by fixed service class",
        None,
    ),
    (
        "by_mobile_class",
        Object,
        "Residents by mobile service class",
        None,
    ),
    (
        "by_public_access",
        Object,
        "Residents near and far from free public Wi-Fi",
        None,
    ),
    (
        "digitally_underserved",
        Integer,
        "Residents digitally under-served",
        None,
    ),
    (
        "by_fixed_providers",
        Object,
        "Residents by number of fixed providers",
        None,
    ),
    (
        "provenance",
        Object,
        "Source mix of the demand and coverage counted",
        None,
    ),
];
const CELL: [Decl; 3] = [
    ID,
    (
        "cell_id",
        Text,
        "EU 1 km grid cell (INSPIRE id, EPSG:3035)",
        None,
    ),
    (
        "fixed_class",
        Text,
        "The fixed class most residents of the cell have",
        Some(FIXED_CLASSES),
    ),
];
const DEMAND_COUNTS: [Decl; 4] = [COUNTS[0], COUNTS[1], COUNTS[2], COUNTS[4]];
const UNDERSERVED: Decl = (
    "underserved",
    Boolean,
    "Some resident of the cell is digitally under-served",
    None,
);
const CLUSTER: [Decl; 8] = [
    ID,
    (
        "rank",
        Integer,
        "Rank by residents digitally under-served (1: most)",
        None,
    ),
    ("cells", Integer, "1 km cells in the cluster", None),
    ("cell_ids", Text, "The cells, `;`-separated", None),
    (
        "priority_zones",
        Text,
        "Priority zones it touches, `;`-separated",
        None,
    ),
    (
        "in_border_zone",
        Boolean,
        "Touches the Lithuanian border zone",
        None,
    ),
    (
        "in_priority_parish",
        Boolean,
        "Touches a priority parish",
        None,
    ),
    ("in_priority_area", Boolean, "Touches a priority area", None),
];

/// The declared properties of a collection (by id), in publication
/// order; none for a collection not described here.
fn declared(collection: &str) -> Vec<Decl> {
    let mut v: Vec<Decl> = Vec::new();
    match collection {
        "sites" => {
            v.extend(SITE);
            v.extend(PROVENANCE);
            v.extend(EQUIPMENT_PROVENANCE);
        }
        "settlements" => v.extend(SETTLEMENT.into_iter().chain(PROVENANCE)),
        "buildings" => v.extend(BUILDING.into_iter().chain(PROVENANCE)),
        "municipality" | "parishes" => v.extend(AREA.into_iter().chain(PROVENANCE)),
        "coverage" => v.extend(COVERAGE.into_iter().chain(PROVENANCE)),
        "priority_zones" => v.extend(ZONE.into_iter().chain(PROVENANCE)),
        "demand_grid" => {
            v.extend(CELL.into_iter().chain(DEMAND_COUNTS).chain(PROVENANCE));
            v.push(STAMP);
        }
        "gap_grid" => {
            v.extend(CELL.into_iter().chain(COUNTS));
            v.push(UNDERSERVED);
            v.extend(PROVENANCE);
            v.push(STAMP);
        }
        "gap_clusters" => {
            v.extend(CLUSTER.into_iter().chain(COUNTS).chain(PROVENANCE));
            v.push(STAMP);
        }
        _ => v.push(ID),
    }
    v
}

/// The properties of one collection, in publication order.
#[derive(Debug, Clone, PartialEq)]
pub struct Schema {
    /// The collection's id.
    pub collection: String,
    pub properties: Vec<Property>,
}

impl Schema {
    /// The declared properties of a collection.
    pub fn declared(collection: &str) -> Schema {
        Schema {
            collection: collection.to_owned(),
            properties: declared(collection)
                .into_iter()
                .map(|(name, ty, description, values)| Property {
                    name: name.to_owned(),
                    ty,
                    description,
                    values,
                })
                .collect(),
        }
    }

    /// The declared properties, then any other property the features carry
    /// (in the order first seen, typed by the first value that is not null;
    /// a string when every value is null).
    pub fn of_features<'a>(
        collection: &str,
        features: impl IntoIterator<Item = &'a Map<String, Value>>,
    ) -> Schema {
        let mut s = Schema::declared(collection);
        let mut extra: Vec<(String, Option<PropType>)> = Vec::new();
        for properties in features {
            for (k, v) in properties {
                if s.get(k).is_some() {
                    continue;
                }
                match extra.iter_mut().find(|(n, _)| n == k) {
                    Some((_, t)) => *t = t.or(PropType::of(v)),
                    None => extra.push((k.clone(), PropType::of(v))),
                }
            }
        }
        s.properties
            .extend(extra.into_iter().map(|(name, ty)| Property {
                name,
                ty: ty.unwrap_or(PropType::String),
                description: "",
                values: None,
            }));
        s
    }

    pub fn get(&self, name: &str) -> Option<&Property> {
        self.properties.iter().find(|p| p.name == name)
    }

    /// `properties` with every property of the schema, in its order, `null`
    /// where the feature has no value; nothing else is changed.
    pub fn normalise(&self, properties: &mut Map<String, Value>) {
        let mut out = Map::with_capacity(self.properties.len());
        for p in &self.properties {
            out.insert(
                p.name.clone(),
                properties.remove(&p.name).unwrap_or(Value::Null),
            );
        }
        // Keys of no property (none, after `of_features`) stay, last.
        out.append(properties);
        *properties = out;
    }

    /// The JSON Schema of one property.
    fn property_schema(p: &Property) -> Value {
        let mut s = json!({"title": p.name, "type": p.ty.json_type()});
        if !p.description.is_empty() {
            s["description"] = json!(p.description);
        }
        match p.ty {
            PropType::Date => s["format"] = json!("date"),
            PropType::Strings => s["items"] = json!({"type": "string"}),
            _ => {}
        }
        if let Some(values) = p.values {
            s["enum"] = json!(values);
        }
        if p.name == "id" {
            s["x-ogc-role"] = json!("id");
        }
        s
    }

    /// A JSON Schema document (2020-12) at `id` (its URL), for a
    /// collection titled `title` whose geometry is `geometry_type`
    /// (`Point` or `MultiPolygon`).
    pub fn document(&self, kind: Document, id: &str, title: &str, geometry_type: &str) -> Value {
        let c = &self.collection;
        let props = |keep: &dyn Fn(&Property) -> bool| -> Map<String, Value> {
            self.properties
                .iter()
                .filter(|p| keep(p))
                .map(|p| (p.name.clone(), Schema::property_schema(p)))
                .collect()
        };
        let mut doc = json!({
            "$schema": "https://json-schema.org/draft/2020-12/schema",
            "$id": id,
            "type": "object",
            "title": title,
        });
        match kind {
            Document::Schema => {
                let mut p = props(&|_| true);
                let format = if geometry_type == "Point" {
                    "geometry-point"
                } else {
                    "geometry-multipolygon"
                };
                p.insert(
                    "geometry".into(),
                    json!({"title": "geometry", "x-ogc-role": "primary-geometry", "format": format}),
                );
                doc["description"] = json!(format!(
                    "The properties of every feature of `{c}`; a property is null where its value is unknown (or withheld: counts of 1–4 residents)."
                ));
                doc["properties"] = Value::Object(p);
            }
            Document::Queryables(names) => {
                doc["description"] = json!(format!(
                    "The properties the items of `{c}` can be filtered on (`?name=value`, exact match)."
                ));
                doc["properties"] = Value::Object(props(&|p| names.contains(&p.name.as_str())));
                doc["additionalProperties"] = json!(false);
            }
            Document::GeoJsonFeature => {
                doc["description"] = json!(format!(
                    "One GeoJSON feature of `{c}` (RFC 7946): every property is present, null where its value is unknown."
                ));
                doc["required"] = json!(["type", "geometry", "properties"]);
                doc["properties"] = json!({
                    "type": {"type": "string", "enum": ["Feature"]},
                    "id": {"type": "string"},
                    "geometry": {"type": "object", "description": geometry_type},
                    "properties": {"type": "object", "properties": props(&|_| true)},
                });
            }
        }
        doc
    }

    /// The TileJSON `fields`: name → String, Number or Boolean.
    pub fn tile_fields(&self) -> Map<String, Value> {
        self.properties
            .iter()
            .map(|p| (p.name.clone(), Value::String(p.ty.tile_type().into())))
            .collect()
    }
}

/// Which JSON Schema document of a collection.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Document<'a> {
    /// OGC API – Features Part 5: the properties of a feature, with the
    /// `x-ogc-role`s of its id and primary geometry.
    Schema,
    /// Part 3: the properties items can be filtered on.
    Queryables(&'a [&'a str]),
    /// One GeoJSON feature, its properties nested as GeoJSON nests them:
    /// the form GDAL's OAPIF driver reads through a `describedBy` link.
    GeoJsonFeature,
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn declared_names_are_unique_and_start_with_the_id() {
        for c in crate::collections::Collection::ALL.map(|c| c.id()) {
            let s = Schema::declared(c);
            assert_eq!(s.properties[0].name, "id", "{c:?}");
            let mut names: Vec<&str> = s.properties.iter().map(|p| p.name.as_str()).collect();
            let n = names.len();
            names.sort_unstable();
            names.dedup();
            assert_eq!(names.len(), n, "{c:?}: a property declared twice");
        }
    }

    #[test]
    fn normalise_fills_every_key_in_order_and_keeps_the_rest() {
        let mut props: Map<String, Value> =
            serde_json::from_value(json!({"zzz": 1, "name": "N", "id": "x"})).unwrap();
        let s = Schema::of_features("priority_zones", [&props]);
        assert_eq!(s.get("zzz").map(|p| p.ty), Some(PropType::Integer));
        s.normalise(&mut props);
        let keys: Vec<&str> = props.keys().map(String::as_str).collect();
        assert_eq!(
            keys,
            [
                "id",
                "name",
                "zone_kind",
                "source",
                "source_ref",
                "as_of",
                "licence",
                "zzz"
            ]
        );
        assert_eq!(props["zone_kind"], Value::Null);
    }
}
