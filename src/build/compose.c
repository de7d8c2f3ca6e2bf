/* A stack service's `build:` (the Compose Build Specification) as one
 * build request. The loader has refused what the builder cannot do yet
 * (config/service_build.c, check_builder), so this only maps: the context
 * directory, the Dockerfile relative to it (or dockerfile_inline), args,
 * target, labels, the image's names, no_cache, no_cache_filter, pull,
 * network, shm_size, extra_hosts, ulimits, additional_contexts (COPY
 * --from's named contexts) and secrets (lxr build --secret's). ssh, cache_from and cache_to
 * are dropped with a warning, as compose does for a builder that has none. */
#define _GNU_SOURCE
#include <errno.h>
#include <stdlib.h>
#include <string.h>

#include "build/build_internal.h"
#include "lxr/config.h"
#include "lxr/config_runnable.h"

static char **kvs_strv(const struct cfg_kvs *kv)
{
	char **v = lxr_xcalloc(1, sizeof(char *));

	for (size_t i = 0; i < kv->n; i++)
		lxr_strv_push(
		    &v, lxr_xasprintf("%s=%s", kv->v[i].key, kv->v[i].value ? kv->v[i].value : ""));
	return v;
}

/* additional_contexts as the builder names them: a directory as it is,
 * another service's image (service:NAME) and docker-image:// as images.
 * (The loader refused the rest with its position.) */
static char **named_contexts(const struct cfg_stack *st, const struct cfg_build *b)
{
	char **v = lxr_xcalloc(1, sizeof(char *));

	for (size_t i = 0; i < b->additional_contexts.n; i++) {
		const struct cfg_kv *kv = &b->additional_contexts.v[i];
		const struct cfg_service *t = NULL;
		if (lxr_str_has_prefix(kv->value, "service:"))
			t = cfg_stack_service(st, kv->value + strlen("service:"));
		if (t)
			lxr_strv_push(&v, lxr_xasprintf("%s=docker-image://%s", kv->key,
							cfg_service_image(t)));
		else
			lxr_strv_push(&v, lxr_xasprintf("%s=%s", kv->key, kv->value));
	}
	return v;
}

/* a --secret field, quoted as Go's csv reader wants it when it holds a
 * comma or a quote */
static char *csv_field(const char *key, const char *val)
{
	_cleanup_free_ char *f = lxr_xasprintf("%s=%s", key, val);
	if (!strpbrk(f, ",\""))
		return lxr_steal_ptr(&f);
	char *q = lxr_xmalloc(2 * strlen(f) + 3), *o = q;
	*o++ = '"';
	for (const char *c = f; *c; c++) {
		if (*c == '"')
			*o++ = '"';
		*o++ = *c;
	}
	*o++ = '"';
	*o = '\0';
	return q;
}

/* build.secrets as lxr build --secret values: the id is the target (else
 * the source), as compose hands them to the builder; the top-level
 * secret's file, or its environment variable (with the value it had when
 * the stack was loaded, .env included) */
static int build_secrets(const struct cfg_stack *st, const struct cfg_service *svc, char ***out,
			 lxr_err *err)
{
	const struct cfg_build *b = &svc->build;

	*out = lxr_xcalloc(1, sizeof(char *));
	for (size_t i = 0; i < b->n_secrets; i++) {
		const struct cfg_svc_file_ref *ref = &b->secrets[i];
		const struct cfg_file_obj *o = NULL;
		const char *id = ref->target.v ? ref->target.v : ref->source.v;
		for (size_t k = 0; k < st->n_secrets; k++)
			if (!strcmp(st->secrets[k].name, ref->source.v))
				o = &st->secrets[k];
		_cleanup_free_ char *idf = csv_field("id", id), *srcf = NULL;
		if (o && o->file.v) {
			srcf = csv_field("src", o->file.v);
		} else if (o && o->environment.v) {
			/* a variable from .env is not in lxr's environment */
			if (!getenv(o->environment.v) && o->env_value)
				setenv(o->environment.v, o->env_value, 1);
			srcf = csv_field("env", o->environment.v);
		} else if (!o) {
			/* a service with profiles loads with it (cfg_ref_error), and
			 * `lxr build` builds every service */
			return lxr_fail(err, EINVAL,
					"%s:%d:%d: service \"%s\": build secret \"%s\" is not "
					"declared",
					ref->pos.file ? ref->pos.file : "", ref->pos.line,
					ref->pos.col, svc->name, ref->source.v),
			       lxr_err_hint(err, "declare it at the top level");
		} else {
			return lxr_fail(err, EINVAL,
					"%s:%d:%d: service \"%s\": build secret %s has no file or "
					"environment",
					ref->pos.file ? ref->pos.file : "", ref->pos.line,
					ref->pos.col, svc->name, ref->source.v),
			       lxr_err_hint(err, "an external secret has no value lxr's builder "
						 "can read: give it file: or environment:");
		}
		lxr_strv_push(out, lxr_xasprintf("%s,%s", idf, srcf));
	}
	return 0;
}

static void warn_dropped(char ***warnings, const struct cfg_service *s, const char *key,
			 const struct cfg_pos *pos, const char *why)
{
	lxr_strv_push(warnings, lxr_xasprintf("%s:%d:%d: service \"%s\": build.%s ignored: %s",
					      pos->file ? pos->file : "", pos->line, pos->col,
					      s->name, key, why));
}

/* What lxr does not run in svc (or in the stack's own settings) refuses
 * its build, with the setting's position: the others' are theirs */
static bool svc_unrunnable(const struct cfg_stack *st, const struct cfg_service *svc, lxr_err *err)
{
	_cleanup_free_ bool *only = lxr_xcalloc(st->n_services + 1, sizeof(bool));

	if (svc >= st->services && svc < st->services + st->n_services)
		only[svc - st->services] = true;
	return cfg_stack_check_runnable(st, only, err) < 0;
}

int bld_request_from_service(const struct cfg_stack *st, const struct cfg_service *svc,
			     struct bld_request *out, char ***warnings, lxr_err *err)
{
	const struct cfg_build *b = &svc->build;
	const char *df = b->dockerfile.v;

	memset(out, 0, sizeof(*out));
	if (!b->set || !b->context.v || !svc->build_image)
		return lxr_fail(err, EINVAL, "service \"%s\" has no build", svc->name);
	if (svc->image_is_path)
		return lxr_fail(err, EINVAL,
				"service \"%s\": image: is a root filesystem directory, which a "
				"build cannot make",
				svc->name),
		       lxr_err_hint(err, "give image: an image name, or drop it");
	if (svc_unrunnable(st, svc, err)) /* what lxr does not run, said first */
		return -1;
	out->context = b->context.v;
	if (cfg_context_is_git(b->context.v)) {
		if (bld_git_fetch(b->context.v, &out->fetched_dir, &out->fetched_context, err) < 0)
			return lxr_err_wrap(err, "service \"%s\"", svc->name);
		out->context = out->fetched_context;
	}
	if (b->dockerfile_inline.v) {
		out->dockerfile_text = b->dockerfile_inline.v;
		out->dockerfile_name = "dockerfile_inline";
	} else if (df && df[0] != '/' && strncmp(df, "../", 3)) {
		out->dockerfile_in_context = df; /* compose: relative to the context */
	} else if (df) {
		out->dockerfile =
		    df[0] == '/' ? lxr_xstrdup(df) : lxr_xasprintf("%s/%s", out->context, df);
	}
	out->build_args = kvs_strv(&b->args);
	out->labels = kvs_strv(&b->labels);
	out->extra_hosts = kvs_strv(&b->extra_hosts);
	out->named_contexts = named_contexts(st, b);
	char **secrets = NULL;
	if (build_secrets(st, svc, &secrets, err) < 0) {
		lxr_strv_free(secrets);
		bld_request_free(out);
		return -1;
	}
	out->secrets = secrets;
	char **tags = lxr_xcalloc(1, sizeof(char *));
	lxr_strv_push(&tags, lxr_xstrdup(svc->build_image));
	for (size_t i = 0; i < b->tags.n; i++)
		lxr_strv_push(&tags, lxr_xstrdup(b->tags.v[i].v));
	out->tags = tags;
	out->target = b->target.v;
	out->network = b->network.v;
	out->shm_size = b->shm_size.set ? b->shm_size.v : 0;
	out->no_cache = b->no_cache.set && b->no_cache.v;
	out->pull = b->pull.set && b->pull.v;
	char **ulimits = NULL, **no_cache = NULL;
	for (size_t i = 0; i < b->n_ulimits; i++)
		lxr_strv_push(&ulimits, lxr_xasprintf("%s=%lld:%lld", b->ulimits[i].name,
						      (long long)b->ulimits[i].soft,
						      (long long)b->ulimits[i].hard));
	out->ulimits = ulimits;
	for (size_t i = 0; i < b->no_cache_filter.n; i++)
		lxr_strv_push(&no_cache, lxr_xstrdup(b->no_cache_filter.v[i].v));
	out->no_cache_stages = no_cache;
	if (b->ssh.n)
		warn_dropped(
		    warnings, svc, "ssh", &b->ssh.v[0].pos,
		    "lxr's builder forwards no SSH agent (RUN --mount=type=ssh is refused)");
	if (b->cache_from.n)
		warn_dropped(warnings, svc, "cache_from", &b->cache_from.v[0].pos,
			     "lxr's builder uses its own step cache only");
	if (b->cache_to.n)
		warn_dropped(warnings, svc, "cache_to", &b->cache_to.v[0].pos,
			     "lxr's builder uses its own step cache only");
	return 0;
}

void bld_request_free(struct bld_request *rq)
{
	if (rq->fetched_dir)
		lxr_rm_rf(rq->fetched_dir, &(lxr_err){0});
	free(rq->fetched_dir);
	free(rq->fetched_context);
	free((char *)rq->dockerfile);
	lxr_strv_free((char **)rq->build_args);
	lxr_strv_free((char **)rq->labels);
	lxr_strv_free((char **)rq->extra_hosts);
	lxr_strv_free((char **)rq->named_contexts);
	lxr_strv_free((char **)rq->secrets);
	lxr_strv_free((char **)rq->tags);
	lxr_strv_free((char **)rq->ulimits);
	lxr_strv_free((char **)rq->no_cache_stages);
	memset(rq, 0, sizeof(*rq));
}
