/* lxr import: a root filesystem (directory or tar) as a one-layer image.
 * A directory is written as a tar blob first and unpacked from it like any
 * layer, so an imported image goes through the same checks as a pulled one
 * and can be pushed or saved as it is. */
#define _GNU_SOURCE
#include <archive.h>
#include <archive_entry.h>
#include <errno.h>
#include <fcntl.h>
#include <limits.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <time.h>

#include "image/tools/tools.h"

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

static int copy_entry(struct archive *disk, struct archive *out, struct archive_entry *e,
		      size_t skip)
{
	const char *full = archive_entry_pathname(e);
	_cleanup_free_ char *rel = lxr_xasprintf("./%s", full + skip);
	char buf[1 << 16];
	la_ssize_t n;

	archive_entry_set_pathname(e, rel);
	if (archive_write_header(out, e) < ARCHIVE_WARN)
		return -1;
	if (archive_entry_filetype(e) == AE_IFREG && !archive_entry_hardlink(e))
		while ((n = archive_read_data(disk, buf, sizeof(buf))) > 0)
			if (archive_write_data(out, buf, (size_t)n) != n)
				return -1;
	return 0;
}

/* Walk dir without following symlinks or leaving its filesystem. */
static int tar_dir(const char *dir, struct archive *out, lxr_err *err)
{
	struct archive *disk = archive_read_disk_new();
	struct archive_entry *e = archive_entry_new();
	struct archive_entry_linkresolver *lr = archive_entry_linkresolver_new();
	size_t skip = strlen(dir) + 1;
	int r;

	archive_entry_linkresolver_set_strategy(lr, ARCHIVE_FORMAT_TAR_PAX_RESTRICTED);
	archive_read_disk_set_symlink_physical(disk);
	archive_read_disk_set_behavior(disk, ARCHIVE_READDISK_NO_TRAVERSE_MOUNTS);
	r = archive_read_disk_open(disk, dir);
	while (r == ARCHIVE_OK) {
		struct archive_entry *cur = e, *spare = NULL;
		const char *name;
		archive_entry_clear(e);
		r = archive_read_next_header2(disk, e);
		if (r == ARCHIVE_EOF || r < ARCHIVE_WARN)
			break;
		archive_read_disk_descend(disk);
		r = ARCHIVE_OK;
		name = archive_entry_pathname(e);
		if (!name || strlen(name) < skip)
			continue; /* the directory itself */
		/* a second name for an inode becomes a hard link entry; for tar
		 * the resolver hands back the same entry, never a deferred one */
		archive_entry_linkify(lr, &cur, &spare);
		if (cur && copy_entry(disk, out, cur, skip) < 0)
			r = ARCHIVE_FATAL;
	}
	if (r != ARCHIVE_EOF)
		lxr_fail(err, archive_errno(disk) > 0 ? archive_errno(disk) : EIO, "tar %s: %s",
			 dir,
			 archive_error_string(disk) ? archive_error_string(disk)
						    : archive_error_string(out));
	archive_entry_linkresolver_free(lr);
	archive_entry_free(e);
	archive_read_free(disk);
	return r == ARCHIVE_EOF ? 0 : -1;
}

static int dir_to_blob(struct img_store *s, const char *dir, char *digest, lxr_err *err)
{
	struct img_blob_writer w;
	struct archive *out;
	int r;

	if (img_blob_begin(s, &w, err) < 0)
		return -1;
	out = archive_write_new();
	archive_write_set_format_pax_restricted(out);
	archive_write_set_bytes_in_last_block(out, 1);
	if (archive_write_open(out, &w, NULL, blob_out, NULL) != ARCHIVE_OK) {
		r = lxr_fail(err, EIO, "tar: %s", archive_error_string(out));
	} else {
		r = tar_dir(dir, out, err);
		if (r == 0 && archive_write_close(out) != ARCHIVE_OK)
			r = lxr_fail(err, EIO, "tar: %s", archive_error_string(out));
	}
	archive_write_free(out);
	if (r < 0) {
		img_blob_abort(&w);
		return -1;
	}
	return img_blob_commit(&w, NULL, digest, err);
}

int img_blob_from_fd(struct img_store *s, int fd, const char *want, char *digest, lxr_err *err)
{
	struct img_blob_writer w;
	char buf[1 << 16];
	ssize_t n;

	if (img_blob_begin(s, &w, err) < 0)
		return -1;
	while ((n = read(fd, buf, sizeof(buf))) != 0) {
		if (n < 0 && errno == EINTR)
			continue;
		if (n < 0) {
			lxr_fail(err, errno, "read");
			img_blob_abort(&w);
			return -1;
		}
		if (img_blob_write(&w, buf, (size_t)n, err) < 0) {
			img_blob_abort(&w);
			return -1;
		}
	}
	return img_blob_commit(&w, want, digest, err);
}

const char *img_layer_media_type(struct img_store *s, const char *blob, const char *diffid)
{
	_cleanup_close_ int fd = -1;
	unsigned char m[4] = {0};
	lxr_err e2;

	if (!strcmp(blob, diffid))
		return "application/vnd.oci.image.layer.v1.tar";
	fd = img_blob_open(s, blob, &e2);
	if (fd >= 0 && pread(fd, m, sizeof(m), 0) == sizeof(m) && m[0] == 0x28 && m[1] == 0xb5 &&
	    m[2] == 0x2f && m[3] == 0xfd)
		return "application/vnd.oci.image.layer.v1.tar+zstd";
	return "application/vnd.oci.image.layer.v1.tar+gzip";
}

static void set_strv(json_t *o, const char *k, char *const *v)
{
	json_t *a;

	if (!v)
		return;
	a = json_array();
	for (size_t i = 0; v[i]; i++)
		json_array_append_new(a, json_string(v[i]));
	json_object_set_new(o, k, a);
}

char *img_config_build(const struct img_config *c, char *const *diff_ids, const char *how)
{
	char now[32];
	time_t t = time(NULL);
	const char *variant;
	json_t *cfg = json_object(), *ports = json_object(), *doc;
	char *text;

	strftime(now, sizeof(now), "%Y-%m-%dT%H:%M:%SZ", gmtime(&t));
	set_strv(cfg, "Entrypoint", c->entrypoint);
	set_strv(cfg, "Cmd", c->cmd);
	set_strv(cfg, "Env", c->env);
	if (c->workdir)
		json_object_set_new(cfg, "WorkingDir", json_string(c->workdir));
	if (c->user)
		json_object_set_new(cfg, "User", json_string(c->user));
	if (c->stop_signal)
		json_object_set_new(cfg, "StopSignal", json_string(c->stop_signal));
	for (size_t i = 0; c->exposed_ports && c->exposed_ports[i]; i++)
		json_object_set_new(ports, c->exposed_ports[i], json_object());
	if (json_object_size(ports))
		json_object_set(cfg, "ExposedPorts", ports);
	json_decref(ports);
	doc = json_pack("{s:s, s:s, s:s, s:o, s:{s:s, s:[]}, s:[{s:s, s:s}]}", "created", now,
			"architecture", img_host_arch(&variant), "os", "linux", "config", cfg,
			"rootfs", "type", "layers", "diff_ids", "history", "created", now,
			"created_by", how);
	if (variant && strcmp(variant, "v8"))
		json_object_set_new(doc, "variant", json_string(variant));
	for (size_t i = 0; diff_ids[i]; i++)
		json_array_append_new(json_object_get(json_object_get(doc, "rootfs"), "diff_ids"),
				      json_string(diff_ids[i]));
	text = json_dumps(doc, JSON_COMPACT | JSON_SORT_KEYS);
	json_decref(doc);
	if (!text)
		abort();
	return text;
}

static int layer_blob(struct img_store *s, const char *path, char *blob, lxr_err *err)
{
	_cleanup_close_ int fd = open(path, O_RDONLY | O_CLOEXEC);
	struct stat st;

	if (fd < 0 || fstat(fd, &st) < 0)
		return lxr_fail(err, errno, "open %s", path),
		       lxr_err_hint(err,
				    "give a root filesystem directory or a tar archive of one");
	if (S_ISDIR(st.st_mode)) {
		char real[PATH_MAX];
		if (!realpath(path, real))
			return lxr_fail(err, errno, "realpath %s", path);
		return dir_to_blob(s, real, blob, err);
	}
	return img_blob_from_fd(s, fd, NULL, blob, err);
}

/* Config and manifest for layers, stored; the manifest digest in out. */
int img_store_image(struct img_store *s, const char *config, struct img_layer_desc *layers,
		    size_t n, char *out, lxr_err *err)
{
	char cdg[IMG_DIGEST_LEN];
	_cleanup_free_ char *manifest = NULL;

	if (img_blob_put(s, config, strlen(config), NULL, cdg, err) < 0)
		return -1;
	manifest = img_manifest_build(cdg, (int64_t)strlen(config), layers, n);
	return img_blob_put(s, manifest, strlen(manifest), NULL, out, err);
}

static int import_locked(struct img_store *s, const char *path, const char *canon,
			 const struct img_config *cfg, lxr_err *err)
{
	struct img_config none = {0};
	struct img_layer_desc l = {0};
	char diffid[IMG_DIGEST_LEN], manifest[IMG_DIGEST_LEN];
	char *ids[] = {diffid, NULL};
	_cleanup_free_ char *config = NULL;
	struct stat st;

	if (layer_blob(s, path, l.digest, err) < 0 ||
	    img_layer_ensure(s, l.digest, NULL, diffid, err) < 0)
		return -1;
	if (stat(path, &st) == 0)
		l.size = S_ISDIR(st.st_mode) ? 0 : st.st_size;
	if (l.size == 0) {
		_cleanup_close_ int fd = img_blob_open(s, l.digest, err);
		if (fd < 0 || fstat(fd, &st) < 0)
			return -1;
		l.size = st.st_size;
	}
	l.media_type = (char *)img_layer_media_type(s, l.digest, diffid);
	config = img_config_build(cfg ? cfg : &none, ids, "lxr import");
	if (img_store_image(s, config, &l, 1, manifest, err) < 0)
		return -1;
	return img_index_tag(s, canon, manifest, err);
}

int img_import(struct img_store *s, const char *path, const char *name,
	       const struct img_config *cfg, lxr_err *err)
{
	_cleanup_free_ char *canon = NULL;
	struct img_ref r;
	int ret;

	if (img_ref_parse(name, &r, err) < 0)
		return -1;
	canon = img_ref_string(&r);
	img_ref_free(&r);
	if (strchr(canon, '@'))
		return lxr_fail(err, EINVAL, "import %s: name the image with a tag, not a digest",
				name);
	if (img_gc_lock_shared(s, err) < 0)
		return -1;
	ret = import_locked(s, path, canon, cfg, err);
	img_gc_unlock(s);
	if (ret < 0)
		return lxr_err_wrap(err, "import %s", path);
	return 0;
}
