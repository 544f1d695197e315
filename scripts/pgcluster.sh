#!/bin/sh
# A throw-away PostgreSQL 15 cluster with PostGIS for tests and benchmarks:
# initdb into a directory, listen on 127.0.0.1 and a free port, trust
# authentication for the local test user, no root needed once Debian's
# postgresql-15-postgis-3 is installed (as root it runs the server as the
# `postgres` system user, since PostgreSQL refuses to run as root).
#
#   scripts/pgcluster.sh start DIR [PORT]   prints the connection URL
#   scripts/pgcluster.sh stop DIR
#   scripts/pgcluster.sh restart DIR        the same port and data (fault drills)
#   scripts/pgcluster.sh createdb DIR NAME  a new database with PostGIS; prints its URL
#
# The URL is also written to DIR/url. The database `gapmap` is created with
# the postgis extension on start.
set -eu

PGBIN=${PGBIN:-/usr/lib/postgresql/15/bin}
cmd=${1:?usage: pgcluster.sh start|stop|restart|createdb DIR ...}
dir=${2:?usage: pgcluster.sh start|stop|restart|createdb DIR ...}

as_owner() {
    if [ "$(id -u)" = 0 ]; then
        runuser -u postgres -- "$@"
    else
        "$@"
    fi
}

free_port() {
    python3 -c 'import socket; s=socket.socket(); s.bind(("127.0.0.1", 0)); print(s.getsockname()[1])'
}

server_up() {
    as_owner "$PGBIN/pg_ctl" -D "$dir/data" -l "$dir/log" -w -t 60 \
        -o "-c listen_addresses=127.0.0.1 -c port=$(cat "$dir/port") -c unix_socket_directories=$dir -c fsync=off -c max_connections=200" start >/dev/null
}

psql_as_owner() {
    as_owner psql -X -q -v ON_ERROR_STOP=1 -h 127.0.0.1 -p "$(cat "$dir/port")" -U postgres "$@"
}

case "$cmd" in
start)
    port=${3:-$(free_port)}
    mkdir -p "$dir"
    dir=$(cd "$dir" && pwd)
    [ "$(id -u)" = 0 ] && chown postgres "$dir"
    echo "$port" >"$dir/port"
    as_owner "$PGBIN/initdb" -D "$dir/data" -U postgres -A trust -E UTF8 --locale=C.UTF-8 >/dev/null
    server_up
    psql_as_owner -d postgres -c "CREATE DATABASE gapmap" -c "\\c gapmap" -c "CREATE EXTENSION postgis"
    echo "postgresql://postgres@127.0.0.1:$port/gapmap" | tee "$dir/url"
    ;;
stop)
    [ -d "$dir/data" ] && as_owner "$PGBIN/pg_ctl" -D "$dir/data" -m fast -w stop >/dev/null || true
    ;;
restart)
    # Stopped already (a drill stopped it by hand): just start it again.
    as_owner "$PGBIN/pg_ctl" -D "$dir/data" -m fast -w stop >/dev/null 2>&1 || true
    server_up
    ;;
createdb)
    name=${3:?usage: pgcluster.sh createdb DIR NAME}
    psql_as_owner -d postgres -c "CREATE DATABASE \"$name\"" -c "\\c \"$name\"" -c "CREATE EXTENSION postgis"
    echo "postgresql://postgres@127.0.0.1:$(cat "$dir/port")/$name"
    ;;
*)
    echo "pgcluster.sh: unknown command $cmd" >&2
    exit 64
    ;;
esac
