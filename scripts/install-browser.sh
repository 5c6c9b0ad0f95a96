#!/usr/bin/env bash
# Install the headless browser used by the end-to-end tests (tests/e2e):
# Debian's `chromium` and `chromium-driver`, from Debian's package registry, and a Japanese
# font (`fonts-ipafont-gothic`) so that the Japanese dashboard renders in screenshots.
#
# Idempotent: returns at once when /usr/bin/chromium and /usr/bin/chromedriver (paths can be
# overridden with E2E_CHROMIUM / E2E_CHROMEDRIVER, as in tests/e2e/browser.py)
# already exist. Needs root (CI runs as root) or passwordless sudo.
# Any apt failure stops the script with apt's own error output and a non-zero exit.
set -euo pipefail

CHROMIUM="${E2E_CHROMIUM:-/usr/bin/chromium}"
CHROMEDRIVER="${E2E_CHROMEDRIVER:-/usr/bin/chromedriver}"

FONT_DIR=/usr/share/fonts/opentype/ipafont-gothic
if [[ -x "$CHROMIUM" && -x "$CHROMEDRIVER" && -d "$FONT_DIR" ]]; then
    echo "install-browser: already installed: $("$CHROMIUM" --version 2>/dev/null || echo chromium), $("$CHROMEDRIVER" --version 2>/dev/null | head -n1 || echo chromedriver)"
    exit 0
fi

if [[ "$(id -u)" -eq 0 ]]; then
    SUDO=()
elif command -v sudo >/dev/null 2>&1; then
    SUDO=(sudo -n)
else
    echo "install-browser: ERROR: need root (or sudo) to apt-get install chromium chromium-driver" >&2
    exit 1
fi

if ! command -v apt-get >/dev/null 2>&1; then
    echo "install-browser: ERROR: apt-get not found; install chromium and chromedriver at $CHROMIUM and $CHROMEDRIVER by hand" >&2
    exit 1
fi

export DEBIAN_FRONTEND=noninteractive
echo "install-browser: apt-get update"
if ! "${SUDO[@]}" apt-get update -q; then
    echo "install-browser: ERROR: 'apt-get update' failed (see apt's output above)" >&2
    exit 1
fi

echo "install-browser: apt-get install chromium chromium-driver fonts-ipafont-gothic"
if ! "${SUDO[@]}" apt-get install -y -q --no-install-recommends chromium chromium-driver fonts-ipafont-gothic; then
    echo "install-browser: ERROR: 'apt-get install chromium chromium-driver' failed (see apt's output above)" >&2
    exit 1
fi

for bin in "$CHROMIUM" "$CHROMEDRIVER"; do
    if [[ ! -x "$bin" ]]; then
        echo "install-browser: ERROR: apt-get finished but $bin is missing" >&2
        exit 1
    fi
done

echo "install-browser: installed: $("$CHROMIUM" --version 2>/dev/null || echo chromium), $("$CHROMEDRIVER" --version | head -n1)"
