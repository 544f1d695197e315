"""Small-count protection in every anonymous answer: a count of 1–4
residents is published only as the range 1–4, every other count rounded to
5, so that differencing cannot recover a homestead — tried here with a tiny
`near_m` on a homestead, two what-if requests that differ by one point,
overlapping requests and overlapping areas (a cluster and its cells), over
the planner's answers, the gap API, CSV, exports and tiles. Signed in (an
API token), a planner sees the exact counts."""

import csv
import datetime as dt
import io
import json
import shutil
import time

import numpy as np
import pytest
import requests

from conftest import add_staff
from planlib import distances, embedded, free_wifi_sites, lks

# Keys whose numbers are counts of residents (weighted or not).
COUNT_WORDS = ("residents", "underserved", "served", "reached", "uncovered", "reachable", "dependents",
               "objective", "bound", "gain", "in_reach", "left")
NOT_COUNTS = ("parameters", "provenance", "disclosure", "disclosure_rule", "thresholds", "reached_in")


def counts(v, path=""):
    """Every (path, value) of a count of residents in a JSON answer."""
    if isinstance(v, dict):
        for k, x in v.items():
            if k in NOT_COUNTS or "mbps" in k or k.endswith("_m") or "cells" in k or "points" in k:
                continue
            p = f"{path}.{k}"
            if any(w in k for w in COUNT_WORDS) and not k.endswith(("_min", "_max")) \
                    and (x is None or (isinstance(x, (int, float)) and not isinstance(x, bool))):
                yield p, x, v
            yield from counts(x, p)
    elif isinstance(v, list):
        for i, x in enumerate(v):
            yield from counts(x, f"{path}[{i}]")


def assert_protected(doc, where):
    """No count of 1–4; a range is null with its bounds beside it; any other
    count a multiple of 5."""
    seen = 0
    for path, x, parent in counts(doc):
        seen += 1
        if x is None:
            key = path.rsplit(".", 1)[-1]
            # Every declared key is on every feature (null when withheld or
            # unknown), so a null range's bounds may be null too.
            if parent.get(f"{key}_min") is not None:
                assert (parent[f"{key}_min"], parent[f"{key}_max"]) == (1, 4), (where, path)
            continue
        assert x == 0 or (x >= 5 and x % 5 == 0), f"{where}: {path} = {x}"
    assert seen, f"{where}: no counts found"


def small_exact(doc):
    """Whether an exact answer has some count of 1–4."""
    return any(isinstance(x, (int, float)) and 0 < x < 5 for _, x, _ in counts(doc))


@pytest.fixture(scope="module")
def served(jelgava_store, tmp_path_factory):
    """A copy of the embedded dataset served, with a planner's token (its
    own server, so the what-if rate limit is its own)."""
    from conftest import start_server
    store = tmp_path_factory.mktemp("small") / "s.gpkg"
    shutil.copy(jelgava_store, store)
    token = add_staff(store)
    s = start_server(store)
    s.token = token
    yield s
    s.stop()


def post(server, points, near_m=None, staff=False):
    doc = {"type": "FeatureCollection", "features": [
        {"type": "Feature", "geometry": {"type": "Point", "coordinates": [lon, lat]}, "properties": {}}
        for lon, lat in points]}
    headers = {"Content-Type": "application/geo+json"}
    if staff:
        headers["Authorization"] = f"Bearer {server.token}"
    params = {"near_m": near_m} if near_m else {}
    for _ in range(20):
        r = requests.post(server.url + "/api/v1/plan/what-if", params=params, data=json.dumps(doc),
                          headers=headers, timeout=60)
        if r.status_code != 429:
            break
        time.sleep(float(r.headers.get("retry-after", "1")))
    assert r.status_code == 200, r.text
    return r.json()


@pytest.fixture(scope="module")
def homesteads():
    """Demand points far (> 1.5 km) from free Wi-Fi: (lon, lat, residents),
    the small ones (1–4) and the big ones (≥ 20)."""
    sites, demand, equipment = embedded()
    wifi = free_wifi_sites(sites, equipment, dt.date.today())
    w = np.array([lks(*f["geometry"]["coordinates"]) for f in wifi])
    pts = [(float(r["lon"]), float(r["lat"]), int(r["residents"])) for r in demand]
    d = distances(np.array([lks(x, y) for x, y, _ in pts]), w).min(axis=1)
    far = [p for p, m in zip(pts, d) if m > 1600]
    return [p for p in far if 1 <= p[2] <= 4], [p for p in far if p[2] >= 20]


def test_a_tiny_reach_on_a_homestead_gives_a_range(served, homesteads):
    small, _ = homesteads
    lon, lat, n = small[0]
    anon = post(served, [(lon, lat)], near_m=5)
    assert anon["residents_newly_near_free_wifi"] is None
    assert (anon["residents_newly_near_free_wifi_min"], anon["residents_newly_near_free_wifi_max"]) == (1, 4)
    assert_protected(anon, "what-if near_m=5")
    staff = post(served, [(lon, lat)], near_m=5, staff=True)
    assert staff["residents_newly_near_free_wifi"] == n, "signed in: the exact count"


def test_two_requests_that_differ_by_one_point(served, homesteads):
    small, big = homesteads
    base = [(x, y) for x, y, _ in big[:3]]
    for lon, lat, n in small[:3]:
        a = post(served, base, near_m=5)
        b = post(served, base + [(lon, lat)], near_m=5)
        diff = b["residents_newly_near_free_wifi"] - a["residents_newly_near_free_wifi"]
        assert diff % 5 == 0 and diff != n, (diff, n)
        # Signed in, the difference is the homestead.
        sa = post(served, base, near_m=5, staff=True)
        sb = post(served, base + [(lon, lat)], near_m=5, staff=True)
        assert sb["residents_newly_near_free_wifi"] - sa["residents_newly_near_free_wifi"] == n


def test_overlapping_requests(served, homesteads):
    """Inclusion and exclusion over {A, H}, {B, H}, {A, B, H} would give H
    if the counts were exact."""
    small, big = homesteads
    a, b, h = big[0][:2], big[1][:2], small[0][:2]
    n = lambda pts: post(served, pts, near_m=5)["residents_newly_near_free_wifi"] or 0  # noqa: E731
    derived = n([a, h]) + n([b, h]) - n([a, b, h])
    assert derived % 5 == 0 and derived != small[0][2]


def test_overlapping_areas_cluster_and_cells(served):
    """A cluster and the cells it is made of: the cluster's published count
    less its other cells' never gives a small cell's count."""
    tried = 0
    for near_m in (1500, 400):
        clusters = served.get("/api/v1/gaps/clusters", params={"near_m": near_m}).json()["features"]
        cells = {f["properties"]["cell_id"]: f["properties"]
                 for f in served.get("/api/v1/gaps/grid", params={"near_m": near_m}).json()["features"]}
        exact = {f["properties"]["cell_id"]: f["properties"]
                 for f in served.staff_get("/api/v1/gaps/grid", params={"near_m": near_m}).json()["features"]}
        for c in clusters:
            p = c["properties"]
            ids = p["cell_ids"].split(";")
            smalls = [i for i in ids if 0 < exact[i]["digitally_underserved"] < 5]
            if len(ids) < 2 or not smalls or p["digitally_underserved"] is None:
                continue
            for s in smalls:
                others = sum(cells[i].get("digitally_underserved") or 0 for i in ids if i != s)
                derived = p["digitally_underserved"] - others
                assert derived % 5 == 0 and derived != exact[s]["digitally_underserved"]
                tried += 1
        assert_protected({"features": clusters}, f"clusters near_m={near_m}")
        assert_protected({"features": list(cells.values())}, f"grid near_m={near_m}")
    assert tried, "some cluster holds a small cell"


@pytest.mark.parametrize("path,params", [
    ("/api/v1/plan/access-points", {"near_m": 5}),
    ("/api/v1/plan/access-points", {"near_m": 300}),
    ("/api/v1/plan/access-points", {}),
    ("/api/v1/plan/mobile-class", {"reach_m": 60}),
    ("/api/v1/plan/mobile-class", {}),
    ("/api/v1/plan/upgrades", {"near_m": 60}),
    ("/api/v1/plan/progress", {"near_m": 60}),
    ("/api/v1/gaps/summary", {"near_m": 5}),
    ("/api/v1/gaps/parishes", {"near_m": 5}),
    ("/api/v1/gaps/parishes", {}),
    ("/api/v1/gaps/grid", {}),
    ("/api/v1/gaps/clusters", {}),
])
def test_every_anonymous_answer_is_protected(served, path, params):
    r = served.get(path, params=params)
    assert r.status_code == 200, r.text
    assert "Authorization" in r.headers.get("vary", "") and "Cookie" in r.headers["vary"]
    assert_protected(r.json(), f"{path} {params}")
    staff = served.staff_get(path, params=params)
    assert staff.headers["cache-control"] == "private, no-store"
    assert staff.json().get("disclosure", staff.json().get("disclosure_rule", {})).get("audience", "staff") == "staff"


def test_small_counts_exist_signed_in(served):
    """The protection has something to protect: signed in, the same
    answers do give counts of 1–4."""
    found = [small_exact(served.staff_get(p, params=q).json()) for p, q in [
        ("/api/v1/gaps/parishes", {"near_m": 5}), ("/api/v1/plan/upgrades", {"near_m": 60}),
        ("/api/v1/plan/access-points", {"near_m": 300}), ("/api/v1/gaps/grid", {})]]
    assert any(found), found


def csv_counts(text, columns):
    for row in csv.DictReader(io.StringIO(text)):
        for c in columns:
            v = row.get(c, "")
            if v not in ("", "1–4"):
                yield c, float(v)


@pytest.mark.parametrize("path,columns", [
    ("/api/v1/plan/access-points?f=csv&near_m=300", ["residents_newly_served", "cumulative_residents_newly_served",
                                                    "digitally_underserved_newly_served", "priority_zone_newly_served"]),
    ("/api/v1/plan/mobile-class?f=csv&reach_m=60", ["underserved_in_reach", "newly_reached"]),
    ("/api/v1/plan/upgrades?f=csv&near_m=60", ["dependents", "dependents_underserved"]),
    ("/api/v1/plan/progress?f=csv", ["digitally_underserved_at_start", "digitally_underserved_now"]),
    ("/plan/parishes.csv", ["residents", "gigabit", "served", "underserved", "unserved", "mobile_none", "mobile_lt2",
                            "mobile_2to30", "mobile_ge30", "digitally_underserved"]),
])
def test_anonymous_csv_is_protected(served, path, columns):
    text = served.get(path).text
    seen = 0
    for c, v in csv_counts(text, columns):
        seen += 1
        assert v == 0 or (v >= 5 and v % 5 == 0), (path, c, v)
    assert seen, path


def test_exports_and_tiles_are_protected(served):
    for name in ("gap_grid", "gap_clusters", "demand_grid"):
        doc = served.get(f"/export/{name}.geojson").json()
        assert_protected(doc, f"export {name}")
    from tiles_decode import tile_properties
    props = tile_properties(served, "gap_grid", z=10)
    assert props
    assert_protected({"features": [{"properties": p} for p in props]}, "gap_grid tiles")


def test_pages_show_ranges_not_small_counts(served):
    """The parish table and the planner pages give the public "1–4", and
    say that counts are rounded."""
    text = served.get("/plan/access-points", params={"lang": "en"}).text
    assert "rounded to the nearest 5" in text
    soup_text = served.get("/plan/mobile-class", params={"lang": "en"}).text
    assert "rounded to the nearest 5" in soup_text
