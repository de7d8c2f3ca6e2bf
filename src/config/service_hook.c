/* A service's lifecycle hooks, post_start and pre_stop (Compose): each a
 * list of commands run inside the service's running container, as `lxr
 * exec` runs one, with their own user, privileges, working directory and
 * environment. The supervisor runs them (supervisor/hook.c). */
#define _GNU_SOURCE
#include <stdlib.h>
#include <string.h>

#include "config/config_internal.h"

#define HOOK_HINT "e.g. - command: [\"sh\", \"-c\", \"echo started\"]"

void cfg_hook_clear(struct cfg_hook *h)
{
	cfg_strs_free(&h->command.argv);
	free(h->user.v);
	free(h->working_dir.v);
	cfg_kvs_free(&h->environment);
	memset(h, 0, sizeof(*h));
}

void cfg_hooks_free(struct cfg_hook *v, size_t n)
{
	for (size_t i = 0; i < n; i++)
		cfg_hook_clear(&v[i]);
	free(v);
}

/* what: "post_start command", for the messages */
struct hook_read {
	struct cfg_hook *h;
	const char *key; /* post_start, pre_stop */
	char what[64];
};

static const char *what(struct hook_read *r, const char *field)
{
	snprintf(r->what, sizeof(r->what), "%s %s", r->key, field);
	return r->what;
}

static int hook_command(struct cfg_ctx *c, struct cfg_node *n, void *obj)
{
	struct hook_read *r = obj;

	if (cfg_read_cmd(c, n, &r->h->command, what(r, "command")) < 0)
		return -1;
	if (!r->h->command.set || !r->h->command.argv.n) {
		cfg_error_hint(c, n, HOOK_HINT, "%s is empty", what(r, "command"));
		return -1;
	}
	return 0;
}

/* docker exec --user: the container's user when empty */
static int hook_user(struct cfg_ctx *c, struct cfg_node *n, void *obj)
{
	struct hook_read *r = obj;

	if (cfg_read_str(c, n, what(r, "user"), &r->h->user) < 0)
		return -1;
	if (r->h->user.v && !*r->h->user.v) {
		free(r->h->user.v);
		r->h->user.v = NULL;
	}
	return 0;
}

static int hook_privileged(struct cfg_ctx *c, struct cfg_node *n, void *obj)
{
	struct hook_read *r = obj;

	return cfg_read_bool(c, n, what(r, "privileged"), &r->h->privileged);
}

/* docker refuses a relative exec working directory */
static int hook_working_dir(struct cfg_ctx *c, struct cfg_node *n, void *obj)
{
	struct hook_read *r = obj;
	const char *v;

	if (cfg_read_str(c, n, what(r, "working_dir"), &r->h->working_dir) < 0)
		return -1;
	v = r->h->working_dir.v;
	if (v && !*v) {
		free(r->h->working_dir.v);
		r->h->working_dir.v = NULL;
	} else if (v && v[0] != '/') {
		cfg_error(c, n, "%s must be an absolute path, not \"%s\"", what(r, "working_dir"),
			  v);
		return -1;
	}
	return 0;
}

/* A name without a value takes lxr's own environment's, as the service's
 * environment does; unset there, the hook does not set it. */
static int hook_environment(struct cfg_ctx *c, struct cfg_node *n, void *obj)
{
	struct hook_read *r = obj;
	struct cfg_kvs *env = &r->h->environment;

	if (cfg_read_kvs(c, n, what(r, "environment"), true, env) < 0)
		return -1;
	for (size_t i = 0; i < env->n; i++) {
		const char *v = env->v[i].value ? NULL : c->lookup(env->v[i].key, c->lookup_ctx);
		if (v)
			env->v[i].value = lxr_xstrdup(v);
	}
	return 0;
}

int cfg_read_hook(struct cfg_ctx *c, struct cfg_node *n, const char *key, struct cfg_hook *h)
{
	static const struct cfg_key keys[] = {
	    {"command", NULL, hook_command},         {"user", NULL, hook_user},
	    {"privileged", NULL, hook_privileged},   {"working_dir", NULL, hook_working_dir},
	    {"environment", NULL, hook_environment},
	};
	struct cfg_map_spec spec = {key, keys, sizeof(keys) / sizeof(keys[0]), true, NULL, 0};
	struct hook_read r = {h, key, {0}};
	bool has_command = false;

	h->pos = n->pos;
	if (n->kind != CFG_NODE_MAP) {
		cfg_error_hint(c, n, HOOK_HINT, "a %s hook must be a mapping, not a %s", key,
			       cfg_kind_name(n));
		return -1;
	}
	for (size_t i = 0; i < n->n; i++)
		has_command |= !strcmp(n->pairs[i].key->raw, "command");
	if (!has_command) {
		cfg_error_hint(c, n, HOOK_HINT, "%s hook has no command", key);
		cfg_read_map(c, n, &spec, &r); /* the rest is checked too */
		return -1;
	}
	return cfg_read_map(c, n, &spec, &r);
}

static int read_hooks(struct cfg_ctx *c, struct cfg_node *n, const char *key, struct cfg_hook **out,
		      size_t *n_out)
{
	int r = 0;

	cfg_hooks_free(*out, *n_out);
	*out = NULL;
	*n_out = 0;
	if (cfg_is_null(n))
		return 0;
	if (n->kind != CFG_NODE_SEQ) {
		cfg_error_hint(c, n, HOOK_HINT, "%s must be a list of hooks, not a %s", key,
			       cfg_kind_name(n));
		return -1;
	}
	*out = lxr_xcalloc(n->n ? n->n : 1, sizeof(**out));
	for (size_t i = 0; i < n->n; i++, (*n_out)++)
		if (cfg_read_hook(c, n->items[i], key, &(*out)[i]) < 0)
			r = -1;
	return r;
}

int cfg_svc_read_post_start(struct cfg_ctx *c, struct cfg_node *n, void *obj)
{
	struct cfg_service *s = obj;

	return read_hooks(c, n, "post_start", &s->post_start, &s->n_post_start);
}

int cfg_svc_read_pre_stop(struct cfg_ctx *c, struct cfg_node *n, void *obj)
{
	struct cfg_service *s = obj;

	return read_hooks(c, n, "pre_stop", &s->pre_stop, &s->n_pre_stop);
}
