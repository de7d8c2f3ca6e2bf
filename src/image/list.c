/* lxr images: every tag, and every dangling image, with its ID and size. */
#define _GNU_SOURCE
#include <errno.h>
#include <string.h>

#include "image/image_internal.h"

static bool in(char **v, const char *s)
{
	for (size_t i = 0; v && v[i]; i++)
		if (!strcmp(v[i], s))
			return true;
	return false;
}

static void fill(struct img_store *s, struct img_summary *e, const char *name, const char *dg,
		 char **live)
{
	_cleanup_free_ char *mt = NULL, *ct = NULL;
	_cleanup_strv_ char **diff_ids = NULL;
	struct img_manifest m;
	struct img_config c;
	size_t len;
	lxr_err e2;

	memset(e, 0, sizeof(*e));
	snprintf(e->manifest_digest, sizeof(e->manifest_digest), "%s", dg);
	e->in_use = in(live, dg);
	if (name) {
		const char *colon = strrchr(name, ':'), *at = strchr(name, '@');
		const char *cut = at ? at : colon;
		e->name = lxr_xstrdup(name);
		e->repo = lxr_xstrndup(name, (size_t)(cut - name));
		e->tag = lxr_xstrdup(at ? "<none>" : colon + 1);
	} else {
		e->repo = lxr_xstrdup("<none>");
		e->tag = lxr_xstrdup("<none>");
	}
	if (img_blob_read(s, dg, &mt, &len, &e2) < 0 || img_manifest_parse(mt, len, &m, &e2) < 0)
		return;
	memcpy(e->config_digest, m.config_digest, IMG_DIGEST_LEN);
	for (size_t i = 0; i < m.n_layers; i++)
		e->size += m.layers[i].size;
	if (img_blob_read(s, m.config_digest, &ct, &len, &e2) == 0 &&
	    img_config_parse(ct, len, &c, &diff_ids, &e->created, &e2) == 0)
		img_config_free(&c);
	img_manifest_free(&m);
}

int img_list(struct img_store *s, struct img_summary **out, size_t *n, lxr_err *err)
{
	_cleanup_strv_ char **live = NULL;
	json_t *idx = NULL, *tags, *dangling, *v;
	const char *k;
	size_t i, cap;

	if (img_uses_live(s, &live, err) < 0 || img_index_load(s, &idx, err) < 0)
		return -1;
	tags = json_object_get(idx, "tags");
	dangling = json_object_get(idx, "dangling");
	cap = json_object_size(tags) + json_array_size(dangling);
	*out = lxr_xcalloc(cap + 1, sizeof(**out));
	*n = 0;
	json_object_foreach(tags, k, v) fill(s, &(*out)[(*n)++], k, json_string_value(v), live);
	json_array_foreach(dangling, i, v)
	    fill(s, &(*out)[(*n)++], NULL, json_string_value(v), live);
	json_decref(idx);
	return 0;
}

void img_summaries_free(struct img_summary *v, size_t n)
{
	for (size_t i = 0; i < n; i++) {
		free(v[i].name);
		free(v[i].repo);
		free(v[i].tag);
	}
	free(v);
}
