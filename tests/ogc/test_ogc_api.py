"""OGC API – Features under /ogc, read over HTTP: the standard's own JSON
schemas (../shared/realdata/fixtures/ogcapi-features/standard), CRS by
reference against pyproj, paging, strict parameters, HTML pages and the
OpenAPI 3.0 document."""

import re
from pathlib import Path

import jsonschema
import pytest
import yaml
from openapi_spec_validator import validate as validate_openapi
from pyproj import Transformer
from referencing import Registry, Resource
from referencing.jsonschema import DRAFT202012

from conftest import realdata

COLLECTIONS = ["sites", "settlements", "municipality", "parishes", "coverage", "priority_zones", "demand_grid", "gap_grid", "gap_clusters", "buildings"]
CRS84 = "http://www.opengis.net/def/crs/OGC/1.3/CRS84"
EPSG = "http://www.opengis.net/def/crs/EPSG/0/{}"
GEOJSON = "application/geo+json"


# ---------------------------------------------------------------- schemas

def _null_types(node):
    """YAML reads `type: null` as None; JSON Schema means the string "null"."""
    if isinstance(node, dict):
        return {k: ("null" if k == "type" and v is None else _null_types(v)) for k, v in node.items()}
    if isinstance(node, list):
        return [_null_types(v) for v in node]
    return node


@pytest.fixture(scope="module")
def schemas():
    d = realdata("fixtures/ogcapi-features/standard/core/openapi/schemas")
    registry = Registry()
    for f in sorted(Path(d).glob("*.yaml")):
        doc = _null_types(yaml.safe_load(f.read_text(encoding="utf-8")))
        registry = registry.with_resource(f.as_uri(), Resource.from_contents(doc, default_specification=DRAFT202012))

    def validator(name):
        uri = (Path(d) / name).as_uri()
        return jsonschema.Draft202012Validator({"$ref": uri}, registry=registry,
                                               format_checker=jsonschema.Draft202012Validator.FORMAT_CHECKER)
    return validator


def _valid(schemas, name, doc):
    errors = list(schemas(name).iter_errors(doc))
    assert not errors, f"{name}: " + "; ".join(f"{list(e.absolute_path)}: {e.message}" for e in errors[:5])


def test_the_schemas_reject_a_broken_document(schemas):
    # The registry really resolves the $refs: a feature without geometry fails.
    bad = {"type": "FeatureCollection", "features": [{"type": "Feature", "properties": {}}]}
    assert list(schemas("featureCollectionGeoJSON.yaml").iter_errors(bad))


def test_landing_page_and_conformance_validate(jelgava_server, schemas):
    r = jelgava_server.get("/ogc")
    assert r.status_code == 200 and r.headers["content-type"].startswith("application/json")
    landing = r.json()
    _valid(schemas, "landingPage.yaml", landing)
    rels = {l["rel"]: l for l in landing["links"]}
    for rel in ["self", "alternate", "service-desc", "service-doc", "conformance", "data"]:
        assert rel in rels, rel
    assert rels["service-desc"]["href"].endswith("/ogc/api")
    conf = jelgava_server.get("/ogc/conformance").json()
    _valid(schemas, "confClasses.yaml", conf)
    base = "http://www.opengis.net/spec/ogcapi-features-1/1.0/conf/"
    for c in ["core", "geojson", "html", "oas30"]:
        assert base + c in conf["conformsTo"]
    assert "http://www.opengis.net/spec/ogcapi-features-2/1.0/conf/crs" in conf["conformsTo"]


def test_collections_validate(jelgava_server, schemas):
    doc = jelgava_server.get("/ogc/collections").json()
    _valid(schemas, "collections.yaml", doc)
    assert [c["id"] for c in doc["collections"]] == COLLECTIONS
    for c in doc["collections"]:
        one = jelgava_server.get(f"/ogc/collections/{c['id']}").json()
        _valid(schemas, "collection.yaml", one)
        assert one["itemType"] == "feature" and one["storageCrs"] == CRS84
        assert one["crs"] == [CRS84, EPSG.format(4326), EPSG.format(3059), EPSG.format(3857)]
        minx, miny, maxx, maxy = one["extent"]["spatial"]["bbox"][0]
        assert 22.5 < minx < maxx < 25 and 56 < miny < maxy < 57.5, one["extent"]
        rels = {l["rel"] for l in one["links"]}
        assert {"self", "alternate", "items", "license"} <= rels
        assert one["attribution"] and one["title"] and one["description"]


@pytest.mark.parametrize("cid", COLLECTIONS)
def test_items_validate_and_carry_provenance(jelgava_server, schemas, cid):
    r = jelgava_server.get(f"/ogc/collections/{cid}/items", params={"limit": 10000})
    assert r.status_code == 200
    assert r.headers["content-type"].startswith(GEOJSON)
    assert r.headers["content-crs"] == f"<{CRS84}>"
    fc = r.json()
    _valid(schemas, "featureCollectionGeoJSON.yaml", fc)
    assert fc["numberReturned"] == len(fc["features"]) == fc["numberMatched"] > 0
    for f in fc["features"]:
        for k in ["source", "source_ref", "as_of", "licence"]:
            assert f["properties"].get(k), (cid, f["id"], k)
        assert f["id"] == f["properties"]["id"]
    if cid == "demand_grid":
        # Aggregated to grid cells only, never one point per homestead.
        assert {f["geometry"]["type"] for f in fc["features"]} == {"MultiPolygon"}
    one = fc["features"][0]
    r = jelgava_server.get(f"/ogc/collections/{cid}/items/{one['id']}")
    assert r.status_code == 200 and r.headers["content-type"].startswith(GEOJSON)
    _valid(schemas, "featureGeoJSON.yaml", r.json())
    assert r.json()["properties"] == one["properties"]


def test_paging_default_limit_and_links(jelgava_server):
    first = jelgava_server.get("/ogc/collections/sites/items").json()
    assert first["numberReturned"] == 10
    total = first["numberMatched"]
    seen, page, pages = [], first, 0
    while True:
        seen += [f["id"] for f in page["features"]]
        links = {l["rel"]: l["href"] for l in page["links"]}
        assert "self" in links and "alternate" in links
        if pages:
            assert "prev" in links
        if "next" not in links:
            break
        import requests
        page = requests.get(links["next"], timeout=30).json()
        pages += 1
    assert len(seen) == len(set(seen)) == total
    big = jelgava_server.get("/ogc/collections/sites/items", params={"limit": 20000}).json()
    assert big["numberReturned"] == total  # clamped to 10000, not an error


def test_property_filters_and_datetime(jelgava_server):
    all_ = jelgava_server.get("/ogc/collections/sites/items", params={"limit": 10000}).json()["features"]
    libs = jelgava_server.get("/ogc/collections/sites/items", params={"limit": 10000, "kind": "library"}).json()
    assert libs["numberMatched"] == sum(f["properties"]["kind"] == "library" for f in all_) > 0
    parish = all_[0]["properties"]["parish_id"]
    r = jelgava_server.get("/ogc/collections/sites/items", params={"limit": 10000, "parish_id": parish, "free_wifi": "true"}).json()
    assert r["numberMatched"] == sum(f["properties"]["parish_id"] == parish and f["properties"]["free_wifi"] is True for f in all_)
    dates = sorted({f["properties"]["as_of"] for f in all_})
    r = jelgava_server.get("/ogc/collections/sites/items", params={"limit": 10000, "datetime": f"{dates[0]}/.."}).json()
    assert r["numberMatched"] == len(all_)
    r = jelgava_server.get("/ogc/collections/sites/items", params={"limit": 10000, "datetime": f"../{dates[0]}"}).json()
    assert r["numberMatched"] == sum(f["properties"]["as_of"] <= dates[0] for f in all_)


@pytest.mark.parametrize("path,params,status", [
    ("/ogc/collections/sites/items", {"colour": "red"}, 400),
    ("/ogc/collections/sites/items", {"technology": "ftth"}, 400),  # a coverage queryable
    ("/ogc/collections/sites/items", {"limit": "0"}, 400),
    ("/ogc/collections/sites/items", {"bbox": "1,2,3"}, 400),
    ("/ogc/collections/sites/items", {"crs": "EPSG:2056"}, 400),
    ("/ogc/collections/sites/items", {"datetime": "yesterday"}, 400),
    ("/ogc/collections/sites/items", {"f": "xml"}, 400),
    ("/ogc", {"x": "1"}, 400),
    ("/ogc/collections/nope", {}, 404),
    ("/ogc/collections/nope/items", {}, 404),
    ("/ogc/collections/sites/items/no-such-site", {}, 404),
])
def test_problems(jelgava_server, path, params, status):
    r = jelgava_server.get(path, params=params)
    assert r.status_code == status
    assert r.headers["content-type"].startswith("application/problem+json")
    assert r.json()["status"] == status


# ---------------------------------------------------------------- CRS

def _flat(geom):
    out = []

    def walk(x):
        if isinstance(x[0], (int, float)):
            out.append(x)
        else:
            for y in x:
                walk(y)
    walk(geom["coordinates"])
    return out


@pytest.mark.parametrize("cid", ["sites", "parishes"])
# WGS84 is published to 7 decimals (about 1 cm) and metres to 3, each rounded
# from the stored coordinates: a projected point agrees with the projection of
# the published WGS84 one to about a centimetre.
@pytest.mark.parametrize("code,tol", [(3059, 0.02), (3857, 0.03), (4326, 1e-8)])
def test_crs_round_trips_with_pyproj(jelgava_server, cid, code, tol):
    base = jelgava_server.get(f"/ogc/collections/{cid}/items", params={"limit": 10000}).json()
    for crs in [EPSG.format(code), f"EPSG:{code}"]:
        r = jelgava_server.get(f"/ogc/collections/{cid}/items", params={"limit": 10000, "crs": crs})
        assert r.status_code == 200
        assert r.headers["content-crs"] == f"<{EPSG.format(code)}>"
        other = r.json()
        # pyproj in the authority's axis order: 4326 lat,lon; 3059 northing,easting; 3857 x,y.
        fwd = Transformer.from_crs("OGC:CRS84", f"EPSG:{code}")
        back = Transformer.from_crs(f"EPSG:{code}", "OGC:CRS84")
        for a, b in zip(base["features"], other["features"]):
            assert a["id"] == b["id"]
            for (lon, lat), (p, q) in zip(_flat(a["geometry"]), _flat(b["geometry"])):
                ep, eq = fwd.transform(lon, lat)
                assert abs(p - ep) <= tol and abs(q - eq) <= tol, (a["id"], (p, q), (ep, eq))
                blon, blat = back.transform(p, q)
                assert abs(blon - lon) < 3e-7 and abs(blat - lat) < 3e-7
        if code == 3059:
            n, e = _flat(other["features"][0]["geometry"])[0]
            assert 2e5 < n < 3.5e5 and 4e5 < e < 5.6e5  # northing first (LKS-92 false northing -6000 km)


def test_single_item_crs(jelgava_server):
    f = jelgava_server.get("/ogc/collections/sites/items", params={"limit": 1}).json()["features"][0]
    lon, lat = f["geometry"]["coordinates"]
    r = jelgava_server.get(f"/ogc/collections/sites/items/{f['id']}", params={"crs": EPSG.format(4326)})
    assert r.headers["content-crs"] == f"<{EPSG.format(4326)}>"
    assert r.json()["geometry"]["coordinates"] == [lat, lon]


def edge(sorted_values, quarter):
    """A box edge near the given quartile, halfway between two distinct values,
    so that no point lies within rounding of it (the transforms of two
    libraries may differ in the last bits)."""
    i = quarter * len(sorted_values) // 4
    while i + 1 < len(sorted_values) and sorted_values[i + 1] - sorted_values[i] < 1e-6:
        i += 1
    return (sorted_values[i] + sorted_values[i + 1]) / 2


def test_bbox_and_bbox_crs(jelgava_server):
    sites = jelgava_server.get("/ogc/collections/sites/items", params={"limit": 10000}).json()["features"]
    pts = {f["id"]: f["geometry"]["coordinates"] for f in sites}
    lons = sorted(p[0] for p in pts.values())
    lats = sorted(p[1] for p in pts.values())
    box = [edge(lons, 1), edge(lats, 1), edge(lons, 3), edge(lats, 3)]

    def ids(params):
        fc = jelgava_server.get("/ogc/collections/sites/items", params={"limit": 10000, **params}).json()
        assert fc["numberMatched"] == fc["numberReturned"]
        return {f["id"] for f in fc["features"]}

    want = {i for i, (x, y) in pts.items() if box[0] <= x <= box[2] and box[1] <= y <= box[3]}
    assert want and want != set(pts)
    assert ids({"bbox": ",".join(map(str, box))}) == want
    assert ids({"bbox": ",".join(map(str, box)), "bbox-crs": CRS84}) == want
    lat_lon = [box[1], box[0], box[3], box[2]]
    assert ids({"bbox": ",".join(map(str, lat_lon)), "bbox-crs": EPSG.format(4326)}) == want
    # LKS-92, northing,easting: a box around the middle half of the sites.
    t = Transformer.from_crs("OGC:CRS84", "EPSG:3059")
    ne = {i: t.transform(*p) for i, p in pts.items()}
    ns = sorted(v[0] for v in ne.values())
    es = sorted(v[1] for v in ne.values())
    b3059 = [edge(ns, 1), edge(es, 1), edge(ns, 3), edge(es, 3)]
    want = {i for i, (n, e) in ne.items() if b3059[0] <= n <= b3059[2] and b3059[1] <= e <= b3059[3]}
    assert want and ids({"bbox": ",".join(map(str, b3059)), "bbox-crs": EPSG.format(3059)}) == want
    # …and the result in LKS-92 stays inside it.
    fc = jelgava_server.get("/ogc/collections/sites/items", params={"limit": 10000, "bbox": ",".join(map(str, b3059)),
                                                                     "bbox-crs": "EPSG:3059", "crs": "EPSG:3059"}).json()
    for f in fc["features"]:
        n, e = f["geometry"]["coordinates"]
        assert b3059[0] - 1e-6 <= n <= b3059[2] + 1e-6 and b3059[1] - 1e-6 <= e <= b3059[3] + 1e-6


@pytest.mark.parametrize("cid", ["parishes", "demand_grid"])
@pytest.mark.parametrize("code", [4326, 3059, 3857])
def test_bbox_on_polygons_matches_shapely(jelgava_server, cid, code):
    """The bbox filter of polygon collections (decided on precomputed boxes
    where they settle it) equals an exact intersection test in bbox-crs."""
    import numpy as np
    import shapely
    from shapely.geometry import box, shape

    fc = jelgava_server.get(f"/ogc/collections/{cid}/items", params={"limit": 10000}).json()
    assert fc["numberMatched"] == fc["numberReturned"]
    t = Transformer.from_crs("OGC:CRS84", f"EPSG:{code}", always_xy=True)
    geoms = {f["id"]: shapely.transform(shape(f["geometry"]), lambda c: np.column_stack(t.transform(c[:, 0], c[:, 1])))
             for f in fc["features"]}
    # A box over the middle of the collection, in x, y of the CRS.
    x0, y0, x1, y1 = shapely.GeometryCollection(list(geoms.values())).bounds
    q = [x0 + (x1 - x0) * 0.3, y0 + (y1 - y0) * 0.35, x0 + (x1 - x0) * 0.6, y0 + (y1 - y0) * 0.55]
    want = {i for i, g in geoms.items() if g.intersects(box(*q))}
    assert want and want != set(geoms)
    axes = [q[1], q[0], q[3], q[2]] if code in (4326, 3059) else q  # authority axis order
    got = jelgava_server.get(f"/ogc/collections/{cid}/items", params={
        "limit": 10000, "bbox": ",".join(map(str, axes)),
        "bbox-crs": EPSG.format(code)}).json()
    assert {f["id"] for f in got["features"]} == want
    assert got["numberMatched"] == len(want)


# ---------------------------------------------------------------- HTML

def _html_pages(server):
    f = server.get("/ogc/collections/sites/items", params={"limit": 1}).json()["features"][0]
    return ["/ogc", "/ogc/conformance", "/ogc/api", "/ogc/collections", "/ogc/collections/sites",
            "/ogc/collections/sites/items", f"/ogc/collections/sites/items/{f['id']}", "/ogc/collections/parishes/items"]


def test_html_pages(jelgava_server):
    for path in _html_pages(jelgava_server):
        for kw in [{"params": {"f": "html"}}, {"headers": {"Accept": "text/html,application/xhtml+xml,*/*;q=0.8"}}]:
            r = jelgava_server.get(path, **kw)
            assert r.status_code == 200, path
            assert r.headers["content-type"].startswith("text/html")
            t = r.text
            assert '<html lang="lv">' in t, path
            assert re.search(r"<title>[^<]+</title>", t), path
            assert 'href="#saturs"' in t and 'id="saturs"' in t  # skip link
            assert "<script" not in t and "src=" not in t and "<img" not in t
            # Issue 14: no inline style (the CSP forbids it); the one <link> is
            # the pages' own stylesheet on this server.
            assert "<style" not in t and "style=" not in t
            assert re.findall(r"<link[^>]*>", t) == ['<link rel="stylesheet" href="/ogc/style.css">']
            hrefs = re.findall(r'href="([^"]*)"', t)
            assert hrefs and all(h.startswith(("/", "#")) for h in hrefs), (path, [h for h in hrefs if not h.startswith(("/", "#"))])
            assert "f=json" in t
        # JSON stays the default for other clients.
        assert server_json(jelgava_server, path)


def server_json(server, path):
    r = server.get(path, headers={"Accept": "application/geo+json, application/json"})
    return r.status_code == 200 and "json" in r.headers["content-type"]


def test_html_escapes_text(jelgava_server):
    r = jelgava_server.get("/ogc/collections/sites/items", params={"f": "html", "name": "<b>"})
    # `name` is not a sites queryable: a problem, not an echo into HTML.
    assert r.status_code == 400
    t = jelgava_server.get("/ogc/collections/parishes/items", params={"f": "html", "limit": 100}).text
    assert "<td><" not in t.replace("<td><a ", "")


# ---------------------------------------------------------------- OpenAPI

def test_one_openapi_30_document(jelgava_server):
    r = jelgava_server.get("/ogc/api")
    assert r.status_code == 200 and "openapi" in r.headers["content-type"]
    doc = r.json()
    assert doc["openapi"].startswith("3.0")
    validate_openapi(doc)
    for p in ["/ogc", "/ogc/conformance", "/ogc/api", "/ogc/collections", "/ogc/collections/{collection_id}",
              "/ogc/collections/{collection_id}/items", "/ogc/collections/{collection_id}/items/{feature_id}",
              "/api/v1/sites", "/api/v1/nearest"]:
        assert p in doc["paths"], p
    names = {p["name"] for p in doc["paths"]["/ogc/collections/{collection_id}/items"]["get"]["parameters"]}
    assert {"bbox", "bbox-crs", "crs", "limit", "offset", "datetime", "f"} <= names


def test_every_queryable_is_documented_and_accepted(jelgava_server):
    doc = jelgava_server.get("/ogc/api").json()
    item_params = doc["paths"]["/ogc/collections/{collection_id}/items"]["get"]["parameters"]
    examples = {p["name"]: p.get("example") for p in item_params}
    assert examples["collection_id"] == "sites"
    for c in jelgava_server.get("/ogc/collections").json()["collections"]:
        # Issue 14: each collection's own path documents exactly its filters
        # (the generic path listed every collection's, which most refused).
        own = doc["paths"][f"/ogc/collections/{c['id']}/items"]["get"]["parameters"]
        names = {p["name"] for p in own}
        assert c["queryables"] and set(c["queryables"]) <= names, c["id"]
        assert names - set(c["queryables"]) == {"f", "bbox", "bbox-crs", "crs", "limit", "offset", "datetime"}
        for q in c["queryables"]:
            r = jelgava_server.get(f"/ogc/collections/{c['id']}/items", params={q: "x-no-such-value"})
            assert r.status_code == 200 and r.json()["numberMatched"] == 0, (c["id"], q)


# ---------------------------------------------------------------- live reload

def test_items_follow_an_ingest(jelgava_store, tmp_path, server_factory):
    """Items, single items, collection extents and exports are served from
    per-snapshot caches: after an ingest the server reloads, and none of them
    may answer from the previous snapshot."""
    import json
    import shutil
    import time

    from conftest import GEODATA, run_gapmap

    store = tmp_path / "live.gpkg"
    shutil.copy(jelgava_store, store)
    s = server_factory(store, "--reload-poll-ms", "200")
    v0 = s.get("/api/v1/layers").json()["snapshot_version"]

    def items(cid, **params):
        r = s.get(f"/ogc/collections/{cid}/items", params={"limit": 10000, **params})
        assert r.status_code == 200, r.text
        return r.json()

    # Warm every cache the change must reach.
    before = items("sites")
    grid0 = items("demand_grid", limit=3)
    assert {f["properties"]["snapshot_version"] for f in grid0["features"]} == {v0}
    moved = json.loads((GEODATA / "sites.geojson").read_text(encoding="utf-8"))["features"][0]
    mid = moved["properties"]["id"]
    assert s.get(f"/ogc/collections/sites/items/{mid}").json()["properties"]["name"] == moved["properties"]["name"]
    ext0 = s.get("/ogc/collections/sites").json()["extent"]["spatial"]["bbox"][0]
    far = [27.95, 57.9]  # north-east of every site: widens the extent
    assert far[0] > ext0[2] and far[1] > ext0[3]
    far_box = {"bbox": "27.9,57.85,28,57.95"}
    assert items("sites", **far_box)["numberMatched"] == 0
    assert "wifi-ogc-live" not in s.get("/export/sites.geojson").text

    # One new site, and an existing one renamed and moved far away.
    moved["properties"]["name"] = "Pārdēvēta vieta (renamed)"
    moved["geometry"]["coordinates"] = far
    # Far outside the municipality, so marked as such (the position rule).
    moved["properties"].update(outside_municipality=True, parish_id=None,
                               outside_municipality_reason="test: a place far away")
    new = {"type": "Feature", "id": "wifi-ogc-live", "geometry": {"type": "Point", "coordinates": [23.72, 56.55]},
           "properties": {"kind": "wifi", "name": "Testa punkts", "free_wifi": True,
                          "source": "simulated", "source_ref": "test", "as_of": "2026-11-25"}}
    f = tmp_path / "edit.geojson"
    f.write_text(json.dumps({"type": "FeatureCollection", "features": [moved, new]}), encoding="utf-8")
    run_gapmap("ingest", "--store", store, "--sanity-box", "world", f, check=True)
    deadline = time.time() + 30
    while time.time() < deadline:
        after = items("sites")
        if after["snapshot_version"] != v0:
            break
        time.sleep(0.2)
    else:
        raise AssertionError("the server did not pick up the ingest within 30 s")
    v1 = after["snapshot_version"]
    assert s.get("/api/v1/layers").json()["snapshot_version"] == v1
    ids = {x["id"] for x in after["features"]}
    assert ids == {x["id"] for x in before["features"]} | {"wifi-ogc-live"}
    assert after["numberMatched"] == before["numberMatched"] + 1
    one = s.get(f"/ogc/collections/sites/items/{mid}").json()
    assert one["properties"]["name"] == "Pārdēvēta vieta (renamed)"
    assert one["geometry"]["coordinates"] == far
    assert s.get("/ogc/collections/sites/items/wifi-ogc-live").status_code == 200
    assert [x["id"] for x in items("sites", **far_box)["features"]] == [mid]
    ext1 = s.get("/ogc/collections/sites").json()["extent"]["spatial"]["bbox"][0]
    assert ext1[2] == far[0] and ext1[3] == far[1]
    # Every collection is rebuilt, not only the changed layer: stamps move on.
    grid1 = items("demand_grid", limit=3)
    assert {f["properties"]["snapshot_version"] for f in grid1["features"]} == {v1}
    exported = s.get("/export/sites.geojson")
    assert exported.headers["x-snapshot-version"] == v1
    assert "wifi-ogc-live" in exported.text and "Pārdēvēta vieta (renamed)" in exported.text
