//! Vector tiles, TileJSON, the MapLibre style and the PMTiles export, all
//! computed from the serving snapshot (gapmap-tiles). ETags carry the
//! snapshot version, so a tile is never stale after a change.

use crate::AppState;
use crate::problem::Problem;
use crate::query::Query;
use actix_web::http::header;
use actix_web::{HttpRequest, HttpResponse, web};
use gapmap_publish::collections::Collection;
use gapmap_tiles::TileService;
use gapmap_tiles::mercator::{MAX_ZOOM, valid_tile};
use std::sync::OnceLock;

/// One tile service per process (env `GAPMAP_TILE_CACHE=0` disables the cache).
fn service() -> &'static TileService {
    static S: OnceLock<TileService> = OnceLock::new();
    S.get_or_init(TileService::from_env)
}

fn tileset(name: &str) -> Result<Collection, Problem> {
    Collection::parse(name).ok_or_else(|| {
        Problem::not_found(format!(
            "no tileset `{name}`; tilesets: {}",
            Collection::ALL.map(|c| c.id()).join(", ")
        ))
    })
}

fn not_modified(req: &HttpRequest, etag: &str) -> bool {
    crate::cache::not_modified(req.headers(), etag)
}

use crate::cache::CACHE_CONTROL;

/// A tile coordinate as written in a canonical path: decimal digits, no
/// sign, no leading zero (`/tiles/sites/+1/…` and `/01/…` are not aliases).
fn canonical<T: std::str::FromStr + ToString>(s: &str) -> Option<T> {
    let n = s.parse::<T>().ok()?;
    (n.to_string() == s).then_some(n)
}

/// `GET /tiles/{tileset}/{z}/{x}/{y}.mvt`
#[utoipa::path(get, path = "/tiles/{tileset}/{z}/{x}/{y}.mvt", tag = "tiles",
    params(("tileset" = String, Path, description = "Tileset (one per published collection): sites, settlements, municipality, parishes, coverage, priority_zones, demand_grid, gap_grid or gap_clusters", example = "parishes"),
        ("z" = u32, Path, description = "Zoom level, 0–14", minimum = 0, maximum = 14, example = 0),
        ("x" = u32, Path, description = "Tile column, 0 to 2^z − 1, from the west (XYZ scheme)", example = 0),
        ("y" = u32, Path, description = "Tile row, 0 to 2^z − 1, from the north (XYZ scheme)", example = 0),
        ("If-None-Match" = Option<String>, Header, description = "ETag of a copy the client holds: 304 if it is still current"),
        ("Accept-Encoding" = Option<String>, Header, description = "With gzip, the tile is sent gzip-compressed (Content-Encoding: gzip)")),
    responses(
        (status = 200, description = "A Mapbox Vector Tile 2.1 with one layer named after the tileset: every feature that reaches the tile and its 64-unit buffer (none dropped); each carries its string id in `id`", content_type = "application/vnd.mapbox-vector-tile", body = crate::params::Binary,
            headers(("ETag" = String, description = "Snapshot version, tile and encoding: changes with every store revision"),
                ("Cache-Control" = String, description = "public, max-age=0, must-revalidate"),
                ("Vary" = String, description = "Accept-Encoding"),
                ("Content-Encoding" = String, description = "gzip, when the client accepts it"))),
        (status = 204, description = "No feature reaches this tile"),
        (status = 304, description = "Not modified: If-None-Match names the current ETag"),
        (status = 400, description = "A query parameter was given (tiles take none)", content_type = "application/problem+json"),
        (status = 404, description = "No such tileset, z/x/y outside the tile pyramid (z 0–14), or z/x/y not written canonically (a sign or leading zeros: no aliases, no redirect)", content_type = "application/problem+json")))]
pub async fn tile(
    req: HttpRequest,
    path: web::Path<(String, String, String, String)>,
    state: web::Data<AppState>,
) -> Result<HttpResponse, Problem> {
    Query::parse(&req, &[])?;
    let (name, z, x, y) = path.into_inner();
    let c = tileset(&name)?;
    let (Some(z), Some(x), Some(y)) = (
        canonical::<u32>(&z),
        canonical::<u64>(&x),
        canonical::<u64>(&y),
    ) else {
        return Err(Problem::not_found(format!(
            "no tile {z}/{x}/{y}: z, x and y are whole numbers written without sign or leading zeros"
        )));
    };
    if !valid_tile(z, x, y) {
        return Err(Problem::not_found(format!(
            "no tile {z}/{x}/{y}: zoom 0 to {MAX_ZOOM}, x and y from 0 to 2^z - 1"
        )));
    }
    let snap = state.live.get();
    let gz = crate::negotiate::accepts_gzip(&req);
    let etag = format!(
        "\"{}-{name}-{z}-{x}-{y}{}\"",
        snap.version,
        if gz { "-gz" } else { "" }
    );
    if not_modified(&req, &etag) {
        return Ok(HttpResponse::NotModified()
            .insert_header((header::ETAG, etag))
            .insert_header((header::CACHE_CONTROL, CACHE_CONTROL))
            .insert_header((header::VARY, "Accept-Encoding"))
            .finish());
    }
    let svc = service();
    let (z, x, y) = (z as u8, x as u32, y as u32);
    // A cached tile is answered on this thread; only a build goes to the
    // blocking pool.
    let t = match svc.cached(&snap, c, z, x, y) {
        Some(t) => t,
        None => web::block(move || svc.tile(&snap, c, z, x, y))
            .await
            .map_err(Problem::internal)?,
    };
    let mut r = HttpResponse::Ok();
    r.insert_header((header::ETAG, etag))
        .insert_header((header::CACHE_CONTROL, CACHE_CONTROL))
        .insert_header((header::VARY, "Accept-Encoding"));
    let body = if gz { &t.gzip } else { &t.raw };
    match body {
        None => Ok(HttpResponse::NoContent()
            .insert_header((header::CACHE_CONTROL, CACHE_CONTROL))
            .finish()),
        Some(b) => {
            r.content_type("application/vnd.mapbox-vector-tile");
            if gz {
                r.insert_header((header::CONTENT_ENCODING, "gzip"));
            }
            Ok(r.body(b.clone()))
        }
    }
}

/// `GET /tiles/{tileset}.json`: TileJSON 3.0.0.
#[utoipa::path(get, path = "/tiles/{tileset}.json", tag = "tiles",
    params(("tileset" = String, Path, description = "Tileset (one per published collection): sites, settlements, municipality, parishes, coverage, priority_zones, demand_grid, gap_grid or gap_clusters", example = "parishes")),
    responses(
        (status = 200, description = "TileJSON 3.0.0 of the tileset: tile URL template, zooms 0–14, bounds, attribution, the layer's fields, feature count (no feature limit)", content_type = "application/json",
            headers(("Cache-Control" = String, description = "public, max-age=0, must-revalidate"))),
        (status = 400, description = "A query parameter was given (TileJSON takes none)", content_type = "application/problem+json"),
        (status = 404, description = "No such tileset", content_type = "application/problem+json")))]
pub async fn tilejson(
    req: HttpRequest,
    path: web::Path<String>,
    state: web::Data<AppState>,
) -> Result<HttpResponse, Problem> {
    Query::parse(&req, &[])?;
    let c = tileset(&path.into_inner())?;
    let snap = state.live.get();
    let base = crate::links::base(&req);
    let doc = web::block(move || {
        let p = service().prepared(&snap);
        gapmap_tiles::tilejson(&p, c, &base)
    })
    .await
    .map_err(Problem::internal)?;
    Ok(HttpResponse::Ok()
        .insert_header((header::CACHE_CONTROL, CACHE_CONTROL))
        .json(doc))
}

/// `GET /styles/{name}.json`: the MapLibre style. `?tiles=archive`: the
/// same style reading its vector tiles from the PMTiles archive of
/// `[web] tiles_url` (the public map's), 404 when none is configured.
#[utoipa::path(get, path = "/styles/{name}.json", tag = "tiles",
    params(("name" = String, Path, description = "Style name: gapmap", example = "gapmap"),
        ("tiles" = inline(Option<crate::params::StyleTiles>), Query, description = "Where the vector tiles come from: `server` (default: this server's /tiles/{id}.json, one source per tileset) or `archive` (the PMTiles archive configured as [web] tiles_url, one `pmtiles://` source holding every tileset; for MapLibre GL JS with the PMTiles protocol)", example = "server")),
    responses(
        (status = 200, description = "A MapLibre GL style (version 8) over every tileset, with local glyphs and sprites only; Latvian labels", content_type = "application/json",
            headers(("Cache-Control" = String, description = "public, max-age=0, must-revalidate"))),
        (status = 400, description = "An unknown query parameter, or `tiles` other than server or archive", content_type = "application/problem+json"),
        (status = 404, description = "No such style, or `tiles=archive` while no [web] tiles_url is configured", content_type = "application/problem+json")))]
pub async fn style(
    req: HttpRequest,
    path: web::Path<String>,
    state: web::Data<AppState>,
) -> Result<HttpResponse, Problem> {
    let q = Query::parse(&req, &["tiles"])?;
    let name = path.into_inner();
    if !gapmap_tiles::style::STYLES.contains(&name.as_str()) {
        return Err(Problem::not_found(format!(
            "no style `{name}`; styles: {}",
            gapmap_tiles::style::STYLES.join(", ")
        )));
    }
    let base = crate::links::base(&req);
    let archive = match q.str("tiles") {
        None | Some("server") => None,
        Some("archive") => Some(state.config.web.tiles_archive(&base).ok_or_else(|| {
            Problem::not_found(
                "no tiles archive is configured ([web] tiles_url); leave out `tiles` for this server's tiles",
            )
        })?),
        Some(other) => {
            return Err(Problem::invalid(
                "tiles",
                format!("`tiles` must be server or archive, not `{other}`"),
            ));
        }
    };
    let tiles = archive.as_deref().map_or(
        gapmap_tiles::style::Tiles::Server,
        gapmap_tiles::style::Tiles::Archive,
    );
    let snap = state.live.get();
    Ok(HttpResponse::Ok()
        .insert_header((header::CACHE_CONTROL, CACHE_CONTROL))
        .json(gapmap_tiles::style::style(
            &base,
            &snap.version,
            crate::pages::assets::assets(&state).url("glyphs"),
            &crate::pages::map::parish_label_points(&snap),
            &crate::pages::map::place_points(&snap),
            tiles,
        )))
}

/// `GET /export/tiles.pmtiles`: PMTiles v3 of every tileset, z0–z14.
#[utoipa::path(get, path = "/export/tiles.pmtiles", tag = "exports",
    params(("If-None-Match" = Option<String>, Header, description = "ETag of a copy the client holds: 304 if it is still current"),
        ("Range" = Option<String>, Header, description = "One byte range, `bytes=first-last`, `bytes=first-` or `bytes=-suffix` (how PMTiles clients read an archive); several ranges get the whole archive"),
        ("If-Range" = Option<String>, Header, description = "The ETag the client's earlier ranges came from: the range is served only while it is current, else the whole archive")),
    responses(
        (status = 200, description = "PMTiles v3 archive of every tileset (one MVT layer each), z0–z14, gzip-compressed tiles; the metadata name the snapshot version and attribution. `gapmap export --format pmtiles` writes the same archive", content_type = "application/vnd.pmtiles", body = crate::params::Binary,
            headers(("ETag" = String, description = "Snapshot version: changes with every store revision"),
                ("Accept-Ranges" = String, description = "bytes"),
                ("Cache-Control" = String, description = "public, max-age=0, must-revalidate"),
                ("Content-Disposition" = String, description = "attachment; filename=\"gapmap-tiles.pmtiles\""))),
        (status = 206, description = "The byte range asked for", content_type = "application/vnd.pmtiles", body = crate::params::Binary,
            headers(("Content-Range" = String, description = "bytes first-last/length"), ("ETag" = String, description = "As for 200"))),
        (status = 304, description = "Not modified: If-None-Match names the current ETag"),
        (status = 400, description = "A query parameter was given (the archive takes none)", content_type = "application/problem+json"),
        (status = 416, description = "The range starts past the end of the archive (Content-Range: bytes */length)", content_type = "application/problem+json")))]
pub async fn pmtiles(
    req: HttpRequest,
    state: web::Data<AppState>,
) -> Result<HttpResponse, Problem> {
    Query::parse(&req, &[])?;
    let snap = state.live.get();
    let etag = format!("\"{}-pmtiles\"", snap.version);
    if not_modified(&req, &etag) {
        return Ok(crate::cache::not_modified_response(&etag, None));
    }
    let bytes = web::block(move || service().pmtiles(&snap))
        .await
        .map_err(Problem::internal)?
        .map_err(Problem::internal)?;
    let mut r = HttpResponse::Ok();
    r.content_type("application/vnd.pmtiles")
        .insert_header((header::CACHE_CONTROL, CACHE_CONTROL))
        .insert_header((
            header::CONTENT_DISPOSITION,
            "attachment; filename=\"gapmap-tiles.pmtiles\"",
        ));
    crate::ranges::bytes(&req, &etag, &web::Bytes::from_owner(Shared(bytes)), r)
}

/// The cached archive, shared with the response without a copy.
struct Shared(std::sync::Arc<Vec<u8>>);
impl AsRef<[u8]> for Shared {
    fn as_ref(&self) -> &[u8] {
        &self.0
    }
}
