#!/usr/bin/env bash
# Runs after all integration tests (CTest fixture cleanup) and fails if they
# left anything in the machine's own namespaces: links named berth*, br-*,
# veth*, vx-*, mv-*; netns named berth*; nftables tables named berth*; mounts
# or dirs of test hosts under $BERTH_TH_TMP (default /tmp)/berth-th-*, their
# cgroups (/sys/fs/cgroup/*/berth-th-*), and processes of such dead hosts.
# A test host whose owner process is still running (another test run on this
# machine) is in use, not leaked.
#
# Usage: leak_check.sh [--clean]   (--clean also removes what it reports)
# BERTH_LEAK_GRACE: seconds to keep looking before reporting (default 5).
set -euo pipefail

base=${BERTH_TH_TMP:-/tmp}
clean=0
if [[ "${1:-}" == --clean ]]; then
  clean=1
fi

# True if the host dir's owner file names a live process (pid + start time).
owner_alive() {
  local owner=$1/owner pid start stat rest
  [[ -r "$owner" ]] || return 1
  read -r pid start <"$owner" || return 1
  [[ -n "$pid" && -r "/proc/$pid/stat" ]] || return 1
  stat=$(<"/proc/$pid/stat") || return 1
  rest=${stat##*) }
  local -a fields
  read -ra fields <<<"$rest"
  [[ "${fields[19]}" == "$start" && "${fields[0]}" != Z ]]
}

leaked_links() {
  ip -o link show | awk -F': ' '{ sub(/@.*/, "", $2); print $2 }' |
    grep -E '^(berth|br-|veth|vx-|mv-)' || true
}

leaked_netns() {
  local ns
  while read -r ns _; do
    [[ $ns == berth* ]] || continue
    if [[ $ns == berth-th-* ]] && owner_alive "$base/$ns"; then
      continue
    fi
    printf '%s\n' "$ns"
  done < <(ip netns list 2>/dev/null)
}

leaked_tables() {
  nft list tables 2>/dev/null | awk '$3 ~ /^berth/ { print $2, $3 }' || true
}

# Cgroups of test hosts whose test is gone (berthd runs with --cgroup-parent /<host id>).
leaked_cgroups() {
  local cg
  while read -r cg; do
    [[ -n "$cg" ]] || continue
    # Cgroups are machine-wide, while host dirs live under each run's own base:
    # a host of another run (default base /tmp) is not this run's leak.
    owner_alive "$base/${cg##*/}" || owner_alive "/tmp/${cg##*/}" || printf '%s\n' "$cg"
  done < <(find /sys/fs/cgroup -mindepth 1 -maxdepth 2 -type d -name 'berth-th-*' 2>/dev/null)
}

leaked_mounts() {
  awk -v p="$base/berth-th-" 'index($2, p) == 1 { print $2 }' /proc/self/mounts
}

leaked_dirs() {
  local d
  for d in "$base"/berth-th-*; do
    [[ -d "$d" ]] || continue
    owner_alive "$d" || printf '%s\n' "$d"
  done
}

# Processes of test hosts whose test is gone: in a leaked netns, or running
# with a dead host's dir on their command line (a berthd outliving its test).
leaked_procs() {
  local ns file dir pid
  {
    while read -r ns; do
      if [[ -n "$ns" ]]; then ip netns pids "$ns" 2>/dev/null || true; fi
    done <<<"$netns"
    grep -Easo "$base/berth-th-[0-9a-f]{8}" /proc/[0-9]*/cmdline | sort -u |
      while IFS=: read -r file dir; do
        if ! owner_alive "$dir"; then
          pid=${file#/proc/}
          printf '%s\n' "${pid%/cmdline}"
        fi
      done
  } | sort -un | while read -r pid; do
    [[ -r "/proc/$pid/cmdline" ]] || continue
    printf '%s %s\n' "$pid" "$(tr '\0' ' ' <"/proc/$pid/cmdline" 2>/dev/null | cut -c1-150)"
  done
}

check() {
  links=$(leaked_links)
  netns=$(leaked_netns)
  tables=$(leaked_tables)
  mounts=$(leaked_mounts)
  cgroups=$(leaked_cgroups)
  dirs=$(leaked_dirs)
  procs=$(leaked_procs)
  [[ -z "$links$netns$tables$mounts$cgroups$dirs$procs" ]]
}

# Teardown of a test that just ended may still be finishing: look again for
# a few seconds before calling anything a leak.
for ((try = 0; ; try++)); do
  if check; then
    echo "leak check: nothing left behind by test hosts"
    exit 0
  fi
  ((try < ${BERTH_LEAK_GRACE:-5})) || break
  sleep 1
done

report() { # WHAT LIST
  [[ -n "$2" ]] || return 0
  echo "LEAKED $1:"
  printf '  %s\n' "${2//$'\n'/$'\n'  }"
}
{
  report "links in the machine's netns (ip -o link)" "$links"
  report "network namespaces (ip netns list)" "$netns"
  report "nftables tables in the machine's netns (nft list tables)" "$tables"
  report "mounts under $base/berth-th-* (/proc/self/mounts)" "$mounts"
  report "cgroups of test hosts whose test is gone (/sys/fs/cgroup)" "$cgroups"
  report "test host dirs whose test is gone" "$dirs"
  report "processes of test hosts whose test is gone (pid, command)" "$procs"
} >&2

if ((clean)); then
  echo "leak check: --clean: removing the above" >&2
  while read -r pid _; do
    if [[ -n "$pid" ]]; then kill -KILL "$pid" 2>/dev/null || true; fi
  done <<<"$procs"
  while read -r m; do
    if [[ -n "$m" ]]; then umount -l "$m" || true; fi
  done < <(sort -r <<<"$mounts")
  while read -r n; do
    if [[ -n "$n" ]]; then ip netns delete "$n" || true; fi
  done <<<"$netns"
  while read -r l; do
    if [[ -n "$l" ]]; then ip link delete "$l" || true; fi
  done <<<"$links"
  while read -r fam name; do
    if [[ -n "$name" ]]; then nft delete table "$fam" "$name" || true; fi
  done <<<"$tables"
  while read -r cg; do
    if [[ -n "$cg" ]]; then find "$cg" -depth -type d -exec rmdir {} + 2>/dev/null || true; fi
  done <<<"$cgroups"
  while read -r d; do
    if [[ -n "$d" ]] && ! awk -v p="$d/" 'index($2, p) == 1 { f = 1 } END { exit !f }' /proc/self/mounts; then
      rm -rf --one-file-system "$d"
    fi
  done <<<"$dirs"
fi
exit 1
