# Shared helpers of the bench/*/run.sh scripts (sourced, not run).
# The caller sets BENCH (its name, for messages) and, before build_gapmap,
# WORK (its work directory); it runs from the repository root. Each helper
# names the other variables of the caller it reads or sets.

say() { printf '\n::: %s\n' "$*" >&2; }
die() { printf 'bench/%s: %s\n' "$BENCH" "$*" >&2; exit 1; }

# --- tools -------------------------------------------------------------------
as_root() { [ "$(id -u)" = 0 ]; }
# apt_install PKG...: install Debian packages when root (update only if needed)
apt_install() {
  as_root && command -v apt-get >/dev/null || return 1
  DEBIAN_FRONTEND=noninteractive apt-get install -y -qq "$@" >/dev/null 2>&1 \
    || { apt-get update -qq && DEBIAN_FRONTEND=noninteractive apt-get install -y -qq "$@" >/dev/null; }
}
# need PKG WHAT TEST...: when TEST fails, install Debian package PKG (when
# root); die "WHAT: apt-get install PKG" when TEST still fails
need() {
  local pkg=$1 what=$2; shift 2
  "$@" >/dev/null && return 0
  say "installing Debian package $pkg"; apt_install "$pkg" || true
  "$@" >/dev/null || die "$what: apt-get install $pkg"
}
# make_venv PKG...: a new venv in $VENV with PKG... installed by pip
make_venv() {
  say "venv $VENV: pip install $*"
  rm -rf "$VENV"; python3 -m venv "$VENV"
  "$VENV/bin/pip" install -q "$@"
}
# measure OUT LOG CMD...: wall s, peak RSS KiB, user s, sys s of CMD into OUT
measure() { local out=$1 log=$2; shift 2; /usr/bin/time -f '%e %M %U %S' -o "$out" "$@" >"$log" 2>&1; }
# timed_run VAR NAME RUN LABEL CMD...: run RUN of CMD under measure (times and
# output in $LOGS/NAME.RUN.time and .log; dies "LABEL failed (run RUN)" with the
# log when CMD fails); appends its wall s, peak RSS KiB and CPU s (user+sys) to
# the caller's arrays VAR_S, VAR_K and VAR_C and says them
timed_run() {
  local -n walls=$1_S kibs=$1_K cpus=$1_C
  local name=$2 run=$3 label=$4 s k u y; shift 4
  measure "$LOGS/$name.$run.time" "$LOGS/$name.$run.log" "$@" || { cat "$LOGS/$name.$run.log" >&2; die "$label failed (run $run)"; }
  read -r s k u y <"$LOGS/$name.$run.time"
  walls+=("$s"); kibs+=("$k"); cpus+=("$(awk -v u="$u" -v s="$y" 'BEGIN{printf "%.2f", u+s}')")
  say "run $run/$RUNS $label: $s s wall, ${cpus[-1]} s CPU, peak RSS $(( k / 1024 )) MiB"
}
loadavg() { cut -d' ' -f1-3 /proc/loadavg; }
free_port() { python3 -c 'import socket; s=socket.socket(); s.bind(("127.0.0.1", 0)); print(s.getsockname()[1])'; }
# wait_http URL LOG NAME: up to 60 s for URL to answer 2xx
wait_http() {
  for _ in $(seq 1 600); do curl -fsS -o /dev/null "$1" 2>/dev/null && return 0; sleep 0.1; done
  tail -n 30 "$2" >&2; die "$3 did not start (no answer at $1)"
}
hwm_kib() { sed -n 's/^VmHWM:[[:space:]]*\([0-9]*\) kB/\1/p' "/proc/$1/status" 2>/dev/null || echo 0; }

# --- servers -----------------------------------------------------------------
# serve_embedded LOG LABEL: `gapmap serve` in the background on a free port,
# on the embedded dataset in the data directory $DATA_DIR (the store is built
# there on the first start), output to LOG; says "LABEL: <command>" and waits
# until it answers. Sets G_CMD, G_PID (also added to PIDS), G_URL and SNAPSHOT
# (the version of the snapshot it serves).
serve_embedded() {
  local log=$1 port; port=$(free_port)
  G_CMD=(env GAPMAP_DATA_DIR="$DATA_DIR" NO_COLOR=1 "$BIN" serve --port "$port" --reload-poll-ms 0)
  say "$2: ${G_CMD[*]}"
  "${G_CMD[@]}" >"$log" 2>&1 &
  G_PID=$!; PIDS+=("$G_PID")
  G_URL=http://127.0.0.1:$port
  wait_http "$G_URL/healthz" "$log" "gapmap serve"
  SNAPSHOT=$(sed -n 's/.*snapshot built.*version=\([^ ]*\).*/\1/p' "$log" | head -n 1)
}
# stop_pids: end the background processes in PIDS (the caller's array) and
# wait for them
stop_pids() {
  local p
  for p in "${PIDS[@]}"; do kill "$p" 2>/dev/null || true; done
  for p in "${PIDS[@]}"; do wait "$p" 2>/dev/null || true; done
}

# --- a throw-away PostgreSQL cluster with PostGIS ----------------------------
# Debian's postgresql-15-postgis-3, in $PGDIR (absolute; the caller sets it).
PGBIN=/usr/lib/postgresql/15/bin
need_postgis() {
  need postgresql-15-postgis-3 "PostGIS missing" test -f /usr/share/postgresql/15/extension/postgis.control
}
# pg_start SETTING...: a new cluster in $PGDIR on a free 127.0.0.1 port (socket
# in $PGDIR/sock, logs in $LOGS/initdb.log and $PGDIR/server.log) with the
# SETTINGs ("name = value") added to its postgresql.conf, started (as the
# postgres user when root: PostgreSQL refuses to run as root), with a database
# bench holding the postgis extension. Sets PGRUN, PGPORT, PG_STARTED, PSQL
# (psql as user bench: add -d DB), PGCONN (for ogr2ogr) and PG_SETTINGS (the
# SETTINGs, comma-separated). pg_stop (in the EXIT trap) removes it again.
pg_start() {
  if as_root; then PGRUN="runuser -u postgres --"; else PGRUN=""; fi
  say "PostGIS: throw-away cluster in $PGDIR"
  rm -rf "$PGDIR"; mkdir -p "$PGDIR/sock"
  PGPORT=$(free_port)
  as_root && chown -R postgres: "$PGDIR"
  $PGRUN "$PGBIN/initdb" -D "$PGDIR/data" -U bench -A trust -E UTF8 --locale=C >"$LOGS/initdb.log" 2>&1 || { cat "$LOGS/initdb.log" >&2; die "initdb failed"; }
  printf '%s\n' "listen_addresses = '127.0.0.1'" "port = $PGPORT" "unix_socket_directories = '$PGDIR/sock'" "$@" >>"$PGDIR/data/postgresql.conf"
  PG_SETTINGS=$(printf '%s, ' "$@"); PG_SETTINGS=${PG_SETTINGS%, }
  PG_STARTED=1
  $PGRUN "$PGBIN/pg_ctl" -D "$PGDIR/data" -l "$PGDIR/server.log" -w start >/dev/null || { cat "$PGDIR/server.log" >&2; die "pg_ctl start failed"; }
  PSQL=(psql -X -q -h "$PGDIR/sock" -p "$PGPORT" -U bench)
  "${PSQL[@]}" -d postgres -c "CREATE DATABASE bench" >/dev/null
  "${PSQL[@]}" -d bench -c "CREATE EXTENSION postgis" >/dev/null
  PGCONN="PG:host=$PGDIR/sock port=$PGPORT user=bench dbname=bench"
}
# pg_version [SQL]: "PostgreSQL …, PostGIS …", SQL ("|| …") appended to the query
pg_version() {
  "${PSQL[@]}" -d bench -At -c "SELECT split_part(version(), ' on ', 1) || ', PostGIS ' || postgis_lib_version()${1:+ $1}"
}
# pg_stop: stop and remove the cluster pg_start started, if it did
pg_stop() {
  [ -n "${PG_STARTED:-}" ] || return 0
  $PGRUN "$PGBIN/pg_ctl" -D "$PGDIR/data" -m fast -w stop >/dev/null 2>&1 || true
  rm -rf "$PGDIR"; PG_STARTED=""
}

# --- wrk against a list of paths --------------------------------------------
# run_wrk NAME BASE PATHS RUN WRK_OPTION...: one `wrk -t2 -c$CONNS
# -d${DURATION}s WRK_OPTION…` against BASE, bench/tiles/paths.lua cycling
# through the paths in $ABS_WORK/PATHS (log $LOGS/wrk-NAME-RUN.log); keeps the
# JSON summary in $LOGS/wrk-NAME-RUN.json, warns when it counts errors and
# prints the requests/s
run_wrk() {
  local name=$1 base=$2 paths=$3 run=$4 log=$LOGS/wrk-$1-$4.log j bad; shift 4
  wrk -t2 -c"$CONNS" -d"${DURATION}s" "$@" -s bench/tiles/paths.lua "$base" -- "$ABS_WORK/$paths" 2 >"$log" 2>&1 \
    || { cat "$log" >&2; die "wrk $name failed"; }
  j=$(sed -n 's/^WRK_JSON //p' "$log")
  [ -n "$j" ] || { cat "$log" >&2; die "wrk $name: no summary"; }
  bad=$(python3 -c 'import json,sys; j=json.loads(sys.argv[1]); print(sum(j[k] for k in j if k.startswith("errors_")))' "$j")
  [ "$bad" = 0 ] || say "WARNING: wrk $name run $run: $bad errors: $j"
  echo "$j" >"$LOGS/wrk-$name-$run.json"
  python3 -c 'import json,sys; print(json.loads(sys.argv[1])["rps"])' "$j"
}
# wrk_rounds NAME...: RUNS rounds of one run_wrk per NAME in turn (so the
# servers are interleaved), against ${BASE[NAME]} with the paths ${PATHS[NAME]}
# and the options WRK_OPTS (the caller's arrays); appends each run's
# requests/s to RPS[NAME]
wrk_rounds() {
  local i s r
  for i in $(seq 1 "$RUNS"); do
    for s in "$@"; do
      r=$(run_wrk "$s" "${BASE[$s]}" "${PATHS[$s]}" "$i" "${WRK_OPTS[@]}")
      RPS[$s]="${RPS[$s]:-} $r"
      say "wrk run $i/$RUNS $s: $r req/s (load $(loadavg))"
    done
  done
}

# --- numbers -----------------------------------------------------------------
median() { printf '%s\n' "$@" | sort -g | awk '{a[NR]=$1} END{print (NR%2) ? a[(NR+1)/2] : (a[NR/2]+a[NR/2+1])/2}'; }
maxof() { printf '%s\n' "$@" | sort -g | tail -n 1; }
minof() { printf '%s\n' "$@" | sort -g | head -n 1; }
# pass EXPR: PASS when the awk expression holds
pass() { if awk "BEGIN{exit !($1)}"; then echo PASS; else echo FAIL; fi; }

# --- the gapmap binary -------------------------------------------------------
# build_gapmap: build target/release/gapmap (or take GAPMAP_BIN) and copy it to
# $WORK/gapmap, so a concurrent rebuild of target/ cannot swap it mid-run.
# Sets BIN, BUILD_NOTE, COMMIT (with a note when crates/ is dirty) and G_VER.
build_gapmap() {
  local src t0
  if [ -n "${GAPMAP_BIN:-}" ]; then
    src=$GAPMAP_BIN; BUILD_NOTE="prebuilt binary GAPMAP_BIN=$GAPMAP_BIN (not rebuilt)"
  else
    say "build: cargo build --release --bin gapmap"
    t0=$(date +%s)
    cargo build --release --bin gapmap
    src=target/release/gapmap; BUILD_NOTE="cargo build --release --bin gapmap ($(( $(date +%s) - t0 )) s)"
  fi
  BIN=$WORK/gapmap
  cp "$src" "$BIN.tmp" && mv "$BIN.tmp" "$BIN"
  COMMIT=$(source_commit)
  G_VER=$("$BIN" --version | head -n 1)
}
# source_commit: the checkout's short commit, with a note when crates/ (or the
# Cargo files) have uncommitted changes
source_commit() {
  local c; c=$(git rev-parse --short HEAD 2>/dev/null || echo unknown)
  if [ -n "$(git status --porcelain -- crates Cargo.toml Cargo.lock 2>/dev/null)" ]; then
    echo "$c (crates/ had uncommitted changes)"
  else
    echo "$c"
  fi
}

# synth_once DIR FILE: run `$BIN SYNTH_ARGS…` (the caller's array; it writes
# DIR, output in $LOGS/synth.log) unless DIR/FILE is there and
# DIR/.generated-by names that very command; sets SYNTH_S to the seconds it
# took, or to "" when the earlier output is reused
synth_once() {
  local dir=$1 file=$2 want="gapmap ${SYNTH_ARGS[*]}" t0
  SYNTH_S=""
  [ -s "$dir/$file" ] && [ "$(cat "$dir/.generated-by" 2>/dev/null)" = "$want" ] && return 0
  say "generate: $want"
  rm -rf "$dir"
  t0=$(date +%s)
  "$BIN" "${SYNTH_ARGS[@]}" >"$LOGS/synth.log" 2>&1 || { cat "$LOGS/synth.log" >&2; die "synth failed"; }
  echo "$want" >"$dir/.generated-by"
  SYNTH_S=$(( $(date +%s) - t0 ))
}

# --- the results file --------------------------------------------------------
# results_file TITLE SEE: sets OUT to $RESULTS_DIR/$BENCH-YYYY-MM-DD.md (today,
# UTC) and, when it is new, begins it with "# TITLE, YYYY-MM-DD" and a line
# naming the script (see SEE). One section per run is appended to it.
results_file() {
  local day; day=$(date -u +%F)
  OUT=$RESULTS_DIR/$BENCH-$day.md
  [ -f "$OUT" ] || printf '# %s, %s\n\nWritten by `bench/%s/run.sh` (see %s). One section per run.\n' "$1" "$day" "$BENCH" "$2" >"$OUT"
}
# bench_command SETTING...: this run's command line, GAPMAP_BIN first when given
bench_command() { printf '%s%s bench/%s/run.sh' "${GAPMAP_BIN:+GAPMAP_BIN=$GAPMAP_BIN }" "$*" "$BENCH"; }
# run_heading SETTING...: a section's heading and command line: "## Run <UTC
# time>", a blank line, "Command: `<bench_command>` ($BUILD_NOTE; whole run N s)"
# with N the seconds since T_START
run_heading() {
  printf '## Run %s\n\nCommand: `%s` (%s; whole run %s s)' \
    "$(date -u '+%F %H:%M:%SZ')" "$(bench_command "$@")" "$BUILD_NOTE" "$(( $(date +%s) - T_START ))"
}
cpu_model() { sed -n 's/^model name[[:space:]]*: //p' /proc/cpuinfo | head -n 1; }
# machine: "N CPUs (model), M GiB memory, kernel"
machine() {
  printf '%s CPUs (%s), %s memory, %s' "$(nproc)" "$(cpu_model)" \
    "$(awk '/^MemTotal/{printf "%.1f GiB", $2/1048576}' /proc/meminfo)" "$(uname -sr)"
}
rustc_version() { rustc --version 2>/dev/null || echo "rustc not found"; }
# gapmap_version: "`gapmap x` (commit C, `rustc y`)" after build_gapmap
gapmap_version() { printf '`%s` (commit %s, `%s`)' "$G_VER" "$COMMIT" "$(rustc_version)"; }
# venv_python: the Python version of $VENV
venv_python() { "$VENV/bin/python" -c 'import platform; print(platform.python_version())'; }
