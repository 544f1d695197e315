//! Resident reports: a resident says what is wrong — the Wi-Fi does not
//! work, the hours are wrong, no mobile signal or home internet here — at a
//! place or a point; editors review them. A report's contact (e-mail or
//! phone, optional) is personal data: it lives in a table of its own, is
//! shown to admins only and is deleted after the retention period.
//!
//! "No signal" and "no home internet" reports also feed a planners' layer,
//! counted per EU 1 km cell, never shown one by one.

use crate::accounts::secret;
use gapmap_store::StoreError;
use gapmap_store::audit::{self, Action, Context};
use gapmap_store::sql::{Db, Sql};
use gapmap_store::vals;
use serde::Serialize;
use serde_json::json;

/// What is wrong.
pub const KINDS: &[&str] = &[
    "wifi_not_working",
    "closed_or_wrong_hours",
    "no_mobile_signal",
    "no_home_internet",
    "other",
];

/// The audit actor of a resident's report (residents have no account).
pub const RESIDENT: &str = "resident";

/// The store revision, as the audit rows of side-table changes record it.
fn revision(s: &mut dyn Sql) -> Result<i64, StoreError> {
    Ok(s.value(
        "SELECT CAST(value AS BIGINT) FROM gapmap_meta WHERE key = 'revision'",
        &[],
    )?
    .unwrap_or(0))
}

/// Where a report stands.
pub const STATUSES: &[&str] = &["received", "accepted", "rejected", "fixed"];

/// The report budget of one client address — the signals that count are
/// the address alone (IPv6 by its /64; behind a trusted proxy, the address
/// the proxy forwards) and time: 20 reports at once, then one every 30 s,
/// from a day's allowance of 80 that refills at 80 a day (so 80 a day kept
/// up, and at most 160 in any 24 hours). A class of twenty on one line
/// reports in one go, and a library's visitors all day; a flood from one
/// address gets 20 through, then two a minute until the allowance is used,
/// then one every 18 minutes. Cookies, browsers and contact fields do not
/// count: a flood controls them.
pub const BUDGET: [gapmap_store::throttle::Bucket; 2] = [
    gapmap_store::throttle::Bucket {
        name: "reports-burst",
        burst: 20.0,
        per_second: 1.0 / 30.0,
    },
    gapmap_store::throttle::Bucket {
        name: "reports-day",
        burst: 80.0,
        per_second: 80.0 / 86_400.0,
    },
];

/// The longest report text and contact accepted (characters).
pub const MAX_TEXT: usize = 1000;
pub const MAX_CONTACT: usize = 200;

/// The longest place text accepted (characters).
pub const MAX_PLACE: usize = 200;

/// A report as a resident sends it (checked by [`NewReport::check`]).
/// Where: one of the places (`site_id`), a point, or the place as the
/// resident typed it (`place`: a homestead, an address, "pie veikala
/// Vilcē") — kept as text whether or not the gazetteer knows it
/// (`place_match`: its best match, for the reviewers).
#[derive(Debug, Clone, Default, PartialEq)]
pub struct NewReport {
    pub kind: String,
    pub site_id: Option<String>,
    pub lon: Option<f64>,
    pub lat: Option<f64>,
    pub text: String,
    pub contact: Option<String>,
    pub place: Option<String>,
    pub place_match: Option<String>,
}

/// A problem with one field of a report.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct FieldProblem {
    pub field: &'static str,
    pub message: String,
}

impl NewReport {
    /// Every problem of the report's fields (empty: acceptable).
    pub fn check(&self) -> Vec<FieldProblem> {
        let mut p = Vec::new();
        let mut bad = |field, message: String| p.push(FieldProblem { field, message });
        if !KINDS.contains(&self.kind.as_str()) {
            bad(
                "kind",
                format!("`kind` must be one of {}", KINDS.join(", ")),
            );
        }
        let place = self.place.as_deref().map(str::trim).unwrap_or("");
        match (self.site_id.as_deref(), self.lon, self.lat) {
            (None, None, None) if place.is_empty() => bad(
                "site_id",
                "say where: a `site_id`, `lon` and `lat`, or a `place` in words".into(),
            ),
            (_, Some(_), None) => bad("lat", "`lat` is needed with `lon`".into()),
            (_, None, Some(_)) => bad("lon", "`lon` is needed with `lat`".into()),
            _ => {}
        }
        if let (Some(lon), Some(lat)) = (self.lon, self.lat)
            && !gapmap_geo::geometry::SanityBox::BALTIC.contains(lon, lat)
        {
            bad(
                "lon",
                "the point must be in Latvia or near it (WGS84 lon, lat)".into(),
            );
        }
        if let Some(m) = self
            .site_id
            .as_deref()
            .and_then(gapmap_model::values::id_problem)
        {
            bad("site_id", m);
        }
        let n = self.place.as_deref().unwrap_or("").chars().count();
        if n > MAX_PLACE {
            bad(
                "place",
                format!("the place is {n} characters; at most {MAX_PLACE}"),
            );
        } else if let Some(m) =
            gapmap_model::values::text_problem("place", self.place.as_deref().unwrap_or(""))
        {
            bad("place", m);
        }
        let n = self.text.chars().count();
        if n > MAX_TEXT {
            bad(
                "text",
                format!("the text is {n} characters; at most {MAX_TEXT}"),
            );
        } else if let Some(m) = gapmap_model::values::text_problem("text", &self.text) {
            bad("text", m);
        }
        if self.kind == "other" && self.text.trim().is_empty() {
            bad("text", "say in a few words what is wrong".into());
        }
        if let Some(c) = &self.contact {
            if c.chars().count() > MAX_CONTACT {
                bad("contact", format!("at most {MAX_CONTACT} characters"));
            } else if let Some(m) = gapmap_model::values::text_problem("contact", c) {
                bad("contact", m);
            }
        }
        p
    }
}

/// A report as editors see it (never with its contact).
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct Report {
    pub reference: String,
    pub kind: String,
    pub site_id: Option<String>,
    pub lon: Option<f64>,
    pub lat: Option<f64>,
    pub cell_id: Option<String>,
    pub parish_id: Option<String>,
    pub text: String,
    pub status: String,
    pub created_at: String,
    pub updated_at: String,
    pub decided_by: Option<String>,
    pub decision_reason: Option<String>,
    /// Whether a contact was left (admins may read it).
    pub has_contact: bool,
    /// The place as the resident typed it, and the gazetteer's best match.
    pub place: Option<String>,
    pub place_match: Option<String>,
}

/// What a resident sees of its report.
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct PublicStatus {
    pub reference: String,
    pub kind: String,
    pub status: String,
    pub created_at: String,
    pub updated_at: String,
}

/// A decision on a report.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Decision {
    Accept,
    Reject,
    Fixed,
}

impl Decision {
    fn status(self) -> &'static str {
        match self {
            Decision::Accept => "accepted",
            Decision::Reject => "rejected",
            Decision::Fixed => "fixed",
        }
    }
}

#[derive(Debug, thiserror::Error)]
pub enum ReportError {
    #[error("no report {0}")]
    NotFound(String),
    #[error("{0}")]
    Invalid(String),
    #[error(transparent)]
    Store(#[from] StoreError),
}

/// The reports of one store (short reads and writes, as [`crate::accounts::Accounts`]).
#[derive(Debug, Clone)]
pub struct Reports {
    db: Db,
}

/// A reference a resident can read out on the phone: `JN-` and six
/// characters of Crockford's base 32 (no I, L, O, U).
fn new_reference() -> String {
    const ALPHABET: &[u8] = b"0123456789ABCDEFGHJKMNPQRSTVWXYZ";
    let hex = secret::random_hex(6);
    let mut n = u64::from_str_radix(&hex, 16).unwrap_or(0);
    let mut s = String::from("JN-");
    for _ in 0..6 {
        s.push(ALPHABET[(n % 32) as usize] as char);
        n /= 32;
    }
    s
}

/// A reference as typed: upper case, O read as 0 and I/L as 1.
pub fn normalise_reference(r: &str) -> String {
    r.trim()
        .to_ascii_uppercase()
        .chars()
        .map(|c| match c {
            'O' => '0',
            'I' | 'L' => '1',
            other => other,
        })
        .collect()
}

impl Reports {
    pub fn new(db: Db) -> Reports {
        Reports { db }
    }

    /// Store a checked report with where it lies (parish, 1 km cell) and
    /// return its reference: one write ([`Db::write`]) of the report, its
    /// contact (apart) and its audit row.
    pub fn submit(
        &self,
        r: &NewReport,
        parish_id: Option<&str>,
        cell_id: Option<&str>,
    ) -> Result<String, ReportError> {
        if let Some(p) = r.check().first() {
            return Err(ReportError::Invalid(p.message.clone()));
        }
        self.db.write(|s| {
            let reference = free_reference(s)?;
            let at = gapmap_store::sql::now_secs();
            s.exec(
                "INSERT INTO gapmap_reports (reference, kind, site_id, lon, lat, cell_id, parish_id, text, status, created_at, updated_at, place_text, place_match)
                 VALUES (?1, ?2, ?3, ?4, ?5, ?6, ?7, ?8, 'received', ?9, ?9, ?10, ?11)",
                &vals![
                    &reference,
                    &r.kind,
                    r.site_id.as_deref(),
                    r.lon,
                    r.lat,
                    cell_id,
                    parish_id,
                    r.text.trim(),
                    &at,
                    r.place.as_deref().map(str::trim).filter(|p| !p.is_empty()),
                    r.place_match.as_deref()
                ],
            )?;
            if let Some(contact) = r
                .contact
                .as_deref()
                .map(str::trim)
                .filter(|c| !c.is_empty())
            {
                s.exec(
                    "INSERT INTO gapmap_report_contacts (reference, contact, created_at) VALUES (?1, ?2, ?3)",
                    &vals![&reference, contact, at],
                )?;
            }
            let ctx = Context {
                actor: RESIDENT.into(),
                reason: String::new(),
                report_ref: Some(reference.clone()),
            };
            let entry = audit::Entry {
                ctx: &ctx,
                action: Action::Report,
                layer: None,
                feature_id: r.site_id.as_deref(),
                parish_id,
                changes: json!({"kind": r.kind, "cell_id": cell_id}),
                ingest_id: None,
            };
            let rev = revision(s)?;
            audit::append(s, rev, &entry)?;
            Ok(reference)
        })
    }

    /// What a resident may see of a report.
    pub fn public_status(&self, reference: &str) -> Result<Option<PublicStatus>, ReportError> {
        let row = self.db.read(|s| {
            s.row(
                "SELECT reference, kind, status, created_at, updated_at FROM gapmap_reports WHERE reference = ?1",
                &vals![normalise_reference(reference)],
            )
        })?;
        let Some(r) = row else { return Ok(None) };
        Ok(Some(PublicStatus {
            reference: r.get(0)?,
            kind: r.get(1)?,
            status: r.get(2)?,
            created_at: r.get(3)?,
            updated_at: r.get(4)?,
        }))
    }

    /// Reports for review, newest first, optionally of one status.
    pub fn list(&self, status: Option<&str>) -> Result<Vec<Report>, ReportError> {
        let rows = self.db.read(|s| {
            s.rows(
                "SELECT r.reference, r.kind, r.site_id, r.lon, r.lat, r.cell_id, r.parish_id, r.text, r.status,
                        r.created_at, r.updated_at, r.decided_by, r.decision_reason, c.reference IS NOT NULL,
                        r.place_text, r.place_match
                 FROM gapmap_reports r LEFT JOIN gapmap_report_contacts c ON c.reference = r.reference
                 WHERE r.status = ?1 OR ?1 IS NULL ORDER BY r.created_at DESC, r.reference",
                &vals![status],
            )
        })?;
        rows.iter().map(report_row).collect()
    }

    /// One report for review.
    pub fn get(&self, reference: &str) -> Result<Option<Report>, ReportError> {
        let reference = normalise_reference(reference);
        Ok(self
            .list(None)?
            .into_iter()
            .find(|r| r.reference == reference))
    }

    /// A report's contact (for admins only: the caller checks the role).
    pub fn contact(&self, reference: &str) -> Result<Option<String>, ReportError> {
        Ok(self.db.read(|s| {
            s.value(
                "SELECT contact FROM gapmap_report_contacts WHERE reference = ?1",
                &vals![normalise_reference(reference)],
            )
        })?)
    }

    /// Decide on a report (rejecting needs a reason); one transaction with
    /// its audit row.
    pub fn decide(
        &self,
        reference: &str,
        d: Decision,
        ctx: &Context,
    ) -> Result<Report, ReportError> {
        let reference = normalise_reference(reference);
        if d == Decision::Reject && ctx.reason.trim().is_empty() {
            return Err(ReportError::Invalid(
                "rejecting a report needs a reason".into(),
            ));
        }
        self.db.write(|s| {
            // The status read here is the "before" of the audit row: no
            // other decision on this report in between.
            s.lock(&format!("report:{reference}"))?;
            let r = s
                .row(
                    "SELECT site_id, parish_id, status FROM gapmap_reports WHERE reference = ?1",
                    &vals![&reference],
                )?
                .ok_or_else(|| ReportError::NotFound(reference.clone()))?;
            let (site_id, parish_id, status): (Option<String>, Option<String>, String) =
                (r.get(0)?, r.get(1)?, r.get(2)?);
            s.exec(
                "UPDATE gapmap_reports SET status = ?2, decided_by = ?3, decision_reason = ?4,
                 updated_at = ?5 WHERE reference = ?1",
                &vals![
                    &reference,
                    d.status(),
                    &ctx.actor,
                    &ctx.reason,
                    gapmap_store::sql::now_secs()
                ],
            )?;
            let mut ctx = ctx.clone();
            ctx.report_ref = Some(reference.clone());
            let entry = audit::Entry {
                ctx: &ctx,
                action: Action::Review,
                layer: None,
                feature_id: site_id.as_deref(),
                parish_id: parish_id.as_deref(),
                changes: json!({"status": [status, d.status()]}),
                ingest_id: None,
            };
            let rev = revision(s)?;
            audit::append(s, rev, &entry)?;
            Ok::<_, ReportError>(())
        })?;
        self.get(&reference)?
            .ok_or_else(|| ReportError::NotFound(reference.clone()))
    }

    /// Delete contacts older than `days` days (a GeoPackage overwrites
    /// them in the file: `secure_delete`); returns how many.
    pub fn purge_contacts(&self, days: u32) -> Result<usize, ReportError> {
        let before = (chrono::Utc::now() - chrono::Duration::days(i64::from(days)))
            .to_rfc3339_opts(chrono::SecondsFormat::Secs, true);
        let n = self.db.write(|s| {
            s.exec(
                "DELETE FROM gapmap_report_contacts WHERE created_at < ?1",
                &vals![before],
            )
        })?;
        Ok(n as usize)
    }

    /// "No signal" and "no home internet" reports counted per 1 km cell and
    /// kind (reports rejected by an editor do not count).
    pub fn signal_cells(&self) -> Result<Vec<(String, String, u64)>, ReportError> {
        let rows = self.db.read(|s| {
            s.rows(
                "SELECT cell_id, kind, count(*) FROM gapmap_reports
                 WHERE kind IN ('no_mobile_signal', 'no_home_internet') AND status != 'rejected' AND cell_id IS NOT NULL
                 GROUP BY cell_id, kind ORDER BY cell_id, kind",
                &[],
            )
        })?;
        rows.iter()
            .map(|r| Ok((r.get(0)?, r.get(1)?, r.get(2)?)))
            .collect()
    }
}

/// A reference no report has yet, read inside the write.
fn free_reference(s: &mut dyn Sql) -> Result<String, ReportError> {
    loop {
        let r = new_reference();
        // Two servers drawing the same reference at once: the second waits
        // here, then sees the first's report.
        s.lock(&format!("report:{r}"))?;
        let taken: Option<i64> = s.value(
            "SELECT count(*) FROM gapmap_reports WHERE reference = ?1",
            &vals![&r],
        )?;
        if taken == Some(0) {
            return Ok(r);
        }
    }
}

fn report_row(r: &gapmap_store::sql::Row) -> Result<Report, ReportError> {
    Ok(Report {
        reference: r.get(0)?,
        kind: r.get(1)?,
        site_id: r.get(2)?,
        lon: r.get(3)?,
        lat: r.get(4)?,
        cell_id: r.get(5)?,
        parish_id: r.get(6)?,
        text: r.get(7)?,
        status: r.get(8)?,
        created_at: r.get(9)?,
        updated_at: r.get(10)?,
        decided_by: r.get(11)?,
        decision_reason: r.get(12)?,
        has_contact: r.get(13)?,
        place: r.get(14)?,
        place_match: r.get(15)?,
    })
}

#[cfg(test)]
mod tests {
    use super::*;
    use gapmap_store::sql::testing::{TestStore, stores};

    fn each(case: impl Fn(&TestStore)) {
        for t in stores() {
            eprintln!("{}", t.backend);
            case(&t);
        }
    }

    #[test]
    fn reports_are_checked_stored_reviewed_and_their_contacts_kept_apart() {
        each(reports_are_checked_stored_reviewed_in);
    }

    fn reports_are_checked_stored_reviewed_in(t: &TestStore) {
        let reports = Reports::new(t.db.clone());
        let bad = NewReport {
            kind: "broken".into(),
            lon: Some(2.0),
            ..NewReport::default()
        };
        let fields: Vec<&str> = bad.check().iter().map(|p| p.field).collect();
        assert_eq!(fields, ["kind", "lat"]);
        let r = NewReport {
            kind: "no_mobile_signal".into(),
            lon: Some(23.55),
            lat: Some(56.42),
            text: "Nav zonu pie mājām".into(),
            contact: Some("ilze@example.lv".into()),
            ..NewReport::default()
        };
        assert!(r.check().is_empty());
        let reference = reports
            .submit(&r, Some("vilces-pagasts"), Some("1kmN3870E5160"))
            .unwrap();
        assert!(
            reference.starts_with("JN-") && reference.len() == 9,
            "{reference}"
        );
        let st = reports
            .public_status(&reference.to_lowercase())
            .unwrap()
            .unwrap();
        assert_eq!(st.status, "received");
        assert!(reports.list(Some("received")).unwrap()[0].has_contact);
        assert_eq!(
            reports.contact(&reference).unwrap().as_deref(),
            Some("ilze@example.lv")
        );
        assert_eq!(
            reports.signal_cells().unwrap(),
            [("1kmN3870E5160".into(), "no_mobile_signal".into(), 1)]
        );
        let ctx = Context {
            actor: "ilze".into(),
            reason: String::new(),
            report_ref: None,
        };
        assert!(
            reports.decide(&reference, Decision::Reject, &ctx).is_err(),
            "a rejection needs a reason"
        );
        let done = reports.decide(&reference, Decision::Accept, &ctx).unwrap();
        assert_eq!(done.status, "accepted");
        let rows = gapmap_store::audit::read_store(&t.db, &gapmap_store::audit::Filter::default())
            .unwrap();
        assert_eq!(rows[0].report_ref.as_deref(), Some(reference.as_str()));
        assert_eq!(rows[1].changes, json!({"status": ["received", "accepted"]}));
        // Contacts go after the retention period (here: all of them).
        assert_eq!(
            reports.purge_contacts(30).unwrap(),
            0,
            "a new contact stays"
        );
        t.db.write(|s| {
            s.exec(
                "UPDATE gapmap_report_contacts SET created_at = '2020-01-01T00:00:00Z'",
                &[],
            )
        })
        .unwrap();
        assert_eq!(reports.purge_contacts(30).unwrap(), 1);
        assert_eq!(reports.contact(&reference).unwrap(), None);
    }

    #[test]
    fn a_shared_line_reports_all_day_and_a_flood_is_stopped() {
        each(a_shared_line_reports_all_day_in);
    }

    fn a_shared_line_reports_all_day_in(store: &TestStore) {
        use gapmap_store::throttle::{StoreThrottle, Throttle};
        let t = StoreThrottle::new(store.db.clone());
        let [burst, day] = &BUDGET;
        let take = |key: &str, at: f64| t.take(&[(burst, key), (day, key)], at).unwrap().is_ok();
        // A library's twenty visitors, one a minute in a morning's class.
        assert!((0..20).all(|i| take("192.0.2.1", 9.0 * 3600.0 + 60.0 * f64::from(i))));
        // The class of twenty, all within five minutes.
        assert!((0..20).all(|i| take("192.0.2.2", 15.0 * f64::from(i))));
        // A flood of a thousand from one address: twenty at once, then what
        // the day's allowance of eighty gives.
        let through = (0..1000)
            .filter(|i| take("198.51.100.9", 30_000.0 + f64::from(*i)))
            .count();
        assert!((20..=80).contains(&through), "{through}");
        let day_long = (0..2880)
            .filter(|i| take("198.51.100.10", 30.0 * f64::from(*i)))
            .count();
        // One every 30 s for a whole day: the allowance of eighty and the
        // eighty it refills in the day, no more.
        assert!((150..=161).contains(&day_long), "{day_long}");
    }

    /// A place the gazetteer does not know is kept as the resident wrote it;
    /// only a report that says nowhere at all is refused.
    #[test]
    fn a_report_of_any_place_is_kept_as_text() {
        each(a_report_of_any_place_is_kept_as_text_in);
    }

    fn a_report_of_any_place_is_kept_as_text_in(t: &TestStore) {
        let reports = Reports::new(t.db.clone());
        let nowhere = NewReport {
            kind: "no_home_internet".into(),
            place: Some("   ".into()),
            ..NewReport::default()
        };
        let fields: Vec<&str> = nowhere.check().iter().map(|p| p.field).collect();
        assert_eq!(fields, ["site_id"]);
        let r = NewReport {
            kind: "no_home_internet".into(),
            place: Some(" Ķiršu mājas ".into()),
            ..NewReport::default()
        };
        assert!(r.check().is_empty());
        let reference = reports.submit(&r, None, None).unwrap();
        let got = reports.get(&reference).unwrap().unwrap();
        assert_eq!(got.place.as_deref(), Some("Ķiršu mājas"));
        assert_eq!(got.place_match, None);
        assert_eq!((got.lon, got.site_id), (None, None));
        let long = NewReport {
            place: Some("x".repeat(MAX_PLACE + 1)),
            ..r
        };
        assert_eq!(long.check()[0].field, "place");
    }
}
