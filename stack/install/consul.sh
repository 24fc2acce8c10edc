#!/usr/bin/env bash
# Builds Consul from the Go module proxy (wrapper module in stack/consul) into
# $FEEDMESH_CACHE/bin/consul-$CONSUL_VERSION. Idempotent: a working binary is
# reused. Prints the binary path on stdout, everything else goes to stderr.
set -euo pipefail
source "$(dirname "$0")/../lib/common.sh"
prepare_cache
source "$STACK_DIR/lib/gobuild.sh"

src="$STACK_DIR/consul"
wrapper_requires "$src" github.com/hashicorp/consul "$CONSUL_VERSION"

build() { # out-dir
  cd "$src"
  # Upstream stamps these via -ldflags; the version number itself is embedded
  # from the module's version/VERSION file.
  local meta build_date git_commit ldflags
  meta="$(go list -m -f '{{.Time.UTC.Format "2006-01-02T15:04:05Z"}} {{with .Origin}}{{.Hash}}{{end}}' github.com/hashicorp/consul)"
  read -r build_date git_commit <<<"$meta" || true
  ldflags="-s -w -X github.com/hashicorp/consul/version.BuildDate=$build_date"
  [[ -z "${git_commit:-}" ]] || ldflags+=" -X github.com/hashicorp/consul/version.GitCommit=$git_commit"
  log "building Consul $CONSUL_VERSION from source (cold: several minutes)"
  go build -trimpath -buildvcs=false -ldflags "$ldflags" -o "$1/consul" .
}

go_binary consul "consul-$CONSUL_VERSION" "Consul v$CONSUL_VERSION" build version
