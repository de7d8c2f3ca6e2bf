#!/bin/bash
# Profiles as docker compose takes them: a service its profiles leave out
# may name what only another file declares (a debug service on a network
# of an override file). The stack runs without it; enabling it (--profile,
# COMPOSE_PROFILES, naming it to up or compose run) is refused with the
# reference's position, before anything changes; with the file that
# declares the network it runs. A service named on the command line
# brings a dependency that shares its profile.
. "$(dirname "$0")/lib.sh"

stack <<Y
name: prof$$
services:
  web:
    image: @ROOTFS@
    command: ["sleep", "1000"]
  debug:
    image: @ROOTFS@
    command: ["sleep", "1000"]
    profiles: [debug]
    networks: [dbg]
    depends_on: [helper]
  helper:
    image: @ROOTFS@
    command: ["sleep", "1000"]
    profiles: [debug]
Y
cat >"$TEST_TMP/stack/debug.yaml" <<'Y'
networks:
  dbg: {}
Y
cd "$(dirname "$STACK")"
refused='compose\.yaml:10:16: service "debug": unknown network "dbg"'
running() { "$LXR" ps -p "prof$$" --format '{{.Service}}' | sort | tr '\n' ' '; }

run up -d
expect_rc 0 "up: debug's network is no error while its profile is off"
[ "$(running)" = "web " ] || fail "up runs web alone: $(running)"
run config
expect_rc 0 "config without the profile"
printf '%s\n' "$OUT" | grep -q 'debug\|dbg' && fail "config prints the disabled service: $OUT"
run pull
expect_rc 0 "pull without the profile"
printf '%s\n' "$OUT$ERR" | grep -q 'debug\|helper' && fail "pull looked at a disabled service: $OUT$ERR"
pass "a service the profiles leave out may name a network no file declares"

for how in "up -d --profile debug" "up -d debug" "config --profile debug" \
	"compose run --rm -T debug true" "pull debug" "build --dry-run debug"; do
	# shellcheck disable=SC2086
	run $how
	expect_rc 2 "$how"
	expect_grep "$ERR" "$refused" "$how names the reference"
done
export COMPOSE_PROFILES=debug
run up -d
unset COMPOSE_PROFILES
expect_rc 2 "COMPOSE_PROFILES=debug up"
expect_grep "$ERR" "$refused" "COMPOSE_PROFILES=debug up names the reference"
[ "$(running)" = "web " ] || fail "a refused up changed what runs: $(running)"
pass "enabling it is refused with the reference's place, and nothing changes"

run -f compose.yaml -f debug.yaml up -d debug
expect_rc 0 "up debug with the file that declares dbg: $ERR"
[ "$(running)" = "debug helper web " ] ||
	fail "up debug runs debug and helper, which shares its profile: $(running)"
pass "with the file that declares it, debug runs, and helper comes with it"

run down
expect_rc 0 "down"
