#!/usr/bin/env bash
# Update benchmark: a national-size VZD address register applied by
# `gapmap update --from-dir` against ogr2ogr of the same CSV into a
# GeoPackage, and geocoding throughput on the store it leaves.
#
#   bench/update/run.sh            (RUNS=n, GAPMAP_BIN=path as in bench/ingest)
#
# 1. builds target/release/gapmap (or takes GAPMAP_BIN);
# 2. generates once, with `gapmap synth --scale latvia --seed 42 --addresses`,
#    bench/work/latvia-addresses/addresses.csv: ~1M addresses in the AW_EKA
#    format (street addresses and homestead names), linked as src/aw_eka.csv;
# 3. times, interleaved, RUNS (default 3) runs of each into fresh outputs:
#      gapmap update --store gapmap.gpkg --from-dir src --as-of 2026-01-01 --no-geocode vzd-address
#      ogr2ogr -f GPKG ogr.gpkg addresses.csv -oo X_POSSIBLE_NAMES=KOORD_Y
#              -oo Y_POSSIBLE_NAMES=KOORD_X -s_srs EPSG:3059 -t_srs EPSG:4326
#    (both read every row, build points, reproject to WGS84 and write a
#    GeoPackage with an R-tree; gapmap also keeps only existing buildings,
#    checks KOORD_* against DD_*, puts each point in its 1 km cell and
#    records provenance, the file's SHA-256 and the run);
# 4. geocodes 200,000 of the register's addresses as people write them (no
#    diacritics, no postcode, `pagasts` spelled out) against the store:
#      gapmap geocode --store gapmap.gpkg --input queries.csv --out geocoded.csv --json
#    and reads the matching rate (addresses a second) it reports;
# 5. prints and appends the table (date, command, versions, machine) to
#    bench/results/update-YYYY-MM-DD.md, with PASS/FAIL per target: gapmap
#    ≥ 1× ogr2ogr's speed, peak RSS ≤ 1 GiB, geocoding ≥ 100,000 a second.
set -euo pipefail

ROOT=$(cd "$(dirname "${BASH_SOURCE[0]}")/../.." && pwd)
cd "$ROOT"
BENCH=update
. bench/lib.sh

RUNS=${RUNS:-3}
WORK=bench/work
DATA=$WORK/latvia-addresses
LOGS=$WORK/logs
RESULTS_DIR=bench/results
SYNTH_ARGS=(synth --scale latvia --seed 42 --as-of 2026-01-01 --out "$DATA" --addresses)
QUERIES=200000

command -v ogr2ogr >/dev/null && command -v ogrinfo >/dev/null \
  || die "ogr2ogr/ogrinfo not found: apt-get install gdal-bin"
[ -x /usr/bin/time ] || { as_root && apt_install time; } || die "need /usr/bin/time (Debian package time)"

T_START=$(date +%s)
mkdir -p "$WORK" "$LOGS" "$RESULTS_DIR"
build_gapmap
synth_once "$DATA" addresses.csv
INPUT=$DATA/addresses.csv
mkdir -p "$DATA/src"
ln -sf ../addresses.csv "$DATA/src/aw_eka.csv"
ROWS=$(( $(wc -l <"$INPUT") - 1 ))
INPUT_MIB=$(awk -v b="$(stat -c %s "$INPUT")" 'BEGIN{printf "%.1f", b/1048576}')
INPUT_SHA=$(sha256sum "$INPUT" | cut -c1-16)
cat "$INPUT" >/dev/null

# --- 3. timed runs ---------------------------------------------------------
G_OUT=$WORK/update-gapmap.gpkg
O_OUT=$WORK/update-ogr.gpkg
fresh() { rm -rf "$1" "$1-journal" "$(dirname "$1")/sources"; }
G_CMD=("$BIN" update --store "$G_OUT" --from-dir "$DATA/src" --as-of 2026-01-01 --no-geocode vzd-address)
O_CMD=(ogr2ogr -f GPKG "$O_OUT" "$INPUT" -nln addresses -oo X_POSSIBLE_NAMES=KOORD_Y -oo Y_POSSIBLE_NAMES=KOORD_X
       -oo KEEP_GEOM_COLUMNS=NO -s_srs EPSG:3059 -t_srs EPSG:4326)
declare -a G_S G_K G_C O_S O_K O_C
LOAD_BEFORE=$(loadavg)
for i in $(seq 1 "$RUNS"); do
  fresh "$G_OUT"; timed_run G gapmap "$i" "gapmap update" "${G_CMD[@]}"
  fresh "$O_OUT"; timed_run O ogr2ogr "$i" ogr2ogr "${O_CMD[@]}"
done
LOAD_AFTER=$(loadavg)
count() { ogrinfo -ro -so "$1" "$2" 2>/dev/null | sed -n 's/^Feature Count: //p'; }
G_COUNT=$(count "$G_OUT" demand); O_COUNT=$(count "$O_OUT" addresses)

# --- 4. geocoding ------------------------------------------------------------
say "geocode: $QUERIES addresses"
python3 - "$INPUT" "$DATA/queries.csv" "$QUERIES" <<'PY'
import csv, sys, unicodedata
src, out, n = sys.argv[1], sys.argv[2], int(sys.argv[3])
plain = lambda s: "".join(c for c in unicodedata.normalize("NFD", s) if unicodedata.category(c) != "Mn")
with open(src, encoding="utf-8-sig") as f, open(out, "w", encoding="utf-8", newline="") as g:
    w = csv.writer(g); w.writerow(["address"])
    for i, r in enumerate(csv.DictReader(f)):
        if i >= n:
            break
        std = r["STD"]
        q = [std, plain(std).lower(), ", ".join(p for p in std.split(", ") if not p.startswith("LV-")),
             std.replace(" pag.", " pagasts")][i % 4]
        w.writerow([q])
PY
/usr/bin/time -f '%e %M %U %S' -o "$LOGS/geocode.time" "$BIN" geocode --store "$G_OUT" --input "$DATA/queries.csv" \
  --out "$WORK/geocoded.csv" --json >"$LOGS/geocode.json" 2>"$LOGS/geocode.log" || { cat "$LOGS/geocode.log" >&2; die "geocode failed"; }
GEO=$(cat "$LOGS/geocode.json")
jget() { python3 -c "import json,sys; print(json.loads(sys.argv[1])[sys.argv[2]])" "$GEO" "$1"; }
GEO_RATE=$(jget per_second); GEO_MATCHED=$(jget matched); GEO_AMB=$(jget ambiguous); GEO_UN=$(jget unmatched)
GEO_LOAD=$(jget load_and_index_s); GEO_MATCH_S=$(jget match_s)
read -r GEO_WALL GEO_KIB _ _ <"$LOGS/geocode.time"

# --- 5. table ------------------------------------------------------------------
G_MED=$(median "${G_S[@]}"); O_MED=$(median "${O_S[@]}")
G_PEAK=$(maxof "${G_K[@]}"); O_PEAK=$(maxof "${O_K[@]}")
rate() { awk -v n="$ROWS" -v s="$1" 'BEGIN{printf "%.0f", n/s}'; }
SPEEDUP=$(awk -v g="$G_MED" -v o="$O_MED" 'BEGIN{printf "%.2f", o/g}')
O_VER=$(ogr2ogr --version 2>&1 | head -n 1)
TABLE=$(cat <<EOT
| tool | median s | rows/s | peak RSS (MiB) | features written | speed vs ogr2ogr |
|---|---:|---:|---:|---:|---:|
| gapmap update --from-dir (vzd-address) | $G_MED | $(rate "$G_MED") | $(( G_PEAK / 1024 )) | $G_COUNT | ${SPEEDUP}× |
| ogr2ogr -f GPKG (CSV → GPKG, EPSG:3059 → 4326) | $O_MED | $(rate "$O_MED") | $(( O_PEAK / 1024 )) | $O_COUNT | 1.00× |

| geocoding | addresses | matched | ambiguous | unmatched | register load + index s | match s | addresses/s | peak RSS (MiB) |
|---|---:|---:|---:|---:|---:|---:|---:|---:|
| gapmap geocode --input | $QUERIES | $GEO_MATCHED | $GEO_AMB | $GEO_UN | $GEO_LOAD | $GEO_MATCH_S | $GEO_RATE | $(( GEO_KIB / 1024 )) |
EOT
)
VERDICT=$(cat <<EOT
- $(pass "$SPEEDUP >= 1") speed: gapmap update ${SPEEDUP}× ogr2ogr (target ≥ 1×)
- $(pass "$G_PEAK / 1024 <= 1024") memory: gapmap update peak RSS $(( G_PEAK / 1024 )) MiB (target ≤ 1024 MiB)
- $(pass "$GEO_RATE >= 100000") geocoding: $GEO_RATE addresses a second (target ≥ 100,000)
EOT
)
printf '\n%s\n\n%s\n' "$TABLE" "$VERDICT"
results_file 'Update benchmark' 'bench/README.md'
cat >>"$OUT" <<EOT

$(run_heading "RUNS=$RUNS")

Input: \`$INPUT\` ($ROWS rows, $INPUT_MIB MiB, sha256 \`$INPUT_SHA…\`), made by \`gapmap ${SYNTH_ARGS[*]}\`.
Timed ($RUNS runs each, interleaved, fresh outputs, input in the page cache; /usr/bin/time):

    ${G_CMD[*]}
    ${O_CMD[*]}
    $BIN geocode --store $G_OUT --input $DATA/queries.csv --out $WORK/geocoded.csv --json

$TABLE

wall s per run: gapmap ${G_S[*]}; ogr2ogr ${O_S[*]}. gapmap keeps the existing buildings (rows of
TIPS_CD 108, STATUSS EKS, FOR_BUILD N) as features; ogr2ogr writes every row.

$VERDICT

Machine: $(machine); load average before/after the timed runs: $LOAD_BEFORE / $LOAD_AFTER.
Versions: $(gapmap_version), \`$O_VER\`.
EOT
say "results: $OUT"
