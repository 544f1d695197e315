"""Issue 24, tiles on static hosting: `[web] tiles_url` (GAPMAP_TILES_URL,
--tiles-url) is checked at start with an error naming the key; when set, the
map page's style reads one PMTiles archive (`?tiles=archive`) and the pages'
CSP lets the browser fetch it; `gapmap export --format pmtiles` ends by
saying how to publish the archive. The browser side (nginx serving the
export, the map drawing from it) is web/tests/browser/pmtiles.test.mjs."""

import html
import re

import pytest

from conftest import run_gapmap

ARCHIVE = "http://127.0.0.1:9/gapmap.pmtiles"


@pytest.mark.parametrize("how", ["config", "env", "flag"])
@pytest.mark.parametrize("bad,why", [
    ("ftp://tiles.example.lv/gapmap.pmtiles", "neither an http(s) URL"),
    ("https://tiles.example.lv/tiles/{z}/{x}/{y}.mvt", "does not name a .pmtiles file"),
    ("//cdn.example.lv/gapmap.pmtiles", "protocol-relative"),
])
def test_a_bad_tiles_url_stops_the_server_naming_the_key(jelgava_store, tmp_path, how, bad, why):
    args, env = ["serve", "--store", jelgava_store, "--port", "0"], {}
    if how == "config":
        cfg = tmp_path / "gapmap.toml"
        cfg.write_text(f'[web]\ntiles_url = "{bad}"\n')
        args += ["--config", cfg]
    elif how == "env":
        env["GAPMAP_TILES_URL"] = bad
    else:
        args += ["--tiles-url", bad]
    p = run_gapmap(*args, env=env, timeout=60)
    assert p.returncode == 64, p.stderr
    assert f"[web] tiles_url `{bad}`" in p.stderr and why in p.stderr, p.stderr


def test_an_unknown_key_in_web_is_an_error(jelgava_store, tmp_path):
    cfg = tmp_path / "gapmap.toml"
    cfg.write_text('[web]\ntile_url = "/gapmap.pmtiles"\n')
    p = run_gapmap("serve", "--store", jelgava_store, "--port", "0", "--config", cfg, timeout=60)
    assert p.returncode == 64, p.stderr
    assert "unknown field `tile_url`" in p.stderr, p.stderr


def test_with_tiles_url_the_map_reads_the_archive(jelgava_store, server_factory):
    s = server_factory(jelgava_store, env={"GAPMAP_TILES_URL": ARCHIVE})
    page = s.get("/map")
    assert 'data-style="/styles/gapmap.json?tiles=archive"' in html.unescape(page.text)
    assert "connect-src 'self' http://127.0.0.1:9;" in page.headers["Content-Security-Policy"]
    style = s.get("/styles/gapmap.json?tiles=archive").json()
    vector = {k: v for k, v in style["sources"].items() if v["type"] == "vector"}
    assert list(vector) == ["gapmap_archive"]
    assert vector["gapmap_archive"]["url"] == f"pmtiles://{ARCHIVE}"
    assert all(layer["source"] == "gapmap_archive" for layer in style["layers"] if "source-layer" in layer)
    # The planners' maps and other clients keep the server's own tiles.
    own = s.get("/styles/gapmap.json").json()
    assert "gapmap_archive" not in own["sources"] and own["sources"]["parishes"]["url"].endswith("/tiles/parishes.json")
    bad = s.get("/styles/gapmap.json?tiles=cdn")
    assert bad.status_code == 400 and bad.headers["Content-Type"] == "application/problem+json"


def test_a_path_on_this_site_resolves_against_the_public_url(jelgava_store, server_factory):
    s = server_factory(jelgava_store, "--public-url", "https://karte.example.lv",
                       env={"GAPMAP_TILES_URL": "/files/gapmap.pmtiles"})
    style = s.get("/styles/gapmap.json?tiles=archive").json()
    assert style["sources"]["gapmap_archive"]["url"] == "pmtiles://https://karte.example.lv/files/gapmap.pmtiles"
    # Same origin: the CSP needs nothing more.
    assert re.search(r"connect-src 'self';", s.get("/map").headers["Content-Security-Policy"])


def test_without_tiles_url_nothing_changes(jelgava_server):
    assert 'data-style="/styles/gapmap.json"' in html.unescape(jelgava_server.get("/map").text)
    r = jelgava_server.get("/styles/gapmap.json?tiles=archive")
    assert r.status_code == 404 and "[web] tiles_url" in r.json()["detail"]


def test_the_pmtiles_export_says_how_to_publish_it(jelgava_store, tmp_path):
    out = tmp_path / "gapmap.pmtiles"
    p = run_gapmap("export", "--format", "pmtiles", "--store", jelgava_store, "--out", out, timeout=600)
    assert p.returncode == 0, p.stderr
    assert out.stat().st_size > 10_000
    said = p.stderr
    for want in ["To publish it as the public map's tiles:", "answers HTTP Range requests",
                 "CORS for the map's origin", "tiles_url in the [web] section", "GAPMAP_TILES_URL",
                 f"run `gapmap export --format pmtiles --store {jelgava_store} --out {out}`",
                 "Tiles on static hosting"]:
        assert want in said, said
