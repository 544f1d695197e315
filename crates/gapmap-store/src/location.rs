//! Where a store lives: a GeoPackage file, or a PostGIS database shared by
//! any number of servers (`--store postgresql://…`, `GAPMAP_STORE`).

use std::fmt;
use std::path::{Path, PathBuf};

/// A store's location, parsed from `--store` / `GAPMAP_STORE`.
#[derive(Debug, Clone, PartialEq, Eq, Hash)]
pub enum Location {
    /// One GeoPackage file.
    Gpkg(PathBuf),
    /// A PostgreSQL database with PostGIS: a libpq-style URL
    /// (`postgresql://user@host:port/db`).
    Postgres(String),
}

impl Location {
    /// A URL that starts with `postgresql://` or `postgres://` is a PostGIS
    /// store; anything else is a GeoPackage path.
    pub fn parse(s: &str) -> Location {
        if s.starts_with("postgresql://") || s.starts_with("postgres://") {
            Location::Postgres(s.to_owned())
        } else {
            Location::Gpkg(PathBuf::from(s))
        }
    }

    /// The GeoPackage path, when this is one.
    pub fn gpkg(&self) -> Option<&Path> {
        match self {
            Location::Gpkg(p) => Some(p),
            Location::Postgres(_) => None,
        }
    }

    pub fn is_postgres(&self) -> bool {
        matches!(self, Location::Postgres(_))
    }

    /// The location as given: the URL (with its password) or the path, for
    /// configuration that is parsed again with [`Location::parse`].
    pub fn to_url_or_path(&self) -> String {
        match self {
            Location::Gpkg(p) => p.display().to_string(),
            Location::Postgres(url) => url.clone(),
        }
    }

    /// How errors and logs name the store: the file, or the URL without
    /// its password.
    pub fn display_name(&self) -> String {
        match self {
            Location::Gpkg(p) => p.display().to_string(),
            Location::Postgres(url) => redact(url),
        }
    }
}

impl fmt::Display for Location {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(&self.display_name())
    }
}

impl From<PathBuf> for Location {
    fn from(p: PathBuf) -> Location {
        Location::Gpkg(p)
    }
}

impl From<&PathBuf> for Location {
    fn from(p: &PathBuf) -> Location {
        Location::Gpkg(p.clone())
    }
}

impl From<&Location> for Location {
    fn from(l: &Location) -> Location {
        l.clone()
    }
}

impl From<&Path> for Location {
    fn from(p: &Path) -> Location {
        Location::Gpkg(p.to_owned())
    }
}

/// A PostgreSQL URL with any password replaced by `***`.
pub fn redact(url: &str) -> String {
    let Some((scheme, rest)) = url.split_once("://") else {
        return url.to_owned();
    };
    let (auth, host) = match rest.split_once('@') {
        Some((a, h)) => (a, h),
        None => return url.to_owned(),
    };
    match auth.split_once(':') {
        Some((user, _)) => format!("{scheme}://{user}:***@{host}"),
        None => url.to_owned(),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn urls_are_postgres_and_the_rest_are_files() {
        assert!(Location::parse("postgresql://u@h:5432/db").is_postgres());
        assert!(Location::parse("postgres://h/db").is_postgres());
        assert_eq!(
            Location::parse("data/gapmap.gpkg"),
            Location::Gpkg("data/gapmap.gpkg".into())
        );
        // A relative file called "postgresql" is still a file.
        assert!(!Location::parse("postgresql").is_postgres());
    }

    #[test]
    fn passwords_never_reach_logs() {
        assert_eq!(
            redact("postgresql://gapmap:s3cret@db:5432/gapmap"),
            "postgresql://gapmap:***@db:5432/gapmap"
        );
        assert_eq!(
            redact("postgresql://gapmap@db/gapmap"),
            "postgresql://gapmap@db/gapmap"
        );
        assert_eq!(
            Location::parse("postgresql://a:b@c/d").to_string(),
            "postgresql://a:***@c/d"
        );
    }
}
