/* lxr pull: manifest (through an index to this host's platform when the
 * tag names several), config, then only the layers the store lacks, in
 * parallel; every document and blob is checked against its digest before
 * the store keeps it. */
#define _GNU_SOURCE
#include <errno.h>
#include <stdio.h>
#include <string.h>

#include "image/tools/fetch.h"

static const char accept_all[] = "Accept: application/vnd.oci.image.index.v1+json, "
				 "application/vnd.docker.distribution.manifest.list.v2+json, "
				 "application/vnd.oci.image.manifest.v1+json, "
				 "application/vnd.docker.distribution.manifest.v2+json";

/* GET a manifest by tag or digest, verify, store; digest gets its name. */
static int get_manifest(struct img_store *s, struct reg_client *c, const char *ref, char *digest,
			struct reg_resp *r, lxr_err *err)
{
	_cleanup_free_ char *path = lxr_xasprintf("/v2/%s/manifests/%s", c->ref.repo, ref);
	char got[IMG_DIGEST_LEN];

	if (reg_get(c, path, accept_all, r, err) < 0)
		return -1;
	if (r->status != 200)
		return reg_http_error(c, ref, r, err);
	img_digest_of(r->body, r->len, got);
	/* by digest: the content must be that digest; by tag: the registry's
	 * own claim, when it makes one, must hold */
	if (img_digest_valid(ref) && img_digest_check(ref, ref, got, err) < 0)
		return -1;
	if (r->digest && img_digest_valid(r->digest) &&
	    img_digest_check("manifest", r->digest, got, err) < 0)
		return -1;
	memcpy(digest, got, IMG_DIGEST_LEN);
	return img_blob_put(s, r->body, r->len, got, NULL, err);
}

static int resolve_manifest(struct img_store *s, struct reg_client *c, char *digest, lxr_err *err)
{
	struct reg_resp r = {0};
	char pick[IMG_DIGEST_LEN];
	const char *ref = c->ref.digest ? c->ref.digest : c->ref.tag;
	int ret = get_manifest(s, c, ref, digest, &r, err);

	if (ret == 0 && (img_media_is_index(r.content_type) || strstr(r.body, "\"manifests\""))) {
		ret = img_index_pick(r.body, r.len, pick, err);
		if (ret == 0)
			ret = get_manifest(s, c, pick, digest, &r, err);
	}
	reg_resp_free(&r);
	return ret;
}

static int get_blob_doc(struct img_store *s, struct reg_client *c, const char *digest, lxr_err *err)
{
	_cleanup_free_ char *path = NULL;
	struct reg_resp r = {0};
	int ret;

	if (img_blob_exists(s, digest))
		return 0;
	path = lxr_xasprintf("/v2/%s/blobs/%s", c->ref.repo, digest);
	ret = reg_get(c, path, NULL, &r, err);
	if (ret == 0 && r.status != 200)
		ret = reg_http_error(c, digest, &r, err);
	if (ret == 0)
		ret = img_blob_put(s, r.body, r.len, digest, NULL, err);
	reg_resp_free(&r);
	return ret;
}

/* Layers the store has neither unpacked nor as a blob. */
static size_t missing_layers(struct img_store *s, const struct img_manifest *m, char **diff_ids,
			     struct fetch_item *items, const struct img_pull_opts *o)
{
	size_t n = 0;

	for (size_t i = 0; i < m->n_layers; i++) {
		/* a layer already there counts only if it was made from this
		 * very blob (img_layer_made_from) */
		if (img_layer_made_from(s, m->layers[i].digest, diff_ids[i]) ||
		    img_blob_exists(s, m->layers[i].digest)) {
			if (!o->quiet && !o->progress_json)
				fprintf(stderr, "%.12s: Already exists\n",
					img_digest_hex(m->layers[i].digest));
			continue;
		}
		memcpy(items[n].digest, m->layers[i].digest, IMG_DIGEST_LEN);
		items[n++].size = m->layers[i].size;
	}
	return n;
}

static int pull_layers(struct img_store *s, struct reg_client *c, const char *manifest,
		       const struct img_pull_opts *o, size_t *fetched, lxr_err *err)
{
	_cleanup_free_ char *mt = NULL, *ct = NULL;
	_cleanup_strv_ char **diff_ids = NULL;
	struct fetch_item *items = NULL;
	struct img_manifest m;
	struct img_config cfg;
	size_t len;
	int r = -1;

	if (img_blob_read(s, manifest, &mt, &len, err) < 0 ||
	    img_manifest_parse(mt, len, &m, err) < 0)
		return -1;
	if (get_blob_doc(s, c, m.config_digest, err) < 0 ||
	    img_blob_read(s, m.config_digest, &ct, &len, err) < 0 ||
	    img_config_parse(ct, len, &cfg, &diff_ids, NULL, err) < 0)
		goto out;
	img_config_free(&cfg);
	if (lxr_strv_len(diff_ids) != m.n_layers) {
		lxr_fail(err, EBADMSG, "config lists %zu layers, the manifest %zu",
			 lxr_strv_len(diff_ids), m.n_layers);
		goto out;
	}
	items = lxr_xcalloc(m.n_layers + 1, sizeof(*items));
	*fetched = missing_layers(s, &m, diff_ids, items, o);
	if (fetch_blobs(c, items, *fetched, o, s, err) < 0)
		goto out;
	r = img_store_unpack(s, manifest, err);
out:
	free(items);
	img_manifest_free(&m);
	return r;
}

static int pull_locked(struct img_store *s, struct img_ref *ref, const struct img_pull_opts *o,
		       lxr_err *err)
{
	_cleanup_free_ char *canon = img_ref_string(ref);
	struct reg_client c;
	char manifest[IMG_DIGEST_LEN], old[IMG_DIGEST_LEN] = "";
	_cleanup_free_ char *oldname = NULL;
	size_t fetched = 0;
	int r;

	if (reg_open(ref, o->auth_file, &c, err) < 0)
		return -1;
	if (img_store_find(s, canon, old, &oldname, err) < 0)
		old[0] = '\0';
	r = resolve_manifest(s, &c, manifest, err);
	if (r == 0)
		r = pull_layers(s, &c, manifest, o, &fetched, err);
	reg_close(&c);
	if (r == 0)
		r = img_index_tag(s, canon, manifest, err);
	if (r == 0 && !o->quiet && !o->progress_json) {
		fprintf(stderr, "Digest: %s\n", manifest);
		fprintf(stderr, "Status: %s for %s\n",
			!strcmp(old, manifest) && !fetched ? "Image is up to date"
							   : "Downloaded newer image",
			canon);
	}
	return r;
}

int img_pull(struct img_store *s, const char *refstr, const struct img_pull_opts *o, lxr_err *err)
{
	struct img_ref ref;
	int r;

	if (img_ref_parse(refstr, &ref, err) < 0)
		return -1;
	if (img_gc_lock_shared(s, err) < 0) {
		img_ref_free(&ref);
		return -1;
	}
	if (!o->quiet && !o->progress_json)
		fprintf(stderr, "Pulling %s/%s:%s\n", ref.registry, ref.repo,
			ref.digest ? ref.digest : ref.tag);
	r = pull_locked(s, &ref, o, err);
	img_ref_free(&ref);
	img_gc_unlock(s);
	if (r < 0)
		return lxr_err_wrap(err, "pull %s", refstr);
	return 0;
}
