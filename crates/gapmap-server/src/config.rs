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
    /// The `[web]` section, carried here so that handlers read one
    /// configuration: not a `[server]` key (it is skipped there), filled in
    /// from [`ConfigFile::web`] by [`ConfigFile::server_config`].
    #[serde(skip)]
    pub web: WebConfig,
}

/// The `[web]` section: how the public pages are put together.
#[derive(Debug, Clone, Default, PartialEq, Deserialize)]
#[serde(deny_unknown_fields, default)]
pub struct WebConfig {
    /// The URL of a PMTiles archive of every tileset (`gapmap export
    /// --format pmtiles`) on static hosting that answers HTTP Range
    /// requests: an absolute http(s) URL (another origin must answer with
    /// CORS for the map's origin) or a path on this site. When set, the
    /// public map (`/map`) reads its vector tiles from the archive through
    /// the PMTiles protocol for MapLibre instead of from `/tiles/…`; the
    /// planners' maps keep reading this server's live tiles. `None`: the map
    /// reads this server's tiles.
    pub tiles_url: Option<String>,
}

impl WebConfig {
    /// Check `tiles_url`: an absolute http(s) URL with a host, or a path on
    /// this site, naming a `.pmtiles` file; no fragment, spaces or quotes.
    /// `public_url` is the site's own base, if configured: an `https` site
    /// cannot read an `http` archive (the browser blocks mixed content).
    pub fn validate(&self, public_url: Option<&str>) -> Result<(), String> {
        let Some(u) = &self.tiles_url else {
            return Ok(());
        };
        let bad = |why: &str| {
            Err(format!(
                "[web] tiles_url `{u}` {why}; it must be the URL of a PMTiles archive, e.g. https://tiles.example.lv/gapmap.pmtiles or /files/gapmap.pmtiles"
            ))
        };
        if u.chars()
            .any(|c| c.is_whitespace() || c.is_control() || "\"'<>\\`#".contains(c))
        {
            return bad("has a space, a quote or a fragment (#)");
        }
        let path = if u.starts_with("//") {
            return bad("is protocol-relative (write https://…)");
        } else if u.starts_with('/') {
            u.as_str()
        } else if origin(u).is_some() {
            let rest = u.split_once("://").map_or("", |(_, r)| r);
            rest.find('/').map_or("", |i| &rest[i..])
        } else {
            return bad("is neither an http(s) URL with a host nor a path starting with /");
        };
        let path = path.split('?').next().unwrap_or_default();
        if !path.to_ascii_lowercase().ends_with(".pmtiles") {
            return bad("does not name a .pmtiles file");
        }
        if u.starts_with("http://") && public_url.is_some_and(|p| p.starts_with("https://")) {
            return bad(
                "is http:// while [server] public_url is https:// (browsers block such mixed content)",
            );
        }
        Ok(())
    }

    /// The archive's absolute URL: `tiles_url` itself, or the path on this
    /// site under `base` (the public base, no trailing slash).
    pub fn tiles_archive(&self, base: &str) -> Option<String> {
        self.tiles_url.as_ref().map(|u| {
            if u.starts_with('/') {
                format!("{base}{u}")
            } else {
                u.clone()
            }
        })
    }
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
            web: WebConfig::default(),
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
        self.web.validate(self.public_url.as_deref())
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

/// `scheme://host[:port]` of an absolute http(s) URL (`None` for a path
/// or anything whose host is not plain letters, digits, `.-:[]`).
pub(crate) fn origin(url: &str) -> Option<String> {
    let (scheme, rest) = url.split_once("://")?;
    if !matches!(scheme, "http" | "https") {
        return None;
    }
    let host = rest.split(['/', '?', '#']).next()?;
    let ok = !host.is_empty()
        && host
            .chars()
            .all(|c| c.is_ascii_alphanumeric() || ".-:[]".contains(c));
    ok.then(|| format!("{scheme}://{host}"))
}

/// The whole configuration file.
#[derive(Debug, Clone, Default, PartialEq, Deserialize)]
#[serde(deny_unknown_fields, default)]
pub struct ConfigFile {
    pub server: ServerConfig,
    pub web: WebConfig,
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

    /// The server's configuration with the `[web]` section in it.
    pub fn server_config(&self) -> ServerConfig {
        ServerConfig {
            web: self.web.clone(),
            ..self.server.clone()
        }
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

    /// `[web] tiles_url`: read from its own section, checked at start with
    /// an error naming the key, and resolved against the public base when
    /// it is a path.
    #[test]
    fn tiles_url_is_read_checked_and_resolved() {
        let f = ConfigFile::from_toml("[web]\ntiles_url = \"/files/gapmap.pmtiles\"\n").unwrap();
        let c = f.server_config();
        assert_eq!(c.web.tiles_url.as_deref(), Some("/files/gapmap.pmtiles"));
        assert!(c.validate().is_ok());
        assert_eq!(
            c.web.tiles_archive("https://karte.example.lv").as_deref(),
            Some("https://karte.example.lv/files/gapmap.pmtiles")
        );
        let e = ConfigFile::from_toml("[web]\ntile_url = \"/a.pmtiles\"\n")
            .unwrap_err()
            .to_string();
        assert!(e.contains("unknown field `tile_url`"), "{e}");
        // Not a [server] key.
        assert!(ConfigFile::from_toml("[server]\nweb = 1\n").is_err());
        let mut c = ServerConfig::default();
        assert_eq!(c.web.tiles_archive("http://x"), None);
        for good in [
            "https://tiles.example.lv/gapmap.pmtiles",
            "http://127.0.0.1:9100/t/gapmap.PMTiles",
            "https://bucket.example.lv/gapmap.pmtiles?v=2026-12-07",
            "/gapmap.pmtiles",
        ] {
            c.web.tiles_url = Some(good.into());
            assert_eq!(c.validate(), Ok(()), "{good}");
        }
        assert_eq!(
            c.web.tiles_archive("http://127.0.0.1:8080").as_deref(),
            Some("http://127.0.0.1:8080/gapmap.pmtiles")
        );
        for (bad, why) in [
            ("tiles.example.lv/gapmap.pmtiles", "neither an http(s) URL"),
            (
                "ftp://tiles.example.lv/gapmap.pmtiles",
                "neither an http(s) URL",
            ),
            ("https:///gapmap.pmtiles", "neither an http(s) URL"),
            ("//cdn.example.lv/gapmap.pmtiles", "protocol-relative"),
            (
                "https://tiles.example.lv/tiles/{z}/{x}/{y}.mvt",
                "does not name a .pmtiles file",
            ),
            ("https://tiles.example.lv/", "does not name a .pmtiles file"),
            ("https://tiles.example.lv", "does not name a .pmtiles file"),
            ("https://tiles.example.lv/a.pmtiles#x", "a fragment"),
            ("https://tiles.example.lv/my tiles.pmtiles", "a space"),
            ("https://evil.lv'; script-src */a.pmtiles", "a quote"),
        ] {
            c.web.tiles_url = Some(bad.into());
            let e = c.validate().unwrap_err();
            assert!(e.starts_with("[web] tiles_url `"), "{bad}: {e}");
            assert!(e.contains(why), "{bad}: {e}");
        }
        // An https site cannot read an http archive.
        c.public_url = Some("https://karte.example.lv".into());
        c.web.tiles_url = Some("http://tiles.example.lv/gapmap.pmtiles".into());
        assert!(c.validate().unwrap_err().contains("mixed content"));
        c.web.tiles_url = Some("https://tiles.example.lv/gapmap.pmtiles".into());
        assert_eq!(c.validate(), Ok(()));
    }
}
