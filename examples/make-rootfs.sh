#!/bin/sh
# Build lxr's base root filesystem from the host's busybox-static: a
# directory with /bin/busybox, every applet linked to it, and the few files
# a container expects (/etc/passwd, /etc/group, /tmp). No registry needed.
#   examples/make-rootfs.sh DIR
# Safe to run again: it rebuilds DIR's contents in place.
set -eu
dest=${1:?usage: make-rootfs.sh DIR}
bb=/bin/busybox
[ -x "$bb" ] || { echo "make-rootfs.sh: $bb missing: apt-get install busybox-static" >&2; exit 1; }
"$bb" --list >/dev/null 2>&1 || { echo "make-rootfs.sh: $bb is not busybox" >&2; exit 1; }
if ldd "$bb" >/dev/null 2>&1; then
	echo "make-rootfs.sh: $bb is dynamically linked; install busybox-static" >&2
	exit 1
fi

mkdir -p "$dest"
cd "$dest"
mkdir -p bin sbin usr/bin usr/sbin etc root tmp var/www proc sys dev home
chmod 1777 tmp
chmod 700 root
cp "$bb" bin/busybox
# Each applet links to /bin/busybox at the path busybox itself names.
"$bb" --list-full | while read -r applet; do
	[ "$applet" = bin/busybox ] && continue
	ln -sf /bin/busybox "$applet"
done
cat > etc/passwd <<'P'
root:x:0:0:root:/root:/bin/sh
daemon:x:1:1:daemon:/usr/sbin:/bin/false
www-data:x:33:33:www-data:/var/www:/bin/false
nobody:x:65534:65534:nobody:/home:/bin/false
app:x:1000:1000:app:/home/app:/bin/sh
P
cat > etc/group <<'G'
root:x:0:
daemon:x:1:
tty:x:5:
www-data:x:33:
users:x:100:app
nogroup:x:65534:
app:x:1000:
G
mkdir -p home/app
chown 1000:1000 home/app
echo "lxr base image (busybox $("$bb" | head -n1 | awk '{print $2}'))" > etc/motd
