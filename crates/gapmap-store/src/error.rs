//! What can go wrong in a store, with the file it happened in.

use std::path::{Path, PathBuf};

/// The longest a write waits for the store (at the gate of
/// [`crate::write`] and for SQLite's lock together) before it gives up as
/// [`StoreError::Busy`].
pub const BUSY_BOUND: std::time::Duration = std::time::Duration::from_secs(10);

/// The words every "the store cannot be reached" error carries (the server
/// answers 503 with `Retry-After`: reads go on from the last snapshot).
pub const UNREACHABLE: &str = "the store cannot be reached";

/// The words every "the store stayed busy" error carries, so that the
/// layers above (which see these errors through their own error types)
/// can tell a busy store (answer 503, try again) from a failure.
pub const BUSY: &str = "the store stayed busy with another write";

#[derive(Debug, thiserror::Error)]
pub enum StoreError {
    #[error("{path}: {source}")]
    Sqlite {
        path: PathBuf,
        source: rusqlite::Error,
    },
    /// Another write held the store longer than the bound
    /// ([`BUSY_BOUND`]); nothing was written.
    #[error("{path}: {BUSY} for more than {waited_s} s; nothing was written, try again")]
    Busy { path: PathBuf, waited_s: u64 },
    #[error("{path}: {message}")]
    Corrupt { path: PathBuf, message: String },
    /// A stored feature that does not type (a store edited by hand).
    #[error("{layer} `{id}`: {message}")]
    Invalid {
        layer: gapmap_model::Layer,
        id: String,
        message: String,
    },
    /// A PostgreSQL error in the PostGIS store (URL without password).
    #[error("{store}: {}", pg_message(source))]
    Postgres {
        store: String,
        source: postgres::Error,
    },
    /// The PostGIS store cannot be reached (down, restarting, refused):
    /// reads answer from the last snapshot, writes get 503 and try again.
    #[error("{store}: {UNREACHABLE}: {message}")]
    Unreachable { store: String, message: String },
    /// A column that did not hold what the code reads from it (a store
    /// edited by hand, or a column of another type than the code's).
    #[error("column {index}: {message}")]
    Column { index: usize, message: String },
    #[error("{path}: {source}")]
    Io {
        path: PathBuf,
        source: std::io::Error,
    },
}

impl StoreError {
    /// A SQLite error in the store at `path` ([`StoreError::Busy`] when
    /// SQLite gave up waiting for a lock).
    pub fn sqlite(path: &Path, source: rusqlite::Error) -> StoreError {
        if is_busy(&source) {
            return StoreError::Busy {
                path: path.to_owned(),
                waited_s: BUSY_BOUND.as_secs(),
            };
        }
        StoreError::Sqlite {
            path: path.to_owned(),
            source,
        }
    }

    /// A PostgreSQL error in the store at `url`: [`StoreError::Unreachable`]
    /// when the connection is gone (closed, refused, the server shutting
    /// down), [`StoreError::Busy`] for a serialization failure or deadlock
    /// the caller may retry.
    pub fn postgres(url: &str, source: postgres::Error) -> StoreError {
        let store = crate::location::redact(url);
        let code = source.code().cloned();
        if pg_unreachable(&source) {
            return StoreError::Unreachable {
                store,
                message: source.to_string(),
            };
        }
        if code.as_ref().is_some_and(|c| {
            *c == postgres::error::SqlState::T_R_SERIALIZATION_FAILURE
                || *c == postgres::error::SqlState::T_R_DEADLOCK_DETECTED
                || *c == postgres::error::SqlState::LOCK_NOT_AVAILABLE
        }) {
            return StoreError::Busy {
                path: store.into(),
                waited_s: BUSY_BOUND.as_secs(),
            };
        }
        StoreError::Postgres { store, source }
    }

    /// Whether the store was busy (the operation may be tried again).
    pub fn is_busy(&self) -> bool {
        matches!(self, StoreError::Busy { .. })
    }

    /// Whether the store could not be reached (PostGIS down or restarting).
    pub fn is_unreachable(&self) -> bool {
        matches!(self, StoreError::Unreachable { .. })
    }
}

/// What the server said (rust-postgres' own text for a server error is
/// only "db error"): its message, detail and hint.
fn pg_message(e: &postgres::Error) -> String {
    match e.as_db_error() {
        Some(d) => {
            let mut m = format!("{} ({})", d.message(), d.code().code());
            for extra in [d.detail(), d.hint()].into_iter().flatten() {
                m.push_str("; ");
                m.push_str(extra);
            }
            m
        }
        None => e.to_string(),
    }
}

/// Whether a PostgreSQL error means the server is gone: the connection
/// closed or failed (SQLSTATE class 08), or the server is shutting down or
/// restarting (57P01–57P03), or the client could not connect at all.
pub(crate) fn pg_unreachable(e: &postgres::Error) -> bool {
    if e.is_closed() {
        return true;
    }
    if let Some(c) = e.code() {
        return c.code().starts_with("08") || c.code().starts_with("57P");
    }
    // No SQLSTATE: an I/O or connect error below the protocol has an
    // io::Error among its causes (a type conversion error does not).
    let mut cause = std::error::Error::source(e);
    while let Some(c) = cause {
        if c.is::<std::io::Error>() {
            return true;
        }
        cause = c.source();
    }
    false
}

/// Whether SQLite gave up waiting for a lock (`SQLITE_BUSY`, `SQLITE_LOCKED`).
pub fn is_busy(e: &rusqlite::Error) -> bool {
    matches!(
        e.sqlite_error_code(),
        Some(rusqlite::ErrorCode::DatabaseBusy | rusqlite::ErrorCode::DatabaseLocked)
    )
}
