#!/bin/bash
# What docker compose users read off a running stack: ps's columns and
# --format/--filter, stats' figures, events in compose's human form, and
# logs --until with the other log options.
. "$(dirname "$0")/lib.sh"

P=obs$$
stack <<Y
name: $P
services:
  web:
    image: @ROOTFS@
    command: ["/bin/sh", "-c", "echo web-first; sleep 1000"]
  burn:
    image: @ROOTFS@
    command: ["/bin/sh", "-c", "while :; do :; done"]
  quits:
    image: @ROOTFS@
    command: ["/bin/sh", "-c", "exit 3"]
    restart: "no"
  blk:
    image: @ROOTFS@
    command: ["sleep", "1000"]
    blkio_config: {weight: 300}
Y
run up -d -f "$STACK"
expect_rc 0 "up -d"
expect_grep "$ERR" "^ Container $P-web-1  Started$" "up -d says what it started, in compose's words"
printf '%s' "$ERR" | grep -q $'\033' && fail "up -d drew escapes on a pipe: $ERR"
wait_event '"instance":"web-1","state":"running"'
wait_event '"instance":"quits-1","state":"exited"'

# ---- ps -------------------------------------------------------------------------
run ps -f "$STACK" -a
expect_rc 0 "ps -a"
expect_grep "$OUT" "^NAME +IMAGE +COMMAND +SERVICE +CREATED +STATUS +PORTS$" "ps header as compose's"
expect_grep "$OUT" "^$P-web-1 +$ROOTFS +\"/bin/sh -c echo web…\" +web +[0-9a-zA-Z ]+ ago +Up [0-9a-zA-Z ]+$" "ps row of a running service"
expect_grep "$OUT" "^[a-z0-9_.-]*-quits-1 .* quits .* ago +Exited \\(3\\) [0-9a-zA-Z ]+ ago" "ps row of an exited one"
run ps -f "$STACK" -a --no-trunc --format '{{.Name}}|{{.Command}}|{{.State}}|{{.ExitCode}}' --filter service=quits
expect_out "$P-quits-1|"'"/bin/sh -c exit 3"|exited|3' "ps --format template, --filter service, --no-trunc"
run ps -f "$STACK" --format '{{.Name}}\t{{.Service}}' --filter status=running --filter service=web
expect_out "$(printf '%s\tweb' "$P-web-1")" "ps --format with \\t, two filters"
run ps -f "$STACK" --format '{{.Nmae}}'
expect_rc 2 "ps --format with an unknown field"
expect_grep "$ERR" "unknown field Nmae" "the unknown field is named"
# Go's template language, as compose's formatter reads it
run ps -f "$STACK" --filter service=web --format '{{json .}}'
expect_rc 0 "ps --format '{{json .}}'"
python3 - "$OUT" "$P" <<'PY' || fail "ps --format '{{json .}}': $OUT"
import json, sys
o = json.loads(sys.argv[1])
assert (o["Name"], o["Service"], o["State"], o["Project"]) == (sys.argv[2] + "-web-1", "web", "running", sys.argv[2]), o
assert "instance" not in o, o  # compose's keys alone
PY
run ps -f "$STACK" -a --format '{{if eq .State "running"}}up{{else}}down{{end}} {{.Label "com.docker.compose.service"}}'
expect_rc 0 "ps --format with if eq and .Label"
[ "$(printf '%s\n' "$OUT" | sort | tr '\n' ' ')" = "down quits up blk up burn up web " ] ||
	fail "ps --format with if eq and .Label: [$OUT]"
run ps -f "$STACK" --filter service=web --format 'table {{.Name}}\t{{.State}}'
expect_out "$(printf 'NAME%*sSTATE\n%s   running' $((${#P} + 6 - 4 + 3)) '' "$P-web-1")" "a table template: the header row, the columns aligned"
pass "ps prints compose's columns, templates and filters"

# ---- stats ----------------------------------------------------------------------
run stats -f "$STACK" --no-stream
expect_rc 0 "stats --no-stream"
expect_grep "$OUT" "^NAME +CPU % +MEM USAGE / LIMIT +MEM % +NET I/O +BLOCK I/O +PIDS$" "stats header as docker's"
burn=$(printf '%s\n' "$OUT" | grep "^$P-burn-1 ")
cpu=$(printf '%s\n' "$burn" | awk '{print $2}' | tr -d %)
awk -v c="$cpu" 'BEGIN { exit !(c > 0) }' || fail "a CPU-burning service shows $cpu% CPU: $OUT"
expect_grep "$(printf '%s\n' "$OUT" | grep "^$P-web-1 ")" "^$P-web-1 +[0-9]+\\.[0-9]{2}% +[0-9.]+[KMGT]?i?B / [0-9.]+[KMGT]?i?B +[0-9]+\\.[0-9]{2}% +[0-9.]+[kMG]?B / [0-9.]+[kMG]?B +(--|[0-9.]+[kMG]?B) / (--|[0-9.]+[kMG]?B) +[1-9][0-9]*$" "stats row: every figure there and non-negative"
printf '%s\n' "$OUT" | grep -q -- ' -[0-9]' && fail "stats shows a negative number: $OUT"
printf '%s\n' "$OUT" | grep -q "^$P-quits-1 " && fail "stats lists a container that is not running: $OUT"
run stats -f "$STACK" --no-stream -a
expect_grep "$OUT" "^$P-quits-1 +0.00% +0B / 0B " "stats -a lists the exited one"
# a v1 host keeps a blkio cgroup for a service with blkio_config: its
# counters, not "--"
if [ -d /sys/fs/cgroup/blkio ]; then
	expect_grep "$(printf '%s\n' "$OUT" | grep "^$P-blk-1 ")" " [0-9.]+[kMG]?B / [0-9.]+[kMG]?B +[0-9]+$" "BLOCK I/O from blkio on cgroup v1"
fi
run stats -f "$STACK" --no-stream --format json web
expect_grep "$OUT" "^\\{\"Name\": *\"$P-web-1\".*\"CPUPerc\": *\"[0-9.]+%\"" "stats --format json"
# streaming: not a terminal, so one block after another until interrupted
timeout -s INT 3 "$LXR" stats -f "$STACK" web > "$TEST_TMP/stream" 2>&1 || true
[ "$(grep -c '^NAME ' "$TEST_TMP/stream")" -ge 2 ] || fail "stats does not stream: $(cat "$TEST_TMP/stream")"
grep -q $'\033' "$TEST_TMP/stream" && fail "stats redraws with escapes on a pipe"
pass "stats shows docker's columns, a burning CPU above 0 %, and streams"

# ---- events ---------------------------------------------------------------------
"$LXR" events -f "$STACK" > "$TEST_TMP/events.human" 2>&1 &
evh=$!
at_exit kill $evh
# events streams what happens from its start on: start quits again until
# its death shows (the first attempts may come before it subscribed)
for _ in $(seq 100); do
	grep -q "container die $P-quits-1" "$TEST_TMP/events.human" && break
	"$LXR" start -f "$STACK" quits >/dev/null 2>&1 || true
	sleep 0.1
done
run stop -f "$STACK" burn
run restart -f "$STACK" web
for _ in $(seq 100); do grep -q "container start $P-web-1" "$TEST_TMP/events.human" && break; sleep 0.05; done
ts='^[0-9]{4}-[0-9]{2}-[0-9]{2} [0-9]{2}:[0-9]{2}:[0-9]{2}\.[0-9]{6}'
expect_grep "$(cat "$TEST_TMP/events.human")" "$ts container start $P-web-1 \\(image=$ROOTFS, name=$P-web-1, service=web, state=running\\)$" "events: a start in compose's form"
expect_grep "$(cat "$TEST_TMP/events.human")" "$ts container die $P-quits-1 \\(exitCode=3, image=$ROOTFS, name=$P-quits-1, service=quits, state=exited\\)$" "events: a death with its exit code"
expect_grep "$(cat "$TEST_TMP/events.human")" "$ts container stop $P-burn-1 " "events: a stop"
grep -q '^{' "$TEST_TMP/events.human" && fail "events printed JSON by default"
pass "events prints compose's human lines"

# ---- logs --until ---------------------------------------------------------------
sleep 1.1
mark=$(date -u +%Y-%m-%dT%H:%M:%S.%NZ)
sleep 1.1
"$LXR" restart -f "$STACK" web >/dev/null
run logs -p "$P" --until "$mark" web
expect_rc 0 "logs --until"
# web started twice before T (up, and the restart above), once after
expect_out "web-1  | web-first
web-1  | web-first" "logs --until: only the lines before T"
run logs -p "$P" --since "$mark" --no-color -t web
expect_grep "$OUT" "^web-1  \\| [0-9T:.-]+Z web-first$" "logs --since -t: the line after the restart, with its time"
[ "$(printf '%s\n' "$OUT" | wc -l)" = 1 ] || fail "logs --since shows the line before T: $OUT"
run logs -p "$P" --until "$mark" -n 1 -t --no-color web
expect_grep "$OUT" "^web-1  \\| [0-9T:.-]+Z web-first$" "logs --until -n 1 -t"
[ "$(printf '%s\n' "$OUT" | wc -l)" = 1 ] || fail "logs --until -n 1: $OUT"
run logs -p "$P" --until 1s --follow web
expect_rc 0 "logs -f --until in the past ends"
run logs -p "$P" --until yesterday web
expect_rc 2 "logs --until with a bad time"
expect_grep "$ERR" "--until \"yesterday\": not a time" "the bad --until is named"
pass "logs --until works with --since, -n, -t, --no-color and -f"

# ---- events --since, --until ----------------------------------------------------
# events --since replays the recorded events from then on, --until ends the stream
# (at once when it has passed, once it comes when it is ahead)
mark=$(date +%s.%N)
sleep 0.1
"$LXR" restart -f "$STACK" web >/dev/null
after=$(date +%s.%N)
run events -f "$STACK" --since "$mark" --until "$after" --json web
expect_rc 0 "events --since --until in the past ends"
expect_grep "$OUT" '"instance":"web-1","state":"stopping"' "--since: the restart recorded after it"
expect_grep "$OUT" '"instance":"web-1","state":"running"' "--since: and the start"
printf '%s\n' "$OUT" | grep -v '"service":"web"' | grep -q . && fail "events SERVICE --since: another service's: $OUT"
python3 - "$OUT" "$mark" "$after" <<'PY' || fail "events --since/--until out of range: $OUT"
import json, sys
ev = [json.loads(l) for l in sys.argv[1].splitlines()]
t = [e["time"] for e in ev]
assert t and all(float(sys.argv[2]) <= x <= float(sys.argv[3]) for x in t), t
# compose's keys beside lxr's: jq 'select(.action == "start")' finds it
starts = [e for e in ev if e["action"] == "start"]
assert starts and starts[0]["type"] == "container" and starts[0]["id"].endswith("-web-1"), ev
assert starts[0]["attributes"]["name"] == starts[0]["id"], starts[0]
PY
run events -f "$STACK" --since "$mark" --until "$mark"
expect_rc 0 "events --until before what --since replays"
expect_out "" "nothing after --until"
run events -f "$STACK" --until "$after" --json web
expect_rc 0 "events --until alone"
expect_grep "$OUT" '"instance":"web-1","state":"starting","from":"created"' "--until alone: what was recorded from the start, as docker's"
run events -f "$STACK" --since 1h --until 2h
expect_rc 2 "events --since after --until"
expect_grep "$ERR" "--since 1h is after --until 2h" "says so"
start=$(date +%s%N)
run events -f "$STACK" --until "$(($(date +%s) + 2))"
expect_rc 0 "events --until ahead: the stream ends when it comes"
[ $(($(date +%s%N) - start)) -lt 10000000000 ] || fail "events --until ahead did not end"
run events -f "$STACK" --since tomorrow
expect_rc 2 "events --since that is not a time"
# a long history: the latest events that fit in one replay, and a warning
python3 - "$LXR_RUN_DIR/$P/events.jsonl" "$P" <<'PY'
import json, sys, time
t = time.time()
with open(sys.argv[1], "a") as f:
    for i in range(8000):
        f.write(json.dumps({"time": t + i * 1e-6, "project": sys.argv[2], "service": "web",
                            "instance": "web-1", "state": "running", "from": "starting",
                            "cause": "synthetic", "exit": -1, "pad": "x" * 100}) + "\n")
PY
run events -f "$STACK" --since 1m --until 0s --json
expect_rc 0 "events --since over a long history"
expect_grep "$ERR" "oldest events since then are not shown" "a replay too long for one turn says what it left out"
[ "$(printf '%s\n' "$OUT" | grep -c synthetic)" -gt 1000 ] || fail "the latest events were not replayed"
run ps -f "$STACK" -q web
expect_out "$P-web-1" "the supervisor lives on after the long replay"
pass "events --since replays what was recorded, --until ends it"

run --progress plain down -f "$STACK"
expect_rc 0 "down"
expect_grep "$ERR" "^ Container $P-web-1  Removed$" "down says what it removed"
expect_grep "$ERR" "^ Container $P-quits-1  Removed$" "every container"
expect_grep "$ERR" "^ Network ${P}_default  Removed$" "and the network"
run --progress quiet down -f "$STACK"
expect_rc 0 "down of a stack that is down"
[ -z "$ERR" ] || fail "down --progress quiet printed: $ERR"
run down -f "$STACK"
expect_grep "$ERR" "no resource found to remove for project \"$P\"" "down of nothing says so"
pass "up -d and down report in compose's words; --progress plain and quiet"
