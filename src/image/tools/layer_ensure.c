/* Layers in the store: each unpacked once into layers/<diff-id hex>, from a
 * temporary directory renamed into place only when complete and verified,
 * so a layer directory that exists is whole. */
#define _GNU_SOURCE
#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <string.h>
#include <sys/file.h>
#include <sys/stat.h>

#include "image/tools/tools.h"

static void remove_tmp(struct img_store *s, const char *name)
{
	_cleanup_free_ char *path = lxr_xasprintf("%s/layers/%s", s->root, name);
	lxr_err e2;

	if (lxr_rm_rf(path, &e2) < 0)
		lxr_warn("%s", e2.msg);
}

/* Unpack into a fresh temp dir; on success its name is in tmp. */
static int unpack_tmp(struct img_store *s, const char *blob, char *tmp, size_t n, char *diffid,
		      lxr_err *err)
{
	_cleanup_close_ int bfd = img_blob_open(s, blob, err);
	_cleanup_close_ int dfd = -1;

	if (bfd < 0)
		return -1;
	for (unsigned i = 0;; i++) {
		snprintf(tmp, n, ".tmp-%d-%u", (int)getpid(), i);
		/* 0755: the layer root becomes the container's "/" when it is
		 * the topmost layer with no entry for "./" */
		if (mkdirat(s->layersfd, tmp, 0755) == 0)
			break;
		if (errno != EEXIST)
			return lxr_fail(err, errno, "mkdir %s/layers/%s", s->root, tmp);
	}
	dfd = openat(s->layersfd, tmp, O_RDONLY | O_DIRECTORY | O_NOFOLLOW | O_CLOEXEC);
	if (dfd < 0 || fchmod(dfd, 0755) < 0) {
		lxr_fail(err, errno, "open %s/layers/%s", s->root, tmp);
		remove_tmp(s, tmp);
		return -1;
	}
	if (img_unpack_fd(bfd, dfd, diffid, err) < 0) {
		remove_tmp(s, tmp);
		return -1;
	}
	/* The rename below is the layer's completion mark: it must not publish
	 * files still only in the page cache, or a power cut leaves a layer
	 * under its name with empty or zeroed files that every later start
	 * would use. No sync, no layer. */
	if (syncfs(dfd) < 0) {
		lxr_fail(err, errno, "syncfs %s/layers/%s", s->root, tmp);
		remove_tmp(s, tmp);
		return -1;
	}
	return 0;
}

static int place(struct img_store *s, const char *tmp, const char *diffid, lxr_err *err)
{
	if (renameat(s->layersfd, tmp, s->layersfd, img_digest_hex(diffid)) == 0) {
		/* the name on disk before an image that needs it is stored */
		if (fsync(s->layersfd) < 0)
			return lxr_fail(err, errno, "fsync %s/layers", s->root);
		return 0;
	}
	if (errno == EEXIST || errno == ENOTEMPTY) { /* the same content got there first */
		remove_tmp(s, tmp);
		return 0;
	}
	lxr_fail(err, errno, "rename layer into %s/layers/%s", s->root, img_digest_hex(diffid));
	remove_tmp(s, tmp);
	return -1;
}

static int ensure_locked(struct img_store *s, const char *blob, const char *want, char *diffid,
			 lxr_err *err)
{
	char tmp[64];

	if (want && img_layer_made_from(s, blob, want)) {
		memcpy(diffid, want, IMG_DIGEST_LEN);
		return 0;
	}
	/* a layer of that diff ID may be there, made from another blob: this
	 * one is unpacked all the same, to check that it is that layer */
	if (unpack_tmp(s, blob, tmp, sizeof(tmp), diffid, err) < 0)
		return -1;
	if (want && strcmp(want, diffid)) {
		remove_tmp(s, tmp);
		return img_digest_check("uncompressed layer (diff ID)", want, diffid, err);
	}
	if (place(s, tmp, diffid, err) < 0)
		return -1;
	img_layer_record_from(s, blob, diffid);
	return 0;
}

int img_layer_ensure(struct img_store *s, const char *blob, const char *want, char *diffid,
		     lxr_err *err)
{
	_cleanup_free_ char *lockname = NULL;
	_cleanup_close_ int lk = -1;

	if (want && img_layer_made_from(s, blob, want)) {
		memcpy(diffid, want, IMG_DIGEST_LEN);
		return 0;
	}
	/* two lxr processes unpacking the same layer: the second waits and
	 * then finds it there */
	lockname = lxr_xasprintf("layers/.%s.lock", img_digest_hex(want ? want : blob));
	lk = img_lock(s, lockname, LOCK_EX, err);
	if (lk < 0)
		return -1;
	if (ensure_locked(s, blob, want, diffid, err) < 0)
		return lxr_err_wrap(err, "layer %.19s", blob);
	return 0;
}

int img_store_unpack(struct img_store *s, const char *manifest, lxr_err *err)
{
	_cleanup_strv_ char **diff_ids = NULL;
	struct img_image im = {0};
	struct img_manifest m;
	char got[IMG_DIGEST_LEN];
	int r = 0;

	memcpy(im.manifest_digest, manifest, IMG_DIGEST_LEN);
	if (img_image_docs(s, &im, &m, &diff_ids, err) < 0)
		return -1;
	for (size_t i = 0; i < m.n_layers && r == 0; i++)
		r = img_layer_ensure(s, m.layers[i].digest, diff_ids[i], got, err);
	img_manifest_free(&m);
	img_image_free(&im);
	return r;
}

int img_unpack(struct img_store *s, const char *ref, lxr_err *err)
{
	_cleanup_free_ char *name = NULL;
	char manifest[IMG_DIGEST_LEN];
	int r;

	if (img_gc_lock_shared(s, err) < 0)
		return -1;
	r = img_store_find(s, ref, manifest, &name, err);
	if (r == 0)
		r = img_store_unpack(s, manifest, err);
	img_gc_unlock(s);
	return r < 0 ? lxr_err_wrap(err, "unpack %s", ref) : 0;
}
