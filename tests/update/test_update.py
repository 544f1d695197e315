"""`gapmap sources`, `gapmap update` and `gapmap geocode` against a local HTTP
server on 127.0.0.1 (a free port) serving the fixtures of
tests/fixtures/opendata (the published formats; made-up rows), and every
failure mode: a 304, a 500, a body that breaks off, a wrong content type, an
oversized file, a silent server, an invalid file. Nothing is ever
half-applied; every message names the source.

Module map: a fixture HTTP server (`Served`), the store helpers, then one
test per behaviour."""

import hashlib
import http.server
import json
import shutil
import sqlite3
import threading
import time
from pathlib import Path

import pytest

from conftest import GEODATA, run_gapmap

FIXTURES = Path(__file__).resolve().parent.parent / "fixtures" / "opendata"
FILES = {"vzd-address": "aw_eka.csv", "culture-centres": "kulturas-centru-statistika.csv",
         "libraries": "bibliotku-statistika.csv", "schools": "izglitibas-iestades.csv", "csb-grid": "grid.csv"}
CSP_ZIP = GEODATA / "sources" / "csp_territorial_units_lv_1.2m_2022-07-01.zip"
LAST_MODIFIED = "Tue, 01 Dec 2026 08:00:00 GMT"


class Handler(http.server.BaseHTTPRequestHandler):
    """Serves `/<mode>/<file>`: `ok` (with ETag, Last-Modified and 304 on
    If-None-Match), `500`, `cut` (a body shorter than its Content-Length),
    `html` (an HTML page with 200), `slow` (never answers)."""
    files = {}
    seen = []

    def log_message(self, *a):
        pass

    def do_GET(self):
        Handler.seen.append((self.path, {k.lower(): v for k, v in self.headers.items()}))
        _, mode, name = self.path.split("/", 2)
        body = Handler.files.get(name)
        if body is None:
            self.send_error(404)
            return
        etag = '"' + hashlib.sha256(body).hexdigest()[:16] + '"'
        if mode == "slow":
            time.sleep(5)
            return
        if mode == "500":
            self.send_response(500)
            self.send_header("Content-Length", "0")
            self.end_headers()
            return
        if mode == "ok" and self.headers.get("If-None-Match") == etag:
            self.send_response(304)
            self.end_headers()
            return
        ctype = "text/html; charset=utf-8" if mode == "html" else (
            "application/zip" if name.endswith(".zip") else "text/csv; charset=utf-8")
        self.send_response(200)
        self.send_header("Content-Type", ctype)
        self.send_header("Content-Length", str(len(body)))
        self.send_header("ETag", etag)
        self.send_header("Last-Modified", LAST_MODIFIED)
        self.end_headers()
        self.wfile.write(body[: len(body) // 2] if mode == "cut" else body)


@pytest.fixture
def served():
    Handler.files = {p.name: p.read_bytes() for p in FIXTURES.glob("*.csv")}
    Handler.files[CSP_ZIP.name] = CSP_ZIP.read_bytes()
    Handler.seen = []
    srv = http.server.ThreadingHTTPServer(("127.0.0.1", 0), Handler)
    threading.Thread(target=srv.serve_forever, daemon=True).start()
    yield f"http://127.0.0.1:{srv.server_address[1]}"
    srv.shutdown()


def urls(base, mode="ok", names=None):
    out = ["--url", f"csp-boundaries={base}/{mode}/{CSP_ZIP.name}"]
    for n, f in FILES.items():
        if names is None or n in names:
            out += ["--url", f"{n}={base}/{mode}/{f}"]
    return out


@pytest.fixture
def store(jelgava_store, tmp_path):
    s = tmp_path / "s.gpkg"
    shutil.copy(jelgava_store, s)
    return s


def rows(store, sql, *args):
    with sqlite3.connect(store) as c:
        return c.execute(sql, args).fetchall()


def revision(store):
    return int(rows(store, "SELECT value FROM gapmap_meta WHERE key = 'revision'")[0][0])


def fingerprint(store):
    """Every layer's content hashes, and the revision."""
    return revision(store), rows(store, "SELECT layer, id, hash FROM gapmap_feature_state ORDER BY layer, id")


def update(store, *args):
    return run_gapmap("update", "--store", store, "--json", *args)


def report(p):
    return json.loads(p.stdout)


def test_sources_lists_every_source_with_licence_credit_and_mapping():
    p = run_gapmap("sources", "--json", check=True)
    got = {s["name"]: s for s in json.loads(p.stdout)["sources"]}
    assert list(got) == ["csp-boundaries", "vzd-address", "culture-centres", "libraries", "schools", "csb-grid"]
    for s in got.values():
        assert s["publisher"] and s["licence"] and s["credit"] and s["fields"] and s["page"].startswith("https://")
    assert got["vzd-address"]["licence"] == "CC BY 4.0"
    assert "Valsts adrešu reģistra" in got["vzd-address"]["credit"]
    assert got["culture-centres"]["layer"] == "buildings"
    assert {"field": "atvk", "from": "L1_code (LV0030510)"} in got["csp-boundaries"]["fields"]
    text = run_gapmap("sources", check=True).stdout
    assert "Bezmaksas Wi-Fi" in text and "aw_eka.csv" in text


def test_every_source_applies_from_the_local_server(store, served):
    p = update(store, *urls(served), "csp-boundaries", *FILES)
    assert p.returncode == 0, p.stderr
    got = {s["source"]: s for s in report(p)["sources"]}
    assert set(got) == {"csp-boundaries", *FILES}
    assert all(s["outcome"] == "applied" for s in got.values()), got
    # Parishes carry their codes.
    atvk = dict(rows(store, "SELECT id, atvk FROM areas WHERE kind = 'parish'"))
    assert len(atvk) == 16 and all(a and a.startswith("LV003") and len(a) == 9 for a in atvk.values()), atvk
    # Buildings from the three registers, with provenance on every feature.
    b = {r[0]: r[1:] for r in rows(store, "SELECT id, kind, free_wifi, municipal, source, source_ref, as_of, licence, credit, source_version, parish_id FROM buildings WHERE source_ref LIKE 'https://data.gov.lv/%'")}
    assert b["culture-test-kc-0001"][:4] == ("culture_house", 1, 1, "official")
    assert b["culture-test-kc-0001"][9] == "cenu-pagasts"
    assert "culture-test-kc-0004" not in b, "Jelgava city is outside the municipality"
    assert b["culture-test-kc-0003"][9] == "vilces-pagasts", "placed by its LKS-92 columns"
    assert b["library-test-bib-0340"][1] == 1 and b["school-test-4313900000"][0] == "school"
    for v in b.values():
        assert v[5] == "2026-12-01" and v[6] and v[7] and v[8].startswith('"'), v  # Last-Modified date, licence, credit, ETag
    # The register's addresses and the grid are demand; the files' hashes are recorded.
    assert rows(store, "SELECT count(*) FROM demand WHERE origin = 'address_register'")[0][0] == 10
    for name, f in FILES.items():
        sha = hashlib.sha256((FIXTURES / f).read_bytes()).hexdigest()
        assert rows(store, "SELECT sha256, outcome FROM gapmap_source_updates WHERE source = ? ORDER BY id DESC LIMIT 1", name) == [(sha, "applied")]


def test_places_move_to_their_addresses_and_ambiguity_is_reported(store, served):
    p = update(store, *urls(served), "vzd-address")
    assert p.returncode == 0, p.stderr
    g = run_gapmap("geocode", "--store", store, "--dry-run", "--json", check=True)
    got = json.loads(g.stdout)
    places = {(x["layer"], x["id"]): x for x in got["placements"]}
    garoza = places[("sites", "library-garoza")]
    assert garoza["status"] == "matched" and garoza["register_id"] == "vzd-100000101", garoza
    assert places[("buildings", "b-office-kalnciema")]["register_id"] == "vzd-100000102"
    assert places[("sites", "activity-centre-zemgale")]["register_id"] == "vzd-100000107", "Upes 10 is Upes iela 10"
    # Applied by update already: quality building, the point the register's.
    q = dict(rows(store, "SELECT id, coordinate_quality FROM sites"))
    assert q["library-garoza"] == "building" and q["social-centre-laipa"] == "building"
    assert q["library-vilce"] == "settlement", "no street address: not moved"
    assert rows(store, "SELECT count(*) FROM gapmap_audit WHERE reason LIKE 'placed at its address%'")[0][0] > 0


def test_a_second_update_asks_conditionally_and_a_304_changes_nothing(store, served):
    assert update(store, *urls(served, names=["culture-centres"]), "culture-centres").returncode == 0
    before = fingerprint(store)
    p = update(store, *urls(served, names=["culture-centres"]), "culture-centres")
    assert p.returncode == 0, p.stderr
    assert report(p)["sources"][0]["outcome"] == "not_modified"
    assert Handler.seen[-1][1].get("if-none-match", "").startswith('"')
    assert Handler.seen[-1][1].get("if-modified-since") == LAST_MODIFIED
    assert fingerprint(store) == before


@pytest.mark.parametrize("mode, args, words", [
    ("500", [], "HTTP 500"),
    ("cut", [], "broke off"),
    ("html", [], "text/html"),
    ("ok", ["--max-bytes", "100"], "over the 100-byte limit"),
    ("slow", ["--timeout-s", "1"], "timed out"),
])
def test_a_failed_download_applies_nothing_and_names_the_source(store, served, mode, args, words):
    before = fingerprint(store)
    p = update(store, *urls(served, mode, ["culture-centres"]), *args, "culture-centres")
    assert p.returncode == 1, p.stderr
    assert "culture-centres: not updated:" in p.stderr and words in p.stderr, p.stderr
    assert fingerprint(store) == before
    assert rows(store, "SELECT outcome FROM gapmap_source_updates ORDER BY id DESC LIMIT 1") == [("failed",)]
    assert not list((store.parent / "sources").glob(".tmp*")), "no partial file left"


def test_an_invalid_file_applies_nothing(store, tmp_path):
    d = tmp_path / "in"
    d.mkdir()
    (d / "kulturas-centru-statistika.csv").write_text("_id,Objekta nosaukums,Adrese\n1,Nams,Kaut kur\n", encoding="utf-8")
    before = fingerprint(store)
    p = update(store, "--from-dir", d, "culture-centres")
    assert p.returncode == 2, p.stderr
    assert "culture-centres:" in p.stderr and "coordinates" in p.stderr and "_id, Objekta nosaukums, Adrese" in p.stderr
    assert fingerprint(store) == before


def test_dry_run_writes_nothing_and_says_what_would_change(store):
    before = fingerprint(store)
    data = store.read_bytes()
    p = update(store, "--from-dir", FIXTURES, "--dry-run", "culture-centres", "libraries")
    assert p.returncode == 0, p.stderr
    assert "culture-centres: would change buildings: 3 added" in p.stderr, p.stderr
    assert {s["outcome"] for s in report(p)["sources"]} == {"dry_run"}
    assert fingerprint(store) == before and store.read_bytes() == data


def test_from_dir_and_a_new_version_retires_what_it_no_longer_gives(store, tmp_path):
    d = tmp_path / "in"
    shutil.copytree(FIXTURES, d)
    assert update(store, "--from-dir", d, "--as-of", "2026-11-01", "culture-centres").returncode == 0
    lines = (d / "kulturas-centru-statistika.csv").read_text(encoding="utf-8").splitlines(keepends=True)
    (d / "kulturas-centru-statistika.csv").write_text("".join(l for l in lines if "TEST-KC-0002" not in l), encoding="utf-8")
    p = update(store, "--from-dir", d, "--as-of", "2026-12-01", "culture-centres")
    assert p.returncode == 0, p.stderr
    assert report(p)["sources"][0]["changes"]["buildings"]["retired"] == 1
    st = dict(rows(store, "SELECT id, status FROM buildings WHERE id LIKE 'culture-%'"))
    assert st == {"culture-test-kc-0001": "active", "culture-test-kc-0002": "retired", "culture-test-kc-0003": "active"}
    assert rows(store, "SELECT as_of FROM buildings WHERE id = 'culture-test-kc-0001'") == [("2026-12-01",)]


def test_an_unknown_source_or_missing_address_is_a_usage_error(store):
    p = update(store, "no-such-source")
    assert p.returncode == 64 and "unknown source `no-such-source`" in p.stderr
    p = update(store, "libraries")
    assert p.returncode == 2 and "no download address is known for libraries" in p.stderr, p.stderr
