#!/bin/bash
# lxr build on lxr's own runtime: a multi-stage Dockerfile over an imported
# busybox image is built (RUN in containers, COPY from the context and from
# a stage, metadata into the config), stored under its tag, and run with
# lxr run: its files, ENV, WORKDIR, USER and CMD are there, a deleted file
# is gone (whiteout), .dockerignore is honoured, a symlink pointing out of
# the context is copied as a link and never followed; a second build is
# all cache hits and a one-file change reruns from the COPY that reads it.
# --check plans without building; errors name the Dockerfile position.
. "$(dirname "$0")/lib.sh"

run import -c 'CMD ["/bin/sh"]' "$ROOTFS" lxrtest/busybox:build
expect_rc 0 "import the base image"
CTX="$TEST_TMP/ctx"
mkdir -p "$CTX/app"
echo "hello from the context" > "$CTX/app/hello.txt"
echo "should not be sent" > "$CTX/app/secret.key"
echo "host secret $$" > "$TEST_TMP/outside.txt"
ln -s "$TEST_TMP/outside.txt" "$CTX/app/escape"
printf '**/*.key\n' > "$CTX/.dockerignore"
cat > "$CTX/Dockerfile" <<'D'
# syntax=docker/dockerfile:1
ARG BASE=lxrtest/busybox
FROM ${BASE}:build AS deps
RUN <<EOF
echo built-in-deps > /deps
EOF
FROM deps AS Build
RUN mkdir -p /out && cp /deps /out/deps
FROM scratch AS unused
FROM lxrtest/busybox:build
ENV GREETING=hello
WORKDIR /srv
COPY app/ ./app/
COPY --from=build /out /out
RUN rm /bin/true && echo "$GREETING" > /srv/greeting
USER 1000
CMD ["/bin/sh", "-c", "echo $GREETING from $(pwd) as $(id -u)"]
D

run build --check -t lxrtest/built:1 "$CTX"
expect_rc 0 "build --check"
expect_out "stage 0 deps: FROM lxrtest/busybox:build, 1 instruction, lines 3-6
stage 1 build: FROM deps (stage 0), 1 instruction, lines 7-8
stage 2 unused: FROM scratch, 0 instructions, lines 9-9, not needed
stage 3: FROM lxrtest/busybox:build, 7 instructions, lines 10-17, the target" "the stages"
expect_grep "$ERR" "# syntax=docker/dockerfile:1 ignored" "the syntax directive is noted"
run images --format json
[ "$(printf '%s\n' "$OUT" | grep -c .)" -eq 1 ] || fail "--check changed the store: $OUT"

run build --check --target BUILD --build-arg BASE=other --build-arg NOPE=1 "$CTX"
expect_rc 0 "build --check --target"
expect_grep "$OUT" "^stage 0 deps: FROM other:build," "--build-arg reaches FROM"
expect_grep "$OUT" "lines 7-8, the target$" "--target picks the stage"
expect_grep "$ERR" "warning: --build-arg NOPE: no ARG declares it" "an unused build arg is named"
printf 'ARG V=1\nFROM scratch\nCOPY $V /v\n' > "$TEST_TMP/Dockerfile.undeclared"
run build --check -f "$TEST_TMP/Dockerfile.undeclared" "$CTX"
expect_rc 0 "build --check of a stage that uses a global ARG it does not declare"
expect_grep "$ERR" "Dockerfile.undeclared:3:1: COPY uses \\\$V, a global ARG this stage does not declare" \
	"a global ARG used in a stage without ARG is warned about, as docker does"

# a reproducible build: image and history dated, mtimes clamped to this
export SOURCE_DATE_EPOCH=1700000000
run build -t lxrtest/built:1 "$CTX"
expect_rc 0 "build"
expect_grep "$OUT" "^sha256:[0-9a-f]{64}$" "the image ID is printed"
ID=$(printf '%s\n' "$OUT" | grep -E '^sha256:')
run images
expect_grep "$OUT" "lxrtest/built +1 " "the image is tagged"

run run --rm --network none lxrtest/built:1
expect_rc 0 "run the built image"
expect_out "hello from /srv as 1000" "its CMD, ENV, WORKDIR and USER"
run images --format json
expect_grep "$OUT" '"Name":"docker.io/lxrtest/built:1".*"Created":1700000000,' "dated SOURCE_DATE_EPOCH"
run run --rm --network none -u 0 lxrtest/built:1 /bin/sh -c \
	'cat app/hello.txt /out/deps greeting; ls /bin/true /deps app/secret.key 2>&1; readlink app/escape; cat app/escape 2>&1; echo "mtime $(stat -c %Y app/hello.txt)"'
expect_grep "$OUT" "^hello from the context$" "COPY from the context"
expect_grep "$OUT" "^mtime 1700000000$" "mtimes clamped to SOURCE_DATE_EPOCH"
expect_grep "$OUT" "^built-in-deps$" "COPY --from a stage, RUN with a heredoc"
expect_grep "$OUT" "^hello$" "RUN sees ENV and WORKDIR"
expect_grep "$OUT" "/bin/true: No such file" "a deleted file is gone (whiteout)"
expect_grep "$OUT" "/deps: No such file" "the final stage has not the build stage's files"
expect_grep "$OUT" "secret.key: No such file" ".dockerignore is honoured"
expect_grep "$OUT" "^$TEST_TMP/outside.txt$" "a symlink is copied as a link"
printf '%s\n' "$OUT" | grep -q "host secret $$" && fail "the symlink out of the context was followed"

# the cache: the same build again is all hits and the same image; a changed
# file reruns the COPY that reads it and what follows, nothing before
run build -t lxrtest/built:1 "$CTX"
expect_rc 0 "build again"
[ "$(printf '%s\n' "$OUT" | grep -E '^sha256:')" = "$ID" ] || fail "not the same image: $OUT, before $ID"
[ "$(printf '%s\n' "$ERR" | grep -c '^#[0-9]* CACHED ')" -eq 5 ] || fail "not all cached: $ERR"
printf '%s\n' "$ERR" | grep -E '^#[0-9]+ (RUN|COPY)' && fail "a step ran again: $ERR"
echo "changed in the context" > "$CTX/app/hello.txt"
run build -t lxrtest/built:1 "$CTX"
expect_rc 0 "build after a change"
expect_grep "$ERR" "^#[0-9]+ CACHED RUN <<EOF$" "the deps stage is cached"
expect_grep "$ERR" "^#[0-9]+ CACHED RUN mkdir -p /out" "the build stage is cached"
expect_grep "$ERR" "^#[0-9]+ COPY app/ ./app/$" "the COPY reading the file reruns"
expect_grep "$ERR" "^#[0-9]+ RUN rm /bin/true" "the steps after it rerun"
run run --rm --network none lxrtest/built:1 cat app/hello.txt
expect_out "changed in the context" "the rebuilt image has the change"
run build --no-cache -t lxrtest/built:1 "$CTX"
expect_rc 0 "build --no-cache"
printf '%s\n' "$ERR" | grep -q CACHED && fail "--no-cache used the cache: $ERR"
run builder prune -f
expect_rc 0 "builder prune"
expect_grep "$OUT" "^Deleted build cache objects: [1-9][0-9]*$" "the cache is emptied"
run build -t lxrtest/built:1 "$CTX"
expect_rc 0 "build after builder prune"
printf '%s\n' "$ERR" | grep -q CACHED && fail "a pruned cache was used: $ERR"

# WORKDIR makes its directory; COPY to a directory the image has, without
# a trailing slash, copies into it (docker's rules)
printf 'FROM lxrtest/busybox:build\nWORKDIR /made/here\nRUN pwd\nCOPY app/hello.txt /etc\nCOPY app/hello.txt .\nRUN cat /etc/hello.txt; ls\n' \
	> "$CTX/Wd.Dockerfile"
printf 'COPY --chown=www-data --chmod=600 app/hello.txt /owned\nRUN echo "owner $(stat -c %%u:%%g:%%a /owned)"\n' \
	>> "$CTX/Wd.Dockerfile"
mkdir -p "$TEST_TMP/tarsrc/x"
echo "inside the archive" > "$TEST_TMP/tarsrc/x/y.txt"
tar czf "$CTX/arch.tgz" -C "$TEST_TMP/tarsrc" x
printf 'ADD arch.tgz /opt/\nRUN cat /opt/x/y.txt\n' >> "$CTX/Wd.Dockerfile"
# a directory removed and made again hides the old one's files (opaque)
printf 'RUN mkdir -p /opt/d && touch /opt/d/a /opt/d/b\nRUN rm -rf /opt/d && mkdir /opt/d && touch /opt/d/only\nRUN echo "opaque $(ls /opt/d)"\n' \
	>> "$CTX/Wd.Dockerfile"
chmod 700 "$CTX/app"
printf 'COPY app/hello.txt /tmp/\nCOPY app /copied\nRUN echo "modes $(stat -c %%a /tmp /copied | tr "\\n" " ")"\n' \
	>> "$CTX/Wd.Dockerfile"
run build --label org.lxr.test=yes -t lxrtest/wd:1 -f "$CTX/Wd.Dockerfile" "$CTX"
expect_rc 0 "WORKDIR and COPY into directories"
CFG="$LXR_DATA_DIR/images/blobs/sha256/${OUT#sha256:}"
grep -q '"Labels":{"org.lxr.test":"yes"}' "$CFG" || fail "--label is not in the config: $(cat "$CFG")"
grep -q '"created_by":"WORKDIR /made/here"' "$CFG" || fail "no history entry: $(cat "$CFG")"
expect_grep "$ERR" "^/made/here$" "WORKDIR's directory is made"
expect_grep "$ERR" "^changed in the context$" "COPY FILE /etc copies into /etc"
expect_grep "$ERR" "^hello.txt$" "COPY FILE . copies into WORKDIR"
expect_grep "$ERR" "^owner 33:33:600$" "--chown by name from the image's passwd, --chmod"
expect_grep "$ERR" "^inside the archive$" "ADD extracts a local archive"
expect_grep "$ERR" "^modes 1777 755 $" "an image's directory keeps its mode; a new one is 0755"
expect_grep "$ERR" "^opaque only$" "an opaque directory hides the layer below"
run run --rm --network none lxrtest/wd:1 ls /opt/d
expect_out "only" "the stored image keeps the opaque directory (.wh..wh..opq)"

# ONBUILD: the triggers an image carries run in a build FROM it (RUN, and
# COPY from that build's context), and are not carried on
printf 'FROM lxrtest/busybox:build\nONBUILD RUN echo triggered > /trig\nONBUILD COPY app/hello.txt /from-trigger\n' \
	> "$CTX/On.Dockerfile"
run build -t lxrtest/onbuild:1 -f "$CTX/On.Dockerfile" "$CTX"
expect_rc 0 "an image with ONBUILD triggers"
printf 'FROM lxrtest/onbuild:1\nRUN cat /trig /from-trigger\n' > "$CTX/On2.Dockerfile"
run build -f "$CTX/On2.Dockerfile" "$CTX"
expect_rc 0 "a build FROM it"
expect_grep "$ERR" "^triggered$" "the RUN trigger ran"
expect_grep "$ERR" "^changed in the context$" "the COPY trigger read this build's context"
grep -q OnBuild "$LXR_DATA_DIR/images/blobs/sha256/${OUT#sha256:}" && fail "the triggers were carried on"

# RUN's network: with --network none loopback only, the host's with
# --network host; RUN --network=host needs the build to allow it (the
# default bridge: test_build_run.sh)
IFACE=$(tail -n +3 /proc/net/dev | cut -d: -f1 | tr -d ' ' | grep -vx lo | head -n 1)
printf 'FROM lxrtest/busybox:build\nRUN tail -n +3 /proc/net/dev | cut -d: -f1 | tr -d " "\n' \
	> "$CTX/Net.Dockerfile"
run build --no-cache --network none -f "$CTX/Net.Dockerfile" "$CTX"
expect_rc 0 "build without network"
[ "$(printf '%s\n' "$ERR" | grep -vE '^#|^sha256')" = "lo" ] || fail "RUN had a network: $ERR"
if [ -n "$IFACE" ]; then
	run build --no-cache --network host -f "$CTX/Net.Dockerfile" "$CTX"
	expect_rc 0 "build with the host's network"
	expect_grep "$ERR" "^$IFACE$" "RUN sees the host's interfaces"
fi
printf 'FROM lxrtest/busybox:build\nRUN --network=host true\n' > "$CTX/Net.Dockerfile"
run build -f "$CTX/Net.Dockerfile" "$CTX"
expect_rc 1 "RUN --network=host without --network host"
expect_grep "$ERR" "Net.Dockerfile:2:1: RUN --network=host needs lxr build --network=host" \
	"is refused with its position"

run build --check --target nope "$CTX"
expect_rc 2 "an unknown target"
expect_grep "$ERR" "Dockerfile: target stage nope could not be found" "the target error"
expect_grep "$ERR" "hint: the named stages are deps, build, unused" "the target hint"

printf 'FROM lxrtest/busybox:build\n\nCOPY --form=x a b\n' > "$CTX/Bad.Dockerfile"
run build -f "$CTX/Bad.Dockerfile" "$CTX"
expect_rc 2 "a bad Dockerfile"
expect_grep "$ERR" "error: $CTX/Bad.Dockerfile:3:6: unknown flag --form for COPY" "its position"
expect_grep "$ERR" "hint: COPY takes --from, --chown" "its hint"

# what a killed build left (its work directory, named for its dead pid)
# is swept by the next build
sh -c 'exit 0' &
DEAD=$!
wait "$DEAD"
mkdir -p "$LXR_DATA_DIR/build/.work.tmp.$DEAD/layers/0"
printf 'FROM lxrtest/busybox:build\nRUN echo step-output; exit 3\n' > "$CTX/Fail.Dockerfile"
run build -t lxrtest/failed:1 -f "$CTX/Fail.Dockerfile" "$CTX"
expect_rc 1 "a failing RUN"
expect_grep "$ERR" "Fail.Dockerfile:2:1: RUN echo step-output; exit 3: exit code 3" \
	"names the step and its code"
expect_grep "$ERR" "^step-output$" "a step's output is shown, on stderr"
[ -z "$OUT" ] || fail "stdout is for the image ID only: $OUT"
run images
printf '%s\n' "$OUT" | grep -q 'lxrtest/failed' && fail "a failed build tagged an image: $OUT"
[ -z "$(ls "$LXR_DATA_DIR/build" | grep -vxE 'cache|cache.lock')" ] || fail "a build left its work: $(ls "$LXR_DATA_DIR/build")"

# A hostile context: one COPY source leaves a link to a host file where the
# next source's directory of the same name goes (mode 4777, or --chmod):
# the link gives way to the directory, and the mode goes on the directory,
# never through the link onto the host file.
HCTX="$TEST_TMP/hostile"
mkdir -p "$HCTX/a" "$HCTX/b/x" "$HCTX/c/x"
echo "host file $$" >"$TEST_TMP/victim" && chmod 600 "$TEST_TMP/victim"
ln -s "$TEST_TMP/victim" "$HCTX/a/x"
chmod 4777 "$HCTX/b/x"
printf 'FROM lxrtest/busybox:build\nCOPY a b /dst/\nCOPY --chmod=4777 a c /dst2/\n' >"$HCTX/Dockerfile"
run build -t lxrtest/hostile:1 "$HCTX"
expect_rc 0 "a COPY whose sources put a directory over a link"
[ "$(stat -c %a "$TEST_TMP/victim")" = 600 ] || fail "COPY changed a host file's mode through a link: $(stat -c %a "$TEST_TMP/victim")"
run run --rm --network none lxrtest/hostile:1 /bin/sh -c 'stat -c "%F %a" /dst/x /dst2/x'
expect_out "directory 4777
directory 4777" "the directory took the link's place, with its mode"
pass "COPY's modes never go through a link a source left onto a host file"

# What .dockerignore leaves out stays out through a link to it (BuildKit
# never has the file to follow to), and the context's Dockerfile is looked
# up inside it: a link to a host file is no Dockerfile (a parse error would
# print the file's first line).
ICTX="$TEST_TMP/ignored"
mkdir -p "$ICTX/secrets"
echo "TOPSECRET $$" >"$ICTX/secrets/key"
printf 'secrets\n' >"$ICTX/.dockerignore"
ln -s secrets/key "$ICTX/link"
ln -s secrets "$ICTX/linkdir"
printf 'FROM lxrtest/busybox:build\nCOPY link /x\n' >"$ICTX/File.Dockerfile"
run build -f "$ICTX/File.Dockerfile" "$ICTX"
expect_rc 1 "COPY of a link to an ignored file"
expect_grep "$ERR" "link: a link to secrets/key, which .dockerignore leaves out" "says why"
printf 'FROM lxrtest/busybox:build\nCOPY linkdir /d/\n' >"$ICTX/Dir.Dockerfile"
run build -f "$ICTX/Dir.Dockerfile" "$ICTX"
expect_rc 1 "COPY of a link to an ignored directory"
expect_grep "$ERR" "linkdir: a link to secrets, which .dockerignore leaves out" "says why"
echo "root:SECRETHASH-$$:19000:0:99999:7:::" >"$TEST_TMP/shadow-like"
chmod 600 "$TEST_TMP/shadow-like"
ln -s "$TEST_TMP/shadow-like" "$ICTX/Dockerfile"
run build "$ICTX"
expect_rc 2 "a context whose Dockerfile links out of it"
echo "$ERR" | grep -q "SECRETHASH" && fail "the build printed the host file a Dockerfile link named: $ERR"
expect_grep "$ERR" "no Dockerfile in the build context" "it is not taken for the Dockerfile"
pass "links in a context reach neither what .dockerignore leaves out nor a host file as the Dockerfile"

run build -t 'Bad:Name' "$CTX"
expect_rc 2 "a bad tag"
run build "$TEST_TMP/nowhere"
expect_rc 2 "a missing context"
expect_grep "$ERR" "build context $TEST_TMP/nowhere: No such file" "names the context"
pass "lxr build: multi-stage build run, stored and checked"
