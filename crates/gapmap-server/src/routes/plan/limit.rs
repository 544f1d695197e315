//! A per-client rate limit for `POST /api/v1/plan/what-if` (no sign-in, so
//! anyone could flood it): a token bucket per client address — [`BURST`]
//! requests at once, refilled at [`PER_SECOND`] a second (a planner dragging
//! a point sends a few a second). Written here rather than taken from the
//! `governor` crate: one bucket map and a clock are all it needs.
//!
//! The client is the peer address, or the address a trusted reverse proxy
//! (`[server] trusted_proxies`) puts last in `X-Forwarded-For`.

use std::collections::HashMap;
use std::net::IpAddr;
use std::sync::Mutex;
use std::time::Instant;

/// Requests a client may send at once.
pub const BURST: f64 = 20.0;
/// Requests a second, sustained.
pub const PER_SECOND: f64 = 5.0;
/// Buckets kept before idle ones are dropped.
const MAX_CLIENTS: usize = 10_000;

/// Token buckets by client.
#[derive(Debug, Default)]
pub struct Limiter {
    buckets: Mutex<HashMap<IpAddr, (f64, Instant)>>,
}

impl Limiter {
    /// Take a token for `client` at `now`: `Ok(())`, or the seconds to wait.
    pub fn take(&self, client: IpAddr, now: Instant) -> Result<(), f64> {
        let mut b = self.buckets.lock().unwrap_or_else(|p| p.into_inner());
        if b.len() >= MAX_CLIENTS {
            // Full buckets are the same as none.
            b.retain(|_, (tokens, at)| {
                *tokens + now.saturating_duration_since(*at).as_secs_f64() * PER_SECOND < BURST
            });
        }
        let (tokens, at) = b.entry(client).or_insert((BURST, now));
        *tokens =
            (*tokens + now.saturating_duration_since(*at).as_secs_f64() * PER_SECOND).min(BURST);
        *at = now;
        if *tokens >= 1.0 {
            *tokens -= 1.0;
            Ok(())
        } else {
            Err((1.0 - *tokens) / PER_SECOND)
        }
    }
}

/// The client of a request (see the module documentation).
pub fn client(req: &actix_web::HttpRequest, trusted_proxies: &[String]) -> Option<IpAddr> {
    let peer = req.peer_addr()?.ip();
    if !trusted_proxies
        .iter()
        .any(|p| p.parse::<IpAddr>().ok() == Some(peer))
    {
        return Some(peer);
    }
    req.headers()
        .get("x-forwarded-for")
        .and_then(|h| h.to_str().ok())
        .and_then(|h| h.rsplit(',').next())
        .and_then(|a| a.trim().parse().ok())
        .or(Some(peer))
}

#[cfg(test)]
mod tests {
    use super::*;
    use std::time::Duration;

    #[test]
    fn burst_then_refill_per_client() {
        let l = Limiter::default();
        let (a, b) = (IpAddr::from([127, 0, 0, 1]), IpAddr::from([10, 0, 0, 2]));
        let t0 = Instant::now();
        for _ in 0..BURST as usize {
            assert!(l.take(a, t0).is_ok());
        }
        let wait = l.take(a, t0).expect_err("the burst is used up");
        assert!((wait - 1.0 / PER_SECOND).abs() < 1e-9);
        assert!(l.take(b, t0).is_ok(), "another client has its own bucket");
        assert!(
            l.take(a, t0 + Duration::from_millis(250)).is_ok(),
            "refilled"
        );
        assert!(l.take(a, t0 + Duration::from_millis(250)).is_err());
    }
}
