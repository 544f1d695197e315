//! The one place that sets response headers every answer shares: the
//! security headers (Content-Security-Policy, `X-Content-Type-Options`,
//! `Referrer-Policy`) on every response — errors, `/ogc` pages, tiles,
//! exports and the web front end's pages — and CORS.
//!
//! CORS: gapmap is open data, so public reads (GET, HEAD) answer
//! `Access-Control-Allow-Origin: *` (never with credentials) and a preflight
//! (`OPTIONS` with `Access-Control-Request-Method`) on a public resource is
//! answered 204. Resources built with [`write_resource`] (the admin routes,
//! and later `POST/PATCH/DELETE /api/v1/sites…`, `/api/v1/reports`) stay
//! same-origin: no CORS headers, a preflight gets 403, and a request whose
//! `Origin` is another site's is refused with a 403 problem.
//!
//! Handlers add no security or CORS headers of their own.

use crate::config::origin;
use crate::problem::{Kind, Problem};
use actix_web::body::{BoxBody, MessageBody};
use actix_web::dev::{ServiceRequest, ServiceResponse};
use actix_web::http::Method;
use actix_web::http::header::{self, HeaderValue};
use actix_web::middleware::Next;
use actix_web::{HttpRequest, HttpResponse, web};

/// The Content-Security-Policy of every response. `basemap_style_url`, when
/// configured as an absolute URL, adds its origin where a MapLibre base map
/// needs it (style, tiles, glyphs and sprites: `connect-src`; raster tiles
/// and sprites: `img-src`). `tiles_url` (`[web] tiles_url`, a PMTiles
/// archive), when on another origin, adds that origin to `connect-src`: the
/// PMTiles protocol reads the archive with `fetch` and Range requests.
///
/// ```
/// let csp = gapmap_server::headers::content_security_policy(Some("https://tiles.example.lv/style.json"), None);
/// assert!(csp.contains("connect-src 'self' https://tiles.example.lv;"));
/// assert!(csp.contains("frame-ancestors 'none'"));
/// let csp = gapmap_server::headers::content_security_policy(None, Some("https://cdn.example.lv/gapmap.pmtiles"));
/// assert!(csp.contains("img-src 'self' data: blob:;"));
/// assert!(csp.contains("connect-src 'self' https://cdn.example.lv;"));
/// ```
pub fn content_security_policy(basemap_style_url: Option<&str>, tiles_url: Option<&str>) -> String {
    let basemap = basemap_style_url.and_then(origin);
    let tiles = tiles_url.and_then(origin);
    let img: String = basemap.iter().map(|o| format!(" {o}")).collect();
    let mut connect: Vec<&String> = basemap.iter().chain(tiles.iter()).collect();
    connect.dedup();
    let connect: String = connect.iter().map(|o| format!(" {o}")).collect();
    format!(
        "default-src 'self'; img-src 'self' data: blob:{img}; worker-src 'self' blob:; \
style-src 'self'; script-src 'self'; connect-src 'self'{connect}; font-src 'self'; \
frame-ancestors 'none'; base-uri 'self'; form-action 'self'"
    )
}

/// Headers a browser may read from a cross-origin answer.
const EXPOSE: &str = "ETag, Content-Range, Accept-Ranges, Content-Length, Content-Crs, Content-Disposition, X-Snapshot-Version, Link";
/// Request headers a cross-origin read may send.
const ALLOW_HEADERS: &str =
    "Accept, Accept-Language, If-None-Match, If-Modified-Since, If-Range, Range";

/// The headers set on every response.
#[derive(Debug, Clone)]
pub struct SecurityHeaders {
    csp: HeaderValue,
}

impl SecurityHeaders {
    pub fn new(basemap_style_url: Option<&str>, tiles_url: Option<&str>) -> SecurityHeaders {
        let csp = content_security_policy(basemap_style_url, tiles_url);
        SecurityHeaders {
            csp: HeaderValue::from_str(&csp)
                .unwrap_or_else(|_| HeaderValue::from_static("default-src 'self'")),
        }
    }

    fn apply(&self, res: &mut HttpResponse, cors: bool) {
        let h = res.headers_mut();
        h.insert(header::CONTENT_SECURITY_POLICY, self.csp.clone());
        h.insert(
            header::X_CONTENT_TYPE_OPTIONS,
            HeaderValue::from_static("nosniff"),
        );
        h.insert(
            header::REFERRER_POLICY,
            HeaderValue::from_static("strict-origin-when-cross-origin"),
        );
        if cors {
            h.insert(
                header::ACCESS_CONTROL_ALLOW_ORIGIN,
                HeaderValue::from_static("*"),
            );
            h.insert(
                header::ACCESS_CONTROL_EXPOSE_HEADERS,
                HeaderValue::from_static(EXPOSE),
            );
        }
    }
}

/// Marks a response of a same-origin resource: it gets no CORS headers.
#[derive(Debug, Clone, Copy)]
struct SameOrigin;

/// The middleware: run the request, then set the headers on whatever comes
/// back (errors included).
pub async fn middleware(
    req: ServiceRequest,
    next: Next<impl MessageBody + 'static>,
) -> Result<ServiceResponse<BoxBody>, actix_web::Error> {
    let headers = req
        .app_data::<web::Data<SecurityHeaders>>()
        .map(|h| h.get_ref().clone())
        .unwrap_or_else(|| SecurityHeaders::new(None, None));
    let read = matches!(*req.method(), Method::GET | Method::HEAD | Method::OPTIONS);
    // Handlers' and extractors' errors arrive here as responses; an `Err`
    // would come only from a middleware inside, and gapmap's return none.
    // (The request cannot be kept for one: routing needs it unshared.)
    let mut res = next.call(req).await?.map_into_boxed_body();
    let cors = read && res.response().extensions().get::<SameOrigin>().is_none();
    headers.apply(res.response_mut(), cors);
    Ok(res)
}

/// Whether a request is a CORS preflight.
fn is_preflight(req: &HttpRequest) -> bool {
    req.method() == Method::OPTIONS
        && req
            .headers()
            .contains_key(header::ACCESS_CONTROL_REQUEST_METHOD)
}

/// `OPTIONS` on a public read resource: the preflight answer (or, without
/// `Access-Control-Request-Method`, just `Allow`).
/// The answer to OPTIONS of a public resource whose methods are `allow`:
/// `Allow` lists them all; a preflight is offered the reads only.
fn options_answer(req: &HttpRequest, allow: &str) -> HttpResponse {
    let mut r = HttpResponse::NoContent();
    r.insert_header((header::ALLOW, allow.to_owned()));
    if is_preflight(req) {
        r.insert_header((header::ACCESS_CONTROL_ALLOW_METHODS, "GET, HEAD"))
            .insert_header((header::ACCESS_CONTROL_ALLOW_HEADERS, ALLOW_HEADERS))
            .insert_header((header::ACCESS_CONTROL_MAX_AGE, "86400"));
    }
    r.finish()
}

const PUBLIC_ALLOW: &str = "GET, HEAD, OPTIONS";

/// A public read-only resource: GET and HEAD run `handler`, OPTIONS answers
/// CORS preflights, any other method is a 405 problem with `Allow`.
pub fn read_resource<F, Args>(path: &str, handler: F) -> actix_web::Resource
where
    F: actix_web::Handler<Args> + Clone,
    Args: actix_web::FromRequest + 'static,
    F::Output: actix_web::Responder + 'static,
{
    read_resource_also(path, handler, "")
}

/// A public read resource that also takes writes (`also`, e.g. `"POST"`),
/// routed by the caller: reads are open to any origin, writes are not (the
/// preflight offers only GET and HEAD, and [`crate::auth::require`] refuses
/// a write whose `Origin` is another site's).
pub fn read_resource_also<F, Args>(
    path: &str,
    handler: F,
    also: &'static str,
) -> actix_web::Resource
where
    F: actix_web::Handler<Args> + Clone,
    Args: actix_web::FromRequest + 'static,
    F::Output: actix_web::Responder + 'static,
{
    let allow = if also.is_empty() {
        PUBLIC_ALLOW.to_owned()
    } else {
        format!("GET, HEAD, {also}, OPTIONS")
    };
    let options_allow = allow.clone();
    web::resource(path)
        .route(web::get().to(handler.clone()))
        .route(web::head().to(handler))
        .route(
            web::route()
                .method(Method::OPTIONS)
                .to(move |req: HttpRequest| {
                    let allow = options_allow.clone();
                    async move { options_answer(&req, &allow) }
                }),
        )
        .default_service(web::to(move |req: HttpRequest| {
            let allow = allow.clone();
            async move {
                Err::<HttpResponse, _>(Problem::method_not_allowed(
                    req.method().as_str(),
                    req.path(),
                    &allow,
                ))
            }
        }))
}

/// A same-origin resource with the methods `allow` lists (e.g. `"POST"`),
/// each routed by the caller onto the returned resource. Cross-origin
/// requests (an `Origin` header that is not this server's public origin)
/// and preflights get a 403 problem; responses carry no CORS headers.
pub fn write_resource(
    path: &str,
    allow: &'static str,
) -> actix_web::Resource<
    impl actix_web::dev::ServiceFactory<
        ServiceRequest,
        Config = (),
        Response = ServiceResponse<BoxBody>,
        Error = actix_web::Error,
        InitError = (),
    >,
> {
    web::resource(path)
        .wrap(actix_web::middleware::from_fn(same_origin))
        .route(
            web::route()
                .method(Method::OPTIONS)
                .to(move |req: HttpRequest| async move {
                    if is_preflight(&req) {
                        return Err(Problem::new(
                            Kind::CrossOrigin,
                            format!("{} accepts requests from this site only", req.path()),
                        ));
                    }
                    Ok(HttpResponse::NoContent()
                        .insert_header((header::ALLOW, format!("{allow}, OPTIONS")))
                        .finish())
                }),
        )
        .default_service(web::to(move |req: HttpRequest| async move {
            Err::<HttpResponse, _>(Problem::method_not_allowed(
                req.method().as_str(),
                req.path(),
                &format!("{allow}, OPTIONS"),
            ))
        }))
}

/// Refuse requests from another site's pages; mark the answer same-origin.
async fn same_origin(
    req: ServiceRequest,
    next: Next<impl MessageBody + 'static>,
) -> Result<ServiceResponse<BoxBody>, actix_web::Error> {
    let foreign = req
        .headers()
        .get(header::ORIGIN)
        .and_then(|o| o.to_str().ok())
        .is_some_and(|o| !crate::links::is_own_origin(req.request(), o));
    let mut res = if foreign {
        let p = Problem::new(
            Kind::CrossOrigin,
            format!("{} accepts requests from this site only", req.path()),
        );
        req.error_response(p)
    } else {
        next.call(req).await?.map_into_boxed_body()
    };
    res.response_mut().extensions_mut().insert(SameOrigin);
    Ok(res)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn csp_adds_only_the_basemap_origin() {
        let plain = content_security_policy(None, None);
        assert!(plain.starts_with("default-src 'self'; img-src 'self' data: blob:;"));
        assert!(plain.contains("connect-src 'self';"));
        for (url, want) in [
            (
                "https://tiles.example.lv/styles/a.json",
                Some("https://tiles.example.lv"),
            ),
            (
                "http://127.0.0.1:9000/s.json",
                Some("http://127.0.0.1:9000"),
            ),
            ("/styles/local.json", None),
            ("https://evil.lv'; script-src *", None),
        ] {
            let c = content_security_policy(Some(url), None);
            match want {
                Some(o) => {
                    assert!(c.contains(&format!("connect-src 'self' {o};")), "{c}");
                    assert!(
                        c.contains(&format!("img-src 'self' data: blob: {o};")),
                        "{c}"
                    );
                }
                None => assert_eq!(c, plain, "{url}"),
            }
        }
    }

    #[test]
    fn csp_adds_the_tiles_archive_origin_to_connect_src_only() {
        let plain = content_security_policy(None, None);
        // A path on this site, or a value that is no plain origin: no change.
        for url in [
            "/files/gapmap.pmtiles",
            "https://evil.lv'; script-src */a.pmtiles",
        ] {
            assert_eq!(content_security_policy(None, Some(url)), plain, "{url}");
        }
        let c = content_security_policy(None, Some("http://127.0.0.1:9100/t/gapmap.pmtiles"));
        assert!(
            c.contains("connect-src 'self' http://127.0.0.1:9100;"),
            "{c}"
        );
        assert!(c.contains("img-src 'self' data: blob:;"), "{c}");
        // Base map and archive on one origin: named once.
        let both = content_security_policy(
            Some("https://tiles.example.lv/style.json"),
            Some("https://tiles.example.lv/gapmap.pmtiles"),
        );
        assert!(
            both.contains("connect-src 'self' https://tiles.example.lv;"),
            "{both}"
        );
        let two = content_security_policy(
            Some("https://base.example.lv/style.json"),
            Some("https://cdn.example.lv/gapmap.pmtiles"),
        );
        assert!(
            two.contains("connect-src 'self' https://base.example.lv https://cdn.example.lv;"),
            "{two}"
        );
    }
}
