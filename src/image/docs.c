/* The JSON documents of an image: manifest (OCI or docker schema 2), image
 * index / manifest list detection, and the image config. */
#define _GNU_SOURCE
#include <errno.h>
#include <string.h>
#include <time.h>

#include "image/image_internal.h"
#include "lxr/plan.h"

bool img_media_is_index(const char *mt)
{
	return mt && (!strcmp(mt, "application/vnd.oci.image.index.v1+json") ||
		      !strcmp(mt, "application/vnd.docker.distribution.manifest.list.v2+json"));
}

static int desc_digest(json_t *d, char *out, int64_t *size, const char *what, lxr_err *err)
{
	const char *dg = json_string_value(json_object_get(d, "digest"));

	if (!img_digest_valid(dg))
		return lxr_fail(err, EBADMSG, "manifest: %s has no sha256 digest", what);
	memcpy(out, dg, IMG_DIGEST_LEN);
	*size = json_integer_value(json_object_get(d, "size"));
	return 0;
}

static int manifest_fill(json_t *j, struct img_manifest *m, lxr_err *err)
{
	json_t *layers = json_object_get(j, "layers"), *l;
	size_t i;

	if (json_integer_value(json_object_get(j, "schemaVersion")) != 2)
		return lxr_fail(err, EBADMSG, "manifest: schemaVersion is not 2"),
		       lxr_err_hint(err, "docker schema 1 images are not supported; re-push "
					 "the image with a current tool");
	if (img_media_is_index(json_string_value(json_object_get(j, "mediaType"))) ||
	    json_object_get(j, "manifests"))
		return lxr_fail(err, EBADMSG, "manifest: is an index, not an image manifest");
	if (desc_digest(json_object_get(j, "config"), m->config_digest, &m->config_size, "config",
			err) < 0)
		return -1;
	if (!json_is_array(layers))
		return lxr_fail(err, EBADMSG, "manifest: no layers array");
	m->layers = lxr_xcalloc(json_array_size(layers) + 1, sizeof(*m->layers));
	json_array_foreach(layers, i, l)
	{
		struct img_layer_desc *d = &m->layers[m->n_layers++];
		const char *mt = json_string_value(json_object_get(l, "mediaType"));
		if (desc_digest(l, d->digest, &d->size, "a layer", err) < 0)
			return -1;
		d->media_type = lxr_xstrdup(mt ? mt : "");
		/* foreign layers live elsewhere (Windows base images); lxr
		 * fetches only from the image's own registry */
		if (strstr(d->media_type, "foreign"))
			return lxr_fail(err, ENOTSUP, "manifest: foreign layer %s", d->digest);
	}
	return 0;
}

int img_manifest_parse(const char *text, size_t len, struct img_manifest *m, lxr_err *err)
{
	json_error_t je;
	json_t *j = json_loadb(text, len, 0, &je);
	int r;

	memset(m, 0, sizeof(*m));
	if (!j)
		return lxr_fail(err, EBADMSG, "manifest: line %d: %s", je.line, je.text);
	r = manifest_fill(j, m, err);
	json_decref(j);
	if (r < 0)
		img_manifest_free(m);
	return r;
}

void img_manifest_free(struct img_manifest *m)
{
	for (size_t i = 0; i < m->n_layers; i++)
		free(m->layers[i].media_type);
	free(m->layers);
	memset(m, 0, sizeof(*m));
}

char *img_manifest_media_type(const char *text, size_t len)
{
	json_t *j = json_loadb(text, len, 0, NULL);
	const char *mt = json_string_value(json_object_get(j, "mediaType"));
	char *out = lxr_xstrdup(mt ? mt : "application/vnd.oci.image.manifest.v1+json");

	json_decref(j);
	return out;
}

char *img_manifest_build(const char *config_digest, int64_t config_size,
			 const struct img_layer_desc *layers, size_t n)
{
	json_t *ls = json_array();
	json_t *m;
	char *text;

	for (size_t i = 0; i < n; i++)
		json_array_append_new(
		    ls, json_pack("{s:s, s:s, s:I}", "mediaType", layers[i].media_type, "digest",
				  layers[i].digest, "size", (json_int_t)layers[i].size));
	m = json_pack("{s:i, s:s, s:{s:s, s:s, s:I}, s:o}", "schemaVersion", 2, "mediaType",
		      "application/vnd.oci.image.manifest.v1+json", "config", "mediaType",
		      "application/vnd.oci.image.config.v1+json", "digest", config_digest, "size",
		      (json_int_t)config_size, "layers", ls);
	text = json_dumps(m, JSON_COMPACT | JSON_SORT_KEYS);
	json_decref(m);
	if (!text)
		abort();
	return text;
}

/* ---- config ------------------------------------------------------------------ */

static char **strv_from(json_t *a)
{
	char **v = NULL;
	size_t i;
	json_t *e;

	if (!json_is_array(a))
		return NULL;
	v = lxr_xcalloc(1, sizeof(char *));
	json_array_foreach(a, i, e) if (json_is_string(e))
	    lxr_strv_push(&v, lxr_xstrdup(json_string_value(e)));
	return v;
}

static char *str_from(json_t *s)
{
	const char *v = json_string_value(s);
	return v && *v ? lxr_xstrdup(v) : NULL;
}

static int64_t parse_created(const char *s)
{
	struct tm tm;
	int parts;

	/* RFC 3339: fractions and zone after the seconds are ignored: the
	 * date is for display */
	if (!s || !lxr_scan_datetime(s, &tm, &parts) || parts < 3)
		return 0;
	return (int64_t)timegm(&tm);
}

void img_config_fill(json_t *cfg, struct img_config *c)
{
	json_t *hc = json_object_get(cfg, "Healthcheck"),
	       *ports = json_object_get(cfg, "ExposedPorts");
	const char *k;
	json_t *v;

	c->entrypoint = strv_from(json_object_get(cfg, "Entrypoint"));
	c->cmd = strv_from(json_object_get(cfg, "Cmd"));
	c->env = strv_from(json_object_get(cfg, "Env"));
	c->workdir = str_from(json_object_get(cfg, "WorkingDir"));
	c->user = str_from(json_object_get(cfg, "User"));
	c->stop_signal = str_from(json_object_get(cfg, "StopSignal"));
	c->onbuild = strv_from(json_object_get(cfg, "OnBuild"));
	json_object_foreach(ports, k, v) lxr_strv_push(&c->exposed_ports, lxr_xstrdup(k));
	json_object_foreach(json_object_get(cfg, "Labels"), k, v) if (json_is_string(v))
	    lxr_strv_push(&c->labels, lxr_xasprintf("%s=%s", k, json_string_value(v)));
	if (json_is_object(hc)) {
		c->healthcheck.present = true;
		c->healthcheck.test = strv_from(json_object_get(hc, "Test"));
		c->healthcheck.interval_ns = json_integer_value(json_object_get(hc, "Interval"));
		c->healthcheck.timeout_ns = json_integer_value(json_object_get(hc, "Timeout"));
		c->healthcheck.start_period_ns =
		    json_integer_value(json_object_get(hc, "StartPeriod"));
		c->healthcheck.retries = (int)json_integer_value(json_object_get(hc, "Retries"));
	}
}

int img_config_parse(const char *text, size_t len, struct img_config *c, char ***diff_ids,
		     int64_t *created, lxr_err *err)
{
	json_error_t je;
	json_t *j = json_loadb(text, len, 0, &je), *ids;

	memset(c, 0, sizeof(*c));
	if (!j)
		return lxr_fail(err, EBADMSG, "image config: line %d: %s", je.line, je.text);
	/* valid JSON leaves je empty: the reason is ours to give */
	if (!json_is_object(j)) {
		json_decref(j);
		return lxr_fail(err, EBADMSG, "image config: not a JSON object");
	}
	img_config_fill(json_object_get(j, "config"), c);
	c->os = str_from(json_object_get(j, "os"));
	c->architecture = str_from(json_object_get(j, "architecture"));
	c->variant = str_from(json_object_get(j, "variant"));
	if (created)
		*created = parse_created(json_string_value(json_object_get(j, "created")));
	ids = json_object_get(json_object_get(j, "rootfs"), "diff_ids");
	*diff_ids = strv_from(ids);
	json_decref(j);
	for (size_t i = 0; *diff_ids && (*diff_ids)[i]; i++)
		if (!img_digest_valid((*diff_ids)[i]))
			goto bad;
	if (!*diff_ids)
		goto bad;
	return 0;
bad:
	lxr_strv_free(*diff_ids);
	*diff_ids = NULL;
	img_config_free(c);
	return lxr_fail(err, EBADMSG, "image config: rootfs.diff_ids missing or not sha256");
}

void img_config_free(struct img_config *c)
{
	lxr_strv_free(c->entrypoint);
	lxr_strv_free(c->cmd);
	lxr_strv_free(c->env);
	free(c->workdir);
	free(c->user);
	lxr_strv_free(c->exposed_ports);
	free(c->stop_signal);
	lxr_strv_free(c->healthcheck.test);
	lxr_strv_free(c->onbuild);
	lxr_strv_free(c->labels);
	free(c->os);
	free(c->architecture);
	free(c->variant);
	memset(c, 0, sizeof(*c));
}

char **img_config_args(const struct img_config *c, char *const *user_entrypoint,
		       char *const *user_cmd)
{
	/* one rule for lxr run and lxr up: the plan layer's */
	return plan_args(c->entrypoint, c->cmd, user_entrypoint, user_cmd);
}

int img_pull_policy_parse(const char *s)
{
	if (!strcmp(s, "always"))
		return IMG_PULL_ALWAYS;
	if (!strcmp(s, "missing") || !strcmp(s, "if_not_present"))
		return IMG_PULL_MISSING;
	if (!strcmp(s, "never"))
		return IMG_PULL_NEVER;
	return -1;
}
