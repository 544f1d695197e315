//! The errors of every command, and the exit status each maps to.

use gapmap_ingest::IngestError;

#[derive(Debug, thiserror::Error)]
pub enum CliError {
    #[error("{0}")]
    Usage(String),
    #[error("{0}")]
    Invalid(String),
    #[error("{0}")]
    Other(String),
}

impl CliError {
    pub fn exit_code(&self) -> u8 {
        match self {
            CliError::Usage(_) => 64,
            CliError::Invalid(_) => 2,
            CliError::Other(_) => 1,
        }
    }
}

impl From<IngestError> for CliError {
    fn from(e: IngestError) -> Self {
        match e {
            IngestError::Usage(m) => CliError::Usage(m),
            other => CliError::Other(other.to_string()),
        }
    }
}

pub(crate) fn other(e: impl std::fmt::Display) -> CliError {
    CliError::Other(e.to_string())
}
