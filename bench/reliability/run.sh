#!/usr/bin/env bash
# Reliability (issue 21): the concurrency load and the connection drill of
# tests/reliability, run against a release build with their figures kept:
#
# 1. concurrency: 1, 2, 4, 8 and 30 clients at once, each from its own
#    address (through the trusted proxy 127.0.0.1), each signing in,
#    sending 3 resident reports and adding an equipment record with its
#    session; per round: answers, 5xx answers, reports stored (each once,
#    with its audit row), edits stored, seconds;
# 2. the drill: 2,000 connections from 127.0.0.1 (a third idle, a third
#    trickling a request head, a third trickling a body) while /healthz is
#    asked 30 times from 127.0.0.2; its latency before and during, and how
#    many connections the server shut at once (per-peer cap 64).
#
# The peer: the figures the issue measured before the fix (2026-12-07, a
# release build of the code before issue 21: 2 of 100 reports answered 500
# with 2 clients, 9 of 100 with 4, 6 of 60 with 8, 118 of 300 with 30; 300
# trickling bodies held open; /healthz timing out under ~20,000 idle
# connections from four addresses). The memory of a long serve is
# bench/soak (run it after this one).
#
#   bench/reliability/run.sh            (GAPMAP_BIN=… to use a built binary)
set -euo pipefail

ROOT=$(cd "$(dirname "${BASH_SOURCE[0]}")/../.." && pwd)
cd "$ROOT"
BENCH=reliability
. bench/lib.sh
T_START=$(date +%s)
WORK=bench/work/reliability
RESULTS_DIR=bench/results
mkdir -p "$WORK" "$RESULTS_DIR"
build_gapmap
[ -x .venv/bin/python ] || make venv >/dev/null

say "concurrency and drill (pytest, -s for the figures)"
LOAD_BEFORE=$(loadavg)
GAPMAP_BIN=$(realpath "$BIN") .venv/bin/python -m pytest -q -s -p no:cacheprovider \
  "tests/reliability/test_concurrency.py" \
  "tests/reliability/test_drill.py::test_two_thousand_connections_from_one_host_do_not_stop_another" \
  >"$WORK/pytest.log" 2>&1 || { cat "$WORK/pytest.log"; die "the tests failed"; }
LOAD_AFTER=$(loadavg)

results_file "Reliability: concurrent writes and the connection drill" "bench/reliability/run.sh"
{
  printf '\n'
  run_heading
  printf '\n\n- gapmap %s\n- machine: %s; load average before %s, after %s (the machine is shared)\n\n' \
    "$(gapmap_version)" "$(machine)" "$LOAD_BEFORE" "$LOAD_AFTER"
  printf '| concurrent clients | answers | 5xx | reports stored (each once, with its audit row) | edits stored | seconds |\n|---:|---:|---:|---:|---:|---:|\n'
  sed -n '/^clients | answers/,/^$/p' "$WORK/pytest.log" | grep -E '^[0-9]+ \|' | sed 's/^/| /; s/$/ |/'
  printf '\nBefore issue 21 (the issue'"'"'s measurement): 5xx 2/100 (2 clients), 9/100 (4), 6/60 (8), 118/300 (30).\n\n'
  printf 'Drill: %s\n' "$(grep -E '^opened [0-9]+' "$WORK/pytest.log" | head -n 1)"
  printf '\n'
} | tee -a "$OUT"
say "appended to $OUT"
