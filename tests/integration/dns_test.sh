#!/usr/bin/env bash
# The embedded DNS server (issue 5) on a real berthd in a test host, through
# the docker CLI and the berth CLI: the book's "ping c1 by name" on a user
# network, resolv.conf, aliases shared by several containers, network scoping,
# the default bridge without names, and a kill -9 restart of berthd.
set -euo pipefail

here=$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)
BERTHD=${BERTHD:-}
if [[ -z "$BERTHD" || ! -x "$BERTHD" ]]; then
  echo "SKIP: berthd binary not found at '${BERTHD}' (set BERTHD or build the berthd target)"
  exit 77
fi
# shellcheck source=SCRIPTDIR/../lib/testhost.sh
source "${BERTH_TESTHOST_SH:-$here/../lib/testhost.sh}"
[[ -x "$DOCKER_CLI" ]] || th_fail "docker CLI not found at '$DOCKER_CLI'"
[[ -x "$BERTH_CLI" ]] || th_fail "berth CLI not found at '$BERTH_CLI'"

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

  echo "== $cli: aliases shared by two containers"
  th_expect_ok c run -d --name w1 --network localnet --network-alias web alpine sleep 1d
  th_expect_ok c run -d --name w2 --network localnet --network-alias web alpine sleep 1d
  w1ip=$(c inspect -f '{{.NetworkSettings.Networks.localnet.IPAddress}}' w1)
  w2ip=$(c inspect -f '{{.NetworkSettings.Networks.localnet.IPAddress}}' w2)
  th_expect_ok c exec c2 nslookup web 127.0.0.11
  grep -q "$w1ip" <<<"$TH_OUT" && grep -q "$w2ip" <<<"$TH_OUT" ||
    th_fail "$cli: 'web' should resolve to both $w1ip and $w2ip, got: $TH_OUT"

  echo "== $cli: scoping"
  th_expect_ok c run -d --name o1 --network othernet alpine sleep 1d
  th_expect_fail c exec o1 nslookup c1 127.0.0.11
  th_expect_ok c network connect othernet c1
  th_expect_match "Address" c exec o1 nslookup c1 127.0.0.11
  th_expect_ok c network disconnect othernet c1
  th_expect_fail c exec o1 nslookup c1 127.0.0.11
  # The default bridge has no embedded DNS, as with dockerd.
  th_expect_ok c run -d --name b1 alpine sleep 1d
  th_expect_fail c exec b1 ping -c1 -W1 c1
  th_expect_fail c exec b1 grep -qx 'nameserver 127.0.0.11' /etc/resolv.conf
  # A removed container is gone from DNS at once.
  th_expect_ok c rm -f w2
  th_expect_ok c exec c2 nslookup web 127.0.0.11
  ! grep -q "$w2ip" <<<"$TH_OUT" || th_fail "$cli: removed w2 is still answered: $TH_OUT"

  if [[ $cli == docker ]]; then
    echo "== kill -9 of berthd: names still answered"
    th_kill_daemon h1
    th_start_daemon h1
    th_expect_match "1 packets received" c exec c2 ping -c1 -W2 c1
  fi

  th_expect_ok c rm -f c1 c2 w1 o1 b1
  th_expect_ok c network rm localnet othernet
done
echo "dns_test: OK"
