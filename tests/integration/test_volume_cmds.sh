#!/bin/bash
# Volumes that outlive a project: `lxr volume create/ls/inspect/rm/prune`,
# a stack's `external:` and `name:` volumes (shared by two projects), the
# local driver's options (a bind of a host directory, a tmpfs), `down -v`
# keeping external volumes, rm refused while a container uses the volume,
# `lxr run -v NAME:/path`, and errors that leave nothing made.
. "$(dirname "$0")/lib.sh"

vol() { "$LXR" volume "$@"; }
at_exit 'for v in $("$LXR" volume ls -q); do "$LXR" volume rm -f "$v"; done'

# ---- the commands ----------------------------------------------------------
run volume create --label team=a shared1
expect_rc 0 "volume create"
expect_out "shared1" "volume create prints the name"
run volume create
expect_rc 0 "volume create without a name"
anon=$OUT
expect_grep "$anon" '^[0-9a-f]{64}$' "a random name"
run volume ls -q
expect_out "$(printf '%s\n%s' "$anon" shared1 | sort)" "volume ls -q"
run volume inspect shared1
expect_rc 0 "volume inspect"
expect_grep "$OUT" '"Mountpoint": "'"$LXR_DATA_DIR"'/volumes/_named/shared1/_data"' "inspect Mountpoint"
expect_grep "$OUT" '"team": "a"' "inspect Labels"
expect_grep "$OUT" '"CreatedAt": "20[0-9-]+T' "inspect CreatedAt"
run volume inspect -f '{{.Mountpoint}} {{.Labels.team}}' shared1
expect_out "$LXR_DATA_DIR/volumes/_named/shared1/_data a" "volume inspect -f, docker's template"
run volume inspect nosuch
expect_rc 1 "inspect of a missing volume"
expect_grep "$ERR" "no such volume: nosuch" "its error"
run volume create -o type=none -o o=bind -o device="$TEST_TMP/absent" badbind
expect_rc 1 "a bind of a missing device"
expect_grep "$ERR" "bind device $TEST_TMP/absent" "names the device"
expect_grep "$ERR" "mkdir -p" "says what to do"
[ ! -e "$LXR_DATA_DIR/volumes/_named/badbind" ] || fail "a refused volume was left"
run volume create -d nfsplugin x1
expect_rc 1 "another driver"
expect_grep "$ERR" 'driver "nfsplugin" is not supported' "names the driver"
run volume prune
expect_rc 0 "volume prune"
expect_grep "$OUT" "$anon" "prune removes the unnamed volume"
[ "$(vol ls -q)" = shared1 ] || fail "prune removed a named volume: $(vol ls -q)"
[ "$(stat -c %a "$LXR_DATA_DIR/volumes/_named/shared1")" = 700 ] ||
	fail "a volume's directory is open to host users: $(stat -c %a "$LXR_DATA_DIR/volumes/_named/shared1")"
pass "volume create (named, random), ls, inspect, prune; bad options refused, nothing made"

# ---- two projects, external and named volumes, driver options ---------------
mkdir -p "$TEST_TMP/host"
echo from-host > "$TEST_TMP/host/file"
stack <<'Y'
name: vola
services:
  a:
    image: @ROOTFS@
    command: ["/bin/sh", "-c", "echo a > /ext/a; echo a > /named/a; sleep 1000"]
    volumes: ["ext:/ext", "named:/named", "hostdir:/hostdir", "scratch:/scratch"]
volumes:
  ext:
    external: true
    name: shared1
  named:
    name: common-vol
  hostdir:
    driver_opts: {type: none, o: bind, device: @SHARED@}
  scratch:
    driver_opts: {type: tmpfs, device: tmpfs, o: "size=4m,mode=0700"}
Y
STACK_A=$STACK
cp "$TEST_TMP/host/file" "$SHARED/file"
run up -d -f "$STACK_A"
expect_rc 0 "up with external, named and driver_opts volumes"
mkdir -p "$TEST_TMP/b"
sed -e 's/^name: vola/name: volb/' -e "s|$SHARED|$TEST_TMP/host|" -e 's/echo a > \/ext\/a; echo a > \/named\/a/echo b > \/named\/b/' "$STACK_A" > "$TEST_TMP/b/compose.yaml"
STACK_B="$TEST_TMP/b/compose.yaml"
at_exit "$LXR" down -p volb
run up -d -f "$STACK_B"
expect_rc 0 "a second project on the same volumes"
for _ in $(seq 100); do
	[ -e "$LXR_DATA_DIR/volumes/_named/common-vol/_data/a" ] &&
		[ -e "$LXR_DATA_DIR/volumes/_named/common-vol/_data/b" ] && break
	sleep 0.1
done
run exec -p volb a cat /named/a /ext/a /hostdir/file
expect_rc 0 "project b sees what project a wrote"
expect_out "$(printf 'a\na\nfrom-host')" "shared named and external volume, bind of a host directory"
run exec -p vola a sh -c 'grep " /scratch " /proc/mounts'
expect_grep "$OUT" "^tmpfs /scratch tmpfs .*size=4096k.*mode=700" "tmpfs volume with its options"
run exec -p vola a sh -c 'echo t > /scratch/t'
run exec -p volb a cat /scratch/t
[ "$RC" -ne 0 ] || fail "project b sees project a's own tmpfs volume (vola_scratch)"
pass "external and named volumes shared by two projects; bind and tmpfs driver options"

run volume rm shared1
expect_rc 1 "rm of a volume in use"
expect_grep "$ERR" "volume shared1 is in use by vol[ab]/a-1" "names the container using it"
[ -e "$LXR_DATA_DIR/volumes/_named/shared1/volume.json" ] || fail "a volume in use was removed"
pass "volume rm refused while a container uses it, naming who"

run down -v -f "$STACK_B"
expect_rc 0 "down -v of b"
expect_grep "$ERR" "kept volume common-vol: volume common-vol is in use by vola/a-1" "a named volume project a uses is kept"
run down -v -f "$STACK_A"
expect_rc 0 "down -v of a"
[ -e "$LXR_DATA_DIR/volumes/_named/shared1/volume.json" ] || fail "down -v removed an external volume"
[ ! -e "$LXR_DATA_DIR/volumes/_named/common-vol" ] || fail "down -v kept the stack's named volume"
[ ! -e "$LXR_DATA_DIR/volumes/_named/vola_hostdir" ] || fail "down -v kept the stack's bind volume"
[ "$(cat "$SHARED/file")" = from-host ] || fail "down -v touched the bound host directory"
pass "down -v keeps external volumes and removes the stack's own, never the bound directory"

# ---- an external volume that does not exist --------------------------------
stack <<'Y'
name: volc
services:
  a:
    image: @ROOTFS@
    command: ["/bin/true"]
    volumes: ["ext:/ext", "mine:/mine"]
volumes:
  mine:
    name: volc-mine
  ext:
    external: true
    name: not-made
Y
run up -d -f "$STACK"
expect_rc 1 "up with a missing external volume"
expect_grep "$ERR" 'volume "not-made" is external' "names the volume"
expect_grep "$ERR" "lxr volume create not-made" "says how to make it"
[ ! -e "$LXR_DATA_DIR/volumes/_named/volc-mine" ] || fail "a failed up made a volume"
[ ! -e "$LXR_RUN_DIR/volc" ] || fail "a failed up left its run directory"
pass "up with a missing external volume fails before making anything"

# ---- a stack's plain volume, as docker compose names it --------------------------
stack <<'Y'
name: vold
services:
  a:
    image: @ROOTFS@
    command: ["/bin/sh", "-c", "echo d > /data/d; exec sleep 1000"]
    volumes: ["data:/data"]
volumes:
  data:
Y
run up -d -f "$STACK"
expect_rc 0 "up with a plain volume"
run volume ls -q
expect_grep "$OUT" "^vold_data$" "volume ls lists a stack's volume as <project>_<name>"
run volume inspect vold_data
expect_grep "$OUT" '"Mountpoint": "'"$LXR_DATA_DIR"'/volumes/vold/data"' "its Mountpoint"
expect_grep "$OUT" '"com.docker.compose.project": "vold"' "compose's project label"
for _ in $(seq 100); do [ -e "$LXR_DATA_DIR/volumes/vold/data/d" ] && break; sleep 0.05; done
run run --rm --name "$(cname vold)" -v vold_data:/d "$ROOTFS" cat /d/d
expect_out "d" "lxr run -v <project>_<name> mounts the stack's volume"
run volume rm vold_data
expect_rc 1 "rm of a stack's volume in use"
expect_grep "$ERR" "volume vold_data is in use by vold/a-1" "names the container"
run down -f "$STACK"
expect_rc 0 "down"
run volume rm vold_data
expect_rc 0 "rm of a stack's volume once it is down"
[ ! -e "$LXR_DATA_DIR/volumes/vold" ] || fail "volume rm left $(ls -A "$LXR_DATA_DIR/volumes/vold")"
pass "a stack's plain volume shows as <project>_<name> in ls and inspect; rm waits for its containers"

# ---- lxr run -v NAME:/path ---------------------------------------------------
n=$(cname runvol)
run run --rm --name "$n" -v runvol:/v "$ROOTFS" /bin/sh -c 'echo r > /v/r'
expect_rc 0 "run -v NAME:/path"
[ "$(cat "$LXR_DATA_DIR/volumes/_named/runvol/_data/r")" = r ] || fail "run's volume is not the store's"
run volume create -o type=tmpfs -o device=tmpfs -o o=size=1m runtmp
expect_rc 0 "volume create with tmpfs options"
run run --rm --name "$(cname runtmp)" -v runtmp:/t "$ROOTFS" /bin/sh -c 'grep " /t " /proc/mounts'
expect_rc 0 "run -v on a tmpfs volume"
expect_grep "$OUT" "^tmpfs /t tmpfs .*size=1024k" "the volume's tmpfs, with its size"
! grep -q "_named/runtmp/_data" /proc/self/mountinfo || fail "the tmpfs stayed mounted after its last container"
run volume create -o type=nfs -o o=addr=no-such-host.invalid -o device=:/export nfsbad
expect_rc 0 "volume create of an NFS volume (mounted at its first use)"
run run --rm --name "$(cname nfsbad)" -v nfsbad:/n "$ROOTFS" true
expect_rc 125 "run on an NFS volume whose server does not resolve"
expect_grep "$ERR" "volume nfsbad: resolve addr=no-such-host.invalid" "names the volume and the address"
! grep -q "_named/nfsbad/_data" /proc/self/mountinfo || fail "a failed NFS volume left a mount"
run volume rm runvol shared1 runtmp nfsbad
expect_rc 0 "rm of unused volumes"
[ -z "$(vol ls -q)" ] || fail "volumes left: $(vol ls -q)"
pass "run -v NAME:/path uses (and makes) the volume NAME"
