//! `GET /api/v1/plan/mobile-class`: one stop per parish per year, the
//! route and the dates, as JSON, CSV or an iCalendar feed.

use super::{analysis, chosen, format, params, problem};
use crate::AppState;
use crate::problem::Problem;
use crate::query::Query;
use actix_web::{HttpRequest, HttpResponse, web};
use gapmap_plan::mobile_class;
use utoipa::IntoParams;

/// Query of `GET /api/v1/plan/mobile-class` (with the gap thresholds: `served_down_mbps` is a good line).
#[allow(
    dead_code,
    reason = "documents the query; parsing is strict and manual (crate::query)"
)]
#[derive(Debug, IntoParams)]
#[into_params(parameter_in = Query)]
pub struct MobileClassQuery {
    /// The season of each year, MM-DD/MM-DD with two-digit months and days, the end not before the start (default 04-01/05-31); one stop per working day from its start. A season with fewer working days in a year than the stops is a 409.
    #[param(
        pattern = r"^(0[1-9]|1[0-2])-(0[1-9]|[12][0-9]|3[01])/(0[1-9]|1[0-2])-(0[1-9]|[12][0-9]|3[01])$"
    )]
    season: Option<String>,
    /// Residents within this distance (metres) of a venue count as reached: above 0, at most 100000 (default 5000).
    #[param(exclusive_minimum = 0, maximum = 100000)]
    reach_m: Option<f64>,
    /// The site id the route starts and ends at (default: the municipality's office); the served document lists the ids.
    #[param(min_length = 1)]
    start: Option<String>,
    /// Only this parish's stops (for leaflets), e.g. vilces-pagasts (the ids of /api/v1/gaps/parishes; the served document lists them).
    #[param(min_length = 1)]
    parish_id: Option<String>,
    /// Local start time of a session, HH:MM (24-hour, two digits each), Europe/Riga (default 10:00).
    #[param(pattern = r"^([01][0-9]|2[0-3]):[0-5][0-9]$")]
    time: Option<String>,
    /// Length of a session in minutes, 1–1440 (default 180).
    #[param(minimum = 1, maximum = 1440)]
    minutes: Option<u32>,
    /// json (default), csv or ics (iCalendar, RFC 5545).
    #[param(inline)]
    f: Option<crate::params::CalendarFormat>,
}

fn request(q: &Query) -> Result<mobile_class::Params, Problem> {
    let mut p = mobile_class::Params::default();
    if let Some(s) = q.str("season") {
        // Two digits each, as the document's pattern says.
        if !matches!(s.as_bytes(), [a, b, b'-', c, d, b'/', e, f, b'-', g, h] if [a, b, c, d, e, f, g, h].iter().all(|x| x.is_ascii_digit()))
        {
            return Err(Problem::invalid(
                "season",
                format!("`season` must be MM-DD/MM-DD such as 04-01/05-31, not `{s}`"),
            ));
        }
        p.season = s
            .parse()
            .map_err(|m: String| Problem::invalid("season", m))?;
    }
    if let Some(r) = q.f64("reach_m")? {
        p.reach_m = r;
    }
    p.start = q.str("start").map(str::to_owned);
    p.parish_id = q.str("parish_id").map(str::to_owned);
    if let Some(t) = q.str("time") {
        let two_digits = matches!(t.as_bytes(), [a, b, b':', c, d] if [a, b, c, d].iter().all(|x| x.is_ascii_digit()));
        p.start_time = two_digits
            .then(|| chrono::NaiveTime::parse_from_str(t, "%H:%M").ok())
            .flatten()
            .ok_or(())
            .map_err(|_| {
                Problem::invalid(
                    "time",
                    format!("`time` must be HH:MM, e.g. 10:00, not `{t}`"),
                )
            })?;
    }
    p.minutes = q.usize_in("minutes", 180, 1, 1440)? as u32;
    Ok(p)
}

/// `GET /api/v1/plan/mobile-class`.
#[utoipa::path(get, path = "/api/v1/plan/mobile-class", tag = "plan", params(MobileClassQuery, crate::params::ThresholdQuery),
    responses(
        (status = 200, description = "For each plan year, a class in every parish: the visits on record (done, booked) and, for the other parishes, a planned stop on a working day after the snapshot's date (past years: not_done), with the venue's connection (good_line, mobile_router, unverified, poor), who it is for, the line to upgrade first where there is no good line, and reasons; the route through the planned stops; each parish's next class; as JSON, CSV (f=csv) or an iCalendar feed of the planned and the recorded stops, each labelled (f=ics); counts of 1–4 residents as a range and others rounded to 5 unless signed in", content(("application/json"), ("text/csv"), ("text/calendar"))),
        (status = 400, description = "A parameter is unknown or nonsense (the problem names it)", content_type = "application/problem+json"),
        (status = 409, description = "The season has fewer working days in a plan year than there are stops (the problem names `season`)", content_type = "application/problem+json")))]
pub async fn mobile_class(
    req: HttpRequest,
    state: web::Data<AppState>,
) -> Result<HttpResponse, Problem> {
    let q = Query::parse(
        &req,
        &params(&[
            "season",
            "reach_m",
            "start",
            "parish_id",
            "time",
            "minutes",
            "f",
        ]),
    )?;
    let f = format(&q, &["json", "csv", "ics"])?;
    let p = request(&q)?;
    let snap = state.live.get();
    let a = analysis(&q, &state, &snap)?;
    let d = crate::audience::disclosure(&req, &state).await?;
    let body = web::block(move || {
        mobile_class::plan(&snap, chosen(&snap, &a), &p).map(|m| match f {
            "csv" => m.to_csv(&snap, &d),
            "ics" => m.to_ics(&snap, &d),
            _ => m.to_json(&snap, &d).to_string(),
        })
    })
    .await
    .map_err(Problem::internal)?
    .map_err(problem)?;
    let resp = match f {
        "csv" => super::text(body, "text/csv; charset=utf-8", "mobile-class.csv"),
        "ics" => super::text(body, "text/calendar; charset=utf-8", "mobile-class.ics"),
        _ => HttpResponse::Ok()
            .content_type("application/json")
            .body(body),
    };
    Ok(crate::audience::mark(resp, &d))
}
