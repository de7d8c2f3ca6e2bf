#!/bin/sh
# A stack of N services for the supervisor benchmark, on the busybox base
# image: each a long-running process, with a health check when CHECKS=1
# (interval 1 s, the first check a second after start, as both docker's and
# podman's defaults schedule it; no start_interval, which podman-compose
# does not know). CHAIN=1 chains them: each service depends_on the one
# before it. NETWORK_MODE=none puts every service on no network.
#   [CHECKS=1] [CHAIN=1] [NETWORK_MODE=none] bench/gen-up-stack.sh N IMAGE PROJECT > compose.yaml
# IMAGE is a rootfs path for lxr or an image name for podman-compose. A
# PROJECT of - writes no `name:` (docker-compose 1.x refuses the key).
set -eu
n=${1:?N}
image=${2:?IMAGE}
project=${3:-bench}
[ "$project" = - ] || echo "name: $project"
echo "services:"
i=1
while [ "$i" -le "$n" ]; do
	cat <<EOF2
  svc$i:
    image: $image
    command: ["/bin/sh", "-c", "touch /tmp/ready; exec sleep 100000"]
EOF2
	if [ "${CHAIN:-0}" = 1 ] && [ "$i" -gt 1 ]; then
		echo "    depends_on: [svc$((i - 1))]"
	fi
	if [ -n "${NETWORK_MODE:-}" ]; then
		echo "    network_mode: $NETWORK_MODE"
	fi
	if [ "${CHECKS:-0}" = 1 ]; then
		cat <<EOF2
    healthcheck:
      test: ["CMD", "test", "-e", "/tmp/ready"]
      interval: 1s
EOF2
	fi
	i=$((i + 1))
done
