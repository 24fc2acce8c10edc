#!/usr/bin/env bash
# Builds FerretDB v1 (MongoDB wire protocol on PostgreSQL or SQLite) from the Go module proxy
# through our wrapper module in stack/ferretdb, into
# $FEEDMESH_CACHE/bin/ferretdb-$FERRETDB_VERSION-<hash of the wrapper sources>,
# so editing main.go or go.sum triggers a rebuild. Idempotent: an existing
# binary is reused. Prints the binary path on stdout, everything else on stderr.
set -euo pipefail
source "$(dirname "$0")/../lib/common.sh"
prepare_cache
source "$STACK_DIR/lib/gobuild.sh"

src="$STACK_DIR/ferretdb"
wrapper_requires "$src" github.com/FerretDB/FerretDB "$FERRETDB_VERSION"
hash="$(cat "$src/main.go" "$src/go.mod" "$src/go.sum" | sha256sum | cut -c1-12)"

build() { # out-dir
  cd "$src"
  log "building FerretDB $FERRETDB_VERSION from source (cold: about 2 minutes)"
  go build -trimpath -buildvcs=false -ldflags "-s -w" -o "$1/ferretdb" .
}

go_binary ferretdb "ferretdb-$FERRETDB_VERSION-$hash" "FerretDB v$FERRETDB_VERSION" build -version
