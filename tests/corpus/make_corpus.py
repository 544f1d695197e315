#!/usr/bin/env python3
"""Generate the bad-input corpus (tests/corpus/bad/), the good files
(tests/corpus/good/) and their expectations (tests/corpus/expected.json).

Deterministic: the same script always writes the same bytes, so binary
details (UTF-8 BOM, CRLF line ends, Windows-1257 text) are exact. Run it
from anywhere:

    python3 tests/corpus/make_corpus.py

Each case lists the flags for `gapmap check|ingest`, the exit status, and
every expected error: its location (`line`, `line`+`column`, `feature`+
`pointer`, or none for the whole file), its `field` (null for none) and a
substring of its `message`. tests/system/test_corpus.py asserts that the
binary reports exactly these errors (same count, each one present).
"""

import json
import shutil
from pathlib import Path

HERE = Path(__file__).resolve().parent
BAD = HERE / "bad"
GOOD = HERE / "good"

BOM = b"\xef\xbb\xbf"

# Places in Jelgavas novads (longitude, latitude, WGS84).
# (near Jelgava, south of it: the city itself is not in the municipality,
# and ingest refuses a place outside it)
JELGAVA = [23.72, 56.55]
OZOLNIEKI = [23.79, 56.69]
VILCE = [23.53, 56.42]
ZALENIEKI = [23.52, 56.53]
ELEJA = [23.70, 56.42]
# The same places in LKS-92 / Latvia TM (EPSG:3059), easting then northing,
# computed with pyproj (always_xy).
JELGAVA_LKS = [482785.85, 267330.93]
OZOLNIEKI_LKS = [487137.07, 282898.73]
VILCE_LKS = [471005.94, 252925.12]

PROV = {"source": "official", "source_ref": "https://www.jelgavasnovads.lv/", "as_of": "2026-11-01"}
SIM = {"source": "simulated", "source_ref": "gapmap corpus", "as_of": "2026-11-01"}


# ---------------------------------------------------------------- helpers

def point(c):
    return {"type": "Point", "coordinates": c}


def poly(*rings):
    return {"type": "Polygon", "coordinates": [list(r) for r in rings]}


def square(x, y, d=0.01):
    """A closed counter-clockwise square ring with its lower left at (x, y)."""
    return [[x, y], [x + d, y], [x + d, y + d], [x, y + d], [x, y]]


def feat(geometry, props, fid=None):
    f = {"type": "Feature"}
    if fid is not None:
        f["id"] = fid
    f["properties"] = props
    f["geometry"] = geometry
    return f


def site(kind="library", name="Jelgavas bibliotēka", coords=None, prov=True, **extra):
    props = {"kind": kind, "name": name}
    if prov:
        props.update(PROV)
    props.update(extra)
    return feat(point(coords or JELGAVA), props)


def demand(residents, coords=None, **extra):
    props = {"residents": residents}
    props.update(SIM)
    props.update(extra)
    return feat(point(coords or JELGAVA), props)


def coverage(geometry, technology="ftth", down=300, up=100, **extra):
    props = {"provider": "Tet", "technology": technology, "max_down_mbps": down, "max_up_mbps": up}
    props.update(PROV)
    props.update(extra)
    return feat(geometry, props)


def area(geometry, kind="parish", name="Vilces pagasts", **extra):
    props = {"kind": kind, "name": name}
    props.update(PROV)
    props.update(extra)
    return feat(geometry, props)


def fc(features, **top):
    doc = {"type": "FeatureCollection"}
    doc.update(top)
    doc["features"] = features
    return doc


def gj(doc):
    """GeoJSON text, one feature per line (so line numbers stay readable)."""
    if isinstance(doc, dict) and "features" in doc and isinstance(doc["features"], list):
        head = {k: v for k, v in doc.items() if k != "features"}
        parts = [json.dumps(f, ensure_ascii=False) for f in doc["features"]]
        inner = ",\n".join(parts)
        text = json.dumps(head, ensure_ascii=False)[:-1]
        text += (', ' if head else '') + '"features": [\n' + inner + "\n]}\n"
        return text.encode("utf-8")
    return (json.dumps(doc, ensure_ascii=False) + "\n").encode("utf-8")


def csv_text(rows, eol="\n", sep=","):
    return (eol.join(sep.join(r) for r in rows) + eol).encode("utf-8")


SITE_HEAD = ["id", "kind", "name", "lon", "lat", "source", "source_ref", "as_of"]


def site_row(i, kind="library", name="Jelgavas bibliotēka", lon="23.72", lat="56.55", as_of="2026-11-01", prefix="s"):
    return [f"{prefix}{i}", kind, name, lon, lat, "official", "https://www.jelgavasnovads.lv/", as_of]


# An expected problem at a GeoJSON feature, a CSV line, a JSON syntax
# position, or the whole file.
def at_f(i, rest, field, message):
    return {"feature": i, "pointer": f"/features/{i}{rest}", "field": field, "message": message}


def at_l(line, field, message):
    return {"line": line, "field": field, "message": message}


def at_lc(line, col, field, message):
    return {"line": line, "column": col, "field": field, "message": message}


def at_file(field, message):
    return {"field": field, "message": message}


CASES = []
GOODS = []


def bad(name, data, errors, flags=(), exit=2, warnings=(), repair=None, note=""):
    """A bad file. `repair`: the repaired problems and exit status with
    --repair (None: not a --repair case)."""
    CASES.append({"name": name, "data": data, "flags": list(flags), "exit": exit,
                  "errors": list(errors), "warnings": list(warnings), "repair": repair, "note": note})


def good(name, data, layer, count, flags=(), warnings=()):
    GOODS.append({"name": name, "data": data, "flags": list(flags), "layer": layer, "count": count,
                  "warnings": list(warnings)})


# ---------------------------------------------------------------- broken JSON

bad("json_truncated.geojson",
    gj(fc([site(), site(name="Ozolnieku bibliotēka", coords=OZOLNIEKI)]))[:-40],
    [at_lc(3, 206, None, "not valid JSON")],
    note="a download cut off mid-feature")

bad("json_trailing_comma.geojson",
    b'{"type": "FeatureCollection", "features": [\n'
    + json.dumps(site(), ensure_ascii=False).encode() + b",\n]}\n",
    [at_lc(3, 1, None, "trailing comma")])

bad("json_single_quotes.geojson",
    b"{'type': 'FeatureCollection', 'features': []}\n",
    [at_lc(1, 2, None, "not valid JSON")])

bad("empty.geojson", b"", [at_file(None, "the file is empty")],
    note="an empty file has no line 1 column 0: the problem is the whole file")

bad("top_level_array.geojson",
    ("[" + json.dumps(site(), ensure_ascii=False) + "]\n").encode(),
    [at_lc(1, 1, None, "FeatureCollection or Feature")],
    note="valid JSON of the wrong type (an array of features): not 'not valid JSON'")

bad("top_level_point.geojson",
    gj(point(JELGAVA)),
    [at_file("type", "expected a GeoJSON FeatureCollection or Feature, found type `Point`")])

bad("features_without_collection_type.geojson",
    gj({"type": "GeometryCollection", "features": [site()]}),
    [at_file("type", 'the top-level `type` must be "FeatureCollection"')])

bad("collection_without_features.geojson",
    gj({"type": "FeatureCollection"}),
    [at_file("features", "a FeatureCollection without `features`")],
    flags=["--layer", "sites"])

bad("feature_not_object.geojson",
    gj(fc([site(), 17, "Jelgava"])),
    [at_f(1, "", None, "a feature must be a JSON object"),
     at_f(2, "", None, "a feature must be a JSON object")])

bad("feature_type_lowercase.geojson",
    gj(fc([site(), {"type": "feature", "properties": dict(kind="kac", name="Elejas KAC", **PROV),
                    "geometry": point(ELEJA)}])),
    [at_f(1, "/type", "type", '`type` must be "Feature"')])

bad("properties_not_object.geojson",
    gj(fc([site(), {"type": "Feature", "properties": ["library", "Vilces bibliotēka"], "geometry": point(VILCE)}])),
    [at_f(1, "/properties", "properties", "`properties` must be an object or null")])

# ---------------------------------------------------------------- geometry

bad("no_geometry_point_layer.geojson",
    gj(fc([site(), feat(None, dict(kind="school", name="Elejas vidusskola", **PROV))])),
    [at_f(1, "/geometry", "geometry", "the feature has no geometry")])

bad("linestring_in_sites.geojson",
    gj(fc([site(), feat({"type": "LineString", "coordinates": [JELGAVA, OZOLNIEKI]},
                         dict(kind="wifi", name="Lielā iela", **PROV))])),
    [at_f(1, "/geometry", "geometry", "a LineString is not allowed in layer sites")])

bad("multipoint_in_sites.geojson",
    gj(fc([site(), feat({"type": "MultiPoint", "coordinates": [JELGAVA, OZOLNIEKI]},
                         dict(kind="wifi", name="Divi punkti", **PROV))])),
    [at_f(1, "/geometry", "geometry", "a MultiPoint is not allowed in layer sites")])

bad("geometry_collection.geojson",
    gj(fc([site(), feat({"type": "GeometryCollection", "geometries": [point(JELGAVA)]},
                         dict(kind="kac", name="Kalnciema KAC", **PROV))])),
    [at_f(1, "/geometry/type", "geometry", "GeometryCollection is not supported")])

bad("coords_as_strings.geojson",
    gj(fc([site(), site(name="Ozolnieku bibliotēka", coords=["23.79", "56.69"])])),
    [at_f(1, "/geometry/coordinates", "geometry", "a position must hold numbers")])

bad("coord_out_of_range.geojson",
    gj(fc([site(), site(name="Nekurienes bibliotēka", coords=[-190.5, 56.6])])),
    [at_f(1, "/geometry", "geometry", "coordinate (-190.5, 56.6) is not a longitude/latitude")])

bad("lks92_without_crs.geojson",
    gj(fc([site(coords=JELGAVA_LKS), site(name="Ozolnieku bibliotēka", coords=OZOLNIEKI_LKS)])),
    [at_f(0, "/geometry", "geometry", "is not a longitude/latitude"),
     at_f(1, "/geometry", "geometry", "is not a longitude/latitude")],
    note="hint must say --crs EPSG:3059")

bad("swapped_latlon.geojson",
    gj(fc([site(), site(name="Ozolnieku bibliotēka", coords=[56.69, 23.79])])),
    [at_f(1, "/geometry", "geometry", "coordinate (56.69, 23.79) looks like latitude, longitude")],
    repair={"exit": 0, "repaired": [at_f(1, "/geometry", "geometry", "swapped latitude and longitude")]})

bad("paris.geojson",
    gj(fc([site(), site(name="Bibliothèque nationale", coords=[2.3522, 48.8566])])),
    [at_f(1, "/geometry", "geometry", "is outside the Baltic states")])

bad("open_ring.geojson",
    gj(fc([area(poly(square(*VILCE)[:-1]))])),
    [at_f(0, "/geometry/coordinates/0", "geometry", "the ring is not closed")],
    flags=["--layer", "areas"],
    repair={"exit": 0, "repaired": [at_f(0, "/geometry/coordinates/0", "geometry", "closed the ring")]})

bad("bowtie.geojson",
    gj(fc([area(poly([[23.50, 56.40], [23.56, 56.44], [23.56, 56.40], [23.50, 56.44], [23.50, 56.40]]))])),
    [at_f(0, "/geometry", "geometry", "invalid polygon at (23.53000 56.42000)")],
    flags=["--layer", "areas"],
    repair={"exit": 0, "repaired": [at_f(0, "/geometry", "geometry", "made the polygon valid")]})

bad("ring_three_positions.geojson",
    gj(fc([area(poly([VILCE, ZALENIEKI, VILCE]))])),
    [at_f(0, "/geometry/coordinates/0", "geometry", "a ring needs at least four positions, found 3")],
    flags=["--layer", "areas"])

bad("polygon_no_rings.geojson",
    gj(fc([area(poly(square(*VILCE))), area({"type": "Polygon", "coordinates": []}, name="Elejas pagasts")])),
    [at_f(1, "/geometry/coordinates", "geometry", "a Polygon needs at least one ring")],
    flags=["--layer", "areas"])

bad("unknown_legacy_crs.geojson",
    gj(fc([site()], crs={"type": "name", "properties": {"name": "LKS-92 Latvia TM"}})),
    [at_file("crs", "cannot parse CRS `LKS-92 Latvia TM`")])

bad("crs_after_features.geojson",
    b'{"type": "FeatureCollection", "features": [\n'
    + json.dumps(site(coords=JELGAVA_LKS), ensure_ascii=False).encode()
    + b'\n], "crs": {"type": "name", "properties": {"name": "EPSG:3059"}}}\n',
    [at_f(0, "/geometry", "geometry", "is not a longitude/latitude"),
     at_file("crs", "the `crs` member comes after the features")])

# ---------------------------------------------------------------- properties

bad("residents_as_string.geojson",
    gj(fc([demand(4), demand("12", coords=OZOLNIEKI)])),
    [at_f(1, "/properties/residents", "residents", 'expected a whole number ≥ 0, found a string "12"')])

bad("speed_as_string.geojson",
    gj(fc([coverage(poly(square(*JELGAVA))), coverage(poly(square(*OZOLNIEKI)), down="100 Mbit/s")])),
    [at_f(1, "/properties/max_down_mbps", "max_down_mbps", "expected a number ≥ 0, found a string")])

bad("free_wifi_as_string.geojson",
    gj(fc([site(free_wifi=True), site(name="Vilces bibliotēka", coords=VILCE, free_wifi="yes")])),
    [at_f(1, "/properties/free_wifi", "free_wifi", 'expected true or false, found a string "yes"')])

bad("missing_kind.geojson",
    gj(fc([feat(point(JELGAVA), dict(name="Jelgavas bibliotēka", **PROV))])),
    [at_f(0, "/properties/kind", "kind", "required field is missing")],
    flags=["--layer", "sites"])

bad("missing_name.geojson",
    gj(fc([site(), feat(point(VILCE), dict(kind="library", **PROV)),
           feat(point(ELEJA), dict(kind="kac", name="  ", **PROV))])),
    [at_f(1, "/properties/name", "name", "required field is missing"),
     at_f(2, "/properties/name", "name", "required field is empty")])

bad("missing_provenance.geojson",
    gj(fc([site(prov=False), site(name="Vilces bibliotēka", coords=VILCE, prov=False, source="official")])),
    [at_f(0, "/properties/source", "source", "required field is missing"),
     at_f(0, "/properties/source_ref", "source_ref", "required field is missing"),
     at_f(0, "/properties/as_of", "as_of", "required field is missing"),
     at_f(1, "/properties/source_ref", "source_ref", "required field is missing"),
     at_f(1, "/properties/as_of", "as_of", "required field is missing")],
    note="no --source/--source-ref/--as-of given")

bad("unknown_kind.geojson",
    gj(fc([site(), site(kind="cafe", name="Kafejnīca", coords=OZOLNIEKI)])),
    [at_f(1, "/properties/kind", "kind", "unknown kind `cafe`")])

bad("enum_wrong_case.geojson",
    gj(fc([site(), site(kind="Library", name="Vilces bibliotēka", coords=VILCE, wheelchair="Yes")])),
    [at_f(1, "/properties/kind", "kind", "unknown kind `Library`"),
     at_f(1, "/properties/wheelchair", "wheelchair", "unknown wheelchair `Yes`")],
    note="hint must say: did you mean `library`?")

bad("unknown_technology.geojson",
    gj(fc([coverage(poly(square(*JELGAVA))), coverage(poly(square(*OZOLNIEKI)), technology="5G")])),
    [at_f(1, "/properties/technology", "technology", "unknown technology `5G`")])

bad("duplicate_ids.geojson",
    gj(fc([site(id="jelgava-lib"), site(name="Ozolnieku bibliotēka", coords=OZOLNIEKI, id="ozolnieki-lib"),
           site(name="Vilces bibliotēka", coords=VILCE, id="jelgava-lib")])),
    [at_f(2, "/properties/id", "id", "duplicate id `jelgava-lib`")])

bad("duplicate_feature_ids.geojson",
    gj(fc([feat(point(JELGAVA), dict(kind="library", name="Jelgavas bibliotēka", **PROV), fid="lib-1"),
           feat(point(VILCE), dict(kind="library", name="Vilces bibliotēka", **PROV), fid="lib-1")])),
    [at_f(1, "/id", "id", "duplicate id `lib-1`")],
    note="the id is the Feature's own `id` member, so the pointer names /features/1/id")

bad("invalid_opening_hours.geojson",
    gj(fc([site(opening_hours="Mo-Fr 09:00-17:00"),
           site(name="Vilces bibliotēka", coords=VILCE, opening_hours="P-Pk 9-17")])),
    [at_f(1, "/properties/opening_hours", "opening_hours", "`P-Pk 9-17` is not valid opening_hours syntax")])

bad("negative_speed.geojson",
    gj(fc([coverage(poly(square(*JELGAVA))), coverage(poly(square(*OZOLNIEKI)), technology="vdsl", down=-50, up=10)])),
    [at_f(1, "/properties/max_down_mbps", "max_down_mbps", "-50 is negative")])

bad("negative_residents.geojson",
    gj(fc([demand(4), demand(-3, coords=OZOLNIEKI)])),
    [at_f(1, "/properties/residents", "residents", "-3 is negative")])

bad("bad_as_of.geojson",
    gj(fc([site(), feat(point(VILCE), dict(kind="library", name="Vilces bibliotēka", source="official",
                                             source_ref="https://www.jelgavasnovads.lv/", as_of="01.11.2026")),
           feat(point(ELEJA), dict(kind="kac", name="Elejas KAC", source="official",
                                     source_ref="https://www.jelgavasnovads.lv/", as_of="2026-02-30"))])),
    [at_f(1, "/properties/as_of", "as_of", "`01.11.2026` is not a date"),
     at_f(2, "/properties/as_of", "as_of", "`2026-02-30` is not a date")])

bad("year_out_of_range.geojson",
    gj(fc([site(router_year=2019), site(name="Vilces bibliotēka", coords=VILCE, router_year=1985),
           site(name="Elejas KAC", kind="kac", coords=ELEJA, status="planned", planned_year=2150)])),
    [at_f(1, "/properties/router_year", "router_year", "year 1985 is out of range"),
     at_f(2, "/properties/planned_year", "planned_year", "year 2150 is out of range")])

bad("bom_one_bad.geojson",
    BOM + gj(fc([site(), site(name="Ozolnieku bibliotēka", coords=OZOLNIEKI, public_computers=-2),
                 site(name="Vilces bibliotēka", coords=VILCE)])),
    [at_f(1, "/properties/public_computers", "public_computers", "-2 is negative")])

bad("Vilces_pagasts_ģeodati.geojson",
    gj(fc([site(name="Vilces pagasta bibliotēka", coords=VILCE),
           site(kind="bibliotēka", name="Zaļenieku bibliotēka", coords=ZALENIEKI),
           site(kind="kac", name="Ēķu KAC — Šķēde", coords=[23.6, 56.5], phone=37163012345)])),
    [at_f(1, "/properties/kind", "kind", "unknown kind `bibliotēka`"),
     at_f(2, "/properties/phone", "phone", "expected a string, found a number 37163012345")],
    note="Latvian letters in the file name and in values")

# ---------------------------------------------------------------- several problems in one file

bad("mixed_sites.geojson",
    gj(fc([site(),
           site(kind="museum", name="Muzejs", coords=OZOLNIEKI, backhaul_down_mbps=-100, opening_hours="daily"),
           site(name="Vilces bibliotēka", coords=[56.42, 23.53]),
           site(name="Bez datuma", coords=ELEJA, as_of="vakar", id="dup"),
           site(name="Dublikāts", coords=ZALENIEKI, id="dup")])),
    [at_f(1, "/properties/kind", "kind", "unknown kind `museum`"),
     at_f(1, "/properties/backhaul_down_mbps", "backhaul_down_mbps", "-100 is negative"),
     at_f(1, "/properties/opening_hours", "opening_hours", "`daily` is not valid opening_hours syntax"),
     at_f(2, "/geometry", "geometry", "looks like latitude, longitude"),
     at_f(3, "/properties/as_of", "as_of", "`vakar` is not a date"),
     at_f(4, "/properties/id", "id", "duplicate id `dup`")],
    note="feature 3 is rejected, yet its id still counts: feature 4 repeats it")

bad("mixed_coverage.geojson",
    gj(fc([coverage(poly(square(*JELGAVA))),
           coverage(poly(square(*OZOLNIEKI)[:-1]), technology="lte"),
           coverage(poly(square(*VILCE)), technology="wimax", down="fast", up=-1),
           coverage(poly([[23.50, 56.40], [23.56, 56.44], [23.56, 56.40], [23.50, 56.44], [23.50, 56.40]]),
                    technology="fwa")])),
    [at_f(1, "/geometry/coordinates/0", "geometry", "the ring is not closed"),
     at_f(2, "/properties/technology", "technology", "unknown technology `wimax`"),
     at_f(2, "/properties/max_down_mbps", "max_down_mbps", 'found a string "fast"'),
     at_f(2, "/properties/max_up_mbps", "max_up_mbps", "-1 is negative"),
     at_f(3, "/geometry", "geometry", "invalid polygon")])

bad("mixed_demand.geojson",
    gj(fc([demand(4), demand(2.5, coords=OZOLNIEKI), demand(None, coords=VILCE),
           feat(point([483000, 279000]), dict(residents=3, **SIM)), demand(-7, coords=[2.35, 48.85])])),
    [at_f(1, "/properties/residents", "residents", "expected a whole number ≥ 0, found a number 2.5"),
     at_f(2, "/properties/residents", "residents", "required field is empty"),
     at_f(3, "/geometry", "geometry", "is not a longitude/latitude"),
     at_f(4, "/geometry", "geometry", "is outside the Baltic states"),
     at_f(4, "/properties/residents", "residents", "-7 is negative")])

# ---------------------------------------------------------------- CSV

bad("empty.csv", b"", [at_file(None, "the file is empty")])

bad("header_only.csv", csv_text([SITE_HEAD]), [], exit=0,
    warnings=[at_file(None, "the file holds no features")],
    note="valid: 0 features, with a warning")

bad("crlf_error.csv",
    csv_text([SITE_HEAD, site_row(1), site_row(2, name="Ozolnieku bibliotēka", lon="23.79", lat="56.69"),
              site_row(3, kind="biblioteka", name="Vilces bibliotēka", lon="23.53", lat="56.42"),
              site_row(4, name="Elejas bibliotēka", lon="23.70", lat="56.42")], eol="\r\n"),
    [at_l(4, "kind", "unknown kind `biblioteka`")])

bad("quoted_newline.csv",
    csv_text([SITE_HEAD, site_row(1),
              site_row(2, name='"Ozolnieku bibliotēka\nRīgas iela 1"', lon="23.79", lat="56.69"),
              site_row(3, name='"Vilces\n""bibliotēka""\nfiliāle"', lon="23.53", lat="56.42"),
              site_row(4, name="Elejas bibliotēka", lon="23.70", lat="56.42", as_of="2026-13-01")]),
    [at_l(3, "name", "the text holds a control character (U+000A)"),
     at_l(5, "name", "the text holds a control character (U+000A)"),
     at_l(8, "as_of", "`2026-13-01` is not a date")],
    note="records 2 and 3 hold quoted newlines (a name is one line: each is an error where its record starts); "
         "the bad date's record starts on physical line 8")

bad("too_few_fields.csv",
    csv_text([SITE_HEAD, site_row(1), ["s2", "library", "Vilces bibliotēka", "23.53"], site_row(3, lon="23.70", lat="56.42")]),
    [at_l(3, None, "4 fields, but the header has 8")])

bad("lon_not_numeric.csv",
    csv_text([SITE_HEAD, site_row(1), site_row(2, lon="23°47'E", lat="56.69")]),
    [at_l(3, "lon", "`23°47'E` is not a number")])

bad("decimal_comma_semicolon.csv",
    csv_text([SITE_HEAD, site_row(1, lon="23,72", lat="56,55")], sep=";"),
    [at_l(2, "lon", "`23,72` is not a number")],
    note="semicolon CSV as Latvian Excel writes it: decimal commas in coordinates")

bad("nan_coordinate.csv",
    csv_text([SITE_HEAD, site_row(1), site_row(2, lon="NaN", lat="56.69")]),
    [at_l(3, "geometry", "is not a finite number")])

bad("missing_coordinate.csv",
    csv_text([SITE_HEAD, site_row(1), site_row(2, lon="23.79", lat="")]),
    [at_l(3, "lat", "the coordinate is missing")])

bad("xy_without_crs.csv",
    csv_text([["id", "kind", "name", "x", "y", "source", "source_ref", "as_of"],
              ["s1", "library", "Jelgavas bibliotēka", "482785.85", "267330.93", "official", "https://www.jelgavasnovads.lv/", "2026-11-01"]]),
    [at_l(1, "x", "columns x/y need a CRS")])

bad("cp1257.csv",
    "id,kind,name,lon,lat,source,source_ref,as_of\n"
    "s1,library,Zaļenieku bibliotēka,23.52,56.53,official,https://www.jelgavasnovads.lv/,2026-11-01\n"
    "s2,kac,Ēķu KAC,23.60,56.50,official,https://www.jelgavasnovads.lv/,2026-11-01\n".encode("cp1257"),
    [at_l(2, "name", "the text is not UTF-8"), at_l(3, "name", "the text is not UTF-8")])

bad("invalid_wkt.csv",
    csv_text([["id", "kind", "name", "wkt", "source", "source_ref", "as_of"],
              ["s1", "library", "Jelgavas bibliotēka", '"POINT (23.72 56.55)"', "official", "https://www.jelgavasnovads.lv/", "2026-11-01"],
              ["s2", "library", "Vilces bibliotēka", '"POINT (23.53 56.42"', "official", "https://www.jelgavasnovads.lv/", "2026-11-01"],
              ["s3", "library", "Elejas bibliotēka", '"PUNKTS (23.70 56.42)"', "official", "https://www.jelgavasnovads.lv/", "2026-11-01"]]),
    [at_l(3, "wkt", "not valid WKT"), at_l(4, "wkt", "not valid WKT")])

bad("negative_speed.csv",
    csv_text([SITE_HEAD + ["backhaul_down_mbps", "backhaul_up_mbps"],
              site_row(1) + ["500", "100"],
              site_row(2, name="Vilces bibliotēka", lon="23.53", lat="56.42") + ["-30", "10"]]),
    [at_l(3, "backhaul_down_mbps", "-30 is negative")])

bad("negative_residents.csv",
    csv_text([["lon", "lat", "residents", "source", "source_ref", "as_of"],
              ["23.72", "56.55", "4", "simulated", "gapmap corpus", "2026-11-01"],
              ["23.79", "56.69", "-3", "simulated", "gapmap corpus", "2026-11-01"],
              ["23.53", "56.42", "divi", "simulated", "gapmap corpus", "2026-11-01"]]),
    [at_l(3, "residents", "-3 is negative"),
     at_l(4, "residents", 'expected a whole number ≥ 0, found a string "divi"')])

bad("duplicate_ids.csv",
    csv_text([SITE_HEAD, site_row(1), site_row(2, name="Vilces bibliotēka", lon="23.53", lat="56.42"),
              site_row(1, name="Elejas bibliotēka", lon="23.70", lat="56.42")]),
    [at_l(4, "id", "duplicate id `s1`")])

bad("Ozolnieku_šķūņi.csv",
    csv_text([SITE_HEAD, site_row(1, name="Ozolnieku šķūņa Wi-Fi", kind="wifi", lon="23.79", lat="56.69"),
              site_row(2, name="Ānes kultūras nams", kind="culture_house", lon="23.83", lat="56.70", as_of="2026-11")]),
    [at_l(3, "as_of", "`2026-11` is not a date")],
    note="Latvian letters in the file name and in values")

bad("mixed_problems.csv",
    csv_text([SITE_HEAD + ["opening_hours"],
              site_row(1) + ["Mo-Fr 09:00-18:00"],
              site_row(2, lat="abc") + [""],
              ["s3", "library", "Vilces bibliotēka"],
              site_row(4, kind="Kac", name="Elejas KAC", lon="23.70", lat="56.42", as_of="2026/11/01") + ["Mo-Fr 25:00-26:00"],
              site_row(1, name="Dublikāts", lon="23.52", lat="56.53") + [""]]),
    [at_l(3, "lat", "`abc` is not a number"),
     at_l(4, None, "3 fields, but the header has 9"),
     at_l(5, "kind", "unknown kind `Kac`"),
     at_l(5, "as_of", "`2026/11/01` is not a date"),
     at_l(5, "opening_hours", "is not valid opening_hours syntax"),
     at_l(6, "id", "duplicate id `s1`")])

# ---------------------------------------------------------------- usage errors (exit 64)

bad("unknown_extension.dat",
    csv_text([SITE_HEAD, site_row(1)]),
    [], exit=64,
    note="cannot tell the format from the name: usage error, nothing read")

bad("layer_not_inferable.geojson",
    gj(fc([feat(point(JELGAVA), dict(name="Kaut kas", **PROV))])),
    [], exit=64,
    note="no property tells the layer; --layer is needed")

# ---------------------------------------------------------------- good files

good("lonlat.csv",
     csv_text([SITE_HEAD, site_row(1), site_row(2, name="Ozolnieku bibliotēka", lon="23.79", lat="56.69"),
               site_row(3, kind="kac", name="Vilces KAC", lon="23.53", lat="56.42")]),
     "sites", 3)

good("wkt.csv",
     csv_text([["id", "kind", "name", "wkt", "source", "source_ref", "as_of"],
               ["p1", "parish", "Vilces pagasts",
                '"POLYGON ((23.50 56.40, 23.56 56.40, 23.56 56.44, 23.50 56.44, 23.50 56.40))"',
                "official", "https://www.jelgavasnovads.lv/", "2026-11-01"],
               ["p2", "parish", "Elejas pagasts",
                '"MULTIPOLYGON (((23.66 56.40, 23.72 56.40, 23.72 56.44, 23.66 56.44, 23.66 56.40)))"',
                "official", "https://www.jelgavasnovads.lv/", "2026-11-01"]]),
     "areas", 2)

good("xy_lks92.csv",
     csv_text([["id", "kind", "name", "x", "y", "source", "source_ref", "as_of"],
               ["s1", "library", "Jelgavas bibliotēka", "482785.85", "267330.93", "official", "https://www.jelgavasnovads.lv/", "2026-11-01"],
               ["s2", "library", "Ozolnieku bibliotēka", "487137.07", "282898.73", "official", "https://www.jelgavasnovads.lv/", "2026-11-01"],
               ["s3", "kac", "Vilces KAC", "471005.94", "252925.12", "official", "https://www.jelgavasnovads.lv/", "2026-11-01"]]),
     "sites", 3, flags=["--crs", "EPSG:3059"])

good("legacy_crs_3059.geojson",
     gj(fc([site(coords=JELGAVA_LKS, id="lks-1"), site(name="Ozolnieku bibliotēka", coords=OZOLNIEKI_LKS, id="lks-2")],
           crs={"type": "name", "properties": {"name": "urn:ogc:def:crs:EPSG::3059"}})),
     "sites", 2)

good("bom_crlf.csv",
     BOM + csv_text([SITE_HEAD, site_row(1, prefix="b"), site_row(2, name="Zaļenieku bibliotēka", lon="23.52", lat="56.53", prefix="b")],
                    eol="\r\n"),
     "sites", 2)

good("bom_crlf.geojson",
     BOM + gj(fc([demand(4), demand(7, coords=OZOLNIEKI), demand(1, coords=VILCE)])).replace(b"\n", b"\r\n"),
     "demand", 3)

good("Jelgavas_novada_vietas.geojson",
     gj(fc([site(name="Ģederts & Ķirsis — Ūdrs"), site(kind="wifi", name="Ēķu Wi-Fi", coords=OZOLNIEKI, free_wifi=True)])),
     "sites", 2)

good("no_provenance_with_flags.csv",
     csv_text([["id", "kind", "name", "lon", "lat"], ["s1", "library", "Jelgavas bibliotēka", "23.72", "56.55"]]),
     "sites", 1, flags=["--source", "official", "--source-ref", "https://www.jelgavasnovads.lv/", "--as-of", "2026-11-01"])


# ---------------------------------------------------------------- write

def expected_entry(c, keys):
    return {k: c[k] for k in keys}


def main():
    for d in (BAD, GOOD):
        if d.exists():
            shutil.rmtree(d)
        d.mkdir(parents=True)
    names = set()
    for c in CASES:
        assert c["name"] not in names, c["name"]
        names.add(c["name"])
        (BAD / c["name"]).write_bytes(c["data"])
    for g in GOODS:
        (GOOD / g["name"]).write_bytes(g["data"])
    expected = {
        "bad": {c["name"]: {k: c[k] for k in ("flags", "exit", "errors", "warnings", "repair", "note")} for c in CASES},
        "good": {g["name"]: {k: g[k] for k in ("flags", "layer", "count", "warnings")} for g in GOODS},
    }
    (HERE / "expected.json").write_text(json.dumps(expected, ensure_ascii=False, indent=1) + "\n", encoding="utf-8")
    print(f"wrote {len(CASES)} bad and {len(GOODS)} good files")


if __name__ == "__main__":
    main()
