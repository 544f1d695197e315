//! Who the client of a request is ([`client`], [`client_key`]), and a
//! token bucket per key in this process's memory ([`Limiter`]) for the
//! planner's what-if, which protects this server's own processor. Limits
//! that must hold across the servers of one store — resident reports,
//! sign-ins, `/admin/reload` — keep their buckets in the store
//! ([`gapmap_store::throttle`]).
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

/// The key a client is counted under: its address, an IPv6 address by
/// its /64 (one household or host has a whole /64), an IPv4-mapped IPv6
/// address as the IPv4 address.
///
/// ```
/// use gapmap_server::ratelimit::client_key;
/// let a = client_key("2001:db8:1:2:aaaa::1".parse().unwrap());
/// assert_eq!(a, client_key("2001:db8:1:2:bbbb::9".parse().unwrap()));
/// assert_eq!(client_key("::ffff:192.0.2.1".parse().unwrap()).to_string(), "192.0.2.1");
/// ```
pub fn client_key(ip: IpAddr) -> IpAddr {
    match ip {
        IpAddr::V4(_) => ip,
        IpAddr::V6(v6) => match v6.to_ipv4_mapped() {
            Some(v4) => IpAddr::V4(v4),
            None => {
                let s = v6.segments();
                IpAddr::V6(std::net::Ipv6Addr::new(s[0], s[1], s[2], s[3], 0, 0, 0, 0))
            }
        },
    }
}

/// The client key of a request as text (empty when there is no peer).
pub fn client_text(req: &actix_web::HttpRequest, trusted_proxies: &[String]) -> String {
    client(req, trusted_proxies)
        .map(|a| client_key(a).to_string())
        .unwrap_or_default()
}

/// A 429 problem with `Retry-After` (whole seconds, at least 1); `detail`
/// says whose requests were too many and is told the wait.
pub fn too_many(wait_s: f64, detail: &str) -> crate::problem::Problem {
    let secs = wait_s.ceil().max(1.0) as u64;
    crate::problem::Problem::new(
        crate::problem::Kind::TooManyRequests,
        format!("{detail}; try again in {secs} s"),
    )
    .with_header("Retry-After", secs.to_string())
}

/// The time now in Unix seconds (what the store's throttles count in).
pub fn unix_now() -> f64 {
    std::time::SystemTime::now()
        .duration_since(std::time::UNIX_EPOCH)
        .map_or(0.0, |d| d.as_secs_f64())
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
