"""Throttles without lockout (issue 21): wrong passwords slow the account
and address pair they come from and an address that sends many, never the
owner elsewhere; a shared line's reports are budgeted per address;
`/admin/reload` is rate-limited. The state lives in the store."""

import time

import requests

from proxylib import PASSWORD, proxied_copy, proxied_server, add_users

import shutil


def sign_in(url, user, password, addr):
    return requests.post(url + "/api/v1/session", json={"username": user, "password": password},
                         headers={"X-Forwarded-For": addr}, timeout=60)


def test_an_attacker_cannot_keep_the_owner_out(jelgava_store, tmp_path):
    s = proxied_copy(jelgava_store, tmp_path)
    try:
        attacker, office = "203.0.113.9", "198.51.100.4"
        codes = []
        for _ in range(8):
            codes.append(sign_in(s.url, "ilze", "guess guess guess", attacker))
        assert [r.status_code for r in codes[:3]] == [401, 401, 401]
        waits = [r for r in codes if r.status_code == 429]
        assert waits, [r.status_code for r in codes]
        w = waits[-1]
        assert int(w.headers["retry-after"]) >= 1
        assert "this user name came from your address" in w.json()["detail"]
        assert "other addresses are not slowed" in w.json()["detail"]
        # The owner, from the office, at once.
        ok = sign_in(s.url, "ilze", PASSWORD, office)
        assert ok.status_code == 200, ok.text
        # The sign-in page says it in Latvian, with the wait.
        page = requests.post(s.url + "/sign-in", data={"username": "ilze", "password": "guess guess guess"},
                             headers={"X-Forwarded-For": attacker}, timeout=60)
        assert page.status_code == 429 and "text/html" in page.headers["content-type"]
        assert "no jūsu adreses" in page.text and "No citām adresēm pierakstīties var kā parasti" in page.text
        # Nothing of the attacker's address or the names tried is in the file.
        assert attacker.encode() not in s.store.read_bytes()
    finally:
        s.stop()


def test_one_address_trying_many_names_is_bounded(jelgava_store, tmp_path):
    s = proxied_copy(jelgava_store, tmp_path)
    try:
        last = None
        for i in range(32):
            last = sign_in(s.url, f"user{i}", "x", "203.0.113.50")
        assert last.status_code == 429 and "many wrong passwords came from your address" in last.json()["detail"]
        assert sign_in(s.url, "user0", "x", "192.0.2.1").status_code == 401, "another address is not affected"
    finally:
        s.stop()


def test_a_flood_from_one_address_is_stopped_and_others_still_report(jelgava_store, tmp_path):
    s = proxied_copy(jelgava_store, tmp_path)
    try:
        def report(addr):
            return requests.post(s.url + "/api/v1/reports", headers={"X-Forwarded-For": addr}, timeout=60,
                                 json={"kind": "wifi_not_working", "site_id": "library-vilce", "text": ""})
        flood = [report("192.0.2.10") for _ in range(23)]
        assert [r.status_code for r in flood[:20]] == [201] * 20
        assert all(r.status_code == 429 for r in flood[20:])
        assert 1 <= int(flood[-1].headers["retry-after"]) <= 30
        assert "shared line" in flood[-1].json()["detail"]
        assert report("192.0.2.11").status_code == 201
        # IPv6 clients count by their /64.
        assert all(report(f"2001:db8:1:2::{i}").status_code == 201 for i in range(1, 21))
        assert report("2001:db8:1:2::ff").status_code == 429
    finally:
        s.stop()


def test_admin_reload_is_rate_limited(jelgava_store, tmp_path):
    store = tmp_path / "s.gpkg"
    shutil.copy(jelgava_store, store)
    s = proxied_server(store, tmp_path, 'admin_token = "a-long-admin-token"\n')
    try:
        codes = [requests.post(s.url + "/admin/reload", headers={"Authorization": "Bearer wrong"}, timeout=60).status_code
                 for _ in range(6)]
        assert codes[:5] == [401] * 5 and codes[5] == 429, codes
        ok = requests.post(s.url + "/admin/reload", headers={"Authorization": "Bearer a-long-admin-token",
                                                             "X-Forwarded-For": "192.0.2.77"}, timeout=60)
        assert ok.status_code == 200, ok.text
    finally:
        s.stop()
