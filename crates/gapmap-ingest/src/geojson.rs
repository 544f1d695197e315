//! Streaming GeoJSON reader (RFC 7946, plus the legacy 2008 `crs` member).
//!
//! The FeatureCollection is never held whole: serde visits the `features`
//! array one element at a time, so a 1 GB file needs memory for one feature.

use super::problem::{Location, Problem, Severity};
use super::{Emit, IngestError, RawFeature, ReadContext};
use gapmap_geo::crs::parse_crs;
use geo_types::{
    Coord, Geometry, LineString, MultiLineString, MultiPoint, MultiPolygon, Point, Polygon,
};
use serde::de::{DeserializeSeed, IgnoredAny, MapAccess, SeqAccess, Visitor};
use serde_json::{Map, Value};
use std::fmt;
use std::io::{BufRead, BufReader, Read};
use std::path::Path;

pub fn read(path: &Path, ctx: &mut ReadContext, emit: &mut Emit) -> Result<(), IngestError> {
    let file = std::fs::File::open(path).map_err(|e| ctx.io_error(e))?;
    let mut reader = BufReader::with_capacity(1 << 20, file);
    skip_bom(&mut reader).map_err(|e| ctx.io_error(e))?;
    let head = reader.fill_buf().map_err(|e| ctx.io_error(e))?;
    match head.iter().position(|b| !b.is_ascii_whitespace()) {
        None => {
            ctx.problems.push(ctx.at(Location::File).error(None, "the file is empty", Some("a GeoJSON file holds a FeatureCollection: {\"type\": \"FeatureCollection\", \"features\": [ … ]}".into())));
            return Ok(());
        }
        Some(i) if head[i] == b'[' => {
            ctx.problems.push(
                ctx.at(Location::LineColumn(1, 1)).error(
                    None,
                    "expected a GeoJSON FeatureCollection or Feature, found an array",
                    Some(
                        "wrap the features: {\"type\": \"FeatureCollection\", \"features\": [ … ]}"
                            .into(),
                    ),
                ),
            );
            return Ok(());
        }
        _ => {}
    }
    read_from(reader, ctx, emit)
}

/// Skip a UTF-8 byte order mark, which some Windows tools write.
pub(crate) fn skip_bom<R: std::io::BufRead>(r: &mut R) -> std::io::Result<()> {
    let buf = r.fill_buf()?;
    if buf.starts_with(&[0xEF, 0xBB, 0xBF]) {
        r.consume(3);
    }
    Ok(())
}

pub fn read_from<R: Read>(
    reader: R,
    ctx: &mut ReadContext,
    emit: &mut Emit,
) -> Result<(), IngestError> {
    let mut de = serde_json::Deserializer::from_reader(reader);
    let mut top = Top {
        ctx,
        emit,
        count: 0,
        rest: Map::new(),
        saw_features: false,
    };
    let result = (&mut top).deserialize(&mut de).and_then(|()| de.end());
    let Top {
        ctx,
        emit,
        count,
        rest,
        saw_features,
    } = top;
    if let Err(e) = result {
        let msg = if e.is_eof() && e.line() <= 1 && e.column() == 0 {
            "the file is empty".to_owned()
        } else {
            format!("not valid JSON: {e}")
        };
        let hint = if e.is_eof() {
            Some("the file ends too early; is it complete?".into())
        } else {
            None
        };
        let loc = if e.line() == 0 {
            Location::File
        } else {
            Location::LineColumn(e.line() as u64, e.column() as u64)
        };
        ctx.problems.push(ctx.at(loc).error(None, msg, hint));
        return Ok(());
    }
    if !saw_features {
        match rest.get("type").and_then(Value::as_str) {
            Some("Feature") => feature(Value::Object(rest), 0, "", ctx, emit),
            Some("FeatureCollection") => ctx.problems.push(ctx.at(Location::File).error(
                Some("features"),
                "a FeatureCollection without `features`",
                Some("add \"features\": [ … ]".into()),
            )),
            other => ctx.problems.push(ctx.at(Location::File).error(
                Some("type"),
                format!(
                        "expected a GeoJSON FeatureCollection or Feature, found {}",
                        other
                            .map(|t| format!("type `{t}`"))
                            .unwrap_or_else(|| "no type".into())
                    ),
                None,
            )),
        }
    } else if rest.get("type").and_then(Value::as_str) != Some("FeatureCollection") {
        ctx.problems.push(ctx.at(Location::File).error(
            Some("type"),
            "the top-level `type` must be \"FeatureCollection\"",
            None,
        ));
    }
    let _ = count;
    Ok(())
}

struct Top<'a, 'b, 'e> {
    ctx: &'a mut ReadContext<'b>,
    emit: &'a mut Emit<'e>,
    count: usize,
    rest: Map<String, Value>,
    saw_features: bool,
}

impl<'de> DeserializeSeed<'de> for &mut Top<'_, '_, '_> {
    type Value = ();
    fn deserialize<D: serde::Deserializer<'de>>(self, d: D) -> Result<(), D::Error> {
        d.deserialize_map(self)
    }
}

impl<'de> Visitor<'de> for &mut Top<'_, '_, '_> {
    type Value = ();
    fn expecting(&self, f: &mut fmt::Formatter) -> fmt::Result {
        f.write_str("a GeoJSON object")
    }
    fn visit_map<A: MapAccess<'de>>(self, mut map: A) -> Result<(), A::Error> {
        while let Some(key) = map.next_key::<String>()? {
            match key.as_str() {
                "features" => {
                    self.saw_features = true;
                    map.next_value_seed(Features { top: &mut *self })?;
                }
                "crs" => {
                    let v: Value = map.next_value()?;
                    legacy_crs(&v, self.count, self.ctx);
                }
                "bbox" => {
                    map.next_value::<IgnoredAny>()?;
                }
                _ => {
                    let v: Value = map.next_value()?;
                    self.rest.insert(key, v);
                }
            }
        }
        Ok(())
    }
}

struct Features<'t, 'a, 'b, 'e> {
    top: &'t mut Top<'a, 'b, 'e>,
}

impl<'de> DeserializeSeed<'de> for Features<'_, '_, '_, '_> {
    type Value = ();
    fn deserialize<D: serde::Deserializer<'de>>(self, d: D) -> Result<(), D::Error> {
        d.deserialize_seq(self)
    }
}

impl<'de> Visitor<'de> for Features<'_, '_, '_, '_> {
    type Value = ();
    fn expecting(&self, f: &mut fmt::Formatter) -> fmt::Result {
        f.write_str("an array of features")
    }
    fn visit_seq<A: SeqAccess<'de>>(self, mut seq: A) -> Result<(), A::Error> {
        while let Some(v) = seq.next_element::<Value>()? {
            let i = self.top.count;
            self.top.count += 1;
            feature(v, i, &format!("/features/{i}"), self.top.ctx, self.top.emit);
        }
        Ok(())
    }
}

/// The 2008 GeoJSON `crs` member: `{"type": "name", "properties": {"name": "EPSG:3059"}}`.
fn legacy_crs(v: &Value, features_seen: usize, ctx: &mut ReadContext) {
    let name = v
        .pointer("/properties/name")
        .and_then(Value::as_str)
        .map(str::to_owned)
        .or_else(|| {
            v.pointer("/properties/code")
                .and_then(Value::as_u64)
                .map(|c| format!("EPSG:{c}"))
        });
    let at = ctx.at(Location::File);
    let Some(name) = name else {
        ctx.problems.push(at.error(Some("crs"), "the `crs` member names no CRS", Some("use {\"type\": \"name\", \"properties\": {\"name\": \"EPSG:3059\"}} or drop it and pass --crs".into())));
        return;
    };
    match parse_crs(&name) {
        Ok(code) if ctx.crs_given => {
            if code != ctx.crs {
                ctx.problems.push(at.problem(
                    Severity::Warning,
                    Some("crs"),
                    format!("the file says {name}, --crs EPSG:{} wins", ctx.crs),
                    None,
                ));
            }
        }
        Ok(code) if features_seen > 0 && code != ctx.crs => {
            ctx.problems.push(at.error(
                Some("crs"),
                "the `crs` member comes after the features",
                Some("put `crs` before `features`, or pass --crs".into()),
            ));
        }
        Ok(code) => ctx.crs = code,
        Err(e) => ctx.problems.push(at.error(
            Some("crs"),
            e.to_string(),
            Some("pass --crs EPSG:n".into()),
        )),
    }
}

/// Read one feature (`pointer` is where it is, "" for a lone Feature) and
/// emit it, unless it is rejected.
fn feature(v: Value, index: usize, pointer: &str, ctx: &mut ReadContext, emit: &mut Emit) {
    if let Ok(raw) = raw_feature(v, index, pointer, ctx) {
        emit(raw, ctx);
    }
}

/// A feature the reader reported and counted as rejected.
#[derive(Debug)]
struct Rejected;

/// Report a problem that rejects a feature, and count it.
fn reject(ctx: &mut ReadContext, p: Problem) -> Rejected {
    ctx.problems.push(p);
    ctx.rejected += 1;
    Rejected
}

/// The feature at `pointer`: a JSON object of type "Feature", its id,
/// properties and geometry; rejected (with the problems reported) when any
/// is malformed.
fn raw_feature(
    v: Value,
    index: usize,
    pointer: &str,
    ctx: &mut ReadContext,
) -> Result<RawFeature, Rejected> {
    let location = Location::Feature {
        index,
        pointer: if pointer.is_empty() {
            "/".into()
        } else {
            pointer.to_owned()
        },
    };
    let Value::Object(mut obj) = v else {
        let p = ctx
            .at(location)
            .error(None, "a feature must be a JSON object", None);
        return Err(reject(ctx, p));
    };
    if obj.get("type").and_then(Value::as_str) != Some("Feature") {
        let at = ctx.at(Location::Feature {
            index,
            pointer: format!("{pointer}/type"),
        });
        let p = at.error(Some("type"), "`type` must be \"Feature\"", None);
        return Err(reject(ctx, p));
    }
    let id = match obj.get("id") {
        Some(Value::String(s)) => Some(s.clone()),
        Some(Value::Number(n)) => Some(n.to_string()),
        _ => None,
    };
    let props = match obj.remove("properties") {
        Some(Value::Object(m)) => m,
        Some(Value::Null) | None => Map::new(),
        Some(_) => {
            let at = ctx.at(Location::Feature {
                index,
                pointer: format!("{pointer}/properties"),
            });
            let p = at.error(
                Some("properties"),
                "`properties` must be an object or null",
                None,
            );
            return Err(reject(ctx, p));
        }
    };
    let gptr = format!("{pointer}/geometry");
    let geometry = match obj.get("geometry") {
        None | Some(Value::Null) => None,
        Some(g) => feature_geometry(g, index, &gptr, ctx)?,
    };
    Ok(RawFeature {
        location,
        props_pointer: Some(format!("{pointer}/properties")),
        geometry_pointer: Some(gptr),
        id,
        geometry,
        props,
        text_values: false,
    })
}

/// A feature's geometry (at `gptr`), repaired where `--repair` allows;
/// every problem and repair is reported, and any problem not repaired
/// rejects the feature.
fn feature_geometry(
    g: &Value,
    index: usize,
    gptr: &str,
    ctx: &mut ReadContext,
) -> Result<Option<Geometry<f64>>, Rejected> {
    let mut errs = Vec::new();
    let g = parse_geometry(g, gptr, ctx.opts.repair, &mut errs);
    let failed = errs.iter().any(|e| !e.repaired);
    for e in errs {
        let at = ctx.at(Location::Feature {
            index,
            pointer: e.pointer,
        });
        let sev = if e.repaired {
            Severity::Repaired
        } else {
            Severity::Error
        };
        ctx.problems
            .push(at.problem(sev, Some("geometry"), e.message, e.hint));
    }
    if failed {
        ctx.rejected += 1;
        return Err(Rejected);
    }
    Ok(g)
}

/// A problem in a geometry, with the JSON pointer to the offending part.
#[derive(Debug, Clone)]
pub struct GeomError {
    pub pointer: String,
    pub message: String,
    pub hint: Option<String>,
    /// Fixed by `--repair` (reported, not an error).
    pub repaired: bool,
}

fn err(errs: &mut Vec<GeomError>, pointer: String, message: impl Into<String>, hint: Option<&str>) {
    errs.push(GeomError {
        pointer,
        message: message.into(),
        hint: hint.map(str::to_owned),
        repaired: false,
    });
}

/// Parse a GeoJSON geometry object, checking positions and ring closure
/// (geo would silently close an open ring; RFC 7946 says it must be closed).
pub fn parse_geometry(
    v: &Value,
    ptr: &str,
    repair: bool,
    errs: &mut Vec<GeomError>,
) -> Option<Geometry<f64>> {
    let Some(ty) = v.get("type").and_then(Value::as_str) else {
        err(
            errs,
            format!("{ptr}/type"),
            "the geometry has no `type`",
            None,
        );
        return None;
    };
    if ty == "GeometryCollection" {
        err(
            errs,
            format!("{ptr}/type"),
            "GeometryCollection is not supported",
            Some("split it into one feature per geometry"),
        );
        return None;
    }
    let cptr = format!("{ptr}/coordinates");
    let Some(c) = v.get("coordinates") else {
        err(errs, cptr, "the geometry has no `coordinates`", None);
        return None;
    };
    let before = errs.len();
    let g = match ty {
        "Point" => position(c, &cptr, errs).map(|p| Geometry::Point(Point(p))),
        "MultiPoint" => list(c, &cptr, errs, position)
            .map(|v| Geometry::MultiPoint(MultiPoint(v.into_iter().map(Point).collect()))),
        "LineString" => line(c, &cptr, errs).map(Geometry::LineString),
        "MultiLineString" => {
            list(c, &cptr, errs, line).map(|v| Geometry::MultiLineString(MultiLineString(v)))
        }
        "Polygon" => polygon(c, &cptr, repair, errs).map(Geometry::Polygon),
        "MultiPolygon" => list(c, &cptr, errs, |v, p, e| polygon(v, p, repair, e))
            .map(|v| Geometry::MultiPolygon(MultiPolygon(v))),
        other => {
            err(
                errs,
                format!("{ptr}/type"),
                format!("unknown geometry type `{other}`"),
                Some("Point, MultiPoint, LineString, MultiLineString, Polygon or MultiPolygon"),
            );
            None
        }
    };
    if errs[before..].iter().any(|e| !e.repaired) {
        None
    } else {
        g
    }
}

fn list<T>(
    v: &Value,
    ptr: &str,
    errs: &mut Vec<GeomError>,
    item: impl Fn(&Value, &str, &mut Vec<GeomError>) -> Option<T>,
) -> Option<Vec<T>> {
    let Some(arr) = v.as_array() else {
        err(errs, ptr.to_owned(), "expected an array", None);
        return None;
    };
    let mut out = Vec::with_capacity(arr.len());
    let mut ok = true;
    for (i, x) in arr.iter().enumerate() {
        match item(x, &format!("{ptr}/{i}"), errs) {
            Some(t) => out.push(t),
            None => ok = false,
        }
    }
    ok.then_some(out)
}

fn position(v: &Value, ptr: &str, errs: &mut Vec<GeomError>) -> Option<Coord<f64>> {
    let arr = v.as_array().filter(|a| a.len() >= 2);
    let Some(arr) = arr else {
        err(
            errs,
            ptr.to_owned(),
            format!(
                "a position must be an array of at least two numbers, found {}",
                crate::convert::short(v)
            ),
            None,
        );
        return None;
    };
    match (arr[0].as_f64(), arr[1].as_f64()) {
        (Some(x), Some(y)) => Some(Coord { x, y }),
        _ => {
            err(
                errs,
                ptr.to_owned(),
                format!(
                    "a position must hold numbers, found {}",
                    crate::convert::short(v)
                ),
                Some("coordinates are numbers, not strings"),
            );
            None
        }
    }
}

fn line(v: &Value, ptr: &str, errs: &mut Vec<GeomError>) -> Option<LineString<f64>> {
    let coords = list(v, ptr, errs, position)?;
    if coords.len() < 2 {
        err(
            errs,
            ptr.to_owned(),
            "a LineString needs at least two positions",
            None,
        );
        return None;
    }
    Some(LineString(coords))
}

fn polygon(v: &Value, ptr: &str, repair: bool, errs: &mut Vec<GeomError>) -> Option<Polygon<f64>> {
    let mut rings = list(v, ptr, errs, |v, p, e| {
        list(v, p, e, position).map(|c| (c, p.to_owned()))
    })?;
    if rings.is_empty() {
        err(
            errs,
            ptr.to_owned(),
            "a Polygon needs at least one ring",
            None,
        );
        return None;
    }
    for (coords, rptr) in &mut rings {
        if coords.first() != coords.last() {
            if repair && coords.len() >= 3 {
                coords.push(coords[0]);
                errs.push(GeomError {
                    pointer: rptr.clone(),
                    message: "closed the ring (its last position did not repeat the first)".into(),
                    hint: None,
                    repaired: true,
                });
            } else {
                err(
                    errs,
                    rptr.clone(),
                    "the ring is not closed: its last position must repeat the first",
                    Some("repeat the first position at the end, or pass --repair"),
                );
                return None;
            }
        }
        if coords.len() < 4 {
            err(
                errs,
                rptr.clone(),
                format!(
                    "a ring needs at least four positions, found {}",
                    coords.len()
                ),
                None,
            );
            return None;
        }
    }
    let mut it = rings.into_iter().map(|(c, _)| LineString(c));
    let exterior = it.next()?;
    Some(Polygon::new(exterior, it.collect()))
}
