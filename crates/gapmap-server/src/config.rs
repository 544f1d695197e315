//! Server configuration: defaults, then a TOML file, then environment
//! variables, then command-line flags (the CLI applies the last two).
//! Unknown keys in the file are errors, not silently ignored.

use gapmap_model::thresholds::Thresholds;
use serde::Deserialize;
use std::path::{Path, PathBuf};

/// The default of `[server] max_connections_per_peer`.
pub const DEFAULT_PER_PEER: usize = 64;

#[derive(Debug, Clone, PartialEq, Deserialize)]
#[serde(deny_unknown_fields, default)]
pub struct ServerConfig {
    pub host: String,
    pub port: u16,
    /// The GeoPackage store; `None` means the embedded dataset's default store.
    pub store: Option<String>,
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
    /// The public base URL of the site (scheme, host, optional path prefix,
    /// no trailing slash), e.g. `https://karte.jelgavasnovads.lv`: the base of
    /// every absolute link and QR code. `None`: `http://{host}:{port}` of the
    /// listening socket. Never taken from request headers.
    pub public_url: Option<String>,
    /// Addresses (IPs) of reverse proxies whose `X-Forwarded-*` / `Forwarded`
    /// headers are trusted; from anyone else they are ignored.
    pub trusted_proxies: Vec<String>,
    /// An optional MapLibre style URL for a base map under gapmap's layers
    /// (production only; none by default, so nothing loads from another host).
    pub basemap_style_url: Option<String>,
    /// Days a resident report's contact is kept before it is deleted.
    pub report_contact_days: u32,
    /// Open connections per peer address (IPv6: per /64), and requests at
    /// once per client behind a trusted proxy (`crate::connections`).
    pub max_connections_per_peer: usize,
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
            working_crs: gapmap_engine::snapshot::DEFAULT_WORKING_CRS,
            web_dir: None,
            public_url: None,
            trusted_proxies: Vec::new(),
            basemap_style_url: None,
            report_contact_days: 90,
            max_connections_per_peer: DEFAULT_PER_PEER,
        }
    }
}

impl ServerConfig {
    /// Check the values a type cannot: the public URL's form and the proxy
    /// addresses. Returns the first problem, naming the key.
    pub fn validate(&self) -> Result<(), String> {
        if let Some(u) = &self.public_url {
            let rest = u
                .strip_prefix("https://")
                .or_else(|| u.strip_prefix("http://"))
                .ok_or_else(|| {
                    format!("[server] public_url `{u}` must start with http:// or https://")
                })?;
            if rest.is_empty() || rest.starts_with('/') || rest.contains(['?', '#', ' ']) {
                return Err(format!(
                    "[server] public_url `{u}` must be a base URL such as https://karte.example.lv (a host, an optional path, no query)"
                ));
            }
        }
        if self.max_connections_per_peer == 0 {
            return Err("[server] max_connections_per_peer must be at least 1".into());
        }
        for p in &self.trusted_proxies {
            p.parse::<std::net::IpAddr>()
                .map_err(|_| format!("[server] trusted_proxies: `{p}` is not an IP address"))?;
        }
        if let Some(u) = &self.basemap_style_url
            && !(u.starts_with("https://") || u.starts_with("http://") || u.starts_with('/'))
        {
            return Err(format!(
                "[server] basemap_style_url `{u}` must be an http(s) URL or a path on this server"
            ));
        }
        Ok(())
    }

    /// The base of absolute links: `public_url` without a trailing slash, or
    /// the address the server listens on.
    pub fn public_base(&self, bound: std::net::SocketAddr) -> String {
        match &self.public_url {
            Some(u) => u.trim_end_matches('/').to_owned(),
            None => format!("http://{bound}"),
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
        ConfigFile::from_toml(&text).map_err(|e| ConfigError::Parse {
            path: path.to_owned(),
            message: e.to_string(),
        })
    }

    /// Parse the text of a configuration file (unknown keys are errors).
    pub fn from_toml(text: &str) -> Result<ConfigFile, toml::de::Error> {
        toml::from_str(text)
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

    #[test]
    fn public_url_and_proxies_are_checked() {
        let bound: std::net::SocketAddr = "127.0.0.1:8080".parse().unwrap();
        let mut c = ServerConfig::default();
        assert_eq!(c.public_base(bound), "http://127.0.0.1:8080");
        c.public_url = Some("https://karte.example.lv/".into());
        assert!(c.validate().is_ok());
        assert_eq!(c.public_base(bound), "https://karte.example.lv");
        for bad in [
            "karte.example.lv",
            "https://",
            "https://x.lv/?a=1",
            "ftp://x.lv",
        ] {
            c.public_url = Some(bad.into());
            assert!(c.validate().unwrap_err().contains("public_url"), "{bad}");
        }
        c.public_url = None;
        c.trusted_proxies = vec!["10.0.0.1".into(), "::1".into()];
        assert!(c.validate().is_ok());
        c.trusted_proxies.push("proxy.local".into());
        assert!(c.validate().unwrap_err().contains("trusted_proxies"));
    }
}
