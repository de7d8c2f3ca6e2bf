#!/bin/bash
# usage: test_configure_not_linux.sh CMAKE SOURCE_DIR
# Configuring lxr for a system that is not Linux stops at once, saying that
# lxr needs Linux and which kernel features, before any package is looked for.
set -u
cmake=$1 src=$2
tmp=$(mktemp -d)
trap 'rm -rf "$tmp"' EXIT
if "$cmake" -S "$src" -B "$tmp/b" -DCMAKE_SYSTEM_NAME=FreeBSD >"$tmp/out" 2>&1; then
	echo "FAIL: configuring for FreeBSD succeeded" >&2
	exit 1
fi
for want in "lxr needs Linux (this is FreeBSD)" "namespaces" "cgroups" "overlayfs" "nftables"; do
	if ! tr -s ' \n' ' ' <"$tmp/out" | grep -qF "$want"; then
		echo "FAIL: the configure error does not say \"$want\":" >&2
		cat "$tmp/out" >&2
		exit 1
	fi
done
if grep -q "Checking for module" "$tmp/out"; then
	echo "FAIL: packages were looked for before the system was checked" >&2
	exit 1
fi
echo "ok - configuring for a system that is not Linux stops at once and says why"
