#!/bin/bash
# Lifecycle hooks, as docker compose runs them: post_start inside each
# replica's running container (its user, working directory, environment
# and capabilities as exec gives them), waited for by `up`, again after a
# `restart` but not after a restart by the policy; pre_stop before the stop
# signal of a down (not when the container exits by itself); a failing
# post_start fails `up`, blocks the dependents and leaves the container
# running. Their output is in the service's log.
. "$(dirname "$0")/lib.sh"

stack <<'Y'
name: hooks
services:
  web:
    image: @ROOTFS@
    deploy: {replicas: 2}
    volumes: ["@SHARED@:/shared"]
    # it sees what its post_start wrote, then takes its stop signal after
    # its pre_stop ran
    command: ["/bin/sh", "-c", "trap 'echo term-$$HOSTNAME >> /shared/order; exit 0' TERM; while [ ! -f /tmp/hooked ]; do sleep 0.05; done; cp /tmp/hooked /shared/seen-$$HOSTNAME; while :; do sleep 0.1; done"]
    post_start:
      - command: ["/bin/sh", "-c", "echo hello from the hook; echo \"$$MODE $$(id -u) $$(pwd)\" > /tmp/hooked.new && mv /tmp/hooked.new /tmp/hooked"]
        user: "1000"
        working_dir: /etc
        environment: {MODE: hooked}
      - command: /bin/sh -c 'grep CapEff /proc/self/status > /shared/caps-plain-$$HOSTNAME; env > /shared/env-$$HOSTNAME; ls /proc/self/fd > /shared/fds-$$HOSTNAME'
      - command: /bin/sh -c 'grep CapEff /proc/self/status > /shared/caps-priv-$$HOSTNAME; mkdir -p /tmp/mnt-probe; if mount -t tmpfs none /tmp/mnt-probe 2>/dev/null; then echo mounted; else echo refused; fi > /shared/mount-priv-$$HOSTNAME'
        privileged: true
    pre_stop:
      - command: /bin/sh -c 'echo pre_stop-$$HOSTNAME >> /shared/order'
  once:
    image: @ROOTFS@
    volumes: ["@SHARED@:/shared"]
    command: ["/bin/sh", "-c", "while [ ! -f /shared/once-post ]; do sleep 0.05; done"]
    post_start:
      - command: /bin/sh -c 'touch /shared/once-post'
    pre_stop:
      - command: /bin/sh -c 'touch /shared/once-pre-stop'
  crashy:
    image: @ROOTFS@
    volumes: ["@SHARED@:/shared"]
    restart: on-failure
    # its first life ends (exit 1) once its post_start ran; the policy
    # restarts it
    command: ["/bin/sh", "-c", "n=$$(cat /shared/lives 2>/dev/null || echo 0); echo $$((n+1)) > /shared/lives; if [ $$n = 0 ]; then while [ ! -s /shared/posts ]; do sleep 0.05; done; exit 1; fi; while :; do sleep 0.1; done"]
    post_start:
      - command: /bin/sh -c 'echo post >> /shared/posts'
Y

export HOOK_LEAK=from-the-host
run up -d -f "$STACK"
expect_rc 0 "up -d"
# up waits for post_start: each replica's file is there when it returns
for i in 1 2; do
	run exec -T -f "$STACK" --index $i web cat /tmp/hooked
	expect_rc 0 "exec into web-$i"
	expect_out "hooked 1000 /etc" "web-$i's post_start: its environment, user and working directory"
done
pass "post_start runs in every replica, as its user, in its working directory, with its environment, and up waits for it"

for i in 1 2; do
	for _ in $(seq 400); do [ -f "$SHARED/seen-web-$i" ] && break; sleep 0.05; done
	[ "$(cat "$SHARED/seen-web-$i")" = "hooked 1000 /etc" ] || fail "web-$i did not see its hook's file"
done
pass "the service sees what its post_start wrote"

for i in 1 2; do
	plain=$(sed 's/.*:\s*//' "$SHARED/caps-plain-web-$i")
	priv=$(sed 's/.*:\s*//' "$SHARED/caps-priv-web-$i")
	# CAP_SYS_ADMIN (21): not the container's, a privileged hook's
	[ $(( 0x$plain >> 21 & 1 )) -eq 0 ] || fail "a plain hook has CAP_SYS_ADMIN ($plain)"
	[ $(( 0x$priv >> 21 & 1 )) -eq 1 ] || fail "a privileged hook lacks CAP_SYS_ADMIN ($priv)"
	# the container's seccomp filter stays, as docker exec --privileged
	# keeps it: mount(2) is refused though CAP_SYS_ADMIN is held
	[ "$(cat "$SHARED/mount-priv-web-$i")" = refused ] ||
		fail "a privileged hook mounted: its seccomp filter was built for every capability"
	grep -q HOOK_LEAK "$SHARED/env-web-$i" && fail "the host's environment reached a hook"
	grep -q '^HOSTNAME=web-'"$i"'$' "$SHARED/env-web-$i" || fail "a hook lacks the container's environment: $(cat "$SHARED/env-web-$i")"
	for fd in $(cat "$SHARED/fds-web-$i"); do
		[ "$fd" -le 3 ] || fail "a hook holds descriptor $fd: $(cat "$SHARED/fds-web-$i")"
	done
done
pass "a hook has the container's capabilities (every one when privileged, under the container's seccomp filter), environment and no descriptor of lxr's"

run logs --file "$STACK" web
expect_grep "$OUT" "hello from the hook" "post_start's output in the service's log"
pass "a hook's output is in the service's log"

# the policy's restart: no post_start; lxr restart: post_start again
for _ in $(seq 400); do [ "$(cat "$SHARED/lives" 2>/dev/null)" = 2 ] && break; sleep 0.05; done
[ "$(cat "$SHARED/lives")" = 2 ] || fail "crashy was not restarted by its policy"
run restart -f "$STACK" crashy
expect_rc 0 "restart crashy"
# (the hook runs beside the command, as compose's: either may come first)
for _ in $(seq 400); do
	[ "$(wc -l < "$SHARED/posts")" -ge 2 ] && [ "$(cat "$SHARED/lives")" = 3 ] && break
	sleep 0.05
done
[ "$(cat "$SHARED/lives")" = 3 ] || fail "lxr restart did not restart crashy"
[ "$(cat "$SHARED/posts")" = "$(printf 'post\npost')" ] || fail "post_start ran $(wc -l < "$SHARED/posts") times for a first start, a policy restart and lxr restart"
pass "post_start runs after lxr restart, not after a restart by the policy"

# lxr restart: pre_stop before the stop signal, post_start again, and it
# returns once both have run (compose's restart waits for them)
run restart -f "$STACK" web
expect_rc 0 "restart web"
for i in 1 2; do
	order=$(grep -- "-web-$i\$" "$SHARED/order" | tr '\n' ' ')
	[ "$order" = "pre_stop-web-$i term-web-$i " ] || fail "restart of web-$i: pre_stop and the stop signal came as [$order]"
done
run logs --file "$STACK" web
[ "$(printf '%s\n' "$OUT" | grep -c "hello from the hook")" = 4 ] || fail "post_start did not run again in both replicas once restart returned: $OUT"
pass "lxr restart runs pre_stop, then the stop signal, then post_start, and waits for them"

# once exits by itself: its pre_stop does not run
wait_event '"instance":"once-1","state":"exited"'
run down -f "$STACK"
expect_rc 0 "down"
[ ! -e "$SHARED/once-pre-stop" ] || fail "pre_stop ran for a container that exited by itself"
pass "pre_stop does not run when the container exits by itself"

# down: each replica's pre_stop, then its stop signal
for i in 1 2; do
	order=$(grep -- "-web-$i\$" "$SHARED/order" | tr '\n' ' ')
	[ "$order" = "pre_stop-web-$i term-web-$i pre_stop-web-$i term-web-$i " ] || fail "web-$i: pre_stop and the stop signal came as [$order]"
done
pass "down runs pre_stop before the stop signal, in every replica"

# a failing post_start: up fails with the hook's output, the container
# keeps running (as compose leaves it), its dependent is not started
stack <<'Y'
name: hooks-fail
services:
  bad:
    image: @ROOTFS@
    command: ["/bin/sh", "-c", "while :; do sleep 0.1; done"]
    post_start:
      - command: /bin/sh -c 'echo the hook broke >&2; exit 3'
      - command: /bin/sh -c 'touch /tmp/second-hook'
  after:
    image: @ROOTFS@
    command: ["/bin/sh", "-c", "while :; do sleep 0.1; done"]
    depends_on: [bad]
Y
run up -d -f "$STACK"
expect_rc 1 "up -d with a failing post_start"
expect_grep "$ERR" "bad-1 post_start hook exited with status 3: the hook broke" "up's error"
run ps -a -f "$STACK"
expect_grep "$OUT" "^[a-z0-9_.-]*-bad-1 .* Up " "the container of a failed post_start"
expect_grep "$OUT" "^[a-z0-9_.-]*-after-1 .* Created" "bad's dependent"
expect_grep "$OUT" "after-1: not started: dependency bad failed its post_start hook" "why bad's dependent waits"
run exec -T -f "$STACK" bad test -e /tmp/second-hook
expect_rc 1 "the hook after the failed one"
run down -f "$STACK"
expect_rc 0 "down"
pass "a failing post_start fails up, keeps the container running, blocks its dependents and runs no further hook"
