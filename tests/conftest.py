"""Whole-system tests: gapmap's binary, its store and its HTTP server, driven
through real clients (HTTP, GDAL's ogrinfo, SQLite).

Module map:
- conftest.py        fixtures: the binary, ../shared, stores, a running server
- system/            ingest → store → GDAL; serve → HTTP and problem+json; reload
- corpus/            the bad-input corpus and its expectations
- dataset/           checks of the embedded Jelgavas novads dataset
- hardening/         the HTTP contract (headers, CORS, ranges, negotiation, links),
                     schemathesis over both OpenAPI documents, CLI pipes
- drills/            failure drills: disk full, damaged stores, SIGTERM, slowloris, config
- update/            open data: sources, update through a local HTTP server (every
                     failure mode), geocoding with known answers, the position and
                     reference rules, the spreadsheet round trip, Latvian pages
"""

import os
import re
import shutil
import signal
import subprocess
import sys
import time
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parent.parent
GEODATA = ROOT / "geodata" / "jelgava"
JELGAVA_FILES = ["areas.geojson", "settlements.geojson", "buildings.geojson", "sites.geojson", "priority_zones.geojson", "coverage.geojson",
                 "demand.csv", "plan.json", "equipment.csv", "visits.csv"]


def shared_dir() -> Path:
    """../shared beside the repository. Missing: a failure under CI=true
    (CI always has it), a skip elsewhere."""
    d = ROOT.parent / "shared"
    if not d.is_dir():
        if os.environ.get("CI") == "true":
            pytest.fail(f"{d} is missing; CI must provide ../shared")
        pytest.skip(f"{d} is missing")
    return d


def realdata(rel: str) -> Path:
    p = shared_dir() / "realdata" / rel
    if not p.exists():
        pytest.fail(f"{p} is missing from ../shared/realdata")
    return p


def gapmap_bin() -> str:
    b = os.environ.get("GAPMAP_BIN") or str(ROOT / "target" / "release" / "gapmap")
    if not Path(b).exists():
        pytest.fail(f"{b} not built; run `make build` or set GAPMAP_BIN")
    return b


def run_gapmap(*args, check=False, env=None, **kw) -> subprocess.CompletedProcess:
    e = dict(os.environ)
    e.setdefault("RUST_LOG", "warn")
    if env:
        e.update(env)
    p = subprocess.run([gapmap_bin(), *map(str, args)], capture_output=True, text=True, env=e, **kw)
    if check and p.returncode != 0:
        raise AssertionError(f"gapmap {' '.join(map(str, args))} exited {p.returncode}:\n{p.stderr}")
    return p


@pytest.fixture
def gapmap():
    return run_gapmap


@pytest.fixture(scope="session")
def jelgava_store(tmp_path_factory) -> Path:
    """A store holding the embedded dataset, ingested through the CLI."""
    store = tmp_path_factory.mktemp("jelgava") / "jelgava.gpkg"
    run_gapmap("ingest", "--store", store, *[GEODATA / f for f in JELGAVA_FILES], check=True)
    # The open sources in their published formats, as the embedded store applies them.
    run_gapmap("update", "--store", store, "--from-dir", GEODATA / "sources", check=True)
    return store


STAFF_PASSWORD = "a planner's long password"


def add_staff(store: Path) -> str:
    """An editor `planner` in `store` and an API token of theirs: signed-in
    answers give exact counts of residents (anonymous ones publish 1–4 as a
    range and round the rest to 5)."""
    run_gapmap("user", "add", "planner", "--role", "editor", "--password-stdin", "--store", store,
               input=STAFF_PASSWORD + "\n", check=True)
    out = run_gapmap("user", "token", "planner", "--label", "tests", "--store", store, check=True).stdout
    return out.strip().rsplit(" ", 1)[-1]


class Server:
    def __init__(self, proc, url, store):
        self.proc, self.url, self.store = proc, url, store
        self.token = None

    def get(self, path, **kw):
        import requests
        return requests.get(self.url + path, timeout=30, **kw)

    def staff_get(self, path, **kw):
        """A GET signed in with the server's staff token (exact counts)."""
        assert self.token, "this server has no staff token (conftest.add_staff)"
        headers = dict(kw.pop("headers", {}), Authorization=f"Bearer {self.token}")
        return self.get(path, headers=headers, **kw)

    def stop(self):
        if self.proc.poll() is None:
            self.proc.send_signal(signal.SIGTERM)
            try:
                self.proc.wait(10)
            except subprocess.TimeoutExpired:
                self.proc.kill()


def start_server(store: Path, *extra, env=None) -> Server:
    e = dict(os.environ)
    e.setdefault("RUST_LOG", "warn")
    if env:
        e.update(env)
    proc = subprocess.Popen(
        [gapmap_bin(), "serve", "--store", str(store), "--port", "0", *map(str, extra)],
        stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True, env=e,
    )
    deadline = time.time() + 60
    while time.time() < deadline:
        line = proc.stdout.readline()
        m = re.search(r"http://(127\.0\.0\.1:\d+)", line or "")
        if m:
            return Server(proc, "http://" + m.group(1), store)
        if proc.poll() is not None:
            raise AssertionError(f"gapmap serve exited {proc.returncode}: {proc.stderr.read()}")
    proc.kill()
    raise AssertionError("gapmap serve did not print its address within 60 s")


@pytest.fixture
def server_factory():
    servers = []

    def make(store, *extra, env=None):
        s = start_server(store, *extra, env=env)
        servers.append(s)
        return s

    yield make
    for s in servers:
        s.stop()


# GAPMAP_TEST_STORE=postgis: the served dataset lives in PostGIS (a fresh
# database of the cluster GAPMAP_TEST_PG names, filled by `gapmap store
# copy`), and only the tests on that server run (see
# pytest_collection_modifyitems): `make test` runs the suite once per store.
ON_POSTGIS = os.environ.get("GAPMAP_TEST_STORE") == "postgis"


def postgis_database(label: str) -> str:
    """A new empty database in the test cluster; its URL."""
    base = os.environ.get("GAPMAP_TEST_PG")
    if not base:
        pytest.fail("GAPMAP_TEST_STORE=postgis needs GAPMAP_TEST_PG (scripts/with-pg.sh sets it)")
    name = f"{label}_{os.getpid()}_{int(time.time() * 1000) % 10**8}"
    subprocess.run(["psql", "-X", "-q", "-v", "ON_ERROR_STOP=1", base, "-c", f'CREATE DATABASE "{name}"'],
                   check=True, capture_output=True)
    return base.rsplit("/", 1)[0] + "/" + name


def pytest_collection_modifyitems(config, items):
    if not ON_POSTGIS:
        return
    keep = [i for i in items if "jelgava_server" in getattr(i, "fixturenames", ())]
    config.hook.pytest_deselected(items=[i for i in items if i not in keep])
    items[:] = keep


@pytest.fixture(scope="session")
def jelgava_server(jelgava_store, tmp_path_factory):
    if ON_POSTGIS:
        served = postgis_database("served")
        run_gapmap("store", "copy", jelgava_store, served, check=True)
    else:
        served = tmp_path_factory.mktemp("served") / "jelgava.gpkg"
        shutil.copy(jelgava_store, served)
    token = add_staff(served)
    s = start_server(served)
    s.token = token
    yield s
    s.stop()
