#!/bin/bash
# Without root, every command but config says that lxr needs root, once and
# before it touches anything, instead of a bare EPERM or "project is not up";
# --help, version and config still work. Runs lxr as nobody (setpriv); needs
# root only to become nobody.
set -euo pipefail
: "${LXR:?path to the lxr binary}"
fail() { echo "FAIL: $*"; exit 1; }
if ! command -v setpriv >/dev/null; then
	echo "SKIP: setpriv (util-linux) is not installed"
	exit 77
fi
if [ "$(id -u)" -ne 0 ]; then
	echo "SKIP: becoming nobody needs root"
	exit 77
fi
# The build directory may not be reachable by nobody: run a copy.
tmp=$(mktemp -d /tmp/lxr-test-root.XXXXXX)
trap 'rm -rf "$tmp"' EXIT
cp "$LXR" "$tmp/lxr"
chmod 755 "$tmp" "$tmp/lxr"
printf 'services:\n  web: {image: ./rootfs}\n' >"$tmp/compose.yaml"
chmod 644 "$tmp/compose.yaml"
as_nobody() { (cd "$tmp" && setpriv --reuid=nobody --regid=nogroup --clear-groups "$tmp/lxr" "$@"); }

for cmd in ps up down run exec logs stop kill images pull rm; do
	set +e
	out=$(as_nobody "$cmd" 2>&1)
	rc=$?
	set -e
	[ "$rc" -eq 1 ] || fail "lxr $cmd as nobody: exit $rc, want 1 ($out)"
	want="lxr: $cmd needs root (lxr has no rootless mode yet): run it with sudo"
	[ "$out" = "$want" ] || fail "lxr $cmd as nobody: got [$out], want [$want]"
done
echo "ok - every command that needs root says so, exit 1"

as_nobody ps --help | grep -q . || fail "lxr ps --help as nobody printed nothing"
as_nobody version | grep -q '^lxr ' || fail "lxr version as nobody"
as_nobody --help | grep -q '^usage: lxr' || fail "lxr --help as nobody"
out=$(as_nobody config 2>&1) || fail "lxr config as nobody: $out"
grep -q '^  web:' <<<"$out" || fail "lxr config as nobody: $out"
echo "ok - --help, version and config work without root"
