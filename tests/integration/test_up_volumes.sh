#!/bin/bash
# Named and anonymous volumes: made on first use under the data directory,
# filled from the image when new (owner and mode too) unless nocopy, mounted
# read-only when asked; their data outlives `down`, a killed supervisor and
# a simulated reboot, and the stack comes back on the same addresses;
# `down -v` removes them.
. "$(dirname "$0")/lib.sh"

# an image with content where a volume goes: /seed, owned by 1000:1000
IMG="$TEST_TMP/image"
cp -a "$ROOTFS" "$IMG"
mkdir -m 0750 "$IMG/seed"
echo hello > "$IMG/seed/hello"
chown -R 1000:1000 "$IMG/seed"

stack <<'Y'
name: volumes
services:
  app:
    image: @IMAGE@
    command: ["/bin/sh", "-c", "echo run >> /data/runs; exec httpd -f -p 80 -h /seed"]
    volumes:
      - data:/data
      - seed:/seed
      - /scratch
      - type: volume
        source: data
        target: /data-ro
        read_only: true
  bare:
    image: @IMAGE@
    command: ["/bin/sleep", "1000"]
    volumes: ["empty:/seed:nocopy"]
volumes:
  data:
  seed:
  empty:
    driver: local
Y
sed -i "s|@IMAGE@|$IMG|" "$STACK"
vols="$LXR_DATA_DIR/volumes/volumes"

run up -d -f "$STACK"
expect_rc 0 "up -d"
[ "$(cat "$vols/data/runs")" = run ] || fail "named volume data: $(ls -la "$vols/data")"
[ "$(cat "$vols/seed/hello")" = hello ] || fail "new volume seed was not filled from the image"
[ "$(stat -c '%u:%g %a' "$vols/seed")" = "1000:1000 750" ] ||
	fail "volume seed did not take /seed's owner and mode: $(stat -c '%u:%g %a' "$vols/seed")"
[ "$(stat -c '%u:%g' "$vols/seed/hello")" = "1000:1000" ] || fail "copied file lost its owner"
[ -z "$(ls -A "$vols/empty")" ] || fail "nocopy volume was filled: $(ls -A "$vols/empty")"
[ -d "$vols/+anon/app-1/%2Fscratch" ] || fail "anonymous volume not made: $(ls -R "$vols")"
run exec -f "$STACK" app sh -c 'echo x > /data-ro/no'
[ "$RC" -ne 0 ] || fail "read_only volume is writable"
expect_grep "$ERR" "Read-only file system" "writing to a read_only volume"
run exec -f "$STACK" app sh -c 'echo new > /seed/new && rm /seed/hello && cat /data/runs'
expect_rc 0 "exec writes to the volume"
pass "named volumes are made, filled from the image (owner, mode) unless nocopy, mounted ro when asked; anonymous ones per instance"

app_ip() {
	"$LXR" ps -p volumes --format json | tr -d ' \n' | grep -o '"instance":"app-1"[^}]*' |
		grep -o '"addresses":\["[0-9.]*"' | grep -oE '[0-9]+(\.[0-9]+){3}'
}
ip_before=$(app_ip)
[ -n "$ip_before" ] || fail "ps shows no address for app-1"
run down -f "$STACK"
expect_rc 0 "down"
[ -f "$vols/data/runs" ] && [ -f "$vols/seed/new" ] || fail "down removed volume data"
run up -d -f "$STACK"
expect_rc 0 "up again"
[ "$(wc -l < "$vols/data/runs")" -eq 2 ] || fail "data lost across down/up: $(cat "$vols/data/runs")"
[ -f "$vols/seed/new" ] && [ ! -e "$vols/seed/hello" ] ||
	fail "a volume with data was filled again from the image: $(ls "$vols/seed")"
pass "volume data outlives down; a volume in use is never filled again"

# a power cut: the supervisor and every container die at once, and the
# kernel forgets links, nft rules, cgroups and mounts; the run directory's
# files stay (on this host it is not a tmpfs)
sup=$(cat "$LXR_RUN_DIR/volumes/supervisor.lock")
kill -KILL "$sup"
for _ in $(seq 100); do kill -0 "$sup" 2>/dev/null || break; sleep 0.05; done
grep -F " $LXR_RUN_DIR/" /proc/self/mountinfo | awk '{print $5}' | xargs -r -n1 umount -l
bridge=$(sed -n 's/^bridge //p' "$LXR_RUN_DIR"/volumes/.net/networks/default)
[ -n "$bridge" ] || fail "no bridge recorded for the default network"
ip link del "$bridge" # its veths go with it
for d in $(find /sys/fs/cgroup/*/lxr/volumes /sys/fs/cgroup/lxr/volumes -depth -type d 2>/dev/null); do
	rmdir "$d" 2>/dev/null || true
done
run up -d -f "$STACK"
expect_rc 0 "up after a simulated reboot"
[ "$(wc -l < "$LXR_DATA_DIR/volumes/volumes/data/runs")" -eq 3 ] || fail "data lost across the reboot"
ip_after=$(app_ip)
[ "$ip_before" = "$ip_after" ] || fail "address changed across the reboot: $ip_before -> $ip_after"
run exec -f "$STACK" bare cat /etc/hosts
expect_grep "$OUT" "^${ip_after//./\\.}[[:space:]]+app" "bare resolves app at its address after the reboot"
pass "after a simulated power cut, up brings the stack back with its data and addresses ($ip_after)"

# compose's volumes: the project's, or those the services named mount
run volumes -f "$STACK"
expect_rc 0 "volumes"
expect_out "$(printf 'DRIVER     VOLUME NAME\nlocal      volumes_data\nlocal      volumes_empty\nlocal      volumes_seed')" "volumes lists the project's"
run volumes -f "$STACK" -q bare
expect_out "volumes_empty" "volumes SERVICE: what it mounts"
run volumes -f "$STACK" --format json app
expect_grep "$OUT" '^\{"Driver":"local","Name":"volumes_data"\}$' "--format json"
run volumes -f "$STACK" nosuch
expect_rc 2 "volumes of a service that is not there"
run --progress plain down -v -f "$STACK"
expect_rc 0 "down -v"
[ ! -e "$vols" ] || fail "down -v left $vols: $(ls -A "$vols")"
expect_grep "$ERR" "^ Volume volumes_data  Removed$" "down -v says which volumes it removed"
expect_grep "$ERR" "^ Volume volumes_seed  Removed$" "each of them"
pass "down -v removes the project's named and anonymous volumes"

# down -v after down: the volumes still go, and are said to
run up -d -f "$STACK"
expect_rc 0 "up again"
run down -f "$STACK"
run --progress plain down -v -f "$STACK"
expect_rc 0 "down -v of a stack that is down"
expect_grep "$ERR" "^ Volume volumes_data  Removed$" "down -v after down removes the volumes"
printf '%s\n' "$ERR" | grep -q "no resource found" && fail "down -v warned of nothing to remove: $ERR"
[ ! -e "$vols" ] || fail "down -v after down left $vols: $(ls -A "$vols")"
run volumes -f "$STACK"
expect_out "DRIVER     VOLUME NAME" "no volume left"
pass "volumes lists the project's volumes; down -v after down removes and names them"
