//! The JSON Schema documents of a collection (`gapmap_publish::schema`):
//! `/queryables` (OGC API – Features Part 3), `/schema` (Part 5) and
//! `/feature-schema`, one GeoJSON feature as GDAL's OAPIF driver reads it
//! through the collection's `describedBy` link.

use super::html::{esc, page, table};
use super::{Format, HTML, base, find_collection, format, html_response};
use crate::AppState;
use crate::problem::Problem;
use crate::query::Query;
use actix_web::{HttpRequest, HttpResponse, web};
use gapmap_publish::collections::Collection;
use gapmap_publish::schema::Document;

/// The media type of the documents.
pub const SCHEMA_JSON: &str = "application/schema+json";

/// The OGC link relations of the Part 3 and Part 5 documents.
pub const REL_QUERYABLES: &str = "http://www.opengis.net/def/rel/ogc/1.0/queryables";
pub const REL_SCHEMA: &str = "http://www.opengis.net/def/rel/ogc/1.0/schema";

/// Which document, by the last segment of its path.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum Which {
    Queryables,
    Schema,
    FeatureSchema,
}

impl Which {
    fn path(self) -> &'static str {
        match self {
            Which::Queryables => "queryables",
            Which::Schema => "schema",
            Which::FeatureSchema => "feature-schema",
        }
    }

    fn heading(self) -> &'static str {
        match self {
            Which::Queryables => "Filtri (queryables)",
            Which::Schema => "Īpašības (schema)",
            Which::FeatureSchema => "GeoJSON objekta shēma (feature schema)",
        }
    }
}

/// One document of collection `id` as JSON or as an HTML table.
fn answer(
    req: &HttpRequest,
    id: &str,
    state: &AppState,
    which: Which,
) -> Result<HttpResponse, Problem> {
    let q = Query::parse(req, &["f"])?;
    let fmt = format(req, q.str("f"))?;
    let c = find_collection(id)?;
    let snap = state.live.get();
    let published = state.published(&snap, c);
    let schema = &published.schema;
    let queryables = super::queryables(c);
    if fmt == Format::Html {
        return Ok(html_response(html(c, which, schema, queryables)));
    }
    let me = format!("{}/ogc/collections/{}/{}", base(req), c.id(), which.path());
    let (lv, en) = c.titles();
    let kind = match which {
        Which::Queryables => Document::Queryables(queryables),
        Which::Schema => Document::Schema,
        Which::FeatureSchema => Document::GeoJsonFeature,
    };
    let doc = schema.document(kind, &me, &format!("{lv} ({en})"), c.geometry_type());
    Ok(HttpResponse::Ok()
        .content_type(SCHEMA_JSON)
        .insert_header((actix_web::http::header::VARY, "Accept"))
        .body(serde_json::to_string(&doc).unwrap_or_default()))
}

/// The document as a table of its properties.
fn html(
    c: Collection,
    which: Which,
    schema: &gapmap_publish::schema::Schema,
    queryables: &[&str],
) -> String {
    let rows: Vec<Vec<String>> = schema
        .properties
        .iter()
        .filter(|p| which != Which::Queryables || queryables.contains(&p.name.as_str()))
        .map(|p| {
            vec![
                esc(&p.name),
                esc(p.ty.json_type()),
                esc(&p.values.map(|v| v.join(", ")).unwrap_or_default()),
                esc(p.description),
            ]
        })
        .collect();
    let (lv, _) = c.titles();
    let me = format!("/ogc/collections/{}", c.id());
    let body = table(
        &format!("{lv}: {}", which.heading()),
        &[
            "Īpašība (property)",
            "Tips (type)",
            "Vērtības (values)",
            "Apraksts (description)",
        ],
        &rows,
    );
    page(
        which.heading(),
        &[
            ("/ogc?f=html", "gapmap OGC API"),
            ("/ogc/collections?f=html", "Datu kopas"),
            (&format!("{me}?f=html"), lv),
        ],
        &format!("{me}/{}?f=json", which.path()),
        &body,
    )
}

/// `GET /ogc/collections/{collection_id}/queryables`.
#[utoipa::path(get, path = "/ogc/collections/{collection_id}/queryables", tag = "ogc",
    params(("collection_id" = String, Path, description = "A collection id", example = "sites"),
        ("f" = inline(Option<super::FParam>), Query, description = "json (JSON Schema) or html; without it, Accept decides")),
    responses((status = 200, description = "OGC API – Features Part 3 queryables: the properties the items can be filtered on (`?name=value`), as a JSON Schema (2020-12)", content(("application/schema+json"), ("text/html"))),
        (status = 400, description = "A parameter is unknown or invalid", content_type = "application/problem+json"),
        (status = 406, description = "The request accepts neither JSON nor HTML (see `f`)", content_type = "application/problem+json"),
        (status = 404, description = "No such collection", content_type = "application/problem+json")))]
pub async fn queryables(
    req: HttpRequest,
    path: web::Path<String>,
    state: web::Data<AppState>,
) -> Result<HttpResponse, Problem> {
    answer(&req, &path, &state, Which::Queryables)
}

/// `GET /ogc/collections/{collection_id}/schema`.
#[utoipa::path(get, path = "/ogc/collections/{collection_id}/schema", tag = "ogc",
    params(("collection_id" = String, Path, description = "A collection id", example = "sites"),
        ("f" = inline(Option<super::FParam>), Query, description = "json (JSON Schema) or html; without it, Accept decides")),
    responses((status = 200, description = "OGC API – Features Part 5 schema: every property of the collection's features with its type (null where unknown), the id and the primary geometry, as a JSON Schema (2020-12)", content(("application/schema+json"), ("text/html"))),
        (status = 400, description = "A parameter is unknown or invalid", content_type = "application/problem+json"),
        (status = 406, description = "The request accepts neither JSON nor HTML (see `f`)", content_type = "application/problem+json"),
        (status = 404, description = "No such collection", content_type = "application/problem+json")))]
pub async fn schema(
    req: HttpRequest,
    path: web::Path<String>,
    state: web::Data<AppState>,
) -> Result<HttpResponse, Problem> {
    answer(&req, &path, &state, Which::Schema)
}

/// `GET /ogc/collections/{collection_id}/feature-schema`.
#[utoipa::path(get, path = "/ogc/collections/{collection_id}/feature-schema", tag = "ogc",
    params(("collection_id" = String, Path, description = "A collection id", example = "sites"),
        ("f" = inline(Option<super::FParam>), Query, description = "json (JSON Schema) or html; without it, Accept decides")),
    responses((status = 200, description = "The JSON Schema (2020-12) of one GeoJSON feature of the collection, properties nested as in the items: what the collection's `describedBy` link names (GDAL's OAPIF driver builds its columns from it)", content(("application/schema+json"), ("text/html"))),
        (status = 400, description = "A parameter is unknown or invalid", content_type = "application/problem+json"),
        (status = 406, description = "The request accepts neither JSON nor HTML (see `f`)", content_type = "application/problem+json"),
        (status = 404, description = "No such collection", content_type = "application/problem+json")))]
pub async fn feature_schema(
    req: HttpRequest,
    path: web::Path<String>,
    state: web::Data<AppState>,
) -> Result<HttpResponse, Problem> {
    answer(&req, &path, &state, Which::FeatureSchema)
}

/// The links of a collection to its documents (at `me`, the collection's
/// URL).
pub fn links(me: &str, en: &str) -> Vec<serde_json::Value> {
    let link = super::link;
    vec![
        link(
            &format!("{me}/queryables"),
            REL_QUERYABLES,
            SCHEMA_JSON,
            &format!("{en}: queryables"),
        ),
        link(
            &format!("{me}/queryables?f=html"),
            REL_QUERYABLES,
            HTML,
            &format!("{en}: queryables (HTML)"),
        ),
        link(
            &format!("{me}/schema"),
            REL_SCHEMA,
            SCHEMA_JSON,
            &format!("{en}: schema"),
        ),
        link(
            &format!("{me}/schema?f=html"),
            REL_SCHEMA,
            HTML,
            &format!("{en}: schema (HTML)"),
        ),
        // GDAL 3.6 matches this relation exactly as written.
        link(
            &format!("{me}/feature-schema"),
            "describedBy",
            SCHEMA_JSON,
            &format!("{en}: one GeoJSON feature"),
        ),
    ]
}
