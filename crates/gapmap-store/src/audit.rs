//! The audit log: append-only (the store refuses to update or delete a row),
//! one row per change of a feature — who, when, which store revision, each
//! field before and after, why, and which report or ingest it came from —
//! and one row per ingested file. Read by the audit API, the "what changed"
//! pages and the changes API.

use crate::StoreError;
use crate::sql::val::vals;
use crate::sql::{Db, Sql};
use chrono::{DateTime, Utc};
use serde::Serialize;
use serde_json::{Map, Value, json};

/// What happened.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize)]
#[serde(rename_all = "lowercase")]
pub enum Action {
    /// A feature was added.
    Create,
    /// Fields of a feature changed.
    Update,
    /// A site left service (`status: retired`) or equipment was retired.
    Retire,
    /// A feature was removed (replace-mode ingests, withdrawn visits).
    Delete,
    /// A whole file was ingested (counts in `changes`).
    Ingest,
    /// A resident report was accepted, rejected or marked fixed.
    Review,
    /// A resident report was received (its reference; never its contact).
    Report,
}

impl Action {
    pub fn as_str(self) -> &'static str {
        match self {
            Action::Create => "create",
            Action::Update => "update",
            Action::Retire => "retire",
            Action::Delete => "delete",
            Action::Ingest => "ingest",
            Action::Review => "review",
            Action::Report => "report",
        }
    }
}

/// Who acted and why, for every row one change writes.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct Context {
    /// A user name, `cli:<login>` for the command line.
    pub actor: String,
    /// Why (required for edits; ingests default to the file name).
    pub reason: String,
    /// The resident report the change answers, if any.
    pub report_ref: Option<String>,
}

/// One row to append.
#[derive(Debug, Clone, PartialEq)]
pub struct Entry<'a> {
    pub ctx: &'a Context,
    pub action: Action,
    pub layer: Option<&'a str>,
    pub feature_id: Option<&'a str>,
    pub parish_id: Option<&'a str>,
    /// `{field: [before, after]}` for features; counts for ingests.
    pub changes: Value,
    pub ingest_id: Option<i64>,
}

/// Append a row inside the caller's transaction, at `revision` (the
/// GeoPackage writer's transaction, a side-table write of [`crate::sql::Db`],
/// the PostGIS writer's).
pub fn append(s: &mut dyn Sql, revision: i64, e: &Entry) -> Result<(), StoreError> {
    s.exec(
        "INSERT INTO gapmap_audit (at, revision, actor, action, layer, feature_id, parish_id, changes, reason, report_ref, ingest_id)
         VALUES (?1, ?2, ?3, ?4, ?5, ?6, ?7, ?8, ?9, ?10, ?11)",
        &vals![
            crate::sql::now_millis(),
            revision,
            &e.ctx.actor,
            e.action.as_str(),
            e.layer,
            e.feature_id,
            e.parish_id,
            e.changes.to_string(),
            &e.ctx.reason,
            e.ctx.report_ref.as_deref(),
            e.ingest_id
        ],
    )?;
    Ok(())
}

/// The fields that differ between two property maps (and the geometry, as
/// GeoJSON, under `geometry`): `{field: [before, after]}`, `null` for absent.
pub fn diff(
    before: Option<(&Map<String, Value>, Option<&Value>)>,
    after: Option<(&Map<String, Value>, Option<&Value>)>,
) -> Value {
    let mut out = Map::new();
    let empty = Map::new();
    let (b, bg) = before.unwrap_or((&empty, None));
    let (a, ag) = after.unwrap_or((&empty, None));
    let mut keys: Vec<&String> = b.keys().chain(a.keys()).collect();
    keys.sort();
    keys.dedup();
    for k in keys {
        let (x, y) = (
            b.get(k).unwrap_or(&Value::Null),
            a.get(k).unwrap_or(&Value::Null),
        );
        if x != y {
            out.insert(k.clone(), json!([x, y]));
        }
    }
    if bg != ag {
        out.insert(
            "geometry".into(),
            json!([
                bg.cloned().unwrap_or(Value::Null),
                ag.cloned().unwrap_or(Value::Null)
            ]),
        );
    }
    Value::Object(out)
}

/// A row as read back.
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct Row {
    pub id: i64,
    pub at: String,
    pub revision: i64,
    pub actor: String,
    pub action: String,
    pub layer: Option<String>,
    pub feature_id: Option<String>,
    pub parish_id: Option<String>,
    pub changes: Value,
    pub reason: String,
    pub report_ref: Option<String>,
    pub ingest_id: Option<i64>,
}

/// Which rows to read.
#[derive(Debug, Clone, Default)]
pub struct Filter {
    pub feature_id: Option<String>,
    pub layer: Option<String>,
    pub actor: Option<String>,
    pub parish_id: Option<String>,
    pub from: Option<DateTime<Utc>>,
    pub to: Option<DateTime<Utc>>,
    /// Revisions after `from_revision` up to and including `to_revision`.
    pub from_revision: Option<i64>,
    pub to_revision: Option<i64>,
    pub limit: Option<usize>,
}

fn ts(t: &DateTime<Utc>) -> String {
    t.to_rfc3339_opts(chrono::SecondsFormat::Millis, true)
}

/// Read rows, oldest first.
pub fn read(s: &mut dyn Sql, f: &Filter) -> Result<Vec<Row>, StoreError> {
    let rows = s.rows(
        "SELECT id, at, revision, actor, action, layer, feature_id, parish_id, changes, reason, report_ref, ingest_id
         FROM gapmap_audit
         WHERE (feature_id = ?1 OR ?1 IS NULL) AND (layer = ?2 OR ?2 IS NULL) AND (actor = ?3 OR ?3 IS NULL)
           AND (parish_id = ?4 OR ?4 IS NULL) AND (at >= ?5 OR ?5 IS NULL) AND (at <= ?6 OR ?6 IS NULL)
           AND (revision > ?7 OR ?7 IS NULL) AND (revision <= ?8 OR ?8 IS NULL)
         ORDER BY id LIMIT ?9",
        &vals![
            f.feature_id.as_deref(),
            f.layer.as_deref(),
            f.actor.as_deref(),
            f.parish_id.as_deref(),
            f.from.as_ref().map(ts),
            f.to.as_ref().map(ts),
            f.from_revision,
            f.to_revision,
            // No limit: PostgreSQL refuses SQLite's -1.
            f.limit.map_or(i64::MAX, |l| l.min(i64::MAX as usize) as i64)
        ],
    )?;
    rows.iter()
        .map(|r| {
            Ok(Row {
                id: r.get(0)?,
                at: r.get(1)?,
                revision: r.get(2)?,
                actor: r.get(3)?,
                action: r.get(4)?,
                layer: r.get(5)?,
                feature_id: r.get(6)?,
                parish_id: r.get(7)?,
                changes: serde_json::from_str(&r.get::<String>(8)?).unwrap_or(Value::Null),
                reason: r.get(9)?,
                report_ref: r.get(10)?,
                ingest_id: r.get(11)?,
            })
        })
        .collect()
}

/// Read rows from a store (a read of its own).
pub fn read_store(db: &Db, f: &Filter) -> Result<Vec<Row>, StoreError> {
    db.read(|s| read(s, f))
}

/// The rows as CSV (UTF-8 with BOM, CRLF, RFC 4180 quoting), `changes` as
/// its JSON text.
pub fn to_csv(rows: &[Row]) -> String {
    use gapmap_geo::csv_cell::field;
    let mut out = String::from(
        "\u{feff}id,at,revision,actor,action,layer,feature_id,parish_id,changes,reason,report_ref,ingest_id\r\n",
    );
    for r in rows {
        let cells = [
            r.id.to_string(),
            r.at.clone(),
            r.revision.to_string(),
            r.actor.clone(),
            r.action.clone(),
            r.layer.clone().unwrap_or_default(),
            r.feature_id.clone().unwrap_or_default(),
            r.parish_id.clone().unwrap_or_default(),
            r.changes.to_string(),
            r.reason.clone(),
            r.report_ref.clone().unwrap_or_default(),
            r.ingest_id.map(|i| i.to_string()).unwrap_or_default(),
        ];
        for (i, c) in cells.iter().enumerate() {
            if i > 0 {
                out.push(',');
            }
            field(&mut out, c);
        }
        out.push_str("\r\n");
    }
    out
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn rows_append_read_back_and_cannot_be_changed() {
        for t in crate::sql::testing::stores() {
            append_read_back_and_refuse_changes(&t.db, t.backend);
        }
    }

    fn append_read_back_and_refuse_changes(db: &Db, backend: &str) {
        let ctx = Context {
            actor: "ilze".into(),
            reason: "router installed, \"new\"".into(),
            report_ref: None,
        };
        let before: Map<String, Value> =
            serde_json::from_value(json!({"name": "A", "router_year": null})).unwrap();
        let after: Map<String, Value> =
            serde_json::from_value(json!({"name": "A", "router_year": 2026})).unwrap();
        let changes = diff(Some((&before, None)), Some((&after, None)));
        assert_eq!(changes, json!({"router_year": [null, 2026]}));
        let entry = Entry {
            ctx: &ctx,
            action: Action::Update,
            layer: Some("sites"),
            feature_id: Some("s1"),
            parish_id: Some("vilces-pagasts"),
            changes,
            ingest_id: None,
        };
        db.write(|s| append(s, 3, &entry)).unwrap();
        let only = |f: Filter| read_store(db, &f).unwrap();
        let rows = only(Filter {
            feature_id: Some("s1".into()),
            ..Filter::default()
        });
        assert_eq!(rows.len(), 1, "{backend}");
        assert_eq!((rows[0].revision, rows[0].action.as_str()), (3, "update"));
        assert!(
            rows[0].at.ends_with('Z') && rows[0].at.len() == 24,
            "{}",
            rows[0].at
        );
        let none = |f: Filter| assert!(only(f).is_empty(), "{backend}");
        none(Filter {
            actor: Some("janis".into()),
            ..Filter::default()
        });
        none(Filter {
            from_revision: Some(3),
            ..Filter::default()
        });
        none(Filter {
            to: Some(Utc::now() - chrono::Duration::hours(1)),
            ..Filter::default()
        });
        let e = db
            .write(|s| s.exec("UPDATE gapmap_audit SET reason = 'x'", &[]))
            .unwrap_err();
        assert!(e.to_string().contains("append-only"), "{backend}: {e}");
        assert!(
            db.write(|s| s.exec("DELETE FROM gapmap_audit", &[]))
                .is_err()
        );
        assert_eq!(
            only(Filter::default()).len(),
            1,
            "{backend}: nothing removed"
        );
        let csv = to_csv(&rows);
        assert!(csv.starts_with("\u{feff}id,at,"));
        assert!(csv.contains("\"router installed, \"\"new\"\"\""), "{csv}");
    }
}
