#!/bin/bash
# Rootless lxr (docs/rootless.md): an ordinary user with subordinate ranges
# runs a two-service stack (one reaches the other by name), publishes a port
# reached from the host, uses a named volume and a bind mount whose files
# the user owns on the host, a health check, a restart, exec, logs and top; `lxr
# run --rm`; a limit without a delegated cgroup and a user without ranges
# get errors that say what to do. The test makes its own user and removes it.
. "$(dirname "$0")/lib.sh"

command -v newuidmap >/dev/null && command -v newgidmap >/dev/null ||
	skip "newuidmap/newgidmap are not installed (Debian's uidmap; packaging/setup.sh)"
command -v pasta >/dev/null || skip "pasta is not installed (Debian's passt; packaging/setup.sh)"
command -v useradd >/dev/null || skip "useradd is not installed"
[ "$(cat /proc/sys/user/max_user_namespaces)" -gt 0 ] || skip "user.max_user_namespaces is 0"
[ "$(cat /proc/sys/kernel/unprivileged_userns_clone 2>/dev/null || echo 1)" = 1 ] ||
	skip "kernel.unprivileged_userns_clone is 0: ordinary users may not make user namespaces"

U="qrl$$"
H="$TEST_TMP/home"
PORT=19317
useradd -M -d "$H" -s /bin/sh "$U" || fail "useradd $U"
# userdel drops the user's ranges from /etc/subuid and /etc/subgid too
at_exit "userdel $U; sed -i '/^$U:/d' /etc/subuid /etc/subgid"
UID_N=$(id -u "$U")
# useradd gives ranges when login.defs says so; else one past every range
if ! grep -q "^$U:" /etc/subuid; then
	top=$(awk -F: '{e=$2+$3; if (e>m) m=e} END {print m+0}' /etc/subuid /etc/subgid)
	[ "$top" -lt 100000 ] && top=100000
	usermod --add-subuids "$top-$((top + 65535))" --add-subgids "$top-$((top + 65535))" "$U" ||
		fail "usermod --add-subuids"
fi
mkdir -p "$H/bin" "$H/run" "$H/shared"
# the user's own copy of lxr and of the root filesystem: a rootless
# container's files must be the user's (root's are nobody's in there)
cp "$LXR" "$LXR_BUILD_DIR/lxr-image" "$H/bin/"
cp -a "$ROOTFS" "$H/rootfs"
chown -R "$U:" "$H"
chmod 0700 "$H/run"
chmod 0755 "$TEST_TMP"
PAUSE="$H/run/lxr/pause.pid"
# the pause process holds the user's namespaces until it is stopped
at_exit 'p=$(cat "$PAUSE" 2>/dev/null) && kill -9 "$p"'

# Run lxr as the user, with nothing of root's environment (run() of lib.sh)
UPATH=/usr/sbin:/usr/bin:/sbin:/bin
urun() {
	set +e
	OUT=$(cd "$H" && setpriv --reuid "$U" --regid "$U" --init-groups env -i HOME="$H" \
		PATH="$UPATH" XDG_RUNTIME_DIR="$H/run" "$H/bin/lxr" "$@" \
		2>"$TEST_TMP/stderr")
	RC=$?
	set -e
	ERR=$(cat "$TEST_TMP/stderr")
}

urun doctor
expect_rc 0 "doctor as the user"
expect_grep "$OUT" "^ok +/etc/subuid: $U has" "doctor names the user's range"
expect_grep "$OUT" "^ok +pasta" "doctor finds pasta"
expect_grep "$OUT" "cgroup delegation" "doctor says whether limits can be delegated"

urun run --rm --network none "$H/rootfs" sh -c 'id -u; cat /proc/self/uid_map'
expect_rc 0 "lxr run --rm as the user"
expect_grep "$OUT" "^0$" "root in the container"
expect_grep "$OUT" "^ +1 +[0-9]+ +65536$" "the user's range mapped from 1"
expect_grep "$OUT" "^ +0 +$UID_N +1$" "container root is the user"
# run --rm returns before its files are gone: a detached cleaner of its own
# removes them, then ends (bounded wait)
for _ in $(seq 100); do [ "$(pgrep -u "$U" | wc -l)" -le 1 ] && break; sleep 0.05; done
[ "$(pgrep -u "$U" | wc -l)" -eq 1 ] || fail "only the pause process stays: $(pgrep -au "$U")"

# an image in the user's store: layers unpacked in the user's namespace,
# so a file of uid 1000 in the image is the range's 1000th id on the host
mkdir "$TEST_TMP/img"
cp -a "$ROOTFS/." "$TEST_TMP/img/"
mkdir -p "$TEST_TMP/img/home/u"
echo q > "$TEST_TMP/img/home/u/f"
chown -R 1000:1000 "$TEST_TMP/img/home/u"
tar --numeric-owner -C "$TEST_TMP/img" -cf "$H/img.tar" .
chown "$U:" "$H/img.tar"
urun import "$H/img.tar" "q$$-img:1"
expect_rc 0 "lxr import as the user"
urun run --rm --network none "q$$-img:1" stat -c %u /home/u/f
expect_out 1000 "a uid-1000 file of the image, seen in the container"
SUB=$(sed -n "s/^$U:\([0-9]*\):.*/\1/p" /etc/subuid)
f=$(find "$H/.local/share/lxr/images" -path "*/home/u/f" | head -n1)
[ -n "$f" ] || fail "the image's layers are not under ~/.local/share/lxr/images"
[ "$(stat -c %u "$f")" = "$((SUB + 999))" ] || fail "layer file owner $(stat -c %u "$f"), want $((SUB + 999))"
pass "images: the user's store, owners mapped"

# a build's RUN on the default bridge, in a namespace of the build's own
mkdir "$H/ctx"
printf 'FROM q%s-img:1\nRUN echo built-q > /built\n' "$$" > "$H/ctx/Dockerfile"
chown -R "$U:" "$H/ctx"
urun build -q -t "q$$-built:1" "$H/ctx"
expect_rc 0 "lxr build with RUN as the user"
urun run --rm --network none "q$$-built:1" cat /built
expect_out built-q "the built image's RUN result"
pass "lxr build"

# lxr run on its default network: a namespace of its own, pasta for -p
urun run -d --name "q$$-run" -p "$((PORT + 1)):8080" "$H/rootfs" sh -c 'echo run-q > /i; httpd -f -p 8080 -h /'
expect_rc 0 "lxr run -d -p as the user"
[ "$(curl -s -m 20 "http://127.0.0.1:$((PORT + 1))/i")" = run-q ] || fail "lxr run -p port from the host"
urun rm -f "q$$-run"
expect_rc 0 "lxr rm -f as the user"
for _ in $(seq 100); do [ "$(pgrep -u "$U" | wc -l)" -le 1 ] && break; sleep 0.1; done
[ "$(pgrep -u "$U" | wc -l)" -eq 1 ] || fail "left after rm -f: $(pgrep -au "$U")"
[ -z "$(find "$H/run/lxr/_run-sup" "$H/run/lxr/_run-net" -mindepth 1 2>/dev/null)" ] || fail "run directories left"
pass "lxr run -d -p and rm -f"

# without pasta, slirp4netns (podman's order): a PATH with what else lxr runs
if command -v slirp4netns >/dev/null; then
	mkdir "$TEST_TMP/path"
	for b in newuidmap newgidmap slirp4netns nft; do
		p=$(command -v "$b") && ln -s "$p" "$TEST_TMP/path/$b"
	done
	UPATH="$TEST_TMP/path"
	urun doctor
	expect_grep "$OUT" "^warn +pasta: not in PATH; slirp4netns is" "doctor names the fallback"
	urun run -d --name "q$$-slirp" -p "$((PORT + 2)):8080" "$H/rootfs" sh -c 'echo slirp-q > /i; httpd -f -p 8080 -h /'
	expect_rc 0 "lxr run -d -p with slirp4netns"
	[ "$(curl -s -m 20 "http://127.0.0.1:$((PORT + 2))/i")" = slirp-q ] || fail "slirp4netns port from the host"
	urun rm -f "q$$-slirp"
	expect_rc 0 "lxr rm -f (slirp4netns)"
	for _ in $(seq 100); do [ "$(pgrep -u "$U" | wc -l)" -le 1 ] && break; sleep 0.1; done
	[ "$(pgrep -u "$U" | wc -l)" -eq 1 ] || fail "left after rm -f: $(pgrep -au "$U")"
	UPATH=/usr/sbin:/usr/bin:/sbin:/bin
	pass "slirp4netns where pasta is missing"
fi

urun run --rm --network none -m 64m "$H/rootfs" true
if grep -q "^cgroup2 /sys/fs/cgroup " /proc/mounts &&
	[ "$(stat -c %u "/sys/fs/cgroup$(sed -n 's/^0:://p' /proc/self/cgroup)" 2>/dev/null)" = "$UID_N" ]; then
	echo "# delegated cgroup: limits are the v2 VM's to cover"
else
	expect_rc 125 "a memory limit without a delegated cgroup"
	expect_grep "$ERR" "memory.max .*no delegated cgroup v2 subtree" "the error names the limit and what is missing"
	expect_grep "$ERR" "Delegate=yes" "the hint says what to set up"
fi

cat > "$H/compose.yaml" <<EOF
name: qrootless
services:
  web:
    image: $H/rootfs
    command: ["httpd", "-f", "-p", "8080", "-h", "/srv"]
    ports: ["$PORT:8080"]
    volumes: ["data:/srv"]
    healthcheck:
      test: ["CMD", "test", "-e", "/srv/index.html"]
      interval: 200ms
      retries: 100
  client:
    image: $H/rootfs
    command: ["sh", "-c", "while true; do wget -q -O- http://web:8080/ >/shared/got 2>/dev/null && cat /shared/got; sleep 0.2; done"]
    volumes: ["$H/shared:/shared"]
    depends_on: [web]
volumes:
  data:
EOF
chown "$U:" "$H/compose.yaml"
PROJECT=qrootless
at_exit 'urun down -t 0'

urun up -d
expect_rc 0 "lxr up -d as the user"
urun exec web sh -c 'echo hello-q > /srv/index.html'
expect_rc 0 "lxr exec as the user"
urun up -d --wait
expect_rc 0 "the health check passes"
urun ps
expect_grep "$OUT" "web-1 .*healthy" "ps shows web healthy"

# client reaches web by name: its copy lands in the bind mount, the user's
for _ in $(seq 200); do [ -s "$H/shared/got" ] && break; sleep 0.1; done
[ "$(cat "$H/shared/got")" = hello-q ] || fail "client got [$(cat "$H/shared/got" 2>&1)] from web by name"
[ "$(stat -c %u "$H/shared/got")" = "$UID_N" ] || fail "a bind-mounted file is not the user's on the host"
vol=$(find "$H/.local/share/lxr/volumes" -name index.html)
[ -n "$vol" ] || fail "no volume under ~/.local/share/lxr/volumes"
[ "$(stat -c %u "$vol")" = "$UID_N" ] || fail "a volume's file is not the user's on the host"
pass "services reach each other by name; volume and bind mount files are the user's"

[ "$(curl -s -m 20 "http://127.0.0.1:$PORT/")" = hello-q ] || fail "published port $PORT from the host"
pass "published port reached from the host"

urun logs client
expect_rc 0 "lxr logs as the user"
expect_grep "$OUT" "client-1 +\| hello-q|^client.*hello-q" "the client's log"
[ -d "$H/.local/share/lxr/logs/qrootless" ] || fail "logs are not under ~/.local/share/lxr/logs"

urun top web
expect_grep "$OUT" "httpd -f -p 8080" "lxr top lists the container's processes without a cgroup"
urun pause web
expect_rc 1 "pause without a cgroup"
expect_grep "$ERR" "freezing needs the container's cgroup" "pause says why it cannot"

urun restart web
expect_rc 0 "lxr restart as the user"
urun up -d --wait
expect_rc 0 "web healthy again after its restart"
[ "$(curl -s -m 20 "http://127.0.0.1:$PORT/")" = hello-q ] || fail "published port after a restart"
pass "restart"

# a reconcile that publishes a new host port is refused, not half-done
cp "$H/compose.yaml" "$H/compose.orig"
sed -i "s/\"$PORT:8080\"/\"$PORT:8080\", \"$((PORT + 3)):8080\"/" "$H/compose.yaml"
urun up -d
[ "$RC" -ne 0 ] || fail "a new published port on a running rootless stack was accepted"
expect_grep "$ERR" "publishes host port $((PORT + 3)), which the running stack did not" "the error names the port"
cp "$H/compose.orig" "$H/compose.yaml"
pass "a reconcile with a new published port is refused"

urun down -t 0
expect_rc 0 "lxr down as the user"
# a network's default host address would not hold (pasta forwards every
# port on every host address): refused, saying what to write instead
mkdir -p "$H/hb"
cat >"$H/hb/compose.yaml" <<EOF
name: qrootlesshb
services:
  web: {image: $H/rootfs, command: [sleep, "60"], ports: ["$((PORT + 5)):80"]}
networks:
  default:
    driver_opts: {com.docker.network.bridge.host_binding_ipv4: 127.0.0.1}
EOF
chown -R "$U:" "$H/hb"
urun -f hb/compose.yaml up -d
[ "$RC" -ne 0 ] || { urun -f hb/compose.yaml down -t 0; fail "rootless up with host_binding_ipv4 was accepted"; }
expect_grep "$ERR" "host_binding_ipv4 is not kept by a rootless stack" "the error names the option"
expect_grep "$ERR" '127.0.0.1:8080:80' "the hint says to write the address in the ports"
[ ! -e "$H/run/lxr/qrootlesshb" ] || fail "the refused up left $(ls "$H/run/lxr/qrootlesshb")"
[ ! -e "$H/run/lxr/qrootless" ] || fail "run directory left: $(ls "$H/run/lxr/qrootless")"
for _ in $(seq 100); do [ "$(pgrep -u "$U" | wc -l)" -le 1 ] && break; sleep 0.1; done
[ "$(pgrep -u "$U" | wc -l)" -eq 1 ] || fail "left after down: $(pgrep -au "$U")"
pass "down leaves only the pause process"

# no ranges: the error says what to add
p=$(cat "$PAUSE")
kill -9 "$p"
for _ in $(seq 100); do [ -e "/proc/$p/ns/mnt" ] || break; sleep 0.05; done
sed -i "/^$U:/d" /etc/subuid /etc/subgid
urun ps
expect_rc 1 "lxr as a user without ranges"
expect_grep "$ERR" "no subordinate range in /etc/subuid" "the error names the file"
expect_grep "$ERR" "usermod --add-subuids [0-9]+-[0-9]+ --add-subgids [0-9]+-[0-9]+ $U" "the hint says what to run"
pass "a user without ranges is told what to add"
