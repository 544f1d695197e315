//! The siting as answered: GeoJSON (one feature per new access point, each
//! with its one year), the yearly table, the buildings left out and the
//! areas that need a building; CSV of the same rows; the headline in words
//! that state the figures it gives. Every count of residents is published
//! by the audience's [`Disclosure`].

use super::types::{Area, NotChosen, NotChosenWhy, Placement, Siting, Status, Unit};
use crate::candidates::CandidateBuilding;
use crate::instance::{Excluded, Exclusion};
use crate::mclp::Method;
use crate::reason;
use gapmap_engine::snapshot::Snapshot;
use gapmap_model::Layer;
use gapmap_model::disclosure::Disclosure;
use serde_json::{Map, Value, json};

/// "1 access point", "3 access points".
pub fn points_text(n: usize) -> String {
    if n == 1 {
        "1 access point".to_owned()
    } else {
        format!("{n} access points")
    }
}

/// "1 building", "3 buildings".
fn buildings_text(n: usize) -> String {
    if n == 1 {
        "1 building".to_owned()
    } else {
        format!("{n} buildings")
    }
}

/// A count's parameters in a reason: `key` (a number or null) and, for a
/// range, `key_min`/`key_max`.
fn count_param(d: &Disclosure, key: &str, n: u64) -> Map<String, Value> {
    let mut m = Map::new();
    d.put(&mut m, key, n);
    m
}

impl Siting {
    /// The headline: a code, its figures and the English sentence stating
    /// them (the pages word it from the code and figures).
    pub fn headline(&self, d: &Disclosure) -> Value {
        let p = &self.params;
        let near = p.instance.near_m;
        let installed: usize = p.installed.iter().map(|y| y.1).sum();
        let residents = self.residents_newly_served();
        let (worth, need, buildings) = (
            self.worth_placing(),
            self.need_buildings(),
            self.buildings(),
        );
        let mut m = count_param(d, "residents", residents);
        for (k, v) in [
            ("target", p.target),
            ("installed", installed),
            ("count", p.count),
            ("worth_placing", worth),
            ("need_buildings", need),
            ("buildings", buildings),
            ("areas", self.areas.len()),
            ("without_area", need.saturating_sub(self.areas.len())),
        ] {
            m.insert(k.into(), json!(v));
        }
        m.insert("near_m".into(), json!(near));
        let r = d.text(residents);
        let text = match self.status {
            Status::Done => format!(
                "all {} of the plan's access points are installed ({installed} by the records): none left to place",
                p.target
            ),
            Status::NothingToCover => format!(
                "every resident in scope already lives within {near} m of free Wi-Fi: a new access point would bring no one within reach"
            ),
            Status::Ok => format!(
                "{} in {} bring {r} residents within {near} m of free Wi-Fi; {installed} of the plan's {} are installed already",
                points_text(worth),
                buildings_text(buildings),
                p.target
            ),
            Status::Shortfall => format!(
                "{worth} of the {} to place add residents with the candidate buildings known ({}, {r} residents newly within {near} m of free Wi-Fi); the other {need} need candidate buildings: {}",
                points_text(p.count),
                buildings_text(buildings),
                self.areas_text(need, near)
            ),
        };
        reason(self.status.as_str(), Value::Object(m), text)
    }

    /// The shortfall's areas in words: as many areas as points without a
    /// building, or fewer when no further spot would reach anyone new.
    fn areas_text(&self, need: usize, near: f64) -> String {
        let listed = match self.areas.len() {
            1 => "1 under-served area is listed with the municipal buildings nearest it".to_owned(),
            n => format!(
                "{n} under-served areas are listed with the municipal buildings nearest them"
            ),
        };
        match need.saturating_sub(self.areas.len()) {
            0 => listed,
            rest if self.areas.is_empty() => format!(
                "no spot would bring anyone new within {near} m of free Wi-Fi, so none of these {rest} has an area to go to"
            ),
            rest => format!(
                "{listed}; for the other {rest} no spot would bring anyone new within {near} m of free Wi-Fi"
            ),
        }
    }

    /// Why a point is where it is: the residents it newly serves, then each
    /// count of note, then what an outdoor unit is aimed at.
    fn placement_reasons(&self, snap: &Snapshot, pl: &Placement, d: &Disclosure) -> Vec<Value> {
        let near = self.params.instance.near_m;
        let mut first = count_param(d, "residents", pl.people.residents);
        first.insert("near_m".into(), json!(near));
        let mut reasons = vec![reason(
            "newly_served",
            Value::Object(first),
            format!(
                "{} residents not yet near free Wi-Fi live within {near} m",
                d.text(pl.people.residents)
            ),
        )];
        for (code, n, text) in [
            (
                "digitally_underserved",
                pl.people.digitally_underserved,
                "of them have no good home internet (digitally under-served)",
            ),
            (
                "priority_zone",
                pl.people.in_priority_zone,
                "of them live in a priority zone",
            ),
        ] {
            if n > 0 {
                let params = Value::Object(count_param(d, "residents", n));
                reasons.push(reason(code, params, format!("{} {text}", d.text(n))));
            }
        }
        if let Unit::Outdoor {
            toward, range_m, ..
        } = &pl.unit
        {
            let v = &snap.settlements[*toward as usize];
            reasons.push(reason(
                "outdoor_unit",
                json!({"toward_id": v.id, "toward_name": v.name, "range_m": (range_m * 10.0).round() / 10.0}),
                format!(
                    "an outdoor unit on the building aimed at {}: its Wi-Fi reaches {:.0} m toward the village, bringing residents beyond the building's own reach",
                    v.name, range_m
                ),
            ));
        }
        reasons
    }

    /// The properties of one point's feature.
    pub fn placement_properties(
        &self,
        snap: &Snapshot,
        pl: &Placement,
        d: &Disclosure,
    ) -> Map<String, Value> {
        let b = &self.instance.cands[pl.cand as usize];
        let site = b.site.map(|i| &snap.sites[i as usize]);
        let mut m = Map::new();
        m.insert("id".into(), json!(point_id(snap, b, pl)));
        m.insert("rank".into(), json!(pl.rank));
        m.insert("year".into(), json!(pl.year));
        m.insert("unit".into(), json!(pl.unit.as_str()));
        building_fields(&mut m, b, site);
        m.insert(
            "building_access_points".into(),
            json!(self.points_in(pl.cand)),
        );
        if let Unit::Outdoor {
            toward, range_m, ..
        } = &pl.unit
        {
            let v = &snap.settlements[*toward as usize];
            m.insert("toward_id".into(), json!(v.id));
            m.insert("toward_name".into(), json!(v.name));
            m.insert(
                "outdoor_range_m".into(),
                json!((range_m * 10.0).round() / 10.0),
            );
        }
        let people = &pl.people;
        d.put(&mut m, "residents_newly_served", people.residents);
        d.put(
            &mut m,
            "cumulative_residents_newly_served",
            pl.cumulative_residents_newly_served,
        );
        d.put(
            &mut m,
            "digitally_underserved_newly_served",
            people.digitally_underserved,
        );
        d.put(
            &mut m,
            "priority_zone_newly_served",
            people.in_priority_zone,
        );
        m.insert("weighted_gain".into(), json!(d.weight(pl.weight_gain)));
        let by_parish: Map<String, Value> = pl
            .newly_served_by_parish
            .iter()
            .map(|(k, v)| (k.clone(), d.json(*v)))
            .collect();
        m.insert("newly_served_by_parish".into(), Value::Object(by_parish));
        m.insert(
            "reasons".into(),
            Value::Array(self.placement_reasons(snap, pl, d)),
        );
        m
    }

    /// The answer as a GeoJSON FeatureCollection (one feature per new
    /// access point, in rank order).
    pub fn to_geojson(&self, snap: &Snapshot, d: &Disclosure) -> Value {
        let features: Vec<Value> = self
            .placements
            .iter()
            .map(|pl| {
                let at = point_location(&self.instance.cands[pl.cand as usize], pl);
                let props = self.placement_properties(snap, pl, d);
                json!({
                    "type": "Feature",
                    "id": props["id"],
                    "geometry": {"type": "Point", "coordinates": [at.0, at.1]},
                    "properties": props,
                })
            })
            .collect();
        let mut doc = self.figures(d);
        doc.insert("type".into(), json!("FeatureCollection"));
        doc.insert("by_year".into(), self.years_json(d));
        doc.insert("by_year_and_parish".into(), self.by_year_and_parish_json(d));
        doc.insert("by_parish".into(), self.by_parish_json(d));
        doc.insert("excluded_candidates".into(), self.excluded_json(snap));
        doc.insert("not_chosen".into(), self.not_chosen_json(d));
        doc.insert("areas_needing_buildings".into(), self.areas_json(snap, d));
        doc.insert("parameters".into(), self.parameters_json());
        doc.insert("disclosure".into(), d.describe());
        doc.insert(
            "provenance".into(),
            crate::provenance(
                snap,
                &[
                    Layer::Sites,
                    Layer::Demand,
                    Layer::Coverage,
                    Layer::PriorityZones,
                    Layer::Equipment,
                ],
            ),
        );
        doc.insert("snapshot_version".into(), json!(snap.version));
        doc.insert("numberReturned".into(), json!(features.len()));
        doc.insert("features".into(), Value::Array(features));
        Value::Object(doc)
    }

    /// The answer's headline figures.
    fn figures(&self, d: &Disclosure) -> Map<String, Value> {
        let p = &self.params;
        let solved = self.solved.as_ref();
        let inst = &self.instance;
        let headline = self.headline(d);
        let mut m = Map::new();
        m.insert("status".into(), json!(self.status.as_str()));
        m.insert("message".into(), headline["text"].clone());
        m.insert("headline".into(), headline);
        for (k, v) in [
            ("target", p.target),
            ("installed", p.installed.iter().map(|y| y.1).sum()),
            ("count", p.count),
            ("worth_placing", self.worth_placing()),
            ("access_points_placed", self.worth_placing()),
            ("need_buildings", self.need_buildings()),
            ("buildings", self.buildings()),
            ("eligible_candidates", inst.eligible.len()),
            ("excluded", inst.excluded.len()),
        ] {
            m.insert(k.into(), json!(v));
        }
        m.insert(
            "objective".into(),
            json!(solved.and_then(|s| d.weight(s.objective))),
        );
        m.insert(
            "bound".into(),
            json!(solved.and_then(|s| d.weight(s.bound))),
        );
        m.insert("optimality_gap".into(), json!(solved.map(|s| s.gap())));
        m.insert(
            "proven_optimal".into(),
            json!(solved.map(|s| s.proven_optimal)),
        );
        m.insert("solver".into(), json!(solved.map(|s| s.solver.clone())));
        d.put(
            &mut m,
            "residents_newly_served",
            self.residents_newly_served(),
        );
        d.put(&mut m, "scope_residents", inst.scope_residents);
        d.put(&mut m, "uncovered_residents", inst.uncovered_residents);
        d.put(&mut m, "reachable_residents", inst.reachable_residents);
        m
    }

    /// The plan years: the quota, installed, asked and planned points, the
    /// slots left without a building, and the residents newly served.
    pub fn years_json(&self, d: &Disclosure) -> Value {
        Value::Array(
            self.years()
                .iter()
                .map(|y| {
                    let mut m = Map::new();
                    m.insert("year".into(), json!(y.year));
                    m.insert("quota".into(), json!(y.quota));
                    m.insert("installed".into(), json!(y.installed));
                    m.insert("to_place".into(), json!(y.to_place));
                    m.insert("planned".into(), json!(y.planned));
                    m.insert("access_points".into(), json!(y.planned));
                    m.insert(
                        "without_building".into(),
                        json!(y.to_place.saturating_sub(y.planned)),
                    );
                    d.put(&mut m, "residents_newly_served", y.residents_newly_served);
                    Value::Object(m)
                })
                .collect(),
        )
    }

    fn by_year_and_parish_json(&self, d: &Disclosure) -> Value {
        Value::Array(
            self.by_year_and_parish()
                .iter()
                .map(|((y, p), n)| {
                    let mut m = count_param(d, "residents_newly_served", *n);
                    m.insert("year".into(), json!(y));
                    m.insert("parish_id".into(), json!(p));
                    Value::Object(m)
                })
                .collect(),
        )
    }

    /// Residents newly served by the parish they live in, all years.
    fn by_parish_json(&self, d: &Disclosure) -> Value {
        let mut by: std::collections::BTreeMap<&str, u64> = std::collections::BTreeMap::new();
        for pl in &self.placements {
            for (p, n) in &pl.newly_served_by_parish {
                *by.entry(p.as_str()).or_default() += n;
            }
        }
        Value::Array(
            by.iter()
                .map(|(p, n)| {
                    let mut m = count_param(d, "residents_newly_served", *n);
                    m.insert("parish_id".into(), json!(p));
                    Value::Object(m)
                })
                .collect(),
        )
    }

    /// Each candidate building left out, with its reason.
    fn excluded_json(&self, snap: &Snapshot) -> Value {
        Value::Array(
            self.instance
                .excluded
                .iter()
                .map(|e| {
                    let b = &self.instance.cands[e.cand as usize];
                    let mut m = Map::new();
                    building_fields(&mut m, b, b.site.map(|i| &snap.sites[i as usize]));
                    m.insert("reason".into(), self.exclusion_reason(snap, e));
                    Value::Object(m)
                })
                .collect(),
        )
    }

    /// Why a candidate is not eligible, in a reason.
    pub fn exclusion_reason(&self, snap: &Snapshot, e: &Excluded) -> Value {
        let p = &self.params.instance;
        match &e.why {
            Exclusion::NearFreeWifi {
                wifi_site,
                distance_m,
            } => {
                let w = &snap.sites[*wifi_site as usize];
                reason(
                    "near_free_wifi",
                    json!({"wifi_site_id": w.id, "wifi_name": w.name, "distance_m": (distance_m * 10.0).round() / 10.0, "wifi_exclusion_m": p.wifi_exclusion_m}),
                    format!(
                        "free Wi-Fi at {} is {distance_m:.0} m away (within {} m): the spot is already covered",
                        w.name, p.wifi_exclusion_m
                    ),
                )
            }
            Exclusion::NoNewReach => reason(
                "no_new_reach",
                json!({"near_m": p.near_m}),
                format!(
                    "no resident who is not yet near free Wi-Fi lives within {} m: a point here would reach no one new",
                    p.near_m
                ),
            ),
            Exclusion::OutsideMunicipality => reason(
                "outside_municipality",
                json!({}),
                "its point lies outside the municipality's parishes".to_owned(),
            ),
        }
    }

    fn not_chosen_json(&self, d: &Disclosure) -> Value {
        Value::Array(
            self.not_chosen
                .iter()
                .map(|n| {
                    let b = &self.instance.cands[n.cand as usize];
                    let mut m = Map::new();
                    building_fields(&mut m, b, None);
                    m.insert(
                        "reason".into(),
                        not_chosen_reason(n, d, self.params.instance.near_m),
                    );
                    Value::Object(m)
                })
                .collect(),
        )
    }

    fn areas_json(&self, snap: &Snapshot, d: &Disclosure) -> Value {
        Value::Array(
            self.areas
                .iter()
                .map(|a| Value::Object(self.area_json(snap, a, d)))
                .collect(),
        )
    }

    /// One under-served area: where, how many it would reach, the nearest
    /// municipal buildings.
    pub fn area_json(&self, snap: &Snapshot, a: &Area, d: &Disclosure) -> Map<String, Value> {
        let mut m = Map::new();
        m.insert("rank".into(), json!(a.rank));
        m.insert(
            "cell_id".into(),
            json!(gapmap_geo::grid::cell_id(a.cell.0, a.cell.1)),
        );
        m.insert("lon".into(), json!(round6(a.location.x())));
        m.insert("lat".into(), json!(round6(a.location.y())));
        m.insert("parish_id".into(), json!(a.parish_id));
        if let Some((v, dist)) = a.place {
            let s = &snap.settlements[v as usize];
            m.insert(
                "near_place".into(),
                json!({"id": s.id, "name": s.name, "distance_m": dist.round()}),
            );
        }
        d.put(&mut m, "residents", a.people.residents);
        d.put(
            &mut m,
            "digitally_underserved",
            a.people.digitally_underserved,
        );
        let nearest: Vec<Value> = a
            .nearest
            .iter()
            .map(|(k, dist)| {
                let b = &self.municipal[*k as usize];
                json!({"building_id": b.id, "name": b.name, "kind": b.kind, "parish_id": b.parish_id,
                       "candidate": b.candidate, "distance_m": dist.round()})
            })
            .collect();
        m.insert("nearest_municipal_buildings".into(), Value::Array(nearest));
        m
    }

    fn parameters_json(&self) -> Value {
        let p = &self.params;
        json!({
            "count": p.count,
            "near_m": p.instance.near_m,
            "parish_id": p.instance.parish_id,
            "wifi_exclusion_m": p.instance.wifi_exclusion_m,
            "weight_underserved": p.instance.weight_underserved,
            "weight_priority_zone": p.instance.weight_priority_zone,
            "max_access_points_per_site": p.max_access_points_per_site,
            "outdoor_range_m": p.outdoor_range_m,
            "per_year": p.per_year.iter().map(|(y, n)| json!({"year": y, "access_points": n})).collect::<Vec<_>>(),
            "method": match p.method { Method::Auto => "auto", Method::Exact => "exact", Method::Heuristic => "heuristic" },
            "weights": "a resident counts 1, times weight_underserved when digitally under-served, times weight_priority_zone in a priority zone",
            "outdoor_units": "after every chosen building's own point, an outdoor unit aimed at a village within near_m + outdoor_range_m takes a slot left only where its Wi-Fi place (outdoor_range_m toward the village) brings residents not yet within reach",
        })
    }
}

/// Why an eligible building has no point.
fn not_chosen_reason(n: &NotChosen, d: &Disclosure, near_m: f64) -> Value {
    let mut m = count_param(d, "residents", n.in_reach);
    m.extend(count_param(d, "left", n.left));
    m.insert("near_m".into(), json!(near_m));
    match n.why {
        NotChosenWhy::ReachTaken => reason(
            "reach_taken",
            Value::Object(m),
            format!(
                "the {} residents not yet near free Wi-Fi within {near_m} m of it are all reached by the plan's points",
                d.text(n.in_reach)
            ),
        ),
        NotChosenWhy::BeyondCount => reason(
            "beyond_count",
            Value::Object(m),
            format!(
                "it would bring {} more residents within reach, but the access points asked for go to places that add more",
                d.text(n.left)
            ),
        ),
    }
}

/// The building's id, site, name, kind, parish, address and position.
fn building_fields(
    m: &mut Map<String, Value>,
    b: &CandidateBuilding,
    site: Option<&gapmap_model::Site>,
) {
    m.insert("building_id".into(), json!(b.id));
    m.insert("site_id".into(), json!(site.map(|s| s.id.clone())));
    m.insert("name".into(), json!(b.name));
    m.insert("kind".into(), json!(b.kind));
    m.insert("parish_id".into(), json!(b.parish_id));
    m.insert("address".into(), json!(b.address));
    m.insert("building_lon".into(), json!(b.location.x()));
    m.insert("building_lat".into(), json!(b.location.y()));
    m.insert("source".into(), json!(b.provenance.source.as_str()));
    m.insert("source_ref".into(), json!(b.provenance.source_ref));
    m.insert("as_of".into(), json!(b.provenance.as_of.to_string()));
    m.insert("licence".into(), json!(b.provenance.licence));
    if let Some(s) = site {
        m.insert(
            "equipment_source".into(),
            json!(s.equipment_provenance.as_ref().map(|p| p.source.as_str())),
        );
    }
}

/// A point's id: `ap-<building>`, or `ap-<building>-to-<village>` for an
/// outdoor unit.
fn point_id(snap: &Snapshot, b: &CandidateBuilding, pl: &Placement) -> String {
    match &pl.unit {
        Unit::Building => format!("ap-{}", b.id),
        Unit::Outdoor { toward, .. } => {
            format!("ap-{}-to-{}", b.id, snap.settlements[*toward as usize].id)
        }
    }
}

/// Where a point's Wi-Fi is (WGS84): the building, or the outdoor spot.
fn point_location(b: &CandidateBuilding, pl: &Placement) -> (f64, f64) {
    match &pl.unit {
        Unit::Building => (b.location.x(), b.location.y()),
        Unit::Outdoor { spot_ll, .. } => (round6(spot_ll.x()), round6(spot_ll.y())),
    }
}

fn round6(v: f64) -> f64 {
    (v * 1e6).round() / 1e6
}

/// The columns of [`Siting::to_csv`].
pub const CSV_COLUMNS: [&str; 19] = [
    "rank",
    "year",
    "site_id",
    "status",
    "unit",
    "building_id",
    "name",
    "kind",
    "parish_id",
    "lon",
    "lat",
    "toward",
    "residents_newly_served",
    "cumulative_residents_newly_served",
    "digitally_underserved_newly_served",
    "priority_zone_newly_served",
    "source",
    "equipment_source",
    "reason",
];

impl Siting {
    /// The answer as CSV: the new points in rank order (`status`
    /// `recommended`), then the candidate buildings left out (`excluded`,
    /// `not_chosen`) and the areas that need a building
    /// (`area_needs_building`), each with its reason in words.
    pub fn to_csv(&self, snap: &Snapshot, d: &Disclosure) -> String {
        let mut rows: Vec<[String; 19]> = Vec::new();
        for pl in &self.placements {
            let v = Value::Object(self.placement_properties(snap, pl, d));
            let at = point_location(&self.instance.cands[pl.cand as usize], pl);
            let text = |k: &str| cell(&v[k]);
            let why: Vec<&str> = v["reasons"]
                .as_array()
                .into_iter()
                .flatten()
                .filter_map(|r| r["text"].as_str())
                .collect();
            rows.push([
                pl.rank.to_string(),
                pl.year.to_string(),
                text("site_id"),
                "recommended".into(),
                text("unit"),
                text("building_id"),
                text("name"),
                text("kind"),
                text("parish_id"),
                at.0.to_string(),
                at.1.to_string(),
                text("toward_name"),
                d.text(pl.people.residents),
                d.text(pl.cumulative_residents_newly_served),
                d.text(pl.people.digitally_underserved),
                d.text(pl.people.in_priority_zone),
                text("source"),
                text("equipment_source"),
                why.join(" | "),
            ]);
        }
        rows.extend(self.left_out_rows(snap, d));
        crate::csv(&CSV_COLUMNS, rows)
    }

    /// The CSV rows of the buildings left out and the areas.
    fn left_out_rows(&self, snap: &Snapshot, d: &Disclosure) -> Vec<[String; 19]> {
        let mut rows = Vec::new();
        let building = |status: &str, b: &CandidateBuilding, why: &Value| -> [String; 19] {
            let site = b
                .site
                .map(|i| snap.sites[i as usize].id.clone())
                .unwrap_or_default();
            [
                String::new(),
                String::new(),
                site,
                status.to_owned(),
                String::new(),
                b.id.clone(),
                b.name.clone(),
                b.kind.clone(),
                b.parish_id.clone().unwrap_or_default(),
                b.location.x().to_string(),
                b.location.y().to_string(),
                String::new(),
                String::new(),
                String::new(),
                String::new(),
                String::new(),
                b.provenance.source.as_str().to_owned(),
                String::new(),
                cell(&why["text"]),
            ]
        };
        for e in &self.instance.excluded {
            let b = &self.instance.cands[e.cand as usize];
            rows.push(building("excluded", b, &self.exclusion_reason(snap, e)));
        }
        for n in &self.not_chosen {
            let b = &self.instance.cands[n.cand as usize];
            let why = not_chosen_reason(n, d, self.params.instance.near_m);
            rows.push(building("not_chosen", b, &why));
        }
        for a in &self.areas {
            rows.push(self.area_row(snap, a, d));
        }
        rows
    }

    fn area_row(&self, snap: &Snapshot, a: &Area, d: &Disclosure) -> [String; 19] {
        let place = a
            .place
            .map(|(v, _)| snap.settlements[v as usize].name.clone());
        let nearest: Vec<String> = a
            .nearest
            .iter()
            .map(|(k, dist)| {
                format!(
                    "{} ({:.1} km)",
                    self.municipal[*k as usize].name,
                    dist / 1000.0
                )
            })
            .collect();
        [
            a.rank.to_string(),
            String::new(),
            String::new(),
            "area_needs_building".into(),
            String::new(),
            String::new(),
            gapmap_geo::grid::cell_id(a.cell.0, a.cell.1),
            String::new(),
            a.parish_id.clone().unwrap_or_default(),
            round6(a.location.x()).to_string(),
            round6(a.location.y()).to_string(),
            place.unwrap_or_default(),
            d.text(a.people.residents),
            String::new(),
            d.text(a.people.digitally_underserved),
            d.text(a.people.in_priority_zone),
            String::new(),
            String::new(),
            format!(
                "no candidate building reaches these residents; nearest municipal buildings: {}",
                nearest.join(", ")
            ),
        ]
    }
}

/// A JSON member as a CSV field: text as it is, null empty, anything else
/// as JSON.
fn cell(v: &Value) -> String {
    match v {
        Value::String(t) => t.clone(),
        Value::Null => String::new(),
        other => other.to_string(),
    }
}
