#!/usr/bin/env bash
# System endpoints of a real berthd in a test host, through the docker CLI, the
# berth CLI and raw HTTP: version, info, events, _ping, API version routing and
# JSON errors. Skips (77) only when the berthd binary has not been built.
set -euo pipefail

here=$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)
# shellcheck source=SCRIPTDIR/../lib/testhost.sh
source "${BERTH_TESTHOST_SH:-$here/../lib/testhost.sh}"
th_require_berth

th_create h1
sock=$(th_sock h1)

# api GET PATH: sets code and body from a raw request over the socket.
api() {
  local out
  out=$(curl -s --max-time 10 --unix-socket "$sock" -X "$1" -w '\n%{http_code}' "http://berth$2")
  code=${out##*$'\n'}
  body=${out%$'\n'*}
}

# expect_json_error CODE: the last api reply had status CODE and a JSON
# object with a non-empty string "message".
expect_json_error() {
  th_expect_eq "HTTP status of $1 $2" "$3" "$code"
  jq -e '(.message | type == "string") and (.message | length > 0)' <<<"$body" >/dev/null ||
    th_fail "$1 $2: expected a JSON body with a \"message\", got: $body"
}

echo "== _ping"
th_expect_out OK curl -sf --max-time 10 --unix-socket "$sock" http://berth/_ping

echo "== version"
th_expect_match '^Server:' th_docker h1 version
th_expect_out 1.44 th_docker h1 version --format '{{.Server.APIVersion}}'
th_expect_match '^Server:' th_berth h1 version
th_expect_match '^Server:' "$BERTH_CLI" -H "unix://$sock" version

echo "== info"
th_expect_ok th_docker h1 info
th_expect_match '^ ?Kernel Networking:' th_berth h1 info

echo "== events"
mapfile -t client_env < <(th_env h1)
th_expect_ok timeout 30 env "${client_env[@]}" "$DOCKER_CLI" system events --since 1m --until 0s

echo "== API versions and errors"
api GET /v1.44/version
th_expect_eq "HTTP status of GET /v1.44/version" 200 "$code"
jq -e '.ApiVersion == "1.44"' <<<"$body" >/dev/null ||
  th_fail "GET /v1.44/version: expected ApiVersion 1.44, got: $body"
api GET /v1.99/version
expect_json_error GET /v1.99/version 400
api GET /v1.44/no-such-route
expect_json_error GET /v1.44/no-such-route 404
api GET /no-such-route
expect_json_error GET /no-such-route 404

echo "== clean shutdown"
th_expect_ok th_destroy h1
echo "PASS"
