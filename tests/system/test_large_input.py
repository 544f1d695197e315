"""A GeoJSON FeatureCollection of 1,000,000 demand points, generated at test
time and streamed to disk, with one bad feature at index 999,999: `gapmap
check` names that feature and its JSON pointer, exits 2, and its peak memory
stays under 300 MB (the reader streams; it never holds the file). The same
file without the bad feature ingests all 999,999 points into a fresh store.
"""

import json
import os
import sqlite3
import subprocess
import sys
import time

import pytest

from conftest import gapmap_bin

N = 1_000_000
BAD_INDEX = 999_999
MAX_RSS_MB = 300


def write_demand(path, n, bad_index=None):
    """Write a FeatureCollection of n demand points inside Latvia, a few
    thousand features at a time (the file is ~170 MB; it is never built in
    memory). The feature at bad_index gets residents -3."""
    head = '{"type": "FeatureCollection", "features": [\n'
    with open(path, "w", encoding="utf-8", newline="\n") as f:
        f.write(head)
        chunk = []
        for i in range(n):
            # A deterministic spread over a 2.0° x 0.9° box around Jelgava.
            lon = 22.9 + (i % 2000) * 0.001
            lat = 56.2 + (i // 2000) * 0.0018
            residents = -3 if i == bad_index else 1 + i % 7
            chunk.append(
                '{"type":"Feature","id":"d%d","properties":{"residents":%d,"source":"simulated",'
                '"source_ref":"gapmap test_large_input","as_of":"2026-11-01"},'
                '"geometry":{"type":"Point","coordinates":[%.6f,%.6f]}}' % (i, residents, lon, lat)
            )
            if len(chunk) == 5000:
                f.write(",\n".join(chunk))
                chunk = []
                if i + 1 < n:
                    f.write(",\n")
        if chunk:
            f.write(",\n".join(chunk))
        f.write("\n]}\n")


# Runs gapmap in a fresh Python process, so RUSAGE_CHILDREN there counts only
# gapmap; prints the exit status, the peak RSS in KiB and gapmap's stdout.
MEASURE = r"""
import json, resource, subprocess, sys
p = subprocess.run(sys.argv[1:], capture_output=True, text=True)
rss = resource.getrusage(resource.RUSAGE_CHILDREN).ru_maxrss
print(json.dumps({"rc": p.returncode, "maxrss_kib": rss, "stdout": p.stdout, "stderr": p.stderr[-4000:]}))
"""


def run_measured(*args):
    p = subprocess.run([sys.executable, "-c", MEASURE, gapmap_bin(), *map(str, args)],
                       capture_output=True, text=True, timeout=900, env=dict(os.environ, RUST_LOG="warn"))
    assert p.returncode == 0, p.stderr
    return json.loads(p.stdout)


@pytest.fixture(scope="module")
def million(tmp_path_factory):
    path = tmp_path_factory.mktemp("large") / "demand_1m.geojson"
    write_demand(path, N, bad_index=BAD_INDEX)
    return path


def test_generator_writes_valid_streamable_json(tmp_path):
    # The generator itself: a small file parses and the bad feature is where it should be.
    p = tmp_path / "small.geojson"
    write_demand(p, 12_345, bad_index=12_344)
    doc = json.loads(p.read_text(encoding="utf-8"))
    assert len(doc["features"]) == 12_345
    assert doc["features"][12_344]["properties"]["residents"] == -3
    assert all(f["properties"]["residents"] > 0 for f in doc["features"][:-1])
    assert len({f["id"] for f in doc["features"]}) == 12_345


def test_million_features_error_names_the_last_feature_within_300_mb(million):
    t0 = time.monotonic()
    r = run_measured("check", "--json", "--layer", "demand", million)
    elapsed = time.monotonic() - t0
    assert r["rc"] == 2, r["stderr"]
    report = json.loads(r["stdout"])
    assert report["errors"] == 1
    [err] = [q for q in report["problems"] if q["severity"] == "error"]
    assert err["feature"] == BAD_INDEX
    assert err["pointer"] == f"/features/{BAD_INDEX}/properties/residents"
    assert err["field"] == "residents"
    assert "-3 is negative" in err["message"]
    assert f": feature {BAD_INDEX} (/features/{BAD_INDEX}/properties/residents): error: field `residents`:" in err["text"]
    assert report["files"][0]["read"] == N and report["files"][0]["valid"] == N - 1
    peak_mb = r["maxrss_kib"] / 1024
    print(f"check of {N} features: {elapsed:.1f} s, peak RSS {peak_mb:.0f} MB")
    assert peak_mb < MAX_RSS_MB, f"peak RSS {peak_mb:.0f} MB"


def test_million_minus_the_bad_one_ingests(tmp_path):
    src = tmp_path / "demand_999999.geojson"
    write_demand(src, N - 1)
    store = tmp_path / "s.gpkg"
    t0 = time.monotonic()
    r = run_measured("ingest", "--json", "--layer", "demand", "--store", store, src)
    elapsed = time.monotonic() - t0
    assert r["rc"] == 0, r["stderr"]
    report = json.loads(r["stdout"])
    assert report["committed"] is True and report["files"][0]["counts"]["added"] == N - 1
    with sqlite3.connect(store) as db:
        assert db.execute("SELECT count(*) FROM demand").fetchone()[0] == N - 1
        assert db.execute("SELECT count(*) FROM rtree_demand_geom").fetchone()[0] == N - 1
        assert db.execute("SELECT count(*) FROM demand WHERE residents < 0").fetchone()[0] == 0
    print(f"ingest of {N - 1} features: {elapsed:.1f} s, peak RSS {r['maxrss_kib'] / 1024:.0f} MB")
