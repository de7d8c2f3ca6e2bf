/* The documents of a saved archive. docker save (25+) writes a docker-save
 * archive that is an OCI layout too: manifest.json and repositories for
 * docker load, index.json and oci-layout for OCI readers, the same blobs
 * under blobs/sha256/ for both. */
#define _GNU_SOURCE
#include <string.h>

#include "image/tools/save.h"

static char *dump(json_t *j)
{
	char *text = json_dumps(j, JSON_COMPACT);

	json_decref(j);
	if (!text)
		abort();
	return text;
}

static json_t *blob_path(const char *digest)
{
	return json_sprintf("blobs/sha256/%s", img_digest_hex(digest));
}

char *save_manifest_json(const struct save_image *v, size_t n)
{
	json_t *a = json_array();

	for (size_t i = 0; i < n; i++) {
		json_t *tags = json_array(), *layers = json_array();
		for (size_t k = 0; v[i].names && v[i].names[k]; k++)
			json_array_append_new(tags, json_string(img_short_name(v[i].names[k])));
		for (size_t k = 0; v[i].layers && v[i].layers[k]; k++)
			json_array_append_new(layers, blob_path(v[i].layers[k]));
		if (!json_array_size(tags)) { /* docker: null for an image saved by ID */
			json_decref(tags);
			tags = json_null();
		}
		json_array_append_new(a,
				      json_pack("{s:o, s:o, s:o}", "Config", blob_path(v[i].config),
						"RepoTags", tags, "Layers", layers));
	}
	return dump(a);
}

char *save_repositories_json(const struct save_image *v, size_t n)
{
	json_t *repos = json_object();

	for (size_t i = 0; i < n; i++) {
		size_t nl = lxr_strv_len(v[i].layers);
		for (size_t k = 0; v[i].names && v[i].names[k] && nl; k++) {
			struct img_ref r;
			lxr_err ignored;
			if (img_ref_parse(v[i].names[k], &r, &ignored) < 0)
				continue;
			if (r.tag && !r.digest) {
				_cleanup_free_ char *repo = img_ref_repo_string(&r);
				const char *shown = img_short_name(repo);
				json_t *tags = json_object_get(repos, shown);
				if (!tags)
					json_object_set_new(repos, shown, tags = json_object());
				json_object_set_new(
				    tags, r.tag, json_string(img_digest_hex(v[i].layers[nl - 1])));
			}
			img_ref_free(&r);
		}
	}
	if (!json_object_size(repos)) {
		json_decref(repos);
		return NULL;
	}
	return dump(repos);
}

static json_t *index_entry(const struct save_image *im, const char *name, enum img_save_format f)
{
	json_t *d = json_pack("{s:s, s:s, s:I}", "mediaType", im->media_type, "digest",
			      im->manifest, "size", (json_int_t)im->manifest_size);
	struct img_ref r;
	lxr_err ignored;

	if (!name)
		return d;
	if (f == IMG_SAVE_OCI) {
		json_object_set_new(d, "annotations",
				    json_pack("{s:s}", "org.opencontainers.image.ref.name", name));
	} else if (img_ref_parse(name, &r, &ignored) == 0) {
		json_t *an = json_pack("{s:s}", "io.containerd.image.name", name);
		if (r.tag && !r.digest)
			json_object_set_new(an, "org.opencontainers.image.ref.name",
					    json_string(r.tag));
		json_object_set_new(d, "annotations", an);
		img_ref_free(&r);
	}
	return d;
}

char *save_index_json(const struct save_image *v, size_t n, enum img_save_format f)
{
	json_t *ms = json_array();

	for (size_t i = 0; i < n; i++) {
		if (!v[i].names || !v[i].names[0])
			json_array_append_new(ms, index_entry(&v[i], NULL, f));
		for (size_t k = 0; v[i].names && v[i].names[k]; k++)
			json_array_append_new(ms, index_entry(&v[i], v[i].names[k], f));
	}
	return dump(json_pack("{s:i, s:s, s:o}", "schemaVersion", 2, "mediaType",
			      "application/vnd.oci.image.index.v1+json", "manifests", ms));
}
