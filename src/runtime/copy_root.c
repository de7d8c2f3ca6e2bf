/* lxr cp: copying files between the host and a running container's root
 * with docker cp's rules. The container side is an attacker's filesystem:
 * its paths are resolved with openat2(RESOLVE_IN_ROOT | RESOLVE_NO_MAGICLINKS)
 * on a descriptor of the container's root, and below that every entry is
 * opened relative to its already-open directory with O_NOFOLLOW. Nothing is
 * resolved twice by name, so a symlink planted (or swapped in during the
 * copy) cannot point the copy at the host: at worst it is copied as a link. */
#define _GNU_SOURCE
#include <dirent.h>
#include <errno.h>
#include <fcntl.h>
#include <linux/capability.h>
#include <libgen.h>
#include <string.h>
#include <sys/fsuid.h>
#include <sys/stat.h>
#include <sys/syscall.h>
#include <unistd.h>

#include "lxr/runtime.h"
#include "runtime/runtime_internal.h"

#define MAX_DEPTH 128

struct cp_ctx {
	const struct rt_cp_opts *o;
	lxr_err *err;
};

/* A path on one side: below a container's root, or the host's own. */
static int side_open(int root, const char *path, int flags, lxr_err *err)
{
	int fd;

	if (root != AT_FDCWD)
		return lxr_open_in_root(root, path, flags, 0, err);
	fd = openat(AT_FDCWD, path, flags | O_CLOEXEC);
	if (fd < 0)
		return lxr_fail(err, errno, "open %s", path);
	return fd;
}

/* The host's view of the kernel is there (real kernel addresses in
 * kallsyms, any process's knobs): refused. */
int rt_cp_kernel_fs(int fd, const char *side, const char *path, lxr_err *err)
{
	if (!lxr_fd_on_kernel_fs(fd))
		return 0;
	return lxr_fail(err, EPERM,
			"%s %s: on the container's procfs, sysfs or another kernel filesystem",
			side, path),
	       lxr_err_hint(err, "lxr cp copies a container's files; read such a file inside "
				 "it: lxr exec NAME cat PATH");
}

/* docker cp: the caller owns what it copies unless -a keeps the source's
 * uid/gid. Onto the host, set-id bits never survive: a container must not
 * be able to hand the host a setuid-root program. */
static mode_t dest_mode(const struct cp_ctx *c, mode_t m)
{
	return c->o->to_host ? (m & 01777) : (m & 07777);
}

int rt_cp_fs_ids(const struct rt_cp_opts *o, bool enter, lxr_err *err)
{
	struct __user_cap_header_struct h = {.version = _LINUX_CAPABILITY_VERSION_3};
	struct __user_cap_data_struct d[2];

	if (!o->map_count || o->to_host)
		return 0;
	setfsgid(enter ? o->map_gid : 0);
	setfsuid(enter ? o->map_uid : 0);
	if (!enter)
		return 0;
	/* a non-zero fsuid takes the file capabilities out of the effective
	 * set: back from the permitted one, so owners can still be given */
	if (syscall(SYS_capget, &h, d) < 0)
		return lxr_fail(err, errno, "capget");
	d[0].effective = d[0].permitted;
	d[1].effective = d[1].permitted;
	if (syscall(SYS_capset, &h, d) < 0)
		return lxr_fail(err, errno, "capset");
	return 0;
}

uint32_t rt_cp_owner(const struct rt_cp_opts *o, uint32_t id, bool gid)
{
	uint32_t base = gid ? o->map_gid : o->map_uid;

	if (!o->map_count)
		return id;
	if (o->to_host)
		return id >= base && id - base < o->map_count ? id - base : 65534;
	return id < o->map_count ? base + id : base + (o->map_count > 65534 ? 65534 : 0);
}

static int set_attrs_fd(const struct cp_ctx *c, int fd, const struct stat *st, const char *shown)
{
	const struct timespec ts[2] = {st->st_atim, st->st_mtim};

	/* owner first: chown clears the set-id bits chmod sets */
	if (c->o->archive && fchown(fd, rt_cp_owner(c->o, st->st_uid, false),
				    rt_cp_owner(c->o, st->st_gid, true)) < 0)
		return lxr_fail(c->err, errno, "chown %s", shown);
	if (fchmod(fd, dest_mode(c, st->st_mode)) < 0)
		return lxr_fail(c->err, errno, "chmod %s", shown);
	if (futimens(fd, ts) < 0)
		return lxr_fail(c->err, errno, "set the times of %s", shown);
	return 0;
}

static int copy_node(const struct cp_ctx *c, int sfd, const struct stat *st, int ddir,
		     const char *name, int depth, const char *shown);

static int copy_dir_entries(const struct cp_ctx *c, int sdir, int ddir, int depth,
			    const char *shown)
{
	DIR *d = fdopendir(dup(sdir));
	struct dirent *de;
	int r = 0;

	if (!d)
		return lxr_fail(c->err, errno, "read directory %s", shown);
	rewinddir(d);
	while (r == 0 && (errno = 0, de = readdir(d))) {
		_cleanup_free_ char *sub = NULL;
		_cleanup_close_ int fd = -1;
		struct stat st;

		if (!strcmp(de->d_name, ".") || !strcmp(de->d_name, ".."))
			continue;
		sub = lxr_xasprintf("%s%s%s", shown, lxr_str_has_suffix(shown, "/") ? "" : "/",
				    de->d_name);
		/* the entry itself, never what it points at */
		fd = openat(sdir, de->d_name, O_PATH | O_NOFOLLOW | O_CLOEXEC);
		if (fd < 0 && errno == ENOENT)
			continue; /* removed meanwhile */
		if (fd < 0 || fstat(fd, &st) < 0) {
			r = lxr_fail(c->err, errno, "open %s", sub);
			break;
		}
		r = copy_node(c, fd, &st, ddir, de->d_name, depth, sub);
	}
	if (r == 0 && errno)
		r = lxr_fail(c->err, errno, "read directory %s", shown);
	closedir(d);
	return r;
}

static int copy_dir(const struct cp_ctx *c, int sfd, const struct stat *st, int ddir,
		    const char *name, int depth, const char *shown)
{
	_cleanup_close_ int s = -1, d = -1;

	if (depth >= MAX_DEPTH)
		return lxr_fail(c->err, ELOOP, "%s: deeper than %d directories", shown, MAX_DEPTH);
	if (mkdirat(ddir, name, 0700) < 0 && errno != EEXIST)
		return lxr_fail(c->err, errno, "create directory %s", name);
	/* an existing entry must be a directory, not a link to one */
	d = openat(ddir, name, O_RDONLY | O_DIRECTORY | O_NOFOLLOW | O_CLOEXEC);
	if (d < 0)
		return lxr_fail(c->err, errno == ELOOP ? ENOTDIR : errno,
				"cannot copy directory %s onto %s", shown, name);
	s = openat(sfd, ".", O_RDONLY | O_DIRECTORY | O_CLOEXEC);
	if (s < 0)
		return lxr_fail(c->err, errno, "open directory %s", shown);
	/* the container's /proc or /sys: nothing goes in; an empty directory
	 * there (a copied root's mount point, lxr cp A:/ DIR) is its own */
	if (!c->o->to_host && lxr_fd_on_kernel_fs(d))
		return lxr_dir_is_empty(s) ? 0 : rt_cp_kernel_fs(d, "destination", name, c->err);
	if (copy_dir_entries(c, s, d, depth + 1, shown) < 0)
		return -1;
	return set_attrs_fd(c, d, st, shown);
}

int rt_cp_open_dest(int dir, const char *name)
{
	for (int tries = 0; tries < 8; tries++) {
		_cleanup_close_ int at = openat(dir, name, O_PATH | O_NOFOLLOW | O_CLOEXEC);
		struct stat st;
		int fd;
		if (at >= 0 && fstat(at, &st) < 0)
			return -1;
		if (at >= 0 && S_ISDIR(st.st_mode)) {
			errno = EISDIR;
			return -1;
		}
		/* whatever is in the way is replaced, as docker cp's extraction
		 * replaces it: a file a process runs or maps (a library) is not
		 * rewritten under it, and a link, device, fifo or socket is never
		 * opened (a device node the container made would be written
		 * through, outside its device cgroup). A file that is a mount
		 * point (bound there) cannot go: that very inode is written over */
		if (at >= 0 && unlinkat(dir, name, 0) < 0 && errno != ENOENT) {
			if (errno != EBUSY || !S_ISREG(st.st_mode))
				return -1;
			_cleanup_free_ char *self = lxr_xasprintf("/proc/self/fd/%d", at);
			return open(self, O_WRONLY | O_TRUNC | O_CLOEXEC);
		}
		fd = openat(dir, name, O_WRONLY | O_CREAT | O_EXCL | O_NOFOLLOW | O_CLOEXEC, 0600);
		if (fd >= 0 || errno != EEXIST)
			return fd;
		/* made again meanwhile: look again */
	}
	errno = EBUSY;
	return -1;
}

static int copy_file(const struct cp_ctx *c, int sfd, const struct stat *st, int ddir,
		     const char *name, const char *shown)
{
	_cleanup_free_ char *self = lxr_xasprintf("/proc/self/fd/%d", sfd);
	_cleanup_close_ int in = -1, out = -1;

	/* reopen the very inode that was checked to be a regular file */
	in = open(self, O_RDONLY | O_CLOEXEC);
	if (in < 0)
		return lxr_fail(c->err, errno, "open %s", shown);
	out = rt_cp_open_dest(ddir, name);
	if (out < 0)
		return lxr_fail(c->err, errno, "create %s", name);
	/* a file bound there from a kernel filesystem: never written through */
	if (!c->o->to_host && rt_cp_kernel_fs(out, "destination", name, c->err) < 0)
		return -1;
	if (lxr_copy_data(in, out) < 0)
		return lxr_fail(c->err, errno, "copy %s", shown);
	return set_attrs_fd(c, out, st, shown);
}

static int copy_link(const struct cp_ctx *c, int sfd, const struct stat *st, int ddir,
		     const char *name, const char *shown)
{
	const struct timespec ts[2] = {st->st_atim, st->st_mtim};
	char target[4096];
	ssize_t n = readlinkat(sfd, "", target, sizeof(target) - 1);

	if (n < 0)
		return lxr_fail(c->err, errno, "read link %s", shown);
	target[n] = '\0';
	/* an entry in the way (not a directory) is replaced */
	if (symlinkat(target, ddir, name) < 0 &&
	    (errno != EEXIST || unlinkat(ddir, name, 0) < 0 || symlinkat(target, ddir, name) < 0))
		return lxr_fail(c->err, errno, "create link %s", name);
	if (c->o->archive && fchownat(ddir, name, rt_cp_owner(c->o, st->st_uid, false),
				      rt_cp_owner(c->o, st->st_gid, true), AT_SYMLINK_NOFOLLOW) < 0)
		return lxr_fail(c->err, errno, "chown %s", name);
	utimensat(ddir, name, ts, AT_SYMLINK_NOFOLLOW);
	return 0;
}

static int copy_node(const struct cp_ctx *c, int sfd, const struct stat *st, int ddir,
		     const char *name, int depth, const char *shown)
{
	/* a /proc or /sys below what is copied out: its mount point, empty,
	 * as docker cp's view of a container has it */
	if (c->o->to_host && depth > 0 && lxr_fd_on_kernel_fs(sfd)) {
		if (!S_ISDIR(st->st_mode))
			lxr_warn("%s: on a kernel filesystem (procfs, sysfs, ...); not copied",
				 shown);
		else if (mkdirat(ddir, name, 0755) < 0 && errno != EEXIST)
			return lxr_fail(c->err, errno, "create directory %s", name);
		return 0;
	}
	if (S_ISDIR(st->st_mode))
		return copy_dir(c, sfd, st, ddir, name, depth, shown);
	if (S_ISREG(st->st_mode))
		return copy_file(c, sfd, st, ddir, name, shown);
	if (S_ISLNK(st->st_mode))
		return copy_link(c, sfd, st, ddir, name, shown);
	/* a device node made on the host (or in the container) from the other
	 * side's would open a door the device cgroup closes; docker's tar
	 * carries them, lxr leaves them out and says so */
	lxr_warn("%s: not a file, directory or link; not copied", shown);
	return 0;
}

/* "a/b/" and "a/b/." */
static bool ends_with_slash(const char *p)
{
	size_t n = strlen(p);
	return n && p[n - 1] == '/';
}

static bool ends_with_dot(const char *p)
{
	size_t n = strlen(p);
	return (n == 1 && p[0] == '.') || (n >= 2 && !strcmp(p + n - 2, "/."));
}

/* The last component of a path, without trailing slashes ("/" for "/"). */
static char *last_name(const char *path)
{
	_cleanup_free_ char *p = lxr_xstrdup(path);
	size_t n = strlen(p);

	while (n > 1 && p[n - 1] == '/')
		p[--n] = '\0';
	return lxr_xstrdup(basename(p));
}

static char *parent_of(const char *path)
{
	_cleanup_free_ char *p = lxr_xstrdup(path);
	size_t n = strlen(p);

	while (n > 1 && p[n - 1] == '/')
		p[--n] = '\0';
	return lxr_xstrdup(dirname(p));
}

int rt_cp(int src_root, const char *src, int dst_root, const char *dst, const struct rt_cp_opts *o,
	  lxr_err *err)
{
	struct cp_ctx c = {.o = o, .err = err};
	_cleanup_close_ int sfd = -1, dfd = -1, ddir = -1;
	_cleanup_free_ char *name = NULL, *dparent = NULL;
	struct stat st, dst_st;
	bool contents = false;

	sfd = side_open(src_root, src, O_PATH | (o->follow ? 0 : O_NOFOLLOW), err);
	if (sfd < 0 || fstat(sfd, &st) < 0)
		return sfd < 0 ? lxr_err_wrap(err, "source %s", src)
			       : lxr_fail(err, errno, "stat %s", src);
	if (ends_with_slash(src) && !S_ISDIR(st.st_mode))
		return lxr_fail(err, ENOTDIR, "source %s: not a directory", src);
	if (src_root != AT_FDCWD && rt_cp_kernel_fs(sfd, "source", src, err) < 0)
		return -1;
	contents = S_ISDIR(st.st_mode) && ends_with_dot(src);

	dfd = side_open(dst_root, dst, O_PATH, err);
	if (dfd >= 0 && fstat(dfd, &dst_st) < 0)
		return lxr_fail(err, errno, "stat %s", dst);
	if (dfd < 0 && err->errnum != ENOENT)
		return lxr_err_wrap(err, "destination %s", dst);
	if (dfd >= 0 && S_ISDIR(dst_st.st_mode)) {
		/* into an existing directory: as its own name, or (SRC/.)
		 * its contents */
		ddir = side_open(dst_root, dst, O_RDONLY | O_DIRECTORY, err);
		if (ddir < 0)
			return lxr_err_wrap(err, "destination %s", dst);
		if (dst_root != AT_FDCWD && rt_cp_kernel_fs(ddir, "destination", dst, err) < 0)
			return -1;
		if (contents) {
			_cleanup_close_ int s =
			    openat(sfd, ".", O_RDONLY | O_DIRECTORY | O_CLOEXEC);
			if (s < 0)
				return lxr_fail(err, errno, "open directory %s", src);
			return copy_dir_entries(&c, s, ddir, 1, src);
		}
		name = last_name(src);
		if (!strcmp(name, "/") || !strcmp(name, ".") || !strcmp(name, ".."))
			return lxr_fail(err, EINVAL,
					"source %s: name it as DIR/. to copy its contents", src);
		return copy_node(&c, sfd, &st, ddir, name, 0, src);
	}
	if (dfd >= 0 && S_ISDIR(st.st_mode))
		return lxr_fail(err, ENOTDIR, "cannot copy directory %s onto file %s", src, dst);
	if (dfd < 0 && ends_with_slash(dst) && !S_ISDIR(st.st_mode))
		return lxr_fail(err, ENOENT, "destination directory %s does not exist", dst);
	/* a new (or replaced) entry in an existing directory */
	dparent = parent_of(dst);
	name = last_name(dst);
	if (!strcmp(name, ".") || !strcmp(name, "..") || !strcmp(name, "/"))
		return lxr_fail(err, EINVAL, "destination %s: not a name to create", dst);
	ddir = side_open(dst_root, dparent, O_RDONLY | O_DIRECTORY, err);
	if (ddir < 0)
		return lxr_err_wrap(err, "destination directory %s", dparent);
	if (dst_root != AT_FDCWD && rt_cp_kernel_fs(ddir, "destination", dst, err) < 0)
		return -1;
	return copy_node(&c, sfd, &st, ddir, name, 0, src);
}
