#!/usr/bin/env bash
# Run one phase of `make test` and say how long it took: scripts/phase.sh NAME CMD…
set -uo pipefail
name=$1; shift
t0=$(date +%s)
echo "::: phase $name"
"$@"; rc=$?
echo "::: phase $name took $(( $(date +%s) - t0 )) s (exit $rc)"
exit $rc
