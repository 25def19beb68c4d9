#!/usr/bin/env bash
# The embedded DNS server (issue 5) on a real berthd in a test host, through
# the docker CLI and the berth CLI: the book's "ping c1 by name" on a user
# network, resolv.conf, aliases shared by several containers, "name.network"
# lookups and PTR, network scoping, the default bridge without names, a rename,
# and kill -9 restarts of berthd (names, renames and --dns upstreams survive).
set -euo pipefail

here=$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)
# shellcheck source=SCRIPTDIR/../lib/testhost.sh
source "${BERTH_TESTHOST_SH:-$here/../lib/testhost.sh}"
th_require_berth

th_create h1
th_expect_ok "${BERTH_SOURCE_DIR:-$here/../..}/scripts/make-test-image" --host "unix://$(th_sock h1)"
mapfile -t client_env < <(th_env h1)

for cli in docker berth; do
  bin=$DOCKER_CLI
  [[ $cli == docker ]] || bin=$BERTH_CLI
  c() { env "${client_env[@]}" "$bin" "$@"; }
  echo "== $cli: names on a user network"
  th_expect_ok c network create localnet
  th_expect_ok c network create othernet
  th_expect_ok c run -d --name c1 --network localnet alpine sleep 1d
  th_expect_ok c run -d --name c2 --network localnet alpine sleep 1d
  c1ip=$(c inspect -f '{{.NetworkSettings.Networks.localnet.IPAddress}}' c1)
  th_expect_match '^nameserver 127\.0\.0\.11$' c exec c2 cat /etc/resolv.conf
  th_expect_match '^options ndots:0' c exec c2 cat /etc/resolv.conf
  th_expect_match "1 packets received" c exec c2 ping -c1 -W2 c1
  th_expect_match "Address.*$c1ip" c exec c2 nslookup c1 127.0.0.11
  th_expect_match "Address.*$c1ip" c exec c2 nslookup "$(c inspect -f '{{.Id}}' c1 | cut -c1-12)"
  th_expect_match "Address.*$c1ip" c exec c2 nslookup C1
  # dockerd's "name.network" form, and its PTR answer.
  th_expect_match "1 packets received" c exec c2 ping -c1 -W2 c1.localnet
  th_expect_match "Address.*$c1ip" c exec c2 nslookup c1.localnet 127.0.0.11
  th_expect_match "Address.*$c1ip" c exec c2 nslookup C1.LocalNet. 127.0.0.11
  th_expect_match "name = c1\.localnet" c exec c2 nslookup "$c1ip" 127.0.0.11

  echo "== $cli: aliases shared by two containers"
  th_expect_ok c run -d --name w1 --network localnet --network-alias web alpine sleep 1d
  th_expect_ok c run -d --name w2 --network localnet --network-alias web alpine sleep 1d
  w1ip=$(c inspect -f '{{.NetworkSettings.Networks.localnet.IPAddress}}' w1)
  w2ip=$(c inspect -f '{{.NetworkSettings.Networks.localnet.IPAddress}}' w2)
  th_expect_ok c exec c2 nslookup web 127.0.0.11
  grep -q "$w1ip" <<<"$TH_OUT" && grep -q "$w2ip" <<<"$TH_OUT" ||
    th_fail "$cli: 'web' should resolve to both $w1ip and $w2ip, got: $TH_OUT"
  th_expect_ok c exec c2 nslookup web.localnet 127.0.0.11
  grep -q "$w1ip" <<<"$TH_OUT" && grep -q "$w2ip" <<<"$TH_OUT" ||
    th_fail "$cli: 'web.localnet' should resolve to both $w1ip and $w2ip, got: $TH_OUT"

  echo "== $cli: scoping"
  th_expect_ok c run -d --name o1 --network othernet alpine sleep 1d
  th_expect_fail c exec o1 nslookup c1 127.0.0.11
  th_expect_fail c exec o1 nslookup c1.localnet 127.0.0.11
  th_expect_fail c exec o1 nslookup c2.othernet 127.0.0.11
  th_expect_ok c network connect othernet c1
  th_expect_match "Address" c exec o1 nslookup c1 127.0.0.11
  th_expect_match "Address" c exec o1 nslookup c1.othernet 127.0.0.11
  th_expect_fail c exec o1 nslookup c1.localnet 127.0.0.11
  th_expect_ok c network disconnect othernet c1
  th_expect_fail c exec o1 nslookup c1 127.0.0.11
  th_expect_fail c exec o1 nslookup c1.othernet 127.0.0.11
  # The default bridge has no embedded DNS, as with dockerd.
  th_expect_ok c run -d --name b1 alpine sleep 1d
  th_expect_fail c exec b1 ping -c1 -W1 c1
  th_expect_fail c exec b1 grep -qx 'nameserver 127.0.0.11' /etc/resolv.conf
  # A removed container is gone from DNS at once.
  th_expect_ok c rm -f w2
  th_expect_ok c exec c2 nslookup web 127.0.0.11
  ! grep -q "$w2ip" <<<"$TH_OUT" || th_fail "$cli: removed w2 is still answered: $TH_OUT"

  echo "== $cli: rename"
  th_expect_ok c network connect othernet c1
  th_expect_ok c rename c1 c9
  th_expect_match "Address.*$c1ip" c exec c2 nslookup c9 127.0.0.11
  th_expect_match "Address.*$c1ip" c exec c2 nslookup c9.localnet 127.0.0.11
  th_expect_fail c exec c2 nslookup c1 127.0.0.11
  th_expect_fail c exec c2 nslookup c1.localnet 127.0.0.11
  th_expect_match "Address" c exec o1 nslookup c9 127.0.0.11
  th_expect_fail c exec o1 nslookup c1 127.0.0.11
  for net in localnet othernet; do
    th_expect_match '"c9"' c inspect -f "{{json .NetworkSettings.Networks.$net.DNSNames}}" c9
    ! grep -q '"c1"' <<<"$TH_OUT" || th_fail "$cli: inspect c9: DNSNames on $net still hold c1: $TH_OUT"
    th_expect_match '(^| )c9 ' c network inspect -f '{{range .Containers}}{{.Name}} {{end}}' $net
    ! grep -qw c1 <<<"$TH_OUT" || th_fail "$cli: network inspect $net still shows c1: $TH_OUT"
  done

  if [[ $cli == docker ]]; then
    echo "== kill -9 of berthd: names and the rename still answered"
    th_kill_daemon h1
    th_start_daemon h1
    th_expect_match "1 packets received" c exec c2 ping -c1 -W2 c9
    th_expect_match "1 packets received" c exec c2 ping -c1 -W2 c9.localnet
    th_expect_fail c exec c2 nslookup c1 127.0.0.11
    th_expect_match '(^| )c9 ' c network inspect -f '{{range .Containers}}{{.Name}} {{end}}' localnet
  fi

  th_expect_ok c rm -f c9 c2 w1 o1 b1
  th_expect_ok c network rm localnet othernet
done
echo "== upstreams: --dns, --dns-search, a dead first server, kill -9 restarts"
th_create_bare upstream
th_link_switch sw h1 upstream
upaddr=$(th_addr upstream)
th_exec upstream python3 "$here/fake_dns.py" "$upaddr" >/dev/null 2>&1 &
upstream_pid=$!
th_on_exit "kill $upstream_pid 2>/dev/null || true"
for cli in docker berth; do
  bin=$DOCKER_CLI
  [[ $cli == docker ]] || bin=$BERTH_CLI
  c() { env "${client_env[@]}" "$bin" "$@"; }
  th_expect_ok c network create upnet
  th_expect_ok c run -d --name q1 --network upnet --dns "$upaddr" --dns-search example.test alpine sleep 1d
  th_expect_match 'search example\.test' c exec q1 cat /etc/resolv.conf
  th_expect_match '10\.123\.0\.7' c exec q1 nslookup outside.example.test
  th_expect_match '10\.123\.0\.7' c exec q1 nslookup outside
  # After a crash of berthd, q1's resolver still forwards to q1's own --dns
  # (the daemon's upstreams, the test host's, cannot answer example.test).
  th_kill_daemon h1
  th_start_daemon h1
  th_expect_match '10\.123\.0\.7' c exec q1 nslookup after-restart.example.test
  th_expect_match '10\.123\.0\.7' c exec q1 nslookup outside
  # A dead first upstream (nothing listens at .99) must not make lookups slow.
  th_expect_ok c run -d --name q2 --network upnet --dns 10.99.1.99 --dns "$upaddr" alpine sleep 1d
  start=$(date +%s%N)
  th_expect_match '10\.123\.0\.7' c exec q2 nslookup outside.example.test
  for _ in 1 2 3; do th_expect_match '10\.123\.0\.7' c exec q2 nslookup again.example.test; done
  ms=$((($(date +%s%N) - start) / 1000000))
  echo "   4 lookups with a dead first upstream: $ms ms"
  ((ms < 4000)) || th_fail "$cli: 4 lookups with a dead first upstream took $ms ms"
  th_expect_ok c rm -f q1 q2
  th_expect_ok c network rm upnet
done
echo "dns_test: OK"
