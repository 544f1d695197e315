//! `gapmap sources`, `gapmap update` and `gapmap geocode`: the open
//! registers into the store.
//!
//! `update` takes each source asked for (default: every one it can get) in
//! the catalogue's order ([`gapmap_ingest::sources::SOURCES`]): the file
//! from `--from-dir` or downloaded ([`crate::fetch`]), applied in one
//! transaction of its own ([`gapmap_ingest::update::apply`]); a source that
//! fails is recorded and reported, and the others still run. Then, when any
//! source changed the store, every site and building with an address is
//! placed at it ([`gapmap_ingest::geocode`]).

use crate::cli::{GeocodeArgs, SourcesArgs, UpdateArgs};
use crate::error::{CliError, other};
use crate::fetch::{self, Conditional, Fetched, Limits};
use gapmap_ingest::sources::{self, OpenSource, SOURCES};
use gapmap_ingest::update::{self, Applied, UpdateOptions, Version};
use gapmap_store::{Location, Store};
use serde_json::{Value, json};
use std::path::{Path, PathBuf};
use std::time::Duration;

/// `gapmap sources`: every source with its publisher, address, licence,
/// credit, format, layer and field mapping.
pub fn sources_cmd(a: SourcesArgs) -> Result<(), CliError> {
    if a.json {
        let list: Vec<Value> = SOURCES.iter().map(source_json).collect();
        out!("{}", json!({"sources": list}));
        return Ok(());
    }
    for s in SOURCES {
        out!("{} — {}", s.name, s.title);
        out!("  publisher: {}", s.publisher);
        out!("  page:      {}", s.page);
        out!(
            "  address:   {}",
            s.url
                .unwrap_or("(none known: --url NAME=URL or --from-dir)")
        );
        out!("  file:      {} ({})", s.file, s.format);
        out!("  licence:   {}", s.licence);
        out!("  credit:    {}", s.credit);
        out!(
            "  feeds:     {} ({} mode, source {})",
            s.layer,
            s.mode.name(),
            s.source
        );
        for (to, from) in s.fields {
            out!("    {to:<12} ← {from}");
        }
        out!("  note:      {}", s.note);
    }
    Ok(())
}

fn source_json(s: &OpenSource) -> Value {
    json!({
        "name": s.name, "title": s.title, "publisher": s.publisher, "page": s.page,
        "url": s.url, "file": s.file, "format": s.format.name(), "licence": s.licence,
        "credit": s.credit, "source": s.source.as_str(), "layer": s.layer.name(),
        "mode": s.mode.name(),
        "fields": s.fields.iter().map(|(to, from)| json!({"field": to, "from": from})).collect::<Vec<_>>(),
        "max_bytes": s.max_bytes, "note": s.note,
    })
}

/// Where downloads are kept: `sources/` beside a GeoPackage store, or in
/// the data directory for a PostGIS one.
fn downloads_dir(store: &Location) -> PathBuf {
    match store {
        Location::Gpkg(p) => p.parent().unwrap_or(Path::new(".")).join("sources"),
        Location::Postgres(_) => crate::dataset::default_store()
            .parent()
            .unwrap_or(Path::new("."))
            .join("sources"),
    }
}

/// What one source came to.
struct Report {
    json: Value,
    /// 0 ok, 2 invalid file, 1 other failure.
    status: u8,
    changed: bool,
}

/// `gapmap update`.
pub fn update_cmd(a: UpdateArgs) -> Result<(), CliError> {
    let plan = Plan::new(&a)?;
    let path = crate::load::store_or_default(a.store.clone())?;
    let mut store = Store::open(&path).map_err(other)?;
    let mut reports = Vec::new();
    for s in &plan.sources {
        reports.push(plan.run(&mut store, s, &path));
    }
    let changed = reports.iter().any(|r| r.changed);
    let geocoded = if changed && !a.dry_run && !a.no_geocode {
        Some(geocode_after_update(&mut store)?)
    } else {
        None
    };
    if a.json {
        let list: Vec<&Value> = reports.iter().map(|r| &r.json).collect();
        out!(
            "{}",
            json!({"dry_run": a.dry_run, "sources": list, "geocode": geocoded})
        );
    }
    match reports.iter().map(|r| r.status).max().unwrap_or(0) {
        0 => Ok(()),
        2 if reports.iter().all(|r| r.status != 1) => Err(CliError::Invalid(
            "a source's file is invalid; that source was not applied".into(),
        )),
        _ => Err(CliError::Other(
            "a source could not be updated; it was not applied".into(),
        )),
    }
}

/// Place sites and buildings at their addresses after an update; the
/// summary as JSON (printed as a line too).
fn geocode_after_update(store: &mut Store) -> Result<Value, CliError> {
    let ctx = gapmap_store::audit::Context {
        actor: crate::user::cli_actor(),
        reason: "placed at its address (VZD register) after gapmap update".into(),
        report_ref: None,
    };
    let o = gapmap_ingest::geocode::geocode_store(store, false, &ctx)?;
    if o.register > 0 {
        say!(
            "geocode: {} matched ({} moved), {} ambiguous, {} unmatched, {} conflicts, against {} register addresses",
            o.tally.matched,
            o.tally.moved,
            o.tally.ambiguous,
            o.tally.unmatched,
            o.tally.conflict,
            o.register
        );
    }
    Ok(json!({"register": o.register, "tally": o.tally}))
}

/// The sources to run and how.
struct Plan {
    sources: Vec<&'static OpenSource>,
    urls: Vec<(String, String)>,
    from_dir: Option<PathBuf>,
    as_of: Option<chrono::NaiveDate>,
    max_bytes: Option<u64>,
    timeout: Duration,
    opts: UpdateOptions,
    json: bool,
}

impl Plan {
    /// Check the arguments: source names, `--url` pairs, the date.
    fn new(a: &UpdateArgs) -> Result<Plan, CliError> {
        let mut urls = Vec::new();
        for u in &a.urls {
            let (n, url) = u
                .split_once('=')
                .ok_or_else(|| CliError::Usage(format!("--url {u}: expected NAME=URL")))?;
            if sources::by_name(n).is_none() {
                return Err(CliError::Usage(format!(
                    "--url {u}: unknown source `{n}` (one of {})",
                    sources::names()
                )));
            }
            urls.push((n.to_owned(), url.to_owned()));
        }
        for n in &a.sources {
            if sources::by_name(n).is_none() {
                return Err(CliError::Usage(format!(
                    "unknown source `{n}` (one of {})",
                    sources::names()
                )));
            }
        }
        let as_of = a
            .as_of
            .as_deref()
            .map(|d| {
                gapmap_model::parse_date(d)
                    .ok_or_else(|| CliError::Usage(format!("--as-of {d}: expected YYYY-MM-DD")))
            })
            .transpose()?;
        let mut plan = Plan {
            sources: Vec::new(),
            urls,
            from_dir: a.from_dir.clone(),
            as_of,
            max_bytes: a.max_bytes,
            timeout: Duration::from_secs(a.timeout_s.max(1)),
            opts: UpdateOptions {
                dry_run: a.dry_run,
                municipality_code: a.municipality_code.clone(),
                actor: crate::user::cli_actor(),
            },
            json: a.json,
        };
        plan.sources = SOURCES
            .iter()
            .filter(|s| {
                if a.sources.is_empty() {
                    plan.available(s)
                } else {
                    a.sources.iter().any(|n| n == s.name)
                }
            })
            .collect();
        if plan.sources.is_empty() {
            return Err(CliError::Usage(
                "no source to update: name one, or give --from-dir with its files".into(),
            ));
        }
        Ok(plan)
    }

    /// Whether a source can be had without naming it: its file is in
    /// `--from-dir`, or an address is known.
    fn available(&self, s: &OpenSource) -> bool {
        match &self.from_dir {
            Some(d) => find_file(d, s.file).is_some(),
            None => self.url(s).is_some(),
        }
    }

    fn url(&self, s: &OpenSource) -> Option<String> {
        self.urls
            .iter()
            .find(|(n, _)| n == s.name)
            .map(|(_, u)| u.clone())
            .or_else(|| s.url.map(str::to_owned))
    }

    /// Get and apply one source; what came of it.
    fn run(&self, store: &mut Store, s: &'static OpenSource, store_path: &Location) -> Report {
        let version = match self.version(store, s, store_path) {
            Ok(Some(v)) => v,
            Ok(None) => return self.not_modified(store, s),
            Err((status, location, message)) => {
                return self.failed(store, s, &location, &message, status, Vec::new());
            }
        };
        match update::apply(store, s, &version, &self.opts) {
            Ok(applied) if applied.is_valid() => self.applied(s, &version, &applied),
            Ok(applied) => {
                let problems: Vec<String> = update::notable(&applied.problems)
                    .map(ToString::to_string)
                    .collect();
                let n = applied.problems.errors();
                let message = format!("{n} error(s) in the file; nothing was applied");
                self.failed(store, s, &version.location, &message, 2, problems)
            }
            Err(e) => {
                let status = if matches!(e, gapmap_ingest::IngestError::Usage(_)) {
                    2
                } else {
                    1
                };
                self.failed(
                    store,
                    s,
                    &version.location,
                    &e.to_string(),
                    status,
                    Vec::new(),
                )
            }
        }
    }

    /// The file of a source: from `--from-dir`, or downloaded
    /// (conditionally); `None` when the server says it has not changed.
    fn version(
        &self,
        store: &Store,
        s: &OpenSource,
        store_path: &Location,
    ) -> Result<Option<Version>, (u8, String, String)> {
        match &self.from_dir {
            Some(dir) => self.read_from_dir(dir, s).map(Some),
            None => self.download(store, s, store_path),
        }
    }

    fn read_from_dir(&self, dir: &Path, s: &OpenSource) -> Result<Version, (u8, String, String)> {
        let path = find_file(dir, s.file).ok_or_else(|| {
            let p = dir.join(s.file).display().to_string();
            (
                2,
                p.clone(),
                format!("{p}: no such file (the source's file is named {})", s.file),
            )
        })?;
        let location = path.display().to_string();
        let (sha256, bytes) = fetch::hash_file(&path)
            .map_err(|e| (1, location.clone(), format!("{location}: {e}")))?;
        let as_of = self
            .as_of
            .or_else(|| manifest_date(dir, s.name))
            .unwrap_or_else(|| file_date(&path));
        Ok(Version {
            location,
            path,
            version: format!("sha256:{}", &sha256[..16]),
            sha256,
            bytes,
            etag: None,
            last_modified: None,
            as_of,
        })
    }

    fn download(
        &self,
        store: &Store,
        s: &OpenSource,
        store_path: &Location,
    ) -> Result<Option<Version>, (u8, String, String)> {
        let Some(url) = self.url(s) else {
            return Err((
                2,
                s.page.to_owned(),
                format!(
                    "no download address is known for {}: give --url {}=URL (from {}) or --from-dir",
                    s.name, s.name, s.page
                ),
            ));
        };
        let dir = downloads_dir(store_path);
        std::fs::create_dir_all(&dir)
            .map_err(|e| (1, url.clone(), format!("{}: {e}", dir.display())))?;
        let cond = last_conditional(store, s, &url);
        let limits = Limits {
            connect: self.timeout,
            read: self.timeout,
            max_bytes: self.max_bytes.unwrap_or(s.max_bytes),
        };
        let dest = dir.join(s.file);
        let got = fetch::fetch(&url, &dest, &cond, &limits, &|ct| s.accepts(ct))
            .map_err(|e| (1, url.clone(), e.to_string()))?;
        let Fetched::File(d) = got else {
            return Ok(None);
        };
        let as_of = self
            .as_of
            .or_else(|| d.last_modified.as_deref().and_then(http_date))
            .unwrap_or_else(today);
        Ok(Some(Version {
            location: url,
            version: d
                .etag
                .clone()
                .unwrap_or_else(|| format!("sha256:{}", &d.sha256[..16])),
            path: d.path,
            sha256: d.sha256,
            bytes: d.bytes,
            etag: d.etag,
            last_modified: d.last_modified,
            as_of,
        }))
    }

    fn applied(&self, s: &OpenSource, v: &Version, applied: &Applied) -> Report {
        let verb = if self.opts.dry_run {
            "would change"
        } else {
            "applied"
        };
        for p in update::notable(&applied.problems) {
            say!("{}: {p}", s.name);
        }
        for (layer, c) in &applied.changes {
            say!(
                "{}: {verb} {layer}: {} added, {} changed, {} retired, {} unchanged (version {}, as of {})",
                s.name,
                c.added,
                c.changed,
                c.retired,
                c.unchanged,
                v.version,
                v.as_of
            );
        }
        Report {
            json: json!({"source": s.name, "outcome": if self.opts.dry_run { "dry_run" } else { "applied" },
                "location": v.location, "version": v.version, "as_of": v.as_of.to_string(),
                "sha256": v.sha256, "bytes": v.bytes, "changes": applied.changes_json(),
                "warnings": update::notable(&applied.problems).map(ToString::to_string).collect::<Vec<_>>()}),
            status: 0,
            changed: applied.committed && applied.changes.values().any(|c| c.any()),
        }
    }

    fn not_modified(&self, store: &Store, s: &OpenSource) -> Report {
        say!("{}: not modified since the last update (HTTP 304)", s.name);
        if !self.opts.dry_run {
            let _ = store.record_failed_update(&gapmap_store::side_tables::SourceUpdate {
                source: s.name.into(),
                outcome: "not_modified".into(),
                location: self.url(s).unwrap_or_default(),
                changes: json!({}),
                ..Default::default()
            });
        }
        Report {
            json: json!({"source": s.name, "outcome": "not_modified"}),
            status: 0,
            changed: false,
        }
    }

    fn failed(
        &self,
        store: &Store,
        s: &OpenSource,
        location: &str,
        message: &str,
        status: u8,
        problems: Vec<String>,
    ) -> Report {
        for p in &problems {
            say!("{}: {p}", s.name);
        }
        say!("{}: not updated: {message}", s.name);
        if !self.opts.dry_run {
            let _ = update::record_failure(store, s, location, message);
        }
        let _ = self.json;
        Report {
            json: json!({"source": s.name, "outcome": "failed", "location": location, "message": message, "problems": problems}),
            status,
            changed: false,
        }
    }
}

/// The file of a source in a folder: its name, in any case.
fn find_file(dir: &Path, name: &str) -> Option<PathBuf> {
    let exact = dir.join(name);
    if exact.is_file() {
        return Some(exact);
    }
    std::fs::read_dir(dir)
        .ok()?
        .filter_map(Result::ok)
        .map(|e| e.path())
        .find(|p| {
            p.file_name()
                .is_some_and(|n| n.to_string_lossy().eq_ignore_ascii_case(name))
        })
}

/// The ETag and Last-Modified of the last good run of a source from this
/// address.
fn last_conditional(store: &Store, s: &OpenSource, url: &str) -> Conditional {
    store
        .source_updates(Some(s.name), 50)
        .unwrap_or_default()
        .into_iter()
        .find(|u| matches!(u.outcome.as_str(), "applied" | "unchanged") && u.location == url)
        .map(|u| Conditional {
            etag: u.etag,
            last_modified: u.last_modified,
        })
        .unwrap_or_default()
}

/// Today in Europe/Riga.
fn today() -> chrono::NaiveDate {
    chrono::Utc::now()
        .with_timezone(&chrono_tz::Europe::Riga)
        .date_naive()
}

/// The date of an HTTP date (`Wed, 21 Oct 2015 07:28:00 GMT`), in Riga.
fn http_date(s: &str) -> Option<chrono::NaiveDate> {
    chrono::DateTime::parse_from_rfc2822(s)
        .ok()
        .map(|d| d.with_timezone(&chrono_tz::Europe::Riga).date_naive())
}

/// The as-of date a folder's `sources.csv` gives a source (columns
/// `source,file,as_of,…`, as `geodata/jelgava/sources/` has it).
fn manifest_date(dir: &Path, source: &str) -> Option<chrono::NaiveDate> {
    let text = std::fs::read_to_string(dir.join("sources.csv")).ok()?;
    text.lines().skip(1).find_map(|l| {
        let cols: Vec<&str> = l.split(',').collect();
        (cols.first() == Some(&source))
            .then(|| cols.get(2).and_then(|d| gapmap_model::parse_date(d.trim())))
            .flatten()
    })
}

/// The modification date of a file, in Riga (else today).
fn file_date(path: &Path) -> chrono::NaiveDate {
    std::fs::metadata(path)
        .and_then(|m| m.modified())
        .ok()
        .map(|t| {
            chrono::DateTime::<chrono::Utc>::from(t)
                .with_timezone(&chrono_tz::Europe::Riga)
                .date_naive()
        })
        .unwrap_or_else(today)
}

/// `gapmap geocode`.
pub fn geocode_cmd(a: GeocodeArgs) -> Result<(), CliError> {
    let path = crate::load::store_or_default(a.store.clone())?;
    if let (Some(input), Some(out)) = (&a.input, &a.out) {
        return crate::geocode_file::run(&path, input, out, a.json);
    }
    let mut store = Store::open(&path).map_err(other)?;
    let ctx = gapmap_store::audit::Context {
        actor: crate::user::cli_actor(),
        reason: "placed at its address (VZD register)".into(),
        report_ref: None,
    };
    let o = gapmap_ingest::geocode::geocode_store(&mut store, a.dry_run, &ctx)?;
    if o.register == 0 {
        return Err(CliError::Usage(format!(
            "{}: no address register in the store; run `gapmap update vzd-address` first",
            path
        )));
    }
    if a.json {
        out!(
            "{}",
            json!({"dry_run": a.dry_run, "register": o.register, "tally": o.tally, "placements": o.placements})
        );
    } else {
        for p in o.placements.iter().filter(|p| p.status != "matched") {
            say!(
                "{} {}: {} — {}{}",
                p.layer,
                p.id,
                p.status,
                p.address,
                p.reason
                    .as_deref()
                    .map(|r| format!(" ({r})"))
                    .unwrap_or_default()
            );
            for c in &p.candidates {
                say!("    candidate: {c}");
            }
        }
        let verb = if a.dry_run { "would move" } else { "moved" };
        say!(
            "{} matched ({verb} {}), {} ambiguous, {} unmatched, {} conflicts; {} register addresses",
            o.tally.matched,
            o.tally.moved,
            o.tally.ambiguous,
            o.tally.unmatched,
            o.tally.conflict,
            o.register
        );
    }
    Ok(())
}
