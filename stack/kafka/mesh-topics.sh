#!/usr/bin/env bash
# The Kafka topics mesh.json declares, each with its dead-letter topic. One
# script for the native stack (stack/mesh) and docker-compose.yml's kafka-init,
# so both lay out the same topics; it needs bash and jq only.
#   mesh-topics.sh list <mesh.json>     one line per topic: name, partitions, its --config settings
#   mesh-topics.sh create <mesh.json>   creates those missing, through $KAFKA_TOPICS
# Env: KAFKA_TOPICS, the topic tool and its broker, e.g. `stack/kafka/topics.sh raw` (native)
#      or `/opt/kafka/bin/kafka-topics.sh --bootstrap-server kafka:9092` (compose).
set -euo pipefail

# forever: the feeds are rebuilt from the whole log, so nothing may age out.
# compact: the latest message per key is enough.
# <n>d: kept n days (what only matters that long: a revocation, past its tokens' life).
# A dead-letter topic keeps all it is given whatever its topic does: compacting
# it would keep only the last failure of each key.
list() {
  jq -r '
    def settings:
      if . == "compact" then ["cleanup.policy=compact"]
      elif test("^[0-9]+d$") then ["retention.ms=\(.[:-1] | tonumber * 86400000)"]
      else ["retention.ms=-1"] end;
    .topics | to_entries[] | .key as $name | .value |
      ([$name, .partitions] + (.retention | settings)),
      ([.deadLetter, .partitions] + ("forever" | settings))
    | @tsv' "$1"
}

create() {
  local tool name partitions settings setting
  read -ra tool <<<"${KAFKA_TOPICS:?set KAFKA_TOPICS to the topic tool and its broker}"
  list "$1" | while read -r name partitions settings; do
    local args=()
    for setting in $settings; do args+=(--config "$setting"); done
    "${tool[@]}" --create --if-not-exists --topic "$name" --partitions "$partitions" --replication-factor 1 "${args[@]}"
  done
}

case "${1:-}" in
  list | create) [[ $# -eq 2 ]] || { echo "usage: $0 $1 <mesh.json>" >&2; exit 2; }; "$1" "$2" ;;
  *) echo "usage: $0 list|create <mesh.json>" >&2; exit 2 ;;
esac
