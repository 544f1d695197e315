//! Plain HTML pages for `/ogc`: `lang="lv"`, a title, a skip link, tables
//! with headers, no scripts and no external assets. All text is escaped.

use serde_json::Value;
use std::fmt::Write;

/// Escape text for HTML content and attribute values.
pub fn esc(s: &str) -> String {
    let mut out = String::with_capacity(s.len());
    for c in s.chars() {
        match c {
            '&' => out.push_str("&amp;"),
            '<' => out.push_str("&lt;"),
            '>' => out.push_str("&gt;"),
            '"' => out.push_str("&quot;"),
            '\'' => out.push_str("&#39;"),
            c => out.push(c),
        }
    }
    out
}

/// A property value as text.
pub fn value_text(v: &Value) -> String {
    match v {
        Value::Null => "—".into(),
        Value::String(s) => s.clone(),
        Value::Bool(true) => "jā (true)".into(),
        Value::Bool(false) => "nē (false)".into(),
        Value::Array(a) => a.iter().map(value_text).collect::<Vec<_>>().join(", "),
        other => other.to_string(),
    }
}

/// A local link (relative paths only, so no page names an external URL).
pub fn a(href: &str, text: &str) -> String {
    format!("<a href=\"{}\">{}</a>", esc(href), esc(text))
}

/// A table with a caption, column headers and rows of already-escaped cells,
/// in a box of its own that scrolls sideways when the table is wider than
/// the screen (the page itself never does; the box takes the keyboard
/// focus so it can be scrolled without a mouse).
pub fn table(caption: &str, headers: &[&str], rows: &[Vec<String>]) -> String {
    let mut s = format!(
        "<div class=\"table-box\" role=\"region\" tabindex=\"0\" aria-label=\"{c}\">\n<table>\n<caption>{c}</caption>\n<thead><tr>",
        c = esc(caption)
    );
    for h in headers {
        let _ = write!(s, "<th scope=\"col\">{}</th>", esc(h));
    }
    s.push_str("</tr></thead>\n<tbody>\n");
    for r in rows {
        s.push_str("<tr>");
        for (i, c) in r.iter().enumerate() {
            if i == 0 {
                let _ = write!(s, "<th scope=\"row\">{c}</th>");
            } else {
                let _ = write!(s, "<td>{c}</td>");
            }
        }
        s.push_str("</tr>\n");
    }
    s.push_str("</tbody>\n</table>\n</div>\n");
    s
}

/// A key/value table of properties.
pub fn properties(caption: &str, props: &serde_json::Map<String, Value>) -> String {
    let rows: Vec<Vec<String>> = props
        .iter()
        .map(|(k, v)| vec![esc(k), esc(&value_text(v))])
        .collect();
    table(caption, &["Īpašība (property)", "Vērtība (value)"], &rows)
}

const STYLE: &str = "body{font-family:system-ui,sans-serif;line-height:1.5;margin:0 auto;max-width:70rem;padding:1rem;color:#1a1a1a;background:#fff;overflow-wrap:anywhere}\
.table-box{max-width:100%;overflow-x:auto}.table-box:focus{outline:3px solid #b35c00}\
a{color:#0645ad}a:focus{outline:3px solid #b35c00;outline-offset:2px}\
.skip{position:absolute;left:-999px}.skip:focus{left:1rem;top:1rem;background:#fff;padding:.5rem}\
table{border-collapse:collapse;margin:1rem 0}th,td{border:1px solid #767676;padding:.25rem .5rem;text-align:left;vertical-align:top}\
caption{text-align:left;font-weight:bold}nav ul{padding-left:1.2rem}";

/// `GET /ogc/style.css`: the pages' stylesheet (the Content-Security-Policy
/// allows no inline style).
pub async fn stylesheet() -> actix_web::HttpResponse {
    actix_web::HttpResponse::Ok()
        .content_type("text/css; charset=utf-8")
        .body(STYLE)
}

/// A whole page. `body` is already-escaped HTML; `json_href` is the JSON
/// representation of the same resource (relative).
pub fn page(title: &str, breadcrumbs: &[(&str, &str)], json_href: &str, body: &str) -> String {
    let mut crumbs = String::new();
    for (i, (href, text)) in breadcrumbs.iter().enumerate() {
        if i > 0 {
            crumbs.push_str(" › ");
        }
        crumbs.push_str(&a(href, text));
    }
    format!(
        "<!DOCTYPE html>\n<html lang=\"lv\">\n<head>\n<meta charset=\"utf-8\">\n\
<meta name=\"viewport\" content=\"width=device-width, initial-scale=1\">\n\
<title>{t} — gapmap OGC API</title>\n<link rel=\"stylesheet\" href=\"/ogc/style.css\">\n</head>\n<body>\n\
<a class=\"skip\" href=\"#saturs\">Pāriet uz saturu</a>\n\
<header><nav aria-label=\"Navigācija\">{crumbs}</nav></header>\n\
<main id=\"saturs\">\n<h1>{t}</h1>\n{body}\n\
<p>Šī lapa JSON formātā (this page as JSON): {json}</p>\n</main>\n</body>\n</html>\n",
        t = esc(title),
        json = a(json_href, json_href),
    )
}
