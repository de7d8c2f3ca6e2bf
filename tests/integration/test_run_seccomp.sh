#!/bin/bash
# seccomp in real containers: docker's default profile (an allow-list), a
# custom profile from --security-opt and from a stack file's security_opt
# (and lxr exec under it), seccomp=unconfined, and bad profiles refused
# before anything is made. The calls are made by a static probe
# (tests/integration/static/seccomp_probe.c) bind-mounted into the rootfs.
. "$(dirname "$0")/lib.sh"

probe="$LXR_BUILD_DIR/tests/seccomp_probe"
[ -x "$probe" ] || fail "$probe not built"
P=(-v "$probe:/probe:ro")
calls="getpid keyctl io_uring vsock alg vsock-hi alg-hi inet af41 af45 no-aslr persona-query clone3 userns-clone unknown mkdir:/made"

# what the kernel itself says of a socket type no family has (EINVAL, or
# EAFNOSUPPORT where it lacks the family): the filter lets these through
af41=$("$probe" af41 | sed 's/^af41: //')
af45=$("$probe" af45 | sed 's/^af45: //')
case "$af41 $af45" in *EPERM*) fail "the host's own kernel refuses a socket with EPERM: $af41 $af45" ;; esac
# docker's default: what is not on the list fails with EPERM; clone3 with
# ENOSYS (libc falls back to clone); a syscall newer than any libseccomp
# knows with ENOSYS too, so libc falls back instead of failing.
run run --rm --name "$(cname default)" "${P[@]}" "$ROOTFS" /probe $calls
expect_rc 0 "probe under the default profile"
want="getpid: ok
keyctl: EPERM
io_uring: EPERM
vsock: EPERM
alg: EPERM
vsock-hi: EPERM
alg-hi: EPERM
inet: ok
af41: $af41
af45: $af45
no-aslr: EPERM
persona-query: ok
clone3: ENOSYS
userns-clone: EPERM
unknown: ENOSYS
mkdir:/made: ok"
expect_out "$want" "docker's default profile"
pass "the default profile refuses what docker's does (EPERM), clone3 and unknown calls get ENOSYS"

# The i386 syscall table (int 0x80 on x86-64, where the kernel has the
# 32-bit ABI) is filtered too, with its own numbers.
if [ "$("$probe" i386-getpid 2>/dev/null)" = "i386-getpid: ok" ]; then
	run run --rm --name "$(cname i386)" "${P[@]}" "$ROOTFS" /probe i386-getpid i386-keyctl i386-unknown
	expect_out "i386-getpid: ok
i386-keyctl: EPERM
i386-unknown: ENOSYS" "the i386 ABI"
	pass "the i386 syscall table is filtered as the native one"
fi

# SYS_ADMIN lifts the namespace rules, as in docker
run run --rm --name "$(cname admin)" --cap-add SYS_ADMIN "${P[@]}" "$ROOTFS" /probe keyctl clone3
expect_out "keyctl: EPERM
clone3: ok" "--cap-add SYS_ADMIN"
pass "--cap-add SYS_ADMIN allows clone3, keyctl stays refused"

# A custom profile: everything allowed but making directories, which
# fails with the profile's own errno (EDQUOT: no filesystem here says it).
mkdir -p "$TEST_TMP/profiles"
cat >"$TEST_TMP/profiles/no-mkdir.json" <<'EOF'
{
	"defaultAction": "SCMP_ACT_ALLOW",
	"syscalls": [
		{"names": ["mkdir", "mkdirat"], "action": "SCMP_ACT_ERRNO", "errnoRet": 122,
		 "comment": "EDQUOT"}
	]
}
EOF
cd "$TEST_TMP" # a relative --security-opt path starts here, as docker's does
run run --rm --name "$(cname custom)" --security-opt seccomp=profiles/no-mkdir.json "${P[@]}" \
	"$ROOTFS" /bin/sh -c '/probe mkdir:/made clone3 unknown; mkdir /made2 2>&1; grep ^Seccomp: /proc/self/status'
expect_rc 0 "custom profile"
expect_grep "$OUT" "^mkdir:/made: EDQUOT$" "the profile's errno"
expect_grep "$OUT" "^clone3: ok$" "clone3 is not refused by an allow-all profile"
expect_grep "$OUT" "Disk quota exceeded" "busybox mkdir sees it too"
expect_grep "$OUT" "Seccomp:	2" "a filter is loaded"
pass "a custom profile replaces the default: mkdir fails with its errnoRet"

# unconfined: no filter at all; the last seccomp= wins, as with docker
run run --rm --name "$(cname unconfined)" --security-opt seccomp=profiles/no-mkdir.json \
	--security-opt seccomp=unconfined "${P[@]}" "$ROOTFS" \
	/bin/sh -c '/probe mkdir:/made io_uring; grep ^Seccomp: /proc/self/status'
expect_rc 0 "unconfined"
expect_grep "$OUT" "^mkdir:/made: ok$" "mkdir unconfined"
echo "$OUT" | grep -q "^io_uring: EPERM$" && fail "io_uring refused without a filter: $OUT"
expect_grep "$OUT" "Seccomp:	0" "no filter"
pass "seccomp=unconfined loads no filter"

# A session keyring of the container's own: started from a session that
# holds a key, a container that may call keyctl (unconfined) does not
# possess it, nor does an exec into it (runc's and crun's rule).
k="$(cname key)"
run run --rm --name "$(cname keyring)" --security-opt seccomp=unconfined "${P[@]}" "$ROOTFS" \
	/probe "session-key:$k"
expect_out "session-key:$k: ENOKEY" "a container alone, no key"
OUT=$("$probe" with-key "$k" "$LXR" run --rm --name "$(cname keyring2)" \
	--security-opt seccomp=unconfined "${P[@]}" "$ROOTFS" /probe "session-key:$k" 2>&1)
expect_out "session-key:$k: ENOKEY" "a container started from a session with a key does not possess it"
n=$(cname keyexec)
run run -d --rm --name "$n" --security-opt seccomp=unconfined "${P[@]}" "$ROOTFS" sleep 30
expect_rc 0 "start detached, unconfined"
OUT=$("$probe" with-key "$k" "$LXR" exec "$n" /probe "session-key:$k" 2>&1)
expect_out "session-key:$k: ENOKEY" "an exec from a session with a key does not possess it"
run stop -t 0 "$n"
pass "containers and execs get a session keyring of their own, not their caller's"

# no-new-privileges:false turns lxr's default off
run run --rm --name "$(cname nnp)" --security-opt no-new-privileges:false "$ROOTFS" \
	grep ^NoNewPrivs: /proc/self/status
expect_out "NoNewPrivs:	0" "no-new-privileges:false"
pass "no-new-privileges:false"

# lxr exec runs under the container's own profile, not the default
n=$(cname execp)
run run -d --rm --name "$n" --security-opt seccomp=profiles/no-mkdir.json "${P[@]}" "$ROOTFS" sleep 30
expect_rc 0 "start detached with a profile"
at_exit "$LXR" rm -f "$n"
run exec "$n" /probe mkdir:/made keyctl
expect_grep "$OUT" "^mkdir:/made: EDQUOT$" "exec keeps the container's profile"
echo "$OUT" | grep -q "^keyctl: EPERM$" && fail "exec got the default profile: $OUT"
run rm -f "$n"
pass "lxr exec runs under the container's profile"

# A bad profile is refused before anything is made: the file, the JSON
# element, what to write; exit 125; no container directory, cgroup or mount.
printf '{"defaultAction": "SCMP_ACT_ERRNO", "syscalls": [{"names": ["read"], "action": "SCMP_ACT_NOTIFY"}]}\n' \
	>"$TEST_TMP/profiles/notify.json"
n=$(cname bad)
run run --rm --name "$n" --security-opt seccomp=profiles/notify.json "$ROOTFS" true
expect_rc 125 "bad profile"
expect_grep "$ERR" "seccomp profile profiles/notify.json: syscalls\\[0\\]\\.action: SCMP_ACT_NOTIFY is not supported" "the error names file and element"
expect_grep "$ERR" "hint: use SCMP_ACT_ERRNO" "the error says what to do"
[ -e "$LXR_RUN_DIR/_run/$n" ] && fail "a refused profile left $LXR_RUN_DIR/_run/$n"
run run --rm --name "$n" --security-opt seccomp=profiles/missing.json "$ROOTFS" true
expect_rc 125 "missing profile"
expect_grep "$ERR" "seccomp profile profiles/missing.json: No such file or directory" "a missing profile is named"
run run --rm --name "$n" --security-opt bogus=1 "$ROOTFS" true
expect_rc 125 "unknown security option"
expect_grep "$ERR" "unknown security option \"bogus=1\"" "unknown option named"
pass "bad profiles and options are refused before anything is created"

# A stack: the profile is relative to the stack file, read at load; the
# services run under it, and exec into them too.
cp "$TEST_TMP/profiles/no-mkdir.json" "$TEST_TMP/profiles/notify.json" "$TEST_TMP/"
stack <<EOF
name: sc$$
services:
  jail:
    image: @ROOTFS@
    command: ["sleep", "60"]
    volumes: ["$probe:/probe:ro"]
    security_opt: [seccomp=../no-mkdir.json, "no-new-privileges:true"]
  free:
    image: @ROOTFS@
    command: ["sleep", "60"]
    volumes: ["$probe:/probe:ro"]
    security_opt: [seccomp=unconfined]
EOF
run up -d -f "$STACK"
expect_rc 0 "up with security_opt"
run exec -f "$STACK" jail /probe mkdir:/made keyctl
expect_grep "$OUT" "^mkdir:/made: EDQUOT$" "the service's profile"
run exec -f "$STACK" free /bin/sh -c 'grep ^Seccomp: /proc/self/status'
expect_out "Seccomp:	0" "an unconfined service"
run down -f "$STACK"
expect_rc 0 "down"
pass "stack services run (and exec) under their security_opt"

# A stack with a bad profile stops at load: file:line:col, exit 2, and no
# project directory, cgroup or container made.
sed -i 's|seccomp=\.\./no-mkdir\.json|seccomp=../notify.json|' "$STACK"
run up -d -f "$STACK"
expect_rc 2 "up with a bad profile"
expect_grep "$ERR" "compose.yaml:7:20: error: service \"jail\": security_opt: seccomp profile $TEST_TMP/notify\\.json: syscalls\\[0\\]\\.action: SCMP_ACT_NOTIFY is not supported" "the load error"
[ -e "$LXR_RUN_DIR/$PROJECT" ] && fail "a refused stack left $LXR_RUN_DIR/$PROJECT"
pass "a stack with a bad profile is refused before anything is created"
