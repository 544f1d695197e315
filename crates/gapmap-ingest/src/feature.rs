//! What a reader hands on: raw features in the file's own CRS, and the
//! context every reader reports problems and counts into.

use crate::error::IngestError;
use crate::format::Format;
use crate::options::Options;
use crate::problem;
use crate::problem::{Location, Problems};
use crate::raw::RawFeature;
use std::fmt;
use std::path::PathBuf;

/// Counts for one file.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq)]
pub struct FileStats {
    pub read: u64,
    pub valid: u64,
    /// Features `--where` left out.
    pub filtered: u64,
}

/// One input file of an ingest.
#[derive(Debug, Clone)]
pub struct Input {
    pub path: PathBuf,
    pub format: Format,
}

/// What a reader needs while reading one file.
pub struct ReadContext<'a> {
    pub file: &'a str,
    /// The CRS of the coordinates being read (the reader may change it from
    /// the file's own metadata, unless `crs_given`).
    pub crs: u16,
    /// `--crs` was given: it wins over what the file says.
    pub crs_given: bool,
    pub problems: &'a mut Problems,
    pub opts: &'a Options,
    /// Features the reader itself rejected (they never reached the validator).
    pub rejected: u64,
}

impl fmt::Debug for ReadContext<'_> {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("ReadContext")
            .field("file", &self.file)
            .field("crs", &self.crs)
            .finish()
    }
}

impl ReadContext<'_> {
    pub fn at(&self, location: Location) -> problem::At<'_> {
        problem::At {
            file: self.file,
            location,
        }
    }
    pub fn io_error(&self, source: std::io::Error) -> IngestError {
        IngestError::Io {
            path: self.file.to_owned(),
            source,
        }
    }
}

/// The signature every reader's emit callback has.
pub type Emit<'e> = dyn FnMut(RawFeature, &mut ReadContext) + 'e;
