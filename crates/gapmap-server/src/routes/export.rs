//! `GET /export/{layer}.{geojson|csv|gpkg}`: a complete published collection
//! as a file, streamed. `?crs=EPSG:3059` (or its URN / OGC URI forms) gives
//! LKS-92 / Latvia TM; the default is WGS84 (EPSG:4326 / CRS84).
//!
//! The file is written by a blocking thread into a bounded channel that the
//! response body drains, so a large layer never sits in memory as one
//! document and a slow client slows the writer down.

use crate::AppState;
use crate::problem::Problem;
use crate::query::Query;
use actix_web::body::{BodySize, MessageBody};
use actix_web::web::Bytes;
use actix_web::{HttpRequest, HttpResponse, web};
use gapmap_core::crs::WGS84;
use gapmap_core::export::{self, Format};
use gapmap_core::publish::Collection;
use std::collections::VecDeque;
use std::io::Write;
use std::pin::Pin;
use std::sync::{Arc, Condvar, Mutex};
use std::task::{Context, Poll, Waker};

/// `GET /export/{layer}.{format}`.
#[utoipa::path(get, path = "/export/{layer}.{format}", tag = "exports",
    params(
        ("layer" = String, Path, description = "Collection id: sites, municipality, parishes, coverage, priority_zones, demand_grid, gap_grid, gap_clusters", example = "sites"),
        ("format" = String, Path, description = "geojson, csv or gpkg", example = "csv"),
        ("crs" = Option<String>, Query, description = "EPSG:4326 / CRS84 (default) or EPSG:3059 (LKS-92 / Latvia TM); EPSG:n, URN or OGC URI")
    ),
    responses(
        (status = 200, description = "The complete collection as a file (Content-Disposition: attachment)"),
        (status = 400, description = "A parameter is unknown or invalid", content_type = "application/problem+json"),
        (status = 404, description = "No such collection", content_type = "application/problem+json")
    ))]
pub async fn export(
    req: HttpRequest,
    path: web::Path<(String, String)>,
    state: web::Data<AppState>,
) -> Result<HttpResponse, Problem> {
    let q = Query::parse(&req, &["crs"])?;
    let (layer, ext) = path.into_inner();
    let collection = Collection::parse(&layer).ok_or_else(|| {
        Problem::not_found(format!(
            "no collection `{layer}`; exports exist for: {}",
            Collection::ALL.map(|c| c.id()).join(", ")
        ))
    })?;
    let format = Format::parse(&ext).ok_or_else(|| {
        Problem::not_found(format!(
            "no export format `{ext}`; use geojson, csv or gpkg"
        ))
    })?;
    let crs = match q.str("crs") {
        None => WGS84,
        Some(s) => {
            export::parse_export_crs(s).map_err(|e| Problem::invalid("crs", e.to_string()))?
        }
    };
    let snap = state.live.get();
    let st = state.clone();
    let prepared = web::block(move || {
        let published = st.published(&snap, collection);
        export::prepare_features(&snap, collection, crs, Arc::clone(&published.features))
    })
    .await
    .map_err(Problem::internal)?
    .map_err(Problem::internal)?;
    let filename = prepared.meta.file_name(format);
    let version = prepared.meta.snapshot_version.clone();
    let body =
        ChannelBody::spawn(move |w| export::write(&prepared, format, w, &mut |_| {}).map(|_| ()));
    Ok(HttpResponse::Ok()
        .content_type(format.content_type())
        .insert_header((
            "Content-Disposition",
            format!("attachment; filename=\"{filename}\""),
        ))
        .insert_header(("X-Snapshot-Version", version))
        .body(body))
}

/// Chunks in flight between the writer thread and the response.
const MAX_QUEUED: usize = 8;
const CHUNK: usize = 64 * 1024;

#[derive(Default)]
struct Shared {
    queue: VecDeque<Bytes>,
    finished: bool,
    error: Option<String>,
    waker: Option<Waker>,
    /// The response was dropped (client gone, or HEAD).
    closed: bool,
}

#[derive(Default)]
struct Channel {
    state: Mutex<Shared>,
    space: Condvar,
}

impl Channel {
    fn lock(&self) -> std::sync::MutexGuard<'_, Shared> {
        self.state.lock().unwrap_or_else(|p| p.into_inner())
    }
}

/// A response body fed by a writer thread.
pub struct ChannelBody(Arc<Channel>);

impl std::fmt::Debug for ChannelBody {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str("ChannelBody")
    }
}

struct ChannelWriter {
    chan: Arc<Channel>,
    buf: Vec<u8>,
}

impl ChannelWriter {
    fn send(&mut self) -> std::io::Result<()> {
        if self.buf.is_empty() {
            return Ok(());
        }
        let chunk = Bytes::from(std::mem::replace(&mut self.buf, Vec::with_capacity(CHUNK)));
        let mut s = self.chan.lock();
        while s.queue.len() >= MAX_QUEUED && !s.closed {
            s = self.chan.space.wait(s).unwrap_or_else(|p| p.into_inner());
        }
        if s.closed {
            return Err(std::io::Error::new(
                std::io::ErrorKind::BrokenPipe,
                "the client went away",
            ));
        }
        s.queue.push_back(chunk);
        if let Some(w) = s.waker.take() {
            w.wake();
        }
        Ok(())
    }
}

impl Write for ChannelWriter {
    fn write(&mut self, data: &[u8]) -> std::io::Result<usize> {
        self.buf.extend_from_slice(data);
        if self.buf.len() >= CHUNK {
            self.send()?;
        }
        Ok(data.len())
    }
    fn flush(&mut self) -> std::io::Result<()> {
        self.send()
    }
}

impl ChannelBody {
    /// Run `produce` on a thread of its own, streaming what it writes.
    pub fn spawn<F, E>(produce: F) -> ChannelBody
    where
        F: FnOnce(&mut dyn Write) -> Result<(), E> + Send + 'static,
        E: std::fmt::Display,
    {
        let chan = Arc::new(Channel::default());
        let c = Arc::clone(&chan);
        let run = move || {
            let mut w = ChannelWriter {
                chan: Arc::clone(&c),
                buf: Vec::with_capacity(CHUNK),
            };
            let result = produce(&mut w)
                .map_err(|e| e.to_string())
                .and_then(|()| w.send().map_err(|e| e.to_string()));
            let mut s = c.lock();
            if let Err(e) = result {
                if !s.closed {
                    tracing::error!(error = %e, "export failed while streaming");
                }
                s.error = Some(e);
            }
            s.finished = true;
            if let Some(w) = s.waker.take() {
                w.wake();
            }
        };
        if let Err(e) = std::thread::Builder::new()
            .name("gapmap-export".into())
            .spawn(run)
        {
            let mut s = chan.lock();
            s.error = Some(format!("cannot start the export thread: {e}"));
            s.finished = true;
        }
        ChannelBody(chan)
    }
}

impl Drop for ChannelBody {
    fn drop(&mut self) {
        self.0.lock().closed = true;
        self.0.space.notify_all();
    }
}

impl MessageBody for ChannelBody {
    type Error = std::io::Error;

    fn size(&self) -> BodySize {
        BodySize::Stream
    }

    fn poll_next(
        self: Pin<&mut Self>,
        cx: &mut Context<'_>,
    ) -> Poll<Option<Result<Bytes, Self::Error>>> {
        let mut s = self.0.lock();
        if let Some(chunk) = s.queue.pop_front() {
            drop(s);
            self.0.space.notify_all();
            return Poll::Ready(Some(Ok(chunk)));
        }
        if s.finished {
            return match s.error.take() {
                Some(e) => Poll::Ready(Some(Err(std::io::Error::other(e)))),
                None => Poll::Ready(None),
            };
        }
        s.waker = Some(cx.waker().clone());
        Poll::Pending
    }
}
