//! The GeoPackage 1.3 store: one table per layer with an R-tree spatial index
//! (the `gpkg_rtree_index` extension and its triggers), an audit table of
//! ingests, and a revision counter the snapshot version is derived from.
//!
//! Every ingest is one SQLite transaction: a rejected file or a killed process
//! leaves the file exactly as it was (SQLite's rollback journal).

pub use crate::layer_write::LayerWrite;
use crate::typed::table_columns;
pub use crate::wkb::{decode_geometry, encode_geometry, encode_geometry_in};
use crate::{Counts, FeatureStore, Mode, StoreError, sql_functions};
use gapmap_model::schema::{FieldType, GeometryKind, LayerSchema};
use gapmap_model::{Layer, Record};
use rusqlite::{Connection, OpenFlags, OptionalExtension, Transaction, params};
use serde_json::{Map, Value};
use sha2::{Digest, Sha256};
use std::collections::HashSet;
use std::path::{Path, PathBuf};

/// GeoPackage `application_id` ('GPKG') and `user_version` for 1.3.0.
const APPLICATION_ID: i32 = 0x4750_4B47;
const USER_VERSION: i32 = 10300;

const WGS84_WKT: &str = r#"GEOGCS["WGS 84",DATUM["WGS_1984",SPHEROID["WGS 84",6378137,298.257223563,AUTHORITY["EPSG","7030"]],AUTHORITY["EPSG","6326"]],PRIMEM["Greenwich",0,AUTHORITY["EPSG","8901"]],UNIT["degree",0.0174532925199433,AUTHORITY["EPSG","9122"]],AXIS["Latitude",NORTH],AXIS["Longitude",EAST],AUTHORITY["EPSG","4326"]]"#;

/// Human descriptions of the layers, written to `gpkg_contents`.
pub(crate) fn describe(layer: Layer) -> &'static str {
    match layer {
        Layer::Sites => {
            "Public access places: Wi-Fi points, libraries, KAC client service points, centres"
        }
        Layer::Areas => "The municipality and its parishes, with ATVK codes and population",
        Layer::Coverage => "Provider coverage areas by technology, with max down/up Mbit/s",
        Layer::Demand => "Where people live: address points or grid-cell centres with residents",
        Layer::PriorityZones => "Territories the municipality flags for priority",
        Layer::Plan => "The digital-inclusion action plan's targets",
        Layer::Settlements => "Towns, villages (ciemi) and named places, for search",
        Layer::Equipment => "Equipment per site, dated: access points, routers, backhaul lines",
        Layer::Visits => "Mobile-class visits: site, date, participants",
        Layer::Buildings => {
            "Municipal buildings: schools, culture houses, parish offices, libraries, centres"
        }
    }
}

/// The writer's SQLite page cache in MB: `GAPMAP_STORE_CACHE_MB`, default 256.
fn cache_mb() -> u64 {
    std::env::var("GAPMAP_STORE_CACHE_MB")
        .ok()
        .and_then(|v| v.parse().ok())
        .filter(|&v| v > 0)
        .unwrap_or(256)
}

/// A GeoPackage file holding every layer.
#[derive(Debug)]
pub struct GpkgStore {
    path: PathBuf,
    conn: Connection,
}

impl GpkgStore {
    /// Open a store, creating and initialising it if the file does not exist.
    pub fn open(path: &Path) -> Result<GpkgStore, StoreError> {
        let existed = path.exists();
        let conn = Connection::open(path).map_err(|e| sqlite(path, e))?;
        let mut store = GpkgStore {
            path: path.to_owned(),
            conn,
        };
        store.configure()?;
        if existed {
            store.check_is_gpkg()?;
        }
        store.init()?;
        Ok(store)
    }

    /// Open an existing store read-only (the server, `gapmap export`).
    pub fn open_read_only(path: &Path) -> Result<GpkgStore, StoreError> {
        let conn = Connection::open_with_flags(
            path,
            OpenFlags::SQLITE_OPEN_READ_ONLY | OpenFlags::SQLITE_OPEN_NO_MUTEX,
        )
        .map_err(|e| sqlite(path, e))?;
        let store = GpkgStore {
            path: path.to_owned(),
            conn,
        };
        store
            .conn
            .busy_timeout(std::time::Duration::from_secs(30))
            .map_err(|e| sqlite(path, e))?;
        store.check_is_gpkg()?;
        Ok(store)
    }

    pub fn path(&self) -> &Path {
        &self.path
    }

    fn configure(&mut self) -> Result<(), StoreError> {
        sql_functions::register(&self.conn).map_err(|e| sqlite(&self.path, e))?;
        crate::side_tables::configure(&self.conn, crate::write::BUSY_BOUND)
            .map_err(|e| sqlite(&self.path, e))?;
        // Rollback journal (not WAL): one self-contained file for QGIS users;
        // FULL sync so a committed ingest survives power loss.
        self.conn
            // A large page cache: when a big ingest overflows the default
            // 2 MB, SQLite spills dirty pages mid-transaction, each spill
            // syncing the journal; and statement journals (every insert that
            // fires the R-tree triggers) in memory, not in a temp file.
            .execute_batch(&format!(
                "PRAGMA journal_mode = DELETE; PRAGMA synchronous = FULL; PRAGMA foreign_keys = ON; PRAGMA cache_size = -{}; PRAGMA temp_store = MEMORY;",
                cache_mb() * 1024
            ))
            .map_err(|e| sqlite(&self.path, e))
    }

    fn check_is_gpkg(&self) -> Result<(), StoreError> {
        let app: i32 = self
            .conn
            .query_row("PRAGMA application_id", [], |r| r.get(0))
            .map_err(|e| sqlite(&self.path, e))?;
        if app != APPLICATION_ID && app != 0 {
            return Err(StoreError::Corrupt {
                path: self.path.clone(),
                message: format!("not a GeoPackage (application_id {app:#x})"),
            });
        }
        Ok(())
    }

    /// Whether people changed this store beyond ingests: accounts exist, or
    /// the audit log has edits (false for a store older than both tables).
    pub fn has_local_changes(&self) -> Result<bool, StoreError> {
        let has = |t: &str| -> Result<bool, StoreError> {
            Ok(!table_columns(&self.conn, t)
                .map_err(|e| sqlite(&self.path, e))?
                .is_empty())
        };
        if !has("gapmap_users")? || !has("gapmap_audit")? {
            return Ok(false);
        }
        self.conn
            .query_row(
                "SELECT EXISTS (SELECT 1 FROM gapmap_users) OR EXISTS (SELECT 1 FROM gapmap_audit WHERE action != 'ingest')",
                [],
                |r| r.get(0),
            )
            .map_err(|e| sqlite(&self.path, e))
    }

    /// `PRAGMA data_version`: changes when another connection commits.
    pub fn data_version(&self) -> Result<i64, StoreError> {
        self.conn
            .query_row("PRAGMA data_version", [], |r| r.get(0))
            .map_err(|e| sqlite(&self.path, e))
    }

    fn init(&mut self) -> Result<(), StoreError> {
        let path = self.path.clone();
        let turn = crate::write::turn(&path)?;
        let mut tx = crate::write::begin(&path, &mut self.conn, &turn)?;
        let has: bool = tx
            .query_row(
                "SELECT count(*) FROM sqlite_master WHERE name = 'gapmap_meta'",
                [],
                |r| r.get::<_, i64>(0),
            )
            .map_err(|e| sqlite(&path, e))?
            > 0;
        if !has {
            create_schema(&tx).map_err(|e| sqlite(&path, e))?;
        } else {
            upgrade_schema(&tx).map_err(|e| sqlite(&path, e))?;
        }
        crate::side_tables::ensure(&mut tx)?;
        tx.commit().map_err(|e| sqlite(&path, e))
    }

    /// Start a write transaction (one ingest, one edit): this process's
    /// turn and an IMMEDIATE transaction, within the bound of
    /// [`crate::write`].
    pub fn writer(&mut self) -> Result<Writer<'_>, StoreError> {
        let path = self.path.clone();
        let turn = crate::write::turn(&path)?;
        let tx = crate::write::begin(&path, &mut self.conn, &turn)?;
        Ok(Writer {
            tx,
            path,
            pause: PausePoints::from_env(),
            written: 0,
            _turn: turn,
        })
    }

    /// The ingest log, newest first.
    pub fn ingest_log(&self, limit: usize) -> Result<Vec<IngestLogEntry>, StoreError> {
        let mut st = self
            .conn
            .prepare("SELECT id, at, file, format, layer, mode, added, changed, unchanged, removed FROM gapmap_ingest_log ORDER BY id DESC LIMIT ?1")
            .map_err(|e| sqlite(&self.path, e))?;
        let rows = st
            .query_map([limit as i64], |r| {
                Ok(IngestLogEntry {
                    id: r.get(0)?,
                    at: r.get(1)?,
                    file: r.get(2)?,
                    format: r.get(3)?,
                    layer: r.get(4)?,
                    mode: r.get(5)?,
                    counts: Counts {
                        added: r.get::<_, i64>(6)? as u64,
                        changed: r.get::<_, i64>(7)? as u64,
                        unchanged: r.get::<_, i64>(8)? as u64,
                        removed: r.get::<_, i64>(9)? as u64,
                    },
                })
            })
            .map_err(|e| sqlite(&self.path, e))?;
        rows.collect::<Result<_, _>>()
            .map_err(|e| sqlite(&self.path, e))
    }

    /// The runs of `gapmap update`, newest first (all sources, or one).
    pub fn source_updates(
        &self,
        source: Option<&str>,
        limit: usize,
    ) -> Result<Vec<crate::side_tables::SourceUpdate>, StoreError> {
        crate::side_tables::source_updates(&mut &self.conn, source, limit)
    }

    /// The `(id, content hash)` pairs of a layer, ordered by id.
    pub fn feature_hashes(&self, layer: Layer) -> Result<Vec<(String, String)>, StoreError> {
        let mut st = self
            .conn
            .prepare("SELECT id, hash FROM gapmap_feature_state WHERE layer = ?1 ORDER BY id")
            .map_err(|e| sqlite(&self.path, e))?;
        let rows = st
            .query_map([layer.name()], |r| Ok((r.get(0)?, r.get(1)?)))
            .map_err(|e| sqlite(&self.path, e))?;
        rows.collect::<Result<_, _>>()
            .map_err(|e| sqlite(&self.path, e))
    }

    /// A meta value (`revision`, `store_id`, `dataset_hash`).
    pub fn meta(&self, key: &str) -> Result<Option<String>, StoreError> {
        self.conn
            .query_row("SELECT value FROM gapmap_meta WHERE key = ?1", [key], |r| {
                r.get(0)
            })
            .optional()
            .map_err(|e| sqlite(&self.path, e))
    }
}

/// One row of the audit table.
#[derive(Debug, Clone, serde::Serialize)]
pub struct IngestLogEntry {
    pub id: i64,
    pub at: String,
    pub file: String,
    pub format: String,
    pub layer: String,
    pub mode: String,
    pub counts: Counts,
}

/// A record's column values in the order of its layer's INSERT (geometry,
/// id, every field, extra) — an UPDATE adds the id after them.
fn row_values(layer: Layer, record: &Record, geom: Option<Vec<u8>>) -> Vec<rusqlite::types::Value> {
    let schema = LayerSchema::of(layer);
    let mut values: Vec<rusqlite::types::Value> = Vec::with_capacity(schema.fields.len() + 8);
    if schema.geometry != GeometryKind::None {
        values.push(
            geom.map(rusqlite::types::Value::Blob)
                .unwrap_or(rusqlite::types::Value::Null),
        );
    }
    values.push(rusqlite::types::Value::Text(record.id.clone()));
    for f in schema.all_fields() {
        values.push(to_sql(
            f.ty,
            record.props.get(f.name).unwrap_or(&Value::Null),
        ));
    }
    values.push(if record.extra.is_empty() {
        rusqlite::types::Value::Null
    } else {
        rusqlite::types::Value::Text(Value::Object(record.extra.clone()).to_string())
    });
    values
}

fn sqlite(path: &Path, source: rusqlite::Error) -> StoreError {
    StoreError::sqlite(path, source)
}

fn create_schema(tx: &Transaction) -> rusqlite::Result<()> {
    tx.execute_batch(&format!(
        "PRAGMA application_id = {APPLICATION_ID}; PRAGMA user_version = {USER_VERSION};"
    ))?;
    tx.execute_batch(
        "CREATE TABLE gpkg_spatial_ref_sys (srs_name TEXT NOT NULL, srs_id INTEGER PRIMARY KEY, organization TEXT NOT NULL, organization_coordsys_id INTEGER NOT NULL, definition TEXT NOT NULL, description TEXT);
         CREATE TABLE gpkg_contents (table_name TEXT NOT NULL PRIMARY KEY, data_type TEXT NOT NULL, identifier TEXT UNIQUE, description TEXT DEFAULT '', last_change DATETIME NOT NULL DEFAULT (strftime('%Y-%m-%dT%H:%M:%fZ','now')), min_x DOUBLE, min_y DOUBLE, max_x DOUBLE, max_y DOUBLE, srs_id INTEGER, CONSTRAINT fk_gc_r_srs_id FOREIGN KEY (srs_id) REFERENCES gpkg_spatial_ref_sys(srs_id));
         CREATE TABLE gpkg_geometry_columns (table_name TEXT NOT NULL, column_name TEXT NOT NULL, geometry_type_name TEXT NOT NULL, srs_id INTEGER NOT NULL, z TINYINT NOT NULL, m TINYINT NOT NULL, CONSTRAINT pk_geom_cols PRIMARY KEY (table_name, column_name), CONSTRAINT uk_gc_table_name UNIQUE (table_name), CONSTRAINT fk_gc_tn FOREIGN KEY (table_name) REFERENCES gpkg_contents(table_name), CONSTRAINT fk_gc_srs FOREIGN KEY (srs_id) REFERENCES gpkg_spatial_ref_sys (srs_id));
         CREATE TABLE gpkg_extensions (table_name TEXT, column_name TEXT, extension_name TEXT NOT NULL, definition TEXT NOT NULL, scope TEXT NOT NULL, CONSTRAINT ge_tce UNIQUE (table_name, column_name, extension_name));
         CREATE TABLE gapmap_meta (key TEXT PRIMARY KEY NOT NULL, value TEXT NOT NULL);
         CREATE TABLE gapmap_feature_state (layer TEXT NOT NULL, id TEXT NOT NULL, hash TEXT NOT NULL, PRIMARY KEY (layer, id)) WITHOUT ROWID;
         CREATE TABLE gapmap_ingest_log (id INTEGER PRIMARY KEY AUTOINCREMENT, at DATETIME NOT NULL, file TEXT NOT NULL, format TEXT NOT NULL, layer TEXT NOT NULL, mode TEXT NOT NULL, added INTEGER NOT NULL, changed INTEGER NOT NULL, unchanged INTEGER NOT NULL, removed INTEGER NOT NULL);",
    )?;
    tx.execute(
        "INSERT INTO gpkg_spatial_ref_sys VALUES ('Undefined cartesian SRS', -1, 'NONE', -1, 'undefined', 'undefined cartesian coordinate reference system'), ('Undefined geographic SRS', 0, 'NONE', 0, 'undefined', 'undefined geographic coordinate reference system'), ('WGS 84 geodetic', 4326, 'EPSG', 4326, ?1, 'longitude/latitude coordinates in decimal degrees on the WGS 84 spheroid')",
        [WGS84_WKT],
    )?;
    tx.execute(
        "INSERT INTO gpkg_contents (table_name, data_type, identifier, description) VALUES ('gapmap_ingest_log', 'attributes', 'gapmap_ingest_log', 'Audit log: one row per ingested file')",
        [],
    )?;
    let store_id: String = {
        let mut h = Sha256::new();
        h.update(format!("{:?}{:?}", std::time::SystemTime::now(), std::process::id()).as_bytes());
        h.finalize()
            .iter()
            .take(4)
            .map(|b| format!("{b:02x}"))
            .collect()
    };
    tx.execute(
        "INSERT INTO gapmap_meta VALUES ('store_id', ?1), ('revision', '0')",
        [store_id],
    )?;
    for layer in Layer::ALL {
        create_layer_table(tx, LayerSchema::of(layer))?;
    }
    Ok(())
}

/// Bring a store written by an earlier gapmap up to this schema: create the
/// tables of layers it lacks and add the columns of fields it lacks (empty).
/// Nothing is dropped or rewritten, so an older gapmap still reads the file.
fn upgrade_schema(tx: &Transaction) -> rusqlite::Result<()> {
    for layer in Layer::ALL {
        let schema = LayerSchema::of(layer);
        let have = table_columns(tx, layer.name())?;
        if have.is_empty() {
            create_layer_table(tx, schema)?;
            continue;
        }
        for f in schema.all_fields().filter(|f| !have.contains(f.name)) {
            tx.execute_batch(&format!(
                "ALTER TABLE \"{}\" ADD COLUMN \"{}\" {}",
                layer.name(),
                f.name,
                f.ty.sql_type()
            ))?;
        }
    }
    Ok(())
}

/// The column names of a table (empty when the table does not exist).
fn create_layer_table(tx: &Transaction, schema: &LayerSchema) -> rusqlite::Result<()> {
    let t = schema.layer.name();
    let mut cols = vec!["fid INTEGER PRIMARY KEY AUTOINCREMENT NOT NULL".to_owned()];
    if schema.geometry != GeometryKind::None {
        cols.push(format!("geom {}", schema.geometry.gpkg_name()));
    }
    cols.push("id TEXT NOT NULL UNIQUE".into());
    for f in schema.all_fields() {
        cols.push(format!("\"{}\" {}", f.name, f.ty.sql_type()));
    }
    cols.push("extra TEXT".into());
    tx.execute_batch(&format!("CREATE TABLE \"{t}\" ({})", cols.join(", ")))?;
    if schema.geometry == GeometryKind::None {
        tx.execute(
            "INSERT INTO gpkg_contents (table_name, data_type, identifier, description) VALUES (?1, 'attributes', ?1, ?2)",
            params![t, describe(schema.layer)],
        )?;
        return Ok(());
    }
    tx.execute(
        "INSERT INTO gpkg_contents (table_name, data_type, identifier, description, srs_id) VALUES (?1, 'features', ?1, ?2, 4326)",
        params![t, describe(schema.layer)],
    )?;
    tx.execute(
        "INSERT INTO gpkg_geometry_columns VALUES (?1, 'geom', ?2, 4326, 0, 0)",
        params![t, schema.geometry.gpkg_name()],
    )?;
    tx.execute(
        "INSERT INTO gpkg_extensions VALUES (?1, 'geom', 'gpkg_rtree_index', 'http://www.geopackage.org/spec120/#extension_rtree', 'write-only')",
        [t],
    )?;
    let r = format!("rtree_{t}_geom");
    let env = "NEW.fid, ST_MinX(NEW.geom), ST_MaxX(NEW.geom), ST_MinY(NEW.geom), ST_MaxY(NEW.geom)";
    let insert_trigger = insert_trigger_sql(t);
    tx.execute_batch(&format!(
        "CREATE VIRTUAL TABLE \"{r}\" USING rtree(id, minx, maxx, miny, maxy);
         {insert_trigger}
         CREATE TRIGGER \"{r}_update1\" AFTER UPDATE OF geom ON \"{t}\" WHEN OLD.fid = NEW.fid AND (NEW.geom NOTNULL AND NOT ST_IsEmpty(NEW.geom)) BEGIN INSERT OR REPLACE INTO \"{r}\" VALUES ({env}); END;
         CREATE TRIGGER \"{r}_update2\" AFTER UPDATE OF geom ON \"{t}\" WHEN OLD.fid = NEW.fid AND (NEW.geom ISNULL OR ST_IsEmpty(NEW.geom)) BEGIN DELETE FROM \"{r}\" WHERE id = OLD.fid; END;
         CREATE TRIGGER \"{r}_update3\" AFTER UPDATE ON \"{t}\" WHEN OLD.fid != NEW.fid AND (NEW.geom NOTNULL AND NOT ST_IsEmpty(NEW.geom)) BEGIN DELETE FROM \"{r}\" WHERE id = OLD.fid; INSERT OR REPLACE INTO \"{r}\" VALUES ({env}); END;
         CREATE TRIGGER \"{r}_update4\" AFTER UPDATE ON \"{t}\" WHEN OLD.fid != NEW.fid AND (NEW.geom ISNULL OR ST_IsEmpty(NEW.geom)) BEGIN DELETE FROM \"{r}\" WHERE id IN (OLD.fid, NEW.fid); END;
         CREATE TRIGGER \"{r}_delete\" AFTER DELETE ON \"{t}\" WHEN old.geom NOT NULL BEGIN DELETE FROM \"{r}\" WHERE id = OLD.fid; END;"
    ))
}

/// The R-tree insert trigger of the GeoPackage spec; dropped during a bulk
/// load into an empty table and recreated, with the index filled in one
/// statement, before the transaction ends (as GDAL does).
fn insert_trigger_sql(t: &str) -> String {
    let r = format!("rtree_{t}_geom");
    format!(
        "CREATE TRIGGER \"{r}_insert\" AFTER INSERT ON \"{t}\" WHEN (new.geom NOT NULL AND NOT ST_IsEmpty(NEW.geom)) BEGIN INSERT OR REPLACE INTO \"{r}\" VALUES (NEW.fid, ST_MinX(NEW.geom), ST_MaxX(NEW.geom), ST_MinY(NEW.geom), ST_MaxY(NEW.geom)); END;"
    )
}

/// Named points inside a write transaction where a test can pause the
/// process (env `GAPMAP_PAUSE_AT=after-delete|record:N|before-log|before-commit`),
/// print a marker to stderr and wait to be killed: the crash-safety test.
#[derive(Debug, Clone, Default)]
pub(crate) struct PausePoints(pub(crate) Option<String>);

impl PausePoints {
    pub(crate) fn from_env() -> PausePoints {
        PausePoints(
            std::env::var("GAPMAP_PAUSE_AT")
                .ok()
                .filter(|s| !s.is_empty()),
        )
    }
    pub(crate) fn check(&self, point: &str) {
        if self.0.as_deref() == Some(point) {
            eprintln!("gapmap: paused inside the write transaction at {point}");
            loop {
                std::thread::sleep(std::time::Duration::from_secs(3600));
            }
        }
    }
}

/// An open write transaction. Dropped without [`Writer::commit`], it rolls back.
#[derive(Debug)]
pub struct Writer<'c> {
    tx: Transaction<'c>,
    path: PathBuf,
    pause: PausePoints,
    written: u64,
    /// Released after the transaction ends (fields drop in order).
    _turn: crate::write::Turn,
}

impl Writer<'_> {
    fn err(&self, e: rusqlite::Error) -> StoreError {
        sqlite(&self.path, e)
    }

    pub fn begin_layer(&mut self, layer: Layer, mode: Mode) -> Result<LayerWrite, StoreError> {
        let t = layer.name();
        let n: i64 = self
            .tx
            .query_row(&format!("SELECT count(*) FROM \"{t}\""), [], |r| r.get(0))
            .map_err(|e| self.err(e))?;
        let schema = LayerSchema::of(layer);
        let mut names: Vec<String> = Vec::new();
        if schema.geometry != GeometryKind::None {
            names.push("geom".into());
        }
        names.push("id".into());
        names.extend(schema.all_fields().map(|f| format!("\"{}\"", f.name)));
        names.push("extra".into());
        let placeholders: Vec<String> = (1..=names.len()).map(|i| format!("?{i}")).collect();
        let insert_sql = format!(
            "INSERT INTO \"{t}\" ({}) VALUES ({})",
            names.join(", "),
            placeholders.join(", ")
        );
        let sets: Vec<String> = names
            .iter()
            .zip(&placeholders)
            .map(|(n, p)| format!("{n} = {p}"))
            .collect();
        let update_sql = format!(
            "UPDATE \"{t}\" SET {} WHERE id = ?{}",
            sets.join(", "),
            names.len() + 1
        );
        let bulk = n == 0 && schema.geometry != GeometryKind::None;
        if bulk {
            self.tx
                .execute_batch(&format!("DROP TRIGGER \"rtree_{t}_geom_insert\""))
                .map_err(|e| self.err(e))?;
        }
        Ok(LayerWrite {
            layer,
            mode,
            seen: HashSet::new(),
            was_empty: n == 0,
            bulk,
            insert_sql,
            update_sql,
            counts: Counts::default(),
        })
    }

    /// Insert or update one record; unchanged records are not rewritten. In
    /// merge mode the fields the record lacks come from the stored record.
    pub fn put(&mut self, lw: &mut LayerWrite, record: &Record) -> Result<(), StoreError> {
        debug_assert_eq!(record.layer, lw.layer);
        if lw.mode == Mode::Merge
            && !lw.was_empty
            && !record.absent.is_empty()
            && let Some(stored) = self.stored(lw.layer, &record.id)?
        {
            return self.put_record(lw, &merge(record, stored));
        }
        self.put_record(lw, record)
    }

    /// Write one record (a new row or changed fields) unless its content
    /// hash says it is unchanged, and count it.
    fn put_record(&mut self, lw: &mut LayerWrite, record: &Record) -> Result<(), StoreError> {
        let geom = record
            .geometry
            .as_ref()
            .map(encode_geometry)
            .transpose()
            .map_err(|m| StoreError::Corrupt {
                path: self.path.clone(),
                message: format!("{}: {m}", record.id),
            })?;
        let hash = content_hash(record, geom.as_deref());
        if lw.mode == Mode::Replace {
            lw.seen.insert(record.id.clone());
        }
        let t = lw.layer.name();
        let old: Option<String> = if lw.was_empty {
            None
        } else {
            self.stored_hash(t, &record.id)?
        };
        if old.as_deref() == Some(hash.as_str()) {
            lw.counts.unchanged += 1;
            return Ok(());
        }
        let new = old.is_none();
        let mut values = row_values(lw.layer, record, geom);
        let sql = if new {
            &lw.insert_sql
        } else {
            values.push(rusqlite::types::Value::Text(record.id.clone()));
            &lw.update_sql
        };
        self.tx
            .prepare_cached(sql)
            .and_then(|mut st| st.execute(rusqlite::params_from_iter(values)))
            .map_err(|e| self.err(e))?;
        // A plain INSERT for new rows needs no statement journal.
        let state_sql = if new {
            "INSERT INTO gapmap_feature_state (layer, id, hash) VALUES (?1, ?2, ?3)"
        } else {
            "UPDATE gapmap_feature_state SET hash = ?3 WHERE layer = ?1 AND id = ?2"
        };
        self.tx
            .prepare_cached(state_sql)
            .and_then(|mut st| st.execute(params![t, record.id, hash]))
            .map_err(|e| self.err(e))?;
        if new {
            lw.counts.added += 1
        } else {
            lw.counts.changed += 1
        }
        self.written += 1;
        if self.pause.0.is_some() {
            self.pause.check(&format!("record:{}", self.written));
        }
        Ok(())
    }

    /// The stored content hash of feature `id` of table `t` (a cached
    /// statement: every record of an ingest asks).
    fn stored_hash(&self, t: &str, id: &str) -> Result<Option<String>, StoreError> {
        self.tx
            .prepare_cached("SELECT hash FROM gapmap_feature_state WHERE layer = ?1 AND id = ?2")
            .and_then(|mut st| st.query_row(params![t, id], |r| r.get(0)).optional())
            .map_err(|e| self.err(e))
    }

    /// Delete feature `id` of table `t` and its content hash; how many rows
    /// of the layer went.
    fn remove(&self, t: &str, id: &str) -> Result<usize, StoreError> {
        let n = self
            .tx
            .execute(&format!("DELETE FROM \"{t}\" WHERE id = ?1"), [id])
            .map_err(|e| self.err(e))?;
        self.tx
            .execute(
                "DELETE FROM gapmap_feature_state WHERE layer = ?1 AND id = ?2",
                params![t, id],
            )
            .map_err(|e| self.err(e))?;
        Ok(n)
    }

    /// Finish a layer: in replace mode remove ids not seen; log the ingest.
    pub fn end_layer(
        &mut self,
        mut lw: LayerWrite,
        file: &str,
        format: &str,
    ) -> Result<Counts, StoreError> {
        let t = lw.layer.name();
        if lw.mode == Mode::Replace && !lw.was_empty {
            let ids: Vec<String> = {
                let mut st = self
                    .tx
                    .prepare(&format!("SELECT id FROM \"{t}\""))
                    .map_err(|e| self.err(e))?;
                let rows = st
                    .query_map([], |r| r.get::<_, String>(0))
                    .map_err(|e| self.err(e))?;
                rows.collect::<Result<_, _>>().map_err(|e| self.err(e))?
            };
            for id in ids.iter().filter(|id| !lw.seen.contains(*id)) {
                self.remove(t, id)?;
                lw.counts.removed += 1;
            }
            self.pause.check("after-delete");
        }
        if lw.bulk {
            // Fill the R-tree in one statement, then put the trigger back.
            self.tx
                .execute_batch(&format!(
                    "INSERT OR REPLACE INTO \"rtree_{t}_geom\" SELECT fid, ST_MinX(geom), ST_MaxX(geom), ST_MinY(geom), ST_MaxY(geom) FROM \"{t}\" WHERE geom NOT NULL AND NOT ST_IsEmpty(geom); {}",
                    insert_trigger_sql(t)
                ))
                .map_err(|e| self.err(e))?;
            lw.bulk = false;
        }
        self.pause.check("before-log");
        let mode = lw.mode.name();
        let c = lw.counts;
        self.tx
            .execute(
                "INSERT INTO gapmap_ingest_log (at, file, format, layer, mode, added, changed, unchanged, removed) VALUES (strftime('%Y-%m-%dT%H:%M:%fZ','now'), ?1, ?2, ?3, ?4, ?5, ?6, ?7, ?8)",
                params![file, format, t, mode, c.added as i64, c.changed as i64, c.unchanged as i64, c.removed as i64],
            )
            .map_err(|e| self.err(e))?;
        if c.added + c.changed + c.removed > 0 {
            self.refresh_extent(lw.layer)?;
            // Per-layer revisions let the snapshot recompute incrementally.
            self.tx
                .execute(
                    "INSERT INTO gapmap_meta (key, value) VALUES (?1, '1') ON CONFLICT(key) DO UPDATE SET value = CAST(value AS INTEGER) + 1",
                    [format!("layer_rev:{t}")],
                )
                .map_err(|e| self.err(e))?;
        }
        Ok(c)
    }

    fn refresh_extent(&mut self, layer: Layer) -> Result<(), StoreError> {
        let t = layer.name();
        if LayerSchema::of(layer).geometry == GeometryKind::None {
            self.tx
                .execute("UPDATE gpkg_contents SET last_change = strftime('%Y-%m-%dT%H:%M:%fZ','now') WHERE table_name = ?1", [t])
                .map_err(|e| self.err(e))?;
            return Ok(());
        }
        self.tx
            .execute(
                &format!("UPDATE gpkg_contents SET last_change = strftime('%Y-%m-%dT%H:%M:%fZ','now'), min_x = (SELECT min(minx) FROM \"rtree_{t}_geom\"), min_y = (SELECT min(miny) FROM \"rtree_{t}_geom\"), max_x = (SELECT max(maxx) FROM \"rtree_{t}_geom\"), max_y = (SELECT max(maxy) FROM \"rtree_{t}_geom\") WHERE table_name = ?1"),
                [t],
            )
            .map_err(|e| self.err(e))?;
        Ok(())
    }

    /// Commit: bump the revision so snapshots and caches see a new version.
    pub fn commit(self, changed: bool) -> Result<(), StoreError> {
        let path = self.path.clone();
        if changed {
            self.tx
                .execute("UPDATE gapmap_meta SET value = CAST(value AS INTEGER) + 1 WHERE key = 'revision'", [])
                .map_err(|e| sqlite(&path, e))?;
        }
        self.pause.check("before-commit");
        self.tx.commit().map_err(|e| sqlite(&path, e))
    }

    /// Every record of a layer as this transaction sees it, ordered by id.
    pub fn read_layer(&self, layer: Layer) -> Result<Vec<Record>, StoreError> {
        let mut out = Vec::new();
        read_records(&self.tx, &self.path, layer, Rows::All, &mut |r| {
            out.push(r);
            true
        })?;
        Ok(out)
    }

    /// The stored record of a layer with this id, as this transaction sees it.
    pub fn stored(&self, layer: Layer, id: &str) -> Result<Option<Record>, StoreError> {
        let mut out = None;
        read_records(&self.tx, &self.path, layer, Rows::Id(id), &mut |r| {
            out = Some(r);
            false
        })?;
        Ok(out)
    }

    /// The content hash of a stored feature (its ETag), as this transaction sees it.
    pub fn feature_hash(&self, layer: Layer, id: &str) -> Result<Option<String>, StoreError> {
        self.tx
            .query_row(
                "SELECT hash FROM gapmap_feature_state WHERE layer = ?1 AND id = ?2",
                params![layer.name(), id],
                |r| r.get(0),
            )
            .optional()
            .map_err(|e| self.err(e))
    }

    /// The store revision as this transaction sees it (a commit that
    /// changes something makes it one more).
    pub fn revision(&self) -> Result<i64, StoreError> {
        let v: Option<String> = self
            .tx
            .query_row(
                "SELECT value FROM gapmap_meta WHERE key = 'revision'",
                [],
                |r| r.get(0),
            )
            .optional()
            .map_err(|e| self.err(e))?;
        Ok(v.and_then(|v| v.parse().ok()).unwrap_or(0))
    }

    /// Remove one feature (an edit that withdraws it; counted as removed).
    pub fn delete(&mut self, lw: &mut LayerWrite, id: &str) -> Result<bool, StoreError> {
        let n = self.remove(lw.layer.name(), id)?;
        lw.counts.removed += n as u64;
        Ok(n > 0)
    }

    /// The id of the newest ingest-log row (the file just ended).
    pub fn last_ingest_id(&self) -> Result<Option<i64>, StoreError> {
        self.tx
            .query_row("SELECT max(id) FROM gapmap_ingest_log", [], |r| r.get(0))
            .map_err(|e| self.err(e))
    }

    /// The parish a record belongs to, for the audit: its own `parish_id`, or
    /// that of the site it names (`site_id`: equipment, visits).
    pub fn parish_of(&self, r: &Record) -> Option<String> {
        if let Some(p) = r.string("parish_id") {
            return Some(p);
        }
        let site = r.str("site_id")?;
        self.stored(Layer::Sites, site)
            .ok()
            .flatten()
            .and_then(|s| s.string("parish_id"))
    }

    /// Append an audit row inside this transaction, at the revision the
    /// commit will make.
    pub fn audit(&mut self, entry: &crate::audit::Entry) -> Result<(), StoreError> {
        let revision = self.revision()? + 1;
        crate::audit::append(&mut self.tx, revision, entry)
    }

    /// The ids of a layer as this transaction sees them.
    pub fn ids(&self, layer: Layer) -> Result<HashSet<String>, StoreError> {
        let mut st = self
            .tx
            .prepare(&format!("SELECT id FROM \"{}\"", layer.name()))
            .map_err(|e| self.err(e))?;
        let rows = st
            .query_map([], |r| r.get::<_, String>(0))
            .map_err(|e| self.err(e))?;
        rows.collect::<Result<_, _>>().map_err(|e| self.err(e))
    }

    /// The ids of a layer whose text column `column` equals `value`, as
    /// this transaction sees them (what one source of `gapmap update`
    /// gave last time: `origin = address_register`, `source_ref = …`).
    pub fn ids_where(
        &self,
        layer: Layer,
        column: &str,
        value: &str,
    ) -> Result<HashSet<String>, StoreError> {
        if LayerSchema::of(layer).field(column).is_none() {
            return Ok(HashSet::new());
        }
        let mut st = self
            .tx
            .prepare(&format!(
                "SELECT id FROM \"{}\" WHERE \"{column}\" = ?1",
                layer.name()
            ))
            .map_err(|e| self.err(e))?;
        let rows = st
            .query_map([value], |r| r.get::<_, String>(0))
            .map_err(|e| self.err(e))?;
        rows.collect::<Result<_, _>>().map_err(|e| self.err(e))
    }

    /// Record one run of `gapmap update` for a source (its side table,
    /// [`crate::side_tables::SourceUpdate`]) inside this transaction.
    pub fn record_source_update(
        &mut self,
        u: &crate::side_tables::SourceUpdate,
    ) -> Result<(), StoreError> {
        crate::side_tables::insert_source_update(&mut self.tx, u)
    }

    /// This transaction as the SQL layer's [`crate::sql::Sql`] (side tables
    /// written in the same transaction as the layers).
    pub fn sql(&mut self) -> &mut dyn crate::sql::Sql {
        &mut self.tx
    }

    /// Set a meta value inside this transaction.
    pub fn set_meta(&mut self, key: &str, value: &str) -> Result<(), StoreError> {
        self.tx
            .execute(
                "INSERT OR REPLACE INTO gapmap_meta (key, value) VALUES (?1, ?2)",
                [key, value],
            )
            .map_err(|e| self.err(e))?;
        Ok(())
    }
}

/// A record whose absent fields are taken from the stored one (extra
/// properties the new record lacks are kept too). Provenance is one unit:
/// a record that gives its own source takes no licence or note from the
/// stored one, which described other facts.
pub(crate) fn merge(record: &Record, mut stored: Record) -> Record {
    let mut out = record.clone();
    let own_source = !record.absent.contains(&"source");
    for name in &record.absent {
        if own_source && matches!(*name, "licence" | "source_note") {
            continue;
        }
        if let Some(v) = stored.props.remove(*name) {
            out.props.insert((*name).to_owned(), v);
        }
    }
    for (k, v) in stored.extra {
        out.extra.entry(k).or_insert(v);
    }
    out.absent.clear();
    out
}

fn to_sql(ty: FieldType, v: &Value) -> rusqlite::types::Value {
    use rusqlite::types::Value as S;
    match (ty, v) {
        (_, Value::Null) => S::Null,
        (FieldType::Bool, Value::Bool(b)) => S::Integer(i64::from(*b)),
        (FieldType::Count | FieldType::Year, Value::Number(n)) => {
            n.as_i64().map(S::Integer).unwrap_or(S::Null)
        }
        (FieldType::NonNegative, Value::Number(n)) => n.as_f64().map(S::Real).unwrap_or(S::Null),
        (FieldType::TextList, v) => S::Text(v.to_string()),
        (_, Value::String(s)) => S::Text(s.clone()),
        (_, other) => S::Text(other.to_string()),
    }
}

fn from_sql(ty: FieldType, v: rusqlite::types::ValueRef) -> Value {
    use rusqlite::types::ValueRef as S;
    match (ty, v) {
        (_, S::Null) => Value::Null,
        (FieldType::Bool, S::Integer(i)) => Value::Bool(i != 0),
        (FieldType::Count | FieldType::Year, S::Integer(i)) => Value::from(i),
        (FieldType::NonNegative, S::Real(f)) => serde_json::Number::from_f64(f)
            .map(Value::Number)
            .unwrap_or(Value::Null),
        (FieldType::NonNegative, S::Integer(i)) => Value::from(i as f64),
        (FieldType::TextList, S::Text(t)) => {
            serde_json::from_slice(t).unwrap_or(Value::Array(vec![]))
        }
        // Valid UTF-8 (what the store writes) is copied after the fast
        // check; anything else is repaired, never dropped.
        (_, S::Text(t)) => Value::String(match std::str::from_utf8(t) {
            Ok(text) => text.to_owned(),
            Err(_) => String::from_utf8_lossy(t).into_owned(),
        }),
        (_, S::Integer(i)) => Value::from(i),
        (_, S::Real(f)) => serde_json::Number::from_f64(f)
            .map(Value::Number)
            .unwrap_or(Value::Null),
        (_, S::Blob(_)) => Value::Null,
    }
}

pub(crate) fn content_hash(r: &Record, geom: Option<&[u8]>) -> String {
    use std::io::Write as _;
    let mut h = Sha256::new();
    // Serialised straight into the hasher: no clone, no intermediate string.
    let _ = serde_json::to_writer(&mut h, &r.props);
    let _ = h.write_all(b"\x00");
    let _ = serde_json::to_writer(&mut h, &r.extra);
    if let Some(g) = geom {
        h.update(g);
    }
    const HEX: &[u8; 16] = b"0123456789abcdef";
    h.finalize()
        .iter()
        .take(12)
        .flat_map(|b| {
            [
                HEX[(b >> 4) as usize] as char,
                HEX[(b & 15) as usize] as char,
            ]
        })
        .collect()
}

/// Which rows of a layer [`read_records`] reads.
#[derive(Debug, Clone, Copy)]
enum Rows<'a> {
    /// Every row, ordered by id.
    All,
    /// The row with this id.
    Id(&'a str),
    /// The row with this fid (the typed reader's fallback).
    Fid(i64),
}

/// Hand the records of a layer (all, ordered by id, or one) to `visit`;
/// `visit` returns false to stop.
fn read_records(
    conn: &Connection,
    path: &Path,
    layer: Layer,
    rows: Rows,
    visit: &mut dyn FnMut(Record) -> bool,
) -> Result<(), StoreError> {
    let schema = LayerSchema::of(layer);
    let has_geom = schema.geometry != GeometryKind::None;
    let fields: Vec<_> = schema.all_fields().collect();
    // A store written by an earlier gapmap (opened read-only, so not
    // upgraded) may lack a layer or a field: read those as empty.
    let have = table_columns(conn, layer.name()).map_err(|e| sqlite(path, e))?;
    if have.is_empty() {
        return Ok(());
    }
    let cols: Vec<String> = fields
        .iter()
        .map(|f| {
            if have.contains(f.name) {
                format!("\"{}\"", f.name)
            } else {
                "NULL".to_owned()
            }
        })
        .collect();
    let sql = format!(
        "SELECT id, {}, extra{} FROM \"{}\" {} ORDER BY id",
        cols.join(", "),
        if has_geom { ", geom" } else { "" },
        layer.name(),
        match rows {
            Rows::All => "",
            Rows::Id(_) => "WHERE id = ?1",
            Rows::Fid(_) => "WHERE fid = ?1",
        }
    );
    let mut st = conn.prepare(&sql).map_err(|e| sqlite(path, e))?;
    let mut rows = match rows {
        Rows::All => st.query([]),
        Rows::Id(id) => st.query([id]),
        Rows::Fid(fid) => st.query([fid]),
    }
    .map_err(|e| sqlite(path, e))?;
    while let Some(row) = rows.next().map_err(|e| sqlite(path, e))? {
        let id: String = row.get(0).map_err(|e| sqlite(path, e))?;
        let mut props = Map::with_capacity(fields.len());
        for (i, f) in fields.iter().enumerate() {
            let v = row.get_ref(i + 1).map_err(|e| sqlite(path, e))?;
            props.insert(f.name.to_owned(), from_sql(f.ty, v));
        }
        let extra_text: Option<String> = row.get(fields.len() + 1).map_err(|e| sqlite(path, e))?;
        let extra = extra_text
            .and_then(|t| serde_json::from_str::<Map<String, Value>>(&t).ok())
            .unwrap_or_default();
        let geometry = if has_geom {
            let blob: Option<Vec<u8>> = row.get(fields.len() + 2).map_err(|e| sqlite(path, e))?;
            match blob {
                Some(b) => Some(decode_geometry(&b).map_err(|m| StoreError::Corrupt {
                    path: path.to_owned(),
                    message: format!("{layer} `{id}`: bad geometry: {m}"),
                })?),
                None => None,
            }
        } else {
            None
        };
        if !visit(Record {
            layer,
            id,
            geometry,
            props,
            extra,
            absent: Vec::new(),
        }) {
            break;
        }
    }
    Ok(())
}

impl GpkgStore {
    /// The record of `layer` in the row with this `fid`, as the generic
    /// reader reads it.
    fn record_at(&self, layer: Layer, fid: i64) -> Result<Option<Record>, StoreError> {
        let mut out = None;
        read_records(&self.conn, &self.path, layer, Rows::Fid(fid), &mut |r| {
            out = Some(r);
            false
        })?;
        Ok(out)
    }
}

impl FeatureStore for GpkgStore {
    fn for_each_record(
        &self,
        layer: Layer,
        visit: &mut dyn FnMut(Record) -> bool,
    ) -> Result<(), StoreError> {
        read_records(&self.conn, &self.path, layer, Rows::All, visit)
    }

    fn read_demand(&self) -> Result<Vec<gapmap_model::DemandPoint>, StoreError> {
        crate::typed::demand(&self.conn, &self.path, &|fid| {
            self.record_at(Layer::Demand, fid)
        })
    }

    fn read_coverage(&self) -> Result<Vec<gapmap_model::CoverageArea>, StoreError> {
        crate::typed::coverage(&self.conn, &self.path, &|fid| {
            self.record_at(Layer::Coverage, fid)
        })
    }

    fn layer_revisions(&self) -> Result<std::collections::BTreeMap<Layer, u64>, StoreError> {
        let mut out = std::collections::BTreeMap::new();
        for layer in Layer::ALL {
            let v = self.meta(&format!("layer_rev:{}", layer.name()))?;
            out.insert(layer, v.and_then(|v| v.parse().ok()).unwrap_or(0));
        }
        Ok(out)
    }

    fn version(&self) -> Result<String, StoreError> {
        let store_id = self.meta("store_id")?.unwrap_or_default();
        let revision = self.meta("revision")?.unwrap_or_default();
        Ok(format!("{store_id}-r{revision}"))
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    /// A store from before `wifi_hours` and the `plan` table existed: read
    /// as it is, and upgraded (not rewritten) when opened for writing.
    #[test]
    fn stores_of_an_earlier_schema_are_read_and_upgraded() {
        let dir = tempfile::tempdir().unwrap();
        let path = dir.path().join("old.gpkg");
        drop(GpkgStore::open(&path).unwrap());
        {
            let c = Connection::open(&path).unwrap();
            sql_functions::register(&c).unwrap();
            c.execute_batch(
                "INSERT INTO sites (id, kind, name, wifi_hours, source, source_ref, as_of) VALUES ('s1', 'library', 'L', '24/7', 'official', 'x', '2026-01-01');
                 ALTER TABLE sites DROP COLUMN wifi_hours; DROP TABLE plan; DELETE FROM gpkg_contents WHERE table_name = 'plan';",
            )
            .unwrap();
        }
        let ro = GpkgStore::open_read_only(&path).unwrap();
        assert!(ro.read_layer(Layer::Plan).unwrap().is_empty());
        let sites = ro.read_layer(Layer::Sites).unwrap();
        assert_eq!(sites.len(), 1);
        assert_eq!(sites[0].str("name"), Some("L"));
        assert_eq!(sites[0].props.get("wifi_hours"), Some(&Value::Null));
        drop(ro);
        let rw = GpkgStore::open(&path).unwrap();
        assert!(
            table_columns(&rw.conn, "sites")
                .unwrap()
                .contains("wifi_hours")
        );
        assert!(!table_columns(&rw.conn, "plan").unwrap().is_empty());
    }
}
