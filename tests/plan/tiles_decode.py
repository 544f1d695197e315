"""The properties of a tileset's features (the sites by default) in the
z10 tiles over the municipality, decoded with the tiles tests' own MVT
reader."""

import math
import sys
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parents[1] / "tiles"))
from mvt_validator import decode_tile  # noqa: E402


def sites_tile_properties(server, z=10):
    return tile_properties(server, "sites", z)


def tile_properties(server, tileset, z=10):
    """The properties of every feature of `tileset` in the z tiles over its bounds."""
    tj = server.get(f"/tiles/{tileset}.json").json()
    b = tj["bounds"]
    n = 2 ** z

    def xy(lon, lat):
        r = math.radians(lat)
        return int((lon + 180) / 360 * n), int((1 - math.log(math.tan(r) + 1 / math.cos(r)) / math.pi) / 2 * n)

    (x0, y0), (x1, y1) = xy(b[0], b[3]), xy(b[2], b[1])
    props = []
    for x in range(x0, x1 + 1):
        for y in range(y0, y1 + 1):
            r = server.get(f"/tiles/{tileset}/{z}/{x}/{y}.mvt")
            if r.status_code == 200:
                layers, _ = decode_tile(r.content)
                props += [f["properties"] for f in layers[0]["features"]]
    return props
