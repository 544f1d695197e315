//! One year per access point: the plan's yearly quotas, the access points
//! the records say are installed (they count toward their year), what is
//! left to place each year, and the year of each new point.

use super::types::Placement;
use chrono::Datelike;
use gapmap_engine::snapshot::Snapshot;
use gapmap_model::EquipmentType;

/// Access points installed in each year of `years` by the equipment
/// records (installed on or before the snapshot's date), in year order.
pub fn installed(snap: &Snapshot, years: &[i32]) -> Vec<(i32, usize)> {
    years
        .iter()
        .map(|&y| {
            let n = snap
                .equipment
                .iter()
                .filter(|e| {
                    e.kind == EquipmentType::AccessPoint
                        && e.installed_on
                            .is_some_and(|d| d.year() == y && d <= snap.inventory_date)
                })
                .count();
            (y, n)
        })
        .collect()
}

/// What is left of each year's quota once the installed points count:
/// points installed beyond a year's quota count toward the next years;
/// what a past year (before `current`) left undone moves to `current` (a
/// point cannot be planned in the past), or to the last year when the plan
/// is over.
///
/// ```
/// use gapmap_plan::access_points::years::remaining;
/// let quotas = [(2026, 9), (2027, 9), (2028, 9), (2029, 8)];
/// let installed = [(2026, 6), (2027, 0), (2028, 0), (2029, 0)];
/// assert_eq!(remaining(&quotas, &installed, 2026), [(2026, 3), (2027, 9), (2028, 9), (2029, 8)]);
/// assert_eq!(remaining(&quotas, &installed, 2027), [(2026, 0), (2027, 12), (2028, 9), (2029, 8)]);
/// let many = [(2026, 11), (2027, 0), (2028, 0), (2029, 0)];
/// assert_eq!(remaining(&quotas, &many, 2026), [(2026, 0), (2027, 7), (2028, 9), (2029, 8)]);
/// ```
pub fn remaining(
    quotas: &[(i32, usize)],
    installed: &[(i32, usize)],
    current: i32,
) -> Vec<(i32, usize)> {
    let mut out: Vec<(i32, usize)> = Vec::with_capacity(quotas.len());
    let (mut excess, mut missed) = (0usize, 0usize);
    for &(year, quota) in quotas {
        let done = installed.iter().find(|x| x.0 == year).map_or(0, |x| x.1);
        excess += done.saturating_sub(quota);
        let mut left = quota.saturating_sub(done);
        let take = left.min(excess);
        left -= take;
        excess -= take;
        if year < current {
            missed += left;
            out.push((year, 0));
        } else {
            out.push((year, left + missed));
            missed = 0;
        }
    }
    if missed > 0
        && let Some(last) = out.last_mut()
    {
        last.1 += missed;
    }
    out
}

/// The years along the ranked points: each fills the earliest year with a
/// slot left (past the last slot, the last year).
pub fn assign(placements: &mut [Placement], per_year: &[(i32, usize)]) {
    let mut slots = per_year
        .iter()
        .flat_map(|&(y, n)| std::iter::repeat_n(y, n));
    let last = per_year.last().map_or(0, |y| y.0);
    for pl in placements.iter_mut() {
        pl.year = slots.next().unwrap_or(last);
    }
}
