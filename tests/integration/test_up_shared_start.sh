#!/bin/bash
# The start that shares lxr's memory (CLONE_VM | CLONE_VFORK, clone.c):
# taken where nothing in the container can hold lxr up. `lxr run` in the
# foreground waits for its start anyway: there only root's uid counts
# (and no user namespace or PID namespace to join). A supervisor, which
# looks after other containers meanwhile, also needs an image in lxr's
# store, no host bind mount or volume and no CPU or I/O throttle, and forks
# everything else. Both starts give the same container; and services
# restarted again and again, with lxr-init and without, leave nothing
# behind in the supervisor's heap.
. "$(dirname "$0")/lib.sh"
[ -z "${LXR_TEST_USERNS:-}" ] || skip "every container has a user namespace here: no start shares lxr's memory"

# what one container sees of itself: ids, cwd, env, cgroup, limits, caps
probe='id -u; pwd; echo "$X"; cat /proc/self/cgroup | grep -c ":/$"; ulimit -n; grep CapEff /proc/self/status'
run import "$ROOTFS" sharedstart-base:1
expect_rc 0 "import the test rootfs"
probe_run() {
	LXR_DEBUG=1 run run --rm --network none -w /tmp -e X=y --ulimit nofile=100:200 "$@" \
		sh -c "$probe"
	expect_rc 0 "lxr run $*"
}
shared() { case $ERR in *"sharing lxr's memory"*) return 0 ;; esac; return 1; }

probe_run sharedstart-base:1
shared || fail "lxr run as root with no host mount did not share lxr's memory: $ERR"
shared_out=$OUT
# in the foreground a start that hangs holds only the caller, which waits
for opts in "-v $SHARED:/shared sharedstart-base:1" "$ROOTFS" "--cpus 0.5 sharedstart-base:1" \
	"-u 0:1000 sharedstart-base:1" "--tmpfs /scratch sharedstart-base:1"; do
	# shellcheck disable=SC2086 # the options as words
	probe_run $opts
	shared || fail "lxr run $opts in the foreground did not share lxr's memory: $ERR"
done
probe_run -u 1000 sharedstart-base:1
! shared || fail "a container of uid 1000 (a host process of that uid could stop it) shared lxr's memory"
expect_grep "$OUT" "^1000$" "the forked start's uid"
pass "lxr run in the foreground shares lxr's memory as root, with host mounts and throttles too"

# a supervisor shares only for an image of its store without host mounts
# or throttles; the forked start gives the same container
# (the probe above, with compose's $$ for a $ of the shell's)
stack <<'Y'
name: sharedstart-sup
x-probe: &probe
  image: sharedstart-base:1
  network_mode: none
  working_dir: /tmp
  environment: {X: "y"}
  ulimits: {nofile: {soft: 100, hard: 200}}
  restart: "no"
  command:
    - sh
    - -c
    - |
      id -u; pwd; echo "$$X"; cat /proc/self/cgroup | grep -c ":/$$"; ulimit -n; grep CapEff /proc/self/status
services:
  plain:
    <<: *probe
  bind:
    <<: *probe
    volumes: ["@SHARED@:/shared"]
  path:
    <<: *probe
    image: "@ROOTFS@"
  cpus:
    <<: *probe
    cpus: 0.5
Y
LXR_DEBUG=1 run up -d -f "$STACK"
expect_rc 0 "up -d of four probes"
for s in plain bind path cpus; do wait_event "\"instance\":\"$s-1\",\"state\":\"exited\""; done
log=$(cat "$LXR_RUN_DIR/$PROJECT/supervisor.log")
for s in plain bind path cpus; do
	line=$(printf '%s\n' "$log" | grep -E "container [^ ]*$s[^ ]*: cloned pid" | head -n1)
	[ -n "$line" ] || fail "no clone of $s in the supervisor's log"
	case $s:$line in
	plain:*"sharing lxr's memory"*) ;;
	plain:*) fail "the supervisor forked a plain container: $line" ;;
	*"sharing lxr's memory"*) fail "the supervisor shared its memory with $s (it can hang): $line" ;;
	esac
	run logs --file "$STACK" --no-color "$s"
	expect_rc 0 "logs $s"
	out=$(printf '%s\n' "$OUT" | sed 's/^[^|]*| //')
	[ "$out" = "$shared_out" ] || fail "$s gave [$out], lxr run's shared start [$shared_out]"
done
run down -p "$PROJECT" -t 0
expect_rc 0 "down"
pass "a supervisor forks for a host bind, a host-path image and a CPU quota; both starts give the same ids, cwd, env, cgroup, limits, capabilities"

# two crash loops with no backoff, under lxr-init and without: the
# supervisor's heap in use at each start
stack <<'Y'
name: sharedstart
services:
  crash:
    image: sharedstart-base:1
    command: ["/bin/true"]
    restart: always
    network_mode: none
    x-lxr:
      backoff: {initial: 0, max: 1ms, reset_after: 1ms}
  bare:
    image: sharedstart-base:1
    command: ["/bin/true"]
    init: false
    restart: always
    network_mode: none
    x-lxr:
      backoff: {initial: 0, max: 1ms, reset_after: 1ms}
Y
# glibc's per-thread cache off in the supervisor: the chunks it holds count
# as in use, and it fills over the first thousand starts; without it the
# figure is what is allocated, start after start
GLIBC_TUNABLES=glibc.malloc.tcache_count=0 LXR_DEBUG=1 run up -d -f "$STACK"
expect_rc 0 "up -d of two crash loops"
log="$LXR_RUN_DIR/$PROJECT/supervisor.log"
heap() { grep -o "sharing lxr's memory, now gone from it (lxr's heap in use: [0-9]*" "$1" | grep -o '[0-9]*$'; }
for _ in $(seq 1200); do [ "$(heap "$log" | wc -l)" -ge 650 ] && break; sleep 0.05; done
cp "$log" "$TEST_TMP/supervisor.log"
run down -p "$PROJECT" -t 0
expect_rc 0 "down"
heap "$TEST_TMP/supervisor.log" >"$TEST_TMP/heap"
[ "$(wc -l <"$TEST_TMP/heap")" -ge 650 ] || fail "only $(wc -l <"$TEST_TMP/heap") shared starts logged"
# the medians of starts 100-150 and 600-650: a leak grows with every start
median() { sed -n "$1,$2p" "$TEST_TMP/heap" | sort -n | sed -n 26p; }
early=$(median 100 150) late=$(median 600 650)
[ $((late - early)) -lt 256 ] ||
	fail "the supervisor's heap grew from $early to $late bytes over 500 restarts"
pass "650 restarts shared lxr's memory; its heap in use went from $early to $late bytes"
