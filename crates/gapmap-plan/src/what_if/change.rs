//! What one hypothetical change of the sites is.

use gapmap_model::{SiteKind, SiteStatus};
use geo_types::Point;

/// At most this many changes per request.
pub const MAX_CHANGES: usize = 100;

/// One hypothetical change.
#[derive(Debug, Clone, PartialEq)]
pub enum Change {
    /// A new site (WGS84 position).
    Add {
        id: String,
        name: String,
        kind: SiteKind,
        free_wifi: bool,
        location: Point<f64>,
    },
    /// An existing site changed: moved, free Wi-Fi switched, status changed.
    Modify {
        site_id: String,
        location: Option<Point<f64>>,
        free_wifi: Option<bool>,
        status: Option<SiteStatus>,
    },
    /// An existing site gone.
    Remove { site_id: String },
}
