#!/bin/bash
# cmake/docgen.py on help texts of the shape every command's help takes
# (data/fake-lxr: usage lines, paragraphs, options with continuation lines,
# an Example: block, one text shared by two commands): lxr(1) renders
# without warnings and keeps every part; the completion data has each
# command's flags and what its arguments are.
# usage: test_docgen.sh DOCGEN COMPLETION_DIR
set -u
DOCGEN=$1
SRC=$2
HERE=$(cd "$(dirname "$0")" && pwd)
FAKE=$HERE/data/fake-lxr
tmp=$(mktemp -d)
trap 'rm -rf "$tmp"' EXIT
fail=0
check() { # check WHAT COMMAND...
	local what=$1
	shift
	if "$@"; then echo "ok: $what"; else echo "FAIL: $what"; fail=1; fi
}

for t in man groff; do
	if ! command -v $t >/dev/null; then
		echo "SKIP: $t is not installed (packaging/setup.sh installs man-db and groff-base)"
		exit 77
	fi
done
python3 "$DOCGEN" man1 "$FAKE" "$tmp/lxr.1" || exit 1
check "groff -ww is quiet" test -z "$(groff -man -ww -z "$tmp/lxr.1" 2>&1)"
text=$(MANWIDTH=100 man -l "$tmp/lxr.1" 2>/dev/null)
# shellcheck disable=SC2317 # called through check
has() { grep -qF -- "$1" <<<"$text"; }
check "a section per command" has "   lxr up"
check "a shared text is one section" has "   lxr pause, lxr unpause"
check "two usage lines" has "lxr cp [OPTIONS] SRC SERVICE:DEST"
check "a dot at a line start is text" has "with a dot .must not become a roff"
check "backslashes and quotes stay" has 'Backslashes \n stay, and so do "double" quotes.'
check "a continuation line joins its option" has "wait until every service is running or healthy, then return"
check "an option with its text on the next line" has "always follow symbol links in SRC"
check "the example" has "lxr up -d --wait"
check "Examples: keeps its word" has "Examples:"
check "the version" has "lxr 9.9.9"

python3 "$DOCGEN" complete "$FAKE" "$SRC/lxr.bash.in" "$tmp/lxr.bash" || exit 1
# shellcheck disable=SC1091
source "$tmp/lxr.bash"
check "up's flags" test "$(_lxr_flags up)" = "-d --detach --wait --no-build --pull --timeout -h --help"
check "up's options taking a value" test "$(_lxr_argflags up)" = "--pull --timeout"
check "pause and unpause share a text" test "$(_lxr_flags unpause)" = "-p --project-name -h --help"
check "cp's flags" test "$(_lxr_flags cp)" = "-a --archive -L --follow-link -h --help"
check "SERVICE... arguments" test "$(_lxr_positional pause)" = "services+"
# shellcheck disable=SC2154 # _lxr_commands: set by the generated script
check "commands" test "$_lxr_commands" = "up pause unpause cp help compose"
for sh in zsh fish; do
	python3 "$DOCGEN" complete "$FAKE" "$SRC/lxr.$sh.in" "$tmp/out.$sh" || fail=1
done
exit $fail
