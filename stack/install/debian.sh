#!/usr/bin/env bash
# Installs the Debian packages of the stack if any is missing. Package
# scripts must not start their own system services (PostgreSQL's main
# cluster, Redis, supervisor): our supervisor runs private instances, so a
# policy-rc.d that forbids starts is put in place for the install if none is.
set -euo pipefail
source "$(dirname "$0")/../lib/common.sh"

packages=(
  "postgresql-$PG_MAJOR" redis-server supervisor kcat
  curl jq procps iproute2 python3-venv
  # Validates docker-compose.yml in CI; nothing here runs containers.
  docker-compose
  # The browser web-client's test drives (playwright-core, headless).
  chromium
)

missing=()
for p in "${packages[@]}"; do
  dpkg-query -W -f='${Status}' "$p" 2>/dev/null | grep -q "install ok installed" || missing+=("$p")
done
[[ ${#missing[@]} -eq 0 ]] && exit 0

[[ $(id -u) -eq 0 ]] || die "need root to install Debian packages: ${missing[*]}"
log "installing Debian packages: ${missing[*]}"
policy=/usr/sbin/policy-rc.d
placed_policy=false
if [[ ! -e $policy ]]; then
  printf '#!/bin/sh\nexit 101\n' > "$policy"; chmod +x "$policy"; placed_policy=true
fi
trap '$placed_policy && rm -f "$policy"' EXIT
export DEBIAN_FRONTEND=noninteractive
with_heartbeat "apt-get update" apt-get -o DPkg::Lock::Timeout=300 update -qq >&2
with_heartbeat "apt-get install" apt-get -o DPkg::Lock::Timeout=300 install -y -qq --no-install-recommends "${missing[@]}" >&2
