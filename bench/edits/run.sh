#!/usr/bin/env bash
# Edits under load (issue 15): reads at full rate on one gapmap server, first
# alone, then while an editor commits one edit a second through the API; then
# a flood of resident reports from one address while another address reports.
# Not a timed test and no peer: it checks that edits do not break or slow the
# reads, that every committed edit is visible at once, and that the report
# rate limit holds one client back without locking out another.
#
#   bench/edits/run.sh      (DURATION=300 CONNS=4 WARMUP=10 FLOOD=20 GAPMAP_BIN=…)
#
# 1. builds target/release/gapmap (or takes GAPMAP_BIN) and copies it to
#    bench/work/edits/gapmap;
# 2. ingests the embedded Jelgavas novads dataset into bench/work/edits/store.gpkg,
#    adds an editor (`gapmap user add bench-editor --role editor
#    --password-stdin`) with an API token (`gapmap user token … --label
#    bench`), and serves the store on a free 127.0.0.1 port (polled every
#    500 ms);
# 3. four closed-loop read streams at once, one `wrk -t1 -cCONNS` each, every
#    one cycling its own list of paths (bench/tiles/paths.lua) — the soak's
#    lists without the exports:
#    gap      /api/v1/gaps/{summary,parishes,grid,clusters}, default and other thresholds
#    nearest  /api/v1/nearest and /api/v1/coverage at 200 seeded points in the municipality
#    tiles    /tiles/{sites,parishes,coverage,gap_grid}/z/x/y.mvt, z6–z13 over the dataset
#    ogc      /ogc/collections/{sites,demand_grid,coverage}/items pages and bbox queries
#    after a WARMUP-second pass that is not recorded;
#    phase A: DURATION s of the four streams, no edits;
#    phase B: DURATION s of the same streams while an editor, once a second,
#    PATCHes /api/v1/sites/library-vilce with `Authorization: Bearer TOKEN`,
#    `If-Match: ETAG` and {"reason":"bench edit N","properties":{"router_year":Y}}
#    (Y = 2021 or 2022, whichever the site does not have, so every edit
#    changes something) and at once GETs the site: the edit is visible when
#    it shows Y and the ETag the PATCH answered (the next edit's If-Match),
#    and when the first /api/v1/layers read after the answer (polled every
#    0.5 s by a second client) has its snapshot_version or a later one; edits
#    wait for each other, so one answered late delays the next;
# 4. report flood: one client on 127.0.0.1 POSTs /api/v1/reports
#    ({"kind":"wifi_not_working","site_id":"library-vilce","text":"bench"}) as
#    fast as it can for FLOOD s over one keep-alive connection and counts 201s
#    and 429s; half-way through, `curl --interface 127.0.0.2` posts one
#    report from another address (the server keys its limit — 5 at once, then
#    one per 120 s — by peer address, no trusted proxies configured), which
#    must get 201;
# 5. prints and appends to bench/results/edits-YYYY-MM-DD.md: per group and
#    phase requests/s, p50, p99, max and errors (connect, read, write,
#    non-2xx/3xx status, timeouts); the edits committed, failed and visible;
#    the flood's counts; PASS/FAIL for zero read errors in each phase, for
#    read p99 with edits ≤ 1.5 × without (per group), for the edit pace
#    (≥ 95 % of DURATION edits), for every edit committed and visible, and
#    for the rate limit.
# Exit status: 0 when the bench ran (whatever the verdict), non-zero when a
# step failed (build, server not starting, 127.0.0.2 not usable).
#
# The issue suggests a load tool from crates.io such as oha; this uses
# Debian's wrk like the soak (one closed-loop stream per route group, the same
# path lists and JSON summary).
set -euo pipefail

ROOT=$(cd "$(dirname "${BASH_SOURCE[0]}")/../.." && pwd)
cd "$ROOT"
BENCH=edits
. bench/lib.sh

DURATION=${DURATION:-300}
CONNS=${CONNS:-4}
WARMUP=${WARMUP:-10}
FLOOD=${FLOOD:-20}
SITE=library-vilce
WORK=bench/work/edits
LOGS=$WORK/logs
RESULTS_DIR=bench/results
ROUTES=(gap nearest tiles ogc)
mkdir -p "$LOGS" "$RESULTS_DIR"
rm -f "$LOGS"/*.log "$WORK"/*.json

command -v wrk >/dev/null || apt_install wrk || die "needs Debian's wrk"
command -v curl >/dev/null || die "needs curl"
build_gapmap
BIN_SHA=$(sha256sum "$BIN" | cut -c1-16)
# compiles running on the machine (rustc processes), recorded with the load
compiles() { ps -e -o comm= | grep -c '^rustc$' || true; }

say "store: the embedded dataset, an editor and its API token"
STORE=$WORK/store.gpkg
rm -f "$STORE" "$STORE"-wal "$STORE"-shm "$STORE"-journal
"$BIN" ingest --store "$STORE" geodata/jelgava/{areas.geojson,settlements.geojson,sites.geojson,priority_zones.geojson,coverage.geojson,demand.csv,plan.json} >"$LOGS/ingest.log" 2>&1
printf '%s\n' "bench-edits-$(date +%s)-password" | "$BIN" user add bench-editor --role editor --password-stdin --store "$STORE" >"$LOGS/user.log" 2>&1
TOKEN=$("$BIN" user token bench-editor --label bench --store "$STORE" 2>>"$LOGS/user.log" | awk 'END{print $NF}')
case "$TOKEN" in gmt_*) ;; *) die "no API token from gapmap user token (see $LOGS/user.log)" ;; esac

PORT=$(free_port)
URL=http://127.0.0.1:$PORT
RUST_LOG=warn "$BIN" serve --store "$STORE" --port "$PORT" --reload-poll-ms 500 >"$LOGS/serve.log" 2>&1 &
SERVER=$!
EDITOR=""
FLOODER=""
cleanup() {
  for p in $EDITOR $FLOODER $SERVER; do kill "$p" 2>/dev/null || true; done
  wait 2>/dev/null || true
}
trap cleanup EXIT
wait_http "$URL/healthz" "$LOGS/serve.log" "gapmap serve"
curl -fsS --interface 127.0.0.2 -o /dev/null "$URL/healthz" \
  || die "cannot reach the server from 127.0.0.2 (curl --interface 127.0.0.2); the report-flood check needs a second loopback address"

say "paths"
python3 bench/soak/read_paths.py "$URL" "$WORK" "${ROUTES[@]}"

# reads PHASE SECONDS: the four wrk streams at once, into $LOGS/wrk-PHASE-ROUTE.log
reads() {
  local phase=$1 secs=$2 pids=() r
  for r in "${ROUTES[@]}"; do
    wrk -t1 -c"$CONNS" -d"${secs}s" --timeout 30s -s bench/tiles/paths.lua "$URL" -- "$WORK/$r.paths" 1 \
      >"$LOGS/wrk-$phase-$r.log" 2>&1 &
    pids+=($!)
  done
  wait "${pids[@]}"
}

say "warm-up: ${WARMUP}s of the four streams (not recorded)"
reads warmup "$WARMUP"
sleep 2

say "phase A: ${#ROUTES[@]} streams of wrk -t1 -c$CONNS for ${DURATION}s, no edits"
START=$(date -u +%FT%TZ)
LOAD_A0=$(loadavg); RUSTC_A0=$(compiles)
reads A "$DURATION"
LOAD_A1=$(loadavg); RUSTC_A1=$(compiles)
sleep 2

say "phase B: the same streams for ${DURATION}s, one edit a second through the API"
python3 - "$URL" "$SITE" "$TOKEN" "$DURATION" "$WORK/edits.json" >"$LOGS/editor.log" 2>&1 <<'PY' &
import json, re, sys, threading, time, urllib.error, urllib.request
url, site, token, duration, out = sys.argv[1], sys.argv[2], sys.argv[3], float(sys.argv[4]), sys.argv[5]

def call(method, path, body=None, headers=None):
    """(status, headers, parsed JSON body or None); never raises on HTTP status."""
    data = json.dumps(body).encode() if body is not None else None
    req = urllib.request.Request(url + path, data=data, method=method, headers=headers or {})
    if data is not None:
        req.add_header("Content-Type", "application/json")
    try:
        with urllib.request.urlopen(req, timeout=30) as r:
            return r.status, r.headers, json.loads(r.read() or b"null")
    except urllib.error.HTTPError as e:
        return e.code, e.headers, None
    except Exception as e:  # socket errors, timeouts
        return f"error: {type(e).__name__}", {}, None

def rev(v):
    m = re.search(r"-r(\d+)$", v or "")
    return int(m.group(1)) if m else None

t0 = time.monotonic()
now = lambda: time.monotonic() - t0

# /api/v1/layers polled all along: (time the request started, snapshot_version)
samples, stop = [], threading.Event()
def poll():
    while True:
        t = now()
        st, _, j = call("GET", "/api/v1/layers")
        if st == 200:
            samples.append((t, j["snapshot_version"]))
        if stop.is_set():
            return
        time.sleep(0.5)
poller = threading.Thread(target=poll)
poller.start()

def read_site():
    st, h, feat = call("GET", f"/api/v1/sites/{site}")
    return (h["ETag"], feat["properties"].get("router_year")) if st == 200 else (None, None)

# One edit a second (edit n due at t0 + n - 1 s; a late one goes at once),
# each PATCH followed at once by a GET of the site: the edit is visible when
# it shows the new value and the ETag the PATCH answered with.
edits = []
etag, year_now = read_site()
n = 0
while now() < duration:
    due = n
    if due > now():
        time.sleep(due - now())
        if now() >= duration:
            break
    n += 1
    e = {"n": n, "t": round(now(), 3), "lag_s": round(now() - due, 3)}
    if etag is None:
        etag, year_now = read_site()
        if etag is None:
            e.update(status="GET site failed", committed=False)
            edits.append(e); print(json.dumps(e), flush=True); continue
    year = 2022 if year_now == 2021 else 2021
    body = {"reason": f"bench edit {n}", "properties": {"router_year": year}}
    t = now()
    st, h, ans = call("PATCH", f"/api/v1/sites/{site}", body,
                      {"Authorization": f"Bearer {token}", "If-Match": etag})
    e.update(patch_ms=round((now() - t) * 1000, 1), status=st, year=year, committed=st == 200)
    if st == 200:
        e["done_t"] = round(now(), 3)
        e["answer_version"] = ans.get("snapshot_version")
        etag2, year2 = read_site()
        e["shows_value"] = year2 == year and etag2 == h.get("ETag")
        etag, year_now = etag2, year2
    else:
        etag, year_now = read_site()
    edits.append(e)
    print(json.dumps(e), flush=True)
time.sleep(0.5)
stop.set()
poller.join()

# the first /api/v1/layers read that started after each commit must carry
# the commit's snapshot (or a later one)
for e in edits:
    if not e["committed"]:
        continue
    after = next((v for t, v in samples if t > e["done_t"]), None)
    e["layers_after"] = after
    ra, rs = rev(e["answer_version"]), rev(after)
    e["version_advanced"] = after is not None and (rs >= ra if ra is not None and rs is not None else after == e["answer_version"])
    e["visible"] = e["shows_value"] and e["version_advanced"]
json.dump({"duration": duration, "edits": edits, "first_version": samples[0][1] if samples else None,
           "last_version": samples[-1][1] if samples else None, "layers_reads": len(samples)}, open(out, "w"))
PY
EDITOR=$!
LOAD_B0=$(loadavg); RUSTC_B0=$(compiles)
reads B "$DURATION"
wait "$EDITOR" || die "the editor failed (see $LOGS/editor.log)"
EDITOR=""
LOAD_B1=$(loadavg); RUSTC_B1=$(compiles)
sleep 2

say "report flood: 127.0.0.1 for ${FLOOD}s, one report from 127.0.0.2 half-way"
python3 - "$PORT" "$FLOOD" "$WORK/flood.json" >"$LOGS/flood.log" 2>&1 <<'PY' &
import collections, http.client, json, sys, time
port, secs, out = int(sys.argv[1]), float(sys.argv[2]), sys.argv[3]
body = json.dumps({"kind": "wifi_not_working", "site_id": "library-vilce", "text": "bench"})
hdr = {"Content-Type": "application/json"}
counts = collections.Counter()
conn = None
end = time.monotonic() + secs
while time.monotonic() < end:
    try:
        if conn is None:
            conn = http.client.HTTPConnection("127.0.0.1", port, timeout=30, source_address=("127.0.0.1", 0))
        conn.request("POST", "/api/v1/reports", body, hdr)
        r = conn.getresponse()
        r.read()
        counts[str(r.status)] += 1
        if r.will_close:
            conn.close(); conn = None
    except Exception as e:
        counts[f"error {type(e).__name__}"] += 1
        conn = None
json.dump({"seconds": secs, "counts": counts}, open(out, "w"))
print(dict(counts))
PY
FLOODER=$!
sleep "$(awk "BEGIN{print $FLOOD/2}")"
OTHER=$(curl -sS --interface 127.0.0.2 -o "$LOGS/other-client.json" -w '%{http_code}' -X POST "$URL/api/v1/reports" \
  -H 'Content-Type: application/json' -d '{"kind":"wifi_not_working","site_id":"library-vilce","text":"bench"}' || echo "curl failed")
wait "$FLOODER" || die "the report flood failed (see $LOGS/flood.log)"
FLOODER=""

say "results"
OUT=$RESULTS_DIR/edits-$(date -u +%F).md
python3 - "$LOGS" "$WORK" "$DURATION" "$CONNS" "$WARMUP" "$FLOOD" "$START" \
  "$LOAD_A0" "$LOAD_A1" "$LOAD_B0" "$LOAD_B1" "$RUSTC_A0" "$RUSTC_A1" "$RUSTC_B0" "$RUSTC_B1" \
  "$G_VER" "$COMMIT" "$BUILD_NOTE" "$BIN_SHA" "$(wrk -v 2>&1 | head -n 1)" "$(curl --version | head -n 1 | cut -d' ' -f1-2)" \
  "$(python3 --version)" "$(nproc)" "$(cpu_model)" \
  "$OTHER" "$SITE" >"$WORK/table.md" <<'PY'
import json, sys
sys.path.insert(0, "bench/soak")
import wrk_summary
(logs, work, dur, conns, warmup, flood, start, la0, la1, lb0, lb1, ra0, ra1, rb0, rb1,
 gver, commit, build, sha, wrkv, curlv, pyv, nproc, cpu, other, site) = sys.argv[1:]
groups = ["gap", "nearest", "tiles", "ogc"]

def wrk(phase, r):
    return wrk_summary.read(f"{logs}/wrk-{phase}-{r}.log")

def pct(xs, p):
    xs = sorted(xs)
    return xs[min(len(xs) - 1, int(round(p / 100 * (len(xs) - 1))))] if xs else float("nan")

rows, detail, verdict_p99 = [], [], []
err_a = err_b = 0
failed_wrk = []
for r in groups:
    a, fa = wrk("A", r)
    b, fb = wrk("B", r)
    if a is None or b is None:
        failed_wrk.append(f"{r}: {fa or fb}")
        err_a += a is None; err_b += b is None
        rows.append(f"| {r} | wrk failed | | | | | | | | | FAIL |")
        verdict_p99.append((r, False))
        continue
    err_a += a["errors"]; err_b += b["errors"]
    ratio = b["p99_us"] / a["p99_us"] if a["p99_us"] else float("inf")
    ok = ratio <= 1.5
    verdict_p99.append((r, ok))
    rows.append(f"| {r} | {a['rps']:.0f} | {a['p50_us']/1000:.2f} | {a['p99_us']/1000:.2f} | {a['errors']} | "
                f"{b['rps']:.0f} | {b['p50_us']/1000:.2f} | {b['p99_us']/1000:.2f} | {b['errors']} | "
                f"{ratio:.2f} | {'PASS' if ok else 'FAIL'} |")
    for ph, j in (("A", a), ("B", b)):
        detail.append(f"| {r} | {ph} | {j['requests']:,} | {j['rps']:.0f} | {j['p50_us']/1000:.2f} | "
                      f"{j['p90_us']/1000:.2f} | {j['p99_us']/1000:.2f} | {j['max_us']/1000:.1f} | {wrk_summary.errors(j)} |")

ed = json.load(open(f"{work}/edits.json"))
edits = ed["edits"]
committed = [e for e in edits if e.get("committed")]
failed = [e for e in edits if not e.get("committed")]
visible = [e for e in committed if e.get("visible")]
fail_kinds = {}
for e in failed:
    fail_kinds[str(e.get("status"))] = fail_kinds.get(str(e.get("status")), 0) + 1
patch_ms = [e["patch_ms"] for e in committed]
shows = sum(1 for e in committed if e.get("shows_value"))
advanced = sum(1 for e in committed if e.get("version_advanced"))
late = sum(1 for e in edits if e["lag_s"] > 1.0)
max_lag = max((e["lag_s"] for e in edits), default=0)
fl = json.load(open(f"{work}/flood.json"))
fc = fl["counts"]
f201, f429 = fc.get("201", 0), fc.get("429", 0)
f_other = {k: v for k, v in fc.items() if k not in ("201", "429")}
limit_ok = f429 > 0 and f201 <= 6 and not f_other  # burst 5, one more per 120 s
other_ok = other.strip() == "201"

print(f"## edits {start}\n")
print(f"- command: `DURATION={dur} CONNS={conns} WARMUP={warmup} FLOOD={flood} bench/edits/run.sh`")
print(f"- gapmap: {gver}, commit {commit}; {build}; binary sha256 {sha}…")
print(f"- load generator: {wrkv} (Debian's wrk, not oha as the issue suggests — the soak's tool and path lists), "
      f"four streams of `wrk -t1 -c{conns}` at once (closed loop: as fast as the server answers), "
      f"after a {warmup} s warm-up pass; editor and report clients: {pyv} (urllib, http.client), {curlv}")
print(f"- machine: {nproc} CPUs, {cpu}; load average phase A before {la0}, after {la1}; "
      f"phase B before {lb0}, after {lb1}; rustc processes running (other worktrees compiling) "
      f"A {ra0}→{ra1}, B {rb0}→{rb1} — the machine was {'shared with compiles' if max(map(int, (ra0, ra1, rb0, rb1))) > 0 else 'not compiling at the samples, but shared'}")
print(f"- phase A: {dur} s of reads alone; phase B: {dur} s of the same reads while the editor PATCHes "
      f"`/api/v1/sites/{site}` once a second (`router_year` 2021 ⇄ 2022, Bearer token, If-Match)\n")
print("| group | A req/s | A p50 ms | A p99 ms | A errors | B req/s | B p50 ms | B p99 ms | B errors | p99 B/A | B p99 ≤ 1.5 × A |")
print("|---|---:|---:|---:|---:|---:|---:|---:|---:|---:|---|")
print("\n".join(rows))
if failed_wrk:
    print("\nwrk failed: " + "; ".join(failed_wrk))
print("\nPer phase (errors: total (connect/read/write/status/timeout); status = not 2xx/3xx):\n")
print("| group | phase | requests | req/s | p50 ms | p90 ms | p99 ms | max ms | errors |")
print("|---|---|---:|---:|---:|---:|---:|---:|---|")
print("\n".join(detail))
print(f"\nEdits in phase B: {len(edits)} attempted in {ed['duration']:.0f} s ({len(edits) / ed['duration']:.2f}/s; "
      f"{late} started more than 1 s after their second, the latest {max_lag:.1f} s late), "
      f"{len(committed)} committed (200), {len(failed)} failed"
      + (f" ({', '.join(f'{k}: {v}' for k, v in sorted(fail_kinds.items()))})" if failed else "")
      + f"; {len(visible)} of the committed visible at once ({shows} read back at once with the new `router_year` "
      f"and the ETag the PATCH answered; {advanced} with the first `/api/v1/layers` read started after the answer "
      f"carrying its snapshot_version or a later one — {ed['layers_reads']} layers reads, "
      f"{ed['first_version']} → {ed['last_version']})"
      + (f"; PATCH round trip p50 {pct(patch_ms, 50):.0f} ms, p99 {pct(patch_ms, 99):.0f} ms, max {max(patch_ms):.0f} ms" if patch_ms else "")
      + ".")
print(f"\nReport flood: 127.0.0.1 posted {sum(fc.values()):,} reports in {fl['seconds']:.0f} s over one keep-alive "
      f"connection: {f201} × 201, {f429} × 429"
      + (f", other: {f_other}" if f_other else "")
      + f"; one report from 127.0.0.2 half-way through (curl --interface 127.0.0.2): {other}.")
ok_a, ok_b = err_a == 0, err_b == 0
ok_edits = len(committed) > 0 and not failed and len(visible) == len(committed)
print("\nVerdicts:\n")
print(f"- zero read errors without edits (A): {'PASS' if ok_a else 'FAIL'} ({err_a} errors)")
print(f"- zero read errors with edits (B): {'PASS' if ok_b else 'FAIL'} ({err_b} errors)")
for r, ok in verdict_p99:
    print(f"- {r}: read p99 with edits ≤ 1.5 × without: {'PASS' if ok else 'FAIL'}")
pace_ok = len(edits) >= 0.95 * ed["duration"]
print(f"- the editor kept one edit a second (≥ 95 % of {ed['duration']:.0f} edits in the phase): "
      f"{'PASS' if pace_ok else 'FAIL'} ({len(edits)} edits; each waits for the previous PATCH's answer)")
print(f"- every edit committed and visible at once: {'PASS' if ok_edits else 'FAIL'} "
      f"({len(committed)}/{len(edits)} committed, {len(visible)} visible)")
print(f"- report flood limited (429s, at most 5 + 1 accepted): {'PASS' if limit_ok else 'FAIL'} ({f201} × 201, {f429} × 429)")
print(f"- another address still reports during the flood (201): {'PASS' if other_ok else 'FAIL'} ({other})\n")
PY
cat "$WORK/table.md"
cat "$WORK/table.md" >>"$OUT"
say "appended to $OUT"
