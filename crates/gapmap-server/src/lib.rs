//! gapmap-server: actix-web routes over the snapshot.
//!
//! Every answer is read from the current [`Snapshot`]; a [`Reloader`] notices
//! store changes (polling SQLite's `PRAGMA data_version`) or is told of them
//! (`POST /admin/reload`), builds a new snapshot off the request path and
//! swaps it in. A failed rebuild is logged and the old snapshot keeps serving.

pub mod cache;
pub mod config;
pub mod headers;
pub mod limits;
pub mod links;
pub mod negotiate;
pub mod openapi;
pub mod pages;
pub mod problem;
pub mod query;
pub mod ranges;
pub mod routes;

use actix_web::body::MessageBody;
use actix_web::dev::{ServiceRequest, ServiceResponse};
use actix_web::{App, HttpResponse, HttpServer, web};
use gapmap_core::config::Thresholds;
use gapmap_core::snapshot::{Live, Snapshot, SnapshotError};
use gapmap_core::store::gpkg::GpkgStore;
use problem::{Kind, Problem};
use std::path::PathBuf;
use std::sync::{Arc, Mutex};
use std::time::{Duration, Instant};

pub use config::{ConfigFile, ServerConfig};

/// Rebuilds the snapshot from the store, one rebuild at a time.
#[derive(Debug)]
pub struct Reloader {
    store: PathBuf,
    working_crs: u16,
    thresholds: Thresholds,
    live: Arc<Live>,
    lock: Mutex<()>,
}

#[derive(Debug, thiserror::Error)]
pub enum ReloadError {
    #[error(transparent)]
    Store(#[from] gapmap_core::store::StoreError),
    #[error(transparent)]
    Snapshot(#[from] SnapshotError),
}

impl Reloader {
    pub fn new(
        store: PathBuf,
        working_crs: u16,
        thresholds: Thresholds,
        live: Arc<Live>,
    ) -> Reloader {
        Reloader {
            store,
            working_crs,
            thresholds,
            live,
            lock: Mutex::new(()),
        }
    }

    /// Build a snapshot of the store as it is now; swap it in if its version
    /// differs. Returns the version serving afterwards.
    pub fn reload_now(&self) -> Result<String, ReloadError> {
        let _guard = self.lock.lock().unwrap_or_else(|p| p.into_inner());
        let store = GpkgStore::open_read_only(&self.store)?;
        let version = gapmap_core::store::FeatureStore::version(&store)?;
        if version == self.live.get().version {
            return Ok(version);
        }
        let started = Instant::now();
        let prev = self.live.get();
        let snapshot =
            Snapshot::build_from(&store, self.working_crs, &self.thresholds, Some(&prev))?;
        drop(prev);
        tracing::info!(version = %snapshot.version, ms = started.elapsed().as_millis() as u64, demand = snapshot.demand.len(), facts = snapshot.facts_mode, phases_ms = %snapshot.timings_text(), "new snapshot serving");
        self.live.swap(snapshot);
        warm_gazetteer(&self.live);
        Ok(version)
    }

    /// Poll `PRAGMA data_version` on a connection of its own and reload on
    /// change. Runs until the process ends.
    pub fn spawn_watcher(self: &Arc<Self>, every: Duration) {
        let me = Arc::clone(self);
        std::thread::Builder::new()
            .name("gapmap-store-watch".into())
            .spawn(move || {
                let mut conn = None;
                let mut last = None;
                loop {
                    std::thread::sleep(every);
                    if conn.is_none() {
                        conn = GpkgStore::open_read_only(&me.store).ok();
                    }
                    let Some(c) = &conn else { continue };
                    match c.data_version() {
                        // The first observation also checks: an ingest may
                        // have committed between the snapshot build and now.
                        Ok(v) if last != Some(v) => {
                            if let Err(e) = me.reload_now() {
                                tracing::error!(error = %e, "snapshot rebuild failed; the old snapshot keeps serving");
                            }
                            last = Some(v);
                        }
                        Ok(_) => {}
                        Err(e) => {
                            tracing::warn!(error = %e, "cannot poll the store");
                            conn = None;
                        }
                    }
                }
            })
            .map(|_| ())
            .unwrap_or_else(|e| tracing::error!(error = %e, "cannot start the store watcher"));
    }
}

/// Build the serving snapshot's gazetteer off the request path (a national
/// address index takes seconds), so the first search does not wait for it.
fn warm_gazetteer(live: &Arc<Live>) {
    let live = Arc::clone(live);
    let spawned = std::thread::Builder::new()
        .name("gapmap-gazetteer".into())
        .spawn(move || {
            let started = Instant::now();
            let g = live.get().gazetteer();
            tracing::info!(
                addresses = g.address_count(),
                places = g.places().len(),
                ms = started.elapsed().as_millis() as u64,
                "gazetteer built"
            );
        });
    if let Err(e) = spawned {
        tracing::warn!(error = %e, "cannot build the gazetteer in the background; the first search will");
    }
}

/// Shared state of every handler.
#[derive(Debug)]
pub struct AppState {
    pub live: Arc<Live>,
    pub config: ServerConfig,
    pub thresholds: Thresholds,
    pub reloader: Arc<Reloader>,
    /// Analyses for non-default thresholds, per snapshot version.
    pub analysis_cache: Mutex<Vec<(String, Thresholds, Arc<gapmap_core::analysis::Analysis>)>>,
    /// The published collections (default thresholds), per snapshot.
    pub published: gapmap_core::publish::PublishCache,
    /// The planner's per-snapshot indexes, answers and rate limit.
    pub plan: routes::plan::PlanState,
}

impl AppState {
    /// The publication of a collection of this snapshot (cached).
    pub fn published(
        &self,
        snap: &Arc<Snapshot>,
        c: gapmap_core::publish::Collection,
    ) -> Arc<gapmap_core::publish::Published> {
        self.published.get(snap, c)
    }
}

async fn not_found() -> Result<HttpResponse, Problem> {
    Err(Problem::not_found(
        "no resource at this path; see /api/v1/layers",
    ))
}

pub(crate) use headers::read_resource as get;

/// Configure every route on an actix `App`.
pub fn configure(cfg: &mut web::ServiceConfig, state: web::Data<AppState>) {
    let max = state.config.max_body_bytes;
    cfg.app_data(state.clone())
        .app_data(web::PayloadConfig::new(max))
        .app_data(web::JsonConfig::default().limit(max).error_handler(|e, _| {
            let kind = match e {
                actix_web::error::JsonPayloadError::Overflow { .. }
                | actix_web::error::JsonPayloadError::OverflowKnownLength { .. } => {
                    Kind::PayloadTooLarge
                }
                _ => Kind::InvalidParameter,
            };
            Problem::new(kind, e.to_string()).into()
        }))
        .service(get("/healthz", routes::health::healthz))
        .service(get("/api/v1/layers", routes::layers::layers))
        .service(get("/api/v1/openapi.json", openapi::openapi_json))
        .service(get("/api/v1/sites", routes::sites::sites))
        .service(get("/api/v1/gaps/summary", routes::gaps::summary))
        .service(get("/api/v1/gaps/parishes", routes::gaps::parishes))
        .service(get("/api/v1/gaps/grid", routes::gaps::grid))
        .service(get("/api/v1/gaps/clusters", routes::gaps::clusters))
        .service(get("/api/v1/nearest", routes::nearest::nearest))
        .service(get("/api/v1/coverage", routes::nearest::coverage))
        .service(get("/api/v1/search", routes::search::search))
        .service(get(
            "/api/v1/plan/access-points",
            routes::plan::access_points::access_points,
        ))
        .service(get(
            "/api/v1/plan/upgrades",
            routes::plan::upgrades::upgrades,
        ))
        .service(get(
            "/api/v1/plan/mobile-class",
            routes::plan::mobile_class::mobile_class,
        ))
        .service(get(
            "/api/v1/plan/progress",
            routes::plan::progress::progress,
        ))
        .service(
            // Read-only, but a POST: kept to this site's own planning pages.
            headers::write_resource("/api/v1/plan/what-if", "POST")
                .route(web::post().to(routes::plan::what_if::what_if)),
        )
        .service(get("/tiles/{tileset}/{z}/{x}/{y}.mvt", routes::tiles::tile))
        .service(get("/tiles/{tileset}.json", routes::tiles::tilejson))
        .service(get("/styles/{name}.json", routes::tiles::style))
        .service(get("/export/tiles.pmtiles", routes::tiles::pmtiles))
        .configure(routes::ogc::configure)
        .configure(pages::configure)
        .service(get("/problems/{slug}", routes::problems::problem_type))
        .service(get(
            "/export/{layer}.{format:geojson|csv|gpkg}",
            routes::export::export,
        ))
        .service(
            headers::write_resource("/admin/reload", "POST")
                .route(web::post().to(routes::admin::reload)),
        );
}

/// Access log through tracing: method, path, status, milliseconds.
async fn access_log(
    req: ServiceRequest,
    next: actix_web::middleware::Next<impl MessageBody + 'static>,
) -> Result<ServiceResponse<impl MessageBody>, actix_web::Error> {
    let started = Instant::now();
    let method = req.method().clone();
    let path = problem::truncate(req.path(), 200).into_owned();
    let res = next.call(req).await?;
    tracing::info!(target: "gapmap::access", %method, %path, status = res.status().as_u16(), ms = started.elapsed().as_secs_f64() * 1000.0, "request");
    Ok(res)
}

/// Build the state, bind, and return the running server and its address.
pub fn start(
    config: ServerConfig,
    thresholds: Thresholds,
    store: PathBuf,
) -> Result<(actix_web::dev::Server, std::net::SocketAddr, Arc<AppState>), StartError> {
    config.validate().map_err(StartError::Config)?;
    let started = Instant::now();
    let snapshot = {
        let s = GpkgStore::open_read_only(&store).map_err(ReloadError::from)?;
        Snapshot::build(&s, config.working_crs, &thresholds).map_err(ReloadError::from)?
    };
    tracing::info!(version = %snapshot.version, ms = started.elapsed().as_millis() as u64, sites = snapshot.sites.len(), demand = snapshot.demand.len(), "snapshot built");
    let live = Arc::new(Live::new(snapshot));
    warm_gazetteer(&live);
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
        published: gapmap_core::publish::PublishCache::new(),
        plan: routes::plan::PlanState::default(),
    });
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
