"""Exports: /export/{layer}.{geojson,csv,gpkg} and `gapmap export`, read back
with real clients (GDAL's ogrinfo and validate_gpkg.py, Python's csv with
utf-8-sig, pyproj for EPSG:3059)."""

import csv
import io
import json
import sqlite3
import subprocess

import pytest

from conftest import run_gapmap

COLLECTIONS = ["sites", "settlements", "municipality", "parishes", "coverage", "priority_zones", "demand_grid", "gap_grid", "gap_clusters", "buildings"]
FORMATS = ["geojson", "csv", "gpkg"]
PROVENANCE = ["source", "source_ref", "as_of", "licence", "snapshot_version"]
VALIDATE_GPKG = "/usr/lib/python3/dist-packages/osgeo_utils/samples/validate_gpkg.py"
CONTENT_TYPES = {
    "geojson": "application/geo+json",
    "csv": "text/csv; charset=utf-8",
    "gpkg": "application/geopackage+sqlite3",
}

_cache = {}


def fetch(server, layer, fmt, crs=None):
    key = (server.url, layer, fmt, crs)
    if key not in _cache:
        r = server.get(f"/export/{layer}.{fmt}", params={"crs": crs} if crs else None)
        assert r.status_code == 200, r.text
        _cache[key] = r
    return _cache[key]


@pytest.fixture(scope="module")
def version(jelgava_server):
    return jelgava_server.get("/api/v1/layers").json()["snapshot_version"]


@pytest.fixture(scope="module")
def counts(jelgava_server):
    """The feature count of every collection, from its GeoJSON export."""
    return {c: len(fetch(jelgava_server, c, "geojson").json()["features"]) for c in COLLECTIONS}


def ogr_count(path):
    p = subprocess.run(["ogrinfo", "-ro", "-so", "-al", str(path)], capture_output=True, text=True)
    assert p.returncode == 0, p.stderr
    return [int(line.split(":")[1]) for line in p.stdout.splitlines() if line.startswith("Feature Count:")]


def test_counts_match_the_store(jelgava_server, counts):
    layers = {l["layer"]: l["count"] for l in jelgava_server.get("/api/v1/layers").json()["layers"]}
    assert counts["sites"] == layers["sites"]
    assert counts["coverage"] == layers["coverage"]
    assert counts["priority_zones"] == layers["priority_zones"]
    assert counts["municipality"] == 1
    assert counts["municipality"] + counts["parishes"] == layers["areas"]
    assert counts["demand_grid"] > 0 and 0 < counts["gap_grid"] <= counts["demand_grid"]


@pytest.mark.parametrize("fmt", FORMATS)
@pytest.mark.parametrize("layer", COLLECTIONS)
def test_export(jelgava_server, counts, version, layer, fmt, tmp_path):
    r = fetch(jelgava_server, layer, fmt)
    assert r.headers["content-type"] == CONTENT_TYPES[fmt]
    cd = r.headers["content-disposition"]
    assert cd.startswith("attachment; filename=") and layer in cd and f".{fmt}" in cd
    assert any(ch.isdigit() for ch in cd), cd  # the date
    # Issue 14 changed this: exports are spooled once per snapshot and sent
    # with Content-Length, so clients can resume them by byte range.
    assert r.headers.get("accept-ranges") == "bytes" and r.headers.get("etag")
    assert int(r.headers["content-length"]) == len(r.content)
    n = counts[layer]
    if fmt == "geojson":
        doc = r.json()
        assert doc["type"] == "FeatureCollection" and "crs" not in doc
        assert doc["metadata"]["snapshot_version"] == version
        assert doc["metadata"]["collection"] == layer and doc["metadata"]["licence"] and doc["metadata"]["attribution"]
        assert doc["metadata"]["count"] == n
        for f in doc["features"]:
            for k in ["source", "source_ref", "as_of", "licence"]:
                assert f["properties"].get(k), (f["id"], k)
    elif fmt == "csv":
        body = r.content
        assert body.startswith(b"\xef\xbb\xbf")
        assert b"\r\n" in body and body.count(b"\n") == body.count(b"\r\n")
        rows = list(csv.DictReader(io.StringIO(body.decode("utf-8-sig"), newline="")))
        assert len(rows) == n
        header = body.decode("utf-8-sig").split("\r\n", 1)[0].split(",")
        assert header[0] == "wkt" and header[1] == "id"
        for row in rows:
            for k in PROVENANCE:
                assert row[k], (row["id"], k)
            assert row["snapshot_version"] == version
        path = tmp_path / f"{layer}.csv"
        path.write_bytes(body)
        assert ogr_count(path) == [n]
    else:
        path = tmp_path / f"{layer}.gpkg"
        path.write_bytes(r.content)
        p = subprocess.run(["ogrinfo", "-ro", "-al", str(path)], capture_output=True, text=True)
        assert p.returncode == 0 and p.stderr == "", p.stderr
        assert f"snapshot_version={version}" in p.stdout
        assert "licence=" in p.stdout and "attribution=" in p.stdout
        v = subprocess.run(["/usr/bin/python3", VALIDATE_GPKG, str(path)], capture_output=True, text=True)
        assert v.returncode == 0 and v.stderr == "" and v.stdout == "", v.stdout + v.stderr
        assert ogr_count(path) == [n]
        db = sqlite3.connect(path)
        assert db.execute(f'SELECT count(*) FROM "{layer}"').fetchone()[0] == n
        assert db.execute(f'SELECT count(*) FROM "rtree_{layer}_geom"').fetchone()[0] == n
        assert db.execute("SELECT srs_id FROM gpkg_contents WHERE table_name = ?", (layer,)).fetchone()[0] == 4326
        ext = {r[0] for r in db.execute("SELECT extension_name FROM gpkg_extensions")}
        assert {"gpkg_rtree_index", "gpkg_metadata"} <= ext
        db.close()


def test_latvian_names_in_csv(jelgava_server):
    body = fetch(jelgava_server, "parishes", "csv").content
    rows = list(csv.DictReader(io.StringIO(body.decode("utf-8-sig"), newline="")))
    names = {r["name"] for r in rows}
    assert "Glūdas pagasts" in names, names
    assert all(r["wkt"].startswith("MULTIPOLYGON (((") for r in rows)


def store_sites(store):
    """Site positions from the store itself (full precision, WGS84): the
    GeoPackage's blobs, or PostGIS's coordinates (17 significant digits)."""
    if str(store).startswith("postgresql://"):
        import subprocess
        rows = subprocess.run(["psql", "-X", "-q", "-At", "-F", "\t", str(store), "-c",
                               "SET extra_float_digits = 3; SELECT id, ST_X(geom), ST_Y(geom) FROM sites"],
                              check=True, capture_output=True, text=True).stdout.splitlines()
        return {i: (float(x), float(y)) for i, x, y in (r.split("\t") for r in rows if r)}
    db = sqlite3.connect(store)
    out = {}
    for fid, blob in db.execute("SELECT id, geom FROM sites"):
        flags = blob[3]
        env = {0: 0, 1: 32, 2: 48, 3: 48, 4: 64}[(flags >> 1) & 7]
        wkb = blob[8 + env:]
        import struct
        order = "<" if wkb[0] == 1 else ">"
        x, y = struct.unpack(order + "dd", wkb[5:21])
        out[fid] = (x, y)
    db.close()
    return out


@pytest.mark.parametrize("crs", ["EPSG:3059", "http://www.opengis.net/def/crs/EPSG/0/3059", "urn:ogc:def:crs:EPSG::3059"])
def test_lks92_geojson_matches_pyproj(jelgava_server, crs):
    from pyproj import Transformer
    t = Transformer.from_crs("EPSG:4326", "EPSG:3059", always_xy=True)
    truth = store_sites(jelgava_server.store)
    doc = fetch(jelgava_server, "sites", "geojson", crs).json()
    assert doc["crs"]["properties"]["name"] == "urn:ogc:def:crs:EPSG::3059"
    assert doc["metadata"]["crs"] == "EPSG:3059"
    assert len(doc["features"]) == len(truth)
    for f in doc["features"]:
        e, n = f["geometry"]["coordinates"]
        te, tn = t.transform(*truth[f["id"]])
        assert abs(e - te) <= 0.001 and abs(n - tn) <= 0.001, (f["id"], e, n, te, tn)


def test_lks92_csv_and_gpkg_match_pyproj(jelgava_server, tmp_path):
    from pyproj import Transformer
    t = Transformer.from_crs("EPSG:4326", "EPSG:3059", always_xy=True)
    truth = store_sites(jelgava_server.store)
    body = fetch(jelgava_server, "sites", "csv", "EPSG:3059").content
    rows = list(csv.DictReader(io.StringIO(body.decode("utf-8-sig"), newline="")))
    assert len(rows) == len(truth)
    for row in rows:
        e, n = map(float, row["wkt"].removeprefix("POINT (").removesuffix(")").split())
        te, tn = t.transform(*truth[row["id"]])
        assert abs(e - te) <= 0.001 and abs(n - tn) <= 0.001, row["id"]
    path = tmp_path / "sites3059.gpkg"
    path.write_bytes(fetch(jelgava_server, "sites", "gpkg", "EPSG:3059").content)
    p = subprocess.run(["ogrinfo", "-ro", "-al", str(path)], capture_output=True, text=True)
    assert p.returncode == 0 and p.stderr == "", p.stderr
    v = subprocess.run(["/usr/bin/python3", VALIDATE_GPKG, str(path)], capture_output=True, text=True)
    assert v.returncode == 0 and v.stdout + v.stderr == ""
    db = sqlite3.connect(path)
    assert db.execute("SELECT srs_id FROM gpkg_geometry_columns").fetchone()[0] == 3059
    assert db.execute("SELECT srs_id FROM gpkg_contents WHERE table_name = 'sites'").fetchone()[0] == 3059
    assert db.execute("SELECT organization_coordsys_id FROM gpkg_spatial_ref_sys WHERE srs_id = 3059").fetchone()[0] == 3059
    db.close()
    gpkg_sites = store_sites(path)
    for fid, (e, n) in gpkg_sites.items():
        te, tn = t.transform(*truth[fid])
        assert abs(e - te) <= 0.001 and abs(n - tn) <= 0.001, fid


@pytest.mark.parametrize("crs", ["EPSG:4326", "CRS84", "http://www.opengis.net/def/crs/OGC/1.3/CRS84"])
def test_wgs84_forms_equal_default(jelgava_server, crs):
    assert fetch(jelgava_server, "sites", "geojson", crs).content == fetch(jelgava_server, "sites", "geojson").content


@pytest.mark.parametrize("path,status", [
    ("/export/nope.geojson", 404),
    ("/export/demand.csv", 404),
    ("/export/sites.geojson?crs=EPSG:3857", 400),
    ("/export/sites.csv?crs=rubbish", 400),
    ("/export/sites.gpkg?limit=10", 400),
])
def test_problems(jelgava_server, path, status):
    r = jelgava_server.get(path)
    assert r.status_code == status
    assert r.headers["content-type"].startswith("application/problem+json")


@pytest.mark.parametrize("fmt", FORMATS)
@pytest.mark.parametrize("layer", COLLECTIONS)
def test_cli_equals_http(jelgava_server, jelgava_store, counts, layer, fmt, tmp_path):
    out = tmp_path / f"{layer}.{fmt}"
    run_gapmap("export", "--store", jelgava_store, "--layer", layer, "--format", fmt, "--out", out, check=True)
    if fmt == "gpkg":
        assert ogr_count(out) == [counts[layer]]
    else:
        assert out.read_bytes() == fetch(jelgava_server, layer, fmt).content


def test_cli_lks92_and_usage_errors(jelgava_server, jelgava_store, tmp_path):
    out = tmp_path / "s.csv"
    run_gapmap("export", "--store", jelgava_store, "--layer", "sites", "--format", "csv", "--crs", "EPSG:3059", "--out", out, check=True)
    assert out.read_bytes() == fetch(jelgava_server, "sites", "csv", "EPSG:3059").content
    p = run_gapmap("export", "--store", jelgava_store, "--layer", "nope", "--format", "csv", "--out", out)
    assert p.returncode == 64 and "sites" in p.stderr
    p = run_gapmap("export", "--store", jelgava_store, "--layer", "sites", "--format", "csv", "--crs", "EPSG:3857", "--out", out)
    assert p.returncode == 64
    p = run_gapmap("export", "--store", tmp_path / "missing.gpkg", "--layer", "sites", "--format", "csv", "--out", out)
    assert p.returncode == 64


def test_head_and_a_client_that_goes_away(jelgava_server):
    import requests
    r = requests.head(jelgava_server.url + "/export/demand_grid.geojson", timeout=30)
    assert r.status_code == 200 and r.headers["content-type"] == "application/geo+json"
    with requests.get(jelgava_server.url + "/export/demand_grid.csv", stream=True, timeout=30) as r:
        first = next(r.iter_content(1024))
        assert first.startswith(b"\xef\xbb\xbfwkt,id,")
    # the server keeps serving after the abandoned download
    assert jelgava_server.get("/export/sites.csv").status_code == 200


def _read_pmtiles(path):
    from pmtiles.reader import MmapSource, Reader, all_tiles
    with open(path, "rb") as f:
        src = MmapSource(f)
        r = Reader(src)
        return r.header(), r.metadata(), dict(all_tiles(src))


def test_cli_pmtiles_equals_http(jelgava_server, jelgava_store, version, tmp_path):
    """`gapmap export --format pmtiles` writes the archive GET /export/tiles.pmtiles
    serves: the same header, layers and tiles (the metadata differ only in
    `built_at`, the time each snapshot was built)."""
    out = tmp_path / "tiles.pmtiles"
    p = run_gapmap("export", "--store", jelgava_store, "--format", "pmtiles", "--out", out, check=True)
    assert "PMTiles" in p.stderr and version in p.stderr
    r = jelgava_server.get("/export/tiles.pmtiles")
    assert r.status_code == 200 and r.headers["content-type"] == "application/vnd.pmtiles"
    http = tmp_path / "http.pmtiles"
    http.write_bytes(r.content)
    (h1, m1, t1), (h2, m2, t2) = _read_pmtiles(out), _read_pmtiles(http)
    assert h1["min_zoom"] == 0 and h1["max_zoom"] == 14 and h1["tile_type"] == h2["tile_type"]
    for k in ["min_zoom", "max_zoom", "min_lon_e7", "min_lat_e7", "max_lon_e7", "max_lat_e7",
              "center_zoom", "addressed_tiles_count", "tile_entries_count", "tile_contents_count",
              "tile_compression", "internal_compression"]:
        assert h1[k] == h2[k], k
    assert m1["snapshot_version"] == m2["snapshot_version"] == version
    assert {k: v for k, v in m1.items() if k != "built_at"} == {k: v for k, v in m2.items() if k != "built_at"}
    assert {l["id"] for l in m1["vector_layers"]} == set(COLLECTIONS)
    assert len(t1) > 100 and {z for z, _, _ in t1} == set(range(15))
    assert t1 == t2


def test_cli_pmtiles_usage_errors(jelgava_store, tmp_path):
    out = tmp_path / "t.pmtiles"
    for extra in (["--layer", "sites"], ["--crs", "EPSG:3059"]):
        p = run_gapmap("export", "--store", jelgava_store, "--format", "pmtiles", *extra, "--out", out)
        assert p.returncode == 64, p.stderr
        assert not out.exists()
    p = run_gapmap("export", "--store", jelgava_store, "--format", "csv", "--out", tmp_path / "s.csv")
    assert p.returncode == 64 and "--layer" in p.stderr
    p = run_gapmap("export", "--store", tmp_path / "missing.gpkg", "--format", "pmtiles", "--out", out)
    assert p.returncode == 64 and not out.exists()
