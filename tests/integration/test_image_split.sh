#!/bin/bash
# lxr and lxr-image: lxr links no network or archive library; pull, push, load, save and
# import run in lxr-image beside it (found through the real path of lxr,
# reading the same lxr.conf); lxr run re-unpacks a removed layer directory
# through lxr-image; without lxr-image the error names the path looked at,
# and everything that needs no tool still works.
. "$(dirname "$0")/lib.sh"

BIN=$(dirname "$(readlink -f "$LXR")")
TOOL="$BIN/lxr-image"

[ -x "$TOOL" ] || fail "lxr-image is not built beside lxr ($TOOL)"
libs=$(ldd "$LXR")
for l in libcurl libarchive libcrypto libssl libxml2 libicu libgnutls libkrb5 libldap; do
	printf '%s\n' "$libs" | grep -q "$l" && fail "lxr links $l: $(printf '%s\n' "$libs" | grep "$l")"
done
ldd "$TOOL" | grep -q libcurl || fail "lxr-image does not link libcurl: $(ldd "$TOOL")"
ldd "$TOOL" | grep -q libarchive || fail "lxr-image does not link libarchive"
pass "lxr links neither libcurl nor libarchive nor libcrypto; lxr-image does"

# its own six libraries come from their archives where the system has them
# (CMakeLists.txt): one shared object fewer each to load at every command
multiarch=$(gcc -print-multiarch 2>/dev/null || true)
for l in yaml inih cap seccomp jansson nettle; do
	[ -n "$multiarch" ] && [ -e "/usr/lib/$multiarch/lib$l.a" ] || continue
	printf '%s\n' "$libs" | grep -q "lib$l[.-]" &&
		fail "lxr loads lib$l shared although /usr/lib/$multiarch/lib$l.a is there: $(printf '%s\n' "$libs" | grep "lib$l")"
done
pass "lxr links its own libraries from their archives"

# and, with all of them and glibc's archive there, glibc too: a static PIE
# (CMakeLists.txt), unless the build is for the sanitizers or the fuzzers
cache="$LXR_BUILD_DIR/CMakeCache.txt"
if [ -n "$multiarch" ] && [ -e "/usr/lib/$multiarch/libc.a" ] && [ -f "$cache" ] &&
	! grep -Eq '^LXR_(SANITIZE|FUZZ|STATIC):BOOL=ON' "$cache"; then
	all=true
	for l in yaml inih cap seccomp jansson nettle; do
		[ -e "/usr/lib/$multiarch/lib$l.a" ] || all=false
	done
	if $all; then
		readelf -lW "$LXR" | grep -q INTERP && fail "lxr has a dynamic loader although every archive is there: $libs"
		readelf -hW "$LXR" | grep -q 'DYN (Position-Independent' ||
			fail "lxr is not position-independent: $(readelf -hW "$LXR" | grep Type)"
		pass "lxr is a static PIE: no dynamic loader at each command, addresses still randomised"
	fi
fi

# arguments reach lxr-image unchanged, spaces and quotes and all (ENV
# as a Dockerfile's: an unquoted "hello there" would be two words)
run import -c 'ENV GREETING="hello there"' -c 'CMD ["/bin/sh","-c","echo $GREETING"]' "$ROOTFS" split:1
expect_rc 0 "lxr import through lxr-image"
expect_out "Imported split:1" "lxr import through lxr-image"
run run --rm --name "$(cname env)" split:1
expect_out "hello there" "an --change argument with spaces passed through"
run pull --help
expect_rc 0 "lxr pull --help"
expect_grep "$OUT" "^usage: lxr pull" "lxr pull --help comes from lxr-image"
pass "lxr import and lxr pull run lxr-image with their arguments as given"

# lxr found through a symlink elsewhere still finds lxr-image beside the real binary
mkdir -p "$TEST_TMP/link"
ln -s "$LXR" "$TEST_TMP/link/lxr"
set +e
out=$("$TEST_TMP/link/lxr" pull --help 2>&1)
rc=$?
set -e
[ "$rc" -eq 0 ] || fail "lxr through a symlink: pull --help: rc $rc: $out"
pass "a symlinked lxr finds lxr-image beside the real binary"

# lxr.conf's data_dir: lxr-image reads it too, so both see one store
unset LXR_DATA_DIR
printf '[paths]\ndata_dir = %s\n' "$TEST_TMP/confdata" > "$LXR_CONFIG"
run import "$ROOTFS" conf:1
expect_rc 0 "import with data_dir from lxr.conf"
[ -d "$TEST_TMP/confdata/images/layers" ] || fail "lxr-image ignored lxr.conf's data_dir"
run images
expect_grep "$OUT" "conf +1" "lxr images sees what lxr-image stored by lxr.conf"
export LXR_DATA_DIR="$TEST_TMP/data"
rm -f "$LXR_CONFIG"
pass "lxr and lxr-image agree on the store named in lxr.conf"

# a removed layer directory: lxr run has lxr-image unpack it again from its blob
layer=$(find "$LXR_DATA_DIR/images/layers" -mindepth 1 -maxdepth 1 -type d)
[ "$(printf '%s\n' "$layer" | wc -l)" -eq 1 ] || fail "expected one layer: $layer"
rm -rf "$layer"
run run --rm --name "$(cname repair)" split:1 cat /etc/motd
expect_rc 0 "run with its layer directory removed"
expect_grep "$OUT" "lxr base image" "run after the layer was unpacked again"
[ -d "$layer" ] || fail "layer directory not restored: $layer"
pass "lxr run unpacks a removed layer directory again (through lxr-image)"

# lxr alone, without lxr-image beside it
mkdir -p "$TEST_TMP/alone"
cp "$LXR" "$TEST_TMP/alone/lxr"
for cmd in "pull busybox:1" "load -i $TEST_TMP/none.tar" "import $ROOTFS x:1" \
	"save -o $TEST_TMP/x.tar split:1" "push localhost:1/split:1"; do
	set +e
	# shellcheck disable=SC2086
	"$TEST_TMP/alone/lxr" $cmd >/dev/null 2>"$TEST_TMP/err"
	rc=$?
	set -e
	err=$(cat "$TEST_TMP/err")
	[ "$rc" -eq 1 ] || fail "lxr ${cmd%% *} without lxr-image: rc $rc, expected 1 ($err)"
	expect_grep "$err" "$TEST_TMP/alone/lxr-image: No such file" "lxr ${cmd%% *} names the path looked at"
	expect_grep "$err" "hint: .*installed in the same directory as lxr" "lxr ${cmd%% *} hint"
done
set +e
"$TEST_TMP/alone/lxr" run --rm --name "$(cname alone)" nosuch:1 true >/dev/null 2>"$TEST_TMP/err"
rc=$?
set -e
[ "$rc" -eq 125 ] || fail "lxr run of a missing image without lxr-image: rc $rc, expected 125"
expect_grep "$(cat "$TEST_TMP/err")" "pull nosuch:1: $TEST_TMP/alone/lxr-image" "lxr run names the lxr-image it looked for"
set +e
out=$("$TEST_TMP/alone/lxr" run --rm --name "$(cname alone2)" split:1 echo still-runs 2>"$TEST_TMP/err")
rc=$?
set -e
# stdout only: on a host with ip_forward=0 stderr carries lxr's warning that it enabled forwarding
[ "$rc" -eq 0 ] && [ "$out" = "still-runs" ] || fail "lxr run of a stored image without lxr-image: rc $rc: $out $(cat "$TEST_TMP/err")"
"$TEST_TMP/alone/lxr" images | grep -q "split" || fail "lxr images without lxr-image"
"$TEST_TMP/alone/lxr" tag split:1 split:alone >/dev/null || fail "lxr tag without lxr-image"
"$TEST_TMP/alone/lxr" images | grep -q "alone" || fail "lxr tag without lxr-image made no name"
pass "without lxr-image: pull, push, load, save, import and pulling a missing image say where lxr-image was looked for; stored images still run and tag"
