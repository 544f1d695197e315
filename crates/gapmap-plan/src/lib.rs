//! The IT department's planner: the municipality's action plan 2026–2029
//! (`plan` layer) turned into decisions, read from a snapshot.
//!
//! - [`access_points`]: where the new public access points go (a maximal
//!   covering location problem over [`instance`], solved by [`mclp`], over
//!   the [`candidates`]), one year per point, only where each adds
//!   residents, and where candidate buildings are missing;
//! - [`upgrades`]: which routers and lines to replace each year, by a
//!   documented score, and which buildings to survey first;
//! - [`mobile_class`]: one stop per parish per year, a route ([`route`]) and
//!   a calendar of working days ([`calendar`], with an iCalendar feed);
//! - [`what_if`]: the change in every gap figure from hypothetical sites,
//!   computed incrementally;
//! - [`progress`]: the plan against the dated equipment and visit records.
//!
//! Answers carry reasons as codes with parameters and an English `text`
//! (e.g. `{"code": "router_old", "router_year": 2015, "text": "…"}`), so the
//! pages can word them in Latvian from a message catalogue, and a
//! `provenance` member saying how much of the data behind them is simulated.

pub mod access_points;
pub mod buildings;
pub mod calendar;
pub mod candidates;
pub mod instance;
pub mod mclp;
pub mod mobile_class;
pub mod progress;
pub mod route;
#[cfg(test)]
pub(crate) mod testdata;
pub mod upgrades;
pub mod what_if;

use gapmap_engine::snapshot::Snapshot;
use gapmap_model::{Layer, Record, Source};
use serde_json::{Map, Value, json};

/// A planning request that cannot be answered as asked.
#[derive(Debug, Clone, PartialEq, thiserror::Error)]
pub enum PlanError {
    /// A parameter is nonsense; names it.
    #[error("{message}")]
    Parameter {
        parameter: &'static str,
        message: String,
    },
    /// A well-formed request the data cannot meet, or whose parts clash
    /// (a season too short for the stops, a site named twice); names the
    /// parameter.
    #[error("{message}")]
    Conflict {
        parameter: &'static str,
        message: String,
    },
    /// The solver failed (not the request's fault).
    #[error("the solver failed: {0}")]
    Solver(String),
}

impl PlanError {
    pub fn parameter(parameter: &'static str, message: impl Into<String>) -> PlanError {
        PlanError::Parameter {
            parameter,
            message: message.into(),
        }
    }

    pub fn conflict(parameter: &'static str, message: impl Into<String>) -> PlanError {
        PlanError::Conflict {
            parameter,
            message: message.into(),
        }
    }
}

/// One target of the action plan (`plan` layer), with the plan's defaults
/// when the layer lacks it.
#[derive(Debug, Clone, PartialEq)]
pub struct Target {
    pub id: &'static str,
    pub min: f64,
    pub max: f64,
    pub from_year: i32,
    pub to_year: i32,
}

impl Target {
    /// The target `id` from the plan records, or the plan's published
    /// figures (PLAN.md) when it is not there.
    pub fn of(plan: &[Record], id: &'static str) -> Target {
        let (min, max, from_year, to_year) = match id {
            "new-access-points" => (35.0, 35.0, 2026, 2029),
            "router-upgrades" => (5.0, 10.0, 2026, 2029),
            "faster-backhaul" => (3.0, 10.0, 2026, 2028),
            "mobile-class" => (16.0, 16.0, 2026, 2029),
            _ => (0.0, 0.0, 2026, 2029),
        };
        let r = plan.iter().find(|r| r.id == id);
        Target {
            id,
            min: r.and_then(|r| r.f64("min")).unwrap_or(min),
            max: r.and_then(|r| r.f64("max")).unwrap_or(max),
            from_year: r.and_then(|r| r.i32("from_year")).unwrap_or(from_year),
            to_year: r.and_then(|r| r.i32("to_year")).unwrap_or(to_year),
        }
    }

    pub fn years(&self) -> std::ops::RangeInclusive<i32> {
        self.from_year..=self.to_year
    }
}

/// Split `total` over `years` as evenly as possible, the earlier years
/// taking the remainder (35 over 2026–2029: 9, 9, 9, 8).
pub fn even_batches(total: usize, years: std::ops::RangeInclusive<i32>) -> Vec<(i32, usize)> {
    let years: Vec<i32> = years.collect();
    let n = years.len().max(1);
    years
        .iter()
        .enumerate()
        .map(|(k, &y)| (y, total / n + usize::from(k < total % n)))
        .collect()
}

/// A reason in plain words: a stable code, its parameters, and an English
/// sentence (the pages word it from the code and parameters).
pub fn reason(code: &str, params: Value, text: String) -> Value {
    let mut m = Map::new();
    m.insert("code".into(), json!(code));
    if let Value::Object(p) = params {
        m.extend(p);
    }
    m.insert("text".into(), json!(text));
    Value::Object(m)
}

/// A planner CSV: the header row of `columns`, then one record a row
/// (quoted where they must be by [`gapmap_geo::csv_cell`]).
pub(crate) fn csv<R: AsRef<[String]>>(
    columns: &[&str],
    rows: impl IntoIterator<Item = R>,
) -> String {
    let mut s = String::new();
    gapmap_geo::csv_cell::record(&mut s, columns);
    for r in rows {
        gapmap_geo::csv_cell::record(&mut s, r.as_ref());
    }
    s
}

/// Which data an answer rests on and how much of it is simulated: the
/// source mix of each layer named (feature counts), and the layers with
/// simulated features.
pub fn provenance(snap: &Snapshot, layers: &[Layer]) -> Value {
    let mut by_layer = Map::new();
    let mut simulated = Vec::new();
    for l in layers {
        let stats = snap.stats.get(l).cloned().unwrap_or_default();
        let sim = stats
            .by_source
            .get(&Source::Simulated)
            .copied()
            .unwrap_or(0);
        if sim > 0 {
            simulated.push(l.name());
        }
        by_layer.insert(
            l.name().into(),
            json!({"count": stats.count, "by_source": stats.by_source, "simulated_share": if stats.count > 0 { sim as f64 / stats.count as f64 } else { 0.0 }}),
        );
    }
    let note = if simulated.is_empty() {
        "no simulated data behind this answer".to_owned()
    } else {
        format!(
            "simulated data behind this answer ({}): a planning exercise, not the municipality's records",
            simulated.join(", ")
        )
    };
    json!({"layers": by_layer, "simulated_layers": simulated, "note": note, "snapshot_version": snap.version})
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn batches_split_evenly_earliest_first() {
        assert_eq!(
            even_batches(35, 2026..=2029),
            vec![(2026, 9), (2027, 9), (2028, 9), (2029, 8)]
        );
        assert_eq!(
            even_batches(3, 2026..=2029),
            vec![(2026, 1), (2027, 1), (2028, 1), (2029, 0)]
        );
        assert_eq!(even_batches(8, 2026..=2026), vec![(2026, 8)]);
    }
}
