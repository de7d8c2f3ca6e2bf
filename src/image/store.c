/* The store's directories, locks and blobs. A blob gets its name only after
 * its content hashed to that name, so a name is a promise about content. */
#define _GNU_SOURCE
#include <errno.h>
#include <fcntl.h>
#include <string.h>
#include <sys/file.h>
#include <sys/stat.h>

#include "image/image_internal.h"

static int open_dir_at(int dirfd, const char *name, lxr_err *err)
{
	int fd;

	if (mkdirat(dirfd, name, 0700) < 0 && errno != EEXIST)
		return lxr_fail(err, errno, "mkdir %s", name);
	fd = openat(dirfd, name, O_RDONLY | O_DIRECTORY | O_NOFOLLOW | O_CLOEXEC);
	if (fd < 0)
		return lxr_fail(err, errno, "open %s", name);
	return fd;
}

static int open_dirs(struct img_store *s, lxr_err *err)
{
	_cleanup_close_ int blobs = -1;

	if (lxr_mkdir_p(s->root, 0700, err) < 0)
		return -1;
	s->rootfd = open(s->root, O_RDONLY | O_DIRECTORY | O_CLOEXEC);
	if (s->rootfd < 0)
		return lxr_fail(err, errno, "open %s", s->root);
	blobs = open_dir_at(s->rootfd, "blobs", err);
	if (blobs < 0)
		return -1;
	s->blobsfd = open_dir_at(blobs, "sha256", err);
	if (s->blobsfd < 0)
		return -1;
	s->layersfd = open_dir_at(s->rootfd, "layers", err);
	if (s->layersfd < 0)
		return -1;
	s->usesfd = open_dir_at(s->rootfd, "uses", err);
	return s->usesfd < 0 ? -1 : 0;
}

int img_store_open(const char *data_dir, struct img_store **out, lxr_err *err)
{
	struct img_store *s = lxr_xcalloc(1, sizeof(*s));

	s->rootfd = s->blobsfd = s->layersfd = s->usesfd = s->gc_lock = -1;
	s->root = lxr_xasprintf("%s/images", data_dir);
	if (open_dirs(s, err) < 0) {
		lxr_err_wrap(err, "image store %s", s->root);
		img_store_close(s);
		return -1;
	}
	*out = s;
	return 0;
}

void img_store_close(struct img_store *s)
{
	if (!s)
		return;
	img_close(&s->rootfd);
	img_close(&s->blobsfd);
	img_close(&s->layersfd);
	img_close(&s->usesfd);
	img_close(&s->gc_lock);
	free(s->root);
	free(s);
}

const char *img_store_root(const struct img_store *s)
{
	return s->root;
}

int img_lock(struct img_store *s, const char *name, int op, lxr_err *err)
{
	_cleanup_close_ int fd = openat(s->rootfd, name, O_RDWR | O_CREAT | O_CLOEXEC, 0600);

	if (fd < 0)
		return lxr_fail(err, errno, "open lock %s/%s", s->root, name);
	while (flock(fd, op) < 0) {
		if (errno != EINTR)
			return lxr_fail(err, errno, "flock %s/%s", s->root, name);
	}
	return lxr_steal_fd(&fd);
}

int img_gc_lock_shared(struct img_store *s, lxr_err *err)
{
	if (s->gc_lock >= 0)
		return 0;
	s->gc_lock = img_lock(s, "gc.lock", LOCK_SH, err);
	return s->gc_lock < 0 ? -1 : 0;
}

void img_gc_unlock(struct img_store *s)
{
	img_close(&s->gc_lock);
}

int img_blob_begin(struct img_store *s, struct img_blob_writer *w, lxr_err *err)
{
	static unsigned seq;

	memset(w, 0, sizeof(*w));
	w->store = s;
	w->tmpname = lxr_xasprintf(".tmp-%d-%u", (int)getpid(), seq++);
	w->fd = openat(s->blobsfd, w->tmpname, O_RDWR | O_CREAT | O_EXCL | O_CLOEXEC, 0600);
	if (w->fd < 0) {
		int e = errno;
		free(w->tmpname);
		w->tmpname = NULL;
		return lxr_fail(err, e, "create blob in %s/blobs/sha256", s->root);
	}
	img_hash_init(&w->hash);
	return 0;
}

int img_blob_write(struct img_blob_writer *w, const void *p, size_t n, lxr_err *err)
{
	const char *c = p;

	img_hash_update(&w->hash, p, n);
	w->size += (int64_t)n;
	while (n) {
		ssize_t r = write(w->fd, c, n);
		if (r < 0 && errno == EINTR)
			continue;
		if (r < 0)
			return lxr_fail(err, errno, "write blob %s/blobs/sha256/%s", w->store->root,
					w->tmpname);
		c += r;
		n -= (size_t)r;
	}
	return 0;
}

void img_blob_abort(struct img_blob_writer *w)
{
	if (w->tmpname) {
		unlinkat(w->store->blobsfd, w->tmpname, 0);
		free(w->tmpname);
		w->tmpname = NULL;
	}
	img_close(&w->fd);
	if (w->hash.active)
		img_hash_abort(&w->hash);
}

int img_blob_commit(struct img_blob_writer *w, const char *want, char *digest, lxr_err *err)
{
	char got[IMG_DIGEST_LEN];

	img_hash_final(&w->hash, got);
	if (want && img_digest_check("blob", want, got, err) < 0)
		goto fail;
	/* the content reaches the disk before its name does */
	if (fsync(w->fd) < 0) {
		lxr_fail(err, errno, "fsync blob %s", got);
		goto fail;
	}
	if (renameat(w->store->blobsfd, w->tmpname, w->store->blobsfd, img_digest_hex(got)) < 0) {
		lxr_fail(err, errno, "rename blob to %s", got);
		goto fail;
	}
	fsync(w->store->blobsfd);
	free(w->tmpname);
	w->tmpname = NULL;
	img_close(&w->fd);
	if (digest)
		memcpy(digest, got, IMG_DIGEST_LEN);
	return 0;
fail:
	img_blob_abort(w);
	return -1;
}

int img_blob_put(struct img_store *s, const void *p, size_t n, const char *want, char *digest,
		 lxr_err *err)
{
	struct img_blob_writer w;

	if (img_blob_begin(s, &w, err) < 0)
		return -1;
	if (img_blob_write(&w, p, n, err) < 0) {
		img_blob_abort(&w);
		return -1;
	}
	return img_blob_commit(&w, want, digest, err);
}

bool img_blob_exists(struct img_store *s, const char *digest)
{
	return img_digest_valid(digest) &&
	       faccessat(s->blobsfd, img_digest_hex(digest), F_OK, AT_SYMLINK_NOFOLLOW) == 0;
}

int img_blob_open(struct img_store *s, const char *digest, lxr_err *err)
{
	int fd;

	if (!img_digest_valid(digest))
		return lxr_fail(err, EINVAL, "\"%s\" is not a sha256 digest", digest);
	fd = openat(s->blobsfd, img_digest_hex(digest), O_RDONLY | O_NOFOLLOW | O_CLOEXEC);
	if (fd < 0)
		return lxr_fail(err, errno, "blob %s", digest);
	return fd;
}

int img_blob_read(struct img_store *s, const char *digest, char **out, size_t *len, lxr_err *err)
{
	char got[IMG_DIGEST_LEN];

	if (!img_digest_valid(digest))
		return lxr_fail(err, EINVAL, "\"%s\" is not a sha256 digest", digest);
	if (lxr_read_file_at(s->blobsfd, img_digest_hex(digest), out, len, err) < 0)
		return lxr_err_wrap(err, "blob %s", digest);
	/* small documents are re-verified on every read: a flipped bit on
	 * disk must not silently change what runs */
	img_digest_of(*out, *len, got);
	if (img_digest_check(digest, digest, got, err) < 0) {
		free(*out);
		*out = NULL;
		return -1;
	}
	return 0;
}
