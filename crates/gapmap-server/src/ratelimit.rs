//! Per-client rate limits that need no third party: a token bucket per key
//! (a client address, or a user name being signed in as) — `burst` requests
//! at once, refilled at `per_second`. Used for sign-in attempts, resident
//! reports and the planner's what-if.
//!
//! The client is the peer address, or the address a trusted reverse proxy
//! (`[server] trusted_proxies`) puts last in `X-Forwarded-For`.

use std::collections::HashMap;
use std::net::IpAddr;
use std::sync::Mutex;
use std::time::Instant;

/// Buckets kept before full ones are dropped.
const MAX_KEYS: usize = 10_000;

/// Token buckets by key.
#[derive(Debug)]
pub struct Limiter {
    burst: f64,
    per_second: f64,
    buckets: Mutex<HashMap<String, (f64, Instant)>>,
}

impl Limiter {
    pub fn new(burst: f64, per_second: f64) -> Limiter {
        Limiter {
            burst,
            per_second,
            buckets: Mutex::new(HashMap::new()),
        }
    }

    /// Take a token for `key` at `now`: `Ok(())`, or the seconds to wait.
    pub fn take(&self, key: &str, now: Instant) -> Result<(), f64> {
        let mut b = self.buckets.lock().unwrap_or_else(|p| p.into_inner());
        let refill = |tokens: f64, at: Instant| {
            (tokens + now.saturating_duration_since(at).as_secs_f64() * self.per_second)
                .min(self.burst)
        };
        if b.len() >= MAX_KEYS {
            // A full bucket is the same as none.
            b.retain(|_, (tokens, at)| refill(*tokens, *at) < self.burst);
        }
        let (tokens, at) = b.entry(key.to_owned()).or_insert((self.burst, now));
        *tokens = refill(*tokens, *at);
        *at = now;
        if *tokens >= 1.0 {
            *tokens -= 1.0;
            Ok(())
        } else {
            Err((1.0 - *tokens) / self.per_second)
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

/// A 429 problem with `Retry-After` (whole seconds, at least 1).
pub fn too_many(wait_s: f64, what: &str) -> crate::problem::Problem {
    let secs = wait_s.ceil().max(1.0) as u64;
    crate::problem::Problem::new(
        crate::problem::Kind::TooManyRequests,
        format!("too many {what} from this client; try again in {secs} s"),
    )
    .with_header("Retry-After", secs.to_string())
}

#[cfg(test)]
mod tests {
    use super::*;
    use std::time::Duration;

    #[test]
    fn burst_then_refill_per_key() {
        let l = Limiter::new(3.0, 0.5);
        let t0 = Instant::now();
        for _ in 0..3 {
            assert!(l.take("10.0.0.1", t0).is_ok());
        }
        let wait = l.take("10.0.0.1", t0).expect_err("the burst is used up");
        assert!((wait - 2.0).abs() < 1e-9);
        assert!(
            l.take("10.0.0.2", t0).is_ok(),
            "another client has its own bucket"
        );
        assert!(
            l.take("10.0.0.1", t0 + Duration::from_secs(2)).is_ok(),
            "refilled"
        );
        assert!(l.take("10.0.0.1", t0 + Duration::from_secs(2)).is_err());
    }
}
