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

script='echo "\$ hostname"; hostname; echo "\$ ps"; ps -o pid,user,comm 2>/dev/null | head -n 8
echo "\$ ls /"; ls / | tr "\n" " "; echo; echo "\$ ip addr"; ip -o addr | cut -c1-60'
host=$(mktemp)
ctr=$(mktemp)
trap 'rm -f "$host" "$ctr"' EXIT
sh -c "$(printf '%s' "$script" | sed 's/\\\$/$/g')" >"$host" 2>&1 || true
./build/lxr run --rm --hostname demo -m 64m --pids-limit 64 "$rootfs" \
	/bin/sh -c "$(printf '%s' "$script" | sed 's/\\\$/$/g')" >"$ctr" 2>&1

printf '%-60s | %s\n' "HOST" "CONTAINER (lxr run --rm $rootfs)"
printf '%-60s-+-%s\n' "------------------------------------------------------------" "---------------------------------------"
pr -m -t -w 125 "$host" "$ctr" | expand

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
step lxr stats
"$lxr" stats -f "$stack"
step lxr down
"$lxr" down -f "$stack"
rm -rf examples/demo/state
echo "demo done: nothing of it is left running"
