#!/bin/sh
# The ACL policies and tokens of the mesh, from mesh.json, made or brought up
# to date in a running Consul (ACLs on, default deny). Idempotent: run on
# every `stack/mesh up` and by docker-compose.yml's consul-init. POSIX sh,
# curl and jq only: the native stack and the official Consul image both have them.
#
#   mesh-acl.sh <mesh.json>
#
# Environment: CONSUL_HTTP_ADDR (http://host:port); the management token as
# CONSUL_HTTP_TOKEN or CONSUL_HTTP_TOKEN_FILE; and the secret of each token to
# make, as NAME or NAME_FILE (the stack's convention for secrets):
#   CONSUL_TOKEN_AGENT      the agent itself: its node, and reading services for anti-entropy
#   CONSUL_TOKEN_TRAEFIK    the gateway: reads the catalog, writes nothing
#   CONSUL_TOKEN_<SERVICE>  each service of mesh.json (auth-service: CONSUL_TOKEN_AUTH_SERVICE):
#                           registers its own name only, and holds locks under feedmesh/<name>/
# Each secret must be a UUID (Consul's rule for a token's SecretID). A token
# is found by its secret, so a secret that changed makes a new token.
set -eu

manifest=${1:?usage: mesh-acl.sh <mesh.json>}
addr=${CONSUL_HTTP_ADDR:?CONSUL_HTTP_ADDR is not set}
addr=${addr%/}

work=$(umask 077 && mktemp -d)
trap 'rm -rf "$work"' EXIT

# secret VAR: writes the value of VAR (or of the file VAR_FILE names) to
# $work/VAR, and a curl header file for it to $work/VAR.h. Values never reach
# a command line.
secret() {
  var=$1
  eval "value=\${$var-}" "file=\${${var}_FILE-}"
  # shellcheck disable=SC2154 # assigned by the eval above
  if [ -n "$value" ]; then
    printf '%s' "$value" >"$work/$var"
  elif [ -n "$file" ] && [ -r "$file" ]; then
    tr -d '\n' <"$file" >"$work/$var"
  else
    echo "mesh-acl: neither $var nor ${var}_FILE is set (or readable)" >&2
    exit 1
  fi
  printf 'X-Consul-Token: %s\n' "$(cat "$work/$var")" >"$work/$var.h"
}

# api METHOD PATH AS [BODY-FILE]: one call as the token of secret AS; the
# answer's body in $work/out, its status printed.
api() {
  curl -sS -o "$work/out" -w '%{http_code}' -X "$1" -H "@$work/$3.h" \
    ${4:+--data-binary "@$4"} "$addr$2"
}

must() { # status what
  case $1 in 2??) ;; *) echo "mesh-acl: $2: HTTP $1: $(cat "$work/out")" >&2; exit 1 ;; esac
}

# policy NAME RULES: creates the policy or sets its rules.
policy() {
  jq -n --arg name "$1" --arg rules "$2" \
    '{Name: $name, Rules: $rules, Description: "feedmesh (stack/consul/mesh-acl.sh)"}' >"$work/body"
  status=$(api GET "/v1/acl/policy/name/$1" CONSUL_HTTP_TOKEN)
  if [ "$status" = 200 ]; then
    must "$(api PUT "/v1/acl/policy/$(jq -r .ID "$work/out")" CONSUL_HTTP_TOKEN "$work/body")" "policy $1"
  else
    must "$(api PUT /v1/acl/policy CONSUL_HTTP_TOKEN "$work/body")" "policy $1"
  fi
}

# token VAR POLICY DESCRIPTION: the token whose secret is VAR's, with that one
# policy and nothing else.
token() {
  secret "$1"
  jq -n --rawfile secret "$work/$1" --arg policy "$2" --arg description "$3" \
    '{SecretID: $secret, Description: $description, Policies: [{Name: $policy}]}' >"$work/body"
  status=$(api GET /v1/acl/token/self "$1")
  if [ "$status" = 200 ]; then
    must "$(api PUT "/v1/acl/token/$(jq -r .AccessorID "$work/out")" CONSUL_HTTP_TOKEN "$work/body")" "token $1"
  else
    must "$(api PUT /v1/acl/token CONSUL_HTTP_TOKEN "$work/body")" "token $1"
  fi
  echo "mesh-acl: $1 → policy $2" >&2
}

secret CONSUL_HTTP_TOKEN
# Right after its election the server may still be setting its ACLs up
# (making the management token from its configuration): wait for it to take ours.
tries=0
until [ "$(api GET /v1/acl/token/self CONSUL_HTTP_TOKEN)" = 200 ]; do
  tries=$((tries + 1))
  if [ "$tries" -ge 60 ]; then
    # E.g. Consul's data kept from a token whose secret is gone: only a reset of that data helps.
    echo "mesh-acl: the management token is refused: $(cat "$work/out")" >&2
    exit 1
  fi
  sleep 0.5
done

# The anonymous token (what a request without one gets) holds no policy:
# default deny is all it has.
jq -n '{Description: "Anonymous Token", Policies: []}' >"$work/body"
must "$(api PUT /v1/acl/token/00000000-0000-0000-0000-000000000002 CONSUL_HTTP_TOKEN "$work/body")" "anonymous token"

must "$(api GET /v1/agent/self CONSUL_HTTP_TOKEN)" "agent self"
node=$(jq -r .Config.NodeName "$work/out")
policy feedmesh-agent "node \"$node\" { policy = \"write\" }
service_prefix \"\" { policy = \"read\" }"
token CONSUL_TOKEN_AGENT feedmesh-agent "feedmesh: the Consul agent of node $node"

# Traefik's consulCatalog provider lists services and their healthy
# instances, with their nodes; it writes nothing.
policy feedmesh-traefik 'service_prefix "" { policy = "read" }
node_prefix "" { policy = "read" }'
token CONSUL_TOKEN_TRAEFIK feedmesh-traefik "feedmesh: Traefik, reading the catalog"

for name in $(jq -r '.services | keys_unsorted[]' "$manifest"); do
  var=CONSUL_TOKEN_$(printf '%s' "$name" | tr 'a-z-' 'A-Z_')
  policy "feedmesh-$name" "service \"$name\" { policy = \"write\" }
key_prefix \"feedmesh/$name/\" { policy = \"write\" }
session_prefix \"\" { policy = \"write\" }"
  token "$var" "feedmesh-$name" "feedmesh: $name, registering its own instances"
done
