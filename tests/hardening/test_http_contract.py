"""Issue 14, the HTTP contract kept to the letter, through real HTTP:

- every 405 carries `Allow`; OPTIONS answers CORS preflights on public reads;
- `Access-Control-Allow-Origin: *` on public reads, never credentials; write
  resources (`/admin/…`) stay same-origin;
- the security headers on every kind of answer (JSON, errors, /ogc HTML, tiles,
  PMTiles, exports, 304, 405, 414);
- Accept q-values, 406 and `Vary: Accept`; canonical tile paths only;
- ETag / Cache-Control / 304 on API and OGC answers;
- requests refused before a handler: 414 / 431 problems, long values cut, and
  no ERROR line per request for what actix-http itself refuses.
"""

import json
import re
import socket
import time

import pytest
import requests

CSP = ("default-src 'self'; img-src 'self' data: blob:; worker-src 'self' blob:; style-src 'self'; "
       "script-src 'self'; connect-src 'self'; font-src 'self'; frame-ancestors 'none'; base-uri 'self'; "
       "form-action 'self'")


def problem(r, status, slug):
    assert r.status_code == status, (r.status_code, r.text[:300])
    assert r.headers["content-type"] == "application/problem+json", r.headers
    body = r.json()
    assert body["type"] == f"/problems/{slug}" and body["status"] == status, body
    return body


def assert_security_headers(r, what):
    h = r.headers
    assert h.get("content-security-policy") == CSP, (what, h.get("content-security-policy"))
    assert h.get("x-content-type-options") == "nosniff", what
    assert h.get("referrer-policy") == "strict-origin-when-cross-origin", what


def openapi_get_paths(server):
    doc = server.get("/api/v1/openapi.json").json()
    out = []
    for path, ops in doc["paths"].items():
        if "get" in ops:
            concrete = re.sub(r"\{[^}]+\}", lambda m: {"{tileset}": "sites", "{collection_id}": "sites",
                                                       "{layer}": "sites", "{format}": "csv", "{name}": "gapmap",
                                                       "{z}": "0", "{x}": "0", "{y}": "0",
                                                       "{feature_id}": "x"}.get(m.group(0), "x"), path)
            out.append(concrete)
    return out


def test_every_405_has_allow_and_every_get_route_answers_preflight(jelgava_server):
    s = jelgava_server
    paths = openapi_get_paths(s)
    assert len(paths) > 20
    for p in paths:
        for method in ["PUT", "DELETE", "PATCH", "POST"]:
            r = requests.request(method, s.url + p, timeout=10)
            problem(r, 405, "method-not-allowed")
            assert r.headers["allow"] == "GET, HEAD, OPTIONS", (p, method)
        pre = requests.options(s.url + p, timeout=10, headers={
            "Origin": "https://example.org", "Access-Control-Request-Method": "GET",
            "Access-Control-Request-Headers": "range, if-none-match"})
        assert pre.status_code == 204, (p, pre.status_code, pre.text)
        assert pre.headers["access-control-allow-origin"] == "*"
        assert "GET" in pre.headers["access-control-allow-methods"]
        assert "range" in pre.headers["access-control-allow-headers"].lower()
        assert "access-control-allow-credentials" not in pre.headers
        assert_security_headers(pre, p)
    # The write resource: its own Allow, no CORS, preflight refused.
    r = requests.get(s.url + "/admin/reload", timeout=10)
    problem(r, 405, "method-not-allowed")
    assert r.headers["allow"] == "POST, OPTIONS"
    assert "access-control-allow-origin" not in r.headers
    pre = requests.options(s.url + "/admin/reload", timeout=10, headers={
        "Origin": "https://example.org", "Access-Control-Request-Method": "POST"})
    problem(pre, 403, "cross-origin")
    assert "access-control-allow-origin" not in pre.headers


def test_cross_origin_write_is_refused_same_origin_is_not(jelgava_server):
    s = jelgava_server
    r = requests.post(s.url + "/admin/reload", timeout=10, headers={"Origin": "https://evil.example"})
    problem(r, 403, "cross-origin")
    assert "access-control-allow-origin" not in r.headers
    # Same origin (or no Origin, as curl): the handler answers (404: no admin token configured).
    for h in [{"Origin": s.url}, {}]:
        r = requests.post(s.url + "/admin/reload", timeout=10, headers=h)
        problem(r, 404, "disabled")
        assert "access-control-allow-origin" not in r.headers


def test_cors_and_security_headers_on_every_kind_of_answer(jelgava_server):
    s = jelgava_server
    cases = {
        "json": ("/api/v1/layers", {}),
        "problem 400": ("/api/v1/sites?nope=1", {}),
        "problem 404": ("/no/such/path", {}),
        "ogc html": ("/ogc/collections?f=html", {}),
        "ogc stylesheet": ("/ogc/style.css", {}),
        "tile": ("/tiles/parishes/0/0/0.mvt", {}),
        "tilejson": ("/tiles/parishes.json", {}),
        "pmtiles": ("/export/tiles.pmtiles", {}),
        "pmtiles range": ("/export/tiles.pmtiles", {"Range": "bytes=0-126"}),
        "export": ("/export/sites.csv", {}),
        "openapi": ("/api/v1/openapi.json", {}),
    }
    for what, (path, headers) in cases.items():
        r = requests.get(s.url + path, headers={"Origin": "https://qgis.example", **headers}, timeout=60)
        assert r.status_code < 500, (what, r.status_code)
        assert_security_headers(r, what)
        assert r.headers.get("access-control-allow-origin") == "*", what
        assert "access-control-allow-credentials" not in r.headers, what
        assert "ETag" in r.headers.get("access-control-expose-headers", ""), what
    # 304 and HEAD too.
    r = s.get("/api/v1/layers")
    r2 = s.get("/api/v1/layers", headers={"If-None-Match": r.headers["etag"]})
    assert r2.status_code == 304
    assert_security_headers(r2, "304")
    assert_security_headers(requests.head(s.url + "/ogc", timeout=10), "HEAD")


def test_ogc_pages_have_no_inline_style(jelgava_server):
    r = jelgava_server.get("/ogc/collections/sites/items", params={"f": "html"})
    assert "<style" not in r.text and "style=" not in r.text
    css = jelgava_server.get("/ogc/style.css")
    assert css.status_code == 200 and css.headers["content-type"].startswith("text/css")
    assert "font-family" in css.text


@pytest.mark.parametrize("accept,want", [
    ("text/html;q=0", 406),
    ("text/html;q=0, application/json;q=0", 406),
    ("image/png", 406),
    ("text/html;q=0, */*;q=0.1", "json"),
    ("application/json;q=0.4, text/html;q=0.5", "html"),
    ("text/html;q=0.4, application/json;q=0.5", "json"),
    ("text/html, application/json;q=0", "html"),
    ("*/*", "json"),
])
def test_accept_q_values(jelgava_server, accept, want):
    for path in ["/ogc", "/ogc/collections", "/ogc/collections/sites/items"]:
        r = jelgava_server.get(path, headers={"Accept": accept})
        if want == 406:
            problem(r, 406, "not-acceptable")
            continue
        assert r.status_code == 200, (path, accept, r.text[:200])
        assert ("text/html" in r.headers["content-type"]) == (want == "html"), (path, accept)
        assert "Accept" in r.headers["vary"], path
    # `f` wins over Accept.
    r = jelgava_server.get("/ogc", params={"f": "json"}, headers={"Accept": "text/html;q=0"})
    assert r.status_code == 200 and r.headers["content-type"].startswith("application/json")


@pytest.mark.parametrize("path", ["/tiles/sites/+0/0/0.mvt", "/tiles/sites/00/0/0.mvt", "/tiles/sites/1/01/0.mvt",
                                  "/tiles/sites/1/0/%2B1.mvt", "/tiles/sites/1/0/-0.mvt", "/tiles/sites/1/0/ 1.mvt"])
def test_non_canonical_tile_paths_are_404(jelgava_server, path):
    problem(jelgava_server.get(path), 404, "not-found")
    assert jelgava_server.get("/tiles/sites/1/1/0.mvt").status_code in (200, 204)


@pytest.mark.parametrize("path", ["/api/v1/layers", "/api/v1/gaps/summary", "/api/v1/gaps/parishes?near_m=2000",
                                  "/api/v1/sites?limit=3", "/api/v1/coverage?lon=23.7&lat=56.6",
                                  "/api/v1/nearest?lon=23.7&lat=56.6&at=2026-11-25T10:00:00%2B02:00",
                                  "/ogc", "/ogc/collections", "/ogc/collections/sites?f=html",
                                  "/ogc/collections/sites/items?limit=5", "/tiles/parishes.json", "/styles/gapmap.json"])
def test_etag_and_304_on_api_and_ogc(jelgava_server, path):
    s = jelgava_server
    r = s.get(path)
    assert r.status_code == 200
    etag = r.headers["etag"]
    version = s.get("/healthz").json()["snapshot_version"]
    assert etag.startswith(f'"{version}-') or version in etag, (etag, version)
    assert r.headers["cache-control"] == "public, max-age=0, must-revalidate"
    again = s.get(path)
    assert again.headers["etag"] == etag and again.content == r.content
    nm = s.get(path, headers={"If-None-Match": etag})
    assert nm.status_code == 304 and nm.content == b"" and nm.headers["etag"] == etag
    assert s.get(path, headers={"If-None-Match": '"other"'}).status_code == 200


def test_nearest_without_at_is_not_cached_under_one_tag(jelgava_server):
    # `at` defaults to now: the body changes, so does the tag.
    a = jelgava_server.get("/api/v1/nearest?lon=23.7&lat=56.6")
    time.sleep(0.01)
    b = jelgava_server.get("/api/v1/nearest?lon=23.7&lat=56.6")
    assert a.json()["at"] != b.json()["at"] and a.headers["etag"] != b.headers["etag"]


def test_long_uri_and_headers_are_problems_with_short_details(jelgava_server):
    s = jelgava_server
    long_value = "x" * 20_000
    r = s.get("/api/v1/sites?kind=" + long_value)
    body = problem(r, 414, "uri-too-long")
    assert len(r.content) < 1000
    r = s.get("/api/v1/sites", headers={"X-Big": "y" * 9000})
    problem(r, 431, "headers-too-large")
    r = s.get("/api/v1/sites", headers={f"X-H{i}": "1" for i in range(70)})
    problem(r, 431, "headers-too-large")
    # A long bad value under the URI limit is cut in `detail`.
    r = s.get("/api/v1/sites?kind=" + "k" * 7000)
    body = problem(r, 400, "invalid-parameter")
    assert len(body["detail"]) < 400 and "bytes in all" in body["detail"], body["detail"][:500]
    r = s.get("/api/v1/sites?" + "p" * 7000 + "=1")
    body = problem(r, 400, "unknown-parameter")
    assert len(r.content) < 1500


def raw(server, data: bytes) -> bytes:
    host, port = server.url.removeprefix("http://").split(":")
    with socket.create_connection((host, int(port)), timeout=10) as c:
        c.sendall(data)
        out = b""
        try:
            while chunk := c.recv(65536):
                out += chunk
        except (ConnectionResetError, socket.timeout):
            pass
    return out


def test_what_actix_refuses_itself_does_not_log_an_error_per_request(jelgava_store, server_factory, tmp_path):
    s = server_factory(jelgava_store, env={"RUST_LOG": "info,gapmap::access=warn"})
    for _ in range(20):
        head = raw(s, b"GET /" + b"a" * 70_000 + b" HTTP/1.1\r\nHost: x\r\n\r\n")
        assert head.startswith(b"HTTP/1.1 4"), head[:80]
        head = raw(s, b"GET / HTTP/1.1\r\nBad Header\r\n\r\n")
        assert head.startswith(b"HTTP/1.1 400"), head[:80]
    assert s.get("/healthz").status_code == 200
    s.stop()
    err = s.proc.stderr.read()
    errors = [line for line in err.splitlines() if " ERROR " in line or "ERROR" in line.split(" ")[:3]]
    assert not errors, errors[:3]
