#!/usr/bin/env bash
# Soak (issue 14): a mixed read load on one gapmap server for DURATION
# seconds (default 600) at the highest rate the machine sustains, with a
# store change and snapshot reload every RELOAD_EVERY seconds (default 30).
# Not a timed test and no peer: it checks that the server holds — zero
# errors, no memory growth after warm-up — and records p50/p99 per route.
#
#   bench/soak/run.sh            (DURATION=600 RELOAD_EVERY=30 CONNS=4 GAPMAP_BIN=…)
#
# 1. builds target/release/gapmap (or takes GAPMAP_BIN) and copies it to
#    bench/work/soak/gapmap;
# 2. ingests the embedded Jelgavas novads dataset into bench/work/soak/store.gpkg
#    and serves it on a free 127.0.0.1 port (store polled every 500 ms);
# 3. five closed-loop load streams at once, one `wrk -t1 -cCONNS` each, every
#    one cycling its own list of paths (bench/soak/read_paths.py writes them,
#    bench/tiles/paths.lua cycles through them):
#    gap      /api/v1/gaps/{summary,parishes,grid,clusters}, default and other thresholds
#    nearest  /api/v1/nearest and /api/v1/coverage at 200 seeded points in the municipality
#    tiles    /tiles/{sites,parishes,coverage,gap_grid}/z/x/y.mvt, z6–z13 over the dataset
#    ogc      /ogc/collections/{sites,demand_grid,coverage}/items pages and bbox queries
#    exports  /export/{sites,parishes,coverage,demand_grid}.{geojson,csv,gpkg}, /export/tiles.pmtiles
# 4. meanwhile, every RELOAD_EVERY s, `gapmap ingest` upserts one site with a
#    changed name (two versions in turn): the server sees the store change
#    and swaps in a new snapshot; the script counts the versions it saw;
# 5. the server's RSS (VmRSS) is sampled every 10 s;
# 6. prints and appends to bench/results/soak-YYYY-MM-DD.md: per route
#    requests, requests/s, p50, p99, max and errors (connect, read, write,
#    non-2xx/3xx status, timeouts); the RSS series; PASS/FAIL for zero errors
#    and for no growth after warm-up (last sample ≤ 1.2 × the sample at 60 s).
# Exit status: 0 when the soak ran (whatever the verdict), non-zero when a
# step failed (build, server not starting).
set -euo pipefail

ROOT=$(cd "$(dirname "${BASH_SOURCE[0]}")/../.." && pwd)
cd "$ROOT"
BENCH=soak
. bench/lib.sh

DURATION=${DURATION:-600}
RELOAD_EVERY=${RELOAD_EVERY:-30}
CONNS=${CONNS:-4}
WORK=bench/work/soak
LOGS=$WORK/logs
RESULTS_DIR=bench/results
ROUTES=(gap nearest tiles ogc exports)
mkdir -p "$LOGS" "$RESULTS_DIR"

command -v wrk >/dev/null || apt_install wrk || die "needs Debian's wrk"
build_gapmap

say "store: the embedded dataset"
STORE=$WORK/store.gpkg
rm -f "$STORE"
"$BIN" ingest --store "$STORE" geodata/jelgava/{areas.geojson,settlements.geojson,sites.geojson,priority_zones.geojson,coverage.geojson,demand.csv,plan.json} >"$LOGS/ingest.log" 2>&1

PORT=$(free_port)
URL=http://127.0.0.1:$PORT
RUST_LOG=warn "$BIN" serve --store "$STORE" --port "$PORT" --reload-poll-ms 500 >"$LOGS/serve.log" 2>&1 &
SERVER=$!
RELOADER=""
SAMPLER=""
cleanup() {
  for p in $RELOADER $SAMPLER $SERVER; do kill "$p" 2>/dev/null || true; done
  wait 2>/dev/null || true
}
trap cleanup EXIT
wait_http "$URL/healthz" "$LOGS/serve.log" "gapmap serve"

say "paths"
python3 bench/soak/read_paths.py "$URL" "$WORK" "${ROUTES[@]}"

say "one site in two versions, upserted in turn"
python3 - "$WORK" <<'PY'
import json, sys
work = sys.argv[1]
fc = json.load(open("geodata/jelgava/sites.geojson"))
f = fc["features"][0]
for v in ("a", "b"):
    g = json.loads(json.dumps(f))
    g["properties"]["name"] = f["properties"]["name"] + (" (soak)" if v == "b" else "")
    json.dump({"type": "FeatureCollection", "features": [g]}, open(f"{work}/site-{v}.geojson", "w"))
PY
(
  v=b
  while sleep "$RELOAD_EVERY"; do
    "$BIN" ingest --store "$STORE" --layer sites "$WORK/site-$v.geojson" >>"$LOGS/reload.log" 2>&1 || echo "INGEST FAILED" >>"$LOGS/reload.log"
    echo "$(date +%s) ingest site-$v" >>"$LOGS/reload.log"
    [ $v = a ] && v=b || v=a
  done
) &
RELOADER=$!
(
  t0=$(date +%s)
  while kill -0 "$SERVER" 2>/dev/null; do
    rss=$(sed -n 's/^VmRSS:[[:space:]]*\([0-9]*\) kB/\1/p' "/proc/$SERVER/status" 2>/dev/null || echo 0)
    ver=$(curl -fsS "$URL/healthz" 2>/dev/null | python3 -c 'import json,sys; print(json.load(sys.stdin)["snapshot_version"])' 2>/dev/null || echo "?")
    echo "$(( $(date +%s) - t0 )) $rss $ver" >>"$WORK/rss.txt"
    sleep 10
  done
) &
SAMPLER=$!
: >"$WORK/rss.txt"

say "load: ${#ROUTES[@]} streams of wrk -t1 -c$CONNS for ${DURATION}s, a store change every ${RELOAD_EVERY}s"
LOAD_BEFORE=$(loadavg)
START=$(date -u +%FT%TZ)
pids=()
for r in "${ROUTES[@]}"; do
  wrk -t1 -c"$CONNS" -d"${DURATION}s" --timeout 30s -s bench/tiles/paths.lua "$URL" -- "$WORK/$r.paths" 1 >"$LOGS/wrk-$r.log" 2>&1 &
  pids+=($!)
done
wait "${pids[@]}"
LOAD_AFTER=$(loadavg)
sleep 1
kill "$RELOADER" "$SAMPLER" 2>/dev/null || true

say "results"
OUT=$RESULTS_DIR/soak-$(date -u +%F).md
python3 - "$WORK" "$LOGS" "$DURATION" "$RELOAD_EVERY" "$CONNS" "$START" "$LOAD_BEFORE" "$LOAD_AFTER" \
  "$G_VER" "$COMMIT" "$BUILD_NOTE" "$(wrk -v 2>&1 | head -n 1)" "$(nproc)" \
  "$(cpu_model)" >"$WORK/table.md" <<'PY'
import sys
sys.path.insert(0, "bench/soak")
import wrk_summary
work, logs, dur, every, conns, start, lb, la, gver, commit, build, wrkv, nproc, cpu = sys.argv[1:]
rows, errors = [], 0
for r in ["gap", "nearest", "tiles", "ogc", "exports"]:
    j, failed = wrk_summary.read(f"{logs}/wrk-{r}.log")
    if j is None:
        rows.append(f"| {r} | wrk failed: {failed} |")
        errors += 1
        continue
    errors += j["errors"]
    rows.append(f"| {r} | {j['requests']:,} | {j['rps']:.0f} | {j['p50_us']/1000:.2f} | {j['p99_us']/1000:.2f} | "
                f"{j['max_us']/1000:.1f} | {wrk_summary.errors(j)} |")
samples = [l.split() for l in open(f"{work}/rss.txt") if l.strip()]
versions = []
for s in samples:
    if len(s) > 2 and s[2] != "?" and (not versions or versions[-1] != s[2]):
        versions.append(s[2])
reload_log = open(f"{logs}/reload.log").read() if __import__("os").path.exists(f"{logs}/reload.log") else ""
ingests = reload_log.count(" ingest ")
failed_ingests = reload_log.count("INGEST FAILED")
rss = [(int(s[0]), int(s[1]) / 1024) for s in samples if len(s) > 1]
warm = next((m for t, m in rss if t >= 60), rss[0][1] if rss else 0)
last = rss[-1][1] if rss else 0
print(f"## soak {start}\n")
print(f"- command: `DURATION={dur} RELOAD_EVERY={every} CONNS={conns} bench/soak/run.sh`")
print(f"- gapmap: {gver}, commit {commit}; {build}")
print(f"- load generator: {wrkv}, five streams of `wrk -t1 -c{conns}` at once (closed loop: as fast as the server answers)")
print(f"- machine: {nproc} CPUs, {cpu}; load average before {lb}, after {la} (the machine is shared)")
print(f"- store changes (one-site upserts) during the run: {ingests}, failed: {failed_ingests}; "
      f"snapshot versions seen by the sampler: {len(versions)}\n")
print("| route | requests | req/s | p50 ms | p99 ms | max ms | errors (connect/read/write/status/timeout) |")
print("|---|---:|---:|---:|---:|---:|---|")
print("\n".join(rows))
print("\nRSS of the server, sampled every 10 s (MiB):\n")
print("| s | " + " | ".join(str(t) for t, _ in rss) + " |")
print("|---|" + "---:|" * len(rss))
print("| RSS | " + " | ".join(f"{m:.0f}" for _, m in rss) + " |")
ok_err = errors == 0 and failed_ingests == 0
ok_mem = last <= 1.2 * warm
print(f"\n- zero errors: {'PASS' if ok_err else 'FAIL'} ({errors} errors)")
print(f"- no growth after warm-up (last {last:.0f} MiB ≤ 1.2 × {warm:.0f} MiB at 60 s): {'PASS' if ok_mem else 'FAIL'}\n")
PY
cat "$WORK/table.md"
cat "$WORK/table.md" >>"$OUT"
say "appended to $OUT"
