/* Other stack files this one reads: Compose's top-level `include` and the
 * `file:` of `extends`, wherever they are. As compose-go does, the relative
 * paths of such a file are relative to its own directory (an included
 * one's: to its project_directory), which cfg_abs_path_at finds from the
 * position of each value; an included file's variables come from the
 * environment, then from its env_file (default: the .env of its project
 * directory). */
#define _GNU_SOURCE
#include <errno.h>
#include <fcntl.h>
#include <string.h>

#include "config/config_internal.h"

#define INCLUDE_MAX_DEPTH     16
#define INCLUDE_MAX_FILES     1024 /* bounds the work a file of includes can cause */
#define INCLUDE_MAX_PATHS     64   /* one entry's path: list */
#define INCLUDE_MAX_ENV_FILES 16

/* The files being included, outermost first, to refuse a cycle. */
struct chain {
	const char *path[INCLUDE_MAX_DEPTH + 2];
	int n;
	int files; /* included so far, in all */
};

static void file_dir_add(struct cfg_ctx *c, const char *file, const char *path, const char *dir)
{
	const char *slash = strrchr(path, '/');

	c->file_dirs = lxr_xrealloc(c->file_dirs, (c->n_file_dirs + 1) * sizeof(*c->file_dirs));
	c->file_dirs[c->n_file_dirs].file = file;
	c->file_dirs[c->n_file_dirs++].dir =
	    dir ? lxr_xstrdup(dir) : lxr_xstrndup(path, slash == path ? 1 : (size_t)(slash - path));
}

struct cfg_node *cfg_load_file(struct cfg_ctx *c, struct cfg_node *file, const char *what,
			       const char *dir)
{
	_cleanup_free_ char *path = cfg_abs_path_at(c, file->pos, file->val);
	_cleanup_free_ char *text = NULL;
	const char *saved = c->file;
	struct cfg_tree *t;
	size_t len;
	lxr_err err;

	if (lxr_read_file_at(AT_FDCWD, path, &text, &len, &err) < 0) {
		cfg_error(c, file, "%s: %s: %s", what, path, strerror(err.errnum));
		return NULL;
	}
	t = lxr_xcalloc(1, sizeof(*t));
	c->file = cfg_diags_intern_file(c->diags, path);
	file_dir_add(c, c->file, path, dir);
	if (cfg_tree_parse(c, text, len, t) < 0) {
		c->file = saved;
		free(t);
		return NULL;
	}
	c->file = saved;
	c->extra_trees = lxr_xrealloc(c->extra_trees, (c->n_extra_trees + 1) * sizeof(t));
	c->extra_trees[c->n_extra_trees++] = t;
	if (!t->root && c->empty_ok) {
		static struct cfg_node nothing = {.kind = CFG_NODE_MAP};
		return &nothing;
	}
	if (!t->root || t->root->kind != CFG_NODE_MAP) {
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
	for (size_t i = 0; i < c->n_file_dirs; i++)
		free(c->file_dirs[i].dir);
	free(c->file_dirs);
	c->file_dirs = NULL;
	c->n_file_dirs = 0;
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

/* One include entry: its files, the directory their relative paths are
 * relative to (NULL: the first file's), and the variables they see. */
struct include {
	struct cfg_node *paths[INCLUDE_MAX_PATHS];
	size_t n_paths;
	struct cfg_node *project_directory;
	char *dir;
	struct cfg_env env[INCLUDE_MAX_ENV_FILES];
	size_t n_env;
	cfg_lookup_fn outer;
	void *outer_ctx;
};

/* compose-go: the environment first, then the included files' env_file
 * values (a later file over an earlier one). */
static const char *include_lookup(const char *name, void *ctx)
{
	struct include *in = ctx;
	const char *v = in->outer(name, in->outer_ctx);

	for (size_t i = in->n_env; !v && i > 0; i--)
		v = cfg_env_get(&in->env[i - 1], name);
	return v;
}

static int env_file_read(struct cfg_ctx *c, struct include *in, const char *path,
			 struct cfg_pos pos, bool required)
{
	_cleanup_free_ char *text = NULL;
	struct cfg_text_diag d = {0};
	size_t len;
	lxr_err err;

	if (lxr_read_file_at(AT_FDCWD, path, &text, &len, &err) < 0) {
		if (!required && err.errnum == ENOENT)
			return 0;
		cfg_diag_add(c, pos, false, "name an existing file, relative to this one",
			     "include env_file %s: %s", path, strerror(err.errnum));
		return -1;
	}
	if (in->n_env == INCLUDE_MAX_ENV_FILES) {
		cfg_diag_add(c, pos, false, NULL, "include: more than %d env_file entries",
			     INCLUDE_MAX_ENV_FILES);
		return -1;
	}
	if (cfg_dotenv_parse(text, len, include_lookup, in, &in->env[in->n_env], &d) < 0) {
		cfg_diag_add(c,
			     (struct cfg_pos){cfg_diags_intern_file(c->diags, path), d.line, d.col},
			     false, NULL, "%s", d.msg);
		return -1;
	}
	in->n_env++;
	return 0;
}

/* env_file: a file or a list, relative to the including file, each one
 * required ("/dev/null" is none); without it, the project directory's
 * .env when there is one (and it is not the stack's own). */
static int include_env(struct cfg_ctx *c, struct include *in, struct cfg_node *env_file)
{
	int r = 0;

	if (!env_file) {
		_cleanup_free_ char *path = lxr_xasprintf("%s/.env", in->dir);
		_cleanup_free_ char *own = lxr_xasprintf("%s/.env", c->dir);
		if (strcmp(path, own))
			r = env_file_read(c, in, path, in->paths[0]->pos, false);
		return r;
	}
	if (env_file->kind == CFG_NODE_SEQ) {
		for (size_t i = 0; i < env_file->n; i++)
			if (include_env(c, in, env_file->items[i]) < 0)
				r = -1;
		return r;
	}
	const char *v = cfg_scalar(c, env_file, "include env_file");
	if (!v)
		return -1;
	if (!strcmp(v, "/dev/null"))
		return 0;
	_cleanup_free_ char *path = cfg_abs_path_at(c, env_file->pos, v);
	return env_file_read(c, in, path, env_file->pos, true);
}

/* One file of an include, with the files it includes joined to it. */
static struct cfg_node *include_load(struct cfg_ctx *c, struct include *in, struct cfg_node *path,
				     struct chain *ch)
{
	_cleanup_free_ char *abs = cfg_abs_path_at(c, path->pos, path->val);
	struct cfg_node *inc;
	struct cfg_pair *nested;
	int r = 0;

	if (check_chain(c, path, abs, ch) < 0 ||
	    !(inc = cfg_load_file(c, path, "include", in->dir)))
		return NULL;
	/* Its values take its own variables: interpolated now, before the
	 * files it includes join it, with those in force. */
	if (c->lookup == include_lookup)
		cfg_interpolate_all(c, inc);
	ch->path[ch->n++] = abs;
	nested = cfg_map_pair(inc, "include");
	for (size_t i = 0; nested && nested->value->kind == CFG_NODE_SEQ && i < nested->value->n;
	     i++)
		if (include_one(c, inc, nested->value->items[i], ch) < 0)
			r = -1;
	ch->n--;
	return r < 0 ? NULL : inc;
}

/* compose-go: the first file of path is the included project, the others
 * override it (merged as compose merges -f files); its resources then join
 * the stack. */
static int include_files(struct cfg_ctx *c, struct cfg_node *root, struct include *in,
			 struct chain *ch)
{
	struct cfg_node *first = include_load(c, in, in->paths[0], ch);
	int r = first ? 0 : -1;

	for (size_t i = 1; i < in->n_paths; i++) {
		struct cfg_node *over = include_load(c, in, in->paths[i], ch);
		if (first && over)
			cfg_sections_merge(c, first, over, true);
		if (!over)
			r = -1;
	}
	if (first)
		cfg_sections_merge(c, root, first, false);
	return r;
}

static int include_paths(struct cfg_ctx *c, struct include *in, struct cfg_node *path)
{
	struct cfg_node **items = path->kind == CFG_NODE_SEQ ? path->items : &path;
	size_t n = path->kind == CFG_NODE_SEQ ? path->n : 1;
	int r = 0;

	if (!n) {
		cfg_error_hint(c, path, "name a file", "include path is empty");
		return -1;
	}
	if (n > INCLUDE_MAX_PATHS) {
		cfg_error_hint(c, path, "split them into several include entries",
			       "include path: more than %d files in one entry", INCLUDE_MAX_PATHS);
		return -1;
	}
	for (size_t i = 0; i < n; i++) {
		if (cfg_scalar(c, items[i], "include path"))
			in->paths[in->n_paths++] = items[i];
		else
			r = -1;
	}
	return r;
}

/* "FILE", or {path: FILE | [FILE], project_directory, env_file}. */
static int include_one(struct cfg_ctx *c, struct cfg_node *root, struct cfg_node *entry,
		       struct chain *ch)
{
	struct include in = {.outer = c->lookup, .outer_ctx = c->lookup_ctx};
	struct cfg_node *env_file = NULL;
	cfg_lookup_fn saved = c->lookup;
	void *saved_ctx = c->lookup_ctx;
	int r = 0;

	if (entry->kind != CFG_NODE_MAP) {
		r = include_paths(c, &in, entry);
	} else {
		for (size_t i = 0; i < entry->n; i++) {
			const char *k = entry->pairs[i].key->raw;
			struct cfg_node *v = entry->pairs[i].value;
			if (!strcmp(k, "path")) {
				if (include_paths(c, &in, v) < 0)
					r = -1;
			} else if (!strcmp(k, "project_directory")) {
				if (!cfg_scalar(c, v, "include project_directory"))
					r = -1;
				in.project_directory = v;
			} else if (!strcmp(k, "env_file")) {
				env_file = v;
			} else {
				cfg_error(c, entry->pairs[i].key, "unknown key \"%s\" in include",
					  k);
				r = -1;
			}
		}
		if (r == 0 && !in.n_paths) {
			cfg_error_hint(c, entry, "add path: FILE", "include entry has no path");
			return -1;
		}
	}
	if (r < 0)
		return r;
	/* compose-go: project_directory is relative to the including file;
	 * without it, the first file's directory */
	if (in.project_directory) {
		in.dir = cfg_abs_path_at(c, in.project_directory->pos, in.project_directory->val);
	} else {
		_cleanup_free_ char *first = cfg_abs_path_at(c, in.paths[0]->pos, in.paths[0]->val);
		const char *slash = strrchr(first, '/');
		in.dir = lxr_xstrndup(first, slash == first ? 1 : (size_t)(slash - first));
	}
	if (include_env(c, &in, env_file) < 0)
		r = -1;
	if (in.n_env || saved == include_lookup) {
		c->lookup = include_lookup;
		c->lookup_ctx = &in;
	}
	if (r == 0)
		r = include_files(c, root, &in, ch);
	c->lookup = saved;
	c->lookup_ctx = saved_ctx;
	for (size_t i = 0; i < in.n_env; i++)
		cfg_env_free(&in.env[i]);
	free(in.dir);
	return r;
}

/* compose's -f a -f b: each later file merged over the stack file, its
 * sections service by service with compose's rules, its other top-level
 * keys (name replaced, x-* merged) over the earlier ones; relative paths in it are
 * the project directory's, as compose resolves them. */
int cfg_overrides_apply(struct cfg_ctx *c, struct cfg_node *root, const char *const *files)
{
	int r = 0;

	if (!root || root->kind != CFG_NODE_MAP)
		return 0;
	for (size_t f = 0; files && files[f]; f++) {
		struct cfg_node name = {
		    .kind = CFG_NODE_SCALAR, .val = (char *)files[f], .pos = root->pos};
		struct cfg_node *over;

		/* only comments: nothing to merge (compose skips a file
		 * without a document; only an empty whole is an error) */
		c->empty_ok = true;
		over = cfg_load_file(c, &name, "override file", c->dir);
		c->empty_ok = false;
		if (!over) {
			r = -1;
			continue;
		}
		/* its own includes first (their paths the project directory's, as
		 * compose-go resolves them), before it merges, as compose-go loads
		 * each file */
		if (cfg_include_resolve(c, over, files[f]) < 0)
			r = -1;
		cfg_map_drop(over, "include"); /* in its sections now */
		if (cfg_override_merge(c, root, over, files[f]) < 0)
			r = -1;
	}
	return r;
}

int cfg_include_resolve(struct cfg_ctx *c, struct cfg_node *root, const char *file)
{
	struct cfg_pair *inc =
	    root && root->kind == CFG_NODE_MAP ? cfg_map_pair(root, "include") : NULL;
	const char *base = strrchr(c->file, '/');
	_cleanup_free_ char *self = NULL;
	struct chain ch = {{0}, 0, 0};
	int r = 0;

	if (!inc || cfg_is_null(inc->value))
		return 0;
	if (!cfg_expect(c, inc->value, CFG_NODE_SEQ, "include"))
		return -1;
	self = file ? lxr_xstrdup(file) : lxr_xasprintf("%s/%s", c->dir, base ? base + 1 : c->file);
	ch.path[ch.n++] = self;
	for (size_t i = 0; i < inc->value->n; i++)
		if (include_one(c, root, inc->value->items[i], &ch) < 0)
			r = -1;
	return r;
}
