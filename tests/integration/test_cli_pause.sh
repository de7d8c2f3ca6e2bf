#!/bin/bash
# pause/unpause (the cgroup frozen: ps says paused, the process state says
# so, health checks wait, exec is refused, stop thaws), inspect's JSON with
# the health log, create then start, scale up and down; inspect's docker
# fields of a stack's service and an lxr run -d container.
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
expect_grep "$OUT" "^[a-z0-9_.-]*-web-1 web created Created$" "ps -a shows created"
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
expect_out "" "pause prints nothing on stdout, as compose"
expect_grep "$ERR" "^ Container $PROJECT-web-1  Paused$" "pause names what it paused on stderr"
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
expect_out "$PROJECT-web-1" "ps --status paused"
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
expect_out "" "unpause prints nothing on stdout"
expect_grep "$ERR" "^ Container $PROJECT-web-1  Unpaused$" "unpause names what it resumed on stderr"
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
# docker's Name: "/" and the container's name, <project>-<service>-<n>
all = {i["Name"]: i for i in json.loads(sys.argv[1])}
assert set(all) == {"/pausetest-db-1", "/pausetest-web-1"}, all.keys()
all = {n.split("-", 1)[1]: i for n, i in all.items()}
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
expect_out "$(printf '%s\n' "$PROJECT-db-1" "$PROJECT-db-2" "$PROJECT-db-3" "$PROJECT-web-1")" "scale up: db-1..3"
wait_event '"instance":"db-3","state":"running"'
run scale -f "$STACK" web=2
expect_rc 0 "scale web up"
run scale -f "$STACK" db=1
expect_rc 0 "scale down"
run ps -f "$STACK" -a -q
expect_out "$(printf '%s\n' "$PROJECT-db-1" "$PROJECT-web-1" "$PROJECT-web-2")" "scale down removes the highest-numbered, and leaves web as it is"
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

# ---- inspect: docker's fields, true to what runs -------------------------------------
# A stack's service and an lxr run -d container with ports, limits,
# capabilities, a health check, volumes and a stop signal: inspect says
# what they run in docker's names, units and zero values, and what it says
# of the network is what the container has.
P=$((21000 + ($$ % 2000) * 4))
stack <<Y
name: inspecttest
services:
  api:
    image: @ROOTFS@
    entrypoint: ["/bin/sh", "-c"]
    command: ["echo api-says-hi; trap 'exit 0' INT TERM; while :; do sleep 0.1; done"]
    environment: {GREETING: hello}
    ports: ["127.0.0.1:$P:80", "$((P + 1))-$((P + 2)):90-91/udp"]
    expose: ["7000"]
    cap_add: [NET_ADMIN]
    cap_drop: [MKNOD]
    mem_limit: 48m
    mem_reservation: 16m
    cpus: 0.5
    pids_limit: 64
    stop_signal: SIGINT
    stop_grace_period: 3s
    healthcheck:
      test: ["CMD", "true"]
      interval: 2s
      timeout: 1500ms
      start_period: 1s
      retries: 4
    volumes: ["@SHARED@:/shared:ro", "data:/data"]
    tmpfs: [/scratch]
    ulimits: {nofile: {soft: 1000, hard: 2000}}
    dns: [192.0.2.53]
    extra_hosts: ["gw.example:192.0.2.1"]
    networks:
      default: {aliases: [api-alias]}
volumes:
  data:
Y
run up -d -f "$STACK"
expect_rc 0 "up of the inspected stack"
wait_event '"instance":"api-1","state":"(running|healthy)"'
# what the container itself has: address/prefix, MAC, gateway, its netns
run exec -f "$STACK" api sh -c 'ip -4 -o addr show eth0; cat /sys/class/net/eth0/address; ip route'
expect_rc 0 "exec into api"
exec_out=$OUT
# docker exec's process has the container's ulimits, not the caller's
run exec -f "$STACK" api sh -c 'echo $(ulimit -n) $(ulimit -Hn)'
expect_out "1000 2000" "exec runs with the service's ulimits"
OUT=$exec_out
have=$(printf '%s\n' "$OUT" | awk '/inet /{print $4} /^[0-9a-f:]+$/{print} /^default/{print $3}' | tr '\n' ' ')
run inspect -f '{{.NetworkSettings.Networks.inspecttest_default.IPAddress}}/{{.NetworkSettings.Networks.inspecttest_default.IPPrefixLen}} {{.NetworkSettings.MacAddress}} {{.NetworkSettings.Gateway}} ' -f "$STACK" api-1
expect_out "$have" "inspect -f: the compose network under its docker name, as the container has it"
run inspect -f '{{range $name, $ep := .NetworkSettings.Networks}}{{$name}}{{end}}' -f "$STACK" api-1
expect_out inspecttest_default "inspect names the network as docker does"
nets=$OUT
run network ls -q
expect_grep "$OUT" "^$nets$" "network ls names the network as inspect does"
run inspect -f '{{(index (index .NetworkSettings.Ports "80/tcp") 0).HostIp}}:{{(index (index .NetworkSettings.Ports "80/tcp") 0).HostPort}} {{range $p, $conf := .NetworkSettings.Ports}}{{$p}}{{if $conf}}->{{(index $conf 0).HostPort}}{{end}};{{end}}' -f "$STACK" api-1
expect_out "127.0.0.1:$P 7000/tcp;80/tcp->$P;90/udp->$((P + 1));91/udp->$((P + 2));" \
	"inspect -f: docker's ways to read the published ports"
pid=$("$LXR" inspect -f '{{.State.Pid}}' -f "$STACK" api-1)
run inspect -f '{{.NetworkSettings.SandboxKey}}' -f "$STACK" api-1
[ "$(stat -L -c %i "$OUT" 2>/dev/null)" = "$(stat -L -c %i "/proc/$pid/ns/net")" ] ||
	fail "SandboxKey $OUT is not the container's network namespace"
run inspect -f "$STACK" api-1
python3 - "$OUT" "$P" "$SHARED" <<'PY' || fail "inspect of a compose service: $OUT"
import json, os, sys
i = json.loads(sys.argv[1])[0]
p, shared = int(sys.argv[2]), sys.argv[3]
c, h, n = i["Config"], i["HostConfig"], i["NetworkSettings"]
net = n["Networks"]["inspecttest_default"]
assert set(n["Networks"]) == {"inspecttest_default"}, n["Networks"].keys()
assert "api-alias" in net["Aliases"] and "api-alias" in net["DNSNames"], net
assert net["Gateway"] == n["Gateway"] and net["MacAddress"].startswith("02:42:"), net
assert n["Ports"]["7000/tcp"] is None, n["Ports"]
assert c["Entrypoint"] == ["/bin/sh", "-c"], c["Entrypoint"]
assert len(c["Cmd"]) == 1 and c["Cmd"][0].startswith("echo api-says-hi"), c["Cmd"]
assert set(c["ExposedPorts"]) == {"80/tcp", "90/udp", "91/udp", "7000/tcp"}, c["ExposedPorts"]
assert c["StopSignal"] == "SIGINT" and c["StopTimeout"] == 3, c
assert c["Healthcheck"] == {"Test": ["CMD", "true"], "Interval": 2000000000,
                            "Timeout": 1500000000, "StartPeriod": 1000000000,
                            "Retries": 4}, c["Healthcheck"]
assert c["AttachStdout"] is True and c["Tty"] is False and c["Domainname"] == "", c
assert h["NetworkMode"] == "inspecttest_default", h["NetworkMode"]
assert h["PortBindings"] == {"80/tcp": [{"HostIp": "127.0.0.1", "HostPort": str(p)}],
                             "90/udp": [{"HostIp": "", "HostPort": str(p + 1)}],
                             "91/udp": [{"HostIp": "", "HostPort": str(p + 2)}]}, h["PortBindings"]
assert h["Binds"] == [shared + ":/shared:ro", "inspecttest_data:/data:rw"], h["Binds"]
assert h["CapAdd"] == ["CAP_NET_ADMIN"] and h["CapDrop"] == ["CAP_MKNOD"], h
assert h["Memory"] == 48 << 20 and h["MemoryReservation"] == 16 << 20, h
assert h["MemorySwap"] == 48 << 20, h["MemorySwap"]  # lxr's default: no swap
assert h["NanoCpus"] == 500000000 and h["CpuQuota"] == 0 and h["PidsLimit"] == 64, h
assert h["Ulimits"] == [{"Name": "nofile", "Hard": 2000, "Soft": 1000}], h["Ulimits"]
assert h["Dns"] == ["192.0.2.53"] and h["DnsSearch"] is None, h
assert h["ExtraHosts"] == ["gw.example:192.0.2.1"] and h["Tmpfs"] == {"/scratch": ""}, h
assert h["LogConfig"] == {"Type": "json-file", "Config": {}}, h["LogConfig"]
assert h["AutoRemove"] is False and h["ShmSize"] == 64 << 20 and h["IpcMode"] == "private", h
assert "/proc/kcore" in h["MaskedPaths"] and h["Init"] is True, h
m = {x["Destination"]: x for x in i["Mounts"]}
assert set(m) == {"/shared", "/data"}, m
assert m["/shared"]["Mode"] == "ro" and m["/shared"]["Propagation"] == "rprivate", m
assert m["/data"]["Name"] == "inspecttest_data" and m["/data"]["Driver"] == "local", m
assert m["/data"]["Mode"] == "rw" and os.path.isdir(m["/data"]["Source"]), m
assert i["Driver"] == "overlay" and i["Platform"] == "linux" and i["Image"] == "", i
assert "api-says-hi" in open(i["LogPath"]).read(), i["LogPath"]
assert "192.0.2.53" in open(i["ResolvConfPath"]).read(), i["ResolvConfPath"]
assert net["IPAddress"] in open(i["HostsPath"]).read(), i["HostsPath"]
assert open(i["HostnamePath"]).read().strip() == c["Hostname"], i["HostnamePath"]
PY
run down -f "$STACK" -v -t 0
expect_rc 0 "down of the inspected stack"
pass "inspect of a compose service: its network, ports, configuration, limits and files as docker names them"

"$LXR" import -c 'ENTRYPOINT ["/bin/sh", "-c"]' \
	-c 'CMD ["echo run-says-hi; trap \"exit 0\" INT; while :; do sleep 0.1; done"]' \
	-c 'EXPOSE 9000/udp' "$ROOTFS" "t$$-insp:1" >/dev/null || fail "import the image to inspect"
I=$(cname insp)
run run -d --name "$I" -p "$((P + 3)):8080" --memory 32m --cpus 1.5 --pids-limit 50 \
	--cap-add SYS_PTRACE --cap-drop CHOWN --health-cmd true --health-interval 1s --health-retries 2 \
	-e FOO=bar -v "$SHARED:/sh:ro" -v "vol$$:/v" -v /anon --stop-signal SIGINT --stop-timeout 4 \
	--dns 192.0.2.54 --rm "t$$-insp:1"
expect_rc 0 "run -d of the inspected container"
run exec "$I" sh -c 'ip -4 -o addr show eth0; cat /sys/class/net/eth0/address; ip route'
expect_rc 0 "exec into the run container"
have=$(printf '%s\n' "$OUT" | awk '/inet /{print $4} /^[0-9a-f:]+$/{print} /^default/{print $3}' | tr '\n' ' ')
run inspect -f '{{.NetworkSettings.Networks.bridge.IPAddress}}/{{.NetworkSettings.IPPrefixLen}} {{.NetworkSettings.Networks.bridge.MacAddress}} {{.NetworkSettings.Networks.bridge.Gateway}} ' "$I"
expect_out "$have" "inspect -f: lxr run's default network is docker's bridge, as the container has it"
run inspect -f '{{range $name, $ep := .NetworkSettings.Networks}}{{$name}}{{end}}' "$I"
expect_out bridge "inspect names lxr run's default network bridge, as docker does"
nets=$OUT
run network ls -q
expect_grep "$OUT" "^$nets$" "network ls names it bridge too"
id=$("$LXR" image ls --format "{{.ID}}" "t$$-insp" 2>/dev/null | head -n1)
run inspect "$I"
python3 - "$OUT" "$P" "$SHARED" "$id" "$$" "$I" <<'PY' || fail "inspect of an lxr run -d container: $OUT"
import json, sys
i = json.loads(sys.argv[1])[0]
p, shared, image_id, pid = int(sys.argv[2]), sys.argv[3], sys.argv[4], sys.argv[5]
c, h, n = i["Config"], i["HostConfig"], i["NetworkSettings"]
assert set(n["Networks"]) == {"bridge"} and n["Networks"]["bridge"]["Aliases"] is None, n
assert n["Ports"] == {"8080/tcp": [{"HostIp": "0.0.0.0", "HostPort": str(p + 3)}],
                      "9000/udp": None}, n["Ports"]
assert i["Image"].startswith("sha256:" + image_id) and len(image_id) >= 12, (i["Image"], image_id)
assert c["Entrypoint"] == ["/bin/sh", "-c"] and c["Cmd"][0].startswith("echo run-says-hi"), c
assert c["ExposedPorts"] == {"8080/tcp": {}, "9000/udp": {}}, c["ExposedPorts"]
assert c["Volumes"] == {"/anon": {}}, c["Volumes"]
assert c["StopSignal"] == "SIGINT" and c["StopTimeout"] == 4, c
assert c["Healthcheck"] == {"Test": ["CMD-SHELL", "true"], "Interval": 1000000000,
                            "Retries": 2}, c["Healthcheck"]
assert c["AttachStdout"] is False and not any(k.startswith("com.docker.compose")
                                             for k in c["Labels"]), c
assert h["NetworkMode"] == "bridge" and h["AutoRemove"] is True, h
assert h["PortBindings"] == {"8080/tcp": [{"HostIp": "", "HostPort": str(p + 3)}]}, h
assert h["Binds"] == [shared + ":/sh:ro", "vol%s:/v" % pid], h["Binds"]
assert h["Memory"] == 32 << 20 and h["NanoCpus"] == 1500000000 and h["PidsLimit"] == 50, h
assert h["CapAdd"] == ["CAP_SYS_PTRACE"] and h["CapDrop"] == ["CAP_CHOWN"], h
assert h["Dns"] == ["192.0.2.54"] and h["DnsSearch"] == [] and h["Ulimits"] == [], h
m = {x["Destination"]: x for x in i["Mounts"]}
assert m["/v"]["Name"] == "vol" + pid and m["/v"]["Mode"] == "z", m
assert m["/sh"]["Mode"] == "ro" and "Name" not in m["/anon"], m
assert i["Name"] == "/" + sys.argv[6], i["Name"]
assert i["LogPath"].endswith("/_run/%s.log" % sys.argv[6]), i["LogPath"]
PY
run rm -f "$I"
"$LXR" volume rm "vol$$" >/dev/null 2>&1 || true
pass "inspect of an lxr run -d container: its image's command and ports merged, docker run's conventions"
