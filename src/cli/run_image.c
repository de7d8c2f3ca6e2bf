/* `lxr run IMAGE`: resolve the image, keep it in use while the container
 * lives, and turn its config into the spec's defaults. */
#define _GNU_SOURCE
#include <fcntl.h>
#include <signal.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "cli/run_image.h"
#include "config/text.h"
#include "lxr/image.h"

/* The use record's lock: held until this process (or the detached monitor
 * it forks) exits, which is when the container is gone. */
static int use_fd = -1;

bool run_image_is_ref(const char *a)
{
	struct stat st;

	if (a[0] == '/' || !strncmp(a, "./", 2) || !strncmp(a, "../", 3) || !strcmp(a, ".") ||
	    !strcmp(a, ".."))
		return false;
	/* "build/rootfs" that is a directory here is one: a relative path
	 * without ./ must not turn into a pull from a registry */
	return !(stat(a, &st) == 0 && S_ISDIR(st.st_mode));
}

static bool env_has_key(char **env, const char *kv)
{
	size_t k = strcspn(kv, "=");

	for (size_t i = 0; env && env[i]; i++)
		if (!strncmp(env[i], kv, k) && env[i][k] == '=')
			return true;
	return false;
}

/* docker: the image's Env first, the user's -e on top */
static void merge_env(struct lxr_spec *s, char **image_env)
{
	char **env = lxr_xcalloc(1, sizeof(char *));

	for (size_t i = 0; image_env && image_env[i]; i++)
		if (strchr(image_env[i], '=') && !env_has_key(s->env, image_env[i]))
			lxr_strv_push(&env, lxr_xstrdup(image_env[i]));
	for (size_t i = 0; s->env && s->env[i]; i++)
		lxr_strv_push(&env, lxr_xstrdup(s->env[i]));
	lxr_strv_free(s->env);
	s->env = env;
}

/* The topmost layer with etc/passwd: where -u and HOME look users up. */
static char *passwd_layer(char **dirs)
{
	for (size_t i = 0; dirs[i]; i++) {
		_cleanup_free_ char *p = lxr_xasprintf("%s/etc/passwd", dirs[i]);
		struct stat st;
		if (lstat(p, &st) == 0 && S_ISREG(st.st_mode))
			return lxr_xstrdup(dirs[i]);
	}
	return lxr_xstrdup(dirs[0] ? dirs[0] : "/nonexistent");
}

static int apply_config(struct run_opts *o, const struct img_config *c, lxr_err *err)
{
	struct lxr_spec *s = &o->spec;
	int sig;

	merge_env(s, c->env);
	if (c->workdir && !o->workdir_set) {
		free(s->cwd);
		s->cwd = lxr_xstrdup(c->workdir);
	}
	if (c->user && !o->user)
		o->user = lxr_xstrdup(c->user);
	if (c->stop_signal && s->stop_signal == SIGTERM) {
		if (cfg_parse_signal(c->stop_signal, &sig) < 0)
			return lxr_fail(err, 0, "image StopSignal \"%s\" is not a signal",
					c->stop_signal);
		s->stop_signal = sig;
	}
	return 0;
}

int run_image_prepare(struct run_opts *o, char **cmd, char ***args, lxr_err *err)
{
	struct img_store *st = NULL;
	struct img_image im;
	int r = -1;

	if (img_store_open(lxr_data_dir(), &st, err) < 0)
		return -1;
	if (img_ensure(st, o->rootfs, IMG_PULL_MISSING, &im, err) < 0) {
		img_store_close(st);
		return -1;
	}
	if (use_fd < 0 && img_use_acquire(st, &im, o->name ? o->name : "lxr run", &use_fd, err) < 0)
		goto out;
	lxr_strv_free(o->spec.lower_dirs);
	o->spec.lower_dirs = lxr_strv_dup(im.layer_dirs);
	free(o->rootfs);
	o->rootfs = passwd_layer(im.layer_dirs);
	if (apply_config(o, &im.config, err) < 0)
		goto out;
	{
		/* --entrypoint: one word, as docker takes it; "" clears it */
		char *const ep[] = {o->entrypoint, NULL};
		*args = img_config_args(
		    &im.config, o->entrypoint ? (o->entrypoint[0] ? ep : ep + 1) : NULL, cmd);
	}
	r = 0;
out:
	if (r < 0)
		lxr_err_wrap(err, "image %s", im.name);
	img_image_free(&im);
	img_store_close(st);
	return r;
}
