//! The log of `gapmap update` runs in the PostGIS store (the GeoPackage
//! store's [`crate::side_tables::SourceUpdate`] rows, the same columns).

use crate::side_tables::SourceUpdate;

const COLUMNS: &str = "at, source, outcome, location, etag, last_modified, sha256, bytes, version, as_of, licence, changes, message";

/// Append a run (inside the caller's transaction).
pub(crate) fn insert(c: &mut postgres::Client, u: &SourceUpdate) -> Result<(), postgres::Error> {
    let at = if u.at.is_empty() {
        chrono::Utc::now().to_rfc3339_opts(chrono::SecondsFormat::Secs, true)
    } else {
        u.at.clone()
    };
    c.execute(
        &format!("INSERT INTO gapmap_source_updates ({COLUMNS}) VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9, $10, $11, $12, $13)"),
        &[
            &at,
            &u.source,
            &u.outcome,
            &u.location,
            &u.etag,
            &u.last_modified,
            &u.sha256,
            &u.bytes.map(|b| b as i64),
            &u.version,
            &u.as_of,
            &u.licence,
            &u.changes.to_string(),
            &u.message,
        ],
    )?;
    Ok(())
}

/// The runs, newest first (of one source when given).
pub(crate) fn read(
    c: &mut postgres::Client,
    source: Option<&str>,
    limit: usize,
) -> Result<Vec<SourceUpdate>, postgres::Error> {
    let rows = c.query(
        &format!("SELECT {COLUMNS} FROM gapmap_source_updates WHERE $1::text IS NULL OR source = $1 ORDER BY id DESC LIMIT $2"),
        &[&source, &(limit.min(i64::MAX as usize) as i64)],
    )?;
    Ok(rows
        .iter()
        .map(|r| SourceUpdate {
            at: r.get(0),
            source: r.get(1),
            outcome: r.get(2),
            location: r.get(3),
            etag: r.get(4),
            last_modified: r.get(5),
            sha256: r.get(6),
            bytes: r.get::<_, Option<i64>>(7).map(|b| b as u64),
            version: r.get(8),
            as_of: r.get(9),
            licence: r.get(10),
            changes: serde_json::from_str(&r.get::<_, String>(11))
                .unwrap_or(serde_json::Value::Null),
            message: r.get(12),
        })
        .collect())
}
