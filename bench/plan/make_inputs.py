"""Inputs of bench/plan from the national synthetic data (`gapmap synth
--scale latvia --seed 42 --as-of 2026-01-01`), deterministic:

  national SRC OUT   sites.geojson with 200 free-Wi-Fi sites (the first 200
                     with free Wi-Fi, by id) and every other site a candidate
                     without Wi-Fi (4,800): ~1M demand points, 5k candidates;
  medium SRC OUT     a 20,000-point window of the national demand (the points
                     nearest the busiest parish's centre), its free-Wi-Fi
                     sites, and 500 candidate buildings drawn uniformly in the
                     window (random.Random(7)); areas and coverage copied.
  buildings SRC OUT  a national-size candidate buildings layer: the national
                     sites (200 free-Wi-Fi sites, 4,800 candidates) and
                     20,000 more candidate buildings where people live — the
                     positions of every k-th demand point by id, kinds in turn
                     (school, culture house, parish office, library, social
                     centre): 24,800 candidates; areas, coverage and demand
                     copied. (Until the buildings layer lands the candidates
                     are sites marked candidate, as the planner reads them.)

Standard library only (the demand CSV is read as text)."""

import csv
import json
import math
import random
import shutil
import sys
from pathlib import Path


def load(p):
    return json.loads(Path(p).read_text(encoding="utf-8"))


def dump(doc, p):
    Path(p).write_text(json.dumps(doc, ensure_ascii=False, separators=(",", ":")), encoding="utf-8")


def national(src, out):
    src, out = Path(src), Path(out)
    out.mkdir(parents=True, exist_ok=True)
    sites = load(src / "sites.geojson")
    feats = sorted(sites["features"], key=lambda f: f["id"])
    wifi = 0
    for f in feats:
        p = f["properties"]
        if p.get("free_wifi") and wifi < 200:
            wifi += 1
            p["kind"] = "wifi" if p["kind"] == "wifi" else p["kind"]
            p["candidate"] = False
        else:
            p["free_wifi"] = False
            p["candidate"] = True
            if p["kind"] == "wifi":
                p["kind"] = "culture_house"
    sites["features"] = feats
    dump(sites, out / "sites.geojson")
    for name in ["areas.geojson", "coverage.geojson", "demand.csv"]:
        if not (out / name).exists():
            shutil.copy(src / name, out / name)
    print(f"national: {wifi} free-Wi-Fi sites, {len(feats) - wifi} candidates")


def medium(src, out, n_points=20000, n_cands=500):
    src, out = Path(src), Path(out)
    out.mkdir(parents=True, exist_ok=True)
    with open(src / "demand.csv", encoding="utf-8", newline="") as f:
        rows = list(csv.DictReader(f))
    # The window: the n_points nearest the median point of the first parish's points.
    first = rows[0]["parish_id"]
    pts = [r for r in rows if r["parish_id"] == first]
    cx = sorted(float(r["lon"]) for r in pts)[len(pts) // 2]
    cy = sorted(float(r["lat"]) for r in pts)[len(pts) // 2]
    k = math.cos(math.radians(cy))
    rows.sort(key=lambda r: ((float(r["lon"]) - cx) * k) ** 2 + (float(r["lat"]) - cy) ** 2)
    window = rows[:n_points]
    lons = [float(r["lon"]) for r in window]
    lats = [float(r["lat"]) for r in window]
    box = (min(lons), min(lats), max(lons), max(lats))
    with open(out / "demand.csv", "w", encoding="utf-8", newline="") as f:
        w = csv.DictWriter(f, fieldnames=list(window[0].keys()))
        w.writeheader()
        w.writerows(sorted(window, key=lambda r: r["id"]))
    nat = load(Path(out).parent / "national" / "sites.geojson")
    inside = [f for f in nat["features"]
              if box[0] <= f["geometry"]["coordinates"][0] <= box[2]
              and box[1] <= f["geometry"]["coordinates"][1] <= box[3]
              and f["properties"].get("free_wifi")]
    rnd = random.Random(7)
    feats = list(inside)
    for i in range(n_cands):
        lon = round(rnd.uniform(box[0], box[2]), 7)
        lat = round(rnd.uniform(box[1], box[3]), 7)
        feats.append({"type": "Feature", "id": f"medium-cand-{i:04d}", "geometry": {"type": "Point", "coordinates": [lon, lat]},
                      "properties": {"kind": "school", "name": f"Simulēts kandidāts {i + 1}", "free_wifi": False,
                                     "candidate": True, "source": "simulated",
                                     "source_ref": "bench/plan/make_inputs.py medium", "as_of": "2026-01-01",
                                     "licence": "CC0 (simulated by gapmap)"}})
    dump({"type": "FeatureCollection", "features": feats}, out / "sites.geojson")
    for name in ["areas.geojson", "coverage.geojson"]:
        shutil.copy(src / name, out / name)
    print(f"medium: {len(window)} demand points, {len(inside)} free-Wi-Fi sites, {n_cands} candidates, box {box}")


def buildings(src, out, extra=20000):
    src, out = Path(src), Path(out)
    out.mkdir(parents=True, exist_ok=True)
    nat = load(Path(out).parent / "national" / "sites.geojson")
    with open(src / "demand.csv", encoding="utf-8", newline="") as f:
        rows = sorted(csv.DictReader(f), key=lambda r: r["id"])
    step = max(1, len(rows) // extra)
    kinds = ["school", "culture_house", "municipal_office", "library", "social_centre"]
    feats = list(nat["features"])
    for i, r in enumerate(rows[::step][:extra]):
        feats.append({"type": "Feature", "id": f"bench-building-{i:05d}",
                      "geometry": {"type": "Point", "coordinates": [float(r["lon"]), float(r["lat"])]},
                      "properties": {"kind": kinds[i % len(kinds)], "name": f"Simulēta ēka {i + 1}", "free_wifi": False,
                                     "candidate": True, "parish_id": r.get("parish_id") or None,
                                     "source": "simulated", "source_ref": "bench/plan/make_inputs.py buildings",
                                     "as_of": "2026-01-01", "licence": "CC0 (simulated by gapmap)"}})
    dump({"type": "FeatureCollection", "features": feats}, out / "sites.geojson")
    for name in ["areas.geojson", "coverage.geojson", "demand.csv"]:
        if not (out / name).exists():
            shutil.copy(src / name, out / name)
    n = sum(1 for f in feats if f["properties"].get("candidate"))
    print(f"buildings: {n} candidates ({min(extra, len(rows[::step]))} added where people live)")


if __name__ == "__main__":
    {"national": national, "medium": medium, "buildings": buildings}[sys.argv[1]](*sys.argv[2:])
