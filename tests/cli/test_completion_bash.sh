#!/bin/bash
# The generated bash completion, driven as bash drives it: COMP_WORDS and
# COMP_CWORD set, _lxr called, COMPREPLY checked. Service names come from
# the lxr under test (`config --services`, which needs no root) in a
# temporary project directory.
# usage: test_completion_bash.sh LXR COMPLETION_FILE
set -u
LXR=$(realpath "$1")
COMPLETION=$(realpath "$2")
fail=0
tmp=$(mktemp -d)
trap 'rm -rf "$tmp"' EXIT
# lxr's directories: the test's own, never the host's projects or images
export LXR_RUN_DIR=$tmp/run LXR_LOG_DIR=$tmp/log LXR_DATA_DIR=$tmp/data LXR_CONFIG=$tmp/lxr.conf

# shellcheck disable=SC1090
source "$COMPLETION" || { echo "FAIL: sourcing $COMPLETION"; exit 1; }
_lxr_bin=$LXR

# complete WORD... : the last word is the one under the cursor
complete_line() {
	COMP_WORDS=(lxr "$@")
	COMP_CWORD=$((${#COMP_WORDS[@]} - 1))
	COMPREPLY=()
	_lxr
	printf '%s\n' "${COMPREPLY[@]}" | sort | tr '\n' ' ' | sed 's/ $//'
}

expect() { # expect "WANTED" WORD...
	local want=$1 got
	shift
	got=$(complete_line "$@")
	if [ "$got" != "$want" ]; then
		echo "FAIL: lxr $*<TAB>: got [$got], want [$want]"
		fail=1
	else
		echo "ok: lxr $*<TAB> -> $got"
	fi
}

expect_has() { # expect_has WORD_WANTED WORD...
	local want=$1 got
	shift
	got=" $(complete_line "$@") "
	case $got in
	*" $want "*) echo "ok: lxr $*<TAB> offers $want" ;;
	*) echo "FAIL: lxr $*<TAB>: [$got] lacks $want"; fail=1 ;;
	esac
}

cd "$tmp" || exit 1
commands=$("$LXR" --help | awk '/^commands:/ { f = 1; next } f && /^  [a-z]/ { print $1 } f && /^$/ { f = 0 }')
# shellcheck disable=SC2086 # one command a word
with() { printf '%s\n' $commands compose | grep "^$1" | sort | tr '\n' ' ' | sed 's/ $//'; }
# commands (those `lxr --help` lists, and compose), and global options
expect "$(with u)" u
expect_has up u
expect "$(with r)" r
expect_has run r
expect_has --project-directory --project-
expect "$(with co)" co
# `lxr compose CMD` is `lxr CMD`
expect "$(with u)" compose u
# a command's flags, read from its help at build time
expect "--no-color --no-log-prefix" logs --no-
# up's --no-* flags, as many as its help names
expect "$("$LXR" help up | grep -oE -- '--no-[a-z-]+' | sort -u | tr '\n' ' ' | sed 's/ $//')" up --no-
expect "--remove-orphans" up --remove-
expect_has --wait up --wai
expect_has --wait-timeout up --wai
expect_has -T exec -
expect "--volumes" down --vol
# an option's choices
expect "json yaml" config --format ""
expect "tcp udp" port --protocol ""
# bash splits --format=: the words --format, = and what follows
expect "json yaml" config --format =
expect "json" config --format = j
# every command lxr --help lists is offered
for c in $commands; do
	expect_has "$c" ""
done

# service names of the stack in the current directory
mkdir -p rootfs
cat >compose.yaml <<'YAML'
services:
  web:
    image: ./rootfs
  db:
    image: ./rootfs
  worker:
    image: ./rootfs
YAML
expect "db web worker" up ""
expect "web worker" logs w
expect "db web worker" stop db ""
expect "web" exec we
# exec takes one SERVICE, then the command: nothing is offered for it
expect "" exec web ""
# ... or of the file given earlier on the line, globally or to the command
mkdir other
cat >other/other.yaml <<'YAML'
services:
  api:
    image: ../rootfs
  cache:
    image: ../rootfs
YAML
expect "api cache" -f other/other.yaml up ""
expect "api cache" up -f other/other.yaml ""
expect "api cache" compose --file other/other.yaml restart ""
expect "api cache" --file = other/other.yaml stop ""
expect "api cache" logs --file = other/other.yaml ""
expect "api cache" --project-directory other -f other/other.yaml ps ""
# a file for -f
expect "compose.yaml" up -f comp
# `lxr help COMMAND`
expect "$(with im)" help im

# a broken stack file: no names and nothing on the terminal
echo "services: [" >compose.yaml
out=$(complete_line up "" 2>&1)
if [ -n "$out" ]; then
	echo "FAIL: broken stack file: [$out]"
	fail=1
fi
exit $fail
