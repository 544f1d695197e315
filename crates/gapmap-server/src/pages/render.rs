//! The page frame every page is rendered in: the embedded templates, the
//! words of the catalogues, the context every page shares (language, links,
//! how sure the data is) and the HTML response.

use super::assets::assets;
use super::i18n::Lang;
use super::{i18n, words};
use crate::AppState;
use crate::problem::Problem;
use actix_web::http::header;
use actix_web::{HttpRequest, HttpResponse};
use minijinja::value::Kwargs;
use minijinja::{Environment, State};
use serde_json::{Map, Value, json};
use std::sync::OnceLock;

macro_rules! templates {
    ($($name:literal),* $(,)?) => {
        [$(($name, include_str!(concat!("../../templates/", $name)))),*]
    };
}

/// Every template (name, source), embedded in the binary.
const TEMPLATES: [(&str, &str); 28] = templates!(
    "base.html",
    "_errors.html",
    "_edit_nav.html",
    "report.html",
    "report_status.html",
    "privacy.html",
    "changes.html",
    "sign_in.html",
    "edit_list.html",
    "edit_buildings.html",
    "edit_data.html",
    "edit_sheet.html",
    "edit_form.html",
    "review.html",
    "finder.html",
    "map.html",
    "plan.html",
    "_plan_nav.html",
    "plan_access_points.html",
    "plan_what_if.html",
    "_plan_whatif_result.html",
    "plan_upgrades.html",
    "plan_mobile_class.html",
    "plan_progress.html",
    "leaflets.html",
    "leaflet.html",
    "accessibility.html",
    "error.html",
);

/// Cache-Control of every page: never stored (the data changes with every
/// ingest, and pages carry the time of day).
pub const PAGE_CACHE: &str = "no-store";

fn env() -> &'static Environment<'static> {
    static E: OnceLock<Environment<'static>> = OnceLock::new();
    E.get_or_init(|| {
        let mut env = Environment::new();
        for (name, src) in TEMPLATES {
            if let Err(e) = env.add_template(name, src) {
                tracing::error!(template = name, error = %e, "template does not compile");
            }
        }
        env.add_function("t", template_t);
        env
    })
}

fn lang_of(state: &State) -> Lang {
    Lang::from_param(state.lookup("lang").as_ref().and_then(|v| v.as_str()))
}

/// `t("key")`, `t("key", name=value, …)`, `t("key", n=3)` (plural forms).
fn template_t(state: &State, key: &str, kwargs: Kwargs) -> Result<String, minijinja::Error> {
    let lang = lang_of(state);
    let n: Option<i64> = kwargs.get("n")?;
    let mut s = match n {
        Some(n) => i18n::tn(lang, key, n.max(0) as u64),
        None => i18n::t(lang, key).to_owned(),
    };
    for arg in kwargs.args() {
        if arg == "n" {
            continue;
        }
        let v: minijinja::Value = kwargs.get(arg)?;
        s = s.replace(&format!("{{{arg}}}"), &v.to_string());
    }
    kwargs.assert_all_used()?;
    Ok(s)
}

/// A page's query string, read leniently: the first value of each name;
/// names a page does not use are ignored (links shared from elsewhere
/// often carry tracking parameters, and a resident must never see an
/// error for them). The API stays strict (`crate::query`).
#[derive(Debug, Default)]
pub struct PageQuery {
    pairs: Vec<(String, String)>,
}

impl PageQuery {
    pub fn parse(req: &HttpRequest) -> PageQuery {
        PageQuery {
            pairs: serde_urlencoded::from_str(req.query_string()).unwrap_or_default(),
        }
    }

    pub fn get(&self, name: &str) -> Option<&str> {
        self.pairs
            .iter()
            .find(|(k, _)| k == name)
            .map(|(_, v)| v.as_str())
    }

    pub fn lang(&self) -> Lang {
        Lang::from_param(self.get("lang"))
    }

    /// This page's address in the other language, keeping everything else.
    pub fn switch_href(&self, path: &str, to: Lang) -> String {
        let mut kept: Vec<(&str, &str)> = self
            .pairs
            .iter()
            .filter(|(k, _)| k != "lang")
            .map(|(k, v)| (k.as_str(), v.as_str()))
            .collect();
        if to == Lang::En {
            kept.push(("lang", "en"));
        }
        match serde_urlencoded::to_string(&kept) {
            Ok(q) if !q.is_empty() => format!("{path}?{q}"),
            _ => path.to_owned(),
        }
    }
}

/// A local link in the page's language: `/map` → `/map?lang=en` in English.
pub fn href(lang: Lang, path: &str) -> String {
    match lang {
        Lang::Lv => path.to_owned(),
        Lang::En if path.contains('?') => format!("{path}&lang=en"),
        Lang::En => format!("{path}?lang=en"),
    }
}

/// The newest `as_of` of the layers people see (sites, areas, priority
/// zones, coverage), and whether any of them holds simulated or
/// approximate data.
fn data_facts(snap: &gapmap_engine::snapshot::Snapshot) -> (Option<String>, bool, bool) {
    use gapmap_model::Source;
    let provs = snap
        .sites
        .iter()
        .map(|s| &s.provenance)
        .chain(snap.areas.iter().map(|a| &a.provenance))
        .chain(snap.zones.iter().map(|z| &z.provenance))
        .chain(snap.coverage.iter().map(|c| &c.provenance));
    let (mut newest, mut sim, mut approx) = (None, false, false);
    for p in provs {
        newest = newest.max(Some(p.as_of));
        sim |= p.source == Source::Simulated;
        approx |= p.source == Source::Approximate;
    }
    let demand = snap.stats.get(&gapmap_model::Layer::Demand);
    sim |= demand.is_some_and(|d| d.by_source.contains_key(&Source::Simulated));
    (newest.map(|d| d.to_string()), sim, approx)
}

/// The context every page shares: language, links, assets, data facts.
pub fn base_context(state: &AppState, q: &PageQuery, path: &str, page: &str) -> Map<String, Value> {
    let lang = q.lang();
    let snap = state.live.get();
    let (as_of, simulated, approximate) = data_facts(&snap);
    let a = assets(state);
    let mut m = Map::new();
    m.insert("lang".into(), json!(lang.code()));
    m.insert("other_lang".into(), json!(lang.other().code()));
    m.insert(
        "lang_switch".into(),
        json!(q.switch_href(path, lang.other())),
    );
    m.insert("page".into(), json!(page));
    m.insert(
        "links".into(),
        json!({
            "finder": href(lang, "/"),
            "map": href(lang, "/map"),
            "plan": href(lang, "/plan"),
            "leaflets": href(lang, "/leaflets"),
            "accessibility": href(lang, "/accessibility"),
            "report": href(lang, "/report"),
            "changes": href(lang, "/changes"),
            "staff": href(lang, "/edit"),
            "about_data": href(lang, "/accessibility#dati"),
        }),
    );
    m.insert(
        "assets".into(),
        json!({
            "site_css": a.url("site.css"),
            "print_css": a.url("print.css"),
            "finder_js": a.url("finder.js"),
            "map_js": a.url("map.js"),
            "map_css": a.url("map.css"),
            "planner_js": a.url("planner.js"),
            "maplibre_worker": a.url("maplibre-worker.js"),
        }),
    );
    m.insert(
        "as_of".into(),
        json!(as_of.as_deref().and_then(|d| words::date_long(lang, d))),
    );
    m.insert("simulated".into(), json!(simulated));
    m.insert("approximate".into(), json!(approximate));
    m.insert(
        "js_messages".into(),
        Value::Object(i18n::script_messages(lang)),
    );
    m
}

/// Render a template with the base context and the page's own values, as
/// a `text/html` response (gzip when the client accepts it), never cached.
pub fn render(
    req: &HttpRequest,
    template: &str,
    mut ctx: Map<String, Value>,
    page: Map<String, Value>,
) -> Result<HttpResponse, Problem> {
    ctx.extend(page);
    let html = env()
        .get_template(template)
        .and_then(|t| t.render(minijinja::Value::from(minijinja::value::Serde(&ctx))))
        .map_err(|e| Problem::internal(format!("template {template}: {e:#}")))?;
    Ok(html_response(req, actix_web::http::StatusCode::OK, html))
}

/// An HTML body with the page headers (gzip when accepted).
pub fn html_response(
    req: &HttpRequest,
    status: actix_web::http::StatusCode,
    html: String,
) -> HttpResponse {
    let mut r = HttpResponse::build(status);
    r.content_type("text/html; charset=utf-8")
        .insert_header((header::CACHE_CONTROL, PAGE_CACHE))
        .insert_header((header::VARY, "Accept-Encoding"));
    if crate::negotiate::accepts_gzip(req) && html.len() > 1024 {
        r.insert_header((header::CONTENT_ENCODING, "gzip"));
        r.body(gapmap_tiles::gzip(html.as_bytes()))
    } else {
        r.body(html)
    }
}

/// A friendly HTML error page (404 for an unknown parish, …) in the page's
/// language, with a way back.
pub fn error_page(
    req: &HttpRequest,
    state: &AppState,
    status: actix_web::http::StatusCode,
    message: String,
) -> Result<HttpResponse, Problem> {
    let mut page = Map::new();
    page.insert("message".into(), json!(message));
    render_error(req, state, status, page)
}

/// The HTML page of an error status for a browser: what happened in plain
/// words from the catalogue (`error.{status}.title|text`, else
/// `error.other.…`), the wait of a 429 or 503, and the way back.
pub fn status_page(
    req: &HttpRequest,
    state: &AppState,
    status: actix_web::http::StatusCode,
    retry_after: Option<u64>,
) -> Result<HttpResponse, Problem> {
    let lang = PageQuery::parse(req).lang();
    let code = status.as_u16();
    let known = matches!(code, 404 | 405 | 408 | 413 | 429 | 500 | 503);
    let key = if known {
        code.to_string()
    } else {
        "other".to_owned()
    };
    let seconds = retry_after.unwrap_or(60).to_string();
    let text = i18n::t(lang, &format!("error.{key}.text")).replace("{seconds}", &seconds);
    let mut page = Map::new();
    page.insert(
        "heading".into(),
        json!(i18n::t(lang, &format!("error.{key}.title"))),
    );
    page.insert("text".into(), json!(text));
    page.insert("status".into(), json!(code));
    render_error(req, state, status, page)
}

fn render_error(
    req: &HttpRequest,
    state: &AppState,
    status: actix_web::http::StatusCode,
    page: Map<String, Value>,
) -> Result<HttpResponse, Problem> {
    let q = PageQuery::parse(req);
    let mut ctx = base_context(state, &q, req.path(), "error");
    ctx.extend(page);
    let html = env()
        .get_template("error.html")
        .and_then(|t| t.render(minijinja::Value::from(minijinja::value::Serde(&ctx))))
        .map_err(|e| Problem::internal(format!("template error.html: {e:#}")))?;
    Ok(html_response(req, status, html))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn every_template_compiles() {
        let e = env();
        for (name, _) in TEMPLATES {
            assert!(e.get_template(name).is_ok(), "{name}");
        }
        let on_disk =
            std::fs::read_dir(std::path::Path::new(env!("CARGO_MANIFEST_DIR")).join("templates"))
                .expect("templates dir")
                .count();
        assert_eq!(on_disk, TEMPLATES.len(), "every template file is embedded");
    }

    #[test]
    fn every_message_key_in_the_templates_exists() {
        let keys: std::collections::BTreeSet<&str> = i18n::keys(Lang::Lv).into_iter().collect();
        let dir = std::path::Path::new(env!("CARGO_MANIFEST_DIR")).join("templates");
        let re_start = "t(\"";
        for entry in std::fs::read_dir(&dir).expect("templates dir") {
            let path = entry.expect("entry").path();
            let text = std::fs::read_to_string(&path).expect("template");
            for (i, _) in text.match_indices(re_start) {
                let rest = &text[i + re_start.len()..];
                let key = &rest[..rest.find('"').expect("closing quote")];
                if key.ends_with('.') || key.ends_with('_') {
                    continue; // a key built from a prefix and a value
                }
                let known = keys.contains(key) || keys.contains(format!("{key}.other").as_str());
                assert!(known, "{}: unknown message `{key}`", path.display());
            }
        }
    }

    #[test]
    fn language_links_keep_the_place() {
        let q = PageQuery {
            pairs: vec![("q".into(), "Glūda".into()), ("lang".into(), "en".into())],
        };
        assert_eq!(q.switch_href("/", Lang::Lv), "/?q=Gl%C5%ABda");
        let q = PageQuery {
            pairs: vec![("q".into(), "Glūda".into())],
        };
        assert_eq!(q.switch_href("/", Lang::En), "/?q=Gl%C5%ABda&lang=en");
        assert_eq!(href(Lang::En, "/map?z=9"), "/map?z=9&lang=en");
        assert_eq!(href(Lang::Lv, "/map"), "/map");
    }
}
