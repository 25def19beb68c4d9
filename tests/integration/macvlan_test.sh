#!/usr/bin/env bash
# The macvlan driver on a real berthd in a test host, through the docker CLI
# and the berth CLI (issue 6): the book's macvlan100 scenario with a veth as
# the parent whose far end is in a bare test host "vlan100" holding the
# system 10.0.0.2; a second network on a second parent beside it; an
# internal-only network (no parent); connect/disconnect; bad input changing
# nothing; the VLAN sub-interface path (skipped down to its error message
# where the kernel has no 8021q); a kill -9 of berthd; `network rm` removing
# everything berth made.
#
# `macvlan_test.sh ipvlan` runs the same scenario with the ipvlan driver and
# exits 77 when the kernel has no ipvlan (after checking the message and that
# nothing was created).
set -euo pipefail

here=$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)
BERTHD=${BERTHD:-}
if [[ -z "$BERTHD" || ! -x "$BERTHD" ]]; then
  echo "SKIP: berthd binary not found at '${BERTHD}' (set BERTHD or build the berthd target)"
  exit 77
fi
driver=${1:-macvlan}
[[ $driver == macvlan || $driver == ipvlan ]] || { echo "usage: $0 [macvlan|ipvlan]" >&2; exit 2; }
# shellcheck source=SCRIPTDIR/../lib/testhost.sh
source "${BERTH_TESTHOST_SH:-$here/../lib/testhost.sh}"
[[ -x "$DOCKER_CLI" ]] || th_fail "docker CLI not found at '$DOCKER_CLI'"
[[ -x "$BERTH_CLI" ]] || th_fail "berth CLI not found at '$BERTH_CLI'"

th_create h1
th_create_bare vlan100
th_create_bare vlan200
h1ns=$(th_netns h1)
# The parents: eth0 and eth1 of h1, each a veth whose far end (eth0) is in a
# bare host holding one system of the segment; eth2 a spare parent.
parent_to() { # IFACE HOST CIDR
  ip -n "$h1ns" link add "$1" type veth peer name eth0 netns "$(th_netns "$2")"
  ip -n "$h1ns" link set "$1" up
  ip -n "$(th_netns "$2")" addr add "$3" dev eth0
  ip -n "$(th_netns "$2")" link set eth0 up
}
parent_to eth0 vlan100 10.0.0.2/24
parent_to eth1 vlan200 10.0.1.2/24
ip -n "$h1ns" link add eth2 type veth peer name eth2p
th_expect_ok "${BERTH_SOURCE_DIR:-$here/../..}/scripts/make-test-image" --host "unix://$(th_sock h1)"
mapfile -t client_env < <(th_env h1)

links() { ip -n "$h1ns" -o link show | awk -F': ' '{ sub(/@.*/, "", $2); print $2 }' | sort; }
nets() { th_docker h1 network ls --format '{{.Name}}' | sort; }
mode_opt=macvlan_mode
[[ $driver == macvlan ]] || mode_opt=ipvlan_mode

if [[ $driver == ipvlan ]]; then
  before_links=$(links)
  th_run th_docker h1 network create -d ipvlan --subnet 10.0.0.0/24 --gateway 10.0.0.1 \
    -o parent=eth0 ipvlan100
  if ((TH_RC != 0)); then
    why=$TH_ERR
    grep -q 'kernel module ipvlan not available' <<<"$why" ||
      th__report "expected the missing ipvlan module to be named"
    th_expect_eq "links after the refused ipvlan network" "$before_links" "$(links)"
    th_expect_out $'bridge\nhost\nnone' nets
    echo "SKIP: this kernel has no ipvlan ($why)"
    exit 77
  fi
  th_expect_ok th_docker h1 network rm ipvlan100
fi

initial_links=$(links)
for cli in docker berth; do
  bin=$DOCKER_CLI
  [[ $cli == docker ]] || bin=$BERTH_CLI
  c() { env "${client_env[@]}" "$bin" "$@"; }
  ipof() { c inspect -f "{{(index .NetworkSettings.Networks \"$2\").IPAddress}}" "$1"; }
  macof() { c inspect -f "{{(index .NetworkSettings.Networks \"$2\").MacAddress}}" "$1"; }

  echo "== $cli: $driver macvlan100 (the book's scenario)"
  th_expect_ok c network create -d "$driver" --subnet 10.0.0.0/24 --ip-range 10.0.0.128/25 \
    --gateway 10.0.0.1 -o parent=eth0 macvlan100
  th_expect_match 'cannot reach' c network inspect macvlan100 \
    --format '{{index .Options "com.berth.host_access"}}'
  th_expect_out "$initial_links" links  # nothing on the host until a container joins
  th_expect_ok c run -d --name mactainer1 --network macvlan100 busybox sleep 1d
  ip1=$(ipof mactainer1 macvlan100)
  if ! [[ $ip1 =~ ^10\.0\.0\.([0-9]+)$ ]] || ((BASH_REMATCH[1] < 128)); then
    th_fail "$cli: mactainer1's address '$ip1' is not in the ip-range 10.0.0.128/25"
  fi
  mac1=$(macof mactainer1 macvlan100)
  if [[ $driver == macvlan ]]; then
    th_expect_eq "$cli: mactainer1's MAC" "02:42:0a:00:00:$(printf '%02x' "${ip1##*.}")" "$mac1"
  fi
  th_expect_match '1 packets received' c exec mactainer1 ping -c1 -W2 10.0.0.2
  th_expect_ok th_ping vlan100 "$ip1"
  th_expect_match "lladdr $mac1" th_exec vlan100 ip neigh show "$ip1"
  th_expect_out "default via 10.0.0.1 dev eth0" \
    sh -c "env ${client_env[*]} $bin exec mactainer1 ip route | grep default | sed 's/ *$//'"
  th_expect_out "$initial_links" links  # the container's link never shows up on the host

  echo "== $cli: a sibling on the same parent, a second network on a second parent"
  th_expect_ok c run -d --name mactainer3 --network macvlan100 busybox sleep 1d
  th_expect_match '1 packets received' c exec mactainer3 ping -c1 -W2 "$ip1"
  # The system's address is an aux-address: IPAM never hands it out.
  th_expect_ok c network create -d "$driver" --subnet 10.0.1.0/24 --gateway 10.0.1.1 \
    --aux-address system=10.0.1.2 -o parent=eth1 -o "$mode_opt=$([[ $driver == macvlan ]] && echo private || echo l2)" macvlan200
  th_expect_ok c run -d --name mactainer2 --network macvlan200 busybox sleep 1d
  ip2=$(ipof mactainer2 macvlan200)
  [[ $ip2 != 10.0.1.2 ]] || th_fail "$cli: the aux-address was handed out"
  th_expect_match '1 packets received' c exec mactainer2 ping -c1 -W2 10.0.1.2
  th_expect_ok th_ping vlan200 "$ip2"
  th_expect_match "lladdr $(macof mactainer2 macvlan200)" th_exec vlan200 ip neigh show "$ip2"
  th_expect_fail c exec mactainer2 ping -c1 -W1 10.0.0.2  # another segment, no router

  echo "== $cli: connect and disconnect"
  th_expect_ok c network connect macvlan200 mactainer1
  th_expect_ok c exec mactainer1 ip link show eth1
  th_expect_match '1 packets received' c exec mactainer1 ping -c1 -W2 10.0.1.2
  th_expect_ok c network disconnect macvlan200 mactainer1
  th_expect_fail c exec mactainer1 ip link show eth1
  th_expect_fail c exec mactainer1 ping -c1 -W1 10.0.1.2

  echo "== $cli: internal-only (no parent)"
  th_expect_ok c network create -d "$driver" --subnet 10.0.9.0/24 inner
  innerid=$TH_OUT
  th_expect_out true c network inspect inner --format '{{.Internal}}'
  th_expect_ok th_exec h1 ip link show "dm-${innerid:0:12}"
  th_expect_ok c run -d --name in1 --network inner busybox sleep 1d
  th_expect_ok c run -d --name in2 --network inner busybox sleep 1d
  th_expect_match '1 packets received' c exec in2 ping -c1 -W2 "$(ipof in1 inner)"
  th_expect_out "" sh -c "env ${client_env[*]} $bin exec in1 ip route | grep default || true"

  echo "== $cli: bad input creates nothing"
  before_links=$(links)
  before_nets=$(nets)
  th_run c network create -d "$driver" --subnet 10.0.2.0/24 -o parent=eth0.100 vlan100net
  if ((TH_RC != 0)); then
    grep -q 'kernel module 8021q not available' <<<"$TH_ERR" ||
      th__report "expected the missing 8021q module to be named"
    echo "   (no 8021q on this kernel: the trunk part is skipped)"
  else
    # A kernel with 8021q: two VLANs of one trunk side by side, removed with their networks.
    th_expect_ok th_exec h1 ip -d link show eth0.100
    th_expect_ok c network create -d "$driver" --subnet 10.0.3.0/24 -o parent=eth0.200 vlan200net
    th_expect_ok c network rm vlan100net vlan200net
    th_expect_fail th_exec h1 ip link show eth0.100
    th_expect_fail th_exec h1 ip link show eth0.200
  fi
  th_expect_fail_match 'parent interface was not found on the host: nosuch0' \
    c network create -d "$driver" --subnet 10.0.4.0/24 -o parent=nosuch0 badnet
  th_expect_fail_match 'already using parent interface eth0' \
    c network create -d "$driver" --subnet 10.0.5.0/24 -o parent=eth0 badnet
  th_expect_fail_match 'overlaps' \
    c network create -d "$driver" --subnet 10.0.0.0/25 -o parent=eth2 badnet
  th_expect_fail_match 'not inside|no matching subnet' \
    c network create -d "$driver" --subnet 10.0.6.0/24 --ip-range 10.0.7.0/25 -o parent=eth2 badnet
  th_expect_fail_match "$mode_opt" \
    c network create -d "$driver" --subnet 10.0.6.0/24 -o "$mode_opt=bogus" -o parent=eth2 badnet
  th_expect_fail_match 'set by berth' \
    c network create -d "$driver" --subnet 10.0.6.0/24 -o com.berth.created_parent=true \
    -o parent=eth2 badnet
  th_expect_eq "$cli: links after bad input" "$before_links" "$(links)"
  th_expect_eq "$cli: networks after bad input" "$before_nets" "$(nets)"
  # The spare parent is free: the failures above did not keep it claimed.
  th_expect_ok c network create -d "$driver" --subnet 10.0.6.0/24 -o parent=eth2 spare
  th_expect_ok c network rm spare

  if [[ $cli == docker ]]; then
    echo "== kill -9 of berthd: the networks and their containers live on"
    th_kill_daemon h1
    th_start_daemon h1
    th_expect_match '1 packets received' c exec mactainer1 ping -c1 -W2 10.0.0.2
    th_expect_ok th_ping vlan100 "$ip1"
    th_expect_fail_match 'already using parent interface eth1' \
      c network create -d "$driver" --subnet 10.0.5.0/24 -o parent=eth1 badnet
    th_expect_ok c run -d --name mactainer4 --network macvlan100 busybox sleep 1d
    [[ $(ipof mactainer4 macvlan100) != "$ip1" ]] || th_fail "address handed out twice"
    th_expect_ok c rm -f mactainer4
  fi

  echo "== $cli: teardown"
  th_expect_fail_match 'active endpoints' c network rm macvlan100
  th_expect_ok c rm -f mactainer1 mactainer2 mactainer3 in1 in2
  th_expect_ok c network rm macvlan100 macvlan200 inner
  th_expect_eq "$cli: links after network rm" "$initial_links" "$(links)"
  th_expect_out $'bridge\nhost\nnone' nets
done
echo "PASS: $driver"
