#!/bin/bash
# Process credentials as the container's process sees them after exec:
# rt_process_apply_creds (through tests/integration/creds_driver.c) sets
# them, then a shell reads its own /proc/self/status. Needs root, because
# switching uid and setting capabilities is what is being tested.
set -euo pipefail

if [ "$(id -u)" -ne 0 ]; then
	echo "test_creds: needs root to switch uid and set capabilities; skipped" >&2
	exit 77
fi
drv="${LXR_BUILD_DIR:?}/tests/creds_driver"
[ -x "$drv" ] || { echo "test_creds: $drv not built" >&2; exit 1; }
cd / # a uid other than 0 may not enter the build directory
# the driver keeps the compiled seccomp filter in the run directory's cache:
# the test's own, not the host's /run/lxr
LXR_RUN_DIR=$(mktemp -d /tmp/lxr-test-creds.XXXXXX)
export LXR_RUN_DIR
trap 'rm -rf "$LXR_RUN_DIR"' EXIT

fails=0
show='grep -E "^(Uid|Gid|Groups|CapInh|CapPrm|CapEff|CapBnd|CapAmb|NoNewPrivs|Seccomp):" /proc/self/status | tr -s "\t " " " | sed "s/ *$//"; echo "nofile $(ulimit -Sn):$(ulimit -Hn)"'

# expect NAME WANT -- driver args...
expect() {
	local name=$1 want=$2 got
	shift 3
	got=$("$drv" "$@" 2>&1) || true
	if [ "$got" != "$want" ]; then
		echo "FAIL $name"
		diff -u <(echo "$want") <(echo "$got") || true
		fails=$((fails + 1))
	else
		echo "ok   $name"
	fi
}

# expect_error NAME MESSAGE-PART -- driver args...: exit 125, message names the primitive
expect_error() {
	local name=$1 part=$2 got rc=0
	shift 3
	got=$("$drv" "$@" -- true 2>&1) || rc=$?
	if [ "$rc" -ne 125 ] || [[ "$got" != *"$part"* ]]; then
		echo "FAIL $name: exit $rc, output: $got (wanted 125 and \"$part\")"
		fails=$((fails + 1))
	else
		echo "ok   $name"
	fi
}

docker_default=a80425fb
nbs=400 # CAP_NET_BIND_SERVICE

# Docker's layout for a non-root user: only the bounding set; nothing in
# effective or permitted; no_new_privs and the filter on; groups as given.
expect "non-root user, docker default set" "Uid: 1000 1000 1000 1000
Gid: 1000 1000 1000 1000
Groups: 1000 2000
CapInh: 0000000000000000
CapPrm: 0000000000000000
CapEff: 0000000000000000
CapBnd: 00000000$docker_default
CapAmb: 0000000000000000
NoNewPrivs: 1
Seccomp: 2
nofile 512:1024" -- --uid 1000 --gid 1000 --groups 1000,2000 --bnd $docker_default \
	--nnp --seccomp --nofile 512:1024 -- sh -c "$show"

# Root with --cap-drop ALL --cap-add NET_BIND_SERVICE and no no_new_privs:
# the filter then has to go in while CAP_SYS_ADMIN is still held.
expect "root, drop ALL + add NET_BIND_SERVICE, filter without no_new_privs" "Uid: 0 0 0 0
Gid: 0 0 0 0
Groups:
CapInh: 0000000000000000
CapPrm: 0000000000000$nbs
CapEff: 0000000000000$nbs
CapBnd: 0000000000000$nbs
CapAmb: 0000000000000000
NoNewPrivs: 0
Seccomp: 2
nofile 512:512" -- --bnd $nbs --eff $nbs --prm $nbs --seccomp --nofile 512:512 -- sh -c "$show"

# An OCI spec may give a non-root process ambient capabilities; they must
# survive the uid switch and the exec.
expect "non-root user with an ambient capability" "Uid: 1000 1000 1000 1000
Gid: 1000 1000 1000 1000
Groups:
CapInh: 0000000000000$nbs
CapPrm: 0000000000000$nbs
CapEff: 0000000000000$nbs
CapBnd: 0000000000000$nbs
CapAmb: 0000000000000$nbs
NoNewPrivs: 1
Seccomp: 0
nofile 64:64" -- --uid 1000 --gid 1000 --bnd $nbs --eff $nbs --prm $nbs --inh $nbs \
	--amb $nbs --nnp --nofile 64:64 -- sh -c "$show"

# The filter is what stops a user namespace here: without it the same user
# may create one on this host.
expect "without the filter a user may unshare -U" "yes" -- --uid 1000 --gid 1000 \
	--bnd $docker_default --nnp -- sh -c 'unshare -U true && echo yes'
expect "the filter refuses unshare -U" "unshare: unshare failed: Operation not permitted" \
	-- --uid 1000 --gid 1000 --bnd $docker_default --nnp --seccomp -- unshare -U true

expect_error "ambient without inheritable" "prctl PR_CAP_AMBIENT_RAISE CAP_NET_BIND_SERVICE" \
	-- --uid 1000 --gid 1000 --bnd $nbs --eff $nbs --prm $nbs --amb $nbs
expect_error "effective outside permitted" "capset effective=0x400 permitted=0" \
	-- --uid 1000 --gid 1000 --bnd $nbs --eff $nbs
expect_error "soft limit above hard" "setrlimit RLIMIT_NOFILE soft=10 hard=5" \
	-- --nofile 10:5

if [ "$fails" -ne 0 ]; then
	echo "test_creds: $fails failed"
	exit 1
fi
