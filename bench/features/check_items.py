#!/usr/bin/env python3
"""Check, before timing, that gapmap and pygeoapi answer the benchmarked
OGC API - Features requests alike.

    check_items.py GAPMAP_BASE GAPMAP_PATHS PYGEOAPI_BASE PYGEOAPI_PATHS

Both path files have one request per line, in the same order (the same
request to each server). For every pair: HTTP 200 from both, the same
numberMatched and numberReturned, and the number of features equal to
numberReturned. Over each file, the ids returned must be the same set on
both servers (the servers may order a page differently: gapmap keeps the
store's order, pygeoapi sorts by id, so a page-by-page id comparison is
reported, not required). Prints one JSON line; exits 1 on any difference.
"""
import json
import sys
import urllib.request


def get(base, path):
    with urllib.request.urlopen(base + path, timeout=120) as r:
        if r.status != 200:
            raise SystemExit(f"{base}{path}: HTTP {r.status}")
        return json.loads(r.read())


def main():
    g_base, g_file, p_base, p_file = sys.argv[1:5]
    gp = [l.strip() for l in open(g_file) if l.strip()]
    pp = [l.strip() for l in open(p_file) if l.strip()]
    assert len(gp) == len(pp)
    out = {"requests": len(gp), "numberMatched": None, "returned_total": 0, "ids_gapmap": 0,
           "ids_pygeoapi": 0, "same_id_set": None, "pages_in_same_order": 0, "problems": []}
    gids, pids = set(), set()
    for a, b in zip(gp, pp):
        g, p = get(g_base, a), get(p_base, b)
        gf = [f.get("id") for f in g.get("features", [])]
        pf = [f.get("id") for f in p.get("features", [])]
        for k in ("numberMatched", "numberReturned"):
            if g.get(k) != p.get(k):
                out["problems"].append(f"{a} vs {b}: {k} gapmap {g.get(k)} != pygeoapi {p.get(k)}")
        if len(gf) != g.get("numberReturned") or len(pf) != p.get("numberReturned"):
            out["problems"].append(f"{a}: features {len(gf)}/{len(pf)} vs numberReturned {g.get('numberReturned')}/{p.get('numberReturned')}")
        out["numberMatched"] = g.get("numberMatched")
        out["returned_total"] += len(gf)
        out["pages_in_same_order"] += gf == pf
        gids.update(gf)
        pids.update(pf)
    out["ids_gapmap"], out["ids_pygeoapi"] = len(gids), len(pids)
    out["same_id_set"] = gids == pids
    if gids != pids:
        out["problems"].append(f"id sets differ: only gapmap {sorted(gids - pids)[:5]}, only pygeoapi {sorted(pids - gids)[:5]}")
    print(json.dumps(out))
    sys.exit(1 if out["problems"] else 0)


if __name__ == "__main__":
    main()
