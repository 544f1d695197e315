#!/usr/bin/env bash
# Ingest benchmark: gapmap vs ogr2ogr on the same synthetic GeoJSON.
#
#   bench/ingest/run.sh            (or: make bench-ingest)
#
# 1. builds target/release/gapmap (cargo decides whether anything changed);
# 2. generates, once, bench/work/latvia/demand.geojson with the deterministic
#    `gapmap synth --scale latvia --seed 42` (regenerated only when missing or
#    when the generator command below changes);
# 3. times, interleaved, RUNS (default 3) runs of each tool into fresh outputs:
#      gapmap ingest --store bench/work/gapmap.gpkg --layer demand demand.geojson
#      ogr2ogr -f GPKG bench/work/ogr.gpkg demand.geojson
#    (ogr2ogr with default options: GPKG output builds an R-tree spatial index
#    on the geometry column, as gapmap's store does, so both do the same work);
# 4. checks both stores hold the same number of features (ogrinfo -so);
# 5. prints a markdown table and PASS/FAIL per target (gapmap >= 2x ogr2ogr
#    points/s; gapmap peak RSS <= 1 GiB) -- FAIL does not change the exit status;
# 6. appends the table, command, machine facts and versions to
#    bench/results/ingest-YYYY-MM-DD.md.
#
# Environment: RUNS=n (runs per tool, default 3); GAPMAP_BIN=path (benchmark
# that binary and skip the build). Exit status: 0 when the benchmark ran
# (whatever the verdict), non-zero when a step failed (build, generate, a tool
# exiting non-zero, or the two stores disagreeing on the feature count).
set -euo pipefail

ROOT=$(cd "$(dirname "${BASH_SOURCE[0]}")/../.." && pwd)
cd "$ROOT"
BENCH=ingest
. bench/lib.sh

RUNS=${RUNS:-3}
WORK=bench/work
DATA=$WORK/latvia
INPUT=$DATA/demand.geojson
LOGS=$WORK/logs
RESULTS_DIR=bench/results
# Fixed --as-of so the generated file is byte-identical on any day (synth
# defaults it to today's date).
SYNTH_ARGS=(synth --scale latvia --seed 42 --as-of 2026-01-01 --out "$DATA" --geojson)
TARGET_SPEEDUP=2
TARGET_RSS_MIB=1024

command -v ogr2ogr >/dev/null && command -v ogrinfo >/dev/null \
  || die "ogr2ogr/ogrinfo not found: apt-get install gdal-bin"

# --- how to measure wall time and peak RSS --------------------------------
# /usr/bin/time (Debian package `time`); installed here when running as root;
# otherwise a small python wrapper reading getrusage(RUSAGE_CHILDREN).
if [ ! -x /usr/bin/time ] && as_root && command -v apt-get >/dev/null; then
  say "installing Debian package time (for /usr/bin/time)"
  apt_install time || true
fi
if [ -x /usr/bin/time ]; then
  MEASURE_WITH="/usr/bin/time -f '%e %M %U %S'"
  # measure (bench/lib.sh) writes "wall_s peak_rss_kib user_s sys_s" with /usr/bin/time
else
  command -v python3 >/dev/null || die "need /usr/bin/time or python3 to measure"
  MEASURE_WITH="python3 resource.getrusage(RUSAGE_CHILDREN)"
  measure() {
    local out=$1 log=$2; shift 2
    python3 - "$out" "$@" >"$log" 2>&1 <<'PY'
import resource, subprocess, sys, time
out, cmd = sys.argv[1], sys.argv[2:]
t0 = time.monotonic()
rc = subprocess.call(cmd)
wall = time.monotonic() - t0
ru = resource.getrusage(resource.RUSAGE_CHILDREN)  # ru_maxrss is KiB on Linux
with open(out, "w") as f:
    f.write(f"{wall:.2f} {ru.ru_maxrss} {ru.ru_utime:.2f} {ru.ru_stime:.2f}\n")
sys.exit(rc)
PY
  }
fi

# --- 1. build ---------------------------------------------------------------
T_START=$(date +%s)
if [ -n "${GAPMAP_BIN:-}" ]; then
  BIN=$GAPMAP_BIN
  [ -x "$BIN" ] || die "GAPMAP_BIN=$BIN is not executable"
  BUILD_NOTE="prebuilt binary GAPMAP_BIN=$BIN (not rebuilt)"
else
  BIN=target/release/gapmap
  say "build: cargo build --release --bin gapmap"
  t0=$(date +%s)
  cargo build --release --bin gapmap
  BUILD_NOTE="cargo build --release --bin gapmap ($(( $(date +%s) - t0 )) s)"
fi

# --- 2. generate the input once ------------------------------------------
mkdir -p "$WORK" "$LOGS" "$RESULTS_DIR"
synth_once "$DATA" demand.geojson
if [ -n "$SYNTH_S" ]; then
  GEN_NOTE="generated in this run in $SYNTH_S s: gapmap ${SYNTH_ARGS[*]}"
  tail -n 1 "$LOGS/synth.log" >&2
else
  GEN_NOTE="reused $INPUT (generated earlier by: gapmap ${SYNTH_ARGS[*]})"
fi
# Count the features: one per line in synth's output; confirmed below by both
# stores' ogrinfo counts.
POINTS=$(grep -c '"type":"Feature"' "$INPUT")
INPUT_MIB=$(awk -v b="$(stat -c %s "$INPUT")" 'BEGIN{printf "%.1f", b/1048576}')
INPUT_SHA=$(sha256sum "$INPUT" | cut -c1-16)
say "input: $INPUT, $POINTS features, $INPUT_MIB MiB, sha256 $INPUT_SHA…"
# Put the input in the page cache so neither tool's first run pays for the disk.
cat "$INPUT" >/dev/null

# --- 3. timed runs, interleaved ------------------------------------------
GAPMAP_OUT=$WORK/gapmap.gpkg
OGR_OUT=$WORK/ogr.gpkg
fresh() { rm -f "$1" "$1-journal" "$1-wal" "$1-shm"; }
GAPMAP_CMD=("$BIN" ingest --store "$GAPMAP_OUT" --layer demand "$INPUT")
OGR_CMD=(ogr2ogr -f GPKG "$OGR_OUT" "$INPUT")
declare -a G_S G_K G_C O_S O_K O_C
LOAD_BEFORE=$(loadavg)
for i in $(seq 1 "$RUNS"); do
  fresh "$GAPMAP_OUT"
  timed_run G gapmap "$i" "gapmap ingest" "${GAPMAP_CMD[@]}"
  fresh "$OGR_OUT"
  timed_run O ogr2ogr "$i" ogr2ogr "${OGR_CMD[@]}"
done
LOAD_AFTER=$(loadavg)

# --- 4. the outputs must agree -------------------------------------------
count() { ogrinfo -ro -so "$1" "$2" 2>/dev/null | sed -n 's/^Feature Count: //p'; }
G_COUNT=$(count "$GAPMAP_OUT" demand)
O_COUNT=$(count "$OGR_OUT" demand)
[ -n "$G_COUNT" ] && [ "$G_COUNT" = "$O_COUNT" ] && [ "$G_COUNT" = "$POINTS" ] \
  || die "stores disagree: gapmap.gpkg demand=$G_COUNT, ogr.gpkg demand=$O_COUNT, input=$POINTS"
# Both must carry a spatial index, or the comparison is not like for like.
rtree() { ogrinfo -ro -q "$1" -sql "SELECT count(*) AS n FROM gpkg_extensions WHERE extension_name='gpkg_rtree_index' AND lower(table_name)='demand'" 2>/dev/null | sed -n 's/^ *n (Integer) = //p'; }
G_RTREE=$(rtree "$GAPMAP_OUT"); O_RTREE=$(rtree "$OGR_OUT")

# --- 5. table and verdict ------------------------------------------------
G_MED=$(median "${G_S[@]}"); O_MED=$(median "${O_S[@]}")
G_CMED=$(median "${G_C[@]}"); O_CMED=$(median "${O_C[@]}")
CPU_RATIO=$(awk -v g="$G_CMED" -v o="$O_CMED" 'BEGIN{printf "%.2f", o/g}')
G_PEAK=$(maxof "${G_K[@]}"); O_PEAK=$(maxof "${O_K[@]}")
mib() { awk -v b="$1" 'BEGIN{printf "%.0f", b/1048576}'; }
G_SIZE=$(mib "$(stat -c %s "$GAPMAP_OUT")"); O_SIZE=$(mib "$(stat -c %s "$OGR_OUT")")
rate() { awk -v n="$POINTS" -v s="$1" 'BEGIN{printf "%.0f", n/s}'; }
G_RATE=$(rate "$G_MED"); O_RATE=$(rate "$O_MED")
SPEEDUP=$(awk -v g="$G_RATE" -v o="$O_RATE" 'BEGIN{printf "%.2f", g/o}')
G_VER=$("$BIN" --version 2>&1 | head -n 1)
O_VER=$(ogr2ogr --version 2>&1 | head -n 1)
RUSTC_VER=$(rustc_version)
COMMIT=$(source_commit)
G_VER_CELL="$G_VER @ $COMMIT"
[ -n "${GAPMAP_BIN:-}" ] && G_VER_CELL="$G_VER ($GAPMAP_BIN)"

V_SPEED=$(pass "$SPEEDUP >= $TARGET_SPEEDUP")
V_RSS=$(pass "$G_PEAK / 1024 <= $TARGET_RSS_MIB")

TABLE=$(cat <<EOF
| tool | version | median s | points/s | peak RSS (MiB) | output (MiB) | speed-up vs ogr2ogr | median CPU s (user+sys) |
|---|---|---:|---:|---:|---:|---:|---:|
| gapmap ingest | $G_VER_CELL | $G_MED | $G_RATE | $(( G_PEAK / 1024 )) | $G_SIZE | ${SPEEDUP}× | $G_CMED |
| ogr2ogr -f GPKG | $O_VER | $O_MED | $O_RATE | $(( O_PEAK / 1024 )) | $O_SIZE | 1.00× | $O_CMED |
EOF
)
RUNS_LINE="wall s per run: gapmap ${G_S[*]}; ogr2ogr ${O_S[*]}. CPU s per run: gapmap ${G_C[*]}; ogr2ogr ${O_C[*]}"
VERDICT=$(cat <<EOF
- $V_SPEED speed: gapmap ${SPEEDUP}× ogr2ogr points/s (target ≥ ${TARGET_SPEEDUP}×)
  (by CPU time, which machine load disturbs less: ${CPU_RATIO}×)
- $V_RSS memory: gapmap peak RSS $(( G_PEAK / 1024 )) MiB (target ≤ ${TARGET_RSS_MIB} MiB)
EOF
)

printf '\n%s\n\n%s\n%s\n' "$TABLE" "$RUNS_LINE" "$VERDICT"

# --- 6. results file -----------------------------------------------------
results_file 'Ingest benchmark' 'bench/README.md'
FS=$(df -T "$WORK" | awk 'NR==2{print $2}')
cat >>"$OUT" <<EOF

## Run $(date -u '+%F %H:%M:%SZ')

Command: \`$(bench_command "RUNS=$RUNS")\` ($BUILD_NOTE)

Input: \`$INPUT\`, $POINTS points, $INPUT_MIB MiB, sha256 \`$INPUT_SHA…\`; $GEN_NOTE.

Timed commands ($RUNS runs each, interleaved, fresh output each run, input in the page cache;
wall time, peak RSS and user+sys CPU time by $MEASURE_WITH):

    ${GAPMAP_CMD[*]}
    ${OGR_CMD[*]}

$TABLE

$RUNS_LINE. Median wall time; points/s = $POINTS / median; peak RSS = max over the runs.

$VERDICT

Outputs agree: both stores hold $G_COUNT features in layer \`demand\` (\`ogrinfo -so\`);
R-tree spatial index (gpkg_rtree_index rows): gapmap $G_RTREE, ogr2ogr $O_RTREE.

Machine: $(machine), bench/work on $FS;
load average before/after the timed runs: $LOAD_BEFORE / $LOAD_AFTER.
Versions: \`$G_VER\` (commit $COMMIT), \`$O_VER\`, \`$RUSTC_VER\`.
Whole run took $(( $(date +%s) - T_START )) s.
EOF
say "wrote $OUT"
