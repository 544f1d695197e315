//! gapmap-server: actix-web routes over the snapshot.
//!
//! Every answer is read from the current [`Snapshot`]; a [`Reloader`] notices
//! store changes (polling SQLite's `PRAGMA data_version`; for PostGIS,
//! LISTEN/NOTIFY in [`listen`]) or is told of them
//! (`POST /admin/reload`), builds a new snapshot off the request path and
//! swaps it in. A failed rebuild is logged and the old snapshot keeps serving.

mod app;
pub mod audience;
pub mod auth;
pub mod body;
pub mod cache;
pub mod config;
pub mod connections;
pub mod counts;
pub mod error_pages;
#[doc(hidden)]
pub mod fuzz;
pub mod headers;
pub mod limits;
pub mod links;
mod listen;
pub mod negotiate;
pub mod openapi;
pub mod pages;
pub mod params;
pub mod problem;
pub mod query;
pub mod ranges;
pub mod ratelimit;
mod reload;
pub mod routes;
mod serve;
mod state;

pub use config::{ConfigFile, ServerConfig};

pub(crate) use headers::read_resource as get;

pub use app::configure;
pub use reload::{ReloadError, Reloader};
pub use serve::{StartError, start};
pub use state::AppState;
