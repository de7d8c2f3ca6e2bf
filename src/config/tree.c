/* The node tree a stack file becomes: its arena (every node and string of
 * one file lives as long as the tree, freed in one go), what a node is, and
 * the few edits the merges make to mappings and lists. yaml.c builds it,
 * read.c reads typed values out of it, merge.c merges trees. */
#define _GNU_SOURCE
#include <stddef.h>
#include <ctype.h>
#include <stdlib.h>
#include <string.h>

#include "config/config_internal.h"

#define ARENA_BLOCK (64 * 1024)

struct cfg_arena {
	struct cfg_arena *next;
	size_t used, size;
	max_align_t data[];
};

void *cfg_tree_alloc(struct cfg_tree *t, size_t n)
{
	struct cfg_arena *a = t->arena;

	n = (n + sizeof(max_align_t) - 1) / sizeof(max_align_t) * sizeof(max_align_t);
	if (!a || a->size - a->used < n) {
		size_t sz = n > ARENA_BLOCK ? n : ARENA_BLOCK;
		a = lxr_xmalloc(sizeof(*a) + sz);
		a->used = 0;
		a->size = sz;
		a->next = t->arena;
		t->arena = a;
	}
	void *p = (char *)a->data + a->used;
	a->used += n;
	memset(p, 0, n);
	return p;
}

char *cfg_tree_strndup(struct cfg_tree *t, const char *s, size_t n)
{
	char *p = cfg_tree_alloc(t, n + 1);
	memcpy(p, s, n);
	p[n] = 0;
	return p;
}

char *cfg_tree_strdup(struct cfg_tree *t, const char *s)
{
	return cfg_tree_strndup(t, s, strlen(s));
}

void cfg_tree_free(struct cfg_tree *t)
{
	struct cfg_arena *a = t->arena;

	while (a) {
		struct cfg_arena *next = a->next;
		free(a);
		a = next;
	}
	t->arena = NULL;
	t->root = NULL;
}

/* a YAML 1.2 core schema int or float: 12, -3, 0x1f, 0o17, 1.5, 2e3, .inf */
static bool plain_number(const char *s)
{
	char *end;

	if (!strcmp(s, ".inf") || !strcmp(s, "-.inf") || !strcmp(s, "+.inf") ||
	    !strcmp(s, ".nan") || !strcmp(s, ".NaN"))
		return true;
	if (!*s || isspace((unsigned char)*s))
		return false;
	if (!strncmp(s, "0o", 2))
		return s[2] && strspn(s + 2, "01234567") == strlen(s + 2);
	strtod(s, &end);
	return *end == '\0' && strpbrk(s, "0123456789") && !strpbrk(s, "pPiInN");
}

const char *cfg_kind_name(const struct cfg_node *n)
{
	switch (n->kind) {
	case CFG_NODE_MAP: return "mapping";
	case CFG_NODE_SEQ: return "list";
	default: break;
	}
	/* what YAML reads a plain scalar as, as compose's go-yaml does */
	if (cfg_is_null(n))
		return "null value";
	if (n->plain &&
	    (!strcmp(n->raw, "true") || !strcmp(n->raw, "false") || !strcmp(n->raw, "True") ||
	     !strcmp(n->raw, "False") || !strcmp(n->raw, "TRUE") || !strcmp(n->raw, "FALSE")))
		return "boolean";
	if (n->plain && plain_number(n->raw))
		return "number";
	return "string";
}

bool cfg_is_null(const struct cfg_node *n)
{
	static const char *const nulls[] = {"", "~", "null", "Null", "NULL"};

	if (n->kind != CFG_NODE_SCALAR || !n->plain)
		return false;
	for (size_t i = 0; i < sizeof(nulls) / sizeof(nulls[0]); i++)
		if (!strcmp(n->raw, nulls[i]))
			return true;
	return false;
}

struct cfg_node *cfg_node_new(struct cfg_tree *t, enum cfg_node_kind k, struct cfg_pos pos)
{
	struct cfg_node *n = cfg_tree_alloc(t, sizeof(*n));

	n->kind = k;
	n->pos = pos;
	return n;
}

struct cfg_pair *cfg_map_pair(const struct cfg_node *m, const char *key)
{
	for (size_t i = 0; m && m->kind == CFG_NODE_MAP && i < m->n; i++)
		if (!strcmp(m->pairs[i].key->raw, key))
			return &m->pairs[i];
	return NULL;
}

struct cfg_node *cfg_map_get(const struct cfg_node *m, const char *key)
{
	struct cfg_pair *p = cfg_map_pair(m, key);

	return p ? p->value : NULL;
}

void cfg_map_put(struct cfg_tree *t, struct cfg_node *m, struct cfg_node *k, struct cfg_node *v)
{
	struct cfg_pair *had = cfg_map_pair(m, k->raw), *p;

	if (had) {
		had->value = v;
		return;
	}
	p = cfg_tree_alloc(t, (m->n + 1) * sizeof(*p));
	if (m->n)
		memcpy(p, m->pairs, m->n * sizeof(*p));
	p[m->n++] = (struct cfg_pair){k, v};
	m->pairs = p;
}

void cfg_map_drop(struct cfg_node *m, const char *key)
{
	struct cfg_pair *p = cfg_map_pair(m, key);

	if (p) {
		memmove(p, p + 1, (size_t)(m->pairs + m->n - p - 1) * sizeof(*p));
		m->n--;
	}
}

void cfg_seq_push(struct cfg_tree *t, struct cfg_node *s, struct cfg_node *item)
{
	struct cfg_node **v = cfg_tree_alloc(t, (s->n + 1) * sizeof(*v));

	if (s->n)
		memcpy(v, s->items, s->n * sizeof(*v));
	v[s->n++] = item;
	s->items = v;
}
