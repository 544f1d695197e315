use chrono::NaiveDate;
use serde::{Deserialize, Serialize};
use std::fmt;
use std::str::FromStr;

/// Where a feature came from. Simulated data is labelled as such in every output.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, PartialOrd, Ord, Serialize, Deserialize)]
#[serde(rename_all = "lowercase")]
pub enum Source {
    /// Published by the authority that owns the fact (VZD, CSB, the municipality).
    Official,
    /// Derived or placed by hand from official facts, e.g. a village-centre coordinate.
    Approximate,
    /// Made up by a generator; never to be read as reality.
    Simulated,
}

impl Source {
    pub const ALL: [Source; 3] = [Source::Official, Source::Approximate, Source::Simulated];
    pub const NAMES: &'static [&'static str] = &["official", "approximate", "simulated"];

    pub fn as_str(self) -> &'static str {
        match self {
            Source::Official => "official",
            Source::Approximate => "approximate",
            Source::Simulated => "simulated",
        }
    }
}

impl fmt::Display for Source {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(self.as_str())
    }
}

impl FromStr for Source {
    type Err = String;
    fn from_str(s: &str) -> Result<Self, Self::Err> {
        match s {
            "official" => Ok(Source::Official),
            "approximate" => Ok(Source::Approximate),
            "simulated" => Ok(Source::Simulated),
            other => Err(format!(
                "unknown source `{other}` (one of official, approximate, simulated)"
            )),
        }
    }
}

/// The provenance every feature carries: `source`, `source_ref`, `as_of`, `licence`.
#[derive(Debug, Clone, PartialEq, Eq, Hash, Serialize, Deserialize)]
pub struct Provenance {
    pub source: Source,
    /// A URL or the name of a document.
    pub source_ref: String,
    pub as_of: NaiveDate,
    pub licence: Option<String>,
}
