#!/bin/bash
# lxr build on Dockerfiles as public projects write them, each case one
# where BuildKit's behaviour is the reference: a COPY glob that matches
# nothing copies nothing (a missing plain path still fails); RUN runs a
# heredoc whose delimiter is quoted; COPY <<EOF keeps the quotes of its
# body and a quoted delimiter means no substitution; DOCKERFILE.dockerignore
# wins over the context's .dockerignore; FROM STAGE inherits its ARGs; the
# pairs of one ENV are expanded before any is set; STOPSIGNAL takes what
# moby's ParseSignal takes; EXPOSE splits what it substitutes; ADD of a
# gzipped file that is no tar copies it, a gzipped tar is unpacked; a line
# ending in an escaped escape is no continuation; WORKDIR after USER and
# COPY --chown make their directories owned by that user; on a merged-usr
# base (/bin -> usr/bin) COPY, ADD and WORKDIR follow the links inside the
# image.
. "$(dirname "$0")/lib.sh"

run import -c 'CMD ["/bin/sh"]' "$ROOTFS" lxrtest/busybox:compat
expect_rc 0 "import the base image"
CTX="$TEST_TMP/ctx"
mkdir -p "$CTX"
# a build of Dockerfile $1 (its text on stdin), offline: RC, OUT, ERR
build_df() {
	cat > "$CTX/$1"
	run build --no-cache --network none -f "$CTX/$1" "$CTX" "${@:2}"
}

# ---- COPY's sources ---------------------------------------------------------------
echo '{"name":"app"}' > "$CTX/package.json"
echo 'lock' > "$CTX/package-lock.json"
build_df Glob.Dockerfile <<'D'
FROM lxrtest/busybox:compat
COPY package.json yarn.lock* package-lock.json* /app/
RUN ls /app | tr '\n' ' ' | sed 's/^/app: /'; echo
D
expect_rc 0 "COPY with a glob that matches nothing"
expect_grep "$ERR" "^app: package-lock.json package.json $" "the glob that matches copies, the other copies nothing"
build_df Missing.Dockerfile <<'D'
FROM lxrtest/busybox:compat
COPY package.json yarn.lock /app/
D
expect_rc 1 "COPY of a missing plain path"
expect_grep "$ERR" "Missing.Dockerfile:2:1: .*yarn.lock" "the missing source is named with its position"
pass "a COPY glob matching nothing copies nothing; a missing path is an error"

# ---- heredocs -----------------------------------------------------------------------
build_df Heredoc.Dockerfile <<'D'
FROM lxrtest/busybox:compat
ENV WHO=env
RUN <<'EOF'
echo "single-quoted ran as $WHO"
EOF
RUN <<"EOF"
echo "double-quoted ran"
EOF
RUN <<-'EOF'
	echo "chomped quoted ran"
	EOF
D
expect_rc 0 "RUN with quoted heredoc delimiters"
expect_grep "$ERR" "^single-quoted ran as env$" "RUN <<'EOF' runs its body (the shell expands it)"
expect_grep "$ERR" "^double-quoted ran$" "RUN <<\"EOF\" runs its body"
expect_grep "$ERR" "^chomped quoted ran$" "RUN <<-'EOF' runs its body"
pass "RUN <<'EOF', <<\"EOF\" and <<-'EOF' run the heredoc"

build_df CopyHeredoc.Dockerfile <<'D'
FROM lxrtest/busybox:compat
ARG NAME=world
COPY <<EOF /plain.json
{"name": "$NAME", 'q': "${NAME:-x}"}
EOF
COPY <<"EOF" /dq.json
{"name": "$NAME"}
EOF
COPY <<'EOF' /sq.json
{"name": "$NAME"}
EOF
RUN cat /plain.json /dq.json /sq.json
D
expect_rc 0 "COPY of heredocs"
expect_grep "$ERR" "^\{\"name\": \"world\", 'q': \"world\"\}$" "COPY <<EOF substitutes and keeps quotes"
[ "$(printf '%s\n' "$ERR" | grep -cxF '{"name": "$NAME"}')" -eq 2 ] ||
	fail "COPY <<\"EOF\" and <<'EOF' write the body as it is: $ERR"
pass "COPY <<EOF keeps its body's quotes; <<\"EOF\" and <<'EOF' substitute nothing"

# ---- .dockerignore ------------------------------------------------------------------
IG="$TEST_TMP/ignctx"
mkdir -p "$IG" "$TEST_TMP/dfdir"
echo a > "$IG/a.txt"
echo b > "$IG/b.md"
printf '*.txt\n' > "$IG/.dockerignore"
printf '*.md\n' > "$IG/Dockerfile.dockerignore"
printf 'FROM lxrtest/busybox:compat\nCOPY . /c/\nRUN echo "copied:" $(ls /c)\n' | tee "$IG/Dockerfile" > "$TEST_TMP/dfdir/app.Dockerfile"
printf 'a.txt\n' > "$TEST_TMP/dfdir/app.Dockerfile.dockerignore"
run build --no-cache --network none "$IG"
expect_rc 0 "a build with the context's Dockerfile.dockerignore"
expect_grep "$ERR" "^copied: Dockerfile Dockerfile.dockerignore a.txt$" "CONTEXT/Dockerfile.dockerignore replaces .dockerignore"
run build --no-cache --network none -f "$TEST_TMP/dfdir/app.Dockerfile" "$IG"
expect_rc 0 "a build with -f FILE outside the context and FILE.dockerignore"
expect_grep "$ERR" "^copied: Dockerfile Dockerfile.dockerignore b.md$" "FILE.dockerignore beside -f FILE is read"
rm "$IG/Dockerfile.dockerignore"
run build --no-cache --network none "$IG"
expect_rc 0 "a build with the context's .dockerignore only"
expect_grep "$ERR" "^copied: Dockerfile b.md$" "without DOCKERFILE.dockerignore, .dockerignore is read"
pass "DOCKERFILE.dockerignore wins over CONTEXT/.dockerignore"

# ---- ARG, ENV, LABEL ----------------------------------------------------------------
build_df Args.Dockerfile <<'D'
FROM lxrtest/busybox:compat AS base
ARG V=from-base
FROM base AS a
RUN test "$V" = from-base && echo "inherited: $V"
WORKDIR /w/$V
RUN pwd
D
expect_rc 0 "a stage FROM another with an ARG"
expect_grep "$ERR" "^inherited: from-base$" "RUN sees the base stage's ARG"
expect_grep "$ERR" "^/w/from-base$" "the base stage's ARG is substituted"
pass "FROM STAGE inherits the stage's ARGs"

build_df Env.Dockerfile <<'D'
FROM lxrtest/busybox:compat
ENV abc=hello
ENV abc=bye def=$abc
RUN echo "env: $abc $def"
D
expect_rc 0 "ENV of several pairs"
expect_grep "$ERR" "^env: bye hello$" "ENV abc=bye def=\$abc gives def the abc from before"
pass "the pairs of one ENV are expanded before any is set"

for SIG in SIGRTMIN+3 sigquit; do
	build_df Sig.Dockerfile <<D
FROM lxrtest/busybox:compat
STOPSIGNAL $SIG
D
	expect_rc 0 "STOPSIGNAL $SIG"
	CFG="$LXR_DATA_DIR/images/blobs/sha256/${OUT#sha256:}"
	grep -qF "\"StopSignal\":\"$SIG\"" "$CFG" || fail "STOPSIGNAL $SIG is not in the config: $(cat "$CFG")"
done
pass "STOPSIGNAL SIGRTMIN+3 and sigquit are taken as written"

build_df Expose.Dockerfile <<'D'
FROM lxrtest/busybox:compat
ARG PORTS="80 443"
EXPOSE $PORTS
D
expect_rc 0 "EXPOSE \$PORTS of two ports"
CFG="$LXR_DATA_DIR/images/blobs/sha256/${OUT#sha256:}"
grep -qF '"ExposedPorts":{"443/tcp":{},"80/tcp":{}}' "$CFG" || fail "EXPOSE \$PORTS: $(cat "$CFG")"
pass "EXPOSE \$PORTS with PORTS=\"80 443\" exposes both"

# ---- ADD ----------------------------------------------------------------------------
echo "plain data $$" | gzip > "$CTX/data.gz"
mkdir -p "$TEST_TMP/tarsrc"
echo "in the tar" > "$TEST_TMP/tarsrc/t.txt"
tar czf "$CTX/t.tar.gz" -C "$TEST_TMP/tarsrc" t.txt
build_df Add.Dockerfile <<'D'
FROM lxrtest/busybox:compat
ADD data.gz /
ADD t.tar.gz /x/
RUN gunzip -c /data.gz && cat /x/t.txt
D
expect_rc 0 "ADD of a gzipped file that is no tar"
expect_grep "$ERR" "^plain data $$\$" "the gzipped file is copied as it is"
expect_grep "$ERR" "^in the tar$" "a gzipped tar is still unpacked"
pass "ADD copies a compressed file that holds no tar, unpacks one that does"

# ---- the parser ---------------------------------------------------------------------
build_df Escape.Dockerfile <<'D'
FROM lxrtest/busybox:compat
RUN echo foo\\
RUN echo bar > /bar
RUN echo "bar: $(cat /bar)"
D
expect_rc 0 "a RUN line ending in an escaped escape"
expect_grep "$ERR" '^foo\\$' "the first RUN echoes foo and a backslash"
expect_grep "$ERR" "^bar: bar$" "the next line is an instruction of its own"
pass "a line ending in an escaped escape does not continue"

# ---- owners -------------------------------------------------------------------------
build_df Owner.Dockerfile <<'D'
FROM lxrtest/busybox:compat
USER app
WORKDIR /home/app/work
COPY --chown=app:app package.json /home/app/data/sub/f.json
USER root
RUN stat -c 'owner %n %u:%g' /home /home/app /home/app/work /home/app/data /home/app/data/sub /home/app/data/sub/f.json
D
expect_rc 0 "WORKDIR after USER, COPY --chown into new directories"
expect_grep "$ERR" "^owner /home 0:0$" "a directory the image has keeps its owner"
for d in /home/app /home/app/work /home/app/data /home/app/data/sub /home/app/data/sub/f.json; do
	expect_grep "$ERR" "^owner $d 1000:1000$" "$d belongs to app"
done
pass "WORKDIR after USER and COPY --chown make their directories as that user"

# ---- a merged-usr base: /bin -> usr/bin ----------------------------------------------
# Debian 12, Ubuntu and Fedora have /bin, /sbin and /lib as links into /usr.
# BuildKit resolves a destination's links inside the image (continuity's
# RootPath): `COPY f /bin/` lands in /usr/bin, and the image keeps its
# /bin/sh. A link's target, absolute or climbing out with .., is followed
# inside the image's root and never on the host.
M="$TEST_TMP/merged"
cp -a "$ROOTFS/." "$M"
for d in bin sbin; do
	cp -a "$M/$d/." "$M/usr/$d/"
	rm -rf "${M:?}/$d"
done
mkdir -p "$M/usr/lib" "$M/usr/share/zoneinfo"
ln -s usr/bin "$M/bin"
ln -s /usr/sbin "$M/sbin"
ln -s usr/lib "$M/lib"
echo "old tz" >"$M/usr/share/zoneinfo/UTC"
ln -s /usr/share/zoneinfo/UTC "$M/etc/localtime"
ln -s "$TEST_TMP/abs-target" "$M/abs"
ln -s "/../../..$TEST_TMP/esc-abs" "$M/esc-abs"
run import -c 'CMD ["/bin/sh"]' "$M" lxrtest/merged:compat
expect_rc 0 "import the merged-usr base image"
echo "tool $$" >"$CTX/tool"
echo "tool2 $$" >"$CTX/tool2"
echo "new tz" >"$CTX/tz"
mkdir -p "$CTX/tree/bin" "$CTX/tree/lib/x"
# a layer may not hold a relative link that climbs out of it (lxr-image
# refuses it), but a context may bring one to a stage that is not stored
mkdir -p "$CTX/climb"
ln -s "../../../../../../../..$TEST_TMP/esc-rel" "$CTX/climb/esc-rel"
echo "tree $$" >"$CTX/tree/bin/tool-t"
echo "tree lib $$" >"$CTX/tree/lib/x/f"
build_df Merged.Dockerfile -t lxrtest/merged-out:1 --build-arg T="$TEST_TMP" <<'D'
FROM lxrtest/merged:compat AS climb
ARG T
COPY climb/ /
COPY tool /esc-rel/sub/
RUN cat "$T/esc-rel/sub/tool"
FROM lxrtest/merged:compat
ARG T
COPY --from=climb $T/esc-rel/sub/tool /climbed
COPY tool /bin/
COPY tool /bin/tool-b
COPY tool2 /bin
ADD tool /sbin/added
COPY tool /lib/foo/
COPY --chown=1000:1000 tool /sbin/new/d/
COPY tool /abs/
COPY tool /esc-abs/
COPY tz /etc/localtime
COPY tree/ /
WORKDIR /lib/wd
RUN for f in /climbed /usr/bin/tool /usr/bin/tool-b /usr/bin/tool2 /usr/sbin/added \
	/usr/lib/foo/tool /usr/sbin/new/d/tool /usr/bin/tool-t /usr/lib/x/f; do test -f "$f" && echo "has $f"; done; \
	for l in /bin /sbin /lib /etc/localtime; do echo "link $l -> $(readlink $l)"; done; \
	echo "tz: $(cat /usr/share/zoneinfo/UTC)"; echo "pwd $(pwd -P)"; \
	stat -c 'owner %n %u' /usr/sbin/new /usr/sbin/new/d/tool; \
	for f in $T/abs-target/tool $T/esc-abs/tool; do \
		test -f "$f" && echo "inside $f"; done; \
	test -f /usr/bin/ls && echo "image bin kept"
D
expect_rc 0 "COPY, ADD and WORKDIR on a merged-usr base"
for f in /climbed /usr/bin/tool /usr/bin/tool-b /usr/bin/tool2 /usr/sbin/added /usr/lib/foo/tool \
	/usr/sbin/new/d/tool /usr/bin/tool-t /usr/lib/x/f; do
	expect_grep "$ERR" "^has $f$" "$f is where the link leads"
done
for l in "/bin -> usr/bin" "/sbin -> /usr/sbin" "/lib -> usr/lib" \
	"/etc/localtime -> /usr/share/zoneinfo/UTC"; do
	expect_grep "$ERR" "^link $l$" "the image's link $l stays"
done
expect_grep "$ERR" "^image bin kept$" "the image's /usr/bin is still seen"
expect_grep "$ERR" "^tz: new tz$" "COPY onto a link to a file writes the file it names (BuildKit)"
expect_grep "$ERR" "^pwd /usr/lib/wd$" "WORKDIR /lib/wd is made in /usr/lib"
expect_grep "$ERR" "^owner /usr/sbin/new 1000$" "--chown owns the directory it made through /sbin"
expect_grep "$ERR" "^owner /usr/sbin/new/d/tool 1000$" "--chown owns the file"
for t in "$TEST_TMP/abs-target/tool" "$TEST_TMP/esc-abs/tool"; do
	expect_grep "$ERR" "^inside $t$" "a link's target is followed inside the image ($t)"
done
for t in abs-target esc-abs esc-rel; do
	[ ! -e "$TEST_TMP/$t" ] || fail "COPY followed a link onto the host: $TEST_TMP/$t"
done
run run --rm --network none lxrtest/merged-out:1 /bin/sh -c 'echo "sh works"; cat /bin/tool'
expect_rc 0 "the built image's /bin/sh"
expect_out "sh works
tool $$" "the built image runs /bin/sh, and /bin/tool is the copy"
pass "COPY, ADD and WORKDIR follow a merged-usr image's links inside its root, as BuildKit"
