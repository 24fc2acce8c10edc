# A Go program built from the Go module proxy into the cache, so a second
# clone reuses it. Sourced after common.sh, never executed.
# shellcheck shell=bash

# Usage: go_binary <name> <cache file> <expected version> <build function> [probe args...]
# Prints the path of $FEEDMESH_CACHE/bin/<cache file>, building it first unless
# it is there and the first line of its probe (default `version`) holds the
# expected words (`Consul v1.22.7`).
# <build function> is called with an empty directory and must leave the
# program there as <name>; nothing reaches the cache unless it reports the
# expected version, so an interrupted or wrong build is never reused.
go_binary() {
  local name="$1" file="$2" want="$3" build="$4"; shift 4
  local probe=("$@"); [[ ${#probe[@]} -gt 0 ]] || probe=(version)
  local bin="$FEEDMESH_CACHE/bin/$file"
  if [[ -x $bin ]] && reports_version "$want" "$bin" "${probe[@]}"; then
    echo "$bin"; return 0
  fi
  command -v go >/dev/null || die "go is not installed"
  local out
  out="$(mktemp -d "$FEEDMESH_CACHE/bin/.$file.XXXXXX")"
  # shellcheck disable=SC2064 # the directory is known now, and must go however the build ends
  trap "rm -rf '$out'" EXIT
  # Reproducible, static, and with the Go on PATH rather than one it would download.
  export GOTOOLCHAIN=local CGO_ENABLED=0
  with_heartbeat "building $name" "$build" "$out" >&2 || die "building $name failed"
  reports_version "$want" "$out/$name" "${probe[@]}" || die "the $name just built does not report '$want'"
  chmod 0755 "$out/$name"
  mv -f "$out/$name" "$bin"
  log "$want ready"
  echo "$bin"
}

# Usage: reports_version <expected words> <binary> [args...]
# The first line the binary prints holds the expected words, whole: a tool may
# add its build details, or name itself after its file (k6 does: `k6-1.8.1 v1.8.1 (go…)`).
reports_version() {
  local want="$1" got; shift
  got="$("$@" 2>/dev/null)" || return 1
  got="${got%%$'\n'*}"
  [[ " $got " == *" $want "* ]]
}

# Usage: wrapper_requires <module dir> <module> <version>
# Our wrapper modules (stack/consul, stack/ferretdb) pin the upstream module in
# go.mod; versions.env must name the same version, or the build would not be
# the version the stack claims.
wrapper_requires() {
  local dir="$1" module="$2" version="$3"
  grep -qE "^[[:space:]]*(require[[:space:]]+)?$module v$version( |$)" "$dir/go.mod" ||
    die "${dir#"$REPO_DIR/"}/go.mod does not require $module v$version (bump both together)"
}
