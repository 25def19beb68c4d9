# shellcheck shell=bash
# Throwaway "test hosts" for integration tests: a named network namespace, a
# private mount namespace and temp dirs per host, optionally with a real berthd
# inside, plus switch/router wiring between hosts. Nothing touches the machine's
# own network; everything made here is removed on exit (see docs/testing.md).
#
# Source from a bash script running under `set -euo pipefail`. It installs the
# EXIT/ERR/INT/TERM traps itself: add your own cleanup with th_on_exit, never
# with `trap ... EXIT`.
#
# Environment: BERTHD (berthd binary), BERTH_CLI (berth binary), DOCKER_CLI
# (docker binary), BERTH_TH_TMP (where host dirs go, default /tmp),
# TH_READY_TIMEOUT (seconds, default 10), TH_LOG_LINES (log lines shown on
# failure, default 300), TH_MTU (MTU of switch/router links, default 1500).

if [[ -n "${TH_LIB_LOADED:-}" ]]; then
  return 0
fi
TH_LIB_LOADED=1
# ERR reports the innermost failing command, also inside functions.
set -o errtrace

TH_TMP_BASE=${BERTH_TH_TMP:-/tmp}
TH_PREFIX=berth-th-
TH_READY_TIMEOUT=${TH_READY_TIMEOUT:-10}
TH_STOP_TIMEOUT=${TH_STOP_TIMEOUT:-10}
TH_LOG_LINES=${TH_LOG_LINES:-300}
BERTHD=${BERTHD:-}
BERTH_CLI=${BERTH_CLI:-}
DOCKER_CLI=${DOCKER_CLI:-/usr/local/bin/docker}

declare -gA TH_NS=()      # host name -> netns name (also its dir name)
declare -gA TH_DIR=()     # host name -> its temp dir
declare -gA TH_PID=()     # host name -> berthd pid (daemon hosts only)
declare -gA TH_MNTNS=()   # host name -> berthd's mount namespace ("mnt:[N]")
declare -gA TH_IFCOUNT=() # host name -> how many ethN links it got from linking
declare -gA TH_ADDR=()    # "host/iface" -> IPv4 CIDR
declare -gA TH_ADDR6=()   # "host/iface" -> IPv6 CIDR
declare -gA TH_SWNET=()   # switch name -> its subnet number n (10.99.n.0/24)
declare -gA TH_SWNEXT=()  # switch name -> next host index on it
declare -ga TH_HOSTS=()   # creation order; destroyed in reverse
declare -ga TH_EXIT_HOOKS=()
TH_NET_SEQ=0

# Runs inside a daemon host's new mount namespace before exec'ing berthd.
# 1. Drops the copies of the machine's /run/netns mounts: held in this
#    namespace they would keep other hosts' namespaces alive after delete.
# 2. Mounts a sysfs that belongs to this netns (so /sys/class/net shows the
#    host's own links) and moves the machine's cgroup mounts back on top of it,
#    which the runtime needs (the pitfall of `ip netns exec`).
# shellcheck disable=SC2016  # expanded by the inner sh, not here
TH_HOST_INIT='set -eu
dir=$1; shift
awk '\''$2 ~ "^/run/netns(/|$)" { print $2 }'\'' /proc/self/mounts | sort -r |
  while read -r m; do umount -l "$m" 2>/dev/null || true; done
cg=$(mktemp -d "$dir/.cgroup.XXXXXX")
mount --rbind /sys/fs/cgroup "$cg"
umount -l /sys
mount -t sysfs sysfs /sys
mount --move "$cg" /sys/fs/cgroup
rmdir "$cg"
exec "$@"'

# --- small helpers -----------------------------------------------------------

th__err() {
  printf 'testhost: %s\n' "$*" >&2
}

th__rand() {
  od -An -N4 -tx1 /dev/urandom | tr -d ' \n'
}

# Start time of a process (field 22 of /proc/PID/stat), to tell a live owner
# from a reused pid.
th__starttime() {
  local stat rest
  stat=$(<"/proc/$1/stat") || return 1
  rest=${stat##*) }
  local -a fields
  read -ra fields <<<"$rest"
  printf '%s\n' "${fields[19]}"
}

th__require_host() {
  if [[ -z "${TH_NS[$1]:-}" ]]; then
    th__err "no test host named '$1'"
    return 1
  fi
}

# Sets TH__IF to the host's next free ethN (a variable, not output: a command
# substitution would run in a subshell and lose the count).
th__next_if() {
  local n=${TH_IFCOUNT[$1]:-0}
  TH_IFCOUNT[$1]=$((n + 1))
  TH__IF=eth$n
}

th__alive() {
  local pid=$1 state
  [[ -r "/proc/$pid/stat" ]] || return 1
  state=$(<"/proc/$pid/stat") || return 1
  state=${state##*) }
  [[ ${state:0:1} != Z ]]
}

# th_require_berth: what every berthd test checks first. Exits 77 (skip) when
# the berthd binary is not built; fails when a CLI is missing.
th_require_berth() {
  if [[ -z "$BERTHD" || ! -x "$BERTHD" ]]; then
    echo "SKIP: berthd binary not found at '${BERTHD}' (set BERTHD or build the berthd target)"
    exit 77
  fi
  [[ -x "$DOCKER_CLI" ]] || th_fail "docker CLI not found at '$DOCKER_CLI'"
  [[ -x "$BERTH_CLI" ]] || th_fail "berth CLI not found at '$BERTH_CLI'"
}

# --- hosts -------------------------------------------------------------------

# th_create_bare NAME: a host without a daemon: netns with lo up, and a temp dir.
th_create_bare() {
  local name=$1
  if [[ ! $name =~ ^[A-Za-z0-9_.-]+$ ]]; then
    th__err "bad host name '$name'"
    return 1
  fi
  if [[ -n "${TH_NS[$name]:-}" ]]; then
    th__err "test host '$name' exists already"
    return 1
  fi
  local id dir
  id=${TH_PREFIX}$(th__rand)
  dir=$TH_TMP_BASE/$id
  mkdir -m 0711 "$dir"
  # Registered before anything else is acquired, so a failure below is cleaned up.
  TH_NS[$name]=$id
  TH_DIR[$name]=$dir
  TH_HOSTS+=("$name")
  printf '%s %s\n' "$$" "$(th__starttime $$)" >"$dir/owner"
  printf '%s\n' "$name" >"$dir/name"
  mkdir -p /run/netns
  : >"/run/netns/$id"
  # `unshare --net=FILE` rather than `ip netns add`: the latter also turns
  # /run/netns into a shared bind mount that stays on the machine for good.
  unshare --net="/run/netns/$id" true
  ip -n "$id" link set lo up
}

# th_create NAME [EXTRA_BERTHD_ARGS...]: a host running berthd; waits until it
# answers /_ping (TH_READY_TIMEOUT s). On failure prints berthd's log, removes
# the host and returns 1.
th_create() {
  local name=$1
  shift
  if [[ -z "$BERTHD" || ! -x "$BERTHD" ]]; then
    th__err "th_create $name: berthd binary not found (BERTHD='$BERTHD')"
    return 1
  fi
  th_create_bare "$name"
  th_start_daemon "$name" "$@"
}

# th_start_daemon NAME [EXTRA_BERTHD_ARGS...]: (re)starts berthd in an existing
# host, reusing its data root (for restart / live-restore tests).
th_start_daemon() {
  local name=$1
  shift
  th__require_host "$name"
  local id=${TH_NS[$name]} dir=${TH_DIR[$name]}
  if [[ -n "${TH_PID[$name]:-}" ]]; then
    th__err "th_start_daemon $name: berthd already running (pid ${TH_PID[$name]})"
    return 1
  fi
  mkdir -p "$dir/data" "$dir/exec"
  # Never the machine's /etc/berth/daemon.json: a test writes its own settings here.
  [[ -f "$dir/daemon.json" ]] || printf '{}\n' >"$dir/daemon.json"
  printf '%s\n' "$*" >"$dir/berthd.args"
  local -a berthd=("$BERTHD" --data-root "$dir/data" --exec-root "$dir/exec"
    -H "unix://$dir/berth.sock" --pidfile "$dir/berthd.pid" --config-file "$dir/daemon.json"
    --log-level debug --cgroup-parent "/$id" "$@")
  # A restart joins the mount namespace of the berthd before it while anything
  # still lives there (shims that outlived a kill -9): their containers' root
  # filesystems are mounted in it.
  local mnt_pid=""
  if [[ -n "${TH_MNTNS[$name]:-}" ]]; then
    mnt_pid=$(th__pid_in_mntns "${TH_MNTNS[$name]}" "$id")
  fi
  # One process all along (each tool execs the next), a child of this shell;
  # setpriv makes it die with this shell if the test is killed outright.
  if [[ -n "$mnt_pid" ]]; then
    nsenter --net="/run/netns/$id" --mount="/proc/$mnt_pid/ns/mnt" -- \
      setpriv --pdeathsig KILL -- "${berthd[@]}" \
      </dev/null >>"$dir/berthd.log" 2>&1 &
  else
    nsenter --net="/run/netns/$id" -- \
      unshare --mount --propagation private -- \
      sh -c "$TH_HOST_INIT" th-host-init "$dir" \
      setpriv --pdeathsig KILL -- "${berthd[@]}" \
      </dev/null >>"$dir/berthd.log" 2>&1 &
  fi
  local pid=$!
  TH_PID[$name]=$pid
  local deadline=$((SECONDS + TH_READY_TIMEOUT)) reply=""
  while ((SECONDS <= deadline)); do
    if ! th__alive "$pid"; then
      local rc=0
      wait "$pid" || rc=$?
      unset "TH_PID[$name]"
      th__err "th_create $name: berthd exited with status $rc before it was ready; its log:"
      th__dump_log "$name"
      th_destroy "$name" || true
      return 1
    fi
    reply=$(curl -sf --max-time 1 --unix-socket "$dir/berth.sock" http://berth/_ping 2>/dev/null || true)
    if [[ "$reply" == OK ]]; then
      TH_MNTNS[$name]=$(readlink "/proc/$pid/ns/mnt")
      printf '%s\n' "${TH_MNTNS[$name]}" >"$dir/mntns"
      return 0
    fi
    sleep 0.1
  done
  th__err "th_create $name: berthd did not answer /_ping with OK within ${TH_READY_TIMEOUT}s (last reply: '$reply'); its log:"
  th__dump_log "$name"
  th_destroy "$name" || true
  return 1
}

# th__pid_in_mntns MNTNS NETNS_ID: one pid living in mount namespace MNTNS
# ("mnt:[N]") and in the host's network namespace, or nothing. Both must
# match: once its last process is gone, a mount namespace's inode number is
# reused by the next one made, e.g. another test's container.
th__pid_in_mntns() {
  [[ -n "$1" && "$1" != "$(readlink /proc/self/ns/mnt)" && -e "/run/netns/$2" ]] || return 0
  local f net
  net="net:[$(stat -L -c %i "/run/netns/$2")]"
  for f in /proc/[0-9]*/ns/mnt; do
    if [[ "$(readlink "$f" 2>/dev/null)" == "$1" && "$(readlink "${f%/mnt}/net" 2>/dev/null)" == "$net" ]]; then
      f=${f#/proc/}
      printf '%s\n' "${f%%/*}"
      return 0
    fi
  done
}

# th_kill_daemon NAME: SIGKILL berthd (what a crash does); containers and
# their shims live on. th_start_daemon brings it back in the same mount namespace.
th_kill_daemon() {
  local name=$1
  th__require_host "$name"
  local pid=${TH_PID[$name]:-}
  [[ -n "$pid" ]] || return 0
  kill -KILL "$pid" 2>/dev/null || true
  wait "$pid" 2>/dev/null || true
  unset "TH_PID[$name]"
}

# th_stop_daemon NAME: SIGTERM berthd and wait; SIGKILL after TH_STOP_TIMEOUT s.
# Returns 1 if berthd did not exit 0 by itself.
th_stop_daemon() {
  local name=$1
  th__require_host "$name"
  local pid=${TH_PID[$name]:-}
  [[ -n "$pid" ]] || return 0
  local status=0 rc=0
  kill -TERM "$pid" 2>/dev/null || true
  local deadline=$((SECONDS + TH_STOP_TIMEOUT))
  while th__alive "$pid" && ((SECONDS <= deadline)); do
    sleep 0.1
  done
  if th__alive "$pid"; then
    th__err "th_stop_daemon $name: berthd ignored SIGTERM for ${TH_STOP_TIMEOUT}s; sending SIGKILL"
    kill -KILL "$pid" 2>/dev/null || true
    status=1
  fi
  wait "$pid" 2>/dev/null || rc=$?
  unset "TH_PID[$name]"
  if ((rc != 0)); then
    th__err "th_stop_daemon $name: berthd exited with status $rc"
    status=1
  fi
  return "$status"
}

# Prints pids of every process that belongs to a host: in its netns or in its
# berthd's mount namespace (shims that outlived berthd), and their descendants.
th__host_pids() {
  local name=$1 id=${TH_NS[$1]}
  local mntns=${TH_MNTNS[$1]:-}
  [[ -e "/run/netns/$id" ]] || [[ -n "$mntns" ]] || return 0
  local ino=""
  if [[ -e "/run/netns/$id" ]]; then
    ino=$(stat -c %i "/run/netns/$id")
  fi
  # Never our own namespace: that would mean killing the machine's processes.
  if [[ -n "$ino" && "net:[$ino]" == "$(readlink /proc/self/ns/net)" ]]; then
    th__err "refusing: host '$name' netns is this process's own netns"
    return 1
  fi
  if [[ -n "$mntns" && "$mntns" == "$(readlink /proc/self/ns/mnt)" ]]; then
    mntns=""
  fi
  local -a expr=()
  [[ -n "$ino" ]] && expr+=(-name net -lname "net:\\[$ino\\]")
  # The mount namespace only while the netns is gone: berthd's shims live in
  # the host's netns anyway, and a mount namespace whose processes have all
  # exited may have its inode number reused by another test's container.
  if [[ -n "$mntns" && -z "$ino" ]]; then
    ((${#expr[@]})) && expr+=(-o)
    expr+=(-name mnt -lname "mnt:\\[${mntns//[!0-9]/}\\]")
  fi
  local roots
  roots=$(find /proc/[0-9]*/ns -maxdepth 1 \( "${expr[@]}" \) 2>/dev/null |
    cut -d/ -f3 | sort -u)
  [[ -n "$roots" ]] || return 0
  # Closure over parent pids, so container processes under a shim go too.
  ps -e -o pid=,ppid= | awk -v roots="$roots" -v self="$$" '
    BEGIN { n = split(roots, r, "\n"); for (i = 1; i <= n; i++) keep[r[i]] = 1 }
    { parent[$1] = $2 }
    END {
      do {
        changed = 0
        for (p in parent) if (!(p in keep) && (parent[p] in keep)) { keep[p] = 1; changed = 1 }
      } while (changed)
      for (p in keep) if (p != self && p != 1) print p
    }'
}

th__kill_host_pids() {
  local name=$1 pids
  local -i tries
  for ((tries = 0; tries < 5; tries++)); do
    pids=$(th__host_pids "$name") || return 1
    [[ -n "$pids" ]] || return 0
    # shellcheck disable=SC2086  # one pid per word
    kill -KILL $pids 2>/dev/null || true
    sleep 0.2
  done
  th__err "host '$1': processes survive SIGKILL: ${pids//$'\n'/ }"
  return 1
}

# Unmounts (lazily, deepest first) every mount of this mount namespace under DIR.
th__umount_under() {
  local dir=$1 m
  awk -v d="$dir" 'index($2, d "/") == 1 || $2 == d { print $2 }' /proc/self/mounts | sort -r |
    while read -r m; do
      m=$(printf '%b' "${m//\\/\\0}")
      umount -l "$m" || th__err "cannot unmount $m"
    done
}

# th_destroy NAME: stops berthd (SIGTERM, SIGKILL if needed), kills whatever
# else lives in the host, deletes its netns (and so its links) and its dirs.
# Keeps going past failures; returns 1 if anything went wrong (including an
# unclean berthd exit).
th_destroy() {
  local name=$1
  th__require_host "$name"
  local id=${TH_NS[$name]} dir=${TH_DIR[$name]} status=0
  th_stop_daemon "$name" || status=1
  th__kill_host_pids "$name" || status=1
  if [[ -e "/run/netns/$id" ]]; then
    # The kernel dismantles a dead netns asynchronously; deleting its links
    # first makes them (and their veth peers elsewhere) go now.
    local link
    ip -n "$id" -o link show 2>/dev/null | awk -F': ' '{ sub(/@.*/, "", $2); print $2 }' |
      while read -r link; do
        [[ $link == lo ]] || ip -n "$id" link delete "$link" 2>/dev/null || true
      done
    ip netns delete "$id" || {
      umount -l "/run/netns/$id" 2>/dev/null || true
      rm -f "/run/netns/$id" || status=1
    }
  fi
  # Container cgroups live under /<host id> in every hierarchy (--cgroup-parent).
  local cg
  while read -r cg; do
    [[ -n "$cg" ]] || continue
    find "$cg" -depth -type d -exec rmdir {} + 2>/dev/null || true
    [[ ! -d "$cg" ]] || { th__err "th_destroy $name: cannot remove cgroup $cg"; status=1; }
  done < <(find /sys/fs/cgroup -mindepth 1 -maxdepth 2 -type d -name "$id" 2>/dev/null)
  if [[ -d "$dir" ]]; then
    th__umount_under "$dir"
    if awk -v d="$dir" 'index($2, d "/") == 1 { f = 1 } END { exit !f }' /proc/self/mounts; then
      th__err "th_destroy $name: mounts remain under $dir; not removing it"
      status=1
    else
      rm -rf --one-file-system "$dir" || status=1
    fi
  fi
  unset "TH_NS[$name]" "TH_DIR[$name]" "TH_MNTNS[$name]" "TH_IFCOUNT[$name]"
  local k
  for k in "${!TH_ADDR[@]}"; do
    [[ $k == "$name/"* ]] && unset "TH_ADDR[$k]"
  done
  for k in "${!TH_ADDR6[@]}"; do
    [[ $k == "$name/"* ]] && unset "TH_ADDR6[$k]"
  done
  unset "TH_SWNET[$name]" "TH_SWNEXT[$name]"
  local -a rest=()
  for k in "${TH_HOSTS[@]}"; do
    [[ $k == "$name" ]] || rest+=("$k")
  done
  TH_HOSTS=("${rest[@]}")
  return "$status"
}

# th_destroy_all: destroys every host this script made, newest first.
th_destroy_all() {
  local status=0 i
  for ((i = ${#TH_HOSTS[@]} - 1; i >= 0; i--)); do
    th_destroy "${TH_HOSTS[$i]}" || status=1
  done
  return "$status"
}

# --- accessors -----------------------------------------------------------------

th_netns() { th__require_host "$1" && printf '%s\n' "${TH_NS[$1]}"; }
th_dir() { th__require_host "$1" && printf '%s\n' "${TH_DIR[$1]}"; }
th_sock() { th__require_host "$1" && printf '%s\n' "${TH_DIR[$1]}/berth.sock"; }
th_pid() { th__require_host "$1" && printf '%s\n' "${TH_PID[$1]:-}"; }

# th_env NAME: client environment, one VAR=value per line; use as
#   env $(th_env h1) docker ps
th_env() {
  th__require_host "$1"
  local sock=${TH_DIR[$1]}/berth.sock
  printf 'DOCKER_HOST=unix://%s\nBERTH_HOST=unix://%s\nDOCKER_CONFIG=%s\n' \
    "$sock" "$sock" "${TH_DIR[$1]}/docker-config"
}

# th_log NAME: berthd's log (stdout and stderr) so far.
th_log() {
  th__require_host "$1"
  cat "${TH_DIR[$1]}/berthd.log" 2>/dev/null || true
}

th__dump_log() {
  local logf=${TH_DIR[$1]}/berthd.log
  echo "----- berthd log of host '$1' (last $TH_LOG_LINES lines of $logf) -----" >&2
  tail -n "$TH_LOG_LINES" "$logf" >&2 2>/dev/null || true
  echo "----- end of berthd log of host '$1' -----" >&2
}

# th_addr NAME [IFACE]: the host's IPv4 address on IFACE (default eth0), no prefix.
th_addr() {
  th__require_host "$1"
  local cidr=${TH_ADDR[$1/${2:-eth0}]:-}
  [[ -n "$cidr" ]] || { th__err "host '$1' has no address on ${2:-eth0}"; return 1; }
  printf '%s\n' "${cidr%/*}"
}

# th_addr6 NAME [IFACE]: the same for IPv6 (fd99:<n>::<i>).
th_addr6() {
  th__require_host "$1"
  local cidr=${TH_ADDR6[$1/${2:-eth0}]:-}
  [[ -n "$cidr" ]] || { th__err "host '$1' has no IPv6 address on ${2:-eth0}"; return 1; }
  printf '%s\n' "${cidr%/*}"
}

# --- running things -----------------------------------------------------------

# th_exec NAME CMD...: runs CMD in the host's netns (the machine's mount
# namespace, so /sys/class/net is NOT the host's: use `ip` or /proc/sys/net).
th_exec() {
  th__require_host "$1"
  local id=${TH_NS[$1]}
  shift
  nsenter --net="/run/netns/$id" -- "$@"
}

# th_docker NAME ARGS... / th_berth NAME ARGS...: clients pointed at the host's berthd.
th_docker() {
  local name=$1
  shift
  th__require_host "$name"
  # shellcheck disable=SC2046  # th_env prints VAR=value words without spaces
  env $(th_env "$name") "$DOCKER_CLI" "$@"
}

th_berth() {
  local name=$1
  shift
  th__require_host "$name"
  # shellcheck disable=SC2046
  env $(th_env "$name") "$BERTH_CLI" "$@"
}

# th_ping NAME ADDR: one ping from inside the host (iputils or busybox).
th_ping() {
  local name=$1 addr=$2
  local -a ping=(ping)
  command -v ping >/dev/null || ping=(busybox ping)
  [[ $addr == *:* ]] && ping+=(-6)
  th_exec "$name" "${ping[@]}" -c 1 -W 2 "$addr" >/dev/null
}

# --- multi-host underlays -----------------------------------------------------

th__veth() { # NS_A IF_A NS_B IF_B: a veth pair created directly inside the two netns
  ip -n "$1" link add "$2" mtu "${TH_MTU:-1500}" type veth peer name "$4" mtu "${TH_MTU:-1500}" netns "$3"
}

th__addr_up() { # HOST IFACE CIDR4 CIDR6
  local id=${TH_NS[$1]}
  # No duplicate address detection on the underlay: while the link-local
  # address is tentative, first packets (neighbour discovery) are lost.
  th_exec "$1" sysctl -qw "net.ipv6.conf.$2.accept_dad=0"
  ip -n "$id" addr add "$3" dev "$2"
  ip -n "$id" addr add "$4" dev "$2" nodad
  ip -n "$id" link set "$2" up
  TH_ADDR[$1/$2]=$3
  TH_ADDR6[$1/$2]=$4
}

# th_link_switch SWITCH HOST...: joins hosts to SWITCH (a bare netns with a
# bridge br0, made on first use). Host i (1-based, in order of joining) gets a
# veth named ethN (first free) with 10.99.<n>.<i>/24 and fd99:<n>::<i>/64.
th_link_switch() {
  local sw=$1
  shift
  if [[ -z "${TH_NS[$sw]:-}" ]]; then
    th_create_bare "$sw"
  fi
  if [[ -z "${TH_SWNET[$sw]:-}" ]]; then
    TH_NET_SEQ=$((TH_NET_SEQ + 1))
    TH_SWNET[$sw]=$TH_NET_SEQ
    TH_SWNEXT[$sw]=1
    ip -n "${TH_NS[$sw]}" link add br0 type bridge
    ip -n "${TH_NS[$sw]}" link set br0 up
  fi
  local host n=${TH_SWNET[$sw]} i ifname
  for host in "$@"; do
    th__require_host "$host"
    i=${TH_SWNEXT[$sw]}
    TH_SWNEXT[$sw]=$((i + 1))
    th__next_if "$host"
    ifname=$TH__IF
    th__veth "${TH_NS[$sw]}" "port$i" "${TH_NS[$host]}" "$ifname"
    ip -n "${TH_NS[$sw]}" link set "port$i" master br0 up
    th__addr_up "$host" "$ifname" "10.99.$n.$i/24" "fd99:$n::$i/64"
  done
}

# th_link_router ROUTER HOSTA HOSTB: a router netns (made on first use, with
# forwarding on) between two new subnets 10.99.<a>.0/24 and 10.99.<b>.0/24;
# the router is .1 on both, each host .2 with a route to the other subnet.
th_link_router() {
  local rt=$1 ha=$2 hb=$3
  th__require_host "$ha"
  th__require_host "$hb"
  if [[ -z "${TH_NS[$rt]:-}" ]]; then
    th_create_bare "$rt"
    th_exec "$rt" sysctl -qw net.ipv4.ip_forward=1 net.ipv6.conf.all.forwarding=1
  fi
  local -a nets=() hosts=("$ha" "$hb")
  local k host n rif hif
  for k in 0 1; do
    TH_NET_SEQ=$((TH_NET_SEQ + 1))
    nets+=("$TH_NET_SEQ")
  done
  for k in 0 1; do
    host=${hosts[$k]}
    n=${nets[$k]}
    th__next_if "$rt"
    rif=$TH__IF
    th__next_if "$host"
    hif=$TH__IF
    th__veth "${TH_NS[$rt]}" "$rif" "${TH_NS[$host]}" "$hif"
    th__addr_up "$rt" "$rif" "10.99.$n.1/24" "fd99:$n::1/64"
    th__addr_up "$host" "$hif" "10.99.$n.2/24" "fd99:$n::2/64"
  done
  ip -n "${TH_NS[$ha]}" route add "10.99.${nets[1]}.0/24" via "10.99.${nets[0]}.1"
  ip -n "${TH_NS[$hb]}" route add "10.99.${nets[0]}.0/24" via "10.99.${nets[1]}.1"
  ip -n "${TH_NS[$ha]}" -6 route add "fd99:${nets[1]}::/64" via "fd99:${nets[0]}::1"
  ip -n "${TH_NS[$hb]}" -6 route add "fd99:${nets[0]}::/64" via "fd99:${nets[1]}::1"
}

# --- assertions -----------------------------------------------------------------
# Each failing check prints the command, what was expected and what came, then
# exits 1 (which runs th_destroy_all and dumps the berthd logs).

TH_OUT=""
TH_ERR=""
TH_RC=0
TH_CMD=""

th_fail() {
  printf 'FAIL: %s\n' "$*" >&2
  exit 1
}

# th_run CMD...: runs CMD, never fails; sets TH_RC, TH_OUT, TH_ERR. CMD runs
# in this shell (not a subshell), so th_* functions keep their state; as with
# any `cmd || ...`, bash suspends set -e inside it.
th_run() {
  local outf errf
  outf=$(mktemp)
  errf=$(mktemp)
  TH_RC=0
  "$@" >"$outf" 2>"$errf" || TH_RC=$?
  TH_OUT=$(<"$outf")
  TH_ERR=$(<"$errf")
  rm -f "$outf" "$errf"
}

th__report() { # EXPECTATION: prints the last th_run's command and results
  {
    printf 'FAIL: %s\n' "$1"
    printf '  command:  %s\n' "$TH_CMD"
    printf '  exit:     %s\n' "$TH_RC"
    printf '  stdout:   %s\n' "${TH_OUT//$'\n'/$'\n            '}"
    printf '  stderr:   %s\n' "${TH_ERR//$'\n'/$'\n            '}"
  } >&2
  exit 1
}

th__cmd_string() {
  local out="" a
  for a in "$@"; do
    out+="$(printf '%q' "$a") "
  done
  printf '%s' "${out% }"
}

# th_expect_ok CMD...: CMD exits 0. Its stdout is left in TH_OUT.
th_expect_ok() {
  TH_CMD=$(th__cmd_string "$@")
  th_run "$@"
  ((TH_RC == 0)) || th__report "expected exit status 0"
}

# th_expect_fail CMD...: CMD exits non-zero.
th_expect_fail() {
  TH_CMD=$(th__cmd_string "$@")
  th_run "$@"
  ((TH_RC != 0)) || th__report "expected a non-zero exit status"
}

# th_expect_fail_match REGEX CMD...: CMD exits non-zero and its stderr matches REGEX.
th_expect_fail_match() {
  local re=$1
  shift
  th_expect_fail "$@"
  grep -Eq -- "$re" <<<"$TH_ERR" || th__report "expected stderr matching /$re/"
}

# th_expect_out EXPECTED CMD...: CMD exits 0 and prints exactly EXPECTED.
th_expect_out() {
  local want=$1
  shift
  th_expect_ok "$@"
  [[ "$TH_OUT" == "$want" ]] || th__report "expected stdout: $want"
}

# th_expect_match REGEX CMD...: CMD exits 0 and its stdout matches REGEX (grep -E).
th_expect_match() {
  local re=$1
  shift
  th_expect_ok "$@"
  grep -Eq -- "$re" <<<"$TH_OUT" || th__report "expected stdout matching /$re/"
}

# th_expect_eq WHAT EXPECTED ACTUAL
th_expect_eq() {
  [[ "$2" == "$3" ]] || th_fail "$1: expected '$2', got '$3'"
}

# --- traps --------------------------------------------------------------------

# th_on_exit CMD: runs CMD (eval'd) at exit, before the hosts are destroyed.
th_on_exit() {
  TH_EXIT_HOOKS+=("$1")
}

th__on_err() {
  th__err "command failed (status $2) at ${BASH_SOURCE[1]:-?}:$1: $3"
}

th__on_exit() {
  local rc=$?
  set +e
  trap - ERR
  local hook name
  for hook in "${TH_EXIT_HOOKS[@]}"; do
    eval "$hook"
  done
  if ((rc != 0 && rc != 77)); then
    for name in "${TH_HOSTS[@]}"; do
      [[ -f "${TH_DIR[$name]}/berthd.log" ]] && th__dump_log "$name"
    done
  fi
  th_destroy_all || th__err "teardown reported errors (see above)"
  exit "$rc"
}

trap th__on_exit EXIT
trap 'th__on_err "$LINENO" "$?" "$BASH_COMMAND"' ERR
trap 'exit 130' INT
trap 'exit 143' TERM
trap 'exit 129' HUP
