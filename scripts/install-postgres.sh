#!/usr/bin/env bash
# Install PostgreSQL for the team-stack integration tests (scripts/team-stack.sh,
# tests/integration/test_team_stack.py): Debian's `postgresql` package, from Debian's package
# registry. Its server binaries (initdb, pg_ctl, postgres, pg_isready, psql) land in
# /usr/lib/postgresql/<major>/bin, which is where team-stack.sh looks for them (not PATH).
#
# Idempotent: returns at once when /usr/lib/postgresql/<major>/bin/initdb and pg_ctl exist for
# some major version (the directory can be overridden with CHAMPION_PG_BIN). Needs root (CI runs
# as root) or passwordless sudo. The cluster that Debian's package may create and start
# (15/main on port 5432) is not used: team-stack.sh runs its own in a state folder.
# Any apt failure stops the script with apt's own error output and a non-zero exit.
set -euo pipefail

# the newest /usr/lib/postgresql/<major>/bin that has initdb and pg_ctl, or nothing
find_pg_bin() {
    if [[ -n "${CHAMPION_PG_BIN:-}" ]]; then
        [[ -x "$CHAMPION_PG_BIN/initdb" && -x "$CHAMPION_PG_BIN/pg_ctl" ]] && echo "$CHAMPION_PG_BIN"
        return 0
    fi
    local dir
    for dir in $(ls -d /usr/lib/postgresql/*/bin 2>/dev/null | sort -V -r); do
        if [[ -x "$dir/initdb" && -x "$dir/pg_ctl" ]]; then
            echo "$dir"
            return 0
        fi
    done
}

found="$(find_pg_bin)"
if [[ -n "$found" ]]; then
    echo "install-postgres: already installed: $("$found/postgres" --version 2>/dev/null || echo postgres) in $found"
    exit 0
fi
if [[ -n "${CHAMPION_PG_BIN:-}" ]]; then
    echo "install-postgres: ERROR: CHAMPION_PG_BIN=$CHAMPION_PG_BIN has no initdb and pg_ctl" >&2
    exit 1
fi

if [[ "$(id -u)" -eq 0 ]]; then
    SUDO=()
elif command -v sudo >/dev/null 2>&1; then
    SUDO=(sudo -n)
else
    echo "install-postgres: ERROR: need root (or sudo) to apt-get install postgresql" >&2
    exit 1
fi

if ! command -v apt-get >/dev/null 2>&1; then
    echo "install-postgres: ERROR: apt-get not found; install PostgreSQL so that /usr/lib/postgresql/<major>/bin/initdb exists, or set CHAMPION_PG_BIN to its bin folder" >&2
    exit 1
fi

export DEBIAN_FRONTEND=noninteractive
echo "install-postgres: apt-get update"
if ! "${SUDO[@]}" apt-get update -q; then
    echo "install-postgres: ERROR: 'apt-get update' failed (see apt's output above)" >&2
    exit 1
fi

echo "install-postgres: apt-get install postgresql"
if ! "${SUDO[@]}" apt-get install -y -q --no-install-recommends postgresql; then
    echo "install-postgres: ERROR: 'apt-get install postgresql' failed (see apt's output above)" >&2
    exit 1
fi

found="$(find_pg_bin)"
if [[ -z "$found" ]]; then
    echo "install-postgres: ERROR: apt-get finished but no /usr/lib/postgresql/<major>/bin/initdb exists" >&2
    exit 1
fi
echo "install-postgres: installed: $("$found/postgres" --version 2>/dev/null || echo postgres) in $found"
