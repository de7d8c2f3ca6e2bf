#!/bin/bash
# logging driver fluentd, against a forward input of the test's own (a
# MessagePack reader below): each line a [tag, time, record] message with
# dockerd's fields (container_id, container_name with its "/", source,
# log, the labels and env options' names and their -regex forms), over
# TCP and a Unix socket; fluentd-sub-second-precision's EventTime; a long
# line's parts with partial_*; `lxr logs` still reads the local copy. A
# peer that is not there fails the start, as dockerd's driver fails it;
# with fluentd-async the container starts and its lines wait for the peer.
# A bad option is an error at its line.
. "$(dirname "$0")/lib.sh"

P=fl$$
cat >"$TEST_TMP/fluent.py" <<'PY'
import json, os, socket, struct, sys
where, out = sys.argv[1], sys.argv[2]
if where.startswith("/"):
    s = socket.socket(socket.AF_UNIX, socket.SOCK_STREAM)
    s.bind(where)
else:
    s = socket.socket(socket.AF_INET, socket.SOCK_STREAM)
    s.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
    s.bind(("127.0.0.1", int(where)))
s.listen(8)
open(out + ".ready", "w").close()
o = open(out, "a", buffering=1)

class Short(Exception):
    pass

def take(b, i, n):
    if i + n > len(b):
        raise Short()
    return b[i:i + n], i + n

def unpack(b, i):
    t, i = take(b, i, 1)
    t = t[0]
    if t < 0x80:
        return t, i
    if 0x80 <= t <= 0x8f or t in (0xde, 0xdf):
        n, i = (t & 15, i) if t <= 0x8f else (lambda w: (struct.unpack(">H" if t == 0xde else ">I", w[0])[0], w[1]))(take(b, i, 2 if t == 0xde else 4))
        m = {}
        for _ in range(n):
            k, i = unpack(b, i)
            v, i = unpack(b, i)
            m[k] = v
        return m, i
    if 0x90 <= t <= 0x9f:
        a = []
        for _ in range(t & 15):
            v, i = unpack(b, i)
            a.append(v)
        return a, i
    if 0xa0 <= t <= 0xbf or t in (0xd9, 0xda, 0xdb):
        if t <= 0xbf:
            n = t & 31
        else:
            w, i = take(b, i, {0xd9: 1, 0xda: 2, 0xdb: 4}[t])
            n = int.from_bytes(w, "big")
        v, i = take(b, i, n)
        return v.decode("utf-8", "replace"), i
    if t in (0xcc, 0xcd, 0xce, 0xcf):
        w, i = take(b, i, {0xcc: 1, 0xcd: 2, 0xce: 4, 0xcf: 8}[t])
        return int.from_bytes(w, "big"), i
    if t == 0xd7:
        w, i = take(b, i, 9)
        return {"ext": w[0], "sec": int.from_bytes(w[1:5], "big"), "nsec": int.from_bytes(w[5:9], "big")}, i
    raise ValueError("msgpack type 0x%02x" % t)

while True:
    c, _ = s.accept()
    buf = b""
    while True:
        d = c.recv(65536)
        if not d:
            break
        buf += d
        while buf:
            try:
                m, n = unpack(buf, 0)
            except Short:
                break
            buf = buf[n:]
            o.write(json.dumps(m, sort_keys=True) + "\n")
PY
listen() { # WHERE OUT: a reader, ready
	python3 "$TEST_TMP/fluent.py" "$1" "$TEST_TMP/$2" &
	at_exit kill $!
	for _ in $(seq 100); do [ -e "$TEST_TMP/$2.ready" ] && break; sleep 0.05; done
	[ -e "$TEST_TMP/$2.ready" ] || fail "the forward input on $1 did not start"
}
got_line() { # OUT TEXT: the record whose log is TEXT, waited for
	for _ in $(seq 100); do
		grep -F "\"log\": \"$2\"" "$TEST_TMP/$1" 2>/dev/null && return 0
		sleep 0.05
	done
	fail "no record of \"$2\" in $1: $(cat "$TEST_TMP/$1" 2>/dev/null)"
}
has() { # RECORD WORDS...
	r=$1
	shift
	for w in "$@"; do
		case "$r" in *"$w"*) ;; *) fail "no $w in [$r]" ;; esac
	done
}

port=$(free_ports 2)
listen "$port" tcp.got
listen "$TEST_TMP/fluent.sock" unix.got
stack <<Y
name: $P
services:
  f:
    image: @ROOTFS@
    command: ["sh", "-c", "echo fl-out; echo fl-err >&2; echo; head -c 20000 /dev/zero | tr '\\\\0' y; echo; exec sleep 1000"]
    labels: {team: core, tier: web}
    environment: {REGION: eu, LOG_LEVEL: debug, SECRET: x}
    logging:
      driver: fluentd
      options:
        fluentd-address: "localhost:$port"
        tag: "docker.{{.Name}}"
        labels: team
        env: REGION
        env-regex: "^LOG_"
  u:
    image: @ROOTFS@
    command: ["sh", "-c", "echo unix-line; exec sleep 1000"]
    logging:
      driver: fluentd
      options:
        fluentd-address: "unix://$TEST_TMP/fluent.sock"
        fluentd-sub-second-precision: "true"
Y
run up -d -f "$STACK"
expect_rc 0 "up -d of fluentd services"
r=$(got_line tcp.got fl-out)
has "$r" "\"docker.$P-f-1\"" '"source": "stdout"' "\"container_name\": \"/$P-f-1\"" \
	'"container_id": "f-1"' '"team": "core"' '"REGION": "eu"' '"LOG_LEVEL": "debug"'
case "$r" in *tier* | *SECRET*) fail "a label or variable no option names was sent: $r" ;; esac
[ "$(printf '%s' "$r" | python3 -c 'import json,sys; print(type(json.load(sys.stdin)[1]).__name__)')" = int ] ||
	fail "the time is not whole seconds: $r"
has "$(got_line tcp.got fl-err)" '"source": "stderr"'
got_line tcp.got "" >/dev/null
# 20,000 bytes: a 16 KiB part (partial_last false), then the rest
got_line_with() { # OUT WORDS: the first record with WORDS, waited for
	for _ in $(seq 100); do
		grep -F "$2" "$TEST_TMP/$1" 2>/dev/null && return 0
		sleep 0.05
	done
	fail "no record with $2 in $1: $(cut -c1-300 "$TEST_TMP/$1")"
}
got_line_with tcp.got '"partial_last": "true"' >/dev/null
p1=$(grep -F '"partial_ordinal": "1"' "$TEST_TMP/tcp.got") || fail "no first part: $(cut -c1-300 "$TEST_TMP/tcp.got")"
p2=$(grep -F '"partial_ordinal": "2"' "$TEST_TMP/tcp.got") || fail "no second part"
has "$p1" '"partial_message": "true"' '"partial_last": "false"'
has "$p2" '"partial_last": "true"'
id1=$(printf '%s' "$p1" | python3 -c 'import json,sys; print(json.load(sys.stdin)[2]["partial_id"])')
id2=$(printf '%s' "$p2" | python3 -c 'import json,sys; m=json.load(sys.stdin)[2]; print(m["partial_id"], len(m["log"]))')
[ "$id2" = "$id1 $((20000 - 16384))" ] || fail "the parts: [$id1] then [$id2]"
r=$(got_line unix.got unix-line)
has "$r" '"ext": 0' '"nsec": ' '"sec": '
pass "fluentd: dockerd's fields over TCP and a Unix socket, EventTime, a long line's parts"

run logs --file "$STACK" --no-log-prefix f
expect_grep "$OUT" "^fl-out$" "lxr logs reads the local copy"
run down -f "$STACK"
expect_rc 0 down
pass "lxr logs reads a fluentd service's local copy"

# nobody on the address: the start fails (dockerd's driver fails it);
# with fluentd-async the container starts, and its lines wait
gone=$(free_ports 1)
stack <<Y
name: $P
services:
  a:
    image: @ROOTFS@
    command: ["sh", "-c", "echo waited-line; exec sleep 1000"]
    logging:
      driver: fluentd
      options: {fluentd-address: "tcp://127.0.0.1:$gone", fluentd-retry-wait: 200ms}
Y
run up -d -f "$STACK"
[ "$RC" -ne 0 ] || fail "up -d with no fluentd listening succeeded"
expect_grep "$ERR" "logging driver fluentd: connect tcp://127.0.0.1:$gone" "the error names the address"
expect_grep "$ERR" "fluentd-async" "the hint names fluentd-async"
run ps -f "$STACK" -a --format '{{.Name}} {{.State}}'
expect_out "$PROJECT-a-1 exited" "the container did not start (compose too leaves it, not running)"
sed -i 's/fluentd-retry-wait: 200ms}/fluentd-retry-wait: 200ms, fluentd-async: "true"}/' "$STACK"
run up -d -f "$STACK"
expect_rc 0 "up -d with fluentd-async and no fluentd listening"
# the line is out (its local copy has it) before anyone listens
for _ in $(seq 100); do
	"$LXR" logs --file "$STACK" a 2>/dev/null | grep -q waited-line && break
	sleep 0.05
done
"$LXR" logs --file "$STACK" a | grep -q waited-line || fail "a wrote no line"
listen "$gone" late.got
has "$(got_line late.got waited-line)" '"container_name": "/'
run down -f "$STACK"
expect_rc 0 down
pass "no peer: the start fails; with fluentd-async the line waits for it"

for opt in 'fluentd-address: "ftp://x"' 'fluentd-async: maybe' 'fluentd-retry-wait: soon' \
	'fluentd-async-reconnect-interval: 20s' 'bogus: "1"'; do
	stack <<Y
name: $P
services:
  a:
    image: @ROOTFS@
    logging:
      driver: fluentd
      options:
        $opt
Y
	run up -d -f "$STACK"
	expect_rc 2 "a bad fluentd option ($opt)"
	expect_grep "$ERR" "compose.yaml:8:9: " "the error names the option's line ($opt)"
done
pass "a bad fluentd option is an error at its line"
