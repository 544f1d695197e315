//! The planner's API, `/api/v1/plan/…`: access points, upgrades, the
//! mobile class, progress and what-if. Handlers parse the query strictly
//! and delegate to `gapmap_plan`; long work runs off the worker
//! thread (`web::block`).

pub mod access_points;
pub mod mobile_class;
pub mod progress;
pub mod upgrades;
pub mod what_if;

use crate::AppState;
use crate::problem::Problem;
use crate::query::Query;
use actix_web::{HttpRequest, HttpResponse};
use gapmap_engine::analysis::Analysis;
use gapmap_engine::snapshot::Snapshot;
use gapmap_plan::PlanError;
use gapmap_plan::what_if::Index;
use std::sync::{Arc, Mutex};

/// What the planner keeps per snapshot: the what-if index and the priority
/// zone of every demand point (built on first use), recent siting answers,
/// and the what-if rate limiter.
#[derive(Debug)]
pub struct PlanState {
    index: Mutex<Option<Arc<Index>>>,
    zones: Mutex<Option<(String, Arc<Vec<bool>>)>>,
    /// The mobile class with the default parameters (for the leaflets).
    mobile: Mutex<Option<(String, Arc<gapmap_plan::mobile_class::MobileClass>)>>,
    answers: Mutex<Vec<(String, Arc<serde_json::Value>)>>,
    /// What-if requests per client: 20 at once, then 5 a second (a planner
    /// dragging a point sends a few a second).
    pub limiter: crate::ratelimit::Limiter,
}

impl Default for PlanState {
    fn default() -> Self {
        PlanState {
            index: Mutex::new(None),
            zones: Mutex::new(None),
            mobile: Mutex::new(None),
            answers: Mutex::new(Vec::new()),
            limiter: crate::ratelimit::Limiter::new(20.0, 5.0),
        }
    }
}

impl PlanState {
    /// The what-if index of this snapshot.
    pub fn index(&self, snap: &Snapshot) -> Arc<Index> {
        let mut slot = self.index.lock().unwrap_or_else(|p| p.into_inner());
        match &*slot {
            Some(i) if i.version == snap.version => Arc::clone(i),
            _ => {
                let i = Arc::new(Index::new(snap));
                *slot = Some(Arc::clone(&i));
                i
            }
        }
    }

    /// Whether each demand point is in a priority zone.
    pub fn zones(&self, snap: &Snapshot) -> Arc<Vec<bool>> {
        let mut slot = self.zones.lock().unwrap_or_else(|p| p.into_inner());
        match &*slot {
            Some((v, z)) if *v == snap.version => Arc::clone(z),
            _ => {
                let z = Arc::new(gapmap_plan::instance::in_priority_zone(snap));
                *slot = Some((snap.version.clone(), Arc::clone(&z)));
                z
            }
        }
    }

    /// The mobile class of this snapshot with the default parameters and
    /// thresholds (built on first use; the parish leaflets read each
    /// parish's next class from it).
    pub fn mobile_class(
        &self,
        snap: &Snapshot,
    ) -> Result<Arc<gapmap_plan::mobile_class::MobileClass>, PlanError> {
        let mut slot = self.mobile.lock().unwrap_or_else(|p| p.into_inner());
        if let Some((v, m)) = &*slot
            && *v == snap.version
        {
            return Ok(Arc::clone(m));
        }
        let m = Arc::new(gapmap_plan::mobile_class::plan(
            snap,
            &snap.analysis,
            &gapmap_plan::mobile_class::Params::default(),
        )?);
        *slot = Some((snap.version.clone(), Arc::clone(&m)));
        Ok(m)
    }

    /// A cached answer for this snapshot and key, or a new one.
    pub fn answer(
        &self,
        snap: &Snapshot,
        key: &str,
        make: impl FnOnce() -> Result<serde_json::Value, Problem>,
    ) -> Result<Arc<serde_json::Value>, Problem> {
        let key = format!("{}|{key}", snap.version);
        if let Some((_, a)) = self
            .answers
            .lock()
            .unwrap_or_else(|p| p.into_inner())
            .iter()
            .find(|(k, _)| *k == key)
        {
            return Ok(Arc::clone(a));
        }
        let a = Arc::new(make()?);
        let mut cache = self.answers.lock().unwrap_or_else(|p| p.into_inner());
        cache.retain(|(k, _)| k.starts_with(&snap.version));
        if cache.len() >= 16 {
            cache.remove(0);
        }
        cache.push((key, Arc::clone(&a)));
        Ok(a)
    }
}

/// The what-if rate limit: a 429 problem when this client has asked too
/// often (clients without an address are not limited).
pub fn limit(req: &HttpRequest, state: &AppState) -> Result<(), Problem> {
    if let Some(client) = crate::ratelimit::client(req, &state.config.trusted_proxies)
        && let Err(wait) = state
            .plan
            .limiter
            .take(&client.to_string(), std::time::Instant::now())
    {
        return Err(crate::ratelimit::too_many(
            wait,
            "too many what-if requests from your address",
        ));
    }
    Ok(())
}

/// A planner error as problem+json: nonsense names its parameter.
pub fn problem(e: PlanError) -> Problem {
    match e {
        PlanError::Parameter { parameter, message } => Problem::invalid(parameter, message),
        PlanError::Conflict { parameter, message } => {
            let mut p = Problem::new(crate::problem::Kind::Conflict, message);
            p.parameter = Some(parameter.to_owned());
            p
        }
        other => Problem::internal(other),
    }
}

/// The output format `f`, one of `allowed` (the first is the default).
pub fn format<'a>(q: &Query, allowed: &[&'a str]) -> Result<&'a str, Problem> {
    match q.str("f") {
        None => Ok(allowed[0]),
        Some(f) => allowed.iter().copied().find(|a| *a == f).ok_or_else(|| {
            Problem::invalid(
                "f",
                format!("`f` must be {}, not `{f}`", allowed.join(" or ")),
            )
        }),
    }
}

/// A text answer with its content type, offered for download as `name`.
pub fn text(body: String, content_type: &str, name: &str) -> HttpResponse {
    HttpResponse::Ok()
        .content_type(content_type)
        .insert_header((
            "Content-Disposition",
            format!("inline; filename=\"{name}\""),
        ))
        .body(body)
}

/// A JSON answer from the cache.
pub fn json(v: &serde_json::Value, content_type: &str) -> HttpResponse {
    HttpResponse::Ok()
        .content_type(content_type)
        .body(v.to_string())
}

/// The analysis for the query's thresholds (the gap endpoints'
/// parameters): `None` for the snapshot's own (not copied: a national
/// analysis is tens of megabytes), else one computed and cached.
pub fn analysis(
    q: &Query,
    state: &AppState,
    snap: &Arc<Snapshot>,
) -> Result<Option<Arc<Analysis>>, Problem> {
    let t = super::gaps::thresholds(q, &state.thresholds)?;
    Ok((t != snap.analysis.thresholds).then(|| super::gaps::analysis_for(state, snap, &t)))
}

/// The analysis [`analysis`] chose.
pub fn chosen<'a>(snap: &'a Snapshot, a: &'a Option<Arc<Analysis>>) -> &'a Analysis {
    a.as_deref().unwrap_or(&snap.analysis)
}

/// Names the query accepts: its own and the threshold parameters.
pub fn params(own: &[&'static str]) -> Vec<&'static str> {
    own.iter()
        .chain(super::gaps::THRESHOLD_PARAMS)
        .copied()
        .collect()
}
