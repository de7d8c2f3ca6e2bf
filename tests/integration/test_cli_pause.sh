#!/bin/bash
# pause/unpause (the cgroup frozen: ps says paused, the process state says
# so, health checks wait, exec is refused, stop thaws), inspect's JSON with
# the health log, create then start, scale up and down.
. "$(dirname "$0")/lib.sh"

stack <<'Y'
name: pausetest
services:
  db:
    image: @ROOTFS@
    command: ["/bin/sh", "-c", "trap 'exit 0' TERM; while :; do sleep 0.1; done"]
  web:
    image: @ROOTFS@
    depends_on: [db]
    command: ["/bin/sh", "-c", "trap 'exit 0' TERM; while :; do sleep 0.1; done"]
    healthcheck:
      test: ["CMD-SHELL", "echo check-said-hello; exit 0"]
      interval: 100ms
Y

# ---- create, then start ------------------------------------------------------
run create -f "$STACK"
expect_rc 0 "create"
run ps -f "$STACK" -a --format json
python3 - "$OUT" <<'PY' || fail "after create every instance is created: $OUT"
import json, sys
ps = {i["instance"]: i for i in map(json.loads, sys.argv[1].split("\n"))}
assert ps["web-1"]["state"] == "created" and ps["web-1"]["pid"] == 0, ps
assert ps["db-1"]["state"] == "created" and ps["db-1"]["pid"] == 0, ps
PY
run ps -f "$STACK" -a --format '{{.Name}} {{.Service}} {{.State}} {{.Status}}'
expect_grep "$OUT" "^web-1 web created Created$" "ps -a shows created"
run start -f "$STACK" web
expect_rc 0 "start after create"
wait_event '"instance":"web-1","state":"healthy"'
run ps -f "$STACK" --format json
python3 - "$OUT" <<'PY' || fail "start of web started db, its dependency, too: $OUT"
import json, sys
ps = {i["instance"]: i for i in map(json.loads, sys.argv[1].split("\n"))}
assert ps["db-1"]["state"] == "running", ps
PY
pass "create makes the instances without starting them; start starts them in order"

# ---- pause, unpause -------------------------------------------------------------
run pause -f "$STACK" web
expect_rc 0 "pause"
expect_out "web-1" "pause names what it paused"
run ps -f "$STACK" --format json
python3 - "$OUT" > "$TEST_TMP/pid" <<'PY' || fail "ps shows paused: $OUT"
import json, sys
ps = {i["instance"]: i for i in map(json.loads, sys.argv[1].split("\n"))}
assert ps["web-1"]["state"] == "paused", ps
assert ps["db-1"]["state"] == "running", ps
print(ps["web-1"]["pid"])
PY
pid=$(cat "$TEST_TMP/pid")
# the container's init and its children: frozen (cgroup v1 freezer: the
# freezer.state; v2: cgroup.events), their /proc state stopped in the
# refrigerator (D or S with the freezer's wait channel, so the file is
# the witness)
frozen=""
for f in /sys/fs/cgroup/freezer/lxr/"$PROJECT"/web-1/freezer.state; do
	[ -e "$f" ] && frozen=$(cat "$f")
done
if [ -z "$frozen" ]; then
	for f in /sys/fs/cgroup/lxr/"$PROJECT"/web-1/cgroup.events /sys/fs/cgroup/unified/lxr/"$PROJECT"/web-1/cgroup.events; do
		[ -e "$f" ] && grep -q "^frozen 1" "$f" && frozen=FROZEN
	done
fi
[ "$frozen" = FROZEN ] || fail "web-1's cgroup is not frozen ($frozen)"
run ps -f "$STACK" --status paused -q
expect_out "web-1" "ps --status paused"
# no health check runs while paused: the log does not grow
n1=$("$LXR" inspect -f "$STACK" web-1 | python3 -c 'import json,sys; print(json.load(sys.stdin)[0]["State"]["Health"]["Log"][-1]["Start"])')
sleep 0.5
n2=$("$LXR" inspect -f "$STACK" web-1 | python3 -c 'import json,sys; print(json.load(sys.stdin)[0]["State"]["Health"]["Log"][-1]["Start"])')
[ "$n1" = "$n2" ] || fail "a health check ran while paused ($n1, $n2)"
run exec -f "$STACK" web true
[ "$RC" -ne 0 ] || fail "exec into a paused container succeeded"
expect_grep "$ERR" "paused" "exec into a paused container says why"
run inspect -f "$STACK" web-1
python3 - "$OUT" <<'PY' || fail "inspect of a paused instance: $OUT"
import json, sys
i = json.loads(sys.argv[1])[0]
assert i["State"]["Status"] == "paused" and i["State"]["Paused"] is True, i["State"]
PY
run unpause -f "$STACK" web
expect_rc 0 "unpause"
expect_out "web-1" "unpause names what it resumed"
run ps -f "$STACK" --format json
expect_grep "$OUT" '"state":"(healthy|running)"' "unpaused: running again"
wait_event '"instance":"web-1","state":"unpaused"'
pass "pause freezes the cgroup, ps shows paused, exec is refused; unpause resumes"

# ---- inspect ------------------------------------------------------------------
sleep 0.3
run inspect -f "$STACK"
expect_rc 0 "inspect"
python3 - "$OUT" <<'PY' || fail "inspect JSON: $OUT"
import json, sys
all = {i["Name"]: i for i in json.loads(sys.argv[1])}
assert set(all) == {"db-1", "web-1"}, all.keys()
w = all["web-1"]
st = w["State"]
assert st["Status"] == "running" and st["Running"] and st["Pid"] > 0, st
assert st["StartedAt"].endswith("Z") and st["StartedAt"][:2] == "20", st
assert st["RestartCount"] == 0 and st["ExitCode"] == 0, st
h = st["Health"]
assert h["Status"] == "healthy" and h["FailingStreak"] == 0, h
assert 1 <= len(h["Log"]) <= 5, h
last = h["Log"][-1]
assert last["ExitCode"] == 0 and last["Output"] == "check-said-hello\n", last
assert last["Start"] <= last["End"], last
assert list(w["Networks"].values())[0]["IPAddress"].count(".") == 3, w["Networks"]
assert w["Plan"]["name"] == "web-1" or "spec" in w["Plan"], w["Plan"].keys()
assert "Health" not in all["db-1"]["State"]
PY
run inspect -f "$STACK" nosuch
[ "$RC" -ne 0 ] || fail "inspect of an unknown service succeeded"
expect_grep "$ERR" "no such service: nosuch" "inspect names the unknown service"
pass "inspect: plan, state and the health log with the check's output"

# ---- stop of a paused service --------------------------------------------------
run pause -f "$STACK" db
expect_rc 0 "pause db"
run stop -f "$STACK" db
expect_rc 0 "stop of a paused service"
run ps -f "$STACK" -a --format json
expect_grep "$OUT" '"state":"stopped"' "the paused service stopped"
pass "stop of a paused service thaws it and stops it"

# ---- scale ---------------------------------------------------------------------
run start -f "$STACK" db
run scale -f "$STACK" db=3
expect_rc 0 "scale up"
run ps -f "$STACK" -a -q
expect_out "$(printf 'db-1\ndb-2\ndb-3\nweb-1')" "scale up: db-1..3"
wait_event '"instance":"db-3","state":"running"'
run scale -f "$STACK" web=2
expect_rc 0 "scale web up"
run scale -f "$STACK" db=1
expect_rc 0 "scale down"
run ps -f "$STACK" -a -q
expect_out "$(printf 'db-1\nweb-1\nweb-2')" "scale down removes the highest-numbered, and leaves web as it is"
run scale -f "$STACK" db=x
expect_rc 2 "scale with a bad number"
expect_grep "$ERR" "db=x" "the bad scale is named"
# a definition changed in the file: compose's scale recreates that
# service's instances (its up does), and leaves the others as they run
sed -i 's/while :; do sleep 0.1; done/while :; do sleep 0.2; done/' "$STACK"
run scale -f "$STACK" db=2
expect_rc 0 "scale of a changed service"
expect_grep "$ERR" "recreate +db-1" "scale recreates the changed db-1"
printf '%s\n' "$ERR" | grep -Eq "(recreate|remove) +web-" && fail "scale db touched web: $ERR"
wait_event '"instance":"db-2","state":"running"'
run top -f "$STACK" db
[ "$(printf '%s\n' "$OUT" | grep -c 'sleep 0.2')" -ge 1 ] || fail "db runs its new definition: $OUT"
pass "scale adds and removes instances, and recreates the ones whose definition changed"

# ---- down of a paused stack, create then stop then start -----------------------------
run pause -f "$STACK"
expect_rc 0 "pause every service"
run down -f "$STACK"
expect_rc 0 "down of a paused stack"
[ ! -e "$LXR_RUN_DIR/$PROJECT" ] || fail "down of a paused stack left its run directory"
run create -f "$STACK" db
expect_rc 0 "create db"
run stop -f "$STACK" db
expect_rc 0 "stop of a created instance"
run start -f "$STACK" db
expect_rc 0 "start after create and stop"
wait_event '"instance":"db-1","state":"running"'
run down -f "$STACK"
expect_rc 0 "down"
pass "down of a paused stack; a created instance that was stopped starts"

# ---- an lxr run -d container ------------------------------------------------------
N=$(cname pz)
run run -d --name "$N" --network none "$ROOTFS" sleep 1000
expect_rc 0 "run -d"
run pause "$N"
expect_rc 0 "pause NAME"
run ps --format '{{.Name}} {{.State}} {{.Status}}'
expect_grep "$OUT" "^$N paused Up .*\(Paused\)$" "ps shows the run container paused"
run inspect "$N"
expect_grep "$OUT" '"Paused": true' "inspect NAME"
run rm -f "$N"
expect_rc 0 "rm -f of a paused container"
pass "pause, ps, inspect and rm -f of an lxr run -d container"
