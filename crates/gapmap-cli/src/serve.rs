//! `gapmap serve`.

use crate::cli::ServeArgs;
use crate::dataset;
use crate::error::{CliError, other};
use gapmap_store::Location;

pub(crate) fn serve(a: ServeArgs) -> Result<(), CliError> {
    let file = match &a.config {
        Some(p) => {
            gapmap_server::ConfigFile::load(p).map_err(|e| CliError::Usage(e.to_string()))?
        }
        None => gapmap_server::ConfigFile::default(),
    };
    let mut config = file.server;
    if let Some(h) = a.host {
        config.host = h;
    }
    if let Some(p) = a.port {
        config.port = p;
    }
    if let Some(t) = a.admin_token {
        config.admin_token = Some(t);
    }
    if let Some(ms) = a.reload_poll_ms {
        config.reload_poll_ms = ms;
    }
    if let Some(u) = a.public_url {
        config.public_url = Some(u);
    }
    config.validate().map_err(CliError::Usage)?;
    if let Some(s) = a.store {
        config.store = Some(s.to_url_or_path());
    }
    let store: Location = match config.store.as_deref().map(Location::parse) {
        Some(Location::Gpkg(s)) => {
            if !s.exists() {
                return Err(CliError::Usage(format!(
                    "{}: no such store; create it with `gapmap ingest --store {} FILE…`",
                    s.display(),
                    s.display()
                )));
            }
            Location::Gpkg(s)
        }
        Some(pg) => pg,
        None => {
            let s = dataset::default_store();
            if dataset::ensure_default_store(&s).map_err(other)? {
                tracing::info!(store = %s.display(), "built the default store from the embedded Jelgavas novads dataset");
            }
            Location::Gpkg(s)
        }
    };
    let system = actix_web::rt::System::new();
    system.block_on(async move {
        let (server, addr, _state) =
            gapmap_server::start(config, file.thresholds, store.clone()).map_err(other)?;
        crate::output::out!("gapmap: serving {store} on http://{addr}");
        use std::io::Write as _;
        let _ = std::io::stdout().flush();
        server.await.map_err(other)
    })
}
