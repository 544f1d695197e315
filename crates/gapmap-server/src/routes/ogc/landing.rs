//! `/ogc`, `/ogc/conformance` and `/ogc/api`.

use super::html::{a, esc, page, table};
use super::{Format, HTML, JSON, base, format, html_response, json_response, link};
use crate::problem::Problem;
use crate::query::Query;
use actix_web::{HttpRequest, HttpResponse};
use serde_json::{Value, json};

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

/// The one OpenAPI document (`/api/v1` and `/ogc`), as OpenAPI 3.0.3.
pub fn openapi_30(snap: &gapmap_engine::snapshot::Snapshot) -> Value {
    let mut doc = crate::openapi::served(snap, true);
    downgrade(&mut doc);
    doc["openapi"] = json!("3.0.3");
    doc
}

/// Rewrite the OpenAPI 3.1 constructs utoipa emits into their 3.0 forms:
/// `type: [T, "null"]` → `type: T, nullable: true`, `const` → `enum`,
/// `examples` arrays in schemas → `example`; drop `$schema`.
fn downgrade(v: &mut Value) {
    match v {
        Value::Object(m) => {
            if let Some(Value::Array(types)) = m.get("type").cloned() {
                let non_null: Vec<Value> = types
                    .iter()
                    .filter(|t| t.as_str() != Some("null"))
                    .cloned()
                    .collect();
                if non_null.len() < types.len() {
                    m.insert("nullable".into(), json!(true));
                }
                match non_null.as_slice() {
                    // Only null: `nullable` with null as its one value.
                    [] => {
                        m.remove("type");
                        m.insert("enum".into(), json!([null]));
                    }
                    [one] => {
                        m.insert("type".into(), one.clone());
                    }
                    _ => {
                        m.remove("type");
                    }
                }
            }
            // 3.1's numeric exclusive bounds are 3.0's booleans.
            for (bound, exclusive) in [
                ("minimum", "exclusiveMinimum"),
                ("maximum", "exclusiveMaximum"),
            ] {
                if let Some(n) = m.get(exclusive).filter(|v| v.is_number()).cloned() {
                    m.insert(bound.into(), n);
                    m.insert(exclusive.into(), json!(true));
                }
            }
            if let Some(c) = m.remove("const") {
                m.insert("enum".into(), json!([c]));
            }
            m.remove("$schema");
            // 3.0 has no tuples: a point's `[lon, lat]` stays an array of
            // two numbers (its items' bounds are said in the description).
            m.remove("prefixItems");
            if let Some(Value::Array(ex)) = m.get("examples").cloned()
                && m.contains_key("type")
            {
                m.remove("examples");
                if let Some(first) = ex.into_iter().next() {
                    m.insert("example".into(), first);
                }
            }
            // `{"oneOf": [{"type": "null"}, X]}` → X nullable
            for key in ["oneOf", "anyOf"] {
                if let Some(Value::Array(alts)) = m.get(key).cloned() {
                    let rest: Vec<Value> = alts
                        .iter()
                        .filter(|s| s.get("type").and_then(Value::as_str) != Some("null"))
                        .cloned()
                        .collect();
                    if rest.len() < alts.len() {
                        m.insert("nullable".into(), json!(true));
                        if rest.len() == 1 && rest[0].get("$ref").is_none() {
                            m.remove(key);
                            if let Value::Object(inner) = &rest[0] {
                                for (k, v) in inner {
                                    m.insert(k.clone(), v.clone());
                                }
                            }
                        } else if rest.len() == 1 {
                            m.remove(key);
                            m.insert("allOf".into(), json!(rest));
                        } else {
                            m.insert(key.into(), json!(rest));
                        }
                    }
                }
            }
            m.values_mut().for_each(downgrade);
        }
        Value::Array(a) => a.iter_mut().for_each(downgrade),
        _ => {}
    }
}

/// `GET /ogc/api`: the OpenAPI 3.0 document of the whole service.
#[utoipa::path(get, path = "/ogc/api", tag = "ogc",
    params(("f" = inline(Option<super::FParam>), Query, description = "json or html; without it, Accept decides (406 when it accepts neither)")),
    responses((status = 200, description = "This OpenAPI 3.0 document", content(("application/vnd.oai.openapi+json;version=3.0"), ("text/html"))),
        (status = 400, description = "A parameter is unknown or invalid", content_type = "application/problem+json"),
        (status = 406, description = "The request accepts neither JSON nor HTML (see `f`)", content_type = "application/problem+json")))]
pub async fn api(
    req: HttpRequest,
    state: actix_web::web::Data<crate::AppState>,
) -> Result<HttpResponse, Problem> {
    let q = Query::parse(&req, &["f"])?;
    let doc = openapi_30(&state.live.get());
    if format(&req, q.str("f"))? == Format::Html {
        let mut rows = Vec::new();
        if let Some(paths) = doc["paths"].as_object() {
            for (path, ops) in paths {
                for (method, op) in ops.as_object().into_iter().flatten() {
                    let summary = op["summary"]
                        .as_str()
                        .or(op["description"].as_str())
                        .unwrap_or("");
                    rows.push(vec![
                        esc(&format!("{} {path}", method.to_uppercase())),
                        esc(summary),
                    ]);
                }
            }
        }
        let body = format!(
            "<p>{}</p>\n{}",
            a("/ogc/api?f=json", "OpenAPI 3.0 JSON"),
            table(
                "Ceļi (paths)",
                &["Ceļš (path)", "Apraksts (description)"],
                &rows
            )
        );
        return Ok(html_response(page(
            "API definīcija",
            &[
                ("/ogc?f=html", "gapmap OGC API"),
                ("/ogc/api?f=html", "API"),
            ],
            "/ogc/api?f=json",
            &body,
        )));
    }
    Ok(json_response(OAS, &doc))
}
