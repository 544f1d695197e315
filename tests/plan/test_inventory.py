"""The equipment and visits layers: the IT department's CSV, unknown sites
reported per row, the flat site fields derived from the records active on
the snapshot's date, and simulated equipment visible wherever a site's
equipment figures are shown (API, OGC items, exports, tiles)."""

import csv
import datetime as dt
import io
import json
import shutil

import pytest

from conftest import GEODATA, run_gapmap
from planlib import read_csv

TODAY = dt.date.today()


def active(e, on=TODAY):
    return (not e["installed_on"] or dt.date.fromisoformat(e["installed_on"]) <= on) and \
           (not e["retired_on"] or dt.date.fromisoformat(e["retired_on"]) > on)


def expected_fields():
    """The derivation, written out again from the README's rules."""
    out = {}
    for e in read_csv(GEODATA / "equipment.csv"):
        out.setdefault(e["site_id"], []).append(e)
    want = {}
    for site, recs in out.items():
        on = [e for e in recs if active(e)]
        routers = [e for e in on if e["type"] == "router" and e["installed_on"]]
        lines = [e for e in on if e["type"] == "backhaul"]
        best = max(lines, key=lambda e: (float(e["down_mbps"] or -1), float(e["up_mbps"] or -1)), default=None)
        aps = sum(e["type"] == "access_point" for e in on)
        want[site] = {
            "access_points": aps,
            "router_year": max(int(e["installed_on"][:4]) for e in routers) if routers else None,
            "backhaul_down_mbps": float(best["down_mbps"]) if best and best["down_mbps"] else None,
            "equipment_source": "simulated",
        }
        if any(e["type"] == "access_point" for e in recs):
            want[site]["free_wifi"] = aps > 0
    return want


def equipment_and_store(tmp_path, jelgava_store, rows):
    """An equipment.csv with these rows (after the header) and a copy of the
    Jelgava store, both in tmp_path."""
    f = tmp_path / "equipment.csv"
    f.write_text("id,site_id,type,installed_on,retired_on,down_mbps,up_mbps\n" + rows, encoding="utf-8")
    store = tmp_path / "s.gpkg"
    shutil.copy(jelgava_store, store)
    return f, store


def test_derived_fields_and_equipment_source_in_the_api(jelgava_server):
    sites = {f["id"]: f["properties"] for f in jelgava_server.get("/api/v1/sites", params={"limit": 1000}).json()["features"]}
    want = expected_fields()
    assert want, "the embedded dataset has a simulated inventory"
    for site, fields in want.items():
        for k, v in fields.items():
            assert sites[site][k] == v, (site, k)
        # A real (approximate) place keeps its own source.
        assert sites[site]["source"] == "approximate"
    for site, p in sites.items():
        if site not in want:
            assert p["equipment_source"] is None and p["access_points"] is None


def test_equipment_source_in_exports_ogc_and_tiles(jelgava_server):
    text = jelgava_server.get("/export/sites.csv").text
    rows = list(csv.DictReader(io.StringIO(text)))
    assert "equipment_source" in rows[0]
    assert {r["equipment_source"] for r in rows} >= {"simulated", ""}
    item = jelgava_server.get("/ogc/collections/sites/items/library-ane", params={"f": "json"}).json()
    assert item["properties"]["equipment_source"] == "simulated" and item["properties"]["source"] == "approximate"
    from tiles_decode import sites_tile_properties
    props = sites_tile_properties(jelgava_server)
    assert any(p.get("equipment_source") == "simulated" for p in props)


def test_unknown_site_is_an_error_naming_the_row(jelgava_store, tmp_path):
    f, store = equipment_and_store(tmp_path, jelgava_store,
                                   "r1,office-vilces,router,2027-03-01,,,\n"
                                   "r2,office-atlantis,router,2027-03-01,,,\n"
                                   "b1,office-vilces,backhaul,2027-03-01,2026-01-01,300,100\n")
    before = store.read_bytes()
    p = run_gapmap("ingest", "--store", store, "--layer", "equipment", "--source", "official", "--source-ref", "IT",
                   "--as-of", "2027-03-02", f)
    assert p.returncode == 2, p.stderr
    assert f"{f}:3: error: field `site_id`: unknown site `office-atlantis`" in p.stderr, p.stderr
    assert f"{f}:4: error: field `retired_on`" in p.stderr
    assert store.read_bytes() == before, "nothing written"
    # check: against a store's sites, or the sites file given first.
    p = run_gapmap("check", "--store", store, "--source", "official", "--source-ref", "IT", "--as-of", "2027-03-02", f)
    assert p.returncode == 2 and "office-atlantis" in p.stderr
    p = run_gapmap("check", "--source", "official", "--source-ref", "IT", "--as-of", "2027-03-02", GEODATA / "sites.geojson", f)
    assert p.returncode == 2 and "office-atlantis" in p.stderr
    p = run_gapmap("check", "--layer", "equipment", GEODATA / "equipment.csv")
    assert p.returncode == 0 and "site ids were not checked" in p.stderr


def test_real_records_replace_the_simulated_ones(jelgava_store, server_factory, tmp_path):
    f, store = equipment_and_store(tmp_path, jelgava_store,
                                   "r1,office-vilces,router,2019-03-01,,,\n"
                                   "b1,office-vilces,backhaul,2020-01-10,,40,8\n"
                                   "a1,school-vilce,access_point,2030-01-01,,,\n")
    run_gapmap("ingest", "--store", store, "--layer", "equipment", "--mode", "replace", "--source", "official",
               "--source-ref", "IT nodaļa", "--as-of", "2026-11-30", f, check=True)
    s = server_factory(store)
    sites = {x["id"]: x["properties"] for x in s.get("/api/v1/sites", params={"limit": 1000}).json()["features"]}
    v = sites["office-vilces"]
    assert (v["router_year"], v["backhaul_down_mbps"], v["access_points"]) == (2019, 40.0, 0)
    assert v["equipment_source"] == "official" and v["equipment_source_ref"] == "IT nodaļa"
    # An access point installed in the future is not there yet: no free Wi-Fi today.
    assert sites["school-vilce"]["free_wifi"] is False and sites["school-vilce"]["access_points"] == 0
    # A library whose records are gone keeps its own flag.
    assert sites["library-ane"]["free_wifi"] is True and sites["library-ane"]["equipment_source"] is None


def test_layers_report_the_inventory(jelgava_server):
    layers = {l["layer"]: l for l in jelgava_server.get("/api/v1/layers").json()["layers"]}
    assert layers["equipment"]["by_source"] == {"simulated": len(read_csv(GEODATA / "equipment.csv"))}
    assert layers["visits"]["by_source"] == {"simulated": len(read_csv(GEODATA / "visits.csv"))}
