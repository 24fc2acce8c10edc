#!/usr/bin/env bash
# Runs one Kafka node (KRaft, broker + controller) in the foreground.
#   stack/kafka/run.sh <data_dir>
# Renders <data_dir>/server.properties from server.properties.tmpl, formats the
# storage once (cluster id generated on first run, kept in <data_dir>/cluster.id),
# then execs the JVM: the caller (supervisord) gets the java pid, SIGTERM makes
# Kafka shut down cleanly and exit.
# Env: KAFKA_PORT (9092), KAFKA_CONTROLLER_PORT (9093), KAFKA_HEAP_OPTS
# ("-Xms256m -Xmx512m"), KAFKA_LIBS (default: what stack/install/kafka.sh gives),
# KAFKA_ADMIN_USER (admin) and KAFKA_ADMIN_PASSWORD_FILE (required): the super
# user the broker acts as and the stack's scripts log in as.
set -euo pipefail
here="$(cd "$(dirname "$0")" && pwd)"
source "$here/../lib/common.sh"

[[ $# -eq 1 ]] || die "usage: $0 <data_dir>"
mkdir -p "$1"
data_dir="$(cd "$1" && pwd)"
port="${KAFKA_PORT:-9092}"
controller_port="${KAFKA_CONTROLLER_PORT:-9093}"
admin_user="${KAFKA_ADMIN_USER:-admin}"
[[ -s ${KAFKA_ADMIN_PASSWORD_FILE:-} ]] || die "KAFKA_ADMIN_PASSWORD_FILE must name the admin's password file"
admin_password="$(tr -d '\n' <"$KAFKA_ADMIN_PASSWORD_FILE")"
# Put into the properties' JAAS strings as they are: the stack's secrets are hex.
[[ $admin_user$admin_password =~ ^[A-Za-z0-9_.-]+$ ]] || die "the Kafka admin's name and password must be [A-Za-z0-9_.-]"

libs="${KAFKA_LIBS:-$("$STACK_DIR/install/kafka.sh")}"
[[ -f "$libs/kafka_${KAFKA_SCALA:-2.13}-$KAFKA_VERSION.jar" ]] || die "no Kafka $KAFKA_VERSION jars in $libs"

props="$data_dir/server.properties"
# It carries the admin's password: this user's only, and filled in by bash
# itself, so the password is on no process's command line (as sed's would be).
(
  umask 077
  t="$(<"$here/server.properties.tmpl")"
  t="${t//@DATA_DIR@/$data_dir}" t="${t//@PORT@/$port}" t="${t//@CONTROLLER_PORT@/$controller_port}"
  t="${t//@ADMIN_USER@/$admin_user}" t="${t//@ADMIN_PASSWORD@/$admin_password}"
  printf '%s\n' "$t" >"$props.tmp"
)
mv -f "$props.tmp" "$props"

log_dir="$(sed -n 's/^log\.dirs=//p' "$props")"
if [[ ! -f "$log_dir/meta.properties" ]]; then
  if [[ ! -s "$data_dir/cluster.id" ]]; then
    java -cp "$libs/*" -Dlog4j2.configurationFile="$here/tools-log4j2.properties" \
      kafka.tools.StorageTool random-uuid >"$data_dir/cluster.id.tmp"
    mv -f "$data_dir/cluster.id.tmp" "$data_dir/cluster.id"
  fi
  cluster_id="$(tr -d '[:space:]' <"$data_dir/cluster.id")"
  log "formatting Kafka storage in $log_dir (cluster $cluster_id)"
  java -cp "$libs/*" -Dlog4j2.configurationFile="$here/tools-log4j2.properties" \
    kafka.tools.StorageTool format --standalone --ignore-formatted \
    --cluster-id "$cluster_id" --config "$props" >&2
fi

# JVM flags as in Kafka's own kafka-server-start.sh / kafka-run-class.sh,
# sized for a development node, except two:
# - the serial collector instead of G1, whose background threads work even
#   when the broker is idle; with metadata.max.idle.interval.ms
#   (server.properties.tmpl) an idle broker here went from about 30 to about
#   20 ms of CPU per second. Pauses of a 512 MB heap stay short.
# - the client compiler only (TieredStopAtLevel=1): at 100 posts/s the C2
#   compiler threads were still busy 12 minutes after start, 4.0 s of CPU in
#   20 s beside 2.6 s for the request threads (/proc/<pid>/task/*/stat by
#   thread name); with C1 alone compiling settles within a minute (about
#   50 ms in 20 s) while the requests' code runs somewhat slower. A
#   development node lives minutes to hours, so C1 costs it less overall.
# shellcheck disable=SC2086
exec java ${KAFKA_HEAP_OPTS:--Xms256m -Xmx512m} \
  -server -XX:+UseSerialGC -XX:TieredStopAtLevel=1 \
  -XX:MaxInlineLevel=15 -XX:+ExitOnOutOfMemoryError \
  -Djava.awt.headless=true \
  -Dlog4j2.configurationFile="$here/log4j2.properties" -Dlog4j2.shutdownHookEnabled=false \
  -Dkafka.logs.dir="$data_dir" \
  -cp "$libs/*" kafka.Kafka "$props"
