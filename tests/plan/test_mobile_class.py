"""The mobile class: the route against the exact optimum (Held–Karp), the
dates against an independent Latvian holiday calendar (the `holidays`
package), the iCalendar feed against RFC 5545's rules, and the answers per
parish and as CSV."""

import csv
import datetime as dt
import io

import holidays
import pytest

from conftest import GEODATA, run_gapmap
from planlib import held_karp, km, lks, read_csv

LV = holidays.country_holidays("LV", years=range(2026, 2030))


def working_days(year, start=(4, 1), end=(5, 31)):
    d, last = dt.date(year, *start), dt.date(year, *end)
    while d <= last:
        if d.weekday() < 5 and d not in LV:
            yield d
        d += dt.timedelta(days=1)


def get(server, **params):
    r = server.get("/api/v1/plan/mobile-class", params=params)
    assert r.status_code == 200, r.text
    return r


@pytest.mark.parametrize("params", [{}, {"start": "office-vilces"}, {"start": "office-kalnciema", "served_down_mbps": 30},
                                    {"served_down_mbps": 300}])
def test_route_within_five_percent_of_the_optimum(jelgava_server, params):
    doc = get(jelgava_server, **params).json()
    office = jelgava_server.get("/api/v1/sites", params={"limit": 1000}).json()
    start = next(f for f in office["features"] if f["id"] == doc["start"]["site_id"])
    for y in doc["years"]:
        planned = [s for s in y["stops"] if s["status"] == "planned"]
        if not planned:
            continue
        pts = [lks(*start["geometry"]["coordinates"])] + [lks(s["lon"], s["lat"]) for s in planned]
        assert 2 <= len(pts) <= 17, len(pts)
        heuristic = km(pts, list(range(len(pts))))
        best = held_karp(pts)
        assert heuristic <= 1.05 * best + 1e-6, (y["year"], heuristic, best)
        assert y["route_km"] == pytest.approx(heuristic / 1000, abs=0.06)


def test_dates_are_the_first_working_days_left(jelgava_server):
    """Planned stops take the first working days of the season in a future
    year; in this year, the working days left after today (the season's,
    then to the end of the year) — never a date already past."""
    today = dt.date.fromisoformat(get(jelgava_server).json()["as_of"])
    for season, (start, end) in [("04-01/05-31", ((4, 1), (5, 31))), ("09-01/10-31", ((9, 1), (10, 31)))]:
        doc = get(jelgava_server, season=season).json()
        for y in doc["years"]:
            assert [s["order"] for s in y["stops"]] == list(range(1, len(y["stops"]) + 1))
            planned = [dt.date.fromisoformat(s["date"]) for s in y["stops"] if s["status"] == "planned"]
            if y["year"] > today.year:
                want = list(working_days(y["year"], start, end))[: len(planned)]
            elif y["year"] == today.year:
                in_season = [d for d in working_days(y["year"], start, end) if d > today]
                rest = [d for d in working_days(y["year"], (1, 1), (12, 31)) if d > max(today, dt.date(y["year"], *end))]
                want = (in_season + rest)[: len(planned)]
            else:
                want = []
            assert planned == want, (season, y["year"])
            assert not any(d in LV or d.weekday() >= 5 or d <= today for d in planned)


def test_every_parish_has_a_class_every_plan_year(jelgava_server):
    """All 16 parishes get a class (held, booked or planned) in every plan
    year not yet past; a past year's parish without a visit on record is
    said to be not held."""
    doc = get(jelgava_server).json()
    today = dt.date.fromisoformat(doc["as_of"])
    parishes = {p["id"] for p in jelgava_server.get("/api/v1/gaps/parishes").json()["parishes"]}
    assert len(parishes) == 16
    assert [y["year"] for y in doc["years"]] == [2026, 2027, 2028, 2029]
    for y in doc["years"]:
        held = {s["parish_id"] for s in y["stops"] if s["status"] in {"done", "booked", "planned"}}
        missed = {s["parish_id"] for s in y["stops"] if s["status"] == "not_done"}
        assert held | missed == parishes, y["year"]
        if y["year"] >= today.year and today < dt.date(y["year"], 12, 20):
            assert held == parishes, (y["year"], sorted(parishes - held))
        assert y["parishes_with_class"] == len(held)
        for s in y["stops"]:
            assert s["connection"] in {"good_line", "mobile_router", "unverified", "poor"}
            assert s["for"] in {"new_people", "return_visit", "anyone"}
            if s["status"] == "planned":
                assert s["kind"] not in {"wifi", "kac"}
                flag = {"mobile_router": "mobile_router", "unverified": "connection_unverified",
                        "poor": "connection_poor"}.get(s["connection"])
                assert s["flags"] == ([flag] if flag else [])
                if s["connection"] == "mobile_router":
                    assert s["mobile_down_mbps"] >= 30
                if s["connection"] != "good_line":
                    assert s["line_to_upgrade"]["name"], "the line to upgrade first is named"
    assert doc["start"]["site_id"] == "office-jelgava-pasta-37"
    assert set(doc["next"]) <= parishes


def test_the_parish_leaflet_prints_its_next_class(jelgava_server):
    """Every parish leaflet names the parish's next class: the first planned
    or booked stop on or after today, its date and its venue."""
    import re
    doc = get(jelgava_server).json()
    today = dt.date.fromisoformat(doc["as_of"])
    assert len(doc["next"]) == 16
    for parish, nxt in doc["next"].items():
        page = jelgava_server.get(f"/leaflets/{parish}").text
        m = re.search(r'id="leaflet-next-class">([^<]*)<', page)
        assert m, parish
        day = dt.date.fromisoformat(nxt["date"])
        assert day >= today and str(day.year) in m.group(1), (parish, m.group(1))


def test_past_dates_are_the_recorded_visits(jelgava_server):
    """Past dates are the visits on record (held), with their venue, date
    and participants — never the planned route."""
    doc = get(jelgava_server).json()
    today = dt.date.fromisoformat(doc["as_of"])
    visits = {v["id"]: v for v in read_csv(GEODATA / "visits.csv")}
    stops = [s for y in doc["years"] for s in y["stops"]]
    for s in stops:
        if s["date"] and dt.date.fromisoformat(s["date"]) <= today:
            assert s["status"] == "done", s
            v = visits[s["visit_id"]]
            assert (v["site_id"], v["date"], int(v["participants"])) == (s["site_id"], s["date"], s["participants"])
    recorded = [v for v in visits.values() if 2026 <= int(v["date"][:4]) <= 2029]
    assert sorted(s["visit_id"] for s in stops if s["visit_id"]) == sorted(v["id"] for v in recorded)


def test_upgrades_and_mobile_class_agree_on_the_lines(jelgava_server):
    """The line to upgrade first has the year and rank /plan/upgrades gives
    it; from the year after, a stop there has a good line."""
    doc = get(jelgava_server).json()
    up = jelgava_server.get("/api/v1/plan/upgrades").json()
    when = {r["site_id"]: (y["year"], r["rank"]) for y in up["backhaul"]["years"] for r in y["recommended"]}
    named = 0
    for y in doc["years"]:
        for s in y["stops"]:
            line = s["line_to_upgrade"]
            if line and line["upgrade_year"] is not None:
                assert (line["upgrade_year"], line["rank"]) == when[line["site_id"]], line
                named += 1
            if s["status"] == "planned" and s["site_id"] in when and when[s["site_id"]][0] < y["year"]:
                assert s["connection"] == "good_line", s
    assert named, "some parish's line is to be upgraded"


def test_per_parish_and_csv(jelgava_server):
    doc = get(jelgava_server, parish_id="vilces-pagasts").json()
    assert all(s["parish_id"] == "vilces-pagasts" for y in doc["years"] for s in y["stops"])
    assert set(doc["by_parish"]) == {"vilces-pagasts"} and len(doc["by_parish"]["vilces-pagasts"]) == 4
    rows = list(csv.DictReader(io.StringIO(get(jelgava_server, f="csv").text)))
    full = get(jelgava_server).json()
    assert len(rows) == sum(len(y["stops"]) for y in full["years"])
    assert rows[0]["date"] == full["years"][0]["stops"][0]["date"]


def unfold(text):
    return text.replace("\r\n ", "").split("\r\n")


def test_icalendar_feed_follows_rfc5545(jelgava_server):
    r = get(jelgava_server, f="ics")
    assert r.headers["content-type"].startswith("text/calendar")
    raw = r.content
    assert raw.endswith(b"END:VCALENDAR\r\n") and b"\n" not in raw.replace(b"\r\n", b"")
    for line in raw.split(b"\r\n"):
        assert len(line) <= 75, line
        line.decode("utf-8")  # folding never splits a character
    lines = unfold(raw.decode("utf-8"))
    assert lines[0] == "BEGIN:VCALENDAR" and "VERSION:2.0" in lines and any(l.startswith("PRODID:") for l in lines)
    events, current = [], None
    for l in lines:
        if l == "BEGIN:VEVENT":
            current = {}
        elif l == "END:VEVENT":
            events.append(current)
            current = None
        elif current is not None and ":" in l:
            k, v = l.split(":", 1)
            current[k.split(";")[0]] = v
    stops = [s for y in get(jelgava_server).json()["years"] for s in y["stops"] if s["status"] != "not_done"]
    assert len(events) == len(stops)
    assert len({e["UID"] for e in events}) == len(events)
    for e, s in zip(events, stops):
        for k in ["UID", "DTSTAMP", "DTSTART", "DTEND", "SUMMARY"]:
            assert k in e, k
        start = dt.datetime.strptime(e["DTSTART"], "%Y%m%dT%H%M%SZ")
        assert start.date().isoformat() == s["date"]
        assert start.hour in (7, 8), "10:00 in Riga is 07:00 or 08:00 UTC"
        assert s["name"].replace(",", "\\,") in e["SUMMARY"]
        # Each labelled: a visit on record, or planned (never a past date).
        if s["visit_id"]:
            assert (e["STATUS"], e["CATEGORIES"]) == ("CONFIRMED", "recorded")
        else:
            assert (e["STATUS"], e["CATEGORIES"]) == ("TENTATIVE", "planned")
            assert start.date() > dt.date.fromisoformat(get(jelgava_server).json()["as_of"])
    one = get(jelgava_server, f="ics", parish_id="elejas-pagasts").text
    assert one.count("BEGIN:VEVENT") == 4


def test_season_too_short_and_nonsense(jelgava_server):
    # Well-formed but too short for this data's stops: a conflict (409), so
    # that the OpenAPI document can allow every well-formed season.
    r = jelgava_server.get("/api/v1/plan/mobile-class", params={"season": "04-01/04-03"})
    assert r.status_code == 409 and r.json()["parameter"] == "season", r.text
    assert r.headers["content-type"] == "application/problem+json"
    for q, p in [({"season": "spring"}, "season"), ({"reach_m": "-5"}, "reach_m"), ({"start": "nowhere"}, "start"),
                 ({"time": "25:00"}, "time"), ({"f": "pdf"}, "f"), ({"parish_id": "x"}, "parish_id")]:
        r = jelgava_server.get("/api/v1/plan/mobile-class", params=q)
        assert r.status_code == 400 and r.json()["parameter"] == p, (q, r.text)


def test_cli_writes_the_same_calendar(jelgava_store, tmp_path):
    out = tmp_path / "m.ics"
    run_gapmap("plan", "mobile-class", "--store", jelgava_store, "--format", "ics", "--out", out, check=True)
    text = out.read_bytes()
    assert text.startswith(b"BEGIN:VCALENDAR\r\n") and text.count(b"BEGIN:VEVENT") >= 16
    bad = run_gapmap("plan", "mobile-class", "--store", jelgava_store, "--season", "05-01/04-01")
    assert bad.returncode == 64 and "--season" in bad.stderr
