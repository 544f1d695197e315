"""Issue 14: absolute links from `[server] public_url` only (forwarded headers
from `[server] trusted_proxies` only, the request's Host never), and byte
ranges on every large download, checked against the whole body and by the
Python `pmtiles` reader reading the archive over HTTP ranges."""

import gzip
import sys
from pathlib import Path

import pytest
import requests

sys.path.insert(0, str(Path(__file__).resolve().parent.parent / "tiles"))
from mvt_validator import validate  # noqa: E402

SPOOF = {"Host": "evil.example", "X-Forwarded-Host": "evil.example", "X-Forwarded-Proto": "https",
         "Forwarded": "host=evil.example;proto=https"}


def hrefs(doc):
    if isinstance(doc, dict):
        for k, v in doc.items():
            if k in ("href", "tiles", "sources", "url", "sprite", "glyphs") or isinstance(v, (dict, list)):
                yield from hrefs(v) if isinstance(v, (dict, list)) else [v] if isinstance(v, str) else []
    elif isinstance(doc, list):
        for v in doc:
            yield from hrefs(v) if isinstance(v, (dict, list)) else [v] if isinstance(v, str) else []


LINKED = ["/ogc", "/ogc/collections", "/ogc/collections/sites", "/ogc/collections/sites/items?limit=2",
          "/ogc/conformance", "/tiles/parishes.json", "/styles/gapmap.json"]


def absolute_links(server, headers=None):
    out = []
    for p in LINKED:
        r = requests.get(server.url + p, headers=headers or {}, timeout=30)
        assert r.status_code == 200, (p, r.text[:200])
        out += [h for h in hrefs(r.json()) if h.startswith("http") and "opengis.net" not in h
                and "creativecommons" not in h]
    assert out
    return out


def test_spoofed_host_never_reaches_links(jelgava_server):
    for h in absolute_links(jelgava_server, SPOOF):
        assert h.startswith(jelgava_server.url + "/"), h


def test_public_url_is_the_base_of_every_link(jelgava_store, server_factory):
    s = server_factory(jelgava_store, "--public-url", "https://karte.example.lv/map")
    for h in absolute_links(s, SPOOF):
        assert h.startswith("https://karte.example.lv/map/"), h


def test_forwarded_headers_only_from_trusted_proxies(jelgava_store, server_factory, tmp_path):
    cfg = tmp_path / "proxy.toml"
    cfg.write_text('[server]\ntrusted_proxies = ["127.0.0.1"]\n')
    s = server_factory(jelgava_store, "--config", cfg)
    links = absolute_links(s, {"X-Forwarded-Host": "karte.example.lv", "X-Forwarded-Proto": "https"})
    assert all(h.startswith("https://karte.example.lv/") for h in links), links[:3]
    links = absolute_links(s, {"Forwarded": 'for=1.2.3.4;host="karte2.example.lv";proto=https'})
    assert all(h.startswith("https://karte2.example.lv/") for h in links), links[:3]
    # A malformed forwarded host is not used.
    links = absolute_links(s, {"X-Forwarded-Host": "evil.example/<script>"})
    assert all(h.startswith(s.url + "/") for h in links), links[:3]
    # From an untrusted peer (the default config) the same headers do nothing:
    # see test_spoofed_host_never_reaches_links.


def check_ranges(server, path, whole: bytes):
    n = len(whole)
    etag = requests.head(server.url + path, timeout=60).headers["etag"]
    for spec, (a, b) in {f"bytes=0-{min(126, n - 1)}": (0, min(126, n - 1)),
                         f"bytes={n // 2}-": (n // 2, n - 1),
                         "bytes=-100": (n - 100, n - 1),
                         f"bytes={n - 1}-{n + 500}": (n - 1, n - 1),
                         "bytes=7-7": (7, 7)}.items():
        r = requests.get(server.url + path, headers={"Range": spec}, timeout=60)
        assert r.status_code == 206, (path, spec, r.status_code)
        assert r.headers["content-range"] == f"bytes {a}-{b}/{n}", (path, spec)
        assert r.content == whole[a:b + 1], (path, spec)
        assert r.headers["etag"] == etag and r.headers["accept-ranges"] == "bytes"
    r = requests.get(server.url + path, headers={"Range": f"bytes={n}-"}, timeout=60)
    assert r.status_code == 416 and r.headers["content-range"] == f"bytes */{n}"
    assert r.headers["content-type"] == "application/problem+json"
    # Several ranges, a malformed one, or a stale If-Range: the whole file.
    for h in [{"Range": "bytes=0-1,5-6"}, {"Range": "bytes=x-y"},
              {"Range": "bytes=0-9", "If-Range": '"stale"'}]:
        r = requests.get(server.url + path, headers=h, timeout=60)
        assert r.status_code == 200 and r.content == whole, (path, h)
    r = requests.get(server.url + path, headers={"Range": "bytes=0-9", "If-Range": etag}, timeout=60)
    assert r.status_code == 206 and r.content == whole[:10]
    assert requests.get(server.url + path, headers={"If-None-Match": etag}, timeout=60).status_code == 304


@pytest.mark.parametrize("path", ["/export/tiles.pmtiles", "/export/sites.geojson", "/export/coverage.csv",
                                  "/export/parishes.gpkg", "/export/sites.csv?crs=EPSG:3059"])
def test_byte_ranges_match_the_whole_body(jelgava_server, path):
    r = jelgava_server.get(path)
    assert r.status_code == 200 and r.headers["accept-ranges"] == "bytes"
    assert int(r.headers["content-length"]) == len(r.content) > 200
    check_ranges(jelgava_server, path, r.content)


def test_pmtiles_reader_reads_the_archive_by_http_range(jelgava_server):
    from pmtiles.reader import Reader
    url = jelgava_server.url + "/export/tiles.pmtiles"
    etag = requests.head(url, timeout=60).headers["etag"]
    sizes = []
    session = requests.Session()

    def get_bytes(offset, length):
        r = session.get(url, headers={"Range": f"bytes={offset}-{offset + length - 1}", "If-Range": etag},
                        timeout=60)
        assert r.status_code == 206, r.status_code
        sizes.append(len(r.content))
        return r.content

    reader = Reader(get_bytes)
    header = reader.header()
    assert header["min_zoom"] == 0 and header["max_zoom"] == 14
    meta = reader.metadata()
    assert meta and "vector_layers" in meta
    seen = 0
    for z, x, y in [(0, 0, 0), (8, 145, 78), (10, 579, 315)]:
        t = reader.get(z, x, y)
        if t is None:
            continue
        verdict, problems = validate(gzip.decompress(t))
        assert verdict == "valid", (z, x, y, problems)
        seen += 1
    assert seen >= 1
    whole = int(requests.head(url, timeout=60).headers["content-length"])
    assert sum(sizes) < whole / 2, (sum(sizes), whole)  # ranges, not the whole archive
