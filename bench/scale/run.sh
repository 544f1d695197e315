#!/usr/bin/env bash
# Past one machine (issue 24): PostGIS as the shared store of several gapmap
# servers behind haproxy. Not a timed test. Measures, in one invocation:
#   1. start → /healthz (the first snapshot build) from GeoPackage and from
#      PostGIS, the same data, RUNS times each, interleaved;
#   2. an edit committed through server 1 → the new snapshot serving on
#      server 2 (LISTEN/NOTIFY), EDITS times (target ≤ 1 s);
#   3. the soak load through haproxy with server 1 killed midway (target:
#      zero errors seen by the client);
#   4. PostgreSQL stopped and started under read and write load (target:
#      reads zero errors; writes 200 or 503 with Retry-After; every write
#      answered 200 is in the audit log afterwards — none lost).
# The store is STORE (a GeoPackage; default: the embedded Jelgavas novads
# dataset). The table, with date, command and versions, is appended to
# bench/results/scale-YYYY-MM-DD.md.
#
#   bench/scale/run.sh     (GAPMAP_BIN=… STORE=… RUNS=3 EDITS=10)
set -euo pipefail
cd "$(dirname "$0")/../.."
BENCH=scale
. bench/lib.sh
WORK=bench/work/scale
rm -rf "$WORK"; mkdir -p "$WORK"
command -v haproxy >/dev/null || need haproxy haproxy command -v haproxy
[ -x /usr/lib/postgresql/15/bin/initdb ] || need postgresql-15-postgis-3 "PostgreSQL 15 with PostGIS" test -x /usr/lib/postgresql/15/bin/initdb
if [ -n "${GAPMAP_BIN:-}" ]; then BIN=$GAPMAP_BIN; else
  say "cargo build --release --bin gapmap"
  cargo build --release --bin gapmap -q
  BIN=${CARGO_TARGET_DIR:-target}/release/gapmap
fi
[ -x .venv/bin/python ] || make venv >/dev/null
export GAPMAP_BIN=$BIN
exec scripts/with-pg.sh .venv/bin/python bench/scale/scale.py "$WORK" "$@"
