#!/usr/bin/env bash
# Volumes on a real berthd in a test host, through the docker CLI and the berth
# CLI alike (issue 7): the book's chapter 14 flow, data across container
# removal and a berthd restart, copy-up (once per container), --volumes-from,
# anonymous volumes and rm -v, bad input, a tmpfs volume's mount across a
# kill -9 of berthd, a volume plugin (tests/integration/volume_plugin.py) and
# events.
set -euo pipefail

here=$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)
# shellcheck source=SCRIPTDIR/../lib/testhost.sh
source "${BERTH_TESTHOST_SH:-$here/../lib/testhost.sh}"
th_require_berth

# The plugin lives in this test's own directory, never in /run or /etc.
plugdir=$(mktemp -d /tmp/berth-volume-plugins-XXXXXX)
plugin_pid=""
cleanup_plugin() {
  [[ -z "$plugin_pid" ]] || kill "$plugin_pid" 2>/dev/null || true
  rm -rf "$plugdir"
}
th_on_exit cleanup_plugin
mkdir -p "$plugdir/run" "$plugdir/etc" "$plugdir/data"
export BERTH_PLUGIN_SOCKET_DIRS="$plugdir/run"
export BERTH_PLUGIN_SPEC_DIRS="$plugdir/etc"
export BERTH_PLUGIN_TIMEOUT_MS=2000

th_create h1
dir=$(th_dir h1)
th_expect_ok "${BERTH_SOURCE_DIR:-$here/../..}/scripts/make-test-image" --host "unix://$(th_sock h1)"
voldir="$dir/data/volumes"

mapfile -t client_env < <(th_env h1)
for cli in docker berth; do
  bin=$DOCKER_CLI
  [[ $cli == docker ]] || bin=$BERTH_CLI
  c() { env "${client_env[@]}" "$bin" "$@"; }

  echo "== $cli: create, ls, inspect, prune (book chapter 14)"
  th_expect_out myvol c volume create myvol
  th_expect_match 'local +myvol' c volume ls
  th_expect_out "$voldir/myvol/_data local" c volume inspect -f '{{.Mountpoint}} {{.Driver}}' myvol
  # dockerd >= 23 prunes only anonymous volumes by default: -a takes myvol.
  th_expect_ok c volume prune -f
  th_expect_out myvol c volume ls -q
  th_expect_match '^Deleted Volumes:$' c volume prune -af
  th_expect_eq "$cli prune -a output" $'Deleted Volumes:\nmyvol\n\nTotal reclaimed space: 0B' "$TH_OUT"
  th_expect_ok c volume create myvol
  th_expect_ok c volume prune -af
  th_expect_match 'Total reclaimed space: 0B' c volume prune -af
  th_expect_out "" c volume ls -q
  [[ ! -e "$voldir/myvol" ]] || th_fail "$cli: myvol's directory is left after prune"

  echo "== $cli: a named volume through --mount, in use, data kept"
  th_expect_ok c run -dit --name voltainer --mount source=bizvol,target=/vol busybox
  th_expect_out bizvol c volume ls -q
  th_expect_fail_match 'volume is in use - \[' c volume rm bizvol
  th_expect_ok c exec voltainer sh -c 'echo hello-from-container > /vol/file.txt'
  th_expect_out "bizvol /vol volume" c inspect -f '{{range .Mounts}}{{.Name}} {{.Destination}} {{.Type}}{{end}}' voltainer
  th_expect_ok c rm -f voltainer
  th_expect_eq "$cli: data on the host" hello-from-container "$(cat "$voldir/bizvol/_data/file.txt")"
  th_expect_out hello-from-container c run --rm -v bizvol:/data:ro busybox cat /data/file.txt
  echo from-host >"$voldir/bizvol/_data/host.txt"
  th_expect_out from-host c run --rm --mount type=volume,src=bizvol,dst=/d busybox cat /d/host.txt
  th_expect_fail c run --rm -v bizvol:/data:ro busybox touch /data/nope
  th_expect_out bizvol c volume rm bizvol

  echo "== $cli: two containers on one volume"
  th_expect_ok c run -d --name w1 -v shared:/s busybox sh -c 'echo one > /s/one; sleep 1000'
  th_expect_ok c run -d --name w2 -v shared:/s busybox sleep 1000
  th_expect_out one c exec w2 cat /s/one
  th_expect_ok c rm -f w1 w2
  th_expect_ok c volume rm shared

  echo "== $cli: copy-up, nocopy, anonymous volumes and rm -v"
  th_expect_out "passwd" c run --rm -v etcvol:/etc busybox sh -c 'ls /etc | grep -x passwd'
  [[ -f "$voldir/etcvol/_data/passwd" ]] || th_fail "$cli: copy-up did not fill etcvol"
  # runc still makes the mount points of /etc/hostname, hosts, resolv.conf in it.
  th_expect_out nocopy c run --rm --mount type=volume,src=emptyvol,dst=/etc,volume-nocopy busybox \
    sh -c 'test -e /etc/passwd || echo nocopy'
  th_expect_ok c volume rm etcvol emptyvol
  th_expect_ok c create --name anon -v /scratch busybox true
  anon=$(c inspect -f '{{range .Mounts}}{{.Name}}{{end}}' anon)
  th_expect_out "$anon" c volume ls -q --filter label=com.docker.volume.anonymous
  th_expect_ok c rm -v anon
  th_expect_out "" c volume ls -q
  th_expect_ok c create --name anon2 -v /scratch busybox true
  th_expect_ok c rm anon2
  th_expect_ok c volume prune -f
  th_expect_out "" c volume ls -q

  echo "== $cli: copy-up once per container (dockerd: at create), never through --volumes-from"
  th_expect_ok c create --name cu -v cuvol:/www busybox sh -c 'ls /www; rm -f /www/index.html'
  th_expect_ok c start cu
  th_expect_out 0 c wait cu
  th_expect_out index.html c logs cu
  # Its second start does not refill the volume it emptied.
  th_expect_ok c start cu
  th_expect_out 0 c wait cu
  th_expect_out index.html c logs cu
  th_expect_ok c rm cu
  # A new container over the empty volume fills it again.
  th_expect_out index.html c run --rm -v cuvol:/www busybox ls /www
  th_expect_ok c create --name cu-lender -v cuempty:/www busybox true
  th_expect_out "" c run --rm --volumes-from cu-lender busybox ls /www
  th_expect_ok c rm cu-lender
  th_expect_ok c volume rm cuvol cuempty

  echo "== $cli: --volumes-from"
  mkdir -p "$dir/lentbind"
  echo bound-lent >"$dir/lentbind/b.txt"
  th_expect_ok c run -d --name lender -v lent:/lent -v /anonlent -v "$dir/lentbind:/lb:ro" busybox sleep 1000
  th_expect_ok c exec lender sh -c 'echo lent-data > /lent/f; echo anon-data > /anonlent/a'
  th_expect_out lent-data c run --rm --volumes-from lender busybox cat /lent/f
  th_expect_out anon-data c run --rm --volumes-from lender busybox cat /anonlent/a
  th_expect_out bound-lent c run --rm --volumes-from lender busybox cat /lb/b.txt
  th_expect_fail_match 'Read-only file system' c run --rm --volumes-from lender:ro busybox touch /lent/nope
  th_expect_ok c run --rm --volumes-from lender:rw busybox touch /lent/yes
  # :rw does not make the lender's read-only bind writable.
  th_expect_fail_match 'Read-only file system' c run --rm --volumes-from lender:rw busybox touch /lb/nope
  th_expect_fail_match 'invalid mode: bogus' c create --volumes-from lender:bogus busybox true
  th_expect_fail_match 'No such container: nolender' c create --volumes-from nolender busybox true
  th_expect_ok c create --name borrower --volumes-from lender busybox true
  anonlent=$(c inspect -f '{{range .Mounts}}{{if eq .Destination "/anonlent"}}{{.Name}}{{end}}{{end}}' lender)
  # rm -v of the lender keeps the anonymous volume the borrower still uses.
  th_expect_ok c rm -fv lender
  th_expect_match "^$anonlent\$" c volume ls -q
  th_expect_fail_match 'volume is in use' c volume rm lent
  th_expect_ok c rm -v borrower
  th_expect_ok c volume rm lent
  th_expect_ok c volume prune -f
  th_expect_out "" c volume ls -q

  echo "== $cli: bind mounts"
  mkdir -p "$dir/bindsrc"
  echo bound >"$dir/bindsrc/b.txt"
  th_expect_out bound c run --rm -v "$dir/bindsrc:/b" busybox cat /b/b.txt
  th_expect_out bound c run --rm --mount "type=bind,src=$dir/bindsrc,dst=/b,readonly" busybox cat /b/b.txt
  th_expect_ok c run --rm -v "$dir/made-by-v-$cli:/m" busybox true
  [[ -d "$dir/made-by-v-$cli" ]] || th_fail "$cli: -v did not create the missing host path"

  echo "== $cli: bad input creates nothing"
  th_expect_fail_match 'includes invalid characters' c volume create 'b@d'
  th_expect_fail_match 'mount path must be absolute|must be absolute' c create --mount source=v1,target=rel busybox true
  th_expect_fail_match 'plugin "nosuchdriver" not found' c volume create -d nosuchdriver v2
  th_expect_fail_match 'Duplicate mount point' c create -v v3:/x --mount source=v4,target=/x busybox true
  th_expect_fail_match 'bind source path does not exist' c create --mount "type=bind,src=$dir/nope,dst=/x" busybox true
  th_expect_fail_match 'invalid option' c volume create -o bogus=1 v5
  th_expect_fail_match 'no such volume' c volume inspect nosuchvolume
  th_expect_out "" c volume ls -q
  th_expect_out "" c ps -aq

  echo "== $cli: local driver options (tmpfs)"
  th_expect_ok c volume create -d local -o type=tmpfs -o device=tmpfs -o o=size=1m tmpvol
  th_expect_out tmpfs c run --rm -v tmpvol:/t busybox sh -c 'awk "\$2==\"/t\" {print \$3}" /proc/mounts'
  th_expect_ok c volume rm tmpvol
done

echo "== data survives a berthd restart"
b() { env "${client_env[@]}" "$BERTH_CLI" "$@"; }
th_expect_ok b run -d --name keeper -v keep:/k busybox sh -c 'echo kept > /k/f; sleep 1000'
sleep 0.5
th_stop_daemon h1
th_start_daemon h1
th_expect_fail_match 'volume is in use' b volume rm keep
th_expect_ok b rm -f keeper
th_expect_out kept b run --rm -v keep:/k busybox cat /k/f
th_expect_ok b volume rm keep

echo "== a tmpfs volume in use survives kill -9 of berthd"
d() { env "${client_env[@]}" "$DOCKER_CLI" "$@"; }
tmounts() { grep -c " $voldir/tv/_data " "/proc/$(th_pid h1)/mountinfo" || true; }
th_expect_ok b volume create -o type=tmpfs -o device=tmpfs -o o=size=1m tv
th_expect_ok d run -d --name tv1 -v tv:/t busybox sleep 1000
th_expect_ok d exec tv1 sh -c 'echo in-tmpfs > /t/f'
th_expect_ok b run -d --name tv2 -v tv:/t busybox sleep 1000
th_kill_daemon h1
th_start_daemon h1
th_expect_fail_match 'volume is in use' b volume rm tv
th_expect_fail_match 'volume is in use' d volume rm tv
# A new user shares the tmpfs instead of stacking an empty one on it.
th_expect_out in-tmpfs d run --rm -v tv:/t busybox cat /t/f
th_expect_out in-tmpfs b run --rm -v tv:/t busybox cat /t/f
th_expect_ok d rm -f tv2
th_expect_out in-tmpfs b exec tv1 cat /t/f
th_expect_eq "tmpfs still mounted for tv1" 1 "$(tmounts)"
th_kill_daemon h1
th_start_daemon h1
th_expect_ok b rm -f tv1
th_expect_eq "tmpfs unmounted with its last user" 0 "$(tmounts)"
th_expect_out tv d volume rm tv

echo "== events"
sleep 1 # --since has whole seconds: none of the restart section's events
since=$(date +%s)
th_expect_ok b volume create evvol
th_expect_ok b run --rm -v evvol:/e busybox true
th_expect_ok b volume rm evvol
th_expect_ok b events --since "$since" --until "$(($(date +%s) + 1))" --filter type=volume --format '{{.Action}}'
th_expect_eq "volume events" $'create\nmount\nunmount\ndestroy' "$TH_OUT"

echo "== volume plugin"
python3 "$here/volume_plugin.py" "$plugdir/run/testplug.sock" "$plugdir/data" "$plugdir/calls.log" &
plugin_pid=$!
for _ in $(seq 50); do [[ -S "$plugdir/run/testplug.sock" ]] && break; sleep 0.1; done
for cli in docker berth; do
  bin=$DOCKER_CLI
  [[ $cli == docker ]] || bin=$BERTH_CLI
  c() { env "${client_env[@]}" "$bin" "$@"; }
  th_expect_out "pv-$cli" c volume create -d testplug "pv-$cli"
  th_expect_out "testplug" c volume inspect -f '{{.Driver}}' "pv-$cli"
  th_expect_ok c run --rm -v "pv-$cli:/p" busybox sh -c 'echo via-plugin > /p/f'
  th_expect_eq "$cli plugin data" via-plugin "$(cat "$plugdir/data/pv-$cli/f")"
  th_expect_fail_match 'VolumeDriver.Create: disk on fire' c volume create -d testplug -o fail='disk on fire' broken
  th_expect_fail_match 'timeout' c volume create -d testplug -o slow=4 slowvol
  th_expect_ok c volume rm "pv-$cli"
done
grep -q '^VolumeDriver.Mount pv-docker' "$plugdir/calls.log" || th_fail "plugin saw no Mount"
grep -q '^VolumeDriver.Unmount pv-docker' "$plugdir/calls.log" || th_fail "plugin saw no Unmount"
kill "$plugin_pid"
plugin_pid=""
th_expect_out "" b volume ls -q

th_destroy h1
echo "PASS"
