#!/usr/bin/env bash
# Starts a throwaway PostgreSQL server for the tests, the example and the benchmark, and prints
# its connection URL on the last line of stdout. Idempotent: a server already answering on the
# port is reused.
#
#   tools/postgres/start.sh            # start (or reuse) and print the URL
#   tools/postgres/start.sh stop       # stop it and delete its data directory
#
# It needs the server binaries of Debian's `postgresql` package (`apt-get install postgresql`)
# under /usr/lib/postgresql/*/bin. The server listens on 127.0.0.1 only, on a fixed high port
# (STATEWRIGHT_PG_PORT, default 54329), trusts loopback connections (no password), and keeps its
# data in a temporary directory (STATEWRIGHT_PG_DIR, default /tmp/statewright-postgres). Nothing
# in it is meant to last. As root (CI), the server runs as the `postgres` user, since initdb
# refuses to run as root.
set -euo pipefail

port="${STATEWRIGHT_PG_PORT:-54329}"
dir="${STATEWRIGHT_PG_DIR:-/tmp/statewright-postgres}"
url="postgresql://postgres@127.0.0.1:${port}/postgres"

bin="$(ls -d /usr/lib/postgresql/*/bin 2>/dev/null | sort -V | tail -n 1 || true)"
if [[ -z "$bin" || ! -x "$bin/initdb" ]]; then
    echo "error: no PostgreSQL server binaries under /usr/lib/postgresql/*/bin; install them with \`apt-get install postgresql\`" >&2
    exit 1
fi

as_owner() {
    if [[ "$(id -u)" == 0 ]]; then
        runuser -u postgres -- "$@"
    else
        "$@"
    fi
}

if [[ "${1:-}" == "stop" ]]; then
    if [[ -f "$dir/data/PG_VERSION" ]]; then
        as_owner "$bin/pg_ctl" -D "$dir/data" -m fast stop || true
    fi
    rm -rf "$dir"
    exit 0
fi

mkdir -p "$dir"
# One starter at a time: parallel test binaries may all call this script.
exec 9>"$dir/.lock"
flock 9

if "$bin/pg_isready" -q -h 127.0.0.1 -p "$port"; then
    echo "$url"
    exit 0
fi

if [[ "$(id -u)" == 0 ]]; then
    id postgres >/dev/null 2>&1 || useradd --system --home-dir "$dir" --shell /usr/sbin/nologin postgres
    chown postgres "$dir"
fi

# A server that was killed (a machine reused after a session ended) leaves its pid file: stale
# when that pid is gone, a zombie, or another program.
pidfile="$dir/data/postmaster.pid"
if [[ -f "$pidfile" ]]; then
    old="$(head -n 1 "$pidfile")"
    stat="$(cat "/proc/$old/stat" 2>/dev/null || true)"
    if [[ "$stat" != *"(postgres) "[RSDT]* ]]; then
        rm -f "$pidfile"
    fi
fi

if [[ ! -f "$dir/data/PG_VERSION" ]]; then
    rm -rf "$dir/data"
    as_owner "$bin/initdb" --pgdata="$dir/data" --username=postgres --auth=trust \
        --encoding=UTF8 --locale=C.UTF-8 >"$dir/initdb.log" 2>&1 ||
        { cat "$dir/initdb.log" >&2; exit 1; }
    # Loopback only: the server listens on 127.0.0.1, and pg_hba trusts nothing else.
    cat >"$dir/data/pg_hba.conf" <<HBA
local all all trust
host  all all 127.0.0.1/32 trust
HBA
fi

as_owner "$bin/pg_ctl" --pgdata="$dir/data" --log="$dir/server.log" --wait --timeout=60 \
    -o "-c listen_addresses=127.0.0.1 -p $port -c unix_socket_directories=$dir/data -c max_connections=200" \
    start 9>&- >"$dir/pg_ctl.log" 2>&1 || { cat "$dir/pg_ctl.log" "$dir/server.log" >&2; exit 1; }

for _ in $(seq 1 60); do
    "$bin/pg_isready" -q -h 127.0.0.1 -p "$port" && break
    sleep 0.5
done
"$bin/pg_isready" -q -h 127.0.0.1 -p "$port" || { echo "error: the server did not come up; see $dir/server.log" >&2; exit 1; }
echo "$url"
