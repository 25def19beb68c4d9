#!/usr/bin/env bash
# 50 concurrent `docker run -d` on one network get 50 distinct addresses, and
# 50 concurrent `rm -f` leave no veth, endpoint or nft map entry behind
# (issue 4). Prints the wall time of both bursts.
set -euo pipefail

here=$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)
# shellcheck source=SCRIPTDIR/../lib/testhost.sh
source "${BERTH_TESTHOST_SH:-$here/../lib/testhost.sh}"
th_require_berth

th_create h1
th_expect_ok "${BERTH_SOURCE_DIR:-$here/../..}/scripts/make-test-image" --host "unix://$(th_sock h1)"
mapfile -t client_env < <(th_env h1)
N=${N:-50}

burst() { # CLI N: N concurrent runs on network busy, each publishing an ephemeral port
  local bin=$1 n=$2 i pids=() rc=0
  for ((i = 0; i < n; i++)); do
    env "${client_env[@]}" "$bin" run -d --name "b$i" --network busy -p 80 alpine sleep 1d \
      >/dev/null 2>"$(th_dir h1)/run$i.err" &
    pids+=($!)
  done
  for i in "${!pids[@]}"; do
    wait "${pids[$i]}" || { rc=1; echo "run b$i: $(cat "$(th_dir h1)/run$i.err")" >&2; }
  done
  return $rc
}
remove_all() { # CLI N
  local bin=$1 n=$2 i pids=()
  for ((i = 0; i < n; i++)); do
    env "${client_env[@]}" "$bin" rm -f "b$i" >/dev/null &
    pids+=($!)
  done
  for p in "${pids[@]}"; do wait "$p"; done
}

th_expect_ok th_docker h1 network create busy
for cli in docker berth; do
  bin=$DOCKER_CLI
  n=$N
  if [[ $cli == berth ]]; then bin=$BERTH_CLI; n=20; fi
  echo "== $cli: $n concurrent runs"
  t0=$(date +%s.%N)
  burst "$bin" "$n" || th_fail "$cli: a concurrent run failed"
  t1=$(date +%s.%N)
  names=()
  for ((i = 0; i < n; i++)); do names+=("b$i"); done
  addrs=$(env "${client_env[@]}" "$bin" inspect -f '{{.NetworkSettings.Networks.busy.IPAddress}}' "${names[@]}")
  th_expect_eq "$cli: distinct addresses" "$n" "$(sort -u <<<"$addrs" | grep -c '^[0-9.]\+$')"
  ports=$(env "${client_env[@]}" "$bin" inspect -f '{{.Name}} {{.State.Status}} exit={{.State.ExitCode}} oom={{.State.OOMKilled}} err={{.State.Error}} {{json .NetworkSettings.Ports}}' "${names[@]}")
  if [[ $(grep -c '"HostPort":"[0-9]' <<<"$ports") != "$n" ]]; then
    th_fail "$cli: containers without their published port: $(grep -v HostPort <<<"$ports")"
  fi
  th_expect_eq "$cli: distinct host ports" "$n" "$(grep -o '"HostPort":"[0-9]*"' <<<"$ports" | sort -u | grep -c .)"
  entries=$(th_exec h1 nft list table inet berth | grep -cE '[0-9] : [0-9a-f:.]+ \. [0-9]+' || true)
  th_expect_eq "$cli: nft map entries" "$n" "$entries"
  echo "== $cli: $n concurrent rm -f"
  t2=$(date +%s.%N)
  remove_all "$bin" "$n"
  t3=$(date +%s.%N)
  printf '%s: %d runs in %.2f s, %d removals in %.2f s\n' "$cli" "$n" "$(bc <<<"$t1 - $t0")" "$n" "$(bc <<<"$t3 - $t2")"
  th_expect_out "" sh -c "ip -n $(th_netns h1) -o link show type veth | awk -F': ' '\$2 ~ /^veth/'"
  th_expect_out "{}" th_docker h1 network inspect -f '{{json .Containers}}' busy
  entries=$(th_exec h1 nft list table inet berth | grep -cE '[0-9] : [0-9a-f:.]+ \. [0-9]+' || true)
  th_expect_eq "$cli: nft map entries left behind" 0 "$entries"
done
th_expect_ok th_docker h1 network rm busy
echo "network_concurrency_test: OK"
