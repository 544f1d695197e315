//! Versioned migrations of the PostGIS store. Every start runs the pending
//! ones in ONE transaction under an advisory lock (two servers starting at
//! once do not both migrate): all apply, with their rows in
//! `gapmap_migrations`, or — one failing half-way — none does (PostgreSQL's
//! DDL is transactional). After them, in the same transaction, layer
//! tables gain the columns of fields this gapmap knows and the store lacks
//! (as the GeoPackage store's upgrade does: nothing dropped or rewritten).

use super::values::{column_type, geometry_type};
use gapmap_model::Layer;
use gapmap_model::schema::{GeometryKind, LayerSchema};
use postgres::Transaction;

/// One step of the schema.
#[derive(Debug, Clone, Copy)]
pub struct Migration {
    pub version: i64,
    pub name: &'static str,
    pub apply: fn(&mut Transaction) -> Result<(), postgres::Error>,
}

/// The schema of this gapmap, oldest first.
pub const MIGRATIONS: &[Migration] = &[
    Migration {
        version: 1,
        name: "layers, revision, ingest log",
        apply: layers_and_revision,
    },
    Migration {
        version: 2,
        name: "audit log (append-only), source updates",
        apply: audit_log,
    },
    Migration {
        version: 3,
        name: "accounts, sessions, tokens, reports, revision figures, throttles",
        apply: side_tables,
    },
];

/// Why migrating failed.
#[derive(Debug, thiserror::Error)]
pub enum MigrateError {
    #[error("migration {version} ({name}) failed, nothing was applied: {source}")]
    Step {
        version: i64,
        name: &'static str,
        source: postgres::Error,
    },
    #[error(
        "the store was migrated by a newer gapmap (schema {found}, this gapmap knows up to {known}); upgrade gapmap"
    )]
    Newer { found: i64, known: i64 },
    #[error(transparent)]
    Postgres(#[from] postgres::Error),
}

/// Apply the pending migrations of `list` in one transaction; returns the
/// versions applied (empty when the store was current).
pub fn migrate(
    client: &mut postgres::Client,
    list: &[Migration],
) -> Result<Vec<i64>, MigrateError> {
    let mut tx = client.transaction()?;
    tx.batch_execute(
        "SELECT pg_advisory_xact_lock(7407761001);
         CREATE TABLE IF NOT EXISTS gapmap_migrations (version BIGINT PRIMARY KEY, name TEXT NOT NULL, applied_at TEXT NOT NULL)",
    )?;
    let found: i64 = tx
        .query_one(
            "SELECT coalesce(max(version), 0) FROM gapmap_migrations",
            &[],
        )?
        .get(0);
    let known = list.iter().map(|m| m.version).max().unwrap_or(0);
    if found > known {
        return Err(MigrateError::Newer { found, known });
    }
    let mut applied = Vec::new();
    for m in list.iter().filter(|m| m.version > found) {
        (m.apply)(&mut tx).map_err(|source| MigrateError::Step {
            version: m.version,
            name: m.name,
            source,
        })?;
        tx.execute(
            "INSERT INTO gapmap_migrations (version, name, applied_at) VALUES ($1, $2, $3)",
            &[&m.version, &m.name, &super::values::now()],
        )?;
        applied.push(m.version);
    }
    add_missing_columns(&mut tx)?;
    tx.commit()?;
    Ok(applied)
}

/// Whether the store has every migration this gapmap knows (a read-only
/// server does not migrate; it asks).
pub fn is_current(client: &mut postgres::Client) -> Result<bool, postgres::Error> {
    let has: bool = client
        .query_one("SELECT to_regclass('gapmap_migrations') IS NOT NULL", &[])?
        .get(0);
    if !has {
        return Ok(false);
    }
    let found: i64 = client
        .query_one(
            "SELECT coalesce(max(version), 0) FROM gapmap_migrations",
            &[],
        )?
        .get(0);
    Ok(found >= MIGRATIONS.iter().map(|m| m.version).max().unwrap_or(0))
}

fn layers_and_revision(tx: &mut Transaction) -> Result<(), postgres::Error> {
    tx.batch_execute(
        "SET LOCAL client_min_messages = warning;
         CREATE EXTENSION IF NOT EXISTS postgis;
         CREATE TABLE gapmap_meta (key TEXT PRIMARY KEY, value TEXT NOT NULL);
         CREATE TABLE gapmap_feature_state (layer TEXT NOT NULL, id TEXT NOT NULL, hash TEXT NOT NULL, PRIMARY KEY (layer, id));
         CREATE TABLE gapmap_ingest_log (id BIGSERIAL PRIMARY KEY, at TEXT NOT NULL, file TEXT NOT NULL, format TEXT NOT NULL, layer TEXT NOT NULL, mode TEXT NOT NULL, added BIGINT NOT NULL, changed BIGINT NOT NULL, unchanged BIGINT NOT NULL, removed BIGINT NOT NULL);
         INSERT INTO gapmap_meta VALUES ('revision', '0'), ('store_id', substr(md5(random()::text || clock_timestamp()::text), 1, 8));",
    )?;
    for layer in Layer::ALL {
        create_layer_table(tx, LayerSchema::of(layer))?;
    }
    Ok(())
}

fn create_layer_table(tx: &mut Transaction, schema: &LayerSchema) -> Result<(), postgres::Error> {
    let t = schema.layer.name();
    let mut cols = vec!["fid BIGSERIAL PRIMARY KEY".to_owned()];
    if let Some(g) = geometry_type(schema.geometry) {
        cols.push(format!("geom {g}"));
    }
    cols.push("id TEXT NOT NULL UNIQUE".into());
    for f in schema.all_fields() {
        cols.push(format!("\"{}\" {}", f.name, column_type(f.ty)));
    }
    cols.push("extra TEXT".into());
    let comment = crate::gpkg::describe(schema.layer).replace('\'', "''");
    let mut sql = format!(
        "CREATE TABLE \"{t}\" ({}); COMMENT ON TABLE \"{t}\" IS '{comment}';",
        cols.join(", ")
    );
    if schema.geometry != GeometryKind::None {
        sql.push_str(&format!(
            "CREATE INDEX \"{t}_geom_idx\" ON \"{t}\" USING GIST (geom);"
        ));
    }
    tx.batch_execute(&sql)
}

fn add_missing_columns(tx: &mut Transaction) -> Result<(), postgres::Error> {
    for layer in Layer::ALL {
        let schema = LayerSchema::of(layer);
        let have: std::collections::HashSet<String> = tx
            .query(
                "SELECT column_name::text FROM information_schema.columns WHERE table_schema = current_schema() AND table_name = $1",
                &[&layer.name()],
            )?
            .iter()
            .map(|r| r.get(0))
            .collect();
        if have.is_empty() {
            create_layer_table(tx, schema)?;
            continue;
        }
        for f in schema.all_fields().filter(|f| !have.contains(f.name)) {
            tx.batch_execute(&format!(
                "ALTER TABLE \"{}\" ADD COLUMN \"{}\" {}",
                layer.name(),
                f.name,
                column_type(f.ty)
            ))?;
        }
    }
    Ok(())
}

/// The side tables as the GeoPackage has them (`crate::side_tables::ensure`;
/// what migration 2 made already stays as it is).
fn side_tables(tx: &mut Transaction) -> Result<(), postgres::Error> {
    crate::side_tables_pg::DDL
        .iter()
        .try_for_each(|ddl| tx.batch_execute(ddl))
}

fn audit_log(tx: &mut Transaction) -> Result<(), postgres::Error> {
    tx.batch_execute(crate::side_tables_pg::AUDIT)?;
    tx.batch_execute(crate::side_tables_pg::SOURCE_UPDATES)
}
