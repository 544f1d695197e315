#!/usr/bin/env python3
"""Fetch every tile of the benchmark's list from gapmap and from Martin and
compare them before anything is timed.

    check_tiles.py MODE GAPMAP_BASE GAPMAP_PATHS MARTIN_BASE MARTIN_PATHS

Both lists have one path per line in the same order (tile_urls.py). Every
request carries `Accept-Encoding: gzip`, as in the timed runs. A status other
than 200/204 from either server is an error. MODE:
  bytes     the decoded (gunzipped) bodies must be identical -- Martin on the
            PMTiles split of gapmap's export must serve gapmap's own bytes;
  features  the same tiles must be empty (204) on both, and the number of
            features per tile is compared and reported (Martin builds its own
            MVT with ST_AsMVT, so geometry bytes differ).
One pass over the list also warms both servers. Prints one JSON line; exits 1
when MODE=bytes finds a difference or any request fails.
"""
import gzip
import http.client
import json
import sys
import time
from pathlib import Path
from urllib.parse import urlsplit

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))
from mvt import fields  # noqa: E402  (bench/mvt.py)


def feature_count(tile):
    """Features over all layers of an MVT tile (field 3 = layer, its field 2 = feature)."""
    return sum(1 for f, w, layer in fields(tile) if f == 3 and w == 2
               for lf, _, _ in fields(layer) if lf == 2)


class Client:
    def __init__(self, base):
        u = urlsplit(base)
        self.host, self.port = u.hostname, u.port
        self.conn = http.client.HTTPConnection(self.host, self.port, timeout=60)

    def get(self, path):
        for attempt in (0, 1):
            try:
                self.conn.request("GET", path, headers={"Accept-Encoding": "gzip"})
                r = self.conn.getresponse()
                body = r.read()
                if r.getheader("Content-Encoding") == "gzip":
                    body = gzip.decompress(body)
                return r.status, body
            except (http.client.HTTPException, ConnectionError):
                self.conn.close()
                self.conn = http.client.HTTPConnection(self.host, self.port, timeout=60)
                if attempt:
                    raise


def main():
    mode, g_base, g_paths, m_base, m_paths = sys.argv[1:6]
    gp = [l.strip() for l in open(g_paths) if l.strip()]
    mp = [l.strip() for l in open(m_paths) if l.strip()]
    assert len(gp) == len(mp), "path lists differ in length"
    g, m = Client(g_base), Client(m_base)
    res = {"mode": mode, "urls": len(gp), "gapmap": {"200": 0, "204": 0, "other": 0, "bytes": 0, "features": 0, "s": 0.0},
           "martin": {"200": 0, "204": 0, "other": 0, "bytes": 0, "features": 0, "s": 0.0},
           "status_differs": 0, "bytes_differ": 0, "features_differ": 0, "examples": []}
    for a, b in zip(gp, mp):
        out = []
        for name, cl, path in (("gapmap", g, a), ("martin", m, b)):
            t0 = time.monotonic()
            st, body = cl.get(path)
            res[name]["s"] += time.monotonic() - t0
            k = str(st) if st in (200, 204) else "other"
            res[name][k] += 1
            if st == 200:
                res[name]["bytes"] += len(body)
                res[name]["features"] += feature_count(body)
            out.append((st, body))
        (gs, gb), (ms, mb) = out
        if gs != ms:
            res["status_differs"] += 1
        if mode == "bytes" and gb != mb:
            res["bytes_differ"] += 1
        if gs == 200 and ms == 200 and feature_count(gb) != feature_count(mb):
            res["features_differ"] += 1
        if (gs != ms or (mode == "bytes" and gb != mb) or "other" in (str(gs), str(ms))) and len(res["examples"]) < 5:
            res["examples"].append({"gapmap": [a, gs, len(gb)], "martin": [b, ms, len(mb)]})
    for name in ("gapmap", "martin"):
        res[name]["s"] = round(res[name]["s"], 2)
    print(json.dumps(res))
    bad = res["gapmap"]["other"] or res["martin"]["other"]
    if mode == "bytes":
        bad = bad or res["bytes_differ"] or res["status_differs"]
    sys.exit(1 if bad else 0)


if __name__ == "__main__":
    main()
