#!/usr/bin/env bash
# Run a command with a throw-away PostgreSQL+PostGIS cluster: GAPMAP_TEST_PG
# names it (a URL whose database the tests create theirs through); the
# cluster and its directory are removed when the command ends, whatever its
# exit status. scripts/with-pg.sh CMD…
set -euo pipefail
here=$(cd "$(dirname "$0")" && pwd)
dir=$(mktemp -d "${TMPDIR:-/tmp}/gapmap-pg.XXXXXX")
cleanup() {
    "$here/pgcluster.sh" stop "$dir" || true
    rm -rf "$dir"
}
trap cleanup EXIT
GAPMAP_TEST_PG=$("$here/pgcluster.sh" start "$dir")
export GAPMAP_TEST_PG
echo "with-pg: PostgreSQL $("${PGBIN:-/usr/lib/postgresql/15/bin}/postgres" --version | awk '{print $3}') with PostGIS at $GAPMAP_TEST_PG"
"$@"
