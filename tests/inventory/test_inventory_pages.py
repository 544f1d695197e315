"""The inventory's pages as people use them, without JavaScript: a resident
reports a broken Wi-Fi point through the form and follows it by its number;
an editor signs in, changes a place, adds an access point that shows in the
nearest answers and the gap figures at once, reviews the report; "Kas
mainījies" shows the change. Plain HTTP form posts, as a browser without
scripts sends them."""

import html
import re
import shutil

import pytest
import requests

from conftest import run_gapmap, start_server

PASSWORD = "a long password here"
SITE = "library-vilce"


@pytest.fixture
def site(jelgava_store, tmp_path):
    store = tmp_path / "s.gpkg"
    shutil.copy(jelgava_store, store)
    run_gapmap("user", "add", "ilze", "--role", "editor", "--password-stdin", "--store", store,
               input=PASSWORD + "\n", check=True)
    s = start_server(store)
    yield s
    s.stop()


class Page:
    """A response whose text is the HTML as a browser reads it (the
    templates escape `/` and quotes in attributes)."""
    def __init__(self, r):
        self.r, self.status_code, self.headers = r, r.status_code, r.headers
        self.raw, self.text = r.text, html.unescape(r.text)


def get(http, url, **kw):
    return Page(http.get(url, timeout=60, **kw))


def post(http, server, path, data, **kw):
    """A form post from the site's own page (the browser sends its Origin)."""
    return Page(http.post(server.url + path, data=data, allow_redirects=False, timeout=60,
                          headers={"Origin": server.url}, **kw))


def signed_in(server):
    http = requests.Session()
    r = post(http, server, "/sign-in", {"username": "ilze", "password": PASSWORD, "next": "/edit"})
    assert r.status_code == 303, r.text
    assert r.headers["location"] == "/edit"
    cookie = r.headers["set-cookie"]
    assert "HttpOnly" in cookie and "SameSite=Strict" in cookie
    return http


def hidden(doc, name):
    m = re.search(rf'name="{name}" value="([^"]*)"', doc)
    assert m, f"no hidden field {name}"
    return html.unescape(m.group(1))


def form_of(http, server, path):
    r = get(http, server.url + path)
    assert r.status_code == 200, r.text
    return r.raw, hidden(r.raw, "csrf"), hidden(r.raw, "etag")


def test_a_resident_reports_through_the_form_and_follows_it(site):
    http = requests.Session()
    page = get(http, site.url + f"/report?site={SITE}")
    assert page.status_code == 200
    assert f'<option value="{SITE}" selected' in page.text
    assert 'name="website"' in page.text, "the honeypot"
    assert "/privacy" in page.text

    # Nothing chosen: the form again, 400, with a summary linking to the field.
    r = post(http, site, "/report", {"site_id": "", "place": "", "kind": ""})
    assert r.status_code == 400
    assert 'id="error-summary"' in r.text and 'href="#place"' in r.text and 'href="#kind-wifi_not_working"' in r.text

    r = post(http, site, "/report", {"site_id": SITE, "kind": "wifi_not_working", "text": "Nestrādā kopš pirmdienas",
                                     "contact": "ieva@example.lv", "website": ""})
    assert r.status_code == 303, r.text
    status_url = r.headers["location"]
    reference = re.search(r"ref=(JN-[0-9A-Z]+)", status_url).group(1)
    page = get(http, site.url + status_url)
    assert reference in page.text and "Paldies" in page.text and "Saņemts" in page.text
    assert "ieva@example.lv" not in page.text
    # Anyone with the number sees where it stands; a wrong number says so.
    page = get(http, site.url + "/report/status", params={"ref": reference.lower()})
    assert "Saņemts" in page.text
    page = get(http, site.url + "/report/status", params={"ref": "JN-ZZZZZZ"})
    assert "neatradām" in page.text

    # A village typed instead of a place from the list.
    r = post(http, site, "/report", {"site_id": "", "place": "Gluda", "kind": "no_mobile_signal"})
    assert r.status_code == 303, r.text
    # A place gapmap does not know is taken too, as the resident wrote it
    # (issue 22): only a form that says nowhere is sent back.
    for place in ["Qwxzzq", "Ķiršu mājas", "pie veikala Vilcē"]:
        r = post(http, site, "/report", {"site_id": "", "place": place, "kind": "no_mobile_signal"})
        assert r.status_code == 303, (place, r.text)

    # Another site's page may not post the form.
    r = http.post(site.url + "/report", data={"site_id": SITE, "kind": "other"}, allow_redirects=False,
                  headers={"Origin": "https://evil.example"}, timeout=60)
    assert r.status_code == 403


def test_the_privacy_notice_says_how_long_a_contact_is_kept(site):
    page = get(requests, site.url + "/privacy")
    assert page.status_code == 200
    assert re.search(r"pēc \d+ dienām", page.text)


def test_staff_pages_need_a_sign_in(site):
    http = requests.Session()
    for path in ["/edit", f"/edit/sites/{SITE}", "/edit/reports"]:
        r = get(http, site.url + path, allow_redirects=False)
        assert r.status_code == 303 and r.headers["location"].startswith("/sign-in?next="), (path, r.status_code)
    r = post(http, site, "/sign-in", {"username": "ilze", "password": "wrong password!", "next": "/edit"})
    assert r.status_code == 401 and 'id="error-summary"' in r.text
    # A change without a session, or without the session's token, is refused.
    r = post(http, site, f"/edit/sites/{SITE}", {"reason": "x", "name": "X"})
    assert r.status_code == 401
    http = signed_in(site)
    text, csrf, etag = form_of(http, site, f"/edit/sites/{SITE}")
    r = post(http, site, f"/edit/sites/{SITE}", {"reason": "x", "name": "X", "etag": etag, "csrf": "0" * 48})
    assert r.status_code == 403
    # A redirect after signing in stays on this site.
    r = post(requests.Session(), site, "/sign-in", {"username": "ilze", "password": PASSWORD, "next": "//evil.example/"})
    assert r.headers["location"] == "/edit"


def form_fields(doc):
    """The values a browser would post back: inputs and selected options."""
    data = {}
    for tag in re.findall(r"<input [^>]*>", doc):
        name, value = re.search(r'name="([^"]+)"', tag), re.search(r'value="([^"]*)"', tag)
        if name and 'type="radio"' not in tag:
            data.setdefault(name.group(1), html.unescape(value.group(1)) if value else "")
    for m in re.finditer(r'<select [^>]*name="([^"]+)"[^>]*>(.*?)</select>', doc, re.S):
        sel = re.search(r'<option value="([^"]*)" selected', m.group(2))
        data[m.group(1)] = sel.group(1) if sel else ""
    return data


def test_an_editor_changes_a_place_and_a_stale_form_is_refused(site):
    http = signed_in(site)
    listing = get(http, site.url + "/edit")
    assert listing.status_code == 200 and f'href="/edit/sites/{SITE}"' in listing.text
    text, csrf, etag = form_of(http, site, f"/edit/sites/{SITE}")
    data = form_fields(text)
    data.update({"router_year": "2026", "reason": "jauns maršrutētājs", "action": "save"})

    missing = dict(data, reason="")
    r = post(http, site, f"/edit/sites/{SITE}", missing)
    assert r.status_code == 400 and 'href="#reason"' in r.text

    bad = dict(data, router_year="1800")
    r = post(http, site, f"/edit/sites/{SITE}", bad)
    assert r.status_code == 400 and 'href="#router_year"' in r.text

    before = requests.get(site.url + "/api/v1/layers", timeout=60).json()["snapshot_version"].rsplit("-", 1)[1]
    r = post(http, site, f"/edit/sites/{SITE}", data)
    assert r.status_code == 303 and r.headers["location"].endswith("?saved=1"), r.text
    api = requests.get(site.url + f"/api/v1/sites/{SITE}", timeout=60).json()
    assert api["properties"]["router_year"] == 2026

    # The same old form again: someone changed it meanwhile.
    r = post(http, site, f"/edit/sites/{SITE}", dict(data, router_year="2025"))
    assert r.status_code == 400 and "nupat mainīja" in r.text
    assert requests.get(site.url + f"/api/v1/sites/{SITE}", timeout=60).json()["properties"]["router_year"] == 2026

    api = requests.get(site.url + "/api/v1/changes", params={"from": before, "parish_id": "vilces-pagasts"},
                       timeout=60).json()
    assert [c["id"] for c in api["modified"]] == [SITE], api
    changes = get(requests, site.url + "/changes", params={"parish": "vilces-pagasts", "from": before})
    assert changes.status_code == 200 and "Maršrutētāja gads" in changes.text


def test_an_editor_adds_an_access_point_and_it_serves_at_once(site):
    http = signed_in(site)
    text, csrf, _ = form_of(http, site, "/edit/sites/new")
    data = form_fields(text)
    data.update({"kind": "wifi", "name": "Bezmaksas Wi-Fi Vilces laukumā", "free_wifi": "true",
                 "wifi_hours": "24/7", "access_points": "1", "source": "official",
                 "source_ref": "https://www.jelgavasnovads.lv/", "lon": "23,5472", "lat": "56.4210",
                 "reason": "jauns ārtelpu piekļuves punkts", "id": "wifi-vilce-laukums"})
    before = requests.get(site.url + "/api/v1/gaps/parishes", timeout=60).json()
    r = post(http, site, "/edit/sites/new", data)
    assert r.status_code == 303, r.text
    assert r.headers["location"] == "/edit/sites/wifi-vilce-laukums?saved=1"
    near = requests.get(site.url + "/api/v1/nearest", params={"lon": 23.5472, "lat": 56.4210, "limit": 1},
                        timeout=60).json()
    assert near["features"][0]["id"] == "wifi-vilce-laukums", near
    after = requests.get(site.url + "/api/v1/gaps/parishes", timeout=60).json()
    assert after != before, "the gap figures moved"
    audit = http.get(site.url + "/api/v1/audit", params={"feature_id": "wifi-vilce-laukums"}, timeout=60).json()
    assert [e["action"] for e in audit["entries"]] == ["create"], audit


def test_a_report_is_reviewed_and_fixed_through_an_edit(site):
    http = requests.Session()
    r = post(http, site, "/report", {"site_id": SITE, "kind": "closed_or_wrong_hours", "text": "Sestdienās slēgts"})
    reference = re.search(r"ref=(JN-[0-9A-Z]+)", r.headers["location"]).group(1)

    staff = signed_in(site)
    queue = get(staff, site.url + "/edit/reports")
    assert reference in queue.text and "Sestdienās slēgts" in queue.text
    csrf = hidden(queue.raw, "csrf")
    r = post(staff, site, f"/edit/reports/{reference}", {"csrf": csrf, "decision": "reject", "reason": ""})
    assert r.status_code == 303 and "error=reason" in r.headers["location"]
    r = post(staff, site, f"/edit/reports/{reference}", {"csrf": csrf, "decision": "accept", "reason": "pārbaudīsim"})
    assert r.status_code == 303
    assert r.headers["location"] == f"/edit/sites/{SITE}?report={reference}"
    assert "Pieņemts" in get(requests, site.url + "/report/status", params={"ref": reference}).text

    text, csrf, etag = form_of(staff, site, r.headers["location"])
    assert hidden(text, "report") == reference
    data = form_fields(text)
    data.update({"opening_hours": "Mo-Fr 09:00-17:00; Sa 10:00-14:00", "reason": "darba laiks pēc ziņojuma",
                 "action": "save"})
    r = post(staff, site, f"/edit/sites/{SITE}", data)
    assert r.status_code == 303, r.text
    assert "Izlabots" in get(requests, site.url + "/report/status", params={"ref": reference}).text
