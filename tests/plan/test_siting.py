"""Access-point siting checked against an independent solver: PySAL spopt's
MCLP on pulp's CBC, and brute force, on the embedded dataset and on small
made-up instances with known optima (ties, fixed existing sites, the greedy
trap). gapmap's exact solver must reach the same objective; its heuristic
within 2 %."""

import csv
import datetime as dt
import io
import json
import time

import numpy as np
import pytest
import requests
import shapely
from shapely.geometry import Point, shape

from conftest import GEODATA, run_gapmap
from planlib import (brute_objective, distances, embedded, free_wifi_sites, lks, plan_access_points,
                     spopt_objective, write_store)

RADIUS = 1500.0
# pulp 3.3 announces its 4.0 API on every variable; the pinned version is what is tested.
pytestmark = pytest.mark.filterwarnings("ignore::DeprecationWarning")


def embedded_instance(exclusion_m, weights=None):
    """The embedded dataset's instance, built here from the files: demand
    far from free Wi-Fi, eligible candidates, residents (or `weights`)."""
    sites, demand, equipment = embedded()
    wifi = free_wifi_sites(sites, equipment, dt.date.today())
    wifi_xy = np.array([lks(*f["geometry"]["coordinates"]) for f in wifi])
    d_xy = np.array([lks(float(r["lon"]), float(r["lat"])) for r in demand])
    far = distances(d_xy, wifi_xy).min(axis=1) > RADIUS + 1e-6
    cands = [f for f in sites if f["properties"].get("candidate") and f["properties"].get("status", "active") == "active"
             and not f["properties"].get("outside_municipality")]
    c_xy = np.array([lks(*f["geometry"]["coordinates"]) for f in cands])
    w = np.array([float(r["residents"]) for r in demand]) if weights is None else np.asarray(weights, float)
    keep = far & (w > 0)
    # Eligible by geometry: not within the exclusion of free Wi-Fi, and
    # reaching someone not yet near it.
    eligible = (distances(c_xy, wifi_xy).min(axis=1) > exclusion_m + 1e-6) & \
        (distances(d_xy[keep], c_xy) <= RADIUS + 1e-6).any(axis=0)
    c_xy = c_xy[eligible]
    return distances(d_xy[keep], c_xy), w[keep], int(eligible.sum())


@pytest.mark.parametrize("count,exclusion", [(3, 100), (5, 0), (12, 0), (25, 0)])
def test_embedded_exact_equals_spopt(jelgava_store, count, exclusion):
    cost, w, eligible = embedded_instance(exclusion)
    p = min(count, eligible)
    want = spopt_objective(cost, w, RADIUS, p)
    common = ["--count", count, "--wifi-exclusion-m", exclusion, "--weight-underserved", 1, "--weight-priority-zone", 1]
    exact = plan_access_points(jelgava_store, *common, "--method", "exact")
    assert exact["eligible_candidates"] == eligible
    assert exact["proven_optimal"] is True
    assert exact["objective"] == pytest.approx(want, abs=1e-6), (count, exclusion)
    heuristic = plan_access_points(jelgava_store, *common, "--method", "heuristic")
    assert heuristic["objective"] >= 0.98 * want
    assert heuristic["bound"] >= want - 1e-6
    auto = plan_access_points(jelgava_store, *common)
    assert auto["objective"] == pytest.approx(want, abs=1e-6)


def test_embedded_default_weights_equal_spopt(jelgava_store, tmp_path):
    """The default weights (digitally under-served ×2, priority zone ×1.5),
    with the classes from gapmap's own gap output and zones by shapely."""
    run_gapmap("gaps", "--store", jelgava_store, "--out", tmp_path, check=True)
    with open(tmp_path / "points.csv", encoding="utf-8", newline="") as f:
        points = {r["id"]: r for r in csv.DictReader(f)}
    # Zones projected vertex by vertex, as gapmap does, then tested in metres.
    to_lks = lambda xy: np.column_stack(lks(xy[:, 0], xy[:, 1]))  # noqa: E731
    zones = [shapely.transform(shape(z["geometry"]), to_lks)
             for z in json.loads((GEODATA / "priority_zones.geojson").read_text())["features"]]
    _, demand, _ = embedded()
    w = []
    for r in demand:
        k = float(r["residents"])
        if points[r["id"]]["digitally_underserved"] == "true":
            k *= 2
        if any(z.contains(Point(*lks(float(r["lon"]), float(r["lat"])))) for z in zones):
            k *= 1.5
        w.append(k)
    cost, weights, eligible = embedded_instance(0, w)
    want = spopt_objective(cost, weights, RADIUS, min(10, eligible))
    got = plan_access_points(jelgava_store, "--count", 10, "--wifi-exclusion-m", 0, "--method", "exact")
    assert got["objective"] == pytest.approx(want, abs=1e-6)
    assert got["features"][0]["properties"]["reasons"][0]["code"] == "newly_served"


# Made-up instances in LKS-92 metres round (500000, 300000); residents as weights.
X0, Y0 = 500_000.0, 300_000.0


def pt(x, y=0.0):
    return (X0 + x, Y0 + y)


CASES = {
    # Three candidates, two of them alike: ties, optimum 10 with one, 20 with two.
    "ties": dict(
        sites=[{"id": "c1", "xy": pt(0)}, {"id": "c2", "xy": pt(200)}, {"id": "c3", "xy": pt(10_000)}],
        demand=[(*pt(0, 300), 10), (*pt(10_000, 300), 10)],
        known={1: 10, 2: 20, 3: 20},
    ),
    # An existing free-Wi-Fi site serves the first village already; a
    # candidate next to it gains nothing; the rest is a choice of one.
    "fixed": dict(
        sites=[{"id": "w", "xy": pt(0), "wifi": True}, {"id": "c1", "xy": pt(500)}, {"id": "c2", "xy": pt(10_000)},
               {"id": "c3", "xy": pt(20_000)}],
        demand=[(*pt(0, 400), 10), (*pt(10_000, 400), 10), (*pt(20_000, 400), 7)],
        known={1: 10, 2: 17},
    ),
    # Greedy takes the big middle candidate first; two outer ones are better.
    "greedy_trap": dict(
        sites=[{"id": "a", "xy": pt(-2200)}, {"id": "b", "xy": pt(0)}, {"id": "c", "xy": pt(2200)}],
        demand=[(*pt(-1000), 6), (*pt(1000), 6), (*pt(0, 100), 1), (*pt(-3400), 5), (*pt(3400), 5)],
        known={1: 13, 2: 22},
    ),
}


@pytest.mark.parametrize("name", sorted(CASES))
def test_known_optima(tmp_path, name):
    case = CASES[name]
    store = write_store(tmp_path, case["sites"], case["demand"])
    fixed = [k for k, s in enumerate(case["sites"]) if s.get("wifi")]
    xy = [s["xy"] for s in case["sites"]]
    d_xy = [(x, y) for x, y, _ in case["demand"]]
    w = [r for *_, r in case["demand"]]
    cost = distances(d_xy, xy)
    fixed_covered = float(np.asarray(w)[(cost[:, fixed] <= RADIUS).any(axis=1)].sum()) if fixed else 0.0
    for count, known in case["known"].items():
        p = count + len(fixed)
        predefined = [1 if k in fixed else 0 for k in range(len(xy))] if fixed else None
        assert brute_objective(cost, w, RADIUS, p, fixed) - fixed_covered == known
        assert spopt_objective(cost, w, RADIUS, p, predefined) - fixed_covered == pytest.approx(known)
        args = ["--count", count, "--weight-underserved", 1, "--weight-priority-zone", 1]
        exact = plan_access_points(store, *args, "--method", "exact")
        assert exact["objective"] == pytest.approx(known), (name, count)
        assert exact["proven_optimal"] is True
        heuristic = plan_access_points(store, *args, "--method", "heuristic")
        assert heuristic["objective"] >= 0.98 * known
        auto = plan_access_points(store, *args)
        assert auto["objective"] == pytest.approx(known)
        assert [f["properties"]["rank"] for f in auto["features"]] == list(range(1, len(auto["features"]) + 1))
        gains = [f["properties"]["residents_newly_served"] for f in auto["features"]]
        assert gains == sorted(gains, reverse=True), "rank order is marginal gain order"
        assert auto["features"][-1]["properties"]["cumulative_residents_newly_served"] == sum(gains) == known


def test_fixed_site_excludes_the_candidate_next_to_it(tmp_path):
    case = CASES["fixed"]
    sites = case["sites"] + [{"id": "c0", "xy": pt(60)}]
    store = write_store(tmp_path, sites, case["demand"])
    got = plan_access_points(store, "--count", 2)
    excluded = {e["site_id"]: e["reason"] for e in got["excluded_candidates"]}
    # c0 is 60 m from the free Wi-Fi; c1 reaches only the village the
    # Wi-Fi already serves: eligibility is geometry, and each says why.
    assert set(excluded) == {"c0", "c1"}
    assert excluded["c0"]["code"] == "near_free_wifi" and excluded["c0"]["wifi_site_id"] == "w"
    assert 59 < excluded["c0"]["distance_m"] < 61
    assert excluded["c1"]["code"] == "no_new_reach"
    assert {f["properties"]["site_id"] for f in got["features"]} == {"c2", "c3"}


def test_nothing_to_cover_and_shortfall(tmp_path):
    # Everyone within reach of the existing Wi-Fi: 200, status nothing_to_cover.
    store = write_store(tmp_path / "a", [{"id": "w", "xy": pt(0), "wifi": True}, {"id": "c", "xy": pt(5000)}],
                        [(*pt(300), 4), (*pt(-400, 200), 6)])
    got = plan_access_points(store, "--count", 3)
    assert got["status"] == "nothing_to_cover" and got["features"] == [] and got["uncovered_residents"] == 0
    assert got["access_points_placed"] == 0 and got["worth_placing"] == 0
    # Two eligible buildings for five access points: two points, never a
    # quota filled with points that reach no one; the village out of reach
    # is named as an area that needs a building.
    store = write_store(tmp_path / "b", [{"id": "c1", "xy": pt(0)}, {"id": "c2", "xy": pt(9000)}],
                        [(*pt(100), 50), (*pt(9100), 20), (*pt(20_000), 30)])
    got = plan_access_points(store, "--count", 5)
    assert got["status"] == "shortfall" and got["eligible_candidates"] == 2
    assert (got["worth_placing"], got["need_buildings"]) == (2, 3)
    assert [f["properties"]["site_id"] for f in got["features"]] == ["c1", "c2"]
    assert all(f["properties"]["residents_newly_served"] > 0 for f in got["features"])
    areas = got["areas_needing_buildings"]
    assert len(areas) == 1 and areas[0]["residents"] == 30, "the one area left, not three"
    assert areas[0]["nearest_municipal_buildings"][0]["building_id"] == "c2"
    assert got["headline"]["code"] == "shortfall" and "2 of the 5" in got["message"]


def test_embedded_answer_over_http(jelgava_server):
    r = jelgava_server.get("/api/v1/plan/access-points")
    assert r.status_code == 200 and r.headers["content-type"].startswith("application/geo+json")
    doc = r.json()
    assert doc["target"] == 35 and doc["type"] == "FeatureCollection"
    for k in ["objective", "solver", "proven_optimal", "bound", "optimality_gap", "eligible_candidates", "installed",
              "count", "worth_placing", "need_buildings", "excluded_candidates", "not_chosen",
              "areas_needing_buildings", "headline", "provenance", "disclosure"]:
        assert k in doc, k
    assert "demand" in doc["provenance"]["simulated_layers"]
    assert doc["disclosure"]["audience"] == "public"
    # The records' installed points count: what is left is placed.
    assert doc["count"] == doc["target"] - doc["installed"]
    assert doc["worth_placing"] + doc["need_buildings"] == doc["count"] == len(doc["features"]) + doc["need_buildings"]
    # One feature per access point, each with one year, adding up to the yearly table.
    for y in doc["by_year"]:
        mine = [f for f in doc["features"] if f["properties"]["year"] == y["year"]]
        assert y["planned"] == len(mine), y
        assert y["installed"] + y["to_place"] <= y["quota"] or y["year"] == dt.date.today().year
        assert y["without_building"] == y["to_place"] - y["planned"]
    for f in doc["features"]:
        p = f["properties"]
        for k in ["rank", "year", "unit", "building_id", "residents_newly_served", "cumulative_residents_newly_served",
                  "parish_id"]:
            assert k in p, k
        assert p["residents_newly_served"] is None or p["residents_newly_served"] > 0, "every point adds residents"
        assert all("code" in r and "text" in r for r in p["reasons"])
    # Every building left out says why.
    assert all(e["reason"]["code"] in {"near_free_wifi", "no_new_reach", "outside_municipality"}
               for e in doc["excluded_candidates"])
    csv_text = jelgava_server.get("/api/v1/plan/access-points", params={"f": "csv"}).text
    rows = list(csv.DictReader(io.StringIO(csv_text)))
    assert csv_text.splitlines()[0].startswith("rank,year,site_id")
    recommended = [r for r in rows if r["status"] == "recommended"]
    assert [(int(r["rank"]), int(r["year"])) for r in recommended] == \
        [(f["properties"]["rank"], f["properties"]["year"]) for f in doc["features"]]
    assert sum(r["status"] == "excluded" for r in rows) == len(doc["excluded_candidates"])
    assert sum(r["status"] == "area_needs_building" for r in rows) == len(doc["areas_needing_buildings"])
    assert all(r["reason"] for r in rows if r["status"] != "recommended")
    one = jelgava_server.get("/api/v1/plan/access-points", params={"parish_id": "vilces-pagasts", "count": 2}).json()
    assert all(f["properties"]["parish_id"] == "vilces-pagasts" for f in one["features"])


def test_every_recommended_point_adds_residents_by_the_what_if(jelgava_server):
    """Signed in (exact counts): the points really added one after another
    bring exactly the residents the plan says each one brings."""
    doc = jelgava_server.staff_get("/api/v1/plan/access-points").json()
    points = []
    for f in doc["features"]:
        p = f["properties"]
        assert p["residents_newly_served"] > 0
        points.append({"type": "Feature", "geometry": f["geometry"], "properties": {}})
        r = requests.post(jelgava_server.url + "/api/v1/plan/what-if",
                          data=json.dumps({"type": "FeatureCollection", "features": points}),
                          headers={"Content-Type": "application/geo+json",
                                   "Authorization": f"Bearer {jelgava_server.token}"}, timeout=60)
        assert r.status_code == 200, r.text
        assert r.json()["residents_newly_near_free_wifi"] == p["cumulative_residents_newly_served"], p["rank"]
        time.sleep(0.25)  # under the what-if rate limit


@pytest.mark.parametrize("query,parameter", [
    ({"count": "-1"}, "count"), ({"count": "0"}, "count"), ({"near_m": "0"}, "near_m"),
    ({"parish_id": "atlantis"}, "parish_id"), ({"method": "magic"}, "method"), ({"per_year": "1,2"}, "per_year"),
    ({"per_year": "9,9,9,x"}, "per_year"), ({"weight_underserved": "0.5"}, "weight_underserved"),
    ({"f": "xml"}, "f"), ({"colour": "red"}, "colour"),
])
def test_nonsense_is_a_problem_naming_the_parameter(jelgava_server, query, parameter):
    r = jelgava_server.get("/api/v1/plan/access-points", params=query)
    assert r.status_code == 400 and r.headers["content-type"] == "application/problem+json"
    assert r.json()["parameter"] == parameter, r.json()
