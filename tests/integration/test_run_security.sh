#!/bin/bash
# Capabilities (docker's default set, --cap-add/--cap-drop), no_new_privs,
# seccomp, masked and read-only paths, users.
. "$(dirname "$0")/lib.sh"

# docker's default: CHOWN DAC_OVERRIDE FOWNER FSETID KILL SETGID SETUID
# SETPCAP NET_BIND_SERVICE NET_RAW SYS_CHROOT MKNOD AUDIT_WRITE SETFCAP
default=00000000a80425fb
run run --rm --name "$(cname caps)" "$ROOTFS" grep -E '^(Cap|NoNewPrivs|Seccomp:)' /proc/self/status
expect_rc 0 caps
for l in "CapInh:	0000000000000000" "CapPrm:	$default" "CapEff:	$default" "CapBnd:	$default" "CapAmb:	0000000000000000" "NoNewPrivs:	1" "Seccomp:	2"; do
	echo "$OUT" | grep -qxF "$l" || fail "expected '$l' in: $OUT"
done
pass "caps in /proc/self/status are docker's default set; no_new_privs; seccomp filter"

# NET_ADMIN is bit 12; dropping CHOWN (bit 0) clears 0x1
run run --rm --name "$(cname capadd)" --cap-add NET_ADMIN --cap-drop chown "$ROOTFS" grep -E '^Cap(Eff|Bnd)' /proc/self/status
expect_out "$(printf 'CapEff:\t00000000a80435fa\nCapBnd:\t00000000a80435fa')" "--cap-add NET_ADMIN --cap-drop chown"
run run --rm --name "$(cname capdrop)" --cap-drop ALL "$ROOTFS" grep -E '^CapBnd' /proc/self/status
expect_out "$(printf 'CapBnd:\t0000000000000000')" "--cap-drop ALL"
run run --rm --name "$(cname chown)" --cap-drop CHOWN "$ROOTFS" /bin/sh -c 'touch /f; chown 1000 /f 2>&1; echo rc=$?'
expect_grep "$OUT" "rc=1" "chown without CAP_CHOWN must fail"
run run --rm --name "$(cname badcap)" --cap-add NOT_A_CAP "$ROOTFS" true
expect_rc 125 "unknown capability"
expect_grep "$ERR" "NOT_A_CAP" "unknown capability is named"
pass "--cap-add/--cap-drop change every set; unknown names are refused"

# A container cannot change the host's kernel state through /proc/sys.
run run --rm --name "$(cname sysctl)" "$ROOTFS" /bin/sh -c '(echo 0 > /proc/sys/vm/overcommit_memory) 2>&1; echo done'
expect_grep "$OUT" "Read-only file system" "/proc/sys read-only"
# Each path that exists on this kernel (sysrq-trigger needs CONFIG_MAGIC_SYSRQ)
# must be a read-only mount inside.
want=""
for p in /proc/sys /proc/sysrq-trigger /proc/irq /proc/bus; do [ -e "$p" ] && want="$want$p:ro "; done
run run --rm --name "$(cname ro)" "$ROOTFS" /bin/sh -c 'for p in /proc/sys /proc/sysrq-trigger /proc/irq /proc/bus; do [ -e $p ] && printf "%s:%s " $p $(grep " $p " /proc/self/mounts | cut -d" " -f4 | cut -d, -f1); done; true'
expect_out "$want" "read-only proc paths"
pass "/proc/sys, /proc/sysrq-trigger, /proc/irq, /proc/bus are read-only"

run run --rm --name "$(cname mask)" "$ROOTFS" /bin/sh -c 'for p in /proc/kcore /proc/keys /proc/timer_list /proc/sched_debug; do [ -e $p ] || continue; echo "$p:$(head -c 64 $p | wc -c)"; done; ls /sys/firmware | wc -l'
# Only the paths this kernel has (kcore and sched_debug depend on its config),
# and at least one must be there for the check to mean anything.
checked=0
for p in /proc/kcore /proc/keys /proc/timer_list /proc/sched_debug; do
	[ -e "$p" ] || continue
	checked=$((checked + 1))
	echo "$OUT" | grep -qx "$p:0" || fail "$p must read as empty: $OUT"
done
[ "$checked" -gt 0 ] || fail "no masked /proc path exists on this kernel to check"
echo "$OUT" | tail -n1 | grep -qx 0 || fail "/sys/firmware must be empty: $OUT"
pass "masked paths read as nothing"

run run --rm --name "$(cname user)" -u app "$ROOTFS" /bin/sh -c 'id; grep -E "^Cap(Eff|Prm)" /proc/self/status; touch /etc/x 2>&1 | head -1'
# docker's supplementary groups: the primary group too, then /etc/group's
expect_grep "$OUT" "uid=1000\\(app\\) gid=1000\\(app\\) groups=100\\(users\\),1000\\(app\\)$" "-u app"
expect_grep "$OUT" "CapEff:	0000000000000000" "non-root user has no effective caps"
expect_grep "$OUT" "Permission denied" "non-root user cannot write /etc"
run run --rm --name "$(cname uidgid)" -u 33:65534 "$ROOTFS" sh -c 'id -u; grep Groups /proc/self/status'
expect_out "33
Groups:	65534 " "-u uid:gid: that group alone"
run run --rm --name "$(cname rootgrp)" "$ROOTFS" grep Groups /proc/self/status
expect_out "Groups:	0 " "root's groups: 0 and those /etc/group lists root in (none in this image)"
run run --rm --name "$(cname nouser)" -u nosuchuser "$ROOTFS" true
expect_rc 125 "unknown user"
expect_grep "$ERR" "nosuchuser" "unknown user is named"
pass "-u resolves names in the container's /etc/passwd and drops capabilities"

# seccomp: the default filter refuses kernel-keyring and module syscalls
run run --rm --name "$(cname unshare)" "$ROOTFS" /bin/sh -c 'unshare -U true 2>&1; echo rc=$?'
expect_grep "$OUT" "rc=1" "unshare of a user namespace must be refused"
pass "the default seccomp filter refuses new user namespaces"

# docker's network defaults for a namespace of the container's own: a
# non-root process binds a port below 1024 and may open ping sockets;
# --sysctl wins, and the host's network keeps the host's values
run run --rm --name "$(cname lowport)" -u 1000 --network none "$ROOTFS" /bin/sh -c \
	'cat /proc/sys/net/ipv4/ip_unprivileged_port_start /proc/sys/net/ipv4/ping_group_range
	timeout 1 nc -l -p 80 2>&1; echo rc=$?'
[ "$(echo "$OUT" | sed -n 1,2p)" = "$(printf '0\n0\t2147483647')" ] ||
	fail "ip_unprivileged_port_start and ping_group_range: $OUT"
expect_grep "$OUT" "rc=143$" "a non-root user binds port 80 (nc listens until the timeout)"
! echo "$OUT" | grep -qi "denied" || fail "binding port 80 was refused: $OUT"
run run --rm --name "$(cname lowbr)" -u 1000 "$ROOTFS" cat /proc/sys/net/ipv4/ip_unprivileged_port_start
expect_out 0 "on the default bridge too"
run run --rm --name "$(cname lowset)" --sysctl net.ipv4.ip_unprivileged_port_start=512 "$ROOTFS" \
	cat /proc/sys/net/ipv4/ip_unprivileged_port_start
expect_out 512 "--sysctl sets it"
run run --rm --name "$(cname lowhost)" --network host "$ROOTFS" cat /proc/sys/net/ipv4/ip_unprivileged_port_start
expect_out "$(cat /proc/sys/net/ipv4/ip_unprivileged_port_start)" "the host's network keeps the host's value"
pass "ports below 1024 and ping sockets are open to every user of the container's own network namespace, as docker's"

# docker's opt-outs: systempaths=unconfined drops the masks and read-only
# paths under /proc and /sys; writable-cgroups=true mounts the cgroup
# filesystem read-write (read-only by default)
run run --rm --name "$(cname sysp)" --network none --security-opt systempaths=unconfined "$ROOTFS" \
	/bin/sh -c 'grep -cE " /proc/(sys|sysrq-trigger|irq|bus|kcore|keys|timer_list) " /proc/self/mounts; true'
expect_out 0 "systempaths=unconfined: nothing masked or read-only under /proc"
cg_opts() { # SECURITY-OPT...: the first option of the container's cgroup mount(s) at /sys/fs/cgroup
	run run --rm --name "$(cname cg)" --network none "$@" "$ROOTFS" \
		/bin/sh -c 'awk "\$2 == \"/sys/fs/cgroup\" {split(\$4, o, \",\"); print o[1]}" /proc/self/mounts'
}
cg_opts
expect_out ro "the cgroup mount is read-only by default"
cg_opts --security-opt writable-cgroups=true
expect_out rw "writable-cgroups=true: the cgroup mount is read-write"
run run --rm --network none --security-opt systempaths=confined "$ROOTFS" true
expect_rc 125 "systempaths takes unconfined only"
expect_grep "$ERR" 'systempaths: "confined" is not unconfined' "the error says so"
# each is part of the container's configuration: up recreates it when
# one changes (the hash compose's config --hash shows)
hash_of() { # SECURITY_OPT-LIST: the service's config hash
	printf 'services:\n  web:\n    image: %s\n    command: ["true"]\n    security_opt: %s\n' "$ROOTFS" "$1" >"$TEST_TMP/sec.yaml"
	"$LXR" -f "$TEST_TMP/sec.yaml" config --hash web | awk '{print $2}'
}
h0=$(hash_of '[]')
h1=$(hash_of '[writable-cgroups=true]')
h2=$(hash_of '[systempaths=unconfined]')
[ -n "$h0" ] && [ "$h0" != "$h1" ] && [ "$h0" != "$h2" ] && [ "$h1" != "$h2" ] ||
	fail "config --hash: [$h0] none, [$h1] writable-cgroups, [$h2] systempaths"
pass "security_opt systempaths=unconfined and writable-cgroups=true, as docker's"
