#!/usr/bin/env bash
# Do two gapmap binaries give the same answers? Builds a store with each
# (the embedded dataset, or a synthetic national one), then writes with each:
# `gapmap gaps` (CSV and GeoJSON), every published collection exported in
# every format and CRS, the PMTiles archive, and the planner's answers; and
# compares the two trees byte for byte.
#
#   scripts/compare_outputs.sh OLD_BIN NEW_BIN [embedded|national] [WORKDIR]
#
# Each binary ingests the inputs into a store of its own; the two stores are
# compared as SQL (`sqlite3 .dump`) with what differs by nature blanked: the
# random store id and the times of writing (audit rows, last_change). Then
# both binaries read copies of the *same* store (the old binary's), so every
# answer, snapshot version included, must be identical byte for byte, except
# the write time inside exported GeoPackages (compared as SQL with
# last_change blanked), the build time in the PMTiles metadata (the archive
# is compared as its metadata without `built_at` and a SHA-256 per tile,
# read with the Python `pmtiles` package), the iCalendar DTSTAMP (the time
# of the export) and the planner's own timings (`elapsed_ms`, `timings_ms`).
# Exit 0 when everything is identical.
set -euo pipefail
OLD=$(realpath "$1")
NEW=$(realpath "$2")
INPUT=${3:-embedded}
WORK=${4:-$(mktemp -d)}
ROOT=$(cd "$(dirname "$0")/.." && pwd)
PY=${PY:-$ROOT/.venv/bin/python}
mkdir -p "$WORK"

COLLECTIONS="sites settlements municipality parishes coverage priority_zones demand_grid gap_grid gap_clusters"

# The input files in ingest order (areas first; sites before equipment and visits).
inputs() {
  case "$INPUT" in
    embedded)
      for l in areas settlements sites priority_zones coverage demand plan equipment visits; do
        for f in "$ROOT"/geodata/jelgava/$l.*; do echo "$l $f"; done
      done ;;
    national)
      local d="$WORK/synth"
      if [ ! -d "$d" ]; then "$OLD" synth --scale latvia --seed 42 --out "$d" >/dev/null; fi
      for l in areas sites priority_zones coverage demand; do
        for f in "$d"/$l.*; do [ -e "$f" ] && echo "$l $f"; done
      done ;;
    *) echo "unknown input $INPUT" >&2; exit 64 ;;
  esac
}

ingest_all() { # BIN STORE
  inputs | while read -r layer file; do
    "$1" ingest --store "$2" --layer "$layer" "$file" >/dev/null 2>&1
  done
}

# A store as SQL, without its random id and the times it was written at.
dump_store() {
  local id
  id=$(sqlite3 "$1" "SELECT value FROM gapmap_meta WHERE key = 'store_id'" 2>/dev/null || true)
  sqlite3 "$1" .dump \
    | sed -E "s/'[0-9]{4}-[0-9]{2}-[0-9]{2}[T ][0-9:.]+(Z|[+-][0-9:]+)?'/'(time)'/g" \
    | { if [ -n "$id" ]; then sed "s/$id/(store id)/g"; else cat; fi; }
}

read_all() { # BIN STORE OUTDIR
  local bin=$1 store=$2 out=$3
  rm -rf "$out"; mkdir -p "$out/exports" "$out/gaps-csv" "$out/gaps-geojson" "$out/plan"
  exec 3>&2 2>/dev/null
  "$bin" gaps --store "$store" --out "$out/gaps-csv" --format csv >/dev/null
  "$bin" gaps --store "$store" --out "$out/gaps-geojson" --format geojson >/dev/null
  for c in $COLLECTIONS; do
    for f in geojson csv gpkg; do
      "$bin" export --store "$store" --layer "$c" --format "$f" --out "$out/exports/$c.$f" >/dev/null
      "$bin" export --store "$store" --layer "$c" --format "$f" --crs EPSG:3059 --out "$out/exports/$c-3059.$f" >/dev/null
    done
  done
  "$bin" export --store "$store" --format pmtiles --out "$out/exports/all.pmtiles" >/dev/null
  if [ "$INPUT" = embedded ]; then
    "$bin" plan access-points --store "$store" --format geojson --out "$out/plan/access-points.geojson" >/dev/null
    "$bin" plan access-points --store "$store" --format csv --out "$out/plan/access-points.csv" >/dev/null
    for p in upgrades progress; do
      for f in json csv; do "$bin" plan "$p" --store "$store" --format "$f" --out "$out/plan/$p.$f" >/dev/null; done
    done
    for f in json csv ics; do
      "$bin" plan mobile-class --store "$store" --format "$f" --out "$out/plan/mobile-class.$f" >/dev/null
    done
    sed -i -E 's/^DTSTAMP:.*/DTSTAMP:(time)/' "$out/plan/mobile-class.ics"
    sed -i -E 's/"elapsed_ms":[0-9.e-]+/"elapsed_ms":0/g; s/"timings_ms":\{[^}]*\}/"timings_ms":{}/g' "$out"/plan/*.json "$out"/plan/*.geojson
  fi
  "$PY" - "$out/exports/all.pmtiles" >"$out/exports/all.pmtiles.txt" <<'PY'
import hashlib, json, sys
from pmtiles.reader import MmapSource, Reader, all_tiles
with open(sys.argv[1], "rb") as f:
    r = Reader(MmapSource(f))
    meta = r.metadata()
    meta.pop("built_at", None)
    h = {k: v for k, v in r.header().items() if "offset" not in k and "length" not in k}
    print(json.dumps(h, sort_keys=True, default=str))
    print(json.dumps(meta, sort_keys=True, ensure_ascii=False))
    for (z, x, y), data in all_tiles(MmapSource(f)):
        print(z, x, y, hashlib.sha256(data).hexdigest())
PY
  rm "$out/exports/all.pmtiles"
  exec 2>&3 3>&-
  for g in "$out"/exports/*.gpkg; do
    sqlite3 "$g" .dump | sed -E "s/'[0-9]{4}-[0-9]{2}-[0-9]{2}T[0-9:.]+Z'/'(last_change)'/g" >"$g.sql"
    rm "$g"
  done
}

echo "inputs: $INPUT; work: $WORK"
rm -rf "$WORK/old" "$WORK/new" "$WORK"/store-*
mkdir -p "$WORK/old" "$WORK/new"
ingest_all "$OLD" "$WORK/store-old.gpkg"
ingest_all "$NEW" "$WORK/store-new.gpkg"
dump_store "$WORK/store-old.gpkg" >"$WORK/old/store.sql"
dump_store "$WORK/store-new.gpkg" >"$WORK/new/store.sql"
cp "$WORK/store-old.gpkg" "$WORK/store-read-old.gpkg"
cp "$WORK/store-old.gpkg" "$WORK/store-read-new.gpkg"
read_all "$OLD" "$WORK/store-read-old.gpkg" "$WORK/old/read"
read_all "$NEW" "$WORK/store-read-new.gpkg" "$WORK/new/read"
rm -f "$WORK"/store-*
n=$(find "$WORK/old" -type f | wc -l)
if diff -rq "$WORK/old" "$WORK/new"; then
  echo "identical: $n files ($INPUT)"
else
  echo "DIFFERENT ($INPUT): see diff -r $WORK/old $WORK/new" >&2
  exit 1
fi
