#!/bin/bash
# The generated man pages render without a warning from man or groff, and
# lxr(1) has a section for every command `lxr --help` lists.
# usage: test_man.sh LXR MAN_DIR
set -u
LXR=$1
MAN_DIR=$2
fail=0
for t in man groff; do
	if ! command -v $t >/dev/null; then
		echo "SKIP: $t is not installed (packaging/setup.sh installs man-db and groff-base)"
		exit 77
	fi
done
for page in lxr.1 lxr-stack.5 lxr.conf.5; do
	f=$MAN_DIR/$page
	[ -s "$f" ] || { echo "FAIL: $f missing or empty"; fail=1; continue; }
	for width in 80 60; do
		w=$(MANWIDTH=$width man --warnings -l "$f" 2>&1 >/dev/null)
		[ -z "$w" ] || { echo "FAIL: man --warnings $page (width $width): $w"; fail=1; }
	done
	w=$(groff -man -ww -z "$f" 2>&1)
	[ -z "$w" ] || { echo "FAIL: groff -ww $page: $w"; fail=1; }
done
text=$(MANWIDTH=200 man -l "$MAN_DIR/lxr.1" 2>/dev/null)
cmds=$("$LXR" --help | awk '/^commands:/ { f = 1; next } f && /^  [a-z]/ { print $1 } f && /^$/ { f = 0 }')
[ -n "$cmds" ] || { echo "FAIL: no commands in lxr --help"; exit 1; }
for c in $cmds; do
	[ "$c" = help ] && continue # `lxr help` is the page itself
	# a subsection heading: "lxr up", or "lxr ps, lxr stop, ..." for a shared text
	if ! grep -Eq "^   (.*, )?lxr $c(,|$)" <<<"$text"; then
		echo "FAIL: lxr(1) has no section for \"$c\""
		fail=1
	fi
	# and the command's usage line, as its help prints it
	u=$("$LXR" help "$c" | head -1 | sed 's/^usage: //')
	if ! grep -qF -- "$u" <<<"$text"; then
		echo "FAIL: lxr(1) lacks \"$c\"'s usage line: $u"
		fail=1
	fi
done
grep -q "^SEE ALSO" <<<"$text" || { echo "FAIL: lxr(1) has no SEE ALSO"; fail=1; }
[ $fail = 0 ] && echo "ok: lxr(1), lxr-stack(5), lxr.conf(5) render cleanly; every command has its section"
exit $fail
