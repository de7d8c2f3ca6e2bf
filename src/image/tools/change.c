/* docker import --change: Dockerfile instructions that set image config. */
#define _GNU_SOURCE
#include <ctype.h>
#include <errno.h>
#include <string.h>

#include "image/tools/tools.h"

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
		if (!strchr(v, '=') || *v == '=')
			return lxr_fail(err, EINVAL, "--change \"%s\": ENV wants KEY=VALUE", line);
		lxr_strv_push(&c->env, lxr_xstrdup(v));
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
