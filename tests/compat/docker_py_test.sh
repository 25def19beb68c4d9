#!/usr/bin/env bash
# compat_docker_py: runs docker_py_test.py (Debian's python3-docker) against
# berthd in a test host, with DOCKER_HOST from th_env.
set -euo pipefail

here=$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)
# Debian's interpreter, which has Debian's python3-docker (a python3 earlier
# in PATH, e.g. from pyenv, may carry another docker-py or none).
python=/usr/bin/python3
[[ -x $python ]] || python=python3
if ! "$python" -c 'import docker' 2>/dev/null; then
  echo "SKIP: the python module 'docker' is missing: install Debian's python3-docker"
  exit 77
fi
BERTHD=${BERTHD:-}
if [[ -z "$BERTHD" || ! -x "$BERTHD" ]]; then
  echo "SKIP: berthd binary not found at '${BERTHD}' (set BERTHD or build the berthd target)"
  exit 77
fi
# shellcheck source=SCRIPTDIR/../lib/testhost.sh
source "${BERTH_TESTHOST_SH:-$here/../lib/testhost.sh}"

th_create h1
th_expect_ok "${BERTH_SOURCE_DIR:-$here/../..}/scripts/make-test-image" --host "unix://$(th_sock h1)"
mapfile -t client_env < <(th_env h1)
# Not th_run: the script's progress should stream to the test log as it goes.
rc=0
env "${client_env[@]}" "$python" "$here/docker_py_test.py" || rc=$?
if ((rc != 0)); then
  th_fail "docker_py_test.py exited with status $rc (failed checks above)"
fi
