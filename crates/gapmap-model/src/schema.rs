//! One description per layer of its fields and geometry. Validation, the
//! GeoPackage columns, CSV headers and exports are all derived from it, so a
//! field is added in exactly one place.

use super::Layer;
use super::provenance::Source;

/// The type of a field, as validated on ingest and stored in the GeoPackage.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum FieldType {
    Text,
    /// A whole number ≥ 0.
    Count,
    /// A year between 1990 and 2100.
    Year,
    /// A real number ≥ 0 (speeds in Mbit/s, distances in metres).
    NonNegative,
    Bool,
    /// An ISO 8601 calendar date, `YYYY-MM-DD`.
    Date,
    /// A list of short strings; `;`-separated in CSV, an array in JSON.
    TextList,
    /// One of a closed set of values.
    Enum(&'static [&'static str]),
    /// An OSM `opening_hours` expression.
    OpeningHours,
    /// An ATVK code (Latvia's classification of administrative territories)
    /// as the statistics office writes it: `LV` and 7 digits (`LV0030510`);
    /// 7 digits alone are given their `LV`.
    Atvk,
}

impl FieldType {
    /// The GeoPackage (SQLite) column type.
    pub fn sql_type(self) -> &'static str {
        match self {
            FieldType::Count | FieldType::Year => "INTEGER",
            FieldType::NonNegative => "REAL",
            FieldType::Bool => "BOOLEAN",
            FieldType::Date => "DATE",
            // Lists are stored as JSON text; GDAL reads them as strings.
            _ => "TEXT",
        }
    }

    /// A short description used in error hints.
    pub fn describe(self) -> String {
        match self {
            FieldType::Text => "a string".into(),
            FieldType::Count => "a whole number ≥ 0".into(),
            FieldType::Year => "a year such as 2027".into(),
            FieldType::NonNegative => "a number ≥ 0".into(),
            FieldType::Bool => "true or false".into(),
            FieldType::Date => "a date YYYY-MM-DD".into(),
            FieldType::TextList => "a list of strings".into(),
            FieldType::Enum(values) => format!("one of {}", values.join(", ")),
            FieldType::OpeningHours => {
                "an OSM opening_hours value such as \"Mo-Fr 09:00-17:00\"".into()
            }
            FieldType::Atvk => "an ATVK code such as LV0030510 (or its 7 digits 0030510)".into(),
        }
    }
}

/// Whether a field must be present, and its value when it is not.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Presence {
    Required,
    Optional,
    /// Optional, with this JSON literal as the default.
    Default(&'static str),
}

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Field {
    pub name: &'static str,
    pub ty: FieldType,
    pub presence: Presence,
}

const fn req(name: &'static str, ty: FieldType) -> Field {
    Field {
        name,
        ty,
        presence: Presence::Required,
    }
}
const fn opt(name: &'static str, ty: FieldType) -> Field {
    Field {
        name,
        ty,
        presence: Presence::Optional,
    }
}
const fn dflt(name: &'static str, ty: FieldType, value: &'static str) -> Field {
    Field {
        name,
        ty,
        presence: Presence::Default(value),
    }
}

/// The geometry a layer's features have.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum GeometryKind {
    Point,
    MultiPolygon,
    /// A non-spatial (attributes) table.
    None,
}

impl GeometryKind {
    /// The GeoPackage geometry type name.
    pub fn gpkg_name(self) -> &'static str {
        match self {
            GeometryKind::Point => "POINT",
            GeometryKind::MultiPolygon => "MULTIPOLYGON",
            GeometryKind::None => "",
        }
    }
}

#[derive(Debug, Clone, Copy)]
pub struct LayerSchema {
    pub layer: Layer,
    pub geometry: GeometryKind,
    /// The layer's own fields, in column order (provenance follows).
    pub fields: &'static [Field],
}

pub const SITE_KINDS: &[&str] = &[
    "wifi",
    "library",
    "kac",
    "school",
    "culture_house",
    "social_centre",
    "activity_centre",
    "youth_centre",
    "municipal_office",
    "mobile_class_stop",
];
pub const WHEELCHAIR: &[&str] = &["yes", "limited", "no", "unknown"];
/// `retired`: out of service (kept, with its history; excluded from nearest,
/// gaps and tiles).
pub const SITE_STATUS: &[&str] = &["active", "planned", "retired"];
/// How exactly a site's point is known: the building itself, its street,
/// only its settlement (village), or an estimate.
pub const COORDINATE_QUALITY: &[&str] = &["building", "street", "settlement", "estimated"];
pub const AREA_KINDS: &[&str] = &["municipality", "parish"];
pub const TECHNOLOGIES: &[&str] = &["ftth", "vdsl", "cable", "fwa", "lte", "nr5g", "satellite"];
pub const SERVICES: &[&str] = &["fixed", "mobile"];
pub const ZONE_KINDS: &[&str] = &["border", "parish", "area"];
/// Where a demand point comes from: a point with its own residents (`point`),
/// an address from the VZD register (residents come from the grid), or a
/// CSB/Eurostat grid cell (its residents are spread over the cell's addresses).
pub const DEMAND_ORIGINS: &[&str] = &["point", "address_register", "population_grid"];
pub const PLAN_PER: &[&str] = &["year", "total"];
/// A town, an official village (ciems), or a smaller named place.
pub const SETTLEMENT_KINDS: &[&str] = &["town", "ciems", "hamlet"];
pub const EQUIPMENT_TYPES: &[&str] = &["access_point", "router", "backhaul"];
/// The help a site's `services` name, each worded in the message catalogues
/// (`svc.<tag>` in web/i18n/lv.json and en.json); another tag is kept and
/// shown as written, with a warning on ingest.
pub const SERVICE_TAGS: &[&str] = &[
    "free_wifi",
    "public_computers",
    "printing",
    "scanning",
    "eservice_help",
    "library_loans",
    "digital_classes",
    "municipal_services",
    "state_services",
];
/// The open sources `gapmap update` knows, in the order it applies them
/// (their catalogue, with addresses and mappings, is
/// `gapmap_ingest::sources`; the pages name them from the message
/// catalogues, `data.source.<name>`).
pub const OPEN_SOURCES: &[&str] = &[
    "csp-boundaries",
    "vzd-address",
    "culture-centres",
    "libraries",
    "schools",
    "csb-grid",
];
/// What a municipal building is used for (the `buildings` layer).
pub const BUILDING_KINDS: &[&str] = &[
    "school",
    "culture_house",
    "parish_office",
    "library",
    "social_centre",
    "sports_hall",
    "other",
];

/// The provenance fields every feature of every layer carries.
pub const PROVENANCE_FIELDS: &[Field] = &[
    req("source", FieldType::Enum(Source::NAMES)),
    req("source_ref", FieldType::Text),
    req("as_of", FieldType::Date),
    opt("licence", FieldType::Text),
    opt("source_note", FieldType::Text),
    // Which version of the source the feature came from (`gapmap update`:
    // the file's ETag or SHA-256) and the credit line its licence asks for.
    opt("source_version", FieldType::Text),
    opt("credit", FieldType::Text),
];

const SITE_FIELDS: &[Field] = &[
    req("kind", FieldType::Enum(SITE_KINDS)),
    req("name", FieldType::Text),
    opt("address", FieldType::Text),
    opt("parish_id", FieldType::Text),
    opt("free_wifi", FieldType::Bool),
    opt("access_points", FieldType::Count),
    opt("router_year", FieldType::Year),
    opt("backhaul_down_mbps", FieldType::NonNegative),
    opt("backhaul_up_mbps", FieldType::NonNegative),
    opt("public_computers", FieldType::Count),
    opt("opening_hours", FieldType::OpeningHours),
    // When the free Wi-Fi can be used; may differ from the opening hours
    // (a library's Wi-Fi reaching outside the building around the clock).
    opt("wifi_hours", FieldType::OpeningHours),
    opt("phone", FieldType::Text),
    dflt("wheelchair", FieldType::Enum(WHEELCHAIR), "\"unknown\""),
    dflt("services", FieldType::TextList, "[]"),
    opt("how_to_connect", FieldType::Text),
    dflt("status", FieldType::Enum(SITE_STATUS), "\"active\""),
    opt("planned_year", FieldType::Year),
    dflt("candidate", FieldType::Bool, "false"),
    dflt("outside_municipality", FieldType::Bool, "false"),
    opt("coordinate_quality", FieldType::Enum(COORDINATE_QUALITY)),
    // Why a site outside the municipality is shown (required when
    // `outside_municipality` is true), e.g. the central office in Jelgava.
    opt("outside_municipality_reason", FieldType::Text),
    // The building of the `buildings` layer the site is in.
    opt("building_id", FieldType::Text),
];

const AREA_FIELDS: &[Field] = &[
    req("kind", FieldType::Enum(AREA_KINDS)),
    req("name", FieldType::Text),
    opt("atvk", FieldType::Atvk),
    opt("population", FieldType::Count),
    opt("population_date", FieldType::Date),
    opt("centre", FieldType::Text),
];

const COVERAGE_FIELDS: &[Field] = &[
    req("provider", FieldType::Text),
    req("technology", FieldType::Enum(TECHNOLOGIES)),
    // Defaults from the technology when absent (lte and nr5g are mobile).
    opt("service", FieldType::Enum(SERVICES)),
    req("max_down_mbps", FieldType::NonNegative),
    req("max_up_mbps", FieldType::NonNegative),
];

const DEMAND_FIELDS: &[Field] = &[
    req("residents", FieldType::Count),
    opt("parish_id", FieldType::Text),
    opt("cell_id", FieldType::Text),
    opt("address", FieldType::Text),
    dflt("origin", FieldType::Enum(DEMAND_ORIGINS), "\"point\""),
];

const ZONE_FIELDS: &[Field] = &[
    req("name", FieldType::Text),
    req("zone_kind", FieldType::Enum(ZONE_KINDS)),
    opt("buffer_m", FieldType::NonNegative),
];

const PLAN_FIELDS: &[Field] = &[
    req("activity_lv", FieldType::Text),
    opt("activity_en", FieldType::Text),
    req("metric", FieldType::Text),
    opt("min", FieldType::NonNegative),
    opt("max", FieldType::NonNegative),
    dflt("per", FieldType::Enum(PLAN_PER), "\"year\""),
    opt("from_year", FieldType::Year),
    opt("to_year", FieldType::Year),
    opt("responsible_lv", FieldType::Text),
    dflt("sites", FieldType::TextList, "[]"),
    opt("budget_eur_per_year", FieldType::NonNegative),
    opt("participants_min_per_year", FieldType::Count),
    opt("note", FieldType::Text),
];

const SETTLEMENT_FIELDS: &[Field] = &[
    req("name", FieldType::Text),
    // Other spellings and names (historical, German, colloquial).
    dflt("name_alt", FieldType::TextList, "[]"),
    req("kind", FieldType::Enum(SETTLEMENT_KINDS)),
    opt("parish_id", FieldType::Text),
    opt("population", FieldType::Count),
    opt("population_date", FieldType::Date),
];

/// One piece of equipment at a site, dated: the flat site fields
/// (`access_points`, `router_year`, `backhaul_*`) are derived from these
/// (see [`super::inventory`]).
const EQUIPMENT_FIELDS: &[Field] = &[
    req("site_id", FieldType::Text),
    req("type", FieldType::Enum(EQUIPMENT_TYPES)),
    // Unknown install dates are allowed: the record counts as installed,
    // but a router's age is then unknown ("to survey").
    opt("installed_on", FieldType::Date),
    opt("retired_on", FieldType::Date),
    // A backhaul line's speeds (a router's or access point's rated speed
    // when given); Mbit/s.
    opt("down_mbps", FieldType::NonNegative),
    opt("up_mbps", FieldType::NonNegative),
    opt("model", FieldType::Text),
    opt("note", FieldType::Text),
    // The building the equipment serves (the site's, when not given).
    opt("building_id", FieldType::Text),
];

/// One mobile-class visit (a session held at a site on a day).
const VISIT_FIELDS: &[Field] = &[
    req("site_id", FieldType::Text),
    req("date", FieldType::Date),
    // Unknown until the visit has been held and counted.
    opt("participants", FieldType::Count),
    opt("note", FieldType::Text),
];

/// One municipal building: the access-point planner's candidates and the
/// mobile class's venues; filled from the culture-centre, library and
/// school registers and the IT department's own list.
const BUILDING_FIELDS: &[Field] = &[
    req("kind", FieldType::Enum(BUILDING_KINDS)),
    req("name", FieldType::Text),
    opt("address", FieldType::Text),
    opt("parish_id", FieldType::Text),
    // Owned or used by the municipality (unknown when a register does not say).
    opt("municipal", FieldType::Bool),
    // Free public Wi-Fi in or at the building (the culture-centre register's
    // "Bezmaksas Wi-Fi").
    opt("free_wifi", FieldType::Bool),
    opt("phone", FieldType::Text),
    dflt("wheelchair", FieldType::Enum(WHEELCHAIR), "\"unknown\""),
    // The building's id in its register (ISIL code, registration number).
    opt("register_id", FieldType::Text),
    dflt("status", FieldType::Enum(SITE_STATUS), "\"active\""),
    opt("coordinate_quality", FieldType::Enum(COORDINATE_QUALITY)),
    dflt("outside_municipality", FieldType::Bool, "false"),
    opt("outside_municipality_reason", FieldType::Text),
];

impl LayerSchema {
    pub fn of(layer: Layer) -> &'static LayerSchema {
        match layer {
            Layer::Sites => &SITES,
            Layer::Areas => &AREAS,
            Layer::Coverage => &COVERAGE,
            Layer::Demand => &DEMAND,
            Layer::PriorityZones => &ZONES,
            Layer::Plan => &PLAN,
            Layer::Settlements => &SETTLEMENTS,
            Layer::Equipment => &EQUIPMENT,
            Layer::Visits => &VISITS,
            Layer::Buildings => &BUILDINGS,
        }
    }

    /// The layer's fields followed by the provenance fields.
    pub fn all_fields(&self) -> impl Iterator<Item = &'static Field> + '_ {
        self.fields.iter().chain(PROVENANCE_FIELDS.iter())
    }

    pub fn field(&self, name: &str) -> Option<&'static Field> {
        self.all_fields().find(|f| f.name == name)
    }
}

/// A layer's schema, for the statics below.
const fn schema(layer: Layer, geometry: GeometryKind, fields: &'static [Field]) -> LayerSchema {
    LayerSchema {
        layer,
        geometry,
        fields,
    }
}

static SITES: LayerSchema = schema(Layer::Sites, GeometryKind::Point, SITE_FIELDS);
static AREAS: LayerSchema = schema(Layer::Areas, GeometryKind::MultiPolygon, AREA_FIELDS);
static COVERAGE: LayerSchema = schema(Layer::Coverage, GeometryKind::MultiPolygon, COVERAGE_FIELDS);
static DEMAND: LayerSchema = schema(Layer::Demand, GeometryKind::Point, DEMAND_FIELDS);
static ZONES: LayerSchema = schema(
    Layer::PriorityZones,
    GeometryKind::MultiPolygon,
    ZONE_FIELDS,
);
static PLAN: LayerSchema = schema(Layer::Plan, GeometryKind::None, PLAN_FIELDS);

static SETTLEMENTS: LayerSchema =
    schema(Layer::Settlements, GeometryKind::Point, SETTLEMENT_FIELDS);
static EQUIPMENT: LayerSchema = schema(Layer::Equipment, GeometryKind::None, EQUIPMENT_FIELDS);
static VISITS: LayerSchema = schema(Layer::Visits, GeometryKind::None, VISIT_FIELDS);
static BUILDINGS: LayerSchema = schema(Layer::Buildings, GeometryKind::Point, BUILDING_FIELDS);

/// Guess the layer of a feature from the property names it carries, when that
/// is unambiguous. `kind` values tell sites from areas.
pub fn infer_layer(keys: &[&str], kind: Option<&str>) -> Option<Layer> {
    let has = |k: &str| keys.contains(&k);
    let mut found = Vec::new();
    if has("technology") || has("max_down_mbps") {
        found.push(Layer::Coverage);
    }
    if has("residents") {
        found.push(Layer::Demand);
    }
    if has("zone_kind") {
        found.push(Layer::PriorityZones);
    }
    if has("metric") && has("activity_lv") {
        found.push(Layer::Plan);
    }
    if has("site_id") && has("type") {
        found.push(Layer::Equipment);
    }
    if has("site_id") && has("date") {
        found.push(Layer::Visits);
    }
    match kind {
        // `municipal` is a building's own field; the kinds only buildings have.
        Some(k)
            if BUILDING_KINDS.contains(&k) && (has("municipal") || !SITE_KINDS.contains(&k)) =>
        {
            found.push(Layer::Buildings)
        }
        Some(k) if SITE_KINDS.contains(&k) => found.push(Layer::Sites),
        Some(k) if AREA_KINDS.contains(&k) => found.push(Layer::Areas),
        Some(k) if SETTLEMENT_KINDS.contains(&k) => found.push(Layer::Settlements),
        _ => {}
    }
    if found.len() == 1 { found.pop() } else { None }
}
