//! The documented parameters and bodies of the API: what the handlers'
//! `#[utoipa::path]` annotations name, and the OpenAPI document lists.

use utoipa::{IntoParams, ToSchema};

/// Binary content: a vector tile, a PMTiles archive.
#[allow(dead_code, reason = "documents a response body")]
#[derive(Debug, ToSchema)]
#[schema(value_type = String, format = Binary)]
pub struct Binary(Vec<u8>);

/// A site kind (`gapmap_model::schema::SITE_KINDS`).
#[derive(Debug, ToSchema, serde::Serialize)]
#[serde(rename_all = "snake_case")]
pub enum SiteKind {
    Wifi,
    Library,
    Kac,
    School,
    CultureHouse,
    SocialCentre,
    ActivityCentre,
    YouthCentre,
    MunicipalOffice,
    MobileClassStop,
}

/// What `/api/v1/nearest` looks for.
#[derive(Debug, ToSchema, serde::Serialize)]
#[serde(rename_all = "snake_case")]
pub enum NearestKind {
    Wifi,
    Library,
    Kac,
    Any,
}

/// The output formats of the planner's lists (`f`).
#[derive(Debug, ToSchema, serde::Serialize)]
#[serde(rename_all = "lowercase")]
pub enum ListFormat {
    Json,
    Csv,
}

/// Where a style's vector tiles come from (`tiles` of `/styles/{name}.json`).
#[derive(Debug, ToSchema, serde::Serialize)]
#[serde(rename_all = "lowercase")]
pub enum StyleTiles {
    Server,
    Archive,
}

/// The output formats of the mobile-class plan (`f`).
#[derive(Debug, ToSchema, serde::Serialize)]
#[serde(rename_all = "lowercase")]
pub enum CalendarFormat {
    Json,
    Csv,
    Ics,
}

/// The access-point solver (`method`).
#[derive(Debug, ToSchema, serde::Serialize)]
#[serde(rename_all = "lowercase")]
pub enum PlanMethod {
    Auto,
    Exact,
    Heuristic,
}

/// Query of `GET /api/v1/sites`.
#[allow(
    dead_code,
    reason = "documents the query; parsing is strict and manual (crate::query)"
)]
#[derive(Debug, IntoParams)]
#[into_params(parameter_in = Query)]
pub struct SitesQuery {
    /// Site kind.
    #[param(inline)]
    kind: Option<SiteKind>,
    /// minlon,minlat,maxlon,maxlat (WGS84 degrees); a box with a minimum above its maximum selects nothing.
    #[param(pattern = r"^-?[0-9]{1,300}(\.[0-9]+)?(,-?[0-9]{1,300}(\.[0-9]+)?){3}$")]
    bbox: Option<String>,
    /// 1–10000, default 100.
    #[param(minimum = 1, maximum = 10000)]
    limit: Option<u32>,
    /// Default 0.
    #[param(minimum = 0)]
    offset: Option<i64>,
}

/// Threshold overrides accepted by the gap endpoints (Mbit/s, metres), each
/// ≥ 0. They need not be ordered: classes are tested from the top (gigabit,
/// then served, then underserved, else unserved; mobile: below
/// mobile_low_mbps is lt2, below mobile_high_mbps 2to30, else ge30), so a
/// point takes the first class whose rule it meets.
#[allow(
    dead_code,
    reason = "documents the query; parsing is strict and manual (crate::query)"
)]
#[derive(Debug, IntoParams)]
#[into_params(parameter_in = Query)]
pub struct ThresholdQuery {
    /// Gigabit: at least this down speed (default 1000).
    #[param(minimum = 0)]
    gigabit_down_mbps: Option<f64>,
    /// Gigabit: and at least this up speed (default 150).
    #[param(minimum = 0)]
    gigabit_up_mbps: Option<f64>,
    /// Served: at least this down speed (default 100).
    #[param(minimum = 0)]
    served_down_mbps: Option<f64>,
    /// Underserved: at least this down speed; below it is unserved (default 30).
    #[param(minimum = 0)]
    underserved_down_mbps: Option<f64>,
    /// Mobile below this is `lt2` (default 2).
    #[param(minimum = 0)]
    mobile_low_mbps: Option<f64>,
    /// Mobile at least this is `ge30` (default 30).
    #[param(minimum = 0)]
    mobile_high_mbps: Option<f64>,
    /// Free Wi-Fi within this straight-line distance in metres is `near` (default 1500).
    #[param(minimum = 0)]
    near_m: Option<f64>,
}

/// Query of `GET /api/v1/nearest`.
#[allow(
    dead_code,
    reason = "documents the query; parsing is strict and manual (crate::query)"
)]
#[derive(Debug, IntoParams)]
#[into_params(parameter_in = Query)]
pub struct NearestQuery {
    /// Longitude, WGS84 degrees, within the Baltic states (20–29).
    #[param(minimum = 20, maximum = 29)]
    lon: f64,
    /// Latitude, WGS84 degrees, within the Baltic states (53–60.5).
    #[param(minimum = 53, maximum = 60.5)]
    lat: f64,
    /// wifi (active sites with free Wi-Fi), library, kac or any (default).
    #[param(inline)]
    kind: Option<NearestKind>,
    /// 1–100, default 5.
    #[param(minimum = 1, maximum = 100)]
    limit: Option<u32>,
    /// RFC 3339 instant for "open now" (default: now); evaluated in Europe/Riga time with Latvian public holidays.
    #[param(value_type = Option<String>, format = DateTime)]
    at: Option<String>,
}

/// Query of `GET /api/v1/search`.
#[allow(
    dead_code,
    reason = "documents the query; parsing is strict and manual (crate::query)"
)]
#[derive(Debug, IntoParams)]
#[into_params(parameter_in = Query)]
pub struct SearchQuery {
    /// A parish, village, site name, street address or homestead name (up to 200 characters, not only spaces), e.g. `Gluda`.
    #[param(
        example = "Gluda",
        min_length = 1,
        max_length = 200,
        pattern = r"[^ \t\n\r\f\v]"
    )]
    q: String,
    /// 1–50, default 10.
    #[param(minimum = 1, maximum = 50)]
    limit: Option<u32>,
}

/// Query of `GET /api/v1/coverage`.
#[allow(
    dead_code,
    reason = "documents the query; parsing is strict and manual (crate::query)"
)]
#[derive(Debug, IntoParams)]
#[into_params(parameter_in = Query)]
pub struct PointQuery {
    /// Longitude, WGS84 degrees, within the Baltic states (20–29).
    #[param(minimum = 20, maximum = 29)]
    lon: f64,
    /// Latitude, WGS84 degrees, within the Baltic states (53–60.5).
    #[param(minimum = 53, maximum = 60.5)]
    lat: f64,
}

/// A report's status (`gapmap_inventory::reports::STATUSES`).
#[derive(Debug, ToSchema, serde::Serialize)]
#[serde(rename_all = "snake_case")]
pub enum ReportStatus {
    Received,
    Accepted,
    Rejected,
    Fixed,
}

/// The audit log's formats.
#[derive(Debug, ToSchema, serde::Serialize)]
#[serde(rename_all = "snake_case")]
pub enum AuditFormat {
    Json,
    Csv,
}

/// Query of `GET /api/v1/audit`.
#[allow(
    dead_code,
    reason = "documents the query; parsing is strict and manual (crate::query)"
)]
#[derive(Debug, IntoParams)]
#[into_params(parameter_in = Query)]
pub struct AuditQuery {
    /// Only rows of this feature id.
    feature_id: Option<String>,
    /// Only rows of this layer (sites, equipment, visits, …).
    layer: Option<String>,
    /// Only rows of this user name (`ingest` for file ingests).
    actor: Option<String>,
    /// Only rows about this parish.
    parish_id: Option<String>,
    /// Rows at or after this RFC 3339 instant.
    #[param(value_type = Option<String>, format = DateTime)]
    from: Option<String>,
    /// Rows at or before this RFC 3339 instant.
    #[param(value_type = Option<String>, format = DateTime)]
    to: Option<String>,
    /// 1–100000, default 1000 (newest first).
    #[param(minimum = 1, maximum = 100000)]
    limit: Option<u32>,
    /// json (default) or csv.
    #[param(inline)]
    f: Option<AuditFormat>,
}

/// Query of `GET /api/v1/changes`.
#[allow(
    dead_code,
    reason = "documents the query; parsing is strict and manual (crate::query)"
)]
#[derive(Debug, IntoParams)]
#[into_params(parameter_in = Query)]
pub struct ChangesQuery {
    /// Changes after this version: a store revision `rN` or an RFC 3339 instant (the last revision at or before it); at most the current revision. Default: 30 days ago.
    #[param(example = "r1")]
    from: Option<String>,
    /// Up to this version (default: the current); at most the current revision.
    to: Option<String>,
    /// Only this parish (a parish id of `/api/v1/gaps/parishes`).
    parish_id: Option<String>,
}

/// Query of `GET /api/v1/reports`.
#[allow(
    dead_code,
    reason = "documents the query; parsing is strict and manual (crate::query)"
)]
#[derive(Debug, IntoParams)]
#[into_params(parameter_in = Query)]
pub struct QueueQuery {
    /// Only reports with this status (default: all).
    #[param(inline)]
    status: Option<ReportStatus>,
}
