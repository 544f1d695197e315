//! Downloading one version of an open source (`gapmap update`): a
//! conditional GET (`If-None-Match` with the last ETag, `If-Modified-Since`
//! with the last `Last-Modified`), connect and read timeouts, a size cap,
//! the body streamed into a temporary file beside the destination and
//! renamed only when whole, its SHA-256 computed on the way.
//!
//! Refused, with the temporary file removed: an HTTP error status, a
//! content type the source does not come in (an HTML error page served with
//! 200), a body over the cap (announced or counted), a body that ends before
//! its `Content-Length`, a timeout.

use sha2::{Digest, Sha256};
use std::io::{Read, Write};
use std::path::{Path, PathBuf};
use std::time::Duration;

/// What the last successful run knew of the file.
#[derive(Debug, Clone, Default)]
pub struct Conditional {
    pub etag: Option<String>,
    pub last_modified: Option<String>,
}

/// How a download is bounded.
#[derive(Debug, Clone, Copy)]
pub struct Limits {
    pub connect: Duration,
    /// The longest wait for the response and for each read of the body.
    pub read: Duration,
    /// The largest body accepted (bytes).
    pub max_bytes: u64,
}

/// A whole download.
#[derive(Debug, Clone)]
pub struct Download {
    pub path: PathBuf,
    pub sha256: String,
    pub bytes: u64,
    pub etag: Option<String>,
    pub last_modified: Option<String>,
}

/// The answer to a conditional GET.
#[derive(Debug)]
pub enum Fetched {
    /// 304: the file is the one applied last time.
    NotModified,
    File(Download),
}

/// Why a download failed (the message names the URL).
#[derive(Debug, thiserror::Error)]
#[error("{url}: {message}")]
pub struct FetchError {
    pub url: String,
    pub message: String,
}

fn fail(url: &str, message: impl Into<String>) -> FetchError {
    FetchError {
        url: url.to_owned(),
        message: message.into(),
    }
}

/// The HTTP agent: timeouts, no status-as-error (statuses are judged here),
/// gapmap's user agent.
fn agent(limits: &Limits) -> ureq::Agent {
    ureq::Agent::config_builder()
        .timeout_connect(Some(limits.connect))
        .timeout_recv_response(Some(limits.read))
        .timeout_per_read(Some(limits.read))
        .http_status_as_error(false)
        .user_agent(concat!("gapmap/", env!("CARGO_PKG_VERSION")))
        .build()
        .into()
}

/// GET `url` into `dest` (see the module documentation); `accepts` judges
/// the content type.
pub fn fetch(
    url: &str,
    dest: &Path,
    cond: &Conditional,
    limits: &Limits,
    accepts: &dyn Fn(Option<&str>) -> bool,
) -> Result<Fetched, FetchError> {
    let mut req = agent(limits).get(url);
    if let Some(e) = &cond.etag {
        req = req.header("If-None-Match", e.as_str());
    }
    if let Some(m) = &cond.last_modified {
        req = req.header("If-Modified-Since", m.as_str());
    }
    let resp = req.call().map_err(|e| fail(url, describe(&e)))?;
    let status = resp.status().as_u16();
    if status == 304 {
        return Ok(Fetched::NotModified);
    }
    if !(200..300).contains(&status) {
        return Err(fail(url, format!("the server answered HTTP {status}")));
    }
    let header = |n: &str| {
        resp.headers()
            .get(n)
            .and_then(|v| v.to_str().ok())
            .map(str::to_owned)
    };
    let content_type = header("content-type");
    if !accepts(content_type.as_deref()) {
        return Err(fail(
            url,
            format!(
                "the server sent {} instead of the file (an error page?)",
                content_type.as_deref().unwrap_or("no content type")
            ),
        ));
    }
    if let Some(n) = header("content-length").and_then(|v| v.parse::<u64>().ok())
        && n > limits.max_bytes
    {
        return Err(fail(url, too_big(n, limits.max_bytes)));
    }
    let (etag, last_modified) = (header("etag"), header("last-modified"));
    let body = resp.into_body().into_reader();
    let (sha256, bytes) = save(url, body, dest, limits.max_bytes)?;
    Ok(Fetched::File(Download {
        path: dest.to_owned(),
        sha256,
        bytes,
        etag,
        last_modified,
    }))
}

fn too_big(n: u64, max: u64) -> String {
    format!("the file is {n} bytes, over the {max}-byte limit of this source (--max-bytes)")
}

/// A transport error in words.
fn describe(e: &ureq::Error) -> String {
    match e {
        ureq::Error::Timeout(t) => format!("timed out ({t})"),
        ureq::Error::Io(io) if io.kind() == std::io::ErrorKind::ConnectionRefused => {
            "the connection was refused".into()
        }
        other => other.to_string(),
    }
}

/// Stream `body` into a temporary file beside `dest`, hashing it; rename
/// it to `dest` only when whole. (hex SHA-256, bytes)
fn save(
    url: &str,
    mut body: impl Read,
    dest: &Path,
    max_bytes: u64,
) -> Result<(String, u64), FetchError> {
    let dir = dest.parent().unwrap_or(Path::new("."));
    let mut tmp = tempfile::NamedTempFile::new_in(dir)
        .map_err(|e| fail(url, format!("cannot write in {}: {e}", dir.display())))?;
    let mut hash = Sha256::new();
    let mut buf = vec![0u8; 1 << 16];
    let mut bytes = 0u64;
    loop {
        let n = match body.read(&mut buf) {
            Ok(0) => break,
            Ok(n) => n,
            Err(e) => {
                return Err(fail(
                    url,
                    format!("the download broke off after {bytes} bytes: {e}"),
                ));
            }
        };
        bytes += n as u64;
        if bytes > max_bytes {
            return Err(fail(url, too_big(bytes, max_bytes)));
        }
        hash.update(&buf[..n]);
        tmp.write_all(&buf[..n])
            .map_err(|e| fail(url, format!("cannot write {}: {e}", dest.display())))?;
    }
    tmp.as_file()
        .sync_all()
        .map_err(|e| fail(url, e.to_string()))?;
    tmp.persist(dest)
        .map_err(|e| fail(url, format!("cannot keep {}: {}", dest.display(), e.error)))?;
    Ok((hex(&hash.finalize()), bytes))
}

/// Lower-case hex.
pub fn hex(bytes: &[u8]) -> String {
    bytes.iter().map(|b| format!("{b:02x}")).collect()
}

/// SHA-256 and size of a file on disk.
pub fn hash_file(path: &Path) -> std::io::Result<(String, u64)> {
    let mut f = std::fs::File::open(path)?;
    let mut hash = Sha256::new();
    let mut buf = vec![0u8; 1 << 16];
    let mut bytes = 0u64;
    loop {
        let n = f.read(&mut buf)?;
        if n == 0 {
            break;
        }
        bytes += n as u64;
        hash.update(&buf[..n]);
    }
    Ok((hex(&hash.finalize()), bytes))
}

#[cfg(test)]
mod tests {
    use super::*;
    use std::net::TcpListener;

    /// Serve one canned response (head + body bytes, then close, or stay
    /// silent) on 127.0.0.1 at a free port; the URL.
    fn serve(response: Vec<u8>, silent: bool) -> String {
        let l = TcpListener::bind("127.0.0.1:0").unwrap();
        let url = format!("http://{}/f.csv", l.local_addr().unwrap());
        std::thread::spawn(move || {
            if let Ok((mut s, _)) = l.accept() {
                let mut req = [0u8; 4096];
                let _ = s.read(&mut req);
                if silent {
                    std::thread::sleep(Duration::from_secs(5));
                    return;
                }
                let _ = s.write_all(&response);
            }
        });
        url
    }

    fn limits() -> Limits {
        Limits {
            connect: Duration::from_secs(2),
            read: Duration::from_millis(500),
            max_bytes: 100,
        }
    }

    fn get(url: &str, dir: &Path) -> Result<Fetched, FetchError> {
        fetch(
            url,
            &dir.join("f.csv"),
            &Conditional::default(),
            &limits(),
            &|ct| ct.is_none_or(|c| c.starts_with("text/csv")),
        )
    }

    #[test]
    fn a_whole_file_is_kept_with_its_hash() {
        let dir = tempfile::tempdir().unwrap();
        let url = serve(b"HTTP/1.1 200 OK\r\nContent-Type: text/csv\r\nETag: \"v1\"\r\nContent-Length: 3\r\n\r\na,b".to_vec(), false);
        let Fetched::File(d) = get(&url, dir.path()).unwrap() else {
            panic!()
        };
        assert_eq!(std::fs::read(&d.path).unwrap(), b"a,b");
        assert_eq!(d.etag.as_deref(), Some("\"v1\""));
        assert_eq!(d.sha256, hash_file(&d.path).unwrap().0);
    }

    #[test]
    fn failures_leave_no_file() {
        for (response, want) in [
            (
                &b"HTTP/1.1 500 Internal Server Error\r\nContent-Length: 0\r\n\r\n"[..],
                "HTTP 500",
            ),
            (
                b"HTTP/1.1 200 OK\r\nContent-Type: text/html\r\nContent-Length: 2\r\n\r\nhi",
                "text/html instead",
            ),
            (
                b"HTTP/1.1 200 OK\r\nContent-Type: text/csv\r\nContent-Length: 10\r\n\r\nabc",
                "broke off after 3 bytes",
            ),
            (
                b"HTTP/1.1 200 OK\r\nContent-Type: text/csv\r\nContent-Length: 1000\r\n\r\nabc",
                "over the 100-byte limit",
            ),
        ] {
            let dir = tempfile::tempdir().unwrap();
            let e = get(&serve(response.to_vec(), false), dir.path()).unwrap_err();
            assert!(e.message.contains(want), "{e}");
            assert_eq!(std::fs::read_dir(dir.path()).unwrap().count(), 0, "{want}");
        }
    }

    #[test]
    fn a_silent_server_times_out_and_304_is_not_modified() {
        let dir = tempfile::tempdir().unwrap();
        let e = get(&serve(Vec::new(), true), dir.path()).unwrap_err();
        assert!(e.message.contains("timed out"), "{e}");
        let url = serve(b"HTTP/1.1 304 Not Modified\r\n\r\n".to_vec(), false);
        assert!(matches!(
            get(&url, dir.path()).unwrap(),
            Fetched::NotModified
        ));
    }
}
