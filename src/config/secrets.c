/* Compose's secrets and configs: the top-level objects (a file, an
 * environment variable, inline content for configs, or external) and a
 * service's references to them (short: the name; long: source, target,
 * uid, gid, mode). The plan mounts them (plan.c, files_of). */
#define _GNU_SOURCE
#include <stdlib.h>
#include <string.h>

#include "config/config_internal.h"

struct obj_ctx {
	struct cfg_file_obj *o;
	bool config; /* configs: (content allowed) */
	bool swarm;  /* a swarm driver key given */
};

static int obj_file(struct cfg_ctx *c, struct cfg_node *n, void *obj)
{
	struct cfg_file_obj *o = ((struct obj_ctx *)obj)->o;
	const char *v = cfg_scalar(c, n, "file");
	_cleanup_free_ char *abs = NULL;

	if (!v)
		return -1;
	abs = cfg_abs_path_at(c, n->pos, v);
	cfg_str_set(&o->file, abs, n->pos);
	return 0;
}

static int obj_environment(struct cfg_ctx *c, struct cfg_node *n, void *obj)
{
	struct cfg_file_obj *o = ((struct obj_ctx *)obj)->o;
	const char *v;

	if (cfg_read_str(c, n, "environment", &o->environment) < 0)
		return -1;
	v = o->environment.v && c->lookup ? c->lookup(o->environment.v, c->lookup_ctx) : NULL;
	free(o->env_value);
	o->env_value = v ? lxr_xstrdup(v) : NULL;
	return 0;
}

static int obj_content(struct cfg_ctx *c, struct cfg_node *n, void *obj)
{
	struct obj_ctx *oc = obj;

	if (!oc->config) {
		cfg_error_hint(c, n, "file, environment or external", "a secret takes no content");
		return -1;
	}
	return cfg_read_str(c, n, "content", &oc->o->content);
}

static int obj_external(struct cfg_ctx *c, struct cfg_node *n, void *obj)
{
	struct cfg_file_obj *o = ((struct obj_ctx *)obj)->o;

	return cfg_read_external(c, n, &o->external, &o->host_name);
}

static int obj_name(struct cfg_ctx *c, struct cfg_node *n, void *obj)
{
	return cfg_read_str(c, n, "name", &((struct obj_ctx *)obj)->o->host_name);
}

static int obj_labels(struct cfg_ctx *c, struct cfg_node *n, void *obj)
{
	struct cfg_kvs labels = {0};
	int r = cfg_read_kvs(c, n, "labels", false, &labels);

	(void)obj;
	cfg_kvs_free(&labels); /* swarm metadata: no effect on one host */
	return r;
}

/* driver, driver_opts, template_driver: a swarm's secret stores and
 * templates, which compose without swarm passes over, and lxr too: said,
 * and the file's source used as it is. */
static int obj_swarm(struct cfg_ctx *c, struct cfg_node *n, void *obj)
{
	((struct obj_ctx *)obj)->swarm = true;
	cfg_interpolate_all(c, n);
	return 0;
}

static int read_obj(struct cfg_ctx *c, struct cfg_node *n, struct obj_ctx *oc, const char *what)
{
	static const struct cfg_key keys[] = {
	    {"file", NULL, obj_file},
	    {"environment", NULL, obj_environment},
	    {"content", NULL, obj_content},
	    {"external", NULL, obj_external},
	    {"name", NULL, obj_name},
	    {"labels", NULL, obj_labels},
	    {"driver", NULL, obj_swarm},
	    {"driver_opts", NULL, obj_swarm},
	    {"template_driver", NULL, obj_swarm},
	};
	struct cfg_map_spec spec = {what, keys, 9, true, NULL, 0};
	struct cfg_file_obj *o = oc->o;
	int given;

	if (cfg_read_map(c, n, &spec, oc) < 0)
		return -1;
	if (oc->swarm)
		cfg_warn(
		    c, n,
		    "driver, driver_opts and template_driver are a swarm's: ignored on one host");
	/* compose-go's rule: at least one */
	given = !!o->file.v + !!o->environment.v + !!o->content.v + !!o->external.v;
	if (given)
		return 0;
	cfg_error_hint(c, n,
		       oc->config ? "file, environment, content or external: true"
				  : "file, environment or external: true",
		       "%s has no source", what);
	return -1;
}

/* compose's rule for the names (its schema's ^[a-zA-Z0-9._-]+$); lxr also
 * names the files it writes after them, so "." and ".." are out too */
static bool obj_name_ok(const char *v)
{
	return *v &&
	       strspn(v, "abcdefghijklmnopqrstuvwxyzABCDEFGHIJKLMNOPQRSTUVWXYZ0123456789._-") ==
		   strlen(v) &&
	       strcmp(v, ".") && strcmp(v, "..");
}

int cfg_read_file_objs(struct cfg_ctx *c, struct cfg_node *n, bool config,
		       struct cfg_file_obj **out, size_t *n_out)
{
	const char *what = config ? "config" : "secret";
	int r = 0;

	if (cfg_is_null(n))
		return 0;
	if (!cfg_expect(c, n, CFG_NODE_MAP, config ? "configs" : "secrets"))
		return -1;
	*out = lxr_xcalloc(n->n, sizeof(**out));
	for (size_t i = 0; i < n->n; i++) {
		struct cfg_file_obj *o = &(*out)[(*n_out)++];
		_cleanup_free_ char *where = lxr_xasprintf("%s \"%s\"", what, n->pairs[i].key->raw);
		struct obj_ctx oc = {o, config, false};
		o->name = lxr_xstrdup(n->pairs[i].key->raw);
		o->pos = n->pairs[i].key->pos;
		c->where = where;
		if (!obj_name_ok(o->name)) {
			cfg_error_hint(c, n->pairs[i].key, "letters, digits, '.', '_' and '-'",
				       "%s name \"%s\" is not a valid name", what, o->name);
			r = -1;
		}
		if (!cfg_expect(c, n->pairs[i].value, CFG_NODE_MAP, what) ||
		    read_obj(c, n->pairs[i].value, &oc, what) < 0)
			r = -1;
		cfg_check_supported_hint(c, o->pos, config ? "configs" : "secrets", NULL, "%s",
					 config ? "configs" : "secrets");
		c->where = NULL;
	}
	return r;
}

/* ---- a service's references --------------------------------------------------- */
static int ref_source(struct cfg_ctx *c, struct cfg_node *n, void *obj)
{
	return cfg_read_str(c, n, "source", &((struct cfg_svc_file_ref *)obj)->source);
}

static int ref_target(struct cfg_ctx *c, struct cfg_node *n, void *obj)
{
	return cfg_read_str(c, n, "target", &((struct cfg_svc_file_ref *)obj)->target);
}

/* uid and gid: numbers, as compose takes them (the file is made before
 * the container's /etc/passwd could be read) */
static int read_id(struct cfg_ctx *c, struct cfg_node *n, const char *key, struct cfg_str *out)
{
	if (cfg_read_str(c, n, key, out) < 0)
		return -1;
	if (!out->v ||
	    (*out->v && strspn(out->v, "0123456789") == strlen(out->v) && strlen(out->v) < 10))
		return 0;
	cfg_error_hint(c, n, "a number, such as \"1000\"", "%s \"%s\" is not a number", key,
		       out->v);
	return -1;
}

static int ref_uid(struct cfg_ctx *c, struct cfg_node *n, void *obj)
{
	return read_id(c, n, "uid", &((struct cfg_svc_file_ref *)obj)->uid);
}

static int ref_gid(struct cfg_ctx *c, struct cfg_node *n, void *obj)
{
	return read_id(c, n, "gid", &((struct cfg_svc_file_ref *)obj)->gid);
}

/* YAML 1.1 reads 0440 as octal 288; compose takes that number as the mode,
 * and a string (quoted, or what a variable gave) as octal: "440" is 0440. */
static int ref_mode(struct cfg_ctx *c, struct cfg_node *n, void *obj)
{
	struct cfg_int *m = &((struct cfg_svc_file_ref *)obj)->mode;
	const char *v = cfg_scalar(c, n, "mode");
	const char *digits;
	char *end;
	long x;

	if (!v)
		return -1;
	digits = !strncmp(v, "0o", 2) ? v + 2 : v;
	bool string = !n->plain || strchr(n->raw, '$');
	x = strtol(digits, &end, string || digits != v || v[0] == '0' ? 8 : 10);
	if (!*digits || *end || x < 0 || x > 07777) {
		cfg_error_hint(c, n, "an octal mode such as 0440", "mode \"%s\" is not a mode", v);
		return -1;
	}
	*m = (struct cfg_int){x, true, n->pos};
	return 0;
}

static int read_ref(struct cfg_ctx *c, struct cfg_node *n, struct cfg_svc_file_ref *ref)
{
	static const struct cfg_key keys[] = {
	    {"source", NULL, ref_source}, {"target", NULL, ref_target}, {"uid", NULL, ref_uid},
	    {"gid", NULL, ref_gid},       {"mode", NULL, ref_mode},
	};
	static const struct cfg_map_spec spec = {"secret or config", keys, 5, true, NULL, 0};

	ref->pos = n->pos;
	if (n->kind == CFG_NODE_SCALAR)
		return cfg_read_str(c, n, "source", &ref->source);
	if (cfg_read_map(c, n, &spec, ref) < 0)
		return -1;
	if (!ref->source.v) {
		cfg_error_hint(c, n, "add source: NAME", "entry has no source");
		return -1;
	}
	return 0;
}

static int read_refs(struct cfg_ctx *c, struct cfg_node *n, const char *key,
		     struct cfg_svc_file_ref **out, size_t *n_out)
{
	int r = 0;

	if (cfg_is_null(n))
		return 0;
	if (!cfg_expect(c, n, CFG_NODE_SEQ, key))
		return -1;
	*out = lxr_xcalloc(n->n, sizeof(**out));
	for (size_t i = 0; i < n->n; i++)
		if (read_ref(c, n->items[i], &(*out)[(*n_out)++]) < 0)
			r = -1;
	return r;
}

int cfg_svc_read_secrets(struct cfg_ctx *c, struct cfg_node *n, void *obj)
{
	struct cfg_service *s = obj;

	return read_refs(c, n, "secrets", &s->secrets, &s->n_secrets);
}

int cfg_svc_read_configs(struct cfg_ctx *c, struct cfg_node *n, void *obj)
{
	struct cfg_service *s = obj;

	return read_refs(c, n, "configs", &s->configs, &s->n_configs);
}

/* In service s: cfg_ref_error. */
static void check_refs(struct cfg_ctx *c, const struct cfg_service *s,
		       const struct cfg_svc_file_ref *refs, size_t n,
		       const struct cfg_file_obj *objs, size_t n_objs, const char *what)
{
	for (size_t i = 0; i < n; i++) {
		bool found = !refs[i].source.v; /* failed to read: reported */
		for (size_t j = 0; j < n_objs && !found; j++)
			found = !strcmp(objs[j].name, refs[i].source.v);
		if (!found)
			cfg_ref_error(c, s, refs[i].source.pos, "declare it at the top level",
				      "%s \"%s\" is not declared", what, refs[i].source.v);
	}
}

void cfg_stack_check_file_refs(struct cfg_ctx *c, const struct cfg_stack *st)
{
	for (size_t i = 0; i < st->n_services; i++) {
		const struct cfg_service *s = &st->services[i];
		_cleanup_free_ char *w = lxr_xasprintf("service \"%s\"", s->name);
		c->where = w;
		check_refs(c, s, s->secrets, s->n_secrets, st->secrets, st->n_secrets, "secret");
		check_refs(c, s, s->configs, s->n_configs, st->configs, st->n_configs, "config");
		check_refs(c, s, s->build.secrets, s->build.n_secrets, st->secrets, st->n_secrets,
			   "build secret");
		c->where = NULL;
	}
}

void cfg_file_refs_free(struct cfg_svc_file_ref *v, size_t n)
{
	for (size_t i = 0; i < n; i++) {
		free(v[i].source.v);
		free(v[i].target.v);
		free(v[i].uid.v);
		free(v[i].gid.v);
	}
	free(v);
}

void cfg_file_objs_free(struct cfg_file_obj *v, size_t n)
{
	for (size_t i = 0; i < n; i++) {
		free(v[i].name);
		free(v[i].file.v);
		free(v[i].environment.v);
		free(v[i].content.v);
		if (v[i].env_value)
			explicit_bzero(v[i].env_value, strlen(v[i].env_value));
		free(v[i].env_value);
		free(v[i].host_name.v);
	}
	free(v);
}
