"""bench/scale: see run.sh. Run by run.sh inside scripts/with-pg.sh (which
sets GAPMAP_TEST_PG to a throw-away cluster this script also restarts)."""

import datetime
import json
import os
import platform
import statistics
import subprocess
import sys
import threading
import time
from pathlib import Path

import requests

ROOT = Path(__file__).resolve().parents[2]
sys.path.insert(0, str(ROOT / "tests"))
sys.path.insert(0, str(ROOT / "tests" / "postgis"))
from conftest import add_staff, run_gapmap, start_server  # noqa: E402
from pglib import Balancer, health, wait_for  # noqa: E402

WORK = Path(sys.argv[1]).resolve()
RUNS = int(os.environ.get("RUNS", "3"))
EDITS = int(os.environ.get("EDITS", "10"))
BIN = os.environ["GAPMAP_BIN"]
BASE = os.environ["GAPMAP_TEST_PG"]
SITE = os.environ.get("SITE", "library-vilce")


def cluster_dir() -> Path:
    port = BASE.rsplit(":", 1)[1].split("/")[0]
    for d in Path(os.environ.get("TMPDIR", "/tmp")).glob("gapmap-pg.*"):
        if (d / "port").exists() and (d / "port").read_text().strip() == port:
            return d
    raise SystemExit("cannot find the cluster directory of " + BASE)


def pg_ctl(*args):
    d = cluster_dir()
    cmd = ["/usr/lib/postgresql/15/bin/pg_ctl", "-D", str(d / "data"), *args]
    if os.geteuid() == 0:
        cmd = ["runuser", "-u", "postgres", "--", *cmd]
    subprocess.run(cmd, check=True, capture_output=True)


def createdb(name) -> str:
    subprocess.run(["psql", "-X", "-q", BASE, "-c", f'CREATE DATABASE "{name}"'], check=True, capture_output=True)
    return BASE.rsplit("/", 1)[0] + "/" + name


def loadavg():
    return " ".join(f"{x:.2f}" for x in os.getloadavg())


def source_store() -> Path:
    if os.environ.get("STORE"):
        return Path(os.environ["STORE"]).resolve()
    env = dict(os.environ, GAPMAP_DATA_DIR=str(WORK / "data"))
    subprocess.run([BIN, "user", "list"], env=env, check=True, capture_output=True)
    return WORK / "data" / "jelgava.gpkg"


def time_to_healthz(store) -> float:
    t0 = time.monotonic()
    s = start_server(store, "--reload-poll-ms", "500")
    wait_for(lambda: requests.get(s.url + "/healthz", timeout=5).status_code == 200, 300, "healthz")
    took = time.monotonic() - t0
    s.stop()
    return took


def bench_snapshot(gpkg, url):
    rows = {"GeoPackage": [], "PostGIS": []}
    for _ in range(RUNS):
        rows["GeoPackage"].append(time_to_healthz(gpkg))
        rows["PostGIS"].append(time_to_healthz(url))
    return rows


def edit(base, token, phone):
    auth = {"Authorization": f"Bearer {token}"}
    r = requests.get(f"{base}/api/v1/sites/{SITE}", headers=auth, timeout=30)
    if r.status_code != 200:
        return r  # while the store is down, signing in with the token is refused too (503)
    return requests.patch(f"{base}/api/v1/sites/{SITE}", json={"reason": "bench", "properties": {"phone": phone}},
                          headers={**auth, "If-Match": r.headers["ETag"]}, timeout=30)


def bench_propagation(s1, s2, token):
    out = []
    for i in range(EDITS):
        before = health(s2)["snapshot_version"]
        # From before the request: the commit happens inside it, and server 1
        # answers only after its own reload, by when server 2 has often
        # swapped too; so this is an upper bound of commit → serving.
        t0 = time.monotonic()
        r = edit(s1.url, token, f"+371 6{i:07d}")
        assert r.status_code == 200, r.text
        while health(s2)["snapshot_version"] == before:
            if time.monotonic() - t0 > 30:
                raise SystemExit("server 2 did not catch up within 30 s")
            time.sleep(0.005)
        out.append(time.monotonic() - t0)
        time.sleep(0.2)
    return out


PATHS = ["/healthz", "/api/v1/layers", "/ogc/collections/sites/items?limit=5&f=json",
         "/api/v1/nearest?lon=23.6&lat=56.6", "/tiles/sites/8/145/78.mvt", "/"]


def load(url, seconds, threads, event_at=None, event=None):
    stats = {"requests": 0, "errors": [], "lat": []}
    stop = threading.Event()

    def worker(k):
        i = k
        s = requests.Session()
        while not stop.is_set():
            p = PATHS[i % len(PATHS)]
            t0 = time.monotonic()
            try:
                r = s.get(url + p, timeout=30)
                if r.status_code >= 500:
                    stats["errors"].append(f"{r.status_code} {p}")
            except requests.RequestException as e:
                stats["errors"].append(type(e).__name__ + " " + p)
            stats["lat"].append(time.monotonic() - t0)
            stats["requests"] += 1
            i += 1

    ws = [threading.Thread(target=worker, args=(k,)) for k in range(threads)]
    for w in ws:
        w.start()
    if event:
        time.sleep(event_at)
        event()
        time.sleep(seconds - event_at)
    else:
        time.sleep(seconds)
    stop.set()
    for w in ws:
        w.join()
    return stats


def bench_restart(lb, s1, token):
    writes = {"ok": 0, "503": 0, "retry_after": 0, "other": []}
    stop = threading.Event()

    def writer():
        i = 0
        while not stop.is_set():
            i += 1
            try:
                r = edit(s1.url, token, f"+371 2{i:07d}")
                if r.status_code == 200:
                    writes["ok"] += 1
                elif r.status_code == 503:
                    writes["503"] += 1
                    writes["retry_after"] += int("Retry-After" in r.headers)
                else:
                    writes["other"].append(r.status_code)
            except requests.RequestException as e:
                writes["other"].append(repr(e))
            time.sleep(0.1)

    w = threading.Thread(target=writer)
    w.start()

    def restart():
        pg_ctl("-m", "fast", "-w", "stop")
        time.sleep(5)
        d = cluster_dir()
        port = (d / "port").read_text().strip()
        pg_ctl("-l", str(d / "log"), "-w", "-o",
               f"-c listen_addresses=127.0.0.1 -c port={port} -c unix_socket_directories={d} -c fsync=off -c max_connections=200",
               "start")

    reads = load(lb.url, 16, 4, event_at=3, event=restart)
    time.sleep(3)
    stop.set()
    w.join()
    return reads, writes


def audit_count(url, reason="bench"):
    out = subprocess.run(["psql", "-X", "-At", url, "-c",
                          f"SELECT count(*) FROM gapmap_audit WHERE reason = '{reason}' AND action = 'update'"],
                         check=True, capture_output=True, text=True).stdout
    return int(out.strip())


def main():
    gpkg = source_store()
    url = createdb(f"scale_{os.getpid()}")
    t0 = time.monotonic()
    run_gapmap("store", "copy", gpkg, url, check=True)
    copy_s = time.monotonic() - t0
    token = add_staff(url)
    la0 = loadavg()
    snap = bench_snapshot(gpkg, url)
    servers = [start_server(url, "--reload-poll-ms", "500") for _ in range(2)]
    s1, s2 = servers
    lb = Balancer(WORK, servers)
    try:
        prop = bench_propagation(s1, s2, token)
        before_restart = audit_count(url)
        reads, writes = bench_restart(lb, s1, token)
        wait_for(lambda: health(s2)["status"] == "ok", 30, "server 2 reachable")
        after_restart = audit_count(url)
        soak = load(lb.url, 20, 8, event_at=10, event=lambda: s1.proc.kill())
    finally:
        lb.stop()
        for s in servers:
            s.stop()
    la1 = loadavg()
    report(gpkg, copy_s, snap, prop, soak, reads, writes, after_restart - before_restart, la0, la1)


def report(gpkg, copy_s, snap, prop, soak, reads, writes, audited, la0, la1):
    med = statistics.median
    lines = [
        f"## Run {datetime.datetime.now(datetime.timezone.utc):%Y-%m-%d %H:%MZ}", "",
        f"Command: `{' '.join(sys.argv)}` via `bench/scale/run.sh` (RUNS={RUNS}, EDITS={EDITS}); store `{gpkg}`; "
        f"`gapmap store copy` GeoPackage → PostGIS took {copy_s:.2f} s.", "",
        "| measure | GeoPackage | PostGIS | target |", "|---|---:|---:|---|",
        f"| start → /healthz (first snapshot), median of {RUNS} | {med(snap['GeoPackage']):.2f} s | {med(snap['PostGIS']):.2f} s | — |", "",
        "| measure | value | target | verdict |", "|---|---:|---|---|",
        f"| edit sent to server 1 (GET for the ETag, PATCH, commit) → new snapshot serving on server 2, median / max of {len(prop)} | {med(prop):.3f} s / {max(prop):.3f} s | ≤ 1 s | {'PASS' if max(prop) <= 1 else 'FAIL'} |",
        f"| soak through haproxy, server 1 killed at 10 s of 20 s: requests / errors | {soak['requests']} / {len(soak['errors'])} | 0 errors | {'PASS' if not soak['errors'] else 'FAIL'} |",
        f"| PostgreSQL stopped 5 s under load: reads / read errors | {reads['requests']} / {len(reads['errors'])} | 0 errors | {'PASS' if not reads['errors'] else 'FAIL'} |",
        f"| … writes: 200 / 503 (with Retry-After) / other | {writes['ok']} / {writes['503']} ({writes['retry_after']}) / {len(writes['other'])} | 503 with Retry-After, none other | {'PASS' if not writes['other'] and writes['503'] == writes['retry_after'] else 'FAIL'} |",
        f"| … writes answered 200 found in the audit log | {audited} of {writes['ok']} | all | {'PASS' if audited == writes['ok'] else 'FAIL'} |",
        "",
        f"Errors seen (first 5): soak {soak['errors'][:5]}; reads {reads['errors'][:5]}; writes {writes['other'][:5]}.",
        f"Load average before/after: {la0} / {la1}. Machine: {os.cpu_count()} CPUs, {platform.platform()}.",
        f"Versions: `{subprocess.run([BIN, '--version'], capture_output=True, text=True).stdout.strip()}`, "
        f"`{subprocess.run(['psql', '--version'], capture_output=True, text=True).stdout.strip()}`, "
        f"`{subprocess.run(['haproxy', '-v'], capture_output=True, text=True).stdout.splitlines()[0]}`.", "",
    ]
    text = "\n".join(lines)
    print(text)
    out = ROOT / "bench" / "results" / f"scale-{datetime.date.today():%Y-%m-%d}.md"
    if not out.exists():
        out.write_text("# Scale benchmark (issue 24)\n\nWritten by `bench/scale/run.sh`. One section per run.\n\n")
    with out.open("a") as f:
        f.write(text + "\n")


if __name__ == "__main__":
    main()
