#!/usr/bin/env python3
"""Split gapmap's PMTiles export (one tile per z/x/y with one MVT layer per
tileset) into one PMTiles archive per tileset, so Martin can serve the same
URLs as gapmap (/{tileset}/{z}/{x}/{y}) with gapmap's own layer bytes.

    split_pmtiles.py IN.pmtiles OUT_DIR

An MVT tile is a protobuf message whose field 3 (length-delimited) repeats
once per layer, so a layer is cut out byte for byte: no decoding or
re-encoding of features. Each layer is written as its own tile, gzipped
(level 6, as gapmap does), into OUT_DIR/{layer}.pmtiles with the input's
header (zooms, bounds, centre) and metadata reduced to that layer. Tiles
where a layer has no features are not written (Martin answers 204, as
gapmap does for an empty tile). Needs the `pmtiles` package. Prints a
one-line JSON summary (tiles per layer).
"""
import gzip
import json
import sys
from pathlib import Path

from pmtiles.tile import Compression, zxy_to_tileid
from pmtiles.writer import Writer

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))
from mvt import archive, fields  # noqa: E402  (bench/mvt.py)


def enc_varint(n):
    out = bytearray()
    while True:
        b = n & 0x7F
        n >>= 7
        if n:
            out.append(b | 0x80)
        else:
            out.append(b)
            return bytes(out)


def layers(tile):
    """Yield (name, whole field-3 bytes incl. tag and length) per layer."""
    for field, wire, body in fields(tile):
        if wire != 2:
            raise ValueError(f"unexpected wire type {wire} at top level")
        if field != 3:
            continue
        # the layer's name is its field 1
        name = next((v.decode("utf-8") for f, w, v in fields(body) if f == 1 and w == 2), None)
        yield name, enc_varint((3 << 3) | 2) + enc_varint(len(body)) + body


def main():
    src, out_dir = sys.argv[1], sys.argv[2]
    with archive(src) as (r, stored):
        header, meta = r.header(), r.metadata()
        if header["tile_compression"] != Compression.GZIP:
            raise SystemExit(f"expected gzip tiles, got {header['tile_compression']}")
        per_layer, tiles_in = {}, 0
        for (z, x, y), data in stored:
            tiles_in += 1
            raw = gzip.decompress(data)
            for name, part in layers(raw):
                per_layer.setdefault(name, []).append((zxy_to_tileid(z, x, y), gzip.compress(part, 6, mtime=0)))
    counts = {}
    for vl in meta["vector_layers"]:
        name = vl["id"]
        tiles = sorted(per_layer.get(name, []))
        counts[name] = len(tiles)
        m = dict(meta)
        m["vector_layers"] = [vl]
        m["name"] = f"{meta.get('name', 'gapmap')} {name}"
        with open(f"{out_dir}/{name}.pmtiles", "wb") as out:
            w = Writer(out)
            for tid, data in tiles:
                w.write_tile(tid, data)
            h = dict(header)
            w.finalize(h, m)
    print(json.dumps({"tiles_per_layer": counts, "tiles_in": tiles_in}))


if __name__ == "__main__":
    main()
