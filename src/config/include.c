/* Other stack files this one reads: Compose's top-level `include` and the
 * `file:` of `extends`. lxr reads them when they sit beside the stack file,
 * where their relative paths and .env mean what they say; a file elsewhere
 * is refused by name (its paths would need rebasing to its own directory,
 * which lxr does not do yet). */
#define _GNU_SOURCE
#include <errno.h>
#include <fcntl.h>
#include <string.h>

#include "config/internal.h"

#define INCLUDE_MAX_DEPTH 8
#define INCLUDE_MAX_FILES 64 /* bounds the work a file of includes can cause */

/* The files being included, outermost first, to refuse a cycle. */
struct chain {
	const char *path[INCLUDE_MAX_DEPTH + 2];
	int n;
	int files; /* included so far, in all */
};

struct cfg_node *cfg_load_beside(struct cfg_ctx *c, struct cfg_node *file, const char *what)
{
	_cleanup_free_ char *path = cfg_abs_path(c, file->val);
	_cleanup_free_ char *text = NULL;
	const char *slash = strrchr(path, '/');
	const char *saved = c->file;
	struct cfg_tree *t;
	size_t len;
	lxr_err err;

	if (strlen(c->dir) != (size_t)(slash - path) || strncmp(path, c->dir, strlen(c->dir))) {
		cfg_error_hint(c, file, "move the file next to the stack file",
			       "%s of a file in another directory is not supported yet", what);
		return NULL;
	}
	if (lxr_read_file_at(AT_FDCWD, path, &text, &len, &err) < 0) {
		cfg_error(c, file, "%s: %s: %s", what, path, strerror(err.errnum));
		return NULL;
	}
	t = lxr_xcalloc(1, sizeof(*t));
	c->file = cfg_diags_intern_file(c->diags, path);
	if (cfg_tree_parse(c, text, len, t) < 0) {
		c->file = saved;
		free(t);
		return NULL;
	}
	c->file = saved;
	c->extra_trees = lxr_xrealloc(c->extra_trees, (c->n_extra_trees + 1) * sizeof(t));
	c->extra_trees[c->n_extra_trees++] = t;
	if (t->root->kind != CFG_NODE_MAP) {
		cfg_error(c, file, "%s: %s is not a mapping", what, path);
		return NULL;
	}
	return t->root;
}

void cfg_extra_trees_free(struct cfg_ctx *c)
{
	for (size_t i = 0; i < c->n_extra_trees; i++) {
		cfg_tree_free(c->extra_trees[i]);
		free(c->extra_trees[i]);
	}
	free(c->extra_trees);
	c->extra_trees = NULL;
	c->n_extra_trees = 0;
}

static struct cfg_pair *pair_of(struct cfg_node *m, const char *key)
{
	for (size_t i = 0; m->kind == CFG_NODE_MAP && i < m->n; i++)
		if (!strcmp(m->pairs[i].key->raw, key))
			return &m->pairs[i];
	return NULL;
}

static void add_pair(struct cfg_ctx *c, struct cfg_node *m, struct cfg_pair p)
{
	struct cfg_pair *v = cfg_tree_alloc(c->tree, (m->n + 1) * sizeof(*v));

	if (m->n)
		memcpy(v, m->pairs, m->n * sizeof(*v));
	v[m->n++] = p;
	m->pairs = v;
}

/* Compose: a resource both files define is an error, not an override. */
static int add_section(struct cfg_ctx *c, struct cfg_node *root, struct cfg_pair *from,
		       const char *file)
{
	struct cfg_pair *to = pair_of(root, from->key->raw);
	int r = 0;

	if (from->value->kind != CFG_NODE_MAP)
		return 0; /* null, or wrong: reported when read */
	if (!to) {
		add_pair(c, root, *from);
		return 0;
	}
	if (to->value->kind != CFG_NODE_MAP) {
		struct cfg_node *m = cfg_tree_alloc(c->tree, sizeof(*m));
		if (!cfg_is_null(to->value))
			return 0;
		m->kind = CFG_NODE_MAP;
		m->pos = to->value->pos;
		to->value = m;
	}
	for (size_t i = 0; i < from->value->n; i++) {
		struct cfg_pair *p = &from->value->pairs[i];
		if (pair_of(to->value, p->key->raw)) {
			cfg_error_hint(c, p->key, "rename one of them",
				       "%.*s \"%s\" is also defined by the file that includes %s",
				       (int)strlen(from->key->raw) - 1, from->key->raw, p->key->raw,
				       file);
			r = -1;
			continue;
		}
		add_pair(c, to->value, *p);
	}
	return r;
}

static int include_one(struct cfg_ctx *c, struct cfg_node *root, struct cfg_node *entry,
		       struct chain *ch);

static int check_chain(struct cfg_ctx *c, struct cfg_node *path, const char *abs, struct chain *ch)
{
	for (int i = 0; i < ch->n; i++) {
		if (strcmp(ch->path[i], abs))
			continue;
		cfg_error_hint(c, path, "a file cannot include itself, directly or not",
			       "include: %s is already being included", path->val);
		return -1;
	}
	if (ch->n > INCLUDE_MAX_DEPTH || ++ch->files > INCLUDE_MAX_FILES) {
		cfg_error(c, path, "include: more than %d files deep or %d in all",
			  INCLUDE_MAX_DEPTH, INCLUDE_MAX_FILES);
		return -1;
	}
	return 0;
}

static int include_root(struct cfg_ctx *c, struct cfg_node *root, struct cfg_node *path,
			struct chain *ch)
{
	static const char *const sections[] = {"services", "networks", "volumes", "secrets",
					       "configs"};
	_cleanup_free_ char *abs = cfg_abs_path(c, path->val);
	struct cfg_node *inc;
	struct cfg_pair *nested;
	int r = 0;

	if (check_chain(c, path, abs, ch) < 0 || !(inc = cfg_load_beside(c, path, "include")))
		return -1;
	ch->path[ch->n++] = abs;
	nested = pair_of(inc, "include");
	for (size_t i = 0; nested && nested->value->kind == CFG_NODE_SEQ && i < nested->value->n;
	     i++)
		if (include_one(c, inc, nested->value->items[i], ch) < 0)
			r = -1;
	ch->n--;
	for (size_t i = 0; i < sizeof(sections) / sizeof(sections[0]); i++) {
		struct cfg_pair *p = pair_of(inc, sections[i]);
		if (p && add_section(c, root, p, path->val) < 0)
			r = -1;
	}
	return r;
}

/* "FILE", or {path: FILE | [FILE], project_directory, env_file}. */
static int include_one(struct cfg_ctx *c, struct cfg_node *root, struct cfg_node *entry,
		       struct chain *ch)
{
	struct cfg_node *path = entry;
	int r = 0;

	if (entry->kind == CFG_NODE_MAP) {
		path = NULL;
		for (size_t i = 0; i < entry->n; i++) {
			const char *k = entry->pairs[i].key->raw;
			if (!strcmp(k, "path")) {
				path = entry->pairs[i].value;
			} else if (!strcmp(k, "project_directory") || !strcmp(k, "env_file")) {
				cfg_error_hint(c, entry->pairs[i].key,
					       "drop it: the included file is read beside this "
					       "one, with this one's .env",
					       "include %s is not supported yet", k);
				r = -1;
			} else {
				cfg_error(c, entry->pairs[i].key, "unknown key \"%s\" in include",
					  k);
				r = -1;
			}
		}
		if (!path) {
			cfg_error_hint(c, entry, "add path: FILE", "include entry has no path");
			return -1;
		}
	}
	if (r < 0)
		return r;
	if (path->kind == CFG_NODE_SEQ) {
		for (size_t i = 0; i < path->n; i++)
			if (!cfg_scalar(c, path->items[i], "include path") ||
			    include_root(c, root, path->items[i], ch) < 0)
				r = -1;
		return r;
	}
	if (!cfg_scalar(c, path, "include path"))
		return -1;
	return include_root(c, root, path, ch);
}

int cfg_include_resolve(struct cfg_ctx *c, struct cfg_node *root)
{
	struct cfg_pair *inc = root && root->kind == CFG_NODE_MAP ? pair_of(root, "include") : NULL;
	const char *base = strrchr(c->file, '/');
	_cleanup_free_ char *self = NULL;
	struct chain ch = {{0}, 0, 0};
	int r = 0;

	if (!inc || cfg_is_null(inc->value))
		return 0;
	if (!cfg_expect(c, inc->value, CFG_NODE_SEQ, "include"))
		return -1;
	self = lxr_xasprintf("%s/%s", c->dir, base ? base + 1 : c->file);
	ch.path[ch.n++] = self;
	for (size_t i = 0; i < inc->value->n; i++)
		if (include_one(c, root, inc->value->items[i], &ch) < 0)
			r = -1;
	return r;
}
