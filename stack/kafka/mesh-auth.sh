#!/usr/bin/env bash
# Kafka's users and ACLs, from mesh.json. One script for the native stack
# (stack/mesh) and docker-compose.yml's kafka-init, as mesh-topics.sh is for
# the topics; it needs bash and jq, and Kafka's own tools for the two that
# talk to the broker.
#   mesh-auth.sh users <mesh.json>         the SCRAM users, one a line: the admin, then each service using Kafka
#   mesh-auth.sh acls <mesh.json>          the ACLs mesh.json implies, one a line (see acls below)
#   mesh-auth.sh add-users <mesh.json> [user...]   sets each user's SCRAM credential (those named; without
#                                          names, every user of `users`, and locks out any other but the admin)
#   mesh-auth.sh apply-acls <mesh.json>    makes the broker's ACLs exactly `acls`: adds the missing, removes the rest
#   mesh-auth.sh client-config <mesh.json> scram|plain|kcat [user]   a client's settings (the admin's unless told) on stdout
# Env: KAFKA_BOOTSTRAP, the broker's client listener (host:port); KAFKA_CONFIGS and
#      KAFKA_ACLS, Kafka's kafka-configs and kafka-acls (native: through
#      stack/kafka/topics.sh class; compose: the image's scripts);
#      KAFKA_ADMIN_USER (admin). Passwords follow mesh.json's convention for
#      stores with users: the store's `password` names the variable (KAFKA_PASSWORD);
#      the admin's is ADMIN_KAFKA_PASSWORD, a service's <SERVICE>_KAFKA_PASSWORD
#      (POSTS_SERVICE_KAFKA_PASSWORD), each read from the file NAME_FILE names, else from NAME.
set -euo pipefail

admin="${KAFKA_ADMIN_USER:-admin}"
# The mechanism clients log in with; its name as the broker's configs spell it.
SCRAM=SCRAM-SHA-256
# What Kafka's tools and kafka-configs' own default iterations take; kafkajs
# derives the key again on every connection, so no more than the minimum.
SCRAM_ITERATIONS=4096

die() { echo "mesh-auth.sh: $*" >&2; exit 1; }

users() {
  echo "$admin"
  jq -r '.services | to_entries[] | select(.value.stores | index("kafka")) | .key' "$1"
}

# The secret holding a user's password (mesh.json: MESH_JSON must be set).
password_var() {
  local var
  var="$(jq -r '.stores.kafka.password // empty' "$MESH_JSON")"
  [[ -n $var ]] || die "mesh.json's kafka store names no password variable"
  if [[ $1 == "$admin" ]]; then echo "ADMIN_$var"; else local u=${1//-/_}; echo "${u^^}_$var"; fi
}
password() {
  local name file
  name="$(password_var "$1")"
  file="${name}_FILE"
  if [[ -n ${!file:-} ]]; then tr -d '\n' <"${!file}"
  elif [[ -n ${!name:-} ]]; then printf '%s' "${!name}"
  else die "no password for Kafka user $1: set $file or $name"; fi
}

# Each grant as principal, resource type, resource name, operation (Kafka's
# names, tab-separated), sorted: what a service's part in mesh.json needs and
# nothing more. A producer writes and describes its topics; the publisher in
# @feedmesh/common is always idempotent, so it has IDEMPOTENT_WRITE on the
# cluster too. A consumer reads and describes its topics, reads its group
# (READ implies DESCRIBE: the rebuild and the lag report look it up), and
# writes and describes each topic's dead-letter topic, which WRITE lets its
# idempotent publisher use as well. Its group: the one its rebuild rewinds,
# which is the live consumer's (feed-service/src/config.ts), else its name.
acls() {
  jq -r '
    .topics as $topics | .services | to_entries[] | .key as $s | .value |
    (.produces[] | [$s, "TOPIC", ., "WRITE"], [$s, "TOPIC", ., "DESCRIBE"]),
    (if (.produces | length) > 0 then [$s, "CLUSTER", "kafka-cluster", "IDEMPOTENT_WRITE"] else empty end),
    (.consumes[] | [$s, "TOPIC", ., "READ"], [$s, "TOPIC", ., "DESCRIBE"],
      [$s, "TOPIC", $topics[.].deadLetter, "WRITE"], [$s, "TOPIC", $topics[.].deadLetter, "DESCRIBE"]),
    (if (.consumes | length) > 0 then [$s, "GROUP", (.rebuild.group // $s), "READ"] else empty end)
    | "User:\(.[0])\t\(.[1])\t\(.[2])\t\(.[3])"' "$1" | sort -u
}

client_config() { # format [user]
  local user="${2:-$admin}" pw
  pw="$(password "$user")"
  [[ -n $pw ]] || die "Kafka user $user has an empty password"
  case $1 in
    scram)
      printf 'security.protocol=SASL_PLAINTEXT\nsasl.mechanism=%s\n' "$SCRAM"
      printf 'sasl.jaas.config=org.apache.kafka.common.security.scram.ScramLoginModule required username="%s" password="%s";\n' "$user" "$pw"
      ;;
    plain)
      printf 'security.protocol=SASL_PLAINTEXT\nsasl.mechanism=PLAIN\n'
      printf 'sasl.jaas.config=org.apache.kafka.common.security.plain.PlainLoginModule required username="%s" password="%s";\n' "$user" "$pw"
      ;;
    # PLAIN, so the admin's only: the broker refuses the SCRAM proofs of
    # Debian's librdkafka (2.0.2) while it takes Java's and kafkajs's.
    kcat) printf 'security.protocol=SASL_PLAINTEXT\nsasl.mechanisms=PLAIN\nsasl.username=%s\nsasl.password=%s\n' "$user" "$pw" ;;
    *) die "client-config: no format $1 (scram, plain, kcat)" ;;
  esac
}

# Files with passwords, this user's only, gone when the script ends.
tmp="$(umask 077 && mktemp -d "${TMPDIR:-/tmp}/feedmesh-kafka-auth.XXXXXX")"
trap 'rm -rf "$tmp"' EXIT
# The tool's admin client gives up after 60 s by default; each request after 5.
timeouts() { printf 'default.api.timeout.ms=%d\nrequest.timeout.ms=5000\n' "${KAFKA_TOOLS_TIMEOUT:-30}000"; }

# As the admin with PLAIN, which the broker checks against its own
# configuration: the SCRAM users, the admin's included, may not exist yet.
add_users() { # mesh.json [user...]
  local -a tool list
  read -ra tool <<<"${KAFKA_CONFIGS:?set KAFKA_CONFIGS to kafka-configs}"
  { client_config plain; timeouts; } >"$tmp/plain.properties"
  if [[ $# -gt 1 ]]; then list=("${@:2}"); else mapfile -t list < <(users "$1"); fi
  local user pw
  for user in "${list[@]}"; do
    # Apart from printf: a failed lookup inside its arguments would not stop the script.
    pw="$(password "$user")"
    [[ -n $pw ]] || die "no Kafka password for $user"
    # In a file, not on the command line: no process listing shows it.
    printf '%s=iterations=%d,password=%s\n' "$SCRAM" "$SCRAM_ITERATIONS" "$pw" >"$tmp/scram.properties"
    "${tool[@]}" --bootstrap-server "${KAFKA_BOOTSTRAP:?set KAFKA_BOOTSTRAP}" --command-config "$tmp/plain.properties" \
      --alter --entity-type users --entity-name "$user" --add-config-file "$tmp/scram.properties" >/dev/null
    echo "Kafka user $user: $SCRAM credential set" >&2
  done
  rm -f "$tmp/scram.properties"
  [[ $# -eq 1 ]] || return 0
  # The whole list was set: a user that mesh.json no longer has (a service
  # renamed or removed, one added by hand) must not keep logging in. Its
  # credential is replaced by one of a random password nobody is given,
  # rather than deleted: with a deletion in its metadata log (a
  # RemoveUserScramCredentialRecord), Kafka 4.3.1 comes back from its next
  # restart with no SCRAM credential at all, the admin's included (tried here:
  # every SCRAM login refused until the users are set again).
  "${tool[@]}" --bootstrap-server "$KAFKA_BOOTSTRAP" --command-config "$tmp/plain.properties" --describe --entity-type users |
    sed -n "s/^SCRAM credential configs for user-principal '\(.*\)' are .*$/\1/p" >"$tmp/scram-users"
  while IFS= read -r user; do
    [[ -n $user && $user != "$admin" ]] || continue
    [[ " ${list[*]} " != *" $user "* ]] || continue # names are single words
    printf '%s=iterations=%d,password=%s\n' "$SCRAM" "$SCRAM_ITERATIONS" "$(od -An -tx1 -N32 /dev/urandom | tr -d ' \n')" >"$tmp/scram.properties"
    "${tool[@]}" --bootstrap-server "$KAFKA_BOOTSTRAP" --command-config "$tmp/plain.properties" \
      --alter --entity-type users --entity-name "$user" --add-config-file "$tmp/scram.properties" >/dev/null
    echo "Kafka user $user: not in mesh.json, its password replaced by one nobody has" >&2
  done <"$tmp/scram-users"
  rm -f "$tmp/scram.properties"
}

# kafka-acls --list as the lines of `acls`, with pattern type, host and
# permission after them: LITERAL, *, ALLOW for every grant this script makes.
current_acls() {
  local line type="" name="" pattern=""
  "${tool[@]}" "${connect[@]}" --list | while IFS= read -r line; do
    if [[ $line =~ resourceType=([A-Z_]+),\ name=(.*),\ patternType=([A-Z]+) ]]; then
      type=${BASH_REMATCH[1]} name=${BASH_REMATCH[2]} pattern=${BASH_REMATCH[3]}
    elif [[ $line =~ principal=(.*),\ host=(.*),\ operation=([A-Z_]+),\ permissionType=([A-Z]+) ]]; then
      printf '%s\t%s\t%s\t%s\t%s\t%s\t%s\n' "${BASH_REMATCH[1]}" "$type" "$name" "${BASH_REMATCH[3]}" "$pattern" \
        "${BASH_REMATCH[2]}" "${BASH_REMATCH[4]}"
    fi
  done | sort -u
}

# kafka-acls spells operations in Pascal case (IdempotentWrite) and names a resource by its flag.
pascal() { local w rest out="" IFS=_; for w in $1; do rest=${w:1}; out+="${w:0:1}${rest,,}"; done; echo "$out"; }
resource() { # type name
  case $1 in
    TOPIC) echo --topic "$2" ;;
    GROUP) echo --group "$2" ;;
    CLUSTER) echo --cluster ;;
    TRANSACTIONAL_ID) echo --transactional-id "$2" ;;
    *) return 1 ;;
  esac
}

apply_acls() {
  local -a tool connect
  read -ra tool <<<"${KAFKA_ACLS:?set KAFKA_ACLS to kafka-acls}"
  { client_config scram; timeouts; } >"$tmp/admin.properties"
  connect=(--bootstrap-server "${KAFKA_BOOTSTRAP:?set KAFKA_BOOTSTRAP}" --command-config "$tmp/admin.properties")
  acls "$1" | sed 's/$/\tLITERAL\t*\tALLOW/' >"$tmp/wanted"
  current_acls >"$tmp/current"
  local principal type name op pattern host permission kind
  # Missing: one call per principal and resource, with all its operations.
  comm -23 "$tmp/wanted" "$tmp/current" | cut -f1-3 | sort -u | while IFS=$'\t' read -r principal type name; do
    local -a ops=()
    while IFS=$'\t' read -r op; do ops+=(--operation "$(pascal "$op")"); done < <(
      comm -23 "$tmp/wanted" "$tmp/current" | awk -F'\t' -v p="$principal" -v t="$type" -v n="$name" '$1 == p && $2 == t && $3 == n { print $4 }')
    # shellcheck disable=SC2046 # resource gives a flag and a name, each a word
    "${tool[@]}" "${connect[@]}" --add --allow-principal "$principal" "${ops[@]}" $(resource "$type" "$name") >/dev/null
    echo "Kafka ACL added: $principal ${ops[*]} on $type $name" >&2
  done
  # Anything else goes, whoever set it: mesh.json is the whole of what is granted.
  comm -13 "$tmp/wanted" "$tmp/current" | while IFS=$'\t' read -r principal type name op pattern host permission; do
    kind="${permission,,}"
    # shellcheck disable=SC2046
    "${tool[@]}" "${connect[@]}" --remove --force --"$kind"-principal "$principal" --"$kind"-host "$host" \
      --operation "$(pascal "$op")" --resource-pattern-type "${pattern,,}" $(resource "$type" "$name" || die "cannot remove an ACL on $type $name") >/dev/null
    echo "Kafka ACL removed (not in mesh.json): $principal $op on $type $name ($pattern, $host, $permission)" >&2
  done
}

cmd="${1:-}"
case "$cmd" in
  users | acls | apply-acls) [[ $# -eq 2 ]] || die "usage: $0 $cmd <mesh.json>" ;;
  add-users) [[ $# -ge 2 ]] || die "usage: $0 add-users <mesh.json> [user...]" ;;
  client-config) [[ $# -ge 3 && $# -le 4 ]] || die "usage: $0 client-config <mesh.json> scram|plain|kcat [user]" ;;
  *) die "usage: $0 users|acls|add-users|apply-acls <mesh.json> | client-config <mesh.json> scram|plain|kcat [user]" ;;
esac
case "$cmd" in
  users) users "$2" ;;
  acls) acls "$2" ;;
  add-users) MESH_JSON=$2 add_users "${@:2}" ;;
  apply-acls) MESH_JSON=$2 apply_acls "$2" ;;
  client-config) MESH_JSON=$2 client_config "$3" "${4:-}" ;;
esac
