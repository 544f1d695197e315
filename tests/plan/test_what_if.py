"""What-if against a full recompute: the same sites really ingested into a
copy of the store, served, and asked for /gaps/summary and /gaps/parishes.
Also: nothing is stored, bad bodies name the feature, the rate limit."""

import json
import shutil

import requests

from conftest import GEODATA, run_gapmap

# Three new free-Wi-Fi points at buildings far from any, one library gone.
NEW = [("culture-vilce", 0.004), ("office-svetes", -0.003), ("office-livberzes", 0.002)]
GONE = "library-eleja"


def body(sites):
    by = {f["properties"]["id"]: f for f in sites["features"]}
    feats = [{"type": "Feature", "geometry": {"type": "Point", "coordinates": [by[s]["geometry"]["coordinates"][0] + dx,
                                                                               by[s]["geometry"]["coordinates"][1]]},
              "properties": {"id": f"new-{s}", "kind": "wifi", "free_wifi": True}} for s, dx in NEW]
    feats.append({"type": "Feature", "properties": {"site_id": GONE, "remove": True}})
    return {"type": "FeatureCollection", "features": feats}


def post(server, doc, staff=False, **params):
    headers = {"Content-Type": "application/geo+json"}
    if staff:
        headers["Authorization"] = f"Bearer {server.token}"
    return requests.post(server.url + "/api/v1/plan/what-if", params=params, data=json.dumps(doc),
                         headers=headers, timeout=30)


def strip(v):
    return {k: x for k, x in v.items() if k not in ("provenance", "id", "name", "thresholds", "snapshot_version", "note", "atvk")}


def test_what_if_equals_a_full_recompute(jelgava_server, jelgava_store, server_factory, tmp_path):
    sites = json.loads((GEODATA / "sites.geojson").read_text(encoding="utf-8"))
    doc = body(sites)
    before = jelgava_server.get("/api/v1/gaps/summary").json()
    r = post(jelgava_server, doc)
    assert r.status_code == 200, r.text
    w = r.json()
    assert w["committed"] is False and w["residents_newly_near_free_wifi"] > 0
    assert jelgava_server.get("/api/v1/gaps/summary").json() == before, "nothing is stored"
    # The same change, really made.
    edited = dict(sites)
    edited["features"] = [f for f in sites["features"] if f["properties"]["id"] != GONE]
    for f in doc["features"][:3]:
        p = {"kind": "wifi", "name": f["properties"]["id"], "free_wifi": True, "status": "active",
             "source": "simulated", "source_ref": "tests/plan what-if", "as_of": "2026-11-25"}
        edited["features"].append({"type": "Feature", "id": f["properties"]["id"], "geometry": f["geometry"], "properties": p})
    store = tmp_path / "full.gpkg"
    shutil.copy(jelgava_store, store)
    path = tmp_path / "sites.geojson"
    path.write_text(json.dumps(edited, ensure_ascii=False), encoding="utf-8")
    run_gapmap("ingest", "--store", store, "--layer", "sites", "--mode", "replace", path, check=True)
    full = server_factory(store)
    summary = full.get("/api/v1/gaps/summary").json()
    for k, v in strip(w["summary"]["after"]).items():
        assert summary[k] == v, k
    # Signed in (exact counts) the change is the residents who came near
    # less those who are no longer near.
    e = post(jelgava_server, doc, staff=True).json()
    assert e["summary"]["change"]["by_public_access"]["near"] == \
        e["residents_newly_near_free_wifi"] - e["residents_no_longer_near_free_wifi"]
    parishes = {p["id"]: p for p in full.get("/api/v1/gaps/parishes").json()["parishes"]}
    for p in w["parishes"]:
        assert strip(parishes[p["id"]]) == strip(p["after"]), p["id"]
    clusters = full.get("/api/v1/gaps/clusters").json()
    assert w["clusters"]["after"] == len(clusters["features"]) == summary["clusters"]
    # Under other thresholds too.
    r = post(jelgava_server, doc, near_m=2500)
    assert r.json()["summary"]["after"]["by_public_access"] == full.get("/api/v1/gaps/summary", params={"near_m": 2500}).json()["by_public_access"]


def test_bad_bodies_name_the_feature(jelgava_server):
    for doc, want in [
        ({"type": "FeatureCollection", "features": [{"type": "Feature", "properties": {"site_id": "atlantis"}}]}, "features[0]"),
        ({"type": "FeatureCollection", "features": [{"type": "Feature", "geometry": {"type": "Point", "coordinates": [2.35, 48.86]}}]}, "coordinates"),
        ({"type": "FeatureCollection", "features": [{"type": "Feature", "geometry": {"type": "Point", "coordinates": [23.7, 56.6]}}] * 101}, "1 to 100"),
        ({"type": "Point"}, "FeatureCollection"),
    ]:
        r = post(jelgava_server, doc)
        assert r.status_code == 400 and r.headers["content-type"] == "application/problem+json", r.text
        assert r.json()["parameter"] == "features" and want in r.json()["detail"], r.text
    r = requests.post(jelgava_server.url + "/api/v1/plan/what-if", data=b"{not json", timeout=30)
    assert r.status_code == 400 and r.json()["parameter"] == "body"
    assert jelgava_server.get("/api/v1/plan/what-if").status_code == 405


def test_rate_limited_per_client(jelgava_store, server_factory, tmp_path):
    store = tmp_path / "s.gpkg"
    shutil.copy(jelgava_store, store)
    s = server_factory(store)
    doc = {"type": "FeatureCollection", "features": [{"type": "Feature", "geometry": {"type": "Point", "coordinates": [23.6, 56.5]}}]}
    codes = [post(s, doc) for _ in range(40)]
    limited = [r for r in codes if r.status_code == 429]
    assert limited and all(r.status_code == 200 for r in codes[:20]), [r.status_code for r in codes]
    r = limited[0]
    assert r.headers["content-type"] == "application/problem+json"
    assert r.json()["type"] == "/problems/too-many-requests" and int(r.headers["retry-after"]) >= 1
