#!/bin/sh
# Install everything lxr needs to build, test and run its demo, from Debian
# packages only. Safe to run any number of times: apt-get skips what is there,
# and the package index is refreshed only when a package is actually missing.
set -eu

PKGS="build-essential cmake pkg-config clang-format clang libclang-rt-14-dev
libyaml-dev libinih-dev libcap-dev
libseccomp-dev libcmocka-dev libjansson-dev
libarchive-dev libcurl4-openssl-dev nettle-dev zstd docker-registry skopeo python3
busybox-static iproute2 nftables iptables util-linux procps
crun hyperfine python3-yaml python3-jsonschema
qemu-system-x86 linux-image-amd64 cpio
man-db groff-base zsh fish lintian
uidmap passt slirp4netns"
# man-db and groff-base: the man page test renders lxr(1) with warnings on;
# zsh and fish: the completion test parses and drives their scripts;
# lintian: the .deb test (packaging/deb/build.sh) checks the package.
# uidmap, passt and slirp4netns: rootless lxr's test (newuidmap, pasta) and
# bench/rootless.sh (rootless podman's network beside it).

if [ "$(id -u)" -ne 0 ]; then
	echo "setup.sh: must run as root (it installs Debian packages)" >&2
	exit 1
fi

missing=""
for p in $PKGS; do
	dpkg-query -W -f='${Status}' "$p" 2>/dev/null | grep -q "ok installed" ||
		missing="$missing $p"
done
if [ -n "$missing" ]; then
	echo "setup.sh: installing:$missing"
	export DEBIAN_FRONTEND=noninteractive
	apt-get update -qq
	# --no-install-recommends: crun recommends criu and friends we do not use.
	# shellcheck disable=SC2086
	apt-get install -y -qq --no-install-recommends $missing
fi
