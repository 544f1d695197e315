"""Helpers of the planner tests: projection, small synthetic stores, the
independent MCLP (PySAL spopt over pulp's CBC) and an exact tour (Held–Karp)."""

from __future__ import annotations

import csv
import datetime as dt
import itertools
import json
import math
from pathlib import Path

import numpy as np
import pulp
from pyproj import Transformer
from spopt.locate import MCLP

from conftest import GEODATA, run_gapmap

TO_LKS = Transformer.from_crs("EPSG:4326", "EPSG:3059", always_xy=True)
TO_LL = Transformer.from_crs("EPSG:3059", "EPSG:4326", always_xy=True)
PROV = {"source": "simulated", "source_ref": "tests/plan", "as_of": "2026-11-25", "licence": "CC0"}


def lks(lon, lat):
    return TO_LKS.transform(lon, lat)


def distances(a, b):
    """Planar metres between every point of a (n×2) and b (m×2)."""
    a, b = np.asarray(a, float).reshape(-1, 2), np.asarray(b, float).reshape(-1, 2)
    return np.hypot(a[:, None, 0] - b[None, :, 0], a[:, None, 1] - b[None, :, 1])


def spopt_objective(cost, weights, radius, p, predefined=None):
    """The MCLP optimum by spopt + CBC: covered weight with p facilities."""
    kw = {}
    if predefined is not None:
        kw["predefined_facilities_arr"] = np.asarray(predefined, dtype=int)
    m = MCLP.from_cost_matrix(np.asarray(cost, float), np.asarray(weights, float), service_radius=radius, p_facilities=p, **kw)
    m = m.solve(pulp.PULP_CBC_CMD(msg=False))
    return pulp.value(m.problem.objective)


def brute_objective(cost, weights, radius, p, fixed=()):
    cover = np.asarray(cost) <= radius
    best = 0.0
    free = [j for j in range(cover.shape[1]) if j not in fixed]
    for combo in itertools.combinations(free, p - len(fixed)):
        cols = list(fixed) + list(combo)
        best = max(best, float(np.asarray(weights)[cover[:, cols].any(axis=1)].sum()))
    return best


def held_karp(points):
    """The shortest closed tour from point 0 through all (exact, O(2^n n^2),
    one numpy step per subset)."""
    n = len(points)
    d = distances(points, points)
    if n <= 2:
        return 2 * d[0, n - 1] if n == 2 else 0.0
    m = n - 1
    inner = d[1:, 1:]
    cost = np.full((1 << m, m), np.inf)
    for k in range(m):
        cost[1 << k, k] = d[0, k + 1]
    bits = 1 << np.arange(m)
    for mask in range(1, 1 << m):
        row = cost[mask]
        if not np.isfinite(row).any():
            continue
        # Best way to end at each j after the tour of `mask`.
        via = (row[:, None] + inner).min(axis=0)
        for j in np.nonzero((mask & bits) == 0)[0]:
            nm = mask | (1 << j)
            if via[j] < cost[nm, j]:
                cost[nm, j] = via[j]
    return float((cost[(1 << m) - 1] + d[1:, 0]).min())


def read_csv(path):
    with open(path, encoding="utf-8", newline="") as f:
        return list(csv.DictReader(f))


def free_wifi_sites(sites, equipment, on: dt.date):
    """Active sites with free Wi-Fi, as gapmap derives them: a site with
    access-point records has free Wi-Fi when one is in service on `on`;
    one without keeps its own flag (README, "Inventory")."""
    aps = {}
    for e in equipment:
        if e["type"] == "access_point":
            active = (not e["installed_on"] or dt.date.fromisoformat(e["installed_on"]) <= on) and \
                     (not e["retired_on"] or dt.date.fromisoformat(e["retired_on"]) > on)
            aps.setdefault(e["site_id"], []).append(active)
    out = []
    for f in sites:
        p = f["properties"]
        wifi = any(aps[p["id"]]) if p["id"] in aps else p.get("free_wifi") is True
        if wifi and p.get("status", "active") == "active":
            out.append(f)
    return out


def embedded():
    sites = json.loads((GEODATA / "sites.geojson").read_text(encoding="utf-8"))["features"]
    return sites, read_csv(GEODATA / "demand.csv"), read_csv(GEODATA / "equipment.csv")


def write_store(tmp: Path, sites, demand, name="s.gpkg"):
    """A store of a made-up parish: sites (features with EPSG:3059 `xy`),
    demand rows (x, y, residents), one parish polygon round them all."""
    tmp.mkdir(parents=True, exist_ok=True)
    xs = [s["xy"][0] for s in sites] + [d[0] for d in demand]
    ys = [s["xy"][1] for s in sites] + [d[1] for d in demand]
    x0, y0, x1, y1 = min(xs) - 5000, min(ys) - 5000, max(xs) + 5000, max(ys) + 5000
    ring = [TO_LL.transform(x, y) for x, y in [(x0, y0), (x1, y0), (x1, y1), (x0, y1), (x0, y0)]]
    areas = {"type": "FeatureCollection", "features": [
        {"type": "Feature", "id": "p1", "geometry": {"type": "Polygon", "coordinates": [ring]},
         "properties": {"kind": "parish", "name": "Testa pagasts", "population": sum(d[2] for d in demand), **PROV}}]}
    feats = []
    for s in sites:
        lon, lat = TO_LL.transform(*s["xy"])
        props = {"kind": s.get("kind", "school"), "name": s["id"], "parish_id": "p1", "free_wifi": s.get("wifi", False),
                 "candidate": s.get("candidate", not s.get("wifi", False)), "status": "active", **PROV}
        feats.append({"type": "Feature", "id": s["id"], "geometry": {"type": "Point", "coordinates": [lon, lat]}, "properties": props})
    (tmp / "areas.geojson").write_text(json.dumps(areas), encoding="utf-8")
    (tmp / "sites.geojson").write_text(json.dumps({"type": "FeatureCollection", "features": feats}), encoding="utf-8")
    with open(tmp / "demand.csv", "w", encoding="utf-8", newline="") as f:
        w = csv.writer(f)
        w.writerow(["id", "lon", "lat", "residents", "parish_id", "source", "source_ref", "as_of"])
        for k, (x, y, r) in enumerate(demand):
            lon, lat = TO_LL.transform(x, y)
            w.writerow([f"d{k:04d}", f"{lon:.9f}", f"{lat:.9f}", r, "p1", "simulated", "tests/plan", "2026-11-25"])
    store = tmp / name
    run_gapmap("ingest", "--store", store, tmp / "areas.geojson", tmp / "sites.geojson", tmp / "demand.csv", check=True)
    return store


def plan_access_points(store, *args):
    p = run_gapmap("plan", "access-points", "--store", store, "--format", "geojson", *map(str, args), check=True)
    return json.loads(p.stdout)


def km(points, order):
    return sum(math.dist(points[a], points[b]) for a, b in zip(order, order[1:] + order[:1]))
