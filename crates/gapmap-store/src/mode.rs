//! How a write meets what a layer already holds.

use std::str::FromStr;

/// What to do with what the store already holds in the layer.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default)]
pub enum Mode {
    /// Add new ids, update changed ones, keep the rest.
    #[default]
    Upsert,
    /// The file becomes the whole layer: ids not in it are removed.
    Replace,
    /// As upsert, but a field a feature does not give (missing or blank)
    /// keeps its stored value: boundaries loaded over areas keep their
    /// populations.
    Merge,
}

impl Mode {
    pub fn name(self) -> &'static str {
        match self {
            Mode::Upsert => "upsert",
            Mode::Replace => "replace",
            Mode::Merge => "merge",
        }
    }
}

impl FromStr for Mode {
    type Err = String;
    fn from_str(s: &str) -> Result<Self, Self::Err> {
        match s {
            "upsert" => Ok(Mode::Upsert),
            "replace" => Ok(Mode::Replace),
            "merge" => Ok(Mode::Merge),
            other => Err(format!("unknown mode `{other}` (upsert, replace or merge)")),
        }
    }
}
