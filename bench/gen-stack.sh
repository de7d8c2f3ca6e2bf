#!/bin/sh
# Print a stack file with N services (default 500) that uses every key lxr
# honours, an anchor merged into each service and ${VAR} interpolation: the
# input of bench/config-load.sh.
set -eu
n=${1:-500}
cat <<'HEAD'
name: bench
x-defaults: &defaults
  init: true
  read_only: true
  cap_drop: [ALL]
  stop_signal: SIGTERM
  labels:
    org.example.stack: bench
services:
HEAD
i=0
while [ "$i" -lt "$n" ]; do
	cat <<SVC
  svc$i:
    <<: *defaults
    image: ./rootfs/app
    command: ["/bin/app", "--id", "$i", "--port", "\${BASE_PORT:-8000}"]
    environment:
      SERVICE_ID: "$i"
      LOG_LEVEL: \${LOG_LEVEL:-info}
      DATABASE_URL: postgres://app@db:5432/app$i
      FEATURE_FLAGS: a,b,c
      HOME: /home/app
    user: "1000:1000"
    working_dir: /srv/app$i
    hostname: svc$i
    mem_limit: 64m
    cpus: 0.25
    pids_limit: 64
    tmpfs: ["/run", "/tmp:size=16m,mode=1777"]
    volumes:
      - ./data/svc$i:/data
      - type: bind
        source: ./config
        target: /etc/app
        read_only: true
SVC
	i=$((i + 1))
done
