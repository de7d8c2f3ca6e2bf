/* A mount narrowed to a directory inside it: an image mount's subpath
 * (compose's image.subpath, docker's image-subpath). The whole image is
 * mounted at the target first (its overlay, or the bind of its one layer);
 * the directory, resolved inside that mount (a link in the image leads
 * where it would in the image, never out of it), is then bound over the
 * target, read-only. The whole stays mounted beneath, out of reach. */
#define _GNU_SOURCE
#include <errno.h>
#include <fcntl.h>
#include <linux/openat2.h>
#include <stdio.h>
#include <sys/mount.h>
#include <sys/stat.h>

#include "runtime/runtime_internal.h"

static int open_beneath(int dirfd, const char *path)
{
	struct open_how how = {.flags = O_PATH | O_CLOEXEC,
			       .resolve = RESOLVE_IN_ROOT | RESOLVE_NO_MAGICLINKS};

	return lxr_openat2(dirfd, path, &how);
}

int rt_mount_narrow(int rootfd, const struct rt_op *op, lxr_err *err)
{
	_cleanup_close_ int top = open_beneath(rootfd, op->target), sub = -1, now = -1;
	char from[32], to[32];
	struct stat st;

	if (top < 0)
		return lxr_fail(err, errno, "open %s in container", op->target);
	sub = open_beneath(top, op->within);
	if (sub < 0)
		return lxr_fail(err, errno, "%s: subpath %s", op->target, op->within),
		       lxr_err_hint(err,
				    "the image has no such path: `lxr run --rm IMAGE ls "
				    "/%s` shows what it has",
				    op->within);
	if (fstat(sub, &st) < 0 || !S_ISDIR(st.st_mode))
		return lxr_fail(err, ENOTDIR, "%s: subpath %s is not a directory", op->target,
				op->within);
	snprintf(from, sizeof(from), "/proc/self/fd/%d", sub);
	snprintf(to, sizeof(to), "/proc/self/fd/%d", top);
	if (mount(from, to, NULL, MS_BIND, NULL) < 0)
		return lxr_fail(err, errno, "bind %s/%s on %s", op->target, op->within, op->target);
	/* the descriptor names what is now beneath: the bind is reached anew */
	now = open_beneath(rootfd, op->target);
	if (now < 0)
		return lxr_fail(err, errno, "open %s in container", op->target);
	snprintf(to, sizeof(to), "/proc/self/fd/%d", now);
	if (mount(NULL, to, NULL,
		  MS_BIND | MS_REMOUNT | (op->flags & (MS_RDONLY | MS_NOSUID | MS_NODEV)),
		  NULL) < 0)
		return lxr_fail(err, errno, "make %s read-only", op->target);
	return 0;
}
