"""Issue 24: PostGIS as the store shared by several stateless servers
behind a load balancer (haproxy). A store copied between GeoPackage and
PostGIS both ways, verified; GDAL opens the PostGIS layers directly; two
servers stay consistent through edits on either; one server killed under
load costs the client nothing; PostGIS restarting leaves reads answered,
refuses writes with 503 and Retry-After, and the servers catch up."""

import shutil
import subprocess
import threading
import time

import pytest
import requests

from conftest import STAFF_PASSWORD, add_staff, run_gapmap, start_server
from pglib import Balancer, Cluster, health, require_postgres, wait_for

SITE = "library-vilce"


@pytest.fixture(scope="module")
def cluster():
    require_postgres()
    c = Cluster()
    yield c
    c.stop()


@pytest.fixture
def shared(cluster, jelgava_store, tmp_path):
    """The embedded dataset copied into a fresh PostGIS database, an editor
    with a token, two servers on it and haproxy in front."""
    url = cluster.createdb("shared")
    run_gapmap("store", "copy", jelgava_store, url, check=True)
    token = add_staff(url)
    servers = [start_server(url, "--reload-poll-ms", "500") for _ in range(2)]
    lb = Balancer(tmp_path, servers)
    yield url, token, servers, lb
    lb.stop()
    for s in servers:
        s.stop()


def patch_site(base, token, props, reason="test"):
    auth = {"Authorization": f"Bearer {token}"}
    r = requests.get(f"{base}/api/v1/sites/{SITE}", headers=auth, timeout=30)
    assert r.status_code == 200, r.text
    return requests.patch(f"{base}/api/v1/sites/{SITE}", json={"reason": reason, "properties": props},
                          headers={**auth, "If-Match": r.headers["ETag"]}, timeout=30)


def audit_rows(store):
    if str(store).startswith("postgresql://"):
        out = subprocess.run(["psql", "-X", "-At", str(store), "-c", "SELECT count(*) FROM gapmap_audit"],
                             check=True, capture_output=True, text=True).stdout
        return int(out)
    import sqlite3
    with sqlite3.connect(store) as db:
        return db.execute("SELECT count(*) FROM gapmap_audit").fetchone()[0]


def test_a_store_copies_both_ways_verified_and_gdal_reads_postgis(cluster, jelgava_store, tmp_path):
    source = tmp_path / "source.gpkg"
    shutil.copy(jelgava_store, source)
    token = add_staff(source)
    url = cluster.createdb("copy")
    out = run_gapmap("store", "copy", source, url, "--json", check=True).stdout
    import json
    report = json.loads(out)
    assert all(l["source_checksum"] == l["target_checksum"] for l in report["layers"]), report
    sites = next(l for l in report["layers"] if l["layer"] == "sites")
    assert sites["target_count"] > 50
    # Accounts, tokens and the audit log move with the layers.
    assert audit_rows(url) == audit_rows(source) > 0
    users = run_gapmap("user", "list", "--store", url, "--tokens", "--json", check=True).stdout
    assert "planner" in users and "tests" in users
    s = start_server(url)
    try:
        r = requests.get(f"{s.url}/api/v1/sites/{SITE}", headers={"Authorization": f"Bearer {token}"}, timeout=30)
        assert r.status_code == 200 and "ETag" in r.headers
    finally:
        s.stop()
    back = tmp_path / "back.gpkg"
    run_gapmap("store", "copy", url, back, check=True)
    assert audit_rows(back) == audit_rows(source)
    # The same features in the round-tripped file as in the original.
    for layer in ("sites", "buildings", "parishes", "coverage", "demand_grid"):
        a = run_gapmap("export", "--store", source, "--layer", layer,
                       "--format", "geojson", "--out", "-", check=True).stdout
        b = run_gapmap("export", "--store", back, "--layer", layer,
                       "--format", "geojson", "--out", "-", check=True).stdout
        assert a == b, layer
    # A store that already holds features is not overwritten by mistake.
    again = run_gapmap("store", "copy", source, url)
    assert again.returncode == 64 and "copy into an empty store" in again.stderr
    # GDAL opens the tables directly, with the store's feature counts.
    port = url.rsplit(":", 1)[1].split("/")[0]
    db = url.rsplit("/", 1)[1]
    info = subprocess.run(["ogrinfo", "-ro", "-so", f"PG:host=127.0.0.1 port={port} dbname={db} user=postgres",
                           "sites"], capture_output=True, text=True, check=True).stdout
    assert f"Feature Count: {sites['target_count']}" in info
    assert "Geometry: Point" in info and "name: String" in info


def test_two_servers_stay_consistent_through_edits(shared):
    url, token, (s1, s2), lb = shared
    before = health(s2)["snapshot_version"]
    r = patch_site(s1.url, token, {"phone": "+371 63000001"})
    assert r.status_code == 200, r.text
    # Server 2 never saw the request: it hears of the commit.
    wait_for(lambda: health(s2)["snapshot_version"] != before, 10, "server 2 serving the edit")
    auth = {"Authorization": f"Bearer {token}"}
    a = requests.get(f"{s1.url}/api/v1/sites/{SITE}", headers=auth, timeout=30)
    b = requests.get(f"{s2.url}/api/v1/sites/{SITE}", headers=auth, timeout=30)
    assert a.headers["ETag"] == b.headers["ETag"]
    assert b.json()["properties"]["phone"] == "+371 63000001"
    # An edit with the ETag one server gave is refused by the other once stale.
    r = patch_site(s2.url, token, {"phone": "+371 63000002"})
    assert r.status_code == 200, r.text
    stale = requests.patch(f"{s1.url}/api/v1/sites/{SITE}", json={"reason": "x", "properties": {"phone": "1"}},
                           headers={**auth, "If-Match": a.headers["ETag"]}, timeout=30)
    assert stale.status_code == 412, stale.text
    # A session begun on one server is good on the other (the store keeps it).
    http = requests.Session()
    r = http.post(s1.url + "/api/v1/session", json={"username": "planner", "password": STAFF_PASSWORD}, timeout=30)
    assert r.status_code in (200, 201), r.text
    cookies = {c.name: c.value for c in http.cookies}
    assert requests.get(s2.url + "/api/v1/session", cookies=cookies, timeout=30).status_code == 200


def test_one_server_killed_under_load_costs_the_client_nothing(shared):
    url, token, (s1, s2), lb = shared
    errors, done, stop = [], [0], threading.Event()
    paths = ["/healthz", "/api/v1/layers", "/ogc/collections/sites/items?limit=5&f=json",
             "/api/v1/nearest?lon=23.6&lat=56.6"]

    def load():
        i = 0
        while not stop.is_set():
            try:
                r = requests.get(lb.url + paths[i % len(paths)], timeout=30)
                if r.status_code >= 500:
                    errors.append((r.status_code, paths[i % len(paths)]))
            except requests.RequestException as e:
                errors.append(repr(e))
            done[0] += 1
            i += 1

    workers = [threading.Thread(target=load) for _ in range(4)]
    for w in workers:
        w.start()
    time.sleep(1.5)
    s1.proc.kill()
    time.sleep(3)
    stop.set()
    for w in workers:
        w.join()
    assert done[0] > 50
    assert errors == [], errors[:5]
    # The survivor still takes edits.
    assert patch_site(lb.url, token, {"phone": "+371 63000003"}).status_code == 200


def test_postgis_restarting_keeps_reads_refuses_writes_and_catches_up(shared, cluster):
    url, token, (s1, s2), lb = shared
    cluster.pg_ctl("-m", "fast", "-w", "stop")
    try:
        wait_for(lambda: all(health(s)["status"] == "degraded" for s in (s1, s2)), 15, "both servers degraded")
        assert health(s1)["read_only"] is True
        for path in ("/api/v1/layers", "/ogc/collections/sites/items?limit=3&f=json", "/", "/api/v1/nearest?lon=23.6&lat=56.6"):
            r = requests.get(lb.url + path, timeout=30)
            assert r.status_code == 200, (path, r.status_code)
        auth = {"Authorization": f"Bearer {token}"}
        r = requests.patch(f"{s1.url}/api/v1/sites/{SITE}", json={"reason": "x", "properties": {"phone": "2"}},
                           headers={**auth, "If-Match": "*"}, timeout=30)
        assert r.status_code == 503, r.text
        assert r.headers["Content-Type"].startswith("application/problem+json")
        assert int(r.headers["Retry-After"]) > 0
    finally:
        cluster.start_again()
    wait_for(lambda: all(health(s)["status"] == "ok" for s in (s1, s2)), 30, "both servers reachable again")
    before = health(s2)["snapshot_version"]
    assert patch_site(s1.url, token, {"phone": "+371 63000004"}).status_code == 200
    wait_for(lambda: health(s2)["snapshot_version"] != before, 10, "server 2 catching up")
