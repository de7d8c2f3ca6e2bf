#!/bin/bash
# lxr build as far as it goes today: a multi-stage Dockerfile over an
# imported busybox image is read, its stages planned and checked (--check,
# --target, --build-arg); errors name the Dockerfile position; a build that
# would have to run steps is refused as not supported yet and leaves the
# store as it was.
. "$(dirname "$0")/lib.sh"

run import -c 'CMD ["/bin/sh"]' "$ROOTFS" lxrtest/busybox:build
expect_rc 0 "import the base image"
CTX="$TEST_TMP/ctx"
mkdir -p "$CTX"
cat > "$CTX/Dockerfile" <<'D'
# syntax=docker/dockerfile:1
ARG BASE=lxrtest/busybox
FROM ${BASE}:build AS deps
RUN <<EOF
echo deps > /deps
EOF
FROM deps AS Build
COPY --from=0 /deps /out/deps
RUN rm /deps
FROM scratch AS unused
FROM lxrtest/busybox:build
ENV GREETING=hello
WORKDIR /srv
USER 1000
COPY --from=build /out /out
CMD ["/bin/sh", "-c", "echo $GREETING"]
D

run build --check -t lxrtest/built:1 "$CTX"
expect_rc 0 "build --check"
expect_out "stage 0 deps: FROM lxrtest/busybox:build, 1 instruction, lines 3-6
stage 1 build: FROM deps (stage 0), 2 instructions, lines 7-9
stage 2 unused: FROM scratch, 0 instructions, lines 10-10, not needed
stage 3: FROM lxrtest/busybox:build, 5 instructions, lines 11-16, the target" "the stages"
expect_grep "$ERR" "# syntax=docker/dockerfile:1 ignored" "the syntax directive is noted"

run build --check --target BUILD --build-arg BASE=other --build-arg NOPE=1 "$CTX"
expect_rc 0 "build --check --target"
expect_grep "$OUT" "^stage 0 deps: FROM other:build," "--build-arg reaches FROM"
expect_grep "$OUT" "lines 7-9, the target$" "--target picks the stage"
expect_grep "$ERR" "warning: --build-arg NOPE: no ARG declares it" "an unused build arg is named"

run build --check --target nope "$CTX"
expect_rc 2 "an unknown target"
expect_grep "$ERR" "Dockerfile: target stage nope could not be found" "the target error"
expect_grep "$ERR" "hint: the named stages are deps, build, unused" "the target hint"

printf 'FROM lxrtest/busybox:build\n\nCOPY --form=x a b\n' > "$CTX/Bad.Dockerfile"
run build -f "$CTX/Bad.Dockerfile" "$CTX"
expect_rc 2 "a bad Dockerfile"
expect_grep "$ERR" "error: $CTX/Bad.Dockerfile:3:6: unknown flag --form for COPY" "its position"
expect_grep "$ERR" "hint: COPY takes --from, --chown" "its hint"

run build -t lxrtest/built:1 "$CTX"
expect_rc 1 "a build that needs its steps run"
expect_grep "$ERR" "running a Dockerfile's steps is not supported yet" "says it is not there yet"
run images --format json
expect_rc 0 "images"
printf '%s\n' "$OUT" | grep -q 'lxrtest/built' && fail "a refused build tagged an image: $OUT"
[ "$(printf '%s\n' "$OUT" | grep -c .)" -eq 1 ] || fail "the store changed: $OUT"

run build -t 'Bad:Name' "$CTX"
expect_rc 2 "a bad tag"
run build "$TEST_TMP/nowhere"
expect_rc 2 "a missing context"
expect_grep "$ERR" "build context $TEST_TMP/nowhere: No such file" "names the context"
pass "lxr build: parse, plan and check; steps refused as not yet supported"
