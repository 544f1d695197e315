#!/usr/bin/env bash
# All of Latvia on one server (issue 23): the national store's start time and
# memory, the first tile of every layer (also after a one-site edit), the
# search becoming ready, memory after every layer was tiled, and the whole
# `gapmap gaps`, each against the issue's target. Not a timed test.
#
#   bench/national/run.sh     (RUNS=2 GAPMAP_BIN=… NATIONAL_STORE=…)
#
# 1. builds the release binary (or takes GAPMAP_BIN);
# 2. takes the national store NATIONAL_STORE (a GeoPackage that `gapmap
#    ingest` wrote from `gapmap synth --scale latvia --addresses`), or builds
#    it in bench/work/national: synth, then one `gapmap ingest` per file
#    (areas, coverage, sites, demand, addresses; several minutes); a copy of
#    it is what the runs serve and edit;
# 3. RUNS times: `gapmap serve` on the copy → seconds until /healthz answers
#    and its RSS then; seconds until /api/v1/search finds an address; the first
#    z8 tile of each layer over Latvia (curl time_total); an editor's PATCH of
#    one site through the API, then the first z8 tile of each layer again;
#    VmRSS and VmHWM after every layer; then `gapmap gaps --out` under
#    /usr/bin/time (wall s, peak RSS);
# 4. prints the table with the load average beside each run and appends it,
#    with date, command and versions, to bench/results/national-YYYY-MM-DD.md.
# Ingest against ogr2ogr is bench/ingest; synth's memory is the `synth` row
#    when the store is built here (with a store given it is not measured).
set -euo pipefail
cd "$(dirname "$0")/../.."
BENCH=national
. bench/lib.sh

RUNS=${RUNS:-2}
WORK=bench/work/national
LOGS=$WORK/logs
mkdir -p "$LOGS"
command -v curl >/dev/null || die "needs curl"
[ -x /usr/bin/time ] || need time "GNU time" test -x /usr/bin/time

if [ -n "${GAPMAP_BIN:-}" ]; then BIN=$GAPMAP_BIN; else
  say "cargo build --release --bin gapmap"
  cargo build --release --bin gapmap -q
  BIN=${CARGO_TARGET_DIR:-target}/release/gapmap
fi
VERSION=$("$BIN" --version)

SYNTH_ROW=""
if [ -n "${NATIONAL_STORE:-}" ]; then
  STORE_SRC=$NATIONAL_STORE
  [ -f "$STORE_SRC" ] || die "NATIONAL_STORE=$STORE_SRC does not exist"
else
  STORE_SRC=$WORK/national.gpkg
  if [ ! -f "$STORE_SRC" ]; then
    say "gapmap synth --scale latvia --addresses (minutes)"
    measure "$LOGS/synth.time" "$LOGS/synth.log" "$BIN" synth --scale latvia --addresses --out "$WORK/data" \
      || { cat "$LOGS/synth.log" >&2; die "synth failed"; }
    read -r s k _ _ <"$LOGS/synth.time"
    SYNTH_ROW="| \`gapmap synth --scale latvia --addresses\` | $s s, $((k / 1024)) MiB peak | ≤ 1.5 GB | $(loadavg) |"
    for f in areas coverage sites demand addresses; do
      ext=geojson; case $f in demand|addresses) ext=csv ;; esac
      say "gapmap ingest $f.$ext"
      "$BIN" ingest --store "$STORE_SRC.part" --mode replace "$WORK/data/$f.$ext" >"$LOGS/ingest-$f.log" 2>&1 \
        || { tail -n 20 "$LOGS/ingest-$f.log" >&2; die "ingest of $f failed"; }
    done
    mv "$STORE_SRC.part" "$STORE_SRC"
  fi
fi
STORE=$WORK/serve.gpkg
EDITOR_PASSWORD="bench-national-$(date +%s)-password"

PIDS=()
trap stop_pids EXIT
ms() { awk -v t="$1" 'BEGIN{printf "%.0f", t * 1000}'; }
LAYERS=(gap_grid demand_grid coverage gap_clusters parishes sites settlements priority_zones)
TILE=8/143/79   # over Zemgale

ROWS=()
for run in $(seq 1 "$RUNS"); do
  say "run $run/$RUNS: a fresh copy of the store, an editor and a token"
  rm -f "$STORE" "$STORE-wal" "$STORE-shm"
  cp "$STORE_SRC" "$STORE"
  printf '%s\n' "$EDITOR_PASSWORD" | "$BIN" user add bench-editor --role editor --password-stdin --store "$STORE" >"$LOGS/user.$run.log" 2>&1
  TOKEN=$("$BIN" user token bench-editor --label bench --store "$STORE" 2>>"$LOGS/user.$run.log" | awk 'END{print $NF}')
  case "$TOKEN" in gmt_*) ;; *) die "no API token (see $LOGS/user.$run.log)" ;; esac
  LOAD_START=$(loadavg)
  port=$(free_port); URL=http://127.0.0.1:$port
  SERVE_CMD=(env NO_COLOR=1 "$BIN" serve --port "$port" --store "$STORE" --reload-poll-ms 0)
  t0=$(date +%s.%N)
  "${SERVE_CMD[@]}" >"$LOGS/serve.$run.log" 2>&1 &
  PID=$!; PIDS+=("$PID")
  until curl -fsS -o /dev/null "$URL/healthz" 2>/dev/null; do
    kill -0 "$PID" 2>/dev/null || { tail -n 30 "$LOGS/serve.$run.log" >&2; die "gapmap serve ended"; }
    sleep 0.02
  done
  t1=$(date +%s.%N)
  START_S=$(awk -v a="$t0" -v b="$t1" 'BEGIN{printf "%.2f", b - a}')
  START_MIB=$(( $(sed -n 's/^VmRSS:[[:space:]]*\([0-9]*\) kB/\1/p' "/proc/$PID/status") / 1024 ))
  until curl -fsS "$URL/api/v1/search?q=iela" 2>/dev/null | grep -q address; do sleep 0.02; done
  t2=$(date +%s.%N)
  SEARCH_S=$(awk -v a="$t1" -v b="$t2" 'BEGIN{printf "%.2f", b - a}')
  first=(); for l in "${LAYERS[@]}"; do
    first+=("$l $(ms "$(curl -fsS -o /dev/null -w '%{time_total}' "$URL/tiles/$l/$TILE.mvt")")")
  done
  # One site edit through the API, then the same tiles again.
  python3 - "$URL" "$TOKEN" >"$LOGS/edit.$run.log" 2>&1 <<'PY' || { cat "$LOGS/edit.$run.log" >&2; die "the one-site edit failed"; }
import json, sys, time, urllib.request
url, token = sys.argv[1], sys.argv[2]
def call(method, path, body=None, headers=None):
    data = json.dumps(body).encode() if body is not None else None
    req = urllib.request.Request(url + path, data=data, method=method, headers=headers or {})
    if data is not None:
        req.add_header("Content-Type", "application/json")
    with urllib.request.urlopen(req, timeout=60) as r:
        return r.headers, json.loads(r.read() or b"null")
_, layers = call("GET", "/api/v1/layers")
before = layers["snapshot_version"]
_, sites = call("GET", "/api/v1/sites")
site = sites["features"][0]["id"]
h, feat = call("GET", f"/api/v1/sites/{site}")
year = 2022 if feat["properties"].get("router_year") == 2021 else 2021
call("PATCH", f"/api/v1/sites/{site}", {"reason": "bench national edit", "properties": {"router_year": year}},
     {"Authorization": f"Bearer {token}", "If-Match": h["ETag"]})
t0 = time.monotonic()
while call("GET", "/api/v1/layers")[1]["snapshot_version"] == before:
    time.sleep(0.05)
print(f"site {site}: router_year {year}; snapshot {before} -> new after {time.monotonic() - t0:.2f} s")
PY
  after=(); for l in "${LAYERS[@]}"; do
    after+=("$l $(ms "$(curl -fsS -o /dev/null -w '%{time_total}' "$URL/tiles/$l/$TILE.mvt")")")
  done
  for z in 6 7 8 9 10; do for l in "${LAYERS[@]}"; do
    curl -fsS -o /dev/null "$URL/tiles/$l/$z/$(python3 -c "z=$z; print(int(143*2**(z-8)), int(79*2**(z-8)))" | tr ' ' /).mvt" || true
  done; done
  RSS_KIB=$(sed -n 's/^VmRSS:[[:space:]]*\([0-9]*\) kB/\1/p' "/proc/$PID/status")
  HWM_KIB=$(hwm_kib "$PID")
  kill "$PID"; wait "$PID" 2>/dev/null || true
  LOAD_SERVE=$(loadavg)
  rm -rf "$WORK/gaps.out"
  measure "$LOGS/gaps.$run.time" "$LOGS/gaps.$run.log" "$BIN" gaps --store "$STORE" --out "$WORK/gaps.out" \
    || { cat "$LOGS/gaps.$run.log" >&2; die "gapmap gaps failed"; }
  read -r GAPS_S GAPS_K _ _ <"$LOGS/gaps.$run.time"
  LOAD_GAPS=$(loadavg)
  worst() { printf '%s\n' "$@" | sort -k2 -n | tail -n 1; }
  ROWS+=("| $run | \`serve\` → /healthz | $START_S s, $START_MIB MiB | ≤ 2 s, ≤ 400 MB | $LOAD_START |")
  ROWS+=("| $run | /healthz → search finds an address | $SEARCH_S s | 0 (ready means ready) | $LOAD_START |")
  ROWS+=("| $run | first z8 tile per layer, ms | ${first[*]} (worst $(worst "${first[@]}")) | ≤ 100 ms | $LOAD_START |")
  ROWS+=("| $run | … after a one-site edit, ms | ${after[*]} (worst $(worst "${after[@]}")) | ≤ 100 ms | $LOAD_SERVE |")
  ROWS+=("| $run | memory after every layer z6–z10 | VmRSS $((RSS_KIB / 1024)) MiB, VmHWM $((HWM_KIB / 1024)) MiB | ≤ 800 MB | $LOAD_SERVE |")
  ROWS+=("| $run | whole \`gapmap gaps --out DIR\` | $GAPS_S s, $((GAPS_K / 1024)) MiB peak | ≤ 3 s, ≤ 600 MB | $LOAD_GAPS |")
done

DATE=$(date -u +%Y-%m-%d)
RESULTS=bench/results/national-$DATE.md
{
  printf '\n## bench/national, %s\n\n' "$(date -u '+%Y-%m-%d %H:%M UTC')"
  printf -- '- command: `RUNS=%s NATIONAL_STORE=%s bench/national/run.sh`\n' "$RUNS" "${NATIONAL_STORE:-}"
  printf -- '- gapmap: %s (%s), store %s (%s MiB)\n' "$VERSION" "$BIN" "$STORE_SRC" "$(( $(stat -c %s "$STORE_SRC") / 1048576 ))"
  printf -- '- machine: %s cores, %s; curl %s\n' "$(nproc)" "$(uname -srm)" "$(curl --version | head -n 1 | cut -d' ' -f2)"
  printf -- '- serve: `%s`; tiles %s over Zemgale and z6–z10 around it\n\n' "${SERVE_CMD[*]}" "$TILE"
  printf '| run | measure | result | target | load average (1, 5, 15 min) |\n|---|---|---|---|---|\n'
  [ -n "$SYNTH_ROW" ] && printf '%s\n' "${SYNTH_ROW/| \`/| - | \`}"
  printf '%s\n' "${ROWS[@]}"
} | tee -a "$RESULTS"
say "kept in $RESULTS"
