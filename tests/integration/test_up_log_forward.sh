#!/bin/bash
# The logging drivers journald and syslog: each line goes to lxr's own log
# (lxr logs reads it, as dockerd's dual logging keeps a copy) and to the
# host's journal or syslog, with dockerd's fields and formats. syslog's
# peers are real sockets this test listens on (unixgram:// and udp://).
# journald is not installed on this machine, so a listener on journald's
# own path, /run/systemd/journal/socket, in a private mount namespace with
# a /run of its own, decodes the native protocol's datagrams as journald
# does; nothing of the host's /run is touched.
. "$(dirname "$0")/lib.sh"
command -v python3 >/dev/null || skip "python3 is needed for the listeners"
command -v unshare >/dev/null || skip "unshare (util-linux) is needed for a private /run"

# a listener: each datagram as one line, NULs between; journald's decoded
# to sorted FIELD=value pairs
cat >"$TEST_TMP/listen.py" <<'PY'
import os, socket, struct, sys
kind, addr, out = sys.argv[1:4]
if kind == "udp":
    s = socket.socket(socket.AF_INET, socket.SOCK_DGRAM)
    s.bind(("127.0.0.1", int(addr)))
else:
    s = socket.socket(socket.AF_UNIX, socket.SOCK_DGRAM)
    s.bind(addr)
open(out + ".ready", "w").close()
def journal(d):
    f, i = {}, 0
    while i < len(d):
        nl = d.index(b"\n", i)
        if b"=" in d[i:nl]:
            k, v = d[i:nl].split(b"=", 1)
            i = nl + 1
        else:
            k, n = d[i:nl], struct.unpack("<Q", d[nl + 1:nl + 9])[0]
            v, i = d[nl + 9:nl + 9 + n], nl + 9 + n + 1
        f[k.decode()] = v.decode()
    return " ".join("%s=%s" % kv for kv in sorted(f.items()))
with open(out, "a", buffering=1) as o:
    while True:
        d = s.recv(1 << 20)
        o.write((journal(d) if kind == "journal" else d.decode().replace("\n", "\\n")) + "\n")
PY
listen() { # KIND ADDR OUT
	python3 "$TEST_TMP/listen.py" "$1" "$2" "$3" &
	at_exit kill $!
	for _ in $(seq 100); do [ -e "$3.ready" ] && return; sleep 0.05; done
	fail "listener $1 $2 did not start"
}
port=$(free_ports 1)
listen unixgram "$TEST_TMP/syslog.sock" "$TEST_TMP/unix.got"
listen udp "$port" "$TEST_TMP/udp.got"

P=fwd$$
stack <<Y
name: $P
services:
  app:
    image: @ROOTFS@
    command: ["sh", "-c", "echo to-out; echo to-err >&2; exec sleep 1000"]
    logging:
      driver: syslog
      options:
        syslog-address: unixgram://$TEST_TMP/syslog.sock
        tag: "app/{{.Name}}"
        mode: non-blocking
  net:
    image: @ROOTFS@
    command: ["sh", "-c", "echo over-udp; exec sleep 1000"]
    logging:
      driver: syslog
      options: {syslog-address: "udp://127.0.0.1:$port", syslog-format: rfc5424micro, syslog-facility: local3}
  nocache:
    image: @ROOTFS@
    command: ["sh", "-c", "echo not-kept; exec sleep 1000"]
    logging:
      driver: syslog
      options: {syslog-address: "unixgram://$TEST_TMP/syslog.sock", cache-disabled: "true", labels: team}
Y
run up -d -f "$STACK"
expect_rc 0 "up -d"
for _ in $(seq 100); do
	[ "$(wc -l <"$TEST_TMP/unix.got")" -ge 2 ] && [ -s "$TEST_TMP/udp.got" ] && break
	sleep 0.05
done
# dockerd's default format: <PRI>Mmm dd hh:mm:ss TAG[PID]: line, daemon
# (3) times 8 plus info (6) for stdout, err (3) for stderr
grep -qE "^<30>[A-Z][a-z]{2} [ 0-9]{2} [0-9:]{8} app/$P-app-1\[[0-9]+\]: to-out\\\\n$" "$TEST_TMP/unix.got" ||
	fail "syslog over unixgram, stdout: $(cat "$TEST_TMP/unix.got")"
grep -qE "^<27>.* app/$P-app-1\[[0-9]+\]: to-err\\\\n$" "$TEST_TMP/unix.got" ||
	fail "syslog over unixgram, stderr: $(cat "$TEST_TMP/unix.got")"
# rfc5424micro: local3 (19) times 8 plus 6; the tag is docker's default,
# the short id (lxr's id is the instance's name)
grep -qE "^<158>1 [0-9-]{10}T[0-9:]{8}\.[0-9]{6}(Z|[+-][0-9:]{5}) [^ ]+ net-1 [0-9]+ net-1 - over-udp\\\\n$" \
	"$TEST_TMP/udp.got" || fail "syslog over udp, rfc5424micro: $(cat "$TEST_TMP/udp.got")"
for _ in $(seq 100); do grep -q "not-kept" "$TEST_TMP/unix.got" && break; sleep 0.05; done
grep -q "not-kept" "$TEST_TMP/unix.got" || fail "cache-disabled: the line was not sent"
run -f "$STACK" logs --no-color app net
expect_rc 0 "logs of syslog services"
expect_grep "$OUT" "app-1 +\| to-out" "lxr logs reads the local copy"
expect_grep "$OUT" "net-1 +\| over-udp" "of both"
[ ! -e "$LXR_LOG_DIR/$P/nocache.log" ] || fail "cache-disabled kept a local copy"
run -f "$STACK" logs nocache
expect_rc 1 "logs of a service with cache-disabled"
expect_grep "$ERR" "configured logging driver \"syslog\" does not support reading" "docker's words"
run down -f "$STACK"
expect_rc 0 "down"
pass "syslog: dockerd's formats over unixgram and udp, and lxr logs reads the local copy"

# lxr run -d --log-driver syslog; a foreground run cannot send its output on
n=$(cname fwdrun)
run run -d --name "$n" --network none --log-driver syslog \
	--log-opt "syslog-address=unixgram://$TEST_TMP/syslog.sock" --log-opt 'tag={{.Name}}' \
	"$ROOTFS" sh -c 'echo from-run; exec sleep 1000'
expect_rc 0 "run -d --log-driver syslog"
for _ in $(seq 100); do grep -q "from-run" "$TEST_TMP/unix.got" && break; sleep 0.05; done
grep -qE "^<30>.* $n\[[0-9]+\]: from-run" "$TEST_TMP/unix.got" || fail "run -d's line: $(cat "$TEST_TMP/unix.got")"
run rm -f "$n"
expect_rc 0 "rm -f"
run run --rm --log-driver journald "$ROOTFS" true
expect_rc 125 "a foreground run with --log-driver journald"
expect_grep "$ERR" "sends its output to its terminal only" "says why"
pass "lxr run -d sends its lines to syslog; the foreground refuses a driver it cannot honour"

# bad options stop the load, naming the option
for opt in 'syslog-facility: nope' 'tag: "{{.Nope}}"' 'syslog-address: "ftp://x"' 'bogus: "1"'; do
	stack <<Y
name: $P
services:
  a:
    image: @ROOTFS@
    logging:
      driver: syslog
      options:
        $opt
Y
	run up -d -f "$STACK"
	expect_rc 2 "up with logging option $opt"
	expect_grep "$ERR" "compose.yaml:8:9: .*(facility|tag|address|bogus)" "names the line and option ($opt)"
	[ ! -e "$LXR_RUN_DIR/$P" ] || fail "a refused up left its project ($opt)"
done
pass "a bad syslog option is an error at its line, and nothing is made"

# gelf: GELF 1.1 over UDP (gzip by default, zlib asked for; a line past a
# datagram in GELF chunks) and over TCP (NUL-ended), dockerd's fields
cat >"$TEST_TMP/gelf.py" <<'PY'
import gzip, json, socket, sys, zlib
kind, port, out = sys.argv[1], int(sys.argv[2]), sys.argv[3]
s = socket.socket(socket.AF_INET, socket.SOCK_DGRAM if kind == "udp" else socket.SOCK_STREAM)
s.bind(("127.0.0.1", port))
if kind == "tcp":
    s.listen(4)
open(out + ".ready", "w").close()
o = open(out, "a", buffering=1)
def emit(d, how):
    m = json.loads(d)
    m["_how"] = how
    o.write(json.dumps(m, sort_keys=True) + "\n")
if kind == "udp":
    parts = {}
    while True:
        d = s.recv(65536)
        if d[:2] == b"\x1e\x0f":
            mid, seq, n = d[2:10], d[10], d[11]
            parts.setdefault(mid, {})[seq] = d[12:]
            if len(parts[mid]) < n:
                continue
            got = parts.pop(mid)
            d = b"".join(got[i] for i in range(n))
            how = "chunks=%d," % n
        else:
            how = ""
        if d[:2] == b"\x1f\x8b":
            emit(gzip.decompress(d), how + "gzip")
        elif d[:1] == b"\x78":
            emit(zlib.decompress(d), how + "zlib")
        else:
            emit(d, how + "plain")
else:
    c, _ = s.accept()
    buf = b""
    while True:
        d = c.recv(65536)
        if not d:
            break
        buf += d
        while b"\0" in buf:
            m, buf = buf.split(b"\0", 1)
            emit(m, "tcp")
PY
gport=$(free_ports 2)
python3 "$TEST_TMP/gelf.py" udp "$gport" "$TEST_TMP/gelf-udp.got" &
at_exit kill $!
python3 "$TEST_TMP/gelf.py" tcp "$((gport + 1))" "$TEST_TMP/gelf-tcp.got" &
at_exit kill $!
for f in gelf-udp gelf-tcp; do
	for _ in $(seq 100); do [ -e "$TEST_TMP/$f.got.ready" ] && break; sleep 0.05; done
done
stack <<Y
name: $P
services:
  g:
    image: @ROOTFS@
    command: ["sh", "-c", "echo gelf-out; echo gelf-err >&2; exec sleep 1000"]
    labels: {team: core}
    logging:
      driver: gelf
      options: {gelf-address: "udp://127.0.0.1:$gport", labels: team, tag: "{{.Name}}"}
  big:
    image: @ROOTFS@
    command: ["sh", "-c", "head -c 3000 /dev/zero | tr '\\\\0' x; echo; exec sleep 1000"]
    logging:
      driver: gelf
      options: {gelf-address: "udp://127.0.0.1:$gport", gelf-compression-type: none}
  z:
    image: @ROOTFS@
    command: ["sh", "-c", "echo zlib-line; exec sleep 1000"]
    logging:
      driver: gelf
      options: {gelf-address: "udp://127.0.0.1:$gport", gelf-compression-type: zlib}
  t:
    image: @ROOTFS@
    command: ["sh", "-c", "echo tcp-line; exec sleep 1000"]
    logging:
      driver: gelf
      options: {gelf-address: "tcp://127.0.0.1:$((gport + 1))"}
Y
run up -d -f "$STACK"
expect_rc 0 "up -d of gelf services"
for _ in $(seq 100); do
	[ "$(wc -l <"$TEST_TMP/gelf-udp.got")" -ge 4 ] && [ -s "$TEST_TMP/gelf-tcp.got" ] && break
	sleep 0.05
done
gelf_has() { # FILE MESSAGE WORDS...
	f=$1 m=$2
	shift 2
	line=$(grep -F "\"short_message\": \"$m\"" "$TEST_TMP/$f") || fail "gelf: no $m: $(cat "$TEST_TMP/$f")"
	for w in "$@"; do
		case "$line" in *"$w"*) ;; *) fail "gelf, $m: no $w in [$line]" ;; esac
	done
}
gelf_has gelf-udp.got gelf-out '"_how": "gzip"' '"level": 6' '"version": "1.1"' "\"_container_name\": \"$P-g-1\"" \
	'"_container_id": "g-1"' "\"_tag\": \"$P-g-1\"" '"_team": "core"' "\"_image_name\": \"$ROOTFS\"" \
	'"_command": "sh -c ' '"_created": "' '"timestamp": '
gelf_has gelf-udp.got gelf-err '"level": 3'
gelf_has gelf-udp.got "$(head -c 3000 /dev/zero | tr '\0' x)" '"_how": "chunks=3,plain"'
gelf_has gelf-udp.got zlib-line '"_how": "zlib"' '"_tag": "z-1"'
gelf_has gelf-tcp.got tcp-line '"_how": "tcp"'
run down -f "$STACK"
expect_rc 0 "down"
for opt in 'gelf-compression-type: gzip' 'gelf-address: "udp://host"'; do
	stack <<Y
name: $P
services:
  a:
    image: @ROOTFS@
    logging:
      driver: gelf
      options:
        $opt
Y
	run up -d -f "$STACK"
	expect_rc 2 "gelf with $opt"
	expect_grep "$ERR" "gelf-address|compression" "names what is wrong ($opt)"
done
pass "gelf: GELF 1.1 with dockerd's fields over UDP (gzip, zlib, chunks) and TCP"

# journald, in a private mount namespace whose /run is its own
stack <<Y
name: $P
services:
  web:
    image: @ROOTFS@
    command: ["sh", "-c", "echo hello-journal; echo oops >&2; exec sleep 1000"]
    labels: {team: core}
    environment: {RELEASE: "1.2"}
    logging:
      driver: journald
      options: {labels: "team,com.docker.compose.service", env: RELEASE, tag: "{{.Name}}"}
Y
unshare -m --propagation private bash -c '
	set -e
	mount -t tmpfs lxr-test-run /run
	mkdir -p /run/systemd/journal
	python3 "$1/listen.py" journal /run/systemd/journal/socket "$1/journal.got" &
	l=$!
	for _ in $(seq 100); do [ -e "$1/journal.got.ready" ] && break; sleep 0.05; done
	"$2" up -d -f "$3" >/dev/null 2>&1
	for _ in $(seq 100); do [ "$(wc -l <"$1/journal.got")" -ge 2 ] && break; sleep 0.05; done
	"$2" down -f "$3" >/dev/null 2>&1
	kill $l' _ "$TEST_TMP" "$LXR" "$STACK" || fail "the journald run failed"
# each field dockerd's journald driver sends, with the values it would
has_fields() { # MESSAGE PRIORITY
	line=$(grep -F " MESSAGE=$1 " "$TEST_TMP/journal.got") || fail "journald: no $1: $(cat "$TEST_TMP/journal.got")"
	for f in CONTAINER_ID=web-1 CONTAINER_ID_FULL=web-1 "CONTAINER_NAME=$P-web-1" \
		"CONTAINER_TAG=$P-web-1" "IMAGE_NAME=$ROOTFS" "PRIORITY=$2" RELEASE=1.2 \
		"SYSLOG_IDENTIFIER=$P-web-1" TEAM=core COM_DOCKER_COMPOSE_SERVICE=web; do
		case " $line " in *" $f "*) ;; *) fail "journald, $1: no $f in [$line]" ;; esac
	done
	printf '%s\n' "$line" | grep -qE " CONTAINER_LOG_EPOCH=[0-9a-f]{64} CONTAINER_LOG_ORDINAL=[0-9]+ " ||
		fail "journald, $1: epoch and ordinal: [$line]"
	printf '%s\n' "$line" | grep -qE " SYSLOG_TIMESTAMP=[0-9-]{10}T[0-9:]{8}(\.[0-9]+)?Z " ||
		fail "journald, $1: timestamp: [$line]"
}
has_fields hello-journal 6
has_fields oops 3
grep -q "hello-journal" "$LXR_LOG_DIR/$P/web.log" || fail "journald: no local copy"
pass "journald: dockerd's fields, labels and env by name, priority by stream, and a local copy"
