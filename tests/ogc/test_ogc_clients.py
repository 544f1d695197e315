"""Real OGC API – Features clients against /ogc: GDAL's OAPIF driver
(Debian gdal-bin: ogrinfo, ogr2ogr) and OWSLib (PyPI)."""

import re
import shutil
import sqlite3
import subprocess
from urllib.parse import parse_qsl, urlparse

import pytest

COLLECTIONS = ["sites", "settlements", "municipality", "parishes", "coverage", "priority_zones", "demand_grid", "gap_grid", "gap_clusters", "buildings"]


def gdal(*args):
    exe = args[0]
    if not shutil.which(exe):
        pytest.fail(f"{exe} is missing: install gdal-bin (make deps)")
    env = {"PATH": "/usr/bin:/bin", "CPL_DEBUG": "OFF", "GDAL_HTTP_TIMEOUT": "60"}
    p = subprocess.run(list(map(str, args)), capture_output=True, text=True, env=env, timeout=600)
    assert p.returncode == 0, f"{' '.join(map(str, args))}: {p.stderr}"
    assert p.stderr.strip() == "", f"{' '.join(map(str, args))} warned: {p.stderr}"
    return p.stdout


def matched(server, cid):
    return server.get(f"/ogc/collections/{cid}/items", params={"limit": 1}).json()["numberMatched"]


def test_gdal_version():
    assert re.match(r"GDAL 3\.", gdal("ogrinfo", "--version"))


def test_ogrinfo_lists_every_collection(jelgava_server):
    out = gdal("ogrinfo", "-ro", f"OAPIF:{jelgava_server.url}/ogc")
    layers = re.findall(r"^\d+: (\S+)", out, re.M)
    assert layers == COLLECTIONS, out


@pytest.mark.parametrize("cid", COLLECTIONS)
def test_ogrinfo_counts_and_ogr2ogr_copies(jelgava_server, cid, tmp_path):
    want = matched(jelgava_server, cid)
    out = gdal("ogrinfo", "-ro", "-so", f"OAPIF:{jelgava_server.url}/ogc", cid)
    m = re.search(r"Feature Count: (\d+)", out)
    assert m and int(m.group(1)) == want, out
    gpkg = tmp_path / f"{cid}.gpkg"
    gdal("ogr2ogr", "-f", "GPKG", gpkg, f"OAPIF:{jelgava_server.url}/ogc", cid)
    with sqlite3.connect(gpkg) as db:
        n = db.execute(f'SELECT count(*) FROM "{cid}"').fetchone()[0]
        cols = {r[1] for r in db.execute(f'PRAGMA table_info("{cid}")')}
    assert n == want
    assert {"source", "source_ref", "as_of", "licence"} <= cols, cols


# ---------------------------------------------------------------- OWSLib

@pytest.fixture
def features(jelgava_server):
    from owslib.ogcapi.features import Features
    return Features(f"{jelgava_server.url}/ogc")


def test_owslib_collections(features, jelgava_server):
    ids = [c["id"] for c in features.collections()["collections"]]
    assert ids == COLLECTIONS
    assert features.conformance()["conformsTo"]
    c = features.collection("sites")
    assert c["id"] == "sites" and c["itemType"] == "feature"


def test_owslib_items_with_bbox_and_limit(features, jelgava_server):
    everything = features.collection_items("sites", limit=10000)
    lons = sorted(f["geometry"]["coordinates"][0] for f in everything["features"])
    lats = sorted(f["geometry"]["coordinates"][1] for f in everything["features"])
    bbox = [lons[0], lats[0], lons[len(lons) // 2], lats[-1]]
    inside = [f for f in everything["features"]
              if bbox[0] <= f["geometry"]["coordinates"][0] <= bbox[2] and bbox[1] <= f["geometry"]["coordinates"][1] <= bbox[3]]
    r = features.collection_items("sites", bbox=bbox, limit=5)
    assert r["numberMatched"] == len(inside) and r["numberReturned"] == 5
    assert all(bbox[0] <= f["geometry"]["coordinates"][0] <= bbox[2] for f in r["features"])


@pytest.mark.parametrize("cid", ["sites", "demand_grid"])
def test_owslib_pages_to_the_end(features, cid):
    params = {"limit": 7}
    seen, total = [], None
    for _ in range(10000):
        page = features.collection_items(cid, **params)
        total = page["numberMatched"]
        seen += [f["id"] for f in page["features"]]
        nxt = [l["href"] for l in page["links"] if l["rel"] == "next"]
        if not nxt:
            break
        q = dict(parse_qsl(urlparse(nxt[0]).query))
        q.pop("f", None)
        params = q
    assert len(seen) == len(set(seen)) == total > 7
