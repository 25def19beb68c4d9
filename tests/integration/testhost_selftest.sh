#!/usr/bin/env bash
# Self-test of tests/lib/testhost.sh: bare hosts, switch and router underlays,
# the daemon path (with the stand-in berthd), cleanup by the exit trap, and that
# nothing is left behind afterwards.
set -euo pipefail

here=$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)
lib=${BERTH_TESTHOST_SH:-$here/../lib/testhost.sh}
# shellcheck source=SCRIPTDIR/../lib/testhost.sh
source "$lib"

links_before=$(ip -o link show | awk -F': ' '{ print $2 }' | sort)

# Names of everything a list of hosts owns: "netns dir" pairs.
owned() {
  local h
  for h in "$@"; do
    printf '%s %s\n' "$(th_netns "$h")" "$(th_dir "$h")"
  done
}

assert_gone() { # lines of "netns dir"
  local ns dir
  while read -r ns dir; do
    [[ -n "$ns" ]] || continue
    if ip netns list | grep -qw "$ns"; then th_fail "netns $ns still listed"; fi
    [[ ! -e "/run/netns/$ns" ]] || th_fail "/run/netns/$ns still exists"
    [[ ! -e "$dir" ]] || th_fail "dir $dir still exists"
    if grep -q " $dir" /proc/self/mounts; then th_fail "mounts remain under $dir"; fi
  done <<<"$1"
}

echo "== bare host"
th_create_bare a
ns_a=$(th_netns a)
th_expect_match "^$ns_a( |$)" ip netns list
th_expect_match '^1: lo: <LOOPBACK,UP,LOWER_UP>' th_exec a ip -o link show
th_expect_out 1 sh -c "ip -n $ns_a -o link show | wc -l"
th_expect_eq "th_sock" "$(th_dir a)/berth.sock" "$(th_sock a)"
th_expect_match "^DOCKER_HOST=unix://$(th_dir a)/berth.sock$" th_env a
th_expect_fail th_create_bare a

echo "== switch: a, b, c on one bridge"
th_create_bare b
th_create_bare c
th_link_switch sw a b c
net=$(th_addr a)
net=${net%.*}
th_expect_eq "address of b" "$net.2" "$(th_addr b)"
th_expect_eq "address of c" "$net.3" "$(th_addr c)"
th_expect_ok th_ping a "$(th_addr b)"
th_expect_ok th_ping a "$(th_addr c)"
th_expect_ok th_ping c "$(th_addr6 a)"
th_expect_fail th_ping a 10.99.250.1

echo "== router: d and a (second link of a) on two subnets"
th_create_bare d
th_link_router r d a
th_expect_eq "a's router-side address" "10.99" "$(th_addr a eth1 | cut -d. -f1-2)"
th_expect_ok th_ping d "$(th_addr a eth1)"
th_expect_ok th_ping a "$(th_addr d)"
th_expect_ok th_ping a "$(th_addr6 d)"
th_expect_match ' via ' th_exec d ip route get "$(th_addr a eth1)"
# d reaches only a's router-side subnet, not the switch behind a.
th_expect_fail th_ping d "$(th_addr b)"

echo "== processes left in a host die with it"
sleeper=$(th_exec b sh -c 'sleep 1000 >/dev/null 2>&1 & echo $!')
th_expect_ok kill -0 "$sleeper"

echo "== destroy"
made=$(owned a b c d sw r)
th_destroy_all
assert_gone "$made"
for _ in 1 2 3 4 5 6 7 8 9 10; do
  [[ "$(ps -o stat= -p "$sleeper" || true)" =~ ^(Z|)$ ]] && break
  sleep 0.1
done
[[ "$(ps -o stat= -p "$sleeper" || true)" =~ ^(Z|)$ ]] || th_fail "sleep $sleeper survived th_destroy"

echo "== the exit trap cleans up after a failing script"
th_run bash -c "set -euo pipefail; source '$lib'; th_create_bare x; th_link_switch s2 x
  echo \"\$(th_netns x) \$(th_dir x)\"; echo \"\$(th_netns s2) \$(th_dir s2)\"; false"
th_expect_eq "exit status of the failing script" 1 "$TH_RC"
[[ "$TH_ERR" == *"command failed (status 1)"*"false"* ]] || th_fail "no ERR report in: $TH_ERR"
assert_gone "$TH_OUT"

if [[ -x "${BERTH_FAKE_BERTHD:-}" ]]; then
  echo "== daemon host (stand-in berthd)"
  # shellcheck disable=SC2034  # read by th_create
  BERTHD=$BERTH_FAKE_BERTHD
  th_create h
  th_expect_out OK curl -sf --unix-socket "$(th_sock h)" http://berth/_ping
  # shellcheck disable=SC2016  # expanded by the inner sh
  mapfile -t client_env < <(th_env h)
  # shellcheck disable=SC2016  # expanded by the inner sh
  th_expect_out OK env "${client_env[@]}" sh -c 'curl -sf --unix-socket "${DOCKER_HOST#unix://}" http://berth/_ping'
  th_expect_match "netns=net:\\[$(stat -c %i "/run/netns/$(th_netns h)")\\]" th_log h
  th_expect_match '^fake-berthd: sys-class-net=lo$' th_log h
  th_expect_match '^fake-berthd: cgroup=.*(memory|unified)' th_log h
  th_expect_ok th_stop_daemon h
  th_expect_match 'shut down on SIGTERM' th_log h
  th_start_daemon h
  th_expect_out OK curl -sf --unix-socket "$(th_sock h)" http://berth/_ping
  made=$(owned h)
  th_expect_ok th_destroy h
  assert_gone "$made"

  echo "== daemon that exits early: th_create fails with its log"
  th_run th_create bad --fake-exit-early
  ((TH_RC != 0)) || th_fail "th_create succeeded with an exiting daemon"
  [[ "$TH_ERR" == *"exiting early as asked"* ]] || th_fail "log not shown: $TH_ERR"

  echo "== daemon ignoring SIGTERM and leaving an orphan: killed anyway"
  # shellcheck disable=SC2034  # read by th_stop_daemon
  TH_STOP_TIMEOUT=1
  th_create stubborn --fake-ignore-term --fake-orphan
  orphan=$(th_log stubborn | sed -n 's/^fake-berthd: orphan pid=//p')
  [[ -n "$orphan" ]] || th_fail "no orphan pid in log"
  made=$(owned stubborn)
  th_expect_fail th_destroy stubborn
  [[ "$TH_ERR" == *"ignored SIGTERM"* ]] || th_fail "no SIGTERM warning: $TH_ERR"
  assert_gone "$made"
  sleep 0.2
  [[ "$(ps -o stat= -p "$orphan" || true)" =~ ^(Z|)$ ]] || th_fail "orphan $orphan survived"
else
  echo "(daemon part skipped: BERTH_FAKE_BERTHD not set; run through ctest)"
fi

echo "== leak_check.sh reports (and --clean removes) leaks, in a sandbox netns"
# The leaks are made in a throwaway net + mount namespace: the sandbox's
# tmpfs dirs and netns vanish with it.
sandbox=$(mktemp -d /tmp/th-leak-sandbox.XXXXXX)
th_on_exit "rmdir '$sandbox' 2>/dev/null || true"
mkdir -p /run/netns
# shellcheck disable=SC2016  # expanded by the inner bash
th_run unshare --net --mount --propagation private bash -c '
  set -euo pipefail
  box=$1 check=$2
  mount -t tmpfs th-sandbox "$box"
  mount -t tmpfs th-sandbox /run/netns
  ip link add berth-leak0 type bridge
  ip link add veth-leak type veth peer name br-leakpeer
  ip link add lo-ok type bridge
  nft add table inet berth-leak
  nft add table inet other-ok
  ip netns add berth-leak
  ip netns add berth-th-live
  mkdir "$box/berth-th-dead" "$box/berth-th-live" "$box/berth-th-dead/data"
  echo "1 0" >"$box/berth-th-dead/owner"
  echo "$$ $(awk "{ sub(/.*\\) /, \"\"); print \$20 }" /proc/$$/stat)" >"$box/berth-th-live/owner"
  mount -t tmpfs th-leak "$box/berth-th-dead/data"
  export BERTH_TH_TMP=$box BERTH_LEAK_GRACE=0
  rc=0
  bash "$check" 2>&1 || rc=$?
  echo "first-rc=$rc"
  bash "$check" --clean >/dev/null 2>&1 || true
  bash "$check" && echo "after-clean=ok"
' leak-sandbox "$sandbox" "$here/leak_check.sh"
th_expect_eq "sandbox exit status ($TH_ERR)" 0 "$TH_RC"
for want in "first-rc=1" berth-leak0 veth-leak br-leakpeer "inet berth-leak" \
  "$sandbox/berth-th-dead/data" "$sandbox/berth-th-dead" "after-clean=ok"; do
  [[ "$TH_OUT" == *"$want"* ]] || th_fail "leak_check output lacks '$want': $TH_OUT"
done
for unwanted in lo-ok other-ok berth-th-live; do
  [[ "$TH_OUT" != *"$unwanted"* ]] || th_fail "leak_check reported '$unwanted': $TH_OUT"
done
grep -qx '  berth-leak' <<<"$TH_OUT" || th_fail "leaked netns berth-leak not reported: $TH_OUT"

echo "== the machine's links are as before"
th_expect_eq "links of the machine" "$links_before" "$(ip -o link show | awk -F': ' '{ print $2 }' | sort)"
echo "PASS"
