//! The front end's built assets (`web/dist`, written by `npm run build` in
//! `web/`): `manifest.json` maps logical names (`site.css`, `finder.js`,
//! `map.js`, `map.css`, `maplibre-worker.js`, `glyphs`) to fingerprinted
//! paths under `static/`, which are served for a year as immutable. Pages
//! are complete without them (server-rendered HTML works with no CSS or
//! script), so a missing build is logged, not fatal.

use crate::AppState;
use actix_web::http::header;
use actix_web::{HttpRequest, HttpResponse, web};
use std::collections::HashMap;
use std::path::{Component, Path, PathBuf};
use std::sync::OnceLock;

use crate::problem::Problem;

/// Cache-Control of fingerprinted static files.
pub const IMMUTABLE: &str = "public, max-age=31536000, immutable";

#[derive(Debug, Default, Clone)]
pub struct Assets {
    /// `…/web/dist`, if found.
    pub dir: Option<PathBuf>,
    /// Logical name → URL path (`/static/site.3f2a9c1e.css`).
    urls: HashMap<String, String>,
}

impl Assets {
    /// Find the built front end: the configured directory, else `web/dist`
    /// under the working directory, else beside the binary's repository
    /// (`target/release/gapmap` → `web/dist`), else in the repository it
    /// was built from.
    pub fn locate(configured: Option<&Path>) -> Assets {
        let mut candidates: Vec<PathBuf> = configured.map(Path::to_path_buf).into_iter().collect();
        if configured.is_none() {
            candidates.push(PathBuf::from("web/dist"));
            if let Ok(exe) = std::env::current_exe()
                && let Some(repo) = exe.ancestors().nth(3)
            {
                candidates.push(repo.join("web/dist"));
            }
            // The repository the binary was built from, when its target
            // directory is elsewhere (`CARGO_TARGET_DIR`).
            candidates.push(Path::new(env!("CARGO_MANIFEST_DIR")).join("../../web/dist"));
        }
        for dir in candidates {
            let manifest = dir.join("manifest.json");
            if let Ok(text) = std::fs::read_to_string(&manifest) {
                match serde_json::from_str::<HashMap<String, String>>(&text) {
                    Ok(map) => {
                        let urls = map
                            .into_iter()
                            .map(|(k, v)| (k, format!("/static/{v}")))
                            .collect();
                        tracing::info!(dir = %dir.display(), "web assets");
                        return Assets {
                            dir: Some(dir),
                            urls,
                        };
                    }
                    Err(e) => {
                        tracing::error!(file = %manifest.display(), error = %e, "cannot read the web manifest")
                    }
                }
            }
        }
        tracing::warn!(
            "web/dist/manifest.json not found: pages are served without styles and scripts (run `make web`)"
        );
        Assets::default()
    }

    /// The URL of an asset, if built.
    pub fn url(&self, name: &str) -> Option<&str> {
        self.urls.get(name).map(String::as_str)
    }
}

/// A relative path with no `..`, root or prefix components.
fn safe(rel: &str) -> Option<PathBuf> {
    let p = Path::new(rel);
    p.components()
        .all(|c| matches!(c, Component::Normal(_)))
        .then(|| p.to_path_buf())
}

fn content_type(path: &Path) -> &'static str {
    match path.extension().and_then(|e| e.to_str()) {
        Some("js" | "mjs") => "text/javascript; charset=utf-8",
        Some("css") => "text/css; charset=utf-8",
        Some("pbf") => "application/x-protobuf",
        Some("json") => "application/json",
        Some("svg") => "image/svg+xml",
        Some("png") => "image/png",
        Some("map") => "application/json",
        _ => "application/octet-stream",
    }
}

/// `GET /static/{path}`: a fingerprinted file of `web/dist/static`, cached
/// for a year (its `.gz` copy when the client accepts gzip).
pub async fn static_file(
    req: HttpRequest,
    path: web::Path<String>,
    state: web::Data<crate::AppState>,
) -> Result<HttpResponse, Problem> {
    crate::query::Query::parse(&req, &[])?;
    let rel = path.into_inner();
    let Some(dir) = &assets(&state).dir else {
        return Err(Problem::not_found("the web front end is not built"));
    };
    let Some(p) = safe(&rel).map(|r| dir.join("static").join(r)) else {
        return Err(Problem::not_found(format!("no static file `{rel}`")));
    };
    // The build writes a gzip copy beside each script and style sheet.
    let gz = crate::negotiate::accepts_gzip(&req)
        .then(|| {
            let mut gz = p.clone().into_os_string();
            gz.push(".gz");
            std::fs::read(&gz).ok()
        })
        .flatten();
    let gzipped = gz.is_some();
    let bytes = match gz {
        Some(b) => b,
        None => {
            std::fs::read(&p).map_err(|_| Problem::not_found(format!("no static file `{rel}`")))?
        }
    };
    // Its own validator, independent of the snapshot (the ETag middleware
    // would tie it to the store's version): the files never change under a
    // name, so a revalidation after a reload is still a 304.
    let etag = crate::cache::content_etag(&bytes);
    let fresh = crate::cache::not_modified(req.headers(), &etag);
    let mut r = if fresh {
        HttpResponse::NotModified()
    } else {
        HttpResponse::Ok()
    };
    r.insert_header((header::ETAG, etag.as_str()))
        .insert_header((header::CACHE_CONTROL, IMMUTABLE))
        .insert_header((header::VARY, "Accept-Encoding"));
    if fresh {
        return Ok(r.finish());
    }
    r.content_type(content_type(&p));
    if gzipped {
        r.insert_header((header::CONTENT_ENCODING, "gzip"));
    }
    Ok(r.body(bytes))
}

/// The built front end (located once per process).
pub fn assets(state: &AppState) -> &'static Assets {
    static A: OnceLock<Assets> = OnceLock::new();
    A.get_or_init(|| Assets::locate(state.config.web_dir.as_deref()))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn only_plain_relative_paths() {
        assert!(safe("site.1234.css").is_some());
        assert!(safe("glyphs-ab/DejaVu Sans Book/0-255.pbf").is_some());
        for bad in ["../Cargo.toml", "/etc/passwd", "a/../../b", "./x/.."] {
            assert!(safe(bad).is_none(), "{bad}");
        }
    }
}
