//! What every handler reads: the live snapshot and the server's shared parts.

use crate::config::ServerConfig;
use crate::reload::Reloader;
use crate::routes;
use gapmap_engine::snapshot::{Live, Snapshot};
use gapmap_model::thresholds::Thresholds;
use std::sync::{Arc, Mutex};

/// Shared state of every handler.
#[derive(Debug)]
pub struct AppState {
    pub live: Arc<Live>,
    pub config: ServerConfig,
    pub thresholds: Thresholds,
    pub reloader: Arc<Reloader>,
    /// Analyses for non-default thresholds, per snapshot version.
    pub analysis_cache: Mutex<Vec<(String, Thresholds, Arc<gapmap_engine::analysis::Analysis>)>>,
    /// The published collections (default thresholds), per snapshot.
    pub published: gapmap_publish::collections::PublishCache,
    /// The store (edits, accounts, audit and reports write to it): a
    /// GeoPackage file, or a PostGIS database shared with other servers.
    pub store: gapmap_store::Location,
    /// The store's side tables (audit log, revisions' figures) for the
    /// handlers that read them ([`gapmap_store::sql::Db`]).
    pub db: gapmap_store::sql::Db,
    /// Accounts, sessions and tokens (behind the Authenticator trait).
    pub accounts: gapmap_inventory::accounts::Accounts,
    pub reports: gapmap_inventory::reports::Reports,
    /// The throttles' state in the store: sign-in failures, the report
    /// budget, `/admin/reload` (see `gapmap_store::throttle`).
    pub throttle: Arc<dyn gapmap_store::throttle::Throttle>,
    /// Requests at once per client behind a trusted proxy
    /// ([`crate::connections`]).
    pub in_flight: Arc<crate::counts::Counts>,
    /// The planner's per-snapshot indexes, answers and rate limit.
    pub plan: routes::plan::PlanState,
}

impl AppState {
    /// The trusted proxies' addresses (checked by `ServerConfig::validate`).
    pub fn trusted_proxies(&self) -> Vec<std::net::IpAddr> {
        self.config
            .trusted_proxies
            .iter()
            .filter_map(|p| p.parse().ok())
            .collect()
    }

    /// The publication of a collection of this snapshot (cached).
    pub fn published(
        &self,
        snap: &Arc<Snapshot>,
        c: gapmap_publish::collections::Collection,
    ) -> Arc<gapmap_publish::collections::Published> {
        self.published.get(snap, c)
    }
}
