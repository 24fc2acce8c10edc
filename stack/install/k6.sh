#!/usr/bin/env bash
# Builds the k6 load generator (open model: constant arrival rate) from the Go
# module proxy into the cache. Prints the binary path.
set -euo pipefail
source "$(dirname "$0")/../lib/common.sh"

bin="$FEEDMESH_CACHE/bin/k6-$K6_VERSION"
if [[ -x "$bin" ]]; then echo "$bin"; exit 0; fi

log "building k6 $K6_VERSION from the Go module proxy (cold: a few minutes)"
tmp="$(mktemp -d)"
trap 'rm -rf "$tmp"' EXIT
GOBIN="$tmp" GOTOOLCHAIN=local CGO_ENABLED=0 with_heartbeat "building k6" \
  go install -trimpath -ldflags "-s -w" "go.k6.io/k6@v$K6_VERSION" >&2
"$tmp/k6" version >&2
mv "$tmp/k6" "$bin"
echo "$bin"
