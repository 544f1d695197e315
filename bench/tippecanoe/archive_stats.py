#!/usr/bin/env python3
"""Describe a PMTiles archive of MVT tiles: tiles per zoom, bytes, and which
features survive at each zoom.

    archive_stats.py ARCHIVE.pmtiles [LAYER=N ...]

Decodes every tile (gzip, then the MVT protobuf by hand: layer = field 3,
its name = 1, features = 2, keys = 3, values = 4; a feature's tags = 2) and
collects, per layer and zoom, the distinct values of the `id` property. With
LAYER=N arguments (the number of features each layer has in the source), it
reports per layer the zooms at which fewer than N distinct ids appear --
features dropped at that zoom. Prints one JSON object. Needs `pmtiles`.
"""
import gzip
import json
import os
import sys
from pathlib import Path

from pmtiles.tile import Compression

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))
from mvt import archive, fields, varint  # noqa: E402  (bench/mvt.py)


def packed(buf):
    out, i = [], 0
    while i < len(buf):
        v, i = varint(buf, i)
        out.append(v)
    return out


def layer_ids(body):
    name, keys, values, feats = None, [], [], []
    for f, w, v in fields(body):
        if f == 1:
            name = v.decode()
        elif f == 3:
            keys.append(v.decode())
        elif f == 4:
            sv = None
            for vf, vw, vv in fields(v):
                sv = vv.decode() if vf == 1 else str(vv)
            values.append(sv)
        elif f == 2:
            feats.append(v)
    kid = keys.index("id") if "id" in keys else None
    ids = []
    for fb in feats:
        fid = None
        for f, w, v in fields(fb):
            if f == 2 and kid is not None:
                t = packed(v) if w == 2 else [v]
                for j in range(0, len(t) - 1, 2):
                    if t[j] == kid:
                        fid = values[t[j + 1]]
            elif f == 1 and fid is None:
                fid = f"#{v}"
        ids.append(fid)
    return name, ids


def main():
    path = sys.argv[1]
    expect = dict(a.split("=", 1) for a in sys.argv[2:])
    with archive(path) as (r, tiles):
        h = r.header()
        gz = h["tile_compression"] == Compression.GZIP
        per_zoom, tile_bytes, instances = {}, 0, {}
        ids = {}  # (layer, z) -> set
        for (z, x, y), data in tiles:
            per_zoom[z] = per_zoom.get(z, 0) + 1
            tile_bytes += len(data)
            raw = gzip.decompress(data) if gz else data
            for f, w, v in fields(raw):
                if f != 3:
                    continue
                name, lid = layer_ids(v)
                instances[name] = instances.get(name, 0) + len(lid)
                ids.setdefault((name, z), set()).update(lid)
    zooms = range(h["min_zoom"], h["max_zoom"] + 1)
    layers = sorted({k[0] for k in ids} | set(expect))
    kept = {}
    for name in layers:
        counts = {z: len(ids.get((name, z), ())) for z in zooms}
        entry = {"ids_z0": counts.get(h["min_zoom"], 0), "ids_z14": counts.get(14, 0),
                 "feature_instances": instances.get(name, 0)}
        if name in expect:
            n = int(expect[name])
            entry["source_features"] = n
            entry["zooms_missing_features"] = [z for z in zooms if counts[z] < n]
        kept[name] = entry
    print(json.dumps({"file_bytes": os.path.getsize(path), "tile_bytes": tile_bytes,
                      "tiles": sum(per_zoom.values()), "tiles_per_zoom": dict(sorted(per_zoom.items())),
                      "addressed_tiles": h.get("addressed_tiles_count"), "layers": kept}))


if __name__ == "__main__":
    main()
