#!/bin/bash
# What a build runs although its steps are cached, as docker's builder has
# it: --no-cache reruns every step and what it made is what later builds
# find, while the cache entries it ran over stay as they were (a build
# beside it may be reading them); --no-cache-filter (compose's
# build.no_cache_filter) reruns one stage's steps only, and what is built
# on that stage (FROM it, COPY --from it) follows its new files; --ulimit
# (compose's build.ulimits) sets the RUN steps' rlimits.
. "$(dirname "$0")/lib.sh"

run import -c 'CMD ["/bin/sh"]' "$ROOTFS" lxrtest/busybox:nocache
expect_rc 0 "import the base image"
CTX="$TEST_TMP/ctx"
mkdir -p "$CTX"
cat > "$CTX/Dockerfile" <<'D'
FROM lxrtest/busybox:nocache AS a
RUN cat /proc/sys/kernel/random/uuid > /a
FROM a AS c
RUN cp /a /c
FROM lxrtest/busybox:nocache AS b
RUN cat /proc/sys/kernel/random/uuid > /b
COPY --from=a /a /a
COPY --from=c /c /c
D
files() { "$LXR" run --rm --network none "$1" cat /a /b /c | tr '\n' ' '; }
field() { echo "$1" | cut -d' ' -f"$2"; }
build() { # TAG [OPTIONS...]
	local tag=$1
	shift
	run build --network none -t "$tag" "$@" "$CTX"
	expect_rc 0 "build $tag $*"
}
cached_with() { grep -rlsF "$1" "$LXR_DATA_DIR/build/cache" | head -n1; }

build lxrtest/nc:1
first=$(files lxrtest/nc:1)
build lxrtest/nc:2
[ "$(files lxrtest/nc:2)" = "$first" ] || fail "a plain rebuild did not come from the cache"
[ "$(field "$first" 1)" = "$(field "$first" 3)" ] || fail "stage c does not hold stage a's file: $first"
build lxrtest/nc:3 --no-cache
fresh=$(files lxrtest/nc:3)
[ "$(field "$fresh" 1)" != "$(field "$first" 1)" ] && [ "$(field "$fresh" 2)" != "$(field "$first" 2)" ] ||
	fail "--no-cache kept a cached step's files: [$first] then [$fresh]"
[ -n "$(cached_with "$(field "$first" 1)")" ] ||
	fail "--no-cache changed the cache entry it ran over (a build beside it may read it)"
build lxrtest/nc:4
[ "$(files lxrtest/nc:4)" = "$fresh" ] ||
	fail "the build after --no-cache found the old cache entries, not what --no-cache made"
expect_grep "$ERR" "CACHED RUN cp /a /c" "the build after it is all from the cache"
pass "--no-cache reruns every step; later builds find what it made; the old entries stay"

build lxrtest/nc:5 --no-cache-filter a
expect_grep "$ERR" "CACHED RUN cat /proc/sys/kernel/random/uuid > /b" "stage b's RUN still comes from the cache"
! printf '%s\n' "$ERR" | grep -q "CACHED RUN cat /proc/sys/kernel/random/uuid > /a" ||
	fail "stage a's RUN came from the cache: $ERR"
! printf '%s\n' "$ERR" | grep -q "CACHED RUN cp /a /c" ||
	fail "stage c, FROM the rerun stage a, came from the cache over a's old files: $ERR"
now=$(files lxrtest/nc:5)
[ "$(field "$now" 1)" != "$(field "$fresh" 1)" ] || fail "--no-cache-filter a kept stage a's files"
[ "$(field "$now" 2)" = "$(field "$fresh" 2)" ] || fail "--no-cache-filter a reran stage b's RUN"
[ "$(field "$now" 3)" = "$(field "$now" 1)" ] || fail "stage c holds stage a's old file: $now"
run build --network none --no-cache-filter nosuch -t lxrtest/nc:6 "$CTX"
expect_rc 0 "a filter naming no stage"
expect_grep "$ERR" "no-cache filter nosuch: the Dockerfile has no such stage" "it is said"
run builder prune -f
expect_rc 0 "builder prune"
[ -z "$(ls -A "$LXR_DATA_DIR/build/cache" 2>/dev/null)" ] ||
	fail "prune left cache entries or links: $(ls -A "$LXR_DATA_DIR/build/cache")"
pass "--no-cache-filter reruns that stage only; FROM and COPY --from it follow its new files"

cat > "$CTX/Dockerfile" <<'D'
FROM lxrtest/busybox:nocache
RUN echo "$(ulimit -Sn) $(ulimit -Hn)" > /limits
D
build lxrtest/ul:1 --ulimit nofile=321:654
run run --rm --network none lxrtest/ul:1 cat /limits
expect_out "321 654" "the RUN step's nofile limits"
run build --network none --ulimit nofile=9:8 -t lxrtest/ul:2 "$CTX"
expect_rc 2 "a soft limit over the hard one"
expect_grep "$ERR" "ulimit nofile=9:8" "the bad ulimit is named"
run build --network none --ulimit nofle=9 -t lxrtest/ul:2 "$CTX"
expect_rc 2 "an unknown ulimit name"
pass "--ulimit sets the RUN steps' rlimits; a bad one is refused before anything runs"

# compose's build.ulimits and build.no_cache_filter, through lxr build: the
# same RUN with other limits is another step, not the cached one
stack <<Y
name: nocache$$
services:
  app:
    image: lxrtest/ul:compose
    build:
      context: $CTX
      network: none
      no_cache_filter: [nosuch]
      ulimits:
        nofile: {soft: 111, hard: 222}
Y
run -f "$STACK" build
expect_rc 0 "compose build with ulimits and no_cache_filter"
expect_grep "$ERR" "no-cache filter nosuch" "the filter reaches the builder"
run run --rm --network none lxrtest/ul:compose cat /limits
expect_out "111 222" "build.ulimits are the RUN step's"
pass "compose's build.ulimits and build.no_cache_filter are the builder's"
