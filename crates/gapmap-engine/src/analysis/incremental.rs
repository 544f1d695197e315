//! Incremental recompute when only sites changed (the common edit: a new
//! access point, a moved library, a closed KAC point). Coverage facts are
//! kept; for each point and kind, a nearest site that is unchanged stays
//! (re-indexed), one that was removed or changed is looked up again, and
//! every added or changed site is compared with the current nearest.
//! The result equals a full recompute (see the test with 200 random edits).
//! [`SiteChange`] holds that logic for one point, so the planner's what-if
//! can apply it to only the points a hypothetical change can reach.

use super::facts::{Facts, Nearest, NearestKind, SiteSets};
use super::site_grid::dist;
use gapmap_model::Site;
use geo_types::Point;
use std::collections::HashMap;

/// Whether two versions of a site are the same for nearest-distance purposes.
pub(crate) fn same_for_nearest(a: &Site, ap: &Point<f64>, b: &Site, bp: &Point<f64>) -> bool {
    ap == bp
        && NearestKind::ALL
            .iter()
            .all(|k| k.includes(a) == k.includes(b))
}

/// What changed between two versions of the sites, for nearest-distance
/// purposes: which old sites are kept (and their new index), and which new
/// sites are added or changed, per kind.
#[derive(Debug, Clone, PartialEq)]
pub struct SiteChange {
    /// Old index → new index of an unchanged site.
    remap: Vec<Option<u32>>,
    /// New sites that are added or changed, per [`NearestKind`].
    fresh: Vec<Vec<(u32, [f64; 2])>>,
}

impl SiteChange {
    /// The change from `old` to `new` (positions in the working CRS).
    pub fn new(old: (&[Site], &[Point<f64>]), new: (&[Site], &[Point<f64>])) -> SiteChange {
        let new_by_id: HashMap<&str, usize> = new
            .0
            .iter()
            .enumerate()
            .map(|(i, s)| (s.id.as_str(), i))
            .collect();
        let old_by_id: HashMap<&str, usize> = old
            .0
            .iter()
            .enumerate()
            .map(|(i, s)| (s.id.as_str(), i))
            .collect();
        let remap = old
            .0
            .iter()
            .zip(old.1)
            .map(|(s, p)| {
                new_by_id
                    .get(s.id.as_str())
                    .filter(|&&j| same_for_nearest(s, p, &new.0[j], &new.1[j]))
                    .map(|&j| j as u32)
            })
            .collect();
        let fresh = NearestKind::ALL
            .iter()
            .map(|k| {
                new.0
                    .iter()
                    .zip(new.1)
                    .enumerate()
                    .filter(|(_, (s, p))| {
                        k.includes(s)
                            && !old_by_id
                                .get(s.id.as_str())
                                .is_some_and(|&i| same_for_nearest(&old.0[i], &old.1[i], s, p))
                    })
                    .map(|(j, (_, p))| (j as u32, [p.x(), p.y()]))
                    .collect()
            })
            .collect();
        SiteChange { remap, fresh }
    }

    /// The change from `old` to `old` edited: the same as [`SiteChange::new`]
    /// of the edited list, without building it (a national store has
    /// thousands of sites; an edit a few). The edited list is `old` with
    /// `edited` sites replaced ((old index, site, position); each index
    /// once), then `added` appended, then the `removed` old indices (sorted,
    /// distinct) taken out. Site ids are distinct.
    pub fn edited(
        old: (&[Site], &[Point<f64>]),
        edited: &[(usize, Site, Point<f64>)],
        added: &[(Site, Point<f64>)],
        removed: &[usize],
    ) -> SiteChange {
        let mut edits: Vec<&(usize, Site, Point<f64>)> = edited.iter().collect();
        edits.sort_by_key(|e| e.0);
        let kept_len = old.0.len() - removed.len();
        let mut remap = Vec::with_capacity(old.0.len());
        let mut fresh: Vec<Vec<(u32, [f64; 2])>> = vec![Vec::new(); NearestKind::ALL.len()];
        let mut gone_before = 0usize;
        for (i, (s, p)) in old.0.iter().zip(old.1).enumerate() {
            if removed.binary_search(&i).is_ok() {
                gone_before += 1;
                remap.push(None);
                continue;
            }
            let j = (i - gone_before) as u32;
            let edit = edits
                .binary_search_by_key(&i, |x| x.0)
                .ok()
                .map(|e| edits[e]);
            match edit {
                Some((_, ns, np)) if !same_for_nearest(s, p, ns, np) => {
                    remap.push(None);
                    for k in NearestKind::ALL {
                        if k.includes(ns) {
                            fresh[k as usize].push((j, [np.x(), np.y()]));
                        }
                    }
                }
                _ => remap.push(Some(j)),
            }
        }
        for (a, (s, p)) in added.iter().enumerate() {
            for k in NearestKind::ALL {
                if k.includes(s) {
                    fresh[k as usize].push(((kept_len + a) as u32, [p.x(), p.y()]));
                }
            }
        }
        SiteChange { remap, fresh }
    }

    /// The added or changed sites that count for a kind: (new index, position).
    pub fn fresh(&self, kind: NearestKind) -> &[(u32, [f64; 2])] {
        &self.fresh[kind as usize]
    }

    /// The new index of an old site kept unchanged; `None`: removed or changed.
    pub fn kept(&self, old_site: u32) -> Option<u32> {
        self.remap.get(old_site as usize).copied().flatten()
    }

    /// Whether an old site was removed or changed.
    pub fn is_gone(&self, old_site: u32) -> bool {
        self.remap
            .get(old_site as usize)
            .is_none_or(Option::is_none)
    }

    /// One point's facts for `kinds` after the change (the other kinds are
    /// left as they were); `sets` must be built from the new sites.
    pub fn update(
        &self,
        f: &Facts,
        p: &Point<f64>,
        sets: &SiteSets,
        kinds: &[NearestKind],
    ) -> Facts {
        let mut out = *f;
        for &k in kinds {
            let slot = out.nearest(k);
            let kept = slot.and_then(|n| {
                self.remap[n.site as usize].map(|site| Nearest {
                    site,
                    distance_m: n.distance_m,
                })
            });
            let nearest = match kept {
                Some(n) => {
                    let mut best = n;
                    for (j, at) in &self.fresh[k as usize] {
                        let d = dist(at, p.x(), p.y());
                        if d < best.distance_m {
                            best = Nearest {
                                site: *j,
                                distance_m: d,
                            };
                        }
                    }
                    Some(best)
                }
                // Had none (and nothing unchanged can be nearer), or the
                // nearest was removed or changed: ask the new sites.
                None if slot.is_none() && self.fresh[k as usize].is_empty() => None,
                None => sets.nearest(k, p.x(), p.y()),
            };
            out.set_nearest(k, nearest);
        }
        out
    }
}

/// The facts after the sites changed from `old` to `new` (positions in the
/// working CRS). `sets` must be built from `new`.
pub fn update_nearest(
    facts: &[Facts],
    demand_xy: &[Point<f64>],
    old: (&[Site], &[Point<f64>]),
    new: (&[Site], &[Point<f64>]),
    sets: &SiteSets,
) -> Vec<Facts> {
    let change = SiteChange::new(old, new);
    facts
        .iter()
        .zip(demand_xy)
        .map(|(f, p)| change.update(f, p, sets, &NearestKind::ALL))
        .collect()
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::analysis::facts::SiteSets;
    use gapmap_model::{Provenance, SiteKind, SiteStatus, Source, Wheelchair};
    use rand::{Rng, SeedableRng};

    fn site(id: usize, x: f64, y: f64, kind: SiteKind, wifi: bool, active: bool) -> Site {
        Site {
            id: format!("s{id:04}"),
            kind,
            name: String::new(),
            address: None,
            parish_id: None,
            free_wifi: Some(wifi),
            access_points: None,
            router_year: None,
            backhaul_down_mbps: None,
            backhaul_up_mbps: None,
            public_computers: None,
            opening_hours: None,
            wifi_hours: None,
            phone: None,
            wheelchair: Wheelchair::Unknown,
            services: vec![],
            how_to_connect: None,
            status: if active {
                SiteStatus::Active
            } else {
                SiteStatus::Planned
            },
            planned_year: None,
            candidate: false,
            outside_municipality: false,
            outside_municipality_reason: None,
            coordinate_quality: None,
            building_id: None,
            location: Point::new(x, y),
            provenance: Provenance {
                source: Source::Simulated,
                source_ref: "t".into(),
                as_of: chrono::NaiveDate::MIN,
                licence: None,
            },
            equipment_provenance: None,
        }
    }

    fn full(demand: &[Point<f64>], sites: &[Site], xy: &[Point<f64>]) -> Vec<[Option<f64>; 4]> {
        let sets = SiteSets::new(sites, xy);
        demand
            .iter()
            .map(|p| NearestKind::ALL.map(|k| sets.nearest(k, p.x(), p.y()).map(|n| n.distance_m)))
            .collect()
    }

    /// 200 random add, move and delete edits; after each, the incremental
    /// nearest distances equal a full recompute exactly.
    #[test]
    fn incremental_equals_full_after_200_random_edits() {
        let mut rng = rand_chacha::ChaCha8Rng::seed_from_u64(2026);
        let kinds = [
            SiteKind::Library,
            SiteKind::Kac,
            SiteKind::Wifi,
            SiteKind::School,
        ];
        let demand: Vec<Point<f64>> = (0..3000)
            .map(|_| Point::new(rng.gen_range(0.0..20_000.0), rng.gen_range(0.0..20_000.0)))
            .collect();
        let mut sites: Vec<Site> = (0..40)
            .map(|i| {
                site(
                    i,
                    rng.gen_range(0.0..20_000.0),
                    rng.gen_range(0.0..20_000.0),
                    kinds[i % 4],
                    i % 3 == 0,
                    true,
                )
            })
            .collect();
        let mut next_id = 40;
        let xy_of = |s: &[Site]| s.iter().map(|s| s.location).collect::<Vec<_>>();
        let mut xy = xy_of(&sites);
        let sets = SiteSets::new(&sites, &xy);
        let mut facts: Vec<Facts> = demand
            .iter()
            .map(|p| {
                Facts::new(
                    Default::default(),
                    NearestKind::ALL.map(|k| sets.nearest(k, p.x(), p.y())),
                    (0, 0),
                )
            })
            .collect();
        for step in 0..200 {
            let old_sites = sites.clone();
            let old_xy = xy.clone();
            match rng.gen_range(0..3) {
                0 => {
                    let s = site(
                        next_id,
                        rng.gen_range(0.0..20_000.0),
                        rng.gen_range(0.0..20_000.0),
                        kinds[rng.gen_range(0..4)],
                        rng.gen_bool(0.5),
                        rng.gen_bool(0.9),
                    );
                    next_id += 1;
                    sites.push(s);
                }
                1 if !sites.is_empty() => {
                    let i = rng.gen_range(0..sites.len());
                    sites[i].location =
                        Point::new(rng.gen_range(0.0..20_000.0), rng.gen_range(0.0..20_000.0));
                    if rng.gen_bool(0.2) {
                        sites[i].free_wifi = Some(!sites[i].free_wifi.unwrap_or(false));
                    }
                }
                _ if !sites.is_empty() => {
                    let i = rng.gen_range(0..sites.len());
                    sites.remove(i);
                }
                _ => {}
            }
            sites.sort_by(|a, b| a.id.cmp(&b.id));
            xy = xy_of(&sites);
            let sets = SiteSets::new(&sites, &xy);
            facts = update_nearest(&facts, &demand, (&old_sites, &old_xy), (&sites, &xy), &sets);
            let want = full(&demand, &sites, &xy);
            let got: Vec<[Option<f64>; 4]> = facts
                .iter()
                .map(|f| NearestKind::ALL.map(|k| f.nearest(k).map(|n| n.distance_m)))
                .collect();
            assert_eq!(got, want, "step {step}");
            // The indices point at sites that really are that far away.
            for (f, p) in facts.iter().zip(&demand) {
                for n in NearestKind::ALL.iter().filter_map(|&k| f.nearest(k)) {
                    let s = &xy[n.site as usize];
                    assert_eq!(dist(&[s.x(), s.y()], p.x(), p.y()), n.distance_m);
                }
            }
        }
    }
}
