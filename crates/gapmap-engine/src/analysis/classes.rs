//! The classes of a demand point under given thresholds (ARCHITECTURE.md,
//! "Gaps"): fixed, mobile, public access and digitally under-served.

use crate::analysis::coverage::Attr;
use crate::analysis::facts::{Facts, NearestKind};
use crate::analysis::pip;
use gapmap_model::thresholds::Thresholds;
use serde::Serialize;

/// Fixed broadband class of a demand point.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, PartialOrd, Ord, Serialize)]
#[serde(rename_all = "lowercase")]
pub enum FixedClass {
    Gigabit,
    Served,
    Underserved,
    Unserved,
}

impl FixedClass {
    pub const ALL: [FixedClass; 4] = [
        FixedClass::Gigabit,
        FixedClass::Served,
        FixedClass::Underserved,
        FixedClass::Unserved,
    ];
    pub fn as_str(self) -> &'static str {
        match self {
            FixedClass::Gigabit => "gigabit",
            FixedClass::Served => "served",
            FixedClass::Underserved => "underserved",
            FixedClass::Unserved => "unserved",
        }
    }
    /// Below `served`: underserved or unserved.
    pub fn below_served(self) -> bool {
        matches!(self, FixedClass::Underserved | FixedClass::Unserved)
    }
}

/// Mobile broadband class: best mobile down speed.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, PartialOrd, Ord, Serialize)]
pub enum MobileClass {
    #[serde(rename = "none")]
    None,
    #[serde(rename = "lt2")]
    Lt2,
    #[serde(rename = "2to30")]
    From2To30,
    #[serde(rename = "ge30")]
    Ge30,
}

impl MobileClass {
    pub const ALL: [MobileClass; 4] = [
        MobileClass::None,
        MobileClass::Lt2,
        MobileClass::From2To30,
        MobileClass::Ge30,
    ];
    pub fn as_str(self) -> &'static str {
        match self {
            MobileClass::None => "none",
            MobileClass::Lt2 => "lt2",
            MobileClass::From2To30 => "2to30",
            MobileClass::Ge30 => "ge30",
        }
    }
}

/// Public access: free Wi-Fi within `near_m` (straight line) or not.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize)]
#[serde(rename_all = "lowercase")]
pub enum PublicAccess {
    Near,
    Far,
}

impl PublicAccess {
    pub fn as_str(self) -> &'static str {
        match self {
            PublicAccess::Near => "near",
            PublicAccess::Far => "far",
        }
    }
}

/// The classes of one demand point under some thresholds.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize)]
pub struct Classes {
    pub fixed_class: FixedClass,
    pub mobile_class: MobileClass,
    pub public_access: PublicAccess,
    pub digitally_underserved: bool,
}

/// The fixed class of a best fixed service (down, up Mbit/s).
pub fn fixed_class(best: Option<(f64, f64)>, t: &Thresholds) -> FixedClass {
    match best {
        Some((d, u)) if d >= t.gigabit_down_mbps && u >= t.gigabit_up_mbps => FixedClass::Gigabit,
        Some((d, _)) if d >= t.served_down_mbps => FixedClass::Served,
        Some((d, _)) if d >= t.underserved_down_mbps => FixedClass::Underserved,
        _ => FixedClass::Unserved,
    }
}

/// The mobile class of a best mobile down speed.
pub fn mobile_class(best_down: Option<f64>, t: &Thresholds) -> MobileClass {
    match best_down {
        None => MobileClass::None,
        Some(d) if d < t.mobile_low_mbps => MobileClass::Lt2,
        Some(d) if d < t.mobile_high_mbps => MobileClass::From2To30,
        Some(_) => MobileClass::Ge30,
    }
}

/// Classify one point's facts (`coverage`: the attributes of the coverage
/// layer, [`PreparedCoverage::attrs`]).
pub fn classify(f: &Facts, coverage: &[Attr], t: &Thresholds) -> Classes {
    let fixed = f
        .best_fixed()
        .map(|i| (coverage[i as usize].down, coverage[i as usize].up));
    let mobile = f.best_mobile().map(|i| coverage[i as usize].down);
    let fixed_class = fixed_class(fixed, t);
    // d ≤ near_m, with the same 1 µm tolerance as polygon edges: a site
    // placed exactly 1500 m away survives the WGS84 round trip as 1500.0000000002 m.
    let near = f
        .nearest(NearestKind::Wifi)
        .is_some_and(|n| n.distance_m <= t.near_m + pip::BOUNDARY_EPS_M);
    let public_access = if near {
        PublicAccess::Near
    } else {
        PublicAccess::Far
    };
    Classes {
        fixed_class,
        mobile_class: mobile_class(mobile, t),
        public_access,
        digitally_underserved: fixed_class.below_served() && public_access == PublicAccess::Far,
    }
}

/// Validate thresholds (all finite, ≥ 0, ordered).
pub fn check_thresholds(t: &Thresholds) -> Result<(), String> {
    let all = [
        ("gigabit_down_mbps", t.gigabit_down_mbps),
        ("gigabit_up_mbps", t.gigabit_up_mbps),
        ("served_down_mbps", t.served_down_mbps),
        ("underserved_down_mbps", t.underserved_down_mbps),
        ("mobile_low_mbps", t.mobile_low_mbps),
        ("mobile_high_mbps", t.mobile_high_mbps),
        ("near_m", t.near_m),
    ];
    for (name, v) in all {
        if !v.is_finite() || v < 0.0 {
            return Err(format!("{name} must be a number ≥ 0"));
        }
    }
    if !(t.underserved_down_mbps <= t.served_down_mbps && t.served_down_mbps <= t.gigabit_down_mbps)
    {
        return Err(
            "thresholds must satisfy underserved_down_mbps ≤ served_down_mbps ≤ gigabit_down_mbps"
                .into(),
        );
    }
    if t.mobile_low_mbps > t.mobile_high_mbps {
        return Err("mobile_low_mbps must be ≤ mobile_high_mbps".into());
    }
    Ok(())
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn fixed_classes_at_their_edges() {
        let t = Thresholds::default();
        assert_eq!(fixed_class(Some((1000.0, 150.0)), &t), FixedClass::Gigabit);
        assert_eq!(fixed_class(Some((1000.0, 149.9)), &t), FixedClass::Served);
        assert_eq!(fixed_class(Some((100.0, 10.0)), &t), FixedClass::Served);
        assert_eq!(fixed_class(Some((99.9, 10.0)), &t), FixedClass::Underserved);
        assert_eq!(fixed_class(Some((30.0, 10.0)), &t), FixedClass::Underserved);
        assert_eq!(fixed_class(Some((29.9, 10.0)), &t), FixedClass::Unserved);
        assert_eq!(fixed_class(None, &t), FixedClass::Unserved);
    }

    #[test]
    fn mobile_classes_at_their_edges() {
        let t = Thresholds::default();
        assert_eq!(mobile_class(None, &t), MobileClass::None);
        assert_eq!(mobile_class(Some(1.99), &t), MobileClass::Lt2);
        assert_eq!(mobile_class(Some(2.0), &t), MobileClass::From2To30);
        assert_eq!(mobile_class(Some(29.99), &t), MobileClass::From2To30);
        assert_eq!(mobile_class(Some(30.0), &t), MobileClass::Ge30);
    }
}
