#!/bin/bash
# `cmake --install` into a DESTDIR puts exactly these files in place.
# usage: test_install.sh BUILD_DIR
set -u
BUILD=$1
dest=$(mktemp -d)
trap 'rm -rf "$dest"' EXIT
if ! DESTDIR=$dest cmake --install "$BUILD" --prefix /usr >"$dest.log" 2>&1; then
	cat "$dest.log"
	rm -f "$dest.log"
	echo "FAIL: cmake --install"
	exit 1
fi
rm -f "$dest.log"
want="usr/bin/lxr
usr/bin/lxr-image
usr/lib/systemd/system/lxr.service
usr/lib/systemd/system/lxr@.service
usr/share/bash-completion/completions/lxr
usr/share/doc/lxr/LICENSE
usr/share/doc/lxr/README.md
usr/share/fish/vendor_completions.d/lxr.fish
usr/share/man/man1/lxr.1
usr/share/man/man5/lxr-stack.5
usr/share/man/man5/lxr.conf.5
usr/share/zsh/site-functions/_lxr"
got=$(cd "$dest" && find . -type f ! -path './usr/share/doc/lxr/docs/*' | sed 's|^\./||' | sort)
fail=0
if [ "$got" != "$want" ]; then
	echo "FAIL: installed files differ:"
	diff <(echo "$want") <(echo "$got")
	fail=1
fi
# the docs/ pages beside README.md, so its links resolve
n=$(find "$dest/usr/share/doc/lxr/docs" -name '*.md' | wc -l)
[ "$n" -gt 0 ] || { echo "FAIL: no docs/*.md installed"; fail=1; }
# the unit runs the lxr installed beside it, on the stack named after it
unit="$dest/usr/lib/systemd/system/lxr@.service"
grep -qx 'ExecStart=/usr/bin/lxr up -f /etc/lxr/stacks/%i.yaml' "$unit" ||
	{ echo "FAIL: lxr@.service ExecStart: $(grep ExecStart "$unit")"; fail=1; }
grep -qx 'Type=notify' "$unit" || { echo "FAIL: lxr@.service is not Type=notify"; fail=1; }
if command -v systemd-analyze >/dev/null && ! systemd-analyze verify "$unit" >/dev/null 2>&1; then
	# verify needs the ExecStart binary where the unit says: only where
	# systemd itself runs is its verdict about this file alone
	[ -d /run/systemd/system ] && { echo "FAIL: systemd-analyze verify lxr@.service"; fail=1; }
fi
# lxr.service: the boot stacks, `lxr boot` as its notify main process
boot="$dest/usr/lib/systemd/system/lxr.service"
grep -qx 'ExecStart=/usr/bin/lxr boot' "$boot" ||
	{ echo "FAIL: lxr.service ExecStart: $(grep ExecStart "$boot")"; fail=1; }
grep -qx 'Type=notify' "$boot" || { echo "FAIL: lxr.service is not Type=notify"; fail=1; }
[ -x "$dest/usr/bin/lxr" ] || { echo "FAIL: lxr not executable"; fail=1; }
"$dest/usr/bin/lxr" --version | grep -q "^lxr version" || { echo "FAIL: installed lxr --version"; fail=1; }
[ $fail = 0 ] && echo "ok: installed $(echo "$want" | wc -l) files and $n docs pages"
exit $fail
