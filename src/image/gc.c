/* Removing images: untag, drop dangling images, and collect every blob and
 * layer directory that no image and no running container references. All
 * of it runs under the exclusive gc lock, so no pull, load or container
 * start is half-way while things disappear. */
#define _GNU_SOURCE
#include <dirent.h>
#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/file.h>
#include <sys/stat.h>

#include "image/image_internal.h"

static bool strv_has(char **v, const char *s)
{
	for (size_t i = 0; v && v[i]; i++)
		if (!strcmp(v[i], s))
			return true;
	return false;
}

static void keep(char ***v, const char *s)
{
	if (!strv_has(*v, s))
		lxr_strv_push(v, lxr_xstrdup(s));
}

/* Blobs and layers one image needs. An unreadable image keeps what it can
 * name: gc never deletes on a guess. */
static void mark(struct img_store *s, const char *manifest, char ***blobs, char ***layers)
{
	_cleanup_free_ char *mt = NULL, *ct = NULL;
	_cleanup_strv_ char **diff_ids = NULL;
	struct img_manifest m;
	struct img_config c;
	size_t len;
	lxr_err e2;

	keep(blobs, manifest);
	if (img_blob_read(s, manifest, &mt, &len, &e2) < 0 ||
	    img_manifest_parse(mt, len, &m, &e2) < 0)
		return;
	keep(blobs, m.config_digest);
	for (size_t i = 0; i < m.n_layers; i++)
		keep(blobs, m.layers[i].digest);
	if (img_blob_read(s, m.config_digest, &ct, &len, &e2) == 0 &&
	    img_config_parse(ct, len, &c, &diff_ids, NULL, &e2) == 0) {
		for (size_t i = 0; diff_ids[i]; i++)
			keep(layers, diff_ids[i]);
		img_config_free(&c);
	}
	img_manifest_free(&m);
}

/* A layer's copies with its owners shifted into user namespace ranges
 * (where idmapped mounts are missing: runtime/userns_shift.c keeps them in
 * <data_dir>/userns/shifted/RANGE/HEX) go with the layer. images: the
 * store's root, <data_dir>/images. */
static void shifted_copies_drop(const char *images, const char *hex)
{
	_cleanup_free_ char *dir = lxr_xasprintf("%s/../userns/shifted", images);
	DIR *d = opendir(dir);
	struct dirent *de;

	while (d && (de = readdir(d))) {
		_cleanup_free_ char *copy = NULL;
		lxr_err e;
		if (de->d_name[0] == '.')
			continue;
		copy = lxr_xasprintf("%s/%s/%s", dir, de->d_name, hex);
		if (access(copy, F_OK) == 0 && lxr_rm_rf(copy, &e) < 0)
			lxr_warn("%s", e.msg);
	}
	if (d)
		closedir(d);
}

static int64_t entry_size(int dirfd, const char *name)
{
	struct stat st;
	return fstatat(dirfd, name, &st, AT_SYMLINK_NOFOLLOW) == 0 ? st.st_size : 0;
}

static bool kept_layer_link(int dirfd, const char *name, char **want)
{
	char target[80];
	ssize_t n = readlinkat(dirfd, name, target, sizeof(target) - 1);
	_cleanup_free_ char *dg = NULL;

	if (n <= 0)
		return false;
	target[n] = '\0';
	dg = lxr_xasprintf("sha256:%s", target);
	return strv_has(want, dg);
}

/* Remove what in dirfd is not in want (names are digest hexes). */
static int sweep(struct img_store *s, int dirfd, const char *sub, char **want, size_t *count,
		 int64_t *bytes, lxr_err *err)
{
	_cleanup_close_ int fd = openat(dirfd, ".", O_RDONLY | O_DIRECTORY | O_CLOEXEC);
	DIR *d = fd >= 0 ? fdopendir(fd) : NULL;
	struct dirent *de;
	int r = 0;

	if (!d)
		return lxr_fail(err, errno, "open %s/%s", s->root, sub);
	fd = -1;
	while ((de = readdir(d)) && r == 0) {
		_cleanup_free_ char *path = NULL, *dg = NULL;
		if (!strcmp(de->d_name, ".") || !strcmp(de->d_name, ".."))
			continue;
		dg = lxr_xasprintf("sha256:%s", de->d_name);
		if (img_digest_valid(dg) && strv_has(want, dg))
			continue;
		/* a layer's record of its blob (img_layer_made_from) stays
		 * with the layer */
		if (lxr_str_has_prefix(de->d_name, ".from-") &&
		    kept_layer_link(dirfd, de->d_name, want))
			continue;
		/* leftovers (.tmp-*, .partial-*, locks) belong to no one now:
		 * every writer holds the gc lock shared */
		*bytes += entry_size(dirfd, de->d_name);
		path = lxr_xasprintf("%s/%s/%s", s->root, sub, de->d_name);
		r = lxr_rm_rf(path, err);
		if (r == 0 && img_digest_valid(dg))
			(*count)++;
		if (r == 0 && img_digest_valid(dg) && !strcmp(sub, "layers"))
			shifted_copies_drop(s->root, de->d_name);
	}
	closedir(d);
	return r;
}

int img_gc(struct img_store *s, struct img_prune_stats *st, lxr_err *err)
{
	_cleanup_strv_ char **roots = NULL, **blobs = NULL, **layers = NULL;
	json_t *idx = NULL, *v;
	const char *k;
	size_t i;

	if (img_uses_live(s, &roots, err) < 0 || img_index_load(s, &idx, err) < 0)
		return -1;
	json_object_foreach(json_object_get(idx, "tags"), k, v) keep(&roots, json_string_value(v));
	json_array_foreach(json_object_get(idx, "dangling"), i, v)
	    keep(&roots, json_string_value(v));
	json_decref(idx);
	blobs = lxr_xcalloc(1, sizeof(char *));
	layers = lxr_xcalloc(1, sizeof(char *));
	for (i = 0; roots[i]; i++)
		mark(s, roots[i], &blobs, &layers);
	if (sweep(s, s->blobsfd, "blobs/sha256", blobs, &st->blobs, &st->bytes, err) < 0 ||
	    sweep(s, s->layersfd, "layers", layers, &st->layers, &st->bytes, err) < 0)
		return lxr_err_wrap(err, "image store cleanup");
	return 0;
}

static int gc_lock_exclusive(struct img_store *s, lxr_err *err)
{
	img_gc_unlock(s);
	s->gc_lock = img_lock(s, "gc.lock", LOCK_EX, err);
	return s->gc_lock < 0 ? -1 : 0;
}

/* Names in the index pointing at manifest. */
static size_t tags_of(json_t *tags, const char *manifest)
{
	const char *k;
	json_t *v;
	size_t n = 0;

	json_object_foreach(tags, k, v) n += !strcmp(json_string_value(v), manifest);
	return n;
}

static void dangling_drop(json_t *dangling, const char *manifest)
{
	for (size_t i = json_array_size(dangling); i-- > 0;)
		if (!strcmp(json_string_value(json_array_get(dangling, i)), manifest))
			json_array_remove(dangling, i);
}

/* The stopped container that holds manifest (h's IDs resolved), or NULL */
static const char *holder_of(struct img_store *s, const struct img_holds *h, const char *manifest)
{
	for (size_t i = 0; h && h->ids && h->ids[i] && h->holders[i]; i++) {
		_cleanup_free_ char *name = NULL;
		char m[IMG_DIGEST_LEN];
		lxr_err ignored;
		if (img_store_find(s, h->ids[i], m, &name, &ignored) == 0 && !strcmp(m, manifest))
			return h->holders[i];
	}
	return NULL;
}

static int untag(struct img_store *s, json_t *idx, const char *name, const char *manifest,
		 char **live, const struct img_holds *h, bool force, lxr_err *err)
{
	json_t *tags = json_object_get(idx, "tags");
	bool tagged = json_object_get(tags, name) != NULL;
	bool last = !tagged || tags_of(tags, manifest) <= 1;
	const char *holder = last ? holder_of(s, h, manifest) : NULL;

	/* docker: a tag may go while another tag keeps the image; the image
	 * itself may not go while a container runs it */
	if (strv_has(live, manifest) && last)
		return lxr_fail(err, EBUSY, "image %s is in use by a running container", name),
		       lxr_err_hint(err, "stop the container first (lxr rm -f NAME)");
	/* nor, unless forced, while a stopped one would start on it again */
	if (holder && !force)
		return lxr_fail(err, EBUSY, "image %s is used by stopped container %s", name,
				holder),
		       lxr_err_hint(
			   err,
			   "`lxr rm %s` first, or `lxr rmi -f` (the image stays, untagged, "
			   "for the container)",
			   holder);
	if (tagged) {
		img_index_tagged_at(idx, name, 0);
		json_object_del(tags, name);
	}
	if (holder && !tags_of(tags, manifest)) {
		json_t *dangling = json_object_get(idx, "dangling");
		dangling_drop(dangling, manifest);
		json_array_append_new(dangling, json_string(manifest));
	} else if (!tags_of(tags, manifest)) {
		dangling_drop(json_object_get(idx, "dangling"), manifest);
	}
	return 0;
}

int img_remove(struct img_store *s, const char *ref, const struct img_holds *h, bool force,
	       lxr_err *err)
{
	_cleanup_close_ int lk = -1;
	_cleanup_free_ char *name = NULL;
	_cleanup_strv_ char **live = NULL;
	char manifest[IMG_DIGEST_LEN];
	struct img_prune_stats st = {0};
	json_t *idx = NULL;
	int r;

	if (gc_lock_exclusive(s, err) < 0)
		return -1;
	lk = img_lock(s, "index.lock", LOCK_EX, err);
	if (lk < 0 || img_store_find(s, ref, manifest, &name, err) < 0 ||
	    img_uses_live(s, &live, err) < 0 || img_index_load(s, &idx, err) < 0) {
		img_gc_unlock(s); /* a caller may go on using the store */
		return -1;
	}
	r = untag(s, idx, name, manifest, live, h, force, err);
	if (r == 0)
		r = img_index_save(s, idx, err);
	json_decref(idx);
	if (r == 0)
		r = img_gc(s, &st, err);
	img_gc_unlock(s);
	return r;
}

int img_prune(struct img_store *s, const struct img_holds *h, bool all, struct img_prune_stats *st,
	      lxr_err *err)
{
	_cleanup_close_ int lk = -1;
	_cleanup_strv_ char **live = NULL, **gone = NULL;
	json_t *idx = NULL, *dangling, *tags, *v, *tmp;
	const char *k;
	size_t i;
	int r;

	memset(st, 0, sizeof(*st));
	if (gc_lock_exclusive(s, err) < 0)
		return -1;
	lk = img_lock(s, "index.lock", LOCK_EX, err);
	if (lk < 0 || img_uses_live(s, &live, err) < 0 || img_index_load(s, &idx, err) < 0) {
		img_gc_unlock(s);
		return -1;
	}
	/* what a stopped container holds stays, as what runs does */
	for (i = 0; h && h->ids && h->ids[i]; i++) {
		_cleanup_free_ char *name = NULL;
		char m[IMG_DIGEST_LEN];
		lxr_err ignored;
		if (img_store_find(s, h->ids[i], m, &name, &ignored) == 0)
			keep(&live, m);
	}
	dangling = json_object_get(idx, "dangling");
	for (i = json_array_size(dangling); i-- > 0;) {
		v = json_array_get(dangling, i);
		if (strv_has(live, json_string_value(v)))
			continue;
		json_array_remove(dangling, i);
		st->images++;
	}
	/* -a: every image no container has, tagged or not (an image of two
	 * names counted once) */
	tags = json_object_get(idx, "tags");
	json_object_foreach_safe(tags, tmp, k, v)
	{
		const char *m = json_string_value(v);
		if (!all || !m || strv_has(live, m))
			continue;
		if (!strv_has(gone, m)) {
			lxr_strv_push(&gone, lxr_xstrdup(m));
			st->images++;
		}
		img_index_tagged_at(idx, k, 0);
		json_object_del(tags, k);
	}
	r = img_index_save(s, idx, err);
	json_decref(idx);
	if (r == 0)
		r = img_gc(s, st, err);
	img_gc_unlock(s);
	return r;
}

/* ".tmp-PID-N": a blob being written or a layer being unpacked by PID;
 * ".new-PID": a use record being made. */
static int store_tmp_pid(const char *name)
{
	bool use = lxr_str_has_prefix(name, ".new-");
	const char *p = name + 5;
	char *end;
	long pid;

	if (!use && !lxr_str_has_prefix(name, ".tmp-"))
		return 0;
	pid = strtol(p, &end, 10);
	if (end == p || *end != (use ? '\0' : '-') || pid <= 0 || pid >= (1L << 22))
		return 0;
	return (int)pid;
}

static int sweep_dead(const char *dir, bool dry, char ***out, lxr_err *err)
{
	DIR *d = opendir(dir);
	struct dirent *de;
	int r = 0;

	if (!d)
		return errno == ENOENT ? 0 : lxr_fail(err, errno, "open %s", dir);
	while ((de = readdir(d))) {
		int pid = store_tmp_pid(de->d_name);
		_cleanup_free_ char *path = NULL;
		if (pid <= 0 || !lxr_tmp_writer_gone(dirfd(d), de->d_name, pid))
			continue;
		path = lxr_xasprintf("%s/%s", dir, de->d_name);
		if (!dry && lxr_rm_rf(path, err) < 0)
			r = -1;
		else
			lxr_strv_push(out, lxr_steal_ptr(&path));
	}
	closedir(d);
	return r;
}

/* Whether the blob named name in dirfd hashes to its name. A power cut
 * cannot leave a torn blob under its name (img_blob_commit fsyncs before
 * the rename), but a disk that lost or flipped blocks can. */
static bool blob_intact(int dirfd, const char *name)
{
	_cleanup_close_ int fd = openat(dirfd, name, O_RDONLY | O_NOFOLLOW | O_CLOEXEC);
	_cleanup_free_ char *buf = NULL;
	char got[IMG_DIGEST_LEN];
	struct img_hash h;
	ssize_t n;

	if (fd < 0)
		return errno == ENOENT;
	buf = lxr_xmalloc(1 << 16);
	img_hash_init(&h);
	while ((n = read(fd, buf, 1 << 16)) > 0)
		img_hash_update(&h, buf, (size_t)n);
	img_hash_final(&h, got);
	if (n < 0)
		return false;
	return !strcmp(got + strlen("sha256:"), name);
}

/* Blobs whose content does not match their name: removed (with !dry), so
 * the next pull or load of their image fetches them again instead of
 * unpacking or trusting damaged content. */
static void sweep_damaged(const char *dir, bool dry, char ***out)
{
	DIR *d = opendir(dir);
	struct dirent *de;

	if (!d)
		return;
	while ((de = readdir(d))) {
		_cleanup_free_ char *dg = lxr_xasprintf("sha256:%s", de->d_name);
		if (de->d_name[0] == '.' || !img_digest_valid(dg) ||
		    blob_intact(dirfd(d), de->d_name))
			continue;
		if (!dry && unlinkat(dirfd(d), de->d_name, 0) < 0)
			continue;
		lxr_strv_push(out, lxr_xasprintf("%s/%s: content does not match its digest", dir,
						 de->d_name));
	}
	closedir(d);
}

static int store_sweep(const char *data_dir, bool dry, char ***out, lxr_err *err)
{
	_cleanup_free_ char *blobs = lxr_xasprintf("%s/images/blobs/sha256", data_dir);
	_cleanup_free_ char *layers = lxr_xasprintf("%s/images/layers", data_dir);
	_cleanup_free_ char *uses = lxr_xasprintf("%s/images/uses", data_dir);
	int r = sweep_dead(blobs, dry, out, err);

	if (sweep_dead(layers, dry, out, err) < 0)
		r = -1;
	if (sweep_dead(uses, dry, out, err) < 0)
		r = -1;
	/* a blob is removed only under the gc lock, held as prune holds it, so
	 * no load or pull is committing the same blob again meanwhile; busy:
	 * listed, left for the next repair */
	_cleanup_free_ char *lockp = lxr_xasprintf("%s/images/gc.lock", data_dir);
	_cleanup_close_ int lock =
	    dry ? -1 : open(lockp, O_RDWR | O_CREAT | O_CLOEXEC | O_NOFOLLOW, 0600);
	sweep_damaged(blobs, dry || lock < 0 || flock(lock, LOCK_EX | LOCK_NB) < 0, out);
	return r;
}

/* Whether dirfd holds name as a directory entry with a digest name that no
 * image needs; temp names are sweep_dead's. */
static void unreferenced_in(const struct img_store *s, int dirfd, const char *path,
			    const char *what, char **want, bool remove, char ***out)
{
	_cleanup_close_ int fd = openat(dirfd, ".", O_RDONLY | O_DIRECTORY | O_CLOEXEC);
	DIR *d = fd >= 0 ? fdopendir(fd) : NULL;
	struct dirent *de;

	if (!d)
		return;
	fd = -1;
	while ((de = readdir(d))) {
		_cleanup_free_ char *dg = lxr_xasprintf("sha256:%s", de->d_name);
		_cleanup_free_ char *full = NULL;
		lxr_err e2;
		if (!img_digest_valid(dg) || strv_has(want, dg))
			continue;
		full = lxr_xasprintf("%s/%s", path, de->d_name);
		if (remove && lxr_rm_rf(full, &e2) < 0)
			continue;
		if (remove && !strcmp(what, "layer"))
			shifted_copies_drop(s->root, de->d_name);
		lxr_strv_push(out, lxr_xasprintf("%s %s: no image names it (a load, pull or build "
						 "did not finish)",
						 what, full));
	}
	closedir(d);
}

/* Blobs and layers no image and no running container needs: what a load,
 * pull or build that a cut stopped had stored before the index named it.
 * Under the exclusive gc lock (every writer holds it shared), taken without
 * waiting: while anyone writes, nothing is concluded. */
static int store_unreferenced(const char *data_dir, bool remove, char ***out, lxr_err *err)
{
	_cleanup_free_ char *root = lxr_xasprintf("%s/images/index.json", data_dir);
	_cleanup_free_ char *bp = NULL, *lp = NULL;
	_cleanup_strv_ char **roots = NULL, **blobs = NULL, **layers = NULL;
	struct img_store *s = NULL;
	json_t *idx = NULL, *v;
	const char *k;
	size_t i;
	int lock, r = 0;

	if (access(root, F_OK) < 0 || img_store_open(data_dir, &s, err) < 0)
		return access(root, F_OK) < 0 ? 0 : -1;
	lock = openat(s->rootfd, "gc.lock", O_RDWR | O_CREAT | O_CLOEXEC | O_NOFOLLOW, 0600);
	if (lock < 0 || flock(lock, LOCK_EX | LOCK_NB) < 0)
		goto out;
	if (img_uses_live(s, &roots, err) < 0 || img_index_load(s, &idx, err) < 0) {
		r = -1;
		goto out;
	}
	json_object_foreach(json_object_get(idx, "tags"), k, v) keep(&roots, json_string_value(v));
	json_array_foreach(json_object_get(idx, "dangling"), i, v)
	    keep(&roots, json_string_value(v));
	json_decref(idx);
	blobs = lxr_xcalloc(1, sizeof(char *));
	layers = lxr_xcalloc(1, sizeof(char *));
	for (i = 0; roots[i]; i++)
		mark(s, roots[i], &blobs, &layers);
	bp = lxr_xasprintf("%s/blobs/sha256", s->root);
	lp = lxr_xasprintf("%s/layers", s->root);
	unreferenced_in(s, s->blobsfd, bp, "blob", blobs, remove, out);
	unreferenced_in(s, s->layersfd, lp, "layer", layers, remove, out);
out:
	if (lock >= 0)
		close(lock);
	img_store_close(s);
	return r;
}

/* What a crash or cut left in the store: dead writers' temp names, then
 * what no image names; found only (doctor) or removed (--repair). */
static int store_dead(const char *data_dir, bool remove, char ***out, lxr_err *err)
{
	int r = store_sweep(data_dir, !remove, out, err);
	lxr_err e2;

	if (store_unreferenced(data_dir, remove, out, &e2) < 0) {
		if (r == 0)
			*err = e2;
		r = -1;
	}
	return r;
}

int img_store_sweep_dead(const char *data_dir, char ***removed, lxr_err *err)
{
	return store_dead(data_dir, true, removed, err);
}

int img_store_find_dead(const char *data_dir, char ***found, lxr_err *err)
{
	return store_dead(data_dir, false, found, err);
}
