#!/usr/bin/env bash
# Kafka topic admin through Kafka's own TopicCommand (kafka-topics.sh).
#   stack/kafka/topics.sh ensure <topic> [partitions]   create if missing (default 3), then describe
#   stack/kafka/topics.sh describe [topic]
#   stack/kafka/topics.sh list
#   stack/kafka/topics.sh wait [seconds]                 until the broker answers (default 60)
#   stack/kafka/topics.sh raw <TopicCommand args...>     e.g. raw --delete --topic x
#   stack/kafka/topics.sh class <main class> <args...>   another of Kafka's tools, as it is (mesh-auth.sh's)
# Env: KAFKA_BOOTSTRAP (127.0.0.1:9092), KAFKA_TOOLS_TIMEOUT (seconds per command, 30),
#      KAFKA_LIBS (default: stack/install/kafka.sh), and the admin's password
#      (ADMIN_KAFKA_PASSWORD_FILE, as mesh-auth.sh reads it): TopicCommand logs in as the admin.
set -euo pipefail
here="$(cd "$(dirname "$0")" && pwd)"
source "$here/../lib/common.sh"

bootstrap="${KAFKA_BOOTSTRAP:-127.0.0.1:9092}"
libs="${KAFKA_LIBS:-$("$STACK_DIR/install/kafka.sh")}"

timeout_s="${KAFKA_TOOLS_TIMEOUT:-30}"
client_cfg="$(mktemp "${TMPDIR:-/tmp}/feedmesh-kafka-admin.XXXXXX")"
trap 'rm -f "$client_cfg"' EXIT

# Admin client settings: by default it keeps retrying an absent broker for 60 s.
# The file has the admin's password: this user's only (mktemp's mode), removed on exit.
write_client_cfg() {
  local ms=$(( $1 * 1000 ))
  {
    printf 'default.api.timeout.ms=%d\nrequest.timeout.ms=%d\n' "$ms" "$(( ms < 5000 ? ms : 5000 ))"
    "$here/mesh-auth.sh" client-config "$REPO_DIR/mesh.json" scram
  } >"$client_cfg"
}

tool() { # main class, args...
  # Short-lived client JVM: small heap, C1 only, quick start.
  java -Xmx256m -XX:+UseSerialGC -XX:TieredStopAtLevel=1 -Xshare:auto -Djava.awt.headless=true \
    -Dlog4j2.configurationFile="$here/tools-log4j2.properties" -cp "$libs/*" "$@"
}
topics() { tool org.apache.kafka.tools.TopicCommand --bootstrap-server "$bootstrap" --command-config "$client_cfg" "$@"; }

cmd="${1:-}"; [[ $# -gt 0 ]] && shift
[[ $cmd == class ]] || write_client_cfg "$timeout_s"
case "$cmd" in
  ensure)
    [[ $# -ge 1 && $# -le 2 ]] || die "usage: $0 ensure <topic> [partitions]"
    topics --create --if-not-exists --topic "$1" --partitions "${2:-3}" --replication-factor 1 >&2
    topics --describe --topic "$1"
    ;;
  describe) topics --describe ${1:+--topic "$1"} ;;
  list)     topics --list ;;
  wait)
    # One client that keeps retrying: returns as soon as the broker answers metadata.
    write_client_cfg "${1:-60}"
    topics --list >/dev/null 2>&1 || die "Kafka at $bootstrap did not answer within ${1:-60}s"
    ;;
  raw) topics "$@" ;;
  class) [[ $# -ge 1 ]] || die "usage: $0 class <main class> <args...>"; tool "$@" ;;
  *) die "usage: $0 ensure <topic> [partitions] | describe [topic] | list | wait [seconds] | raw <args...> | class <main class> <args...>" ;;
esac
