#!/bin/bash
# Rootless lxr beside rootless podman, as one ordinary user, in one run:
#  - start time: RUNS × `run --rm --network none ROOTFS true`, and the same
#    on each tool's default network (lxr: a namespace of its own with pasta;
#    podman 4.3: slirp4netns), by hyperfine;
#  - TCP throughput between two services of a stack (client → server by
#    name, on the stack's bridge), and from the host through a published port
#    (lxr: pasta; podman: its port forwarder), SIZE MiB through busybox nc.
# podman runs with --cgroups=disabled: rootless lxr makes no cgroup either
# (no limits without delegation), and Debian's crun refuses a hybrid host.
# Run as root: makes a user of its own with subordinate ranges (and removes
# it); run as an ordinary user: uses that user. Needs uidmap, passt, podman
# and hyperfine (packaging/setup.sh); without podman, lxr's figures alone.
#   bench/rootless.sh [RUNS] [SIZE]     (defaults 50, 512)
set -euo pipefail
runs=${1:-50}
size=${2:-512}
here=$(cd "$(dirname "$0")" && pwd)
src=$(dirname "$here")
lxr=${LXR:-$src/build/lxr}
[ -x "$lxr" ] || { echo "build lxr first (cmake --build build)" >&2; exit 1; }
command -v hyperfine >/dev/null || { echo "hyperfine missing: packaging/setup.sh installs it" >&2; exit 1; }
command -v pasta >/dev/null || { echo "pasta missing: packaging/setup.sh installs passt" >&2; exit 1; }
PORT_L=19417 PORT_P=19418

if [ "$(id -u)" -eq 0 ]; then
	user="qbench$$"
	work=$(mktemp -d /tmp/lxr-bench-rootless.XXXXXX)
	chmod 755 "$work"
	useradd -M -d "$work/home" -s /bin/sh "$user"
	trap 'userdel "$user"; sed -i "/^$user:/d" /etc/subuid /etc/subgid; rm -rf "$work"' EXIT
	if ! grep -q "^$user:" /etc/subuid; then
		top=$(awk -F: '{e=$2+$3; if (e>m) m=e} END {print m+0}' /etc/subuid /etc/subgid)
		[ "$top" -lt 100000 ] && top=100000
		usermod --add-subuids "$top-$((top + 65535))" --add-subgids "$top-$((top + 65535))" "$user"
	fi
	mkdir -p "$work/home/bin" "$work/home/run"
	cp "$lxr" "$(dirname "$lxr")/lxr-image" "$work/home/bin/"
	"$src/examples/make-rootfs.sh" "$work/home/rootfs" >/dev/null
	cp "$0" "$work/home/bin/rootless.sh"
	chown -R "$user:" "$work/home"
	chmod 700 "$work/home/run"
	cd "$work/home"
	setpriv --reuid "$user" --regid "$user" --init-groups env -i HOME="$work/home" \
		PATH=/usr/sbin:/usr/bin:/sbin:/bin XDG_RUNTIME_DIR="$work/home/run" \
		LXR="$work/home/bin/lxr" ROOTFS="$work/home/rootfs" \
		bash "$work/home/bin/rootless.sh" "$runs" "$size"
	exit
fi

# ---- as the ordinary user ----------------------------------------------------
: "${XDG_RUNTIME_DIR:?set XDG_RUNTIME_DIR}"
tmp=$(mktemp -d "$XDG_RUNTIME_DIR/bench.XXXXXX")
rootfs=${ROOTFS:-$tmp/rootfs}
[ -d "$rootfs" ] || "$src/examples/make-rootfs.sh" "$rootfs" >/dev/null
podman=$(command -v podman || true)
cleanup() {
	(cd "$tmp" && "$lxr" down -t 0 >/dev/null 2>&1) || true
	if [ -n "$podman" ]; then
		podman rm -f -t 0 qb-server qb-client >/dev/null 2>&1 || true
		podman network rm -f qb-net >/dev/null 2>&1 || true
		podman rmi -f localhost/qb-rootfs >/dev/null 2>&1 || true
	fi
	# the pause processes holding each tool's user namespace
	for f in "$XDG_RUNTIME_DIR/lxr/pause.pid" "$XDG_RUNTIME_DIR/libpod/tmp/pause.pid"; do
		p=$(cat "$f" 2>/dev/null) && kill "$p" 2>/dev/null
	done
	rm -rf "$tmp"
}
trap cleanup EXIT
if [ -n "$podman" ]; then
	tar -C "$rootfs" -c . | podman import - localhost/qb-rootfs >/dev/null
fi

echo "== start time: $runs × run --rm … true (as $(id -un), rootless)"
cmds=(-n "lxr --network none" "$lxr run --rm --network none $rootfs /bin/true"
	-n "lxr (pasta)" "$lxr run --rm $rootfs /bin/true")
if [ -n "$podman" ]; then
	cmds+=(-n "podman --network none" "podman run --cgroups=disabled --rm --network none localhost/qb-rootfs /bin/true"
		-n "podman (default network)" "podman run --cgroups=disabled --rm localhost/qb-rootfs /bin/true")
fi
# each once first, out loud: a tool that fails here says why (rootless
# podman may not run on this host at all: then lxr's figures alone)
for ((i = 2; i < ${#cmds[@]}; i += 3)); do
	if ! ${cmds[i]}; then
		case ${cmds[i]} in
		podman*) echo "podman cannot run rootless here: lxr alone" >&2
			podman=""
			cmds=("${cmds[@]:0:6}")
			break ;;
		*) echo "failed: ${cmds[i]}" >&2; exit 1 ;;
		esac
	fi
done
hyperfine -N --warmup 3 --runs "$runs" --export-json "$tmp/start.json" "${cmds[@]}" >/dev/null
python3 - "$tmp/start.json" <<'PY'
import json, sys
for r in json.load(open(sys.argv[1]))["results"]:
    print(f"  {r['command']:26} median {r['median']*1000:8.2f} ms  mean {r['mean']*1000:8.2f} ms")
PY

# MiB/s of SIZE MiB through nc: GNU dd's own count, in the sender on the
# host; in a container (busybox's dd says no time), the whole exec, timed
timed() {
	local t0 t1
	t0=$(date +%s%N)
	"$@"
	t1=$(date +%s%N)
	awk -v s="$size" -v ns=$((t1 - t0)) 'BEGIN {printf "%.0f MiB/s (%.2f s, exec included)", s/(ns/1e9), ns/1e9}'
}
mibs() { sed -n 's/.*copied, \([0-9.]*\) s.*/\1/p' | awk -v s="$size" '{printf "%.0f MiB/s (%.2f s)", s/$1, $1}'; }
# one listener per measurement: busybox nc ends its connection when its
# stdin does, so each reads from a sleep
server="(sleep 3600 | busybox nc -l -p 5201 >/dev/null) & sleep 3600 | busybox nc -l -p 5202 >/dev/null"

echo "== TCP throughput, $size MiB through busybox nc"
cat >"$tmp/compose.yaml" <<EOF
name: qbench
services:
  server:
    image: $rootfs
    command: ["sh", "-c", "$server"]
    ports: ["$PORT_L:5202"]
  client:
    image: $rootfs
    command: ["sleep", "3600"]
EOF
(cd "$tmp" && "$lxr" up -d >/dev/null 2>&1)
sleep 1
l_svc=$(timed sh -c "cd $tmp && $lxr exec client sh -c 'dd if=/dev/zero bs=1M count=$size 2>/dev/null | busybox nc server 5201'")
l_pub=$( (dd if=/dev/zero bs=1M count="$size" 2>"$tmp/dd" | busybox nc 127.0.0.1 "$PORT_L") ; tail -n1 "$tmp/dd" | mibs)
echo "  lxr    service → service by name: $l_svc"
echo "  lxr    host → published port (pasta): $l_pub"
(cd "$tmp" && "$lxr" down -t 0 >/dev/null 2>&1)
if [ -n "$podman" ]; then
	podman network create qb-net >/dev/null
	podman run --cgroups=disabled -d --name qb-server --network qb-net -p "$PORT_P:5202" localhost/qb-rootfs sh -c "$server" >/dev/null
	podman run --cgroups=disabled -d --name qb-client --network qb-net localhost/qb-rootfs sleep 3600 >/dev/null
	sleep 1
	p_svc=$(timed podman exec qb-client sh -c "dd if=/dev/zero bs=1M count=$size 2>/dev/null | busybox nc qb-server 5201")
	p_pub=$( (dd if=/dev/zero bs=1M count="$size" 2>"$tmp/dd" | busybox nc 127.0.0.1 "$PORT_P") ; tail -n1 "$tmp/dd" | mibs)
	echo "  podman service → service by name: $p_svc"
	echo "  podman host → published port: $p_pub"
fi
