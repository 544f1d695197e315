//! The one place that builds the base of absolute links (OGC `links`,
//! TileJSON tile URLs, the MapLibre style, and the web front end's QR codes).
//!
//! 1. `[server] public_url` (`GAPMAP_PUBLIC_URL`) when configured: always.
//! 2. Else, when the connection comes from one of `[server] trusted_proxies`,
//!    the proxy's `Forwarded` (`proto=`, `host=`) or `X-Forwarded-Proto` /
//!    `X-Forwarded-Host`, if well-formed.
//! 3. Else the address the server listens on (`http://127.0.0.1:8080`).
//!
//! The request's own `Host` header is never used: a spoofed host must not
//! appear in the links of an answer (or of a cache holding it).

use crate::AppState;
use actix_web::{HttpRequest, web};

/// The base of absolute links: scheme, host, optional path prefix, no
/// trailing slash.
pub fn base(req: &HttpRequest) -> String {
    let Some(state) = req.app_data::<web::Data<AppState>>() else {
        return format!("http://{}", req.app_config().local_addr());
    };
    let config = &state.config;
    if config.public_url.is_none()
        && let Some(forwarded) = trusted_forwarded(req, &config.trusted_proxies)
    {
        return forwarded;
    }
    config.public_base(req.app_config().local_addr())
}

/// An id (or any text) as one path segment or query value of a link:
/// every byte but the unreserved ones (RFC 3986 §2.3) percent-encoded.
///
/// ```
/// use gapmap_server::links::encode;
/// assert_eq!(encode("library-vilce"), "library-vilce");
/// assert_eq!(encode("../a b?&=#"), "..%2Fa%20b%3F%26%3D%23");
/// ```
pub fn encode(s: &str) -> String {
    let mut out = String::with_capacity(s.len());
    for b in s.bytes() {
        if b.is_ascii_alphanumeric() || b"-._~".contains(&b) {
            out.push(char::from(b));
        } else {
            out.push_str(&format!("%{b:02X}"));
        }
    }
    out
}

/// Whether `origin` (an `Origin` header) is this server's own.
pub fn is_own_origin(req: &HttpRequest, origin: &str) -> bool {
    origin_of(&base(req)) == origin.trim_end_matches('/')
}

/// `scheme://host[:port]` of a base URL.
fn origin_of(base: &str) -> &str {
    match base.find("://") {
        Some(i) => {
            let after = i + 3;
            match base[after..].find('/') {
                Some(j) => &base[..after + j],
                None => base,
            }
        }
        None => base,
    }
}

/// Whether a trusted proxy says the client came over HTTPS (`Forwarded:
/// proto=https` or `X-Forwarded-Proto: https`), with or without a host.
pub fn forwarded_https(req: &HttpRequest) -> bool {
    let Some(state) = req.app_data::<web::Data<AppState>>() else {
        return false;
    };
    forwarded(req, &state.config.trusted_proxies).is_some_and(|(proto, _)| proto == "https")
}

/// The base a trusted proxy names, or `None` (untrusted peer, no or
/// malformed headers).
fn trusted_forwarded(req: &HttpRequest, trusted: &[String]) -> Option<String> {
    let (proto, host) = forwarded(req, trusted)?;
    let host = host?;
    let host = host.split(',').next().unwrap_or("").trim();
    let ok_host = !host.is_empty()
        && host.len() <= 255
        && host
            .chars()
            .all(|c| c.is_ascii_alphanumeric() || ".-:[]".contains(c));
    ok_host.then(|| format!("{proto}://{host}"))
}

/// The scheme (`http` or `https`) and host a trusted proxy forwards;
/// `None` from an untrusted peer or with a scheme that is neither.
fn forwarded(req: &HttpRequest, trusted: &[String]) -> Option<(String, Option<String>)> {
    let peer = req.peer_addr()?.ip();
    if !trusted
        .iter()
        .any(|t| t.parse::<std::net::IpAddr>().ok() == Some(peer))
    {
        return None;
    }
    let header = |name: &str| {
        req.headers()
            .get(name)
            .and_then(|v| v.to_str().ok())
            .map(str::trim)
    };
    let (mut proto, mut host) = (None, None);
    if let Some(f) = header("forwarded") {
        // The first (closest to the client) element, as the proxy wrote it.
        for pair in f.split(',').next().unwrap_or("").split(';') {
            if let Some((k, v)) = pair.trim().split_once('=') {
                let v = v.trim_matches('"');
                match k.trim().to_ascii_lowercase().as_str() {
                    "proto" => proto = Some(v),
                    "host" => host = Some(v),
                    _ => {}
                }
            }
        }
    }
    let proto = proto
        .or_else(|| header("x-forwarded-proto"))
        .map(|p| {
            p.split(',')
                .next()
                .unwrap_or("")
                .trim()
                .to_ascii_lowercase()
        })
        .unwrap_or_else(|| "http".into());
    let host = host
        .or_else(|| header("x-forwarded-host"))
        .map(str::to_owned);
    matches!(proto.as_str(), "http" | "https").then_some((proto, host))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn origin_of_a_base_drops_the_path() {
        assert_eq!(
            origin_of("https://karte.example.lv/map"),
            "https://karte.example.lv"
        );
        assert_eq!(origin_of("http://127.0.0.1:8080"), "http://127.0.0.1:8080");
    }
}
