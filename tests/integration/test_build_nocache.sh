#!/bin/bash
# What a build runs although its steps are cached, as docker's builder has
# it: --no-cache reruns every step and what it made is what later builds
# find, while the cache entries it ran over stay as they were (a build
# beside it may be reading them); --no-cache-filter (compose's
# build.no_cache_filter) reruns one stage's steps only, and what is built
# on that stage (FROM it, COPY --from it) follows its new files; --ulimit
# (compose's build.ulimits) sets the RUN steps' rlimits, -m their memory
# limit; compose build --check checks each service's Dockerfile.
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

# -m (docker build's, compose build --memory): the RUN steps' memory
# cgroup; the builder's options lxr has no use for warn, --print refuses
cat > "$CTX/Dockerfile" <<'D'
FROM lxrtest/busybox:nocache
RUN (cat /sys/fs/cgroup/memory.max 2>/dev/null || cat /sys/fs/cgroup/memory/memory.limit_in_bytes) > /mem
D
build lxrtest/mem:1 -m 64m --provenance=false --sbom=false
! printf '%s\n' "$ERR" | grep -q warning || fail "--provenance=false/--sbom=false warned: $ERR"
run run --rm --network none lxrtest/mem:1 cat /mem
expect_out 67108864 "the RUN step's memory limit with -m 64m"
run build --network none -m 1k -t lxrtest/mem:2 "$CTX"
expect_rc 2 "a memory limit under docker's 6m"
expect_grep "$ERR" 'build --memory "1k"' "the bad limit is named"
build lxrtest/mem:2 --builder other --ssh default --provenance=mode=max
expect_grep "$ERR" "warning: build --builder other: lxr has one builder" "--builder warns"
expect_grep "$ERR" "warning: build --ssh default: lxr's builder forwards no SSH agent" "--ssh warns"
expect_grep "$ERR" "warning: build --provenance=mode=max: lxr's builder makes no attestations" "--provenance warns"
run build --print "$CTX"
expect_rc 2 "--print"
expect_grep "$ERR" "no bake file" "--print says why"
run build --push "$CTX"
expect_rc 2 "--push without a tag"
expect_grep "$ERR" "tag is needed when pushing" "--push without -t says so, as docker"
pass "build -m limits the RUN steps' memory; --builder, --ssh, --provenance warn; --print refused"

stack <<Y
name: buildmem$$
services:
  app:
    image: lxrtest/mem:compose
    build:
      context: $CTX
      network: none
Y
run -f "$STACK" build --memory 32m --no-cache
expect_rc 0 "compose build --memory"
run run --rm --network none lxrtest/mem:compose cat /mem
expect_out 33554432 "compose build --memory is the RUN step's limit"
run -f "$STACK" build --check
expect_rc 0 "compose build --check"
expect_grep "$OUT" "^service app: Dockerfile \(context $CTX\)" "--check names each service's Dockerfile"
expect_grep "$OUT" "stage 0: FROM lxrtest/busybox:nocache" "--check prints its stages"
printf '%s\n' "$ERR" | grep -q "#0 RUN" && fail "build --check ran a step: $ERR"
pass "compose build --memory and --check, per service"
