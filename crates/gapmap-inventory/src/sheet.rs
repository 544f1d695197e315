//! The IT department's spreadsheet round trip: download the sites or the
//! buildings as CSV ([`download`]), change cells in any spreadsheet, upload
//! the file: a preview of every change, field by field, with every bad cell
//! named by its row and column ([`plan`]), then one audited transaction
//! ([`apply`]) — refused when the store changed since the preview.
//!
//! Each row is the stored feature with the row's cells over it (an empty
//! cell empties the field; a column the file lacks is left alone), checked
//! as an edit is checked ([`crate::edit`]: field types, opening hours,
//! parishes and positions). Rows are matched by `id`; a new place or
//! building is added on its form, not by a new row.

use crate::edit::{EditError, rules_of};
use gapmap_geo::crs::WGS84;
use gapmap_ingest::problem::{Location, Problems, Severity};
use gapmap_ingest::validate::Validator;
use gapmap_ingest::{Mode, RawFeature};
use gapmap_model::schema::LayerSchema;
use gapmap_model::{Layer, Record};
use gapmap_store::audit::{self, Action, Context};
use gapmap_store::{Store, StoreWriter};
use serde::Serialize;
use serde_json::{Map, Value};
use std::collections::{HashMap, HashSet};

/// The columns of a layer's sheet (`id` first); `None` for a layer without one.
pub fn columns(layer: Layer) -> Option<&'static [&'static str]> {
    match layer {
        Layer::Sites => Some(&[
            "id",
            "name",
            "kind",
            "parish_id",
            "address",
            "opening_hours",
            "wifi_hours",
            "phone",
            "wheelchair",
            "services",
            "how_to_connect",
            "free_wifi",
            "public_computers",
            "status",
            "building_id",
        ]),
        Layer::Buildings => Some(&[
            "id",
            "name",
            "kind",
            "parish_id",
            "address",
            "phone",
            "wheelchair",
            "municipal",
            "free_wifi",
            "status",
        ]),
        _ => None,
    }
}

/// A stored value as the text of a cell (lists `;`-joined).
fn cell(v: Option<&Value>) -> String {
    match v {
        None | Some(Value::Null) => String::new(),
        Some(Value::String(s)) => s.clone(),
        Some(Value::Array(a)) => a
            .iter()
            .map(|x| x.as_str().map_or_else(|| x.to_string(), str::to_owned))
            .collect::<Vec<_>>()
            .join(";"),
        Some(other) => other.to_string(),
    }
}

/// The sheet of a layer's features (CSV, UTF-8 with a BOM so spreadsheets
/// read the Latvian letters), in id order.
pub fn download(layer: Layer, records: &[Record]) -> Option<String> {
    let cols = columns(layer)?;
    let mut out = String::from('\u{feff}');
    gapmap_geo::csv_cell::record(&mut out, cols);
    for r in records {
        let row: Vec<String> = cols
            .iter()
            .map(|c| match *c {
                "id" => r.id.clone(),
                c => cell(r.props.get(c)),
            })
            .collect();
        gapmap_geo::csv_cell::record(&mut out, &row);
    }
    Some(out)
}

/// One field of one feature that an upload changes.
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct Change {
    /// The row of the file (the header is row 1).
    pub row: u64,
    pub id: String,
    pub field: String,
    pub before: String,
    pub after: String,
}

/// A cell (or row) the upload cannot take.
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct CellProblem {
    pub row: u64,
    pub column: String,
    pub message: String,
}

/// What an upload would do.
#[derive(Debug, Clone, Serialize)]
pub struct Plan {
    pub rows: usize,
    pub changes: Vec<Change>,
    pub problems: Vec<CellProblem>,
    /// The store revision the plan was made at.
    pub revision: i64,
    #[serde(skip)]
    records: Vec<(Record, Record)>,
}

impl Plan {
    /// The features it changes.
    pub fn features(&self) -> usize {
        self.records.len()
    }
}

fn problem(row: u64, column: &str, message: impl Into<String>) -> CellProblem {
    CellProblem {
        row,
        column: column.to_owned(),
        message: message.into(),
    }
}

/// The rows of a sheet: each with its row number and cells.
type Rows = Vec<(u64, Vec<String>)>;

/// The header and rows of an uploaded CSV (any of `,` `;` tab, with or
/// without a BOM), or the problem with the file.
fn parse(text: &str) -> Result<(Vec<String>, Rows), CellProblem> {
    let text = text.trim_start_matches('\u{feff}');
    let first = text.lines().next().unwrap_or_default();
    let delimiter = [b',', b';', b'\t']
        .into_iter()
        .max_by_key(|d| first.bytes().filter(|b| b == d).count())
        .unwrap_or(b',');
    let mut rdr = csv::ReaderBuilder::new()
        .delimiter(delimiter)
        .flexible(true)
        .from_reader(text.as_bytes());
    let header: Vec<String> = rdr
        .headers()
        .map_err(|e| problem(1, "", format!("cannot read the header: {e}")))?
        .iter()
        .map(|h| h.trim().to_owned())
        .collect();
    // Rows as a spreadsheet numbers them: the header is row 1 (a cell with
    // a line break inside is still one row).
    let mut rows = Vec::new();
    for (k, r) in rdr.records().enumerate() {
        let row = k as u64 + 2;
        let r = r.map_err(|e| problem(row, "", format!("malformed CSV: {e}")))?;
        // A cell the download neutralised (`'+371 …`, csv_cell) reads back
        // as it was, so an unchanged sheet changes nothing.
        let cells = r
            .iter()
            .map(|c| gapmap_geo::csv_cell::unescape(c).to_owned())
            .collect();
        rows.push((row, cells));
    }
    Ok((header, rows))
}

/// Check the header against the layer's columns.
fn check_header(layer: Layer, header: &[String], problems: &mut Vec<CellProblem>) {
    let cols = columns(layer).unwrap_or_default();
    if !header.iter().any(|h| h == "id") {
        problems.push(problem(
            1,
            "id",
            "the sheet has no `id` column: download the sheet and change it",
        ));
    }
    for h in header.iter().filter(|h| !cols.contains(&h.as_str())) {
        problems.push(problem(
            1,
            h,
            format!(
                "`{h}` is not a column of the {layer} sheet ({})",
                cols.join(", ")
            ),
        ));
    }
}

/// Plan an upload against the store (nothing is written).
pub fn plan(store: &mut Store, layer: Layer, text: &str) -> Result<Plan, EditError> {
    let mut w = store.writer()?;
    plan_in(&mut w, layer, text)
}

fn plan_in(w: &mut StoreWriter, layer: Layer, text: &str) -> Result<Plan, EditError> {
    let revision = w.revision()?;
    let mut out = Plan {
        rows: 0,
        changes: Vec::new(),
        problems: Vec::new(),
        revision,
        records: Vec::new(),
    };
    let (header, rows) = match parse(text) {
        Ok(p) => p,
        Err(p) => {
            out.problems.push(p);
            return Ok(out);
        }
    };
    check_header(layer, &header, &mut out.problems);
    if !out.problems.is_empty() {
        return Ok(out);
    }
    out.rows = rows.len();
    let stored: HashMap<String, Record> = w
        .read_layer(layer)?
        .into_iter()
        .map(|r| (r.id.clone(), r))
        .collect();
    let rules = rules_of(w)?;
    let mut seen = HashSet::new();
    for (row, cells) in rows {
        let cells: HashMap<&str, &str> = header
            .iter()
            .map(String::as_str)
            .zip(cells.iter().map(String::as_str))
            .collect();
        let id = cells.get("id").map(|s| s.trim()).unwrap_or_default();
        if id.is_empty() {
            out.problems.push(problem(row, "id", "the id is empty"));
            continue;
        }
        if !seen.insert(id.to_owned()) {
            out.problems
                .push(problem(row, "id", format!("`{id}` is on two rows")));
            continue;
        }
        let Some(before) = stored.get(id) else {
            out.problems.push(problem(
                row,
                "id",
                format!("no {layer} has the id `{id}` (add new ones on their form)"),
            ));
            continue;
        };
        match row_record(layer, row, before, &cells, &rules) {
            Ok(after) => out.add(row, before, after),
            Err(ps) => out.problems.extend(ps),
        }
    }
    Ok(out)
}

impl Plan {
    /// Note the fields a row changes.
    fn add(&mut self, row: u64, before: &Record, after: Record) {
        let cols = columns(before.layer).unwrap_or_default();
        let mut any = false;
        for c in cols.iter().filter(|c| **c != "id") {
            let (b, a) = (before.props.get(*c), after.props.get(*c));
            if b.unwrap_or(&Value::Null) != a.unwrap_or(&Value::Null) {
                any = true;
                self.changes.push(Change {
                    row,
                    id: before.id.clone(),
                    field: (*c).to_owned(),
                    before: cell(b),
                    after: cell(a),
                });
            }
        }
        if any {
            self.records.push((before.clone(), after));
        }
    }
}

/// The stored feature with a row's cells over it, validated as an edit;
/// else the problems, by row and column.
fn row_record(
    layer: Layer,
    row: u64,
    stored: &Record,
    cells: &HashMap<&str, &str>,
    rules: &gapmap_ingest::Options,
) -> Result<Record, Vec<CellProblem>> {
    let mut props = Map::new();
    for f in LayerSchema::of(layer).all_fields() {
        let text = match cells.get(f.name) {
            Some(c) => c.trim().to_owned(),
            None => cell(stored.props.get(f.name)),
        };
        if !text.is_empty() {
            props.insert(f.name.to_owned(), Value::String(text));
        }
    }
    for (k, v) in &stored.extra {
        props.entry(k.clone()).or_insert_with(|| v.clone());
    }
    let raw = RawFeature {
        location: Location::Line(row),
        props_pointer: None,
        geometry_pointer: None,
        id: Some(stored.id.clone()),
        geometry: stored.geometry.clone(),
        props,
        text_values: true,
    };
    let mut problems = Problems::default();
    let mut v = Validator::new(layer, "sheet", rules);
    let record = v.accept(raw, WGS84, &mut problems);
    let bad: Vec<CellProblem> = problems
        .iter()
        .filter(|p| p.severity == Severity::Error)
        .map(|p| {
            let column = p.field.clone().unwrap_or_default();
            let message = match &p.hint {
                Some(h) => format!("{} ({h})", p.message),
                None => p.message.clone(),
            };
            problem(row, &column, message)
        })
        .collect();
    match record {
        Some(r) if bad.is_empty() => Ok(r),
        _ => Err(bad),
    }
}

/// Apply an upload in one transaction, each changed feature with its audit
/// row: refused (nothing written) when it has problems or the store
/// changed since the plan at `revision`. The plan, and the new revision
/// when it was committed.
pub fn apply(
    store: &mut Store,
    layer: Layer,
    text: &str,
    revision: i64,
    ctx: &Context,
) -> Result<(Plan, Option<i64>), EditError> {
    let mut w = store.writer()?;
    let current = w.revision()?;
    if current != revision {
        return Err(EditError::PreconditionFailed {
            current: format!("r{current}"),
        });
    }
    let plan = plan_in(&mut w, layer, text)?;
    if !plan.problems.is_empty() || plan.records.is_empty() {
        return Ok((plan, None));
    }
    let mut lw = w.begin_layer(layer, Mode::Upsert)?;
    for (before, after) in &plan.records {
        w.put(&mut lw, after)?;
        let geometry = |r: &Record| {
            r.geometry
                .as_ref()
                .map(|g| serde_json::json!(geojson::Geometry::from(g)))
        };
        let (bg, ag) = (geometry(before), geometry(after));
        let changes = audit::diff(
            Some((&before.props, bg.as_ref())),
            Some((&after.props, ag.as_ref())),
        );
        let parish = w.parish_of(after);
        w.audit(&audit::Entry {
            ctx,
            action: Action::Update,
            layer: Some(layer.name()),
            feature_id: Some(&after.id),
            parish_id: parish.as_deref(),
            changes,
            ingest_id: None,
        })?;
    }
    w.end_layer(lw, "spreadsheet", "csv")?;
    let revision = w.revision()? + 1;
    w.commit(true)?;
    Ok((plan, Some(revision)))
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::edit::{self, Op};
    use gapmap_store::FeatureStore;
    use serde_json::json;

    fn ctx() -> Context {
        Context {
            actor: "ilze".into(),
            reason: "sheet test".into(),
            report_ref: None,
        }
    }

    /// A store holding one library, `lib-vilce`.
    fn store() -> (tempfile::TempDir, Store) {
        let dir = tempfile::tempdir().unwrap();
        let mut s = Store::open(dir.path().join("s.gpkg")).unwrap();
        let site = json!({"type": "Feature", "id": "lib-vilce",
            "geometry": {"type": "Point", "coordinates": [23.5458, 56.4219]},
            "properties": {"kind": "library", "name": "Vilces bibliotēka", "parish_id": "vilces-pagasts",
                           "source": "official", "source_ref": "https://example.lv/", "as_of": "2026-12-01"}});
        edit::apply(&mut s, Layer::Sites, Op::Create(site), None, &ctx()).unwrap();
        (dir, s)
    }

    fn sheet(s: &Store) -> String {
        download(Layer::Sites, &s.read_layer(Layer::Sites).unwrap()).unwrap()
    }

    #[test]
    fn rows_are_numbered_as_a_spreadsheet_numbers_them() {
        let (header, rows) =
            parse("\u{feff}id;name\na;\"two\nlines\"\nb;plain\n").expect("a semicolon sheet");
        assert_eq!(header, ["id", "name"]);
        assert_eq!(rows[0], (2, vec!["a".to_owned(), "two\nlines".to_owned()]));
        assert_eq!(rows[1].0, 3, "a line break inside a cell is still one row");
    }

    #[test]
    fn an_unknown_column_or_no_id_is_named_on_row_1() {
        let mut ps = Vec::new();
        check_header(Layer::Sites, &["name".into(), "colour".into()], &mut ps);
        let cols: Vec<&str> = ps.iter().map(|p| p.column.as_str()).collect();
        assert_eq!(cols, ["id", "colour"]);
        assert!(ps.iter().all(|p| p.row == 1));
        assert!(columns(Layer::Areas).is_none());
    }

    #[test]
    fn the_sheet_as_downloaded_changes_nothing() {
        let (_d, mut s) = store();
        let text = sheet(&s);
        assert!(text.starts_with("\u{feff}id,name,"));
        let p = plan(&mut s, Layer::Sites, &text).unwrap();
        assert_eq!((p.rows, p.changes.len(), p.problems.len()), (1, 0, 0));
        let (_, revision) = apply(&mut s, Layer::Sites, &text, p.revision, &ctx()).unwrap();
        assert_eq!(revision, None, "nothing saved");
    }

    /// A phone number beginning with `+` is written `'+371 …` (so a
    /// spreadsheet does not read it as a formula) and reads back as it was.
    #[test]
    fn a_neutralised_cell_reads_back_unchanged() {
        let (_d, mut s) = store();
        let text = "id,phone\nlib-vilce,+371 63012345\n";
        let p = plan(&mut s, Layer::Sites, text).unwrap();
        apply(&mut s, Layer::Sites, text, p.revision, &ctx()).unwrap();
        let sheet = sheet(&s);
        assert!(sheet.contains("'+371 63012345"), "{sheet}");
        let p = plan(&mut s, Layer::Sites, &sheet).unwrap();
        assert_eq!(
            (p.changes.len(), p.problems.len()),
            (0, 0),
            "{:?}",
            p.changes
        );
    }

    #[test]
    fn a_changed_cell_is_one_change_and_one_audited_update() {
        let (_d, mut s) = store();
        let text = "id,phone\nlib-vilce,63012345\n";
        let p = plan(&mut s, Layer::Sites, text).unwrap();
        assert!(p.problems.is_empty(), "{:?}", p.problems);
        assert_eq!(p.changes.len(), 1);
        assert_eq!(
            (p.changes[0].row, p.changes[0].field.as_str()),
            (2, "phone")
        );
        let (_, revision) = apply(&mut s, Layer::Sites, text, p.revision, &ctx()).unwrap();
        assert_eq!(revision, Some(p.revision + 1));
        let mut conn =
            rusqlite::Connection::open(s.as_gpkg().expect("a GeoPackage store").path()).unwrap();
        let rows = audit::read(&mut conn, &audit::Filter::default()).unwrap();
        assert_eq!(
            rows.last().unwrap().changes,
            json!({"phone": [null, "63012345"]})
        );
        // The plan was made before this save: it is stale now.
        assert!(matches!(
            apply(&mut s, Layer::Sites, text, p.revision, &ctx()),
            Err(EditError::PreconditionFailed { .. })
        ));
    }

    #[test]
    fn a_bad_cell_is_named_by_row_and_column_and_nothing_is_saved() {
        let (_d, mut s) = store();
        let text = "id,wheelchair\nlib-vilce,maybe\nnot-a-site,yes\n";
        let p = plan(&mut s, Layer::Sites, text).unwrap();
        let at: Vec<(u64, &str)> = p
            .problems
            .iter()
            .map(|p| (p.row, p.column.as_str()))
            .collect();
        assert_eq!(at, [(2, "wheelchair"), (3, "id")], "{:?}", p.problems);
        let (_, revision) = apply(&mut s, Layer::Sites, text, p.revision, &ctx()).unwrap();
        assert_eq!(revision, None);
    }
}
