# Shared shell helpers for the native stack. Sourced, never executed.
# shellcheck shell=bash

STACK_DIR="$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)"
REPO_DIR="$(cd "$STACK_DIR/.." && pwd)"
# shellcheck source=../versions.env
source "$STACK_DIR/versions.env"

# Downloads and builds live outside the clone so a second clone starts warm.
FEEDMESH_CACHE="${FEEDMESH_CACHE:-${XDG_CACHE_HOME:-$HOME/.cache}/feedmesh}"
# Data, logs and pid files live inside the clone, git-ignored.
RUN_DIR="${FEEDMESH_RUN_DIR:-$REPO_DIR/.run}"
mkdir -p "$FEEDMESH_CACHE/bin"

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
