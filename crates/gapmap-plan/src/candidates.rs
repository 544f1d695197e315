//! The candidate buildings of a snapshot: where a new public access point
//! may go, and the municipal buildings that could become candidates.
//!
//! **This is the one place the siting reads its candidates from.** With a
//! `buildings` layer (issue 19's registers) they are its active buildings
//! inside the municipality that are not known to be someone else's
//! (`municipal` true or unknown); a building is a candidate when the
//! municipality runs it (`municipal: true`) or when a site in it is marked
//! `candidate` by the IT department. The site in a building (the candidate
//! one first) carries its equipment and provenance. A store without
//! buildings falls back to the sites: the active sites marked `candidate`
//! (schools, culture houses, parish offices, social centres — any site the
//! IT department marks), and as municipal buildings the active sites of a
//! building kind (not a stand-alone Wi-Fi point, a KAC desk or a
//! mobile-class stop).
//!
//! Where a building is — inside the municipality, in which parish — is
//! decided by geometry (its point in the parish polygons), not by the
//! record's `parish_id` (used only when the snapshot has no parish
//! polygons).

use gapmap_engine::snapshot::Snapshot;
use gapmap_model::{AreaKind, Building, Provenance, Site, SiteKind, SiteStatus};
use geo::{BoundingRect, Contains};
use geo_types::{MultiPolygon, Point, Rect};

/// A building that may take a new access point (or could, if named).
#[derive(Debug, Clone, PartialEq)]
pub struct CandidateBuilding {
    /// The building's id (the site's id when the store has no buildings).
    pub id: String,
    /// The site at the building (index into the snapshot's sites), whose
    /// equipment and provenance it carries.
    pub site: Option<u32>,
    pub name: String,
    /// What the building is (`BuildingKind`, or the site's kind).
    pub kind: String,
    pub address: Option<String>,
    /// The parish whose polygon holds the building; `None` outside them all.
    pub parish_id: Option<String>,
    /// WGS84.
    pub location: Point<f64>,
    /// Working CRS (metres).
    pub xy: Point<f64>,
    /// Marked as a candidate for a new access point.
    pub candidate: bool,
    pub provenance: Provenance,
}

/// A parish's id, polygon (working CRS) and bounding box.
type ParishShape<'a> = (&'a str, &'a MultiPolygon<f64>, Option<Rect<f64>>);

/// The parish polygons of a snapshot (working CRS), with their boxes.
#[derive(Debug)]
pub struct Parishes<'a> {
    polygons: Vec<ParishShape<'a>>,
}

impl<'a> Parishes<'a> {
    pub fn of(snap: &'a Snapshot) -> Parishes<'a> {
        Parishes {
            polygons: snap
                .areas
                .iter()
                .zip(snap.areas_xy.iter())
                .filter(|(a, _)| a.kind == AreaKind::Parish)
                .map(|(a, g)| (a.id.as_str(), g, g.bounding_rect()))
                .collect(),
        }
    }

    /// Whether the snapshot has parish polygons at all.
    pub fn any(&self) -> bool {
        !self.polygons.is_empty()
    }

    /// The parish holding a working-CRS point; `fallback` when the snapshot
    /// has no parish polygons; `None` outside them all.
    pub fn holding(&self, xy: Point<f64>, fallback: Option<&str>) -> Option<String> {
        if self.polygons.is_empty() {
            return fallback.map(str::to_owned);
        }
        self.polygons
            .iter()
            .find(|(_, g, b)| {
                b.is_some_and(|b| {
                    xy.x() >= b.min().x
                        && xy.x() <= b.max().x
                        && xy.y() >= b.min().y
                        && xy.y() <= b.max().y
                }) && g.contains(&xy)
            })
            .map(|(id, _, _)| (*id).to_owned())
    }
}

/// Whether a site stands for a building (not a stand-alone Wi-Fi point, a
/// KAC desk in someone else's building or a mobile-class stop).
fn is_building_kind(k: SiteKind) -> bool {
    !matches!(
        k,
        SiteKind::Wifi | SiteKind::Kac | SiteKind::MobileClassStop
    )
}

fn building(parishes: &Parishes, i: usize, s: &Site, xy: Point<f64>) -> CandidateBuilding {
    CandidateBuilding {
        id: s.id.clone(),
        site: Some(i as u32),
        name: s.name.clone(),
        kind: s.kind.as_str().to_owned(),
        address: s.address.clone(),
        parish_id: parishes.holding(xy, s.parish_id.as_deref()),
        location: s.location,
        xy,
        candidate: s.candidate,
        provenance: s.provenance.clone(),
    }
}

/// One building of the `buildings` layer as a candidate: the site in it
/// (the one marked `candidate` first, else the first active one) carries
/// its equipment; it is a candidate when the municipality runs it or a
/// site in it is marked.
fn from_layer(
    parishes: &Parishes,
    snap: &Snapshot,
    b: &Building,
    xy: Point<f64>,
) -> CandidateBuilding {
    let inside =
        |s: &Site| s.status == SiteStatus::Active && s.building_id.as_deref() == Some(&b.id);
    let marked = snap.sites.iter().position(|s| inside(s) && s.candidate);
    let site = marked.or_else(|| snap.sites.iter().position(inside));
    CandidateBuilding {
        id: b.id.clone(),
        site: site.map(|i| i as u32),
        name: b.name.clone(),
        kind: b.kind.as_str().to_owned(),
        address: b.address.clone(),
        parish_id: parishes.holding(xy, b.parish_id.as_deref()),
        location: b.location,
        xy,
        candidate: b.municipal == Some(true) || marked.is_some(),
        provenance: b.provenance.clone(),
    }
}

/// The active buildings of the layer inside the municipality that are not
/// known to be someone else's; `None` when the store has no buildings.
fn layer_buildings(snap: &Snapshot) -> Option<Vec<CandidateBuilding>> {
    if snap.buildings.is_empty() {
        return None;
    }
    let parishes = Parishes::of(snap);
    Some(
        snap.active_buildings()
            .filter(|(b, _)| !b.outside_municipality && b.municipal != Some(false))
            .map(|(b, xy)| from_layer(&parishes, snap, b, xy))
            .filter(|b| b.parish_id.is_some())
            .collect(),
    )
}

/// The buildings that may take a new access point (see the module
/// documentation).
pub fn candidate_buildings(snap: &Snapshot) -> Vec<CandidateBuilding> {
    if let Some(all) = layer_buildings(snap) {
        return all.into_iter().filter(|b| b.candidate).collect();
    }
    let parishes = Parishes::of(snap);
    snap.sites
        .iter()
        .zip(snap.sites_xy.iter())
        .enumerate()
        .filter(|(_, (s, _))| s.candidate && s.status == SiteStatus::Active)
        .map(|(i, (s, xy))| building(&parishes, i, s, *xy))
        .collect()
}

/// The municipality's buildings, candidates or not, for naming the
/// buildings near an under-served area (see the module documentation).
pub fn municipal_buildings(snap: &Snapshot) -> Vec<CandidateBuilding> {
    if let Some(all) = layer_buildings(snap) {
        return all;
    }
    let parishes = Parishes::of(snap);
    snap.sites
        .iter()
        .zip(snap.sites_xy.iter())
        .enumerate()
        .filter(|(_, (s, _))| s.status == SiteStatus::Active && is_building_kind(s.kind))
        .map(|(i, (s, xy))| building(&parishes, i, s, *xy))
        .filter(|b| b.parish_id.is_some())
        .collect()
}
