//! GeoPackage 1.3 export: a fresh file with one feature table named after
//! the collection (typed columns inferred from the properties), the R-tree
//! spatial index with its triggers, the extent in `gpkg_contents`, and the
//! collection's metadata (snapshot version, as-of date, licence,
//! attribution) in `gpkg_metadata` / `gpkg_metadata_reference` (the metadata
//! extension), as GDAL metadata XML so `ogrinfo` shows it. Built in a
//! temporary file, then copied to the writer.

use super::{ExportError, Meta, Prepared, normalise, project, transformer};
use crate::schema::{PropType, Schema};
use gapmap_geo::crs::{LKS92, Transformer, WGS84};
use geo::{BoundingRect, MapCoords};
use geo_types::Geometry;
use rusqlite::{Connection, Transaction, params};
use serde_json::Value;
use std::io::Write;
use std::path::PathBuf;
use std::sync::atomic::{AtomicU64, Ordering};

const APPLICATION_ID: i32 = 0x4750_4B47;
const USER_VERSION: i32 = 10300;

const WGS84_WKT: &str = r#"GEOGCS["WGS 84",DATUM["WGS_1984",SPHEROID["WGS 84",6378137,298.257223563,AUTHORITY["EPSG","7030"]],AUTHORITY["EPSG","6326"]],PRIMEM["Greenwich",0,AUTHORITY["EPSG","8901"]],UNIT["degree",0.0174532925199433,AUTHORITY["EPSG","9122"]],AXIS["Latitude",NORTH],AXIS["Longitude",EAST],AUTHORITY["EPSG","4326"]]"#;

/// EPSG:3059 as `gdalsrsinfo -o wkt1 EPSG:3059` (GDAL 3.6) writes it.
const LKS92_WKT: &str = r#"PROJCS["LKS92 / Latvia TM",GEOGCS["LKS92",DATUM["Latvia_1992",SPHEROID["GRS 1980",6378137,298.257222101,AUTHORITY["EPSG","7019"]],AUTHORITY["EPSG","6661"]],PRIMEM["Greenwich",0,AUTHORITY["EPSG","8901"]],UNIT["degree",0.0174532925199433,AUTHORITY["EPSG","9122"]],AUTHORITY["EPSG","4661"]],PROJECTION["Transverse_Mercator"],PARAMETER["latitude_of_origin",0],PARAMETER["central_meridian",24],PARAMETER["scale_factor",0.9996],PARAMETER["false_easting",500000],PARAMETER["false_northing",-6000000],UNIT["metre",1,AUTHORITY["EPSG","9001"]],AXIS["Northing",NORTH],AXIS["Easting",EAST],AUTHORITY["EPSG","3059"]]"#;

/// A temporary file removed when dropped.
struct TempFile(PathBuf);

impl TempFile {
    fn new() -> TempFile {
        static N: AtomicU64 = AtomicU64::new(0);
        let nanos = std::time::SystemTime::now()
            .duration_since(std::time::UNIX_EPOCH)
            .map(|d| d.as_nanos())
            .unwrap_or(0);
        TempFile(std::env::temp_dir().join(format!(
            "gapmap-export-{}-{nanos}-{}.gpkg",
            std::process::id(),
            N.fetch_add(1, Ordering::Relaxed)
        )))
    }
}

impl Drop for TempFile {
    fn drop(&mut self) {
        let _ = std::fs::remove_file(&self.0);
        let _ = std::fs::remove_file(self.0.with_extension("gpkg-journal"));
    }
}

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum ColType {
    Boolean,
    Integer,
    Real,
    Text,
}

impl ColType {
    fn sql(self) -> &'static str {
        match self {
            ColType::Boolean => "BOOLEAN",
            ColType::Integer => "INTEGER",
            ColType::Real => "REAL",
            ColType::Text => "TEXT",
        }
    }
    fn of(v: &Value) -> Option<ColType> {
        match v {
            Value::Null => None,
            Value::Bool(_) => Some(ColType::Boolean),
            Value::Number(n) if n.is_i64() || n.is_u64() => Some(ColType::Integer),
            Value::Number(_) => Some(ColType::Real),
            _ => Some(ColType::Text),
        }
    }
    fn join(a: Option<ColType>, b: Option<ColType>) -> Option<ColType> {
        match (a, b) {
            (None, x) | (x, None) => x,
            (Some(x), Some(y)) if x == y => Some(x),
            (Some(ColType::Integer), Some(ColType::Real))
            | (Some(ColType::Real), Some(ColType::Integer)) => Some(ColType::Real),
            _ => Some(ColType::Text),
        }
    }
}

/// The column type of a property no feature gives a value (its schema's).
fn declared_type(ty: Option<PropType>) -> ColType {
    match ty {
        Some(PropType::Boolean) => ColType::Boolean,
        Some(PropType::Integer) => ColType::Integer,
        Some(PropType::Number) => ColType::Real,
        _ => ColType::Text,
    }
}

/// The property columns: (property key, column name, type): typed by the
/// values, or by the collection's schema where every value is null.
fn columns(p: &Prepared) -> Vec<(String, String, ColType)> {
    let schema = Schema::of_features(
        p.meta.collection.id(),
        p.features.iter().map(|f| &f.properties),
    );
    let mut cols: Vec<(String, Option<ColType>)> = Vec::new();
    for f in p.features.iter() {
        for (k, v) in &f.properties {
            if k == "id" {
                continue;
            }
            match cols.iter_mut().find(|(c, _)| c == k) {
                Some((_, t)) => *t = ColType::join(*t, ColType::of(v)),
                None => cols.push((k.clone(), ColType::of(v))),
            }
        }
    }
    cols.into_iter()
        .map(|(k, t)| {
            let name = if ["fid", "geom"].contains(&k.to_ascii_lowercase().as_str()) {
                format!("property_{k}")
            } else {
                k.clone()
            };
            let t = t.unwrap_or_else(|| declared_type(schema.get(&k).map(|p| p.ty)));
            (k, name, t)
        })
        .collect()
}

fn quote(name: &str) -> String {
    format!("\"{}\"", name.replace('"', "\"\""))
}

fn xml_escape(s: &str) -> String {
    s.replace('&', "&amp;")
        .replace('<', "&lt;")
        .replace('>', "&gt;")
        .replace('"', "&quot;")
}

fn round(g: &Geometry<f64>, crs: u16) -> Geometry<f64> {
    let k = if crs == WGS84 { 1e7 } else { 1e3 };
    g.map_coords(|c| geo_types::Coord {
        x: (c.x * k).round() / k,
        y: (c.y * k).round() / k,
    })
}

/// GeoPackage WKB with an envelope for non-points, as the store writes it,
/// with the export's srs_id.
fn encode(g: &Geometry<f64>, srs: u16) -> Result<Vec<u8>, String> {
    gapmap_store::gpkg::encode_geometry_in(g, i32::from(srs))
}

fn to_sql(t: ColType, v: &Value) -> rusqlite::types::Value {
    use rusqlite::types::Value as S;
    match (t, v) {
        (_, Value::Null) => S::Null,
        (ColType::Boolean, Value::Bool(b)) => S::Integer(i64::from(*b)),
        (ColType::Integer, Value::Number(n)) => n
            .as_i64()
            .map(S::Integer)
            .unwrap_or_else(|| S::Text(n.to_string())),
        (ColType::Real, Value::Number(n)) => n.as_f64().map(S::Real).unwrap_or(S::Null),
        (_, v) => {
            let mut s = String::new();
            super::csv::text(&mut s, v);
            S::Text(s)
        }
    }
}

pub fn write(
    p: &Prepared,
    out: &mut dyn Write,
    progress: &mut dyn FnMut(u64),
) -> Result<u64, ExportError> {
    let tmp = TempFile::new();
    let n = build(p, &tmp.0, progress)?;
    let mut f = std::fs::File::open(&tmp.0)?;
    std::io::copy(&mut f, out)?;
    out.flush()?;
    Ok(n)
}

/// Build the GeoPackage at `path` (which must not exist).
pub fn build(
    p: &Prepared,
    path: &std::path::Path,
    progress: &mut dyn FnMut(u64),
) -> Result<u64, ExportError> {
    let m = &p.meta;
    let srs = m.crs;
    let t = transformer(srs)?;
    let table = m.collection.id();
    let cols = columns(p);
    let mut conn = Connection::open(path)?;
    conn.execute_batch(&format!(
        "PRAGMA application_id = {APPLICATION_ID}; PRAGMA user_version = {USER_VERSION};
         PRAGMA journal_mode = MEMORY; PRAGMA synchronous = OFF;"
    ))?;
    let tx = conn.transaction()?;
    create_gpkg_tables(&tx, srs)?;
    let geom_type = geometry_type(p);
    let rtree = create_feature_table(&tx, table, geom_type, &cols)?;
    let target = Target {
        table,
        rtree: &rtree,
        cols: &cols,
        srs,
        t: t.as_ref(),
    };
    let (n, extent) = insert_features(&tx, p, &target, progress)?;
    register_table(&tx, m, table, geom_type, extent)?;
    insert_metadata(&tx, m, table)?;
    create_rtree_triggers(&tx, &rtree, table)?;
    tx.commit()?;
    conn.execute_batch("PRAGMA journal_mode = DELETE;")?;
    drop(conn);
    Ok(n)
}

/// Create the GeoPackage's own tables and its spatial reference systems.
fn create_gpkg_tables(tx: &Transaction, srs: u16) -> Result<(), ExportError> {
    tx.execute_batch(
        "CREATE TABLE gpkg_spatial_ref_sys (srs_name TEXT NOT NULL, srs_id INTEGER PRIMARY KEY, organization TEXT NOT NULL, organization_coordsys_id INTEGER NOT NULL, definition TEXT NOT NULL, description TEXT);
         CREATE TABLE gpkg_contents (table_name TEXT NOT NULL PRIMARY KEY, data_type TEXT NOT NULL, identifier TEXT UNIQUE, description TEXT DEFAULT '', last_change DATETIME NOT NULL DEFAULT (strftime('%Y-%m-%dT%H:%M:%fZ','now')), min_x DOUBLE, min_y DOUBLE, max_x DOUBLE, max_y DOUBLE, srs_id INTEGER, CONSTRAINT fk_gc_r_srs_id FOREIGN KEY (srs_id) REFERENCES gpkg_spatial_ref_sys(srs_id));
         CREATE TABLE gpkg_geometry_columns (table_name TEXT NOT NULL, column_name TEXT NOT NULL, geometry_type_name TEXT NOT NULL, srs_id INTEGER NOT NULL, z TINYINT NOT NULL, m TINYINT NOT NULL, CONSTRAINT pk_geom_cols PRIMARY KEY (table_name, column_name), CONSTRAINT uk_gc_table_name UNIQUE (table_name), CONSTRAINT fk_gc_tn FOREIGN KEY (table_name) REFERENCES gpkg_contents(table_name), CONSTRAINT fk_gc_srs FOREIGN KEY (srs_id) REFERENCES gpkg_spatial_ref_sys (srs_id));
         CREATE TABLE gpkg_extensions (table_name TEXT, column_name TEXT, extension_name TEXT NOT NULL, definition TEXT NOT NULL, scope TEXT NOT NULL, CONSTRAINT ge_tce UNIQUE (table_name, column_name, extension_name));
         CREATE TABLE gpkg_metadata (id INTEGER CONSTRAINT m_pk PRIMARY KEY ASC NOT NULL, md_scope TEXT NOT NULL DEFAULT 'dataset', md_standard_uri TEXT NOT NULL, mime_type TEXT NOT NULL DEFAULT 'text/xml', metadata TEXT NOT NULL DEFAULT '');
         CREATE TABLE gpkg_metadata_reference (reference_scope TEXT NOT NULL, table_name TEXT, column_name TEXT, row_id_value INTEGER, timestamp DATETIME NOT NULL DEFAULT (strftime('%Y-%m-%dT%H:%M:%fZ','now')), md_file_id INTEGER NOT NULL, md_parent_id INTEGER, CONSTRAINT crmr_mfi_fk FOREIGN KEY (md_file_id) REFERENCES gpkg_metadata(id), CONSTRAINT crmr_mpi_fk FOREIGN KEY (md_parent_id) REFERENCES gpkg_metadata(id));",
    )?;
    tx.execute(
        "INSERT INTO gpkg_spatial_ref_sys VALUES ('Undefined cartesian SRS', -1, 'NONE', -1, 'undefined', 'undefined cartesian coordinate reference system'), ('Undefined geographic SRS', 0, 'NONE', 0, 'undefined', 'undefined geographic coordinate reference system'), ('WGS 84 geodetic', 4326, 'EPSG', 4326, ?1, 'longitude/latitude coordinates in decimal degrees on the WGS 84 spheroid')",
        [WGS84_WKT],
    )?;
    if srs == LKS92 {
        tx.execute(
            "INSERT INTO gpkg_spatial_ref_sys VALUES ('LKS92 / Latvia TM', 3059, 'EPSG', 3059, ?1, 'LKS-92 / Latvia TM: easting, northing in metres')",
            [LKS92_WKT],
        )?;
    }
    Ok(())
}

/// The geometry type: one for every row, else GEOMETRY (with no rows, the
/// collection's type).
fn geometry_type(p: &Prepared) -> &'static str {
    let mut kinds: Vec<&'static str> = Vec::new();
    for f in p.features.iter() {
        let k = match normalise(f.geometry.clone()) {
            Geometry::Point(_) => "POINT",
            Geometry::MultiPolygon(_) => "MULTIPOLYGON",
            Geometry::MultiPoint(_) => "MULTIPOINT",
            Geometry::LineString(_) => "LINESTRING",
            Geometry::MultiLineString(_) => "MULTILINESTRING",
            _ => "GEOMETRY",
        };
        if !kinds.contains(&k) {
            kinds.push(k);
        }
    }
    match kinds.as_slice() {
        [] => {
            if p.meta.collection.geometry_type() == "Point" {
                "POINT"
            } else {
                "MULTIPOLYGON"
            }
        }
        [one] => one,
        _ => "GEOMETRY",
    }
}

/// Create the feature table (`fid`, `geom`, `id`, then the property
/// columns) and its R-tree; the R-tree's name.
fn create_feature_table(
    tx: &Transaction,
    table: &str,
    geom_type: &str,
    cols: &[(String, String, ColType)],
) -> Result<String, ExportError> {
    let mut ddl = vec![
        "fid INTEGER PRIMARY KEY AUTOINCREMENT NOT NULL".to_owned(),
        format!("geom {geom_type}"),
        "id TEXT NOT NULL UNIQUE".to_owned(),
    ];
    for (_, name, ty) in cols {
        ddl.push(format!("{} {}", quote(name), ty.sql()));
    }
    let qt = quote(table);
    tx.execute_batch(&format!("CREATE TABLE {qt} ({})", ddl.join(", ")))?;
    let rtree = format!("rtree_{table}_geom");
    let qr = quote(&rtree);
    tx.execute_batch(&format!(
        "CREATE VIRTUAL TABLE {qr} USING rtree(id, minx, maxx, miny, maxy)"
    ))?;
    Ok(rtree)
}

/// Where the features go: the table and its R-tree, the property columns,
/// and the CRS (with the transformation from WGS84, if any).
struct Target<'a> {
    table: &'a str,
    rtree: &'a str,
    cols: &'a [(String, String, ColType)],
    srs: u16,
    t: Option<&'a Transformer>,
}

/// Insert every feature and its box in the R-tree; the number of features
/// and their extent (min x, min y, max x, max y).
fn insert_features(
    tx: &Transaction,
    p: &Prepared,
    target: &Target,
    progress: &mut dyn FnMut(u64),
) -> Result<(u64, Option<[f64; 4]>), ExportError> {
    let Target {
        table,
        rtree,
        cols,
        srs,
        t,
    } = *target;
    let (qt, qr) = (quote(table), quote(rtree));
    let mut extent: Option<[f64; 4]> = None;
    let mut n = 0u64;
    let names: Vec<String> = cols.iter().map(|(_, name, _)| quote(name)).collect();
    let marks: Vec<String> = (0..cols.len()).map(|i| format!("?{}", i + 3)).collect();
    let sql = format!(
        "INSERT INTO {qt} (geom, id{}{}) VALUES (?1, ?2{}{})",
        if names.is_empty() { "" } else { ", " },
        names.join(", "),
        if marks.is_empty() { "" } else { ", " },
        marks.join(", ")
    );
    let mut ins = tx.prepare(&sql)?;
    let mut ins_r = tx.prepare(&format!("INSERT INTO {qr} VALUES (?1, ?2, ?3, ?4, ?5)"))?;
    for f in p.features.iter() {
        let g = round(&normalise(project(t, f)?), srs);
        let blob = encode(&g, srs).map_err(|reason| ExportError::Geometry {
            id: f.id.clone(),
            reason,
        })?;
        let mut values: Vec<rusqlite::types::Value> = Vec::with_capacity(cols.len() + 2);
        values.push(rusqlite::types::Value::Blob(blob));
        values.push(rusqlite::types::Value::Text(f.id.clone()));
        for (key, _, ty) in cols {
            values.push(
                f.properties
                    .get(key)
                    .map(|v| to_sql(*ty, v))
                    .unwrap_or(rusqlite::types::Value::Null),
            );
        }
        ins.execute(rusqlite::params_from_iter(values.iter()))?;
        let fid = tx.last_insert_rowid();
        if let Some(r) = g.bounding_rect() {
            let (a, b) = (r.min(), r.max());
            ins_r.execute(params![fid, a.x, b.x, a.y, b.y])?;
            extent = Some(match extent {
                None => [a.x, a.y, b.x, b.y],
                Some(e) => [e[0].min(a.x), e[1].min(a.y), e[2].max(b.x), e[3].max(b.y)],
            });
        }
        n += 1;
        progress(n);
    }
    Ok((n, extent))
}

/// Describe the feature table in `gpkg_contents` (with its extent),
/// `gpkg_geometry_columns` and `gpkg_extensions`.
fn register_table(
    tx: &Transaction,
    m: &Meta,
    table: &str,
    geom_type: &str,
    extent: Option<[f64; 4]>,
) -> Result<(), ExportError> {
    let srs = m.crs;
    let description = format!("{} — {}. {}", m.title, m.title_en, m.attribution);
    tx.execute(
        "INSERT INTO gpkg_contents (table_name, data_type, identifier, description, min_x, min_y, max_x, max_y, srs_id) VALUES (?1, 'features', ?1, ?2, ?3, ?4, ?5, ?6, ?7)",
        params![
            table,
            description,
            extent.map(|e| e[0]),
            extent.map(|e| e[1]),
            extent.map(|e| e[2]),
            extent.map(|e| e[3]),
            srs
        ],
    )?;
    tx.execute(
        "INSERT INTO gpkg_geometry_columns VALUES (?1, 'geom', ?2, ?3, 0, 0)",
        params![table, geom_type, srs],
    )?;
    tx.execute(
        "INSERT INTO gpkg_extensions VALUES (?1, 'geom', 'gpkg_rtree_index', 'http://www.geopackage.org/spec120/#extension_rtree', 'write-only')",
        [table],
    )?;
    tx.execute_batch(
        "INSERT INTO gpkg_extensions VALUES ('gpkg_metadata', NULL, 'gpkg_metadata', 'http://www.geopackage.org/spec120/#extension_metadata', 'read-write');
         INSERT INTO gpkg_extensions VALUES ('gpkg_metadata_reference', NULL, 'gpkg_metadata', 'http://www.geopackage.org/spec120/#extension_metadata', 'read-write');",
    )?;
    Ok(())
}

/// The collection's metadata as GDAL metadata XML, in `gpkg_metadata`,
/// referenced from the table.
fn insert_metadata(tx: &Transaction, m: &Meta, table: &str) -> Result<(), ExportError> {
    let srs = m.crs;
    let items = [
        ("collection", table.to_owned()),
        ("title", m.title.clone()),
        ("title_en", m.title_en.clone()),
        ("attribution", m.attribution.clone()),
        ("licence", m.licence.clone()),
        ("snapshot_version", m.snapshot_version.clone()),
        ("as_of", m.as_of.clone()),
        ("crs", format!("EPSG:{srs}")),
        ("count", m.count.to_string()),
    ];
    let mut xml = String::from("<GDALMetadata>\n  <Metadata>\n");
    for (k, v) in items {
        xml.push_str(&format!(
            "    <MDI key=\"{}\">{}</MDI>\n",
            xml_escape(k),
            xml_escape(&v)
        ));
    }
    xml.push_str("  </Metadata>\n</GDALMetadata>\n");
    tx.execute(
        "INSERT INTO gpkg_metadata (id, md_scope, md_standard_uri, mime_type, metadata) VALUES (1, 'dataset', 'http://gdal.org', 'text/xml', ?1)",
        [&xml],
    )?;
    tx.execute(
        "INSERT INTO gpkg_metadata_reference (reference_scope, table_name, column_name, row_id_value, md_file_id) VALUES ('table', ?1, NULL, NULL, 1)",
        [table],
    )?;
    Ok(())
}

/// The triggers that keep the R-tree in step with the feature table.
fn create_rtree_triggers(tx: &Transaction, rtree: &str, table: &str) -> Result<(), ExportError> {
    let env = "NEW.fid, ST_MinX(NEW.geom), ST_MaxX(NEW.geom), ST_MinY(NEW.geom), ST_MaxY(NEW.geom)";
    let r = rtree;
    let t = table;
    tx.execute_batch(&format!(
        "CREATE TRIGGER \"{r}_insert\" AFTER INSERT ON \"{t}\" WHEN (new.geom NOT NULL AND NOT ST_IsEmpty(NEW.geom)) BEGIN INSERT OR REPLACE INTO \"{r}\" VALUES ({env}); END;
         CREATE TRIGGER \"{r}_update1\" AFTER UPDATE OF geom ON \"{t}\" WHEN OLD.fid = NEW.fid AND (NEW.geom NOTNULL AND NOT ST_IsEmpty(NEW.geom)) BEGIN INSERT OR REPLACE INTO \"{r}\" VALUES ({env}); END;
         CREATE TRIGGER \"{r}_update2\" AFTER UPDATE OF geom ON \"{t}\" WHEN OLD.fid = NEW.fid AND (NEW.geom ISNULL OR ST_IsEmpty(NEW.geom)) BEGIN DELETE FROM \"{r}\" WHERE id = OLD.fid; END;
         CREATE TRIGGER \"{r}_update3\" AFTER UPDATE ON \"{t}\" WHEN OLD.fid != NEW.fid AND (NEW.geom NOTNULL AND NOT ST_IsEmpty(NEW.geom)) BEGIN DELETE FROM \"{r}\" WHERE id = OLD.fid; INSERT OR REPLACE INTO \"{r}\" VALUES ({env}); END;
         CREATE TRIGGER \"{r}_update4\" AFTER UPDATE ON \"{t}\" WHEN OLD.fid != NEW.fid AND (NEW.geom ISNULL OR ST_IsEmpty(NEW.geom)) BEGIN DELETE FROM \"{r}\" WHERE id IN (OLD.fid, NEW.fid); END;
         CREATE TRIGGER \"{r}_delete\" AFTER DELETE ON \"{t}\" WHEN old.geom NOT NULL BEGIN DELETE FROM \"{r}\" WHERE id = OLD.fid; END;"
    ))?;
    Ok(())
}
