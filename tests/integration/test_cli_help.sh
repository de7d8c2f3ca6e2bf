#!/bin/bash
# Every command's own help, in the one format man pages and completion are
# made from: "usage: lxr CMD ...", a blank line, a description, options as
# "  -x, --long ARG   text", and "Example:" lines; `lxr help CMD` is the same.
. "$(dirname "$0")/lib.sh"

run --help
expect_rc 0 "lxr --help"
cmds=$(printf '%s\n' "$OUT" | sed -n '/^commands:/,$p' | sed -n 's/^  \([a-z]\+\) .*/\1/p')
[ "$(printf '%s\n' "$cmds" | wc -l)" -ge 25 ] || fail "lxr --help lists too few commands: $cmds"
seen=""
for c in $cmds; do
	run "$c" --help
	expect_rc 0 "$c --help"
	help=$OUT
	first=$(printf '%s\n' "$help" | head -n1)
	case "$first" in "usage: lxr $c"*) ;; *) fail "$c --help starts with [$first]" ;; esac
	# the synopsis may go on over indented lines ("       lxr CMD ..."), then a blank line
	syn=$(printf '%s\n' "$help" | awk 'NR > 1 && /^$/ { exit } NR > 1 { print }')
	[ -z "$syn" ] || ! printf '%s\n' "$syn" | grep -q '^[^ ]' ||
		fail "$c --help: no blank line after the usage: [$syn]"
	printf '%s\n' "$help" | grep -qx "Example:" || fail "$c --help has no Example: [$help]"
	printf '%s\n' "$help" | sed -n '/^Example:$/{n;p}' | grep -q "^  lxr " ||
		fail "$c --help: the example is not a command line"
	# a description: some line of prose between the usage and the options
	printf '%s\n' "$help" | grep -qE "^[A-Z][a-z]+ " || fail "$c --help has no description"
	run help "$c"
	[ "$OUT" = "$help" ] || fail "help $c differs from $c --help"
	[ "$c" = ps ] || [ "$c" = stop ] || [ "$c" = kill ] || [ "$c" = top ] ||
		[ "$c" = restart ] || [ "$c" = start ] || continue
	case " $seen " in *" $(printf '%s' "$help" | md5sum | cut -c1-8) "*) fail "$c shares its help with another command" ;; esac
	seen="$seen $(printf '%s' "$help" | md5sum | cut -c1-8)"
done
pass "every command's --help and help CMD: usage, description, options, Example"

run stop --bogus
expect_rc 2 "an unknown option"
expect_grep "$ERR" "usage: lxr stop " "a usage error shows the command's own usage"

# A misspelt long option gets docker's "did you mean" (cobra's suggestion)
for c in "up --detahc" "ps --servces" "logs --folow" "config --servics" "run --netwrk none x" "exec --workdr x"; do
	set -- $c
	run "$@"
	[ "$RC" -ne 0 ] || fail "$c: exit 0"
	want=${2#--}
	case $want in detahc) want=detach ;; servces | servics) want=services ;; folow) want=follow ;;
	netwrk) want=network ;; workdr) want=workdir ;; esac
	expect_grep "$ERR" "did you mean --$want\?" "$c suggests --$want"
done
run up --wait-timeout
expect_rc 2 "a known option without its value"
printf '%s\n' "$ERR" | grep -q "did you mean" && fail "a known option without its value got a suggestion: $ERR"
pass "a misspelt option: did you mean; a missing value: no suggestion"

# docker (pflag) takes a long option by its whole name only: what getopt
# would take as an abbreviation ("--priv" for --privileged) is an unknown
# option, the whole name suggested, and nothing is made
n=$(cname abbrev)
run run --rm --name "$n" --network none --priv "$ROOTFS" true
expect_rc 125 "run --priv"
expect_grep "$ERR" "^lxr: error: --priv: unknown option" "run --priv is not --privileged"
expect_grep "$ERR" "did you mean --privileged\?" "run --priv suggests the whole name"
run create --name "$n" --network none --hostn h "$ROOTFS" true
expect_rc 125 "create --hostn h"
expect_grep "$ERR" "^lxr: error: --hostn: unknown option" "an abbreviation with its value apart is named"
expect_grep "$ERR" "did you mean --hostname\?" "create --hostn suggests --hostname"
[ ! -e "$LXR_RUN_DIR/_run/$n" ] || fail "a refused abbreviation made container $n"
for c in "ps --al:all" "logs --fol x:follow" "exec --work / x true:workdir" "up --det:detach"; do
	set -- ${c%:*}
	run "$@"
	[ "$RC" -ne 0 ] || fail "$1 $2: exit 0"
	expect_grep "$ERR" "^lxr: error: $2: unknown option" "$1 $2 is an unknown option"
	expect_grep "$ERR" "did you mean --${c##*:}\?" "$1 $2 suggests --${c##*:}"
done
pass "an abbreviated long option is refused, with the whole name suggested"
