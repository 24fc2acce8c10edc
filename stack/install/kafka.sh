#!/usr/bin/env bash
# Gathers Apache Kafka's jars (broker + controller, storage formatter, CLI
# tools, Log4j 2 backend) from Maven Central into
# $FEEDMESH_CACHE/kafka-$KAFKA_VERSION/libs, as listed by stack/kafka/pom.xml.
# Idempotent: a complete libs dir (marker written last, keyed on the pom) is
# reused. Prints the libs dir on stdout, everything else goes to stderr.
set -euo pipefail
source "$(dirname "$0")/../lib/common.sh"
prepare_cache

KAFKA_SCALA="${KAFKA_SCALA:-2.13}"

pom="$STACK_DIR/kafka/pom.xml"
dest="$FEEDMESH_CACHE/kafka-$KAFKA_VERSION"
marker="$dest/.complete"
# The marker records what was fetched: editing the pom (or the Scala line)
# invalidates the cache.
want="kafka=$KAFKA_VERSION scala=$KAFKA_SCALA pom=$(sha256sum "$pom" | cut -d' ' -f1)"

if [[ -f "$marker" && "$(cat "$marker")" == "$want" ]]; then
  printf '%s\n' "$dest/libs"
  exit 0
fi

command -v mvn >/dev/null || die "mvn is not installed (apt-get install maven)"
command -v java >/dev/null || die "java is not installed (apt-get install openjdk-17-jdk-headless)"

# One fetch at a time; whoever waited re-checks the marker.
exec 9>"$FEEDMESH_CACHE/.kafka-$KAFKA_VERSION.lock"
flock 9
if [[ -f "$marker" && "$(cat "$marker")" == "$want" ]]; then
  printf '%s\n' "$dest/libs"
  exit 0
fi

tmp="$(mktemp -d "$FEEDMESH_CACHE/.kafka-$KAFKA_VERSION.XXXXXX")"
trap 'rm -rf "$tmp"' EXIT
# Run Maven on a copy of the pom so nothing (target/ etc.) lands in the repo.
cp "$pom" "$tmp/pom.xml"

fetch() {
  mvn -q -B -f "$tmp/pom.xml" \
    -Dkafka.version="$KAFKA_VERSION" -Dscala.binary="$KAFKA_SCALA" \
    dependency:copy-dependencies -DoutputDirectory="$tmp/libs" -DincludeScope=runtime \
    >"$tmp/mvn.log" 2>&1
}
log "fetching Kafka $KAFKA_VERSION jars from Maven Central (cold: ~10-30 s)"
if ! with_heartbeat "fetching kafka jars" fetch; then
  # Maven 3.8 sprinkles colour resets even in batch mode: strip them.
  sed 's/\x1b\[[0-9;]*m//g' "$tmp/mvn.log" >&2
  die "Maven could not fetch Kafka $KAFKA_VERSION (log above)"
fi

for j in "kafka_$KAFKA_SCALA-$KAFKA_VERSION.jar" "kafka-tools-$KAFKA_VERSION.jar" "kafka-clients-$KAFKA_VERSION.jar"; do
  [[ -f "$tmp/libs/$j" ]] || die "Maven did not deliver $j"
done
compgen -G "$tmp/libs/log4j-core-*.jar" >/dev/null || die "Maven did not deliver log4j-core"

chmod 0755 "$tmp"
printf '%s\n' "$want" >"$tmp/.complete"
rm -rf "$tmp/pom.xml" "$tmp/mvn.log" "$dest"
mv "$tmp" "$dest"
trap - EXIT
log "Kafka $KAFKA_VERSION ready ($(du -sh "$dest/libs" | cut -f1) in $dest/libs)"
printf '%s\n' "$dest/libs"
