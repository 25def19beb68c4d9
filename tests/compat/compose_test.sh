#!/usr/bin/env bash
# shellcheck disable=SC2016  # single-quoted $VARs expand in the container or in dsh's bash
# compat_compose: Debian's docker-compose (1.29) brings up a three-service
# project on berthd in a test host in compose's default form: the project's
# <project>_default network plus an explicit user network, a published port
# reached from the test host, depends_on ordering; then logs, ps, port, stop /
# start and down, which must leave no container and no network behind. A named
# volume shared by two services joins in once berthd has volumes (issue 7);
# until then that part is skipped with a message.
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
d() { th_docker h1 "$@"; }

# docker-py (inside compose) sends query parameters dockerd ignores and berthd
# once refused (trunc_cmd on every GET /containers/json); compose failed at
# once then. Kept as a check so the regression is named if it comes back.
reply=$(curl -s --unix-socket "$dir/berth.sock" 'http://berth/v1.44/containers/json?trunc_cmd=0')
if [[ $reply == *"unknown query parameter"* ]]; then
  th_fail "GET /containers/json?trunc_cmd=0: berthd refuses a query parameter dockerd ignores: $reply"
fi

# compose 1.29 creates each container on its first network, then disconnects
# the created (not yet started) container from each of its networks and
# connects it again with the service's aliases. dockerd takes that; if berthd
# refuses it, `up` cannot work at all: say so and skip (77) rather than fail
# on every later line.
th_expect_ok d network create probe-net
th_expect_ok d create --name probe-created --network probe-net busybox true
th_run d network disconnect probe-net probe-created
probe_rc=$TH_RC probe_err=$TH_ERR
th_expect_ok d rm -f probe-created
th_expect_ok d network rm probe-net
if ((probe_rc != 0)); then
  echo "KNOWN GAP: docker network disconnect of a created container from its network fails: $probe_err"
  echo "SKIP: docker-compose up cannot attach services to networks on this berthd until that is fixed"
  exit 77
fi

# Named volumes come with issue 7: the volume part runs once `docker volume ls` works.
volumes=0
if d volume ls >/dev/null 2>&1; then
  volumes=1
else
  echo "SKIP volume part: not implemented yet (docker volume ls fails against berthd)"
fi

# web publishes 8080 and sits on both networks; greeter depends on web (on the
# default network), worker on the user network front only.
{
  cat <<'YAML'
version: "3.8"
services:
  web:
    image: nginx:latest
    ports:
      - "8080:80"
    networks:
      - default
      - front
  greeter:
    image: busybox:latest
    command: sh -c 'echo hello; exec sleep 1000'
    depends_on:
      - web
    labels:
      suite: compat
YAML
  ((volumes)) && cat <<'YAML'
    volumes:
      - data:/data
YAML
  cat <<'YAML'
  worker:
    image: busybox:latest
    command: sleep 1000
    depends_on:
      - greeter
    environment:
      ROLE: worker
    networks:
      - front
YAML
  ((volumes)) && cat <<'YAML'
    volumes:
      - data:/shared
volumes:
  data: {}
YAML
  cat <<'YAML'
networks:
  front: {}
YAML
} >"$project/docker-compose.yml"

# c ARGS...: docker-compose in the project dir, pointed at h1.
c() {
  (cd "$project" && env DOCKER_HOST="unix://$dir/berth.sock" DOCKER_CONFIG="$dir/docker-config" \
    COMPOSE_INTERACTIVE_NO_CLI=1 "$compose" -p compat --no-ansi "$@")
}
# started NAME: the container's State.StartedAt in nanoseconds since the epoch.
started() {
  date -d "$(d inspect --format '{{.State.StartedAt}}' "$1")" +%s%N
}

section "docker-compose up -d: networks, containers, depends_on"
th_expect_ok c up -d
th_run d ps -a --filter label=com.docker.compose.project=compat --format '{{.Names}} {{.State}}'
th_expect_eq "compose containers (sorted)" \
  $'compat_greeter_1 running\ncompat_web_1 running\ncompat_worker_1 running' "$(sort <<<"$TH_OUT")"
th_run d network ls --filter label=com.docker.compose.project=compat --format '{{.Name}} {{.Driver}}'
th_expect_eq "compose networks (sorted)" $'compat_default bridge\ncompat_front bridge' "$(sort <<<"$TH_OUT")"
th_expect_out "compat default" d network inspect --format \
  '{{index .Labels "com.docker.compose.project"}} {{index .Labels "com.docker.compose.network"}}' compat_default
th_expect_out "compat greeter compat_default compat" d inspect --format \
  '{{index .Config.Labels "com.docker.compose.project"}} {{index .Config.Labels "com.docker.compose.service"}} {{.HostConfig.NetworkMode}} {{.Config.Labels.suite}}' \
  compat_greeter_1
th_expect_ok d inspect --format '{{json .NetworkSettings.Networks}}' compat_web_1
expect_json "web: Networks keys" 'keys' '["compat_default","compat_front"]' "$TH_OUT"
expect_json "web: compose's service alias on compat_default" '.compat_default.Aliases | index("web") != null' 'true' "$TH_OUT"
web_ip=$(jq -r '.compat_default.IPAddress' <<<"$TH_OUT")
web_front_ip=$(jq -r '.compat_front.IPAddress' <<<"$TH_OUT")
th_expect_ok d inspect --format '{{json .NetworkSettings.Networks}}' compat_worker_1
expect_json "worker: Networks keys" 'keys' '["compat_front"]' "$TH_OUT"
th_expect_out worker d exec compat_worker_1 sh -c 'echo $ROLE'
# depends_on: compose starts web, then greeter, then worker.
web_t=$(started compat_web_1)
greeter_t=$(started compat_greeter_1)
worker_t=$(started compat_worker_1)
((web_t <= greeter_t && greeter_t <= worker_t)) ||
  th_fail "depends_on: expected StartedAt web <= greeter <= worker, got $web_t, $greeter_t, $worker_t"

section "published port and the two networks"
th_expect_out "0.0.0.0:8080" c port web 80
th_expect_out "80/tcp -> 0.0.0.0:8080" d port compat_web_1
th_expect_match 'Welcome to berth' th_exec h1 timeout 5 busybox wget -qO- http://127.0.0.1:8080/
th_expect_match 'Welcome to berth' d exec compat_greeter_1 timeout 5 wget -qO- "http://$web_ip/"
th_expect_match 'Welcome to berth' d exec compat_worker_1 timeout 5 wget -qO- "http://$web_front_ip/"
# greeter (default only) and worker (front only) are on different networks.
worker_ip=$(d inspect --format '{{.NetworkSettings.Networks.compat_front.IPAddress}}' compat_worker_1)
th_expect_fail d exec compat_greeter_1 ping -c1 -W1 "$worker_ip"

if ((volumes)); then
  section "named volume shared by greeter and worker"
  th_expect_match '^compat_data$' d volume ls --format '{{.Name}}'
  th_expect_out "compat data" d volume inspect --format \
    '{{index .Labels "com.docker.compose.project"}} {{index .Labels "com.docker.compose.volume"}}' compat_data
  th_expect_ok d exec compat_greeter_1 sh -c 'echo shared >/data/note'
  th_expect_out shared d exec compat_worker_1 cat /shared/note
fi

section "docker-compose ps, logs"
th_expect_ok c ps
expect_header "Name|Command|State|Ports" printf '%s\n' "$TH_OUT"
grep -Eq '^compat_greeter_1 .* Up' <<<"$TH_OUT" || th_fail "compose ps: no running compat_greeter_1 in: $TH_OUT"
grep -Eq '^compat_worker_1 .* Up' <<<"$TH_OUT" || th_fail "compose ps: no running compat_worker_1 in: $TH_OUT"
grep -Eq '^compat_web_1 .* Up +0\.0\.0\.0:8080->80/tcp' <<<"$TH_OUT" ||
  th_fail "compose ps: no running compat_web_1 with 0.0.0.0:8080->80/tcp in: $TH_OUT"
th_expect_ok c ps --services
th_expect_eq "compose ps --services" $'greeter\nweb\nworker' "$(sort <<<"$TH_OUT")"
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
th_expect_ok d inspect --format '{{json .NetworkSettings.Networks}}' compat_worker_1
expect_json "worker: Networks keys after stop/start" 'keys' '["compat_front"]' "$TH_OUT"
if ((volumes)); then
  th_expect_ok c down -t 1 -v
  th_expect_out "" d volume ls -q --filter label=com.docker.compose.project=compat
else
  th_expect_ok c down -t 1
fi
th_expect_out "" d ps -aq --filter label=com.docker.compose.project=compat
th_expect_out "" d ps -aq
th_expect_out "" d network ls -q --filter label=com.docker.compose.project=compat
th_expect_ok d network ls --format '{{.Name}}'
th_expect_eq "networks after down (sorted)" $'bridge\nhost\nnone' "$(sort <<<"$TH_OUT")"
th_expect_fail th_exec h1 timeout 2 busybox wget -qO- http://127.0.0.1:8080/
echo "compat_compose: OK"
