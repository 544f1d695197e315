//! What can go wrong in a store, with the file it happened in.

use std::path::{Path, PathBuf};

#[derive(Debug, thiserror::Error)]
pub enum StoreError {
    #[error("{path}: {source}")]
    Sqlite {
        path: PathBuf,
        source: rusqlite::Error,
    },
    #[error("{path}: {message}")]
    Corrupt { path: PathBuf, message: String },
    /// A stored feature that does not type (a store edited by hand).
    #[error("{layer} `{id}`: {message}")]
    Invalid {
        layer: gapmap_model::Layer,
        id: String,
        message: String,
    },
    #[error("{path}: {source}")]
    Io {
        path: PathBuf,
        source: std::io::Error,
    },
}

impl StoreError {
    /// A SQLite error in the store at `path`.
    pub fn sqlite(path: &Path, source: rusqlite::Error) -> StoreError {
        StoreError::Sqlite {
            path: path.to_owned(),
            source,
        }
    }
}
