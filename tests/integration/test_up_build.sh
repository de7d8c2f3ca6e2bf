#!/bin/bash
# Compose's build: with lxr up, as docker compose runs it: two services
# built from Dockerfiles over an imported busybox image (one depending on
# the other) are built by `up` when their images are missing, named
# <project>-<service> (and build.tags), and run from them; `up` again
# builds and recreates nothing; a changed file and `up --build` rebuild
# (the unchanged one from the cache) and recreate only the changed service;
# `lxr build SERVICE` / `lxr compose build`; image: and build: builds what
# it cannot pull; pull_policy: build; a failing Dockerfile names the
# service and its line and starts nothing; down --rmi local removes the
# built images; up --no-build refuses to build; a git repository as the
# context.
. "$(dirname "$0")/lib.sh"

run import -c 'CMD ["/bin/sh"]' "$ROOTFS" lxrtest/busybox:cbuild
expect_rc 0 "import the base image"

P=cbuild$$
PROJECT=$P
DIR="$TEST_TMP/cb"
mkdir -p "$DIR/api" "$DIR/web"
cd "$DIR"
echo "api v1" > api/msg
cat > api/Dockerfile <<'D'
FROM lxrtest/busybox:cbuild
COPY msg /msg
CMD ["/bin/sh", "-c", "cat /msg; exec sleep 1000"]
D
cat > web/web.Dockerfile <<'D'
FROM lxrtest/busybox:cbuild
ARG GREETING=unset
RUN echo "$GREETING" > /greeting && grep buildhost /etc/hosts > /hosts-seen && grep " /dev/shm " /proc/mounts > /shm-seen
CMD ["/bin/sh", "-c", "cat /greeting; exec sleep 1000"]
D
cat > compose.yaml <<Y
name: $P
services:
  api:
    build: ./api
  web:
    build:
      context: ./web
      dockerfile: web.Dockerfile
      args: {GREETING: hello-arg}
      tags: ["lxrtest/cweb:extra"]
      labels: {org.lxr.test: cbuild}
      extra_hosts: ["buildhost=192.0.2.7"]
      shm_size: 8m
    depends_on: [api]
Y
at_exit "$LXR" down -p "$P" -t 0
# the store's images (in the project, `lxr images` is compose's listing)
store_images() { OUT=$(cd / && "$LXR" images); }

run config
expect_rc 0 "config"
expect_grep "$OUT" "context: $DIR/web" "config shows the build's context"
expect_grep "$OUT" "dockerfile: web.Dockerfile" "and its dockerfile"

run up --dry-run
expect_rc 0 "up --dry-run"
expect_grep "$OUT" "would build service \"api\": image $P-api from $DIR/api" "the dry run names the build"
expect_grep "$OUT" "would create +api-1 \(builds $P-api first\)" "and the instance it is for"
store_images
printf '%s\n' "$OUT" | grep -q "$P-" && fail "the dry run built an image: $OUT"
pass "config and up --dry-run show the builds and build nothing"

run up -d
expect_rc 0 "up -d builds and starts"
expect_grep "$ERR" "Building service api: image $P-api" "api is built"
expect_grep "$ERR" "Building service web: image $P-web" "web is built"
wait_event '"instance":"web-1","state":"running"'
run exec api cat /msg
expect_out "api v1" "api runs from its built image"
run exec web cat /greeting /hosts-seen /shm-seen
expect_grep "$OUT" "^hello-arg$" "build.args reach the ARG"
expect_grep "$OUT" "^192.0.2.7	buildhost$" "build.extra_hosts are in RUN's /etc/hosts"
expect_grep "$OUT" "^[a-z]+ /dev/shm tmpfs .*size=8192k" "build.shm_size is RUN's /dev/shm"
# the base has no /etc/hosts: the mount point RUN needed is not in the layer
[ ! -e "$ROOTFS/etc/hosts" ] || fail "the test's base image has an /etc/hosts"
n=0
for f in $(find "$LXR_DATA_DIR" -name hosts-seen); do
	n=$((n + 1))
	[ ! -e "$(dirname "$f")/etc/hosts" ] || fail "the RUN layer $(dirname "$f") kept the /etc/hosts mount point"
done
[ "$n" -gt 0 ] || fail "no layer with the RUN step's file under $LXR_DATA_DIR"
store_images
expect_grep "$OUT" "$P-api +latest" "the image is <project>-<service>"
expect_grep "$OUT" "lxrtest/cweb +extra" "build.tags name it too"
pass "up builds the missing images and runs the services from them"

pid_of() { sed -n "s/^pid=//p" "$LXR_RUN_DIR/$PROJECT/$1-1/state" 2>/dev/null || true; }
api_pid=$(pid_of api)
web_pid=$(pid_of web)
run up -d
expect_rc 0 "up again"
printf '%s\n' "$ERR" | grep -q "Building" && fail "up built an image that is there: $ERR"
[ "$(pid_of api)" = "$api_pid" ] && [ "$(pid_of web)" = "$web_pid" ] || fail "up again recreated a service"
pass "up again builds nothing and recreates nothing"

echo "api v2" > api/msg
run up -d --build
expect_rc 0 "up --build"
expect_grep "$ERR" "Building service api" "--build rebuilds api"
expect_grep "$ERR" "#[0-9]+ COPY msg /msg" "its changed COPY runs"
expect_grep "$ERR" "#[0-9]+ CACHED RUN echo" "web's unchanged step comes from the cache"
expect_grep "$ERR" "recreate +api-1" "up says it recreates api"
expect_grep "$ERR" "unchanged +web-1" "and leaves web alone"
for _ in $(seq 200); do
	p=$(pid_of api)
	[ -n "$p" ] && [ "$p" != "$api_pid" ] && break
	sleep 0.05
done
run exec api cat /msg
expect_out "api v2" "api runs from the rebuilt image"
[ "$(pid_of web)" = "$web_pid" ] || fail "web was recreated though its image did not change"
pass "a changed file and up --build recreate only the service whose image changed"

echo "api v3" > api/msg
run up -d --build --quiet-build api
expect_rc 0 "up --build --quiet-build"
printf '%s\n' "$ERR" | grep -Eq "Building|#[0-9]+ " && fail "--quiet-build showed the build: $ERR"
expect_grep "$ERR" "recreate +api-1" "api is rebuilt and recreated all the same"
for _ in $(seq 200); do
	[ "$("$LXR" exec api cat /msg 2>/dev/null)" = "api v3" ] && break
	sleep 0.05
done
run exec api cat /msg
expect_out "api v3" "api runs from the image built quietly"
echo "api v2" > api/msg
run up -d --build --quiet-build api
expect_rc 0 "back to v2"
run compose build -q api
expect_rc 0 "compose build -q"
[ -z "$ERR$OUT" ] || fail "compose build -q printed: $ERR$OUT"
pass "up --quiet-build and build -q build without a word"

run build --dry-run
expect_rc 0 "build --dry-run in the project"
expect_grep "$OUT" "would build service \"api\"" "compose's form: every service"
run build --dry-run web
printf '%s\n' "$OUT" | grep -q 'service "api"' && fail "build web built its dependency api: $OUT"
run build --dry-run --with-dependencies web
expect_grep "$OUT" "would build service \"api\"" "--with-dependencies: web's dependency api too"
expect_grep "$OUT" "would build service \"web\"" "and web"
run build --with-dependencies ./api
expect_rc 2 "--with-dependencies with a context"
# the services the active profiles enable, as compose's build
cat > tools.yaml <<'Y'
services:
  tool:
    build: ./api
    profiles: [tools]
Y
run -f compose.yaml -f tools.yaml build --dry-run
expect_rc 0 "build --dry-run with a service its profiles leave out"
printf '%s\n' "$OUT" | grep -q 'service "tool"' && fail "build built a service its profiles leave out: $OUT"
run -f compose.yaml -f tools.yaml --profile tools build --dry-run
expect_grep "$OUT" "would build service \"tool\"" "--profile enables it"
run -f compose.yaml -f tools.yaml build --dry-run tool
expect_grep "$OUT" "would build service \"tool\"" "naming it builds it"
rm tools.yaml
run compose build --no-cache web
expect_rc 0 "compose build --no-cache web"
expect_grep "$ERR" "Building service web" "the named service is built"
printf '%s\n' "$ERR" | grep -q "Building service api" && fail "build web built api"
printf '%s\n' "$ERR" | grep -q CACHED && fail "--no-cache used the cache: $ERR"
[ -z "$OUT" ] || fail "compose build wrote to stdout: $OUT"
run build --build-arg GREETING=over web
expect_rc 0 "build --build-arg over build.args"
run run --rm --network none "$P-web" cat /greeting
expect_out "over" "--build-arg replaces build.args' value"
run compose build -t x:1 api
expect_rc 2 "a docker-only option with compose build"
expect_grep "$ERR" "--tag is for \`lxr build CONTEXT\`" "is refused by name"
run compose build nosuch
expect_rc 2 "compose build of an unknown service"
expect_grep "$ERR" "no such service: nosuch" "names it"
run build ./api
expect_rc 0 "a path is docker's build form, even in a project"
expect_grep "$OUT" "^sha256:" "its image ID is printed"
pass "lxr build SERVICE and lxr compose build build services; a path is a context"

# image: and build:: the image is pulled first, and built when the pull
# fails (a registry port on loopback where nothing listens); with
# pull_policy: build it is built on every up (from the cache: nothing runs)
B=cbuildb$$
mkdir -p "$TEST_TMP/both" && cd "$TEST_TMP/both"
cp -r "$DIR/api" .
mkdir -p ctx extra
echo "from the named context" > extra/note.txt
cat > ctx/Dockerfile <<'D'
FROM lxrtest/busybox:cbuild
COPY --from=apiimg /msg /api-msg
COPY --from=extra note.txt /note
CMD ["/bin/sh", "-c", "exec sleep 1000"]
D
cat > compose.yaml <<Y
name: $B
services:
  ctx:
    build:
      context: ./ctx
      additional_contexts:
        apiimg: service:both
        extra: ./extra
  both:
    image: 127.0.0.1:1/lxrtest/cboth:1
    build: ./api
  always:
    build: ./api
    pull_policy: build
Y
at_exit "$LXR" down -p "$B" -t 0
run up -d --quiet-pull
expect_rc 0 "up with an image that cannot be pulled"
b_at=$(printf '%s\n' "$ERR" | grep -n "Building service both" | head -n1 | cut -d: -f1)
c_at=$(printf '%s\n' "$ERR" | grep -n "Building service ctx" | head -n1 | cut -d: -f1)
[ -n "$b_at" ] && [ -n "$c_at" ] && [ "$b_at" -lt "$c_at" ] ||
	fail "the service named by service: was not built first: $ERR"
expect_grep "$ERR" "warning: service \"both\": pull 127.0.0.1:1/lxrtest/cboth:1: .*building it instead" \
	"the failed pull is said"
expect_grep "$ERR" "Building service both: image 127.0.0.1:1/lxrtest/cboth:1" "then the image is built"
PROJECT=$B
wait_event '"instance":"both-1","state":"running"'
wait_event '"instance":"always-1","state":"running"'
wait_event '"instance":"ctx-1","state":"running"'
run exec both cat /msg
expect_out "api v2" "the service runs the image built under its image: name"
run exec ctx cat /api-msg /note
expect_out "api v2
from the named context" "additional_contexts: another service's image and a directory as COPY --from sources"
run up -d
expect_rc 0 "up again"
expect_grep "$ERR" "Building service always" "pull_policy: build builds on every up"
printf '%s\n' "$ERR" | grep -q "Building service both" && fail "an image that is here was built again"
printf '%s\n' "$ERR" | grep -qE "^#[0-9]+ COPY" && fail "an unchanged build ran a step: $ERR"
expect_grep "$ERR" "unchanged +always-1" "an unchanged build recreates nothing"
# docker's form: --build-context as COPY --from's source; as a FROM refused
printf 'FROM lxrtest/busybox:cbuild\nCOPY --from=notes note.txt /n\nRUN cat /n\n' > Ctx.Dockerfile
run build --build-context notes=./extra -f Ctx.Dockerfile .
expect_rc 0 "build --build-context"
expect_grep "$ERR" "^from the named context$" "COPY --from a named context"
printf 'FROM notes\n' > From.Dockerfile
run build --build-context notes=./extra -f From.Dockerfile .
expect_rc 2 "FROM a named context"
expect_grep "$ERR" "From.Dockerfile:1:1: FROM notes: a named context as a FROM is not supported yet" \
	"is refused with its position"
run down
expect_rc 0 "down"
PROJECT=$P
pass "image: and build: pulls, then builds what it cannot pull; additional_contexts; pull_policy: build builds every time"

# a failing Dockerfile: up fails naming the service and the line, nothing starts
F=cbuildf$$
mkdir -p "$TEST_TMP/fail/bad" && cd "$TEST_TMP/fail"
printf 'FROM lxrtest/busybox:cbuild\nRUN echo failing-step; exit 3\n' > bad/Dockerfile
cat > compose.yaml <<Y
name: $F
services:
  ok:
    image: $ROOTFS
    command: ["sleep", "1000"]
  bad:
    build: ./bad
Y
at_exit "$LXR" down -p "$F" -t 0
run up -d
expect_rc 1 "up with a failing build"
expect_grep "$ERR" "service \"bad\": build: $TEST_TMP/fail/bad/Dockerfile:2:1: RUN echo failing-step; exit 3: exit code 3" \
	"the error names the service, the Dockerfile and its line"
[ ! -e "$LXR_RUN_DIR/$F" ] || [ -z "$(ls "$LXR_RUN_DIR/$F" | grep -v lock)" ] ||
	fail "a failed build left something started: $(ls "$LXR_RUN_DIR/$F")"
pass "a failing build fails up before anything starts"

cd "$DIR"
run down --rmi local
expect_rc 0 "down --rmi local"
store_images
printf '%s\n' "$OUT" | grep -qE "^$P-(api|web) " && fail "down --rmi local kept a built image: $OUT"
expect_grep "$OUT" "lxrtest/busybox +cbuild" "an image the stack did not build is kept"
run up -d --no-build
expect_rc 1 "up --no-build with the images gone"
expect_grep "$ERR" "service \"api\": image $P-api is not built" "names the service and the image"
expect_grep "$ERR" "lxr build api" "says how to build it"
[ ! -e "$LXR_RUN_DIR/$P/api-1" ] || fail "up --no-build started something"
pass "down --rmi local removes the built images; up --no-build builds nothing"

# ---- a git repository as the build context ----------------------------------------
# compose's URL#REF:SUBDIR, cloned from a repository served over HTTP (git's
# dumb protocol, from a plain file server); its .git is not in the context,
# and the clone is gone after the build.
command -v git >/dev/null || fail "git is needed (this checkout came from it)"
G="$TEST_TMP/git"
mkdir -p "$G/work/app"
cd "$G/work"
git init -q -b main .
printf 'FROM lxrtest/busybox:cbuild\nCOPY . /ctx\nCMD ["/bin/sh", "-c", "exec sleep 1000"]\n' >app/Dockerfile
echo from-git >app/msg
# a link in the repository to a host directory (one with a Dockerfile)
mkdir -p "$G/hostside"
printf 'FROM lxrtest/busybox:cbuild\nCOPY . /host\n' >"$G/hostside/Dockerfile"
ln -s "$G/hostside" out
git add -A
git -c user.name=t -c user.email=t@t commit -q -m one
git clone -q --bare "$G/work" "$G/srv/repo.git"
git -C "$G/srv/repo.git" update-server-info
port=$(python3 -c 'import socket; s=socket.socket(); s.bind(("127.0.0.1", 0)); print(s.getsockname()[1])')
python3 -m http.server --bind 127.0.0.1 --directory "$G/srv" "$port" >/dev/null 2>&1 &
at_exit kill $!
for _ in $(seq 100); do (exec 3<>"/dev/tcp/127.0.0.1/$port") 2>/dev/null && break; sleep 0.05; done
GP=cgit$$
mkdir -p "$G/stack"
cd "$G/stack"
cat >compose.yaml <<Y
name: $GP
services:
  fromgit:
    build: http://127.0.0.1:$port/repo.git#main:app
Y
at_exit "$LXR" down -p "$GP" -t 0 --rmi local
run up -d
expect_rc 0 "up with a git build context: $ERR"
run exec fromgit /bin/sh -c 'cat /ctx/msg; test -e /ctx/.git && echo has-git; test -e /ctx/Dockerfile && echo in-subdir'
expect_out "$(printf 'from-git\nin-subdir')" "the image was built from the repository's subdirectory, without .git"
ls -a "$LXR_DATA_DIR/build" 2>/dev/null | grep -q "git-context" && fail "the clone was left: $(ls -a "$LXR_DATA_DIR/build")"
cat >compose.yaml <<Y
name: $GP
services:
  fromgit:
    build: "http://127.0.0.1:$port/repo.git#nope"
Y
run build fromgit
expect_rc 1 "a git context whose reference does not exist"
expect_grep "$ERR" "git clone of build context .*#nope failed" "the error names the context"
ls -a "$LXR_DATA_DIR/build" 2>/dev/null | grep -q "git-context" && fail "a failed clone was left: $(ls -a "$LXR_DATA_DIR/build")"
cat >compose.yaml <<Y
name: $GP
services:
  fromgit:
    build: "http://127.0.0.1:$port/repo.git#main:out"
Y
run build fromgit
expect_rc 1 "a git context whose subdirectory is a link out of the repository"
expect_grep "$ERR" 'subdirectory "out" is a link out of the repository' "the link is not followed"
ls -a "$LXR_DATA_DIR/build" 2>/dev/null | grep -q "git-context" && fail "a refused clone was left: $(ls -a "$LXR_DATA_DIR/build")"
# a context's Dockerfile that links to a host file is no Dockerfile (a
# parse error would print the file's first line)
mkdir -p "$G/linkctx"
echo "root:SECRETHASH-$$:19000:0:99999:7:::" >"$G/shadow-like"
ln -s "$G/shadow-like" "$G/linkctx/Dockerfile"
cat >compose.yaml <<Y
name: $GP
services:
  linked:
    build: $G/linkctx
Y
run build linked
[ "$RC" -ne 0 ] || fail "a build whose Dockerfile links out of its context"
echo "$ERR" | grep -q SECRETHASH && fail "the build printed the host file the Dockerfile linked to: $ERR"
expect_grep "$ERR" "no Dockerfile in the build context" "the link is not followed"
pass "a git repository (URL#REF:DIR) as the build context, without its .git; a bad reference or a subdirectory linking out of it is an error, and no clone is left"
