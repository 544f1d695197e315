//! Starting the server: open the store, build the first snapshot, bind, serve.

use crate::app::configure;
use crate::app::{access_log, not_found};
use crate::config::ServerConfig;
use crate::reload::{ReloadError, Reloader};
use crate::state::AppState;
use crate::{cache, headers, limits, ratelimit, routes};
use actix_web::{App, HttpServer, web};
use gapmap_engine::snapshot::{Live, Snapshot};
use gapmap_model::thresholds::Thresholds;
use gapmap_store::gpkg::GpkgStore;
use std::path::PathBuf;
use std::sync::{Arc, Mutex};
use std::time::{Duration, Instant};

/// Delete report contacts past the retention period (at start, then daily).
fn purge_contacts(state: &Arc<AppState>) {
    let days = state.config.report_contact_days;
    let reports = state.reports.clone();
    let run = move || match reports.purge_contacts(days) {
        Ok(0) => {}
        Ok(n) => tracing::info!(n, days, "deleted report contacts past the retention period"),
        Err(e) => tracing::warn!(error = %e, "cannot delete old report contacts"),
    };
    run();
    let _ = std::thread::Builder::new()
        .name("gapmap-retention".into())
        .spawn(move || {
            loop {
                std::thread::sleep(Duration::from_secs(24 * 3600));
                run();
            }
        });
}

/// The snapshot the server starts with, ready to search before the server
/// binds: /healthz answers only when search and tiles can.
fn first_snapshot(
    config: &ServerConfig,
    thresholds: &Thresholds,
    store: &std::path::Path,
) -> Result<Snapshot, StartError> {
    let started = Instant::now();
    let s = GpkgStore::open_read_only(store).map_err(ReloadError::from)?;
    let snapshot = Snapshot::build_serving(&s, config.working_crs, thresholds, None)
        .map_err(ReloadError::from)?;
    tracing::info!(version = %snapshot.version, ms = started.elapsed().as_millis() as u64, sites = snapshot.sites.len(), demand = snapshot.demand.len(), addresses = snapshot.addresses.len(), phases_ms = %snapshot.timings_text(), "snapshot built");
    Ok(snapshot)
}

/// Build the state, bind, and return the running server and its address.
pub fn start(
    config: ServerConfig,
    thresholds: Thresholds,
    store: PathBuf,
) -> Result<(actix_web::dev::Server, std::net::SocketAddr, Arc<AppState>), StartError> {
    config.validate().map_err(StartError::Config)?;
    let snapshot = first_snapshot(&config, &thresholds, &store)?;
    let live = Arc::new(Live::new(snapshot));
    let store_path = store.clone();
    let reloader = Arc::new(Reloader::new(
        store,
        config.working_crs,
        thresholds.clone(),
        Arc::clone(&live),
    ));
    if config.reload_poll_ms > 0 {
        reloader.spawn_watcher(Duration::from_millis(config.reload_poll_ms));
    }
    let state = Arc::new(AppState {
        live,
        config: config.clone(),
        thresholds,
        reloader,
        analysis_cache: Mutex::new(Vec::new()),
        published: gapmap_publish::collections::PublishCache::new(),
        accounts: gapmap_inventory::accounts::Accounts::new(&store_path),
        reports: gapmap_inventory::reports::Reports::new(&store_path),
        store: store_path,
        // 10 attempts, then one every 30 s per client; 5, then one a minute per name.
        signin_by_client: ratelimit::Limiter::new(10.0, 1.0 / 30.0),
        signin_by_user: ratelimit::Limiter::new(5.0, 1.0 / 60.0),
        // 5 reports, then one every 2 minutes per client.
        reports_by_client: ratelimit::Limiter::new(5.0, 1.0 / 120.0),
        plan: routes::plan::PlanState::default(),
    });
    state.reloader.record_figures(&state.live.get());
    purge_contacts(&state);
    let data = web::Data::from(Arc::clone(&state));
    let security = web::Data::new(headers::SecurityHeaders::new(
        config.basemap_style_url.as_deref(),
    ));
    limits::report_refusals(Duration::from_secs(60));
    let server = HttpServer::new(move || {
        // The last `wrap` runs first: headers on every answer, then
        // validators, the access log, and the request limits.
        App::new()
            .app_data(security.clone())
            .wrap(actix_web::middleware::from_fn(limits::middleware))
            .wrap(actix_web::middleware::from_fn(access_log))
            .wrap(actix_web::middleware::from_fn(cache::middleware))
            .wrap(actix_web::middleware::from_fn(headers::middleware))
            .configure(|cfg| configure(cfg, data.clone()))
            .default_service(web::to(not_found))
    })
    .workers(2)
    // A client has this long to send a request head (slowloris), and to
    // close after the answer.
    .client_request_timeout(Duration::from_secs(10))
    .client_disconnect_timeout(Duration::from_secs(2))
    .bind((config.host.as_str(), config.port))
    .map_err(|e| StartError::Bind {
        addr: format!("{}:{}", config.host, config.port),
        source: e,
    })?;
    let addr = server
        .addrs()
        .first()
        .copied()
        .ok_or_else(|| StartError::Bind {
            addr: format!("{}:{}", config.host, config.port),
            source: std::io::Error::other("no address bound"),
        })?;
    Ok((server.run(), addr, state))
}

#[derive(Debug, thiserror::Error)]
pub enum StartError {
    #[error("{0}")]
    Config(String),
    #[error(transparent)]
    Reload(#[from] ReloadError),
    #[error("cannot listen on {addr}: {source}")]
    Bind {
        addr: String,
        source: std::io::Error,
    },
}
