/* Compose's `extends`: a service built on another one, in this file or in
 * `file:`, its own keys merged over the base's with Compose's merge rules
 * (docs/stack-file.md): mappings merge key by key, the service's value
 * wins; command, entrypoint and healthcheck.test are replaced whole;
 * environment, labels, sysctls, extra_hosts and annotations merge as
 * mappings whichever way they are written; volumes, devices, tmpfs,
 * secrets and configs replace a base entry with the same target; other
 * sequences append what is new. It works on the node tree, before the
 * service is read, so the merged service is checked like any other; each
 * value keeps the position of the file it was written in, so a relative
 * path from a file in another directory is relative to that file's
 * directory, as compose-go resolves it. */
#define _GNU_SOURCE
#include <string.h>

#include "config/config_internal.h"

#define EXTENDS_MAX_DEPTH 16

static struct cfg_node *node_new(struct cfg_ctx *c, enum cfg_node_kind k, struct cfg_pos pos)
{
	struct cfg_node *n = cfg_tree_alloc(c->tree, sizeof(*n));

	n->kind = k;
	n->pos = pos;
	return n;
}

static struct cfg_node *map_get(const struct cfg_node *m, const char *key)
{
	for (size_t i = 0; m && m->kind == CFG_NODE_MAP && i < m->n; i++)
		if (!strcmp(m->pairs[i].key->raw, key))
			return m->pairs[i].value;
	return NULL;
}

static void map_put(struct cfg_ctx *c, struct cfg_node *m, struct cfg_node *k, struct cfg_node *v)
{
	for (size_t i = 0; i < m->n; i++) {
		if (!strcmp(m->pairs[i].key->raw, k->raw)) {
			m->pairs[i].value = v;
			return;
		}
	}
	struct cfg_pair *p = cfg_tree_alloc(c->tree, (m->n + 1) * sizeof(*p));
	if (m->n)
		memcpy(p, m->pairs, m->n * sizeof(*p));
	p[m->n++] = (struct cfg_pair){k, v};
	m->pairs = p;
}

static void seq_push(struct cfg_ctx *c, struct cfg_node *s, struct cfg_node *item)
{
	struct cfg_node **v = cfg_tree_alloc(c->tree, (s->n + 1) * sizeof(*v));

	if (s->n)
		memcpy(v, s->items, s->n * sizeof(*v));
	v[s->n++] = item;
	s->items = v;
}

static struct cfg_node *map_copy(struct cfg_ctx *c, const struct cfg_node *m)
{
	struct cfg_node *out = node_new(c, CFG_NODE_MAP, m->pos);

	for (size_t i = 0; i < m->n; i++)
		map_put(c, out, m->pairs[i].key, m->pairs[i].value);
	return out;
}

/* ["A=1", "B"] as {A: "1", B: null}: the list form of a mapping. */
static struct cfg_node *as_map(struct cfg_ctx *c, struct cfg_node *n)
{
	struct cfg_node *m;

	if (n->kind != CFG_NODE_SEQ)
		return n;
	m = node_new(c, CFG_NODE_MAP, n->pos);
	for (size_t i = 0; i < n->n; i++) {
		struct cfg_node *it = n->items[i];
		if (it->kind != CFG_NODE_SCALAR)
			return n; /* reported when the service is read */
		const char *eq = strchr(it->raw, '=');
		struct cfg_node *k = node_new(c, CFG_NODE_SCALAR, it->pos);
		struct cfg_node *v = node_new(c, CFG_NODE_SCALAR, it->pos);
		k->raw = cfg_tree_strndup(c->tree, it->raw,
					  eq ? (size_t)(eq - it->raw) : strlen(it->raw));
		v->raw = cfg_tree_strdup(c->tree, eq ? eq + 1 : "null");
		v->plain = !eq;
		v->single_line = it->single_line;
		map_put(c, m, k, v);
	}
	return m;
}

/* The container path a volumes/devices/tmpfs/secrets entry mounts at. */
static const char *target_of(const char *key, const struct cfg_node *n)
{
	if (n->kind == CFG_NODE_MAP) {
		const struct cfg_node *t = map_get(n, "target");
		if (!t)
			t = map_get(n, "source");
		return t && t->kind == CFG_NODE_SCALAR ? t->raw : NULL;
	}
	if (n->kind != CFG_NODE_SCALAR)
		return NULL;
	if (!strcmp(key, "secrets") || !strcmp(key, "configs") || !strcmp(key, "tmpfs"))
		return n->raw;
	return NULL; /* short volumes/devices: compared whole below */
}

static bool same_entry(const char *key, const struct cfg_node *a, const struct cfg_node *b)
{
	const char *ta = target_of(key, a), *tb = target_of(key, b);

	if (ta && tb)
		return !strcmp(ta, tb);
	if (a->kind == CFG_NODE_SCALAR && b->kind == CFG_NODE_SCALAR) {
		/* volumes, devices "SRC:DST[:MODE]": the same DST */
		const char *da = strchr(a->raw, ':'), *db = strchr(b->raw, ':');
		if (da && db && (!strcmp(key, "volumes") || !strcmp(key, "devices")))
			return strcspn(da + 1, ":") == strcspn(db + 1, ":") &&
			       !strncmp(da + 1, db + 1, strcspn(da + 1, ":"));
		return !strcmp(a->raw, b->raw);
	}
	return false;
}

static struct cfg_node *merge(struct cfg_ctx *c, const char *key, struct cfg_node *base,
			      struct cfg_node *over, int depth);

static struct cfg_node *merge_seq(struct cfg_ctx *c, const char *key, struct cfg_node *base,
				  struct cfg_node *over)
{
	struct cfg_node *out = node_new(c, CFG_NODE_SEQ, over->pos);

	for (size_t i = 0; i < base->n; i++) {
		bool replaced = false;
		for (size_t j = 0; j < over->n && !replaced; j++)
			replaced = same_entry(key, base->items[i], over->items[j]);
		if (!replaced)
			seq_push(c, out, base->items[i]);
	}
	for (size_t j = 0; j < over->n; j++)
		seq_push(c, out, over->items[j]);
	return out;
}

/* build: DIR is {context: DIR} (compose-go's transform), so the two
 * spellings merge key by key. */
static struct cfg_node *build_as_map(struct cfg_ctx *c, struct cfg_node *n)
{
	struct cfg_node *m, *k;

	if (n->kind != CFG_NODE_SCALAR || cfg_is_null(n))
		return n;
	m = node_new(c, CFG_NODE_MAP, n->pos);
	k = node_new(c, CFG_NODE_SCALAR, n->pos);
	k->raw = cfg_tree_strdup(c->tree, "context");
	k->single_line = true;
	map_put(c, m, k, n);
	return m;
}

static bool is_mapping_key(const char *key)
{
	static const char *const keys[] = {"environment", "labels",      "sysctls",
					   "extra_hosts", "annotations", "args"};

	for (size_t i = 0; i < sizeof(keys) / sizeof(keys[0]); i++)
		if (!strcmp(key, keys[i]))
			return true;
	return false;
}

static struct cfg_node *merge(struct cfg_ctx *c, const char *key, struct cfg_node *base,
			      struct cfg_node *over, int depth)
{
	if (depth > 8 || !strcmp(key, "command") || !strcmp(key, "entrypoint") ||
	    !strcmp(key, "test"))
		return over;
	if (is_mapping_key(key)) {
		base = as_map(c, base);
		over = as_map(c, over);
	}
	if (!strcmp(key, "build")) {
		base = build_as_map(c, base);
		over = build_as_map(c, over);
	}
	if (base->kind == CFG_NODE_SEQ && over->kind == CFG_NODE_SEQ)
		return merge_seq(c, key, base, over);
	if (base->kind != CFG_NODE_MAP || over->kind != CFG_NODE_MAP)
		return over;
	struct cfg_node *out = map_copy(c, base);
	for (size_t i = 0; i < over->n; i++) {
		struct cfg_node *k = over->pairs[i].key, *v = over->pairs[i].value;
		struct cfg_node *b = map_get(out, k->raw);
		if (v->tag == CFG_TAG_RESET) /* gone from what it merges over */
			cfg_map_drop(out, k->raw);
		else
			map_put(c, out, k,
				b && v->tag != CFG_TAG_OVERRIDE ? merge(c, k->raw, b, v, depth + 1)
								: v);
	}
	return out;
}

struct cfg_node *cfg_merge_nodes(struct cfg_ctx *c, struct cfg_node *base, struct cfg_node *over)
{
	return over->tag == CFG_TAG_OVERRIDE ? over : merge(c, "", base, over, 0);
}

void cfg_map_drop(struct cfg_node *m, const char *key)
{
	for (size_t i = 0; m->kind == CFG_NODE_MAP && i < m->n; i++)
		if (!strcmp(m->pairs[i].key->raw, key)) {
			memmove(&m->pairs[i], &m->pairs[i + 1],
				(m->n - i - 1) * sizeof(m->pairs[0]));
			m->n--;
			return;
		}
}

static void strip(struct cfg_node *n, int depth)
{
	if (!n || depth > 64)
		return;
	for (size_t i = 0; n->kind == CFG_NODE_MAP && i < n->n;) {
		if (n->pairs[i].value->tag == CFG_TAG_RESET) {
			memmove(&n->pairs[i], &n->pairs[i + 1],
				(n->n - i - 1) * sizeof(n->pairs[0]));
			n->n--;
			continue;
		}
		strip(n->pairs[i++].value, depth + 1);
	}
	for (size_t i = 0; n->kind == CFG_NODE_SEQ && i < n->n; i++)
		strip(n->items[i], depth + 1);
}

void cfg_strip_resets(struct cfg_node *n)
{
	strip(n, 0);
}

/* ---- finding the base ------------------------------------------------------------ */
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
	if (r.file && !(in = map_get(in, "services")))
		return NULL;
	base = map_get(in, r.service->val);
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
	struct cfg_node *ext = map_get(svc, "extends"), *base, *own;

	if (!ext)
		return svc;
	if (!(base = base_of(c, services, ext, depth)))
		return NULL;
	own = node_new(c, CFG_NODE_MAP, svc->pos);
	for (size_t i = 0; i < svc->n; i++)
		if (strcmp(svc->pairs[i].key->raw, "extends"))
			map_put(c, own, svc->pairs[i].key, svc->pairs[i].value);
	return merge(c, "", base, own, 0);
}

struct cfg_node *cfg_extends_resolve(struct cfg_ctx *c, struct cfg_node *services,
				     struct cfg_node *svc)
{
	if (svc->kind != CFG_NODE_MAP || !map_get(svc, "extends"))
		return svc;
	return resolve(c, services, svc, 0);
}
