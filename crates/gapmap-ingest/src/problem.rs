//! Problems found in input files: where (file, line or feature and JSON
//! pointer), which field, what is wrong, and a hint how to fix it.

use std::fmt;

/// Where in a file a problem is.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Location {
    /// The file as a whole.
    File,
    /// A line (1-based) of a text file, e.g. a CSV record.
    Line(u64),
    /// A line and column (1-based), e.g. a JSON syntax error.
    LineColumn(u64, u64),
    /// A feature by 0-based index, with an RFC 6901 JSON pointer.
    Feature { index: usize, pointer: String },
    /// A row of a table (GeoPackage, Shapefile) by 1-based number.
    Row { table: String, row: u64 },
}

impl fmt::Display for Location {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            Location::File => Ok(()),
            Location::Line(l) => write!(f, ":{l}"),
            Location::LineColumn(l, c) => write!(f, ":{l}:{c}"),
            Location::Feature { index, pointer } => write!(f, ": feature {index} ({pointer})"),
            Location::Row { table, row } => write!(f, ": table {table} row {row}"),
        }
    }
}

#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord)]
pub enum Severity {
    /// Something was changed by `--repair`.
    Repaired,
    /// Accepted, but worth knowing (e.g. a property kept in `extra`).
    Warning,
    /// The file is rejected.
    Error,
}

/// One problem in one file.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Problem {
    pub severity: Severity,
    pub file: String,
    pub location: Location,
    pub field: Option<String>,
    pub message: String,
    pub hint: Option<String>,
}

impl fmt::Display for Problem {
    /// `file:line: error: field `kind`: unknown kind "x" (hint: one of …)`
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        let sev = match self.severity {
            Severity::Error => "error",
            Severity::Warning => "warning",
            Severity::Repaired => "repaired",
        };
        write!(f, "{}{}: {sev}: ", self.file, self.location)?;
        if let Some(field) = &self.field {
            write!(f, "field `{field}`: ")?;
        }
        f.write_str(&self.message)?;
        if let Some(hint) = &self.hint {
            write!(f, " (hint: {hint})")?;
        }
        Ok(())
    }
}

/// All problems of one ingest, with a cap on how many are kept in memory
/// (the count is always exact).
#[derive(Debug, Default)]
pub struct Problems {
    kept: Vec<Problem>,
    errors: usize,
    warnings: usize,
    repairs: usize,
    dropped: usize,
}

/// How many problems are kept to report; the rest are counted.
pub const MAX_KEPT: usize = 1000;

impl Problems {
    pub fn push(&mut self, p: Problem) {
        match p.severity {
            Severity::Error => self.errors += 1,
            Severity::Warning => self.warnings += 1,
            Severity::Repaired => self.repairs += 1,
        }
        if self.kept.len() < MAX_KEPT {
            self.kept.push(p);
        } else {
            self.dropped += 1;
        }
    }
    /// Add the problems of `other` after these (its counts exact, its
    /// kept problems kept while there is room).
    pub fn append(&mut self, other: Problems) {
        self.errors += other.errors;
        self.warnings += other.warnings;
        self.repairs += other.repairs;
        self.dropped += other.dropped;
        for p in other.kept {
            if self.kept.len() < MAX_KEPT {
                self.kept.push(p);
            } else {
                self.dropped += 1;
            }
        }
    }
    pub fn errors(&self) -> usize {
        self.errors
    }
    pub fn warnings(&self) -> usize {
        self.warnings
    }
    pub fn repairs(&self) -> usize {
        self.repairs
    }
    pub fn has_errors(&self) -> bool {
        self.errors > 0
    }
    /// Problems not kept because of [`MAX_KEPT`].
    pub fn dropped(&self) -> usize {
        self.dropped
    }
    pub fn iter(&self) -> impl Iterator<Item = &Problem> {
        self.kept.iter()
    }
    pub fn into_vec(self) -> Vec<Problem> {
        self.kept
    }
}

/// A problem being built for one place in one file.
#[derive(Debug, Clone)]
pub struct At<'a> {
    pub file: &'a str,
    pub location: Location,
}

impl At<'_> {
    pub fn problem(
        &self,
        severity: Severity,
        field: Option<&str>,
        message: impl Into<String>,
        hint: Option<String>,
    ) -> Problem {
        Problem {
            severity,
            file: self.file.to_owned(),
            location: self.location.clone(),
            field: field.map(str::to_owned),
            message: message.into(),
            hint,
        }
    }
    pub fn error(
        &self,
        field: Option<&str>,
        message: impl Into<String>,
        hint: Option<String>,
    ) -> Problem {
        self.problem(Severity::Error, field, message, hint)
    }
}
