#!/bin/bash
# Rootless lxr beside rootless podman, as one ordinary user, in one run:
#  - start time: RUNS × `run --rm --network none ROOTFS true`, and the same
#    on each tool's default network (lxr: a namespace of its own with pasta;
#    podman 4.3: slirp4netns), by hyperfine;
#  - TCP throughput between two services of a stack (client → server by
#    name, on the stack's bridge), and from the host through a published port
#    (lxr: pasta; podman: its port forwarder), SIZE MiB through busybox nc,
#    each the median of TRIES transfers (default 3); podman's twice: on its
#    default network (a CNI bridge at MTU 1500) and on one at lxr's MTU
#    (lxr's bridge takes its uplink's, pasta's 65520). Debian 12's podman
#    resolves no names without the dnsname plugin: its client has the
#    server's name in /etc/hosts (--add-host), as lxr's has.
# Each figure of podman's is printed beside lxr's, with the ratio.
# podman runs with its default runtime (Debian 12: crun) and
# --cgroups=disabled: rootless lxr makes no cgroup either (no limits without
# a delegated cgroup v2 subtree, which a v1 or hybrid host has not).
# Debian's crun refuses a hybrid host (v1 controllers and a v2 mount at
# /sys/fs/cgroup/unified: "cgroups in hybrid mode not supported"), so run
# as root the script runs the user's side, lxr and podman alike, in a
# private mount namespace where that v2 mount is unmounted (the host's is
# left as it is); there the host looks like cgroup v1 alone, which lxr
# treats exactly as the hybrid host. (podman --runtime runc also runs on
# the hybrid host, but not with --cgroups=disabled.)
# Run as root: makes a user of its own with subordinate ranges (and removes
# it, with its processes, storage and files); run as an ordinary user: uses
# that user, on the host's mounts (without podman where it cannot run:
# then lxr's figures alone). Needs uidmap, passt, podman and hyperfine
# (packaging/setup.sh).
#   [TRIES=3] bench/rootless.sh [RUNS] [SIZE]     (defaults 50, 512)
set -euo pipefail
shopt -s inherit_errexit
runs=${1:-50}
size=${2:-512}
tries=${TRIES:-3}
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
	# shellcheck disable=SC2317 # called by the trap
	gone() {
		# what the user's side left running (it kills its pause processes;
		# conmon, slirp4netns and pasta end shortly after) goes, by pid
		for _ in $(seq 50); do
			pgrep -u "$user" >/dev/null || break
			sleep 0.1
		done
		for p in $(pgrep -u "$user"); do kill -9 "$p" 2>/dev/null || true; done
		sleep 0.2
		userdel "$user"
		sed -i "/^$user:/d" /etc/subuid /etc/subgid
		rm -rf "$work"
	}
	trap gone EXIT
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
	# a private mount namespace without the hybrid host's cgroup v2 mount,
	# for both tools (see above); it ends with the last process in it
	# shellcheck disable=SC2016
	unshare --mount --propagation private sh -c \
		'if mountpoint -q /sys/fs/cgroup/unified; then umount /sys/fs/cgroup/unified; fi; exec "$@"' sh \
		setpriv --reuid "$user" --regid "$user" --init-groups env -i HOME="$work/home" \
		PATH=/usr/sbin:/usr/bin:/sbin:/bin XDG_RUNTIME_DIR="$work/home/run" \
		LXR="$work/home/bin/lxr" ROOTFS="$work/home/rootfs" TRIES="$tries" \
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
r = {x["command"]: x for x in json.load(open(sys.argv[1]))["results"]}
def cell(x):
    return f"{x['median']*1000:.2f} ({x['mean']*1000:.2f})" if x else ""
print(f"  {'ms, median (mean)':28} {'lxr':>18} {'podman':>18} {'podman/lxr':>11}")
for row, l, p in (("--network none", "lxr --network none", "podman --network none"),
                  ("default network", "lxr (pasta)", "podman (default network)")):
    l, p = r.get(l), r.get(p)
    ratio = f"{p['median']/l['median']:.1f}x" if p else ""
    print(f"  {row:28} {cell(l):>18} {cell(p):>18} {ratio:>11}")
print("  (default network: lxr with pasta, podman with slirp4netns)")
PY

# seconds for SIZE MiB through nc: GNU dd's own count, in the sender on the
# host; in a container (busybox's dd says no time), the whole exec, timed.
# Each is the median of TRIES transfers.
exec_secs() {
	local t0 t1
	t0=$(date +%s%N)
	"$@" >/dev/null || { echo "failed: $*" >&2; return 1; }
	t1=$(date +%s%N)
	awk -v ns=$((t1 - t0)) 'BEGIN {printf "%.3f\n", ns / 1e9}'
}
host_secs() {
	dd if=/dev/zero bs=1M count="$size" 2>"$tmp/dd" | busybox nc 127.0.0.1 "$1" ||
		{ echo "failed: nc 127.0.0.1 $1" >&2; return 1; }
	sed -n 's/.*copied, \([0-9.]*\) s.*/\1/p' "$tmp/dd" | grep . ||
		{ echo "failed: dd to port $1" >&2; return 1; }
}
median_secs() {
	local i
	for ((i = 0; i < tries; i++)); do
		sleep 0.5 # the server's next listener
		"$@" || return 1
	done | sort -g | awk -v n="$tries" '{a[NR] = $1}
		END {if (NR != n) exit 1; print (NR % 2) ? a[(NR + 1) / 2] : (a[NR / 2] + a[NR / 2 + 1]) / 2}'
}
mibs() { [ -z "$1" ] || awk -v s="$size" -v t="$1" 'BEGIN {printf "%.0f (%.2f s)", s / t, t}'; }
ratio() { [ -z "$2" ] || awk -v l="$1" -v p="$2" 'BEGIN {printf "%.2fx", p / l}'; }
# a listener after another on each port: busybox nc ends its connection
# when its stdin does, so they all read from one sleep
server="(sleep 3600 | while :; do busybox nc -l -p 5201 >/dev/null; done) & sleep 3600 | while :; do busybox nc -l -p 5202 >/dev/null; done"

echo "== TCP throughput, $size MiB through busybox nc, median of $tries"
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
l_svc=$(median_secs exec_secs sh -c "cd $tmp && $lxr exec client sh -c 'dd if=/dev/zero bs=1M count=$size 2>/dev/null | busybox nc server 5201'")
l_pub=$(median_secs host_secs "$PORT_L")
(cd "$tmp" && "$lxr" down -t 0 >/dev/null 2>&1)
# podman's two services on a network of its own (NETWORK-CREATE-OPTIONS):
# prints the two medians, service → service and host → published port
podman_pair() {
	local ip svc pub
	podman network create "$@" qb-net >/dev/null
	podman run --cgroups=disabled -d --name qb-server --network qb-net -p "$PORT_P:5202" localhost/qb-rootfs sh -c "$server" >/dev/null
	# the server's name in the client's /etc/hosts, as lxr gives it: Debian
	# 12's podman (CNI) resolves names on a network only with the dnsname
	# plugin, which is not installed
	ip=$(podman inspect -f '{{(index .NetworkSettings.Networks "qb-net").IPAddress}}' qb-server)
	podman run --cgroups=disabled -d --name qb-client --network qb-net --add-host "qb-server:$ip" \
		localhost/qb-rootfs sleep 3600 >/dev/null
	sleep 1
	svc=$(median_secs exec_secs podman exec qb-client sh -c "dd if=/dev/zero bs=1M count=$size 2>/dev/null | busybox nc qb-server 5201")
	pub=$(median_secs host_secs "$PORT_P")
	podman rm -f -t 0 qb-server qb-client >/dev/null
	podman network rm -f qb-net >/dev/null
	echo "$svc $pub"
}
p_svc="" p_pub="" m_svc="" m_pub=""
if [ -n "$podman" ]; then
	r=$(podman_pair)
	read -r p_svc p_pub <<<"$r"
	# lxr's bridge takes the MTU of the namespace's uplink, pasta's 65520;
	# podman's bridge is 1500 unless asked: the same again at lxr's MTU
	r=$(podman_pair --opt mtu=65520)
	read -r m_svc m_pub <<<"$r"
fi
row() { printf '  %-28s %18s %18s %11s\n' "$1" "$(mibs "$2")" "$(mibs "$3")" "$(ratio "$2" "$3")"; }
printf '  %-28s %18s %18s %11s\n' "MiB/s (seconds)" lxr podman lxr/podman
row "service → service by name" "$l_svc" "$p_svc"
row "host → published port" "$l_pub" "$p_pub"
if [ -n "$podman" ]; then
	echo "  podman's network at lxr's MTU (network create --opt mtu=65520):"
	row "service → service by name" "$l_svc" "$m_svc"
	row "host → published port" "$l_pub" "$m_pub"
fi
echo "  (service → service: the whole exec, timed; published port: lxr through pasta, podman through its port forwarder)"
