#!/usr/bin/env bash
# Builds Consul from the Go module proxy (wrapper module in stack/consul) into
# $FEEDMESH_CACHE/bin/consul-$CONSUL_VERSION. Idempotent: a working binary is
# reused. Prints the binary path on stdout, everything else goes to stderr.
set -euo pipefail
source "$(dirname "$0")/../lib/common.sh"

[[ -n "${CONSUL_VERSION:-}" && "$CONSUL_VERSION" != TBD ]] || die "CONSUL_VERSION is not set in stack/versions.env"

bin="$FEEDMESH_CACHE/bin/consul-$CONSUL_VERSION"
if [[ -x "$bin" ]] && "$bin" version >/dev/null 2>&1; then
  printf '%s\n' "$bin"
  exit 0
fi

src="$STACK_DIR/consul"
grep -qE "^[[:space:]]*github.com/hashicorp/consul v$CONSUL_VERSION( |$)" "$src/go.mod" \
  || die "stack/consul/go.mod does not require github.com/hashicorp/consul v$CONSUL_VERSION (bump both together)"
command -v go >/dev/null || die "go is not installed"

tmp="$(mktemp "$FEEDMESH_CACHE/bin/.consul-$CONSUL_VERSION.XXXXXX")"
trap 'rm -f "$tmp"' EXIT

cd "$src"
export GOTOOLCHAIN=local CGO_ENABLED=0
# Upstream stamps these via -ldflags; the version number itself is embedded
# from the module's version/VERSION file.
meta="$(go list -m -f '{{.Time.UTC.Format "2006-01-02T15:04:05Z"}} {{with .Origin}}{{.Hash}}{{end}}' github.com/hashicorp/consul)"
read -r build_date git_commit <<<"$meta" || true
ldflags="-s -w -X github.com/hashicorp/consul/version.BuildDate=$build_date"
[[ -z "${git_commit:-}" ]] || ldflags+=" -X github.com/hashicorp/consul/version.GitCommit=$git_commit"

log "building Consul $CONSUL_VERSION from source (cold: several minutes)"
with_heartbeat "building consul" \
  go build -trimpath -buildvcs=false -ldflags "$ldflags" -o "$tmp" .

got="$("$tmp" version)" || die "built binary does not run"
got="${got%%$'\n'*}"
[[ "$got" == "Consul v$CONSUL_VERSION" ]] || die "built binary reports '$got', expected 'Consul v$CONSUL_VERSION'"
chmod 0755 "$tmp"
mv -f "$tmp" "$bin"
trap - EXIT
log "Consul $CONSUL_VERSION ready"
printf '%s\n' "$bin"
