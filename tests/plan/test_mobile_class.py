"""The mobile class: the route against the exact optimum (Held–Karp), the
dates against an independent Latvian holiday calendar (the `holidays`
package), the iCalendar feed against RFC 5545's rules, and the answers per
parish and as CSV."""

import csv
import datetime as dt
import io

import holidays
import pytest

from conftest import run_gapmap
from planlib import held_karp, km, lks

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
        pts = [lks(*start["geometry"]["coordinates"])] + [lks(s["lon"], s["lat"]) for s in y["stops"]]
        assert 2 <= len(pts) <= 17, len(pts)
        heuristic = km(pts, list(range(len(pts))))
        best = held_karp(pts)
        assert heuristic <= 1.05 * best + 1e-6, (y["year"], heuristic, best)
        assert y["route_km"] == pytest.approx(heuristic / 1000, abs=0.06)


def test_dates_are_the_first_working_days_of_the_season(jelgava_server):
    for season, (start, end) in [("04-01/05-31", ((4, 1), (5, 31))), ("09-01/10-31", ((9, 1), (10, 31)))]:
        doc = get(jelgava_server, season=season).json()
        for y in doc["years"]:
            dates = [dt.date.fromisoformat(s["date"]) for s in y["stops"]]
            assert [s["order"] for s in y["stops"]] == list(range(1, len(dates) + 1))
            want = list(working_days(y["year"], start, end))[: len(dates)]
            assert dates == want, (season, y["year"])
            assert not any(d in LV or d.weekday() >= 5 for d in dates)


def test_every_parish_has_a_stop_or_a_reason(jelgava_server):
    doc = get(jelgava_server).json()
    parishes = {p["id"] for p in jelgava_server.get("/api/v1/gaps/parishes").json()["parishes"]}
    for y in doc["years"]:
        stopped = {s["parish_id"] for s in y["stops"]}
        missing = {p["parish_id"]: p["reason"] for p in y["parishes_without_stop"]}
        assert stopped | set(missing) == parishes and not stopped & set(missing)
        assert all(r["code"] in {"no_venue", "connection_poor"} and r["text"] for r in missing.values())
        for s in y["stops"]:
            assert s["connection"] in {"good", "unverified"}
            assert ("connection_unverified" in s["flags"]) == (s["connection"] == "unverified")
            if s["connection"] == "good":
                assert s["backhaul_down_mbps"] >= 100
            assert s["kind"] not in {"wifi", "kac"}
    assert doc["start"]["site_id"] == "office-jelgava-pasta-37"


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
    stops = [s for y in get(jelgava_server).json()["years"] for s in y["stops"]]
    assert len(events) == len(stops)
    assert len({e["UID"] for e in events}) == len(events)
    for e, s in zip(events, stops):
        for k in ["UID", "DTSTAMP", "DTSTART", "DTEND", "SUMMARY"]:
            assert k in e, k
        start = dt.datetime.strptime(e["DTSTART"], "%Y%m%dT%H%M%SZ")
        assert start.date().isoformat() == s["date"]
        assert start.hour in (7, 8), "10:00 in Riga is 07:00 or 08:00 UTC"
        assert s["name"].replace(",", "\\,") in e["SUMMARY"]
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
