/* Path rules and metadata for layer unpacking. */
#define _GNU_SOURCE
#include <errno.h>
#include <fcntl.h>
#include <string.h>
#include <sys/stat.h>
#include <sys/xattr.h>

#include "image/tools/unpack.h"

int unpack_norm_path(const char *in, char *out, size_t n, lxr_err *err)
{
	size_t len = 0;

	if (in[0] == '/')
		return lxr_fail(err, EXDEV, "absolute path leaves the layer"),
		       lxr_err_hint(err, "layer archives hold relative names; this one was made "
					 "to write outside its directory");
	for (const char *p = in; *p;) {
		const char *e = strchrnul(p, '/');
		size_t c = (size_t)(e - p);
		if (c == 2 && !strncmp(p, "..", 2))
			return lxr_fail(err, EXDEV, "\"..\" in a path leaves the layer");
		if (c && !(c == 1 && *p == '.')) {
			if (len + c + 2 > n)
				return lxr_fail(err, ENAMETOOLONG, "path too long");
			if (len)
				out[len++] = '/';
			memcpy(out + len, p, c);
			len += c;
		}
		p = *e ? e + 1 : e;
	}
	out[len] = '\0';
	return 0;
}

void unpack_split(const char *path, char *dir, size_t n, const char **base)
{
	const char *slash = strrchr(path, '/');
	size_t d = slash ? (size_t)(slash - path) : 0;

	if (!n)
		return;
	if (d >= n)
		d = n - 1;
	memcpy(dir, path, d);
	dir[d] = '\0';
	*base = slash ? slash + 1 : path;
}

bool unpack_symlink_escapes(const char *dir, const char *target)
{
	long depth = 0;

	if (target[0] == '/')
		return false;
	for (const char *p = dir; *p; p++)
		if (p == dir || p[-1] == '/')
			depth++;
	for (const char *p = target; *p;) {
		const char *e = strchrnul(p, '/');
		size_t c = (size_t)(e - p);
		if (c == 2 && !strncmp(p, "..", 2)) {
			if (--depth < 0)
				return true;
		} else if (c && !(c == 1 && *p == '.')) {
			depth++;
		}
		p = *e ? e + 1 : e;
	}
	return false;
}

static int set_xattrs(int fd, int pfd, const char *name, struct archive_entry *e, lxr_err *err)
{
	const char *k;
	const void *v;
	size_t len;
	_cleanup_free_ char *path = NULL;

	if (archive_entry_xattr_reset(e) == 0)
		return 0;
	if (fd < 0)
		path = lxr_xasprintf("/proc/self/fd/%d/%s", pfd, name);
	while (archive_entry_xattr_next(e, &k, &v, &len) == ARCHIVE_OK) {
		/* overlay's own xattrs would let an archive forge whiteouts and
		 * redirects; lxr writes those itself from the OCI markers */
		if (lxr_str_has_prefix(k, "trusted.overlay."))
			continue;
		if ((fd >= 0 ? fsetxattr(fd, k, v, len, 0) : lsetxattr(path, k, v, len, 0)) < 0 &&
		    errno != ENOTSUP && errno != EPERM)
			return lxr_fail(err, errno, "set xattr %s", k);
	}
	return 0;
}

int unpack_set_meta(int fd, int pfd, const char *name, struct archive_entry *e, lxr_err *err)
{
	uid_t uid = (uid_t)archive_entry_uid(e);
	gid_t gid = (gid_t)archive_entry_gid(e);
	mode_t mode = archive_entry_perm(e) & 07777;
	bool link = archive_entry_filetype(e) == AE_IFLNK;
	struct timespec ts[2] = {
	    {.tv_sec = archive_entry_atime(e), .tv_nsec = archive_entry_atime_nsec(e)},
	    {.tv_sec = archive_entry_mtime(e), .tv_nsec = archive_entry_mtime_nsec(e)},
	};

	if (!archive_entry_atime_is_set(e))
		ts[0] = ts[1];
	/* chown first: it clears set-id bits and file capabilities */
	if ((fd >= 0 ? fchown(fd, uid, gid) : fchownat(pfd, name, uid, gid, AT_SYMLINK_NOFOLLOW)) <
	    0)
		return lxr_fail(err, errno, "chown %u:%u", (unsigned)uid, (unsigned)gid);
	if (!link && (fd >= 0 ? fchmod(fd, mode) : fchmodat(pfd, name, mode, 0)) < 0)
		return lxr_fail(err, errno, "chmod %o", (unsigned)mode);
	if (set_xattrs(fd, pfd, name, e, err) < 0)
		return -1;
	if ((fd >= 0 ? futimens(fd, ts) : utimensat(pfd, name, ts, AT_SYMLINK_NOFOLLOW)) < 0)
		return lxr_fail(err, errno, "set times");
	return 0;
}

int unpack_rm_tree(int pfd, const char *name, lxr_err *err)
{
	_cleanup_free_ char *path = lxr_xasprintf("/proc/self/fd/%d/%s", pfd, name);

	return lxr_rm_rf(path, err);
}
