#!/usr/bin/env python3
"""Write the fixed list of z8-z14 tile requests of the tiles benchmark.

    tile_urls.py OUT_DIR TILEJSON...

Reads gapmap's TileJSON documents (one per tileset), takes the union of their
`bounds` (the dataset extent) and lists, for every zoom 8..14, the tiles that
cover it: all of them up to MAX_PER_ZOOM, else MAX_PER_ZOOM of them picked with
random.Random(zoom) and sorted -- so the list depends only on the extent. Each
z/x/y is requested once per tileset (a map client asks for every layer of the
tiles in view), interleaved so any window of the list mixes tilesets and zooms.

Writes, line by line in the same order:
  OUT_DIR/urls.txt         gapmap paths   /tiles/{tileset}/{z}/{x}/{y}.mvt
  OUT_DIR/martin-urls.txt  Martin paths   /{tileset}/{z}/{x}/{y}
(Martin's source ids are the tileset ids: one PMTiles archive or one PostGIS
table per tileset.) Prints a one-line JSON summary.
"""
import json
import math
import random
import sys

MIN_ZOOM, MAX_ZOOM = 8, 14
MAX_PER_ZOOM = 256


def tile_xy(lon, lat, z):
    n = 1 << z
    lat = max(min(lat, 85.0511287798), -85.0511287798)
    x = int((lon + 180.0) / 360.0 * n)
    r = math.radians(lat)
    y = int((1.0 - math.log(math.tan(r) + 1.0 / math.cos(r)) / math.pi) / 2.0 * n)
    return min(max(x, 0), n - 1), min(max(y, 0), n - 1)


def main():
    out_dir, docs = sys.argv[1], sys.argv[2:]
    tilesets, bounds = [], None
    for path in docs:
        with open(path, encoding="utf-8") as f:
            tj = json.load(f)
        name = tj["vector_layers"][0]["id"]
        tilesets.append(name)
        b = tj["bounds"]
        bounds = b if bounds is None else [min(bounds[0], b[0]), min(bounds[1], b[1]),
                                            max(bounds[2], b[2]), max(bounds[3], b[3])]
    per_zoom, zxy = {}, []
    for z in range(MIN_ZOOM, MAX_ZOOM + 1):
        x0, y0 = tile_xy(bounds[0], bounds[3], z)
        x1, y1 = tile_xy(bounds[2], bounds[1], z)
        tiles = [(z, x, y) for x in range(x0, x1 + 1) for y in range(y0, y1 + 1)]
        if len(tiles) > MAX_PER_ZOOM:
            tiles = sorted(random.Random(z).sample(tiles, MAX_PER_ZOOM))
        per_zoom[z] = len(tiles)
        zxy.extend(tiles)
    # interleave: a fixed shuffle of the z/x/y list, each followed by all tilesets
    random.Random(42).shuffle(zxy)
    with open(f"{out_dir}/urls.txt", "w") as g, open(f"{out_dir}/martin-urls.txt", "w") as m:
        for z, x, y in zxy:
            for t in tilesets:
                g.write(f"/tiles/{t}/{z}/{x}/{y}.mvt\n")
                m.write(f"/{t}/{z}/{x}/{y}\n")
    print(json.dumps({"bounds": bounds, "tilesets": tilesets, "tiles_per_zoom": per_zoom,
                      "zxy": len(zxy), "urls": len(zxy) * len(tilesets)}))


if __name__ == "__main__":
    main()
