"""The bad-input corpus (tests/corpus/bad/, made by tests/corpus/make_corpus.py)
against `gapmap check` and `gapmap ingest`.

For every bad file:
- `gapmap check --json` exits with the expected status and reports exactly the
  expected errors: the same number, each at its exact place (CSV line, JSON
  line:column, or GeoJSON feature index and JSON pointer), with its field and
  a substring of its message; the human-readable `text` of each starts with
  `FILE<location>: error: field `F`: `;
- `gapmap ingest` into a copy of the Jelgavas novads store exits 2 (64 for a
  usage error) and leaves the store byte-for-byte unchanged, with no rollback
  journal or WAL left behind.
The --repair cases (swapped axes, an open ring, a bow-tie) are accepted with
--repair, and the report lists each repair. The good files (tests/corpus/good/)
ingest with exit 0 and the right number of features, in the right place.
"""

import hashlib
import json
import shutil
import sqlite3
from pathlib import Path

import pytest

from conftest import ROOT, run_gapmap

CORPUS = ROOT / "tests" / "corpus"
EXPECTED = json.loads((CORPUS / "expected.json").read_text(encoding="utf-8"))
BAD = sorted(EXPECTED["bad"])
GOOD = sorted(EXPECTED["good"])
REPAIR = sorted(n for n in BAD if EXPECTED["bad"][n]["repair"])
# Files that get a report (not a usage error), and those of them with errors.
REPORTED = sorted(n for n in BAD if EXPECTED["bad"][n]["exit"] != 64)
WITH_ERRORS = sorted(n for n in REPORTED if EXPECTED["bad"][n]["errors"])
LOCATION_KEYS = ("line", "column", "feature", "pointer", "table", "row")

# The places of tests/corpus/make_corpus.py, (longitude, latitude).
PLACES = {
    "Jelgavas bibliotēka": (23.72, 56.55),
    "Ozolnieku bibliotēka": (23.79, 56.69),
    "Vilces KAC": (23.53, 56.42),
}


def sha256(p: Path) -> str:
    return hashlib.sha256(p.read_bytes()).hexdigest()


def gapmap_in_corpus(*args):
    """Run gapmap with the corpus as working directory, so files are named
    `bad/NAME` in every message."""
    return run_gapmap(*args, cwd=CORPUS, timeout=120)


def location_text(e: dict) -> str:
    if "feature" in e:
        return f": feature {e['feature']} ({e['pointer']})"
    if "column" in e:
        return f":{e['line']}:{e['column']}"
    if "line" in e:
        return f":{e['line']}"
    return ""


def matches(problem: dict, want: dict, severity: str, file: str) -> bool:
    if problem["severity"] != severity or problem["file"] != file:
        return False
    if problem.get("field") != want["field"] or want["message"] not in problem["message"]:
        return False
    if {k: problem[k] for k in LOCATION_KEYS if k in problem} != {k: want[k] for k in LOCATION_KEYS if k in want}:
        return False
    prefix = f"{file}{location_text(want)}: {severity}: "
    if want["field"] is not None:
        prefix += f"field `{want['field']}`: "
    return problem["text"].startswith(prefix)


def assert_reported(report: dict, wanted: list, severity: str, file: str, exact: bool):
    """Each wanted problem is matched by its own reported problem; with
    `exact`, nothing else of that severity is reported."""
    got = [p for p in report["problems"] if p["severity"] == severity]
    left = list(got)
    missing = []
    for w in wanted:
        hit = next((p for p in left if matches(p, w, severity, file)), None)
        if hit is None:
            missing.append(w)
        else:
            left.remove(hit)
    shown = "\n".join(p["text"] for p in got)
    assert not missing, f"{severity}s not reported as expected: {missing}\nreported:\n{shown}"
    if exact:
        assert not left, f"unexpected {severity}s:\n" + "\n".join(p["text"] for p in left)


@pytest.fixture
def store_copy(jelgava_store, tmp_path):
    copy = tmp_path / "store.gpkg"
    shutil.copy(jelgava_store, copy)
    return copy


def leftovers(store: Path):
    return [p.name for p in store.parent.iterdir() if p.name != store.name and p.name.startswith(store.name)]


def test_corpus_is_large_and_regenerates_identically(tmp_path):
    # The committed files are exactly what the generator writes.
    assert len(BAD) >= 45
    files = {p.name for p in (CORPUS / "bad").iterdir()}
    assert files == set(BAD)
    assert {p.name for p in (CORPUS / "good").iterdir()} == set(GOOD)
    import importlib.util
    spec = importlib.util.spec_from_file_location("make_corpus", CORPUS / "make_corpus.py")
    mod = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(mod)
    for c in mod.CASES:
        assert (CORPUS / "bad" / c["name"]).read_bytes() == c["data"], c["name"]
    for g in mod.GOODS:
        assert (CORPUS / "good" / g["name"]).read_bytes() == g["data"], g["name"]


def test_binary_details_are_exact():
    # The generator's byte-level promises: BOM, CRLF, Windows-1257, a quoted newline.
    assert (CORPUS / "bad" / "bom_one_bad.geojson").read_bytes().startswith(b"\xef\xbb\xbf{")
    crlf = (CORPUS / "bad" / "crlf_error.csv").read_bytes()
    assert crlf.count(b"\r\n") == 5 and crlf.count(b"\n") == 5
    cp = (CORPUS / "bad" / "cp1257.csv").read_bytes()
    assert "Zaļenieku".encode("cp1257") in cp
    with pytest.raises(UnicodeDecodeError):
        cp.decode("utf-8")
    assert b'"Ozolnieku bibliot\xc4\x93ka\nR' in (CORPUS / "bad" / "quoted_newline.csv").read_bytes()
    assert (CORPUS / "bad" / "empty.geojson").stat().st_size == 0
    assert (CORPUS / "bad" / "empty.csv").stat().st_size == 0


@pytest.mark.parametrize("name", BAD)
def test_check_reports_every_problem(name):
    exp = EXPECTED["bad"][name]
    p = gapmap_in_corpus("check", "--json", *exp["flags"], f"bad/{name}")
    assert p.returncode == exp["exit"], f"exit {p.returncode}\n{p.stderr}"
    if exp["exit"] == 64:
        # A usage error: no report, one message naming the file.
        assert p.stdout.strip() == ""
        assert f"bad/{name}" in p.stderr and "gapmap:" in p.stderr
        return
    report = json.loads(p.stdout)
    assert report["valid"] is (exp["exit"] == 0)
    assert report["committed"] is False
    assert [f["file"] for f in report["files"]] == [f"bad/{name}"]
    assert report["errors"] == len(exp["errors"]), "\n".join(q["text"] for q in report["problems"])
    assert_reported(report, exp["errors"], "error", f"bad/{name}", exact=True)
    assert_reported(report, exp["warnings"], "warning", f"bad/{name}", exact=False)
    # Every problem names the file; every error of a geojson feature has a pointer into that feature.
    for q in report["problems"]:
        assert q["text"].startswith(f"bad/{name}")
        if "feature" in q:
            assert q["pointer"].startswith(f"/features/{q['feature']}")
    # A file whose features were read (and rejected) does not "hold no features".
    if any("feature" in e or e.get("line", 0) > 1 for e in exp["errors"]):
        assert not [q for q in report["problems"] if "holds no features" in q["message"]], \
            "\n".join(q["text"] for q in report["problems"])


@pytest.mark.parametrize("name", REPORTED)
def test_messages_are_plain_text_for_a_gis_user(name):
    # No parser internals leak into messages: no pest position arrows, no
    # doubled spaces, no geozero wrappers.
    exp = EXPECTED["bad"][name]
    p = gapmap_in_corpus("check", "--json", *exp["flags"], f"bad/{name}")
    for q in json.loads(p.stdout)["problems"]:
        m = q["message"]
        assert "-->" not in m and "  " not in m and "processing geometry" not in m, m


@pytest.mark.parametrize("name", WITH_ERRORS)
def test_check_text_output_names_file_place_and_field(name):
    # The human-readable report on stderr carries the same lines as --json.
    exp = EXPECTED["bad"][name]
    p = gapmap_in_corpus("check", *exp["flags"], f"bad/{name}")
    assert p.returncode == exp["exit"]
    lines = p.stderr.splitlines()
    for e in exp["errors"]:
        prefix = f"bad/{name}{location_text(e)}: error: " + (f"field `{e['field']}`: " if e["field"] else "")
        assert any(l.startswith(prefix) and e["message"] in l for l in lines), f"{prefix}…{e['message']}\n{p.stderr}"
    n = len(exp["errors"])
    assert ("1 error" if n == 1 else f"{n} errors") in lines[-1]


@pytest.mark.parametrize("name", BAD)
def test_ingest_leaves_store_unchanged(name, store_copy):
    exp = EXPECTED["bad"][name]
    before = sha256(store_copy)
    p = gapmap_in_corpus("ingest", "--store", store_copy, *exp["flags"], f"bad/{name}")
    assert p.returncode == exp["exit"], f"exit {p.returncode}\n{p.stderr}"
    if exp["exit"] == 2:
        assert "nothing was written" in p.stderr
    assert sha256(store_copy) == before, "the store changed"
    assert leftovers(store_copy) == [], "a journal or WAL was left behind"
    with sqlite3.connect(store_copy) as db:
        assert db.execute("PRAGMA integrity_check").fetchone()[0] == "ok"


@pytest.mark.parametrize("name", REPAIR)
def test_repair_accepts_and_reports_each_change(name, store_copy):
    exp = EXPECTED["bad"][name]
    rep = exp["repair"]
    p = gapmap_in_corpus("check", "--json", "--repair", *exp["flags"], f"bad/{name}")
    assert p.returncode == rep["exit"], p.stderr
    report = json.loads(p.stdout)
    assert report["errors"] == 0 and report["valid"] is True
    assert_reported(report, rep["repaired"], "repaired", f"bad/{name}", exact=True)
    # The same file is ingested with --repair, and only then.
    before = sha256(store_copy)
    p = gapmap_in_corpus("ingest", "--json", "--repair", "--store", store_copy, *exp["flags"], f"bad/{name}")
    assert p.returncode == 0, p.stderr
    report = json.loads(p.stdout)
    assert report["committed"] is True
    assert_reported(report, rep["repaired"], "repaired", f"bad/{name}", exact=True)
    assert sha256(store_copy) != before
    assert report["files"][0]["valid"] == report["files"][0]["read"]


def test_repaired_swap_stores_longitude_first(tmp_path):
    store = tmp_path / "s.gpkg"
    p = gapmap_in_corpus("ingest", "--repair", "--store", store, "bad/swapped_latlon.geojson")
    assert p.returncode == 0, p.stderr
    with sqlite3.connect(store) as db:
        rows = db.execute("SELECT minx, miny FROM rtree_sites_geom").fetchall()
    assert len(rows) == 2
    for x, y in rows:
        assert 23.0 < x < 24.0 and 56.0 < y < 57.0, (x, y)


@pytest.mark.parametrize("name", GOOD)
def test_good_file_ingests(name, tmp_path):
    exp = EXPECTED["good"][name]
    p = gapmap_in_corpus("check", "--json", *exp["flags"], f"good/{name}")
    assert p.returncode == 0, p.stderr
    report = json.loads(p.stdout)
    assert report["errors"] == 0, "\n".join(q["text"] for q in report["problems"])
    f = report["files"][0]
    assert (f["layer"], f["read"], f["valid"]) == (exp["layer"], exp["count"], exp["count"])
    store = tmp_path / "s.gpkg"
    p = gapmap_in_corpus("ingest", "--json", "--store", store, *exp["flags"], f"good/{name}")
    assert p.returncode == 0, p.stderr
    report = json.loads(p.stdout)
    assert report["committed"] is True
    assert report["files"][0]["counts"]["added"] == exp["count"]
    with sqlite3.connect(store) as db:
        layer = exp["layer"]
        assert db.execute(f"SELECT count(*) FROM {layer}").fetchone()[0] == exp["count"]
        # Every feature lies in Jelgavas novads after any CRS transform.
        for x0, y0, x1, y1 in db.execute(f"SELECT minx, miny, maxx, maxy FROM rtree_{layer}_geom"):
            assert 23.4 < x0 <= x1 < 23.9 and 56.3 < y0 <= y1 < 56.8, (x0, y0, x1, y1)
        if layer == "sites":
            # Named places land where they are (LKS-92 input transformed right).
            got = dict(db.execute(f"SELECT s.name, r.minx || ' ' || r.miny FROM sites s JOIN rtree_sites_geom r ON r.id = s.fid"))
            for place, (lon, lat) in PLACES.items():
                if place in got:
                    x, y = map(float, got[place].split())
                    assert abs(x - lon) < 2e-4 and abs(y - lat) < 2e-4, (place, x, y)


def test_good_files_together_in_one_ingest_then_reingest_is_unchanged(tmp_path):
    # Files that need no flags go in one transaction; a second ingest changes nothing.
    # Not the corpus's areas: two small squares, and places are checked against
    # the areas of the store (ingest's position rule), which would refuse the rest.
    names = [n for n in GOOD if not EXPECTED["good"][n]["flags"] and EXPECTED["good"][n]["layer"] != "areas"]
    store = tmp_path / "s.gpkg"
    args = ["ingest", "--json", "--store", store, *[f"good/{n}" for n in names]]
    p = gapmap_in_corpus(*args)
    assert p.returncode == 0, p.stderr
    report = json.loads(p.stdout)
    assert sum(f["counts"]["added"] for f in report["files"]) == sum(EXPECTED["good"][n]["count"] for n in names)
    p = gapmap_in_corpus(*args)
    assert p.returncode == 0, p.stderr
    report = json.loads(p.stdout)
    assert all(f["counts"]["added"] == 0 and f["counts"]["changed"] == 0 for f in report["files"])


def test_one_bad_file_among_good_ones_rejects_the_whole_ingest(store_copy):
    before = sha256(store_copy)
    p = gapmap_in_corpus("ingest", "--json", "--store", store_copy, "good/lonlat.csv", "bad/crlf_error.csv",
                         "good/Jelgavas_novada_vietas.geojson")
    assert p.returncode == 2, p.stderr
    report = json.loads(p.stdout)
    assert report["committed"] is False and report["errors"] == 1
    assert sha256(store_copy) == before
    assert leftovers(store_copy) == []
