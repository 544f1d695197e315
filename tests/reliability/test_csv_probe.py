"""The CSV probe (issue 21): values a spreadsheet would run as formulas —
`=`, `+`, `-`, `@` at the start — go into the store (place and parish names,
an equipment note, an audit reason) and out through every CSV producer:
the exports (HTTP and `gapmap export`), the audit CSV, the parish table,
the planner's CSVs (HTTP and `gapmap plan`) and `gapmap gaps`. No cell may
begin with a formula character unless it is a plain number; the injected
values must come out with the apostrophe that neutralises them (the OWASP
rule, gapmap_geo::csv_cell)."""

import csv
import io
import json
import re
import shutil

import pytest
import requests

from conftest import GEODATA, JELGAVA_FILES, run_gapmap
from proxylib import PASSWORD, add_users, proxied_server

NUMBER = re.compile(r"^[+-]?\d+(\.\d+)?([eE][+-]?\d+)?$")
STARTS = ("=", "+", "-", "@", "\t", "\r")
FORMULAS = ["=HYPERLINK(\"http://evil.example\",\"{}\")", "+{} SUM(1+1)", "-1+{}", "@SUM({})"]


def cells(text):
    return [c for row in csv.reader(io.StringIO(text.lstrip("\ufeff"))) for c in row]


def check(name, text, must_hold=None):
    got = cells(text)
    assert got, f"{name}: empty"
    bad = [c for c in got if c.lstrip(" ").startswith(STARTS) and not NUMBER.match(c)]
    assert not bad, f"{name}: formula-like cells {bad[:5]}"
    if must_hold:
        assert any(c.startswith("'" + must_hold) for c in got), f"{name}: the probe value {must_hold!r} did not come out neutralised"
    return got


@pytest.fixture(scope="module")
def probed(tmp_path_factory):
    """A store of the embedded dataset whose place, parish and equipment
    texts begin with formula characters, served, with an editor."""
    d = tmp_path_factory.mktemp("probe")
    files = []
    for f in JELGAVA_FILES:
        shutil.copy(GEODATA / f, d / f)
        files.append(d / f)
    sites = json.loads((d / "sites.geojson").read_text())
    for i, f in enumerate(sites["features"]):
        f["properties"]["name"] = FORMULAS[i % 4].format(f["properties"]["name"])[:200]
    (d / "sites.geojson").write_text(json.dumps(sites, ensure_ascii=False))
    areas = json.loads((d / "areas.geojson").read_text())
    for f in areas["features"]:
        if f["properties"]["kind"] == "parish":
            f["properties"]["name"] = "@" + f["properties"]["name"]
    (d / "areas.geojson").write_text(json.dumps(areas, ensure_ascii=False))
    eq = (d / "equipment.csv").read_text(encoding="utf-8").splitlines()
    header = eq[0].split(",")
    note = header.index("note")
    row = next(csv.reader([eq[1]]))
    row[note] = "=1+2"
    out = io.StringIO()
    csv.writer(out, lineterminator="").writerow(row)
    eq[1] = out.getvalue()
    (d / "equipment.csv").write_text("\n".join(eq) + "\n", encoding="utf-8")
    store = d / "probe.gpkg"
    run_gapmap("ingest", "--store", store, *files, check=True)
    add_users(store, ["ilze"])
    s = proxied_server(store, d)
    http = requests.Session()
    r = http.post(s.url + "/api/v1/session", json={"username": "ilze", "password": PASSWORD}, timeout=60)
    http.headers["X-CSRF-Token"] = r.json()["csrf"]
    site = sites["features"][1]["properties"]["id"]
    tag = http.get(s.url + f"/api/v1/sites/{site}", timeout=60).headers["etag"]
    r = http.patch(s.url + f"/api/v1/sites/{site}", headers={"If-Match": tag}, timeout=120,
                   json={"reason": "=HYPERLINK(\"http://evil.example\")", "properties": {"router_year": 2026}})
    assert r.status_code == 200, r.text
    s.http = http
    yield s, store, d
    s.stop()


HTTP = [
    ("/export/sites.csv", "=HYPERLINK"),
    ("/export/parishes.csv", "@"),
    ("/plan/parishes.csv", "@"),
    ("/api/v1/plan/access-points?count=9&f=csv", None),
    ("/api/v1/plan/upgrades?f=csv", None),
    ("/api/v1/plan/mobile-class?f=csv", None),
    ("/api/v1/plan/progress?f=csv", "@"),
]


@pytest.mark.parametrize("path, probe", HTTP)
def test_http_csv_producers_neutralise_formulas(probed, path, probe):
    s, _, _ = probed
    r = requests.get(s.url + path, timeout=120)
    assert r.status_code == 200, r.text[:300]
    check(path, r.text, probe)


def test_the_audit_csv_neutralises_formulas(probed):
    s, _, _ = probed
    r = s.http.get(s.url + "/api/v1/audit", params={"f": "csv"}, timeout=60)
    assert r.status_code == 200
    check("audit", r.text, "=HYPERLINK")


def test_cli_csv_producers_neutralise_formulas(probed, tmp_path):
    _, store, _ = probed
    out = run_gapmap("export", "--store", store, "--layer", "sites", "--format", "csv", "--out", "-", check=True).stdout
    check("gapmap export", out, "=HYPERLINK")
    for what in ["access-points", "upgrades", "progress", "mobile-class"]:
        f = tmp_path / f"{what}.csv"
        run_gapmap("plan", what, "--store", store, "--format", "csv", "--out", f, check=True)
        check(f"gapmap plan {what}", f.read_text(encoding="utf-8"))
    gaps = tmp_path / "gaps"
    run_gapmap("gaps", "--store", store, "--out", gaps, "--format", "csv", check=True)
    produced = sorted(gaps.glob("*.csv"))
    assert produced
    for f in produced:
        check(f"gapmap gaps {f.name}", f.read_text(encoding="utf-8"))


def test_what_gapmap_writes_reads_back_as_it_was(probed, tmp_path):
    """The apostrophe is for spreadsheets: ingesting an exported CSV gives
    the names as they were."""
    s, store, _ = probed
    text = requests.get(s.url + "/export/sites.csv", timeout=60).text
    f = tmp_path / "sites.csv"
    f.write_text(text, encoding="utf-8")
    copy = tmp_path / "copy.gpkg"
    shutil.copy(store, copy)
    run_gapmap("ingest", "--store", copy, "--layer", "sites", f, check=True)
    out = run_gapmap("export", "--store", copy, "--layer", "sites", "--format", "geojson", "--out", "-", check=True).stdout
    names = {ft["properties"]["name"] for ft in json.loads(out)["features"]}
    assert any(n.startswith("=HYPERLINK") for n in names) and not any(n.startswith("'") for n in names)
