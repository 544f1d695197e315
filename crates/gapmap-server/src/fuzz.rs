//! One entry point for the fuzzer (`gapmap-fuzz`) over every request parser.

use crate::query::Query;

/// Every query-string and header parser of the server, fed one input: the
/// first line is a query string, each further line a header value. For the
/// fuzzer (`gapmap-fuzz`); any result but a panic is fine.
#[doc(hidden)]
pub fn fuzz_parsers(input: &str) {
    let mut lines = input.lines();
    let qs = lines.next().unwrap_or("");
    let all: Vec<&str> = [
        "f",
        "bbox",
        "bbox-crs",
        "crs",
        "limit",
        "offset",
        "datetime",
        "kind",
        "lon",
        "lat",
        "at",
        "underserved",
    ]
    .into_iter()
    .chain(crate::routes::gaps::THRESHOLD_PARAMS.iter().copied())
    .collect();
    if let Ok(q) = Query::from_query_str(qs, &all) {
        let _ = q.bbox("bbox");
        let _ = q.f64("lon");
        let _ = q.usize_in("limit", 5, 1, 100);
        let _ = crate::routes::gaps::thresholds(&q, &Default::default());
        let _ = crate::routes::ogc::items::ItemsQuery::from_query(
            &q,
            gapmap_publish::collections::Collection::Sites,
        );
    }
    let _ = Query::from_query_str(qs, &[]);
    for value in lines {
        let _ = crate::ranges::parse(value, 1000);
        let _ = crate::negotiate::choose(Some(value), &["application/json", "text/html"]);
        let _ = crate::routes::ogc::Crs::parse("crs", value);
        let _ = crate::routes::ogc::items::parse_datetime(value);
        let mut h = actix_web::http::header::HeaderMap::new();
        if let Ok(v) = actix_web::http::header::HeaderValue::from_str(value) {
            h.insert(actix_web::http::header::IF_NONE_MATCH, v);
            let _ = crate::cache::not_modified(&h, "\"v-1\"");
        }
    }
}
