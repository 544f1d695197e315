//! Field values to and from PostgreSQL columns: the same types the
//! GeoPackage columns hold (BIGINT for counts and years, DOUBLE PRECISION,
//! BOOLEAN, DATE, TEXT, JSON text for lists), geometry as PostGIS
//! `geometry(…, 4326)` written and read as WKB.

use gapmap_model::schema::{FieldType, GeometryKind};
use geo_types::Geometry;
use geozero::{CoordDimensions, ToGeo, ToWkb};
use postgres::types::ToSql;
use serde_json::Value;

/// One bound parameter of a layer row.
pub(crate) type Param = Box<dyn ToSql + Sync + Send>;

/// The PostgreSQL column type of a field.
pub(crate) fn column_type(ty: FieldType) -> &'static str {
    match ty {
        FieldType::Count | FieldType::Year => "BIGINT",
        FieldType::NonNegative => "DOUBLE PRECISION",
        FieldType::Bool => "BOOLEAN",
        FieldType::Date => "DATE",
        _ => "TEXT",
    }
}

/// The PostGIS column type of a layer's geometry.
pub(crate) fn geometry_type(kind: GeometryKind) -> Option<&'static str> {
    match kind {
        GeometryKind::Point => Some("geometry(Point, 4326)"),
        GeometryKind::MultiPolygon => Some("geometry(MultiPolygon, 4326)"),
        GeometryKind::None => None,
    }
}

/// How a field's parameter is written in an INSERT or UPDATE (dates go as
/// text and are cast, so the client never needs a date type).
pub(crate) fn placeholder(ty: FieldType, n: usize) -> String {
    match ty {
        FieldType::Date => format!("${n}::text::date"),
        _ => format!("${n}"),
    }
}

/// How a field's column is selected (dates come back as ISO text).
pub(crate) fn select_expr(name: &str, ty: FieldType) -> String {
    match ty {
        FieldType::Date => format!("\"{name}\"::text"),
        _ => format!("\"{name}\""),
    }
}

/// A field's value as its column's parameter; a value of the wrong type is
/// refused with the reason (ingest and the edit API type every field, so
/// this only meets a record built by hand).
pub(crate) fn to_param(ty: FieldType, v: &Value) -> Result<Param, String> {
    let wrong = || format!("{} is not {}", v, ty.describe());
    Ok(match (ty, v) {
        (FieldType::Count | FieldType::Year, Value::Null) => Box::new(None::<i64>),
        (FieldType::Count | FieldType::Year, Value::Number(n)) => {
            Box::new(Some(n.as_i64().ok_or_else(wrong)?))
        }
        (FieldType::NonNegative, Value::Null) => Box::new(None::<f64>),
        (FieldType::NonNegative, Value::Number(n)) => Box::new(Some(n.as_f64().ok_or_else(wrong)?)),
        (FieldType::Bool, Value::Null) => Box::new(None::<bool>),
        (FieldType::Bool, Value::Bool(b)) => Box::new(Some(*b)),
        (FieldType::Count | FieldType::Year | FieldType::NonNegative | FieldType::Bool, _) => {
            return Err(wrong());
        }
        (_, Value::Null) => Box::new(None::<String>),
        (FieldType::TextList, v) => Box::new(Some(v.to_string())),
        (_, Value::String(s)) => Box::new(Some(s.clone())),
        (_, other) => Box::new(Some(other.to_string())),
    })
}

/// A column's value as the record's field value (as the GeoPackage store
/// reads it: lists parsed from their JSON text).
pub(crate) fn from_row(
    ty: FieldType,
    row: &postgres::Row,
    i: usize,
) -> Result<Value, postgres::Error> {
    Ok(match ty {
        FieldType::Count | FieldType::Year => row
            .try_get::<_, Option<i64>>(i)?
            .map(Value::from)
            .unwrap_or(Value::Null),
        FieldType::NonNegative => row
            .try_get::<_, Option<f64>>(i)?
            .and_then(serde_json::Number::from_f64)
            .map(Value::Number)
            .unwrap_or(Value::Null),
        FieldType::Bool => row
            .try_get::<_, Option<bool>>(i)?
            .map(Value::Bool)
            .unwrap_or(Value::Null),
        FieldType::TextList => match row.try_get::<_, Option<String>>(i)? {
            Some(t) => serde_json::from_str(&t).unwrap_or(Value::Array(vec![])),
            None => Value::Null,
        },
        _ => row
            .try_get::<_, Option<String>>(i)?
            .map(Value::String)
            .unwrap_or(Value::Null),
    })
}

/// ISO WKB of a geometry (what `ST_GeomFromWKB` reads).
pub(crate) fn to_wkb(g: &Geometry<f64>) -> Result<Vec<u8>, String> {
    g.to_wkb(CoordDimensions::xy()).map_err(|e| e.to_string())
}

/// A geometry from `ST_AsBinary` WKB.
pub(crate) fn from_wkb(b: &[u8]) -> Result<Geometry<f64>, String> {
    geozero::wkb::Wkb(b).to_geo().map_err(|e| e.to_string())
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn wkb_round_trips() {
        let g: Geometry<f64> = geo_types::Point::new(23.7, 56.6).into();
        assert_eq!(from_wkb(&to_wkb(&g).unwrap()).unwrap(), g);
    }

    #[test]
    fn a_value_of_the_wrong_type_is_refused_with_its_reason() {
        let e = to_param(FieldType::Count, &Value::String("many".into()))
            .err()
            .unwrap();
        assert!(e.contains("\"many\""), "{e}");
        assert!(to_param(FieldType::Count, &Value::from(-1.5)).is_err());
        assert!(to_param(FieldType::Text, &Value::from("x")).is_ok());
    }
}
