#!/usr/bin/env bash
# Containers on a real berthd in a test host, through the docker CLI and the
# berth CLI alike (issue 3's "done when"): run --rm leaves nothing behind, logs
# with both streams, --tail and --follow, bad input refused with nothing left,
# and five logging containers that live through a kill -9 of berthd.
set -euo pipefail

here=$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)
# shellcheck source=SCRIPTDIR/../lib/testhost.sh
source "${BERTH_TESTHOST_SH:-$here/../lib/testhost.sh}"
th_require_berth

th_create h1
dir=$(th_dir h1)
id=$(th_netns h1)
th_expect_ok "${BERTH_SOURCE_DIR:-$here/../..}/scripts/make-test-image" --host "unix://$(th_sock h1)"

# What a container may leave behind once removed: its overlay mounts (in
# berthd's mount namespace), its cgroups, its shim.
expect_nothing_left() { # WHAT
  local mnt_ns_pid
  mnt_ns_pid=$(th_pid h1)
  local mounts
  mounts=$(nsenter --mount="/proc/$mnt_ns_pid/ns/mnt" awk -v d="$dir/data/overlay/" \
    'index($2, d) == 1 { print $2 }' /proc/self/mounts)
  th_expect_eq "$1: overlay mounts left" "" "$mounts"
  local cgroups
  cgroups=$(find /sys/fs/cgroup -mindepth 2 -maxdepth 3 -type d -path "*/$id/*" 2>/dev/null || true)
  th_expect_eq "$1: container cgroups left" "" "$cgroups"
  local shims
  shims=$(pgrep -f "berth-shim .*$dir/" || true)
  th_expect_eq "$1: shims left" "" "$shims"
}

mapfile -t client_env < <(th_env h1)
for cli in docker berth; do
  bin=$DOCKER_CLI
  [[ $cli == docker ]] || bin=$BERTH_CLI
  c() { env "${client_env[@]}" "$bin" "$@"; }
  echo "== $cli: run --rm echo"
  th_expect_out hi c run --rm busybox echo hi
  th_expect_out "" c ps -aq
  expect_nothing_left "$cli run --rm"
  th_expect_out hello c run --rm -i busybox cat <<<hello
  th_run c run --rm busybox sh -c 'exit 3'
  th_expect_eq "$cli run exit status" 3 "$TH_RC"

  echo "== $cli: logs"
  th_expect_ok c run -d --name talker busybox sh -c 'echo out1; echo err1 >&2; echo out2; sleep 1; echo out3'
  th_expect_out 0 c wait talker
  th_expect_ok c logs talker
  th_expect_eq "$cli logs stdout" $'out1\nout2\nout3' "$TH_OUT"
  th_expect_eq "$cli logs stderr" err1 "$TH_ERR"
  th_expect_out out3 c logs --tail 1 talker
  th_expect_ok c rm talker
  # --follow returns once the container exits, with everything it wrote.
  th_expect_ok c run -d --name follower busybox sh -c 'for i in 1 2 3; do echo line$i; sleep 0.3; done'
  th_expect_out $'line1\nline2\nline3' timeout 20 env "${client_env[@]}" "$bin" logs --follow follower
  th_expect_ok c rm -f follower

  echo "== $cli: inspect, exec, stop"
  th_expect_ok c run -d --name idle -e FOO=bar -w /tmp -l team=net busybox sleep 1000
  th_expect_out "running true" c inspect -f '{{.State.Status}} {{.State.Running}}' idle
  th_expect_out "/tmp bar" c exec idle sh -c 'echo $(pwd) $FOO'
  th_expect_out idle c ps --filter label=team=net --format '{{.Names}}'
  th_expect_ok c stop -t 1 idle
  th_expect_out "exited 137" c inspect -f '{{.State.Status}} {{.State.ExitCode}}' idle

  echo "== $cli: bad input changes nothing"
  th_expect_fail_match 'already in use' c create --name idle busybox true
  th_expect_fail_match '[Nn]o such image|pull access denied' c run --rm nosuchimage true
  th_expect_fail_match 'restart' c create --restart sometimes busybox true
  th_expect_fail c create -m lots busybox true
  th_expect_fail c create --cpus abc busybox true
  th_expect_fail_match 'absolute' c create -w relative/dir busybox true
  th_expect_fail_match 'is not running' c exec idle true
  th_expect_out idle c ps -a --format '{{.Names}}'
  th_expect_ok c rm idle
  expect_nothing_left "$cli after stop and rm"
done

echo "== kill -9 of berthd with five containers running and logging"
for i in 1 2 3 4 5; do
  th_expect_ok th_docker h1 run -d --name "logger$i" busybox \
    sh -c 'i=0; trap "exit 0" TERM; while true; do i=$((i+1)); echo $i; sleep 0.1; done'
done
sleep 1
th_kill_daemon h1
sleep 1 # they keep logging while no berthd runs
th_start_daemon h1
th_expect_out $'running\nrunning\nrunning\nrunning\nrunning' \
  th_docker h1 inspect -f '{{.State.Status}}' logger1 logger2 logger3 logger4 logger5
sleep 0.5
for i in 1 2 3 4 5; do
  th_expect_ok th_docker h1 logs "logger$i"
  # Continuous: every number from 1 up, none missing, across the restart.
  n=$(wc -l <<<"$TH_OUT")
  ((n >= 20)) || th_fail "logger$i: only $n log lines after 2.5 s"
  th_expect_eq "logger$i log lines" "$(seq 1 "$n")" "$TH_OUT"
done
th_expect_out logger3 th_berth h1 stop -t 5 logger3
th_expect_out "exited 0" th_docker h1 inspect -f '{{.State.Status}} {{.State.ExitCode}}' logger3
th_expect_ok th_docker h1 rm -f logger1 logger2 logger3 logger4 logger5
expect_nothing_left "after the restart"

echo "== events (kept in memory, as dockerd's: only those since the restart)"
sleep 1.1 # the CLI sends --until in whole seconds
th_expect_ok timeout 20 env "${client_env[@]}" "$DOCKER_CLI" events --since 5m --until 0s \
  --filter container=logger3 --format '{{.Action}}'
for action in kill die stop destroy; do
  grep -qx "$action" <<<"$TH_OUT" || th_fail "events: no '$action' for logger3 in: $TH_OUT"
done
echo "containers_test: OK"
