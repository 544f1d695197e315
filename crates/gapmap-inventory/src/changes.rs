//! Versions and "what changed": every committed change is a store revision
//! (the `…-rN` of `snapshot_version`). The server records the gap figures of
//! each revision it builds a snapshot of (default thresholds), so the gap
//! summaries can be read as of an earlier revision and compared; the audit
//! log says which features were added, retired and modified in between.

use chrono::{DateTime, Utc};
use gapmap_engine::analysis::Analysis;
use gapmap_model::disclosure::Disclosure;
use gapmap_store::StoreError;
use gapmap_store::audit;
use gapmap_store::sql::Sql;
use gapmap_store::vals;
use serde::Serialize;
use serde_json::{Map, Value, json};
use std::collections::BTreeMap;

/// The body of `/api/v1/gaps/summary` for an analysis, its counts
/// published by `d` (without the snapshot version, which the caller adds).
pub fn summary_json(a: &Analysis, d: &Disclosure) -> Map<String, Value> {
    let mut body = a.total.to_json(d);
    body.insert("disclosure_rule".into(), d.describe());
    body.insert("thresholds".into(), json!(a.thresholds));
    body.insert("parishes".into(), json!(a.parishes.len()));
    body.insert("grid_cells".into(), json!(a.grid.len()));
    body.insert(
        "underserved_cells".into(),
        json!(a.grid.iter().filter(|c| c.underserved()).count()),
    );
    body.insert("clusters".into(), json!(a.clusters.len()));
    body
}

/// The parish items of `/api/v1/gaps/parishes` for an analysis, counts
/// published by `d`.
pub fn parishes_json(a: &Analysis, d: &Disclosure) -> Vec<Value> {
    a.parishes
        .iter()
        .map(|p| {
            let mut m = p.aggregate.to_json(d);
            m.insert("id".into(), json!(p.id));
            m.insert("name".into(), json!(p.name));
            Value::Object(m)
        })
        .collect()
}

/// The recorded figures of one revision.
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct Figures {
    pub revision: i64,
    /// When the figures were computed (just after the revision committed).
    pub at: String,
    pub summary: Value,
    pub parishes: Vec<Value>,
}

/// Record the figures of a revision (once; later calls keep the first), as
/// the public reads them (`version=` is an anonymous read).
pub fn record(s: &mut dyn Sql, revision: i64, a: &Analysis) -> Result<bool, StoreError> {
    let d = Disclosure::public(a.thresholds.disclosure_min_residents);
    let n = s.exec(
        "INSERT INTO gapmap_revision_stats (revision, at, summary, parishes)
         VALUES (?1, ?2, ?3, ?4) ON CONFLICT (revision) DO NOTHING",
        &vals![
            revision,
            gapmap_store::sql::now_millis(),
            Value::Object(summary_json(a, &d)).to_string(),
            Value::Array(parishes_json(a, &d)).to_string()
        ],
    )?;
    Ok(n > 0)
}

/// The figures of a revision, if they were recorded.
pub fn figures(s: &mut dyn Sql, revision: i64) -> Result<Option<Figures>, StoreError> {
    let Some(r) = s.row(
        "SELECT revision, at, summary, parishes FROM gapmap_revision_stats WHERE revision = ?1",
        &vals![revision],
    )?
    else {
        return Ok(None);
    };
    let parse = |s: String| serde_json::from_str::<Value>(&s).unwrap_or(Value::Null);
    Ok(Some(Figures {
        revision: r.get(0)?,
        at: r.get(1)?,
        summary: parse(r.get(2)?),
        parishes: match parse(r.get(3)?) {
            Value::Array(a) => a,
            _ => Vec::new(),
        },
    }))
}

/// A revision, or the revision in force at an instant.
#[derive(Debug, Clone, PartialEq)]
pub enum Version {
    Revision(i64),
    At(DateTime<Utc>),
}

impl Version {
    /// `r12`, `12` or an RFC 3339 instant.
    pub fn parse(s: &str) -> Option<Version> {
        let t = s.trim();
        if let Ok(n) = t.trim_start_matches(['r', 'R']).parse::<i64>()
            && n >= 0
        {
            return Some(Version::Revision(n));
        }
        DateTime::parse_from_rfc3339(t)
            .ok()
            .map(|d| Version::At(d.with_timezone(&Utc)))
    }
}

/// The revision a version names: an instant gives the last revision
/// committed at or before it (0 before any).
pub fn resolve(s: &mut dyn Sql, v: &Version) -> Result<i64, StoreError> {
    match v {
        Version::Revision(n) => Ok(*n),
        Version::At(t) => {
            let at = t.to_rfc3339_opts(chrono::SecondsFormat::Millis, true);
            let from_audit: Option<i64> = s
                .value(
                    "SELECT max(revision) FROM gapmap_audit WHERE at <= ?1",
                    &vals![&at],
                )?
                .flatten();
            let from_stats: Option<i64> = s
                .value(
                    "SELECT max(revision) FROM gapmap_revision_stats WHERE at <= ?1",
                    &vals![&at],
                )?
                .flatten();
            Ok(from_audit.max(from_stats).unwrap_or(0))
        }
    }
}

/// One feature's change between two revisions.
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct FeatureChange {
    pub layer: String,
    pub id: String,
    pub parish_id: Option<String>,
    /// The fields that changed, first value before and last value after.
    pub fields: BTreeMap<String, [Value; 2]>,
    /// The revisions that touched it. The reasons stay in the audit log,
    /// for editors only: staff write them freely and may name people.
    pub revisions: Vec<i64>,
}

/// How one parish's figures moved.
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct ParishMove {
    pub id: String,
    pub name: String,
    /// `[from, to, to − from]` per figure; `null` where a side is unknown.
    pub digitally_underserved: [Value; 3],
    pub near_free_wifi: [Value; 3],
    pub residents: [Value; 3],
}

/// What changed between two revisions.
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct Changes {
    pub from: i64,
    pub to: i64,
    pub added: Vec<FeatureChange>,
    pub retired: Vec<FeatureChange>,
    pub modified: Vec<FeatureChange>,
    pub removed: Vec<FeatureChange>,
    /// Files ingested in between (audit rows of whole files).
    pub ingests: Vec<audit::Row>,
    /// Whether the figures of both revisions were recorded (a revision
    /// committed while no server ran has none).
    pub figures_known: bool,
    pub parishes: Vec<ParishMove>,
}

/// What changed after revision `from` up to and including `to`, optionally
/// in one parish.
pub fn between(
    s: &mut dyn Sql,
    from: i64,
    to: i64,
    parish: Option<&str>,
) -> Result<Changes, StoreError> {
    let (lo, hi) = (from.min(to), from.max(to));
    let rows = audit::read(
        s,
        &audit::Filter {
            from_revision: Some(lo),
            to_revision: Some(hi),
            parish_id: parish.map(str::to_owned),
            ..audit::Filter::default()
        },
    )?;
    let (by_feature, ingests) = by_feature(rows);
    let (mut added, mut retired, mut modified, mut removed) = (vec![], vec![], vec![], vec![]);
    for (_, t) in by_feature {
        let mut c = t.change;
        c.fields.retain(|_, v| v[0] != v[1]);
        match (t.created, t.deleted, t.retired) {
            (true, true, _) => {}
            (_, true, _) => removed.push(c),
            (true, _, _) => added.push(c),
            (_, _, true) => retired.push(c),
            _ if !c.fields.is_empty() => modified.push(c),
            _ => {}
        }
    }
    let (f0, f1) = (figures(s, lo)?, figures(s, hi)?);
    let parishes = parish_moves(f0.as_ref(), f1.as_ref(), parish);
    Ok(Changes {
        from: lo,
        to: hi,
        added,
        retired,
        modified,
        removed,
        ingests,
        figures_known: f0.is_some() && f1.is_some(),
        parishes,
    })
}

/// One feature's audit rows folded together.
struct Touched {
    change: FeatureChange,
    created: bool,
    retired: bool,
    deleted: bool,
}

/// The audit rows folded per (layer, feature id), in that order, each
/// field's first value before and last value after; and the rows of whole
/// ingests. Reviews are left out.
fn by_feature(rows: Vec<audit::Row>) -> (BTreeMap<(String, String), Touched>, Vec<audit::Row>) {
    let mut by_feature: BTreeMap<(String, String), Touched> = BTreeMap::new();
    let mut ingests = Vec::new();
    for r in rows {
        let (Some(layer), Some(id)) = (r.layer.clone(), r.feature_id.clone()) else {
            if r.action == "ingest" {
                ingests.push(r);
            }
            continue;
        };
        if r.action == "ingest" {
            ingests.push(r);
            continue;
        }
        if r.action == "review" {
            continue;
        }
        let e = by_feature
            .entry((layer.clone(), id.clone()))
            .or_insert_with(|| Touched {
                change: FeatureChange {
                    layer,
                    id,
                    parish_id: r.parish_id.clone(),
                    fields: BTreeMap::new(),
                    revisions: Vec::new(),
                },
                created: false,
                retired: false,
                deleted: false,
            });
        e.created |= r.action == "create";
        e.retired |= r.action == "retire";
        e.deleted |= r.action == "delete";
        if let Value::Object(m) = &r.changes {
            for (k, v) in m {
                let (b, a) = (
                    v.get(0).cloned().unwrap_or(Value::Null),
                    v.get(1).cloned().unwrap_or(Value::Null),
                );
                e.change
                    .fields
                    .entry(k.clone())
                    .and_modify(|x| x[1] = a.clone())
                    .or_insert([b, a]);
            }
        }
        e.change.revisions.push(r.revision);
    }
    (by_feature, ingests)
}

fn parish_moves(f0: Option<&Figures>, f1: Option<&Figures>, only: Option<&str>) -> Vec<ParishMove> {
    let index = |f: Option<&Figures>| -> BTreeMap<String, Value> {
        f.map(|f| {
            f.parishes
                .iter()
                .filter_map(|p| Some((p.get("id")?.as_str()?.to_owned(), p.clone())))
                .collect()
        })
        .unwrap_or_default()
    };
    let (a, b) = (index(f0), index(f1));
    let mut ids: Vec<&String> = a.keys().chain(b.keys()).collect();
    ids.sort();
    ids.dedup();
    let triple = |x: Option<&Value>, y: Option<&Value>| -> [Value; 3] {
        let (x, y) = (x.and_then(Value::as_i64), y.and_then(Value::as_i64));
        [json!(x), json!(y), json!(x.zip(y).map(|(x, y)| y - x))]
    };
    ids.into_iter()
        .filter(|id| only.is_none_or(|o| o == id.as_str()))
        .map(|id| {
            let (p, q) = (a.get(id), b.get(id));
            let get = |v: Option<&Value>, path: &[&str]| {
                let mut cur = v?;
                for k in path {
                    cur = cur.get(*k)?;
                }
                Some(cur.clone())
            };
            ParishMove {
                id: id.clone(),
                name: get(q.or(p), &["name"])
                    .and_then(|v| v.as_str().map(str::to_owned))
                    .unwrap_or_default(),
                digitally_underserved: triple(
                    get(p, &["digitally_underserved"]).as_ref(),
                    get(q, &["digitally_underserved"]).as_ref(),
                ),
                near_free_wifi: triple(
                    get(p, &["by_public_access", "near"]).as_ref(),
                    get(q, &["by_public_access", "near"]).as_ref(),
                ),
                residents: triple(
                    get(p, &["residents"]).as_ref(),
                    get(q, &["residents"]).as_ref(),
                ),
            }
        })
        .collect()
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn versions_parse_as_revisions_or_instants() {
        assert_eq!(Version::parse("r12"), Some(Version::Revision(12)));
        assert_eq!(Version::parse("7"), Some(Version::Revision(7)));
        assert!(matches!(
            Version::parse("2026-03-01T00:00:00+02:00"),
            Some(Version::At(_))
        ));
        assert_eq!(Version::parse("yesterday"), None);
        assert_eq!(Version::parse("-3"), None);
    }

    #[test]
    fn parish_moves_subtract_and_say_unknown() {
        let f = |rev, du: i64| Figures {
            revision: rev,
            at: String::new(),
            summary: Value::Null,
            parishes: vec![
                json!({"id": "vilces-pagasts", "name": "Vilces pagasts", "residents": 1499,
                                  "digitally_underserved": du, "by_public_access": {"near": 700}}),
            ],
        };
        let m = parish_moves(Some(&f(1, 600)), Some(&f(2, 388)), None);
        assert_eq!(
            m[0].digitally_underserved,
            [json!(600), json!(388), json!(-212)]
        );
        assert_eq!(m[0].near_free_wifi, [json!(700), json!(700), json!(0)]);
        let m = parish_moves(None, Some(&f(2, 388)), Some("vilces-pagasts"));
        assert_eq!(
            m[0].digitally_underserved,
            [Value::Null, json!(388), Value::Null]
        );
    }

    /// The figures recorded per revision and the audit rows in between,
    /// read back the same from either store.
    #[test]
    fn changes_between_revisions_read_alike_in_both_stores() {
        for t in gapmap_store::sql::testing::stores() {
            let ctx = audit::Context {
                actor: "ilze".into(),
                reason: "new router".into(),
                report_ref: None,
            };
            let row = |action, changes| audit::Entry {
                ctx: &ctx,
                action,
                layer: Some("sites"),
                feature_id: Some("s1"),
                parish_id: Some("vilces-pagasts"),
                changes,
                ingest_id: None,
            };
            let parishes = |du: i64| {
                json!([{"id": "vilces-pagasts", "name": "Vilces pagasts", "residents": 1499,
                        "digitally_underserved": du, "by_public_access": {"near": 700}}])
                .to_string()
            };
            t.db.write(|s| {
                audit::append(s, 1, &row(audit::Action::Create, json!({"name": [null, "A"]})))?;
                audit::append(s, 2, &row(audit::Action::Update, json!({"router_year": [null, 2026]})))?;
                for (rev, du) in [(0, 600), (2, 388)] {
                    s.exec(
                        "INSERT INTO gapmap_revision_stats (revision, at, summary, parishes) VALUES (?1, ?2, '{}', ?3)
                         ON CONFLICT (revision) DO NOTHING",
                        &gapmap_store::vals![rev, gapmap_store::sql::now_millis(), parishes(du)],
                    )?;
                }
                Ok::<_, StoreError>(())
            })
            .unwrap();
            let ch = t.db.read(|s| between(s, 0, 2, None)).unwrap();
            assert_eq!((ch.added.len(), ch.modified.len()), (1, 0), "{}", t.backend);
            assert_eq!(ch.added[0].revisions, [1, 2]);
            assert!(ch.figures_known);
            assert_eq!(
                ch.parishes[0].digitally_underserved,
                [json!(600), json!(388), json!(-212)]
            );
            let ch =
                t.db.read(|s| between(s, 1, 2, Some("vilces-pagasts")))
                    .unwrap();
            assert_eq!(
                ch.modified[0].fields["router_year"],
                [Value::Null, json!(2026)]
            );
            assert!(!ch.figures_known, "{}: r1 has no figures", t.backend);
            let later = Version::At(Utc::now() + chrono::Duration::hours(1));
            let earlier = Version::At(Utc::now() - chrono::Duration::hours(1));
            assert_eq!(
                t.db.read(|s| resolve(s, &later)).unwrap(),
                2,
                "{}",
                t.backend
            );
            assert_eq!(t.db.read(|s| resolve(s, &earlier)).unwrap(), 0);
            assert!(t.db.read(|s| figures(s, 1)).unwrap().is_none());
            assert_eq!(
                t.db.read(|s| figures(s, 2))
                    .unwrap()
                    .unwrap()
                    .parishes
                    .len(),
                1
            );
        }
    }
}
