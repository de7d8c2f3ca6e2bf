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
[ -x "$dest/usr/bin/lxr" ] || { echo "FAIL: lxr not executable"; fail=1; }
"$dest/usr/bin/lxr" --version | grep -q "^lxr version" || { echo "FAIL: installed lxr --version"; fail=1; }
[ $fail = 0 ] && echo "ok: installed $(echo "$want" | wc -l) files and $n docs pages"
exit $fail
