#!/bin/bash
# Compose keys a public stack uses, run as compose runs them:
# container_name is the container's name (ps, exec, its host name and its
# name on the network), cpu_shares/cpu_quota/cpu_period reach the
# container's cgroup, domainname, oom_score_adj and shm_size its process and
# its /dev/shm, extra_hosts (host-gateway too) and dns, dns_search and
# dns_opt its /etc/hosts and resolv.conf (a restart keeps them);
# network_mode none gives only a loopback, host the host's network,
# service:X X's (it starts after X: an implicit depends_on; X's host name
# goes with it, as docker's); a tmpfs entry of volumes is a tmpfs; label_file's
# labels, under labels', are the container's Config.Labels beside compose's,
# annotations its HostConfig.Annotations; a user with an empty part has
# docker's defaults (":" is root).
. "$(dirname "$0")/lib.sh"

cn="t$$-db"
stack <<Y
name: keys$$
services:
  db:
    image: @ROOTFS@
    container_name: $cn
    command: ["sleep", "1000"]
    cpu_shares: 512
    cpu_quota: 25000
    cpu_period: 50000
    label_file: ./db.labels
    labels: {org.example.tier: data}
    isolation: default
    annotations: [org.example.checked=yes]
  grp:
    image: @ROOTFS@
    command: ["sleep", "1000"]
    user: app
    group_add: [www-data, "4242"]
  unsetuid:
    image: @ROOTFS@
    command: ["sleep", "1000"]
    user: "\${LXR_NO_SUCH_UID}:\${LXR_NO_SUCH_GID}"
  shell:
    image: @ROOTFS@
    command: ["/bin/sh"]
    stdin_open: true
    tty: true
    stop_grace_period: 1s # an interactive shell ignores SIGTERM, as under docker
  reader:
    image: @ROOTFS@
    command: ["/bin/sh", "-c", "echo started; cat; echo stdin-ended"]
    stdin_open: true
  sidecar:
    image: @ROOTFS@
    command: ["sleep", "1000"]
    network_mode: "service:db"
  alone:
    image: @ROOTFS@
    command: ["sleep", "1000"]
    network_mode: none
    extra_hosts: {cache.internal: 10.9.8.6}
    dns: 192.0.2.53
    volumes:
      - {type: tmpfs, target: /scratch, tmpfs: {size: 1m, mode: 0o1770}}
      - {type: tmpfs, target: /rotmp, read_only: true}
  hostnet:
    image: @ROOTFS@
    command: ["sleep", "1000"]
    network_mode: host
    ports: ["9"]
    extra_hosts: ["db.internal:10.9.8.7", "host.docker.internal:host-gateway"]
  hostbind:
    image: @ROOTFS@
    command: ["sleep", "1000"]
    network_mode: host
    volumes: ["./my.hosts:/etc/hosts", "./my.resolv:/etc/resolv.conf:ro"]
  client:
    image: @ROOTFS@
    command: ["sleep", "1000"]
    links: ["db:database"]
    domainname: example.internal
    extra_hosts: ["db.example:10.1.2.3", "host.docker.internal:host-gateway"]
    dns: [9.9.9.9]
    dns_search: [corp.example, ""]
    dns_opt: ["ndots:2", ""]
    oom_score_adj: 300
    shm_size: 8m
Y
NAMES="$NAMES $cn"
printf 'org.example.team=storage\norg.example.tier=overridden\n' >"$TEST_TMP/stack/db.labels"
printf '10.1.1.1\tmine.example\n' >"$TEST_TMP/stack/my.hosts"
printf 'nameserver 192.0.2.99\n' >"$TEST_TMP/stack/my.resolv"
run up -d -f "$STACK"
expect_rc 0 "up -d with container_name and the CPU knobs"
expect_grep "$ERR" 'service "unsetuid": user ":": the user part is empty, so the container runs as root' \
	"user \"\${UID}:\${GID}\" with both unset: a warning"
run ps -f "$STACK" --format '{{.Name}} {{.Service}} {{.State}}'
expect_grep "$OUT" "^$cn db running" "ps lists the container by its container_name"
run inspect -f "$STACK" "$cn"
expect_grep "$OUT" '"org.example.team": "storage"' "a label from label_file is the container's"
expect_grep "$OUT" '"org.example.tier": "data"' "labels win over label_file"
expect_grep "$OUT" '"com.docker.compose.service": "db"' "beside compose's own labels"
expect_grep "$OUT" '"org.example.checked": "yes"' "annotations are the container's HostConfig.Annotations"
run exec -f "$STACK" db hostname
expect_out "$cn" "its host name is its container_name"
# docker's habit, from a directory with no stack file: by its
# container_name, or by compose's <project>-<service>-<n>
out=$(cd / && "$LXR" exec "$cn" hostname) || fail "exec by container_name from /"
[ "$out" = "$cn" ] || fail "exec $cn from / ran in [$out]"
out=$(cd / && "$LXR" exec "keys$$-grp-1" hostname) || fail "exec keys$$-grp-1 from /"
[ -n "$out" ] || fail "exec by compose's name printed nothing"
run exec -f "$STACK" client sh -c "ping -c1 -W2 $cn >/dev/null && echo reached"
expect_out "reached" "the other service reaches it by its container_name"
found=""
for d in /sys/fs/cgroup/cpu,cpuacct/lxr/keys$$/$cn /sys/fs/cgroup/cpu/lxr/keys$$/$cn; do
	[ -f "$d/cpu.shares" ] || continue
	found=1
	[ "$(cat "$d/cpu.shares")" = 512 ] || fail "cpu.shares is $(cat "$d/cpu.shares"), expected 512"
	[ "$(cat "$d/cpu.cfs_quota_us")" = 25000 ] || fail "cpu.cfs_quota_us is $(cat "$d/cpu.cfs_quota_us")"
	[ "$(cat "$d/cpu.cfs_period_us")" = 50000 ] || fail "cpu.cfs_period_us is $(cat "$d/cpu.cfs_period_us")"
done
if [ -z "$found" ] && [ -f "/sys/fs/cgroup/lxr/keys$$/$cn/cpu.max" ]; then
	found=1
	[ "$(cat "/sys/fs/cgroup/lxr/keys$$/$cn/cpu.max")" = "25000 50000" ] ||
		fail "cpu.max is $(cat "/sys/fs/cgroup/lxr/keys$$/$cn/cpu.max")"
fi
[ -n "$found" ] || fail "no cpu controller file found for $cn"
pass "container_name names the container; cpu_shares, cpu_quota and cpu_period reach its cgroup"

run exec -f "$STACK" client cat /proc/sys/kernel/domainname /proc/1/oom_score_adj
expect_out "example.internal
300" "domainname and oom_score_adj"
run exec -f "$STACK" client sh -c 'df -k /dev/shm | tail -1'
expect_grep "$OUT" "^[a-z]+ +8192 .* /dev/shm$" "/dev/shm is shm_size"
pass "domainname, oom_score_adj and shm_size reach the container"

run exec -f "$STACK" client cat /etc/hosts /etc/resolv.conf
expect_grep "$OUT" "^10\.1\.2\.3	db\.example$" "extra_hosts"
gw=$(printf '%s\n' "$OUT" | awk '$2 == "host.docker.internal" {print $1}')
run exec -f "$STACK" client sh -c "ip -4 route show default | awk '{print \$3}'"
[ -n "$gw" ] && [ "$gw" = "$OUT" ] || fail "host-gateway is [$gw], the default gateway is [$OUT]"
run exec -f "$STACK" client cat /etc/resolv.conf
expect_out "nameserver 9.9.9.9
search corp.example
options ndots:2" "dns, dns_search and dns_opt make the resolver's lines (an empty entry adds none)"
pass "extra_hosts (host-gateway: the bridge's gateway) and dns, dns_search, dns_opt"

run exec -f "$STACK" client sh -c "ping -c1 -W2 database >/dev/null && echo reached"
expect_out "reached" "links: the alias reaches the linked service"
pass "links give the linked service the alias as a name"

run exec -f "$STACK" alone sh -c "ip -o link | awk -F': ' '{print \$2}'"
expect_out "lo" "network_mode none: a loopback only"
host_links=$(ip -o link | awk -F': ' '{print $2}' | sed 's/@.*//' | sort | tr '\n' ' ')
run exec -f "$STACK" hostnet sh -c "ip -o link | awk -F': ' '{print \$2}' | sed 's/@.*//' | sort | tr '\n' ' '"
[ "$OUT" = "$host_links" ] || fail "network_mode host sees [$OUT], the host has [$host_links]"
# extra_hosts with no endpoint to write them: lxr's own /etc/hosts, a
# copy of the host's for host (as docker writes them)
run exec -f "$STACK" hostnet sh -c 'grep -c . /etc/hosts; grep -E "internal$" /etc/hosts'
expect_out "$(($(grep -c . /etc/hosts) + 2))
10.9.8.7	db.internal
127.0.0.1	host.docker.internal" "network_mode host: the host's /etc/hosts and extra_hosts"
# a service's own files on the host's network: its mounts replace the
# host's, as docker's do
run exec -f "$STACK" hostbind cat /etc/hosts /etc/resolv.conf
expect_out "$(printf '10.1.1.1\tmine.example\nnameserver 192.0.2.99')" \
	"network_mode host: the service's own /etc/hosts and resolv.conf"
run exec -f "$STACK" hostnet sh -c 'hostname; echo "$HOSTNAME"'
expect_out "$(hostname)
$(hostname)" "network_mode host: the host's name, as docker's"
run exec -f "$STACK" alone sh -c 'tail -n 1 /etc/hosts'
expect_out "10.9.8.6	cache.internal" "network_mode none: extra_hosts in its own /etc/hosts"
run exec -f "$STACK" alone grep -c "^nameserver 192.0.2.53$" /etc/resolv.conf
expect_out 1 "network_mode none: dns in its own resolv.conf"
pass "network_mode none and host, their extra_hosts"

run exec -f "$STACK" grp id
expect_grep "$OUT" "groups=.*33\(www-data\).*4242" "group_add adds www-data (by name) and 4242"
run run --rm --network none --group-add tty -u app "$ROOTFS" id -G
[ "$(printf '%s\n' $OUT | sort -n | tr '\n' ' ')" = "5 100 1000 " ] || fail "lxr run --group-add: id -G is [$OUT]"
pass "group_add and --group-add add supplementary groups, by name or number"

# USER[:GROUP] with either part empty, as docker reads it: no user is
# uid 0, no group the user's own
run exec -f "$STACK" unsetuid id
expect_grep "$OUT" "^uid=0\(root\) gid=0\(root\)" "user \":\" runs as root"
run run --rm --network none -u "app:" "$ROOTFS" sh -c 'id -u; id -g'
expect_out "1000
1000" "lxr run -u app: is app with its own group"
run run --rm --network none -u ":www-data" "$ROOTFS" sh -c 'id -u; id -g'
expect_out "0
33" "lxr run -u :www-data is root with group www-data"
pass "user with an empty part: docker's defaults (\"\${UID}:\${GID}\" unset runs as root, with a warning)"

sleep 0.5
run ps -f "$STACK" --format '{{.Name}} {{.Service}} {{.State}}'
expect_grep "$OUT" "^[a-z0-9_.-]*-shell-1 shell running" "a shell with stdin_open and tty keeps running"
expect_grep "$OUT" "^[a-z0-9_.-]*-reader-1 reader running" "stdin_open without tty: stdin stays open"
run exec -f "$STACK" shell sh -c 'tty'
run logs -p "keys$$" reader
expect_grep "$OUT" "started" "the reader started"
! printf '%s\n' "$OUT" | grep -q stdin-ended || fail "the reader's stdin ended: $OUT"
pass "stdin_open and tty: a shell service stays up on its terminal, a reader's stdin stays open"

dbip=$("$LXR" exec -f "$STACK" db sh -c "ip -4 -o addr show eth0 | awk '{print \$4}'")
run exec -f "$STACK" sidecar sh -c "ip -4 -o addr show eth0 | awk '{print \$4}'"
[ -n "$dbip" ] && [ "$OUT" = "$dbip" ] || fail "sidecar's eth0 is [$OUT], db's [$dbip]"
events | grep -q '"instance":"sidecar-1","state":"starting"' || fail "sidecar never started"
[ "$(event_at '"instance":"sidecar-1","state":"starting"')" -gt "$(event_at '"instance":"'"$cn"'","state":"running"')" ] ||
	fail "sidecar started before db ran"
run exec -f "$STACK" sidecar sh -c 'hostname; echo "$HOSTNAME"'
expect_out "$cn
$cn" "network_mode service:X has X's host name"
pass "network_mode service:X shares X's network namespace (and host name) and starts after X"

run exec -f "$STACK" alone sh -c 'grep -E " /(scratch|rotmp) " /proc/self/mounts | cut -d" " -f2-4; stat -c %a /scratch'
expect_out "/scratch tmpfs rw,nosuid,nodev,noexec,relatime,size=1024k,mode=1770
/rotmp tmpfs ro,nosuid,nodev,noexec,relatime
1770" "volumes of type tmpfs"
pass "a volumes entry of type tmpfs is a tmpfs: its size, mode and read_only"
