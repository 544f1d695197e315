//! Validation of one feature against its layer's schema: coordinates,
//! geometry, properties, provenance and ids. Every problem is reported;
//! `--repair` fixes swapped axes and invalid polygons and says so.

use super::problem::{At, Location, Problems, Severity};
use crate::convert::convert;
use crate::options::Options;
use crate::raw::RawFeature;
use gapmap_geo::crs::{Transformer, WGS84};
use gapmap_geo::geometry::{CoordProblem, check_coord, polygon_problems, repair_polygons};
use gapmap_model::schema::{Field, GeometryKind, LayerSchema, Presence};
use gapmap_model::{Layer, Record};
use geo::CoordsIter;
use geo_types::{Coord, Geometry, MultiPolygon};
use serde_json::{Map, Value};
use sha2::{Digest, Sha256};
use std::collections::{BTreeSet, HashMap};

/// Validates the features of one file of one layer.
#[derive(Debug)]
pub struct Validator {
    schema: &'static LayerSchema,
    file: String,
    opts: Options,
    /// Every id seen, with where it was first seen.
    ids: HashMap<String, FirstSeen>,
    transformer: Option<Transformer>,
    unknown_reported: BTreeSet<String>,
    /// Whether the "site ids not checked" warning was given.
    sites_unchecked_reported: bool,
    /// Whether the "building ids not checked" warning was given.
    buildings_unchecked_reported: bool,
}

impl Validator {
    pub fn new(layer: Layer, file: &str, opts: &Options) -> Validator {
        Validator {
            schema: LayerSchema::of(layer),
            file: file.to_owned(),
            opts: opts.clone(),
            ids: HashMap::new(),
            transformer: None,
            unknown_reported: BTreeSet::new(),
            sites_unchecked_reported: false,
            buildings_unchecked_reported: false,
        }
    }

    pub fn layer(&self) -> Layer {
        self.schema.layer
    }

    /// Check one feature; report its problems; return it when valid.
    pub fn accept(&mut self, raw: RawFeature, crs: u16, problems: &mut Problems) -> Option<Record> {
        let file = self.file.clone();
        let at = At {
            file: &file,
            location: raw.location.clone(),
        };
        let before = problems.errors();
        let geometry = self.check_geometry(&raw, crs, &at, problems);
        let (props, extra, absent) = self.check_props(&raw, &at, problems);
        self.check_inventory(&raw, &props, &at, problems);
        self.check_building_ref(&raw, &props, &at, problems);
        self.check_services(&raw, &props, &at, problems);
        self.check_position(&raw, geometry.as_ref(), &props, &at, problems);
        let id = self.check_id(&raw, &props, geometry.as_ref(), &at, problems);
        if problems.errors() > before {
            return None;
        }
        Some(Record {
            layer: self.schema.layer,
            id: id?,
            geometry,
            props,
            extra,
            absent,
        })
    }

    fn field_pointer(&self, raw: &RawFeature, field: &str) -> Option<String> {
        // A renamed field is where the file has it, under its own name.
        let field = self.opts.mapping.renamed_from(field).unwrap_or(field);
        raw.props_pointer
            .as_ref()
            .map(|p| format!("{p}/{}", escape_pointer(field)))
    }

    fn at_field<'a>(&self, raw: &RawFeature, at: &At<'a>, field: &str) -> At<'a> {
        match (&at.location, self.field_pointer(raw, field)) {
            (Location::Feature { index, .. }, Some(pointer)) => At {
                file: at.file,
                location: Location::Feature {
                    index: *index,
                    pointer,
                },
            },
            _ => at.clone(),
        }
    }

    fn at_geometry<'a>(&self, raw: &RawFeature, at: &At<'a>) -> At<'a> {
        match (&at.location, &raw.geometry_pointer) {
            (Location::Feature { index, .. }, Some(pointer)) => At {
                file: at.file,
                location: Location::Feature {
                    index: *index,
                    pointer: pointer.clone(),
                },
            },
            _ => at.clone(),
        }
    }

    /// The feature's geometry, checked and in WGS84: the shape the layer
    /// takes, coordinates finite, transformed, inside the sanity box and (for
    /// polygons) valid, each repaired where `--repair` allows; `None` (with a
    /// problem reported) when it is missing or fails a check, or the layer
    /// has none.
    fn check_geometry(
        &mut self,
        raw: &RawFeature,
        crs: u16,
        at: &At,
        problems: &mut Problems,
    ) -> Option<Geometry<f64>> {
        let gat = self.at_geometry(raw, at);
        let want = self.schema.geometry;
        let Some(g) = raw.geometry.clone() else {
            if want != GeometryKind::None {
                problems.push(gat.error(
                    Some("geometry"),
                    "the feature has no geometry",
                    Some(format!(
                        "a {} is needed for layer {}",
                        want.gpkg_name().to_lowercase(),
                        self.schema.layer
                    )),
                ));
            }
            return None;
        };
        if want == GeometryKind::None {
            return None;
        }
        // Shape first: the layer decides Point or (Multi)Polygon.
        let mut g = self.fit_shape(g, &gat, problems)?;
        if g.coords_count() == 0 {
            problems.push(gat.error(Some("geometry"), "the geometry is empty", None));
            return None;
        }
        // Non-finite input is caught before any transform.
        if let Some(c) = g
            .coords_iter()
            .find(|c| !c.x.is_finite() || !c.y.is_finite())
        {
            problems.push(gat.error(
                Some("geometry"),
                format!("coordinate ({}, {}) is not a finite number", c.x, c.y),
                Some("NaN and infinity are not coordinates".into()),
            ));
            return None;
        }
        if crs != WGS84 {
            self.transform(&mut g, crs, &gat, problems)?;
        }
        self.check_coords(&mut g, crs, &gat, problems)?;
        self.check_polygons(g, &gat, problems)
    }

    /// The geometry as the layer's kind: a Point (or a MultiPoint of one),
    /// or a MultiPolygon (or a Polygon); `None` (with a problem reported)
    /// for any other.
    fn fit_shape(
        &self,
        g: Geometry<f64>,
        gat: &At,
        problems: &mut Problems,
    ) -> Option<Geometry<f64>> {
        let want = self.schema.geometry;
        Some(match (want, g) {
            (GeometryKind::Point, Geometry::Point(p)) => Geometry::Point(p),
            (GeometryKind::Point, Geometry::MultiPoint(mp)) if mp.0.len() == 1 => {
                Geometry::Point(mp.0[0])
            }
            (GeometryKind::MultiPolygon, Geometry::Polygon(p)) => {
                Geometry::MultiPolygon(MultiPolygon(vec![p]))
            }
            (GeometryKind::MultiPolygon, Geometry::MultiPolygon(mp)) => Geometry::MultiPolygon(mp),
            (_, other) => {
                problems.push(gat.error(
                    Some("geometry"),
                    format!(
                        "a {} is not allowed in layer {}",
                        geometry_name(&other),
                        self.schema.layer
                    ),
                    Some(format!(
                        "layer {} takes {}",
                        self.schema.layer,
                        if want == GeometryKind::Point {
                            "Point"
                        } else {
                            "Polygon or MultiPolygon"
                        }
                    )),
                ));
                return None;
            }
        })
    }

    /// Transform `g` from `crs` to WGS84 (the transformer is kept for the
    /// next feature); `None` (with a problem reported) when it cannot be.
    fn transform(
        &mut self,
        g: &mut Geometry<f64>,
        crs: u16,
        gat: &At,
        problems: &mut Problems,
    ) -> Option<()> {
        let t = match &self.transformer {
            Some(t) if t.from_code() == crs => t,
            _ => match Transformer::new(crs, WGS84) {
                Ok(t) => self.transformer.insert(t),
                Err(e) => {
                    problems.push(gat.error(
                        Some("geometry"),
                        e.to_string(),
                        Some("pass --crs with a supported EPSG code such as EPSG:3059".into()),
                    ));
                    return None;
                }
            },
        };
        if let Err(e) = t.transform_geometry(g) {
            problems.push(gat.error(
                Some("geometry"),
                format!("cannot transform from EPSG:{crs}: {e}"),
                None,
            ));
            return None;
        }
        Some(())
    }

    /// Check every coordinate against the sanity box, swapping latitude and
    /// longitude when that is the fault and `--repair` allows; `None` (with
    /// a problem reported) when a coordinate stays outside.
    fn check_coords(
        &self,
        g: &mut Geometry<f64>,
        crs: u16,
        gat: &At,
        problems: &mut Problems,
    ) -> Option<()> {
        let bad = g
            .coords_iter()
            .find_map(|c| check_coord(c, &self.opts.sanity).map(|p| (c, p)));
        let Some((c, p)) = bad else {
            return Some(());
        };
        match p {
            CoordProblem::Swapped if self.opts.repair => {
                gapmap_geo::crs::map_coords_dyn(g, &|c| Coord { x: c.y, y: c.x });
                problems.push(gat.problem(
                    Severity::Repaired,
                    Some("geometry"),
                    format!(
                        "swapped latitude and longitude (first coordinate was ({}, {}))",
                        c.x, c.y
                    ),
                    None,
                ));
                if let Some((c2, _)) = g
                    .coords_iter()
                    .find_map(|c| check_coord(c, &self.opts.sanity).map(|p| (c, p)))
                {
                    problems.push(gat.error(
                        Some("geometry"),
                        format!(
                            "coordinate ({}, {}) is outside the sanity box even after swapping",
                            c2.x, c2.y
                        ),
                        None,
                    ));
                    return None;
                }
                Some(())
            }
            other => {
                let (msg, hint) = coord_message(c, other, crs, self.opts.crs.is_some());
                problems.push(gat.error(Some("geometry"), msg, Some(hint)));
                None
            }
        }
    }

    /// A valid geometry: a point as it is, a valid polygon as it is, an
    /// invalid one made valid when `--repair` allows; `None` (with a problem
    /// reported) otherwise.
    fn check_polygons(
        &self,
        g: Geometry<f64>,
        gat: &At,
        problems: &mut Problems,
    ) -> Option<Geometry<f64>> {
        let Geometry::MultiPolygon(mp) = &g else {
            return Some(g);
        };
        let issues = polygon_problems(mp);
        if issues.is_empty() {
            return Some(g);
        }
        let place = issues[0]
            .at
            .map(|c| format!(" at ({:.5} {:.5})", c.x, c.y))
            .unwrap_or_default();
        let what = issues
            .iter()
            .map(|p| p.message.as_str())
            .collect::<Vec<_>>()
            .join("; ");
        if self.opts.repair {
            return match repair_polygons(mp) {
                Ok(fixed) => {
                    problems.push(gat.problem(
                        Severity::Repaired,
                        Some("geometry"),
                        format!("made the polygon valid{place}: {what}"),
                        None,
                    ));
                    Some(Geometry::MultiPolygon(fixed))
                }
                Err(e) => {
                    problems.push(gat.error(
                        Some("geometry"),
                        format!("invalid polygon{place}: {what}; repair failed: {e}"),
                        None,
                    ));
                    None
                }
            };
        }
        problems.push(gat.error(
            Some("geometry"),
            format!("invalid polygon{place}: {what}"),
            Some("fix it in a GIS, or pass --repair to make it valid".into()),
        ));
        None
    }

    fn check_props(
        &mut self,
        raw: &RawFeature,
        at: &At,
        problems: &mut Problems,
    ) -> (Map<String, Value>, Map<String, Value>, Vec<&'static str>) {
        let mut props = Map::new();
        let mut extra = Map::new();
        let mut absent = Vec::new();
        for field in self.schema.all_fields() {
            let given = raw.props.get(field.name).filter(|v| !is_blank(v));
            if given.is_none() && !self.given_on_command_line(field.name) {
                absent.push(field.name);
            }
            let value = match given {
                Some(v) => match convert(field, v, raw.text_values) {
                    Ok(v) => v,
                    Err((mut msg, hint)) => {
                        if let Some(o) = self.opts.mapping.rename_option(field.name) {
                            msg = format!("{msg} (read by {o})");
                        }
                        // The place is built only for a problem (hot path).
                        let fat = self.at_field(raw, at, field.name);
                        problems.push(fat.error(Some(field.name), msg, hint));
                        Value::Null
                    }
                },
                None => self.default_for(field, raw, at, problems),
            };
            props.insert(field.name.to_owned(), value);
        }
        if self.schema.layer == Layer::Coverage && props.get("service").is_some_and(Value::is_null)
        {
            let tech = props
                .get("technology")
                .and_then(Value::as_str)
                .unwrap_or("");
            let service = if matches!(tech, "lte" | "nr5g") {
                "mobile"
            } else {
                "fixed"
            };
            props.insert("service".into(), Value::String(service.into()));
        }
        for (k, v) in &raw.props {
            if k == "id" || self.schema.field(k).is_some() {
                continue;
            }
            if self.unknown_reported.insert(k.clone()) {
                let fat = self.at_field(raw, at, k);
                problems.push(fat.problem(
                    Severity::Warning,
                    Some(k),
                    format!(
                        "`{k}` is not a field of layer {}; kept in `extra`",
                        self.schema.layer
                    ),
                    None,
                ));
            }
            extra.insert(k.clone(), v.clone());
        }
        (props, extra, absent)
    }

    /// Provenance the command line gives features that carry none.
    fn given_on_command_line(&self, field: &str) -> bool {
        let cli = &self.opts.provenance;
        match field {
            "source" => cli.source.is_some(),
            "source_ref" => cli.source_ref.is_some(),
            "as_of" => cli.as_of.is_some(),
            _ => false,
        }
    }

    /// Equipment and visits: the site they name exists, and equipment is
    /// not retired before it was installed.
    fn check_inventory(
        &mut self,
        raw: &RawFeature,
        props: &Map<String, Value>,
        at: &At,
        problems: &mut Problems,
    ) {
        if !matches!(self.schema.layer, Layer::Equipment | Layer::Visits) {
            return;
        }
        if let Some(site) = props.get("site_id").and_then(Value::as_str) {
            match &self.opts.known_sites {
                Some(known) if !known.contains(site) => {
                    problems.push(self.at_field(raw, at, "site_id").error(
                        Some("site_id"),
                        format!("unknown site `{site}`: no site has this id"),
                        Some("use the id of a site in the sites layer (ingest the sites first, or give the sites file before this one)".into()),
                    ));
                }
                Some(_) => {}
                None if !self.sites_unchecked_reported => {
                    self.sites_unchecked_reported = true;
                    problems.push(At { file: at.file, location: Location::File }.problem(
                        Severity::Warning,
                        Some("site_id"),
                        "site ids were not checked: no sites to check them against",
                        Some("give the sites file first (gapmap check sites.geojson equipment.csv) or --store".into()),
                    ));
                }
                None => {}
            }
        }
        let date = |k: &str| {
            props
                .get(k)
                .and_then(Value::as_str)
                .and_then(gapmap_model::parse_date)
        };
        if let (Some(from), Some(to)) = (date("installed_on"), date("retired_on"))
            && to <= from
        {
            problems.push(self.at_field(raw, at, "retired_on").error(
                Some("retired_on"),
                format!("retired on {to}, not after it was installed on {from}"),
                Some("retired_on must be later than installed_on".into()),
            ));
        }
    }

    /// Service tags the catalogues word (`SERVICE_TAGS`); another is kept,
    /// with a warning that pages show it as written.
    fn check_services(
        &self,
        raw: &RawFeature,
        props: &Map<String, Value>,
        at: &At,
        problems: &mut Problems,
    ) {
        let Some(Value::Array(tags)) = props.get("services") else {
            return;
        };
        for tag in tags.iter().filter_map(Value::as_str) {
            if !gapmap_model::schema::SERVICE_TAGS.contains(&tag) {
                problems.push(self.at_field(raw, at, "services").problem(
                    Severity::Warning,
                    Some("services"),
                    format!("service `{tag}` has no words in the Latvian and English catalogues: pages show it as written"),
                    Some(format!("one of {}", gapmap_model::schema::SERVICE_TAGS.join(", "))),
                ));
            }
        }
    }

    /// `building_id` names a building of the store or of the files before
    /// (when they are known).
    fn check_building_ref(
        &mut self,
        raw: &RawFeature,
        props: &Map<String, Value>,
        at: &At,
        problems: &mut Problems,
    ) {
        let Some(b) = props.get("building_id").and_then(Value::as_str) else {
            return;
        };
        let Some(known) = &self.opts.known_buildings else {
            if !self.buildings_unchecked_reported {
                self.buildings_unchecked_reported = true;
                problems.push(At { file: at.file, location: Location::File }.problem(
                    Severity::Warning,
                    Some("building_id"),
                    "building ids were not checked: no buildings to check them against",
                    Some("ingest the buildings first (gapmap ingest buildings.geojson sites.geojson)".into()),
                ));
            }
            return;
        };
        if !known.contains(b) {
            problems.push(self.at_field(raw, at, "building_id").error(
                Some("building_id"),
                format!("unknown building `{b}`: no building has this id"),
                Some("use the id of a building in the buildings layer (ingest the buildings first)".into()),
            ));
        }
    }

    /// Sites and buildings lie in the parish they name and in the
    /// municipality, unless marked outside it with a reason
    /// ([`crate::positions`]).
    fn check_position(
        &self,
        raw: &RawFeature,
        geometry: Option<&Geometry<f64>>,
        props: &Map<String, Value>,
        at: &At,
        problems: &mut Problems,
    ) {
        if !matches!(self.schema.layer, Layer::Sites | Layer::Buildings) {
            return;
        }
        let (Some(positions), Some(Geometry::Point(p))) = (&self.opts.positions, geometry) else {
            return;
        };
        let text = |k: &str| props.get(k).and_then(Value::as_str);
        let outside = props
            .get("outside_municipality")
            .and_then(Value::as_bool)
            .unwrap_or(false);
        for v in positions.check(
            p.x(),
            p.y(),
            text("parish_id"),
            outside,
            text("outside_municipality_reason"),
        ) {
            match v {
                crate::positions::Verdict::Warning { field, message } => {
                    problems.push(self.at_field(raw, at, field).problem(
                        Severity::Warning,
                        Some(field),
                        message,
                        None,
                    ))
                }
                crate::positions::Verdict::Error {
                    field,
                    message,
                    hint,
                } => problems.push(self.at_field(raw, at, field).error(
                    Some(field),
                    message,
                    Some(hint),
                )),
            }
        }
    }

    fn default_for(
        &self,
        field: &Field,
        raw: &RawFeature,
        at: &At,
        problems: &mut Problems,
    ) -> Value {
        let cli = &self.opts.provenance;
        let from_cli = match field.name {
            "source" => cli.source.map(|s| Value::String(s.as_str().into())),
            "source_ref" => cli.source_ref.clone().map(Value::String),
            "as_of" => cli.as_of.map(|d| Value::String(d.to_string())),
            _ => None,
        };
        if let Some(v) = from_cli {
            return v;
        }
        match field.presence {
            Presence::Default(lit) => serde_json::from_str(lit).unwrap_or(Value::Null),
            Presence::Optional => Value::Null,
            Presence::Required => {
                let hint = match field.name {
                    "source" => Some("add `source` (official, approximate or simulated) to the feature, or pass --source".into()),
                    "source_ref" => Some("add `source_ref` (a URL or document) to the feature, or pass --source-ref".into()),
                    "as_of" => Some("add `as_of` (YYYY-MM-DD) to the feature, or pass --as-of".into()),
                    _ => Some(format!("expected {}", field.ty.describe())),
                };
                let present_but_blank = raw.props.contains_key(field.name);
                let msg = if present_but_blank {
                    "required field is empty"
                } else {
                    "required field is missing"
                };
                problems.push(self.at_field(raw, at, field.name).error(
                    Some(field.name),
                    msg,
                    hint,
                ));
                Value::Null
            }
        }
    }

    fn check_id(
        &mut self,
        raw: &RawFeature,
        props: &Map<String, Value>,
        geometry: Option<&Geometry<f64>>,
        at: &At,
        problems: &mut Problems,
    ) -> Option<String> {
        let given = raw.id.clone().or_else(|| match raw.props.get("id") {
            Some(Value::String(s)) if !s.trim().is_empty() => Some(s.trim().to_owned()),
            Some(Value::Number(n)) => Some(n.to_string()),
            _ => None,
        });
        if let Some(m) = given.as_deref().and_then(gapmap_model::values::id_problem) {
            problems.push(self.at_field(raw, at, "id").error(
                Some("id"),
                m,
                Some("ids appear in addresses and links: use letters, digits and `-`, e.g. library-vilce".into()),
            ));
            return None;
        }
        let named =
            given.is_none() && matches!(self.schema.layer, Layer::Areas | Layer::Settlements);
        let mut id =
            given.unwrap_or_else(|| derived_id(self.schema.layer, props, &raw.props, geometry));
        let here = FirstSeen::of(&at.location);
        if named && let Some(first) = self.ids.get(&id).copied() {
            // Two places of one name (a town and the municipality around it):
            // the later gets the next free `-N`, and the file is told so.
            let base = id.clone();
            let n = (2..).find(|n| !self.ids.contains_key(&format!("{base}-{n}")));
            id = format!("{base}-{}", n.unwrap_or(2));
            problems.push(self.at_field(raw, at, "name").problem(
                Severity::Warning,
                Some("id"),
                format!("the name of {first} gives the same id `{base}`: this feature gets `{id}`"),
                Some("give each feature an `id` to choose them yourself".into()),
            ));
        }
        if let Some(first) = self.ids.get(&id).copied() {
            // Point at the Feature's own `id` member when that is where the id came from.
            let fat = match (&at.location, raw.id.is_some(), &raw.props_pointer) {
                (Location::Feature { index, .. }, true, Some(pp)) => At {
                    file: at.file,
                    location: Location::Feature {
                        index: *index,
                        pointer: format!("{}/id", pp.trim_end_matches("/properties")),
                    },
                },
                _ => self.at_field(raw, at, "id"),
            };
            problems.push(fat.error(
                Some("id"),
                format!("duplicate id `{id}` (first used at {first})"),
                Some("every feature of a layer needs its own id".into()),
            ));
            return None;
        }
        self.ids.insert(id.clone(), here);
        Some(id)
    }
}

/// Where an id was first seen, kept small (one per feature of a 1 GB file).
#[derive(Debug, Clone, Copy)]
enum FirstSeen {
    Feature(u64),
    Line(u64),
    Row(u64),
    Unknown,
}

impl FirstSeen {
    fn of(l: &Location) -> FirstSeen {
        match l {
            Location::Feature { index, .. } => FirstSeen::Feature(*index as u64),
            Location::Line(n) | Location::LineColumn(n, _) => FirstSeen::Line(*n),
            Location::Row { row, .. } => FirstSeen::Row(*row),
            Location::File => FirstSeen::Unknown,
        }
    }
}

impl std::fmt::Display for FirstSeen {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        match self {
            FirstSeen::Feature(i) => write!(f, "feature {i}"),
            FirstSeen::Line(n) => write!(f, "line {n}"),
            FirstSeen::Row(n) => write!(f, "row {n}"),
            FirstSeen::Unknown => f.write_str("an earlier feature"),
        }
    }
}

fn is_blank(v: &Value) -> bool {
    match v {
        Value::Null => true,
        Value::String(s) => s.trim().is_empty(),
        _ => false,
    }
}

fn geometry_name(g: &Geometry<f64>) -> &'static str {
    match g {
        Geometry::Point(_) => "Point",
        Geometry::Line(_) | Geometry::LineString(_) => "LineString",
        Geometry::Polygon(_) => "Polygon",
        Geometry::MultiPoint(_) => "MultiPoint",
        Geometry::MultiLineString(_) => "MultiLineString",
        Geometry::MultiPolygon(_) => "MultiPolygon",
        Geometry::GeometryCollection(_) => "GeometryCollection",
        Geometry::Rect(_) => "Rect",
        Geometry::Triangle(_) => "Triangle",
    }
}

fn coord_message(c: Coord<f64>, p: CoordProblem, crs: u16, crs_given: bool) -> (String, String) {
    match p {
        CoordProblem::Swapped => (
            format!(
                "coordinate ({}, {}) looks like latitude, longitude",
                c.x, c.y
            ),
            "GeoJSON and gapmap want longitude first; swap the axes, or pass --repair".into(),
        ),
        CoordProblem::OutOfRange if crs == WGS84 && !crs_given => (
            format!("coordinate ({}, {}) is not a longitude/latitude", c.x, c.y),
            "if these are projected metres (e.g. LKS-92), pass --crs EPSG:3059".into(),
        ),
        CoordProblem::OutOfRange => (
            format!("coordinate ({}, {}) is out of range", c.x, c.y),
            "longitude must be within ±180 and latitude within ±90".into(),
        ),
        CoordProblem::OutsideBox => (
            format!(
                "coordinate ({:.6}, {:.6}) is outside the Baltic states",
                c.x, c.y
            ),
            "check the CRS and axis order, or widen the box with --sanity-box".into(),
        ),
        CoordProblem::NotFinite => (
            format!("coordinate ({}, {}) is not finite", c.x, c.y),
            "NaN and infinity are not coordinates".into(),
        ),
    }
}

/// A stable id for a feature without one: the layer and a hash of its
/// content, so re-ingesting the same file gives the same ids.
fn derived_id(
    layer: Layer,
    props: &Map<String, Value>,
    raw: &Map<String, Value>,
    geometry: Option<&Geometry<f64>>,
) -> String {
    // Areas and settlements are known by their names: `vilces-pagasts`
    // stays the parish's id (and its pages' address) across boundary files.
    if matches!(layer, Layer::Areas | Layer::Settlements)
        && let Some(name) = props.get("name").and_then(Value::as_str)
    {
        let s = gapmap_geo::text::slug(name);
        if !s.is_empty() {
            return s
                .chars()
                .take(gapmap_model::values::ID_MAX)
                .collect::<String>()
                .trim_end_matches('-')
                .to_owned();
        }
    }
    let mut h = Sha256::new();
    h.update(layer.name().as_bytes());
    h.update(serde_json::to_string(props).unwrap_or_default().as_bytes());
    // Properties kept in `extra` tell apart features that differ only there.
    h.update(serde_json::to_string(raw).unwrap_or_default().as_bytes());
    if let Some(g) = geometry {
        for c in g.coords_iter() {
            h.update(format!("{:.7},{:.7};", c.x, c.y).as_bytes());
        }
    }
    let digest = h.finalize();
    let hex: String = digest.iter().take(8).map(|b| format!("{b:02x}")).collect();
    format!("{}-{hex}", layer.name())
}

fn escape_pointer(s: &str) -> String {
    s.replace('~', "~0").replace('/', "~1")
}
