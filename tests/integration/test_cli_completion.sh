#!/bin/bash
# The names bash completion offers that only root can list: the running
# instances of a stack for `lxr exec`, the images in the store for `lxr run`,
# `rmi` and `pull`, and the projects that are up for `-p`. (Commands, flags
# and service names are tested without root: tests/cli/.)
. "$(dirname "$0")/lib.sh"

COMPLETION=$LXR_BUILD_DIR/completion/lxr
[ -f "$COMPLETION" ] || fail "no $COMPLETION: the build writes it (target lxr-docs)"

P=compl$$
stack <<Y
name: $P
services:
  web:
    image: @ROOTFS@
    command: ["sleep", "1000"]
    deploy: {replicas: 2}
  db:
    image: @ROOTFS@
    command: ["sleep", "1000"]
Y
run -f "$STACK" up -d --wait
expect_rc 0 "up -d --wait"
run import "$ROOTFS" "compl$$/base:1"
expect_rc 0 "import an image"
at_exit "$LXR" rmi "compl$$/base:1"

# shellcheck disable=SC1090
source "$COMPLETION"
_lxr_bin=$LXR
offers() { # offers "WORD..." LINE-WORD...: each WORD is among the completions
	local want=$1 got w
	shift
	COMP_WORDS=(lxr "$@")
	COMP_CWORD=$((${#COMP_WORDS[@]} - 1))
	COMPREPLY=()
	_lxr
	got=" ${COMPREPLY[*]} "
	for w in $want; do
		# an image as `lxr images` names it: docker.io/NAME:TAG for NAME:TAG
		case $got in
		*" $w "* | *"/$w "*) ;;
		*) fail "lxr $*<TAB>: [$got] lacks $w" ;;
		esac
	done
}
cd "$TEST_TMP/stack" || exit 1
# the containers by docker's names (ps -q's), which exec takes too
offers "web db $P-web-1 $P-web-2 $P-db-1" exec ""
offers "$P-web-1 $P-web-2" exec "$P-web-"
offers "$P-web-1 $P-web-2" -p "$P" exec "$P-web-"
offers "compl$$/base:1" rmi ""
offers "compl$$/base:1" run ""
offers "compl$$/base:1" compose run -d ""
offers "$P" ps -p ""
pass "exec offers services and running instances; run, rmi offer images; -p the projects up"

# no stack file here: logs, stop and exec act on `lxr run` containers
c=$(cname runc)
run run -d --name "$c" "$ROOTFS" sleep 1000
expect_rc 0 "run -d"
mkdir "$TEST_TMP/nostack"
cd "$TEST_TMP/nostack" || exit 1
offers "$c" logs ""
offers "$c" stop ""
offers "$c" exec ""
run rm -f "$c"
expect_rc 0 "rm -f"
cd "$TEST_TMP/stack" || exit 1
pass "without a stack file, logs, stop and exec offer lxr run containers"

run -f "$STACK" down -t 0
expect_rc 0 "down"
