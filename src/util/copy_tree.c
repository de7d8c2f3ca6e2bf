/* Copying a directory tree between two open directories, for filling a new
 * volume from an image, and for an image layer's copy with its owners
 * shifted into a user namespace's range (userns_shift.c): everything is
 * opened relative to the two fds and nothing is followed, so a hostile
 * source cannot point the copy elsewhere. */
#define _GNU_SOURCE
#include <dirent.h>
#include <errno.h>
#include <fcntl.h>
#include <string.h>
#include <sys/stat.h>
#include <sys/xattr.h>
#include <sys/sysmacros.h>
#include <unistd.h>

#include "lxr/util.h"

#define MAX_DEPTH 128

int lxr_copy_data(int in, int out)
{
	char buf[65536];
	ssize_t r;

	for (;;) {
		r = copy_file_range(in, NULL, out, NULL, 1 << 30, 0);
		if (r == 0)
			return 0;
		if (r < 0)
			break;
	}
	if (errno != EXDEV && errno != ENOSYS && errno != EINVAL && errno != EOPNOTSUPP)
		return -1;
	/* another filesystem on an older kernel: plain reads and writes */
	while ((r = read(in, buf, sizeof(buf))) > 0)
		for (ssize_t off = 0, w; off < r; off += w)
			if ((w = write(out, buf + off, (size_t)(r - off))) < 0)
				return -1;
	return r < 0 ? -1 : 0;
}

/* One copy: the shift its owners take, and (for a whole image layer) its
 * hard links kept as links and its extended attributes copied. */
struct copy_ctx {
	const struct lxr_id_shift *shift; /* NULL: owners as they are */
	bool whole;                       /* hard links and xattrs too */
	struct {
		dev_t dev;
		ino_t ino;
		int dir; /* the directory the first name was made in */
		char *name;
	} * links;
	size_t n_links;
	dev_t one_dev; /* not 0: a directory on another device is a mount: left out */
	lxr_err *err;
};

uint32_t lxr_id_shifted(const struct lxr_id_shift *s, uint32_t id, bool gid)
{
	uint32_t from = gid ? s->gid_from : s->uid_from, to = gid ? s->gid_to : s->uid_to;

	return id >= from && id - from < s->count ? to + (id - from) : id;
}

/* The extended attributes of src's entry name on dst's: what a layer
 * keeps in them (overlayfs' opaque marks, file capabilities) is part of
 * the file. By the directories' descriptors, never by opening the entry: a
 * device node is not opened, a symlink not followed. */
static int copy_xattrs(int src, int dst, const char *name, const char *shown, lxr_err *err)
{
	_cleanup_free_ char *in = lxr_xasprintf("/proc/self/fd/%d/%s", src, name);
	_cleanup_free_ char *out = lxr_xasprintf("/proc/self/fd/%d/%s", dst, name);
	_cleanup_free_ char *names = lxr_xmalloc(65536), *value = lxr_xmalloc(65536);
	ssize_t n, v;

	n = llistxattr(in, names, 65536);
	if (n < 0)
		return errno == ENOTSUP ? 0 : lxr_fail(err, errno, "list attributes of %s", shown);
	for (char *k = names; k < names + n; k += strlen(k) + 1) {
		v = lgetxattr(in, k, value, 65536);
		if (v < 0 || lsetxattr(out, k, value, (size_t)v, 0) < 0)
			return lxr_fail(err, errno, "copy attribute %s of %s", k, shown);
	}
	return 0;
}

int lxr_entry_set_attrs(int dir, const char *name, mode_t type, uid_t uid, gid_t gid, int mode,
			const struct timespec *ts)
{
	_cleanup_close_ int fd = openat(dir, name, O_PATH | O_NOFOLLOW | O_CLOEXEC);
	_cleanup_free_ char *self = NULL;
	struct stat now;

	if (fd < 0 || fstat(fd, &now) < 0)
		return -1;
	/* what is there is what was made, not another kind swapped in */
	if ((now.st_mode & S_IFMT) != (type & S_IFMT)) {
		errno = ELOOP;
		return -1;
	}
	if (fchownat(fd, "", uid, gid, AT_EMPTY_PATH | AT_SYMLINK_NOFOLLOW) < 0)
		return -1;
	if (S_ISLNK(type))
		return ts ? utimensat(dir, name, ts, AT_SYMLINK_NOFOLLOW) : 0;
	/* not a link: its /proc/self/fd name is the inode itself */
	self = lxr_xasprintf("/proc/self/fd/%d", fd);
	if (mode >= 0 && chmod(self, (mode_t)mode & 07777) < 0)
		return -1;
	return ts ? utimensat(AT_FDCWD, self, ts, 0) : 0;
}

/* Owner, mode (after the owner: chown clears set-id bits) and times: the
 * destination may be a directory another container writes too (a shared
 * volume's copy-up, before the container's pivot_root). */
static int copy_attrs(const struct copy_ctx *c, int dst, const char *name, const struct stat *st)
{
	const struct timespec ts[2] = {st->st_atim, st->st_mtim};
	uid_t uid = c->shift ? lxr_id_shifted(c->shift, st->st_uid, false) : st->st_uid;
	gid_t gid = c->shift ? lxr_id_shifted(c->shift, st->st_gid, true) : st->st_gid;

	return lxr_entry_set_attrs(dst, name, st->st_mode, uid, gid, (int)(st->st_mode & 07777),
				   ts);
}

/* A second name of an inode already copied: linked to the first copy.
 * 1: linked, 0: the first name (recorded), -1: failed. */
static int copy_link(struct copy_ctx *c, int dst, const char *name, const struct stat *st,
		     const char *shown)
{
	if (!c->whole || S_ISDIR(st->st_mode) || st->st_nlink < 2)
		return 0;
	for (size_t i = 0; i < c->n_links; i++)
		if (c->links[i].dev == st->st_dev && c->links[i].ino == st->st_ino)
			return linkat(c->links[i].dir, c->links[i].name, dst, name, 0) < 0
				   ? lxr_fail(c->err, errno, "link %s", shown)
				   : 1;
	c->links = lxr_xrealloc(c->links, (c->n_links + 1) * sizeof(*c->links));
	c->links[c->n_links].dev = st->st_dev;
	c->links[c->n_links].ino = st->st_ino;
	c->links[c->n_links].dir = fcntl(dst, F_DUPFD_CLOEXEC, 3);
	c->links[c->n_links].name = lxr_xstrdup(name);
	c->n_links++;
	return 0;
}

static int copy_dir(struct copy_ctx *c, int src, int dst, int depth, const char *path);

static int copy_entry(struct copy_ctx *c, int src, int dst, const char *name, int depth,
		      const char *path)
{
	_cleanup_free_ char *sub = lxr_xasprintf("%s/%s", path, name);
	lxr_err *err = c->err;
	struct stat st;
	int linked;

	if (fstatat(src, name, &st, AT_SYMLINK_NOFOLLOW) < 0)
		return lxr_fail(err, errno, "stat %s", sub);
	linked = copy_link(c, dst, name, &st, sub);
	if (linked)
		return linked < 0 ? -1 : 0;
	if (S_ISDIR(st.st_mode) && c->one_dev && st.st_dev != c->one_dev)
		return 0;
	if (S_ISDIR(st.st_mode)) {
		_cleanup_close_ int s = -1, d = -1;
		if (depth >= MAX_DEPTH)
			return lxr_fail(err, ELOOP, "%s: deeper than %d directories", sub,
					MAX_DEPTH);
		if (mkdirat(dst, name, 0700) < 0)
			return lxr_fail(err, errno, "create directory %s", sub);
		s = openat(src, name, O_RDONLY | O_DIRECTORY | O_NOFOLLOW | O_CLOEXEC);
		d = openat(dst, name, O_RDONLY | O_DIRECTORY | O_NOFOLLOW | O_CLOEXEC);
		if (s < 0 || d < 0)
			return lxr_fail(err, errno, "open directory %s", sub);
		if (copy_dir(c, s, d, depth + 1, sub) < 0)
			return -1;
	} else if (S_ISREG(st.st_mode)) {
		_cleanup_close_ int in = openat(src, name, O_RDONLY | O_NOFOLLOW | O_CLOEXEC);
		_cleanup_close_ int out = -1;
		if (in < 0)
			return lxr_fail(err, errno, "open %s", sub);
		out = openat(dst, name, O_WRONLY | O_CREAT | O_EXCL | O_NOFOLLOW | O_CLOEXEC, 0600);
		if (out < 0 || lxr_copy_data(in, out) < 0)
			return lxr_fail(err, errno, "copy %s", sub);
	} else if (S_ISLNK(st.st_mode)) {
		char target[4096];
		ssize_t n = readlinkat(src, name, target, sizeof(target) - 1);
		if (n < 0)
			return lxr_fail(err, errno, "read link %s", sub);
		target[n] = '\0';
		if (symlinkat(target, dst, name) < 0)
			return lxr_fail(err, errno, "create link %s", sub);
	} else {
		/* devices, fifos and sockets as nodes */
		if (mknodat(dst, name, st.st_mode & (S_IFMT | 0700), st.st_rdev) < 0)
			return lxr_fail(err, errno, "create node %s", sub);
	}
	if (copy_attrs(c, dst, name, &st) < 0)
		return lxr_fail(err, errno, "set owner, mode and times of %s", sub);
	/* after the owner: chown drops a file's capabilities */
	if (c->whole && copy_xattrs(src, dst, name, sub, err) < 0)
		return -1;
	return 0;
}

struct copy_at {
	struct copy_ctx *c;
	int dst, depth;
	const char *path;
};

static int copy_one(int src, const char *name, void *ctx)
{
	struct copy_at *a = ctx;

	return copy_entry(a->c, src, a->dst, name, a->depth, a->path);
}

static int copy_dir(struct copy_ctx *c, int src, int dst, int depth, const char *path)
{
	struct copy_at a = {c, dst, depth, path};

	return lxr_dir_each(src, path, copy_one, &a, c->err);
}

static int copy_run(struct copy_ctx *c, int src, int dst, const char *shown)
{
	int r = copy_dir(c, src, dst, 0, shown);

	for (size_t i = 0; i < c->n_links; i++) {
		close(c->links[i].dir);
		free(c->links[i].name);
	}
	free(c->links);
	return r;
}

int lxr_copy_tree(int src, int dst, const char *shown, lxr_err *err)
{
	struct copy_ctx c = {.err = err};

	return copy_run(&c, src, dst, shown);
}

int lxr_copy_tree_one_fs(int src, int dst, const char *shown, lxr_err *err)
{
	struct copy_ctx c = {.err = err};
	struct stat st;

	if (fstat(src, &st) < 0)
		return lxr_fail(err, errno, "stat %s", shown);
	c.one_dev = st.st_dev;
	return copy_run(&c, src, dst, shown);
}

int lxr_copy_tree_shifted(int src, int dst, const struct lxr_id_shift *shift, const char *shown,
			  lxr_err *err)
{
	struct copy_ctx c = {.shift = shift, .whole = true, .err = err};
	struct stat st;

	/* the top directory itself: the copy's root is the layer's root */
	if (fstat(src, &st) < 0)
		return lxr_fail(err, errno, "stat %s", shown);
	if (fchown(dst, lxr_id_shifted(shift, st.st_uid, false),
		   lxr_id_shifted(shift, st.st_gid, true)) < 0 ||
	    fchmod(dst, st.st_mode & 07777) < 0)
		return lxr_fail(err, errno, "give the copy of %s its owner and mode", shown);
	if (copy_run(&c, src, dst, shown) < 0)
		return -1;
	return copy_xattrs(src, dst, ".", shown, err);
}

int lxr_dir_each(int dir, const char *shown, int (*fn)(int dir, const char *name, void *ctx),
		 void *ctx, lxr_err *err)
{
	DIR *d = fdopendir(dup(dir));
	struct dirent *de;
	int r = 0;

	if (!d)
		return lxr_fail(err, errno, "read directory %s", shown);
	rewinddir(d); /* the dup shares its position with dir */
	while (r == 0 && (errno = 0, de = readdir(d))) {
		if (!strcmp(de->d_name, ".") || !strcmp(de->d_name, ".."))
			continue;
		r = fn(dir, de->d_name, ctx);
	}
	if (r == 0 && errno)
		r = lxr_fail(err, errno, "read directory %s", shown);
	closedir(d);
	return r;
}

bool lxr_dir_is_empty(int dirfd)
{
	DIR *d = fdopendir(dup(dirfd));
	struct dirent *de;
	bool empty = true;

	if (!d)
		return false;
	rewinddir(d);
	while (empty && (de = readdir(d)))
		empty = !strcmp(de->d_name, ".") || !strcmp(de->d_name, "..");
	closedir(d);
	return empty;
}
