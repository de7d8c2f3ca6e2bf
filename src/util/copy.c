/* Copying a directory tree between two open directories, for filling a new
 * volume from an image: everything is opened relative to the two fds and
 * nothing is followed, so a hostile source cannot point the copy elsewhere. */
#define _GNU_SOURCE
#include <dirent.h>
#include <errno.h>
#include <fcntl.h>
#include <string.h>
#include <sys/stat.h>
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

/* Owner, mode (after the owner: chown clears set-id bits) and times. */
static int copy_attrs(int dst, const char *name, const struct stat *st)
{
	const struct timespec ts[2] = {st->st_atim, st->st_mtim};

	if (fchownat(dst, name, st->st_uid, st->st_gid, AT_SYMLINK_NOFOLLOW) < 0)
		return -1;
	if (!S_ISLNK(st->st_mode) && fchmodat(dst, name, st->st_mode & 07777, 0) < 0)
		return -1;
	return utimensat(dst, name, ts, AT_SYMLINK_NOFOLLOW);
}

static int copy_dir(int src, int dst, int depth, const char *path, lxr_err *err);

static int copy_entry(int src, int dst, const char *name, int depth, const char *path, lxr_err *err)
{
	_cleanup_free_ char *sub = lxr_xasprintf("%s/%s", path, name);
	struct stat st;

	if (fstatat(src, name, &st, AT_SYMLINK_NOFOLLOW) < 0)
		return lxr_fail(err, errno, "stat %s", sub);
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
		if (copy_dir(s, d, depth + 1, sub, err) < 0)
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
	if (copy_attrs(dst, name, &st) < 0)
		return lxr_fail(err, errno, "set owner, mode and times of %s", sub);
	return 0;
}

static int copy_dir(int src, int dst, int depth, const char *path, lxr_err *err)
{
	DIR *d = fdopendir(dup(src));
	struct dirent *de;
	int r = 0;

	if (!d)
		return lxr_fail(err, errno, "read directory %s", path);
	rewinddir(d); /* the dup shares its position with src */
	while (r == 0 && (errno = 0, de = readdir(d))) {
		if (!strcmp(de->d_name, ".") || !strcmp(de->d_name, ".."))
			continue;
		r = copy_entry(src, dst, de->d_name, depth, path, err);
	}
	if (r == 0 && errno)
		r = lxr_fail(err, errno, "read directory %s", path);
	closedir(d);
	return r;
}

int lxr_copy_tree(int src, int dst, const char *shown, lxr_err *err)
{
	return copy_dir(src, dst, 0, shown, err);
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
