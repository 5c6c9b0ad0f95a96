#!/usr/bin/env bash
# The "team stack": what a team's MLflow looks like, on this machine's loopback only.
#
#   PostgreSQL   the backend store (runs, registry, champion's history tags and lock models)
#   moto         an S3 endpoint (moto's standalone server), with one bucket for the artifacts
#   mlflow server on PostgreSQL, artifacts proxied to s3://BUCKET/artifacts (--serve-artifacts)
#   mlflow server with --direct-artifacts only, a second one (its own database, mlflow_direct)
#                 without --serve-artifacts: experiments default to s3://BUCKET/direct and the
#                 clients read and write S3 themselves (MLFLOW_S3_ENDPOINT_URL)
#   logins       with --auth, the first mlflow server runs MLflow's basic-auth app (--app-name
#                 basic-auth; its users and permissions in a third database, mlflow_auth)
#   dashboard    `serve` adds `champion serve` under /champion on the stack (--auth mlflow when
#                 the stack has logins)
#
# Usage:
#   scripts/team-stack.sh start [--direct-artifacts] [--auth] DIR
#                                       start everything with its state in DIR
#   scripts/team-stack.sh serve DIR MODEL DATA [OPTION...]
#                                       start `champion serve` for MODEL on DATA on the stack
#   scripts/team-stack.sh env DIR       print the `export` lines of DIR/stack.env
#   scripts/team-stack.sh stop DIR      stop what start and serve started (safe to repeat)
#
#   . DIR/stack.env      (or: eval "$(scripts/team-stack.sh env DIR)") then champion models, ...
#
# DIR (created if missing) holds: stack.env (mode 600: it has the database password), pg/ (the
# cluster: data/, the unix socket in run/, postgres.log), moto.log, mlflow.log, mlflow-direct.log
# and stack.pids (what stop stops). Every service listens on 127.0.0.1 only, on a free port
# picked at each start. stack.env exports MLFLOW_TRACKING_URI (the proxied server),
# MLFLOW_S3_ENDPOINT_URL and AWS_ENDPOINT_URL (moto), AWS_ACCESS_KEY_ID / AWS_SECRET_ACCESS_KEY
# ("testing": moto takes any), AWS_DEFAULT_REGION, NO_PROXY, and CHAMPION_STACK_*: DIR, PG_URI,
# PG_DIRECT_URI, PG_PORT, S3_BUCKET, S3_PORT, ARTIFACTS, MLFLOW_PORT, DIRECT_URI / DIRECT_PORT /
# DIRECT_ARTIFACTS (empty without --direct-artifacts) and the pids (MOTO_PID, MLFLOW_PID,
# DIRECT_PID, PG_PID).
#
# With --auth, DIR also holds basic_auth.ini (mode 600) and stack.env also exports
# CHAMPION_STACK_AUTH=1, CHAMPION_STACK_ADMIN_USERNAME and CHAMPION_STACK_ADMIN_PASSWORD (the
# admin account, a new random password at the first start), CHAMPION_STACK_AUTH_CONFIG and
# CHAMPION_STACK_PG_AUTH_URI. It does not export MLFLOW_TRACKING_USERNAME / _PASSWORD: a
# client acts as the admin only when told to.
#
# `serve DIR MODEL DATA [OPTION...]` runs, in the background, in DIR/stack.env's environment:
#   champion serve --tracking-uri $MLFLOW_TRACKING_URI --model MODEL --data DATA
#       --url-prefix /champion --proxy-fix 1 --workers 2 --host 127.0.0.1 --port <free port>
#       [--auth mlflow] OPTION...
# (an OPTION given again wins: e.g. --workers 4, --target Survived, --cache-dir s3://...), with
# CHAMPION_SECRET_KEY and CHAMPION_CACHE_KEY read from DIR/secret.key and DIR/cache.key (made
# at the first serve, mode 600), its local cache in DIR/cache (XDG_CACHE_HOME) and no MLflow
# account of its own. It waits until /champion/health answers, adds CHAMPION_STACK_DASHBOARD_URL,
# _PORT and _PID to stack.env, prints the URLs, and logs to DIR/dashboard.log; stop stops it.
#
# `start` waits until each service answers (pg_isready, then HTTP), prints the URLs and exits 0;
# if anything fails it prints the log tails, stops what it had started and exits 1. `start` on a
# stopped DIR starts over the same database (moto keeps nothing: the S3 objects are gone).
# `stop` runs `pg_ctl stop -m fast` and stops the process groups of moto and the mlflow servers
# (SIGTERM, then SIGKILL after 10 s). The stack is made for tests: fsync is off.
#
# As root (as CI runs), the cluster runs as the `postgres` user (created by Debian's package):
# DIR/pg is chowned to it, so DIR and its parents must be traversable by it (not under /root or
# pytest's 0700 base folder). As another user, it runs as that user.
#
# Environment:
#   CHAMPION_PYTHON          the Python that runs moto, mlflow and boto3 [REPO/.venv/bin/python]
#   CHAMPION_PG_BIN          PostgreSQL's bin folder [newest /usr/lib/postgresql/<major>/bin;
#                            scripts/install-postgres.sh (make postgres) installs it]
#   CHAMPION_STACK_WORKERS   workers of each mlflow server [2]
#   CHAMPION_STACK_BUCKET    the bucket's name [champion-artifacts]
#   CHAMPION_STACK_TIMEOUT   seconds each service may take to come up [180]
#   CHAMPION_STACK_URL_PREFIX  the path `serve` serves the dashboard under [/champion]
set -euo pipefail

ROOT="$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)"
PY="${CHAMPION_PYTHON:-$ROOT/.venv/bin/python}"
[[ "$PY" == /* ]] || PY="$ROOT/$PY"
WORKERS="${CHAMPION_STACK_WORKERS:-2}"
BUCKET="${CHAMPION_STACK_BUCKET:-champion-artifacts}"
TIMEOUT="${CHAMPION_STACK_TIMEOUT:-180}"
URL_PREFIX="${CHAMPION_STACK_URL_PREFIX:-/champion}"
AWS_KEY=testing
REGION=us-east-1

say() { echo "team-stack: $*"; }
die() {
    echo "team-stack: ERROR: $*" >&2
    exit 1
}

usage() {
    sed -n '/^# Usage:/,/^# DIR (created/p' "${BASH_SOURCE[0]}" | sed '$d; s/^# \{0,1\}//' >&2
    exit 2
}

pg_bin() {
    if [[ -n "${CHAMPION_PG_BIN:-}" ]]; then
        echo "$CHAMPION_PG_BIN"
        return
    fi
    local dir
    for dir in $(ls -d /usr/lib/postgresql/*/bin 2>/dev/null | sort -V -r); do
        if [[ -x "$dir/initdb" && -x "$dir/pg_ctl" ]]; then
            echo "$dir"
            return
        fi
    done
}

# the command prefix that runs a PostgreSQL binary: as `postgres` when we are root
pg_runner() {
    if [[ "$(id -u)" -eq 0 ]]; then
        id postgres >/dev/null 2>&1 || die "running as root, but there is no 'postgres' user to run the cluster (Debian's postgresql package creates it: scripts/install-postgres.sh)"
        RUN_PG=(runuser -u postgres --)
    else
        RUN_PG=()
    fi
}

# N distinct free loopback ports, one per line
free_ports() {
    "$PY" - "$1" <<'PY'
import socket, sys
held = []
for _ in range(int(sys.argv[1])):
    s = socket.socket()
    s.bind(("127.0.0.1", 0))
    held.append(s)
print("\n".join(str(s.getsockname()[1]) for s in held))
PY
}

# exit 0 when URL answers HTTP 200
http_ok() {
    "$PY" - "$1" <<'PY' 2>/dev/null
import sys, urllib.request
opener = urllib.request.build_opener(urllib.request.ProxyHandler({}))
with opener.open(sys.argv[1], timeout=3) as response:
    sys.exit(0 if response.status == 200 else 1)
PY
}

log_tail() {
    local file="$1"
    if [[ -f "$file" ]]; then
        echo "----- last lines of $file" >&2
        tail -n 30 "$file" >&2 || true
    fi
}

# wait_http NAME URL PID LOG: until URL answers 200; fail if PID exits or time runs out
wait_http() {
    local name="$1" url="$2" pid="$3" log="$4"
    local deadline=$((SECONDS + TIMEOUT))
    while ((SECONDS < deadline)); do
        if ! kill -0 "$pid" 2>/dev/null; then
            log_tail "$log"
            die "$name exited before it answered $url"
        fi
        if http_ok "$url"; then
            return 0
        fi
        sleep 0.5
    done
    log_tail "$log"
    die "$name did not answer $url within $TIMEOUT s"
}

# spawn LOG COMMAND...: start COMMAND in a new session (so its pid is its process group), output
# to LOG, no stdin; sets SPAWNED to its pid
spawn() {
    local log="$1"
    shift
    setsid "$@" >"$log" 2>&1 </dev/null &
    SPAWNED=$!
}

record_pid() { echo "$2 $1" >>"$DIR/stack.pids"; } # "PGID NAME" lines

# whether any live (not zombie) process is in process group $1 (read from /proc: no procps)
group_alive() {
    local pgid="$1" file line state pgrp
    for file in /proc/[0-9]*/stat; do
        read -r line <"$file" 2>/dev/null || continue
        read -r state _ pgrp _ <<<"${line##*) }"
        if [[ "$pgrp" == "$pgid" && "$state" != Z ]]; then
            return 0
        fi
    done
    return 1
}

stop_group() {
    local name="$1" pgid="$2"
    if ! group_alive "$pgid"; then
        return 0
    fi
    say "stopping $name (process group $pgid)"
    kill -TERM -- "-$pgid" 2>/dev/null || kill -TERM "$pgid" 2>/dev/null || true
    local deadline=$((SECONDS + 10))
    while ((SECONDS < deadline)) && group_alive "$pgid"; do
        sleep 0.2
    done
    if group_alive "$pgid"; then
        kill -KILL -- "-$pgid" 2>/dev/null || kill -KILL "$pgid" 2>/dev/null || true
    fi
}

stop_postgres() {
    local data="$DIR/pg/data"
    [[ -f "$data/postmaster.pid" ]] || return 0
    local bin
    bin="$(pg_bin)"
    [[ -n "$bin" && -x "$bin/pg_ctl" ]] || die "cannot stop PostgreSQL in $data: no pg_ctl (set CHAMPION_PG_BIN)"
    pg_runner
    say "stopping PostgreSQL ($data)"
    "${RUN_PG[@]}" "$bin/pg_ctl" -D "$data" stop -m fast -w -t 60 >/dev/null 2>&1 || {
        # not running (a stale pid file) is fine; anything else is reported
        if "${RUN_PG[@]}" "$bin/pg_ctl" -D "$data" status >/dev/null 2>&1; then
            die "pg_ctl stop failed for $data"
        fi
    }
}

do_stop() {
    if [[ -f "$DIR/stack.pids" ]]; then
        local pgid name
        # newest first: the mlflow servers before moto
        while read -r pgid name; do
            [[ -n "$pgid" ]] && stop_group "$name" "$pgid"
        done < <(tac "$DIR/stack.pids")
        rm -f "$DIR/stack.pids"
    fi
    stop_postgres
}

cmd_stop() {
    [[ -d "$DIR" ]] || {
        say "nothing to stop: $DIR does not exist"
        return 0
    }
    do_stop
    say "stopped ($DIR)"
}

cmd_env() {
    [[ -f "$DIR/stack.env" ]] || die "no $DIR/stack.env: run 'scripts/team-stack.sh start $DIR' first"
    grep '^export ' "$DIR/stack.env"
}

start_postgres() {
    PG_BIN="$(pg_bin)"
    [[ -n "$PG_BIN" && -x "$PG_BIN/initdb" && -x "$PG_BIN/pg_ctl" ]] ||
        die "PostgreSQL is not installed (no /usr/lib/postgresql/<major>/bin/initdb): run scripts/install-postgres.sh (make postgres), or set CHAMPION_PG_BIN"
    pg_runner
    local pgroot="$DIR/pg"
    mkdir -p "$pgroot"
    if [[ "$(id -u)" -eq 0 ]]; then
        chown postgres:postgres "$pgroot"
    fi
    chmod 700 "$pgroot"
    "${RUN_PG[@]}" test -w "$pgroot" ||
        die "the postgres user cannot write $pgroot: DIR and each folder above it must be traversable by it (o+x); pick a DIR such as /tmp/champion-stack"
    "${RUN_PG[@]}" mkdir -p "$pgroot/run"
    local socket="$pgroot/run/.s.PGSQL.$PG_PORT"
    ((${#socket} < 100)) || die "the unix socket path $socket is too long for PostgreSQL; pick a shorter DIR"

    if [[ ! -f "$pgroot/data/PG_VERSION" ]]; then
        say "initdb $pgroot/data ($("$PG_BIN/postgres" --version))"
        "${RUN_PG[@]}" "$PG_BIN/initdb" -D "$pgroot/data" -U postgres --auth-local=trust \
            --auth-host=scram-sha-256 -E UTF8 --no-locale --no-sync >"$DIR/initdb.log" 2>&1 || {
            log_tail "$DIR/initdb.log"
            die "initdb failed"
        }
        # tests only: loopback, a socket inside DIR, room for two servers' pools, no fsync
        "${RUN_PG[@]}" tee -a "$pgroot/data/postgresql.conf" >/dev/null <<CONF

# scripts/team-stack.sh
listen_addresses = '127.0.0.1'
unix_socket_directories = '$pgroot/run'
max_connections = 200
shared_buffers = 64MB
fsync = off
synchronous_commit = off
full_page_writes = off
password_encryption = 'scram-sha-256'
CONF
    fi
    say "starting PostgreSQL on 127.0.0.1:$PG_PORT"
    "${RUN_PG[@]}" "$PG_BIN/pg_ctl" -D "$pgroot/data" -l "$pgroot/postgres.log" \
        -o "-p $PG_PORT" -w -t "$TIMEOUT" start >/dev/null || {
        log_tail "$pgroot/postgres.log"
        die "pg_ctl start failed"
    }
    local deadline=$((SECONDS + TIMEOUT))
    until "$PG_BIN/pg_isready" -q -h 127.0.0.1 -p "$PG_PORT" -d postgres; do
        ((SECONDS < deadline)) || {
            log_tail "$pgroot/postgres.log"
            die "PostgreSQL did not accept connections on 127.0.0.1:$PG_PORT within $TIMEOUT s"
        }
        sleep 0.3
    done
    PG_PID="$(head -n1 "$pgroot/data/postmaster.pid")"

    # the role and databases of the mlflow servers; a new password at each start
    PG_PASSWORD="$("$PY" -c 'import secrets; print(secrets.token_hex(16))')"
    "${RUN_PG[@]}" "$PG_BIN/psql" -X -q -v ON_ERROR_STOP=1 -h "$pgroot/run" -p "$PG_PORT" \
        -U postgres -d postgres >/dev/null <<SQL || die "creating the mlflow role and databases failed"
SELECT 'CREATE ROLE mlflow' WHERE NOT EXISTS (SELECT FROM pg_roles WHERE rolname = 'mlflow')\gexec
ALTER ROLE mlflow WITH LOGIN PASSWORD '$PG_PASSWORD';
SELECT 'CREATE DATABASE mlflow OWNER mlflow' WHERE NOT EXISTS (SELECT FROM pg_database WHERE datname = 'mlflow')\gexec
SELECT 'CREATE DATABASE mlflow_direct OWNER mlflow' WHERE NOT EXISTS (SELECT FROM pg_database WHERE datname = 'mlflow_direct')\gexec
SELECT 'CREATE DATABASE mlflow_auth OWNER mlflow' WHERE NOT EXISTS (SELECT FROM pg_database WHERE datname = 'mlflow_auth')\gexec
SQL
    PG_URI="postgresql://mlflow:$PG_PASSWORD@127.0.0.1:$PG_PORT/mlflow"
    PG_DIRECT_URI="postgresql://mlflow:$PG_PASSWORD@127.0.0.1:$PG_PORT/mlflow_direct"
    PG_AUTH_URI="postgresql://mlflow:$PG_PASSWORD@127.0.0.1:$PG_PORT/mlflow_auth"
}

# MLflow's basic-auth app: DIR/basic_auth.ini (the admin's password made once and kept there),
# its tables created in mlflow_auth before the server's workers start (not by each at once)
prepare_auth() {
    AUTH_CONFIG="$DIR/basic_auth.ini"
    ADMIN_USERNAME=admin
    if [[ -f "$AUTH_CONFIG" ]]; then
        ADMIN_PASSWORD="$(sed -n 's/^admin_password = //p' "$AUTH_CONFIG")"
    fi
    [[ -n "${ADMIN_PASSWORD:-}" ]] || ADMIN_PASSWORD="$("$PY" -c 'import secrets; print(secrets.token_hex(16))')"
    (
        umask 077
        cat >"$AUTH_CONFIG" <<INI
[mlflow]
# every account may read; EDIT (move aliases) and MANAGE are granted per registered model
default_permission = READ
database_uri = $PG_AUTH_URI
admin_username = $ADMIN_USERNAME
admin_password = $ADMIN_PASSWORD
authorization_function = mlflow.server.auth:authenticate_request_basic_auth
# a password is hashed once a minute per worker, not on every request
auth_cache_ttl_seconds = 60
INI
    )
    say "creating the tables of MLflow's basic-auth app (mlflow_auth)"
    "$PY" -m mlflow.server.auth db upgrade --url "$PG_AUTH_URI" >"$DIR/auth-db.log" 2>&1 || {
        log_tail "$DIR/auth-db.log"
        die "creating the basic-auth tables failed"
    }
    FLASK_KEY="$("$PY" -c 'import secrets; print(secrets.token_hex(32))')"
}

start_moto() {
    say "starting moto's S3 server on 127.0.0.1:$S3_PORT"
    spawn "$DIR/moto.log" "$PY" -m moto.server -H 127.0.0.1 -p "$S3_PORT"
    MOTO_PID=$SPAWNED
    record_pid moto "$MOTO_PID"
    wait_http "moto" "$S3_URL/" "$MOTO_PID" "$DIR/moto.log"
    "$PY" - "$S3_URL" "$BUCKET" <<'PY' || die "creating bucket $BUCKET at $S3_URL failed"
import sys
import boto3
endpoint, bucket = sys.argv[1], sys.argv[2]
s3 = boto3.client("s3", endpoint_url=endpoint)
if bucket not in {b["Name"] for b in s3.list_buckets().get("Buckets", [])}:
    s3.create_bucket(Bucket=bucket)
PY
}

# launch_mlflow NAME PORT LOG OPTIONS...: start an mlflow server (not waiting); sets SPAWNED
launch_mlflow() {
    local name="$1" port="$2" log="$3"
    shift 3
    say "starting $name on 127.0.0.1:$port"
    spawn "$log" env MLFLOW_SERVER_ENABLE_JOB_EXECUTION=false "${SERVER_ENV[@]}" \
        "$PY" -m mlflow server "$@" --host 127.0.0.1 --port "$port" --workers "$WORKERS"
    record_pid "$name" "$SPAWNED"
}

write_env() {
    local file="$DIR/stack.env" tmp="$DIR/.stack.env.tmp"
    local no_proxy_list="$NO_PROXY" # cmd_start put loopback first
    (
        umask 077
        {
            echo "# scripts/team-stack.sh start $(date -u +%Y-%m-%dT%H:%M:%SZ); source it: . $file"
            local pair
            for pair in \
                "MLFLOW_TRACKING_URI=$MLFLOW_URL" \
                "MLFLOW_S3_ENDPOINT_URL=$S3_URL" \
                "AWS_ENDPOINT_URL=$S3_URL" \
                "AWS_ACCESS_KEY_ID=$AWS_KEY" \
                "AWS_SECRET_ACCESS_KEY=$AWS_KEY" \
                "AWS_DEFAULT_REGION=$REGION" \
                "NO_PROXY=$no_proxy_list" \
                "no_proxy=$no_proxy_list" \
                "CHAMPION_STACK_DIR=$DIR" \
                "CHAMPION_STACK_PG_URI=$PG_URI" \
                "CHAMPION_STACK_PG_DIRECT_URI=$PG_DIRECT_URI" \
                "CHAMPION_STACK_PG_PORT=$PG_PORT" \
                "CHAMPION_STACK_PG_PID=$PG_PID" \
                "CHAMPION_STACK_S3_BUCKET=$BUCKET" \
                "CHAMPION_STACK_S3_PORT=$S3_PORT" \
                "CHAMPION_STACK_MOTO_PID=$MOTO_PID" \
                "CHAMPION_STACK_ARTIFACTS=s3://$BUCKET/artifacts" \
                "CHAMPION_STACK_MLFLOW_PORT=$MLFLOW_PORT" \
                "CHAMPION_STACK_MLFLOW_PID=$MLFLOW_PID" \
                "CHAMPION_STACK_DIRECT_URI=$DIRECT_URL" \
                "CHAMPION_STACK_DIRECT_PORT=$DIRECT_PORT" \
                "CHAMPION_STACK_DIRECT_ARTIFACTS=$DIRECT_ARTIFACTS" \
                "CHAMPION_STACK_DIRECT_PID=$DIRECT_PID" \
                "CHAMPION_STACK_AUTH=$AUTH" \
                "CHAMPION_STACK_ADMIN_USERNAME=$ADMIN_USERNAME" \
                "CHAMPION_STACK_ADMIN_PASSWORD=$ADMIN_PASSWORD" \
                "CHAMPION_STACK_AUTH_CONFIG=$AUTH_CONFIG" \
                "CHAMPION_STACK_PG_AUTH_URI=$PG_AUTH_URI"; do
                printf 'export %s=%q\n' "${pair%%=*}" "${pair#*=}"
            done
        } >"$tmp"
    )
    mv "$tmp" "$file"
}

cmd_start() {
    mkdir -p "$DIR"
    DIR="$(cd "$DIR" && pwd)"
    [[ -x "$PY" ]] || die "no Python at $PY (make the venv: make test, or set CHAMPION_PYTHON)"
    # boto3, moto's server, mlflow, and the driver SQLAlchemy picks for a postgresql:// URI
    "$PY" -c 'import boto3, moto.server, mlflow
from sqlalchemy.dialects import postgresql
postgresql.dialect.import_dbapi()' 2>/dev/null ||
        die "$PY lacks boto3, moto[server], mlflow or the PostgreSQL driver: .venv/bin/pip install -e '.[dev]'"
    if [[ -f "$DIR/stack.pids" ]]; then
        local pgid name
        while read -r pgid name; do
            group_alive "$pgid" && die "a stack is already running in $DIR ($name, pid $pgid): stop it first"
        done <"$DIR/stack.pids"
        rm -f "$DIR/stack.pids"
    fi
    command -v setsid >/dev/null || die "setsid (util-linux) is missing"

    local ports
    mapfile -t ports < <(free_ports 4)
    PG_PORT=${ports[0]} S3_PORT=${ports[1]} MLFLOW_PORT=${ports[2]} DIRECT_PORT=${ports[3]}
    S3_URL="http://127.0.0.1:$S3_PORT"
    MLFLOW_URL="http://127.0.0.1:$MLFLOW_PORT"
    DIRECT_URL="" DIRECT_ARTIFACTS="" DIRECT_PID=""
    export NO_PROXY="127.0.0.1,localhost${NO_PROXY:+,$NO_PROXY}" no_proxy="127.0.0.1,localhost${no_proxy:+,$no_proxy}"
    export AWS_ACCESS_KEY_ID=$AWS_KEY AWS_SECRET_ACCESS_KEY=$AWS_KEY AWS_DEFAULT_REGION=$REGION
    export MLFLOW_S3_ENDPOINT_URL="$S3_URL" AWS_ENDPOINT_URL="$S3_URL"
    unset MLFLOW_TRACKING_URI MLFLOW_REGISTRY_URI

    # anything failing from here on: stop what was started
    trap 'status=$?; if ((status != 0)); then echo "team-stack: start failed; stopping what it started" >&2; do_stop >&2 || true; fi' EXIT

    start_postgres
    ((AUTH)) || PG_AUTH_URI=""
    start_moto
    ADMIN_USERNAME="" ADMIN_PASSWORD="" AUTH_CONFIG=""
    SERVER_ENV=()
    local app=()
    if ((AUTH)); then
        prepare_auth
        SERVER_ENV=("MLFLOW_AUTH_CONFIG_PATH=$AUTH_CONFIG" "MLFLOW_FLASK_SERVER_SECRET_KEY=$FLASK_KEY")
        app=(--app-name basic-auth)
    fi
    launch_mlflow "mlflow server" "$MLFLOW_PORT" "$DIR/mlflow.log" "${app[@]}" \
        --backend-store-uri "$PG_URI" --artifacts-destination "s3://$BUCKET/artifacts" --serve-artifacts
    MLFLOW_PID=$SPAWNED
    SERVER_ENV=()
    if ((DIRECT)); then
        DIRECT_URL="http://127.0.0.1:$DIRECT_PORT"
        DIRECT_ARTIFACTS="s3://$BUCKET/direct"
        launch_mlflow "mlflow server (direct artifacts)" "$DIRECT_PORT" "$DIR/mlflow-direct.log" \
            --backend-store-uri "$PG_DIRECT_URI" --default-artifact-root "$DIRECT_ARTIFACTS" --no-serve-artifacts
        DIRECT_PID=$SPAWNED
    else
        DIRECT_PORT=""
    fi
    wait_http "mlflow server" "$MLFLOW_URL/health" "$MLFLOW_PID" "$DIR/mlflow.log"
    if ((DIRECT)); then
        wait_http "mlflow server (direct artifacts)" "$DIRECT_URL/health" "$DIRECT_PID" "$DIR/mlflow-direct.log"
    fi
    write_env
    trap - EXIT

    say "up in $DIR"
    echo "  MLflow (artifacts proxied to s3://$BUCKET/artifacts): $MLFLOW_URL"
    if ((AUTH)); then
        echo "  MLflow logins:  basic-auth app; admin account $ADMIN_USERNAME (password in $DIR/stack.env)"
    fi
    if ((DIRECT)); then
        echo "  MLflow (clients write $DIRECT_ARTIFACTS themselves):   $DIRECT_URL"
    fi
    echo "  PostgreSQL:     postgresql://mlflow:***@127.0.0.1:$PG_PORT/mlflow (socket in $DIR/pg/run)"
    echo "  S3 (moto):      $S3_URL  bucket $BUCKET"
    echo "  environment:    . $DIR/stack.env"
    echo "  stop:           $0 stop $DIR"
}

# a key of 64 hex digits kept in FILE (mode 600), made when missing
key_file() {
    local file="$1"
    if [[ ! -s "$file" ]]; then
        (
            umask 077
            "$PY" -c 'import secrets; print(secrets.token_hex(32))' >"$file"
        )
    fi
    head -n1 "$file"
}

cmd_serve() {
    [[ -f "$DIR/stack.env" ]] || die "no $DIR/stack.env: run 'scripts/team-stack.sh start $DIR' first"
    # shellcheck disable=SC1091
    . "$DIR/stack.env"
    group_alive "$CHAMPION_STACK_MLFLOW_PID" || die "the stack in $DIR is not running: start it first"
    if [[ -n "${CHAMPION_STACK_DASHBOARD_PID:-}" ]] && group_alive "$CHAMPION_STACK_DASHBOARD_PID"; then
        die "a dashboard is already running in $DIR (pid $CHAMPION_STACK_DASHBOARD_PID): stop the stack first"
    fi
    local port url auth=()
    port="$(free_ports 1)"
    url="http://127.0.0.1:$port${URL_PREFIX%/}/"
    if [[ "${CHAMPION_STACK_AUTH:-0}" == 1 ]]; then
        auth=(--auth mlflow)
    fi
    mkdir -p "$DIR/cache"
    say "starting champion serve for $MODEL on 127.0.0.1:$port under $URL_PREFIX"
    # the dashboard holds no MLflow account: each user's requests carry that user's credentials
    spawn "$DIR/dashboard.log" env -u MLFLOW_TRACKING_USERNAME -u MLFLOW_TRACKING_PASSWORD \
        CHAMPION_SECRET_KEY="$(key_file "$DIR/secret.key")" \
        CHAMPION_CACHE_KEY="$(key_file "$DIR/cache.key")" \
        XDG_CACHE_HOME="$DIR/cache" \
        "$PY" -m champion serve --tracking-uri "$MLFLOW_TRACKING_URI" --model "$MODEL" \
        --data "$DATA" --url-prefix "$URL_PREFIX" --proxy-fix 1 --workers 2 \
        --host 127.0.0.1 --port "$port" "${auth[@]}" "${SERVE_OPTIONS[@]}"
    local pid=$SPAWNED
    record_pid "champion serve" "$pid"
    wait_http "champion serve" "${url}health" "$pid" "$DIR/dashboard.log"

    local file="$DIR/stack.env" tmp="$DIR/.stack.env.tmp"
    (
        umask 077
        grep -v '^export CHAMPION_STACK_DASHBOARD_' "$file" >"$tmp" || true
        printf 'export %s=%q\n' CHAMPION_STACK_DASHBOARD_URL "$url" \
            CHAMPION_STACK_DASHBOARD_PORT "$port" CHAMPION_STACK_DASHBOARD_PID "$pid" >>"$tmp"
    )
    mv "$tmp" "$file"
    say "dashboard up in $DIR"
    echo "  dashboard:      $url  (log in with an MLflow account; health: ${url}health)"
    echo "  MLflow:         $MLFLOW_TRACKING_URI"
    echo "  S3 (moto):      $MLFLOW_S3_ENDPOINT_URL  bucket $CHAMPION_STACK_S3_BUCKET"
    echo "  log:            $DIR/dashboard.log"
    echo "  stop:           $0 stop $DIR"
}

[[ $# -ge 1 ]] || usage
COMMAND="$1"
shift
DIRECT=0
AUTH=0
DIR=""
if [[ "$COMMAND" == serve ]]; then
    [[ $# -ge 3 ]] || usage
    DIR="$1" MODEL="$2" DATA="$3"
    shift 3
    SERVE_OPTIONS=("$@")
    set --
fi
for arg in "$@"; do
    case "$arg" in
    --direct-artifacts) DIRECT=1 ;;
    --auth) AUTH=1 ;;
    -h | --help) usage ;;
    -*) die "unknown option $arg" ;;
    *)
        [[ -z "$DIR" ]] || die "one DIR only (got $DIR and $arg)"
        DIR="$arg"
        ;;
    esac
done
[[ -n "$DIR" ]] || usage
if [[ "$COMMAND" != start && ("$DIRECT" -eq 1 || "$AUTH" -eq 1) ]]; then
    die "--direct-artifacts and --auth go with start"
fi
if [[ -d "$DIR" ]]; then
    DIR="$(cd "$DIR" && pwd)"
fi

case "$COMMAND" in
start) cmd_start ;;
stop) cmd_stop ;;
env) cmd_env ;;
serve) cmd_serve ;;
-h | --help | help) usage ;;
*) die "unknown command $COMMAND (start, serve, stop or env)" ;;
esac
