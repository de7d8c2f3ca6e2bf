/* A container's user namespace seen from the host: the uid_map/gid_map the
 * parent writes (the range is userns_pool.c's), and the idmapped mounts
 * through which image layers and named volumes keep their on-disk owners. */
#define _GNU_SOURCE
#include <errno.h>
#include <fcntl.h>
#include <linux/openat2.h>
#include <sched.h>
#include <stdio.h>
#include <string.h>
#include <sys/file.h>
#include <sys/mount.h>
#include <sys/stat.h>
#include <sys/syscall.h>

#include "runtime/runtime_internal.h"

int rt_userns_write_maps(pid_t pid, const struct lxr_userns *u, lxr_err *err)
{
	char path[64], map[64];

	/* root writes the maps: the kernel takes any range from it, and
	 * setgroups stays allowed (supplementary groups keep working) */
	snprintf(map, sizeof(map), "0 %u %u\n", u->uid, u->count);
	snprintf(path, sizeof(path), "/proc/%d/uid_map", (int)pid);
	if (lxr_write_file_at(AT_FDCWD, path, map, err) < 0)
		return lxr_err_wrap(err, "user namespace uid_map");
	snprintf(map, sizeof(map), "0 %u %u\n", u->gid, u->count);
	snprintf(path, sizeof(path), "/proc/%d/gid_map", (int)pid);
	if (lxr_write_file_at(AT_FDCWD, path, map, err) < 0)
		return lxr_err_wrap(err, "user namespace gid_map");
	return 0;
}

/* A clone of a shared mount is its peer: mounts would propagate between
 * the host and the container. Private, as a bind made inside the
 * container's own namespace is, unless the stack file asks for a tie. */
static int make_private(int fd, const char *path, lxr_err *err)
{
	struct mount_attr attr = {.propagation = MS_PRIVATE};

	if (syscall(SYS_mount_setattr, fd, "", AT_EMPTY_PATH | AT_RECURSIVE, &attr, sizeof(attr)) <
	    0) {
		int e = errno;
		close(fd);
		return lxr_fail(err, e, "make the clone of %s private (mount_setattr)", path);
	}
	return fd;
}

int rt_userns_tree(const char *path, int userns_fd, bool recursive, bool tied, lxr_err *err)
{
	struct mount_attr attr = {.attr_set = MOUNT_ATTR_IDMAP, .userns_fd = (uint64_t)userns_fd};
	unsigned flags = OPEN_TREE_CLONE | OPEN_TREE_CLOEXEC | (recursive ? AT_RECURSIVE : 0);
	int fd = (int)syscall(SYS_open_tree, AT_FDCWD, path, flags);

	if (fd < 0)
		return lxr_fail(err, errno, "open_tree %s", path);
	if (userns_fd >= 0 &&
	    syscall(SYS_mount_setattr, fd, "", AT_EMPTY_PATH | (recursive ? AT_RECURSIVE : 0),
		    &attr, sizeof(attr)) < 0) {
		int e = errno;
		close(fd);
		lxr_fail(err, e, "idmapped mount of %s (mount_setattr MOUNT_ATTR_IDMAP)", path);
		return lxr_err_hint(err, "a user namespace needs idmapped mounts of the image "
					 "layers and volumes (Linux 5.19 or later, on a filesystem "
					 "that has them: ext4, xfs, btrfs, tmpfs since 6.3); set "
					 "[userns] mode = off in lxr.conf or userns_mode: host");
	}
	return tied ? fd : make_private(fd, path, err);
}

bool rt_userns_op_tree(const struct lxr_spec *spec, const struct rt_op *op)
{
	if (op->kind == RT_OP_MOUNT)
		return op->fstype && !strcmp(op->fstype, "sysfs") && !spec->ns[LXR_NS_NET].create &&
		       spec->ns[LXR_NS_NET].join_path;
	return op->kind == RT_OP_BIND && !op->source_ns;
}

/* sysfs shows the network devices of the namespace it is made in, and
 * only a holder of CAP_SYS_ADMIN over that namespace may make one: for a
 * network namespace the net layer made (the host's user namespace owns
 * it), lxr makes it while its thread is in there (container.c), and the
 * container attaches it. Not the host's /sys: its devices stay unseen. */
int rt_userns_sysfs(const struct rt_op *op, lxr_err *err)
{
	unsigned attr = MOUNT_ATTR_NOSUID | MOUNT_ATTR_NODEV | MOUNT_ATTR_NOEXEC |
			((op->flags & MS_RDONLY) ? MOUNT_ATTR_RDONLY : 0);
	_cleanup_close_ int fs = (int)syscall(SYS_fsopen, "sysfs", FSOPEN_CLOEXEC);
	int fd;

	if (fs < 0)
		return lxr_fail(err, errno, "fsopen sysfs");
	if (syscall(SYS_fsconfig, fs, FSCONFIG_CMD_CREATE, NULL, NULL, 0) < 0)
		return lxr_fail(err, errno, "create a sysfs for the container (fsconfig)");
	fd = (int)syscall(SYS_fsmount, fs, FSMOUNT_CLOEXEC, attr);
	if (fd < 0)
		return lxr_fail(err, errno, "fsmount sysfs");
	return fd;
}

/* What the container mounts for op, as a detached mount: a named volume
 * idmapped (the container's ids are its files' on-disk ids, as podman's
 * :idmap), any other bind as it is on the host (a host file owned by
 * root stays out of container root's reach). A subpath is resolved beneath
 * the volume here, as rootfs.c does without a user namespace. */
static int op_tree_open(const struct rt_op *op, int userns_fd, lxr_err *err)
{
	struct open_how how = {.flags = O_PATH | O_CLOEXEC,
			       .resolve = RESOLVE_BENEATH | RESOLVE_NO_MAGICLINKS};
	_cleanup_close_ int vol = -1, sub = -1;
	struct mount_attr attr = {.attr_set = MOUNT_ATTR_IDMAP, .userns_fd = (uint64_t)userns_fd};
	int fd;

	if (!op->subpath)
		return rt_userns_tree(op->source, op->idmap ? userns_fd : -1, true,
				      op->propagation & (MS_SHARED | MS_SLAVE), err);
	vol = open(op->source, O_PATH | O_DIRECTORY | O_NOFOLLOW | O_CLOEXEC);
	if (vol < 0)
		return lxr_fail(err, errno, "open volume %s", op->source);
	sub = lxr_openat2(vol, op->subpath, &how);
	if (sub < 0) {
		int e = errno;
		lxr_fail(err, e, "volume subpath \"%s\" in %s", op->subpath, op->source);
		if (e == EXDEV || e == ELOOP)
			return lxr_err_hint(err,
					    "it leads out of the volume (a symbolic link "
					    "there, or ..): lxr mounts only what is inside it");
		if (e == ENOENT)
			return lxr_err_hint(err, "make that directory in the volume first, as "
						 "docker wants it to exist");
		return -1;
	}
	fd = (int)syscall(SYS_open_tree, sub, "",
			  AT_EMPTY_PATH | OPEN_TREE_CLONE | OPEN_TREE_CLOEXEC | AT_RECURSIVE);
	if (fd < 0)
		return lxr_fail(err, errno, "open_tree %s/%s", op->source, op->subpath);
	if (op->idmap && syscall(SYS_mount_setattr, fd, "", AT_EMPTY_PATH | AT_RECURSIVE, &attr,
				 sizeof(attr)) < 0) {
		int e = errno;
		close(fd);
		return lxr_fail(err, e, "idmapped mount of %s/%s", op->source, op->subpath);
	}
	return make_private(fd, op->source, err);
}

/* Whether an idmapped mount failed because the kernel or the file system
 * has none (then a shifted copy stands in), not for another reason. */
bool rt_userns_idmap_refused(int errnum)
{
	return errnum == EINVAL || errnum == ENOSYS || errnum == EOPNOTSUPP || errnum == EPERM;
}

int rt_userns_op_tree_open(const struct rt_op *op, int userns_fd, const struct lxr_userns *u,
			   lxr_err *err)
{
	struct rt_op plain = *op;
	int fd;

	if (!op->volume || !lxr_userns_shift_copy()) {
		fd = op_tree_open(op, userns_fd, err);
		if (fd >= 0 || !op->volume || !rt_userns_idmap_refused(err->errnum))
			return fd;
		lxr_debug("volume %s: %s; its owners shifted instead", op->source, err->msg);
	}
	/* no idmapped mount: the volume's owners moved into the range */
	if (rt_userns_volume_shift(op->source, u, err) < 0)
		return -1;
	plain.idmap = false;
	return op_tree_open(&plain, userns_fd, err);
}

/* The container's directory, its overlay directories and /etc files
 * belong to its root: the container reaches them through a descriptor of
 * the directory, not through lxr's private run directory. */
int rt_userns_own_dir(const char *dir, const struct lxr_userns *u, lxr_err *err)
{
	static const char *const names[] = {".",     "upper",    "work",  "rootfs",     "layer",
					    "lower", "hostname", "hosts", "resolv.conf"};
	_cleanup_close_ int dfd = open(dir, O_RDONLY | O_DIRECTORY | O_CLOEXEC);

	if (dfd < 0)
		return lxr_fail(err, errno, "open %s", dir);
	if (mkdirat(dfd, "lower", 0700) < 0 && errno != EEXIST)
		return lxr_fail(err, errno, "create %s/lower", dir);
	for (size_t i = 0; i < sizeof(names) / sizeof(names[0]); i++)
		if (fchownat(dfd, names[i], u->uid, u->gid, AT_SYMLINK_NOFOLLOW) < 0 &&
		    errno != ENOENT)
			return lxr_fail(err, errno, "chown %s/%s to %u:%u", dir, names[i], u->uid,
					u->gid);
	return 0;
}

/* cgroup v2 delegation to container root (the files the kernel's
 * delegation model names), so a cgroup-aware process inside can manage
 * its own subtree as it can without a user namespace. */
int rt_userns_own_cgroup(int cgfd, const struct lxr_userns *u, lxr_err *err)
{
	static const char *const names[] = {"", "cgroup.procs", "cgroup.threads",
					    "cgroup.subtree_control"};

	for (size_t i = 0; cgfd >= 0 && i < sizeof(names) / sizeof(names[0]); i++)
		if (fchownat(cgfd, names[i], u->uid, u->gid, names[i][0] ? 0 : AT_EMPTY_PATH) < 0 &&
		    errno != ENOENT)
			return lxr_fail(err, errno, "delegate cgroup file %s to %u:%u",
					names[i][0] ? names[i] : ".", u->uid, u->gid);
	return 0;
}
