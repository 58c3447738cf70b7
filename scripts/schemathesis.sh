#!/bin/sh
# Installs Schemathesis, the OpenAPI fuzzer test/api/fuzz.test.ts runs, into a virtualenv of its own under the
# project's cache, once per pinned version, and prints the path of its `st` executable. Needs python3 with venv.
set -eu
VERSION=4.32.5
CACHE="${APN_CACHE_DIR:-${XDG_CACHE_HOME:-$HOME/.cache}/apn-tier-engine}"
VENV="$CACHE/schemathesis-$VERSION"
# The marker is written last: an interrupted install is redone from scratch, never used half-made.
if [ ! -f "$VENV/.installed" ]; then
  command -v python3 >/dev/null || { echo 'schemathesis: python3 (3.9 or later, with venv) is needed' >&2; exit 1; }
  rm -rf "$VENV"
  mkdir -p "$CACHE"
  python3 -m venv "$VENV" >&2
  "$VENV/bin/python" -m pip install --quiet --disable-pip-version-check "schemathesis==$VERSION" >&2
  "$VENV/bin/st" --version >&2
  touch "$VENV/.installed"
fi
echo "$VENV/bin/st"
