//! Where a place may be: the one position rule ingest and the edit API
//! share (ARCHITECTURE.md, "Interfaces added in turn 3").
//!
//! A site or building must lie inside the municipality and inside the parish
//! it names, each with a tolerance of [`TOLERANCE_M`] (within it: a
//! warning, beyond it: an error), unless it is marked
//! `outside_municipality` with an `outside_municipality_reason` (the
//! central office at Pasta iela 37 in Jelgava city, an enclave); such a
//! place names no parish. A named parish must exist. Distances are planar
//! metres in LKS-92 (EPSG:3059).
//!
//! ```
//! use gapmap_ingest::positions::{Positions, Verdict};
//! use geo_types::{MultiPolygon, polygon};
//! // A 0.1° square "parish" near Vilce, as WGS84 lon/lat.
//! let sq = polygon![(x: 23.5, y: 56.4), (x: 23.6, y: 56.4), (x: 23.6, y: 56.5), (x: 23.5, y: 56.5)];
//! let p = Positions::new(vec![("vilces-pagasts".into(), "Vilces pagasts".into(), MultiPolygon(vec![sq]))], None).unwrap();
//! assert!(p.check(23.55, 56.45, Some("vilces-pagasts"), false, None).is_empty());
//! // Tallinn is not in Vilces pagasts.
//! let v = p.check(24.75, 59.44, Some("vilces-pagasts"), false, None);
//! assert!(matches!(v[0], Verdict::Error { .. }));
//! ```

use gapmap_geo::crs::{LKS92, Transformer, WGS84};
use gapmap_model::Record;
use geo::{Contains, Distance, Euclidean};
use geo_types::{Geometry, MultiPolygon, Point};
use std::fmt::Write as _;

/// How far (metres) outside its parish or the municipality a point may lie
/// with only a warning (the parish boundaries are generalised).
pub const TOLERANCE_M: f64 = 50.0;

/// What the rule says about one position.
#[derive(Debug, Clone, PartialEq)]
pub enum Verdict {
    Warning {
        field: &'static str,
        message: String,
    },
    Error {
        field: &'static str,
        message: String,
        hint: String,
    },
}

/// One parish: id, name and outline in LKS-92.
#[derive(Debug, Clone)]
struct Parish {
    id: String,
    name: String,
    xy: MultiPolygon<f64>,
}

/// The parishes and the municipality, in LKS-92, to check positions against.
#[derive(Debug)]
pub struct Positions {
    to_lks: Transformer,
    parishes: Vec<Parish>,
    /// The municipality's outline (else the parishes together).
    municipality: Option<MultiPolygon<f64>>,
}

/// A WGS84 multipolygon in LKS-92 (`None` when it cannot be projected).
fn project(t: &Transformer, mp: &MultiPolygon<f64>) -> Option<MultiPolygon<f64>> {
    let mut g = Geometry::MultiPolygon(mp.clone());
    t.transform_geometry(&mut g).ok()?;
    match g {
        Geometry::MultiPolygon(m) => Some(m),
        _ => None,
    }
}

impl Positions {
    /// From the parishes (id, name, WGS84 outline) and the municipality's
    /// WGS84 outline; `None` when there is nothing to check against.
    pub fn new(
        parishes: Vec<(String, String, MultiPolygon<f64>)>,
        municipality: Option<MultiPolygon<f64>>,
    ) -> Option<Positions> {
        if parishes.is_empty() && municipality.is_none() {
            return None;
        }
        let to_lks = Transformer::new(WGS84, LKS92).ok()?;
        let parishes = parishes
            .into_iter()
            .filter_map(|(id, name, mp)| {
                Some(Parish {
                    xy: project(&to_lks, &mp)?,
                    id,
                    name,
                })
            })
            .collect();
        let municipality = municipality.and_then(|m| project(&to_lks, &m));
        Some(Positions {
            to_lks,
            parishes,
            municipality,
        })
    }

    /// From the records of the `areas` layer (kind `parish` and
    /// `municipality`); `None` when it holds neither.
    pub fn from_areas(areas: &[Record]) -> Option<Positions> {
        let mut parishes = Vec::new();
        let mut municipality = None;
        for a in areas {
            let Ok(mp) = a.multi_polygon() else { continue };
            match a.str("kind") {
                Some("parish") => parishes.push((
                    a.id.clone(),
                    a.string("name").unwrap_or_else(|| a.id.clone()),
                    mp,
                )),
                Some("municipality") => municipality = Some(mp),
                _ => {}
            }
        }
        Positions::new(parishes, municipality)
    }

    /// Point `(lon, lat)` in LKS-92.
    fn xy(&self, lon: f64, lat: f64) -> Option<Point<f64>> {
        self.to_lks
            .convert(lon, lat)
            .ok()
            .map(|(x, y)| Point::new(x, y))
    }

    /// The id of the parish containing WGS84 `(lon, lat)` (the first by
    /// the areas' order on a shared edge).
    pub fn parish_at(&self, lon: f64, lat: f64) -> Option<&str> {
        let p = self.xy(lon, lat)?;
        self.parishes
            .iter()
            .find(|pa| pa.xy.contains(&p))
            .map(|pa| pa.id.as_str())
    }

    /// Metres from WGS84 `(lon, lat)` to the municipality (0 inside);
    /// `None` when no outline is known.
    pub fn distance_to_municipality(&self, lon: f64, lat: f64) -> Option<f64> {
        let p = self.xy(lon, lat)?;
        match &self.municipality {
            Some(m) => Some(distance(&p, m)),
            None => self
                .parishes
                .iter()
                .map(|pa| distance(&p, &pa.xy))
                .reduce(f64::min),
        }
    }

    /// The rule for a place at WGS84 `(lon, lat)` naming `parish_id`,
    /// marked `outside` (with `reason`); empty when all is well.
    pub fn check(
        &self,
        lon: f64,
        lat: f64,
        parish_id: Option<&str>,
        outside: bool,
        reason: Option<&str>,
    ) -> Vec<Verdict> {
        let mut out = Vec::new();
        if outside {
            if reason.is_none_or(|r| r.trim().is_empty()) {
                out.push(Verdict::Error {
                    field: "outside_municipality_reason",
                    message: "a place marked outside_municipality needs a reason".into(),
                    hint:
                        "say why it is shown, e.g. \"the municipality's central office in Jelgava\""
                            .into(),
                });
            }
            if let Some(p) = parish_id {
                out.push(Verdict::Error {
                    field: "parish_id",
                    message: format!("a place outside the municipality cannot be in parish `{p}`"),
                    hint: "leave parish_id empty, or unmark outside_municipality".into(),
                });
            }
            return out;
        }
        let Some(p) = self.xy(lon, lat) else {
            return out;
        };
        if let Some(v) = self.municipality_verdict(&p) {
            out.push(v);
            if matches!(out[0], Verdict::Error { .. }) {
                return out;
            }
        }
        if let Some(id) = parish_id {
            out.extend(self.parish_verdict(&p, id));
        }
        out
    }

    /// Outside the municipality: a warning within the tolerance, else an
    /// error naming how far.
    fn municipality_verdict(&self, p: &Point<f64>) -> Option<Verdict> {
        let d = match &self.municipality {
            Some(m) => distance(p, m),
            None => self
                .parishes
                .iter()
                .map(|pa| distance(p, &pa.xy))
                .reduce(f64::min)?,
        };
        if d == 0.0 {
            return None;
        }
        if d <= TOLERANCE_M {
            return Some(Verdict::Warning {
                field: "geometry",
                message: format!(
                    "the point lies {d:.0} m outside the municipality (within the {TOLERANCE_M} m tolerance of its generalised boundary)"
                ),
            });
        }
        Some(Verdict::Error {
            field: "geometry",
            message: format!("the point lies {} outside the municipality", metres(d)),
            hint: "check the coordinates (longitude first, then latitude), or mark the place outside_municipality with an outside_municipality_reason".into(),
        })
    }

    /// Outside the named parish: a warning within the tolerance, else an
    /// error naming the parish it is in; an unknown parish is an error.
    fn parish_verdict(&self, p: &Point<f64>, id: &str) -> Option<Verdict> {
        let Some(parish) = self.parishes.iter().find(|pa| pa.id == id) else {
            if self.parishes.is_empty() {
                return None;
            }
            let mut ids = String::new();
            for (i, pa) in self.parishes.iter().enumerate() {
                let _ = write!(ids, "{}{}", if i > 0 { ", " } else { "" }, pa.id);
            }
            return Some(Verdict::Error {
                field: "parish_id",
                message: format!("unknown parish `{id}`"),
                hint: format!("one of {ids}"),
            });
        };
        let d = distance(p, &parish.xy);
        if d == 0.0 {
            return None;
        }
        if d <= TOLERANCE_M {
            return Some(Verdict::Warning {
                field: "parish_id",
                message: format!(
                    "the point lies {d:.0} m outside {} (within the {TOLERANCE_M} m tolerance of its generalised boundary)",
                    parish.name
                ),
            });
        }
        let inside = self.parishes.iter().find(|pa| pa.xy.contains(p));
        let message = match inside {
            Some(other) => format!(
                "the point lies in {} ({}), not in {} ({} from it)",
                other.name,
                other.id,
                parish.name,
                metres(d)
            ),
            None => format!("the point lies {} outside {}", metres(d), parish.name),
        };
        Some(Verdict::Error {
            field: "parish_id",
            message,
            hint: "check the coordinates or the parish".into(),
        })
    }
}

/// Planar distance from a point to a multipolygon (0 inside).
fn distance(p: &Point<f64>, mp: &MultiPolygon<f64>) -> f64 {
    if mp.contains(p) {
        return 0.0;
    }
    mp.0.iter()
        .map(|poly| Euclidean.distance(p, poly))
        .fold(f64::INFINITY, f64::min)
}

/// A distance for people: metres below 10 km, else kilometres.
fn metres(d: f64) -> String {
    if d < 10_000.0 {
        format!("{d:.0} m")
    } else {
        format!("{:.0} km", d / 1000.0)
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use geo_types::polygon;

    fn square(x0: f64, y0: f64, w: f64) -> MultiPolygon<f64> {
        MultiPolygon(vec![polygon![
            (x: x0, y: y0), (x: x0 + w, y: y0), (x: x0 + w, y: y0 + w), (x: x0, y: y0 + w)
        ]])
    }

    fn two_parishes() -> Positions {
        Positions::new(
            vec![
                (
                    "a-pagasts".into(),
                    "A pagasts".into(),
                    square(23.5, 56.4, 0.1),
                ),
                (
                    "b-pagasts".into(),
                    "B pagasts".into(),
                    square(23.6, 56.4, 0.1),
                ),
            ],
            None,
        )
        .unwrap()
    }

    #[test]
    fn a_point_in_its_parish_passes() {
        let p = two_parishes();
        assert!(
            p.check(23.55, 56.45, Some("a-pagasts"), false, None)
                .is_empty()
        );
        assert_eq!(p.parish_at(23.65, 56.45), Some("b-pagasts"));
    }

    #[test]
    fn a_point_in_the_neighbouring_parish_is_an_error_naming_it() {
        let v = two_parishes().check(23.65, 56.45, Some("a-pagasts"), false, None);
        let [Verdict::Error { field, message, .. }] = v.as_slice() else {
            panic!("{v:?}")
        };
        assert_eq!(*field, "parish_id");
        assert!(
            message.contains("B pagasts (b-pagasts), not in A pagasts"),
            "{message}"
        );
    }

    #[test]
    fn just_over_the_edge_is_a_warning() {
        // 20 m east of A's east edge, which B shares: inside B, 20 m from A.
        let v = two_parishes().check(23.6003, 56.45, Some("a-pagasts"), false, None);
        assert!(
            matches!(
                v.as_slice(),
                [Verdict::Warning {
                    field: "parish_id",
                    ..
                }]
            ),
            "{v:?}"
        );
    }

    #[test]
    fn tallinn_is_outside_the_municipality() {
        let v = two_parishes().check(24.7536, 59.4370, Some("a-pagasts"), false, None);
        let [Verdict::Error { field, message, .. }] = v.as_slice() else {
            panic!("{v:?}")
        };
        assert_eq!(*field, "geometry");
        assert!(message.contains("km outside the municipality"), "{message}");
    }

    #[test]
    fn outside_needs_a_reason_and_no_parish() {
        let p = two_parishes();
        assert!(
            p.check(24.7, 59.4, None, true, Some("central office"))
                .is_empty()
        );
        let v = p.check(24.7, 59.4, Some("a-pagasts"), true, None);
        let fields: Vec<&str> = v
            .iter()
            .map(|v| match v {
                Verdict::Error { field, .. } | Verdict::Warning { field, .. } => *field,
            })
            .collect();
        assert_eq!(fields, ["outside_municipality_reason", "parish_id"]);
    }

    #[test]
    fn an_unknown_parish_lists_the_known_ones() {
        let v = two_parishes().check(23.55, 56.45, Some("c-pagasts"), false, None);
        assert!(
            matches!(&v[..], [Verdict::Error { hint, .. }] if hint.contains("a-pagasts, b-pagasts")),
            "{v:?}"
        );
    }
}
