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

struct edit {
	size_t at, len; /* the "&name" or "*name" replaced */
	unsigned gen;   /* its anchor's definition: name-lxrGEN */
};

/* The YAML spec (and go-yaml, which compose-go reads files with) lets an
 * anchor be defined again: an alias names the latest definition before it.
 * libyaml's loader refuses that; lxr renames each definition after the
 * first, and the aliases that follow it, to a name of its own. */
static char *renamed_anchors(const char *text, size_t len, size_t *out_len)
{
	struct {
		char *name;
		unsigned gen;
	} *seen = NULL;
	struct edit *ed = NULL;
	size_t n_seen = 0, n_ed = 0, cap = 0;
	yaml_parser_t p;
	yaml_event_t ev;
	char *out = NULL;

	if (!yaml_parser_initialize(&p))
		abort();
	yaml_parser_set_input_string(&p, (const unsigned char *)text, len);
	while (yaml_parser_parse(&p, &ev)) {
		const char *anchor = NULL, *mark = NULL;
		size_t k;
		if (ev.type == YAML_STREAM_END_EVENT) {
			yaml_event_delete(&ev);
			break;
		}
		if (ev.type == YAML_ALIAS_EVENT)
			anchor = (const char *)ev.data.alias.anchor, mark = "*";
		else if (ev.type == YAML_SCALAR_EVENT)
			anchor = (const char *)ev.data.scalar.anchor, mark = "&";
		else if (ev.type == YAML_SEQUENCE_START_EVENT)
			anchor = (const char *)ev.data.sequence_start.anchor, mark = "&";
		else if (ev.type == YAML_MAPPING_START_EVENT)
			anchor = (const char *)ev.data.mapping_start.anchor, mark = "&";
		for (k = 0; anchor && k < n_seen && strcmp(seen[k].name, anchor); k++)
			;
		if (anchor && k == n_seen && *mark == '&') {
			seen = lxr_xrealloc(seen, (n_seen + 1) * sizeof(*seen));
			seen[n_seen].name = lxr_xstrdup(anchor);
			seen[n_seen++].gen = 0;
		} else if (anchor && k < n_seen) {
			/* the token is at the node's start, or after its tag */
			_cleanup_free_ char *tok = lxr_xasprintf("%s%s", mark, anchor);
			const char *from = text + ev.start_mark.index;
			const char *at = memmem(from, len - ev.start_mark.index, tok, strlen(tok));
			if (*mark == '&')
				seen[k].gen++;
			if (at && seen[k].gen) {
				if (n_ed == cap)
					ed = lxr_xrealloc(ed,
							  (cap = cap ? 2 * cap : 16) * sizeof(*ed));
				ed[n_ed++] =
				    (struct edit){(size_t)(at - text), strlen(tok), seen[k].gen};
			}
		}
		yaml_event_delete(&ev);
	}
	yaml_parser_delete(&p);
	if (n_ed) {
		FILE *f = open_memstream(&out, out_len);
		size_t from = 0;
		for (size_t i = 0; f && i < n_ed; i++) {
			fwrite(text + from, 1, ed[i].at - from, f);
			fwrite(text + ed[i].at, 1, ed[i].len, f);
			fprintf(f, "-lxr%u", ed[i].gen);
			from = ed[i].at + ed[i].len;
		}
		if (f) {
			fwrite(text + from, 1, len - from, f);
			fclose(f);
		}
	}
	for (size_t i = 0; i < n_seen; i++)
		free(seen[i].name);
	free(seen);
	free(ed);
	return out;
}

int cfg_tree_parse(struct cfg_ctx *c, const char *text, size_t len, struct cfg_tree *t)
{
	_cleanup_free_ char *renamed = NULL;
	size_t n;
	bool dup = false;
	int r;

	retry = true;
	r = parse(c, text, len, t, &dup);
	retry = false;
	if (r == 0 || !dup)
		return r;
	renamed = renamed_anchors(text, len, &n);
	return parse(c, renamed ? renamed : text, renamed ? n : len, t, &dup);
}
