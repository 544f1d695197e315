//! Server configuration: defaults, then a TOML file, then environment
//! variables, then command-line flags (the CLI applies the last two).
//! Unknown keys in the file are errors, not silently ignored.

use gapmap_core::config::Thresholds;
use serde::Deserialize;
use std::path::{Path, PathBuf};

#[derive(Debug, Clone, PartialEq, Deserialize)]
#[serde(deny_unknown_fields, default)]
pub struct ServerConfig {
    pub host: String,
    pub port: u16,
    /// The GeoPackage store; `None` means the embedded dataset's default store.
    pub store: Option<PathBuf>,
    /// How often to look for changes in the store (milliseconds; 0 = never).
    pub reload_poll_ms: u64,
    /// Bearer token for `POST /admin/reload`; unset disables it.
    pub admin_token: Option<String>,
    /// Largest request body accepted (bytes).
    pub max_body_bytes: usize,
    /// The EPSG code of the metric working CRS.
    pub working_crs: u16,
    /// Directory of the web front end's built assets, served at `/`.
    pub web_dir: Option<PathBuf>,
}

impl Default for ServerConfig {
    fn default() -> Self {
        ServerConfig {
            host: "127.0.0.1".into(),
            port: 8080,
            store: None,
            reload_poll_ms: 1000,
            admin_token: None,
            max_body_bytes: 1 << 20,
            working_crs: gapmap_core::snapshot::DEFAULT_WORKING_CRS,
            web_dir: None,
        }
    }
}

/// The whole configuration file.
#[derive(Debug, Clone, Default, PartialEq, Deserialize)]
#[serde(deny_unknown_fields, default)]
pub struct ConfigFile {
    pub server: ServerConfig,
    pub thresholds: Thresholds,
}

#[derive(Debug, thiserror::Error)]
pub enum ConfigError {
    #[error("{path}: {source}")]
    Read {
        path: PathBuf,
        source: std::io::Error,
    },
    #[error("{path}: {message}")]
    Parse { path: PathBuf, message: String },
}

impl ConfigFile {
    pub fn load(path: &Path) -> Result<ConfigFile, ConfigError> {
        let text = std::fs::read_to_string(path).map_err(|source| ConfigError::Read {
            path: path.to_owned(),
            source,
        })?;
        toml::from_str(&text).map_err(|e| ConfigError::Parse {
            path: path.to_owned(),
            message: e.to_string(),
        })
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn reads_a_file_and_rejects_unknown_keys() {
        let c: ConfigFile =
            toml::from_str("[server]\nport = 9000\n[thresholds]\nnear_m = 2000.0\n").unwrap();
        assert_eq!(c.server.port, 9000);
        assert_eq!(c.server.host, "127.0.0.1");
        assert_eq!(c.thresholds.near_m, 2000.0);
        let e = toml::from_str::<ConfigFile>("[server]\nprot = 9000\n")
            .unwrap_err()
            .to_string();
        assert!(e.contains("unknown field `prot`"), "{e}");
    }
}
