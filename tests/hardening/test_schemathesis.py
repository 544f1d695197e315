"""schemathesis against both OpenAPI documents the server publishes
(`/api/v1/openapi.json`, OpenAPI 3.1, and `/ogc/api`, its OpenAPI 3.0 form):
every check, positive and negative data, a fixed seed and a bounded number
of examples per operation; zero failures, counts printed.

Every operation in the documents is tested, so routes added later (the
planner's `/api/v1/plan/…`, `/api/v1/search`, HTML pages) join by being
documented. The bodies schemathesis cannot read (vector tiles, PMTiles) are
checked here by the project's own decoders, found by their media type in the
same document."""

import gzip
import re
import subprocess
import sys
from pathlib import Path

import pytest
import requests

sys.path.insert(0, str(Path(__file__).resolve().parent.parent / "tiles"))
from mvt_validator import validate  # noqa: E402

SEED = 42
MAX_EXAMPLES = 40
MVT = "application/vnd.mapbox-vector-tile"
PMTILES = "application/vnd.pmtiles"


@pytest.fixture(scope="module")
def server(jelgava_server):
    # The shared server: schemathesis only reads (POST /admin/reload is
    # switched off there, so its 404 is all it can get).
    return jelgava_server


def schemathesis_bin() -> str:
    st = Path(sys.executable).parent / "schemathesis"
    if not st.exists():
        pytest.fail(f"{st} missing: schemathesis is pinned in requirements-test.txt (make venv)")
    return str(st)


@pytest.mark.parametrize("doc", ["/api/v1/openapi.json", "/ogc/api"])
def test_schemathesis_finds_nothing(server, doc, tmp_path, capsys):
    cmd = [schemathesis_bin(), "run", server.url + doc, "--checks", "all", "--mode", "all",
           "--seed", str(SEED), "--max-examples", str(MAX_EXAMPLES), "--workers", "2",
           "--suppress-health-check", "all", "--no-color", "--generation-database", "none",
           "--request-timeout", "30"]
    p = subprocess.run(cmd, capture_output=True, text=True, cwd=tmp_path, timeout=1200)
    out = p.stdout + p.stderr
    cases = re.search(r"(\d+) generated, (.*)", out)
    ops = re.search(r"Tested: (\d+)", out)
    with capsys.disabled():
        print(f"\nschemathesis {doc}: operations {ops.group(1) if ops else '?'}, "
              f"test cases {cases.group(0) if cases else '?'} (seed {SEED}, ≤ {MAX_EXAMPLES} per operation, "
              "all checks, positive and negative)")
    assert p.returncode == 0 and cases, out[-6000:]
    assert re.search(r"\d+ generated, \d+ passed\s*$", cases.group(0)), out[-6000:]
    assert int(ops.group(1)) >= 20


def binary_operations(server):
    """(path, media type) of every GET whose 200 answer is a tile or an archive."""
    doc = server.get("/api/v1/openapi.json").json()
    for path, ops in doc["paths"].items():
        content = ops.get("get", {}).get("responses", {}).get("200", {}).get("content", {})
        for media in content:
            if media in (MVT, PMTILES):
                yield path, media


def test_tiles_and_archives_decode(server):
    ops = list(binary_operations(server))
    assert {m for _, m in ops} == {MVT, PMTILES}, ops
    for path, media in ops:
        if media == MVT:
            # Every tileset the document names, at the zooms its TileJSON gives.
            tilesets = re.findall(r"[a-z_]+", server.get("/api/v1/openapi.json").json()["paths"][path]["get"]
                                  ["parameters"][0]["description"].split(":", 1)[1])
            checked = 0
            for ts in [t for t in tilesets if t != "or"]:
                tj = server.get(f"/tiles/{ts}.json").json()
                w, s, e, n = tj["bounds"]
                for z in (0, 6, 10):
                    import math
                    x = int((w + e) / 2 / 360 * 2**z + 2**z / 2)
                    lat = math.radians((s + n) / 2)
                    y = int((1 - math.log(math.tan(lat) + 1 / math.cos(lat)) / math.pi) / 2 * 2**z)
                    url = path.replace("{tileset}", ts).replace("{z}", str(z)).replace("{x}", str(x)).replace("{y}", str(y))
                    r = server.get(url, headers={"Accept-Encoding": "gzip"})
                    assert r.status_code in (200, 204), (url, r.status_code)
                    if r.status_code == 200:
                        assert r.headers["content-type"] == MVT
                        verdict, problems = validate(r.content, strict=True)
                        assert verdict == "valid", (url, problems)
                        checked += 1
            assert checked >= 8
        else:
            from pmtiles.reader import MmapSource, Reader, all_tiles
            r = server.get(path)
            assert r.status_code == 200 and r.headers["content-type"] == PMTILES
            import tempfile
            with tempfile.NamedTemporaryFile(suffix=".pmtiles") as f:
                f.write(r.content)
                f.flush()
                with open(f.name, "rb") as fh:
                    n = 0
                    for _, data in all_tiles(MmapSource(fh)):
                        verdict, problems = validate(gzip.decompress(data))
                        assert verdict == "valid", problems
                        n += 1
                    assert n > 100
