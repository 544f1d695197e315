"""Hand-built edge cases of the gap engine, each with its expected answer
written here, through the HTTP API and `gapmap gaps`.

The inputs are written by the test in EPSG:3059 (LKS-92, easting/northing in
metres, ingested with `--crs EPSG:3059`) so that points sit exactly on edges
and at exact distances, along the easting axis. gapmap stores WGS84 and
projects back, so every coordinate returns with a round-trip error (pyproj:
the 1500 m pair comes back 2.3e-10 m longer, the 1500.5 m pair 1.7e-10 m).
Tolerances relied on: a point on an edge, and a site at exactly 1500 m, must
survive an error below 1e-6 m (gapmap's own `pip::BOUNDARY_EPS_M`); the
1500.5 m site must be far under any tolerance below 0.5 m; distances are
checked to 1 mm (points.csv) and 0.1 m (/nearest rounds to decimetres).

Layout (X0, Y0 = the 3059 position of the centre of one EU 1 km grid cell,
so the parish border x = X0 splits that cell in two):

  west parish  x ∈ [X0-10 km, X0]     east parish x ∈ [X0, X0+10 km]
  empty parish x ∈ [X0+10 km, X0+15 km] (no demand)      all y ∈ Y0 ± 10 km
"""

import csv
import shutil
import json
import math
from pathlib import Path

import pytest
from pyproj import Transformer

from conftest import run_gapmap

TO_3059 = Transformer.from_crs("EPSG:4326", "EPSG:3059", always_xy=True)
TO_4326 = Transformer.from_crs("EPSG:3059", "EPSG:4326", always_xy=True)
LAEA_TO_3059 = Transformer.from_crs("EPSG:3035", "EPSG:3059", always_xy=True)
TO_LAEA = Transformer.from_crs("EPSG:3059", "EPSG:3035", always_xy=True)


def _cell_centre():
    """A 1 km EU grid cell near Jelgava: its id and its centre in EPSG:3059."""
    e, n = TO_LAEA.transform(*TO_3059.transform(23.75, 56.55))
    ce, cn = math.floor(e / 1000), math.floor(n / 1000)
    x, y = LAEA_TO_3059.transform(ce * 1000 + 500, cn * 1000 + 500)
    return f"1kmN{cn}E{ce}", round(x, 3), round(y, 3)


SPLIT_CELL, X0, Y0 = _cell_centre()
PROV = {"source": "simulated", "source_ref": "tests/gaps/test_edge_cases.py", "as_of": "2026-11-25"}
OPEN_HOURS = "Mo-Fr 09:00-17:00; PH off"


def rect(x0, y0, x1, y1):
    return [[x0, y0], [x1, y0], [x1, y1], [x0, y1], [x0, y0]]


def feature(fid, props, geom):
    return {"type": "Feature", "id": fid, "properties": {**props, **PROV}, "geometry": geom}


def polygon(*rings):
    return {"type": "Polygon", "coordinates": list(rings)}


def point(x, y):
    return {"type": "Point", "coordinates": [x, y]}


# ---- parishes
AREAS = [
    feature("edge-west-pagasts", {"kind": "parish", "name": "Rietumu pagasts"},
            polygon(rect(X0 - 10000, Y0 - 10000, X0, Y0 + 10000))),
    feature("edge-east-pagasts", {"kind": "parish", "name": "Austrumu pagasts"},
            polygon(rect(X0, Y0 - 10000, X0 + 10000, Y0 + 10000))),
    feature("edge-empty-pagasts", {"kind": "parish", "name": "Tukšais pagasts"},
            polygon(rect(X0 + 10000, Y0 - 10000, X0 + 15000, Y0 + 10000))),
]


def cov(fid, provider, tech, down, up, geom, service=None):
    p = {"provider": provider, "technology": tech, "max_down_mbps": down, "max_up_mbps": up}
    if service:
        p["service"] = service
    return feature(fid, p, geom)


# ---- coverage
COVERAGE = [
    # A gigabit square whose east edge x = X0-4000 carries a demand point.
    cov("cov-edge", "Alfa", "ftth", 1000, 200, polygon(rect(X0 - 5000, Y0, X0 - 4000, Y0 + 1000))),
    # A ring with a hole: [X0-3000, X0-1000] minus [X0-2500, X0-1500] (y: Y0..Y0+2000, hole Y0+500..Y0+1500).
    cov("cov-ring", "Beta", "vdsl", 50, 10, polygon(rect(X0 - 3000, Y0, X0 - 1000, Y0 + 2000),
                                                   rect(X0 - 2500, Y0 + 500, X0 - 1500, Y0 + 1500)[::-1])),
    # Overlapping providers over [X0-8000, X0-6000] × [Y0, Y0+1000]: the best is
    # Gamma's ftth 300/300 (ties Delta's cable 300/50 on down, wins on up; Delta
    # comes first in the file so input order cannot decide); the providers are
    # Gamma (twice), Delta and Epsilon = 3; the satellite offer does not count.
    cov("cov-delta-cable", "Delta", "cable", 300, 50, polygon(rect(X0 - 7500, Y0 + 100, X0 - 6100, Y0 + 1200))),
    cov("cov-gamma-ftth", "Gamma", "ftth", 300, 300, polygon(rect(X0 - 8000, Y0, X0 - 6000, Y0 + 1000))),
    cov("cov-gamma-vdsl", "Gamma", "vdsl", 50, 10, polygon(rect(X0 - 8200, Y0 - 200, X0 - 6500, Y0 + 900))),
    cov("cov-epsilon-fwa", "Epsilon", "fwa", 100, 100, polygon(rect(X0 - 7800, Y0 - 100, X0 - 6200, Y0 + 800))),
    cov("cov-sat", "Zeta", "satellite", 25, 3, polygon(rect(X0 - 9000, Y0 - 500, X0 - 5500, Y0 + 1500))),
    # Mobile: LTE 1.5 (no `service`: defaults to mobile) and 5G 150 over the overlap;
    # LTE 20 over the ring.
    cov("cov-lte-slow", "Eta", "lte", 1.5, 0.5, polygon(rect(X0 - 8100, Y0 - 100, X0 - 5900, Y0 + 1100))),
    cov("cov-5g", "Theta", "nr5g", 150, 30, polygon(rect(X0 - 7200, Y0 + 200, X0 - 6800, Y0 + 800)), service="mobile"),
    cov("cov-lte-mid", "Eta", "lte", 20, 5, polygon(rect(X0 - 3100, Y0 - 100, X0 - 900, Y0 + 2100))),
]

# ---- sites: free Wi-Fi exactly 1500 m east of NEAR and 1500.5 m east of FAR
NEAR = (X0 - 5000, Y0 - 6000)
FAR = (X0 - 5000, Y0 - 9000)
SITES = [
    feature("wifi-1500", {"kind": "wifi", "name": "Wi-Fi 1500", "free_wifi": True}, point(NEAR[0] + 1500, NEAR[1])),
    feature("wifi-1500-5", {"kind": "wifi", "name": "Wi-Fi 1500.5", "free_wifi": True}, point(FAR[0] + 1500.5, FAR[1])),
    # Not free Wi-Fi: a library without it (700 m), a planned Wi-Fi site (100 m).
    feature("library-far", {"kind": "library", "name": "Bibliotēka", "free_wifi": False, "opening_hours": OPEN_HOURS},
            point(FAR[0], FAR[1] + 700)),
    feature("wifi-planned", {"kind": "wifi", "name": "Plānots", "free_wifi": True, "status": "planned", "planned_year": 2028},
            point(FAR[0] - 100, FAR[1])),
]

# ---- demand: (id, x, y, residents, expected)
# expected: fixed_class, mobile_class, public_access, digitally_underserved,
#           fixed_providers, best fixed (technology, down, up) or None
SMALL = (X0 + 5000, Y0 + 7000)
DEMAND = [
    ("on-boundary", X0 - 4000, Y0 + 500, 10, ("gigabit", "none", "far", False, 1, ("ftth", 1000, 200))),
    ("in-hole", X0 - 2000, Y0 + 1000, 10, ("unserved", "2to30", "far", True, 0, None)),
    ("in-ring", X0 - 2800, Y0 + 1000, 10, ("underserved", "2to30", "far", True, 1, ("vdsl", 50, 10))),
    ("on-hole-edge", X0 - 2500, Y0 + 1000, 10, ("underserved", "2to30", "far", True, 1, ("vdsl", 50, 10))),
    ("overlap", X0 - 7000, Y0 + 500, 10, ("served", "ge30", "far", False, 3, ("ftth", 300, 300))),
    ("near-1500", *NEAR, 10, ("unserved", "none", "near", False, 0, None)),
    ("far-1500-5", *FAR, 10, ("unserved", "none", "far", True, 0, None)),
    ("split-west", X0 - 100, Y0, 20, ("unserved", "none", "far", True, 0, None)),
    ("split-east", X0 + 100, Y0, 30, ("unserved", "none", "far", True, 0, None)),
    ("small-cell", *SMALL, 3, ("unserved", "none", "far", True, 0, None)),
]
# (X0-100, Y0) and (X0+100, Y0) are in SPLIT_CELL but in different parishes.
EXPECTED_PARISH = {"edge-west-pagasts": 90, "edge-east-pagasts": 33, "edge-empty-pagasts": 0}
EXPECTED_WIFI_M = {"near-1500": 1500.0, "far-1500-5": 1500.5}


def write_inputs(d: Path) -> list[Path]:
    def fc(feats):
        return json.dumps({"type": "FeatureCollection", "features": feats})
    (d / "areas.geojson").write_text(fc(AREAS))
    (d / "coverage.geojson").write_text(fc(COVERAGE))
    (d / "sites.geojson").write_text(fc(SITES))
    with open(d / "demand.csv", "w", newline="") as f:
        w = csv.writer(f)
        w.writerow(["id", "x", "y", "residents", "source", "source_ref", "as_of"])
        for pid, x, y, r, _ in DEMAND:
            w.writerow([pid, repr(float(x)), repr(float(y)), r, PROV["source"], PROV["source_ref"], PROV["as_of"]])
    return [d / n for n in ("areas.geojson", "coverage.geojson", "sites.geojson", "demand.csv")]


@pytest.fixture(scope="module")
def edge_store(tmp_path_factory):
    d = tmp_path_factory.mktemp("edge")
    store = d / "edge.gpkg"
    run_gapmap("ingest", "--store", store, "--crs", "EPSG:3059", *write_inputs(d), check=True)
    return store


@pytest.fixture(scope="module")
def edge_points(edge_store, tmp_path_factory):
    out = tmp_path_factory.mktemp("edge-out")
    run_gapmap("gaps", "--store", edge_store, "--out", out, check=True)
    with open(out / "points.csv", newline="") as f:
        return out, {r["id"]: r for r in csv.DictReader(f)}


@pytest.fixture(scope="module")
def edge_server(edge_store, tmp_path_factory):
    """The edge store served, with a staff token: the exact figures below
    are read signed in (`staff_get`); anonymous answers publish 1–4
    residents as a range and round the rest to 5."""
    from conftest import add_staff, start_server
    store = tmp_path_factory.mktemp("edge-served") / "edge.gpkg"
    shutil.copy(edge_store, store)
    token = add_staff(store)
    s = start_server(store)
    s.token = token
    yield s
    s.stop()


def lonlat(x, y):
    return TO_4326.transform(x, y)


# ------------------------------------------------------------ per point (CLI)

@pytest.mark.parametrize("pid,x,y,residents,expected", DEMAND, ids=[d[0] for d in DEMAND])
def test_point_classes_cli(edge_points, pid, x, y, residents, expected):
    _, pts = edge_points
    p = pts[pid]
    fixed, mobile, access, du, providers, best = expected
    got = (p["fixed_class"], p["mobile_class"], p["public_access"], p["digitally_underserved"] == "true",
           int(p["fixed_providers"]))
    assert got == (fixed, mobile, access, du, providers), p
    if best is None:
        assert p["best_fixed_technology"] == "", p
    else:
        assert (p["best_fixed_technology"], float(p["best_fixed_down_mbps"]), float(p["best_fixed_up_mbps"])) == best, p
    if pid in EXPECTED_WIFI_M:
        assert abs(float(p["wifi_m"]) - EXPECTED_WIFI_M[pid]) <= 0.001, p


def test_parish_assignment_cli(edge_points):
    _, pts = edge_points
    assert pts["split-west"]["parish_id"] == "edge-west-pagasts"
    assert pts["split-east"]["parish_id"] == "edge-east-pagasts"
    assert pts["split-west"]["cell_id"] == pts["split-east"]["cell_id"] == SPLIT_CELL


# ------------------------------------------------------------ HTTP API

def test_coverage_api_boundary_hole_overlap(edge_server):
    def at(x, y):
        lon, lat = lonlat(x, y)
        r = edge_server.get(f"/api/v1/coverage?lon={lon!r}&lat={lat!r}")
        assert r.status_code == 200, r.text
        return r.json()

    c = at(X0 - 4000, Y0 + 500)  # on the east edge of cov-edge
    assert c["fixed_class"] == "gigabit" and c["fixed"]["best"]["provider"] == "Alfa"
    c = at(X0 - 2000, Y0 + 1000)  # inside the hole
    assert c["fixed"]["best"] is None and c["fixed"]["services"] == [] and c["fixed_class"] == "unserved"
    assert c["mobile_class"] == "2to30"
    c = at(X0 - 2500, Y0 + 1000)  # on the hole's edge
    assert c["fixed"]["best"]["provider"] == "Beta" and c["fixed_class"] == "underserved"
    c = at(X0 - 7000, Y0 + 500)  # overlapping providers
    assert c["fixed"]["providers"] == 3
    assert {s["provider"] for s in c["fixed"]["services"]} == {"Gamma", "Delta", "Epsilon", "Zeta"}
    best = c["fixed"]["best"]
    assert (best["provider"], best["technology"], best["max_down_mbps"], best["max_up_mbps"]) == ("Gamma", "ftth", 300, 300)
    assert c["mobile"]["best"]["provider"] == "Theta" and c["mobile_class"] == "ge30"


def test_coverage_api_ranks_ties_by_up(edge_server):
    lon, lat = lonlat(X0 - 7000, Y0 + 500)
    c = edge_server.get(f"/api/v1/coverage?lon={lon!r}&lat={lat!r}").json()
    ranked = [(s["provider"], s["max_down_mbps"], s["max_up_mbps"]) for s in c["fixed"]["services"]]
    assert ranked == [("Gamma", 300, 300), ("Delta", 300, 50), ("Epsilon", 100, 100), ("Gamma", 50, 10),
                      ("Zeta", 25, 3)], ranked


def test_nearest_wifi_distances(edge_server):
    for (x, y), site, d in ((NEAR, "wifi-1500", 1500.0), (FAR, "wifi-1500-5", 1500.5)):
        lon, lat = lonlat(x, y)
        r = edge_server.get(f"/api/v1/nearest?lon={lon!r}&lat={lat!r}&kind=wifi&limit=5")
        assert r.status_code == 200, r.text
        feats = r.json()["features"]
        assert feats[0]["id"] == site and feats[0]["properties"]["distance_m"] == d, feats[0]
        assert "wifi-planned" not in [f["id"] for f in feats]
        assert "library-far" not in [f["id"] for f in feats]


def test_summary_near_at_exactly_1500(edge_server):
    s = edge_server.staff_get("/api/v1/gaps/summary").json()
    assert s["residents"] == 123
    assert s["by_public_access"] == {"near": 10, "far": 113}


def test_near_threshold_override(edge_server):
    # near_m = 1500.5 makes FAR near too (d = 1500.5 ≤ 1500.5), and 1499.9 makes NEAR far.
    s = edge_server.staff_get("/api/v1/gaps/summary?near_m=1500.6").json()
    assert s["by_public_access"] == {"near": 20, "far": 103}
    s = edge_server.staff_get("/api/v1/gaps/summary?near_m=1499.9").json()
    assert s["by_public_access"] == {"near": 0, "far": 123}


def test_split_cell_and_parishes(edge_server):
    grid = edge_server.staff_get("/api/v1/gaps/grid").json()
    cells = {f["properties"]["cell_id"]: f["properties"] for f in grid["features"]}
    assert cells[SPLIT_CELL]["residents"] == 50, cells[SPLIT_CELL]
    assert cells[SPLIT_CELL]["by_fixed_class"]["unserved"] == 50
    parishes = {p["id"]: p for p in edge_server.staff_get("/api/v1/gaps/parishes").json()["parishes"]}
    assert {k: parishes[k]["residents"] for k in EXPECTED_PARISH} == EXPECTED_PARISH
    # each parish aggregate gets its own share of the split cell
    assert parishes["edge-east-pagasts"]["by_fixed_class"]["unserved"] == 33
    assert parishes["edge-east-pagasts"]["digitally_underserved"] == 33  # split-east, small-cell
    assert parishes["edge-west-pagasts"]["by_fixed_class"] == {"gigabit": 10, "served": 10, "underserved": 20,
                                                              "unserved": 50}
    # the empty parish is listed with zero residents
    empty = parishes["edge-empty-pagasts"]
    assert empty["residents"] == 0 and "residents_min" not in empty
    assert empty["by_fixed_class"] == {"gigabit": 0, "served": 0, "underserved": 0, "unserved": 0}


def _numbers(v):
    if isinstance(v, bool):
        return
    if isinstance(v, (int, float)):
        yield v
    elif isinstance(v, dict):
        for x in v.values():
            yield from _numbers(x)
    elif isinstance(v, list):
        for x in v:
            yield from _numbers(x)


def _small_cell_id():
    e, n = TO_LAEA.transform(*SMALL)
    return f"1kmN{math.floor(n / 1000)}E{math.floor(e / 1000)}"


def assert_range_only(props):
    assert props["residents"] is None and props["residents_min"] == 1 and props["residents_max"] == 4, props
    # No exact count of the cell's 3 residents anywhere in its properties.
    assert 3 not in list(_numbers(props)), props
    for k in ("points", "by_fixed_class", "by_mobile_class", "by_public_access", "digitally_underserved",
              "by_fixed_providers"):
        assert k not in props, (k, props)


def test_small_cell_publishes_a_range(edge_server):
    cell = _small_cell_id()
    grid = edge_server.get("/api/v1/gaps/grid").json()
    props = next(f["properties"] for f in grid["features"] if f["properties"]["cell_id"] == cell)
    assert_range_only(props)
    clusters = edge_server.get("/api/v1/gaps/clusters").json()["features"]
    mine = [f for f in clusters if cell in f["properties"].get("cell_ids", "").split(";")]
    assert len(mine) == 1 and mine[0]["properties"]["cells"] == 1, mine
    assert_range_only({k: v for k, v in mine[0]["properties"].items() if k not in ("rank", "cells", "cell_ids")})
    # The cluster geometry is the whole cell, not the homestead's position.
    ring = mine[0]["geometry"]["coordinates"][0][0]
    assert len(ring) >= 5


def test_small_cell_in_cli_outputs(edge_points):
    out, _ = edge_points
    cell = _small_cell_id()
    grid = json.loads((out / "grid.geojson").read_text())
    assert_range_only(next(f["properties"] for f in grid["features"] if f["properties"]["cell_id"] == cell))
    clusters = json.loads((out / "clusters.geojson").read_text())["features"]
    small = [f["properties"] for f in clusters if f["properties"]["cells"] == 1 and f["properties"]["residents"] is None]
    assert len(small) == 1
    assert_range_only({k: v for k, v in small[0].items() if k not in ("rank", "cells")})
    # The split cell and the parishes in the CLI's files.
    cells = {f["properties"]["cell_id"]: f["properties"] for f in grid["features"]}
    assert cells[SPLIT_CELL]["residents"] == 50
    with open(out / "parishes.csv", newline="") as f:
        rows = {r["id"]: r for r in csv.DictReader(f)}
    assert {k: int(rows[k]["residents"]) for k in EXPECTED_PARISH} == EXPECTED_PARISH


@pytest.mark.parametrize("query", ["near_m=-1", "served_down_mbps=abc", "colour=blue", "near_m=", "near_m=inf"])
@pytest.mark.parametrize("path", ["/api/v1/gaps/summary", "/api/v1/gaps/parishes", "/api/v1/gaps/grid",
                                  "/api/v1/gaps/clusters"])
def test_bad_thresholds_are_problems(edge_server, path, query):
    r = edge_server.get(f"{path}?{query}")
    assert r.status_code == 400, (path, query, r.status_code, r.text[:200])
    assert r.headers["content-type"].startswith("application/problem+json")
    body = r.json()
    assert body["status"] == 400 and body.get("type") and body.get("title"), body


# ------------------------------------------------------------ open now

@pytest.mark.parametrize("at,expected", [
    ("2026-11-18T10:00:00+02:00", False),  # Wednesday, Proclamation Day (PH off)
    ("2026-11-17T10:00:00+02:00", True),   # the Tuesday before
    ("2026-03-30T06:30:00Z", True),        # Monday after the spring change: 09:30 EEST
    ("2026-03-27T06:30:00Z", False),       # Friday before it: 08:30 EET
    ("2026-10-26T14:30:00Z", True),        # Monday after the autumn change: 16:30 EET
    ("2026-10-23T14:30:00Z", False),       # Friday before it: 17:30 EEST
])
def test_open_now(edge_server, at, expected):
    lon, lat = lonlat(*FAR)
    r = edge_server.get("/api/v1/nearest", params={"lon": lon, "lat": lat, "kind": "library", "at": at})
    assert r.status_code == 200, r.text
    f = r.json()["features"][0]
    assert f["id"] == "library-far" and f["properties"]["opening_hours"] == OPEN_HOURS
    assert f["properties"]["open_now"] is expected, (at, f["properties"])
