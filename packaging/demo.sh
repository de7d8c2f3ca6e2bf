#!/bin/sh
# The demo, from a fresh Debian 12 machine, as root:
#   ./packaging/demo.sh
# Installs what it needs, builds lxr, makes the busybox base image from the
# host's busybox-static (no registry), then shows the same four commands on
# the host and in a container, side by side. Safe to run again.
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
