//! The embedded Jelgavas novads dataset and the default store built from it.
//!
//! On first start (or when the embedded files change) the files are written
//! to a temporary folder and ingested through the normal ingest path into a
//! new GeoPackage, then the open sources' files in `sources/` (in their
//! published formats) are applied as `gapmap update --from-dir` applies them,
//! with the as-of dates `sources/sources.csv` gives; the new store then
//! replaces the old one atomically (rename).

use gapmap_ingest::run::ingest_files;
use gapmap_ingest::{Input, Mode, Options, detect_format};
use gapmap_store::Store;
use gapmap_store::gpkg::GpkgStore;
use std::path::{Path, PathBuf};

mod embedded {
    include!(concat!(env!("OUT_DIR"), "/embedded.rs"));
}

/// The order layers are ingested in (areas first: demand refers to parishes;
/// sites before equipment and visits, which refer to them).
const ORDER: &[&str] = &[
    "areas",
    "settlements",
    "buildings",
    "sites",
    "priority_zones",
    "coverage",
    "demand",
    "plan",
    "equipment",
    "visits",
];

/// Where gapmap keeps its data: `$GAPMAP_DATA_DIR`, else
/// `$XDG_DATA_HOME/gapmap`, else `~/.local/share/gapmap`.
pub fn data_dir() -> PathBuf {
    if let Some(d) = std::env::var_os("GAPMAP_DATA_DIR") {
        return PathBuf::from(d);
    }
    if let Some(d) = std::env::var_os("XDG_DATA_HOME") {
        return PathBuf::from(d).join("gapmap");
    }
    match std::env::var_os("HOME") {
        Some(h) => PathBuf::from(h).join(".local/share/gapmap"),
        None => PathBuf::from("gapmap-data"),
    }
}

pub fn default_store() -> PathBuf {
    data_dir().join("jelgava.gpkg")
}

#[derive(Debug, thiserror::Error)]
pub enum DatasetError {
    #[error("{path}: {source}")]
    Io {
        path: PathBuf,
        source: std::io::Error,
    },
    #[error(transparent)]
    Ingest(#[from] gapmap_ingest::IngestError),
    #[error(transparent)]
    Store(#[from] gapmap_store::StoreError),
    #[error("the embedded dataset is invalid:\n{0}")]
    Invalid(String),
}

fn io(path: &Path) -> impl FnOnce(std::io::Error) -> DatasetError + '_ {
    move |source| DatasetError::Io {
        path: path.to_owned(),
        source,
    }
}

/// Make sure the default store exists and holds the embedded dataset.
pub fn ensure_default_store(store: &Path) -> Result<bool, DatasetError> {
    if store.exists() {
        let current = GpkgStore::open_read_only(store)
            .ok()
            .and_then(|s| s.meta("dataset_hash").ok().flatten());
        if current.as_deref() == Some(embedded::HASH) {
            return Ok(false);
        }
        // Once people have accounts or edited through the API, the store is
        // the municipality's data: never replaced by a newer embedded copy.
        let local = GpkgStore::open_read_only(store)
            .ok()
            .map(|s| s.has_local_changes())
            .transpose()?
            .unwrap_or(false);
        if local {
            tracing::warn!(store = %store.display(), "the embedded dataset changed, but this store holds accounts or edits and is kept; update it with `gapmap ingest`");
            return Ok(false);
        }
    }
    let dir = store.parent().map(Path::to_path_buf).unwrap_or_default();
    std::fs::create_dir_all(&dir).map_err(io(&dir))?;
    let work = dir.join(format!(".geodata-{}", std::process::id()));
    std::fs::create_dir_all(&work).map_err(io(&work))?;
    let tmp = dir.join(format!(
        ".{}.tmp-{}",
        store
            .file_name()
            .map(|n| n.to_string_lossy())
            .unwrap_or_default(),
        std::process::id()
    ));
    let result = build(&work, &tmp);
    let _ = std::fs::remove_dir_all(&work);
    match result {
        Ok(()) => {
            std::fs::rename(&tmp, store).map_err(io(store))?;
            Ok(true)
        }
        Err(e) => {
            let _ = std::fs::remove_file(&tmp);
            Err(e)
        }
    }
}

fn build(work: &Path, tmp: &Path) -> Result<(), DatasetError> {
    let _ = std::fs::remove_file(tmp);
    let mut inputs = Vec::new();
    let mut files: Vec<&(&str, &[u8])> = embedded::FILES
        .iter()
        .filter(|(name, _)| !name.starts_with("sources/"))
        .collect();
    files.sort_by_key(|(name, _)| {
        ORDER
            .iter()
            .position(|o| name.starts_with(o))
            .unwrap_or(ORDER.len())
    });
    for (name, bytes) in files {
        // Written under geodata/jelgava/ so the audit log names the dataset file.
        let path = work.join("geodata/jelgava").join(name);
        if let Some(p) = path.parent() {
            std::fs::create_dir_all(p).map_err(io(p))?;
        }
        std::fs::write(&path, bytes).map_err(io(&path))?;
        let format = detect_format(&path, None)?;
        inputs.push(Input { path, format });
    }
    let mut store = Store::open(tmp)?;
    let mut outcome = None;
    for input in &inputs {
        let layer = ORDER.iter().find(|o| {
            input
                .path
                .file_name()
                .is_some_and(|n| n.to_string_lossy().starts_with(*o))
        });
        let opts = Options {
            layer: layer.and_then(|l| l.parse().ok()),
            ..Options::default()
        };
        let o = ingest_files(
            &mut store,
            std::slice::from_ref(input),
            &opts,
            Mode::Replace,
        )?;
        if !o.is_valid() {
            let text: Vec<String> = o.problems.iter().map(ToString::to_string).collect();
            return Err(DatasetError::Invalid(text.join("\n")));
        }
        outcome = Some(o);
    }
    let _ = outcome;
    apply_sources(work, &mut store)?;
    let mut w = store.writer()?;
    w.set_meta("dataset_hash", embedded::HASH)?;
    w.commit(false)?;
    Ok(())
}

/// Apply the embedded open sources (`sources/`, listed with their as-of
/// dates in `sources/sources.csv`) as `gapmap update --from-dir` does.
fn apply_sources(work: &Path, store: &mut Store) -> Result<(), DatasetError> {
    let dir = work.join("geodata/jelgava/sources");
    std::fs::create_dir_all(&dir).map_err(io(&dir))?;
    for (name, bytes) in embedded::FILES
        .iter()
        .filter(|(n, _)| n.starts_with("sources/"))
    {
        let path = work.join("geodata/jelgava").join(name);
        std::fs::write(&path, bytes).map_err(io(&path))?;
    }
    let manifest = dir.join("sources.csv");
    let Ok(text) = std::fs::read_to_string(&manifest) else {
        return Ok(());
    };
    for line in text.lines().skip(1).filter(|l| !l.trim().is_empty()) {
        let cols: Vec<&str> = line.split(',').collect();
        let (Some(name), Some(file), Some(as_of)) = (cols.first(), cols.get(1), cols.get(2)) else {
            return Err(DatasetError::Invalid(format!(
                "sources/sources.csv: bad row `{line}`"
            )));
        };
        let source = gapmap_ingest::sources::by_name(name).ok_or_else(|| {
            DatasetError::Invalid(format!("sources/sources.csv: unknown source `{name}`"))
        })?;
        let path = dir.join(file);
        let bytes = std::fs::read(&path).map_err(io(&path))?;
        let sha = sha256_hex(&bytes);
        let version = gapmap_ingest::update::Version {
            location: format!("geodata/jelgava/sources/{file}"),
            path,
            version: format!("sha256:{}", &sha[..16]),
            sha256: sha,
            bytes: bytes.len() as u64,
            etag: None,
            last_modified: None,
            as_of: gapmap_model::parse_date(as_of).ok_or_else(|| {
                DatasetError::Invalid(format!("sources/sources.csv: bad date `{as_of}`"))
            })?,
        };
        let opts = gapmap_ingest::update::UpdateOptions {
            actor: "gapmap (embedded dataset)".into(),
            ..Default::default()
        };
        let applied = gapmap_ingest::update::apply(store, source, &version, &opts)?;
        if !applied.is_valid() {
            let text: Vec<String> = applied.problems.iter().map(ToString::to_string).collect();
            return Err(DatasetError::Invalid(text.join("\n")));
        }
    }
    Ok(())
}

/// Lower-case hex SHA-256 of bytes.
fn sha256_hex(bytes: &[u8]) -> String {
    use sha2::Digest as _;
    crate::fetch::hex(&sha2::Sha256::digest(bytes))
}
