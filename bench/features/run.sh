#!/usr/bin/env bash
# OGC API - Features benchmark (issue 5): gapmap's /ogc vs pygeoapi 0.21.0
# on the same collections, in one run.
#
#   bench/features/run.sh
#
# 1. builds target/release/gapmap (cargo decides whether anything changed) and
#    copies it to bench/work/features/gapmap;
# 2. tools: Debian wrk, gdal-bin, postgresql-15-postgis-3 (installed when run
#    as root); a venv bench/work/features/venv with pygeoapi==0.21.0 gunicorn
#    psycopg2-binary geoalchemy2;
# 3. gapmap serve on the embedded Jelgavas novads dataset (data directory
#    bench/work/features/data); its exports /export/{sites,demand_grid}.geojson
#    are loaded with ogr2ogr into a throw-away PostGIS cluster
#    (bench/work/features/pg, 127.0.0.1; EPSG:4326 as exported, GiST index on
#    geom, unique index on id -- pygeoapi sorts every page by id);
# 4. pygeoapi with its PostgreSQL provider on those tables
#    (bench/features/pygeoapi-config.yml), `gunicorn -w 2`;
# 5. two request sets, the same on both servers (gapmap's under /ogc):
#    - bbox:  /collections/sites/items?bbox=BBOX&limit=100&f=json (one URL)
#    - walk:  /collections/demand_grid/items?limit=100&offset=0,100,…&f=json,
#      every page of the collection, cycled;
#    before timing, bench/features/check_items.py requires the same
#    numberMatched / numberReturned / ids from both for every request;
# 6. RUNS (default 3) interleaved runs of wrk -t2 -c64 -dDURATION --timeout 30s
#    per server and request set (bench/tiles/paths.lua cycles the paths);
# 7. prints the side-by-side table with PASS/FAIL per target (gapmap >= 20x
#    pygeoapi's requests/s) and appends it to
#    bench/results/features-YYYY-MM-DD.md. Every server and the PostgreSQL
#    cluster are stopped on exit.
#
# Environment: RUNS=n (default 3); DURATION=s (default 10); BBOX=minlon,minlat,
# maxlon,maxlat (default 23.5,56.5,23.8,56.7: Jelgava and the parishes around
# it); GAPMAP_BIN=path (benchmark that binary, skip the build). Exit status: 0
# when the benchmark ran (whatever the verdict), non-zero when a step failed
# (build, a server not starting, the servers' answers differing).
set -euo pipefail

ROOT=$(cd "$(dirname "${BASH_SOURCE[0]}")/../.." && pwd)
cd "$ROOT"
BENCH=features
. bench/lib.sh

RUNS=${RUNS:-3}
DURATION=${DURATION:-10}
BBOX=${BBOX:-23.5,56.5,23.8,56.7}
CONNS=64
PAGE=100
WORK=bench/work/features
ABS_WORK=$ROOT/$WORK
LOGS=$WORK/logs
VENV=$WORK/venv
PGDIR=$ROOT/$WORK/pg
RESULTS_DIR=bench/results
PIP_PKGS=(pygeoapi==0.21.0 gunicorn psycopg2-binary geoalchemy2)
COLLECTIONS=(sites demand_grid)
WALK=demand_grid
TARGET_RATIO=20

T_START=$(date +%s)
mkdir -p "$WORK" "$LOGS" "$RESULTS_DIR"

PIDS=()
cleanup() { stop_pids; pg_stop; }
trap cleanup EXIT

need wrk "wrk not found" command -v wrk
need gdal-bin "ogr2ogr not found" command -v ogr2ogr
need_postgis
if [ ! -x "$VENV/bin/gunicorn" ] || ! "$VENV/bin/python" -c 'import pygeoapi, psycopg2, geoalchemy2, sys; sys.exit(pygeoapi.__version__ != "0.21.0")' 2>/dev/null; then
  make_venv "${PIP_PKGS[@]}"
fi
P_VERS=$("$VENV/bin/python" - <<'PY'
from importlib.metadata import version
print(", ".join(f"{p} {version(p)}" for p in ("pygeoapi", "gunicorn", "psycopg2-binary", "GeoAlchemy2", "SQLAlchemy", "Flask")))
PY
)


# --- 1. build -----------------------------------------------------------
build_gapmap

# --- 2. gapmap and its exports ------------------------------------------
DATA_DIR=$ABS_WORK/data
mkdir -p "$DATA_DIR"
serve_embedded "$LOGS/gapmap.log" gapmap
EXP=$WORK/export
rm -rf "$EXP"; mkdir -p "$EXP"
for c in "${COLLECTIONS[@]}"; do
  curl -fsS -o "$EXP/$c.geojson" "$G_URL/export/$c.geojson" || die "GET /export/$c.geojson failed"
done

# --- 3. PostGIS -------------------------------------------------------------
pg_start "shared_buffers = 512MB" "work_mem = 64MB" "fsync = off" "synchronous_commit = off" "full_page_writes = off"
PG_CONF="$PG_SETTINGS, locale C (other settings default)"
PG_VER=$(pg_version)
OGR_OPTS=(-lco GEOMETRY_NAME=geom -lco FID=fid)
for c in "${COLLECTIONS[@]}"; do
  ogr2ogr -f PostgreSQL "$PGCONN" "$EXP/$c.geojson" -nln "$c" "${OGR_OPTS[@]}" >>"$LOGS/ogr2ogr.log" 2>&1 \
    || { cat "$LOGS/ogr2ogr.log" >&2; die "ogr2ogr $c failed"; }
  "${PSQL[@]}" -d bench -c "CREATE UNIQUE INDEX ON \"$c\" (id)" >/dev/null
done
"${PSQL[@]}" -d bench -c "VACUUM ANALYZE" >/dev/null
PG_COUNTS=$(for c in "${COLLECTIONS[@]}"; do printf '%s %s, ' "$c" "$("${PSQL[@]}" -d bench -At -c "SELECT count(*) FROM \"$c\"")"; done)
say "PostGIS tables: ${PG_COUNTS%, }"

# --- 4. pygeoapi --------------------------------------------------------------
P_PORT=$(free_port)
export PGPORT PYGEOAPI_PORT=$P_PORT
export PYGEOAPI_CONFIG=$ROOT/bench/features/pygeoapi-config.yml
export PYGEOAPI_OPENAPI=$ABS_WORK/pygeoapi-openapi.yml
"$VENV/bin/pygeoapi" openapi generate "$PYGEOAPI_CONFIG" --output-file "$PYGEOAPI_OPENAPI" >"$LOGS/pygeoapi-openapi.log" 2>&1 \
  || { cat "$LOGS/pygeoapi-openapi.log" >&2; die "pygeoapi openapi generate failed"; }
P_CMD=("$VENV/bin/gunicorn" -w 2 -b "127.0.0.1:$P_PORT" pygeoapi.flask_app:APP)
say "pygeoapi: PYGEOAPI_CONFIG=bench/features/pygeoapi-config.yml ${P_CMD[*]}"
"${P_CMD[@]}" >"$LOGS/pygeoapi.log" 2>&1 &
P_PID=$!; PIDS+=("$P_PID")
P_URL=http://127.0.0.1:$P_PORT
wait_http "$P_URL/collections?f=json" "$LOGS/pygeoapi.log" "pygeoapi (gunicorn)"

# --- 5. the requests, and the same answers --------------------------------------
N_WALK=$(grep -c '"type":"Feature"' "$EXP/$WALK.geojson")
: >"$WORK/gapmap-bbox.txt"; : >"$WORK/pygeoapi-bbox.txt"; : >"$WORK/gapmap-walk.txt"; : >"$WORK/pygeoapi-walk.txt"
echo "/ogc/collections/sites/items?bbox=$BBOX&limit=$PAGE&f=json" >"$WORK/gapmap-bbox.txt"
echo "/collections/sites/items?bbox=$BBOX&limit=$PAGE&f=json" >"$WORK/pygeoapi-bbox.txt"
for off in $(seq 0 "$PAGE" $(( N_WALK - 1 ))); do
  echo "/ogc/collections/$WALK/items?limit=$PAGE&offset=$off&f=json" >>"$WORK/gapmap-walk.txt"
  echo "/collections/$WALK/items?limit=$PAGE&offset=$off&f=json" >>"$WORK/pygeoapi-walk.txt"
done
N_PAGES=$(wc -l <"$WORK/gapmap-walk.txt")
CHECK_BBOX=$(python3 bench/features/check_items.py "$G_URL" "$WORK/gapmap-bbox.txt" "$P_URL" "$WORK/pygeoapi-bbox.txt") \
  || { echo "$CHECK_BBOX" >&2; die "gapmap and pygeoapi answer the bbox request differently (see above)"; }
say "check bbox: $CHECK_BBOX"
CHECK_WALK=$(python3 bench/features/check_items.py "$G_URL" "$WORK/gapmap-walk.txt" "$P_URL" "$WORK/pygeoapi-walk.txt") \
  || { echo "$CHECK_WALK" >&2; die "gapmap and pygeoapi answer the paging walk differently (see above)"; }
say "check walk: $CHECK_WALK"
BBOX_MATCHED=$(python3 -c 'import json,sys; print(json.loads(sys.argv[1])["numberMatched"])' "$CHECK_BBOX")

# --- 6. wrk ---------------------------------------------------------------------
CASES=(gapmap-bbox pygeoapi-bbox gapmap-walk pygeoapi-walk)
declare -A BASE=([gapmap-bbox]=$G_URL [pygeoapi-bbox]=$P_URL [gapmap-walk]=$G_URL [pygeoapi-walk]=$P_URL)
declare -A PATHS=([gapmap-bbox]=gapmap-bbox.txt [pygeoapi-bbox]=pygeoapi-bbox.txt [gapmap-walk]=gapmap-walk.txt [pygeoapi-walk]=pygeoapi-walk.txt)
WRK_OPTS=(--timeout 30s --latency)
declare -A RPS
LOAD_BEFORE=$(loadavg)
wrk_rounds "${CASES[@]}"
LOAD_AFTER=$(loadavg)
G_HWM=$(hwm_kib "$G_PID")
P_RSS=$(ps -o rss= --ppid "$P_PID" | awk '{s+=$1} END{print s+0}')

# --- 7. table and verdict ------------------------------------------------
declare -A MED
# shellcheck disable=SC2086
for c in "${CASES[@]}"; do MED[$c]=$(median ${RPS[$c]}); done
lat() {  # CASE -> "p50 / p99" ms of the run closest to the median
  python3 - "$LOGS" "$1" "$RUNS" "${MED[$1]}" <<'PY'
import json, sys
logs, name, runs, med = sys.argv[1], sys.argv[2], int(sys.argv[3]), float(sys.argv[4])
js = [json.load(open(f"{logs}/wrk-{name}-{i}.json")) for i in range(1, runs + 1)]
j = min(js, key=lambda j: abs(j["rps"] - med))
print(f"{j['p50_us'] / 1000:.1f} / {j['p99_us'] / 1000:.1f}")
PY
}
ratio() { awk -v a="$1" -v b="$2" 'BEGIN{printf "%.1f", a/b}'; }
RB=$(ratio "${MED[gapmap-bbox]}" "${MED[pygeoapi-bbox]}")
RW=$(ratio "${MED[gapmap-walk]}" "${MED[pygeoapi-walk]}")
V_B=$(pass "$RB >= $TARGET_RATIO"); V_W=$(pass "$RW >= $TARGET_RATIO")
per_run() { printf '%.0f ' $1; }
TABLE=$(cat <<EOF
| request | server | req/s (median) | vs pygeoapi | p50 / p99 ms (wrk, saturated) | req/s per run |
|---|---|---:|---:|---:|---|
| sites bbox, limit $PAGE ($BBOX_MATCHED of them) | gapmap /ogc | $(printf '%.0f' "${MED[gapmap-bbox]}") | ${RB}× | $(lat gapmap-bbox) | $(per_run "${RPS[gapmap-bbox]}") |
| sites bbox, limit $PAGE ($BBOX_MATCHED of them) | pygeoapi + PostgreSQL | $(printf '%.0f' "${MED[pygeoapi-bbox]}") | 1.0× | $(lat pygeoapi-bbox) | $(per_run "${RPS[pygeoapi-bbox]}") |
| $WALK paging walk ($N_PAGES pages of $PAGE, $N_WALK features) | gapmap /ogc | $(printf '%.0f' "${MED[gapmap-walk]}") | ${RW}× | $(lat gapmap-walk) | $(per_run "${RPS[gapmap-walk]}") |
| $WALK paging walk ($N_PAGES pages of $PAGE, $N_WALK features) | pygeoapi + PostgreSQL | $(printf '%.0f' "${MED[pygeoapi-walk]}") | 1.0× | $(lat pygeoapi-walk) | $(per_run "${RPS[pygeoapi-walk]}") |
EOF
)
VERDICT=$(cat <<EOF
- $V_B bbox: gapmap ${RB}× pygeoapi's requests/s (target ≥ ${TARGET_RATIO}×)
- $V_W paging walk: gapmap ${RW}× pygeoapi's requests/s (target ≥ ${TARGET_RATIO}×)
EOF
)
CHECKS="bbox: $CHECK_BBOX
walk: $CHECK_WALK"
printf '\n%s\n\n%s\n' "$TABLE" "$VERDICT"

# --- 8. results file -------------------------------------------------------
results_file 'OGC API - Features benchmark (gapmap vs pygeoapi)' 'the header of that script and bench/README.md'
W_VER=$(wrk -v 2>&1 | head -n 1 | cut -d' ' -f1-2 || true)
cat >>"$OUT" <<EOF

$(run_heading "RUNS=$RUNS" "DURATION=$DURATION" "BBOX=$BBOX")

Dataset: the embedded Jelgavas novads dataset, snapshot $SNAPSHOT; pygeoapi reads gapmap's exports of \`${COLLECTIONS[*]}\` from PostGIS (${PG_COUNTS%, }).

$TABLE

req/s: median of $RUNS interleaved \`wrk -t2 -c$CONNS -d${DURATION}s --timeout 30s\` runs per server and request set (\`bench/tiles/paths.lua\` cycles the paths).
Memory at the end: gapmap VmHWM $(( G_HWM / 1024 )) MiB; pygeoapi's two gunicorn workers $(( P_RSS / 1024 )) MiB RSS (PostgreSQL not counted).

Requests (paths; gapmap on $G_URL, pygeoapi on $P_URL):

$(sed 's/^/    /' "$WORK/gapmap-bbox.txt")
$(sed 's/^/    /' "$WORK/pygeoapi-bbox.txt")
    $(head -n 1 "$WORK/gapmap-walk.txt") … (offset 0 to $(( (N_PAGES - 1) * PAGE )))
    $(head -n 1 "$WORK/pygeoapi-walk.txt") …

Same answers, checked before timing (\`bench/features/check_items.py\`: numberMatched, numberReturned, ids):

$(sed 's/^/    /' <<<"$CHECKS")

Verdict:

$VERDICT

Servers:

    ${G_CMD[*]}
    PGPORT=… PYGEOAPI_PORT=… PYGEOAPI_CONFIG=bench/features/pygeoapi-config.yml PYGEOAPI_OPENAPI=… ${P_CMD[*]}
    # tables: for c in ${COLLECTIONS[*]}: ogr2ogr -f PostgreSQL PG:… $EXP/\$c.geojson -nln \$c ${OGR_OPTS[*]}; CREATE UNIQUE INDEX ON \$c (id)

PostgreSQL: $PG_VER, $PG_CONF.

Machine: $(machine); wrk runs on the same machine. Load average before/after the timed runs: $LOAD_BEFORE / $LOAD_AFTER.
Versions: $(gapmap_version); $P_VERS; Python $(venv_python); \`$W_VER\`; $(ogr2ogr --version).
EOF
say "wrote $OUT"
