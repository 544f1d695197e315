//! The gap thresholds as flags, shared by `gaps` and `plan`.

use crate::error::CliError;
use clap::Args;
use gapmap_engine::analysis::check_thresholds;
use gapmap_model::thresholds::Thresholds;

/// Gap analysis thresholds (defaults from ARCHITECTURE.md, "Gaps").
#[derive(Debug, Args)]
pub struct ThresholdArgs {
    /// Gigabit class: at least this down speed (Mbit/s) [default: 1000].
    #[arg(long)]
    pub gigabit_down_mbps: Option<f64>,
    /// Gigabit class: and at least this up speed (Mbit/s) [default: 150].
    #[arg(long)]
    pub gigabit_up_mbps: Option<f64>,
    /// Served class: at least this down speed (Mbit/s) [default: 100].
    #[arg(long)]
    pub served_down_mbps: Option<f64>,
    /// Underserved class: at least this down speed (Mbit/s); below it is unserved [default: 30].
    #[arg(long)]
    pub underserved_down_mbps: Option<f64>,
    /// Mobile classes: below this is `lt2` [default: 2].
    #[arg(long)]
    pub mobile_low_mbps: Option<f64>,
    /// Mobile classes: at least this is `ge30` [default: 30].
    #[arg(long)]
    pub mobile_high_mbps: Option<f64>,
    /// Free Wi-Fi within this straight-line distance (metres) is `near` [default: 1500].
    #[arg(long)]
    pub near_m: Option<f64>,
}

pub fn thresholds(a: &ThresholdArgs) -> Result<Thresholds, CliError> {
    let mut t = Thresholds::default();
    for (v, slot) in [
        (a.gigabit_down_mbps, &mut t.gigabit_down_mbps),
        (a.gigabit_up_mbps, &mut t.gigabit_up_mbps),
        (a.served_down_mbps, &mut t.served_down_mbps),
        (a.underserved_down_mbps, &mut t.underserved_down_mbps),
        (a.mobile_low_mbps, &mut t.mobile_low_mbps),
        (a.mobile_high_mbps, &mut t.mobile_high_mbps),
        (a.near_m, &mut t.near_m),
    ] {
        if let Some(v) = v {
            *slot = v;
        }
    }
    check_thresholds(&t).map_err(CliError::Usage)?;
    Ok(t)
}
