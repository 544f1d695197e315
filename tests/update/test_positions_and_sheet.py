"""The position and reference rules, the same in ingest and in the edit API
(a Wi-Fi site in Tallinn named "Cenu pagasts" is refused by both; equipment
for a site that does not exist too; a place outside the municipality needs a
reason); parishes carry their ATVK codes in every per-parish output; the IT
department's spreadsheet round trip (a no-change upload changes nothing, a
changed cell is previewed then saved in one audited transaction, a bad cell
names its row and column); and no English from the data on a Latvian page.

Module map: a signed-in editor's server (`editor`), then the tests."""

import csv
import html
import io
import json
import re
import shutil
import sqlite3

import pytest
import requests

from conftest import GEODATA, run_gapmap, start_server

PASSWORD = "a long password here"
TALLINN = [24.7536, 59.4370]


@pytest.fixture
def editor(jelgava_store, tmp_path):
    store = tmp_path / "s.gpkg"
    shutil.copy(jelgava_store, store)
    run_gapmap("user", "add", "ilze", "--role", "editor", "--password-stdin", "--store", store,
               input=PASSWORD + "\n", check=True)
    s = start_server(store)
    http = requests.Session()
    r = http.post(s.url + "/sign-in", data={"username": "ilze", "password": PASSWORD, "next": "/edit"},
                  headers={"Origin": s.url}, allow_redirects=False, timeout=60)
    assert r.status_code == 303, r.text
    csrf = re.search(r'name="csrf" value="([^"]+)"', http.get(s.url + "/edit", timeout=60).text).group(1)
    yield s, http, csrf
    s.stop()


def site(id_, coords, **props):
    p = {"kind": "wifi", "name": "Tests Wi-Fi", "free_wifi": True, "source": "official",
         "source_ref": "https://example.lv/test", "as_of": "2026-12-01", **props}
    return {"type": "Feature", "id": id_, "geometry": {"type": "Point", "coordinates": coords}, "properties": p}


def test_ingest_refuses_a_site_in_tallinn_and_one_in_the_wrong_parish(jelgava_store, tmp_path):
    store = tmp_path / "s.gpkg"
    shutil.copy(jelgava_store, store)
    f = tmp_path / "sites.geojson"
    f.write_text(json.dumps({"type": "FeatureCollection", "features": [
        site("wifi-tallinn", TALLINN, parish_id="cenu-pagasts"),
        # Vilce's village point, named as Cenu pagasts.
        site("wifi-vilce-wrong", [23.548783, 56.420324], parish_id="cenu-pagasts"),
        site("wifi-far", [23.548783, 56.420324], outside_municipality=True),
    ]}), encoding="utf-8")
    p = run_gapmap("ingest", "--store", store, "--json", f)
    assert p.returncode == 2
    errors = [x["text"] for x in json.loads(p.stdout)["problems"] if x["severity"] == "error"]
    assert any("feature 0" in e and "km outside the municipality" in e for e in errors), errors
    assert any("feature 1" in e and "lies in Vilces pagasts (vilces-pagasts), not in Cenu pagasts" in e for e in errors), errors
    assert any("feature 2" in e and "outside_municipality_reason" in e for e in errors), errors
    with sqlite3.connect(store) as c:
        assert c.execute("SELECT count(*) FROM sites WHERE id LIKE 'wifi-%'").fetchone()[0] == 0


def test_the_edit_api_applies_the_same_rules(editor):
    s, http, csrf = editor
    h = {"X-CSRF-Token": csrf, "Origin": s.url}
    r = http.post(s.url + "/api/v1/sites", json={**site("wifi-tallinn", TALLINN, parish_id="cenu-pagasts"), "reason": "test"}, headers=h, timeout=60)
    assert r.status_code == 400, r.text
    assert any(e["field"] == "geometry" and "outside the municipality" in e["message"] for e in r.json()["errors"]), r.json()
    r = http.post(s.url + "/api/v1/equipment", json={"type": "Feature", "id": "router-nowhere", "geometry": None, "reason": "test",
        "properties": {"site_id": "no-such-site", "type": "router", "source": "official", "source_ref": "https://example.lv", "as_of": "2026-12-01"}},
        headers=h, timeout=60)
    assert r.status_code == 400 and any(e["field"] == "site_id" for e in r.json()["errors"]), r.text
    r = http.post(s.url + "/api/v1/visits", json={"type": "Feature", "id": "visit-nowhere", "geometry": None, "reason": "test",
        "properties": {"site_id": "no-such-site", "date": "2026-05-04", "source": "official", "source_ref": "https://example.lv", "as_of": "2026-12-01"}},
        headers=h, timeout=60)
    assert r.status_code == 400 and any(e["field"] == "site_id" for e in r.json()["errors"]), r.text
    # Inside its parish: accepted; a building too.
    r = http.post(s.url + "/api/v1/sites", json={**site("wifi-vilce-test", [23.5490, 56.4205], parish_id="vilces-pagasts"), "reason": "test"}, headers=h, timeout=60)
    assert r.status_code == 201, r.text
    b = {"type": "Feature", "id": "b-test-hall", "geometry": {"type": "Point", "coordinates": [23.5495, 56.4206]}, "reason": "test",
         "properties": {"kind": "sports_hall", "name": "Vilces sporta zāle", "parish_id": "vilces-pagasts", "source": "official",
                        "source_ref": "https://example.lv", "as_of": "2026-12-01"}}
    r = http.post(s.url + "/api/v1/buildings", json=b, headers=h, timeout=60)
    assert r.status_code == 201, r.text
    assert s.get("/ogc/collections/buildings/items/b-test-hall?f=json").json()["properties"]["kind"] == "sports_hall"


def test_parishes_carry_their_atvk_codes_everywhere(jelgava_server):
    s = jelgava_server
    items = s.get("/ogc/collections/parishes/items?f=json&limit=100").json()["features"]
    codes = {f["id"]: f["properties"]["atvk"] for f in items}
    assert len(codes) == 16 and codes["vilces-pagasts"].startswith("LV003"), codes
    api = {p["id"]: p["atvk"] for p in s.get("/api/v1/gaps/parishes").json()["parishes"]}
    assert api == codes
    table = list(csv.DictReader(io.StringIO(s.get("/plan/parishes.csv").text)))
    assert {r["parish_id"]: r["atvk"] for r in table} == codes
    exported = list(csv.DictReader(io.StringIO(s.get("/export/parishes.csv").text)))
    assert {r["id"]: r["atvk"] for r in exported} == codes


def upload(s, http, csrf, layer, text):
    return http.post(s.url + "/edit/data/upload", headers={"Origin": s.url}, timeout=60,
                     data={"csrf": csrf, "layer": layer}, files={"file": ("sheet.csv", text.encode("utf-8"), "text/csv")})


def hidden(page, name):
    return html.unescape(re.search(rf'name="{name}" value="([^"]*)"', page).group(1))


def textarea(page, name):
    return html.unescape(re.search(rf'<textarea name="{name}"[^>]*>(.*?)</textarea>', page, re.S).group(1))


def test_the_spreadsheet_round_trip(editor):
    s, http, csrf = editor
    sheet = http.get(s.url + "/edit/data/sites.csv", timeout=60)
    assert sheet.status_code == 200 and sheet.headers["content-type"].startswith("text/csv")
    text = sheet.text
    before = s.get("/api/v1/layers").json()
    # No change: nothing to save.
    r = upload(s, http, csrf, "sites", text)
    assert r.status_code == 200 and "nav izmaiņu" in r.text, r.text[:2000]
    # One changed cell: previewed field by field, then saved in one transaction.
    rows = list(csv.DictReader(io.StringIO(text.lstrip("\ufeff"))))
    i = next(k for k, r in enumerate(rows) if r["id"] == "library-eleja")
    rows[i]["opening_hours"] = "Mo-Fr 09:00-17:00"
    rows[i]["phone"] = "+371 63000000"
    out = io.StringIO()
    w = csv.DictWriter(out, fieldnames=list(rows[0]))
    w.writeheader()
    w.writerows(rows)
    r = upload(s, http, csrf, "sites", out.getvalue())
    assert r.status_code == 200, r.text[:2000]
    page = html.unescape(r.text)
    assert "Mo-Fr 09:00-17:00" in page and "Darba laiks" in page and "library-eleja" in page
    r = http.post(s.url + "/edit/data/apply", headers={"Origin": s.url}, allow_redirects=False, timeout=60,
                  data={"csrf": csrf, "layer": "sites", "revision": hidden(r.text, "revision"), "csv": textarea(r.text, "csv"), "reason": "stundas no bibliotēkas"})
    assert r.status_code == 303, r.text[:2000]
    got = s.get("/api/v1/sites?limit=200").json()["features"]
    eleja = next(f for f in got if f["id"] == "library-eleja")["properties"]
    assert eleja["opening_hours"] == "Mo-Fr 09:00-17:00" and eleja["phone"] == "+371 63000000"
    audit = http.get(s.url + "/api/v1/audit?feature_id=library-eleja", timeout=60).json()
    assert any(e["reason"] == "stundas no bibliotēkas" for e in audit["entries"]), audit
    assert before != s.get("/api/v1/layers").json()
    # A bad cell names its row and column; nothing is saved.
    rows[i]["opening_hours"] = "kad pagadās"
    rows[i + 1]["wheelchair"] = "maybe"
    out = io.StringIO()
    w = csv.DictWriter(out, fieldnames=list(rows[0]))
    w.writeheader()
    w.writerows(rows)
    r = upload(s, http, csrf, "sites", out.getvalue())
    assert r.status_code == 422
    page = html.unescape(r.text)
    assert f"{i + 2}. rinda, kolonna opening_hours" in page, page[:3000]
    assert f"{i + 3}. rinda, kolonna wheelchair" in page


def test_the_data_page_shows_each_source_update(editor):
    s, http, csrf = editor
    page = html.unescape(http.get(s.url + "/edit/data", timeout=60).text)
    assert "Pagastu robežas ar ATVK kodiem (CSP)" in page and "atjaunināts" in page
    assert "pagasti: 0 jaunas, 16 mainītas" in page or "pagasti: 0 jaunas" in page, page[:4000]
    b = html.unescape(http.get(s.url + "/edit/buildings", timeout=60).text)
    assert "Pašvaldības ēkas" in b and "Kalnciema pagasta pārvalde" in b


# English words that data once carried onto Latvian pages ("municipal
# services, state services"; "Free Wi-Fi in and near the library; ask the
# librarian"), and other plain English words no Latvian page should show.
ENGLISH = re.compile(r"\b(the|and|ask|near|services|service|library|librarian|municipal|state|free|unknown|building|parish|opening|hours)\b", re.I)


def visible_text(page):
    page = re.sub(r"(?is)<(script|style)\b.*?</\1>", " ", page)
    page = re.sub(r"(?i)<wbr>", "", page)  # the leaflet's break points inside its address
    page = re.sub(r"(?is)<[^>]+>", " ", page)
    # Addresses (the leaflet prints its own without the scheme,
    # `host/?place=parish:…`) are not words.
    return re.sub(r"https?://\S+|\S+/\?\S+", " ", html.unescape(page))


def test_no_english_on_a_latvian_page(editor):
    s, http, csrf = editor
    sites = [f["id"] for f in s.get("/api/v1/sites?limit=500").json()["features"]]
    parishes = [f["id"] for f in s.get("/ogc/collections/parishes/items?f=json&limit=100").json()["features"]]
    paths = ["/", "/map", "/plan", "/leaflets", "/accessibility", "/report", "/privacy", "/changes",
             "/plan/access-points", "/plan/upgrades", "/plan/mobile-class", "/plan/progress", "/plan/what-if",
             "/?lon=23.94&lat=56.628", "/?q=Vilce",
             "/edit", "/edit/buildings", "/edit/data", "/edit/reports", "/edit/sites/new", "/edit/buildings/new",
             *[f"/?place=site:{i}" for i in sites], *[f"/leaflets/{p}" for p in parishes],
             *[f"/edit/sites/{i}" for i in sites[:10]]]
    found = {}
    for p in paths:
        try:
            r = http.get(s.url + p, timeout=300)
        except requests.exceptions.Timeout:
            pytest.fail(f"{p} did not answer within 300 s")
        assert r.status_code == 200, (p, r.status_code)
        words = set(m.group(0).lower() for m in ENGLISH.finditer(visible_text(r.text)))
        if words:
            found[p] = sorted(words)
    assert not found, found
