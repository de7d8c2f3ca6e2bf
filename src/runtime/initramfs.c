/* A box that runs from its initramfs: "/" is the kernel's first mount,
 * rootfs, which hangs from nothing. pivot_root moves the old root under
 * the new one and refuses a root that hangs from nothing, so every
 * container start failed there (EINVAL), as runc's does.
 *
 * Before the container's root is built, its mount namespace (a copy of
 * the host's, private) makes "/" a bind of itself, everything mounted
 * below it included: bound on an empty directory, moved onto "/", entered
 * with chroot. The pivot then works as on any other box, from the bind.
 * The copies of the host's mounts that still hang from rootfs under the
 * bind (its /proc, /sys, /run, volumes) are detached first: left there,
 * a full /proc of the host's would let a container that may make user
 * namespaces (seccomp=unconfined) mount a /proc of its own without the
 * masks (the kernel allows that while one such mount is anywhere in the
 * namespace), and a volume's file system would stay pinned by every
 * container. Left under the container's root is rootfs itself, covered:
 * its files are out of reach without CAP_SYS_ADMIN.
 *
 * Refused in a user namespace (rootless lxr, [userns]): a bind made there
 * is not locked by the kernel, so root of the container's user namespace
 * with CAP_SYS_ADMIN could unmount its own root and stand on the box's
 * live initramfs. */
#define _GNU_SOURCE
#include <errno.h>
#include <fcntl.h>
#include <linux/magic.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/mount.h>
#include <sys/stat.h>
#include <sys/vfs.h>
#include <unistd.h>

#include "runtime/runtime_internal.h"

/* /proc/self/mountinfo, at path: the host's /proc, or the bind's copy of it
 * once the host's is detached */
static char *mountinfo(const char *path)
{
	char *text = NULL;
	lxr_err ignored;

	if (lxr_read_file_at(AT_FDCWD, path, &text, NULL, &ignored) < 0)
		return NULL;
	return text;
}

/* The next line of mountinfo, "ID PARENT MAJ:MIN ROOT MOUNT-POINT ...":
 * its ids, and where the mount point starts (and its length). */
static char *next_line(char *l, int *id, int *parent, const char **where, size_t *len)
{
	char *nl = strchr(l, '\n');
	int at = -1;

	*id = *parent = -1;
	if (sscanf(l, "%d %d %*s %*s %n", id, parent, &at) < 2 || at < 0 || (nl && l + at > nl)) {
		*where = "";
		*len = 0;
	} else {
		*where = l + at;
		*len = strcspn(*where, " \n");
	}
	return nl ? nl + 1 : NULL;
}

/* The mount id of rootfs when "/" is it (only a ramfs or a tmpfs can be,
 * and mountinfo gives it itself as its parent), else -1. */
static int rootfs_id(void)
{
	_cleanup_free_ char *text = NULL;
	struct statfs sf;

	if (statfs("/", &sf) < 0 || (sf.f_type != RAMFS_MAGIC && sf.f_type != TMPFS_MAGIC) ||
	    !(text = mountinfo("/proc/self/mountinfo")))
		return -1;
	for (char *l = text; l && *l;) {
		const char *where;
		size_t len;
		int id, parent;
		l = next_line(l, &id, &parent, &where, &len);
		if (id >= 0 && id == parent && len == 1 && where[0] == '/')
			return id;
	}
	return -1;
}

static bool initial_userns(void)
{
	_cleanup_free_ char *map = NULL;
	unsigned inside, outside, count;
	lxr_err ignored;

	return lxr_read_file_at(AT_FDCWD, "/proc/self/uid_map", &map, NULL, &ignored) == 0 &&
	       sscanf(map, "%u %u %u", &inside, &outside, &count) == 3 && inside == 0 &&
	       outside == 0 && count == UINT32_MAX;
}

/* Detach every mount that hangs from rootfs but the bind (keep): the
 * process's root is still rootfs, so their mount points reach them and not
 * the bind's copies on "/". A stack of mounts on one point goes from the
 * top, so the list is read again until none is left, from the bind's
 * /proc (the working directory is the bind's root). */
static int detach_originals(int rootfs, int keep, lxr_err *err)
{
	for (int pass = 0; pass < 64; pass++) {
		_cleanup_free_ char *text = mountinfo("proc/self/mountinfo");
		bool any = false;
		if (!text)
			return lxr_fail(err, errno, "read the bind's /proc/self/mountinfo");
		for (char *l = text; l && *l;) {
			const char *where;
			size_t len;
			int id, parent;
			l = next_line(l, &id, &parent, &where, &len);
			if (parent == rootfs && id != rootfs && id != keep && len) {
				_cleanup_free_ char *path = rt_mountinfo_unescape(where, len);
				if (umount2(path, MNT_DETACH) < 0)
					return lxr_fail(err, errno,
							"detach the host's %s under the initramfs "
							"(umount2)",
							path);
				any = true;
			}
		}
		if (!any)
			return 0;
	}
	return lxr_fail(err, ELOOP,
			"detach the host's mounts under the initramfs: still some "
			"after 64 rounds");
}

static int refuse_userns(lxr_err *err)
{
	lxr_fail(err, EPERM,
		 "/ is the initramfs (rootfs) and the container is in a user namespace");
	return lxr_err_hint(err,
			    "on a box that runs from its initramfs lxr runs containers as root "
			    "without a user namespace only (no rootless, no [userns] in "
			    "lxr.conf): there the kernel would not lock the container's root");
}

int rt_rootfs_initramfs_userns(lxr_err *err)
{
	return rootfs_id() < 0 ? 0 : refuse_userns(err);
}

int rt_rootfs_leave_initramfs(const char *dir, lxr_err *err)
{
	int rootfs = rootfs_id();
	struct statx sx;

	if (rootfs < 0)
		return 0;
	if (!initial_userns())
		return refuse_userns(err);
	lxr_debug("/ is the initramfs: a bind of it becomes the container's old root");
	if (mount("/", dir, NULL, MS_BIND | MS_REC, NULL) < 0)
		return lxr_fail(err, errno, "bind the initramfs / on %s (mount MS_BIND|MS_REC)",
				dir);
	if (chdir(dir) < 0)
		return lxr_fail(err, errno, "chdir %s", dir);
	if (mount(".", "/", NULL, MS_MOVE, NULL) < 0)
		return lxr_fail(err, errno, "move the bind of / from %s to / (mount MS_MOVE)", dir);
	if (statx(AT_FDCWD, ".", 0, STATX_MNT_ID, &sx) < 0 || !(sx.stx_mask & STATX_MNT_ID))
		return lxr_fail(err, errno ? errno : ENOSYS, "statx the bind of / (STATX_MNT_ID)");
	if (detach_originals(rootfs, (int)sx.stx_mnt_id, err) < 0)
		return -1;
	if (chroot(".") < 0)
		return lxr_fail(err, errno, "chroot into the bind of /");
	if (chdir("/") < 0)
		return lxr_fail(err, errno, "chdir / in the bind of /");
	return 0;
}

void rt_initramfs_check(struct lxr_checks *c)
{
	if (rootfs_id() < 0)
		lxr_check_add(c, "root", LXR_CHECK_OK, NULL, NULL,
			      "/ hangs from a mount below it: containers pivot from it");
	else
		lxr_check_add(c, "root", LXR_CHECK_WARN,
			      "rootless lxr and containers in a user namespace ([userns])",
			      "boot into a root file system (switch_root) to have them",
			      "/ is the initramfs (rootfs): containers pivot from a bind of it");
}
