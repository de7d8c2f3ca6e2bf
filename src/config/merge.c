/* Compose's merge rules, on the node tree before anything is read: a
 * service over its `extends` base, an override file (-f, an include's later
 * paths, a file's later YAML documents) over the stack, as compose-go's
 * override package merges them. Mappings merge key by key, the later value
 * wins; command, entrypoint and healthcheck.test are replaced whole, and so
 * is each ulimit, and logging when the two name different drivers;
 * environment, labels, sysctls, annotations and args merge as mappings
 * whichever way they are written; dns, dns_search, dns_opt, tmpfs and
 * env_file are lists even when written as one string; networks and
 * depends_on written as lists are mappings; extra_hosts appends what is
 * new; other sequences append, and entries with the same key (a volume's
 * target, say: cfg_unique) keep the first one's place and the last one's
 * value (docs/stack-file.md); a network's ipam config entries merge by
 * subnet. `!override` replaces instead of merging and
 * `!reset` removes, as compose-go reads the tags. Each value keeps the
 * position of the file it was written in, so relative paths stay relative
 * to their own file. */
#define _GNU_SOURCE
#include <stdio.h>
#include <stdlib.h>
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

/* A plain scalar of text at pos. */
static struct cfg_node *scalar_new(struct cfg_ctx *c, const char *text, struct cfg_pos pos)
{
	struct cfg_node *n = cfg_node_new(c->tree, CFG_NODE_SCALAR, pos);

	n->raw = cfg_tree_strdup(c->tree, text);
	n->plain = true;
	n->single_line = true;
	return n;
}

static int by_text(const void *a, const void *b)
{
	return strcmp((*(struct cfg_node *const *)a)->raw, (*(struct cfg_node *const *)b)->raw);
}

/* Both lists, one after the other; cfg_unique then keeps one entry per key
 * where compose does. */
static struct cfg_node *append_seq(struct cfg_ctx *c, struct cfg_node *base, struct cfg_node *over)
{
	struct cfg_node *out = cfg_node_new(c->tree, CFG_NODE_SEQ, over->pos);

	for (size_t i = 0; i < base->n; i++)
		cfg_seq_push(c->tree, out, base->items[i]);
	for (size_t j = 0; j < over->n; j++)
		cfg_seq_push(c->tree, out, over->items[j]);
	return out;
}

/* extra_hosts: what over adds that base does not have, word for word. */
static struct cfg_node *append_new(struct cfg_ctx *c, struct cfg_node *base, struct cfg_node *over)
{
	struct cfg_node *out = cfg_node_new(c->tree, CFG_NODE_SEQ, over->pos);

	for (size_t i = 0; i < base->n; i++)
		cfg_seq_push(c->tree, out, base->items[i]);
	for (size_t j = 0; j < over->n; j++) {
		bool had = false;
		for (size_t i = 0; i < base->n && !had; i++)
			had = base->items[i]->kind == CFG_NODE_SCALAR &&
			      over->items[j]->kind == CFG_NODE_SCALAR &&
			      !strcmp(base->items[i]->raw, over->items[j]->raw);
		if (!had)
			cfg_seq_push(c->tree, out, over->items[j]);
	}
	return out;
}

/* "ONE" as [ONE]: keys compose reads as lists when written as a string. */
static struct cfg_node *as_seq(struct cfg_ctx *c, struct cfg_node *n)
{
	struct cfg_node *s;

	if (n->kind != CFG_NODE_SCALAR || cfg_is_null(n))
		return n;
	s = cfg_node_new(c->tree, CFG_NODE_SEQ, n->pos);
	cfg_seq_push(c->tree, s, n);
	return s;
}

/* {HOST: IP} as ["HOST=IP"] (a list of IPs, one entry each), in the order
 * of the names, as compose-go's convertIntoSequence writes a mapping. */
static struct cfg_node *hosts_as_seq(struct cfg_ctx *c, struct cfg_node *n)
{
	struct cfg_node *s;

	if (n->kind != CFG_NODE_MAP)
		return as_seq(c, n);
	s = cfg_node_new(c->tree, CFG_NODE_SEQ, n->pos);
	for (size_t i = 0; i < n->n; i++) {
		struct cfg_node *k = n->pairs[i].key, *v = n->pairs[i].value;
		struct cfg_node *const *ips = v->kind == CFG_NODE_SEQ ? v->items : &v;
		size_t n_ips = v->kind == CFG_NODE_SEQ ? v->n : 1;
		for (size_t j = 0; j < n_ips; j++) {
			_cleanup_free_ char *e = NULL;
			if (ips[j]->kind != CFG_NODE_SCALAR)
				return n; /* reported when the service is read */
			e = cfg_is_null(ips[j]) ? lxr_xstrdup(k->raw)
						: lxr_xasprintf("%s=%s", k->raw, ips[j]->raw);
			cfg_seq_push(c->tree, s, scalar_new(c, e, ips[j]->pos));
		}
	}
	if (s->n > 1)
		qsort(s->items, s->n, sizeof(s->items[0]), by_text);
	return s;
}

/* A list entry that becomes a key: its text interpolated, since compose-go
 * interpolates each file before it merges, while keys written as keys stay
 * as written. NULL where its interpolation failed (reported). */
static struct cfg_node *list_key(struct cfg_ctx *c, struct cfg_node *item, const char *what)
{
	const char *v = cfg_scalar(c, item, what);
	struct cfg_node *k;

	if (!v)
		return NULL;
	k = scalar_new(c, v, item->pos);
	k->val = k->raw;
	k->plain = item->plain;
	return k;
}

/* [a, b] as {a: null, b: null}, or (depends_on) each as
 * {condition: service_started, required: true}, as compose-go's
 * convertIntoMapping. */
static struct cfg_node *names_as_map(struct cfg_ctx *c, struct cfg_node *n, bool depends)
{
	struct cfg_node *m;

	if (n->kind != CFG_NODE_SEQ)
		return n;
	m = cfg_node_new(c->tree, CFG_NODE_MAP, n->pos);
	for (size_t i = 0; i < n->n; i++) {
		struct cfg_pos pos = n->items[i]->pos;
		struct cfg_node *k, *v;
		if (n->items[i]->kind != CFG_NODE_SCALAR)
			return n; /* reported when the service is read */
		if (!(k = list_key(c, n->items[i], depends ? "depends_on" : "networks")))
			continue;
		if (depends) {
			v = cfg_node_new(c->tree, CFG_NODE_MAP, pos);
			cfg_map_put(c->tree, v, scalar_new(c, "condition", pos),
				    scalar_new(c, "service_started", pos));
			cfg_map_put(c->tree, v, scalar_new(c, "required", pos),
				    scalar_new(c, "true", pos));
		} else {
			v = scalar_new(c, "null", pos);
		}
		cfg_map_put(c->tree, m, k, v);
	}
	return m;
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

static bool key_in(const char *key, const char *const *keys, size_t n)
{
	for (size_t i = 0; i < n; i++)
		if (!strcmp(key, keys[i]))
			return true;
	return false;
}

#define KEY_IN(key, ...)                                                                           \
	key_in((key), (const char *const[]){__VA_ARGS__},                                          \
	       sizeof((const char *const[]){__VA_ARGS__}) / sizeof(const char *))

/* The keys whose lists of KEY=VALUE merge as mappings */
#define KV_KEYS "environment", "labels", "sysctls", "annotations", "args", "additional_contexts"

/* The two drivers a logging block names, both given and different. */
static bool other_driver(const struct cfg_node *base, const struct cfg_node *over)
{
	const struct cfg_node *a = cfg_map_get(base, "driver"), *b = cfg_map_get(over, "driver");

	return a && b && a->kind == CFG_NODE_SCALAR && b->kind == CFG_NODE_SCALAR &&
	       strcmp(a->raw, b->raw);
}

static struct cfg_node *merge(struct cfg_ctx *c, const char *parent, const char *key,
			      struct cfg_node *base, struct cfg_node *over, int depth);

/* An ipam config entry's subnet as text ("" where it gives none). */
static const char *subnet_of(struct cfg_ctx *c, struct cfg_node *e)
{
	struct cfg_node *t = e->kind == CFG_NODE_MAP ? cfg_map_get(e, "subnet") : NULL;
	const char *v = t && t->kind == CFG_NODE_SCALAR ? cfg_scalar(c, t, "subnet") : NULL;

	return v ? v : "";
}

/* networks.*.ipam.config, as compose-go's mergeIPAMConfig: over's
 * entries, each merged over base's entry of the same subnet (an override
 * that names the subnet again to add a gateway or ip_range); base's other
 * entries go. */
static struct cfg_node *ipam_config(struct cfg_ctx *c, struct cfg_node *base, struct cfg_node *over,
				    int depth)
{
	struct cfg_node *out = cfg_node_new(c->tree, CFG_NODE_SEQ, over->pos);

	for (size_t j = 0; j < over->n; j++) {
		struct cfg_node *e = over->items[j];
		for (size_t i = 0; i < base->n; i++)
			if (e->kind == CFG_NODE_MAP && base->items[i]->kind == CFG_NODE_MAP &&
			    !strcmp(subnet_of(c, base->items[i]), subnet_of(c, e))) {
				e = merge(c, "config", "", base->items[i], e, depth + 1);
				break;
			}
		cfg_seq_push(c->tree, out, e);
	}
	return out;
}

/* compose's rules for a service's key: both sides put in one shape (a
 * list of KEY=VALUE as a mapping, ...); the result when the rule decides
 * it, else NULL and the generic merge goes on with *base and *over */
static struct cfg_node *keyed(struct cfg_ctx *c, const char *key, int depth, struct cfg_node **base,
			      struct cfg_node **over)
{
	if (KEY_IN(key, KV_KEYS)) {
		*base = as_map(c, *base);
		*over = as_map(c, *over);
	} else if (!strcmp(key, "extra_hosts")) {
		*base = hosts_as_seq(c, *base);
		*over = hosts_as_seq(c, *over);
		if ((*base)->kind == CFG_NODE_SEQ && (*over)->kind == CFG_NODE_SEQ)
			return append_new(c, *base, *over);
	} else if (KEY_IN(key, "dns", "dns_search", "dns_opt", "tmpfs", "env_file", "label_file")) {
		*base = as_seq(c, *base);
		*over = as_seq(c, *over);
	} else if (depth == 1 && KEY_IN(key, "networks", "depends_on")) {
		*base = names_as_map(c, *base, key[0] == 'd');
		*over = names_as_map(c, *over, key[0] == 'd');
	} else if (!strcmp(key, "build")) {
		*base = build_as_map(c, *base);
		*over = build_as_map(c, *over);
	} else if (!strcmp(key, "logging") && (*base)->kind == CFG_NODE_MAP &&
		   (*over)->kind == CFG_NODE_MAP && other_driver(*base, *over)) {
		return *over;
	}
	return NULL;
}

/* parent: the key whose mapping holds key ("" at a resource's top); NULL:
 * plain YAML, none of the services' rules (a top-level x- key's value,
 * as compose-go merges it: mappings key by key, lists appended) */
static struct cfg_node *merge(struct cfg_ctx *c, const char *parent, const char *key,
			      struct cfg_node *base, struct cfg_node *over, int depth)
{
	struct cfg_node *decided;

	if (depth > (parent ? 8 : 64))
		return over;
	if (parent && (KEY_IN(key, "command", "entrypoint", "test") || !strcmp(parent, "ulimits")))
		return over;
	/* compose-go's MergeYaml: a null over a value keeps the value
	 * (`!reset null` is what removes it); but a bare NAME (NAME: null)
	 * in environment, labels, ... is an entry of its own, compose's
	 * mergeToSequence keeps the later one: resolved from the host, or
	 * none */
	if (cfg_is_null(over) && !(parent && KEY_IN(parent, KV_KEYS)))
		return base;
	if (parent && (decided = keyed(c, key, depth, &base, &over)))
		return decided;
	if (parent && !strcmp(parent, "ipam") && !strcmp(key, "config") &&
	    base->kind == CFG_NODE_SEQ && over->kind == CFG_NODE_SEQ)
		return ipam_config(c, base, over, depth);
	if (base->kind == CFG_NODE_SEQ && over->kind == CFG_NODE_SEQ)
		return append_seq(c, base, over);
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
					? merge(c, parent ? key : NULL, k->raw, b, v, depth + 1)
					: v);
	}
	return out;
}

struct cfg_node *cfg_merge_nodes(struct cfg_ctx *c, struct cfg_node *base, struct cfg_node *over)
{
	return over->tag == CFG_TAG_OVERRIDE ? over : merge(c, "", "", base, over, 0);
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

/* ---- one entry per key, as compose-go's EnforceUnicity -------------------- */

/* "KEY=VALUE" or "KEY": KEY */
static size_t kv_key(const char *s)
{
	return strcspn(s, "=");
}

/* A scalar's text as the service will read it (after interpolation; as
 * written where that failed, which is reported when it is read). */
static const char *text_of(struct cfg_ctx *c, struct cfg_node *n)
{
	const char *v = n->kind == CFG_NODE_SCALAR ? cfg_scalar(c, n, "a list entry") : NULL;

	return v ? v : n->raw;
}

/* The key compose-go indexes a list entry by (override/uncity.go), as text
 * in buf, or false where it has none to give (left as it is). */
static bool entry_key(struct cfg_ctx *c, const char *list, struct cfg_node *e, char *buf,
		      size_t len)
{
	struct cfg_node *t;
	const char *base, *v;

	if (e->kind == CFG_NODE_SCALAR) {
		v = text_of(c, e);
		if (!strcmp(list, "secrets") || !strcmp(list, "configs")) {
			base = list[0] == 's' ? "/run/secrets" : "";
			return snprintf(buf, len, "%s/%s", base, v) < (int)len;
		}
		if (!strcmp(list, "devices")) {
			const char *colon = strchr(v, ':');
			const char *from = colon ? colon + 1 : v;
			return snprintf(buf, len, "%.*s", (int)strcspn(from, ":"), from) < (int)len;
		}
		if (!strcmp(list, "expose") || !strcmp(list, "env_file"))
			return snprintf(buf, len, "%s", v) < (int)len;
		return snprintf(buf, len, "%.*s", (int)kv_key(v), v) < (int)len;
	}
	if (e->kind != CFG_NODE_MAP)
		return false;
	t = cfg_map_get(e, !strcmp(list, "env_file") ? "path" : "target");
	if (t && t->kind == CFG_NODE_SCALAR)
		return snprintf(buf, len, "%s", text_of(c, t)) < (int)len;
	t = cfg_map_get(e, "source");
	if ((!strcmp(list, "secrets") || !strcmp(list, "configs")) && t &&
	    t->kind == CFG_NODE_SCALAR)
		return snprintf(buf, len, "%s/%s", list[0] == 's' ? "/run/secrets" : "",
				text_of(c, t)) < (int)len;
	return false;
}

/* The list at key of mapping m with one entry per key, the later value in
 * the earlier place: a new list put in m (YAML aliases share nodes, and the
 * same list may be another key's elsewhere, a command's say). */
static void unique_seq(struct cfg_ctx *c, struct cfg_node *m, const char *key)
{
	struct cfg_pair *p = cfg_map_pair(m, key);
	struct cfg_node *seq = p ? p->value : NULL, *out;
	char **keys;
	char buf[512];

	if (!seq || seq->kind != CFG_NODE_SEQ || seq->n < 2)
		return;
	out = cfg_node_new(c->tree, CFG_NODE_SEQ, seq->pos);
	out->tag = seq->tag;
	keys = lxr_xcalloc(seq->n + 1, sizeof(*keys));
	for (size_t i = 0; i < seq->n; i++) {
		size_t at = out->n;
		bool keyed = entry_key(c, key, seq->items[i], buf, sizeof(buf));
		for (size_t j = 0; keyed && j < out->n && at == out->n; j++)
			if (keys[j] && !strcmp(keys[j], buf))
				at = j;
		if (at < out->n) {
			out->items[at] = seq->items[i];
			continue;
		}
		keys[out->n] = keyed ? lxr_xstrdup(buf) : NULL;
		cfg_seq_push(c->tree, out, seq->items[i]);
	}
	for (size_t i = 0; i < out->n; i++)
		free(keys[i]);
	free(keys);
	if (out->n < seq->n)
		p->value = out;
}

void cfg_unique(struct cfg_ctx *c, struct cfg_node *svc)
{
	static const char *const lists[] = {
	    "cap_add",  "cap_drop",    "dns",    "dns_opt",     "dns_search", "links",
	    "profiles", "tmpfs",       "expose", "devices",     "secrets",    "configs",
	    "env_file", "annotations", "labels", "environment", "sysctls"};
	static const char *const build[] = {"args", "additional_contexts", "tags", "labels"};
	struct cfg_node *v;

	if (!svc || svc->kind != CFG_NODE_MAP)
		return;
	for (size_t i = 0; i < sizeof(lists) / sizeof(lists[0]); i++)
		unique_seq(c, svc, lists[i]);
	if ((v = cfg_map_get(svc, "networks")) && v->kind == CFG_NODE_MAP)
		for (size_t i = 0; i < v->n; i++)
			if (v->pairs[i].value->kind == CFG_NODE_MAP) {
				unique_seq(c, v->pairs[i].value, "aliases");
				unique_seq(c, v->pairs[i].value, "link_local_ips");
			}
	if ((v = cfg_map_get(svc, "build")) && v->kind == CFG_NODE_MAP)
		for (size_t i = 0; i < sizeof(build) / sizeof(build[0]); i++)
			unique_seq(c, v, build[i]);
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
		struct cfg_pair *had = cfg_map_pair(root, p->key->raw);
		if (p->value->tag == CFG_TAG_RESET) {
			cfg_map_drop(root, p->key->raw);
		} else if (section && p->value->tag != CFG_TAG_OVERRIDE) {
			section_merge(c, root, p, true);
		} else if (had && (!strncmp(p->key->raw, "x-", 2) || cfg_is_null(p->value))) {
			/* compose-go's plain rules, none of the services' */
			had->value = p->value->tag == CFG_TAG_OVERRIDE
					 ? p->value
					 : merge(c, NULL, p->key->raw, had->value, p->value, 0);
		} else {
			cfg_map_put(c->tree, root, p->key, p->value);
		}
	}
	return r;
}
