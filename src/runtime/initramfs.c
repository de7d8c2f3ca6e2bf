/* A box that runs from its initramfs: "/" is the kernel's first mount,
 * rootfs, which has nothing under it. pivot_root moves the old root under
 * the new one and refuses a root that hangs from nothing, so every
 * container start would fail there (EINVAL), as runc's does without
 * --no-pivot. Before the container's root is built, its mount namespace
 * makes "/" a bind of itself (everything mounted below it too), the way
 * switch_root leaves an initramfs: the old root then hangs from rootfs,
 * and the pivot works as on any other box. rootfs stays under the
 * container's root, covered, as it stays under every process of a box
 * that left its initramfs; nothing of it is in reach. The host's own
 * mounts are not touched: this happens in the container's namespace. */
#define _GNU_SOURCE
#include <errno.h>
#include <linux/magic.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/mount.h>
#include <sys/vfs.h>
#include <unistd.h>

#include "runtime/runtime_internal.h"

/* Whether "/" is the namespace's first mount: only a ramfs or a tmpfs can
 * be (the initramfs), and mountinfo gives it itself as its parent. */
static bool root_is_rootfs(void)
{
	_cleanup_free_ char *text = NULL;
	struct statfs sf;
	lxr_err ignored;

	if (statfs("/", &sf) < 0 || (sf.f_type != RAMFS_MAGIC && sf.f_type != TMPFS_MAGIC))
		return false;
	if (lxr_read_file_at(AT_FDCWD, "/proc/self/mountinfo", &text, NULL, &ignored) < 0)
		return false;
	/* "ID PARENT MAJ:MIN ROOT MOUNT-POINT ...": at most two characters of
	 * the mount point are read, so "/" is "/" and not "/proc" */
	for (char *l = text; l && *l;) {
		char *nl = strchr(l, '\n'), where[3];
		int id, parent;
		if (sscanf(l, "%d %d %*s %*s %2s", &id, &parent, where) == 3 && id == parent &&
		    !strcmp(where, "/"))
			return true;
		l = nl ? nl + 1 : NULL;
	}
	return false;
}

int rt_rootfs_leave_initramfs(const char *dir, lxr_err *err)
{
	if (!root_is_rootfs())
		return 0;
	lxr_debug("/ is the initramfs: a bind of it becomes the container's old root");
	if (mount("/", dir, NULL, MS_BIND | MS_REC, NULL) < 0)
		return lxr_fail(err, errno, "bind the initramfs / on %s (mount MS_BIND|MS_REC)",
				dir);
	if (chdir(dir) < 0)
		return lxr_fail(err, errno, "chdir %s", dir);
	if (mount(".", "/", NULL, MS_MOVE, NULL) < 0)
		return lxr_fail(err, errno, "move the bind of / from %s to / (mount MS_MOVE)", dir);
	if (chroot(".") < 0 || chdir("/") < 0)
		return lxr_fail(err, errno, "chroot into the bind of /");
	return 0;
}
