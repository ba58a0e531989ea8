#!/usr/bin/env bash
# Tests of dingtalk-send.sh against mockdingtalk, with curl and the shell
# only: create a robot through the admin API, send, wait for the message,
# check what arrived, and that a wrong secret is refused.
#
# Run: ./test.sh    (the fake at $MOCKDINGTALK_URL, default http://127.0.0.1:8090;
#                    $MOCKDINGTALK_ADMIN_TOKEN is sent when set)
set -euo pipefail
cd "$(dirname "$0")"

base=${MOCKDINGTALK_URL:-http://127.0.0.1:8090}
base=${base%/}
auth=()
if [ -n "${MOCKDINGTALK_ADMIN_TOKEN:-}" ]; then auth=(-H "Authorization: Bearer $MOCKDINGTALK_ADMIN_TOKEN"); fi
secret="SEC$(printf '0f1e2d3c4b5a6978%.0s' 1 2 3 4)"
failures=0 passed=0

# admin METHOD PATH [JSON]: one admin API call; prints the answer, fails on a non-2xx status.
admin() {
  local args=(-sS --fail-with-body --max-time 20 -X "$1" "${auth[@]}" "$base$2")
  if [ $# -ge 3 ]; then args+=(-H 'Content-Type: application/json' -d "$3"); fi
  curl "${args[@]}"
}

# check NAME HAYSTACK NEEDLE: passes when HAYSTACK contains NEEDLE.
check() {
  if [[ $2 == *"$3"* ]]; then
    passed=$((passed + 1)); echo "ok - $1"
  else
    failures=$((failures + 1)); printf 'not ok - %s\n  want: %s\n  got:  %s\n' "$1" "$3" "$2"
  fi
}

robot=$(admin POST /_mock/robots "{\"name\":\"shell-example\",\"secret\":\"$secret\"}")
token=$(sed -E 's/.*"accessToken":"([^"]+)".*/\1/' <<<"$robot")
trap 'admin DELETE "/_mock/robots/$token" >/dev/null || true' EXIT
webhook="$base/robot/send?access_token=$token"

answer=$(./dingtalk-send.sh "$webhook" "$secret" '{"msgtype":"text","text":{"content":"nightly build #42 passed"}}')
check "a signed text message is accepted" "$answer" '"errcode":0'
got=$(admin GET "/_mock/messages/wait?accessToken=$token&count=1&delivered=true&timeout=10s")
check "the fake recorded it as sent" "$got" '"text":{"content":"nightly build #42 passed"}'

status=0
answer=$(./dingtalk-send.sh "$webhook" "SEC$(printf 'f%.0s' {1..64})" '{"msgtype":"text","text":{"content":"x"}}') || status=$?
check "a wrong secret is refused with 310000" "$answer" '"errcode":310000'
check "dingtalk-send.sh exits 1 on a refusal" "$status" 1
got=$(admin GET "/_mock/messages?accessToken=$token&delivered=false")
check "the fake says why" "$got" '"reason":"sign_mismatch"'

status=0
answer=$(./dingtalk-send.sh "$webhook" "$secret" '{"msgtype":"text"}') || status=$?
check "a message without its text part is refused" "$status" 1
check "with DingTalk's words" "$answer" '参数 text 缺失'

echo "$passed passed, $failures failed"
[ "$failures" -eq 0 ]
