#!/usr/bin/env bash
# The browser of the console tests: Debian's Chromium, installed from Debian's packages when missing.
#
#   scripts/chromium.sh    prints the path of the chromium executable (installing it first if needed)
#
# $CHROMIUM names another executable. Only the path goes to stdout; progress goes to stderr. A browser that cannot be
# installed fails (exit 1): the browser tests must never pass without a browser.
set -euo pipefail

log() { echo "[chromium.sh] $*" >&2; }

find_chromium() {
  local candidate
  for candidate in "${CHROMIUM:-}" /usr/bin/chromium /usr/bin/chromium-browser; do
    if [ -n "$candidate" ] && [ -x "$candidate" ]; then
      echo "$candidate"
      return 0
    fi
  done
  return 1
}

if find_chromium; then exit 0; fi
if [ "$(id -u)" != 0 ]; then
  log "Chromium is not installed and we are not root: apt-get install chromium first (or set CHROMIUM)"
  exit 1
fi
# One installer at a time, should two test processes ask at once.
exec 9>"${TMPDIR:-/tmp}/apn-chromium-install.lock"
flock 9
if find_chromium; then exit 0; fi
log "installing Chromium from Debian's packages…"
export DEBIAN_FRONTEND=noninteractive
apt-get update -qq >&2
# With its recommended packages: they bring the fonts the screenshots need.
apt-get install -y -qq chromium >&2
find_chromium || {
  log "apt-get installed no chromium executable"
  exit 1
}
