/* A new (empty) volume takes what the image has at its mount point, and
 * that directory's owner and mode, as docker fills one from the
 * container's root filesystem. The source is found in a copy of the root
 * mount alone (open_tree without AT_RECURSIVE), so a link of the image's to
 * /sys/firmware or /proc reaches the image's own directory, never the
 * kernel's files mounted over it (read as host root, and before the masks);
 * and the copy keeps to the root's filesystem, walking into no mount. */
#define _GNU_SOURCE
#include <errno.h>
#include <fcntl.h>
#include <sys/mount.h>
#include <sys/stat.h>
#include <sys/syscall.h>
#include <unistd.h>

#include "runtime/runtime_internal.h"

int rt_volume_fill(int rootfd, const struct rt_op *op, int tree, lxr_err *err)
{
	/* a detached mount of the volume (a user namespace's, idmapped) is
	 * filled through itself: its ids are the container's */
	_cleanup_close_ int vol =
	    tree >= 0 ? openat(tree, ".", O_RDONLY | O_DIRECTORY | O_CLOEXEC)
		      : open(op->source, O_RDONLY | O_DIRECTORY | O_NOFOLLOW | O_CLOEXEC);
	_cleanup_close_ int image = -1, img = -1;
	struct stat rst, st;
	lxr_err e2;

	if (vol < 0)
		return lxr_fail(err, errno, "open volume %s", op->source);
	if (!lxr_dir_is_empty(vol))
		return 0;
	/* no open_tree (an old kernel, a filter that refuses it): the live
	 * tree, where what is not on the root's filesystem is a mount, never
	 * the image's, and is not copied */
	image = (int)syscall(SYS_open_tree, rootfd, "",
			     OPEN_TREE_CLONE | OPEN_TREE_CLOEXEC | AT_EMPTY_PATH);
	if (image < 0 && errno != ENOSYS && errno != EPERM && errno != EINVAL)
		return lxr_fail(err, errno, "open_tree of the container's root, to fill volume %s",
				op->source);
	img = lxr_open_in_root(image >= 0 ? image : rootfd, op->target, O_RDONLY | O_DIRECTORY, 0,
			       &e2);
	if (img < 0)
		return e2.errnum == ENOENT || e2.errnum == ENOTDIR
			   ? 0
			   : lxr_fail(err, e2.errnum, "open %s in the image", op->target);
	if (fstat(rootfd, &rst) < 0 || fstat(img, &st) < 0)
		return lxr_fail(err, errno, "stat %s in the image", op->target);
	if (st.st_dev != rst.st_dev)
		return 0;
	if (fchown(vol, st.st_uid, st.st_gid) < 0 || fchmod(vol, st.st_mode & 07777) < 0)
		return lxr_fail(err, errno, "give volume %s the owner and mode of %s", op->source,
				op->target);
	if (lxr_copy_tree_one_fs(img, vol, op->target, err) < 0)
		return lxr_err_wrap(err, "fill volume %s from the image", op->source);
	return 0;
}
