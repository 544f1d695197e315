"""The peer of `gapmap plan access-points` in bench/plan: the same MCLP built
here from the input files and solved by PySAL spopt 0.7.0 over pulp 3.3.2's
CBC.

  spopt_mclp.py DIR COUNT EXCLUSION_M [RADIUS_M]

DIR holds sites.geojson and demand.csv (and equipment.csv when sites' free
Wi-Fi comes from access-point records). Demand: residents of points farther
than RADIUS (1500 m) from active free Wi-Fi; candidates: active `candidate`
sites inside the municipality farther than EXCLUSION_M from it; weights:
residents (gapmap is run with --weight-underserved 1 --weight-priority-zone
1). Distances are planar EPSG:3059 metres (pyproj). Prints one JSON line:
objective, p, rows, candidates, seconds to read and build, to solve."""

import csv
import datetime as dt
import json
import sys
import time
from pathlib import Path

import numpy as np
import pulp
from pyproj import Transformer
from spopt.locate import MCLP

t0 = time.perf_counter()
root, count, exclusion = Path(sys.argv[1]), int(sys.argv[2]), float(sys.argv[3])
radius = float(sys.argv[4]) if len(sys.argv) > 4 else 1500.0
to = Transformer.from_crs("EPSG:4326", "EPSG:3059", always_xy=True)
sites = json.loads((root / "sites.geojson").read_text(encoding="utf-8"))["features"]
aps = {}
if (root / "equipment.csv").exists():
    today = dt.date.today()
    with open(root / "equipment.csv", encoding="utf-8", newline="") as f:
        for e in csv.DictReader(f):
            if e["type"] == "access_point":
                on = (not e["installed_on"] or dt.date.fromisoformat(e["installed_on"]) <= today) and \
                     (not e["retired_on"] or dt.date.fromisoformat(e["retired_on"]) > today)
                aps.setdefault(e["site_id"], []).append(on)


def sid(f):
    return f.get("id") or f["properties"]["id"]


def wifi(f):
    p = f["properties"]
    on = any(aps[sid(f)]) if sid(f) in aps else p.get("free_wifi") is True
    return on and p.get("status", "active") == "active"


def xy(coords):
    x, y = to.transform(np.asarray([c[0] for c in coords]), np.asarray([c[1] for c in coords]))
    return np.column_stack([x, y])


w_xy = xy([f["geometry"]["coordinates"] for f in sites if wifi(f)])
cands = [f for f in sites if f["properties"].get("candidate") and f["properties"].get("status", "active") == "active"
         and not f["properties"].get("outside_municipality")]
c_xy = xy([f["geometry"]["coordinates"] for f in cands])
with open(root / "demand.csv", encoding="utf-8", newline="") as f:
    rows = list(csv.DictReader(f))
d_xy = xy([(float(r["lon"]), float(r["lat"])) for r in rows])
res = np.array([float(r["residents"]) for r in rows])


def nearest(a, b, chunk=20000):
    """Distance from each point of a to its nearest point of b."""
    if len(b) == 0:
        return np.full(len(a), np.inf)
    out = np.empty(len(a))
    for k in range(0, len(a), chunk):
        p = a[k:k + chunk]
        out[k:k + chunk] = np.sqrt(((p[:, None, :] - b[None, :, :]) ** 2).sum(-1)).min(1)
    return out


far = (nearest(d_xy, w_xy) > radius + 1e-6) & (res > 0)
eligible = nearest(c_xy, w_xy) > exclusion + 1e-6
c_xy = c_xy[eligible]
d_xy, res = d_xy[far], res[far]
cost = np.sqrt(((d_xy[:, None, :] - c_xy[None, :, :]) ** 2).sum(-1))
# Points no candidate reaches cannot change the optimum; spopt is given all
# far points all the same (as its users would).
p = min(count, len(c_xy))
model = MCLP.from_cost_matrix(cost, res, service_radius=radius, p_facilities=p)
t1 = time.perf_counter()
model = model.solve(pulp.PULP_CBC_CMD(msg=False))
t2 = time.perf_counter()
print(json.dumps({"objective": pulp.value(model.problem.objective), "p": p, "demand_points": int(len(d_xy)),
                  "candidates": int(len(c_xy)), "status": pulp.LpStatus[model.problem.status],
                  "build_s": round(t1 - t0, 3), "solve_s": round(t2 - t1, 3)}))
