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


def test_access_points_page_is_the_api_answer(jelgava_server):
    g = api(jelgava_server, "/api/v1/plan/access-points")
    assert g["features"], "the siting answer places access points"
    soup = page(jelgava_server, "/plan/access-points")
    head = {dd["data-figure"]: dd.get_text() for dd in soup.select("#ap-headline dd")}
    for k in ("buildings", "residents_newly_served", "uncovered_residents"):
        assert number(head[k]) == g[k], k
    # "24 no 35": placed of the count asked.
    assert [int(n) for n in re.findall(r"\d+", head["access_points_placed"])] == [g["access_points_placed"], g["count"]]
    rows = soup.select("#ap-ranked tbody tr")
    assert len(rows) == len(g["features"])
    for tr, f in zip(rows, g["features"]):
        p = f["properties"]
        c = cells(tr)
        assert tr["data-site"] == p["site_id"]
        assert number(c[0]) == p["rank"]
        assert c[1].startswith(p["name"])
        assert number(c[3]) == p["residents_newly_served"]
        assert number(c[4]) == p["year"]
        assert number(c[5]) == p["access_points"]
        # Why, in words: one line per reason of the API, with its numbers.
        why = [li.get_text() for li in tr.select("td ul.reasons li")]
        assert len(why) == len(p["reasons"]) and why[0].startswith("Iedzīvotāji, kam vēl nav bezmaksas Wi-Fi")
        assert number(why[0].rsplit(":", 1)[1]) == p["residents_newly_served"]
    by_year = {int(tr["data-year"]): cells(tr) for tr in soup.select("#ap-by-year tbody tr")}
    assert sorted(by_year) == [y["year"] for y in g["by_year"]]
    for y in g["by_year"]:
        c = by_year[y["year"]]
        assert (number(c[1]), number(c[2])) == (y["access_points"], y["residents_newly_served"])
    # Residents newly within reach by parish and year: the API's, summed to its headline.
    years = [y["year"] for y in g["by_year"]]
    table = {tr["data-parish"]: [number(x) for x in cells(tr)[1:]] for tr in soup.select("#ap-by-parish tbody tr")}
    for e in g["by_year_and_parish"]:
        assert table[e["parish_id"]][years.index(e["year"])] == e["residents_newly_served"]
    assert sum(r[-1] for r in table.values()) == g["residents_newly_served"]
    # The map's points are the table's, in rank order.
    points = json.loads(soup.select_one("#plan-map")["data-points"])
    assert [p[2] for p in points] == [f["properties"]["rank"] for f in g["features"]]
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
    figs = {dd["data-figure"]: number(dd.get_text()) for dd in soup.select("#whatif-figures dd")}
    assert figs["residents_newly_near_free_wifi"] == v["residents_newly_near_free_wifi"]
    assert figs["digitally_underserved_change"] == v["digitally_underserved_change"]
    for tr in soup.select("#whatif-figures #whatif-summary tbody tr"):
        k = tr["data-key"]
        c = cells(tr)
        assert [number(x) for x in c[1:]] == [v["summary"]["before"].get(k), v["summary"]["after"].get(k),
                                              v["summary"]["change"].get(k, 0)], k
    by_id = {p["id"]: p for p in v["parishes"]}
    rows = soup.select("#whatif-figures #whatif-parishes tbody tr")
    assert len(rows) == len(v["parishes"])
    for tr in rows:
        p = by_id[tr["data-parish"]]
        c = [number(x) for x in cells(tr)[1:]]
        assert c == [p["before"].get("digitally_underserved"), p["after"].get("digitally_underserved"),
                     p["change"].get("digitally_underserved", 0)], tr["data-parish"]


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
    for kind in ("routers", "backhaul"):
        assert u[kind]["years"]
        for y in u[kind]["years"]:
            table = soup.select_one(f"#{kind}-{y['year']}")
            ids = [tr["data-site"] for tr in table.select("tbody tr[data-site]")]
            assert ids == [b["site_id"] for b in y["done"]] + [b["site_id"] for b in y["recommended"]], (kind, y["year"])
            for tr, b in zip(table.select("tbody tr[data-site]")[len(y["done"]):], y["recommended"]):
                c = cells(tr)
                assert number(c[0]) == b["rank"]
                assert number(c[6]) == b["dependents"]
                assert c[7].replace(",", ".") == f"{b['score']:.1f}"
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
    for y in mc["years"]:
        rows = soup.select(f"#mc-{y['year']} tbody tr[data-date]")
        assert [tr["data-date"] for tr in rows] == [s["date"] for s in y["stops"]], y["year"]
        for tr, s in zip(rows, y["stops"]):
            c = cells(tr)
            assert number(c[0]) == s["order"]
            assert c[3].startswith(s["name"])
            assert number(c[5]) == s["underserved_in_reach"]
    links = [a["href"] for a in soup.find_all("a")]
    for href, ctype in (("/api/v1/plan/mobile-class?f=ics", "text/calendar"), ("/api/v1/plan/mobile-class?f=csv", "text/csv")):
        assert href in links
        r = jelgava_server.get(href)
        assert r.status_code == 200 and r.headers["content-type"].startswith(ctype)


def test_progress_page_is_the_api_dashboard(jelgava_server):
    pr = api(jelgava_server, "/api/v1/plan/progress")
    soup = page(jelgava_server, "/plan/progress")
    assert number(soup.select_one('[data-figure="now"]').get_text()) == pr["now"]["digitally_underserved"]
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
        assert number(c[6]) == y["digitally_underserved_at_start"]
        rows = soup.select(f"#pr-{y['year']} tbody tr")
        assert len(rows) == len(y["parishes"])
        for tr, p in zip(rows, y["parishes"]):
            c = cells(tr)
            assert c[0] == p["name"]
            assert [number(x) for x in c[1:8]] == [p["access_points_added"], p["routers_upgraded"],
                                                   p["backhaul_upgraded"], p["visits"], p["participants"],
                                                   p["digitally_underserved_at_start"],
                                                   p["digitally_underserved_now"]], (y["year"], p["parish_id"])
    links = [a["href"] for a in soup.find_all("a")]
    assert "/api/v1/plan/progress?f=csv" in links and "/api/v1/plan/progress" in links
