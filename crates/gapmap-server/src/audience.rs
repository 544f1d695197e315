//! Who an answer is for: a signed-in planner (a page session or an API
//! token) sees every count of residents exactly; everyone else gets the
//! public rule ([`gapmap_model::disclosure`]: 1–4 as a range, the rest
//! rounded to 5). Answers that depend on who asks say so to caches.

use crate::AppState;
use crate::problem::Problem;
use actix_web::http::header::{self, HeaderValue};
use actix_web::{HttpRequest, HttpResponse, web};
use gapmap_model::disclosure::Disclosure;

/// The rule for this request's counts.
pub async fn disclosure(
    req: &HttpRequest,
    state: &web::Data<AppState>,
) -> Result<Disclosure, Problem> {
    let min = state.thresholds.disclosure_min_residents;
    Ok(match crate::auth::signed_in(req, state).await? {
        Some(_) => Disclosure::exact(),
        None => Disclosure::public(min),
    })
}

/// A response whose counts depend on who asks: `Vary: Cookie,
/// Authorization`, and an exact answer is never stored by a cache.
pub fn mark(mut resp: HttpResponse, d: &Disclosure) -> HttpResponse {
    let h = resp.headers_mut();
    h.insert(
        header::VARY,
        HeaderValue::from_static("Cookie, Authorization"),
    );
    if d.is_exact() {
        h.insert(
            header::CACHE_CONTROL,
            HeaderValue::from_static("private, no-store"),
        );
    }
    resp
}
