//! Analysis thresholds shared by the snapshot, API and CLI (ARCHITECTURE.md,
//! "Gaps"); every one can be overridden by config, query string or flag.

use serde::{Deserialize, Serialize};

/// Thresholds of the gap classes, in Mbit/s and metres (EPSG:3059).
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(deny_unknown_fields, default)]
pub struct Thresholds {
    pub gigabit_down_mbps: f64,
    pub gigabit_up_mbps: f64,
    pub served_down_mbps: f64,
    pub underserved_down_mbps: f64,
    pub mobile_low_mbps: f64,
    pub mobile_high_mbps: f64,
    /// Free public Wi-Fi within this straight-line distance is `near`.
    pub near_m: f64,
    /// Cells and clusters with fewer residents publish a range.
    pub disclosure_min_residents: u32,
}

impl Default for Thresholds {
    fn default() -> Self {
        Thresholds {
            gigabit_down_mbps: 1000.0,
            gigabit_up_mbps: 150.0,
            served_down_mbps: 100.0,
            underserved_down_mbps: 30.0,
            mobile_low_mbps: 2.0,
            mobile_high_mbps: 30.0,
            near_m: 1500.0,
            disclosure_min_residents: 5,
        }
    }
}
