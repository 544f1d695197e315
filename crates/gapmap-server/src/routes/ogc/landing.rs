//! `/ogc`, `/ogc/conformance` and `/ogc/api`.

use super::html::{a, esc, page, table};
use super::{Format, HTML, JSON, base, format, html_response, json_response, link};
use crate::problem::Problem;
use crate::query::Query;
use actix_web::{HttpRequest, HttpResponse};
use serde_json::json;

const TITLE: &str = "gapmap — Jelgavas novada digitālās piekļuves karte";
const DESCRIPTION: &str = "OGC API – Features: public access places, coverage, residents on the 1 km grid and digital access gaps of Jelgavas novads. No key needed.";
const OAS: &str = "application/vnd.oai.openapi+json;version=3.0";

/// The conformance classes implemented.
pub const CONFORMANCE: [&str; 5] = [
    "http://www.opengis.net/spec/ogcapi-features-1/1.0/conf/core",
    "http://www.opengis.net/spec/ogcapi-features-1/1.0/conf/geojson",
    "http://www.opengis.net/spec/ogcapi-features-1/1.0/conf/html",
    "http://www.opengis.net/spec/ogcapi-features-1/1.0/conf/oas30",
    "http://www.opengis.net/spec/ogcapi-features-2/1.0/conf/crs",
];

/// `GET /ogc`: the landing page.
#[utoipa::path(get, path = "/ogc", tag = "ogc",
    params(("f" = inline(Option<super::FParam>), Query, description = "json or html; without it, Accept decides (JSON by default, 406 when it accepts neither)")),
    responses((status = 200, description = "Landing page with links to the API definition, conformance and collections", content(("application/json"), ("text/html"))),
        (status = 400, description = "A parameter is unknown or invalid", content_type = "application/problem+json"),
        (status = 406, description = "The request accepts neither JSON nor HTML (see `f`)", content_type = "application/problem+json")))]
pub async fn landing(req: HttpRequest) -> Result<HttpResponse, Problem> {
    let q = Query::parse(&req, &["f"])?;
    let fmt = format(&req, q.str("f"))?;
    let b = base(&req);
    let links = vec![
        link(
            &format!("{b}/ogc?f=json"),
            if fmt == Format::Json {
                "self"
            } else {
                "alternate"
            },
            JSON,
            "Šī lapa JSON formātā (this document)",
        ),
        link(
            &format!("{b}/ogc?f=html"),
            if fmt == Format::Html {
                "self"
            } else {
                "alternate"
            },
            HTML,
            "Šī lapa HTML formātā (this document as HTML)",
        ),
        link(
            &format!("{b}/ogc/api"),
            "service-desc",
            OAS,
            "API definīcija (OpenAPI 3.0)",
        ),
        link(
            &format!("{b}/ogc/api?f=html"),
            "service-doc",
            HTML,
            "API dokumentācija (API documentation)",
        ),
        link(
            &format!("{b}/ogc/conformance"),
            "conformance",
            JSON,
            "Atbilstības klases (conformance classes)",
        ),
        link(
            &format!("{b}/ogc/conformance"),
            "http://www.opengis.net/def/rel/ogc/1.0/conformance",
            JSON,
            "Conformance classes",
        ),
        link(
            &format!("{b}/ogc/collections"),
            "data",
            JSON,
            "Datu kopas (collections)",
        ),
        link(
            &format!("{b}/ogc/collections"),
            "http://www.opengis.net/def/rel/ogc/1.0/data",
            JSON,
            "Collections",
        ),
    ];
    if fmt == Format::Html {
        let body = format!(
            "<p>{}</p>\n<ul>\n<li>{}</li>\n<li>{}</li>\n<li>{}</li>\n<li>{}</li>\n</ul>\n",
            esc(DESCRIPTION),
            a("/ogc/collections?f=html", "Datu kopas (collections)"),
            a(
                "/ogc/conformance?f=html",
                "Atbilstības klases (conformance)"
            ),
            a("/ogc/api?f=html", "API definīcija (API definition)"),
            a("/ogc/api", "OpenAPI 3.0 JSON"),
        );
        return Ok(html_response(page(
            TITLE,
            &[("/ogc?f=html", "gapmap OGC API")],
            "/ogc?f=json",
            &body,
        )));
    }
    Ok(json_response(
        JSON,
        &json!({"title": TITLE, "description": DESCRIPTION, "links": links}),
    ))
}

/// `GET /ogc/conformance`.
#[utoipa::path(get, path = "/ogc/conformance", tag = "ogc",
    params(("f" = inline(Option<super::FParam>), Query, description = "json or html; without it, Accept decides (406 when it accepts neither)")),
    responses((status = 200, description = "The conformance classes implemented", content(("application/json"), ("text/html"))),
        (status = 400, description = "A parameter is unknown or invalid", content_type = "application/problem+json"),
        (status = 406, description = "The request accepts neither JSON nor HTML (see `f`)", content_type = "application/problem+json")))]
pub async fn conformance(req: HttpRequest) -> Result<HttpResponse, Problem> {
    let q = Query::parse(&req, &["f"])?;
    if format(&req, q.str("f"))? == Format::Html {
        let rows: Vec<Vec<String>> = CONFORMANCE.iter().map(|c| vec![esc(c)]).collect();
        let body = table("Atbilstības klases (conformance classes)", &["URI"], &rows);
        return Ok(html_response(page(
            "Atbilstības klases",
            &[
                ("/ogc?f=html", "gapmap OGC API"),
                ("/ogc/conformance?f=html", "Atbilstība"),
            ],
            "/ogc/conformance?f=json",
            &body,
        )));
    }
    let b = base(&req);
    Ok(json_response(
        JSON,
        &json!({
            "conformsTo": CONFORMANCE,
            "links": [link(&format!("{b}/ogc/conformance?f=json"), "self", JSON, "This document"),
                      link(&format!("{b}/ogc/conformance?f=html"), "alternate", HTML, "This document as HTML")],
        }),
    ))
}
