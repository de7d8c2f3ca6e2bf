/* The stack file merged but not normalized (`lxr config --no-interpolate`,
 * `--no-normalize`): the node tree once the -f files, include, extends and
 * !reset have done their work, copied before the model is read, and
 * printed back as a stack file. compose prints its model before
 * interpolation the same way: only partly resolved, since what a value
 * means (a port, a size) can only be read once its variables are. */
#define _GNU_SOURCE
#include <errno.h>
#include <string.h>

#include "config/config_internal.h"
#include "config/emit.h"
#include "lxr/config_view.h"

/* The whole file: a bound on what its aliases can stand for (raw.c),
 * far above any real file. */
#define WRITTEN_MAX_NODES 1000000

/* Each service with what it extends merged in, in place, as the model
 * reads it (stack.c): the services key by key, their messages as theirs. */
static int resolve_services(struct cfg_ctx *c, struct cfg_node *services)
{
	int r = 0;

	for (size_t i = 0; services && services->kind == CFG_NODE_MAP && i < services->n; i++) {
		_cleanup_free_ char *where =
		    lxr_xasprintf("service \"%s\"", services->pairs[i].key->raw);
		struct cfg_node *def;

		c->where = where;
		c->service = services->pairs[i].key->raw;
		def = cfg_extends_resolve(c, services, services->pairs[i].value);
		if (def) {
			cfg_strip_resets(def);
			cfg_unique(c, def);
			services->pairs[i].value = def;
		} else {
			r = -1;
		}
		c->where = NULL;
		c->service = NULL;
	}
	return r;
}

int cfg_written_resolve(struct cfg_ctx *c, struct cfg_node *root, struct cfg_stack *st)
{
	struct cfg_node *name;

	if (!cfg_expect(c, root, CFG_NODE_MAP, "the stack file (services:, networks:, ...)"))
		return -1;
	/* the model's reading of name: names the project (cfg_stack_project);
	 * as written, it is read here */
	if (c->as_written && (name = cfg_map_get(root, "name")) &&
	    cfg_read_str(c, name, "name", &st->name) < 0)
		return -1;
	return resolve_services(c, cfg_map_get(root, "services"));
}

int cfg_written_copy(struct cfg_ctx *c, struct cfg_node *root, struct cfg_stack *st)
{
	static const char *const done[] = {"name", "include", "version"};
	struct cfg_node view = *root;

	/* name: is the project's, printed first; the others are spent */
	view.pairs = cfg_tree_alloc(c->tree, (root->n + 1) * sizeof(*view.pairs));
	view.n = 0;
	for (size_t i = 0; i < root->n; i++) {
		bool skip = false;
		for (size_t k = 0; k < sizeof(done) / sizeof(*done); k++)
			skip |= !strcmp(root->pairs[i].key->raw, done[k]);
		if (!skip)
			view.pairs[view.n++] = root->pairs[i];
	}
	return cfg_raw_copy(c, &view, "the stack file", WRITTEN_MAX_NODES, &st->written);
}

int cfg_stack_write_written(FILE *f, const struct cfg_stack *st, enum cfg_format fmt, lxr_err *err)
{
	const struct cfg_raw *w = &st->written;
	struct cfg_out o;

	cfg_out_init(&o, f, fmt);
	o.verbatim = st->view == CFG_VIEW_AS_WRITTEN;
	cfg_out_map(&o);
	cfg_out_key(&o, "name");
	cfg_out_str(&o, st->project);
	for (size_t i = 0; w->kind == CFG_RAW_MAP && i < w->n; i++) {
		cfg_out_key(&o, w->keys[i]);
		cfg_dump_raw(&o, &w->items[i]);
	}
	cfg_out_end_map(&o);
	if (cfg_out_finish(&o) < 0)
		return lxr_fail(err, EIO, "write the stack");
	return 0;
}
