#!/bin/bash
# lxr build's RUN and ADD as docker's builder has them: RUN on lxr run's
# default bridge (an address, NAT out, the host's resolver) unless
# --network none|host says otherwise, and every link, nft chain, netns and
# record a step made gone after it (a failing step and a SIGTERM'd build
# too); RUN --mount of a cache (kept between builds, pruned), a bind (the
# context, a stage), a secret (never in a layer, the history or the
# store) and a tmpfs, no mount point left in the image; ADD of an http://
# URL (mode 0600, its Last-Modified, --checksum checked); COPY --exclude
# and --parents; independent stages side by side; errors with their
# Dockerfile position.
. "$(dirname "$0")/lib.sh"

ip link add "lxrtprobeb$$" type bridge 2>/dev/null || skip "the kernel has no bridge driver"
ip link del "lxrtprobeb$$"
HOSTIP=$(ip -4 route get 1.1.1.1 2>/dev/null | sed -n 's/.* src \([0-9.]*\).*/\1/p')
[ -n "$HOSTIP" ] || skip "the host has no IPv4 address with a default route"

DRV="$LXR_BUILD_DIR/tests/net_driver"
at_exit "$DRV" cleanup "$LXR_RUN_DIR" _run
# the bridge and the step's veth, learnt while a step runs (names are
# hashed); other lxr processes on this host may have links of their own
BRIDGE=""
VETH=""
expect_clean() {
	if [ -n "$BRIDGE" ]; then
		ip link show "$BRIDGE" >/dev/null 2>&1 && fail "$1: bridge $BRIDGE left"
		ip link show "$VETH" >/dev/null 2>&1 && fail "$1: veth $VETH left"
		nft list ruleset 2>/dev/null | grep -qF "$BRIDGE" && fail "$1: nft rules for $BRIDGE left"
	fi
	[ ! -e "$LXR_RUN_DIR/_run/.net" ] || fail "$1: records left: $(find "$LXR_RUN_DIR/_run/.net")"
	! grep -qF "$TEST_TMP" /proc/self/mountinfo || fail "$1: a mount left: $(grep -F "$TEST_TMP" /proc/self/mountinfo)"
	[ -z "$(ls "$LXR_DATA_DIR/build" 2>/dev/null | grep -vxE 'cache|cache.lock')" ] ||
		fail "$1: a build left its work: $(ls "$LXR_DATA_DIR/build")"
	return 0
}

run import -c 'CMD ["/bin/sh"]' "$ROOTFS" lxrtest/busybox:brun
expect_rc 0 "import the base image"

# a server on the host, for RUN wget (through the bridge's NAT) and ADD
PORT=18273
WWW="$TEST_TMP/www"
mkdir -p "$WWW"
echo "served to the build $$" > "$WWW/index.html"
printf 'payload %s\n' "$$" > "$WWW/file.txt"
touch -d @1600000000 "$WWW/file.txt"
SUM=sha256:$(sha256sum "$WWW/file.txt" | cut -d' ' -f1)
busybox httpd -f -p "0.0.0.0:$PORT" -h "$WWW" &
HTTPD=$!
at_exit kill "$HTTPD"
for _ in $(seq 100); do wget -q -O /dev/null "http://127.0.0.1:$PORT/" 2>/dev/null && break; sleep 0.05; done

CTX="$TEST_TMP/ctx"
mkdir -p "$CTX/app"
echo "hello from the context" > "$CTX/app/hello.txt"
echo "ignored" > "$CTX/app/secret.key"
printf '**/*.key\n' > "$CTX/.dockerignore"

# SIGTERM or SIGINT while a step runs on the bridge: the step ends, the
# build fails, its endpoint goes
printf 'FROM lxrtest/busybox:brun\nRUN echo step-started; sleep 600\n' > "$CTX/Long.Dockerfile"
for SIG in TERM INT; do
	"$LXR" build --no-cache -f "$CTX/Long.Dockerfile" "$CTX" >"$TEST_TMP/long.out" 2>&1 &
	BPID=$!
	for _ in $(seq 400); do grep -q '^step-started' "$TEST_TMP/long.out" && break; sleep 0.05; done
	grep -q '^step-started' "$TEST_TMP/long.out" || fail "the long step did not start: $(cat "$TEST_TMP/long.out")"
	EP=$(ls "$LXR_RUN_DIR/_run/.net/endpoints" 2>/dev/null | head -n 1)
	[ -n "$EP" ] || fail "the running step has no endpoint"
	BRIDGE=$(awk '$1 == "bridge" {print $2}' "$LXR_RUN_DIR/_run/.net/networks/lxr")
	VETH=$(awk '$1 == "veth" {print $2}' "$LXR_RUN_DIR/_run/.net/endpoints/$EP")
	ip link show "$BRIDGE" >/dev/null || fail "no bridge $BRIDGE while the step runs"
	ip link show "$VETH" >/dev/null || fail "no veth $VETH while the step runs"
	kill -"$SIG" "$BPID"
	set +e
	wait "$BPID"
	BRC=$?
	set -e
	[ "$BRC" -eq 1 ] || fail "a SIG$SIG'd build exited $BRC: $(cat "$TEST_TMP/long.out")"
	expect_grep "$(cat "$TEST_TMP/long.out")" "Long.Dockerfile:2:1: RUN echo step-started; sleep 600: exit code" "SIG$SIG: the step is named"
	expect_clean "after SIG$SIG"
done
pass "a build stopped by SIGTERM or SIGINT removes its step's endpoint, bridge and rules"

# ---- the network ------------------------------------------------------------------
cat > "$CTX/Net.Dockerfile" <<D
FROM lxrtest/busybox:brun
RUN wget -q -O /fetched http://$HOSTIP:$PORT/ && cat /fetched && ip -4 -o addr show eth0 | grep -c inet
RUN --network=none wget -q -O - http://$HOSTIP:$PORT/ 2>&1 || echo "none: no way out"
D
run build --no-cache -t lxrtest/bnet:1 -f "$CTX/Net.Dockerfile" "$CTX"
expect_rc 0 "a build whose RUN downloads"
expect_grep "$ERR" "^served to the build $$\$" "RUN reaches the host through the default bridge"
expect_grep "$ERR" "^1\$" "RUN has an address on eth0"
expect_grep "$ERR" "^none: no way out\$" "RUN --network=none cannot reach it"
run run --rm --network none lxrtest/bnet:1 cat /fetched
expect_out "served to the build $$" "the download is in the layer"
expect_clean "after a build on the bridge"
pass "RUN joins the default bridge (NAT out); RUN --network=none has no way out; nothing is left"

run build --no-cache --network none -f "$CTX/Net.Dockerfile" "$CTX"
expect_rc 1 "build --network none: the download fails"
expect_grep "$ERR" "Net.Dockerfile:2:1: RUN wget .*: exit code 1" "the step is named"
expect_clean "after a failing step"
run build --network bogus "$CTX"
expect_rc 2 "a bad --network"
expect_grep "$ERR" "network bogus: the builder takes default, none or host" "names the choices"
printf 'FROM lxrtest/busybox:brun\nRUN --network=bridge true\n' > "$CTX/BadNet.Dockerfile"
run build -f "$CTX/BadNet.Dockerfile" "$CTX"
expect_rc 2 "a bad RUN --network"
expect_grep "$ERR" "BadNet.Dockerfile:2:5: RUN --network=bridge: takes default, none or host" "its position"
pass "build --network none and a failing step leave nothing; bad values are refused"

# ---- RUN --mount ----------------------------------------------------------------------
SECRET="s3cr3t-$$-value"
printf '%s' "$SECRET" > "$TEST_TMP/secret.txt"
cat > "$CTX/Mount.Dockerfile" <<'D'
FROM lxrtest/busybox:brun AS src
RUN mkdir -p /data && echo from-the-stage > /data/f
FROM lxrtest/busybox:brun
WORKDIR /w
RUN --mount=type=cache,target=/var/cache/t,id=bcache echo run >> /var/cache/t/log && echo "cache $(wc -l < /var/cache/t/log)"
RUN --mount=type=cache,target=rel,uid=33,gid=33,mode=0700,sharing=locked stat -c 'cachedir %u:%g %a %n' rel
RUN --mount=type=bind,from=src,source=/data,target=/mnt/src cat /mnt/src/f
RUN --mount=target=/ctx cat /ctx/app/hello.txt && ls /ctx/app && (touch /ctx/x 2>/dev/null || echo "ctx read-only")
RUN --mount=target=/ctx,rw touch /ctx/new && echo "rw ok"
RUN --mount=type=secret,id=tok echo "secret $(cat /run/secrets/tok) $(stat -c '%a %u' /run/secrets/tok)" | sed "s/$(cat /run/secrets/tok)/VALUE/"
RUN --mount=type=secret,id=tok,env=TOK,target=/etc/tok.txt,mode=0440,uid=33 [ "$TOK" = "$(cat /etc/tok.txt)" ] && stat -c 'secret file %a %u' /etc/tok.txt
RUN --mount=type=secret,id=absent echo "optional secret skipped"
RUN --mount=type=tmpfs,target=/scratch,size=1m echo x > /scratch/y && df -k /scratch | awk 'NR==2 {print "tmpfs " $2}'
D
run build --no-cache --secret "id=tok,src=$TEST_TMP/secret.txt" -t lxrtest/bmount:1 -f "$CTX/Mount.Dockerfile" "$CTX"
expect_rc 0 "a build with RUN --mount"
expect_grep "$ERR" "^cache 1\$" "a new cache mount"
expect_grep "$ERR" "^cachedir 33:33 700 rel\$" "a cache's uid, gid and mode, a relative target under WORKDIR"
expect_grep "$ERR" "^from-the-stage\$" "a bind of a stage's directory"
expect_grep "$ERR" "^hello from the context\$" "a bind of the context"
expect_grep "$ERR" "^ctx read-only\$" "a bind is read-only by default"
printf '%s\n' "$ERR" | grep -q '^secret.key$' && fail ".dockerignore'd files are in the context bind"
expect_grep "$ERR" "^rw ok\$" "a bind with rw"
expect_grep "$ERR" "^secret VALUE 400 0\$" "a secret at /run/secrets/ID, mode 0400"
expect_grep "$ERR" "^secret file 440 33\$" "a secret's env, target, mode and uid"
expect_grep "$ERR" "^optional secret skipped\$" "a secret not given is no mount"
expect_grep "$ERR" "^tmpfs 1024\$" "a tmpfs of the size asked"
run run --rm --network none lxrtest/bmount:1 /bin/sh -c 'ls -d /var/cache/t /w/rel /mnt /ctx /run/secrets /etc/tok.txt /scratch 2>&1 | grep -v "No such file"; ls -A /w'
expect_out "" "no mount point (nor what was written to the mounts) is in the image"
grep -rqF "$SECRET" "$LXR_DATA_DIR" && fail "the secret's value is in $LXR_DATA_DIR: $(grep -rlF "$SECRET" "$LXR_DATA_DIR")"
expect_clean "after the mounts"

# while a step with an env= secret runs, its value is nowhere on disk
printf 'FROM lxrtest/busybox:brun\nRUN --mount=type=secret,id=tok,env=TOK echo "waiting ${#TOK}"; sleep 600\n' \
	> "$CTX/Env.Dockerfile"
"$LXR" build --no-cache --secret "id=tok,src=$TEST_TMP/secret.txt" -f "$CTX/Env.Dockerfile" "$CTX" \
	>"$TEST_TMP/env.out" 2>&1 &
BPID=$!
for _ in $(seq 400); do grep -q '^waiting' "$TEST_TMP/env.out" && break; sleep 0.05; done
expect_grep "$(cat "$TEST_TMP/env.out")" "^waiting ${#SECRET}\$" "the step has the secret in its environment"
grep -rqF "$SECRET" "$LXR_DATA_DIR" "$LXR_RUN_DIR" &&
	fail "the env secret is on disk while the step runs: $(grep -rlF "$SECRET" "$LXR_DATA_DIR" "$LXR_RUN_DIR")"
kill -TERM "$BPID"
wait "$BPID" || true
expect_clean "after a SIGTERM'd step with a secret"

run build --no-cache --secret "id=tok,src=$TEST_TMP/secret.txt" -f "$CTX/Mount.Dockerfile" "$CTX"
expect_rc 0 "the same build again"
expect_grep "$ERR" "^cache 2\$" "the cache mount kept its content"
run builder prune -f
expect_rc 0 "builder prune"
run build --no-cache --secret "id=tok,src=$TEST_TMP/secret.txt" -f "$CTX/Mount.Dockerfile" "$CTX"
expect_grep "$ERR" "^cache 1\$" "builder prune emptied the cache mount"
pass "RUN --mount: cache (kept, pruned), bind (context, stage, rw), secret, tmpfs; none in the image"

printf 'FROM lxrtest/busybox:brun\nRUN --mount=type=secret,id=tok,required true\n' > "$CTX/Req.Dockerfile"
run build -f "$CTX/Req.Dockerfile" "$CTX"
expect_rc 1 "a required secret not given"
expect_grep "$ERR" "Req.Dockerfile:2:1: --mount target=/run/secrets/tok: secret tok: not given to the build" "names the secret"
expect_grep "$ERR" "hint: lxr build --secret id=tok,src=FILE" "says how to give it"
run build --secret "id=tok,src=$TEST_TMP/nowhere" -f "$CTX/Req.Dockerfile" "$CTX"
expect_rc 1 "a secret file that is missing"
expect_grep "$ERR" "secret id=tok: .*nowhere" "names the file"
run build --secret "src=$TEST_TMP/secret.txt" -f "$CTX/Req.Dockerfile" "$CTX"
expect_rc 2 "a --secret without id"
printf 'FROM lxrtest/busybox:brun\nRUN true\nRUN --mount=type=cache,target=/c,sharing=sometimes true\n' > "$CTX/BadMount.Dockerfile"
run build -f "$CTX/BadMount.Dockerfile" "$CTX"
expect_rc 2 "a bad mount option"
expect_grep "$ERR" "BadMount.Dockerfile:3:5: --mount: unsupported sharing value \"sometimes\"" "its position"
printf 'FROM lxrtest/busybox:brun\nRUN --mount=type=bind,size=1m,target=/x true\n' > "$CTX/BadMount.Dockerfile"
run build -f "$CTX/BadMount.Dockerfile" "$CTX"
expect_rc 2 "a key the type does not take"
expect_grep "$ERR" "BadMount.Dockerfile:2:5: --mount: unexpected key 'size' for mount type 'bind'" "names the key"
expect_clean "after the refused builds"
pass "RUN --mount errors: a missing secret, a bad option, each with its position"

# a named context (--build-context) as a bind's and a cache's from=
mkdir -p "$TEST_TMP/named"
echo "from the named context" > "$TEST_TMP/named/f"
printf 'FROM lxrtest/busybox:brun\nRUN --mount=from=extra,target=/e cat /e/f\nRUN --mount=type=cache,id=named%s,from=extra,target=/c cat /c/f\n' "$$" \
	> "$CTX/Named.Dockerfile"
run build --no-cache --build-context "extra=$TEST_TMP/named" -f "$CTX/Named.Dockerfile" "$CTX"
expect_rc 0 "RUN --mount from= a named context"
[ "$(printf '%s\n' "$ERR" | grep -c '^from the named context$')" -eq 2 ] ||
	fail "the named context's file is not in the bind and the cache: $ERR"
pass "RUN --mount from= a named context directory"

# ---- ADD of a URL ---------------------------------------------------------------------
cat > "$CTX/Url.Dockerfile" <<D
FROM lxrtest/busybox:brun
ADD http://127.0.0.1:$PORT/file.txt /downloads/
ADD --checksum=$SUM http://127.0.0.1:$PORT/file.txt /named.txt
D
run build -t lxrtest/burl:1 -f "$CTX/Url.Dockerfile" "$CTX"
expect_rc 0 "ADD of URLs"
run run --rm --network none lxrtest/burl:1 /bin/sh -c 'cat /downloads/file.txt /named.txt; stat -c "%a %u %Y %n" /downloads/file.txt /named.txt'
expect_out "payload $$
payload $$
600 0 1600000000 /downloads/file.txt
600 0 1600000000 /named.txt" "named after the URL or the destination, mode 0600, dated by Last-Modified"
run build -t lxrtest/burl:1 -f "$CTX/Url.Dockerfile" "$CTX"
expect_grep "$ERR" "CACHED ADD --checksum" "the same content again is a cache hit"
printf 'payload changed %s\n' "$$" > "$WWW/file.txt"
run build -t lxrtest/burl:2 -f "$CTX/Url.Dockerfile" "$CTX"
expect_rc 1 "a changed download against --checksum"
expect_grep "$ERR" "Url.Dockerfile:3:1: ADD http://127.0.0.1:$PORT/file.txt: checksum mismatch" "the checksum is checked"
printf 'FROM lxrtest/busybox:brun\nADD http://127.0.0.1:%s/file.txt /d/\n' "$PORT" > "$CTX/Url2.Dockerfile"
run build -t lxrtest/burl:3 -f "$CTX/Url2.Dockerfile" "$CTX"
run run --rm --network none lxrtest/burl:3 cat /d/file.txt
expect_out "payload changed $$" "a changed download is not a cache hit"
printf 'FROM lxrtest/busybox:brun\nADD http://127.0.0.1:%s/missing /d/\n' "$PORT" > "$CTX/Url3.Dockerfile"
run build -f "$CTX/Url3.Dockerfile" "$CTX"
expect_rc 1 "a URL that is not there"
expect_grep "$ERR" "GET http://127.0.0.1:$PORT/missing: the server answered 404\$" "says what the server answered"
expect_grep "$ERR" "Url3.Dockerfile:2:1: ADD http://127.0.0.1:$PORT/missing: " "and the step"
printf 'FROM lxrtest/busybox:brun\nADD https://example.invalid/repo.git /src\n' > "$CTX/Git.Dockerfile"
run build -f "$CTX/Git.Dockerfile" "$CTX"
expect_rc 1 "ADD of a git repository"
expect_grep "$ERR" "Git.Dockerfile:2:1: ADD https://example.invalid/repo.git: a git repository is not supported" "is refused"
expect_clean "after ADD"
pass "ADD URL: downloaded, named, 0600, dated, checksum checked, cached by content; git refused"

# ---- COPY --exclude and --parents -------------------------------------------------------
mkdir -p "$CTX/tree/a/b"
echo keep > "$CTX/tree/a/keep.txt"
echo drop > "$CTX/tree/a/drop.md"
echo deep > "$CTX/tree/a/b/deep.md"
cat > "$CTX/Copy.Dockerfile" <<'D'
FROM lxrtest/busybox:brun
COPY --exclude=*.md tree/a /ex/
COPY --exclude=**/*.md --exclude=tree/a/b tree /ex2/
COPY --parents tree/a/keep.txt tree/./a/b /par/
D
run build -t lxrtest/bcopy:1 -f "$CTX/Copy.Dockerfile" "$CTX"
expect_rc 0 "COPY --exclude and --parents"
run run --rm --network none lxrtest/bcopy:1 /bin/sh -c 'find /ex /ex2 /par -type f | sort'
expect_out "/ex/b/deep.md
/ex/keep.txt
/ex2/a/keep.txt
/par/a/b/deep.md
/par/tree/a/keep.txt" "excluded files are left out; --parents keeps the path (after /./)"
pass "COPY --exclude leaves files out; COPY --parents keeps their paths"

# ---- COPY of here-documents ----------------------------------------------------------
cat > "$CTX/Here.Dockerfile" <<'D'
FROM lxrtest/busybox:brun
COPY <<EOF /etc/greeting
hello from a heredoc
EOF
COPY <<-A <<B /hd/
	tabs stripped
	A
kept as is
B
D
run build -t lxrtest/bhere:1 -f "$CTX/Here.Dockerfile" "$CTX"
expect_rc 0 "COPY of heredocs"
run run --rm --network none lxrtest/bhere:1 /bin/sh -c 'cat /etc/greeting /hd/A /hd/B'
expect_out "hello from a heredoc
tabs stripped
kept as is" "a heredoc to a file, two to a directory (named after their delimiters)"
pass "COPY <<EOF writes the here-document: to the file named, or into the directory by its name"

# ---- independent stages side by side ----------------------------------------------------
# each stage's RUN waits for the other's mark in a shared cache mount: one
# after the other, the first would wait in vain and give up (exit 9)
cat > "$CTX/Par.Dockerfile" <<D
FROM lxrtest/busybox:brun AS a
RUN --mount=type=cache,id=par$$,target=/s touch /s/a; i=0; until [ -e /s/b ]; do i=\$((i+1)); [ \$i -gt 600 ] && exit 9; sleep 0.1; done; echo a-saw-b > /a.txt; echo said-by-a
FROM lxrtest/busybox:brun AS b
RUN --mount=type=cache,id=par$$,target=/s touch /s/b; i=0; until [ -e /s/a ]; do i=\$((i+1)); [ \$i -gt 600 ] && exit 9; sleep 0.1; done; echo b-saw-a > /b.txt
FROM lxrtest/busybox:brun
COPY --from=a /a.txt /
COPY --from=b /b.txt /
D
run build -t lxrtest/bpar:1 -f "$CTX/Par.Dockerfile" "$CTX"
expect_rc 0 "two independent stages"
expect_grep "$ERR" "^#0 \[stage 0 \(a\)\] RUN " "stage a's steps are tagged"
expect_grep "$ERR" "^#0 \[stage 1 \(b\)\] RUN " "stage b's steps are tagged"
expect_grep "$ERR" "^\[stage 0 \(a\)\] said-by-a\$" "so is their output"
run run --rm --network none lxrtest/bpar:1 cat /a.txt /b.txt
expect_out "a-saw-b
b-saw-a" "each stage saw the other running"
# sharing=locked: the two stages' steps take the cache mount in turn
cat > "$CTX/Lock.Dockerfile" <<D
FROM lxrtest/busybox:brun AS a
RUN --mount=type=cache,id=lock$$,sharing=locked,target=/c if [ -e /c/busy ]; then echo OVERLAP; fi; touch /c/busy; sleep 1; rm /c/busy; echo a > /a.txt
FROM lxrtest/busybox:brun AS b
RUN --mount=type=cache,id=lock$$,sharing=locked,target=/c if [ -e /c/busy ]; then echo OVERLAP; fi; touch /c/busy; sleep 1; rm /c/busy; echo b > /b.txt
FROM scratch
COPY --from=a /a.txt /
COPY --from=b /b.txt /
D
run build -f "$CTX/Lock.Dockerfile" "$CTX"
expect_rc 0 "two stages on one locked cache mount"
printf '%s\n' "$ERR" | grep -qx OVERLAP && fail "sharing=locked let two steps in at once: $ERR"
printf 'FROM lxrtest/busybox:brun AS a\nRUN sleep 600\nFROM lxrtest/busybox:brun AS b\nRUN exit 7\nFROM scratch\nCOPY --from=a /bin/sh /a\nCOPY --from=b /bin/sh /b\n' \
	> "$CTX/ParFail.Dockerfile"
run build -f "$CTX/ParFail.Dockerfile" "$CTX"
expect_rc 1 "a failing stage beside a long one"
expect_grep "$ERR" "ParFail.Dockerfile:4:1: RUN exit 7: exit code 7" "the failing step is named"
expect_grep "$ERR" "stage 1 \(b\) failed" "the build says which stage failed"
expect_clean "after stages side by side"
pass "independent stages are built side by side; a failing one stops the others"

# ---- compose's build.secrets ------------------------------------------------------------
CDIR="$TEST_TMP/csec"
mkdir -p "$CDIR/app"
printf '%s' "$SECRET" > "$CDIR/tok.txt"
echo "BSEC_VAR=from-dotenv-$$" > "$CDIR/.env"
cat > "$CDIR/app/Dockerfile" <<D
FROM lxrtest/busybox:brun
RUN --mount=type=secret,id=tok,required [ "\$(cat /run/secrets/tok)" = "$SECRET" ] && echo file-secret-matches
RUN --mount=type=secret,id=fromenv,env=V,required echo "env \$V"
D
cat > "$CDIR/compose.yaml" <<Y
name: bsec$$
services:
  app:
    build:
      context: ./app
      secrets:
        - source: tokfile
          target: tok
        - fromenv
secrets:
  tokfile: {file: ./tok.txt}
  fromenv: {environment: BSEC_VAR}
Y
cd "$CDIR"
run build
cd /
expect_rc 0 "compose build with build.secrets"
expect_grep "$ERR" "^file-secret-matches\$" "a file secret, its id the target"
expect_grep "$ERR" "^env from-dotenv-$$\$" "an environment secret, its value from .env"
expect_clean "after compose's build.secrets"
pass "compose's build.secrets reach RUN --mount=type=secret"
