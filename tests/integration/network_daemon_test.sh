#!/usr/bin/env bash
# The networking core across berthd starts (issue 4): the default bridge's
# subnet avoids the host's routes, daemon.json default-address-pools and bip,
# and a SIGTERM restart with half-finished state left behind (a container
# that died while berthd was down, a stray veth on a berth bridge).
set -euo pipefail

here=$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)
# shellcheck source=SCRIPTDIR/../lib/testhost.sh
source "${BERTH_TESTHOST_SH:-$here/../lib/testhost.sh}"
th_require_berth

subnet_of() { # HOST NETWORK
  th_docker "$1" network inspect -f '{{(index .IPAM.Config 0).Subnet}} {{(index .IPAM.Config 0).Gateway}}' "$2"
}

echo "== the default bridge avoids a host route in 172.17.0.0/16"
th_create_bare h2
th_exec h2 ip link add vx0 type veth peer name vx1
th_exec h2 ip addr add 172.17.5.1/24 dev vx0
th_exec h2 ip link set vx0 up
th_exec h2 ip link set vx1 up
th_start_daemon h2
th_expect_out "172.18.0.0/16 172.18.0.1" subnet_of h2 bridge
th_expect_match 'inet 172\.18\.0\.1/16' th_exec h2 ip addr show berth0
th_destroy h2

echo "== daemon.json: default-address-pools and bip"
th_create_bare h3
printf '%s\n' '{"default-address-pools":[{"base":"10.123.0.0/16","size":24}],"bip":"10.200.0.1/24"}' \
  >"$(th_dir h3)/daemon.json"
th_start_daemon h3
th_expect_out "10.200.0.0/24 10.200.0.1" subnet_of h3 bridge
th_expect_ok th_docker h3 network create pa
th_expect_ok th_berth h3 network create pb
th_expect_out "10.123.0.0/24 10.123.0.1" subnet_of h3 pa
th_expect_out "10.123.1.0/24 10.123.1.1" subnet_of h3 pb
th_expect_ok th_docker h3 network rm pa pb
th_destroy h3

echo "== SIGTERM restart with half-finished state"
th_create h1
th_expect_ok "${BERTH_SOURCE_DIR:-$here/../..}/scripts/make-test-image" --host "unix://$(th_sock h1)"
th_expect_ok th_docker h1 network create rs
rsid=$TH_OUT
th_expect_ok th_docker h1 run -d --name web --network rs -p 8090:80 nginx
th_expect_ok th_docker h1 run -d --name doomed --network rs -p 8091:80 nginx
th_expect_ok th_docker h1 run -d --name client --network rs alpine sleep 1d
doomed_ip=$(th_docker h1 inspect -f '{{.NetworkSettings.Networks.rs.IPAddress}}' doomed)
doomed_pid=$(th_docker h1 inspect -f '{{.State.Pid}}' doomed)
th_expect_ok th_stop_daemon h1
# While berthd is down: doomed's process dies, and a crash left a veth on the bridge.
kill -KILL "$doomed_pid"
th_exec h1 ip link add vethstray type veth peer name vethstray-p
th_exec h1 ip link set vethstray master "br-${rsid:0:12}"
th_start_daemon h1
th_expect_fail th_exec h1 ip link show vethstray
th_expect_match 'Welcome to berth' th_exec h1 timeout 5 busybox wget -qO- http://127.0.0.1:8090/
webip=$(th_docker h1 inspect -f '{{.NetworkSettings.Networks.rs.IPAddress}}' web)
th_expect_match 'Welcome to berth' th_docker h1 exec client timeout 5 wget -qO- "http://$webip/"
# berthd notices the dead container while restoring, maybe just after it answers.
for _ in $(seq 50); do
  [[ $(th_docker h1 inspect -f '{{.State.Running}}' doomed) == false ]] && break
  sleep 0.1
done
th_expect_match '^false$' th_docker h1 inspect -f '{{.State.Running}}' doomed
[[ $(th_exec h1 nft list table inet berth) != *"$doomed_ip . 80"* ]] ||
  th_fail "the dead container's port map entry survived the restart"
[[ $(th_docker h1 network inspect -f '{{json .Containers}}' rs) != *doomed* ]] ||
  th_fail "the dead container's endpoint survived the restart"
th_expect_ok th_docker h1 start doomed
th_expect_match 'Welcome to berth' th_exec h1 timeout 5 busybox wget -qO- http://127.0.0.1:8091/
th_expect_ok th_docker h1 rm -f web doomed client
th_expect_ok th_docker h1 network rm rs
th_expect_out "" sh -c "ip -n $(th_netns h1) -o link show type veth | awk -F': ' '\$2 ~ /^veth/'"
echo "network_daemon_test: OK"
