/* Where a stack lives and what its project is called, by Compose's rules:
 * file discovery in the working directory, and the project name from -p,
 * the file's `name:`, or the directory name. */
#define _GNU_SOURCE
#include <ctype.h>
#include <errno.h>
#include <fcntl.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "config/config_internal.h"
#include "lxr/config_discover.h"

char *cfg_project_name_normalize(const char *raw)
{
	char *out = lxr_xmalloc(strlen(raw) + 1);
	size_t o = 0;

	for (const char *p = raw; *p; p++) {
		char ch = (char)tolower((unsigned char)*p);
		if ((ch >= 'a' && ch <= 'z') || (ch >= '0' && ch <= '9') || ch == '_' || ch == '-')
			if (o || (ch != '_' && ch != '-')) /* Compose trims leading _ and - */
				out[o++] = ch;
	}
	out[o] = 0;
	if (!o) {
		free(out);
		return NULL;
	}
	return out;
}

static bool project_name_valid(const char *s)
{
	char *norm = cfg_project_name_normalize(s);
	bool ok = norm && !strcmp(norm, s);

	free(norm);
	return ok;
}

char *cfg_stack_dir(const char *file, const char *cwd)
{
	_cleanup_free_ char *joined = NULL;
	_cleanup_free_ char *here = NULL;
	const char *slash = strrchr(file, '/');
	_cleanup_free_ char *d =
	    slash ? lxr_xstrndup(file, (size_t)(slash - file) + 1) : lxr_xstrdup(".");

	if (d[0] == '/')
		return cfg_clean_path(d);
	if (!cwd)
		cwd = here = getcwd(NULL, 0);
	joined = lxr_xasprintf("%s/%s", cwd ? cwd : "/", d);
	return cfg_clean_path(joined);
}

int cfg_stack_project(struct cfg_ctx *c, const struct cfg_load_opts *o, struct cfg_stack *st,
		      lxr_err *err)
{
	const char *base;

	if (o->project) {
		if (!project_name_valid(o->project)) {
			lxr_fail(err, 0, "project name \"%s\" is not valid", o->project);
			return lxr_err_hint(err, "lowercase letters, digits, '_' and '-', starting "
						 "with a letter or digit");
		}
		st->project = lxr_xstrdup(o->project);
		return 0;
	}
	/* The file's name made a project name as compose-go makes it
	 * (`name: MyApp` is myapp); `name: ${NAME}` with NAME unset, or a
	 * name with nothing left, is the directory's, as compose-go takes a
	 * name only when it is not empty. */
	if (st->name.v && (st->project = cfg_project_name_normalize(st->name.v)))
		return 0;
	base = strrchr(st->dir, '/');
	base = base && base[1] ? base + 1 : "default";
	st->project = cfg_project_name_normalize(base);
	if (!st->project) {
		cfg_diag_add(c, (struct cfg_pos){c->file, 1, 1}, false,
			     "set `name:` in the file or pass -p NAME",
			     "cannot make a project name from directory \"%s\"", base);
	}
	return 0;
}

/* Compose's order of preference, and the override files it would merge
 * (compose-go's DefaultFileNames and DefaultOverrideFileNames, whose .yml
 * and .yaml go first in turn). */
static const char *const stack_names[] = {"compose.yaml", "compose.yml", "docker-compose.yml",
					  "docker-compose.yaml"};
static const char *const override_names[] = {"compose.override.yml", "compose.override.yaml",
					     "docker-compose.override.yml",
					     "docker-compose.override.yaml"};
#define N_NAMES 4

static bool find_in(const char *dir, char **out)
{
	const char *first = NULL;

	for (size_t i = 0; i < N_NAMES; i++) {
		_cleanup_free_ char *p = lxr_xasprintf("%s/%s", dir, stack_names[i]);
		if (access(p, F_OK) < 0)
			continue;
		if (first) {
			lxr_warn("found %s and %s in %s; using %s", first, stack_names[i], dir,
				 first);
			continue;
		}
		first = stack_names[i];
		*out = lxr_steal_ptr(&p);
	}
	if (!first)
		return false;
	return true;
}

char *cfg_find_override(const char *stack_file)
{
	const char *slash = strrchr(stack_file, '/');
	_cleanup_free_ char *dir =
	    slash ? lxr_xstrndup(stack_file, slash == stack_file ? 1 : (size_t)(slash - stack_file))
		  : lxr_xstrdup(".");
	char *found = NULL;

	for (size_t i = 0; i < N_NAMES; i++) {
		_cleanup_free_ char *p = lxr_xasprintf("%s/%s", dir, override_names[i]);
		if (access(p, F_OK) < 0)
			continue;
		if (found)
			lxr_warn("found %s and %s; merging %s", found, p, found);
		else
			found = lxr_steal_ptr(&p);
	}
	return found;
}

int cfg_find_stack_file(const char *dir, char **out, lxr_err *err)
{
	_cleanup_free_ char *at = realpath(dir, NULL);

	/* here, then each parent directory, as compose looks */
	while (at) {
		char *slash;
		if (find_in(at, out))
			return 0;
		slash = strrchr(at, '/');
		if (!slash || slash == at) {
			if (strcmp(at, "/") && find_in("/", out))
				return 0;
			break;
		}
		*slash = '\0';
	}
	lxr_fail(err, ENOENT, "no stack file in %s or its parent directories", dir);
	return lxr_err_hint(err, "name one with -f FILE, or create compose.yaml");
}

static const char *files_lookup(const char *name, void *ctx)
{
	const char *v = getenv(name);

	return v ? v : cfg_env_get(ctx, name);
}

char *cfg_dotenv_files_get(char *const *paths, const char *key)
{
	struct cfg_env acc = {0};
	const char *v;
	char *out = NULL;

	for (size_t i = 0; paths && paths[i]; i++) {
		_cleanup_free_ char *text = NULL;
		struct cfg_env more = {0};
		size_t len;
		lxr_err err;
		if (lxr_read_file_at(AT_FDCWD, paths[i], &text, &len, &err) < 0 ||
		    cfg_dotenv_parse(text, len, files_lookup, &acc, &more, NULL) < 0)
			continue;
		cfg_env_merge(&acc, &more);
	}
	v = cfg_env_get(&acc, key);
	if (v)
		out = lxr_xstrdup(v);
	cfg_env_free(&acc);
	return out;
}

char *cfg_dotenv_file_get(const char *path, const char *key)
{
	_cleanup_free_ char *text = NULL;
	struct cfg_env env = {0};
	const char *v;
	char *out = NULL;
	size_t len;
	lxr_err err;

	if (lxr_read_file_at(AT_FDCWD, path, &text, &len, &err) < 0 ||
	    cfg_dotenv_parse(text, len, NULL, NULL, &env, NULL) < 0)
		return NULL;
	v = cfg_env_get(&env, key);
	if (v && *v)
		out = lxr_xstrdup(v);
	cfg_env_free(&env);
	return out;
}
