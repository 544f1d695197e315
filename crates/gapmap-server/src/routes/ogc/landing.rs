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
pub const CONFORMANCE: [&str; 8] = [
    "http://www.opengis.net/spec/ogcapi-features-1/1.0/conf/core",
    "http://www.opengis.net/spec/ogcapi-features-1/1.0/conf/geojson",
    "http://www.opengis.net/spec/ogcapi-features-1/1.0/conf/html",
    "http://www.opengis.net/spec/ogcapi-features-1/1.0/conf/oas30",
    "http://www.opengis.net/spec/ogcapi-features-2/1.0/conf/crs",
    // Part 3: `/queryables`, and filtering on them with `?name=value`
    // (no CQL2 `filter`).
    "http://www.opengis.net/spec/ogcapi-features-3/1.0/conf/queryables",
    "http://www.opengis.net/spec/ogcapi-features-3/1.0/conf/queryables-query-parameters",
    // Part 5: `/schema` (the returnables of every feature).
    "http://www.opengis.net/spec/ogcapi-features-5/1.0/conf/schemas",
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
    let links = landing_links(&base(&req), fmt);
    if fmt == Format::Html {
        return Ok(html_response(page(
            TITLE,
            &[("/ogc?f=html", "gapmap OGC API")],
            "/ogc?f=json",
            &landing_html(),
        )));
    }
    Ok(json_response(
        JSON,
        &json!({"title": TITLE, "description": DESCRIPTION, "links": links}),
    ))
}

/// The landing page's links after its own two: (path, rel, type, title).
const LANDING_LINKS: [(&str, &str, &str, &str); 6] = [
    (
        "/ogc/api",
        "service-desc",
        OAS,
        "API definīcija (OpenAPI 3.0)",
    ),
    (
        "/ogc/api?f=html",
        "service-doc",
        HTML,
        "API dokumentācija (API documentation)",
    ),
    (
        "/ogc/conformance",
        "conformance",
        JSON,
        "Atbilstības klases (conformance classes)",
    ),
    (
        "/ogc/conformance",
        "http://www.opengis.net/def/rel/ogc/1.0/conformance",
        JSON,
        "Conformance classes",
    ),
    ("/ogc/collections", "data", JSON, "Datu kopas (collections)"),
    (
        "/ogc/collections",
        "http://www.opengis.net/def/rel/ogc/1.0/data",
        JSON,
        "Collections",
    ),
];

/// The landing page's links at base `b`: itself as JSON and as HTML (the
/// one asked for is `self`), then [`LANDING_LINKS`].
fn landing_links(b: &str, fmt: Format) -> Vec<serde_json::Value> {
    let rel = |f: Format| if fmt == f { "self" } else { "alternate" };
    let mut links = vec![
        link(
            &format!("{b}/ogc?f=json"),
            rel(Format::Json),
            JSON,
            "Šī lapa JSON formātā (this document)",
        ),
        link(
            &format!("{b}/ogc?f=html"),
            rel(Format::Html),
            HTML,
            "Šī lapa HTML formātā (this document as HTML)",
        ),
    ];
    links.extend(
        LANDING_LINKS
            .iter()
            .map(|(path, rel, ty, title)| link(&format!("{b}{path}"), rel, ty, title)),
    );
    links
}

/// The landing page's HTML body: the description and the links to follow.
fn landing_html() -> String {
    format!(
        "<p>{}</p>\n<ul>\n<li>{}</li>\n<li>{}</li>\n<li>{}</li>\n<li>{}</li>\n</ul>\n",
        esc(DESCRIPTION),
        a("/ogc/collections?f=html", "Datu kopas (collections)"),
        a(
            "/ogc/conformance?f=html",
            "Atbilstības klases (conformance)"
        ),
        a("/ogc/api?f=html", "API definīcija (API definition)"),
        a("/ogc/api", "OpenAPI 3.0 JSON"),
    )
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

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn landing_links_mark_the_format_asked_for_as_self() {
        let links = landing_links("http://x", Format::Html);
        let rels: Vec<&str> = links.iter().map(|l| l["rel"].as_str().unwrap()).collect();
        assert_eq!(
            rels,
            [
                "alternate",
                "self",
                "service-desc",
                "service-doc",
                "conformance",
                "http://www.opengis.net/def/rel/ogc/1.0/conformance",
                "data",
                "http://www.opengis.net/def/rel/ogc/1.0/data",
            ]
        );
        assert_eq!(links[0]["href"], "http://x/ogc?f=json");
        assert_eq!(links[2]["href"], "http://x/ogc/api");
        assert_eq!(links[2]["type"], OAS);
        assert_eq!(landing_links("http://x", Format::Json)[0]["rel"], "self");
    }
}
