//! Starting the server: open the store, build the first snapshot, bind, serve.

use crate::app::configure;
use crate::app::{access_log, not_found};
use crate::config::ServerConfig;
use crate::reload::{ReloadError, Reloader};
use crate::state::AppState;
use crate::{cache, connections, counts, error_pages, headers, limits, ratelimit, routes};
use actix_web::{App, HttpServer, web};
use gapmap_engine::snapshot::{Live, Snapshot};
use gapmap_model::thresholds::Thresholds;
use gapmap_store::{Location, Store};
use std::sync::{Arc, Mutex};
use std::time::{Duration, Instant};

/// Delete report contacts past the retention period and forget throttle
/// state that no longer limits anyone (at start, then hourly).
fn purge_contacts(state: &Arc<AppState>) {
    let days = state.config.report_contact_days;
    let reports = state.reports.clone();
    let throttle = Arc::clone(&state.throttle);
    let run = move || {
        match reports.purge_contacts(days) {
            Ok(0) => {}
            Ok(n) => tracing::info!(n, days, "deleted report contacts past the retention period"),
            Err(e) => tracing::warn!(error = %e, "cannot delete old report contacts"),
        }
        if let Err(e) = throttle.prune(ratelimit::unix_now()) {
            tracing::warn!(error = %e, "cannot prune the throttles");
        }
    };
    run();
    let _ = std::thread::Builder::new()
        .name("gapmap-retention".into())
        .spawn(move || {
            loop {
                std::thread::sleep(Duration::from_secs(3600));
                run();
            }
        });
}

/// The snapshot the server starts with, ready to search before the server
/// binds: /healthz answers only when search and tiles can.
fn first_snapshot(
    config: &ServerConfig,
    thresholds: &Thresholds,
    store: &Location,
) -> Result<Snapshot, StartError> {
    let started = Instant::now();
    let s = Store::open_read_only(store).map_err(ReloadError::from)?;
    let snapshot = Snapshot::build_serving(&s, config.working_crs, thresholds, None)
        .map_err(ReloadError::from)?;
    tracing::info!(version = %snapshot.version, ms = started.elapsed().as_millis() as u64, sites = snapshot.sites.len(), demand = snapshot.demand.len(), addresses = snapshot.addresses.len(), phases_ms = %snapshot.timings_text(), "snapshot built");
    Ok(snapshot)
}

/// Build the state, bind, and return the running server and its address.
pub fn start(
    config: ServerConfig,
    thresholds: Thresholds,
    store: Location,
) -> Result<(actix_web::dev::Server, std::net::SocketAddr, Arc<AppState>), StartError> {
    config.validate().map_err(StartError::Config)?;
    // The store's clients block (rusqlite, and the `postgres` facade, which
    // must not run on an async runtime's thread): the start-up reads and
    // writes run on a thread of their own, as handlers' go through
    // `web::block`.
    let state = off_runtime(|| {
        let state = build_state(&config, thresholds, store)?;
        state.reloader.record_figures(&state.live.get());
        purge_contacts(&state);
        Ok(state)
    })?;
    let (server, addr) = http_server(&config, &state)?;
    Ok((server, addr, state))
}

/// Run `f` on a plain thread and wait for it (see [`start`]).
fn off_runtime<T: Send>(f: impl FnOnce() -> Result<T, StartError> + Send) -> Result<T, StartError> {
    std::thread::scope(|s| {
        s.spawn(f)
            .join()
            .unwrap_or_else(|_| Err(StartError::Config("the start-up thread failed".into())))
    })
}

/// The first snapshot, the reloader and everything handlers share.
fn build_state(
    config: &ServerConfig,
    thresholds: Thresholds,
    store: Location,
) -> Result<Arc<AppState>, StartError> {
    let snapshot = first_snapshot(config, &thresholds, &store)?;
    let db = gapmap_store::sql::Db::of(&store);
    let live = Arc::new(Live::new(snapshot));
    let reloader = Arc::new(Reloader::new(
        store.clone(),
        config.working_crs,
        thresholds.clone(),
        Arc::clone(&live),
    ));
    if config.reload_poll_ms > 0 {
        reloader.spawn_watcher(Duration::from_millis(config.reload_poll_ms));
    }
    Ok(Arc::new(AppState {
        live,
        config: config.clone(),
        thresholds,
        reloader,
        analysis_cache: Mutex::new(Vec::new()),
        published: gapmap_publish::collections::PublishCache::new(),
        accounts: gapmap_inventory::accounts::Accounts::new(db.clone()),
        reports: gapmap_inventory::reports::Reports::new(db.clone()),
        throttle: Arc::new(gapmap_store::throttle::StoreThrottle::new(db.clone())),
        db,
        store,
        in_flight: Arc::new(counts::Counts::default()),
        plan: routes::plan::PlanState::default(),
    }))
}

/// The HTTP server over `state`, with its middleware and the connection
/// limits of [`connections`], bound and running; and its address.
fn http_server(
    config: &ServerConfig,
    state: &Arc<AppState>,
) -> Result<(actix_web::dev::Server, std::net::SocketAddr), StartError> {
    let data = web::Data::from(Arc::clone(state));
    let security = web::Data::new(headers::SecurityHeaders::new(
        config.basemap_style_url.as_deref(),
        config.web.tiles_url.as_deref(),
    ));
    limits::report_refusals(Duration::from_secs(60));
    let per_peer = connections::on_connect(
        Arc::new(counts::Counts::default()),
        config.max_connections_per_peer,
        state.trusted_proxies(),
    );
    let bind_error = |source| StartError::Bind {
        addr: format!("{}:{}", config.host, config.port),
        source,
    };
    let server = HttpServer::new(move || {
        // The last `wrap` runs first: headers on every answer, then
        // validators, the access log, the HTML error pages for browsers,
        // the request limits and the body timeouts.
        App::new()
            .app_data(security.clone())
            .wrap(actix_web::middleware::from_fn(connections::middleware))
            .wrap(actix_web::middleware::from_fn(limits::middleware))
            .wrap(actix_web::middleware::from_fn(error_pages::middleware))
            .wrap(actix_web::middleware::from_fn(access_log))
            .wrap(actix_web::middleware::from_fn(cache::middleware))
            .wrap(actix_web::middleware::from_fn(headers::middleware))
            .configure(|cfg| configure(cfg, data.clone()))
            .default_service(web::to(not_found))
    })
    .workers(2)
    .on_connect(per_peer)
    // A client has this long to send a request head (slowloris), to wait
    // between requests, and to close after the answer (connections.rs).
    .client_request_timeout(connections::HEAD_TIMEOUT)
    .keep_alive(connections::KEEP_ALIVE)
    .client_disconnect_timeout(Duration::from_secs(2))
    .bind((config.host.as_str(), config.port))
    .map_err(bind_error)?;
    let addr = server
        .addrs()
        .first()
        .copied()
        .ok_or_else(|| bind_error(std::io::Error::other("no address bound")))?;
    Ok((server.run(), addr))
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
