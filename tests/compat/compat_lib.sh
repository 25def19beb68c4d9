# shellcheck shell=bash
# Helpers shared by the compatibility suites, on top of tests/lib/testhost.sh
# (source that first). Like th_expect_*, every check prints the command, what
# was expected and what came, then exits 1.

COMPAT_SECTION=""

# section TITLE: names the group of checks that follows (shown on failure too).
section() {
  COMPAT_SECTION=$1
  printf '== %s\n' "$1"
}

# expect_header 'COL|COL|...' CMD...: CMD exits 0 and the first line of its
# table has exactly these column titles. Columns are split on runs of two or
# more spaces, as the docker CLI's tabwriter pads them.
expect_header() {
  local want=$1
  shift
  th_expect_ok "$@"
  local got
  got=$(head -n 1 <<<"$TH_OUT" | sed -E 's/^ +//; s/ +$//; s/ {2,}/|/g')
  [[ "$got" == "$want" ]] || th__report "expected table columns: $want (got: $got)"
}

# expect_json WHAT JQ_FILTER EXPECTED JSON: jq -c FILTER on JSON prints EXPECTED.
expect_json() {
  local what=$1 filter=$2 want=$3 json=$4 got
  got=$(jq -c "$filter" <<<"$json" 2>&1) || got="(jq failed: $got)"
  [[ "$got" == "$want" ]] ||
    th_fail "$COMPAT_SECTION: $what: jq '$filter' expected $want, got $got"$'\n'"  JSON: ${json:0:2000}"
}

# expect_json_keys WHAT JQ_PATH "KEY KEY ..." JSON: the object at JQ_PATH has
# every KEY (dockerd's field names; more keys are fine).
expect_json_keys() {
  local what=$1 path=$2 keys=$3 json=$4 key missing=""
  for key in $keys; do
    if ! jq -e --arg k "$key" "$path | has(\$k)" <<<"$json" >/dev/null 2>&1; then
      missing+=" $key"
    fi
  done
  [[ -z "$missing" ]] ||
    th_fail "$COMPAT_SECTION: $what: missing fields:$missing"$'\n'"  JSON: ${json:0:2000}"
}

# known_gap REASON CHECK...: runs CHECK (a th_expect_*/expect_json call) for a
# difference from dockerd that the suite found and that is not fixed yet. A
# failure prints KNOWN GAP and what came instead of ending the suite; a pass
# prints a NOTE to take the wrapper off (the check then guards the fix). The
# check runs in a subshell: its `exit 1` ends only that.
known_gap() {
  local reason=$1 out rc=0
  shift
  out=$( ("$@") 2>&1) || rc=$?
  if ((rc == 0)); then
    printf 'NOTE: known gap passes now, take known_gap off its check: %s\n' "$reason"
  else
    printf 'KNOWN GAP: %s\n%s\n' "$reason" "$(grep -v '^testhost: command failed' <<<"$out" | sed 's/^/  /')"
  fi
}
