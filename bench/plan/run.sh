#!/usr/bin/env bash
# Planner benchmark (issue 13): access-point siting by `gapmap plan
# access-points` side by side with PySAL spopt 0.7.0 + pulp 3.3.2 (CBC) in
# one run, and the what-if latency of a running server.
#
#   bench/plan/run.sh
#
# 1. builds target/release/gapmap and copies it to bench/work/plan/gapmap;
#    a bench-only venv bench/work/plan/venv with spopt==0.7.0 pulp==3.3.2
#    pyproj numpy;
# 2. inputs (deterministic): the embedded dataset (geodata/jelgava); the
#    national synthetic input `gapmap synth --scale latvia --seed 42 --as-of
#    2026-01-01` rewritten by bench/plan/make_inputs.py national (200 free
#    Wi-Fi sites, 4,800 candidates, 982,793 demand points); a medium instance
#    cut from it by make_inputs.py medium (20,000 demand points, 500
#    candidates drawn in their window); a national-size candidate buildings
#    layer by make_inputs.py buildings (the national sites and 20,000 more
#    candidate buildings where people live: 24,800 candidates, issue 20);
#    each ingested into a store once;
# 3. per instance and count, RUNS (default 3) x gapmap (auto, and heuristic)
#    and once spopt (bench/plan/spopt_mclp.py, where it finishes: not the
#    national input), each a whole process under /usr/bin/time: objective,
#    wall and solver seconds, peak RSS; gapmap's objective must equal spopt's
#    where both run (the run fails otherwise); weights are residents
#    (--weight-underserved 1 --weight-priority-zone 1) as spopt is given;
# 4. what-if: `gapmap serve` on the embedded and the national store, WHATIF
#    (default 30) one-point POSTs spaced under the rate limit; the server's
#    own compute time (elapsed_ms) and the round trip, median and p95;
# 5. appends the table, commands, machine and versions to
#    bench/results/plan-YYYY-MM-DD.md.
#
# Environment: RUNS=n, WHATIF=n, GAPMAP_BIN=path (skip the build),
# RESULTS_DIR=dir (default bench/results),
# ONLY=whatif (steps 2 and 4 for the embedded and national stores only: no
# venv, no medium instance, no siting; step 5 appends the what-if table);
# ONLY=buildings (step 3 for the embedded input, with spopt, and the
# national buildings layer only: no medium instance, no what-if).
set -euo pipefail

ROOT=$(cd "$(dirname "${BASH_SOURCE[0]}")/../.." && pwd)
cd "$ROOT"
BENCH=plan
. bench/lib.sh

RUNS=${RUNS:-3}
WHATIF=${WHATIF:-30}
ONLY=${ONLY:-}
case "$ONLY" in ""|whatif|buildings) ;; *) die "ONLY=$ONLY: only ONLY=whatif or ONLY=buildings is known" ;; esac
WORK=bench/work/plan
LOGS=$WORK/logs
VENV=$WORK/venv
RESULTS_DIR=${RESULTS_DIR:-bench/results}
SYNTH_ARGS=(synth --scale latvia --seed 42 --as-of 2026-01-01 --out "$WORK/latvia")
mkdir -p "$WORK" "$LOGS" "$RESULTS_DIR"
SERVER_PID=""
cleanup() { [ -n "$SERVER_PID" ] && kill "$SERVER_PID" 2>/dev/null || true; }
trap cleanup EXIT

need time "/usr/bin/time not found" test -x /usr/bin/time

build_gapmap
if [ "$ONLY" = whatif ]; then
  : # no siting: no spopt
elif [ ! -x "$VENV/bin/python" ] || ! "$VENV/bin/python" -c 'import spopt, pulp, pyproj' 2>/dev/null; then
  say "bench venv: spopt==0.7.0 pulp==3.3.2"
  python3 -m venv "$VENV"
  "$VENV/bin/pip" install -q --disable-pip-version-check spopt==0.7.0 pulp==3.3.2 pyproj numpy
fi
PY=$VENV/bin/python

# --- 2. inputs ----------------------------------------------------------------
synth_once "$WORK/latvia" demand.csv
# what was made from an earlier input goes with it
[ -z "$SYNTH_S" ] || rm -rf "$WORK/national" "$WORK/medium" "$WORK"/*.gpkg
[ -s "$WORK/national/sites.geojson" ] || python3 bench/plan/make_inputs.py national "$WORK/latvia" "$WORK/national"
[ -n "$ONLY" ] || [ -s "$WORK/medium/sites.geojson" ] || python3 bench/plan/make_inputs.py medium "$WORK/latvia" "$WORK/medium"
[ "$ONLY" = whatif ] || [ -s "$WORK/buildings/sites.geojson" ] || python3 bench/plan/make_inputs.py buildings "$WORK/latvia" "$WORK/buildings"
mkdir -p "$WORK/embedded"
cp geodata/jelgava/*.geojson geodata/jelgava/*.csv geodata/jelgava/plan.json "$WORK/embedded/"
store() { # store NAME FILES...
  local s=$WORK/$1.gpkg; shift
  if [ ! -s "$s" ]; then
    say "ingest $s"
    "$BIN" ingest --store "$s" "$@" >"$LOGS/ingest-$(basename "$s").log" 2>&1 || { tail "$LOGS/ingest-$(basename "$s").log" >&2; die "ingest failed"; }
  fi
}
E=$WORK/embedded
store embedded "$E/areas.geojson" "$E/sites.geojson" "$E/priority_zones.geojson" "$E/coverage.geojson" "$E/demand.csv" "$E/plan.json" "$E/equipment.csv" "$E/visits.csv"
[ -n "$ONLY" ] || store medium "$WORK/medium/areas.geojson" "$WORK/medium/sites.geojson" "$WORK/medium/coverage.geojson" "$WORK/medium/demand.csv"
[ "$ONLY" = whatif ] || store buildings "$WORK/buildings/areas.geojson" "$WORK/buildings/sites.geojson" "$WORK/buildings/coverage.geojson" "$WORK/buildings/demand.csv"
[ "$ONLY" = buildings ] || store national "$WORK/national/areas.geojson" "$WORK/national/sites.geojson" "$WORK/national/coverage.geojson" "$WORK/national/demand.csv"

# --- 3. siting ------------------------------------------------------------------
if [ "$ONLY" != whatif ]; then
TABLE=$LOGS/table.md
: >"$TABLE"
field() { python3 -c 'import json,sys; print(json.load(open(sys.argv[1]))[sys.argv[2]])' "$1" "$2"; }
declare -A RESULT
row() { # row LABEL INPUTDIR STORE COUNT EXCLUSION SPOPT(yes|no)
  local label=$1 dir=$2 st=$3 count=$4 excl=$5 peer=$6
  local args=(plan access-points --store "$st" --count "$count" --wifi-exclusion-m "$excl" --weight-underserved 1 --weight-priority-zone 1)
  local -a walls plans kibs; local out
  for method in auto heuristic; do
    walls=(); plans=(); kibs=()
    for i in $(seq 1 "$RUNS"); do
      out=$LOGS/$label-$method-$i.json
      measure "$LOGS/$label-$method-$i.time" "$LOGS/$label-$method-$i.log" "$BIN" "${args[@]}" --method "$method" --out "$out" \
        || { cat "$LOGS/$label-$method-$i.log" >&2; die "gapmap plan failed ($label $method)"; }
      read -r w k _ _ <"$LOGS/$label-$method-$i.time"
      walls+=("$w"); kibs+=("$k"); plans+=("$(python3 -c 'import json,sys; print(json.load(open(sys.argv[1]))["elapsed_ms"]/1000)' "$out")")
    done
    local obj bound gap proven solver eligible
    obj=$(field "$out" objective); bound=$(field "$out" bound); gap=$(field "$out" optimality_gap)
    proven=$(field "$out" proven_optimal); solver=$(field "$out" solver); eligible=$(field "$out" eligible_candidates)
    RESULT[$method]="$obj|$bound|$gap|$proven|$(median "${walls[@]}")|$(median "${plans[@]}")|$(( $(maxof "${kibs[@]}") / 1024 ))|$solver|$eligible"
  done
  IFS='|' read -r a_obj a_bound a_gap a_proven a_wall a_plan a_mib a_solver eligible <<<"${RESULT[auto]}"
  IFS='|' read -r h_obj h_bound h_gap _ h_wall h_plan h_mib _ _ <<<"${RESULT[heuristic]}"
  local s_obj="–" s_wall="–" s_solve="–" s_mib="–" verdict="n/a (no peer)" speed="–"
  if [ "$peer" = yes ]; then
    say "spopt $label"
    measure "$LOGS/$label-spopt.time" "$LOGS/$label-spopt.log" "$PY" bench/plan/spopt_mclp.py "$dir" "$count" "$excl" \
      || { cat "$LOGS/$label-spopt.log" >&2; die "spopt failed ($label)"; }
    read -r s_wall k _ _ <"$LOGS/$label-spopt.time"; s_mib=$(( k / 1024 ))
    s_obj=$(python3 -c 'import json,sys; print(json.loads(open(sys.argv[1]).read().strip().splitlines()[-1])["objective"])' "$LOGS/$label-spopt.log")
    s_solve=$(python3 -c 'import json,sys; d=json.loads(open(sys.argv[1]).read().strip().splitlines()[-1]); print(d["build_s"]+d["solve_s"])' "$LOGS/$label-spopt.log")
    awk -v a="$a_obj" -v b="$s_obj" 'BEGIN{exit !((a-b)^2 < 1e-6)}' || die "$label: gapmap objective $a_obj differs from spopt's $s_obj"
    verdict="same optimum; $(pass "$s_wall / $a_wall >= 10") ≥10× (process)"
    speed=$(awk -v s="$s_wall" -v g="$a_wall" -v ss="$s_solve" -v gp="$a_plan" 'BEGIN{printf "%.0f× process, %.0f× solver", s/g, ss/gp}')
  fi
  local hgap; hgap=$(awk -v o="$h_obj" -v b="$h_bound" 'BEGIN{printf "%.3f %%", (b-o)/b*100}')
  printf '| %s | %s | %s | %s (%s) | %s (bound %s, proven %s) | %s s / %s s / %s MiB | %s (bound gap %s) | %s s / %s s / %s MiB | %s | %s s / %s s / %s MiB | %s | %s |\n' \
    "$label" "$count" "$eligible" "$a_obj" "$a_solver" "$a_obj" "$a_bound" "$a_proven" "$a_wall" "$a_plan" "$a_mib" \
    "$h_obj" "$hgap" "$h_wall" "$h_plan" "$h_mib" "$s_obj" "$s_wall" "$s_solve" "$s_mib" "$speed" "$verdict" >>"$TABLE"
  say "$label: gapmap $a_obj ($a_wall s), heuristic $h_obj (gap $hgap, plan $h_plan s), spopt $s_obj ($s_wall s)"
}
row embedded-35 "$E" "$WORK/embedded.gpkg" 35 100 yes
if [ -z "$ONLY" ]; then
  row embedded-10-all "$E" "$WORK/embedded.gpkg" 10 0 yes
  row medium "$WORK/medium" "$WORK/medium.gpkg" 50 100 yes
  row national-35 "$WORK/national" "$WORK/national.gpkg" 35 100 no
  row national-500 "$WORK/national" "$WORK/national.gpkg" 500 100 no
fi
row buildings-35 "$WORK/buildings" "$WORK/buildings.gpkg" 35 100 no
row buildings-500 "$WORK/buildings" "$WORK/buildings.gpkg" 500 100 no
fi

# --- 4. what-if latency ----------------------------------------------------------
if [ "$ONLY" != buildings ]; then
whatif() { # whatif LABEL STORE LON LAT
  local port; port=$(free_port)
  "$BIN" serve --store "$2" --port "$port" --reload-poll-ms 0 >"$LOGS/serve-$1.log" 2>&1 &
  SERVER_PID=$!
  for _ in $(seq 1 1200); do curl -fsS -o /dev/null "http://127.0.0.1:$port/healthz" 2>/dev/null && break; sleep 0.1; done
  python3 - "$port" "$3" "$4" "$WHATIF" >"$LOGS/whatif-$1.txt" <<'PY'
import json, statistics, sys, time, urllib.request
port, lon, lat, n = sys.argv[1], float(sys.argv[2]), float(sys.argv[3]), int(sys.argv[4])
server, trip = [], []
for k in range(n + 1):
    body = {"type": "FeatureCollection", "features": [{"type": "Feature", "geometry": {"type": "Point", "coordinates": [lon + 0.001 * k, lat]}}]}
    req = urllib.request.Request(f"http://127.0.0.1:{port}/api/v1/plan/what-if", data=json.dumps(body).encode(),
                                 headers={"Content-Type": "application/geo+json"}, method="POST")
    t = time.perf_counter()
    d = json.load(urllib.request.urlopen(req, timeout=60))
    rt = (time.perf_counter() - t) * 1000
    if k:  # the first builds the per-snapshot index
        server.append(d["elapsed_ms"]); trip.append(rt)
    time.sleep(0.25)  # under the 5/s rate limit
q = lambda v, p: sorted(v)[min(len(v) - 1, int(p * len(v)))]
print(f"{statistics.median(server):.2f} {q(server, 0.95):.2f} {statistics.median(trip):.2f} {q(trip, 0.95):.2f} {d['points_examined']}")
PY
  kill "$SERVER_PID" 2>/dev/null || true; wait "$SERVER_PID" 2>/dev/null || true; SERVER_PID=""
}
say "what-if latency"
whatif embedded "$WORK/embedded.gpkg" 23.55 56.45
read -r WE_MED WE_P95 WE_RT WE_RTP95 WE_PTS <"$LOGS/whatif-embedded.txt"
whatif national "$WORK/national.gpkg" 24.5 56.8
read -r WN_MED WN_P95 WN_RT WN_RTP95 WN_PTS <"$LOGS/whatif-national.txt"
fi

# --- 5. results -------------------------------------------------------------------------
DATE=$(date -u +%F)
OUT=$RESULTS_DIR/plan-$DATE.md
machine_line() {
  echo "Machine: $(nproc) CPUs ($(grep -m1 'model name' /proc/cpuinfo | cut -d: -f2 | xargs)), $(free -g | awk '/Mem:/{print $2}') GiB; load average at the end: $(loadavg)."
}
whatif_table() {
  echo "| what-if (one hypothetical free-Wi-Fi point) | server compute median / p95 | round trip median / p95 | points examined | target | verdict |"
  echo "|---|---|---|---|---|---|"
  echo "| embedded (6,487 demand points) | $WE_MED ms / $WE_P95 ms | $WE_RT ms / $WE_RTP95 ms | $WE_PTS | ≤ 10 ms | $(pass "$WE_MED <= 10") |"
  echo "| national (982,793 demand points) | $WN_MED ms / $WN_P95 ms | $WN_RT ms / $WN_RTP95 ms | $WN_PTS | ≤ 20 ms | $(pass "$WN_MED <= 20") |"
}
if [ "$ONLY" = whatif ]; then
  {
    echo "## plan what-if run of $(date -u '+%F %T') UTC — commit $COMMIT"
    echo
    echo "Command: \`ONLY=whatif bench/plan/run.sh\` (WHATIF=$WHATIF). $BUILD_NOTE."
    echo
    whatif_table
    echo
    machine_line
    echo "Versions: $G_VER; $(rustc --version)."
    echo
  } | tee -a "$OUT"
  say "appended to $OUT"
  exit 0
fi
{
  echo "## plan run of $(date -u '+%F %T') UTC — commit $COMMIT"
  echo
  echo "Command: \`${ONLY:+ONLY=$ONLY }bench/plan/run.sh\` (RUNS=$RUNS, WHATIF=$WHATIF). $BUILD_NOTE. Weights: residents (\`--weight-underserved 1 --weight-priority-zone 1\`), reach 1500 m; columns: objective (covered residents), wall s of the whole process / s of the planning alone (gapmap: instance + solve; spopt: build + solve) / peak RSS; medians of $RUNS runs for gapmap, one spopt run."
  echo
  echo "| instance | count | eligible | gapmap auto: objective (solver) | bound | gapmap auto: wall / plan / RSS | gapmap heuristic: objective | heuristic: wall / plan / RSS | spopt+CBC objective | spopt: wall / build+solve / RSS | speed-up | verdict |"
  echo "|---|---|---|---|---|---|---|---|---|---|---|---|"
  cat "$TABLE"
  echo
  echo "Targets: the same optimum as spopt+CBC at ≥ 10× its speed where both finish; national heuristic within 1 % of its own bound in ≤ 10 s of planning (the national rows' \"plan\" seconds; the process also loads the store and analyses the gaps). The buildings rows: $(python3 -c 'import json,sys; print(sum(1 for f in json.load(open(sys.argv[1]))["features"] if f["properties"].get("candidate")))' "$WORK/buildings/sites.geojson") candidate buildings over the national demand (make_inputs.py buildings); their \"plan\" seconds include the points, years and areas of issue 20's siting."
  echo
  [ "$ONLY" = buildings ] || { whatif_table; echo; }
  machine_line
  echo "Versions: $G_VER; $("$PY" -c 'import spopt, pulp; print(f"spopt {spopt.__version__}, pulp {pulp.__version__} (bundled CBC)")'); $(rustc --version)."
  echo
} | tee -a "$OUT"
say "appended to $OUT"
