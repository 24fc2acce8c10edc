#!/usr/bin/env bash
# Builds FerretDB v1 (MongoDB wire protocol on PostgreSQL or SQLite) from the Go module proxy
# through our wrapper module in stack/ferretdb, into
# $FEEDMESH_CACHE/bin/ferretdb-$FERRETDB_VERSION-<hash of the wrapper sources>,
# so editing main.go or go.sum triggers a rebuild. Idempotent: an existing
# binary is reused. Prints the binary path on stdout, everything else on stderr.
set -euo pipefail
source "$(dirname "$0")/../lib/common.sh"

[[ -n "${FERRETDB_VERSION:-}" && "$FERRETDB_VERSION" != TBD ]] || die "FERRETDB_VERSION is not set in stack/versions.env"

src="$STACK_DIR/ferretdb"
grep -qE "^[[:space:]]*(require[[:space:]]+)?github.com/FerretDB/FerretDB v$FERRETDB_VERSION( |$)" "$src/go.mod" \
  || die "stack/ferretdb/go.mod does not require github.com/FerretDB/FerretDB v$FERRETDB_VERSION (bump both together)"

hash="$(cat "$src/main.go" "$src/go.mod" "$src/go.sum" | sha256sum | cut -c1-12)"
bin="$FEEDMESH_CACHE/bin/ferretdb-$FERRETDB_VERSION-$hash"
if [[ -x "$bin" ]]; then
  printf '%s\n' "$bin"
  exit 0
fi

command -v go >/dev/null || die "go is not installed"
tmp="$(mktemp "$FEEDMESH_CACHE/bin/.ferretdb-$FERRETDB_VERSION.XXXXXX")"
trap 'rm -f "$tmp"' EXIT

cd "$src"
export GOTOOLCHAIN=local CGO_ENABLED=0
log "building FerretDB $FERRETDB_VERSION from source (cold: about 2 minutes)"
with_heartbeat "building ferretdb" \
  go build -trimpath -buildvcs=false -ldflags "-s -w" -o "$tmp" .

got="$("$tmp" -version)"
[[ "$got" == "FerretDB v$FERRETDB_VERSION" ]] || die "built binary reports '$got', expected 'FerretDB v$FERRETDB_VERSION'"
chmod 0755 "$tmp"
mv -f "$tmp" "$bin"
trap - EXIT
log "FerretDB $FERRETDB_VERSION ready"
printf '%s\n' "$bin"
