//! `GET /export/{layer}.{geojson|csv|gpkg}`: a complete published collection
//! as a file. `?crs=EPSG:3059` (or its URN / OGC URI forms) gives LKS-92 /
//! Latvia TM; the default is WGS84 (EPSG:4326 / CRS84).
//!
//! 1. The file is written once per snapshot, collection, format and CRS into
//!    a spool file (unlinked as soon as it is created, so nothing is left on
//!    disk if the process dies), by a blocking thread;
//! 2. every request, whole or by byte range (`ranges`), is answered from it
//!    with `Content-Length`, a strong `ETag` and `Accept-Ranges: bytes`;
//! 3. the bytes go through a bounded channel that the response drains, so a
//!    large file never sits in memory and a slow client slows the reader.

use crate::AppState;
use crate::problem::Problem;
use crate::query::Query;
use actix_web::body::{BodySize, MessageBody};
use actix_web::http::header;
use actix_web::web::Bytes;
use actix_web::{HttpRequest, HttpResponse, web};
use gapmap_geo::crs::WGS84;
use gapmap_publish::collections::Collection;
use gapmap_publish::export::{self, Format};
use std::collections::VecDeque;
use std::fs::File;
use std::io::Write;
use std::os::unix::fs::FileExt;
use std::pin::Pin;
use std::sync::{Arc, Condvar, Mutex};
use std::task::{Context, Poll, Waker};

/// `crs` of an export (OpenAPI schema of the parameter).
#[derive(Debug, Clone, Copy, utoipa::ToSchema, serde::Serialize)]
pub enum ExportCrs {
    #[serde(rename = "EPSG:4326")]
    Epsg4326,
    #[serde(rename = "CRS84")]
    Crs84,
    #[serde(rename = "EPSG:3059")]
    Epsg3059,
}

/// `GET /export/{layer}.{format}`.
#[utoipa::path(get, path = "/export/{layer}.{format}", tag = "exports",
    params(
        ("layer" = String, Path, description = "Collection id: sites, settlements, municipality, parishes, coverage, priority_zones, demand_grid, gap_grid, gap_clusters", example = "sites"),
        ("format" = String, Path, description = "geojson, csv or gpkg", example = "csv"),
        ("crs" = inline(Option<ExportCrs>), Query, description = "EPSG:4326 / CRS84 (default) or EPSG:3059 (LKS-92 / Latvia TM); the server also reads their URN and OGC URI forms"),
        ("Range" = Option<String>, Header, description = "One byte range (`bytes=first-last`, `bytes=first-`, `bytes=-suffix`); several ranges get the whole file"),
        ("If-Range" = Option<String>, Header, description = "The ETag earlier ranges came from: the range is served only while it is current"),
        ("If-None-Match" = Option<String>, Header, description = "ETag of a copy the client holds: 304 if it is still current")
    ),
    responses(
        (status = 200, description = "The complete collection as a file (Content-Disposition: attachment)",
            headers(("ETag" = String, description = "Snapshot version, collection, format and CRS"), ("Accept-Ranges" = String, description = "bytes"))),
        (status = 206, description = "The byte range asked for", headers(("Content-Range" = String, description = "bytes first-last/length"))),
        (status = 304, description = "Not modified: If-None-Match names the current ETag"),
        (status = 400, description = "A parameter is unknown or invalid", content_type = "application/problem+json"),
        (status = 404, description = "No such collection", content_type = "application/problem+json"),
        (status = 416, description = "The range starts past the end of the file (Content-Range: bytes */length)", content_type = "application/problem+json")
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
    let etag = format!(
        "\"{}-{}-{}-{crs}\"",
        snap.version,
        collection.id(),
        format.extension()
    );
    if crate::cache::not_modified(req.headers(), &etag) {
        return Ok(crate::cache::not_modified_response(&etag, None));
    }
    let version = snap.version.clone();
    let (st, key) = (state.clone(), etag.clone());
    let file = web::block(move || {
        spooled(&key, || {
            let published = st.published(&snap, collection);
            let prepared =
                export::prepare_features(&snap, collection, crs, Arc::clone(&published.features))
                    .map_err(|e| e.to_string())?;
            let name = prepared.meta.file_name(format);
            let spool = Spool::build(|w| {
                export::write(&prepared, format, w, &mut |_| {})
                    .map(|_| ())
                    .map_err(|e| std::io::Error::other(e.to_string()))
            })?;
            Ok((spool, name))
        })
    })
    .await
    .map_err(Problem::internal)?
    .map_err(Problem::internal)?;
    let mut r = HttpResponse::Ok();
    r.content_type(format.content_type())
        .insert_header((
            header::CONTENT_DISPOSITION,
            format!("attachment; filename=\"{}\"", file.1),
        ))
        .insert_header(("X-Snapshot-Version", version))
        .insert_header((header::CACHE_CONTROL, crate::cache::CACHE_CONTROL));
    let (a, b) = crate::ranges::start(&req, &etag, file.0.len, &mut r)?;
    let spool = Arc::clone(&file);
    Ok(r.body(ChannelBody::spawn_sized(b - a, move |w| {
        spool.0.copy(a, b, w)
    })))
}

/// A finished export in an unlinked temporary file.
#[derive(Debug)]
struct Spool {
    file: File,
    len: u64,
}

impl Spool {
    /// Write a file with `produce`; the path is removed at once, so the
    /// bytes live only as long as the handle.
    fn build(produce: impl FnOnce(&mut dyn Write) -> std::io::Result<()>) -> Result<Spool, String> {
        static N: std::sync::atomic::AtomicU64 = std::sync::atomic::AtomicU64::new(0);
        let n = N.fetch_add(1, std::sync::atomic::Ordering::Relaxed);
        let path = std::env::temp_dir().join(format!("gapmap-export-{}-{n}", std::process::id()));
        let io = |e: std::io::Error| format!("export spool {}: {e}", path.display());
        let file = std::fs::OpenOptions::new()
            .read(true)
            .write(true)
            .create_new(true)
            .open(&path)
            .map_err(io)?;
        let _ = std::fs::remove_file(&path);
        let mut w = std::io::BufWriter::with_capacity(CHUNK, &file);
        produce(&mut w).and_then(|()| w.flush()).map_err(io)?;
        drop(w);
        let len = file.metadata().map_err(io)?.len();
        Ok(Spool { file, len })
    }

    /// Copy bytes `a..b` to `w`.
    fn copy(&self, a: u64, b: u64, w: &mut dyn Write) -> std::io::Result<()> {
        let mut buf = vec![0u8; CHUNK];
        let mut at = a;
        while at < b {
            let want = ((b - at) as usize).min(CHUNK);
            let n = self.file.read_at(&mut buf[..want], at)?;
            if n == 0 {
                return Err(std::io::Error::other("the export spool ended early"));
            }
            w.write_all(&buf[..n])?;
            at += n as u64;
        }
        w.flush()
    }
}

type Spooled = Arc<(Spool, String)>;

/// The last few exports, keyed by their ETag.
fn spooled(
    key: &str,
    build: impl FnOnce() -> Result<(Spool, String), String>,
) -> Result<Spooled, String> {
    static CACHE: Mutex<Vec<(String, Spooled)>> = Mutex::new(Vec::new());
    const KEEP: usize = 6;
    let lock = || CACHE.lock().unwrap_or_else(|p| p.into_inner());
    if let Some((_, s)) = lock().iter().find(|(k, _)| k == key) {
        return Ok(Arc::clone(s));
    }
    let s = Arc::new(build()?);
    let mut c = lock();
    if c.len() >= KEEP {
        c.remove(0);
    }
    c.push((key.to_owned(), Arc::clone(&s)));
    Ok(s)
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

/// A response body fed by a writer thread; `Some(len)` when the writer
/// will write exactly that many bytes.
pub struct ChannelBody(Arc<Channel>, Option<u64>);

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
    /// [`ChannelBody::spawn`] of a body of exactly `len` bytes (sent with
    /// `Content-Length`).
    pub fn spawn_sized<F, E>(len: u64, produce: F) -> ChannelBody
    where
        F: FnOnce(&mut dyn Write) -> Result<(), E> + Send + 'static,
        E: std::fmt::Display,
    {
        let mut b = ChannelBody::spawn(produce);
        b.1 = Some(len);
        b
    }

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
        ChannelBody(chan, None)
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
        self.1.map_or(BodySize::Stream, BodySize::Sized)
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
