/* lxr-image commit: what a build made (layer directories in overlay form,
 * the config, history and tags) becomes an image in the store. Each layer
 * is written as a deterministic tar (names sorted, owners and modes as
 * they are, mtimes clamped to SOURCE_DATE_EPOCH when set), overlay
 * whiteouts turned into OCI ones, then unpacked back into the store like
 * any pulled layer, so a built image goes through the same checks. */
#define _GNU_SOURCE
#include <archive.h>
#include <archive_entry.h>
#include <dirent.h>
#include <errno.h>
#include <fcntl.h>
#include <string.h>
#include <sys/stat.h>
#include <sys/sysmacros.h>
#include <sys/xattr.h>
#include <time.h>

#include "image/tools/tools.h"

struct tarw {
	struct archive *a;
	int64_t epoch; /* -1: none */
	lxr_err *err;
	/* paths of the layer ("etc/hosts") that are mount points, left out
	 * while they are empty, with the directories that hold only them
	 * (lxr commit: what the runtime made for a container's mounts) */
	json_t *skip;
};

/* Is path (no leading "/"), or something below it, a mount point? */
static bool holds_skip(const struct tarw *t, const char *path)
{
	size_t n = strlen(path), i;
	json_t *v;

	json_array_foreach(t->skip, i, v)
	{
		const char *p = json_string_value(v);
		if (p && !strncmp(p, path, n) && (!p[n] || p[n] == '/'))
			return true;
	}
	return false;
}

/* An empty file or directory at a mount point, or a directory of nothing
 * else: the runtime's, not the container's */
static bool skipped(const struct tarw *t, int at, const char *name, const char *path,
		    const struct stat *st)
{
	bool all = true;

	if (!t->skip || !holds_skip(t, path))
		return false;
	if (S_ISREG(st->st_mode))
		return st->st_size == 0;
	if (!S_ISDIR(st->st_mode))
		return false;
	int fd = openat(at, name, O_RDONLY | O_DIRECTORY | O_NOFOLLOW | O_CLOEXEC);
	DIR *d = fd >= 0 ? fdopendir(fd) : NULL;
	struct dirent *de;

	if (!d) {
		if (fd >= 0)
			close(fd);
		return false;
	}
	while (all && (de = readdir(d))) {
		struct stat sub;
		if (!strcmp(de->d_name, ".") || !strcmp(de->d_name, ".."))
			continue;
		_cleanup_free_ char *p = lxr_xasprintf("%s/%s", path, de->d_name);
		all = fstatat(dirfd(d), de->d_name, &sub, AT_SYMLINK_NOFOLLOW) == 0 &&
		      skipped(t, dirfd(d), de->d_name, p, &sub);
	}
	closedir(d);
	return all;
}

static la_ssize_t blob_out(struct archive *a, void *ud, const void *buf, size_t n)
{
	struct img_blob_writer *w = ud;
	lxr_err e2;

	if (img_blob_write(w, buf, n, &e2) < 0) {
		archive_set_error(a, e2.errnum, "%s", e2.msg);
		return -1;
	}
	return (la_ssize_t)n;
}

static int cmp_name(const void *a, const void *b)
{
	return strcmp(*(char *const *)a, *(char *const *)b);
}

static int put_empty(struct tarw *t, const char *path, const struct stat *st)
{
	struct archive_entry *e = archive_entry_new();
	int r;

	archive_entry_set_pathname(e, path);
	archive_entry_set_filetype(e, AE_IFREG);
	archive_entry_set_perm(e, 0644);
	archive_entry_set_size(e, 0);
	archive_entry_set_mtime(e, st->st_mtime, 0);
	r = archive_write_header(t->a, e);
	archive_entry_free(e);
	return r < ARCHIVE_WARN
		   ? lxr_fail(t->err, EIO, "tar %s: %s", path, archive_error_string(t->a))
		   : 0;
}

static int put_entry(struct tarw *t, int dirfd, const char *name, const char *path,
		     const struct stat *st)
{
	struct archive_entry *e = archive_entry_new();
	int64_t mtime = st->st_mtime;
	int r = 0;

	if (t->epoch >= 0 && mtime > t->epoch)
		mtime = t->epoch;
	archive_entry_set_pathname(e, path);
	archive_entry_set_mode(e, st->st_mode);
	archive_entry_set_uid(e, st->st_uid);
	archive_entry_set_gid(e, st->st_gid);
	archive_entry_set_mtime(e, mtime, 0);
	archive_entry_set_size(e, S_ISREG(st->st_mode) ? st->st_size : 0);
	if (S_ISCHR(st->st_mode) || S_ISBLK(st->st_mode))
		archive_entry_set_rdev(e, st->st_rdev);
	if (S_ISLNK(st->st_mode)) {
		char buf[4096];
		ssize_t n = readlinkat(dirfd, name, buf, sizeof(buf) - 1);
		if (n < 0) {
			archive_entry_free(e);
			return lxr_fail(t->err, errno, "readlink %s", path);
		}
		buf[n] = '\0';
		archive_entry_set_symlink(e, buf);
	}
	if (archive_write_header(t->a, e) < ARCHIVE_WARN)
		r = lxr_fail(t->err, EIO, "tar %s: %s", path, archive_error_string(t->a));
	archive_entry_free(e);
	if (r < 0 || !S_ISREG(st->st_mode) || st->st_size == 0)
		return r;
	_cleanup_close_ int fd = openat(dirfd, name, O_RDONLY | O_NOFOLLOW | O_CLOEXEC);
	char buf[1 << 16];
	ssize_t n;
	if (fd < 0)
		return lxr_fail(t->err, errno, "open %s", path);
	while ((n = read(fd, buf, sizeof(buf))) > 0)
		if (archive_write_data(t->a, buf, (size_t)n) != n)
			return lxr_fail(t->err, EIO, "tar %s: %s", path,
					archive_error_string(t->a));
	return n < 0 ? lxr_fail(t->err, errno, "read %s", path) : 0;
}

/* One directory's entries, sorted, recursing; nothing is followed. */
static int tar_tree(struct tarw *t, int fd, const char *prefix)
{
	DIR *d = fdopendir(fd);
	struct dirent *de;
	char **names = NULL;
	int r = 0;

	if (!d) {
		close(fd);
		return lxr_fail(t->err, errno, "read directory %s", prefix);
	}
	while ((de = readdir(d)))
		if (strcmp(de->d_name, ".") && strcmp(de->d_name, ".."))
			lxr_strv_push(&names, lxr_xstrdup(de->d_name));
	if (names)
		qsort(names, lxr_strv_len(names), sizeof(char *), cmp_name);
	for (size_t i = 0; names && names[i] && r == 0; i++) {
		_cleanup_free_ char *path = lxr_xasprintf("%s%s", prefix, names[i]);
		struct stat st;

		if (fstatat(dirfd(d), names[i], &st, AT_SYMLINK_NOFOLLOW) < 0) {
			r = lxr_fail(t->err, errno, "stat %s", path);
			break;
		}
		if (skipped(t, dirfd(d), names[i], path, &st))
			continue;
		/* overlay's whiteout: a 0/0 character device -> .wh.NAME */
		if (S_ISCHR(st.st_mode) && st.st_rdev == makedev(0, 0)) {
			_cleanup_free_ char *wh = lxr_xasprintf("%s.wh.%s", prefix, names[i]);
			r = put_empty(t, wh, &st);
			continue;
		}
		if (S_ISDIR(st.st_mode)) {
			_cleanup_free_ char *dp = lxr_xasprintf("%s/", path);
			char opq[2] = {0};
			int sub;

			r = put_entry(t, dirfd(d), names[i], dp, &st);
			if (r < 0)
				break;
			sub = openat(dirfd(d), names[i],
				     O_RDONLY | O_DIRECTORY | O_NOFOLLOW | O_CLOEXEC);
			if (sub < 0) {
				r = lxr_fail(t->err, errno, "open %s", path);
				break;
			}
			/* an opaque directory hides everything below it */
			if ((fgetxattr(sub, "trusted.overlay.opaque", opq, 1) == 1 ||
			     fgetxattr(sub, "user.overlay.opaque", opq, 1) == 1) &&
			    opq[0] == 'y') {
				_cleanup_free_ char *o = lxr_xasprintf("%s.wh..wh..opq", dp);
				r = put_empty(t, o, &st);
			}
			if (r == 0)
				r = tar_tree(t, sub, dp);
			else
				close(sub);
			continue;
		}
		r = put_entry(t, dirfd(d), names[i], path, &st);
	}
	lxr_strv_free(names);
	closedir(d);
	return r;
}

static int dir_blob(struct img_store *s, const char *dir, json_t *skip, int64_t epoch, char *digest,
		    int64_t *size, lxr_err *err)
{
	struct img_blob_writer w;
	struct tarw t = {archive_write_new(), epoch, err, skip};
	int r, fd;

	if (img_blob_begin(s, &w, err) < 0) {
		archive_write_free(t.a);
		return -1;
	}
	archive_write_set_format_pax_restricted(t.a);
	archive_write_set_bytes_in_last_block(t.a, 1);
	if (archive_write_open(t.a, &w, NULL, blob_out, NULL) != ARCHIVE_OK) {
		r = lxr_fail(err, EIO, "tar: %s", archive_error_string(t.a));
	} else {
		fd = open(dir, O_RDONLY | O_DIRECTORY | O_NOFOLLOW | O_CLOEXEC);
		r = fd < 0 ? lxr_fail(err, errno, "open layer %s", dir) : tar_tree(&t, fd, "");
		if (r == 0 && archive_write_close(t.a) != ARCHIVE_OK)
			r = lxr_fail(err, EIO, "tar: %s", archive_error_string(t.a));
	}
	archive_write_free(t.a);
	if (r < 0) {
		img_blob_abort(&w);
		return -1;
	}
	if (img_blob_commit(&w, NULL, digest, err) < 0)
		return -1;
	_cleanup_close_ int bfd = img_blob_open(s, digest, err);
	struct stat st;
	if (bfd < 0 || fstat(bfd, &st) < 0)
		return -1;
	*size = st.st_size;
	return 0;
}

/* The base image's layers, diff IDs and history (none for scratch). */
static int base_docs(struct img_store *s, const char *base, struct img_manifest *m,
		     json_t **diff_ids, json_t **history, lxr_err *err)
{
	_cleanup_free_ char *mt = NULL, *ct = NULL;
	size_t ml, cl;
	json_t *cfg;

	*diff_ids = json_array();
	*history = json_array();
	memset(m, 0, sizeof(*m));
	if (!base)
		return 0;
	if (img_blob_read(s, base, &mt, &ml, err) < 0 || img_manifest_parse(mt, ml, m, err) < 0 ||
	    img_blob_read(s, m->config_digest, &ct, &cl, err) < 0)
		return lxr_err_wrap(err, "base image %s", base);
	cfg = json_loadb(ct, cl, 0, NULL);
	if (!cfg)
		return lxr_fail(err, EBADMSG, "base image config %s: not JSON", m->config_digest);
	json_t *ids = json_object_get(json_object_get(cfg, "rootfs"), "diff_ids");
	json_t *h = json_object_get(cfg, "history");
	if (json_is_array(ids))
		json_array_extend(*diff_ids, ids);
	if (json_is_array(h))
		json_array_extend(*history, h);
	json_decref(cfg);
	return 0;
}

/* ---- docker commit --change on the config -------------------------------- */
static json_t *strv_json(char *const *v, bool null_empty)
{
	json_t *a;

	if (null_empty && (!v || !v[0]))
		return json_null();
	a = json_array();
	for (size_t i = 0; v && v[i]; i++)
		json_array_append_new(a, json_string(v[i]));
	return a;
}

/* Each change ("CMD ...", "ENV K=V", as docker import's) applied to the
 * config, docker's "config" object, in place */
static int apply_changes(json_t *cfg, json_t *changes, lxr_err *err)
{
	struct img_config c = {0};
	size_t i;
	json_t *v, *ports;
	int r = 0;

	if (!json_array_size(changes))
		return 0;
	img_config_fill(cfg, &c);
	json_array_foreach(changes, i, v) if (r == 0) r =
	    img_config_change(&c, json_string_value(v) ?: "", err);
	if (r == 0) {
		json_object_set_new(cfg, "Cmd", strv_json(c.cmd, true));
		json_object_set_new(cfg, "Entrypoint", strv_json(c.entrypoint, true));
		json_object_set_new(cfg, "Env", strv_json(c.env, false));
		json_object_set_new(cfg, "WorkingDir", json_string(c.workdir ? c.workdir : ""));
		json_object_set_new(cfg, "User", json_string(c.user ? c.user : ""));
		if (c.stop_signal)
			json_object_set_new(cfg, "StopSignal", json_string(c.stop_signal));
		ports = json_object();
		for (size_t n = 0; c.exposed_ports && c.exposed_ports[n]; n++)
			json_object_set_new(ports, c.exposed_ports[n], json_object());
		json_object_set_new(cfg, "ExposedPorts", ports);
	}
	img_config_free(&c);
	return r;
}

static int commit_doc(struct img_store *s, json_t *d, lxr_err *err)
{
	const char *base = json_string_value(json_object_get(d, "base"));
	json_t *layers = json_object_get(d, "layers"), *tags = json_object_get(d, "tags");
	json_t *jepoch = json_object_get(d, "source_date_epoch"), *diff_ids = NULL, *history = NULL,
	       *v;
	int64_t epoch = json_is_integer(jepoch) ? json_integer_value(jepoch) : -1;
	struct img_manifest m = {0};
	struct img_layer_desc *descs = NULL;
	size_t n = 0, i;
	char now[32], manifest[IMG_DIGEST_LEN], cdg[IMG_DIGEST_LEN];
	time_t tnow = epoch >= 0 ? (time_t)epoch : time(NULL);
	const char *variant;
	char *config = NULL, *mdoc = NULL;
	json_t *doc;
	int r = -1;

	if (apply_changes(json_object_get(d, "config"), json_object_get(d, "changes"), err) < 0 ||
	    base_docs(s, base, &m, &diff_ids, &history, err) < 0)
		goto out;
	descs = lxr_xcalloc(m.n_layers + json_array_size(layers) + 1, sizeof(*descs));
	for (i = 0; i < m.n_layers; i++) {
		descs[n] = m.layers[i];
		descs[n++].media_type = lxr_xstrdup(m.layers[i].media_type);
	}
	json_array_foreach(layers, i, v)
	{
		char blob[IMG_DIGEST_LEN], diffid[IMG_DIGEST_LEN];
		/* a directory, or {"dir": ..., "skip": [mount points]} */
		const char *dir = json_is_object(v) ? json_string_value(json_object_get(v, "dir"))
						    : json_string_value(v);
		int64_t size;
		if (!dir) {
			lxr_fail(err, EINVAL, "layer %zu: no directory", i);
			goto out;
		}
		if (dir_blob(s, dir, json_object_get(v, "skip"), epoch, blob, &size, err) < 0 ||
		    img_layer_ensure(s, blob, NULL, diffid, err) < 0) {
			lxr_err_wrap(err, "layer %s", dir);
			goto out;
		}
		memcpy(descs[n].digest, blob, IMG_DIGEST_LEN);
		descs[n].size = size;
		descs[n++].media_type = lxr_xstrdup(img_layer_media_type(s, blob, diffid));
		json_array_append_new(diff_ids, json_string(diffid));
	}
	json_array_foreach(json_object_get(d, "history"), i, v) json_array_append(history, v);
	strftime(now, sizeof(now), "%Y-%m-%dT%H:%M:%SZ", gmtime(&tnow));
	json_array_foreach(history, i, v) if (!json_object_get(v, "created"))
	    json_object_set_new(v, "created", json_string(now));
	doc = json_pack("{s:s, s:s, s:s, s:O, s:{s:s, s:O}, s:O}", "created", now, "architecture",
			img_host_arch(&variant), "os", "linux", "config",
			json_object_get(d, "config"), "rootfs", "type", "layers", "diff_ids",
			diff_ids, "history", history);
	if (variant && strcmp(variant, "v8"))
		json_object_set_new(doc, "variant", json_string(variant));
	/* docker commit --author */
	if (json_is_string(json_object_get(d, "author")))
		json_object_set(doc, "author", json_object_get(d, "author"));
	config = json_dumps(doc, JSON_COMPACT | JSON_SORT_KEYS);
	json_decref(doc);
	if (img_blob_put(s, config, strlen(config), NULL, cdg, err) < 0)
		goto out;
	mdoc = img_manifest_build(cdg, (int64_t)strlen(config), descs, n);
	if (img_blob_put(s, mdoc, strlen(mdoc), NULL, manifest, err) < 0)
		goto out;
	json_array_foreach(tags, i, v) if (img_index_tag(s, json_string_value(v), manifest, err) <
					   0) goto out;
	printf("%s\n", cdg);
	r = 0;
out:
	free(config);
	free(mdoc);
	for (i = 0; i < n; i++)
		free(descs[i].media_type);
	free(descs);
	img_manifest_free(&m);
	json_decref(diff_ids);
	json_decref(history);
	return r;
}

int img_commit(struct img_store *s, const char *desc, lxr_err *err)
{
	json_error_t je;
	json_t *d = json_load_file(desc, 0, &je);
	int r;

	if (!d)
		return lxr_fail(err, EINVAL, "%s:%d: %s", desc, je.line, je.text);
	if (img_gc_lock_shared(s, err) < 0) {
		json_decref(d);
		return -1;
	}
	r = commit_doc(s, d, err);
	img_gc_unlock(s);
	json_decref(d);
	return r < 0 ? lxr_err_wrap(err, "commit the image") : 0;
}

int img_extract_fd(int fd, const char *dir, lxr_err *err)
{
	_cleanup_close_ int dfd = open(dir, O_RDONLY | O_DIRECTORY | O_NOFOLLOW | O_CLOEXEC);
	char diffid[IMG_DIGEST_LEN];

	if (dfd < 0)
		return lxr_fail(err, errno, "open %s", dir);
	if (img_unpack_fd(fd, dfd, diffid, err) < 0)
		return lxr_err_wrap(err, "extract into %s", dir);
	return 0;
}
