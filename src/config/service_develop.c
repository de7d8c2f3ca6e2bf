/* develop (Compose's file watch): the rules `lxr watch` follows, each a
 * path on the host, what to do when something under it changes, and for
 * the sync actions where it goes in the container (cli/cmd_watch.c). */
#define _GNU_SOURCE
#include <stdlib.h>
#include <string.h>

#include "config/config_internal.h"

#define WATCH_HINT "e.g. - {action: sync, path: ./src, target: /app/src}"

static const char *const actions[] = {
    [CFG_WATCH_SYNC] = "sync",           [CFG_WATCH_REBUILD] = "rebuild",
    [CFG_WATCH_RESTART] = "restart",     [CFG_WATCH_SYNC_RESTART] = "sync+restart",
    [CFG_WATCH_SYNC_EXEC] = "sync+exec",
};

const char *cfg_watch_action_name(enum cfg_watch_action a)
{
	return actions[a];
}

void cfg_watch_free(struct cfg_watch *v, size_t n)
{
	for (size_t i = 0; i < n; i++) {
		free(v[i].path);
		free(v[i].target);
		cfg_strs_free(&v[i].ignore);
		cfg_strs_free(&v[i].include);
		cfg_hook_clear(&v[i].exec);
	}
	free(v);
}

struct rule_read {
	struct cfg_watch *w;
	bool has_action;
};

static int w_action(struct cfg_ctx *c, struct cfg_node *n, void *obj)
{
	struct rule_read *r = obj;
	const char *v = cfg_scalar(c, n, "develop.watch action");

	if (!v)
		return -1;
	for (size_t i = 0; i < sizeof(actions) / sizeof(actions[0]); i++)
		if (!strcmp(v, actions[i])) {
			r->w->action = (enum cfg_watch_action)i;
			r->has_action = true;
			return 0;
		}
	cfg_error_hint(c, n, "rebuild, sync, restart, sync+restart or sync+exec",
		       "develop.watch: unknown action \"%s\"", v);
	return -1;
}

static int w_path(struct cfg_ctx *c, struct cfg_node *n, void *obj)
{
	struct rule_read *r = obj;
	const char *v = cfg_scalar(c, n, "develop.watch path");

	if (!v)
		return -1;
	if (!*v) {
		cfg_error_hint(c, n, WATCH_HINT, "develop.watch: path is empty");
		return -1;
	}
	free(r->w->path);
	r->w->path = cfg_abs_path_at(c, n->pos, v);
	return 0;
}

static int w_target(struct cfg_ctx *c, struct cfg_node *n, void *obj)
{
	struct rule_read *r = obj;
	const char *v = cfg_scalar(c, n, "develop.watch target");

	if (!v)
		return -1;
	free(r->w->target);
	r->w->target = *v ? lxr_xstrdup(v) : NULL;
	return 0;
}

static int w_ignore(struct cfg_ctx *c, struct cfg_node *n, void *obj)
{
	struct rule_read *r = obj;

	return cfg_read_strs(c, n, "develop.watch ignore", true, &r->w->ignore);
}

static int w_include(struct cfg_ctx *c, struct cfg_node *n, void *obj)
{
	struct rule_read *r = obj;

	return cfg_read_strs(c, n, "develop.watch include", true, &r->w->include);
}

static int w_exec(struct cfg_ctx *c, struct cfg_node *n, void *obj)
{
	struct rule_read *r = obj;

	return cfg_read_hook(c, n, "develop.watch exec", &r->w->exec);
}

static int w_initial_sync(struct cfg_ctx *c, struct cfg_node *n, void *obj)
{
	struct rule_read *r = obj;
	struct cfg_bool b = {0};

	if (cfg_read_bool(c, n, "develop.watch initial_sync", &b) < 0)
		return -1;
	r->w->initial_sync = b.v;
	return 0;
}

static int read_rule(struct cfg_ctx *c, struct cfg_node *n, struct cfg_watch *w)
{
	static const struct cfg_key keys[] = {
	    {"action", NULL, w_action},
	    {"path", NULL, w_path},
	    {"target", NULL, w_target},
	    {"ignore", NULL, w_ignore},
	    {"include", NULL, w_include},
	    {"exec", NULL, w_exec},
	    {"initial_sync", NULL, w_initial_sync},
	};
	static const struct cfg_map_spec spec = {
	    "develop.watch", keys, sizeof(keys) / sizeof(keys[0]), true, NULL, 0};
	struct rule_read r = {w, false};

	w->pos = n->pos;
	if (cfg_read_map(c, n, &spec, &r) < 0)
		return -1;
	if (!r.has_action || !w->path) {
		cfg_error_hint(c, n, WATCH_HINT, "develop.watch: a rule needs %s",
			       !w->path ? "a path" : "an action");
		return -1;
	}
	/* compose-go's rule: only rebuild and restart go without a target */
	if (!w->target && w->action != CFG_WATCH_REBUILD && w->action != CFG_WATCH_RESTART) {
		cfg_error_hint(c, n, "target: /path/in/container",
			       "develop.watch: action %s needs a target", actions[w->action]);
		return -1;
	}
	return 0;
}

static int develop_watch(struct cfg_ctx *c, struct cfg_node *n, void *obj)
{
	struct cfg_service *s = obj;
	int r = 0;

	cfg_watch_free(s->watch, s->n_watch);
	s->watch = NULL;
	s->n_watch = 0;
	if (cfg_is_null(n))
		return 0;
	if (!cfg_expect(c, n, CFG_NODE_SEQ, "develop.watch"))
		return -1;
	s->watch = lxr_xcalloc(n->n ? n->n : 1, sizeof(*s->watch));
	for (size_t i = 0; i < n->n; i++, s->n_watch++) {
		if (!cfg_expect(c, n->items[i], CFG_NODE_MAP, "develop.watch rule"))
			r = -1;
		else if (read_rule(c, n->items[i], &s->watch[i]) < 0)
			r = -1;
	}
	return r;
}

int cfg_svc_read_develop(struct cfg_ctx *c, struct cfg_node *n, void *obj)
{
	static const struct cfg_key keys[] = {{"watch", NULL, develop_watch}};
	static const struct cfg_map_spec spec = {"develop", keys, 1, true, NULL, 0};

	if (cfg_is_null(n))
		return 0;
	if (!cfg_expect(c, n, CFG_NODE_MAP, "develop"))
		return -1;
	return cfg_read_map(c, n, &spec, obj);
}
