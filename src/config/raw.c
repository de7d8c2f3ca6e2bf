/* Compose service keys lxr does not model yet (gpus, cgroup, post_start,
 * ...): kept as written, after interpolation, so that `lxr config` loads
 * and prints a file that uses them (its output loads again) and `lxr up`
 * refuses them by name (the support table), instead of the loader
 * refusing the whole file. */
#define _GNU_SOURCE
#include <ctype.h>
#include <limits.h>
#include <stdlib.h>
#include <string.h>

#include "config/emit.h"
#include "config/config_internal.h"

/* Aliases share nodes, so a small file can stand for a huge tree ("billion
 * laughs"): the copy is bounded, and so are the x- keys' of a whole file. */
#define RAW_MAX_NODES 10000
#define EXT_MAX_NODES 100000
#define RAW_MAX_DEPTH 32

static int copy(struct cfg_ctx *c, struct cfg_node *n, struct cfg_raw *out, size_t *budget,
		int depth, const char *what)
{
	int r = 0;

	memset(out, 0, sizeof(*out));
	if (!*budget || depth > RAW_MAX_DEPTH) {
		*budget = 0; /* the rest is not copied; the caller reports it */
		return -1;
	}
	(*budget)--;
	if (cfg_is_null(n)) {
		out->kind = CFG_RAW_NULL;
		return 0;
	}
	if (n->kind == CFG_NODE_SCALAR) {
		const char *v = cfg_scalar(c, n, what);
		if (!v)
			return -1;
		out->kind = CFG_RAW_SCALAR;
		out->scalar = lxr_xstrdup(v);
		out->plain = n->plain;
		return 0;
	}
	out->kind = n->kind == CFG_NODE_MAP ? CFG_RAW_MAP : CFG_RAW_SEQ;
	out->items = lxr_xcalloc(n->n + 1, sizeof(*out->items));
	if (n->kind == CFG_NODE_MAP)
		out->keys = lxr_xcalloc(n->n + 1, sizeof(*out->keys));
	for (size_t i = 0; i < n->n; i++) {
		struct cfg_node *v = n->kind == CFG_NODE_MAP ? n->pairs[i].value : n->items[i];
		if (n->kind == CFG_NODE_MAP)
			out->keys[i] = lxr_xstrdup(n->pairs[i].key->raw);
		out->n++;
		if (copy(c, v, &out->items[i], budget, depth + 1, what) < 0) {
			r = -1;
			if (!*budget)
				break; /* reported once */
		}
	}
	return r;
}

int cfg_raw_copy(struct cfg_ctx *c, struct cfg_node *n, const char *what, size_t max_nodes,
		 struct cfg_raw *out)
{
	size_t budget = max_nodes;

	cfg_raw_free(out);
	if (copy(c, n, out, &budget, 0, what) == 0)
		return 0;
	if (!budget)
		cfg_error(c, n, "%s: more than %zu values, or %d levels deep", what, max_nodes,
			  RAW_MAX_DEPTH);
	return -1;
}

int cfg_raw_read(struct cfg_ctx *c, struct cfg_node *n, const char *what, struct cfg_raw *out)
{
	return cfg_raw_copy(c, n, what, RAW_MAX_NODES, out);
}

static struct cfg_raw_key *push_key(struct cfg_raw_key **list, size_t *n, const char *key,
				    struct cfg_pos pos)
{
	struct cfg_raw_key *k;

	*list = lxr_xrealloc(*list, (*n + 1) * sizeof(**list));
	k = &(*list)[(*n)++];
	memset(k, 0, sizeof(*k));
	k->key = lxr_xstrdup(key);
	k->pos = pos;
	return k;
}

int cfg_svc_read_raw(struct cfg_ctx *c, struct cfg_node *n, struct cfg_service *s, const char *key)
{
	struct cfg_raw_key *k = push_key(&s->unmodelled, &s->n_unmodelled, key, n->pos);

	return cfg_raw_read(c, n, key, &k->value);
}

void cfg_raw_keep_extensions(struct cfg_ctx *c, struct cfg_node *m, struct cfg_raw_key **list,
			     size_t *n)
{
	for (size_t i = 0; m->kind == CFG_NODE_MAP && i < m->n; i++) {
		const struct cfg_node *key = m->pairs[i].key;
		struct cfg_raw_key *k;
		size_t left = EXT_MAX_NODES - c->ext_nodes;
		size_t budget = left < RAW_MAX_NODES ? left : RAW_MAX_NODES, had = budget;

		if (strncmp(key->raw, "x-", 2) || !strcmp(key->raw, "x-lxr"))
			continue;
		k = push_key(list, n, key->raw, key->pos);
		/* its scalars are interpolated already (an error there said):
		 * one too big or that failed is left out, not an error twice */
		if (copy(c, m->pairs[i].value, &k->value, &budget, 0, key->raw) < 0) {
			if (!budget)
				cfg_warn(c, key,
					 "%s: more than %d values (aliases counted each time), "
					 "or the file's x- keys more than %d: not printed by "
					 "lxr config",
					 key->raw, RAW_MAX_NODES, EXT_MAX_NODES);
			free(k->key);
			cfg_raw_free(&k->value);
			(*n)--;
		}
		c->ext_nodes += had - budget;
	}
}

void cfg_raw_free(struct cfg_raw *v)
{
	for (size_t i = 0; i < v->n; i++) {
		if (v->keys)
			free(v->keys[i]);
		cfg_raw_free(&v->items[i]);
	}
	free(v->keys);
	free(v->items);
	free(v->scalar);
	memset(v, 0, sizeof(*v));
}

void cfg_raw_keys_free(struct cfg_raw_key *v, size_t n)
{
	for (size_t i = 0; i < n; i++) {
		free(v[i].key);
		cfg_raw_free(&v[i].value);
	}
	free(v);
}

/* An unquoted scalar that YAML reads as a number or a boolean is printed
 * as one, so the value keeps its type when the output is read again (and
 * the JSON output stays JSON): a number as go-yaml types it and compose
 * prints it back (012 is 10, 0x1f 31, 1e3 1000, 1.50 1.5); NULL for any
 * other text (a date, .inf, which JSON has not, stay strings). */
static char *number(const char *s)
{
	char *t = cfg_go_plain_text(s);

	if (t && (strchr(t, ' ') || strchr(t, 'N') || strchr(t, 'I') || !strcmp(t, "true") ||
		  !strcmp(t, "false"))) {
		free(t);
		return NULL;
	}
	return t;
}

static int boolean(const char *s)
{
	if (!strcmp(s, "true") || !strcmp(s, "True") || !strcmp(s, "TRUE"))
		return 1;
	if (!strcmp(s, "false") || !strcmp(s, "False") || !strcmp(s, "FALSE"))
		return 0;
	return -1;
}

void cfg_dump_raw(struct cfg_out *o, const struct cfg_raw *v)
{
	_cleanup_free_ char *num = NULL;

	switch (v->kind) {
	case CFG_RAW_NULL: cfg_out_null(o); break;
	case CFG_RAW_SCALAR:
		if (v->plain && boolean(v->scalar) >= 0)
			cfg_out_bool(o, boolean(v->scalar));
		else if (v->plain && (num = number(v->scalar)))
			cfg_out_number(o, num);
		else
			cfg_out_str(o, v->scalar);
		break;
	case CFG_RAW_MAP:
		cfg_out_map(o);
		for (size_t i = 0; i < v->n; i++) {
			cfg_out_key(o, v->keys[i]);
			cfg_dump_raw(o, &v->items[i]);
		}
		cfg_out_end_map(o);
		break;
	case CFG_RAW_SEQ:
		cfg_out_seq(o);
		for (size_t i = 0; i < v->n; i++)
			cfg_dump_raw(o, &v->items[i]);
		cfg_out_end_seq(o);
		break;
	}
}

/* go-yaml's order of a map's string keys when it prints one (compose
 * prints x- values as maps): letters by code, a run of digits by its
 * number, and a letter after digits before anything else */
static bool is_letter(unsigned char ch)
{
	return isalpha(ch) || ch >= 0x80;
}

static bool key_less(const char *a, const char *b)
{
	bool digits = false;
	size_t i = 0;

	for (; a[i] && b[i]; i++) {
		unsigned char x = (unsigned char)a[i], y = (unsigned char)b[i];
		if (x == y) {
			digits = isdigit(x);
			continue;
		}
		bool al = is_letter(x), bl = is_letter(y);
		if (al && bl)
			return x < y;
		if (al || bl)
			return digits ? al : bl;
		long long an = 0, bn = 0;
		size_t ai = i, bi = i;
		if (x == '0' || y == '0')
			for (size_t j = i; j-- > 0 && isdigit((unsigned char)a[j]);)
				if (a[j] != '0') {
					an = bn = 1;
					break;
				}
		for (; isdigit((unsigned char)a[ai]) && an < LLONG_MAX / 10; ai++)
			an = an * 10 + (a[ai] - '0');
		for (; isdigit((unsigned char)b[bi]) && bn < LLONG_MAX / 10; bi++)
			bn = bn * 10 + (b[bi] - '0');
		if (an != bn)
			return an < bn;
		if (ai != bi)
			return ai < bi;
		return x < y;
	}
	return !a[i] && b[i];
}

/* a map's key and where its value is, sorted by key_less */
struct ord {
	const char *key;
	size_t i;
};

static int ord_cmp(const void *a, const void *b)
{
	const char *x = ((const struct ord *)a)->key, *y = ((const struct ord *)b)->key;

	return key_less(x, y) ? -1 : key_less(y, x) ? 1 : 0;
}

static struct ord *sorted_keys(char *const *keys, size_t n, size_t stride)
{
	struct ord *ord = lxr_xcalloc(n + 1, sizeof(*ord));

	for (size_t i = 0; i < n; i++)
		ord[i] = (struct ord){*(char *const *)((const char *)keys + i * stride), i};
	qsort(ord, n, sizeof(*ord), ord_cmp);
	return ord;
}

/* v with every map's keys in go-yaml's order */
static void dump_sorted(struct cfg_out *o, const struct cfg_raw *v)
{
	if (v->kind == CFG_RAW_SEQ) {
		cfg_out_seq(o);
		for (size_t i = 0; i < v->n; i++)
			dump_sorted(o, &v->items[i]);
		cfg_out_end_seq(o);
	} else if (v->kind == CFG_RAW_MAP) {
		_cleanup_free_ struct ord *ord = sorted_keys(v->keys, v->n, sizeof(char *));
		cfg_out_map(o);
		for (size_t i = 0; i < v->n; i++) {
			cfg_out_key(o, ord[i].key);
			dump_sorted(o, &v->items[ord[i].i]);
		}
		cfg_out_end_map(o);
	} else {
		cfg_dump_raw(o, v);
	}
}

void cfg_dump_extensions(struct cfg_out *o, const struct cfg_raw_key *v, size_t n)
{
	_cleanup_free_ struct ord *ord =
	    sorted_keys(n ? &v[0].key : NULL, n, sizeof(struct cfg_raw_key));

	for (size_t i = 0; i < n; i++) {
		cfg_out_key(o, ord[i].key);
		dump_sorted(o, &v[ord[i].i].value);
	}
}

void cfg_dump_service_unmodelled(struct cfg_out *o, const struct cfg_service *s)
{
	for (size_t i = 0; i < s->n_unmodelled; i++) {
		cfg_out_key(o, s->unmodelled[i].key);
		cfg_dump_raw(o, &s->unmodelled[i].value);
	}
}
