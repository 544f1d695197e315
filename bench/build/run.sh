#!/usr/bin/env bash
# Build times of the gapmap binary: a clean release build, then the rebuild
# after touching one page template, one planner file and one store file.
#
#   bench/build/run.sh [TREE]            # TREE defaults to this checkout
#   TOUCH_TEMPLATE=… TOUCH_PLAN=… TOUCH_STORE=… bench/build/run.sh OLD_TREE
#
# The paths to touch default to the crate layout of this checkout; give them
# for an older tree. Uses a target directory of its own inside TREE
# (target-buildbench) so the normal build is not disturbed; the registry
# must be fetched already (`cargo fetch --locked`), nothing is downloaded.
# Prints one Markdown table row per build: what was touched, wall and CPU
# seconds (CPU time moves less than wall time on a shared machine), the
# 1-minute load average after it, and the crates cargo recompiled.
set -euo pipefail
TREE=$(cd "${1:-.}" && pwd)
TOUCH_TEMPLATE=${TOUCH_TEMPLATE:-crates/gapmap-server/templates/finder.html}
TOUCH_PLAN=${TOUCH_PLAN:-crates/gapmap-plan/src/mobile_class.rs}
TOUCH_STORE=${TOUCH_STORE:-crates/gapmap-store/src/gpkg.rs}
TARGET="$TREE/target-buildbench"
cd "$TREE"

build() { # label
  local log times
  log=$(mktemp)
  times=$(mktemp)
  CARGO_TARGET_DIR="$TARGET" /usr/bin/time -f '%e %U %S' -o "$times" \
    cargo build --release --locked --offline --bin gapmap >"$log" 2>&1
  local crates wall cpu
  crates=$(grep -oE 'Compiling gapmap-[a-z]+' "$log" | sed 's/Compiling //' | tr '\n' ' ')
  read -r wall user sys <"$times"
  cpu=$(echo "$user + $sys" | bc)
  printf '| %s | %.1f | %.1f | %s | %s |\n' "$1" "$wall" "$cpu" "$(cut -d' ' -f1 /proc/loadavg)" "${crates:-—}"
  rm -f "$log" "$times"
}

echo "tree: $TREE ($(git -C "$TREE" rev-parse --short HEAD)), $(date -u +%FT%TZ), $(rustc --version), $(nproc) cores, load $(cut -d' ' -f1-3 /proc/loadavg)"
echo
echo "| build | wall s | CPU s (user+sys) | load after | gapmap crates compiled |"
echo "|---|---:|---:|---:|---|"
rm -rf "$TARGET"
build "clean release build"
for f in "$TOUCH_TEMPLATE" "$TOUCH_PLAN" "$TOUCH_STORE"; do
  touch "$f"
  build "touch $f"
done
