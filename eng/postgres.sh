#!/usr/bin/env bash
# A throwaway PostgreSQL server for the tests of the PostgreSQL journal: its own data folder under $TMPDIR, listening on
# 127.0.0.1 on a free port (unix socket in the same folder), fsync on, one database "billing_test".
#
#   eval "$(./eng/postgres.sh start)"   start a server and export BILLING_TEST_POSTGRES (the connection string) and
#                                       BILLING_TEST_POSTGRES_DIR (its folder); progress goes to stderr
#   eval "$(./eng/postgres.sh env)"     export the variables of the server started last from this checkout
#   ./eng/postgres.sh stop              stop that server (or the one in $BILLING_TEST_POSTGRES_DIR) and delete its folder
#
# Installs the Debian package "postgresql" when no PostgreSQL binaries are found (needs root, as on CI). initdb refuses
# to run as root, so as root the server runs as the "postgres" user, which owns the folder.
set -euo pipefail
root="$(cd "$(dirname "$0")/.." && pwd)"
state="$root/.pg/current"    # /.pg/ is ignored by git
database="billing_test"

log() { echo "postgres.sh: $*" >&2; }

usage() {
  sed -n '2,12p' "$0" | sed 's/^# \{0,1\}//' >&2
  exit 2
}

find_bin() {
  local dir
  for dir in $(ls -d /usr/lib/postgresql/*/bin 2>/dev/null | sort -t/ -k5 -V -r); do
    if [ -x "$dir/initdb" ] && [ -x "$dir/pg_ctl" ]; then
      echo "$dir"
      return 0
    fi
  done
  if command -v initdb >/dev/null 2>&1 && command -v pg_ctl >/dev/null 2>&1; then
    dirname "$(readlink -f "$(command -v initdb)")"
    return 0
  fi
  return 1
}

install_postgres() {
  "$root/eng/apt-install.sh" postgresql "point BILLING_TEST_POSTGRES at a server"
}

# Runs a PostgreSQL tool as the owner of the data folder: "postgres" when we are root, else ourselves.
as_owner() {
  if [ "$(id -u)" -eq 0 ]; then
    runuser -u postgres -- "$@"
  else
    "$@"
  fi
}

port_in_use() {
  (exec 3<>"/dev/tcp/127.0.0.1/$1") 2>/dev/null
}

print_env() {
  local dir="$1" port="$2"
  echo "export BILLING_TEST_POSTGRES='Host=127.0.0.1;Port=${port};Username=postgres;Database=${database}'"
  echo "export BILLING_TEST_POSTGRES_DIR='${dir}'"
}

read_state() {
  local dir="${BILLING_TEST_POSTGRES_DIR:-}"
  if [ -z "$dir" ] && [ -f "$state" ]; then
    dir="$(sed -n 's/^dir=//p' "$state")"
  fi
  if [ -z "$dir" ] || [ ! -f "$dir/instance" ]; then
    return 1
  fi
  # shellcheck disable=SC1091
  . "$dir/instance"
}

start() {
  local bin dir port started="" attempt
  bin="$(find_bin)" || { install_postgres; bin="$(find_bin)"; } || { log "no initdb after installing PostgreSQL"; exit 1; }
  if [ "$(id -u)" -eq 0 ] && ! id postgres >/dev/null 2>&1; then
    useradd --system --user-group --home-dir /nonexistent --shell /usr/sbin/nologin postgres
  fi

  local base="${TMPDIR:-/tmp}"
  if [ "$(id -u)" -eq 0 ] && ! runuser -u postgres -- test -x "$base"; then
    base="/tmp"   # the server runs as postgres, which must reach its folder
  fi
  dir="$(mktemp -d "${base}/billing-pg.XXXXXX")"
  chmod 700 "$dir"
  if [ "$(id -u)" -eq 0 ]; then
    chown postgres:postgres "$dir"
  fi
  if ! as_owner "$bin/initdb" -D "$dir/data" -U postgres -A trust -E UTF8 --locale=C >"$dir/initdb.log" 2>&1; then
    cat "$dir/initdb.log" >&2
    log "initdb failed (see above)"
    rm -rf "$dir"
    exit 1
  fi

  for attempt in $(seq 1 20); do
    port=$((20000 + RANDOM % 40000))
    if port_in_use "$port"; then
      continue
    fi
    if as_owner "$bin/pg_ctl" -D "$dir/data" -l "$dir/server.log" -w -t 60 -s \
        -o "-c listen_addresses=127.0.0.1 -c port=${port} -c unix_socket_directories=${dir} -c max_connections=300 -c fsync=on -c synchronous_commit=on -c full_page_writes=on -c shared_buffers=64MB" \
        start >&2; then
      started=1
      break
    fi
    log "could not start on port ${port} (attempt ${attempt}); trying another"
  done
  if [ -z "$started" ]; then
    cat "$dir/server.log" >&2 || true
    log "the server did not start (see above)"
    rm -rf "$dir"
    exit 1
  fi

  printf 'bin=%q\nport=%q\n' "$bin" "$port" >"$dir/instance"
  local psql="$bin/psql"
  [ -x "$psql" ] || psql="psql"
  as_owner "$psql" -h 127.0.0.1 -p "$port" -U postgres -d postgres -v ON_ERROR_STOP=1 -qAt \
    -c "CREATE DATABASE ${database}" >&2
  mkdir -p "$(dirname "$state")"
  printf 'dir=%s\n' "$dir" >"$state"
  log "PostgreSQL $("$bin/postgres" --version | awk '{print $3}') on 127.0.0.1:${port}, data in ${dir}; stop with ./eng/postgres.sh stop"
  print_env "$dir" "$port"
}

stop() {
  local bin port dir
  if ! read_state; then
    log "no server to stop"
    return 0
  fi
  dir="${BILLING_TEST_POSTGRES_DIR:-$(sed -n 's/^dir=//p' "$state")}"
  as_owner "$bin/pg_ctl" -D "$dir/data" -m fast -w -s stop >&2 || log "pg_ctl stop failed; deleting ${dir} anyway"
  rm -rf "$dir"
  if [ -f "$state" ] && [ "$(sed -n 's/^dir=//p' "$state")" = "$dir" ]; then
    rm -f "$state"
  fi
  log "stopped and deleted ${dir}"
}

env_of_running() {
  local bin port dir
  if ! read_state; then
    log "no server is running; start one with: eval \"\$(./eng/postgres.sh start)\""
    exit 1
  fi
  dir="${BILLING_TEST_POSTGRES_DIR:-$(sed -n 's/^dir=//p' "$state")}"
  print_env "$dir" "$port"
}

case "${1:-}" in
  start) start ;;
  stop) stop ;;
  env) env_of_running ;;
  *) usage ;;
esac
