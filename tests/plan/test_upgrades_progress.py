"""Upgrade lists within the plan's ranges with their reasons, buildings to
survey listed apart, and progress counted again here from the records."""

import csv
import datetime as dt
import io
from collections import Counter

from conftest import GEODATA, run_gapmap
from planlib import read_csv


def test_upgrade_lists(jelgava_server):
    doc = jelgava_server.get("/api/v1/plan/upgrades").json()
    sites = {f["id"]: f["properties"] for f in jelgava_server.get("/api/v1/sites", params={"limit": 1000}).json()["features"]}
    for key, years, code in [("routers", range(2026, 2030), "router_old"), ("backhaul", range(2026, 2029), "backhaul_slow")]:
        lst = doc[key]
        assert [y["year"] for y in lst["years"]] == list(years)
        listed = set()
        for y in lst["years"]:
            n = len(y["done"]) + len(y["recommended"])
            assert n <= lst["target"]["max"]
            scores = [r["score"] for r in y["recommended"]]
            assert scores == sorted(scores, reverse=True)
            within = [r["within_minimum"] for r in y["recommended"]]
            assert within == sorted(within, reverse=True)
            assert sum(within) == min(len(within), max(0, int(lst["target"]["min"]) - len(y["done"])))
            for r in y["recommended"]:
                assert r["reasons"][0]["code"] == code and r["reasons"][0]["text"]
                assert r["site_id"] not in listed, "a building is upgraded once"
                listed.add(r["site_id"])
                if key == "routers":
                    assert y["year"] - r["router_year"] >= 5
                else:
                    assert r["backhaul_down_mbps"] < 100
    survey = doc["to_survey"]
    assert survey, "the simulated inventory leaves some buildings unknown"
    for b in survey:
        codes = {r["code"] for r in b["reasons"]}
        assert codes & {"no_records", "router_unknown", "backhaul_unknown"}
        if "no_records" in codes:
            assert b["equipment_source"] is None
        recommended = {r["site_id"] for k in ("routers", "backhaul") for y in doc[k]["years"] for r in y["recommended"]}
        if "no_records" in codes:
            assert b["site_id"] not in recommended, "unknown equipment is not guessed"
    rows = list(csv.DictReader(io.StringIO(jelgava_server.get("/api/v1/plan/upgrades", params={"f": "csv"}).text)))
    assert {r["status"] for r in rows} == {"done", "recommended", "to_survey"}
    assert sum(r["status"] == "to_survey" for r in rows) == len(survey)
    r = jelgava_server.get("/api/v1/plan/upgrades", params={"router_min_age_years": "-1"})
    assert r.status_code == 400 and r.json()["parameter"] == "router_min_age_years"
    del sites


def test_progress_counts_the_records(jelgava_server):
    doc = jelgava_server.get("/api/v1/plan/progress").json()
    sites = {f["id"]: f["properties"] for f in jelgava_server.get("/api/v1/sites", params={"limit": 1000}).json()["features"]}
    equipment, visits = read_csv(GEODATA / "equipment.csv"), read_csv(GEODATA / "visits.csv")
    for y in doc["years"]:
        year = y["year"]
        ap = Counter(sites[e["site_id"]]["parish_id"] for e in equipment
                     if e["type"] == "access_point" and e["installed_on"][:4] == str(year))
        routers = {e["site_id"] for e in equipment if e["type"] == "router" and e["installed_on"][:4] == str(year)}
        vis = [v for v in visits if v["date"][:4] == str(year)]
        assert y["access_points"]["added"] == sum(ap.values())
        assert y["routers"]["done"] == len(routers)
        assert y["mobile_class"]["visits"] == len(vis)
        assert y["mobile_class"]["participants"] == sum(int(v["participants"]) for v in vis)
        assert y["mobile_class"]["parishes_visited"] == len({sites[v["site_id"]]["parish_id"] for v in vis})
        by = {p["parish_id"]: p for p in y["parishes"]}
        for parish, n in ap.items():
            assert by[parish]["access_points_added"] == n
        started = dt.date(year, 1, 1) <= dt.date.today()
        assert (y["digitally_underserved_at_start"] is not None) == started
    assert doc["years"][-1]["access_points"]["planned_cumulative"] == 35
    now = jelgava_server.get("/api/v1/gaps/summary").json()["digitally_underserved"]
    assert doc["now"]["digitally_underserved"] == now
    rows = list(csv.DictReader(io.StringIO(jelgava_server.get("/api/v1/plan/progress", params={"f": "csv"}).text)))
    assert len(rows) == len(doc["years"]) * (len(doc["years"][0]["parishes"]) + 1)


def test_cli_formats(jelgava_store, tmp_path):
    for what, fmt, head in [("upgrades", "csv", "list,year,status"), ("progress", "csv", "year,status,parish_id"),
                            ("progress", "json", "{"), ("access-points", "csv", "rank,year,site_id")]:
        out = tmp_path / f"{what}.{fmt}"
        run_gapmap("plan", what, "--store", jelgava_store, "--format", fmt, "--out", out, check=True)
        assert out.read_text(encoding="utf-8").startswith(head), what
    p = run_gapmap("plan", "access-points", "--store", jelgava_store, "--parish-id", "atlantis")
    assert p.returncode == 64 and "--parish-id" in p.stderr


def test_plan_routes_in_the_openapi_document(jelgava_server):
    doc = jelgava_server.get("/api/v1/openapi.json").json()
    for p in ["/api/v1/plan/access-points", "/api/v1/plan/upgrades", "/api/v1/plan/mobile-class", "/api/v1/plan/progress"]:
        assert "get" in doc["paths"][p], p
        for code, resp in doc["paths"][p]["get"]["responses"].items():
            assert resp.get("description"), (p, code)
    post = doc["paths"]["/api/v1/plan/what-if"]["post"]
    assert {"200", "400", "429"} <= set(post["responses"])
    names = {q["name"] for q in doc["paths"]["/api/v1/plan/access-points"]["get"]["parameters"]}
    assert {"count", "parish_id", "near_m", "wifi_exclusion_m", "per_year", "method", "f"} <= names
