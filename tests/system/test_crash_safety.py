"""Crash safety: SIGKILL `gapmap ingest` at many points inside its write
transaction and check that the store comes back exactly as it was.

Each case copies the session's Jelgava store, starts an ingest with
GAPMAP_PAUSE_AT=<point> (gapmap prints "gapmap: paused inside the write
transaction at <point>" on stderr and sleeps there), waits for that marker,
shows that SQLite's rollback journal (`<store>-journal`) exists, SIGKILLs the
process, and then opens the store with Python's sqlite3:

- the hot journal is rolled back on that first open and then deleted;
- `PRAGMA integrity_check` is `ok`;
- every table's rows (sorted) equal the original's;
- the file's bytes (sha256) equal the original's;

and finally the same ingest without the pause succeeds on the recovered store.
"""

import csv
import hashlib
import io
import json
import os
import queue
import shutil
import sqlite3
import subprocess
import threading
import time
from pathlib import Path

import pytest

from conftest import GEODATA, gapmap_bin, run_gapmap

MARKER = "gapmap: paused inside the write transaction at "
JOURNAL_MAGIC = bytes.fromhex("d9d505f920a163d7")


def sha256(path: Path) -> str:
    return hashlib.sha256(path.read_bytes()).hexdigest()


def logical_dump(db: sqlite3.Connection) -> dict:
    """Every table's rows, sorted, plus the schema and the header pragmas."""
    out = {}
    tables = [r[0] for r in db.execute("SELECT name FROM sqlite_master WHERE type = 'table' ORDER BY name")]
    for t in tables:
        rows = db.execute(f'SELECT * FROM "{t}"').fetchall()
        out[t] = sorted(rows, key=repr)
    out["sqlite_master"] = sorted(db.execute("SELECT type, name, tbl_name, sql FROM sqlite_master").fetchall(), key=repr)
    for pragma in ("application_id", "user_version", "page_count"):
        out[f"PRAGMA {pragma}"] = db.execute(f"PRAGMA {pragma}").fetchone()[0]
    return out


def open_and_inspect(store: Path):
    """The first open after a crash: rolls back a hot journal. Returns
    (integrity_check result, logical dump)."""
    db = sqlite3.connect(store)
    try:
        integrity = db.execute("PRAGMA integrity_check").fetchall()
        dump = logical_dump(db)
    finally:
        db.close()
    return integrity, dump


@pytest.fixture(scope="module")
def original(jelgava_store, tmp_path_factory):
    """A private copy of the session store, its hash and its logical content."""
    d = tmp_path_factory.mktemp("crash_original")
    store = d / "original.gpkg"
    shutil.copy(jelgava_store, store)
    digest = sha256(store)
    db = sqlite3.connect(f"file:{store}?mode=ro", uri=True)
    try:
        assert db.execute("PRAGMA integrity_check").fetchone()[0] == "ok"
        dump = logical_dump(db)
    finally:
        db.close()
    assert sha256(store) == digest, "reading the store must not change it"
    assert not Path(str(store) + "-journal").exists()
    return store, digest, dump


# --- inputs for the ingests -------------------------------------------------

def _demand_rows():
    with open(GEODATA / "demand.csv", newline="", encoding="utf-8") as f:
        r = csv.DictReader(f)
        return r.fieldnames, list(r)


def _write_csv(path: Path, fields, rows):
    buf = io.StringIO()
    w = csv.DictWriter(buf, fieldnames=fields, lineterminator="\n")
    w.writeheader()
    w.writerows(rows)
    path.write_text(buf.getvalue(), encoding="utf-8")
    return path


@pytest.fixture(scope="module")
def inputs(tmp_path_factory):
    """Files for the kinds of ingest the cases run."""
    d = tmp_path_factory.mktemp("crash_inputs")
    fields, rows = _demand_rows()
    n_demand = len(rows)
    assert n_demand > 6000, "the embedded demand layer is expected to hold thousands of points"

    # Every row changed: residents + 1 (an upsert that UPDATEs every row).
    changed = [dict(r, residents=str(int(r["residents"]) + 1)) for r in rows]
    demand_changed = _write_csv(d / "demand_changed.csv", fields, changed)

    # Replace with fewer features: keep the first 4000 rows, all of them changed
    # (so the deletes of the other rows come after many updates).
    keep = [dict(r, residents=str(int(r["residents"]) + 1)) for r in rows[:4000]]
    demand_fewer = _write_csv(d / "demand_fewer.csv", fields, keep)

    # New features: 2500 points with ids the store has never seen (only INSERTs).
    new = [dict(r, id=f"crash-new-{i:05d}") for i, r in enumerate(rows[:2500])]
    demand_new = _write_csv(d / "demand_new.csv", fields, new)

    # Every site renamed (the first file of a multi-file ingest).
    sites_doc = json.loads((GEODATA / "sites.geojson").read_text(encoding="utf-8"))
    for f in sites_doc["features"]:
        f["properties"]["name"] = f["properties"]["name"] + " (crash test)"
    sites_changed = d / "sites_changed.geojson"
    sites_changed.write_text(json.dumps(sites_doc, ensure_ascii=False), encoding="utf-8")
    n_sites = len(sites_doc["features"])

    return {
        "n_demand": n_demand,
        "n_sites": n_sites,
        "demand_changed": demand_changed,
        "demand_fewer": demand_fewer,
        "demand_new": demand_new,
        "sites_changed": sites_changed,
    }


def case_list():
    """(case id, ingest kind, pause point) — a point may be a callable of the inputs."""
    cases = []
    for p in ["record:1", "record:2", "record:50", "record:500", "record:3000", "record:6000",
              "last-record", "before-log", "before-commit"]:
        cases.append(("upsert-changed-demand", p))
    for p in ["record:1", "record:100", "record:4000", "after-delete", "before-log", "before-commit"]:
        cases.append(("replace-fewer-demand", p))
    for p in ["record:1", "record:2", "record:2500", "before-log", "before-commit"]:
        cases.append(("upsert-new-demand", p))
    for p in ["record:1", "first-of-second-file", "second-file+1000", "second-file+6000", "before-commit"]:
        cases.append(("multi-file-sites-then-demand", p))
    return cases


CASES = case_list()
assert len({(k, p) for k, p in CASES}) >= 20


def ingest_args(kind, store, inp):
    if kind == "upsert-changed-demand":
        return ["ingest", "--store", store, inp["demand_changed"]]
    if kind == "replace-fewer-demand":
        return ["ingest", "--store", store, "--mode", "replace", inp["demand_fewer"]]
    if kind == "upsert-new-demand":
        return ["ingest", "--store", store, inp["demand_new"]]
    if kind == "multi-file-sites-then-demand":
        return ["ingest", "--store", store, inp["sites_changed"], inp["demand_changed"]]
    raise AssertionError(kind)


def resolve_point(point, inp):
    if point == "last-record":
        return f"record:{inp['n_demand']}"
    if point == "first-of-second-file":
        return f"record:{inp['n_sites'] + 1}"
    if point.startswith("second-file+"):
        return f"record:{inp['n_sites'] + int(point.split('+')[1])}"
    return point


def start_paused(args, point, timeout=60, extra_env=None):
    """Start `gapmap ingest` paused at `point`; return the process once the
    marker is on its stderr."""
    env = dict(os.environ, GAPMAP_PAUSE_AT=point, RUST_LOG="warn", **(extra_env or {}))
    proc = subprocess.Popen([gapmap_bin(), *map(str, args)], stdout=subprocess.DEVNULL,
                            stderr=subprocess.PIPE, text=True, env=env)
    lines: "queue.Queue[str | None]" = queue.Queue()

    def pump():
        for line in proc.stderr:
            lines.put(line)
        lines.put(None)

    threading.Thread(target=pump, daemon=True).start()
    seen = []
    deadline = time.time() + timeout
    while time.time() < deadline:
        try:
            line = lines.get(timeout=max(0.05, deadline - time.time()))
        except queue.Empty:
            break
        if line is None:
            proc.wait()
            raise AssertionError(f"gapmap exited {proc.returncode} before pausing at {point}:\n{''.join(seen)}")
        seen.append(line)
        if MARKER in line:
            assert line.strip() == MARKER + point, line
            return proc
    proc.kill()
    proc.wait()
    raise AssertionError(f"no pause marker for {point} within {timeout} s:\n{''.join(seen)}")


@pytest.mark.parametrize("kind,point", CASES, ids=[f"{k}@{p}" for k, p in CASES])
def test_sigkill_inside_the_transaction_leaves_the_store_as_it_was(kind, point, original, inputs, tmp_path, record_property):
    orig_store, orig_hash, orig_dump = original
    store = tmp_path / "store.gpkg"
    shutil.copy(orig_store, store)
    journal = Path(str(store) + "-journal")
    args = ingest_args(kind, store, inputs)
    pause = resolve_point(point, inputs)

    proc = start_paused(args, pause)
    try:
        # The transaction is open: SQLite's rollback journal is on disk.
        assert journal.exists(), f"no {journal.name} while paused at {pause}"
        jbytes = journal.read_bytes()
        assert len(jbytes) > 0, "the journal is empty"
        file_changed_while_paused = sha256(store) != orig_hash
        print(f"{kind}@{pause}: {journal.name} {len(jbytes)} bytes, header {jbytes[:8].hex()}, "
              f"database file modified before the kill: {file_changed_while_paused}")
        record_property("journal_bytes", len(jbytes))
        record_property("db_modified_before_kill", file_changed_while_paused)
    finally:
        proc.kill()  # SIGKILL
        proc.wait(10)
    assert proc.returncode == -9

    # Killed: the journal is still there, nothing committed.
    assert journal.exists(), "the journal vanished with the killed process"
    header = journal.read_bytes()[:8]
    if header == JOURNAL_MAGIC:
        # SQLite synced the journal before overwriting pages of the database
        # file: a hot journal, which the next open must roll back and delete.
        hot = True
    else:
        # The journal's header is still zero: SQLite has not written a single
        # page of the database file yet (its page cache held them all), so
        # the file is the original and the journal is not hot.
        hot = False
        assert header == bytes(8), header.hex()
        assert sha256(store) == orig_hash, "database file changed although the journal was never synced"

    integrity, dump = open_and_inspect(store)
    assert integrity == [("ok",)], integrity
    if hot:
        assert not journal.exists(), "opening the store must roll back and delete the hot journal"
    print(f"  journal was {'hot: rolled back on open' if hot else 'not hot (zero header): ignored on open'}")
    for table in orig_dump:
        assert dump.get(table) == orig_dump[table], f"table {table} differs after the crash at {pause}"
    assert dump == orig_dump
    assert sha256(store) == orig_hash, "after the rollback the file must be byte-for-byte the original"

    # The store is usable: the same ingest without the pause succeeds.
    p = run_gapmap(*args, "--json")
    assert p.returncode == 0, p.stderr
    report = json.loads(p.stdout)
    with sqlite3.connect(store) as db:
        assert db.execute("PRAGMA integrity_check").fetchone()[0] == "ok"
        log = db.execute("SELECT count(*) FROM gapmap_ingest_log").fetchone()[0]
    assert log == len(orig_dump["gapmap_ingest_log"]) + len(report["files"])
    assert not journal.exists()
    assert sha256(store) != orig_hash


def test_the_crash_cases_reach_real_writes(original, inputs, tmp_path):
    """The cases are not vacuous: a paused transaction big enough to spill
    SQLite's page cache has already overwritten pages of the database file
    itself, so only the journal can bring the old state back."""
    orig_store, orig_hash, orig_dump = original
    store = tmp_path / "store.gpkg"
    shutil.copy(orig_store, store)
    journal = Path(str(store) + "-journal")
    args = ingest_args("upsert-changed-demand", store, inputs)
    # A 1 MB page cache makes SQLite spill dirty pages into the database file
    # before the commit, as a big ingest does with the default 256 MB cache.
    proc = start_paused(args, "before-commit", extra_env={"GAPMAP_STORE_CACHE_MB": "1"})
    try:
        jbytes = journal.read_bytes()
        modified = sha256(store) != orig_hash
    finally:
        proc.kill()
        proc.wait(10)
    assert jbytes[:8] == JOURNAL_MAGIC, f"journal header {jbytes[:8].hex()}"
    assert modified, "the database file was not written before the commit; the test would prove nothing"
    # Without the journal, the file would be the half-written state.
    torn = tmp_path / "torn.gpkg"
    shutil.copy(store, torn)
    db = sqlite3.connect(torn)
    try:
        torn_dump = logical_dump(db)
    except sqlite3.DatabaseError as e:
        torn_dump = f"unreadable: {e}"  # e.g. "database disk image is malformed"
    finally:
        db.close()
    print(f"the database file without its journal: {torn_dump if isinstance(torn_dump, str) else 'readable, different'}")
    assert torn_dump != orig_dump
    # With it, the old state.
    integrity, dump = open_and_inspect(store)
    assert integrity == [("ok",)]
    assert dump == orig_dump and sha256(store) == orig_hash
