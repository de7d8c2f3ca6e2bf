/* libyaml document -> node tree. Aliases stay shared (the tree is a DAG) so
 * an alias bomb costs nothing until something walks it, and `<<` merge keys
 * are resolved here, once, by the YAML merge-key rule: explicit keys win,
 * then earlier merge sources over later ones. */
#define _GNU_SOURCE
#include <stdio.h>
#include <string.h>
#include <yaml.h>

#include "config/config_internal.h"

/* Deeper than any stack file needs; bounds recursion on hostile input. */
#define MAX_DEPTH 64

struct builder {
	struct cfg_ctx *c;
	yaml_document_t *doc;
	struct cfg_tree *t;
	struct cfg_node **memo; /* by libyaml node index */
	unsigned char *busy;    /* node being built: an alias back to it is a cycle */
};

static struct cfg_pos mark_pos(struct cfg_ctx *c, yaml_mark_t m)
{
	return (struct cfg_pos){c->file, (int)m.line + 1, (int)m.column + 1};
}

static struct cfg_node *build(struct builder *b, int idx, int depth);

static struct cfg_node *build_scalar(struct builder *b, yaml_node_t *yn, struct cfg_node *n)
{
	const char *v = (const char *)yn->data.scalar.value;
	size_t len = yn->data.scalar.length;

	n->kind = CFG_NODE_SCALAR;
	n->plain = yn->data.scalar.style == YAML_PLAIN_SCALAR_STYLE;
	n->single_line = yn->start_mark.line == yn->end_mark.line;
	if (memchr(v, 0, len)) {
		cfg_error(b->c, n, "NUL character in a scalar");
		len = strlen(v);
	}
	n->raw = cfg_tree_strndup(b->t, v, len);
	return n;
}

static struct cfg_node *build_seq(struct builder *b, yaml_node_t *yn, struct cfg_node *n, int depth)
{
	yaml_node_item_t *it = yn->data.sequence.items.start;
	size_t cnt = (size_t)(yn->data.sequence.items.top - it);

	n->kind = CFG_NODE_SEQ;
	n->items = cfg_tree_alloc(b->t, cnt * sizeof(*n->items));
	for (size_t i = 0; i < cnt; i++) {
		struct cfg_node *item = build(b, it[i], depth + 1);
		if (item)
			n->items[n->n++] = item;
	}
	return n;
}

static bool has_key(const struct cfg_node *m, size_t upto, const char *key)
{
	for (size_t i = 0; i < upto; i++)
		if (!strcmp(m->pairs[i].key->raw, key))
			return true;
	return false;
}

static bool is_merge_key(const struct cfg_node *k)
{
	return k->plain && !strcmp(k->raw, "<<");
}

/* Append the pairs of merge source src that m does not have yet. */
static void merge_from(struct builder *b, struct cfg_node *m, size_t *cap,
		       const struct cfg_node *src, const struct cfg_node *at)
{
	if (src->kind != CFG_NODE_MAP) {
		cfg_error_hint(b->c, at, "merge a mapping, e.g. `<<: *defaults`",
			       "the value of a `<<` merge key must be a mapping or a list of "
			       "mappings, not a %s",
			       cfg_kind_name(src));
		return;
	}
	for (size_t i = 0; i < src->n; i++) {
		if (has_key(m, m->n, src->pairs[i].key->raw))
			continue;
		if (m->n == *cap) {
			size_t ncap = *cap * 2 + 4;
			struct cfg_pair *p = cfg_tree_alloc(b->t, ncap * sizeof(*p));
			memcpy(p, m->pairs, m->n * sizeof(*p));
			m->pairs = p;
			*cap = ncap;
		}
		m->pairs[m->n++] = src->pairs[i];
	}
}

static void add_explicit(struct builder *b, struct cfg_node *m, struct cfg_node *k,
			 struct cfg_node *v)
{
	if (k->kind != CFG_NODE_SCALAR) {
		cfg_error(b->c, k, "mapping keys must be strings, not a %s", cfg_kind_name(k));
		return;
	}
	if (has_key(m, m->n, k->raw)) {
		cfg_error_hint(b->c, k, "remove one of them", "duplicate key \"%s\"", k->raw);
		return;
	}
	m->pairs[m->n++] = (struct cfg_pair){k, v};
}

static struct cfg_node *build_map(struct builder *b, yaml_node_t *yn, struct cfg_node *n, int depth)
{
	yaml_node_pair_t *p = yn->data.mapping.pairs.start;
	size_t cnt = (size_t)(yn->data.mapping.pairs.top - p), cap = cnt;
	struct cfg_node *merges[64], *merge_keys[64];
	size_t n_merges = 0;

	n->kind = CFG_NODE_MAP;
	n->pairs = cfg_tree_alloc(b->t, cap * sizeof(*n->pairs));
	for (size_t i = 0; i < cnt; i++) {
		struct cfg_node *k = build(b, p[i].key, depth + 1);
		struct cfg_node *v = build(b, p[i].value, depth + 1);
		if (!k || !v)
			continue;
		if (k->kind == CFG_NODE_SCALAR && is_merge_key(k)) {
			if (n_merges < sizeof(merges) / sizeof(merges[0])) {
				merge_keys[n_merges] = k;
				merges[n_merges++] = v;
			} else
				cfg_error(b->c, k, "too many `<<` merge keys in one mapping");
			continue;
		}
		add_explicit(b, n, k, v);
	}
	for (size_t i = 0; i < n_merges; i++) {
		if (merges[i]->kind != CFG_NODE_SEQ) {
			merge_from(b, n, &cap, merges[i], merge_keys[i]);
			continue;
		}
		for (size_t j = 0; j < merges[i]->n; j++)
			merge_from(b, n, &cap, merges[i]->items[j], merge_keys[i]);
	}
	return n;
}

static struct cfg_node *build(struct builder *b, int idx, int depth)
{
	yaml_node_t *yn = yaml_document_get_node(b->doc, idx);
	struct cfg_node *n;

	if (!yn)
		return NULL;
	if (b->memo[idx])
		return b->memo[idx];
	if (b->busy[idx]) {
		cfg_diag_add(b->c, mark_pos(b->c, yn->start_mark), false, NULL,
			     "an alias refers to a node that contains it (recursive YAML)");
		return NULL;
	}
	if (depth > MAX_DEPTH) {
		cfg_diag_add(b->c, mark_pos(b->c, yn->start_mark), false, NULL,
			     "nesting deeper than %d levels", MAX_DEPTH);
		return NULL;
	}
	b->busy[idx] = 1;
	n = cfg_tree_alloc(b->t, sizeof(*n));
	n->pos = mark_pos(b->c, yn->start_mark);
	if (yn->tag && !strcmp((const char *)yn->tag, "!reset"))
		n->tag = CFG_TAG_RESET;
	else if (yn->tag && !strcmp((const char *)yn->tag, "!override"))
		n->tag = CFG_TAG_OVERRIDE;
	if (yn->type == YAML_SCALAR_NODE)
		build_scalar(b, yn, n);
	else if (yn->type == YAML_SEQUENCE_NODE)
		build_seq(b, yn, n, depth);
	else
		build_map(b, yn, n, depth);
	b->busy[idx] = 0;
	b->memo[idx] = n;
	return n;
}

static bool dup_anchor(const yaml_parser_t *p)
{
	return p->context && strstr(p->context, "duplicate anchor");
}

/* With retry set, a duplicate anchor is not reported: the caller renames
 * the anchors (renamed_anchors) and parses again. */
static bool retry;

static void parser_error(struct cfg_ctx *c, yaml_parser_t *p)
{
	yaml_mark_t m = p->problem_mark;

	if (retry && dup_anchor(p))
		return;

	if (p->context)
		cfg_diag_add(c, mark_pos(c, m), false, NULL, "invalid YAML: %s %s", p->problem,
			     p->context);
	else
		cfg_diag_add(c, mark_pos(c, m), false, NULL, "invalid YAML: %s",
			     p->problem ? p->problem : "syntax error");
}

/* A document's nodes, in t's arena; NULL when it had errors. */
static struct cfg_node *build_doc(struct cfg_ctx *c, yaml_document_t *doc, struct cfg_tree *t)
{
	size_t nn = (size_t)(doc->nodes.top - doc->nodes.start);
	struct builder b = {c, doc, t, NULL, NULL};
	size_t before = c->diags->n_errors;
	struct cfg_node *root;

	b.memo = lxr_xcalloc(nn + 1, sizeof(*b.memo));
	b.busy = lxr_xcalloc(nn + 1, 1);
	root = build(&b, 1, 0);
	free(b.memo);
	free(b.busy);
	return c->diags->n_errors > before ? NULL : root;
}

/* compose-go: the documents after the first (`---`) merge over it, each
 * as an override file would; an empty one adds nothing. */
static int merge_more(struct cfg_ctx *c, yaml_parser_t *p, struct cfg_tree *t)
{
	struct cfg_tree *saved = c->tree;
	int r = 0;

	c->tree = t; /* what the merge adds lives as long as the nodes it joins */
	for (;;) {
		yaml_document_t doc;
		yaml_node_t *yroot;
		struct cfg_node *more;
		if (!yaml_parser_load(p, &doc)) {
			parser_error(c, p);
			r = -1;
			break;
		}
		yroot = yaml_document_get_root_node(&doc);
		if (!yroot) { /* the end of the stream */
			yaml_document_delete(&doc);
			break;
		}
		more = build_doc(c, &doc, t);
		yaml_document_delete(&doc);
		if (!more) {
			r = -1;
		} else if (more->kind == CFG_NODE_MAP) {
			if (t->root->kind == CFG_NODE_MAP &&
			    cfg_override_merge(c, t->root, more, c->file) < 0)
				r = -1;
		} else if (!cfg_is_null(more)) {
			cfg_diag_add(c, more->pos, false, NULL,
				     "a YAML document of a stack file must be a mapping, not a %s",
				     cfg_kind_name(more));
			r = -1;
		}
	}
	c->tree = saved;
	return r;
}

static int parse(struct cfg_ctx *c, const char *text, size_t len, struct cfg_tree *t, bool *dup)
{
	yaml_parser_t p;
	yaml_document_t doc;
	int r = -1;

	memset(t, 0, sizeof(*t));
	if (!yaml_parser_initialize(&p))
		abort();
	yaml_parser_set_input_string(&p, (const unsigned char *)text, len);
	if (!yaml_parser_load(&p, &doc)) {
		*dup = dup_anchor(&p);
		parser_error(c, &p);
		goto out;
	}
	if (!yaml_document_get_root_node(&doc) && c->empty_ok) {
		yaml_document_delete(&doc);
		r = 0;
		goto out;
	}
	if (!yaml_document_get_root_node(&doc)) {
		cfg_diag_add(c, (struct cfg_pos){c->file, 1, 1}, false,
			     "a stack file needs at least a `services:` mapping",
			     "the stack file is empty");
		yaml_document_delete(&doc);
		goto out;
	}
	t->root = build_doc(c, &doc, t);
	yaml_document_delete(&doc);
	r = t->root ? merge_more(c, &p, t) : -1;
	*dup = r < 0 && dup_anchor(&p);
out:
	yaml_parser_delete(&p);
	if (r < 0)
		cfg_tree_free(t);
	return r;
}

/* libyaml's marks count characters, not bytes, and not a leading BOM: the
 * byte where character index starts, walking on from *cur (marks only grow
 * along the events) */
struct cursor {
	size_t chars, bytes;
};

static size_t byte_at(const char *text, size_t len, struct cursor *cur, size_t index)
{
	while (cur->chars < index && cur->bytes < len) {
		cur->bytes++;
		while (cur->bytes < len && ((unsigned char)text[cur->bytes] & 0xc0) == 0x80)
			cur->bytes++;
		cur->chars++;
	}
	return cur->bytes;
}

struct anchor {
	char *name; /* as written */
	char *now;  /* what its latest definition is called in the copy */
};

static bool name_taken(const struct anchor *v, size_t n, const char *name)
{
	for (size_t i = 0; i < n; i++)
		if (!strcmp(v[i].name, name) || !strcmp(v[i].now, name))
			return true;
	return false;
}

/* A name of name's length that no anchor of the file has: its last
 * characters turned to others an anchor may hold, so nothing after it on
 * its line moves (positions in messages stay the file's). */
static char *fresh_name(const struct anchor *v, size_t n, const char *name)
{
	static const char chars[] = "0123456789abcdefghijklmnopqrstuvwxyz"
				    "ABCDEFGHIJKLMNOPQRSTUVWXYZ_-";
	size_t len = strlen(name);
	char *out = lxr_xstrdup(name);

	for (size_t at = len; at-- > 0;)
		for (size_t k = 0; k < sizeof(chars) - 1; k++) {
			out[at] = chars[k];
			if (!name_taken(v, n, out))
				return out;
			/* and one position further in, with every choice here */
			for (size_t at2 = at; at2-- > 0;)
				for (size_t k2 = 0; k2 < sizeof(chars) - 1; k2++) {
					char keep = out[at2];
					out[at2] = chars[k2];
					if (!name_taken(v, n, out))
						return out;
					out[at2] = keep;
				}
		}
	free(out);
	return NULL;
}

/* The YAML spec (and go-yaml, which compose-go reads files with) lets an
 * anchor be defined again: an alias names the latest definition before it.
 * libyaml's loader refuses that; lxr gives each definition after the first,
 * and the aliases that follow it, a name of its own of the same length,
 * found with libyaml's event parser, in a copy of the text. NULL: nothing
 * to rename, or a name it could not place. */
static char *renamed_anchors(const char *text, size_t len)
{
	struct anchor *v = NULL;
	size_t n = 0;
	struct cursor cur = {0, len >= 3 && !memcmp(text, "\xef\xbb\xbf", 3) ? 3 : 0};
	char *out = lxr_xmalloc(len + 1);
	bool changed = false, ok = true;
	yaml_parser_t p;
	yaml_event_t ev;

	memcpy(out, text, len);
	out[len] = '\0';
	if (!yaml_parser_initialize(&p))
		abort();
	yaml_parser_set_input_string(&p, (const unsigned char *)text, len);
	while (ok && yaml_parser_parse(&p, &ev)) {
		const char *anchor = NULL;
		bool def = true;
		size_t k;
		if (ev.type == YAML_STREAM_END_EVENT) {
			yaml_event_delete(&ev);
			break;
		}
		if (ev.type == YAML_ALIAS_EVENT)
			anchor = (const char *)ev.data.alias.anchor, def = false;
		else if (ev.type == YAML_SCALAR_EVENT)
			anchor = (const char *)ev.data.scalar.anchor;
		else if (ev.type == YAML_SEQUENCE_START_EVENT)
			anchor = (const char *)ev.data.sequence_start.anchor;
		else if (ev.type == YAML_MAPPING_START_EVENT)
			anchor = (const char *)ev.data.mapping_start.anchor;
		for (k = 0; anchor && k < n && strcmp(v[k].name, anchor); k++)
			;
		if (anchor && k == n && def) {
			v = lxr_xrealloc(v, (n + 1) * sizeof(*v));
			v[n].name = lxr_xstrdup(anchor);
			v[n++].now = lxr_xstrdup(anchor);
		} else if (anchor && k < n) {
			/* the token: at the node's start, or after its tag */
			size_t from = byte_at(text, len, &cur, ev.start_mark.index);
			_cleanup_free_ char *tok = lxr_xasprintf("%c%s", def ? '&' : '*', anchor);
			const char *at = memmem(text + from, len - from, tok, strlen(tok));
			if (def) {
				char *now = fresh_name(v, n, anchor);
				ok = now != NULL;
				free(v[k].now);
				v[k].now = now;
			}
			ok = ok && at;
			if (ok && strcmp(v[k].now, anchor)) {
				memcpy(out + (at - text) + 1, v[k].now, strlen(anchor));
				changed = true;
			}
		}
		yaml_event_delete(&ev);
	}
	yaml_parser_delete(&p);
	for (size_t i = 0; i < n; i++) {
		free(v[i].name);
		free(v[i].now);
	}
	free(v);
	if (!ok || !changed) {
		free(out);
		return NULL;
	}
	return out;
}

int cfg_tree_parse(struct cfg_ctx *c, const char *text, size_t len, struct cfg_tree *t)
{
	_cleanup_free_ char *renamed = NULL;
	size_t before = c->diags->n;
	bool dup = false;
	int r;

	retry = true;
	r = parse(c, text, len, t, &dup);
	retry = false;
	if (r == 0 || !dup || !(renamed = renamed_anchors(text, len)))
		return r;
	/* again from the start: what the first try said, it says again */
	cfg_diags_truncate(c->diags, before);
	return parse(c, renamed, len, t, &dup);
}
