/* Compose's merge rules, on the node tree before anything is read: a
 * service over its `extends` base, an override file (-f, an include's later
 * paths, a file's later YAML documents) over the stack. Mappings merge key
 * by key, the later value wins; command, entrypoint and healthcheck.test
 * are replaced whole; environment, labels, sysctls, extra_hosts and
 * annotations merge as mappings whichever way they are written; volumes,
 * devices, tmpfs, secrets and configs replace an earlier entry with the
 * same target; other sequences append what is new (docs/stack-file.md).
 * `!override` replaces instead of merging and `!reset` removes, as
 * compose-go reads the tags. Each value keeps the position of the file it
 * was written in, so relative paths stay relative to their own file. */
#define _GNU_SOURCE
#include <string.h>

#include "config/config_internal.h"

static struct cfg_node *map_copy(struct cfg_ctx *c, const struct cfg_node *m)
{
	struct cfg_node *out = cfg_node_new(c->tree, CFG_NODE_MAP, m->pos);

	for (size_t i = 0; i < m->n; i++)
		cfg_map_put(c->tree, out, m->pairs[i].key, m->pairs[i].value);
	return out;
}

/* ["A=1", "B"] as {A: "1", B: null}: the list form of a mapping. */
static struct cfg_node *as_map(struct cfg_ctx *c, struct cfg_node *n)
{
	struct cfg_node *m;

	if (n->kind != CFG_NODE_SEQ)
		return n;
	m = cfg_node_new(c->tree, CFG_NODE_MAP, n->pos);
	for (size_t i = 0; i < n->n; i++) {
		struct cfg_node *it = n->items[i];
		if (it->kind != CFG_NODE_SCALAR)
			return n; /* reported when the service is read */
		const char *eq = strchr(it->raw, '=');
		struct cfg_node *k = cfg_node_new(c->tree, CFG_NODE_SCALAR, it->pos);
		struct cfg_node *v = cfg_node_new(c->tree, CFG_NODE_SCALAR, it->pos);
		k->raw = cfg_tree_strndup(c->tree, it->raw,
					  eq ? (size_t)(eq - it->raw) : strlen(it->raw));
		v->raw = cfg_tree_strdup(c->tree, eq ? eq + 1 : "null");
		v->plain = !eq;
		v->single_line = it->single_line;
		cfg_map_put(c->tree, m, k, v);
	}
	return m;
}

/* The container path a volumes/devices/tmpfs/secrets entry mounts at. */
static const char *target_of(const char *key, const struct cfg_node *n)
{
	if (n->kind == CFG_NODE_MAP) {
		const struct cfg_node *t = cfg_map_get(n, "target");
		if (!t)
			t = cfg_map_get(n, "source");
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
	struct cfg_node *out = cfg_node_new(c->tree, CFG_NODE_SEQ, over->pos);

	for (size_t i = 0; i < base->n; i++) {
		bool replaced = false;
		for (size_t j = 0; j < over->n && !replaced; j++)
			replaced = same_entry(key, base->items[i], over->items[j]);
		if (!replaced)
			cfg_seq_push(c->tree, out, base->items[i]);
	}
	for (size_t j = 0; j < over->n; j++)
		cfg_seq_push(c->tree, out, over->items[j]);
	return out;
}

/* build: DIR is {context: DIR} (compose-go's transform), so the two
 * spellings merge key by key. */
static struct cfg_node *build_as_map(struct cfg_ctx *c, struct cfg_node *n)
{
	struct cfg_node *m, *k;

	if (n->kind != CFG_NODE_SCALAR || cfg_is_null(n))
		return n;
	m = cfg_node_new(c->tree, CFG_NODE_MAP, n->pos);
	k = cfg_node_new(c->tree, CFG_NODE_SCALAR, n->pos);
	k->raw = cfg_tree_strdup(c->tree, "context");
	k->single_line = true;
	cfg_map_put(c->tree, m, k, n);
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
		struct cfg_node *b = cfg_map_get(out, k->raw);
		if (v->tag == CFG_TAG_RESET) /* gone from what it merges over */
			cfg_map_drop(out, k->raw);
		else
			cfg_map_put(c->tree, out, k,
				    b && v->tag != CFG_TAG_OVERRIDE
					? merge(c, k->raw, b, v, depth + 1)
					: v);
	}
	return out;
}

struct cfg_node *cfg_merge_nodes(struct cfg_ctx *c, struct cfg_node *base, struct cfg_node *over)
{
	return over->tag == CFG_TAG_OVERRIDE ? over : merge(c, "", base, over, 0);
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

static const char *const sections[] = {"services", "networks", "volumes",
				       "secrets",  "configs",  "models"};

/* A resource both define is merged with compose's rules: from's over
 * root's with merge (the later files of one include's path, compose's
 * overrides), else root's over from's (an included file's resource under
 * the including file's own, as compose-go 2.10 merges them). */
static void section_merge(struct cfg_ctx *c, struct cfg_node *root, struct cfg_pair *from,
			  bool merge)
{
	struct cfg_pair *to = cfg_map_pair(root, from->key->raw);

	if (from->value->kind != CFG_NODE_MAP)
		return; /* null, or wrong: reported when read */
	if (!to) {
		cfg_map_put(c->tree, root, from->key, from->value);
		return;
	}
	if (to->value->kind != CFG_NODE_MAP) {
		struct cfg_node *m = cfg_tree_alloc(c->tree, sizeof(*m));
		if (!cfg_is_null(to->value))
			return;
		m->kind = CFG_NODE_MAP;
		m->pos = to->value->pos;
		to->value = m;
	}
	for (size_t i = 0; i < from->value->n; i++) {
		struct cfg_pair *p = &from->value->pairs[i],
				*had = cfg_map_pair(to->value, p->key->raw);
		if (merge && p->value->tag == CFG_TAG_RESET) { /* a service gone */
			cfg_map_drop(to->value, p->key->raw);
			continue;
		}
		if (had) {
			had->value = merge ? cfg_merge_nodes(c, had->value, p->value)
					   : cfg_merge_nodes(c, p->value, had->value);
			continue;
		}
		cfg_map_put(c->tree, to->value, p->key, p->value);
	}
}

void cfg_sections_merge(struct cfg_ctx *c, struct cfg_node *to, struct cfg_node *from, bool merge)
{
	for (size_t k = 0; k < sizeof(sections) / sizeof(sections[0]); k++) {
		struct cfg_pair *p = cfg_map_pair(from, sections[k]);
		if (p)
			section_merge(c, to, p, merge);
	}
}

int cfg_override_merge(struct cfg_ctx *c, struct cfg_node *root, struct cfg_node *over,
		       const char *file)
{
	int r = 0;

	for (size_t i = 0; i < over->n; i++) {
		struct cfg_pair *p = &over->pairs[i];
		bool section = false;
		for (size_t k = 0; k < sizeof(sections) / sizeof(sections[0]); k++)
			section |= !strcmp(p->key->raw, sections[k]);
		if (p->value->tag == CFG_TAG_RESET) {
			cfg_map_drop(root, p->key->raw);
		} else if (section && p->value->tag != CFG_TAG_OVERRIDE) {
			section_merge(c, root, p, true);
		} else {
			cfg_map_put(c->tree, root, p->key, p->value);
		}
	}
	return r;
}
