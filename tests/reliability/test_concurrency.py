"""Nothing lost under concurrent writes (issue 21): 1, 2, 4, 8 and 30
clients at once, each signing in, sending resident reports and making an
edit, against one server and one store. No answer may be a 5xx, and every
201 must be stored exactly once with its audit row.

Each client speaks from its own address (X-Forwarded-For through the
trusted proxy 127.0.0.1), as residents of different homes would; the
report budget per address is tested in test_limits.py. The same load with
its table is bench/reliability/run.sh."""

import shutil
import sqlite3
import threading
import time

import requests

from proxylib import PASSWORD, add_users, proxied_server

ROUNDS = [1, 2, 4, 8, 30]
REPORTS_EACH = 3


def client(url, n, i, out):
    """One client of a round: sign in, send reports, add an equipment record."""
    addr = {"X-Forwarded-For": f"10.{n}.{i // 250}.{i % 250 + 1}"}
    http = requests.Session()
    http.headers.update(addr)
    got = out.setdefault((n, i), [])
    r = http.post(url + "/api/v1/session", json={"username": f"ed{i}", "password": PASSWORD}, timeout=120)
    got.append(("sign-in", r.status_code, None))
    csrf = r.json().get("csrf") if r.status_code == 200 else None
    for k in range(REPORTS_EACH):
        r = requests.post(url + "/api/v1/reports", headers=addr, timeout=120, json={
            "kind": "no_mobile_signal", "lon": 23.55 + 0.001 * i, "lat": 56.42, "text": f"round {n} client {i} report {k}"})
        got.append(("report", r.status_code, r.json().get("reference") if r.status_code == 201 else None))
    if csrf:
        eq = f"router-r{n}-c{i}"
        r = http.post(url + "/api/v1/equipment", headers={"X-CSRF-Token": csrf}, timeout=300, json={
            "type": "Feature", "id": eq, "geometry": None,
            "properties": {"site_id": "library-vilce", "type": "router", "installed_on": "2026-11-01",
                           "source": "official", "source_ref": "concurrency test", "as_of": "2026-12-01"},
            "reason": f"round {n}"})
        got.append(("edit", r.status_code, eq if r.status_code == 201 else None))


def run_round(url, n):
    out = {}
    threads = [threading.Thread(target=client, args=(url, n, i, out)) for i in range(n)]
    started = time.time()
    for t in threads:
        t.start()
    for t in threads:
        t.join()
    return [x for v in out.values() for x in v], time.time() - started


def test_concurrent_reports_edits_and_sign_ins_lose_nothing(jelgava_store, tmp_path, record_property):
    store = tmp_path / "s.gpkg"
    shutil.copy(jelgava_store, store)
    add_users(store, [f"ed{i}" for i in range(max(ROUNDS))])
    s = proxied_server(store, tmp_path)
    table = []
    try:
        for n in ROUNDS:
            answers, secs = run_round(s.url, n)
            five = [a for a in answers if a[1] >= 500]
            refs = [a[2] for a in answers if a[0] == "report" and a[1] == 201]
            edits = [a[2] for a in answers if a[0] == "edit" and a[1] == 201]
            table.append((n, len(answers), len(five), len(refs), len(edits), round(secs, 1)))
            assert not five, f"{n} clients: 5xx answers {five}"
            # Every client got through: sign-in 200, reports 201, edit 201.
            assert sorted({a[1] for a in answers}) <= [200, 201], answers
            db = sqlite3.connect(f"file:{store}?mode=ro", uri=True)
            try:
                for ref in refs:
                    assert db.execute("SELECT count(*) FROM gapmap_reports WHERE reference = ?", (ref,)).fetchone()[0] == 1
                    assert db.execute("SELECT count(*) FROM gapmap_audit WHERE action = 'report' AND report_ref = ?",
                                      (ref,)).fetchone()[0] == 1, ref
                for eq in edits:
                    assert db.execute("SELECT count(*) FROM equipment WHERE id = ?", (eq,)).fetchone()[0] == 1
                    assert db.execute("SELECT count(*) FROM gapmap_audit WHERE action = 'create' AND feature_id = ?",
                                      (eq,)).fetchone()[0] == 1, eq
            finally:
                db.close()
            assert len(refs) == n * REPORTS_EACH and len(edits) == n
    finally:
        s.stop()
    record_property("rounds", table)
    print("\nclients | answers | 5xx | reports stored | edits stored | seconds")
    for row in table:
        print(" | ".join(map(str, row)))
