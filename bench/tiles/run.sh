#!/usr/bin/env bash
# Vector-tile serving benchmark (issue 5): gapmap vs Martin 1.14 on the same
# tiles of the embedded Jelgavas novads dataset, in one run.
#
#   bench/tiles/run.sh
#
# 1. builds target/release/gapmap (cargo decides whether anything changed) and
#    copies it to bench/work/tiles/gapmap, so a concurrent rebuild of target/
#    cannot swap the binary mid-run;
# 2. tools: Debian wrk, gdal-bin, postgresql-15-postgis-3 (installed when run
#    as root); Martin 1.14.0 and oha 1.16.0 from /work/tools/bin (MARTIN_ROOT)
#    or `cargo install --locked --root` there when missing (Martin: ~10+ min;
#    without its default `rendering` feature, which clones maplibre-native
#    from GitHub); a venv bench/work/tiles/venv with the `pmtiles` package;
# 3. gapmap serve (tile cache on) on the embedded dataset, in a data directory
#    of its own (GAPMAP_DATA_DIR=bench/work/tiles/data); from it: the TileJSON
#    of every tileset, /export/tiles.pmtiles and /export/{tileset}.geojson;
# 4. the fixed URL list bench/work/tiles/urls.txt (bench/tiles/tile_urls.py):
#    z8-z14 tiles over the union of the TileJSON bounds (all tiles up to 256
#    per zoom, a fixed sample above), every tileset at each z/x/y;
# 5. peers: Martin on PMTiles = gapmap's export split into one archive per
#    tileset (bench/tiles/split_pmtiles.py cuts the MVT layers out byte for
#    byte), Martin's default caches; Martin on PostGIS = the GeoJSON exports
#    loaded with ogr2ogr into a throw-away cluster (bench/work/tiles/pg,
#    127.0.0.1) as EPSG:3857 tables with a GiST index, `cache: disable`;
#    gapmap with GAPMAP_TILE_CACHE=0 as the second gapmap;
# 6. checks, one pass over the list per pair (which also warms the caches of
#    (a)): Martin-on-PMTiles bytes == gapmap bytes for every URL; same empty
#    (204) tiles and feature counts reported for Martin-on-PostGIS;
# 7. throughput: RUNS (default 3) x wrk -t2 -c64 -dDURATION with
#    bench/tiles/paths.lua cycling through the list, servers interleaved;
#    latency: oha at a fixed rate (RATE_A / RATE_B, default half the lower of
#    the two servers' median wrk requests/s, 2 significant digits) for
#    OHA_DURATION seconds, p50/p99 with latency correction;
# 8. prints the side-by-side table with PASS/FAIL per target and appends it
#    with commands, configs, machine and versions to
#    bench/results/tiles-YYYY-MM-DD.md. Every server and the PostgreSQL
#    cluster are stopped on exit.
#
# Environment: RUNS=n (default 3); DURATION=s (wrk, default 10);
# OHA_DURATION=s (default 10); RATE_A, RATE_B=req/s (oha, default derived);
# GAPMAP_BIN=path (benchmark that binary, skip the build); MARTIN_ROOT=dir
# (default /work/tools). Exit status: 0 when the benchmark ran (whatever the
# verdict), non-zero when a step failed (build, a server not starting, a tool
# exiting non-zero, Martin-on-PMTiles bytes differing from gapmap's).
set -euo pipefail

ROOT=$(cd "$(dirname "${BASH_SOURCE[0]}")/../.." && pwd)
cd "$ROOT"
BENCH=tiles
. bench/lib.sh

RUNS=${RUNS:-3}
DURATION=${DURATION:-10}
OHA_DURATION=${OHA_DURATION:-10}
CONNS=64
MARTIN_ROOT=${MARTIN_ROOT:-/work/tools}
MARTIN_VERSION=1.14.0
MARTIN_FEATURES=postgres,mbtiles,pmtiles,geojson,mlt,fonts,sprites,styles,metrics
OHA_VERSION=1.16.0
PMTILES_PKG=pmtiles==3.8.1
WORK=bench/work/tiles
ABS_WORK=$ROOT/$WORK
LOGS=$WORK/logs
VENV=$WORK/venv
PGDIR=$ROOT/$WORK/pg
RESULTS_DIR=bench/results
TILESETS=(sites municipality parishes coverage priority_zones demand_grid gap_grid gap_clusters)
TARGET_RPS_RATIO=1.5
TARGET_P99_A_MS=10

T_START=$(date +%s)
mkdir -p "$WORK" "$LOGS" "$RESULTS_DIR"

# --- cleanup of everything this script starts ----------------------------
PIDS=()
cleanup() { stop_pids; pg_stop; }
trap cleanup EXIT

# --- tools -----------------------------------------------------------------
need wrk "wrk not found" command -v wrk
need gdal-bin "ogr2ogr not found" command -v ogr2ogr
need_postgis

MARTIN=$MARTIN_ROOT/bin/martin
OHA=$MARTIN_ROOT/bin/oha
MARTIN_INSTALL=(cargo install martin --version "$MARTIN_VERSION" --locked --no-default-features --features "$MARTIN_FEATURES" --root "$MARTIN_ROOT")
OHA_INSTALL=(cargo install oha --version "$OHA_VERSION" --locked --root "$MARTIN_ROOT")
if [ ! -x "$MARTIN" ] || ! "$MARTIN" --version 2>/dev/null | grep -q "$MARTIN_VERSION"; then
  say "installing Martin $MARTIN_VERSION (about 10+ minutes): ${MARTIN_INSTALL[*]}"
  "${MARTIN_INSTALL[@]}" >"$LOGS/martin-install.log" 2>&1 || { tail -n 30 "$LOGS/martin-install.log" >&2; die "cargo install martin failed"; }
fi
if [ ! -x "$OHA" ] || ! "$OHA" --version 2>/dev/null | grep -q "$OHA_VERSION"; then
  say "installing oha $OHA_VERSION: ${OHA_INSTALL[*]}"
  "${OHA_INSTALL[@]}" >"$LOGS/oha-install.log" 2>&1 || { tail -n 30 "$LOGS/oha-install.log" >&2; die "cargo install oha failed"; }
fi
if [ ! -x "$VENV/bin/python" ] || ! "$VENV/bin/python" -c 'import pmtiles' 2>/dev/null; then
  make_venv "$PMTILES_PKG"
fi


# --- 1. build -----------------------------------------------------------
build_gapmap

# --- 2. gapmap (tile cache on) and what it exports ------------------------
DATA_DIR=$ABS_WORK/data
mkdir -p "$DATA_DIR"
serve_embedded "$LOGS/gapmap-warm.log" "gapmap (tile cache on)"
STORE=$(sed -n 's/^gapmap: serving \(.*\) on http.*/\1/p' "$LOGS/gapmap-warm.log" | head -n 1)

EXP=$WORK/export
rm -rf "$EXP"; mkdir -p "$EXP/tilejson" "$EXP/geojson" "$EXP/pmtiles"
for t in "${TILESETS[@]}"; do
  curl -fsS -o "$EXP/tilejson/$t.json" "$G_URL/tiles/$t.json" || die "GET /tiles/$t.json failed"
  curl -fsS -o "$EXP/geojson/$t.geojson" "$G_URL/export/$t.geojson" || die "GET /export/$t.geojson failed"
done
t0=$(date +%s.%N)
curl -fsS -o "$EXP/tiles.pmtiles" "$G_URL/export/tiles.pmtiles" || die "GET /export/tiles.pmtiles failed"
PMT_S=$(awk -v a="$t0" -v b="$(date +%s.%N)" 'BEGIN{printf "%.1f", b-a}')
PMT_BYTES=$(stat -c %s "$EXP/tiles.pmtiles")
FEATURES=$(python3 - "$EXP/tilejson" "${TILESETS[@]}" <<'PY'
import json, sys
d = sys.argv[1]
print(", ".join(f"{t} {json.load(open(f'{d}/{t}.json'))['feature_count']}" for t in sys.argv[2:]))
PY
)
say "snapshot $SNAPSHOT ($STORE): $FEATURES features; tiles.pmtiles $PMT_BYTES bytes built in $PMT_S s"

URLS_SUMMARY=$(python3 bench/tiles/tile_urls.py "$WORK" $(for t in "${TILESETS[@]}"; do printf '%s ' "$EXP/tilejson/$t.json"; done))
N_URLS=$(wc -l <"$WORK/urls.txt")
say "URL list: $WORK/urls.txt ($N_URLS URLs): $URLS_SUMMARY"

# --- 3. peers' data: PMTiles per tileset; PostGIS tables ------------------
SPLIT=$("$VENV/bin/python" bench/tiles/split_pmtiles.py "$EXP/tiles.pmtiles" "$EXP/pmtiles") || die "split_pmtiles.py failed"
say "PMTiles split per tileset: $SPLIT"

pg_start "shared_buffers = 512MB" "work_mem = 64MB" "fsync = off" "synchronous_commit = off" "full_page_writes = off"
PG_CONF="$PG_SETTINGS (other settings default)"
PG_VER=$(pg_version)
# EPSG:3857, Martin's tile CRS, so it does not reproject on every request (its
# fastest set-up); ogr2ogr builds a GiST index on geom.
OGR_OPTS=(-t_srs EPSG:3857 -lco GEOMETRY_NAME=geom -lco FID=fid -nlt PROMOTE_TO_MULTI)
for t in "${TILESETS[@]}"; do
  ogr2ogr -f PostgreSQL "$PGCONN" "$EXP/geojson/$t.geojson" -nln "$t" "${OGR_OPTS[@]}" >>"$LOGS/ogr2ogr.log" 2>&1 \
    || { cat "$LOGS/ogr2ogr.log" >&2; die "ogr2ogr $t failed"; }
done
"${PSQL[@]}" -d bench -c "VACUUM ANALYZE" >/dev/null
PG_COUNTS=$(for t in "${TILESETS[@]}"; do printf '%s %s, ' "$t" "$("${PSQL[@]}" -d bench -At -c "SELECT count(*) FROM \"$t\"")"; done)
say "PostGIS tables: ${PG_COUNTS%, }"

# --- 4. the other servers ---------------------------------------------------
GC_PORT=$(free_port)
GC_CMD=(env GAPMAP_DATA_DIR="$DATA_DIR" GAPMAP_TILE_CACHE=0 NO_COLOR=1 "$BIN" serve --port "$GC_PORT" --reload-poll-ms 0)
"${GC_CMD[@]}" >"$LOGS/gapmap-nocache.log" 2>&1 &
GC_PID=$!; PIDS+=("$GC_PID")
GC_URL=http://127.0.0.1:$GC_PORT

MP_PORT=$(free_port); MG_PORT=$(free_port)
MP_CONF=$WORK/martin-pmtiles.yaml
MG_CONF=$WORK/martin-postgis.yaml
{
  echo "# Martin on the PMTiles archive gapmap exports, split per tileset (default caches)"
  echo "listen_addresses: \"127.0.0.1:$MP_PORT\""
  echo "worker_processes: 2"
  echo "pmtiles:"
  echo "  sources:"
  for t in "${TILESETS[@]}"; do echo "    $t: $ABS_WORK/export/pmtiles/$t.pmtiles"; done
} >"$MP_CONF"
cat >"$MG_CONF" <<EOF
# Martin on PostGIS tables (one per tileset), every tile built per request
listen_addresses: "127.0.0.1:$MG_PORT"
worker_processes: 2
cache: disable
postgres:
  connection_string: "postgresql://bench@127.0.0.1:$PGPORT/bench"
  auto_publish:
    tables:
      id_columns: fid
    functions: false
EOF
RUST_LOG=warn "$MARTIN" --config "$MP_CONF" >"$LOGS/martin-pmtiles.log" 2>&1 &
MP_PID=$!; PIDS+=("$MP_PID")
RUST_LOG=warn "$MARTIN" --config "$MG_CONF" >"$LOGS/martin-postgis.log" 2>&1 &
MG_PID=$!; PIDS+=("$MG_PID")
MP_URL=http://127.0.0.1:$MP_PORT; MG_URL=http://127.0.0.1:$MG_PORT
wait_http "$GC_URL/healthz" "$LOGS/gapmap-nocache.log" "gapmap serve (GAPMAP_TILE_CACHE=0)"
wait_http "$MP_URL/catalog" "$LOGS/martin-pmtiles.log" "Martin (PMTiles)"
wait_http "$MG_URL/catalog" "$LOGS/martin-postgis.log" "Martin (PostGIS)"
for t in "${TILESETS[@]}"; do
  curl -fsS -o "$EXP/tilejson/martin-pg-$t.json" "$MG_URL/$t" || die "Martin (PostGIS) has no source $t: $(curl -s "$MG_URL/catalog")"
  curl -fsS -o /dev/null "$MP_URL/$t" || die "Martin (PMTiles) has no source $t"
done
M_VER=$("$MARTIN" --version | head -n 1)
O_VER=$("$OHA" --version | head -n 1)
W_VER=$(wrk -v 2>&1 | head -n 1 | cut -d' ' -f1-2 || true)

# --- 5. same tiles? (also the warm-up pass of (a)) --------------------------
say "check (a): every URL from gapmap (cache on) and Martin (PMTiles), bytes compared"
CHECK_A=$(python3 bench/tiles/check_tiles.py bytes "$G_URL" "$WORK/urls.txt" "$MP_URL" "$WORK/martin-urls.txt") \
  || { echo "$CHECK_A" >&2; die "Martin on the PMTiles export does not serve gapmap's bytes (see above)"; }
say "check (a): $CHECK_A"
say "check (b): every URL from gapmap (cache off) and Martin (PostGIS), features compared"
CHECK_B=$(python3 bench/tiles/check_tiles.py features "$GC_URL" "$WORK/urls.txt" "$MG_URL" "$WORK/martin-urls.txt") \
  || { echo "$CHECK_B" >&2; die "a request failed in check (b) (see above)"; }
say "check (b): $CHECK_B"

# --- 6. throughput: wrk ------------------------------------------------------
declare -A RPS
SERVERS=(gapmap-warm martin-pmtiles gapmap-nocache martin-postgis)
declare -A BASE=([gapmap-warm]=$G_URL [martin-pmtiles]=$MP_URL [gapmap-nocache]=$GC_URL [martin-postgis]=$MG_URL)
declare -A PATHS=([gapmap-warm]=urls.txt [martin-pmtiles]=martin-urls.txt [gapmap-nocache]=urls.txt [martin-postgis]=martin-urls.txt)
WRK_OPTS=(--latency -H 'Accept-Encoding: gzip')
LOAD_BEFORE=$(loadavg)
wrk_rounds "${SERVERS[@]}"
declare -A MED
for s in "${SERVERS[@]}"; do
  # shellcheck disable=SC2086
  MED[$s]=$(median ${RPS[$s]})
done
# wrk latency of the median run (at saturation, for reference)
wrk_lat() {  # NAME -> "p50_ms p99_ms" of the run whose rps is the median
  local name=$1 best="" d bestd=""
  for i in $(seq 1 "$RUNS"); do
    d=$(python3 -c 'import json,sys; print(abs(json.load(open(sys.argv[1]))["rps"] - float(sys.argv[2])))' "$LOGS/wrk-$name-$i.json" "${MED[$name]}")
    if [ -z "$bestd" ] || awk -v a="$d" -v b="$bestd" 'BEGIN{exit !(a<b)}'; then bestd=$d; best=$i; fi
  done
  python3 -c 'import json,sys; j=json.load(open(sys.argv[1])); print("%.1f %.1f" % (j["p50_us"]/1000, j["p99_us"]/1000))' "$LOGS/wrk-$name-$best.json"
}

# --- 7. latency at a fixed rate: oha -----------------------------------------
nice_rate() { awk -v r="$1" 'BEGIN{ if (r < 10) {print 10; exit} e = int(log(r)/log(10)) - 1; p = 10^e; print int(r/p)*p }'; }
RATE_A=${RATE_A:-$(nice_rate "$(awk -v r="$(minof "${MED[gapmap-warm]}" "${MED[martin-pmtiles]}")" 'BEGIN{print r/2}')")}
RATE_B=${RATE_B:-$(nice_rate "$(awk -v r="$(minof "${MED[gapmap-nocache]}" "${MED[martin-postgis]}")" 'BEGIN{print r/2}')")}
for s in "${SERVERS[@]}"; do sed "s#^#${BASE[$s]}#" "$WORK/${PATHS[$s]}" >"$WORK/full-$s.txt"; done
declare -A OHA_P50 OHA_P99 OHA_OK
run_oha() {  # NAME RATE
  local name=$1 rate=$2 log=$LOGS/oha-$1.json
  "$OHA" --no-tui --output-format json -z "${OHA_DURATION}s" -q "$rate" -c "$CONNS" --latency-correction \
    -H 'Accept-Encoding: gzip' --urls-from-file "$WORK/full-$name.txt" >"$log" 2>"$LOGS/oha-$name.err" \
    || { cat "$LOGS/oha-$name.err" >&2; die "oha $name failed"; }
  read -r OHA_P50[$name] OHA_P99[$name] OHA_OK[$name] <<<"$(python3 - "$log" <<'PY'
import json, sys
j = json.load(open(sys.argv[1]))
p = j["latencyPercentiles"]
codes = j.get("statusCodeDistribution", {})
errs = j.get("errorDistribution", {})
ok = sum(v for k, v in codes.items() if k.startswith("2"))
cut = errs.get("aborted due to deadline", 0)
other = sum(codes.values()) - ok + sum(errs.values()) - cut
note = f"{ok}" + (f"+{cut}cut" if cut else "") + (f"+{other}ERR" if other else "")
print(f"{p['p50'] * 1000:.2f} {p['p99'] * 1000:.2f} {note}")
PY
)"
}
say "oha: (a) at $RATE_A req/s, (b) at $RATE_B req/s, ${OHA_DURATION}s each"
run_oha gapmap-warm "$RATE_A"; run_oha martin-pmtiles "$RATE_A"
run_oha gapmap-nocache "$RATE_B"; run_oha martin-postgis "$RATE_B"
LOAD_AFTER=$(loadavg)
declare -A HWM
HWM[gapmap-warm]=$(hwm_kib "$G_PID"); HWM[gapmap-nocache]=$(hwm_kib "$GC_PID")
HWM[martin-pmtiles]=$(hwm_kib "$MP_PID"); HWM[martin-postgis]=$(hwm_kib "$MG_PID")

# --- 8. table and verdict ------------------------------------------------
ratio() { awk -v a="$1" -v b="$2" 'BEGIN{printf "%.2f", a/b}'; }
RA=$(ratio "${MED[gapmap-warm]}" "${MED[martin-pmtiles]}")
RB=$(ratio "${MED[gapmap-nocache]}" "${MED[martin-postgis]}")
V_A=$(pass "$RA >= $TARGET_RPS_RATIO"); V_B=$(pass "$RB >= $TARGET_RPS_RATIO")
V_P99=$(pass "${OHA_P99[gapmap-warm]} <= $TARGET_P99_A_MS")
row() {  # TEST NAME LABEL RATIO RATE
  local s=$2 l; read -r l50 l99 <<<"$(wrk_lat "$s")"
  # shellcheck disable=SC2086
  printf '| %s | %s | %.0f | %s | %s / %s | %s | %s / %s | %s | %s | %s |\n' "$1" "$3" "${MED[$s]}" "$4" "$l50" "$l99" "$5" \
    "${OHA_P50[$s]}" "${OHA_P99[$s]}" "${OHA_OK[$s]}" "$(( HWM[$s] / 1024 ))" "$(printf '%.0f ' ${RPS[$s]})"
}
TABLE=$(cat <<EOF
| test | server | req/s (median) | vs Martin | wrk p50 / p99 ms (saturated) | oha rate (req/s) | oha p50 / p99 ms | oha 2xx (+cut at the deadline, +errors) | peak RSS (MiB) | req/s per run |
|---|---|---:|---:|---:|---:|---:|---:|---:|---|
$(row "(a) pre-built" gapmap-warm "gapmap, tile cache on, warm" "${RA}×" "$RATE_A")
$(row "(a) pre-built" martin-pmtiles "Martin, PMTiles (gapmap's bytes)" "1.00×" "$RATE_A")
$(row "(b) per request" gapmap-nocache "gapmap, GAPMAP_TILE_CACHE=0" "${RB}×" "$RATE_B")
$(row "(b) per request" martin-postgis "Martin, PostGIS, cache: disable" "1.00×" "$RATE_B")
EOF
)
VERDICT=$(cat <<EOF
- $V_A (a) gapmap warm ${RA}× Martin-on-PMTiles requests/s (target ≥ ${TARGET_RPS_RATIO}×)
- $V_B (b) gapmap without tile cache ${RB}× Martin-on-PostGIS requests/s (target ≥ ${TARGET_RPS_RATIO}×)
- $V_P99 (a) gapmap p99 ${OHA_P99[gapmap-warm]} ms at $RATE_A req/s (target ≤ ${TARGET_P99_A_MS} ms)
EOF
)
CHECKS=$(python3 - "$CHECK_A" "$CHECK_B" <<'PY'
import json, sys
a, b = json.loads(sys.argv[1]), json.loads(sys.argv[2])
def side(r, k):
    s = r[k]
    return f"{s['200']} tiles with data + {s['204']} empty (204), {s['bytes']:,} bytes, {s['features']:,} features"
print(f"- (a) {a['urls']} URLs: gapmap {side(a, 'gapmap')}; Martin {side(a, 'martin')}; "
      f"bodies differing: {a['bytes_differ']}, statuses differing: {a['status_differs']}.")
print(f"- (b) {b['urls']} URLs: gapmap {side(b, 'gapmap')}; Martin {side(b, 'martin')}; "
      f"statuses differing (empty on one side only): {b['status_differs']}, tiles with a different feature count: {b['features_differ']}"
      + (f"; examples: {json.dumps(b['examples'][:3])}" if b['examples'] else "") + ".")
PY
)
printf '\n%s\n\n%s\n\n%s\n' "$TABLE" "$CHECKS" "$VERDICT"

# --- 9. results file -------------------------------------------------------
results_file 'Tile-serving benchmark (gapmap vs Martin)' 'the header of that script and bench/README.md'
cat >>"$OUT" <<EOF

$(run_heading "RUNS=$RUNS" "DURATION=$DURATION" "OHA_DURATION=$OHA_DURATION")

Dataset: the embedded Jelgavas novads dataset (gapmap's default store, built in \`$WORK/data\`), snapshot $SNAPSHOT: $FEATURES features.
URL list: \`$WORK/urls.txt\`, $N_URLS URLs — $URLS_SUMMARY.
gapmap's /export/tiles.pmtiles: $PMT_BYTES bytes (built in $PMT_S s on first request), split per tileset for Martin: $SPLIT.

$TABLE

req/s: median of $RUNS interleaved \`wrk -t2 -c$CONNS -d${DURATION}s\` runs per server, all URLs cycled (\`bench/tiles/paths.lua\`), \`Accept-Encoding: gzip\`.
oha: \`oha -z ${OHA_DURATION}s -q RATE -c $CONNS --latency-correction --urls-from-file …\` — one run per server at a fixed rate,
half the lower median of the pair (2 significant digits) unless RATE_A/RATE_B are given.
Peak RSS: VmHWM of the server process at the end (Martin-on-PostGIS: without the PostgreSQL backends that build its tiles).

Same tiles (one pass over the list before timing, which is also the warm-up of (a)):

$CHECKS

Verdict:

$VERDICT

Servers:

    ${G_CMD[*]}
    ${GC_CMD[*]}
    $MARTIN --config $MP_CONF
    $MARTIN --config $MG_CONF
    # PostGIS tables: for t in ${TILESETS[*]}: ogr2ogr -f PostgreSQL PG:… $EXP/geojson/\$t.geojson -nln \$t ${OGR_OPTS[*]}

Martin configs:

$(sed 's/^/    /' "$MP_CONF")

$(sed 's/^/    /' "$MG_CONF")

PostgreSQL: $PG_VER, $PG_CONF; tables: ${PG_COUNTS%, }.

Machine: $(machine); the load generator runs on the same machine. Load average before/after the timed runs: $LOAD_BEFORE / $LOAD_AFTER.
Versions: $(gapmap_version); \`$M_VER\` (features $MARTIN_FEATURES); \`$W_VER\`; \`$O_VER\`; $(ogr2ogr --version).
EOF
say "wrote $OUT"
