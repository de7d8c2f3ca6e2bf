/* docker import --change: Dockerfile instructions that set image config. */
#define _GNU_SOURCE
#include <ctype.h>
#include <errno.h>
#include <string.h>

#include "image/tools/tools.h"
#include "lxr/build.h"

/* JSON array form ["a","b"], else the shell form wrapped in /bin/sh -c as
 * a Dockerfile does. */
static int cmd_value(const char *v, char ***out, lxr_err *err)
{
	json_error_t je;
	json_t *a;
	size_t i;
	json_t *e;

	lxr_strv_free(*out);
	*out = lxr_xcalloc(1, sizeof(char *));
	if (*v != '[') {
		lxr_strv_push(out, lxr_xstrdup("/bin/sh"));
		lxr_strv_push(out, lxr_xstrdup("-c"));
		lxr_strv_push(out, lxr_xstrdup(v));
		return 0;
	}
	a = json_loads(v, 0, &je);
	if (!json_is_array(a)) {
		json_decref(a);
		return lxr_fail(err, EINVAL, "\"%s\": not a JSON array of strings", v);
	}
	json_array_foreach(a, i, e)
	{
		if (!json_is_string(e)) {
			json_decref(a);
			return lxr_fail(err, EINVAL, "\"%s\": not a JSON array of strings", v);
		}
		lxr_strv_push(out, lxr_xstrdup(json_string_value(e)));
	}
	json_decref(a);
	return 0;
}

/* a variable of the image's environment, for ENV's values */
static const char *env_lookup(const char *name, void *ctx)
{
	char *const *env = ctx;
	size_t n = strlen(name);

	for (size_t i = 0; env && env[i]; i++)
		if (!strncmp(env[i], name, n) && env[i][n] == '=')
			return env[i] + n + 1;
	return NULL;
}

/* ENV as a Dockerfile's: `K=V K2="a b"` (several, quotes removed, $VAR
 * from the image's environment) or the old `K V` */
static int env_value(struct img_config *c, const char *line, const char *v, lxr_err *err)
{
	/* a Dockerfile of one stage, for the parser */
	_cleanup_free_ char *text = lxr_xasprintf("FROM scratch\nENV %s\n", v);
	_cleanup_strv_ char **set = lxr_xcalloc(1, sizeof(char *));
	struct df_file f = {0};
	int r = 0;

	if (df_parse("--change", text, strlen(text), &f, err) < 0)
		return lxr_err_wrap(err, "--change \"%s\"", line);
	if (f.n != 2 || f.v[1].kind != DF_ENV) {
		df_file_free(&f);
		return lxr_fail(err, EINVAL, "--change \"%s\": one ENV instruction expected", line);
	}
	/* every value against the environment before the instruction, as a
	 * Dockerfile's ENV A=3 B=$A gives B the earlier A */
	for (size_t i = 0; r == 0 && i < f.v[1].n_kv; i++) {
		_cleanup_free_ char *k = NULL, *val = NULL;
		if (df_expand(f.v[1].kv[i].key, f.escape, env_lookup, c->env, &k, err) < 0 ||
		    df_expand(f.v[1].kv[i].value, f.escape, env_lookup, c->env, &val, err) < 0)
			r = lxr_err_wrap(err, "--change \"%s\"", line);
		else
			bld_env_set(&set, k, val);
	}
	for (size_t i = 0; r == 0 && set[i]; i++) {
		_cleanup_free_ char *k = lxr_xstrndup(set[i], strcspn(set[i], "="));
		bld_env_set(&c->env, k, set[i] + strlen(k) + 1);
	}
	df_file_free(&f);
	return r;
}

static void set_str(char **dst, const char *v)
{
	free(*dst);
	*dst = lxr_xstrdup(v);
}

int img_config_change(struct img_config *c, const char *line, lxr_err *err)
{
	size_t kl = strcspn(line, " \t");
	const char *v = line + kl;

	while (isspace((unsigned char)*v))
		v++;
	if (!*v)
		return lxr_fail(err, EINVAL, "--change \"%s\": expected INSTRUCTION VALUE", line);
#define IS(k) (kl == strlen(k) && !strncasecmp(line, k, kl))
	if (IS("CMD"))
		return cmd_value(v, &c->cmd, err);
	if (IS("ENTRYPOINT"))
		return cmd_value(v, &c->entrypoint, err);
	if (IS("ENV")) {
		return env_value(c, line, v, err);
	} else if (IS("WORKDIR")) {
		set_str(&c->workdir, v);
	} else if (IS("USER")) {
		set_str(&c->user, v);
	} else if (IS("STOPSIGNAL")) {
		set_str(&c->stop_signal, v);
	} else if (IS("EXPOSE")) {
		lxr_strv_push(&c->exposed_ports,
			      strchr(v, '/') ? lxr_xstrdup(v) : lxr_xasprintf("%s/tcp", v));
	} else {
		return lxr_fail(err, EINVAL, "--change \"%s\": unsupported instruction", line),
		       lxr_err_hint(err, "CMD, ENTRYPOINT, ENV, EXPOSE, STOPSIGNAL, USER and "
					 "WORKDIR can be set");
	}
#undef IS
	return 0;
}
