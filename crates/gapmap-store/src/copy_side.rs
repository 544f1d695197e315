//! The tables beside the layers, for `gapmap store copy`: accounts and API
//! tokens, the audit log, resident reports and their contacts, the
//! revisions' gap figures, the ingest log and the source-update log — row
//! for row, ids kept, inside the copy's one transaction. Sessions and the
//! throttles' counters are not copied: they are short-lived, and a moved
//! store starts with everyone signed out and no one slowed.

use crate::StoreError;
use crate::sql::{Dialect, Sql, Val};

/// The tables copied, parents first, each with the column it is ordered by
/// and whether that column is an identity whose sequence must move past
/// the copied ids (PostgreSQL).
const TABLES: &[(&str, &str, bool)] = &[
    ("gapmap_users", "id", true),
    ("gapmap_tokens", "id", true),
    ("gapmap_audit", "id", true),
    ("gapmap_reports", "reference", false),
    ("gapmap_report_contacts", "reference", false),
    ("gapmap_revision_stats", "revision", false),
    ("gapmap_ingest_log", "id", true),
    ("gapmap_source_updates", "id", true),
];

/// One side table as read: its name, its columns, its rows.
#[derive(Debug)]
struct Table {
    name: &'static str,
    columns: Vec<String>,
    rows: Vec<Vec<Val>>,
}

/// The rows of every side table of a store, as read.
#[derive(Debug, Default)]
pub struct SideRows {
    tables: Vec<Table>,
}

impl SideRows {
    /// Rows per table, for the copy's report.
    pub fn counts(&self) -> Vec<(&'static str, usize)> {
        self.tables.iter().map(|t| (t.name, t.rows.len())).collect()
    }
}

/// The column names of a table (none when it does not exist).
fn columns(s: &mut dyn Sql, table: &str) -> Result<Vec<String>, StoreError> {
    let sql = match s.dialect() {
        Dialect::Sqlite => "SELECT name FROM pragma_table_info(?1) ORDER BY cid",
        Dialect::Postgres => {
            "SELECT column_name::text FROM information_schema.columns WHERE table_schema = current_schema() AND table_name = ?1 ORDER BY ordinal_position"
        }
    };
    s.rows(sql, &[Val::Text(table.to_owned())])?
        .iter()
        .map(|r| r.get::<String>(0))
        .collect()
}

/// Read every side table of the source.
pub fn read(s: &mut dyn Sql) -> Result<SideRows, StoreError> {
    let mut out = SideRows::default();
    for &(table, key, _) in TABLES {
        let cols = columns(s, table)?;
        if cols.is_empty() {
            continue;
        }
        let list = quoted(&cols);
        let rows = s.rows(&format!("SELECT {list} FROM {table} ORDER BY {key}"), &[])?;
        out.tables.push(Table {
            name: table,
            columns: cols,
            rows: rows.into_iter().map(|r| r.0).collect(),
        });
    }
    Ok(out)
}

/// Whether the target already holds any of the copied side state (a copy
/// never mixes two stores' accounts or audit logs).
pub fn any_in(s: &mut dyn Sql) -> Result<Option<&'static str>, StoreError> {
    for &(table, _, _) in TABLES {
        if columns(s, table)?.is_empty() {
            continue;
        }
        if !s
            .rows(&format!("SELECT 1 FROM {table} LIMIT 1"), &[])?
            .is_empty()
        {
            return Ok(Some(table));
        }
    }
    Ok(None)
}

/// Write the rows into the target, in the caller's transaction, with the
/// columns both stores have; then move PostgreSQL's identities past them.
pub fn write(s: &mut dyn Sql, rows: &SideRows) -> Result<(), StoreError> {
    for Table {
        name: table,
        columns: cols,
        rows: data,
    } in &rows.tables
    {
        let have = columns(s, table)?;
        let keep: Vec<usize> = (0..cols.len())
            .filter(|&i| have.contains(&cols[i]))
            .collect();
        let names: Vec<String> = keep.iter().map(|&i| cols[i].clone()).collect();
        let marks: Vec<String> = (1..=keep.len()).map(|i| format!("?{i}")).collect();
        let sql = format!(
            "INSERT INTO {table} ({}) VALUES ({})",
            quoted(&names),
            marks.join(", ")
        );
        for row in data {
            let vals: Vec<Val> = keep.iter().map(|&i| row[i].clone()).collect();
            s.exec(&sql, &vals)?;
        }
    }
    if s.dialect() == Dialect::Postgres {
        for &(table, key, identity) in TABLES {
            if identity && !columns(s, table)?.is_empty() {
                s.rows(
                    &format!("SELECT setval(pg_get_serial_sequence('{table}', '{key}'), coalesce(max({key}), 0) + 1, false) FROM {table}"),
                    &[],
                )?;
            }
        }
    }
    Ok(())
}

fn quoted(cols: &[String]) -> String {
    cols.iter()
        .map(|c| format!("\"{c}\""))
        .collect::<Vec<_>>()
        .join(", ")
}
