#!/usr/bin/env bash
# Posts one message to a DingTalk group robot with curl, signed with openssl
# as DingTalk documents it: HMAC-SHA256 of "<timestamp ms>\n<secret>" keyed
# with the secret, base64, URL-encoded. What a CI job's notification step
# does; the tests point it at mockdingtalk.
#
# Usage: dingtalk-send.sh WEBHOOK_URL SECRET JSON_MESSAGE
#   SECRET may be empty for a robot without "sign" security.
# Prints DingTalk's answer; exits 1 when its errcode is not 0 (DingTalk
# answers HTTP 200 even then), 2 on bad usage or a transport error.
set -euo pipefail

if [ $# -ne 3 ]; then
  echo "usage: $0 WEBHOOK_URL SECRET JSON_MESSAGE" >&2
  exit 2
fi
webhook=$1 secret=$2 message=$3

url=$webhook
if [ -n "$secret" ]; then
  ts=$(($(date +%s) * 1000))
  sign=$(printf '%s\n%s' "$ts" "$secret" | openssl dgst -sha256 -hmac "$secret" -binary | base64 |
    sed 's/+/%2B/g; s#/#%2F#g; s/=/%3D/g')
  url="$webhook&timestamp=$ts&sign=$sign"
fi

answer=$(curl -sS --fail-with-body --max-time 10 -X POST "$url" \
  -H 'Content-Type: application/json;charset=utf-8' --data-binary "$message") || exit 2
echo "$answer"
case "$answer" in
  *'"errcode":0,'* | *'"errcode":0}'*) ;;
  *) exit 1 ;;
esac
