//! ESRI Shapefile reader: a zipped Shapefile (how VZD and others ship
//! boundaries) or a bare `.shp` with its `.dbf` beside it.
//!
//! - The zip is extracted into a private temporary directory, removed after
//!   reading. When it holds several `.shp`, the one named like the layer
//!   (`--layer areas` → `areas.shp`) is read, else the user must choose.
//! - The CRS comes from the `.prj`: LKS-92 / Latvia TM → EPSG:3059, plain
//!   WGS 84 → EPSG:4326, ETRS89 LAEA → EPSG:3035, Web Mercator → EPSG:3857,
//!   else an `AUTHORITY["EPSG",…]`; otherwise `--crs` is needed.
//! - Shapes are read with the `shapefile` crate. Attributes are read from the
//!   `.dbf` here, as text, because the `dbase` crate (without optional
//!   features) cannot decode Windows-1257, the code page of many Latvian
//!   files: the `.cpg` says UTF-8 or 1257; with no `.cpg`, UTF-8 is tried and
//!   Windows-1257 used (with a warning) when the bytes are not UTF-8.
//! - Polygon rings are assembled into a MultiPolygon: outer rings are
//!   clockwise in a Shapefile and holes counter-clockwise; each hole goes to
//!   the smallest outer ring containing it.

use super::problem::{Location, Severity};
use super::{Emit, IngestError, RawFeature, ReadContext};
use gapmap_geo::crs::{LAEA, LKS92, WEB_MERCATOR, WGS84};
use geo::{Area, Contains};
use geo_types::{
    Coord, Geometry, LineString, MultiLineString, MultiPoint, MultiPolygon, Point, Polygon,
};
use serde_json::{Map, Value};
use shapefile::record::traits::HasXY;
use shapefile::{PolygonRing, Shape, ShapeReader};
use std::fs::File;
use std::io::{BufReader, Read, Seek, SeekFrom};
use std::path::{Path, PathBuf};

/// A temporary directory removed when dropped.
#[derive(Debug)]
struct TempDir(PathBuf);

impl TempDir {
    fn new() -> std::io::Result<TempDir> {
        use std::sync::atomic::{AtomicU64, Ordering};
        static COUNTER: AtomicU64 = AtomicU64::new(0);
        let nanos = std::time::SystemTime::now()
            .duration_since(std::time::UNIX_EPOCH)
            .map(|d| d.as_nanos())
            .unwrap_or(0);
        let n = COUNTER.fetch_add(1, Ordering::Relaxed);
        let dir =
            std::env::temp_dir().join(format!("gapmap-shp-{}-{nanos}-{n}", std::process::id()));
        std::fs::create_dir(&dir)?;
        Ok(TempDir(dir))
    }
}

impl Drop for TempDir {
    fn drop(&mut self) {
        let _ = std::fs::remove_dir_all(&self.0);
    }
}

/// The file extensions a Shapefile is made of (others in a zip are ignored).
const PARTS: &[&str] = &["shp", "shx", "dbf", "prj", "cpg"];

fn ext_of(p: &Path) -> String {
    p.extension()
        .map(|e| e.to_string_lossy().to_ascii_lowercase())
        .unwrap_or_default()
}

/// Read a zipped Shapefile or a bare `.shp`; see the module documentation.
pub fn read(path: &Path, ctx: &mut ReadContext, emit: &mut Emit) -> Result<(), IngestError> {
    let _temp;
    let shp_files: Vec<PathBuf> = if ext_of(path) == "zip" {
        let dir = TempDir::new().map_err(|e| ctx.io_error(e))?;
        let Some(found) = extract_zip(path, &dir.0, ctx)? else {
            return Ok(());
        };
        _temp = dir;
        found
    } else {
        vec![path.to_owned()]
    };
    let shp = match shp_files.len() {
        0 => {
            ctx.problems.push(ctx.at(Location::File).error(
                None,
                "the zip holds no .shp file",
                Some("a zipped Shapefile has at least name.shp, name.shx and name.dbf".into()),
            ));
            return Ok(());
        }
        1 => shp_files[0].clone(),
        _ => {
            let wanted = ctx.opts.layer.map(|l| l.name().to_owned());
            let stem = |p: &PathBuf| {
                p.file_stem()
                    .map(|s| s.to_string_lossy().to_lowercase())
                    .unwrap_or_default()
            };
            match shp_files.iter().find(|p| Some(stem(p)) == wanted) {
                Some(p) => p.clone(),
                None => {
                    let names: Vec<String> = shp_files
                        .iter()
                        .map(|p| {
                            p.file_name()
                                .unwrap_or_default()
                                .to_string_lossy()
                                .into_owned()
                        })
                        .collect();
                    return Err(IngestError::Usage(format!(
                        "{}: holds several Shapefiles ({}); pass --layer naming one of them (the .shp named like the layer is read)",
                        ctx.file,
                        names.join(", ")
                    )));
                }
            }
        }
    };
    read_shp(&shp, ctx, emit)
}

/// Extract the Shapefile parts of a zip into `dir`; the `.shp` files found,
/// sorted, or `None` when the zip cannot be read (a problem is reported).
fn extract_zip(
    path: &Path,
    dir: &Path,
    ctx: &mut ReadContext,
) -> Result<Option<Vec<PathBuf>>, IngestError> {
    let file = File::open(path).map_err(|e| ctx.io_error(e))?;
    let mut zip = match zip::ZipArchive::new(BufReader::new(file)) {
        Ok(z) => z,
        Err(e) => {
            ctx.problems.push(ctx.at(Location::File).error(
                None,
                format!("not a readable zip: {e}"),
                Some("a zipped Shapefile (.zip holding .shp, .shx, .dbf, .prj)".into()),
            ));
            return Ok(None);
        }
    };
    let mut shps = Vec::new();
    for i in 0..zip.len() {
        let mut entry = match zip.by_index(i) {
            Ok(e) => e,
            Err(e) => {
                ctx.problems.push(ctx.at(Location::File).error(
                    None,
                    format!("zip entry {i} cannot be read: {e}"),
                    None,
                ));
                return Ok(None);
            }
        };
        // enclosed_name refuses absolute paths and `..` (no writing outside dir).
        let Some(name) = entry.enclosed_name() else {
            continue;
        };
        if entry.is_dir()
            || !PARTS.contains(&ext_of(&name).as_str())
            || name.components().any(|c| c.as_os_str() == "__MACOSX")
        {
            continue;
        }
        let out = dir.join(&name);
        if let Some(parent) = out.parent() {
            std::fs::create_dir_all(parent).map_err(|e| ctx.io_error(e))?;
        }
        let mut f = File::create(&out).map_err(|e| ctx.io_error(e))?;
        if let Err(e) = std::io::copy(&mut entry, &mut f) {
            ctx.problems.push(ctx.at(Location::File).error(
                None,
                format!("zip entry {} cannot be extracted: {e}", name.display()),
                None,
            ));
            return Ok(None);
        }
        if ext_of(&out) == "shp" {
            shps.push(out);
        }
    }
    shps.sort();
    Ok(Some(shps))
}

/// A sibling of `shp` with the same stem and extension `ext` in any case.
fn sibling(shp: &Path, ext: &str) -> Option<PathBuf> {
    let stem = shp.file_stem()?;
    let dir = shp
        .parent()
        .filter(|d| !d.as_os_str().is_empty())
        .unwrap_or(Path::new("."));
    std::fs::read_dir(dir)
        .ok()?
        .filter_map(Result::ok)
        .map(|e| e.path())
        .find(|p| p.file_stem() == Some(stem) && ext_of(p) == ext)
}

/// The EPSG code a `.prj` (ESRI WKT) describes, when gapmap recognises it.
pub fn crs_from_prj(wkt: &str) -> Option<u16> {
    let up = wkt.to_ascii_uppercase();
    let projected = up.trim_start().starts_with("PROJCS") || up.trim_start().starts_with("PROJCRS");
    if up.contains("LKS") || up.contains("LATVIA_1992") || up.contains("LATVIA 1992") {
        return Some(LKS92);
    }
    if projected
        && (up.contains("LAEA") || up.contains("LAMBERT_AZIMUTHAL_EQUAL_AREA"))
        && up.contains("ETRS")
    {
        return Some(LAEA);
    }
    if projected
        && (up.contains("WEB_MERCATOR")
            || up.contains("PSEUDO-MERCATOR")
            || up.contains("PSEUDO_MERCATOR"))
    {
        return Some(WEB_MERCATOR);
    }
    if !projected && up.contains("WGS") && up.contains("84") {
        return Some(WGS84);
    }
    // The last AUTHORITY of a WKT1 string is the top-level one.
    let at = up.rfind("AUTHORITY[\"EPSG\",")?;
    let rest = &up[at + "AUTHORITY[\"EPSG\",".len()..];
    rest.trim_start()
        .trim_start_matches('"')
        .split(|c: char| !c.is_ascii_digit())
        .next()?
        .parse()
        .ok()
}

/// How the `.dbf` text is encoded.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum TextEncoding {
    Utf8,
    Windows1257,
    /// No `.cpg`: UTF-8 when valid, else Windows-1257.
    Guess,
}

fn encoding_from_cpg(label: &str) -> Option<TextEncoding> {
    let l = label
        .trim()
        .trim_start_matches('\u{feff}')
        .to_ascii_uppercase()
        .replace(['-', '_', ' '], "");
    match l.as_str() {
        "UTF8" | "65001" => Some(TextEncoding::Utf8),
        "1257" | "CP1257" | "WINDOWS1257" | "ANSI1257" => Some(TextEncoding::Windows1257),
        _ => None,
    }
}

/// Windows-1257 (Baltic) bytes 0x80..=0xFF; U+FFFD where undefined.
const CP1257_HIGH: [char; 128] = [
    '\u{20ac}', '\u{fffd}', '\u{201a}', '\u{fffd}', '\u{201e}', '\u{2026}', '\u{2020}', '\u{2021}',
    '\u{fffd}', '\u{2030}', '\u{fffd}', '\u{2039}', '\u{fffd}', '\u{00a8}', '\u{02c7}', '\u{00b8}',
    '\u{fffd}', '\u{2018}', '\u{2019}', '\u{201c}', '\u{201d}', '\u{2022}', '\u{2013}', '\u{2014}',
    '\u{fffd}', '\u{2122}', '\u{fffd}', '\u{203a}', '\u{fffd}', '\u{00af}', '\u{02db}', '\u{fffd}',
    '\u{00a0}', '\u{fffd}', '\u{00a2}', '\u{00a3}', '\u{00a4}', '\u{fffd}', '\u{00a6}', '\u{00a7}',
    '\u{00d8}', '\u{00a9}', '\u{0156}', '\u{00ab}', '\u{00ac}', '\u{00ad}', '\u{00ae}', '\u{00c6}',
    '\u{00b0}', '\u{00b1}', '\u{00b2}', '\u{00b3}', '\u{00b4}', '\u{00b5}', '\u{00b6}', '\u{00b7}',
    '\u{00f8}', '\u{00b9}', '\u{0157}', '\u{00bb}', '\u{00bc}', '\u{00bd}', '\u{00be}', '\u{00e6}',
    '\u{0104}', '\u{012e}', '\u{0100}', '\u{0106}', '\u{00c4}', '\u{00c5}', '\u{0118}', '\u{0112}',
    '\u{010c}', '\u{00c9}', '\u{0179}', '\u{0116}', '\u{0122}', '\u{0136}', '\u{012a}', '\u{013b}',
    '\u{0160}', '\u{0143}', '\u{0145}', '\u{00d3}', '\u{014c}', '\u{00d5}', '\u{00d6}', '\u{00d7}',
    '\u{0172}', '\u{0141}', '\u{015a}', '\u{016a}', '\u{00dc}', '\u{017b}', '\u{017d}', '\u{00df}',
    '\u{0105}', '\u{012f}', '\u{0101}', '\u{0107}', '\u{00e4}', '\u{00e5}', '\u{0119}', '\u{0113}',
    '\u{010d}', '\u{00e9}', '\u{017a}', '\u{0117}', '\u{0123}', '\u{0137}', '\u{012b}', '\u{013c}',
    '\u{0161}', '\u{0144}', '\u{0146}', '\u{00f3}', '\u{014d}', '\u{00f5}', '\u{00f6}', '\u{00f7}',
    '\u{0173}', '\u{0142}', '\u{015b}', '\u{016b}', '\u{00fc}', '\u{017c}', '\u{017e}', '\u{02d9}',
];

fn decode_1257(bytes: &[u8]) -> String {
    bytes
        .iter()
        .map(|&b| {
            if b < 0x80 {
                char::from(b)
            } else {
                CP1257_HIGH[usize::from(b - 0x80)]
            }
        })
        .collect()
}

/// One `.dbf` field descriptor.
#[derive(Debug, Clone)]
struct DbfField {
    /// Lower-cased name.
    name: String,
    kind: u8,
    len: usize,
}

/// A streaming `.dbf` reader yielding each record's raw field bytes.
#[derive(Debug)]
struct Dbf {
    reader: BufReader<File>,
    fields: Vec<DbfField>,
    record_len: usize,
    records: u32,
    next: u32,
}

impl Dbf {
    fn open(path: &Path) -> Result<Dbf, String> {
        let mut reader = BufReader::new(File::open(path).map_err(|e| e.to_string())?);
        let mut head = [0u8; 32];
        reader
            .read_exact(&mut head)
            .map_err(|e| format!("header: {e}"))?;
        let records = u32::from_le_bytes([head[4], head[5], head[6], head[7]]);
        let header_len = usize::from(u16::from_le_bytes([head[8], head[9]]));
        let record_len = usize::from(u16::from_le_bytes([head[10], head[11]]));
        let mut fields = Vec::new();
        let mut pos = 32;
        let mut total = 1; // the deletion flag
        while pos + 32 <= header_len {
            let mut d = [0u8; 32];
            reader
                .read_exact(&mut d[..1])
                .map_err(|e| format!("field descriptors: {e}"))?;
            if d[0] == 0x0D {
                break;
            }
            reader
                .read_exact(&mut d[1..])
                .map_err(|e| format!("field descriptors: {e}"))?;
            let name_end = d[..11].iter().position(|b| *b == 0).unwrap_or(11);
            let name = String::from_utf8_lossy(&d[..name_end])
                .trim()
                .to_lowercase();
            let len = usize::from(d[16]);
            total += len;
            fields.push(DbfField {
                name,
                kind: d[11],
                len,
            });
            pos += 32;
        }
        if total > record_len {
            return Err(format!(
                "the fields take {total} bytes but a record has {record_len}"
            ));
        }
        reader
            .seek(SeekFrom::Start(header_len as u64))
            .map_err(|e| e.to_string())?;
        Ok(Dbf {
            reader,
            fields,
            record_len,
            records,
            next: 0,
        })
    }

    /// The next record: `Some((deleted, bytes))`, `None` at the end.
    fn next_record(&mut self, buf: &mut Vec<u8>) -> Option<Result<bool, String>> {
        if self.next >= self.records {
            return None;
        }
        self.next += 1;
        buf.resize(self.record_len, 0);
        Some(
            self.reader
                .read_exact(buf)
                .map(|()| buf[0] == b'*')
                .map_err(|e| format!("record {}: {e}", self.next)),
        )
    }
}

fn to_xy<P: HasXY>(p: &P) -> Coord<f64> {
    Coord { x: p.x(), y: p.y() }
}

/// Shapefile polygon rings → MultiPolygon: outer rings (clockwise) each
/// become a polygon; each hole (counter-clockwise) goes to the smallest outer
/// ring containing it; a hole inside no outer ring becomes a polygon itself.
pub fn assemble_polygon<P: HasXY>(rings: &[PolygonRing<P>]) -> MultiPolygon<f64> {
    let line = |pts: &[P]| LineString(pts.iter().map(to_xy).collect());
    let mut outers: Vec<(Polygon<f64>, f64)> = Vec::new();
    let mut holes: Vec<LineString<f64>> = Vec::new();
    for ring in rings {
        match ring {
            PolygonRing::Outer(pts) => {
                let p = Polygon::new(line(pts), vec![]);
                let area = p.unsigned_area();
                outers.push((p, area));
            }
            PolygonRing::Inner(pts) => holes.push(line(pts)),
        }
    }
    let mut orphans = Vec::new();
    let mut assigned: Vec<Vec<LineString<f64>>> = vec![Vec::new(); outers.len()];
    for hole in holes {
        let inside = |outer: &Polygon<f64>| hole.0.iter().any(|c| outer.contains(&Point(*c)));
        let best = outers
            .iter()
            .enumerate()
            .filter(|(_, (o, _))| inside(o))
            .min_by(|a, b| a.1.1.total_cmp(&b.1.1))
            .map(|(i, _)| i);
        match best {
            Some(i) => assigned[i].push(hole),
            None => orphans.push(Polygon::new(hole, vec![])),
        }
    }
    let mut polys: Vec<Polygon<f64>> = outers
        .into_iter()
        .zip(assigned)
        .map(|((p, _), interiors)| Polygon::new(p.into_inner().0, interiors))
        .collect();
    polys.extend(orphans);
    MultiPolygon(polys)
}

fn shape_geometry(shape: Shape) -> Option<Geometry<f64>> {
    let points = |pts: Vec<Coord<f64>>| {
        Geometry::MultiPoint(MultiPoint(pts.into_iter().map(Point).collect()))
    };
    let lines = |parts: Vec<Vec<Coord<f64>>>| {
        Geometry::MultiLineString(MultiLineString(parts.into_iter().map(LineString).collect()))
    };
    Some(match shape {
        Shape::NullShape => return None,
        Shape::Point(p) => Geometry::Point(Point(to_xy(&p))),
        Shape::PointM(p) => Geometry::Point(Point(to_xy(&p))),
        Shape::PointZ(p) => Geometry::Point(Point(to_xy(&p))),
        Shape::Multipoint(m) => points(m.points().iter().map(to_xy).collect()),
        Shape::MultipointM(m) => points(m.points().iter().map(to_xy).collect()),
        Shape::MultipointZ(m) => points(m.points().iter().map(to_xy).collect()),
        Shape::Polyline(l) => lines(
            l.parts()
                .iter()
                .map(|p| p.iter().map(to_xy).collect())
                .collect(),
        ),
        Shape::PolylineM(l) => lines(
            l.parts()
                .iter()
                .map(|p| p.iter().map(to_xy).collect())
                .collect(),
        ),
        Shape::PolylineZ(l) => lines(
            l.parts()
                .iter()
                .map(|p| p.iter().map(to_xy).collect())
                .collect(),
        ),
        Shape::Polygon(p) => Geometry::MultiPolygon(assemble_polygon(p.rings())),
        Shape::PolygonM(p) => Geometry::MultiPolygon(assemble_polygon(p.rings())),
        Shape::PolygonZ(p) => Geometry::MultiPolygon(assemble_polygon(p.rings())),
        Shape::Multipatch(m) => Geometry::MultiPolygon(MultiPolygon(
            m.patches()
                .iter()
                .map(|patch| {
                    Polygon::new(
                        LineString(patch.points().iter().map(to_xy).collect()),
                        vec![],
                    )
                })
                .collect(),
        )),
    })
}

/// A `.dbf` value as the text a CSV would hold: trimmed; dates `YYYYMMDD` as
/// `YYYY-MM-DD`; logicals as `true`/`false`; `*`-filled numbers as empty.
fn field_text(kind: u8, raw: &str) -> String {
    let t = raw.trim();
    match kind {
        b'D' if t.len() == 8 && t.bytes().all(|b| b.is_ascii_digit()) => {
            format!("{}-{}-{}", &t[..4], &t[4..6], &t[6..])
        }
        b'L' => match t {
            "T" | "t" | "Y" | "y" => "true".into(),
            "F" | "f" | "N" | "n" => "false".into(),
            _ => String::new(),
        },
        b'N' | b'F' if t.bytes().all(|b| b == b'*') => String::new(),
        _ => t.to_owned(),
    }
}

/// The name of a file, for messages.
fn file_name(p: &Path) -> String {
    p.file_name()
        .map(|n| n.to_string_lossy().into_owned())
        .unwrap_or_default()
}

fn read_shp(shp: &Path, ctx: &mut ReadContext, emit: &mut Emit) -> Result<(), IngestError> {
    let table = file_name(shp);
    let Some(dbf_path) = sibling(shp, "dbf") else {
        ctx.problems.push(ctx.at(Location::File).error(
            None,
            format!("{table} has no .dbf beside it"),
            Some("a Shapefile needs name.shp, name.shx and name.dbf together".into()),
        ));
        return Ok(());
    };
    if !ctx.crs_given && !take_crs(shp, &table, ctx)? {
        return Ok(());
    }
    let mut decoder = Decoder {
        encoding: encoding(shp, ctx)?,
        guessed_1257: false,
    };
    let mut shapes = match ShapeReader::from_path(shp) {
        Ok(r) => r,
        Err(e) => {
            ctx.problems.push(ctx.at(Location::File).error(
                Some("geometry"),
                format!("{table} cannot be read: {e}"),
                None,
            ));
            return Ok(());
        }
    };
    let mut dbf = match Dbf::open(&dbf_path) {
        Ok(d) => d,
        Err(e) => {
            ctx.problems.push(ctx.at(Location::File).error(
                None,
                format!("the .dbf of {table} cannot be read: {e}"),
                None,
            ));
            return Ok(());
        }
    };
    let fields = dbf.fields.clone();
    let mut buf = Vec::new();
    let mut shape_iter = shapes.iter_shapes();
    let mut row: u64 = 0;
    while let Some((shape, deleted)) =
        next_record(&mut shape_iter, &mut dbf, &mut buf, &table, &mut row, ctx)
    {
        if deleted {
            continue;
        }
        let location = Location::Row {
            table: table.clone(),
            row,
        };
        let (id, props) = record_props(&fields, &buf, &mut decoder, &location, ctx);
        emit(
            RawFeature::row(location, id, shape_geometry(shape), props),
            ctx,
        );
    }
    if decoder.guessed_1257 {
        let p = ctx.at(Location::File).problem(
            Severity::Warning,
            None,
            format!(
                "{table} has no .cpg and its text is not UTF-8; read it as Windows-1257 (Baltic)"
            ),
            Some("add a .cpg file saying UTF-8 or 1257".into()),
        );
        ctx.problems.push(p);
    }
    Ok(())
}

/// Take the CRS from the `.prj` beside `shp`; false (with a problem
/// reported) when there is none or it is not recognised.
fn take_crs(shp: &Path, table: &str, ctx: &mut ReadContext) -> Result<bool, IngestError> {
    let Some(prj) = sibling(shp, "prj") else {
        ctx.problems.push(ctx.at(Location::File).error(
            Some("crs"),
            format!("{table} has no .prj, so its CRS is unknown"),
            Some("pass --crs EPSG:n, e.g. --crs EPSG:3059 for LKS-92 / Latvia TM".into()),
        ));
        return Ok(false);
    };
    let name = file_name(&prj);
    let text = std::fs::read(&prj).map_err(|e| ctx.io_error(e))?;
    let text = String::from_utf8_lossy(&text);
    match crs_from_prj(&text) {
        Some(code) => ctx.crs = code,
        None => {
            let short: String = text.chars().take(80).collect();
            ctx.problems.push(ctx.at(Location::File).error(
                Some("crs"),
                format!("cannot tell the CRS from {name} ({short}…)"),
                Some("pass --crs EPSG:n, e.g. --crs EPSG:3059 for LKS-92 / Latvia TM".into()),
            ));
            return Ok(false);
        }
    }
    Ok(true)
}

/// The encoding of the `.dbf` text as the `.cpg` beside `shp` says; a guess
/// when there is none, or (with a warning) when it names another code page.
fn encoding(shp: &Path, ctx: &mut ReadContext) -> Result<TextEncoding, IngestError> {
    let Some(cpg) = sibling(shp, "cpg") else {
        return Ok(TextEncoding::Guess);
    };
    let label = std::fs::read(&cpg).map_err(|e| ctx.io_error(e))?;
    let label = String::from_utf8_lossy(&label);
    Ok(match encoding_from_cpg(&label) {
        Some(e) => e,
        None => {
            let p = ctx.at(Location::File).problem(
                Severity::Warning,
                None,
                format!("code page `{}` in the .cpg is not supported; reading the text as UTF-8, else Windows-1257", label.trim()),
                Some("gapmap reads UTF-8 and Windows-1257 .dbf text".into()),
            );
            ctx.problems.push(p);
            TextEncoding::Guess
        }
    })
}

/// The next shape and `.dbf` record (whether it is deleted; its bytes in
/// `buf`), counting `row`; `None` at the end, or (with a problem reported)
/// when the two files disagree or either cannot be read.
fn next_record(
    shapes: &mut impl Iterator<Item = Result<Shape, shapefile::Error>>,
    dbf: &mut Dbf,
    buf: &mut Vec<u8>,
    table: &str,
    row: &mut u64,
    ctx: &mut ReadContext,
) -> Option<(Shape, bool)> {
    let shape = shapes.next();
    let record = dbf.next_record(buf);
    let (shape, record) = match (shape, record) {
        (None, None) => return None,
        (Some(s), Some(r)) => (s, r),
        (s, _) => {
            let (more, less) = if s.is_some() {
                (".shp", ".dbf")
            } else {
                (".dbf", ".shp")
            };
            ctx.problems.push(
                ctx.at(Location::Row {
                    table: table.to_owned(),
                    row: *row + 1,
                })
                .error(
                    None,
                    format!("the {more} has more records than the {less} ({row} read)"),
                    Some("the .shp and .dbf must come from the same export".into()),
                ),
            );
            return None;
        }
    };
    *row += 1;
    let location = Location::Row {
        table: table.to_owned(),
        row: *row,
    };
    let deleted = match record {
        Ok(d) => d,
        Err(e) => {
            ctx.problems.push(ctx.at(location).error(
                None,
                format!("the .dbf cannot be read: {e}"),
                None,
            ));
            return None;
        }
    };
    match shape {
        Ok(s) => Some((s, deleted)),
        Err(e) => {
            ctx.problems.push(ctx.at(location).error(
                Some("geometry"),
                format!("the shape cannot be read: {e}"),
                None,
            ));
            None
        }
    }
}

/// Decodes `.dbf` text in the encoding the `.cpg` gave, and remembers
/// whether a guess fell back to Windows-1257.
#[derive(Debug)]
struct Decoder {
    encoding: TextEncoding,
    guessed_1257: bool,
}

impl Decoder {
    /// The text of one field; `Err` with the text read lossily when it is
    /// not the UTF-8 the `.cpg` promised.
    fn decode(&mut self, bytes: &[u8]) -> Result<String, String> {
        match self.encoding {
            TextEncoding::Utf8 => match std::str::from_utf8(bytes) {
                Ok(s) => Ok(s.to_owned()),
                Err(_) => Err(String::from_utf8_lossy(bytes).into_owned()),
            },
            TextEncoding::Windows1257 => Ok(decode_1257(bytes)),
            TextEncoding::Guess => match std::str::from_utf8(bytes) {
                Ok(s) => Ok(s.to_owned()),
                Err(_) => {
                    self.guessed_1257 = true;
                    Ok(decode_1257(bytes))
                }
            },
        }
    }
}

/// The id and properties of the `.dbf` record in `buf`, every field as
/// text; a field that is not the UTF-8 the `.cpg` promised is reported.
fn record_props(
    fields: &[DbfField],
    buf: &[u8],
    decoder: &mut Decoder,
    location: &Location,
    ctx: &mut ReadContext,
) -> (Option<String>, Map<String, Value>) {
    let mut props = Map::new();
    let mut id = None;
    let mut off = 1;
    for f in fields {
        let bytes = &buf[off..off + f.len];
        off += f.len;
        let text = decoder.decode(bytes).unwrap_or_else(|lossy| {
            ctx.problems.push(ctx.at(location.clone()).error(
                Some(&f.name),
                "the text is not UTF-8, although the .cpg says so",
                Some("fix the .cpg (e.g. 1257 for Windows-1257)".into()),
            ));
            lossy
        });
        let value = field_text(f.kind, &text);
        if f.name == "id" {
            id = Some(value).filter(|s| !s.is_empty());
        } else if !f.name.is_empty() {
            props.insert(f.name.clone(), Value::String(value));
        }
    }
    (id, props)
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::problem::{Problem, Problems};
    use crate::{DefaultProvenance, Format, Options, read_to_vec};
    use chrono::NaiveDate;
    use gapmap_model::{Layer, Record, Source};
    use shapefile::dbase::{FieldName, FieldValue, TableWriterBuilder};
    use std::io::Write;

    type TestResult = Result<(), Box<dyn std::error::Error>>;
    /// Files to zip: (name in the zip, bytes).
    type Parts = Vec<(String, Vec<u8>)>;

    const LKS92_PRJ: &str = r#"PROJCS["LKS_1992_Latvia_TM",GEOGCS["GCS_LKS_1992",DATUM["D_Latvia_1992",SPHEROID["GRS_1980",6378137.0,298.257222101]],PRIMEM["Greenwich",0.0],UNIT["Degree",0.0174532925199433]],PROJECTION["Transverse_Mercator"],PARAMETER["False_Easting",500000.0],PARAMETER["False_Northing",-6000000.0],PARAMETER["Central_Meridian",24.0],PARAMETER["Scale_Factor",0.9996],PARAMETER["Latitude_Of_Origin",0.0],UNIT["Meter",1.0]]"#;
    const WGS84_PRJ: &str = r#"GEOGCS["GCS_WGS_1984",DATUM["D_WGS_1984",SPHEROID["WGS_1984",6378137.0,298.257223563]],PRIMEM["Greenwich",0.0],UNIT["Degree",0.0174532925199433]]"#;
    const LAEA_PRJ: &str = r#"PROJCS["ETRS_1989_LAEA",GEOGCS["GCS_ETRS_1989",DATUM["D_ETRS_1989",SPHEROID["GRS_1980",6378137.0,298.257222101]],PRIMEM["Greenwich",0.0],UNIT["Degree",0.0174532925199433]],PROJECTION["Lambert_Azimuthal_Equal_Area"],PARAMETER["False_Easting",4321000.0],PARAMETER["False_Northing",3210000.0],PARAMETER["Central_Meridian",10.0],PARAMETER["Latitude_Of_Origin",52.0],UNIT["Meter",1.0]]"#;

    fn opts(layer: Option<Layer>) -> Options {
        Options {
            layer,
            format: Some(Format::Shp),
            provenance: DefaultProvenance {
                source: Some(Source::Official),
                source_ref: Some("synthetic Shapefile test fixture".into()),
                as_of: NaiveDate::from_ymd_opt(2026, 1, 1),
            },
            ..Options::default()
        }
    }

    fn read(
        path: &Path,
        layer: Option<Layer>,
    ) -> Result<(Layer, Vec<Record>, Vec<Problem>), IngestError> {
        let mut problems = Problems::default();
        let (layer, records) = read_to_vec(path, &opts(layer), &mut problems)?;
        Ok((layer, records, problems.into_vec()))
    }

    fn errors(problems: &[Problem]) -> Vec<&Problem> {
        problems
            .iter()
            .filter(|p| p.severity == Severity::Error)
            .collect()
    }

    fn ring(pts: &[(f64, f64)]) -> Vec<shapefile::Point> {
        pts.iter()
            .map(|&(x, y)| shapefile::Point::new(x, y))
            .collect()
    }

    fn square(x0: f64, y0: f64, size: f64) -> Vec<shapefile::Point> {
        ring(&[
            (x0, y0),
            (x0, y0 + size),
            (x0 + size, y0 + size),
            (x0 + size, y0),
            (x0, y0),
        ])
    }

    /// Write `{dir}/{stem}.shp/.shx/.dbf` with two parishes in LKS-92 metres
    /// (the first in two parts, the hole given after both outer rings).
    fn write_parishes(dir: &Path, stem: &str) -> Result<PathBuf, Box<dyn std::error::Error>> {
        let shp = dir.join(format!("{stem}.shp"));
        let table = TableWriterBuilder::new()
            .add_character_field(FieldName::try_from("ID")?, 40)
            .add_character_field(FieldName::try_from("KIND")?, 20)
            .add_character_field(FieldName::try_from("NAME")?, 60)
            .add_character_field(FieldName::try_from("ATVK")?, 7);
        let mut w = shapefile::Writer::from_path(&shp, table)?;
        let two_parts = shapefile::Polygon::with_rings(vec![
            PolygonRing::Outer(square(484_000.0, 280_000.0, 2_000.0)),
            PolygonRing::Outer(square(480_000.0, 280_000.0, 2_000.0)),
            PolygonRing::Inner(square(484_500.0, 280_500.0, 500.0)),
        ]);
        let simple =
            shapefile::Polygon::new(PolygonRing::Outer(square(480_000.0, 276_000.0, 3_000.0)));
        for (poly, id, name, atvk) in [
            (two_parts, "gludas-pagasts", "Glūdas pagasts", "0054001"),
            (
                simple,
                "svetes-pagasts",
                "Svētes pagasts — Ķirši",
                "0054002",
            ),
        ] {
            let mut rec = shapefile::dbase::Record::default();
            rec.insert("ID".into(), FieldValue::Character(Some(id.into())));
            rec.insert("KIND".into(), FieldValue::Character(Some("parish".into())));
            rec.insert("NAME".into(), FieldValue::Character(Some(name.into())));
            rec.insert("ATVK".into(), FieldValue::Character(Some(atvk.into())));
            w.write_shape_and_record(&poly, &rec)?;
        }
        Ok(shp)
    }

    fn zip_files(zip_path: &Path, files: &[(&str, Vec<u8>)]) -> TestResult {
        let mut z = zip::ZipWriter::new(File::create(zip_path)?);
        for (name, bytes) in files {
            z.start_file(*name, zip::write::SimpleFileOptions::default())?;
            z.write_all(bytes)?;
        }
        z.finish()?;
        Ok(())
    }

    fn parts_of(dir: &Path, stem: &str, prefix: &str) -> Result<Parts, Box<dyn std::error::Error>> {
        let mut out = Vec::new();
        for ext in ["shp", "shx", "dbf"] {
            out.push((
                format!("{prefix}{stem}.{ext}"),
                std::fs::read(dir.join(format!("{stem}.{ext}")))?,
            ));
        }
        Ok(out)
    }

    #[test]
    fn zipped_lks92_parishes_with_holes_and_diacritics() -> TestResult {
        let dir = tempfile::tempdir()?;
        write_parishes(dir.path(), "Pagasti")?;
        let mut files = parts_of(dir.path(), "Pagasti", "data/")?;
        files.push(("data/Pagasti.prj".into(), LKS92_PRJ.as_bytes().to_vec()));
        files.push(("data/Pagasti.cpg".into(), b"UTF-8".to_vec()));
        files.push(("data/LASIMNI.txt".into(), b"ignored".to_vec()));
        let files: Vec<(&str, Vec<u8>)> =
            files.iter().map(|(n, b)| (n.as_str(), b.clone())).collect();
        let zip_path = dir.path().join("pagasti.zip");
        zip_files(&zip_path, &files)?;

        let (layer, records, problems) = read(&zip_path, Some(Layer::Areas))?;
        assert_eq!(layer, Layer::Areas);
        assert!(errors(&problems).is_empty(), "{problems:#?}");
        let ids: Vec<&str> = records.iter().map(|r| r.id.as_str()).collect();
        assert_eq!(ids, ["gludas-pagasts", "svetes-pagasts"]);
        assert_eq!(records[0].str("name"), Some("Glūdas pagasts"));
        assert_eq!(records[1].str("name"), Some("Svētes pagasts — Ķirši"));
        assert_eq!(records[0].str("kind"), Some("parish"));
        assert_eq!(records[0].str("atvk"), Some("LV0054001"));
        let mp = records[0].multi_polygon()?;
        assert_eq!(mp.0.len(), 2);
        // The hole belongs to the eastern part, which contains it, although
        // the western outer ring came last.
        let east =
            mp.0.iter()
                .find(|p| p.exterior().0.iter().all(|c| c.x > 23.7))
                .ok_or("no eastern part")?;
        assert_eq!(east.interiors().len(), 1);
        assert!(mp.0.iter().filter(|p| p.interiors().is_empty()).count() == 1);
        // LKS-92 (E 484000, N 280000) lies near Jelgava (~23.74 E, 56.66 N).
        let c = east.exterior().0[0];
        assert!(
            (23.6..23.9).contains(&c.x) && (56.6..56.7).contains(&c.y),
            "{c:?}"
        );
        Ok(())
    }

    /// A `.dbf` with character fields, written byte by byte (e.g. in
    /// Windows-1257, which the dbase writer cannot produce).
    fn write_dbf(path: &Path, fields: &[(&str, u8, usize)], rows: &[Vec<&[u8]>]) -> TestResult {
        let header_len = 32 + 32 * fields.len() + 1;
        let record_len = 1 + fields.iter().map(|f| f.2).sum::<usize>();
        let mut b = vec![0x03, 126, 1, 1];
        b.extend_from_slice(&u32::try_from(rows.len())?.to_le_bytes());
        b.extend_from_slice(&u16::try_from(header_len)?.to_le_bytes());
        b.extend_from_slice(&u16::try_from(record_len)?.to_le_bytes());
        b.resize(32, 0);
        for (name, kind, len) in fields {
            let mut d = [0u8; 32];
            d[..name.len()].copy_from_slice(name.as_bytes());
            d[11] = *kind;
            d[16] = u8::try_from(*len)?;
            b.extend_from_slice(&d);
        }
        b.push(0x0D);
        for row in rows {
            b.push(b' ');
            for (v, (_, _, len)) in row.iter().zip(fields) {
                let mut cell = v.to_vec();
                cell.resize(*len, b' ');
                b.extend_from_slice(&cell);
            }
        }
        b.push(0x1A);
        std::fs::write(path, b)?;
        Ok(())
    }

    fn write_points(shp: &Path, pts: &[(f64, f64)]) -> TestResult {
        let mut w = shapefile::ShapeWriter::from_path(shp)?;
        for &(x, y) in pts {
            w.write_shape(&shapefile::Point::new(x, y))?;
        }
        w.finalize()?;
        Ok(())
    }

    #[test]
    fn bare_shp_with_windows_1257_text() -> TestResult {
        let dir = tempfile::tempdir()?;
        let shp = dir.path().join("sites.shp");
        write_points(&shp, &[(23.7209, 56.6511), (23.6187, 56.6021)])?;
        // "Glūdas bibliotēka" and "Ķiršu māja" in Windows-1257.
        write_dbf(
            &dir.path().join("sites.dbf"),
            &[
                ("ID", b'C', 10),
                ("KIND", b'C', 10),
                ("NAME", b'C', 30),
                ("OPENED", b'D', 8),
                ("FREE_WIFI", b'L', 1),
            ],
            &[
                vec![
                    b"lib-1",
                    b"library",
                    b"Gl\xfbdas bibliot\xe7ka",
                    b"20240115",
                    b"T",
                ],
                vec![b"kac-1", b"kac", b"\xcdir\xf0u m\xe2ja", b"", b"F"],
            ],
        )?;
        std::fs::write(dir.path().join("sites.prj"), WGS84_PRJ)?;
        std::fs::write(dir.path().join("sites.cpg"), "1257\r\n")?;
        let (layer, records, problems) = read(&shp, None)?;
        assert_eq!(layer, Layer::Sites);
        assert!(errors(&problems).is_empty(), "{problems:#?}");
        assert_eq!(records.len(), 2);
        assert_eq!(records[0].id, "lib-1");
        assert_eq!(records[0].str("name"), Some("Glūdas bibliotēka"));
        assert_eq!(records[1].str("name"), Some("Ķiršu māja"));
        assert_eq!(records[0].bool("free_wifi"), Some(true));
        assert_eq!(records[1].bool("free_wifi"), Some(false));
        assert_eq!(
            records[0].extra.get("opened"),
            Some(&Value::String("2024-01-15".into()))
        );

        // Without the .cpg the bytes are not UTF-8: read as Windows-1257, said once.
        std::fs::remove_file(dir.path().join("sites.cpg"))?;
        let (_, records, problems) = read(&shp, None)?;
        assert_eq!(records[1].str("name"), Some("Ķiršu māja"));
        assert_eq!(
            problems
                .iter()
                .filter(|p| p.message.contains("read it as Windows-1257"))
                .count(),
            1
        );
        Ok(())
    }

    #[test]
    fn several_shapefiles_pick_by_layer() -> TestResult {
        let dir = tempfile::tempdir()?;
        write_parishes(dir.path(), "areas")?;
        write_parishes(dir.path(), "other")?;
        let mut files = parts_of(dir.path(), "areas", "")?;
        files.extend(parts_of(dir.path(), "other", "")?);
        files.push(("areas.prj".into(), LKS92_PRJ.as_bytes().to_vec()));
        let files: Vec<(&str, Vec<u8>)> =
            files.iter().map(|(n, b)| (n.as_str(), b.clone())).collect();
        let zip_path = dir.path().join("both.zip");
        zip_files(&zip_path, &files)?;
        match read(&zip_path, None) {
            Err(IngestError::Usage(msg)) => assert!(msg.contains("areas.shp, other.shp"), "{msg}"),
            other => panic!("expected a usage error, got {other:?}"),
        }
        let (_, records, problems) = read(&zip_path, Some(Layer::Areas))?;
        assert!(errors(&problems).is_empty(), "{problems:#?}");
        assert_eq!(records.len(), 2);
        Ok(())
    }

    #[test]
    fn unknown_or_missing_prj_needs_crs() -> TestResult {
        let dir = tempfile::tempdir()?;
        let shp = write_parishes(dir.path(), "areas")?;
        let (_, records, problems) = read(&shp, Some(Layer::Areas))?;
        assert!(records.is_empty());
        let e = errors(&problems);
        assert_eq!(e.len(), 1, "{problems:#?}");
        assert!(
            e[0].message.contains("areas.shp has no .prj"),
            "{}",
            e[0].message
        );
        std::fs::write(
            dir.path().join("areas.prj"),
            r#"PROJCS["Local_Grid",GEOGCS["GCS_Unknown"]]"#,
        )?;
        let (_, _, problems) = read(&shp, Some(Layer::Areas))?;
        assert!(
            errors(&problems)[0]
                .message
                .contains("cannot tell the CRS from areas.prj"),
            "{problems:#?}"
        );
        // --crs wins over the .prj.
        let mut o = opts(Some(Layer::Areas));
        o.crs = Some(LKS92);
        let mut probs = Problems::default();
        let (_, records) = read_to_vec(&shp, &o, &mut probs)?;
        assert_eq!(records.len(), 2, "{:#?}", probs.into_vec());
        Ok(())
    }

    #[test]
    fn prj_recognition() {
        assert_eq!(crs_from_prj(LKS92_PRJ), Some(LKS92));
        assert_eq!(crs_from_prj(WGS84_PRJ), Some(WGS84));
        assert_eq!(crs_from_prj(LAEA_PRJ), Some(LAEA));
        assert_eq!(
            crs_from_prj(
                r#"PROJCS["WGS_1984_Web_Mercator_Auxiliary_Sphere",GEOGCS["GCS_WGS_1984"]]"#
            ),
            Some(WEB_MERCATOR)
        );
        assert_eq!(
            crs_from_prj(
                r#"PROJCS["x",GEOGCS["y",AUTHORITY["EPSG","4258"]],AUTHORITY["EPSG","25834"]]"#
            ),
            Some(25834)
        );
        assert_eq!(crs_from_prj(r#"PROJCS["Local",GEOGCS["Unknown"]]"#), None);
    }

    #[test]
    fn windows_1257_table_matches_latvian_letters() {
        assert_eq!(
            decode_1257(b"\xe2\xe8\xe7\xec\xee\xed\xef\xf2\xf0\xfb\xfe"),
            "āčēģīķļņšūž"
        );
        assert_eq!(
            decode_1257(b"\xc2\xc8\xc7\xcc\xce\xcd\xcf\xd2\xd0\xdb\xde"),
            "ĀČĒĢĪĶĻŅŠŪŽ"
        );
        assert_eq!(
            encoding_from_cpg("windows-1257"),
            Some(TextEncoding::Windows1257)
        );
        assert_eq!(
            encoding_from_cpg("\u{feff}UTF-8\n"),
            Some(TextEncoding::Utf8)
        );
        assert_eq!(encoding_from_cpg("1252"), None);
    }

    #[test]
    fn orphan_hole_becomes_a_polygon() {
        let mp = assemble_polygon(&[PolygonRing::Inner(ring(&[
            (0.0, 0.0),
            (1.0, 0.0),
            (1.0, 1.0),
            (0.0, 0.0),
        ]))]);
        assert_eq!(mp.0.len(), 1);
        assert!(mp.0[0].interiors().is_empty());
    }
}
