#!/bin/sh
# The demo, from a fresh Debian 12 machine, as root:
#   ./packaging/demo.sh
# Installs what it needs, builds lxr, makes the busybox base image from the
# host's busybox-static (no registry), shows one container's isolation side by
# side with the host, then runs the demo stack (examples/demo/compose.yaml):
# up in dependency order, ps, exec, logs, a crash and its restart, stats,
# down. Safe to run again: a stack left from an interrupted run is taken down
# first.
set -eu
cd "$(dirname "$0")/.."

./packaging/setup.sh
cmake -S . -B build -DCMAKE_BUILD_TYPE=RelWithDebInfo >/dev/null
cmake --build build -j "$(nproc)" >/dev/null
rootfs=build/demo-rootfs
./examples/make-rootfs.sh "$rootfs"

# The same commands on the host and in a container. They print what tells
# the two apart (names, namespaces, how many processes are in sight, what /
# is) and nothing of the host's own process list or files, so the transcript
# reads the same on any machine but for the counts and namespace numbers.
script=$(cat <<'SH'
show() { echo "\$ $*"; sh -c "$*"; }
show hostname
show readlink /proc/self/ns/pid
show 'ls -d /proc/[0-9]* | wc -l'
show readlink /proc/self/ns/mnt
show "awk '\$5==\"/\" {t=\$(NF-2)} END {print t}' /proc/self/mountinfo"
show readlink /proc/self/ns/net
show 'ip -o link | wc -l'
SH
)
host=$(mktemp)
ctr=$(mktemp)
err=$(mktemp)
trap 'rm -f "$host" "$ctr" "$err"' EXIT
sh -c "$script" >"$host" 2>&1 || true
# lxr's own notes (stderr) go below the table, not into the container's column
./build/lxr run --rm --hostname demo -m 64m --pids-limit 64 --network none "$rootfs" \
	/bin/sh -c "$script" >"$ctr" 2>"$err"

printf '%-60s | %s\n' "HOST" "CONTAINER (lxr run --rm --network none $rootfs)"
printf '%-60s-+-%s\n' "------------------------------------------------------------" \
	"------------------------------------------------------------"
pr -m -t -w 125 "$host" "$ctr" | expand
cat "$err" >&2

stack=examples/demo/compose.yaml
lxr=./build/lxr
# the stack runs on this rootfs as a one-layer image from lxr's own store
"$lxr" import "$rootfs" lxr/busybox:demo >/dev/null
step() { printf '\n\033[1m$ %s\033[0m\n' "$*"; }
"$lxr" down -f "$stack" >/dev/null 2>&1 || true

step lxr up -d -f $stack
"$lxr" up -d -f "$stack"
step lxr ps
"$lxr" ps -f "$stack"
step "lxr exec web wget -qO- http://api:8080/data   # service names resolve on the stack's network"
"$lxr" exec -f "$stack" web wget -qO- http://api:8080/data | tail -n 3
step "wget -qO- http://127.0.0.1:18080/   # web's published port, from the host"
busybox wget -qO- http://127.0.0.1:18080/
sleep 2
step lxr logs --tail 3 worker
"$lxr" logs --file "$stack" --tail 3 worker
step "lxr kill worker   # it crashes; restart: always brings it back"
"$lxr" kill -f "$stack" worker
sleep 1
"$lxr" ps -f "$stack" worker
step "lxr stats --no-stream   # one sample (without it, stats streams until Ctrl-C, as docker's)"
"$lxr" stats --no-stream -f "$stack"
step lxr down
"$lxr" down -f "$stack"
rm -rf examples/demo/state
echo "demo done: nothing of it is left running"
