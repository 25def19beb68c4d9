#!/usr/bin/env bash
# More of the networking core (issue 4) on a real berthd in a test host,
# through the docker CLI and the berth CLI: IPv6 and dual-stack networks,
# --internal, bridge driver options (name, mtu, masquerade, host binding,
# icc), static addresses with ip-range/aux/gateway, aliases,
# --network container:NAME, and what a container's stop and start do to its
# endpoints, veths and published ports.
set -euo pipefail

here=$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)
# shellcheck source=SCRIPTDIR/../lib/testhost.sh
source "${BERTH_TESTHOST_SH:-$here/../lib/testhost.sh}"
th_require_berth

th_create h1
th_create_bare remote
th_link_switch sw h1 remote
h1addr=$(th_addr h1)
th_expect_ok "${BERTH_SOURCE_DIR:-$here/../..}/scripts/make-test-image" --host "unix://$(th_sock h1)"
mapfile -t client_env < <(th_env h1)

fetch_from() { # HOST URL: the page, from inside test host HOST
  th_exec "$1" timeout 5 busybox wget -qO- "$2"
}
table() { th_exec h1 nft list table inet berth; }
veths() { th_exec h1 ip -o link show type veth | grep -c . || true; }
# Elements of the DNAT maps ("tcp . 8080 : 172.18.0.2 . 80"), not their type lines.
map_entries() { table | grep -cE '[0-9] : [0-9a-f:.]+ \. [0-9]+' || true; }
no_icc=""

for cli in docker berth; do
  bin=$DOCKER_CLI
  [[ $cli == docker ]] || bin=$BERTH_CLI
  c() { env "${client_env[@]}" "$bin" "$@"; }
  ip_of() { c inspect -f "{{(index .NetworkSettings.Networks \"$2\").IPAddress}}" "$1"; }
  ip6_of() { c inspect -f "{{(index .NetworkSettings.Networks \"$2\").GlobalIPv6Address}}" "$1"; }
  n=1
  [[ $cli == docker ]] || n=2

  echo "== $cli: IPv6"
  th_expect_ok c network create --ipv6 --subnet "fd00:$n::/64" v6net
  th_expect_match '^true$' c network inspect -f '{{.EnableIPv6}}' v6net
  th_expect_ok c run -d --name a1 --network v6net alpine sleep 1d
  th_expect_ok c run -d --name a2 --network v6net -p 8080:80 nginx
  a1v6=$(ip6_of a1 v6net)
  [[ $a1v6 == fd00:$n::* ]] || th_fail "$cli: a1 has no IPv6 address on v6net: '$a1v6'"
  [[ $(ip_of a1 v6net) =~ ^[0-9.]+$ ]] || th_fail "$cli: a1 has no IPv4 address on v6net"
  th_expect_match "default via fd00:$n::1 dev eth0" c exec a1 ip -6 route
  th_expect_match '1 packets received' c exec a2 ping6 -c1 -W2 "$a1v6"
  th_expect_match 'Welcome to berth' fetch_from remote "http://$h1addr:8080/"
  th_expect_ok c network create --subnet "10.8$n.0.0/24" --subnet "fd00:8$n::/64" dual
  th_expect_out "10.8$n.0.0/24 fd00:8$n::/64 true" \
    c network inspect -f '{{range .IPAM.Config}}{{.Subnet}} {{end}}{{.EnableIPv6}}' dual

  echo "== $cli: stop releases the endpoint, start brings it back"
  a2ip=$(ip_of a2 v6net)
  before=$(veths)
  th_expect_ok c stop -t 1 a2
  table_now=$(table)
  [[ $table_now != *"$a2ip . 80"* ]] || th_fail "$cli: a stopped container keeps its port map entry"
  th_expect_eq "$cli: veths after stop" "$((before - 1))" "$(veths)"
  [[ $(c network inspect -f '{{json .Containers}}' v6net) != *'"a2"'* ]] ||
    th_fail "$cli: a stopped container keeps its endpoint"
  th_expect_ok c start a2
  th_expect_eq "$cli: veths after start" "$before" "$(veths)"
  th_expect_match 'Welcome to berth' fetch_from remote "http://$h1addr:8080/"
  th_expect_match 'a2' c network inspect -f '{{json .Containers}}' v6net

  echo "== $cli: --internal"
  th_expect_ok c network create --internal intnet
  intid=$TH_OUT
  th_expect_ok c run -d --name i1 --network intnet alpine sleep 1d
  th_expect_ok c run -d --name i2 --network intnet -p 8081:80 nginx
  th_expect_out "" sh -c "env ${client_env[*]} $bin exec i1 ip route | grep default || true"
  th_expect_match '1 packets received' c exec i2 ping -c1 -W2 "$(ip_of i1 intnet)"
  th_expect_fail fetch_from remote "http://$h1addr:8081/"
  [[ $(table) != *"tcp . 8081"* ]] || th_fail "$cli: an internal network published a port"
  intsub=$(c network inspect -f '{{(index .IPAM.Config 0).Subnet}}' intnet)
  [[ $(table) != *"ip saddr $intsub masquerade"* ]] || th_fail "$cli: an internal network is masqueraded"
  th_expect_match "oifname \"br-${intid:0:12}\" iifname != \"br-${intid:0:12}\" drop" table

  echo "== $cli: bridge options"
  th_expect_ok c network create -o com.docker.network.bridge.name=bt-custom$n \
    -o com.docker.network.driver.mtu=1400 -o com.docker.network.bridge.enable_ip_masquerade=false \
    -o com.docker.network.bridge.host_binding_ipv4=127.0.0.1 optnet
  th_expect_match 'mtu 1400' th_exec h1 ip link show "bt-custom$n"
  th_expect_ok c run -d --name o1 --network optnet -p 8082:80 nginx
  th_expect_match 'mtu 1400' c exec o1 ip link show eth0
  th_expect_out "80/tcp -> 127.0.0.1:8082" c port o1
  th_expect_match 'Welcome to berth' fetch_from h1 "http://127.0.0.1:8082/"
  th_expect_fail fetch_from remote "http://$h1addr:8082/"
  optsub=$(c network inspect -f '{{(index .IPAM.Config 0).Subnet}}' optnet)
  [[ $(table) != *"ip saddr $optsub masquerade"* ]] || th_fail "$cli: enable_ip_masquerade=false masqueraded"
  if c network create -o com.docker.network.bridge.enable_icc=false noicc >/tmp/noicc.$$ 2>&1; then
    noicc=$(cat /tmp/noicc.$$)
    th_expect_match "iifname \"br-${noicc:0:12}\" oifname \"br-${noicc:0:12}\" drop" table
    th_expect_match '^1$' th_exec h1 cat /proc/sys/net/bridge/bridge-nf-call-iptables
    th_expect_ok c run -d --name n1 --network noicc alpine sleep 1d
    th_expect_ok c run -d --name n2 --network noicc alpine sleep 1d
    th_expect_fail c exec n2 ping -c1 -W1 "$(ip_of n1 noicc)"
    th_expect_ok c rm -f n1 n2
    th_expect_ok c network rm noicc
  elif grep -q br_netfilter /tmp/noicc.$$; then
    no_icc=$(cat /tmp/noicc.$$)
  else
    th_fail "$cli: network create with enable_icc=false: $(cat /tmp/noicc.$$)"
  fi
  rm -f /tmp/noicc.$$

  echo "== $cli: static addresses, ip-range, aux addresses, gateway"
  th_expect_ok c network create --subnet 172.30.0.0/24 --ip-range 172.30.0.128/30 \
    --gateway 172.30.0.129 --aux-address router=172.30.0.130 st
  th_expect_ok c run -d --name s1 --network st --ip 172.30.0.50 alpine sleep 1d
  th_expect_out 172.30.0.50 ip_of s1 st
  th_expect_ok c run -d --name s2 --network st alpine sleep 1d
  th_expect_ok c run -d --name s3 --network st --network-alias foo alpine sleep 1d
  got=$(printf '%s\n' "$(ip_of s2 st)" "$(ip_of s3 st)" | sort | tr '\n' ' ')
  th_expect_eq "$cli: addresses from the ip-range, not gateway nor aux" "172.30.0.128 172.30.0.131 " "$got"
  th_expect_fail_match 'no available' c run -d --name s4 --network st alpine sleep 1d
  c rm -f s4 >/dev/null 2>&1 || true
  th_expect_fail_match 'supported on user defined networks only' \
    c run -d --name s5 --ip 172.17.0.50 alpine sleep 1d
  c rm -f s5 >/dev/null 2>&1 || true
  th_expect_fail_match 'networks with user configured subnets' \
    c run -d --name s6 --network intnet --ip 10.99.0.5 alpine sleep 1d
  c rm -f s6 >/dev/null 2>&1 || true
  th_expect_ok c network connect --ip 172.30.0.70 --alias bar st i1
  th_expect_out 172.30.0.70 ip_of i1 st

  echo "== $cli: aliases"
  th_expect_match '"foo"' c inspect -f '{{json .NetworkSettings.Networks.st.Aliases}}' s3
  th_expect_match '"s3","foo"' c inspect -f '{{json .NetworkSettings.Networks.st.DNSNames}}' s3
  th_expect_match '"bar"' c inspect -f '{{json .NetworkSettings.Networks.st.Aliases}}' i1

  echo "== $cli: --network container:NAME"
  th_expect_ok c run -d --name sh1 --network container:s1 alpine sleep 1d
  th_expect_match 'inet 172\.30\.0\.50/24' c exec sh1 ip -4 addr show eth0
  th_expect_ok c stop -t 1 s1
  th_expect_match '^true$' c inspect -f '{{.State.Running}}' sh1
  th_expect_ok c stop -t 1 sh1
  th_expect_fail_match 'cannot join network of a non running container' c start sh1

  echo "== $cli: teardown"
  th_expect_ok c rm -f a1 a2 i1 i2 o1 s1 s2 s3 sh1
  th_expect_ok c network rm v6net dual intnet optnet st
  th_expect_out "" sh -c "ip -n $(th_netns h1) -o link show type veth | awk -F': ' '\$2 ~ /^veth/'"
  th_expect_fail th_exec h1 ip link show "bt-custom$n"
  th_expect_eq "$cli: nft map entries left" 0 "$(map_entries)"
done

if [[ -n $no_icc ]]; then
  echo "SKIP (icc=false only): $no_icc"
  exit 77
fi
echo "network_more_test: OK"
