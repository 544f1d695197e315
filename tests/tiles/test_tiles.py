"""Vector tiles, TileJSON, style and PMTiles through real clients: our own MVT
validator (checked against mvt-fixtures first), jsonschema, GDAL's MVT driver
and the Python pmtiles reader."""

import gzip
import json
import subprocess
import sys
from pathlib import Path

import pytest
import requests

sys.path.insert(0, str(Path(__file__).parent))
from conftest import realdata  # noqa: E402
from mvt_validator import validate  # noqa: E402

TILESETS = ["sites", "settlements", "municipality", "parishes", "coverage", "priority_zones", "demand_grid", "gap_grid", "gap_clusters", "buildings"]

# Fixtures whose bytes are identical in structure to another fixture with a
# different verdict: no validator can tell them apart from the bytes.
# 016 ("explicit UNKNOWN type") is byte-for-byte 003 ("missing type": the
# fixture encoder omitted the proto2 default); 057 ("gigantic MoveTo", valid)
# has the same geometry as 051 (huge count, one pair, fatal).
INDISTINGUISHABLE = {"016": "003", "057": "051"}


def fixtures():
    d = realdata("fixtures/mvt/mvt-fixtures-4.0.0/fixtures")
    return sorted(p for p in d.iterdir() if (p / "info.json").exists())


def expected(info):
    v = info["validity"]
    return "valid" if v["v2"] else v.get("error", "invalid")


def test_validator_gives_every_fixture_its_verdict():
    wrong = []
    for d in fixtures():
        info = json.loads((d / "info.json").read_text())
        want = expected(info)
        got, msgs = validate((d / "tile.mvt").read_bytes())
        if d.name in INDISTINGUISHABLE:
            sib = d.parent / INDISTINGUISHABLE[d.name]
            assert got == validate((sib / "tile.mvt").read_bytes())[0]
            continue
        if not (got == want or (want == "invalid" and got != "valid")):
            wrong.append((d.name, want, got, msgs))
    assert not wrong, wrong
    # the two contradictions are real: same verdict, same geometry bytes
    f = {p.name: p for p in fixtures()}
    assert (f["016"] / "tile.mvt").read_bytes() == (f["003"] / "tile.mvt").read_bytes()


def tile_range(bounds, z):
    import math
    def t(lon, lat):
        n = 2 ** z
        r = math.radians(lat)
        return int((lon + 180) / 360 * n), int((1 - math.log(math.tan(r) + 1 / math.cos(r)) / math.pi) / 2 * n)
    x0, y0 = t(bounds[0], bounds[3])
    x1, y1 = t(bounds[2], bounds[1])
    return [(x, y) for x in range(x0, x1 + 1) for y in range(y0, y1 + 1)]


def test_served_tiles_are_valid_and_sites_complete(jelgava_server):
    s = jelgava_server
    ids = {f["id"] for f in s.get("/api/v1/sites?limit=10000").json()["features"]}
    assert ids
    for ts in TILESETS:
        tj = s.get(f"/tiles/{ts}.json").json()
        if "bounds" not in tj:
            continue
        for z in (0, 6, 9, 12, 14) if ts == "sites" else (0, 6, 9, 12):
            seen = set()
            for x, y in tile_range(tj["bounds"], z):
                r = s.get(f"/tiles/{ts}/{z}/{x}/{y}.mvt")
                assert r.status_code in (200, 204), (ts, z, x, y, r.status_code)
                if r.status_code == 204:
                    continue
                verdict, msgs = validate(r.content, strict=True)
                assert verdict == "valid", (ts, z, x, y, msgs[:5])
                from mvt_validator import decode_tile
                layers, _ = decode_tile(r.content)
                assert [l["name"] for l in layers] == [ts]
                seen |= {f["properties"]["id"] for f in layers[0]["features"]}
            if ts == "sites":
                assert seen == ids, (z, len(seen), len(ids))


def test_tilejson_schema_and_style(jelgava_server):
    import jsonschema
    schema = json.loads(realdata("fixtures/tilejson/tilejson-spec-3.0.0/schema.json").read_text())
    for ts in TILESETS:
        tj = jelgava_server.get(f"/tiles/{ts}.json").json()
        jsonschema.validate(tj, schema)
        assert tj["attribution"] and tj["tiles"][0].startswith(jelgava_server.url)
    st = jelgava_server.get("/styles/gapmap.json").json()
    assert st["version"] == 8 and st["name"] == "gapmap"
    vector = {k for k, v in st["sources"].items() if v["type"] == "vector"}
    assert vector == set(TILESETS)
    # Other sources are small GeoJSON carried in the style (label points).
    assert all("data" in v and "url" not in v for k, v in st["sources"].items() if k not in vector)
    text = json.dumps(st)
    # Glyphs are served by gapmap itself (none when the front end is not built); no sprite.
    assert "sprite" not in st
    assert "glyphs" not in st or st["glyphs"].startswith(jelgava_server.url + "/static/glyphs-")
    for k in vector:
        assert st["sources"][k]["url"].startswith(jelgava_server.url)
    assert "simulated" in text
    assert jelgava_server.get("/styles/nope.json").status_code == 404


def test_errors_etag_gzip_204(jelgava_server):
    s = jelgava_server
    for bad in ["/tiles/nope/0/0/0.mvt", "/tiles/sites/15/0/0.mvt", "/tiles/sites/2/4/0.mvt", "/tiles/nope.json"]:
        r = s.get(bad)
        assert r.status_code == 404 and r.headers["content-type"] == "application/problem+json", bad
    assert s.get("/tiles/sites/1/0/0.mvt").status_code == 204  # Americas: nothing there
    r = requests.get(s.url + "/tiles/sites/0/0/0.mvt", headers={"Accept-Encoding": "gzip"}, stream=True, timeout=30)
    assert r.status_code == 200 and r.headers["content-encoding"] == "gzip"
    assert r.headers["content-type"] == "application/vnd.mapbox-vector-tile"
    raw = gzip.decompress(r.raw.read())
    assert validate(raw, strict=True)[0] == "valid"
    etag = r.headers["etag"]
    assert "cache-control" in r.headers
    r2 = requests.get(s.url + "/tiles/sites/0/0/0.mvt", headers={"Accept-Encoding": "gzip", "If-None-Match": etag}, timeout=30)
    assert r2.status_code == 304
    r3 = requests.get(s.url + "/tiles/sites/0/0/0.mvt", headers={"Accept-Encoding": "identity"}, timeout=30)
    assert "content-encoding" not in r3.headers and r3.content == raw


def test_ogrinfo_reads_a_tile(jelgava_server, tmp_path):
    r = jelgava_server.get("/tiles/parishes/9/289/157.mvt", headers={"Accept-Encoding": "identity"})
    assert r.status_code == 200
    p = tmp_path / "9" / "289" / "157.mvt"
    p.parent.mkdir(parents=True)
    p.write_bytes(r.content)
    out = subprocess.run(["ogrinfo", "-ro", "-al", "-so", str(p)], capture_output=True, text=True)
    assert out.returncode == 0, out.stderr
    assert "parishes" in out.stdout and "Feature Count" in out.stdout, out.stdout
    assert "ERROR" not in out.stderr


def test_pmtiles_reader(jelgava_server, tmp_path):
    from pmtiles.reader import MmapSource, Reader, all_tiles
    r = jelgava_server.get("/export/tiles.pmtiles")
    assert r.status_code == 200
    p = tmp_path / "t.pmtiles"
    p.write_bytes(r.content)
    with open(p, "rb") as f:
        src = MmapSource(f)
        rd = Reader(src)
        h = rd.header()
        assert h["min_zoom"] == 0 and h["max_zoom"] == 14
        meta = rd.metadata()
        assert meta["snapshot_version"] and meta["attribution"]
        assert {l["id"] for l in meta["vector_layers"]} == set(TILESETS)
        n = 0
        zooms = set()
        for (z, x, y), data in all_tiles(src):
            raw = gzip.decompress(data) if data[:2] == b"\x1f\x8b" else data
            v, msgs = validate(raw, strict=True)
            assert v == "valid", (z, x, y, msgs[:3])
            zooms.add(z)
            n += 1
        assert zooms == set(range(15)) and n > 100
