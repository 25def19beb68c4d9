#!/usr/bin/env bash
# The networking core on a real berthd in a test host, through the docker CLI
# and the berth CLI (issue 4): the book's chapter 12 localnet flow, published
# ports reached from another host, from the host itself (127.0.0.1) and by
# hairpin, isolation between bridge networks, connect/disconnect, port
# conflicts, bad input changing nothing, and everything surviving a kill -9
# of berthd.
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

# busybox wget: -T crashes Debian's busybox-static 1.35, so bound it with timeout.
fetch_from() { # HOST URL: the page, from inside test host HOST
  th_exec "$1" timeout 5 busybox wget -qO- "$2"
}
links() { th_exec h1 ip -o link show | awk -F': ' '{ sub(/@.*/, "", $2); print $2 }' | sort; }
rules() { th_exec h1 nft list table inet berth 2>/dev/null | grep -c . || true; }

echo "== predefined networks"
th_expect_match '^bridge +bridge +local$' th_docker h1 network ls --format '{{.Name}} {{.Driver}} {{.Scope}}' \
  --filter name=bridge
th_expect_out $'bridge\nhost\nnone' th_docker h1 network ls --format '{{.Name}}'
th_expect_ok th_exec h1 ip link show berth0

for cli in docker berth; do
  bin=$DOCKER_CLI
  [[ $cli == docker ]] || bin=$BERTH_CLI
  c() { env "${client_env[@]}" "$bin" "$@"; }
  echo "== $cli: localnet (the book's chapter 12)"
  th_expect_ok c network create -d bridge localnet
  netid=$TH_OUT
  th_expect_ok th_exec h1 ip link show "br-${netid:0:12}"
  th_expect_ok c run -d --name c1 --network localnet alpine sleep 1d
  th_expect_match '"Name":"c1"' c network inspect localnet --format '{{json .Containers}}'
  c1ip=$(c inspect -f '{{.NetworkSettings.Networks.localnet.IPAddress}}' c1)
  [[ $c1ip =~ ^[0-9.]+$ ]] || th_fail "$cli: c1 has no address on localnet: '$c1ip'"
  th_expect_match "^02:42:" c inspect -f '{{.NetworkSettings.Networks.localnet.MacAddress}}' c1
  th_expect_ok c run -d --name c2 --network localnet alpine sleep 1d
  th_expect_match '1 packets received' c exec c2 ping -c1 -W2 "$c1ip"
  th_expect_out "default via ${c1ip%.*}.1 dev eth0" \
    sh -c "env ${client_env[*]} $bin exec c2 ip route | head -n1 | sed 's/ *$//'"

  echo "== $cli: published ports"
  th_expect_ok c run -d --name web --network localnet -p 5000:80 nginx
  th_expect_out "80/tcp -> 0.0.0.0:5000" c port web
  th_expect_match '0\.0\.0\.0:5000->80/tcp' c ps --filter name=web --format '{{.Ports}}'
  th_expect_match 'Welcome to berth' fetch_from remote "http://$h1addr:5000/"
  th_expect_match 'Welcome to berth' fetch_from h1 "http://127.0.0.1:5000/"
  th_expect_match 'Welcome to berth' c exec c1 timeout 5 wget -qO- "http://$h1addr:5000/"
  th_expect_fail_match 'already allocated' c run -d --name web2 -p 5000:80 nginx
  th_expect_ok c rm -f web2
  th_expect_ok c run -d --name anyport -P nginx
  th_expect_match '^80/tcp -> 0\.0\.0\.0:[0-9]+$' c port anyport
  th_expect_ok c rm -f anyport

  echo "== $cli: isolation and connect/disconnect"
  th_expect_ok c run -d --name other alpine sleep 1d
  th_expect_fail c exec other ping -c1 -W1 "$c1ip"
  th_expect_ok c network connect localnet other
  th_expect_match '1 packets received' c exec other ping -c1 -W2 "$c1ip"
  th_expect_ok c exec other ip link show eth1
  th_expect_ok c network disconnect localnet other
  th_expect_fail c exec other ip link show eth1
  th_expect_fail c exec other ping -c1 -W1 "$c1ip"

  echo "== $cli: bad input changes nothing"
  before_links=$(links)
  before_rules=$(rules)
  th_expect_fail_match 'already exists' c network create localnet
  th_expect_fail c network create --subnet 10.300.0.0/16 badnet
  th_expect_fail c network create --subnet 10.50.0.0/16 --gateway 10.51.0.1 badnet
  th_expect_ok c network create --subnet 10.60.0.0/16 net60
  th_expect_fail_match 'overlaps' c network create --subnet 10.60.128.0/17 net60b
  th_expect_ok c network rm net60
  th_expect_fail_match 'pre-defined' c network rm bridge
  th_expect_fail_match 'active endpoints' c network rm localnet
  th_expect_fail_match 'not found' c network inspect nosuchnet
  th_expect_eq "$cli: links after bad input" "$before_links" "$(links)"
  th_expect_eq "$cli: nft rules after bad input" "$before_rules" "$(rules)"

  if [[ $cli == docker ]]; then
    echo "== kill -9 of berthd: networks, endpoints and ports live on"
    th_kill_daemon h1
    th_start_daemon h1
    th_expect_match 'localnet' c network ls --format '{{.Name}}'
    th_expect_match 'Welcome to berth' fetch_from remote "http://$h1addr:5000/"
    th_expect_match '1 packets received' c exec c2 ping -c1 -W2 "$c1ip"
    th_expect_ok c run -d --name c3 --network localnet alpine sleep 1d
    c3ip=$(c inspect -f '{{.NetworkSettings.Networks.localnet.IPAddress}}' c3)
    [[ $c3ip != "$c1ip" && $c3ip != "$(c inspect -f '{{.NetworkSettings.Networks.localnet.IPAddress}}' c2)" ]] ||
      th_fail "address handed out twice after the restart: $c3ip"
    th_expect_ok c rm -f c3
  fi

  echo "== $cli: teardown"
  th_expect_ok c rm -f c1 c2 web other
  th_expect_ok c network rm localnet
  th_expect_fail th_exec h1 ip link show "br-${netid:0:12}"
  th_expect_out "" sh -c "ip -n $(th_netns h1) -o link show type veth | awk -F': ' '\$2 ~ /^veth/'"
done

echo "== someone flushes the ruleset: berth puts its table back"
th_expect_ok th_docker h1 run -d --name web --network bridge -p 5001:80 nginx
th_expect_ok th_exec h1 nft flush ruleset
back=0
for _ in $(seq 1 30); do
  if th_exec h1 nft list table inet berth >/dev/null 2>&1; then back=1; break; fi
  sleep 0.1
done
((back)) || th_fail "table inet berth was not restored within 3 s of a flush"
th_expect_match 'Welcome to berth' fetch_from remote "http://$h1addr:5001/"
th_expect_match 'restoring it' th_log h1
th_expect_ok th_docker h1 rm -f web

echo "== prune"
th_expect_ok th_docker h1 network create p1
th_expect_ok th_docker h1 network create p2
th_expect_ok th_docker h1 network prune -f
th_expect_eq "network prune header" "Deleted Networks:" "$(head -n1 <<<"$TH_OUT")"
th_expect_eq "networks pruned" $'p1\np2' "$(tail -n +2 <<<"$TH_OUT" | sed '/^$/d' | sort)"
echo "== daemon.json iptables: false leaves the firewall alone"
th_stop_daemon h1
printf '{"iptables": false}\n' >"$(th_dir h1)/daemon.json"
th_exec h1 nft flush ruleset
th_start_daemon h1
th_expect_ok th_docker h1 network create quiet
th_expect_fail th_exec h1 nft list table inet berth
th_expect_ok th_docker h1 network rm quiet
echo "network_test: OK"
