"""The planner's pages under /plan/… against the planner's API on the same
server: every figure a page shows is the API's for the same data (read from
the API here, never written down), the no-JS what-if form gives the same
change as POST /api/v1/plan/what-if, and the pages link each other and
their downloads. The pages in a browser: web/tests/browser/pages.test.mjs."""

import json
import re

import pytest
import requests
from bs4 import BeautifulSoup

PAGES = ["/plan/access-points", "/plan/what-if", "/plan/upgrades", "/plan/mobile-class", "/plan/progress"]


def page(server, path, **params):
    r = server.get(path, params=params)
    assert r.status_code == 200, (path, r.status_code, r.text[:500])
    assert r.headers["content-type"] == "text/html; charset=utf-8"
    assert r.headers["cache-control"] == "no-store"
    return BeautifulSoup(r.text, "lxml")


def api(server, path, **params):
    r = server.get(path, params=params)
    assert r.status_code == 200, (path, r.text[:500])
    return r.json()


def number(text):
    """'33 348', '33,348', '+1 234', '−12' → int; '—' → None."""
    t = text.strip().replace("\u00a0", "").replace(",", "").replace(" ", "").replace("\u2212", "-")
    if t in ("—", ""):
        return None
    return int(t)


def cells(tr):
    return [c.get_text(" ", strip=True) for c in tr.find_all(["th", "td"])]


@pytest.mark.parametrize("path", PAGES)
def test_each_page_in_latvian_and_english_with_the_sub_navigation(jelgava_server, path):
    lv = page(jelgava_server, path)
    assert lv.html["lang"] == "lv"
    nav = lv.select_one("nav.subnav")
    hrefs = [a["href"] for a in nav.find_all("a")]
    assert hrefs == ["/plan", *PAGES]
    assert nav.select_one('a[aria-current="page"]')["href"] == path
    # The site navigation marks the planning section as the current one.
    assert lv.select_one('nav.main-nav a[aria-current="true"]')["href"] == "/plan"
    assert not lv.select('nav.main-nav a[aria-current="page"]')
    en = page(jelgava_server, path, lang="en")
    assert en.html["lang"] == "en"
    assert [a["href"] for a in en.select("nav.subnav a")] == ["/plan?lang=en", *[p + "?lang=en" for p in PAGES]]
    # The inventory is simulated: said in words on the page.
    assert "Modelēti dati" in lv.get_text() and "Simulated data" in en.get_text()


def test_the_plan_page_links_the_planning_pages(jelgava_server):
    soup = page(jelgava_server, "/plan")
    assert [a["href"] for a in soup.select("nav.subnav a")] == ["/plan", *PAGES]
    assert soup.select_one('nav.subnav a[aria-current="page"]')["href"] == "/plan"


def published(v, key):
    """A count as the API publishes it, as the page writes it: a number,
    or "1–4" for a range."""
    if v.get(key) is None and f"{key}_min" in v:
        return f"{v[key + '_min']}–{v[key + '_max']}"
    return v.get(key)


def shown(text):
    """A page's count: a number, or the published range as written."""
    t = text.strip().replace("\u00a0", "")
    return t if "–" in t else number(t)


def test_access_points_page_is_the_api_answer(jelgava_server):
    g = api(jelgava_server, "/api/v1/plan/access-points")
    assert g["features"], "the siting answer places access points"
    soup = page(jelgava_server, "/plan/access-points")
    head = {dd["data-figure"]: dd.get_text() for dd in soup.select("#ap-headline dd")}
    for k in ("target", "installed", "count", "worth_placing", "need_buildings", "buildings"):
        assert number(head[k]) == g[k], k
    for k in ("residents_newly_served", "uncovered_residents"):
        assert shown(head[k]) == published(g, k), k
    # The status sentence states the answer's own figures.
    status = soup.select_one("#ap-status")
    assert status["data-status"] == g["status"]
    said = [int(n) for n in re.findall(r"\d+", status.get_text().replace("\u00a0", "").replace(",", ""))]
    for k in ("worth_placing", "count", "need_buildings"):
        if g["status"] == "shortfall":
            assert g[k] in said, (k, said)
    rows = soup.select("#ap-ranked tbody tr")
    assert len(rows) == len(g["features"])
    for tr, f in zip(rows, g["features"]):
        p = f["properties"]
        c = cells(tr)
        assert tr["data-point"] == p["id"]
        assert number(c[0]) == p["rank"]
        assert c[1].startswith(p["name"])
        assert shown(c[3]) == published(p, "residents_newly_served")
        assert number(c[4]) == p["year"], "one year per point, the API's"
        assert number(c[5]) == p["building_access_points"]
        # Why, in words: one line per reason of the API, with its numbers.
        why = [li.get_text() for li in tr.select("td ul.reasons li")]
        assert len(why) == len(p["reasons"]) and why[0].startswith("Iedzīvotāji, kam vēl nav bezmaksas Wi-Fi")
        assert shown(why[0].rsplit(":", 1)[1]) == published(p, "residents_newly_served")
    by_year = {int(tr["data-year"]): cells(tr) for tr in soup.select("#ap-by-year tbody tr")}
    assert sorted(by_year) == [y["year"] for y in g["by_year"]]
    for y in g["by_year"]:
        c = by_year[y["year"]]
        assert [number(x) for x in c[1:5]] == [y["quota"], y["installed"], y["planned"], y["without_building"]]
        assert shown(c[5]) == published(y, "residents_newly_served")
        # The yearly table is the points' years.
        assert y["planned"] == sum(number(r[4]) == y["year"] for r in map(cells, rows))
    # Residents newly within reach by parish and year: the API's.
    years = [y["year"] for y in g["by_year"]]
    table = {tr["data-parish"]: [shown(x) for x in cells(tr)[1:]] for tr in soup.select("#ap-by-parish tbody tr")}
    for e in g["by_year_and_parish"]:
        assert table[e["parish_id"]][years.index(e["year"])] == published(e, "residents_newly_served")
    # Where buildings are missing, and the buildings left out with their reasons.
    areas = soup.select("#ap-areas tbody tr")
    assert [tr["data-cell"] for tr in areas] == [a["cell_id"] for a in g["areas_needing_buildings"]]
    left = soup.select("#ap-left-out tbody tr")
    assert [tr["data-building"] for tr in left] == \
        [b["building_id"] for b in g["excluded_candidates"] + g["not_chosen"]]
    # The map's points are the table's, in rank order, their popups with the year.
    points = json.loads(soup.select_one("#plan-map")["data-points"])
    assert [p[2] for p in points] == [f["properties"]["rank"] for f in g["features"]]
    for p, f in zip(points, g["features"]):
        assert str(f["properties"]["year"]) in p[4]
    links = [a["href"] for a in soup.find_all("a")]
    assert "/api/v1/plan/access-points?f=csv" in links


def what_if_api(server, lon, lat):
    doc = {"type": "FeatureCollection",
           "features": [{"type": "Feature", "geometry": {"type": "Point", "coordinates": [lon, lat]}, "properties": {}}]}
    r = requests.post(server.url + "/api/v1/plan/what-if", data=json.dumps(doc),
                      headers={"Content-Type": "application/geo+json"}, timeout=30)
    assert r.status_code == 200, r.text
    return r.json()


def assert_same_change(soup, v):
    figs = {dd["data-figure"]: shown(dd.get_text()) for dd in soup.select("#whatif-figures dd")}
    assert figs["residents_newly_near_free_wifi"] == published(v, "residents_newly_near_free_wifi")
    assert figs["digitally_underserved_change"] == v["digitally_underserved_change"]
    for tr in soup.select("#whatif-figures #whatif-summary tbody tr"):
        k = tr["data-key"]
        c = cells(tr)
        assert [shown(x) for x in c[1:]] == [published(v["summary"]["before"], k), published(v["summary"]["after"], k),
                                             v["summary"]["change"].get(k)], k
    by_id = {p["id"]: p for p in v["parishes"]}
    rows = soup.select("#whatif-figures #whatif-parishes tbody tr")
    assert len(rows) == len(v["parishes"])
    for tr in rows:
        p = by_id[tr["data-parish"]]
        c = [shown(x) for x in cells(tr)[1:]]
        assert c == [published(p["before"], "digitally_underserved"), published(p["after"], "digitally_underserved"),
                     p["change"].get("digitally_underserved")], tr["data-parish"]


def test_what_if_form_without_script_gives_the_api_change(jelgava_server):
    # A point beside the first building the siting answer chose: it changes something.
    f = api(jelgava_server, "/api/v1/plan/access-points")["features"][0]
    lon, lat = (round(c, 5) for c in f["geometry"]["coordinates"])
    v = what_if_api(jelgava_server, lon, lat)
    assert v["residents_newly_near_free_wifi"] > 0
    soup = page(jelgava_server, "/plan/what-if", lon=str(lon), lat=str(lat))
    assert_same_change(soup, v)
    assert any(tr.get("class") == ["changed"] for tr in soup.select("#whatif-figures #whatif-parishes tbody tr"))
    # The Latvian decimal comma is read too.
    soup = page(jelgava_server, "/plan/what-if", lon=str(lon).replace(".", ","), lat=str(lat).replace(".", ","))
    assert_same_change(soup, v)
    # In English, the same numbers.
    assert_same_change(page(jelgava_server, "/plan/what-if", lon=str(lon), lat=str(lat), lang="en"), v)


def test_what_if_by_village_name_uses_the_gazetteer(jelgava_server):
    top = api(jelgava_server, "/api/v1/search", q="Glūda")["features"][0]
    lon, lat = top["geometry"]["coordinates"]
    v = what_if_api(jelgava_server, lon, lat)
    soup = page(jelgava_server, "/plan/what-if", place="Gluda")
    assert top["properties"]["name"] in soup.select_one("#whatif-where").get_text()
    assert_same_change(soup, v)


@pytest.mark.parametrize("params,field", [
    ({"place": "Qxzzyvw Nonexistent"}, "place"),
    ({"lon": "abc", "lat": "56.6"}, "lon"),
    ({"lon": "2.3", "lat": "48.8"}, "lon"),
])
def test_what_if_form_errors_are_said_and_linked(jelgava_server, params, field):
    soup = page(jelgava_server, "/plan/what-if", **params)
    summary = soup.select_one(".error-summary")
    assert summary is not None and summary.find("a")["href"] == f"#{field}"
    assert soup.title.get_text().startswith("Kļūda:")
    assert soup.select_one("#whatif-figures dd") is None
    assert soup.select_one(f"#{field}")["aria-invalid"] == "true"


def test_what_if_page_without_a_place_shows_the_form_and_the_totals(jelgava_server):
    soup = page(jelgava_server, "/plan/what-if")
    assert soup.select_one("form#whatif-form")["method"] == "get"
    total = api(jelgava_server, "/api/v1/gaps/summary")
    assert f"{total['digitally_underserved']:,}".replace(",", "\u00a0") in soup.select_one("#whatif-figures").get_text()
    # The script's empty result has a row per parish.
    tpl = soup.select_one("template#whatif-template")
    assert len(tpl.select("#whatif-parishes tbody tr")) == total["parishes"]


def test_upgrades_page_is_the_api_lists(jelgava_server):
    u = api(jelgava_server, "/api/v1/plan/upgrades")
    soup = page(jelgava_server, "/plan/upgrades")
    formula = {k: soup.select_one(f"#{k}-formula").get_text() for k in ("routers", "backhaul")}
    assert all(str(u["score"]["most_dependents"]) in f.replace("\u00a0", "").replace(" ", "") for f in formula.values())
    for kind in ("routers", "backhaul"):
        assert u[kind]["years"]
        for y in u[kind]["years"]:
            table = soup.select_one(f"#{kind}-{y['year']}")
            ids = [tr["data-site"] for tr in table.select("tbody tr[data-site]")]
            assert ids == [b["site_id"] for b in y["done"]] + [b["site_id"] for b in y["recommended"]], (kind, y["year"])
            for tr, b in zip(table.select("tbody tr[data-site]")[len(y["done"]):], y["recommended"]):
                c = cells(tr)
                assert number(c[0]) == b["rank"]
                assert shown(c[6]) == published(b, "dependents")
                assert c[7].replace(",", ".") == f"{b['score']:.1f}"
                # The formula the page writes gives the score it shows.
                most = number(re.search(r"\(([\d\s\u00a0]+)\)", formula[kind]).group(1))
                dep = b["dependents"] or 0  # published: to the nearest 5, 1–4 as a range (0 in the score)
                zone = 20 if b["priority_zones"] else 0
                if kind == "routers":
                    first = 50 * min(y["year"] - b["router_year"], 15) / 15
                else:
                    first = 50 * (1 - b["backhaul_down_mbps"] / u["parameters"]["served_down_mbps"])
                # (rounded to 0.1, halves up)
                assert first + 30 * dep / most + zone == pytest.approx(b["score"], abs=0.0501), b
                why = [li.get_text() for li in tr.select("td ul.reasons li")]
                assert len(why) == len(b["reasons"]), (kind, b["site_id"])
                if kind == "routers":
                    assert f"{b['router_year']}. gadā" in why[0]
    survey = soup.select("#survey-table tbody tr")
    assert len(survey) == max(1, len(u["to_survey"]))
    assert "/api/v1/plan/upgrades?f=csv" in [a["href"] for a in soup.find_all("a")]


def test_mobile_class_page_is_the_api_calendar_with_its_feeds(jelgava_server):
    mc = api(jelgava_server, "/api/v1/plan/mobile-class")
    soup = page(jelgava_server, "/plan/mobile-class")
    words = {"done": "notika", "booked": "pieteikta", "planned": "plānota", "not_done": "nenotika"}
    for y in mc["years"]:
        rows = soup.select(f"#mc-{y['year']} tbody tr[data-date]")
        assert [tr["data-date"] for tr in rows] == [s["date"] or "" for s in y["stops"]], y["year"]
        for tr, s in zip(rows, y["stops"]):
            c = cells(tr)
            assert number(c[0]) == s["order"]
            assert c[2] == words[s["status"]] and tr["data-status"] == s["status"]
            assert c[4].startswith(s["name"])
            assert tr["data-connection"] == s["connection"]
            assert shown(c[6]) == published(s, "underserved_in_reach")
            # Who the stop is for, in words with the API's numbers.
            assert c[7]
            assert (c[8] == "—") == (s["participants"] is None)
    links = [a["href"] for a in soup.find_all("a")]
    for href, ctype in (("/api/v1/plan/mobile-class?f=ics", "text/calendar"), ("/api/v1/plan/mobile-class?f=csv", "text/csv")):
        assert href in links
        r = jelgava_server.get(href)
        assert r.status_code == 200 and r.headers["content-type"].startswith(ctype)


def test_progress_page_is_the_api_dashboard(jelgava_server):
    pr = api(jelgava_server, "/api/v1/plan/progress")
    soup = page(jelgava_server, "/plan/progress")
    assert shown(soup.select_one('[data-figure="now"]').get_text()) == published(pr["now"], "digitally_underserved")
    years = {int(tr["data-year"]): tr for tr in soup.select("#pr-years tbody tr")}
    assert sorted(years) == [y["year"] for y in pr["years"]]
    for y in pr["years"]:
        c = cells(years[y["year"]])
        assert number(c[1]) == y["access_points"]["added"]
        nums = [int(n) for n in re.findall(r"\d+", c[2].replace("\u00a0", ""))]
        assert nums[:3] == [y["access_points"]["added_cumulative"], y["access_points"]["planned_cumulative"],
                            int(y["access_points"]["target_total"])]
        assert int(re.findall(r"\d+", c[3])[0]) == y["routers"]["done"]
        assert int(re.findall(r"\d+", c[4])[0]) == y["backhaul"]["done"]
        assert int(re.findall(r"\d+", c[5])[0]) == y["mobile_class"]["visits"]
        assert shown(c[6]) == published(y, "digitally_underserved_at_start")
        rows = soup.select(f"#pr-{y['year']} tbody tr")
        assert len(rows) == len(y["parishes"])
        for tr, p in zip(rows, y["parishes"]):
            c = cells(tr)
            assert c[0] == p["name"]
            assert [number(x) for x in c[1:6]] == [p["access_points_added"], p["routers_upgraded"],
                                                   p["backhaul_upgraded"], p["visits"], p["participants"]]
            assert [shown(x) for x in c[6:8]] == [published(p, "digitally_underserved_at_start"),
                                                  published(p, "digitally_underserved_now")], (y["year"], p["parish_id"])
    links = [a["href"] for a in soup.find_all("a")]
    assert "/api/v1/plan/progress?f=csv" in links and "/api/v1/plan/progress" in links
