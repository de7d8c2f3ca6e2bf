#!/bin/bash
# logging driver loki, against a push endpoint of the test's own (an HTTP
# server below that keeps each request): lines in batches as Loki's push
# API takes them, with the labels Grafana's Docker driver gives
# (container_name, compose_project, compose_service, host, filename,
# source, loki-external-labels' templates, the labels and env options'
# names as label names), X-Scope-OrgID from loki-tenant-id, basic
# authentication from the URL; a line of white space is not sent. Loki
# away at the start does not hold the container up: its lines wait and go
# once it answers, a 500 is tried again, a 400 drops that batch only, a
# restarted container's lines all arrive, and `down` sends the last
# batch. `lxr logs` reads the local
# copy; no-file keeps none. Bad options are errors at their line, what
# lxr's sender cannot do is refused by `up` by name.
. "$(dirname "$0")/lib.sh"

P=lk$$
cat >"$TEST_TMP/loki.py" <<'PY'
import json, sys
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
port, out = int(sys.argv[1]), sys.argv[2]

class H(BaseHTTPRequestHandler):
    def do_POST(self):
        body = self.rfile.read(int(self.headers.get("Content-Length", "0")))
        code = 204
        try:  # the status codes to answer with, one a request, then 204
            codes = open(out + ".codes").read().split()
            if codes:
                code = int(codes[0])
                open(out + ".codes", "w").write(" ".join(codes[1:]))
        except FileNotFoundError:
            pass
        rec = {"code": code, "path": self.path,
               "type": self.headers.get("Content-Type"),
               "tenant": self.headers.get("X-Scope-OrgID"),
               "auth": self.headers.get("Authorization"),
               "push": json.loads(body)}
        with open(out, "a") as o:
            o.write(json.dumps(rec, sort_keys=True) + "\n")
        self.send_response(code)
        self.send_header("Content-Length", "11" if code != 204 else "0")
        self.end_headers()
        if code != 204:
            self.wfile.write(b"bad request")
    def log_message(self, *a):
        pass

s = ThreadingHTTPServer(("127.0.0.1", port), H)
open(out + ".ready", "w").close()
s.serve_forever()
PY
listen() { # PORT OUT: a push endpoint, ready
	python3 "$TEST_TMP/loki.py" "$1" "$TEST_TMP/$2" &
	at_exit kill $!
	for _ in $(seq 100); do [ -e "$TEST_TMP/$2.ready" ] && break; sleep 0.05; done
	[ -e "$TEST_TMP/$2.ready" ] || fail "the push endpoint on $1 did not start"
}
# entries OUT: each entry that went, as "source line labels(json)",
# from the requests answered 2xx
entries() {
	PYTHONIOENCODING=utf-8 python3 - "$TEST_TMP/$1" <<'PY'
import json, sys
for l in open(sys.argv[1]):
    r = json.loads(l)
    if r["code"] // 100 != 2:
        continue
    for s in r["push"]["streams"]:
        for ts, line in s["values"]:
            assert ts.isdigit(), ts
            print(s["stream"]["source"], line, json.dumps(s["stream"], sort_keys=True))
PY
}
got() { # OUT LINE: its entry, waited for
	for _ in $(seq 150); do
		entries "$1" 2>/dev/null | grep -F -- " $2 {" && return 0
		sleep 0.05
	done
	fail "no entry \"$2\" in $1: $(cat "$TEST_TMP/$1" 2>/dev/null)"
}
has() { # TEXT WORDS...
	r=$1
	shift
	for w in "$@"; do
		case "$r" in *"$w"*) ;; *) fail "no $w in [$r]" ;; esac
	done
}

port=$(free_ports 1)
listen "$port" push.got
stack <<Y
name: $P
services:
  l:
    image: @ROOTFS@
    command: ["sh", "-c", "echo lk-out; echo lk-err >&2; echo '   '; printf 'caf\\\\351 \\\\342\\\\202\\\\254\\\\n'; exec sleep 1000"]
    labels: {com.example.team: core, tier: web}
    environment: {REGION: eu, LOG_LEVEL: debug, SECRET: x}
    logging:
      driver: loki
      options:
        loki-url: "http://reader:s%40cret@127.0.0.1:$port/loki/api/v1/push"
        loki-external-labels: "job=docker,image={{.ImageName}},container_name={{.Name}}"
        loki-tenant-id: team-a
        loki-batch-wait: 100ms
        labels: com.example.team
        env: REGION
        env-regex: "^LOG_"
Y
run up -d -f "$STACK"
expect_rc 0 "up -d of a loki service"
r=$(got push.got lk-out)
has "$r" '"source": "stdout"' "\"container_name\": \"$P-l-1\"" "\"compose_project\": \"$P\"" \
	'"compose_service": "l"' "\"host\": \"$(hostname)\"" '"job": "docker"' "\"image\": \"$ROOTFS\"" \
	'"com_example_team": "core"' '"REGION": "eu"' '"LOG_LEVEL": "debug"' '"filename": "/' \
	"l.log\""
case "$r" in *tier* | *SECRET*) fail "a label or variable no option names was sent: $r" ;; esac
has "$(got push.got lk-err)" '"source": "stderr"'
# a byte that is not UTF-8 goes as U+FFFD; a line of blanks not at all
got push.got "caf� €" >/dev/null
python3 - "$TEST_TMP/push.got" <<'PY' || fail "a line of white space was sent"
import json, sys
for l in open(sys.argv[1]):
    for s in json.loads(l)["push"]["streams"]:
        assert all(line.strip() for _, line in s["values"]), s["values"]
PY
python3 - "$TEST_TMP/push.got" <<'PY' || fail "a request's path or headers: $(head -c 600 "$TEST_TMP/push.got")"
import base64, json, sys, time
for l in open(sys.argv[1]):
    r = json.loads(l)
    assert r["path"] == "/loki/api/v1/push", r["path"]
    assert r["type"] == "application/json", r["type"]
    assert r["tenant"] == "team-a", r["tenant"]
    assert base64.b64decode(r["auth"].split()[1]) == b"reader:s@cret", r["auth"]
    for s in r["push"]["streams"]:
        for ts, _ in s["values"]:
            assert abs(int(ts) / 1e9 - time.time()) < 120, ts
PY
pass "loki: batches with the driver's labels, tenant, basic authentication, path"

run logs --file "$STACK" --no-log-prefix l
expect_grep "$OUT" "^lk-out$" "lxr logs reads the local copy"
run down -f "$STACK"
expect_rc 0 down
pass "lxr logs reads a loki service's local copy"

# Loki away at the start: the container runs, its lines wait; then a 500
# is tried again and a 400 drops only its own batch
late=$(free_ports 1)
stack <<Y
name: $P
services:
  a:
    image: @ROOTFS@
    command: ["sh", "-c", "echo waited-line; until [ -e /ctl/go1 ]; do sleep 0.05; done; echo dropped-line; until [ -e /ctl/go2 ]; do sleep 0.05; done; echo after-400; exec sleep 1000"]
    volumes: ["$TEST_TMP/ctl:/ctl"]
    logging:
      driver: loki
      options:
        loki-url: "http://127.0.0.1:$late/loki/api/v1/push"
        loki-batch-wait: 50ms
        loki-min-backoff: 100ms
        loki-max-backoff: 200ms
        loki-retries: "50"
Y
echo "500" >"$TEST_TMP/late.got.codes"
mkdir -p "$TEST_TMP/ctl"
run up -d -f "$STACK"
expect_rc 0 "up -d with Loki away"
sleep 0.5
listen "$late" late.got
got late.got waited-line >/dev/null
grep -q '"code": 500' "$TEST_TMP/late.got" || fail "the 500 was not asked: $(cat "$TEST_TMP/late.got")"
echo "400" >"$TEST_TMP/late.got.codes"
touch "$TEST_TMP/ctl/go1"
for _ in $(seq 150); do grep -q '"code": 400' "$TEST_TMP/late.got" && break; sleep 0.05; done
touch "$TEST_TMP/ctl/go2"
got late.got after-400 >/dev/null
entries late.got | grep -q dropped-line && fail "the batch answered 400 was sent again"
grep -q '"code": 400' "$TEST_TMP/late.got" || fail "no request was answered 400"
run down -f "$STACK"
expect_rc 0 down
pass "Loki away: the lines wait; a 500 is tried again, a 400 drops its batch only"

# restarts: the lines of every run arrive; no-file keeps no local copy
stack <<Y
name: $P
services:
  r:
    image: @ROOTFS@
    command: ["sh", "-c", "echo run-line; sleep 0.2; exit 3"]
    restart: on-failure:3
    logging:
      driver: loki
      options:
        loki-url: "http://127.0.0.1:$port/loki/api/v1/push"
        loki-batch-wait: 2s
        no-file: "true"
  w:
    image: @ROOTFS@
    command: ["sh", "-c", "echo last-words; exec sleep 1000"]
    logging:
      driver: loki
      options: {loki-url: "http://127.0.0.1:$port/loki/api/v1/push", loki-batch-wait: 1h}
Y
run up -d -f "$STACK"
expect_rc 0 "up -d of a restarting loki service"
for _ in $(seq 150); do
	[ "$(entries push.got | grep -c '^stdout run-')" -ge 4 ] && break
	sleep 0.1
done
[ "$(entries push.got | grep -c '^stdout run-')" -eq 4 ] ||
	fail "not the 4 runs' lines: $(entries push.got | grep run-)"
run logs --file "$STACK" r
expect_rc 1 "lxr logs of a no-file service"
expect_grep "$ERR" 'configured logging driver "loki" does not support reading' \
	"no-file: lxr logs says there is no local copy"
for _ in $(seq 100); do "$LXR" logs --file "$STACK" w 2>/dev/null | grep -q last-words && break; sleep 0.05; done
entries push.got | grep -q last-words && fail "a batch of loki-batch-wait 1h went before down"
run down -f "$STACK"
expect_rc 0 down
entries push.got | grep -q "^stdout last-words " || fail "down did not send the last batch"
pass "loki: every run's line arrives across restarts; down sends the last batch; no-file keeps no copy"

for opt in 'loki-batch-wait: soon' 'loki-retries: many' 'loki-tenant-id: "a\tb"' \
	'loki-external-labels: "job=x,"' 'loki-external-labels: "a={{.Nope}}"' 'bogus: "1"' \
	'no-file: maybe'; do
	stack <<Y
name: $P
services:
  a:
    image: @ROOTFS@
    logging:
      driver: loki
      options:
        loki-url: "http://127.0.0.1:1/x"
        $opt
Y
	run up -d -f "$STACK"
	expect_rc 2 "a bad loki option ($opt)"
	expect_grep "$ERR" "compose.yaml:9:9: " "the error names the option's line ($opt)"
done
stack <<Y
name: $P
services:
  a:
    image: @ROOTFS@
    logging: {driver: loki}
Y
run config -f "$STACK"
expect_rc 2 "loki without loki-url"
expect_grep "$ERR" "loki-url is a required option" "the error says loki-url is required"
for opt in 'loki-url: "https://logs.example.com/loki/api/v1/push"' \
	'loki-pipeline-stages: "- json: {}"' 'loki-proxy-url: "http://proxy:3128"'; do
	stack <<Y
name: $P
services:
  a:
    image: @ROOTFS@
    logging:
      driver: loki
      options:
        $opt
Y
	grep -q loki-url "$STACK" || sed -i 's|^      options:$|      options:\n        loki-url: "http://127.0.0.1:1/x"|' "$STACK"
	run config -f "$STACK"
	expect_rc 0 "config loads ($opt)"
	run up -d -f "$STACK"
	expect_rc 2 "up refuses ($opt)"
	expect_grep "$ERR" "lxr up does not run logging option" "the refusal names it ($opt)"
done
pass "bad loki options are errors at their line; https, proxies and pipelines are refused by up"
