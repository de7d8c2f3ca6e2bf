#!/bin/bash
# Without root, every command but config runs rootless (docs/rootless.md):
# a user without subordinate ranges (nobody) is told, once and before
# anything is touched, what to add, instead of a bare EPERM or "project is
# not up"; --help, version and config still work. Runs lxr as nobody
# (setpriv); needs root only to become nobody. test_rootless.sh has a user
# with ranges.
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
mkdir "$tmp/rt"
chown nobody "$tmp/rt"
chmod 700 "$tmp/rt"
grep -q '^nobody:' /etc/subuid 2>/dev/null && { echo "SKIP: nobody has subordinate ranges here"; exit 77; }
as_nobody() { (cd "$tmp" && XDG_RUNTIME_DIR="$tmp/rt" setpriv --reuid=nobody --regid=nogroup --clear-groups "$tmp/lxr" "$@"); }

for cmd in ps up down run exec logs stop kill images pull rm; do
	set +e
	out=$(as_nobody "$cmd" 2>&1)
	rc=$?
	set -e
	[ "$rc" -eq 1 ] || fail "lxr $cmd as nobody: exit $rc, want 1 ($out)"
	grep -q "^lxr: error: rootless lxr: user nobody has no subordinate range in /etc/subuid" <<<"$out" ||
		fail "lxr $cmd as nobody: got [$out], want the missing range named"
	grep -q "usermod --add-subuids 100000-165535 --add-subgids 100000-165535 nobody" <<<"$out" ||
		fail "lxr $cmd as nobody: got [$out], want the usermod line"
	[ "$(grep -c . <<<"$out")" -eq 2 ] || fail "lxr $cmd as nobody: one error and its hint, got [$out]"
done
[ -z "$(ls -A "$tmp/rt/lxr" 2>/dev/null | grep -v pause.lock)" ] || fail "state left: $(ls -A "$tmp/rt/lxr")"
echo "ok - every command says what a user without ranges must add, exit 1"

# captured whole: a grep -q that has its line quits, and the rest of a
# long text would then meet a closed pipe (SIGPIPE, and pipefail's failure)
out=$(as_nobody ps --help)
grep -q . <<<"$out" || fail "lxr ps --help as nobody printed nothing"
out=$(as_nobody version)
grep -q '^lxr ' <<<"$out" || fail "lxr version as nobody"
out=$(as_nobody --help)
grep -q '^usage: lxr' <<<"$out" || fail "lxr --help as nobody"
out=$(as_nobody config 2>&1) || fail "lxr config as nobody: $out"
grep -q '^  web:' <<<"$out" || fail "lxr config as nobody: $out"
echo "ok - --help, version and config work without root"
