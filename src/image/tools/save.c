/* lxr save: images from the store into one tar, as docker save writes it
 * (or as an OCI image layout archive). The blobs go in as the store has
 * them: the manifest unchanged (so the archive's OCI side keeps the
 * image's digest), the config unchanged (so the image ID survives a load
 * anywhere), the layers as stored (compressed when they came compressed;
 * docker load, podman load and lxr load detect that). */
#define _GNU_SOURCE
#include <archive.h>
#include <archive_entry.h>
#include <errno.h>
#include <fcntl.h>
#include <libgen.h>
#include <stdio.h>
#include <string.h>
#include <sys/stat.h>

#include "image/tools/save.h"

struct saver {
	struct img_store *s;
	struct save_image *v;
	size_t n;
	char **written; /* blobs already in the archive */
	struct archive *a;
};

static bool strv_has(char *const *v, const char *s)
{
	for (; v && *v; v++)
		if (!strcmp(*v, s))
			return true;
	return false;
}

static void saver_free(struct saver *sv)
{
	for (size_t i = 0; i < sv->n; i++) {
		free(sv->v[i].media_type);
		lxr_strv_free(sv->v[i].layers);
		lxr_strv_free(sv->v[i].names);
	}
	free(sv->v);
	lxr_strv_free(sv->written);
}

static int add_image(struct saver *sv, const char *ref, const char *manifest, lxr_err *err)
{
	_cleanup_free_ char *text = NULL;
	struct save_image *im;
	struct img_manifest m;
	size_t len;

	if (img_blob_read(sv->s, manifest, &text, &len, err) < 0 ||
	    img_manifest_parse(text, len, &m, err) < 0)
		return -1;
	sv->v = lxr_xrealloc(sv->v, (sv->n + 1) * sizeof(*sv->v));
	im = &sv->v[sv->n++];
	memset(im, 0, sizeof(*im));
	memcpy(im->manifest, manifest, IMG_DIGEST_LEN);
	memcpy(im->config, m.config_digest, IMG_DIGEST_LEN);
	im->media_type = img_manifest_media_type(text, len);
	im->manifest_size = (int64_t)len;
	im->layers = lxr_xcalloc(1, sizeof(char *));
	im->names = lxr_xcalloc(1, sizeof(char *));
	for (size_t i = 0; i < m.n_layers; i++) {
		if (!img_blob_exists(sv->s, m.layers[i].digest)) {
			lxr_fail(err, ENOENT, "layer blob %s is not in the store",
				 m.layers[i].digest);
			lxr_err_hint(err,
				     "the store has only the unpacked layer: pull or load %s again "
				     "to get its blob back",
				     ref);
			img_manifest_free(&m);
			return -1;
		}
		lxr_strv_push(&im->layers, lxr_xstrdup(m.layers[i].digest));
	}
	img_manifest_free(&m);
	return 0;
}

/* The name ref gives its image in the archive: a NAME[:TAG] as the store
 * has it; NULL for an image ID or a NAME@DIGEST (docker saves those with
 * no tag). */
static char *given_name(const char *ref, const char *found)
{
	_cleanup_free_ char *canon = NULL;
	struct img_ref r;
	lxr_err ignored;
	bool digest;

	if (img_ref_parse(ref, &r, &ignored) < 0)
		return NULL;
	canon = img_ref_string(&r);
	digest = r.digest != NULL;
	img_ref_free(&r);
	return !digest && !strcmp(canon, found) ? lxr_steal_ptr(&canon) : NULL;
}

static int collect(struct saver *sv, char *const *refs, lxr_err *err)
{
	for (size_t i = 0; refs[i]; i++) {
		_cleanup_free_ char *found = NULL, *name = NULL;
		char manifest[IMG_DIGEST_LEN];
		struct save_image *im = NULL;

		if (img_store_find(sv->s, refs[i], manifest, &found, err) < 0)
			return img_suggest_stored(sv->s, refs[i], err), -1;
		for (size_t k = 0; k < sv->n && !im; k++)
			if (!strcmp(sv->v[k].manifest, manifest))
				im = &sv->v[k];
		if (!im) {
			if (add_image(sv, refs[i], manifest, err) < 0)
				return lxr_err_wrap(err, "image %s", refs[i]);
			im = &sv->v[sv->n - 1];
		}
		name = given_name(refs[i], found);
		if (name && !strv_has(im->names, name))
			lxr_strv_push(&im->names, lxr_steal_ptr(&name));
	}
	return 0;
}

static int tar_fail(struct saver *sv, const char *name, lxr_err *err)
{
	int e = archive_errno(sv->a);

	return lxr_fail(err, e > 0 ? e : EIO, "write %s: %s", name, archive_error_string(sv->a));
}

/* A header with fixed owner and time: the same images make the same tar. */
static int put_header(struct saver *sv, const char *name, mode_t type, int64_t size, lxr_err *err)
{
	struct archive_entry *e = archive_entry_new();
	int r;

	archive_entry_set_pathname(e, name);
	archive_entry_set_filetype(e, type);
	archive_entry_set_perm(e, type == AE_IFDIR ? 0755 : 0644);
	archive_entry_set_size(e, type == AE_IFDIR ? 0 : size);
	archive_entry_set_mtime(e, 0, 0);
	r = archive_write_header(sv->a, e);
	archive_entry_free(e);
	return r < ARCHIVE_WARN ? tar_fail(sv, name, err) : 0;
}

static int put_doc(struct saver *sv, const char *name, const char *text, lxr_err *err)
{
	size_t len = strlen(text);

	if (put_header(sv, name, AE_IFREG, (int64_t)len, err) < 0)
		return -1;
	if (len && archive_write_data(sv->a, text, len) != (la_ssize_t)len)
		return tar_fail(sv, name, err);
	return 0;
}

static int put_blob(struct saver *sv, const char *digest, lxr_err *err)
{
	_cleanup_free_ char *name = NULL;
	_cleanup_close_ int fd = -1;
	char buf[1 << 16];
	struct stat st;
	int64_t left;
	ssize_t n;

	if (strv_has(sv->written, digest))
		return 0;
	lxr_strv_push(&sv->written, lxr_xstrdup(digest));
	name = lxr_xasprintf("blobs/sha256/%s", img_digest_hex(digest));
	fd = img_blob_open(sv->s, digest, err);
	if (fd < 0)
		return -1;
	if (fstat(fd, &st) < 0)
		return lxr_fail(err, errno, "stat blob %s", digest);
	if (put_header(sv, name, AE_IFREG, st.st_size, err) < 0)
		return -1;
	/* exactly the size the header promised, even if the file changed */
	for (left = st.st_size; left > 0; left -= n) {
		n = read(fd, buf,
			 (size_t)(left < (int64_t)sizeof(buf) ? left : (int64_t)sizeof(buf)));
		if (n < 0 && errno == EINTR) {
			n = 0;
			continue;
		}
		if (n <= 0)
			return lxr_fail(err, n < 0 ? errno : EIO, "read blob %s", digest);
		if (archive_write_data(sv->a, buf, (size_t)n) != n)
			return tar_fail(sv, name, err);
	}
	return 0;
}

static int write_entries(struct saver *sv, enum img_save_format f, lxr_err *err)
{
	_cleanup_free_ char *index = save_index_json(sv->v, sv->n, f);
	_cleanup_free_ char *manifest = NULL, *repos = NULL;

	if (put_header(sv, "blobs/", AE_IFDIR, 0, err) < 0 ||
	    put_header(sv, "blobs/sha256/", AE_IFDIR, 0, err) < 0)
		return -1;
	for (size_t i = 0; i < sv->n; i++) {
		if (put_blob(sv, sv->v[i].config, err) < 0)
			return -1;
		for (size_t k = 0; sv->v[i].layers[k]; k++)
			if (put_blob(sv, sv->v[i].layers[k], err) < 0)
				return -1;
		if (put_blob(sv, sv->v[i].manifest, err) < 0)
			return -1;
	}
	if (put_doc(sv, "index.json", index, err) < 0)
		return -1;
	if (f == IMG_SAVE_DOCKER) {
		manifest = save_manifest_json(sv->v, sv->n);
		repos = save_repositories_json(sv->v, sv->n);
		if (put_doc(sv, "manifest.json", manifest, err) < 0)
			return -1;
	}
	if (put_doc(sv, "oci-layout", "{\"imageLayoutVersion\":\"1.0.0\"}", err) < 0)
		return -1;
	return repos ? put_doc(sv, "repositories", repos, err) : 0;
}

static int write_tar(struct saver *sv, enum img_save_format f, int fd, const char *shown,
		     lxr_err *err)
{
	int r;

	sv->a = archive_write_new();
	if (!sv->a)
		abort();
	archive_write_set_format_pax_restricted(sv->a);
	/* no padding to 10 KiB records: the archive ends where tar says */
	archive_write_set_bytes_in_last_block(sv->a, 1);
	if (archive_write_open_fd(sv->a, fd) != ARCHIVE_OK) {
		r = tar_fail(sv, shown, err);
		archive_write_free(sv->a);
		return r;
	}
	r = write_entries(sv, f, err);
	if (archive_write_close(sv->a) != ARCHIVE_OK && r == 0)
		r = tar_fail(sv, shown, err);
	archive_write_free(sv->a);
	sv->a = NULL;
	return r;
}

/* To path: a temp file beside it, renamed over it only when whole. */
static int write_file(struct saver *sv, enum img_save_format f, const char *path, lxr_err *err)
{
	_cleanup_free_ char *d = lxr_xstrdup(path), *b = lxr_xstrdup(path);
	_cleanup_free_ char *tmpname = lxr_tmp_name(basename(b)), *tmp = NULL;
	_cleanup_close_ int fd = -1;
	int r;

	tmp = lxr_xasprintf("%s/%s", dirname(d), tmpname);
	fd = open(tmp, O_WRONLY | O_CREAT | O_TRUNC | O_NOFOLLOW | O_CLOEXEC, 0666);
	if (fd < 0)
		return lxr_fail(err, errno, "-o %s: create %s", path, tmp),
		       lxr_err_hint(err, "-o needs a file in a directory you can write");
	r = write_tar(sv, f, fd, path, err);
	if (r == 0 && fsync(fd) < 0)
		r = lxr_fail(err, errno, "fsync %s", tmp);
	if (r == 0 && rename(tmp, path) < 0)
		r = lxr_fail(err, errno, "rename %s to %s", tmp, path);
	if (r < 0)
		unlink(tmp);
	return r;
}

int img_save(struct img_store *s, char *const *refs, enum img_save_format f, const char *path,
	     lxr_err *err)
{
	struct saver sv = {.s = s};
	int r;

	sv.written = lxr_xcalloc(1, sizeof(char *));
	/* shared gc lock: nothing is collected while its blobs are copied */
	if (img_gc_lock_shared(s, err) < 0)
		return -1;
	r = collect(&sv, refs, err);
	if (r == 0)
		r = path ? write_file(&sv, f, path, err)
			 : write_tar(&sv, f, STDOUT_FILENO, "standard output", err);
	img_gc_unlock(s);
	saver_free(&sv);
	return r < 0 ? lxr_err_wrap(err, "save") : 0;
}
