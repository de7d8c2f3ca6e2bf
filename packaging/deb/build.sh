#!/bin/bash
# Build lxr_VERSION_ARCH.deb from a configured and built tree, with
# dpkg-deb alone (no debhelper, no network):
#
#   packaging/deb/build.sh [BUILD_DIR [OUT_DIR]]     (defaults: build, .)
#
# The files are what `cmake --install --strip` puts in place (binaries, man
# pages, completions, the systemd unit, README and docs), plus the Debian
# pieces made here: /etc/lxr/lxr.conf (a conffile whose settings are all
# commented defaults), /etc/lxr/stacks/, the data and log directories,
# copyright, changelog, md5sums, and Depends computed by dpkg-shlibdeps
# (from ldd where dpkg-dev is missing). Prints the path of the .deb.
set -euo pipefail

here=$(cd "$(dirname "$0")" && pwd)
src=$(cd "$here/../.." && pwd)
build=$(cd "${1:-$src/build}" && pwd)
out=$(mkdir -p "${2:-.}" && cd "${2:-.}" && pwd)

die() { echo "deb/build.sh: $*" >&2; exit 1; }
[ -x "$build/lxr" ] && [ -x "$build/lxr-image" ] || die "$build has no built lxr and lxr-image (cmake --build $build first)"
command -v dpkg-deb >/dev/null || die "dpkg-deb is missing (apt install dpkg)"

version=$("$build/lxr" version | sed -n 's/^lxr version //p')
[ -n "$version" ] || die "cannot read the version from $build/lxr version"
arch=$(dpkg --print-architecture)
pkg="$out/lxr_${version}_${arch}.deb"

work=$(mktemp -d)
trap 'rm -rf "$work"' EXIT
root="$work/root"

DESTDIR="$root" cmake --install "$build" --prefix /usr --strip >"$work/install.log" 2>&1 ||
	{ cat "$work/install.log" >&2; die "cmake --install failed"; }

# The package's lxr links every library shared, so that Debian's security
# updates reach it (the build's own lxr takes six from their archives for
# start-up time: CMakeLists.txt); a static build ships as it is.
if grep -q '^LXR_STATIC:BOOL=ON' "$build/CMakeCache.txt" 2>/dev/null; then
	:
else
	cmake --build "$build" --target lxr-shared >"$work/shared.log" 2>&1 ||
		{ cat "$work/shared.log" >&2; die "cannot build lxr-shared in $build"; }
	install -m 0755 "$build/lxr-shared" "$root/usr/bin/lxr"
fi

# as dh_strip strips: no symbols, no .comment or .note sections
strip --remove-section=.comment --remove-section=.note --strip-unneeded \
	"$root/usr/bin/lxr" "$root/usr/bin/lxr-image"

# Who built it, as Debian's tools take it (DEBFULLNAME, DEBEMAIL), else the
# author of the tree's last commit.
maint=""
if [ -n "${DEBEMAIL:-}" ]; then
	maint="${DEBFULLNAME:-lxr maintainers} <$DEBEMAIL>"
elif git -C "$src" rev-parse --git-dir >/dev/null 2>&1; then
	maint=$(git -C "$src" log -1 --format='%an <%ae>')
fi
[ -n "$maint" ] || die "set DEBEMAIL (and DEBFULLNAME) to name the package's maintainer"
when=${SOURCE_DATE_EPOCH:-$(git -C "$src" log -1 --format=%ct 2>/dev/null || stat -c %Y "$src/CMakeLists.txt")}

doc="$root/usr/share/doc/lxr"
# The licence text goes into copyright, the one place Debian looks for it.
rm -f "$doc/LICENSE"
{
	cat <<EOF
Format: https://www.debian.org/doc/packaging-manuals/copyright-format/1.0/
Upstream-Name: lxr

Files: *
Copyright: $(date -u -d "@$when" +%Y) the lxr authors
License: Apache-2.0

License: Apache-2.0
 Licensed under the Apache License, Version 2.0 (the "License"); you may not
 use this file except in compliance with the License. You may obtain a copy
 of the License at
 .
 http://www.apache.org/licenses/LICENSE-2.0
 .
 Unless required by applicable law or agreed to in writing, software
 distributed under the License is distributed on an "AS IS" BASIS, WITHOUT
 WARRANTIES OR CONDITIONS OF ANY KIND, either express or implied. See the
 License for the specific language governing permissions and limitations
 under the License.
 .
 On Debian systems, the full text of the Apache License, Version 2.0 can be
 found in the file '/usr/share/common-licenses/Apache-2.0'.
EOF
} >"$doc/copyright"
# A native package: its changelog is changelog.gz, one entry per version.
date=$(date -R -u -d "@$when")
cat >"$work/changelog" <<EOF
lxr ($version) unstable; urgency=medium

  * lxr $version, built from the project's own tree (packaging/deb/build.sh).

 -- $maint  $date
EOF
gzip -9n <"$work/changelog" >"$doc/changelog.gz"

# Debian compresses man pages; lxr-image's commands are lxr(1)'s (pull,
# load, import, save, push), so its page is a link to that one.
find "$root/usr/share/man" -type f -name '*.[0-9]' -exec gzip -9n {} +
ln -s lxr.1.gz "$root/usr/share/man/man1/lxr-image.1.gz"

# Debian's systemd units live in /lib on bookworm (usrmerge's aliasing is
# dpkg-unaware): where dh_installsystemd puts them.
mkdir -p "$root/lib/systemd"
mv "$root/usr/lib/systemd/system" "$root/lib/systemd/system"
rmdir -p --ignore-fail-on-non-empty "$root/usr/lib/systemd"

# lxr.service runs the boot stacks under systemd; without systemd, lxr
# is the box's init itself (docs/boot.md), so no sysvinit script is shipped.
install -d "$root/usr/share/lintian/overrides"
cat >"$root/usr/share/lintian/overrides/lxr" <<'OVR'
# lxr.service starts the boot stacks under systemd; a box without systemd
# boots lxr as its init (init=/usr/bin/lxr), which has no use for an
# /etc/init.d script.
lxr: package-supports-alternative-init-but-no-init.d-script [lib/systemd/system/lxr.service]
OVR

# The settings, the stacks lxr@NAME.service runs, and lxr's directories
# (/run/lxr is a tmpfs: made at run time).
install -D -m 0644 "$here/lxr.conf" "$root/etc/lxr/lxr.conf"
install -d -m 0755 "$root/etc/lxr/stacks" "$root/var/lib/lxr" "$root/var/log/lxr"

# Depends: the shared libraries the two binaries link, as dpkg-shlibdeps
# maps them to packages (it wants a debian/control to run from).
shlibs=""
if command -v dpkg-shlibdeps >/dev/null; then
	mkdir -p "$work/src/debian"
	printf 'Source: lxr\n\nPackage: lxr\nArchitecture: any\n' >"$work/src/debian/control"
	shlibs=$(cd "$work/src" && dpkg-shlibdeps -O "$root/usr/bin/lxr" "$root/usr/bin/lxr-image" 2>/dev/null |
		sed -n 's/^shlibs:Depends=//p')
fi
if [ -z "$shlibs" ]; then
	# each library's owning package, without versions
	shlibs=$(ldd "$root/usr/bin/lxr" "$root/usr/bin/lxr-image" | awk '/=> \//{print $3}' | sort -u |
		while read -r lib; do dpkg -S "$(readlink -f "$lib")" 2>/dev/null || dpkg -S "$lib"; done |
		cut -d: -f1 | sort -u | paste -sd, | sed 's/,/, /g')
fi
[ -n "$shlibs" ] || die "could not compute the shared library dependencies"

size=$(du -sk --exclude=DEBIAN "$root" | cut -f1)
mkdir -p "$root/DEBIAN"
cat >"$root/DEBIAN/control" <<EOF
Package: lxr
Version: $version
Architecture: $arch
Maintainer: $maint
Installed-Size: $size
Depends: $shlibs, nftables
Recommends: uidmap
Suggests: iptables
Section: admin
Priority: optional
Description: runs Compose stacks on bare Linux primitives
 lxr runs a stack of containers described in one Compose file straight on
 namespaces, cgroups, overlayfs, bridges and nftables, with no daemon beyond
 the stack's own supervisor and no container engine underneath.
 .
 It keeps a stack's services running (restart policies, health checks,
 depends_on), writes their logs, and runs each stack in /etc/lxr/stacks/
 from boot as lxr@NAME.service. "lxr doctor" checks that the host has every
 kernel feature lxr uses, and "lxr doctor --repair" cleans up after a crash.
EOF
echo /etc/lxr/lxr.conf >"$root/DEBIAN/conffiles"
(cd "$root" && find . -path ./DEBIAN -prune -o -type f -print | sed 's|^\./||' | sort |
	xargs -d '\n' md5sum) >"$root/DEBIAN/md5sums"
chmod 0644 "$root/DEBIAN/control" "$root/DEBIAN/conffiles" "$root/DEBIAN/md5sums"

dpkg-deb --root-owner-group -Zxz --build "$root" "$pkg" >/dev/null
echo "$pkg"
