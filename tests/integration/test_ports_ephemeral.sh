#!/bin/bash
# A port published without a host port ("80", "127.0.0.1::80", `lxr run -p
# 80`) gets a free one the kernel picks, one per replica, shown by `lxr ps`,
# kept across a restart, and answering.
. "$(dirname "$0")/lib.sh"
command -v nft >/dev/null || skip "nft (nftables) is needed for published ports"

stack <<Y
name: eph$$
services:
  web:
    image: @ROOTFS@
    command: ["/bin/sh", "-c", "echo page-\$\$HOSTNAME > /tmp/i; exec httpd -f -p 80 -h /tmp"]
    ports: ["80", "127.0.0.1::80/tcp"]
    deploy: {replicas: 2}
Y
run up -d -f "$STACK"
expect_rc 0 "up -d with ports without a host port"
run ps -f "$STACK"
ports=$(printf '%s\n' "$OUT" | grep -o '[0-9.]*:[0-9]*->80/tcp' | sort -u)
[ "$(printf '%s\n' "$ports" | wc -l)" -eq 4 ] || fail "expected 4 picked ports, ps shows: $OUT"
printf '%s\n' "$ports" | grep -q '^0\.0\.0\.0:0->' && fail "ps shows host port 0: $OUT"
for inst in web-1 web-2; do
	p=$(printf '%s\n' "$OUT" | grep "^$PROJECT-$inst " | grep -o '127\.0\.0\.1:[0-9]*' | cut -d: -f2)
	[ -n "$p" ] || fail "no 127.0.0.1 port for $inst: $OUT"
	got=$(wget -qO- "http://127.0.0.1:$p/i" 2>&1 || true)
	[ "$got" = "page-$inst" ] || fail "127.0.0.1:$p answered [$got], expected page-$inst"
done
before=$(printf '%s\n' "$OUT" | grep '^[a-z0-9_.-]*-web-1 ' | grep -o '[0-9.]*:[0-9]*->80/tcp' | sort | tr '\n' ' ')
run restart -f "$STACK" web
expect_rc 0 "restart"
for _ in $(seq 100); do "$LXR" ps -f "$STACK" | grep -q '^[a-z0-9_.-]*-web-1 .* Up ' && break; sleep 0.05; done
run ps -f "$STACK"
after=$(printf '%s\n' "$OUT" | grep '^[a-z0-9_.-]*-web-1 ' | grep -o '[0-9.]*:[0-9]*->80/tcp' | sort | tr '\n' ' ')
[ "$before" = "$after" ] || fail "web-1's picked ports changed across a restart: [$before] -> [$after]"
pass "ports without a host port get one each (replicas too), shown by ps, kept across restarts"

run run --rm -p 80 -p 127.0.0.1::81/udp "$ROOTFS" true
expect_rc 0 "lxr run -p 80"
run run --rm -p 0:80 "$ROOTFS" true
expect_rc 125 "a host port 0 written out"
pass "lxr run -p CPORT publishes on a picked host port"
