/* Layer unpacking, safe by construction: no entry reaches outside the layer
 * directory, whatever the archive says. Paths are never joined as strings:
 * each entry's parent is opened below the layer's fd with openat2
 * (RESOLVE_BENEATH | RESOLVE_NO_SYMLINKS) and the entry is made with *at
 * calls on that fd. "..", absolute names, symlinked parents, and symlink or
 * hard link targets outside the tree are refused, and the whole archive with
 * them: a layer is trusted all or nothing. */
#define _GNU_SOURCE
#include <archive.h>
#include <archive_entry.h>
#include <errno.h>
#include <fcntl.h>
#include <limits.h>
#include <linux/openat2.h>
#include <string.h>
#include <sys/stat.h>
#include <sys/sysmacros.h>
#include <sys/xattr.h>

#include "image/tools/tools.h"
#include "image/tools/unpack.h"

#define WH_PREFIX ".wh."
#define WH_OPAQUE ".wh..wh..opq"

struct unpack {
	int rootfd;
	struct archive *raw; /* decompresses; its output is hashed (the diff ID) */
	struct archive *tar; /* reads entries from raw's output */
	struct img_hash hash;
	char buf[1 << 16];
	/* the last parent directory opened: tar entries come grouped by dir */
	char *cached_dir;
	int cached_fd;
};

static la_ssize_t raw_read(struct archive *a, void *ud, const void **out)
{
	struct unpack *u = ud;
	la_ssize_t n = archive_read_data(u->raw, u->buf, sizeof(u->buf));

	if (n < 0) {
		archive_set_error(a, archive_errno(u->raw), "%s", archive_error_string(u->raw));
		return -1;
	}
	img_hash_update(&u->hash, u->buf, (size_t)n);
	*out = u->buf;
	return n;
}

static void cache_drop(struct unpack *u)
{
	free(u->cached_dir);
	u->cached_dir = NULL;
	img_close(&u->cached_fd);
}

static int open_beneath(int dirfd, const char *path, int flags)
{
	struct open_how how = {
	    .flags = (uint64_t)(flags | O_CLOEXEC | O_NOFOLLOW),
	    .resolve =
		RESOLVE_BENEATH | RESOLVE_NO_SYMLINKS | RESOLVE_NO_MAGICLINKS | RESOLVE_NO_XDEV,
	};
	return lxr_openat2(dirfd, path, &how);
}

static int parent_errno_msg(int e, const char *dir, lxr_err *err)
{
	/* O_NOFOLLOW|O_DIRECTORY on a symlink is ENOTDIR; deeper ones ELOOP */
	if (e == ELOOP || e == ENOTDIR)
		return lxr_fail(err, e, "parent \"%s\" is a symlink or not a directory", dir),
		       lxr_err_hint(err, "a layer may not write through a symlink; the archive "
					 "is malformed or hostile");
	if (e == EXDEV)
		return lxr_fail(err, e, "parent directory \"%s\" leaves the layer", dir);
	return lxr_fail(err, e, "open parent directory \"%s\" (openat2)", dir);
}

/* Open dir (normalized, relative) below the root, making missing
 * directories one component at a time; every step is an openat2 that
 * refuses symlinks. Returns a borrowed fd (the cache owns it). */
static int parent_fd(struct unpack *u, const char *dir, lxr_err *err)
{
	_cleanup_free_ char *copy = NULL;
	_cleanup_close_ int cur = -1;
	char *save = NULL;

	if (!*dir)
		return u->rootfd;
	if (u->cached_dir && !strcmp(u->cached_dir, dir))
		return u->cached_fd;
	cache_drop(u);
	cur = open_beneath(u->rootfd, dir, O_RDONLY | O_DIRECTORY);
	if (cur < 0 && errno != ENOENT)
		return parent_errno_msg(errno, dir, err);
	if (cur < 0) {
		copy = lxr_xstrdup(dir);
		cur = open_beneath(u->rootfd, ".", O_RDONLY | O_DIRECTORY);
		for (char *c = strtok_r(copy, "/", &save); c && cur >= 0;
		     c = strtok_r(NULL, "/", &save)) {
			int next = open_beneath(cur, c, O_RDONLY | O_DIRECTORY);
			if (next < 0 && errno == ENOENT) {
				if (mkdirat(cur, c, 0755) < 0)
					return lxr_fail(err, errno, "mkdir \"%s\" in \"%s\"", c,
							dir);
				next = open_beneath(cur, c, O_RDONLY | O_DIRECTORY);
			}
			if (next < 0)
				return parent_errno_msg(errno, dir, err);
			close(cur);
			cur = next;
		}
	}
	u->cached_dir = lxr_xstrdup(dir);
	u->cached_fd = lxr_steal_fd(&cur);
	return u->cached_fd;
}

/* Remove whatever is at name (a later entry replaces an earlier one). */
static int clear_name(struct unpack *u, int pfd, const char *name, bool keep_dir, lxr_err *err)
{
	struct stat st;

	if (fstatat(pfd, name, &st, AT_SYMLINK_NOFOLLOW) < 0)
		return errno == ENOENT ? 0 : lxr_fail(err, errno, "stat \"%s\"", name);
	if (S_ISDIR(st.st_mode)) {
		if (keep_dir)
			return 1;
		cache_drop(u);
		return unpack_rm_tree(pfd, name, err);
	}
	if (unlinkat(pfd, name, 0) < 0)
		return lxr_fail(err, errno, "unlink \"%s\"", name);
	return 0;
}

static int write_data(struct unpack *u, int fd, struct archive_entry *e, lxr_err *err)
{
	const void *buf;
	size_t len;
	la_int64_t off;
	int r;

	/* data comes in blocks at offsets: holes of sparse files stay holes */
	while ((r = archive_read_data_block(u->tar, &buf, &len, &off)) == ARCHIVE_OK) {
		const char *p = buf;
		while (len) {
			ssize_t w = pwrite(fd, p, len, off);
			if (w < 0 && errno == EINTR)
				continue;
			if (w < 0)
				return lxr_fail(err, errno, "write");
			p += w;
			off += w;
			len -= (size_t)w;
		}
	}
	if (r != ARCHIVE_EOF)
		return lxr_fail(err, archive_errno(u->tar), "read data: %s",
				archive_error_string(u->tar));
	if (ftruncate(fd, archive_entry_size(e)) < 0)
		return lxr_fail(err, errno, "truncate");
	return 0;
}

static int make_file(struct unpack *u, int pfd, const char *name, struct archive_entry *e,
		     lxr_err *err)
{
	_cleanup_close_ int fd =
	    openat(pfd, name, O_WRONLY | O_CREAT | O_EXCL | O_NOFOLLOW | O_CLOEXEC, 0600);

	if (fd < 0)
		return lxr_fail(err, errno, "create");
	if (write_data(u, fd, e, err) < 0)
		return -1;
	return unpack_set_meta(fd, pfd, name, e, err);
}

static int make_hardlink(struct unpack *u, int pfd, const char *name, const char *target,
			 lxr_err *err)
{
	char norm[PATH_MAX];
	_cleanup_close_ int tfd = -1;

	if (unpack_norm_path(target, norm, sizeof(norm), err) < 0 || !*norm)
		return lxr_err_wrap(err, "hard link target \"%s\"", target);
	tfd = open_beneath(u->rootfd, norm, O_PATH);
	if (tfd < 0)
		return lxr_fail(err, errno,
				"hard link target \"%s\" (must be an earlier entry "
				"of this layer, reached without symlinks)",
				target);
	/* linkat on the fd itself: the target cannot be swapped between the
	 * check and the link */
	if (linkat(tfd, "", pfd, name, AT_EMPTY_PATH) < 0)
		return lxr_fail(err, errno, "link to \"%s\"", target);
	return 0;
}

static int make_symlink(int pfd, const char *dir, const char *name, const char *target,
			struct archive_entry *e, lxr_err *err)
{
	/* a symlink header whose target libarchive could not read */
	if (!target || !*target)
		return lxr_fail(err, EINVAL, "symlink without a target");
	if (unpack_symlink_escapes(dir, target))
		return lxr_fail(err, EXDEV, "symlink to \"%s\" points outside the layer", target);
	if (symlinkat(target, pfd, name) < 0)
		return lxr_fail(err, errno, "symlink");
	return unpack_set_meta(-1, pfd, name, e, err);
}

static int make_node(int pfd, const char *name, struct archive_entry *e, lxr_err *err)
{
	mode_t type = archive_entry_filetype(e);

	if (mknodat(pfd, name, type | 0600, type == AE_IFIFO ? 0 : archive_entry_rdev(e)) < 0)
		return lxr_fail(err, errno, "mknod");
	return unpack_set_meta(-1, pfd, name, e, err);
}

static int make_dir(int pfd, const char *name, struct archive_entry *e, bool exists, lxr_err *err)
{
	_cleanup_close_ int fd = -1;

	if (!exists && mkdirat(pfd, name, 0700) < 0)
		return lxr_fail(err, errno, "mkdir");
	fd = open_beneath(pfd, name, O_RDONLY | O_DIRECTORY);
	if (fd < 0)
		return lxr_fail(err, errno, "open directory");
	return unpack_set_meta(fd, pfd, name, e, err);
}

static int whiteout(struct unpack *u, int pfd, const char *base, lxr_err *err)
{
	const char *name = base + strlen(WH_PREFIX);

	/* OCI image-spec "Whiteouts": an opaque marker hides everything lower
	 * layers have in this directory; overlayfs reads that from an xattr */
	if (!strcmp(base, WH_OPAQUE)) {
		if (fsetxattr(pfd, "trusted.overlay.opaque", "y", 1, 0) < 0)
			return lxr_fail(err, errno, "set trusted.overlay.opaque");
		return 0;
	}
	if (lxr_str_has_prefix(name, WH_PREFIX)) /* other aufs metadata: no meaning */
		return 0;
	if (!*name || !strcmp(name, ".") || !strcmp(name, ".."))
		return lxr_fail(err, EINVAL, "whiteout of an invalid name");
	if (clear_name(u, pfd, name, false, err) < 0)
		return -1;
	/* overlayfs's whiteout: a 0/0 character device */
	if (mknodat(pfd, name, S_IFCHR | 0, makedev(0, 0)) < 0)
		return lxr_fail(err, errno, "mknod whiteout for \"%s\"", name);
	return 0;
}

static int apply_entry(struct unpack *u, struct archive_entry *e, const char *path, lxr_err *err)
{
	char dir[PATH_MAX];
	const char *base, *link = archive_entry_hardlink(e);
	int pfd, exists;

	unpack_split(path, dir, sizeof(dir), &base);
	pfd = parent_fd(u, dir, err);
	if (pfd < 0)
		return -1;
	if (lxr_str_has_prefix(base, WH_PREFIX))
		return whiteout(u, pfd, base, err);
	exists = clear_name(u, pfd, base, !link && archive_entry_filetype(e) == AE_IFDIR, err);
	if (exists < 0)
		return -1;
	if (link)
		return make_hardlink(u, pfd, base, link, err);
	switch (archive_entry_filetype(e)) {
	case AE_IFREG: return make_file(u, pfd, base, e, err);
	case AE_IFDIR: return make_dir(pfd, base, e, exists == 1, err);
	case AE_IFLNK: return make_symlink(pfd, dir, base, archive_entry_symlink(e), e, err);
	case AE_IFCHR:
	case AE_IFBLK:
	case AE_IFIFO: return make_node(pfd, base, e, err);
	default: return 0; /* sockets: a layer has no use for them */
	}
}

static int next_entry(struct unpack *u, lxr_err *err)
{
	struct archive_entry *e;
	char path[PATH_MAX];
	const char *name;
	int r = archive_read_next_header(u->tar, &e);

	if (r == ARCHIVE_EOF)
		return 0;
	if (r < ARCHIVE_WARN)
		return lxr_fail(err, archive_errno(u->tar) > 0 ? archive_errno(u->tar) : EBADMSG,
				"read tar: %s", archive_error_string(u->tar));
	name = archive_entry_pathname(e);
	if (!name)
		return lxr_fail(err, EBADMSG, "tar entry without a name");
	if (unpack_norm_path(name, path, sizeof(path), err) < 0)
		return lxr_err_wrap(err, "entry \"%s\"", name);
	if (!*path) /* the layer root itself ("./") */
		return 1;
	if (apply_entry(u, e, path, err) < 0)
		return lxr_err_wrap(err, "entry \"%s\"", name);
	return 1;
}

static int open_readers(struct unpack *u, int fd, lxr_err *err)
{
	u->raw = archive_read_new();
	u->tar = archive_read_new();
	if (!u->raw || !u->tar)
		abort();
	archive_read_support_filter_gzip(u->raw);
	archive_read_support_filter_zstd(u->raw);
	archive_read_support_filter_xz(u->raw);
	archive_read_support_filter_bzip2(u->raw);
	archive_read_support_format_raw(u->raw);
	archive_read_support_format_tar(u->tar);
	if (archive_read_open_fd(u->raw, fd, sizeof(u->buf)) != ARCHIVE_OK)
		return lxr_fail(err, archive_errno(u->raw), "open layer: %s",
				archive_error_string(u->raw));
	struct archive_entry *raw_entry;
	if (archive_read_next_header(u->raw, &raw_entry) != ARCHIVE_OK)
		return lxr_fail(err, EBADMSG, "layer: %s", archive_error_string(u->raw));
	if (archive_read_open(u->tar, u, NULL, raw_read, NULL) != ARCHIVE_OK)
		return lxr_fail(err, EBADMSG, "layer is not a tar archive: %s",
				archive_error_string(u->tar));
	return 0;
}

/* Hash what follows the tar's end marker too: the diff ID covers every
 * byte of the uncompressed stream. */
static int drain(struct unpack *u, lxr_err *err)
{
	la_ssize_t n;

	while ((n = archive_read_data(u->raw, u->buf, sizeof(u->buf))) > 0)
		img_hash_update(&u->hash, u->buf, (size_t)n);
	if (n < 0)
		return lxr_fail(err, EBADMSG, "read layer: %s", archive_error_string(u->raw));
	return 0;
}

bool img_is_tar_fd(int fd)
{
	struct unpack u = {.rootfd = -1, .cached_fd = -1};
	struct archive_entry *e;
	lxr_err err;
	bool tar;

	img_hash_init(&u.hash);
	tar = open_readers(&u, fd, &err) == 0 && archive_read_next_header(u.tar, &e) == ARCHIVE_OK;
	img_hash_abort(&u.hash);
	archive_read_free(u.tar);
	archive_read_free(u.raw);
	return tar;
}

int img_unpack_fd(int fd, int dirfd, char *diffid, lxr_err *err)
{
	struct unpack u = {.rootfd = dirfd, .cached_fd = -1};
	int r;

	img_hash_init(&u.hash);
	r = open_readers(&u, fd, err);
	if (r == 0)
		while ((r = next_entry(&u, err)) > 0)
			;
	if (r == 0)
		r = drain(&u, err);
	cache_drop(&u);
	archive_read_free(u.tar);
	archive_read_free(u.raw);
	if (r < 0) {
		img_hash_abort(&u.hash);
		return -1;
	}
	img_hash_final(&u.hash, diffid);
	return 0;
}
