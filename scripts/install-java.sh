#!/usr/bin/env bash
# Install the Java runtime that pyspark 4 needs (Java 17 or newer) for the Spark tests
# (tests/spark, the "spark" extra): Debian's `default-jre-headless` (OpenJDK 17 on Debian 12),
# from Debian's package registry.
#
# Idempotent: returns at once when `java` on PATH (or $JAVA_HOME/bin/java, which pyspark
# prefers) reports a major version >= 17. Needs root (CI runs as root) or passwordless sudo.
# Any apt failure stops the script with apt's own error output and a non-zero exit.
set -euo pipefail

MIN_MAJOR=17

# the major version of the java binary $1 ("17" for 17.0.15, "8" for 1.8.0_402), or nothing
java_major() {
    local out version
    out="$("$1" -version 2>&1 | head -n1)" || return 0
    version="$(sed -n 's/.*version "\([^"]*\)".*/\1/p' <<<"$out")"
    [[ -z "$version" ]] && return 0
    if [[ "$version" == 1.* ]]; then
        cut -d. -f2 <<<"$version"
    else
        cut -d. -f1 <<<"$version" | cut -d- -f1 | cut -d+ -f1
    fi
}

# the java pyspark will start: $JAVA_HOME/bin/java when JAVA_HOME is set, else java on PATH
find_java() {
    if [[ -n "${JAVA_HOME:-}" ]]; then
        [[ -x "$JAVA_HOME/bin/java" ]] && echo "$JAVA_HOME/bin/java"
        return 0
    fi
    command -v java 2>/dev/null || true
}

suitable() {
    local bin major
    bin="$(find_java)"
    [[ -n "$bin" ]] || return 1
    major="$(java_major "$bin")"
    [[ -n "$major" && "$major" -ge "$MIN_MAJOR" ]]
}

describe() {
    local bin
    bin="$(find_java)"
    echo "$bin ($("$bin" -version 2>&1 | head -n1))"
}

if suitable; then
    echo "install-java: already installed: $(describe)"
    exit 0
fi
if [[ -n "${JAVA_HOME:-}" ]]; then
    echo "install-java: ERROR: JAVA_HOME=$JAVA_HOME has no Java >= $MIN_MAJOR (pyspark uses it" \
        "before PATH); point it at a Java $MIN_MAJOR+ runtime or unset it" >&2
    exit 1
fi

if [[ "$(id -u)" -eq 0 ]]; then
    SUDO=()
elif command -v sudo >/dev/null 2>&1; then
    SUDO=(sudo -n)
else
    echo "install-java: ERROR: need root (or sudo) to apt-get install default-jre-headless" \
        "(or put a Java $MIN_MAJOR+ runtime on PATH)" >&2
    exit 1
fi

if ! command -v apt-get >/dev/null 2>&1; then
    echo "install-java: ERROR: apt-get not found; install a Java $MIN_MAJOR+ runtime by hand" \
        "and put its java on PATH" >&2
    exit 1
fi

export DEBIAN_FRONTEND=noninteractive
echo "install-java: apt-get update"
if ! "${SUDO[@]}" apt-get update -q; then
    echo "install-java: ERROR: 'apt-get update' failed (see apt's output above)" >&2
    exit 1
fi

echo "install-java: apt-get install default-jre-headless"
if ! "${SUDO[@]}" apt-get install -y -q --no-install-recommends default-jre-headless; then
    echo "install-java: ERROR: 'apt-get install default-jre-headless' failed (see apt's output above)" >&2
    exit 1
fi

hash -r
if ! suitable; then
    found="$(find_java)"
    echo "install-java: ERROR: apt-get finished but ${found:-no java on PATH} is not Java" \
        ">= $MIN_MAJOR (this Debian's default-jre-headless may be older: install" \
        "openjdk-17-jre-headless or newer)" >&2
    exit 1
fi

echo "install-java: installed: $(describe)"
