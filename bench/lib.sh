# Shared helpers of the bench/*/run.sh scripts (sourced, not run).
# The caller sets BENCH (its name, for messages) and, before build_gapmap,
# WORK (its work directory); it runs from the repository root.

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
# measure OUT LOG CMD...: wall s, peak RSS KiB, user s, sys s of CMD into OUT
measure() { local out=$1 log=$2; shift 2; /usr/bin/time -f '%e %M %U %S' -o "$out" "$@" >"$log" 2>&1; }
loadavg() { cut -d' ' -f1-3 /proc/loadavg; }
free_port() { python3 -c 'import socket; s=socket.socket(); s.bind(("127.0.0.1", 0)); print(s.getsockname()[1])'; }
# wait_http URL LOG NAME: up to 60 s for URL to answer 2xx
wait_http() {
  for _ in $(seq 1 600); do curl -fsS -o /dev/null "$1" 2>/dev/null && return 0; sleep 0.1; done
  tail -n 30 "$2" >&2; die "$3 did not start (no answer at $1)"
}
hwm_kib() { sed -n 's/^VmHWM:[[:space:]]*\([0-9]*\) kB/\1/p' "/proc/$1/status" 2>/dev/null || echo 0; }

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
  COMMIT=$(git rev-parse --short HEAD 2>/dev/null || echo unknown)
  [ -n "$(git status --porcelain -- crates Cargo.toml Cargo.lock 2>/dev/null)" ] && COMMIT="$COMMIT (crates/ had uncommitted changes)"
  G_VER=$("$BIN" --version | head -n 1)
}
