#!/usr/bin/env bash
# Gap-analysis benchmark (issue 4): gapmap vs GeoPandas vs PostGIS on the same
# national synthetic input, in one run, plus the incremental one-site rebuild
# on the Jelgava dataset.
#
#   bench/gaps/run.sh
#
# 1. builds target/release/gapmap (cargo decides whether anything changed) and
#    copies it to bench/work/gaps/gapmap, so a concurrent rebuild of target/
#    cannot swap the binary mid-run;
# 2. generates, once, bench/work/gaps/latvia/ with the deterministic
#    `gapmap synth --scale latvia --seed 42 --as-of 2026-01-01 --geojson`
#    (regenerated only when missing or when that command changes) -- the
#    GeoJSON files demand, coverage, sites and areas are what every tool reads;
# 3. gapmap: `gapmap ingest` of the four files into a store (once; timed and
#    reported, not part of the analysis), then RUNS (default 3) x
#    `gapmap gaps --store S --out DIR --timings`: load = reading the store,
#    analysis = every phase of the JSON timings but load (project, index,
#    prepare, facts, aggregate), total
#    = process wall (includes writing the outputs), peak RSS (/usr/bin/time);
# 4. GeoPandas (bench-only venv bench/work/venv, pinned versions):
#    bench/gaps/geopandas_pipeline.py -- read_file, to_crs, sjoin covered_by,
#    groupby idxmax, sjoin_nearest, np.select, groupby per parish;
# 5. PostGIS (Debian postgresql-15-postgis-3) on a throw-away cluster in
#    bench/work/pg on 127.0.0.1 (free port, socket in the work dir): ogr2ogr
#    loads the files (load), bench/gaps/postgis_analysis.sql is the analysis
#    (project, GiST, ST_Covers, DISTINCT ON, LATERAL <-> LIMIT 1, CASE,
#    GROUP BY parish); the cluster is stopped and removed on exit;
# 6. compares the residents per class (total and per parish) of the three
#    tools -- a mismatch is printed loudly -- and prints the side-by-side
#    table with PASS/FAIL per target;
# 7. incremental: `gapmap serve` on a copy of the Jelgava store with
#    --reload-poll-ms 50, MOVES (default 5) one-site edits ingested one by
#    one, the rebuild time read from the log line "new snapshot serving ...
#    ms=... facts=incremental";
# 8. appends everything (table, commands, machine, versions, timings JSON) to
#    bench/results/gaps-YYYY-MM-DD.md.
#
# Environment: RUNS=n (gapmap gaps runs, default 3); MOVES=n (one-site edits,
# default 5); GAPMAP_BIN=path (benchmark that binary, skip the build).
# Exit status: 0 when the benchmark ran (whatever the verdict), non-zero when a
# step failed.
set -euo pipefail

ROOT=$(cd "$(dirname "${BASH_SOURCE[0]}")/../.." && pwd)
cd "$ROOT"
BENCH=gaps
. bench/lib.sh

RUNS=${RUNS:-3}
MOVES=${MOVES:-5}
WORK=bench/work/gaps
DATA=$WORK/latvia
LOGS=$WORK/logs
VENV=bench/work/venv
PGDIR=$ROOT/bench/work/pg
RESULTS_DIR=bench/results
SYNTH_ARGS=(synth --scale latvia --seed 42 --as-of 2026-01-01 --out "$DATA" --geojson)
FILES=("$DATA/areas.geojson" "$DATA/sites.geojson" "$DATA/coverage.geojson" "$DATA/demand.geojson")
PIP_PKGS=(geopandas==1.2.0 shapely==2.2.0 pyogrio==0.13.0 pyproj)
PGBIN=/usr/lib/postgresql/15/bin
TARGET_ANALYSIS_S=2
TARGET_SPEEDUP=20
TARGET_INCREMENTAL_MS=10

T_START=$(date +%s)
mkdir -p "$WORK" "$LOGS" "$RESULTS_DIR"

# --- cleanup of everything this script starts ----------------------------
SERVER_PID=""; SAMPLER_PID=""; PG_STARTED=""
cleanup() {
  [ -n "$SERVER_PID" ] && kill "$SERVER_PID" 2>/dev/null || true
  [ -n "$SAMPLER_PID" ] && kill "$SAMPLER_PID" 2>/dev/null || true
  if [ -n "$PG_STARTED" ]; then
    $PGRUN "$PGBIN/pg_ctl" -D "$PGDIR/data" -m fast -w stop >/dev/null 2>&1 || true
    rm -rf "$PGDIR"
  fi
}
trap cleanup EXIT

# --- tools -----------------------------------------------------------------
[ -x /usr/bin/time ] || { say "installing Debian package time"; apt_install time || true; }
[ -x /usr/bin/time ] || die "/usr/bin/time not found: apt-get install time"
command -v ogr2ogr >/dev/null || { say "installing gdal-bin"; apt_install gdal-bin || true; }
command -v ogr2ogr >/dev/null || die "ogr2ogr not found: apt-get install gdal-bin"
if [ ! -f /usr/share/postgresql/15/extension/postgis.control ]; then
  say "installing postgresql-15-postgis-3"; apt_install postgresql-15-postgis-3 || true
fi
[ -f /usr/share/postgresql/15/extension/postgis.control ] || die "PostGIS missing: apt-get install postgresql-15-postgis-3"
# PostgreSQL refuses to run as root: run the server as the postgres user then.
if as_root; then PGRUN="runuser -u postgres --"; else PGRUN=""; fi

# measure OUT LOG cmd...: runs cmd (stdout+stderr to LOG) and writes
# "wall_s peak_rss_kib user_s sys_s" to OUT

# --- 1. build -----------------------------------------------------------
build_gapmap

# --- 2. input, once -----------------------------------------------------
STAMP=$DATA/.generated-by
WANT_STAMP="gapmap ${SYNTH_ARGS[*]}"
if [ ! -s "$DATA/demand.geojson" ] || [ "$(cat "$STAMP" 2>/dev/null)" != "$WANT_STAMP" ]; then
  say "generate: $WANT_STAMP"
  rm -rf "$DATA"
  t0=$(date +%s)
  "$BIN" "${SYNTH_ARGS[@]}" >"$LOGS/synth.log" 2>&1 || { cat "$LOGS/synth.log" >&2; die "synth failed"; }
  echo "$WANT_STAMP" >"$STAMP"
  GEN_NOTE="generated in this run in $(( $(date +%s) - t0 )) s"
else
  GEN_NOTE="reused (generated by an earlier run)"
fi
SYNTH_SAYS=$(grep -v '^wrote ' "$LOGS/synth.log" 2>/dev/null | tail -n 1 || true)
N_DEMAND=$(grep -c '"type":"Feature"' "$DATA/demand.geojson")
N_COVERAGE=$(grep -c '"type":"Feature"' "$DATA/coverage.geojson")
N_SITES=$(grep -c '"type":"Feature"' "$DATA/sites.geojson")
N_AREAS=$(grep -c '"type":"Feature"' "$DATA/areas.geojson")
COV_SHAPE=$(python3 - "$DATA/coverage.geojson" <<'PY'
import json, sys
fs = json.load(open(sys.argv[1]))["features"]
v = h = 0
for f in fs:
    g = f["geometry"]; polys = [g["coordinates"]] if g["type"] == "Polygon" else g["coordinates"]
    for p in polys:
        h += len(p) - 1; v += sum(len(r) for r in p)
print(f"{v / len(fs):.0f} vertices per polygon on average, {h} holes")
PY
)
INPUT_MIB=$(du -cm "${FILES[@]}" | tail -n 1 | cut -f1)
say "input: $N_DEMAND demand points, $N_COVERAGE coverage polygons ($COV_SHAPE), $N_SITES sites, $N_AREAS areas; $INPUT_MIB MiB"
cat "${FILES[@]}" >/dev/null   # page cache: no tool pays for the disk

# --- 3. gapmap ----------------------------------------------------------
STORE=$WORK/store.gpkg
rm -f "$STORE" "$STORE-journal" "$STORE-wal" "$STORE-shm"
INGEST_CMD=("$BIN" ingest --store "$STORE" "${FILES[@]}")
say "gapmap ingest (once)"
measure "$LOGS/ingest.time" "$LOGS/ingest.log" "${INGEST_CMD[@]}" || { cat "$LOGS/ingest.log" >&2; die "gapmap ingest failed"; }
read -r INGEST_S INGEST_KIB _ _ <"$LOGS/ingest.time"
say "gapmap ingest: $INGEST_S s, peak RSS $(( INGEST_KIB / 1024 )) MiB"
GAPS_CMD=("$BIN" gaps --store "$STORE" --out "$WORK/gapmap-out" --timings)
declare -a G_LOAD G_AN G_WALL G_KIB G_CPU
G_LOAD_BEFORE=$(loadavg)
for i in $(seq 1 "$RUNS"); do
  rm -rf "$WORK/gapmap-out"
  measure "$LOGS/gaps.$i.time" "$LOGS/gaps.$i.log" "${GAPS_CMD[@]}" || { cat "$LOGS/gaps.$i.log" >&2; die "gapmap gaps failed (run $i)"; }
  grep '"timings_ms"' "$LOGS/gaps.$i.log" >"$LOGS/gaps.$i.json"
  read -r w k u s <"$LOGS/gaps.$i.time"
  read -r l a <<<"$(python3 -c 'import json,sys; t=json.load(open(sys.argv[1]))["timings_ms"]; print("%.3f %.3f" % (t["load"]/1000, sum(v for k, v in t.items() if k != "load")/1000))' "$LOGS/gaps.$i.json")"
  G_LOAD+=("$l"); G_AN+=("$a"); G_WALL+=("$w"); G_KIB+=("$k"); G_CPU+=("$(awk -v u="$u" -v s="$s" 'BEGIN{printf "%.1f", u+s}')")
  say "gapmap gaps run $i/$RUNS: load $l s, analysis $a s, wall $w s, CPU $(awk -v u="$u" -v s="$s" 'BEGIN{print u+s}') s, peak RSS $(( k / 1024 )) MiB: $(cat "$LOGS/gaps.$i.json")"
done
G_LOAD_AFTER=$(loadavg)

# --- 4. GeoPandas -------------------------------------------------------
if [ ! -x "$VENV/bin/python" ] || ! "$VENV/bin/python" -c 'import geopandas, shapely, pyogrio, pyproj, sys; sys.exit(not (geopandas.__version__ == "1.2.0" and shapely.__version__ == "2.2.0" and pyogrio.__version__ == "0.13.0"))' 2>/dev/null; then
  say "venv: pip install ${PIP_PKGS[*]}"
  rm -rf "$VENV"; python3 -m venv "$VENV"
  "$VENV/bin/pip" install -q "${PIP_PKGS[@]}"
fi
GPD_CMD=("$VENV/bin/python" bench/gaps/geopandas_pipeline.py "$DATA" "$WORK/geopandas.json")
say "GeoPandas pipeline"
P_LOAD_BEFORE=$(loadavg)
measure "$LOGS/geopandas.time" "$LOGS/geopandas.log" "${GPD_CMD[@]}" || { cat "$LOGS/geopandas.log" >&2; die "GeoPandas pipeline failed"; }
P_LOAD_AFTER=$(loadavg)
read -r P_WALL P_KIB P_U P_S <"$LOGS/geopandas.time"
read -r P_LOAD P_AN <<<"$(python3 -c 'import json,sys; r=json.load(open(sys.argv[1])); print(r["load_s"], r["analysis_s"])' "$WORK/geopandas.json")"
P_VER=$(python3 -c 'import json,sys; v=json.load(open(sys.argv[1]))["versions"]; print("geopandas %s, shapely %s (GEOS %s), pyogrio %s (GDAL %s), pandas %s" % (v["geopandas"], v["shapely"], v["geos"], v["pyogrio"], v["gdal"], v["pandas"]))' "$WORK/geopandas.json")
say "GeoPandas: load $P_LOAD s, analysis $P_AN s, wall $P_WALL s, peak RSS $(( P_KIB / 1024 )) MiB"

# --- 5. PostGIS -----------------------------------------------------------
say "PostGIS: throw-away cluster in $PGDIR"
rm -rf "$PGDIR"; mkdir -p "$PGDIR/sock"
PGPORT=$(python3 -c 'import socket; s=socket.socket(); s.bind(("127.0.0.1", 0)); print(s.getsockname()[1])')
as_root && chown -R postgres: "$PGDIR"
$PGRUN "$PGBIN/initdb" -D "$PGDIR/data" -U bench -A trust -E UTF8 --locale=C >"$LOGS/initdb.log" 2>&1 || { cat "$LOGS/initdb.log" >&2; die "initdb failed"; }
PG_CONF="shared_buffers = 2GB, work_mem = 256MB, maintenance_work_mem = 1GB, fsync = off, synchronous_commit = off, full_page_writes = off, max_wal_size = 8GB (other settings default)"
cat >>"$PGDIR/data/postgresql.conf" <<EOF
listen_addresses = '127.0.0.1'
port = $PGPORT
unix_socket_directories = '$PGDIR/sock'
shared_buffers = 2GB
work_mem = 256MB
maintenance_work_mem = 1GB
fsync = off
synchronous_commit = off
full_page_writes = off
max_wal_size = 8GB
EOF
PG_STARTED=1
$PGRUN "$PGBIN/pg_ctl" -D "$PGDIR/data" -l "$PGDIR/server.log" -w start >/dev/null || { cat "$PGDIR/server.log" >&2; die "pg_ctl start failed"; }
PSQL=(psql -X -q -h "$PGDIR/sock" -p "$PGPORT" -U bench)
"${PSQL[@]}" -d postgres -c "CREATE DATABASE bench" >/dev/null
"${PSQL[@]}" -d bench -c "CREATE EXTENSION postgis" >/dev/null
PG_VER=$("${PSQL[@]}" -d bench -At -c "SELECT split_part(version(), ' on ', 1) || ', PostGIS ' || postgis_lib_version() || ' (GEOS ' || postgis_geos_version() || ', PROJ ' || postgis_proj_version() || ')'")
# Peak memory of the server: the sum of PSS (shared buffers counted once) over
# the postmaster and its children, sampled every 0.2 s.
python3 - "$PGDIR/data/postmaster.pid" "$LOGS/pg_pss_kib" <<'PY' &
import os, sys, time
pm = int(open(sys.argv[1]).readline())
peak = 0
while os.path.exists(f"/proc/{pm}"):
    total = 0
    for p in os.listdir("/proc"):
        if not p.isdigit():
            continue
        try:
            ppid = int(open(f"/proc/{p}/stat").read().rsplit(")", 1)[1].split()[1])
            if int(p) != pm and ppid != pm:
                continue
            for line in open(f"/proc/{p}/smaps_rollup"):
                if line.startswith("Pss:"):
                    total += int(line.split()[1])
        except (OSError, ValueError, IndexError):
            pass
    if total > peak:
        peak = total
        with open(sys.argv[2], "w") as f:
            f.write(f"{peak}\n")
    time.sleep(0.2)
PY
SAMPLER_PID=$!
PGCONN="PG:host=$PGDIR/sock port=$PGPORT user=bench dbname=bench"
OGR_OPTS=(-lco GEOMETRY_NAME=geom -lco FID=ogc_fid -lco SPATIAL_INDEX=NONE -gt 65536)
S_LOAD_BEFORE=$(loadavg)
t0=$(date +%s.%N)
for f in "${FILES[@]}"; do
  l=$(basename "$f" .geojson)
  ogr2ogr -f PostgreSQL "$PGCONN" "$f" -nln "$l" "${OGR_OPTS[@]}" >>"$LOGS/ogr2ogr.log" 2>&1 || { cat "$LOGS/ogr2ogr.log" >&2; die "ogr2ogr $l failed"; }
done
S_LOAD=$(awk -v a="$t0" -v b="$(date +%s.%N)" 'BEGIN{printf "%.1f", b-a}')
say "PostGIS load (ogr2ogr, 4 files): $S_LOAD s; analysis (bench/gaps/postgis_analysis.sql) ..."
t0=$(date +%s.%N)
"${PSQL[@]}" -d bench -f bench/gaps/postgis_analysis.sql >"$LOGS/postgis.log" 2>&1 || { cat "$LOGS/postgis.log" >&2; die "PostGIS analysis failed"; }
S_AN=$(awk -v a="$t0" -v b="$(date +%s.%N)" 'BEGIN{printf "%.1f", b-a}')
S_LOAD_AFTER=$(loadavg)
"${PSQL[@]}" -d bench -At >"$WORK/postgis.json" <<'SQL'
SELECT json_build_object(
  'tool', 'postgis',
  'totals', (SELECT json_build_object(
      'gigabit', sum(gigabit), 'served', sum(served), 'underserved', sum(underserved), 'unserved', sum(unserved),
      'mobile_none', sum(mobile_none), 'mobile_lt2', sum(mobile_lt2), 'mobile_2to30', sum(mobile_2to30),
      'mobile_ge30', sum(mobile_ge30), 'near', sum(near), 'far', sum(far),
      'digitally_underserved', sum(digitally_underserved), 'providers_none', sum(providers_none),
      'providers_one', sum(providers_one), 'providers_several', sum(providers_several),
      'residents', sum(residents), 'points', sum(points)) FROM per_parish),
  'parishes', (SELECT json_object_agg(coalesce(parish_id, ''), json_strip_nulls(row_to_json(p))) FROM per_parish p));
SQL
kill "$SAMPLER_PID" 2>/dev/null || true; wait "$SAMPLER_PID" 2>/dev/null || true; SAMPLER_PID=""
S_KIB=$(cat "$LOGS/pg_pss_kib" 2>/dev/null || echo 0)
# Per-statement times of the analysis, in file order.
S_STEPS=$(awk '/^Time: /{printf "%s%.1f", (n++ ? ", " : ""), $2/1000}' "$LOGS/postgis.log")
say "PostGIS: load $S_LOAD s, analysis $S_AN s, server peak PSS $(( S_KIB / 1024 )) MiB"
$PGRUN "$PGBIN/pg_ctl" -D "$PGDIR/data" -m fast -w stop >/dev/null 2>&1 || true
rm -rf "$PGDIR"; PG_STARTED=""

# --- 6. compare the class counts ---------------------------------------
COMPARE=$(python3 - "$WORK/gapmap-out" "$WORK/geopandas.json" "$WORK/postgis.json" <<'PY'
import csv, json, sys
out, gpd_path, pg_path = sys.argv[1:]
KEYS = ["gigabit", "served", "underserved", "unserved", "mobile_none", "mobile_lt2", "mobile_2to30", "mobile_ge30",
        "near", "far", "digitally_underserved", "providers_none", "providers_one", "providers_several", "residents"]
s = json.load(open(f"{out}/summary.json"))
g = {**s["by_fixed_class"], **{f"mobile_{k}": v for k, v in s["by_mobile_class"].items()}, **s["by_public_access"],
     "digitally_underserved": s["digitally_underserved"],
     **{f"providers_{k}": v for k, v in s["by_fixed_providers"].items()}, "residents": s["residents"]}
# per parish: the columns parishes.csv has (no provider counts)
pk = [k for k in KEYS if not k.startswith("providers_")]
gp = {}
for row in csv.DictReader(open(f"{out}/parishes.csv")):
    if row["residents"] in ("", "0"):
        continue  # disclosure control (1-4 residents) or empty: not comparable
    gp[row["id"]] = {k: int(row[k]) for k in pk}
P = json.load(open(gpd_path)); Q = json.load(open(pg_path))
tools = {"gapmap": (g, gp), "GeoPandas": (P["totals"], P["parishes"]), "PostGIS": (Q["totals"], Q["parishes"])}
lines = ["| class (residents) | gapmap | GeoPandas | PostGIS | same |", "|---|---:|---:|---:|:---:|"]
bad = 0
for k in KEYS:
    vals = [int(t[0].get(k) or 0) for t in tools.values()]
    same = len(set(vals)) == 1
    bad += not same
    lines.append(f"| {k} | " + " | ".join(f"{v:,}" for v in vals) + f" | {'yes' if same else '**NO — MISMATCH**'} |")
ids = sorted(set(gp) | {i for i in P["parishes"] if i} | {i for i in Q["parishes"] if i})
pbad = []
for i in ids:
    rows = [gp.get(i), P["parishes"].get(i), Q["parishes"].get(i)]
    vals = [tuple(int((r or {}).get(k) or 0) for k in pk) for r in rows]
    if len(set(vals)) != 1:
        pbad.append(i)
verdict = "IDENTICAL" if bad == 0 and not pbad else "MISMATCH"
print(verdict)
print("\n".join(lines))
print()
print(f"Per parish ({len(pk)} class columns each): {len(ids)} parishes compared, {len(pbad)} differ"
      + (f" — **MISMATCH in: {', '.join(pbad[:20])}{' …' if len(pbad) > 20 else ''}**" if pbad else " (all identical)") + ".")
PY
)
COUNTS_VERDICT=$(head -n 1 <<<"$COMPARE"); COUNTS_TABLE=$(tail -n +2 <<<"$COMPARE")
if [ "$COUNTS_VERDICT" != IDENTICAL ]; then
  printf '\n!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!\n' >&2
  printf '!!! CLASS COUNTS DIFFER BETWEEN THE TOOLS -- see the table below     !!!\n' >&2
  printf '!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!\n' >&2
fi

# --- 7. incremental one-site rebuild (Jelgava) ------------------------
say "incremental: gapmap serve on a copy of the Jelgava store, $MOVES one-site edits"
J=$WORK/jelgava
rm -rf "$J"; mkdir -p "$J"
J_FULL_CMD=(env GAPMAP_DATA_DIR="$J/data" "$BIN" gaps --out "$J/out" --timings)
"${J_FULL_CMD[@]}" >"$LOGS/jelgava-gaps.log" 2>&1 || { cat "$LOGS/jelgava-gaps.log" >&2; die "gapmap gaps (Jelgava) failed"; }
J_FULL=$(grep '"timings_ms"' "$LOGS/jelgava-gaps.log")
cp "$J/data/jelgava.gpkg" "$J/serve.gpkg"
# One free-Wi-Fi site (library-ane), moved east by 250 m .. 1.25 km and back.
python3 - geodata/jelgava/sites.geojson "$J" "$MOVES" <<'PY'
import json, sys
src, out, n = sys.argv[1], sys.argv[2], int(sys.argv[3])
f = next(f for f in json.load(open(src))["features"] if (f.get("id") or f["properties"].get("id")) == "library-ane")
x0 = f["geometry"]["coordinates"][0]
for i in range(n):
    g = json.loads(json.dumps(f))
    g["geometry"]["coordinates"][0] = round(x0 + 0.004 * ((i % 5) + 1), 7)
    json.dump({"type": "FeatureCollection", "features": [g]}, open(f"{out}/move{i}.geojson", "w"))
PY
RUST_LOG=info NO_COLOR=1 "$BIN" serve --store "$J/serve.gpkg" --port 0 --reload-poll-ms 50 >"$LOGS/serve.log" 2>&1 &
SERVER_PID=$!
# Up to 2 minutes: on a shared machine under load the first snapshot can be slow.
for _ in $(seq 1 1200); do
  grep -q 'gapmap: serving' "$LOGS/serve.log" && break
  kill -0 "$SERVER_PID" 2>/dev/null || break
  sleep 0.1
done
grep -q 'gapmap: serving' "$LOGS/serve.log" || { cat "$LOGS/serve.log" >&2; die "gapmap serve did not start (log above)"; }
sleep 0.3
strip() { sed 's/\x1b\[[0-9;]*m//g' "$1"; }
declare -a INC_MS
for i in $(seq 0 $(( MOVES - 1 ))); do
  before=$(strip "$LOGS/serve.log" | grep -c 'new snapshot serving' || true)
  "$BIN" ingest --store "$J/serve.gpkg" --layer sites "$J/move$i.geojson" >>"$LOGS/move-ingest.log" 2>&1 || die "ingest of the one-site edit failed"
  for _ in $(seq 1 200); do
    [ "$(strip "$LOGS/serve.log" | grep -c 'new snapshot serving' || true)" -gt "$before" ] && break; sleep 0.05
  done
  line=$(strip "$LOGS/serve.log" | grep 'new snapshot serving' | tail -n 1)
  [ "$(strip "$LOGS/serve.log" | grep -c 'new snapshot serving' || true)" -gt "$before" ] || die "no new snapshot after edit $i"
  ms=$(sed -n 's/.* ms=\([0-9]*\).*/\1/p' <<<"$line"); mode=$(sed -n 's/.*facts="\([a-z]*\)".*/\1/p' <<<"$line")
  [ "$mode" = incremental ] || say "WARNING: edit $i was rebuilt with facts=$mode, not incremental"
  INC_MS+=("$ms")
  say "edit $i: rebuild $ms ms (facts=$mode)"
done
kill "$SERVER_PID" 2>/dev/null || true; wait "$SERVER_PID" 2>/dev/null || true; SERVER_PID=""
INC_LINES=$(strip "$LOGS/serve.log" | grep 'new snapshot serving' | sed 's/^[^ ]* *//')

# --- 8. table and verdict ------------------------------------------------
G_L=$(median "${G_LOAD[@]}"); G_A=$(median "${G_AN[@]}"); G_W=$(median "${G_WALL[@]}"); G_K=$(maxof "${G_KIB[@]}")
P_TOTAL=$(awk -v a="$P_LOAD" -v b="$P_AN" 'BEGIN{printf "%.1f", a+b}')
S_TOTAL=$(awk -v a="$S_LOAD" -v b="$S_AN" 'BEGIN{printf "%.1f", a+b}')
ratio() { awk -v p="$1" -v g="$2" 'BEGIN{printf "%.1f", p/g}'; }
SP_P=$(ratio "$P_AN" "$G_A"); SP_S=$(ratio "$S_AN" "$G_A")
INC_MED=$(median "${INC_MS[@]}")
V_AN=$(pass "$G_A <= $TARGET_ANALYSIS_S"); V_SP=$(pass "$SP_P >= $TARGET_SPEEDUP"); V_SS=$(pass "$SP_S >= $TARGET_SPEEDUP")
V_CNT=$([ "$COUNTS_VERDICT" = IDENTICAL ] && echo PASS || echo FAIL)
V_INC=$(pass "$INC_MED <= $TARGET_INCREMENTAL_MS")
mib() { echo $(( $1 / 1024 )); }

TABLE=$(cat <<EOF
| tool | version | load s | analysis s | total s | peak RSS MB | gapmap analysis speed-up | class counts |
|---|---|---:|---:|---:|---:|---:|---|
| gapmap gaps | $G_VER @ $COMMIT | $G_L | $G_A | $G_W | $(mib "$G_K") | 1.0× | $COUNTS_VERDICT |
| GeoPandas | $P_VER | $P_LOAD | $P_AN | $P_TOTAL | $(mib "$P_KIB") | ${SP_P}× | $COUNTS_VERDICT |
| PostGIS | $PG_VER | $S_LOAD | $S_AN | $S_TOTAL | $(mib "$S_KIB") ¹ | ${SP_S}× | $COUNTS_VERDICT |
EOF
)
NOTES=$(cat <<EOF
Work: all three read the same $N_DEMAND demand points, $N_COVERAGE coverage polygons, $N_SITES sites and $N_AREAS parishes (full scale, no subset).
- gapmap: load = reading the GeoPackage store (timings_ms.load); analysis = every phase but load: project + index + prepare + facts + aggregate (timings_ms; the aggregate also builds the 1 km grid and gap clusters, which the peers do not); total = process wall incl. writing points.csv, parishes.csv, grid, clusters; median of $RUNS runs (runs: analysis ${G_AN[*]} s; load ${G_LOAD[*]} s; wall ${G_WALL[*]} s; CPU user+sys ${G_CPU[*]} s); peak RSS = max over the runs. \`gapmap ingest\` of the four files into the store (once, not in the table): $INGEST_S s, peak RSS $(mib "$INGEST_KIB") MB.
- GeoPandas: one run; load = read_file of the four GeoJSON files; analysis = to_crs + sjoin + best service + sjoin_nearest + classify + groupby (phases in the JSON below); total = load + analysis (process wall incl. imports: $P_WALL s); peak RSS of the python process.
- PostGIS: one run; load = ogr2ogr of the four GeoJSON files into the cluster; analysis = psql wall of bench/gaps/postgis_analysis.sql (statements, s: $S_STEPS); total = load + analysis. ¹ peak of the summed PSS of the server processes (client excluded), sampled every 0.2 s.
EOF
)
VERDICT=$(cat <<EOF
- $V_AN gapmap analysis ${G_A} s wall on $(nproc) cores (target ≤ ${TARGET_ANALYSIS_S} s)
- $V_SP gapmap analysis ${SP_P}× faster than GeoPandas (target ≥ ${TARGET_SPEEDUP}×)
- $V_SS gapmap analysis ${SP_S}× faster than PostGIS (target ≥ ${TARGET_SPEEDUP}×)
- $V_CNT class counts identical across the three tools ($COUNTS_VERDICT)
- $V_INC one-site change on the Jelgava dataset: median ${INC_MED} ms (edits: ${INC_MS[*]} ms) for the whole incremental snapshot rebuild, *including reading the store* (target ≤ ${TARGET_INCREMENTAL_MS} ms) (each log line below also gives the phases: load = reading the changed layer, facts = the nearest-site update, aggregate = classes and aggregates)
EOF
)
printf '\n%s\n\n%s\n\n%s\n\n%s\n' "$TABLE" "$NOTES" "$COUNTS_TABLE" "$VERDICT"

# --- 9. results file -------------------------------------------------------
results_file 'Gap-analysis benchmark' 'the header of that script'
cat >>"$OUT" <<EOF

$(run_heading "RUNS=$RUNS" "MOVES=$MOVES")

Input: \`gapmap ${SYNTH_ARGS[*]}\` ($GEN_NOTE): $N_DEMAND demand points (the issue asks for about 1M), $N_COVERAGE coverage polygons ($COV_SHAPE), $N_SITES sites, $N_AREAS parishes; $INPUT_MIB MiB of GeoJSON.${SYNTH_SAYS:+ synth said: \`$SYNTH_SAYS\`}

$TABLE

$NOTES

Class counts, residents (totals; per-parish rows compared too):

$COUNTS_TABLE

Verdict:

$VERDICT

Commands (timed):

    ${INGEST_CMD[*]}            # once, reported above
    ${GAPS_CMD[*]}              # x $RUNS
    ${GPD_CMD[*]}
    for f in ${FILES[*]}; do ogr2ogr -f PostgreSQL "PG:host=… port=… user=bench dbname=bench" \$f -nln <layer> ${OGR_OPTS[*]}; done
    psql -h … -p … -U bench -d bench -f bench/gaps/postgis_analysis.sql
    # incremental: ${J_FULL_CMD[*]}; cp the store; RUST_LOG=info $BIN serve --store $J/serve.gpkg --port 0 --reload-poll-ms 50;
    #              then $MOVES x: $BIN ingest --store $J/serve.gpkg --layer sites $J/moveN.geojson (library-ane moved 250 m … 1.25 km)

PostgreSQL settings: $PG_CONF.

Where gapmap's time goes (\`gaps --timings\`, ms, one line per run):

$(for i in $(seq 1 "$RUNS"); do printf '    %s\n' "$(cat "$LOGS/gaps.$i.json")"; done)

GeoPandas phases (s): \`$(python3 -c 'import json,sys; print(json.dumps(json.load(open(sys.argv[1]))["timings_s"]))' "$WORK/geopandas.json")\`;
coverage pairs from the join: $(python3 -c 'import json,sys; print(json.load(open(sys.argv[1]))["counts"]["coverage_pairs"])' "$WORK/geopandas.json").

Incremental (Jelgava): full \`gapmap gaps --timings\` on the same store, for scale: \`$J_FULL\`. Server log lines of the $MOVES one-site edits:

$(printf '%s\n' "$INC_LINES" | sed 's/^/    /')

Machine: $(machine). The machine is shared with other sessions: load average before/after gapmap $G_LOAD_BEFORE / $G_LOAD_AFTER, GeoPandas $P_LOAD_BEFORE / $P_LOAD_AFTER, PostGIS $S_LOAD_BEFORE / $S_LOAD_AFTER.
Versions: $(gapmap_version); $P_VER, Python $(venv_python); $PG_VER; $(ogr2ogr --version).
EOF
say "wrote $OUT"
