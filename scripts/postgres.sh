#!/usr/bin/env bash
# A throwaway PostgreSQL for the store tests, from Debian's packages.
#
#   scripts/postgres.sh start    install (if needed), init (if needed), start (if needed); prints DATABASE_URL
#   scripts/postgres.sh stop     stops the cluster (keeps its data)
#   scripts/postgres.sh status   exit 0 when it accepts connections
#   scripts/postgres.sh url      prints DATABASE_URL
#   scripts/postgres.sh destroy  stops it and deletes its data
#
# Every step is idempotent. Only the URL goes to stdout; progress goes to stderr.
# Environment: APN_TEST_PG_PORT (default 55432), APN_TEST_PG_DIR (cluster directory), APN_TEST_PG_DB (apn_test).
set -euo pipefail

PORT="${APN_TEST_PG_PORT:-55432}"
DB="${APN_TEST_PG_DB:-apn_test}"
USER_NAME=apn
PASSWORD=apn
BASE="${APN_TEST_PG_DIR:-${XDG_CACHE_HOME:-$HOME/.cache}/apn-tier-engine/pg-test}"

log() { echo "[postgres.sh] $*" >&2; }

# PostgreSQL refuses to run as root: as root the cluster belongs to the `postgres` user.
if [ "$(id -u)" = 0 ]; then
  as_owner() { runuser -u postgres -- "$@"; }
else
  as_owner() { "$@"; }
fi

bindir() {
  local dir
  dir="$(ls -d /usr/lib/postgresql/*/bin 2>/dev/null | sort -V | tail -n 1 || true)"
  if [ -n "$dir" ] && [ -x "$dir/pg_ctl" ]; then
    echo "$dir"
  elif command -v pg_ctl >/dev/null 2>&1; then
    dirname "$(readlink -f "$(command -v pg_ctl)")"
  fi
}

install_postgres() {
  if [ -n "$(bindir)" ]; then return; fi
  if [ "$(id -u)" != 0 ]; then
    log "PostgreSQL is not installed and we are not root: apt-get install postgresql first"
    exit 1
  fi
  log "installing PostgreSQL from Debian's packages…"
  export DEBIAN_FRONTEND=noninteractive
  apt-get update -qq >&2
  # The package's own cluster is not needed (we make our own), but Debian creates and starts one: stop it.
  apt-get install -y -qq --no-install-recommends postgresql >&2
  if command -v pg_ctlcluster >/dev/null 2>&1; then
    for conf in /etc/postgresql/*/main; do
      [ -d "$conf" ] || continue
      ver="$(basename "$(dirname "$conf")")"
      pg_ctlcluster "$ver" main stop >/dev/null 2>&1 || true
    done
  fi
}

prepare_base() {
  # As root the default cache dir is under /root, which the postgres user cannot enter: use a shared cache dir.
  if [ "$(id -u)" = 0 ] && [ -z "${APN_TEST_PG_DIR:-}" ] && ! runuser -u postgres -- test -x "$(dirname "$BASE")" 2>/dev/null; then
    mkdir -p "$(dirname "$BASE")" 2>/dev/null || true
    if ! runuser -u postgres -- test -x "$(dirname "$BASE")" 2>/dev/null; then
      BASE="/var/cache/apn-tier-engine/pg-test"
    fi
  fi
  mkdir -p "$BASE"
  if [ "$(id -u)" = 0 ]; then chown postgres:postgres "$BASE"; fi
  chmod 700 "$BASE"
}

DATA() { echo "$BASE/data"; }

url() { echo "postgres://$USER_NAME:$PASSWORD@127.0.0.1:$PORT/$DB"; }

ready() {
  local bin="$1"
  "$bin/pg_isready" -q -h 127.0.0.1 -p "$PORT" -d postgres -U "$USER_NAME"
}

psql_admin() {
  local bin="$1"
  shift
  PGPASSWORD="$PASSWORD" "$bin/psql" -v ON_ERROR_STOP=1 -q -h 127.0.0.1 -p "$PORT" -U "$USER_NAME" -d postgres "$@"
}

init_cluster() {
  local bin="$1" data
  data="$(DATA)"
  if [ -f "$data/PG_VERSION" ]; then
    local have want
    have="$(cat "$data/PG_VERSION")"
    want="$(basename "$(dirname "$bin")")"
    if [ "$have" = "$want" ]; then return; fi
    log "cluster was made by PostgreSQL $have, binaries are $want: re-initialising (test data only)"
    as_owner "$bin/pg_ctl" -D "$data" stop -m fast >/dev/null 2>&1 || true
    rm -rf "$data"
  fi
  log "initialising a test cluster in $data"
  local pwfile="$BASE/.pw"
  printf '%s\n' "$PASSWORD" >"$pwfile"
  if [ "$(id -u)" = 0 ]; then chown postgres:postgres "$pwfile"; fi
  as_owner "$bin/initdb" -D "$data" -U "$USER_NAME" --pwfile="$pwfile" --auth-host=scram-sha-256 \
    --auth-local=trust -E UTF8 --locale=C.UTF-8 >/dev/null
  rm -f "$pwfile"
  cat >>"$data/postgresql.conf" <<EOF
# apn-tier-engine test cluster: loopback only, fast and unsafe on purpose (throwaway data)
listen_addresses = '127.0.0.1'
unix_socket_directories = '$BASE'
fsync = off
synchronous_commit = off
full_page_writes = off
max_connections = 100
EOF
}

start() {
  install_postgres
  local bin
  bin="$(bindir)"
  prepare_base
  init_cluster "$bin"
  if ready "$bin"; then
    log "already running on 127.0.0.1:$PORT"
  else
    log "starting PostgreSQL $(basename "$(dirname "$bin")") on 127.0.0.1:$PORT"
    as_owner "$bin/pg_ctl" -D "$(DATA)" -l "$BASE/postgres.log" -o "-p $PORT" -w -t 60 start >/dev/null || {
      log "start failed; last lines of $BASE/postgres.log:"
      tail -n 20 "$BASE/postgres.log" >&2 || true
      exit 1
    }
  fi
  if [ -z "$(psql_admin "$bin" -tAc "select 1 from pg_database where datname = '$DB'")" ]; then
    psql_admin "$bin" -c "create database \"$DB\""
  fi
  url
}

stop() {
  local bin
  bin="$(bindir)"
  [ -n "$bin" ] || return 0
  prepare_base
  if [ -f "$(DATA)/postmaster.pid" ]; then
    as_owner "$bin/pg_ctl" -D "$(DATA)" -m fast -w stop >/dev/null && log "stopped"
  else
    log "not running"
  fi
}

case "${1:-start}" in
  start) start ;;
  stop) stop ;;
  status)
    bin="$(bindir)"
    [ -n "$bin" ] && ready "$bin"
    ;;
  url)
    prepare_base
    url
    ;;
  destroy)
    stop
    rm -rf "$(DATA)"
    log "deleted $(DATA)"
    ;;
  *)
    echo "usage: $0 start|stop|status|url|destroy" >&2
    exit 2
    ;;
esac
