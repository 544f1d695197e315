"""Ingest → GeoPackage store → GDAL reads it; serve → real HTTP answers,
including problem+json bodies, and a running server picks up an ingest."""

import json
import shutil
import sqlite3
import subprocess
import time

import requests

from conftest import GEODATA, JELGAVA_FILES, run_gapmap

VALIDATE_GPKG = "/usr/lib/python3/dist-packages/osgeo_utils/samples/validate_gpkg.py"
EXPECTED_LAYERS = {"sites", "areas", "coverage", "demand", "priority_zones", "plan", "settlements", "buildings",
                   "equipment", "visits", "gapmap_ingest_log"}


def feature_count(path, name):
    with open(GEODATA / name, encoding="utf-8") as f:
        if name.endswith(".csv"):
            return sum(1 for _ in f) - 1
        doc = json.load(f)
    return len(doc["targets"]) if "targets" in doc else len(doc["features"])


def test_ogrinfo_reads_the_store_with_no_warning(jelgava_store):
    p = subprocess.run(["ogrinfo", "-ro", "-so", "-al", str(jelgava_store)], capture_output=True, text=True)
    assert p.returncode == 0, p.stderr
    assert p.stderr.strip() == "", p.stderr
    counts = dict((m, int(n)) for m, n in __import__("re").findall(r"Layer name: (\w+)[\s\S]*?Feature Count: (\d+)", p.stdout))
    assert set(counts) == EXPECTED_LAYERS
    for layer, name in [("sites", "sites.geojson"), ("areas", "areas.geojson"), ("coverage", "coverage.geojson"),
                        ("demand", "demand.csv"), ("priority_zones", "priority_zones.geojson"), ("plan", "plan.json"),
                        ("settlements", "settlements.geojson"), ("buildings", "buildings.geojson"),
                        ("equipment", "equipment.csv"), ("visits", "visits.csv")]:
        assert counts[layer] == feature_count(GEODATA, name), layer
    assert "WGS 84" in p.stdout
    full = subprocess.run(["ogrinfo", "-ro", "-al", "-q", str(jelgava_store)], capture_output=True, text=True)
    assert full.returncode == 0 and full.stderr.strip() == "", full.stderr


def test_validate_gpkg_passes(jelgava_store):
    p = subprocess.run(["/usr/bin/python3", VALIDATE_GPKG, str(jelgava_store)], capture_output=True, text=True)
    assert p.returncode == 0, p.stdout + p.stderr
    assert p.stdout.strip() == "" and p.stderr.strip() == "", p.stdout + p.stderr


def test_rtree_index_matches_features(jelgava_store):
    with sqlite3.connect(jelgava_store) as db:
        for t in ["sites", "settlements", "areas", "coverage", "demand", "priority_zones"]:
            n = db.execute(f"SELECT count(*) FROM {t}").fetchone()[0]
            r = db.execute(f"SELECT count(*) FROM rtree_{t}_geom").fetchone()[0]
            assert n == r, t
        assert db.execute("PRAGMA application_id").fetchone()[0] == 0x47504B47
        assert db.execute("PRAGMA user_version").fetchone()[0] == 10300


def test_reingest_is_idempotent_and_audited(jelgava_store, tmp_path):
    store = tmp_path / "s.gpkg"
    shutil.copy(jelgava_store, store)
    before = store.read_bytes()
    p = run_gapmap("ingest", "--store", store, GEODATA / "sites.geojson", "--json", check=True)
    report = json.loads(p.stdout)
    c = report["files"][0]["counts"]
    assert (c["added"], c["changed"], c["removed"]) == (0, 0, 0)
    assert c["unchanged"] == feature_count(GEODATA, "sites.geojson")
    with sqlite3.connect(store) as db:
        ids_before = [r[0] for r in sqlite3.connect(":memory:").execute("SELECT 1")]
        rows = db.execute("SELECT file, layer, mode, added, changed, unchanged, removed FROM gapmap_ingest_log ORDER BY id").fetchall()
    assert rows[-1][1:] == ("sites", "upsert", 0, 0, c["unchanged"], 0)
    assert rows[-1][0].endswith("sites.geojson")
    # The embedded files, the boundaries' update (geodata/jelgava/sources), this re-ingest.
    assert len(rows) == len(JELGAVA_FILES) + 2
    del ids_before, before


def test_replace_mode_removes_missing_ids(jelgava_store, tmp_path):
    store = tmp_path / "s.gpkg"
    shutil.copy(jelgava_store, store)
    doc = json.loads((GEODATA / "sites.geojson").read_text(encoding="utf-8"))
    kept = doc["features"][:10]
    f = tmp_path / "ten_sites.geojson"
    f.write_text(json.dumps({"type": "FeatureCollection", "features": kept}, ensure_ascii=False), encoding="utf-8")
    report = json.loads(run_gapmap("ingest", "--store", store, "--mode", "replace", f, "--json", check=True).stdout)
    c = report["files"][0]["counts"]
    assert c["removed"] == len(doc["features"]) - 10 and c["unchanged"] == 10
    with sqlite3.connect(store) as db:
        assert db.execute("SELECT count(*) FROM sites").fetchone()[0] == 10
        assert db.execute("SELECT count(*) FROM rtree_sites_geom").fetchone()[0] == 10


def test_http_answers_and_problems(jelgava_server):
    s = jelgava_server
    h = s.get("/healthz")
    assert h.status_code == 200 and h.json()["status"] == "ok"
    layers = s.get("/api/v1/layers").json()
    by = {l["layer"]: l for l in layers["layers"]}
    assert by["sites"]["count"] == feature_count(GEODATA, "sites.geojson")
    assert by["demand"]["by_source"] == {"simulated": feature_count(GEODATA, "demand.csv")}
    assert layers["snapshot_version"]
    sites = s.get("/api/v1/sites", params={"kind": "library", "limit": 3}).json()
    assert sites["type"] == "FeatureCollection" and sites["numberReturned"] <= 3
    assert all(f["properties"]["kind"] == "library" for f in sites["features"])
    assert all(f["properties"]["source"] in ("official", "approximate", "simulated") for f in sites["features"])
    page2 = s.get("/api/v1/sites", params={"limit": 5, "offset": 5}).json()
    page1 = s.get("/api/v1/sites", params={"limit": 10}).json()
    assert [f["id"] for f in page2["features"]] == [f["id"] for f in page1["features"]][5:10]
    box = s.get("/api/v1/sites", params={"bbox": "23.5,56.4,23.8,56.7", "limit": 1000}).json()
    for f in box["features"]:
        x, y = f["geometry"]["coordinates"]
        assert 23.5 <= x <= 23.8 and 56.4 <= y <= 56.7


def assert_problem(r, status, type_suffix):
    assert r.status_code == status, r.text
    assert r.headers["content-type"].startswith("application/problem+json")
    body = r.json()
    assert body["status"] == status and body["type"].endswith(type_suffix) and body["title"] and body["detail"]
    return body


def test_every_error_is_problem_json(jelgava_server):
    s = jelgava_server
    b = assert_problem(s.get("/api/v1/sites", params={"colour": "red"}), 400, "/unknown-parameter")
    assert b["parameter"] == "colour"
    b = assert_problem(s.get("/api/v1/sites", params={"limit": "-1"}), 400, "/invalid-parameter")
    assert b["parameter"] == "limit"
    assert_problem(s.get("/api/v1/sites", params={"kind": "pub"}), 400, "/invalid-parameter")
    assert_problem(s.get("/api/v1/sites", params={"bbox": "1,2,3"}), 400, "/invalid-parameter")
    assert_problem(s.get("/no/such/page"), 404, "/not-found")
    assert_problem(requests.delete(s.url + "/api/v1/sites", timeout=10), 405, "/method-not-allowed")
    big = b"x" * (2 << 20)
    assert_problem(requests.post(s.url + "/admin/reload", data=big, timeout=30), 413, "/payload-too-large")
    assert_problem(requests.post(s.url + "/admin/reload", timeout=10), 404, "/disabled")
    # The type URI resolves to a description.
    t = s.get("/problems/unknown-parameter").json()
    assert t["status"] == 400


def test_running_server_picks_up_an_ingest(jelgava_store, tmp_path, server_factory):
    store = tmp_path / "live.gpkg"
    shutil.copy(jelgava_store, store)
    s = server_factory(store, "--reload-poll-ms", "200")
    v0 = s.get("/api/v1/layers").json()["snapshot_version"]
    f = tmp_path / "new_wifi.geojson"
    f.write_text(json.dumps({"type": "FeatureCollection", "features": [{
        "type": "Feature", "id": "wifi-test-live", "geometry": {"type": "Point", "coordinates": [23.72, 56.55]},
        "properties": {"kind": "wifi", "name": "Testa punkts", "free_wifi": True,
                       "source": "simulated", "source_ref": "test", "as_of": "2026-11-25"}}]}), encoding="utf-8")
    run_gapmap("ingest", "--store", store, f, check=True)
    deadline = time.time() + 15
    while time.time() < deadline:
        r = s.get("/api/v1/sites", params={"kind": "wifi"}).json()
        if any(x["id"] == "wifi-test-live" for x in r["features"]):
            break
        time.sleep(0.2)
    else:
        raise AssertionError("the server did not pick up the ingest within 15 s")
    assert s.get("/api/v1/layers").json()["snapshot_version"] != v0


def test_admin_reload_with_token(jelgava_store, tmp_path, server_factory):
    store = tmp_path / "tok.gpkg"
    shutil.copy(jelgava_store, store)
    s = server_factory(store, "--reload-poll-ms", "0", "--admin-token", "s3cret")
    assert_problem(requests.post(s.url + "/admin/reload", headers={"Authorization": "Bearer wrong"}, timeout=10), 401, "/unauthorized")
    before = int(s.get("/api/v1/layers").json()["snapshot_version"].rsplit("-r", 1)[1])
    f = tmp_path / "w.geojson"
    f.write_text(json.dumps({"type": "FeatureCollection", "features": [{
        "type": "Feature", "id": "wifi-by-token", "geometry": {"type": "Point", "coordinates": [23.72, 56.55]},
        "properties": {"kind": "wifi", "name": "T", "source": "simulated", "source_ref": "t", "as_of": "2026-11-25"}}]}))
    run_gapmap("ingest", "--store", store, f, check=True)
    r = requests.post(s.url + "/admin/reload", headers={"Authorization": "Bearer s3cret"}, timeout=60)
    assert r.status_code == 200, r.text
    # One revision past the store's before the ingest.
    assert r.json()["snapshot_version"].endswith(f"-r{before + 1}")
    assert any(x["id"] == "wifi-by-token" for x in s.get("/api/v1/sites", params={"kind": "wifi"}).json()["features"])
