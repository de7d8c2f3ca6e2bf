/* Resolving a reference to an image ready to run: its layers unpacked, its
 * config read. No hashing beyond the re-check of the small documents and no
 * archive code here: this runs inside every `lxr run IMAGE`. */
#define _GNU_SOURCE
#include <errno.h>
#include <string.h>
#include <time.h>

#include "image/image_internal.h"
#include "lxr/plan.h"

void img_image_free(struct img_image *im)
{
	free(im->name);
	lxr_strv_free(im->layer_dirs);
	img_config_free(&im->config);
	memset(im, 0, sizeof(*im));
}

static char *dup_or_null(const char *s)
{
	return s ? lxr_xstrdup(s) : NULL;
}

void img_image_copy(struct img_image *dst, const struct img_image *src)
{
	const struct img_config *c = &src->config;
	struct img_config *d = &dst->config;

	*dst = *src;
	dst->name = dup_or_null(src->name);
	dst->layer_dirs = src->layer_dirs ? lxr_strv_dup(src->layer_dirs) : NULL;
	d->entrypoint = c->entrypoint ? lxr_strv_dup(c->entrypoint) : NULL;
	d->cmd = c->cmd ? lxr_strv_dup(c->cmd) : NULL;
	d->env = c->env ? lxr_strv_dup(c->env) : NULL;
	d->workdir = dup_or_null(c->workdir);
	d->user = dup_or_null(c->user);
	d->exposed_ports = c->exposed_ports ? lxr_strv_dup(c->exposed_ports) : NULL;
	d->stop_signal = dup_or_null(c->stop_signal);
	d->healthcheck.test = c->healthcheck.test ? lxr_strv_dup(c->healthcheck.test) : NULL;
	d->onbuild = c->onbuild ? lxr_strv_dup(c->onbuild) : NULL;
	d->labels = c->labels ? lxr_strv_dup(c->labels) : NULL;
	d->os = dup_or_null(c->os);
	d->architecture = dup_or_null(c->architecture);
	d->variant = dup_or_null(c->variant);
}

static bool is_hex_prefix(const char *s)
{
	if (lxr_str_has_prefix(s, "sha256:"))
		s += 7;
	if (strlen(s) < 4 || strlen(s) > 64)
		return false;
	for (; *s; s++)
		if (!((*s >= '0' && *s <= '9') || (*s >= 'a' && *s <= 'f')))
			return false;
	return true;
}

/* Manifest and config digests of an image the store has. */
static int image_ids(struct img_store *s, const char *manifest, char *config, lxr_err *err)
{
	_cleanup_free_ char *text = NULL;
	struct img_manifest m;
	size_t len;

	if (img_blob_read(s, manifest, &text, &len, err) < 0 ||
	    img_manifest_parse(text, len, &m, err) < 0)
		return -1;
	memcpy(config, m.config_digest, IMG_DIGEST_LEN);
	img_manifest_free(&m);
	return 0;
}

static bool id_matches(struct img_store *s, const char *manifest, const char *prefix)
{
	char config[IMG_DIGEST_LEN];
	lxr_err e2;

	if (lxr_str_has_prefix(prefix, "sha256:"))
		prefix += 7;
	if (image_ids(s, manifest, config, &e2) < 0)
		return false;
	return lxr_str_has_prefix(img_digest_hex(config), prefix) ||
	       lxr_str_has_prefix(img_digest_hex(manifest), prefix);
}

int img_store_find(struct img_store *s, const char *ref, char *manifest, char **name, lxr_err *err)
{
	json_t *idx = NULL, *v;
	struct img_ref r;
	const char *k;
	size_t i;
	int found = 0;

	if (img_index_load(s, &idx, err) < 0)
		return -1;
	if (img_ref_parse(ref, &r, err) == 0) {
		_cleanup_free_ char *canon = img_ref_string(&r);
		const char *d =
		    r.digest
			? r.digest
			: json_string_value(json_object_get(json_object_get(idx, "tags"), canon));
		if (d && img_blob_exists(s, d)) {
			memcpy(manifest, d, IMG_DIGEST_LEN);
			*name = lxr_steal_ptr(&canon);
			found = 1;
		}
		img_ref_free(&r);
	}
	if (!found && is_hex_prefix(ref)) {
		/* docker: an image ID (prefix) names the image too */
		json_object_foreach(json_object_get(idx, "tags"), k,
				    v) if (!found && id_matches(s, json_string_value(v), ref))
		{
			memcpy(manifest, json_string_value(v), IMG_DIGEST_LEN);
			*name = lxr_xstrdup(k);
			found = 1;
		}
		json_array_foreach(json_object_get(idx, "dangling"), i,
				   v) if (!found && id_matches(s, json_string_value(v), ref))
		{
			memcpy(manifest, json_string_value(v), IMG_DIGEST_LEN);
			*name = lxr_xstrdup(ref);
			found = 1;
		}
	}
	json_decref(idx);
	if (!found)
		return lxr_fail(err, ENOENT, "image \"%s\" is not in the store", ref),
		       lxr_err_hint(err, "pull it (lxr pull %s), or load or import it first", ref);
	return 0;
}

int img_image_docs(struct img_store *s, struct img_image *im, struct img_manifest *m,
		   char ***diff_ids, lxr_err *err)
{
	_cleanup_free_ char *mt = NULL, *ct = NULL;
	size_t len;

	if (img_blob_read(s, im->manifest_digest, &mt, &len, err) < 0 ||
	    img_manifest_parse(mt, len, m, err) < 0)
		return -1;
	memcpy(im->config_digest, m->config_digest, IMG_DIGEST_LEN);
	if (img_blob_read(s, m->config_digest, &ct, &len, err) < 0 ||
	    img_config_parse(ct, len, &im->config, diff_ids, &im->created, err) < 0) {
		img_manifest_free(m);
		return lxr_err_wrap(err, "config %s", im->config_digest);
	}
	if (lxr_strv_len(*diff_ids) == m->n_layers)
		return 0;
	lxr_fail(err, EBADMSG, "config lists %zu layers, the manifest %zu", lxr_strv_len(*diff_ids),
		 m->n_layers);
	img_manifest_free(m);
	img_config_free(&im->config);
	lxr_strv_free(*diff_ids);
	*diff_ids = NULL;
	return -1;
}

/* Fill im from its manifest. missing gets the first layer whose directory
 * is not there ("" when all are). */
static int load_image(struct img_store *s, struct img_image *im, char *missing, lxr_err *err)
{
	_cleanup_strv_ char **diff_ids = NULL;
	struct img_manifest m;

	missing[0] = '\0';
	if (img_image_docs(s, im, &m, &diff_ids, err) < 0)
		return -1;
	im->layer_dirs = lxr_xcalloc(1, sizeof(char *));
	/* overlayfs wants the topmost layer first; the manifest lists the
	 * base first */
	for (size_t i = m.n_layers; i-- > 0;) {
		im->size += m.layers[i].size;
		if (!img_layer_exists(s, diff_ids[i]))
			memcpy(missing, diff_ids[i], IMG_DIGEST_LEN);
		lxr_strv_push(&im->layer_dirs,
			      lxr_xasprintf("%s/layers/%s", s->root, img_digest_hex(diff_ids[i])));
	}
	img_manifest_free(&m);
	return 0;
}

/* What load_image filled, dropped again: name and manifest stay. */
static void unload(struct img_image *im)
{
	lxr_strv_free(im->layer_dirs);
	im->layer_dirs = NULL;
	img_config_free(&im->config);
	memset(&im->config, 0, sizeof(im->config));
	im->size = im->created = 0;
}

/* Layers are unpacked when an image is added, so a missing directory means
 * someone removed it; lxr-image unpacks it again from its blob. */
static int load_unpacked(struct img_store *s, struct img_image *im, lxr_err *err)
{
	char *args[] = {"unpack", im->manifest_digest, NULL};
	char missing[IMG_DIGEST_LEN];

	if (load_image(s, im, missing, err) < 0)
		return -1;
	if (!missing[0])
		return 0;
	unload(im);
	if (img_tool_run(s, args, err) < 0)
		return lxr_err_wrap(err, "unpack layer %s", missing);
	if (load_image(s, im, missing, err) < 0)
		return -1;
	if (missing[0])
		return lxr_fail(err, EIO, "layer %s/layers/%s is missing", s->root,
				img_digest_hex(missing));
	return 0;
}

int img_resolve(struct img_store *s, const char *ref, struct img_image *out, lxr_err *err)
{
	memset(out, 0, sizeof(*out));
	if (img_gc_lock_shared(s, err) < 0)
		return -1;
	if (img_store_find(s, ref, out->manifest_digest, &out->name, err) < 0)
		return -1;
	if (load_unpacked(s, out, err) < 0) {
		img_image_free(out);
		return lxr_err_wrap(err, "image %s", ref);
	}
	return 0;
}

const char *img_short_name(const char *name)
{
	if (lxr_str_has_prefix(name, "docker.io/library/"))
		return name + strlen("docker.io/library/");
	if (lxr_str_has_prefix(name, "docker.io/"))
		return name + strlen("docker.io/");
	return name;
}

/* The distance between two "repo[:tag]" names as a user sees them: the
 * closest of the whole names, the repositories, and their last parts
 * ("busybxo" is two edits from "lxr/busybox:demo"). */
static size_t name_distance(const char *a, const char *b)
{
	char ra[256], rb[256];
	const char *la, *lb;
	size_t d = lxr_edit_distance(a, b), e;

	snprintf(ra, sizeof(ra), "%.*s", (int)strcspn(a, ":@"), a);
	snprintf(rb, sizeof(rb), "%.*s", (int)strcspn(b, ":@"), b);
	if ((e = lxr_edit_distance(ra, rb)) < d)
		d = e;
	la = strrchr(ra, '/') ? strrchr(ra, '/') + 1 : ra;
	lb = strrchr(rb, '/') ? strrchr(rb, '/') + 1 : rb;
	if ((e = lxr_edit_distance(la, lb)) < d)
		d = e;
	return d;
}

void img_suggest_stored(struct img_store *s, const char *ref, lxr_err *err)
{
	_cleanup_free_ char *canon = NULL, *best = NULL;
	struct img_summary *v = NULL;
	struct img_ref r = {0};
	size_t n = 0, best_d = (size_t)-1, limit;
	const char *want, *last;
	lxr_err ignored;

	if (img_ref_parse(ref, &r, &ignored) < 0)
		return;
	canon = img_ref_string(&r);
	img_ref_free(&r);
	if (!canon || img_list(s, &v, &n, &ignored) < 0)
		return;
	want = img_short_name(canon);
	last = strrchr(want, '/') ? strrchr(want, '/') + 1 : want;
	limit = strcspn(last, ":@") / 3;
	limit = limit < 1 ? 1 : limit > 3 ? 3 : limit;
	for (size_t i = 0; i < n; i++) {
		size_t d = v[i].name ? name_distance(want, img_short_name(v[i].name)) : (size_t)-1;
		if (d < best_d && strcmp(v[i].name, canon)) {
			best_d = d;
			free(best);
			best = lxr_xstrdup(img_short_name(v[i].name));
		}
	}
	img_summaries_free(v, n);
	if (best && best_d <= limit)
		lxr_err_hint(err, "did you mean %s? (an image in the store: `lxr images`)", best);
}

int img_ensure(struct img_store *s, const char *ref, enum img_pull_policy policy,
	       struct img_image *out, lxr_err *err)
{
	bool quiet = (unsigned)policy & IMG_PULL_QUIET;
	char *args[] = {"pull", quiet ? "-q" : (char *)ref, quiet ? (char *)ref : NULL, NULL};
	_cleanup_free_ char *name = NULL;
	char manifest[IMG_DIGEST_LEN];

	policy = (enum img_pull_policy)((unsigned)policy & ~(unsigned)IMG_PULL_QUIET);
	memset(out, 0, sizeof(*out));
	/* pull only what the store lacks: a failure resolving an image the
	 * store has (even ENOENT for a layer) is not a reason to download */
	if (policy != IMG_PULL_ALWAYS) {
		if (img_store_find(s, ref, manifest, &name, err) == 0)
			return img_resolve(s, ref, out, err);
		if (err->errnum != ENOENT || policy == IMG_PULL_NEVER)
			return img_suggest_stored(s, ref, err), -1;
	}
	if (img_tool_run(s, args, err) < 0)
		return lxr_err_wrap(err, "pull %s", ref), img_suggest_stored(s, ref, err), -1;
	return img_resolve(s, ref, out, err);
}

int img_ensure_refreshed(struct img_store *s, const char *ref, bool quiet, struct img_image *out,
			 lxr_err *err)
{
	char buf[LXR_ERR_MSG_MAX + 128];
	lxr_err e2 = {0};

	if (img_ensure(s, ref, IMG_PULL_ALWAYS | (quiet ? IMG_PULL_QUIET : 0), out, err) == 0)
		return 0;
	/* a refresh that fails keeps what the store has: a box offline on
	 * the day its daily pull is due runs on */
	if (img_resolve(s, ref, out, &e2) < 0)
		return -1;
	lxr_warn("pull %s: %s; running the image the store has", ref,
		 lxr_err_str(err, buf, sizeof(buf)));
	return 0;
}

enum img_pull_policy img_pull_due(struct img_store *s, const char *ref, int64_t every_us)
{
	lxr_err err = {0};
	int64_t when;

	/* a digest names content that cannot change: there is nothing to
	 * refresh. A store that cannot say pulls: the pull tells what is wrong */
	if (strchr(ref, '@'))
		return IMG_PULL_MISSING;
	if (img_tag_time(s, ref, &when, &err) < 0 || !when)
		return IMG_PULL_ALWAYS;
	return (int64_t)time(NULL) - when >= every_us / 1000000 ? IMG_PULL_ALWAYS
								: IMG_PULL_MISSING;
}

void img_plan_image(const struct img_image *im, struct plan_image *pi)
{
	const struct img_config *c = &im->config;
	const struct img_healthcheck *h = &c->healthcheck;

	*pi = (struct plan_image){.layer_dirs = im->layer_dirs,
				  .entrypoint = c->entrypoint,
				  .cmd = c->cmd,
				  .env = c->env,
				  .workdir = c->workdir,
				  .user = c->user,
				  .stop_signal = c->stop_signal};
	if (h->present) {
		pi->health_test = h->test;
		pi->health_interval_ns = h->interval_ns;
		pi->health_timeout_ns = h->timeout_ns;
		pi->health_start_period_ns = h->start_period_ns;
		pi->health_retries = h->retries;
	}
}
