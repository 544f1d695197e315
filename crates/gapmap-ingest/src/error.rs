//! What stops an ingest before any feature is read.

/// A failure that stops reading a file (as opposed to a [`problem::Problem`]
/// in its content, which is collected).
#[derive(Debug, thiserror::Error)]
pub enum IngestError {
    #[error("{path}: {source}")]
    Io {
        path: String,
        source: std::io::Error,
    },
    /// The command was used wrongly (exit status 64).
    #[error("{0}")]
    Usage(String),
    #[error(transparent)]
    Store(#[from] gapmap_store::StoreError),
}
