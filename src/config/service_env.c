/* A service's environment: env_file entries first, then `environment:` over
 * them, then pass-through entries (a name without value) resolved from the
 * project environment, as Compose does; its labels the same way from
 * label_file. Also the host-path rule shared by every key that names a
 * host path. */
#define _GNU_SOURCE
#include <errno.h>
#include <fcntl.h>
#include <string.h>

#include "config/config_internal.h"

/* Lexically clean an absolute path: no "//", "." or ".." components. */
char *cfg_clean_path(const char *p)
{
	size_t len = strlen(p);
	char *out = lxr_xmalloc(len + 2);
	size_t o = 0;

	for (const char *s = p; *s;) {
		const char *e = strchrnul(s, '/');
		size_t n = (size_t)(e - s);
		if (n == 0 || (n == 1 && s[0] == '.')) {
			/* skip */
		} else if (n == 2 && s[0] == '.' && s[1] == '.') {
			while (o > 0 && out[o - 1] != '/')
				o--;
			if (o > 0)
				o--;
		} else {
			out[o++] = '/';
			memcpy(out + o, s, n);
			o += n;
		}
		s = *e ? e + 1 : e;
	}
	if (!o)
		out[o++] = '/';
	out[o] = 0;
	return out;
}

const char *cfg_dir_at(const struct cfg_ctx *c, struct cfg_pos pos)
{
	for (size_t i = 0; pos.file && i < c->n_file_dirs; i++)
		if (c->file_dirs[i].file == pos.file || !strcmp(c->file_dirs[i].file, pos.file))
			return c->file_dirs[i].dir;
	return c->dir;
}

char *cfg_abs_path_at(struct cfg_ctx *c, struct cfg_pos pos, const char *p)
{
	_cleanup_free_ char *joined = NULL;

	if (p[0] == '~' && (p[1] == '/' || !p[1])) {
		const char *home = c->lookup("HOME", c->lookup_ctx);
		joined = lxr_xasprintf("%s/%s", home ? home : "/", p + 1);
	} else if (p[0] == '/') {
		joined = lxr_xstrdup(p);
	} else {
		joined = lxr_xasprintf("%s/%s", cfg_dir_at(c, pos), p);
	}
	return cfg_clean_path(joined);
}

static void env_file_add(struct cfg_ctx *c, struct cfg_service *s, const char *path,
			 struct cfg_pos pos, bool required, bool raw)
{
	struct cfg_env_file *f;

	s->env_files = lxr_xrealloc(s->env_files, (s->n_env_files + 1) * sizeof(*f));
	f = &s->env_files[s->n_env_files++];
	f->path.v = cfg_abs_path_at(c, pos, path);
	f->path.pos = pos;
	f->required = required;
	f->raw = raw;
}

struct ef {
	struct cfg_node *path;
	struct cfg_bool required;
	bool raw;
};

static int ef_path(struct cfg_ctx *c, struct cfg_node *n, void *obj)
{
	((struct ef *)obj)->path = n;
	return cfg_scalar(c, n, "env_file path") ? 0 : -1;
}

static int ef_required(struct cfg_ctx *c, struct cfg_node *n, void *obj)
{
	return cfg_read_bool(c, n, "env_file required", &((struct ef *)obj)->required);
}

/* compose-go knows one format, ".env" (the default); `docker compose`
 * adds "raw", docker run --env-file's syntax. Anything else is what
 * compose calls an unsupported format: an error. */
static int ef_format(struct cfg_ctx *c, struct cfg_node *n, void *obj)
{
	const char *v = cfg_scalar(c, n, "env_file format");

	if (!v)
		return -1;
	if (!*v || !strcmp(v, ".env"))
		return 0;
	if (!strcmp(v, "raw")) {
		((struct ef *)obj)->raw = true;
		return 0;
	}
	cfg_error_hint(c, n, ".env (the default) or raw (docker run --env-file's syntax)",
		       "env_file: unknown format \"%s\"", v);
	return -1;
}

static int env_file_item(struct cfg_ctx *c, struct cfg_node *n, struct cfg_service *s)
{
	static const struct cfg_key keys[] = {
	    {"path", NULL, ef_path},
	    {"required", NULL, ef_required},
	    {"format", NULL, ef_format},
	};
	static const struct cfg_map_spec spec = {"env_file", keys, 3, true, NULL, 0};
	struct ef ef = {NULL, {true, false, {0}}, false};
	const char *v;

	if (n->kind != CFG_NODE_MAP) {
		v = cfg_scalar(c, n, "env_file");
		if (!v)
			return -1;
		env_file_add(c, s, v, n->pos, true, false);
		return 0;
	}
	if (cfg_read_map(c, n, &spec, &ef) < 0)
		return -1;
	if (!ef.path) {
		cfg_error_hint(c, n, "add path: FILE", "env_file entry has no path");
		return -1;
	}
	env_file_add(c, s, ef.path->val, ef.path->pos, ef.required.v, ef.raw);
	return 0;
}

int cfg_svc_read_env_file(struct cfg_ctx *c, struct cfg_node *n, void *obj)
{
	struct cfg_service *s = obj;
	int r = 0;

	if (cfg_is_null(n))
		return 0;
	if (n->kind != CFG_NODE_SEQ)
		return env_file_item(c, n, s);
	for (size_t i = 0; i < n->n; i++)
		if (env_file_item(c, n->items[i], s) < 0)
			r = -1;
	return r;
}

/* Variables in an env_file's values: the project's environment first,
 * then the service's own `environment`, then what the service's earlier
 * env_files set (compose-go's order: one map for all of them). */
struct file_lookup {
	struct cfg_ctx *c;
	const struct cfg_service *s;
	const struct cfg_kvs *read;
};

static const char *kvs_value(const struct cfg_kvs *kvs, const char *name)
{
	for (size_t i = 0; i < kvs->n; i++)
		if (!strcmp(kvs->v[i].key, name))
			return kvs->v[i].value;
	return NULL;
}

static const char *file_lookup(const char *name, void *ctx)
{
	const struct file_lookup *fl = ctx;
	const char *v = fl->c->lookup(name, fl->c->lookup_ctx);

	if (!v)
		v = kvs_value(&fl->s->environment, name);
	return v ? v : kvs_value(fl->read, name);
}

static int load_env_file(struct cfg_ctx *c, struct cfg_service *s, const struct cfg_env_file *f,
			 struct cfg_kvs *out)
{
	struct file_lookup fl = {c, s, out};
	_cleanup_free_ char *text = NULL;
	struct cfg_env env = {0};
	struct cfg_text_diag d = {0};
	size_t len;
	lxr_err err;

	if (lxr_read_file_at(AT_FDCWD, f->path.v, &text, &len, &err) < 0) {
		if (err.errnum == ENOENT && !f->required)
			return 0;
		if (err.errnum == ENOENT && s->profiles.n) {
			/* compose-go reads no env_file of a service its profiles
			 * disable: said when one enables it */
			if (!s->env_file_missing.v)
				cfg_str_set(&s->env_file_missing, f->path.v, f->path.pos);
			return 0;
		}
		cfg_diag_add(c, f->path.pos, false,
			     err.errnum == ENOENT ? "create it, or mark it `required: false`"
						  : NULL,
			     "env_file %s: %s", f->path.v, strerror(err.errnum));
		return -1;
	}
	if ((f->raw ? cfg_env_raw_parse : cfg_dotenv_parse)(text, len, file_lookup, &fl, &env, &d) <
	    0) {
		struct cfg_pos pos = {cfg_diags_intern_file(c->diags, f->path.v), d.line, d.col};
		cfg_diag_add(c, pos, false, NULL, "%s", d.msg);
		cfg_env_free(&env);
		return -1;
	}
	for (size_t i = 0; i < env.n; i++)
		cfg_kvs_set(out, env.v[i].key, env.v[i].value, f->path.pos);
	cfg_env_free(&env);
	return 0;
}

int cfg_service_finish_env(struct cfg_ctx *c, struct cfg_service *s)
{
	struct cfg_kvs merged = {0};
	int r = 0;

	for (size_t i = 0; i < s->n_env_files; i++)
		if (load_env_file(c, s, &s->env_files[i], &merged) < 0)
			r = -1;
	/* environment over the env_file's, a bare NAME the environment does
	 * not have as well: compose-go's OverrideBy puts its nil over the
	 * file's value, and the container gets no NAME */
	for (size_t i = 0; i < s->environment.n; i++) {
		struct cfg_kv *kv = &s->environment.v[i];
		const char *v = kv->value ? kv->value : c->lookup(kv->key, c->lookup_ctx);
		cfg_kvs_set(&merged, kv->key, v, kv->pos);
	}
	cfg_kvs_free(&s->environment);
	s->environment = merged;
	return r;
}

/* label_file: a file or a list of them, relative to the stack file; each
 * in .env syntax, its variables resolved from the labels read before it
 * (compose-go's rule), and the service's own `labels` over all of them. */
int cfg_svc_read_label_file(struct cfg_ctx *c, struct cfg_node *n, void *obj)
{
	struct cfg_service *s = obj;
	struct cfg_strs paths = {0};
	int r = cfg_read_strs(c, n, "label_file", true, &paths);

	for (size_t i = 0; i < paths.n; i++) {
		_cleanup_free_ char *abs = cfg_abs_path_at(c, paths.v[i].pos, paths.v[i].v);
		cfg_strs_push(&s->label_files, abs, paths.v[i].pos);
	}
	cfg_strs_free(&paths);
	return r;
}

static const char *label_lookup(const char *name, void *ctx)
{
	return kvs_value(ctx, name);
}

static int load_label_file(struct cfg_ctx *c, const struct cfg_str *path, struct cfg_kvs *out)
{
	_cleanup_free_ char *text = NULL;
	struct cfg_env labels = {0};
	struct cfg_text_diag d = {0};
	size_t len;
	lxr_err err;

	if (lxr_read_file_at(AT_FDCWD, path->v, &text, &len, &err) < 0) {
		cfg_diag_add(c, path->pos, false,
			     err.errnum == ENOENT ? "create it, or take it out of label_file"
						  : NULL,
			     "label_file %s: %s", path->v, strerror(err.errnum));
		return -1;
	}
	if (cfg_dotenv_parse(text, len, label_lookup, out, &labels, &d) < 0) {
		struct cfg_pos pos = {cfg_diags_intern_file(c->diags, path->v), d.line, d.col};
		cfg_diag_add(c, pos, false, NULL, "%s", d.msg);
		cfg_env_free(&labels);
		return -1;
	}
	for (size_t i = 0; i < labels.n; i++)
		cfg_kvs_set(out, labels.v[i].key, labels.v[i].value ? labels.v[i].value : "",
			    path->pos);
	cfg_env_free(&labels);
	return 0;
}

int cfg_service_finish_labels(struct cfg_ctx *c, struct cfg_service *s)
{
	struct cfg_kvs merged = {0};
	int r = 0;

	if (!s->label_files.n)
		return 0;
	for (size_t i = 0; i < s->label_files.n; i++)
		if (load_label_file(c, &s->label_files.v[i], &merged) < 0)
			r = -1;
	for (size_t i = 0; i < s->labels.n; i++)
		cfg_kvs_set(&merged, s->labels.v[i].key, s->labels.v[i].value, s->labels.v[i].pos);
	cfg_kvs_free(&s->labels);
	s->labels = merged;
	return r;
}
