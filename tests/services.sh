#!/usr/bin/env bash
# Throwaway services for the tests: a PostgreSQL cluster and a Redis server, both on 127.0.0.1 only,
# with their files under .services/ in the project (gitignored).
#
#   bash tests/services.sh start   # install what is missing (as root), start or reuse both, write .services/env
#   bash tests/services.sh env     # print the exports (eval "$(bash tests/services.sh env)")
#   bash tests/services.sh stop    # stop both (the data stays; `start` reuses it)
#
# Idempotent: running services are reused, so `start` takes well under a second once set up.
# As root, missing Debian packages (postgresql, redis-server, chromium, docker-compose) are installed with apt-get;
# PostgreSQL refuses to run as root, so the cluster runs as the `postgres` system user.
set -euo pipefail

ROOT="$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)"
SERVICES="${NEWSMON_SERVICES_DIR:-$ROOT/.services}"
PG_PORT="${NEWSMON_TEST_PG_PORT:-55432}"
REDIS_PORT="${NEWSMON_TEST_REDIS_PORT:-56379}"
PG_ROLE=newsmon
PG_DB=newsmon
ENV_FILE="$SERVICES/env"

log() { printf 'services: %s\n' "$*" >&2; }
die() { log "$*"; exit 1; }

pg_bindir() {
    local d
    for d in $(ls -d /usr/lib/postgresql/*/bin 2>/dev/null | sort -V -r); do
        [[ -x "$d/initdb" && -x "$d/pg_ctl" ]] && { echo "$d"; return 0; }
    done
    command -v pg_ctl >/dev/null 2>&1 && { dirname "$(command -v pg_ctl)"; return 0; }
    return 1
}

have_chromium() {
    command -v chromium >/dev/null 2>&1 || command -v chromium-browser >/dev/null 2>&1 \
        || command -v google-chrome >/dev/null 2>&1
}

ensure_packages() {
    local missing=()
    pg_bindir >/dev/null || missing+=(postgresql)
    command -v redis-server >/dev/null 2>&1 || missing+=(redis-server)
    have_chromium || missing+=(chromium)
    # compose.yaml is checked with `docker compose config` (or Debian's docker-compose)
    docker compose version >/dev/null 2>&1 || command -v docker-compose >/dev/null 2>&1 \
        || missing+=(docker-compose)
    ((${#missing[@]} == 0)) && return 0
    if [[ $(id -u) -eq 0 ]] && command -v apt-get >/dev/null 2>&1; then
        log "installing ${missing[*]} (apt-get)"
        export DEBIAN_FRONTEND=noninteractive
        apt-get update -qq >/dev/null
        apt-get install -y -qq --no-install-recommends "${missing[@]}" >/dev/null
        return 0
    fi
    log "missing: ${missing[*]}; install them, e.g.: sudo apt-get install ${missing[*]}"
    # PostgreSQL and Redis are needed to start anything; Chromium and docker-compose only by
    # the browser and deployment tests.
    pg_bindir >/dev/null && command -v redis-server >/dev/null 2>&1 || exit 1
}

# As root, PostgreSQL runs as `postgres`; otherwise as the current user.
as_pg() {
    if [[ $(id -u) -eq 0 ]]; then
        runuser -u postgres -- "$@"
    else
        "$@"
    fi
}

pg_dir() {
    # The cluster lives in .services/pg, unless the `postgres` user cannot reach the project
    # (a project under a private home directory): then in a private directory under /tmp.
    local dir="$SERVICES/pg"
    if [[ $(id -u) -eq 0 ]] && ! runuser -u postgres -- test -x "$SERVICES" 2>/dev/null; then
        dir="${TMPDIR:-/tmp}/newsmon-pg-$(printf '%s' "$ROOT" | cksum | cut -d' ' -f1)"
    fi
    echo "$dir"
}

pg_running() {
    local bin="$1" data="$2"
    [[ -f "$data/PG_VERSION" ]] && as_pg "$bin/pg_ctl" -D "$data" status >/dev/null 2>&1
}

start_pg() {
    local bin data
    bin="$(pg_bindir)" || die "PostgreSQL is not installed (apt-get install postgresql)"
    mkdir -p "$SERVICES"
    data="$(pg_dir)"
    if pg_running "$bin" "$data"; then
        log "PostgreSQL already running on 127.0.0.1:$PG_PORT ($data)"
    else
        if [[ ! -f "$data/PG_VERSION" ]]; then
            mkdir -p "$data"
            [[ $(id -u) -eq 0 ]] && chown postgres: "$data"
            chmod 700 "$data"
            as_pg "$bin/initdb" -D "$data" -U postgres --auth=trust --encoding=UTF8 --locale=C.UTF-8 \
                >"$data.initdb.log" 2>&1 || { cat "$data.initdb.log" >&2; die "initdb failed"; }
            # Loopback and the socket in the data directory only; durability off: throwaway data.
            as_pg tee -a "$data/postgresql.conf" >/dev/null <<EOF
listen_addresses = '127.0.0.1'
port = $PG_PORT
unix_socket_directories = '$data'
max_connections = 200
fsync = off
synchronous_commit = off
full_page_writes = off
autovacuum = off
EOF
        fi
        as_pg "$bin/pg_ctl" -D "$data" -l "$data/server.log" -w -t 60 start >/dev/null \
            || { tail -20 "$data/server.log" >&2; die "PostgreSQL did not start (log: $data/server.log)"; }
        log "PostgreSQL started on 127.0.0.1:$PG_PORT ($data)"
    fi
    local psql=("$bin/psql" -X -q -h 127.0.0.1 -p "$PG_PORT" -U postgres -d postgres -v ON_ERROR_STOP=1 -tA)
    if [[ -z "$("${psql[@]}" -c "SELECT 1 FROM pg_roles WHERE rolname = '$PG_ROLE'")" ]]; then
        "${psql[@]}" -c "CREATE ROLE $PG_ROLE LOGIN CREATEDB"
    fi
    # DROP DATABASE ... WITH (FORCE) ends the sessions left open in a test's database, including
    # background workers that run as no role: that takes pg_signal_backend.
    if [[ -z "$("${psql[@]}" -c "SELECT 1 FROM pg_auth_members m JOIN pg_roles r ON r.oid = m.member
                                  WHERE r.rolname = '$PG_ROLE' AND m.roleid = 'pg_signal_backend'::regrole")" ]]; then
        "${psql[@]}" -c "GRANT pg_signal_backend TO $PG_ROLE"
    fi
    if [[ -z "$("${psql[@]}" -c "SELECT 1 FROM pg_database WHERE datname = '$PG_DB'")" ]]; then
        "${psql[@]}" -c "CREATE DATABASE $PG_DB OWNER $PG_ROLE"
    fi
}

redis_running() {
    local pid
    [[ -f "$SERVICES/redis/redis.pid" ]] || return 1
    pid="$(cat "$SERVICES/redis/redis.pid")"
    [[ -n "$pid" ]] && kill -0 "$pid" 2>/dev/null
}

start_redis() {
    command -v redis-server >/dev/null 2>&1 || die "redis-server is not installed (apt-get install redis-server)"
    mkdir -p "$SERVICES/redis"
    if redis_running; then
        log "Redis already running on 127.0.0.1:$REDIS_PORT"
        return 0
    fi
    redis-server --bind 127.0.0.1 --port "$REDIS_PORT" --daemonize yes --dir "$SERVICES/redis" \
        --pidfile "$SERVICES/redis/redis.pid" --logfile "$SERVICES/redis/redis.log" \
        --save '' --appendonly no
    local i
    for i in $(seq 50); do
        redis_running && { log "Redis started on 127.0.0.1:$REDIS_PORT"; return 0; }
        sleep 0.1
    done
    tail -20 "$SERVICES/redis/redis.log" >&2 || true
    die "Redis did not start (log: $SERVICES/redis/redis.log)"
}

write_env() {
    mkdir -p "$SERVICES"
    cat >"$ENV_FILE" <<EOF
export NEWSMON_TEST_PG_URL=postgresql+psycopg://$PG_ROLE@127.0.0.1:$PG_PORT/$PG_DB
export NEWSMON_TEST_REDIS_URL=redis://127.0.0.1:$REDIS_PORT/0
EOF
}

stop_all() {
    local bin data
    if bin="$(pg_bindir)"; then
        data="$(pg_dir)"
        if pg_running "$bin" "$data"; then
            as_pg "$bin/pg_ctl" -D "$data" -m fast -w stop >/dev/null && log "PostgreSQL stopped"
        fi
    fi
    if redis_running; then
        local pid
        pid="$(cat "$SERVICES/redis/redis.pid")"
        kill "$pid"
        for _ in $(seq 50); do kill -0 "$pid" 2>/dev/null || break; sleep 0.1; done
        log "Redis stopped"
    fi
}

case "${1:-}" in
    start)
        ensure_packages
        start_pg
        start_redis
        write_env
        ;;
    stop) stop_all ;;
    env)
        [[ -f "$ENV_FILE" ]] || write_env
        cat "$ENV_FILE"
        ;;
    *)
        echo "usage: bash tests/services.sh start|stop|env" >&2
        exit 2
        ;;
esac
