"""Checks on the embedded Jelgavas novads dataset (geodata/jelgava/).

Run: .venv/bin/python -m pytest tests/dataset
Needs shapely 2, pyproj and pyshp (scripts/dataset/requirements.txt), and
../shared/realdata (the CSP boundaries the parishes come from).
"""
from __future__ import annotations

import datetime as dt
import glob
import json
import os
import re
import subprocess
import sys
import tempfile
import zipfile
from pathlib import Path

import pytest

from conftest import realdata
from pyproj import Transformer
from shapely.geometry import Point, shape
import numpy as np
import shapefile
import shapely
from shapely.ops import unary_union

REPO = Path(__file__).resolve().parents[2]
DATA = REPO / "geodata" / "jelgava"
BUILD = REPO / "scripts" / "dataset" / "build_dataset.py"
LAYERS = ["areas.geojson", "priority_zones.geojson", "sites.geojson", "settlements.geojson", "buildings.geojson"]
# The open sources in their published formats, applied by `gapmap update --from-dir`.
SOURCE_FILES = ["sources/csp_territorial_units_lv_1.2m_2022-07-01.zip", "sources/sources.csv"]

PARISH_IDS = {
    "cenu-pagasts", "elejas-pagasts", "gludas-pagasts", "jaunsvirlaukas-pagasts",
    "kalnciema-pagasts", "lielplatones-pagasts", "livberzes-pagasts", "ozolnieku-pagasts",
    "platones-pagasts", "salgales-pagasts", "sesavas-pagasts", "svetes-pagasts",
    "valgundes-pagasts", "vilces-pagasts", "vircavas-pagasts", "zalenieku-pagasts",
}
SITE_KINDS = {"wifi", "library", "kac", "school", "culture_house", "social_centre",
              "activity_centre", "youth_centre", "municipal_office", "mobile_class_stop"}
WHEELCHAIR = {"yes", "limited", "no", "unknown"}
SERVICES = {"free_wifi", "public_computers", "printing", "scanning", "eservice_help",
            "digital_skills_training", "state_services", "municipal_services",
            "library_loans", "digital_classes"}
SITE_PROPS = {"id", "kind", "name", "address", "parish_id", "free_wifi", "access_points",
              "router_year", "backhaul_down_mbps", "backhaul_up_mbps", "public_computers",
              "opening_hours", "wifi_hours", "phone", "wheelchair", "services", "how_to_connect",
              "status", "planned_year", "candidate", "coordinate_quality", "source", "source_ref",
              "as_of", "licence", "source_note"}

_TO_LKS = Transformer.from_crs("EPSG:4326", "EPSG:3059", always_xy=True)


def lks(geom):
    def f(xy):
        x, y = _TO_LKS.transform(xy[:, 0], xy[:, 1])
        return np.column_stack([x, y])
    return shapely.transform(geom, f)


def load(name):
    return json.loads((DATA / name).read_text(encoding="utf-8"))


def slug(name):
    fold = str.maketrans("āčēģīķļņšūžĀČĒĢĪĶĻŅŠŪŽ", "acegiklnsuzACEGIKLNSUZ")
    return "-".join("".join(c if c.isalnum() else " " for c in name.translate(fold).lower()).split())


@pytest.fixture(scope="module")
def csp(tmp_path_factory):
    """The CSP parishes of Jelgavas novads, read independently of the build
    script: {parish id: (L1_code, LKS-92 polygon)}."""
    d = tmp_path_factory.mktemp("csp")
    with zipfile.ZipFile(realdata("boundaries/csp_territorial_units_lv_1.2m_2022-07-01.zip")) as z:
        z.extractall(d)
    out = {}
    with shapefile.Reader(glob.glob(str(d / "*.shp"))[0], encoding="utf-8") as r:
        for sr in r.iterShapeRecords():
            if sr.record["L0_code"] == "LV0030000":
                out[slug(sr.record["L1_name"])] = (sr.record["L1_code"], shape(sr.shape.__geo_interface__))
    assert set(out) == PARISH_IDS
    return out


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
        assert p["name"].endswith("pagasts") and slug(p["name"]) == pid
        assert isinstance(p["population"], int) and p["population"] > 0
        dt.date.fromisoformat(p["population_date"])
        assert p["centre"]
        # The CSP codes look like ATVK codes but no source confirms them.
        assert p["atvk"] is None and "Not confirmed" in p["atvk_note"]
        assert p["source"] == "approximate" and "CSP" in p["licence"]


def test_parishes_overlap_the_csp_boundaries(parishes, csp):
    """Intersection over union ≥ 0.98 (EPSG:3059) for every parish."""
    for pid, (code, ref) in csp.items():
        g = lks(shape(parishes[pid]["geometry"]))
        iou = g.intersection(ref).area / g.union(ref).area
        assert iou >= 0.98, (pid, iou)
        assert parishes[pid]["properties"]["csp_code"] == code


def test_population_sum(areas, parishes):
    muni = [f for f in areas["features"] if f["properties"]["kind"] == "municipality"][0]
    assert muni["properties"]["population"] == sum(f["properties"]["population"] for f in parishes.values())


def test_outline_is_the_union_of_the_parishes_with_the_jelgava_hole(outline, parishes, csp):
    o = lks(outline)
    assert abs(o.area / 1e6 - 1600.7) < 1.0, o.area / 1e6  # official 1604.1 km2
    assert outline.geom_type == "Polygon" and len(outline.interiors) == 1
    hole = shapely.Polygon(lks(outline).interiors[0])
    assert 55e6 < hole.area < 65e6  # Jelgava city, 60.3 km2
    union = unary_union([lks(shape(f["geometry"])) for f in parishes.values()])
    assert union.symmetric_difference(o).area / o.area < 1e-4


def test_parishes_do_not_overlap(parishes):
    geoms = [lks(shape(f["geometry"])) for f in parishes.values()]
    for i, a in enumerate(geoms):
        for b in geoms[i + 1:]:
            assert a.intersection(b).area < 1e4  # < 1 ha of overlap from rounding


def test_border_zone(parishes, outline):
    zones = {f["properties"]["id"]: f for f in load("priority_zones.geojson")["features"]}
    assert set(zones) == {"border-zone", "vilces-pagasts", "murmuiza-area"}
    bz = zones["border-zone"]
    assert bz["properties"]["zone_kind"] == "border" and bz["properties"]["buffer_m"] == 5000
    assert "OpenStreetMap" in bz["properties"]["licence"]
    g = lks(shape(bz["geometry"]))
    touched = {pid for pid, f in parishes.items() if g.intersection(lks(shape(f["geometry"]))).area > 1e6}
    assert {"vilces-pagasts", "elejas-pagasts", "sesavas-pagasts"} <= touched, touched
    assert g.difference(lks(outline).buffer(1.0)).area < 1e4
    # The Vilces pagasts zone is the parish itself.
    v = lks(shape(zones["vilces-pagasts"]["geometry"]))
    p = lks(shape(parishes["vilces-pagasts"]["geometry"]))
    assert v.symmetric_difference(p).area < 1e4


def test_sites_lie_in_the_parish_they_name(parishes):
    polys = {pid: lks(shape(f["geometry"])) for pid, f in parishes.items()}
    for f in load("sites.geojson")["features"]:
        p = f["properties"]
        assert SITE_PROPS <= set(p), (p["id"], SITE_PROPS - set(p))
        assert f["geometry"]["type"] == "Point"
        assert p["kind"] in SITE_KINDS, p["id"]
        assert p["wheelchair"] in WHEELCHAIR, p["id"]
        assert p["status"] in {"active", "planned"}
        assert set(p["services"]) <= SERVICES, p["id"]
        assert p["free_wifi"] in (True, False, None)
        assert p["coordinate_quality"] in {"building", "street", "settlement", "estimated"}
        assert isinstance(p["candidate"], bool)
        pt = lks(shape(f["geometry"]))
        if p.get("outside_municipality"):
            assert p["parish_id"] is None
            assert not any(g.contains(pt) for g in polys.values()), p["id"]
            continue
        assert p["parish_id"] in PARISH_IDS, p["id"]
        assert polys[p["parish_id"]].contains(pt), p["id"]
        for field, url in p.get("fact_refs", {}).items():
            assert re.fullmatch(r"https?://\S+", url), (p["id"], field)


def test_every_site_is_in_a_building_of_its_parish(parishes):
    buildings = {f["properties"]["id"]: f for f in load("buildings.geojson")["features"]}
    polys = {pid: lks(shape(f["geometry"])) for pid, f in parishes.items()}
    for f in load("sites.geojson")["features"]:
        p = f["properties"]
        b = buildings[p["building_id"]]
        assert b["properties"]["parish_id"] == p["parish_id"], p["id"]
        assert b["geometry"] == f["geometry"], "a building's point is its sites'"
        assert bool(p.get("outside_municipality_reason")) == bool(p.get("outside_municipality")), p["id"]
    for b in buildings.values():
        p = b["properties"]
        assert p["kind"] in {"school", "culture_house", "parish_office", "library", "social_centre", "sports_hall", "other"}
        assert p["coordinate_quality"] == "settlement" and "its point is theirs" in p["source_note"]
        if not p["outside_municipality"]:
            assert polys[p["parish_id"]].contains(lks(shape(b["geometry"]))), p["id"]


def test_the_csp_boundaries_are_the_16_parishes_in_their_published_format():
    d = DATA / "sources"
    with zipfile.ZipFile(d / "csp_territorial_units_lv_1.2m_2022-07-01.zip") as z:
        names = sorted(z.namelist())
        assert [n.rsplit(".", 1)[1] for n in names] == ["cpg", "dbf", "prj", "shp", "shx"]
        with tempfile.TemporaryDirectory() as tmp:
            z.extractall(tmp)
            with shapefile.Reader(glob.glob(os.path.join(tmp, "*.shp"))[0], encoding="utf-8") as r:
                recs = [rec.as_dict() for rec in r.records()]
    assert len(recs) == 16 and {r["L0_code"] for r in recs} == {"LV0030000"}
    assert {"L1_code", "L1_name", "L1_type", "L0_code", "L0_name"} <= set(recs[0])


def test_libraries_and_client_service_points():
    sites = [f["properties"] for f in load("sites.geojson")["features"]]
    libraries = [s for s in sites if s["kind"] == "library"]
    kac = [s for s in sites if s["kind"] == "kac"]
    assert len(libraries) >= 14 and len(kac) >= 14
    with_hours = [s for s in libraries if s["opening_hours"]]
    assert with_hours, "some library hours are cited"
    for s in with_hours:
        assert "opening_hours" in s["fact_refs"], s["id"]
    for s in sites:
        if s["wifi_hours"]:
            assert s["free_wifi"] is True and "wifi_hours" in s["fact_refs"], s["id"]


def test_settlements_lie_in_their_parish(parishes):
    polys = {pid: lks(shape(f["geometry"])) for pid, f in parishes.items()}
    feats = load("settlements.geojson")["features"]
    assert len(feats) >= 60
    names = set()
    for f in feats:
        p = f["properties"]
        assert p["kind"] in {"town", "ciems", "hamlet"}, p["id"]
        assert p["id"] == slug(p["name"]) or p["id"].startswith(slug(p["name"]) + "-"), p["id"]
        assert isinstance(p["name_alt"], list)
        assert p["parish_id"] in PARISH_IDS
        assert polys[p["parish_id"]].contains(lks(shape(f["geometry"]))), p["id"]
        assert p["population"] is None or (p["population"] > 0 and p["population_date"]), p["id"]
        names.add(p["name"])
    # Every parish centre the areas name is a settlement.
    for f in parishes.values():
        assert f["properties"]["centre"] in names, f["properties"]["centre"]


def test_opening_hours_answer_at_fixed_instants(jelgava_server):
    """Every opening_hours value is parsed by the server and answered for fixed
    instants in Europe/Riga as a plain reading of the (simple) values says."""
    sites = jelgava_server.get("/api/v1/sites?limit=1000").json()["features"]
    with_hours = [f for f in sites if f["properties"]["opening_hours"]]
    assert with_hours
    days = ["Mo", "Tu", "We", "Th", "Fr", "Sa", "Su"]

    def expected(oh, when):
        rules = {}
        for part in oh.split(";"):
            sel, spans = part.strip().split(" ", 1)
            for d in sel.split(","):
                if "-" in d:
                    a, b = d.split("-")
                    for k in range(days.index(a), days.index(b) + 1):
                        rules[days[k]] = spans
                else:
                    rules[d] = spans
        spans = rules.get(days[when.weekday()], "off")
        if spans == "off":
            return False
        t = when.strftime("%H:%M")
        return any(a <= t < b for a, b in (s.split("-") for s in spans.split(",")))

    riga = dt.timezone(dt.timedelta(hours=2))  # December: EET, no DST
    instants = [dt.datetime(2026, 12, d, h, m, tzinfo=riga)
                for d, h, m in [(7, 8, 45), (7, 12, 15), (8, 16, 59), (9, 10, 0), (10, 18, 30), (12, 11, 0)]]
    for f in with_hours:
        lon, lat = f["geometry"]["coordinates"]
        for when in instants:
            r = jelgava_server.get("/api/v1/nearest", params={
                "lon": lon, "lat": lat, "kind": "any", "limit": 3, "at": when.isoformat()})
            assert r.status_code == 200, r.text
            hit = [g for g in r.json()["features"] if g["id"] == f["id"]]
            assert hit, f["id"]
            assert hit[0]["properties"]["open_now"] == expected(f["properties"]["opening_hours"], when), \
                (f["id"], when)


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
    shared = realdata("boundaries").parent
    subprocess.run([sys.executable, str(BUILD), "--out", str(tmp_path), "--realdata", str(shared)],
                   check=True, capture_output=True, env=dict(os.environ))
    for name in LAYERS + ["plan.json"] + SOURCE_FILES:
        assert (tmp_path / name).read_bytes() == (DATA / name).read_bytes(), name
