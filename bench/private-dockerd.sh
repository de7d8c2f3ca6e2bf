# shellcheck shell=bash
# Sourced by the benchmarks that compare with docker: a private dockerd (and
# the containerd it starts for itself) that shares nothing with a docker the
# host may run, started by the benchmark and removed with everything it made.
#   . bench/private-dockerd.sh; dockerd_start DIR || ...; ...; dockerd_stop
# dockerd_start DIR: its data root, exec root, pid file, config, unix socket
# and the CLI's config are under DIR; DOCKER_HOST points at its socket and
# DOCKER (the client that came with dockerd: a docker CLI elsewhere on PATH
# may be another version, without the BuildKit client) is set. Returns 1 with
# a message when docker.io is not installed.
#
# Its network is a bridge of its own, dkbench0 (10.213.0.1/24, made here,
# removed by dockerd_stop), and the networks docker-compose makes come from
# 10.214.0.0/16, away from lxr's pool (10.89.0.0/16) and docker's defaults.
# It runs with --iptables=false --ip-forward=false --ip-masq=false: it adds no
# firewall chain and changes no sysctl, so nothing of it is left on the host
# and nothing of a host's docker (its DOCKER chains, docker0, its FORWARD
# policy) is touched. The cost docker pays for its iptables rules is
# therefore not in the figures; the containers need no outside network.
# Its containers' cgroups are under dkbench-docker (removed at the end).

DOCKERD_BRIDGE=dkbench0
DOCKERD_CGROUP=dkbench-docker

dockerd_start() {
	local d=$1
	local bin c
	bin=$(command -v dockerd) || {
		echo "dockerd not installed (apt-get install docker.io docker-compose)" >&2
		return 1
	}
	DOCKER=docker
	for c in "$(dirname "$bin")/docker" /usr/bin/docker; do
		[ -x "$c" ] && { DOCKER=$c; break; }
	done
	DOCKERD_DIR=$d
	mkdir -p "$d/data" "$d/exec" "$d/cli"
	echo '{}' >"$d/daemon.json"
	if ip link show "$DOCKERD_BRIDGE" >/dev/null 2>&1; then
		echo "a link named $DOCKERD_BRIDGE exists already: is another benchmark running?" >&2
		return 1
	fi
	ip link add "$DOCKERD_BRIDGE" type bridge
	DOCKERD_MADE_BRIDGE=1
	ip addr add 10.213.0.1/24 dev "$DOCKERD_BRIDGE"
	ip link set "$DOCKERD_BRIDGE" up
	export DOCKER_HOST=unix://$d/docker.sock DOCKER_CONFIG=$d/cli
	dockerd --config-file "$d/daemon.json" --data-root "$d/data" --exec-root "$d/exec" \
		--pidfile "$d/dockerd.pid" -H "$DOCKER_HOST" --bridge "$DOCKERD_BRIDGE" \
		--default-address-pool base=10.214.0.0/16,size=24 --iptables=false \
		--ip-forward=false --ip-masq=false --userland-proxy=false \
		--cgroup-parent "$DOCKERD_CGROUP" --storage-driver overlay2 \
		>"$d/dockerd.log" 2>&1 &
	DOCKERD_PID=$!
	for _ in $(seq 300); do
		"$DOCKER" version >/dev/null 2>&1 && return 0
		kill -0 "$DOCKERD_PID" 2>/dev/null || break
		sleep 0.1
	done
	echo "the private dockerd did not come up; its log:" >&2
	tail -20 "$d/dockerd.log" >&2
	return 1
}

# Removes every container of the private dockerd, stops it (its containerd
# and shims end with it), then its bridge, its containers' cgroups and its
# mounts. Safe to call twice and when dockerd_start failed half-way. Every
# call to the daemon is bounded: dockerd 20.10 was seen to deadlock in
# `docker rm -f` of twenty `--init` containers at once (every later request
# hung too), so containers go one at a time, and a daemon that stops
# answering is killed, with what it started found by its paths and cgroups.
dockerd_stop() {
	local m c links=()
	if [ -n "${DOCKERD_PID:-}" ]; then
		if kill -0 "$DOCKERD_PID" 2>/dev/null; then
			for c in $(timeout 20 "$DOCKER" ps -aq 2>/dev/null); do
				timeout 20 "$DOCKER" rm -f "$c" >/dev/null 2>&1 || break
			done
			# its networks' bridges (br- and the network ID's first 12
			# characters) outlive dockerd otherwise
			mapfile -t links < <(timeout 20 "$DOCKER" network ls -q --no-trunc --filter driver=bridge 2>/dev/null |
				cut -c1-12 | sed 's/^/br-/')
			timeout 20 "$DOCKER" network prune -f >/dev/null 2>&1 || true
			kill "$DOCKERD_PID" 2>/dev/null || true
			for _ in $(seq 200); do
				kill -0 "$DOCKERD_PID" 2>/dev/null || break
				sleep 0.1
			done
			kill -9 "$DOCKERD_PID" 2>/dev/null || true
		fi
		wait "$DOCKERD_PID" 2>/dev/null || true
		DOCKERD_PID=
	fi
	if [ -n "${DOCKERD_DIR:-}" ]; then
		# the containers' processes, where dockerd could not stop them:
		# everything in its cgroups
		for m in /sys/fs/cgroup/pids/"$DOCKERD_CGROUP" /sys/fs/cgroup/"$DOCKERD_CGROUP"; do
			[ -d "$m" ] || continue
			find "$m" -name cgroup.procs -exec cat {} + 2>/dev/null | while read -r c; do
				kill -9 "$c" 2>/dev/null || true
			done
		done
		# the shims of removed containers end on their own, shortly after,
		# and so does containerd when dockerd stops; what outlived dockerd
		# (shims are meant to survive a restart, containerd a dockerd
		# killed) is killed: they run with the exec root in their arguments
		for _ in $(seq 50); do
			pgrep -f "$DOCKERD_DIR/exec" >/dev/null || break
			sleep 0.1
		done
		for m in $(pgrep -f "$DOCKERD_DIR/exec"); do
			kill -9 "$m" 2>/dev/null || true
		done
		# the data root's overlay mounts and the exec root's netns mounts
		while read -r m; do
			umount -l "$m" 2>/dev/null || true
		done < <(awk -v d="$DOCKERD_DIR" 'index($5, d) == 1 {print $5}' /proc/self/mountinfo | sort -r)
	fi
	# and any bridge left with an address of the private pool (a network
	# whose removal was interrupted): only this dockerd allocates from it
	mapfile -t -O "${#links[@]}" links < <(ip -o -4 addr show 2>/dev/null |
		awk '$2 ~ /^br-/ && $4 ~ /^10\.214\./ {print $2}')
	for m in "${links[@]}"; do
		ip link del "$m" 2>/dev/null || true
	done
	if [ -n "${DOCKERD_MADE_BRIDGE:-}" ]; then
		ip link del "$DOCKERD_BRIDGE" 2>/dev/null || true
		DOCKERD_MADE_BRIDGE=
	fi
	# (a killed process leaves its cgroup a moment later)
	for _ in $(seq 20); do
		for m in /sys/fs/cgroup/*/"$DOCKERD_CGROUP" /sys/fs/cgroup/"$DOCKERD_CGROUP"; do
			if [ -d "$m" ]; then find "$m" -depth -type d -exec rmdir {} + 2>/dev/null || true; fi
		done
		compgen -G "/sys/fs/cgroup/*/$DOCKERD_CGROUP" >/dev/null || break
		sleep 0.1
	done
	return 0
}
