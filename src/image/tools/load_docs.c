/* Images from a docker-save manifest.json or an OCI index.json, and the
 * blobs they name, looked up among the archive's files or read from the
 * layout directory. */
#define _GNU_SOURCE
#include <errno.h>
#include <fcntl.h>
#include <limits.h>
#include <linux/openat2.h>
#include <string.h>
#include <sys/stat.h>

#include "image/tools/load.h"
#include "image/tools/unpack.h"

static int find_file(struct loader *ld, const char *name, char *digest, lxr_err *err)
{
	char norm[PATH_MAX];

	if (unpack_norm_path(name, norm, sizeof(norm), err) < 0)
		return lxr_err_wrap(err, "file \"%s\"", name);
	for (size_t i = 0; i < ld->n; i++)
		if (!strcmp(ld->files[i].name, norm)) {
			memcpy(digest, ld->files[i].digest, IMG_DIGEST_LEN);
			return 0;
		}
	return lxr_fail(err, ENOENT, "\"%s\" is not in the archive", name);
}

/* In a layout directory: copy name into the store, resolved below the
 * layout (a manifest.json naming ../../x reads nothing outside). */
int load_open_beneath(const struct loader *ld, const char *name)
{
	/* docker save links a repeated layer.tar to the first one: links are
	 * followed, but never out of the directory */
	struct open_how how = {.flags = O_RDONLY | O_CLOEXEC,
			       .resolve = RESOLVE_BENEATH | RESOLVE_NO_MAGICLINKS};

	return lxr_openat2(ld->dirfd, name, &how);
}

static int dir_file(struct loader *ld, const char *name, const char *want, char *digest,
		    lxr_err *err)
{
	_cleanup_close_ int fd = load_open_beneath(ld, name);

	if (fd < 0)
		return lxr_fail(err, errno, "%s/%s", ld->path, name);
	/* read and checked even when the store has that blob: a layout may
	 * not name another image's blob it does not hold (docker load reads
	 * every file too) */
	return img_blob_from_fd(ld->s, fd, want, digest, err);
}

static int load_file(struct loader *ld, const char *name, char *digest, lxr_err *err)
{
	if (ld->dirfd >= 0)
		return dir_file(ld, name, NULL, digest, err);
	return find_file(ld, name, digest, err);
}

static int load_blob(struct loader *ld, const char *want, lxr_err *err)
{
	_cleanup_free_ char *name = NULL;
	char got[IMG_DIGEST_LEN];

	if (!img_digest_valid(want))
		return lxr_fail(err, EINVAL, "\"%s\" is not a sha256 digest", want);
	name = lxr_xasprintf("blobs/sha256/%s", img_digest_hex(want));
	if (ld->dirfd >= 0)
		return dir_file(ld, name, want, got, err);
	if (find_file(ld, name, got, err) < 0)
		return -1;
	return img_digest_check(name, want, got, err);
}

static int64_t blob_size(struct img_store *s, const char *digest)
{
	_cleanup_close_ int fd = -1;
	struct stat st;
	lxr_err e2;

	fd = img_blob_open(s, digest, &e2);
	return fd >= 0 && fstat(fd, &st) == 0 ? st.st_size : 0;
}

static int tag(struct loader *ld, const char *name, const char *manifest, lxr_err *err)
{
	struct img_ref r;
	_cleanup_free_ char *canon = NULL;

	if (!name)
		return img_index_tag(ld->s, NULL, manifest, err);
	if (img_ref_parse(name, &r, err) < 0)
		return -1;
	/* NAME@DIGEST promises content: a name with another image's digest
	 * would resolve to that image, or to nothing */
	if (r.digest && strcmp(r.digest, manifest)) {
		lxr_fail(err, EBADMSG, "\"%s\" names digest %s, but the image it is given to is %s",
			 name, r.digest, manifest);
		img_ref_free(&r);
		return -1;
	}
	canon = img_ref_string(&r);
	img_ref_free(&r);
	if (img_index_tag(ld->s, canon, manifest, err) < 0)
		return -1;
	lxr_strv_push(ld->names, lxr_steal_ptr(&canon));
	return 0;
}

/* The config's diff IDs (each layer's uncompressed digest). */
static int config_diff_ids(struct img_store *s, const char *config, char ***diff_ids, lxr_err *err)
{
	_cleanup_free_ char *text = NULL;
	struct img_config c;
	size_t len;

	if (img_blob_read(s, config, &text, &len, err) < 0 ||
	    img_config_parse(text, len, &c, diff_ids, NULL, err) < 0)
		return -1;
	img_config_free(&c);
	return 0;
}

static int docker_one(struct loader *ld, json_t *item, lxr_err *err)
{
	json_t *layers = json_object_get(item, "Layers"), *tags = json_object_get(item, "RepoTags");
	const char *cfgname = json_string_value(json_object_get(item, "Config"));
	struct img_layer_desc *ls;
	char cdg[IMG_DIGEST_LEN], mdg[IMG_DIGEST_LEN];
	_cleanup_free_ char *manifest = NULL;
	_cleanup_strv_ char **diff_ids = NULL;
	lxr_err ignored;
	size_t i, n = json_array_size(layers);
	json_t *v;
	int r = -1;

	if (!cfgname || !json_is_array(layers))
		return lxr_fail(err, EBADMSG, "manifest.json: an entry without Config or Layers");
	if (load_file(ld, cfgname, cdg, err) < 0)
		return -1;
	/* a config that does not parse is reported where the layers are
	 * checked against it (img_store_unpack) */
	if (config_diff_ids(ld->s, cdg, &diff_ids, &ignored) < 0)
		diff_ids = NULL;
	ls = lxr_xcalloc(n + 1, sizeof(*ls));
	json_array_foreach(layers, i, v)
	{
		const char *name = json_string_value(v);
		if (!name) {
			lxr_fail(err, EBADMSG, "manifest.json: Layers[%zu] is not a file name", i);
			goto out;
		}
		if (load_file(ld, name, ls[i].digest, err) < 0)
			goto out;
		ls[i].size = blob_size(ld->s, ls[i].digest);
		/* what the file is (docker writes tars, lxr save the blobs as
		 * pulled): a manifest that says so can be pushed on as it is */
		ls[i].media_type =
		    lxr_xstrdup(i < lxr_strv_len(diff_ids)
				    ? img_layer_media_type(ld->s, ls[i].digest, diff_ids[i])
				    : "application/vnd.oci.image.layer.v1.tar");
	}
	manifest = img_manifest_build(cdg, blob_size(ld->s, cdg), ls, n);
	if (img_blob_put(ld->s, manifest, strlen(manifest), NULL, mdg, err) < 0 ||
	    img_store_unpack(ld->s, mdg, err) < 0)
		goto out;
	r = json_array_size(tags) ? 0 : tag(ld, NULL, mdg, err);
	json_array_foreach(tags, i, v) if (r == 0) r = tag(ld, json_string_value(v), mdg, err);
out:
	for (i = 0; i < n; i++)
		free(ls[i].media_type);
	free(ls);
	return r;
}

int load_docker(struct loader *ld, lxr_err *err)
{
	json_error_t je;
	json_t *j = json_loadb(ld->manifest_json, ld->manifest_len, 0, &je), *item;
	size_t i;
	int r = 0;

	if (!j)
		return lxr_fail(err, EBADMSG, "manifest.json: line %d: %s", je.line, je.text);
	/* a document that parsed has no line to point at */
	if (!json_is_array(j)) {
		json_decref(j);
		return lxr_fail(err, EBADMSG, "manifest.json: not an array");
	}
	json_array_foreach(j, i, item) if (r == 0) r = docker_one(ld, item, err);
	json_decref(j);
	return r;
}

/* The name an OCI index entry gives its image: containerd's full name, or
 * the ref.name annotation when that is a whole reference (a bare tag has
 * no repository to go with it). */
static const char *oci_name(json_t *desc)
{
	json_t *an = json_object_get(desc, "annotations");
	const char *full = json_string_value(json_object_get(an, "io.containerd.image.name"));
	const char *ref =
	    json_string_value(json_object_get(an, "org.opencontainers.image.ref.name"));

	if (full)
		return full;
	if (ref && (strchr(ref, ':') || strchr(ref, '/')))
		return ref;
	return NULL;
}

static int oci_manifest(struct loader *ld, const char *digest, char *out, lxr_err *err)
{
	_cleanup_free_ char *text = NULL;
	struct img_manifest m;
	size_t len;
	int r = 0;

	if (load_blob(ld, digest, err) < 0 || img_blob_read(ld->s, digest, &text, &len, err) < 0)
		return -1;
	if (strstr(text, "\"manifests\"")) { /* an index inside the layout */
		char pick[IMG_DIGEST_LEN];
		if (img_index_pick(text, len, pick, err) < 0)
			return -1;
		return oci_manifest(ld, pick, out, err);
	}
	if (img_manifest_parse(text, len, &m, err) < 0)
		return -1;
	r = load_blob(ld, m.config_digest, err);
	for (size_t i = 0; r == 0 && i < m.n_layers; i++)
		r = load_blob(ld, m.layers[i].digest, err);
	img_manifest_free(&m);
	memcpy(out, digest, IMG_DIGEST_LEN);
	return r < 0 ? -1 : img_store_unpack(ld->s, digest, err);
}

int load_oci(struct loader *ld, lxr_err *err)
{
	json_error_t je;
	json_t *j = json_loadb(ld->index_json, ld->index_len, 0, &je), *d;
	size_t i;
	int r = 0;

	if (!j)
		return lxr_fail(err, EBADMSG, "index.json: line %d: %s", je.line, je.text);
	if (!json_is_array(json_object_get(j, "manifests"))) {
		json_decref(j);
		return lxr_fail(err, EBADMSG, "index.json: no manifests array");
	}
	json_array_foreach(json_object_get(j, "manifests"), i, d)
	{
		char mdg[IMG_DIGEST_LEN];
		const char *dg = json_string_value(json_object_get(d, "digest"));
		if (r == 0)
			r = oci_manifest(ld, dg ? dg : "", mdg, err);
		if (r == 0)
			r = tag(ld, oci_name(d), mdg, err);
	}
	json_decref(j);
	return r;
}
