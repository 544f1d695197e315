"""The contract's edges (issue 21): problem+json with the right kind for
every error, forms included, and the Latvian HTML page for a browser;
`If-Match: *` refused; ids and texts bounded and free of control and bidi
characters; authentication before the body; safe redirects and Secure
cookies behind a trusted proxy; `/api/v1/changes` without `from`; deleted
report contacts gone from the file's bytes."""

import html
import shutil
import sqlite3

import pytest
import requests

from conftest import start_server
from proxylib import PASSWORD, proxied_copy

BROWSER = "text/html,application/xhtml+xml,application/xml;q=0.9,*/*;q=0.8"


@pytest.fixture(scope="module")
def site(jelgava_store, tmp_path_factory):
    s = proxied_copy(jelgava_store, tmp_path_factory.mktemp("edges"))
    yield s
    s.stop()


def problem(r, status, slug):
    assert r.status_code == status, (r.status_code, r.text[:300])
    assert r.headers["content-type"].startswith("application/problem+json"), r.headers
    b = r.json()
    assert b["type"] == f"/problems/{slug}", b
    return b


def editor(site):
    http = requests.Session()
    r = http.post(site.url + "/api/v1/session", json={"username": "ilze", "password": PASSWORD}, timeout=60)
    assert r.status_code == 200, r.text
    http.headers["X-CSRF-Token"] = r.json()["csrf"]
    return http


def test_if_match_star_is_refused(site):
    http = editor(site)
    for method in ("patch", "delete"):
        r = http.request(method, site.url + "/api/v1/sites/library-vilce", headers={"If-Match": "*"},
                         json={"reason": "blind", "properties": {"router_year": 2026}}, timeout=60)
        b = problem(r, 428, "precondition-required")
        assert "`*` is not enough" in b["detail"]


def test_authentication_comes_before_the_body(site):
    for body, ctype in [(b"{not json", "application/json"), (b"x=1", "text/plain"), (b"[]", "application/json")]:
        r = requests.post(site.url + "/api/v1/sites", data=body, headers={"Content-Type": ctype}, timeout=60)
        problem(r, 401, "unauthorized")


def test_body_errors_have_their_own_kinds(site):
    url = site.url + "/api/v1/reports"
    b = problem(requests.post(url, json={"kind": 1, "site_id": "x"}, timeout=60), 400, "invalid-body")
    assert b["title"] == "The request body has invalid fields"
    b = problem(requests.post(url, json={"kind": "other", "evil": 1}, timeout=60), 400, "invalid-body")
    assert b["errors"][0]["field"] == "evil"
    b = problem(requests.post(url, data=b"{oops", headers={"Content-Type": "application/json"}, timeout=60),
                400, "bad-request")
    assert "not valid JSON" in b["detail"]
    problem(requests.post(url, data=b"kind=other", headers={"Content-Type": "text/plain"}, timeout=60),
            415, "unsupported-media-type")
    # Forms: 413 and 415 as problems for a script, and a page for a browser.
    big = {"kind": "other", "text": "x" * (2 << 20)}
    problem(requests.post(site.url + "/report", data=big, timeout=60), 413, "payload-too-large")
    problem(requests.post(site.url + "/report", json={"kind": "other"}, timeout=60), 415, "unsupported-media-type")
    page = requests.post(site.url + "/report", data=big, headers={"Accept": BROWSER}, timeout=60)
    assert page.status_code == 413 and page.headers["content-type"].startswith("text/html")
    assert '<html lang="lv">' in page.text and "Nosūtītais ir pārāk liels" in page.text


def test_ids_and_texts_are_bounded_and_plain(site):
    http = editor(site)
    base = {"type": "Feature", "geometry": {"type": "Point", "coordinates": [23.5472, 56.4210]},
            "properties": {"kind": "wifi", "name": "Wi-Fi", "parish_id": "vilces-pagasts", "free_wifi": True,
                           "source": "official", "source_ref": "test", "as_of": "2026-12-01"},
            "reason": "test"}
    for field, value in [("id", "../etc/passwd"), ("id", "<b>x</b>"), ("id", "x" * 200),
                         ("name", "Wi-Fi \u202egnp.exe"), ("name", "x" * 20_000), ("name", "a\u0007b")]:
        f = {**base, "id": "wifi-edge-test", "properties": dict(base["properties"])}
        if field == "id":
            f["id"] = value
        else:
            f["properties"][field] = value
        b = problem(http.post(site.url + "/api/v1/sites", json=f, timeout=60), 400, "invalid-body")
        assert any(e["field"] == field for e in b["errors"]), (field, b)
    b = problem(requests.post(site.url + "/api/v1/reports", timeout=60, json={
        "kind": "other", "site_id": "library-vilce", "text": "hi \u2066there"}), 400, "invalid-body")
    assert b["errors"][0]["field"] == "text"


def test_changes_without_from_are_the_last_30_days(site):
    r = requests.get(site.url + "/api/v1/changes", timeout=60)
    assert r.status_code == 200, r.text


def test_redirects_after_sign_in_stay_on_this_site(site):
    for nxt in ["/\t/evil.example", "//evil.example", "/\\evil.example", "https://evil.example/", "/x\r\n/evil"]:
        r = requests.post(site.url + "/sign-in", allow_redirects=False, timeout=60,
                          data={"username": "ilze", "password": PASSWORD, "next": nxt})
        assert r.status_code == 303, (nxt, r.status_code, r.text[:200])
        loc = r.headers["location"]
        assert loc.startswith("/") and not loc.startswith("//") and "evil.example" not in loc.split("?")[0].split("/")[1:2], (nxt, loc)
    r = requests.post(site.url + "/sign-in", allow_redirects=False, timeout=60,
                      data={"username": "ilze", "password": PASSWORD, "next": "/edit/sites/library-vilce"})
    assert r.headers["location"] == "/edit/sites/library-vilce"


def test_cookies_are_secure_behind_a_tls_proxy(site):
    body = {"username": "ilze", "password": PASSWORD}
    r = requests.post(site.url + "/api/v1/session", json=body, headers={"X-Forwarded-Proto": "https"}, timeout=60)
    assert "Secure" in r.headers["set-cookie"]
    r = requests.post(site.url + "/api/v1/session", json=body, headers={"Forwarded": "for=192.0.2.1;proto=https"},
                      timeout=60)
    assert "Secure" in r.headers["set-cookie"]
    r = requests.post(site.url + "/api/v1/session", json=body, timeout=60)
    assert "Secure" not in r.headers["set-cookie"]


def test_untrusted_peers_cannot_claim_tls(jelgava_server):
    # This server trusts no proxy: the header is ignored (and sign-in fails anyway).
    r = requests.post(jelgava_server.url + "/api/v1/session", json={"username": "x", "password": "y"},
                      headers={"X-Forwarded-Proto": "https"}, timeout=60)
    assert "set-cookie" not in r.headers


@pytest.mark.parametrize("method, path, status, heading", [
    ("get", "/no-such-page", 404, "Lapa nav atrasta"),
    ("get", "/sign-out", 405, "Šo lapu nevar atvērt šādi"),
    ("get", "/api/v1/nope", 404, "Lapa nav atrasta"),
])
def test_browsers_get_latvian_pages_and_scripts_problems(site, method, path, status, heading):
    page = requests.request(method, site.url + path, headers={"Accept": BROWSER}, timeout=60)
    assert page.status_code == status
    assert page.headers["content-type"].startswith("text/html")
    text = html.unescape(page.text)
    assert '<html lang="lv">' in text and heading in text and 'href="/"' in text
    assert "content-security-policy" in page.headers
    if status == 405:
        assert "POST" in page.headers["allow"]
    english = requests.request(method, site.url + path + "?lang=en", headers={"Accept": BROWSER}, timeout=60)
    assert '<html lang="en">' in english.text
    api = requests.request(method, site.url + path, headers={"Accept": "*/*"}, timeout=60)
    assert api.status_code == status and api.headers["content-type"].startswith("application/problem+json")


def test_a_browser_gets_a_page_for_a_500(jelgava_store, tmp_path):
    store = tmp_path / "s.gpkg"
    shutil.copy(jelgava_store, store)
    s = start_server(store)
    try:
        store.write_bytes(b"not a database any more" * 100)
        page = requests.get(s.url + "/report/status?ref=JN-AAAAAA", headers={"Accept": BROWSER}, timeout=60)
        assert page.status_code == 500 and "Radās kļūda" in page.text and 'href="/"' in html.unescape(page.text)
        api = requests.get(s.url + "/api/v1/reports/JN-AAAAAA", timeout=60)
        assert api.status_code == 500 and api.json()["type"] == "/problems/internal-error"
    finally:
        s.stop()


def test_deleted_contacts_are_gone_from_the_file(jelgava_store, tmp_path):
    store = tmp_path / "s.gpkg"
    shutil.copy(jelgava_store, store)
    s = start_server(store)
    contacts = [f"private-person-{i}@example.lv" for i in range(40)]
    try:
        for i, c in enumerate(contacts):
            r = requests.post(s.url + "/api/v1/reports", timeout=60, headers={"X-Forwarded-For": f"10.0.0.{i}"},
                              json={"kind": "other", "site_id": "library-vilce", "text": "x", "contact": c})
            assert r.status_code in (201, 429), r.text
    finally:
        s.stop()
    stored = [c for c in contacts if c.encode() in store.read_bytes()]
    assert stored, "the contacts reached the file"
    db = sqlite3.connect(store)
    db.execute("UPDATE gapmap_report_contacts SET created_at = '2020-01-01T00:00:00Z'")
    db.commit()
    db.close()
    # The server deletes contacts past the retention period when it starts.
    s = start_server(store)
    s.stop()
    data = store.read_bytes()
    left = [c for c in stored if c.encode() in data]
    assert not left, f"{len(left)} deleted contacts are still in the file's bytes"
    assert not any(c.encode() in data for c in contacts)
