/* The executor of the rootfs plan (mountplan.c), run inside the container's
 * new mount namespace. Every target is resolved below the container's root
 * with openat2(RESOLVE_IN_ROOT) and mounted through /proc/self/fd/N, so a
 * symlink planted in an image (/proc -> /etc, say) cannot steer a mount onto
 * the host: the CVE-2019-19921 / CVE-2021-30465 class of bug. */
#define _GNU_SOURCE
#include <errno.h>
#include <fcntl.h>
#include <linux/openat2.h>
#include <sched.h>
#include <string.h>
#include <sys/mount.h>
#include <sys/stat.h>
#include <sys/statvfs.h>
#include <sys/syscall.h>
#include <sys/sysmacros.h>

#include "runtime/runtime_internal.h"

static void fd_path(int fd, char buf[static 32])
{
	snprintf(buf, 32, "/proc/self/fd/%d", fd);
}

static int open_in(int rootfd, const char *path, int flags, mode_t mode)
{
	struct open_how how = {.flags = (uint64_t)(flags | O_CLOEXEC),
			       .mode = (flags & O_CREAT) ? mode : 0,
			       .resolve = RESOLVE_IN_ROOT | RESOLVE_NO_MAGICLINKS};
	while (*path == '/')
		path++;
	return lxr_openat2(rootfd, *path ? path : ".", &how);
}

/* Split "/a/b/c" into a malloc'd parent "/a/b" and a pointer to "c". */
static char *split_parent(const char *path, const char **base)
{
	const char *slash = strrchr(path, '/');

	*base = slash ? slash + 1 : path;
	return slash ? lxr_xstrndup(path, (size_t)(slash - path)) : lxr_xstrdup("");
}

/* mkdir -p below root, every component confined to root; returns an O_PATH
 * fd of the directory. */
static int mkdirs_in_root(int rootfd, const char *path, lxr_err *err)
{
	_cleanup_free_ char *parent = NULL;
	_cleanup_close_ int pfd = -1;
	const char *base;
	int fd = open_in(rootfd, path, O_PATH | O_DIRECTORY, 0);

	if (fd >= 0 || errno != ENOENT)
		return fd >= 0 ? fd : lxr_fail(err, errno, "open directory %s in container", path);
	parent = split_parent(path, &base);
	pfd = mkdirs_in_root(rootfd, parent, err);
	if (pfd < 0)
		return -1;
	if (mkdirat(pfd, base, 0755) < 0 && errno != EEXIST)
		return lxr_fail(err, errno, "mkdir %s in container", path);
	fd = open_in(rootfd, path, O_PATH | O_DIRECTORY, 0);
	if (fd < 0)
		return lxr_fail(err, errno, "open directory %s in container", path);
	return fd;
}

/* The directory target lives in, inside root (made when missing), and the
 * last component's name in *base. */
static int parent_in_root(int rootfd, const char *target, const char **base, lxr_err *err)
{
	_cleanup_free_ char *parent = split_parent(target, base);
	return mkdirs_in_root(rootfd, parent, err);
}

/* An O_PATH fd of target inside root, created as a directory or an empty
 * file (what a bind of a file needs) when missing. */
static int resolve_target(int rootfd, const char *target, bool dir, lxr_err *err)
{
	_cleanup_close_ int pfd = -1;
	const char *base;
	int fd;

	if (dir)
		return mkdirs_in_root(rootfd, target, err);
	fd = open_in(rootfd, target, O_PATH, 0);
	if (fd >= 0 || errno != ENOENT)
		return fd >= 0 ? fd : lxr_fail(err, errno, "open %s in container", target);
	pfd = parent_in_root(rootfd, target, &base, err);
	if (pfd < 0)
		return -1;
	fd = open_in(rootfd, target, O_CREAT | O_WRONLY, 0644);
	if (fd < 0)
		return lxr_fail(err, errno, "create %s in container", target);
	close(fd);
	fd = open_in(rootfd, target, O_PATH, 0);
	return fd >= 0 ? fd : lxr_fail(err, errno, "open %s in container", target);
}

/* ... and not in /proc: what is mounted is what was checked (the fd) */
static int target_in_root(int rootfd, const char *target, bool dir, lxr_err *err)
{
	int fd = resolve_target(rootfd, target, dir, err);

	if (fd >= 0 && rt_rootfs_check_target(fd, target, err) < 0) {
		close(fd);
		return -1;
	}
	return fd;
}

/* Flags a bind remount must keep: the kernel refuses (EPERM) to clear
 * nosuid/nodev/noexec/atime flags that are locked on the source mount. */
static unsigned long kept_flags(const char *path)
{
	struct statvfs sv;
	unsigned long f = 0;

	if (statvfs(path, &sv) < 0)
		return 0;
	if (sv.f_flag & ST_NOSUID)
		f |= MS_NOSUID;
	if (sv.f_flag & ST_NODEV)
		f |= MS_NODEV;
	if (sv.f_flag & ST_NOEXEC)
		f |= MS_NOEXEC;
	if (sv.f_flag & ST_NOATIME)
		f |= MS_NOATIME;
	if (sv.f_flag & ST_NODIRATIME)
		f |= MS_NODIRATIME;
	if (sv.f_flag & ST_RELATIME)
		f |= MS_RELATIME;
	return f;
}

/* FLAGS (MS_RDONLY, MS_NOSUID, MS_NODEV, MS_NOEXEC) set on the mount at
 * path and on every mount below it, in one call (mount_setattr, 5.12+),
 * which also leaves the locked flags alone. 0, or -1 with errno. */
static int setattr_down(const char *path, unsigned long flags)
{
	struct mount_attr attr = {.attr_set = (flags & MS_RDONLY ? MOUNT_ATTR_RDONLY : 0) |
					      (flags & MS_NOSUID ? MOUNT_ATTR_NOSUID : 0) |
					      (flags & MS_NODEV ? MOUNT_ATTR_NODEV : 0) |
					      (flags & MS_NOEXEC ? MOUNT_ATTR_NOEXEC : 0)};

	return (int)syscall(SYS_mount_setattr, AT_FDCWD, path, AT_RECURSIVE, &attr, sizeof(attr));
}

/* recursive: read-only below too (a private bind; see remount_bind) */
static int remount_bind(const char *path, unsigned long flags, bool recursive, const char *shown,
			lxr_err *err)
{
	const unsigned long want = MS_RDONLY | MS_NOSUID | MS_NODEV | MS_NOEXEC;

	if (!(flags & want))
		return 0;
	/* read-only only, all the way down: the one call below does it for
	 * the top mount too, and the remount is not needed */
	if (recursive && (flags & want) == MS_RDONLY && setattr_down(path, MS_RDONLY) == 0)
		return 0;
	if (mount(NULL, path, NULL, MS_REMOUNT | MS_BIND | (flags & want) | kept_flags(path),
		  NULL) < 0)
		return lxr_fail(err, errno,
				"remount %s read-only/nosuid (mount MS_REMOUNT|MS_BIND)", shown);
	/* The remount changes the top mount only: what the host has mounted
	 * below a bind's source (a tmpfs, /proc under a bind of /) would stay
	 * writable. Read-only all the way down, as docker 25 makes an ro
	 * bind, where the bind is private (docker's rule: what a slave or
	 * shared bind receives later would arrive writable anyway). A kernel
	 * before 5.12 (ENOSYS), or a filter around lxr that refuses the call
	 * (EPERM: lxr in a container), keeps docker 24's meaning. */
	if ((flags & MS_RDONLY) && recursive) {
		if (setattr_down(path, MS_RDONLY) < 0 && errno != ENOSYS && errno != EPERM)
			return lxr_fail(err, errno,
					"make %s read-only below too (mount_setattr AT_RECURSIVE)",
					shown);
	}
	return 0;
}

/* a bind whose propagation ties it to the host's mount (rslave, rshared) */
static bool op_private(const struct rt_op *op)
{
	return !(op->propagation & (MS_SLAVE | MS_SHARED));
}

static int op_mount(int rootfd, const struct rt_op *op, lxr_err *err)
{
	_cleanup_close_ int fd = target_in_root(rootfd, op->target, true, err);
	char p[32];

	if (fd < 0)
		return -1;
	fd_path(fd, p);
	if (mount(op->source, p, op->fstype, op->flags, op->data) < 0)
		return lxr_fail(err, errno, "mount %s on %s%s%s", op->fstype, op->target,
				op->data ? " with " : "", op->data ? op->data : "");
	return op->within ? rt_mount_narrow(rootfd, op, err) : 0;
}

/* A detached mount tree (open_tree OPEN_TREE_CLONE) attached at the
 * target, then remounted with the op's flags. */
static int attach_tree(int rootfd, const struct rt_op *op, int tree, const char *shown,
		       lxr_err *err)
{
	_cleanup_close_ int fd = -1;
	struct stat st;
	char p[32];

	if (fstat(tree, &st) < 0)
		return lxr_fail(err, errno, "stat %s", shown);
	fd = target_in_root(rootfd, op->target, S_ISDIR(st.st_mode), err);
	if (fd < 0)
		return -1;
	if (syscall(SYS_move_mount, tree, "", fd, "",
		    MOVE_MOUNT_F_EMPTY_PATH | MOVE_MOUNT_T_EMPTY_PATH) < 0)
		return lxr_fail(err, errno, "move_mount %s on %s", shown, op->target);
	close(fd);
	fd = open_in(rootfd, op->target, O_PATH, 0);
	if (fd < 0)
		return lxr_fail(err, errno, "open %s in container", op->target);
	fd_path(fd, p);
	return remount_bind(p, op->flags, op_private(op), op->target, err);
}

/* A mount of another container's, shared: a bind mount cannot take its
 * source from another mount namespace, but a detached copy of it
 * (open_tree OPEN_TREE_CLONE) made inside that namespace can be attached
 * here. The path is resolved there, from that container's root, so no
 * symlink of its can lead anywhere else. */
static int bind_from_ns(int rootfd, const struct rt_op *op, lxr_err *err)
{
	_cleanup_close_ int own = open("/proc/self/ns/mnt", O_RDONLY | O_CLOEXEC);
	_cleanup_close_ int other = open(op->source_ns, O_RDONLY | O_CLOEXEC);
	_cleanup_close_ int tree = -1;
	_cleanup_free_ char *shown = lxr_xasprintf("%s of %s", op->source, op->source_ns);
	int e;

	if (own < 0 || other < 0)
		return lxr_fail(err, errno, "open mount namespace %s",
				own < 0 ? "/proc/self/ns/mnt" : op->source_ns);
	if (setns(other, CLONE_NEWNS) < 0)
		return lxr_fail(err, errno, "setns into %s", op->source_ns);
	tree = (int)syscall(SYS_open_tree, AT_FDCWD, op->source,
			    OPEN_TREE_CLONE | OPEN_TREE_CLOEXEC | AT_RECURSIVE);
	e = errno;
	if (setns(own, CLONE_NEWNS) < 0)
		return lxr_fail(err, errno, "setns back into the container's mount namespace");
	if (tree < 0)
		return lxr_fail(err, e, "open_tree %s", shown),
		       lxr_err_hint(err, "sharing another container's mounts needs open_tree "
					 "(Linux 5.2 or later)");
	/* read-only there stays so (the remount for nosuid would clear it) */
	struct rt_op ro = *op;
	struct statvfs sv;
	ro.flags |= fstatvfs(tree, &sv) == 0 && (sv.f_flag & ST_RDONLY) ? MS_RDONLY : 0;
	return attach_tree(rootfd, &ro, tree, shown, err);
}

/* A volume's subpath: resolved beneath the volume's directory, so that
 * neither ".." nor a symlink the volume holds (a container may have put
 * one there) can lead to a host path; the directory found is mounted
 * through its fd, so what was checked is what is mounted. */
static int open_subpath(const struct rt_op *op, lxr_err *err)
{
	_cleanup_close_ int vol = open(op->source, O_PATH | O_DIRECTORY | O_NOFOLLOW | O_CLOEXEC);
	struct open_how how = {.flags = O_PATH | O_CLOEXEC,
			       .resolve = RESOLVE_BENEATH | RESOLVE_NO_MAGICLINKS};
	int fd;

	if (vol < 0)
		return lxr_fail(err, errno, "open volume %s", op->source);
	fd = lxr_openat2(vol, op->subpath, &how);
	if (fd >= 0)
		return fd;
	lxr_fail(err, errno, "volume subpath \"%s\" in %s", op->subpath, op->source);
	if (errno == EXDEV || errno == ELOOP)
		return lxr_err_hint(err,
				    "it leads out of the volume (a symbolic link there, or ..): "
				    "lxr mounts only what is inside it");
	if (errno == ENOENT)
		return lxr_err_hint(err, "make that directory in the volume first, as docker "
					 "wants it to exist");
	return -1;
}

static int op_bind(int rootfd, const struct rt_op *op, lxr_err *err)
{
	struct stat st;
	_cleanup_close_ int fd = -1, sub = -1;
	char p[32], sp[32];
	const char *source = op->source;

	if (op->source_ns)
		return bind_from_ns(rootfd, op, err);
	if (op->copy_up && rt_volume_fill(rootfd, op, -1, err) < 0)
		return -1;
	if (op->subpath) {
		sub = open_subpath(op, err);
		if (sub < 0)
			return -1;
		fd_path(sub, sp);
		source = sp;
	}
	if (stat(source, &st) < 0)
		return lxr_fail(err, errno, "bind mount source %s", op->source);
	fd = target_in_root(rootfd, op->target, S_ISDIR(st.st_mode), err);
	if (fd < 0)
		return -1;
	fd_path(fd, p);
	if (mount(source, p, NULL, MS_BIND | MS_REC, NULL) < 0)
		return lxr_fail(err, errno, "bind mount %s%s%s on %s", op->source,
				op->subpath ? "/" : "", op->subpath ? op->subpath : "", op->target);
	/* the fd names the covered directory: the new mount is reached anew */
	close(fd);
	fd = open_in(rootfd, op->target, O_PATH, 0);
	if (fd < 0)
		return lxr_fail(err, errno, "open %s in container", op->target);
	fd_path(fd, p);
	if (remount_bind(p, op->flags, op_private(op), op->target, err) < 0)
		return -1;
	return op->within ? rt_mount_narrow(rootfd, op, err) : 0;
}

/* A bind whose source stays tied to the host's mount (shared or slave):
 * cloned before the namespace's mounts are made private, while its copy
 * is still a peer of the host's mount (clone_tied: trees[i], -1 for an op
 * that needs no clone). */
static bool tied(const struct rt_op *op)
{
	return op->kind == RT_OP_BIND && !op->source_ns && !op->subpath &&
	       (op->propagation & (MS_SHARED | MS_SLAVE));
}

static int clone_tied(const struct rt_plan *plan, int *trees, lxr_err *err)
{
	for (size_t i = 0; i < plan->n; i++) {
		if (trees[i] >= 0 || !tied(&plan->ops[i]))
			continue;
		trees[i] = (int)syscall(SYS_open_tree, AT_FDCWD, plan->ops[i].source,
					OPEN_TREE_CLONE | OPEN_TREE_CLOEXEC | AT_RECURSIVE);
		if (trees[i] < 0)
			return lxr_fail(err, errno, "open_tree %s (bind propagation)",
					plan->ops[i].source);
	}
	return 0;
}

/* The bind's propagation, once it is in place: shared or slave to what
 * its clone was a peer of; private and rprivate are what it is already. */
static int set_propagation(int rootfd, const struct rt_op *op, lxr_err *err)
{
	_cleanup_close_ int fd = -1;
	char p[32];

	if (op->kind != RT_OP_BIND || !(op->propagation & (MS_SHARED | MS_SLAVE)))
		return 0;
	fd = open_in(rootfd, op->target, O_PATH, 0);
	if (fd < 0)
		return lxr_fail(err, errno, "open %s in container", op->target);
	fd_path(fd, p);
	if (mount(NULL, p, NULL, op->propagation, NULL) < 0)
		return lxr_fail(err, errno, "set the propagation of %s (mount MS_%s%s)", op->target,
				op->propagation & MS_SHARED ? "SHARED" : "SLAVE",
				op->propagation & MS_REC ? "|MS_REC" : "");
	return 0;
}

static int op_device(int rootfd, const struct rt_op *op, lxr_err *err)
{
	const char *base;
	_cleanup_close_ int pfd = parent_in_root(rootfd, op->target, &base, err);

	if (pfd < 0)
		return -1;
	if (lxr_rootless_uid() < 0) {
		if (mknodat(pfd, base, op->mode, makedev(op->major, op->minor)) == 0) {
			/* the host node's owner, as docker gives a --device node */
			if ((op->uid || op->gid) &&
			    fchownat(pfd, base, op->uid, op->gid, AT_SYMLINK_NOFOLLOW) < 0)
				return lxr_fail(err, errno, "chown %s to %u:%u", op->target,
						(unsigned)op->uid, (unsigned)op->gid);
			return 0;
		}
		if (errno != EPERM)
			return lxr_fail(err, errno, "mknod %s", op->target);
	}
	/* Rootless (a user namespace cannot make device nodes, and some
	 * kernels leave a plain file for the attempt), or without CAP_MKNOD
	 * in the initial user namespace: bind the host's node, as runc does. */
	struct rt_op b = {.kind = RT_OP_BIND,
			  .target = op->target,
			  .source = op->source ? op->source : op->target};
	return op_bind(rootfd, &b, err);
}

static int op_symlink(int rootfd, const struct rt_op *op, lxr_err *err)
{
	const char *base;
	_cleanup_close_ int pfd = parent_in_root(rootfd, op->target, &base, err);

	if (pfd < 0)
		return -1;
	if (symlinkat(op->source, pfd, base) < 0 && errno != EEXIST)
		return lxr_fail(err, errno, "symlink %s -> %s", op->target, op->source);
	return 0;
}

static int mount_overlay(char *const *lowers, const char *rootdir, const char *upper,
			 const char *work, lxr_err *err)
{
	_cleanup_free_ char *lower = NULL;
	_cleanup_free_ char *data = NULL;

	for (size_t i = 0; lowers && lowers[i]; i++) {
		const char *l = lowers[i];
		char *n;
		/* overlayfs splits its option string on ',' and lowerdir on ':' */
		if (strpbrk(l, ",:\n"))
			return lxr_fail(err, EINVAL, "root filesystem path %s contains ',' or ':'",
					l),
			       lxr_err_hint(err, "overlayfs cannot take such a path as a layer; "
						 "move or link the directory to a plain path");
		n = lower ? lxr_xasprintf("%s:%s", lower, l) : lxr_xstrdup(l);
		free(lower);
		lower = n;
	}
	if (!lower)
		return lxr_fail(err, EINVAL, "no root filesystem given");
	data = lxr_xasprintf("lowerdir=%s,upperdir=%s,workdir=%s", lower, upper, work);
	if (mount("overlay", rootdir, "overlay", 0, data) == 0)
		return 0;
	lxr_fail(err, errno, "mount overlay on %s (lowerdir=%s upperdir=%s)", rootdir, lower,
		 upper);
	if (errno == EINVAL)
		lxr_err_hint(err,
			     "upperdir and workdir must be on one filesystem that supports "
			     "overlay upper layers (tmpfs, ext4, xfs with d_type); the run "
			     "directory %s is on another kind — set LXR_RUN_DIR or run_dir",
			     upper);
	return -1;
}

/* The writable layer of a --rm container: a tmpfs in the container's own
 * mount namespace. It vanishes with the container, even if lxr is killed,
 * nothing needs deleting, and its pages count against the container's memory
 * limit. */
static int mount_layer_tmpfs(const char *layer, const char *upper, const char *work, lxr_err *err)
{
	if (mount("tmpfs", layer, "tmpfs", MS_NOSUID | MS_NODEV, "mode=0700") < 0)
		return lxr_fail(err, errno, "mount tmpfs for the writable layer on %s", layer);
	if (mkdir(upper, 0755) < 0 || mkdir(work, 0700) < 0)
		return lxr_fail(err, errno, "create %s and %s", upper, work);
	return 0;
}

static void close_trees(int *trees, size_t n)
{
	for (size_t i = 0; trees && i < n; i++)
		if (trees[i] >= 0)
			close(trees[i]);
	free(trees);
}

static int run_ops(int rootfd, const struct rt_plan *plan, int *trees, lxr_err *err)
{
	for (size_t i = 0; i < plan->n; i++) {
		const struct rt_op *op = &plan->ops[i];
		int r = 0;

		switch (op->kind) {
		case RT_OP_MOUNT:
			r = trees[i] >= 0 ? attach_tree(rootfd, op, trees[i], op->fstype, err)
					  : op_mount(rootfd, op, err);
			break;
		case RT_OP_BIND:
			if (trees[i] >= 0 && op->copy_up)
				r = rt_volume_fill(rootfd, op, trees[i], err);
			if (r == 0)
				r = trees[i] >= 0
					? attach_tree(rootfd, op, trees[i], op->source, err)
					: op_bind(rootfd, op, err);
			if (r == 0)
				r = set_propagation(rootfd, op, err);
			break;
		case RT_OP_DEVICE: r = op_device(rootfd, op, err); break;
		case RT_OP_SYMLINK: r = op_symlink(rootfd, op, err); break;
		default: break;
		}
		if (r < 0)
			return -1;
	}
	return 0;
}

/* The idmapped lowers attached under stage (a tmpfs of this namespace's
 * own, gone with it): overlayfs takes its layers by path, and a detached
 * mount is a layer only on the newest kernels. *out: their paths. */
static int stage_lowers(const struct rt_userns_mounts *um, char ***out, lxr_err *err)
{
	_cleanup_close_ int sfd = -1;

	*out = lxr_xcalloc(um->n_lowers + 1, sizeof(char *));
	if (mount("tmpfs", um->stage, "tmpfs", MS_NOSUID | MS_NODEV, "mode=0700") < 0)
		return lxr_fail(err, errno, "mount tmpfs for the image layers on %s", um->stage);
	sfd = open(um->stage, O_PATH | O_DIRECTORY | O_CLOEXEC);
	if (sfd < 0)
		return lxr_fail(err, errno, "open %s", um->stage);
	for (size_t i = 0; i < um->n_lowers; i++) {
		char name[24];

		snprintf(name, sizeof(name), "%zu", i);
		if (mkdirat(sfd, name, 0700) < 0)
			return lxr_fail(err, errno, "mkdir %s/%s", um->stage, name);
		if (syscall(SYS_move_mount, um->lowers[i], "", sfd, name, MOVE_MOUNT_F_EMPTY_PATH) <
		    0)
			return lxr_fail(err, errno, "move_mount image layer %zu on %s/%s", i,
					um->stage, name);
		(*out)[i] = lxr_xasprintf("%s/%s", um->stage, name);
	}
	return 0;
}

static int mount_root(const struct lxr_spec *spec, const char *rootdir, const char *layer,
		      const char *upper, const char *work, const struct rt_userns_mounts *um,
		      lxr_err *err)
{
	char **staged = NULL;
	int r;

	if (layer && mount_layer_tmpfs(layer, upper, work, err) < 0)
		return -1;
	if (!um)
		return mount_overlay(spec->lower_dirs, rootdir, upper, work, err);
	r = stage_lowers(um, &staged, err);
	if (r == 0)
		r = mount_overlay(staged, rootdir, upper, work, err);
	lxr_strv_free(staged);
	return r;
}

int rt_rootfs_setup(const struct lxr_spec *spec, const char *rootdir, const char *layer,
		    const char *upper, const char *work, const struct rt_plan *plan,
		    const struct rt_userns_mounts *um, lxr_err *err)
{
	_cleanup_close_ int rootfd = -1;
	int *trees = lxr_xcalloc(plan->n + 1, sizeof(int));

	for (size_t i = 0; i < plan->n; i++)
		trees[i] = um ? um->trees[i] : -1;
	if (clone_tied(plan, trees, err) < 0) {
		close_trees(trees, plan->n);
		return -1;
	}
	/* No propagation back to the host, ever: everything below is private
	 * to this namespace before the first mount (but the clones above of
	 * binds whose propagation the stack file asks for, which are still
	 * their host mounts' peers). */
	if (mount(NULL, "/", NULL, MS_REC | MS_PRIVATE, NULL) < 0) {
		close_trees(trees, plan->n);
		return lxr_fail(err, errno, "make mounts private (mount MS_REC|MS_PRIVATE on /)");
	}
	if (rt_rootfs_leave_initramfs(rootdir, err) < 0 ||
	    mount_root(spec, rootdir, layer, upper, work, um, err) < 0) {
		close_trees(trees, plan->n);
		return -1;
	}
	rootfd = open(rootdir, O_PATH | O_DIRECTORY | O_CLOEXEC);
	if (rootfd < 0) {
		close_trees(trees, plan->n);
		return lxr_fail(err, errno, "open %s", rootdir);
	}
	if (run_ops(rootfd, plan, trees, err) < 0) {
		close_trees(trees, plan->n);
		return -1;
	}
	close_trees(trees, plan->n);
	if (spec->cwd && spec->cwd[0]) {
		_cleanup_close_ int cfd = mkdirs_in_root(rootfd, spec->cwd, err);
		if (cfd < 0)
			return lxr_err_wrap(err, "working directory");
	}
	if (spec->n_hooks && um)
		return lxr_fail(err, ENOTSUP,
				"createContainer hooks (a CDI device's) in a "
				"container with a user namespace"),
		       lxr_err_hint(err, "run it without one (userns_mode: host)");
	if (rt_hooks_create_container(spec, rootdir, err) < 0)
		return -1;
	/* pivot_root(".", ".") stacks the old root under the new one; the
	 * detach then drops it without needing a directory for it. */
	if (fchdir(rootfd) < 0)
		return lxr_fail(err, errno, "chdir %s", rootdir);
	if (syscall(SYS_pivot_root, ".", ".") < 0) {
		int e = errno;
		lxr_fail(err, e, "pivot_root into %s", rootdir);
		return e == EINVAL ? lxr_err_hint(err, "is / a mount that hangs from nothing lxr "
						       "could not see (lxr chrooted into an "
						       "initramfs)?")
				   : -1;
	}
	if (umount2(".", MNT_DETACH) < 0)
		return lxr_fail(err, errno, "detach old root (umount2 MNT_DETACH)");
	if (chdir("/") < 0)
		return lxr_fail(err, errno, "chdir /");
	return 0;
}

/* A file is masked with the null device, bound through an fd of it that
 * was checked: a /dev/null swapped for a link (a volume on /dev another
 * container writes) would bind what it names, /proc/sys/kernel/core_pattern
 * say, writable over /proc/keys. */
static int op_mask(const struct rt_op *op, lxr_err *err)
{
	_cleanup_close_ int null = -1;
	struct stat st;
	char p[32];

	if (lstat(op->target, &st) < 0)
		return errno == ENOENT ? 0 : lxr_fail(err, errno, "mask %s", op->target);
	if (S_ISDIR(st.st_mode)) {
		if (mount("tmpfs", op->target, "tmpfs", MS_RDONLY, "size=0") < 0)
			return lxr_fail(err, errno, "mask %s (mount empty tmpfs)", op->target);
		return 0;
	}
	null = rt_open_null(O_PATH, err);
	if (null < 0)
		return lxr_err_wrap(err, "mask %s", op->target);
	fd_path(null, p);
	if (mount(p, op->target, NULL, MS_BIND, NULL) < 0)
		return lxr_fail(err, errno, "mask %s (bind /dev/null)", op->target);
	return 0;
}

static int op_readonly(const struct rt_op *op, lxr_err *err)
{
	if (mount(op->target, op->target, NULL, MS_BIND | MS_REC, NULL) < 0)
		return errno == ENOENT
			   ? 0
			   : lxr_fail(err, errno, "make %s read-only (bind)", op->target);
	/* the whole subtree in one call where the kernel can; else the
	 * remount of the top, then read-only below */
	if (setattr_down(op->target, MS_RDONLY | MS_NOSUID | MS_NODEV | MS_NOEXEC) == 0)
		return 0;
	return remount_bind(op->target, MS_RDONLY | MS_NOSUID | MS_NODEV | MS_NOEXEC, true,
			    op->target, err);
}

int rt_rootfs_finish(const struct lxr_spec *spec, const struct rt_plan *plan, lxr_err *err)
{
	for (size_t i = 0; i < plan->n; i++) {
		const struct rt_op *op = &plan->ops[i];
		int r = 0;

		if (op->kind == RT_OP_MASK)
			r = op_mask(op, err);
		else if (op->kind == RT_OP_READONLY)
			r = op_readonly(op, err);
		if (r < 0)
			return -1;
	}
	if (spec->readonly_root &&
	    mount(NULL, "/", NULL, MS_REMOUNT | MS_BIND | MS_RDONLY | kept_flags("/"), NULL) < 0)
		return lxr_fail(err, errno,
				"make / read-only (mount MS_REMOUNT|MS_BIND|MS_RDONLY)");
	return 0;
}
