//! The changes a request asks for, read from a GeoJSON FeatureCollection;
//! every problem names the feature and member.

use super::change::{Change, MAX_CHANGES};
use crate::PlanError;
use gapmap_engine::snapshot::Snapshot;
use gapmap_geo::geometry::{SanityBox, check_coord};
use gapmap_model::{SiteKind, SiteStatus};
use geo_types::{Coord, Point};
use serde_json::{Map, Value, json};
use std::collections::HashSet;

fn bad(index: usize, member: &str, message: impl Into<String>) -> PlanError {
    PlanError::Parameter {
        parameter: "features",
        message: format!("features[{index}]{member}: {}", message.into()),
    }
}

/// Features that clash with the sites or with each other (one site named
/// twice, an id taken): a conflict, which no schema of one feature can rule
/// out.
fn clash(index: usize, member: &str, message: impl Into<String>) -> PlanError {
    PlanError::Conflict {
        parameter: "features",
        message: format!("features[{index}]{member}: {}", message.into()),
    }
}

fn point_of(index: usize, f: &Value) -> Result<Option<Point<f64>>, PlanError> {
    match f.get("geometry") {
        None | Some(Value::Null) => Ok(None),
        Some(g) => {
            if g.get("type").and_then(Value::as_str) != Some("Point") {
                return Err(bad(
                    index,
                    ".geometry",
                    "must be a GeoJSON Point (longitude, latitude)",
                ));
            }
            let c = g.get("coordinates").and_then(Value::as_array);
            let xy = c.and_then(|c| Some((c.first()?.as_f64()?, c.get(1)?.as_f64()?)));
            let Some((x, y)) = xy else {
                return Err(bad(
                    index,
                    ".geometry.coordinates",
                    "must be two numbers [longitude, latitude]",
                ));
            };
            if let Some(p) = check_coord(Coord { x, y }, &SanityBox::BALTIC) {
                return Err(bad(
                    index,
                    ".geometry.coordinates",
                    format!("({x}, {y}) is not a position in the Baltic states ({p:?})"),
                ));
            }
            Ok(Some(Point::new(x, y)))
        }
    }
}

/// Read the changes from a GeoJSON FeatureCollection: a feature with
/// `properties.site_id` changes that site (its Point moves it; `free_wifi`,
/// `status` change it; `"remove": true` removes it); one without adds a site
/// at its Point (`kind` default `wifi`, `free_wifi` default true, optional
/// `id` and `name`). Every problem names the feature and member.
pub fn parse_changes(doc: &Value, snap: &Snapshot) -> Result<Vec<Change>, PlanError> {
    let features = features(doc)?;
    let mut ids = Ids {
        known: snap.sites.iter().map(|s| s.id.as_str()).collect(),
        seen: HashSet::new(),
    };
    let mut out = Vec::with_capacity(features.len());
    for (i, f) in features.iter().enumerate() {
        let props = Props::of(i, f)?;
        let location = point_of(i, f)?;
        props.check_members()?;
        let change = match props.text("site_id")? {
            Some(site_id) => ids.change_site(&props, site_id, location)?,
            None => ids.add_site(&props, location)?,
        };
        out.push(change);
    }
    Ok(out)
}

/// The features of the body: a FeatureCollection of 1 to [`MAX_CHANGES`].
fn features(doc: &Value) -> Result<&Vec<Value>, PlanError> {
    if doc.get("type").and_then(Value::as_str) != Some("FeatureCollection") {
        return Err(PlanError::parameter(
            "features",
            "the body must be a GeoJSON FeatureCollection",
        ));
    }
    let Some(features) = doc.get("features").and_then(Value::as_array) else {
        return Err(PlanError::parameter(
            "features",
            "the FeatureCollection needs a `features` array",
        ));
    };
    if features.is_empty() || features.len() > MAX_CHANGES {
        return Err(PlanError::parameter(
            "features",
            format!("give 1 to {MAX_CHANGES} features, not {}", features.len()),
        ));
    }
    Ok(features)
}

/// The members a feature's properties may have.
const MEMBERS: [&str; 7] = [
    "site_id",
    "id",
    "name",
    "kind",
    "free_wifi",
    "status",
    "remove",
];

/// One feature's properties (none when absent or null), read member by
/// member.
struct Props<'a> {
    index: usize,
    map: Option<&'a Map<String, Value>>,
}

impl<'a> Props<'a> {
    /// The properties of feature `index`; they must be an object.
    fn of(index: usize, f: &'a Value) -> Result<Props<'a>, PlanError> {
        let map = match f.get("properties") {
            Some(Value::Object(m)) => Some(m),
            None | Some(Value::Null) => None,
            Some(_) => return Err(bad(index, ".properties", "must be an object")),
        };
        Ok(Props { index, map })
    }

    fn get(&self, k: &str) -> Option<&Value> {
        self.map.and_then(|m| m.get(k))
    }

    /// No member but [`MEMBERS`].
    fn check_members(&self) -> Result<(), PlanError> {
        for k in self.map.into_iter().flat_map(Map::keys) {
            if !MEMBERS.contains(&k.as_str()) {
                return Err(bad(
                    self.index,
                    &format!(".properties.{k}"),
                    "unknown member (site_id, id, name, kind, free_wifi, status, remove)",
                ));
            }
        }
        Ok(())
    }

    /// A true-or-false member.
    fn boolean(&self, k: &str) -> Result<Option<bool>, PlanError> {
        match self.get(k) {
            None | Some(Value::Null) => Ok(None),
            Some(Value::Bool(b)) => Ok(Some(*b)),
            Some(_) => Err(bad(
                self.index,
                &format!(".properties.{k}"),
                "must be true or false",
            )),
        }
    }

    /// A text member, trimmed; it may not be empty.
    fn text(&self, k: &str) -> Result<Option<String>, PlanError> {
        match self.get(k) {
            None | Some(Value::Null) => Ok(None),
            Some(Value::String(s)) if !s.trim().is_empty() => Ok(Some(s.trim().to_owned())),
            Some(_) => Err(bad(
                self.index,
                &format!(".properties.{k}"),
                "must be a non-empty string",
            )),
        }
    }
}

/// The site ids: those of the snapshot, and those the features so far
/// named (changed or added).
struct Ids<'a> {
    known: HashSet<&'a str>,
    seen: HashSet<String>,
}

impl Ids<'_> {
    /// A feature naming a site: it removes or modifies that site.
    fn change_site(
        &mut self,
        props: &Props,
        site_id: String,
        location: Option<Point<f64>>,
    ) -> Result<Change, PlanError> {
        let i = props.index;
        if !self.known.contains(site_id.as_str()) {
            return Err(bad(
                i,
                ".properties.site_id",
                format!("no site `{site_id}`"),
            ));
        }
        if !self.seen.insert(site_id.clone()) {
            return Err(clash(
                i,
                ".properties.site_id",
                format!("`{site_id}` is changed twice"),
            ));
        }
        if props.boolean("remove")? == Some(true) {
            return Ok(Change::Remove { site_id });
        }
        let status = match props.text("status")?.as_deref() {
            None => None,
            Some("active") => Some(SiteStatus::Active),
            Some("planned") => Some(SiteStatus::Planned),
            Some(other) => {
                return Err(bad(
                    i,
                    ".properties.status",
                    format!("`{other}` is not active or planned"),
                ));
            }
        };
        Ok(Change::Modify {
            site_id,
            location,
            free_wifi: props.boolean("free_wifi")?,
            status,
        })
    }

    /// A feature naming no site: a new site at its Point.
    fn add_site(
        &mut self,
        props: &Props,
        location: Option<Point<f64>>,
    ) -> Result<Change, PlanError> {
        let i = props.index;
        let Some(location) = location else {
            return Err(bad(
                i,
                ".geometry",
                "a new site needs a Point (or give properties.site_id to change a site)",
            ));
        };
        let kind = match props.text("kind")? {
            None => SiteKind::Wifi,
            Some(k) => serde_json::from_value(json!(k))
                .map_err(|_| bad(i, ".properties.kind", format!("`{k}` is not a site kind")))?,
        };
        let id = props
            .text("id")?
            .unwrap_or_else(|| format!("what-if-{}", i + 1));
        if self.known.contains(id.as_str()) || !self.seen.insert(id.clone()) {
            return Err(clash(
                i,
                ".properties.id",
                format!("`{id}` is already a site id"),
            ));
        }
        Ok(Change::Add {
            name: props
                .text("name")?
                .unwrap_or_else(|| format!("Hypothetical site {}", i + 1)),
            id,
            kind,
            free_wifi: props.boolean("free_wifi")?.unwrap_or(true),
            location,
        })
    }
}
