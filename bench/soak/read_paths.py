#!/usr/bin/env python3
"""The path lists of the read streams of the soak (bench/soak/run.sh) and of
the edits bench (bench/edits/run.sh), one file per group, for
bench/tiles/paths.lua to cycle through.

    read_paths.py URL WORK GROUP...

Asks the server at URL for the dataset's bounds and collection sizes and
writes WORK/GROUP.paths for each GROUP, printing each list's length:
  gap      /api/v1/gaps/{summary,parishes,grid,clusters}, default and other thresholds
  nearest  /api/v1/nearest and /api/v1/coverage at 200 seeded points in the municipality
  tiles    /tiles/{sites,parishes,coverage,gap_grid}/z/x/y.mvt, z6-z13 over the dataset
  ogc      /ogc/collections/{sites,demand_grid,coverage}/items pages and bbox queries
  exports  /export/{sites,parishes,coverage,demand_grid}.{geojson,csv,gpkg}, /export/tiles.pmtiles
The random choices are seeded: the same lists on every run.
"""
import json, math, random, sys, urllib.request
url, work, groups = sys.argv[1], sys.argv[2], sys.argv[3:]
get = lambda p: json.load(urllib.request.urlopen(url + p))
rnd = random.Random(14)
th = ["", "?near_m=2000", "?served_down_mbps=50&near_m=1000", "?gigabit_down_mbps=500"]
gap = [f"/api/v1/gaps/{r}{t}" for r in ["summary", "parishes", "grid", "clusters"] for t in th]
gap += ["/api/v1/gaps/grid?underserved=true"]
w, s, e, n = get("/tiles/parishes.json")["bounds"]
pts = [(round(rnd.uniform(w, e), 5), round(rnd.uniform(s, n), 5)) for _ in range(200)]
near = []
for i, (lon, lat) in enumerate(pts):
    kind = ["wifi", "library", "kac", "any"][i % 4]
    near.append(f"/api/v1/nearest?lon={lon}&lat={lat}&kind={kind}&at=2026-11-25T10:00:00%2B02:00")
    near.append(f"/api/v1/coverage?lon={lon}&lat={lat}")
def tile(lon, lat, z):
    x = int((lon + 180) / 360 * 2**z)
    r = math.radians(lat)
    y = int((1 - math.log(math.tan(r) + 1 / math.cos(r)) / math.pi) / 2 * 2**z)
    return x, y
tiles = []
for z in range(6, 14):
    x0, y1 = tile(w, s, z); x1, y0 = tile(e, n, z)
    cells = [(x, y) for x in range(x0, x1 + 1) for y in range(y0, y1 + 1)]
    rnd.shuffle(cells)
    for x, y in cells[:60]:
        for ts in ["sites", "parishes", "coverage", "gap_grid"]:
            tiles.append(f"/tiles/{ts}/{z}/{x}/{y}.mvt")
ogc = []
for c in ["sites", "demand_grid", "coverage"]:
    m = get(f"/ogc/collections/{c}/items?limit=1")["numberMatched"]
    ogc += [f"/ogc/collections/{c}/items?limit=100&offset={o}" for o in range(0, m, 100)]
for lon, lat in pts[:40]:
    ogc.append(f"/ogc/collections/sites/items?bbox={lon - 0.1},{lat - 0.05},{lon + 0.1},{lat + 0.05}")
exports = [f"/export/{c}.{f}" for c in ["sites", "parishes", "coverage", "demand_grid"] for f in ["geojson", "csv", "gpkg"]]
exports.append("/export/tiles.pmtiles")
lists = dict(gap=gap, nearest=near, tiles=tiles, ogc=ogc, exports=exports)
for name in groups:
    paths = lists[name]
    open(f"{work}/{name}.paths", "w").write("\n".join(paths) + "\n")
    print(name, len(paths), file=sys.stderr)
