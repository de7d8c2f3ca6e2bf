#!/bin/bash
# After `lxr run -d`, where no stack file is found: `lxr ps` lists the
# container, `lxr logs [--tail N] NAME` shows its output, `lxr stop NAME`
# sends SIGTERM (then SIGKILL after 10 s), `lxr kill [-s SIG] NAME` the one
# signal, and `lxr rm NAME` removes what is kept, as with docker.
. "$(dirname "$0")/lib.sh"
cd "$TEST_TMP" # no compose.yaml here, nor above

a=$(cname polite)
b=$(cname stubborn)
run run -d --network none --name "$a" "$ROOTFS" sh -c \
	'echo one; echo two; trap "echo got-term; exit 0" TERM; while :; do sleep 0.1; done'
expect_rc 0 "run -d"
expect_out "$a" "run -d prints the name"
run run -d --network none --name "$b" "$ROOTFS" sh -c 'trap "" TERM; while :; do sleep 0.1; done'
expect_rc 0 "run -d"
for _ in $(seq 100); do grep -q two "$LXR_LOG_DIR/_run/$a.log" 2>/dev/null && break; sleep 0.05; done

run ps
expect_rc 0 "ps without a stack file"
expect_grep "$OUT" "^NAME +IMAGE +COMMAND +SERVICE +CREATED +STATUS +PORTS$" "ps has docker compose's columns"
expect_grep "$OUT" "^$a +.*\"sh -c .* Up " "ps lists the running container, its command and status"
expect_grep "$OUT" "^$b .* Up " "ps lists the second one"
run ps --format '{{.Name}} {{.State}}'
expect_grep "$OUT" "^$a running$" "ps --format with a template"
run ps --format json
# docker ps's JSON Lines: one object a container, docker's keys in it
python3 - "$OUT" "$a" "$b" <<'PY' || fail "ps --format json: $OUT"
import json, sys
got = {o["Names"]: o for o in map(json.loads, sys.argv[1].split("\n"))}
for n in sys.argv[2:]:
    assert got[n]["Name"] == n and got[n]["name"] == n and got[n]["State"] == "running", got
    assert "Project" not in got[n], got[n]
PY
run logs "$a"
expect_out "one
two" "logs NAME shows its output"
run logs --tail 1 "$a"
expect_out "two" "logs --tail 1"

run stop "$a"
expect_rc 0 "stop"
expect_out "$a" "stop prints the name"
expect_grep "$(cat "$LXR_LOG_DIR/_run/$a.log")" "got-term" "stop sent SIGTERM"
run ps -a
expect_grep "$OUT" "^$a .* Exited" "a stopped container is listed as exited until rm"
# docker ps without -a: only the running ones
run ps
expect_grep "$OUT" "^$b .* Up " "ps lists the one still running"
printf '%s\n' "$OUT" | grep -q "^$a " && fail "ps without -a listed the stopped one: $OUT"
run ps -q
expect_out "$b" "ps -q: the running one only"
run container ls -q
expect_out "$b" "container ls, docker's other name for ps, too"
run kill -s KILL "$b"
expect_rc 0 "kill -s KILL"
for _ in $(seq 100); do "$LXR" ps -a | grep -q "^$b .*Exited" && break; sleep 0.05; done
run ps -a
expect_grep "$OUT" "^$b .* Exited" "kill ended the container that ignores SIGTERM"
run stop nosuch
expect_rc 1 "stop of an unknown container"
expect_grep "$ERR" "container nosuch" "the error names the container"
run rm "$a" "$b"
expect_rc 0 "rm"
run ps -a
[ "$(printf '%s\n' "$OUT" | wc -l)" -eq 1 ] || fail "ps -a after rm: $OUT"
pass "ps (-a for the stopped ones), logs, stop, kill and rm work on lxr run -d containers without a stack file"

# docker's other habits on an `lxr run -d` container, through its own
# supervisor: top, restart, stats, port, and wait with the exit code it
# leaves (as ps shows it) once it has ended
c=$(cname habits)
run run -d --name "$c" -p 127.0.0.1::8080 "$ROOTFS" sleep 60
expect_rc 0 "run -d -p"
run top "$c"
expect_rc 0 "top NAME"
expect_grep "$OUT" "sleep 60" "top lists the container's processes"
# docker top's table: ps -ef's columns, each at least 20 wide
expect_grep "$(printf '%s\n' "$OUT" | head -n1)" "^UID {17}PID {17}PPID {16}C {19}STIME {15}TTY {17}TIME {16}CMD$" "top's titles are docker top's"
expect_grep "$OUT" "^root +[0-9]+ +[0-9]+ +[0-9]+ +([0-9]{2}:[0-9]{2}|[A-Z][a-z]{2}[0-9]{2}) +\? +00:00:00 +sleep 60$" "a process's row as ps -ef shows it"
pid1=$(printf '%s\n' "$OUT" | awk '/sleep 60/ {print $2}')
ppid1=$(printf '%s\n' "$OUT" | awk '/sleep 60/ {print $3}')
init1=$(printf '%s\n' "$OUT" | awk '/lxr-init/ {print $2}')
[ -n "$pid1" ] && [ "$ppid1" = "$init1" ] || fail "top's PPID of the command is not its init ($ppid1, $init1): $OUT"
[ "$(awk '{print $4}' "/proc/$pid1/stat")" = "$ppid1" ] || fail "top's PPID is not the kernel's"
# a process names itself: its escape bytes reach no terminal
esc=$(cname esc)
# (lxr run takes only UTF-8 arguments: the shell makes the byte that is not)
run run -d --name "$esc" --network none "$ROOTFS" sh -c 'exec sh -c "sleep 61; : $(printf "\033[31mred \302\233 \351")"'
expect_rc 0 "run -d of a command with an escape byte"
for _ in $(seq 100); do "$LXR" top "$esc" 2>/dev/null | grep -q "sleep 61" && break; sleep 0.05; done
run top "$esc"
printf '%s' "$OUT" | grep -q "$(printf '\033')" && fail "top printed the process's escape byte"
expect_grep "$OUT" "sh -c sleep 61; : \?\[31mred \? \?$" "top shows the escape, a C1 control and a byte that is not UTF-8 as ?"
"$LXR" rm -f "$esc" > /dev/null
run restart "$c"
expect_rc 0 "restart NAME"
run top "$c"
pid2=$(printf '%s\n' "$OUT" | awk '/sleep 60/ {print $2}')
[ -n "$pid2" ] && [ "$pid1" != "$pid2" ] || fail "restart did not start the command again ($pid1, $pid2)"
run stats --no-stream "$c"
expect_rc 0 "stats --no-stream NAME"
expect_grep "$OUT" "^$c +[0-9.]+%" "stats shows the container's figures"
c2=$(cname habits2)
run run -d --name "$c2" --network none "$ROOTFS" sleep 60
run stats --no-stream
expect_rc 0 "stats --no-stream without a name"
expect_grep "$OUT" "^$c +[0-9.]+%" "stats: every run -d container (the first)"
expect_grep "$OUT" "^$c2 +[0-9.]+%" "stats: every run -d container (the second)"
"$LXR" rm -f "$c2" >/dev/null
run port "$c"
expect_grep "$OUT" "^8080/tcp -> 127\.0\.0\.1:[0-9]+$" "port NAME lists what it publishes"
run port "$c" 8080
expect_grep "$OUT" "^127\.0\.0\.1:[0-9]+$" "port NAME PORT"
run stop -t 0 "$c"
run ps -a --format '{{.Name}} {{.State}} [{{.Ports}}]'
expect_grep "$OUT" "^$c exited \[\]$" "a stopped container publishes nothing, as docker's ps shows it"
"$LXR" rm -f "$c" >/dev/null
e=$(cname exits)
run run -d --name "$e" --network none "$ROOTFS" sh -c 'sleep 0.3; exit 3'
expect_rc 0 "run -d"
run wait "$e"
expect_rc 0 "wait NAME"
expect_out 3 "wait prints the container's exit code"
run ps -a
expect_grep "$OUT" "^$e .* Exited \(3\)" "ps shows the exit code of an ended run -d container"
run wait "$e"
expect_out 3 "wait of an ended container prints its code at once"
run top "$e"
expect_rc 1 "top of an ended container"
run stop "$e"
expect_rc 0 "stop of an ended container (docker: nothing to do)"
expect_out "$e" "stop prints its name"
run kill "$e"
expect_rc 1 "kill of an ended container (docker: not running)"
run rm "$e"
f=$(cname fore)
"$LXR" run --rm --name "$f" --network none "$ROOTFS" sleep 3 >/dev/null 2>&1 &
fpid=$!
# listed once its directory is there; running once its init is
for _ in $(seq 100); do "$LXR" top "$f" 2>/dev/null | grep -q "sleep 3" && break; sleep 0.05; done
run top "$f"
expect_rc 0 "top of a foreground container"
expect_grep "$OUT" "sleep 3" "top lists a foreground container's processes too"
run wait "$f"
expect_rc 1 "wait of a foreground container (its lxr run has the code)"
kill "$fpid" 2>/dev/null || true
wait "$fpid" 2>/dev/null || true
pass "top, restart, stats, port and wait work on lxr run -d containers; top on foreground ones"

# a foreground container is docker's too: inspect, ps and port see it while
# it runs (its address, the host port picked for it), inspect after it
# ended; logs says where its output went
f=$(cname fgins)
"$LXR" run --name "$f" -e FG=1 -p 80 "$ROOTFS" sh -c 'sleep 2; exit 5' >/dev/null 2>&1 &
fpid=$!
at_exit "$LXR" rm -f "$f"
for _ in $(seq 100); do "$LXR" top "$f" 2>/dev/null | grep -q "sleep 2" && break; sleep 0.05; done
run inspect -f '{{.State.Status}} {{.State.Running}} {{.Config.Env}} {{.NetworkSettings.IPAddress}}' "$f"
expect_rc 0 "inspect of a container in the foreground of its lxr run"
expect_grep "$OUT" "^running true \[FG=1 .*\] [0-9]+\.[0-9]+\.[0-9]+\.[0-9]+$" "its state, environment and address"
pid=$("$LXR" inspect -f '{{.State.Pid}}' "$f")
grep -q "^lxr-init" "/proc/$pid/comm" 2>/dev/null || fail "inspect's Pid $pid is not the container's init"
run port "$f" 80
expect_rc 0 "port of a foreground container"
expect_grep "$OUT" "^0\.0\.0\.0:[1-9][0-9]*$" "the host port picked for it"
hp=${OUT##*:}
run ps
expect_grep "$OUT" "^$f +$ROOTFS +\"sh -c sleep 2.* Up .*0\.0\.0\.0:$hp->80/tcp" "ps: its image, command and port"
run logs "$f"
expect_rc 1 "logs of a foreground container"
expect_grep "$ERR" "foreground of its .lxr run., whose terminal has its output" "logs says where its output went"
wait "$fpid" || true
run inspect -f '{{.State.Status}} {{.State.Running}} {{.State.ExitCode}} {{.State.Pid}}' "$f"
expect_out "exited false 5 0" "inspect of a foreground container that ended"
"$LXR" rm "$f" >/dev/null
pass "inspect, ps and port of a foreground container, running and ended"

# docker inspect's -f: a template over the same JSON; an ended container
# is shown as its supervisor last saw it
i=$(cname insp)
mkdir -p "$TEST_TMP/ro"
run run -d --name "$i" --network none -l tier=db -v "$TEST_TMP/ro:/ro:ro" \
	--health-cmd true --health-interval 100ms "$ROOTFS" sleep 60
expect_rc 0 "run -d"
for _ in $(seq 100); do
	[ "$("$LXR" inspect -f '{{.State.Health.Status}}' "$i" 2>/dev/null)" = healthy ] && break
	sleep 0.05
done
run inspect -f '{{.State.Status}} {{.State.Running}} {{.State.Health.Status}} {{.Config.Labels.tier}} {{index .Config.Labels "tier"}} {{.Nope}}' "$i"
expect_out "running true healthy db db <no value>" "inspect -f paths, index and a missing key"
run inspect --format '{{range .Mounts}}{{.Type}} {{.Destination}} {{.RW}}{{end}}|{{json .Config.Cmd}}|{{if .State.Paused}}p{{else}}np{{end}}' "$i"
expect_out 'bind /ro false|["sleep","60"]|np' "inspect --format range, json, if/else"
run inspect -f '{{.HostConfig.RestartPolicy}} {{len .Config.Labels}}   {{- if .Nope}}x{{end -}}   |' "$i"
expect_grep "$OUT" '^map\[MaximumRetryCount:0 Name:no\] [0-9]+\|$' "a map prints as Go prints it; {{- and -}} cut the blanks"
run inspect -f '{{.State.Status' "$i"
expect_rc 2 "a template not closed"
expect_grep "$ERR" "not closed" "the error says what is wrong"
expect_out "" "nothing printed for a bad template"
run inspect -f '{{frob .State}}' "$i"
expect_rc 2 "an unknown function"
run stop "$i"
run inspect -f '{{.State.Status}} {{.State.Running}} {{.Id}}' "$i"
expect_rc 0 "inspect of an ended container"
expect_out "exited false $i" "it is shown as it ended"
"$LXR" rm "$i" >/dev/null
pass "inspect -f/--format: docker's templates; an ended container is inspected too"

# docker ps's filters: name (a part of it), label, status, with -q
fa=$(cname filta)
fb=$(cname filtb)
run run -d --name "$fa" --network none -l tier=web "$ROOTFS" sleep 60
run run -d --name "$fb" --network none -l tier=db "$ROOTFS" sh -c 'exit 2'
run wait "$fb"
run ps -q --filter name=filta
expect_out "$fa" "--filter name= matches a part of the name"
run ps -a -q --filter label=tier=db
expect_out "$fb" "--filter label=K=V"
run ps -a -q --filter label=tier --filter name=filtb
expect_out "$fb" "several filters: all of them hold"
run ps -q --filter status=exited
expect_grep "$OUT" "^$fb$" "--filter status=exited without a stack file"
printf '%s\n' "$OUT" | grep -qx "$fa" && fail "a running container listed as exited"
"$LXR" rm -f "$fa" "$fb" >/dev/null
pass "ps --filter name=, label=, status= on lxr run containers"

# docker logs NAME: the container's stderr on stderr, its stdout on stdout
l=$(cname streams)
run run -d --name "$l" --network none "$ROOTFS" sh -c 'echo to-out; echo to-err >&2; exec sleep 60'
for _ in $(seq 100); do grep -q to-err "$LXR_LOG_DIR/_run/$l.log" 2>/dev/null && break; sleep 0.05; done
run logs "$l"
expect_out "to-out" "logs NAME: stdout lines on stdout"
[ "$ERR" = "to-err" ] || fail "logs NAME: stderr lines on stderr, got [$ERR]"
"$LXR" rm -f "$l" >/dev/null
pass "logs NAME splits the container's stdout and stderr, as docker logs"

# docker start NAME: a kept container that has stopped (run -d, or run in
# the foreground without --rm) runs again in the background, on its own
# writable layer, with the options and environment it was run with and the
# image it ran, whatever happened to the tag and the env file since
"$LXR" import "$ROOTFS" "t$$-img:1" >/dev/null || fail "import the test image"
"$LXR" import -c 'ENV FROM=second' "$ROOTFS" "t$$-img:2" >/dev/null || fail "import a second image"
printf 'A=one\nB=$HOME\n' > envf
s=$(cname again)
run run -d --name "$s" --network none --env-file envf -l k=v "t$$-img:1" sh -c \
	'echo "run A=$A B=$B FROM=$FROM layer=$(cat /kept 2>/dev/null)"; echo x >> /kept; exec sleep 60'
expect_rc 0 "run -d for start"
# each start's line is there before the stop: a stop -t 0 right after the
# start may kill the command before it has written anything, as docker's
runs() { grep -c ' stdout F run ' "$LXR_LOG_DIR/_run/$s.log" 2>/dev/null; }
for _ in $(seq 300); do [ "$(runs)" -ge 1 ] && break; sleep 0.05; done
run stop -t 0 "$s"
expect_rc 0 "stop before start"
printf 'A=changed\n' > envf
"$LXR" tag "t$$-img:2" "t$$-img:1" >/dev/null || fail "move the tag"
run start "$s"
expect_rc 0 "start of a stopped run -d container"
expect_out "$s" "start prints the name"
run ps -q --filter status=running
expect_grep "$OUT" "^$s$" "the started container runs"
run inspect -f '{{.Config.Image}} {{index .Config.Labels "k"}}' "$s"
expect_out "t$$-img:1 v" "it keeps its image name and labels"
run start "$s"
expect_rc 0 "start of a running container is nothing to do"
for _ in $(seq 300); do [ "$(runs)" -ge 2 ] && break; sleep 0.05; done
run stop -t 0 "$s"
run restart "$s"
expect_rc 0 "restart of a stopped run -d container"
for _ in $(seq 300); do [ "$(runs)" -ge 3 ] && break; sleep 0.05; done
run logs "$s"
expect_out "run A=one B=\$HOME FROM= layer=
run A=one B=\$HOME FROM= layer=x
run A=one B=\$HOME FROM= layer=x
x" "each start: the same environment and image, the layer kept"
"$LXR" rm -f "$s" >/dev/null

f=$(cname fgkept)
run run --name "$f" --network none "$ROOTFS" sh -c 'echo "fg $(cat /kept 2>/dev/null)"; echo y > /kept'
expect_out "fg " "a foreground run kept without --rm"
run start "$f"
expect_rc 0 "start of a foreground container that ended"
run wait "$f"
expect_out 0 "it ran again and ended"
run logs "$f"
expect_out "fg y" "in the background, on the layer the foreground run wrote"
"$LXR" rm "$f" >/dev/null

r=$(cname gone)
run run --rm --name "$r" --network none "$ROOTFS" true
run start "$r"
expect_rc 1 "start of a --rm container that is gone"
"$LXR" rmi "t$$-img:2" >/dev/null
m=$(cname holds)
run run -d --name "$m" --network none "t$$-img:1" cat /etc/hostname
run wait "$m"
run rmi "t$$-img:1"
expect_rc 1 "rmi of the image a stopped container holds"
expect_grep "$ERR" "used by stopped container $m" "the error names the container"
run image prune -a -f
expect_rc 0 "image prune -a -f"
run images -q
[ -n "$OUT" ] || fail "image prune -a removed the image a stopped container holds"
run rmi -f "t$$-img:1"
expect_rc 0 "rmi -f untags it"
run images --format '{{.Repository}}:{{.Tag}}'
printf '%s\n' "$OUT" | grep -q "t$$-img" && fail "rmi -f left the tag: $OUT"
run start "$m"
expect_rc 0 "start on the image it held, untagged since"
run wait "$m"
expect_out 0 "it ran"
"$LXR" rm "$m" >/dev/null
run image prune -f
expect_grep "$OUT" "^Removed 1 images" "with its container gone, prune takes the image"
[ -z "$(ls "$LXR_RUN_DIR/_run-sup/")" ] || fail "a start left a supervisor: $(ls "$LXR_RUN_DIR/_run-sup/")"
pass "start NAME runs a kept run container again, as docker start; rmi and prune leave its image"

# docker's container words: container ls is ps, container rm is rm;
# container prune (and system prune) remove the stopped run containers and
# leave the running ones; a foreground run kept without --rm is listed
# with its exit code, as docker ps -a lists it
g=$(cname fgcode)
run run --name "$g" --network none "$ROOTFS" sh -c 'exit 4'
expect_rc 4 "a foreground run's exit code"
run container ls -a --format '{{.Name}} {{.Status}}'
expect_grep "$OUT" "^$g Exited \(4\) " "container ls: a kept foreground container's exit code"
run wait "$g"
expect_out 4 "wait of an ended foreground container"
u=$(cname up)
run run -d --name "$u" --network none "$ROOTFS" sleep 60
run container prune -f
expect_rc 0 "container prune -f"
expect_grep "$OUT" "^$g$" "prune lists what it removed"
[ ! -e "$LXR_RUN_DIR/_run/$g" ] || fail "container prune left the stopped container"
[ -e "$LXR_RUN_DIR/_run/$u" ] || fail "container prune removed a running container"
run stop -t 0 "$u"
run system prune -f
expect_rc 0 "system prune -f"
expect_grep "$OUT" "Deleted Containers:" "system prune prunes containers"
expect_grep "$OUT" "^$u$" "the one stopped since"
[ ! -e "$LXR_RUN_DIR/_run/$u" ] || fail "system prune left the stopped container"
run container nosuch
expect_rc 2 "container with a word lxr has not"
pass "container ls/prune and system prune, as docker's"
