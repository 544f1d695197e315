"""Failure drills (issue 14), each against the real binary:

- the store's disk fills during an ingest: a tmpfs just larger than the store
  (mounted as root; where mount is not allowed, RLIMIT_FSIZE with SIGXFSZ
  ignored stands in, and the test says which) — the ingest fails with a clear
  message, the store is as it was, and a server on it keeps serving;
- a store truncated or corrupted before start: a clear error naming the file,
  exit status 1, no panic;
- SIGTERM during an ingest (the store as it was) and during long exports (the
  CLI leaves no file and no partial file; the server finishes the download it
  is sending or the client sees it cut short by Content-Length);
- slowloris: slow connections holding heads open while others are served, and
  closed by the server after its request-head timeout;
- the config file with unknown keys, bad types, and missing.
"""

import hashlib
import os
import resource
import shutil
import signal
import socket
import sqlite3
import subprocess
import time
from pathlib import Path

import pytest
import requests

from conftest import gapmap_bin, run_gapmap, start_server


def layer_state(store: Path) -> dict:
    """Row count and content hash of every feature table."""
    con = sqlite3.connect(f"file:{store}?mode=ro", uri=True)
    try:
        out = {}
        for (t,) in con.execute("SELECT table_name FROM gpkg_contents ORDER BY table_name"):
            h = hashlib.sha256()
            n = 0
            for row in con.execute(f'SELECT * FROM "{t}" ORDER BY 1'):
                h.update(repr(row).encode())
                n += 1
            out[t] = (n, h.hexdigest())
        assert con.execute("PRAGMA integrity_check").fetchone()[0] == "ok"
        return out
    finally:
        con.close()


@pytest.fixture(scope="module")
def synth(tmp_path_factory):
    """A municipality-sized synthetic demand file (≈ 7,000 points, 1 MB)."""
    d = tmp_path_factory.mktemp("synth")
    run_gapmap("synth", "--scale", "municipality", "--out", d, check=True)
    return d


def try_tmpfs(path: Path, size_bytes: int) -> bool:
    path.mkdir(parents=True, exist_ok=True)
    if os.geteuid() != 0:
        return False
    p = subprocess.run(["mount", "-t", "tmpfs", "-o", f"size={size_bytes}", "tmpfs", str(path)],
                       capture_output=True)
    return p.returncode == 0


def test_disk_full_during_ingest(jelgava_store, synth, tmp_path, capsys):
    mnt = tmp_path / "small"
    size = jelgava_store.stat().st_size
    mounted = try_tmpfs(mnt, size + 400 * 1024)
    try:
        store = mnt / "store.gpkg"
        shutil.copy(jelgava_store, store)
        before = layer_state(store)
        server = start_server(store, "--reload-poll-ms", "200")
        try:
            v0 = server.get("/healthz").json()["snapshot_version"]
            limit = {}
            if not mounted:
                # Fallback: files may not grow past the store's size + 400 KB.
                def limit_fsize():
                    signal.signal(signal.SIGXFSZ, signal.SIG_IGN)
                    resource.setrlimit(resource.RLIMIT_FSIZE, (size + 400 * 1024,) * 2)
                limit = {"preexec_fn": limit_fsize}
            with capsys.disabled():
                print(f"\ndisk-full drill on {'a tmpfs of the store size + 400 KB' if mounted else 'RLIMIT_FSIZE'}")
            e = dict(os.environ, RUST_LOG="warn")
            p = subprocess.run([gapmap_bin(), "ingest", "--store", store, "--mode", "replace", "--layer", "demand",
                                synth / "demand.csv"], capture_output=True, text=True, env=e, timeout=300, **limit)
            assert p.returncode == 1, (p.returncode, p.stderr[-1000:])
            assert "panicked" not in p.stderr
            low = p.stderr.lower()
            assert ("full" in low or "disk" in low or "too large" in low) and str(store) in p.stderr, p.stderr[-800:]
            assert layer_state(store) == before
            time.sleep(0.6)
            assert server.get("/healthz").json()["snapshot_version"] == v0
            assert server.get("/api/v1/gaps/summary").status_code == 200
        finally:
            server.stop()
    finally:
        if mounted:
            subprocess.run(["umount", "-l", str(mnt)], check=False)


@pytest.mark.parametrize("damage", ["truncated", "garbage_header", "garbage_pages", "empty"])
def test_damaged_store_is_a_clear_error(jelgava_store, tmp_path, damage):
    store = tmp_path / f"{damage}.gpkg"
    data = jelgava_store.read_bytes()
    if damage == "truncated":
        data = data[: len(data) // 3]
    elif damage == "garbage_header":
        data = b"\xde\xad\xbe\xef" * 25 + data[100:]
    elif damage == "garbage_pages":
        data = data[:8192] + bytes((b * 7 + 13) % 256 for b in data[8192:200_000]) + data[200_000:]
    else:
        data = b""
    store.write_bytes(data)
    for args in (["serve", "--store", store, "--port", "0"],
                 ["export", "--store", store, "--layer", "sites", "--format", "csv", "--out", tmp_path / "o.csv"]):
        p = run_gapmap(*args, timeout=120)
        assert p.returncode == 1, (damage, args[0], p.returncode, p.stderr[-800:])
        assert "panicked" not in p.stderr and str(store) in p.stderr, (damage, args[0], p.stderr[-800:])
        assert not (tmp_path / "o.csv").exists()


def test_sigterm_during_ingest_leaves_the_store_as_it_was(jelgava_store, synth, tmp_path):
    store = tmp_path / "store.gpkg"
    for delay in (0.2, 0.5, 0.9):
        shutil.copy(jelgava_store, store)
        before = layer_state(store)
        p = subprocess.Popen([gapmap_bin(), "ingest", "--store", store, "--mode", "replace", "--layer", "demand",
                              synth / "demand.csv"], stdout=subprocess.PIPE, stderr=subprocess.PIPE)
        time.sleep(delay)
        p.send_signal(signal.SIGTERM)
        p.wait(60)
        # Killed inside its transaction, the ingest leaves a hot rollback
        # journal: the next read-write open (the server, QGIS) rolls it
        # back, a read-only one refuses ("attempt to write a readonly
        # database"), so open it as they do before comparing.
        rw = sqlite3.connect(store)
        rw.execute("SELECT count(*) FROM gpkg_contents").fetchone()
        rw.close()
        after = layer_state(store)
        # Either the ingest committed before the signal, or nothing changed.
        assert after == before or after["demand"][0] == 6926, (delay, p.returncode)
    # The store opens and serves after all this.
    s = start_server(store)
    try:
        assert s.get("/api/v1/layers").status_code == 200
    finally:
        s.stop()


def test_sigterm_during_a_cli_export_leaves_no_file(jelgava_store, tmp_path):
    out = tmp_path / "tiles.pmtiles"
    for delay in (0.3, 1.0, 2.0):
        p = subprocess.Popen([gapmap_bin(), "export", "--store", jelgava_store, "--format", "pmtiles", "--out", out],
                             stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True)
        time.sleep(delay)
        p.send_signal(signal.SIGTERM)
        _, err = p.communicate(timeout=120)
        assert "panicked" not in err
        leftovers = [f.name for f in tmp_path.iterdir() if f.name.endswith(".partial")]
        assert not leftovers, leftovers
        if out.exists():  # it had finished: then the file is whole
            assert p.returncode == 0 and out.read_bytes()[:7] == b"PMTiles"
            out.unlink()
        else:
            assert p.returncode != 0


def test_sigterm_during_a_download_ends_cleanly(jelgava_store, tmp_path):
    store = tmp_path / "s.gpkg"
    shutil.copy(jelgava_store, store)
    s = start_server(store)
    whole = requests.get(s.url + "/export/coverage.geojson", timeout=60).content
    r = requests.get(s.url + "/export/coverage.geojson", stream=True, timeout=60)
    got = r.raw.read(10_000)
    s.proc.send_signal(signal.SIGTERM)
    try:
        for chunk in r.iter_content(16_384):
            got += chunk
            time.sleep(0.01)
        complete = True
    except (requests.exceptions.ChunkedEncodingError, requests.exceptions.ConnectionError):
        complete = False
    declared = int(r.headers["content-length"])
    # Graceful shutdown finishes the response; if it could not, the client
    # knows from Content-Length: never a shorter body taken for a whole one.
    assert (complete and got == whole and len(got) == declared) or (not complete and len(got) < declared)
    assert s.proc.wait(40) is not None
    assert "panicked" not in s.proc.stderr.read()


def test_slowloris_does_not_stop_others_and_is_cut_off(jelgava_server):
    host, port = jelgava_server.url.removeprefix("http://").split(":")
    slow = []
    # 50: under the per-peer cap (64), so the probe below, from the same
    # address, still gets a connection; tests/reliability/test_drill.py
    # holds 2,000 from one address against a probe from another.
    for _ in range(50):
        c = socket.create_connection((host, int(port)), timeout=30)
        c.sendall(b"GET /api/v1/layers HTTP/1.1\r\nHost: x\r\n")
        slow.append(c)
    started = time.time()
    worst = 0.0
    while time.time() - started < 6:
        for c in slow:
            try:
                c.sendall(b"X-a: b\r\n")  # a header line now and then, never the end
            except OSError:
                pass
        t = time.time()
        r = requests.get(jelgava_server.url + "/api/v1/nearest?lon=23.7&lat=56.6", timeout=10)
        worst = max(worst, time.time() - t)
        assert r.status_code == 200
        time.sleep(0.5)
    assert worst < 2.0, worst
    # After the request-head timeout (10 s) the server has answered 408 or closed them.
    time.sleep(6)
    closed = 0
    for c in slow:
        c.settimeout(5)
        try:
            data = c.recv(4096)
            closed += (data == b"" or data.startswith(b"HTTP/1.1 408"))
        except (ConnectionResetError, socket.timeout):
            closed += 0
        finally:
            c.close()
    assert closed == len(slow), closed


@pytest.mark.parametrize("text,want", [
    ("[server]\nprot = 9000\n", ["unknown field `prot`", "line 2"]),
    ("[server]\nport = \"eighty\"\n", ["port", "line 2"]),
    ("[server]\nport = 99999\n", ["port", "line 2"]),
    ("[thresholds]\nnear_m = \"far\"\n", ["near_m"]),
    ("[serverr]\n", ["unknown field `serverr`"]),
    ("[server\nport = 1\n", ["line 1"]),
    ("[server]\npublic_url = \"karte.example.lv\"\n", ["public_url"]),
])
def test_config_file_errors_name_file_and_key(jelgava_store, tmp_path, text, want):
    cfg = tmp_path / "gapmap.toml"
    cfg.write_text(text)
    p = run_gapmap("serve", "--store", jelgava_store, "--port", "0", "--config", cfg, timeout=60)
    assert p.returncode == 64, (p.returncode, p.stderr)
    assert "panicked" not in p.stderr
    if "public_url" not in text:
        assert str(cfg) in p.stderr, p.stderr
    for w in want:
        assert w in p.stderr, (w, p.stderr)


def test_missing_config_file(jelgava_store, tmp_path):
    p = run_gapmap("serve", "--store", jelgava_store, "--port", "0", "--config", tmp_path / "nope.toml", timeout=60)
    assert p.returncode == 64 and str(tmp_path / "nope.toml") in p.stderr and "panicked" not in p.stderr
