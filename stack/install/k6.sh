#!/usr/bin/env bash
# Builds the k6 load generator (open model: constant arrival rate) from the Go
# module proxy into the cache. Prints the binary path.
set -euo pipefail
source "$(dirname "$0")/../lib/common.sh"
prepare_cache
source "$STACK_DIR/lib/gobuild.sh"

build() { # out-dir
  log "building k6 $K6_VERSION from the Go module proxy (cold: a few minutes)"
  GOBIN="$1" go install -trimpath -ldflags "-s -w" "go.k6.io/k6@v$K6_VERSION"
}

# k6 names itself after its file (k6-<version> in the cache): only the version is expected.
go_binary k6 "k6-$K6_VERSION" "v$K6_VERSION" build version
