# Shared shell helpers for the native stack. Sourced, never executed.
# shellcheck shell=bash

STACK_DIR="$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)"
REPO_DIR="$(cd "$STACK_DIR/.." && pwd)"
# shellcheck source=../versions.env
source "$STACK_DIR/versions.env"

# Downloads and builds live outside the clone so a second clone starts warm,
# and outside root's home (0700): the components run as users of their own,
# which must be able to run the binaries and read Kafka's jars. Nothing in it
# is secret.
FEEDMESH_CACHE="${FEEDMESH_CACHE:-/var/cache/feedmesh}"
# Data, logs and pid files live inside the clone, git-ignored.
RUN_DIR="${FEEDMESH_RUN_DIR:-$REPO_DIR/.run}"

# Only where installing (stack/install/*.sh): a component sourcing this file
# runs as its own user, which may not write the cache. What is written is
# readable by every user (umask 022). The cache of a machine warmed before
# lived in root's home: moved here at once (one filesystem, a rename), with a
# link left behind for checkouts that still look there.
prepare_cache() {
  umask 022
  local old="${HOME:-/root}/.cache/feedmesh"
  if [[ ! -e $FEEDMESH_CACHE && -d $old && ! -L $old ]]; then
    mkdir -p "$(dirname "$FEEDMESH_CACHE")"
    mv "$old" "$FEEDMESH_CACHE" && ln -s "$FEEDMESH_CACHE" "$old"
    chmod -R a+rX "$FEEDMESH_CACHE"
    log "download cache moved from $old to $FEEDMESH_CACHE"
  fi
  mkdir -p "$FEEDMESH_CACHE/bin"
  chmod 755 "$FEEDMESH_CACHE" "$FEEDMESH_CACHE/bin"
}

log()  { printf '\033[1;34m==>\033[0m %s\n' "$*" >&2; }
warn() { printf '\033[1;33m!!\033[0m %s\n' "$*" >&2; }
die()  { printf '\033[1;31mxx\033[0m %s\n' "$*" >&2; exit 1; }

# Runs a long command, printing a heartbeat every 20 s so it never looks hung.
# Usage: with_heartbeat "building consul" cmd args...
with_heartbeat() {
  local label="$1"; shift
  local start=$SECONDS
  # The sleep holds none of our output: the kill below ends the loop at once,
  # and whoever reads our output (a `$(...)`) is not kept waiting for the sleep.
  ( while sleep 20 </dev/null >/dev/null 2>&1; do printf '   ... %s (%ds)\n' "$label" $((SECONDS - start)) >&2; done ) &
  local beat=$!
  local rc=0
  "$@" || rc=$?
  kill "$beat" 2>/dev/null; wait "$beat" 2>/dev/null || true
  return "$rc"
}
