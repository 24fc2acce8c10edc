#!/usr/bin/env bash
# The story a user walks, end to end through the gateway, and the refusals
# around it. Needs only bash, curl and jq, and nothing but the gateway's
# address, so it runs the same against the native stack and docker compose:
#
#   ./test.sh                                   # http://localhost
#   GATEWAY_URL=http://localhost:1080 ./test.sh
#
# Every run uses its own users and titles, so runs can follow each other or
# overlap. One ✓/✗ line per check, then "N passed, N failed"; the exit status
# is 0 only when nothing failed.
set -uo pipefail

GATEWAY_URL="${GATEWAY_URL:-http://localhost}"
GATEWAY_URL="${GATEWAY_URL%/}"
# How long a change may take to show in the activity streams (Kafka → Redis).
STREAM_WAIT_SECONDS="${STREAM_WAIT_SECONDS:-20}"
# How long to wait out the credentials rate limit (429) before giving up.
RATE_LIMIT_WAIT_SECONDS="${RATE_LIMIT_WAIT_SECONDS:-15}"

passed=0
failed=0
pass() { passed=$((passed + 1)); printf '✓ %s\n' "$1"; }
fail() { failed=$((failed + 1)); printf '✗ %s\n' "$1"; }
finish() {
  printf '%d passed, %d failed\n' "$passed" "$failed"
  [[ $failed -eq 0 ]]
  exit
}
# A step later checks cannot do without failed: say why, and stop.
abort() { fail "$1"; finish; }

for tool in curl jq; do
  command -v "$tool" >/dev/null || abort "$tool is required on PATH"
done

scratch="$(mktemp -d)"
trap 'rm -rf "$scratch"' EXIT

# ---------------------------------------------------------------- HTTP

# request METHOD PATH [curl args...]: sets STATUS (000 when nothing answered)
# and BODY (the response body, or curl's own error when nothing answered).
STATUS=000
BODY=""
request() {
  local method=$1 path=$2; shift 2
  local code
  code="$(curl -sS -X "$method" -o "$scratch/body" -w '%{http_code}' --max-time 10 "$@" "$GATEWAY_URL$path" 2>"$scratch/err")"
  if [[ $code == 000 || -z $code ]]; then
    STATUS=000
    BODY="no answer from $GATEWAY_URL ($(head -c 200 "$scratch/err"))"
  else
    STATUS=$code
    BODY="$(cat "$scratch/body")"
  fi
}

# The credentials endpoints are rate limited per client: wait a 429 out, with a bound.
request_credentials() {
  local deadline=$((SECONDS + RATE_LIMIT_WAIT_SECONDS))
  while :; do
    request "$@"
    [[ $STATUS == 429 && $SECONDS -lt $deadline ]] || return 0
    sleep 0.5
  done
}

json() { request "$1" "$2" -H 'content-type: application/json' --data-binary "$3" "${@:4}"; }
bearer() { printf 'authorization: Bearer %s' "$1"; }

# What came back, for a ✗ line: the status and the start of the body.
answer() {
  if [[ $STATUS == 000 ]]; then printf '%s' "$BODY"; else printf 'HTTP %s %s' "$STATUS" "$(printf '%s' "$BODY" | tr -d '\n' | head -c 300)"; fi
}

# body_has FILTER [jq args...]: the last body is JSON and FILTER holds for it.
body_has() {
  local filter=$1; shift
  printf '%s' "$BODY" | jq -e "$@" "$filter" >/dev/null 2>&1
}

# expect LABEL STATUS [FILTER [jq args...]]: one check on the last answer.
expect() {
  local label=$1 want=$2; shift 2
  if [[ $STATUS != "$want" ]]; then
    fail "$label: expected HTTP $want, got $(answer)"
  elif [[ $# -gt 0 ]] && ! body_has "$@"; then
    fail "$label: expected a body where $1, got $(answer)"
  else
    pass "$label"
  fi
}

now_ms() {
  if [[ -n ${EPOCHREALTIME:-} ]]; then
    local t=${EPOCHREALTIME/[.,]/}
    echo $((t / 1000))
  else # bash before 5 (macOS): whole seconds will do
    echo $(($(date +%s) * 1000))
  fi
}

# eventually LABEL PATH FILTER [curl and jq args: see below]: polls PATH until
# FILTER holds for its answer, for at most STREAM_WAIT_SECONDS. Any answer
# but 200 ends the wait at once: a stream that errors will not come right.
# Extra args: a token (-t TOKEN) and jq variables (--arg name value ...).
eventually() {
  local label=$1 path=$2 filter=$3; shift 3
  local auth="x-no-token: 1"
  if [[ ${1:-} == -t ]]; then auth="$(bearer "$2")"; shift 2; fi
  local started deadline
  started="$(now_ms)"
  deadline=$((started + STREAM_WAIT_SECONDS * 1000))
  while :; do
    request GET "$path" -H "$auth"
    if [[ $STATUS != 200 ]]; then
      fail "$label: expected HTTP 200 from $path, got $(answer)"
      return 1
    fi
    if body_has "$filter" "$@"; then
      pass "$label ($(($(now_ms) - started)) ms)"
      return 0
    fi
    if (($(now_ms) >= deadline)); then
      fail "$label: not within ${STREAM_WAIT_SECONDS} s; last answer $(answer)"
      return 1
    fi
    sleep 0.2
  done
}

# ---------------------------------------------------------------- data

run="e2e-$(date +%s)-$$-$RANDOM"
password="correct horse battery staple"

echo "test.sh against $GATEWAY_URL (run $run)"

# ---------------------------------------------------------------- the mesh is there

for prefix in /api/auth /api/profile /api/posts /api/activity-stream; do
  request GET "$prefix/health"
  expect "GET $prefix/health answers 200 with every dependency passing" 200 '.status == "pass"'
done

# ---------------------------------------------------------------- the story

# register_and_login NAME: a new user, logged in; sets USER_ID and USER_TOKEN (empty on failure).
register_and_login() {
  local name="$run-$1"
  USER_ID="" USER_TOKEN=""
  request_credentials POST /api/auth/register -H 'content-type: application/json' \
    --data-binary "$(jq -nc --arg u "$name" --arg e "$name@example.com" --arg p "$password" '{email: $e, username: $u, password: $p}')"
  expect "register $name: 201 with its id" 201 '.id and .username == $u' --arg u "$name"
  [[ $STATUS == 201 ]] || return 0
  local id
  id="$(printf '%s' "$BODY" | jq -r .id)"
  request_credentials POST /api/auth/login -H 'content-type: application/json' \
    --data-binary "$(jq -nc --arg e "$name@example.com" --arg p "$password" '{email: $e, password: $p}')"
  expect "log in as $name: 200 with a bearer token" 200 '.token_type == "bearer" and (.access_token | type == "string") and .expires_in > 0'
  [[ $STATUS == 200 ]] || return 0
  USER_ID=$id
  USER_TOKEN="$(printf '%s' "$BODY" | jq -r .access_token)"
}

register_and_login ann
[[ -n $USER_TOKEN ]] || abort "cannot go on without a logged-in user"
ann_id=$USER_ID ann_token=$USER_TOKEN
ann_auth="$(bearer "$ann_token")"

request GET /api/auth/me -H "$ann_auth"
expect "GET /api/auth/me names the token's user" 200 '.id == $id' --arg id "$ann_id"

request_credentials POST /api/auth/register -H 'content-type: application/json' \
  --data-binary "$(jq -nc --arg u "$run-ann" --arg e "$run-ann@example.com" --arg p "$password" '{email: $e, username: $u, password: $p}')"
expect "registering the same user again is refused with 409" 409 '.error.code == "conflict"'

request_credentials POST /api/auth/login -H 'content-type: application/json' \
  --data-binary "$(jq -nc --arg e "$run-ann@example.com" '{email: $e, password: "not the password"}')"
expect "logging in with a wrong password is refused with 401" 401 '.error.code == "unauthorized"'

json POST /api/profile "$(jq -nc --arg n "Ann $run" '{display_name: $n, bio: "walks the story", location: "Loopback"}')" -H "$ann_auth"
expect "create a profile: 201, owned by the caller" 201 '.user_id == $id and .display_name == $n' --arg id "$ann_id" --arg n "Ann $run"
request GET /api/profile -H "$ann_auth"
expect "read the profile back" 200 '.display_name == $n and .location == "Loopback"' --arg n "Ann $run"
json PUT /api/profile '{"bio":"still walking"}' -H "$ann_auth"
expect "update the profile" 200 '.bio == "still walking" and .display_name == $n' --arg n "Ann $run"

# Ann's home timeline, live (server-sent events), open while she writes: read back after the posts.
curl -sSN --max-time "$STREAM_WAIT_SECONDS" -H "$ann_auth" -H 'accept: text/event-stream' \
  -D "$scratch/live-headers" -o "$scratch/live" "$GATEWAY_URL/api/activity-stream/home/live" 2>/dev/null &
live_pid=$!
sleep 0.5

post_ids=()
for n in 1 2 3; do
  json POST /api/posts "$(jq -nc --arg t "$run post $n" '{title: $t, content: "hello from the end-to-end run", tags: ["e2e"]}')" -H "$ann_auth"
  expect "create post $n: 201, authored by the caller" 201 '.author_id == $id and .title == $t and .version == 1' \
    --arg id "$ann_id" --arg t "$run post $n"
  [[ $STATUS == 201 ]] && post_ids+=("$(printf '%s' "$BODY" | jq -r .id)")
done
[[ ${#post_ids[@]} -eq 3 ]] || abort "cannot go on without the three posts"
ids_json="$(printf '%s\n' "${post_ids[@]}" | jq -R . | jq -sc .)"

# The ids of the post.created events the live stream has sent so far, as a JSON array.
live_created() { grep -A1 '^event: post.created' "$scratch/live" 2>/dev/null | sed -n 's/^data: //p' | jq -sc '[.[].id]'; }
deadline=$((SECONDS + STREAM_WAIT_SECONDS))
until [[ "$(live_created)" == *"${post_ids[2]}"* || $SECONDS -ge $deadline ]]; do sleep 0.2; done
kill "$live_pid" 2>/dev/null; wait "$live_pid" 2>/dev/null
if grep -qi '^content-type: text/event-stream' "$scratch/live-headers" 2>/dev/null \
  && [[ "$(live_created)" == "$ids_json" ]]; then
  pass "the live home stream sent each new post as it was applied, in order (server-sent events)"
else
  fail "the live home stream sent each new post as it was applied, in order (server-sent events): got $(head -c 300 "$scratch/live-headers" "$scratch/live" 2>/dev/null | tr '\n' ' ')"
fi

request GET "/api/posts/${post_ids[0]}" -H "$ann_auth"
expect "read post 1 back by id" 200 '.id == $id and .title == $t' --arg id "${post_ids[0]}" --arg t "$run post 1"
request GET "/api/posts?author_id=$ann_id&limit=10" -H "$ann_auth"
expect "list the author's posts: all three" 200 '[.items[].id] | sort == ($ids | sort)' --argjson ids "$ids_json"
request GET "/api/posts?author_id=$ann_id&limit=2" -H "$ann_auth"
expect "list them two at a time: the newest two, and a cursor for the rest" 200 \
  '[.items[].id] == [$ids[2], $ids[1]] and (.next | type) == "string"' --argjson ids "$ids_json"
next_page="$(printf '%s' "$BODY" | jq -r .next)"
request GET "/api/posts?author_id=$ann_id&limit=2&before=$next_page" -H "$ann_auth"
expect "pass the cursor back as given: the oldest one, and the end" 200 \
  '[.items[].id] == [$ids[0]] and .next == null' --argjson ids "$ids_json"
request GET "/api/posts?author_id=$ann_id&before=12" -H "$ann_auth"
expect "a cursor no page gave out is refused: 400" 400 \
  '.error.code == "validation_failed" and .error.issues[0].path == "before"'

# The streams are fed through Kafka: wait for them, with a bound.
all_three='[.items[].id] as $seen | all($ids[]; . as $i | $seen | index($i))'
eventually "the three posts appear in the global stream" "/api/activity-stream?limit=100" "$all_three" --argjson ids "$ids_json"
eventually "the three posts appear in the caller's stream" "/api/activity-stream/user" "$all_three" -t "$ann_token" --argjson ids "$ids_json"
eventually "the three posts appear in the author's public stream" "/api/activity-stream/user/$ann_id" "$all_three" --argjson ids "$ids_json"

json PUT "/api/posts/${post_ids[0]}" "$(jq -nc --arg t "$run post 1 (edited)" '{title: $t}')" -H "$ann_auth"
expect "update post 1: 200, version 2" 200 '.title == $t and .version == 2' --arg t "$run post 1 (edited)"
edited='any(.items[]; .id == $id and .title == $t and .version == 2)'
eventually "the update shows in the global stream" "/api/activity-stream?limit=100" "$edited" \
  --arg id "${post_ids[0]}" --arg t "$run post 1 (edited)"
eventually "the update shows in the caller's stream" "/api/activity-stream/user" "$edited" -t "$ann_token" \
  --arg id "${post_ids[0]}" --arg t "$run post 1 (edited)"

request DELETE "/api/posts/${post_ids[2]}" -H "$ann_auth"
expect "delete post 3: 204" 204
request GET "/api/posts/${post_ids[2]}" -H "$ann_auth"
expect "post 3 is gone from posts-service: 404" 404 '.error.code == "not_found"'
gone='all(.items[]; .id != $id) and any(.items[]; .id == $kept)'
eventually "post 3 is gone from the global stream" "/api/activity-stream?limit=100" "$gone" \
  --arg id "${post_ids[2]}" --arg kept "${post_ids[1]}"
eventually "post 3 is gone from the caller's stream" "/api/activity-stream/user" "$gone" -t "$ann_token" \
  --arg id "${post_ids[2]}" --arg kept "${post_ids[1]}"

request GET /api/activity-stream/stats
expect "read the stream stats" 200 \
  '.global_length >= 2 and .events_applied >= 5 and (.duplicates_skipped | type == "number") and (.dead_lettered | type == "number") and (.consumer_lag | type == "array")'

# ---------------------------------------------------------------- refusals

register_and_login bob
[[ -n $USER_TOKEN ]] || abort "cannot go on without a second logged-in user"
bob_id=$USER_ID bob_token=$USER_TOKEN
bob_auth="$(bearer "$bob_token")"

# No token.
json POST /api/posts '{"title":"no token","content":"x"}'
expect "create a post without a token: 401" 401 '.error.code == "unauthorized"'
request GET /api/profile
expect "read a profile without a token: 401" 401 '.error.code == "unauthorized"'
request GET /api/activity-stream/user
expect "read the caller's stream without a token: 401" 401 '.error.code == "unauthorized"'

# A bad token: garbage, and a real one with its signature changed.
json POST /api/posts '{"title":"bad token","content":"x"}' -H 'authorization: Bearer not.a.token'
expect "create a post with a garbage token: 401" 401 '.error.code == "unauthorized"'
signature="${ann_token##*.}"
tampered="${ann_token%.*}.$([[ ${signature:0:1} == A ]] && echo B || echo A)${signature:1}"
request GET /api/profile -H "$(bearer "$tampered")"
expect "read a profile with a tampered token: 401" 401 '.error.code == "unauthorized"'

# A forged X-User-ID: never acts as that user.
json POST /api/posts '{"title":"forged, no token","content":"x"}' -H "X-User-ID: $ann_id"
expect "a forged X-User-ID without a token: 401" 401 '.error.code == "unauthorized"'
json POST /api/posts "$(jq -nc --arg t "$run forged" '{title: $t, content: "x"}')" -H "$bob_auth" -H "X-User-ID: $ann_id" -H "X_User_ID: $ann_id"
expect "a forged X-User-ID beside a real token: the post is the caller's" 201 '.author_id == $bob' --arg bob "$bob_id"
json PUT "/api/posts/${post_ids[1]}" '{"title":"taken over"}' -H "$bob_auth" -H "X-User-ID: $ann_id"
expect "a forged X-User-ID does not open someone else's post: 403" 403 '.error.code == "forbidden"'

# Someone else's post.
json PUT "/api/posts/${post_ids[1]}" '{"title":"not mine"}' -H "$bob_auth"
expect "edit someone else's post: 403" 403 '.error.code == "forbidden"'
request DELETE "/api/posts/${post_ids[1]}" -H "$bob_auth"
expect "delete someone else's post: 403" 403 '.error.code == "forbidden"'
request GET "/api/posts/${post_ids[1]}" -H "$bob_auth"
expect "the post is untouched after the refusals" 200 '.title == $t and .version == 1' --arg t "$run post 2"

# Malformed input.
json POST /api/posts '{"title": "half' -H "$ann_auth"
expect "create a post from broken JSON: 400" 400 '.error.code == "invalid_json"'
json POST /api/posts '{"content":"no title"}' -H "$ann_auth"
expect "create a post without a title: 400 naming it" 400 '.error.code == "validation_failed" and any(.error.issues[]; .path == "title")'
json POST /api/posts '{"title":{"$gt":""},"content":"x"}' -H "$ann_auth"
expect "create a post with an operator object as title: 400" 400 '.error.code == "validation_failed"'
request POST /api/posts -H "$ann_auth" -H 'content-type: text/plain' --data-binary 'title=x'
expect "create a post from a non-JSON content type: 415" 415 '.error.code == "unsupported_media_type"'
json PUT "/api/posts/${post_ids[1]}" '{}' -H "$ann_auth"
expect "update a post with nothing to change: 400" 400 '.error.code == "validation_failed"'
request_credentials POST /api/auth/register -H 'content-type: application/json' \
  --data-binary "$(jq -nc --arg u "$run-x" '{email: "not-an-email", username: $u, password: "long enough password"}')"
expect "register with a malformed email: 400" 400 '.error.code == "validation_failed"'
request GET '/api/activity-stream?limit=0'
expect "read the global stream with limit=0: 400" 400 '.error.code == "validation_failed"'

# Unknown and malformed ids.
request GET /api/posts/ffffffffffffffffffffffff -H "$ann_auth"
expect "read a post that does not exist: 404" 404 '.error.code == "not_found"'
request GET /api/posts/not-a-post-id -H "$ann_auth"
expect "read a post by a malformed id: 404" 404 '.error.code == "not_found"'
json PUT /api/posts/ffffffffffffffffffffffff '{"title":"x"}' -H "$ann_auth"
expect "update a post that does not exist: 404" 404 '.error.code == "not_found"'
request DELETE "/api/posts/${post_ids[2]}" -H "$ann_auth"
expect "delete a post already deleted: 404" 404 '.error.code == "not_found"'
request GET /api/profile -H "$bob_auth"
expect "read a profile never created: 404" 404 '.error.code == "not_found"'

# ---------------------------------------------------------------- follows

request PUT "/api/profile/following/$ann_id" -H "$bob_auth"
expect "follow a user: 200, from the caller to them" 200 '.follower_id == $me and .followee_id == $them' \
  --arg me "$bob_id" --arg them "$ann_id"
followed_at="$(printf '%s' "$BODY" | jq -r .followed_at)"
request PUT "/api/profile/following/$ann_id" -H "$bob_auth"
expect "follow them again: 200, the same follow" 200 '.followed_at == $at' --arg at "$followed_at"
request GET "/api/profile/$ann_id" -H "$bob_auth"
expect "their profile counts one follower" 200 '.followers_count == 1 and .following_count == 0'
request GET "/api/profile/$ann_id/followers" -H "$bob_auth"
expect "their followers: the caller" 200 '[.items[].user_id] == [$me] and .next == null' --arg me "$bob_id"
request GET "/api/profile/$bob_id/following?limit=1" -H "$ann_auth"
expect "whom the caller follows: them" 200 '[.items[].user_id] == [$them]' --arg them "$ann_id"
# Home: the follow brings their posts into the follower's home timeline, beside the follower's own.
at_home='[.items[].id] as $seen | ($seen | index($p1)) and ($seen | index($p2)) and ($seen | index($gone) | not)
  and any(.items[]; .author_id == $me)'
eventually "the follower sees their posts at home (the deleted one not), and their own" \
  "/api/activity-stream/home?limit=100" "$at_home" -t "$bob_token" \
  --arg p1 "${post_ids[0]}" --arg p2 "${post_ids[1]}" --arg gone "${post_ids[2]}" --arg me "$bob_id"
request GET "/api/activity-stream/home?limit=1" -H "$bob_auth"
expect "read home one post at a time: the newest, and a cursor for the rest" 200 '.count == 1 and (.next | type) == "string"'
home_next="$(printf '%s' "$BODY" | jq -r .next)" home_first="$(printf '%s' "$BODY" | jq -r '.items[0].id // empty')"
request GET "/api/activity-stream/home?limit=100&before=$home_next" -H "$bob_auth"
expect "pass the home cursor back as given: the rest" 200 '.count >= 2 and all(.items[]; .id != $first)' \
  --arg first "$home_first"
request PUT "/api/profile/following/$bob_id" -H "$bob_auth"
expect "follow oneself: 400" 400 '.error.code == "validation_failed"'
request PUT /api/profile/following/00000000-0000-4000-8000-000000000000 -H "$bob_auth"
expect "follow a user nobody knows: 404" 404 '.error.code == "not_found"'
request GET "/api/profile/$bob_id/following?before=nope" -H "$bob_auth"
expect "list follows from a cursor no page gave out: 400" 400 '.error.issues[0].path == "before"'
request DELETE "/api/profile/following/$ann_id" -H "$bob_auth"
expect "unfollow them: 204" 204
request DELETE "/api/profile/following/$ann_id" -H "$bob_auth"
expect "unfollow them again: 204" 204
request GET "/api/profile/$ann_id/followers" -H "$bob_auth"
expect "their followers: none left" 200 '.items == [] and .count == 0'
eventually "after the unfollow the follower no longer sees their posts at home, only their own" \
  "/api/activity-stream/home?limit=100" 'all(.items[]; .author_id == $me) and .count >= 1' -t "$bob_token" --arg me "$bob_id"
request GET /api/activity-stream/home
expect "read home without a token: 401" 401 '.error.code == "unauthorized"'
request PUT "/api/profile/following/$ann_id"
expect "follow without a token: 401" 401 '.error.code == "unauthorized"'

finish
