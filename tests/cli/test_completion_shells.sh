#!/bin/bash
# The generated zsh and fish completions parse, and fish (which can be
# driven from a script: `complete -C`) offers commands, flags and service
# names. packaging/setup.sh installs both shells; without them the test is
# skipped, saying which is missing.
# usage: test_completion_shells.sh LXR ZSH_FILE FISH_FILE
set -u
LXR=$(realpath "$1")
ZSH_FILE=$(realpath "$2")
FISH_FILE=$(realpath "$3")
fail=0
for sh in zsh fish; do
	if ! command -v $sh >/dev/null; then
		echo "SKIP: $sh is not installed (packaging/setup.sh installs it)"
		exit 77
	fi
done
zsh -n "$ZSH_FILE" || { echo "FAIL: zsh -n $ZSH_FILE"; fail=1; }
fish -n "$FISH_FILE" || { echo "FAIL: fish -n $FISH_FILE"; fail=1; }
tmp=$(mktemp -d)
trap 'rm -rf "$tmp"' EXIT
# lxr's directories: the test's own, never the host's projects or images
export LXR_RUN_DIR=$tmp/run LXR_LOG_DIR=$tmp/log LXR_DATA_DIR=$tmp/data LXR_CONFIG=$tmp/lxr.conf
mkdir "$tmp/bin"
ln -s "$LXR" "$tmp/bin/lxr"
cat >"$tmp/compose.yaml" <<'YAML'
services:
  web:
    image: ./rootfs
  db:
    image: ./rootfs
YAML
printf 'services:\n  api:\n    image: ./rootfs\n' >"$tmp/other.yaml"
commands=$("$LXR" --help | awk '/^commands:/ { f = 1; next } f && /^  [a-z]/ { print $1 } f && /^$/ { f = 0 }')
# shellcheck disable=SC2086 # one command a word
with() { printf '%s\n' $commands compose | grep "^$1" | sort | tr '\n' ' ' | sed 's/ $//'; }
fish_complete() { # the words fish offers for LINE
	(cd "$tmp" && PATH="$tmp/bin:$PATH" fish --no-config -c "source $FISH_FILE; complete -C '$1'" 2>&1 |
		cut -f1 | sort | tr '\n' ' ' | sed 's/ $//')
}
expect() {
	local got
	got=$(fish_complete "$2")
	if [ "$got" = "$1" ]; then
		echo "ok: fish: $2<TAB> -> $got"
	else
		echo "FAIL: fish: $2<TAB>: got [$got], want [$1]"
		fail=1
	fi
}
expect "$(with u)" "lxr u"
expect "--no-color --no-log-prefix" "lxr logs --no-"
expect "--remove-orphans" "lxr up --remove-"
expect "json yaml" "lxr config --format "
expect "db web" "lxr up "
expect "db web" "lxr compose stop "
expect "api" "lxr --file=other.yaml up "
expect "--format=json --format=yaml" "lxr config --format="

# zsh: _lxr called with words and CURRENT set, the completion system's
# compadd, _describe and _files standing in as functions that print what
# they are given (zsh has no way to complete from a script without a
# terminal); the offers are then filtered by the word's prefix, as zsh does.
zsh_complete() { # the words zsh offers for LINE (the last word: the cursor's)
	(cd "$tmp" && PATH="$tmp/bin:$PATH" zsh -f -c '
		compdef() { :; }
		compadd() { [[ $1 == -a ]] && print -l -- ${(P)2}; }
		_describe() { print -l -- ${${(P)4}%%:*}; }
		_files() { print -l -- *(N); }
		source "$1"
		words=(${(z)2})
		[[ $2 == *" " ]] && words+=("")
		CURRENT=${#words}
		_lxr | grep -- "^${words[CURRENT]}"' zsh "$ZSH_FILE" "$1" 2>&1 |
		sort | tr '\n' ' ' | sed 's/ $//')
}
zexpect() {
	local got
	got=$(zsh_complete "$2")
	if [ "$got" = "$1" ]; then
		echo "ok: zsh: $2<TAB> -> $got"
	else
		echo "FAIL: zsh: $2<TAB>: got [$got], want [$1]"
		fail=1
	fi
}
zexpect "$(with u)" "lxr u"
zexpect "commit compose config container" "lxr co"
zexpect "--no-color --no-log-prefix" "lxr logs --no-"
zexpect "--remove-orphans" "lxr up --remove-"
zexpect "json yaml" "lxr config --format "
zexpect "db web" "lxr up "
zexpect "db web" "lxr compose stop "
zexpect "compose.yaml" "lxr -f comp"
zexpect "api" "lxr --file=other.yaml up "
zexpect "api" "lxr logs --file=other.yaml "
exit $fail
