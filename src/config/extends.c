/* Compose's `extends`: a service built on another one, in this file or in
 * `file:`, its own keys merged over the base's with Compose's merge rules
 * (merge.c). It works on the node tree, before the service is read, so the
 * merged service is checked like any other. */
#define _GNU_SOURCE
#include <string.h>

#include "config/config_internal.h"

#define EXTENDS_MAX_DEPTH 16

struct ext_ref {
	struct cfg_node *service, *file; /* scalars */
};

static int read_ref(struct cfg_ctx *c, struct cfg_node *n, struct ext_ref *r)
{
	if (n->kind == CFG_NODE_SCALAR) {
		r->service = n;
		return cfg_scalar(c, n, "extends") ? 0 : -1;
	}
	if (!cfg_expect(c, n, CFG_NODE_MAP, "extends"))
		return -1;
	for (size_t i = 0; i < n->n; i++) {
		const char *k = n->pairs[i].key->raw;
		struct cfg_node *v = n->pairs[i].value;
		if (strcmp(k, "service") && strcmp(k, "file")) {
			cfg_error(c, n->pairs[i].key, "unknown key \"%s\" in extends", k);
			return -1;
		}
		if (!cfg_scalar(c, v, k))
			return -1;
		*(strcmp(k, "file") ? &r->service : &r->file) = v;
	}
	if (!r->service) {
		cfg_error_hint(c, n, "extends: {service: NAME[, file: FILE]}",
			       "extends names no service");
		return -1;
	}
	return cfg_scalar(c, r->service, "extends service") ? 0 : -1;
}

static struct cfg_node *resolve(struct cfg_ctx *c, struct cfg_node *services, struct cfg_node *svc,
				int depth);

static struct cfg_node *base_of(struct cfg_ctx *c, struct cfg_node *services, struct cfg_node *ext,
				int depth)
{
	struct ext_ref r = {0};
	struct cfg_node *in = services, *base;

	if (read_ref(c, ext, &r) < 0)
		return NULL;
	if (r.file && !(in = cfg_load_file(c, r.file, "extends", NULL)))
		return NULL;
	if (r.file && !(in = cfg_map_get(in, "services"))) {
		/* compose-go: "no services section" (a version 1 file, its
		 * services at the top, is not read as one) */
		cfg_error_hint(c, r.file, "name a file with a top-level services: mapping",
			       "extends: %s has no services section", r.file->val);
		return NULL;
	}
	base = cfg_map_get(in, r.service->val);
	/* a service with no body (`base:` alone) gives nothing, as in
	 * compose-go (loader/extends.go): the extending service is its own */
	if (base && cfg_is_null(base))
		return cfg_node_new(c->tree, CFG_NODE_MAP, base->pos);
	if (!base || base->kind != CFG_NODE_MAP) {
		cfg_error_hint(c, r.service, "name a service of that file",
			       "extends: no service \"%s\"%s%s", r.service->val,
			       r.file ? " in " : "", r.file ? r.file->val : "");
		return NULL;
	}
	if (depth >= EXTENDS_MAX_DEPTH) {
		cfg_error(c, ext, "extends: a cycle, or more than %d services deep",
			  EXTENDS_MAX_DEPTH);
		return NULL;
	}
	return resolve(c, in, base, depth + 1);
}

static struct cfg_node *resolve(struct cfg_ctx *c, struct cfg_node *services, struct cfg_node *svc,
				int depth)
{
	struct cfg_node *ext = cfg_map_get(svc, "extends"), *base, *own;

	if (!ext)
		return svc;
	if (!(base = base_of(c, services, ext, depth)))
		return NULL;
	own = cfg_node_new(c->tree, CFG_NODE_MAP, svc->pos);
	for (size_t i = 0; i < svc->n; i++)
		if (strcmp(svc->pairs[i].key->raw, "extends"))
			cfg_map_put(c->tree, own, svc->pairs[i].key, svc->pairs[i].value);
	return cfg_merge_nodes(c, base, own);
}

struct cfg_node *cfg_extends_resolve(struct cfg_ctx *c, struct cfg_node *services,
				     struct cfg_node *svc)
{
	if (svc->kind != CFG_NODE_MAP || !cfg_map_get(svc, "extends"))
		return svc;
	return resolve(c, services, svc, 0);
}
