#!/bin/bash
# packaging/deb/build.sh makes a .deb that lintian passes, that holds what
# an installed lxr needs, and that installs into a scratch root (never the
# host's own): dpkg-deb -x always, dpkg --root as root.
# usage: test_deb.sh BUILD_DIR SOURCE_DIR
set -u
BUILD=$1
SRC=$2
work=$(mktemp -d)
trap 'rm -rf "$work"' EXIT
fail=0
bad() { echo "FAIL: $*"; fail=1; }

command -v dpkg-deb >/dev/null || { echo "SKIP: dpkg-deb is not installed"; exit 77; }
deb=$("$SRC/packaging/deb/build.sh" "$BUILD" "$work/out") || { echo "FAIL: build.sh"; exit 1; }
version=$("$BUILD/lxr" version | sed -n 's/^lxr version //p')
[ "$(basename "$deb")" = "lxr_${version}_$(dpkg --print-architecture).deb" ] ||
	bad "package name $(basename "$deb")"

# ---- lintian: clean, overrides aside (each has its reason in the file) ---------
if ! command -v lintian >/dev/null && [ "$(id -u)" -eq 0 ]; then
	DEBIAN_FRONTEND=noninteractive apt-get install -y -qq --no-install-recommends lintian \
		>"$work/apt.log" 2>&1 || cat "$work/apt.log"
fi
if command -v lintian >/dev/null; then
	# as root lintian refuses to run without this
	if ! lintian --allow-root --fail-on error,warning,info --display-level '>=info' \
		"$deb" >"$work/lintian.log" 2>&1; then
		cat "$work/lintian.log"
		bad "lintian"
	fi
else
	echo "SKIP: lintian is not installed and cannot be installed without root"
	exit 77
fi

# ---- what is inside ------------------------------------------------------------
files=$(dpkg-deb -c "$deb" | awk '{print $6}' | sed 's|^\./||; s|/$||' | sort)
for f in usr/bin/lxr usr/bin/lxr-image lib/systemd/system/lxr@.service \
	usr/share/man/man1/lxr.1.gz usr/share/man/man1/lxr-image.1.gz \
	usr/share/man/man5/lxr-stack.5.gz usr/share/man/man5/lxr.conf.5.gz \
	usr/share/bash-completion/completions/lxr usr/share/zsh/site-functions/_lxr \
	usr/share/fish/vendor_completions.d/lxr.fish usr/share/doc/lxr/copyright \
	usr/share/doc/lxr/changelog.gz etc/lxr/lxr.conf etc/lxr/stacks var/lib/lxr var/log/lxr; do
	printf '%s\n' "$files" | grep -qx "$f" || bad "$f is not in the package"
done
[ "$(dpkg-deb -f "$deb" Package)" = lxr ] || bad "Package"
depends=$(dpkg-deb -f "$deb" Depends)
# the package's lxr links every library shared (packaging/deb/build.sh):
# Debian's security updates of them reach it
for d in libc6 libseccomp2 libjansson4 libyaml-0-2 libcurl4 nftables; do
	printf '%s\n' "$depends" | grep -qE "(^|, )$d( |,|$)" || bad "Depends lacks $d: $depends"
done
# rtnetlink is lxr's own (src/net/rtnl.c): no netlink library comes along
case "$depends" in *libnl*) bad "Depends has a netlink library: $depends" ;; esac
[ "$(dpkg-deb -f "$deb" Recommends)" = uidmap ] || bad "Recommends: $(dpkg-deb -f "$deb" Recommends)"
dpkg-deb --ctrl-tarfile "$deb" | tar -xO ./conffiles | grep -qx /etc/lxr/lxr.conf ||
	bad "/etc/lxr/lxr.conf is not a conffile"

# ---- installed into a scratch root ---------------------------------------------
root="$work/root"
dpkg-deb -x "$deb" "$root" || bad "dpkg-deb -x"
"$root/usr/bin/lxr" version | grep -qx "lxr version $version" || bad "the unpacked lxr does not run"
"$root/usr/bin/lxr" help doctor | grep -q -- "--repair" || bad "the unpacked lxr has no doctor"
grep -qx 'ExecStart=/usr/bin/lxr up -f /etc/lxr/stacks/%i.yaml' "$root/lib/systemd/system/lxr@.service" ||
	bad "the unit does not run /usr/bin/lxr"
# the example settings are the defaults: lxr reads them without complaint
LXR_CONFIG="$root/etc/lxr/lxr.conf" "$root/usr/bin/lxr" config --help >/dev/null ||
	bad "lxr refuses the packaged lxr.conf"
printf 'services:\n  a:\n    image: /\n' >"$work/c.yaml"
LXR_CONFIG="$root/etc/lxr/lxr.conf" "$root/usr/bin/lxr" config -q -f "$work/c.yaml" ||
	bad "lxr config with the packaged lxr.conf"
if [ "$(id -u)" -eq 0 ]; then
	# a dpkg database of its own: the host's is never touched; the
	# libraries it depends on are the host's, not the scratch root's
	sroot="$work/sroot"
	mkdir -p "$sroot/var/lib/dpkg/info" "$sroot/var/lib/dpkg/updates"
	touch "$sroot/var/lib/dpkg/status" "$sroot/var/lib/dpkg/available"
	if ! dpkg --root="$sroot" --force-depends --force-script-chrootless -i "$deb" \
		>"$work/dpkg.log" 2>&1; then
		cat "$work/dpkg.log"
		bad "dpkg --root -i"
	fi
	dpkg --root="$sroot" -s lxr 2>/dev/null | grep -qx 'Status: install ok installed' ||
		bad "dpkg --root does not list lxr as installed"
	[ -x "$sroot/usr/bin/lxr" ] && [ -f "$sroot/etc/lxr/lxr.conf" ] || bad "files missing after dpkg -i"
	# purge takes away the conffile too, and nothing is left but the database
	dpkg --root="$sroot" --force-script-chrootless --purge lxr >"$work/dpkg.log" 2>&1 ||
		{ cat "$work/dpkg.log"; bad "dpkg --purge"; }
	left=$(cd "$sroot" && find . -mindepth 1 ! -path './var/lib/dpkg*' ! -path ./var/lib ! -path ./var \
		! -path ./var/log ! -path ./etc ! -path ./usr ! -path ./usr/share ! -path ./usr/bin \
		! -path ./lib ! -path ./lib/systemd ! -path './usr/share/*' -print)
	[ -z "$left" ] || bad "left after purge: $left"
fi
[ "$fail" -eq 0 ] && echo "ok - $(basename "$deb"): lintian clean, contents, scratch-root install"
exit "$fail"
