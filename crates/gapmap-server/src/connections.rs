//! What one client may hold of the server, so that one host cannot take
//! it offline for everyone (the drill in `tests/drills`: 2,000 idle or
//! trickling connections from one address while `/healthz` from another
//! answers within 100 ms):
//!
//! | limit | value | what happens |
//! |---|---|---|
//! | request head | [`HEAD_TIMEOUT`] | 408, closed (actix-http) |
//! | request body, between two pieces | [`BODY_IDLE_TIMEOUT`] | 408 problem, closed |
//! | request body, in all | [`BODY_TIMEOUT`] | 408 problem, closed |
//! | keep-alive between requests | [`KEEP_ALIVE`] | closed |
//! | open connections per peer address (IPv6: per /64) | `[server] max_connections_per_peer` | the connection is shut at once |
//! | requests at once per client behind a trusted proxy | the same number | 429 problem |
//!
//! A trusted reverse proxy (`[server] trusted_proxies`) holds many
//! connections for many people, so it has no per-peer cap; the clients it
//! names (`X-Forwarded-For`) are held to the same number of requests at
//! once instead. These counts are of this process's own connections, so
//! they live in its memory (unlike throttles, which live in the store).

use crate::AppState;
use crate::counts::Counts;
use crate::problem::{Kind, Problem};
use crate::ratelimit;
use actix_web::body::MessageBody;
use actix_web::dev::{Extensions, Payload, ServiceRequest, ServiceResponse};
use actix_web::error::PayloadError;
use actix_web::middleware::Next;
use actix_web::rt::time::{Instant, Sleep, sleep_until};
use actix_web::{HttpMessage, web};
use std::future::Future;
use std::net::IpAddr;
use std::pin::Pin;
use std::sync::Arc;
use std::task::{Context, Poll};
use std::time::Duration;

/// A client has this long to send a request head (slowloris).
pub const HEAD_TIMEOUT: Duration = Duration::from_secs(10);
/// The longest pause between two pieces of a request body.
pub const BODY_IDLE_TIMEOUT: Duration = Duration::from_secs(10);
/// The longest a whole request body may take (1 MiB over a slow 3G line
/// takes about 10 s).
pub const BODY_TIMEOUT: Duration = Duration::from_secs(30);
/// How long an idle connection stays open between requests.
pub const KEEP_ALIVE: Duration = Duration::from_secs(5);

/// The connection-level part, for `HttpServer::on_connect`: count the
/// peer's open connections and shut at once one over `cap` (a trusted
/// proxy's are not counted). The count lives as long as the connection.
pub fn on_connect(
    counts: Arc<Counts>,
    cap: usize,
    trusted: Vec<IpAddr>,
) -> impl Fn(&dyn std::any::Any, &mut Extensions) + Send + Sync + 'static {
    move |conn, ext| {
        let Some(stream) = conn.downcast_ref::<actix_web::rt::net::TcpStream>() else {
            return;
        };
        let Ok(peer) = stream.peer_addr() else {
            return;
        };
        if trusted.contains(&peer.ip()) {
            return;
        }
        let (held, n) = counts.hold(ratelimit::client_key(peer.ip()));
        if n > cap {
            // Nothing is read from it: the dispatcher sees the end at once.
            let _ = socket2::SockRef::from(stream).shutdown(std::net::Shutdown::Both);
            tracing::debug!(peer = %peer.ip(), open = n, cap, "connection over the per-peer cap shut");
        }
        ext.insert(held);
    }
}

/// The request-level part: time the body (see [`Timed`]) and, behind a
/// trusted proxy, count the forwarded client's requests at once.
pub async fn middleware(
    mut req: ServiceRequest,
    next: Next<impl MessageBody + 'static>,
) -> Result<ServiceResponse<actix_web::body::BoxBody>, actix_web::Error> {
    let mut _held = None;
    if let Some(state) = req.app_data::<web::Data<AppState>>().cloned() {
        let peer = req.peer_addr().map(|p| p.ip());
        let proxied = peer.is_some_and(|p| state.trusted_proxies().contains(&p));
        if proxied
            && let Some(client) = ratelimit::client(req.request(), &state.config.trusted_proxies)
        {
            let (held, n) = state.in_flight.hold(ratelimit::client_key(client));
            if n > state.config.max_connections_per_peer {
                let p = Problem::new(
                    Kind::TooManyRequests,
                    format!(
                        "{n} requests at once from your address; the limit is {}",
                        state.config.max_connections_per_peer
                    ),
                )
                .with_header("Retry-After", "1");
                return Ok(req.error_response(p));
            }
            _held = Some(held);
        }
    }
    let payload = req.take_payload();
    if !matches!(payload, Payload::None) {
        req.set_payload(Payload::Stream {
            payload: Box::pin(Timed::new(payload)),
        });
    }
    next.call(req)
        .await
        .map(ServiceResponse::map_into_boxed_body)
}

/// A request body with the two body timeouts: a piece must come within
/// [`BODY_IDLE_TIMEOUT`] of the last, and all of it within [`BODY_TIMEOUT`];
/// else the body ends in a `TimedOut` error (a 408 problem, see
/// [`crate::body`]).
pub struct Timed {
    inner: Payload,
    all: Pin<Box<Sleep>>,
    idle: Pin<Box<Sleep>>,
    done: bool,
}

impl std::fmt::Debug for Timed {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("Timed").field("done", &self.done).finish()
    }
}

impl Timed {
    pub fn new(inner: Payload) -> Timed {
        let now = Instant::now();
        Timed {
            inner,
            all: Box::pin(sleep_until(now + BODY_TIMEOUT)),
            idle: Box::pin(sleep_until(now + BODY_IDLE_TIMEOUT)),
            done: false,
        }
    }
}

fn timed_out(what: &str) -> PayloadError {
    PayloadError::Io(std::io::Error::new(
        std::io::ErrorKind::TimedOut,
        what.to_owned(),
    ))
}

impl futures_core::Stream for Timed {
    type Item = Result<web::Bytes, PayloadError>;

    fn poll_next(mut self: Pin<&mut Self>, cx: &mut Context<'_>) -> Poll<Option<Self::Item>> {
        if self.done {
            return Poll::Ready(None);
        }
        match Pin::new(&mut self.inner).poll_next(cx) {
            Poll::Ready(Some(Ok(b))) => {
                let next = Instant::now() + BODY_IDLE_TIMEOUT;
                self.idle.as_mut().reset(next);
                return Poll::Ready(Some(Ok(b)));
            }
            Poll::Ready(other) => {
                self.done = true;
                return Poll::Ready(other);
            }
            Poll::Pending => {}
        }
        if self.all.as_mut().poll(cx).is_ready() {
            self.done = true;
            return Poll::Ready(Some(Err(timed_out(&format!(
                "the whole body must arrive within {} s",
                BODY_TIMEOUT.as_secs()
            )))));
        }
        if self.idle.as_mut().poll(cx).is_ready() {
            self.done = true;
            return Poll::Ready(Some(Err(timed_out(&format!(
                "nothing of the body came for {} s",
                BODY_IDLE_TIMEOUT.as_secs()
            )))));
        }
        Poll::Pending
    }
}
