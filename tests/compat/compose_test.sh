#!/usr/bin/env bash
# shellcheck disable=SC2016  # single-quoted $VARs expand in the container or in dsh's bash
# compat_compose: Debian's docker-compose (1.29) brings up a two-service
# project on berthd in a test host, shows its logs and ps, and tears it down.
# Until bridge networking lands both services use network_mode: none (compose
# would otherwise create <project>_default with the bridge driver); what to
# turn on then is listed in docs/compat.md.
set -euo pipefail

here=$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)
compose=$(command -v docker-compose || true)
if [[ -z "$compose" ]]; then
  echo "SKIP: docker-compose is missing: install Debian's docker-compose"
  exit 77
fi
BERTHD=${BERTHD:-}
if [[ -z "$BERTHD" || ! -x "$BERTHD" ]]; then
  echo "SKIP: berthd binary not found at '${BERTHD}' (set BERTHD or build the berthd target)"
  exit 77
fi
# shellcheck source=SCRIPTDIR/../lib/testhost.sh
source "${BERTH_TESTHOST_SH:-$here/../lib/testhost.sh}"
# shellcheck source=SCRIPTDIR/compat_lib.sh
source "$here/compat_lib.sh"

th_create h1
th_expect_ok "${BERTH_SOURCE_DIR:-$here/../..}/scripts/make-test-image" --host "unix://$(th_sock h1)"
dir=$(th_dir h1)
project=$dir/project
mkdir -p "$project"
cat >"$project/docker-compose.yml" <<'YAML'
version: "3.8"
services:
  greeter:
    image: busybox:latest
    command: sh -c 'echo hello; exec sleep 1000'
    network_mode: none
    labels:
      suite: compat
  worker:
    image: busybox:latest
    command: sleep 1000
    network_mode: none
    environment:
      ROLE: worker
YAML

# Known gap: berthd refuses query parameters it does not know, and docker-py
# (inside compose) sends trunc_cmd on every GET /containers/json. Until berthd
# ignores them as dockerd does, a proxy drops them and the suite says so.
host_sock=$dir/berth.sock
reply=$(curl -s --unix-socket "$host_sock" 'http://berth/v1.44/containers/json?trunc_cmd=0')
if [[ $reply == *"unknown query parameter"* ]]; then
  echo "KNOWN GAP: GET /containers/json refuses trunc_cmd ($reply); going through tests/compat/gap_proxy.py"
  python=/usr/bin/python3
  [[ -x $python ]] || python=python3
  "$python" "$here/gap_proxy.py" "$dir/gap.sock" "$host_sock" "$dir/gaps.log" trunc_cmd only_ids &
  proxy_pid=$!
  th_on_exit "kill $proxy_pid 2>/dev/null; wait $proxy_pid 2>/dev/null; [[ ! -s '$dir/gaps.log' ]] || sort '$dir/gaps.log' | uniq -c"
  for _ in $(seq 50); do
    [[ -S $dir/gap.sock ]] && break
    sleep 0.1
  done
  host_sock=$dir/gap.sock
fi

# c ARGS...: docker-compose in the project dir, pointed at h1.
c() {
  (cd "$project" && env DOCKER_HOST="unix://$host_sock" DOCKER_CONFIG="$dir/docker-config" \
    COMPOSE_INTERACTIVE_NO_CLI=1 "$compose" -p compat --no-ansi "$@")
}
d() { th_docker h1 "$@"; }

section "docker-compose up -d"
th_expect_ok c up -d
th_run d ps -a --filter label=com.docker.compose.project=compat --format '{{.Names}} {{.State}}'
th_expect_eq "compose containers (sorted)" $'compat_greeter_1 running\ncompat_worker_1 running' "$(sort <<<"$TH_OUT")"
th_expect_out "compat greeter none compat" d inspect --format \
  '{{index .Config.Labels "com.docker.compose.project"}} {{index .Config.Labels "com.docker.compose.service"}} {{.HostConfig.NetworkMode}} {{.Config.Labels.suite}}' \
  compat_greeter_1
th_expect_out worker d exec compat_worker_1 sh -c 'echo $ROLE'

section "docker-compose ps, logs"
th_expect_ok c ps
expect_header "Name|Command|State|Ports" printf '%s\n' "$TH_OUT"
grep -Eq '^compat_greeter_1 .* Up' <<<"$TH_OUT" || th_fail "compose ps: no running compat_greeter_1 in: $TH_OUT"
grep -Eq '^compat_worker_1 .* Up' <<<"$TH_OUT" || th_fail "compose ps: no running compat_worker_1 in: $TH_OUT"
th_expect_ok c ps --services
th_expect_eq "compose ps --services" $'greeter\nworker' "$(sort <<<"$TH_OUT")"
# The log line may need a moment to reach the log file.
for _ in $(seq 50); do
  th_run c logs --no-color greeter
  grep -q 'hello' <<<"$TH_OUT" && break
  sleep 0.1
done
th_expect_match '^greeter_1 +\| hello$' c logs --no-color greeter

section "docker-compose stop, start, down"
th_expect_ok c stop -t 1 worker
th_expect_out exited d inspect --format '{{.State.Status}}' compat_worker_1
th_expect_ok c start worker
th_expect_out running d inspect --format '{{.State.Status}}' compat_worker_1
th_expect_ok c down -t 1
th_expect_out "" d ps -aq --filter label=com.docker.compose.project=compat
th_expect_out "" d ps -aq
echo "compat_compose: OK"
